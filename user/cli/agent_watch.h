/* SPDX-License-Identifier: MIT */
/*
 * Framing of a Kubernetes watch stream (cli/agent_kube.c): the body of
 * GET ...?watch=1 is one JSON event object per line, and the transfer hands
 * it over in chunks that split lines anywhere. wgx_watch_feed() buffers the
 * partial line and calls back once per complete, non-empty line.
 */
#ifndef WGX_AGENT_WATCH_H
#define WGX_AGENT_WATCH_H

#include <stddef.h>

#define WGX_WATCH_LINE_MAX (16u << 20) /* one event; a Node is a few KB */

struct wgx_watch_lines {
	char *buf;
	size_t len, cap;
};

/* Called with one line (without its '\n', NUL-terminated); non-zero stops the feed. */
typedef int (*wgx_watch_line_fn)(char *line, size_t len, void *arg);

/*
 * Feed n bytes. Returns 0, the callback's non-zero value, -E2BIG (a line
 * over WGX_WATCH_LINE_MAX) or -ENOMEM.
 */
int wgx_watch_feed(struct wgx_watch_lines *l, const char *data, size_t n, wgx_watch_line_fn fn,
		   void *arg);
/* Forget a partial line (a new stream begins). */
void wgx_watch_reset(struct wgx_watch_lines *l);
void wgx_watch_free(struct wgx_watch_lines *l);

#endif
