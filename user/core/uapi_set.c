// SPDX-License-Identifier: MIT
/* The change set's builder and destructor (uapi_set.h): used by every parser. */
#include "core/uapi_set.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static void cidr_mask(struct wgx_uapi_cidr *c)
{
	unsigned int nbytes = c->family == AF_INET ? 4 : 16;

	for (unsigned int i = 0; i < 16; i++) {
		unsigned int bit = i * 8;

		if (i >= nbytes || bit >= c->cidr)
			c->addr[i] = 0;
		else if (bit + 8 > c->cidr)
			c->addr[i] &= (uint8_t)(0xff00 >> (c->cidr - bit));
	}
}

int wgx_uapi_set_add_peer(struct wgx_uapi_set *s, const uint8_t public_key[WGX_KEY_LEN],
			  struct wgx_uapi_peer_change **out)
{
	struct wgx_uapi_peer_change *p;

	if (s->n_peers >= WGX_UAPI_MAX_PEERS)
		return -E2BIG;
	if (s->n_peers == s->cap_peers) {
		size_t cap = s->cap_peers ? s->cap_peers * 2 : 8;

		/* Not realloc: the old array holds preshared keys to wipe. */
		p = calloc(cap, sizeof(*p));
		if (!p)
			return -ENOMEM;
		if (s->peers) {
			memcpy(p, s->peers, s->n_peers * sizeof(*p));
			sodium_memzero(s->peers, s->cap_peers * sizeof(*p));
			free(s->peers);
		}
		s->peers = p;
		s->cap_peers = cap;
	}
	p = &s->peers[s->n_peers++];
	memset(p, 0, sizeof(*p));
	memcpy(p->public_key, public_key, WGX_KEY_LEN);
	*out = p;
	return 0;
}

int wgx_uapi_peer_add_cidr(struct wgx_uapi_set *s, struct wgx_uapi_peer_change *p,
			   const struct wgx_uapi_cidr *c)
{
	if (s->total_allowed_ips >= WGX_UAPI_MAX_ALLOWED_IPS)
		return -E2BIG;
	if (p->n_allowed_ips == p->cap_allowed_ips) {
		size_t cap = p->cap_allowed_ips ? p->cap_allowed_ips * 2 : 4;
		struct wgx_uapi_cidr *a = realloc(p->allowed_ips, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		p->allowed_ips = a;
		p->cap_allowed_ips = cap;
	}
	p->allowed_ips[p->n_allowed_ips] = *c;
	cidr_mask(&p->allowed_ips[p->n_allowed_ips]);
	p->n_allowed_ips++;
	s->total_allowed_ips++;
	return 0;
}

void wgx_uapi_peer_clear_cidrs(struct wgx_uapi_set *s, struct wgx_uapi_peer_change *p)
{
	s->total_allowed_ips -= p->n_allowed_ips;
	p->n_allowed_ips = 0;
}

void wgx_uapi_set_free(struct wgx_uapi_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_peers; i++)
		free(s->peers[i].allowed_ips);
	if (s->peers) {
		sodium_memzero(s->peers, s->cap_peers * sizeof(*s->peers));
		free(s->peers);
	}
	sodium_memzero(s, sizeof(*s));
}
