/* SPDX-License-Identifier: MIT */
/*
 * Which capability an EPERM was about: errors that name what to grant
 * ("Operation not permitted (needs CAP_NET_ADMIN)") instead of leaving the
 * operator to guess from a container's securityContext.
 */
#ifndef WGX_CAPS_H
#define WGX_CAPS_H

#include <linux/capability.h> /* CAP_* for callers */
#include <stdbool.h>
#include <stdint.h>

/* A set of capabilities for wgx_cap_hint: WGX_CAP(CAP_NET_ADMIN) | ... */
#define WGX_CAP(cap) (UINT64_C(1) << (cap))

/* Whether cap is in this thread's effective set (true when capget fails: blame nothing). */
bool wgx_cap_effective(int cap);

/*
 * For err (an errno, either sign) returned by an operation that needs the
 * capabilities in need: " (needs CAP_A, CAP_B)" naming those of them missing
 * from the effective set, or "" when none is missing or err is not one a
 * missing capability causes. EPERM and EACCES are blamed on any of need;
 * ENOBUFS, ENOMEM and EAGAIN (the locked-memory limit) only on CAP_IPC_LOCK,
 * with the limit RLIMIT_MEMLOCK set. As the kernel's bpf_capable() and
 * perfmon_capable(), CAP_SYS_ADMIN stands in for CAP_BPF and CAP_PERFMON.
 * The text lives in a per-thread buffer until the next call.
 */
const char *wgx_cap_hint(int err, uint64_t need);

#endif
