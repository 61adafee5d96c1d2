// SPDX-License-Identifier: MIT
/* struct wgx_stats <-> JSON through json-c: escaped, every field present, zeros included. */
#include "control/stats.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_object *str_or_null(const char *s)
{
	return s[0] ? json_object_new_string(s) : NULL;
}

static json_object *peer_json(const struct wgx_stats_peer *p)
{
	json_object *o = json_object_new_object(), *aips = json_object_new_array();

	json_object_object_add(o, "public_key", json_object_new_string(p->public_key));
	json_object_object_add(o, "friendly_name", str_or_null(p->friendly_name));
	json_object_object_add(o, "endpoint", str_or_null(p->endpoint));
	json_object_object_add(o, "preshared_key", json_object_new_boolean(p->has_preshared_key));
	for (size_t i = 0; i < p->n_allowed_ips; i++)
		json_object_array_add(aips, json_object_new_string(p->allowed_ips[i]));
	json_object_object_add(o, "allowed_ips", aips);
	json_object_object_add(o, "latest_handshake",
			       json_object_new_uint64(p->latest_handshake_ns / 1000000000ull));
	json_object_object_add(o, "latest_handshake_ns", json_object_new_uint64(p->latest_handshake_ns));
	json_object_object_add(o, "rx_bytes", json_object_new_uint64(p->rx_bytes));
	json_object_object_add(o, "tx_bytes", json_object_new_uint64(p->tx_bytes));
	json_object_object_add(o, "persistent_keepalive",
			       json_object_new_int(p->persistent_keepalive));
	return o;
}

char *wgx_stats_json_head(const struct wgx_stats *s)
{
	json_object *root = json_object_new_object(), *reasons = json_object_new_object();
	const char *text;
	char *out = NULL;

	json_object_object_add(root, "name", json_object_new_string(s->name));
	json_object_object_add(root, "mode", json_object_new_string(s->mode));
	json_object_object_add(root, "public_key", str_or_null(s->public_key));
	json_object_object_add(root, "listen_port", json_object_new_int(s->listen_port));
	json_object_object_add(root, "fwmark", json_object_new_uint64(s->fwmark));
	json_object_object_add(root, "mtu", json_object_new_int((int)s->mtu));
	json_object_object_add(root, "realtime", json_object_new_boolean(s->realtime));
	json_object_object_add(root, "realtime_demotions",
			       json_object_new_uint64(s->realtime_demotions));
	json_object_object_add(root, "n_peers", json_object_new_uint64(s->n_peers));
	/* Each plane's figures under its name: "xdp": {...}, "socket": {...}. */
	for (size_t i = 0; i < s->n_figures; i++) {
		const struct wgx_stats_figure *f = &s->figures[i];
		json_object *v = f->kind == WGX_STATS_NUM ? json_object_new_uint64(f->num) :
				 f->kind == WGX_STATS_FLAG ? json_object_new_boolean(f->flag) :
							     json_object_new_string(f->str);
		json_object *group;

		if (!json_object_object_get_ex(root, f->group, &group)) {
			group = json_object_new_object();
			json_object_object_add(root, f->group, group);
		}
		json_object_object_add(group, f->key, v);
	}
	for (unsigned int r = 0; r < WGX_REASON_MAX; r++)
		if (wgx_reason_name(r))
			json_object_object_add(reasons, wgx_reason_name(r),
					       json_object_new_uint64(s->reasons[r]));
	json_object_object_add(root, "reasons", reasons);
	/* The object without its closing brace, then the array "peers" opened. */
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	if (text && asprintf(&out, "%.*s,\"peers\":[", (int)strlen(text) - 1, text) < 0)
		out = NULL;
	json_object_put(root);
	return out;
}

char *wgx_stats_json_peer(const struct wgx_stats *s, size_t i)
{
	json_object *o = peer_json(&s->peers[i]);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	char *out = NULL;

	if (text && asprintf(&out, "%s%s", i ? "," : "", text) < 0)
		out = NULL;
	json_object_put(o);
	return out;
}

/* ---- reading it back (the CLI) ---- */
static const char *get_str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
		       json_object_get_string(v) :
		       "";
}

static uint64_t get_u64(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_uint64(v) : 0;
}

static bool get_bool(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static int read_peer(struct wgx_stats *s, json_object *o)
{
	struct wgx_stats_peer *p = wgx_stats_add_peer(s);
	json_object *aips;

	if (!p)
		return -ENOMEM;
	snprintf(p->public_key, sizeof(p->public_key), "%s", get_str(o, "public_key"));
	snprintf(p->friendly_name, sizeof(p->friendly_name), "%s", get_str(o, "friendly_name"));
	snprintf(p->endpoint, sizeof(p->endpoint), "%s", get_str(o, "endpoint"));
	p->has_preshared_key = get_bool(o, "preshared_key");
	p->latest_handshake_ns = get_u64(o, "latest_handshake_ns");
	p->rx_bytes = get_u64(o, "rx_bytes");
	p->tx_bytes = get_u64(o, "tx_bytes");
	p->persistent_keepalive = (uint16_t)get_u64(o, "persistent_keepalive");
	if (json_object_object_get_ex(o, "allowed_ips", &aips) &&
	    json_object_is_type(aips, json_type_array))
		for (size_t i = 0; i < json_object_array_length(aips); i++)
			if (wgx_stats_peer_add_aip(p, json_object_get_string(
							      json_object_array_get_idx(aips, i))))
				return -ENOMEM;
	return 0;
}

static int read_figures(struct wgx_stats *s, const char *group, json_object *plane)
{
	json_object_object_foreach(plane, key, val)
	{
		struct wgx_stats_figure f = { 0 };

		snprintf(f.group, sizeof(f.group), "%s", group);
		snprintf(f.key, sizeof(f.key), "%s", key);
		if (json_object_is_type(val, json_type_boolean)) {
			f.kind = WGX_STATS_FLAG;
			f.flag = json_object_get_boolean(val);
		} else if (json_object_is_type(val, json_type_int)) {
			f.kind = WGX_STATS_NUM;
			f.num = json_object_get_uint64(val);
		} else {
			f.kind = WGX_STATS_STR;
			snprintf(f.str, sizeof(f.str), "%s", json_object_get_string(val));
		}
		if (wgx_stats_add_figure(s, &f))
			return -ENOMEM;
	}
	return 0;
}

int wgx_stats_from_json(const char *text, struct wgx_stats *out)
{
	json_object *root = json_tokener_parse(text), *o;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (!root || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return -EINVAL;
	}
	snprintf(out->name, sizeof(out->name), "%s", get_str(root, "name"));
	snprintf(out->mode, sizeof(out->mode), "%s", get_str(root, "mode"));
	snprintf(out->public_key, sizeof(out->public_key), "%s", get_str(root, "public_key"));
	out->listen_port = (uint16_t)get_u64(root, "listen_port");
	out->fwmark = (uint32_t)get_u64(root, "fwmark");
	out->mtu = (unsigned int)get_u64(root, "mtu");
	out->realtime = get_bool(root, "realtime");
	out->realtime_demotions = get_u64(root, "realtime_demotions");
	if (json_object_object_get_ex(root, "reasons", &o))
		for (unsigned int r = 0; r < WGX_REASON_MAX; r++)
			if (wgx_reason_name(r))
				out->reasons[r] = get_u64(o, wgx_reason_name(r));
	/* Every other object member is a plane's figures. */
	json_object_object_foreach(root, key, val)
	{
		if (!ret && json_object_is_type(val, json_type_object) && strcmp(key, "reasons"))
			ret = read_figures(out, key, val);
	}
	if (!ret && json_object_object_get_ex(root, "peers", &o) &&
	    json_object_is_type(o, json_type_array))
		for (size_t i = 0; i < json_object_array_length(o) && !ret; i++)
			ret = read_peer(out, json_object_array_get_idx(o, i));
	json_object_put(root);
	if (ret)
		wgx_stats_free(out);
	return ret;
}
