/* SPDX-License-Identifier: MIT */
/*
 * --metrics ADDR:PORT: Prometheus text exposition over HTTP (libmicrohttpd,
 * its own thread: MHD_USE_INTERNAL_POLLING_THREAD). The HTTP thread never
 * touches the device: it serves the last text the control thread
 * published, under a mutex. The control thread publishes once a second and
 * whenever a scrape asks through the eventfd (the scrape waits up to
 * WGX_METRICS_FRESH_WAIT_MS for it, else gets the previous text), so a slow
 * or stuck scraper never stalls the data plane.
 */
#ifndef WGX_METRICS_H
#define WGX_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#define WGX_METRICS_FRESH_WAIT_MS 200

struct wgx_metrics;

/* Parse "ADDR:PORT" or "[V6]:PORT" (0 or -EINVAL), then listen. 0 or -errno. */
int wgx_metrics_start(struct wgx_metrics **out, const char *addr_port);
/* Readable when a scrape wants a fresh text: the control loop watches it. */
int wgx_metrics_fd(const struct wgx_metrics *m);
/* Consume the eventfd's requests. */
void wgx_metrics_drain(struct wgx_metrics *m);
/* Replace the served text with a copy of @text. Control thread. */
void wgx_metrics_publish(struct wgx_metrics *m, const char *text, size_t len);
/* Stop the HTTP thread and free. NULL-safe. */
void wgx_metrics_stop(struct wgx_metrics *m);

#endif
