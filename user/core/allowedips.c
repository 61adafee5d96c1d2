// SPDX-License-Identifier: MIT
/*
 * Allowed-IPs trie (see allowedips.h). Both families share one node layout:
 * an address is a 128-bit host-order number (key[0] holds the high 64 bits;
 * IPv4 sits in the top 32 bits of key[0]), so prefix arithmetic is two
 * count-leading-zeros, never a byte loop.
 *
 * Trie shape, as in the kernel: a node holds a prefix (key masked to cidr);
 * its children extend it, child[b] being the side whose bit at position cidr
 * is b. A node without a peer is a pure branching point and always has two
 * children; removal keeps that invariant by splicing out branching nodes
 * left with one child. Depth is therefore at most 129 and nothing recurses.
 */
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/allowedips.h"

struct wgx_aip_node {
	struct wgx_aip_node *child[2];
	struct wgx_aip_node *parent;
	struct wgx_peer *peer; /* NULL: branching node */
	struct wgx_aip_node *peer_prev, *peer_next; /* the owner's list, insertion order */
	uint64_t key[2];
	uint8_t cidr;
	uint8_t bits; /* 32 or 128 */
};

/* One peer's node list; peer == NULL marks a free slot of the owner map. */
struct wgx_aip_owner {
	struct wgx_peer *peer;
	struct wgx_aip_node *first, *last;
};

#define OWNERS_MIN 8

/* ---- keys ---- */

static int family_bits(int family)
{
	if (family == AF_INET)
		return 32;
	if (family == AF_INET6)
		return 128;
	return -EAFNOSUPPORT;
}

static void key_from_addr(uint64_t key[2], const void *addr, int bits)
{
	if (bits == 32) {
		uint32_t be;

		memcpy(&be, addr, 4);
		key[0] = (uint64_t)be32toh(be) << 32;
		key[1] = 0;
	} else {
		uint64_t be[2];

		memcpy(be, addr, 16);
		key[0] = be64toh(be[0]);
		key[1] = be64toh(be[1]);
	}
}

static void key_to_addr(void *addr, const uint64_t key[2], int bits)
{
	if (bits == 32) {
		uint32_t be = htobe32((uint32_t)(key[0] >> 32));

		memcpy(addr, &be, 4);
	} else {
		uint64_t be[2] = { htobe64(key[0]), htobe64(key[1]) };

		memcpy(addr, be, 16);
	}
}

static void key_mask(uint64_t key[2], unsigned int cidr)
{
	if (cidr == 0) {
		key[0] = key[1] = 0;
	} else if (cidr <= 64) {
		key[0] &= ~0ULL << (64 - cidr);
		key[1] = 0;
	} else {
		key[1] &= ~0ULL << (128 - cidr);
	}
}

/* The bit right after the first @pos bits (@pos < 128). */
static unsigned int key_bit(const uint64_t key[2], unsigned int pos)
{
	return pos < 64 ? (key[0] >> (63 - pos)) & 1 : (key[1] >> (127 - pos)) & 1;
}

static unsigned int common_bits(const uint64_t a[2], const uint64_t b[2])
{
	uint64_t x = a[0] ^ b[0];

	if (x)
		return (unsigned int)__builtin_clzll(x);
	x = a[1] ^ b[1];
	return x ? 64 + (unsigned int)__builtin_clzll(x) : 128;
}

static bool prefix_matches(const struct wgx_aip_node *node, const uint64_t key[2])
{
	return common_bits(node->key, key) >= node->cidr;
}

static struct wgx_aip_node **root_of(struct wgx_allowedips *t, int bits)
{
	return bits == 32 ? &t->root4 : &t->root6;
}

/* ---- owner map: peer pointer -> list of its nodes (linear probing) ---- */

/*
 * Peer pointers come from our own allocator, not from the network, so a fast
 * unkeyed mix is enough here (the SipHash tables guard attacker input).
 */
static size_t owner_hash(const struct wgx_peer *peer, size_t mask)
{
	uint64_t x = (uint64_t)(uintptr_t)peer;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x & mask;
}

static struct wgx_aip_owner *owner_find(const struct wgx_allowedips *t, const struct wgx_peer *peer)
{
	if (!t->owners)
		return NULL;
	for (size_t i = owner_hash(peer, t->owners_mask);; i = (i + 1) & t->owners_mask) {
		if (t->owners[i].peer == peer)
			return &t->owners[i];
		if (!t->owners[i].peer)
			return NULL;
	}
}

static int owners_resize(struct wgx_allowedips *t, size_t cap)
{
	struct wgx_aip_owner *old = t->owners, *fresh = calloc(cap, sizeof(*fresh));
	size_t old_cap = old ? t->owners_mask + 1 : 0;

	if (!fresh)
		return -ENOMEM;
	for (size_t i = 0; i < old_cap; i++) {
		size_t j;

		if (!old[i].peer)
			continue;
		for (j = owner_hash(old[i].peer, cap - 1); fresh[j].peer; j = (j + 1) & (cap - 1))
			;
		fresh[j] = old[i];
	}
	free(old);
	t->owners = fresh;
	t->owners_mask = cap - 1;
	return 0;
}

/* Make room for one more owner so that owner_get() cannot fail afterwards. */
static int owner_reserve(struct wgx_allowedips *t)
{
	size_t cap = t->owners ? t->owners_mask + 1 : 0;

	if ((t->owners_used + 1) * 2 <= cap)
		return 0;
	return owners_resize(t, cap ? cap * 2 : OWNERS_MIN);
}

/* Find or create @peer's entry; owner_reserve() must have succeeded. */
static struct wgx_aip_owner *owner_get(struct wgx_allowedips *t, struct wgx_peer *peer)
{
	size_t i;

	for (i = owner_hash(peer, t->owners_mask); t->owners[i].peer; i = (i + 1) & t->owners_mask)
		if (t->owners[i].peer == peer)
			return &t->owners[i];
	t->owners[i] = (struct wgx_aip_owner){ .peer = peer };
	t->owners_used++;
	return &t->owners[i];
}

/* Backward-shift deletion: no tombstones, so probe chains never rot. */
static void owner_delete(struct wgx_allowedips *t, struct wgx_aip_owner *e)
{
	size_t mask = t->owners_mask, hole = (size_t)(e - t->owners);

	for (size_t i = (hole + 1) & mask; t->owners[i].peer; i = (i + 1) & mask) {
		size_t home = owner_hash(t->owners[i].peer, mask);

		/* Move i into the hole unless its home lies cyclically in (hole, i]. */
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			t->owners[hole] = t->owners[i];
			hole = i;
		}
	}
	t->owners[hole].peer = NULL;
	t->owners_used--;
}

/* Give memory back once few peers remain; failure to shrink is harmless. */
static void owners_maybe_shrink(struct wgx_allowedips *t)
{
	size_t cap = t->owners ? t->owners_mask + 1 : 0;

	if (!cap)
		return;
	if (!t->owners_used) {
		free(t->owners);
		t->owners = NULL;
		t->owners_mask = 0;
	} else if (cap > OWNERS_MIN && t->owners_used * 8 < cap) {
		owners_resize(t, cap / 2);
	}
}

static void node_link_owner(struct wgx_allowedips *t, struct wgx_aip_node *node,
			    struct wgx_peer *peer)
{
	struct wgx_aip_owner *e = owner_get(t, peer);

	node->peer = peer;
	node->peer_prev = e->last;
	node->peer_next = NULL;
	if (e->last)
		e->last->peer_next = node;
	else
		e->first = node;
	e->last = node;
}

static void node_unlink_owner(struct wgx_allowedips *t, struct wgx_aip_node *node)
{
	struct wgx_aip_owner *e = owner_find(t, node->peer);

	if (node->peer_prev)
		node->peer_prev->peer_next = node->peer_next;
	else
		e->first = node->peer_next;
	if (node->peer_next)
		node->peer_next->peer_prev = node->peer_prev;
	else
		e->last = node->peer_prev;
	if (!e->first)
		owner_delete(t, e);
	node->peer = NULL;
	node->peer_prev = node->peer_next = NULL;
}

/* ---- trie ---- */

static struct wgx_aip_node *node_new(const uint64_t key[2], uint8_t cidr, uint8_t bits)
{
	struct wgx_aip_node *node = calloc(1, sizeof(*node));

	if (node) {
		node->key[0] = key[0];
		node->key[1] = key[1];
		key_mask(node->key, cidr);
		node->cidr = cidr;
		node->bits = bits;
	}
	return node;
}

/* Put @node where @old hangs below @parent (or at the root). */
static void replace_child(struct wgx_aip_node **root, struct wgx_aip_node *parent,
			  struct wgx_aip_node *old, struct wgx_aip_node *node)
{
	if (!parent)
		*root = node;
	else
		parent->child[parent->child[1] == old] = node;
	if (node)
		node->parent = parent;
}

static void attach_below(struct wgx_aip_node *parent, struct wgx_aip_node *node)
{
	parent->child[key_bit(node->key, parent->cidr)] = node;
	node->parent = parent;
}

/*
 * Walk down as far as nodes are prefixes of @key/@cidr. Returns the deepest
 * such node (NULL: none, not even the root) and whether it is @cidr exactly.
 */
static struct wgx_aip_node *placement(struct wgx_aip_node *root, const uint64_t key[2],
				      uint8_t cidr, bool *exact)
{
	struct wgx_aip_node *node = root, *parent = NULL;

	*exact = false;
	while (node && node->cidr <= cidr && prefix_matches(node, key)) {
		parent = node;
		if (node->cidr == cidr) {
			*exact = true;
			break;
		}
		node = node->child[key_bit(key, node->cidr)];
	}
	return parent;
}

static int move_prefix(struct wgx_allowedips *t, struct wgx_aip_node *node, struct wgx_peer *peer)
{
	if (node->peer == peer)
		return 0;
	if (owner_reserve(t))
		return -ENOMEM;
	if (node->peer)
		node_unlink_owner(t, node);
	node_link_owner(t, node, peer);
	owners_maybe_shrink(t);
	return 0;
}

int wgx_allowedips_insert(struct wgx_allowedips *t, int family, const void *addr, uint8_t cidr,
			  struct wgx_peer *peer)
{
	struct wgx_aip_node **root, *parent, *down, *newnode, *branch = NULL;
	int bits = family_bits(family);
	unsigned int split;
	uint64_t key[2];
	bool exact;

	if (bits < 0)
		return bits;
	if (cidr > bits || !peer)
		return -EINVAL;
	key_from_addr(key, addr, bits);
	key_mask(key, cidr);
	root = root_of(t, bits);

	parent = placement(*root, key, cidr, &exact);
	if (exact)
		return move_prefix(t, parent, peer);

	down = parent ? parent->child[key_bit(key, parent->cidr)] : *root;
	/*
	 * @down is not a prefix of the new one: either longer, or diverging.
	 * Diverging before @cidr needs a branching node at the split point.
	 */
	split = down ? common_bits(down->key, key) : cidr;
	if (split > cidr)
		split = cidr;

	newnode = node_new(key, cidr, (uint8_t)bits);
	if (split < cidr)
		branch = node_new(key, (uint8_t)split, (uint8_t)bits);
	if (!newnode || (split < cidr && !branch) || owner_reserve(t)) {
		free(newnode);
		free(branch);
		return -ENOMEM;
	}
	node_link_owner(t, newnode, peer);

	if (!down) {
		if (parent)
			attach_below(parent, newnode);
		else
			*root = newnode;
	} else if (!branch) {
		replace_child(root, parent, down, newnode);
		attach_below(newnode, down);
	} else {
		replace_child(root, parent, down, branch);
		attach_below(branch, down);
		attach_below(branch, newnode);
	}
	return 0;
}

/*
 * Drop @node's prefix. A node with two children stays as a branching point;
 * otherwise it goes, and so does a branching parent left with one child.
 */
static void remove_node(struct wgx_allowedips *t, struct wgx_aip_node *node)
{
	struct wgx_aip_node **root = root_of(t, node->bits), *parent = node->parent, *child;

	node_unlink_owner(t, node);
	if (node->child[0] && node->child[1])
		return;
	child = node->child[0] ? node->child[0] : node->child[1];
	replace_child(root, parent, node, child);
	free(node);
	if (parent && !parent->peer && !(parent->child[0] && parent->child[1])) {
		child = parent->child[0] ? parent->child[0] : parent->child[1];
		replace_child(root, parent->parent, parent, child);
		free(parent);
	}
}

int wgx_allowedips_remove(struct wgx_allowedips *t, int family, const void *addr, uint8_t cidr,
			  struct wgx_peer *peer)
{
	int bits = family_bits(family);
	struct wgx_aip_node *node;
	uint64_t key[2];
	bool exact;

	if (bits < 0)
		return bits;
	if (cidr > bits || !peer)
		return -EINVAL;
	key_from_addr(key, addr, bits);
	key_mask(key, cidr);
	node = placement(*root_of(t, bits), key, cidr, &exact);
	if (!exact || node->peer != peer)
		return -ENOENT;
	remove_node(t, node);
	owners_maybe_shrink(t);
	return 0;
}

void wgx_allowedips_remove_by_peer(struct wgx_allowedips *t, struct wgx_peer *peer)
{
	struct wgx_aip_owner *e;

	while ((e = owner_find(t, peer)))
		remove_node(t, e->first);
	owners_maybe_shrink(t);
}

struct wgx_peer *wgx_allowedips_lookup(const struct wgx_allowedips *t, int family,
				       const void *addr)
{
	const struct wgx_aip_node *node, *found = NULL;
	int bits = family_bits(family);
	uint64_t key[2];

	if (bits < 0)
		return NULL;
	key_from_addr(key, addr, bits);
	node = bits == 32 ? t->root4 : t->root6;
	while (node && prefix_matches(node, key)) {
		if (node->peer)
			found = node;
		if (node->cidr == bits)
			break;
		node = node->child[key_bit(key, node->cidr)];
	}
	return found ? found->peer : NULL;
}

int wgx_allowedips_walk_by_peer(const struct wgx_allowedips *t, struct wgx_peer *peer,
				int (*cb)(void *ctx, int family, const void *addr, uint8_t cidr),
				void *ctx)
{
	const struct wgx_aip_owner *e = owner_find(t, peer);
	unsigned char addr[16];

	for (const struct wgx_aip_node *n = e ? e->first : NULL; n; n = n->peer_next) {
		int ret;

		key_to_addr(addr, n->key, n->bits);
		ret = cb(ctx, n->bits == 32 ? AF_INET : AF_INET6, addr, n->cidr);
		if (ret)
			return ret;
	}
	return 0;
}

/* Post-order teardown through parent pointers: no stack, no recursion. */
static void free_trie(struct wgx_aip_node *node)
{
	while (node) {
		struct wgx_aip_node *parent;

		if (node->child[0]) {
			node = node->child[0];
			continue;
		}
		if (node->child[1]) {
			node = node->child[1];
			continue;
		}
		parent = node->parent;
		if (parent)
			parent->child[parent->child[1] == node] = NULL;
		free(node);
		node = parent;
	}
}

void wgx_allowedips_init(struct wgx_allowedips *t)
{
	memset(t, 0, sizeof(*t));
}

void wgx_allowedips_free(struct wgx_allowedips *t)
{
	free_trie(t->root4);
	free_trie(t->root6);
	free(t->owners);
	wgx_allowedips_init(t);
}
