// SPDX-License-Identifier: MIT
#include "control/stats.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control/rtprio.h"
#include "core/crypto.h"
#include "core/device.h"
#include "core/keys.h"
#include "core/uapi_set.h"
#include "lib/endpoint.h"

int wgx_stats_add_figure(struct wgx_stats *s, const struct wgx_stats_figure *f)
{
	struct wgx_stats_figure *grown;

	grown = realloc(s->figures, (s->n_figures + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	s->figures = grown;
	s->figures[s->n_figures++] = *f;
	return 0;
}

struct wgx_stats_peer *wgx_stats_add_peer(struct wgx_stats *s)
{
	struct wgx_stats_peer *grown = realloc(s->peers, (s->n_peers + 1) * sizeof(*grown));

	if (!grown)
		return NULL;
	s->peers = grown;
	memset(&s->peers[s->n_peers], 0, sizeof(s->peers[0]));
	return &s->peers[s->n_peers++];
}

int wgx_stats_peer_add_aip(struct wgx_stats_peer *p, const char *cidr)
{
	char(*grown)[WGX_STATS_ADDR_LEN] = realloc(p->allowed_ips,
						   (p->n_allowed_ips + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	p->allowed_ips = grown;
	snprintf(p->allowed_ips[p->n_allowed_ips++], WGX_STATS_ADDR_LEN, "%s", cidr);
	return 0;
}

void wgx_stats_free(struct wgx_stats *s)
{
	for (size_t i = 0; i < s->n_peers; i++)
		free(s->peers[i].allowed_ips);
	free(s->peers);
	free(s->figures);
	memset(s, 0, sizeof(*s));
}

/* ---- the plane's figures, through its visitor ---- */
struct visit {
	struct wgx_stats *s;
	const char *group;
	int err;
};

static void put(void *ctx, const char *key, struct wgx_stats_figure *f)
{
	struct visit *v = ctx;

	snprintf(f->group, sizeof(f->group), "%s", v->group);
	snprintf(f->key, sizeof(f->key), "%s", key);
	if (!v->err)
		v->err = wgx_stats_add_figure(v->s, f);
}

static void visit_num(void *ctx, const char *key, uint64_t n)
{
	struct wgx_stats_figure f = { .kind = WGX_STATS_NUM, .num = n };

	put(ctx, key, &f);
}

static void visit_str(void *ctx, const char *key, const char *str)
{
	struct wgx_stats_figure f = { .kind = WGX_STATS_STR };

	snprintf(f.str, sizeof(f.str), "%s", str ? str : "");
	put(ctx, key, &f);
}

static void visit_flag(void *ctx, const char *key, bool b)
{
	struct wgx_stats_figure f = { .kind = WGX_STATS_FLAG, .flag = b };

	put(ctx, key, &f);
}

static const struct wgx_stats_visitor visitor = {
	.num = visit_num,
	.str = visit_str,
	.flag = visit_flag,
};

static void cidr_str(const struct wgx_uapi_cidr *c, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN] = "?";

	inet_ntop(c->family, c->addr, addr, sizeof(addr));
	snprintf(buf, len, "%s/%u", addr, c->cidr);
}

static int add_view_peer(struct wgx_stats *s, const struct wgx_uapi_peer_view *pv)
{
	struct wgx_stats_peer *p = wgx_stats_add_peer(s);
	char cidr[WGX_STATS_ADDR_LEN];

	if (!p)
		return -ENOMEM;
	wgx_key_to_base64(p->public_key, pv->public_key);
	if (pv->has_endpoint) {
		union wgx_sockaddr ep;

		memcpy(&ep, &pv->endpoint, sizeof(ep));
		wgx_sockaddr_str(&ep, p->endpoint, sizeof(p->endpoint));
	}
	p->has_preshared_key = pv->has_psk;
	p->latest_handshake_ns = pv->last_handshake_ns;
	p->rx_bytes = pv->rx_bytes;
	p->tx_bytes = pv->tx_bytes;
	p->persistent_keepalive = pv->persistent_keepalive;
	for (size_t i = 0; i < pv->n_allowed_ips; i++) {
		cidr_str(&pv->allowed_ips[i], cidr, sizeof(cidr));
		if (wgx_stats_peer_add_aip(p, cidr))
			return -ENOMEM;
	}
	return 0;
}

int wgx_stats_collect_plane(struct wgx_stats *s, const char *group, wgx_stats_plane_fn fn,
			    void *plane)
{
	struct visit v = { .s = s, .group = group };

	fn(plane, &visitor, &v, s->reasons);
	if (v.err)
		wgx_stats_free(s);
	return v.err;
}

int wgx_stats_collect(struct wgx_device *dev, const char *mode, const struct wgx_rtprio *rt,
		      struct wgx_stats *out)
{
	const struct wgx_plane_ops *ops = dev->plane_ops;
	struct wgx_uapi_device_view view;
	int ret;

	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", dev->name);
	snprintf(out->mode, sizeof(out->mode), "%s", mode ? mode : ops ? ops->name : "none");
	out->mtu = dev->mtu;
	out->realtime = rt && rt->on;
	out->realtime_demotions = rt ? rt->demotions : 0;
	memcpy(out->reasons, dev->stats, sizeof(out->reasons));
	if (ops && ops->stats && (ret = wgx_stats_collect_plane(out, ops->name, ops->stats, dev->plane)))
		return ret;
	memset(&view, 0, sizeof(view));
	ret = wgx_device_view(dev, &view);
	if (ret)
		goto fail;
	if (view.has_private_key) {
		uint8_t pub[WGX_KEY_LEN];

		wgx_x25519_public(pub, view.private_key);
		wgx_key_to_base64(out->public_key, pub);
	}
	out->listen_port = view.listen_port;
	out->fwmark = view.fwmark;
	for (size_t i = 0; i < view.n_peers && !ret; i++)
		ret = add_view_peer(out, &view.peers[i]);
	wgx_device_view_free(&view);
	if (ret)
		goto fail;
	return 0;
fail:
	wgx_stats_free(out);
	return ret;
}

/* ---- friendly names, as prometheus_wireguard_exporter reads them ---- */
static char *trim(char *p)
{
	char *end;

	while (isspace((unsigned char)*p))
		p++;
	end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return p;
}

/* "KEY = value" (KEY case-insensitive): the value, or NULL. */
static char *value_of(char *line, const char *key)
{
	size_t n = strlen(key);
	char *p;

	if (strncasecmp(line, key, n))
		return NULL;
	p = trim(line + n);
	return *p == '=' ? trim(p + 1) : NULL;
}

static void name_peer(struct wgx_stats *s, const char *key, const char *name)
{
	for (size_t i = 0; i < s->n_peers; i++)
		if (!strcmp(s->peers[i].public_key, key))
			snprintf(s->peers[i].friendly_name, sizeof(s->peers[i].friendly_name), "%s",
				 name);
}

void wgx_stats_friendly_names(struct wgx_stats *s, const char *path)
{
	char line[1024], key[WGX_STATS_KEY_LEN] = "", name[WGX_STATS_STR_LEN] = "", *l, *v;
	char iobuf[4096]; /* stdio's buffer is ours, so the file's PrivateKey can be wiped */
	FILE *f = path ? fopen(path, "re") : NULL;

	if (!f)
		return;
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
	while (fgets(line, sizeof(line), f)) {
		l = trim(line);
		if (*l == '[') {
			if (key[0] && name[0])
				name_peer(s, key, name);
			key[0] = name[0] = '\0';
		} else if (*l == '#' && (v = value_of(trim(l + 1), "friendly_name"))) {
			snprintf(name, sizeof(name), "%s", v);
		} else if ((v = value_of(l, "PublicKey"))) {
			snprintf(key, sizeof(key), "%s", v);
		}
	}
	if (key[0] && name[0])
		name_peer(s, key, name);
	fclose(f);
	/* The file may hold a private key: wipe what we read of it. */
	sodium_memzero(line, sizeof(line));
	sodium_memzero(iobuf, sizeof(iobuf));
}
