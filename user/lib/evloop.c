// SPDX-License-Identifier: MIT
#include "lib/evloop.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "lib/clock.h"

#define MAX_WATCHES 256
#define MAX_TURNS 8
#define EVENTS_PER_WAIT 16
#define FREE (-1)
#define GONE (-2)

struct watch {
	int fd;			/* FREE, or GONE until the turn ends */
	wgx_loop_fd_fn fn;
	void *ctx;
};

struct turn {
	wgx_loop_turn_fn fn;		/* NULL: removed, compacted once the turn ends */
	void *ctx;
};

struct wgx_loop {
	int epfd;
	bool stop;
	int sleep_ms;		/* what the last turn's hooks allow */
	struct watch watches[MAX_WATCHES];
	struct turn turns[MAX_TURNS];
	unsigned int n_turns;
	wgx_loop_wake_fn wake_fn;
	void *wake_ctx;
};

struct wgx_loop *wgx_loop_create(void)
{
	struct wgx_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	for (unsigned int i = 0; i < MAX_WATCHES; i++)
		l->watches[i].fd = FREE;
	l->sleep_ms = WGX_LOOP_MAX_SLEEP_MS;
	return l;
}

void wgx_loop_destroy(struct wgx_loop *l)
{
	if (!l)
		return;
	close(l->epfd);
	free(l);
}

static struct watch *find(struct wgx_loop *l, int fd)
{
	for (unsigned int i = 0; i < MAX_WATCHES; i++)
		if (l->watches[i].fd == fd)
			return &l->watches[i];
	return NULL;
}

int wgx_loop_watch(struct wgx_loop *l, int fd, wgx_loop_fd_fn fn, void *ctx)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct watch *w;

	if (find(l, fd))
		return -EEXIST;
	w = find(l, FREE);
	if (!w)
		return -ENOSPC;
	ev.data.ptr = w;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	*w = (struct watch){ .fd = fd, .fn = fn, .ctx = ctx };
	return 0;
}

void wgx_loop_unwatch(struct wgx_loop *l, int fd)
{
	struct watch *w = fd >= 0 ? find(l, fd) : NULL;

	if (!w)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	/* An event for it fetched in this turn finds fn == NULL. The slot is
	 * free for a new watch only from the next turn (a new fd in it could
	 * otherwise get the old one's event). */
	w->fd = GONE;
	w->fn = NULL;
}

int wgx_loop_add_turn(struct wgx_loop *l, wgx_loop_turn_fn fn, void *ctx)
{
	if (l->n_turns == MAX_TURNS)
		return -ENOSPC;
	l->turns[l->n_turns++] = (struct turn){ .fn = fn, .ctx = ctx };
	return 0;
}

void wgx_loop_remove_turn(struct wgx_loop *l, wgx_loop_turn_fn fn, void *ctx)
{
	for (unsigned int i = 0; i < l->n_turns; i++)
		if (l->turns[i].fn == fn && l->turns[i].ctx == ctx)
			l->turns[i].fn = NULL;
}

/* Close the gaps removed hooks left (outside run_turns' loop over them). */
static void compact_turns(struct wgx_loop *l)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < l->n_turns; i++)
		if (l->turns[i].fn)
			l->turns[n++] = l->turns[i];
	l->n_turns = n;
}

void wgx_loop_on_wake(struct wgx_loop *l, wgx_loop_wake_fn fn, void *ctx)
{
	l->wake_fn = fn;
	l->wake_ctx = ctx;
}

void wgx_loop_stop(struct wgx_loop *l)
{
	l->stop = true;
}

static void run_turns(struct wgx_loop *l)
{
	int sleep_ms = WGX_LOOP_MAX_SLEEP_MS;

	for (unsigned int i = 0; i < l->n_turns; i++) {
		int ms = l->turns[i].fn ? l->turns[i].fn(l->turns[i].ctx) : -1;

		if (ms >= 0 && ms < sleep_ms)
			sleep_ms = ms;
	}
	compact_turns(l);
	l->sleep_ms = sleep_ms;
	for (unsigned int i = 0; i < MAX_WATCHES; i++)
		if (l->watches[i].fd == GONE)
			l->watches[i].fd = FREE;
}

int wgx_loop_run(struct wgx_loop *l)
{
	struct epoll_event events[EVENTS_PER_WAIT];

	l->stop = false;
	while (!l->stop) {
		uint64_t t0 = wgx_clock_ktime_ns(), t1;
		int n = epoll_wait(l->epfd, events, EVENTS_PER_WAIT, l->sleep_ms);

		if (n < 0 && errno != EINTR)
			return -errno;
		t1 = wgx_clock_ktime_ns();
		if (l->wake_fn)
			l->wake_fn(l->wake_ctx, t1 - t0, n, t1);
		for (int i = 0; i < n; i++) {
			struct watch *w = events[i].data.ptr;

			if (w->fn)
				w->fn(w->ctx, events[i].events);
		}
		run_turns(l);
	}
	return 0;
}
