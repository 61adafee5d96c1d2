// SPDX-License-Identifier: MIT
/* The environment, read once at start-up (control/env.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/env.h"
#include "core/timers.h"
#include "tap.h"

static int scale_of(const char *value, uint32_t *scale)
{
	char err[128] = "";
	int ret;

	if (value)
		setenv("WGX_TEST_TIME_SCALE", value, 1);
	else
		unsetenv("WGX_TEST_TIME_SCALE");
	wgx_env.time_scale = 7;
	ret = wgx_env_load(err, sizeof(err));
	*scale = wgx_env.time_scale;
	if (ret && !strstr(err, "WGX_TEST_TIME_SCALE"))
		return -EBADMSG; /* the message must name the variable */
	return ret;
}

int main(void)
{
	char err[128], path[128];
	uint32_t scale;

	ok(scale_of(NULL, &scale) == 0 && scale == 1, "time scale: unset is 1");
	ok(scale_of("60", &scale) == 0 && scale == 60, "time scale: 60");
	ok(scale_of("1000", &scale) == 0 && scale == WGX_TIMERS_SCALE_MAX, "time scale: the maximum");
	ok(scale_of("0", &scale) == -EINVAL && scale == 1, "time scale: 0 is -EINVAL, 1 kept");
	ok(scale_of("1001", &scale) == -EINVAL, "time scale: above the maximum is -EINVAL");
	ok(scale_of("-5", &scale) == -EINVAL, "time scale: negative is -EINVAL");
	ok(scale_of("6x", &scale) == -EINVAL && scale_of("", &scale) == -EINVAL,
	   "time scale: junk and empty are -EINVAL");
	unsetenv("WGX_TEST_TIME_SCALE");

	unsetenv("WGX_AEAD");
	unsetenv("WGX_RUN_DIR");
	unsetenv("WGX_UAPI_DIR");
	unsetenv("WGX_TEST_UNDER_LOAD");
	ok(!wgx_env_load(err, sizeof(err)) && !wgx_env.aead && !wgx_env.test_under_load &&
		   !strcmp(wgx_env.run_dir, "/var/run/wg-xdp") &&
		   !strcmp(wgx_env.uapi_dir, "/var/run/wireguard"),
	   "defaults: AEAD measured, /var/run/wg-xdp, /var/run/wireguard, not under load");
	ok(!strcmp(wgx_uapi_sock_path("wg0", path, sizeof(path)), "/var/run/wireguard/wg0.sock"),
	   "UAPI socket path: /var/run/wireguard/wg0.sock");
	setenv("WGX_AEAD", "openssl", 1);
	setenv("WGX_RUN_DIR", "/tmp/r", 1);
	setenv("WGX_UAPI_DIR", "/tmp/u", 1);
	setenv("WGX_TEST_UNDER_LOAD", "1", 1);
	ok(!wgx_env_load(err, sizeof(err)) && wgx_env.aead && !strcmp(wgx_env.aead, "openssl") &&
		   wgx_env.test_under_load && !strcmp(wgx_env.run_dir, "/tmp/r") &&
		   !strcmp(wgx_uapi_sock_path("x", path, sizeof(path)), "/tmp/u/x.sock"),
	   "WGX_AEAD, WGX_RUN_DIR, WGX_UAPI_DIR and WGX_TEST_UNDER_LOAD are read");
	setenv("WGX_TEST_UNDER_LOAD", "yes", 1);
	setenv("WGX_RUN_DIR", "", 1);
	ok(!wgx_env_load(err, sizeof(err)) && !wgx_env.test_under_load &&
		   !strcmp(wgx_env.run_dir, "/var/run/wg-xdp"),
	   "WGX_TEST_UNDER_LOAD other than 1 is off; an empty directory is the default");
	return tap_done();
}
