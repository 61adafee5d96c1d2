// SPDX-License-Identifier: MIT
/*
 * MAC1/MAC2 and cookie replies between a maker (peer A, sending to B) and
 * B's checker: mac1 validity, the under-load cookie round trip, source
 * address binding, secret rotation, cookie age, and reply authentication.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "core/cookie.h"
#include "core/crypto.h"
#include "tap.h"

#define SEC WGX_NS_PER_SEC

static const uint8_t addr1[6] = { 198, 18, 0, 1, 0xca, 0x6c };	 /* 198.18.0.1:51820 */
static const uint8_t addr2[6] = { 198, 18, 0, 1, 0xca, 0x6d };	 /* same IP, other port */
static const uint8_t addr6[18] = { 0x20, 0x01, 0x00, 0x02, [15] = 1, [16] = 0xca, [17] = 0x6c };

static void fresh_initiation(struct wgx_msg_initiation *m)
{
	randombytes_buf(m, sizeof(*m));
	m->header.type = htole32(WGX_MSG_HANDSHAKE_INITIATION);
}

static const char *state_name(enum wgx_cookie_mac_state s)
{
	switch (s) {
	case WGX_COOKIE_INVALID_MAC: return "INVALID_MAC";
	case WGX_COOKIE_VALID_MAC_BUT_NO_COOKIE: return "VALID_MAC_BUT_NO_COOKIE";
	case WGX_COOKIE_VALID_MAC_WITH_COOKIE: return "VALID_MAC_WITH_COOKIE";
	}
	return "?";
}

int main(void)
{
	uint8_t b_priv[WGX_KEY_LEN], b_pub[WGX_KEY_LEN], c_pub[WGX_KEY_LEN];
	struct wgx_cookie_checker checker, other_checker;
	struct wgx_cookie maker, c_maker;
	struct wgx_msg_initiation m, m2;
	struct wgx_msg_response r;
	struct wgx_msg_cookie reply, bad;
	enum wgx_cookie_mac_state st;
	uint64_t t0 = 1000 * SEC, now = t0;

	if (!ok(!wgx_crypto_init(), "crypto init"))
		return tap_done();
	wgx_x25519_generate(b_priv);
	wgx_x25519_public(b_pub, b_priv);
	wgx_x25519_generate(b_priv);
	wgx_x25519_public(c_pub, b_priv);
	sodium_memzero(b_priv, sizeof(b_priv));

	wgx_cookie_checker_init(&checker, b_pub, t0);
	wgx_cookie_checker_init(&other_checker, c_pub, t0);
	wgx_cookie_init(&maker, b_pub);
	wgx_cookie_init(&c_maker, c_pub);

	/* mac1 */
	fresh_initiation(&m);
	wgx_cookie_add_macs(&maker, &m, sizeof(m), now);
	ok(sodium_is_zero(m.macs.mac2, WGX_MAC_LEN), "without a cookie mac2 is zero");
	st = wgx_cookie_validate(&checker, &m, sizeof(m), false, addr1, sizeof(addr1), now);
	ok(st == WGX_COOKIE_VALID_MAC_BUT_NO_COOKIE, "mac1 for the right key: valid (%s)", state_name(st));
	ok(wgx_cookie_validate(&other_checker, &m, sizeof(m), false, addr1, sizeof(addr1), now) ==
	   WGX_COOKIE_INVALID_MAC, "mac1 checked by another key: invalid");
	{
		unsigned int rejected = 0;
		size_t covered = offsetof(struct wgx_msg_initiation, macs) + WGX_MAC_LEN;

		for (size_t i = 0; i < covered; i++) {
			m2 = m;
			((uint8_t *)&m2)[i] ^= 0x80;
			rejected += wgx_cookie_validate(&checker, &m2, sizeof(m2), false, addr1,
							sizeof(addr1), now) == WGX_COOKIE_INVALID_MAC;
		}
		ok(rejected == covered, "a flipped bit in any of the %zu bytes up to the end of mac1 invalidates it (%u)",
		   covered, rejected);
	}
	ok(wgx_cookie_validate(&checker, &m, 20, false, addr1, sizeof(addr1), now) ==
	   WGX_COOKIE_INVALID_MAC, "message too short for macs: invalid");

	r = (struct wgx_msg_response){ .header.type = htole32(WGX_MSG_HANDSHAKE_RESPONSE) };
	randombytes_buf(r.unencrypted_ephemeral, sizeof(r.unencrypted_ephemeral));
	wgx_cookie_add_macs(&maker, &r, sizeof(r), now);
	ok(wgx_cookie_validate(&checker, &r, sizeof(r), false, addr1, sizeof(addr1), now) ==
	   WGX_COOKIE_VALID_MAC_BUT_NO_COOKIE, "response-sized message: mac1 valid");

	/* Under load: no mac2 yet, so the checker answers with a cookie reply. */
	fresh_initiation(&m);
	wgx_cookie_add_macs(&maker, &m, sizeof(m), now);
	st = wgx_cookie_validate(&checker, &m, sizeof(m), true, addr1, sizeof(addr1), now);
	ok(st == WGX_COOKIE_VALID_MAC_BUT_NO_COOKIE, "under load, no mac2: %s", state_name(st));
	wgx_cookie_create_reply(&reply, &checker, &m, sizeof(m), 0xabcd, addr1, sizeof(addr1), now);
	ok(le32toh(reply.header.type) == WGX_MSG_HANDSHAKE_COOKIE &&
	   le32toh(reply.receiver_index) == 0xabcd, "cookie reply: type 3, receiver index of the message");
	ok(wgx_cookie_consume_reply(&c_maker, &reply, now) == -ENOENT,
	   "reply to a maker that sent nothing: refused");
	bad = reply;
	bad.encrypted_cookie[3] ^= 1;
	ok(wgx_cookie_consume_reply(&maker, &bad, now) == -EBADMSG, "tampered cookie reply: refused");
	bad = reply;
	bad.nonce[0] ^= 1;
	ok(wgx_cookie_consume_reply(&maker, &bad, now) == -EBADMSG, "cookie reply with another nonce: refused");
	ok(!maker.is_valid, "no cookie taken from refused replies");
	ok(wgx_cookie_consume_reply(&maker, &reply, now) == 0 && maker.is_valid,
	   "maker decrypts the cookie reply");
	ok(wgx_cookie_consume_reply(&maker, &reply, now) == -ENOENT,
	   "the same reply again: refused (one reply per sent mac1)");

	now += SEC;
	wgx_cookie_add_macs(&maker, &m, sizeof(m), now);
	ok(!sodium_is_zero(m.macs.mac2, WGX_MAC_LEN), "resent message carries mac2");
	st = wgx_cookie_validate(&checker, &m, sizeof(m), true, addr1, sizeof(addr1), now);
	ok(st == WGX_COOKIE_VALID_MAC_WITH_COOKIE, "resent message from the same source: %s",
	   state_name(st));
	ok(wgx_cookie_validate(&checker, &m, sizeof(m), true, addr2, sizeof(addr2), now) ==
	   WGX_COOKIE_VALID_MAC_BUT_NO_COOKIE, "same message from another port: mac2 invalid");
	ok(wgx_cookie_validate(&checker, &m, sizeof(m), true, addr6, sizeof(addr6), now) ==
	   WGX_COOKIE_VALID_MAC_BUT_NO_COOKIE, "same message from an IPv6 source: mac2 invalid");
	m2 = m;
	m2.macs.mac2[0] ^= 1;
	ok(wgx_cookie_validate(&checker, &m2, sizeof(m2), true, addr1, sizeof(addr1), now) ==
	   WGX_COOKIE_VALID_MAC_BUT_NO_COOKIE, "flipped mac2 bit: mac2 invalid, mac1 still valid");

	/* Maker side: a cookie is only used while younger than 120 - 5 s. */
	fresh_initiation(&m2);
	wgx_cookie_add_macs(&maker, &m2, sizeof(m2), now - SEC + 114 * SEC);
	ok(!sodium_is_zero(m2.macs.mac2, WGX_MAC_LEN), "cookie 114 s old: still used for mac2");
	wgx_cookie_add_macs(&maker, &m2, sizeof(m2), now - SEC + 115 * SEC);
	ok(sodium_is_zero(m2.macs.mac2, WGX_MAC_LEN), "cookie 115 s old: mac2 left zero");

	/* Checker side: the secret is replaced at 120 s, old cookies die with it. */
	ok(wgx_cookie_validate(&checker, &m, sizeof(m), true, addr1, sizeof(addr1),
			       t0 + 120 * SEC - 1) == WGX_COOKIE_VALID_MAC_WITH_COOKIE,
	   "just before the secret's 120 s: cookie still valid");
	ok(wgx_cookie_validate(&checker, &m, sizeof(m), true, addr1, sizeof(addr1),
			       t0 + 120 * SEC) == WGX_COOKIE_VALID_MAC_BUT_NO_COOKIE &&
	   checker.secret_birthdate == t0 + 120 * SEC,
	   "at 120 s the secret rotates and the old cookie's mac2 is invalid");

	/* The reply's AD is the answered message's mac1. */
	now = t0 + 200 * SEC;
	fresh_initiation(&m);
	wgx_cookie_add_macs(&maker, &m, sizeof(m), now); /* maker remembers mac1(m) */
	fresh_initiation(&m2);
	wgx_cookie_add_macs(&c_maker, &m2, sizeof(m2), now);
	memcpy(m2.macs.mac1, "not the mac1 of m", WGX_MAC_LEN);
	wgx_cookie_create_reply(&reply, &checker, &m2, sizeof(m2), 1, addr1, sizeof(addr1), now);
	ok(wgx_cookie_consume_reply(&maker, &reply, now) == -EBADMSG,
	   "cookie reply whose AD is another message's mac1: refused");
	wgx_cookie_create_reply(&reply, &other_checker, &m, sizeof(m), 1, addr1, sizeof(addr1), now);
	ok(wgx_cookie_consume_reply(&maker, &reply, now) == -EBADMSG,
	   "cookie reply sealed by another responder's key: refused");
	wgx_cookie_create_reply(&reply, &checker, &m, sizeof(m), 1, addr1, sizeof(addr1), now);
	ok(wgx_cookie_consume_reply(&maker, &reply, now) == 0, "the genuine reply is still taken");

	/* Identity change on the checker. */
	wgx_cookie_checker_set_identity(&checker, c_pub);
	ok(wgx_cookie_validate(&checker, &m, sizeof(m), false, addr1, sizeof(addr1), now) ==
	   WGX_COOKIE_INVALID_MAC, "after the checker's key changes, mac1 for the old key is invalid");
	wgx_cookie_checker_set_identity(&checker, NULL);
	ok(wgx_cookie_validate(&checker, &m, sizeof(m), false, addr1, sizeof(addr1), now) ==
	   WGX_COOKIE_INVALID_MAC, "checker without identity: everything invalid");
	return tap_done();
}
