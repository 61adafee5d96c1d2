/* SPDX-License-Identifier: MIT */
/*
 * Reproducible randomness for randomized unit tests: splitmix64 seeded from
 * WGX_SEED (decimal or 0x-hex) when set, else from the test's fixed seed. The
 * seed is printed so any failure can be replayed with WGX_SEED=<seed>.
 */
#ifndef WGX_TEST_PRNG_H
#define WGX_TEST_PRNG_H

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>

#include "tap.h"

static uint64_t prng_state;

static inline uint64_t prng_next(void)
{
	uint64_t z = (prng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) for n > 0 (bias below 2^-32 for the sizes used here). */
static inline uint64_t prng_below(uint64_t n)
{
	return (uint64_t)(((unsigned __int128)prng_next() * n) >> 64);
}

static inline void prng_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)prng_next();
}

/* Seed from WGX_SEED or @fallback, print it, and return it. */
static inline uint64_t prng_seed(uint64_t fallback)
{
	const char *env = getenv("WGX_SEED");
	uint64_t seed = env && *env ? strtoull(env, NULL, 0) : fallback;

	prng_state = seed;
	diag("seed %" PRIu64 " (rerun with WGX_SEED=%" PRIu64 ")", seed, seed);
	return seed;
}

#endif
