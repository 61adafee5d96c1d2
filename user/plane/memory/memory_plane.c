// SPDX-License-Identifier: MIT
#include "plane/memory/memory_plane.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/device.h"
#include "core/receive.h"
#include "core/send.h"

static struct wgx_memory_plane *plane_at(struct wgx_memory_wire *w, const union wgx_sockaddr *a)
{
	for (unsigned int i = 0; i < w->n; i++)
		if (wgx_sockaddr_equal(&w->planes[i]->addr, a))
			return w->planes[i];
	return NULL;
}

int wgx_memory_plane_put(struct wgx_memory_plane *p, const struct wgx_memory_datagram *d)
{
	if (p->len == WGX_MEMORY_QUEUE)
		return -ENOSPC;
	p->queue[(p->head + p->len++) % WGX_MEMORY_QUEUE] = *d;
	return 0;
}

static int op_send(void *plane, struct wgx_udp_msg *msgs, int n)
{
	struct wgx_memory_plane *p = plane;
	struct wgx_memory_datagram d;
	int sent = 0;

	for (int i = 0; i < n; i++) {
		struct wgx_memory_plane *to = plane_at(p->wire, &msgs[i].ep.addr);

		p->sent++;
		if (!to || msgs[i].len > sizeof(d.buf)) {
			p->lost++;
			continue;
		}
		memcpy(d.buf, msgs[i].buf, msgs[i].len);
		d.len = msgs[i].len;
		memset(&d.from, 0, sizeof(d.from));
		d.from.addr = p->addr;
		if (wgx_memory_plane_put(to, &d)) {
			p->lost++;
			continue;
		}
		sent++;
	}
	return sent;
}

static void op_deliver(void *plane, struct wgx_pkt *pkts, int n)
{
	struct wgx_memory_plane *p = plane;

	p->deliver_calls++;
	for (int i = 0; i < n; i++) {
		if (p->n_delivered == WGX_MEMORY_DELIVERED || pkts[i].len > WGX_MEMORY_DATAGRAM)
			continue;
		memcpy(p->delivered[p->n_delivered].data, pkts[i].data, pkts[i].len);
		p->delivered[p->n_delivered++].len = pkts[i].len;
	}
}

static uint16_t addr_port(const union wgx_sockaddr *a)
{
	return ntohs(a->sa.sa_family == AF_INET6 ? a->in6.sin6_port : a->in4.sin_port);
}

static int op_bind(void *plane, uint16_t port, uint32_t fwmark)
{
	struct wgx_memory_plane *p = plane;

	(void)fwmark;
	/* A device has the one address it was created with: asking for
	 * another port moves it there. */
	if (port && port != addr_port(&p->addr)) {
		if (p->addr.sa.sa_family == AF_INET6)
			p->addr.in6.sin6_port = htons(port);
		else
			p->addr.in4.sin_port = htons(port);
	}
	return addr_port(&p->addr);
}

static int op_set_fwmark(void *plane, uint32_t fwmark)
{
	(void)plane;
	(void)fwmark;
	return 0;
}

static const struct wgx_plane_ops memory_ops = {
	.name = "memory",
	.send = op_send,
	.deliver = op_deliver,
	.bind = op_bind,
	.set_fwmark = op_set_fwmark,
};

struct wgx_memory_plane *wgx_memory_plane_create(struct wgx_device *dev,
						 struct wgx_memory_wire *wire,
						 const union wgx_sockaddr *addr)
{
	struct wgx_memory_plane *p;

	if (wire->n == WGX_MEMORY_WIRE_PLANES)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->dev = dev;
	p->wire = wire;
	p->addr = *addr;
	wire->planes[wire->n++] = p;
	wgx_device_set_plane(dev, &memory_ops, p);
	return p;
}

void wgx_memory_plane_destroy(struct wgx_memory_plane *p)
{
	struct wgx_memory_wire *w;

	if (!p)
		return;
	w = p->wire;
	for (unsigned int i = 0; i < w->n; i++)
		if (w->planes[i] == p) {
			w->planes[i] = w->planes[--w->n];
			break;
		}
	if (p->dev->plane == p)
		wgx_device_set_plane(p->dev, NULL, NULL);
	free(p);
}

void wgx_memory_plane_move(struct wgx_memory_plane *p, const union wgx_sockaddr *addr)
{
	p->addr = *addr;
}

int wgx_memory_plane_take(struct wgx_memory_plane *p, struct wgx_memory_datagram *out)
{
	if (!p->len)
		return -ENOENT;
	*out = p->queue[p->head];
	p->head = (p->head + 1) % WGX_MEMORY_QUEUE;
	p->len--;
	return 0;
}

unsigned int wgx_memory_plane_pump(struct wgx_memory_plane *p, uint64_t now)
{
	struct wgx_memory_datagram *batch = p->pumped;
	struct wgx_udp_msg msgs[WGX_MEMORY_QUEUE];
	unsigned int n = 0;

	/* Taken out first: the core's answers may queue new datagrams here. */
	while (n < WGX_MEMORY_QUEUE && !wgx_memory_plane_take(p, &batch[n]))
		n++;
	for (unsigned int i = 0; i < n; i++)
		msgs[i] = (struct wgx_udp_msg){ .buf = batch[i].buf, .len = batch[i].len,
						.ep = batch[i].from };
	if (n)
		wgx_receive_batch(p->dev, msgs, (int)n, now);
	return n;
}

void wgx_memory_plane_inject(struct wgx_memory_plane *p, const void *pkt, size_t len,
			     uint64_t now)
{
	struct wgx_pkt one = { .data = p->injected + WGX_SEND_HEADROOM, .len = len };

	if (len > WGX_MEMORY_DATAGRAM)
		return;
	memcpy(one.data, pkt, len);
	wgx_send_tunnel_batch(p->dev, &one, 1, now);
}

void wgx_memory_plane_clear_delivered(struct wgx_memory_plane *p)
{
	p->n_delivered = 0;
}
