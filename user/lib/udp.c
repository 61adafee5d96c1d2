// SPDX-License-Identifier: MIT
#include "lib/udp.h"

#include <errno.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/udp_split.h"

#define UDP_BATCH_MAX 128
/*
 * wireguard-go's socket buffer size: the default (rmem_default, ~208 KB)
 * overflows under a single bulk TCP flow and drops ~10% of the datagrams
 * before the event loop sees them.
 */
#define UDP_SOCKET_BUFFER (7 << 20)
#define CMSG_SPACE_PKTINFO CMSG_SPACE(sizeof(struct in6_pktinfo))
/* Received: pktinfo and the UDP_GRO segment size; sent: pktinfo and UDP_SEGMENT. */
#define CMSG_SPACE_RECV (CMSG_SPACE_PKTINFO + CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(uint32_t)))
#define CMSG_SPACE_SEND (CMSG_SPACE_PKTINFO + CMSG_SPACE(sizeof(uint16_t)))
/* Bytes of one UDP_SEGMENT send: the UDP length field's limit, minus headers. */
#define GSO_MAX_BYTES 65000

/* FORCE passes rmem_max/wmem_max with CAP_NET_ADMIN; otherwise as large as allowed. */
static void set_buffers(int fd)
{
	int size = UDP_SOCKET_BUFFER;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

/* @reuseport: SO_REUSEPORT before the bind, so that a handshake socket can join. */
static int open_one(int family, uint16_t port, uint32_t fwmark, bool reuseport)
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
	/* Receive-buffer drops counted by the kernel, reported with the next datagram. */
	setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	if (fwmark && setsockopt(fd, SOL_SOCKET, SO_MARK, &fwmark, sizeof(fwmark)) < 0)
		goto err;
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
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

/*
 * A reuseport bind would join a group another process of our uid left on
 * the port, and a reuseport bind to port 0 may pick such a port: find the
 * port with plain sockets first, which fail if anything holds it. *port 0:
 * one the kernel picks. 0 or -errno.
 */
static int free_port(uint16_t *port)
{
	int fd4 = open_one(AF_INET, *port, 0, false), fd6;

	if (fd4 < 0)
		return fd4;
	*port = bound_port(fd4);
	fd6 = open_one(AF_INET6, *port, 0, false);
	close(fd4);
	if (fd6 >= 0)
		close(fd6);
	else if (fd6 != -EAFNOSUPPORT && fd6 != -EADDRNOTAVAIL)
		return fd6;
	return *port ? 0 : -EADDRNOTAVAIL;
}

/* The handshake socket beside @data_fd, or -1 (with a warning) without one. */
static int split_open(int data_fd, int family, uint16_t port, uint32_t fwmark)
{
	int fd, ret;

	if (data_fd < 0)
		return -1;
	fd = open_one(family, port, fwmark, true);
	ret = fd < 0 ? fd : wgx_udp_split_attach(data_fd);
	if (ret) {
		if (fd >= 0)
			close(fd);
		pr_warn("no handshake socket beside the IPv%c data socket (%s): a handshake "
			"flood shares its receive buffer with data", family == AF_INET ? '4' : '6',
			strerror(-ret));
		return -1;
	}
	return fd;
}

int wgx_udp_open(struct wgx_udp *u, uint16_t port, uint32_t fwmark)
{
	int attempts = port ? 1 : 100, ret = -EADDRINUSE;

	u->fd4 = u->fd6 = u->hs4 = u->hs6 = -1;
	u->hs_overflow[0] = u->hs_overflow[1] = 0;
	u->fwmark = fwmark;
	u->gso[0] = u->gso[1] = u->gro[0] = u->gro[1] = false;
	u->gso_sends = u->gso_off = 0;
	u->rx_overflow[0] = u->rx_overflow[1] = 0;
	u->gso_off_errno = 0;
	/* With port 0 the port found free may be taken before our bind: retry. */
	while (attempts--) {
		uint16_t want = port;

		ret = free_port(&want);
		if (!ret)
			ret = u->fd4 = open_one(AF_INET, want, fwmark, true);
		if (ret == -EADDRINUSE && !port)
			continue;
		if (ret < 0)
			return ret;
		u->port = want;
		u->fd6 = open_one(AF_INET6, want, fwmark, true);
		if (u->fd6 >= 0 || u->fd6 == -EAFNOSUPPORT || u->fd6 == -EADDRNOTAVAIL)
			break;
		close(u->fd4);
		u->fd4 = -1;
		ret = u->fd6;
		if (u->fd6 != -EADDRINUSE || port)
			return u->fd6;
	}
	if (u->fd4 < 0)
		return ret;
	if (u->fd6 < 0) {
		pr_warn("IPv6 UDP socket unavailable (%s); IPv4 only", strerror(-u->fd6));
		u->fd6 = -1;
	}
	u->hs4 = split_open(u->fd4, AF_INET, u->port, fwmark);
	u->hs6 = split_open(u->fd6, AF_INET6, u->port, fwmark);
	return 0;
}

/* Ask for UDP_SEGMENT / UDP_GRO on @fd; what the kernel has lands in *gso, *gro. */
static void enable_offload(int fd, unsigned int flags, bool *gso, bool *gro)
{
	int one = 1, v = 0;
	socklen_t len = sizeof(v);

	*gso = *gro = false;
	if (fd < 0)
		return;
	/* Probing the option tells whether the kernel has it, as wireguard-go does. */
	if ((flags & WGX_UDP_GSO) && !getsockopt(fd, SOL_UDP, UDP_SEGMENT, &v, &len))
		*gso = true;
	if ((flags & WGX_UDP_GRO) && !setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof(one)))
		*gro = true;
}

int wgx_udp_open_offload(struct wgx_udp *u, uint16_t port, uint32_t fwmark, unsigned int flags)
{
	int ret = wgx_udp_open(u, port, fwmark);

	if (ret)
		return ret;
	enable_offload(u->fd4, flags, &u->gso[0], &u->gro[0]);
	enable_offload(u->fd6, flags, &u->gso[1], &u->gro[1]);
	return 0;
}

int wgx_udp_split_gro(const struct wgx_udp_msg *m, struct wgx_udp_msg *out, int max)
{
	size_t seg = m->gso_size ? m->gso_size : m->len, off = 0;
	int n = 0;

	while (off < m->len && n < max) {
		size_t len = m->len - off < seg ? m->len - off : seg;

		out[n] = *m;
		out[n].buf = m->buf + off;
		out[n].len = len;
		out[n].gso_size = 0;
		n++;
		off += len;
	}
	return n;
}

void wgx_udp_close(struct wgx_udp *u)
{
	int fds[4] = { u->fd4, u->fd6, u->hs4, u->hs6 };

	for (int i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	u->fd4 = u->fd6 = u->hs4 = u->hs6 = -1;
}

int wgx_udp_set_fwmark(struct wgx_udp *u, uint32_t fwmark)
{
	int fds[4] = { u->fd4, u->fd6, u->hs4, u->hs6 };

	for (int i = 0; i < 4; i++)
		if (fds[i] >= 0 && setsockopt(fds[i], SOL_SOCKET, SO_MARK, &fwmark, sizeof(fwmark)) < 0)
			return -errno;
	u->fwmark = fwmark;
	return 0;
}

static void read_pktinfo(struct msghdr *mh, struct wgx_endpoint *ep, uint16_t *gso_size,
			 uint32_t *rx_overflow)
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
		} else if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
			int size;

			memcpy(&size, CMSG_DATA(c), sizeof(size));
			*gso_size = (uint16_t)size;
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL && rx_overflow) {
			memcpy(rx_overflow, CMSG_DATA(c), sizeof(*rx_overflow));
		}
	}
}

int wgx_udp_recv_batch(int fd, struct wgx_udp_msg *msgs, int n)
{
	return wgx_udp_recv_batch_ovfl(fd, msgs, n, NULL);
}

int wgx_udp_recv_batch_ovfl(int fd, struct wgx_udp_msg *msgs, int n, uint32_t *rx_overflow)
{
	struct mmsghdr mh[UDP_BATCH_MAX];
	struct iovec iov[UDP_BATCH_MAX];
	char cbuf[UDP_BATCH_MAX][CMSG_SPACE_RECV] __attribute__((aligned(8)));
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
		msgs[i].gso_size = 0;
		read_pktinfo(&mh[i].msg_hdr, &msgs[i].ep, &msgs[i].gso_size, rx_overflow);
		if (msgs[i].gso_size >= msgs[i].len)
			msgs[i].gso_size = 0;
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

static bool same_dst(const struct wgx_endpoint *a, const struct wgx_endpoint *b)
{
	if (!wgx_sockaddr_equal(&a->addr, &b->addr) || a->src_ifindex != b->src_ifindex)
		return false;
	if (!a->src_ifindex)
		return true;
	return a->addr.sa.sa_family == AF_INET ? a->src4.s_addr == b->src4.s_addr
					       : !memcmp(&a->src6, &b->src6, sizeof(a->src6));
}

/*
 * Send msgs[0..n) that share one family on @fd; returns how many went out,
 * and sets len = 0 in each datagram that did not (tx_bytes counts the rest).
 * With *gso, runs of datagrams to one endpoint, all of one size but the last
 * (shorter or equal), leave as one sendmmsg entry with UDP_SEGMENT: one
 * trip through the stack for up to 64 datagrams, segmented at the device.
 */
static int send_run(struct wgx_udp *u, int fd, bool *gso, struct wgx_udp_msg *msgs, int n)
{
	struct mmsghdr mh[UDP_BATCH_MAX];
	struct iovec iov[UDP_BATCH_MAX];
	char cbuf[UDP_BATCH_MAX][CMSG_SPACE_SEND] __attribute__((aligned(8)));
	int first[UDP_BATCH_MAX + 1], groups = 0, done = 0, sent = 0;

	for (int i = 0; i < n;) {
		size_t clen = write_pktinfo(&msgs[i].ep, cbuf[groups]), total = msgs[i].len;
		int j = i + 1;

		iov[i] = (struct iovec){ msgs[i].buf, msgs[i].len };
		while (*gso && j < n && j - i < WGX_UDP_GSO_MAX_SEGS && msgs[j - 1].len == msgs[i].len &&
		       msgs[j].len <= msgs[i].len && total + msgs[j].len <= GSO_MAX_BYTES &&
		       same_dst(&msgs[j].ep, &msgs[i].ep)) {
			iov[j] = (struct iovec){ msgs[j].buf, msgs[j].len };
			total += msgs[j++].len;
		}
		if (j - i > 1) {
			struct cmsghdr *c = (struct cmsghdr *)(cbuf[groups] + clen);
			uint16_t size = (uint16_t)msgs[i].len;

			c->cmsg_level = SOL_UDP;
			c->cmsg_type = UDP_SEGMENT;
			c->cmsg_len = CMSG_LEN(sizeof(size));
			memcpy(CMSG_DATA(c), &size, sizeof(size));
			clen += CMSG_SPACE(sizeof(size));
		}
		mh[groups].msg_hdr = (struct msghdr){
			.msg_name = &msgs[i].ep.addr, .msg_namelen = wgx_sockaddr_len(&msgs[i].ep.addr),
			.msg_iov = &iov[i], .msg_iovlen = (size_t)(j - i),
			.msg_control = clen ? cbuf[groups] : NULL, .msg_controllen = clen,
		};
		first[groups++] = i;
		i = j;
	}
	first[groups] = n;
	while (done < groups) {
		int r = sendmmsg(fd, mh + done, (unsigned int)(groups - done), MSG_DONTWAIT), i0;
		bool multi;

		if (r > 0) {
			for (int g = done; g < done + r; g++) {
				sent += first[g + 1] - first[g];
				u->gso_sends += first[g + 1] - first[g] > 1;
			}
			done += r;
			continue;
		}
		if (errno == EINTR)
			continue;
		i0 = first[done];
		multi = first[done + 1] - i0 > 1;
		if ((errno == EINVAL || errno == EADDRNOTAVAIL || errno == ENETUNREACH) &&
		    msgs[i0].ep.src_ifindex) {
			/* Our pinned source address went away (we roamed): let routing pick.
			 * IPv4 reports a source that is no longer local as ENETUNREACH. */
			for (int k = i0; k < first[done + 1]; k++)
				msgs[k].ep.src_ifindex = 0;
			return sent + send_run(u, fd, gso, msgs + i0, n - i0);
		}
		if (multi && (errno == EIO || errno == EINVAL || errno == EMSGSIZE || errno == EOPNOTSUPP)) {
			/*
			 * EIO: the device cannot checksum what it segments (older kernels);
			 * EMSGSIZE/EINVAL: a segment does not fit the route's MTU, where a
			 * plain send would be fragmented. Plain sends from now on.
			 */
			pr_warn("UDP_SEGMENT refused (%s): sending datagram by datagram", strerror(errno));
			*gso = false;
			u->gso_off++;
			u->gso_off_errno = errno;
			return sent + send_run(u, fd, gso, msgs + i0, n - i0);
		}
		if (errno == EAGAIN)
			break;
		/* Unreachable destination and friends: drop these (not sent), go on. */
		for (int k = i0; k < first[done + 1]; k++)
			msgs[k].len = 0;
		done++;
	}
	for (int k = first[done]; k < n; k++)
		msgs[k].len = 0;
	return sent;
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
			sent += send_run(u, fd, &u->gso[family == AF_INET6], msgs + i, j - i);
		else
			for (int k = i; k < j; k++)
				msgs[k].len = 0;
		i = j;
	}
	return sent;
}
