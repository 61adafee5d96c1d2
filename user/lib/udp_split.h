/* SPDX-License-Identifier: MIT */
/*
 * Handshakes on a socket of their own, so that a flood of them cannot fill
 * the receive buffer that carries data: a second socket on the same port in
 * one SO_REUSEPORT group with the data socket, and a classic BPF program on
 * the group that sends datagrams whose first byte is 4 (a data message) to
 * the data socket and every other datagram to the handshake socket.
 */
#ifndef WGX_UDP_SPLIT_H
#define WGX_UDP_SPLIT_H

#include <stdint.h>

/*
 * @data_fd: bound to @port with SO_REUSEPORT set before its bind, the
 * group's first member. Open the handshake socket of @family beside it and
 * put the split program on the group. The handshake socket's fd, or -errno
 * (the group then sends everything to @data_fd, as a lone socket).
 */
int wgx_udp_split_open(int data_fd, int family, uint16_t port, uint32_t fwmark);

#endif
