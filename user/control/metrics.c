// SPDX-License-Identifier: MIT
#include "control/metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct wgx_metrics {
	struct MHD_Daemon *mhd;
	int efd;
	pthread_mutex_t lock;
	pthread_cond_t fresh;
	char *text;		/* under lock */
	size_t len;
	uint64_t generation;	/* bumped by every publish */
};

static int parse_addr(const char *s, struct sockaddr_storage *ss)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	unsigned long port;
	char *end;
	size_t hlen;

	if (!colon || colon == s)
		return -EINVAL;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || port == 0 || port > 65535)
		return -EINVAL;
	hlen = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hlen < 3 || s[hlen - 1] != ']')
			return -EINVAL;
		s++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		return 0;
	}
	return -EINVAL;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, const char *body,
			     size_t len, const char *type)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* HTTP thread: ask the control thread for a fresh text, wait a little, serve what there is. */
static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_len, void **req_cls)
{
	struct wgx_metrics *m = cls;
	uint64_t one = 1, gen;
	struct timespec until;
	enum MHD_Result ret;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)req_cls;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n", 9, "text/plain");
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, "see /metrics\n", 13, "text/plain");
	pthread_mutex_lock(&m->lock);
	gen = m->generation;
	if (write(m->efd, &one, sizeof(one)) == sizeof(one)) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += WGX_METRICS_FRESH_WAIT_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		while (m->generation == gen &&
		       pthread_cond_timedwait(&m->fresh, &m->lock, &until) == 0)
			;
	}
	if (m->text)
		ret = reply(conn, MHD_HTTP_OK, m->text, m->len, CONTENT_TYPE);
	else
		ret = reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "starting\n", 9, "text/plain");
	pthread_mutex_unlock(&m->lock);
	return ret;
}

int wgx_metrics_start(struct wgx_metrics **out, const char *addr_port)
{
	struct sockaddr_storage ss;
	struct wgx_metrics *m;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD;
	int ret = parse_addr(addr_port, &ss);

	*out = NULL;
	if (ret)
		return ret;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (m->efd < 0) {
		ret = -errno;
		free(m);
		return ret;
	}
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->fresh, NULL);
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	m->mhd = MHD_start_daemon(flags, ntohs(((struct sockaddr_in *)&ss)->sin_port), NULL, NULL,
				  handle, m, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				  MHD_OPTION_END);
	if (!m->mhd) {
		ret = errno ? -errno : -EADDRINUSE;
		wgx_metrics_stop(m);
		return ret;
	}
	*out = m;
	return 0;
}

int wgx_metrics_fd(const struct wgx_metrics *m)
{
	return m->efd;
}

void wgx_metrics_drain(struct wgx_metrics *m)
{
	uint64_t v;

	while (read(m->efd, &v, sizeof(v)) == sizeof(v))
		;
}

void wgx_metrics_publish(struct wgx_metrics *m, const char *text, size_t len)
{
	char *copy = malloc(len + 1);

	if (!copy)
		return;
	memcpy(copy, text, len);
	copy[len] = '\0';
	pthread_mutex_lock(&m->lock);
	free(m->text);
	m->text = copy;
	m->len = len;
	m->generation++;
	pthread_cond_broadcast(&m->fresh);
	pthread_mutex_unlock(&m->lock);
}

void wgx_metrics_stop(struct wgx_metrics *m)
{
	if (!m)
		return;
	if (m->mhd)
		MHD_stop_daemon(m->mhd);
	close(m->efd);
	pthread_cond_destroy(&m->fresh);
	pthread_mutex_destroy(&m->lock);
	free(m->text);
	free(m);
}
