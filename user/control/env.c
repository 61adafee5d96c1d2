// SPDX-License-Identifier: MIT
#include "control/env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timers.h"

struct wgx_env wgx_env = {
	.run_dir = "/var/run/wg-xdp",
	.uapi_dir = "/var/run/wireguard",
	.time_scale = 1,
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

int wgx_env_load(char *err, size_t err_len)
{
	const char *scale = getenv("WGX_TEST_TIME_SCALE");
	const char *load = getenv("WGX_TEST_UNDER_LOAD");
	const char *aead = getenv("WGX_AEAD");

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
	return 0;
}

const char *wgx_uapi_sock_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.sock", wgx_env.uapi_dir, name);
	return buf;
}
