/* SPDX-License-Identifier: MIT */
/* `wg-xdp attach`: bring an interface up, serve it until told to stop, undo everything. */
#ifndef WGX_ATTACH_H
#define WGX_ATTACH_H

#include <stdbool.h>

#include "control/attach_opts.h"

struct wgx_bpf;

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
 * With @maps, the killed daemon's BPF maps are kept for the caller
 * (wgx_xdp_cleanup_stale).
 */
int wgx_attach_cleanup_stale(const char *name, struct wgx_bpf **maps);

#endif
