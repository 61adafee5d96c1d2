/* SPDX-License-Identifier: MIT */
/*
 * The socket plane's TUN with two queues, the kernel choosing each packet's
 * by bpf/wgx_tun_steer.bpf.c: sparse packets (bare TCP ACKs, pings, small
 * UDP) in one, bulk in the other, so the plane reads the sparse first and
 * they never wait behind a TCP sender's queued data.
 */
#ifndef WGX_TUN_STEER_H
#define WGX_TUN_STEER_H

struct wgx_tun_queues {
	int sparse_fd;		/* -1: one queue, everything on bulk_fd */
	int bulk_fd;
	unsigned int offloads;	/* WGX_TUN_TSO, WGX_TUN_USO */
	const char *single_why;	/* with one queue: why (NULL otherwise) */
};

/*
 * Create TUN @name (vnet header, offloads, @mtu, left down) with the two
 * steered queues; where the program cannot be loaded (no CAP_BPF) or the
 * kernel refuses, with one queue, saying why. 0 or -errno (no TUN at all).
 */
int wgx_tun_steer_open(struct wgx_tun_queues *q, const char *name, unsigned int mtu);

#endif
