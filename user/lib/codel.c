// SPDX-License-Identifier: MIT
#include "lib/codel.h"

#include <math.h>

/* Next drop time: INTERVAL / sqrt(count) after t (RFC 8289 section 5.5). */
static uint64_t control_law(uint64_t t, uint32_t count)
{
	return t + (uint64_t)((double)WGX_CODEL_INTERVAL_NS / sqrt((double)count));
}

/* RFC 8289 dodequeue(): has the queue been above target for an interval? */
static bool ok_to_drop(struct wgx_codel *c, uint64_t sojourn_ns, bool backlog_low, uint64_t now)
{
	if (sojourn_ns < WGX_CODEL_TARGET_NS || backlog_low) {
		c->first_above_ns = 0;
		return false;
	}
	if (!c->first_above_ns) {
		c->first_above_ns = now + WGX_CODEL_INTERVAL_NS;
		return false;
	}
	return now >= c->first_above_ns;
}

bool wgx_codel_should_drop(struct wgx_codel *c, uint64_t sojourn_ns, bool backlog_low,
			   uint64_t now)
{
	bool ok = ok_to_drop(c, sojourn_ns, backlog_low, now);
	uint32_t delta;

	if (c->dropping) {
		if (!ok) {
			c->dropping = false;
			return false;
		}
		if (now < c->drop_next_ns)
			return false;
		c->count++;
		c->drop_next_ns = control_law(c->drop_next_ns, c->count);
		return true;
	}
	if (!ok)
		return false;
	/* Entering the dropping state: if it left it recently, resume near the
	 * drop rate it had reached instead of starting over (RFC 8289 5.5). */
	c->dropping = true;
	delta = c->count - c->lastcount;
	c->count = delta > 1 && now - c->drop_next_ns < 16 * WGX_CODEL_INTERVAL_NS ? delta : 1;
	c->drop_next_ns = control_law(now, c->count);
	c->lastcount = c->count;
	return true;
}
