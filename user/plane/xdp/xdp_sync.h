/* SPDX-License-Identifier: MIT */
/*
 * Mirror the daemon's tables into the BPF maps (XDP mode only): receiver
 * indices of live keypairs, peers' public keys and endpoints, allowed IPs.
 * Small hooks called by peer.c/device.c when dev->bpf is set; plain types
 * only, so peer.c and device.c need not see the BPF map layouts.
 *
 * Control thread. A failing map update is logged and counted by the caller's
 * effect (a missing index sends data through the UDP fallback): never fatal.
 */
#ifndef WGX_XDP_SYNC_H
#define WGX_XDP_SYNC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct wgx_bpf;

/* The UDP sockets are (re)bound to @port: wgx_rx classifies on it. */
void wgx_xdp_sync_listen_port(struct wgx_bpf *b, uint16_t port);
void wgx_xdp_sync_index_add(struct wgx_bpf *b, uint32_t index, uint32_t peer_id);
void wgx_xdp_sync_index_del(struct wgx_bpf *b, uint32_t index);
/* @ep: the peer's endpoint (AF_INET/AF_INET6) or an AF_UNSPEC one. */
void wgx_xdp_sync_peer(struct wgx_bpf *b, uint32_t peer_id, const uint8_t public_key[32],
		       const struct sockaddr *ep);
void wgx_xdp_sync_peer_del(struct wgx_bpf *b, uint32_t peer_id);
void wgx_xdp_sync_aip(struct wgx_bpf *b, int family, const void *addr, uint8_t cidr,
		      uint32_t peer_id, bool add);
/* wgx_allowedips_walk_by_peer callback: delete each prefix (ctx: the handle). */
int wgx_xdp_sync_aip_del_cb(void *ctx, int family, const void *addr, uint8_t cidr);

/*
 * The XDP metadata in front of @pkt (an AF_XDP frame with >= 16 bytes of
 * headroom): returns its kind (WGX_META_*), *peer_id and *queued_ns (the
 * CLOCK_MONOTONIC time XDP redirected it), or 0 when absent, and clears the
 * magic so a recycled frame never shows stale metadata.
 * Any thread (touches only the frame).
 */
int wgx_xdp_meta_take(uint8_t *pkt, uint32_t *peer_id, uint64_t *queued_ns);

#endif
