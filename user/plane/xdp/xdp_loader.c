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

#include "lib/ifname.h"
#include "lib/log.h"
#include "plane/xdp/xdp_bpffs.h"
#include "plane/xdp/xdp_loader.h"
#include "plane/xdp/xdp_loader_int.h"
#include "wgx_xdp.skel.h"

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char text[4096];

	if (level == LIBBPF_DEBUG && wgx_log_level < WGX_LOG_DEBUG)
		return 0;
	vsnprintf(text, sizeof(text), fmt, ap);
	/* One line each: a verifier log comes as one message of many lines.
	 * libbpf prefixes its own lines with "libbpf: ". */
	for (char *line = text, *nl; *line; line = nl + 1) {
		nl = line + strcspn(line, "\n");
		if (nl > line)
			wgx_log(level == LIBBPF_WARN ? WGX_LOG_WARN : WGX_LOG_DEBUG, "%.*s",
				(int)(nl - line), line);
		if (!*nl)
			break;
	}
	return 0;
}

/* Every map but the internal ones to reuse the one pinned in @dir: 0 or -errno. */
static int reuse_pins(struct wgx_xdp *skel, const char *dir)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	int fd, err;

	bpf_object__for_each_map(map, skel->obj) {
		if (bpf_map__is_internal(map))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(map)) >=
		    sizeof(path))
			return -ENAMETOOLONG;
		fd = bpf_obj_get(path);
		if (fd < 0)
			return -errno;
		err = bpf_map__reuse_fd(map, fd); /* dups it */
		close(fd);
		if (err)
			return err;
	}
	return 0;
}

/* One load attempt (@reuse_dir: over the maps pinned there, else NULL); the skeleton is freed on failure. */
static int load(struct wgx_xdp **out, bool frags, const char *reuse_dir)
{
	struct wgx_xdp *skel = wgx_xdp__open();
	int err;

	if (!skel)
		return -errno;
	err = reuse_dir ? reuse_pins(skel, reuse_dir) : 0;
	if (err) {
		wgx_xdp__destroy(skel);
		return err;
	}
	/* Loaded only into libxdp's dispatcher, by xdp_multiprog.c. */
	bpf_program__set_autoload(skel->progs.wgx_rx_shared, false);
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

/* The id of the map pinned at @dir/wgx_cfg, or 0. */
static __u32 pinned_cfg_id(const char *dir)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/wgx_cfg", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	close(fd);
	return info.id;
}

/* A handle for NAME with both programs loaded (@pinned: over NAME's pinned maps). */
static int open_handle(struct wgx_bpf **out, const char *name, bool pinned)
{
	char root[sizeof((*out)->pin_dir)], dir[sizeof(root) + IF_NAMESIZE + 1];
	struct wgx_bpf *b;
	int err;

	if (!wgx_ifname_valid(name))
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	libbpf_set_print(libbpf_log);
	snprintf(b->name, sizeof(b->name), "%s", name);
	snprintf(b->pin_dir, sizeof(b->pin_dir), "%s/%s", WGX_PIN_ROOT, name);
	err = wgx_bpffs_pin_root(root, sizeof(root));
	if (!err)
		snprintf(dir, sizeof(dir), "%s/%s", root, name);
	if (pinned && (err || !pinned_cfg_id(dir))) {
		err = -ENOENT;
		goto err_free;
	}
	b->over_pins = pinned;
	/* Kernels before 5.18 reject xdp.frags: retry as single-buffer programs
	 * (the tunnel MTU must then stay within one page). */
	err = load(&b->skel, true, pinned ? dir : NULL);
	if (err == -EINVAL) {
		pr_warn("bpf: multi-buffer wgx_tun failed to load (%s), retrying without",
			strerror(-err));
		err = load(&b->skel, false, pinned ? dir : NULL);
	}
	if (err)
		goto err_free;
	*out = b;
	return 0;
err_free:
	free(b);
	return err;
}

int wgx_bpf_open_pinned(struct wgx_bpf **out, const char *name)
{
	return open_handle(out, name, true);
}

int wgx_bpf_open(struct wgx_bpf **out, const char *name, uint16_t listen_port)
{
	struct wgx_bpf *b;
	int err = open_handle(&b, name, false);

	if (err)
		return err;
	err = wgx_bpf_set_hs_rate(b, WGX_BPF_HS_PER_SEC, WGX_BPF_HS_BURST);
	if (!err)
		err = wgx_bpf_set_listen_port(b, listen_port);
	if (err)
		goto err_destroy;
	*out = b;
	return 0;

err_destroy:
	wgx_xdp__destroy(b->skel);
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

/* Programs are pinned next to the maps as PROG_PIN_PREFIX + their name. */
#define PROG_PIN_PREFIX "prog_"

/*
 * An fd of program @id: by id, which wants CAP_SYS_ADMIN, or else through
 * its pin in @pins (a wgx instance's directory, or NULL), which wants only
 * the bpffs' permissions: how a daemon without CAP_SYS_ADMIN (the systemd
 * unit, the DaemonSet) finds the programs a killed predecessor left attached.
 */
static int prog_fd_of(__u32 id, const char *pins)
{
	char path[PATH_MAX];
	struct dirent *e;
	int fd = bpf_prog_get_fd_by_id(id), err = -errno;
	DIR *d;

	if (fd >= 0 || !pins || !(d = opendir(pins)))
		return fd >= 0 ? fd : err;
	while ((e = readdir(d))) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (strncmp(e->d_name, PROG_PIN_PREFIX, strlen(PROG_PIN_PREFIX)) ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", pins, e->d_name) >= sizeof(path))
			continue;
		fd = bpf_obj_get(path);
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) && info.id == id)
			break;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	closedir(d);
	return fd >= 0 ? fd : err;
}

/* Where program @w is pinned while it is attached alone (not through a dispatcher). */
static void prog_pin_path(const struct wgx_bpf *b, enum wgx_bpf_prog w, char *path, size_t size)
{
	snprintf(path, size, "%s/" PROG_PIN_PREFIX "%s", b->pin_dir, prog_name(w));
}

/* The XDP program on ifindex: its id, mode flag and kernel name, if any
 * (the name of a program not pinned in @pins needs CAP_SYS_ADMIN: -EPERM). */
static int xdp_current(int ifindex, const char *pins, __u32 *id, __u32 *mode_flag,
		       char name[BPF_OBJ_NAME_LEN])
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
	fd = prog_fd_of(*id, pins);
	if (fd < 0)
		return fd;
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

static bool uses_map_of(int prog_fd, const __u32 *ids, unsigned int n);

/* Pinned only while attached: a pinned program that no interface here runs is
 * attached in another network namespace (wgx_bpf_remove_stale keeps its pins). */
static void pin_attached(struct wgx_bpf *b, enum wgx_bpf_prog which)
{
	char path[PATH_MAX];
	int err;

	if (!b->pinned)
		return;
	prog_pin_path(b, which, path, sizeof(path));
	unlink(path);
	err = bpf_program__pin(prog_of(b, which), path);
	if (err)
		pr_warn("bpf: pinning %s at %s: %s (a successor without CAP_SYS_ADMIN will not "
			"find it after a crash)", prog_name(which), path, strerror(-err));
}

/* The ids of @b's maps (up to @cap; the internal ones are per load): how many. */
static unsigned int own_map_ids(const struct wgx_bpf *b, __u32 *ids, unsigned int cap)
{
	struct bpf_map *map;
	unsigned int n = 0;

	bpf_object__for_each_map(map, b->skel->obj) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		if (!bpf_map__is_internal(map) && n < cap &&
		    !bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &len))
			ids[n++] = info.id;
	}
	return n;
}

/*
 * Program @cur_id (lone, in mode @flag) on @ifindex is a restart's
 * predecessor's @which: swap ours in for it in one call. 1 if it was
 * (swapped: 0 in *err, or the failure), 0 if it is not the predecessor's.
 */
static int replace_predecessor(struct wgx_bpf *b, enum wgx_bpf_prog which, int ifindex,
			       __u32 cur_id, __u32 flag, int *err)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o);
	__u32 ours[32];
	unsigned int n;
	int old_fd;

	if (!b->over_pins || !flag)
		return 0;
	/* Ours are the predecessor's maps (loaded over its pins): does it use one? */
	n = own_map_ids(b, ours, sizeof(ours) / sizeof(ours[0]));
	old_fd = prog_fd_of(cur_id, b->pin_dir); /* its pin: no CAP_SYS_ADMIN needed */
	if (old_fd < 0 || !uses_map_of(old_fd, ours, n)) {
		if (old_fd >= 0)
			close(old_fd);
		return 0;
	}
	o.old_prog_fd = old_fd;
	*err = bpf_xdp_attach(ifindex, bpf_program__fd(prog_of(b, which)),
			      flag | XDP_FLAGS_REPLACE, &o);
	close(old_fd);
	if (!*err) {
		b->ifindex[which] = ifindex;
		b->mode_flag[which] = flag;
		pin_attached(b, which);
		pr_debug("bpf: %s swapped in for the previous daemon's (program %u) on ifindex %d",
			 prog_name(which), cur_id, ifindex);
	}
	return 1;
}

int wgx_bpf_attach(struct wgx_bpf *b, enum wgx_bpf_prog which, int ifindex,
		   enum wgx_xdp_mode want, enum wgx_xdp_mode *mode)
{
	int fd = bpf_program__fd(prog_of(b, which)), err;
	char cur_name[BPF_OBJ_NAME_LEN];
	__u32 cur_id, flag = 0;

	err = xdp_current(ifindex, b->pin_dir, &cur_id, &flag, cur_name);
	if (err)
		return err;
	if (cur_id && !strcmp(cur_name, prog_name(which)) &&
	    replace_predecessor(b, which, ifindex, cur_id, flag, &err)) {
		if (!err && mode)
			*mode = mode_of(flag);
		return err;
	}
	/* The underlay is shared: through libxdp's dispatcher, next to other programs. */
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
		pr_info("bpf: libxdp's dispatcher unavailable on ifindex %d (%s): wgx_rx attached "
			"alone, other XDP programs cannot join it", ifindex, strerror(-err));
	}
	/* A killed daemon's program of ours went at wgx_bpf_remove_stale, before:
	 * a wgx program still here is another live daemon's, never replaced. */
	if (cur_id && !strcmp(cur_name, prog_name(which))) {
		pr_err("bpf: ifindex %d already runs %s (program %u) of another wg-xdp daemon, "
		       "not replacing it", ifindex, cur_name, cur_id);
		return -EBUSY;
	}
	if (cur_id) {
		pr_warn("bpf: ifindex %d already runs XDP program %u '%s', not replacing it",
			ifindex, cur_id, cur_name);
		return -EBUSY;
	}
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
	b->ifindex[which] = ifindex;
	b->mode_flag[which] = flag;
	if (mode)
		*mode = mode_of(flag);
	pin_attached(b, which);
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
 * the root if no other instance uses it. 1 if removed, 0 if there was none. */
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
	return 1;
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
	if (e) {
		pr_warn("bpf: detaching %s from ifindex %d: %s", prog_name(w), b->ifindex[w],
			strerror(-e));
	} else {
		char path[PATH_MAX];

		b->ifindex[w] = 0;
		prog_pin_path(b, w, path, sizeof(path));
		unlink(path);
	}
	return e;
}

void wgx_bpf_let_go(struct wgx_bpf *b)
{
	if (b->rx_multi)
		wgx_bpf_detach_prog(b, WGX_BPF_RX);
	wgx_bpf_close(b);
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
		if (e >= 0)
			b->pinned = false;
		err = err ?: (e < 0 ? e : 0);
	}
	return err;
}

/*
 * What tells a program's owner: the ids of the maps pinned under NAME's
 * directory (NAME's programs use them) and under every instance's (a wgx
 * program using none is an orphan: every daemon pins before it attaches);
 * and the programs detached so far (their release by the kernel may lag).
 */
struct owned_maps {
	__u32 ids[32];
	unsigned int n;
	__u32 any[512];
	unsigned int n_any;
	__u32 gone[16];
	unsigned int n_gone;
};

static void note_gone(struct owned_maps *m, __u32 id)
{
	if (m->n_gone < sizeof(m->gone) / sizeof(m->gone[0]))
		m->gone[m->n_gone++] = id;
}

/* Append the ids of the maps pinned in @dir to @ids (up to @cap). */
static void pinned_map_ids(const char *dir, __u32 *ids, unsigned int cap, unsigned int *n)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d)) && *n < cap) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int fd;

		if (e->d_name[0] == '.' ||
		    !strncmp(e->d_name, PROG_PIN_PREFIX, strlen(PROG_PIN_PREFIX)) ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path))
			continue;
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			ids[(*n)++] = info.id;
		close(fd);
	}
	closedir(d);
}

/* NAME's pinned maps, and every instance's under @root. */
static void owner_maps(const char *root, const char *name, struct owned_maps *m)
{
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;

	memset(m, 0, sizeof(*m));
	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", root, name) < sizeof(dir))
		pinned_map_ids(dir, m->ids, sizeof(m->ids) / sizeof(m->ids[0]), &m->n);
	d = opendir(root);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' ||
		    (size_t)snprintf(dir, sizeof(dir), "%s/%s", root, e->d_name) >= sizeof(dir))
			continue;
		pinned_map_ids(dir, m->any, sizeof(m->any) / sizeof(m->any[0]), &m->n_any);
	}
	if (d)
		closedir(d);
}

/* Does the program behind @prog_fd use one of the @n maps in @ids? */
static bool uses_map_of(int prog_fd, const __u32 *ids, unsigned int n)
{
	struct bpf_prog_info info = {};
	__u32 used[64], len = sizeof(info);

	info.nr_map_ids = sizeof(used) / sizeof(used[0]);
	info.map_ids = (__u64)(unsigned long)used;
	if (prog_fd < 0 || bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return false;
	for (__u32 i = 0; i < info.nr_map_ids && i < sizeof(used) / sizeof(used[0]); i++)
		for (unsigned int j = 0; j < n; j++)
			if (used[i] == ids[j])
				return true;
	return false;
}

/* A wgx program @ctx's (struct owned_maps) cleanup takes: NAME's, or an orphan. */
static bool takes(int prog_fd, void *ctx)
{
	const struct owned_maps *m = ctx;

	return uses_map_of(prog_fd, m->ids, m->n) || !uses_map_of(prog_fd, m->any, m->n_any);
}

/* @ifindex's own wgx program (not through a dispatcher), if @m takes it: detach it.
 * @pins: NAME's pin directory, where its programs are found without CAP_SYS_ADMIN. */
static int remove_lone_owned(int ifindex, const char *pins, struct owned_maps *m,
			     const char *ifname)
{
	char cur_name[BPF_OBJ_NAME_LEN];
	__u32 id, flag;
	int fd, err = xdp_current(ifindex, pins, &id, &flag, cur_name);

	/* Not ours to judge without CAP_SYS_ADMIN: a program pinned by none of NAME. */
	if (err == -EPERM)
		return 0;
	if (err || !id || (strcmp(cur_name, "wgx_rx") && strcmp(cur_name, "wgx_tun")))
		return err;
	fd = prog_fd_of(id, pins);
	if (fd < 0)
		return -errno;
	if (takes(fd, m)) {
		err = detach_one(ifindex, flag, fd);
		if (!err) {
			pr_info("bpf: removed %s (program %u) from %s", cur_name, id, ifname);
			note_gone(m, id);
			err = 1;
		}
	}
	close(fd);
	return err;
}

/* A program still using @m's maps after the scan (attached in another
 * network namespace, where this one's interfaces do not reach): its id, or 0. */
static __u32 owned_prog_left(struct owned_maps *m)
{
	__u32 id = 0;

	while (!bpf_prog_get_next_id(id, &id)) {
		bool owned, gone = false;
		int fd;

		for (unsigned int i = 0; i < m->n_gone; i++)
			gone |= m->gone[i] == id;
		fd = gone ? -1 : bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		owned = uses_map_of(fd, m->ids, m->n);
		close(fd);
		if (owned)
			return id;
	}
	return 0;
}

/* @ours' programs, loaded but never attached: no leftovers, though they use NAME's maps. */
static void note_ours(struct owned_maps *m, const struct wgx_bpf *ours)
{
	const struct bpf_program *progs[] = { ours->skel->progs.wgx_rx, ours->skel->progs.wgx_tun };

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (!bpf_obj_get_info_by_fd(bpf_program__fd(progs[i]), &info, &len))
			note_gone(m, info.id);
	}
}

int wgx_bpf_remove_stale(const char *name, const struct wgx_bpf *ours)
{
	struct if_nameindex *ifs, *i;
	struct owned_maps m;
	char dir[PATH_MAX];
	int err, e, removed = 0;
	__u32 left;
	size_t n;

	if (!wgx_ifname_valid(name))
		return -EINVAL;
	err = wgx_bpffs_pin_root(dir, sizeof(dir));
	if (err)
		return err;
	owner_maps(dir, name, &m);
	if (ours)
		note_ours(&m, ours);
	n = strlen(dir);
	snprintf(dir + n, sizeof(dir) - n, "/%s", name);
	ifs = if_nameindex();
	for (i = ifs; i && i->if_index; i++) {
		e = wgx_multiprog_remove_owned((int)i->if_index, takes, &m);
		if (e > 0) {
			pr_info("bpf: removed wgx_rx (program %d) from %s's dispatcher", e, i->if_name);
			note_gone(&m, (__u32)e);
			e = 1;
		} else if (!e) {
			e = remove_lone_owned((int)i->if_index, dir, &m, i->if_name);
		}
		if (e > 0)
			removed += e;
		else
			err = err ?: e;
	}
	if (ifs)
		if_freenameindex(ifs);
	left = m.n ? owned_prog_left(&m) : 0;
	if (left) {
		/* The pins are how a detach in that namespace will find it. */
		pr_warn("bpf: program %u still uses %s's maps, attached outside this network "
			"namespace: pins kept; run wg-xdp detach %s in that namespace", left, name,
			name);
		return err ?: removed;
	}
	e = unpin_dir(dir);
	if (e == 1) {
		pr_info("bpf: removed the pins in %s", dir);
		removed++;
	}
	err = err ?: (e < 0 ? e : 0);
	return err ?: removed;
}
