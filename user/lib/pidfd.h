/* SPDX-License-Identifier: MIT */
/*
 * Processes by pidfd (Linux 5.3): a handle that cannot come to name another
 * process when the pid is reused, and that tells a zombie from a live one.
 */
#ifndef WGX_PIDFD_H
#define WGX_PIDFD_H

#include <stdbool.h>
#include <sys/types.h>

/* A pidfd for @pid (close it), or -errno (-ESRCH: no such process). */
int wgx_pidfd_open(pid_t pid);
/* The process has exited (a zombie not yet reaped included). */
bool wgx_pidfd_exited(int pidfd);
/* Send @sig; 0 or -errno. */
int wgx_pidfd_signal(int pidfd, int sig);
/* Wait up to @ms for the process to exit: true once it has. */
bool wgx_pidfd_wait_exit(int pidfd, int ms);

#endif
