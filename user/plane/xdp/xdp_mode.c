// SPDX-License-Identifier: MIT
/*
 * The XDP plane's ops (core/plane.h), its fds and turn in the daemon's event
 * loop, and its statistics (set-up, teardown and following the interfaces:
 * xdp_setup.c).
 *
 * Topology (ARCHITECTURE.md "Data flow"):
 *
 *   IFACE --XDP wgx_rx--> XSK per RX queue ----.              .---- kernel UDP socket
 *                                               \  daemon    /      (handshakes, cookie
 *   NAME (host end, NOARP, tx-csum off)           one thread         replies, fallback)
 *     | veth                                    /
 *   wgxXXXXXXXX --XDP wgx_tun--> XSK queue 0 --'
 *
 * Threading: the control thread runs the event loop (lib/evloop.h) for the
 * control plane (UDP handshakes, timers, UAPI, map sync, netlink), which
 * control/ registers, AND the XSK rings (RX batches, TX kicks, completions),
 * which this file registers. It owns every peer, keypair, table and
 * frame, so nothing of that is locked. Only the AEAD runs elsewhere, on
 * --workers N crypto threads (xdp_workers.c: per-peer ordered FIFOs, one
 * worker ring each, in-order release on the control thread, keypairs freed
 * after a quiescent point). The protocol steps around the AEAD are the
 * socket mode's own (wgx_receive_data_keypair/_opened, wgx_send_data_begin),
 * run on the control thread: staging, handshake triggers, timer hooks and
 * roaming need no hand-off. With no worker active (--workers 0, or the
 * default's auto-scaling, xdp_scale.h) the control thread seals and opens
 * each packet itself, at once.
 *
 * Frames: the NIC's sockets share one UMEM (zero-copy where the driver can)
 * and the veth's socket has another (copy mode); the AEAD reads a frame of
 * one and writes a frame of the other, so a packet crosses without a copy;
 * outer/inner headers are written in the frame's headroom. Every path
 * returns its frames: drop -> free list, TX -> completion ring -> free list
 * -> fill rings.
 *
 * Idle: the loop sleeps until the timer deadline (<= 1 s), 1 ms while TX
 * completions are outstanding; no busy polling unless --busy-poll.
 */
#include "plane/xdp/xdp_mode.h"

#include <stddef.h>

#include "core/device.h"
#include "lib/clock.h"
#include "lib/evloop.h"
#include "plane/xdp/xdp_loader.h"
#include "plane/xdp/xdp_local.h"
#include "plane/xdp/xdp_plane.h"

static void nic_readable(void *ctx, uint32_t events)
{
	struct wgx_xdp_nic_watch *w = ctx;

	(void)events;
	/* (not a socket closed earlier in this turn: the loop forgot those) */
	wgx_xdp_nic_rx(w->p, &w->p->nic[w->q], wgx_clock_mono_ns());
}

static void tun_readable(void *ctx, uint32_t events)
{
	(void)events;
	wgx_xdp_tun_rx(ctx, wgx_clock_mono_ns());
}

static void done_readable(void *ctx, uint32_t events)
{
	(void)events;
	wgx_xdp_results_drain(ctx);
}

static void netlink_readable(void *ctx, uint32_t events)
{
	struct wgx_xdp_plane *p = ctx;
	bool addrs;

	(void)events;
	if (!wgx_route_monitor_drain(p->nl_fd, &addrs))
		return;
	if (addrs)
		wgx_xdp_local_sync(p->bpf, &p->bpf_flags);
	wgx_xdp_nh_invalidate(p);
	if (!p->socket_path)
		wgx_xdp_follow_tunnel_mtu(p);
	if (wgx_xdp_follow_nic(p))
		wgx_xdp_watch_nic(p);
}

int wgx_xdp_watch_nic(struct wgx_xdp_plane *p)
{
	int ret = 0;

	for (unsigned int q = 0; q < p->n_nic && !ret; q++) {
		p->nic_watch[q] = (struct wgx_xdp_nic_watch){ .p = p, .q = q };
		ret = wgx_loop_watch(p->loop, p->nic[q].fd, nic_readable, &p->nic_watch[q]);
	}
	return ret;
}

/*
 * The device's under-load state into wgx_cfg: while it lasts wgx_rx
 * rate-limits handshakes per source before they cost a syscall each. One map
 * write per change. Returns the ms until the state should be looked at again
 * (its end), or -1.
 */
static int follow_load(struct wgx_xdp_plane *p, uint64_t now)
{
	bool load = wgx_device_is_under_load(p->dev, now);
	bool set = p->bpf_flags & WGX_CFG_UNDER_LOAD;

	if (load != set) {
		if (wgx_bpf_set_flags(p->bpf, p->bpf_flags ^ WGX_CFG_UNDER_LOAD))
			return 1; /* try again next turn */
		p->bpf_flags ^= WGX_CFG_UNDER_LOAD;
	}
	if (!load || p->dev->force_under_load)
		return -1;
	return (int)((p->dev->under_load_until - now) / 1000000 + 1);
}

static int min_timeout(int a, int b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

/* Every turn releases what the workers finished, woken for it or not. */
static int turn(void *ctx)
{
	struct wgx_xdp_plane *p = ctx;
	uint64_t now = wgx_clock_mono_ns();
	bool tx_busy;
	int load_ms;

	if (p->n_workers) {
		wgx_xdp_release(p, now);
		wgx_scale_tick(&p->scale, now);
	}
	tx_busy = wgx_xdp_service(p);
	wgx_xdp_nh_refresh(p, now);
	load_ms = follow_load(p, now);
	return p->busy_poll ? 0 : min_timeout(tx_busy ? 1 : -1, load_ms);
}

/* The socket path's turn: wgx_rx still rate-limits handshakes under load. */
static int classifier_turn(void *ctx)
{
	return follow_load(ctx, wgx_clock_mono_ns());
}

int wgx_xdp_watch(struct wgx_xdp_plane *p)
{
	int ret = 0;

	if (p->socket_path)
		return (p->nl_fd >= 0 ? wgx_loop_watch(p->loop, p->nl_fd, netlink_readable, p) : 0) ?:
		       wgx_loop_add_turn(p->loop, classifier_turn, p);
	ret = wgx_loop_watch(p->loop, p->tun.fd, tun_readable, p);
	if (!ret && p->done_fd >= 0)
		ret = wgx_loop_watch(p->loop, p->done_fd, done_readable, p);
	if (!ret && p->nl_fd >= 0)
		ret = wgx_loop_watch(p->loop, p->nl_fd, netlink_readable, p);
	return ret ?: wgx_xdp_watch_nic(p) ?: wgx_loop_add_turn(p->loop, turn, p);
}

void wgx_xdp_unwatch_turns(struct wgx_xdp_plane *p)
{
	wgx_loop_remove_turn(p->loop, classifier_turn, p);
	wgx_loop_remove_turn(p->loop, turn, p);
}

static int op_send(void *plane, struct wgx_udp_msg *msgs, int n)
{
	return wgx_xdp_send(plane, msgs, n);
}

static void op_deliver(void *plane, struct wgx_pkt *pkts, int n)
{
	for (int i = 0; i < n; i++)
		wgx_xdp_deliver(plane, pkts[i].data, pkts[i].len, pkts[i].family);
}

static int op_bind(void *plane, uint16_t port, uint32_t fwmark)
{
	struct wgx_xdp_plane *p = plane;

	return wgx_udp_port_bind(&p->udp, port, fwmark);
}

static int op_set_fwmark(void *plane, uint32_t fwmark)
{
	struct wgx_xdp_plane *p = plane;

	/* Next hops are resolved with the mark (wg-quick's full tunnel): again. */
	wgx_xdp_nh_invalidate(p);
	return wgx_udp_port_set_fwmark(&p->udp, fwmark);
}

static bool op_keypair_retired(void *plane, struct wgx_keypair *kp)
{
	return wgx_xdp_retire_keypair(plane, kp);
}

static void op_peer_removed(void *plane, struct wgx_peer *peer)
{
	wgx_xdp_peer_removed(plane, peer);
}

static void op_stats(void *plane, const struct wgx_stats_visitor *v, void *ctx, uint64_t *reasons)
{
	wgx_xdp_plane_stats(plane, v, ctx, reasons);
}

void wgx_xdp_plane_stats(struct wgx_xdp_plane *p, const struct wgx_stats_visitor *v, void *ctx,
			 uint64_t *reasons)
{
	struct wgx_stat bpf[WGX_REASON_MAX];
	uint64_t nic_rx = p->nic_closed.rx, nic_tx = p->nic_closed.tx;
	uint64_t kicks = p->nic_closed.kicks + p->tun.kicks;
	uint64_t busy = p->nic_closed.busy + p->tun.kicks_busy;
	unsigned int tx_queues = 0;

	if (!wgx_bpf_stats_read(p->bpf, bpf))
		for (unsigned int r = 0; r < WGX_REASON_MAX; r++)
			reasons[r] += bpf[r].packets;
	wgx_udp_port_drops(&p->udp, reasons);
	for (unsigned int q = 0; q < p->n_nic; q++) {
		nic_rx += p->nic[q].rx_packets;
		nic_tx += p->nic[q].tx_packets;
		kicks += p->nic[q].kicks;
		busy += p->nic[q].kicks_busy;
		tx_queues += p->nic[q].tx_packets > 0;
	}
	v->str(ctx, "iface", p->nic_name);
	v->str(ctx, "path", p->socket_path ? "socket" : "xsk");
	v->str(ctx, "path_reason", p->path_why ? p->path_why : "");
	v->str(ctx, "xdp_mode", p->nic_gone ? "gone" : wgx_xdp_mode_name(p->rx_xdp_mode));
	v->str(ctx, "xdp_mode_reason", p->rx_generic_why                  ? p->rx_generic_why
				       : p->rx_xdp_mode == WGX_XDP_GENERIC ? "the driver refused native XDP"
									   : "native XDP");
	v->str(ctx, "tun_xdp_mode", wgx_xdp_mode_name(p->tun_xdp_mode));
	v->str(ctx, "xsk_mode", p->socket_path ? "none" :
				 p->nic_pool.zero_copy ? "zero-copy" : "copy");
	v->str(ctx, "tun_xsk_mode", p->socket_path ? "none" :
				     p->tun_pool.zero_copy ? "zero-copy" : "copy");
	v->num(ctx, "queues", p->n_nic);
	v->num(ctx, "workers", p->n_workers);
	v->num(ctx, "workers_active", p->scale.active);
	v->flag(ctx, "workers_auto", p->scale.on);
	v->num(ctx, "worker_scale_ups", p->scale.ups);
	v->num(ctx, "worker_scale_downs", p->scale.downs);
	v->num(ctx, "crypto_inline", p->inline_jobs);
	v->flag(ctx, "busy_poll", p->busy_poll);
	v->str(ctx, "tun_dev", p->dp_name);
	v->num(ctx, "xsk_nic_rx", nic_rx);
	v->num(ctx, "xsk_nic_tx", nic_tx);
	v->num(ctx, "xsk_nic_tx_queues", tx_queues);
	v->num(ctx, "xsk_tun_rx", p->tun.rx_packets);
	v->num(ctx, "xsk_tun_tx", p->tun.tx_packets);
	v->num(ctx, "tx_kicks", kicks);
	v->num(ctx, "tx_kicks_busy", busy);
	v->num(ctx, "frames_free", p->nic_pool.n_free + p->tun_pool.n_free);
	v->num(ctx, "frames", p->nic_pool.n_frames + p->tun_pool.n_frames);
	v->num(ctx, "socket_fallback", p->dev->stats[WGX_R_DP_SOCKET_FALLBACK]);
}

const struct wgx_plane_ops wgx_xdp_ops = {
	.name = "xdp",
	.send = op_send,
	.deliver = op_deliver,
	.bind = op_bind,
	.set_fwmark = op_set_fwmark,
	.keypair_retired = op_keypair_retired,
	.peer_removed = op_peer_removed,
	.stats = op_stats,
};
