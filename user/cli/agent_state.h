/* SPDX-License-Identifier: MIT */
/*
 * The two states `wg-xdp agent` compares, both held as a core/uapi_set.h
 * change set with its peers sorted by public key and each peer's allowed IPs
 * sorted and without duplicates:
 *   desired: a `wg setconf` file (the ConfigMap's NAME.conf) plus what the
 *            agent needs to know beyond it: which [Interface] keys the file
 *            names (only those are managed) and each peer's friendly name;
 *   running: the device's "get=1" answer.
 * Both hold key material: release them with their _free() (zeroed).
 */
#ifndef WGX_AGENT_STATE_H
#define WGX_AGENT_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "control/uapi.h"

#define WGX_AGENT_NAME_MAX 64 /* friendly_name, with its NUL */

struct wgx_agent_desired {
	struct wgx_uapi_set set; /* replace_peers and the has_* device flags ignored */
	/* [Interface] keys present in the file: the agent leaves the others alone. */
	bool manage_private_key, manage_listen_port, manage_fwmark;
	/* names[i] belongs to set.peers[i]; "" when the peer has none. */
	char (*names)[WGX_AGENT_NAME_MAX];
};

/*
 * Parse a desired-state file. Beyond wgx_config_parse() (wg-quick keys are
 * errors, as in `wg setconf`) it rejects what a full desired state cannot
 * mean: incremental AllowedIPs ('+'/'-' prefixes), a public key in two [Peer]
 * sections, one prefix in two peers. A comment line "# friendly_name=NAME"
 * inside a [Peer] section names that peer in logs (NAME: up to 63 printable
 * characters, no spaces). Returns 0 or -EINVAL/-E2BIG/-ENOMEM with a message
 * in err (never a key). *out is always initialised.
 */
int wgx_agent_desired_parse(const char *text, struct wgx_agent_desired *out, char *err,
			    size_t errlen);
void wgx_agent_desired_free(struct wgx_agent_desired *d);

/*
 * Move into d (a file's state) the peers of from (the API's) whose key d
 * lacks: the file wins a key both name (*shadowed counts those left in
 * from). d stays sorted; a prefix then in two peers makes it -EINVAL with
 * err, as in one file. 0, -EINVAL, -E2BIG or -ENOMEM.
 */
int wgx_agent_desired_merge(struct wgx_agent_desired *d, struct wgx_agent_desired *from,
			    size_t *shadowed, char *err, size_t errlen);

/*
 * Parse a complete "get=1" reply (ending "errno=0\n\n") into *out: device
 * keys present only when reported; every peer with has_psk (all-zero = none),
 * has_keepalive, and has_endpoint when one is known. A reply carrying a
 * non-zero errno gives -EIO; a malformed one -EPROTO. *out is always
 * initialised.
 */
int wgx_agent_running_parse(const char *reply, struct wgx_uapi_set *out);

/* Sort s's peers by public key and each peer's allowed IPs (deduplicated). */
void wgx_agent_set_sort(struct wgx_uapi_set *s);

/* Binary search in a sorted set: the peer with that key, or NULL. */
struct wgx_uapi_peer_change *wgx_agent_set_find(const struct wgx_uapi_set *s,
						const uint8_t key[WGX_KEY_LEN]);

/* bsearch() comparator of a key against a struct whose first member is the key. */
int wgx_agent_key_cmp(const void *key, const void *elem);

/* Total order on prefixes (family, address, length); 0 = equal. */
int wgx_agent_cidr_cmp(const struct wgx_uapi_cidr *a, const struct wgx_uapi_cidr *b);

#endif
