/* SPDX-License-Identifier: MIT */
/*
 * The two per-device lookup tables of the kernel's peerlookup.c, on the
 * SipHash-keyed core (siphash_table.h):
 *
 *  - receiver index table: the 32-bit index we hand out in our handshake
 *    messages -> the handshake or keypair it names (and its peer). Indices are
 *    random, non-zero and unique within the table.
 *  - public key table: a peer's static public key -> the peer.
 *
 * Locking: none inside. The control thread is the only writer; data-path
 * readers (index lookups of incoming data packets) and writers exclude each
 * other with a pthread_rwlock held by the caller. Lookups copy the entry out,
 * so nothing points into the table after the lock is dropped.
 */
#ifndef WGX_PEERLOOKUP_H
#define WGX_PEERLOOKUP_H

#include <stdint.h>

#include "core/siphash_table.h"
#include "wgx_consts.h"

struct wgx_peer;

enum wgx_index_type {
	WGX_INDEX_HANDSHAKE = 1u << 0,
	WGX_INDEX_KEYPAIR = 1u << 1,
};

struct wgx_index_entry {
	enum wgx_index_type type;
	void *ptr; /* the handshake or keypair, opaque here */
	struct wgx_peer *peer;
};

struct wgx_index_table {
	struct wgx_sht sht;
	uint32_t random_pool[16]; /* one randombytes call per 16 fresh indices */
	unsigned int random_left;
};

struct wgx_pubkey_table {
	struct wgx_sht sht;
};

/* Empty index table. Returns 0, -ENOMEM or -EIO (libsodium unusable). */
int wgx_index_table_init(struct wgx_index_table *t);
void wgx_index_table_free(struct wgx_index_table *t);

/*
 * Store @entry under a fresh random non-zero index not in use, returned in
 * @out_index (host byte order; the wire carries it little-endian). Called
 * when a handshake message is created. Returns 0, -EINVAL (NULL ptr or peer,
 * unknown type) or -ENOMEM.
 */
int wgx_index_insert(struct wgx_index_table *t, const struct wgx_index_entry *entry,
		     uint32_t *out_index);

/*
 * Store @entry under @index as another process handed it out (a restart,
 * core/state.h). Returns 0, -EEXIST (in use), -EINVAL (index 0, bad entry)
 * or -ENOMEM.
 */
int wgx_index_add(struct wgx_index_table *t, uint32_t index, const struct wgx_index_entry *entry);

/*
 * Hand @index over from the object @old_ptr to @entry, keeping the index
 * (the kernel's wg_index_hashtable_replace: a completed handshake's index
 * becomes the new keypair's). Returns 0, or -ENOENT when @index is absent or
 * no longer names @old_ptr (it was removed, maybe reused), -EINVAL.
 */
int wgx_index_replace(struct wgx_index_table *t, uint32_t index, const void *old_ptr,
		      const struct wgx_index_entry *entry);

/* Forget @index (handshake cleared, keypair destroyed). Returns 0 or -ENOENT. */
int wgx_index_remove(struct wgx_index_table *t, uint32_t index);

/*
 * Copy the entry of @index into @out if its type is in @type_mask (e.g.
 * WGX_INDEX_KEYPAIR for data packets). Returns 0 or -ENOENT.
 */
int wgx_index_lookup(const struct wgx_index_table *t, uint32_t index, unsigned int type_mask,
		     struct wgx_index_entry *out);

/* Empty public key table. Returns 0, -ENOMEM or -EIO. */
int wgx_pubkey_table_init(struct wgx_pubkey_table *t);
void wgx_pubkey_table_free(struct wgx_pubkey_table *t);

/*
 * Map @key to @peer (peer added). The table keeps the pointer, not a copy:
 * @key must stay valid and unchanged until removed (the peer's own
 * public_key). Returns 0, -EEXIST, -EINVAL (NULL peer), -ENOMEM.
 */
int wgx_pubkey_add(struct wgx_pubkey_table *t, const uint8_t key[WGX_KEY_LEN],
		   struct wgx_peer *peer);

/* Forget @key (peer removed). Returns 0 or -ENOENT. */
int wgx_pubkey_remove(struct wgx_pubkey_table *t, const uint8_t key[WGX_KEY_LEN]);

/* The peer with static public key @key, or NULL (handshake initiation). */
struct wgx_peer *wgx_pubkey_lookup(const struct wgx_pubkey_table *t,
				   const uint8_t key[WGX_KEY_LEN]);

#endif
