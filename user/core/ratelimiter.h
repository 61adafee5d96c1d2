/* SPDX-License-Identifier: MIT */
/*
 * Per-source rate limit for handshake messages under load (the kernel's
 * ratelimiter.c): a token bucket per IPv4 address or IPv6 /64, 20 packets
 * a second with a burst of 5. The tables are SipHash-keyed with a random key
 * (an attacker cannot aim sources at one bucket) and fixed in size: when full,
 * new sources are denied until idle entries (untouched for a second) are
 * collected. Owned by the control thread; not thread safe; `now` is
 * monotonic ns.
 */
#ifndef WGX_RATELIMITER_H
#define WGX_RATELIMITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WGX_RATELIMITER_DEFAULT_ENTRIES 8192 /* per address family */
#define WGX_RATELIMITER_PACKETS_PER_SECOND 20
#define WGX_RATELIMITER_PACKETS_BURSTABLE 5

struct wgx_ratelimiter_entry;

struct wgx_ratelimiter_table {
	struct wgx_ratelimiter_entry *entries; /* max_entries, a pool; NULL until the first source */
	uint32_t *buckets;		       /* heads of chains, indices into entries */
	uint32_t free_head;		       /* entries the GC gave back */
	uint32_t fresh;			       /* entries [fresh, max_entries) never used yet */
	uint32_t used;
};

struct wgx_ratelimiter {
	struct wgx_ratelimiter_table v4, v6;
	uint32_t max_entries;
	uint32_t bucket_mask;
	uint64_t last_gc;
	unsigned char key[16]; /* crypto_shorthash (SipHash-2-4) key */
};

/* Up to max_entries sources per family (0: the default); a family's table is
 * allocated at its first source. 0 or -EINVAL (more than 2^24). */
int wgx_ratelimiter_init(struct wgx_ratelimiter *rl, uint32_t max_entries);
void wgx_ratelimiter_uninit(struct wgx_ratelimiter *rl);

/*
 * May a handshake message from this source be processed now? family is
 * AF_INET (addr: 4 bytes) or AF_INET6 (16 bytes, only the /64 counts); any
 * other family is denied. Collects idle entries first when a second passed
 * since the last collection.
 */
bool wgx_ratelimiter_allow(struct wgx_ratelimiter *rl, int family, const void *addr,
			   uint64_t now);

/* Drop entries idle for more than a second (also done by allow, at most once a second). */
void wgx_ratelimiter_gc(struct wgx_ratelimiter *rl, uint64_t now);

/* Sources currently tracked (both families): for tests and stats. */
uint32_t wgx_ratelimiter_count(const struct wgx_ratelimiter *rl);

#endif
