/* SPDX-License-Identifier: MIT */
/*
 * Allowed IPs: longest-prefix match from an IPv4/IPv6 address to the peer
 * that owns the prefix, modelled on the kernel's allowedips.c: one
 * path-compressed binary trie per family whose keys are kept in host byte
 * order, so a lookup byte-swaps the address once instead of per edge.
 *
 * Used for the decrypted-source check (a packet from peer P must come from
 * one of P's prefixes) and for routing in socket mode.
 *
 * Per-peer bookkeeping lives on the table's side, not in the peer: every
 * node owned by a peer sits on a list for that peer, and the lists' heads sit
 * in a small hash map keyed by the peer pointer. Walking or removing a peer's
 * prefixes therefore touches only that peer's nodes, and callers can pass
 * any pointer as the peer (struct wgx_peer is opaque here).
 *
 * Locking: none inside. Callers wrap the table in a pthread_rwlock: the
 * control thread takes it for writing around insert/remove/remove_by_peer/
 * free, data-path readers take it for reading around lookup and walk. Lookup
 * and walk never write to the table, so concurrent readers are safe.
 *
 * Memory: at most two trie nodes per prefix (a prefix node plus, at worst,
 * one branching node) and one map slot per peer owning prefixes (the map
 * shrinks as peers go); nothing survives wgx_allowedips_free().
 */
#ifndef WGX_ALLOWEDIPS_H
#define WGX_ALLOWEDIPS_H

#include <stddef.h>
#include <stdint.h>

struct wgx_peer;
struct wgx_aip_node;
struct wgx_aip_owner;

struct wgx_allowedips {
	struct wgx_aip_node *root4, *root6;
	struct wgx_aip_owner *owners; /* open-addressed map peer -> its node list */
	size_t owners_mask;	      /* capacity - 1, or 0 when owners is NULL */
	size_t owners_used;
};

/* Make an empty table. Never fails; allocation happens on first insert. */
void wgx_allowedips_init(struct wgx_allowedips *t);

/* Drop every prefix and free all memory; @t is empty (re-usable) afterwards. */
void wgx_allowedips_free(struct wgx_allowedips *t);

/*
 * Give @addr/@cidr (network byte order, host bits ignored: 1.2.3.4/24 is
 * stored as 1.2.3.0/24) to @peer. An identical prefix already present moves
 * to @peer. Returns 0, -EAFNOSUPPORT for a family other than AF_INET/AF_INET6,
 * -EINVAL for a cidr beyond 32/128 or a NULL peer, -ENOMEM (table unchanged).
 */
int wgx_allowedips_insert(struct wgx_allowedips *t, int family, const void *addr, uint8_t cidr,
			  struct wgx_peer *peer);

/*
 * Remove @addr/@cidr if @peer owns it. Returns 0, -ENOENT when that exact
 * prefix is absent or owned by another peer, -EAFNOSUPPORT, -EINVAL.
 */
int wgx_allowedips_remove(struct wgx_allowedips *t, int family, const void *addr, uint8_t cidr,
			  struct wgx_peer *peer);

/* Remove every prefix of @peer (called when the peer is removed). */
void wgx_allowedips_remove_by_peer(struct wgx_allowedips *t, struct wgx_peer *peer);

/*
 * The owner of the longest prefix containing @addr (network byte order), or
 * NULL. Read-only: callers hold the read lock.
 */
struct wgx_peer *wgx_allowedips_lookup(const struct wgx_allowedips *t, int family,
				       const void *addr);

/*
 * Call @cb once per prefix of @peer, in insertion order, with the address in
 * network byte order and masked to @cidr. @cb must not modify the table. A
 * non-zero return from @cb stops the walk and is returned; otherwise 0.
 */
int wgx_allowedips_walk_by_peer(const struct wgx_allowedips *t, struct wgx_peer *peer,
				int (*cb)(void *ctx, int family, const void *addr, uint8_t cidr),
				void *ctx);

#endif
