/* SPDX-License-Identifier: MIT */
/*
 * A configuration change set (what "set=1" and a config file ask for) and a
 * device view (what "get=1" reports): plain data the parsers in control/
 * fill and format, and the device (core/device.c) applies and snapshots.
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
#ifndef WGX_UAPI_SET_H
#define WGX_UAPI_SET_H

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

#endif
