/* SPDX-License-Identifier: MIT */
/*
 * The device's UDP sockets (one IPv4, one IPv6, same port, like the kernel):
 * handshakes and cookie replies always, data packets in socket mode and as
 * the fallback of XDP mode. Batched with recvmmsg/sendmmsg.
 */
#ifndef WGX_UDP_H
#define WGX_UDP_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/endpoint.h"

struct wgx_udp {
	int fd4, fd6;		/* -1 when that family is unavailable */
	uint16_t port;		/* the bound port, also when 0 was asked for */
	uint32_t fwmark;
	/*
	 * Offloads (wgx_udp_open_offload), per family [0] IPv4, [1] IPv6:
	 * gso: sends of same-size datagrams to one endpoint go out as one
	 * UDP_SEGMENT send; gro: receives may carry many datagrams (UDP_GRO).
	 * A send the kernel refuses with GSO turns gso off for good, counted
	 * in gso_off (and gso_off_errno says why).
	 */
	bool gso[2], gro[2];
	uint64_t gso_sends;	/* sendmmsg entries that carried more than one datagram */
	uint64_t gso_off;
	int gso_off_errno;
	/*
	 * Datagrams the kernel dropped because a socket's receive buffer was
	 * full (SO_RXQ_OVFL: the count rides on the next datagram received).
	 */
	uint32_t rx_overflow[2];
	/*
	 * Handshake sockets (lib/udp_split.h): same port as fd4/fd6, taking
	 * every datagram that is not a data message. -1: none, all on fd4/fd6.
	 * Sends always go through fd4/fd6.
	 */
	int hs4, hs6;
	uint32_t hs_overflow[2];
};

#define WGX_UDP_GSO 1u
#define WGX_UDP_GRO 2u
/* Most datagrams in one UDP_SEGMENT send (the kernel's UDP_MAX_SEGMENTS is 64 or more). */
#define WGX_UDP_GSO_MAX_SEGS 64

/* One datagram of a batch: the caller owns @buf. */
struct wgx_udp_msg {
	unsigned char *buf;
	size_t len;			/* recv: in = capacity, out = size; send: size */
	struct wgx_endpoint ep;		/* recv: source + local dst; send: dst + src */
	uint16_t gso_size;		/* recv with UDP_GRO: datagrams of this size (the last
					 * may be shorter) fill len; 0: one datagram */
};

/* Bind both sockets to @port (0: a random port shared by both), each with its
 * handshake socket beside it where the kernel allows. 0 or -errno. */
int wgx_udp_open(struct wgx_udp *u, uint16_t port, uint32_t fwmark);
/*
 * wgx_udp_open, plus the offloads in @flags (WGX_UDP_GSO, WGX_UDP_GRO)
 * where the kernel has them; u->gso/u->gro say what took. A socket with
 * GRO needs receive buffers of 64 KB and wgx_udp_split_gro.
 */
int wgx_udp_open_offload(struct wgx_udp *u, uint16_t port, uint32_t fwmark, unsigned int flags);
/*
 * Split the received @m (gso_size set by UDP_GRO) into its datagrams,
 * out[i] pointing into m->buf, with m's endpoint. Returns how many (at most
 * @max; the rest is lost, so give room for 64).
 */
int wgx_udp_split_gro(const struct wgx_udp_msg *m, struct wgx_udp_msg *out, int max);
void wgx_udp_close(struct wgx_udp *u);
int wgx_udp_set_fwmark(struct wgx_udp *u, uint32_t fwmark);
/*
 * Receive up to @n datagrams from @fd without blocking. Returns count (0 = none) or -errno.
 * The socket's drop count, when the kernel reports one, lands in *rx_overflow (may be NULL).
 */
int wgx_udp_recv_batch(int fd, struct wgx_udp_msg *msgs, int n);
int wgx_udp_recv_batch_ovfl(int fd, struct wgx_udp_msg *msgs, int n, uint32_t *rx_overflow);
/*
 * Send @n datagrams, each to its msgs[i].ep. A pinned source address that is
 * no longer valid is cleared (in @msgs) and the send retried from any address.
 * Returns the number sent; each datagram not sent gets msgs[i].len = 0 (so
 * the caller counts bytes of those that went out only).
 */
int wgx_udp_send_batch(struct wgx_udp *u, struct wgx_udp_msg *msgs, int n);

#endif
