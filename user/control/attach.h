/* SPDX-License-Identifier: MIT */
/* `wg-xdp attach`: bring an interface up, serve it until told to stop, undo everything. */
#ifndef WGX_ATTACH_H
#define WGX_ATTACH_H

#include <stdbool.h>

enum wgx_mode { WGX_MODE_SOCKET, WGX_MODE_XDP };
/* XDP mode's data path (plane/xdp/xdp_mode.h); AUTO: XSK where the NIC binds zero-copy. */
enum wgx_path { WGX_PATH_AUTO, WGX_PATH_XSK, WGX_PATH_SOCKET };

struct wgx_attach_opts {
	const char *underlay;	/* the NIC XDP mode attaches to; NULL: --config's Underlay,
				 * else (and "auto") chosen from the routes and chosen
				 * again when they change (control/underlay.h) */
	const char *name;	/* the WireGuard interface to create */
	const char *config;	/* wg setconf file, or NULL */
	enum wgx_mode mode;
	enum wgx_path path;
	unsigned int mtu;
	int workers;		/* XDP mode crypto threads; -1: one per CPU, auto-scaled */
	bool busy_poll;		/* XDP mode: poll the rings without sleeping */
	bool realtime;		/* control thread at SCHED_FIFO 1 (rtprio.h) */
	bool foreground;
	bool allow_core_dumps;	/* else PR_SET_DUMPABLE 0: no core, no same-uid ptrace */
	const char *metrics;	/* Prometheus endpoint ADDR:PORT, or NULL (metrics.h) */
};

/* Runs the daemon; returns when it stops (0) or failed to start (-errno, reported). */
int wgx_attach(const struct wgx_attach_opts *o);
/*
 * `wg-xdp restart NAME`: become NAME's daemon in place of the running one,
 * with its sockets, TUN, sessions and timers (control/handover.h), in the
 * background unless @foreground. Returns as wgx_attach; on any failure
 * before the takeover the running daemon carries on (-errno, reported).
 */
int wgx_restart(const char *name, bool foreground);
/*
 * Remove what a killed daemon for NAME left behind: its XDP programs, pins
 * and tunnel veth (plane/xdp/xdp_mode.h), its UAPI and statistics sockets
 * and its pid file; each removal logged. The number of things removed, or
 * -EEXIST (NAME's wg-xdp daemon is alive) or -EADDRINUSE (something else
 * serves NAME's UAPI socket, maybe another implementation): nothing touched.
 */
int wgx_attach_cleanup_stale(const char *name);

#endif
