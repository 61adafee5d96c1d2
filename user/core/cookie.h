/* SPDX-License-Identifier: MIT */
/*
 * WireGuard's DoS defence, messages side (whitepaper 5.4.4 and 5.4.7, the
 * kernel's cookie.c): every handshake message carries
 *   mac1 = MAC(HASH("mac1----" || S_pub of the receiver), msg up to mac1)
 *   mac2 = MAC(cookie, msg up to mac2), or zeros without a cookie,
 * where the receiver's cookie = MAC(secret, source address bytes) and the
 * secret is replaced every COOKIE_SECRET_MAX_AGE. A receiver under load
 * answers messages without a valid mac2 by a cookie reply: the cookie sealed
 * with XChaCha20-Poly1305 under HASH("cookie--" || S_pub), random nonce and
 * the answered message's mac1 as AD.
 *
 * The checker (one per device, our key) and the maker (one per peer, its
 * key) are owned by the control thread; nothing here locks or reads a clock
 * (`now`: monotonic ns). The source address is the bytes the caller chooses
 * for it: the IP address then the UDP port in network order (4 + 2 or
 * 16 + 2 bytes), as the kernel hashes them.
 */
#ifndef WGX_COOKIE_H
#define WGX_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wgx_consts.h"
#include "wgx_wire.h"

enum wgx_cookie_mac_state {
	WGX_COOKIE_INVALID_MAC,
	WGX_COOKIE_VALID_MAC_BUT_NO_COOKIE,
	WGX_COOKIE_VALID_MAC_WITH_COOKIE,
};

struct wgx_cookie_checker {
	uint8_t secret[WGX_HASH_LEN];
	uint64_t secret_birthdate;
	uint8_t cookie_encryption_key[WGX_KEY_LEN];
	uint8_t message_mac1_key[WGX_KEY_LEN];
	bool has_identity;
};

struct wgx_cookie {
	uint64_t birthdate;
	uint8_t cookie[WGX_COOKIE_LEN]; /* latest cookie the peer gave us */
	uint8_t last_mac1_sent[WGX_MAC_LEN]; /* AD of the reply we may get */
	uint8_t cookie_decryption_key[WGX_KEY_LEN];
	uint8_t message_mac1_key[WGX_KEY_LEN];
	bool is_valid;
	bool have_sent_mac1;
};

/* Checker: a fresh random secret born at now; keys from our public key (NULL: none). */
void wgx_cookie_checker_init(struct wgx_cookie_checker *checker,
			     const uint8_t our_public[WGX_KEY_LEN], uint64_t now);

/* Our static key changed (wgx_noise_set_private_key): recompute mac1/cookie keys. */
void wgx_cookie_checker_set_identity(struct wgx_cookie_checker *checker,
				     const uint8_t our_public[WGX_KEY_LEN]);

/*
 * Check a received handshake message (initiation or response, len its full
 * length). mac2 is checked only with check_cookie (we are under load).
 * Rate limiting of VALID_MAC_WITH_COOKIE sources is wgx_ratelimiter_allow's.
 */
enum wgx_cookie_mac_state wgx_cookie_validate(struct wgx_cookie_checker *checker,
					      const void *msg, size_t len, bool check_cookie,
					      const void *addr, size_t addr_len, uint64_t now);

/*
 * Build the cookie reply to msg (already found to have a valid mac1) from
 * addr; index is the message's sender_index (host order).
 */
void wgx_cookie_create_reply(struct wgx_msg_cookie *dst, struct wgx_cookie_checker *checker,
			     const void *msg, size_t len, uint32_t index, const void *addr,
			     size_t addr_len, uint64_t now);

/* Maker: per-peer state for messages we send to the peer with this public key. */
void wgx_cookie_init(struct wgx_cookie *cookie, const uint8_t remote_public[WGX_KEY_LEN]);

/*
 * Fill the macs of an outgoing handshake message (len its full length, every
 * other byte final). mac2 only while our cookie is younger than
 * COOKIE_SECRET_MAX_AGE - COOKIE_SECRET_LATENCY, so it never reaches the peer
 * after its secret changed.
 */
void wgx_cookie_add_macs(struct wgx_cookie *cookie, void *msg, size_t len, uint64_t now);

/*
 * A cookie reply for this peer (the caller found it through receiver_index):
 * decrypt with the last mac1 we sent as AD and keep the cookie. Returns 0,
 * -ENOENT if we sent no message it could answer, -EBADMSG if it does not
 * authenticate.
 */
int wgx_cookie_consume_reply(struct wgx_cookie *cookie, const struct wgx_msg_cookie *src,
			     uint64_t now);

#endif
