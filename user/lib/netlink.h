/* SPDX-License-Identifier: MIT */
/* One rtnetlink request and its answer, over a socket of its own (libmnl). */
#ifndef WGX_NETLINK_H
#define WGX_NETLINK_H

#include <libmnl/libmnl.h>

/*
 * Send @nlh (its sequence number is set here) and run @cb on every reply
 * message until the answer ends (NULL @cb: expect an ack). Dumps included.
 * Returns 0 or -errno (the kernel's error for a refused request).
 */
int wgx_nl_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

#endif
