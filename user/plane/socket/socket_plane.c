// SPDX-License-Identifier: MIT
#include "plane/socket/socket_plane.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/device.h"
#include "core/send.h"
#include "lib/clock.h"
#include "lib/evloop.h"
#include "lib/log.h"
#include "lib/tun.h"
#include "plane/udp_port.h"

/* Largest packet the TUN hands us (an MTU of up to 65535). */
#define PKT_MAX 65536
#define BUF_SIZE (WGX_SEND_HEADROOM + PKT_MAX + WGX_SEND_TAILROOM)

struct wgx_socket_plane {
	struct wgx_device *dev;
	struct wgx_loop *loop;
	int tun_fd;
	struct wgx_udp_port udp;
	unsigned char *bufs[WGX_SOCKET_BATCH];
};

static void tun_readable(void *ctx, uint32_t events)
{
	struct wgx_socket_plane *p = ctx;
	unsigned char *data[WGX_SOCKET_BATCH];
	struct wgx_pkt pkts[WGX_SOCKET_BATCH];
	size_t lens[WGX_SOCKET_BATCH];
	int n;

	(void)events;
	for (int i = 0; i < WGX_SOCKET_BATCH; i++)
		data[i] = p->bufs[i] + WGX_SEND_HEADROOM;
	n = wgx_tun_read_batch(p->tun_fd, data, PKT_MAX, lens, WGX_SOCKET_BATCH);
	if (n <= 0)
		return;
	for (int i = 0; i < n; i++)
		pkts[i] = (struct wgx_pkt){ .data = data[i], .len = lens[i] };
	wgx_send_tunnel_batch(p->dev, pkts, n, wgx_clock_mono_ns());
}

static int op_send(void *plane, struct wgx_udp_msg *msgs, int n)
{
	struct wgx_socket_plane *p = plane;

	return wgx_udp_port_send(&p->udp, msgs, n);
}

static void op_deliver(void *plane, struct wgx_pkt *pkts, int n)
{
	struct wgx_socket_plane *p = plane;

	for (int i = 0; i < n; i++)
		if (wgx_tun_write(p->tun_fd, pkts[i].data, pkts[i].len) < 0)
			wgx_device_count(p->dev, WGX_R_DP_TUN_WRITE_FAILED);
}

static int op_bind(void *plane, uint16_t port, uint32_t fwmark)
{
	struct wgx_socket_plane *p = plane;

	return wgx_udp_port_bind(&p->udp, port, fwmark);
}

static int op_set_fwmark(void *plane, uint32_t fwmark)
{
	struct wgx_socket_plane *p = plane;

	return wgx_udp_port_set_fwmark(&p->udp, fwmark);
}

static const struct wgx_plane_ops socket_ops = {
	.name = "socket",
	.send = op_send,
	.deliver = op_deliver,
	.bind = op_bind,
	.set_fwmark = op_set_fwmark,
};

struct wgx_socket_plane *wgx_socket_plane_create(struct wgx_device *dev, struct wgx_loop *loop,
						 unsigned int mtu)
{
	struct wgx_socket_plane *p = calloc(1, sizeof(*p));
	int ret;

	if (!p)
		return NULL;
	p->dev = dev;
	p->loop = loop;
	p->tun_fd = -1;
	if (wgx_udp_port_init(&p->udp, dev, loop))
		goto err;
	for (int i = 0; i < WGX_SOCKET_BATCH; i++)
		if (!(p->bufs[i] = malloc(BUF_SIZE)))
			goto err;
	ret = wgx_tun_open(dev->name, mtu);
	if (ret < 0) {
		pr_err("%s: cannot create TUN device: %s", dev->name, strerror(-ret));
		goto err;
	}
	p->tun_fd = ret;
	ret = wgx_loop_watch(loop, p->tun_fd, tun_readable, p);
	if (ret) {
		pr_err("%s: cannot watch the TUN device: %s", dev->name, strerror(-ret));
		goto err;
	}
	wgx_device_set_plane(dev, &socket_ops, p);
	return p;
err:
	wgx_socket_plane_destroy(p);
	return NULL;
}

void wgx_socket_plane_destroy(struct wgx_socket_plane *p)
{
	if (!p)
		return;
	if (p->dev->plane == p)
		wgx_device_set_plane(p->dev, NULL, NULL);
	if (p->tun_fd >= 0) {
		wgx_loop_unwatch(p->loop, p->tun_fd);
		close(p->tun_fd);
	}
	wgx_udp_port_uninit(&p->udp);
	for (int i = 0; i < WGX_SOCKET_BATCH; i++)
		free(p->bufs[i]);
	free(p);
}
