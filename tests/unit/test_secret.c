// SPDX-License-Identifier: MIT
/* The locked-memory pool: zeroing, reuse, wiping, bounds, threads, unlocked fallback. */
#include <linux/capability.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "core/secret.h"
#include "tap.h"

static size_t pages(void)
{
	struct wgx_secret_stats st;

	wgx_secret_stats(&st);
	return st.pages;
}

static void test_sizes(void)
{
	static const size_t sizes[] = { 1, 15, 16, 17, 32, 33, 64, 100, 128, 200, 256, 300,
					512, 777, 1024, 1025, 2048, 4000, 4096, 5000, 70000 };
	enum { N = sizeof(sizes) / sizeof(sizes[0]), PER = 20 };
	static uint8_t *p[N][PER];
	int not_zero = 0, misaligned = 0, corrupted = 0, failed = 0;
	struct wgx_secret_stats st;

	for (size_t i = 0; i < N; i++)
		for (size_t j = 0; j < PER; j++) {
			p[i][j] = wgx_secret_alloc(sizes[i]);
			if (!p[i][j]) {
				failed++;
				continue;
			}
			misaligned += ((uintptr_t)p[i][j] & 15) != 0;
			not_zero += !sodium_is_zero(p[i][j], sizes[i]);
			/* A distinct pattern per allocation, checked after all are written. */
			memset(p[i][j], (int)(i * PER + j), sizes[i]);
		}
	wgx_secret_stats(&st);
	ok(failed == 0 && st.allocations == N * PER, "%d allocations of %zu sizes (1..70000) live",
	   N * PER, (size_t)N);
	ok(not_zero == 0, "every allocation is zeroed");
	ok(misaligned == 0, "every allocation is 16-byte aligned");
	for (size_t i = 0; i < N; i++)
		for (size_t j = 0; j < PER; j++)
			for (size_t k = 0; k < sizes[i]; k++)
				if (p[i][j][k] != (uint8_t)(i * PER + j)) {
					corrupted++;
					break;
				}
	ok(corrupted == 0, "allocations do not overlap (each keeps its own pattern)");
	diag("pool: %zu pages (%zu locked) for %zu allocations", st.pages, st.locked_pages,
	     st.allocations);
	for (size_t i = 0; i < N; i++)
		for (size_t j = 0; j < PER; j++)
			wgx_secret_free(p[i][j], sizes[i]);
	wgx_secret_stats(&st);
	ok(st.allocations == 0, "all freed");
	/* Keeps at most one spare page per size class (16-byte classes up to 1 KiB). */
	size_t classes = 0;
	for (size_t i = 0; i < N; i++)
		if (sizes[i] <= 1024 && (i == 0 || (sizes[i] + 15) / 16 != (sizes[i - 1] + 15) / 16))
			classes++;
	ok(st.pages <= classes, "after freeing everything the pool keeps %zu pages (<= %zu spares)",
	   st.pages, classes);
}

static void test_reuse_and_wipe(void)
{
	struct wgx_secret_stats before, after;
	uint8_t *a, *b;

	a = wgx_secret_alloc(32);
	memset(a, 0xab, 32);
	wgx_secret_free(a, 32);
	/* The slab page stays mapped (and is not malloc memory): peeking is safe. */
	ok(sodium_is_zero(a + sizeof(void *), 32 - sizeof(void *)),
	   "freed slot is wiped (all but the free-list link)");
	b = wgx_secret_alloc(32);
	ok(b == a, "a freed slot is reused by the next allocation of its class");
	ok(sodium_is_zero(b, 32), "reused slot is handed out zeroed");
	wgx_secret_free(b, 32);
	wgx_secret_stats(&before);
	wgx_secret_free(NULL, 32);
	wgx_secret_stats(&after);
	ok(!memcmp(&before, &after, sizeof(before)), "free(NULL) is a no-op");
}

static void test_bounded(void)
{
	enum { N = 5000, ROUNDS = 20 };
	static void *p[N];
	size_t peak = 0, after_first = 0, spares_before = pages();

	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < N; i++)
			p[i] = wgx_secret_alloc(32 + (size_t)(i % 3) * 48);
		if (pages() > peak)
			peak = pages();
		if (r == 0)
			after_first = peak;
		for (int i = 0; i < N; i += 2)
			wgx_secret_free(p[i], 32 + (size_t)(i % 3) * 48);
		for (int i = 0; i < N; i += 2)
			p[i] = wgx_secret_alloc(32 + (size_t)(i % 3) * 48);
		for (int i = 0; i < N; i++)
			wgx_secret_free(p[i], 32 + (size_t)(i % 3) * 48);
	}
	diag("%d rounds of %d allocations: peak %zu pages, %zu after the first round, %zu at rest",
	     ROUNDS, N, peak, after_first, pages());
	ok(peak == after_first, "repeated churn does not grow the pool (peak %zu pages)", peak);
	/* 5000 allocations of 32/80/128 bytes fit in ~100 pages; 1 page each would be 5000. */
	ok(peak < 200, "5000 small allocations use %zu pages", peak);
	/* Earlier tests' spares, plus at most one per class used here (32, 80, 128). */
	ok(pages() <= spares_before + 3, "pool shrinks back to spares (%zu pages, %zu before)",
	   pages(), spares_before);
	if (getuid() == 0) {
		struct wgx_secret_stats st;

		wgx_secret_stats(&st);
		ok(st.locked_pages == st.pages,
		   "locked page count follows pages through churn (%zu of %zu)", st.locked_pages,
		   st.pages);
	}
}

#define THREADS 4

static void *thread_churn(void *arg)
{
	uintptr_t bad = 0;
	void *p[200];

	for (int r = 0; r < 50; r++) {
		for (int i = 0; i < 200; i++) {
			size_t len = 16 + (size_t)((i * 37 + r) % 1000);

			p[i] = wgx_secret_alloc(len);
			if (!p[i] || !sodium_is_zero(p[i], len))
				bad++;
			else
				memset(p[i], (int)(uintptr_t)arg, len);
		}
		for (int i = 0; i < 200; i++) {
			size_t len = 16 + (size_t)((i * 37 + r) % 1000);

			if (p[i] && ((uint8_t *)p[i])[len - 1] != (uint8_t)(uintptr_t)arg)
				bad++;
			wgx_secret_free(p[i], len);
		}
	}
	return (void *)bad;
}

static void test_threads(void)
{
	pthread_t th[THREADS];
	uintptr_t bad = 0;
	void *ret;
	int started = 0;

	for (uintptr_t i = 0; i < THREADS; i++)
		if (pthread_create(&th[i], NULL, thread_churn, (void *)(i + 1)) == 0)
			started++;
	for (int i = 0; i < started; i++) {
		pthread_join(th[i], &ret);
		bad += (uintptr_t)ret;
	}
	ok(started == THREADS && bad == 0, "%d threads allocating/freeing concurrently: %zu errors",
	   THREADS, (size_t)bad);
}

/*
 * With no lockable memory (RLIMIT_MEMLOCK 0 and, as root, CAP_IPC_LOCK dropped)
 * allocation still works, unlocked. In a child, so the parent keeps its rights.
 */
static void test_unlocked_fallback(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	struct rlimit zero = { 0, 0 };
	int status = -1;
	pid_t pid;

#ifdef __SANITIZE_ADDRESS__
	/* ASan's mlock interceptor is a no-op that reports success. */
	tap_skip("ASan fakes mlock", "without lockable memory allocation still succeeds");
	return;
#endif
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct wgx_secret_stats before, after;
		uint8_t *p;

		if (syscall(SYS_capget, &hdr, data) == 0) {
			data[0].effective &= ~(1u << CAP_IPC_LOCK);
			if (syscall(SYS_capset, &hdr, data) != 0)
				_exit(2);
		}
		if (setrlimit(RLIMIT_MEMLOCK, &zero) != 0)
			_exit(3);
		wgx_secret_stats(&before);
		p = wgx_secret_alloc(100000);	/* a large block: always fresh pages */
		wgx_secret_stats(&after);
		if (!p || !sodium_is_zero(p, 100000))
			_exit(4);
		if (after.pages <= before.pages || after.locked_pages != before.locked_pages) {
			fprintf(stderr, "pages %zu -> %zu, locked %zu -> %zu\n", before.pages,
				after.pages, before.locked_pages, after.locked_pages);
			_exit(5);
		}
		wgx_secret_free(p, 100000);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	ok(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "without lockable memory allocation still succeeds, unlocked (child status %d)",
	   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int main(void)
{
	struct wgx_secret_stats st;
	void *p;

	p = wgx_secret_alloc(32);
	wgx_secret_stats(&st);
	diag("first allocation: %zu pages, %zu locked", st.pages, st.locked_pages);
	if (getuid() == 0)
		ok(st.locked_pages == st.pages && st.pages > 0, "pool pages are mlock'd (root)");
	else
		tap_skip("not root: RLIMIT_MEMLOCK may be small", "pool pages are mlock'd");
	wgx_secret_free(p, 32);

	test_sizes();
	test_reuse_and_wipe();
	test_bounded();
	test_threads();
	test_unlocked_fallback();
	return tap_done();
}
