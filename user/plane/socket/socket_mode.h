/* SPDX-License-Identifier: MIT */
/*
 * Socket mode: the protocol core over a TUN device and the UDP sockets, one
 * event loop (epoll) for data, handshakes, timers and the UAPI socket.
 * Batched: up to WGX_SOCKET_BATCH packets per read/recvmmsg/sendmmsg.
 */
#ifndef WGX_SOCKET_MODE_H
#define WGX_SOCKET_MODE_H

struct wgx_device;
struct wgx_uapi_server;

#define WGX_SOCKET_BATCH 64

/*
 * Run until a signal arrives on @sigfd (a signalfd for SIGTERM/SIGINT) or
 * the UAPI socket is removed. Returns 0 or -errno.
 */
int wgx_socket_mode_run(struct wgx_device *dev, struct wgx_uapi_server *uapi, int sigfd);

#endif
