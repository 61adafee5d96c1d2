// SPDX-License-Identifier: MIT
#include "lib/endpoint.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

void wgx_sockaddr_normalize(union wgx_sockaddr *a)
{
	struct sockaddr_in in4 = { .sin_family = AF_INET };

	if (a->sa.sa_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&a->in6.sin6_addr))
		return;
	in4.sin_port = a->in6.sin6_port;
	memcpy(&in4.sin_addr, &a->in6.sin6_addr.s6_addr[12], 4);
	memset(a, 0, sizeof(*a));
	a->in4 = in4;
}

bool wgx_sockaddr_equal(const union wgx_sockaddr *a, const union wgx_sockaddr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->in4.sin_port == b->in4.sin_port &&
		       a->in4.sin_addr.s_addr == b->in4.sin_addr.s_addr;
	if (a->sa.sa_family == AF_INET6)
		return a->in6.sin6_port == b->in6.sin6_port &&
		       a->in6.sin6_scope_id == b->in6.sin6_scope_id &&
		       !memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, 16);
	return true;
}

socklen_t wgx_sockaddr_len(const union wgx_sockaddr *a)
{
	return a->sa.sa_family == AF_INET6 ? sizeof(a->in6) : sizeof(a->in4);
}

size_t wgx_sockaddr_key(const union wgx_sockaddr *a, unsigned char out[18])
{
	if (a->sa.sa_family == AF_INET6) {
		memcpy(out, &a->in6.sin6_addr, 16);
		memcpy(out + 16, &a->in6.sin6_port, 2);
		return 18;
	}
	memcpy(out, &a->in4.sin_addr, 4);
	memcpy(out + 4, &a->in4.sin_port, 2);
	return 6;
}

const char *wgx_sockaddr_str(const union wgx_sockaddr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (a->sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &a->in4.sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, ntohs(a->in4.sin_port));
	} else if (a->sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &a->in6.sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, ntohs(a->in6.sin6_port));
	} else {
		snprintf(buf, len, "(none)");
	}
	return buf;
}
