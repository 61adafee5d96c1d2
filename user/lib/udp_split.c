// SPDX-License-Identifier: MIT
#include "lib/udp_split.h"

#include <errno.h>
#include <linux/filter.h>
#include <sys/socket.h>

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

int wgx_udp_split_attach(int data_fd)
{
	struct sock_fprog prog = { .len = sizeof(split_insns) / sizeof(split_insns[0]),
				   .filter = split_insns };

	return setsockopt(data_fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog)) < 0 ?
		       -errno : 0;
}
