// SPDX-License-Identifier: MIT
#include "control/linkwatch.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

int wgx_linkwatch_open(struct wgx_linkwatch *w, const char *name)
{
	int ret;

	w->ifindex = if_nametoindex(name);
	if (!w->ifindex)
		return -errno;
	w->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!w->nl)
		return -errno;
	if (mnl_socket_bind(w->nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
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

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct wgx_linkwatch *w = data;

	if (nlh->nlmsg_type == RTM_DELLINK && (unsigned int)ifm->ifi_index == w->ifindex)
		return MNL_CB_STOP;
	return MNL_CB_OK;
}

bool wgx_linkwatch_gone(struct wgx_linkwatch *w)
{
	char buf[8192], name[IF_NAMESIZE];

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(w->nl, buf, sizeof(buf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* Overrun (ENOBUFS) loses messages: ask the kernel directly. */
			return errno != EAGAIN && !if_indextoname(w->ifindex, name);
		}
		if (mnl_cb_run(buf, (size_t)n, 0, 0, link_cb, w) == MNL_CB_STOP)
			return true;
	}
}

void wgx_linkwatch_close(struct wgx_linkwatch *w)
{
	if (w->nl)
		mnl_socket_close(w->nl);
	w->nl = NULL;
}
