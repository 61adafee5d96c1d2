// SPDX-License-Identifier: MIT
/* Backend dispatch and selection for ChaCha20-Poly1305; XChaCha20-Poly1305. */
#include "core/aead.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "lib/log.h"

const struct wgx_aead_backend *const wgx_aead_backends[] = {
	&wgx_aead_sodium,
	&wgx_aead_openssl,
	&wgx_aead_avx512,
};
#define BACKENDS (sizeof(wgx_aead_backends) / sizeof(wgx_aead_backends[0]))
const size_t wgx_aead_backend_count = BACKENDS;

/* Written once at startup, read per packet by every worker. */
static const struct wgx_aead_backend *_Atomic current = &wgx_aead_sodium;

void wgx_aead_seal(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
		   size_t ad_len, uint64_t nonce, const uint8_t key[WGX_KEY_LEN])
{
	atomic_load_explicit(&current, memory_order_relaxed)
		->seal(dst, src, src_len, ad, ad_len, nonce, key);
}

int wgx_aead_open(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
		  size_t ad_len, uint64_t nonce, const uint8_t key[WGX_KEY_LEN])
{
	return atomic_load_explicit(&current, memory_order_relaxed)
		->open(dst, src, src_len, ad, ad_len, nonce, key);
}

void wgx_xaead_seal(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
		    size_t ad_len, const uint8_t nonce[WGX_COOKIE_NONCE_LEN],
		    const uint8_t key[WGX_KEY_LEN])
{
	crypto_aead_xchacha20poly1305_ietf_encrypt_detached(dst, dst + src_len, NULL, src, src_len,
							    ad, ad_len, NULL, nonce, key);
}

int wgx_xaead_open(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
		   size_t ad_len, const uint8_t nonce[WGX_COOKIE_NONCE_LEN],
		   const uint8_t key[WGX_KEY_LEN])
{
	size_t len;

	if (src_len < WGX_AUTHTAG_LEN)
		return -EBADMSG;
	len = src_len - WGX_AUTHTAG_LEN;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(dst, NULL, src, len, src + len,
								ad, ad_len, nonce, key) != 0)
		return -EBADMSG;
	return 0;
}

const struct wgx_aead_backend *wgx_aead_backend_find(const char *name)
{
	for (size_t i = 0; i < wgx_aead_backend_count; i++)
		if (strcmp(wgx_aead_backends[i]->name, name) == 0 &&
		    wgx_aead_backend_usable(wgx_aead_backends[i]))
			return wgx_aead_backends[i];
	return NULL;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* MTU-sized packets, the size that dominates bulk traffic. On a shared
 * machine one run can lose the CPU: the backends take turns over several
 * short rounds and each keeps its best, ~25 ms in all. */
#define CALIB_LEN WGX_DEFAULT_MTU
#define CALIB_ROUNDS 5
#define CALIB_NS_PER_RUN (25000000ULL / CALIB_ROUNDS / BACKENDS)

/* Bytes sealed per nanosecond by backend b over one short run. */
static double calibrate_run(const struct wgx_aead_backend *b)
{
	uint8_t buf[CALIB_LEN + WGX_AUTHTAG_LEN] = { 0 };
	static const uint8_t key[WGX_KEY_LEN] = { 1 };
	uint64_t start, elapsed, n = 0;

	start = mono_ns();
	do {
		for (int i = 0; i < 16; i++)
			b->seal(buf, buf, CALIB_LEN, NULL, 0, ++n, key);
		elapsed = mono_ns() - start;
	} while (elapsed < CALIB_NS_PER_RUN);
	return (double)n * CALIB_LEN / (double)elapsed;
}

int wgx_aead_select(const char *name)
{
	const struct wgx_aead_backend *best = NULL;
	double best_rate = 0;

	if (name) {
		best = wgx_aead_backend_find(name);
		if (!best)
			return -ENOENT;
	} else {
		double rate[BACKENDS] = { 0 };

		for (int round = 0; round < CALIB_ROUNDS; round++)
			for (size_t i = 0; i < wgx_aead_backend_count; i++) {
				double r;

				if (!wgx_aead_backend_usable(wgx_aead_backends[i]))
					continue;
				r = calibrate_run(wgx_aead_backends[i]);
				if (r > rate[i])
					rate[i] = r;
			}
		for (size_t i = 0; i < wgx_aead_backend_count; i++) {
			if (!rate[i])
				continue;
			pr_debug("aead backend %s: %.2f Gbit/s at %d bytes (best of %d)",
				 wgx_aead_backends[i]->name, rate[i] * 8, CALIB_LEN, CALIB_ROUNDS);
			if (rate[i] > best_rate) {
				best_rate = rate[i];
				best = wgx_aead_backends[i];
			}
		}
	}
	atomic_store_explicit(&current, best, memory_order_release);
	return 0;
}

void wgx_aead_thread_forget(void)
{
	for (size_t i = 0; i < wgx_aead_backend_count; i++)
		if (wgx_aead_backends[i]->forget)
			wgx_aead_backends[i]->forget();
}

const char *wgx_aead_backend_name(void)
{
	return atomic_load_explicit(&current, memory_order_relaxed)->name;
}
