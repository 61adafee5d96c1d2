// SPDX-License-Identifier: MIT
#include "core/device.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "lib/clock.h"
#include "core/crypto.h"
#include "lib/log.h"
#include "core/peer.h"
#include "core/secret.h"
#include "core/send.h"
#include "core/uapi_set.h"

struct wgx_device *wgx_device_create(const char *name, unsigned int mtu, uint32_t time_scale)
{
	struct wgx_device *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return NULL;
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->mtu = mtu;
	dev->time_scale = time_scale;
	dev->next_peer_id = 1;
	dev->identity = wgx_secret_alloc(sizeof(*dev->identity));
	dev->cookie_checker = wgx_secret_alloc(sizeof(*dev->cookie_checker));
	if (!dev->identity || !dev->cookie_checker)
		goto err;
	wgx_cookie_checker_init(dev->cookie_checker, NULL, wgx_clock_mono_ns());
	if (wgx_ratelimiter_init(&dev->ratelimiter, WGX_RATELIMITER_ENTRIES))
		goto err;
	if (wgx_index_table_init(&dev->index))
		goto err_rl;
	if (wgx_pubkey_table_init(&dev->pubkeys))
		goto err_index;
	wgx_allowedips_init(&dev->allowedips);
	wgx_timerq_init(&dev->timerq);
	return dev;

err_index:
	wgx_index_table_free(&dev->index);
err_rl:
	wgx_ratelimiter_uninit(&dev->ratelimiter);
err:
	if (dev->identity)
		wgx_secret_free(dev->identity, sizeof(*dev->identity));
	if (dev->cookie_checker)
		wgx_secret_free(dev->cookie_checker, sizeof(*dev->cookie_checker));
	free(dev);
	return NULL;
}

static void remove_all_peers(struct wgx_device *dev)
{
	while (dev->peers)
		wgx_peer_remove(dev->peers);
}

void wgx_device_destroy(struct wgx_device *dev)
{
	remove_all_peers(dev);
	wgx_timerq_free(&dev->timerq);
	wgx_allowedips_free(&dev->allowedips);
	wgx_pubkey_table_free(&dev->pubkeys);
	wgx_index_table_free(&dev->index);
	wgx_ratelimiter_uninit(&dev->ratelimiter);
	wgx_secret_free(dev->identity, sizeof(*dev->identity));
	wgx_secret_free(dev->cookie_checker, sizeof(*dev->cookie_checker));
	free(dev);
}

void wgx_device_set_plane(struct wgx_device *dev, const struct wgx_plane_ops *ops, void *plane)
{
	dev->plane_ops = ops;
	dev->plane = plane;
}

void wgx_device_set_hooks(struct wgx_device *dev, const struct wgx_table_hooks *hooks, void *ctx)
{
	dev->hooks = hooks;
	dev->hooks_ctx = ctx;
}

int wgx_device_bind(struct wgx_device *dev)
{
	int port;

	if (!dev->plane_ops)
		return -ENOTCONN;
	port = dev->plane_ops->bind(dev->plane, dev->listen_port, dev->fwmark);
	if (port < 0)
		return port;
	dev->port = (uint16_t)port;
	dev->up = true;
	wgx_device_hook(dev, listen_port, dev->port);
	return 0;
}

static void set_private_key(struct wgx_device *dev, const uint8_t key[WGX_KEY_LEN])
{
	static const uint8_t zero[WGX_KEY_LEN];
	const uint8_t *newkey = sodium_memcmp(key, zero, WGX_KEY_LEN) ? key : NULL;
	uint8_t pub[WGX_KEY_LEN];
	struct wgx_peer *peer;

	if (newkey && dev->identity->has_identity &&
	    !sodium_memcmp(dev->identity->static_private, newkey, WGX_KEY_LEN))
		return;
	if (newkey) {
		/* A peer with our own public key would be us: the kernel removes it. */
		wgx_x25519_public(pub, newkey);
		peer = wgx_pubkey_lookup(&dev->pubkeys, pub);
		if (peer)
			wgx_peer_remove(peer);
	}
	wgx_noise_set_private_key(dev->identity, newkey);
	wgx_cookie_checker_set_identity(dev->cookie_checker,
					dev->identity->has_identity ? dev->identity->static_public : NULL);
	for (peer = dev->peers; peer; peer = peer->next) {
		wgx_noise_expire_current_keypairs(&peer->keypairs, &peer->secrets->handshake);
		if (peer->hs_index)
			wgx_index_remove(&dev->index, peer->hs_index);
		peer->hs_index = 0;
	}
}

static void set_endpoint(struct wgx_peer *peer, const struct sockaddr_storage *ss)
{
	struct wgx_endpoint ep = { 0 };

	memcpy(&ep.addr, ss, ss->ss_family == AF_INET6 ? sizeof(ep.addr.in6) : sizeof(ep.addr.in4));
	wgx_sockaddr_normalize(&ep.addr);
	wgx_peer_set_endpoint(peer, &ep);
}

static int apply_peer(struct wgx_device *dev, const struct wgx_uapi_peer_change *c, uint64_t now)
{
	static const uint8_t zero[WGX_KEY_LEN];
	struct wgx_peer *peer = wgx_pubkey_lookup(&dev->pubkeys, c->public_key);
	unsigned int actions;
	int ret;

	if (c->remove) {
		if (peer)
			wgx_peer_remove(peer);
		return 0;
	}
	if (!peer && c->update_only)
		return 0;
	if (dev->identity->has_identity &&
	    !memcmp(c->public_key, dev->identity->static_public, WGX_KEY_LEN))
		return 0;
	if (!peer) {
		peer = wgx_peer_create(dev, c->public_key, now);
		if (!peer)
			return dev->n_peers >= WGX_MAX_PEERS_PER_DEVICE ? -E2BIG : -ENOMEM;
	}
	if (c->has_psk)
		wgx_noise_set_preshared_key(&peer->secrets->handshake,
					    sodium_memcmp(c->preshared_key, zero, WGX_KEY_LEN) ?
						    c->preshared_key : NULL);
	if (c->has_endpoint)
		set_endpoint(peer, &c->endpoint);
	if (c->replace_allowed_ips) {
		wgx_peer_unmirror_allowedips(peer);
		wgx_allowedips_remove_by_peer(&dev->allowedips, peer);
	}
	for (size_t i = 0; i < c->n_allowed_ips; i++) {
		const struct wgx_uapi_cidr *a = &c->allowed_ips[i];

		if (a->remove) {
			if (!wgx_allowedips_remove(&dev->allowedips, a->family, a->addr, a->cidr,
						   peer))
				wgx_device_hook(dev, aip, a->family, a->addr, a->cidr, 0, false);
			continue;
		}
		ret = wgx_allowedips_insert(&dev->allowedips, a->family, a->addr, a->cidr, peer);
		if (ret)
			return ret;
		wgx_device_hook(dev, aip, a->family, a->addr, a->cidr, peer->id, true);
	}
	if (c->has_keepalive) {
		peer->persistent_keepalive = c->persistent_keepalive;
		actions = wgx_timers_set_persistent_keepalive(&peer->timers, c->persistent_keepalive, now);
		if ((actions & WGX_TA_SEND_KEEPALIVE) && dev->up)
			wgx_send_keepalive(peer, now);
	}
	wgx_peer_timers_changed(peer);
	return 0;
}

int wgx_device_apply_begin(struct wgx_device *dev, const struct wgx_uapi_set *set)
{
	int ret;

	if (set->has_listen_port && dev->up &&
	    (set->listen_port != dev->port || !set->listen_port)) {
		uint16_t old = dev->listen_port;

		dev->listen_port = set->listen_port;
		ret = wgx_device_bind(dev);
		if (ret) {
			dev->listen_port = old;
			return ret;
		}
	} else if (set->has_listen_port) {
		dev->listen_port = set->listen_port;
	}
	if (set->replace_peers)
		remove_all_peers(dev);
	if (set->has_private_key)
		set_private_key(dev, set->private_key);
	if (set->has_fwmark) {
		dev->fwmark = set->fwmark;
		if (dev->up)
			return dev->plane_ops->set_fwmark(dev->plane, set->fwmark);
	}
	return 0;
}

int wgx_device_apply_peers(struct wgx_device *dev, const struct wgx_uapi_set *set, size_t *next,
			   size_t count, uint64_t now)
{
	int ret = 0;

	for (; count && *next < set->n_peers && !ret; count--)
		ret = apply_peer(dev, &set->peers[(*next)++], now);
	return ret;
}

int wgx_device_apply(struct wgx_device *dev, const struct wgx_uapi_set *set, uint64_t now)
{
	size_t next = 0;

	return wgx_device_apply_begin(dev, set) ?: wgx_device_apply_peers(dev, set, &next, SIZE_MAX, now);
}

struct view_walk {
	struct wgx_uapi_peer_view *pv;
	size_t cap;
};

static int view_add_cidr(void *ctx, int family, const void *addr, uint8_t cidr)
{
	struct view_walk *w = ctx;
	struct wgx_uapi_peer_view *pv = w->pv;

	if (pv->n_allowed_ips == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 4;
		struct wgx_uapi_cidr *grown = realloc(pv->allowed_ips, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		pv->allowed_ips = grown;
		w->cap = cap;
	}
	pv->allowed_ips[pv->n_allowed_ips] = (struct wgx_uapi_cidr){ .family = family, .cidr = cidr };
	memcpy(pv->allowed_ips[pv->n_allowed_ips++].addr, addr, family == AF_INET6 ? 16 : 4);
	return 0;
}

int wgx_device_view(struct wgx_device *dev, struct wgx_uapi_device_view *v)
{
	struct wgx_peer *peer;
	size_t i = 0;
	int ret = 0;

	memset(v, 0, sizeof(*v));
	v->peers = calloc(dev->n_peers ? dev->n_peers : 1, sizeof(*v->peers));
	if (!v->peers)
		return -ENOMEM;
	v->has_private_key = dev->identity->has_identity;
	if (v->has_private_key)
		memcpy(v->private_key, dev->identity->static_private, WGX_KEY_LEN);
	v->listen_port = dev->up ? dev->port : 0;
	v->fwmark = dev->fwmark;
	for (peer = dev->peers; peer && !ret; peer = peer->next, i++) {
		struct wgx_uapi_peer_view *pv = &v->peers[i];
		struct view_walk w = { .pv = pv };
		static const uint8_t zero[WGX_KEY_LEN];

		v->n_peers = i + 1;
		memcpy(pv->public_key, peer->public_key, WGX_KEY_LEN);
		memcpy(pv->preshared_key, peer->secrets->handshake.preshared_key, WGX_KEY_LEN);
		pv->has_psk = sodium_memcmp(pv->preshared_key, zero, WGX_KEY_LEN) != 0;
		pv->has_endpoint = peer->endpoint.addr.sa.sa_family != AF_UNSPEC;
		if (pv->has_endpoint)
			memcpy(&pv->endpoint, &peer->endpoint.addr, sizeof(peer->endpoint.addr));
		pv->last_handshake_ns = peer->last_handshake_wall_ns;
		pv->rx_bytes = peer->rx_bytes;
		pv->tx_bytes = peer->tx_bytes;
		pv->persistent_keepalive = peer->persistent_keepalive;
		ret = wgx_allowedips_walk_by_peer(&dev->allowedips, peer, view_add_cidr, &w);
	}
	if (ret)
		wgx_device_view_free(v);
	return ret;
}

void wgx_device_view_free(struct wgx_uapi_device_view *v)
{
	for (size_t i = 0; i < v->n_peers; i++) {
		sodium_memzero(v->peers[i].preshared_key, WGX_KEY_LEN);
		free(v->peers[i].allowed_ips);
	}
	free(v->peers);
	sodium_memzero(v->private_key, WGX_KEY_LEN);
	memset(v, 0, sizeof(*v));
}

bool wgx_device_under_load(struct wgx_device *dev, uint64_t now)
{
	if (now - dev->second_start >= WGX_NS_PER_SEC) {
		dev->second_start = now;
		dev->handshakes_this_second = 0;
	}
	if (++dev->handshakes_this_second > WGX_UNDER_LOAD_HANDSHAKES_PER_SEC)
		dev->under_load_until = now + WGX_UNDER_LOAD_HOLD_NS;
	return dev->force_under_load || now < dev->under_load_until;
}

void wgx_device_expire_timers(struct wgx_device *dev, uint64_t now)
{
	struct wgx_peer *peer;

	while ((peer = wgx_timerq_due(&dev->timerq, now))) {
		unsigned int actions = wgx_timers_expire(&peer->timers, now);

		if (actions & WGX_TA_ZERO_KEYS)
			wgx_peer_zero_keys(peer);
		if (actions & WGX_TA_PURGE_STAGED)
			wgx_peer_purge_staged(peer);
		if (actions & WGX_TA_CLEAR_ENDPOINT_SRC)
			peer->endpoint.src_ifindex = 0;
		if (actions & WGX_TA_SEND_INITIATION)
			wgx_send_handshake_initiation(peer, now);
		if (actions & WGX_TA_SEND_KEEPALIVE)
			wgx_send_keepalive(peer, now);
		wgx_peer_timers_changed(peer);
		if (wgx_timerq_due(&dev->timerq, now) == peer)
			break; /* a timer the handler left due: next loop turn, not a spin */
	}
}
