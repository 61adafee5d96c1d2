// SPDX-License-Identifier: MIT
/* GET /metrics for `wg-xdp agent --metrics-port` (agent_http.h). */
#include "cli/agent_http.h"

#include <errno.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/ctl.h"

#define PAGE_MAX 65536

struct wgx_agent_http {
	struct MHD_Daemon *mhd;
	const char *interface;
	pthread_mutex_t lock;
	char agent[8192]; /* the agent's metrics, under lock */
};

/* The daemon's counters from its statistics JSON; "" when it does not answer. */
static size_t daemon_metrics(const char *iface, char *out, size_t size)
{
	char *stats = wgx_ctl_fetch(iface);
	json_object *root = stats ? json_tokener_parse(stats) : NULL, *reasons;
	size_t n = 0;
	int w;

	free(stats);
	w = snprintf(out, size,
		     "# HELP wgx_daemon_up 1 if the daemon's statistics socket answered.\n"
		     "# TYPE wgx_daemon_up gauge\nwgx_daemon_up{interface=\"%s\"} %d\n",
		     iface, root != NULL);
	n = w > 0 && (size_t)w < size ? (size_t)w : 0;
	if (root && json_object_object_get_ex(root, "reasons", &reasons)) {
		w = snprintf(out + n, size - n,
			     "# HELP wgx_reason_packets_total Packets per verdict/drop reason.\n"
			     "# TYPE wgx_reason_packets_total counter\n");
		n += w > 0 && (size_t)w < size - n ? (size_t)w : 0;
		json_object_object_foreach(reasons, key, val) {
			w = snprintf(out + n, size - n,
				     "wgx_reason_packets_total{interface=\"%s\",reason=\"%s\"} %lld\n",
				     iface, key, (long long)json_object_get_int64(val));
			if (w < 0 || (size_t)w >= size - n)
				break;
			n += (size_t)w;
		}
	}
	json_object_put(root);
	return n;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_len, void **con_cls)
{
	struct wgx_agent_http *h = cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	unsigned int code = MHD_HTTP_OK;
	char *page = malloc(PAGE_MAX);
	size_t n;

	(void)version, (void)upload, (void)upload_len, (void)con_cls;
	if (!page)
		return MHD_NO;
	if (strcmp(method, "GET") || strcmp(url, "/metrics")) {
		n = (size_t)snprintf(page, PAGE_MAX, "GET /metrics\n");
		code = MHD_HTTP_NOT_FOUND;
	} else {
		pthread_mutex_lock(&h->lock);
		n = (size_t)snprintf(page, PAGE_MAX, "%s", h->agent);
		pthread_mutex_unlock(&h->lock);
		n += daemon_metrics(h->interface, page + n, PAGE_MAX - n);
	}
	resp = MHD_create_response_from_buffer(n, page, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(page);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4");
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

struct wgx_agent_http *wgx_agent_http_start(uint16_t port, const char *interface)
{
	struct wgx_agent_http *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->interface = interface;
	pthread_mutex_init(&h->lock, NULL);
	h->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, port, NULL,
				  NULL, answer, h, MHD_OPTION_CONNECTION_LIMIT, 16U,
				  MHD_OPTION_CONNECTION_TIMEOUT, 10U, MHD_OPTION_END);
	if (!h->mhd) {
		pthread_mutex_destroy(&h->lock);
		free(h);
		errno = EADDRINUSE;
		return NULL;
	}
	return h;
}

void wgx_agent_http_update(struct wgx_agent_http *h, const struct wgx_agent_status *st)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	wgx_agent_status_prom(st, h->agent, sizeof(h->agent));
	pthread_mutex_unlock(&h->lock);
}

void wgx_agent_http_stop(struct wgx_agent_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->mhd);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
