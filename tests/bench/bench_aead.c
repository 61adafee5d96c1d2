// SPDX-License-Identifier: MIT
/*
 * Single-thread ChaCha20-Poly1305 seal throughput per backend and packet
 * size (~0.3 s per case, in place, WireGuard nonce), then the backend that
 * wgx_aead_select(NULL) picks. A "+forget" line per stateful backend repeats
 * the run wiping the thread's key state after every 64-packet batch, as the
 * data path does (the cost of keeping no session key in ordinary heap).
 * Numbers are for the machine it runs on only.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/aead.h"
#include "core/crypto.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static double bench(const struct wgx_aead_backend *b, uint8_t *buf, size_t len, bool forget)
{
	static const uint8_t key[WGX_KEY_LEN] = { 7 };
	uint64_t start, elapsed, n = 0;

	b->seal(buf, buf, len, NULL, 0, 0, key);
	start = mono_ns();
	do {
		for (int i = 0; i < 64; i++)
			b->seal(buf, buf, len, NULL, 0, ++n, key);
		if (forget)
			b->forget();
		elapsed = mono_ns() - start;
	} while (elapsed < 300000000ULL);
	return (double)n * (double)len * 8 / (double)elapsed;	/* bits per ns = Gbit/s */
}

int main(void)
{
	static const size_t sizes[] = { 64, 512, 1420, 8192 };
	static uint8_t buf[8192 + WGX_AUTHTAG_LEN];

	if (wgx_crypto_init() != 0)
		return 1;
	printf("%-15s", "backend");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		printf(" %9zuB", sizes[i]);
	printf("   (seal Gbit/s, 1 thread)\n");
	for (size_t b = 0; b < wgx_aead_backend_count; b++) {
		for (int forget = 0; forget < 2; forget++) {
			if (forget && !wgx_aead_backends[b]->forget)
				continue;
			printf("%-8s%s", wgx_aead_backends[b]->name, forget ? "+forget" : "       ");
			for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
				printf(" %10.2f", bench(wgx_aead_backends[b], buf, sizes[i], forget));
				fflush(stdout);
			}
			printf("\n");
		}
	}
	if (wgx_aead_select(NULL) != 0)
		return 1;
	printf("wgx_aead_select(NULL) picks: %s\n", wgx_aead_backend_name());
	return 0;
}
