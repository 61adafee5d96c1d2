// SPDX-License-Identifier: MIT
#include "lib/udp.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"

#define UDP_BATCH_MAX 64
/*
 * wireguard-go's socket buffer size: the default (rmem_default, ~208 KB)
 * overflows under a single bulk TCP flow and drops ~10% of the datagrams
 * before the event loop sees them.
 */
#define UDP_SOCKET_BUFFER (7 << 20)
#define CMSG_SPACE_PKTINFO CMSG_SPACE(sizeof(struct in6_pktinfo))

/* FORCE passes rmem_max/wmem_max with CAP_NET_ADMIN; otherwise as large as allowed. */
static void set_buffers(int fd)
{
	int size = UDP_SOCKET_BUFFER;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

static int open_one(int family, uint16_t port, uint32_t fwmark)
{
	union wgx_sockaddr a = { 0 };
	int one = 1, fd;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
		a.in6.sin6_family = AF_INET6;
		a.in6.sin6_port = htons(port);
	} else {
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
		a.in4.sin_family = AF_INET;
		a.in4.sin_port = htons(port);
	}
	if (fwmark && setsockopt(fd, SOL_SOCKET, SO_MARK, &fwmark, sizeof(fwmark)) < 0)
		goto err;
	set_buffers(fd);
	if (bind(fd, &a.sa, wgx_sockaddr_len(&a)) < 0)
		goto err;
	return fd;
err:
	one = -errno;
	close(fd);
	return one;
}

static uint16_t bound_port(int fd)
{
	union wgx_sockaddr a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, &a.sa, &len) < 0)
		return 0;
	return ntohs(a.sa.sa_family == AF_INET6 ? a.in6.sin6_port : a.in4.sin_port);
}

int wgx_udp_open(struct wgx_udp *u, uint16_t port, uint32_t fwmark)
{
	int attempts = port ? 1 : 100;

	u->fd4 = u->fd6 = -1;
	u->fwmark = fwmark;
	/* With port 0 the kernel picks the v4 port; the v6 bind may find it taken: retry. */
	while (attempts--) {
		u->fd4 = open_one(AF_INET, port, fwmark);
		if (u->fd4 < 0)
			return u->fd4;
		u->port = bound_port(u->fd4);
		u->fd6 = open_one(AF_INET6, u->port, fwmark);
		if (u->fd6 >= 0 || u->fd6 == -EAFNOSUPPORT || u->fd6 == -EADDRNOTAVAIL)
			break;
		close(u->fd4);
		if (u->fd6 != -EADDRINUSE || port)
			return u->fd6;
	}
	if (u->fd6 < 0) {
		pr_warn("IPv6 UDP socket unavailable (%s); IPv4 only", strerror(-u->fd6));
		u->fd6 = -1;
	}
	return 0;
}

void wgx_udp_close(struct wgx_udp *u)
{
	if (u->fd4 >= 0)
		close(u->fd4);
	if (u->fd6 >= 0)
		close(u->fd6);
	u->fd4 = u->fd6 = -1;
}

int wgx_udp_set_fwmark(struct wgx_udp *u, uint32_t fwmark)
{
	int fds[2] = { u->fd4, u->fd6 };

	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0 && setsockopt(fds[i], SOL_SOCKET, SO_MARK, &fwmark, sizeof(fwmark)) < 0)
			return -errno;
	u->fwmark = fwmark;
	return 0;
}

static void read_pktinfo(struct msghdr *mh, struct wgx_endpoint *ep)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo *pi = (struct in_pktinfo *)CMSG_DATA(c);

			ep->src4 = pi->ipi_addr;
			ep->src_ifindex = pi->ipi_ifindex;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo *pi = (struct in6_pktinfo *)CMSG_DATA(c);

			ep->src6 = pi->ipi6_addr;
			ep->src_ifindex = (int)pi->ipi6_ifindex;
		}
	}
}

int wgx_udp_recv_batch(int fd, struct wgx_udp_msg *msgs, int n)
{
	struct mmsghdr mh[UDP_BATCH_MAX];
	struct iovec iov[UDP_BATCH_MAX];
	char cbuf[UDP_BATCH_MAX][CMSG_SPACE_PKTINFO];
	int got;

	if (n > UDP_BATCH_MAX)
		n = UDP_BATCH_MAX;
	for (int i = 0; i < n; i++) {
		memset(&msgs[i].ep, 0, sizeof(msgs[i].ep));
		iov[i] = (struct iovec){ msgs[i].buf, msgs[i].len };
		mh[i].msg_hdr = (struct msghdr){
			.msg_name = &msgs[i].ep.addr, .msg_namelen = sizeof(msgs[i].ep.addr),
			.msg_iov = &iov[i], .msg_iovlen = 1,
			.msg_control = cbuf[i], .msg_controllen = sizeof(cbuf[i]),
		};
	}
	got = recvmmsg(fd, mh, n, MSG_DONTWAIT, NULL);
	if (got < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	for (int i = 0; i < got; i++) {
		msgs[i].len = mh[i].msg_len;
		read_pktinfo(&mh[i].msg_hdr, &msgs[i].ep);
		wgx_sockaddr_normalize(&msgs[i].ep.addr);
	}
	return got;
}

static size_t write_pktinfo(const struct wgx_endpoint *ep, char *cbuf)
{
	struct cmsghdr *c = (struct cmsghdr *)cbuf;

	if (!ep->src_ifindex)
		return 0;
	if (ep->addr.sa.sa_family == AF_INET) {
		struct in_pktinfo pi = { .ipi_spec_dst = ep->src4 };

		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	} else {
		struct in6_pktinfo pi = { .ipi6_addr = ep->src6, .ipi6_ifindex = (unsigned int)ep->src_ifindex };

		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
}

/* Send msgs[0..n) that share one family on @fd; returns how many went out; len = 0 for the others. */
static int send_run(int fd, struct wgx_udp_msg *msgs, int n)
{
	struct mmsghdr mh[UDP_BATCH_MAX];
	struct iovec iov[UDP_BATCH_MAX];
	char cbuf[UDP_BATCH_MAX][CMSG_SPACE_PKTINFO] __attribute__((aligned(8)));
	int done = 0, dropped = 0;

	for (int i = 0; i < n; i++) {
		size_t clen = write_pktinfo(&msgs[i].ep, cbuf[i]);

		iov[i] = (struct iovec){ msgs[i].buf, msgs[i].len };
		mh[i].msg_hdr = (struct msghdr){
			.msg_name = &msgs[i].ep.addr, .msg_namelen = wgx_sockaddr_len(&msgs[i].ep.addr),
			.msg_iov = &iov[i], .msg_iovlen = 1,
			.msg_control = clen ? cbuf[i] : NULL, .msg_controllen = clen,
		};
	}
	while (done < n) {
		int r = sendmmsg(fd, mh + done, n - done, MSG_DONTWAIT);

		if (r > 0) {
			done += r;
			continue;
		}
		if (errno == EINTR)
			continue;
		if ((errno == EINVAL || errno == EADDRNOTAVAIL || errno == ENETUNREACH) &&
		    mh[done].msg_hdr.msg_controllen) {
			/* Our pinned source address went away (we roamed): let routing pick.
			 * IPv4 reports a source that is no longer local as ENETUNREACH. */
			msgs[done].ep.src_ifindex = 0;
			mh[done].msg_hdr.msg_control = NULL;
			mh[done].msg_hdr.msg_controllen = 0;
			continue;
		}
		if (errno == EAGAIN)
			break;
		/* Unreachable destination and friends: drop this one, go on. */
		msgs[done].len = 0;
		done++;
		dropped++;
	}
	for (int i = done; i < n; i++)
		msgs[i].len = 0;
	return done - dropped;
}

int wgx_udp_send_batch(struct wgx_udp *u, struct wgx_udp_msg *msgs, int n)
{
	int sent = 0, i = 0;

	while (i < n) {
		int family = msgs[i].ep.addr.sa.sa_family, j = i, fd;

		while (j < n && j - i < UDP_BATCH_MAX && msgs[j].ep.addr.sa.sa_family == family)
			j++;
		fd = family == AF_INET6 ? u->fd6 : family == AF_INET ? u->fd4 : -1;
		if (fd >= 0)
			sent += send_run(fd, msgs + i, j - i);
		else
			for (int k = i; k < j; k++)
				msgs[k].len = 0;
		i = j;
	}
	return sent;
}
