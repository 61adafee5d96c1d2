// SPDX-License-Identifier: MIT
/*
 * Load, attach, pin and detach the XDP programs (contracts in xdp_loader.h).
 * Map contents are xdp_maps.c's business.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/log.h"
#include "plane/xdp/xdp_bpffs.h"
#include "plane/xdp/xdp_loader.h"
#include "plane/xdp/xdp_loader_int.h"
#include "wgx_xdp.skel.h"

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];

	if (level == LIBBPF_DEBUG && wgx_log_level < WGX_LOG_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	/* libbpf prefixes its own lines with "libbpf: " */
	wgx_log(level == LIBBPF_WARN ? WGX_LOG_WARN : WGX_LOG_DEBUG, "%s", line);
	return 0;
}

static bool name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 15 || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* One load attempt; the skeleton is freed on failure. */
static int load(struct wgx_xdp **out, bool frags)
{
	struct wgx_xdp *skel = wgx_xdp__open();
	int err;

	if (!skel)
		return -errno;
	if (!frags) {
		bpf_program__set_flags(skel->progs.wgx_tun,
				       bpf_program__flags(skel->progs.wgx_tun) & ~BPF_F_XDP_HAS_FRAGS);
		bpf_program__set_flags(skel->progs.wgx_rx,
				       bpf_program__flags(skel->progs.wgx_rx) & ~BPF_F_XDP_HAS_FRAGS);
		skel->rodata->wgx_frags = 0;
	}
	err = wgx_xdp__load(skel);
	if (err) {
		wgx_xdp__destroy(skel);
		return err;
	}
	*out = skel;
	return 0;
}

int wgx_bpf_open(struct wgx_bpf **out, const char *name, uint16_t listen_port)
{
	struct wgx_bpf *b;
	int err;

	if (!name_ok(name))
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	libbpf_set_print(libbpf_log);
	snprintf(b->name, sizeof(b->name), "%s", name);
	snprintf(b->pin_dir, sizeof(b->pin_dir), "%s/%s", WGX_PIN_ROOT, name);
	/* Kernels before 5.18 reject xdp.frags: retry as single-buffer programs
	 * (the tunnel MTU must then stay within one page). */
	err = load(&b->skel, true);
	if (err == -EINVAL) {
		pr_warn("bpf: multi-buffer wgx_tun failed to load (%s), retrying without",
			strerror(-err));
		err = load(&b->skel, false);
	}
	if (err)
		goto err_free;
	err = wgx_bpf_set_hs_rate(b, WGX_BPF_HS_PER_SEC, WGX_BPF_HS_BURST);
	if (!err)
		err = wgx_bpf_set_listen_port(b, listen_port);
	if (err)
		goto err_destroy;
	*out = b;
	return 0;

err_destroy:
	wgx_xdp__destroy(b->skel);
err_free:
	free(b);
	return err;
}

void wgx_bpf_close(struct wgx_bpf *b)
{
	if (!b)
		return;
	wgx_multiprog_close(&b->rx_mp); /* frees; what is attached stays, as a crash leaves it */
	wgx_xdp__destroy(b->skel);
	free(b);
}

struct wgx_xdp *wgx_bpf_skel(struct wgx_bpf *b)
{
	return b->skel;
}

static struct bpf_program *prog_of(struct wgx_bpf *b, enum wgx_bpf_prog which)
{
	return which == WGX_BPF_RX ? b->skel->progs.wgx_rx : b->skel->progs.wgx_tun;
}

static const char *prog_name(enum wgx_bpf_prog which)
{
	return which == WGX_BPF_RX ? "wgx_rx" : "wgx_tun";
}

/* The XDP program on ifindex: its id, mode flag and kernel name, if any. */
static int xdp_current(int ifindex, __u32 *id, __u32 *mode_flag, char name[BPF_OBJ_NAME_LEN])
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd, err;

	*id = 0;
	name[0] = '\0';
	err = bpf_xdp_query(ifindex, 0, &q);
	if (err)
		return err;
	if (q.attach_mode == XDP_ATTACHED_DRV) {
		*id = q.drv_prog_id;
		*mode_flag = XDP_FLAGS_DRV_MODE;
	} else if (q.attach_mode == XDP_ATTACHED_SKB) {
		*id = q.skb_prog_id;
		*mode_flag = XDP_FLAGS_SKB_MODE;
	} else if (q.attach_mode != XDP_ATTACHED_NONE) {
		*id = q.prog_id ? q.prog_id : 1; /* offloaded or several: not ours */
		*mode_flag = 0;
		return 0;
	}
	if (!*id)
		return 0;
	fd = bpf_prog_get_fd_by_id(*id);
	if (fd < 0)
		return -errno;
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (err)
		return err;
	memcpy(name, info.name, BPF_OBJ_NAME_LEN);
	return 0;
}

static enum wgx_xdp_mode mode_of(__u32 flag)
{
	return flag == XDP_FLAGS_DRV_MODE ? WGX_XDP_NATIVE : WGX_XDP_GENERIC;
}

int wgx_bpf_attach(struct wgx_bpf *b, enum wgx_bpf_prog which, int ifindex,
		   enum wgx_xdp_mode want, enum wgx_xdp_mode *mode)
{
	int fd = bpf_program__fd(prog_of(b, which)), err;
	char cur_name[BPF_OBJ_NAME_LEN];
	__u32 cur_id, flag = 0;

	err = xdp_current(ifindex, &cur_id, &flag, cur_name);
	if (err)
		return err;
	/* The underlay is shared: through libxdp's dispatcher, next to other programs.
	 * A previous daemon's lone wgx_rx is swapped in place below instead. */
	if (which == WGX_BPF_RX && !(cur_id && !strcmp(cur_name, prog_name(which)))) {
		bool native;

		err = wgx_multiprog_attach(&b->rx_mp, b->skel->obj, ifindex,
					   want == WGX_XDP_GENERIC, &native);
		if (!err) {
			b->rx_multi = true;
			b->ifindex[which] = ifindex;
			b->mode_flag[which] = native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
			if (mode)
				*mode = mode_of(b->mode_flag[which]);
			return 0;
		}
		if (cur_id) {
			pr_err("bpf: ifindex %d runs XDP program %u '%s' and libxdp cannot add wgx_rx "
			       "next to it (%s): load it through libxdp (xdp-loader) to share the NIC",
			       ifindex, cur_id, cur_name, strerror(-err));
			return -EBUSY;
		}
		pr_warn("bpf: libxdp's dispatcher unavailable on ifindex %d (%s): wgx_rx attached "
			"alone, other XDP programs cannot join it", ifindex, strerror(-err));
	}
	if (cur_id && strcmp(cur_name, prog_name(which))) {
		pr_warn("bpf: ifindex %d already runs XDP program %u '%s', not replacing it",
			ifindex, cur_id, cur_name);
		return -EBUSY;
	}
	if (cur_id) {
		/* A previous daemon's program: swap without a gap in service. */
		LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = bpf_prog_get_fd_by_id(cur_id));

		if (o.old_prog_fd < 0)
			return -errno;
		err = bpf_xdp_attach(ifindex, fd, flag, &o);
		close(o.old_prog_fd);
		if (err)
			return err;
		pr_info("bpf: replaced stale %s on ifindex %d", prog_name(which), ifindex);
	} else {
		flag = want == WGX_XDP_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
		err = bpf_xdp_attach(ifindex, fd, flag | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		if (err && err != -EBUSY && err != -EEXIST && flag == XDP_FLAGS_DRV_MODE) {
			pr_warn("bpf: native XDP on ifindex %d failed (%s), using generic (slow) mode",
				ifindex, strerror(-err));
			flag = XDP_FLAGS_SKB_MODE;
			err = bpf_xdp_attach(ifindex, fd, flag | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		}
		if (err)
			return err;
	}
	b->ifindex[which] = ifindex;
	b->mode_flag[which] = flag;
	if (mode)
		*mode = mode_of(flag);
	return 0;
}

static int mkdir_ok(const char *path)
{
	return mkdir(path, 0700) && errno != EEXIST ? -errno : 0;
}

int wgx_bpf_pin(struct wgx_bpf *b)
{
	char path[PATH_MAX], root[sizeof(b->pin_dir)];
	struct bpf_map *map;
	int err;

	/* The host's bpffs, from whichever mount namespace we run in (xdp_bpffs.h). */
	err = wgx_bpffs_pin_root(root, sizeof(root));
	if (!err && (size_t)snprintf(b->pin_dir, sizeof(b->pin_dir), "%s/%s", root, b->name) >=
			    sizeof(b->pin_dir))
		err = -ENAMETOOLONG;
	if (!err)
		err = mkdir_ok(root);
	if (!err)
		err = mkdir_ok(b->pin_dir);
	if (err)
		return err;
	bpf_object__for_each_map(map, b->skel->obj) {
		if (bpf_map__is_internal(map)) /* .rodata: "wgx_xdp.rodata", a name bpffs refuses */
			continue;
		snprintf(path, sizeof(path), "%s/%s", b->pin_dir, bpf_map__name(map));
		unlink(path); /* stale pin of a killed daemon */
		err = bpf_map__pin(map, path);
		if (err)
			return err;
	}
	b->pinned = true;
	return 0;
}

/* Remove dir with every pin in it (all ours: the directory is NAME's), and
 * the root if no other instance uses it. */
static int unpin_dir(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	if (rmdir(dir))
		return -errno;
	snprintf(path, sizeof(path), "%s", dir);
	*strrchr(path, '/') = '\0';
	rmdir(path); /* the wg-xdp root: fails while other instances are pinned, fine */
	return 0;
}

static int detach_one(int ifindex, __u32 flag, int old_fd)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = old_fd);

	return bpf_xdp_detach(ifindex, flag, &o);
}

int wgx_bpf_detach_prog(struct wgx_bpf *b, enum wgx_bpf_prog w)
{
	int e;

	if (!b->ifindex[w])
		return 0;
	if (w == WGX_BPF_RX && b->rx_multi) {
		e = wgx_multiprog_detach(&b->rx_mp);
		if (e)
			pr_warn("bpf: detaching wgx_rx from ifindex %d's dispatcher: %s",
				b->ifindex[w], strerror(-e));
		else
			b->ifindex[w] = 0, b->rx_multi = false;
		return e;
	}
	e = detach_one(b->ifindex[w], b->mode_flag[w], bpf_program__fd(prog_of(b, w)));
	if (e == -ENODEV)
		e = 0; /* the interface went away, and its program with it */
	if (e)
		pr_warn("bpf: detaching %s from ifindex %d: %s", prog_name(w), b->ifindex[w],
			strerror(-e));
	else
		b->ifindex[w] = 0;
	return e;
}

int wgx_bpf_detach(struct wgx_bpf *b)
{
	int err = 0, e;

	for (int w = WGX_BPF_RX; w <= WGX_BPF_TUN; w++) {
		e = wgx_bpf_detach_prog(b, (enum wgx_bpf_prog)w);
		err = err ?: e;
	}
	if (b->pinned) {
		e = unpin_dir(b->pin_dir);
		if (!e)
			b->pinned = false;
		err = err ?: e;
	}
	return err;
}

int wgx_bpf_remove_stale(const char *name, const int *ifindexes, int n)
{
	char cur_name[BPF_OBJ_NAME_LEN], dir[PATH_MAX];
	__u32 id, flag;
	int err = 0, fd, e;

	if (!name_ok(name))
		return -EINVAL;
	for (int i = 0; i < n; i++) {
		e = wgx_multiprog_remove_stale(ifindexes[i]);
		err = err ?: e;
		e = xdp_current(ifindexes[i], &id, &flag, cur_name);
		if (e || !id || (strcmp(cur_name, "wgx_rx") && strcmp(cur_name, "wgx_tun"))) {
			err = err ?: e;
			continue;
		}
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0) {
			err = err ?: -errno;
			continue;
		}
		e = detach_one(ifindexes[i], flag, fd);
		close(fd);
		err = err ?: e;
	}
	e = wgx_bpffs_pin_root(dir, sizeof(dir));
	if (!e) {
		size_t n = strlen(dir);

		snprintf(dir + n, sizeof(dir) - n, "/%s", name);
		e = unpin_dir(dir);
	}
	return err ?: e;
}
