// SPDX-License-Identifier: MIT
/*
 * wgx_tun through BPF_PROG_TEST_RUN: allowed-IPs routing (longest prefix at
 * several lengths, overlapping prefixes, /0 default routes, misses), the
 * ND/MLD/ARP handling of the host end, malformed and truncated frames. Every
 * case checks verdict, that only its reason's counter moved, and the peer id
 * in the metadata for hits.
 *
 * Without live frames a hit with no XSK in the slot returns the fallback
 * (XDP_DROP, reason tun_no_xsk) - the metadata is placed before that, so the
 * peer id is still checked; the XDP_REDIRECT path is in test_xdp_attach.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "frames.h"
#include "xdp_run.h"

/* The table overrides fields of the macro defaults on purpose. */
#pragma GCC diagnostic ignored "-Woverride-init"

#define V4(a) .ethertype = ETH_P_IP, .proto = IPPROTO_ICMP, .dst = (a)
#define V6(a) .ethertype = ETH_P_IPV6, .proto = IPPROTO_TCP, .dst = (a)
#define ICMP6(a, type) .ethertype = ETH_P_IPV6, .proto = IPPROTO_ICMPV6, .dst = (a), \
			 .payload0 = (type)

struct route {
	int family;
	const char *addr;
	uint8_t cidr;
	uint32_t peer;
};

static const struct route routes[] = {
	{ AF_INET, "100.64.0.0", 10, 1 },	{ AF_INET, "100.64.1.0", 24, 2 },
	{ AF_INET, "100.64.1.128", 25, 3 },	{ AF_INET, "100.64.1.200", 32, 4 },
	{ AF_INET6, "fd00::", 8, 11 },		{ AF_INET6, "fd00:1::", 32, 12 },
	{ AF_INET6, "fd00:1:2::", 48, 13 },	{ AF_INET6, "fd00:1:2::7", 128, 14 },
};

struct tun_case {
	const char *name;
	struct fdesc d;
	__u32 reason, peer; /* peer != 0: a hit (verdict XDP_DROP: no XSK here) */
};

#define HIT(p) .reason = WGX_R_TUN_NO_XSK, .peer = (p)
#define MISS .reason = WGX_R_TUN_NO_ROUTE

static const struct tun_case cases[] = {
	{ "100.64.5.5 -> /10", { V4("100.64.5.5") }, HIT(1) },
	{ "100.64.1.5 -> /24 over /10", { V4("100.64.1.5") }, HIT(2) },
	{ "100.64.1.130 -> /25 over /24", { V4("100.64.1.130") }, HIT(3) },
	{ "100.64.1.200 -> /32 over /25", { V4("100.64.1.200") }, HIT(4) },
	{ "100.64.1.201 -> /25 (next to the /32)", { V4("100.64.1.201") }, HIT(3) },
	{ "100.64.1.127 -> /24 (just below the /25)", { V4("100.64.1.127") }, HIT(2) },
	{ "100.127.255.255 -> /10 (its last address)", { V4("100.127.255.255") }, HIT(1) },
	{ "100.128.0.1 misses (past the /10)", { V4("100.128.0.1") }, MISS },
	{ "198.18.0.9 misses", { V4("198.18.0.9") }, MISS },
	{ "IPv4 with 40 bytes of options routes", { V4("100.64.1.5"), .ip4_opt_words = 10 }, HIT(2) },
	{ "IPv4 fragment routes by destination", { V4("100.64.1.5"), .ip4_frag_off = 0x2001 },
	  HIT(2) },
	{ "fd00::1 -> /8", { V6("fd00::1") }, HIT(11) },
	{ "fd00:1::1 -> /32", { V6("fd00:1::1") }, HIT(12) },
	{ "fd00:1:2::1 -> /48", { V6("fd00:1:2::1") }, HIT(13) },
	{ "fd00:1:2::7 -> /128", { V6("fd00:1:2::7") }, HIT(14) },
	{ "fd00:1:2::8 -> /48 (next to the /128)", { V6("fd00:1:2::8") }, HIT(13) },
	{ "fe80::1 misses", { V6("fe80::1") }, MISS },
	{ "2001:2::1 misses", { V6("2001:2::1") }, MISS },
	{ "IPv6 after hop-by-hop + dstopts routes", { V6("fd00:1::1"), .n_ext = 2, .ext = { 0, 60 } },
	  HIT(12) },
	{ "ICMPv6 echo request routes", { ICMP6("fd00::1", 128) }, HIT(11) },
	{ "ICMPv6 echo to ff02::1 misses", { ICMP6("ff02::1", 128) }, MISS },
	{ "router solicitation dropped", { ICMP6("ff02::2", 133) }, .reason = WGX_R_TUN_ND_MLD },
	{ "neighbour solicitation dropped", { ICMP6("ff02::1:ff00:1", 135) },
	  .reason = WGX_R_TUN_ND_MLD },
	{ "neighbour advertisement dropped", { ICMP6("fd00::1", 136) }, .reason = WGX_R_TUN_ND_MLD },
	{ "MLDv2 report behind hop-by-hop dropped",
	  { ICMP6("ff02::16", 143), .n_ext = 1, .ext = { 0 } }, .reason = WGX_R_TUN_ND_MLD },
	{ "MLDv1 query dropped", { ICMP6("ff02::1", 130) }, .reason = WGX_R_TUN_ND_MLD },
	{ "ICMPv6 redirect dropped", { ICMP6("fd00::1", 137) }, .reason = WGX_R_TUN_ND_MLD },
	{ "ICMPv6 type 138 routes", { ICMP6("fd00::1", 138) }, WGX_R_TUN_NO_XSK, 11 },
	{ "ARP dropped", { .ethertype = ETH_P_ARP }, .reason = WGX_R_TUN_ARP },
	{ "LLDP dropped", { .ethertype = 0x88cc }, .reason = WGX_R_TUN_NOT_IP },
	{ "VLAN-tagged frame dropped", { .vlans = 1, V4("100.64.1.5") }, .reason = WGX_R_TUN_NOT_IP },
};

static int prog_fd;
static struct wgx_bpf *bpf;

static void check_frame(const char *name, const uint8_t *frame, size_t len, __u32 reason,
			__u32 peer)
{
	struct wgx_stat before[WGX_REASON_MAX], after[WGX_REASON_MAX];
	static struct xdp_result r;
	bool good;

	if (wgx_bpf_stats_read(bpf, before) || xdp_run(prog_fd, frame, len, 0, 0, &r) ||
	    wgx_bpf_stats_read(bpf, after)) {
		ok(0, "%s: test run failed: %s", name, strerror(-r.err));
		return;
	}
	good = r.action == XDP_DROP && stats_moved_only(before, after, reason, len);
	if (peer)
		good = good && r.meta_len == sizeof(r.meta) && r.meta.peer_id == peer &&
		       r.meta.kind == WGX_META_TUN && r.meta.magic == WGX_META_MAGIC &&
		       xdp_meta_time_ok(&r);
	else
		good = good && r.meta_len == 0;
	ok(good, "%s: %s%s", name, wgx_reason_name(reason),
	   peer ? ", peer id and queue time in metadata" : "");
	if (!good)
		diag("  got %s, meta_len %u peer %u", action_name(r.action), r.meta_len,
		     r.meta.peer_id);
}

static void check(const char *name, const struct fdesc *d, __u32 reason, __u32 peer)
{
	uint8_t frame[2048];
	struct flayout lay;
	size_t len = frame_build(d, frame, &lay);

	check_frame(name, frame, len, reason, peer);
}

static int route(const struct route *r, bool add)
{
	uint8_t a[16];

	if (inet_pton(r->family, r->addr, a) != 1)
		return -EINVAL;
	return add ? wgx_bpf_aip_add(bpf, r->family, a, r->cidr, r->peer)
		   : wgx_bpf_aip_del(bpf, r->family, a, r->cidr);
}

static void test_default_routes(void)
{
	static const struct route v4 = { AF_INET, "0.0.0.0", 0, 5 }, v6 = { AF_INET6, "::", 0, 15 };
	struct fdesc a = { V4("198.18.0.9") }, b = { V6("2001:2::1") }, c = { V4("100.64.1.200") };

	ok(route(&v4, true) == 0 && route(&v6, true) == 0, "default routes 0.0.0.0/0, ::/0 added");
	check("198.18.0.9 -> 0.0.0.0/0", &a, WGX_R_TUN_NO_XSK, 5);
	check("2001:2::1 -> ::/0", &b, WGX_R_TUN_NO_XSK, 15);
	check("100.64.1.200 still -> /32", &c, WGX_R_TUN_NO_XSK, 4);
	ok(route(&v4, false) == 0 && route(&v6, false) == 0, "default routes removed");
	check("198.18.0.9 misses again", &a, WGX_R_TUN_NO_ROUTE, 0);
	check("2001:2::1 misses again", &b, WGX_R_TUN_NO_ROUTE, 0);
}

/* Host bits past the prefix are cleared, so a dump shows the prefix. */
static void test_masking(void)
{
	static const struct route r = { AF_INET, "100.65.7.9", 16, 6 };
	struct wgx_lpm4_key k = { .prefixlen = 16, .addr = { 100, 65, 0, 0 } };
	struct fdesc d = { V4("100.65.200.1") };
	struct wgx_aip_val v = {};
	uint8_t a[4] = { 100, 64, 1, 200 };

	ok(route(&r, true) == 0, "100.65.7.9/16 added");
	ok(bpf_map_lookup_elem(bpf_map__fd(wgx_bpf_skel(bpf)->maps.wgx_aips4), &k, &v) == 0 &&
		   v.peer_id == 6,
	   "stored as 100.65.0.0/16");
	check("100.65.200.1 -> /16", &d, WGX_R_TUN_NO_XSK, 6);
	ok(wgx_bpf_aip_del(bpf, AF_INET, a, 32) == 0, "100.64.1.200/32 removed");
	d.dst = "100.64.1.200";
	check("100.64.1.200 falls back to /25", &d, WGX_R_TUN_NO_XSK, 3);
	{
		static const struct route host6 = { AF_INET6, "fd00:1:2::7", 128, 14 };
		struct fdesc d6 = { V6("fd00:1:2::7") };

		ok(route(&host6, false) == 0, "fd00:1:2::7/128 removed");
		check("fd00:1:2::7 falls back to /48", &d6, WGX_R_TUN_NO_XSK, 13);
		ok(route(&host6, false) == -ENOENT, "removing it twice is -ENOENT");
	}
	ok(wgx_bpf_aip_add(bpf, AF_INET, a, 33, 1) == -EINVAL, "prefix /33 rejected");
	ok(wgx_bpf_aip_add(bpf, AF_UNIX, a, 8, 1) == -EINVAL, "unknown family rejected");
}

/* Cut at every length: short of the address it is malformed; for IPv6, a
 * truncated extension header or ICMPv6 type byte is malformed too. */
static void check_cuts(const char *name, const struct fdesc *d, size_t need, __u32 reason,
		       __u32 peer)
{
	struct wgx_stat before[WGX_REASON_MAX], after[WGX_REASON_MAX];
	static struct xdp_result r;
	uint8_t frame[2048];
	struct flayout lay;
	size_t len = frame_build(d, frame, &lay), bad = 0, n = 0;

	need += lay.l3;
	for (size_t cut = ETH_HLEN; cut <= len; cut++, n++) {
		__u32 want = cut < need ? WGX_R_TUN_MALFORMED : reason;

		if (wgx_bpf_stats_read(bpf, before) || xdp_run(prog_fd, frame, cut, 0, 0, &r) ||
		    wgx_bpf_stats_read(bpf, after) || r.action != XDP_DROP ||
		    !stats_moved_only(before, after, want, cut) ||
		    (want == reason && peer && r.meta.peer_id != peer)) {
			if (!bad++)
				diag("  first failure at %zu of %zu bytes", cut, len);
		}
	}
	ok(bad == 0, "%s: %zu lengths from 14 classified (malformed below %zu)", name, n, need);
}

static void test_truncation(void)
{
	struct fdesc v4 = { V4("100.64.1.5"), .ip4_opt_words = 3 };
	struct fdesc v6 = { V6("fd00:1::1"), .n_ext = 2, .ext = { 0, 43 } };
	struct fdesc mld = { ICMP6("ff02::16", 143), .n_ext = 1, .ext = { 0 } };

	check_cuts("IPv4 with options", &v4, 32, WGX_R_TUN_NO_XSK, 2);
	check_cuts("IPv6 with 2 extension headers", &v6, 40 + 16, WGX_R_TUN_NO_XSK, 12);
	check_cuts("MLD report", &mld, 40 + 8 + 1, WGX_R_TUN_ND_MLD, 0);
}

int main(void)
{
	bool added = true;

	bpf = open_or_skip("wgx-test-tun", 51820);
	if (!bpf)
		return tap_done();
	prog_fd = bpf_program__fd(wgx_bpf_skel(bpf)->progs.wgx_tun);
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		added = route(&routes[i], true) == 0 && added;
	ok(added, "%zu allowed-IP prefixes added", sizeof(routes) / sizeof(routes[0]));

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(cases[i].name, &cases[i].d, cases[i].reason, cases[i].peer);
	{
		struct fdesc d = { V4("100.64.1.5") };
		uint8_t frame[2048];
		struct flayout lay;
		size_t len = frame_build(&d, frame, &lay);

		frame[lay.l3] = 0x44;
		check_frame("IPv4 ihl 4 is malformed", frame, len, WGX_R_TUN_MALFORMED, 0);
		frame[lay.l3] = 0x65;
		check_frame("IPv4 ethertype with version 6 is malformed", frame, len,
			    WGX_R_TUN_MALFORMED, 0);
	}
	test_truncation();
	test_default_routes();
	test_masking();
	wgx_bpf_close(bpf);
	return tap_done();
}
