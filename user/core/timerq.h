/* SPDX-License-Identifier: MIT */
/*
 * The device's timer queue: a binary min-heap of peers ordered by their
 * earliest armed timer, so the loop sleeps until exactly the next deadline
 * and firing costs O(log n) at any number of peers. Control thread only.
 */
#ifndef WGX_TIMERQ_H
#define WGX_TIMERQ_H

#include <stdint.h>

struct wgx_peer;

struct wgx_timerq {
	struct wgx_peer **heap;
	uint64_t *key;		/* key[i]: deadline of heap[i] */
	uint32_t len, cap;
};

#define WGX_TIMERQ_NONE UINT32_MAX	/* peer->timerq_pos when not queued */

void wgx_timerq_init(struct wgx_timerq *q);
void wgx_timerq_free(struct wgx_timerq *q);
/* Queue, move or (deadline 0) dequeue @peer. -ENOMEM leaves the queue unchanged. */
int wgx_timerq_update(struct wgx_timerq *q, struct wgx_peer *peer, uint64_t deadline);
/* Earliest deadline, 0 when empty. */
uint64_t wgx_timerq_next(const struct wgx_timerq *q);
/* The peer at the head if its deadline is <= @now, else NULL. */
struct wgx_peer *wgx_timerq_due(const struct wgx_timerq *q, uint64_t now);

#endif
