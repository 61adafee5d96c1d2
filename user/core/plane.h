/* SPDX-License-Identifier: MIT */
/*
 * The seam between the protocol core and a data plane, like wireguard-go's
 * conn.Bind + tun.Device and the kernel's socket.h: the core never names a
 * plane, it holds an ops table and an opaque pointer (wgx_device_set_plane).
 *
 * Planes: plane/socket (TUN + UDP sockets), plane/xdp (XDP + AF_XDP), and
 * plane/memory (two devices joined in one process, for tests). Each one
 * feeds the core from below (wgx_receive_batch, wgx_send_tunnel_batch, or
 * the split halves in receive.h/send.h) and takes its output through these
 * ops. Every op runs on the control thread, which owns the device.
 *
 * Batch-shaped: the unit of work is a batch of buffers. A buffer may be a
 * super-packet: @gso_size != 0 says it holds consecutive segments of that
 * many bytes (the last one possibly shorter), to be cut or sent as such.
 */
#ifndef WGX_PLANE_H
#define WGX_PLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/udp.h"

struct wgx_keypair;
struct wgx_peer;

/* One inner (tunnel-side) packet of a batch: the caller owns @data. */
struct wgx_pkt {
	uint8_t *data;
	size_t len;
	int family;		/* AF_INET or AF_INET6 */
	uint16_t gso_size;	/* 0: one packet */
};

/* What a plane reports about itself, one figure at a time (stats, metrics). */
struct wgx_stats_visitor {
	void (*num)(void *ctx, const char *key, uint64_t v);
	void (*str)(void *ctx, const char *key, const char *v);
	void (*flag)(void *ctx, const char *key, bool v);
};

struct wgx_plane_ops {
	const char *name;	/* "socket", "xdp", "memory": the mode users see */
	/*
	 * Send @n datagrams, each to msgs[i].ep (msgs[i].buf stays the
	 * caller's). Returns how many left; the plane counts what it dropped
	 * under a reason of its own and sets msgs[i].len = 0 for each datagram
	 * that did not leave, so that the core counts only bytes sent. A pinned source that is no longer local
	 * is cleared in msgs[i].ep.
	 */
	int (*send)(void *plane, struct wgx_udp_msg *msgs, int n);
	/* Hand @n decrypted, source-checked inner packets to the tunnel. */
	void (*deliver)(void *plane, struct wgx_pkt *pkts, int n);
	/*
	 * (Re)open the UDP sockets on @port (0: any free port) with @fwmark.
	 * The new sockets open before the old close, so a taken port changes
	 * nothing. Returns the bound port or -errno.
	 */
	int (*bind)(void *plane, uint16_t port, uint32_t fwmark);
	int (*set_fwmark)(void *plane, uint32_t fwmark);
	/*
	 * @kp left its peer. True: the plane frees it once no job of its own
	 * can reference it (wgx_noise_keypair_free). False or NULL op: the core
	 * frees it at once.
	 */
	bool (*keypair_retired)(void *plane, struct wgx_keypair *kp);
	/* @peer is about to be freed: drop what the plane still holds of it. Optional. */
	void (*peer_removed)(void *plane, struct wgx_peer *peer);
	/* Report the plane's figures and add its own drop counters to @reasons. Optional. */
	void (*stats)(void *plane, const struct wgx_stats_visitor *v, void *ctx, uint64_t *reasons);
};

/*
 * Mirrors of the core's tables, for a plane that classifies before the core
 * sees a packet (plane/xdp keeps BPF maps). Called after the core changed
 * its own table; a failure is the hook's to log, never the core's to undo.
 * Every op is optional.
 */
struct wgx_table_hooks {
	void (*listen_port)(void *ctx, uint16_t port);
	void (*index_add)(void *ctx, uint32_t index, uint32_t peer_id);
	void (*index_del)(void *ctx, uint32_t index);
	/* @ep: the peer's endpoint (AF_INET/AF_INET6) or an AF_UNSPEC one. */
	void (*peer_set)(void *ctx, uint32_t peer_id, const uint8_t public_key[32],
			 const struct sockaddr *ep);
	void (*peer_del)(void *ctx, uint32_t peer_id);
	void (*aip)(void *ctx, int family, const void *addr, uint8_t cidr, uint32_t peer_id,
		    bool add);
};

#endif
