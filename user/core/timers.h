/* SPDX-License-Identifier: MIT */
/*
 * Per-peer WireGuard timers as a pure state machine (the kernel's
 * drivers/net/wireguard/timers.c, plus the key freshness rules of its send.c
 * and receive.c, and the whitepaper's section 6).
 *
 * No threads, no clock reads, no I/O: every call takes the caller's `now`
 * (uint64_t nanoseconds of a clock that counts suspend, see clock.h). The
 * daemon reports what happened through the event hooks, sleeps until
 * wgx_timers_next_deadline(), then calls wgx_timers_expire() and carries out
 * the returned actions. A deadline of 0 means "disarmed".
 *
 * Not thread safe: one peer's timers belong to the control thread.
 *
 * Call sites, as in the kernel's send.c / receive.c:
 *   initiation sent:  traversal, any_authenticated_packet_sent, handshake_initiated
 *   response sent:    session_derived, traversal, any_authenticated_packet_sent,
 *                     handshake_response_sent
 *   response consumed: session_derived, handshake_complete, send a keepalive,
 *                     then any_authenticated_packet_received, traversal
 *   initiation consumed: (send the response, above), any_authenticated_packet_received,
 *                     traversal
 *   data/keepalive sent (batch): traversal, any_authenticated_packet_sent,
 *                     data_sent if it held data, then should_rekey_on_send
 *   data/keepalive received: handshake_complete if first under a new keypair,
 *                     should_rekey_on_receive, any_authenticated_packet_received,
 *                     traversal, data_received if not a keepalive
 *   no usable keypair when sending, or a should_rekey_* said yes: request_initiation
 *
 * Test-only acceleration: `scale` divides every protocol duration (REKEY_*,
 * REJECT_AFTER_TIME, KEEPALIVE_TIMEOUT, the jitter, the persistent keepalive
 * interval), so scale 60 turns REKEY_AFTER_TIME into 2 s. Message counts are
 * not scaled. The daemon takes it from WGX_TEST_TIME_SCALE
 * (wgx_clock_time_scale()); production runs with 1.
 */
#ifndef WGX_TIMERS_H
#define WGX_TIMERS_H

#include <stdbool.h>
#include <stdint.h>

#include "wgx_consts.h"

/* Largest accepted scale: keeps REKEY_TIMEOUT at 5 ms and every duration > 0. */
#define WGX_TIMERS_SCALE_MAX 1000U

enum wgx_timer {
	WGX_TIMER_RETRANSMIT_HANDSHAKE, /* no response to our initiation */
	WGX_TIMER_SEND_KEEPALIVE,	/* received data, sent nothing back */
	WGX_TIMER_NEW_HANDSHAKE,	/* sent data, heard nothing back */
	WGX_TIMER_ZERO_KEY_MATERIAL,	/* no new session for 3 * REJECT_AFTER_TIME */
	WGX_TIMER_PERSISTENT_KEEPALIVE, /* user-configured keepalive */
	WGX_TIMER_COUNT
};

/* What wgx_timers_expire() (and a few hooks) ask the daemon to do; bit flags. */
enum wgx_timer_action {
	/* Create and send a handshake initiation now; the rate limit has been
	 * checked and claimed. Then call wgx_timers_handshake_initiated(). */
	WGX_TA_SEND_INITIATION = 1U << 0,
	/* Set together with SEND_INITIATION when it is a retransmission
	 * (informational: the attempt counter is already maintained here). */
	WGX_TA_INITIATION_RETRY = 1U << 1,
	/* Send a keepalive: an empty data message, or whatever is staged. */
	WGX_TA_SEND_KEEPALIVE = 1U << 2,
	/* Zero and drop every keypair and the handshake state of the peer. */
	WGX_TA_ZERO_KEYS = 1U << 3,
	/* The handshake gave up after REKEY_ATTEMPT_TIME: drop staged packets. */
	WGX_TA_PURGE_STAGED = 1U << 4,
	/* Forget the cached local source address of the endpoint, in case it is
	 * why the peer does not answer. */
	WGX_TA_CLEAR_ENDPOINT_SRC = 1U << 5,
};

/* Embedded in each peer. Fields are read by tests; change them only here. */
struct wgx_timers {
	uint64_t at[WGX_TIMER_COUNT];	/* deadlines, ns; 0 = disarmed */
	uint64_t last_sent_handshake;	/* valid once sent_handshake */
	uint64_t rng;			/* jitter generator state (splitmix64) */
	uint32_t scale;			/* divisor of every duration, >= 1 */
	unsigned int handshake_attempts; /* retransmissions of the current initiation */
	uint16_t persistent_keepalive_interval; /* seconds, 0 = off */
	bool sent_handshake;
	bool need_another_keepalive;
	bool sent_lastminute_handshake;
	bool dead;			/* stopped: nothing re-arms */
};

/*
 * Initialise a peer's timers, all disarmed. @scale is 1 outside tests (see
 * above), @rng_seed seeds the jitter (the daemon passes random bytes; jitter
 * only desynchronises peers, it is not a secret). Returns 0, or -EINVAL when
 * @scale is 0 or above WGX_TIMERS_SCALE_MAX.
 */
int wgx_timers_init(struct wgx_timers *t, uint32_t scale, uint64_t rng_seed);

/* A protocol duration of @seconds, scaled, in ns. */
uint64_t wgx_timers_duration(const struct wgx_timers *t, uint64_t seconds);

/*
 * Event hooks: call each right after the event, with the time it happened.
 * Names and meaning are the kernel's.
 */
/* An authenticated data packet (not a keepalive) was sent. */
void wgx_timers_data_sent(struct wgx_timers *t, uint64_t now);
/* An authenticated data packet (not a keepalive) was received. */
void wgx_timers_data_received(struct wgx_timers *t, uint64_t now);
/* Any authenticated packet was sent: data, keepalive or handshake. */
void wgx_timers_any_authenticated_packet_sent(struct wgx_timers *t, uint64_t now);
/* Any authenticated packet was received: data, keepalive or handshake. */
void wgx_timers_any_authenticated_packet_received(struct wgx_timers *t, uint64_t now);
/* Any authenticated packet is about to be sent, or was received. */
void wgx_timers_any_authenticated_packet_traversal(struct wgx_timers *t, uint64_t now);
/* A handshake initiation was sent: arms the retransmission. */
void wgx_timers_handshake_initiated(struct wgx_timers *t, uint64_t now);
/* A handshake response was sent: counts against the handshake rate limit. */
void wgx_timers_handshake_response_sent(struct wgx_timers *t, uint64_t now);
/* A response was consumed, or the first data message under a new keypair
 * confirmed it: stops retransmitting and resets the attempt count. */
void wgx_timers_handshake_complete(struct wgx_timers *t, uint64_t now);
/* New session keys were derived (before sending a response, after consuming
 * one): re-arms zeroing them after 3 * REJECT_AFTER_TIME. */
void wgx_timers_session_derived(struct wgx_timers *t, uint64_t now);

/*
 * Configuration: set the persistent keepalive interval in seconds (0 = off).
 * Returns WGX_TA_SEND_KEEPALIVE when it was off and is now on (the kernel
 * sends one at once), else 0.
 */
unsigned int wgx_timers_set_persistent_keepalive(struct wgx_timers *t, uint16_t interval_s,
						 uint64_t now);

/*
 * The send or receive path wants a fresh handshake (no usable keypair, or a
 * freshness rule below said so). Resets the attempt count (a new handshake,
 * not a retry) and returns true when an initiation may be sent now: none was
 * sent in the last REKEY_TIMEOUT. A true answer claims the slot, so act on it.
 */
bool wgx_timers_request_initiation(struct wgx_timers *t, uint64_t now);

/*
 * Run every timer whose deadline is <= @now, earliest first, each once, and
 * return the union of the actions they ask for (0 if none). Fired timers are
 * disarmed unless their handler re-armed them.
 */
unsigned int wgx_timers_expire(struct wgx_timers *t, uint64_t now);

/* The earliest armed deadline, or 0 when nothing is armed. */
uint64_t wgx_timers_next_deadline(const struct wgx_timers *t);

/* Peer removal: disarm everything; later hooks arm nothing. */
void wgx_timers_stop(struct wgx_timers *t);

/*
 * Freshness rules, over facts of the peer's current keypair. The caller checks
 * that the keypair exists and is still valid. @birth is when the keypair was
 * created (ns), @counter the number of nonces used (send) or the receive
 * counter.
 */
/* Send path (after sending): initiate when the keypair has been used for more
 * than REKEY_AFTER_MESSAGES, or, for the initiator only, is REKEY_AFTER_TIME old. */
bool wgx_timers_should_rekey_on_send(const struct wgx_timers *t, bool is_initiator,
				     uint64_t birth, uint64_t counter, uint64_t now);
/* Receive path (after an authenticated data packet): the initiator makes a
 * last-minute attempt once the keypair is REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT
 * - REKEY_TIMEOUT (165 s) old. True at most once per completed handshake: it
 * records the attempt, wgx_timers_handshake_complete() clears it. */
bool wgx_timers_should_rekey_on_receive(struct wgx_timers *t, bool is_initiator,
					uint64_t birth, uint64_t now);
/* Neither send nor accept with this keypair: REJECT_AFTER_TIME old, or
 * @counter reached REJECT_AFTER_MESSAGES. */
bool wgx_timers_keypair_expired(const struct wgx_timers *t, uint64_t birth, uint64_t counter,
				uint64_t now);

#endif
