/* SPDX-License-Identifier: MIT */
/*
 * The client side of a daemon's local socket (UAPI, statistics): connected
 * with a bound on every wait, so that a daemon that accepts and never
 * answers (stopped, wedged, a foreign program on the path) cannot hang
 * `wg-xdp show`, `stats` or the agent.
 */
#ifndef WGX_UNIX_CLIENT_H
#define WGX_UNIX_CLIENT_H

/*
 * A blocking SOCK_STREAM socket connected to path, each connect, write and
 * read on it failing with EAGAIN after timeout_ms without progress (0: wait
 * forever). The fd, or -errno.
 */
int wgx_unix_connect(const char *path, unsigned int timeout_ms);

/* A read or write's errno on such a socket as the caller reports it: EAGAIN is -ETIMEDOUT. */
int wgx_unix_error(int err);

#endif
