// SPDX-License-Identifier: MIT
#include "lib/unix_client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

int wgx_unix_connect(const char *path, unsigned int timeout_ms)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = timeout_ms % 1000 * 1000 };
	int fd, err;

	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* SO_SNDTIMEO bounds connect too: a full backlog blocks it on a unix socket. */
	if (timeout_ms && (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
			   setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv))))
		goto err;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		goto err;
	return fd;
err:
	err = wgx_unix_error(errno);
	close(fd);
	return err;
}

int wgx_unix_error(int err)
{
	return err == EAGAIN || err == EINPROGRESS ? -ETIMEDOUT : -err;
}
