// SPDX-License-Identifier: MIT
/*
 * wgx_rx through BPF_PROG_TEST_RUN: every verdict and reason, over frames
 * generated from the descriptor table below (tests/bpf/frames.h). Each case
 * checks the verdict, that only its reason's counter moved (by one packet and
 * the frame's bytes) and, for data messages, the peer id in the metadata.
 *
 * Without live frames the kernel does not redirect: bpf_redirect_map() on an
 * empty XSKMAP slot returns its fallback (XDP_PASS here), which is what these
 * cases see; the XDP_REDIRECT path with a real socket is in test_xdp_attach.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "frames.h"
#include "plane/xdp/xdp_multiprog.h"
#include "xdp_run.h"

/* The table overrides fields of the WG()/DATA() defaults on purpose. */
#pragma GCC diagnostic ignored "-Woverride-init"

#define PORT 51820
#define IDX_A 0x11223344u
#define IDX_B 0xdeadbeefu
#define PEER_A 7
#define PEER_B 9

#define V4 .ethertype = ETH_P_IP
#define V6 .ethertype = ETH_P_IPV6
#define WG(t, l) .dport = PORT, .wg_type = (t), .msg_len = (l)
#define DATA(l) WG(4, l), .index = IDX_A

struct rx_case {
	const char *name;
	struct fdesc d;
	int poke;		/* if set: byte at l3 + poke_at is overwritten */
	size_t poke_at;
	uint8_t poke_val;
	__u32 action, reason, peer; /* peer: expected metadata peer id, 0 = none */
};

#define PASS(r) .action = XDP_PASS, .reason = WGX_R_RX_##r
#define DROP(r) .action = XDP_DROP, .reason = WGX_R_RX_##r
#define TO_DATA .action = XDP_PASS, .reason = WGX_R_RX_DATA_NO_XSK_PASS, .peer = PEER_A

static const struct rx_case cases[] = {
	/* not ours: passed untouched */
	{ "ARP", { .ethertype = ETH_P_ARP }, PASS(NOT_IP_PASS) },
	{ "three VLAN tags", { .vlans = 3, V4, DATA(32) }, PASS(NOT_IP_PASS) },
	{ "IPv4 TCP", { V4, .proto = IPPROTO_TCP }, PASS(NOT_UDP_PASS) },
	{ "IPv6 TCP", { V6, .proto = IPPROTO_TCP }, PASS(NOT_UDP_PASS) },
	{ "IPv6 no-next-header ext", { V6, .n_ext = 1, .ext = { IPPROTO_DSTOPTS }, .proto = 59 },
	  PASS(NOT_UDP_PASS) },
	{ "IPv4 UDP other port", { V4, WG(4, 32), .dport = 53 }, PASS(OTHER_PORT_PASS) },
	{ "IPv6 UDP other port", { V6, WG(4, 32), .dport = 53 }, PASS(OTHER_PORT_PASS) },
	{ "IPv4 first fragment (MF)", { V4, DATA(32), .ip4_frag_off = 0x2000 }, PASS(FRAGMENT_PASS) },
	{ "IPv4 later fragment (offset)", { V4, DATA(32), .ip4_frag_off = 0x0010 },
	  PASS(FRAGMENT_PASS) },
	{ "IPv6 fragment header", { V6, DATA(32), .n_ext = 1, .ext = { IPPROTO_FRAGMENT } },
	  PASS(FRAGMENT_PASS) },
	{ "IPv6 7 extension headers (limit 6)",
	  { V6, DATA(32), .n_ext = 7, .ext = { 0, 60, 60, 60, 60, 60, 60 } }, PASS(EXT_LIMIT_PASS) },
	{ "IPv4 ihl 4", { V4, DATA(32) }, 1, 0, 0x44, PASS(UNPARSED_PASS) },
	{ "IPv4 version 5", { V4, DATA(32) }, 1, 0, 0x55, PASS(UNPARSED_PASS) },
	{ "IPv4 total length < header", { V4, DATA(32) }, 1, 3, 19, PASS(UNPARSED_PASS) },
	{ "IPv6 version 4", { V6, DATA(32) }, 1, 0, 0x40, PASS(UNPARSED_PASS) },

	/* handshakes: to the daemon's socket */
	{ "IPv4 initiation", { V4, WG(1, 148) }, PASS(HANDSHAKE_PASS) },
	{ "IPv4 response", { V4, WG(2, 92) }, PASS(HANDSHAKE_PASS) },
	{ "IPv4 cookie reply", { V4, WG(3, 64) }, PASS(HANDSHAKE_PASS) },
	{ "IPv6 initiation", { V6, WG(1, 148) }, PASS(HANDSHAKE_PASS) },
	{ "IPv6 response, 2 VLAN tags", { .vlans = 2, V6, WG(2, 92) }, PASS(HANDSHAKE_PASS) },
	{ "IPv4 cookie reply, 1 VLAN tag", { .vlans = 1, V4, WG(3, 64) }, PASS(HANDSHAKE_PASS) },

	/* data with a known index: metadata placed, no XSK in the slot -> stack */
	{ "IPv4 keepalive (32 bytes)", { V4, DATA(32) }, TO_DATA },
	{ "IPv6 keepalive (32 bytes)", { V6, DATA(32) }, TO_DATA },
	{ "IPv4 data, 1 VLAN tag", { .vlans = 1, V4, DATA(128) }, TO_DATA },
	{ "IPv4 data, 2 VLAN tags", { .vlans = 2, V4, DATA(128) }, TO_DATA },
	{ "IPv6 data, 1 VLAN tag", { .vlans = 1, V6, DATA(128) }, TO_DATA },
	{ "IPv6 data, 2 VLAN tags", { .vlans = 2, V6, DATA(128) }, TO_DATA },
	{ "IPv4 data, 4 bytes of options", { V4, DATA(64), .ip4_opt_words = 1 }, TO_DATA },
	{ "IPv4 data, 40 bytes of options", { V4, DATA(64), .ip4_opt_words = 10 }, TO_DATA },
	{ "IPv4 data, DF set", { V4, DATA(64), .ip4_frag_off = 0x4000 }, TO_DATA },
	{ "IPv6 data after hop-by-hop, routing, dstopts, AH",
	  { V6, DATA(64), .n_ext = 4, .ext = { 0, 43, 60, 51 } }, TO_DATA },
	{ "IPv6 data after 6 extension headers of 24 bytes",
	  { V6, DATA(64), .n_ext = 6, .ext = { 0, 60, 60, 43, 60, 60 }, .ext_units = 2 }, TO_DATA },
	{ "data of full MTU 1420 (1452 bytes, not 16-aligned)", { V4, DATA(1452) }, TO_DATA },
	{ "UDP length shorter than IP payload (trailer ignored)",
	  { V4, DATA(48), .udp_len_adj = -16 }, TO_DATA },
	{ "second index maps to its own peer", { V4, WG(4, 32), .index = IDX_B },
	  .action = XDP_PASS, .reason = WGX_R_RX_DATA_NO_XSK_PASS, .peer = PEER_B },

	/* malformed WireGuard to the listen port: dropped */
	{ "UDP length past the frame", { V4, DATA(32), .udp_len_adj = 1 }, DROP(BAD_UDP_LEN) },
	{ "IPv6 UDP length past the frame", { V6, DATA(32), .udp_len_adj = 8 }, DROP(BAD_UDP_LEN) },
	{ "UDP length 7", { V4, DATA(32), .udp_len_adj = -33 }, DROP(BAD_UDP_LEN) },
	{ "UDP length past IPv4 total length", { V4, DATA(32) }, 1, 3, 20 + 8 + 16,
	  DROP(BAD_UDP_LEN) },
	{ "empty UDP payload", { V4, WG(4, 0) }, DROP(SHORT_MSG) },
	{ "3-byte message", { V6, WG(4, 3) }, DROP(SHORT_MSG) },
	{ "type 0", { V4, WG(0, 32) }, DROP(BAD_TYPE) },
	{ "type 5", { V4, WG(5, 32) }, DROP(BAD_TYPE) },
	{ "type 255", { V6, WG(255, 148) }, DROP(BAD_TYPE) },
	{ "reserved byte 1 set", { V4, DATA(32), .wg_res = { 1, 0, 0 } }, DROP(BAD_RESERVED) },
	{ "reserved byte 2 set", { V4, WG(1, 148), .wg_res = { 0, 0x80, 0 } }, DROP(BAD_RESERVED) },
	{ "reserved byte 3 set", { V6, DATA(32), .wg_res = { 0, 0, 1 } }, DROP(BAD_RESERVED) },
	{ "initiation of 147 bytes", { V4, WG(1, 147) }, DROP(BAD_LEN) },
	{ "initiation of 149 bytes", { V6, WG(1, 149) }, DROP(BAD_LEN) },
	{ "response of 91 bytes", { V4, WG(2, 91) }, DROP(BAD_LEN) },
	{ "response of 148 bytes", { V4, WG(2, 148) }, DROP(BAD_LEN) },
	{ "cookie reply of 65 bytes", { V6, WG(3, 65) }, DROP(BAD_LEN) },
	{ "data of 31 bytes", { V4, DATA(31) }, DROP(BAD_LEN) },
	{ "data of 16 bytes", { V6, DATA(16) }, DROP(BAD_LEN) },
	{ "unknown receiver index (IPv4)", { V4, WG(4, 64), .index = 0x12345678 },
	  DROP(UNKNOWN_IDX) },
	{ "unknown receiver index (IPv6, 2 VLAN tags)",
	  { .vlans = 2, V6, WG(4, 64), .index = 0 }, DROP(UNKNOWN_IDX) },
};

static int prog_fd;
static struct wgx_bpf *bpf;

/* Run one frame; check verdict, counter and metadata under `name`. */
static void check_frame(const char *name, const uint8_t *frame, size_t len, __u32 action,
			__u32 reason, __u32 peer)
{
	struct wgx_stat before[WGX_REASON_MAX], after[WGX_REASON_MAX];
	static struct xdp_result r;
	bool good;

	if (wgx_bpf_stats_read(bpf, before) || xdp_run(prog_fd, frame, len, 0, 0, &r) ||
	    wgx_bpf_stats_read(bpf, after)) {
		ok(0, "%s: test run failed: %s", name, strerror(-r.err));
		return;
	}
	good = r.action == action && stats_moved_only(before, after, reason, len);
	if (peer)
		good = good && r.meta_len == sizeof(r.meta) && r.meta.peer_id == peer &&
		       r.meta.magic == WGX_META_MAGIC && r.meta.kind == WGX_META_RX_DATA &&
		       xdp_meta_time_ok(&r) && r.out_len == len + sizeof(r.meta);
	else
		good = good && r.meta_len == 0 && r.out_len == len;
	ok(good, "%s -> %s, %s%s", name, action_name(action), wgx_reason_name(reason),
	   peer ? ", peer id and queue time in metadata" : "");
	if (!good)
		diag("  got %s, meta_len %u peer %u magic %#x, out %u of %zu", action_name(r.action),
		     r.meta_len, r.meta.peer_id, r.meta.magic, r.out_len, len);
}

static void run_case(const struct rx_case *c)
{
	uint8_t frame[2048];
	struct flayout lay;
	size_t len = frame_build(&c->d, frame, &lay);

	if (c->poke)
		frame[lay.l3 + c->poke_at] = c->poke_val;
	check_frame(c->name, frame, len, c->action, c->reason, c->peer);
}

/* Cut a frame at every length from 14 (test_run's minimum) to full - 1:
 * short of the UDP header it is the stack's business, past it a drop. */
static void check_cuts(const char *name, const struct fdesc *d)
{
	struct wgx_stat before[WGX_REASON_MAX], after[WGX_REASON_MAX];
	uint8_t frame[2048];
	static struct xdp_result r;
	struct flayout lay;
	size_t len = frame_build(d, frame, &lay), bad = 0, n = 0;

	for (size_t cut = ETH_HLEN; cut < len; cut++, n++) {
		__u32 reason = cut < lay.msg ? WGX_R_RX_UNPARSED_PASS : WGX_R_RX_BAD_UDP_LEN;
		__u32 action = cut < lay.msg ? XDP_PASS : XDP_DROP;

		if (wgx_bpf_stats_read(bpf, before) || xdp_run(prog_fd, frame, cut, 0, 0, &r) ||
		    wgx_bpf_stats_read(bpf, after) || r.action != action ||
		    !stats_moved_only(before, after, reason, cut)) {
			if (!bad++)
				diag("  first failure at %zu of %zu bytes: %s", cut, len,
				     action_name(r.action));
		}
	}
	ok(bad == 0 && n > 0, "%s: %zu truncations (headers end at %zu/%zu/%zu) all classified",
	   name, n, lay.l3, lay.l4, lay.msg);
}

static void test_truncation(void)
{
	struct fdesc v4 = { .vlans = 2, V4, DATA(32), .ip4_opt_words = 2 };
	struct fdesc v6 = { .vlans = 1, V6, DATA(32), .n_ext = 3, .ext = { 0, 43, 51 } };

	check_cuts("IPv4+options, 2 VLAN tags", &v4);
	check_cuts("IPv6+3 extension headers, 1 VLAN tag", &v6);
}

static void frame_from(const char *src, uint8_t type, uint16_t len, int v6, uint8_t *frame,
		       size_t *flen)
{
	struct fdesc d = { .ethertype = v6 ? ETH_P_IPV6 : ETH_P_IP, WG(type, len), .src = src };
	struct flayout lay;

	*flen = frame_build(&d, frame, &lay);
}

static void hs(const char *what, const char *src, int v6, __u32 action, __u32 reason)
{
	uint8_t frame[2048];
	size_t len;

	frame_from(src, 1, 148, v6, frame, &len);
	check_frame(what, frame, len, action, reason, 0);
}

/* A frame past one page reaches the program in fragments (BPF_PROG_TEST_RUN
 * splits it as a driver would): a generic-mode GSO datagram. Its first message
 * is classified; known-index data goes to the UDP socket whole. */
static void test_multibuf(void)
{
	static uint8_t frame[9000];
	struct fdesc data = { V4, DATA(8000) }, bad = { V6, WG(4, 8000), .index = 0x12345678 };
	struct flayout lay;
	size_t len = frame_build(&data, frame, &lay);

	check_frame("IPv4 data in an 8 KB multi-buffer frame", frame, len, XDP_PASS,
		    WGX_R_RX_DATA_SUPER_PASS, 0);
	len = frame_build(&bad, frame, &lay);
	check_frame("IPv6 8 KB multi-buffer frame, unknown index", frame, len, XDP_DROP,
		    WGX_R_RX_UNKNOWN_IDX, 0);
}

/* Under load, each source (IPv4 address, IPv6 /64) gets `burst` handshakes. */
static void test_ratelimit(void)
{
	ok(wgx_bpf_set_hs_rate(bpf, 1, 2) == 0 && wgx_bpf_set_flags(bpf, WGX_CFG_UNDER_LOAD) == 0,
	   "under load: 1 handshake/s, burst 2");
	hs("198.18.0.1 handshake 1 of burst 2", "198.18.0.1", 0, XDP_PASS, WGX_R_RX_HANDSHAKE_PASS);
	hs("198.18.0.1 handshake 2 of burst 2", "198.18.0.1", 0, XDP_PASS, WGX_R_RX_HANDSHAKE_PASS);
	hs("198.18.0.1 handshake 3 rate-limited", "198.18.0.1", 0, XDP_DROP, WGX_R_RX_HS_RATELIMIT);
	hs("198.18.0.3 has its own bucket", "198.18.0.3", 0, XDP_PASS, WGX_R_RX_HANDSHAKE_PASS);
	hs("2001:2::1 handshake 1", "2001:2::1", 1, XDP_PASS, WGX_R_RX_HANDSHAKE_PASS);
	hs("2001:2::1:5 (same /64) handshake 2", "2001:2::1:5", 1, XDP_PASS, WGX_R_RX_HANDSHAKE_PASS);
	hs("2001:2::9 (same /64) rate-limited", "2001:2::9", 1, XDP_DROP, WGX_R_RX_HS_RATELIMIT);
	hs("2001:2:0:1::1 (other /64) passes", "2001:2:0:1::1", 1, XDP_PASS, WGX_R_RX_HANDSHAKE_PASS);
	ok(wgx_bpf_set_flags(bpf, 0) == 0, "load flag cleared");
	hs("198.18.0.1 passes again without the flag", "198.18.0.1", 0, XDP_PASS, WGX_R_RX_HANDSHAKE_PASS);
	ok(wgx_bpf_set_hs_rate(bpf, 0, 1) == -EINVAL, "rate 0 rejected");
}

/* The listen port lives in wgx_cfg: changing it needs no reload. */
static void test_listen_port(void)
{
	struct fdesc d = { V4, DATA(32) }, other = { V4, WG(4, 32), .dport = 4242, .index = IDX_A };
	uint8_t frame[2048];
	struct flayout lay;
	size_t len;

	ok(wgx_bpf_set_listen_port(bpf, 4242) == 0, "listen port changed to 4242 at run time");
	len = frame_build(&d, frame, &lay);
	check_frame("old port 51820 is no longer ours", frame, len, XDP_PASS, WGX_R_RX_OTHER_PORT_PASS, 0);
	len = frame_build(&other, frame, &lay);
	check_frame("new port 4242 is", frame, len, XDP_PASS, WGX_R_RX_DATA_NO_XSK_PASS, PEER_A);
	ok(wgx_bpf_set_listen_port(bpf, 0) == 0, "listen port 0");
	check_frame("port 0 passes everything", frame, len, XDP_PASS, WGX_R_RX_OTHER_PORT_PASS, 0);
	ok(wgx_bpf_set_listen_port(bpf, PORT) == 0, "listen port back to 51820");
}

static void test_idx_del(void)
{
	struct fdesc d = { V4, DATA(32) };
	uint8_t frame[2048];
	struct flayout lay;
	size_t len = frame_build(&d, frame, &lay);

	ok(wgx_bpf_idx_del(bpf, IDX_A) == 0, "receiver index removed");
	check_frame("removed index is unknown", frame, len, XDP_DROP, WGX_R_RX_UNKNOWN_IDX, 0);
	ok(wgx_bpf_idx_del(bpf, IDX_A) == -ENOENT, "removing it twice is -ENOENT");
}

static int local_add(int family, const char *addr)
{
	struct wgx_local_val v = { .ifindex = 1 };
	uint8_t key[16];
	int fd = family == AF_INET ? bpf_map__fd(wgx_bpf_skel(bpf)->maps.wgx_local4)
				   : bpf_map__fd(wgx_bpf_skel(bpf)->maps.wgx_local6);

	if (inet_pton(family, addr, key) != 1)
		return -EINVAL;
	return bpf_map_update_elem(fd, key, &v, BPF_ANY) ? -errno : 0;
}

/*
 * Issue 17, defect 1: a router between two other WireGuard peers sees their
 * datagrams to the listen port addressed to someone else. They are not ours:
 * with WGX_CFG_LOCAL_ONLY set (the daemon fills wgx_local4/6 first) they pass
 * to the stack for forwarding; without the check they were dropped as
 * rx_unknown_idx (100 % loss through the router).
 */
static void test_forwarded(void)
{
	struct fdesc fwd4 = { V4, WG(4, 64), .index = 0x5555aaaa, .dst = "198.18.7.7" };
	struct fdesc fwd4_hs = { V4, WG(1, 148), .dst = "198.18.7.7" };
	struct fdesc fwd6 = { .vlans = 1, V6, WG(4, 64), .index = 0x5555aaaa, .dst = "2001:2::77" };
	struct fdesc fwd_bad = { V4, WG(9, 64), .dst = "198.18.7.7" };
	struct fdesc mine4 = { V4, DATA(64) }, mine6 = { V6, DATA(64) };
	struct fdesc mine_unknown = { V6, WG(4, 64), .index = 0x5555aaaa };
	uint8_t frame[2048];
	struct flayout lay;
	size_t len;

	ok(local_add(AF_INET, "198.18.0.2") == 0 && local_add(AF_INET6, "2001:2::2") == 0 &&
		   wgx_bpf_set_flags(bpf, WGX_CFG_LOCAL_ONLY) == 0,
	   "local addresses 198.18.0.2 and 2001:2::2 in wgx_local4/6, LOCAL_ONLY set");
	len = frame_build(&fwd4, frame, &lay);
	check_frame("forwarded IPv4 data to 198.18.7.7", frame, len, XDP_PASS, WGX_R_RX_NOT_LOCAL_PASS, 0);
	len = frame_build(&fwd4_hs, frame, &lay);
	check_frame("forwarded IPv4 initiation", frame, len, XDP_PASS, WGX_R_RX_NOT_LOCAL_PASS, 0);
	len = frame_build(&fwd6, frame, &lay);
	check_frame("forwarded IPv6 data, 1 VLAN tag", frame, len, XDP_PASS, WGX_R_RX_NOT_LOCAL_PASS, 0);
	len = frame_build(&fwd_bad, frame, &lay);
	check_frame("forwarded garbage is not ours to drop either", frame, len, XDP_PASS,
		    WGX_R_RX_NOT_LOCAL_PASS, 0);
	len = frame_build(&mine4, frame, &lay);
	check_frame("IPv4 data to our address still ours", frame, len, XDP_PASS,
		    WGX_R_RX_DATA_NO_XSK_PASS, PEER_A);
	len = frame_build(&mine6, frame, &lay);
	check_frame("IPv6 data to our address still ours", frame, len, XDP_PASS,
		    WGX_R_RX_DATA_NO_XSK_PASS, PEER_A);
	len = frame_build(&mine_unknown, frame, &lay);
	check_frame("unknown index to our address still dropped", frame, len, XDP_DROP,
		    WGX_R_RX_UNKNOWN_IDX, 0);
	ok(wgx_bpf_set_flags(bpf, 0) == 0, "LOCAL_ONLY cleared");
	len = frame_build(&fwd4, frame, &lay);
	check_frame("without LOCAL_ONLY every address is ours", frame, len, XDP_DROP,
		    WGX_R_RX_UNKNOWN_IDX, 0);
}

/* wgx_rx_shared, from the object copy libxdp's dispatcher gets (loaded here
 * as plain XDP): wgx_rx's verdict and reason on every case, never metadata. */
static void test_shared(void)
{
	struct bpf_object *obj = wgx_multiprog_copy(wgx_bpf_skel(bpf)->obj);
	int rx_fd = prog_fd;

	if (!obj || bpf_object__load(obj)) {
		ok(0, "wgx_rx_shared: copy loaded: %s", strerror(errno));
		bpf_object__close(obj);
		return;
	}
	prog_fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "wgx_rx_shared"));
	ok(prog_fd >= 0, "wgx_rx_shared loaded from the copy, its maps the skeleton's");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rx_case c = cases[i];
		char name[160];

		snprintf(name, sizeof(name), "wgx_rx_shared: %s", c.name);
		c.name = name;
		c.peer = 0;
		run_case(&c);
	}
	prog_fd = rx_fd;
	bpf_object__close(obj);
}

int main(void)
{
	bpf = open_or_skip("wgx-test-rx", PORT);
	if (!bpf)
		return tap_done();
	prog_fd = bpf_program__fd(wgx_bpf_skel(bpf)->progs.wgx_rx);
	ok(wgx_bpf_idx_add(bpf, IDX_A, PEER_A, 1) == 0 && wgx_bpf_idx_add(bpf, IDX_B, PEER_B, 0) == 0,
	   "two receiver indices added");

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	test_truncation();
	test_listen_port();
	test_ratelimit();
	test_multibuf();
	test_forwarded();
	test_shared();
	test_idx_del();
	wgx_bpf_close(bpf);
	return tap_done();
}
