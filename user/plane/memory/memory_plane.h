/* SPDX-License-Identifier: MIT */
/*
 * The in-memory plane: devices joined in one process by a wire of queues,
 * like wireguard-go's conn/bindtest and tun/tuntest. Tests (and fuzzers)
 * drive the real core through it without sockets, TUN, root or a real
 * clock: what one device sends to an address lands in the queue of the
 * device that has that address, with the sender's address as its source,
 * and stays there until the test pumps it into the core. What the core
 * delivers is kept for the test to read.
 *
 * Single-threaded, like the control thread it stands in for.
 */
#ifndef WGX_MEMORY_PLANE_H
#define WGX_MEMORY_PLANE_H

#include <stddef.h>
#include <stdint.h>

#include "core/send.h"
#include "lib/endpoint.h"

struct wgx_device;

#define WGX_MEMORY_QUEUE 256		/* datagrams waiting per device; more are lost */
#define WGX_MEMORY_DATAGRAM 2048	/* largest datagram carried */
#define WGX_MEMORY_DELIVERED 256	/* inner packets kept per device; more are lost */

struct wgx_memory_datagram {
	uint8_t buf[WGX_MEMORY_DATAGRAM];
	size_t len;
	struct wgx_endpoint from;	/* the sender's address, as a socket would report it */
};

struct wgx_memory_plane {
	struct wgx_device *dev;
	struct wgx_memory_wire *wire;
	union wgx_sockaddr addr;	/* this device's address on the wire */
	struct wgx_memory_datagram queue[WGX_MEMORY_QUEUE];
	unsigned int head, len;
	struct {
		uint8_t data[WGX_MEMORY_DATAGRAM];
		size_t len;
	} delivered[WGX_MEMORY_DELIVERED];
	unsigned int n_delivered;
	uint64_t sent, lost;		/* datagrams sent, and of them lost (no such address, queue full) */
	uint64_t deliver_calls;		/* deliver ops: batches, not packets */
	struct wgx_memory_datagram pumped[WGX_MEMORY_QUEUE];	/* what pump hands over */
	uint8_t injected[WGX_SEND_HEADROOM + WGX_MEMORY_DATAGRAM + WGX_SEND_TAILROOM];
};

#define WGX_MEMORY_WIRE_PLANES 8

/* The wire: the planes on it, found by address. */
struct wgx_memory_wire {
	struct wgx_memory_plane *planes[WGX_MEMORY_WIRE_PLANES];
	unsigned int n;
};

/*
 * Become @dev's plane with address @addr (its port is what bind reports)
 * on @wire. NULL when out of memory or the wire is full.
 */
struct wgx_memory_plane *wgx_memory_plane_create(struct wgx_device *dev,
						 struct wgx_memory_wire *wire,
						 const union wgx_sockaddr *addr);
/* Leave the wire; the device forgets the plane (destroy the device after). NULL-safe. */
void wgx_memory_plane_destroy(struct wgx_memory_plane *p);

/* Move to another address (roaming): what follows is sent from it. */
void wgx_memory_plane_move(struct wgx_memory_plane *p, const union wgx_sockaddr *addr);

/* Hand every queued datagram to the core (wgx_receive_batch) at @now. Returns how many. */
unsigned int wgx_memory_plane_pump(struct wgx_memory_plane *p, uint64_t now);
/* Take the oldest queued datagram out without the core seeing it. 0 or -ENOENT. */
int wgx_memory_plane_take(struct wgx_memory_plane *p, struct wgx_memory_datagram *out);
/* Queue @d again (a replay, a reordering, a forgery). 0 or -ENOSPC. */
int wgx_memory_plane_put(struct wgx_memory_plane *p, const struct wgx_memory_datagram *d);

/* One inner packet "read from the tunnel" (wgx_send_tunnel_batch). */
void wgx_memory_plane_inject(struct wgx_memory_plane *p, const void *pkt, size_t len,
			     uint64_t now);
/* Forget what was delivered so far. */
void wgx_memory_plane_clear_delivered(struct wgx_memory_plane *p);

#endif
