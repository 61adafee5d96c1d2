// SPDX-License-Identifier: MIT
#include "control/attach.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/config.h"
#include "control/ctl.h"
#include "control/daemon.h"
#include "control/env.h"
#include "control/handover.h"
#include "control/linkwatch.h"
#include "control/metrics.h"
#include "control/peerlog.h"
#include "control/restart.h"
#include "control/stats.h"
#include "control/rtprio.h"
#include "control/uapi.h"
#include "control/uapi_server.h"
#include "control/underlay.h"
#include "core/aead.h"
#include "core/device.h"
#include "core/peer.h"
#include "core/secret.h"
#include "core/send.h"
#include "core/state.h"
#include "lib/caps.h"
#include "lib/clock.h"
#include "lib/evloop.h"
#include "lib/log.h"
#include "plane/socket/socket_plane.h"
#include "plane/xdp/xdp_mode.h"
#include "plane/xdp/xdp_xsk.h"

static int uapi_get(void *ctx, struct wgx_uapi_device_view *view)
{
	return wgx_device_view(ctx, view);
}

static void uapi_put_view(void *ctx, struct wgx_uapi_device_view *view)
{
	(void)ctx;
	wgx_device_view_free(view);
}

/* A slice of a set: batches of SET_BATCH peers until SET_SLICE_NS have
 * passed, so the loop (and the data plane in socket mode) turns at least
 * that often during a 100k-peer set; one peer costs up to ~60 us here. */
#define SET_BATCH 16
#define SET_SLICE_NS (2 * WGX_NS_PER_SEC / 1000)

static int uapi_set(void *ctx, const struct wgx_uapi_set *set, size_t *next)
{
	struct wgx_device *dev = ctx;
	uint64_t start = wgx_clock_mono_ns(), now = start;
	int ret = 0;

	if (*next == 0)
		ret = wgx_device_apply_begin(dev, set);
	while (!ret && *next < set->n_peers) {
		ret = wgx_device_apply_peers(dev, set, next, SET_BATCH, now);
		now = wgx_clock_mono_ns();
		if (!ret && *next < set->n_peers && now - start >= SET_SLICE_NS)
			return -EINPROGRESS;
	}
	/* What changed, never a key. */
	if (ret)
		pr_info("%s: configuration change refused: %s", dev->name, strerror(-ret));
	else
		pr_info("%s: configuration changed: %zu peer entr%s%s%s%s; %u peers", dev->name,
			set->n_peers, set->n_peers == 1 ? "y" : "ies",
			set->replace_peers ? ", peers replaced" : "",
			set->has_private_key ? ", private key set" : "",
			set->has_listen_port ? ", listen port set" : "", dev->n_peers);
	return ret;
}

static void uapi_removed(void *ctx)
{
	struct wgx_device *dev = ctx;

	/* wg-quick down and friends delete the socket to stop a userspace WireGuard. */
	pr_info("%s: UAPI socket removed, shutting down", dev->name);
	kill(getpid(), SIGTERM);
}

static const struct wgx_uapi_ops uapi_ops = {
	.get = uapi_get,
	.put_view = uapi_put_view,
	.set = uapi_set,
	.removed = uapi_removed,
};

/* The file's text lives in locked memory only while it is parsed (config.h). */
static int load_config(const char *path, struct wgx_uapi_set *set, struct wgx_config_own *own)
{
	char err[256] = "";
	int ret = wgx_config_load_own(path, set, own, err, sizeof(err));

	if (ret)
		pr_err("%s: %s", path, err[0] ? err : strerror(-ret));
	return ret;
}

int wgx_attach_cleanup_stale(const char *name, struct wgx_bpf **maps)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int ret, removed;

	if (maps)
		*maps = NULL;
	if (wgx_pidfile_read(name) > 0)
		return -EEXIST;
	wgx_uapi_sock_path(name, path, sizeof(path));
	ret = wgx_uapi_sock_probe(path);
	/* A killed daemon's sockets go with its last thread (up to 2 s here). */
	for (int i = 0; ret == 1 && i < 100 && wgx_daemon_exited(name); i++) {
		usleep(20000);
		ret = wgx_uapi_sock_probe(path);
	}
	if (ret == 1)
		return -EADDRINUSE;
	ret = wgx_xdp_cleanup_stale(name, maps);
	removed = ret > 0 ? ret : 0;
	if (wgx_uapi_sock_probe(path) == 0 && !access(path, F_OK) && !wgx_uapi_sock_unlink_stale(path)) {
		pr_info("%s: removed the stale UAPI socket %s", name, path);
		removed++;
	}
	if (wgx_ctl_remove_stale(name) == 1) {
		pr_info("%s: removed the stale statistics socket", name);
		removed++;
	}
	if (wgx_pidfile_remove(name) == 1) {
		pr_info("%s: removed the stale pid file %s", name,
			wgx_pidfile_path(name, path, sizeof(path)));
		removed++;
	}
	return removed;
}

static int block_signals(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* After a restart, reach the peers we know at once instead of waiting for traffic. */
static void initiate_to_known_endpoints(struct wgx_device *dev, uint64_t now)
{
	for (struct wgx_peer *p = dev->peers; p; p = p->next)
		if (p->endpoint.addr.sa.sa_family != AF_UNSPEC)
			wgx_send_want_handshake(p, now);
}

/*
 * Default crypto workers: one per CPU the daemon may run on, auto-scaled
 * (xdp_scale.h: used only while the data plane is saturated and CPUs idle).
 * Confined to one CPU (taskset, a cgroup cpuset), workers could only take
 * turns with the control thread on it: then none, seal/open inline.
 */
static unsigned int default_workers(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set))
		n = (int)sysconf(_SC_NPROCESSORS_ONLN);
	else
		n = CPU_COUNT(&set);
	return n > 1 ? (unsigned int)n : 0;
}

/* What the daemon runs: the device, its plane, and what control registers in the loop. */
struct session {
	const struct wgx_attach_opts *o;
	struct wgx_loop *loop;
	struct wgx_device *dev;
	struct wgx_socket_plane *socket_plane;
	struct wgx_xdp_plane *xdp_plane;
	enum wgx_xdp_path xdp_path;
	const char *path_why;
	struct wgx_uapi_server uapi;
	bool uapi_open;
	struct wgx_ctl ctl;
	struct wgx_rtprio rt;
	int sigfd;
	uint64_t last_gc;
	struct wgx_linkwatch link;
	struct wgx_metrics *metrics;
	uint64_t last_publish;
	char friendly_names[128];
	char underlay[IF_NAMESIZE];	/* XDP mode's NIC now */
	bool underlay_auto;		/* chosen from the routes: chosen again when they change */
	struct wgx_underlay_watch underlay_watch;
	struct wgx_handover handover;	/* NAME.handover: `wg-xdp restart` asks there */
	/* The sockets' files and the pid file are ours to remove at exit: not
	 * after we handed them over, nor before a restart took them over. */
	bool own_paths;
	bool pid_written;		/* the pid file names us */
	struct wgx_bpf *stale_maps;	/* a killed daemon's, for the XDP plane (attach) */
};

static void signal_readable(void *ctx, uint32_t events)
{
	struct session *s = ctx;

	(void)events;
	pr_info("%s: signal received, shutting down", s->dev->name);
	wgx_loop_stop(s->loop);
}

static void uapi_readable(void *ctx, uint32_t events)
{
	struct session *s = ctx;

	(void)events;
	wgx_uapi_server_handle(&s->uapi);
}

static void ctl_readable(void *ctx, uint32_t events)
{
	struct session *s = ctx;

	(void)events;
	wgx_ctl_handle(&s->ctl);
}

static int ctl_turn(void *ctx)
{
	struct session *s = ctx;

	return wgx_ctl_turn(&s->ctl, wgx_clock_mono_ns());
}

static void link_readable(void *ctx, uint32_t events)
{
	struct session *s = ctx;
	unsigned int what;

	(void)events;
	what = wgx_linkwatch_read(&s->link);
	if (what & WGX_LINK_ROUTES)
		wgx_underlay_routes_changed(&s->underlay_watch, wgx_clock_mono_ns());
	if (!(what & WGX_LINK_GONE))
		return;
	/* ip link delete, wg-quick down: as wireguard-go, stop and remove everything. */
	pr_info("%s: interface deleted, shutting down", s->dev->name);
	wgx_loop_stop(s->loop);
}

/* Routes changed and settled: the underlay they give now, if another (underlay.h). */
static int underlay_turn(void *ctx)
{
	struct session *s = ctx;
	char name[IF_NAMESIZE];
	int due = wgx_underlay_due(&s->underlay_watch, wgx_clock_mono_ns()), ret;

	if (due)
		return due;
	ret = wgx_underlay_pick_for(s->dev, name);
	if (ret) {
		pr_debug("%s: routes changed, no underlay from them (%s): %s kept", s->dev->name,
			 strerror(-ret), s->underlay);
		return -1;
	}
	if (!strcmp(name, s->underlay) || !s->xdp_plane)
		return -1;
	pr_info("%s: routes changed: underlay %s -> %s", s->dev->name, s->underlay, name);
	wgx_xdp_plane_move_underlay(s->xdp_plane, name);
	memcpy(s->underlay, name, sizeof(name));
	return -1;
}

/* Hand the HTTP thread a fresh text (control/metrics.h). */
static void metrics_publish(struct session *s)
{
	struct wgx_stats st;
	size_t len = 0;
	char *text = NULL;

	s->last_publish = wgx_clock_mono_ns();
	if (wgx_ctl_collect(&s->ctl, &st))
		return;
	if (!wgx_stats_to_prom(&st, &text, &len))
		wgx_metrics_publish(s->metrics, text, len);
	free(text);
	wgx_stats_free(&st);
}

static void metrics_readable(void *ctx, uint32_t events)
{
	struct session *s = ctx;

	(void)events;
	wgx_metrics_drain(s->metrics);
	metrics_publish(s);
}

/* Once a second without a scrape asking sooner. */
static int metrics_turn(void *ctx)
{
	struct session *s = ctx;
	uint64_t now = wgx_clock_mono_ns();

	if (now - s->last_publish >= WGX_NS_PER_SEC) {
		metrics_publish(s);
		return 1000;
	}
	return (int)((WGX_NS_PER_SEC - (now - s->last_publish)) / 1000000) + 1;
}

/* What a handover writes: the session as of one instant. */
struct handover_ctx {
	struct session *s;
	const struct wgx_restart *st;
	const struct wgx_device *dev;
	uint64_t now;
};

static void handover_write(void *ctx, struct wgx_writer *w)
{
	const struct handover_ctx *h = ctx;

	wgx_restart_write(w, h->st, h->dev, h->now);
}

/* The new process takes over: our XDP plane goes, leaving wgx_rx and the
 * pins for it to swap its own in (xdp_mode.h: wgx_xdp_plane_release). */
static void handover_release(void *ctx)
{
	struct session *s = ((struct handover_ctx *)ctx)->s;

	if (!s->xdp_plane)
		return;
	s->ctl.classifier = NULL;
	wgx_xdp_plane_release(s->xdp_plane);
	s->xdp_plane = NULL;
}

/*
 * `wg-xdp restart`: hand everything to the new process (control/handover.h),
 * frozen until it answers; stop if it took over. The metrics endpoint is
 * let go first so that the new process can bind it, and resumed if not.
 */
static void handover_readable(void *ctx, uint32_t events)
{
	struct session *s = ctx;
	struct wgx_restart st = { .opts = *s->o, .underlay_auto = s->underlay_auto,
				  .uapi_fd = s->uapi.listen_fd, .ctl_fd = s->ctl.fd,
				  .handover_fd = s->handover.fd };
	struct handover_ctx h = { .s = s, .st = &st, .dev = s->dev };
	uint8_t roles[WGX_HANDOVER_MAX_FDS];
	int fds[WGX_HANDOVER_MAX_FDS], ret;
	unsigned int n;
	pid_t taker = 0;

	(void)events;
	if (s->uapi.applying) {
		/* Half a set would travel, and its client would get no answer. */
		pr_warn("%s: restart refused: a configuration change is being applied; try again",
			s->dev->name);
		wgx_handover_refuse(&s->handover);
		return;
	}
	st.opts.underlay = s->underlay[0] ? s->underlay : NULL;
	snprintf(st.aead, sizeof(st.aead), "%s", wgx_aead_backend_name());
	if (!s->xdp_plane || s->xdp_path == WGX_XDP_PATH_SOCKET) {
		st.xdp_path = s->xdp_plane ? WGX_RESTART_XDP_SOCKET : WGX_RESTART_XDP_NONE;
		wgx_socket_plane_fds(s->socket_plane, &st.sock);
	} else {
		/* The XSK path's tunnel is its veth, which stays: the UDP and AF_XDP sockets travel. */
		st.xdp_path = WGX_RESTART_XDP_XSK;
		st.sock.tun_fd = st.sock.tun_sparse_fd = -1;
		wgx_xdp_plane_udp(s->xdp_plane, &st.sock.udp);
		wgx_xdp_plane_hand_over(s->xdp_plane, wgx_clock_mono_ns(), &st.xsk);
	}
	n = wgx_restart_fds(&st, fds, roles, WGX_HANDOVER_MAX_FDS);
	if (s->metrics) {
		wgx_loop_unwatch(s->loop, wgx_metrics_fd(s->metrics));
		wgx_metrics_stop(s->metrics);
		s->metrics = NULL;
	}
	h.now = wgx_clock_mono_ns();
	ret = wgx_handover_serve(&s->handover, fds, n, h.now, handover_write, handover_release, &h,
				 &taker);
	if (ret == 1) {
		pr_info("%s: handed over to the new daemon (pid %ld); exiting", s->dev->name,
			(long)taker);
		wgx_daemon_handed_over(taker);
		s->own_paths = false;
		wgx_loop_stop(s->loop);
		return;
	}
	if (ret < 0)
		pr_err("%s: restart failed: %s; carrying on", s->dev->name, strerror(-ret));
	if (s->o->mode == WGX_MODE_XDP && !s->xdp_plane && !s->socket_plane) {
		/* The XSK path: its sockets closed for the new process, nothing carries data. */
		pr_err("%s: the new process went away after we let go of the data plane: stopping "
		       "(attach again)", s->dev->name);
		wgx_loop_stop(s->loop);
		return;
	}
	if (s->o->mode == WGX_MODE_XDP && !s->xdp_plane)
		pr_warn("%s: the new process went away after we let go of the XDP plane: carrying "
			"on without it (data still flows through the socket; detach and attach to "
			"restore it)", s->dev->name);
	/* The new process listen()ed on them (peers see its credentials): ours
	 * again, so that wgx_daemon_open finds us behind the statistics socket. */
	if (listen(s->ctl.fd, 16) || listen(s->uapi.listen_fd, SOMAXCONN) ||
	    listen(s->handover.fd, 4))
		pr_warn("%s: listening again after the restart attempt: %s", s->dev->name,
			strerror(errno));
	if (s->o->metrics && !wgx_metrics_start(&s->metrics, s->o->metrics) &&
	    wgx_loop_watch(s->loop, wgx_metrics_fd(s->metrics), metrics_readable, s))
		pr_warn("%s: metrics not watched after the restart attempt", s->dev->name);
}

static void woke(void *ctx, uint64_t slept_ns, int n, uint64_t now_ktime)
{
	struct session *s = ctx;

	wgx_rtprio_after_wait(&s->rt, slept_ns, n, now_ktime);
}

/* Control's turn: the protocol timers, and the rate limiter's GC once a second. */
static int timers_turn(void *ctx)
{
	struct session *s = ctx;
	uint64_t now = wgx_clock_mono_ns(), next, ms;

	wgx_device_expire_timers(s->dev, now);
	/* Whatever this iteration sealed, opened or derived: no key left behind
	 * in OpenSSL's heap or in the dead frames below this one. */
	wgx_aead_thread_forget();
	wgx_secret_burn_stack();
	if (now - s->last_gc >= WGX_NS_PER_SEC) {
		wgx_ratelimiter_gc(&s->dev->ratelimiter, now);
		wgx_peerlog_scan(s->dev, wgx_clock_wall_ns());
		s->last_gc = now;
	}
	next = wgx_timerq_next(&s->dev->timerq);
	if (!next)
		return -1;
	now = wgx_clock_mono_ns();
	if (next <= now)
		return 0;
	ms = (next - now + 999999) / 1000000;
	return ms > WGX_LOOP_MAX_SLEEP_MS ? WGX_LOOP_MAX_SLEEP_MS : (int)ms;
}

/*
 * XDP mode's path: XSK where the NIC binds AF_XDP zero-copy; on a copy-mode
 * NIC (veth, most virtio) the kernel socket with the socket plane's
 * offloads moved more (README "Performance"), so that one.
 */
static enum wgx_xdp_path choose_path(struct session *s)
{
	const struct wgx_attach_opts *o = s->o;
	int zc;

	if (o->path == WGX_PATH_XSK) {
		s->path_why = "asked for (--path xsk)";
		return WGX_XDP_PATH_XSK;
	}
	if (o->path == WGX_PATH_SOCKET) {
		s->path_why = "asked for (--path socket)";
		return WGX_XDP_PATH_SOCKET;
	}
	zc = wgx_xsk_probe_zero_copy(o->underlay);
	if (zc > 0) {
		s->path_why = "auto: the NIC binds AF_XDP zero-copy";
		return WGX_XDP_PATH_XSK;
	}
	s->path_why = zc == 0 ? "auto: the NIC binds AF_XDP in copy mode only, where the "
				"kernel socket with offloads is faster" :
				"auto: no AF_XDP socket could be bound on the NIC";
	return WGX_XDP_PATH_SOCKET;
}

/*
 * The plane comes before the configuration, so that the XDP plane mirrors it
 * into its maps. XDP mode on the socket path: the socket plane carries the
 * data, the XDP plane classifies at the driver and keeps the maps.
 */
static int create_plane(struct session *s)
{
	const struct wgx_attach_opts *o = s->o;

	if (o->mode == WGX_MODE_XDP) {
		s->xdp_path = choose_path(s);
		s->xdp_plane = wgx_xdp_plane_create(s->dev, s->loop, s->stale_maps);
		s->stale_maps = NULL;
		if (!s->xdp_plane)
			return -ENODEV;
		if (s->xdp_path == WGX_XDP_PATH_XSK)
			return 0;
		s->ctl.classifier = s->xdp_plane;
	}
	s->socket_plane = wgx_socket_plane_create(s->dev, s->loop, o->mtu);
	return s->socket_plane ? 0 : -ENODEV;
}

static int start_xdp(struct session *s)
{
	const struct wgx_attach_opts *o = s->o;

	if (!s->xdp_plane)
		return 0;
	if (s->xdp_path == WGX_XDP_PATH_SOCKET)
		return wgx_xdp_plane_start_classifier(s->xdp_plane, o->underlay, s->path_why);
	wgx_xdp_plane_set_path_reason(s->xdp_plane, s->path_why);
	return wgx_xdp_plane_start(s->xdp_plane, o->underlay,
				   o->workers >= 0 ? (unsigned int)o->workers : default_workers(),
				   o->workers < 0, o->busy_poll);
}

static void destroy_plane(struct session *s)
{
	wgx_socket_plane_destroy(s->socket_plane);
	wgx_xdp_plane_destroy(s->xdp_plane);
	s->socket_plane = NULL;
	s->xdp_plane = NULL;
}

static int register_control(struct session *s)
{
	struct wgx_loop *l = s->loop;

	wgx_loop_on_wake(l, woke, s);
	if (s->metrics && (wgx_loop_watch(l, wgx_metrics_fd(s->metrics), metrics_readable, s) ||
			   wgx_loop_add_turn(l, metrics_turn, s)))
		return -ENOSPC;
	if (s->underlay_auto && wgx_loop_add_turn(l, underlay_turn, s))
		return -ENOSPC;
	return wgx_loop_watch(l, s->sigfd, signal_readable, s) ?:
	       wgx_loop_watch(l, s->handover.fd, handover_readable, s) ?:
	       wgx_loop_watch(l, wgx_linkwatch_fd(&s->link), link_readable, s) ?:
	       wgx_loop_watch(l, wgx_uapi_server_fd(&s->uapi), uapi_readable, s) ?:
	       (s->ctl.fd >= 0 ? wgx_loop_watch(l, wgx_ctl_fd(&s->ctl), ctl_readable, s) ?:
				 wgx_loop_add_turn(l, ctl_turn, s) : 0) ?:
	       wgx_loop_add_turn(l, timers_turn, s);
}

/*
 * A restart's state into the fresh session (its socket plane already
 * adopted): times rebased on the snapshot's instant, which is ours too on
 * one machine's clock. 0 or -errno (reported).
 */
static int import_state(struct session *s, struct wgx_handover_in *in)
{
	uint64_t now = wgx_clock_mono_ns();
	int ret = wgx_state_import(s->dev, in->snapshot_ns <= now ? in->snapshot_ns : now, &in->r);

	if (!ret && in->r.off != in->r.len)
		ret = -EBADMSG;
	if (ret)
		pr_err("%s: restart refused: the device state does not import: %s", s->o->name,
		       ret == -EBADMSG ? "malformed" : strerror(-ret));
	return ret;
}

/* The session's plane: created (and bound after the configuration), or over a restart's fds. */
static int start_plane(struct session *s, struct wgx_uapi_set *config, struct wgx_restart *rs,
		       struct wgx_handover_in *in)
{
	const struct wgx_attach_opts *o = s->o;
	int ret;

	if (rs) {
		/* XDP mode: the maps mirror the state as it is imported (the running
		 * daemon's own, preloaded); our programs are swapped in, and on the
		 * XSK path its AF_XDP sockets served, once it let go (start_xdp). */
		if (o->mode == WGX_MODE_XDP) {
			s->xdp_path = rs->xdp_path == WGX_RESTART_XDP_XSK ? WGX_XDP_PATH_XSK :
									WGX_XDP_PATH_SOCKET;
			s->path_why = "handed over by a restart";
			s->xdp_plane = wgx_xdp_plane_create(s->dev, s->loop, rs->xdp_preload);
			rs->xdp_preload = NULL;
			if (!s->xdp_plane)
				return -ENODEV;
		}
		if (s->xdp_plane && s->xdp_path == WGX_XDP_PATH_XSK) {
			ret = wgx_xdp_plane_adopt(s->xdp_plane, &rs->sock.udp, &rs->xsk, o->underlay);
			rs->sock.udp.fd4 = rs->sock.udp.fd6 = rs->sock.udp.hs4 = rs->sock.udp.hs6 = -1;
			return ret ?: import_state(s, in);
		}
		s->ctl.classifier = s->xdp_plane;
		s->socket_plane = wgx_socket_plane_adopt(s->dev, s->loop, &rs->sock);
		rs->sock.tun_fd = rs->sock.tun_sparse_fd = -1;
		rs->sock.udp.fd4 = rs->sock.udp.fd6 = rs->sock.udp.hs4 = rs->sock.udp.hs6 = -1;
		return s->socket_plane ? import_state(s, in) : -ENODEV;
	}
	ret = create_plane(s);
	if (ret)
		return ret;
	ret = wgx_device_apply(s->dev, config, wgx_clock_mono_ns());
	wgx_uapi_set_free(config);
	if (!ret)
		ret = wgx_device_bind(s->dev);
	if (ret)
		/* A port below 1024 is privileged unless net.ipv4.ip_unprivileged_port_start says otherwise. */
		pr_err("%s: cannot bind UDP port %u: %s%s", o->name, s->dev->listen_port, strerror(-ret),
		       s->dev->listen_port && s->dev->listen_port < 1024 ?
			       wgx_cap_hint(ret, WGX_CAP(CAP_NET_BIND_SERVICE)) : "");
	return ret;
}

/* The UAPI, statistics and handover sockets: listening, or a restart's. */
static int open_sockets(struct session *s, struct wgx_restart *rs)
{
	const struct wgx_attach_opts *o = s->o;
	char dir[256];
	int ret;

	wgx_uapi_sock_path(o->name, dir, sizeof(dir));
	*strrchr(dir, '/') = '\0';
	if (rs) {
		ret = wgx_uapi_server_adopt_at(&s->uapi, dir, o->name, rs->uapi_fd, &uapi_ops, s->dev);
		rs->uapi_fd = -1;
	} else {
		ret = wgx_uapi_server_open_at(&s->uapi, dir, o->name, &uapi_ops, s->dev);
	}
	if (ret) {
		pr_err("%s: cannot create UAPI socket in %s: %s", o->name, dir, strerror(-ret));
		return ret;
	}
	s->uapi_open = true;
	/* The statistics socket before the pid file: it is how others tell the
	 * pid file's process is NAME's daemon (daemon.h). */
	ret = wgx_run_dir_create();
	if (!ret && rs && rs->ctl_fd >= 0) {
		ret = wgx_ctl_adopt(&s->ctl, rs->ctl_fd);
		rs->ctl_fd = -1;
	} else if (!ret) {
		ret = wgx_ctl_open(&s->ctl, o->name);
	}
	if (ret) {
		pr_err("%s: statistics socket: %s", o->name, strerror(-ret));
		return ret;
	}
	if (rs && rs->handover_fd >= 0) {
		ret = wgx_handover_adopt(&s->handover, rs->handover_fd);
		rs->handover_fd = -1;
	} else {
		ret = wgx_handover_listen(&s->handover, o->name);
	}
	if (ret)
		pr_err("%s: restart socket: %s", o->name, strerror(-ret));
	return ret;
}

/* A restart: take over from the running daemon, then put our pid in the pid file. */
static int take_over(struct session *s, struct wgx_handover_in *in)
{
	const char *name = s->o->name;
	int ret = wgx_handover_commit(in);

	if (ret) {
		pr_err("%s: restart failed: the running daemon did not let go (%s); it carries on",
		       name, strerror(-ret));
		return ret;
	}
	s->own_paths = s->pid_written = true;
	ret = wgx_pidfile_replace(name);
	if (ret)
		pr_warn("%s: pid file: %s (serving anyway)", name, strerror(-ret));
	return 0;
}

/*
 * Serve until told to stop. Fresh (@rs NULL): config is applied, then wiped
 * and freed: its keys live on only in the device. A restart: @rs and @in
 * are the running daemon's, taken over once all is ready (control/handover.h).
 * underlay_auto: o->underlay came from the routes (XDP mode). stale_maps: a
 * killed daemon's BPF maps for the XDP plane, or NULL; taken (freed).
 */
static int serve(const struct wgx_attach_opts *o, struct wgx_uapi_set *config, bool underlay_auto,
		 struct wgx_bpf *stale_maps, struct wgx_restart *rs, struct wgx_handover_in *in)
{
	struct session s = { .o = o, .ctl = { .fd = -1, .epfd = -1 }, .sigfd = -1,
			     .underlay_auto = underlay_auto, .handover = { .fd = -1 },
			     .own_paths = !rs, .stale_maps = stale_maps };
	int ret;

	s.ctl.rt = &s.rt;
	s.ctl.mode = o->mode == WGX_MODE_XDP ? "xdp" : "socket";
	/* Friendly names for the metrics: the config given, or wg-quick's. */
	snprintf(s.friendly_names, sizeof(s.friendly_names), "%s%s%s", o->config ? o->config : "/etc/wireguard/",
		 o->config ? "" : o->name, o->config ? "" : ".conf");
	s.ctl.friendly_names = s.friendly_names;
	s.sigfd = block_signals();
	s.loop = wgx_loop_create();
	s.dev = wgx_device_create(o->name, o->mtu, wgx_env.time_scale);
	if (s.sigfd < 0 || !s.loop || !s.dev) {
		ret = -ENOMEM;
		goto out;
	}
	s.dev->force_under_load = wgx_env.test_under_load;
	s.ctl.dev = s.dev;
	ret = start_plane(&s, config, rs, in);
	if (ret)
		goto out;
	/* Before the crypto workers start (they opt out of inheriting it). */
	wgx_rtprio_start(&s.rt, o->name, !o->realtime || o->busy_poll);
	ret = rs ? 0 : start_xdp(&s);
	if (ret)
		goto out;
	snprintf(s.underlay, sizeof(s.underlay), "%s", o->underlay ? o->underlay : "");
	ret = wgx_linkwatch_open(&s.link, o->name, s.underlay_auto);
	if (ret) {
		pr_err("%s: cannot watch the interface: %s", o->name, strerror(-ret));
		goto out;
	}
	if (o->metrics && (ret = wgx_metrics_start(&s.metrics, o->metrics))) {
		pr_err("%s: --metrics %s: %s", o->name, o->metrics,
		       ret == -EINVAL ? "expected ADDR:PORT or [V6]:PORT" : strerror(-ret));
		goto out;
	}
	ret = open_sockets(&s, rs);
	if (ret)
		goto out;
	if (!rs) {
		ret = wgx_pidfile_create(o->name);
		if (ret) {
			pr_err("%s: pid file: %s", o->name, ret == -EEXIST ?
			       "another live daemon serves this name" : strerror(-ret));
			goto out;
		}
		s.pid_written = true;
	}
	ret = register_control(&s);
	if (ret) {
		pr_err("%s: event loop: %s", o->name, strerror(-ret));
		goto out;
	}
	if (rs && (ret = take_over(&s, in)))
		goto out;
	/* Committed: without wgx_rx the socket path still carries everything;
	 * the XSK path carries nothing without its sockets. */
	if (rs && s.xdp_plane && (ret = start_xdp(&s))) {
		if (s.xdp_path == WGX_XDP_PATH_XSK) {
			pr_err("%s: the XSK data plane did not start after the takeover: stopping "
			       "(attach again)", o->name);
			goto out;
		}
		pr_err("%s: serving without wgx_rx on %s (see above)", o->name, s.underlay);
		ret = 0;
	}
	if (rs)
		pr_info("%s: took over %.1f ms after the running daemon froze", o->name,
			(double)(wgx_clock_mono_ns() - in->snapshot_ns) / 1e6);
	pr_info("%s: %s, mode %s%s%s, UDP port %u, MTU %u, AEAD %s, %s", o->name,
		rs ? "restarted with the running sessions" : "up", s.ctl.mode,
		s.xdp_plane ? ", path " : "",
		!s.xdp_plane ? "" : s.xdp_path == WGX_XDP_PATH_XSK ? "xsk" : "socket", s.dev->port,
		o->mtu, wgx_aead_backend_name(), s.rt.on ? "SCHED_FIFO 1" : "normal priority");
	/* A restart keeps its sessions: no handshake to start. */
	if (!rs)
		initiate_to_known_endpoints(s.dev, wgx_clock_mono_ns());
	if (in)
		wgx_handover_finish(in);
	wgx_daemon_ready(0);
	ret = wgx_loop_run(s.loop);
	if (ret)
		pr_err("%s: stopped: %s", o->name, strerror(-ret));
out:
	/* Handed over (or not yet taken over): the files belong to the daemon serving NAME. */
	wgx_ctl_close(&s.ctl, s.own_paths && s.ctl.fd >= 0 ? o->name : NULL);
	wgx_handover_close(&s.handover, o->name, s.own_paths && s.handover.fd >= 0);
	if (s.uapi_open) {
		if (s.own_paths)
			wgx_uapi_server_close(&s.uapi);
		else
			wgx_uapi_server_release(&s.uapi);
	}
	if (s.dev) {
		destroy_plane(&s);
		wgx_device_destroy(s.dev);
		pr_info("%s: %s", o->name, s.own_paths ? "down" : "released");
	}
	wgx_xdp_preload_free(s.stale_maps); /* not taken: socket mode, or an early failure */
	wgx_metrics_stop(s.metrics);
	wgx_linkwatch_close(&s.link);
	/* Last: `wg-xdp detach` returns once the pid file is gone, and by then the
	 * link, the UAPI socket and the UDP sockets must be gone too. */
	if (s.own_paths && s.pid_written)
		wgx_pidfile_remove(o->name);
	wgx_loop_destroy(s.loop);
	if (s.sigfd >= 0)
		close(s.sigfd);
	return ret;
}

/*
 * XDP mode's NIC: IFACE, else --config's Underlay, else (or "auto") from the
 * routes: to the configuration's first peer endpoint (with its fwmark), or
 * the default route. 0 with *auto telling which, or -errno (reported).
 */
static int choose_underlay(struct wgx_attach_opts *o, const struct wgx_uapi_set *config,
			   const struct wgx_config_own *own, char chosen[IF_NAMESIZE], bool *autop)
{
	const struct sockaddr *ep = NULL;
	int ret;

	if (!o->underlay && own->underlay[0])
		o->underlay = own->underlay;
	*autop = !o->underlay || !strcmp(o->underlay, "auto");
	if (!*autop || o->mode != WGX_MODE_XDP) {
		if (*autop)
			o->underlay = NULL; /* socket mode: the kernel routes, no NIC to attach to */
		*autop = false;
		return 0;
	}
	for (size_t i = 0; i < config->n_peers && !ep; i++)
		if (config->peers[i].has_endpoint)
			ep = (const struct sockaddr *)&config->peers[i].endpoint;
	ret = wgx_underlay_pick(ep, config->fwmark, chosen);
	if (ret) {
		pr_err("%s: no underlay interface: %s (no route to the first peer's endpoint, no "
		       "default route); name one (attach IFACE, Underlay = IFACE in --config, "
		       "WG_XDP_IFACE=IFACE) or use socket mode", o->name, strerror(-ret));
		return ret;
	}
	o->underlay = chosen;
	pr_info("%s: underlay %s, from the %s (chosen again when routes change)", o->name, chosen,
		ep ? "route to the first peer's endpoint" : "default route");
	return 0;
}

int wgx_attach(const struct wgx_attach_opts *opts)
{
	struct wgx_attach_opts copy = *opts, *o = &copy;
	struct wgx_uapi_set config = { 0 };
	struct wgx_config_own own = { 0 };
	pid_t pid = wgx_pidfile_read(o->name);
	struct wgx_bpf *stale_maps = NULL;
	char chosen[IF_NAMESIZE];
	bool underlay_auto;
	int ret;

	if (pid > 0) {
		pr_err("%s is already attached (pid %d); wg-xdp detach %s first", o->name, (int)pid,
		       o->name);
		return -EEXIST;
	}
	/* Keys in memory: no core dump, no ptrace by the same uid, unless asked. */
	if (!o->allow_core_dumps && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		pr_warn("cannot disable core dumps: %s", strerror(errno));
	/* A killed daemon's leftovers go (but for its maps in XDP mode, which
	 * the new plane reuses); a live one's are never touched. */
	ret = wgx_attach_cleanup_stale(o->name, o->mode == WGX_MODE_XDP ? &stale_maps : NULL);
	if (ret == -EADDRINUSE) {
		char path[108];

		pr_err("%s: %s is in use by another process (not wg-xdp); leaving it alone", o->name,
		       wgx_uapi_sock_path(o->name, path, sizeof(path)));
		return -EADDRINUSE;
	}
	if (ret == -EEXIST) {
		pr_err("%s is already attached; wg-xdp detach %s first", o->name, o->name);
		return -EEXIST;
	}
	if (o->config && (ret = load_config(o->config, &config, &own)))
		goto out;
	ret = choose_underlay(o, &config, &own, chosen, &underlay_auto);
	if (ret)
		goto out;
	ret = wgx_aead_select(wgx_env.aead);
	if (ret) {
		pr_err("WGX_AEAD=%s: no such ChaCha20-Poly1305 backend", wgx_env.aead);
		goto out;
	}
	if (!o->foreground && (ret = wgx_daemon_fork()))
		goto out;
	ret = serve(o, &config, underlay_auto, stale_maps, NULL, NULL);
	stale_maps = NULL;
	if (ret)
		wgx_daemon_ready(1);
out:
	wgx_xdp_preload_free(stale_maps);
	wgx_uapi_set_free(&config);
	return ret;
}

int wgx_restart(const char *name, bool foreground)
{
	struct wgx_handover_in in = { .conn = -1 };
	struct wgx_restart rs;
	struct wgx_bpf *preload;
	pid_t pid = wgx_pidfile_read(name);
	char err[256] = "";
	int ret;

	if (pid <= 0) {
		pr_err("%s is not attached: nothing to restart (wg-xdp attach starts it)", name);
		return -ENOENT;
	}
	/* Before any key arrives: no core dump, no ptrace (the state may allow them later). */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		pr_warn("cannot disable core dumps: %s", strerror(errno));
	if (wgx_env.aead && wgx_aead_select(wgx_env.aead)) {
		pr_err("WGX_AEAD=%s: no such ChaCha20-Poly1305 backend", wgx_env.aead);
		return -EINVAL;
	}
	if (!foreground && (ret = wgx_daemon_fork()))
		return ret;
	/* Before the running daemon freezes (at our connect): the verifier's time is not the tunnel's. */
	preload = wgx_xdp_preload(name);
	ret = wgx_handover_receive(name, &in, err, sizeof(err));
	if (!ret) {
		ret = wgx_restart_read(&in, name, &rs, err, sizeof(err));
		if (ret)
			wgx_handover_finish(&in);
	}
	if (!ret && rs.xdp_path == WGX_RESTART_XDP_XSK && !preload) {
		/* Fresh maps: its lone programs could not be swapped for ours. */
		snprintf(err, sizeof(err), "the running daemon's pinned maps do not load here, "
			 "which an XDP mode restart on the XSK path needs");
		wgx_restart_close(&rs);
		wgx_handover_finish(&in);
		ret = -ENOEXEC;
	}
	if (!ret) {
		rs.xdp_preload = preload;
		preload = NULL;
	}
	wgx_xdp_preload_free(preload);
	/* The running daemon's backend, unless WGX_AEAD names one (or this binary lacks it). */
	if (!ret && !wgx_env.aead && wgx_aead_select(rs.aead[0] ? rs.aead : NULL))
		ret = wgx_aead_select(NULL);
	if (ret) {
		pr_err("%s: restart refused: %s; the running daemon (pid %d) carries on", name, err,
		       (int)pid);
		wgx_daemon_ready(1);
		return ret;
	}
	rs.opts.foreground = foreground;
	if (rs.opts.allow_core_dumps && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		pr_warn("cannot allow core dumps: %s", strerror(errno));
	ret = serve(&rs.opts, NULL, rs.underlay_auto, NULL, &rs, &in);
	wgx_handover_finish(&in);
	wgx_xdp_preload_free(rs.xdp_preload); /* a socket mode state's: not taken */
	wgx_restart_close(&rs);
	if (ret)
		wgx_daemon_ready(1);
	return ret;
}
