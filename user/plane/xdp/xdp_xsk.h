/* SPDX-License-Identifier: MIT */
/*
 * AF_XDP sockets over a UMEM (a pool of frames) each: the data plane has
 * one pool for the sockets on the underlay NIC's RX queues (which share it,
 * zero-copy where the driver can) and one for the socket on the daemon's
 * end of the tunnel veth (copy mode). A packet crosses between them through
 * the AEAD, which reads one pool's frame and writes the other's.
 *
 * Frames are 4096 bytes (aligned mode); the kernel puts received packets at
 * XDP_PACKET_HEADROOM (256) into the frame, so every packet has >= 240 bytes
 * in front of it (after the 16-byte metadata) for outer headers.
 *
 * Frame ownership: a frame is on exactly one of the free list, a fill ring
 * (kernel), an RX descriptor being processed, a TX ring (kernel) until its
 * completion comes back, or held by a crypto job. Not thread-safe: one
 * thread owns the pool.
 *
 * The frames live in a memfd, so that a restart's successor can map the same
 * pages and take over the sockets (their rings are mapped from the socket
 * fds) instead of closing and binding them again (plane/xdp/xdp_handover.h).
 */
#ifndef WGX_XDP_XSK_H
#define WGX_XDP_XSK_H

#include <stdbool.h>
#include <stdint.h>
#include <xdp/xsk.h>

#include "lib/codel.h"

#define WGX_XDP_MAX_NIC_QUEUES 64	/* AF_XDP sockets on the NIC at most (WGX_MAX_QUEUES) */
#define WGX_XSK_FRAME_SIZE 4096u
#define WGX_XSK_RING_SIZE 2048u
#define WGX_XSK_PKT_OFFSET 256u	/* XDP_PACKET_HEADROOM */

struct wgx_xsk {
	struct xsk_socket *xsk;		/* NULL: none, or adopted */
	struct xsk_ring_cons rx, comp;
	struct xsk_ring_prod tx, fill;
	int fd;
	bool adopted;			/* from a restart's predecessor: rings mapped here */
	void *ring_map[4];		/* rx, tx, fill, completion */
	size_t ring_len[4];
	uint32_t tx_pending;		/* submitted, completion not yet seen */
	struct wgx_codel codel;		/* the RX ring's queue (xdp_path.c) */
	uint64_t rx_packets, tx_packets, kicks, kicks_busy;
};

struct wgx_xsk_pool {
	void *area;
	int memfd;			/* the frames' pages; -1: none */
	size_t n_frames;
	struct xsk_umem *umem;
	uint64_t *free;			/* stack of free frame addresses */
	size_t n_free;
	bool zero_copy;
};

/* @n_frames frames in a new memfd, mapped; no sockets yet. 0 or -errno. */
int wgx_xsk_pool_init(struct wgx_xsk_pool *p, size_t n_frames);
/*
 * A restart's predecessor's pool: its @memfd (taken, closed on failure too)
 * mapped, of @n_frames frames, @free[0..n_free) the free ones (copied). Its
 * UMEM stays registered through the sockets wgx_xsk_adopt takes. 0 or -errno.
 */
int wgx_xsk_pool_adopt(struct wgx_xsk_pool *p, int memfd, size_t n_frames, const uint64_t *free,
		       size_t n_free);
void wgx_xsk_pool_free(struct wgx_xsk_pool *p);
/* Its sockets are all closed: drop the kernel's UMEM registration, keep the
 * frames (the next wgx_xsk_open registers them again). */
void wgx_xsk_pool_unregister(struct wgx_xsk_pool *p);

/*
 * Bind a socket to @ifname queue @queue on the pool's UMEM (the first socket
 * creates the UMEM; later ones share it). @copy forces copy mode. The socket
 * does not get libxdp's default program: the caller puts its fd in an XSKMAP.
 */
int wgx_xsk_open(struct wgx_xsk_pool *p, struct wgx_xsk *x, const char *ifname,
		 uint32_t queue, bool copy);
/*
 * A restart's predecessor's bound socket @fd (taken, closed on failure too):
 * its four rings mapped and picked up where that process left them (it
 * released what it consumed and submitted what it produced), @tx_pending
 * of its TX descriptors without completion yet; on @p's UMEM. 0 or -errno.
 */
int wgx_xsk_adopt(struct wgx_xsk_pool *p, struct wgx_xsk *x, int fd, uint32_t tx_pending);
void wgx_xsk_close(struct wgx_xsk *x);
/*
 * Close a socket whose interface went away, first taking back the frames its
 * rings still hold: fill entries the kernel never took, received packets not
 * yet read, completions, and TX descriptors never sent. A frame the kernel
 * held in between (at most a packet in flight) is not seen again.
 */
void wgx_xsk_close_reclaim(struct wgx_xsk_pool *p, struct wgx_xsk *x);

/* Give the kernel free frames to receive into (keeps @reserve for TX). */
void wgx_xsk_refill(struct wgx_xsk_pool *p, struct wgx_xsk *x, size_t reserve);
/* Reap TX completions back to the free list. */
void wgx_xsk_complete(struct wgx_xsk_pool *p, struct wgx_xsk *x);
/* Make the kernel send what the TX ring holds (copy mode: up to a budget per
 * call, so callers kick again while tx_pending). */
void wgx_xsk_kick(struct wgx_xsk *x);

static inline uint8_t *wgx_xsk_data(const struct wgx_xsk_pool *p, uint64_t addr)
{
	return (uint8_t *)p->area + addr;
}

static inline bool wgx_xsk_owns(const struct wgx_xsk_pool *p, const void *ptr)
{
	return (const uint8_t *)ptr >= (const uint8_t *)p->area &&
	       (const uint8_t *)ptr < (const uint8_t *)p->area + p->n_frames * WGX_XSK_FRAME_SIZE;
}

static inline uint64_t wgx_xsk_addr_of(const struct wgx_xsk_pool *p, const void *ptr)
{
	return (uint64_t)((const uint8_t *)ptr - (const uint8_t *)p->area);
}

static inline void wgx_xsk_frame_put(struct wgx_xsk_pool *p, uint64_t addr)
{
	p->free[p->n_free++] = addr & ~(uint64_t)(WGX_XSK_FRAME_SIZE - 1);
}

/* A free frame's base address, or UINT64_MAX when the pool is empty. */
static inline uint64_t wgx_xsk_frame_get(struct wgx_xsk_pool *p)
{
	return p->n_free ? p->free[--p->n_free] : UINT64_MAX;
}

/* Queue @len bytes at @addr for transmission; false when the ring is full. */
static inline bool wgx_xsk_tx(struct wgx_xsk *x, uint64_t addr, uint32_t len)
{
	uint32_t idx;
	struct xdp_desc *d;

	if (xsk_ring_prod__reserve(&x->tx, 1, &idx) != 1)
		return false;
	d = xsk_ring_prod__tx_desc(&x->tx, idx);
	d->addr = addr;
	d->len = len;
	d->options = 0;
	xsk_ring_prod__submit(&x->tx, 1);
	x->tx_pending++;
	x->tx_packets++;
	return true;
}

/*
 * Whether @ifname binds AF_XDP in zero-copy mode: a throwaway socket on
 * queue 0 (no XDP program needed). 1, 0 (copy mode only) or -errno.
 */
int wgx_xsk_probe_zero_copy(const char *ifname);

#endif
