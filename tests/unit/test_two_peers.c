// SPDX-License-Identifier: MIT
/*
 * Two in-memory peers A and B through the whole protocol core, the way the
 * daemon glues it together but with no sockets, no TUN and a fake clock:
 * noise + cookie + data + replay + timers + the index/pubkey tables +
 * allowed IPs. The "wire" is a byte buffer: every message crosses it as the
 * exact bytes a real peer would put in a UDP datagram.
 *
 * Covered: handshake and confirmation of the responder's keypair by the
 * first data message, IPv4/IPv6 inner packets both ways with the source
 * allowed-IPs check, replay and reordering, rekey after REKEY_AFTER_TIME with
 * in-flight packets under the previous keypair and index release, the cookie
 * (under load) path, keypair expiry, and peer removal.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "core/allowedips.h"
#include "core/cookie.h"
#include "core/crypto.h"
#include "core/data.h"
#include "core/noise.h"
#include "core/peerlookup.h"
#include "core/replay.h"
#include "core/secret.h"
#include "tap.h"
#include "core/timers.h"

#define SEC WGX_NS_PER_SEC
#define MS (SEC / 1000)
#define WALL0 (1700000000ULL * SEC)
#define MTU WGX_DEFAULT_MTU
#define PORT 51820

/* One datagram on the in-memory wire. */
struct pkt {
	uint8_t buf[WGX_MSG_DATA_HEADER_LEN + MTU + WGX_AUTHTAG_LEN];
	size_t len;
};

struct side;

/* Opaque to the core (peerlookup.h, allowedips.h): the test's own peer. */
struct wgx_peer {
	struct side *dev;
	struct wgx_handshake *hs; /* locked memory, like the daemon's */
	uint32_t hs_index;	  /* index the handshake owns, 0 if none */
	struct wgx_keypairs kps;
	struct wgx_cookie cookie;
	struct wgx_timers timers;
};

struct side {
	const char *name;
	struct wgx_static_identity *id;
	struct wgx_cookie_checker checker;
	struct wgx_index_table index;
	struct wgx_pubkey_table pubkeys;
	struct wgx_allowedips aips;
	struct wgx_peer *peer; /* the other side, NULL once removed */
	uint8_t addr[6];       /* our underlay IPv4 address and port, as the peer sees them */
	bool under_load;
	uint64_t wall_offset;
};

/* What receiving one datagram did. */
enum rx {
	RX_RESPONSE_SENT,     /* initiation accepted, response in *out */
	RX_COOKIE_SENT,	      /* under load without mac2: cookie reply in *out */
	RX_SESSION,	      /* response consumed, keypair current */
	RX_COOKIE_CONSUMED,   /* cookie reply accepted */
	RX_DELIVERED,	      /* inner packet in *out (len = inner length) */
	RX_KEEPALIVE,
	RX_BAD_MAC,
	RX_HS_REJECTED,
	RX_UNKNOWN_INDEX,
	RX_INVALID_KEYPAIR,
	RX_EXPIRED,
	RX_DECRYPT_FAILED,
	RX_REPLAY,
	RX_MALFORMED,
	RX_SRC_NOT_ALLOWED,
};

static const char *const rx_names[] = {
	"response sent", "cookie sent", "session", "cookie consumed", "delivered", "keepalive",
	"bad mac", "handshake rejected", "unknown index", "invalid keypair", "expired",
	"decrypt failed", "replay", "malformed", "source not allowed",
};

static struct side A = { .name = "A", .addr = { 198, 18, 0, 1, PORT >> 8, PORT & 0xff } };
static struct side B = { .name = "B", .addr = { 198, 18, 0, 2, PORT >> 8, PORT & 0xff } };
static struct wgx_peer ghost; /* a third peer of B's, owning 100.64.0.3 */
static uint64_t now = 1000 * SEC;

static void release(struct wgx_peer *p, struct wgx_keypair_drops *d)
{
	for (unsigned int i = 0; i < d->n; i++) {
		wgx_index_remove(&p->dev->index, d->kp[i]->local_index);
		wgx_noise_keypair_free(d->kp[i]);
	}
	d->n = 0;
}

/* A fresh index for the handshake, dropping the one it held (peer.c's way). */
static int new_hs_index(struct wgx_peer *p)
{
	struct wgx_index_entry e = { .type = WGX_INDEX_HANDSHAKE, .ptr = p->hs, .peer = p };
	uint32_t index;
	int ret = wgx_index_insert(&p->dev->index, &e, &index);

	if (ret)
		return ret;
	if (p->hs_index)
		wgx_index_remove(&p->dev->index, p->hs_index);
	p->hs_index = p->hs->local_index = index;
	return 0;
}

static void hs_index_to_keypair(struct wgx_peer *p, struct wgx_keypair *kp)
{
	struct wgx_index_entry e = { .type = WGX_INDEX_KEYPAIR, .ptr = kp, .peer = p };

	if (!wgx_index_replace(&p->dev->index, kp->local_index, p->hs, &e) &&
	    p->hs_index == kp->local_index)
		p->hs_index = 0;
}

static struct wgx_handshake *lookup_static(void *ctx, const uint8_t key[WGX_KEY_LEN])
{
	struct wgx_peer *p = wgx_pubkey_lookup(&((struct side *)ctx)->pubkeys, key);

	return p ? p->hs : NULL;
}

static struct wgx_peer *peer_of_hs(struct side *s, struct wgx_handshake *hs)
{
	return s->peer && s->peer->hs == hs ? s->peer : NULL;
}

static void send_initiation(struct side *s, struct pkt *out)
{
	struct wgx_peer *p = s->peer;
	struct wgx_msg_initiation *m = (struct wgx_msg_initiation *)out->buf;

	out->len = 0;
	if (new_hs_index(p) ||
	    wgx_noise_create_initiation(m, p->hs, s->id, WALL0 + s->wall_offset + now))
		return;
	wgx_cookie_add_macs(&p->cookie, m, sizeof(*m), now);
	wgx_timers_any_authenticated_packet_traversal(&p->timers, now);
	wgx_timers_any_authenticated_packet_sent(&p->timers, now);
	wgx_timers_handshake_initiated(&p->timers, now);
	out->len = sizeof(*m);
}

/*
 * Seal @inner (len bytes, 0 for a keepalive) under the current keypair.
 * *rekey gets should_rekey_on_send. Returns false when there is no usable
 * keypair.
 */
static bool send_data(struct side *s, const void *inner, size_t len, struct pkt *out, bool *rekey)
{
	struct wgx_peer *p = s->peer;
	struct wgx_keypair *kp = p->kps.current;
	uint64_t counter;

	out->len = 0;
	if (!kp || !atomic_load(&kp->sending_valid) ||
	    wgx_timers_keypair_expired(&p->timers, kp->birthdate,
				       atomic_load(&kp->sending_counter), now))
		return false;
	counter = atomic_fetch_add(&kp->sending_counter, 1);
	if (len)
		memcpy(out->buf + WGX_MSG_DATA_HEADER_LEN, inner, len);
	out->len = wgx_data_seal(kp, counter, out->buf, len, MTU);
	wgx_timers_any_authenticated_packet_traversal(&p->timers, now);
	wgx_timers_any_authenticated_packet_sent(&p->timers, now);
	if (len)
		wgx_timers_data_sent(&p->timers, now);
	if (rekey)
		*rekey = wgx_timers_should_rekey_on_send(&p->timers, kp->i_am_the_initiator,
							 kp->birthdate, counter + 1, now);
	return true;
}

static enum rx receive_handshake(struct side *s, const struct pkt *in, struct pkt *out,
				 const uint8_t *src_addr, enum wgx_cookie_mac_state *mac_out)
{
	struct wgx_keypair_drops drops = { 0 };
	enum wgx_cookie_mac_state mac;
	enum wgx_noise_error err;
	struct wgx_index_entry e;
	struct wgx_handshake *hs;
	struct wgx_keypair *kp;
	struct wgx_peer *p;
	uint32_t sender, receiver;

	if (in->buf[0] == WGX_MSG_HANDSHAKE_COOKIE) {
		const struct wgx_msg_cookie *c = (const void *)in->buf;

		if (wgx_index_lookup(&s->index, le32toh(c->receiver_index),
				     WGX_INDEX_HANDSHAKE | WGX_INDEX_KEYPAIR, &e) ||
		    wgx_cookie_consume_reply(&e.peer->cookie, c, now))
			return RX_HS_REJECTED;
		return RX_COOKIE_CONSUMED;
	}
	mac = wgx_cookie_validate(&s->checker, in->buf, in->len, s->under_load, src_addr, 6, now);
	if (mac_out)
		*mac_out = mac;
	if (mac == WGX_COOKIE_INVALID_MAC)
		return RX_BAD_MAC;
	if (s->under_load && mac == WGX_COOKIE_VALID_MAC_BUT_NO_COOKIE) {
		memcpy(&sender, in->buf + offsetof(struct wgx_msg_initiation, sender_index), 4);
		wgx_cookie_create_reply((struct wgx_msg_cookie *)out->buf, &s->checker, in->buf,
					in->len, le32toh(sender), src_addr, 6, now);
		out->len = WGX_MSG_COOKIE_LEN;
		return RX_COOKIE_SENT;
	}
	if (in->buf[0] == WGX_MSG_HANDSHAKE_INITIATION) {
		hs = wgx_noise_consume_initiation((const void *)in->buf, s->id, lookup_static, s,
						  now, &err);
		p = hs ? peer_of_hs(s, hs) : NULL;
		if (!p || new_hs_index(p))
			return RX_HS_REJECTED;
		wgx_timers_any_authenticated_packet_received(&p->timers, now);
		wgx_timers_any_authenticated_packet_traversal(&p->timers, now);
		if (wgx_noise_create_response((struct wgx_msg_response *)out->buf, hs, s->id))
			return RX_HS_REJECTED;
		wgx_cookie_add_macs(&p->cookie, out->buf, WGX_MSG_RESPONSE_LEN, now);
		kp = wgx_noise_begin_session(hs, &p->kps, now, &drops, &err);
		release(p, &drops);
		if (!kp)
			return RX_HS_REJECTED;
		hs_index_to_keypair(p, kp);
		wgx_timers_session_derived(&p->timers, now);
		wgx_timers_any_authenticated_packet_sent(&p->timers, now);
		wgx_timers_handshake_response_sent(&p->timers, now);
		out->len = WGX_MSG_RESPONSE_LEN;
		return RX_RESPONSE_SENT;
	}
	memcpy(&receiver, in->buf + offsetof(struct wgx_msg_response, receiver_index), 4);
	if (wgx_index_lookup(&s->index, le32toh(receiver), WGX_INDEX_HANDSHAKE, &e) ||
	    wgx_noise_consume_response((const void *)in->buf, e.ptr, s->id))
		return RX_HS_REJECTED;
	p = e.peer;
	kp = wgx_noise_begin_session(p->hs, &p->kps, now, &drops, &err);
	release(p, &drops);
	if (!kp)
		return RX_HS_REJECTED;
	hs_index_to_keypair(p, kp);
	wgx_timers_session_derived(&p->timers, now);
	wgx_timers_handshake_complete(&p->timers, now);
	wgx_timers_any_authenticated_packet_received(&p->timers, now);
	return RX_SESSION;
}

/* receive.c's receive_data, delivering into *out instead of a TUN. */
static enum rx receive_data(struct side *s, struct pkt *in, struct pkt *out)
{
	const struct wgx_msg_data *hdr = (const void *)in->buf;
	struct wgx_keypair_drops drops = { 0 };
	const uint8_t *inner = in->buf + WGX_MSG_DATA_HEADER_LEN;
	size_t plain_len, inner_len;
	struct wgx_index_entry e;
	struct wgx_keypair *kp;
	struct wgx_peer *p;
	uint64_t counter;
	int family = 0;

	if (wgx_index_lookup(&s->index, le32toh(hdr->key_idx), WGX_INDEX_KEYPAIR, &e))
		return RX_UNKNOWN_INDEX;
	kp = e.ptr;
	p = e.peer;
	if (!atomic_load(&kp->receiving_valid))
		return RX_INVALID_KEYPAIR;
	if (wgx_timers_keypair_expired(&p->timers, kp->birthdate, kp->replay.counter, now)) {
		atomic_store(&kp->receiving_valid, false);
		return RX_EXPIRED;
	}
	if (wgx_data_open(kp, in->buf, in->len, &counter, &plain_len))
		return RX_DECRYPT_FAILED;
	if (!wgx_replay_check(&kp->replay, counter))
		return RX_REPLAY;
	if (wgx_noise_received_with_keypair(&p->kps, kp, &drops)) {
		release(p, &drops);
		wgx_timers_handshake_complete(&p->timers, now);
	}
	wgx_timers_any_authenticated_packet_received(&p->timers, now);
	wgx_timers_any_authenticated_packet_traversal(&p->timers, now);
	if (!plain_len)
		return RX_KEEPALIVE;
	inner_len = wgx_data_inner_len(inner, plain_len, &family);
	if (!inner_len)
		return RX_MALFORMED;
	if (wgx_allowedips_lookup(&s->aips, family, family == AF_INET ? inner + 12 : inner + 8) != p)
		return RX_SRC_NOT_ALLOWED;
	wgx_timers_data_received(&p->timers, now);
	memcpy(out->buf, inner, inner_len);
	out->len = inner_len;
	return RX_DELIVERED;
}

/* The wire: deliver a copy of @in to @to as if it came from @from's address. */
static enum rx wire(struct side *from, struct side *to, const struct pkt *in, struct pkt *out)
{
	struct pkt copy = *in;

	out->len = 0;
	if (copy.buf[0] == WGX_MSG_DATA)
		return receive_data(to, &copy, out);
	return receive_handshake(to, &copy, out, from->addr, NULL);
}

static bool rx_is(enum rx got, enum rx want, const char *what)
{
	bool same = got == want;

	ok(same, "%s", what);
	if (!same)
		diag("  got \"%s\", want \"%s\"", rx_names[got], rx_names[want]);
	return same;
}

/* ---- inner packets ---- */

static uint16_t csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* IPv4/UDP packet src -> dst (last octet of 100.64.0.x) with @plen payload bytes. */
static size_t ipv4_packet(uint8_t *b, uint8_t src, uint8_t dst, size_t plen)
{
	size_t tot = 20 + 8 + plen;
	uint16_t c;

	memset(b, 0, 28);
	b[0] = 0x45;
	b[2] = tot >> 8, b[3] = tot & 0xff;
	b[8] = 64, b[9] = 17;
	b[12] = 100, b[13] = 64, b[14] = 0, b[15] = src;
	b[16] = 100, b[17] = 64, b[18] = 0, b[19] = dst;
	c = csum(b, 20);
	b[10] = c >> 8, b[11] = c & 0xff;
	b[20] = 0x30, b[21] = 0x39, b[22] = 0x13, b[23] = 0x89; /* 12345 -> 5001 */
	b[24] = (8 + plen) >> 8, b[25] = (8 + plen) & 0xff;
	randombytes_buf(b + 28, plen);
	return tot;
}

/* IPv6/UDP packet fd00::src -> fd00::dst. */
static size_t ipv6_packet(uint8_t *b, uint8_t src, uint8_t dst, size_t plen)
{
	memset(b, 0, 48);
	b[0] = 0x60;
	b[4] = (8 + plen) >> 8, b[5] = (8 + plen) & 0xff;
	b[6] = 17, b[7] = 64;
	b[8] = 0xfd, b[23] = src;
	b[24] = 0xfd, b[39] = dst;
	b[40] = 0x30, b[41] = 0x39, b[42] = 0x13, b[43] = 0x89;
	b[44] = (8 + plen) >> 8, b[45] = (8 + plen) & 0xff;
	randombytes_buf(b + 48, plen);
	return 48 + plen;
}

/* ---- setup ---- */

static void add_aip(struct side *s, struct wgx_peer *p, int family, uint8_t last, uint8_t cidr)
{
	uint8_t a[16] = { 0 };

	if (family == AF_INET) {
		a[0] = 100, a[1] = 64, a[3] = last;
	} else {
		a[0] = 0xfd, a[15] = last;
	}
	wgx_allowedips_insert(&s->aips, family, a, cidr, p);
}

static int side_init(struct side *s)
{
	uint8_t priv[WGX_KEY_LEN];

	s->id = wgx_secret_alloc(sizeof(*s->id));
	if (!s->id || wgx_index_table_init(&s->index) || wgx_pubkey_table_init(&s->pubkeys))
		return -ENOMEM;
	wgx_x25519_generate(priv);
	wgx_noise_set_private_key(s->id, priv);
	sodium_memzero(priv, sizeof(priv));
	wgx_cookie_checker_init(&s->checker, s->id->static_public, now);
	wgx_allowedips_init(&s->aips);
	return 0;
}

/* @s gets a peer for @other: keys, tables, allowed IPs 100.64.0.N/32, fd00::N/128. */
static int peer_add(struct side *s, struct side *other, uint8_t other_n, const uint8_t *psk)
{
	struct wgx_peer *p = calloc(1, sizeof(*p));

	if (!p || !(p->hs = wgx_secret_alloc(sizeof(*p->hs))))
		return -ENOMEM;
	p->dev = s;
	wgx_noise_handshake_init(p->hs, s->id, other->id->static_public, psk);
	wgx_cookie_init(&p->cookie, other->id->static_public);
	wgx_timers_init(&p->timers, 1, other_n);
	if (wgx_pubkey_add(&s->pubkeys, other->id->static_public, p))
		return -EEXIST;
	add_aip(s, p, AF_INET, other_n, 32);
	add_aip(s, p, AF_INET6, other_n, 128);
	s->peer = p;
	return 0;
}

static void peer_remove(struct side *s)
{
	struct wgx_peer *p = s->peer;
	struct wgx_keypair_drops d = { 0 };

	if (!p)
		return;
	wgx_timers_stop(&p->timers);
	wgx_noise_keypairs_clear(&p->kps, &d);
	release(p, &d);
	if (p->hs_index)
		wgx_index_remove(&s->index, p->hs_index);
	wgx_noise_handshake_clear(p->hs);
	wgx_pubkey_remove(&s->pubkeys, p->hs->remote_static);
	wgx_allowedips_remove_by_peer(&s->aips, p);
	wgx_secret_free(p->hs, sizeof(*p->hs));
	free(p);
	s->peer = NULL;
}

static void side_free(struct side *s)
{
	peer_remove(s);
	wgx_allowedips_free(&s->aips);
	wgx_index_table_free(&s->index);
	wgx_pubkey_table_free(&s->pubkeys);
	wgx_secret_free(s->id, sizeof(*s->id));
	sodium_memzero(&s->checker, sizeof(s->checker));
}

static size_t live_secrets(void)
{
	struct wgx_secret_stats st;

	wgx_secret_stats(&st);
	return st.allocations;
}

static bool index_is(struct side *s, uint32_t index, unsigned int type, const void *ptr)
{
	struct wgx_index_entry e;

	return !wgx_index_lookup(&s->index, index, type, &e) && e.ptr == ptr;
}

static bool index_gone(struct side *s, uint32_t index)
{
	struct wgx_index_entry e;

	return wgx_index_lookup(&s->index, index, WGX_INDEX_HANDSHAKE | WGX_INDEX_KEYPAIR, &e) ==
	       -ENOENT;
}

/* Full handshake I -> R over the wire; true when both ends hold the new keypair. */
static bool handshake(struct side *i, struct side *r)
{
	struct pkt init, resp, none;

	send_initiation(i, &init);
	return init.len && wire(i, r, &init, &resp) == RX_RESPONSE_SENT &&
	       wire(r, i, &resp, &none) == RX_SESSION;
}

/* ---- the scenarios ---- */

static void test_handshake(void)
{
	struct pkt init, resp, data, got, none;
	struct wgx_keypair *ka, *kb;
	uint8_t inner[64];
	size_t n;

	send_initiation(&A, &init);
	ok(init.len == WGX_MSG_INITIATION_LEN && init.buf[0] == WGX_MSG_HANDSHAKE_INITIATION &&
	   index_is(&A, A.peer->hs_index, WGX_INDEX_HANDSHAKE, A.peer->hs),
	   "A's initiation is 148 bytes and its sender index names A's handshake");
	rx_is(wire(&A, &B, &init, &resp), RX_RESPONSE_SENT, "B accepts the initiation and responds");
	kb = B.peer->kps.next;
	ok(resp.len == WGX_MSG_RESPONSE_LEN && kb && !B.peer->kps.current &&
	   index_is(&B, kb->local_index, WGX_INDEX_KEYPAIR, kb) && B.peer->hs_index == 0,
	   "B's new keypair waits in next; its index moved from the handshake to the keypair");
	ok(!send_data(&B, "x", 1, &data, NULL), "B cannot send before the session is confirmed");
	rx_is(wire(&B, &A, &resp, &none), RX_SESSION, "A consumes the response");
	ka = A.peer->kps.current;
	ok(ka && ka->i_am_the_initiator && ka->remote_index == kb->local_index &&
	   kb->remote_index == ka->local_index &&
	   index_is(&A, ka->local_index, WGX_INDEX_KEYPAIR, ka) && A.peer->hs_index == 0,
	   "A's keypair is current at once and the indices match crosswise");
	ok(A.peer->timers.at[WGX_TIMER_RETRANSMIT_HANDSHAKE] == 0,
	   "A's handshake retransmission disarmed by the response");

	n = ipv4_packet(inner, 1, 2, 20);
	ok(send_data(&A, inner, n, &data, NULL) && data.len == wgx_msg_data_len(48),
	   "A seals a 48-byte IPv4 packet, no padding needed");
	rx_is(wire(&A, &B, &data, &got), RX_DELIVERED, "B decrypts A's first data message");
	ok(B.peer->kps.current == kb && !B.peer->kps.next && !B.peer->kps.previous,
	   "the first data message confirms B's next keypair (next -> current)");
	ok(B.peer->timers.at[WGX_TIMER_SEND_KEEPALIVE] != 0,
	   "B's keepalive timer armed by received data");
	tap_memeq(got.buf, inner, n, "B delivers A's IPv4 packet byte for byte");
}

static void test_data_both_ways(void)
{
	struct pkt data, got;
	uint8_t inner[MTU];
	size_t n;
	bool all = true;

	for (size_t len = 0; len <= MTU - 48; len += 101) {
		n = ipv6_packet(inner, 1, 2, len);
		all &= send_data(&A, inner, n, &data, NULL) && wire(&A, &B, &data, &got) == RX_DELIVERED &&
		       got.len == n && !memcmp(got.buf, inner, n);
		n = ipv6_packet(inner, 2, 1, len);
		all &= send_data(&B, inner, n, &data, NULL) && wire(&B, &A, &data, &got) == RX_DELIVERED &&
		       got.len == n && !memcmp(got.buf, inner, n);
	}
	ok(all, "IPv6 packets of 48..1420 bytes both ways, delivered intact (padding stripped)");
	n = ipv4_packet(inner, 2, 1, 1000);
	ok(send_data(&B, inner, n, &data, NULL) && wire(&B, &A, &data, &got) == RX_DELIVERED &&
	   got.len == n && !memcmp(got.buf, inner, n), "IPv4 packet B -> A delivered intact");
	ok(send_data(&A, NULL, 0, &data, NULL) && data.len == WGX_MSG_DATA_MIN_LEN &&
	   wire(&A, &B, &data, &got) == RX_KEEPALIVE, "keepalive (empty data message) A -> B");

	n = ipv4_packet(inner, 99, 2, 10);
	send_data(&A, inner, n, &data, NULL);
	rx_is(wire(&A, &B, &data, &got), RX_SRC_NOT_ALLOWED,
	      "IPv4 source 100.64.0.99 (nobody's) from A rejected");
	n = ipv4_packet(inner, 3, 2, 10);
	send_data(&A, inner, n, &data, NULL);
	rx_is(wire(&A, &B, &data, &got), RX_SRC_NOT_ALLOWED,
	      "IPv4 source 100.64.0.3 (another peer's) from A rejected");
	n = ipv6_packet(inner, 3, 2, 10);
	send_data(&A, inner, n, &data, NULL);
	rx_is(wire(&A, &B, &data, &got), RX_SRC_NOT_ALLOWED,
	      "IPv6 source fd00::3 (another peer's) from A rejected");
	n = ipv6_packet(inner, 1, 3, 10);
	send_data(&A, inner, n, &data, NULL);
	rx_is(wire(&A, &B, &data, &got), RX_DELIVERED,
	      "destination is not checked on receive: A's own source passes");

	memset(inner, 0x45, 40);
	send_data(&A, inner, 40, &data, NULL);
	rx_is(wire(&A, &B, &data, &got), RX_MALFORMED, "garbage inner packet rejected");
	send_data(&A, NULL, 0, &data, NULL);
	data.buf[data.len - 1] ^= 1;
	rx_is(wire(&A, &B, &data, &got), RX_DECRYPT_FAILED, "flipped tag bit fails to authenticate");
}

static void test_replay(void)
{
	struct pkt p[4], got;
	uint8_t inner[64];
	size_t n = ipv4_packet(inner, 1, 2, 8);
	bool sent = true;

	for (int i = 0; i < 4; i++)
		sent &= send_data(&A, inner, n, &p[i], NULL);
	ok(sent, "A seals four packets");
	rx_is(wire(&A, &B, &p[0], &got), RX_DELIVERED, "packet 0 delivered");
	rx_is(wire(&A, &B, &p[0], &got), RX_REPLAY, "packet 0 replayed: rejected");
	rx_is(wire(&A, &B, &p[3], &got), RX_DELIVERED, "packet 3 before 1 and 2: delivered");
	rx_is(wire(&A, &B, &p[1], &got), RX_DELIVERED, "packet 1 late, inside the window: delivered");
	rx_is(wire(&A, &B, &p[2], &got), RX_DELIVERED, "packet 2 late, inside the window: delivered");
	rx_is(wire(&A, &B, &p[1], &got), RX_REPLAY, "packet 1 a second time: rejected");
	rx_is(wire(&A, &B, &p[3], &got), RX_REPLAY, "packet 3 a second time: rejected");
}

static void test_rekey(void)
{
	struct wgx_keypair *ka1 = A.peer->kps.current, *kb1 = B.peer->kps.current, *ka2, *kb2;
	uint32_t ia1 = ka1->local_index, ib1 = kb1->local_index;
	struct pkt data, inflight_ab, inflight_ba, init, resp, got, none;
	uint8_t inner[64];
	size_t n = ipv4_packet(inner, 1, 2, 8);
	size_t before;
	bool rekey = true;

	now += (WGX_REKEY_AFTER_TIME - 1) * SEC;
	send_data(&A, inner, n, &data, &rekey);
	ok(!rekey, "keypair 119 s old: no rekey on send");
	wire(&A, &B, &data, &got);
	now += 2 * SEC;
	send_data(&A, inner, n, &data, &rekey);
	ok(rekey, "keypair 121 s old: initiator's should_rekey_on_send fires");
	ok(!wgx_timers_should_rekey_on_send(&B.peer->timers, false, kb1->birthdate,
					    atomic_load(&kb1->sending_counter), now),
	   "the responder does not rekey on time");
	ok(wgx_timers_request_initiation(&A.peer->timers, now), "A may initiate now");

	/* Packets sealed under the old keypairs, still on the wire during the rekey. */
	ipv4_packet(inner, 1, 2, 8);
	send_data(&A, inner, n, &inflight_ab, NULL);
	ipv4_packet(inner, 2, 1, 8);
	send_data(&B, inner, n, &inflight_ba, NULL);

	send_initiation(&A, &init);
	rx_is(wire(&A, &B, &init, &resp), RX_RESPONSE_SENT, "rekey: B answers the second initiation");
	kb2 = B.peer->kps.next;
	ok(kb2 && kb2 != kb1 && B.peer->kps.current == kb1,
	   "rekey: B's new keypair in next, the old one still current");
	rx_is(wire(&B, &A, &resp, &none), RX_SESSION, "rekey: A consumes the second response");
	ka2 = A.peer->kps.current;
	ok(ka2 != ka1 && A.peer->kps.previous == ka1 && ka2->birthdate == now,
	   "rekey: A's new keypair current, the old one previous");
	ok(memcmp(ka2->sending_key, ka1->sending_key, WGX_KEY_LEN) &&
	   !memcmp(ka2->sending_key, kb2->receiving_key, WGX_KEY_LEN),
	   "rekey: new session keys, matching crosswise");
	rx_is(wire(&B, &A, &inflight_ba, &got), RX_DELIVERED,
	      "rekey: B's in-flight packet under the old keypair decrypts at A (previous slot)");

	ipv4_packet(inner, 1, 2, 8);
	send_data(&A, inner, n, &data, NULL);
	ok(le32toh(((struct wgx_msg_data *)data.buf)->key_idx) == kb2->local_index,
	   "rekey: A now sends under the new keypair");
	rx_is(wire(&A, &B, &data, &got), RX_DELIVERED, "rekey: B receives under the new keypair");
	ok(B.peer->kps.current == kb2 && B.peer->kps.previous == kb1 && !B.peer->kps.next,
	   "rekey: confirmed at B (next -> current -> previous)");
	rx_is(wire(&A, &B, &inflight_ab, &got), RX_DELIVERED,
	      "rekey: A's in-flight packet under the old keypair decrypts at B (previous slot)");
	ok(index_is(&A, ia1, WGX_INDEX_KEYPAIR, ka1) && index_is(&B, ib1, WGX_INDEX_KEYPAIR, kb1),
	   "rekey: the previous keypairs keep their indices");

	before = live_secrets();
	now += SEC;
	ok(handshake(&A, &B), "third handshake completes");
	send_data(&A, NULL, 0, &data, NULL);
	rx_is(wire(&A, &B, &data, &got), RX_KEEPALIVE, "third session confirmed at B by a keepalive");
	ok(A.peer->kps.previous == ka2 && B.peer->kps.previous == kb2,
	   "third session: second keypairs are now previous");
	ok(index_gone(&A, ia1) && index_gone(&B, ib1),
	   "dropped first keypairs' indices released from both index tables");
	ok(live_secrets() == before, "two keypairs dropped, two created: no keypair leaked");
	rx_is(wire(&B, &A, &inflight_ba, &got), RX_UNKNOWN_INDEX,
	      "a packet under the dropped keypair now meets an unknown index");
}

static void test_cookie(void)
{
	struct pkt init, cookie, resp, none, data, got;
	enum wgx_cookie_mac_state mac;
	struct side spoof = { .addr = { 198, 18, 0, 66, PORT >> 8, PORT & 0xff } };
	struct pkt copy;

	now += SEC;
	B.under_load = true;
	send_initiation(&A, &init);
	copy = init;
	rx_is(receive_handshake(&B, &copy, &cookie, A.addr, &mac), RX_COOKIE_SENT,
	      "under load: initiation without mac2 answered by a cookie reply");
	ok(mac == WGX_COOKIE_VALID_MAC_BUT_NO_COOKIE, "  ... validated VALID_MAC_BUT_NO_COOKIE");
	ok(cookie.len == WGX_MSG_COOKIE_LEN && cookie.buf[0] == WGX_MSG_HANDSHAKE_COOKIE &&
	   le32toh(((struct wgx_msg_cookie *)cookie.buf)->receiver_index) == A.peer->hs_index,
	   "cookie reply is 64 bytes addressed to A's handshake index");
	ok(!B.peer->kps.next || B.peer->kps.next->birthdate < now,
	   "no session derived for the cookie'd initiation");
	rx_is(wire(&B, &A, &cookie, &none), RX_COOKIE_CONSUMED, "A's cookie maker consumes the reply");
	rx_is(wire(&B, &A, &cookie, &none), RX_HS_REJECTED,
	      "the same cookie reply a second time is refused (one reply per mac1 sent)");

	now += 20 * MS;
	send_initiation(&A, &init);
	ok(!sodium_is_zero(((struct wgx_msg_initiation *)init.buf)->macs.mac2, WGX_MAC_LEN),
	   "A's next initiation carries mac2");
	copy = init;
	rx_is(receive_handshake(&B, &copy, &resp, spoof.addr, &mac), RX_COOKIE_SENT,
	      "the cookie does not cover another source address");
	copy = init;
	rx_is(receive_handshake(&B, &copy, &resp, A.addr, &mac), RX_RESPONSE_SENT,
	      "resent initiation from A's address is answered with a response");
	ok(mac == WGX_COOKIE_VALID_MAC_WITH_COOKIE, "  ... validated VALID_MAC_WITH_COOKIE");
	rx_is(wire(&B, &A, &resp, &none), RX_SESSION, "A completes the handshake made under load");
	send_data(&A, NULL, 0, &data, NULL);
	rx_is(wire(&A, &B, &data, &got), RX_KEEPALIVE, "session confirmed at B");
	B.under_load = false;
}

static void test_expiry(void)
{
	struct wgx_keypair *ka = A.peer->kps.current, *kb = B.peer->kps.current;
	struct wgx_timers *t = &A.peer->timers;
	struct pkt data, got;
	uint64_t birth = ka->birthdate;
	unsigned int actions = 0;

	ok(kb && ka->birthdate == kb->birthdate, "both sides' current keypairs born together");
	now = birth + (WGX_REJECT_AFTER_TIME * SEC) - 1;
	ok(!wgx_timers_keypair_expired(t, birth, atomic_load(&ka->sending_counter), now),
	   "keypair 1 ns short of REJECT_AFTER_TIME: not expired");
	ok(send_data(&B, NULL, 0, &data, NULL), "B can still send just before expiry");
	now = birth + WGX_REJECT_AFTER_TIME * SEC;
	ok(wgx_timers_keypair_expired(t, birth, atomic_load(&ka->sending_counter), now),
	   "keypair REJECT_AFTER_TIME old: wgx_timers_keypair_expired");
	rx_is(wire(&B, &A, &data, &got), RX_EXPIRED, "A refuses data under the expired keypair");
	rx_is(wire(&B, &A, &data, &got), RX_INVALID_KEYPAIR,
	      "  ... and marked it invalid for receiving");
	ok(!send_data(&A, "x", 1, &data, NULL), "A cannot send under the expired keypair");
	ok(wgx_timers_keypair_expired(t, birth, WGX_REJECT_AFTER_MESSAGES, birth),
	   "a counter at REJECT_AFTER_MESSAGES expires a newborn keypair");
	for (uint64_t at; (at = wgx_timers_next_deadline(t)) &&
			  at <= birth + 3 * WGX_REJECT_AFTER_TIME * SEC;)
		actions |= wgx_timers_expire(t, at);
	ok(actions & WGX_TA_ZERO_KEYS, "3 * REJECT_AFTER_TIME after the last session: zero keys");
}

static void test_removal(void)
{
	struct wgx_peer *p;
	uint32_t idx[3] = { 0 }, hs_idx;
	unsigned int nkp = 0;
	bool gone = true;
	size_t before = live_secrets();
	uint8_t a4[4] = { 100, 64, 0, 2 }, a6[16] = { 0xfd, [15] = 2 };
	struct pkt init, resp, data, got;

	now += SEC;
	ok(handshake(&A, &B), "one more handshake before the removal");
	send_initiation(&A, &init); /* leaves a handshake index at A too */
	p = A.peer;
	if (p->kps.previous)
		idx[nkp++] = p->kps.previous->local_index;
	if (p->kps.current)
		idx[nkp++] = p->kps.current->local_index;
	if (p->kps.next)
		idx[nkp++] = p->kps.next->local_index;
	hs_idx = p->hs_index;
	ok(nkp >= 1 && hs_idx, "A holds %u keypair(s) and a pending handshake", nkp);
	send_data(&B, NULL, 0, &data, NULL);

	peer_remove(&A);
	ok(live_secrets() == before - nkp - 1,
	   "removal frees (zeroed, locked memory) every keypair and the handshake");
	ok(!A.peer, "A has no peer left");
	for (unsigned int i = 0; i < nkp; i++)
		gone &= index_gone(&A, idx[i]);
	ok(gone && index_gone(&A, hs_idx),
	   "removed peer's keypair and handshake indices are gone from the index table");
	ok(wgx_pubkey_lookup(&A.pubkeys, B.id->static_public) == NULL,
	   "removed peer's public key is gone from the pubkey table");
	ok(!wgx_allowedips_lookup(&A.aips, AF_INET, a4) && !wgx_allowedips_lookup(&A.aips, AF_INET6, a6),
	   "removed peer's allowed IPs are gone");
	rx_is(wire(&B, &A, &data, &got), RX_UNKNOWN_INDEX, "B's data after removal: unknown index");
	send_initiation(&B, &init);
	rx_is(wire(&B, &A, &init, &resp), RX_HS_REJECTED,
	      "B's initiation after removal: unknown peer, rejected");
}

int main(void)
{
	uint8_t g4[4] = { 100, 64, 0, 3 }, g6[16] = { 0xfd, [15] = 3 };

	if (!ok(!wgx_crypto_init(), "crypto init"))
		return tap_done();
	if (!ok(!side_init(&A) && !side_init(&B) && !peer_add(&A, &B, 2, NULL) &&
		!peer_add(&B, &A, 1, NULL), "two sides, each with the other as its peer"))
		return tap_done();
	B.wall_offset = 3 * SEC; /* clocks need not agree */
	wgx_allowedips_insert(&B.aips, AF_INET, g4, 32, &ghost);
	wgx_allowedips_insert(&B.aips, AF_INET6, g6, 128, &ghost);

	test_handshake();
	test_data_both_ways();
	test_replay();
	test_rekey();
	test_cookie();
	test_expiry();
	test_removal();

	side_free(&A);
	side_free(&B);
	ok(live_secrets() == 0, "every secret allocation given back");
	return tap_done();
}
