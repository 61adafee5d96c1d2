/* SPDX-License-Identifier: MIT */
/*
 * `wg-xdp restart NAME`: the running daemon hands its state to a new
 * process over $WGX_RUN_DIR/NAME.handover (0600; only the daemon's own uid
 * or root may connect), then exits; the new process carries on with the
 * same sockets, TUN, sessions and timers. This file is the transport; what
 * the state holds is control/restart.h's and core/state.h's.
 *
 *   new process                           running daemon (frozen from accept on)
 *   connect NAME.handover         ---->   accept, check SO_PEERCRED uid
 *                                 <----   "S" + SCM_RIGHTS [memfd, fd...]
 *   check seals, header, version
 *   rebuild the daemon
 *     refused or failed: close    ---->   carries on untouched
 *   "T" (taking over)             ---->   lets go of what the new one must
 *                                         take itself (XDP: wgx_rx, pins)
 *                                 <----   "K": exits, removing nothing shared
 *   pid file, serve
 *
 * The state travels in a memfd, never on a filesystem path: created with
 * MFD_CLOEXEC | MFD_ALLOW_SEALING, sealed F_SEAL_SHRINK | F_SEAL_GROW |
 * F_SEAL_SEAL (its size is fixed, so every length check against it holds).
 * Not F_SEAL_WRITE, by choice: the contents hold secrets, and a write seal
 * would stop either end from wiping them; both ends wipe instead (the
 * receiver once it has copied the secrets into locked memory, the sender
 * once the receiver has answered). The sender writes nothing while the
 * receiver reads: it is frozen in wgx_handover_serve. Both map it locked
 * and excluded from core dumps. Nothing of it is ever logged.
 *
 * The new process listen()s again on the listeners it adopts, so that
 * their peers see its credentials (SO_PEERCRED: how wgx_daemon_open tells
 * NAME's daemon); until the takeover that names a process the pid file does
 * not (a few ms, while frozen), and the old daemon listen()s again if the
 * takeover does not happen.
 *
 * The memfd starts with a header: magic, format version, fd count, the
 * sender's monotonic time of the snapshot, total length. A receiver whose
 * version differs refuses the state before reading any of it, and the
 * sender carries on: an upgrade to an incompatible binary fails cleanly.
 */
#ifndef WGX_HANDOVER_H
#define WGX_HANDOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/serial.h"

/* The state format this binary writes and reads (WGX_TEST_HANDOVER_VERSION fakes another). */
#define WGX_HANDOVER_VERSION 2
/* Enough for the XSK path's sockets on 64 NIC queues (control/restart.h). */
#define WGX_HANDOVER_MAX_FDS 80
#define WGX_HANDOVER_MAX_LEN (1ULL << 30)
/* The longest the running daemon stays frozen for a new process to take over. */
#define WGX_HANDOVER_TIMEOUT_MS 10000

struct wgx_handover {
	int fd;		/* listening; -1: none */
};

/* Listen on NAME.handover (a stale file replaced). 0 or -errno. */
int wgx_handover_listen(struct wgx_handover *h, const char *name);
/* Take over the listener a previous daemon handed over (listen() again, so
 * that peers see our credentials). Takes ownership of @fd. 0 or -errno. */
int wgx_handover_adopt(struct wgx_handover *h, int fd);
/* Stop listening; @unlink_path: remove NAME.handover too (not when a new
 * process listens on it now). NULL-safe for h->fd -1. */
void wgx_handover_close(struct wgx_handover *h, const char *name, bool unlink_path);

/* Writes the state after the header; called twice, to count and to fill. */
typedef void (*wgx_handover_write_fn)(void *ctx, struct wgx_writer *w);
/* The client takes over: let go of what it must take itself (before "K"). */
typedef void (*wgx_handover_release_fn)(void *ctx);

/*
 * The listener is readable: accept one client and, if it may ask, hand it
 * the state (@fill, as of @now) and @fds, then wait up to
 * WGX_HANDOVER_TIMEOUT_MS for its verdict; on "T", @release (if any)
 * before the "K" (a client gone before the "K" did not take over, though
 * @release ran). Blocks the caller throughout,
 * which is the freeze: nothing of the state changes while the client reads
 * it. 1: the client, whose pid is now in *@taker, took over (the caller
 * stops at once and removes nothing the new process now uses); 0: it
 * refused, failed or went away, or was not allowed (the caller carries
 * on); -errno: no state could be sent.
 */
int wgx_handover_serve(struct wgx_handover *h, const int *fds, unsigned int n_fds, uint64_t now,
		       wgx_handover_write_fn fill, wgx_handover_release_fn release, void *ctx,
		       pid_t *taker);

/* Accept one client and close it at once: this daemon cannot hand over (logged by the caller). */
void wgx_handover_refuse(struct wgx_handover *h);

/* The receiving end of one handover. */
struct wgx_handover_in {
	int conn;
	int fds[WGX_HANDOVER_MAX_FDS];	/* -1 once taken by the caller */
	unsigned int n_fds;
	uint8_t *map;			/* the memfd, mapped */
	size_t map_len;
	uint64_t snapshot_ns;		/* the sender's monotonic time of the state */
	struct wgx_reader r;		/* after the header */
};

/*
 * Connect to NAME's daemon and receive its state. 0, or -errno with @err
 * saying why (-EPROTO: an incompatible format version, -EBADMSG: malformed).
 * On error nothing is left open.
 */
int wgx_handover_receive(const char *name, struct wgx_handover_in *in, char *err, size_t err_len);
/*
 * Tell the sender we take over and wait for it to let go. 0: it has (the
 * caller now owns the name), -errno: it did not, and carries on.
 */
int wgx_handover_commit(struct wgx_handover_in *in);
/* Wipe and unmap the state, close the connection (the sender carries on
 * unless committed) and every fd not taken. */
void wgx_handover_finish(struct wgx_handover_in *in);
/* Validate a state buffer's header (also for tests): 0, -EPROTO, -EBADMSG. */
int wgx_handover_check_header(struct wgx_handover_in *in, uint32_t version, char *err,
			      size_t err_len);

#endif
