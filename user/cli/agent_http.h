/* SPDX-License-Identifier: MIT */
/*
 * The agent's Prometheus endpoint (libmicrohttpd, its own thread): GET
 * /metrics answers the agent's metrics (agent_status.h) followed by the
 * daemon's per-reason counters (wgx_reason_packets_total{reason=...}) and
 * wgx_daemon_up, fetched from the daemon's statistics socket at scrape time.
 */
#ifndef WGX_AGENT_HTTP_H
#define WGX_AGENT_HTTP_H

#include <stdint.h>

#include "cli/agent_status.h"

struct wgx_agent_http;

/* Listen on 0.0.0.0:port (hostNetwork pods: the node's port). NULL + errno on failure. */
struct wgx_agent_http *wgx_agent_http_start(uint16_t port, const char *interface);
/* Publish st's metrics for the next scrapes (called by the agent's thread). */
void wgx_agent_http_update(struct wgx_agent_http *h, const struct wgx_agent_status *st);
void wgx_agent_http_stop(struct wgx_agent_http *h);

#endif
