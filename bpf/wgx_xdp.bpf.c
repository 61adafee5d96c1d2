// SPDX-License-Identifier: MIT OR GPL-2.0
/*
 * The two XDP programs of wg-xdp, in one object so they share maps.
 *
 *   wgx_rx   on the underlay NIC: WireGuard data messages with a known receiver
 *            index go to the queue's AF_XDP socket with the peer id in the
 *            metadata; handshakes go to the daemon's UDP socket; malformed
 *            WireGuard is dropped; everything else passes untouched, including
 *            datagrams to the listen port of an address that is not ours
 *            (WGX_CFG_LOCAL_ONLY: forwarded WireGuard).
 *   wgx_tun  on the daemon's end of the tunnel veth: inner packets are routed
 *            by allowed IPs (host hash, then LPM trie) to the veth queue's AF_XDP socket with
 *            the peer id in the metadata; no route is a drop.
 *
 * Every verdict leaves through count(): one reason, one counter (wgx_stats).
 * Helpers used are all in Linux 5.15, but for bpf_xdp_get_buff_len (5.18),
 * which only a kernel that takes xdp.frags programs reaches (wgx_frags).
 */
#include "parse.h"
#include "maps.h"
#include "wgx_wire.h"

/* Cleared by the loader where the kernel rejects xdp.frags (before 5.18):
 * frames are then single-buffer, and bpf_xdp_get_buff_len unknown. */
const volatile __u8 wgx_frags = 1;

/* The whole frame's length, fragments included. */
static __always_inline __u64 frame_len(struct xdp_md *ctx)
{
	return wgx_frags ? bpf_xdp_get_buff_len(ctx) : ctx->data_end - ctx->data;
}

/* One exit for every verdict: count the frame under its reason. */
static __always_inline int count(int action, __u32 reason, __u64 bytes)
{
	struct wgx_stat *s = bpf_map_lookup_elem(&wgx_stats, &reason);

	if (s) {
		s->packets++;
		s->bytes += bytes;
	}
	return action;
}

/*
 * Put the peer id and the time in front of the packet and redirect to the
 * queue's XSK (userspace measures how long it waited in the ring from it).
 * Metadata is best effort: if the driver has no room for it the frame still
 * goes to the socket and *with_meta says so (the _NOMETA reasons; userspace
 * then looks the peer up itself).
 * Returns XDP_REDIRECT, or `fallback` when the queue has no socket.
 */
static __always_inline int to_xsk(struct xdp_md *ctx, void *xsks, __u32 peer_id, __u16 kind,
				  __u64 fallback, const int meta_ok, int *with_meta)
{
	struct wgx_xdp_meta *meta;

	*with_meta = 0;
	/* meta_ok is a constant: 0 compiles the helper call out. */
	if (meta_ok && bpf_xdp_adjust_meta(ctx, -(int)sizeof(*meta)) == 0) {
		meta = (void *)(long)ctx->data_meta;
		if ((void *)(meta + 1) <= (void *)(long)ctx->data) {
			meta->queued_ns = bpf_ktime_get_ns();
			meta->peer_id = peer_id;
			meta->kind = kind;
			meta->magic = WGX_META_MAGIC;
			*with_meta = 1;
		}
	}
	return bpf_redirect_map(xsks, ctx->rx_queue_index, fallback);
}

/* ---- wgx_rx ---- */

/* Per-source token bucket (the kernel's ratelimiter.c shape, in ns of credit).
 * Racy across CPUs by design: a few extra handshakes under a flood are fine. */
static __always_inline int hs_allowed(const struct wgx_cfg *cfg, const struct wgx_hs_key *src)
{
	__u64 now = bpf_ktime_get_ns(), tokens;
	struct wgx_hs_bucket *b = bpf_map_lookup_elem(&wgx_hs_rl, src);

	if (!b) {
		struct wgx_hs_bucket fresh = { .last_ns = now };

		if (cfg->hs_burst_ns < cfg->hs_cost_ns)
			return 0;
		fresh.tokens_ns = cfg->hs_burst_ns - cfg->hs_cost_ns;
		bpf_map_update_elem(&wgx_hs_rl, src, &fresh, BPF_ANY);
		return 1;
	}
	tokens = b->tokens_ns + (now - b->last_ns);
	if (tokens > cfg->hs_burst_ns)
		tokens = cfg->hs_burst_ns;
	b->last_ns = now;
	if (tokens < cfg->hs_cost_ns) {
		b->tokens_ns = tokens;
		return 0;
	}
	b->tokens_ns = tokens - cfg->hs_cost_ns;
	return 1;
}

/* Bucket key: IPv4 as ::ffff:a.b.c.d, IPv6 by its /64 (one host owns a /64). */
static __always_inline void hs_key(struct wgx_hs_key *k, const struct iphdr *ip4,
				   const struct ipv6hdr *ip6)
{
	__builtin_memset(k, 0, sizeof(*k));
	if (ip4) {
		k->addr[10] = 0xff;
		k->addr[11] = 0xff;
		__builtin_memcpy(&k->addr[12], &ip4->saddr, 4);
	} else if (ip6) {
		__builtin_memcpy(k->addr, &ip6->saddr, 8);
	}
}

/* Check a WireGuard message of msg_len bytes at msg in a frame of len bytes
 * (fragments included); returns the verdict. */
static __always_inline int rx_wireguard(struct xdp_md *ctx, const struct wgx_cfg *cfg, __u8 *msg,
					__u32 msg_len, const struct iphdr *ip4,
					const struct ipv6hdr *ip6, const int meta_ok, __u64 len,
					__u32 *reason)
{
	void *end = (void *)(long)ctx->data_end;
	struct wgx_idx_val *idx;
	struct wgx_hs_key src;
	__u32 want, index;
	int action, with_meta;

	*reason = WGX_R_RX_SHORT_MSG;
	if (msg_len < 4 || (void *)(msg + 4) > end)
		return XDP_DROP;
	*reason = WGX_R_RX_BAD_TYPE;
	if (msg[0] < WGX_MSG_HANDSHAKE_INITIATION || msg[0] > WGX_MSG_DATA)
		return XDP_DROP;
	*reason = WGX_R_RX_BAD_RESERVED;
	if (msg[1] | msg[2] | msg[3])
		return XDP_DROP;

	*reason = WGX_R_RX_BAD_LEN;
	if (msg[0] != WGX_MSG_DATA) {
		want = msg[0] == WGX_MSG_HANDSHAKE_INITIATION ? WGX_MSG_INITIATION_LEN
		       : msg[0] == WGX_MSG_HANDSHAKE_RESPONSE ? WGX_MSG_RESPONSE_LEN
							     : WGX_MSG_COOKIE_LEN;
		if (msg_len != want)
			return XDP_DROP;
		*reason = WGX_R_RX_HS_RATELIMIT;
		if (cfg->flags & WGX_CFG_UNDER_LOAD) {
			hs_key(&src, ip4, ip6);
			if (!hs_allowed(cfg, &src))
				return XDP_DROP;
		}
		*reason = WGX_R_RX_HANDSHAKE_PASS;
		return XDP_PASS;
	}

	/* Data: no padding check here. Senders pad to 16 but never past the MTU,
	 * so a full-MTU packet (1420 = 12 mod 16) is legitimately unaligned. */
	if (msg_len < WGX_MSG_DATA_MIN_LEN || (void *)(msg + 8) > end)
		return XDP_DROP;
	index = msg[4] | (__u32)msg[5] << 8 | (__u32)msg[6] << 16 | (__u32)msg[7] << 24;
	idx = bpf_map_lookup_elem(&wgx_idx, &index);
	*reason = WGX_R_RX_UNKNOWN_IDX;
	if (!idx)
		return XDP_DROP;
	/* Generic XDP sees a veth peer's UDP GSO datagram whole (only its first
	 * message is classified here); the daemon's UDP_GRO socket takes it as
	 * is, an AF_XDP socket could not (single-buffer binds). */
	*reason = WGX_R_RX_DATA_SUPER_PASS;
	if (len > (__u64)(ctx->data_end - ctx->data))
		return XDP_PASS;

	/* No socket in this queue's slot: the stack delivers it to the daemon's
	 * UDP socket, the socket-mode fallback, instead of losing it. */
	action = to_xsk(ctx, &wgx_xsks, idx->peer_id, WGX_META_RX_DATA, XDP_PASS, meta_ok,
			&with_meta);
	if (action != XDP_REDIRECT)
		*reason = WGX_R_RX_DATA_NO_XSK_PASS;
	else
		*reason = with_meta ? WGX_R_RX_DATA_XSK : WGX_R_RX_DATA_XSK_NOMETA;
	return action;
}

/* Is the destination one of the device's own addresses (wgx_local4/6)? */
static __always_inline int rx_is_local(const struct iphdr *ip4, const struct ipv6hdr *ip6)
{
	if (ip4) {
		struct wgx_local4_key k;

		__builtin_memcpy(k.addr, &ip4->daddr, sizeof(k.addr));
		return bpf_map_lookup_elem(&wgx_local4, &k) != NULL;
	}
	if (ip6) {
		struct wgx_local6_key k;

		__builtin_memcpy(k.addr, &ip6->daddr, sizeof(k.addr));
		return bpf_map_lookup_elem(&wgx_local6, &k) != NULL;
	}
	return 0;
}

/* Classify a frame of len bytes (fragments included): the verdict, *reason why. */
static __always_inline int rx_classify(struct xdp_md *ctx, const int meta_ok, __u64 len,
					__u32 *reason)
{
	struct cursor c = { (void *)(long)ctx->data, (void *)(long)ctx->data_end };
	const struct wgx_cfg *cfg;
	struct ipv6hdr *ip6 = NULL;
	struct iphdr *ip4 = NULL;
	__u32 zero = 0, ip_payload, ulen;
	struct udphdr *udp;
	__be16 proto;
	int l4;

	*reason = WGX_R_RX_UNPARSED_PASS;
	if (parse_eth(&c, &proto))
		return XDP_PASS;
	if (proto == bpf_htons(ETH_P_IP)) {
		__u32 hl;

		ip4 = c.pos;
		if ((void *)(ip4 + 1) > c.end || ip4->version != 4 || ip4->ihl < 5)
			return XDP_PASS;
		hl = ip4->ihl * 4;
		if (c.pos + hl > c.end || bpf_ntohs(ip4->tot_len) < hl)
			return XDP_PASS;
		*reason = WGX_R_RX_FRAGMENT_PASS;
		if (ip4->frag_off & bpf_htons(WGX_IP_MF_OFFSET))
			return XDP_PASS;
		ip_payload = bpf_ntohs(ip4->tot_len) - hl;
		l4 = ip4->protocol;
		c.pos += hl;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		ip6 = c.pos;
		if ((void *)(ip6 + 1) > c.end || ip6->version != 6)
			return XDP_PASS;
		c.pos = ip6 + 1;
		l4 = ipv6_skip_ext(&c, ip6->nexthdr);
		ip_payload = bpf_ntohs(ip6->payload_len);
		if ((__u32)(c.pos - (void *)(ip6 + 1)) > ip_payload)
			return XDP_PASS;
		ip_payload -= c.pos - (void *)(ip6 + 1);
	} else {
		*reason = WGX_R_RX_NOT_IP_PASS;
		return XDP_PASS;
	}

	switch (l4) {
	case WGX_L4_TRUNCATED:
		*reason = WGX_R_RX_UNPARSED_PASS;
		return XDP_PASS;
	case WGX_L4_FRAGMENT:
		*reason = WGX_R_RX_FRAGMENT_PASS;
		return XDP_PASS;
	case WGX_L4_EXT_LIMIT:
		*reason = WGX_R_RX_EXT_LIMIT_PASS;
		return XDP_PASS;
	case IPPROTO_UDP:
		break;
	default:
		*reason = WGX_R_RX_NOT_UDP_PASS;
		return XDP_PASS;
	}

	udp = c.pos;
	*reason = WGX_R_RX_UNPARSED_PASS;
	if ((void *)(udp + 1) > c.end)
		return XDP_PASS;
	cfg = bpf_map_lookup_elem(&wgx_cfg, &zero);
	*reason = WGX_R_RX_OTHER_PORT_PASS;
	if (!cfg || !cfg->listen_port || udp->dest != bpf_htons(cfg->listen_port))
		return XDP_PASS;
	/* Our port on someone else's address: a WireGuard tunnel routed through
	 * this host, which the stack forwards; it was never ours to drop. */
	*reason = WGX_R_RX_NOT_LOCAL_PASS;
	if ((cfg->flags & WGX_CFG_LOCAL_ONLY) && !rx_is_local(ip4, ip6))
		return XDP_PASS;

	/* Ours from here on: anything malformed is dropped, not passed. The UDP
	 * checksum is not checked: the AEAD authenticates every data byte. */
	ulen = bpf_ntohs(udp->len);
	/* Linux 6.1's verifier keeps no bounds across a byte swap, so it sees
	 * udp + ulen as unbounded; the mask (kept by the barrier) restores them. */
	barrier_var(ulen);
	ulen &= 0xffff;
	*reason = WGX_R_RX_BAD_UDP_LEN;
	if (ulen < sizeof(*udp) || ulen > ip_payload ||
	    (__u64)((void *)udp - (void *)(long)ctx->data) + ulen > len)
		return XDP_DROP;
	return rx_wireguard(ctx, cfg, (__u8 *)(udp + 1), ulen - sizeof(*udp), ip4, ip6, meta_ok,
			    len, reason);
}

/* xdp.frags: in generic mode a GSO datagram arrives as one multi-buffer frame;
 * headers are in the linear part, lengths are checked against the whole. */
static __always_inline int rx_main(struct xdp_md *ctx, const int meta_ok)
{
	__u64 bytes = frame_len(ctx);
	__u32 reason;
	int action = rx_classify(ctx, meta_ok, bytes, &reason);

	return count(action, reason, bytes);
}

SEC("xdp.frags")
int wgx_rx(struct xdp_md *ctx)
{
	return rx_main(ctx, 1);
}

/* wgx_rx for libxdp's dispatcher: no metadata for AF_XDP frames (they count
 * as rx_data_xsk_nometa). Kernels since 6.13 (and 6.12.y) refuse an
 * extension that changes packet data (bpf_xdp_adjust_meta) in place of a
 * stub that does not, and libxdp 1.3's dispatcher stubs do not. */
SEC("xdp.frags")
int wgx_rx_shared(struct xdp_md *ctx)
{
	return rx_main(ctx, 0);
}

/* ---- wgx_tun ---- */

/* The host end is NOARP, so none of these should need an answer: the kernel
 * sends every frame to wg0's own MAC. They still arrive (RS, MLD reports). */
static __always_inline int is_nd_or_mld(__u8 type)
{
	return (type >= 130 && type <= 137) || type == 143;
}

/* Allowed-IPs lookup: host route first (exact, the longest possible match),
 * then the trie. key points at {prefixlen, addr}: the host maps' key is the
 * addr part of the same stack buffer. */
static __always_inline struct wgx_aip_val *aip_lookup(void *hosts, void *trie, void *key)
{
	struct wgx_aip_val *hit = bpf_map_lookup_elem(hosts, key + sizeof(__u32));

	return hit ? hit : bpf_map_lookup_elem(trie, key);
}

static __always_inline int tun_route(struct xdp_md *ctx, struct wgx_aip_val *hit, __u32 *reason)
{
	int action, with_meta;

	*reason = WGX_R_TUN_NO_ROUTE;
	if (!hit)
		return XDP_DROP;
	action = to_xsk(ctx, &wgx_tun_xsks, hit->peer_id, WGX_META_TUN, XDP_DROP, 1, &with_meta);
	if (action != XDP_REDIRECT)
		*reason = WGX_R_TUN_NO_XSK;
	else
		*reason = with_meta ? WGX_R_TUN_XSK : WGX_R_TUN_XSK_NOMETA;
	return action;
}

static __always_inline int tun_classify(struct xdp_md *ctx, __u32 *reason)
{
	struct cursor c = { (void *)(long)ctx->data, (void *)(long)ctx->data_end };
	struct ethhdr *eth = c.pos;

	*reason = WGX_R_TUN_MALFORMED;
	if ((void *)(eth + 1) > c.end)
		return XDP_DROP;
	c.pos = eth + 1;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct wgx_lpm4_key k = { .prefixlen = 32 };
		struct iphdr *ip4 = c.pos;

		if ((void *)(ip4 + 1) > c.end || ip4->version != 4 || ip4->ihl < 5 ||
		    c.pos + ip4->ihl * 4 > c.end)
			return XDP_DROP;
		__builtin_memcpy(k.addr, &ip4->daddr, sizeof(k.addr));
		return tun_route(ctx, aip_lookup(&wgx_hosts4, &wgx_aips4, &k), reason);
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct wgx_lpm6_key k = { .prefixlen = 128 };
		struct ipv6hdr *ip6 = c.pos;
		__u8 *icmp6;
		int l4;

		if ((void *)(ip6 + 1) > c.end || ip6->version != 6)
			return XDP_DROP;
		__builtin_memcpy(k.addr, &ip6->daddr, sizeof(k.addr));
		c.pos = ip6 + 1;
		l4 = ipv6_skip_ext(&c, ip6->nexthdr);
		if (l4 == WGX_L4_TRUNCATED)
			return XDP_DROP;
		icmp6 = c.pos;
		if (l4 == IPPROTO_ICMPV6) {
			if ((void *)(icmp6 + 1) > c.end)
				return XDP_DROP;
			*reason = WGX_R_TUN_ND_MLD;
			if (is_nd_or_mld(*icmp6))
				return XDP_DROP;
		}
		return tun_route(ctx, aip_lookup(&wgx_hosts6, &wgx_aips6, &k), reason);
	}
	*reason = eth->h_proto == bpf_htons(ETH_P_ARP) ? WGX_R_TUN_ARP : WGX_R_TUN_NOT_IP;
	return XDP_DROP;
}

/* xdp.frags: the tunnel veth may run a 64 KB MTU (see ARCHITECTURE); headers
 * are always in the linear part, which is all this program reads. */
SEC("xdp.frags")
int wgx_tun(struct xdp_md *ctx)
{
	__u64 bytes = ctx->data_end - ctx->data;
	__u32 reason;
	int action = tun_classify(ctx, &reason);

	return count(action, reason, bytes);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
