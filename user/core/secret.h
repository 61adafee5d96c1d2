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

struct wgx_secret_stats {
	size_t pages;		/* pages held by the pool (slabs and large blocks) */
	size_t locked_pages;	/* of which mlock succeeded */
	size_t allocations;	/* live allocations */
};

/* A snapshot, for tests and the daemon's stats. */
void wgx_secret_stats(struct wgx_secret_stats *st);

#endif
