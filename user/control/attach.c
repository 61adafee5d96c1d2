// SPDX-License-Identifier: MIT
#include "control/attach.h"

#include <errno.h>
#include <sched.h>
#include <sodium.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/aead.h"
#include "lib/clock.h"
#include "control/config.h"
#include "control/ctl.h"
#include "control/daemon.h"
#include "lib/log.h"
#include "core/peer.h"
#include "core/send.h"
#include "plane/socket/socket_mode.h"
#include "lib/tun.h"
#include "control/uapi.h"
#include "cli/uapi_client.h"
#include "control/uapi_server.h"
#include "plane/xdp/xdp_mode.h"

#define CONFIG_MAX (64u << 20)

static int uapi_get(void *ctx, struct wgx_uapi_device_view *view)
{
	return wgx_device_view(ctx, view);
}

static void uapi_put_view(void *ctx, struct wgx_uapi_device_view *view)
{
	(void)ctx;
	wgx_device_view_free(view);
}

static int uapi_set(void *ctx, const struct wgx_uapi_set *set)
{
	return wgx_device_apply(ctx, set, wgx_clock_mono_ns());
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

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t len;

	if (!f)
		return NULL;
	buf = malloc(CONFIG_MAX + 1);
	len = buf ? fread(buf, 1, CONFIG_MAX, f) : 0;
	if (buf && (ferror(f) || len == CONFIG_MAX)) {
		free(buf);
		buf = NULL;
		errno = EFBIG;
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

static int load_config(const char *path, struct wgx_uapi_set *set)
{
	char err[256] = "", *text = read_file(path);
	int ret;

	if (!text) {
		pr_err("%s: %s", path, strerror(errno));
		return -errno;
	}
	ret = wgx_config_parse(text, false, set, err, sizeof(err));
	sodium_memzero(text, strlen(text));
	free(text);
	if (ret)
		pr_err("%s: %s", path, err[0] ? err : strerror(-ret));
	return ret;
}

void wgx_attach_cleanup_stale(const char *name)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];

	if (wgx_pidfile_read(name) > 0)
		return;
	wgx_xdp_cleanup_stale(name, NULL);
	unlink(wgx_uapi_sock_path(name, path, sizeof(path)));
	wgx_ctl_close(-1, name);
	wgx_pidfile_remove(name);
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

/* The tunnel side: a TUN device (socket mode) or the veth + AF_XDP plane (XDP mode). */
static int open_tunnel(const struct wgx_attach_opts *o, struct wgx_device *dev)
{
	int ret;

	if (o->mode == WGX_MODE_XDP)
		return wgx_xdp_start(dev, o->underlay,
				     o->workers >= 0 ? (unsigned int)o->workers : default_workers(),
				     o->workers < 0, o->busy_poll);
	ret = wgx_tun_open(o->name, o->mtu);
	if (ret < 0) {
		pr_err("%s: cannot create TUN device: %s", o->name, strerror(-ret));
		return ret;
	}
	dev->tun_fd = ret;
	return 0;
}

static void close_tunnel(struct wgx_device *dev)
{
	if (dev->tun_fd >= 0)
		close(dev->tun_fd);
	wgx_xdp_stop(dev);
}

static int serve(const struct wgx_attach_opts *o, const struct wgx_uapi_set *config)
{
	struct wgx_uapi_server uapi;
	struct wgx_device *dev;
	int ret, sigfd, ctlfd;
	uint64_t now;
	char dir[256];

	sigfd = block_signals();
	if (sigfd < 0)
		return -errno;
	dev = wgx_device_create(o->name, o->mode, o->mtu);
	if (!dev) {
		ret = -ENOMEM;
		goto err_sig;
	}
	if (o->mode == WGX_MODE_XDP && (ret = wgx_xdp_prepare(dev)))
		goto err_dev;
	now = wgx_clock_mono_ns();
	ret = wgx_device_apply(dev, config, now);
	if (!ret)
		ret = wgx_device_bind(dev, now);
	if (ret) {
		pr_err("%s: cannot bind UDP port %u: %s", o->name, dev->listen_port, strerror(-ret));
		goto err_tun;
	}
	/* Before the crypto workers start (they opt out of inheriting it). */
	wgx_rtprio_start(&dev->rt, o->name, !o->realtime || o->busy_poll);
	ret = open_tunnel(o, dev);
	if (ret)
		goto err_tun;
	wgx_uapi_sock_path(o->name, dir, sizeof(dir));
	*strrchr(dir, '/') = '\0';
	ret = wgx_uapi_server_open_at(&uapi, dir, o->name, &uapi_ops, dev);
	if (ret) {
		pr_err("%s: cannot create UAPI socket in %s: %s", o->name, dir, strerror(-ret));
		goto err_tun;
	}
	ret = wgx_pidfile_create(o->name);
	if (ret) {
		pr_err("%s: pid file: %s", o->name, strerror(-ret));
		goto err_uapi;
	}
	ctlfd = wgx_ctl_open(o->name);
	if (ctlfd < 0)
		pr_warn("%s: no statistics socket: %s", o->name, strerror(-ctlfd));
	dev->ctl_fd = ctlfd;
	pr_info("%s: up, mode %s, UDP port %u, MTU %u, AEAD %s, %s", o->name,
		o->mode == WGX_MODE_XDP ? "xdp" : "socket", dev->udp.port, o->mtu,
		wgx_aead_backend_name(), dev->rt.on ? "SCHED_FIFO 1" : "normal priority");
	initiate_to_known_endpoints(dev, now);
	wgx_daemon_ready(0);
	if (o->mode == WGX_MODE_XDP)
		ret = wgx_xdp_mode_run(dev, &uapi, sigfd);
	else
		ret = wgx_socket_mode_run(dev, &uapi, sigfd);
	if (ret)
		pr_err("%s: stopped: %s", o->name, strerror(-ret));
	wgx_ctl_close(ctlfd, o->name);
	wgx_uapi_server_close(&uapi);
	close_tunnel(dev);
	wgx_device_destroy(dev);
	close(sigfd);
	/* Last: `wg-xdp detach` returns once the pid file is gone, and by then the
	 * link, the UAPI socket and the UDP sockets must be gone too. */
	wgx_pidfile_remove(o->name);
	return ret;
err_uapi:
	wgx_uapi_server_close(&uapi);
err_tun:
	close_tunnel(dev);
err_dev:
	wgx_device_destroy(dev);
err_sig:
	close(sigfd);
	return ret;
}

int wgx_attach(const struct wgx_attach_opts *o)
{
	struct wgx_uapi_set config = { 0 };
	pid_t pid = wgx_pidfile_read(o->name);
	int ret;

	if (pid > 0) {
		pr_err("%s is already attached (pid %d); wg-xdp detach %s first", o->name, (int)pid,
		       o->name);
		return -EEXIST;
	}
	wgx_attach_cleanup_stale(o->name);
	if (o->mode == WGX_MODE_XDP)
		wgx_xdp_cleanup_stale(o->name, o->underlay);
	if (o->config && (ret = load_config(o->config, &config)))
		goto out;
	wgx_aead_select(NULL);
	if (!o->foreground && (ret = wgx_daemon_fork()))
		goto out;
	ret = serve(o, &config);
	if (ret)
		wgx_daemon_ready(1);
out:
	wgx_uapi_set_free(&config);
	return ret;
}
