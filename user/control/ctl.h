/* SPDX-License-Identifier: MIT */
/*
 * The daemon's statistics socket ($WGX_RUN_DIR/NAME.ctl): each connection gets
 * one JSON document (mode, per-reason counters, per-peer counters) and is
 * closed. The UAPI socket stays byte-compatible with wireguard-go; anything
 * wg-xdp-specific goes through here.
 */
#ifndef WGX_CTL_H
#define WGX_CTL_H

#include <stddef.h>
#include <sys/types.h>

struct wgx_device;
struct wgx_rtprio;
struct wgx_stats;

struct wgx_xdp_plane;

/* What a statistics answer reports. */
struct wgx_ctl {
	int fd;				/* listening, from wgx_ctl_open */
	struct wgx_device *dev;
	const char *mode;		/* "xdp" or "socket", as asked for */
	const struct wgx_rtprio *rt;	/* the control thread's priority */
	/* XDP mode on the socket path: the XDP plane classifies but is not the
	 * device's plane; its figures are reported as well. */
	struct wgx_xdp_plane *classifier;
	const char *friendly_names;	/* a config with `# friendly_name = X` comments, or NULL */
};

/* Listen on NAME.ctl (a stale file replaced); the listening fd, or -errno
 * (-EADDRINUSE: a live daemon listens there). */
int wgx_ctl_open(const char *name);
/* Close the daemon's listening @fd and unlink its NAME.ctl. */
void wgx_ctl_close(int fd, const char *name);
/* Pid of the process listening on NAME.ctl (a live wg-xdp daemon), or -errno. */
pid_t wgx_ctl_peer_pid(const char *name);
/* Unlink NAME.ctl if nobody listens on it: 1 removed, 0 none, -EADDRINUSE live. */
int wgx_ctl_remove_stale(const char *name);
/* c->fd is readable: answer one client (bounded by a short send timeout). */
void wgx_ctl_handle(const struct wgx_ctl *c);
/* The device's figures as control/stats.h has them (the classifier's included). 0 or -errno. */
int wgx_ctl_collect(const struct wgx_ctl *c, struct wgx_stats *out);
/* The statistics as JSON (malloc'd; control/stats.h, fields in wg-xdp(8)). */
char *wgx_ctl_stats_json(const struct wgx_ctl *c);
/* Client: fetch NAME's statistics JSON (malloc'd) or NULL with errno set. */
char *wgx_ctl_fetch(const char *name);

#endif
