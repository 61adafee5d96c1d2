// SPDX-License-Identifier: MIT
#include "control/ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/env.h"
#include "control/stats.h"
#include "core/device.h"
#include "control/rtprio.h"
#include "plane/xdp/xdp_mode.h"

static void ctl_path(const char *name, struct sockaddr_un *sun)
{
	/* Next to the pid file (control/daemon.h): NAME.pid, NAME.ctl */
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/%s.ctl", wgx_env.run_dir, name);
}

/* A connection to NAME's statistics socket, or -errno (-ECONNREFUSED: nobody listens). */
static int ctl_connect(const char *name)
{
	struct sockaddr_un sun;
	int fd, ret;

	ctl_path(name, &sun);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

pid_t wgx_ctl_peer_pid(const char *name)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd = ctl_connect(name), ret;

	if (fd < 0)
		return fd;
	/* The listener's credentials, as of its listen(). */
	ret = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) ? -errno : (int)cred.pid;
	close(fd);
	return ret;
}

int wgx_ctl_remove_stale(const char *name)
{
	struct sockaddr_un sun;
	int fd = ctl_connect(name);

	if (fd >= 0) {
		close(fd);
		return -EADDRINUSE;
	}
	ctl_path(name, &sun);
	if (unlink(sun.sun_path))
		return errno == ENOENT ? 0 : -errno;
	return 1;
}

int wgx_ctl_open(const char *name)
{
	struct sockaddr_un sun;
	int fd = wgx_ctl_remove_stale(name);

	if (fd < 0)
		return fd;
	ctl_path(name, &sun);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || chmod(sun.sun_path, 0600) < 0 ||
	    listen(fd, 16) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

void wgx_ctl_close(int fd, const char *name)
{
	struct sockaddr_un sun;

	if (fd < 0)
		return;
	close(fd);
	ctl_path(name, &sun);
	unlink(sun.sun_path);
}

static void classifier_stats(void *plane, const struct wgx_stats_visitor *v, void *ctx,
			     uint64_t *reasons)
{
	wgx_xdp_plane_stats(plane, v, ctx, reasons);
}

int wgx_ctl_collect(const struct wgx_ctl *c, struct wgx_stats *out)
{
	int ret = wgx_stats_collect(c->dev, c->mode, c->rt, out);

	/* XDP mode on the socket path: the classifying XDP plane's figures too. */
	if (!ret && c->classifier)
		ret = wgx_stats_collect_plane(out, "xdp", classifier_stats, c->classifier);
	if (ret)
		return ret;
	wgx_stats_friendly_names(out, c->friendly_names);
	return 0;
}

char *wgx_ctl_stats_json(const struct wgx_ctl *c)
{
	struct wgx_stats st;
	char *json;

	if (wgx_ctl_collect(c, &st))
		return NULL;
	json = wgx_stats_to_json(&st);
	wgx_stats_free(&st);
	return json;
}

void wgx_ctl_handle(const struct wgx_ctl *c)
{
	struct timeval tv = { .tv_usec = 200000 };
	int fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
	char *json;

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	json = wgx_ctl_stats_json(c);
	if (json) {
		size_t len = strlen(json), off = 0;

		while (off < len) {
			ssize_t w = write(fd, json + off, len - off);

			if (w <= 0)
				break;
			off += (size_t)w;
		}
		free(json);
	}
	close(fd);
}

char *wgx_ctl_fetch(const char *name)
{
	size_t cap = 4096, len = 0;
	char *buf = NULL, *grown;
	int fd = ctl_connect(name);

	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	buf = malloc(cap);
	while (buf) {
		ssize_t r;

		if (len + 1 >= cap) {
			grown = realloc(buf, cap *= 2);
			if (!grown)
				goto err;
			buf = grown;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	if (!buf || !len)
		goto err;
	buf[len] = '\0';
	close(fd);
	return buf;
err:
	free(buf);
	close(fd);
	return NULL;
}
