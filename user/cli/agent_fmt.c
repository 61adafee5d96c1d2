// SPDX-License-Identifier: MIT
/* Change set -> "set=1" request text (agent_fmt.h). */
#include "cli/agent_fmt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/uapi.h"
#include "core/keys.h"

/* Upper bounds of the text per element, so the buffer is sized once (no realloc copies of keys). */
#define DEVICE_MAX 256
#define PEER_MAX 400
#define CIDR_MAX 64

struct out {
	char *p;
	size_t len, cap;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static void put_key(struct out *o, const char *name, const uint8_t key[WGX_KEY_LEN])
{
	char hex[WGX_KEY_HEX_LEN + 1];

	wgx_key_to_hex(hex, key);
	put(o, "%s=%s\n", name, hex);
	sodium_memzero(hex, sizeof(hex));
}

static void put_endpoint(struct out *o, const struct sockaddr_storage *ss)
{
	char addr[46];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		wgx_uapi_format_addr(addr, AF_INET, (const uint8_t *)&sin->sin_addr);
		put(o, "endpoint=%s:%u\n", addr, ntohs(sin->sin_port));
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		wgx_uapi_format_addr(addr, AF_INET6, (const uint8_t *)&sin6->sin6_addr);
		if (sin6->sin6_scope_id)
			put(o, "endpoint=[%s%%%" PRIu32 "]:%u\n", addr, sin6->sin6_scope_id,
			    ntohs(sin6->sin6_port));
		else
			put(o, "endpoint=[%s]:%u\n", addr, ntohs(sin6->sin6_port));
	}
}

static void put_peer(struct out *o, const struct wgx_uapi_peer_change *p)
{
	char addr[46];

	put_key(o, "public_key", p->public_key);
	if (p->remove) {
		put(o, "remove=true\n");
		return;
	}
	if (p->update_only)
		put(o, "update_only=true\n");
	if (p->has_psk)
		put_key(o, "preshared_key", p->preshared_key);
	if (p->has_endpoint)
		put_endpoint(o, &p->endpoint);
	if (p->has_keepalive)
		put(o, "persistent_keepalive_interval=%u\n", p->persistent_keepalive);
	if (p->replace_allowed_ips)
		put(o, "replace_allowed_ips=true\n");
	for (size_t i = 0; i < p->n_allowed_ips; i++) {
		const struct wgx_uapi_cidr *c = &p->allowed_ips[i];

		wgx_uapi_format_addr(addr, c->family, c->addr);
		put(o, "allowed_ip=%s%s/%u\n", c->remove ? "-" : "", addr, c->cidr);
	}
}

int wgx_agent_format_set(const struct wgx_uapi_set *s, char **out, size_t *len)
{
	struct out o = { .cap = DEVICE_MAX + 1 };

	for (size_t i = 0; i < s->n_peers; i++)
		o.cap += PEER_MAX + CIDR_MAX * s->peers[i].n_allowed_ips;
	o.p = malloc(o.cap);
	if (!o.p)
		return -ENOMEM;
	o.p[0] = '\0';
	put(&o, "set=1\n");
	if (s->has_private_key)
		put_key(&o, "private_key", s->private_key);
	if (s->has_listen_port)
		put(&o, "listen_port=%u\n", s->listen_port);
	if (s->has_fwmark)
		put(&o, "fwmark=%" PRIu32 "\n", s->fwmark);
	for (size_t i = 0; i < s->n_peers; i++)
		put_peer(&o, &s->peers[i]);
	put(&o, "\n");
	*out = o.p;
	*len = o.len;
	return 0;
}
