// SPDX-License-Identifier: MIT
/* The agent's status file (JSON, json-c) and metrics (Prometheus text). */
#include "cli/agent_status.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/file_replace.h"

static json_object *api_json(const struct wgx_kube_report *k)
{
	json_object *o = json_object_new_object(), *skips = json_object_new_array();

	json_object_object_add(o, "synced", json_object_new_boolean(k->synced));
	json_object_object_add(o, "connected", json_object_new_boolean(k->connected));
	json_object_object_add(o, "published", json_object_new_boolean(k->published));
	json_object_object_add(o, "nodes", json_object_new_int64((int64_t)k->nodes));
	json_object_object_add(o, "peers", json_object_new_int64((int64_t)k->peers));
	json_object_object_add(o, "skipped", json_object_new_int64((int64_t)k->skipped));
	json_object_object_add(o, "unannotated", json_object_new_int64((int64_t)k->unannotated));
	for (size_t i = 0; i < k->skipped && i < WGX_KUBE_SKIPS_SHOWN; i++) {
		json_object *s = json_object_new_object();

		json_object_object_add(s, "node", json_object_new_string(k->skips[i].node));
		json_object_object_add(s, "reason", json_object_new_string(k->skips[i].reason));
		json_object_array_add(skips, s);
	}
	json_object_object_add(o, "skipped_nodes", skips);
	json_object_object_add(o, "lists", json_object_new_int64((int64_t)k->lists));
	json_object_object_add(o, "relists", json_object_new_int64((int64_t)k->relists));
	json_object_object_add(o, "errors", json_object_new_int64((int64_t)k->errors));
	json_object_object_add(o, "error", k->error[0] ? json_object_new_string(k->error) : NULL);
	return o;
}

static int write_json(const struct wgx_agent_status *st, const char *path)
{
	json_object *o = json_object_new_object(), *applied = json_object_new_object();
	const char *text;
	size_t len;
	int ret;

	json_object_object_add(o, "interface", json_object_new_string(st->interface));
	json_object_object_add(o, "last_reload", json_object_new_double(st->last_reload));
	json_object_object_add(o, "last_success", json_object_new_double(st->last_success));
	json_object_object_add(o, "success", json_object_new_boolean(st->success));
	json_object_object_add(o, "daemon_up", json_object_new_boolean(st->daemon_up));
	json_object_object_add(o, "error",
			       st->error[0] ? json_object_new_string(st->error) : NULL);
	json_object_object_add(o, "peers", json_object_new_int64((int64_t)st->desired_peers));
	json_object_object_add(applied, "added", json_object_new_int64((int64_t)st->counts.added));
	json_object_object_add(applied, "removed",
			       json_object_new_int64((int64_t)st->counts.removed));
	json_object_object_add(applied, "updated",
			       json_object_new_int64((int64_t)st->counts.updated));
	json_object_object_add(applied, "device", json_object_new_boolean(st->counts.device));
	json_object_object_add(o, "applied", applied);
	json_object_object_add(o, "latency_ms", json_object_new_double(st->latency_ms));
	json_object_object_add(o, "duration_ms", json_object_new_double(st->duration_ms));
	json_object_object_add(o, "reloads", json_object_new_int64((int64_t)st->reloads));
	json_object_object_add(o, "failures", json_object_new_int64((int64_t)st->failures));
	json_object_object_add(o, "changes", json_object_new_int64((int64_t)st->changes));
	if (st->api)
		json_object_object_add(o, "api", api_json(&st->kube));
	text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	ret = wgx_file_replace(path, text, len, 0644);
	json_object_put(o);
	return ret;
}

size_t wgx_agent_status_prom(const struct wgx_agent_status *st, char *buf, size_t size)
{
	const char *i = st->interface;
	int n = snprintf(buf, size,
		"# HELP wgx_agent_last_reload_success 1 if the last reload applied the desired state.\n"
		"# TYPE wgx_agent_last_reload_success gauge\n"
		"wgx_agent_last_reload_success{interface=\"%s\"} %d\n"
		"# HELP wgx_agent_last_reload_timestamp_seconds End of the last reload attempt.\n"
		"# TYPE wgx_agent_last_reload_timestamp_seconds gauge\n"
		"wgx_agent_last_reload_timestamp_seconds{interface=\"%s\"} %.3f\n"
		"# HELP wgx_agent_last_success_timestamp_seconds End of the last successful reload.\n"
		"# TYPE wgx_agent_last_success_timestamp_seconds gauge\n"
		"wgx_agent_last_success_timestamp_seconds{interface=\"%s\"} %.3f\n"
		"# HELP wgx_agent_daemon_up 1 if the daemon's UAPI socket answered.\n"
		"# TYPE wgx_agent_daemon_up gauge\n"
		"wgx_agent_daemon_up{interface=\"%s\"} %d\n"
		"# HELP wgx_agent_desired_peers Peers in the last valid desired file.\n"
		"# TYPE wgx_agent_desired_peers gauge\n"
		"wgx_agent_desired_peers{interface=\"%s\"} %zu\n"
		"# HELP wgx_agent_last_reload_latency_seconds First change event to applied.\n"
		"# TYPE wgx_agent_last_reload_latency_seconds gauge\n"
		"wgx_agent_last_reload_latency_seconds{interface=\"%s\"} %.6f\n"
		"# HELP wgx_agent_reloads_total Reload attempts.\n"
		"# TYPE wgx_agent_reloads_total counter\n"
		"wgx_agent_reloads_total{interface=\"%s\"} %" PRIu64 "\n"
		"# HELP wgx_agent_reload_failures_total Reload attempts that failed.\n"
		"# TYPE wgx_agent_reload_failures_total counter\n"
		"wgx_agent_reload_failures_total{interface=\"%s\"} %" PRIu64 "\n"
		"# HELP wgx_agent_changes_total Reloads that sent a change to the daemon.\n"
		"# TYPE wgx_agent_changes_total counter\n"
		"wgx_agent_changes_total{interface=\"%s\"} %" PRIu64 "\n",
		i, st->success, i, st->last_reload, i, st->last_success, i, st->daemon_up, i,
		st->desired_peers, i, st->latency_ms / 1000.0, i, st->reloads, i, st->failures, i,
		st->changes);

	if (n >= 0 && (size_t)n < size && st->api) {
		const struct wgx_kube_report *k = &st->kube;
		int m = snprintf(buf + n, size - (size_t)n,
			"# HELP wgx_agent_api_connected 1 if the last request reached the API server.\n"
			"# TYPE wgx_agent_api_connected gauge\n"
			"wgx_agent_api_connected{interface=\"%s\"} %d\n"
			"# HELP wgx_agent_api_nodes Node objects seen.\n"
			"# TYPE wgx_agent_api_nodes gauge\n"
			"wgx_agent_api_nodes{interface=\"%s\"} %zu\n"
			"# HELP wgx_agent_api_peers Nodes made peers.\n"
			"# TYPE wgx_agent_api_peers gauge\n"
			"wgx_agent_api_peers{interface=\"%s\"} %zu\n"
			"# HELP wgx_agent_api_nodes_skipped Nodes with a key left out (invalid or conflicting).\n"
			"# TYPE wgx_agent_api_nodes_skipped gauge\n"
			"wgx_agent_api_nodes_skipped{interface=\"%s\"} %zu\n"
			"# HELP wgx_agent_api_nodes_unannotated Other nodes without a public-key annotation.\n"
			"# TYPE wgx_agent_api_nodes_unannotated gauge\n"
			"wgx_agent_api_nodes_unannotated{interface=\"%s\"} %zu\n"
			"# HELP wgx_agent_api_published 1 if our Node carries our key.\n"
			"# TYPE wgx_agent_api_published gauge\n"
			"wgx_agent_api_published{interface=\"%s\"} %d\n"
			"# HELP wgx_agent_api_relists_total Lists after a 410 Gone.\n"
			"# TYPE wgx_agent_api_relists_total counter\n"
			"wgx_agent_api_relists_total{interface=\"%s\"} %" PRIu64 "\n"
			"# HELP wgx_agent_api_errors_total Failed API requests.\n"
			"# TYPE wgx_agent_api_errors_total counter\n"
			"wgx_agent_api_errors_total{interface=\"%s\"} %" PRIu64 "\n",
			i, k->connected, i, k->nodes, i, k->peers, i, k->skipped, i, k->unannotated, i, k->published, i,
			k->relists, i, k->errors);

		n = m < 0 ? n : n + m;
	}
	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

int wgx_agent_status_write(const struct wgx_agent_status *st, const char *json_path,
			   const char *prom_path)
{
	char prom[8192];
	int ret = 0, r;

	if (json_path) {
		r = write_json(st, json_path);
		ret = ret ? ret : r;
	}
	if (prom_path) {
		wgx_agent_status_prom(st, prom, sizeof(prom));
		r = wgx_file_replace(prom_path, prom, strlen(prom), 0644);
		ret = ret ? ret : r;
	}
	return ret;
}
