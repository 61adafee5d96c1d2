/* SPDX-License-Identifier: MIT */
/*
 * Hash, MAC, KDF and Diffie-Hellman primitives of the WireGuard protocol:
 * BLAKE2s (libb2), HMAC-BLAKE2s, the KDF_n of the whitepaper (section 5.4)
 * and X25519 (libsodium). Pure functions, thread safe, no allocation.
 */
#ifndef WGX_CRYPTO_H
#define WGX_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <blake2.h>

#include "wgx_consts.h"

/* Hash(in): unkeyed BLAKE2s-256. */
void wgx_blake2s256(uint8_t out[WGX_HASH_LEN], const void *in, size_t len);

/*
 * Keyed BLAKE2s with a short output: MAC1, MAC2 and the cookie use
 * outlen 16. outlen <= 32, keylen <= 32 (asserted: a larger value is a bug).
 */
void wgx_blake2s_keyed(uint8_t *out, size_t outlen, const void *in, size_t inlen,
		       const uint8_t *key, size_t keylen);

/* Incremental BLAKE2s, for Hash(a || b) without building a || b. */
struct wgx_blake2s_state {
	blake2s_state s;
};

void wgx_blake2s_init(struct wgx_blake2s_state *st, size_t outlen);
void wgx_blake2s_init_key(struct wgx_blake2s_state *st, size_t outlen, const uint8_t *key,
			  size_t keylen);
void wgx_blake2s_update(struct wgx_blake2s_state *st, const void *in, size_t len);
/* Writes the digest and zeroes the state (it may have absorbed secrets). */
void wgx_blake2s_final(struct wgx_blake2s_state *st, uint8_t *out, size_t outlen);

/* HMAC-BLAKE2s-256 (RFC 2104 with a 64-byte block); any key length. */
void wgx_hmac_blake2s(uint8_t out[WGX_HASH_LEN], const void *in, size_t inlen,
		      const uint8_t *key, size_t keylen);

/*
 * WireGuard's KDF_n (HKDF with HMAC-BLAKE2s):
 *   t0 = HMAC(ck, data); t1 = HMAC(t0, 0x1); t2 = HMAC(t0, t1 || 0x2);
 *   t3 = HMAC(t0, t2 || 0x3).
 * A NULL output is not derived (and the ones after it neither, since each
 * depends on the previous). Outputs may alias chaining_key. Intermediates are
 * zeroed before returning.
 */
void wgx_kdf(uint8_t first[WGX_HASH_LEN], uint8_t second[WGX_HASH_LEN],
	     uint8_t third[WGX_HASH_LEN], const uint8_t *data, size_t data_len,
	     const uint8_t chaining_key[WGX_HASH_LEN]);

/*
 * DH(priv, pub) = X25519. Returns 0, or -EINVAL when the result is all zero
 * (pub is a low-order point); shared is zeroed on failure.
 */
int wgx_x25519(uint8_t shared[WGX_KEY_LEN], const uint8_t priv[WGX_KEY_LEN],
	       const uint8_t pub[WGX_KEY_LEN]);
/* A fresh random private key, clamped as in RFC 7748. Needs wgx_crypto_init(). */
void wgx_x25519_generate(uint8_t priv[WGX_KEY_LEN]);
/* The public key of priv (X25519 with the base point). */
void wgx_x25519_public(uint8_t pub[WGX_KEY_LEN], const uint8_t priv[WGX_KEY_LEN]);

/*
 * Initialise the libraries (sodium_init). Call once from the main thread before
 * starting workers; later calls are cheap no-ops. Returns 0 or -errno.
 */
int wgx_crypto_init(void);

#endif
