/* SPDX-License-Identifier: MIT */
/*
 * The agent's Kubernetes API client (libcurl, its own thread): keeps a copy
 * of every Node (list, then watch from the list's resourceVersion with
 * bookmarks; 410 Gone or an ERROR event -> relist; a broken connection ->
 * retry with capped, jittered exponential backoff, the watch resumed from
 * the last resourceVersion seen), renders the other nodes as desired peers
 * (cli/agent_nodes.h) and publishes this node's own public key and endpoint
 * by a merge patch of its Node's annotations, after every list and every
 * resync (the watch is restarted every resync seconds).
 *
 * The agent's loop (cli/agent.c) polls wgx_kube_fd(), then takes
 * wgx_kube_snapshot() as the API's share of the desired state.
 */
#ifndef WGX_AGENT_KUBE_H
#define WGX_AGENT_KUBE_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/agent_kubeconfig.h"
#include "cli/agent_nodes.h"

struct wgx_kube_opts {
	struct wgx_kubeconfig kc; /* taken over by wgx_kube_start (freed by wgx_kube_stop) */
	const char *node;	  /* this node's Node name */
	const char *interface;	  /* its key and listen port come from this device's UAPI */
	const char *endpoint;	  /* "ADDR" or "ADDR:PORT" to publish; NULL: InternalIP */
	double resync;		  /* seconds */
};

struct wgx_kube_report {
	bool synced;		/* a list succeeded: the snapshot's peers are real */
	bool connected;		/* the last request reached the API server */
	bool published;		/* our Node carries our key (and endpoint) */
	size_t nodes, peers, skipped, unannotated;
	struct wgx_kube_skip skips[WGX_KUBE_SKIPS_SHOWN];
	uint64_t lists, relists, errors; /* lists done, of them after 410 Gone; failed requests */
	char error[256];	/* the last failure, "" after a success */
};

/* Start the thread. NULL + errno on failure. */
struct wgx_kube *wgx_kube_start(struct wgx_kube_opts *o);
/* Readable (an eventfd) when the snapshot changed. */
int wgx_kube_fd(const struct wgx_kube *k);
/*
 * Drain the fd; *text = a malloc'd copy of the rendered [Peer] sections, or
 * NULL before the first list; *rep = the report. 0 or -ENOMEM.
 */
int wgx_kube_snapshot(struct wgx_kube *k, char **text, struct wgx_kube_report *rep);
/* Stop and join the thread (at most one request's abort), free everything. NULL-safe. */
void wgx_kube_stop(struct wgx_kube *k);

#endif
