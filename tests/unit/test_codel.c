// SPDX-License-Identifier: MIT
/*
 * CoDel's drop decisions (RFC 8289) with a fake clock: the state machine step
 * by step, then a queue model fed faster than it drains, which CoDel must
 * bring back to about TARGET of delay without starving it.
 */
#include <math.h>

#include "lib/codel.h"
#include "tap.h"

#define MS 1000000ull
#define US 1000ull
#define T WGX_CODEL_TARGET_NS
#define I WGX_CODEL_INTERVAL_NS

/* Packets every @step ns with a fixed @sojourn from @from to @to; returns the
 * number of drops and the times of the first @max of them in @at. */
static unsigned int run(struct wgx_codel *c, uint64_t from, uint64_t to, uint64_t step,
			uint64_t sojourn, bool backlog_low, uint64_t *at, unsigned int max)
{
	unsigned int drops = 0;

	for (uint64_t now = from; now < to; now += step)
		if (wgx_codel_should_drop(c, sojourn, backlog_low, now)) {
			if (drops < max)
				at[drops] = now;
			drops++;
		}
	return drops;
}

static void state_machine(void)
{
	struct wgx_codel c = { 0 };
	uint64_t at[8];
	unsigned int n;

	n = run(&c, 1000 * MS, 2000 * MS, 10 * US, T - 1, false, at, 8);
	ok(n == 0, "no drop while every packet waits just under target (%u drops)", n);

	n = run(&c, 2000 * MS, 2000 * MS + I - 10 * US, 10 * US, 10 * T, false, at, 8);
	ok(n == 0, "no drop during the first interval above target (a burst is allowed)");

	n = run(&c, 2000 * MS + I - 10 * US, 2000 * MS + I + 100 * MS, 10 * US, 10 * T, false, at, 8);
	ok(n >= 5 && at[0] == 2000 * MS + I,
	   "first drop exactly one interval after the delay went above target (%u drops)", n);
	/* Gaps shrink as INTERVAL/sqrt(count): 20 ms, 20 ms/sqrt(2), /sqrt(3), ... */
	bool law = true;
	for (unsigned int k = 1; k < 5 && k < n; k++) {
		double want = (double)I / sqrt((double)k), got = (double)(at[k] - at[k - 1]);
		if (fabs(got - want) > 10 * US)
			law = false;
	}
	ok(law, "drops follow the control law: gap k = interval/sqrt(k), within one packet");

	n = run(&c, at[0] + 200 * MS, at[0] + 400 * MS, 10 * US, T / 2, false, at, 8);
	ok(n == 0 && !c.dropping, "queue drained below target: dropping stops at once");

	uint32_t count_before = c.count;
	uint64_t again = 2000 * MS + 400 * MS;
	run(&c, again, again + I + 10 * US, 10 * US, 10 * T, false, at, 8);
	ok(c.dropping && c.count > 1 && c.count <= count_before,
	   "back above target soon after: resumes near the old drop rate (count %u, was %u)",
	   c.count, count_before);

	struct wgx_codel d = { 0 };
	n = run(&d, 0, 500 * MS, 10 * US, 10 * T, true, at, 8);
	ok(n == 0, "a long delay with an empty queue behind it is not a standing queue: no drop");
}

/*
 * A queue with service time 10 us per packet; a sender (TCP-like, AIMD on
 * drops: +1 packet per 1 ms window, halve on a drop) whose rate overshoots.
 * Without CoDel the queue grows to its 2048-slot limit (20 ms); with it the
 * delay must settle near TARGET and the link must stay busy.
 */
static void queue_model(bool use_codel, double *avg_delay_ms, double *util)
{
	struct wgx_codel c = { 0 };
	uint64_t arrivals[2048];
	unsigned int head = 0, len = 0;
	double rate = 50;		/* packets per ms offered */
	uint64_t busy = 0, total = 0, delay_sum = 0, served = 0, next_arrival = 0;
	const uint64_t step = 10 * US, end = 3000 * MS;

	for (uint64_t now = 0; now < end; now += step) {
		while (next_arrival <= now) {
			if (len < 2048)
				arrivals[(head + len++) % 2048] = next_arrival;
			else
				rate /= 2;	/* tail drop */
			next_arrival += (uint64_t)(MS / rate);
		}
		if (now % MS == 0)
			rate += 1;
		total++;
		if (!len)
			continue;
		uint64_t sojourn = now - arrivals[head];
		head = (head + 1) % 2048;
		len--;
		if (use_codel && wgx_codel_should_drop(&c, sojourn, len == 0, now)) {
			rate /= 2;
			if (rate < 1)
				rate = 1;
			continue;
		}
		busy++;
		if (now > 1000 * MS) {	/* after warm-up */
			delay_sum += sojourn;
			served++;
		}
	}
	*avg_delay_ms = served ? (double)delay_sum / served / MS : 0;
	*util = (double)busy / total;
}

int main(void)
{
	double delay, util, delay_off, util_off;

	state_machine();
	queue_model(false, &delay_off, &util_off);
	queue_model(true, &delay, &util);
	diag("queue model: tail drop only: delay %.2f ms, link busy %.0f%%; CoDel: %.2f ms, %.0f%%",
	     delay_off, util_off * 100, delay, util * 100);
	ok(delay_off > 5, "model sanity: without CoDel the queue stands at %.1f ms", delay_off);
	ok(delay < 3 * (double)T / MS, "CoDel keeps the average delay near target: %.2f ms", delay);
	ok(util > 0.80, "CoDel keeps the link busy: %.0f%%", util * 100);
	return tap_done();
}
