// SPDX-License-Identifier: MIT
#include "plane/xdp/xdp_multiprog.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "lib/log.h"
#include "plane/xdp/xdp_bpffs.h"
#include "wgx_xdp.skel.h"

/* libxdp's lines through ours: its fallbacks are news only with --verbose. */
static int libxdp_log(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	char line[512];

	if (level != LIBXDP_WARN && wgx_log_level < WGX_LOG_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	wgx_log(WGX_LOG_DEBUG, "libxdp: %s", line);
	return 0;
}

/* libxdp looks for its bpffs at /sys/fs/bpf unless told: tell it the host's. */
static int point_libxdp_at_host_bpffs(void)
{
	char root[64];
	int err = wgx_bpffs_pin_root(root, sizeof(root));

	if (err)
		return err;
	*strrchr(root, '/') = '\0'; /* ".../sys/fs/bpf/wg-xdp" -> ".../sys/fs/bpf" */
	return setenv("LIBXDP_BPFFS", root, 1) ? -errno : 0;
}

/* The program that goes into the dispatcher (wgx_xdp.bpf.c says why not wgx_rx). */
#define SHARED_PROG "wgx_rx_shared"

struct bpf_object *wgx_multiprog_copy(struct bpf_object *skel_obj)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .object_name = bpf_object__name(skel_obj));
	size_t size;
	const void *elf = wgx_xdp__elf_bytes(&size);
	struct bpf_object *obj = bpf_object__open_mem(elf, size, &open_opts);
	struct bpf_program *prog;
	struct bpf_map *map;
	int err = 0;

	if (!obj)
		return NULL;
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, !strcmp(bpf_program__name(prog), SHARED_PROG));
	bpf_object__for_each_map(map, obj) {
		struct bpf_map *src = bpf_object__find_map_by_name(skel_obj, bpf_map__name(map));

		err = src ? bpf_map__reuse_fd(map, bpf_map__fd(src)) : -ENOENT;
		if (err)
			break;
	}
	if (err) {
		bpf_object__close(obj);
		errno = -err;
		return NULL;
	}
	return obj;
}

/* The mode of the dispatcher already on @ifindex (we join it there), or -1. */
static int dispatcher_mode(int ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	int mode = -1;

	if (libxdp_get_error(mp))
		return -1;
	if (!xdp_multiprog__is_legacy(mp))
		mode = (int)xdp_multiprog__attach_mode(mp);
	xdp_multiprog__close(mp);
	return mode;
}

/* Is what runs on @ifindex in @mode libxdp's dispatcher (not a lone program)? By netlink. */
static bool dispatcher_attached(int ifindex, int mode)
{
	struct bpf_prog_info info = { 0 };
	__u32 id = 0, len = sizeof(info);
	bool yes = false;
	int fd;

	if (bpf_xdp_query_id(ifindex, mode == XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE,
			     &id) || !id)
		return false;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return false;
	yes = !bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(info.name, "xdp_dispatcher");
	close(fd);
	return yes;
}

int wgx_multiprog_attach(struct wgx_multiprog *out, struct bpf_object *skel_obj, int ifindex,
			 bool generic, bool *native)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, opts);
	struct wgx_multiprog n = { 0 }, *m = &n; /* *out untouched on failure */
	int err = point_libxdp_at_host_bpffs();

	libxdp_set_print(libxdp_log);
	if (err)
		return err;
	m->obj = wgx_multiprog_copy(skel_obj);
	if (!m->obj)
		return -errno;
	opts.obj = m->obj;
	opts.prog_name = SHARED_PROG;
	m->prog = xdp_program__create(&opts);
	err = (int)libxdp_get_error(m->prog);
	if (err) {
		m->prog = NULL;
		goto err;
	}
	m->mode = dispatcher_mode(ifindex);
	if (m->mode < 0)
		m->mode = generic ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	err = xdp_program__attach(m->prog, ifindex, (enum xdp_attach_mode)m->mode, 0);
	if (err && err != -EBUSY && err != -EEXIST && m->mode == XDP_MODE_NATIVE && !generic) {
		pr_debug("libxdp: native attach on ifindex %d: %s; trying generic", ifindex,
			 strerror(-err));
		m->mode = XDP_MODE_SKB;
		err = xdp_program__attach(m->prog, ifindex, XDP_MODE_SKB, 0);
	}
	if (err)
		goto err;
	/* Where the kernel refuses the dispatcher, libxdp attaches the program
	 * alone: wgx_rx itself belongs there then (with its metadata). */
	if (!dispatcher_attached(ifindex, m->mode)) {
		/* By netlink, ours only: libxdp's detach reads BTF (CAP_SYS_ADMIN). */
		LIBBPF_OPTS(bpf_xdp_attach_opts, mine, .old_prog_fd = xdp_program__fd(m->prog));

		bpf_xdp_detach(ifindex, XDP_FLAGS_REPLACE | (m->mode == XDP_MODE_SKB ?
			       XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE), &mine);
		err = -EOPNOTSUPP;
		goto err;
	}
	m->ifindex = ifindex;
	*native = m->mode == XDP_MODE_NATIVE;
	*out = n;
	return 0;
err:
	xdp_program__close(m->prog);
	bpf_object__close(m->obj);
	return err;
}

int wgx_multiprog_detach(struct wgx_multiprog *m)
{
	int err = 0;

	if (!m->prog)
		return 0;
	if (m->ifindex) {
		err = xdp_program__detach(m->prog, m->ifindex, (enum xdp_attach_mode)m->mode, 0);
		if (err == -ENODEV || err == -ENOENT)
			err = 0; /* the interface (and with it the dispatcher) went away */
	}
	wgx_multiprog_close(m);
	return err;
}

void wgx_multiprog_close(struct wgx_multiprog *m)
{
	xdp_program__close(m->prog);
	bpf_object__close(m->obj);
	memset(m, 0, sizeof(*m));
}

int wgx_multiprog_remove_owned(int ifindex, bool (*owned)(int prog_fd, void *ctx), void *ctx)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	int err = point_libxdp_at_host_bpffs(), id = 0;

	libxdp_set_print(libxdp_log); /* before its first line, at attach's cleanup */
	if (err)
		return err;
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(mp))
		return 0; /* nothing attached, or not libxdp's */
	if (xdp_multiprog__is_legacy(mp)) {
		xdp_multiprog__close(mp);
		return 0;
	}
	for (p = xdp_multiprog__next_prog(NULL, mp); p; p = xdp_multiprog__next_prog(p, mp)) {
		if (strcmp(xdp_program__name(p), SHARED_PROG) || !owned(xdp_program__fd(p), ctx))
			continue;
		/* Detaching rebuilds the dispatcher: the others' programs stay. */
		id = (int)xdp_program__id(p);
		err = xdp_program__detach(p, ifindex, xdp_multiprog__attach_mode(mp), 0);
		break; /* the dispatcher we iterate is gone now */
	}
	xdp_multiprog__close(mp);
	return err ?: id;
}
