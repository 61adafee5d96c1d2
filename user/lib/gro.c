// SPDX-License-Identifier: MIT
#include "lib/gro.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "lib/be.h"
#include "lib/csum.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_URG 0x20
#define TCP_CWR 0x80
#define SLOTS (2 * WGX_GRO_BATCH_MAX)	/* open addressing, at most half full */

struct flow {
	uint16_t key_pkt;	/* a packet of the flow whose headers stay as read */
	uint16_t out;		/* the open run in outs[], WGX_GRO_NONE when closed */
	uint16_t tail;		/* last packet of the open run */
	uint16_t seg;		/* payload bytes per segment of the run */
	uint16_t next_id;	/* IPv4 ID the next segment must carry */
	uint32_t next_seq;	/* TCP sequence number it must carry */
};

struct pinfo {
	struct wgx_l4_info in;
	uint16_t payload;
};

int wgx_gro_csum_valid(const uint8_t *pkt, size_t len, const struct wgx_l4_info *in)
{
	const uint8_t *l4 = pkt + in->l4_off;
	uint64_t sum;

	if (!in->ipv6 && wgx_csum_fold(wgx_csum_add(0, pkt, in->l4_off)) != 0xffff)
		return 0;
	if (in->proto == IPPROTO_UDP && !in->ipv6 && !l4[6] && !l4[7])
		return 1;	/* IPv4 UDP without a checksum */
	sum = wgx_csum_pseudo(pkt, in->proto, (uint32_t)(len - in->l4_off));
	return wgx_csum_fold(wgx_csum_add(sum, l4, len - in->l4_off)) == 0xffff;
}

/* Addresses, protocol and ports: what makes two packets one flow. */
static const uint8_t *flow_addrs(const uint8_t *p, const struct wgx_l4_info *in, size_t *n)
{
	*n = in->ipv6 ? 32 : 8;
	return p + (in->ipv6 ? 8 : 12);
}

static uint32_t flow_hash(const uint8_t *p, const struct wgx_l4_info *in)
{
	size_t n;
	const uint8_t *a = flow_addrs(p, in, &n);
	uint32_t h = 2166136261u ^ in->proto;

	for (size_t i = 0; i < n; i++)
		h = (h ^ a[i]) * 16777619u;
	for (size_t i = 0; i < 4; i++)
		h = (h ^ p[in->l4_off + i]) * 16777619u;
	return h;
}

static int same_flow(const uint8_t *a, const struct wgx_l4_info *ia, const uint8_t *b,
		     const struct wgx_l4_info *ib)
{
	size_t n;
	const uint8_t *aa = flow_addrs(a, ia, &n), *ba;

	if (ia->ipv6 != ib->ipv6 || ia->proto != ib->proto)
		return 0;
	ba = flow_addrs(b, ib, &n);
	return !memcmp(aa, ba, n) && !memcmp(a + ia->l4_off, b + ib->l4_off, 4);
}

static int ecn_ce(const uint8_t *p, int ipv6)
{
	return ipv6 ? ((p[1] >> 4) & 3) == 3 : (p[1] & 3) == 3;
}

/* Can @p start a run: payload, plain flags, no CE, checksums that hold. */
static int can_lead(const uint8_t *p, size_t len, const struct pinfo *pi)
{
	if (!pi->payload || ecn_ce(p, pi->in.ipv6))
		return 0;
	if (pi->in.proto == IPPROTO_TCP &&
	    (p[pi->in.l4_off + 13] & (TCP_SYN | TCP_FIN | TCP_RST | TCP_URG)))
		return 0;
	if (pi->in.proto == IPPROTO_UDP && wgx_rd16(p + pi->in.l4_off + 4) != len - pi->in.l4_off)
		return 0;
	return wgx_gro_csum_valid(p, len, &pi->in);
}

/* Does @c (already known to lead-able and of @f's flow) continue @f's run headed by @h? */
static int can_append(const struct flow *f, const struct wgx_gro_out *o, const uint8_t *h,
		      const struct pinfo *hi, const uint8_t *c, const struct pinfo *ci)
{
	uint16_t l4 = hi->in.l4_off;

	if (ci->in.hdr_len != hi->in.hdr_len || l4 != ci->in.l4_off || ci->payload > f->seg)
		return 0;
	if ((size_t)o->len + ci->payload > 65535u + (hi->in.ipv6 ? 40u : 0u))
		return 0;
	if (hi->in.ipv6) {
		if (memcmp(h, c, 4) || h[7] != c[7])	/* class, flow label, hop limit */
			return 0;
	} else {
		/* TOS, DF, TTL, options; the ID must count up. */
		if (h[1] != c[1] || h[6] != c[6] || h[7] != c[7] || h[8] != c[8] ||
		    memcmp(h + 20, c + 20, (size_t)l4 - 20) || wgx_rd16(c + 4) != f->next_id)
			return 0;
	}
	if (hi->in.proto == IPPROTO_TCP) {
		const uint8_t *th = h + l4, *tc = c + l4;

		if (wgx_rd32(tc + 4) != f->next_seq || memcmp(th + 8, tc + 8, 5) ||
		    (tc[13] & (uint8_t)~TCP_PSH) != (th[13] & (uint8_t)~(TCP_PSH | TCP_CWR)) ||
		    memcmp(th + 14, tc + 14, 2) ||
		    memcmp(th + 20, tc + 20, (size_t)hi->in.hdr_len - l4 - 20))
			return 0;
	}
	return 1;
}

/* Turn the head of a chain of @o->count packets into the super-packet's header. */
static void finish_run(struct wgx_gro_out *o, uint8_t *h, const struct pinfo *hi, int psh)
{
	uint16_t l4 = hi->in.l4_off;
	int tcp = hi->in.proto == IPPROTO_TCP;

	if (hi->in.ipv6) {
		wgx_wr16(h + 4, (uint16_t)(o->len - 40));
	} else {
		wgx_wr16(h + 2, (uint16_t)o->len);
		wgx_csum_ipv4_header(h, l4);
	}
	if (tcp) {
		if (psh)
			h[l4 + 13] |= TCP_PSH;
		o->vnet.gso_type = hi->in.ipv6 ? WGX_VNET_GSO_TCPV6 : WGX_VNET_GSO_TCPV4;
		if (h[l4 + 13] & TCP_CWR)
			o->vnet.gso_type |= WGX_VNET_GSO_ECN;
	} else {
		wgx_wr16(h + l4 + 4, (uint16_t)(o->len - l4));
		o->vnet.gso_type = WGX_VNET_GSO_UDP_L4;
	}
	/* NEEDS_CSUM: the field carries the pseudo-header sum, the kernel adds the rest. */
	wgx_csum_store(h + l4 + (tcp ? 16 : 6),
		       wgx_csum_fold(wgx_csum_pseudo(h, hi->in.proto, o->len - l4)));
	o->vnet.flags = WGX_VNET_F_NEEDS_CSUM;
	o->hdr_len = hi->in.hdr_len;
	o->vnet.hdr_len = hi->in.hdr_len;
	o->vnet.gso_size = hi->payload;
	o->vnet.csum_start = l4;
	o->vnet.csum_offset = tcp ? 16 : 6;
}

int wgx_gro_coalesce(struct wgx_gro_pkt *pkts, int n, unsigned int features,
		     struct wgx_gro_out *outs, uint16_t *next)
{
	struct pinfo info[WGX_GRO_BATCH_MAX];
	struct flow flows[WGX_GRO_BATCH_MAX];
	uint16_t slots[SLOTS];
	uint8_t psh[WGX_GRO_BATCH_MAX];	/* per out: its last packet had PSH */
	int nout = 0, nflow = 0;

	if (n > WGX_GRO_BATCH_MAX)
		n = WGX_GRO_BATCH_MAX;
	memset(slots, 0xff, sizeof(slots));
	for (int i = 0; i < n; i++) {
		uint8_t *p = pkts[i].data;
		struct pinfo *pi = &info[i];
		struct wgx_gro_out *o;
		struct flow *f = NULL;
		uint32_t slot;
		int lead;

		next[i] = WGX_GRO_NONE;
		if (wgx_gso_parse(p, pkts[i].len, &pi->in) ||
		    !(features & (pi->in.proto == IPPROTO_TCP ? WGX_GRO_TCP : WGX_GRO_UDP)) ||
		    (pi->in.ipv6 && pi->in.l4_off != 40))
			goto alone;
		pi->payload = (uint16_t)(pkts[i].len - pi->in.hdr_len);
		for (slot = flow_hash(p, &pi->in) & (SLOTS - 1); slots[slot] != WGX_GRO_NONE;
		     slot = (slot + 1) & (SLOTS - 1)) {
			struct flow *g = &flows[slots[slot]];

			if (same_flow(pkts[g->key_pkt].data, &info[g->key_pkt].in, p, &pi->in)) {
				f = g;
				break;
			}
		}
		if (!f) {
			f = &flows[nflow];
			f->key_pkt = (uint16_t)i;
			f->out = WGX_GRO_NONE;
			slots[slot] = (uint16_t)nflow++;
		}
		lead = can_lead(p, pkts[i].len, pi);
		if (lead && f->out != WGX_GRO_NONE &&
		    can_append(f, &outs[f->out], pkts[outs[f->out].head].data,
			       &info[outs[f->out].head], p, pi)) {
			o = &outs[f->out];
			next[f->tail] = (uint16_t)i;
			f->tail = (uint16_t)i;
			o->count++;
			o->len += pi->payload;
			f->next_id++;
			f->next_seq += pi->payload;
			if (pi->in.proto == IPPROTO_TCP && (p[pi->in.l4_off + 13] & TCP_PSH))
				psh[f->out] = 1;
			if (psh[f->out] || pi->payload < f->seg)
				f->out = WGX_GRO_NONE;
			continue;
		}
		f->out = WGX_GRO_NONE;
		if (lead) {
			f->out = (uint16_t)nout;
			f->tail = (uint16_t)i;
			f->seg = pi->payload;
			f->next_id = (uint16_t)(wgx_rd16(p + 4) + 1);
			if (pi->in.proto == IPPROTO_TCP) {
				f->next_seq = wgx_rd32(p + pi->in.l4_off + 4) + pi->payload;
				if (p[pi->in.l4_off + 13] & TCP_PSH)
					f->out = WGX_GRO_NONE;
			}
		}
alone:
		o = &outs[nout];
		memset(o, 0, sizeof(*o));
		o->head = (uint16_t)i;
		o->count = 1;
		o->len = (uint32_t)pkts[i].len;
		psh[nout++] = 0;
	}
	for (int k = 0; k < nout; k++) {
		struct wgx_gro_out *o = &outs[k];

		if (o->count > 1)
			finish_run(o, pkts[o->head].data, &info[o->head], psh[k]);
	}
	return nout;
}

int wgx_gro_iov(const struct wgx_gro_out *o, const struct wgx_gro_pkt *pkts,
		const uint16_t *next, struct wgx_vnet_hdr *vh, struct iovec *iov, int max)
{
	int k = 0;

	if (max < o->count + (vh ? 1 : 0))
		return -ENOSPC;
	if (vh) {
		*vh = o->vnet;
		iov[k++] = (struct iovec){ vh, sizeof(*vh) };
	}
	iov[k++] = (struct iovec){ pkts[o->head].data, pkts[o->head].len };
	for (uint16_t i = next[o->head]; i != WGX_GRO_NONE; i = next[i])
		iov[k++] = (struct iovec){ pkts[i].data + o->hdr_len, pkts[i].len - o->hdr_len };
	return k;
}
