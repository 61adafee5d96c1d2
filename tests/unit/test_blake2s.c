// SPDX-License-Identifier: MIT
/* BLAKE2s, HMAC-BLAKE2s and WireGuard's KDF against published and independent values. */
#include <stdint.h>
#include <string.h>

#include "core/crypto.h"
#include "hex.h"
#include "tap.h"

static void test_rfc7693(void)
{
	uint8_t want[32], got[32];

	unhex(want, 32, "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982");
	wgx_blake2s256(got, "abc", 3);
	tap_memeq(got, want, 32, "RFC 7693 Appendix B BLAKE2s-256(\"abc\")");
}

/* BLAKE2/BLAKE2 testvectors/blake2s-test.txt: key 00..1f, input 00 01 .. (len-1). */
static void test_keyed_kat(void)
{
	static const struct {
		size_t len;
		const char *hash;
	} kat[] = {
		{ 0, "48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49" },
		{ 1, "40d15fee7c328830166ac3f918650f807e7e01e177258cdc0a39b11f598066f1" },
		{ 3, "1d220dbe2ee134661fdf6d9e74b41704710556f2f6e5a091b227697445dbea6b" },
		{ 64, "8975b0577fd35566d750b362b0897a26c399136df07bababbde6203ff2954ed4" },
		{ 65, "21fe0ceb0052be7fb0f004187cacd7de67fa6eb0938d927677f2398c132317a8" },
	};
	uint8_t key[32], in[65], want[32], got[32];
	char what[96];

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
		struct wgx_blake2s_state st;

		unhex(want, 32, kat[i].hash);
		wgx_blake2s_keyed(got, 32, in, kat[i].len, key, sizeof(key));
		snprintf(what, sizeof(what), "blake2s-kat keyed, %zu-byte input", kat[i].len);
		tap_memeq(got, want, 32, what);

		/* The same through the incremental API, fed one byte at a time. */
		wgx_blake2s_init_key(&st, 32, key, sizeof(key));
		for (size_t j = 0; j < kat[i].len; j++)
			wgx_blake2s_update(&st, in + j, 1);
		wgx_blake2s_final(&st, got, 32);
		snprintf(what, sizeof(what), "blake2s-kat keyed, %zu-byte input, incremental",
			 kat[i].len);
		tap_memeq(got, want, 32, what);
	}
}

/* MAC1/MAC2/cookie are BLAKE2s with a 16-byte output: a different digest, not a truncation. */
static void test_keyed_128(void)
{
	uint8_t key[32], want[16], got[16], full[32];

	memset(key, 'k', sizeof(key));
	/* python3: hashlib.blake2s(b"abc", key=b"k"*32, digest_size=16) */
	unhex(want, 16, "da5b50d8f2073c6d2bc49dc3f556bde3");
	wgx_blake2s_keyed(got, 16, "abc", 3, key, sizeof(key));
	tap_memeq(got, want, 16, "keyed BLAKE2s-128 (MAC1 shape) known value");
	wgx_blake2s_keyed(full, 32, "abc", 3, key, sizeof(key));
	ok(memcmp(full, got, 16) != 0, "BLAKE2s-128 is not a truncated BLAKE2s-256");
}

/*
 * HMAC-BLAKE2s known values, computed with Python's hmac module over hashlib.blake2s
 * (an independent implementation): a short key, and a key longer than the block.
 */
static void test_hmac(void)
{
	static const char msg[] = "The quick brown fox jumps over the lazy dog";
	uint8_t want[32], got[32], longkey[100];

	unhex(want, 32, "f93215bb90d4af4c3061cd932fb169fb8bb8a91d0b4022baea1271e1323cd9a0");
	wgx_hmac_blake2s(got, msg, strlen(msg), (const uint8_t *)"key", 3);
	tap_memeq(got, want, 32, "HMAC-BLAKE2s(\"key\", quick brown fox)");

	for (size_t i = 0; i < sizeof(longkey); i++)
		longkey[i] = (uint8_t)i;
	unhex(want, 32, "c1b751501db12b753069a918627b623179be55c8cc7ca5c4e14bdf32274ac656");
	wgx_hmac_blake2s(got, "abc", 3, longkey, sizeof(longkey));
	tap_memeq(got, want, 32, "HMAC-BLAKE2s with a 100-byte key (hashed first)");
}

static void test_construction(uint8_t ck[32])
{
	static const char construction[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
	static const char identifier[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";
	struct wgx_blake2s_state st;
	uint8_t want[32], h[32];

	unhex(want, 32, "60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36");
	wgx_blake2s256(ck, construction, strlen(construction));
	tap_memeq(ck, want, 32, "WireGuard initial chaining key Hash(CONSTRUCTION)");

	unhex(want, 32, "2211b361081ac566691243db458ad5322d9c6c662293e8b70ee19c65ba079ef3");
	wgx_blake2s_init(&st, 32);
	wgx_blake2s_update(&st, ck, 32);
	wgx_blake2s_update(&st, identifier, strlen(identifier));
	wgx_blake2s_final(&st, h, 32);
	tap_memeq(h, want, 32, "WireGuard initial hash Hash(ck || IDENTIFIER)");
}

static void test_kdf(const uint8_t ck[32])
{
	uint8_t data[32], t1[32], t2[32], t3[32], a[32], b[32], c[32], want[32];
	uint8_t aliased[32];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	/* python3: hmac over hashlib.blake2s, the whitepaper's KDF definition. */
	wgx_kdf(t1, t2, t3, data, sizeof(data), ck);
	unhex(want, 32, "6ff66e10ab4a55ac8144a867fcd9f8ee64d4bd6239223338cb3437cf085ab031");
	tap_memeq(t1, want, 32, "KDF3 first output known value");
	unhex(want, 32, "203b22d63d63e35cebb9e40210cf8c1d7f90879428a4c766cda9ef34bb299398");
	tap_memeq(t2, want, 32, "KDF3 second output known value");
	unhex(want, 32, "35a7b2fc3e4f59db341dbe588e3b75897980c463d5bbb855f8ed8134ff40133a");
	tap_memeq(t3, want, 32, "KDF3 third output known value");

	memset(a, 0xaa, 32);
	wgx_kdf(a, NULL, NULL, data, sizeof(data), ck);
	tap_memeq(a, t1, 32, "KDF1 == first output of KDF3");
	memset(a, 0xaa, 32);
	memset(b, 0xbb, 32);
	memset(c, 0xcc, 32);
	wgx_kdf(a, b, NULL, data, sizeof(data), ck);
	ok(!memcmp(a, t1, 32) && !memcmp(b, t2, 32), "KDF2 == first two outputs of KDF3");
	wgx_kdf(a, NULL, c, data, sizeof(data), ck);
	memset(want, 0xcc, 32);
	ok(!memcmp(c, want, 32) && !memcmp(a, t1, 32),
	   "KDF with a NULL second output derives the first, leaves the third untouched");

	/* The handshake writes the new chaining key over the old one. */
	memcpy(aliased, ck, 32);
	wgx_kdf(aliased, b, NULL, data, sizeof(data), aliased);
	ok(!memcmp(aliased, t1, 32) && !memcmp(b, t2, 32),
	   "KDF2 with the first output aliasing the chaining key");

	wgx_kdf(a, NULL, NULL, NULL, 0, ck);
	ok(memcmp(a, t1, 32) != 0, "KDF over empty data differs from KDF over data");
}

int main(void)
{
	uint8_t ck[32];

	test_rfc7693();
	test_keyed_kat();
	test_keyed_128();
	test_hmac();
	test_construction(ck);
	test_kdf(ck);
	return tap_done();
}
