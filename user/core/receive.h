/* SPDX-License-Identifier: MIT */
/*
 * Everything the device receives on its UDP sockets: handshake messages
 * (cookie and rate-limit checks first), cookie replies and data messages.
 * Control thread (the socket-mode data path).
 */
#ifndef WGX_RECEIVE_H
#define WGX_RECEIVE_H

#include <stdint.h>

#include <stddef.h>

#include "lib/udp.h"

struct wgx_device;
struct wgx_keypair;
struct wgx_peer;

/* Handle a batch of datagrams; every one is consumed or counted as a drop. */
void wgx_receive_batch(struct wgx_device *dev, struct wgx_udp_msg *msgs, int n, uint64_t now);

/* One handshake message (type 1/2/3) from @ep: also the XDP mode's socket path. */
void wgx_receive_handshake(struct wgx_device *dev, const uint8_t *msg, size_t len,
			   const struct wgx_endpoint *ep, uint64_t now);

/*
 * One data message (already classified) from @ep: decrypt in place, replay
 * check, timers, roaming, source check, then deliver the inner packet (TUN,
 * or wgx_xdp_deliver in XDP mode). Every outcome is delivered or counted.
 */
void wgx_receive_data(struct wgx_device *dev, uint8_t *msg, size_t len,
		      const struct wgx_endpoint *ep, uint64_t now);

/*
 * wgx_receive_data in two halves around the decryption, for the XDP crypto
 * workers. _keypair: the live keypair (and *peer) for data message @msg, or
 * NULL (counted). _opened: after wgx_data_open succeeded, in per-peer order:
 * replay check onwards. Control thread.
 */
struct wgx_keypair *wgx_receive_data_keypair(struct wgx_device *dev, const uint8_t *msg,
					     uint64_t now, struct wgx_peer **peer);
void wgx_receive_data_opened(struct wgx_device *dev, struct wgx_peer *peer,
			     struct wgx_keypair *kp, uint8_t *msg, size_t len, uint64_t counter,
			     size_t plain_len, const struct wgx_endpoint *ep, uint64_t now);

/* Classify a message by its header: its type, or a WGX_R_RX_* drop reason as a negative number. */
int wgx_receive_classify(const uint8_t *msg, size_t len);

#endif
