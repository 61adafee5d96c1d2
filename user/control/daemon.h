/* SPDX-License-Identifier: MIT */
/* Process life cycle of the daemon: readiness-synchronised daemonizing and pid files. */
#ifndef WGX_DAEMON_H
#define WGX_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Fork into the background. The parent stays until the child calls
 * wgx_daemon_ready() (parent exits 0) or exits (parent exits with the child's
 * error), so `wg-xdp attach` returns only once the tunnel is usable.
 * Returns 0 in the child; never returns in the parent. -errno on failure.
 */
int wgx_daemon_fork(void);
/*
 * Report readiness (status 0) or failure to the waiting parent (no-op if not
 * forked) and, on success, READY=1 to systemd when $NOTIFY_SOCKET is set.
 */
void wgx_daemon_ready(int status);

/* Path of NAME's pid file ($WGX_RUN_DIR or /var/run/wg-xdp). */
const char *wgx_pidfile_path(const char *name, char *buf, size_t len);
/* Write our pid; -EEXIST when a live process already owns NAME. Stale files are replaced. */
int wgx_pidfile_create(const char *name);
void wgx_pidfile_remove(const char *name);
/* Pid of the live daemon serving NAME, or -ENOENT. */
pid_t wgx_pidfile_read(const char *name);

#endif
