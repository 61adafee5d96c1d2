/* SPDX-License-Identifier: MIT */
/*
 * Which NIC carries the tunnel (`wg-xdp NAME` has no IFACE argument): the
 * interface of the route to @endpoint (looked up with @fwmark, as the kernel
 * would send it), or without an endpoint the main table's default route
 * (IPv4 first, then IPv6; lowest metric). The caller's WG_XDP_IFACE wins
 * over both. Returns 0 with @out filled, -ENETUNREACH if no such route,
 * -errno on netlink failure.
 */
#ifndef WGX_UNDERLAY_H
#define WGX_UNDERLAY_H

#include <net/if.h>
#include <stdint.h>
#include <sys/socket.h>

int wgx_underlay_pick(const struct sockaddr *endpoint, uint32_t fwmark, char out[IF_NAMESIZE]);

#endif
