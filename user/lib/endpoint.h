/* SPDX-License-Identifier: MIT */
/*
 * A peer's UDP endpoint: its address, plus the local source address our
 * packets from it arrived on, so replies leave from the same address (the
 * kernel's "sticky sockets").
 */
#ifndef WGX_ENDPOINT_H
#define WGX_ENDPOINT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

union wgx_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
};

struct wgx_endpoint {
	union wgx_sockaddr addr;	/* AF_UNSPEC when unknown */
	union {
		struct in_addr src4;
		struct in6_addr src6;
	};
	int src_ifindex;		/* 0: no source pinned, let routing choose */
};

/* v4-mapped IPv6 addresses become plain IPv4 so endpoints compare and print alike. */
void wgx_sockaddr_normalize(union wgx_sockaddr *a);
bool wgx_sockaddr_equal(const union wgx_sockaddr *a, const union wgx_sockaddr *b);
socklen_t wgx_sockaddr_len(const union wgx_sockaddr *a);
/* The address bytes and port, as cookie MAC2 and the rate limiter key on them. */
size_t wgx_sockaddr_key(const union wgx_sockaddr *a, unsigned char out[18]);
/* "198.18.0.1:51820" / "[2001:2::1]:51820" */
const char *wgx_sockaddr_str(const union wgx_sockaddr *a, char *buf, size_t len);

#endif
