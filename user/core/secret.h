/* SPDX-License-Identifier: MIT */
/*
 * Memory for key material: locked (never swapped), excluded from core dumps,
 * zeroed when handed out and wiped when given back.
 *
 * Sized for many peers: small allocations share locked pages (slabs with
 * fixed size classes) instead of spending a page each; big ones get their own
 * pages. Thread safe (one mutex); not for the packet path.
 */
#ifndef WGX_SECRET_H
#define WGX_SECRET_H

#include <stddef.h>

/*
 * len bytes of zeroed, locked memory, aligned to 16 bytes, or NULL when out
 * of memory. If the lock limit (RLIMIT_MEMLOCK) is reached, warns once and
 * returns unlocked memory: running beats refusing to run.
 */
void *wgx_secret_alloc(size_t len);

/* Wipe and release p; len must be the length it was allocated with. NULL is a no-op. */
void wgx_secret_free(void *p, size_t len);

/*
 * Zero WGX_SECRET_BURN_BYTES of the stack below the caller's frame and the
 * vector registers: what crypto code called from there (ours, libsodium's,
 * libb2's, OpenSSL's) left behind in dead frames and in xmm/ymm/zmm, e.g. a
 * session key as a BLAKE2s output (a core dump saves the registers too). The
 * daemon's loop calls it once per iteration, after the handshakes and
 * batches of that iteration; ~1 us.
 */
#define WGX_SECRET_BURN_BYTES (32U << 10)
void wgx_secret_burn_stack(void);

struct wgx_secret_stats {
	size_t pages;		/* pages held by the pool (slabs and large blocks) */
	size_t locked_pages;	/* of which mlock succeeded */
	size_t allocations;	/* live allocations */
};

/* A snapshot, for tests and the daemon's stats. */
void wgx_secret_stats(struct wgx_secret_stats *st);

#endif
