// SPDX-License-Identifier: MIT
/*
 * The OpenSSL libcrypto ChaCha20-Poly1305 backend: vectorised assembly, faster
 * than libsodium on MTU-sized and larger packets but with a higher fixed cost
 * per packet (EVP dispatch), so the choice is measured (wgx_aead_select).
 * EVP contexts are not thread safe and costly to create, so every thread
 * keeps its own pair (one per direction, to avoid switching), created on
 * first use and freed by a thread-exit destructor. EVP keeps its key schedule
 * in OpenSSL's ordinary heap: the data path calls wgx_aead_thread_forget()
 * after every batch (bench_aead's "+forget" line is the cost), so a session
 * key sits there only while a batch is being sealed or opened; our own copy
 * of the key (struct ossl_dir) is wiped with it.
 */
#include "core/aead.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "lib/log.h"

/*
 * Re-keying an EVP context costs more than sealing a small packet, and a
 * worker sees long runs of one keypair: remember which key each context holds
 * and only set the nonce when it has not changed. The copy is no more exposed
 * than the key schedule EVP keeps in the same heap anyway.
 */
struct ossl_dir {
	EVP_CIPHER_CTX *ctx;
	uint8_t key[WGX_KEY_LEN];
	bool keyed;
};

struct ossl_ctxs {
	struct ossl_dir enc, dec;
};

static __thread struct ossl_ctxs *thread_ctxs;
static pthread_key_t ctxs_key;
static pthread_once_t ctxs_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *chacha;

static void ctxs_free(void *p)
{
	struct ossl_ctxs *c = p;

	/* EVP_CIPHER_CTX_free cleanses the key schedule. */
	EVP_CIPHER_CTX_free(c->enc.ctx);
	EVP_CIPHER_CTX_free(c->dec.ctx);
	sodium_memzero(c, sizeof(*c));
	free(c);
}

static void ctxs_global_init(void)
{
	/* Fetch once: implicit fetches per init would take a global lock per packet. */
	chacha = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
	if (pthread_key_create(&ctxs_key, ctxs_free) != 0)
		chacha = NULL;
}

static EVP_CIPHER_CTX *ctx_setup(EVP_CIPHER_CTX *ctx, int enc)
{
	if (!ctx || EVP_CipherInit_ex(ctx, chacha, NULL, NULL, NULL, enc) != 1)
		return NULL;
	return ctx;
}

/*
 * The calling thread's contexts. Failure here (out of memory at thread start,
 * no ChaCha20-Poly1305 in the provider) cannot be reported through the
 * void seal API and must not silently emit unencrypted data: abort.
 */
static struct ossl_ctxs *ctxs_get(void)
{
	struct ossl_ctxs *c = thread_ctxs;

	if (__builtin_expect(c != NULL, 1))
		return c;
	pthread_once(&ctxs_once, ctxs_global_init);
	c = calloc(1, sizeof(*c));
	if (!c || !chacha)
		goto fail;
	c->enc.ctx = ctx_setup(EVP_CIPHER_CTX_new(), 1);
	c->dec.ctx = ctx_setup(EVP_CIPHER_CTX_new(), 0);
	if (!c->enc.ctx || !c->dec.ctx || pthread_setspecific(ctxs_key, c) != 0)
		goto fail;
	thread_ctxs = c;
	return c;
fail:
	pr_err("OpenSSL ChaCha20-Poly1305 unavailable in this thread");
	abort();
}

/* (Re)start ctx for one message: the nonce always, the key only when it changed. */
static int dir_start(struct ossl_dir *d, const uint8_t key[WGX_KEY_LEN],
		     const uint8_t iv[WGX_AEAD_NONCE_LEN], int enc)
{
	if (d->keyed && CRYPTO_memcmp(d->key, key, WGX_KEY_LEN) == 0)
		return EVP_CipherInit_ex(d->ctx, NULL, NULL, NULL, iv, enc) == 1;
	d->keyed = false;
	if (EVP_CipherInit_ex(d->ctx, NULL, NULL, key, iv, enc) != 1)
		return 0;
	memcpy(d->key, key, WGX_KEY_LEN);
	d->keyed = true;
	return 1;
}

static void ossl_seal_iv(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
			 size_t ad_len, const uint8_t iv[WGX_AEAD_NONCE_LEN],
			 const uint8_t key[WGX_KEY_LEN])
{
	struct ossl_dir *d = &ctxs_get()->enc;
	EVP_CIPHER_CTX *ctx = d->ctx;
	int outl, ok;

	assert(src_len <= INT_MAX && ad_len <= INT_MAX);
	ok = dir_start(d, key, iv, 1);
	if (ad_len)
		ok &= EVP_CipherUpdate(ctx, NULL, &outl, ad, (int)ad_len) == 1;
	/* A stream cipher: in place (dst == src) is supported by EVP. */
	if (src_len)
		ok &= EVP_CipherUpdate(ctx, dst, &outl, src, (int)src_len) == 1;
	ok &= EVP_CipherFinal_ex(ctx, dst + src_len, &outl) == 1;
	ok &= EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, WGX_AUTHTAG_LEN,
				  dst + src_len) == 1;
	if (!ok) {
		pr_err("OpenSSL ChaCha20-Poly1305 seal failed");
		abort();
	}
}

static int ossl_open_iv(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
			size_t ad_len, const uint8_t iv[WGX_AEAD_NONCE_LEN],
			const uint8_t key[WGX_KEY_LEN])
{
	struct ossl_dir *d = &ctxs_get()->dec;
	EVP_CIPHER_CTX *ctx = d->ctx;
	uint8_t tag[WGX_AUTHTAG_LEN];
	size_t len;
	int outl, ok;

	if (src_len < WGX_AUTHTAG_LEN)
		return -EBADMSG;
	len = src_len - WGX_AUTHTAG_LEN;
	assert(len <= INT_MAX && ad_len <= INT_MAX);
	/* EVP_CTRL_AEAD_SET_TAG wants a mutable buffer; src is const. */
	memcpy(tag, src + len, sizeof(tag));
	ok = dir_start(d, key, iv, 0);
	ok &= EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, sizeof(tag), tag) == 1;
	if (ad_len)
		ok &= EVP_CipherUpdate(ctx, NULL, &outl, ad, (int)ad_len) == 1;
	if (len)
		ok &= EVP_CipherUpdate(ctx, dst, &outl, src, (int)len) == 1;
	ok &= EVP_CipherFinal_ex(ctx, dst + len, &outl) == 1;
	if (!ok) {
		/* EVP decrypts before it verifies: wipe the forged plaintext. */
		if (len)
			sodium_memzero(dst, len);
		return -EBADMSG;
	}
	return 0;
}

/* Overwrite this thread's key state with a zero key, so a retired session key
 * does not linger in a worker's context until the next key arrives. */
static void ossl_forget(void)
{
	static const uint8_t zero[WGX_KEY_LEN], zero_iv[WGX_AEAD_NONCE_LEN];
	struct ossl_ctxs *c = thread_ctxs;

	if (!c || (!c->enc.keyed && !c->dec.keyed))
		return;
	EVP_CipherInit_ex(c->enc.ctx, NULL, NULL, zero, zero_iv, 1);
	EVP_CipherInit_ex(c->dec.ctx, NULL, NULL, zero, zero_iv, 0);
	sodium_memzero(c->enc.key, sizeof(c->enc.key));
	sodium_memzero(c->dec.key, sizeof(c->dec.key));
	c->enc.keyed = c->dec.keyed = false;
}

static void ossl_seal(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
		      size_t ad_len, uint64_t nonce, const uint8_t key[WGX_KEY_LEN])
{
	uint8_t iv[WGX_AEAD_NONCE_LEN];

	wgx_aead_nonce(iv, nonce);
	ossl_seal_iv(dst, src, src_len, ad, ad_len, iv, key);
}

static int ossl_open(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
		     size_t ad_len, uint64_t nonce, const uint8_t key[WGX_KEY_LEN])
{
	uint8_t iv[WGX_AEAD_NONCE_LEN];

	wgx_aead_nonce(iv, nonce);
	return ossl_open_iv(dst, src, src_len, ad, ad_len, iv, key);
}

const struct wgx_aead_backend wgx_aead_openssl = {
	.name = "openssl",
	.seal = ossl_seal,
	.open = ossl_open,
	.seal_iv = ossl_seal_iv,
	.open_iv = ossl_open_iv,
	.forget = ossl_forget,
};
