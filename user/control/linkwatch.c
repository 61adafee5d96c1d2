// SPDX-License-Identifier: MIT
#include "control/linkwatch.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

int wgx_linkwatch_open(struct wgx_linkwatch *w, const char *name, bool routes)
{
	unsigned int groups = RTMGRP_LINK | (routes ? RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE : 0);
	int ret;

	w->ifindex = if_nametoindex(name);
	if (!w->ifindex)
		return -errno;
	w->routes = routes;
	w->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!w->nl)
		return -errno;
	if (mnl_socket_bind(w->nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		mnl_socket_close(w->nl);
		w->nl = NULL;
		return ret;
	}
	return 0;
}

int wgx_linkwatch_fd(const struct wgx_linkwatch *w)
{
	return w->nl ? mnl_socket_get_fd(w->nl) : -1;
}

struct seen {
	const struct wgx_linkwatch *w;
	unsigned int what;
};

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct seen *s = data;

	if (nlh->nlmsg_type == RTM_DELLINK && (unsigned int)ifm->ifi_index == s->w->ifindex)
		s->what |= WGX_LINK_GONE;
	else if (nlh->nlmsg_type == RTM_NEWROUTE || nlh->nlmsg_type == RTM_DELROUTE)
		s->what |= WGX_LINK_ROUTES;
	return MNL_CB_OK;
}

unsigned int wgx_linkwatch_read(struct wgx_linkwatch *w)
{
	char buf[8192], name[IF_NAMESIZE];
	struct seen s = { .w = w };

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(w->nl, buf, sizeof(buf));

		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			if (err == EAGAIN)
				break;
			/* Overrun (ENOBUFS) loses messages: ask the kernel directly. */
			if (!if_indextoname(w->ifindex, name))
				s.what |= WGX_LINK_GONE;
			if (w->routes)
				s.what |= WGX_LINK_ROUTES;
			if (err != ENOBUFS)
				break;
			continue;
		}
		mnl_cb_run(buf, (size_t)n, 0, 0, event_cb, &s);
	}
	return s.what;
}

void wgx_linkwatch_close(struct wgx_linkwatch *w)
{
	if (w->nl)
		mnl_socket_close(w->nl);
	w->nl = NULL;
}
