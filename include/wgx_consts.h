/* SPDX-License-Identifier: MIT OR GPL-2.0 */
/*
 * WireGuard protocol constants, from the whitepaper (section 6) and the
 * kernel's drivers/net/wireguard/messages.h. Protocol facts only: daemon
 * tunables (queue sizes, batch sizes) live next to the code that uses them.
 */
#ifndef WGX_CONSTS_H
#define WGX_CONSTS_H

#define WGX_KEY_LEN 32		/* X25519 public/private, symmetric keys */
#define WGX_HASH_LEN 32		/* BLAKE2s-256 */
#define WGX_TIMESTAMP_LEN 12	/* TAI64N */
#define WGX_AUTHTAG_LEN 16	/* Poly1305 */
#define WGX_COOKIE_LEN 16
#define WGX_COOKIE_NONCE_LEN 24 /* XChaCha20-Poly1305 */
#define WGX_MAC_LEN 16		/* MAC1, MAC2: keyed BLAKE2s-128 */

#define WGX_NS_PER_SEC 1000000000ULL

/* Time constants, in seconds. */
#define WGX_REKEY_AFTER_TIME 120
#define WGX_REJECT_AFTER_TIME 180
#define WGX_REKEY_ATTEMPT_TIME 90
#define WGX_REKEY_TIMEOUT 5
#define WGX_KEEPALIVE_TIMEOUT 10
#define WGX_COOKIE_SECRET_MAX_AGE 120
#define WGX_COOKIE_SECRET_LATENCY 5
/* Random jitter added to REKEY_TIMEOUT, like the kernel's HZ / 3. */
#define WGX_REKEY_TIMEOUT_JITTER_MAX_MS 333

/* Replay protection: the sliding window is this many bits wide. */
#define WGX_COUNTER_BITS_TOTAL 8192
#define WGX_COUNTER_WINDOW_SIZE (WGX_COUNTER_BITS_TOTAL - 64)

/* Message counters. */
#define WGX_REKEY_AFTER_MESSAGES (1ULL << 60)
#define WGX_REJECT_AFTER_MESSAGES (~0ULL - WGX_COUNTER_WINDOW_SIZE - 1)

#define WGX_MAX_TIMER_HANDSHAKES (WGX_REKEY_ATTEMPT_TIME / WGX_REKEY_TIMEOUT)
#define WGX_INITIATIONS_PER_SECOND 50
#define WGX_MAX_PEERS_PER_DEVICE (1U << 20)

#define WGX_MESSAGE_PADDING_MULTIPLE 16

#define WGX_DEFAULT_MTU 1420

#endif
