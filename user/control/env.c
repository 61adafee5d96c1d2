// SPDX-License-Identifier: MIT
#include "control/env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timers.h"

/* A daemon answers `get` for 1M peers (~110 MB) with no pause anywhere near this. */
#define WGX_CLIENT_TIMEOUT_MS 10000u
#define WGX_CLIENT_TIMEOUT_MAX_S 3600

struct wgx_env wgx_env = {
	.run_dir = "/var/run/wg-xdp",
	.uapi_dir = "/var/run/wireguard",
	.time_scale = 1,
	.client_timeout_ms = WGX_CLIENT_TIMEOUT_MS,
};

static const char *dir_or(const char *var, const char *fallback)
{
	const char *v = getenv(var);

	return v && *v ? v : fallback;
}

static int parse_time_scale(const char *s, uint32_t *scale)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v == 0 || v > WGX_TIMERS_SCALE_MAX)
		return -EINVAL;
	*scale = (uint32_t)v;
	return 0;
}

/* Seconds, decimals allowed (0.5), 0..WGX_CLIENT_TIMEOUT_MAX_S; into milliseconds. */
static int parse_timeout(const char *s, unsigned int *ms)
{
	double v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0 && v <= WGX_CLIENT_TIMEOUT_MAX_S))
		return -EINVAL;
	*ms = (unsigned int)(v * 1000 + 0.5);
	if (!*ms && v > 0)
		*ms = 1;
	return 0;
}

static const char *nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* wireguard-go's variables and wg-xdp's own for `wg-xdp NAME`. */
static int load_process_contract(char *err, size_t err_len)
{
	const char *v = nonempty("WG_PROCESS_FOREGROUND");

	if (v && strcmp(v, "1") && strcmp(v, "0")) {
		snprintf(err, err_len, "WG_PROCESS_FOREGROUND=%s: expected 1 or 0", v);
		return -EINVAL;
	}
	wgx_env.foreground = v && !strcmp(v, "1");
	v = nonempty("LOG_LEVEL");
	wgx_env.has_log_level = v != NULL;
	if (v && wgx_log_level_parse(v, &wgx_env.log_level)) {
		snprintf(err, err_len,
			 "LOG_LEVEL=%s: expected verbose, debug, info, warning, error or silent", v);
		return -EINVAL;
	}
	wgx_env.mode = nonempty("WG_XDP_MODE");
	if (wgx_env.mode && strcmp(wgx_env.mode, "xdp") && strcmp(wgx_env.mode, "socket")) {
		snprintf(err, err_len, "WG_XDP_MODE=%s: expected xdp or socket", wgx_env.mode);
		return -EINVAL;
	}
	wgx_env.iface = nonempty("WG_XDP_IFACE");
	if (wgx_env.iface && (strlen(wgx_env.iface) >= 16 || strchr(wgx_env.iface, '/'))) {
		snprintf(err, err_len, "WG_XDP_IFACE=%s: not an interface name", wgx_env.iface);
		return -EINVAL;
	}
	wgx_env.metrics = nonempty("WG_XDP_METRICS");
	wgx_env.color_mode = nonempty("WG_COLOR_MODE");
	v = nonempty("WGX_CLIENT_TIMEOUT");
	wgx_env.client_timeout_ms = WGX_CLIENT_TIMEOUT_MS;
	if (v && parse_timeout(v, &wgx_env.client_timeout_ms)) {
		snprintf(err, err_len, "WGX_CLIENT_TIMEOUT=%s: expected seconds, 0..%d (0: no timeout)",
			 v, WGX_CLIENT_TIMEOUT_MAX_S);
		return -EINVAL;
	}
	return 0;
}

int wgx_env_load(char *err, size_t err_len)
{
	const char *scale = getenv("WGX_TEST_TIME_SCALE");
	const char *load = getenv("WGX_TEST_UNDER_LOAD");
	const char *aead = getenv("WGX_AEAD");
	const char *hv = getenv("WGX_TEST_HANDOVER_VERSION");
	char *end;

	wgx_env.aead = aead && *aead ? aead : NULL;
	wgx_env.run_dir = dir_or("WGX_RUN_DIR", "/var/run/wg-xdp");
	wgx_env.uapi_dir = dir_or("WGX_UAPI_DIR", "/var/run/wireguard");
	wgx_env.test_under_load = load && !strcmp(load, "1");
	wgx_env.time_scale = 1;
	if (scale && parse_time_scale(scale, &wgx_env.time_scale)) {
		snprintf(err, err_len, "WGX_TEST_TIME_SCALE=%s: not an integer in 1..%u", scale,
			 WGX_TIMERS_SCALE_MAX);
		return -EINVAL;
	}
	wgx_env.test_handover_version = 0;
	if (hv && *hv) {
		unsigned long v = strtoul(hv, &end, 10);

		if (*end || !v || v > UINT32_MAX) {
			snprintf(err, err_len, "WGX_TEST_HANDOVER_VERSION=%s: not an integer in 1..%u",
				 hv, UINT32_MAX);
			return -EINVAL;
		}
		wgx_env.test_handover_version = (uint32_t)v;
	}
	return load_process_contract(err, err_len);
}

const char *wgx_uapi_sock_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.sock", wgx_env.uapi_dir, name);
	return buf;
}
