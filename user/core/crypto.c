// SPDX-License-Identifier: MIT
#include "core/crypto.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include <sodium.h>

void wgx_blake2s_init(struct wgx_blake2s_state *st, size_t outlen)
{
	int ret = blake2s_init(&st->s, outlen);

	assert(ret == 0);
	(void)ret;
}

void wgx_blake2s_init_key(struct wgx_blake2s_state *st, size_t outlen, const uint8_t *key,
			  size_t keylen)
{
	int ret = blake2s_init_key(&st->s, outlen, key, keylen);

	assert(ret == 0);
	(void)ret;
}

void wgx_blake2s_update(struct wgx_blake2s_state *st, const void *in, size_t len)
{
	blake2s_update(&st->s, in, len);
}

void wgx_blake2s_final(struct wgx_blake2s_state *st, uint8_t *out, size_t outlen)
{
	int ret = blake2s_final(&st->s, out, outlen);

	assert(ret == 0);
	(void)ret;
	sodium_memzero(st, sizeof(*st));
}

void wgx_blake2s256(uint8_t out[WGX_HASH_LEN], const void *in, size_t len)
{
	struct wgx_blake2s_state st;

	wgx_blake2s_init(&st, WGX_HASH_LEN);
	wgx_blake2s_update(&st, in, len);
	wgx_blake2s_final(&st, out, WGX_HASH_LEN);
}

void wgx_blake2s_keyed(uint8_t *out, size_t outlen, const void *in, size_t inlen,
		       const uint8_t *key, size_t keylen)
{
	struct wgx_blake2s_state st;

	assert(outlen > 0 && outlen <= BLAKE2S_OUTBYTES && keylen <= BLAKE2S_KEYBYTES);
	if (keylen)
		wgx_blake2s_init_key(&st, outlen, key, keylen);
	else
		wgx_blake2s_init(&st, outlen);
	wgx_blake2s_update(&st, in, inlen);
	wgx_blake2s_final(&st, out, outlen);
}

void wgx_hmac_blake2s(uint8_t out[WGX_HASH_LEN], const void *in, size_t inlen,
		      const uint8_t *key, size_t keylen)
{
	uint8_t pad[BLAKE2S_BLOCKBYTES] = { 0 };
	uint8_t inner[WGX_HASH_LEN];
	struct wgx_blake2s_state st;

	if (keylen > BLAKE2S_BLOCKBYTES)
		wgx_blake2s256(pad, key, keylen);
	else if (keylen)
		memcpy(pad, key, keylen);

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36;
	wgx_blake2s_init(&st, WGX_HASH_LEN);
	wgx_blake2s_update(&st, pad, sizeof(pad));
	wgx_blake2s_update(&st, in, inlen);
	wgx_blake2s_final(&st, inner, sizeof(inner));

	/* ipad ^ opad == 0x36 ^ 0x5c: turn the inner pad into the outer one in place. */
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36 ^ 0x5c;
	wgx_blake2s_init(&st, WGX_HASH_LEN);
	wgx_blake2s_update(&st, pad, sizeof(pad));
	wgx_blake2s_update(&st, inner, sizeof(inner));
	wgx_blake2s_final(&st, out, WGX_HASH_LEN);

	sodium_memzero(pad, sizeof(pad));
	sodium_memzero(inner, sizeof(inner));
}

/*
 * libb2's blake2s_final() leaves its last output in a buffer of its own stack
 * frame, which it does not wipe: after a KDF that is a session key or a
 * chaining key in memory nobody owns. Overwrite the stack the callees used
 * (a few hundred bytes deep; 2 KiB to be sure). Handshake path only.
 */
static __attribute__((noinline)) void burn_stack(void)
{
	uint8_t scratch[2048];

	sodium_memzero(scratch, sizeof(scratch));
	__asm__ __volatile__("" : : "r"(scratch) : "memory");
}

void wgx_kdf(uint8_t first[WGX_HASH_LEN], uint8_t second[WGX_HASH_LEN],
	     uint8_t third[WGX_HASH_LEN], const uint8_t *data, size_t data_len,
	     const uint8_t chaining_key[WGX_HASH_LEN])
{
	uint8_t secret[WGX_HASH_LEN];
	/* t_i || counter: the next block's input is the previous output plus one byte. */
	uint8_t out[WGX_HASH_LEN + 1];

	/* chaining_key is read only here, so the outputs may alias it. */
	wgx_hmac_blake2s(secret, data, data_len, chaining_key, WGX_HASH_LEN);

	if (!first)
		goto out;
	out[0] = 1;
	wgx_hmac_blake2s(out, out, 1, secret, sizeof(secret));
	memcpy(first, out, WGX_HASH_LEN);

	if (!second)
		goto out;
	out[WGX_HASH_LEN] = 2;
	wgx_hmac_blake2s(out, out, sizeof(out), secret, sizeof(secret));
	memcpy(second, out, WGX_HASH_LEN);

	if (!third)
		goto out;
	out[WGX_HASH_LEN] = 3;
	wgx_hmac_blake2s(out, out, sizeof(out), secret, sizeof(secret));
	memcpy(third, out, WGX_HASH_LEN);

out:
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(out, sizeof(out));
	burn_stack();
}

int wgx_x25519(uint8_t shared[WGX_KEY_LEN], const uint8_t priv[WGX_KEY_LEN],
	       const uint8_t pub[WGX_KEY_LEN])
{
	/*
	 * libsodium already returns -1 for an all-zero result, but that is an
	 * implementation detail: the rejection is a protocol requirement
	 * (whitepaper 5.4.3), so check it here in constant time.
	 */
	int ret = crypto_scalarmult_curve25519(shared, priv, pub);

	if (ret != 0 || sodium_is_zero(shared, WGX_KEY_LEN)) {
		sodium_memzero(shared, WGX_KEY_LEN);
		return -EINVAL;
	}
	return 0;
}

void wgx_x25519_generate(uint8_t priv[WGX_KEY_LEN])
{
	randombytes_buf(priv, WGX_KEY_LEN);
	priv[0] &= 248;
	priv[31] = (priv[31] & 127) | 64;
}

void wgx_x25519_public(uint8_t pub[WGX_KEY_LEN], const uint8_t priv[WGX_KEY_LEN])
{
	crypto_scalarmult_curve25519_base(pub, priv);
}

int wgx_crypto_init(void)
{
	/* 0 on first success, 1 when already initialised, -1 on failure. */
	return sodium_init() < 0 ? -EIO : 0;
}
