// SPDX-License-Identifier: MIT
/* SipHash-keyed open-addressing table core (see siphash_table.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/siphash_table.h"

_Static_assert(WGX_SHT_SIPKEY_LEN == crypto_shorthash_KEYBYTES, "SipHash key size");

#define TAG_USED 0x80000000u
#define CAP_MIN 16u
#define CAP_MAX 0x80000000u /* home slot = tag & mask needs mask < TAG_USED */

static uint32_t tag_of(const struct wgx_sht *t, const void *key)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint32_t low;

	crypto_shorthash(h, key, t->key_len, t->sipkey);
	memcpy(&low, h, sizeof(low));
	return low | TAG_USED;
}

static unsigned char *slot_at(const struct wgx_sht *t, uint32_t i)
{
	return t->slots + (size_t)i * t->slot_size;
}

/* The key of the entry stored as @slot. */
static const void *slot_key(const struct wgx_sht *t, const unsigned char *slot)
{
	const void *key;

	if (!t->indirect)
		return slot;
	memcpy(&key, slot, sizeof(key));
	return key;
}

static int alloc_arrays(struct wgx_sht *t, uint32_t cap)
{
	t->tags = calloc(cap, sizeof(*t->tags));
	t->slots = malloc((size_t)cap * t->slot_size);
	if (!t->tags || !t->slots) {
		free(t->tags);
		free(t->slots);
		return -ENOMEM;
	}
	t->mask = cap - 1;
	return 0;
}

/* A slot holds the key itself, or (@indirect) a pointer to it. */
static int sht_init(struct wgx_sht *t, size_t slot_size, size_t key_len, bool indirect)
{
	memset(t, 0, sizeof(*t));
	if (!key_len || key_len > UINT32_MAX || slot_size > UINT32_MAX ||
	    (indirect ? sizeof(void *) : key_len) > slot_size)
		return -EINVAL;
	if (sodium_init() < 0)
		return -EIO;
	t->slot_size = (uint32_t)slot_size;
	t->key_len = (uint32_t)key_len;
	t->indirect = indirect;
	crypto_shorthash_keygen(t->sipkey);
	if (alloc_arrays(t, CAP_MIN)) {
		sodium_memzero(t->sipkey, sizeof(t->sipkey));
		return -ENOMEM;
	}
	return 0;
}

int wgx_sht_init(struct wgx_sht *t, size_t slot_size, size_t key_len)
{
	return sht_init(t, slot_size, key_len, false);
}

int wgx_sht_init_indirect(struct wgx_sht *t, size_t slot_size, size_t key_len)
{
	return sht_init(t, slot_size, key_len, true);
}

void wgx_sht_free(struct wgx_sht *t)
{
	free(t->tags);
	free(t->slots);
	sodium_memzero(t, sizeof(*t));
}

/* Rebuild at @cap slots from the stored tags; the old table survives failure. */
static int resize(struct wgx_sht *t, uint32_t cap)
{
	struct wgx_sht old = *t;

	if (alloc_arrays(t, cap)) {
		*t = old;
		return -ENOMEM;
	}
	for (uint32_t i = 0; i <= old.mask; i++) {
		uint32_t j;

		if (!old.tags[i])
			continue;
		for (j = old.tags[i] & t->mask; t->tags[j]; j = (j + 1) & t->mask)
			;
		t->tags[j] = old.tags[i];
		memcpy(slot_at(t, j), slot_at(&old, i), t->slot_size);
	}
	free(old.tags);
	free(old.slots);
	return 0;
}

/* Index of @key's slot, or of the empty slot ending its probe sequence. */
static uint32_t probe(const struct wgx_sht *t, const void *key, uint32_t tag, int *found)
{
	uint32_t i;

	for (i = tag & t->mask; t->tags[i]; i = (i + 1) & t->mask) {
		if (t->tags[i] == tag && !memcmp(slot_key(t, slot_at(t, i)), key, t->key_len)) {
			*found = 1;
			return i;
		}
	}
	*found = 0;
	return i;
}

void *wgx_sht_find(const struct wgx_sht *t, const void *key)
{
	int found;
	uint32_t i = probe(t, key, tag_of(t, key), &found);

	return found ? slot_at(t, i) : NULL;
}

int wgx_sht_add(struct wgx_sht *t, const void *slot)
{
	const void *key = slot_key(t, slot);
	uint32_t tag = tag_of(t, key), cap = t->mask + 1, i;
	int found;

	i = probe(t, key, tag, &found);
	if (found)
		return -EEXIST;
	if ((uint64_t)(t->count + 1) * 4 > (uint64_t)cap * 3) {
		if (cap >= CAP_MAX || resize(t, cap * 2))
			return -ENOMEM;
		i = probe(t, key, tag, &found);
	}
	t->tags[i] = tag;
	memcpy(slot_at(t, i), slot, t->slot_size);
	t->count++;
	return 0;
}

int wgx_sht_remove(struct wgx_sht *t, const void *key)
{
	uint32_t hole, cap = t->mask + 1;
	int found;

	hole = probe(t, key, tag_of(t, key), &found);
	if (!found)
		return -ENOENT;
	for (uint32_t i = (hole + 1) & t->mask; t->tags[i]; i = (i + 1) & t->mask) {
		uint32_t home = t->tags[i] & t->mask;

		/* Entry i may fill the hole unless its home lies cyclically in (hole, i]. */
		if (((i - home) & t->mask) >= ((i - hole) & t->mask)) {
			t->tags[hole] = t->tags[i];
			memcpy(slot_at(t, hole), slot_at(t, i), t->slot_size);
			hole = i;
		}
	}
	t->tags[hole] = 0;
	t->count--;
	/* Shrinking is an optimisation: on failure the table stays as it is. */
	if (cap > CAP_MIN && t->count * 8 < cap)
		resize(t, cap / 2);
	return 0;
}
