/* SPDX-License-Identifier: MIT */
/*
 * Replay protection for data message counters: the kernel's 8192-bit sliding
 * window (RFC 6479 style, drivers/net/wireguard/receive.c counter_validate).
 */
#ifndef WGX_REPLAY_H
#define WGX_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "wgx_consts.h"

#define WGX_REPLAY_WORD_BITS 64

struct wgx_replay {
	uint64_t counter; /* one past the highest counter accepted so far */
	uint64_t backtrack[WGX_COUNTER_BITS_TOTAL / WGX_REPLAY_WORD_BITS];
};

/* Reset the window; called when a keypair is created. */
void wgx_replay_init(struct wgx_replay *r);

/*
 * Accept @their_counter at most once: returns true (and records it) when it is
 * new and inside the window and below REJECT_AFTER_MESSAGES, false otherwise.
 * Call only after the packet authenticated. Not thread safe: the caller
 * serializes per keypair (the per-peer in-order release does).
 */
bool wgx_replay_check(struct wgx_replay *r, uint64_t their_counter);

#endif
