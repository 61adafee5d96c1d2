// SPDX-License-Identifier: MIT
/*
 * libFuzzer: core/state's import, what a new process reads from the memfd
 * at `wg-xdp restart` (the only part of the handover that parses bytes).
 * A real state is built once: device A, on the in-memory plane, with peer B
 * (a session, its keypairs, timers, allowed IPs) and peer C (an IPv6
 * endpoint, a preshared key, no session). Byte 0 of the input picks:
 *   0  the rest XORed over A's state (longer: appended)
 *   1  A's state cut at the u16 in bytes 1-2 (modulo its length), then the
 *      rest XORed over it
 *   2  the rest as the state itself
 * and it is imported into a fresh device. Oracles: the result is 0,
 * -EBADMSG or -ENOMEM; A's unmodified state imports; an imported device is
 * consistent (its peer list as long as it says, every keypair's receiver
 * index names that keypair and peer) and is destroyed without a leak; no
 * memory error or UB.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>

#include "core/crypto.h"
#include "core/device.h"
#include "core/peer.h"
#include "core/state.h"
#include "core/uapi_set.h"
#include "fuzz.h"
#include "lib/log.h"
#include "lib/serial.h"
#include "plane/memory/memory_plane.h"

#define SEC WGX_NS_PER_SEC
#define PORT 51820

static struct wgx_memory_wire wire;
static uint8_t *state;
static size_t state_len;
static const uint64_t now = 1000 * SEC;

static union wgx_sockaddr underlay(uint8_t n)
{
	union wgx_sockaddr a = { .in4 = { .sin_family = AF_INET, .sin_port = htons(PORT) } };

	a.in4.sin_addr.s_addr = htonl(0xc6120000u | n);
	return a;
}

/* @dev gets key @priv and peer @pub at 198.18.0.@n (or [2001:2::@n] if @v6). */
static void add_peer(struct wgx_device *dev, const uint8_t priv[WGX_KEY_LEN],
		     const uint8_t pub[WGX_KEY_LEN], uint8_t n, bool v6)
{
	struct wgx_uapi_set set = { .has_private_key = true, .has_listen_port = true,
				    .listen_port = PORT };
	struct wgx_uapi_cidr v4 = { .family = AF_INET, .addr = { 100, 64, 0, n }, .cidr = 32 };
	struct wgx_uapi_peer_change *pc;
	union wgx_sockaddr ep = underlay(n);
	struct sockaddr_in6 ep6 = { .sin6_family = AF_INET6, .sin6_port = htons(PORT),
				    .sin6_addr = { .s6_addr = { 0x20, 0x01, 0, 2 } } };

	ep6.sin6_addr.s6_addr[15] = n;
	memcpy(set.private_key, priv, WGX_KEY_LEN);
	fuzz_check(wgx_uapi_set_add_peer(&set, pub, &pc) == 0, "add peer");
	pc->has_endpoint = true;
	if (v6)
		memcpy(&pc->endpoint, &ep6, sizeof(ep6));
	else
		memcpy(&pc->endpoint, &ep.in4, sizeof(ep.in4));
	pc->has_psk = v6;
	memset(pc->preshared_key, 0x5a, WGX_KEY_LEN);
	pc->has_keepalive = true;
	pc->persistent_keepalive = 25;
	wgx_uapi_peer_add_cidr(&set, pc, &v4);
	fuzz_check(wgx_device_apply(dev, &set, now) == 0, "apply");
	wgx_uapi_set_free(&set);
}

/* A with peers B (a session) and C: A's state into `state`. */
static void build_state(void)
{
	uint8_t pa[WGX_KEY_LEN], ka[WGX_KEY_LEN], pb[WGX_KEY_LEN], kb[WGX_KEY_LEN];
	uint8_t pc[WGX_KEY_LEN], kc[WGX_KEY_LEN], pkt[64] = { 0x45, 0, 0, 64 };
	union wgx_sockaddr aa = underlay(1), ab = underlay(2);
	struct wgx_device *a = wgx_device_create("fza", WGX_DEFAULT_MTU, 1);
	struct wgx_device *b = wgx_device_create("fzb", WGX_DEFAULT_MTU, 1);
	struct wgx_memory_plane *pla, *plb;
	struct wgx_writer w = { 0 };

	fuzz_check(a && b, "devices");
	pla = wgx_memory_plane_create(a, &wire, &aa);
	plb = wgx_memory_plane_create(b, &wire, &ab);
	fuzz_check(pla && plb, "planes");
	wgx_x25519_generate(ka), wgx_x25519_public(pa, ka);
	wgx_x25519_generate(kb), wgx_x25519_public(pb, kb);
	wgx_x25519_generate(kc), wgx_x25519_public(pc, kc);
	add_peer(a, ka, pb, 2, false);
	add_peer(a, ka, pc, 3, true);
	add_peer(b, kb, pa, 1, false);
	fuzz_check(!wgx_device_bind(a) && !wgx_device_bind(b), "bind");
	pkt[8] = 64, pkt[9] = 17, pkt[12] = 100, pkt[13] = 64, pkt[15] = 1;
	pkt[16] = 100, pkt[17] = 64, pkt[19] = 2;
	wgx_memory_plane_inject(pla, pkt, sizeof(pkt), now);
	for (int i = 0; i < 4; i++)
		wgx_memory_plane_pump(plb, now), wgx_memory_plane_pump(pla, now);
	fuzz_check(a->peers->keypairs.current, "a session with B");
	wgx_state_export(a, now, &w);
	state_len = w.len;
	state = malloc(state_len);
	w = (struct wgx_writer){ .buf = state, .cap = state_len };
	wgx_state_export(a, now, &w);
	fuzz_check(!w.bad && w.len == state_len, "export");
	wgx_memory_plane_destroy(pla);
	wgx_memory_plane_destroy(plb);
	wgx_device_destroy(a);
	wgx_device_destroy(b);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	wgx_log_level = WGX_LOG_SILENT;
	fuzz_check(wgx_crypto_init() == 0, "crypto init");
	build_state();
	return 0;
}

static void check_consistent(struct wgx_device *dev)
{
	uint32_t n = 0;

	for (struct wgx_peer *p = dev->peers; p; p = p->next, n++) {
		struct wgx_keypair *kps[3] = { p->keypairs.previous, p->keypairs.current,
					       p->keypairs.next };

		for (int i = 0; i < 3; i++) {
			struct wgx_index_entry e;

			if (!kps[i])
				continue;
			fuzz_check(!wgx_index_lookup(&dev->index, kps[i]->local_index, WGX_INDEX_KEYPAIR,
						     &e) && e.ptr == kps[i] && e.peer == p,
				   "peer %u keypair %d: index %u", p->id, i, kps[i]->local_index);
		}
	}
	fuzz_check(n == dev->n_peers, "%u peers listed, n_peers %u", n, dev->n_peers);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t mode = size ? data[0] % 3 : 0;
	size_t len = state_len, skip = 1;
	struct wgx_device *dev;
	struct wgx_reader r;
	uint8_t *buf;
	bool pristine = true;
	int ret;

	if (mode == 1 && size >= 3) {
		len = (size_t)(data[1] | data[2] << 8) % state_len;
		skip = 3;
	}
	if (mode == 2) {
		len = size > 1 ? size - 1 : 0;
		buf = malloc(len + 1);
		memcpy(buf, data + 1, len);
		pristine = false;
	} else {
		size_t extra = size > skip ? size - skip : 0;

		if (extra > len)
			len = extra;
		buf = calloc(1, len + 1);
		memcpy(buf, state, len < state_len ? len : state_len);
		for (size_t i = 0; i < extra; i++) {
			buf[i] ^= data[skip + i];
			pristine &= !data[skip + i];
		}
		pristine &= len == state_len;
	}
	dev = wgx_device_create("fz", WGX_DEFAULT_MTU, 1);
	fuzz_check(dev, "device");
	r = (struct wgx_reader){ .buf = buf, .len = len };
	ret = wgx_state_import(dev, now, &r);
	fuzz_check(ret == 0 || ret == -EBADMSG || ret == -ENOMEM, "import returned %d", ret);
	fuzz_check(!pristine || (ret == 0 && r.off == r.len), "the unmodified state: %d", ret);
	if (!ret)
		check_consistent(dev);
	wgx_device_destroy(dev);
	sodium_memzero(buf, len);
	free(buf);
	return 0;
}
