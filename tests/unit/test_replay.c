// SPDX-License-Identifier: MIT
/*
 * The replay window against the Linux kernel's selftest
 * (drivers/net/wireguard/selftest/counter.c): its 34 numbered cases as a
 * table, then its bulk forward/backward sequences, each sequence reported as
 * one TAP line naming the first failing step. The kernel's cases never wrap
 * the ring of words, so a randomized run against a plain bitmap model follows.
 */
#include <inttypes.h>

#include "prng.h"
#include "core/replay.h"
#include "tap.h"

/* The kernel selftest's names, so each case prints as the kernel writes it. */
#define T_LIM (WGX_COUNTER_WINDOW_SIZE + 1)
#define REJECT_AFTER_MESSAGES WGX_REJECT_AFTER_MESSAGES

static const struct {
	uint64_t counter;
	bool accept;
	const char *expr;
} kernel_cases[] = {
#define T(n, v) { (n), (v), #n }
	/*  1 */ T(0, true),
	/*  2 */ T(1, true),
	/*  3 */ T(1, false),
	/*  4 */ T(9, true),
	/*  5 */ T(8, true),
	/*  6 */ T(7, true),
	/*  7 */ T(7, false),
	/*  8 */ T(T_LIM, true),
	/*  9 */ T(T_LIM - 1, true),
	/* 10 */ T(T_LIM - 1, false),
	/* 11 */ T(T_LIM - 2, true),
	/* 12 */ T(2, true),
	/* 13 */ T(2, false),
	/* 14 */ T(T_LIM + 16, true),
	/* 15 */ T(3, false),
	/* 16 */ T(T_LIM + 16, false),
	/* 17 */ T(T_LIM * 4, true),
	/* 18 */ T(T_LIM * 4 - (T_LIM - 1), true),
	/* 19 */ T(10, false),
	/* 20 */ T(T_LIM * 4 - T_LIM, false),
	/* 21 */ T(T_LIM * 4 - (T_LIM + 1), false),
	/* 22 */ T(T_LIM * 4 - (T_LIM - 2), true),
	/* 23 */ T(T_LIM * 4 + 1 - T_LIM, false),
	/* 24 */ T(0, false),
	/* 25 */ T(REJECT_AFTER_MESSAGES, false),
	/* 26 */ T(REJECT_AFTER_MESSAGES - 1, true),
	/* 27 */ T(REJECT_AFTER_MESSAGES, false),
	/* 28 */ T(REJECT_AFTER_MESSAGES - 1, false),
	/* 29 */ T(REJECT_AFTER_MESSAGES - 2, true),
	/* 30 */ T(REJECT_AFTER_MESSAGES + 1, false),
	/* 31 */ T(REJECT_AFTER_MESSAGES + 2, false),
	/* 32 */ T(REJECT_AFTER_MESSAGES - 2, false),
	/* 33 */ T(REJECT_AFTER_MESSAGES - 3, true),
	/* 34 */ T(0, false),
#undef T
};

/* One step of a bulk sequence; remembers the first step that went wrong. */
struct seq {
	struct wgx_replay r;
	unsigned int steps;
	unsigned int failed_step;
	uint64_t failed_counter;
};

static void seq_start(struct seq *s)
{
	wgx_replay_init(&s->r);
	s->steps = 0;
	s->failed_step = 0;
}

static void step(struct seq *s, uint64_t counter, bool accept)
{
	++s->steps;
	if (wgx_replay_check(&s->r, counter) != accept && !s->failed_step) {
		s->failed_step = s->steps;
		s->failed_counter = counter;
	}
}

static void seq_report(const struct seq *s, const char *what)
{
	if (!ok(!s->failed_step, "%s (%u steps)", what, s->steps))
		diag("first wrong verdict at step %u, counter %" PRIu64, s->failed_step,
		     s->failed_counter);
}

static void kernel_table(void)
{
	struct wgx_replay r;

	wgx_replay_init(&r);
	for (size_t i = 0; i < sizeof(kernel_cases) / sizeof(kernel_cases[0]); i++) {
		bool got = wgx_replay_check(&r, kernel_cases[i].counter);

		const char *expr = kernel_cases[i].expr;
		bool literal = expr[strspn(expr, "0123456789")] == '\0';

		ok(got == kernel_cases[i].accept, "counter.c case %zu: counter %" PRIu64 "%s%s%s -> %s",
		   i + 1, kernel_cases[i].counter, literal ? "" : " (", literal ? "" : expr,
		   literal ? "" : ")", kernel_cases[i].accept ? "accept" : "reject");
	}
}

static void kernel_bulk(void)
{
	const uint64_t w = WGX_COUNTER_WINDOW_SIZE;
	struct seq s;

	seq_start(&s);
	for (uint64_t i = 1; i <= w; ++i)
		step(&s, i, true);
	step(&s, 0, true);
	step(&s, 0, false);
	seq_report(&s, "counter.c bulk: forward 1..W accepted, then 0 accepted once");

	seq_start(&s);
	for (uint64_t i = 2; i <= w + 1; ++i)
		step(&s, i, true);
	step(&s, 1, true);
	step(&s, 0, false);
	seq_report(&s, "counter.c bulk: forward 2..W+1 accepted, 1 accepted, 0 left the window");

	seq_start(&s);
	for (uint64_t i = w + 1; i-- > 0;)
		step(&s, i, true);
	seq_report(&s, "counter.c bulk: backward W..0 all accepted");

	seq_start(&s);
	for (uint64_t i = w + 2; i-- > 1;)
		step(&s, i, true);
	step(&s, 0, false);
	seq_report(&s, "counter.c bulk: backward W+1..1 accepted, 0 left the window");

	seq_start(&s);
	for (uint64_t i = w + 1; i-- > 1;)
		step(&s, i, true);
	step(&s, w + 1, true);
	step(&s, 0, false);
	seq_report(&s, "counter.c bulk: backward W..1, W+1 accepted, 0 left the window");

	seq_start(&s);
	for (uint64_t i = w + 1; i-- > 1;)
		step(&s, i, true);
	step(&s, 0, true);
	step(&s, w + 1, true);
	seq_report(&s, "counter.c bulk: backward W..1, 0 accepted, then W+1 accepted");
}

/*
 * Counters jitter around a frontier that advances through several laps of
 * the ring; the model remembers every accepted counter in a flat bitmap and
 * accepts a counter iff it is new and no more than the window below the
 * highest one accepted.
 */
#define MODEL_RANGE (1u << 20)
#define RANDOM_STEPS 300000

static void randomized(void)
{
	static uint8_t seen[MODEL_RANGE / 8];
	uint64_t frontier = 0, highest = 0, accepted = 0;
	bool any = false;
	struct seq s;

	seq_start(&s);
	for (unsigned int n = 0; n < RANDOM_STEPS; n++) {
		uint64_t back = prng_below(WGX_COUNTER_WINDOW_SIZE + 200);
		uint64_t c = frontier + prng_below(64);
		bool want;

		c = c > back ? c - back : 0;
		frontier += prng_below(4);
		if (frontier >= MODEL_RANGE - 64)
			break;
		want = !(seen[c / 8] & (1u << (c % 8))) &&
		       (!any || c + WGX_COUNTER_WINDOW_SIZE >= highest);
		if (want) {
			seen[c / 8] |= 1u << (c % 8);
			if (!any || c > highest)
				highest = c;
			any = true;
			accepted++;
		}
		step(&s, c, want);
	}
	seq_report(&s, "randomized jitter around a moving frontier vs bitmap model");
	diag("%" PRIu64 " of %u counters accepted, highest %" PRIu64, accepted, s.steps, highest);
	ok(highest > 4 * WGX_COUNTER_BITS_TOTAL, "randomized run wrapped the ring at least 4 times");
}

int main(void)
{
	diag("window %d bits, COUNTER_WINDOW_SIZE %d, REJECT_AFTER_MESSAGES %llu",
	     WGX_COUNTER_BITS_TOTAL, WGX_COUNTER_WINDOW_SIZE,
	     (unsigned long long)WGX_REJECT_AFTER_MESSAGES);
	kernel_table();
	kernel_bulk();
	prng_seed(0x7265706c6179ULL);
	randomized();
	return tap_done();
}
