/* SPDX-License-Identifier: MIT */
/*
 * The data plane's priority with `--realtime`: the control thread runs at
 * SCHED_FIFO 1, ahead of applications, the way the kernel runs its own
 * WireGuard in softirq. On a CPU an application keeps busy, a normal-priority
 * daemon waits out the application's time slice before it moves the next
 * packet (make bench, ping under a TCP stream sharing the CPU: p50 0.67 ms
 * with it, 3.4 ms without). The price is batching: the daemon preempts the
 * sender at every packet instead of taking a ring's worth at once, so small-
 * packet floods move a third as many packets (UDP 64 B: 22.9 vs 73.6 kpps).
 * Hence opt-in.
 *
 * Like softirq work that the kernel hands to ksoftirqd after ~2 ms, a thread
 * that has been busy for WGX_RTPRIO_BUSY_NS without once sleeping (a flood)
 * drops to SCHED_OTHER, so the applications it feeds get their fair share
 * (without this a UDP flood left the receiving application the 5% RT
 * throttling allows, and it dropped most of what the daemon delivered). It
 * goes back to SCHED_FIFO the next time it sleeps.
 */
#ifndef WGX_RTPRIO_H
#define WGX_RTPRIO_H

#include <stdbool.h>
#include <stdint.h>

#define WGX_RTPRIO_BUSY_NS 2000000ull
/* An epoll_wait that took longer than this slept: the thread was idle. */
#define WGX_RTPRIO_SLEPT_NS 50000ull

struct wgx_rtprio {
	bool on;		/* SCHED_FIFO was granted at start */
	bool demoted;		/* running at SCHED_OTHER during a flood */
	uint64_t busy_since_ns;
	uint64_t demotions;	/* for stats */
};

/* Take SCHED_FIFO 1 for the calling thread unless @disabled. Logs and
 * returns false when not permitted. Call before creating threads that
 * must not inherit it with PTHREAD_EXPLICIT_SCHED. */
bool wgx_rtprio_start(struct wgx_rtprio *r, const char *name, bool disabled);

/* After each epoll_wait of the loop: @wait_ns how long it took, @events how
 * many it returned, @now CLOCK_MONOTONIC ns. Demotes or restores. */
void wgx_rtprio_after_wait(struct wgx_rtprio *r, uint64_t wait_ns, int events, uint64_t now);

#endif
