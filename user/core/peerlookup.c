// SPDX-License-Identifier: MIT
/* Receiver index and public key tables (see peerlookup.h). */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <sodium.h>

#include "core/peerlookup.h"

/* Slot layouts for the core: the key comes first. */
struct index_slot {
	uint32_t index;
	uint32_t type;
	void *ptr;
	struct wgx_peer *peer;
};

/* The key stays in the peer (the caller's buffer, valid until removal). */
struct pubkey_slot {
	const uint8_t *key;
	struct wgx_peer *peer;
};

_Static_assert(offsetof(struct index_slot, index) == 0, "index slot key first");
_Static_assert(offsetof(struct pubkey_slot, key) == 0, "pubkey slot key first");

#define POOL_LEN (sizeof(((struct wgx_index_table *)0)->random_pool) / sizeof(uint32_t))

int wgx_index_table_init(struct wgx_index_table *t)
{
	t->random_left = 0;
	return wgx_sht_init(&t->sht, sizeof(struct index_slot), sizeof(uint32_t));
}

void wgx_index_table_free(struct wgx_index_table *t)
{
	wgx_sht_free(&t->sht);
	sodium_memzero(t->random_pool, sizeof(t->random_pool));
	t->random_left = 0;
}

static uint32_t random_u32(struct wgx_index_table *t)
{
	if (!t->random_left) {
		randombytes_buf(t->random_pool, sizeof(t->random_pool));
		t->random_left = POOL_LEN;
	}
	return t->random_pool[--t->random_left];
}

static bool entry_valid(const struct wgx_index_entry *e)
{
	return e->ptr && e->peer && (e->type == WGX_INDEX_HANDSHAKE || e->type == WGX_INDEX_KEYPAIR);
}

int wgx_index_insert(struct wgx_index_table *t, const struct wgx_index_entry *entry,
		     uint32_t *out_index)
{
	struct index_slot s = { .type = entry->type, .ptr = entry->ptr, .peer = entry->peer };
	int ret;

	if (!entry_valid(entry))
		return -EINVAL;
	/* Retries are rare: even with a million indices in use, p(clash) < 1/4000. */
	do {
		s.index = random_u32(t);
		ret = s.index ? wgx_sht_add(&t->sht, &s) : -EEXIST;
	} while (ret == -EEXIST);
	if (!ret)
		*out_index = s.index;
	return ret;
}

int wgx_index_add(struct wgx_index_table *t, uint32_t index, const struct wgx_index_entry *entry)
{
	struct index_slot s = { .index = index, .type = entry->type, .ptr = entry->ptr,
				.peer = entry->peer };

	if (!index || !entry_valid(entry))
		return -EINVAL;
	return wgx_sht_add(&t->sht, &s);
}

int wgx_index_replace(struct wgx_index_table *t, uint32_t index, const void *old_ptr,
		      const struct wgx_index_entry *entry)
{
	struct index_slot *s;

	if (!entry_valid(entry))
		return -EINVAL;
	s = wgx_sht_find(&t->sht, &index);
	if (!s || s->ptr != old_ptr)
		return -ENOENT;
	s->type = entry->type;
	s->ptr = entry->ptr;
	s->peer = entry->peer;
	return 0;
}

int wgx_index_remove(struct wgx_index_table *t, uint32_t index)
{
	return wgx_sht_remove(&t->sht, &index);
}

int wgx_index_lookup(const struct wgx_index_table *t, uint32_t index, unsigned int type_mask,
		     struct wgx_index_entry *out)
{
	const struct index_slot *s = wgx_sht_find(&t->sht, &index);

	if (!s || !(s->type & type_mask))
		return -ENOENT;
	out->type = (enum wgx_index_type)s->type;
	out->ptr = s->ptr;
	out->peer = s->peer;
	return 0;
}

int wgx_pubkey_table_init(struct wgx_pubkey_table *t)
{
	return wgx_sht_init_indirect(&t->sht, sizeof(struct pubkey_slot), WGX_KEY_LEN);
}

void wgx_pubkey_table_free(struct wgx_pubkey_table *t)
{
	wgx_sht_free(&t->sht);
}

int wgx_pubkey_add(struct wgx_pubkey_table *t, const uint8_t key[WGX_KEY_LEN],
		   struct wgx_peer *peer)
{
	struct pubkey_slot s = { .key = key, .peer = peer };

	if (!peer)
		return -EINVAL;
	return wgx_sht_add(&t->sht, &s);
}

int wgx_pubkey_remove(struct wgx_pubkey_table *t, const uint8_t key[WGX_KEY_LEN])
{
	return wgx_sht_remove(&t->sht, key);
}

struct wgx_peer *wgx_pubkey_lookup(const struct wgx_pubkey_table *t,
				   const uint8_t key[WGX_KEY_LEN])
{
	const struct pubkey_slot *s = wgx_sht_find(&t->sht, key);

	return s ? s->peer : NULL;
}
