/* SPDX-License-Identifier: MIT */
/*
 * A minimal AF_XDP receiver for the attach test: one socket on ifname queue
 * 0 (copy mode, no libxdp program: the test's own wgx programs redirect),
 * and raw AF_PACKET injection from the veth peer.
 */
#ifndef WGX_TEST_XSK_PROBE_H
#define WGX_TEST_XSK_PROBE_H

#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/if_xdp.h>
#include <xdp/xsk.h>

#define PROBE_FRAMES 64
#define PROBE_FRAME_SIZE 4096

struct xsk_probe {
	void *buf;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fq, tx;
	struct xsk_ring_cons cq, rx;
};

static inline void xsk_probe_close(struct xsk_probe *p)
{
	if (p->xsk)
		xsk_socket__delete(p->xsk);
	if (p->umem)
		xsk_umem__delete(p->umem);
	if (p->buf)
		munmap(p->buf, PROBE_FRAMES * PROBE_FRAME_SIZE);
	memset(p, 0, sizeof(*p));
}

/* Socket on ifname queue 0 with every frame on the fill ring; 0 or -errno. */
static inline int xsk_probe_open(struct xsk_probe *p, const char *ifname)
{
	struct xsk_socket_config cfg = {
		.rx_size = XSK_RING_CONS__DEFAULT_NUM_DESCS,
		.tx_size = XSK_RING_PROD__DEFAULT_NUM_DESCS,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_COPY,
	};
	__u32 idx;
	int err;

	memset(p, 0, sizeof(*p));
	p->buf = mmap(NULL, PROBE_FRAMES * PROBE_FRAME_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->buf == MAP_FAILED) {
		p->buf = NULL;
		return -errno;
	}
	err = xsk_umem__create(&p->umem, p->buf, PROBE_FRAMES * PROBE_FRAME_SIZE, &p->fq, &p->cq,
			       NULL);
	if (!err)
		err = xsk_socket__create(&p->xsk, ifname, 0, p->umem, &p->rx, &p->tx, &cfg);
	if (err) {
		xsk_probe_close(p);
		return err;
	}
	if (xsk_ring_prod__reserve(&p->fq, PROBE_FRAMES, &idx) != PROBE_FRAMES) {
		xsk_probe_close(p);
		return -ENOSPC;
	}
	for (__u32 i = 0; i < PROBE_FRAMES; i++)
		*xsk_ring_prod__fill_addr(&p->fq, idx + i) = (__u64)i * PROBE_FRAME_SIZE;
	xsk_ring_prod__submit(&p->fq, PROBE_FRAMES);
	return 0;
}

/* Wait up to timeout_ms for one frame; returns a pointer into the UMEM
 * (metadata, if any, is right before it) and its length, or NULL. */
static inline const __u8 *xsk_probe_recv(struct xsk_probe *p, int timeout_ms, __u32 *len)
{
	struct pollfd pfd = { .fd = xsk_socket__fd(p->xsk), .events = POLLIN };
	const struct xdp_desc *d;
	__u32 idx;

	if (poll(&pfd, 1, timeout_ms) <= 0 || xsk_ring_cons__peek(&p->rx, 1, &idx) != 1)
		return NULL;
	d = xsk_ring_cons__rx_desc(&p->rx, idx);
	*len = d->len;
	xsk_ring_cons__release(&p->rx, 1);
	return xsk_umem__get_data(p->buf, d->addr);
}

/* Send one raw frame out of ifname (it arrives on the veth peer). */
static inline int inject(const char *ifname, const void *frame, size_t len)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(ifname),
				   .sll_halen = 6 };
	int fd = socket(AF_PACKET, SOCK_RAW, 0), err = 0;

	if (fd < 0)
		return -errno;
	if (sendto(fd, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll)) != (ssize_t)len)
		err = -errno;
	close(fd);
	return err;
}

#endif
