// SPDX-License-Identifier: MIT
/*
 * XDP mode: set-up, event loop and teardown of the AF_XDP data plane.
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
 * roaming need no hand-off. --workers 0 seals/opens inline on the control
 * thread (wgx_receive_data / wgx_send_data).
 *
 * Frames: all sockets share one UMEM (xdp_xsk.h), so packets are encrypted or
 * decrypted in place and move NIC <-> veth without a copy; outer/inner
 * headers are written in the frame's headroom. Every path returns its frame:
 * drop -> free list, TX -> completion ring -> free list -> fill rings.
 *
 * Idle: epoll_wait with the timer deadline (<= 1 s), 1 ms while TX completions
 * are outstanding; no busy polling unless --busy-poll.
 */
#include "xdp_mode.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "clock.h"
#include "ctl.h"
#include "device.h"
#include "log.h"
#include "peer.h"
#include "ratelimiter.h"
#include "receive.h"
#include "tun.h"
#include "uapi_server.h"
#include "xdp_loader.h"
#include "xdp_plane.h"

#define UMEM_FRAMES_PER_SOCKET (2 * WGX_XSK_RING_SIZE)
#define UDP_BATCH 64
#define UDP_BUF 65536

/* The daemon's end of the tunnel veth: derived from NAME, fits IFNAMSIZ. */
static void dp_name(const char *name, char out[IF_NAMESIZE])
{
	uint32_t h = 2166136261u;

	for (const char *c = name; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	snprintf(out, IF_NAMESIZE, "wgx%08x", h);
}

void wgx_xdp_cleanup_stale(const char *name, const char *underlay)
{
	char dp[IF_NAMESIZE];
	int ifindex = underlay ? wgx_link_index(underlay) : -1;

	dp_name(name, dp);
	wgx_bpf_remove_stale(name, &ifindex, ifindex > 0 ? 1 : 0);
	/* Deleting the daemon's end takes NAME (its peer) with it. */
	if (!wgx_link_delete(dp))
		pr_info("%s: removed leftover tunnel veth %s", name, dp);
}

int wgx_xdp_prepare(struct wgx_device *dev)
{
	int ret = wgx_bpf_open(&dev->bpf, dev->name, 0);

	if (ret)
		pr_err("%s: cannot load the XDP programs: %s", dev->name, strerror(-ret));
	return ret;
}

/* The tables as they are now into the maps (the hooks keep them current). */
static int sync_aip_cb(void *ctx, int family, const void *addr, uint8_t cidr)
{
	struct wgx_peer *peer = ctx;

	return wgx_bpf_aip_add(peer->dev->bpf, family, addr, cidr, peer->id);
}

static int make_veth(struct wgx_xdp_plane *p, const char *name, unsigned int mtu)
{
	int ret = wgx_veth_create(name, p->dp_name, mtu);

	if (ret) {
		pr_err("%s: cannot create the tunnel veth (peer %s): %s", name, p->dp_name,
		       strerror(-ret));
		return ret;
	}
	p->veth_created = true;
	if ((ret = wgx_link_set_flags(name, true, true)) ||
	    (ret = wgx_link_set_flags(p->dp_name, true, true)) ||
	    (ret = wgx_link_mac(name, p->host_mac)) || (ret = wgx_link_mac(p->dp_name, p->dp_mac))) {
		pr_err("%s: cannot configure the tunnel veth: %s", name, strerror(-ret));
		return ret;
	}
	/* Else TCP/UDP reach XDP with partial checksums (ARCHITECTURE, measured facts). */
	ret = wgx_link_tx_csum_off(name);
	if (ret)
		pr_warn("%s: cannot turn TX checksum offload off (%s): TCP in the tunnel may fail",
			name, strerror(-ret));
	p->dp_ifindex = wgx_link_index(p->dp_name);
	return p->dp_ifindex < 0 ? p->dp_ifindex : 0;
}

static int attach_progs(struct wgx_xdp_plane *p, struct wgx_device *dev)
{
	enum wgx_xdp_mode mode;
	int ret = wgx_bpf_attach(dev->bpf, WGX_BPF_RX, p->nic_ifindex, &mode);

	if (ret) {
		pr_err("%s: cannot attach XDP to %s: %s", dev->name, p->nic_name, strerror(-ret));
		return ret;
	}
	p->rx_xdp_mode = mode;
	ret = wgx_bpf_attach(dev->bpf, WGX_BPF_TUN, p->dp_ifindex, &mode);
	if (ret) {
		pr_err("%s: cannot attach XDP to %s: %s", dev->name, p->dp_name, strerror(-ret));
		return ret;
	}
	p->tun_xdp_mode = mode;
	ret = wgx_bpf_pin(dev->bpf);
	if (ret)
		pr_err("%s: cannot pin the BPF maps: %s", dev->name, strerror(-ret));
	return ret;
}

static int open_sockets(struct wgx_xdp_plane *p, struct wgx_device *dev)
{
	unsigned int nq = wgx_link_rx_queues(p->nic_name);
	int ret;

	if (nq > WGX_XDP_MAX_NIC_QUEUES)
		nq = WGX_XDP_MAX_NIC_QUEUES;
	ret = wgx_xsk_pool_init(&p->pool, (nq + 1) * UMEM_FRAMES_PER_SOCKET);
	if (ret)
		return ret;
	/* The veth first: it is copy mode, and sockets sharing a UMEM share its mode. */
	ret = wgx_xsk_open(&p->pool, &p->tun, p->dp_name, 0, true);
	if (ret) {
		pr_err("%s: AF_XDP socket on %s: %s", dev->name, p->dp_name, strerror(-ret));
		return ret;
	}
	ret = wgx_bpf_xsk_set(dev->bpf, WGX_BPF_TUN, 0, p->tun.fd);
	for (unsigned int q = 0; q < nq && !ret; q++) {
		ret = wgx_xsk_open(&p->pool, &p->nic[q], p->nic_name, q, false);
		if (ret) {
			pr_err("%s: AF_XDP socket on %s queue %u: %s", dev->name, p->nic_name, q,
			       strerror(-ret));
			return ret;
		}
		p->n_nic = q + 1;
		ret = wgx_bpf_xsk_set(dev->bpf, WGX_BPF_RX, q, p->nic[q].fd);
	}
	if (ret)
		pr_err("%s: cannot register AF_XDP sockets: %s", dev->name, strerror(-ret));
	wgx_xdp_service(p);
	return ret;
}

int wgx_xdp_start(struct wgx_device *dev, const char *underlay, unsigned int workers,
		  bool busy_poll)
{
	struct wgx_xdp_plane *p = calloc(1, sizeof(*p));
	int ret;

	if (!p)
		return -ENOMEM;
	dev->xdp = p;
	p->dev = dev;
	p->busy_poll = busy_poll;
	p->done_fd = -1;
	p->nl_fd = -1;
	snprintf(p->nic_name, sizeof(p->nic_name), "%s", underlay);
	dp_name(dev->name, p->dp_name);
	p->nic_ifindex = wgx_link_index(underlay);
	if (p->nic_ifindex < 0 || wgx_link_mac(underlay, p->nic_mac)) {
		pr_err("%s: no interface %s", dev->name, underlay);
		return -ENODEV;
	}
	if ((ret = make_veth(p, dev->name, dev->mtu)) || (ret = attach_progs(p, dev)) ||
	    (ret = open_sockets(p, dev)))
		return ret;
	p->nl_fd = wgx_route_monitor_open();
	if (p->nl_fd < 0)
		pr_warn("%s: no route/neighbour events (%s): next hops refresh every few seconds",
			dev->name, strerror(-p->nl_fd));
	ret = wgx_xdp_workers_start(p, workers);
	if (ret) {
		pr_err("%s: cannot start %u crypto workers: %s", dev->name, workers, strerror(-ret));
		return ret;
	}
	for (struct wgx_peer *peer = dev->peers; peer; peer = peer->next)
		wgx_allowedips_walk_by_peer(&dev->allowedips, peer, sync_aip_cb, peer);
	return 0;
}

void wgx_xdp_stop(struct wgx_device *dev)
{
	struct wgx_xdp_plane *p = dev->xdp;

	if (p) {
		wgx_xdp_workers_stop(p);
		if (p->nl_fd >= 0)
			close(p->nl_fd);
		for (unsigned int q = 0; q < p->n_nic; q++)
			wgx_xsk_close(&p->nic[q]);
		wgx_xsk_close(&p->tun);
		wgx_xsk_pool_free(&p->pool);
	}
	if (dev->bpf) {
		wgx_bpf_detach(dev->bpf);
		wgx_bpf_close(dev->bpf);
		dev->bpf = NULL;
	}
	if (p && p->veth_created)
		wgx_link_delete(dev->name);
	free(p);
	dev->xdp = NULL;
}

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

/*
 * `ip link set NAME mtu N` changes only the host end of the veth pair: the
 * daemon end follows (larger frames would vanish there), and so does the
 * device MTU that bounds and pads what the data plane seals.
 */
static void follow_tunnel_mtu(struct wgx_xdp_plane *p)
{
	int host = wgx_link_index(p->dev->name), want, have, ret;

	if (host < 0)
		return;
	want = wgx_link_get_mtu(host);
	have = wgx_link_get_mtu(p->dp_ifindex);
	if (want <= 0 || (want == have && (unsigned int)want == p->dev->mtu))
		return;
	if (want != have && (ret = wgx_link_set_mtu(p->dp_name, (unsigned int)want))) {
		pr_warn("%s: tunnel MTU %d not usable on %s: %s", p->dev->name, want, p->dp_name,
			strerror(-ret));
		return;
	}
	pr_info("%s: tunnel MTU %u -> %d", p->dev->name, p->dev->mtu, want);
	p->dev->mtu = (unsigned int)want;
}

/*
 * The underlay interface was deleted (its XDP program and AF_XDP sockets went
 * with it): say so once. Sending already falls back to the kernel UDP socket
 * (no next hop through the old ifindex), and receiving has always had it.
 */
static void check_nic(struct wgx_xdp_plane *p)
{
	int ret = p->nic_gone ? 0 : wgx_link_get_mtu(p->nic_ifindex);

	if (ret != -ENXIO && ret != -ENODEV)
		return;
	p->nic_gone = true;
	pr_warn("%s: underlay interface %s is gone: XDP and AF_XDP with it, packets now go "
		"through the kernel UDP socket; attach again to restore the XDP data plane",
		p->dev->name, p->nic_name);
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

			if (tag >= EV_NIC)
				wgx_xdp_nic_rx(l->p, &l->p->nic[tag - EV_NIC], now);
			else if (tag == EV_TUN)
				wgx_xdp_tun_rx(l->p, now);
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
				follow_tunnel_mtu(l->p);
				check_nic(l->p);
			}
			else if (tag == EV_SIGNAL) {
				pr_info("%s: signal received, shutting down", dev->name);
				goto out;
			}
		}
		/* EV_DONE needs no handler: every turn releases what the workers finished. */
		now = wgx_clock_mono_ns();
		if (l->p->n_workers)
			wgx_xdp_release(l->p, now);
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

static const char *xdp_mode_name(int m)
{
	return m == WGX_XDP_NATIVE ? "native" : m == WGX_XDP_GENERIC ? "generic" : "none";
}

void wgx_xdp_stats_json(struct wgx_device *dev, FILE *f, uint64_t *reasons)
{
	struct wgx_xdp_plane *p = dev->xdp;
	struct wgx_stat bpf[WGX_REASON_MAX];
	uint64_t nic_rx = 0, nic_tx = 0, kicks = 0, busy = 0;

	if (!p)
		return;
	if (!wgx_bpf_stats_read(dev->bpf, bpf))
		for (unsigned int r = 0; r < WGX_REASON_MAX; r++)
			reasons[r] += bpf[r].packets;
	for (unsigned int q = 0; q < p->n_nic; q++) {
		nic_rx += p->nic[q].rx_packets;
		nic_tx += p->nic[q].tx_packets;
		kicks += p->nic[q].kicks + p->tun.kicks;
		busy += p->nic[q].kicks_busy + p->tun.kicks_busy;
	}
	fprintf(f, "\"xdp\":{\"iface\":\"%s\",\"xdp_mode\":\"%s\",\"tun_xdp_mode\":\"%s\","
		   "\"xsk_mode\":\"%s\",\"queues\":%u,\"workers\":%u,\"busy_poll\":%s,"
		   "\"tun_dev\":\"%s\","
		   "\"xsk_nic_rx\":%llu,\"xsk_nic_tx\":%llu,\"xsk_tun_rx\":%llu,\"xsk_tun_tx\":%llu,"
		   "\"tx_kicks\":%llu,\"tx_kicks_busy\":%llu,\"frames_free\":%zu,\"frames\":%zu,"
		   "\"socket_fallback\":%llu},",
		p->nic_name, p->nic_gone ? "gone" : xdp_mode_name(p->rx_xdp_mode),
		xdp_mode_name(p->tun_xdp_mode),
		p->pool.zero_copy ? "zero-copy" : "copy", p->n_nic, p->n_workers,
		p->busy_poll ? "true" : "false", p->dp_name,
		(unsigned long long)nic_rx, (unsigned long long)nic_tx,
		(unsigned long long)p->tun.rx_packets, (unsigned long long)p->tun.tx_packets,
		(unsigned long long)kicks, (unsigned long long)busy, p->pool.n_free, p->pool.n_frames,
		(unsigned long long)dev->stats[WGX_R_DP_SOCKET_FALLBACK]);
}
