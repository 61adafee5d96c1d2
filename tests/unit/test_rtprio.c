// SPDX-License-Identifier: MIT
/*
 * --realtime's flood guard (rtprio.h) on the real scheduler: the thread takes
 * SCHED_FIFO, drops to SCHED_OTHER after WGX_RTPRIO_BUSY_NS of waits that
 * never slept, and takes SCHED_FIFO back at the next wait that slept.
 */
#include <sched.h>
#include <unistd.h>

#include "control/rtprio.h"
#include "tap.h"

#define MS 1000000ull

int main(void)
{
	struct wgx_rtprio r;
	uint64_t now = 1000 * MS;

	ok(!wgx_rtprio_start(&r, "test", true) && !r.on, "disabled: stays at normal priority");
	if (!wgx_rtprio_start(&r, "test", false)) {
		tap_skip("SCHED_FIFO not permitted here (not root or no RT budget)",
			 "flood guard demotes and restores");
		return tap_done();
	}
	ok(sched_getscheduler(0) == SCHED_FIFO, "started: SCHED_FIFO");
	wgx_rtprio_after_wait(&r, 200000, 1, now);	/* slept 200 us: idle */
	for (uint64_t t = now; t < now + WGX_RTPRIO_BUSY_NS; t += 10000)
		wgx_rtprio_after_wait(&r, 1000, 3, t);	/* returned at once: busy */
	ok(sched_getscheduler(0) == SCHED_FIFO && !r.demoted,
	   "busy for just under %llu ms: still SCHED_FIFO", WGX_RTPRIO_BUSY_NS / MS);
	wgx_rtprio_after_wait(&r, 1000, 3, now + WGX_RTPRIO_BUSY_NS + 10000);
	ok(sched_getscheduler(0) == SCHED_OTHER && r.demoted && r.demotions == 1,
	   "busy past the limit (a flood): dropped to SCHED_OTHER");
	wgx_rtprio_after_wait(&r, 1000, 3, now + 10 * WGX_RTPRIO_BUSY_NS);
	ok(sched_getscheduler(0) == SCHED_OTHER && r.demotions == 1, "still flooded: stays down");
	wgx_rtprio_after_wait(&r, 0, 0, now + 11 * WGX_RTPRIO_BUSY_NS);	/* timeout: slept */
	ok(sched_getscheduler(0) == SCHED_FIFO && !r.demoted, "slept once: SCHED_FIFO again");
	return tap_done();
}
