/* SPDX-License-Identifier: MIT */
/*
 * CoDel (RFC 8289) for the XDP data plane's receive rings: the kernel puts
 * packets into an AF_XDP RX ring faster than the daemon can seal or open them,
 * and a full 2048-slot ring is tens of milliseconds of standing queue in front
 * of every ping and handshake-triggering packet (bufferbloat: a TCP sender's
 * small-queue limit stops seeing the packet once the veth copied it out).
 * CoDel lets bursts through but, once every packet has waited more than
 * TARGET for a whole INTERVAL, drops at a rate that grows with the square
 * root of the drop count until the sender backs off and the queue is short.
 *
 * Sojourn time comes from the XDP program: it stamps bpf_ktime_get_ns()
 * (CLOCK_MONOTONIC) into the metadata when it redirects the packet, so the
 * delay measured is the ring's, not an estimate.
 */
#ifndef WGX_CODEL_H
#define WGX_CODEL_H

#include <stdbool.h>
#include <stdint.h>

/* Tighter than the RFC's 5 ms / 100 ms: a tunnel hop inside one machine or a
 * data centre has sub-millisecond RTTs, and the goal is ping under load within
 * 2 ms of idle. */
#define WGX_CODEL_TARGET_NS 1000000ull
#define WGX_CODEL_INTERVAL_NS 20000000ull

struct wgx_codel {
	uint64_t first_above_ns;	/* 0: below target; else when dropping may start */
	uint64_t drop_next_ns;
	uint32_t count, lastcount;
	bool dropping;
};

/*
 * Called for each packet as it is taken from the queue (control thread of
 * the ring's owner). @sojourn_ns: how long it waited; @backlog_low: at most
 * this packet was queued (an almost empty queue is never "standing");
 * @now: CLOCK_MONOTONIC ns. Returns true when the packet should be dropped.
 */
bool wgx_codel_should_drop(struct wgx_codel *c, uint64_t sojourn_ns, bool backlog_low,
			   uint64_t now);

#endif
