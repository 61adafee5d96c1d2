// SPDX-License-Identifier: MIT
#include "lib/udp_split.h"

#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/endpoint.h"
#include "wgx_wire.h"

/*
 * A reuseport program sees the UDP payload from offset 0 and returns the
 * index of the socket in the group (bind order): 0 the data socket, 1 the
 * handshake socket. An empty datagram fails the load: 0, data.
 */
static struct sock_filter split_insns[] = {
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, WGX_MSG_DATA, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, 0),
	BPF_STMT(BPF_RET | BPF_K, 1),
};

int wgx_udp_split_open(int data_fd, int family, uint16_t port, uint32_t fwmark)
{
	struct sock_fprog prog = { .len = sizeof(split_insns) / sizeof(split_insns[0]),
				   .filter = split_insns };
	union wgx_sockaddr a = { 0 };
	int one = 1, fd, ret;

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
	setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	if ((fwmark && setsockopt(fd, SOL_SOCKET, SO_MARK, &fwmark, sizeof(fwmark)) < 0) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    bind(fd, &a.sa, wgx_sockaddr_len(&a)) < 0 ||
	    setsockopt(data_fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog)) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}
