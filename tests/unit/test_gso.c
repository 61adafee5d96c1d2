// SPDX-License-Identifier: MIT
/*
 * lib/gso.c: super-packets cut into tunnel-MTU packets. Each segment is
 * compared byte for byte with the packet pktbuild.h builds for it (IP ID,
 * sequence number, flags, lengths, every checksum by the reference sum),
 * over IPv4/IPv6, TCP/UDP, IPv4 options, IPv6 extension headers, partial
 * (NEEDS_CSUM) and full input checksums; and every refusal.
 */
#include <errno.h>
#include <stdlib.h>

#include "lib/gso.h"
#include "pktbuild.h"
#include "tap.h"

#define MAXSEG 64
#define CAP 2048

static uint8_t payload[70000], super[70000], segbuf[MAXSEG][CAP], want[CAP];
static uint8_t *outs[MAXSEG];
static size_t lens[MAXSEG];

/* The kernel's NEEDS_CSUM form: the L4 field holds the folded pseudo-header sum. */
static void make_partial(uint8_t *p, size_t len, struct wgx_vnet_hdr *vh)
{
	uint8_t proto;
	size_t off = ref_l4_off(p, &proto), f = ref_csum_field(p);

	pb_w16(p + f, ref_fold(ref_pseudo(p, proto, len - off)));
	vh->flags = WGX_VNET_F_NEEDS_CSUM;
	vh->csum_start = (uint16_t)off;
	vh->csum_offset = (uint16_t)(f - off);
}

/* Split @s carrying @plen bytes with @mss; check every segment against its rebuild. */
static void check_split(const char *what, const struct pb *s, size_t plen, uint16_t mss,
			int partial)
{
	struct wgx_vnet_hdr vh = { 0 };
	size_t len = pb_build(s, payload, plen, super), nseg = (plen + mss - 1) / mss;
	int n, bad = 0, csum_bad = 0;

	vh.gso_type = s->udp ? WGX_VNET_GSO_UDP_L4 : s->v6 ? WGX_VNET_GSO_TCPV6 : WGX_VNET_GSO_TCPV4;
	if (s->flags & PB_CWR)
		vh.gso_type |= WGX_VNET_GSO_ECN;
	vh.gso_size = mss;
	if (partial)
		make_partial(super, len, &vh);
	n = wgx_gso_split(super, len, &vh, outs, CAP, lens, MAXSEG);
	if (!ok(n == (int)nseg, "%s: %zu segments (got %d)", what, nseg, n))
		return;
	for (int k = 0; k < n; k++) {
		struct pb e = *s;
		size_t chunk = plen - (size_t)k * mss < mss ? plen - (size_t)k * mss : mss, wl;

		e.id = (uint16_t)(s->id + k);
		e.seq = s->seq + (uint32_t)(k * mss);
		if (k + 1 < n)
			e.flags &= (uint8_t)~(PB_FIN | PB_PSH);
		if (k > 0)
			e.flags &= (uint8_t)~PB_CWR;
		wl = pb_build(&e, payload + (size_t)k * mss, chunk, want);
		if (lens[k] != wl || memcmp(outs[k], want, wl)) {
			if (!bad++)
				tap_memeq(outs[k], want, lens[k] < wl ? lens[k] : wl, "first differing segment");
		}
		if (!ref_ip_ok(outs[k]) || !ref_l4_ok(outs[k], lens[k]))
			csum_bad++;
	}
	ok(!bad, "%s: every segment equals its rebuild (IDs, seq, flags, lengths)", what);
	ok(!csum_bad, "%s: IP and L4 checksums valid by the reference sum", what);
}

static void fixtures(void)
{
	struct pb s = { .flags = PB_ACK | PB_PSH | PB_FIN | PB_CWR, .id = 65530, .seq = 0xfffff000u,
			.ack = 77 };

	check_split("IPv4 TCP, FIN|PSH|CWR, IP ID and seq wrap, short last", &s, 10000, 1380, 1);
	s.flags = PB_ACK | PB_PSH;
	check_split("IPv4 TCP, full checksum in, exact multiple", &s, 1380 * 7, 1380, 0);
	s.ip_opts = 12;
	s.tcp_opts = 12;
	check_split("IPv4 TCP with IP options and TCP options", &s, 9000, 1356, 1);
	s.ip_opts = 0;
	s.frag = 0x4000;	/* DF */
	s.tos = 0x02;		/* ECT(0) */
	check_split("IPv4 TCP, DF and ECT kept", &s, 5000, 1380, 1);
	s = (struct pb){ .v6 = 1, .flags = PB_ACK | PB_PSH | PB_ECE, .seq = 5, .ack = 9, .tcp_opts = 12 };
	check_split("IPv6 TCP with options, ECE on every segment", &s, 65000 - 72, 1348, 1);
	s.ext = 2;
	check_split("IPv6 TCP after hop-by-hop + destination options", &s, 8000, 1316, 1);
	s = (struct pb){ .udp = 1, .id = 100 };
	check_split("IPv4 UDP (USO)", &s, 64000, 1392, 1);
	check_split("IPv4 UDP, one short datagram", &s, 100, 1392, 1);
	s.v6 = 1;
	check_split("IPv6 UDP (USO)", &s, 20000, 1372, 0);
	s.ext = 1;
	check_split("IPv6 UDP after a hop-by-hop header", &s, 4000, 1356, 1);
}

static void refusals(void)
{
	struct pb s = { .flags = PB_ACK, .seq = 1 };
	struct wgx_vnet_hdr vh = { .gso_type = WGX_VNET_GSO_TCPV4, .gso_size = 1000 };
	size_t len = pb_build(&s, payload, 5000, super);
	uint8_t keep;

	ok(wgx_gso_split(super, len, &vh, outs, CAP, lens, 4) == -ENOSPC,
	   "more segments than the batch holds: -ENOSPC");
	ok(wgx_gso_split(super, len, &vh, outs, 900, lens, MAXSEG) == -EMSGSIZE,
	   "segment larger than the buffer: -EMSGSIZE");
	vh.gso_type = WGX_VNET_GSO_TCPV6;
	ok(wgx_gso_split(super, len, &vh, outs, CAP, lens, MAXSEG) == -EINVAL,
	   "TCPV6 on an IPv4 packet: -EINVAL");
	vh.gso_type = WGX_VNET_GSO_UDP;
	ok(wgx_gso_split(super, len, &vh, outs, CAP, lens, MAXSEG) == -EPROTONOSUPPORT,
	   "UFO (GSO_UDP): -EPROTONOSUPPORT");
	vh.gso_type = WGX_VNET_GSO_TCPV4;
	vh.gso_size = 0;
	ok(wgx_gso_split(super, len, &vh, outs, CAP, lens, MAXSEG) == -EINVAL, "gso_size 0: -EINVAL");
	vh.gso_size = 1000;
	vh.flags = WGX_VNET_F_NEEDS_CSUM;
	vh.csum_start = 24;
	vh.csum_offset = 16;
	ok(wgx_gso_split(super, len, &vh, outs, CAP, lens, MAXSEG) == -EINVAL,
	   "csum_start not at the TCP header: -EINVAL");
	vh.flags = 0;
	ok(wgx_gso_split(super, len - 1, &vh, outs, CAP, lens, MAXSEG) == -EINVAL,
	   "IP length not the buffer's: -EINVAL");
	ok(wgx_gso_split(super, 30, &vh, outs, CAP, lens, MAXSEG) == -EINVAL,
	   "truncated TCP header: -EINVAL");
	s.frag = 0x2000;	/* MF */
	len = pb_build(&s, payload, 5000, super);
	ok(wgx_gso_split(super, len, &vh, outs, CAP, lens, MAXSEG) == -EINVAL,
	   "IPv4 fragment: -EINVAL");
	s = (struct pb){ .v6 = 1, .frag_ext = 1, .flags = PB_ACK };
	len = pb_build(&s, payload, 5000, super);
	vh.gso_type = WGX_VNET_GSO_TCPV6;
	ok(wgx_gso_split(super, len, &vh, outs, CAP, lens, MAXSEG) == -EPROTONOSUPPORT,
	   "IPv6 fragment header: -EPROTONOSUPPORT");
	s = (struct pb){ .flags = PB_ACK };
	len = pb_build(&s, payload, 5000, super);
	keep = super[9];
	super[9] = 47;	/* GRE */
	ok(wgx_gso_split(super, len, &vh, outs, CAP, lens, MAXSEG) == -EPROTONOSUPPORT,
	   "not TCP/UDP: -EPROTONOSUPPORT");
	super[9] = keep;
}

static void no_gso(void)
{
	struct pb s = { .flags = PB_ACK | PB_PSH, .seq = 3 };
	struct wgx_vnet_hdr vh = { 0 };
	size_t len = pb_build(&s, payload, 1000, want);

	memcpy(super, want, len);
	make_partial(super, len, &vh);
	ok(wgx_gso_split(super, len, &vh, outs, CAP, lens, MAXSEG) == 1 && lens[0] == len &&
	   !memcmp(outs[0], want, len), "GSO_NONE + NEEDS_CSUM: one packet, checksum completed");
	make_partial(super, len, &vh);
	ok(!wgx_gso_csum_complete(super, len, &vh) && !memcmp(super, want, len),
	   "wgx_gso_csum_complete in place");
	vh.csum_start = (uint16_t)len;
	ok(wgx_gso_csum_complete(super, len, &vh) == -EINVAL, "csum_start past the end: -EINVAL");
}

int main(void)
{
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + (i >> 8));
	for (int i = 0; i < MAXSEG; i++)
		outs[i] = segbuf[i];
	fixtures();
	refusals();
	no_gso();
	return tap_done();
}
