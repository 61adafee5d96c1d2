// SPDX-License-Identifier: MIT
#include "control/rtprio.h"

#include <errno.h>
#include <sched.h>
#include <string.h>

#include "lib/caps.h"
#include "lib/log.h"

static int set_policy(int policy)
{
	struct sched_param sp = { .sched_priority = policy == SCHED_FIFO ? 1 : 0 };

	return sched_setscheduler(0, policy, &sp) ? -errno : 0;
}

bool wgx_rtprio_start(struct wgx_rtprio *r, const char *name, bool disabled)
{
	int ret;

	memset(r, 0, sizeof(*r));
	if (disabled)
		return false;
	ret = set_policy(SCHED_FIFO);
	if (ret) {
		pr_info("%s: data plane at normal priority (SCHED_FIFO: %s%s)", name, strerror(-ret),
			wgx_cap_hint(ret, WGX_CAP(CAP_SYS_NICE)));
		return false;
	}
	r->on = true;
	return true;
}

void wgx_rtprio_after_wait(struct wgx_rtprio *r, uint64_t wait_ns, int events, uint64_t now)
{
	if (!r->on)
		return;
	if (events <= 0 || wait_ns > WGX_RTPRIO_SLEPT_NS) {
		r->busy_since_ns = now;
		if (r->demoted && !set_policy(SCHED_FIFO))
			r->demoted = false;
		return;
	}
	if (!r->demoted && now - r->busy_since_ns > WGX_RTPRIO_BUSY_NS && !set_policy(SCHED_OTHER)) {
		r->demoted = true;
		r->demotions++;
	}
}
