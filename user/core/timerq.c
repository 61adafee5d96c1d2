// SPDX-License-Identifier: MIT
#include "core/timerq.h"

#include <errno.h>
#include <stdlib.h>

#include "core/peer.h"

void wgx_timerq_init(struct wgx_timerq *q)
{
	*q = (struct wgx_timerq){ 0 };
}

void wgx_timerq_free(struct wgx_timerq *q)
{
	free(q->heap);
	free(q->key);
	wgx_timerq_init(q);
}

static void place(struct wgx_timerq *q, uint32_t i, struct wgx_peer *p, uint64_t key)
{
	q->heap[i] = p;
	q->key[i] = key;
	p->timerq_pos = i;
}

static void sift_up(struct wgx_timerq *q, uint32_t i)
{
	struct wgx_peer *p = q->heap[i];
	uint64_t key = q->key[i];

	while (i) {
		uint32_t parent = (i - 1) / 2;

		if (q->key[parent] <= key)
			break;
		place(q, i, q->heap[parent], q->key[parent]);
		i = parent;
	}
	place(q, i, p, key);
}

static void sift_down(struct wgx_timerq *q, uint32_t i)
{
	struct wgx_peer *p = q->heap[i];
	uint64_t key = q->key[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= q->len)
			break;
		if (c + 1 < q->len && q->key[c + 1] < q->key[c])
			c++;
		if (key <= q->key[c])
			break;
		place(q, i, q->heap[c], q->key[c]);
		i = c;
	}
	place(q, i, p, key);
}

static int grow(struct wgx_timerq *q)
{
	uint32_t cap = q->cap ? q->cap * 2 : 64;
	struct wgx_peer **heap = realloc(q->heap, cap * sizeof(*heap));
	uint64_t *key;

	if (!heap)
		return -ENOMEM;
	q->heap = heap;
	key = realloc(q->key, cap * sizeof(*key));
	if (!key)
		return -ENOMEM;
	q->key = key;
	q->cap = cap;
	return 0;
}

int wgx_timerq_update(struct wgx_timerq *q, struct wgx_peer *peer, uint64_t deadline)
{
	uint32_t i = peer->timerq_pos;
	struct wgx_peer *moved;

	if (i == WGX_TIMERQ_NONE) {
		if (!deadline)
			return 0;
		if (q->len == q->cap && grow(q))
			return -ENOMEM;
		i = q->len++;
		place(q, i, peer, deadline);
		sift_up(q, i);
		return 0;
	}
	if (!deadline) {
		uint32_t last = --q->len;

		peer->timerq_pos = WGX_TIMERQ_NONE;
		if (i == last)
			return 0;
		moved = q->heap[last];
		place(q, i, moved, q->key[last]);
		sift_up(q, i);
		sift_down(q, moved->timerq_pos);
		return 0;
	}
	q->key[i] = deadline;
	sift_up(q, i);
	sift_down(q, peer->timerq_pos);
	return 0;
}

uint64_t wgx_timerq_next(const struct wgx_timerq *q)
{
	return q->len ? q->key[0] : 0;
}

struct wgx_peer *wgx_timerq_due(const struct wgx_timerq *q, uint64_t now)
{
	return q->len && q->key[0] <= now ? q->heap[0] : NULL;
}
