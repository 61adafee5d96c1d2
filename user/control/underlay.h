/* SPDX-License-Identifier: MIT */
/*
 * Which NIC carries the tunnel when none is named (`wg-xdp NAME` without
 * WG_XDP_IFACE, `attach auto`, --config without Underlay): the
 * interface of the route to @endpoint (looked up with @fwmark, as the kernel
 * would send it), or without an endpoint the main table's default route
 * (IPv4 first, then IPv6; lowest metric). The caller's WG_XDP_IFACE wins
 * over both. Returns 0 with @out filled, -ENETUNREACH if no such route,
 * -errno on netlink failure.
 */
#ifndef WGX_UNDERLAY_H
#define WGX_UNDERLAY_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

int wgx_underlay_pick(const struct sockaddr *endpoint, uint32_t fwmark, char out[IF_NAMESIZE]);

struct wgx_device;

/* The pick for a device: the route to its first peer's endpoint (with its fwmark), else the default route. */
int wgx_underlay_pick_for(const struct wgx_device *dev, char out[IF_NAMESIZE]);

/*
 * Choosing again when routes change, for an underlay that was chosen from
 * them (never one named by IFACE, Underlay or WG_XDP_IFACE). Route events
 * come in bursts (a link going down withdraws many): the choice waits until
 * WGX_UNDERLAY_SETTLE_MS passed without one, and at most
 * WGX_UNDERLAY_MAX_WAIT_MS after the first. Control thread only.
 */
#define WGX_UNDERLAY_SETTLE_MS 300u
#define WGX_UNDERLAY_MAX_WAIT_MS 2000u

struct wgx_underlay_watch {
	bool pending;
	uint64_t first_ns, due_ns;
};

/* A route was added, changed or removed at @now (ns, monotonic). */
void wgx_underlay_routes_changed(struct wgx_underlay_watch *u, uint64_t now);
/* ms until the choice is due, 0 when it is (then clears it), -1 when nothing is pending. */
int wgx_underlay_due(struct wgx_underlay_watch *u, uint64_t now);

#endif
