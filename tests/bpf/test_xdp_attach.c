// SPDX-License-Identifier: MIT
/*
 * Real attachment in a throw-away namespace: native XDP on veth, generic on
 * loopback, pins readable through bpftool with BTF field names, XDP_REDIRECT
 * into real AF_XDP sockets with the peer id in the metadata (test run and a
 * live frame through the veth, copy mode), replacing a killed daemon's
 * programs and pins, foreign programs left alone, clean detach.
 *
 *   netns wgx-bpf-attach-PID
 *   ┌──────────────────────────────────────────────────────────────┐
 *   │ wgxu0 ──veth── wgxu1 [wgx_rx, XSK q0]    (underlay side)     │
 *   │ wgxt0 ──veth── wgxt1 [wgx_tun, XSK q0]   (tunnel side)       │
 *   │ lo             [wgx_rx, generic mode: lo has no native XDP]   │
 *   └──────────────────────────────────────────────────────────────┘
 *   frames are injected with AF_PACKET on wgxu0/wgxt0.
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <arpa/inet.h>

#include "frames.h"
#include "plane/xdp/xdp_loader_int.h"
#include "xdp_run.h"
#include "xsk_probe.h"

/* Per-process names, so concurrent `make check` runs do not collide. */
static char NETNS[32], NAME[16], PINS[64];
#define PORT 51820
#define IDX 0xa1b2c3d4u
#define PEER 42
#define TUN_PEER 43

/* Run a shell command built from a format; returns its exit status. */
static __attribute__((format(printf, 1, 2))) int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static void netns_del(void)
{
	if (sh("ip netns del %s 2>/dev/null", NETNS)) {
		/* absent already */
	}
}

static void on_signal(int sig)
{
	netns_del();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Create the namespace and its links and move this process into it. */
static int netns_setup(void)
{
	char path[64];
	int fd, err;

	snprintf(NETNS, sizeof(NETNS), "wgx-bpf-attach-%d", (int)getpid());
	snprintf(NAME, sizeof(NAME), "wgxt-%d", (int)getpid());
	snprintf(PINS, sizeof(PINS), "%s/%s", WGX_PIN_ROOT, NAME);
	atexit(netns_del);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	err = sh("ip netns add %1$s && ip -n %1$s link add wgxu0 type veth peer name wgxu1"
		 " && ip -n %1$s link add wgxt0 type veth peer name wgxt1"
		 " && for l in lo wgxu0 wgxu1 wgxt0 wgxt1; do ip -n %1$s link set $l up || exit 1; done",
		 NETNS);
	if (err)
		return -EIO;
	snprintf(path, sizeof(path), "/run/netns/%s", NETNS);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	err = setns(fd, CLONE_NEWNET) ? -errno : 0;
	close(fd);
	return err;
}

/* Run a shell command, return whether its output contains every needle. */
static bool output_has(const char *cmd, const char *const *needles, int n)
{
	char buf[65536];
	size_t len;
	FILE *f = popen(cmd, "r");

	if (!f)
		return false;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	buf[len] = '\0';
	pclose(f);
	for (int i = 0; i < n; i++)
		if (!strstr(buf, needles[i])) {
			diag("  '%s' not in output of %s", needles[i], cmd);
			return false;
		}
	return true;
}

/* Dump a pinned map with bpftool; return whether the output has every needle. */
static bool dump_has(const char *map, const char *const *needles, int n)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "bpftool map dump pinned %s/%s 2>&1", PINS, map);
	return output_has(cmd, needles, n);
}

static __u32 xdp_prog_id(const char *ifname)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query((int)if_nametoindex(ifname), 0, &q))
		return ~0u;
	return q.prog_id;
}

static int ifx(const char *n)
{
	return (int)if_nametoindex(n);
}

static bool dir_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Test-run a frame through prog with a socket in the slot: once normally,
 * once with the metadata area already full (adjust_meta must fail), which
 * must still redirect, counted under the _NOMETA reason. */
static void redirect_runs(struct wgx_bpf *b, int prog_fd, const char *ifname, const uint8_t *frame,
			  size_t len, __u32 reason, __u32 nometa_reason, __u32 peer)
{
	struct wgx_stat before[WGX_REASON_MAX], after[WGX_REASON_MAX];
	static uint8_t full[2048 + 256];
	static struct xdp_result r;
	__u32 meta_in;

	wgx_bpf_stats_read(b, before);
	xdp_run(prog_fd, frame, len, 0, ifx(ifname), &r);
	wgx_bpf_stats_read(b, after);
	ok(r.err == 0 && r.action == XDP_REDIRECT && r.meta.peer_id == peer &&
		   stats_moved_only(before, after, reason, len),
	   "test run: REDIRECT, %s, peer id in metadata (got %s)", wgx_reason_name(reason),
	   action_name(r.action));

	/* Fill the largest metadata area test_run accepts as input (32 bytes on
	 * older kernels, the headroom less struct xdp_frame on 6.18). */
	for (meta_in = 252; meta_in >= 32; meta_in -= 4) {
		memset(full, 0, meta_in);
		memcpy(full + meta_in, frame, len);
		wgx_bpf_stats_read(b, before);
		xdp_run_meta(prog_fd, full, len + meta_in, meta_in, 0, ifx(ifname), &r);
		wgx_bpf_stats_read(b, after);
		if (r.err != -EINVAL)
			break;
	}
	ok(r.err == 0 && r.action == XDP_REDIRECT && r.meta_len == meta_in &&
		   stats_moved_only(before, after, nometa_reason, len),
	   "test run, metadata area full (%u bytes): still REDIRECT, %s (got %s)", meta_in,
	   wgx_reason_name(nometa_reason), action_name(r.action));
}

static void test_pins(struct wgx_bpf *b)
{
	static const char *const aips[] = { "\"prefixlen\": 24", "\"addr\": [100,64,1,0",
					    "\"peer_id\": 43" };
	static const char *const idx[] = { "\"peer_id\": 42", "\"keypair_slot\": 2" };
	static const char *const hosts[] = { "\"addr\": [100,64,1,77", "\"peer_id\": 44" };
	static const char *const stats[] = { "\"packets\"", "\"bytes\"" };
	static const char *const progs[] = { "name wgx_rx", "name wgx_tun" };
	__u8 net[4] = { 100, 64, 1, 0 }, host[4] = { 100, 64, 1, 77 };

	ok(wgx_bpf_aip_add(b, AF_INET, net, 24, TUN_PEER) == 0 &&
		   wgx_bpf_aip_add(b, AF_INET, host, 32, 44) == 0 &&
		   wgx_bpf_idx_add(b, IDX, PEER, 2) == 0,
	   "two allowed IPs (/24, /32) and one receiver index added");
	ok(wgx_bpf_pin(b) == 0 && dir_exists(PINS), "maps pinned under %s", PINS);
	ok(dump_has("wgx_aips4", aips, 3),
	   "bpftool dumps wgx_aips4 with BTF names (prefixlen, addr, peer_id)");
	ok(dump_has("wgx_hosts4", hosts, 2),
	   "bpftool dumps wgx_hosts4 with BTF names (addr, peer_id)");
	ok(dump_has("wgx_idx", idx, 2),
	   "bpftool dumps wgx_idx with BTF names (peer_id, keypair_slot)");
	ok(dump_has("wgx_stats", stats, 2),
	   "bpftool dumps wgx_stats with BTF names (packets, bytes)");
	ok(output_has("bpftool prog show 2>&1", progs, 2), "bpftool prog show lists wgx_rx and wgx_tun");
}

/* XDP_REDIRECT with a socket in the slot: test run, then a live frame. */
static void test_xsk_rx(struct wgx_bpf *b)
{
	struct fdesc d = { .ethertype = ETH_P_IP, .dport = PORT, .wg_type = 4, .msg_len = 80,
			   .index = IDX };
	struct wgx_stat before[WGX_REASON_MAX], after[WGX_REASON_MAX];
	struct xsk_probe p;
	const __u8 *got;
	struct wgx_xdp_meta m;
	uint8_t frame[2048];
	struct flayout lay;
	size_t len = frame_build(&d, frame, &lay);
	__u32 glen = 0;
	int err = xsk_probe_open(&p, "wgxu1");

	if (!ok(err == 0, "AF_XDP socket on wgxu1 queue 0 (copy mode): %s", strerror(-err)))
		return;
	ok(wgx_bpf_xsk_set(b, WGX_BPF_RX, 0, xsk_socket__fd(p.xsk)) == 0, "socket in wgx_xsks[0]");
	redirect_runs(b, bpf_program__fd(wgx_bpf_skel(b)->progs.wgx_rx), "wgxu1", frame, len,
		      WGX_R_RX_DATA_XSK, WGX_R_RX_DATA_XSK_NOMETA, PEER);

	wgx_bpf_stats_read(b, before);
	ok(inject("wgxu0", frame, len) == 0, "data frame injected on wgxu0");
	got = xsk_probe_recv(&p, 2000, &glen);
	wgx_bpf_stats_read(b, after);
	if (!ok(got != NULL, "live frame arrived on the XSK")) {
		xsk_probe_close(&p);
		return;
	}
	memcpy(&m, got - sizeof(m), sizeof(m));
	ok(glen == len && memcmp(got, frame, len) == 0, "XSK frame is the injected frame (%u bytes)",
	   glen);
	if (b->rx_multi) {
		/* wgx_rx_shared in libxdp's dispatcher writes no metadata (xdp_multiprog.h). */
		ok(m.magic != WGX_META_MAGIC, "through libxdp's dispatcher: no metadata (magic %#x)",
		   m.magic);
		ok(after[WGX_R_RX_DATA_XSK_NOMETA].packets -
				   before[WGX_R_RX_DATA_XSK_NOMETA].packets == 1,
		   "rx_data_xsk_nometa counted the live frame");
	} else {
		ok(m.magic == WGX_META_MAGIC && m.kind == WGX_META_RX_DATA && m.peer_id == PEER,
		   "metadata reached the XSK in copy mode: peer %u kind %u magic %#x", m.peer_id,
		   m.kind, m.magic);
		ok(after[WGX_R_RX_DATA_XSK].packets - before[WGX_R_RX_DATA_XSK].packets == 1,
		   "rx_data_xsk counted the live frame");
	}
	ok(wgx_bpf_xsk_clear(b, WGX_BPF_RX, 0) == 0, "wgx_xsks[0] cleared");
	xsk_probe_close(&p);
}

static void test_xsk_tun(struct wgx_bpf *b)
{
	struct fdesc d = { .ethertype = ETH_P_IP, .proto = IPPROTO_ICMP, .dst = "100.64.1.9" };
	struct xsk_probe p;
	struct wgx_xdp_meta m;
	const __u8 *got;
	uint8_t frame[2048];
	struct flayout lay;
	size_t len = frame_build(&d, frame, &lay);
	__u32 glen = 0;
	int err = xsk_probe_open(&p, "wgxt1");

	if (!ok(err == 0, "AF_XDP socket on wgxt1 queue 0: %s", strerror(-err)))
		return;
	ok(wgx_bpf_xsk_set(b, WGX_BPF_TUN, 0, xsk_socket__fd(p.xsk)) == 0,
	   "socket in wgx_tun_xsks[0]");
	redirect_runs(b, bpf_program__fd(wgx_bpf_skel(b)->progs.wgx_tun), "wgxt1", frame, len,
		      WGX_R_TUN_XSK, WGX_R_TUN_XSK_NOMETA, TUN_PEER);
	ok(inject("wgxt0", frame, len) == 0, "inner IPv4 frame injected on wgxt0");
	got = xsk_probe_recv(&p, 2000, &glen);
	if (ok(got != NULL && glen == len, "routed frame arrived on the tunnel XSK")) {
		memcpy(&m, got - sizeof(m), sizeof(m));
		ok(m.magic == WGX_META_MAGIC && m.kind == WGX_META_TUN && m.peer_id == TUN_PEER,
		   "tunnel metadata: peer %u kind %u", m.peer_id, m.kind);
	}
	xsk_probe_close(&p);
}

/* A trivial XDP_PASS program named "foreign" (someone else's). */
static int foreign_prog(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "foreign", "MIT", insns, 2, NULL);
}

/* A killed daemon leaves programs attached and pins behind. */
static void test_stale(void)
{
	struct wgx_bpf *b = NULL, *live = NULL;
	enum wgx_xdp_mode mode;
	__u32 old_id = xdp_prog_id("wgxu1"), live_id;
	int foreign = foreign_prog(), ifs[2] = { ifx("wgxu1"), ifx("wgxt1") }, removed;

	ok(old_id != 0 && old_id != ~0u && dir_exists(PINS),
	   "closed without detach: program %u still on wgxu1, pins still there", old_id);
	/* Another live instance's lone wgx_tun: never replaced, never removed. */
	ok(wgx_bpf_open(&live, "wgx-t-live", PORT + 1) == 0 &&
		   wgx_bpf_attach(live, WGX_BPF_TUN, ifx("wgxt0"), WGX_XDP_NATIVE, NULL) == 0 && wgx_bpf_pin(live) == 0,
	   "a live second instance, wgx-t-live, with wgx_tun on wgxt0");
	live_id = xdp_prog_id("wgxt0");
	ok(wgx_bpf_remove_stale("wgx-t-none", NULL) == 0 && xdp_prog_id("wgxu1") == old_id &&
		   xdp_prog_id("wgxt0") == live_id,
	   "stale cleanup of a name without pins touches nothing");
	removed = wgx_bpf_remove_stale(NAME, NULL);
	ok(removed == 3 && xdp_prog_id("wgxu1") == 0 && xdp_prog_id("wgxt1") == 0 && !dir_exists(PINS),
	   "stale cleanup of NAME finds its wgx_rx and wgx_tun by its pins: both detached, pins gone "
	   "(%d removed)", removed);
	ok(xdp_prog_id("wgxt0") == live_id && live_id != 0,
	   "and leaves the live instance's program %u alone", live_id);
	ok(wgx_bpf_open(&b, NAME, PORT) == 0 && wgx_bpf_attach(b, WGX_BPF_RX, ifs[0], WGX_XDP_NATIVE, &mode) == 0 &&
		   mode == WGX_XDP_NATIVE,
	   "a new instance attaches wgx_rx");
	ok(wgx_bpf_attach(b, WGX_BPF_TUN, ifs[1], WGX_XDP_NATIVE, NULL) == 0 && wgx_bpf_pin(b) == 0,
	   "and wgx_tun and the pins");
	ok(wgx_bpf_attach(b, WGX_BPF_TUN, ifx("wgxt0"), WGX_XDP_NATIVE, NULL) == -EBUSY &&
		   xdp_prog_id("wgxt0") == live_id,
	   "attaching over the live instance's wgx_tun is -EBUSY, and it stays");
	ok(wgx_bpf_detach(live) == 0 && xdp_prog_id("wgxt0") == 0, "the live instance detaches");
	wgx_bpf_close(live);

	ok(foreign >= 0 && bpf_xdp_attach(ifx("wgxu0"), foreign, XDP_FLAGS_DRV_MODE, NULL) == 0,
	   "a foreign XDP program on wgxu0");
	ok(wgx_bpf_attach(b, WGX_BPF_RX, ifx("wgxu0"), WGX_XDP_NATIVE, NULL) == -EBUSY,
	   "attaching over a foreign program is -EBUSY");
	ok(wgx_bpf_remove_stale("wgx-t-none", NULL) == 0 && xdp_prog_id("wgxu0") != 0,
	   "stale cleanup leaves the foreign program alone");
	bpf_xdp_detach(ifx("wgxu0"), XDP_FLAGS_DRV_MODE, NULL);
	close(foreign);

	ok(wgx_bpf_detach(b) == 0, "detach");
	ok(xdp_prog_id("wgxu1") == 0 && xdp_prog_id("wgxt1") == 0, "no XDP program left on wgxu1, wgxt1");
	ok(!dir_exists(PINS), "pin directory %s is gone", PINS);
	wgx_bpf_close(b);

	/* Killed, and its pins removed by hand (or by an older wg-xdp's detach). */
	b = NULL;
	ok(wgx_bpf_open(&b, NAME, PORT) == 0 && wgx_bpf_pin(b) == 0 &&
		   wgx_bpf_attach(b, WGX_BPF_TUN, ifs[1], WGX_XDP_NATIVE, NULL) == 0,
	   "attached and pinned once more");
	wgx_bpf_close(b);
	sh("rm -rf %s", PINS);
	ok(xdp_prog_id("wgxt1") != 0 && wgx_bpf_remove_stale("wgx-t-other", NULL) == 1 &&
		   xdp_prog_id("wgxt1") == 0,
	   "a wgx program using no instance's pinned maps is an orphan: any cleanup removes it");
}

static void test_generic(void)
{
	struct wgx_bpf *b = NULL;
	enum wgx_xdp_mode mode = WGX_XDP_NONE;

	ok(wgx_bpf_open(&b, "wgx-t-lo", PORT) == 0 &&
		   wgx_bpf_attach(b, WGX_BPF_RX, ifx("lo"), WGX_XDP_NATIVE, &mode) == 0 && mode == WGX_XDP_GENERIC,
	   "lo has no native XDP: falls back to generic mode");
	ok(b && wgx_bpf_detach(b) == 0 && xdp_prog_id("lo") == 0, "generic-mode program detached");
	wgx_bpf_close(b);

	b = NULL;
	mode = WGX_XDP_NONE;
	ok(wgx_bpf_open(&b, "wgx-t-gen", PORT) == 0 &&
		   wgx_bpf_attach(b, WGX_BPF_RX, ifx("wgxu1"), WGX_XDP_GENERIC, &mode) == 0 &&
		   mode == WGX_XDP_GENERIC,
	   "asked for generic on a veth (native-capable): generic mode");
	ok(b && wgx_bpf_detach(b) == 0 && xdp_prog_id("wgxu1") == 0, "generic wgx_rx detached from the veth");
	wgx_bpf_close(b);
}

int main(void)
{
	enum wgx_xdp_mode rx_mode = WGX_XDP_NONE, tun_mode = WGX_XDP_NONE;
	struct wgx_bpf *b;
	int err;

	if (geteuid() != 0) {
		tap_skip("needs root (network namespaces, XDP attach)", "attach suite");
		return tap_done();
	}
	err = netns_setup();
	if (err) {
		tap_skip("cannot create netns/veth (ip, veth support)", "attach suite");
		return tap_done();
	}
	b = open_or_skip(NAME, PORT);
	if (!b)
		return tap_done();
	ok(wgx_bpf_attach(b, WGX_BPF_RX, ifx("wgxu1"), WGX_XDP_NATIVE, &rx_mode) == 0 && rx_mode == WGX_XDP_NATIVE,
	   "wgx_rx attached to wgxu1 in native mode");
	ok(wgx_bpf_attach(b, WGX_BPF_TUN, ifx("wgxt1"), WGX_XDP_NATIVE, &tun_mode) == 0 &&
		   tun_mode == WGX_XDP_NATIVE,
	   "wgx_tun attached to wgxt1 in native mode");
	test_pins(b);
	test_xsk_rx(b);
	test_xsk_tun(b);
	wgx_bpf_close(b); /* "killed": no detach */
	test_stale();
	test_generic();
	return tap_done();
}
