/* SPDX-License-Identifier: MIT OR GPL-2.0 */
/*
 * Keys and values of the BPF maps and the XDP metadata layout, shared by the
 * XDP programs (bpf/) and the daemon. Only fixed-width UAPI types so that both
 * sides agree on the layout; field names show up in `bpftool map dump`.
 *
 * No secret key material in here, ever: any CAP_BPF process can read maps.
 */
#ifndef WGX_ABI_H
#define WGX_ABI_H

#include <linux/types.h>

#define WGX_PIN_ROOT "/sys/fs/bpf/wg-xdp"

/* max_entries; the LPM tries and wgx_idx allocate on update (NO_PREALLOC). */
#define WGX_MAX_AIPS (1U << 20)
#define WGX_MAX_INDICES (2U << 20)
#define WGX_MAX_PEERS (1U << 20)
#define WGX_MAX_QUEUES 64
#define WGX_HS_SOURCES 65536
#define WGX_MAX_LOCAL_ADDRS 4096

/* wgx_tun_steer's queues of the socket plane's two-queue TUN (bpf/wgx_tun_steer.bpf.c). */
#define WGX_STEER_SPARSE 0
#define WGX_STEER_BULK 1
#define WGX_STEER_SPARSE_MAX 256	/* bytes: a non-TCP packet up to this is sparse */

/* wgx_cfg, key 0. Written by the daemon at any time; read once per packet. */
struct wgx_cfg {
	__u16 listen_port;	/* host order; 0 = pass every packet */
	__u16 pad;
	__u32 flags;		/* WGX_CFG_* */
	__u64 hs_cost_ns;	/* token bucket: ns of credit one handshake costs */
	__u64 hs_burst_ns;	/* bucket depth in ns (cost * burst) */
};
#define WGX_CFG_UNDER_LOAD (1U << 0) /* rate-limit handshakes per source in XDP */
/* Take only datagrams addressed to one of wgx_local4/6: the rest is another
 * host's WireGuard passing through (a router), handed to the stack. Set by the
 * daemon once it has filled the maps; without it every address is ours. */
#define WGX_CFG_LOCAL_ONLY (1U << 1)

/* wgx_idx: key is the receiver index as the daemon generated it (host order). */
struct wgx_idx_val {
	__u32 peer_id;
	__u32 keypair_slot;	/* daemon's slot: previous/current/next */
};

/* wgx_peers: key is the peer id (__u32). Public data only. */
struct wgx_endpoint_val {
	__u16 family;		/* AF_INET, AF_INET6 or 0 (none yet) */
	__u16 port;		/* host order, so `bpftool map dump` shows 51820 */
	__u8 addr[16];		/* IPv4 in the first 4 bytes, network order */
};

struct wgx_peer_val {
	__u8 public_key[32];
	struct wgx_endpoint_val endpoint;
	__u32 flags;
};

/* wgx_aips4 / wgx_aips6: prefixlen first, as BPF_MAP_TYPE_LPM_TRIE wants.
 * Full-length prefixes (/32, /128) live in wgx_hosts4/6 instead, see maps.h. */
struct wgx_lpm4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct wgx_lpm6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* wgx_hosts4 / wgx_hosts6: the /32 and /128 allowed IPs, exact match. */
struct wgx_host4_key {
	__u8 addr[4];
};

struct wgx_host6_key {
	__u8 addr[16];
};

struct wgx_aip_val {
	__u32 peer_id;
};

/* wgx_local4 / wgx_local6: the underlay device's own addresses (netlink
 * RTM_NEWADDR/RTM_DELADDR), network byte order. */
struct wgx_local4_key {
	__u8 addr[4];
};

struct wgx_local6_key {
	__u8 addr[16];
};

struct wgx_local_val {
	__u32 ifindex;	/* where the address was seen (for inspection) */
};

/* wgx_stats: per-CPU value for each enum wgx_reason. */
struct wgx_stat {
	__u64 packets;
	__u64 bytes;	/* linear part of the frame (all of it unless multi-buffer) */
};

/* wgx_hs_rl: per-source handshake token bucket (LRU). */
struct wgx_hs_key {
	__u8 addr[16];	/* IPv4 as ::ffff:a.b.c.d; IPv6 only its /64, like the kernel */
};

struct wgx_hs_bucket {
	__u64 tokens_ns;
	__u64 last_ns;
};

/*
 * XDP metadata, right before the packet in the XSK frame (at addr - 16).
 * The consumer must check magic and then clear it before handing the frame
 * back to the fill ring: a frame that arrives without metadata (driver
 * refused bpf_xdp_adjust_meta) still has the old bytes in its headroom.
 */
struct wgx_xdp_meta {
	__u64 queued_ns;	/* bpf_ktime_get_ns() at redirect: the ring's sojourn time (CoDel) */
	__u32 peer_id;
	__u16 kind;	/* WGX_META_* */
	__u16 magic;	/* WGX_META_MAGIC */
};
#define WGX_META_MAGIC 0x5778
#define WGX_META_RX_DATA 1	/* wgx_rx: WireGuard data message from peer_id */
#define WGX_META_TUN 2		/* wgx_tun: inner packet to be sent to peer_id */

#endif
