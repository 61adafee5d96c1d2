// SPDX-License-Identifier: MIT
/*
 * libFuzzer: both XDP programs of wgx_xdp.bpf.o, run on the fuzzed frame
 * through BPF_PROG_TEST_RUN, against the reference classifier in xdp_ref.h.
 * Byte 0 of the input: bit 0 picks wgx_tun (else wgx_rx), bit 1 sets
 * WGX_CFG_LOCAL_ONLY, bit 2 WGX_CFG_UNDER_LOAD (with a budget no source
 * exhausts, so the verdict stays a pure function of the frame); the rest is
 * the frame (14..3000 bytes). Oracles: the verdict equals the reference's;
 * the reason counter the reference names moved by exactly one packet and the
 * frame's bytes (every verdict leaves through one counter, so that settles
 * the reason); metadata, when the reference expects it, carries the right
 * peer id and magic, and is absent otherwise.
 *
 * Fixed map contents: listen port 51820; receiver indices 0x11223344 -> 7
 * and 0xdeadbeef -> 9; local addresses 198.18.0.2, 2001:2::2; allowed IPs
 * 100.64.0.2/32 -> 3, 100.64.1.0/24 -> 4, 100.64.0.0/10 -> 5, fd00::2/128 -> 6,
 * fd00::/8 -> 8, 2001:2::/48 -> 10. Needs root (CAP_BPF + CAP_NET_ADMIN).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fuzz.h"
#include "plane/xdp/xdp_loader.h"
#include "wgx_xdp.skel.h"
#include "xdp_ref.h"

#define PORT 51820
#define MAX_FRAME 3000

static struct wgx_bpf *bpf;
static int rx_fd, tun_fd, stats_fd, cfg_fd, ncpus;
static uint32_t cur_flags = ~0u;

static uint32_t ref_idx(uint32_t index)
{
	return index == 0x11223344u ? 7 : index == 0xdeadbeefu ? 9 : 0;
}

static bool ref_local(int v6, const uint8_t *a)
{
	static const uint8_t l4[4] = { 198, 18, 0, 2 };
	static const uint8_t l6[16] = { 0x20, 0x01, 0, 2, [15] = 2 };

	return v6 ? !memcmp(a, l6, 16) : !memcmp(a, l4, 4);
}

struct route {
	int v6;
	uint8_t addr[16], cidr;
	uint32_t peer;
};

static const struct route routes[] = {
	{ 0, { 100, 64, 0, 2 }, 32, 3 },   { 0, { 100, 64, 1, 0 }, 24, 4 },
	{ 0, { 100, 64, 0, 0 }, 10, 5 },   { 1, { 0xfd, [15] = 2 }, 128, 6 },
	{ 1, { 0xfd }, 8, 8 },		   { 1, { 0x20, 0x01, 0, 2 }, 48, 10 },
};

static uint32_t ref_route(int v6, const uint8_t *a)
{
	const struct route *best = NULL;

	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *r = &routes[i];
		unsigned int b = 0;

		if (r->v6 != v6)
			continue;
		while (b < r->cidr && !((a[b / 8] ^ r->addr[b / 8]) & (0x80 >> (b % 8))))
			b++;
		if (b == r->cidr && (!best || r->cidr > best->cidr))
			best = r;
	}
	return best ? best->peer : 0;
}

static int add_local(int fd, const void *key)
{
	struct wgx_local_val v = { .ifindex = 1 };

	return bpf_map_update_elem(fd, key, &v, BPF_ANY);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct wgx_xdp *skel;
	int err;

	(void)argc;
	(void)argv;
	err = wgx_bpf_open(&bpf, "wgx-fuzz-xdp", PORT);
	if (err) {
		fprintf(stderr, "fuzz_xdp: cannot load wgx_xdp.bpf.o: %s (needs root)\n", strerror(-err));
		exit(1);
	}
	skel = wgx_bpf_skel(bpf);
	rx_fd = bpf_program__fd(skel->progs.wgx_rx);
	tun_fd = bpf_program__fd(skel->progs.wgx_tun);
	stats_fd = bpf_map__fd(skel->maps.wgx_stats);
	cfg_fd = bpf_map__fd(skel->maps.wgx_cfg);
	ncpus = libbpf_num_possible_cpus();
	err = wgx_bpf_idx_add(bpf, 0x11223344u, 7, 0) || wgx_bpf_idx_add(bpf, 0xdeadbeefu, 9, 1);
	for (size_t i = 0; !err && i < sizeof(routes) / sizeof(routes[0]); i++)
		err = wgx_bpf_aip_add(bpf, routes[i].v6 ? AF_INET6 : AF_INET, routes[i].addr,
				      routes[i].cidr, routes[i].peer);
	if (!err) {
		uint8_t a4[4] = { 198, 18, 0, 2 }, a6[16] = { 0x20, 0x01, 0, 2, [15] = 2 };

		err = add_local(bpf_map__fd(skel->maps.wgx_local4), a4) ||
		      add_local(bpf_map__fd(skel->maps.wgx_local6), a6);
	}
	if (err || ncpus <= 0) {
		fprintf(stderr, "fuzz_xdp: map set-up failed\n");
		exit(1);
	}
	return 0;
}

static void set_flags(uint32_t flags)
{
	/* Under load with a bucket that never empties: cost 0 ns per handshake. */
	struct wgx_cfg cfg = { .listen_port = PORT, .flags = flags, .hs_cost_ns = 0,
			       .hs_burst_ns = 1000 };
	uint32_t zero = 0;

	if (flags == cur_flags)
		return;
	fuzz_check(bpf_map_update_elem(cfg_fd, &zero, &cfg, BPF_ANY) == 0, "wgx_cfg update");
	cur_flags = flags;
}

static void stat_read(uint32_t reason, struct wgx_stat *sum)
{
	struct wgx_stat v[ncpus];

	memset(sum, 0, sizeof(*sum));
	fuzz_check(bpf_map_lookup_elem(stats_fd, &reason, v) == 0, "stats lookup %u", reason);
	for (int i = 0; i < ncpus; i++) {
		sum->packets += v[i].packets;
		sum->bytes += v[i].bytes;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[MAX_FRAME], out[MAX_FRAME + 64];
	const struct xdp_ref_maps maps = { PORT, 0, ref_idx, ref_local, ref_route };
	struct xdp_ref_maps m = maps;
	struct xdp_ref_verdict want;
	struct wgx_stat before, after;
	struct xdp_md in = { 0 }, ctx_out = { 0 };
	size_t len;
	int tun;

	if (size < 1 + 14 || size > 1 + MAX_FRAME)
		return -1; /* not a frame test_run takes: keep it out of the corpus */
	tun = data[0] & 1;
	m.flags = (data[0] & 2 ? WGX_CFG_LOCAL_ONLY : 0) | (data[0] & 4 ? WGX_CFG_UNDER_LOAD : 0);
	len = size - 1;
	memcpy(frame, data + 1, len);
	set_flags(m.flags);
	want = tun ? xdp_ref_tun(frame, len, &m) : xdp_ref_rx(frame, len, &m);

	in.data_end = (uint32_t)len;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (uint32_t)len,
		    .data_out = out, .data_size_out = sizeof(out), .ctx_in = &in,
		    .ctx_size_in = sizeof(in), .ctx_out = &ctx_out, .ctx_size_out = sizeof(ctx_out),
		    .repeat = 1);
	stat_read(want.reason, &before);
	fuzz_check(bpf_prog_test_run_opts(tun ? tun_fd : rx_fd, &o) == 0, "test run: %s",
		   strerror(errno));
	stat_read(want.reason, &after);

	fuzz_check(o.retval == want.action, "%s: verdict %u, reference %u (%s)",
		   tun ? "wgx_tun" : "wgx_rx", o.retval, want.action, wgx_reason_name(want.reason));
	fuzz_check(after.packets - before.packets == 1 && after.bytes - before.bytes == len,
		   "%s: reason %s moved by %llu packets, %llu bytes (frame %zu)",
		   tun ? "wgx_tun" : "wgx_rx", wgx_reason_name(want.reason),
		   (unsigned long long)(after.packets - before.packets),
		   (unsigned long long)(after.bytes - before.bytes), len);
	if (want.peer) {
		struct wgx_xdp_meta meta;

		fuzz_check(ctx_out.data == sizeof(meta) && o.data_size_out == len + sizeof(meta),
			   "metadata expected: meta %u, out %u", ctx_out.data, o.data_size_out);
		memcpy(&meta, out, sizeof(meta));
		fuzz_check(meta.peer_id == want.peer && meta.magic == WGX_META_MAGIC &&
				   meta.kind == (tun ? WGX_META_TUN : WGX_META_RX_DATA),
			   "metadata peer %u magic %#x kind %u, want peer %u", meta.peer_id,
			   meta.magic, meta.kind, want.peer);
		fuzz_check(!memcmp(out + sizeof(meta), frame, len), "frame changed");
	} else {
		fuzz_check(ctx_out.data == 0 && o.data_size_out == len && !memcmp(out, frame, len),
			   "no metadata and the frame untouched: meta %u, out %u of %zu",
			   ctx_out.data, o.data_size_out, len);
	}
	return 0;
}
