/* SPDX-License-Identifier: MIT */
/*
 * Everything the device receives from its plane's UDP side: handshake
 * messages (cookie and rate-limit checks first), cookie replies and data
 * messages; opened data goes to the plane's deliver op (plane.h). Control
 * thread.
 */
#ifndef WGX_RECEIVE_H
#define WGX_RECEIVE_H

#include <stddef.h>
#include <stdint.h>

#include "core/plane.h"
#include "lib/udp.h"

struct wgx_device;
struct wgx_keypair;
struct wgx_peer;

/* Opened packets collected for one deliver. */
#define WGX_RX_BATCH 128
struct wgx_rx_batch {
	struct wgx_pkt pkts[WGX_RX_BATCH];
	int n;
};

/*
 * Handle a batch of datagrams; every one is consumed or counted as a drop.
 * The opened packets are delivered in one batch (they point into msgs[].buf).
 */
void wgx_receive_batch(struct wgx_device *dev, struct wgx_udp_msg *msgs, int n, uint64_t now);

/* One handshake message (type 1/2/3) from @ep: also the XDP mode's socket path. */
void wgx_receive_handshake(struct wgx_device *dev, const uint8_t *msg, size_t len,
			   const struct wgx_endpoint *ep, uint64_t now);

/*
 * A data message's path in two halves around the decryption, for a plane
 * that opens elsewhere (plane/xdp's crypto workers). _keypair: the live
 * keypair (and *peer) for data message @msg, or NULL (counted). _opened:
 * after wgx_data_open succeeded, in per-peer order: replay check, timers,
 * roaming, source check; the inner packet is appended to @out, or
 * delivered at once when @out is NULL. Every outcome is delivered or
 * counted. Control thread.
 */
struct wgx_keypair *wgx_receive_data_keypair(struct wgx_device *dev, const uint8_t *msg,
					     uint64_t now, struct wgx_peer **peer);
void wgx_receive_data_opened(struct wgx_device *dev, struct wgx_peer *peer,
			     struct wgx_keypair *kp, uint8_t *msg, size_t len, uint64_t counter,
			     size_t plain_len, const struct wgx_endpoint *ep, uint64_t now,
			     struct wgx_rx_batch *out);

/* Classify a message by its header: its type, or a WGX_R_RX_* drop reason as a negative number. */
int wgx_receive_classify(const uint8_t *msg, size_t len);

#endif
