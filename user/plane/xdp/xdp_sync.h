/* SPDX-License-Identifier: MIT */
/*
 * Mirror the daemon's tables into the BPF maps: receiver indices of live
 * keypairs, peers' public keys and endpoints, allowed IPs, the listen port.
 * The core calls these table hooks (core/plane.h) with the struct wgx_bpf
 * as context once the XDP plane installed them.
 *
 * Control thread. A failing map update is logged and counted by its effect
 * (a missing index sends data through the UDP socket): never fatal.
 */
#ifndef WGX_XDP_SYNC_H
#define WGX_XDP_SYNC_H

#include <stdint.h>

#include "core/plane.h"

extern const struct wgx_table_hooks wgx_xdp_table_hooks;

/*
 * The XDP metadata in front of @pkt (an AF_XDP frame with >= 16 bytes of
 * headroom): returns its kind (WGX_META_*), *peer_id and *queued_ns (the
 * CLOCK_MONOTONIC time XDP redirected it), or 0 when absent, and clears the
 * magic so a recycled frame never shows stale metadata.
 * Any thread (touches only the frame).
 */
int wgx_xdp_meta_take(uint8_t *pkt, uint32_t *peer_id, uint64_t *queued_ns);

#endif
