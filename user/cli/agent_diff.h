/* SPDX-License-Identifier: MIT */
/*
 * The difference between the desired and the running state of one
 * interface, as one UAPI change set (core/uapi_set.h) that never replaces
 * peers, so the sessions of every peer the change does not remove survive:
 *   - running peers absent from desired:   remove=true;
 *   - desired peers absent from running:   added with all their fields;
 *   - peers in both:                       update_only=true with only the
 *     fields that differ: preshared key, persistent keepalive, endpoint (see
 *     below), and replace_allowed_ips=true + the full list only when the
 *     sorted sets of allowed IPs differ; a peer with no difference is left out;
 *   - private_key / listen_port / fwmark: only those the desired file names,
 *     only when they differ from the running ones.
 * Removals come first in the set, then additions and updates.
 *
 * Endpoints roam: a peer's running endpoint is the address it last sent from.
 * The desired endpoint is applied when the peer is new or has none, or when
 * it differs from the running one and is not the endpoint the agent applied
 * last time for that peer (the ConfigMap changed it), so a reload never
 * undoes a roam the file did not ask for.
 */
#ifndef WGX_AGENT_DIFF_H
#define WGX_AGENT_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/agent_state.h"

/* The endpoints (and names, for logs) of the last applied desired state, sorted by key. */
struct wgx_agent_endpoint {
	uint8_t public_key[WGX_KEY_LEN];
	bool has_endpoint;
	struct sockaddr_storage endpoint;
	char name[WGX_AGENT_NAME_MAX];
};

struct wgx_agent_endpoints {
	size_t n;
	struct wgx_agent_endpoint *v;
};

struct wgx_agent_counts {
	size_t added, removed, updated;
	bool device; /* a device-level key changed */
};

/*
 * Fill *change (initialised here; free with wgx_uapi_set_free) with the
 * difference; prev may be empty (first run: every differing endpoint is
 * applied). Peers whose key is the device's own public key (derived from the
 * desired private key, or the running one) are skipped: the device ignores
 * them. Returns 0 or -ENOMEM/-E2BIG. change->n_peers == 0 and !counts->device
 * means nothing to do.
 */
int wgx_agent_diff(const struct wgx_agent_desired *d, const struct wgx_uapi_set *running,
		   const struct wgx_agent_endpoints *prev, struct wgx_uapi_set *change,
		   struct wgx_agent_counts *counts);

/* Remember d's endpoints as the applied ones (replacing *prev). 0 or -ENOMEM. */
int wgx_agent_endpoints_save(struct wgx_agent_endpoints *prev, const struct wgx_agent_desired *d);
void wgx_agent_endpoints_free(struct wgx_agent_endpoints *prev);
/* The friendly name prev recorded for key, or "" (for removal logs). */
const char *wgx_agent_endpoints_name(const struct wgx_agent_endpoints *prev,
				     const uint8_t key[WGX_KEY_LEN]);

/* Same address family, address, port (and IPv6 scope). */
bool wgx_agent_endpoint_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

#endif
