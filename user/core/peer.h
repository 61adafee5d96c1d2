/* SPDX-License-Identifier: MIT */
/* A peer of a device: its keys, handshake, sessions, timers, endpoint and counters. */
#ifndef WGX_PEER_H
#define WGX_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/cookie.h"
#include "lib/endpoint.h"
#include "core/noise.h"
#include "core/timers.h"

struct wgx_device;

/* Packets waiting for a session, bounded like the kernel's MAX_STAGED_PACKETS. */
#define WGX_MAX_STAGED_PACKETS 128

struct wgx_staged_packet {
	uint32_t len;
	unsigned char data[];
};

/* Key material of a peer, kept in locked memory (wgx_secret_alloc). */
struct wgx_peer_secrets {
	struct wgx_handshake handshake;
	struct wgx_cookie cookie;
	struct wgx_peer *peer;
};

struct wgx_peer {
	struct wgx_device *dev;
	struct wgx_peer *next, *prev;
	uint32_t id;			/* stable for the peer's life; BPF maps use it */
	uint8_t public_key[WGX_KEY_LEN];
	struct wgx_peer_secrets *secrets;
	struct wgx_keypairs keypairs;
	struct wgx_timers timers;
	struct wgx_endpoint endpoint;
	uint64_t rx_bytes, tx_bytes;
	uint64_t last_handshake_wall_ns;	/* 0: never */
	uint32_t hs_index;		/* index table slot of the handshake, 0: none */
	uint32_t timerq_pos;		/* managed by timerq.c */
	uint16_t persistent_keepalive;	/* seconds, as configured */
	/* ring of staged packets; allocated on first use, freed when drained */
	struct wgx_staged_packet **staged;
	uint16_t staged_head, staged_len;
	void *plane_priv;		/* the plane's own per-peer state (plane/xdp: ordered queues) */
	bool log_up;			/* control/peerlog.c: last state it reported */
};

/* Create a peer with @public_key (not yet in any table but the pubkey one). Control thread. */
struct wgx_peer *wgx_peer_create(struct wgx_device *dev, const uint8_t public_key[WGX_KEY_LEN],
				 uint64_t now);
/* Remove from every table, zero and free all its keys. Control thread. */
void wgx_peer_remove(struct wgx_peer *peer);

/* The timers changed: move the peer in the device's timer queue. */
void wgx_peer_timers_changed(struct wgx_peer *peer);

/* Give the handshake a fresh receiver index (dropping its previous one). */
int wgx_peer_new_handshake_index(struct wgx_peer *peer);
/* begin_session made @kp from the handshake: its index now names the keypair. */
int wgx_peer_handshake_index_to_keypair(struct wgx_peer *peer, struct wgx_keypair *kp);

/* Remove the dropped keypairs' indices and free them, or hand them to the plane. */
void wgx_peer_release_keypairs(struct wgx_peer *peer, struct wgx_keypair_drops *drops);
/* Forget every session and handshake (key change, zero-keys timer). */
void wgx_peer_zero_keys(struct wgx_peer *peer);

/* Queue a packet until a session exists; drops the oldest when full. */
void wgx_peer_stage(struct wgx_peer *peer, const void *pkt, size_t len);
void wgx_peer_purge_staged(struct wgx_peer *peer);

/* Take the peer's allowed IPs out of the table mirror (before they leave the trie). */
void wgx_peer_unmirror_allowedips(struct wgx_peer *peer);

/* Learn the peer's address from an authenticated packet (roaming). */
void wgx_peer_set_endpoint(struct wgx_peer *peer, const struct wgx_endpoint *ep);

#endif
