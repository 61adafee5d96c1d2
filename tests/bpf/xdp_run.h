/* SPDX-License-Identifier: MIT */
/*
 * BPF_PROG_TEST_RUN plumbing shared by the XDP tests: run a frame, return the
 * verdict, the metadata the program placed (the kernel returns data_meta in
 * front of the packet in data_out, and its length in ctx_out.data), and check
 * that exactly one reason counter moved, by one packet of the frame's size.
 */
#ifndef WGX_TEST_XDP_RUN_H
#define WGX_TEST_XDP_RUN_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "tap.h"
#include "plane/xdp/xdp_loader.h"
#include "wgx_xdp.skel.h"

struct xdp_result {
	int err;		/* bpf_prog_test_run_opts() */
	__u32 action;
	__u32 meta_len;
	struct wgx_xdp_meta meta;
	__u8 out[16384];		/* a multi-buffer frame fits */
	__u32 out_len;
	__u64 t0, t1;		/* CLOCK_MONOTONIC around the run */
};

static inline __u64 xdp_run_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* The metadata's queue timestamp was taken during the run (bpf_ktime_get_ns). */
static inline bool xdp_meta_time_ok(const struct xdp_result *r)
{
	return r->meta.queued_ns >= r->t0 && r->meta.queued_ns <= r->t1;
}

static const char *action_name(__u32 a)
{
	static const char *const n[] = { "ABORTED", "DROP", "PASS", "TX", "REDIRECT" };

	return a < 5 ? n[a] : "?";
}

/* Run frame (len bytes, of which the first meta_in are metadata already
 * there: 32 leaves the program no room to add its own). */
static inline int xdp_run_meta(int prog_fd, const void *frame, size_t len, __u32 meta_in,
			       __u32 rx_queue, int ifindex, struct xdp_result *r)
{
	struct xdp_md in = { .data = meta_in, .data_end = (__u32)len, .rx_queue_index = rx_queue,
			     .ingress_ifindex = (__u32)ifindex },
		      out = {};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (__u32)len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .ctx_in = &in,
		    .ctx_size_in = sizeof(in), .ctx_out = &out, .ctx_size_out = sizeof(out),
		    .repeat = 1);

	memset(&r->meta, 0, sizeof(r->meta));
	r->t0 = xdp_run_now();
	r->err = bpf_prog_test_run_opts(prog_fd, &o) ? -errno : 0;
	r->t1 = xdp_run_now();
	r->action = o.retval;
	r->out_len = o.data_size_out;
	r->meta_len = out.data;
	if (!r->err && r->meta_len == sizeof(r->meta))
		memcpy(&r->meta, r->out, sizeof(r->meta));
	return r->err;
}

static inline int xdp_run(int prog_fd, const void *frame, size_t len, __u32 rx_queue,
			  int ifindex, struct xdp_result *r)
{
	return xdp_run_meta(prog_fd, frame, len, 0, rx_queue, ifindex, r);
}

/* The one reason whose counter changed between before and after must be
 * `reason`, by 1 packet and `bytes` bytes; prints what moved otherwise. */
static inline bool stats_moved_only(const struct wgx_stat *before, const struct wgx_stat *after,
				    unsigned int reason, __u64 bytes)
{
	bool good = true;

	for (unsigned int r = 0; r < WGX_REASON_MAX; r++) {
		__u64 dp = after[r].packets - before[r].packets;
		__u64 db = after[r].bytes - before[r].bytes;
		bool want = r == reason;

		if (want ? (dp != 1 || db != bytes) : (dp || db)) {
			diag("  counter %s moved by %llu packets, %llu bytes",
			     wgx_reason_name(r) ? wgx_reason_name(r) : "?", (unsigned long long)dp,
			     (unsigned long long)db);
			good = false;
		}
	}
	return good;
}

/* Open the programs, or print why this suite cannot run here (a SKIP). */
static inline struct wgx_bpf *open_or_skip(const char *name, uint16_t port)
{
	struct wgx_bpf *b = NULL;
	int err = wgx_bpf_open(&b, name, port);

	if (err == -EPERM || err == -EACCES)
		tap_skip("needs CAP_BPF/CAP_NET_ADMIN (run as root)", "load wgx_xdp.bpf.o");
	else if (err)
		ok(0, "load wgx_xdp.bpf.o: %s", strerror(-err));
	return err ? NULL : b;
}

#endif
