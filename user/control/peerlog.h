/* SPDX-License-Identifier: MIT */
/*
 * Info-level log lines per peer, from the control thread's once-a-second
 * scan: "handshake established" when a peer gets a session (its latest
 * handshake is newer than REJECT_AFTER_TIME), "handshake lost" when its
 * latest handshake grows older than that (no session can be used any more).
 * Bounded: at most WGX_PEERLOG_PER_SCAN lines a scan, the rest summed up in
 * one line, so 100k peers coming up at once do not flood the journal.
 */
#ifndef WGX_PEERLOG_H
#define WGX_PEERLOG_H

#include <stdint.h>

#define WGX_PEERLOG_PER_SCAN 16

struct wgx_device;

/* @now_wall_ns: CLOCK_REALTIME, as peers' last_handshake_wall_ns. Control thread. */
void wgx_peerlog_scan(struct wgx_device *dev, uint64_t now_wall_ns);

#endif
