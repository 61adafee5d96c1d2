/* SPDX-License-Identifier: MIT */
/*
 * A WireGuard interface as the daemon runs it: identity, peers, the tables
 * that find them (receiver index, public key, allowed IPs), cookie checker,
 * rate limiter, and the data plane it sends and delivers through (plane.h).
 *
 * Locking: the control thread owns everything here, and the planes call in
 * on that thread, so nothing is locked. The XDP plane's crypto workers only
 * touch keypairs (atomic counters, freed through keypair_retired).
 */
#ifndef WGX_DEVICE_H
#define WGX_DEVICE_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/allowedips.h"
#include "core/cookie.h"
#include "lib/endpoint.h"
#include "core/noise.h"
#include "core/peerlookup.h"
#include "core/plane.h"
#include "core/ratelimiter.h"
#include "core/timerq.h"
#include "wgx_reasons.h"

struct wgx_uapi_set;
struct wgx_uapi_device_view;

/* Handshakes per second above which the device asks for cookies (wireguard-go: 1/8 of its queue). */
#define WGX_UNDER_LOAD_HANDSHAKES_PER_SEC 1024
#define WGX_UNDER_LOAD_HOLD_NS (1 * WGX_NS_PER_SEC)
#define WGX_RATELIMITER_ENTRIES 16384

struct wgx_device {
	char name[IF_NAMESIZE];
	unsigned int mtu;
	uint32_t time_scale;	/* WGX_TEST_TIME_SCALE: 1 outside tests */

	struct wgx_static_identity *identity;	/* locked memory */
	struct wgx_cookie_checker *cookie_checker; /* locked memory: holds the cookie secret */
	struct wgx_ratelimiter ratelimiter;

	struct wgx_allowedips allowedips;
	struct wgx_index_table index;
	struct wgx_pubkey_table pubkeys;

	struct wgx_peer *peers;		/* list, in creation order */
	struct wgx_peer *peers_tail;
	uint32_t n_peers;
	uint32_t next_peer_id;
	struct wgx_timerq timerq;

	uint16_t listen_port;		/* as configured (0: random) */
	uint16_t port;			/* as bound, 0 while not */
	uint32_t fwmark;
	bool up;			/* sockets open: the device sends and receives */
	/* The data plane (wgx_device_set_plane) and the mirrors of the tables
	 * it keeps, if any (wgx_device_set_hooks). */
	const struct wgx_plane_ops *plane_ops;
	void *plane;
	const struct wgx_table_hooks *hooks;
	void *hooks_ctx;

	uint64_t handshakes_this_second, second_start, under_load_until;
	bool force_under_load;		/* WGX_TEST_UNDER_LOAD=1: test-only, always ask for cookies */
	uint64_t stats[WGX_REASON_MAX];
};

/* @time_scale: the timers' test acceleration (timers.h), 1 outside tests. */
struct wgx_device *wgx_device_create(const char *name, unsigned int mtu, uint32_t time_scale);
/* Remove every peer (the plane still set sees peer_removed), then free. */
void wgx_device_destroy(struct wgx_device *dev);

/* The plane the device sends and delivers through, before wgx_device_bind. */
void wgx_device_set_plane(struct wgx_device *dev, const struct wgx_plane_ops *ops, void *plane);
/* Mirror the tables through @hooks from now on (before any peer exists). */
void wgx_device_set_hooks(struct wgx_device *dev, const struct wgx_table_hooks *hooks, void *ctx);

/* Open the plane's UDP sockets on the configured port; at start and on port change. */
int wgx_device_bind(struct wgx_device *dev);

/*
 * Apply a validated UAPI/config change set in the order documented in uapi.h.
 * Control thread. Returns 0 or -errno (-EADDRINUSE for a taken port).
 */
int wgx_device_apply(struct wgx_device *dev, const struct wgx_uapi_set *set, uint64_t now);
/*
 * The same in parts, so that a set of 100k peers can be spread over many
 * loop turns: begin does step 1 (device-wide: port, replace_peers, key,
 * fwmark), then each apply_peers call applies up to @count more entries of
 * step 2 from set->peers[*next], advancing *next (done when it reaches
 * n_peers). The set must not change between the calls; nothing else may
 * apply a set in between. 0 or -errno (the entry that failed is counted in
 * *next; as for wgx_device_apply, those before it stay applied).
 */
int wgx_device_apply_begin(struct wgx_device *dev, const struct wgx_uapi_set *set);
int wgx_device_apply_peers(struct wgx_device *dev, const struct wgx_uapi_set *set, size_t *next,
			   size_t count, uint64_t now);

/* Snapshot for "get=1"; release with wgx_device_view_free. Control thread. */
int wgx_device_view(struct wgx_device *dev, struct wgx_uapi_device_view *view);
void wgx_device_view_free(struct wgx_uapi_device_view *view);

/* True while handshakes arrive faster than WGX_UNDER_LOAD_HANDSHAKES_PER_SEC (and 1 s after). */
bool wgx_device_under_load(struct wgx_device *dev, uint64_t now);

/* The same state without counting a handshake: for a plane that mirrors it
 * (XDP: WGX_CFG_UNDER_LOAD, so wgx_rx rate-limits handshakes per source). */
static inline bool wgx_device_is_under_load(const struct wgx_device *dev, uint64_t now)
{
	return dev->force_under_load || now < dev->under_load_until;
}

/* Run the timers that are due and carry out their actions. */
void wgx_device_expire_timers(struct wgx_device *dev, uint64_t now);

static inline void wgx_device_count(struct wgx_device *dev, enum wgx_reason reason)
{
	dev->stats[reason]++;
}

/* Tell the table mirror, if one is set and has @op. */
#define wgx_device_hook(dev, op, ...)                                                      \
	do {                                                                               \
		if ((dev)->hooks && (dev)->hooks->op)                                      \
			(dev)->hooks->op((dev)->hooks_ctx, __VA_ARGS__);                   \
	} while (0)

#endif
