/* SPDX-License-Identifier: MIT */
/*
 * Userspace coalescing (GRO) of decrypted inner packets before they go to
 * TUN, like wireguard-go's tun/offload_linux.go: consecutive TCP segments
 * (or UDP datagrams) of one flow in one batch become one super-packet the
 * kernel takes with a virtio_net_hdr (NEEDS_CSUM, partial checksum, gso_type
 * and gso_size). Per flow, in order; a flow's run ends at a PSH, a short
 * segment, a sequence gap, a change of flags, options, TTL/TOS or IP ID
 * sequence, an ECN CE mark, or 64 KB. A packet that cannot join passes
 * alone, untouched (IPv4 fragments, IPv6 extension headers, bad checksums,
 * pure ACKs, SYN/FIN/RST/URG). Nothing is copied: a super-packet is its
 * first packet (headers rewritten in place) followed by the payloads of
 * the others, for one writev. Pure: no I/O, no allocation.
 */
#ifndef WGX_GRO_H
#define WGX_GRO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "lib/gso.h"

#define WGX_GRO_BATCH_MAX 256	/* packets one call may take */
#define WGX_GRO_TCP 1u		/* coalesce TCP (TUN has TSO4/TSO6) */
#define WGX_GRO_UDP 2u		/* coalesce UDP (TUN has USO4/USO6) */
#define WGX_GRO_NONE 0xffff	/* end of a chain in next[] */

/* One packet to write to TUN: vnet, then a chain of packets. */
struct wgx_gro_out {
	struct wgx_vnet_hdr vnet;	/* all zero for a packet that passes alone */
	uint16_t head;		/* index of the first packet: headers and first payload */
	uint16_t count;		/* packets in the chain (next[] from head) */
	uint16_t hdr_len;	/* header bytes of every packet, skipped after the head */
	uint32_t len;		/* bytes of the whole super-packet from its IP header */
};

/* One inner IP packet of the batch (the caller owns the bytes). */
struct wgx_gro_pkt {
	uint8_t *data;
	size_t len;
};

/*
 * Coalesce @n (<= WGX_GRO_BATCH_MAX) packets: fills outs[] (at most @n, in
 * the order of their first packets, which keeps every flow in order) and
 * next[] (@n entries, the chains), rewrites the headers of each coalesced
 * chain's head in place, and returns the number of outs. @features:
 * WGX_GRO_TCP, WGX_GRO_UDP.
 */
int wgx_gro_coalesce(struct wgx_gro_pkt *pkts, int n, unsigned int features,
		     struct wgx_gro_out *outs, uint16_t *next);

/*
 * The iovecs of @o for writev: @vh (where the caller keeps o->vnet, or
 * NULL to leave it out), the head, then each member's payload. At most
 * @max entries; returns the count or -ENOSPC.
 */
int wgx_gro_iov(const struct wgx_gro_out *o, const struct wgx_gro_pkt *pkts,
		const uint16_t *next, struct wgx_vnet_hdr *vh, struct iovec *iov, int max);

/* True when the IPv4 header checksum and the full TCP/UDP checksum of @pkt hold. */
int wgx_gro_csum_valid(const uint8_t *pkt, size_t len, const struct wgx_l4_info *in);

#endif
