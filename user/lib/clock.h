/* SPDX-License-Identifier: MIT */
/*
 * The daemon's only clock reads. The protocol core never calls these: it takes
 * `now` from its caller, so unit tests drive a fake clock instead.
 */
#ifndef WGX_CLOCK_H
#define WGX_CLOCK_H

#include <stdint.h>

/*
 * Protocol time in ns: CLOCK_BOOTTIME, like the kernel's
 * ktime_get_coarse_boottime_ns(). Unlike CLOCK_MONOTONIC it keeps counting
 * while the machine is suspended, so a keypair that is hours old after a
 * resume is seen as expired (REJECT_AFTER_TIME) instead of 2 minutes old. Use
 * it (and timerfds on CLOCK_BOOTTIME) for every `now` given to the core.
 */
uint64_t wgx_clock_mono_ns(void);

/* CLOCK_MONOTONIC in ns: bpf_ktime_get_ns()'s clock, only for comparing with
 * timestamps an XDP program took (queue sojourn times). */
uint64_t wgx_clock_ktime_ns(void);

/* Wall-clock time in ns since the Unix epoch (CLOCK_REALTIME): only for the
 * TAI64N handshake timestamp and the "last handshake" shown to users. */
uint64_t wgx_clock_wall_ns(void);

#endif
