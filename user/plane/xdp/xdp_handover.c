// SPDX-License-Identifier: MIT
#include "plane/xdp/xdp_handover.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/serial.h"
#include "plane/xdp/xdp_plane.h"

/* The most frames a pool has: one socket's worth per NIC queue (xdp_setup.c). */
#define MAX_POOL_FRAMES (WGX_XDP_MAX_NIC_QUEUES * WGX_XDP_FRAMES_PER_SOCKET)

static void describe_pool(const struct wgx_xsk_pool *pool, struct wgx_xdp_handed_pool *out)
{
	out->memfd = pool->memfd;
	out->n_frames = (uint32_t)pool->n_frames;
	out->n_free = (uint32_t)pool->n_free;
	out->free = pool->free;
}

static void describe_socket(const struct wgx_xsk *x, struct wgx_xdp_handed_socket *out)
{
	*out = (struct wgx_xdp_handed_socket){
		.fd = x->fd, .tx_pending = x->tx_pending, .rx_packets = x->rx_packets,
		.tx_packets = x->tx_packets, .kicks = x->kicks, .kicks_busy = x->kicks_busy,
	};
}

void wgx_xdp_plane_hand_over(struct wgx_xdp_plane *p, uint64_t now, struct wgx_xdp_handed *out)
{
	wgx_xdp_workers_drain(p, now);
	wgx_xdp_service(p);
	memset(out, 0, sizeof(*out));
	describe_pool(&p->tun_pool, &out->tun_pool);
	describe_socket(&p->tun, &out->tun);
	out->nic_pool.memfd = -1;
	out->n_nic = p->n_nic;
	if (p->n_nic)
		describe_pool(&p->nic_pool, &out->nic_pool);
	for (unsigned int q = 0; q < p->n_nic; q++)
		describe_socket(&p->nic[q], &out->nic[q]);
}

static void write_pool(struct wgx_writer *w, const struct wgx_xdp_handed_pool *pool)
{
	wgx_put_u32(w, pool->n_frames);
	wgx_put_u32(w, pool->n_free);
	for (uint32_t i = 0; i < pool->n_free; i++)
		wgx_put_u32(w, (uint32_t)(pool->free[i] / WGX_XSK_FRAME_SIZE));
}

static void write_socket(struct wgx_writer *w, const struct wgx_xdp_handed_socket *x)
{
	wgx_put_u32(w, x->tx_pending);
	wgx_put_u64(w, x->rx_packets);
	wgx_put_u64(w, x->tx_packets);
	wgx_put_u64(w, x->kicks);
	wgx_put_u64(w, x->kicks_busy);
}

void wgx_xdp_handed_write(struct wgx_writer *w, const struct wgx_xdp_handed *h)
{
	wgx_put_u32(w, h->n_nic);
	write_pool(w, &h->tun_pool);
	write_socket(w, &h->tun);
	if (!h->n_nic)
		return;
	write_pool(w, &h->nic_pool);
	for (uint32_t q = 0; q < h->n_nic; q++)
		write_socket(w, &h->nic[q]);
}

/* A pool's counts and free frames, each a frame of the pool and free once. */
static void read_pool(struct wgx_reader *r, struct wgx_xdp_handed_pool *pool)
{
	uint8_t *seen;

	pool->n_frames = wgx_get_u32(r);
	pool->n_free = wgx_get_u32(r);
	if (r->bad || !pool->n_frames || pool->n_frames > MAX_POOL_FRAMES ||
	    pool->n_free > pool->n_frames ||
	    (size_t)pool->n_free * 4 > r->len - r->off) {
		r->bad = true;
		return;
	}
	pool->free = malloc(((size_t)pool->n_free ?: 1) * sizeof(*pool->free));
	seen = calloc(pool->n_frames, 1);
	if (!pool->free || !seen) {
		r->bad = true;
		free(seen);
		return;
	}
	for (uint32_t i = 0; i < pool->n_free && !r->bad; i++) {
		uint32_t frame = wgx_get_u32(r);

		if (frame >= pool->n_frames || seen[frame]++)
			r->bad = true;
		pool->free[i] = (uint64_t)frame * WGX_XSK_FRAME_SIZE;
	}
	free(seen);
}

static void read_socket(struct wgx_reader *r, struct wgx_xdp_handed_socket *x)
{
	x->tx_pending = wgx_get_u32(r);
	x->rx_packets = wgx_get_u64(r);
	x->tx_packets = wgx_get_u64(r);
	x->kicks = wgx_get_u64(r);
	x->kicks_busy = wgx_get_u64(r);
	if (x->tx_pending > WGX_XSK_RING_SIZE)
		r->bad = true;
}

void wgx_xdp_handed_init(struct wgx_xdp_handed *h)
{
	memset(h, 0, sizeof(*h));
	h->tun_pool.memfd = h->nic_pool.memfd = h->tun.fd = -1;
	for (unsigned int q = 0; q < WGX_XDP_MAX_NIC_QUEUES; q++)
		h->nic[q].fd = -1;
}

int wgx_xdp_handed_read(struct wgx_reader *r, struct wgx_xdp_handed *h)
{
	wgx_xdp_handed_init(h);
	h->n_nic = wgx_get_u32(r);
	if (h->n_nic > WGX_XDP_MAX_NIC_QUEUES)
		r->bad = true;
	if (!r->bad)
		read_pool(r, &h->tun_pool);
	read_socket(r, &h->tun);
	if (h->n_nic && !r->bad)
		read_pool(r, &h->nic_pool);
	for (uint32_t q = 0; q < h->n_nic && !r->bad; q++)
		read_socket(r, &h->nic[q]);
	if (!r->bad)
		return 0;
	wgx_xdp_handed_free(h);
	return -EBADMSG;
}

void wgx_xdp_handed_free(struct wgx_xdp_handed *h)
{
	int *fds[] = { &h->tun_pool.memfd, &h->nic_pool.memfd, &h->tun.fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	for (unsigned int q = 0; q < WGX_XDP_MAX_NIC_QUEUES; q++)
		if (h->nic[q].fd >= 0) {
			close(h->nic[q].fd);
			h->nic[q].fd = -1;
		}
	free(h->tun_pool.free);
	free(h->nic_pool.free);
	h->tun_pool.free = h->nic_pool.free = NULL;
	h->n_nic = 0;
}
