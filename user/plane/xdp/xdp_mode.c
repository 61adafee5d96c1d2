// SPDX-License-Identifier: MIT
/*
 * XDP mode: the event loop of the AF_XDP data plane, and its statistics
 * (set-up, teardown and following the interfaces: xdp_setup.c).
 *
 * Topology (ARCHITECTURE.md "Data flow"):
 *
 *   IFACE --XDP wgx_rx--> XSK per RX queue ----.              .---- kernel UDP socket
 *                                               \  daemon    /      (handshakes, cookie
 *   NAME (host end, NOARP, tx-csum off)           one thread         replies, fallback)
 *     | veth                                    /
 *   wgxXXXXXXXX --XDP wgx_tun--> XSK queue 0 --'
 *
 * Threading: the control thread runs one epoll loop for the control plane
 * (UDP handshakes, timers, UAPI, map sync, netlink) AND the XSK rings (RX
 * batches, TX kicks, completions). It owns every peer, keypair, table and
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
 * Idle: epoll_wait with the timer deadline (<= 1 s), 1 ms while TX completions
 * are outstanding; no busy polling unless --busy-poll.
 */
#include "plane/xdp/xdp_mode.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "lib/clock.h"
#include "control/ctl.h"
#include "core/device.h"
#include "lib/log.h"
#include "core/peer.h"
#include "core/ratelimiter.h"
#include "core/receive.h"
#include "lib/tun.h"
#include "control/uapi_server.h"
#include "plane/xdp/xdp_loader.h"
#include "plane/xdp/xdp_plane.h"

#define UDP_BATCH 64
#define UDP_BUF 65536

/* ---- event loop ---- */

enum { EV_UDP4 = 1, EV_UDP6, EV_UAPI, EV_SIGNAL, EV_CTL, EV_TUN, EV_DONE, EV_NETLINK, EV_NIC = 64 };

struct loop {
	struct wgx_device *dev;
	struct wgx_xdp_plane *p;
	int epfd, udp4, udp6;
	unsigned char *bufs[UDP_BATCH];
	struct wgx_udp_msg msgs[UDP_BATCH];
};

static int watch(struct loop *l, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return fd < 0 || !epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) ? 0 : -errno;
}

/* The UAPI may have moved the sockets to another port: follow them. */
static void rewatch_udp(struct loop *l)
{
	wgx_udp_epoll_follow(&l->dev->udp, l->epfd, &l->udp4, &l->udp6, EV_UDP4, EV_UDP6);
}

/* Handshakes, cookie replies, and data the XDP program passed (no XSK). */
static void udp_readable(struct loop *l, int fd)
{
	int n;

	for (int i = 0; i < UDP_BATCH; i++) {
		l->msgs[i].buf = l->bufs[i];
		l->msgs[i].len = UDP_BUF;
	}
	n = wgx_udp_recv_batch(fd, l->msgs, UDP_BATCH);
	if (n > 0)
		wgx_receive_batch(l->dev, l->msgs, n, wgx_clock_mono_ns());
}

static int timeout_ms(struct wgx_device *dev, bool tx_busy)
{
	uint64_t next = wgx_timerq_next(&dev->timerq), now;

	if (dev->xdp->busy_poll)
		return 0;
	if (tx_busy)
		return 1;
	if (!next)
		return 1000;
	now = wgx_clock_mono_ns();
	if (next <= now)
		return 0;
	next = (next - now + 999999) / 1000000;
	return next > 1000 ? 1000 : (int)next;
}

static int loop_init(struct loop *l, struct wgx_device *dev, struct wgx_uapi_server *uapi,
		     int sigfd)
{
	l->dev = dev;
	l->p = dev->xdp;
	l->udp4 = l->udp6 = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return -errno;
	for (int i = 0; i < UDP_BATCH; i++)
		if (!(l->bufs[i] = malloc(UDP_BUF)))
			return -ENOMEM;
	rewatch_udp(l);
	if (watch(l, wgx_uapi_server_fd(uapi), EV_UAPI) || watch(l, sigfd, EV_SIGNAL) ||
	    watch(l, dev->ctl_fd, EV_CTL) || watch(l, l->p->tun.fd, EV_TUN) ||
	    watch(l, l->p->done_fd, EV_DONE) || watch(l, l->p->nl_fd, EV_NETLINK))
		return -errno;
	for (unsigned int q = 0; q < l->p->n_nic; q++)
		if (watch(l, l->p->nic[q].fd, EV_NIC + q))
			return -errno;
	return 0;
}

int wgx_xdp_mode_run(struct wgx_device *dev, struct wgx_uapi_server *uapi, int sigfd)
{
	struct loop *l = calloc(1, sizeof(*l));
	struct epoll_event events[16];
	uint64_t last_gc = 0;
	bool tx_busy = false;
	int ret;

	if (!l)
		return -ENOMEM;
	ret = loop_init(l, dev, uapi, sigfd);
	while (!ret) {
		uint64_t t0 = wgx_clock_ktime_ns();
		int n = epoll_wait(l->epfd, events, 16, timeout_ms(dev, tx_busy));
		uint64_t now = wgx_clock_mono_ns(), t1 = wgx_clock_ktime_ns();

		wgx_rtprio_after_wait(&dev->rt, t1 - t0, n, t1);

		if (n < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		for (int i = 0; i < n; i++) {
			uint32_t tag = events[i].data.u32;

			if (tag >= EV_NIC) {
				/* (not a socket closed earlier in this turn) */
				if (tag - EV_NIC < l->p->n_nic)
					wgx_xdp_nic_rx(l->p, &l->p->nic[tag - EV_NIC], now);
			} else if (tag == EV_TUN)
				wgx_xdp_tun_rx(l->p, now);
			else if (tag == EV_DONE)
				wgx_xdp_results_drain(l->p);
			else if (tag == EV_UDP4)
				udp_readable(l, dev->udp.fd4);
			else if (tag == EV_UDP6)
				udp_readable(l, dev->udp.fd6);
			else if (tag == EV_UAPI) {
				wgx_uapi_server_handle(uapi);
				rewatch_udp(l);
			} else if (tag == EV_CTL)
				wgx_ctl_handle(dev->ctl_fd, dev);
			else if (tag == EV_NETLINK && wgx_route_monitor_drain(l->p->nl_fd)) {
				wgx_xdp_nh_invalidate(l->p);
				wgx_xdp_follow_tunnel_mtu(l->p);
				if (wgx_xdp_follow_nic(l->p))
					for (unsigned int q = 0; q < l->p->n_nic; q++)
						ret = ret ?: watch(l, l->p->nic[q].fd, EV_NIC + q);
			}
			else if (tag == EV_SIGNAL) {
				pr_info("%s: signal received, shutting down", dev->name);
				goto out;
			}
		}
		/* Every turn releases what the workers finished, woken for it or not. */
		now = wgx_clock_mono_ns();
		if (l->p->n_workers) {
			wgx_xdp_release(l->p, now);
			wgx_scale_tick(&l->p->scale, now);
		}
		tx_busy = wgx_xdp_service(l->p);
		wgx_device_expire_timers(dev, now);
		wgx_xdp_nh_refresh(l->p, now);
		if (now - last_gc >= WGX_NS_PER_SEC) {
			wgx_ratelimiter_gc(&dev->ratelimiter, now);
			last_gc = now;
		}
	}
out:
	for (int i = 0; i < UDP_BATCH; i++)
		free(l->bufs[i]);
	if (l->epfd >= 0)
		close(l->epfd);
	free(l);
	return ret;
}

void wgx_xdp_stats_json(struct wgx_device *dev, FILE *f, uint64_t *reasons)
{
	struct wgx_xdp_plane *p = dev->xdp;
	struct wgx_stat bpf[WGX_REASON_MAX];
	uint64_t nic_rx, nic_tx, kicks, busy;

	if (!p)
		return;
	nic_rx = p->nic_closed.rx;
	nic_tx = p->nic_closed.tx;
	kicks = p->nic_closed.kicks + p->tun.kicks;
	busy = p->nic_closed.busy + p->tun.kicks_busy;
	if (!wgx_bpf_stats_read(dev->bpf, bpf))
		for (unsigned int r = 0; r < WGX_REASON_MAX; r++)
			reasons[r] += bpf[r].packets;
	for (unsigned int q = 0; q < p->n_nic; q++) {
		nic_rx += p->nic[q].rx_packets;
		nic_tx += p->nic[q].tx_packets;
		kicks += p->nic[q].kicks;
		busy += p->nic[q].kicks_busy;
	}
	fprintf(f, "\"xdp\":{\"iface\":\"%s\",\"xdp_mode\":\"%s\",\"tun_xdp_mode\":\"%s\","
		   "\"xsk_mode\":\"%s\",\"tun_xsk_mode\":\"%s\",\"queues\":%u,\"workers\":%u,"
		   "\"workers_active\":%u,"
		   "\"workers_auto\":%s,\"worker_scale_ups\":%llu,\"worker_scale_downs\":%llu,"
		   "\"crypto_inline\":%llu,\"busy_poll\":%s,"
		   "\"tun_dev\":\"%s\","
		   "\"xsk_nic_rx\":%llu,\"xsk_nic_tx\":%llu,\"xsk_tun_rx\":%llu,\"xsk_tun_tx\":%llu,"
		   "\"tx_kicks\":%llu,\"tx_kicks_busy\":%llu,\"frames_free\":%zu,\"frames\":%zu,"
		   "\"socket_fallback\":%llu},",
		p->nic_name, p->nic_gone ? "gone" : wgx_xdp_mode_name(p->rx_xdp_mode),
		wgx_xdp_mode_name(p->tun_xdp_mode),
		p->nic_pool.zero_copy ? "zero-copy" : "copy",
		p->tun_pool.zero_copy ? "zero-copy" : "copy", p->n_nic, p->n_workers, p->scale.active,
		p->scale.on ? "true" : "false", (unsigned long long)p->scale.ups,
		(unsigned long long)p->scale.downs, (unsigned long long)p->inline_jobs,
		p->busy_poll ? "true" : "false", p->dp_name,
		(unsigned long long)nic_rx, (unsigned long long)nic_tx,
		(unsigned long long)p->tun.rx_packets, (unsigned long long)p->tun.tx_packets,
		(unsigned long long)kicks, (unsigned long long)busy,
		p->nic_pool.n_free + p->tun_pool.n_free, p->nic_pool.n_frames + p->tun_pool.n_frames,
		(unsigned long long)dev->stats[WGX_R_DP_SOCKET_FALLBACK]);
}
