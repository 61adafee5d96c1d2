// SPDX-License-Identifier: MIT
/*
 * The per-peer timer state machine against a fake clock: every transition of
 * the kernel's timers.c and the freshness rules of its send.c / receive.c.
 * The clock starts at T0, not 0, so absolute/relative mix-ups show.
 */
#include <errno.h>
#include <stdlib.h>

#include "tap.h"
#include "core/timers.h"

#define S WGX_NS_PER_SEC
#define MS (WGX_NS_PER_SEC / 1000)
#define T0 (1000 * S)
#define JITTER_MAX (WGX_REKEY_TIMEOUT_JITTER_MAX_MS * MS)
#define SEED 0x5eed

static void fresh(struct wgx_timers *t)
{
	if (wgx_timers_init(t, 1, SEED))
		abort();
}

/* What the daemon does around sending an initiation (send.c). */
static void sent_initiation(struct wgx_timers *t, uint64_t now)
{
	wgx_timers_any_authenticated_packet_traversal(t, now);
	wgx_timers_any_authenticated_packet_sent(t, now);
	wgx_timers_handshake_initiated(t, now);
}

/* ... and around sending a keepalive (wg_packet_create_data_done). */
static void sent_keepalive(struct wgx_timers *t, uint64_t now)
{
	wgx_timers_any_authenticated_packet_traversal(t, now);
	wgx_timers_any_authenticated_packet_sent(t, now);
}

static void test_init(void)
{
	struct wgx_timers t;

	ok(wgx_timers_init(&t, 0, SEED) == -EINVAL, "init: scale 0 is -EINVAL");
	ok(wgx_timers_init(&t, WGX_TIMERS_SCALE_MAX + 1, SEED) == -EINVAL,
	   "init: scale above %u is -EINVAL", WGX_TIMERS_SCALE_MAX);
	ok(wgx_timers_init(&t, 1, SEED) == 0 && wgx_timers_next_deadline(&t) == 0 &&
		   wgx_timers_expire(&t, T0) == 0,
	   "init: nothing armed, expire does nothing");
}

static void test_retransmit(void)
{
	struct wgx_timers t;
	uint64_t now = T0, first_gap, give_up_at = 0;
	unsigned int sent = 1, retries_ok = 0, clears = 0, a = 0, resets = 0;
	bool gaps_ok = true, purged = false;

	fresh(&t);
	ok(wgx_timers_request_initiation(&t, now), "retransmit: first initiation allowed");
	sent_initiation(&t, now);
	first_gap = t.at[WGX_TIMER_RETRANSMIT_HANDSHAKE] - now;
	ok(first_gap >= 5 * S && first_gap < 5 * S + JITTER_MAX,
	   "retransmit: armed at REKEY_TIMEOUT + %llu ms jitter (< 333 ms)",
	   (unsigned long long)((first_gap - 5 * S) / MS));
	ok(wgx_timers_expire(&t, t.at[WGX_TIMER_RETRANSMIT_HANDSHAKE] - 1) == 0,
	   "retransmit: nothing 1 ns before the deadline");

	/* Never answered: follow the deadlines until it gives up. */
	while (!purged && now < T0 + 200 * S) {
		uint64_t deadline = wgx_timers_next_deadline(&t), gap = deadline - now;

		if (deadline != t.at[WGX_TIMER_RETRANSMIT_HANDSHAKE] || gap < 5 * S ||
		    gap >= 5 * S + JITTER_MAX)
			gaps_ok = false;
		now = deadline;
		a = wgx_timers_expire(&t, now);
		if (a & WGX_TA_CLEAR_ENDPOINT_SRC)
			clears++;
		if (a & WGX_TA_SEND_INITIATION) {
			retries_ok += !!(a & WGX_TA_INITIATION_RETRY);
			resets += t.handshake_attempts == 0;
			sent++;
			sent_initiation(&t, now);
		}
		if (a & WGX_TA_PURGE_STAGED) {
			purged = true;
			give_up_at = now;
		}
	}
	ok(gaps_ok, "retransmit: every retry REKEY_TIMEOUT + [0, 333 ms) after the previous one");
	ok(retries_ok == sent - 1 && clears == sent - 1 && resets == 0,
	   "retransmit: each retry flagged RETRY and CLEAR_ENDPOINT_SRC, attempts counted up");
	ok(purged && sent == WGX_MAX_TIMER_HANDSHAKES + 2,
	   "retransmit: gives up after MAX_TIMER_HANDSHAKES + 2 = %u initiations (sent %u)",
	   WGX_MAX_TIMER_HANDSHAKES + 2, sent);
	ok(a == WGX_TA_PURGE_STAGED, "retransmit: give-up asks for PURGE_STAGED only (0x%x)", a);
	ok(give_up_at - T0 >= (WGX_MAX_TIMER_HANDSHAKES + 2) * WGX_REKEY_TIMEOUT * S &&
		   give_up_at - T0 < (WGX_MAX_TIMER_HANDSHAKES + 2) * (5 * S + JITTER_MAX),
	   "retransmit: gives up %llu ms after the first initiation (>= REKEY_ATTEMPT_TIME)",
	   (unsigned long long)((give_up_at - T0) / MS));
	ok(t.at[WGX_TIMER_ZERO_KEY_MATERIAL] == give_up_at + 3 * WGX_REJECT_AFTER_TIME * S,
	   "retransmit: give-up arms zero_key_material at 3 * REJECT_AFTER_TIME");
	ok(!t.at[WGX_TIMER_RETRANSMIT_HANDSHAKE] && !t.at[WGX_TIMER_SEND_KEEPALIVE],
	   "retransmit: after give-up no retransmit and no keepalive armed");
	ok(wgx_timers_expire(&t, give_up_at + 3 * WGX_REJECT_AFTER_TIME * S) == WGX_TA_ZERO_KEYS,
	   "retransmit: the residue is zeroed 3 * REJECT_AFTER_TIME later");
}

static void test_retransmit_edges(void)
{
	struct wgx_timers t;
	uint64_t now = T0, zero_at, d;
	unsigned int a;

	/* Give-up leaves an armed zero_key_material alone, and cancels a keepalive. */
	fresh(&t);
	wgx_timers_session_derived(&t, now);
	zero_at = t.at[WGX_TIMER_ZERO_KEY_MATERIAL];
	sent_initiation(&t, now);
	t.handshake_attempts = WGX_MAX_TIMER_HANDSHAKES + 1;
	now = t.at[WGX_TIMER_RETRANSMIT_HANDSHAKE];
	wgx_timers_data_received(&t, now - 1);
	a = wgx_timers_expire(&t, now);
	ok(a == WGX_TA_PURGE_STAGED && t.at[WGX_TIMER_ZERO_KEY_MATERIAL] == zero_at &&
		   !t.at[WGX_TIMER_SEND_KEEPALIVE],
	   "retransmit: give-up keeps an armed zero_key_material, cancels send_keepalive");

	/* handshake_complete stops retransmission and resets the count. */
	fresh(&t);
	sent_initiation(&t, T0);
	t.handshake_attempts = 7;
	wgx_timers_handshake_complete(&t, T0 + S);
	ok(!t.at[WGX_TIMER_RETRANSMIT_HANDSHAKE] && t.handshake_attempts == 0 &&
		   wgx_timers_expire(&t, T0 + 10 * S) == 0,
	   "handshake_complete: retransmit disarmed, attempts reset");

	/* A retry inside the rate limit (a response went out meanwhile) only clears src. */
	fresh(&t);
	sent_initiation(&t, T0);
	d = t.at[WGX_TIMER_RETRANSMIT_HANDSHAKE];
	wgx_timers_handshake_response_sent(&t, d - S);
	a = wgx_timers_expire(&t, d);
	ok(a == WGX_TA_CLEAR_ENDPOINT_SRC && t.handshake_attempts == 1,
	   "retransmit: rate-limited retry sends nothing (0x%x), counts the attempt", a);
}

static void test_jitter(void)
{
	struct wgx_timers t, u;
	uint64_t lo = UINT64_MAX, hi = 0, now = T0;
	bool in_range = true, same = true;
	const int n = 2000;

	fresh(&t);
	fresh(&u);
	for (int i = 0; i < n; i++, now += 10 * S) {
		uint64_t j;

		wgx_timers_handshake_initiated(&t, now);
		wgx_timers_handshake_initiated(&u, now);
		j = t.at[WGX_TIMER_RETRANSMIT_HANDSHAKE] - now - 5 * S;
		same &= t.at[WGX_TIMER_RETRANSMIT_HANDSHAKE] == u.at[WGX_TIMER_RETRANSMIT_HANDSHAKE];
		in_range &= t.at[WGX_TIMER_RETRANSMIT_HANDSHAKE] - now >= 5 * S && j < JITTER_MAX;
		lo = j < lo ? j : lo;
		hi = j > hi ? j : hi;
	}
	diag("jitter over %d draws: min %llu us, max %llu us", n, (unsigned long long)(lo / 1000),
	     (unsigned long long)(hi / 1000));
	ok(in_range, "jitter: %d draws all within [0, 333 ms)", n);
	ok(lo < 10 * MS && hi > JITTER_MAX - 10 * MS, "jitter: spread covers the whole range");
	ok(same, "jitter: the same seed replays the same jitter");
	wgx_timers_init(&u, 1, SEED + 1);
	wgx_timers_handshake_initiated(&u, now);
	wgx_timers_handshake_initiated(&t, now);
	ok(t.at[WGX_TIMER_RETRANSMIT_HANDSHAKE] != u.at[WGX_TIMER_RETRANSMIT_HANDSHAKE],
	   "jitter: another seed gives another jitter");
}

static void test_rate_limit(void)
{
	struct wgx_timers t;

	fresh(&t);
	ok(wgx_timers_request_initiation(&t, T0), "rate limit: first request allowed");
	ok(!wgx_timers_request_initiation(&t, T0 + 5 * S - 1),
	   "rate limit: refused until REKEY_TIMEOUT after the last one");
	ok(wgx_timers_request_initiation(&t, T0 + 5 * S), "rate limit: allowed at REKEY_TIMEOUT");
	wgx_timers_handshake_response_sent(&t, T0 + 20 * S);
	ok(!wgx_timers_request_initiation(&t, T0 + 24 * S),
	   "rate limit: a sent response counts as a handshake message");
	t.handshake_attempts = 5;
	wgx_timers_request_initiation(&t, T0 + 24 * S);
	ok(t.handshake_attempts == 0, "rate limit: a request (not a retry) resets the attempts");
}

static void test_new_handshake(void)
{
	struct wgx_timers t;
	uint64_t d, now = T0;
	unsigned int a;

	fresh(&t);
	wgx_timers_data_sent(&t, now);
	d = t.at[WGX_TIMER_NEW_HANDSHAKE];
	ok(d >= now + 15 * S && d < now + 15 * S + JITTER_MAX,
	   "new_handshake: data sent arms KEEPALIVE + REKEY_TIMEOUT + jitter (%llu ms)",
	   (unsigned long long)((d - now) / MS));
	wgx_timers_data_sent(&t, now + 3 * S);
	ok(t.at[WGX_TIMER_NEW_HANDSHAKE] == d, "new_handshake: more data sent does not push it back");
	ok(wgx_timers_expire(&t, d - 1) == 0, "new_handshake: nothing before the deadline");
	t.handshake_attempts = 3;
	a = wgx_timers_expire(&t, d);
	ok(a == (WGX_TA_SEND_INITIATION | WGX_TA_CLEAR_ENDPOINT_SRC) && t.handshake_attempts == 0,
	   "new_handshake: no reply -> fresh initiation (not a retry) + clear src (0x%x)", a);
	ok(!t.at[WGX_TIMER_NEW_HANDSHAKE], "new_handshake: disarmed after firing");

	fresh(&t);
	wgx_timers_data_sent(&t, now);
	wgx_timers_any_authenticated_packet_received(&t, now + 14 * S);
	ok(!t.at[WGX_TIMER_NEW_HANDSHAKE] && wgx_timers_expire(&t, now + 20 * S) == 0,
	   "new_handshake: any authenticated receive cancels it");

	fresh(&t);
	ok(wgx_timers_request_initiation(&t, now), "new_handshake: setup, an initiation goes out at T0");
	wgx_timers_data_sent(&t, now);
	wgx_timers_handshake_response_sent(&t, t.at[WGX_TIMER_NEW_HANDSHAKE] - S);
	a = wgx_timers_expire(&t, t.at[WGX_TIMER_NEW_HANDSHAKE]);
	ok(a == WGX_TA_CLEAR_ENDPOINT_SRC, "new_handshake: rate-limited -> only clear src (0x%x)", a);
}

static void test_keepalive(void)
{
	struct wgx_timers t;
	uint64_t now = T0;
	unsigned int a;

	fresh(&t);
	wgx_timers_data_received(&t, now);
	ok(t.at[WGX_TIMER_SEND_KEEPALIVE] == now + 10 * S,
	   "keepalive: data received arms KEEPALIVE_TIMEOUT");
	ok(wgx_timers_expire(&t, now + 10 * S - 1) == 0, "keepalive: nothing before 10 s");
	a = wgx_timers_expire(&t, now + 10 * S);
	ok(a == WGX_TA_SEND_KEEPALIVE && !t.at[WGX_TIMER_SEND_KEEPALIVE],
	   "keepalive: sent after 10 s of silence, not re-armed (0x%x)", a);

	fresh(&t);
	wgx_timers_data_received(&t, now);
	wgx_timers_any_authenticated_packet_sent(&t, now + 2 * S);
	ok(!t.at[WGX_TIMER_SEND_KEEPALIVE] && wgx_timers_expire(&t, now + 20 * S) == 0,
	   "keepalive: none if we sent anything authenticated meanwhile");

	fresh(&t);
	wgx_timers_data_received(&t, now);
	wgx_timers_data_received(&t, now + 4 * S);
	ok(t.at[WGX_TIMER_SEND_KEEPALIVE] == now + 10 * S && t.need_another_keepalive,
	   "need_another_keepalive: second receive keeps the deadline, sets the flag");
	a = wgx_timers_expire(&t, now + 10 * S);
	ok(a == WGX_TA_SEND_KEEPALIVE && t.at[WGX_TIMER_SEND_KEEPALIVE] == now + 20 * S &&
		   !t.need_another_keepalive,
	   "need_another_keepalive: firing re-arms 10 s later and clears the flag");
	a = wgx_timers_expire(&t, now + 20 * S);
	ok(a == WGX_TA_SEND_KEEPALIVE && !t.at[WGX_TIMER_SEND_KEEPALIVE],
	   "need_another_keepalive: the second one fires once, then nothing");
	wgx_timers_data_received(&t, now + 21 * S);
	wgx_timers_data_received(&t, now + 22 * S);
	wgx_timers_expire(&t, now + 31 * S);
	sent_keepalive(&t, now + 31 * S);
	ok(!t.at[WGX_TIMER_SEND_KEEPALIVE],
	   "need_another_keepalive: the re-arm is cancelled once the keepalive goes out");
}

static void test_persistent_keepalive(void)
{
	struct wgx_timers t;
	uint64_t now = T0;
	unsigned int a, fired = 0;

	fresh(&t);
	a = wgx_timers_set_persistent_keepalive(&t, 25, now);
	ok(a == WGX_TA_SEND_KEEPALIVE && t.at[WGX_TIMER_PERSISTENT_KEEPALIVE] == now + 25 * S,
	   "persistent keepalive: enabling sends one now and arms the interval");
	ok(wgx_timers_set_persistent_keepalive(&t, 30, now) == 0,
	   "persistent keepalive: changing a non-zero interval sends nothing");
	sent_keepalive(&t, now);
	ok(t.at[WGX_TIMER_PERSISTENT_KEEPALIVE] == now + 30 * S,
	   "persistent keepalive: traversal arms the new interval");
	wgx_timers_any_authenticated_packet_traversal(&t, now + 10 * S);
	ok(t.at[WGX_TIMER_PERSISTENT_KEEPALIVE] == now + 40 * S,
	   "persistent keepalive: traffic pushes it back");
	ok(wgx_timers_expire(&t, now + 40 * S - 1) == 0,
	   "persistent keepalive: nothing before the interval");
	now += 40 * S;
	for (int i = 0; i < 5; i++, now += 30 * S) {
		if (wgx_timers_expire(&t, now) == WGX_TA_SEND_KEEPALIVE) {
			fired++;
			sent_keepalive(&t, now);
		}
	}
	ok(fired == 5, "persistent keepalive: fires every interval when idle (%u of 5)", fired);
	ok(wgx_timers_set_persistent_keepalive(&t, 0, now) == 0 &&
		   !t.at[WGX_TIMER_PERSISTENT_KEEPALIVE] && wgx_timers_expire(&t, now + 100 * S) == 0,
	   "persistent keepalive: interval 0 disarms it");
	wgx_timers_any_authenticated_packet_traversal(&t, now);
	ok(!t.at[WGX_TIMER_PERSISTENT_KEEPALIVE], "persistent keepalive: off, traversal arms nothing");
}

static void test_zero_key_material(void)
{
	struct wgx_timers t;
	uint64_t now = T0;

	fresh(&t);
	wgx_timers_session_derived(&t, now);
	ok(t.at[WGX_TIMER_ZERO_KEY_MATERIAL] == now + 540 * S,
	   "zero keys: session derived arms 3 * REJECT_AFTER_TIME = 540 s");
	wgx_timers_session_derived(&t, now + 100 * S);
	ok(t.at[WGX_TIMER_ZERO_KEY_MATERIAL] == now + 640 * S,
	   "zero keys: a newer session pushes it back");
	ok(wgx_timers_expire(&t, now + 640 * S - 1) == 0, "zero keys: nothing before");
	ok(wgx_timers_expire(&t, now + 640 * S) == WGX_TA_ZERO_KEYS &&
		   !t.at[WGX_TIMER_ZERO_KEY_MATERIAL],
	   "zero keys: fires at 540 s after the last session, once");
}

static void test_freshness(void)
{
	struct wgx_timers t;
	uint64_t b = T0;

	fresh(&t);
	ok(!wgx_timers_should_rekey_on_send(&t, true, b, 0, b + 120 * S - 1) &&
		   wgx_timers_should_rekey_on_send(&t, true, b, 0, b + 120 * S),
	   "rekey on send: initiator at REKEY_AFTER_TIME (120 s), not before");
	ok(!wgx_timers_should_rekey_on_send(&t, false, b, 0, b + 179 * S),
	   "rekey on send: responder never by age");
	ok(!wgx_timers_should_rekey_on_send(&t, true, b, WGX_REKEY_AFTER_MESSAGES, b) &&
		   wgx_timers_should_rekey_on_send(&t, true, b, WGX_REKEY_AFTER_MESSAGES + 1, b) &&
		   wgx_timers_should_rekey_on_send(&t, false, b, WGX_REKEY_AFTER_MESSAGES + 1, b),
	   "rekey on send: past REKEY_AFTER_MESSAGES for both roles");
	ok(!wgx_timers_should_rekey_on_send(&t, true, b + S, 0, b),
	   "rekey on send: a birth in the future is not old");

	ok(!wgx_timers_should_rekey_on_receive(&t, true, b, b + 165 * S - 1),
	   "rekey on receive: initiator not before 165 s");
	ok(wgx_timers_should_rekey_on_receive(&t, true, b, b + 165 * S),
	   "rekey on receive: initiator at REJECT - KEEPALIVE - REKEY_TIMEOUT = 165 s");
	ok(!wgx_timers_should_rekey_on_receive(&t, true, b, b + 170 * S),
	   "rekey on receive: only once per handshake");
	wgx_timers_handshake_complete(&t, b + 171 * S);
	ok(wgx_timers_should_rekey_on_receive(&t, true, b, b + 172 * S),
	   "rekey on receive: again after handshake_complete");
	fresh(&t);
	ok(!wgx_timers_should_rekey_on_receive(&t, false, b, b + 179 * S),
	   "rekey on receive: never for the responder");

	ok(!wgx_timers_keypair_expired(&t, b, 0, b + 180 * S - 1) &&
		   wgx_timers_keypair_expired(&t, b, 0, b + 180 * S),
	   "expiry: keypair dead at REJECT_AFTER_TIME (180 s)");
	ok(!wgx_timers_keypair_expired(&t, b, WGX_REJECT_AFTER_MESSAGES - 1, b) &&
		   wgx_timers_keypair_expired(&t, b, WGX_REJECT_AFTER_MESSAGES, b),
	   "expiry: keypair dead at REJECT_AFTER_MESSAGES");
}

static void test_scale(void)
{
	struct wgx_timers t;
	uint64_t b = T0, d;
	unsigned int a;

	ok(wgx_timers_init(&t, 60, SEED) == 0, "scale 60: accepted");
	ok(wgx_timers_duration(&t, WGX_REKEY_AFTER_TIME) == 2 * S,
	   "scale 60: REKEY_AFTER_TIME is 2 s");
	ok(!wgx_timers_should_rekey_on_send(&t, true, b, 0, b + 2 * S - 1) &&
		   wgx_timers_should_rekey_on_send(&t, true, b, 0, b + 2 * S),
	   "scale 60: rekey on send at 2 s");
	ok(wgx_timers_keypair_expired(&t, b, 0, b + 3 * S) &&
		   !wgx_timers_keypair_expired(&t, b, 0, b + 3 * S - 1),
	   "scale 60: keypair expires at 3 s");
	ok(!wgx_timers_should_rekey_on_send(&t, false, b, WGX_REKEY_AFTER_MESSAGES, b + 60 * S),
	   "scale 60: message limits are not scaled");
	sent_initiation(&t, b);
	d = t.at[WGX_TIMER_RETRANSMIT_HANDSHAKE] - b;
	ok(d >= 5 * S / 60 && d < (5 * S + JITTER_MAX) / 60,
	   "scale 60: retransmit after %llu us (REKEY_TIMEOUT + jitter, / 60)",
	   (unsigned long long)(d / 1000));
	a = wgx_timers_expire(&t, b + d);
	ok(a & WGX_TA_SEND_INITIATION, "scale 60: scaled rate limit lets the retry out");
	wgx_timers_data_received(&t, b);
	ok(t.at[WGX_TIMER_SEND_KEEPALIVE] == b + 10 * S / 60, "scale 60: keepalive after 1/6 s");
	wgx_timers_session_derived(&t, b);
	ok(t.at[WGX_TIMER_ZERO_KEY_MATERIAL] == b + 9 * S, "scale 60: zero keys after 9 s");
	wgx_timers_set_persistent_keepalive(&t, 60, b);
	ok(t.at[WGX_TIMER_PERSISTENT_KEEPALIVE] == b + S,
	   "scale 60: a 60 s persistent keepalive fires every 1 s");
}

static void test_next_deadline_and_stop(void)
{
	struct wgx_timers t;
	uint64_t now = T0;
	unsigned int a;

	fresh(&t);
	wgx_timers_session_derived(&t, now);		 /* +540 s */
	wgx_timers_set_persistent_keepalive(&t, 25, now); /* +25 s */
	wgx_timers_data_sent(&t, now);			 /* +15 s + jitter */
	ok(wgx_timers_next_deadline(&t) == t.at[WGX_TIMER_NEW_HANDSHAKE],
	   "next_deadline: the earliest of three armed timers");
	wgx_timers_data_received(&t, now + 2 * S); /* +12 s */
	ok(wgx_timers_next_deadline(&t) == now + 12 * S, "next_deadline: follows a newly armed earlier one");
	a = wgx_timers_expire(&t, now + 30 * S);
	ok(a == (WGX_TA_SEND_KEEPALIVE | WGX_TA_SEND_INITIATION | WGX_TA_CLEAR_ENDPOINT_SRC) &&
		   wgx_timers_next_deadline(&t) == now + 540 * S,
	   "expire: runs every due timer in one call (0x%x), leaves the rest", a);

	wgx_timers_data_sent(&t, now + 30 * S);
	wgx_timers_handshake_initiated(&t, now + 30 * S);
	wgx_timers_stop(&t);
	ok(wgx_timers_next_deadline(&t) == 0 && wgx_timers_expire(&t, UINT64_MAX) == 0,
	   "stop: disarms everything");
	wgx_timers_data_sent(&t, now + 31 * S);
	wgx_timers_data_received(&t, now + 31 * S);
	wgx_timers_handshake_initiated(&t, now + 31 * S);
	wgx_timers_session_derived(&t, now + 31 * S);
	wgx_timers_any_authenticated_packet_traversal(&t, now + 31 * S);
	ok(wgx_timers_next_deadline(&t) == 0 && !wgx_timers_request_initiation(&t, now + 99 * S),
	   "stop: hooks arm nothing afterwards, no initiation allowed");
}

int main(void)
{
	test_init();
	test_retransmit();
	test_retransmit_edges();
	test_jitter();
	test_rate_limit();
	test_new_handshake();
	test_keepalive();
	test_persistent_keepalive();
	test_zero_key_material();
	test_freshness();
	test_scale();
	test_next_deadline_and_stop();
	return tap_done();
}
