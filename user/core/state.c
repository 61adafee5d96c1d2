// SPDX-License-Identifier: MIT
#include "core/state.h"

#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "core/device.h"
#include "core/peer.h"
#include "core/secret.h"
#include "lib/serial.h"

/* Refuse counts no device could have: a malformed count is not an allocation size. */
#define MAX_AIPS_PER_PEER (1u << 20)

/* A time as set flag + offset from the snapshot (0 is "never" for every time here). */
static void put_time(struct wgx_writer *w, uint64_t t, uint64_t now)
{
	wgx_put_u8(w, t != 0);
	wgx_put_u64(w, t ? t - now : 0);
}

static uint64_t get_time(struct wgx_reader *r, uint64_t now)
{
	bool set = wgx_get_bool(r);
	int64_t off = (int64_t)wgx_get_u64(r);

	if (!set)
		return 0;
	/* Older than the receiver's clock can say: its oldest time. */
	if (off < 0 && (uint64_t)-(off + 1) >= now - 1)
		return 1;
	return now + (uint64_t)off;
}

static void put_endpoint(struct wgx_writer *w, const struct wgx_endpoint *ep)
{
	const union wgx_sockaddr *a = &ep->addr;

	wgx_put_u16(w, a->sa.sa_family);
	if (a->sa.sa_family == AF_INET) {
		wgx_put_bytes(w, &a->in4.sin_addr, 4);
		wgx_put_bytes(w, &a->in4.sin_port, 2);
		wgx_put_bytes(w, &ep->src4, 4);
	} else if (a->sa.sa_family == AF_INET6) {
		wgx_put_bytes(w, &a->in6.sin6_addr, 16);
		wgx_put_bytes(w, &a->in6.sin6_port, 2);
		wgx_put_u32(w, a->in6.sin6_flowinfo);
		wgx_put_u32(w, a->in6.sin6_scope_id);
		wgx_put_bytes(w, &ep->src6, 16);
	}
	wgx_put_u32(w, (uint32_t)ep->src_ifindex);
}

static void get_endpoint(struct wgx_reader *r, struct wgx_endpoint *ep)
{
	union wgx_sockaddr *a = &ep->addr;
	uint16_t family = wgx_get_u16(r);

	memset(ep, 0, sizeof(*ep));
	a->sa.sa_family = family;
	if (family == AF_INET) {
		wgx_get_bytes(r, &a->in4.sin_addr, 4);
		wgx_get_bytes(r, &a->in4.sin_port, 2);
		wgx_get_bytes(r, &ep->src4, 4);
	} else if (family == AF_INET6) {
		wgx_get_bytes(r, &a->in6.sin6_addr, 16);
		wgx_get_bytes(r, &a->in6.sin6_port, 2);
		a->in6.sin6_flowinfo = wgx_get_u32(r);
		a->in6.sin6_scope_id = wgx_get_u32(r);
		wgx_get_bytes(r, &ep->src6, 16);
	} else if (family != AF_UNSPEC) {
		r->bad = true;
	}
	ep->src_ifindex = (int)wgx_get_u32(r);
}

static void put_handshake(struct wgx_writer *w, const struct wgx_handshake *hs, uint64_t now)
{
	wgx_put_bytes(w, hs->preshared_key, WGX_KEY_LEN);
	wgx_put_bytes(w, hs->ephemeral_private, WGX_KEY_LEN);
	wgx_put_bytes(w, hs->remote_ephemeral, WGX_KEY_LEN);
	wgx_put_bytes(w, hs->hash, WGX_HASH_LEN);
	wgx_put_bytes(w, hs->chaining_key, WGX_HASH_LEN);
	put_time(w, hs->last_initiation_consumption, now);
	wgx_put_bytes(w, hs->latest_timestamp, WGX_TIMESTAMP_LEN);
	wgx_put_bytes(w, hs->last_sent_timestamp, WGX_TIMESTAMP_LEN);
	wgx_put_u8(w, hs->has_consumed_initiation);
	wgx_put_u8(w, (uint8_t)hs->state);
	wgx_put_u32(w, hs->local_index);
	wgx_put_u32(w, hs->remote_index);
}

/* Into a handshake that wgx_peer_create prepared (remote static, precomputed DH). */
static void get_handshake(struct wgx_reader *r, struct wgx_handshake *hs, uint64_t now)
{
	uint8_t state;

	wgx_get_bytes(r, hs->preshared_key, WGX_KEY_LEN);
	wgx_get_bytes(r, hs->ephemeral_private, WGX_KEY_LEN);
	wgx_get_bytes(r, hs->remote_ephemeral, WGX_KEY_LEN);
	wgx_get_bytes(r, hs->hash, WGX_HASH_LEN);
	wgx_get_bytes(r, hs->chaining_key, WGX_HASH_LEN);
	hs->last_initiation_consumption = get_time(r, now);
	wgx_get_bytes(r, hs->latest_timestamp, WGX_TIMESTAMP_LEN);
	wgx_get_bytes(r, hs->last_sent_timestamp, WGX_TIMESTAMP_LEN);
	hs->has_consumed_initiation = wgx_get_bool(r);
	state = wgx_get_u8(r);
	if (state > WGX_HANDSHAKE_CONSUMED_RESPONSE)
		r->bad = true;
	hs->state = r->bad ? WGX_HANDSHAKE_ZEROED : (enum wgx_handshake_state)state;
	hs->local_index = wgx_get_u32(r);
	hs->remote_index = wgx_get_u32(r);
}

static void put_cookie(struct wgx_writer *w, const struct wgx_cookie *c, uint64_t now)
{
	put_time(w, c->birthdate, now);
	wgx_put_bytes(w, c->cookie, WGX_COOKIE_LEN);
	wgx_put_bytes(w, c->last_mac1_sent, WGX_MAC_LEN);
	wgx_put_u8(w, c->is_valid);
	wgx_put_u8(w, c->have_sent_mac1);
}

/* Into a maker wgx_cookie_init prepared (its keys come from the peer's public key). */
static void get_cookie(struct wgx_reader *r, struct wgx_cookie *c, uint64_t now)
{
	c->birthdate = get_time(r, now);
	wgx_get_bytes(r, c->cookie, WGX_COOKIE_LEN);
	wgx_get_bytes(r, c->last_mac1_sent, WGX_MAC_LEN);
	c->is_valid = wgx_get_bool(r);
	c->have_sent_mac1 = wgx_get_bool(r);
}

static void put_timers(struct wgx_writer *w, const struct wgx_timers *t, uint64_t now)
{
	for (int i = 0; i < WGX_TIMER_COUNT; i++)
		put_time(w, t->at[i], now);
	put_time(w, t->last_sent_handshake, now);
	wgx_put_u64(w, t->rng);
	wgx_put_u32(w, t->handshake_attempts);
	wgx_put_u16(w, t->persistent_keepalive_interval);
	wgx_put_u8(w, t->sent_handshake);
	wgx_put_u8(w, t->need_another_keepalive);
	wgx_put_u8(w, t->sent_lastminute_handshake);
	wgx_put_u8(w, t->dead);
}

/* Into timers wgx_timers_init prepared (their scale is this process's). */
static void get_timers(struct wgx_reader *r, struct wgx_timers *t, uint64_t now)
{
	for (int i = 0; i < WGX_TIMER_COUNT; i++)
		t->at[i] = get_time(r, now);
	t->last_sent_handshake = get_time(r, now);
	t->rng = wgx_get_u64(r);
	t->handshake_attempts = wgx_get_u32(r);
	t->persistent_keepalive_interval = wgx_get_u16(r);
	t->sent_handshake = wgx_get_bool(r);
	t->need_another_keepalive = wgx_get_bool(r);
	t->sent_lastminute_handshake = wgx_get_bool(r);
	t->dead = wgx_get_bool(r);
}

static void put_keypair(struct wgx_writer *w, const struct wgx_keypair *kp, uint64_t now)
{
	wgx_put_u8(w, kp != NULL);
	if (!kp)
		return;
	wgx_put_bytes(w, kp->sending_key, WGX_KEY_LEN);
	wgx_put_bytes(w, kp->receiving_key, WGX_KEY_LEN);
	wgx_put_u64(w, atomic_load(&kp->sending_counter));
	wgx_put_u64(w, kp->replay.counter);
	for (size_t i = 0; i < sizeof(kp->replay.backtrack) / sizeof(kp->replay.backtrack[0]); i++)
		wgx_put_u64(w, kp->replay.backtrack[i]);
	put_time(w, kp->birthdate, now);
	wgx_put_u64(w, kp->internal_id);
	wgx_put_u32(w, kp->local_index);
	wgx_put_u32(w, kp->remote_index);
	wgx_put_u8(w, kp->i_am_the_initiator);
	wgx_put_u8(w, atomic_load(&kp->sending_valid));
	wgx_put_u8(w, atomic_load(&kp->receiving_valid));
}

/* A keypair into *slot, straight into locked memory, its index taken. */
static int get_keypair(struct wgx_reader *r, struct wgx_peer *peer, struct wgx_keypair **slot,
		       uint64_t now)
{
	struct wgx_index_entry e = { .type = WGX_INDEX_KEYPAIR, .peer = peer };
	struct wgx_keypair *kp;
	int ret;

	if (!wgx_get_bool(r))
		return r->bad ? -EBADMSG : 0;
	kp = *slot = wgx_secret_alloc(sizeof(*kp));
	if (!kp)
		return -ENOMEM;
	wgx_get_bytes(r, kp->sending_key, WGX_KEY_LEN);
	wgx_get_bytes(r, kp->receiving_key, WGX_KEY_LEN);
	atomic_store(&kp->sending_counter, wgx_get_u64(r));
	kp->replay.counter = wgx_get_u64(r);
	for (size_t i = 0; i < sizeof(kp->replay.backtrack) / sizeof(kp->replay.backtrack[0]); i++)
		kp->replay.backtrack[i] = wgx_get_u64(r);
	kp->birthdate = get_time(r, now);
	kp->internal_id = wgx_get_u64(r);
	kp->local_index = wgx_get_u32(r);
	kp->remote_index = wgx_get_u32(r);
	kp->i_am_the_initiator = wgx_get_bool(r);
	atomic_store(&kp->sending_valid, wgx_get_bool(r));
	atomic_store(&kp->receiving_valid, wgx_get_bool(r));
	if (r->bad)
		return -EBADMSG;
	e.ptr = kp;
	/* Index 0 or one taken twice: not a state a device can be in. */
	ret = wgx_index_add(&peer->dev->index, kp->local_index, &e);
	if (ret) {
		/* Not in the index: the peer's removal must not remove another's entry. */
		wgx_noise_keypair_free(kp);
		*slot = NULL;
		return ret == -ENOMEM ? -ENOMEM : -EBADMSG;
	}
	wgx_device_hook(peer->dev, index_add, kp->local_index, peer->id);
	return 0;
}

static int put_aip(void *ctx, int family, const void *addr, uint8_t cidr)
{
	struct wgx_writer *w = ctx;

	wgx_put_u8(w, family == AF_INET6 ? 6 : 4);
	wgx_put_u8(w, cidr);
	wgx_put_bytes(w, addr, family == AF_INET6 ? 16 : 4);
	return 0;
}

static int count_aip(void *ctx, int family, const void *addr, uint8_t cidr)
{
	(void)family, (void)addr, (void)cidr;
	++*(uint32_t *)ctx;
	return 0;
}

static int get_aips(struct wgx_reader *r, struct wgx_peer *peer)
{
	struct wgx_device *dev = peer->dev;
	uint32_t n = wgx_get_u32(r);

	if (n > MAX_AIPS_PER_PEER)
		return -EBADMSG;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t v = wgx_get_u8(r), cidr = wgx_get_u8(r), addr[16];
		int family = v == 6 ? AF_INET6 : AF_INET;

		if ((v != 4 && v != 6) || cidr > (v == 6 ? 128 : 32))
			return -EBADMSG;
		wgx_get_bytes(r, addr, v == 6 ? 16 : 4);
		if (r->bad || wgx_allowedips_insert(&dev->allowedips, family, addr, cidr, peer))
			return -EBADMSG;
		wgx_device_hook(dev, aip, family, addr, cidr, peer->id, true);
	}
	return 0;
}

static void put_peer(struct wgx_writer *w, const struct wgx_device *dev, struct wgx_peer *p,
		     uint64_t now)
{
	uint32_t n_aips = 0;

	wgx_put_u32(w, p->id);
	wgx_put_bytes(w, p->public_key, WGX_KEY_LEN);
	put_handshake(w, &p->secrets->handshake, now);
	wgx_put_u32(w, p->hs_index);
	put_cookie(w, &p->secrets->cookie, now);
	put_endpoint(w, &p->endpoint);
	wgx_put_u64(w, p->rx_bytes);
	wgx_put_u64(w, p->tx_bytes);
	wgx_put_u64(w, p->last_handshake_wall_ns);
	wgx_put_u16(w, p->persistent_keepalive);
	wgx_put_u8(w, p->log_up);
	put_timers(w, &p->timers, now);
	put_keypair(w, p->keypairs.previous, now);
	put_keypair(w, p->keypairs.current, now);
	put_keypair(w, p->keypairs.next, now);
	wgx_allowedips_walk_by_peer(&dev->allowedips, p, count_aip, &n_aips);
	wgx_put_u32(w, n_aips);
	wgx_allowedips_walk_by_peer(&dev->allowedips, p, put_aip, w);
}

/* One peer; @prev_id: the previous peer's id (ids rise in creation order). */
static int get_peer(struct wgx_reader *r, struct wgx_device *dev, uint32_t *prev_id,
		    uint32_t next_id, uint64_t now)
{
	uint8_t pub[WGX_KEY_LEN];
	struct wgx_endpoint ep;
	struct wgx_handshake *hs;
	struct wgx_peer *peer;
	uint32_t id = wgx_get_u32(r);
	int ret;

	wgx_get_bytes(r, pub, WGX_KEY_LEN);
	if (r->bad || id <= *prev_id || id >= next_id || wgx_pubkey_lookup(&dev->pubkeys, pub))
		return -EBADMSG;
	*prev_id = id;
	/* The peer keeps its id: the XDP plane's maps name peers by it. */
	dev->next_peer_id = id;
	peer = wgx_peer_create(dev, pub, now);
	if (!peer)
		return -ENOMEM;
	hs = &peer->secrets->handshake;
	get_handshake(r, hs, now);
	peer->hs_index = wgx_get_u32(r);
	if (r->bad || (peer->hs_index && peer->hs_index != hs->local_index)) {
		peer->hs_index = 0;
		return -EBADMSG;
	}
	if (peer->hs_index) {
		struct wgx_index_entry e = { .type = WGX_INDEX_HANDSHAKE, .ptr = hs, .peer = peer };

		ret = wgx_index_add(&dev->index, peer->hs_index, &e);
		if (ret) {
			peer->hs_index = 0;
			return ret == -ENOMEM ? -ENOMEM : -EBADMSG;
		}
	}
	get_cookie(r, &peer->secrets->cookie, now);
	get_endpoint(r, &ep);
	if (r->bad)
		return -EBADMSG;
	wgx_peer_set_endpoint(peer, &ep);
	peer->rx_bytes = wgx_get_u64(r);
	peer->tx_bytes = wgx_get_u64(r);
	peer->last_handshake_wall_ns = wgx_get_u64(r);
	peer->persistent_keepalive = wgx_get_u16(r);
	peer->log_up = wgx_get_bool(r);
	get_timers(r, &peer->timers, now);
	if (r->bad)
		return -EBADMSG;
	ret = get_keypair(r, peer, &peer->keypairs.previous, now) ?:
	      get_keypair(r, peer, &peer->keypairs.current, now) ?:
	      get_keypair(r, peer, &peer->keypairs.next, now) ?: get_aips(r, peer);
	if (ret)
		return ret;
	wgx_peer_timers_changed(peer);
	return 0;
}

void wgx_state_export(const struct wgx_device *dev, uint64_t now, struct wgx_writer *w)
{
	const struct wgx_cookie_checker *ck = dev->cookie_checker;

	wgx_put_u16(w, dev->listen_port);
	wgx_put_u16(w, dev->port);
	wgx_put_u32(w, dev->fwmark);
	wgx_put_u8(w, dev->up);
	wgx_put_u32(w, dev->next_peer_id);
	wgx_put_u8(w, dev->identity->has_identity);
	wgx_put_bytes(w, dev->identity->static_private, WGX_KEY_LEN);
	wgx_put_bytes(w, ck->secret, WGX_HASH_LEN);
	put_time(w, ck->secret_birthdate, now);
	wgx_put_u32(w, WGX_REASON_MAX);
	for (int i = 0; i < WGX_REASON_MAX; i++)
		wgx_put_u64(w, dev->stats[i]);
	wgx_put_u32(w, dev->n_peers);
	for (struct wgx_peer *p = dev->peers; p; p = p->next)
		put_peer(w, dev, p, now);
}

int wgx_state_import(struct wgx_device *dev, uint64_t now, struct wgx_reader *r)
{
	struct wgx_cookie_checker *ck = dev->cookie_checker;
	uint8_t key[WGX_KEY_LEN];
	uint32_t next_id, n_reasons, n_peers, prev_id = 0;
	bool has_identity;
	int ret = 0;

	if (dev->n_peers || dev->identity->has_identity)
		return -EINVAL;
	dev->listen_port = wgx_get_u16(r);
	dev->port = wgx_get_u16(r);
	dev->fwmark = wgx_get_u32(r);
	dev->up = wgx_get_bool(r);
	next_id = wgx_get_u32(r);
	has_identity = wgx_get_bool(r);
	/* The key passes through this frame only; wiped below. */
	wgx_get_bytes(r, key, WGX_KEY_LEN);
	if (r->bad || next_id == 0) {
		ret = -EBADMSG;
		goto out;
	}
	wgx_noise_set_private_key(dev->identity, has_identity ? key : NULL);
	wgx_cookie_checker_set_identity(dev->cookie_checker,
					has_identity ? dev->identity->static_public : NULL);
	wgx_get_bytes(r, ck->secret, WGX_HASH_LEN);
	ck->secret_birthdate = get_time(r, now);
	n_reasons = wgx_get_u32(r);
	for (uint32_t i = 0; i < n_reasons && !r->bad; i++) {
		uint64_t v = wgx_get_u64(r);

		/* Reasons are never renumbered: an older binary's are a prefix of ours. */
		if (i < WGX_REASON_MAX)
			dev->stats[i] = v;
	}
	n_peers = wgx_get_u32(r);
	if (r->bad || n_peers > WGX_MAX_PEERS_PER_DEVICE || n_peers >= next_id) {
		ret = -EBADMSG;
		goto out;
	}
	for (uint32_t i = 0; i < n_peers && !ret; i++)
		ret = get_peer(r, dev, &prev_id, next_id, now);
	dev->next_peer_id = next_id;
	if (!ret && r->bad)
		ret = -EBADMSG;
	if (!ret)
		wgx_device_hook(dev, listen_port, dev->port);
out:
	sodium_memzero(key, sizeof(key));
	return ret;
}
