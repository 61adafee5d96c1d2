// SPDX-License-Identifier: MIT
/* The libsodium ChaCha20-Poly1305 backend: portable, verifies before decrypting. */
#include "core/aead.h"

#include <errno.h>

#include <sodium.h>

static void sodium_seal_iv(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
			   size_t ad_len, const uint8_t iv[WGX_AEAD_NONCE_LEN],
			   const uint8_t key[WGX_KEY_LEN])
{
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(dst, dst + src_len, NULL, src, src_len,
							   ad, ad_len, NULL, iv, key);
}

static int sodium_open_iv(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
			  size_t ad_len, const uint8_t iv[WGX_AEAD_NONCE_LEN],
			  const uint8_t key[WGX_KEY_LEN])
{
	size_t len;

	if (src_len < WGX_AUTHTAG_LEN)
		return -EBADMSG;
	len = src_len - WGX_AUTHTAG_LEN;
	if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(dst, NULL, src, len, src + len, ad,
							       ad_len, iv, key) != 0)
		return -EBADMSG;
	return 0;
}

static void sodium_seal(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
			size_t ad_len, uint64_t nonce, const uint8_t key[WGX_KEY_LEN])
{
	uint8_t iv[WGX_AEAD_NONCE_LEN];

	wgx_aead_nonce(iv, nonce);
	sodium_seal_iv(dst, src, src_len, ad, ad_len, iv, key);
}

static int sodium_open(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
		       size_t ad_len, uint64_t nonce, const uint8_t key[WGX_KEY_LEN])
{
	uint8_t iv[WGX_AEAD_NONCE_LEN];

	wgx_aead_nonce(iv, nonce);
	return sodium_open_iv(dst, src, src_len, ad, ad_len, iv, key);
}

const struct wgx_aead_backend wgx_aead_sodium = {
	.name = "sodium",
	.seal = sodium_seal,
	.open = sodium_open,
	.seal_iv = sodium_seal_iv,
	.open_iv = sodium_open_iv,
};
