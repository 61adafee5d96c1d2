/* SPDX-License-Identifier: MIT */
/*
 * The XDP plane, as control sees it: create, start, destroy. Inside it:
 * xdp_mode.c (the plane ops, its fds and turn in the event loop, stats),
 * xdp_setup.c (set-up, teardown, following the interfaces), xdp_handover.c
 * (the XSK path's sockets and frames across a restart), xdp_path.c
 * (the per-batch RX/TX paths), xdp_workers.c (parallel crypto with per-peer
 * order), xdp_xsk.c (sockets and UMEM), xdp_link.c (veth, route and
 * neighbour plumbing), xdp_sync.c (the table hooks into the BPF maps),
 * xdp_loader.c/xdp_maps.c (the BPF object). Design notes atop xdp_mode.c.
 */
#ifndef WGX_XDP_MODE_H
#define WGX_XDP_MODE_H

#include <stdbool.h>
#include <stdint.h>

struct wgx_bpf;
struct wgx_device;
struct wgx_loop;
struct wgx_stats_visitor;
struct wgx_udp;
struct wgx_xdp_handed;
struct wgx_xdp_plane;

/*
 * Where data crosses between the underlay and the daemon. XSK: AF_XDP
 * sockets on every NIC queue and a veth tunnel with one of its own (the
 * XDP plane is the device's plane). SOCKET: wgx_rx still classifies at the
 * driver (garbage and unknown indices dropped, transit and handshakes
 * passed, handshakes rate-limited) but passes data to the kernel's UDP
 * socket, and another plane (plane/socket, with its TUN offloads and UDP
 * GSO/GRO) is the device's: the XDP plane is then its table mirror only.
 */
enum wgx_xdp_path { WGX_XDP_PATH_XSK, WGX_XDP_PATH_SOCKET };

/*
 * Remove what a killed XDP-mode daemon for NAME left: its XDP programs on
 * any interface (known by its pins: wgx_bpf_remove_stale), the pins and the
 * tunnel veth; each removal logged. Never another daemon's. For a NAME no
 * live daemon serves. The number of things removed, or -errno.
 * With @maps, its maps are kept for the caller's plane (wgx_xdp_plane_create
 * takes them; wgx_xdp_preload_free else): held open across the removal and
 * emptied but for the counters (wgx_bpf_reset_maps); NULL in *maps where
 * there were none, they do not fit this binary's object, or a program
 * outside this network namespace still uses them.
 */
int wgx_xdp_cleanup_stale(const char *name, struct wgx_bpf **maps);

/*
 * `wg-xdp restart NAME`, before the running daemon freezes: the BPF object
 * loaded over the maps that daemon pinned (xdp_loader.h), so that neither
 * the verifier nor a refill of the maps runs inside the freeze. NULL when
 * NAME has no pins (a socket mode daemon) or they do not fit this binary's
 * object (wgx_xdp_plane_create loads afresh then). Freed by
 * wgx_xdp_preload_free unless a plane took it.
 */
struct wgx_bpf *wgx_xdp_preload(const char *name);
void wgx_xdp_preload_free(struct wgx_bpf *b);

/*
 * Load the BPF object (or take @preloaded, which it then owns) and become
 * @dev's plane and table mirror, before the configuration is applied (so
 * the maps are mirrored from the start); the UDP sockets open at
 * wgx_device_bind, everything else at wgx_xdp_plane_start. NULL on failure
 * (logged).
 */
struct wgx_xdp_plane *wgx_xdp_plane_create(struct wgx_device *dev, struct wgx_loop *loop,
					   struct wgx_bpf *preloaded);

/*
 * Create the tunnel veth NAME <-> its daemon end (or take a restart's:
 * wgx_xdp_plane_adopt), attach wgx_rx to @underlay and wgx_tun to the
 * daemon end (swapped in for a restart's predecessor's), pin the maps, open the AF_XDP sockets and
 * watch them in the loop, start @workers crypto threads (0: crypto inline
 * on the control thread; @auto_workers: as many of them used as the load
 * and the idle CPUs make worth it, xdp_scale.h). @busy_poll: the loop never
 * sleeps. After wgx_device_bind or wgx_xdp_plane_adopt. 0 or -errno (reported).
 */
int wgx_xdp_plane_start(struct wgx_xdp_plane *p, const char *underlay, unsigned int workers,
			bool auto_workers, bool busy_poll);

/*
 * A restart on the XSK path, before the running daemon lets go: serve the
 * UDP sockets it bound (@udp's fds taken, closed on failure too; no
 * wgx_device_bind) and map its UMEMs' frames and its AF_XDP sockets' rings
 * (@xsk taken and freed: xdp_handover.h), touching none of them yet (if it
 * does not let go, it carries on with them). Where the kernel maps no
 * bound socket's rings (6.1), frames of our own instead, and new sockets
 * bound (retrying while the kernel frees the queues) once it closed its
 * own. Then wgx_xdp_plane_start takes its tunnel veth as it is
 * (addresses, routes and state untouched), serves the sockets where it
 * left them (opening only those it could not hand over, on @underlay's
 * queues) and swaps our programs in for its own at the loop's first turn.
 * 0 or -errno (reported).
 */
int wgx_xdp_plane_adopt(struct wgx_xdp_plane *p, const struct wgx_udp *udp,
			struct wgx_xdp_handed *xsk, const char *underlay);
/* The UDP sockets a restart's successor gets (still ours until we exit). */
void wgx_xdp_plane_udp(const struct wgx_xdp_plane *p, struct wgx_udp *out);

/* Why the XSK path was chosen, for the stats (before wgx_xdp_plane_start). */
void wgx_xdp_plane_set_path_reason(struct wgx_xdp_plane *p, const char *why);

/*
 * The SOCKET path instead: only wgx_rx on @underlay (followed when the
 * interface goes and comes back) and the pinned maps. @why: the reason for
 * the choice, reported in the stats. 0 or -errno (reported).
 */
int wgx_xdp_plane_start_classifier(struct wgx_xdp_plane *p, const char *underlay,
				   const char *why);

/*
 * Move to another underlay interface (control re-chose it from the routes):
 * wgx_rx leaves the old one, its AF_XDP sockets close, and XDP (on the XSK
 * path with AF_XDP sockets) attaches to @underlay. On failure the plane goes
 * on as when its underlay is gone: through the kernel UDP socket, attaching
 * when an interface of that name can take it. 0 or -errno (logged).
 * Control thread, after wgx_xdp_plane_start or _start_classifier.
 */
int wgx_xdp_plane_move_underlay(struct wgx_xdp_plane *p, const char *underlay);

/* The XDP figures (and its BPF counters into @reasons), for control's stats. */
void wgx_xdp_plane_stats(struct wgx_xdp_plane *p, const struct wgx_stats_visitor *v, void *ctx,
			 uint64_t *reasons);

/* Undo everything: workers, sockets, XDP programs, pins, veth; @dev forgets the plane. NULL-safe. */
void wgx_xdp_plane_destroy(struct wgx_xdp_plane *p);
/*
 * A restart's successor took over: as destroy, but the lone programs, the
 * pins and the tunnel veth stay for the successor to swap its own in over
 * the same maps (wgx_bpf_let_go); no instant without a classifier. On the
 * XSK path our copies of the AF_XDP sockets' and UMEMs' fds close, while
 * the successor's keep them (wgx_xdp_plane_hand_over told it their state).
 */
void wgx_xdp_plane_release(struct wgx_xdp_plane *p);

#endif
