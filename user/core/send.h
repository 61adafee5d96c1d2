/* SPDX-License-Identifier: MIT */
/*
 * Everything the device sends: handshake messages, cookie replies,
 * keepalives, staged packets, and batches of data packets from the tunnel,
 * all through the plane's send op (plane.h). Control thread.
 */
#ifndef WGX_SEND_H
#define WGX_SEND_H

#include <stddef.h>
#include <stdint.h>

#include "core/plane.h"
#include "lib/udp.h"
#include "wgx_consts.h"
#include "wgx_wire.h"

struct wgx_device;
struct wgx_peer;
struct wgx_keypair;

/* Room the tunnel reader leaves before each packet for the data header. */
#define WGX_SEND_HEADROOM WGX_MSG_DATA_HEADER_LEN
/* Room after it for padding and the tag. */
#define WGX_SEND_TAILROOM (WGX_MESSAGE_PADDING_MULTIPLE + WGX_AUTHTAG_LEN)

/* Datagrams collected for one sendmmsg. */
#define WGX_TX_BATCH 128
struct wgx_tx_batch {
	struct wgx_udp_msg msgs[WGX_TX_BATCH];
	struct wgx_peer *peers[WGX_TX_BATCH];	/* whose tx_bytes each message adds to, once sent */
	int n;
};

/* The timers granted an initiation (or a caller claimed one): create and send it. */
void wgx_send_handshake_initiation(struct wgx_peer *peer, uint64_t now);
/* Ask for a handshake: sends an initiation unless one went out in the last REKEY_TIMEOUT. */
void wgx_send_want_handshake(struct wgx_peer *peer, uint64_t now);
/* After consuming an initiation: respond and derive the (unconfirmed) session. */
void wgx_send_handshake_response(struct wgx_peer *peer, uint64_t now);
/* Under load: answer handshake @msg (@len bytes, sender @sender_index) from @ep with a cookie. */
void wgx_send_cookie_reply(struct wgx_device *dev, const void *msg, size_t len,
			   uint32_t sender_index, const struct wgx_endpoint *ep, uint64_t now);
/* Send the staged packets, or a keepalive when none are staged. */
void wgx_send_keepalive(struct wgx_peer *peer, uint64_t now);
/* Encrypt and send every staged packet under the current keypair, or handshake first. */
void wgx_send_staged(struct wgx_peer *peer, uint64_t now);

/*
 * One packet read from the tunnel, at buf + WGX_SEND_HEADROOM (@len bytes,
 * with WGX_SEND_TAILROOM after it), for @peer: sealed in place and added to
 * @batch (flushed when full), or staged while there is no session.
 */
void wgx_send_data(struct wgx_peer *peer, unsigned char *buf, size_t len,
		   struct wgx_tx_batch *batch, uint64_t now);
/*
 * wgx_send_data without the sealing, for the XDP crypto workers: stages the
 * packet (NULL) while there is no session, else runs the send-side timers
 * and returns the keypair with the nonce in *counter; the caller seals
 * (wgx_data_seal) and sends in per-peer order. Control thread.
 */
struct wgx_keypair *wgx_send_data_begin(struct wgx_peer *peer, unsigned char *buf, size_t len,
					uint64_t *counter, uint64_t now);
/* Send what @batch holds (the plane counts what it could not send). */
void wgx_send_flush(struct wgx_device *dev, struct wgx_tx_batch *batch);

/*
 * A batch of inner packets read from the tunnel: each routed by allowed IPs
 * (no peer: counted), sealed and sent. Each pkts[i].data has
 * WGX_SEND_HEADROOM bytes before it and WGX_SEND_TAILROOM after it, which
 * the sealing overwrites.
 */
void wgx_send_tunnel_batch(struct wgx_device *dev, struct wgx_pkt *pkts, int n, uint64_t now);

#endif
