// SPDX-License-Identifier: MIT
/*
 * core/state: a device's state exported and imported into a fresh device
 * (what `wg-xdp restart` does across processes), over the in-memory plane
 * with a fake clock:
 *
 *   A 198.18.0.1:51820  <--- memory wire --->  B 198.18.0.2:51820
 *        exported, then replaced by A2 (imported) at A's address
 *
 * Round trip: every field the state carries is equal in A2; A2 and B go on
 * exchanging data under the same session (no handshake message on the
 * wire), B's replay window accepts A2's counters, A2's rejects a replay of
 * what A received. Malformed input: every truncation and every single-byte
 * corruption of a real state is refused or imported consistently, never a
 * crash (ASan/UBSan in make check); a duplicate receiver index, an unknown
 * endpoint family and peer ids out of order are refused.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/crypto.h"
#include "core/device.h"
#include "core/peer.h"
#include "core/secret.h"
#include "core/state.h"
#include "core/uapi_set.h"
#include "lib/serial.h"
#include "plane/memory/memory_plane.h"
#include "tap.h"

#define SEC WGX_NS_PER_SEC
#define PORT 51820

struct side {
	uint8_t n;
	uint8_t priv[WGX_KEY_LEN], pub[WGX_KEY_LEN];
	struct wgx_device *dev;
	struct wgx_memory_plane *plane;
};

static struct wgx_memory_wire wire;
static struct side A = { .n = 1 }, B = { .n = 2 }, A2 = { .n = 1 };
static uint64_t now = 1000 * SEC;

static union wgx_sockaddr underlay(uint8_t n)
{
	union wgx_sockaddr a = { .in4 = { .sin_family = AF_INET, .sin_port = htons(PORT) } };

	a.in4.sin_addr.s_addr = htonl(0xc6120000u | n);
	return a;
}

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

static int side_up(struct side *s, bool keys)
{
	union wgx_sockaddr addr = underlay(s->n);

	if (keys) {
		wgx_x25519_generate(s->priv);
		wgx_x25519_public(s->pub, s->priv);
	}
	s->dev = wgx_device_create("wgstate", WGX_DEFAULT_MTU, 1);
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

/* @s gets its key, port, keepalive and @peer (with an endpoint, a preshared key). */
static int configure(struct side *s, const struct side *peer, const uint8_t psk[WGX_KEY_LEN])
{
	struct wgx_uapi_set set = { .has_private_key = true, .has_listen_port = true,
				    .listen_port = PORT, .has_fwmark = true, .fwmark = 0x51 };
	struct wgx_uapi_cidr v4 = { .family = AF_INET, .addr = { 100, 64, 0, peer->n }, .cidr = 32 };
	struct wgx_uapi_cidr v6 = { .family = AF_INET6, .addr = { 0xfd }, .cidr = 64 };
	struct wgx_uapi_peer_change *pc;
	union wgx_sockaddr ep = underlay(peer->n);
	int ret;

	memcpy(set.private_key, s->priv, WGX_KEY_LEN);
	ret = wgx_uapi_set_add_peer(&set, peer->pub, &pc);
	if (!ret) {
		pc->has_endpoint = true;
		memcpy(&pc->endpoint, &ep.in4, sizeof(ep.in4));
		pc->has_psk = true;
		memcpy(pc->preshared_key, psk, WGX_KEY_LEN);
		pc->has_keepalive = true;
		pc->persistent_keepalive = 25;
		wgx_uapi_peer_add_cidr(&set, pc, &v4);
		wgx_uapi_peer_add_cidr(&set, pc, &v6);
		ret = wgx_device_apply(s->dev, &set, now);
	}
	wgx_uapi_set_free(&set);
	return ret ?: wgx_device_bind(s->dev);
}

static void settle(struct side *a, struct side *b)
{
	unsigned int n;

	do
		n = wgx_memory_plane_pump(a->plane, now) + wgx_memory_plane_pump(b->plane, now);
	while (n);
}

/* The state of @dev in a malloc'd buffer (*len bytes), counted then written. */
static uint8_t *export(const struct wgx_device *dev, size_t *len)
{
	struct wgx_writer count = { 0 }, w;
	uint8_t *buf;

	wgx_state_export(dev, now, &count);
	buf = malloc(count.len + 1);
	w = (struct wgx_writer){ .buf = buf, .cap = count.len };
	wgx_state_export(dev, now, &w);
	*len = w.bad || w.len != count.len ? 0 : w.len;
	return buf;
}

/* Import @len bytes of @buf into a fresh device: the result, the device destroyed. */
static int import_scratch(const uint8_t *buf, size_t len, bool *at_end)
{
	struct wgx_device *dev = wgx_device_create("wgscratch", WGX_DEFAULT_MTU, 1);
	struct wgx_reader r = { .buf = buf, .len = len };
	int ret;

	if (!dev)
		return -ENOMEM;
	ret = wgx_state_import(dev, now, &r);
	if (at_end)
		*at_end = r.off == r.len;
	wgx_device_destroy(dev);
	return ret;
}

static bool timers_equal(const struct wgx_timers *a, const struct wgx_timers *b)
{
	return !memcmp(a->at, b->at, sizeof(a->at)) && a->last_sent_handshake == b->last_sent_handshake &&
	       a->rng == b->rng && a->handshake_attempts == b->handshake_attempts &&
	       a->persistent_keepalive_interval == b->persistent_keepalive_interval &&
	       a->sent_handshake == b->sent_handshake;
}

static bool keypair_equal(const struct wgx_keypair *a, const struct wgx_keypair *b)
{
	if (!a || !b)
		return a == b;
	return !sodium_memcmp(a->sending_key, b->sending_key, WGX_KEY_LEN) &&
	       !sodium_memcmp(a->receiving_key, b->receiving_key, WGX_KEY_LEN) &&
	       atomic_load(&a->sending_counter) == atomic_load(&b->sending_counter) &&
	       !memcmp(&a->replay, &b->replay, sizeof(a->replay)) && a->birthdate == b->birthdate &&
	       a->local_index == b->local_index && a->remote_index == b->remote_index &&
	       a->i_am_the_initiator == b->i_am_the_initiator;
}

static void test_round_trip(const uint8_t *buf, size_t len)
{
	struct wgx_reader r = { .buf = buf, .len = len };
	struct wgx_peer *pa = A.dev->peers, *p2;
	struct wgx_index_entry e;
	uint8_t pkt[256], psk[WGX_KEY_LEN];
	size_t n;
	uint64_t b_rx = B.dev->peers->rx_bytes, sent;

	memcpy(psk, pa->secrets->handshake.preshared_key, WGX_KEY_LEN);
	wgx_memory_plane_destroy(A.plane);	/* A2 takes A's address on the wire */
	A.plane = NULL;
	ok(!side_up(&A2, false), "a fresh device at A's address");
	ok(!wgx_state_import(A2.dev, now, &r) && r.off == r.len, "A's state (%zu bytes) imports, all of it",
	   len);
	p2 = A2.dev->peers;
	ok(p2 && !p2->next && p2->id == pa->id && !memcmp(p2->public_key, pa->public_key, WGX_KEY_LEN) &&
		   A2.dev->next_peer_id == A.dev->next_peer_id,
	   "the peer, its id and the next id");
	ok(A2.dev->identity->has_identity &&
		   !memcmp(A2.dev->identity->static_public, A.dev->identity->static_public, WGX_KEY_LEN) &&
		   A2.dev->port == A.dev->port && A2.dev->listen_port == PORT && A2.dev->fwmark == 0x51 &&
		   A2.dev->up,
	   "private key, port, fwmark, up");
	ok(!sodium_memcmp(p2->secrets->handshake.preshared_key, psk, WGX_KEY_LEN) &&
		   p2->persistent_keepalive == 25 &&
		   wgx_sockaddr_equal(&p2->endpoint.addr, &pa->endpoint.addr),
	   "preshared key, keepalive, endpoint");
	ok(keypair_equal(p2->keypairs.current, pa->keypairs.current) &&
		   keypair_equal(p2->keypairs.previous, pa->keypairs.previous) &&
		   keypair_equal(p2->keypairs.next, pa->keypairs.next) && p2->keypairs.current,
	   "session keypairs: keys, send counter, replay window, indices, birth");
	ok(p2->keypairs.current &&
		   !wgx_index_lookup(&A2.dev->index, p2->keypairs.current->local_index,
				     WGX_INDEX_KEYPAIR, &e) && e.ptr == p2->keypairs.current && e.peer == p2,
	   "the keypair's receiver index names it");
	ok(timers_equal(&p2->timers, &pa->timers) && p2->rx_bytes == pa->rx_bytes &&
		   p2->tx_bytes == pa->tx_bytes && p2->last_handshake_wall_ns == pa->last_handshake_wall_ns &&
		   !memcmp(A2.dev->stats, A.dev->stats, sizeof(A.dev->stats)),
	   "timers, counters, last handshake, reason counters");
	ok(!memcmp(&p2->secrets->handshake.latest_timestamp, &pa->secrets->handshake.latest_timestamp,
		   WGX_TIMESTAMP_LEN) &&
		   !sodium_memcmp(A2.dev->cookie_checker->secret, A.dev->cookie_checker->secret,
				  WGX_HASH_LEN),
	   "handshake replay state, cookie secret");

	sent = A2.plane->sent;
	wgx_memory_plane_clear_delivered(B.plane);
	n = ipv4_packet(pkt, 1, 2, 64);
	wgx_memory_plane_inject(A2.plane, pkt, n, now);
	ok(A2.plane->sent == sent + 1 && B.plane->len == 1 && B.plane->queue[B.plane->head].buf[0] == WGX_MSG_DATA,
	   "A2 seals its next packet under the same session (a data message, no handshake)");
	wgx_memory_plane_pump(B.plane, now);
	ok(B.plane->n_delivered == 1 && B.plane->delivered[0].len == n &&
		   !memcmp(B.plane->delivered[0].data, pkt, n) && B.dev->peers->rx_bytes > b_rx,
	   "B opens it: its replay window takes A2's counter");
	n = ipv4_packet(pkt, 2, 1, 64);
	wgx_memory_plane_inject(B.plane, pkt, n, now);
	wgx_memory_plane_pump(A2.plane, now);
	ok(A2.plane->n_delivered == 1 && !memcmp(A2.plane->delivered[0].data, pkt, n),
	   "A2 opens what B sends");
}

/* A replay of a datagram A received before the export: A2 refuses it too. */
static void test_replay(struct wgx_memory_datagram *old)
{
	uint64_t replays = A2.dev->stats[WGX_R_DP_REPLAY];
	unsigned int before = A2.plane->n_delivered;

	wgx_memory_plane_put(A2.plane, old);
	wgx_memory_plane_pump(A2.plane, now);
	ok(A2.plane->n_delivered == before && A2.dev->stats[WGX_R_DP_REPLAY] == replays + 1,
	   "A2's replay window refuses a datagram A had received");
}

static void test_malformed(const uint8_t *buf, size_t len)
{
	uint8_t *copy = malloc(len + 1);
	size_t refused = 0, imported = 0;
	bool at_end = false, all_cut = true;
	int ret;

	for (size_t cut = 0; cut < len; cut++)
		all_cut &= import_scratch(buf, cut, NULL) != 0;
	ok(all_cut, "every truncation (0..%zu bytes) refused", len - 1);
	for (size_t i = 0; i < len; i++) {
		memcpy(copy, buf, len);
		copy[i] ^= (uint8_t)(1u << (i % 8)) | 0x80;
		ret = import_scratch(copy, len, NULL);
		ret ? refused++ : imported++;
	}
	ok(refused + imported == len && refused > 0,
	   "every single-byte corruption refused or imported without a crash (%zu refused, %zu "
	   "imported: key bytes and counters are not checkable)", refused, imported);
	memcpy(copy, buf, len);
	copy[len] = 0;
	ok(!import_scratch(copy, len + 1, &at_end) && !at_end,
	   "a trailing byte is left unread, for the caller to refuse");
	free(copy);
}

/* Hand-made states: a writer over @buf. */
static void put_device_head(struct wgx_writer *w, uint32_t next_id, uint32_t n_peers)
{
	uint8_t zero[64] = { 0 };

	wgx_put_u16(w, PORT);
	wgx_put_u16(w, PORT);
	wgx_put_u32(w, 0);
	wgx_put_u8(w, 1);
	wgx_put_u32(w, next_id);
	wgx_put_u8(w, 1);
	wgx_put_bytes(w, A.priv, WGX_KEY_LEN);
	wgx_put_bytes(w, zero, WGX_HASH_LEN);
	wgx_put_u8(w, 0);
	wgx_put_u64(w, 0);
	wgx_put_u32(w, 0);	/* no reasons */
	wgx_put_u32(w, n_peers);
}

/* A peer with one keypair of @index and an endpoint of @family. */
static void put_peer(struct wgx_writer *w, uint32_t id, uint8_t key_byte, uint32_t index,
		     uint16_t family)
{
	uint8_t pub[WGX_KEY_LEN], zero[sizeof(((struct wgx_replay *)0)->backtrack)] = { 0 };

	memset(pub, key_byte, sizeof(pub));
	wgx_put_u32(w, id);
	wgx_put_bytes(w, pub, WGX_KEY_LEN);
	wgx_put_bytes(w, zero, 5 * 32);	/* psk, ephemeral, remote ephemeral, hash, ck */
	wgx_put_u8(w, 0), wgx_put_u64(w, 0);
	wgx_put_bytes(w, zero, 2 * WGX_TIMESTAMP_LEN);
	wgx_put_u8(w, 0), wgx_put_u8(w, 0), wgx_put_u32(w, 0), wgx_put_u32(w, 0);
	wgx_put_u32(w, 0);	/* hs_index */
	wgx_put_u8(w, 0), wgx_put_u64(w, 0);
	wgx_put_bytes(w, zero, WGX_COOKIE_LEN + WGX_MAC_LEN);
	wgx_put_u8(w, 0), wgx_put_u8(w, 0);
	wgx_put_u16(w, family);
	if (family == AF_INET)
		wgx_put_bytes(w, zero, 10);
	wgx_put_u32(w, 0);	/* src_ifindex */
	wgx_put_u64(w, 0), wgx_put_u64(w, 0), wgx_put_u64(w, 0), wgx_put_u16(w, 0), wgx_put_u8(w, 0);
	for (int i = 0; i < WGX_TIMER_COUNT + 1; i++)
		wgx_put_u8(w, 0), wgx_put_u64(w, 0);
	wgx_put_u64(w, 1), wgx_put_u32(w, 0), wgx_put_u16(w, 0);
	wgx_put_bytes(w, zero, 4);
	wgx_put_u8(w, 0);	/* no previous */
	wgx_put_u8(w, 1);	/* current */
	wgx_put_bytes(w, zero, 2 * WGX_KEY_LEN);
	wgx_put_u64(w, 0), wgx_put_u64(w, 0);
	wgx_put_bytes(w, zero, sizeof(zero));
	wgx_put_u8(w, 1), wgx_put_u64(w, 0);
	wgx_put_u64(w, 1), wgx_put_u32(w, index), wgx_put_u32(w, 7);
	wgx_put_u8(w, 1), wgx_put_u8(w, 1), wgx_put_u8(w, 1);
	wgx_put_u8(w, 0);	/* no next */
	wgx_put_u32(w, 0);	/* no allowed IPs */
}

static void test_crafted(void)
{
	static uint8_t buf[8192];
	struct wgx_writer w = { .buf = buf, .cap = sizeof(buf) };

	put_device_head(&w, 3, 1);
	put_peer(&w, 1, 0x11, 1234, AF_INET);
	ok(!w.bad && !import_scratch(buf, w.len, NULL), "a hand-made state of one peer imports");
	w = (struct wgx_writer){ .buf = buf, .cap = sizeof(buf) };
	put_device_head(&w, 3, 2);
	put_peer(&w, 1, 0x11, 1234, AF_INET);
	put_peer(&w, 2, 0x22, 1234, AF_INET);
	ok(!w.bad && import_scratch(buf, w.len, NULL) == -EBADMSG,
	   "two keypairs with one receiver index: refused");
	w = (struct wgx_writer){ .buf = buf, .cap = sizeof(buf) };
	put_device_head(&w, 3, 2);
	put_peer(&w, 2, 0x11, 1234, AF_INET);
	put_peer(&w, 1, 0x22, 4321, AF_INET);
	ok(!w.bad && import_scratch(buf, w.len, NULL) == -EBADMSG, "peer ids out of order: refused");
	w = (struct wgx_writer){ .buf = buf, .cap = sizeof(buf) };
	put_device_head(&w, 3, 2);
	put_peer(&w, 1, 0x11, 1234, AF_INET);
	put_peer(&w, 2, 0x11, 4321, AF_INET);
	ok(!w.bad && import_scratch(buf, w.len, NULL) == -EBADMSG, "one public key twice: refused");
	w = (struct wgx_writer){ .buf = buf, .cap = sizeof(buf) };
	put_device_head(&w, 3, 1);
	put_peer(&w, 1, 0x11, 1234, AF_UNIX);
	ok(!w.bad && import_scratch(buf, w.len, NULL) == -EBADMSG, "an endpoint of family AF_UNIX: refused");
	w = (struct wgx_writer){ .buf = buf, .cap = sizeof(buf) };
	put_device_head(&w, 1, 1);
	ok(!w.bad && import_scratch(buf, w.len, NULL) == -EBADMSG, "more peers than ids given out: refused");
	w = (struct wgx_writer){ .buf = buf, .cap = sizeof(buf) };
	put_device_head(&w, 3, 1);
	put_peer(&w, 1, 0x11, 0, AF_INET);
	ok(!w.bad && import_scratch(buf, w.len, NULL) == -EBADMSG, "a keypair of receiver index 0: refused");
}

static size_t live_secrets(void)
{
	struct wgx_secret_stats st;

	wgx_secret_stats(&st);
	return st.allocations;
}

int main(void)
{
	static const uint8_t psk[WGX_KEY_LEN] = { 1, 2, 3 };
	struct wgx_memory_datagram old;
	uint8_t pkt[256], *buf;
	size_t n, len, secrets;

	if (wgx_crypto_init())
		return 1;
	secrets = live_secrets();
	ok(!side_up(&A, true) && !side_up(&B, true) && !configure(&A, &B, psk) &&
		   !configure(&B, &A, psk),
	   "A and B configured on the memory wire (preshared key, keepalive, fwmark)");
	n = ipv4_packet(pkt, 1, 2, 40);
	wgx_memory_plane_inject(A.plane, pkt, n, now);
	settle(&A, &B);
	for (int i = 0; i < 5; i++) {
		now += SEC / 10;
		wgx_memory_plane_inject(A.plane, pkt, ipv4_packet(pkt, 1, 2, 40), now);
		wgx_memory_plane_inject(B.plane, pkt, ipv4_packet(pkt, 2, 1, 40), now);
		settle(&A, &B);
	}
	wgx_memory_plane_inject(B.plane, pkt, ipv4_packet(pkt, 2, 1, 40), now);
	ok(!wgx_memory_plane_take(A.plane, &old) && old.buf[0] == WGX_MSG_DATA, "a datagram to A kept back");
	wgx_memory_plane_put(A.plane, &old);
	wgx_memory_plane_pump(A.plane, now);
	ok(A.dev->peers->keypairs.current && B.dev->peers->keypairs.current &&
		   atomic_load(&A.dev->peers->keypairs.current->sending_counter) == 6,
	   "a session, 6 packets sent by A");
	buf = export(A.dev, &len);
	ok(len > 0, "A's state exported: %zu bytes, the counting pass equal to the writing one", len);
	test_round_trip(buf, len);
	test_replay(&old);
	test_malformed(buf, len);
	test_crafted();
	sodium_memzero(buf, len);
	free(buf);
	side_down(&A2);
	side_down(&B);
	wgx_device_destroy(A.dev);
	ok(live_secrets() == secrets, "every secret freed (%zu live)", live_secrets());
	return tap_done();
}
