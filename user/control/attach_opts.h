/* SPDX-License-Identifier: MIT */
/* The options a daemon runs with: given to `wg-xdp attach`, handed on by `wg-xdp restart`. */
#ifndef WGX_ATTACH_OPTS_H
#define WGX_ATTACH_OPTS_H

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

#endif
