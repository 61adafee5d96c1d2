// SPDX-License-Identifier: MIT
/*
 * "set=1" request parsing. Every value is checked the way wireguard-go checks
 * it (Go's strconv.ParseUint, netip.ParseAddrPort, netip.ParsePrefix and
 * hex.DecodeString), so the same request gets the same errno.
 */
#include "control/uapi.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/keys.h"

struct span {
	const char *p;
	size_t len;
};

static bool span_is(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len == n && memcmp(s.p, lit, n) == 0;
}

/* Copy s into a NUL-terminated buffer; fails on NUL bytes or overflow. */
static int span_cstr(struct span s, char *buf, size_t size)
{
	if (s.len >= size || memchr(s.p, '\0', s.len))
		return -EINVAL;
	memcpy(buf, s.p, s.len);
	buf[s.len] = '\0';
	return 0;
}

/* Go's strconv.ParseUint(s, 10, bits): digits only, leading zeros allowed. */
static int parse_uint(struct span s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s.len == 0)
		return -EINVAL;
	for (size_t i = 0; i < s.len; i++) {
		unsigned d = (unsigned char)s.p[i] - '0';

		if (d > 9 || v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int wgx_uapi_parse_addr(const char *s, size_t len, uint8_t addr[16])
{
	char buf[INET6_ADDRSTRLEN];
	struct span sp = { s, len };

	if (span_cstr(sp, buf, sizeof(buf)))
		return -EINVAL;
	if (memchr(buf, ':', len))
		return inet_pton(AF_INET6, buf, addr) == 1 ? AF_INET6 : -EINVAL;
	return inet_pton(AF_INET, buf, addr) == 1 ? AF_INET : -EINVAL;
}

/* "a.b.c.d:port", "[v6]:port" or "[v6%zone]:port", as netip.ParseAddrPort. */
static int parse_endpoint(struct span v, struct sockaddr_storage *ss)
{
	const char *colon = NULL, *zone;
	struct span host, port, zname = { NULL, 0 };
	uint8_t addr[16];
	uint64_t portnum, scope = 0;
	bool bracketed = false;
	int family;

	for (size_t i = v.len; i-- > 0;) {
		if (v.p[i] == ':') {
			colon = &v.p[i];
			break;
		}
	}
	if (!colon)
		return -EINVAL;
	host = (struct span){ v.p, (size_t)(colon - v.p) };
	port = (struct span){ colon + 1, v.len - host.len - 1 };
	if (host.len == 0 || parse_uint(port, 0xffff, &portnum))
		return -EINVAL;
	if (host.p[0] == '[') {
		if (host.len < 2 || host.p[host.len - 1] != ']')
			return -EINVAL;
		host = (struct span){ host.p + 1, host.len - 2 };
		bracketed = true;
	}
	zone = memchr(host.p, '%', host.len);
	if (zone) {
		zname = (struct span){ zone + 1, host.len - (size_t)(zone - host.p) - 1 };
		host.len = (size_t)(zone - host.p);
	}
	family = wgx_uapi_parse_addr(host.p, host.len, addr);
	if (family < 0 || bracketed != (family == AF_INET6))
		return -EINVAL;
	if (zone) {
		char name[IF_NAMESIZE];

		if (family != AF_INET6 || zname.len == 0)
			return -EINVAL;
		if (parse_uint(zname, UINT32_MAX, &scope)) {
			if (span_cstr(zname, name, sizeof(name)))
				return -EINVAL;
			scope = if_nametoindex(name);
			if (!scope)
				return -EINVAL;
		}
	}
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)portnum);
		memcpy(&sin->sin_addr, addr, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)portnum);
		memcpy(&sin6->sin6_addr, addr, 16);
		sin6->sin6_scope_id = (uint32_t)scope;
	}
	return 0;
}

/* "PREFIX/BITS" or "-PREFIX/BITS", as netip.ParsePrefix (no zone, no "/01"). */
static int parse_allowed_ip(struct span v, struct wgx_uapi_cidr *c)
{
	const char *slash = NULL;
	struct span bits;
	uint64_t n;
	int family;

	memset(c, 0, sizeof(*c));
	if (v.len && v.p[0] == '-') {
		c->remove = true;
		v.p++;
		v.len--;
	}
	for (size_t i = v.len; i-- > 0;) {
		if (v.p[i] == '/') {
			slash = &v.p[i];
			break;
		}
	}
	if (!slash)
		return -EINVAL;
	bits = (struct span){ slash + 1, v.len - (size_t)(slash - v.p) - 1 };
	if (bits.len > 1 && bits.p[0] == '0')
		return -EINVAL;
	family = wgx_uapi_parse_addr(v.p, (size_t)(slash - v.p), c->addr);
	if (family < 0 || parse_uint(bits, family == AF_INET ? 32 : 128, &n))
		return -EINVAL;
	c->family = family;
	c->cidr = (uint8_t)n;
	return 0;
}

static int parse_true(struct span v, bool *flag)
{
	if (!span_is(v, "true"))
		return -EINVAL;
	*flag = true;
	return 0;
}

static int device_line(struct wgx_uapi_set *s, struct span key, struct span v)
{
	uint64_t n;

	if (span_is(key, "private_key")) {
		if (wgx_key_from_hex(s->private_key, v.p, v.len))
			return -EINVAL;
		s->has_private_key = true;
	} else if (span_is(key, "listen_port")) {
		if (parse_uint(v, 0xffff, &n))
			return -EINVAL;
		s->listen_port = (uint16_t)n;
		s->has_listen_port = true;
	} else if (span_is(key, "fwmark")) {
		if (parse_uint(v, UINT32_MAX, &n))
			return -EINVAL;
		s->fwmark = (uint32_t)n;
		s->has_fwmark = true;
	} else if (span_is(key, "replace_peers")) {
		return parse_true(v, &s->replace_peers);
	} else {
		return -EINVAL;
	}
	return 0;
}

static int peer_line(struct wgx_uapi_set *s, struct wgx_uapi_peer_change *p, struct span key,
		     struct span v)
{
	struct wgx_uapi_cidr c;
	uint64_t n;

	if (span_is(key, "update_only"))
		return parse_true(v, &p->update_only);
	if (span_is(key, "remove"))
		return parse_true(v, &p->remove);
	if (span_is(key, "preshared_key")) {
		if (wgx_key_from_hex(p->preshared_key, v.p, v.len))
			return -EINVAL;
		p->has_psk = true;
	} else if (span_is(key, "endpoint")) {
		if (parse_endpoint(v, &p->endpoint))
			return -EINVAL;
		p->has_endpoint = true;
	} else if (span_is(key, "persistent_keepalive_interval")) {
		if (parse_uint(v, 0xffff, &n))
			return -EINVAL;
		p->persistent_keepalive = (uint16_t)n;
		p->has_keepalive = true;
	} else if (span_is(key, "replace_allowed_ips")) {
		if (parse_true(v, &p->replace_allowed_ips))
			return -EINVAL;
		/* Lines before it are undone by it, as in wireguard-go. */
		wgx_uapi_peer_clear_cidrs(s, p);
	} else if (span_is(key, "allowed_ip")) {
		if (parse_allowed_ip(v, &c))
			return -EINVAL;
		return wgx_uapi_peer_add_cidr(s, p, &c);
	} else if (span_is(key, "protocol_version")) {
		if (!span_is(v, "1"))
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	return 0;
}

/* After remove=true wireguard-go ignores the rest of the block: so do we. */
static void finish_peer(struct wgx_uapi_set *s, struct wgx_uapi_peer_change *p)
{
	if (!p || !p->remove)
		return;
	wgx_uapi_peer_clear_cidrs(s, p);
	sodium_memzero(p->preshared_key, sizeof(p->preshared_key));
	p->has_psk = p->has_endpoint = p->has_keepalive = p->replace_allowed_ips = false;
	p->update_only = false;
}

int wgx_uapi_parse_set(const char *body, size_t len, struct wgx_uapi_set *out)
{
	struct wgx_uapi_peer_change *peer = NULL;
	size_t pos = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	while (pos < len) {
		const char *line = body + pos, *nl = memchr(line, '\n', len - pos), *eq;
		size_t line_len = nl ? (size_t)(nl - line) : len - pos;
		struct span key, value;

		if (line_len > WGX_UAPI_MAX_LINE)
			return -EIO;
		if (!nl)
			return -EPROTO;
		pos += line_len + 1;
		if (line_len == 0) {
			/* The terminating blank line: it must be the last. */
			if (pos != len)
				return -EPROTO;
			break;
		}
		eq = memchr(line, '=', line_len);
		if (!eq)
			return -EPROTO;
		key = (struct span){ line, (size_t)(eq - line) };
		value = (struct span){ eq + 1, line_len - key.len - 1 };

		if (span_is(key, "public_key")) {
			uint8_t pub[WGX_KEY_LEN];

			if (wgx_key_from_hex(pub, value.p, value.len))
				return -EINVAL;
			finish_peer(out, peer);
			ret = wgx_uapi_set_add_peer(out, pub, &peer);
		} else if (peer) {
			ret = peer_line(out, peer, key, value);
		} else {
			ret = device_line(out, key, value);
		}
		if (ret)
			return ret;
	}
	finish_peer(out, peer);
	return 0;
}
