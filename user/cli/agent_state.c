// SPDX-License-Identifier: MIT
/* Desired (config file) and running ("get=1") states of `wg-xdp agent`. */
#include "cli/agent_state.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control/config.h"
#include "core/keys.h"

int wgx_agent_cidr_cmp(const struct wgx_uapi_cidr *a, const struct wgx_uapi_cidr *b)
{
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	r = memcmp(a->addr, b->addr, sizeof(a->addr));
	if (r)
		return r;
	return (int)a->cidr - (int)b->cidr;
}

static int cidr_qsort_cmp(const void *a, const void *b)
{
	return wgx_agent_cidr_cmp(a, b);
}

static int peer_qsort_cmp(const void *a, const void *b)
{
	const struct wgx_uapi_peer_change *pa = a, *pb = b;

	return memcmp(pa->public_key, pb->public_key, WGX_KEY_LEN);
}

static void sort_cidrs(struct wgx_uapi_peer_change *p)
{
	size_t n = 0;

	if (!p->n_allowed_ips)
		return;
	qsort(p->allowed_ips, p->n_allowed_ips, sizeof(*p->allowed_ips), cidr_qsort_cmp);
	for (size_t i = 0; i < p->n_allowed_ips; i++) {
		p->allowed_ips[i].remove = false;
		if (n && !wgx_agent_cidr_cmp(&p->allowed_ips[n - 1], &p->allowed_ips[i]))
			continue;
		p->allowed_ips[n++] = p->allowed_ips[i];
	}
	p->n_allowed_ips = n;
}

void wgx_agent_set_sort(struct wgx_uapi_set *s)
{
	for (size_t i = 0; i < s->n_peers; i++)
		sort_cidrs(&s->peers[i]);
	if (s->n_peers > 1)
		qsort(s->peers, s->n_peers, sizeof(*s->peers), peer_qsort_cmp);
}

_Static_assert(offsetof(struct wgx_uapi_peer_change, public_key) == 0, "key first: bsearch");

/* bsearch() comparator: elements begin with their public key. */
int wgx_agent_key_cmp(const void *key, const void *elem)
{
	return memcmp(key, elem, WGX_KEY_LEN);
}

struct wgx_uapi_peer_change *wgx_agent_set_find(const struct wgx_uapi_set *s,
						const uint8_t key[WGX_KEY_LEN])
{
	if (!s->n_peers)
		return NULL;
	return bsearch(key, s->peers, s->n_peers, sizeof(*s->peers), wgx_agent_key_cmp);
}

/* ---- desired state ---- */

/* Copy line into out without any whitespace (config.c's rule); returns out. */
static char *squeeze(char *out, size_t size, const char *line, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < size; i++)
		if (!isspace((unsigned char)line[i]))
			out[n++] = line[i];
	out[n] = '\0';
	return out;
}

static int set_name(struct wgx_agent_desired *d, size_t peer, const char *v, char *err,
		    size_t errlen, unsigned int lineno)
{
	size_t len = strlen(v);

	if (!len || len >= WGX_AGENT_NAME_MAX) {
		snprintf(err, errlen, "line %u: friendly_name must be 1..%d characters", lineno,
			 WGX_AGENT_NAME_MAX - 1);
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++)
		if (!isgraph((unsigned char)v[i])) {
			snprintf(err, errlen, "line %u: friendly_name has a non-printable character",
				 lineno);
			return -EINVAL;
		}
	memcpy(d->names[peer], v, len + 1);
	return 0;
}

/*
 * Second pass over the text: which [Interface] keys are named, and the
 * friendly names. The text already passed wgx_config_parse(), so every
 * [Peer] header made exactly one peer entry, in order.
 */
static int scan_extras(const char *text, struct wgx_agent_desired *d, char *err, size_t errlen)
{
	enum { NONE, IFACE, PEER } section = NONE;
	size_t peer = 0;
	unsigned int lineno = 0;

	for (const char *line = text; *line; ) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		const char *hash = memchr(line, '#', len);
		char buf[256];

		lineno++;
		squeeze(buf, sizeof(buf), line, hash ? (size_t)(hash - line) : len);
		if (!strcasecmp(buf, "[Interface]")) {
			section = IFACE;
		} else if (!strcasecmp(buf, "[Peer]")) {
			if (section == PEER)
				peer++;
			section = PEER;
		} else if (section == IFACE) {
			if (!strncasecmp(buf, "PrivateKey=", 11))
				d->manage_private_key = true;
			else if (!strncasecmp(buf, "ListenPort=", 11))
				d->manage_listen_port = true;
			else if (!strncasecmp(buf, "FwMark=", 7))
				d->manage_fwmark = true;
		}
		if (hash && section == PEER && peer < d->set.n_peers) {
			squeeze(buf, sizeof(buf), hash + 1, len - (size_t)(hash - line) - 1);
			if (!strncmp(buf, "friendly_name=", 14)) {
				int ret = set_name(d, peer, buf + 14, err, errlen, lineno);

				if (ret)
					return ret;
			}
		}
		sodium_memzero(buf, sizeof(buf));
		line += len + (nl ? 1 : 0);
	}
	return 0;
}

struct named_peer {
	struct wgx_uapi_peer_change p;
	char name[WGX_AGENT_NAME_MAX];
};

static int named_qsort_cmp(const void *a, const void *b)
{
	return peer_qsort_cmp(&((const struct named_peer *)a)->p, &((const struct named_peer *)b)->p);
}

/* Sort peers and names together (the names array is parallel to peers). */
static int sort_desired(struct wgx_agent_desired *d)
{
	size_t n = d->set.n_peers;
	struct named_peer *tmp;

	for (size_t i = 0; i < n; i++)
		sort_cidrs(&d->set.peers[i]);
	if (n < 2)
		return 0;
	tmp = calloc(n, sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		tmp[i].p = d->set.peers[i];
		memcpy(tmp[i].name, d->names[i], sizeof(tmp[i].name));
	}
	qsort(tmp, n, sizeof(*tmp), named_qsort_cmp);
	for (size_t i = 0; i < n; i++) {
		d->set.peers[i] = tmp[i].p;
		memcpy(d->names[i], tmp[i].name, sizeof(tmp[i].name));
	}
	sodium_memzero(tmp, n * sizeof(*tmp)); /* copies of preshared keys */
	free(tmp);
	return 0;
}

struct owned_cidr {
	struct wgx_uapi_cidr c;
	size_t peer;
};

static int owned_qsort_cmp(const void *a, const void *b)
{
	return wgx_agent_cidr_cmp(&((const struct owned_cidr *)a)->c,
				  &((const struct owned_cidr *)b)->c);
}

/* Reject what a full desired state cannot mean; peers are sorted already. */
static int validate(const struct wgx_agent_desired *d, char *err, size_t errlen)
{
	const struct wgx_uapi_set *s = &d->set;
	struct owned_cidr *all;
	size_t total = 0, n = 0;
	int ret = 0;

	for (size_t i = 0; i < s->n_peers; i++) {
		char b64[WGX_KEY_B64_LEN + 1];

		if (i && !memcmp(s->peers[i - 1].public_key, s->peers[i].public_key, WGX_KEY_LEN)) {
			wgx_key_to_base64(b64, s->peers[i].public_key);
			snprintf(err, errlen, "peer %s appears in two [Peer] sections", b64);
			return -EINVAL;
		}
		if (!s->peers[i].replace_allowed_ips) {
			wgx_key_to_base64(b64, s->peers[i].public_key);
			snprintf(err, errlen,
				 "peer %s: incremental AllowedIPs (+/-) cannot describe a desired state",
				 b64);
			return -EINVAL;
		}
		total += s->peers[i].n_allowed_ips;
	}
	if (!total)
		return 0;
	all = malloc(total * sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_peers; i++)
		for (size_t j = 0; j < s->peers[i].n_allowed_ips; j++)
			all[n++] = (struct owned_cidr){ s->peers[i].allowed_ips[j], i };
	qsort(all, n, sizeof(*all), owned_qsort_cmp);
	for (size_t i = 1; i < n; i++) {
		char addr[46], k1[WGX_KEY_B64_LEN + 1], k2[WGX_KEY_B64_LEN + 1];

		if (wgx_agent_cidr_cmp(&all[i - 1].c, &all[i].c))
			continue;
		wgx_uapi_format_addr(addr, all[i].c.family, all[i].c.addr);
		wgx_key_to_base64(k1, s->peers[all[i - 1].peer].public_key);
		wgx_key_to_base64(k2, s->peers[all[i].peer].public_key);
		snprintf(err, errlen, "allowed IP %s/%u is in two peers (%s and %s)", addr,
			 all[i].c.cidr, k1, k2);
		ret = -EINVAL;
		break;
	}
	free(all);
	return ret;
}

int wgx_agent_desired_parse(const char *text, struct wgx_agent_desired *out, char *err,
			    size_t errlen)
{
	int ret;

	memset(out, 0, sizeof(*out));
	ret = wgx_config_parse(text, false, &out->set, err, errlen);
	if (ret)
		return ret;
	out->names = calloc(out->set.n_peers ? out->set.n_peers : 1, sizeof(*out->names));
	if (!out->names)
		return -ENOMEM;
	ret = scan_extras(text, out, err, errlen);
	if (!ret)
		ret = sort_desired(out);
	if (!ret)
		ret = validate(out, err, errlen);
	return ret;
}

void wgx_agent_desired_free(struct wgx_agent_desired *d)
{
	if (!d)
		return;
	wgx_uapi_set_free(&d->set);
	free(d->names);
	memset(d, 0, sizeof(*d));
}

int wgx_agent_desired_merge(struct wgx_agent_desired *d, struct wgx_agent_desired *from,
			    size_t *shadowed, char *err, size_t errlen)
{
	size_t n = d->set.n_peers, add = from->set.n_peers;
	struct wgx_uapi_peer_change *peers;
	char (*names)[WGX_AGENT_NAME_MAX];

	*shadowed = 0;
	if (n + add > WGX_UAPI_MAX_PEERS)
		return -E2BIG;
	peers = realloc(d->set.peers, (n + add + 1) * sizeof(*peers));
	if (!peers)
		return -ENOMEM;
	d->set.peers = peers;
	d->set.cap_peers = n + add + 1;
	names = realloc(d->names, (n + add + 1) * sizeof(*names));
	if (!names)
		return -ENOMEM;
	d->names = names;
	for (size_t i = 0; i < add; i++) {
		struct wgx_uapi_peer_change *p = &from->set.peers[i];

		if (n && bsearch(p->public_key, d->set.peers, n, sizeof(*p), wgx_agent_key_cmp)) {
			++*shadowed;
			continue;
		}
		d->set.peers[d->set.n_peers] = *p;
		memcpy(d->names[d->set.n_peers++], from->names[i], WGX_AGENT_NAME_MAX);
		d->set.total_allowed_ips += p->n_allowed_ips;
		p->allowed_ips = NULL; /* moved */
		p->n_allowed_ips = 0;
	}
	if (sort_desired(d))
		return -ENOMEM;
	return validate(d, err, errlen);
}

/* ---- running state ---- */

/* Keys of a "get=1" answer that a "set=1" body does not take. */
static bool get_only_key(const char *line, size_t len)
{
	static const char *const keys[] = { "last_handshake_time_sec=", "last_handshake_time_nsec=",
					    "tx_bytes=", "rx_bytes=", "errno=" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t kl = strlen(keys[i]);

		if (len >= kl && !memcmp(line, keys[i], kl))
			return true;
	}
	return false;
}

/*
 * The get answer uses the set protocol's keys for everything a set can say,
 * so the answer minus its counters is a valid set body: parse it with the
 * UAPI parser itself rather than a second one.
 */
int wgx_agent_running_parse(const char *reply, struct wgx_uapi_set *out)
{
	size_t len = strlen(reply), n = 0;
	const char *errno_line;
	char *body;
	int ret;

	memset(out, 0, sizeof(*out));
	if (len < 2 || strcmp(reply + len - 2, "\n\n"))
		return -EPROTO;
	errno_line = strstr(reply, "errno=");
	if (!errno_line || (errno_line != reply && errno_line[-1] != '\n'))
		return -EPROTO;
	if (strncmp(errno_line, "errno=0\n", 8))
		return -EIO;
	body = malloc(len + 1);
	if (!body)
		return -ENOMEM;
	for (const char *line = reply; line < reply + len; ) {
		const char *nl = strchr(line, '\n');
		size_t ll = (size_t)(nl - line);

		if (ll && !get_only_key(line, ll)) {
			memcpy(body + n, line, ll + 1);
			n += ll + 1;
		}
		line = nl + 1;
	}
	body[n] = '\0';
	ret = wgx_uapi_parse_set(body, n, out);
	sodium_memzero(body, len + 1);
	free(body);
	if (ret)
		return ret == -ENOMEM ? ret : -EPROTO;
	for (size_t i = 0; i < out->n_peers; i++) {
		out->peers[i].has_psk = true;
		out->peers[i].has_keepalive = true;
	}
	wgx_agent_set_sort(out);
	return 0;
}
