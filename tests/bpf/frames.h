/* SPDX-License-Identifier: MIT */
/*
 * Fixture frames for the XDP tests, generated from descriptors (no hand-typed
 * hex): Ethernet, 0-3 VLAN tags, IPv4 with options / IPv6 with extension
 * headers, then UDP carrying a WireGuard-shaped message, or another L4
 * protocol with a few payload bytes. frame_build() records where each header
 * starts so tests can cut frames at every boundary.
 */
#ifndef WGX_TEST_FRAMES_H
#define WGX_TEST_FRAMES_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>

struct fdesc {
	uint8_t vlans;		/* tags: 0..3 (alternating 802.1ad/802.1Q) */
	uint16_t ethertype;	/* ETH_P_IP, ETH_P_IPV6 or anything (then raw payload) */
	uint8_t ip4_opt_words;	/* IPv4 options, in 4-byte words (NOPs) */
	uint16_t ip4_frag_off;	/* iphdr.frag_off, host order */
	uint8_t n_ext;		/* IPv6 extension headers, types in ext[] */
	uint8_t ext[8];
	uint8_t ext_units;	/* hdrlen of each ext header (size (n+1)*8, AH (n+2)*4) */
	uint8_t proto;		/* L4 protocol; 0 means UDP */
	uint16_t dport;		/* UDP */
	int udp_len_adj;	/* added to the UDP length field (lies) */
	uint8_t wg_type;	/* first message byte */
	uint8_t wg_res[3];	/* the three reserved bytes */
	uint16_t msg_len;	/* UDP payload bytes */
	uint32_t index;		/* receiver index at message offset 4 (le32) */
	uint8_t payload0;	/* first byte of a non-UDP payload (ICMPv6 type) */
	const char *src, *dst;	/* addresses; NULL = 198.18.0.1/2 or 2001:2::1/2 */
};

struct flayout {
	size_t l3, l4, msg, len;
};

#define FRAME_SPORT 40000

static inline uint16_t frame_csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline size_t frame_l2(const struct fdesc *d, uint8_t *b)
{
	static const uint8_t dmac[6] = { 0x02, 0, 0, 0, 0, 0x02 }, smac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	size_t off = 12;

	memcpy(b, dmac, 6);
	memcpy(b + 6, smac, 6);
	for (int i = 0; i < d->vlans; i++) {
		put16(b + off, i == 0 && d->vlans > 1 ? ETH_P_8021AD : ETH_P_8021Q);
		put16(b + off + 2, 100 + i);
		off += 4;
	}
	put16(b + off, d->ethertype);
	return off + 2;
}

/* L4 (UDP + message, or raw payload) at b; returns its length. */
static inline size_t frame_l4(const struct fdesc *d, uint8_t *b)
{
	size_t n;

	if (d->proto && d->proto != IPPROTO_UDP) {
		memset(b, 0, 8);
		b[0] = d->payload0;
		return 8;
	}
	n = 8 + d->msg_len;
	put16(b, FRAME_SPORT);
	put16(b + 2, d->dport);
	put16(b + 4, (uint16_t)(n + d->udp_len_adj));
	put16(b + 6, 0); /* no checksum: XDP does not look at it */
	for (size_t i = 0; i < d->msg_len; i++)
		b[8 + i] = (uint8_t)(i * 7 + 1); /* filler, overwritten below */
	if (d->msg_len > 0)
		b[8] = d->wg_type;
	for (int i = 0; i < 3 && 1 + i < d->msg_len; i++)
		b[9 + i] = d->wg_res[i];
	for (int i = 0; i < 4 && 4 + i < d->msg_len; i++)
		b[12 + i] = (uint8_t)(d->index >> (8 * i));
	return n;
}

/* Build the frame into b (at least 2048 bytes); returns its length. */
static inline size_t frame_build(const struct fdesc *d, uint8_t *b, struct flayout *lay)
{
	uint8_t proto = d->proto ? d->proto : IPPROTO_UDP;
	size_t off = frame_l2(d, b), hl, l4len;

	lay->l3 = off;
	if (d->ethertype == ETH_P_IP) {
		hl = 20 + 4 * d->ip4_opt_words;
		memset(b + off, 0, hl);
		b[off] = 0x40 | (uint8_t)(hl / 4);
		put16(b + off + 6, d->ip4_frag_off);
		b[off + 8] = 64;
		b[off + 9] = proto;
		inet_pton(AF_INET, d->src ? d->src : "198.18.0.1", b + off + 12);
		inet_pton(AF_INET, d->dst ? d->dst : "198.18.0.2", b + off + 16);
		memset(b + off + 20, 1, hl - 20); /* IPOPT_NOOP */
		lay->l4 = off + hl;
		l4len = frame_l4(d, b + lay->l4);
		put16(b + off + 2, (uint16_t)(hl + l4len));
		put16(b + off + 10, frame_csum(b + off, hl));
	} else if (d->ethertype == ETH_P_IPV6) {
		size_t p = off + 40;

		memset(b + off, 0, 40);
		b[off] = 0x60;
		b[off + 7] = 64;
		inet_pton(AF_INET6, d->src ? d->src : "2001:2::1", b + off + 8);
		inet_pton(AF_INET6, d->dst ? d->dst : "2001:2::2", b + off + 24);
		b[off + 6] = d->n_ext ? d->ext[0] : proto;
		for (int i = 0; i < d->n_ext; i++) {
			size_t len = d->ext[i] == IPPROTO_AH ? (d->ext_units + 2u) * 4
							     : (d->ext_units + 1u) * 8;

			memset(b + p, 0, len);
			b[p] = i + 1 < d->n_ext ? d->ext[i + 1] : proto;
			b[p + 1] = d->ext_units;
			p += len;
		}
		lay->l4 = p;
		l4len = frame_l4(d, b + p);
		put16(b + off + 4, (uint16_t)(p - off - 40 + l4len));
	} else {
		memset(b + off, 0xaa, 28); /* an ARP-sized body */
		lay->l4 = lay->msg = lay->len = off + 28;
		return lay->len;
	}
	lay->msg = lay->l4 + 8;
	lay->len = lay->l4 + l4len;
	return lay->len;
}

#endif
