// SPDX-License-Identifier: MIT
#include "lib/netlink.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#define NL_BUF 32768

int wgx_nl_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	char *buf = malloc(NL_BUF);
	unsigned int portid, seq = (unsigned int)time(NULL);
	int ret;

	if (!nl || !buf) {
		ret = nl ? -ENOMEM : -errno;
		goto out;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	do {
		ssize_t n = mnl_socket_recvfrom(nl, buf, NL_BUF);

		if (n < 0) {
			ret = -errno;
			break;
		}
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
	} while (ret > 0);
	if (ret < 0)
		ret = -errno;
out:
	free(buf);
	if (nl)
		mnl_socket_close(nl);
	return ret;
}
