/* SPDX-License-Identifier: MIT */
/*
 * One device's figures, collected once and rendered three ways: the JSON of
 * `wg-xdp stats --json` (stats_json.c, which also reads it back for the CLI),
 * the Prometheus text of --metrics (stats_prom.c) and `wg-xdp show`
 * (cli/show.c). Plain data, no secrets: keys are public keys in base64, the
 * preshared key is only a flag.
 */
#ifndef WGX_STATS_H
#define WGX_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/plane.h"
#include "wgx_consts.h"
#include "wgx_reasons.h"

struct wgx_device;

#define WGX_STATS_KEY_LEN 45	/* base64 of 32 bytes + NUL */
#define WGX_STATS_ADDR_LEN 64	/* "[v6%scope]:port", "v6/128" */
#define WGX_STATS_STR_LEN 64

struct wgx_stats_peer {
	char public_key[WGX_STATS_KEY_LEN];
	char friendly_name[WGX_STATS_STR_LEN];	/* "" = none */
	char endpoint[WGX_STATS_ADDR_LEN];	/* "" = none yet */
	bool has_preshared_key;
	uint64_t latest_handshake_ns;	/* wall clock, 0 = never */
	uint64_t rx_bytes, tx_bytes;
	uint16_t persistent_keepalive;	/* seconds, 0 = off */
	size_t n_allowed_ips;
	char (*allowed_ips)[WGX_STATS_ADDR_LEN];	/* "100.64.0.2/32" */
};

enum wgx_stats_kind { WGX_STATS_NUM, WGX_STATS_STR, WGX_STATS_FLAG };

/* One figure a data plane reported through its wgx_stats_visitor. */
struct wgx_stats_figure {
	char group[16];			/* the reporting plane: "xdp", "socket" */
	char key[WGX_STATS_STR_LEN];
	enum wgx_stats_kind kind;
	uint64_t num;
	bool flag;
	char str[WGX_STATS_STR_LEN];
};

struct wgx_stats {
	char name[16];
	char mode[16];				/* "xdp" or "socket", as asked for */
	char public_key[WGX_STATS_KEY_LEN];	/* "" = no private key */
	uint16_t listen_port;
	uint32_t fwmark;
	unsigned int mtu;
	bool realtime;
	uint64_t realtime_demotions;
	uint64_t reasons[WGX_REASON_MAX];	/* core's and plane's (BPF) counters summed */
	size_t n_figures;
	struct wgx_stats_figure *figures;
	size_t n_peers;
	struct wgx_stats_peer *peers;		/* in the device's order */
};

struct wgx_rtprio;

typedef void (*wgx_stats_plane_fn)(void *plane, const struct wgx_stats_visitor *v, void *ctx,
				   uint64_t *reasons);

/*
 * Fill @out (zeroed here) from @dev on the control thread: the UAPI view,
 * the core's reason counters, the device plane's figures (group: its name)
 * and reasons (its ops->stats, through a wgx_stats_visitor), @mode (NULL:
 * the plane's name) and @rt (NULL: not real-time). 0 or -errno.
 */
int wgx_stats_collect(struct wgx_device *dev, const char *mode, const struct wgx_rtprio *rt,
		      struct wgx_stats *out);
/* Add another plane's figures as @group (and its reasons). 0 or -ENOMEM (@s freed). */
int wgx_stats_collect_plane(struct wgx_stats *s, const char *group, wgx_stats_plane_fn fn,
			    void *plane);
/* Attach friendly names (`# friendly_name = X` in a [Peer] of a wg config @path). */
void wgx_stats_friendly_names(struct wgx_stats *s, const char *path);
/* Append one figure (the visitor's callbacks use it; the JSON reader too). -ENOMEM. */
int wgx_stats_add_figure(struct wgx_stats *s, const struct wgx_stats_figure *f);
/* Append an empty peer; NULL on allocation failure. */
struct wgx_stats_peer *wgx_stats_add_peer(struct wgx_stats *s);
int wgx_stats_peer_add_aip(struct wgx_stats_peer *p, const char *cidr);
void wgx_stats_free(struct wgx_stats *s);

/*
 * JSON (json-c), one line (field list: docs/wg-xdp.8.scd), in pieces, for a
 * writer that renders only as fast as its reader takes it (control/ctl.c):
 * the head (every field, then `"peers":[`), each peer i (with the comma
 * before it), then WGX_STATS_JSON_TAIL. Malloc'd or NULL.
 */
char *wgx_stats_json_head(const struct wgx_stats *s);
char *wgx_stats_json_peer(const struct wgx_stats *s, size_t i);
#define WGX_STATS_JSON_TAIL "]}\n"
/* Read such a document back (the CLI); 0 or -EINVAL/-ENOMEM. */
int wgx_stats_from_json(const char *text, struct wgx_stats *out);
/* Prometheus text exposition format 0.0.4 into @out (malloc'd, *len). 0 or -ENOMEM. */
int wgx_stats_to_prom(const struct wgx_stats *s, char **out, size_t *len);

#endif
