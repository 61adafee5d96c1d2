/* SPDX-License-Identifier: MIT */
/*
 * A device's UDP sockets as every plane uses them: bound and re-bound with
 * their fds watched in the event loop (data and handshake sockets, one
 * batch each per loop turn: lib/udp_split.h), each readable batch handed to the
 * core (wgx_receive_batch), batches sent with the failures counted. The
 * socket plane carries everything over them; the XDP plane its handshakes,
 * cookie replies and the data that has no XSK path.
 *
 * Control thread.
 */
#ifndef WGX_UDP_PORT_H
#define WGX_UDP_PORT_H

#include "lib/udp.h"

struct wgx_device;
struct wgx_loop;

#define WGX_UDP_PORT_BATCH 64
/*
 * Handshake messages taken per loop turn: each may cost a DH or a cookie
 * reply (a send). Under a flood the rest overflows the handshake socket
 * (cp_hs_rcvbuf_full) while data keeps its turns.
 */
#define WGX_UDP_PORT_HS_BUDGET 16
/* Datagrams handed to the core at once after splitting UDP_GRO reads. */
#define WGX_UDP_PORT_SPLIT 256

struct wgx_udp_port {
	struct wgx_udp udp;		/* fd4/fd6 -1 until bound */
	struct wgx_device *dev;
	struct wgx_loop *loop;
	unsigned char *bufs[WGX_UDP_PORT_BATCH];
	struct wgx_udp_msg msgs[WGX_UDP_PORT_BATCH];
	/* WGX_UDP_GSO/GRO wanted at the next bind (set before it); GRO'd reads are split here. */
	unsigned int offload;
	struct wgx_udp_msg split[WGX_UDP_PORT_SPLIT];
};

/* Receive buffers allocated, nothing bound yet. 0 or -ENOMEM. */
int wgx_udp_port_init(struct wgx_udp_port *u, struct wgx_device *dev, struct wgx_loop *loop);
/* Unwatch and close the sockets, free the buffers. */
void wgx_udp_port_uninit(struct wgx_udp_port *u);

/* The plane ops bind and set_fwmark (plane.h) over these sockets. */
int wgx_udp_port_bind(struct wgx_udp_port *u, uint16_t port, uint32_t fwmark);
int wgx_udp_port_set_fwmark(struct wgx_udp_port *u, uint32_t fwmark);
/* Add the kernel's receive-buffer drops (data and handshake sockets) to @reasons. */
void wgx_udp_port_drops(const struct wgx_udp_port *u, uint64_t *reasons);
/* Watch sockets another process bound (a restart); takes ownership of @udp's fds. 0 or -errno. */
int wgx_udp_port_adopt(struct wgx_udp_port *u, const struct wgx_udp *udp);
/* Send @n datagrams; each one refused is counted (dp_udp_send_failed). Returns the number sent. */
int wgx_udp_port_send(struct wgx_udp_port *u, struct wgx_udp_msg *msgs, int n);

#endif
