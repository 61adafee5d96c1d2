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

/*
 * A restart's new process @pid took over (control/handover.h): tell systemd
 * it is the service's main process now (MAINPID=, which a unit accepts from
 * its current main process even with NotifyAccess=main), before we exit.
 */
void wgx_daemon_handed_over(pid_t pid);

/*
 * Pid files, $WGX_RUN_DIR/NAME.pid (default /var/run/wg-xdp). NAME must be
 * an interface name (lib/ifname.h), else -EINVAL: never a path elsewhere.
 */
const char *wgx_pidfile_path(const char *name, char *buf, size_t len);
/* Create the run directory (0755) if it is not there. 0 or -errno. */
int wgx_run_dir_create(void);
/*
 * Write our pid, mode 0644 whatever the umask, created with O_EXCL (never
 * through a symlink); a dead daemon's file is replaced, a live one's is
 * -EEXIST. After wgx_ctl_open: liveness is told by that socket.
 */
int wgx_pidfile_create(const char *name);
/*
 * A restart's new daemon (control/handover.h): put our pid in NAME's pid
 * file in one rename, over the previous daemon's. 0 or -errno.
 */
int wgx_pidfile_replace(const char *name);
/* 1 if NAME's pid file was removed, 0 if there was none, or -errno. */
int wgx_pidfile_remove(const char *name);
/*
 * The live daemon serving NAME: a pidfd for it (*pid its pid, if asked), or
 * -ENOENT. Live: its pid file names a process that has not exited (zombies
 * are dead) and that listens on NAME's statistics socket (a reused pid is
 * not NAME's daemon). -EACCES: a live process whose statistics socket the
 * caller may not connect to (another user's daemon).
 */
int wgx_daemon_open(const char *name, pid_t *pid);
/* Pid of the live daemon serving NAME (as wgx_daemon_open), or -ENOENT. */
pid_t wgx_pidfile_read(const char *name);
/* NAME's pid file names a process that exited, or whose main thread did,
 * but is not reaped yet (a zombie, its other threads perhaps still exiting
 * with its sockets open). */
bool wgx_daemon_exited(const char *name);

#endif
