// SPDX-License-Identifier: MIT
/* Node objects -> the agent's desired [Peer] sections (agent_nodes.h). */
#include "cli/agent_nodes.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli/agent_state.h"
#include "control/uapi.h"
#include "core/keys.h"

#define PREFIXES_MAX 64 /* per node */

void wgx_kube_node_free(struct wgx_kube_node *n)
{
	if (!n)
		return;
	free(n->name);
	free(n->key);
	free(n->endpoint);
	free(n->allowed_ips);
	memset(n, 0, sizeof(*n));
}

static json_object *path(json_object *o, const char *a, const char *b)
{
	json_object *x = NULL, *y = NULL;

	if (!json_object_object_get_ex(o, a, &x))
		return NULL;
	if (!b)
		return x;
	return json_object_object_get_ex(x, b, &y) ? y : NULL;
}

static const char *str_of(json_object *o)
{
	return json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
}

static const char *annotation(json_object *node, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(path(node, "metadata", "annotations"), key, &v))
		return NULL;
	return str_of(v);
}

/* "ADDR/LEN" (len bytes of s) as a prefix, host bits cleared. */
static int parse_prefix(const char *s, size_t len, struct wgx_uapi_cidr *c)
{
	const char *slash = memchr(s, '/', len);
	char *end;
	long bits;
	int fam;

	if (!slash || slash == s || slash + 1 == s + len)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	fam = wgx_uapi_parse_addr(s, (size_t)(slash - s), c->addr);
	if (fam < 0)
		return -EINVAL;
	bits = strtol(slash + 1, &end, 10);
	if (end != s + len || bits < 0 || bits > (fam == AF_INET ? 32 : 128))
		return -EINVAL;
	c->family = fam;
	c->cidr = (uint8_t)bits;
	for (unsigned int i = 0; i < 16; i++) {
		unsigned int keep = bits >= 8 * (long)(i + 1) ? 8 : bits > 8 * (long)i ? (unsigned int)(bits - 8 * i) : 0;

		c->addr[i] &= (uint8_t)(0xff00u >> keep);
	}
	return 0;
}

/* "IPv4:port" or "[IPv6]:port", numeric (the agent resolves nothing). */
static bool endpoint_valid(const char *s)
{
	uint8_t addr[16];
	const char *colon;
	char *end;
	long port;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':' ||
		    wgx_uapi_parse_addr(s + 1, (size_t)(close - s - 1), addr) != AF_INET6)
			return false;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || wgx_uapi_parse_addr(s, (size_t)(colon - s), addr) != AF_INET)
			return false;
	}
	port = strtol(colon + 1, &end, 10);
	return colon[1] && !*end && port >= 1 && port <= 65535;
}

bool wgx_kube_endpoint_of(const char *addr, unsigned int port, char *out, size_t size)
{
	bool has_port = addr[0] == '[' ? strstr(addr, "]:") != NULL
				       : strchr(addr, ':') && strchr(addr, ':') == strrchr(addr, ':');
	int n;

	if (has_port)
		n = snprintf(out, size, "%s", addr);
	else if (strchr(addr, ':') && addr[0] != '[')
		n = snprintf(out, size, "[%s]:%u", addr, port);
	else
		n = snprintf(out, size, "%s:%u", addr, port);
	if (n < 0 || (size_t)n >= size || !endpoint_valid(out)) {
		out[0] = '\0';
		return false;
	}
	return true;
}

/* Append the prefixes of list (separated by commas and blanks) to *out; false if one is bad. */
static bool add_prefixes(char **out, size_t *len, size_t *count, const char *list)
{
	for (const char *p = list; *p;) {
		size_t n;
		struct wgx_uapi_cidr c;
		char *grown;

		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (!n)
			break;
		if (parse_prefix(p, n, &c) || ++*count > PREFIXES_MAX)
			return false;
		grown = realloc(*out, *len + n + 3);
		if (!grown)
			return false;
		*out = grown;
		if (*len) {
			memcpy(*out + *len, ", ", 2);
			*len += 2;
		}
		memcpy(*out + *len, p, n);
		*len += n;
		(*out)[*len] = '\0';
		p += n;
	}
	return true;
}

static void internal_ip(json_object *node, char out[46])
{
	json_object *addrs = path(node, "status", "addresses");
	size_t n = json_object_is_type(addrs, json_type_array) ? json_object_array_length(addrs) : 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(addrs, i);
		const char *type = str_of(path(a, "type", NULL)), *ip = str_of(path(a, "address", NULL));

		if (!type || !ip || strcmp(type, "InternalIP") || strlen(ip) >= 46)
			continue;
		if (!out[0] || (strchr(out, ':') && !strchr(ip, ':')))
			strcpy(out, ip); /* the first, or the first IPv4 one */
	}
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

int wgx_kube_node_parse(json_object *node, struct wgx_kube_node *out)
{
	const char *name = str_of(path(node, "metadata", "name"));
	const char *ka = annotation(node, WGX_KUBE_ANN_KEEPALIVE);
	json_object *cidrs = path(node, "spec", "podCIDRs");
	uint8_t key[WGX_KEY_LEN];
	size_t len = 0, count = 0;
	bool prefixes_ok = true;

	memset(out, 0, sizeof(*out));
	if (!name || !*name)
		return -EINVAL;
	out->name = strdup(name);
	out->key = dup_or_empty(annotation(node, WGX_KUBE_ANN_KEY));
	out->endpoint = dup_or_empty(annotation(node, WGX_KUBE_ANN_ENDPOINT));
	out->allowed_ips = strdup("");
	if (!out->name || !out->key || !out->endpoint || !out->allowed_ips) {
		wgx_kube_node_free(out);
		return -ENOMEM;
	}
	internal_ip(node, out->internal_ip);
	if (json_object_is_type(cidrs, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(cidrs); i++) {
			const char *c = str_of(json_object_array_get_idx(cidrs, i));

			prefixes_ok = prefixes_ok && c && add_prefixes(&out->allowed_ips, &len, &count, c);
		}
	} else if (str_of(path(node, "spec", "podCIDR"))) {
		prefixes_ok = add_prefixes(&out->allowed_ips, &len, &count,
					   str_of(path(node, "spec", "podCIDR")));
	}
	if (!out->key[0])
		return 0; /* not a wg-xdp node: nothing more to judge */
	if (wgx_key_from_base64(key, out->key, strlen(out->key)))
		out->invalid = "invalid " WGX_KUBE_ANN_KEY " (not a base64 32-byte key)";
	else if (out->endpoint[0] && !endpoint_valid(out->endpoint))
		out->invalid = "invalid " WGX_KUBE_ANN_ENDPOINT " (want IPv4:port or [IPv6]:port)";
	else if (!prefixes_ok)
		out->invalid = "invalid prefix in spec.podCIDRs / spec.podCIDR";
	else if (annotation(node, WGX_KUBE_ANN_ALLOWED) &&
		 !add_prefixes(&out->allowed_ips, &len, &count, annotation(node, WGX_KUBE_ANN_ALLOWED)))
		out->invalid = "invalid " WGX_KUBE_ANN_ALLOWED " (want comma-separated ADDR/LEN)";
	if (ka && !out->invalid) {
		char *end;
		long v = strtol(ka, &end, 10);

		if (!*ka || *end || v < 0 || v > 65535)
			out->invalid = "invalid " WGX_KUBE_ANN_KEEPALIVE " (want 0-65535 seconds)";
		else
			out->keepalive = (unsigned int)v;
	}
	return 0;
}

/* ---- the set of nodes, sorted by name ---- */

static size_t lower_bound(const struct wgx_kube_nodes *ns, const char *name)
{
	size_t lo = 0, hi = ns->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(ns->v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct wgx_kube_node *wgx_kube_nodes_get(const struct wgx_kube_nodes *ns, const char *name)
{
	size_t i = lower_bound(ns, name);

	return i < ns->n && !strcmp(ns->v[i].name, name) ? &ns->v[i] : NULL;
}

int wgx_kube_nodes_put(struct wgx_kube_nodes *ns, struct wgx_kube_node *n)
{
	size_t i = lower_bound(ns, n->name);

	if (i < ns->n && !strcmp(ns->v[i].name, n->name)) {
		wgx_kube_node_free(&ns->v[i]);
		ns->v[i] = *n;
		memset(n, 0, sizeof(*n));
		return 0;
	}
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 64;
		struct wgx_kube_node *v = realloc(ns->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ns->v = v;
		ns->cap = cap;
	}
	memmove(&ns->v[i + 1], &ns->v[i], (ns->n - i) * sizeof(*ns->v));
	ns->v[i] = *n;
	ns->n++;
	memset(n, 0, sizeof(*n));
	return 0;
}

void wgx_kube_nodes_del(struct wgx_kube_nodes *ns, const char *name)
{
	size_t i = lower_bound(ns, name);

	if (i >= ns->n || strcmp(ns->v[i].name, name))
		return;
	wgx_kube_node_free(&ns->v[i]);
	memmove(&ns->v[i], &ns->v[i + 1], (ns->n - i - 1) * sizeof(*ns->v));
	ns->n--;
}

void wgx_kube_nodes_free(struct wgx_kube_nodes *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		wgx_kube_node_free(&ns->v[i]);
	free(ns->v);
	memset(ns, 0, sizeof(*ns));
}

/* ---- rendering ---- */

/* A key or a prefix of node idx, for finding what two nodes claim. */
struct claim {
	struct wgx_uapi_cidr c; /* family 0: a key claim (key[]), else a prefix */
	uint8_t key[WGX_KEY_LEN];
	size_t idx;
};

static int claim_cmp(const void *a, const void *b)
{
	const struct claim *x = a, *y = b;
	int r = wgx_agent_cidr_cmp(&x->c, &y->c);

	if (!r)
		r = memcmp(x->key, y->key, WGX_KEY_LEN);
	if (!r)
		r = x->idx < y->idx ? -1 : x->idx > y->idx;
	return r;
}

static void skip(struct wgx_kube_render *out, const char *node, const char *fmt, const char *arg)
{
	if (out->skipped < WGX_KUBE_SKIPS_SHOWN) {
		struct wgx_kube_skip *s = &out->skips[out->skipped];

		snprintf(s->node, sizeof(s->node), "%s", node);
		snprintf(s->reason, sizeof(s->reason), fmt, arg);
	}
	out->skipped++;
}

/* Mark (in why[]) the later node of every pair claiming the same key or prefix. */
static int find_conflicts(const struct wgx_kube_nodes *ns, const bool *cand, const char **why,
			  size_t *other)
{
	size_t n = 0, cap = 0;
	struct claim *cl;

	for (size_t i = 0; i < ns->n; i++)
		if (cand[i])
			cap += 1 + PREFIXES_MAX;
	if (!cap)
		return 0;
	cl = calloc(cap, sizeof(*cl));
	if (!cl)
		return -ENOMEM;
	for (size_t i = 0; i < ns->n; i++) {
		const char *p = ns->v[i].allowed_ips;

		if (!cand[i])
			continue;
		cl[n].idx = i;
		wgx_key_from_base64(cl[n++].key, ns->v[i].key, strlen(ns->v[i].key));
		while (*p) {
			size_t len;

			p += strspn(p, ", ");
			len = strcspn(p, ", ");
			if (len && !parse_prefix(p, len, &cl[n].c))
				cl[n++].idx = i;
			p += len;
		}
	}
	qsort(cl, n, sizeof(*cl), claim_cmp);
	for (size_t i = 1; i < n; i++) {
		struct claim a = cl[i - 1], b = cl[i];

		a.idx = b.idx = 0;
		if (claim_cmp(&a, &b) || cl[i - 1].idx == cl[i].idx || why[cl[i].idx])
			continue;
		why[cl[i].idx] = cl[i].c.family ? "a prefix of node %s" : "the public key of node %s";
		other[cl[i].idx] = cl[i - 1].idx;
	}
	free(cl);
	return 0;
}

static int append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -EINVAL;
		if (*len + (size_t)n < *cap)
			break;
		char *grown = realloc(*buf, *cap * 2 + (size_t)n);

		if (!grown)
			return -ENOMEM;
		*buf = grown;
		*cap = *cap * 2 + (size_t)n;
	}
	*len += (size_t)n;
	return 0;
}

int wgx_kube_nodes_render(const struct wgx_kube_nodes *ns, const char *self,
			  struct wgx_kube_render *out)
{
	bool *cand = calloc(ns->n + 1, sizeof(*cand));
	const char **why = calloc(ns->n + 1, sizeof(*why));
	size_t *other = calloc(ns->n + 1, sizeof(*other)), len = 0, cap = 4096;
	int ret = -ENOMEM;

	memset(out, 0, sizeof(*out));
	out->nodes = ns->n;
	out->text = malloc(cap);
	if (!cand || !why || !other || !out->text)
		goto out;
	out->text[0] = '\0';
	for (size_t i = 0; i < ns->n; i++) {
		const struct wgx_kube_node *n = &ns->v[i];

		if (self && !strcmp(n->name, self))
			continue;
		if (!n->key[0]) {
			out->unannotated++;
			continue;
		}
		if (n->invalid)
			skip(out, n->name, "%s", n->invalid);
		else
			cand[i] = true;
	}
	ret = find_conflicts(ns, cand, why, other);
	for (size_t i = 0; !ret && i < ns->n; i++) {
		const struct wgx_kube_node *n = &ns->v[i];

		if (!cand[i])
			continue;
		if (why[i]) {
			skip(out, n->name, why[i], ns->v[other[i]].name);
			continue;
		}
		ret = append(&out->text, &len, &cap, "[Peer]\n# friendly_name=%.63s\nPublicKey = %s\n",
			     n->name, n->key);
		if (!ret && n->allowed_ips[0])
			ret = append(&out->text, &len, &cap, "AllowedIPs = %s\n", n->allowed_ips);
		if (!ret && n->endpoint[0])
			ret = append(&out->text, &len, &cap, "Endpoint = %s\n", n->endpoint);
		if (!ret && n->keepalive)
			ret = append(&out->text, &len, &cap, "PersistentKeepalive = %u\n", n->keepalive);
		if (!ret)
			ret = append(&out->text, &len, &cap, "\n");
		out->peers++;
	}
out:
	free(cand);
	free(why);
	free(other);
	if (ret) {
		free(out->text);
		out->text = NULL;
	}
	return ret;
}

char *wgx_kube_node_patch(const struct wgx_kube_node *node, const char *key, const char *endpoint)
{
	json_object *patch, *meta, *ann;
	char *out;

	if (!strcmp(node->key, key) && (!endpoint || !strcmp(node->endpoint, endpoint)))
		return NULL;
	patch = json_object_new_object();
	meta = json_object_new_object();
	ann = json_object_new_object();
	json_object_object_add(ann, WGX_KUBE_ANN_KEY, json_object_new_string(key));
	if (endpoint)
		json_object_object_add(ann, WGX_KUBE_ANN_ENDPOINT, json_object_new_string(endpoint));
	json_object_object_add(meta, "annotations", ann);
	json_object_object_add(patch, "metadata", meta);
	out = strdup(json_object_to_json_string_ext(patch, JSON_C_TO_STRING_PLAIN));
	json_object_put(patch);
	return out;
}
