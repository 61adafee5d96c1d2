/* SPDX-License-Identifier: MIT */
/*
 * The daemon's statistics socket ($WGX_RUN_DIR/NAME.ctl): each connection gets
 * one JSON document (mode, per-reason counters, per-peer counters) and is
 * closed. Served from the daemon's loop without ever blocking it: a client
 * that never reads costs a bounded buffer until it is dropped. The UAPI socket stays byte-compatible with wireguard-go; anything
 * wg-xdp-specific goes through here.
 */
#ifndef WGX_CTL_H
#define WGX_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct wgx_device;
struct wgx_rtprio;
struct wgx_stats;

struct wgx_xdp_plane;

#define CTL_MAX_CONNS 8			/* answers being written at once */
#define CTL_OUT_LOW (64U << 10)		/* rendered ahead of the reader, at most */
#define CTL_STALL_NS (5 * 1000000000ULL) /* a reader taking nothing this long is dropped */

struct wgx_ctl_conn;

/* What a statistics answer reports, and the socket that serves it. */
struct wgx_ctl {
	int fd;				/* listening, from wgx_ctl_open */
	int epfd;			/* the listener and every answer being written */
	struct wgx_device *dev;
	const char *mode;		/* "xdp" or "socket", as asked for */
	const struct wgx_rtprio *rt;	/* the control thread's priority */
	/* XDP mode on the socket path: the XDP plane classifies but is not the
	 * device's plane; its figures are reported as well. */
	struct wgx_xdp_plane *classifier;
	const char *friendly_names;	/* a config with `# friendly_name = X` comments, or NULL */
	struct wgx_ctl_conn *conns;	/* answers being written */
	unsigned int n_conns;
};

/* Listen on NAME.ctl (a stale file replaced): c->fd and c->epfd; 0 or -errno
 * (both -1 then; -EADDRINUSE: a live daemon listens there). */
int wgx_ctl_open(struct wgx_ctl *c, const char *name);
/* Serve on the listening socket of NAME.ctl a previous daemon handed over
 * (control/handover.h), listen()ing again so that wgx_ctl_peer_pid names us.
 * Takes ownership of @fd. 0 or -errno. */
int wgx_ctl_adopt(struct wgx_ctl *c, int fd);
/* Drop every connection, stop listening, remove NAME.ctl (c NULL: only that;
 * name NULL: leave the file, it was handed over). */
void wgx_ctl_close(struct wgx_ctl *c, const char *name);
/* The fd the daemon's loop watches (EPOLLIN, level-triggered). */
int wgx_ctl_fd(const struct wgx_ctl *c);
/*
 * That fd is readable: without blocking, write to every client whose socket
 * has room and accept those waiting (up to CTL_MAX_CONNS). Their answer is
 * one snapshot taken now (wgx_ctl_collect, the one cost paid at once, shared
 * by all accepted in this call), rendered as JSON only as fast as each client
 * reads it: at most CTL_OUT_LOW bytes plus a peer's are buffered for one,
 * and at most 512 KiB are rendered and sent per call, for all of them.
 * Up to CTL_MAX_CONNS are written at once; at that bound the one that has
 * waited longest for its reader is dropped for a new one.
 */
void wgx_ctl_handle(struct wgx_ctl *c);
/* Pid of the process listening on NAME.ctl (a live wg-xdp daemon), or -errno. */
pid_t wgx_ctl_peer_pid(const char *name);
/* Unlink NAME.ctl if nobody listens on it: 1 removed, 0 none, -EADDRINUSE live. */
int wgx_ctl_remove_stale(const char *name);
/* Turn hook: drop clients that took nothing for CTL_STALL_NS; ms until the
 * next such deadline, or -1. */
int wgx_ctl_turn(struct wgx_ctl *c, uint64_t now);
/* The device's figures as control/stats.h has them (the classifier's included). 0 or -errno. */
int wgx_ctl_collect(const struct wgx_ctl *c, struct wgx_stats *out);
/* Client: fetch NAME's statistics JSON (malloc'd) or NULL with errno set (ETIMEDOUT:
 * no progress for WGX_CLIENT_TIMEOUT, control/env.h; EPROTO: closed without a word). */
char *wgx_ctl_fetch(const char *name);

#endif
