// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "lib/clock.h"
#include "core/timers.h"

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

int wgx_clock_time_scale(uint32_t *scale)
{
	const char *s = getenv("WGX_TEST_TIME_SCALE");
	unsigned long v;
	char *end;

	if (!s) {
		*scale = 1;
		return 0;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v == 0 || v > WGX_TIMERS_SCALE_MAX)
		return -EINVAL;
	*scale = (uint32_t)v;
	return 0;
}
