// SPDX-License-Identifier: MIT
#include "cli/show.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/stats.h"

/* wireguard-tools' terminal.h */
#define RESET "\x1b[0m"
#define BOLD "\x1b[1m"
#define GREEN "\x1b[32m"
#define YELLOW "\x1b[33m"
#define CYAN "\x1b[36m"
#define RED "\x1b[31m"

struct out {
	FILE *f;
	bool color;
};

static const char *c(const struct out *o, const char *code)
{
	return o->color ? code : "";
}

bool wgx_show_color(const char *mode)
{
	if (mode && !strcmp(mode, "always"))
		return true;
	if (mode && !strcmp(mode, "never"))
		return false;
	return isatty(STDOUT_FILENO);
}

static void label(const struct out *o, const char *name)
{
	fprintf(o->f, "  %s%s%s: ", c(o, BOLD), name, c(o, RESET));
}

/* wg's bytes(): B below 1 KiB, else two decimals of KiB, MiB, GiB, TiB. */
static void bytes(const struct out *o, uint64_t b)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int u = -1;

	if (b < 1024) {
		fprintf(o->f, "%" PRIu64 " %sB%s", b, c(o, CYAN), c(o, RESET));
		return;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	fprintf(o->f, "%.2f %s%s%s", v, c(o, CYAN), units[u], c(o, RESET));
}

static void pretty(const struct out *o, bool *first, uint64_t n, const char *unit)
{
	if (!n)
		return;
	fprintf(o->f, "%s%" PRIu64 " %s%s%s%s", *first ? "" : ", ", n, c(o, CYAN), unit,
		n == 1 ? "" : "s", c(o, RESET));
	*first = false;
}

/* wg's ago(): "Now", or "1 year, 2 days, 3 hours, 4 minutes, 5 seconds ago". */
static void ago(const struct out *o, uint64_t then, uint64_t now)
{
	uint64_t left = now - then;
	bool first = true;

	if (then == now) {
		fputs("Now", o->f);
		return;
	}
	if (now < then) {
		fprintf(o->f, "(%sSystem clock wound backward; connection problems may ensue.%s)",
			c(o, RED), c(o, RESET));
		return;
	}
	pretty(o, &first, left / (365 * 24 * 3600ull), "year");
	pretty(o, &first, left / (24 * 3600) % 365, "day");
	pretty(o, &first, left / 3600 % 24, "hour");
	pretty(o, &first, left / 60 % 60, "minute");
	pretty(o, &first, left % 60, "second");
	fputs(" ago", o->f);
}

/* wg's sort_peers(): latest handshake first (then by key, so the order is stable). */
static int peer_cmp(const void *a, const void *b)
{
	const struct wgx_stats_peer *pa = *(const struct wgx_stats_peer *const *)a;
	const struct wgx_stats_peer *pb = *(const struct wgx_stats_peer *const *)b;
	uint64_t ha = pa->latest_handshake_ns / 1000000000ull, hb = pb->latest_handshake_ns / 1000000000ull;

	if (ha != hb)
		return ha > hb ? -1 : 1;
	return strcmp(pa->public_key, pb->public_key);
}

static void print_peer(const struct out *o, const struct wgx_stats_peer *p, uint64_t now)
{
	fprintf(o->f, "\n%s%speer%s: %s%s%s\n", c(o, YELLOW), c(o, BOLD), c(o, RESET), c(o, YELLOW),
		p->public_key, c(o, RESET));
	if (p->friendly_name[0]) {
		label(o, "friendly name");
		fprintf(o->f, "%s\n", p->friendly_name);
	}
	if (p->has_preshared_key) {
		label(o, "preshared key");
		fputs("(hidden)\n", o->f);
	}
	if (p->endpoint[0]) {
		label(o, "endpoint");
		fprintf(o->f, "%s\n", p->endpoint);
	}
	label(o, "allowed ips");
	for (size_t i = 0; i < p->n_allowed_ips; i++)
		fprintf(o->f, "%s%s", i ? ", " : "", p->allowed_ips[i]);
	fputs(p->n_allowed_ips ? "\n" : "(none)\n", o->f);
	if (p->latest_handshake_ns) {
		label(o, "latest handshake");
		ago(o, p->latest_handshake_ns / 1000000000ull, now);
		fputc('\n', o->f);
	}
	if (p->rx_bytes || p->tx_bytes) {
		label(o, "transfer");
		bytes(o, p->rx_bytes);
		fputs(" received, ", o->f);
		bytes(o, p->tx_bytes);
		fputs(" sent\n", o->f);
	}
	if (p->persistent_keepalive) {
		label(o, "persistent keepalive");
		fprintf(o->f, "every %u %ssecond%s%s\n", p->persistent_keepalive, c(o, CYAN),
			p->persistent_keepalive == 1 ? "" : "s", c(o, RESET));
	}
}

/* wg-xdp's own: the plane's figures and the reasons that counted anything. */
static void print_own(const struct out *o, const struct wgx_stats *s)
{
	bool any = false;

	label(o, "mode");
	fprintf(o->f, "%s\n", s->mode);
	for (size_t i = 0; i < s->n_figures; i++) {
		const struct wgx_stats_figure *f = &s->figures[i];
		bool first = !i || strcmp(f->group, s->figures[i - 1].group);

		/* One line per plane ("xdp: ...", "socket: ..."), in the order reported. */
		if (first) {
			if (i)
				fputc('\n', o->f);
			label(o, f->group);
		}
		fprintf(o->f, "%s%s=", first ? "" : " ", f->key);
		if (f->kind == WGX_STATS_NUM)
			fprintf(o->f, "%" PRIu64, f->num);
		else if (f->kind == WGX_STATS_FLAG)
			fputs(f->flag ? "yes" : "no", o->f);
		else
			fputs(f->str, o->f);
	}
	if (s->n_figures)
		fputc('\n', o->f);
	for (unsigned int r = 0; r < WGX_REASON_MAX; r++) {
		if (!s->reasons[r] || !wgx_reason_name(r))
			continue;
		if (!any)
			label(o, "counters");
		fprintf(o->f, "%s%s=%" PRIu64, any ? " " : "", wgx_reason_name(r), s->reasons[r]);
		any = true;
	}
	if (any)
		fputc('\n', o->f);
}

void wgx_show_print(FILE *f, const struct wgx_stats *s, bool color, uint64_t now)
{
	const struct out o = { .f = f, .color = color };
	const struct wgx_stats_peer **sorted = calloc(s->n_peers ? s->n_peers : 1, sizeof(*sorted));

	fprintf(f, "%s%s%sinterface%s: %s%s%s\n", c(&o, RESET), c(&o, GREEN), c(&o, BOLD),
		c(&o, RESET), c(&o, GREEN), s->name, c(&o, RESET));
	if (s->public_key[0]) {
		label(&o, "public key");
		fprintf(f, "%s\n", s->public_key);
		label(&o, "private key");
		fputs("(hidden)\n", f);
	}
	if (s->listen_port) {
		label(&o, "listening port");
		fprintf(f, "%u\n", s->listen_port);
	}
	if (s->fwmark) {
		label(&o, "fwmark");
		fprintf(f, "0x%x\n", s->fwmark);
	}
	print_own(&o, s);
	if (!sorted)
		return;
	for (size_t i = 0; i < s->n_peers; i++)
		sorted[i] = &s->peers[i];
	qsort(sorted, s->n_peers, sizeof(*sorted), peer_cmp);
	for (size_t i = 0; i < s->n_peers; i++)
		print_peer(&o, sorted[i], now);
	free(sorted);
}
