// SPDX-License-Identifier: MIT
/*
 * Noise_IKpsk2 between two in-memory peers A and B: key agreement, PSK,
 * replay / flood / clock-step handling, unknown peers, tampering, and the
 * previous/current/next keypair slots. Fake clocks throughout.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/aead.h"
#include "core/crypto.h"
#include "core/noise.h"
#include "tap.h"

#define SEC WGX_NS_PER_SEC
#define MS (SEC / 1000)
/* 2023-11-14T22:13:20.123456789Z */
#define WALL0 (1700000000ULL * SEC + 123456789ULL)

struct side {
	const char *name;
	struct wgx_static_identity id;
	struct wgx_handshake hs; /* the one peer of this side */
	struct wgx_keypairs kps;
	uint32_t next_index;
};

static struct side A = { .name = "A", .next_index = 0x1000 };
static struct side B = { .name = "B", .next_index = 0x2000 };

static struct wgx_handshake *lookup(void *ctx, const uint8_t remote_static[WGX_KEY_LEN])
{
	struct side *s = ctx;

	return memcmp(s->hs.remote_static, remote_static, WGX_KEY_LEN) ? NULL : &s->hs;
}

static struct wgx_handshake *lookup_none(void *ctx, const uint8_t remote_static[WGX_KEY_LEN])
{
	(void)ctx;
	(void)remote_static;
	return NULL;
}

static void free_drops(struct wgx_keypair_drops *d)
{
	for (unsigned int i = 0; i < d->n; i++)
		wgx_noise_keypair_free(d->kp[i]);
	d->n = 0;
}

static void setup(const uint8_t *psk_a, const uint8_t *psk_b)
{
	uint8_t priv[WGX_KEY_LEN];
	struct wgx_keypair_drops d = { 0 };

	wgx_noise_keypairs_clear(&A.kps, &d);
	free_drops(&d);
	wgx_noise_keypairs_clear(&B.kps, &d);
	free_drops(&d);
	wgx_x25519_generate(priv);
	wgx_noise_set_private_key(&A.id, priv);
	wgx_x25519_generate(priv);
	wgx_noise_set_private_key(&B.id, priv);
	sodium_memzero(priv, sizeof(priv));
	wgx_noise_handshake_init(&A.hs, &A.id, B.id.static_public, psk_a);
	wgx_noise_handshake_init(&B.hs, &B.id, A.id.static_public, psk_b);
}

/* Runs one full handshake I -> R; returns the first failing step's error. */
static enum wgx_noise_error handshake(struct side *i, struct side *r, uint64_t now, uint64_t wall,
				      struct wgx_keypair_drops *di, struct wgx_keypair_drops *dr)
{
	struct wgx_msg_initiation init;
	struct wgx_msg_response resp;
	enum wgx_noise_error err;
	struct wgx_handshake *hs;

	i->hs.local_index = i->next_index++;
	err = wgx_noise_create_initiation(&init, &i->hs, &i->id, wall);
	if (err)
		return err;
	hs = wgx_noise_consume_initiation(&init, &r->id, lookup, r, now, &err);
	if (!hs)
		return err;
	hs->local_index = r->next_index++;
	err = wgx_noise_create_response(&resp, hs, &r->id);
	if (err)
		return err;
	err = wgx_noise_consume_response(&resp, &i->hs, &i->id);
	if (err)
		return err;
	if (!wgx_noise_begin_session(hs, &r->kps, now, dr, &err))
		return err;
	if (!wgx_noise_begin_session(&i->hs, &i->kps, now, di, &err))
		return err;
	return WGX_NOISE_OK;
}

/* seal with one keypair's sending key, open with the other's receiving key */
static bool keys_talk(const struct wgx_keypair *from, const struct wgx_keypair *to)
{
	static const uint8_t msg[] = "a packet through the tunnel";
	uint8_t ct[sizeof(msg) + WGX_AUTHTAG_LEN], pt[sizeof(msg)];

	wgx_aead_seal(ct, msg, sizeof(msg), NULL, 0, 7, from->sending_key);
	return !wgx_aead_open(pt, ct, sizeof(ct), NULL, 0, 7, to->receiving_key) &&
	       !memcmp(pt, msg, sizeof(msg));
}

static bool is_zero(const void *p, size_t len)
{
	return sodium_is_zero(p, len);
}

static void test_tai64n(void)
{
	uint8_t ts[WGX_TIMESTAMP_LEN];
	uint64_t sec;
	uint32_t nsec;
	static const uint8_t want[WGX_TIMESTAMP_LEN] = {
		0x40, 0, 0, 0, 0x65, 0x53, 0xf1, 0x0a, /* 2^62 + 10 + 1700000000 */
		0x07, 0x00, 0x00, 0x00			/* 7 * 2^24 ns */
	};

	wgx_tai64n_from_wall(ts, WALL0);
	tap_memeq(ts, want, sizeof(ts), "TAI64N encodes 2^62+10+sec big endian, ns rounded down to 2^24");
	ok(!wgx_tai64n_parse(ts, &sec, &nsec) && sec == 1700000000 && nsec == 7U << 24,
	   "TAI64N parses back to seconds and whitened nanoseconds");
	ts[8] = 0xff;
	ok(wgx_tai64n_parse(ts, &sec, &nsec) == -EINVAL, "TAI64N with nanoseconds >= 1e9 is invalid");
}

static void test_agreement(const char *what, const uint8_t *psk)
{
	struct wgx_keypair_drops da = { 0 }, db = { 0 };
	struct wgx_keypair *ka, *kb;
	enum wgx_noise_error err;

	setup(psk, psk);
	err = handshake(&A, &B, 10 * SEC, WALL0, &da, &db);
	ok(err == WGX_NOISE_OK, "%s: handshake completes (%s)", what, wgx_noise_strerror(err));
	ka = A.kps.current;
	kb = B.kps.next;
	if (!ok(ka && kb, "%s: initiator's keypair is current, responder's is next", what))
		return;
	ok(ka->i_am_the_initiator && !kb->i_am_the_initiator, "%s: initiator flags", what);
	ok(!memcmp(ka->sending_key, kb->receiving_key, WGX_KEY_LEN) &&
	   !memcmp(ka->receiving_key, kb->sending_key, WGX_KEY_LEN) &&
	   memcmp(ka->sending_key, ka->receiving_key, WGX_KEY_LEN),
	   "%s: send/receive keys match crosswise and differ from each other", what);
	ok(keys_talk(ka, kb), "%s: A seals, B opens", what);
	ok(keys_talk(kb, ka), "%s: B seals, A opens", what);
	ok(ka->local_index == A.next_index - 1 &&
	   ka->remote_index == kb->local_index && kb->remote_index == ka->local_index,
	   "%s: keypairs carry local and peer's indices", what);
	ok(ka->birthdate == 10 * SEC && atomic_load(&ka->sending_valid) &&
	   atomic_load(&kb->receiving_valid) && atomic_load(&ka->sending_counter) == 0,
	   "%s: keypairs born now, valid, counter 0", what);
	ok(A.hs.state == WGX_HANDSHAKE_ZEROED && is_zero(A.hs.ephemeral_private, WGX_KEY_LEN) &&
	   is_zero(A.hs.chaining_key, WGX_HASH_LEN) && is_zero(A.hs.hash, WGX_HASH_LEN) &&
	   is_zero(A.hs.remote_ephemeral, WGX_KEY_LEN) && B.hs.state == WGX_HANDSHAKE_ZEROED &&
	   is_zero(B.hs.ephemeral_private, WGX_KEY_LEN) && is_zero(B.hs.chaining_key, WGX_HASH_LEN) &&
	   is_zero(B.hs.hash, WGX_HASH_LEN),
	   "%s: both handshakes' ephemeral secrets, hash and chaining key zeroed", what);
	ok(da.n == 0 && db.n == 0, "%s: first session drops nothing", what);
}

static void test_psk_mismatch(void)
{
	uint8_t psk1[WGX_KEY_LEN], psk2[WGX_KEY_LEN];
	struct wgx_msg_initiation init;
	struct wgx_msg_response resp;
	struct wgx_handshake saved, *hs;
	enum wgx_noise_error err;

	randombytes_buf(psk1, sizeof(psk1));
	randombytes_buf(psk2, sizeof(psk2));
	setup(psk1, psk2);
	A.hs.local_index = 1;
	wgx_noise_create_initiation(&init, &A.hs, &A.id, WALL0);
	hs = wgx_noise_consume_initiation(&init, &B.id, lookup, &B, SEC, &err);
	ok(hs == &B.hs, "PSK mismatch: initiation does not depend on the PSK and is accepted");
	wgx_noise_create_response(&resp, &B.hs, &B.id);
	saved = A.hs;
	err = wgx_noise_consume_response(&resp, &A.hs, &A.id);
	ok(err == WGX_NOISE_DECRYPT_FAILED, "PSK mismatch: response rejected (%s)",
	   wgx_noise_strerror(err));
	ok(!memcmp(&saved, &A.hs, sizeof(saved)), "PSK mismatch: initiator's handshake untouched");

	setup(psk1, NULL);
	err = handshake(&A, &B, SEC, WALL0, &(struct wgx_keypair_drops){ 0 },
			&(struct wgx_keypair_drops){ 0 });
	ok(err == WGX_NOISE_DECRYPT_FAILED, "PSK on one side only: handshake fails");
}

static void test_replay_and_flood(void)
{
	struct wgx_msg_initiation first, older, second, third;
	struct wgx_handshake fresh_a;
	enum wgx_noise_error err;
	struct wgx_handshake *hs;
	uint64_t now = 100 * SEC, sec;
	uint32_t nsec;
	uint8_t ts[WGX_TIMESTAMP_LEN];

	setup(NULL, NULL);
	wgx_noise_create_initiation(&first, &A.hs, &A.id, WALL0);
	hs = wgx_noise_consume_initiation(&first, &B.id, lookup, &B, now, &err);
	ok(hs == &B.hs && B.hs.state == WGX_HANDSHAKE_CONSUMED_INITIATION &&
	   B.hs.remote_index == A.hs.local_index, "initiation accepted, sender index recorded");

	hs = wgx_noise_consume_initiation(&first, &B.id, lookup, &B, now + SEC, &err);
	ok(!hs && err == WGX_NOISE_REPLAY, "same initiation again a second later: replay (%s)",
	   wgx_noise_strerror(err));

	/* A second initiator state for the same peer, so the timestamp is not bumped. */
	wgx_noise_handshake_init(&fresh_a, &A.id, B.id.static_public, NULL);
	wgx_noise_create_initiation(&older, &fresh_a, &A.id, WALL0 - 5 * SEC);
	hs = wgx_noise_consume_initiation(&older, &B.id, lookup, &B, now + 2 * SEC, &err);
	ok(!hs && err == WGX_NOISE_REPLAY, "initiation with an older timestamp: replay");

	now += 3 * SEC;
	wgx_noise_create_initiation(&second, &A.hs, &A.id, WALL0 + 3 * SEC);
	hs = wgx_noise_consume_initiation(&second, &B.id, lookup, &B, now, &err);
	ok(hs == &B.hs, "newer initiation accepted");
	wgx_noise_create_initiation(&third, &A.hs, &A.id, WALL0 + 4 * SEC);
	hs = wgx_noise_consume_initiation(&third, &B.id, lookup, &B, now + 19 * MS, &err);
	ok(!hs && err == WGX_NOISE_FLOOD, "next initiation 19 ms later: flood (%s)",
	   wgx_noise_strerror(err));
	hs = wgx_noise_consume_initiation(&third, &B.id, lookup, &B, now + 20 * MS, &err);
	ok(hs == &B.hs, "same initiation 1/%d s later: accepted", WGX_INITIATIONS_PER_SECOND);

	/* Wall clock steps back an hour: A still sends a newer timestamp. */
	now += SEC;
	wgx_noise_create_initiation(&second, &A.hs, &A.id, WALL0 - 3600 * SEC);
	hs = wgx_noise_consume_initiation(&second, &B.id, lookup, &B, now, &err);
	ok(hs == &B.hs, "wall clock stepped back 1 h: initiation still accepted (%s)",
	   wgx_noise_strerror(err));
	memcpy(ts, B.hs.latest_timestamp, sizeof(ts));
	sec = nsec = 0;
	wgx_tai64n_parse(ts, &sec, &nsec);
	ok(sec == 1700000004 && nsec == 8U << 24,
	   "its timestamp is the previous one plus one 2^24 ns step (%llu.%09u)",
	   (unsigned long long)sec, nsec);

	/* Two initiations in the same 2^24 ns step are distinct, too. */
	now += SEC;
	wgx_noise_create_initiation(&second, &A.hs, &A.id, WALL0 + 4 * SEC + 1);
	hs = wgx_noise_consume_initiation(&second, &B.id, lookup, &B, now, &err);
	ok(hs == &B.hs, "initiation within the same timestamp step: accepted");

	/* Step carries into the seconds. */
	memset(fresh_a.last_sent_timestamp, 0, WGX_TIMESTAMP_LEN);
	wgx_noise_create_initiation(&second, &fresh_a, &A.id, 1700000099ULL * SEC + 999999999ULL);
	wgx_noise_create_initiation(&second, &fresh_a, &A.id, 1700000099ULL * SEC);
	ok(!wgx_tai64n_parse(fresh_a.last_sent_timestamp, &sec, &nsec) && sec == 1700000100 &&
	   nsec == 0, "bumping the last step of a second carries into the next second");
	wgx_noise_handshake_clear(&fresh_a);
}

static void test_unknown_and_identity(void)
{
	struct wgx_static_identity c = { 0 }, none = { 0 };
	struct wgx_handshake c_hs;
	struct wgx_msg_initiation init;
	enum wgx_noise_error err;
	uint8_t priv[WGX_KEY_LEN];

	setup(NULL, NULL);
	wgx_x25519_generate(priv);
	wgx_noise_set_private_key(&c, priv);
	wgx_noise_handshake_init(&c_hs, &c, B.id.static_public, NULL);
	wgx_noise_create_initiation(&init, &c_hs, &c, WALL0);
	ok(!wgx_noise_consume_initiation(&init, &B.id, lookup, &B, SEC, &err) &&
	   err == WGX_NOISE_UNKNOWN_PEER, "initiation from an unknown static key: unknown peer");
	ok(!wgx_noise_consume_initiation(&init, &B.id, lookup_none, NULL, SEC, &err) &&
	   err == WGX_NOISE_UNKNOWN_PEER, "lookup finding nothing: unknown peer");
	ok(!wgx_noise_consume_initiation(&init, &A.id, lookup, &A, SEC, &err) &&
	   err == WGX_NOISE_DECRYPT_FAILED, "initiation meant for another responder: decrypt fails");

	ok(wgx_noise_create_initiation(&init, &c_hs, &none, WALL0) == WGX_NOISE_NO_IDENTITY,
	   "no private key: no initiation");
	ok(!wgx_noise_consume_initiation(&init, &none, lookup, &B, SEC, &err) &&
	   err == WGX_NOISE_NO_IDENTITY, "no private key: no responder");

	/* A changes its key: the precomputation follows without being asked. */
	wgx_x25519_generate(priv);
	wgx_noise_set_private_key(&A.id, priv);
	wgx_noise_handshake_init(&B.hs, &B.id, A.id.static_public, NULL);
	err = handshake(&A, &B, 2 * SEC, WALL0 + SEC, &(struct wgx_keypair_drops){ 0 },
			&(struct wgx_keypair_drops){ 0 });
	ok(err == WGX_NOISE_OK, "after a private key change the handshake works (%s)",
	   wgx_noise_strerror(err));

	/* A low-order peer key can never be used. */
	wgx_noise_handshake_init(&c_hs, &c, (uint8_t[WGX_KEY_LEN]){ 0 }, NULL);
	ok(is_zero(c_hs.precomputed_static_static, WGX_KEY_LEN) &&
	   wgx_noise_create_initiation(&init, &c_hs, &c, WALL0) == WGX_NOISE_BAD_DH,
	   "all-zero peer public key: initiation refused");
	wgx_noise_set_private_key(&c, NULL);
	ok(!c.has_identity && is_zero(c.static_private, WGX_KEY_LEN), "identity cleared");
	sodium_memzero(priv, sizeof(priv));
}

static void test_tampering(void)
{
	struct {
		const char *name;
		size_t off, len;
	} init_fields[] = {
		{ "unencrypted_ephemeral", offsetof(struct wgx_msg_initiation, unencrypted_ephemeral),
		  WGX_KEY_LEN },
		{ "encrypted_static", offsetof(struct wgx_msg_initiation, encrypted_static),
		  WGX_KEY_LEN + WGX_AUTHTAG_LEN },
		{ "encrypted_timestamp", offsetof(struct wgx_msg_initiation, encrypted_timestamp),
		  WGX_TIMESTAMP_LEN + WGX_AUTHTAG_LEN },
	}, resp_fields[] = {
		{ "unencrypted_ephemeral", offsetof(struct wgx_msg_response, unencrypted_ephemeral),
		  WGX_KEY_LEN },
		{ "encrypted_nothing", offsetof(struct wgx_msg_response, encrypted_nothing),
		  WGX_AUTHTAG_LEN },
	};
	struct wgx_msg_initiation init, bad_init;
	struct wgx_msg_response resp, bad_resp;
	struct wgx_handshake saved_b, saved_a;
	enum wgx_noise_error err;

	setup(NULL, NULL);
	A.hs.local_index = 77;
	wgx_noise_create_initiation(&init, &A.hs, &A.id, WALL0);
	saved_b = B.hs;
	for (size_t f = 0; f < sizeof(init_fields) / sizeof(init_fields[0]); f++) {
		unsigned int rejected = 0;

		for (size_t i = 0; i < init_fields[f].len; i++) {
			bad_init = init;
			((uint8_t *)&bad_init)[init_fields[f].off + i] ^= 1U << (i % 8);
			if (!wgx_noise_consume_initiation(&bad_init, &B.id, lookup, &B, SEC, &err))
				rejected++;
		}
		ok(rejected == init_fields[f].len, "initiation: a bit flip in each of the %zu bytes of %s is rejected (%u)",
		   init_fields[f].len, init_fields[f].name, rejected);
	}
	ok(!memcmp(&saved_b, &B.hs, sizeof(saved_b)), "rejected initiations left the responder untouched");
	ok(wgx_noise_consume_initiation(&init, &B.id, lookup, &B, SEC, &err) == &B.hs,
	   "the genuine initiation is still accepted afterwards");
	B.hs.local_index = 88;
	wgx_noise_create_response(&resp, &B.hs, &B.id);

	saved_a = A.hs;
	for (size_t f = 0; f < sizeof(resp_fields) / sizeof(resp_fields[0]); f++) {
		unsigned int rejected = 0;

		for (size_t i = 0; i < resp_fields[f].len; i++) {
			bad_resp = resp;
			((uint8_t *)&bad_resp)[resp_fields[f].off + i] ^= 1U << (i % 8);
			if (wgx_noise_consume_response(&bad_resp, &A.hs, &A.id))
				rejected++;
		}
		ok(rejected == resp_fields[f].len, "response: a bit flip in each of the %zu bytes of %s is rejected (%u)",
		   resp_fields[f].len, resp_fields[f].name, rejected);
	}
	bad_resp = resp;
	bad_resp.receiver_index = htole32(78);
	ok(wgx_noise_consume_response(&bad_resp, &A.hs, &A.id) == WGX_NOISE_BAD_STATE,
	   "response to another receiver index is refused");
	ok(!memcmp(&saved_a, &A.hs, sizeof(saved_a)), "rejected responses left the initiator untouched");
	ok(wgx_noise_consume_response(&resp, &A.hs, &A.id) == WGX_NOISE_OK &&
	   A.hs.remote_index == 88, "the genuine response is still accepted afterwards");
	ok(wgx_noise_consume_response(&resp, &A.hs, &A.id) == WGX_NOISE_BAD_STATE,
	   "the same response twice: refused by state");
	ok(wgx_noise_create_response(&resp, &A.hs, &A.id) == WGX_NOISE_BAD_STATE,
	   "create_response without a consumed initiation: refused");
	ok(!wgx_noise_begin_session(&saved_b, &B.kps, SEC, &(struct wgx_keypair_drops){ 0 }, &err) &&
	   err == WGX_NOISE_BAD_STATE, "begin_session before the handshake is complete: refused");
	wgx_noise_handshake_clear(&A.hs);
	wgx_noise_handshake_clear(&B.hs);
	ok(is_zero(A.hs.ephemeral_private, WGX_KEY_LEN) && is_zero(A.hs.chaining_key, WGX_HASH_LEN) &&
	   is_zero(A.hs.hash, WGX_HASH_LEN) && is_zero(B.hs.remote_ephemeral, WGX_KEY_LEN) &&
	   A.hs.state == WGX_HANDSHAKE_ZEROED, "handshake_clear zeroes the in-progress secrets");
}

static bool has(const struct wgx_keypair_drops *d, const struct wgx_keypair *kp)
{
	for (unsigned int i = 0; i < d->n; i++)
		if (d->kp[i] == kp)
			return true;
	return false;
}

static void test_rotation(void)
{
	struct wgx_keypair_drops da = { 0 }, db = { 0 };
	struct wgx_keypair *a1, *b1, *a2, *b2, *a3, *b3, *b4, *a4;
	uint64_t now = 1000 * SEC;

	setup(NULL, NULL);
	handshake(&A, &B, now, WALL0, &da, &db);
	a1 = A.kps.current;
	b1 = B.kps.next;
	ok(!wgx_noise_received_with_keypair(&B.kps, B.kps.current, &db),
	   "received with a keypair that is not next: no change");
	ok(wgx_noise_received_with_keypair(&B.kps, b1, &db) && B.kps.current == b1 &&
	   !B.kps.next && !B.kps.previous && db.n == 0,
	   "responder: first data packet promotes next to current");
	ok(!wgx_noise_received_with_keypair(&B.kps, b1, &db), "second packet: already current");

	now += 120 * SEC;
	handshake(&A, &B, now, WALL0 + 120 * SEC, &da, &db);
	a2 = A.kps.current;
	b2 = B.kps.next;
	ok(A.kps.previous == a1 && a2 != a1 && !A.kps.next && da.n == 0,
	   "initiator rekey: new current, old current becomes previous");
	ok(B.kps.current == b1 && b2 && !B.kps.previous, "responder rekey: new keypair waits in next");
	ok(keys_talk(b1, a1) && keys_talk(a2, b2), "old and new keypairs both still work");
	ok(wgx_noise_received_with_keypair(&B.kps, b2, &db) && B.kps.current == b2 &&
	   B.kps.previous == b1 && !B.kps.next, "confirmation: next -> current -> previous");

	now += 120 * SEC;
	handshake(&A, &B, now, WALL0 + 240 * SEC, &da, &db);
	a3 = A.kps.current;
	b3 = B.kps.next;
	ok(da.n == 1 && da.kp[0] == a1 && A.kps.previous == a2,
	   "initiator: the old previous is returned to the caller");
	ok(db.n == 1 && db.kp[0] == b1 && !B.kps.previous && B.kps.current == b2,
	   "responder: the old previous is dropped while next is pending");
	ok(da.kp[0]->local_index != a2->local_index, "dropped keypairs carry their index for removal");
	free_drops(&da);
	free_drops(&db);

	/* B initiates while its next (b3) is unconfirmed: kernel keeps b3 as previous. */
	now += SEC;
	handshake(&B, &A, now, WALL0 + 241 * SEC, &db, &da);
	b4 = B.kps.current;
	a4 = A.kps.next;
	ok(B.kps.previous == b3 && !B.kps.next && db.n == 1 && db.kp[0] == b2,
	   "initiator with a pending next: next -> previous, current dropped");
	ok(A.kps.current == a3 && A.kps.next == a4 && da.n == 1 && has(&da, a2),
	   "the other side as responder: new next, previous dropped");
	ok(keys_talk(b4, a4) && keys_talk(a4, b4), "keys of a handshake B started agree");
	free_drops(&da);
	free_drops(&db);

	wgx_noise_expire_current_keypairs(&A.kps, &A.hs);
	ok(!atomic_load(&A.kps.current->sending_valid) && !atomic_load(&A.kps.next->sending_valid) &&
	   atomic_load(&A.kps.current->receiving_valid),
	   "expire: current and next stop sending, still receive");

	wgx_noise_keypairs_clear(&A.kps, &da);
	ok(da.n == 2 && has(&da, a3) && has(&da, a4) && !A.kps.current && !A.kps.next &&
	   !A.kps.previous, "clear: every slot emptied and returned");
	free_drops(&da);
	wgx_noise_keypairs_clear(&B.kps, &db);
	ok(db.n == 2 && has(&db, b3) && has(&db, b4), "clear on the other side returns previous and current");
	free_drops(&db);
	ok(!wgx_noise_received_with_keypair(&B.kps, NULL, &db), "received with NULL: no change");
}

int main(void)
{
	uint8_t psk[WGX_KEY_LEN];

	if (wgx_crypto_init()) {
		ok(false, "crypto init");
		return tap_done();
	}
	randombytes_buf(psk, sizeof(psk));
	test_tai64n();
	test_agreement("no PSK", NULL);
	test_agreement("with PSK", psk);
	test_psk_mismatch();
	test_replay_and_flood();
	test_unknown_and_identity();
	test_tampering();
	test_rotation();
	wgx_noise_handshake_clear(&A.hs);
	wgx_noise_handshake_clear(&B.hs);
	return tap_done();
}
