// SPDX-License-Identifier: MIT
/* The timer heap against a naive model: random updates, the head is always the minimum. */
#include <stdlib.h>

#include "core/peer.h"
#include "tap.h"
#include "core/timerq.h"

#define N 500

int main(void)
{
	static struct wgx_peer peers[N];
	static uint64_t model[N];
	struct wgx_timerq q;
	int bad_head = 0, bad_pos = 0;
	unsigned int seed = 12345;

	wgx_timerq_init(&q);
	for (int i = 0; i < N; i++)
		peers[i].timerq_pos = WGX_TIMERQ_NONE;
	ok(wgx_timerq_next(&q) == 0 && !wgx_timerq_due(&q, ~0ULL), "empty queue has no deadline");
	for (int op = 0; op < 200000; op++) {
		int i = rand_r(&seed) % N;
		uint64_t d = rand_r(&seed) % 4 ? 1 + (uint64_t)rand_r(&seed) % 100000 : 0;
		uint64_t min = 0;

		wgx_timerq_update(&q, &peers[i], d);
		model[i] = d;
		for (int j = 0; j < N; j++)
			if (model[j] && (!min || model[j] < min))
				min = model[j];
		if (wgx_timerq_next(&q) != min)
			bad_head++;
		for (uint32_t k = 0; k < q.len; k++)
			if (q.heap[k]->timerq_pos != k)
				bad_pos++;
	}
	ok(bad_head == 0, "200000 random updates/removals: head is always the earliest deadline (%d wrong)", bad_head);
	ok(bad_pos == 0, "every queued peer knows its heap position (%d wrong)", bad_pos);
	for (int i = 0; i < N; i++)
		wgx_timerq_update(&q, &peers[i], 0);
	ok(q.len == 0 && wgx_timerq_next(&q) == 0, "removing every peer empties the queue");
	wgx_timerq_update(&q, &peers[0], 50);
	wgx_timerq_update(&q, &peers[1], 10);
	ok(wgx_timerq_due(&q, 9) == NULL, "nothing due before the earliest deadline");
	ok(wgx_timerq_due(&q, 10) == &peers[1], "earliest peer due at its deadline");
	wgx_timerq_free(&q);
	return tap_done();
}
