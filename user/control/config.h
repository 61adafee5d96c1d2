/* SPDX-License-Identifier: MIT */
/*
 * The `wg setconf` configuration file ([Interface] PrivateKey, ListenPort,
 * FwMark; [Peer] PublicKey, PresharedKey, AllowedIPs, Endpoint,
 * PersistentKeepalive), read with the rules of wireguard-tools' config.c:
 * '#' starts a comment, every whitespace character is dropped, section names
 * and keys are case-insensitive, an empty value is an unrecognized line.
 */
#ifndef WGX_CONFIG_H
#define WGX_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "control/uapi.h"

/*
 * Parse the NUL-terminated text into *out with `wg setconf` semantics:
 * replace_peers, and private_key / listen_port / fwmark always set (zero when
 * absent); every peer has replace_allowed_ips unless one of its AllowedIPs
 * entries carries a '+' or '-' prefix (incremental, newer wg). Endpoints are
 * tried as numeric addresses first, then resolved once with getaddrinfo()
 * (no retries; may block on DNS, so call it outside the packet path).
 *
 * allow_wg_quick_keys: accept and ignore wg-quick's [Interface] keys
 * (Address, DNS, MTU, Table, PreUp, PostUp, PreDown, PostDown, SaveConfig);
 * when false they are errors, as in `wg setconf`.
 *
 * Returns 0, or -EINVAL with a message "line N: ..." in err (errlen > 0; key
 * values are never echoed), -E2BIG past the uapi.h request bounds, -ENOMEM.
 * *out is always initialised; free it with wgx_uapi_set_free().
 */
int wgx_config_parse(const char *text, bool allow_wg_quick_keys, struct wgx_uapi_set *out,
		     char *err, size_t errlen);

#endif
