// SPDX-License-Identifier: MIT
#include "core/send.h"

#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "core/data.h"
#include "core/device.h"
#include "lib/log.h"
#include "core/peer.h"

static void send_to_peer(struct wgx_peer *peer, void *buf, size_t len)
{
	struct wgx_device *dev = peer->dev;
	struct wgx_udp_msg m = { .buf = buf, .len = len, .ep = peer->endpoint };

	if (dev->plane_ops->send(dev->plane, &m, 1) == 1)
		peer->tx_bytes += len;
	/* The send may have cleared a stale pinned source: keep that. */
	peer->endpoint.src_ifindex = m.ep.src_ifindex;
}

void wgx_send_handshake_initiation(struct wgx_peer *peer, uint64_t now)
{
	struct wgx_device *dev = peer->dev;
	struct wgx_msg_initiation msg;
	enum wgx_noise_error err;

	if (peer->endpoint.addr.sa.sa_family == AF_UNSPEC || !dev->up) {
		wgx_device_count(dev, WGX_R_DP_NO_ENDPOINT);
		return;
	}
	if (wgx_peer_new_handshake_index(peer))
		return;
	err = wgx_noise_create_initiation(&msg, &peer->secrets->handshake, dev->identity,
					  wgx_clock_wall_ns());
	if (err != WGX_NOISE_OK) {
		pr_debug("peer %u: no initiation: %s", peer->id, wgx_noise_strerror(err));
		return;
	}
	wgx_cookie_add_macs(&peer->secrets->cookie, &msg, sizeof(msg), now);
	wgx_timers_any_authenticated_packet_traversal(&peer->timers, now);
	wgx_timers_any_authenticated_packet_sent(&peer->timers, now);
	send_to_peer(peer, &msg, sizeof(msg));
	wgx_timers_handshake_initiated(&peer->timers, now);
	wgx_peer_timers_changed(peer);
}

void wgx_send_want_handshake(struct wgx_peer *peer, uint64_t now)
{
	if (wgx_timers_request_initiation(&peer->timers, now))
		wgx_send_handshake_initiation(peer, now);
	wgx_peer_timers_changed(peer);
}

void wgx_send_handshake_response(struct wgx_peer *peer, uint64_t now)
{
	struct wgx_device *dev = peer->dev;
	struct wgx_keypair_drops drops = { .n = 0 };
	struct wgx_msg_response msg;
	enum wgx_noise_error err;
	struct wgx_keypair *kp;

	if (wgx_peer_new_handshake_index(peer))
		return;
	err = wgx_noise_create_response(&msg, &peer->secrets->handshake, dev->identity);
	if (err != WGX_NOISE_OK)
		return;
	wgx_cookie_add_macs(&peer->secrets->cookie, &msg, sizeof(msg), now);
	wgx_timers_any_authenticated_packet_traversal(&peer->timers, now);
	wgx_timers_any_authenticated_packet_sent(&peer->timers, now);
	kp = wgx_noise_begin_session(&peer->secrets->handshake, &peer->keypairs, now, &drops, &err);
	wgx_peer_release_keypairs(peer, &drops);
	if (!kp)
		return;
	wgx_peer_handshake_index_to_keypair(peer, kp);
	wgx_timers_session_derived(&peer->timers, now);
	wgx_timers_handshake_response_sent(&peer->timers, now);
	send_to_peer(peer, &msg, sizeof(msg));
	wgx_peer_timers_changed(peer);
}

void wgx_send_cookie_reply(struct wgx_device *dev, const void *msg, size_t len,
			   uint32_t sender_index, const struct wgx_endpoint *ep, uint64_t now)
{
	unsigned char addr[18];
	size_t addr_len = wgx_sockaddr_key(&ep->addr, addr);
	struct wgx_msg_cookie reply;
	struct wgx_udp_msg m = { .buf = (unsigned char *)&reply, .len = sizeof(reply), .ep = *ep };

	wgx_cookie_create_reply(&reply, dev->cookie_checker, msg, len, sender_index, addr, addr_len,
				now);
	dev->plane_ops->send(dev->plane, &m, 1);
	wgx_device_count(dev, WGX_R_CP_COOKIE_SENT);
}

/* The current keypair if it may still send, with a fresh nonce in *counter. */
static struct wgx_keypair *sending_keypair(struct wgx_peer *peer, uint64_t now, uint64_t *counter)
{
	struct wgx_keypair *kp = peer->keypairs.current;

	if (!kp || !atomic_load(&kp->sending_valid))
		return NULL;
	*counter = atomic_fetch_add(&kp->sending_counter, 1);
	if (wgx_timers_keypair_expired(&peer->timers, kp->birthdate, *counter, now)) {
		atomic_store(&kp->sending_valid, false);
		return NULL;
	}
	return kp;
}

/* The kernel's keep_key_fresh for the send path. */
static void keep_key_fresh(struct wgx_peer *peer, struct wgx_keypair *kp, uint64_t now)
{
	if (wgx_timers_should_rekey_on_send(&peer->timers, kp->i_am_the_initiator, kp->birthdate,
					    atomic_load(&kp->sending_counter), now))
		wgx_send_want_handshake(peer, now);
}

/* Seal one packet (at buf + header room) and send it now; for staged packets and keepalives. */
static void send_one(struct wgx_peer *peer, struct wgx_keypair *kp, uint64_t counter,
		     unsigned char *buf, size_t len, uint64_t now)
{
	size_t mlen = wgx_data_seal(kp, counter, buf, len, peer->dev->mtu);

	wgx_timers_any_authenticated_packet_traversal(&peer->timers, now);
	wgx_timers_any_authenticated_packet_sent(&peer->timers, now);
	if (len)
		wgx_timers_data_sent(&peer->timers, now);
	send_to_peer(peer, buf, mlen);
}

void wgx_send_staged(struct wgx_peer *peer, uint64_t now)
{
	struct wgx_keypair *kp = NULL;
	uint64_t counter;

	if (peer->endpoint.addr.sa.sa_family == AF_UNSPEC) {
		wgx_device_count(peer->dev, WGX_R_DP_NO_ENDPOINT);
		return;
	}
	while (peer->staged_len) {
		struct wgx_staged_packet *sp = peer->staged[peer->staged_head];
		unsigned char *buf;

		kp = sending_keypair(peer, now, &counter);
		if (!kp) {
			wgx_send_want_handshake(peer, now);
			return;
		}
		buf = malloc(WGX_SEND_HEADROOM + sp->len + WGX_SEND_TAILROOM);
		if (!buf)
			return;
		memcpy(buf + WGX_SEND_HEADROOM, sp->data, sp->len);
		send_one(peer, kp, counter, buf, sp->len, now);
		free(buf);
		free(sp);
		peer->staged_head = (peer->staged_head + 1) % WGX_MAX_STAGED_PACKETS;
		peer->staged_len--;
	}
	wgx_peer_purge_staged(peer);
	if (kp)
		keep_key_fresh(peer, kp, now);
	wgx_peer_timers_changed(peer);
}

void wgx_send_keepalive(struct wgx_peer *peer, uint64_t now)
{
	unsigned char buf[WGX_SEND_HEADROOM + WGX_SEND_TAILROOM];
	struct wgx_keypair *kp;
	uint64_t counter;

	if (peer->staged_len) {
		wgx_send_staged(peer, now);
		return;
	}
	if (peer->endpoint.addr.sa.sa_family == AF_UNSPEC)
		return;
	kp = sending_keypair(peer, now, &counter);
	if (!kp) {
		wgx_send_want_handshake(peer, now);
		return;
	}
	send_one(peer, kp, counter, buf, 0, now);
	keep_key_fresh(peer, kp, now);
	wgx_peer_timers_changed(peer);
}

void wgx_send_flush(struct wgx_device *dev, struct wgx_tx_batch *batch)
{
	if (batch->n)
		dev->plane_ops->send(dev->plane, batch->msgs, batch->n);
	/* Only what left: the plane zeroes the length of what it could not send. */
	for (int i = 0; i < batch->n; i++)
		if (batch->peers[i])
			batch->peers[i]->tx_bytes += batch->msgs[i].len;
	batch->n = 0;
}

struct wgx_keypair *wgx_send_data_begin(struct wgx_peer *peer, unsigned char *buf, size_t len,
					uint64_t *counter, uint64_t now)
{
	struct wgx_keypair *kp;

	if (peer->staged_len || !(kp = sending_keypair(peer, now, counter))) {
		wgx_peer_stage(peer, buf + WGX_SEND_HEADROOM, len);
		wgx_send_staged(peer, now);
		return NULL;
	}
	if (peer->endpoint.addr.sa.sa_family == AF_UNSPEC) {
		wgx_device_count(peer->dev, WGX_R_DP_NO_ENDPOINT);
		return NULL;
	}
	wgx_timers_any_authenticated_packet_traversal(&peer->timers, now);
	wgx_timers_any_authenticated_packet_sent(&peer->timers, now);
	wgx_timers_data_sent(&peer->timers, now);
	keep_key_fresh(peer, kp, now);
	wgx_peer_timers_changed(peer);
	return kp;
}

void wgx_send_data(struct wgx_peer *peer, unsigned char *buf, size_t len,
		   struct wgx_tx_batch *batch, uint64_t now)
{
	struct wgx_keypair *kp;
	struct wgx_udp_msg *m;
	uint64_t counter;

	kp = wgx_send_data_begin(peer, buf, len, &counter, now);
	if (!kp)
		return;
	if (batch->n == WGX_TX_BATCH)
		wgx_send_flush(peer->dev, batch);
	batch->peers[batch->n] = peer;
	m = &batch->msgs[batch->n++];
	m->buf = buf;
	m->len = wgx_data_seal(kp, counter, buf, len, peer->dev->mtu);
	m->ep = peer->endpoint;
}

/* Destination of the IP packet at @pkt, or NULL when it is not one. */
static const void *inner_dst(const uint8_t *pkt, size_t len, int *family)
{
	if (len >= 20 && pkt[0] >> 4 == 4) {
		*family = AF_INET;
		return pkt + 16;
	}
	if (len >= 40 && pkt[0] >> 4 == 6) {
		*family = AF_INET6;
		return pkt + 24;
	}
	return NULL;
}

void wgx_send_tunnel_batch(struct wgx_device *dev, struct wgx_pkt *pkts, int n, uint64_t now)
{
	struct wgx_tx_batch tx = { .n = 0 };

	for (int i = 0; i < n; i++) {
		const uint8_t *dst;
		struct wgx_peer *peer;
		int family;

		dst = inner_dst(pkts[i].data, pkts[i].len, &family);
		if (!dst) {
			wgx_device_count(dev, WGX_R_TUN_MALFORMED);
			continue;
		}
		peer = wgx_allowedips_lookup(&dev->allowedips, family, dst);
		if (!peer) {
			/* The kernel's own router solicitations and MLD reports go to ff02::/16. */
			bool link_mcast = family == AF_INET6 && dst[0] == 0xff && (dst[1] & 0x0f) == 0x02;

			wgx_device_count(dev, link_mcast ? WGX_R_TUN_ND_MLD : WGX_R_TUN_NO_ROUTE);
			continue;
		}
		wgx_send_data(peer, pkts[i].data - WGX_SEND_HEADROOM, pkts[i].len, &tx, now);
	}
	wgx_send_flush(dev, &tx);
}
