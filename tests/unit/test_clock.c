// SPDX-License-Identifier: MIT
/* The daemon's clock reads. */
#include <time.h>

#include "lib/clock.h"
#include "tap.h"

#define WGX_NS_PER_SEC 1000000000ull

int main(void)
{
	struct timespec ts;
	uint64_t a, b, boot, mono;
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

	return tap_done();
}
