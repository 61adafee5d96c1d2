/* SPDX-License-Identifier: MIT */
/*
 * Netlink and ioctl plumbing of XDP mode: the tunnel veth pair, its flags and
 * offloads, MAC addresses, and the route + neighbour lookups the data plane
 * needs to build outer Ethernet/IP headers itself.
 * Control thread; every call is a few syscalls.
 */
#ifndef WGX_XDP_LINK_H
#define WGX_XDP_LINK_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

/* Create the veth pair @name <-> @peer, both with @mtu. 0 or -errno (-EEXIST). */
int wgx_veth_create(const char *name, const char *peer, unsigned int mtu);
/* Delete a link by name (a veth takes its peer with it). 0, -ENODEV or -errno. */
int wgx_link_delete(const char *name);
/* Set IFF_NOARP (and IFF_UP when @up). */
int wgx_link_set_flags(const char *name, bool noarp, bool up);
/* Turn TX checksum offload off (ETHTOOL_STXCSUM): frames then reach XDP with
 * complete L4 checksums. */
int wgx_link_tx_csum_off(const char *name);
int wgx_link_mac(const char *name, uint8_t mac[6]);
/* Number of RX queues (at least 1). */
unsigned int wgx_link_rx_queues(const char *name);
/* Is @name a veth (ETHTOOL_GDRVINFO driver "veth")? */
bool wgx_link_is_veth(const char *name);

struct wgx_nexthop {
	int ifindex;			/* outgoing interface of the route */
	uint8_t mac[6];			/* neighbour's link-layer address */
	union {
		struct in_addr src4;
		struct in6_addr src6;
	};
};

/*
 * Route @dst (AF_INET/AF_INET6, network order) from the local address @src
 * as the kernel routes a socket with fwmark @mark (0: none), and resolve its
 * neighbour; nh->src is @src. With @src NULL, or not (any longer) an
 * address of this host, the route's preferred source is used, as the
 * kernel's WireGuard forgets a sticky source that went away.
 * 0, -EHOSTUNREACH (no route), -EAGAIN (neighbour not resolved yet), -errno.
 */
int wgx_route_nexthop(int family, const void *dst, const void *src, uint32_t mark,
		      struct wgx_nexthop *nh);

/*
 * A netlink socket subscribed to route, address and neighbour changes
 * (non-blocking): -errno or the fd. _drain reads what is queued and returns
 * true when anything arrived (the next-hop cache is then stale); *addrs is
 * set when an address came or went, or events were lost (an overrun).
 */
int wgx_route_monitor_open(void);
bool wgx_route_monitor_drain(int fd, bool *addrs);

/*
 * Every IPv4 and IPv6 address of every interface of this host (RTM_GETADDR
 * dump): @cb once per address, in network order, with its interface. A
 * non-zero return from @cb stops the dump and is returned; else 0 or -errno.
 */
int wgx_local_addrs_dump(int (*cb)(void *ctx, int family, const uint8_t *addr, int ifindex),
			 void *ctx);

#endif
