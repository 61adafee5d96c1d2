/* SPDX-License-Identifier: MIT */
/*
 * The device's UDP sockets (one IPv4, one IPv6, same port, like the kernel):
 * handshakes and cookie replies always, data packets in socket mode and as
 * the fallback of XDP mode. Batched with recvmmsg/sendmmsg.
 */
#ifndef WGX_UDP_H
#define WGX_UDP_H

#include <stdint.h>

#include "lib/endpoint.h"

struct wgx_udp {
	int fd4, fd6;		/* -1 when that family is unavailable */
	uint16_t port;		/* the bound port, also when 0 was asked for */
	uint32_t fwmark;
};

/* One datagram of a batch: the caller owns @buf. */
struct wgx_udp_msg {
	unsigned char *buf;
	size_t len;			/* recv: in = capacity, out = size; send: size */
	struct wgx_endpoint ep;		/* recv: source + local dst; send: dst + src */
};

/* Bind both sockets to @port (0: a random port shared by both). 0 or -errno. */
int wgx_udp_open(struct wgx_udp *u, uint16_t port, uint32_t fwmark);
void wgx_udp_close(struct wgx_udp *u);
int wgx_udp_set_fwmark(struct wgx_udp *u, uint32_t fwmark);
/* Receive up to @n datagrams from @fd without blocking. Returns count (0 = none) or -errno. */
int wgx_udp_recv_batch(int fd, struct wgx_udp_msg *msgs, int n);
/*
 * Send @n datagrams, each to its msgs[i].ep. A pinned source address that is
 * no longer valid is cleared (in @msgs) and the send retried from any address.
 * Returns the number sent; each datagram not sent gets msgs[i].len = 0 (so
 * the caller counts bytes of those that went out only).
 */
int wgx_udp_send_batch(struct wgx_udp *u, struct wgx_udp_msg *msgs, int n);

#endif
