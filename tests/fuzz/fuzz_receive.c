// SPDX-License-Identifier: MIT
/*
 * libFuzzer: every message consumer of the core through the real receive
 * path, two real devices on the in-memory plane (plane/memory) with a fake
 * clock, as in tests/unit/test_two_peers.c:
 *
 *   A (under test) 198.18.0.1:51820  <-- memory wire -->  B (honest) 198.18.0.2:51820
 *
 * B is a simulated honest peer that produces valid messages; the input
 * mutates them on their way to A. Byte 0 picks the case:
 *   0  B seals an inner packet (from the input) into a data message; the
 *      rest of the input is XORed over it and may cut or extend it
 *   1  the rest of the input as a raw datagram from B's address
 *   2  B's handshake initiation, mutated as in 0
 *   3  A seals an inner packet from the input; B must open it
 * Oracles: A delivers only what B sealed, byte for byte (so a delivered
 * packet from a mutated message is a forgery), and at most once (replay);
 * an initiation A answers was unmodified but for its MAC2 (not checked
 * unless under load); whatever A seals, B opens to exactly the same packet
 * when its source is in A's allowed IPs at B; no memory error or UB. The
 * session is re-established whenever the fuzzing broke it.
 */
#include <arpa/inet.h>
#include <sodium.h>

#include "core/crypto.h"
#include "core/device.h"
#include "core/peer.h"
#include "core/send.h"
#include "core/uapi_set.h"
#include "fuzz.h"
#include "lib/log.h"
#include "plane/memory/memory_plane.h"

#define SEC WGX_NS_PER_SEC
#define PORT 51820

struct side {
	uint8_t n, priv[WGX_KEY_LEN], pub[WGX_KEY_LEN];
	struct wgx_device *dev;
	struct wgx_memory_plane *plane;
};

static struct wgx_memory_wire wire;
static struct side A = { .n = 1 }, B = { .n = 2 };
static uint64_t now = 1000 * SEC;

static union wgx_sockaddr underlay(uint8_t n)
{
	union wgx_sockaddr a = { .in4 = { .sin_family = AF_INET, .sin_port = htons(PORT) } };

	a.in4.sin_addr.s_addr = htonl(0xc6120000u | n);
	return a;
}

static void configure(struct side *s, const struct side *peer)
{
	struct wgx_uapi_set set = { .has_private_key = true, .has_listen_port = true,
				    .listen_port = PORT };
	struct wgx_uapi_cidr v4 = { .family = AF_INET, .addr = { 100, 64, 0, peer->n }, .cidr = 32 };
	struct wgx_uapi_peer_change *pc;
	union wgx_sockaddr ep = underlay(peer->n);

	memcpy(set.private_key, s->priv, WGX_KEY_LEN);
	fuzz_check(wgx_uapi_set_add_peer(&set, peer->pub, &pc) == 0, "add peer");
	pc->has_endpoint = true;
	memcpy(&pc->endpoint, &ep.in4, sizeof(ep.in4));
	wgx_uapi_peer_add_cidr(&set, pc, &v4);
	fuzz_check(wgx_device_apply(s->dev, &set, now) == 0, "apply");
	wgx_uapi_set_free(&set);
}

static void side_up(struct side *s, const char *name)
{
	union wgx_sockaddr addr = underlay(s->n);

	wgx_x25519_generate(s->priv);
	wgx_x25519_public(s->pub, s->priv);
	s->dev = wgx_device_create(name, WGX_DEFAULT_MTU, 1);
	fuzz_check(s->dev, "device");
	s->plane = wgx_memory_plane_create(s->dev, &wire, &addr);
	fuzz_check(s->plane, "plane");
}

/* IPv4/UDP 100.64.0.src -> 100.64.0.dst carrying payload. */
static size_t ipv4_packet(uint8_t *b, uint8_t src, uint8_t dst, const uint8_t *payload,
			  size_t plen)
{
	size_t tot = 28 + plen;

	memset(b, 0, 28);
	b[0] = 0x45;
	b[2] = (uint8_t)(tot >> 8), b[3] = tot & 0xff;
	b[8] = 64, b[9] = 17;
	b[12] = 100, b[13] = 64, b[15] = src;
	b[16] = 100, b[17] = 64, b[19] = dst;
	b[24] = (uint8_t)((8 + plen) >> 8), b[25] = (8 + plen) & 0xff;
	memcpy(b + 28, payload, plen);
	return tot;
}

static void settle(void)
{
	unsigned int n;

	do
		n = wgx_memory_plane_pump(A.plane, now) + wgx_memory_plane_pump(B.plane, now);
	while (n);
}

/* Both sides hold a current keypair: if not (fuzzing broke it, or time
 * passed), run a handshake with a staged packet, as a real peer would. */
static void ensure_session(void)
{
	uint8_t pkt[64];

	for (int tries = 0; tries < 3; tries++) {
		if (A.dev->peers->keypairs.current && B.dev->peers->keypairs.current)
			break;
		now += 6 * SEC; /* past REKEY_TIMEOUT: a new initiation may go */
		wgx_device_expire_timers(A.dev, now);
		wgx_device_expire_timers(B.dev, now);
		wgx_memory_plane_inject(B.plane, pkt, ipv4_packet(pkt, 2, 1, (const uint8_t *)"x", 1),
					now);
		settle();
		wgx_memory_plane_inject(A.plane, pkt, ipv4_packet(pkt, 1, 2, (const uint8_t *)"y", 1),
					now);
		settle();
	}
	fuzz_check(A.dev->peers->keypairs.current && B.dev->peers->keypairs.current,
		   "no session after three handshakes");
	wgx_memory_plane_clear_delivered(A.plane);
	wgx_memory_plane_clear_delivered(B.plane);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	wgx_log_level = WGX_LOG_ERR;
	fuzz_check(wgx_crypto_init() == 0, "crypto init");
	side_up(&A, "wgfzA");
	side_up(&B, "wgfzB");
	configure(&A, &B);
	configure(&B, &A);
	fuzz_check(wgx_device_bind(A.dev) == 0 && wgx_device_bind(B.dev) == 0, "bind");
	ensure_session();
	return 0;
}

/* XOR mut over d (from byte 0), then cut or extend it by the signed byte cut. */
static void mutate(struct wgx_memory_datagram *d, const uint8_t *mut, size_t n, int8_t cut)
{
	long len = (long)d->len + cut;

	for (size_t i = 0; i < n && i < d->len; i++)
		d->buf[i] ^= mut[i];
	if (len < 0)
		len = 0;
	if (len > (long)sizeof(d->buf))
		len = sizeof(d->buf);
	if ((size_t)len > d->len)
		memset(d->buf + d->len, 0xa5, (size_t)len - d->len);
	d->len = (size_t)len;
}

static bool changed(const struct wgx_memory_datagram *a, const struct wgx_memory_datagram *b,
		    size_t upto)
{
	return a->len != b->len || memcmp(a->buf, b->buf, upto < a->len ? upto : a->len);
}

static void case_data(const uint8_t *in, size_t n)
{
	struct wgx_memory_datagram orig, d;
	uint8_t pkt[256];
	size_t plen = n > 1 ? in[1] % 128 : 0, len;
	const uint8_t *mut = in + 2 < in + n ? in + 2 : in;
	size_t nmut = n > 2 ? n - 2 : 0;

	len = ipv4_packet(pkt, 2, 1, mut, nmut < plen ? nmut : plen);
	wgx_memory_plane_inject(B.plane, pkt, len, now);
	if (wgx_memory_plane_take(A.plane, &orig))
		return; /* B staged it: no session at B right now */
	d = orig;
	mutate(&d, mut, nmut, n > 1 ? (int8_t)in[1] >> 4 : 0);
	fuzz_check(wgx_memory_plane_put(A.plane, &d) == 0, "put");
	wgx_memory_plane_pump(A.plane, now);
	/* The same datagram again: a replay, never delivered twice. */
	fuzz_check(wgx_memory_plane_put(A.plane, &d) == 0, "put");
	wgx_memory_plane_pump(A.plane, now);
	fuzz_check(A.plane->n_delivered <= 1, "delivered %u times", A.plane->n_delivered);
	if (A.plane->n_delivered) {
		fuzz_check(!changed(&d, &orig, d.len), "a mutated data message was delivered");
		fuzz_check(A.plane->delivered[0].len == len &&
				   !memcmp(A.plane->delivered[0].data, pkt, len),
			   "delivered differs from what B sealed");
	}
}

static void case_raw(const uint8_t *in, size_t n)
{
	struct wgx_memory_datagram d = { .len = n > WGX_MEMORY_DATAGRAM ? WGX_MEMORY_DATAGRAM : n };
	union wgx_sockaddr from = underlay(B.n);

	memcpy(d.buf, in, d.len);
	memcpy(&d.from.addr, &from, sizeof(from));
	fuzz_check(wgx_memory_plane_put(A.plane, &d) == 0, "put");
	wgx_memory_plane_pump(A.plane, now);
	fuzz_check(A.plane->n_delivered == 0, "a raw datagram of %zu bytes was delivered", n);
	/* Whatever A answered (a cookie reply, a response to a replayed
	 * initiation the fuzzer found?) B consumes. */
	wgx_memory_plane_pump(B.plane, now);
}

static void case_initiation(const uint8_t *in, size_t n)
{
	struct wgx_memory_datagram orig, d;
	uint64_t sent = A.plane->sent;

	now += 6 * SEC; /* REKEY_TIMEOUT since the last one */
	wgx_send_handshake_initiation(B.dev->peers, now);
	if (wgx_memory_plane_take(A.plane, &orig))
		return;
	d = orig;
	mutate(&d, in + 1, n - 1, n > 1 ? (int8_t)in[1] >> 4 : 0);
	wgx_memory_plane_put(A.plane, &d);
	wgx_memory_plane_pump(A.plane, now);
	if (A.plane->sent > sent) {
		/* MAC2 (the last 16 bytes) is only checked under load. */
		fuzz_check(d.len == WGX_MSG_INITIATION_LEN &&
				   !changed(&d, &orig, WGX_MSG_INITIATION_LEN - 16),
			   "A answered a mutated initiation");
	}
	settle();
}

static void case_send(const uint8_t *in, size_t n)
{
	uint8_t pkt[256];
	size_t len = ipv4_packet(pkt, 1, 2, in + 1, n - 1 > 200 ? 200 : n - 1);

	wgx_memory_plane_inject(A.plane, pkt, len, now);
	/* A may stage it behind a handshake (its keypair too old to send
	 * with): the wire settles, then B has it. */
	settle();
	fuzz_check(B.plane->n_delivered == 1 && B.plane->delivered[0].len == len &&
			   !memcmp(B.plane->delivered[0].data, pkt, len),
		   "B could not open what A sealed (%u delivered)", B.plane->n_delivered);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	now += 1000; /* 1 us per input: no session expires within a run */
	ensure_session();
	switch (data[0] % 4) {
	case 0:
		case_data(data, size);
		break;
	case 1:
		case_raw(data + 1, size - 1);
		break;
	case 2:
		case_initiation(data, size);
		break;
	case 3:
		case_send(data, size);
		break;
	}
	settle();
	wgx_memory_plane_clear_delivered(A.plane);
	wgx_memory_plane_clear_delivered(B.plane);
	return 0;
}
