/* SPDX-License-Identifier: MIT */
/*
 * Notice when the daemon's own interface is deleted (`ip link delete wg0`,
 * wg-quick down): like wireguard-go, the daemon then shuts down and removes
 * everything it made. And, when the underlay was chosen from the routes
 * (control/underlay.h), notice that routes changed, so that it is chosen
 * again. A netlink socket subscribed to RTNLGRP_LINK (and the IPv4/IPv6
 * route groups), watched by the daemon's event loop; control thread only.
 */
#ifndef WGX_LINKWATCH_H
#define WGX_LINKWATCH_H

#include <stdbool.h>

struct mnl_socket;

struct wgx_linkwatch {
	struct mnl_socket *nl;
	unsigned int ifindex;
	bool routes;
};

/* What wgx_linkwatch_read saw, a bit set. */
enum { WGX_LINK_GONE = 1, WGX_LINK_ROUTES = 2 };

/* Start watching interface @name, which must exist now, and with @routes the
 * routing tables. 0 or -errno. */
int wgx_linkwatch_open(struct wgx_linkwatch *w, const char *name, bool routes);
/* The fd to watch for readability (non-blocking). */
int wgx_linkwatch_fd(const struct wgx_linkwatch *w);
/*
 * The fd is readable: drain it. WGX_LINK_GONE once the interface is gone,
 * WGX_LINK_ROUTES when a route was added, changed or removed (with @routes;
 * after an overrun both are checked or assumed: the interface asked for, a
 * route change taken as happened).
 */
unsigned int wgx_linkwatch_read(struct wgx_linkwatch *w);
void wgx_linkwatch_close(struct wgx_linkwatch *w);

#endif
