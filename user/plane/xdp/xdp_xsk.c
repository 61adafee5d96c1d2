// SPDX-License-Identifier: MIT
#include "plane/xdp/xdp_xsk.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/if_xdp.h>

/* What the kernel gave us (all sockets on one UMEM share the mode). */
static bool is_zero_copy(int fd)
{
	struct xdp_options opts;
	socklen_t len = sizeof(opts);

	return !getsockopt(fd, SOL_XDP, XDP_OPTIONS, &opts, &len) &&
	       (opts.flags & XDP_OPTIONS_ZEROCOPY);
}

/* Map @p->memfd's @n_frames frames and set up an empty free list. 0 or -errno. */
static int map_area(struct wgx_xsk_pool *p, size_t n_frames)
{
	size_t len = n_frames * WGX_XSK_FRAME_SIZE;

	p->area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, p->memfd, 0);
	if (p->area == MAP_FAILED) {
		p->area = NULL;
		return -errno;
	}
	/* Plaintext packets: not for core dumps. */
	madvise(p->area, len, MADV_DONTDUMP);
	p->free = malloc(n_frames * sizeof(*p->free));
	if (!p->free)
		return -ENOMEM;
	p->n_frames = n_frames;
	return 0;
}

int wgx_xsk_pool_init(struct wgx_xsk_pool *p, size_t n_frames)
{
	int ret;

	memset(p, 0, sizeof(*p));
	p->memfd = memfd_create("wgx-umem", MFD_CLOEXEC);
	if (p->memfd < 0)
		return -errno;
	ret = ftruncate(p->memfd, (off_t)(n_frames * WGX_XSK_FRAME_SIZE)) ? -errno :
	      map_area(p, n_frames);
	if (ret) {
		wgx_xsk_pool_free(p);
		return ret;
	}
	for (size_t i = 0; i < n_frames; i++)
		p->free[i] = (n_frames - 1 - i) * WGX_XSK_FRAME_SIZE;
	p->n_free = n_frames;
	return 0;
}

int wgx_xsk_pool_adopt(struct wgx_xsk_pool *p, int memfd, size_t n_frames, const uint64_t *free,
		       size_t n_free)
{
	struct stat st;
	int ret;

	memset(p, 0, sizeof(*p));
	p->memfd = memfd;
	if (fstat(memfd, &st))
		ret = -errno;
	else if (!n_frames || n_free > n_frames ||
		 (uint64_t)st.st_size != (uint64_t)n_frames * WGX_XSK_FRAME_SIZE)
		ret = -EINVAL;
	else
		ret = map_area(p, n_frames);
	if (ret) {
		wgx_xsk_pool_free(p);
		return ret;
	}
	memcpy(p->free, free, n_free * sizeof(*free));
	p->n_free = n_free;
	return 0;
}

void wgx_xsk_pool_free(struct wgx_xsk_pool *p)
{
	if (p->umem)
		xsk_umem__delete(p->umem);
	if (p->area)
		munmap(p->area, p->n_frames * WGX_XSK_FRAME_SIZE);
	if (p->memfd >= 0)
		close(p->memfd);
	free(p->free);
	memset(p, 0, sizeof(*p));
	p->memfd = -1;
}

void wgx_xsk_pool_unregister(struct wgx_xsk_pool *p)
{
	if (p->umem)
		xsk_umem__delete(p->umem);
	p->umem = NULL;
	p->zero_copy = false;
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

/* One ring of an adopted socket: mapped at @pgoff, @desc_size bytes per entry. */
static void *map_ring(struct wgx_xsk *x, int i, const struct xdp_ring_offset *off, off_t pgoff,
		      size_t desc_size)
{
	void *m;

	x->ring_len[i] = off->desc + WGX_XSK_RING_SIZE * desc_size;
	m = mmap(NULL, x->ring_len[i], PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, x->fd,
		 pgoff);
	if (m == MAP_FAILED)
		return NULL;
	x->ring_map[i] = m;
	return m;
}

#define ADOPT_RING(r, m, o)                                           \
	do {                                                          \
		(r)->mask = WGX_XSK_RING_SIZE - 1;                    \
		(r)->size = WGX_XSK_RING_SIZE;                        \
		(r)->producer = (uint32_t *)((char *)(m) + (o)->producer); \
		(r)->consumer = (uint32_t *)((char *)(m) + (o)->consumer); \
		(r)->flags = (uint32_t *)((char *)(m) + (o)->flags);  \
		(r)->ring = (char *)(m) + (o)->desc;                  \
		(r)->cached_prod = *(r)->producer;                    \
		(r)->cached_cons = *(r)->consumer;                    \
	} while (0)

int wgx_xsk_adopt(struct wgx_xsk_pool *p, struct wgx_xsk *x, int fd, uint32_t tx_pending)
{
	struct xdp_mmap_offsets off;
	socklen_t len = sizeof(off);
	void *rx, *tx, *fill, *comp;

	memset(x, 0, sizeof(*x));
	x->fd = fd;
	x->adopted = true;
	if (getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &len)) {
		int ret = -errno;

		wgx_xsk_close(x);
		return ret;
	}
	rx = map_ring(x, 0, &off.rx, XDP_PGOFF_RX_RING, sizeof(struct xdp_desc));
	tx = rx ? map_ring(x, 1, &off.tx, XDP_PGOFF_TX_RING, sizeof(struct xdp_desc)) : NULL;
	fill = tx ? map_ring(x, 2, &off.fr, XDP_UMEM_PGOFF_FILL_RING, sizeof(uint64_t)) : NULL;
	comp = fill ? map_ring(x, 3, &off.cr, XDP_UMEM_PGOFF_COMPLETION_RING, sizeof(uint64_t)) :
		      NULL;
	if (!comp) {
		int ret = -errno;

		wgx_xsk_close(x);
		return ret;
	}
	ADOPT_RING(&x->rx, rx, &off.rx);
	ADOPT_RING(&x->comp, comp, &off.cr);
	ADOPT_RING(&x->tx, tx, &off.tx);
	ADOPT_RING(&x->fill, fill, &off.fr);
	/* A producer's cached_cons runs a ring ahead (libxdp's convention). */
	x->tx.cached_cons += WGX_XSK_RING_SIZE;
	x->fill.cached_cons += WGX_XSK_RING_SIZE;
	x->tx_pending = tx_pending;
	p->zero_copy = is_zero_copy(fd);
	return 0;
}

void wgx_xsk_close(struct wgx_xsk *x)
{
	if (x->xsk) {
		xsk_socket__delete(x->xsk);
	} else if (x->adopted) {
		for (int i = 0; i < 4; i++)
			if (x->ring_map[i])
				munmap(x->ring_map[i], x->ring_len[i]);
		close(x->fd);
	}
	x->xsk = NULL;
	x->adopted = false;
	memset(x->ring_map, 0, sizeof(x->ring_map));
	memset(x->ring_len, 0, sizeof(x->ring_len));
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

	if (!x->xsk && !x->adopted)
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
