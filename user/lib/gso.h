/* SPDX-License-Identifier: MIT */
/*
 * Userspace segmentation (TSO/USO): a super-packet the kernel hands over
 * (TUN with IFF_VNET_HDR, up to 64 KB of one TCP or UDP flow) cut into
 * tunnel-MTU IP packets, each a packet the stack could have sent itself:
 * IPv4 IDs incrementing, TCP sequence numbers advancing, FIN/PSH on the
 * last segment only, CWR on the first only, lengths and every checksum
 * (IPv4 header, TCP/UDP with the pseudo-header) computed in full.
 * Pure functions over caller buffers: no I/O, no allocation.
 */
#ifndef WGX_GSO_H
#define WGX_GSO_H

#include <stddef.h>
#include <stdint.h>

/* virtio_net_hdr (linux/virtio_net.h) in host order, as TUN reads and writes it. */
struct wgx_vnet_hdr {
	uint8_t flags;		/* WGX_VNET_F_* */
	uint8_t gso_type;	/* WGX_VNET_GSO_* */
	uint16_t hdr_len;	/* IP + L4 header bytes */
	uint16_t gso_size;	/* L4 payload bytes per segment */
	uint16_t csum_start;	/* offset of the L4 header */
	uint16_t csum_offset;	/* of the checksum field from csum_start */
};
_Static_assert(sizeof(struct wgx_vnet_hdr) == 10, "virtio_net_hdr is 10 bytes");

#define WGX_VNET_F_NEEDS_CSUM 1	/* L4 checksum field holds only the pseudo-header sum */
#define WGX_VNET_F_DATA_VALID 2
#define WGX_VNET_GSO_NONE 0
#define WGX_VNET_GSO_TCPV4 1
#define WGX_VNET_GSO_UDP 3	/* UFO: IP fragmentation, refused */
#define WGX_VNET_GSO_TCPV6 4
#define WGX_VNET_GSO_UDP_L4 5	/* USO: UDP datagrams of gso_size each */
#define WGX_VNET_GSO_ECN 0x80	/* TCP with CWR on the first segment */

/* Offsets of the parts of an IP packet, as wgx_gso_parse finds them. */
struct wgx_l4_info {
	uint16_t l4_off;	/* IP header (options, extension headers) bytes */
	uint16_t hdr_len;	/* l4_off + TCP/UDP header */
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t ipv6;
};

/*
 * Find the TCP or UDP header of the IP packet at @pkt (@len bytes, exactly
 * the IP length). IPv4 options are fine; IPv6 hop-by-hop, routing and
 * destination-options headers are walked. 0, -EINVAL (malformed, truncated,
 * an IPv4 fragment) or -EPROTONOSUPPORT (not TCP/UDP, another extension
 * header).
 */
int wgx_gso_parse(const uint8_t *pkt, size_t len, struct wgx_l4_info *info);

/*
 * Complete the L4 checksum of the packet at @pkt in place when @vh asks for
 * it (NEEDS_CSUM: the field holds a partial sum; it is recomputed in full).
 * 0 or -EINVAL when csum_start/csum_offset lie outside the packet.
 */
int wgx_gso_csum_complete(uint8_t *pkt, size_t len, const struct wgx_vnet_hdr *vh);

/*
 * Cut the super-packet @pkt (@len bytes from its IP header, described by
 * @vh) into at most @max_out packets, the i-th written to outs[i] (room for
 * @out_cap bytes each), its length in out_lens[i]. GSO_NONE gives one copy,
 * its checksum completed if NEEDS_CSUM. Returns the number of packets, or
 * -EINVAL (malformed, inconsistent with @vh), -EPROTONOSUPPORT (UFO, an
 * unsupported extension header), -ENOSPC (more than @max_out segments) or
 * -EMSGSIZE (a segment larger than @out_cap).
 */
int wgx_gso_split(const uint8_t *pkt, size_t len, const struct wgx_vnet_hdr *vh,
		  uint8_t *const *outs, size_t out_cap, size_t *out_lens, int max_out);

#endif
