// SPDX-License-Identifier: MIT
/* Desired minus running: the change set `wg-xdp agent` sends (agent_diff.h). */
#include "cli/agent_diff.h"

#include <errno.h>
#include <stddef.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"

bool wgx_agent_endpoint_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return x->sin6_port == y->sin6_port && x->sin6_scope_id == y->sin6_scope_id &&
		       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
	}
	return false;
}

_Static_assert(offsetof(struct wgx_agent_endpoint, public_key) == 0, "key first: bsearch");

static const struct wgx_agent_endpoint *prev_find(const struct wgx_agent_endpoints *prev,
						  const uint8_t key[WGX_KEY_LEN])
{
	if (!prev || !prev->n)
		return NULL;
	return bsearch(key, prev->v, prev->n, sizeof(*prev->v), wgx_agent_key_cmp);
}

static bool cidrs_equal(const struct wgx_uapi_peer_change *a, const struct wgx_uapi_peer_change *b)
{
	if (a->n_allowed_ips != b->n_allowed_ips)
		return false;
	for (size_t i = 0; i < a->n_allowed_ips; i++)
		if (wgx_agent_cidr_cmp(&a->allowed_ips[i], &b->allowed_ips[i]))
			return false;
	return true;
}

static int copy_cidrs(struct wgx_uapi_set *change, struct wgx_uapi_peer_change *to,
		      const struct wgx_uapi_peer_change *from)
{
	to->replace_allowed_ips = true;
	for (size_t i = 0; i < from->n_allowed_ips; i++) {
		int ret = wgx_uapi_peer_add_cidr(change, to, &from->allowed_ips[i]);

		if (ret)
			return ret;
	}
	return 0;
}

static bool want_endpoint(const struct wgx_uapi_peer_change *want,
			  const struct wgx_uapi_peer_change *run,
			  const struct wgx_agent_endpoints *prev)
{
	const struct wgx_agent_endpoint *last;

	if (!want->has_endpoint)
		return false;
	if (!run || !run->has_endpoint)
		return true;
	if (wgx_agent_endpoint_equal(&want->endpoint, &run->endpoint))
		return false;
	last = prev_find(prev, want->public_key);
	return !last || !last->has_endpoint ||
	       !wgx_agent_endpoint_equal(&last->endpoint, &want->endpoint);
}

/* One desired peer against its running twin (NULL: new). */
static int diff_peer(struct wgx_uapi_set *change, const struct wgx_uapi_peer_change *want,
		     const struct wgx_uapi_peer_change *run, const struct wgx_agent_endpoints *prev,
		     struct wgx_agent_counts *counts)
{
	static const uint8_t zero[WGX_KEY_LEN];
	const uint8_t *want_psk = want->has_psk ? want->preshared_key : zero;
	uint16_t want_ka = want->has_keepalive ? want->persistent_keepalive : 0;
	bool psk = !run ? want->has_psk && sodium_memcmp(want_psk, zero, WGX_KEY_LEN)
			: sodium_memcmp(want_psk, run->preshared_key, WGX_KEY_LEN) != 0;
	bool ka = !run ? want_ka != 0 : want_ka != run->persistent_keepalive;
	bool ep = want_endpoint(want, run, prev);
	bool aips = !run || !cidrs_equal(want, run);
	struct wgx_uapi_peer_change *p;
	int ret;

	if (run && !psk && !ka && !ep && !aips)
		return 0;
	ret = wgx_uapi_set_add_peer(change, want->public_key, &p);
	if (ret)
		return ret;
	p->update_only = run != NULL;
	if (psk) {
		p->has_psk = true;
		memcpy(p->preshared_key, want_psk, WGX_KEY_LEN);
	}
	if (ka) {
		p->has_keepalive = true;
		p->persistent_keepalive = want_ka;
	}
	if (ep) {
		p->has_endpoint = true;
		p->endpoint = want->endpoint;
	}
	if (aips) {
		ret = copy_cidrs(change, p, want);
		if (ret)
			return ret;
	}
	if (run)
		counts->updated++;
	else
		counts->added++;
	return 0;
}

static void diff_device(const struct wgx_agent_desired *d, const struct wgx_uapi_set *run,
			struct wgx_uapi_set *change, struct wgx_agent_counts *counts)
{
	static const uint8_t zero[WGX_KEY_LEN];
	const uint8_t *run_key = run->has_private_key ? run->private_key : zero;

	if (d->manage_private_key && sodium_memcmp(d->set.private_key, run_key, WGX_KEY_LEN)) {
		change->has_private_key = true;
		memcpy(change->private_key, d->set.private_key, WGX_KEY_LEN);
		counts->device = true;
	}
	/* The running port is the bound one: desired 0 ("pick one") matches any. */
	if (d->manage_listen_port && d->set.listen_port &&
	    d->set.listen_port != run->listen_port) {
		change->has_listen_port = true;
		change->listen_port = d->set.listen_port;
		counts->device = true;
	}
	if (d->manage_fwmark && d->set.fwmark != run->fwmark) {
		change->has_fwmark = true;
		change->fwmark = d->set.fwmark;
		counts->device = true;
	}
}

int wgx_agent_diff(const struct wgx_agent_desired *d, const struct wgx_uapi_set *running,
		   const struct wgx_agent_endpoints *prev, struct wgx_uapi_set *change,
		   struct wgx_agent_counts *counts)
{
	uint8_t own[WGX_KEY_LEN] = { 0 };
	bool have_own = false;
	int ret = 0;

	memset(change, 0, sizeof(*change));
	memset(counts, 0, sizeof(*counts));
	diff_device(d, running, change, counts);
	if (d->manage_private_key || running->has_private_key) {
		wgx_x25519_public(own, d->manage_private_key ? d->set.private_key
							     : running->private_key);
		have_own = true;
	}
	for (size_t i = 0; i < running->n_peers && !ret; i++) {
		struct wgx_uapi_peer_change *p;

		if (wgx_agent_set_find(&d->set, running->peers[i].public_key))
			continue;
		ret = wgx_uapi_set_add_peer(change, running->peers[i].public_key, &p);
		if (!ret) {
			p->remove = true;
			counts->removed++;
		}
	}
	for (size_t i = 0; i < d->set.n_peers && !ret; i++) {
		const struct wgx_uapi_peer_change *want = &d->set.peers[i];

		if (have_own && !memcmp(want->public_key, own, WGX_KEY_LEN))
			continue;
		ret = diff_peer(change, want, wgx_agent_set_find(running, want->public_key), prev,
				counts);
	}
	sodium_memzero(own, sizeof(own));
	return ret;
}

int wgx_agent_endpoints_save(struct wgx_agent_endpoints *prev, const struct wgx_agent_desired *d)
{
	struct wgx_agent_endpoint *v = calloc(d->set.n_peers ? d->set.n_peers : 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	/* d's peers are sorted by key, so v is too. */
	for (size_t i = 0; i < d->set.n_peers; i++) {
		memcpy(v[i].public_key, d->set.peers[i].public_key, WGX_KEY_LEN);
		v[i].has_endpoint = d->set.peers[i].has_endpoint;
		v[i].endpoint = d->set.peers[i].endpoint;
		memcpy(v[i].name, d->names[i], sizeof(v[i].name));
	}
	free(prev->v);
	prev->v = v;
	prev->n = d->set.n_peers;
	return 0;
}

void wgx_agent_endpoints_free(struct wgx_agent_endpoints *prev)
{
	free(prev->v);
	prev->v = NULL;
	prev->n = 0;
}

const char *wgx_agent_endpoints_name(const struct wgx_agent_endpoints *prev,
				     const uint8_t key[WGX_KEY_LEN])
{
	const struct wgx_agent_endpoint *e = prev_find(prev, key);

	return e ? e->name : "";
}
