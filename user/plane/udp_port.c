// SPDX-License-Identifier: MIT
#include "plane/udp_port.h"

#include <errno.h>
#include <stdlib.h>

#include "core/device.h"
#include "core/receive.h"
#include "lib/clock.h"
#include "lib/evloop.h"

/* A datagram's largest size: the receive path opens in place, no headroom. */
#define UDP_BUF 65536

int wgx_udp_port_init(struct wgx_udp_port *u, struct wgx_device *dev, struct wgx_loop *loop)
{
	*u = (struct wgx_udp_port){ .udp = { .fd4 = -1, .fd6 = -1 }, .dev = dev, .loop = loop };
	for (int i = 0; i < WGX_UDP_PORT_BATCH; i++)
		if (!(u->bufs[i] = malloc(UDP_BUF))) {
			wgx_udp_port_uninit(u);
			return -ENOMEM;
		}
	return 0;
}

static void unwatch(struct wgx_udp_port *u)
{
	wgx_loop_unwatch(u->loop, u->udp.fd4);
	wgx_loop_unwatch(u->loop, u->udp.fd6);
}

void wgx_udp_port_uninit(struct wgx_udp_port *u)
{
	unwatch(u);
	wgx_udp_close(&u->udp);
	for (int i = 0; i < WGX_UDP_PORT_BATCH; i++) {
		free(u->bufs[i]);
		u->bufs[i] = NULL;
	}
}

static void readable(struct wgx_udp_port *u, int fd)
{
	int n;

	for (int i = 0; i < WGX_UDP_PORT_BATCH; i++) {
		u->msgs[i].buf = u->bufs[i];
		u->msgs[i].len = UDP_BUF;
	}
	n = wgx_udp_recv_batch_ovfl(fd, u->msgs, WGX_UDP_PORT_BATCH, &u->udp.rx_overflow[fd == u->udp.fd6]);
	if (n <= 0)
		return;
	if (!u->udp.gro[fd == u->udp.fd6]) {
		wgx_receive_batch(u->dev, u->msgs, n, wgx_clock_mono_ns());
		return;
	}
	/* UDP_GRO: a buffer may hold up to 64 datagrams of one sender; the core takes them one by one. */
	uint64_t now = wgx_clock_mono_ns();
	int m = 0;

	for (int i = 0; i < n; i++) {
		if (m + 64 > WGX_UDP_PORT_SPLIT) {
			wgx_receive_batch(u->dev, u->split, m, now);
			m = 0;
		}
		m += wgx_udp_split_gro(&u->msgs[i], u->split + m, WGX_UDP_PORT_SPLIT - m);
	}
	if (m)
		wgx_receive_batch(u->dev, u->split, m, now);
}

static void readable4(void *ctx, uint32_t events)
{
	struct wgx_udp_port *u = ctx;

	(void)events;
	readable(u, u->udp.fd4);
}

static void readable6(void *ctx, uint32_t events)
{
	struct wgx_udp_port *u = ctx;

	(void)events;
	readable(u, u->udp.fd6);
}

int wgx_udp_port_bind(struct wgx_udp_port *u, uint16_t port, uint32_t fwmark)
{
	struct wgx_udp fresh;
	int ret;

	/* Open the new sockets before closing the old: a taken port changes nothing. */
	ret = wgx_udp_open_offload(&fresh, port, fwmark, u->offload);
	if (ret)
		return ret;
	unwatch(u);
	wgx_udp_close(&u->udp);
	u->udp = fresh;
	if ((u->udp.fd4 >= 0 && (ret = wgx_loop_watch(u->loop, u->udp.fd4, readable4, u))) ||
	    (u->udp.fd6 >= 0 && (ret = wgx_loop_watch(u->loop, u->udp.fd6, readable6, u))))
		return ret;
	return u->udp.port;
}

int wgx_udp_port_adopt(struct wgx_udp_port *u, const struct wgx_udp *udp)
{
	int ret;

	unwatch(u);
	wgx_udp_close(&u->udp);
	u->udp = *udp;
	if ((u->udp.fd4 >= 0 && (ret = wgx_loop_watch(u->loop, u->udp.fd4, readable4, u))) ||
	    (u->udp.fd6 >= 0 && (ret = wgx_loop_watch(u->loop, u->udp.fd6, readable6, u))))
		return ret;
	return 0;
}

int wgx_udp_port_set_fwmark(struct wgx_udp_port *u, uint32_t fwmark)
{
	return wgx_udp_set_fwmark(&u->udp, fwmark);
}

int wgx_udp_port_send(struct wgx_udp_port *u, struct wgx_udp_msg *msgs, int n)
{
	int sent = wgx_udp_send_batch(&u->udp, msgs, n);

	for (int i = sent; i < n; i++)
		wgx_device_count(u->dev, WGX_R_DP_UDP_SEND_FAILED);
	return sent;
}
