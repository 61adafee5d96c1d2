/* SPDX-License-Identifier: MIT */
/*
 * The socket plane: the protocol core over a TUN device and the UDP sockets
 * (plane/udp_port.h), both read in batches of up to WGX_SOCKET_BATCH from
 * the daemon's event loop. Works on any kernel. Super-packets where the
 * kernel has the offloads: the TUN (IFF_VNET_HDR, TSO/USO) hands over and
 * takes back 64 KB segments, cut by lib/gso before sealing and coalesced by
 * lib/gro after opening; the sockets send with UDP_SEGMENT and receive with
 * UDP_GRO. The wire is unchanged: tunnel-MTU WireGuard packets only.
 */
#ifndef WGX_SOCKET_PLANE_H
#define WGX_SOCKET_PLANE_H

#include "lib/udp.h"

struct wgx_device;
struct wgx_loop;
struct wgx_socket_plane;

#define WGX_SOCKET_BATCH 64

/*
 * Create TUN device dev->name with @mtu, watch it in @loop and become
 * @dev's plane (wgx_device_set_plane); the UDP sockets open at
 * wgx_device_bind. NULL on failure (logged).
 */
struct wgx_socket_plane *wgx_socket_plane_create(struct wgx_device *dev, struct wgx_loop *loop,
						 unsigned int mtu);
/*
 * The descriptors a restart hands to the next process (control/handover.h):
 * the TUN's queues (with them passed, the device survives our exit) and the
 * bound UDP sockets (data and handshake) with their offloads. Owned by the plane: the receiver dups them.
 */
struct wgx_socket_plane_fds {
	int tun_fd;		/* the bulk queue, or the only one */
	int tun_sparse_fd;	/* -1: one queue (tun_steer.h) */
	unsigned int tun_offloads;
	struct wgx_udp udp;
};
void wgx_socket_plane_fds(const struct wgx_socket_plane *p, struct wgx_socket_plane_fds *out);
/*
 * wgx_socket_plane_create over a TUN and UDP sockets another process made:
 * takes ownership of @in's fds (closed on failure too), binds nothing.
 */
struct wgx_socket_plane *wgx_socket_plane_adopt(struct wgx_device *dev, struct wgx_loop *loop,
						const struct wgx_socket_plane_fds *in);
/* Close the TUN device (which removes it) and the sockets. NULL-safe. */
void wgx_socket_plane_destroy(struct wgx_socket_plane *p);

#endif
