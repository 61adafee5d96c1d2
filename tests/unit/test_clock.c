// SPDX-License-Identifier: MIT
/* The daemon's clock reads and the WGX_TEST_TIME_SCALE parser. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "lib/clock.h"
#include "tap.h"
#include "core/timers.h"

static int scale_of(const char *value, uint32_t *scale)
{
	*scale = 7;
	if (value)
		setenv("WGX_TEST_TIME_SCALE", value, 1);
	else
		unsetenv("WGX_TEST_TIME_SCALE");
	return wgx_clock_time_scale(scale);
}

int main(void)
{
	struct timespec ts;
	uint64_t a, b, boot, mono;
	uint32_t scale;
	bool monotonic = true;

	a = wgx_clock_mono_ns();
	for (int i = 0; i < 1000; i++) {
		b = wgx_clock_mono_ns();
		monotonic &= b >= a;
		a = b;
	}
	ok(monotonic, "mono: 1000 reads never go backwards");
	clock_gettime(CLOCK_BOOTTIME, &ts);
	boot = (uint64_t)ts.tv_sec * WGX_NS_PER_SEC + (uint64_t)ts.tv_nsec;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	mono = (uint64_t)ts.tv_sec * WGX_NS_PER_SEC + (uint64_t)ts.tv_nsec;
	/* Only a suspend since boot makes the two clocks differ. */
	if (boot > mono + WGX_NS_PER_SEC / 10)
		ok(boot >= a && boot - a < WGX_NS_PER_SEC / 10,
		   "mono: reads CLOCK_BOOTTIME (counts suspend)");
	else
		tap_skip("no suspend since boot, BOOTTIME == MONOTONIC",
			 "mono: reads CLOCK_BOOTTIME (counts suspend)");
	/* 2020-01-01 .. 2100-01-01 */
	ok(wgx_clock_wall_ns() / WGX_NS_PER_SEC > 1577836800ULL &&
		   wgx_clock_wall_ns() / WGX_NS_PER_SEC < 4102444800ULL,
	   "wall: plausible Unix time");

	ok(scale_of(NULL, &scale) == 0 && scale == 1, "time scale: unset is 1");
	ok(scale_of("60", &scale) == 0 && scale == 60, "time scale: 60");
	ok(scale_of("1000", &scale) == 0 && scale == WGX_TIMERS_SCALE_MAX, "time scale: the maximum");
	ok(scale_of("0", &scale) == -EINVAL && scale == 7, "time scale: 0 is -EINVAL");
	ok(scale_of("1001", &scale) == -EINVAL, "time scale: above the maximum is -EINVAL");
	ok(scale_of("-5", &scale) == -EINVAL, "time scale: negative is -EINVAL");
	ok(scale_of("6x", &scale) == -EINVAL && scale_of("", &scale) == -EINVAL,
	   "time scale: junk and empty are -EINVAL");
	return tap_done();
}
