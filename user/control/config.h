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

#include <net/if.h>
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

/*
 * The same for text_len bytes that need no terminating NUL. A NUL byte inside
 * them is an error ("line N: embedded NUL byte"), never an early end of file:
 * `wg setconf` would silently lose everything after it. The line buffer the
 * parser works in is locked secret memory (core/secret.h), wiped after use.
 */
int wgx_config_parse_n(const char *text, size_t text_len, bool allow_wg_quick_keys,
		       struct wgx_uapi_set *out, char *err, size_t errlen);

/* Bound on a configuration file (a full 2^20 allowed IPs fit). */
#define WGX_CONFIG_MAX (64U << 20)

/*
 * Read the file at path and parse it as wgx_config_parse_n(). The text is
 * read into locked memory and wiped before return, so the keys it holds never
 * sit in ordinary heap. Errors are explained in err as for the parser, or
 * with the errno's text: -EISDIR for a directory, -EFBIG past WGX_CONFIG_MAX,
 * -ENOENT/-EACCES/... from open(). *out is always initialised.
 */
int wgx_config_load(const char *path, bool allow_wg_quick_keys, struct wgx_uapi_set *out,
		    char *err, size_t errlen);

/*
 * wg-xdp's own keys, which `wg setconf` would refuse, for `attach --config`:
 *   [Interface] Underlay = IFACE | auto
 * the NIC XDP mode attaches to; auto (as no Underlay and no IFACE argument):
 * chosen from the routes and chosen again when they change (control/underlay.h).
 * Empty when the file does not say.
 */
struct wgx_config_own {
	char underlay[IF_NAMESIZE];
};

/* wgx_config_load(path, false, ...) that also takes wg-xdp's own keys into *own. */
int wgx_config_load_own(const char *path, struct wgx_uapi_set *out, struct wgx_config_own *own,
			char *err, size_t errlen);

#endif
