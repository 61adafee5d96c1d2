/* SPDX-License-Identifier: MIT */
/* A change set (core/uapi_set.h) written as a UAPI "set=1" request. */
#ifndef WGX_AGENT_FMT_H
#define WGX_AGENT_FMT_H

#include <stddef.h>

#include "core/uapi_set.h"

/*
 * Write s as a complete request ("set=1\n" ... "\n"), keys in hex, peers in
 * s's order, each with update_only / remove, preshared_key, endpoint,
 * persistent_keepalive_interval, replace_allowed_ips and allowed_ip lines for
 * what it has; replace_peers is never written. *out is malloc'd and
 * NUL-terminated, *len its length; it may hold key material: release it with
 * wgx_uapi_buf_free(). 0 or -ENOMEM.
 */
int wgx_agent_format_set(const struct wgx_uapi_set *s, char **out, size_t *len);

#endif
