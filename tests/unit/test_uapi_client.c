// SPDX-License-Identifier: MIT
/*
 * The UAPI client (cli/uapi_client.h) against servers that misbehave: one
 * that accepts (the backlog does) and never answers must cost
 * WGX_CLIENT_TIMEOUT, not forever; one that answers half a reply and hangs
 * too; one that closes early is -EPROTO; a good one is read to its blank line.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli/uapi_client.h"
#include "control/env.h"
#include "tap.h"

static char dir[] = "/tmp/wgx-uapi-client.XXXXXX";

static int listen_as(const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s.sock", dir, name);
	unlink(sun.sun_path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) || listen(fd, 4))
		return -1;
	return fd;
}

/* One connection: read the request, write what, then close or hang. */
struct serve {
	int lfd;
	const char *what;
	bool hang;
};

static void *serve_one(void *arg)
{
	struct serve *s = arg;
	char req[64];
	int fd = accept(s->lfd, NULL, NULL);

	if (fd < 0)
		return NULL;
	if (read(fd, req, sizeof(req)) > 0 && write(fd, s->what, strlen(s->what)) < 0)
		perror("write");
	if (s->hang)
		sleep(5);
	close(fd);
	return NULL;
}

static double call_timed(const char *name, int *ret, char **reply)
{
	struct timespec a, b;

	*reply = NULL;
	clock_gettime(CLOCK_MONOTONIC, &a);
	*ret = wgx_uapi_call(name, "get=1\n\n", reply);
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

static int run_server(const char *name, const char *what, bool hang, int *ret, char **reply,
		      double *took)
{
	struct serve s = { .lfd = listen_as(name), .what = what, .hang = hang };
	pthread_t t;

	if (s.lfd < 0 || pthread_create(&t, NULL, serve_one, &s))
		return -1;
	*took = call_timed(name, ret, reply);
	pthread_cancel(t);
	pthread_join(t, NULL);
	close(s.lfd);
	return 0;
}

int main(void)
{
	char err[128];
	char *reply;
	double took;
	int ret, lfd;

	if (!mkdtemp(dir))
		return 1;
	setenv("WGX_UAPI_DIR", dir, 1);
	setenv("WGX_CLIENT_TIMEOUT", "0.3", 1);
	ok(!wgx_env_load(err, sizeof(err)) && wgx_env.client_timeout_ms == 300,
	   "WGX_CLIENT_TIMEOUT=0.3 is 300 ms");

	lfd = listen_as("mute"); /* listening, never accepting: connect completes, nothing comes */
	took = call_timed("mute", &ret, &reply);
	ok(ret == -ETIMEDOUT && took >= 0.25 && took < 2.0,
	   "a server that never answers: -ETIMEDOUT after %.2f s (want ~0.3; got %s)", took,
	   strerror(-ret));
	close(lfd);

	/* The server first, then the check: ok()'s arguments are evaluated in any order. */
	lfd = run_server("half", "errno=0\n", true, &ret, &reply, &took);
	ok(!lfd && ret == -ETIMEDOUT && took < 2.0, "half a reply, then silence: -ETIMEDOUT after %.2f s",
	   took);
	lfd = run_server("early", "errno=0\n", false, &ret, &reply, &took);
	ok(!lfd && ret == -EPROTO, "closed before the blank line: -EPROTO (%s)", strerror(-ret));
	lfd = run_server("good", "listen_port=1\nerrno=0\n\n", false, &ret, &reply, &took);
	ok(!lfd && !ret && reply && !strcmp(reply, "listen_port=1\nerrno=0\n\n"),
	   "a whole reply is read to its blank line");
	free(reply);

	setenv("WGX_CLIENT_TIMEOUT", "0", 1);
	ok(!wgx_env_load(err, sizeof(err)) && wgx_env.client_timeout_ms == 0,
	   "WGX_CLIENT_TIMEOUT=0: no timeout");
	unsetenv("WGX_CLIENT_TIMEOUT");
	ok(!wgx_env_load(err, sizeof(err)) && wgx_env.client_timeout_ms == 10000,
	   "unset: 10 s");
	setenv("WGX_CLIENT_TIMEOUT", "-1", 1);
	ok(wgx_env_load(err, sizeof(err)) == -EINVAL && strstr(err, "WGX_CLIENT_TIMEOUT"),
	   "WGX_CLIENT_TIMEOUT=-1 refused: %s", err);
	setenv("WGX_CLIENT_TIMEOUT", "5s", 1);
	ok(wgx_env_load(err, sizeof(err)) == -EINVAL, "WGX_CLIENT_TIMEOUT=5s refused");
	unsetenv("WGX_CLIENT_TIMEOUT");

	for (const char *n = "mute\0half\0early\0good\0"; *n; n += strlen(n) + 1) {
		char path[128];

		snprintf(path, sizeof(path), "%s/%s.sock", dir, n);
		unlink(path);
	}
	rmdir(dir);
	return tap_done();
}
