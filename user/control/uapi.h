/* SPDX-License-Identifier: MIT */
/*
 * The cross-platform userspace configuration protocol of WireGuard
 * (https://www.wireguard.com/xplatform/), as wireguard-go speaks it and as
 * `wg` (wireguard-tools, ipc-uapi.h) sends and parses it. Pure parsing and
 * formatting, no I/O: the socket side is uapi_server.c; the change set and
 * view types, and the order the device applies a set in, are core/uapi_set.h.
 */
#ifndef WGX_UAPI_H
#define WGX_UAPI_H

#include <stddef.h>
#include <stdint.h>

#include "core/uapi_set.h"

/*
 * Parse the body of a "set=1" request: the '\n'-terminated lines after
 * "set=1\n", optionally followed by the terminating blank line (nothing may
 * follow it). Fills *out (always initialised; free it with
 * wgx_uapi_set_free() whatever the result). Returns 0, or the errno that
 * wireguard-go would answer with: -EPROTO for a line without '=' or an
 * unterminated last line, -EIO for a line over WGX_UAPI_MAX_LINE, -EINVAL for
 * everything else that is wrong (unknown key, bad value, a peer key before
 * any public_key, embedded NUL), -E2BIG over the request bounds, -ENOMEM.
 * Pure function of its input; any thread.
 */
int wgx_uapi_parse_set(const char *body, size_t len, struct wgx_uapi_set *out);

/*
 * Parse a numeric IPv4 or IPv6 address of exactly len characters (no zone).
 * Returns AF_INET or AF_INET6 and fills addr (4 or 16 bytes), or -EINVAL.
 */
int wgx_uapi_parse_addr(const char *s, size_t len, uint8_t addr[16]);

/*
 * Format the complete answer to "get=1": exactly wireguard-go's keys, order
 * and spelling (private_key, listen_port, fwmark, then per peer public_key,
 * preshared_key, protocol_version=1, endpoint, last_handshake_time_sec,
 * last_handshake_time_nsec, tx_bytes, rx_bytes,
 * persistent_keepalive_interval, allowed_ip...), then "errno=0\n\n".
 * Addresses are written as Go's netip writes them. On success *out is a
 * malloc'd buffer of *out_len bytes (plus a NUL not counted) holding key
 * material: release it with wgx_uapi_buf_free(). Returns 0 or -ENOMEM/-EINVAL.
 */
int wgx_uapi_format_get(const struct wgx_uapi_device_view *v, char **out, size_t *out_len);

/* Zero and free a buffer from wgx_uapi_format_get(). NULL-safe. */
void wgx_uapi_buf_free(char *buf, size_t len);

/*
 * Write addr (4 or 16 bytes of family) as Go's netip.Addr.String() does:
 * dotted quad, RFC 5952 IPv6, "::ffff:a.b.c.d" for IPv4-mapped. out needs
 * 46 bytes. Returns the length written (without the NUL).
 */
size_t wgx_uapi_format_addr(char out[46], int family, const uint8_t *addr);

#endif
