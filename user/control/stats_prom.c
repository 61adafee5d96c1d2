// SPDX-License-Identifier: MIT
/*
 * struct wgx_stats as Prometheus text exposition (format 0.0.4). Peer series
 * use prometheus_wireguard_exporter's names and labels, so its dashboards
 * work; wg-xdp's own series start with wgx_.
 */
#include "control/stats.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A label value: backslash, double quote and newline escaped. */
static void put_label(FILE *f, const char *name, const char *value, bool first)
{
	fprintf(f, "%s%s=\"", first ? "" : ",", name);
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', f);
		if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void peer_labels(FILE *f, const struct wgx_stats *s, const struct wgx_stats_peer *p)
{
	fputc('{', f);
	put_label(f, "interface", s->name, true);
	put_label(f, "public_key", p->public_key, false);
	fputs(",allowed_ips=\"", f);
	for (size_t i = 0; i < p->n_allowed_ips; i++)
		fprintf(f, "%s%s", i ? "," : "", p->allowed_ips[i]);
	fputc('"', f);
	if (p->friendly_name[0])
		put_label(f, "friendly_name", p->friendly_name, false);
	fputc('}', f);
}

/* A metric-name-safe copy of a figure key: [a-zA-Z0-9_] only. */
static void safe_name(char *out, size_t len, const char *key)
{
	size_t i;

	for (i = 0; key[i] && i + 1 < len; i++)
		out[i] = isalnum((unsigned char)key[i]) ? key[i] : '_';
	out[i] = '\0';
}

static void peers(FILE *f, const struct wgx_stats *s)
{
	family(f, "wireguard_sent_bytes_total", "counter", "Bytes sent to the peer");
	for (size_t i = 0; i < s->n_peers; i++) {
		fputs("wireguard_sent_bytes_total", f);
		peer_labels(f, s, &s->peers[i]);
		fprintf(f, " %llu\n", (unsigned long long)s->peers[i].tx_bytes);
	}
	family(f, "wireguard_received_bytes_total", "counter", "Bytes received from the peer");
	for (size_t i = 0; i < s->n_peers; i++) {
		fputs("wireguard_received_bytes_total", f);
		peer_labels(f, s, &s->peers[i]);
		fprintf(f, " %llu\n", (unsigned long long)s->peers[i].rx_bytes);
	}
	family(f, "wireguard_latest_handshake_seconds", "gauge",
	       "UNIX time of the latest handshake with the peer (0: never)");
	for (size_t i = 0; i < s->n_peers; i++) {
		fputs("wireguard_latest_handshake_seconds", f);
		peer_labels(f, s, &s->peers[i]);
		fprintf(f, " %llu\n",
			(unsigned long long)(s->peers[i].latest_handshake_ns / 1000000000ull));
	}
}

static void plane(FILE *f, const struct wgx_stats *s)
{
	char name[2 * WGX_STATS_STR_LEN];

	family(f, "wgx_plane_figure", "gauge",
	       "Data plane figures (XSK rings, queues, workers), by figure name; flags are 0/1");
	for (size_t i = 0; i < s->n_figures; i++) {
		const struct wgx_stats_figure *fig = &s->figures[i];

		if (fig->kind == WGX_STATS_STR)
			continue;
		fputs("wgx_plane_figure{", f);
		put_label(f, "interface", s->name, true);
		put_label(f, "plane", fig->group, false);
		put_label(f, "figure", fig->key, false);
		fprintf(f, "} %llu\n",
			(unsigned long long)(fig->kind == WGX_STATS_NUM ? fig->num : fig->flag));
	}
	family(f, "wgx_info", "gauge", "Always 1: the interface's mode and the plane's settings as labels");
	fputs("wgx_info{", f);
	put_label(f, "interface", s->name, true);
	put_label(f, "mode", s->mode, false);
	for (size_t i = 0; i < s->n_figures; i++) {
		if (s->figures[i].kind != WGX_STATS_STR)
			continue;
		/* The device plane's settings as they are named; another plane's prefixed. */
		if (strcmp(s->figures[i].group, s->figures[0].group))
			snprintf(name, sizeof(name), "%s_%s", s->figures[i].group, s->figures[i].key);
		else
			snprintf(name, sizeof(name), "%s", s->figures[i].key);
		safe_name(name, sizeof(name), name);
		if (strcmp(name, "interface") && strcmp(name, "mode"))
			put_label(f, name, s->figures[i].str, false);
	}
	fputs("} 1\n", f);
}

int wgx_stats_to_prom(const struct wgx_stats *s, char **out, size_t *len)
{
	FILE *f = open_memstream(out, len);

	if (!f)
		return -ENOMEM;
	peers(f, s);
	family(f, "wgx_peers", "gauge", "Configured peers");
	fprintf(f, "wgx_peers{");
	put_label(f, "interface", s->name, true);
	fprintf(f, "} %zu\n", s->n_peers);
	family(f, "wgx_packets_total", "counter",
	       "Packets by verdict reason (include/wgx_reasons.h), BPF programs and daemon summed");
	for (unsigned int r = 0; r < WGX_REASON_MAX; r++) {
		const char *name = wgx_reason_name(r);

		if (!name)
			continue;
		fputs("wgx_packets_total{", f);
		put_label(f, "interface", s->name, true);
		put_label(f, "reason", name, false);
		put_label(f, "verdict", wgx_reason_is_delivery(r) ? "delivery" : "drop", false);
		fprintf(f, "} %llu\n", (unsigned long long)s->reasons[r]);
	}
	plane(f, s);
	family(f, "wgx_realtime_demotions_total", "counter",
	       "Times the SCHED_FIFO control thread dropped to normal priority");
	fputs("wgx_realtime_demotions_total{", f);
	put_label(f, "interface", s->name, true);
	fprintf(f, "} %llu\n", (unsigned long long)s->realtime_demotions);
	return fclose(f) ? -ENOMEM : 0;
}
