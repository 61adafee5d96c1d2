// SPDX-License-Identifier: MIT
#include "control/config.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/keys.h"
#include "core/secret.h"

struct cfg_ctx {
	struct wgx_uapi_set *set;
	struct wgx_config_own *own; /* NULL: wg setconf's keys only */
	bool allow_wg_quick;
	enum { SECTION_NONE, SECTION_INTERFACE, SECTION_PEER } section;
	struct wgx_uapi_peer_change *peer; /* the current [Peer] */
	bool peer_has_key;
	unsigned int peer_line; /* line of the current [Peer] header */
	unsigned int line;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 3, 4)))
fail(struct cfg_ctx *c, unsigned int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->errlen) {
		n = snprintf(c->err, c->errlen, "line %u: ", line);
		if (n >= 0 && (size_t)n < c->errlen) {
			va_start(ap, fmt);
			vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return -EINVAL;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' || ch == '\r';
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* "Key=value" with key matched case-insensitively; NULL if no or empty value. */
static char *key_value(char *line, const char *key)
{
	size_t n = strlen(key);

	if (strncasecmp(line, key, n) || line[n] != '=' || !line[n + 1])
		return NULL;
	return line + n + 1;
}

static int parse_key(struct cfg_ctx *c, uint8_t key[WGX_KEY_LEN], const char *v, const char *what)
{
	if (wgx_key_from_base64(key, v, strlen(v)))
		return fail(c, c->line, "%s is not a 44-character base64 key", what);
	return 0;
}

/*
 * A bad value as an error message may quote it: never one as long as a key
 * (44 characters) or longer, which could be a key on the wrong line.
 */
static const char *shown(const char *v)
{
	return strlen(v) < WGX_KEY_B64_LEN ? v : "(a long value, not shown: it may be a key)";
}

static int parse_listen_port(struct cfg_ctx *c, const char *v)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_PASSIVE }, *res;
	unsigned long port;
	char *end;

	if (is_digit(v[0])) {
		port = strtoul(v, &end, 10);
		if (*end || port > 65535)
			return fail(c, c->line, "ListenPort is not 0-65535: `%s'", shown(v));
	} else {
		/* A service name, as `wg` allows through getaddrinfo(). */
		if (getaddrinfo(NULL, v, &hints, &res))
			return fail(c, c->line, "ListenPort is not a port or service: `%s'", shown(v));
		port = ntohs(((struct sockaddr_in *)res->ai_addr)->sin_port);
		freeaddrinfo(res);
	}
	c->set->listen_port = (uint16_t)port;
	return 0;
}

static int parse_fwmark(struct cfg_ctx *c, const char *v)
{
	unsigned long mark = 0;
	char *end = NULL;

	if (strcasecmp(v, "off")) {
		if (!is_digit(v[0]))
			goto err;
		mark = strtoul(v, &end, strlen(v) > 2 && v[0] == '0' && v[1] == 'x' ? 16 : 10);
		if (*end || mark > UINT32_MAX)
			goto err;
	}
	c->set->fwmark = (uint32_t)mark;
	return 0;
err:
	return fail(c, c->line, "FwMark is neither 0/off nor 0-0xffffffff: `%s'", shown(v));
}

static int parse_keepalive(struct cfg_ctx *c, const char *v)
{
	unsigned long secs = 0;
	char *end;

	if (strcasecmp(v, "off")) {
		if (!is_digit(v[0]))
			goto err;
		secs = strtoul(v, &end, 10);
		if (*end || secs > 65535)
			goto err;
	}
	c->peer->persistent_keepalive = (uint16_t)secs;
	c->peer->has_keepalive = true;
	return 0;
err:
	return fail(c, c->line, "PersistentKeepalive is neither 0/off nor 1-65535: `%s'", shown(v));
}

/* "host:port" or "[host]:port", numeric first, then one name resolution. */
static int parse_endpoint(struct cfg_ctx *c, const char *v)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_protocol = IPPROTO_UDP,
				  .ai_flags = AI_NUMERICHOST }, *res = NULL;
	char *host = strdup(v), *node = host, *port, *end;
	int ret;

	if (!host)
		return -ENOMEM;
	if (host[0] == '[') {
		char *close = strchr(host, ']');

		if (!close) {
			ret = fail(c, c->line, "Endpoint has no matching ']': `%s'", shown(v));
			goto out;
		}
		*close = '\0';
		node = host + 1;
		port = close + 1;
		if (*port++ != ':' || !*port) {
			ret = fail(c, c->line, "Endpoint has no port: `%s'", shown(v));
			goto out;
		}
	} else {
		port = strrchr(host, ':');
		if (!port || !port[1]) {
			ret = fail(c, c->line, "Endpoint has no port: `%s'", shown(v));
			goto out;
		}
		*port++ = '\0';
	}
	/* glibc truncates numeric services above 65535 instead of failing. */
	if (is_digit(port[0]) && (strtoul(port, &end, 10) > 65535 || *end)) {
		ret = fail(c, c->line, "Endpoint port is not 0-65535: `%s'", shown(v));
		goto out;
	}
	ret = getaddrinfo(node, port, &hints, &res);
	if (ret == EAI_NONAME) {
		hints.ai_flags = 0;
		ret = getaddrinfo(node, port, &hints, &res);
	}
	if (ret) {
		ret = fail(c, c->line, "Endpoint `%s': %s", shown(v), gai_strerror(ret));
		goto out;
	}
	if (!((res->ai_family == AF_INET && res->ai_addrlen == sizeof(struct sockaddr_in)) ||
	      (res->ai_family == AF_INET6 && res->ai_addrlen == sizeof(struct sockaddr_in6)))) {
		ret = fail(c, c->line, "Endpoint `%s' is neither IPv4 nor IPv6", shown(v));
		goto out;
	}
	memset(&c->peer->endpoint, 0, sizeof(c->peer->endpoint));
	memcpy(&c->peer->endpoint, res->ai_addr, res->ai_addrlen);
	c->peer->has_endpoint = true;
	ret = 0;
out:
	if (res)
		freeaddrinfo(res);
	free(host);
	return ret;
}

/* One AllowedIPs entry: [+|-]ADDR[/BITS], BITS defaulting to the full length. */
static int parse_allowed_ip(struct cfg_ctx *c, char *entry)
{
	struct wgx_uapi_cidr cidr = { 0 };
	char *slash, *end;
	unsigned long bits;
	int family;

	if (entry[0] == '-' || entry[0] == '+') {
		cidr.remove = entry[0] == '-';
		c->peer->replace_allowed_ips = false;
		entry++;
	}
	slash = strchr(entry, '/');
	family = wgx_uapi_parse_addr(entry, slash ? (size_t)(slash - entry) : strlen(entry),
				     cidr.addr);
	if (family < 0)
		return fail(c, c->line, "AllowedIPs: unable to parse IP address: `%s'", entry);
	bits = family == AF_INET ? 32 : 128;
	if (slash) {
		if (!is_digit(slash[1]))
			goto err;
		bits = strtoul(slash + 1, &end, 10);
		if (*end || bits > (family == AF_INET ? 32u : 128u))
			goto err;
	}
	cidr.family = family;
	cidr.cidr = (uint8_t)bits;
	return wgx_uapi_peer_add_cidr(c->set, c->peer, &cidr);
err:
	return fail(c, c->line, "AllowedIPs entry is not in the correct format: `%s'", entry);
}

static int parse_allowed_ips(struct cfg_ctx *c, char *v)
{
	char *entry;
	int ret;

	c->peer->replace_allowed_ips = true;
	while ((entry = strsep(&v, ","))) {
		ret = parse_allowed_ip(c, entry);
		if (ret)
			return ret;
	}
	return 0;
}

/* Names the key of an unrecognized line, never its value: it may be a key. */
static int unrecognized(struct cfg_ctx *c, const char *line, const char *where)
{
	return fail(c, c->line, "Line unrecognized%s: `%.*s'", where, (int)strcspn(line, "="),
		    line);
}

static bool is_wg_quick_key(const char *line)
{
	static const char *const keys[] = { "Address", "DNS",	 "MTU",	     "Table",	  "PreUp",
					    "PostUp",  "PreDown", "PostDown", "SaveConfig" };
	size_t n;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		n = strlen(keys[i]);
		if (!strncasecmp(line, keys[i], n) && line[n] == '=')
			return true;
	}
	return false;
}

static int end_section(struct cfg_ctx *c)
{
	if (c->section == SECTION_PEER && !c->peer_has_key)
		return fail(c, c->peer_line, "[Peer] section has no PublicKey");
	return 0;
}

static int start_peer(struct cfg_ctx *c)
{
	static const uint8_t zero[WGX_KEY_LEN];
	int ret = wgx_uapi_set_add_peer(c->set, zero, &c->peer);

	if (ret)
		return ret;
	c->peer->replace_allowed_ips = true;
	c->peer_has_key = false;
	c->peer_line = c->line;
	c->section = SECTION_PEER;
	return 0;
}

/* An interface name, as the kernel takes one, or "auto"; the line has no whitespace left. */
static int parse_underlay(struct cfg_ctx *c, const char *v)
{
	size_t n = strlen(v);

	if (n >= sizeof(c->own->underlay) || strchr(v, '/') || strchr(v, ':') ||
	    !strcmp(v, ".") || !strcmp(v, ".."))
		return fail(c, c->line, "Underlay is neither auto nor an interface name: `%s'",
			    shown(v));
	memcpy(c->own->underlay, v, n + 1);
	return 0;
}

static int interface_line(struct cfg_ctx *c, char *line)
{
	char *v;

	if (c->own && (v = key_value(line, "Underlay")))
		return parse_underlay(c, v);
	if ((v = key_value(line, "PrivateKey")))
		return parse_key(c, c->set->private_key, v, "PrivateKey");
	if ((v = key_value(line, "ListenPort")))
		return parse_listen_port(c, v);
	if ((v = key_value(line, "FwMark")))
		return parse_fwmark(c, v);
	if (is_wg_quick_key(line)) {
		if (c->allow_wg_quick)
			return 0;
		return fail(c, c->line, "`%.*s' is a wg-quick key, not valid for wg setconf",
			    (int)strcspn(line, "="), line);
	}
	return unrecognized(c, line, "");
}

static int peer_line(struct cfg_ctx *c, char *line)
{
	char *v;

	if ((v = key_value(line, "PublicKey"))) {
		if (parse_key(c, c->peer->public_key, v, "PublicKey"))
			return -EINVAL;
		c->peer_has_key = true;
		return 0;
	}
	if ((v = key_value(line, "PresharedKey"))) {
		c->peer->has_psk = true;
		return parse_key(c, c->peer->preshared_key, v, "PresharedKey");
	}
	if ((v = key_value(line, "AllowedIPs")))
		return parse_allowed_ips(c, v);
	if ((v = key_value(line, "Endpoint")))
		return parse_endpoint(c, v);
	if ((v = key_value(line, "PersistentKeepalive")))
		return parse_keepalive(c, v);
	return unrecognized(c, line, "");
}

static int process_line(struct cfg_ctx *c, char *line)
{
	int ret;

	if (!strcasecmp(line, "[Interface]") || !strcasecmp(line, "[Peer]")) {
		ret = end_section(c);
		if (ret)
			return ret;
		if (line[1] == 'P' || line[1] == 'p')
			return start_peer(c);
		c->section = SECTION_INTERFACE;
		return 0;
	}
	if (c->section == SECTION_INTERFACE)
		return interface_line(c, line);
	if (c->section == SECTION_PEER)
		return peer_line(c, line);
	return unrecognized(c, line, " (outside a section)");
}

static int parse_text(const char *text, size_t text_len, bool allow_wg_quick_keys,
		      struct wgx_config_own *own, struct wgx_uapi_set *out, char *err, size_t errlen)
{
	const char *text_end = text + text_len;
	struct cfg_ctx c = { .set = out, .own = own, .allow_wg_quick = allow_wg_quick_keys,
			     .err = err, .errlen = errlen };
	size_t cap = 0;
	char *line = NULL;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (own)
		memset(own, 0, sizeof(*own));
	out->has_private_key = out->has_listen_port = out->has_fwmark = true;
	out->replace_peers = true;
	if (errlen)
		err[0] = '\0';

	while (text < text_end) {
		const char *eol = memchr(text, '\n', (size_t)(text_end - text));
		size_t raw = eol ? (size_t)(eol - text) : (size_t)(text_end - text), len = 0;
		const char *comment = memchr(text, '#', raw);
		size_t keep = comment ? (size_t)(comment - text) : raw;

		c.line++;
		/* wg's fgets-based reader would stop or split here; refusing is
		 * the only answer that cannot silently drop half a file. */
		if (memchr(text, '\0', raw)) {
			ret = fail(&c, c.line, "embedded NUL byte");
			break;
		}
		if (keep + 1 > cap) {
			/* Lines may hold keys: wipe before growing. */
			wgx_secret_free(line, cap);
			cap = keep + 1;
			line = wgx_secret_alloc(cap);
			if (!line) {
				ret = -ENOMEM;
				break;
			}
		}
		for (size_t i = 0; i < keep; i++)
			if (!is_space(text[i]))
				line[len++] = text[i];
		line[len] = '\0';
		text += raw + (eol != NULL);
		if (len) {
			ret = process_line(&c, line);
			if (ret)
				break;
		}
	}
	if (!ret)
		ret = end_section(&c);
	wgx_secret_free(line, cap);
	if (ret == -E2BIG)
		fail(&c, c.line, "too many peers or allowed IPs (limits %u and %u)",
		     WGX_UAPI_MAX_PEERS, WGX_UAPI_MAX_ALLOWED_IPS);
	else if (ret == -ENOMEM)
		fail(&c, c.line, "out of memory");
	return ret;
}

int wgx_config_parse_n(const char *text, size_t text_len, bool allow_wg_quick_keys,
		       struct wgx_uapi_set *out, char *err, size_t errlen)
{
	return parse_text(text, text_len, allow_wg_quick_keys, NULL, out, err, errlen);
}

int wgx_config_parse(const char *text, bool allow_wg_quick_keys, struct wgx_uapi_set *out,
		     char *err, size_t errlen)
{
	return wgx_config_parse_n(text, strlen(text), allow_wg_quick_keys, out, err, errlen);
}

static int load_fail(char *err, size_t errlen, int ret, const char *what)
{
	if (errlen)
		snprintf(err, errlen, "%s", what ? what : strerror(-ret));
	return ret;
}

static int load_text(const char *path, bool allow_wg_quick_keys, struct wgx_config_own *own,
		     struct wgx_uapi_set *out, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), ret;
	size_t len = 0, cap;
	struct stat st;
	char *text;

	memset(out, 0, sizeof(*out));
	if (own)
		memset(own, 0, sizeof(*own));
	if (fd < 0)
		return load_fail(err, errlen, -errno, NULL);
	if (fstat(fd, &st)) {
		ret = load_fail(err, errlen, -errno, NULL);
		goto out_close;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = load_fail(err, errlen, -EISDIR, NULL);
		goto out_close;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > WGX_CONFIG_MAX) {
		ret = load_fail(err, errlen, -EFBIG, "larger than the 64 MiB a configuration may have");
		goto out_close;
	}
	/* Regular files: their size; pipes and the like grow up to the bound. */
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 64 << 10;
	text = wgx_secret_alloc(cap);
	if (!text) {
		ret = load_fail(err, errlen, -ENOMEM, NULL);
		goto out_close;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t ncap = cap * 2 > WGX_CONFIG_MAX + 1 ? WGX_CONFIG_MAX + 1 : cap * 2;
			char *bigger = ncap > cap ? wgx_secret_alloc(ncap) : NULL;

			if (!bigger) {
				ret = load_fail(err, errlen, ncap > cap ? -ENOMEM : -EFBIG,
						ncap > cap ? NULL
							   : "larger than the 64 MiB a configuration may have");
				goto out_free;
			}
			memcpy(bigger, text, len);
			wgx_secret_free(text, cap);
			text = bigger;
			cap = ncap;
		}
		n = read(fd, text + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = load_fail(err, errlen, -errno, NULL);
			goto out_free;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	ret = parse_text(text, len, allow_wg_quick_keys, own, out, err, errlen);
out_free:
	wgx_secret_free(text, cap);
out_close:
	close(fd);
	return ret;
}

int wgx_config_load(const char *path, bool allow_wg_quick_keys, struct wgx_uapi_set *out,
		    char *err, size_t errlen)
{
	return load_text(path, allow_wg_quick_keys, NULL, out, err, errlen);
}

int wgx_config_load_own(const char *path, struct wgx_uapi_set *out, struct wgx_config_own *own,
			char *err, size_t errlen)
{
	return load_text(path, false, own, out, err, errlen);
}
