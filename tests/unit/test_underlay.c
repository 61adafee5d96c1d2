// SPDX-License-Identifier: MIT
/*
 * control/underlay.h's debounce of route events: the choice waits until no
 * event came for WGX_UNDERLAY_SETTLE_MS, never longer than
 * WGX_UNDERLAY_MAX_WAIT_MS after the first, and runs once per burst.
 */
#include "control/underlay.h"
#include "tap.h"

#define MS 1000000ull

int main(void)
{
	struct wgx_underlay_watch u = { 0 };
	uint64_t t = 5000 * MS;
	int due, runs = 0;

	ok(wgx_underlay_due(&u, t) == -1, "nothing pending: -1");
	wgx_underlay_routes_changed(&u, t);
	due = wgx_underlay_due(&u, t);
	ok(due == (int)WGX_UNDERLAY_SETTLE_MS, "one event: due in %d ms", due);
	due = wgx_underlay_due(&u, t + 100 * MS);
	ok(due == (int)WGX_UNDERLAY_SETTLE_MS - 100, "100 ms later: %d ms left", due);
	wgx_underlay_routes_changed(&u, t + 200 * MS);
	due = wgx_underlay_due(&u, t + 200 * MS);
	ok(due == (int)WGX_UNDERLAY_SETTLE_MS, "another event restarts the wait: %d ms", due);
	ok(wgx_underlay_due(&u, t + 500 * MS) == 0, "settled: due (0)");
	ok(wgx_underlay_due(&u, t + 501 * MS) == -1, "and only once: -1 after");

	/* A storm of events every 100 ms: still chosen by the bound. */
	t += 10000 * MS;
	for (uint64_t at = t; at < t + 5000 * MS; at += 100 * MS) {
		wgx_underlay_routes_changed(&u, at);
		if (wgx_underlay_due(&u, at + 50 * MS) == 0)
			runs++;
	}
	ok(runs >= 2, "events every 100 ms for 5 s: chosen %d times (bounded by %u ms)", runs,
	   WGX_UNDERLAY_MAX_WAIT_MS);
	return tap_done();
}
