// SPDX-License-Identifier: MIT
/* Newline-delimited JSON events of a watch stream, across reads (agent_watch.h). */
#include "cli/agent_watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int keep(struct wgx_watch_lines *l, const char *data, size_t n)
{
	if (l->len + n > WGX_WATCH_LINE_MAX)
		return -E2BIG;
	if (l->len + n + 1 > l->cap) {
		size_t cap = l->cap ? l->cap : 4096;
		char *b;

		while (cap < l->len + n + 1)
			cap *= 2;
		b = realloc(l->buf, cap);
		if (!b)
			return -ENOMEM;
		l->buf = b;
		l->cap = cap;
	}
	memcpy(l->buf + l->len, data, n);
	l->len += n;
	l->buf[l->len] = '\0';
	return 0;
}

static int emit(char *line, size_t len, wgx_watch_line_fn fn, void *arg)
{
	while (len && line[len - 1] == '\r')
		line[--len] = '\0';
	return len ? fn(line, len, arg) : 0;
}

int wgx_watch_feed(struct wgx_watch_lines *l, const char *data, size_t n, wgx_watch_line_fn fn,
		   void *arg)
{
	while (n) {
		const char *nl = memchr(data, '\n', n);
		size_t part = nl ? (size_t)(nl - data) : n;
		int ret = keep(l, data, part);

		if (ret)
			return ret;
		if (!nl)
			return 0;
		ret = emit(l->buf, l->len, fn, arg);
		l->len = 0;
		if (ret)
			return ret;
		data += part + 1;
		n -= part + 1;
	}
	return 0;
}

void wgx_watch_reset(struct wgx_watch_lines *l)
{
	l->len = 0;
}

void wgx_watch_free(struct wgx_watch_lines *l)
{
	free(l->buf);
	memset(l, 0, sizeof(*l));
}
