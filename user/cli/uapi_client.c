// SPDX-License-Identifier: MIT
#include "cli/uapi_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/env.h"
#include "lib/unix_client.h"

#define REPLY_MAX (256u << 20)

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return wgx_unix_error(errno);
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int read_reply(int fd, char **reply)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap), *grown;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (len + 1 >= cap) {
			if (cap >= REPLY_MAX)
				goto proto;
			grown = realloc(buf, cap * 2);
			if (!grown)
				goto nomem;
			buf = grown;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = wgx_unix_error(errno);

			free(buf);
			return err;
		}
		if (r == 0)
			goto proto;
		len += (size_t)r;
		buf[len] = '\0';
		if ((len >= 2 && !strcmp(buf + len - 2, "\n\n")) || !strcmp(buf, "\n"))
			break;
	}
	*reply = buf;
	return 0;
proto:
	free(buf);
	return -EPROTO;
nomem:
	free(buf);
	return -ENOMEM;
}

int wgx_uapi_call(const char *name, const char *request, char **reply)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd, ret;

	fd = wgx_unix_connect(wgx_uapi_sock_path(name, path, sizeof(path)),
			      wgx_env.client_timeout_ms);
	if (fd < 0)
		return fd;
	ret = write_all(fd, request, strlen(request));
	if (!ret)
		ret = read_reply(fd, reply);
	close(fd);
	return ret;
}
