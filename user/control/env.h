/* SPDX-License-Identifier: MIT */
/*
 * The environment variables wg-xdp reads, each read once, at start-up
 * (wgx_env_load from main), and the paths derived from them. Documented in
 * README.md ("Environment") and `wg-xdp --help`:
 *
 *   WG_PROCESS_FOREGROUND=1   stay in the foreground (wireguard-go's contract)
 *   LOG_LEVEL=verbose|debug|info|warning|error|silent
 *   WG_XDP_MODE=xdp|socket    data plane of `wg-xdp NAME` (default xdp)
 *   WG_XDP_IFACE=IFACE        underlay of `wg-xdp NAME` (default: from the routes)
 *   WG_XDP_METRICS=ADDR:PORT  serve Prometheus metrics there (as --metrics)
 *   WG_COLOR_MODE=always|never|auto  `wg-xdp show` colours, as wg's
 *   WGX_AEAD=sodium|openssl   force the ChaCha20-Poly1305 backend
 *                             (default: the faster one, measured at start)
 *   WGX_RUN_DIR=DIR           pid and statistics sockets (/var/run/wg-xdp)
 *   WGX_UAPI_DIR=DIR          UAPI sockets (/var/run/wireguard)
 *   WGX_CLIENT_TIMEOUT=SEC    how long a client (show, stats, agent) waits for a
 *                             daemon's socket to make progress (10; 0: forever)
 *   WGX_TEST_TIME_SCALE=N     tests only: every protocol timer divided by N
 *   WGX_TEST_UNDER_LOAD=1     tests only: answer every handshake without a
 *                             valid MAC2 with a cookie reply
 *   WGX_TEST_HANDOVER_VERSION=N  tests only: the state format version
 *                             `wg-xdp restart` claims to read and writes
 *                             (control/handover.h), to fake an incompatible binary
 */
#ifndef WGX_ENV_H
#define WGX_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/log.h"

struct wgx_env {
	const char *aead;	/* NULL: measure */
	const char *run_dir;
	const char *uapi_dir;
	uint32_t time_scale;	/* 1 outside tests */
	bool test_under_load;
	uint32_t test_handover_version;	/* 0: the real one */
	bool foreground;		/* WG_PROCESS_FOREGROUND=1 */
	bool has_log_level;
	enum wgx_log_level log_level;	/* LOG_LEVEL */
	const char *mode;		/* WG_XDP_MODE: "xdp", "socket" or NULL */
	const char *iface;		/* WG_XDP_IFACE, NULL: choose from the routes */
	const char *metrics;		/* WG_XDP_METRICS, NULL: off */
	const char *color_mode;		/* WG_COLOR_MODE, NULL: auto */
	unsigned int client_timeout_ms;	/* WGX_CLIENT_TIMEOUT, 0: wait forever */
};

/* Defaults until wgx_env_load ran. */
extern struct wgx_env wgx_env;

/* Read the environment into wgx_env. 0, or -EINVAL with the bad variable named in @err. */
int wgx_env_load(char *err, size_t err_len);

/* $WGX_UAPI_DIR/NAME.sock into @buf. */
const char *wgx_uapi_sock_path(const char *name, char *buf, size_t len);

#endif
