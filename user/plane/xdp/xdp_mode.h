/* SPDX-License-Identifier: MIT */
/*
 * XDP mode: the AF_XDP data plane (xdp_mode.c: set-up, event loop, teardown;
 * xdp_path.c: the per-batch RX/TX paths; xdp_workers.c: parallel crypto with
 * per-peer order; xdp_xsk.c: sockets and UMEM; xdp_link.c: veth, route and
 * neighbour plumbing; xdp_sync.c: BPF map mirroring). Design notes at the
 * top of xdp_mode.c.
 */
#ifndef WGX_XDP_MODE_H
#define WGX_XDP_MODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct wgx_device;
struct wgx_uapi_server;
struct wgx_xdp_plane;
struct wgx_tx_batch;

/* Remove what a killed XDP-mode daemon left: pins and the tunnel veth. */
void wgx_xdp_cleanup_stale(const char *name, const char *underlay);

/* Load the BPF object (dev->bpf) before the configuration is applied, so that
 * the xdp_sync hooks mirror it from the start. 0 or -errno. */
int wgx_xdp_prepare(struct wgx_device *dev);

/*
 * Create the tunnel veth NAME <-> its daemon end, attach wgx_rx to @underlay
 * and wgx_tun to the daemon end, pin the maps, open the AF_XDP sockets and
 * register them (dev->xdp), start @workers crypto threads (0: crypto inline
 * on the control thread; @auto_workers: as many of them used as the load and
 * the idle CPUs make worth it, xdp_scale.h). @busy_poll: never sleep in
 * epoll. Needs dev->udp bound. 0 or -errno (reported).
 */
int wgx_xdp_start(struct wgx_device *dev, const char *underlay, unsigned int workers,
		  bool auto_workers, bool busy_poll);

/* Event loop until SIGTERM/SIGINT on @sigfd or the UAPI socket is removed. */
int wgx_xdp_mode_run(struct wgx_device *dev, struct wgx_uapi_server *uapi, int sigfd);

/* Undo wgx_xdp_start and wgx_xdp_prepare: sockets, XDP programs, pins, veth. */
void wgx_xdp_stop(struct wgx_device *dev);

/*
 * Data-path hooks the protocol core calls in XDP mode (control thread):
 * deliver a decrypted inner packet into the tunnel veth (in place when @pkt
 * lies in the UMEM, else copied), and transmit a batch of sealed messages
 * (outer headers built in the frame's headroom; UDP socket fallback).
 */
void wgx_xdp_deliver(struct wgx_xdp_plane *p, uint8_t *pkt, size_t len, int family);
void wgx_xdp_send_batch(struct wgx_xdp_plane *p, struct wgx_tx_batch *batch);

/*
 * Crypto workers (xdp_workers.c). retire: @kp left its peer; returns true when
 * the plane frees it once no queued job can reference it (false: free it now).
 * peer_removed: wait for @peer's jobs and drop them before the peer goes.
 */
struct wgx_keypair;
struct wgx_peer;
bool wgx_xdp_retire_keypair(struct wgx_xdp_plane *p, struct wgx_keypair *kp);
void wgx_xdp_peer_removed(struct wgx_xdp_plane *p, struct wgx_peer *peer);

/* `"xdp":{...},` for the stats JSON, and the BPF counters added to @reasons. */
void wgx_xdp_stats_json(struct wgx_device *dev, FILE *f, uint64_t *reasons);

#endif
