/* SPDX-License-Identifier: MIT */
/*
 * One reload of `wg-xdp agent`: read, get, diff, set (agent.h has the loop).
 * The desired state is the file, the API's peers (cli/agent_kube.h), or the
 * file with the API's peers merged in (the file wins a key both name).
 */
#ifndef WGX_AGENT_RELOAD_H
#define WGX_AGENT_RELOAD_H

#include "cli/agent_diff.h"
#include "cli/agent_status.h"

struct wgx_agent_reloader {
	const char *interface;
	const char *path; /* the desired-state file, or NULL (API mode alone) */
	const char *api_peers; /* [Peer] sections rendered from Node objects, or NULL */
	size_t shadowed;       /* API peers the file overrode last time (logged on change) */
	struct wgx_agent_endpoints applied; /* of the last successful reload */
	struct wgx_agent_status status;
};

/*
 * Reconcile once; t_event is the CLOCK_MONOTONIC second of the first change
 * event this reload answers (for the latency figure). Fills r->status.
 * Returns 0 (applied or already in sync), -ENOENT (no file), -EINVAL (file
 * or merged state rejected), -ECONNREFUSED/-ENOENT-like errors of the UAPI socket as
 * -EHOSTDOWN, or another -errno.
 */
int wgx_agent_reload(struct wgx_agent_reloader *r, double t_event);

#endif
