/* SPDX-License-Identifier: MIT */
/*
 * A userspace reference classifier for the two XDP programs, written from
 * their documented contract (README "XDP programs and maps", the reason
 * comments in include/wgx_reasons.h) rather than from the BPF source, for
 * fuzz_xdp.c to compare against the real programs run through
 * BPF_PROG_TEST_RUN. Byte-level parsing over a flat frame; the map contents
 * are whatever the callbacks in struct xdp_ref_maps say.
 */
#ifndef WGX_FUZZ_XDP_REF_H
#define WGX_FUZZ_XDP_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

#include "wgx_abi.h"
#include "wgx_reasons.h"

struct xdp_ref_maps {
	uint16_t listen_port;
	uint32_t flags; /* WGX_CFG_*; under load every handshake is within budget */
	/* receiver index -> peer id, 0 = unknown */
	uint32_t (*idx)(uint32_t index);
	bool (*local)(int v6, const uint8_t *addr);
	/* allowed IPs: longest match -> peer id, 0 = none */
	uint32_t (*route)(int v6, const uint8_t *addr);
};

struct xdp_ref_verdict {
	uint32_t action, reason;
	uint32_t peer; /* metadata expected (peer id), 0 = no metadata */
};

static inline uint16_t ref_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

#define REF_TRUNC (-1)
#define REF_FRAG (-2)
#define REF_LIMIT (-3)

/* IPv6 extension headers: hop-by-hop, routing, destination options and AH
 * are walked (at most 6), a fragment header means "fragment". */
static inline int ref_skip_ext(const uint8_t *f, size_t len, size_t *pos, uint8_t nh)
{
	for (int i = 0; i < 6; i++) {
		size_t hlen;

		if (nh == 44)
			return REF_FRAG;
		if (nh != 0 && nh != 43 && nh != 60 && nh != 51)
			return nh;
		if (*pos + 2 > len)
			return REF_TRUNC;
		hlen = nh == 51 ? ((size_t)f[*pos + 1] + 2) * 4 : ((size_t)f[*pos + 1] + 1) * 8;
		nh = f[*pos];
		if (*pos + hlen > len)
			return REF_TRUNC;
		*pos += hlen;
	}
	if (nh == 44)
		return REF_FRAG;
	if (nh == 0 || nh == 43 || nh == 60 || nh == 51)
		return REF_LIMIT;
	return nh;
}

#define REF(a, r) ((struct xdp_ref_verdict){ XDP_##a, WGX_R_##r, 0 })

static inline struct xdp_ref_verdict xdp_ref_rx(const uint8_t *f, size_t len,
						const struct xdp_ref_maps *m)
{
	size_t pos = 14, l3, ip_payload, ulen, mlen, msg;
	const uint8_t *dst;
	uint16_t proto;
	int l4, v6;

	if (len < 14)
		return REF(PASS, RX_UNPARSED_PASS);
	proto = ref_be16(f + 12);
	for (int i = 0; i < 2 && (proto == 0x8100 || proto == 0x88a8); i++) {
		if (pos + 4 > len)
			return REF(PASS, RX_UNPARSED_PASS);
		proto = ref_be16(f + pos + 2);
		pos += 4;
	}
	l3 = pos;
	if (proto == 0x0800) {
		size_t hl = (size_t)(f[l3] & 15) * 4;

		v6 = 0;
		if (l3 + 20 > len || f[l3] >> 4 != 4 || hl < 20 || l3 + hl > len ||
		    ref_be16(f + l3 + 2) < hl)
			return REF(PASS, RX_UNPARSED_PASS);
		if (ref_be16(f + l3 + 6) & 0x3fff)
			return REF(PASS, RX_FRAGMENT_PASS);
		ip_payload = ref_be16(f + l3 + 2) - hl;
		l4 = f[l3 + 9];
		dst = f + l3 + 16;
		pos = l3 + hl;
	} else if (proto == 0x86dd) {
		size_t ext;

		v6 = 1;
		if (l3 + 40 > len || f[l3] >> 4 != 6)
			return REF(PASS, RX_UNPARSED_PASS);
		dst = f + l3 + 24;
		pos = l3 + 40;
		l4 = ref_skip_ext(f, len, &pos, f[l3 + 6]);
		ext = pos - (l3 + 40);
		ip_payload = ref_be16(f + l3 + 4);
		if (ext > ip_payload)
			return REF(PASS, RX_UNPARSED_PASS);
		ip_payload -= ext;
	} else {
		return REF(PASS, RX_NOT_IP_PASS);
	}
	if (l4 == REF_TRUNC)
		return REF(PASS, RX_UNPARSED_PASS);
	if (l4 == REF_FRAG)
		return REF(PASS, RX_FRAGMENT_PASS);
	if (l4 == REF_LIMIT)
		return REF(PASS, RX_EXT_LIMIT_PASS);
	if (l4 != 17)
		return REF(PASS, RX_NOT_UDP_PASS);
	if (pos + 8 > len)
		return REF(PASS, RX_UNPARSED_PASS);
	if (!m->listen_port || ref_be16(f + pos + 2) != m->listen_port)
		return REF(PASS, RX_OTHER_PORT_PASS);
	if ((m->flags & WGX_CFG_LOCAL_ONLY) && !m->local(v6, dst))
		return REF(PASS, RX_NOT_LOCAL_PASS);
	ulen = ref_be16(f + pos + 4);
	if (ulen < 8 || ulen > ip_payload || pos + ulen > len)
		return REF(DROP, RX_BAD_UDP_LEN);
	msg = pos + 8;
	mlen = ulen - 8;
	if (mlen < 4)
		return REF(DROP, RX_SHORT_MSG);
	if (f[msg] < 1 || f[msg] > 4)
		return REF(DROP, RX_BAD_TYPE);
	if (f[msg + 1] | f[msg + 2] | f[msg + 3])
		return REF(DROP, RX_BAD_RESERVED);
	if (f[msg] != 4) {
		size_t want = f[msg] == 1 ? 148 : f[msg] == 2 ? 92 : 64;

		if (mlen != want)
			return REF(DROP, RX_BAD_LEN);
		return REF(PASS, RX_HANDSHAKE_PASS);
	}
	if (mlen < 32)
		return REF(DROP, RX_BAD_LEN);
	uint32_t peer = m->idx((uint32_t)f[msg + 4] | (uint32_t)f[msg + 5] << 8 |
			       (uint32_t)f[msg + 6] << 16 | (uint32_t)f[msg + 7] << 24);
	if (!peer)
		return REF(DROP, RX_UNKNOWN_IDX);
	/* No socket in the test run's queue slot: the stack gets it. */
	return (struct xdp_ref_verdict){ XDP_PASS, WGX_R_RX_DATA_NO_XSK_PASS, peer };
}

static inline struct xdp_ref_verdict xdp_ref_tun(const uint8_t *f, size_t len,
						 const struct xdp_ref_maps *m)
{
	size_t pos = 14;
	uint32_t peer;
	int v6;

	if (len < 14)
		return REF(DROP, TUN_MALFORMED);
	switch (ref_be16(f + 12)) {
	case 0x0800:
		v6 = 0;
		if (pos + 20 > len || f[pos] >> 4 != 4 || (f[pos] & 15) < 5 ||
		    pos + (size_t)(f[pos] & 15) * 4 > len)
			return REF(DROP, TUN_MALFORMED);
		peer = m->route(0, f + pos + 16);
		break;
	case 0x86dd: {
		int l4;

		v6 = 1;
		if (pos + 40 > len || f[pos] >> 4 != 6)
			return REF(DROP, TUN_MALFORMED);
		peer = m->route(1, f + pos + 24);
		pos += 40;
		l4 = ref_skip_ext(f, len, &pos, f[14 + 6]);
		if (l4 == REF_TRUNC)
			return REF(DROP, TUN_MALFORMED);
		if (l4 == 58) {
			if (pos + 1 > len)
				return REF(DROP, TUN_MALFORMED);
			if ((f[pos] >= 130 && f[pos] <= 137) || f[pos] == 143)
				return REF(DROP, TUN_ND_MLD);
		}
		break;
	}
	case 0x0806:
		return REF(DROP, TUN_ARP);
	default:
		return REF(DROP, TUN_NOT_IP);
	}
	(void)v6;
	if (!peer)
		return REF(DROP, TUN_NO_ROUTE);
	/* A hit with no socket in the slot is a drop, metadata already placed. */
	return (struct xdp_ref_verdict){ XDP_DROP, WGX_R_TUN_NO_XSK, peer };
}

#endif
