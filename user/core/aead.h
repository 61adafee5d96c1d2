/* SPDX-License-Identifier: MIT */
/*
 * ChaCha20-Poly1305 (RFC 8439) with WireGuard's 96-bit nonce
 * (4 zero bytes || le64 counter), for transport data and the handshake; and
 * XChaCha20-Poly1305 for cookie replies.
 *
 * The bulk AEAD has several backends (libsodium, OpenSSL EVP), all checked
 * against the RFC vectors; one is selected once at startup and every call
 * dispatches through it. All functions are thread safe and allocation-free
 * per call: crypto workers call them per packet from many threads.
 */
#ifndef WGX_AEAD_H
#define WGX_AEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wgx_consts.h"

/*
 * Encrypt src_len bytes of src into dst and append the 16-byte tag: dst gets
 * src_len + WGX_AUTHTAG_LEN bytes. dst == src (in place) is allowed; other
 * overlaps are not.
 */
void wgx_aead_seal(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
		   size_t ad_len, uint64_t nonce, const uint8_t key[WGX_KEY_LEN]);

/*
 * Verify and decrypt src (src_len includes the tag) into dst, which gets
 * src_len - WGX_AUTHTAG_LEN bytes. Returns 0, or -EBADMSG when the tag does not
 * verify or src_len < WGX_AUTHTAG_LEN. On failure dst never holds unverified
 * plaintext (backends that decrypt before verifying wipe it). In place
 * (dst == src) is allowed.
 */
int wgx_aead_open(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
		  size_t ad_len, uint64_t nonce, const uint8_t key[WGX_KEY_LEN]);

/* XChaCha20-Poly1305 (libsodium), same conventions, 24-byte nonce: cookie replies. */
void wgx_xaead_seal(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
		    size_t ad_len, const uint8_t nonce[WGX_COOKIE_NONCE_LEN],
		    const uint8_t key[WGX_KEY_LEN]);
int wgx_xaead_open(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
		   size_t ad_len, const uint8_t nonce[WGX_COOKIE_NONCE_LEN],
		   const uint8_t key[WGX_KEY_LEN]);

/* For backends: the RFC 8439 nonce of WireGuard, 4 zero bytes || le64 counter. */
#define WGX_AEAD_NONCE_LEN 12
static inline void wgx_aead_nonce(uint8_t out[WGX_AEAD_NONCE_LEN], uint64_t counter)
{
	out[0] = out[1] = out[2] = out[3] = 0;
	for (int i = 0; i < 8; i++)
		out[4 + i] = (uint8_t)(counter >> (8 * i));
}

struct wgx_aead_backend {
	const char *name;
	void (*seal)(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
		     size_t ad_len, uint64_t nonce, const uint8_t key[WGX_KEY_LEN]);
	int (*open)(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
		    size_t ad_len, uint64_t nonce, const uint8_t key[WGX_KEY_LEN]);
	/* The same with any 96-bit nonce: lets every backend face the RFC 8439 vectors. */
	void (*seal_iv)(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
			size_t ad_len, const uint8_t iv[WGX_AEAD_NONCE_LEN],
			const uint8_t key[WGX_KEY_LEN]);
	int (*open_iv)(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
		       size_t ad_len, const uint8_t iv[WGX_AEAD_NONCE_LEN],
		       const uint8_t key[WGX_KEY_LEN]);
	/* Wipe per-thread key state, NULL for stateless backends. */
	void (*forget)(void);
	/* Whether this CPU can run it (NULL: any). */
	bool (*available)(void);
};

/* True when @b runs on this CPU. */
static inline bool wgx_aead_backend_usable(const struct wgx_aead_backend *b)
{
	return !b->available || b->available();
}

extern const struct wgx_aead_backend wgx_aead_sodium;
extern const struct wgx_aead_backend wgx_aead_openssl;
extern const struct wgx_aead_backend wgx_aead_avx512;
extern const struct wgx_aead_backend *const wgx_aead_backends[];
extern const size_t wgx_aead_backend_count;

/*
 * Choose the backend used by wgx_aead_seal/open. name NULL: the fastest
 * backend by a short calibration (~30 ms). Returns 0, or -ENOENT for an unknown name. Call from
 * the main thread at startup, after wgx_crypto_init() and before workers run
 * (the switch is an atomic store, but packets in flight could use either).
 * Until called, libsodium is used.
 */
int wgx_aead_select(const char *name);

/*
 * Wipe whatever key state the calling thread's backends keep between calls
 * (the OpenSSL backend holds the last key used until another replaces it, in
 * OpenSSL's unlocked heap). Called after every batch: by the crypto workers,
 * and by the control thread once per event-loop iteration. Cheap when the
 * thread holds no key.
 */
void wgx_aead_thread_forget(void);
const char *wgx_aead_backend_name(void);
/* The backend with this name, or NULL. */
const struct wgx_aead_backend *wgx_aead_backend_find(const char *name);

#endif
