/* SPDX-License-Identifier: MIT */
/*
 * IPv4/IPv6 TCP/UDP packet builder and a reference checksum for
 * test_gso.c and test_gro.c: a plain big-endian 16-bit word sum, written
 * independently of lib/csum.h so the two check each other.
 */
#ifndef WGX_TEST_PKTBUILD_H
#define WGX_TEST_PKTBUILD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PB_FIN 0x01
#define PB_SYN 0x02
#define PB_RST 0x04
#define PB_PSH 0x08
#define PB_ACK 0x10
#define PB_URG 0x20
#define PB_ECE 0x40
#define PB_CWR 0x80

struct pb {
	int v6, udp;
	size_t ip_opts;		/* IPv4 option bytes (multiple of 4) */
	int ext;		/* IPv6: hop-by-hop and destination-options headers (0..2) */
	int frag_ext;		/* IPv6: a fragment header (first fragment, M=0: an atomic fragment) */
	size_t tcp_opts;	/* TCP option bytes (multiple of 4) */
	uint8_t flags, tos, ttl;
	uint16_t id, frag, win, sport, dport;
	uint32_t seq, ack;
	uint8_t src_last;	/* last byte of the source address: another flow */
	uint8_t opt_salt;	/* changes the TCP option bytes alone */
};

static inline uint32_t ref_words(const uint8_t *p, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

static inline uint16_t ref_fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static inline size_t ref_l4_off(const uint8_t *p, uint8_t *proto)
{
	size_t off;
	uint8_t nh;

	if (p[0] >> 4 == 4) {
		*proto = p[9];
		return (size_t)(p[0] & 15) * 4;
	}
	nh = p[6];
	off = 40;
	while (nh == 0 || nh == 60 || nh == 44 || nh == 43) {
		uint8_t n2 = p[off];

		off += nh == 44 ? 8 : ((size_t)p[off + 1] + 1) * 8;
		nh = n2;
	}
	*proto = nh;
	return off;
}

/* Pseudo-header sum of the packet at @p with an L4 length of @l4len. */
static inline uint32_t ref_pseudo(const uint8_t *p, uint8_t proto, size_t l4len)
{
	uint32_t acc = proto + (uint32_t)(l4len >> 16) + (uint32_t)(l4len & 0xffff);

	return p[0] >> 4 == 4 ? ref_words(p + 12, 8, acc) : ref_words(p + 8, 32, acc);
}

static inline int ref_ip_ok(const uint8_t *p)
{
	return p[0] >> 4 == 6 || ref_fold(ref_words(p, (size_t)(p[0] & 15) * 4, 0)) == 0xffff;
}

static inline int ref_l4_ok(const uint8_t *p, size_t len)
{
	uint8_t proto;
	size_t off = ref_l4_off(p, &proto);

	return ref_fold(ref_words(p + off, len - off, ref_pseudo(p, proto, len - off))) == 0xffff;
}

/* Offset of the L4 checksum field of @p. */
static inline size_t ref_csum_field(const uint8_t *p)
{
	uint8_t proto;
	size_t off = ref_l4_off(p, &proto);

	return off + (proto == 6 ? 16 : 6);
}

static inline void ref_fill_l4(uint8_t *p, size_t len)
{
	uint8_t proto;
	size_t off = ref_l4_off(p, &proto), f = off + (proto == 6 ? 16 : 6);
	uint16_t c;

	p[f] = p[f + 1] = 0;
	c = (uint16_t)~ref_fold(ref_words(p + off, len - off, ref_pseudo(p, proto, len - off)));
	if (proto == 17 && !c)
		c = 0xffff;
	p[f] = (uint8_t)(c >> 8);
	p[f + 1] = (uint8_t)c;
}

static inline void pb_w16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void pb_w32(uint8_t *p, uint32_t v)
{
	pb_w16(p, v >> 16);
	pb_w16(p + 2, v & 0xffff);
}

static inline uint32_t pb_r32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint16_t pb_r16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Build the packet @s carrying @plen bytes of @payload into @o, every checksum valid. */
static inline size_t pb_build(const struct pb *s, const uint8_t *payload, size_t plen, uint8_t *o)
{
	size_t off, l4len, len;
	uint8_t proto = s->udp ? 17 : 6, *nh;

	if (!s->v6) {
		off = 20 + s->ip_opts;
		memset(o, 0, off);
		o[0] = (uint8_t)(0x40 | off / 4);
		o[1] = s->tos;
		pb_w16(o + 4, s->id);
		pb_w16(o + 6, s->frag);
		o[8] = s->ttl ? s->ttl : 64;
		o[9] = proto;
		o[12] = 198; o[13] = 18; o[14] = 0; o[15] = s->src_last ? s->src_last : 1;
		o[16] = 198; o[17] = 18; o[18] = 0; o[19] = 2;
		for (size_t i = 20; i < off; i++)
			o[i] = i + 1 < off ? 1 : 0;	/* NOPs, then end of options */
	} else {
		memset(o, 0, 40);
		o[0] = (uint8_t)(0x60 | s->tos >> 4);
		o[1] = (uint8_t)(s->tos << 4 | 0x0a);
		o[2] = 0xbc; o[3] = 0xde;	/* flow label */
		o[7] = s->ttl ? s->ttl : 64;
		o[8] = 0x20; o[9] = 0x01; o[10] = 0x00; o[11] = 0x02; o[23] = s->src_last ? s->src_last : 1;
		o[24] = 0x20; o[25] = 0x01; o[26] = 0x00; o[27] = 0x02; o[39] = 2;
		nh = o + 6;
		off = 40;
		for (int e = 0; e < s->ext; e++) {
			*nh = e == 0 ? 0 : 60;
			memset(o + off, 0, 16);
			o[off + 1] = 1;		/* 16 bytes */
			o[off + 2] = 1;		/* PadN filling the rest */
			o[off + 3] = 12;
			nh = o + off;
			off += 16;
		}
		if (s->frag_ext) {
			*nh = 44;
			memset(o + off, 0, 8);
			pb_w32(o + off + 4, 0x1234);
			nh = o + off;
			off += 8;
		}
		*nh = proto;
	}
	if (s->udp) {
		l4len = 8 + plen;
		memset(o + off, 0, 8);
		pb_w16(o + off, s->sport ? s->sport : 4000);
		pb_w16(o + off + 2, s->dport ? s->dport : 5000);
		pb_w16(o + off + 4, (uint32_t)l4len);
		memcpy(o + off + 8, payload, plen);
	} else {
		size_t thl = 20 + s->tcp_opts;

		l4len = thl + plen;
		memset(o + off, 0, thl);
		pb_w16(o + off, s->sport ? s->sport : 4000);
		pb_w16(o + off + 2, s->dport ? s->dport : 5001);
		pb_w32(o + off + 4, s->seq);
		pb_w32(o + off + 8, s->ack);
		o[off + 12] = (uint8_t)(thl / 4 << 4);
		o[off + 13] = s->flags;
		pb_w16(o + off + 14, s->win ? s->win : 501);
		for (size_t i = 20; i < thl; i++)	/* NOP padding around a timestamp-like option */
			o[off + i] = (i - 20) % 10 < 2 ? 1 : (uint8_t)(s->ack + i + s->opt_salt);
		memcpy(o + off + thl, payload, plen);
	}
	len = off + l4len;
	if (!s->v6) {
		pb_w16(o + 2, (uint32_t)len);
		pb_w16(o + 10, ~ref_fold(ref_words(o, off, 0)) & 0xffff);
	} else {
		pb_w16(o + 4, (uint32_t)(len - 40));
	}
	ref_fill_l4(o, len);
	return len;
}

#endif
