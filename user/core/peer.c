// SPDX-License-Identifier: MIT
#include "core/peer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "core/device.h"
#include "lib/log.h"
#include "core/secret.h"

struct wgx_peer *wgx_peer_create(struct wgx_device *dev, const uint8_t public_key[WGX_KEY_LEN],
				 uint64_t now)
{
	struct wgx_peer *peer;
	uint64_t seed;

	if (dev->n_peers >= WGX_MAX_PEERS_PER_DEVICE)
		return NULL;
	peer = calloc(1, sizeof(*peer));
	if (!peer)
		return NULL;
	peer->secrets = wgx_secret_alloc(sizeof(*peer->secrets));
	if (!peer->secrets)
		goto err_peer;
	peer->dev = dev;
	peer->secrets->peer = peer;
	peer->id = dev->next_peer_id++;
	peer->timerq_pos = WGX_TIMERQ_NONE;
	memcpy(peer->public_key, public_key, WGX_KEY_LEN);
	wgx_noise_handshake_init(&peer->secrets->handshake, dev->identity, public_key, NULL);
	wgx_cookie_init(&peer->secrets->cookie, public_key);
	randombytes_buf(&seed, sizeof(seed));
	wgx_timers_init(&peer->timers, dev->time_scale, seed);
	if (wgx_pubkey_add(&dev->pubkeys, peer->public_key, peer))
		goto err_secrets;
	peer->prev = dev->peers_tail;
	if (dev->peers_tail)
		dev->peers_tail->next = peer;
	else
		dev->peers = peer;
	dev->peers_tail = peer;
	dev->n_peers++;
	wgx_device_hook(dev, peer_set, peer->id, public_key, &peer->endpoint.addr.sa);
	(void)now;
	return peer;

err_secrets:
	wgx_secret_free(peer->secrets, sizeof(*peer->secrets));
err_peer:
	free(peer);
	return NULL;
}

void wgx_peer_release_keypairs(struct wgx_peer *peer, struct wgx_keypair_drops *drops)
{
	for (unsigned int i = 0; i < drops->n; i++) {
		struct wgx_device *dev = peer->dev;

		wgx_index_remove(&dev->index, drops->kp[i]->local_index);
		wgx_device_hook(dev, index_del, drops->kp[i]->local_index);
		/* A crypto worker may still hold it: then the plane frees it later. */
		if (!dev->plane_ops || !dev->plane_ops->keypair_retired ||
		    !dev->plane_ops->keypair_retired(dev->plane, drops->kp[i]))
			wgx_noise_keypair_free(drops->kp[i]);
	}
	drops->n = 0;
}

int wgx_peer_new_handshake_index(struct wgx_peer *peer)
{
	struct wgx_handshake *hs = &peer->secrets->handshake;
	struct wgx_index_entry e = { .type = WGX_INDEX_HANDSHAKE, .ptr = hs, .peer = peer };
	uint32_t index;
	int ret;

	ret = wgx_index_insert(&peer->dev->index, &e, &index);
	if (ret)
		return ret;
	if (peer->hs_index)
		wgx_index_remove(&peer->dev->index, peer->hs_index);
	peer->hs_index = hs->local_index = index;
	return 0;
}

int wgx_peer_handshake_index_to_keypair(struct wgx_peer *peer, struct wgx_keypair *kp)
{
	struct wgx_index_entry e = { .type = WGX_INDEX_KEYPAIR, .ptr = kp, .peer = peer };
	int ret = wgx_index_replace(&peer->dev->index, kp->local_index,
				    &peer->secrets->handshake, &e);

	if (!ret && peer->hs_index == kp->local_index)
		peer->hs_index = 0;
	if (!ret)
		wgx_device_hook(peer->dev, index_add, kp->local_index, peer->id);
	return ret;
}

static void clear_handshake(struct wgx_peer *peer)
{
	if (peer->hs_index)
		wgx_index_remove(&peer->dev->index, peer->hs_index);
	peer->hs_index = 0;
	wgx_noise_handshake_clear(&peer->secrets->handshake);
}

void wgx_peer_zero_keys(struct wgx_peer *peer)
{
	struct wgx_keypair_drops drops = { .n = 0 };

	wgx_noise_keypairs_clear(&peer->keypairs, &drops);
	wgx_peer_release_keypairs(peer, &drops);
	clear_handshake(peer);
}

static int unmirror_cidr(void *ctx, int family, const void *addr, uint8_t cidr)
{
	struct wgx_device *dev = ctx;

	wgx_device_hook(dev, aip, family, addr, cidr, 0, false);
	return 0;
}

void wgx_peer_unmirror_allowedips(struct wgx_peer *peer)
{
	struct wgx_device *dev = peer->dev;

	if (dev->hooks && dev->hooks->aip)
		wgx_allowedips_walk_by_peer(&dev->allowedips, peer, unmirror_cidr, dev);
}

void wgx_peer_remove(struct wgx_peer *peer)
{
	struct wgx_device *dev = peer->dev;

	if (dev->plane_ops && dev->plane_ops->peer_removed)
		dev->plane_ops->peer_removed(dev->plane, peer);
	wgx_timers_stop(&peer->timers);
	wgx_timerq_update(&dev->timerq, peer, 0);
	wgx_peer_unmirror_allowedips(peer);
	wgx_device_hook(dev, peer_del, peer->id);
	wgx_allowedips_remove_by_peer(&dev->allowedips, peer);
	wgx_pubkey_remove(&dev->pubkeys, peer->public_key);
	wgx_peer_zero_keys(peer);
	wgx_peer_purge_staged(peer);
	if (peer->prev)
		peer->prev->next = peer->next;
	else
		dev->peers = peer->next;
	if (peer->next)
		peer->next->prev = peer->prev;
	else
		dev->peers_tail = peer->prev;
	dev->n_peers--;
	wgx_secret_free(peer->secrets, sizeof(*peer->secrets));
	free(peer);
}

void wgx_peer_timers_changed(struct wgx_peer *peer)
{
	if (wgx_timerq_update(&peer->dev->timerq, peer, wgx_timers_next_deadline(&peer->timers)))
		pr_warn("timer queue out of memory: peer %u timers delayed", peer->id);
}

void wgx_peer_stage(struct wgx_peer *peer, const void *pkt, size_t len)
{
	struct wgx_staged_packet *sp;
	uint16_t slot;

	if (!peer->staged) {
		peer->staged = calloc(WGX_MAX_STAGED_PACKETS, sizeof(*peer->staged));
		if (!peer->staged)
			goto drop;
	}
	sp = malloc(sizeof(*sp) + len);
	if (!sp)
		goto drop;
	sp->len = (uint32_t)len;
	memcpy(sp->data, pkt, len);
	if (peer->staged_len == WGX_MAX_STAGED_PACKETS) {
		/* Full: the oldest packet goes, like the kernel's staged queue. */
		free(peer->staged[peer->staged_head]);
		peer->staged_head = (peer->staged_head + 1) % WGX_MAX_STAGED_PACKETS;
		peer->staged_len--;
		wgx_device_count(peer->dev, WGX_R_DP_STAGED_FULL);
	}
	slot = (peer->staged_head + peer->staged_len) % WGX_MAX_STAGED_PACKETS;
	peer->staged[slot] = sp;
	peer->staged_len++;
	return;
drop:
	wgx_device_count(peer->dev, WGX_R_DP_NO_MEMORY);
}

void wgx_peer_purge_staged(struct wgx_peer *peer)
{
	while (peer->staged_len) {
		free(peer->staged[peer->staged_head]);
		peer->staged_head = (peer->staged_head + 1) % WGX_MAX_STAGED_PACKETS;
		peer->staged_len--;
	}
	free(peer->staged);
	peer->staged = NULL;
	peer->staged_head = 0;
}

void wgx_peer_set_endpoint(struct wgx_peer *peer, const struct wgx_endpoint *ep)
{
	if (wgx_sockaddr_equal(&peer->endpoint.addr, &ep->addr) &&
	    peer->endpoint.src_ifindex == ep->src_ifindex &&
	    !memcmp(&peer->endpoint.src6, &ep->src6, sizeof(ep->src6)))
		return;
	peer->endpoint = *ep;
	wgx_device_hook(peer->dev, peer_set, peer->id, peer->public_key, &ep->addr.sa);
}
