// SPDX-License-Identifier: MIT OR GPL-2.0
/*
 * wgx_tun_steer: the queue of the socket plane's two-queue TUN a packet the
 * kernel sends into the tunnel waits in (TUNSETSTEERINGEBPF). Queue 0 is
 * read first, so what waits there never sits behind the bulk a TCP sender
 * keeps in the other queue (its TSQ budget, a millisecond or more):
 *
 *   queue 0 (sparse): TCP segments without payload (ACKs, SYN, FIN, RST),
 *                     and anything else of at most WGX_STEER_SPARSE_MAX
 *                     bytes that is not TCP (ping, DNS, VoIP);
 *   queue 1 (bulk):   every TCP segment that carries data, and the rest.
 *
 * A TCP connection's data stays in one queue, in order; only its bare ACKs
 * may pass its data, which TCP takes as it takes any ACK. IPv6 extension
 * headers are not walked: what hides TCP behind one counts as not TCP. The
 * socket program sees the packet from its IP header (a TUN has no link
 * layer).
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "wgx_abi.h"

static __always_inline int load_u8(struct __sk_buff *skb, __u32 off, __u8 *v)
{
	return bpf_skb_load_bytes(skb, off, v, 1);
}

/* Queue of a TCP segment whose header starts at @l4 with @l4_len bytes from there on. */
static __always_inline int tcp_queue(struct __sk_buff *skb, __u32 l4, __u32 l4_len)
{
	__u8 doff;

	if (load_u8(skb, l4 + 12, &doff))
		return WGX_STEER_BULK;
	return l4_len > (__u32)(doff >> 4) * 4 ? WGX_STEER_BULK : WGX_STEER_SPARSE;
}

SEC("socket")
int wgx_tun_steer(struct __sk_buff *skb)
{
	__u8 vihl, proto;
	__u16 len;

	if (load_u8(skb, 0, &vihl))
		return WGX_STEER_BULK;
	if (vihl >> 4 == 4) {
		__u32 ihl = (__u32)(vihl & 0xf) * 4;

		if (load_u8(skb, 9, &proto) || bpf_skb_load_bytes(skb, 2, &len, 2))
			return WGX_STEER_BULK;
		len = bpf_ntohs(len);
		if (proto == IPPROTO_TCP)
			return len > ihl ? tcp_queue(skb, ihl, len - ihl) : WGX_STEER_BULK;
	} else if (vihl >> 4 == 6) {
		if (load_u8(skb, 6, &proto) || bpf_skb_load_bytes(skb, 4, &len, 2))
			return WGX_STEER_BULK;
		len = bpf_ntohs(len);
		if (proto == IPPROTO_TCP)
			return tcp_queue(skb, 40, len);
	} else {
		return WGX_STEER_BULK;
	}
	return skb->len <= WGX_STEER_SPARSE_MAX ? WGX_STEER_SPARSE : WGX_STEER_BULK;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
