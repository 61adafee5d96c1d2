/* SPDX-License-Identifier: MIT */
/* Test vectors are written as hex strings, as printed in the RFCs. */
#ifndef WGX_TEST_HEX_H
#define WGX_TEST_HEX_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Decode hex (spaces ignored) into out, which must hold exactly want bytes;
 * a malformed or wrongly sized vector aborts the test rather than passing.
 */
static inline size_t unhex(uint8_t *out, size_t want, const char *hex)
{
	size_t n = 0;
	int hi = -1;

	for (const char *p = hex; *p; p++) {
		int v;

		if (*p == ' ' || *p == '\n')
			continue;
		if (*p >= '0' && *p <= '9')
			v = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			v = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			v = *p - 'A' + 10;
		else
			goto bad;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= want)
			goto bad;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0 || n != want)
		goto bad;
	return n;
bad:
	fprintf(stderr, "bad test vector (want %zu bytes): %.40s...\n", want, hex);
	abort();
}

#endif
