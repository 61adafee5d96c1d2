// SPDX-License-Identifier: MIT
/*
 * Two real devices (core/device.c and everything under it) joined by the
 * in-memory plane (plane/memory), with a fake clock: every message crosses
 * the wire as the exact bytes a real peer would put in a UDP datagram, and
 * the code under test is the daemon's own receive, send, peer, timer and
 * table code — nothing of it is re-implemented here.
 *
 *   A 198.18.0.1:51820  <--- memory wire --->  B 198.18.0.2:51820
 *   100.64.0.1, fd00::1                        100.64.0.2, fd00::2
 *
 * Covered: the handshake with a staged packet, confirmation of the
 * responder's keypair by the first data message, IPv4/IPv6 inner packets
 * both ways in batches, the allowed-IPs source check and routing misses,
 * replay and reordering, rekey after REKEY_AFTER_TIME, keepalives, roaming,
 * the cookie path under load, keypair expiry and zeroing, and removal of a
 * peer without a leaked key.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <string.h>

#include <sodium.h>

#include "core/crypto.h"
#include "core/device.h"
#include "core/peer.h"
#include "core/secret.h"
#include "core/uapi_set.h"
#include "plane/memory/memory_plane.h"
#include "tap.h"

#define SEC WGX_NS_PER_SEC
#define MTU WGX_DEFAULT_MTU
#define PORT 51820

struct side {
	const char *name;
	uint8_t n;			/* 198.18.0.n, 100.64.0.n, fd00::n */
	uint8_t priv[WGX_KEY_LEN], pub[WGX_KEY_LEN];
	struct wgx_device *dev;
	struct wgx_memory_plane *plane;
};

static struct wgx_memory_wire wire;
static struct side A = { .name = "A", .n = 1 }, B = { .name = "B", .n = 2 };
static uint64_t now = 1000 * SEC;

static union wgx_sockaddr underlay(uint8_t n)
{
	union wgx_sockaddr a = { .in4 = { .sin_family = AF_INET, .sin_port = htons(PORT) } };

	a.in4.sin_addr.s_addr = htonl(0xc6120000u | n); /* 198.18.0.n */
	return a;
}

/* ---- inner packets ---- */

/* IPv4/UDP packet 100.64.0.src -> 100.64.0.dst with @plen payload bytes. */
static size_t ipv4_packet(uint8_t *b, uint8_t src, uint8_t dst, size_t plen)
{
	size_t tot = 20 + 8 + plen;

	memset(b, 0, 28);
	b[0] = 0x45;
	b[2] = tot >> 8, b[3] = tot & 0xff;
	b[8] = 64, b[9] = 17;
	b[12] = 100, b[13] = 64, b[15] = src;
	b[16] = 100, b[17] = 64, b[19] = dst;
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
	b[44] = (8 + plen) >> 8, b[45] = (8 + plen) & 0xff;
	randombytes_buf(b + 48, plen);
	return 48 + plen;
}

/* ---- set-up through the UAPI change set, as `wg set` would ---- */

static void add_cidrs(struct wgx_uapi_set *set, struct wgx_uapi_peer_change *pc, uint8_t n)
{
	struct wgx_uapi_cidr v4 = { .family = AF_INET, .addr = { 100, 64, 0, n }, .cidr = 32 };
	struct wgx_uapi_cidr v6 = { .family = AF_INET6, .addr = { 0xfd }, .cidr = 128 };

	v6.addr[15] = n;
	wgx_uapi_peer_add_cidr(set, pc, &v4);
	wgx_uapi_peer_add_cidr(set, pc, &v6);
}

/* @s gets its key, port and @peer (with @peer's endpoint when @endpoint). */
static int configure(struct side *s, const struct side *peer, bool endpoint)
{
	struct wgx_uapi_set set = { .has_private_key = true, .has_listen_port = true,
				    .listen_port = PORT };
	struct wgx_uapi_peer_change *pc;
	union wgx_sockaddr ep = underlay(peer->n);
	int ret;

	memcpy(set.private_key, s->priv, WGX_KEY_LEN);
	ret = wgx_uapi_set_add_peer(&set, peer->pub, &pc);
	if (!ret) {
		pc->has_endpoint = endpoint;
		memcpy(&pc->endpoint, &ep.in4, sizeof(ep.in4));
		add_cidrs(&set, pc, peer->n);
		ret = wgx_device_apply(s->dev, &set, now);
	}
	wgx_uapi_set_free(&set);
	return ret;
}

static int side_up(struct side *s)
{
	union wgx_sockaddr addr = underlay(s->n);
	char name[16];

	wgx_x25519_generate(s->priv);
	wgx_x25519_public(s->pub, s->priv);
	snprintf(name, sizeof(name), "wgmem%s", s->name);
	s->dev = wgx_device_create(name, MTU, 1);
	if (!s->dev)
		return -1;
	s->plane = wgx_memory_plane_create(s->dev, &wire, &addr);
	return s->plane ? 0 : -1;
}

static void side_down(struct side *s)
{
	wgx_memory_plane_destroy(s->plane);
	wgx_device_destroy(s->dev);
	s->dev = NULL;
	s->plane = NULL;
}

static size_t live_secrets(void)
{
	struct wgx_secret_stats st;

	wgx_secret_stats(&st);
	return st.allocations;
}

static uint64_t stat(const struct side *s, enum wgx_reason r)
{
	return s->dev->stats[r];
}

/* Pump both queues until the wire is quiet; returns datagrams carried. */
static unsigned int settle(void)
{
	unsigned int total = 0, n;

	do {
		n = wgx_memory_plane_pump(A.plane, now) + wgx_memory_plane_pump(B.plane, now);
		total += n;
	} while (n);
	return total;
}

/*
 * @t passes in steps of at most 100 ms, as on a quiet LAN: both sides' due
 * timers run at each step, and what they send arrives at once, unless
 * @hold (then it waits in the queues for the test).
 */
static void advance_held(uint64_t t, bool hold)
{
	while (t) {
		uint64_t step = t < SEC / 10 ? t : SEC / 10;

		now += step;
		t -= step;
		wgx_device_expire_timers(A.dev, now);
		wgx_device_expire_timers(B.dev, now);
		if (!hold)
			settle();
	}
}

static void advance(uint64_t t)
{
	advance_held(t, false);
}

static bool delivered_is(const struct side *s, unsigned int i, const void *pkt, size_t len)
{
	return i < s->plane->n_delivered && s->plane->delivered[i].len == len &&
	       !memcmp(s->plane->delivered[i].data, pkt, len);
}

static uint8_t first_type(const struct side *s)
{
	return s->plane->len ? s->plane->queue[s->plane->head].buf[0] : 0;
}

static size_t first_len(const struct side *s)
{
	return s->plane->len ? s->plane->queue[s->plane->head].len : 0;
}

/* ---- the protocol ---- */

static void test_handshake(void)
{
	uint8_t pkt[128];
	size_t n = ipv4_packet(pkt, 1, 2, 40);
	struct wgx_keypair *kb;

	wgx_memory_plane_inject(A.plane, pkt, n, now);
	ok(A.dev->peers->staged_len == 1 && B.plane->len == 1 &&
		   first_type(&B) == WGX_MSG_HANDSHAKE_INITIATION &&
		   first_len(&B) == WGX_MSG_INITIATION_LEN,
	   "A stages its first packet and sends one initiation (148 bytes)");
	wgx_memory_plane_pump(B.plane, now);
	kb = B.dev->peers->keypairs.next;
	ok(A.plane->len == 1 && first_type(&A) == WGX_MSG_HANDSHAKE_RESPONSE &&
		   first_len(&A) == WGX_MSG_RESPONSE_LEN && kb && !B.dev->peers->keypairs.current,
	   "B answers with a response (92 bytes); its keypair waits for confirmation");
	wgx_memory_plane_pump(A.plane, now);
	ok(A.dev->peers->keypairs.current && !A.dev->peers->staged_len && B.plane->len == 1 &&
		   first_type(&B) == WGX_MSG_DATA,
	   "A derives the session and sends the staged packet");
	wgx_memory_plane_pump(B.plane, now);
	ok(delivered_is(&B, 0, pkt, n), "B delivers the staged packet intact");
	ok(B.dev->peers->keypairs.current == kb && !B.dev->peers->keypairs.next,
	   "the first data message confirms B's keypair");
	ok(B.dev->peers->last_handshake_wall_ns && A.dev->peers->last_handshake_wall_ns,
	   "both sides record the handshake time");
	ok(B.dev->peers->endpoint.addr.in4.sin_addr.s_addr == htonl(0xc6120001),
	   "B learnt A's endpoint from the authenticated initiation");
	wgx_memory_plane_clear_delivered(B.plane);
}

typedef size_t (*packet_fn)(uint8_t *b, uint8_t src, uint8_t dst, size_t plen);

/* Packets of every size from @from to @to, @step bytes apart: all delivered intact? */
static bool sizes_cross(struct side *from, struct side *to, packet_fn make, size_t header,
			size_t step)
{
	uint8_t pkt[MTU];
	bool all = true;

	for (size_t plen = 0; plen + header <= MTU; plen += step) {
		size_t n = make(pkt, from->n, to->n, plen);

		wgx_memory_plane_inject(from->plane, pkt, n, now);
		wgx_memory_plane_pump(to->plane, now);
		all &= delivered_is(to, to->plane->n_delivered - 1, pkt, n);
	}
	return all;
}

static void test_data_both_ways(void)
{
	bool all;
	uint64_t calls;
	size_t lens[10];
	uint8_t batch[10][200];

	ok(sizes_cross(&B, &A, ipv6_packet, 48, 97),
	   "IPv6 packets of 48..1420 bytes B->A delivered intact (padding stripped)");
	all = sizes_cross(&A, &B, ipv4_packet, 28, 101);
	ok(all, "IPv4 packets of 28..1420 bytes A->B delivered intact");
	wgx_memory_plane_clear_delivered(B.plane);
	calls = B.plane->deliver_calls;
	for (int i = 0; i < 10; i++) {
		lens[i] = ipv4_packet(batch[i], 1, 2, (size_t)i * 10);
		wgx_memory_plane_inject(A.plane, batch[i], lens[i], now);
	}
	wgx_memory_plane_pump(B.plane, now);
	all = B.plane->n_delivered == 10;
	for (int i = 0; i < 10 && all; i++)
		all = delivered_is(&B, (unsigned int)i, batch[i], lens[i]);
	ok(all && B.plane->deliver_calls == calls + 1,
	   "ten datagrams in one receive batch: delivered in order, in one deliver call");
	wgx_memory_plane_clear_delivered(A.plane);
	wgx_memory_plane_clear_delivered(B.plane);
}

static void test_filters(void)
{
	uint8_t pkt[128];
	uint64_t src = stat(&A, WGX_R_DP_SRC_NOT_ALLOWED), route = stat(&A, WGX_R_TUN_NO_ROUTE);
	uint64_t bad = stat(&A, WGX_R_TUN_MALFORMED);

	wgx_memory_plane_inject(B.plane, pkt, ipv4_packet(pkt, 9, 1, 10), now);
	wgx_memory_plane_pump(A.plane, now);
	ok(!A.plane->n_delivered && stat(&A, WGX_R_DP_SRC_NOT_ALLOWED) == src + 1,
	   "a source outside B's allowed IPs is dropped at A (dp_src_not_allowed)");
	wgx_memory_plane_inject(A.plane, pkt, ipv4_packet(pkt, 1, 99, 10), now);
	ok(!B.plane->len && stat(&A, WGX_R_TUN_NO_ROUTE) == route + 1,
	   "a destination in no peer's allowed IPs is dropped (tun_no_route)");
	memset(pkt, 0, 16);
	wgx_memory_plane_inject(A.plane, pkt, 16, now);
	ok(!B.plane->len && stat(&A, WGX_R_TUN_MALFORMED) == bad + 1,
	   "a tunnel packet too short for an IP header is dropped (tun_malformed)");
}

static void test_replay_and_reorder(void)
{
	struct wgx_memory_datagram d[3];
	uint8_t pkt[3][128];
	size_t len[3];
	uint64_t replays = stat(&B, WGX_R_DP_REPLAY);

	for (int i = 0; i < 3; i++) {
		len[i] = ipv4_packet(pkt[i], 1, 2, 20);
		wgx_memory_plane_inject(A.plane, pkt[i], len[i], now);
		wgx_memory_plane_take(B.plane, &d[i]);
	}
	wgx_memory_plane_put(B.plane, &d[2]);
	wgx_memory_plane_put(B.plane, &d[0]);
	wgx_memory_plane_put(B.plane, &d[1]);
	wgx_memory_plane_pump(B.plane, now);
	ok(delivered_is(&B, 0, pkt[2], len[2]) && delivered_is(&B, 1, pkt[0], len[0]) &&
		   delivered_is(&B, 2, pkt[1], len[1]),
	   "three messages arriving 3, 1, 2 are all delivered, in arrival order");
	wgx_memory_plane_put(B.plane, &d[1]);
	wgx_memory_plane_put(B.plane, &d[2]);
	wgx_memory_plane_pump(B.plane, now);
	ok(B.plane->n_delivered == 3 && stat(&B, WGX_R_DP_REPLAY) == replays + 2,
	   "the same two messages again: dropped as replays (dp_replay +2)");
	d[0].buf[40] ^= 1;
	wgx_memory_plane_put(B.plane, &d[0]);
	replays = stat(&B, WGX_R_DP_DECRYPT_FAILED);
	wgx_memory_plane_pump(B.plane, now);
	ok(B.plane->n_delivered == 3 && stat(&B, WGX_R_DP_DECRYPT_FAILED) == replays + 1,
	   "a flipped ciphertext bit: dp_decrypt_failed, nothing delivered");
	wgx_memory_plane_clear_delivered(B.plane);
}

static void test_keepalive(void)
{
	uint8_t pkt[128];
	uint64_t ka = stat(&A, WGX_R_DP_KEEPALIVE);

	wgx_memory_plane_inject(A.plane, pkt, ipv4_packet(pkt, 1, 2, 20), now);
	wgx_memory_plane_pump(B.plane, now);
	advance_held((WGX_KEEPALIVE_TIMEOUT - 1) * SEC, true);
	ok(!A.plane->len, "B sends nothing for 9 s after receiving data");
	advance_held(2 * SEC, true);
	ok(A.plane->len == 1 && first_len(&A) == WGX_MSG_DATA_MIN_LEN,
	   "after KEEPALIVE_TIMEOUT B sends a keepalive (32 bytes)");
	wgx_memory_plane_pump(A.plane, now);
	ok(stat(&A, WGX_R_DP_KEEPALIVE) == ka + 1 && !A.plane->n_delivered,
	   "A consumes it (dp_keepalive), delivers nothing");
	wgx_memory_plane_clear_delivered(B.plane);
}

static void test_rekey(void)
{
	struct wgx_peer *pa = A.dev->peers, *pb = B.dev->peers;
	struct wgx_keypair *ka1 = pa->keypairs.current, *kb1 = pb->keypairs.current;
	uint32_t old_index = ka1->local_index;
	uint8_t pkt[128];
	size_t n;

	advance(ka1->birthdate + (WGX_REKEY_AFTER_TIME - 2) * SEC - now);
	settle();
	wgx_memory_plane_inject(A.plane, pkt, ipv4_packet(pkt, 1, 2, 20), now);
	ok(B.plane->len == 1, "keypair 118 s old: A sends data, no initiation");
	settle();
	advance(3 * SEC);
	n = ipv4_packet(pkt, 1, 2, 30);
	wgx_memory_plane_inject(A.plane, pkt, n, now);
	ok(B.plane->len == 2 && first_type(&B) == WGX_MSG_HANDSHAKE_INITIATION &&
		   B.plane->queue[(B.plane->head + 1) % WGX_MEMORY_QUEUE].buf[0] == WGX_MSG_DATA,
	   "keypair 121 s old: A's send starts a handshake first (the initiator rekeys)");
	wgx_memory_plane_clear_delivered(B.plane);
	settle();
	ok(delivered_is(&B, 0, pkt, n), "the packet under the old keypair is still delivered");
	ok(pa->keypairs.current != ka1 && pa->keypairs.previous == ka1,
	   "A's new keypair is current, the old one previous");
	n = ipv4_packet(pkt, 1, 2, 31);
	wgx_memory_plane_inject(A.plane, pkt, n, now);
	settle();
	ok(delivered_is(&B, 1, pkt, n) && pb->keypairs.current != kb1 &&
		   pb->keypairs.previous == kb1,
	   "data under the new keypair confirms B's: B rotates too");
	advance(WGX_REKEY_AFTER_TIME * SEC);
	settle();
	wgx_memory_plane_inject(A.plane, pkt, ipv4_packet(pkt, 1, 2, 20), now);
	settle();
	wgx_memory_plane_inject(A.plane, pkt, ipv4_packet(pkt, 1, 2, 20), now);
	settle();
	ok(pa->keypairs.previous != ka1 && wgx_index_lookup(&A.dev->index, old_index,
							     WGX_INDEX_KEYPAIR, &(struct wgx_index_entry){ 0 }),
	   "after a third handshake the first keypair and its index are released");
	wgx_memory_plane_clear_delivered(B.plane);
}

static void test_roaming(void)
{
	union wgx_sockaddr moved = underlay(11);
	uint8_t pkt[128];
	size_t n;

	wgx_memory_plane_move(A.plane, &moved);
	wgx_memory_plane_inject(A.plane, pkt, ipv4_packet(pkt, 1, 2, 20), now);
	wgx_memory_plane_pump(B.plane, now);
	ok(wgx_sockaddr_equal(&B.dev->peers->endpoint.addr, &moved),
	   "A moves to 198.18.0.11: B follows it after one authenticated packet");
	n = ipv6_packet(pkt, 2, 1, 20);
	wgx_memory_plane_clear_delivered(A.plane);
	wgx_memory_plane_inject(B.plane, pkt, n, now);
	wgx_memory_plane_pump(A.plane, now);
	ok(delivered_is(&A, 0, pkt, n) && !B.plane->lost, "B's answer reaches A at its new address");
	wgx_memory_plane_clear_delivered(A.plane);
	wgx_memory_plane_clear_delivered(B.plane);
}

static void test_expiry(void)
{
	uint8_t pkt[128];
	size_t n = ipv4_packet(pkt, 2, 1, 20);

	advance((WGX_REJECT_AFTER_TIME + 1) * SEC);
	settle();
	wgx_memory_plane_inject(B.plane, pkt, n, now);
	ok(B.dev->peers->staged_len == 1 && first_type(&A) == WGX_MSG_HANDSHAKE_INITIATION,
	   "past REJECT_AFTER_TIME B cannot send: stages the packet and initiates");
	settle();
	ok(delivered_is(&A, 0, pkt, n), "after the new handshake the staged packet arrives");
	advance(3 * WGX_REJECT_AFTER_TIME * SEC + SEC);
	ok(!A.dev->peers->keypairs.current && !A.dev->peers->keypairs.previous &&
		   !B.dev->peers->keypairs.current,
	   "3 x REJECT_AFTER_TIME without traffic: every keypair zeroed");
	wgx_memory_plane_clear_delivered(A.plane);
}

/* C initiates to D, which is under load: cookie first, then the handshake. */
static void test_cookie(void)
{
	struct side C = { .name = "C", .n = 3 }, D = { .name = "D", .n = 4 };
	uint8_t pkt[128];
	size_t n;
	uint64_t sent;

	if (side_up(&C) || side_up(&D) || configure(&C, &D, true) || configure(&D, &C, false) ||
	    wgx_device_bind(C.dev) || wgx_device_bind(D.dev)) {
		ok(false, "C and D up");
		return;
	}
	D.dev->force_under_load = true;
	sent = stat(&D, WGX_R_CP_COOKIE_SENT);
	n = ipv4_packet(pkt, 3, 4, 20);
	wgx_memory_plane_inject(C.plane, pkt, n, now);
	wgx_memory_plane_pump(D.plane, now);
	ok(stat(&D, WGX_R_CP_COOKIE_SENT) == sent + 1 && !D.dev->peers->keypairs.next &&
		   C.plane->len == 1 && first_type(&C) == WGX_MSG_HANDSHAKE_COOKIE &&
		   first_len(&C) == WGX_MSG_COOKIE_LEN,
	   "under load D answers an initiation without MAC2 with a cookie reply (64 bytes)");
	wgx_memory_plane_pump(C.plane, now);
	ok(!D.plane->len, "C takes the cookie and sends nothing at once");
	now += (WGX_REKEY_TIMEOUT * 1000 + WGX_REKEY_TIMEOUT_JITTER_MAX_MS + 1) * (SEC / 1000);
	wgx_device_expire_timers(C.dev, now);
	ok(D.plane->len == 1 && first_type(&D) == WGX_MSG_HANDSHAKE_INITIATION &&
		   !sodium_is_zero(D.plane->queue[D.plane->head].buf + WGX_MSG_INITIATION_LEN - 16,
				   16),
	   "after REKEY_TIMEOUT C retransmits the initiation, now with MAC2");
	for (unsigned int i = 0; i < 4 && (C.plane->len || D.plane->len); i++) {
		wgx_memory_plane_pump(D.plane, now);
		wgx_memory_plane_pump(C.plane, now);
	}
	ok(delivered_is(&D, 0, pkt, n) && stat(&D, WGX_R_CP_COOKIE_SENT) == sent + 1,
	   "D accepts it under load: session, and C's staged packet arrives");
	side_down(&C);
	side_down(&D);
}

static void test_removal(void)
{
	struct wgx_uapi_set set = { 0 };
	struct wgx_uapi_peer_change *pc;
	uint8_t pkt[128];
	size_t before;

	wgx_memory_plane_inject(A.plane, pkt, ipv4_packet(pkt, 1, 2, 20), now);
	settle();
	before = live_secrets();
	ok(A.dev->peers->keypairs.current, "A has a session with B");
	wgx_uapi_set_add_peer(&set, B.pub, &pc);
	pc->remove = true;
	ok(!wgx_device_apply(A.dev, &set, now) && !A.dev->peers && !A.dev->n_peers,
	   "remove=true takes B off A");
	wgx_uapi_set_free(&set);
	ok(live_secrets() < before, "its keypairs and handshake are freed (%zu -> %zu secrets)",
	   before, live_secrets());
	wgx_memory_plane_inject(A.plane, pkt, ipv4_packet(pkt, 1, 2, 20), now);
	ok(!B.plane->len, "A routes nothing to B any more");
}

int main(void)
{
	size_t secrets;

	if (wgx_crypto_init())
		return 1;
	secrets = live_secrets();
	ok(!side_up(&A) && !side_up(&B), "two devices on the memory wire");
	ok(!configure(&A, &B, true) && !configure(&B, &A, false),
	   "configured: A knows B's endpoint, B does not know A's");
	ok(!wgx_device_bind(A.dev) && !wgx_device_bind(B.dev) && A.dev->port == PORT &&
		   !strcmp(A.dev->plane_ops->name, "memory"),
	   "both bound on port %u", PORT);
	test_handshake();
	test_data_both_ways();
	test_filters();
	test_replay_and_reorder();
	test_keepalive();
	test_rekey();
	test_roaming();
	test_expiry();
	test_cookie();
	test_removal();
	ok(!A.plane->lost, "no datagram A sent was lost on the wire");
	side_down(&A);
	side_down(&B);
	ok(live_secrets() == secrets, "every secret freed (%zu live)", live_secrets());
	return tap_done();
}
