/* SPDX-License-Identifier: MIT */
/*
 * Notice when the daemon's own interface is deleted (`ip link delete wg0`,
 * wg-quick down): like wireguard-go, the daemon then shuts down and removes
 * everything it made. A netlink socket subscribed to RTNLGRP_LINK, watched
 * by the daemon's event loop; control thread only.
 */
#ifndef WGX_LINKWATCH_H
#define WGX_LINKWATCH_H

#include <stdbool.h>

struct mnl_socket;

struct wgx_linkwatch {
	struct mnl_socket *nl;
	unsigned int ifindex;
};

/* Start watching interface @name, which must exist now. 0 or -errno. */
int wgx_linkwatch_open(struct wgx_linkwatch *w, const char *name);
/* The fd to watch for readability (non-blocking). */
int wgx_linkwatch_fd(const struct wgx_linkwatch *w);
/* The fd is readable: true once the interface is gone (also after an overrun, if it is). */
bool wgx_linkwatch_gone(struct wgx_linkwatch *w);
void wgx_linkwatch_close(struct wgx_linkwatch *w);

#endif
