// SPDX-License-Identifier: MIT
#include "lib/gso.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "lib/be.h"
#include "lib/csum.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80
#define IPV6_EXT_MAX 8

int wgx_gso_parse(const uint8_t *pkt, size_t len, struct wgx_l4_info *info)
{
	size_t off, l4;
	uint8_t proto;

	if (len < 1)
		return -EINVAL;
	if (pkt[0] >> 4 == 4) {
		if (len < 20)
			return -EINVAL;
		off = (size_t)(pkt[0] & 0x0f) * 4;
		if (off < 20 || off > len || wgx_rd16(pkt + 2) != len)
			return -EINVAL;
		if (wgx_rd16(pkt + 6) & 0x3fff)	/* MF or a fragment offset */
			return -EINVAL;
		proto = pkt[9];
		info->ipv6 = 0;
	} else if (pkt[0] >> 4 == 6) {
		int n = 0;

		if (len < 40 || (size_t)wgx_rd16(pkt + 4) + 40 != len)
			return -EINVAL;
		proto = pkt[6];
		off = 40;
		while (proto == IPPROTO_HOPOPTS || proto == IPPROTO_ROUTING ||
		       proto == IPPROTO_DSTOPTS) {
			if (++n > IPV6_EXT_MAX || off + 8 > len)
				return -EINVAL;
			proto = pkt[off];
			off += ((size_t)pkt[off + 1] + 1) * 8;
			if (off > len)
				return -EINVAL;
		}
		info->ipv6 = 1;
	} else {
		return -EINVAL;
	}
	if (proto == IPPROTO_TCP) {
		if (off + 20 > len)
			return -EINVAL;
		l4 = (size_t)(pkt[off + 12] >> 4) * 4;
		if (l4 < 20 || off + l4 > len)
			return -EINVAL;
	} else if (proto == IPPROTO_UDP) {
		l4 = 8;
		if (off + 8 > len)
			return -EINVAL;
	} else {
		return -EPROTONOSUPPORT;
	}
	info->l4_off = (uint16_t)off;
	info->hdr_len = (uint16_t)(off + l4);
	info->proto = proto;
	return 0;
}

/*
 * Full L4 checksum of the IP packet at @pkt whose L4 header starts at
 * @l4_off and ends at @hdr_len, with @payload_sum the sum of what follows
 * (the L4 header length is even, so the payload's words line up).
 */
static void l4_csum_fill(uint8_t *pkt, size_t len, size_t l4_off, size_t hdr_len, uint8_t proto,
			 uint64_t payload_sum)
{
	uint8_t *field = pkt + l4_off + (proto == IPPROTO_TCP ? 16 : 6);
	uint64_t sum = wgx_csum_pseudo(pkt, proto, (uint32_t)(len - l4_off)) + payload_sum;
	uint16_t c;

	field[0] = field[1] = 0;
	c = (uint16_t)~wgx_csum_fold(wgx_csum_add(sum, pkt + l4_off, hdr_len - l4_off));
	if (proto == IPPROTO_UDP && c == 0)
		c = 0xffff;	/* 0 means "no checksum" in UDP */
	wgx_csum_store(field, c);
}

int wgx_gso_csum_complete(uint8_t *pkt, size_t len, const struct wgx_vnet_hdr *vh)
{
	uint64_t sum;
	size_t start = vh->csum_start, field = start + vh->csum_offset;

	if (!(vh->flags & WGX_VNET_F_NEEDS_CSUM))
		return 0;
	if (start >= len || field + 2 > len)
		return -EINVAL;
	/* The field already holds the pseudo-header sum: sum over it, as the kernel does. */
	sum = wgx_csum_add(0, pkt + start, len - start);
	wgx_csum_store(pkt + field, (uint16_t)~wgx_csum_fold(sum));
	return 0;
}

int wgx_gso_split(const uint8_t *pkt, size_t len, const struct wgx_vnet_hdr *vh,
		  uint8_t *const *outs, size_t out_cap, size_t *out_lens, int max_out)
{
	uint8_t type = vh->gso_type & (uint8_t)~WGX_VNET_GSO_ECN;
	struct wgx_l4_info in;
	size_t payload, mss, off, nseg;
	uint16_t ip_id;
	uint32_t seq = 0;
	int ret;

	if (type == WGX_VNET_GSO_NONE) {
		if (max_out < 1)
			return -ENOSPC;
		if (len > out_cap)
			return -EMSGSIZE;
		memcpy(outs[0], pkt, len);
		out_lens[0] = len;
		ret = wgx_gso_csum_complete(outs[0], len, vh);
		return ret ? ret : 1;
	}
	if (type == WGX_VNET_GSO_UDP)
		return -EPROTONOSUPPORT;
	ret = wgx_gso_parse(pkt, len, &in);
	if (ret)
		return ret;
	if ((type == WGX_VNET_GSO_TCPV4 && (in.ipv6 || in.proto != IPPROTO_TCP)) ||
	    (type == WGX_VNET_GSO_TCPV6 && (!in.ipv6 || in.proto != IPPROTO_TCP)) ||
	    (type == WGX_VNET_GSO_UDP_L4 && in.proto != IPPROTO_UDP) ||
	    (type != WGX_VNET_GSO_TCPV4 && type != WGX_VNET_GSO_TCPV6 &&
	     type != WGX_VNET_GSO_UDP_L4))
		return -EINVAL;
	if ((vh->flags & WGX_VNET_F_NEEDS_CSUM) &&
	    (vh->csum_start != in.l4_off || vh->csum_offset != (in.proto == IPPROTO_TCP ? 16 : 6)))
		return -EINVAL;
	mss = vh->gso_size;
	if (!mss)
		return -EINVAL;
	payload = len - in.hdr_len;
	nseg = payload ? (payload + mss - 1) / mss : 1;
	if (nseg > (size_t)max_out)
		return -ENOSPC;
	if (in.hdr_len + (payload < mss ? payload : mss) > out_cap)
		return -EMSGSIZE;
	ip_id = in.ipv6 ? 0 : wgx_rd16(pkt + 4);
	if (in.proto == IPPROTO_TCP)
		seq = wgx_rd32(pkt + in.l4_off + 4);
	off = in.hdr_len;
	for (size_t i = 0; i < nseg; i++) {
		size_t chunk = payload - (off - in.hdr_len) < mss ? payload - (off - in.hdr_len) : mss;
		size_t seg_len = in.hdr_len + chunk;
		uint8_t *o = outs[i], *l4 = o + in.l4_off;

		uint64_t payload_sum;

		memcpy(o, pkt, in.hdr_len);
		payload_sum = wgx_csum_copy(o + in.hdr_len, pkt + off, chunk, 0);
		if (in.ipv6) {
			wgx_wr16(o + 4, (uint16_t)(seg_len - 40));
		} else {
			wgx_wr16(o + 2, (uint16_t)seg_len);
			wgx_wr16(o + 4, (uint16_t)(ip_id + i));
			wgx_csum_ipv4_header(o, in.l4_off);
		}
		if (in.proto == IPPROTO_TCP) {
			wgx_wr32(l4 + 4, seq + (uint32_t)(off - in.hdr_len));
			if (i + 1 < nseg)
				l4[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
			if (i > 0)
				l4[13] &= (uint8_t)~TCP_CWR;
		} else {
			wgx_wr16(l4 + 4, (uint16_t)(seg_len - in.l4_off));
		}
		l4_csum_fill(o, seg_len, in.l4_off, in.hdr_len, in.proto, payload_sum);
		out_lens[i] = seg_len;
		off += chunk;
	}
	return (int)nseg;
}
