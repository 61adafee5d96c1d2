// SPDX-License-Identifier: MIT
/*
 * Receiver index and public key tables: the index lifecycle (insert, replace
 * from handshake to keypair, remove), a million random indices, 100k public
 * keys, and hash flooding: keys crafted to collide under a SipHash key the
 * attacker knows pile up in one cluster, but spread out under the table's own
 * secret key.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/peerlookup.h"
#include "prng.h"
#include "tap.h"

/* Opaque pointers: the tables never dereference them. */
static void *fake_ptr(uint64_t i)
{
	return (void *)(uintptr_t)((i + 1) * 16);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Probe lengths read off the tags: distance of each entry from its home slot. */
struct probe_stats {
	double avg;
	uint32_t max;
};

static struct probe_stats probe_stats(const struct wgx_sht *t)
{
	struct probe_stats st = { 0, 0 };
	uint64_t sum = 0;

	for (uint32_t i = 0; i <= t->mask; i++) {
		uint32_t dist;

		if (!t->tags[i])
			continue;
		dist = (i - (t->tags[i] & t->mask)) & t->mask;
		sum += dist + 1;
		if (dist + 1 > st.max)
			st.max = dist + 1;
	}
	st.avg = t->count ? (double)sum / t->count : 0;
	return st;
}

static double bytes_per_entry(const struct wgx_sht *t)
{
	return (double)(t->mask + 1) * (sizeof(*t->tags) + t->slot_size) / t->count;
}

static void index_lifecycle(void)
{
	struct wgx_index_table t;
	int handshake, keypair, peer, other;
	struct wgx_index_entry hs = { WGX_INDEX_HANDSHAKE, &handshake, (struct wgx_peer *)&peer };
	struct wgx_index_entry kp = { WGX_INDEX_KEYPAIR, &keypair, (struct wgx_peer *)&peer };
	struct wgx_index_entry bad = { WGX_INDEX_KEYPAIR, NULL, (struct wgx_peer *)&peer };
	struct wgx_index_entry out;
	uint32_t idx = 0, idx2;
	int ret;

	ok(!wgx_index_table_init(&t), "index table init");
	ret = wgx_index_insert(&t, &hs, &idx);
	ok(!ret && idx != 0, "insert handshake -> non-zero index %08x", idx);
	ok(!wgx_index_lookup(&t, idx, WGX_INDEX_HANDSHAKE, &out) && out.ptr == &handshake &&
		   out.peer == (struct wgx_peer *)&peer && out.type == WGX_INDEX_HANDSHAKE,
	   "lookup as handshake finds the handshake and its peer");
	ok(wgx_index_lookup(&t, idx, WGX_INDEX_KEYPAIR, &out) == -ENOENT,
	   "lookup of a handshake index as keypair only -> -ENOENT");
	ok(wgx_index_insert(&t, &bad, &idx2) == -EINVAL, "insert with NULL object -> -EINVAL");
	ok(!wgx_index_replace(&t, idx, &handshake, &kp), "replace moves the index to the keypair");
	ok(!wgx_index_lookup(&t, idx, WGX_INDEX_KEYPAIR, &out) && out.ptr == &keypair &&
		   out.type == WGX_INDEX_KEYPAIR,
	   "same index now finds the keypair");
	ok(!wgx_index_lookup(&t, idx, WGX_INDEX_HANDSHAKE | WGX_INDEX_KEYPAIR, &out) &&
		   out.ptr == &keypair,
	   "lookup with both types in the mask finds it too");
	ok(wgx_index_lookup(&t, idx, WGX_INDEX_HANDSHAKE, &out) == -ENOENT,
	   "the handshake no longer owns the index");
	ok(wgx_index_replace(&t, idx, &handshake, &hs) == -ENOENT,
	   "replace from a stale owner -> -ENOENT");
	ok(wgx_index_replace(&t, idx, &other, &kp) == -ENOENT,
	   "replace from an object that never owned it -> -ENOENT");
	ok(wgx_index_replace(&t, idx ^ 1, &keypair, &kp) == -ENOENT,
	   "replace of an absent index -> -ENOENT");
	ok(!wgx_index_remove(&t, idx), "remove the index");
	ok(wgx_index_remove(&t, idx) == -ENOENT, "removing it again -> -ENOENT");
	ok(wgx_index_lookup(&t, idx, ~0u, &out) == -ENOENT, "removed index is gone");
	ok(wgx_index_remove(&t, 0) == -ENOENT, "removing index 0 (never handed out) -> -ENOENT");
	ok(t.sht.count == 0, "table is empty");
	wgx_index_table_free(&t);
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

#define MILLION 1000000u

static void million_indices(void)
{
	static uint32_t idx[MILLION], sorted[MILLION];
	struct wgx_index_table t;
	struct wgx_index_entry e = { WGX_INDEX_KEYPAIR, NULL, NULL }, out;
	unsigned int failed = 0, zero = 0, dup = 0, wrong = 0, gone = 0;
	struct probe_stats ps;
	double t0, t1, t2;

	if (!ok(!wgx_index_table_init(&t), "index table init for 1M"))
		return;
	t0 = now_ns();
	for (uint32_t i = 0; i < MILLION; i++) {
		e.ptr = fake_ptr(i);
		e.peer = fake_ptr(i / 4);
		failed += wgx_index_insert(&t, &e, &idx[i]) != 0;
	}
	t1 = now_ns();
	for (uint32_t i = 0; i < MILLION; i++)
		wrong += wgx_index_lookup(&t, idx[i], WGX_INDEX_KEYPAIR, &out) ||
			 out.ptr != fake_ptr(i) || out.peer != fake_ptr(i / 4);
	t2 = now_ns();
	memcpy(sorted, idx, sizeof(idx));
	qsort(sorted, MILLION, sizeof(sorted[0]), cmp_u32);
	for (uint32_t i = 0; i < MILLION; i++) {
		zero += sorted[i] == 0;
		dup += i && sorted[i] == sorted[i - 1];
	}
	ok(!failed && t.sht.count == MILLION, "1M inserts succeed (%u failed)", failed);
	ok(!zero && !dup, "1M indices are non-zero (%u zero) and unique (%u duplicates)", zero, dup);
	ok(!wrong, "every one of 1M indices finds its own entry (%u wrong)", wrong);
	ps = probe_stats(&t.sht);
	diag("1M indices: %.0f ns/insert, %.0f ns/lookup, %u slots, %.1f bytes/entry, probes avg %.2f max %u",
	     (t1 - t0) / MILLION, (t2 - t1) / MILLION, t.sht.mask + 1, bytes_per_entry(&t.sht), ps.avg,
	     ps.max);
	ok(ps.avg <= 3.0, "1M indices: O(1) average probe length %.2f <= 3", ps.avg);
	ok(bytes_per_entry(&t.sht) <= 64.0, "1M indices: %.1f bytes per entry <= 64",
	   bytes_per_entry(&t.sht));

	for (uint32_t i = 0; i < MILLION; i += 2)
		failed += wgx_index_remove(&t, idx[i]) != 0;
	for (uint32_t i = 0; i < MILLION; i++) {
		int r = wgx_index_lookup(&t, idx[i], ~0u, &out);

		if (i % 2)
			wrong += r || out.ptr != fake_ptr(i);
		else
			gone += r == -ENOENT;
	}
	ok(!failed && !wrong && gone == MILLION / 2,
	   "after removing every other index: %u gone, the rest still found (%u wrong)", gone, wrong);
	for (uint32_t i = 1; i < MILLION; i += 2)
		failed += wgx_index_remove(&t, idx[i]) != 0;
	ok(!failed && t.sht.count == 0 && t.sht.mask + 1 == 16,
	   "removing all shrinks the table back to %u slots", t.sht.mask + 1);
	wgx_index_table_free(&t);
}

#define PUBKEYS 100000u

static void pubkeys(void)
{
	static uint8_t keys[PUBKEYS][WGX_KEY_LEN];
	struct wgx_pubkey_table t;
	unsigned int failed = 0, wrong = 0, absent_found = 0;
	uint8_t absent[WGX_KEY_LEN];
	double t0, t1, t2;

	if (!ok(!wgx_pubkey_table_init(&t), "pubkey table init"))
		return;
	prng_bytes(keys, sizeof(keys));
	t0 = now_ns();
	for (uint32_t i = 0; i < PUBKEYS; i++)
		failed += wgx_pubkey_add(&t, keys[i], fake_ptr(i)) != 0;
	t1 = now_ns();
	for (uint32_t i = 0; i < PUBKEYS; i++)
		wrong += wgx_pubkey_lookup(&t, keys[i]) != fake_ptr(i);
	t2 = now_ns();
	for (uint32_t i = 0; i < 10000; i++) {
		prng_bytes(absent, sizeof(absent));
		absent_found += wgx_pubkey_lookup(&t, absent) != NULL;
	}
	ok(!failed && t.sht.count == PUBKEYS, "100k public keys added (%u failed)", failed);
	ok(!wrong, "each of 100k keys finds its peer (%u wrong)", wrong);
	ok(!absent_found, "10k unknown keys find nothing");
	diag("100k pubkeys: %.0f ns/add, %.0f ns/lookup, %.1f bytes/entry", (t1 - t0) / PUBKEYS,
	     (t2 - t1) / PUBKEYS, bytes_per_entry(&t.sht));
	ok(bytes_per_entry(&t.sht) < 44 * 4 / 3,
	   "slots hold a pointer to the key, not a copy: %.1f bytes per entry",
	   bytes_per_entry(&t.sht));
	ok(wgx_pubkey_add(&t, keys[7], fake_ptr(99)) == -EEXIST &&
		   wgx_pubkey_lookup(&t, keys[7]) == fake_ptr(7),
	   "adding a known key again -> -EEXIST, original kept");
	ok(wgx_pubkey_add(&t, absent, NULL) == -EINVAL, "adding with a NULL peer -> -EINVAL");

	memset(absent, 0, sizeof(absent));
	ok(!wgx_pubkey_add(&t, absent, fake_ptr(PUBKEYS)) &&
		   wgx_pubkey_lookup(&t, absent) == fake_ptr(PUBKEYS) && !wgx_pubkey_remove(&t, absent),
	   "the all-zero key is an ordinary key");
	for (uint32_t i = 0; i < PUBKEYS; i += 2)
		failed += wgx_pubkey_remove(&t, keys[i]) != 0;
	for (uint32_t i = 0; i < PUBKEYS; i++)
		wrong += wgx_pubkey_lookup(&t, keys[i]) != (i % 2 ? fake_ptr(i) : NULL);
	ok(!failed && !wrong, "after removing half, removed keys miss and the rest hit (%u wrong)",
	   wrong);
	ok(wgx_pubkey_remove(&t, keys[0]) == -ENOENT, "removing an absent key -> -ENOENT");
	for (uint32_t i = 1; i < PUBKEYS; i += 2)
		failed += wgx_pubkey_remove(&t, keys[i]) != 0;
	ok(!failed && t.sht.count == 0 && t.sht.mask + 1 == 16, "all removed, table back to 16 slots");
	wgx_pubkey_table_free(&t);
}

/*
 * An attacker who knows the hash key (here the all-zero key, standing in for
 * any unkeyed hash) searches for public keys whose hashes share their low 11
 * bits: all of them then want the same home slot in any table of up to 2048
 * slots, and linear probing degrades into a linear scan.
 */
#define CRAFTED 1000u
#define CRAFT_BITS 0x7ffu

static void flooding(void)
{
	static uint8_t keys[CRAFTED][WGX_KEY_LEN];
	static const unsigned char zero_key[crypto_shorthash_KEYBYTES];
	struct wgx_pubkey_table known, secret;
	struct probe_stats pk, ps;
	unsigned long tries = 0;
	int err = 0;

	for (uint32_t n = 0; n < CRAFTED;) {
		unsigned char h[crypto_shorthash_BYTES];
		uint32_t low;

		prng_bytes(keys[n], WGX_KEY_LEN);
		crypto_shorthash(h, keys[n], WGX_KEY_LEN, zero_key);
		memcpy(&low, h, sizeof(low));
		tries++;
		n += (low & CRAFT_BITS) == 0;
	}
	diag("crafted %u colliding keys in %lu tries", CRAFTED, tries);

	err |= wgx_pubkey_table_init(&known);
	memset(known.sht.sipkey, 0, sizeof(known.sht.sipkey)); /* the attacker's guess is right */
	err |= wgx_pubkey_table_init(&secret);
	for (uint32_t i = 0; i < CRAFTED; i++) {
		err |= wgx_pubkey_add(&known, keys[i], fake_ptr(i));
		err |= wgx_pubkey_add(&secret, keys[i], fake_ptr(i));
	}
	pk = probe_stats(&known.sht);
	ps = probe_stats(&secret.sht);
	ok(!err && pk.max >= CRAFTED * 9 / 10,
	   "flooding control: %u crafted keys under the known key form one cluster (max probe %u, avg %.1f)",
	   CRAFTED, pk.max, pk.avg);
	ok(!err && ps.max <= 32 && ps.avg <= 3.0,
	   "flooding: same keys under the table's secret key spread out (max probe %u <= 32, avg %.2f <= 3)",
	   ps.max, ps.avg);
	wgx_pubkey_table_free(&known);
	wgx_pubkey_table_free(&secret);
}

int main(void)
{
	prng_seed(0x7065657273ULL);
	index_lifecycle();
	million_indices();
	pubkeys();
	flooding();
	return tap_done();
}
