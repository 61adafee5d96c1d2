// SPDX-License-Identifier: MIT
#include <time.h>

#include "lib/clock.h"

#define WGX_NS_PER_SEC 1000000000ull

static uint64_t read_ns(clockid_t id)
{
	struct timespec ts;

	/* Cannot fail for these clock ids on Linux >= 2.6.39. */
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * WGX_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t wgx_clock_mono_ns(void)
{
	return read_ns(CLOCK_BOOTTIME);
}

uint64_t wgx_clock_ktime_ns(void)
{
	return read_ns(CLOCK_MONOTONIC);
}

uint64_t wgx_clock_wall_ns(void)
{
	return read_ns(CLOCK_REALTIME);
}
