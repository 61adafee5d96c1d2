/* SPDX-License-Identifier: MIT */
/*
 * Shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c): the check macro
 * every oracle uses, and the invariants of a parsed change set that both the
 * UAPI and the config parser must leave behind. A failed check prints what
 * was violated and aborts, which libFuzzer records as a finding (crash-*).
 */
#ifndef WGX_FUZZ_H
#define WGX_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/uapi_set.h"

#define fuzz_check(cond, ...)                                                   \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "fuzz oracle failed: %s: ", #cond);    \
			fprintf(stderr, __VA_ARGS__);                           \
			fputc('\n', stderr);                                    \
			abort();                                                \
		}                                                               \
	} while (0)

/* What any successfully parsed set must satisfy, whoever parsed it. */
static inline void fuzz_check_set(const struct wgx_uapi_set *s)
{
	size_t total = 0;

	fuzz_check(s->n_peers <= WGX_UAPI_MAX_PEERS, "%zu peers", s->n_peers);
	fuzz_check(s->n_peers == 0 || s->peers, "peers array missing");
	for (size_t i = 0; i < s->n_peers; i++) {
		const struct wgx_uapi_peer_change *p = &s->peers[i];

		total += p->n_allowed_ips;
		fuzz_check(!p->remove || (!p->has_psk && !p->has_endpoint && !p->n_allowed_ips),
			   "peer %zu: remove with other changes", i);
		if (p->has_endpoint) {
			int f = p->endpoint.ss_family;

			fuzz_check(f == AF_INET || f == AF_INET6, "peer %zu: endpoint family %d", i, f);
		}
		for (size_t j = 0; j < p->n_allowed_ips; j++) {
			const struct wgx_uapi_cidr *c = &p->allowed_ips[j];
			unsigned int bits = c->family == AF_INET ? 32 : 128;

			fuzz_check(c->family == AF_INET || c->family == AF_INET6,
				   "peer %zu ip %zu: family %d", i, j, c->family);
			fuzz_check(c->cidr <= bits, "peer %zu ip %zu: /%u", i, j, c->cidr);
			/* Host bits cleared, and nothing past the family's length. */
			for (unsigned int b = c->cidr; b < 128; b++)
				fuzz_check(!(c->addr[b / 8] & (0x80 >> (b % 8))),
					   "peer %zu ip %zu: bit %u set past /%u", i, j, b, c->cidr);
		}
	}
	fuzz_check(total <= WGX_UAPI_MAX_ALLOWED_IPS, "%zu allowed IPs", total);
}

#endif
