// SPDX-License-Identifier: MIT
/*
 * Allowed-IPs lookups per second through wgx_tun (BPF_PROG_TEST_RUN with
 * repeat, one core) with 1k, 100k and 1M IPv4 prefixes: once all /32 (host
 * routes: the wgx_hosts4 hash answers), once all /31 (the LPM trie answers,
 * after a miss in the hash).
 * Each figure is a whole program run (Ethernet + IPv4 parse, LPM lookup,
 * metadata, XSKMAP lookup, stats), averaged by the kernel over `repeat` runs
 * of one frame, for 16 destinations spread over the trie (cache-warm).
 * Goal: >= 10 M/s at 100k prefixes. The 0-prefix row (all misses) is the
 * baseline: parsing, counting and the test-run loop itself.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../bpf/frames.h"
#include "plane/xdp/xdp_loader.h"
#include "wgx_xdp.skel.h"

#define REPEAT 200000
#define DESTS 16
#define SPACE_BITS 22 /* 100.64.0.0/10 */

/* i-th prefix: a bijection of [0, 2^22) spreads them over the /10. */
static uint32_t nth_addr(uint32_t i)
{
	return (100u << 24 | 64u << 16) + (((i * 2654435761u) << 1) & ((1u << SPACE_BITS) - 1));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Grow the table to n prefixes (the first `have` are there already). */
static int fill(struct wgx_bpf *b, uint8_t cidr, uint32_t have, uint32_t n)
{
	for (uint32_t i = have; i < n; i++) {
		uint32_t a = htonl(nth_addr(i));
		int err = wgx_bpf_aip_add(b, AF_INET, &a, cidr, i + 1);

		if (err)
			return err;
	}
	return 0;
}

/* Average ns per run over DESTS destinations among the first n prefixes. */
static int measure(int prog_fd, uint32_t n, double *ns)
{
	uint8_t frame[2048];
	char dst[INET_ADDRSTRLEN];
	double sum = 0;

	for (int d = 0; d < DESTS; d++) {
		uint32_t a = htonl(nth_addr((uint32_t)((uint64_t)(n ? n : 1) * d / DESTS)));
		struct fdesc fd = { .ethertype = ETH_P_IP, .proto = IPPROTO_UDP, .dst = dst };
		struct flayout lay;
		size_t len;

		inet_ntop(AF_INET, &a, dst, sizeof(dst));
		len = frame_build(&fd, frame, &lay);
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (__u32)len,
			    .repeat = REPEAT);
		if (bpf_prog_test_run_opts(prog_fd, &o))
			return -errno;
		if (o.retval != XDP_DROP) /* hit, no XSK in the slot: fallback drop; or miss */
			return -EPROTO;
		sum += o.duration;
	}
	*ns = sum / DESTS;
	return 0;
}

static int series(uint8_t cidr)
{
	/* 0: empty tables, every lookup misses: the cost of everything else. */
	static const uint32_t sizes[] = { 0, 1000, 100000, 1000000 };
	struct wgx_bpf *b = NULL;
	uint32_t have = 0;
	int err = wgx_bpf_open(&b, "wgx-bench-lpm", 51820), prog_fd;

	if (err) {
		printf("bench_lpm: SKIP: cannot load wgx_xdp (%s)\n", strerror(-err));
		return -1;
	}
	prog_fd = bpf_program__fd(wgx_bpf_skel(b)->progs.wgx_tun);
	for (size_t i = cidr == 32 ? 0 : 1; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		double t0 = now_s(), fill_s, ns = 0;

		err = fill(b, cidr, have, sizes[i]);
		fill_s = now_s() - t0;
		have = sizes[i];
		if (!err)
			err = measure(prog_fd, sizes[i], &ns);
		if (err) {
			printf("bench_lpm: %u prefixes: %s\n", sizes[i], strerror(-err));
			break;
		}
		printf("bench_lpm: %7u x /%u: %6.1f ns/lookup, %5.1f M lookups/s (fill %.2f s)%s\n",
		       sizes[i], cidr, ns, 1e3 / ns, fill_s,
		       sizes[i] == 100000 ? (1e3 / ns >= 10 ? "  goal >=10 M/s: met"
							    : "  goal >=10 M/s: NOT met")
					  : "");
	}
	wgx_bpf_close(b);
	return err ? 1 : 0;
}

int main(void)
{
	int err;

	if (geteuid() != 0) { /* loading XDP programs needs CAP_BPF + CAP_NET_ADMIN */
		printf("bench_lpm: SKIP: needs root\n");
		return 0;
	}
	err = series(32);

	if (err < 0) /* skipped */
		return 0;
	return err | series(31);
}
