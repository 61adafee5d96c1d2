// SPDX-License-Identifier: MIT
#include "plane/xdp/xdp_xsk.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_xdp.h>

int wgx_xsk_pool_init(struct wgx_xsk_pool *p, size_t n_frames)
{
	memset(p, 0, sizeof(*p));
	p->area = mmap(NULL, n_frames * WGX_XSK_FRAME_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p->area == MAP_FAILED) {
		p->area = NULL;
		return -errno;
	}
	p->free = malloc(n_frames * sizeof(*p->free));
	if (!p->free) {
		munmap(p->area, n_frames * WGX_XSK_FRAME_SIZE);
		p->area = NULL;
		return -ENOMEM;
	}
	p->n_frames = n_frames;
	for (size_t i = 0; i < n_frames; i++)
		p->free[i] = (n_frames - 1 - i) * WGX_XSK_FRAME_SIZE;
	p->n_free = n_frames;
	return 0;
}

void wgx_xsk_pool_free(struct wgx_xsk_pool *p)
{
	if (p->umem)
		xsk_umem__delete(p->umem);
	if (p->area)
		munmap(p->area, p->n_frames * WGX_XSK_FRAME_SIZE);
	free(p->free);
	memset(p, 0, sizeof(*p));
}

void wgx_xsk_pool_unregister(struct wgx_xsk_pool *p)
{
	if (p->umem)
		xsk_umem__delete(p->umem);
	p->umem = NULL;
	p->zero_copy = false;
}

/* What the kernel gave us (all sockets on one UMEM share the mode). */
static bool is_zero_copy(int fd)
{
	struct xdp_options opts;
	socklen_t len = sizeof(opts);

	return !getsockopt(fd, SOL_XDP, XDP_OPTIONS, &opts, &len) &&
	       (opts.flags & XDP_OPTIONS_ZEROCOPY);
}

int wgx_xsk_open(struct wgx_xsk_pool *p, struct wgx_xsk *x, const char *ifname,
		 uint32_t queue, bool copy)
{
	struct xsk_socket_config cfg = {
		.rx_size = WGX_XSK_RING_SIZE,
		.tx_size = WGX_XSK_RING_SIZE,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_USE_NEED_WAKEUP | (copy ? XDP_COPY : 0),
	};
	bool new_umem = !p->umem;
	int ret;

	memset(x, 0, sizeof(*x));
	if (new_umem) {
		struct xsk_umem_config ucfg = {
			.fill_size = WGX_XSK_RING_SIZE,
			.comp_size = WGX_XSK_RING_SIZE,
			.frame_size = WGX_XSK_FRAME_SIZE,
			.frame_headroom = 0,
		};

		ret = xsk_umem__create(&p->umem, p->area, p->n_frames * WGX_XSK_FRAME_SIZE,
				       &x->fill, &x->comp, &ucfg);
		if (ret)
			return ret;
	}
	ret = xsk_socket__create_shared(&x->xsk, ifname, queue, p->umem, &x->rx, &x->tx,
					&x->fill, &x->comp, &cfg);
	if (ret) {
		/* Its fill and completion rings are in @x, which the next try clears. */
		if (new_umem)
			wgx_xsk_pool_unregister(p);
		return ret;
	}
	x->fd = xsk_socket__fd(x->xsk);
	p->zero_copy = is_zero_copy(x->fd);
	return 0;
}

void wgx_xsk_close(struct wgx_xsk *x)
{
	if (x->xsk)
		xsk_socket__delete(x->xsk);
	x->xsk = NULL;
}

/* The entries between a ring's consumer and producer index, as the kernel left them. */
static uint32_t ring_span(const uint32_t *producer, const uint32_t *consumer, uint32_t *first)
{
	*first = __atomic_load_n(consumer, __ATOMIC_ACQUIRE);
	return __atomic_load_n(producer, __ATOMIC_ACQUIRE) - *first;
}

static void reclaim(struct wgx_xsk_pool *p, uint64_t addr)
{
	if (p->n_free < p->n_frames)
		wgx_xsk_frame_put(p, addr);
}

void wgx_xsk_close_reclaim(struct wgx_xsk_pool *p, struct wgx_xsk *x)
{
	uint32_t first, n;

	if (!x->xsk)
		return;
	n = ring_span(x->fill.producer, x->fill.consumer, &first);
	for (uint32_t i = 0; i < n; i++)
		reclaim(p, *xsk_ring_prod__fill_addr(&x->fill, first + i));
	n = ring_span(x->rx.producer, x->rx.consumer, &first);
	for (uint32_t i = 0; i < n; i++)
		reclaim(p, xsk_ring_cons__rx_desc(&x->rx, first + i)->addr);
	n = ring_span(x->comp.producer, x->comp.consumer, &first);
	for (uint32_t i = 0; i < n; i++)
		reclaim(p, *xsk_ring_cons__comp_addr(&x->comp, first + i));
	n = ring_span(x->tx.producer, x->tx.consumer, &first);
	for (uint32_t i = 0; i < n; i++)
		reclaim(p, xsk_ring_prod__tx_desc(&x->tx, first + i)->addr);
	wgx_xsk_close(x);
}

void wgx_xsk_refill(struct wgx_xsk_pool *p, struct wgx_xsk *x, size_t reserve)
{
	uint32_t idx, want = xsk_prod_nb_free(&x->fill, WGX_XSK_RING_SIZE);

	if (p->n_free <= reserve)
		return;
	if (want > p->n_free - reserve)
		want = (uint32_t)(p->n_free - reserve);
	if (!want || xsk_ring_prod__reserve(&x->fill, want, &idx) != want)
		return;
	for (uint32_t i = 0; i < want; i++)
		*xsk_ring_prod__fill_addr(&x->fill, idx + i) = wgx_xsk_frame_get(p);
	xsk_ring_prod__submit(&x->fill, want);
}

void wgx_xsk_complete(struct wgx_xsk_pool *p, struct wgx_xsk *x)
{
	uint32_t idx, n = xsk_ring_cons__peek(&x->comp, WGX_XSK_RING_SIZE, &idx);

	for (uint32_t i = 0; i < n; i++)
		wgx_xsk_frame_put(p, *xsk_ring_cons__comp_addr(&x->comp, idx + i));
	if (n)
		xsk_ring_cons__release(&x->comp, n);
	x->tx_pending -= n < x->tx_pending ? n : x->tx_pending;
}

void wgx_xsk_kick(struct wgx_xsk *x)
{
	if (!x->tx_pending || !xsk_ring_prod__needs_wakeup(&x->tx))
		return;
	x->kicks++;
	if (sendto(x->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 &&
	    (errno == EAGAIN || errno == EBUSY || errno == ENOBUFS))
		x->kicks_busy++;
}

int wgx_xsk_probe_zero_copy(const char *ifname)
{
	struct wgx_xsk_pool pool;
	struct wgx_xsk x;
	int ret = wgx_xsk_pool_init(&pool, 2 * WGX_XSK_RING_SIZE);

	if (ret)
		return ret;
	ret = wgx_xsk_open(&pool, &x, ifname, 0, false);
	if (!ret) {
		ret = pool.zero_copy;
		wgx_xsk_close(&x);
	}
	wgx_xsk_pool_free(&pool);
	return ret;
}
