/* SPDX-License-Identifier: MIT OR GPL-2.0 */
/*
 * Every map of wgx_xdp.bpf.c, one comment each. Both programs live in that one
 * object, so they share these maps without any fd juggling; the loader pins
 * them all under /sys/fs/bpf/wg-xdp/NAME/. Key/value structs: wgx_abi.h.
 */
#ifndef WGX_BPF_MAPS_H
#define WGX_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "wgx_abi.h"
#include "wgx_reasons.h"

/* Run-time config (listen port, under-load flag, bucket rate): an ARRAY, not
 * .rodata, so a UAPI listen-port change needs no reload. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wgx_cfg);
} wgx_cfg SEC(".maps");

/* Receiver index of every live keypair -> its peer; misses are dropped. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WGX_MAX_INDICES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct wgx_idx_val);
} wgx_idx SEC(".maps");

/* Peer id -> public key and endpoint; for inspection and future fast paths
 * (the programs do not read it yet). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WGX_MAX_PEERS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct wgx_peer_val);
} wgx_peers SEC(".maps");

/* Host routes (/32) of the IPv4 allowed IPs. A /32 is the longest prefix
 * there is, so an exact hash hit settles the lookup; the trie walk it saves
 * costs ~100 ns at 100k prefixes, and per-peer /32s are the common case. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WGX_MAX_AIPS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct wgx_host4_key);
	__type(value, struct wgx_aip_val);
} wgx_hosts4 SEC(".maps");

/* Host routes (/128) of the IPv6 allowed IPs, as wgx_hosts4. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WGX_MAX_AIPS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct wgx_host6_key);
	__type(value, struct wgx_aip_val);
} wgx_hosts6 SEC(".maps");

/* IPv4 allowed IPs shorter than /32: longest prefix -> peer id. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, WGX_MAX_AIPS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct wgx_lpm4_key);
	__type(value, struct wgx_aip_val);
} wgx_aips4 SEC(".maps");

/* IPv6 allowed IPs shorter than /128, as wgx_aips4. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, WGX_MAX_AIPS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct wgx_lpm6_key);
	__type(value, struct wgx_aip_val);
} wgx_aips6 SEC(".maps");

/* The underlay device's own IPv4 addresses: with WGX_CFG_LOCAL_ONLY, a
 * datagram to the listen port whose destination is not here is forwarded
 * traffic and passes (a router between two other WireGuard peers). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WGX_MAX_LOCAL_ADDRS);
	__type(key, struct wgx_local4_key);
	__type(value, struct wgx_local_val);
} wgx_local4 SEC(".maps");

/* The underlay device's own IPv6 addresses, as wgx_local4. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WGX_MAX_LOCAL_ADDRS);
	__type(key, struct wgx_local6_key);
	__type(value, struct wgx_local_val);
} wgx_local6 SEC(".maps");

/* Underlay NIC rx queue -> AF_XDP socket bound to that queue (wgx_rx). */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, WGX_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} wgx_xsks SEC(".maps");

/* Tunnel veth rx queue -> AF_XDP socket (wgx_tun). Separate from wgx_xsks:
 * an XSK is bound to one netdev+queue, and both devices have a queue 0. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, WGX_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} wgx_tun_xsks SEC(".maps");

/* enum wgx_reason -> packets, bytes; per CPU so the exit needs no atomics.
 * The key stays __u32 (the kernel insists on an int key for array BTF):
 * `wg-xdp reasons` names the numbers `bpftool map dump` shows. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WGX_REASON_MAX);
	__type(key, __u32);
	__type(value, struct wgx_stat);
} wgx_stats SEC(".maps");

/* Handshake token bucket per source, used only while WGX_CFG_UNDER_LOAD is
 * set; LRU so a flood of sources evicts old buckets instead of failing. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WGX_HS_SOURCES);
	__type(key, struct wgx_hs_key);
	__type(value, struct wgx_hs_bucket);
} wgx_hs_rl SEC(".maps");

#endif
