/* SPDX-License-Identifier: MIT */
/*
 * Minimal TAP producer for the unit tests, read by `prove`. Every check prints
 * one "ok N - what" or "not ok N - what" line; tap_done() prints the plan and
 * returns the exit status (non-zero when anything failed).
 */
#ifndef WGX_TAP_H
#define WGX_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

static inline __attribute__((format(printf, 2, 3))) bool ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

static inline __attribute__((format(printf, 2, 3))) void tap_skip(const char *reason, const char *fmt, ...)
{
	va_list ap;

	printf("ok %d - ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", reason);
	fflush(stdout);
}

static inline __attribute__((format(printf, 1, 2))) void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Compare two byte strings; on mismatch print both in hex as diagnostics. */
static inline bool tap_memeq(const void *got, const void *want, size_t len, const char *what)
{
	const unsigned char *g = got, *w = want;
	bool same = memcmp(got, want, len) == 0;

	ok(same, "%s", what);
	if (!same) {
		fputs("#   got:  ", stdout);
		for (size_t i = 0; i < len; i++)
			printf("%02x", g[i]);
		fputs("\n#   want: ", stdout);
		for (size_t i = 0; i < len; i++)
			printf("%02x", w[i]);
		putchar('\n');
	}
	return same;
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	if (tap_failed)
		diag("%d of %d checks failed", tap_failed, tap_count);
	return tap_failed ? 1 : 0;
}

#endif
