/* SPDX-License-Identifier: MIT */
/*
 * Hash-flooding resistant hash table core: SipHash-2-4 (libsodium
 * crypto_shorthash) under a random 16-byte key drawn per table, so whoever
 * picks the keys (a handshake sender picks public keys, a data packet picks
 * receiver indices) cannot aim them at one bucket without knowing the key.
 *
 * Open addressing with linear probing over fixed-size slots the caller lays
 * out (its key in the first key_len bytes). A parallel array of 32-bit tags
 * (0 = empty, else the hash's low 31 bits with the top bit set) keeps probes
 * on a dense array, rejects most mismatches without touching the slot, and
 * lets growth rehash without recomputing SipHash (the key never changes and
 * never leaves the struct). Deletion shifts entries back instead of leaving
 * tombstones. Load stays between 1/8 and 3/4 (doubling above, halving
 * below, never under 16 slots): O(1) expected probes; a slot costs
 * 4 + slot_size bytes and an entry 4/3 to 8 slots (at most 8/3 while the
 * table only grows).
 *
 * Locking: none inside. The owner serializes writers (add/remove) and keeps
 * readers (find) out while writing, e.g. with a pthread_rwlock; find never
 * writes. A slot pointer from find is valid only until the next add/remove.
 */
#ifndef WGX_SIPHASH_TABLE_H
#define WGX_SIPHASH_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WGX_SHT_SIPKEY_LEN 16

struct wgx_sht {
	uint32_t *tags;
	unsigned char *slots; /* (mask + 1) * slot_size bytes */
	uint32_t mask;	      /* capacity - 1; capacity is a power of two */
	uint32_t count;
	uint32_t slot_size, key_len;
	bool indirect;	      /* slots start with a pointer to the key */
	unsigned char sipkey[WGX_SHT_SIPKEY_LEN];
};

/*
 * Empty table of @slot_size-byte slots keyed by their first @key_len bytes,
 * with a fresh random SipHash key. Returns 0, -EINVAL, -ENOMEM, or -EIO when
 * libsodium cannot initialise.
 */
int wgx_sht_init(struct wgx_sht *t, size_t slot_size, size_t key_len);

/*
 * The same, but each slot starts with a pointer to its key (@key_len bytes
 * that must not change while the entry is in the table) instead of the key:
 * for big keys kept elsewhere anyway (a peer's public key) the slot shrinks
 * from key + value to pointer + value; tags keep mismatches from following
 * the pointer.
 */
int wgx_sht_init_indirect(struct wgx_sht *t, size_t slot_size, size_t key_len);

/* Free all memory and wipe the SipHash key. */
void wgx_sht_free(struct wgx_sht *t);

/* The slot whose key equals @key, or NULL. Never writes to @t. */
void *wgx_sht_find(const struct wgx_sht *t, const void *key);

/*
 * Copy @slot (slot_size bytes, key first, or a pointer to it) in. Returns 0, -EEXIST when its key is present (the table is unchanged),
 * -ENOMEM when growing failed.
 */
int wgx_sht_add(struct wgx_sht *t, const void *slot);

/* Remove the slot keyed @key. Returns 0 or -ENOENT. */
int wgx_sht_remove(struct wgx_sht *t, const void *key);

#endif
