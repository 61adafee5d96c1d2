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
	*u = (struct wgx_udp_port){ .udp = { .fd4 = -1, .fd6 = -1, .hs4 = -1, .hs6 = -1 }, .dev = dev,
				    .loop = loop };
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
	wgx_loop_unwatch(u->loop, u->udp.hs4);
	wgx_loop_unwatch(u->loop, u->udp.hs6);
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

/*
 * Up to @max datagrams from @fd per call, so per loop turn: a handshake
 * socket full of a flood gets WGX_UDP_PORT_HS_BUDGET of them, a data socket
 * a batch of (GRO'd) buffers.
 */
static void readable(struct wgx_udp_port *u, int fd, int max, bool gro, uint32_t *overflow)
{
	int n;

	for (int i = 0; i < max; i++) {
		u->msgs[i].buf = u->bufs[i];
		u->msgs[i].len = UDP_BUF;
	}
	n = wgx_udp_recv_batch_ovfl(fd, u->msgs, max, overflow);
	if (n <= 0)
		return;
	if (!gro) {
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
	readable(u, u->udp.fd4, WGX_UDP_PORT_BATCH, u->udp.gro[0], &u->udp.rx_overflow[0]);
}

static void readable6(void *ctx, uint32_t events)
{
	struct wgx_udp_port *u = ctx;

	(void)events;
	readable(u, u->udp.fd6, WGX_UDP_PORT_BATCH, u->udp.gro[1], &u->udp.rx_overflow[1]);
}

static void readable_hs4(void *ctx, uint32_t events)
{
	struct wgx_udp_port *u = ctx;

	(void)events;
	readable(u, u->udp.hs4, WGX_UDP_PORT_HS_BUDGET, false, &u->udp.hs_overflow[0]);
}

static void readable_hs6(void *ctx, uint32_t events)
{
	struct wgx_udp_port *u = ctx;

	(void)events;
	readable(u, u->udp.hs6, WGX_UDP_PORT_HS_BUDGET, false, &u->udp.hs_overflow[1]);
}

static int watch(struct wgx_udp_port *u)
{
	int ret = 0;

	if ((u->udp.fd4 >= 0 && (ret = wgx_loop_watch(u->loop, u->udp.fd4, readable4, u))) ||
	    (u->udp.fd6 >= 0 && (ret = wgx_loop_watch(u->loop, u->udp.fd6, readable6, u))) ||
	    (u->udp.hs4 >= 0 && (ret = wgx_loop_watch(u->loop, u->udp.hs4, readable_hs4, u))) ||
	    (u->udp.hs6 >= 0 && (ret = wgx_loop_watch(u->loop, u->udp.hs6, readable_hs6, u))))
		return ret;
	return 0;
}

int wgx_udp_port_bind(struct wgx_udp_port *u, uint16_t port, uint32_t fwmark)
{
	struct wgx_udp fresh;
	int ret;

	/* Ours already: the plain bind that finds a port free would fail on it. */
	if (port && port == u->udp.port && (u->udp.fd4 >= 0 || u->udp.fd6 >= 0))
		return u->udp.fwmark == fwmark || !(ret = wgx_udp_set_fwmark(&u->udp, fwmark)) ?
			       port : ret;
	/* Open the new sockets before closing the old: a taken port changes nothing. */
	ret = wgx_udp_open_offload(&fresh, port, fwmark, u->offload);
	if (ret)
		return ret;
	unwatch(u);
	wgx_udp_close(&u->udp);
	u->udp = fresh;
	ret = watch(u);
	return ret ? ret : u->udp.port;
}

int wgx_udp_port_adopt(struct wgx_udp_port *u, const struct wgx_udp *udp)
{
	unwatch(u);
	wgx_udp_close(&u->udp);
	u->udp = *udp;
	return watch(u);
}

int wgx_udp_port_set_fwmark(struct wgx_udp_port *u, uint32_t fwmark)
{
	return wgx_udp_set_fwmark(&u->udp, fwmark);
}

void wgx_udp_port_drops(const struct wgx_udp_port *u, uint64_t *reasons)
{
	reasons[WGX_R_DP_UDP_RCVBUF_FULL] += (uint64_t)u->udp.rx_overflow[0] + u->udp.rx_overflow[1];
	reasons[WGX_R_CP_HS_RCVBUF_FULL] += (uint64_t)u->udp.hs_overflow[0] + u->udp.hs_overflow[1];
}

int wgx_udp_port_send(struct wgx_udp_port *u, struct wgx_udp_msg *msgs, int n)
{
	int sent = wgx_udp_send_batch(&u->udp, msgs, n);

	for (int i = sent; i < n; i++)
		wgx_device_count(u->dev, WGX_R_DP_UDP_SEND_FAILED);
	return sent;
}
