/* SPDX-License-Identifier: MIT */
/*
 * The daemon's one event loop: epoll over the fds that planes and control
 * register, then the turn hooks, every turn. A turn hook does the work that
 * is not driven by an fd (releasing finished crypto jobs, timers, TX
 * completions) and says how long the loop may sleep before the next turn.
 *
 * Single-threaded: every call from the thread that runs wgx_loop_run. A
 * watch may be removed from inside any callback; it gets no event after
 * that, even one already fetched in the same turn.
 */
#ifndef WGX_EVLOOP_H
#define WGX_EVLOOP_H

#include <stdint.h>

#define WGX_LOOP_MAX_SLEEP_MS 1000	/* housekeeping runs at least once a second */

struct wgx_loop;

/* @events: the epoll events that fired (EPOLLIN, EPOLLERR, ...). */
typedef void (*wgx_loop_fd_fn)(void *ctx, uint32_t events);
/* Returns the longest sleep in ms it allows before the next turn, or -1: no limit. */
typedef int (*wgx_loop_turn_fn)(void *ctx);
/* After each epoll_wait: @slept_ns asleep (CLOCK_MONOTONIC), @n events. */
typedef void (*wgx_loop_wake_fn)(void *ctx, uint64_t slept_ns, int n, uint64_t now_ktime);

struct wgx_loop *wgx_loop_create(void);
void wgx_loop_destroy(struct wgx_loop *l);

/* Call @fn when @fd is readable. 0, -EEXIST, -ENOSPC or -errno of epoll_ctl. */
int wgx_loop_watch(struct wgx_loop *l, int fd, wgx_loop_fd_fn fn, void *ctx);
/* Forget @fd (before closing it). No-op for an fd not watched. */
void wgx_loop_unwatch(struct wgx_loop *l, int fd);

/* Run @fn at the end of every turn, in the order added. 0 or -ENOSPC. */
int wgx_loop_add_turn(struct wgx_loop *l, wgx_loop_turn_fn fn, void *ctx);
/* Forget the turn hook @fn with @ctx (before @ctx is freed; also from inside a
 * hook or a callback: it is not called again). No-op for one not added. */
void wgx_loop_remove_turn(struct wgx_loop *l, wgx_loop_turn_fn fn, void *ctx);
/* One hook told of every wake-up (the real-time priority's flood guard). */
void wgx_loop_on_wake(struct wgx_loop *l, wgx_loop_wake_fn fn, void *ctx);

/* Turn until wgx_loop_stop or an epoll failure: 0 or -errno. */
int wgx_loop_run(struct wgx_loop *l);
/* Return from wgx_loop_run after the current turn. */
void wgx_loop_stop(struct wgx_loop *l);

#endif
