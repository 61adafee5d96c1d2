// SPDX-License-Identifier: MIT
#include "control/ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/env.h"
#include "control/stats.h"
#include "core/device.h"
#include "control/rtprio.h"
#include "lib/clock.h"
#include "lib/unix_client.h"
#include "plane/xdp/xdp_mode.h"

#define CTL_EVENTS 16
#define CTL_CALL_BUDGET (512U << 10) /* bytes rendered and sent per call, all clients */

/* A snapshot, shared by the clients accepted in the same handle() call. */
struct snapshot {
	unsigned int refs;
	struct wgx_stats st;
};

/* One answer being written: its snapshot, rendered as the reader takes it. */
struct wgx_ctl_conn {
	struct wgx_ctl_conn *next;
	int fd;
	struct snapshot *snap;
	size_t piece;		/* the next piece: 0 head, 1..n_peers, then the tail */
	char *out;
	size_t out_len, out_off, out_cap;
	uint64_t last_progress;	/* CLOCK_MONOTONIC of the last byte taken (or accept) */
};

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

	ctl_path(name, &sun);
	return wgx_unix_connect(sun.sun_path, wgx_env.client_timeout_ms);
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

int wgx_ctl_open(struct wgx_ctl *c, const char *name)
{
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = NULL };
	struct sockaddr_un sun;
	int ret;

	c->conns = NULL;
	c->n_conns = 0;
	c->fd = c->epfd = -1;
	ret = wgx_ctl_remove_stale(name);
	if (ret < 0)
		return ret;
	ctl_path(name, &sun);
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->epfd < 0 || c->fd < 0 ||
	    bind(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || chmod(sun.sun_path, 0600) < 0 ||
	    listen(c->fd, 16) < 0 || epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->fd, &e) < 0)
		goto err;
	return 0;
err:
	ret = -errno;
	if (c->fd >= 0)
		close(c->fd);
	if (c->epfd >= 0)
		close(c->epfd);
	c->fd = c->epfd = -1;
	return ret;
}

int wgx_ctl_adopt(struct wgx_ctl *c, int fd)
{
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = NULL };
	int ret;

	c->conns = NULL;
	c->n_conns = 0;
	c->fd = fd;
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd >= 0 && !listen(c->fd, 16) && !epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->fd, &e))
		return 0;
	ret = -errno;
	close(c->fd);
	if (c->epfd >= 0)
		close(c->epfd);
	c->fd = c->epfd = -1;
	return ret;
}

static void conn_close(struct wgx_ctl *c, struct wgx_ctl_conn *k)
{
	struct wgx_ctl_conn **pp = &c->conns;

	while (*pp != k)
		pp = &(*pp)->next;
	*pp = k->next;
	c->n_conns--;
	close(k->fd);
	if (k->snap && !--k->snap->refs) {
		wgx_stats_free(&k->snap->st);
		free(k->snap);
	}
	free(k->out);
	free(k);
}

void wgx_ctl_close(struct wgx_ctl *c, const char *name)
{
	struct sockaddr_un sun;

	if (c) {
		while (c->conns)
			conn_close(c, c->conns);
		if (c->fd >= 0)
			close(c->fd);
		if (c->epfd >= 0)
			close(c->epfd);
		c->fd = c->epfd = -1;
	}
	if (!name)
		return;
	ctl_path(name, &sun);
	unlink(sun.sun_path);
}

int wgx_ctl_fd(const struct wgx_ctl *c)
{
	return c->epfd;
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

/* The next piece of k's document (head, a peer, the tail), NULL at the end
 * or on allocation failure (the connection then ends short: the reader sees
 * a truncated document, never a wrong one). */
static char *next_piece(struct wgx_ctl_conn *k)
{
	size_t i = k->piece++;

	if (i == 0)
		return wgx_stats_json_head(&k->snap->st);
	if (i <= k->snap->st.n_peers)
		return wgx_stats_json_peer(&k->snap->st, i - 1);
	if (i == k->snap->st.n_peers + 1)
		return strdup(WGX_STATS_JSON_TAIL);
	return NULL;
}

/* Render until CTL_OUT_LOW bytes wait unsent or the document is done; the
 * buffer is at most CTL_OUT_LOW plus one piece. */
static int fill(struct wgx_ctl_conn *k)
{
	if (k->out_off) {
		memmove(k->out, k->out + k->out_off, k->out_len - k->out_off);
		k->out_len -= k->out_off;
		k->out_off = 0;
	}
	while (k->out_len < CTL_OUT_LOW) {
		char *piece = next_piece(k);
		size_t n;

		if (!piece)
			return 0;
		n = strlen(piece);
		if (k->out_len + n > k->out_cap) {
			size_t cap = k->out_len + n > 2 * CTL_OUT_LOW ? k->out_len + n : 2 * CTL_OUT_LOW;
			char *grown = realloc(k->out, cap);

			if (!grown) {
				free(piece);
				return -ENOMEM;
			}
			k->out = grown;
			k->out_cap = cap;
		}
		memcpy(k->out + k->out_len, piece, n);
		k->out_len += n;
		free(piece);
	}
	return 0;
}

/*
 * Send what the reader takes, rendering more as it goes, while *budget
 * lasts (CTL_CALL_BUDGET bytes per handle() call, for all clients): a reader
 * as fast as the loop would otherwise have the whole document rendered in
 * one turn (~0.6 s for 100k peers); its socket stays writable, so the loop
 * calls again. Returns 1 while the reader has not taken it all (wait for
 * EPOLLOUT), 0 when done or broken (close it).
 */
static int conn_write(struct wgx_ctl_conn *k, uint64_t now, size_t *budget)
{
	while (*budget) {
		ssize_t n;

		if (k->out_off == k->out_len && (fill(k) || k->out_len == 0))
			return 0;
		n = send(k->fd, k->out + k->out_off,
			 k->out_len - k->out_off < *budget ? k->out_len - k->out_off : *budget,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK;
		k->out_off += (size_t)n;
		*budget -= (size_t)n;
		k->last_progress = now;
		if (k->out_off == k->out_len && fill(k))
			return 0;
	}
	return 1;
}

/* The connection that has waited longest for its reader. */
static struct wgx_ctl_conn *stalest(const struct wgx_ctl *c)
{
	struct wgx_ctl_conn *k, *old = c->conns;

	for (k = c->conns; k; k = k->next)
		if (k->last_progress < old->last_progress)
			old = k;
	return old;
}

/* One new client, answered from *snap (taken now if NULL: the one cost not
 * spread out) once its socket is writable, on a later call; at
 * CTL_MAX_CONNS the stalest reader is dropped. Returns 0, or -EAGAIN when
 * nobody is waiting. */
static int conn_accept(struct wgx_ctl *c, struct snapshot **snap, uint64_t now)
{
	struct epoll_event e = { .events = EPOLLOUT };
	struct wgx_ctl_conn *k;
	int fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return -EAGAIN;
	if (!*snap) {
		*snap = calloc(1, sizeof(**snap));
		if (!*snap || wgx_ctl_collect(c, &(*snap)->st)) {
			free(*snap);
			*snap = NULL;
			close(fd);
			return 0;
		}
	}
	if (c->n_conns >= CTL_MAX_CONNS)
		conn_close(c, stalest(c));
	k = calloc(1, sizeof(*k));
	if (!k) {
		close(fd);
		return 0;
	}
	k->fd = fd;
	k->snap = *snap;
	k->snap->refs++;
	k->last_progress = now;
	k->next = c->conns;
	c->conns = k;
	c->n_conns++;
	e.data.ptr = k;
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &e))
		conn_close(c, k);
	return 0;
}

void wgx_ctl_handle(struct wgx_ctl *c)
{
	struct epoll_event ev[CTL_EVENTS];
	struct snapshot *snap = NULL;
	size_t budget = CTL_CALL_BUDGET;
	uint64_t now = wgx_clock_mono_ns();
	bool accepting = false;
	int n = epoll_wait(c->epfd, ev, CTL_EVENTS, 0);

	for (int i = 0; i < n; i++) {
		struct wgx_ctl_conn *k = ev[i].data.ptr;

		if (!k)
			accepting = true;
		else if ((ev[i].events & EPOLLERR) || conn_write(k, now, &budget) == 0)
			conn_close(c, k);
	}
	/* Everyone waiting now gets the same snapshot, taken once: as if
	 * answered one after another in this instant. */
	for (unsigned int i = 0; accepting && i < CTL_MAX_CONNS; i++)
		if (conn_accept(c, &snap, now))
			break;
	if (snap && !snap->refs) {
		wgx_stats_free(&snap->st);
		free(snap);
	}
}

int wgx_ctl_turn(struct wgx_ctl *c, uint64_t now)
{
	struct wgx_ctl_conn *k, *next;
	uint64_t wait = UINT64_MAX;

	for (k = c->conns; k; k = next) {
		next = k->next;
		if (now - k->last_progress >= CTL_STALL_NS)
			conn_close(c, k);
		else if (CTL_STALL_NS - (now - k->last_progress) < wait)
			wait = CTL_STALL_NS - (now - k->last_progress);
	}
	return wait == UINT64_MAX ? -1 : (int)(wait / 1000000) + 1;
}

char *wgx_ctl_fetch(const char *name)
{
	size_t cap = 4096, len = 0;
	char *buf = NULL, *grown;
	int fd, err = ENOMEM;

	fd = ctl_connect(name);
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
		if (r < 0) {
			err = -wgx_unix_error(errno);
			goto err;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (!buf)
		goto err;
	err = EPROTO;
	if (!len)
		goto err;
	buf[len] = '\0';
	close(fd);
	return buf;
err:
	free(buf);
	close(fd);
	errno = err;
	return NULL;
}
