// SPDX-License-Identifier: MIT
/*
 * Handshake rate limiter on a fake clock: burst and refill, IPv6 /64
 * grouping, independent IPv4 sources, bounded table, idle collection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>

#include "core/ratelimiter.h"
#include "tap.h"
#include "wgx_consts.h"

#define SEC WGX_NS_PER_SEC
#define COST (SEC / WGX_RATELIMITER_PACKETS_PER_SECOND)

static unsigned int burst(struct wgx_ratelimiter *rl, int family, const void *addr, uint64_t now,
			  unsigned int tries)
{
	unsigned int allowed = 0;

	for (unsigned int i = 0; i < tries; i++)
		allowed += wgx_ratelimiter_allow(rl, family, addr, now);
	return allowed;
}

int main(void)
{
	struct wgx_ratelimiter rl;
	uint8_t a4[4], b4[4], a6[16], b6[16], c6[16];
	uint64_t now = 50 * SEC;
	unsigned int n;

	inet_pton(AF_INET, "198.18.0.1", a4);
	inet_pton(AF_INET, "198.18.0.2", b4);
	inet_pton(AF_INET6, "2001:2::1", a6);
	inet_pton(AF_INET6, "2001:2::ffff:1234", b6); /* same /64 */
	inet_pton(AF_INET6, "2001:2:0:1::1", c6);     /* next /64 */

	if (!ok(wgx_ratelimiter_init(&rl, 0) == 0, "init with the default size"))
		return tap_done();

	n = burst(&rl, AF_INET, a4, now, 20);
	ok(n == WGX_RATELIMITER_PACKETS_BURSTABLE, "IPv4: a burst of %d at one instant, then deny (%u of 20)",
	   WGX_RATELIMITER_PACKETS_BURSTABLE, n);
	ok(!wgx_ratelimiter_allow(&rl, AF_INET, a4, now + COST - 1), "one ns short of a token: denied");
	ok(wgx_ratelimiter_allow(&rl, AF_INET, a4, now + COST), "1/%d s later: one more allowed",
	   WGX_RATELIMITER_PACKETS_PER_SECOND);
	ok(!wgx_ratelimiter_allow(&rl, AF_INET, a4, now + COST), "and only one");
	n = 0;
	for (unsigned int i = 2; i <= 2 * WGX_RATELIMITER_PACKETS_PER_SECOND + 1; i++)
		n += wgx_ratelimiter_allow(&rl, AF_INET, a4, now + i * COST) +
		     wgx_ratelimiter_allow(&rl, AF_INET, a4, now + i * COST);
	ok(n == 2 * WGX_RATELIMITER_PACKETS_PER_SECOND,
	   "steady 2x overload for 2 s: exactly %d per second pass (%u)",
	   WGX_RATELIMITER_PACKETS_PER_SECOND, n);
	now += 100 * SEC;
	n = burst(&rl, AF_INET, a4, now, 20);
	ok(n == WGX_RATELIMITER_PACKETS_BURSTABLE, "after a long pause the bucket holds only the burst (%u)", n);

	n = burst(&rl, AF_INET, b4, now, 20);
	ok(n == WGX_RATELIMITER_PACKETS_BURSTABLE, "another IPv4 address has its own bucket (%u)", n);

	n = burst(&rl, AF_INET6, a6, now, 3) + burst(&rl, AF_INET6, b6, now, 10);
	ok(n == WGX_RATELIMITER_PACKETS_BURSTABLE, "IPv6: two addresses of one /64 share a bucket (%u)", n);
	n = burst(&rl, AF_INET6, c6, now, 10);
	ok(n == WGX_RATELIMITER_PACKETS_BURSTABLE, "IPv6: the next /64 is independent (%u)", n);
	ok(!wgx_ratelimiter_allow(&rl, AF_UNIX, a4, now), "unknown address family: denied");
	ok(wgx_ratelimiter_count(&rl) == 4, "4 sources tracked (%u)", wgx_ratelimiter_count(&rl));

	wgx_ratelimiter_gc(&rl, now + SEC);
	ok(wgx_ratelimiter_count(&rl) == 4, "idle exactly 1 s: kept");
	wgx_ratelimiter_gc(&rl, now + SEC + 1);
	ok(wgx_ratelimiter_count(&rl) == 0, "idle more than 1 s: collected");
	ok(burst(&rl, AF_INET, a4, now + 2 * SEC, 20) == WGX_RATELIMITER_PACKETS_BURSTABLE,
	   "a collected source starts again with a fresh burst");
	wgx_ratelimiter_uninit(&rl);

	/* Bounded memory: a small table fills up and then denies new sources. */
	if (!ok(wgx_ratelimiter_init(&rl, 64) == 0, "init with 64 entries per family"))
		return tap_done();
	now = 10 * SEC;
	n = 0;
	for (uint32_t i = 0; i < 100; i++) {
		uint32_t ip = htonl(0xc6120000 + i); /* 198.18.0.0 + i */

		n += wgx_ratelimiter_allow(&rl, AF_INET, &ip, now);
	}
	ok(n == 64 && wgx_ratelimiter_count(&rl) == 64, "100 new IPv4 sources, table of 64: first 64 allowed (%u)", n);
	ok(wgx_ratelimiter_allow(&rl, AF_INET6, a6, now), "a full IPv4 table does not block IPv6");
	{
		uint32_t ip = htonl(0xc6120000 + 3);

		ok(wgx_ratelimiter_allow(&rl, AF_INET, &ip, now + COST),
		   "a known source is still served while the table is full");
	}
	now += 2 * SEC;
	{
		uint32_t ip = htonl(0xc6120000 + 99);

		ok(wgx_ratelimiter_allow(&rl, AF_INET, &ip, now),
		   "2 s later allow() collected the idle entries and admits a new source");
	}
	ok(wgx_ratelimiter_count(&rl) == 1, "only that one remains tracked (%u)", wgx_ratelimiter_count(&rl));
	wgx_ratelimiter_uninit(&rl);
	ok(wgx_ratelimiter_init(&rl, 1U << 25) == -EINVAL, "absurd size refused");
	return tap_done();
}
