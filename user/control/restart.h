/* SPDX-License-Identifier: MIT */
/*
 * What a daemon hands over at `wg-xdp restart` besides the device
 * (core/state.h): the options it was attached with, and the descriptors
 * the next process keeps serving on, each named by its role. The payload
 * after control/handover.h's header:
 *
 *   options | socket plane (TUN offloads, UDP port, fwmark, offloads) |
 *   XSK path only: sockets and frames (plane/xdp/xdp_handover.h) |
 *   fd roles (one byte per passed fd, in order) | device (core/state.h)
 *
 * Every mode: socket mode; XDP mode, whose new process loads its BPF
 * object over the running daemon's pinned maps before the freeze and swaps
 * its programs in for the old ones after (the maps' contents are rewritten
 * from the device state). On the socket path the socket plane's fds travel;
 * on the XSK path the UDP sockets, the AF_XDP sockets and their UMEMs'
 * memfds: the tunnel veth stays in the kernel, and the new process goes on
 * in the rings where the old one stopped.
 */
#ifndef WGX_RESTART_H
#define WGX_RESTART_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "control/attach_opts.h"
#include "plane/socket/socket_plane.h"
#include "plane/xdp/xdp_handover.h"

struct wgx_bpf;
struct wgx_device;
struct wgx_handover_in;
struct wgx_writer;

enum wgx_restart_fd {
	WGX_RESTART_FD_TUN = 1,
	WGX_RESTART_FD_UDP4,
	WGX_RESTART_FD_UDP6,
	WGX_RESTART_FD_UAPI,	/* listening on the UAPI socket */
	WGX_RESTART_FD_CTL,	/* listening on the statistics socket */
	WGX_RESTART_FD_HANDOVER,	/* listening on NAME.handover */
	WGX_RESTART_FD_TUN_SPARSE,	/* the TUN's sparse queue (plane/socket/tun_steer.h) */
	WGX_RESTART_FD_HS4,	/* the handshake sockets (lib/udp_split.h) */
	WGX_RESTART_FD_HS6,
	WGX_RESTART_FD_UMEM_TUN,	/* the XSK path's: the veth's UMEM frames (a memfd) */
	WGX_RESTART_FD_UMEM_NIC,	/* the NIC's */
	WGX_RESTART_FD_XSK_TUN,	/* the veth's AF_XDP socket */
	WGX_RESTART_FD_XSK_NIC,	/* the NIC's, one per queue in queue order: the one role that repeats */
	WGX_RESTART_FD_MAX = WGX_RESTART_FD_XSK_NIC,
};

enum wgx_restart_xdp {
	WGX_RESTART_XDP_NONE,
	WGX_RESTART_XDP_SOCKET,
	WGX_RESTART_XDP_XSK,
};

struct wgx_restart {
	/* The options, their strings in the buffers below. */
	struct wgx_attach_opts opts;
	char name[IF_NAMESIZE], underlay[IF_NAMESIZE], config[PATH_MAX], metrics[256];
	bool underlay_auto;
	/* XDP mode's path (none in socket mode): the new process swaps its
	 * programs in (and, XSK, opens its sockets) once the old one let go. */
	enum wgx_restart_xdp xdp_path;
	/* The AEAD backend the running daemon measured fastest: the new one
	 * takes it instead of measuring again (CPU taken from the tunnel). */
	char aead[32];
	/* fds -1 when absent; a receiver owns what wgx_restart_read gave it. */
	struct wgx_socket_plane_fds sock;
	struct wgx_xdp_handed xsk;	/* the XSK path's (sender: borrowed from the plane) */
	int uapi_fd, ctl_fd, handover_fd;
	/* Not in the state: the receiver's BPF object, loaded over the running
	 * daemon's pinned maps before it froze (plane/xdp/xdp_mode.h), or NULL. */
	struct wgx_bpf *xdp_preload;
};

/* The fds of @st with their roles, in the order they travel; returns how many. */
unsigned int wgx_restart_fds(const struct wgx_restart *st, int *fds, uint8_t *roles,
			     unsigned int max);
/* Write @st's part and then @dev's state as of @now. */
void wgx_restart_write(struct wgx_writer *w, const struct wgx_restart *st,
		       const struct wgx_device *dev, uint64_t now);
/*
 * Read the part before the device from @in into @st, taking the fds it
 * names out of in->fds. Leaves in->r at the device state. 0, or -EBADMSG
 * with @err saying what (a role twice or unknown, a missing TUN where the
 * mode has one, XSK path fds that do not match its sockets or elsewhere, a
 * name that is not NAME).
 */
int wgx_restart_read(struct wgx_handover_in *in, const char *name, struct wgx_restart *st,
		     char *err, size_t err_len);
/* Close every fd @st still owns. */
void wgx_restart_close(struct wgx_restart *st);

#endif
