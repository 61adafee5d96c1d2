/* SPDX-License-Identifier: MIT */
/*
 * The XSK path's part of `wg-xdp restart` (control/restart.h carries it):
 * the running daemon's AF_XDP sockets and the memfds of their UMEMs travel
 * to the new process together with which frames are free; the new process
 * maps the same rings and frames and goes on where the old one stopped. No
 * socket closes or binds, so no queue is ever without its socket, and what
 * arrives during the freeze waits in the rings.
 *
 * Sender, frozen: wgx_xdp_plane_hand_over first finishes every packet the
 * crypto workers hold, so that each frame is on the free list or in a ring
 * (xdp_xsk.h: frame ownership). The fds stay the sender's: it closes its
 * copies when it lets go, and the kernel's sockets live on in the
 * receiver's. Receiver: wgx_xdp_handed_read, the fds filled in from what
 * was passed, then wgx_xdp_plane_adopt takes them.
 */
#ifndef WGX_XDP_HANDOVER_H
#define WGX_XDP_HANDOVER_H

#include <stdint.h>

#include "plane/xdp/xdp_xsk.h"

struct wgx_reader;
struct wgx_writer;
struct wgx_xdp_plane;

struct wgx_xdp_handed_socket {
	int fd;				/* -1: none */
	uint32_t tx_pending;		/* TX descriptors whose completion is still due */
	uint64_t rx_packets, tx_packets, kicks, kicks_busy;
};

struct wgx_xdp_handed_pool {
	int memfd;			/* -1: none */
	uint32_t n_frames, n_free;
	uint64_t *free;			/* frame addresses; sender: the pool's own list */
};

struct wgx_xdp_handed {
	struct wgx_xdp_handed_pool tun_pool, nic_pool;	/* nic_pool: none if n_nic is 0 */
	struct wgx_xdp_handed_socket tun, nic[WGX_XDP_MAX_NIC_QUEUES];
	uint32_t n_nic;			/* 0: the underlay was gone */
};

/*
 * At the freeze, on the XSK path: finish what the workers hold, kick what
 * waits to be sent, and describe the sockets and pools in @out (borrowed:
 * valid until the plane is released or serves again).
 */
void wgx_xdp_plane_hand_over(struct wgx_xdp_plane *p, uint64_t now, struct wgx_xdp_handed *out);
/* The counts, free frames and socket counters (the fds travel beside). */
void wgx_xdp_handed_write(struct wgx_writer *w, const struct wgx_xdp_handed *h);
/* Nothing handed: every fd -1 (what wgx_xdp_handed_free may be called on). */
void wgx_xdp_handed_init(struct wgx_xdp_handed *h);
/*
 * Read what wgx_xdp_handed_write wrote; fds all -1, for the caller to fill
 * in. 0, or -EBADMSG (too many queues, a frame out of its pool, unaligned
 * or free twice); on error nothing is left allocated.
 */
int wgx_xdp_handed_read(struct wgx_reader *r, struct wgx_xdp_handed *h);
/* The receiver's: close every fd not taken and free the lists. */
void wgx_xdp_handed_free(struct wgx_xdp_handed *h);

#endif
