// SPDX-License-Identifier: MIT
#include "plane/socket/socket_mode.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "lib/clock.h"
#include "control/ctl.h"
#include "core/device.h"
#include "lib/log.h"
#include "core/peer.h"
#include "core/receive.h"
#include "core/send.h"
#include "lib/tun.h"
#include "control/uapi_server.h"

/* Largest packet either side hands us: a TUN MTU of up to 65535 or a UDP datagram. */
#define PKT_MAX 65536
#define BUF_SIZE (WGX_SEND_HEADROOM + PKT_MAX + WGX_SEND_TAILROOM)

enum { EV_TUN = 1, EV_UDP4, EV_UDP6, EV_UAPI, EV_SIGNAL, EV_CTL };

struct loop {
	struct wgx_device *dev;
	struct wgx_uapi_server *uapi;
	int epfd;
	int udp4, udp6;			/* fds currently registered */
	unsigned char *bufs[WGX_SOCKET_BATCH];
	struct wgx_udp_msg msgs[WGX_SOCKET_BATCH];
	struct wgx_tx_batch tx;
	bool removed;
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

/* Destination of the IP packet at @pkt, or NULL when it is not one. */
static const void *inner_dst(const unsigned char *pkt, size_t len, int *family)
{
	if (len >= 20 && pkt[0] >> 4 == 4) {
		*family = AF_INET;
		return pkt + 16;
	}
	if (len >= 40 && pkt[0] >> 4 == 6) {
		*family = AF_INET6;
		return pkt + 24;
	}
	return NULL;
}

static void tun_readable(struct loop *l)
{
	struct wgx_device *dev = l->dev;
	unsigned char *pkts[WGX_SOCKET_BATCH];
	size_t lens[WGX_SOCKET_BATCH];
	uint64_t now;
	int n;

	for (int i = 0; i < WGX_SOCKET_BATCH; i++)
		pkts[i] = l->bufs[i] + WGX_SEND_HEADROOM;
	n = wgx_tun_read_batch(dev->tun_fd, pkts, PKT_MAX, lens, WGX_SOCKET_BATCH);
	if (n <= 0)
		return;
	now = wgx_clock_mono_ns();
	for (int i = 0; i < n; i++) {
		const void *dst;
		struct wgx_peer *peer;
		int family;

		dst = inner_dst(pkts[i], lens[i], &family);
		if (!dst) {
			wgx_device_count(dev, WGX_R_TUN_MALFORMED);
			continue;
		}
		peer = wgx_allowedips_lookup(&dev->allowedips, family, dst);
		if (!peer) {
			/* The kernel's own router solicitations and MLD reports go to ff02::/16. */
			bool link_mcast = family == AF_INET6 && ((const uint8_t *)dst)[0] == 0xff &&
					  (((const uint8_t *)dst)[1] & 0x0f) == 0x02;

			wgx_device_count(dev, link_mcast ? WGX_R_TUN_ND_MLD : WGX_R_TUN_NO_ROUTE);
			continue;
		}
		wgx_send_data(peer, l->bufs[i], lens[i], &l->tx, now);
	}
	wgx_send_flush(dev, &l->tx);
}

static void udp_readable(struct loop *l, int fd)
{
	int n;

	for (int i = 0; i < WGX_SOCKET_BATCH; i++) {
		l->msgs[i].buf = l->bufs[i];
		l->msgs[i].len = PKT_MAX;
	}
	n = wgx_udp_recv_batch(fd, l->msgs, WGX_SOCKET_BATCH);
	if (n > 0)
		wgx_receive_batch(l->dev, l->msgs, n, wgx_clock_mono_ns());
}

static int timeout_ms(struct wgx_device *dev)
{
	uint64_t next = wgx_timerq_next(&dev->timerq), now;

	if (!next)
		return 1000; /* housekeeping (rate limiter GC) once a second */
	now = wgx_clock_mono_ns();
	if (next <= now)
		return 0;
	next = (next - now + 999999) / 1000000;
	return next > 1000 ? 1000 : (int)next;
}

static int loop_init(struct loop *l, struct wgx_device *dev, struct wgx_uapi_server *uapi, int sigfd)
{
	memset(l, 0, sizeof(*l));
	l->dev = dev;
	l->uapi = uapi;
	l->udp4 = l->udp6 = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return -errno;
	for (int i = 0; i < WGX_SOCKET_BATCH; i++) {
		l->bufs[i] = malloc(BUF_SIZE);
		if (!l->bufs[i])
			return -ENOMEM;
	}
	rewatch_udp(l);
	if (watch(l, dev->tun_fd, EV_TUN) || watch(l, wgx_uapi_server_fd(uapi), EV_UAPI) ||
	    watch(l, sigfd, EV_SIGNAL) || watch(l, dev->ctl_fd, EV_CTL))
		return -errno;
	return 0;
}

static void loop_free(struct loop *l)
{
	for (int i = 0; i < WGX_SOCKET_BATCH; i++)
		free(l->bufs[i]);
	if (l->epfd >= 0)
		close(l->epfd);
}

int wgx_socket_mode_run(struct wgx_device *dev, struct wgx_uapi_server *uapi, int sigfd)
{
	struct epoll_event events[8];
	uint64_t last_gc = 0;
	struct loop *l = malloc(sizeof(*l));
	int ret;

	if (!l)
		return -ENOMEM;
	ret = loop_init(l, dev, uapi, sigfd);
	while (!ret) {
		uint64_t t0 = wgx_clock_ktime_ns();
		int n = epoll_wait(l->epfd, events, 8, timeout_ms(dev));
		uint64_t now, t1 = wgx_clock_ktime_ns();

		wgx_rtprio_after_wait(&dev->rt, t1 - t0, n, t1);

		if (n < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		for (int i = 0; i < n; i++) {
			switch (events[i].data.u32) {
			case EV_TUN:
				tun_readable(l);
				break;
			case EV_UDP4:
				udp_readable(l, dev->udp.fd4);
				break;
			case EV_UDP6:
				udp_readable(l, dev->udp.fd6);
				break;
			case EV_UAPI:
				wgx_uapi_server_handle(uapi);
				rewatch_udp(l);
				break;
			case EV_CTL:
				wgx_ctl_handle(dev->ctl_fd, dev);
				break;
			case EV_SIGNAL:
				pr_info("%s: signal received, shutting down", dev->name);
				goto out;
			}
		}
		now = wgx_clock_mono_ns();
		wgx_device_expire_timers(dev, now);
		if (now - last_gc >= WGX_NS_PER_SEC) {
			wgx_ratelimiter_gc(&dev->ratelimiter, now);
			last_gc = now;
		}
	}
out:
	loop_free(l);
	free(l);
	return ret;
}
