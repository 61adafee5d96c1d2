/* SPDX-License-Identifier: MIT */
/*
 * A WireGuard interface as the daemon runs it: identity, peers, the tables
 * that find them (receiver index, public key, allowed IPs), cookie checker,
 * rate limiter, the UDP sockets and the tunnel device.
 *
 * Locking: the control thread owns everything here. In socket mode the data
 * path runs on that same thread, so nothing is locked; the XDP data plane's
 * workers only touch keypairs (atomic counters) and read the tables under
 * dev->tables_lock.
 */
#ifndef WGX_DEVICE_H
#define WGX_DEVICE_H

#include <net/if.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/allowedips.h"
#include "core/cookie.h"
#include "lib/endpoint.h"
#include "core/noise.h"
#include "core/peerlookup.h"
#include "core/ratelimiter.h"
#include "control/rtprio.h"
#include "core/timerq.h"
#include "lib/udp.h"
#include "wgx_reasons.h"

struct wgx_uapi_set;
struct wgx_bpf;
struct wgx_xdp_plane;
struct wgx_uapi_device_view;

enum wgx_mode { WGX_MODE_SOCKET, WGX_MODE_XDP };

/* Handshakes per second above which the device asks for cookies (wireguard-go: 1/8 of its queue). */
#define WGX_UNDER_LOAD_HANDSHAKES_PER_SEC 1024
#define WGX_UNDER_LOAD_HOLD_NS (1 * WGX_NS_PER_SEC)
#define WGX_RATELIMITER_ENTRIES 16384

struct wgx_device {
	char name[IF_NAMESIZE];
	enum wgx_mode mode;
	unsigned int mtu;
	uint32_t time_scale;	/* WGX_TEST_TIME_SCALE: 1 outside tests */
	struct wgx_rtprio rt;	/* the control thread's priority (rtprio.h) */

	struct wgx_static_identity *identity;	/* locked memory */
	struct wgx_cookie_checker *cookie_checker; /* locked memory: holds the cookie secret */
	struct wgx_ratelimiter ratelimiter;

	pthread_rwlock_t tables_lock;
	struct wgx_allowedips allowedips;
	struct wgx_index_table index;
	struct wgx_pubkey_table pubkeys;

	struct wgx_peer *peers;		/* list, in creation order */
	struct wgx_peer *peers_tail;
	uint32_t n_peers;
	uint32_t next_peer_id;
	struct wgx_timerq timerq;

	struct wgx_udp udp;
	uint16_t listen_port;		/* as configured (0: random) */
	uint32_t fwmark;
	bool up;			/* sockets open: the device sends and receives */
	int tun_fd;
	int ctl_fd;			/* statistics socket, -1: none */
	/* XDP mode only (NULL otherwise): the BPF maps the hooks in xdp_sync.h
	 * keep in sync, and the AF_XDP data plane that delivers and transmits. */
	struct wgx_bpf *bpf;
	struct wgx_xdp_plane *xdp;

	uint64_t handshakes_this_second, second_start, under_load_until;
	bool force_under_load;		/* WGX_TEST_UNDER_LOAD=1: test-only, always ask for cookies */
	uint64_t stats[WGX_REASON_MAX];
};

struct wgx_device *wgx_device_create(const char *name, enum wgx_mode mode, unsigned int mtu);
void wgx_device_destroy(struct wgx_device *dev);

/* Open the UDP sockets on the configured port; called at start and on port change. */
int wgx_device_bind(struct wgx_device *dev, uint64_t now);

/*
 * Apply a validated UAPI/config change set in the order documented in uapi.h.
 * Control thread. Returns 0 or -errno (-EADDRINUSE for a taken port).
 */
int wgx_device_apply(struct wgx_device *dev, const struct wgx_uapi_set *set, uint64_t now);

/* Snapshot for "get=1"; release with wgx_device_view_free. Control thread. */
int wgx_device_view(struct wgx_device *dev, struct wgx_uapi_device_view *view);
void wgx_device_view_free(struct wgx_uapi_device_view *view);

/* True while handshakes arrive faster than WGX_UNDER_LOAD_HANDSHAKES_PER_SEC (and 1 s after). */
bool wgx_device_under_load(struct wgx_device *dev, uint64_t now);

/* Run the timers that are due and carry out their actions. */
void wgx_device_expire_timers(struct wgx_device *dev, uint64_t now);

static inline void wgx_device_count(struct wgx_device *dev, enum wgx_reason reason)
{
	dev->stats[reason]++;
}

#endif
