/* SPDX-License-Identifier: MIT */
/*
 * What `wg-xdp agent` reports about its last reload, for people (the JSON
 * status file) and for Prometheus (a text-format file for node-exporter's
 * textfile collector, or served by the agent's --metrics-port). Both files
 * are replaced atomically (write a temporary file, rename over).
 */
#ifndef WGX_AGENT_STATUS_H
#define WGX_AGENT_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/agent_diff.h"
#include "cli/agent_kube.h"

struct wgx_agent_status {
	const char *interface;
	double last_reload;	/* unix seconds of the last attempt's end */
	double last_success;	/* unix seconds of the last successful reload, 0 = none */
	bool success;		/* the last attempt applied (or found nothing to apply) */
	bool daemon_up;		/* the last attempt reached the UAPI socket */
	char error[512];	/* "" when success */
	size_t desired_peers;	/* peers in the last valid desired file */
	struct wgx_agent_counts counts; /* of the last successful reload */
	double latency_ms;	/* first change event (or tick) to applied */
	double duration_ms;	/* read + get + diff + set of the last attempt */
	uint64_t reloads, failures, changes; /* attempts, failed ones, ones that sent a set */
	bool api;		/* API mode: kube below is reported */
	struct wgx_kube_report kube;
};

/*
 * Write st as JSON to json_path and as Prometheus text to prom_path (either
 * NULL: skipped). Returns 0 or -errno (the first failure; both are tried).
 */
int wgx_agent_status_write(const struct wgx_agent_status *st, const char *json_path,
			   const char *prom_path);

/* The Prometheus text of st into buf (truncated to size). Returns its length. */
size_t wgx_agent_status_prom(const struct wgx_agent_status *st, char *buf, size_t size);

#endif
