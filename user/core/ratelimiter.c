// SPDX-License-Identifier: MIT
/* Handshake rate limiter; see ratelimiter.h. Token arithmetic as the kernel's. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "core/ratelimiter.h"
#include "wgx_consts.h"

#define PACKET_COST (WGX_NS_PER_SEC / WGX_RATELIMITER_PACKETS_PER_SECOND)
#define TOKEN_MAX (PACKET_COST * WGX_RATELIMITER_PACKETS_BURSTABLE)
#define NIL UINT32_MAX

struct wgx_ratelimiter_entry {
	uint64_t ip; /* IPv4 address, or the top 64 bits of an IPv6 one */
	uint64_t last_time_ns;
	uint64_t tokens; /* in ns of credit */
	uint32_t next;	 /* chain or free list */
};

static void table_free(struct wgx_ratelimiter_table *t)
{
	free(t->entries);
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}

/* A table's memory, at its family's first source (most devices never rate-limit IPv6). */
static int table_init(struct wgx_ratelimiter_table *t, uint32_t max_entries, uint32_t nbuckets)
{
	t->entries = calloc(max_entries, sizeof(*t->entries));
	t->buckets = malloc(nbuckets * sizeof(*t->buckets));
	if (!t->entries || !t->buckets) {
		table_free(t);
		return -ENOMEM;
	}
	memset(t->buckets, 0xff, nbuckets * sizeof(*t->buckets)); /* all NIL */
	/* Entries are taken in order the first time (calloc's pages stay
	 * untouched until then), and from the free list once the GC gave some back. */
	t->free_head = NIL;
	t->fresh = 0;
	t->used = 0;
	return 0;
}

int wgx_ratelimiter_init(struct wgx_ratelimiter *rl, uint32_t max_entries)
{
	uint32_t nbuckets = 1;

	if (!max_entries)
		max_entries = WGX_RATELIMITER_DEFAULT_ENTRIES;
	if (max_entries > (1U << 24))
		return -EINVAL;
	while (nbuckets < max_entries)
		nbuckets <<= 1;
	memset(rl, 0, sizeof(*rl));
	rl->max_entries = max_entries;
	rl->bucket_mask = nbuckets - 1;
	crypto_shorthash_keygen(rl->key);
	return 0;
}

void wgx_ratelimiter_uninit(struct wgx_ratelimiter *rl)
{
	table_free(&rl->v4);
	table_free(&rl->v6);
	sodium_memzero(rl->key, sizeof(rl->key));
}

static void table_gc(struct wgx_ratelimiter_table *t, uint32_t nbuckets, uint64_t now)
{
	for (uint32_t b = 0; t->buckets && b < nbuckets; b++) {
		uint32_t *link = &t->buckets[b];

		while (*link != NIL) {
			struct wgx_ratelimiter_entry *e = &t->entries[*link];
			uint32_t idx = *link;

			if (now > e->last_time_ns + WGX_NS_PER_SEC) {
				*link = e->next;
				e->next = t->free_head;
				t->free_head = idx;
				t->used--;
			} else {
				link = &e->next;
			}
		}
	}
}

void wgx_ratelimiter_gc(struct wgx_ratelimiter *rl, uint64_t now)
{
	table_gc(&rl->v4, rl->bucket_mask + 1, now);
	table_gc(&rl->v6, rl->bucket_mask + 1, now);
	rl->last_gc = now;
}

bool wgx_ratelimiter_allow(struct wgx_ratelimiter *rl, int family, const void *addr,
			   uint64_t now)
{
	struct wgx_ratelimiter_table *t;
	struct wgx_ratelimiter_entry *e;
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t ip = 0, hash;
	uint32_t bucket, idx;

	if (family == AF_INET) {
		memcpy(&ip, addr, 4);
		t = &rl->v4;
	} else if (family == AF_INET6) {
		/* Only the /64: one host owns at least that much. */
		memcpy(&ip, addr, 8);
		t = &rl->v6;
	} else {
		return false;
	}
	/* No memory for the table: a full table, which says no. */
	if (!t->buckets && table_init(t, rl->max_entries, rl->bucket_mask + 1))
		return false;
	if (now >= rl->last_gc + WGX_NS_PER_SEC)
		wgx_ratelimiter_gc(rl, now);

	crypto_shorthash(h, (const unsigned char *)&ip, sizeof(ip), rl->key);
	memcpy(&hash, h, sizeof(hash));
	bucket = hash & rl->bucket_mask;

	for (idx = t->buckets[bucket]; idx != NIL; idx = e->next) {
		e = &t->entries[idx];
		if (e->ip == ip) {
			/* The burst is part of the bucket size, not of the rate. */
			uint64_t elapsed = now > e->last_time_ns ? now - e->last_time_ns : 0;
			uint64_t tokens = e->tokens + elapsed;
			bool ret;

			if (tokens > TOKEN_MAX)
				tokens = TOKEN_MAX;
			e->last_time_ns = now;
			ret = tokens >= PACKET_COST;
			e->tokens = ret ? tokens - PACKET_COST : tokens;
			return ret;
		}
	}

	/* New source: bounded memory, so a full table says no. */
	if (t->free_head != NIL) {
		idx = t->free_head;
		t->free_head = t->entries[idx].next;
	} else if (t->fresh < rl->max_entries) {
		idx = t->fresh++;
	} else {
		return false;
	}
	e = &t->entries[idx];
	t->used++;
	e->ip = ip;
	e->last_time_ns = now;
	e->tokens = TOKEN_MAX - PACKET_COST;
	e->next = t->buckets[bucket];
	t->buckets[bucket] = idx;
	return true;
}

uint32_t wgx_ratelimiter_count(const struct wgx_ratelimiter *rl)
{
	return rl->v4.used + rl->v6.used;
}
