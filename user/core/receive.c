// SPDX-License-Identifier: MIT
#include "core/receive.h"

#include <endian.h>
#include <stddef.h>
#include <string.h>

#include "lib/clock.h"
#include "core/data.h"
#include "core/device.h"
#include "lib/log.h"
#include "core/peer.h"
#include "core/send.h"

int wgx_receive_classify(const uint8_t *msg, size_t len)
{
	uint32_t type;

	if (len < sizeof(struct wgx_msg_header))
		return -WGX_R_RX_SHORT_MSG;
	memcpy(&type, msg, sizeof(type));
	type = le32toh(type);
	if ((type & 0xff) < WGX_MSG_HANDSHAKE_INITIATION || (type & 0xff) > WGX_MSG_DATA)
		return -WGX_R_RX_BAD_TYPE;
	if (type >> 8)
		return -WGX_R_RX_BAD_RESERVED;
	switch (type) {
	case WGX_MSG_HANDSHAKE_INITIATION:
		return len == WGX_MSG_INITIATION_LEN ? (int)type : -WGX_R_RX_BAD_LEN;
	case WGX_MSG_HANDSHAKE_RESPONSE:
		return len == WGX_MSG_RESPONSE_LEN ? (int)type : -WGX_R_RX_BAD_LEN;
	case WGX_MSG_HANDSHAKE_COOKIE:
		return len == WGX_MSG_COOKIE_LEN ? (int)type : -WGX_R_RX_BAD_LEN;
	default:
		return len >= WGX_MSG_DATA_MIN_LEN ? (int)type : -WGX_R_RX_BAD_LEN;
	}
}

static struct wgx_handshake *lookup_by_static(void *ctx, const uint8_t key[WGX_KEY_LEN])
{
	struct wgx_peer *peer = wgx_pubkey_lookup(&((struct wgx_device *)ctx)->pubkeys, key);

	return peer ? &peer->secrets->handshake : NULL;
}

static struct wgx_peer *peer_of(struct wgx_handshake *hs)
{
	return ((struct wgx_peer_secrets *)((char *)hs - offsetof(struct wgx_peer_secrets, handshake)))->peer;
}

static void authenticated_handshake(struct wgx_peer *peer, const struct wgx_endpoint *ep,
				    size_t len, uint64_t now)
{
	wgx_peer_set_endpoint(peer, ep);
	peer->rx_bytes += len;
	wgx_timers_any_authenticated_packet_received(&peer->timers, now);
	wgx_timers_any_authenticated_packet_traversal(&peer->timers, now);
}

static void receive_cookie_reply(struct wgx_device *dev, const struct wgx_msg_cookie *msg,
				 uint64_t now)
{
	struct wgx_index_entry e;

	if (wgx_index_lookup(&dev->index, le32toh(msg->receiver_index),
			     WGX_INDEX_HANDSHAKE | WGX_INDEX_KEYPAIR, &e) ||
	    wgx_cookie_consume_reply(&e.peer->secrets->cookie, msg, now))
		wgx_device_count(dev, WGX_R_CP_COOKIE_INVALID);
}

static void receive_initiation(struct wgx_device *dev, const struct wgx_msg_initiation *msg,
			       const struct wgx_endpoint *ep, uint64_t now)
{
	enum wgx_noise_error err;
	struct wgx_handshake *hs;
	struct wgx_peer *peer;

	hs = wgx_noise_consume_initiation(msg, dev->identity, lookup_by_static, dev, now, &err);
	if (!hs) {
		wgx_device_count(dev, err == WGX_NOISE_REPLAY || err == WGX_NOISE_FLOOD ?
					      WGX_R_CP_HS_REPLAY : WGX_R_CP_HS_INVALID);
		return;
	}
	peer = peer_of(hs);
	authenticated_handshake(peer, ep, sizeof(*msg), now);
	wgx_send_handshake_response(peer, now);
}

static void receive_response(struct wgx_device *dev, const struct wgx_msg_response *msg,
			     const struct wgx_endpoint *ep, uint64_t now)
{
	struct wgx_keypair_drops drops = { .n = 0 };
	enum wgx_noise_error err;
	struct wgx_index_entry e;
	struct wgx_keypair *kp;
	struct wgx_peer *peer;

	if (wgx_index_lookup(&dev->index, le32toh(msg->receiver_index), WGX_INDEX_HANDSHAKE, &e) ||
	    wgx_noise_consume_response(msg, e.ptr, dev->identity) != WGX_NOISE_OK) {
		wgx_device_count(dev, WGX_R_CP_HS_INVALID);
		return;
	}
	peer = e.peer;
	authenticated_handshake(peer, ep, sizeof(*msg), now);
	kp = wgx_noise_begin_session(&peer->secrets->handshake, &peer->keypairs, now, &drops, &err);
	wgx_peer_release_keypairs(peer, &drops);
	if (kp) {
		wgx_peer_handshake_index_to_keypair(peer, kp);
		wgx_timers_session_derived(&peer->timers, now);
		wgx_timers_handshake_complete(&peer->timers, now);
		peer->last_handshake_wall_ns = wgx_clock_wall_ns();
		/* Confirms the session at once: staged packets, or a keepalive. */
		wgx_send_keepalive(peer, now);
	}
	wgx_peer_timers_changed(peer);
}

void wgx_receive_handshake(struct wgx_device *dev, const uint8_t *msg, size_t len,
			   const struct wgx_endpoint *ep, uint64_t now)
{
	enum wgx_cookie_mac_state mac;
	unsigned char addr[18];
	size_t addr_len;
	bool under_load;

	if (msg[0] == WGX_MSG_HANDSHAKE_COOKIE) {
		receive_cookie_reply(dev, (const struct wgx_msg_cookie *)msg, now);
		return;
	}
	under_load = wgx_device_under_load(dev, now);
	addr_len = wgx_sockaddr_key(&ep->addr, addr);
	mac = wgx_cookie_validate(dev->cookie_checker, msg, len, under_load, addr, addr_len, now);
	if (mac == WGX_COOKIE_INVALID_MAC) {
		wgx_device_count(dev, WGX_R_CP_BAD_MAC1);
		return;
	}
	if (under_load && mac == WGX_COOKIE_VALID_MAC_BUT_NO_COOKIE) {
		uint32_t sender;

		memcpy(&sender, msg + offsetof(struct wgx_msg_initiation, sender_index), 4);
		wgx_send_cookie_reply(dev, msg, len, le32toh(sender), ep, now);
		return;
	}
	if (under_load && !wgx_ratelimiter_allow(&dev->ratelimiter, ep->addr.sa.sa_family,
						 ep->addr.sa.sa_family == AF_INET6 ?
							 (const void *)&ep->addr.in6.sin6_addr :
							 (const void *)&ep->addr.in4.sin_addr,
						 now)) {
		wgx_device_count(dev, WGX_R_CP_HS_RATELIMIT);
		return;
	}
	if (msg[0] == WGX_MSG_HANDSHAKE_INITIATION)
		receive_initiation(dev, (const struct wgx_msg_initiation *)msg, ep, now);
	else
		receive_response(dev, (const struct wgx_msg_response *)msg, ep, now);
}

/* The inner packet's source must be one of the peer's allowed IPs. */
static bool source_allowed(struct wgx_device *dev, struct wgx_peer *peer, const uint8_t *pkt,
			   int family)
{
	const void *src = family == AF_INET ? pkt + 12 : pkt + 8;

	return wgx_allowedips_lookup(&dev->allowedips, family, src) == peer;
}

struct wgx_keypair *wgx_receive_data_keypair(struct wgx_device *dev, const uint8_t *msg,
					     uint64_t now, struct wgx_peer **peer)
{
	const struct wgx_msg_data *hdr = (const struct wgx_msg_data *)msg;
	struct wgx_index_entry e;
	struct wgx_keypair *kp;

	if (wgx_index_lookup(&dev->index, le32toh(hdr->key_idx), WGX_INDEX_KEYPAIR, &e)) {
		wgx_device_count(dev, WGX_R_RX_UNKNOWN_IDX);
		return NULL;
	}
	kp = e.ptr;
	*peer = e.peer;
	if (!atomic_load(&kp->receiving_valid)) {
		wgx_device_count(dev, WGX_R_DP_NO_KEYPAIR);
		return NULL;
	}
	if (wgx_timers_keypair_expired(&e.peer->timers, kp->birthdate, kp->replay.counter, now)) {
		atomic_store(&kp->receiving_valid, false);
		wgx_device_count(dev, WGX_R_DP_KEYPAIR_EXPIRED);
		return NULL;
	}
	return kp;
}

void wgx_receive_data_opened(struct wgx_device *dev, struct wgx_peer *peer,
			     struct wgx_keypair *kp, uint8_t *msg, size_t len, uint64_t counter,
			     size_t plain_len, const struct wgx_endpoint *ep, uint64_t now,
			     struct wgx_rx_batch *out)
{
	struct wgx_keypair_drops drops = { .n = 0 };
	uint8_t *inner = msg + WGX_MSG_DATA_HEADER_LEN;
	size_t inner_len;
	int family;

	if (!wgx_replay_check(&kp->replay, counter)) {
		wgx_device_count(dev, WGX_R_DP_REPLAY);
		return;
	}
	if (wgx_noise_received_with_keypair(&peer->keypairs, kp, &drops)) {
		wgx_peer_release_keypairs(peer, &drops);
		wgx_timers_handshake_complete(&peer->timers, now);
		peer->last_handshake_wall_ns = wgx_clock_wall_ns();
		wgx_send_staged(peer, now);
	}
	if (wgx_timers_should_rekey_on_receive(&peer->timers, kp->i_am_the_initiator, kp->birthdate,
					       now))
		wgx_send_want_handshake(peer, now);
	wgx_peer_set_endpoint(peer, ep);
	peer->rx_bytes += len;
	wgx_timers_any_authenticated_packet_received(&peer->timers, now);
	wgx_timers_any_authenticated_packet_traversal(&peer->timers, now);
	if (!plain_len) {
		wgx_device_count(dev, WGX_R_DP_KEEPALIVE);
		goto out;
	}
	inner_len = wgx_data_inner_len(inner, plain_len, &family);
	if (!inner_len) {
		wgx_device_count(dev, WGX_R_DP_INNER_MALFORMED);
		goto out;
	}
	if (!source_allowed(dev, peer, inner, family)) {
		wgx_device_count(dev, WGX_R_DP_SRC_NOT_ALLOWED);
		goto out;
	}
	wgx_timers_data_received(&peer->timers, now);
	if (out) {
		out->pkts[out->n++] = (struct wgx_pkt){ .data = inner, .len = inner_len,
							.family = family };
	} else {
		struct wgx_pkt pkt = { .data = inner, .len = inner_len, .family = family };

		dev->plane_ops->deliver(dev->plane, &pkt, 1);
	}
out:
	wgx_peer_timers_changed(peer);
}

static void receive_data(struct wgx_device *dev, uint8_t *msg, size_t len,
			 const struct wgx_endpoint *ep, uint64_t now, struct wgx_rx_batch *out)
{
	size_t plain_len;
	struct wgx_keypair *kp;
	struct wgx_peer *peer;
	uint64_t counter;

	kp = wgx_receive_data_keypair(dev, msg, now, &peer);
	if (!kp)
		return;
	if (wgx_data_open(kp, msg, len, &counter, &plain_len)) {
		wgx_device_count(dev, WGX_R_DP_DECRYPT_FAILED);
		return;
	}
	wgx_receive_data_opened(dev, peer, kp, msg, len, counter, plain_len, ep, now, out);
}

void wgx_receive_batch(struct wgx_device *dev, struct wgx_udp_msg *msgs, int n, uint64_t now)
{
	struct wgx_rx_batch out = { .n = 0 };

	for (int i = 0; i < n; i++) {
		int type = wgx_receive_classify(msgs[i].buf, msgs[i].len);

		if (type < 0)
			wgx_device_count(dev, (enum wgx_reason)-type);
		else if (type == WGX_MSG_DATA)
			receive_data(dev, msgs[i].buf, msgs[i].len, &msgs[i].ep, now, &out);
		else
			wgx_receive_handshake(dev, msgs[i].buf, msgs[i].len, &msgs[i].ep, now);
		if (out.n == WGX_RX_BATCH) {
			dev->plane_ops->deliver(dev->plane, out.pkts, out.n);
			out.n = 0;
		}
	}
	if (out.n)
		dev->plane_ops->deliver(dev->plane, out.pkts, out.n);
}
