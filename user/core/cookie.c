// SPDX-License-Identifier: MIT
/* MAC1/MAC2 and cookie replies; see cookie.h. Mirrors the kernel's cookie.c. */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "core/aead.h"
#include "core/cookie.h"
#include "core/crypto.h"

#define COOKIE_KEY_LABEL_LEN 8
static const uint8_t mac1_key_label[COOKIE_KEY_LABEL_LEN] = "mac1----";
static const uint8_t cookie_key_label[COOKIE_KEY_LABEL_LEN] = "cookie--";

static void precompute_key(uint8_t key[WGX_KEY_LEN], const uint8_t pubkey[WGX_KEY_LEN],
			   const uint8_t label[COOKIE_KEY_LABEL_LEN])
{
	struct wgx_blake2s_state st;

	wgx_blake2s_init(&st, WGX_KEY_LEN);
	wgx_blake2s_update(&st, label, COOKIE_KEY_LABEL_LEN);
	wgx_blake2s_update(&st, pubkey, WGX_KEY_LEN);
	wgx_blake2s_final(&st, key, WGX_KEY_LEN);
}

/* Same test as the kernel's wg_birthdate_has_expired. */
static bool birthdate_has_expired(uint64_t birthdate, uint64_t seconds, uint64_t now)
{
	return birthdate + seconds * WGX_NS_PER_SEC <= now;
}

static const struct wgx_msg_macs *macs_of(const void *msg, size_t len)
{
	return (const struct wgx_msg_macs *)((const uint8_t *)msg + len - sizeof(struct wgx_msg_macs));
}

static void compute_mac1(uint8_t mac1[WGX_MAC_LEN], const void *msg, size_t len,
			 const uint8_t key[WGX_KEY_LEN])
{
	len = len - sizeof(struct wgx_msg_macs) + offsetof(struct wgx_msg_macs, mac1);
	wgx_blake2s_keyed(mac1, WGX_MAC_LEN, msg, len, key, WGX_KEY_LEN);
}

static void compute_mac2(uint8_t mac2[WGX_MAC_LEN], const void *msg, size_t len,
			 const uint8_t cookie[WGX_COOKIE_LEN])
{
	len = len - sizeof(struct wgx_msg_macs) + offsetof(struct wgx_msg_macs, mac2);
	wgx_blake2s_keyed(mac2, WGX_MAC_LEN, msg, len, cookie, WGX_COOKIE_LEN);
}

void wgx_cookie_checker_set_identity(struct wgx_cookie_checker *checker,
				     const uint8_t our_public[WGX_KEY_LEN])
{
	checker->has_identity = our_public != NULL;
	if (our_public) {
		precompute_key(checker->cookie_encryption_key, our_public, cookie_key_label);
		precompute_key(checker->message_mac1_key, our_public, mac1_key_label);
	} else {
		sodium_memzero(checker->cookie_encryption_key, WGX_KEY_LEN);
		sodium_memzero(checker->message_mac1_key, WGX_KEY_LEN);
	}
}

void wgx_cookie_checker_init(struct wgx_cookie_checker *checker,
			     const uint8_t our_public[WGX_KEY_LEN], uint64_t now)
{
	randombytes_buf(checker->secret, sizeof(checker->secret));
	checker->secret_birthdate = now;
	wgx_cookie_checker_set_identity(checker, our_public);
}

/* cookie = MAC(secret, address bytes), with the secret renewed when it is too old. */
static void make_cookie(uint8_t cookie[WGX_COOKIE_LEN], struct wgx_cookie_checker *checker,
			const void *addr, size_t addr_len, uint64_t now)
{
	if (birthdate_has_expired(checker->secret_birthdate, WGX_COOKIE_SECRET_MAX_AGE, now)) {
		randombytes_buf(checker->secret, sizeof(checker->secret));
		checker->secret_birthdate = now;
	}
	wgx_blake2s_keyed(cookie, WGX_COOKIE_LEN, addr, addr_len, checker->secret, WGX_HASH_LEN);
}

enum wgx_cookie_mac_state wgx_cookie_validate(struct wgx_cookie_checker *checker,
					      const void *msg, size_t len, bool check_cookie,
					      const void *addr, size_t addr_len, uint64_t now)
{
	const struct wgx_msg_macs *macs;
	enum wgx_cookie_mac_state ret = WGX_COOKIE_INVALID_MAC;
	uint8_t computed_mac[WGX_MAC_LEN];
	uint8_t cookie[WGX_COOKIE_LEN];

	if (!checker->has_identity ||
	    len < sizeof(struct wgx_msg_header) + sizeof(struct wgx_msg_macs))
		return ret;
	macs = macs_of(msg, len);

	compute_mac1(computed_mac, msg, len, checker->message_mac1_key);
	if (sodium_memcmp(computed_mac, macs->mac1, WGX_MAC_LEN))
		goto out;
	ret = WGX_COOKIE_VALID_MAC_BUT_NO_COOKIE;
	if (!check_cookie)
		goto out;

	make_cookie(cookie, checker, addr, addr_len, now);
	compute_mac2(computed_mac, msg, len, cookie);
	if (sodium_memcmp(computed_mac, macs->mac2, WGX_MAC_LEN))
		goto out;
	ret = WGX_COOKIE_VALID_MAC_WITH_COOKIE;

out:
	sodium_memzero(cookie, sizeof(cookie));
	return ret;
}

void wgx_cookie_create_reply(struct wgx_msg_cookie *dst, struct wgx_cookie_checker *checker,
			     const void *msg, size_t len, uint32_t index, const void *addr,
			     size_t addr_len, uint64_t now)
{
	const struct wgx_msg_macs *macs = macs_of(msg, len);
	uint8_t cookie[WGX_COOKIE_LEN];

	dst->header.type = htole32(WGX_MSG_HANDSHAKE_COOKIE);
	dst->receiver_index = htole32(index);
	randombytes_buf(dst->nonce, WGX_COOKIE_NONCE_LEN);

	make_cookie(cookie, checker, addr, addr_len, now);
	wgx_xaead_seal(dst->encrypted_cookie, cookie, WGX_COOKIE_LEN, macs->mac1, WGX_MAC_LEN,
		       dst->nonce, checker->cookie_encryption_key);
	sodium_memzero(cookie, sizeof(cookie));
}

void wgx_cookie_init(struct wgx_cookie *cookie, const uint8_t remote_public[WGX_KEY_LEN])
{
	sodium_memzero(cookie, sizeof(*cookie));
	precompute_key(cookie->cookie_decryption_key, remote_public, cookie_key_label);
	precompute_key(cookie->message_mac1_key, remote_public, mac1_key_label);
}

void wgx_cookie_add_macs(struct wgx_cookie *cookie, void *msg, size_t len, uint64_t now)
{
	struct wgx_msg_macs *macs = (struct wgx_msg_macs *)macs_of(msg, len);

	compute_mac1(macs->mac1, msg, len, cookie->message_mac1_key);
	memcpy(cookie->last_mac1_sent, macs->mac1, WGX_MAC_LEN);
	cookie->have_sent_mac1 = true;

	if (cookie->is_valid &&
	    !birthdate_has_expired(cookie->birthdate,
				   WGX_COOKIE_SECRET_MAX_AGE - WGX_COOKIE_SECRET_LATENCY, now))
		compute_mac2(macs->mac2, msg, len, cookie->cookie);
	else
		memset(macs->mac2, 0, WGX_MAC_LEN);
}

int wgx_cookie_consume_reply(struct wgx_cookie *cookie, const struct wgx_msg_cookie *src,
			     uint64_t now)
{
	uint8_t value[WGX_COOKIE_LEN];

	if (!cookie->have_sent_mac1)
		return -ENOENT;
	if (wgx_xaead_open(value, src->encrypted_cookie, sizeof(src->encrypted_cookie),
			   cookie->last_mac1_sent, WGX_MAC_LEN, src->nonce,
			   cookie->cookie_decryption_key))
		return -EBADMSG;
	memcpy(cookie->cookie, value, WGX_COOKIE_LEN);
	sodium_memzero(value, sizeof(value));
	cookie->birthdate = now;
	cookie->is_valid = true;
	/* One reply per message: a second copy must not refresh the cookie. */
	cookie->have_sent_mac1 = false;
	return 0;
}
