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

/*
 * Put the split program on the SO_REUSEPORT group of @data_fd, its first
 * member (the handshake socket joins second: lib/udp.c). 0 or -errno.
 */
int wgx_udp_split_attach(int data_fd);

#endif
