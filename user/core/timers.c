// SPDX-License-Identifier: MIT
/*
 * Per-peer timers, modelled on the kernel's drivers/net/wireguard/timers.c:
 *
 * - retransmit the initiation if no response after REKEY_TIMEOUT + jitter;
 *   give up after MAX_TIMER_HANDSHAKES + 2 initiations (REKEY_ATTEMPT_TIME);
 * - send a keepalive if we received data but sent nothing for KEEPALIVE_TIMEOUT;
 * - start a handshake if we sent data but heard nothing for
 *   KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + jitter;
 * - zero all keys if no new session for 3 * REJECT_AFTER_TIME;
 * - the optional persistent keepalive.
 *
 * Each kernel timer_list becomes a deadline; mod_timer() is arm(), del_timer()
 * is disarm(), and the expiry functions return actions instead of sending.
 */
#include <errno.h>
#include <string.h>

#include "core/timers.h"

#define JITTER_MAX_NS (WGX_REKEY_TIMEOUT_JITTER_MAX_MS * 1000000ULL)

int wgx_timers_init(struct wgx_timers *t, uint32_t scale, uint64_t rng_seed)
{
	if (scale == 0 || scale > WGX_TIMERS_SCALE_MAX)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->scale = scale;
	t->rng = rng_seed;
	return 0;
}

uint64_t wgx_timers_duration(const struct wgx_timers *t, uint64_t seconds)
{
	return seconds * WGX_NS_PER_SEC / t->scale;
}

/* splitmix64: deterministic from the seed, so tests can replay the jitter. */
static uint64_t next_random(struct wgx_timers *t)
{
	uint64_t z = (t->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 333 ms / scale), like the kernel's get_random_u32_below(HZ / 3). */
static uint64_t jitter(struct wgx_timers *t)
{
	return next_random(t) % (JITTER_MAX_NS / t->scale);
}

static bool armed(const struct wgx_timers *t, enum wgx_timer which)
{
	return t->at[which] != 0;
}

/* mod_peer_timer(): a removed peer's timers stay disarmed. */
static void arm(struct wgx_timers *t, enum wgx_timer which, uint64_t deadline)
{
	if (!t->dead)
		t->at[which] = deadline;
}

static void disarm(struct wgx_timers *t, enum wgx_timer which)
{
	t->at[which] = 0;
}

/* wg_birthdate_has_expired(): at least @d old; a future @birth is not. */
static bool has_expired(uint64_t birth, uint64_t d, uint64_t now)
{
	return now >= birth && now - birth >= d;
}

void wgx_timers_data_sent(struct wgx_timers *t, uint64_t now)
{
	if (!armed(t, WGX_TIMER_NEW_HANDSHAKE))
		arm(t, WGX_TIMER_NEW_HANDSHAKE,
		    now + wgx_timers_duration(t, WGX_KEEPALIVE_TIMEOUT + WGX_REKEY_TIMEOUT) +
			    jitter(t));
}

void wgx_timers_data_received(struct wgx_timers *t, uint64_t now)
{
	if (!armed(t, WGX_TIMER_SEND_KEEPALIVE))
		arm(t, WGX_TIMER_SEND_KEEPALIVE, now + wgx_timers_duration(t, WGX_KEEPALIVE_TIMEOUT));
	else
		t->need_another_keepalive = true;
}

void wgx_timers_any_authenticated_packet_sent(struct wgx_timers *t, uint64_t now)
{
	(void)now;
	disarm(t, WGX_TIMER_SEND_KEEPALIVE);
}

void wgx_timers_any_authenticated_packet_received(struct wgx_timers *t, uint64_t now)
{
	(void)now;
	disarm(t, WGX_TIMER_NEW_HANDSHAKE);
}

void wgx_timers_any_authenticated_packet_traversal(struct wgx_timers *t, uint64_t now)
{
	if (t->persistent_keepalive_interval)
		arm(t, WGX_TIMER_PERSISTENT_KEEPALIVE,
		    now + wgx_timers_duration(t, t->persistent_keepalive_interval));
}

void wgx_timers_handshake_initiated(struct wgx_timers *t, uint64_t now)
{
	t->last_sent_handshake = now;
	t->sent_handshake = true;
	arm(t, WGX_TIMER_RETRANSMIT_HANDSHAKE,
	    now + wgx_timers_duration(t, WGX_REKEY_TIMEOUT) + jitter(t));
}

void wgx_timers_handshake_response_sent(struct wgx_timers *t, uint64_t now)
{
	t->last_sent_handshake = now;
	t->sent_handshake = true;
}

void wgx_timers_handshake_complete(struct wgx_timers *t, uint64_t now)
{
	(void)now;
	disarm(t, WGX_TIMER_RETRANSMIT_HANDSHAKE);
	t->handshake_attempts = 0;
	t->sent_lastminute_handshake = false;
}

void wgx_timers_session_derived(struct wgx_timers *t, uint64_t now)
{
	arm(t, WGX_TIMER_ZERO_KEY_MATERIAL,
	    now + wgx_timers_duration(t, 3 * WGX_REJECT_AFTER_TIME));
}

unsigned int wgx_timers_set_persistent_keepalive(struct wgx_timers *t, uint16_t interval_s,
						 uint64_t now)
{
	bool turned_on = !t->persistent_keepalive_interval && interval_s;

	t->persistent_keepalive_interval = interval_s;
	if (!interval_s) {
		disarm(t, WGX_TIMER_PERSISTENT_KEEPALIVE);
		return 0;
	}
	if (!turned_on)
		return 0;
	/* The keepalive sent now re-arms it too; arming here keeps it alive
	 * even if that keepalive cannot go out (no endpoint, no key yet). */
	wgx_timers_any_authenticated_packet_traversal(t, now);
	return t->dead ? 0 : WGX_TA_SEND_KEEPALIVE;
}

/* wg_packet_send_queued_handshake_initiation() + the rate limit of
 * wg_packet_send_handshake_initiation(): at most one per REKEY_TIMEOUT. */
static bool queue_initiation(struct wgx_timers *t, bool is_retry, uint64_t now)
{
	if (!is_retry)
		t->handshake_attempts = 0;
	if (t->dead || (t->sent_handshake &&
			!has_expired(t->last_sent_handshake,
				     wgx_timers_duration(t, WGX_REKEY_TIMEOUT), now)))
		return false;
	t->last_sent_handshake = now;
	t->sent_handshake = true;
	return true;
}

bool wgx_timers_request_initiation(struct wgx_timers *t, uint64_t now)
{
	return queue_initiation(t, false, now);
}

static unsigned int expired_retransmit_handshake(struct wgx_timers *t, uint64_t now)
{
	if (t->handshake_attempts > WGX_MAX_TIMER_HANDSHAKES) {
		/* Given up: drop what waits for a key, and destroy any residue
		 * of the partial exchange later. */
		disarm(t, WGX_TIMER_SEND_KEEPALIVE);
		if (!armed(t, WGX_TIMER_ZERO_KEY_MATERIAL))
			arm(t, WGX_TIMER_ZERO_KEY_MATERIAL,
			    now + wgx_timers_duration(t, 3 * WGX_REJECT_AFTER_TIME));
		return WGX_TA_PURGE_STAGED;
	}
	++t->handshake_attempts;
	if (queue_initiation(t, true, now))
		return WGX_TA_CLEAR_ENDPOINT_SRC | WGX_TA_SEND_INITIATION |
		       WGX_TA_INITIATION_RETRY;
	return WGX_TA_CLEAR_ENDPOINT_SRC;
}

static unsigned int expired_send_keepalive(struct wgx_timers *t, uint64_t now)
{
	if (t->need_another_keepalive) {
		t->need_another_keepalive = false;
		arm(t, WGX_TIMER_SEND_KEEPALIVE, now + wgx_timers_duration(t, WGX_KEEPALIVE_TIMEOUT));
	}
	return WGX_TA_SEND_KEEPALIVE;
}

static unsigned int expired_new_handshake(struct wgx_timers *t, uint64_t now)
{
	if (queue_initiation(t, false, now))
		return WGX_TA_CLEAR_ENDPOINT_SRC | WGX_TA_SEND_INITIATION;
	return WGX_TA_CLEAR_ENDPOINT_SRC;
}

static unsigned int expired_persistent_keepalive(struct wgx_timers *t)
{
	return t->persistent_keepalive_interval ? WGX_TA_SEND_KEEPALIVE : 0;
}

static unsigned int fire(struct wgx_timers *t, enum wgx_timer which, uint64_t now)
{
	switch (which) {
	case WGX_TIMER_RETRANSMIT_HANDSHAKE:
		return expired_retransmit_handshake(t, now);
	case WGX_TIMER_SEND_KEEPALIVE:
		return expired_send_keepalive(t, now);
	case WGX_TIMER_NEW_HANDSHAKE:
		return expired_new_handshake(t, now);
	case WGX_TIMER_ZERO_KEY_MATERIAL:
		return WGX_TA_ZERO_KEYS;
	case WGX_TIMER_PERSISTENT_KEEPALIVE:
		return expired_persistent_keepalive(t);
	case WGX_TIMER_COUNT:
		break;
	}
	return 0;
}

/* The armed timer with the earliest deadline, or WGX_TIMER_COUNT. */
static enum wgx_timer earliest(const struct wgx_timers *t)
{
	enum wgx_timer best = WGX_TIMER_COUNT;

	for (enum wgx_timer i = 0; i < WGX_TIMER_COUNT; i++)
		if (armed(t, i) && (best == WGX_TIMER_COUNT || t->at[i] < t->at[best]))
			best = i;
	return best;
}

unsigned int wgx_timers_expire(struct wgx_timers *t, uint64_t now)
{
	unsigned int actions = 0;
	enum wgx_timer which;

	/* Handlers only re-arm strictly after now (every duration is > 0), so
	 * each timer fires at most once per call and the loop ends. */
	while ((which = earliest(t)) != WGX_TIMER_COUNT && t->at[which] <= now) {
		disarm(t, which);
		actions |= fire(t, which, now);
	}
	return actions;
}

uint64_t wgx_timers_next_deadline(const struct wgx_timers *t)
{
	enum wgx_timer which = earliest(t);

	return which == WGX_TIMER_COUNT ? 0 : t->at[which];
}

void wgx_timers_stop(struct wgx_timers *t)
{
	t->dead = true;
	for (enum wgx_timer i = 0; i < WGX_TIMER_COUNT; i++)
		disarm(t, i);
}

bool wgx_timers_should_rekey_on_send(const struct wgx_timers *t, bool is_initiator,
				     uint64_t birth, uint64_t counter, uint64_t now)
{
	return counter > WGX_REKEY_AFTER_MESSAGES ||
	       (is_initiator && has_expired(birth, wgx_timers_duration(t, WGX_REKEY_AFTER_TIME), now));
}

bool wgx_timers_should_rekey_on_receive(struct wgx_timers *t, bool is_initiator, uint64_t birth,
					uint64_t now)
{
	uint64_t lastminute = wgx_timers_duration(
		t, WGX_REJECT_AFTER_TIME - WGX_KEEPALIVE_TIMEOUT - WGX_REKEY_TIMEOUT);

	if (t->sent_lastminute_handshake || !is_initiator || !has_expired(birth, lastminute, now))
		return false;
	t->sent_lastminute_handshake = true;
	return true;
}

bool wgx_timers_keypair_expired(const struct wgx_timers *t, uint64_t birth, uint64_t counter,
				uint64_t now)
{
	return counter >= WGX_REJECT_AFTER_MESSAGES ||
	       has_expired(birth, wgx_timers_duration(t, WGX_REJECT_AFTER_TIME), now);
}
