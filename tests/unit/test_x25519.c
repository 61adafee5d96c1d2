// SPDX-License-Identifier: MIT
/* X25519 against RFC 7748, and the all-zero (low-order point) rejection. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "core/crypto.h"
#include "hex.h"
#include "tap.h"

static void test_rfc7748_5_2(void)
{
	static const struct {
		const char *scalar, *u, *out;
	} v[] = {
		{ "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
		  "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
		  "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552" },
		/* u has bit 255 set: X25519 must mask it. */
		{ "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
		  "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
		  "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957" },
	};
	uint8_t k[32], u[32], want[32], got[32];
	char what[64];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unhex(k, 32, v[i].scalar);
		unhex(u, 32, v[i].u);
		unhex(want, 32, v[i].out);
		memset(got, 0, sizeof(got));
		ok(wgx_x25519(got, k, u) == 0, "RFC 7748 5.2 vector %zu accepted", i + 1);
		snprintf(what, sizeof(what), "RFC 7748 5.2 vector %zu output", i + 1);
		tap_memeq(got, want, 32, what);
	}
}

static void test_rfc7748_6_1(void)
{
	uint8_t a_priv[32], a_pub[32], b_priv[32], b_pub[32], shared[32];
	uint8_t got[32], k_ab[32], k_ba[32];

	unhex(a_priv, 32, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	unhex(a_pub, 32, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
	unhex(b_priv, 32, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
	unhex(b_pub, 32, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
	unhex(shared, 32, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");

	wgx_x25519_public(got, a_priv);
	tap_memeq(got, a_pub, 32, "RFC 7748 6.1 Alice's public key");
	wgx_x25519_public(got, b_priv);
	tap_memeq(got, b_pub, 32, "RFC 7748 6.1 Bob's public key");
	ok(wgx_x25519(k_ab, a_priv, b_pub) == 0, "RFC 7748 6.1 DH(Alice, Bob) accepted");
	tap_memeq(k_ab, shared, 32, "RFC 7748 6.1 shared secret from Alice's side");
	ok(wgx_x25519(k_ba, b_priv, a_pub) == 0, "RFC 7748 6.1 DH(Bob, Alice) accepted");
	tap_memeq(k_ba, shared, 32, "RFC 7748 6.1 shared secret from Bob's side");
}

/* Points of small order give an all-zero result for every scalar: must be -EINVAL. */
static void test_low_order(void)
{
	static const struct {
		const char *name, *u;
	} pts[] = {
		{ "zero point", "0000000000000000000000000000000000000000000000000000000000000000" },
		{ "point u=1", "0100000000000000000000000000000000000000000000000000000000000000" },
		{ "order-8 point e0eb7a7c..", "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800" },
		{ "order-8 point 5f9c95bc..", "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157" },
		{ "p-1 (order 2)", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f" },
	};
	uint8_t priv[32], u[32], shared[32];

	wgx_x25519_generate(priv);
	for (size_t i = 0; i < sizeof(pts) / sizeof(pts[0]); i++) {
		unhex(u, 32, pts[i].u);
		memset(shared, 0x55, sizeof(shared));
		ok(wgx_x25519(shared, priv, u) == -EINVAL && sodium_is_zero(shared, 32),
		   "low-order %s rejected with -EINVAL, output zeroed", pts[i].name);
	}
}

static void test_generate(void)
{
	uint8_t a[32], b[32], pa[32], pb[32], s1[32], s2[32];

	wgx_x25519_generate(a);
	wgx_x25519_generate(b);
	ok((a[0] & 7) == 0 && (a[31] & 0x80) == 0 && (a[31] & 0x40) != 0,
	   "generated private key is clamped");
	ok(memcmp(a, b, 32) != 0, "two generated private keys differ");
	wgx_x25519_public(pa, a);
	wgx_x25519_public(pb, b);
	ok(wgx_x25519(s1, a, pb) == 0 && wgx_x25519(s2, b, pa) == 0 && !memcmp(s1, s2, 32),
	   "DH agreement between two generated key pairs");
}

int main(void)
{
	ok(wgx_crypto_init() == 0, "wgx_crypto_init");
	ok(wgx_crypto_init() == 0, "wgx_crypto_init is idempotent");
	test_rfc7748_5_2();
	test_rfc7748_6_1();
	test_low_order();
	test_generate();
	return tap_done();
}
