// SPDX-License-Identifier: MIT
/*
 * lib/gro.c: decrypted packets coalesced into super-packets for TUN. Fixtures
 * for every reason a run ends or a packet passes alone (PSH, short segment,
 * gap, out of order, flag/option/TTL/ID changes, ECN CE, CWR, FIN/SYN, pure
 * ACKs, bad checksums, IPv4 fragments, IPv6 extension headers, 64 KB, UDP
 * sizes, features off), mixed flows; each super-packet compared with the one
 * pktbuild.h builds for the whole run (partial checksum by the reference
 * sum). Then a randomized model: super-packets of 1-3 flows cut by lib/gso,
 * interleaved, coalesced back: the identity.
 */
#include <stdlib.h>

#include "lib/gro.h"
#include "pktbuild.h"
#include "prng.h"
#include "tap.h"

#define NPKT 128
#define CAP 2048

static uint8_t payload[140000], bufs[NPKT][CAP], copies[NPKT][CAP], asm_buf[70000], want[70000];
static struct wgx_gro_pkt pkts[NPKT];
static struct wgx_gro_out outs[NPKT];
static uint16_t nxt[NPKT];
static int npkt;

/* Append the packet @s with @plen bytes (payload taken at offset seq), then advance seq and ID. */
static void add(struct pb *s, size_t plen)
{
	pkts[npkt].data = bufs[npkt];
	pkts[npkt].len = pb_build(s, payload + (s->seq & 0xffff), plen, bufs[npkt]);
	memcpy(copies[npkt], bufs[npkt], pkts[npkt].len);
	npkt++;
	s->seq += (uint32_t)plen;
	s->id++;
}

/* The bytes of out @k as TUN would take them (without the vnet header). */
static size_t assemble(int k)
{
	struct iovec iov[NPKT + 1];
	size_t len = 0;
	int n = wgx_gro_iov(&outs[k], pkts, nxt, NULL, iov, NPKT + 1);

	for (int i = 0; i < n; i++) {
		memcpy(asm_buf + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	return len;
}

/*
 * Out @k must be the run of @s0 (its first packet's parameters) carrying
 * @plen bytes with @flags: bytes equal but for the L4 checksum field, which
 * must hold the pseudo-header sum; vnet as the kernel wants it.
 */
static int check_run(int k, const struct pb *s0, size_t plen, uint8_t flags, uint16_t seg)
{
	struct pb e = *s0;
	size_t wl, gl = assemble(k), f;
	uint8_t proto;
	size_t l4;
	int good;

	e.flags = flags;
	wl = pb_build(&e, payload + (s0->seq & 0xffff), plen, want);
	f = ref_csum_field(want);
	l4 = ref_l4_off(want, &proto);
	good = gl == wl && outs[k].len == wl &&
	       pb_r16(asm_buf + f) == ref_fold(ref_pseudo(want, proto, wl - l4));
	asm_buf[f] = asm_buf[f + 1] = want[f] = want[f + 1] = 0;
	good = good && !memcmp(asm_buf, want, wl);
	good = good && outs[k].vnet.flags == WGX_VNET_F_NEEDS_CSUM &&
	       outs[k].vnet.gso_size == seg && outs[k].vnet.csum_start == l4 &&
	       outs[k].vnet.csum_offset == (proto == 6 ? 16 : 6) &&
	       outs[k].vnet.hdr_len == l4 + (proto == 6 ? 20 + s0->tcp_opts : 8) &&
	       (outs[k].vnet.gso_type & 0x7f) ==
		       (proto == 17 ? WGX_VNET_GSO_UDP_L4 : s0->v6 ? WGX_VNET_GSO_TCPV6 : WGX_VNET_GSO_TCPV4) &&
	       !!(outs[k].vnet.gso_type & WGX_VNET_GSO_ECN) == (proto == 6 && (flags & PB_CWR));
	return good;
}

/* Coalesce the packets added so far; check the chain sizes of the outs are @want_counts. */
static int run(const char *what, unsigned int features, const int *want_counts, int nwant)
{
	char got[256] = "", exp[256] = "";
	int n = wgx_gro_coalesce(pkts, npkt, features, outs, nxt), same = n == nwant;

	for (int k = 0; k < n; k++) {
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%d ", outs[k].count);
		same = same && outs[k].count == want_counts[k];
	}
	for (int k = 0; k < nwant; k++)
		snprintf(exp + strlen(exp), sizeof(exp) - strlen(exp), "%d ", want_counts[k]);
	ok(same, "%s: outs [ %s] (want [ %s])", what, got, exp);
	return same;
}

/* Every packet that passed alone is byte-for-byte what was read. */
static int alone_untouched(void)
{
	int n = 0, k;

	for (k = 0; outs[k].count || k == 0; k++) {
		if (k >= npkt || !outs[k].count)
			break;
		if (outs[k].count == 1 &&
		    (memcmp(pkts[outs[k].head].data, copies[outs[k].head], pkts[outs[k].head].len) ||
		     outs[k].vnet.flags || outs[k].vnet.gso_type))
			n++;
	}
	return !n;
}

#define RUN(what, feat, ...) \
	run(what, feat, (const int[]){ __VA_ARGS__ }, sizeof((int[]){ __VA_ARGS__ }) / sizeof(int))
#define TCP WGX_GRO_TCP

/* One header field that differs between two runs of a flow. */
enum change { CH_ECE, CH_ACK, CH_OPTS, CH_WINDOW, CH_TTL, CH_TOS, CH_IP_ID, CH_DF, CHANGES };

/* Two segments, then @c changes, two more: two runs of two (the kernel's GRO rules). */
static void change_ends_run(const struct pb *s0, enum change c)
{
	static const char *const what[CHANGES] = {
		"ECE flag", "ack number (and option bytes)", "TCP option bytes", "window", "TTL", "TOS (DSCP)",
		"IP ID jump", "DF bit",
	};
	struct pb s = *s0;
	char name[80];

	npkt = 0;
	add(&s, 1388);
	add(&s, 1388);
	switch (c) {
	case CH_ECE: s.flags |= PB_ECE; break;
	case CH_ACK: s.ack++; break;
	case CH_OPTS: s.opt_salt = 1; break;
	case CH_WINDOW: s.win = 1000; break;
	case CH_TTL: s.ttl = 63; break;
	case CH_TOS: s.tos = 0x20; break;
	case CH_IP_ID: s.id += 5; break;
	case CH_DF: s.frag ^= 0x4000; break;
	case CHANGES: break;
	}
	add(&s, 1388);
	add(&s, 1388);
	snprintf(name, sizeof(name), "%s change ends the run", what[c]);
	RUN(name, TCP, 2, 2);
}
#define BOTH (WGX_GRO_TCP | WGX_GRO_UDP)

static void tcp_fixtures(void)
{
	struct pb s = { .flags = PB_ACK, .seq = 1000, .id = 7, .ack = 5, .tcp_opts = 12, .frag = 0x4000 };
	struct pb s0, t;

	npkt = 0;
	s0 = s;
	for (int i = 0; i < 5; i++)
		add(&s, 1388);
	add(&s, 500);	/* short: ends the run */
	add(&s, 1388);
	if (RUN("IPv4 TCP: 5 full + short last, then one more", TCP, 6, 1)) {
		ok(check_run(0, &s0, 5 * 1388 + 500, PB_ACK, 1388), "super-packet == the run rebuilt whole");
		ok(alone_untouched(), "the lone packet untouched, no vnet");
	}

	npkt = 0;
	s = s0;
	add(&s, 1388);
	s.flags = PB_ACK | PB_PSH;
	add(&s, 1388);	/* PSH: joins, ends the run */
	s.flags = PB_ACK;
	add(&s, 1388);
	add(&s, 1388);
	if (RUN("PSH ends the run it joins", TCP, 2, 2))
		ok(check_run(0, &s0, 2 * 1388, PB_ACK | PB_PSH, 1388), "PSH carried to the super-packet");

	npkt = 0;
	s = s0;
	s.flags = PB_ACK | PB_CWR;
	add(&s, 1388);
	s.flags = PB_ACK;
	add(&s, 1388);
	add(&s, 1388);
	s.flags = PB_ACK | PB_CWR;
	add(&s, 1388);	/* CWR only on a first segment */
	if (RUN("CWR leads a run, never joins one", TCP, 3, 1))
		ok(check_run(0, &s0, 3 * 1388, PB_ACK | PB_CWR, 1388), "CWR kept, gso_type has ECN");

	for (int c = 0; c < CHANGES; c++)
		change_ends_run(&s0, c);

	npkt = 0;
	s = s0;
	add(&s, 1388);
	s.seq += 1388;	/* gap */
	add(&s, 1388);
	add(&s, 1388);
	RUN("sequence gap starts a new run", TCP, 1, 2);

	npkt = 0;
	s = s0;
	t = s;
	t.seq += 1388;
	t.id++;
	add(&t, 1388);	/* segment 2 before segment 1 */
	add(&s, 1388);
	add(&t, 1388);	/* t is now segment 3: its seq follows segment 2, but segment 1 intervened */
	RUN("out of order: nothing merges across it", TCP, 1, 1, 1);

	npkt = 0;
	s = s0;
	s.tos = 0x02;
	add(&s, 1388);
	add(&s, 1388);
	s.tos = 0x03;	/* CE */
	add(&s, 1388);
	s.tos = 0x02;
	add(&s, 1388);
	add(&s, 1388);
	if (RUN("ECN CE passes alone", TCP, 2, 1, 2))
		ok(alone_untouched(), "the CE packet untouched");

	npkt = 0;
	s = s0;
	add(&s, 1388);
	add(&s, 0);	/* pure ACK */
	s.flags = PB_ACK | PB_FIN;
	add(&s, 1388);
	s.flags = PB_SYN;
	add(&s, 0);
	s.flags = PB_ACK | PB_RST;
	add(&s, 10);
	if (RUN("pure ACK, FIN, SYN, RST pass alone", TCP, 1, 1, 1, 1, 1))
		ok(alone_untouched(), "all untouched");

	npkt = 0;
	s = s0;
	add(&s, 1388);
	add(&s, 1388);
	bufs[npkt - 1][100] ^= 1;	/* corrupt the payload: checksum no longer holds */
	memcpy(copies[npkt - 1], bufs[npkt - 1], pkts[npkt - 1].len);
	add(&s, 1388);
	if (RUN("bad L4 checksum passes alone (the kernel drops it)", TCP, 1, 1, 1))
		ok(alone_untouched(), "untouched");

	npkt = 0;
	s = s0;
	s.frag = 0x2000;	/* MF: a fragment */
	add(&s, 1388);
	s.frag = 0x2000 | 173;
	add(&s, 1388);
	if (RUN("IPv4 fragments pass alone", TCP, 1, 1))
		ok(alone_untouched(), "fragments untouched");

	npkt = 0;
	s = s0;
	s.ip_opts = 8;
	add(&s, 1380);
	add(&s, 1380);
	if (RUN("IPv4 with options coalesces (same options)", TCP, 2)) {
		struct pb e = s0;

		e.ip_opts = 8;
		ok(check_run(0, &e, 2 * 1380, PB_ACK, 1380), "options kept");
	}

	npkt = 0;
	s = (struct pb){ .v6 = 1, .flags = PB_ACK, .seq = 77, .tos = 0x22 };
	s0 = s;
	for (int i = 0; i < 4; i++)
		add(&s, 1360);
	if (RUN("IPv6 TCP", TCP, 4))
		ok(check_run(0, &s0, 4 * 1360, PB_ACK, 1360), "IPv6 super-packet == the run");
	npkt = 0;
	s.ext = 1;
	add(&s, 1344);
	add(&s, 1344);
	RUN("IPv6 with an extension header passes alone", TCP, 1, 1);

	npkt = 0;
	s = s0;
	s.v6 = 0;
	for (int i = 0; i < 50; i++)
		add(&s, 1400);
	RUN("64 KB cap: 50 x 1400 bytes split", TCP, 46, 4);

	npkt = 0;
	s = s0;
	s.v6 = 0;
	t = s;
	t.src_last = 9;
	t.seq = 50000;
	for (int i = 0; i < 4; i++) {
		add(&s, 1388);
		add(&t, 1388);
	}
	if (RUN("two flows interleaved: one run each", TCP, 4, 4)) {
		struct pb e = s0;

		e.v6 = 0;
		ok(check_run(0, &e, 4 * 1388, PB_ACK, 1388), "flow 1 rebuilt");
		e.src_last = 9;
		e.seq = 50000;
		ok(check_run(1, &e, 4 * 1388, PB_ACK, 1388), "flow 2 rebuilt");
	}

	npkt = 0;
	s = s0;
	add(&s, 1388);
	add(&s, 1388);
	RUN("features 0: nothing coalesces", 0, 1, 1);
}

static void udp_fixtures(void)
{
	struct pb s = { .udp = 1, .id = 40 }, s0 = s;

	npkt = 0;
	for (int i = 0; i < 3; i++)
		add(&s, 1392);
	add(&s, 20);
	add(&s, 1392);
	if (RUN("IPv4 UDP: same size then a short one", BOTH, 4, 1))
		ok(check_run(0, &s0, 3 * 1392 + 20, 0, 1392), "UDP super-packet: lengths, partial csum");
	RUN("UDP without USO passes alone", TCP, 1, 1, 1, 1, 1);

	npkt = 0;
	s = (struct pb){ .udp = 1, .v6 = 1 };
	s0 = s;
	add(&s, 1000);
	add(&s, 1000);
	add(&s, 1200);	/* larger than the run's size */
	if (RUN("IPv6 UDP: a larger datagram ends the run", BOTH, 2, 1))
		ok(check_run(0, &s0, 2000, 0, 1000), "IPv6 UDP super-packet");
}

/* Segment 1-3 random flows with lib/gso, interleave, coalesce: each flow comes back whole. */
static void model(void)
{
	static uint8_t super[3][70000], segs[3][NPKT][CAP];
	struct pb fl[3];
	size_t plen[3];
	uint16_t mss[3];
	int nseg[3], iters = 400, fails = 0, csum_fails = 0;

	prng_seed(0x6a0);
	for (int it = 0; it < iters; it++) {
		int nf = 1 + (int)prng_below(3), pos[3] = { 0 }, k, expect = 0;
		uint8_t *o[NPKT];
		size_t lens[NPKT];

		npkt = 0;
		for (int f = 0; f < nf; f++) {
			struct wgx_vnet_hdr vh = { 0 };
			size_t hdr;

			memset(&fl[f], 0, sizeof(fl[f]));
			fl[f].v6 = prng_below(2);
			fl[f].udp = prng_below(3) == 0;
			fl[f].src_last = (uint8_t)(f + 1);
			fl[f].ip_opts = fl[f].v6 ? 0 : 4 * prng_below(3);
			fl[f].tcp_opts = 4 * prng_below(4);
			fl[f].flags = (uint8_t[]){ PB_ACK, PB_ACK | PB_PSH, PB_ACK | PB_CWR,
						   PB_ACK | PB_ECE | PB_PSH }[prng_below(4)];
			fl[f].id = (uint16_t)prng_next();
			fl[f].seq = (uint32_t)prng_next();
			fl[f].ack = (uint32_t)prng_next();
			fl[f].tos = (uint8_t)(prng_below(3) << 2);	/* DSCP, not-ECT */
			fl[f].frag = prng_below(2) ? 0x4000 : 0;
			hdr = (fl[f].v6 ? 40 : 20 + fl[f].ip_opts) + (fl[f].udp ? 8 : 20 + fl[f].tcp_opts);
			mss[f] = (uint16_t)(500 + prng_below(1420 - 500 - hdr + 1));
			plen[f] = 1 + prng_below(65535 - hdr - (fl[f].v6 ? 0 : 0) - 40);
			if (plen[f] > (size_t)mss[f] * 40)
				plen[f] = 1 + prng_below((size_t)mss[f] * 40);
			pb_build(&fl[f], payload + (fl[f].seq & 0xffff), plen[f], super[f]);
			vh.gso_type = fl[f].udp ? WGX_VNET_GSO_UDP_L4 : fl[f].v6 ? WGX_VNET_GSO_TCPV6 : WGX_VNET_GSO_TCPV4;
			vh.gso_size = mss[f];
			for (k = 0; k < NPKT; k++)
				o[k] = segs[f][k];
			nseg[f] = wgx_gso_split(super[f], hdr + plen[f], &vh, o, CAP, lens, NPKT);
			if (nseg[f] < 1 || npkt + nseg[f] > NPKT) {
				fails++;
				nseg[f] = 0;
				continue;
			}
			for (k = 0; k < nseg[f]; k++) {
				if (!ref_ip_ok(o[k]) || !ref_l4_ok(o[k], lens[k]))
					csum_fails++;
				pkts[npkt + k].data = o[k];
				pkts[npkt + k].len = lens[k];
			}
			npkt += nseg[f];
			expect++;
		}
		/* Interleave: repeatedly take the next segment of a random flow. */
		{
			struct wgx_gro_pkt mixed[NPKT];
			int base[3], m = 0;

			base[0] = 0;
			for (int f = 1; f < nf; f++)
				base[f] = base[f - 1] + nseg[f - 1];
			while (m < npkt) {
				int f = (int)prng_below((uint64_t)nf);

				if (pos[f] < nseg[f])
					mixed[m++] = pkts[base[f] + pos[f]++];
			}
			memcpy(pkts, mixed, sizeof(mixed[0]) * (size_t)npkt);
		}
		k = wgx_gro_coalesce(pkts, npkt, BOTH, outs, nxt);
		if (k != expect) {
			if (!fails++)
				diag("iteration %d: %d outs for %d flows", it, k, expect);
			continue;
		}
		for (int j = 0; j < k; j++) {
			int f = pkts[outs[j].head].data[pkts[outs[j].head].data[0] >> 4 == 4 ? 15 : 23] - 1;

			if (f < 0 || f >= nf || outs[j].count != nseg[f] ||
			    (nseg[f] > 1 && !check_run(j, &fl[f], plen[f], fl[f].flags, mss[f])) ||
			    (nseg[f] == 1 && memcmp(pkts[outs[j].head].data, super[f], outs[j].len))) {
				if (!fails++)
					diag("iteration %d: flow %d (v6 %d udp %d plen %zu mss %u count %d nseg %d) not rebuilt",
					     it, f, fl[f].v6, fl[f].udp, plen[f], mss[f], f >= 0 && f < nf ? outs[j].count : -1, f >= 0 && f < nf ? nseg[f] : -1);
			}
		}
	}
	ok(!csum_fails, "model: every segment's checksums hold by the reference sum");
	ok(!fails, "model: %d rounds of 1-3 random flows segmented, interleaved, coalesced: identity", iters);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 13 + (i >> 9));
	tcp_fixtures();
	udp_fixtures();
	model();
	return tap_done();
}
