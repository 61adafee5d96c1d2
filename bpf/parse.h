/* SPDX-License-Identifier: MIT OR GPL-2.0 */
/*
 * Header walking shared by wgx_rx and wgx_tun. Every access is bounds-checked
 * against the end of the linear part of the frame; helpers advance a cursor
 * and report truncation instead of guessing.
 *
 * Only UAPI headers are used (no vmlinux.h): XDP needs nothing else, and the
 * object then builds the same on any machine, whatever its kernel's BTF.
 */
#ifndef WGX_BPF_PARSE_H
#define WGX_BPF_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define WGX_MAX_VLAN_TAGS 2
/* More-fragments flag and offset of iphdr.frag_off (not in UAPI headers). */
#define WGX_IP_MF_OFFSET 0x3fff
#define WGX_IPV6_MAX_EXT 6	/* extension headers walked before giving up */

/* ipv6_skip_ext() results besides a protocol number. */
#define WGX_L4_TRUNCATED (-1)
#define WGX_L4_FRAGMENT (-2)
#define WGX_L4_EXT_LIMIT (-3)

struct cursor {
	void *pos;
	void *end;
};

/* <linux/if_vlan.h> is not UAPI for this struct. */
struct wgx_vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

/* Skip Ethernet and up to two 802.1Q/802.1ad tags; a third tag is left as the
 * protocol, so it classifies as "not IP". Returns 0 or -1 if truncated. */
static __always_inline int parse_eth(struct cursor *c, __be16 *proto)
{
	struct ethhdr *eth = c->pos;
	__be16 p;

	if ((void *)(eth + 1) > c->end)
		return -1;
	p = eth->h_proto;
	c->pos = eth + 1;
#pragma unroll
	for (int i = 0; i < WGX_MAX_VLAN_TAGS; i++) {
		struct wgx_vlan_hdr *vlan = c->pos;

		if (p != bpf_htons(ETH_P_8021Q) && p != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vlan + 1) > c->end)
			return -1;
		p = vlan->encap_proto;
		c->pos = vlan + 1;
	}
	*proto = p;
	return 0;
}

/* Walk IPv6 extension headers from c->pos (just past the fixed header).
 * Returns the upper-layer protocol with c->pos on its header, or WGX_L4_*. */
static __always_inline int ipv6_skip_ext(struct cursor *c, __u8 nexthdr)
{
#pragma unroll
	for (int i = 0; i < WGX_IPV6_MAX_EXT; i++) {
		struct ipv6_opt_hdr *h = c->pos;
		__u32 len;

		switch (nexthdr) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
		case IPPROTO_AH:
			break;
		case IPPROTO_FRAGMENT:
			return WGX_L4_FRAGMENT;
		default:
			return nexthdr;
		}
		if ((void *)(h + 1) > c->end)
			return WGX_L4_TRUNCATED;
		/* AH counts 4-byte units minus 2, the others 8-byte units minus 1. */
		len = nexthdr == IPPROTO_AH ? ((__u32)h->hdrlen + 2) * 4 : ((__u32)h->hdrlen + 1) * 8;
		nexthdr = h->nexthdr;
		if (c->pos + len > c->end)
			return WGX_L4_TRUNCATED;
		c->pos += len;
	}
	switch (nexthdr) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
		return WGX_L4_EXT_LIMIT;
	case IPPROTO_FRAGMENT:
		return WGX_L4_FRAGMENT;
	}
	return nexthdr;
}

#endif
