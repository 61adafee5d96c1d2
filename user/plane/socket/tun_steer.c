// SPDX-License-Identifier: MIT
#include "plane/socket/tun_steer.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <unistd.h>

#include "lib/tun.h"
#include "wgx_abi.h"
#include "wgx_tun_steer.skel.h"

/* libbpf says nothing while we try: one queue is a fallback, not an error. */
static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/* The TUN of @name with two queues steered by @prog_fd; 0 or -errno. */
static int open_steered(struct wgx_tun_queues *q, const char *name, unsigned int mtu, int prog_fd)
{
	int fds[2], ret = wgx_tun_open_vnet_queues(name, mtu, &q->offloads, fds, 2);

	if (ret)
		return ret;
	/* The kernel holds the program from here on. */
	ret = wgx_tun_set_steering(fds[0], prog_fd);
	if (ret) {
		close(fds[0]);
		close(fds[1]);
		return ret;
	}
	q->sparse_fd = fds[WGX_STEER_SPARSE];
	q->bulk_fd = fds[WGX_STEER_BULK];
	return 0;
}

int wgx_tun_steer_open(struct wgx_tun_queues *q, const char *name, unsigned int mtu)
{
	libbpf_print_fn_t old = libbpf_set_print(quiet);
	struct wgx_tun_steer *skel = wgx_tun_steer__open_and_load();
	int ret;

	libbpf_set_print(old);
	*q = (struct wgx_tun_queues){ .sparse_fd = -1, .bulk_fd = -1 };
	if (skel) {
		ret = open_steered(q, name, mtu, bpf_program__fd(skel->progs.wgx_tun_steer));
		wgx_tun_steer__destroy(skel);
		if (!ret)
			return 0;
		q->single_why = "the kernel refused a steered two-queue TUN";
	} else {
		q->single_why = "the steering program did not load (CAP_BPF?)";
	}
	ret = wgx_tun_open_vnet(name, mtu, &q->offloads);
	if (ret < 0)
		return ret;
	q->bulk_fd = ret;
	return 0;
}
