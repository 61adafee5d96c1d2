/* SPDX-License-Identifier: MIT */
/*
 * The cross-platform userspace configuration protocol of WireGuard
 * (https://www.wireguard.com/xplatform/), as wireguard-go speaks it and as
 * `wg` (wireguard-tools, ipc-uapi.h) sends and parses it. Pure parsing and
 * formatting, no I/O: the socket side is uapi_server.c, the device applies
 * the change sets.
 *
 * Unlike wireguard-go, which applies each `set` line as it reads it, a whole
 * request is parsed and validated into one wgx_uapi_set first; an invalid
 * request therefore changes nothing. The device applies a valid set in this
 * order, which gives the same end state as wireguard-go's line-by-line
 * application:
 *   1. replace_peers: remove every peer;
 *      private_key (all-zero = no key), listen_port, fwmark (0 = none);
 *   2. each peers[i] in request order (a public key may appear more than once):
 *      remove        -> remove that peer if it exists, nothing else;
 *      update_only   -> if the peer does not exist, skip the entry entirely;
 *      otherwise create the peer if needed, then set preshared_key (all-zero =
 *      none), endpoint, persistent_keepalive; replace_allowed_ips removes the
 *      peer's allowed IPs; then allowed_ips[] in order, each inserted (taken
 *      from any other peer) or, with .remove, deleted if it belongs to this
 *      peer. A peer whose public key equals the device's own is ignored, as
 *      in wireguard-go (the device knows its key, the parser does not).
 */
#ifndef WGX_UAPI_H
#define WGX_UAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "wgx_consts.h"

/*
 * Bounds on one request, so a request's memory is bounded before the device
 * sees it. One request may carry up to the kernel's per-device peer limit and
 * 2^20 allowed IPs in total; a longer line gets -EIO, like wireguard-go's
 * 64 KiB bufio.Scanner limit.
 */
#define WGX_UAPI_MAX_PEERS WGX_MAX_PEERS_PER_DEVICE
#define WGX_UAPI_MAX_ALLOWED_IPS (1U << 20)
#define WGX_UAPI_MAX_LINE 65535

struct wgx_uapi_cidr {
	int family;	  /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network byte order, host bits cleared */
	uint8_t cidr;	  /* 0..32 or 0..128 */
	bool remove;	  /* "allowed_ip=-PREFIX" (wireguard-tools >= 1.0.20250521) */
};

struct wgx_uapi_peer_change {
	uint8_t public_key[WGX_KEY_LEN];
	bool remove, update_only, has_psk, has_endpoint, has_keepalive, replace_allowed_ips;
	uint8_t preshared_key[WGX_KEY_LEN]; /* all-zero = remove psk */
	struct sockaddr_storage endpoint;   /* sockaddr_in or sockaddr_in6 */
	uint16_t persistent_keepalive;	    /* seconds, 0 = off */
	size_t n_allowed_ips;
	struct wgx_uapi_cidr *allowed_ips;
	size_t cap_allowed_ips; /* bookkeeping of the builder below */
};

struct wgx_uapi_set {
	bool has_private_key, has_listen_port, has_fwmark, replace_peers;
	uint8_t private_key[WGX_KEY_LEN]; /* all-zero = remove private key */
	uint16_t listen_port;		  /* 0 = pick a free port */
	uint32_t fwmark;		  /* 0 = none */
	size_t n_peers;
	struct wgx_uapi_peer_change *peers;
	size_t cap_peers, total_allowed_ips; /* bookkeeping of the builder below */
};

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

/* Zero every key in s, free its arrays and leave s empty. NULL-safe. */
void wgx_uapi_set_free(struct wgx_uapi_set *s);

/*
 * Builder used by the UAPI and config parsers: append a peer entry with
 * public_key (other fields zero) and return it in *out, or append one prefix
 * to peer p (host bits are cleared here). Return 0, -E2BIG past the bounds
 * above, or -ENOMEM. *out stays valid until the next add_peer.
 */
int wgx_uapi_set_add_peer(struct wgx_uapi_set *s, const uint8_t public_key[WGX_KEY_LEN],
			  struct wgx_uapi_peer_change **out);
int wgx_uapi_peer_add_cidr(struct wgx_uapi_set *s, struct wgx_uapi_peer_change *p,
			   const struct wgx_uapi_cidr *c);
/* Drop p's allowed IPs collected so far (a replace_allowed_ips line). */
void wgx_uapi_peer_clear_cidrs(struct wgx_uapi_set *s, struct wgx_uapi_peer_change *p);

/*
 * Parse a numeric IPv4 or IPv6 address of exactly len characters (no zone).
 * Returns AF_INET or AF_INET6 and fills addr (4 or 16 bytes), or -EINVAL.
 */
int wgx_uapi_parse_addr(const char *s, size_t len, uint8_t addr[16]);

/* A read-only snapshot of the device that the device fills for a "get=1". */
struct wgx_uapi_peer_view {
	uint8_t public_key[WGX_KEY_LEN], preshared_key[WGX_KEY_LEN];
	bool has_psk;
	struct sockaddr_storage endpoint;
	bool has_endpoint;
	uint64_t last_handshake_ns; /* wall clock (CLOCK_REALTIME), 0 = never */
	uint64_t rx_bytes, tx_bytes;
	uint16_t persistent_keepalive;
	size_t n_allowed_ips;
	struct wgx_uapi_cidr *allowed_ips; /* .remove ignored */
};

struct wgx_uapi_device_view {
	bool has_private_key; /* set only when a non-zero key is configured */
	uint8_t private_key[WGX_KEY_LEN];
	uint16_t listen_port; /* 0 = not bound: omitted, like wireguard-go */
	uint32_t fwmark;      /* 0 = omitted */
	size_t n_peers;
	struct wgx_uapi_peer_view *peers;
};

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
