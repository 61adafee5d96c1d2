// SPDX-License-Identifier: MIT
/*
 * RFC 6479 replay window, the kernel's counter_validate: the bitmap is a ring
 * of words and advancing the window only clears the words it passes over, so
 * nothing is ever bit-shifted.
 */
#include <string.h>

#include "core/replay.h"

#define WORDS (WGX_COUNTER_BITS_TOTAL / WGX_REPLAY_WORD_BITS)
#define WORD_SHIFT 6 /* log2(WGX_REPLAY_WORD_BITS) */

_Static_assert((1 << WORD_SHIFT) == WGX_REPLAY_WORD_BITS, "word shift");
_Static_assert((WORDS & (WORDS - 1)) == 0, "ring of words must be a power of two");

void wgx_replay_init(struct wgx_replay *r)
{
	memset(r, 0, sizeof(*r));
}

bool wgx_replay_check(struct wgx_replay *r, uint64_t their_counter)
{
	uint64_t index, index_current, top, bit;

	if (r->counter >= WGX_REJECT_AFTER_MESSAGES + 1 ||
	    their_counter >= WGX_REJECT_AFTER_MESSAGES)
		return false;

	/* Work one past the counter so that "nothing received" is 0. */
	++their_counter;

	if (WGX_COUNTER_WINDOW_SIZE + their_counter < r->counter)
		return false;

	index = their_counter >> WORD_SHIFT;

	if (their_counter > r->counter) {
		index_current = r->counter >> WORD_SHIFT;
		top = index - index_current;
		if (top > WORDS)
			top = WORDS;
		for (uint64_t i = 1; i <= top; ++i)
			r->backtrack[(i + index_current) & (WORDS - 1)] = 0;
		r->counter = their_counter;
	}

	index &= WORDS - 1;
	bit = 1ULL << (their_counter & (WGX_REPLAY_WORD_BITS - 1));
	if (r->backtrack[index] & bit)
		return false;
	r->backtrack[index] |= bit;
	return true;
}
