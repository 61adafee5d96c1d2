// SPDX-License-Identifier: MIT
/*
 * UAPI set parsing and get formatting. The request strings are what
 * wireguard-tools 1.0.20210914 `wg setconf` / `wg set` wrote to a socket
 * (captured), and the golden get answer is what wireguard-go 0.0.20220316
 * answered for the same configuration.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/keys.h"
#include "tap.h"
#include "control/uapi.h"

#define PRIV "c809f3e5317e9575c9b5ed78b638b7ce530dabe85ddab614220241801ddf0669"
#define PUB1 "c53201039adba14be71f886da1d8dbe9eebded08cb111b75340078999aa9f038"
#define PSK1 "1690b2870b3d731c16a15e3110bb5f26f8c937ecd05513c84a59515a07a8a551"
#define PUB2 "4eb32f4a83f88d842563a448cc181bb2c42a637bf12363e2fb2ef594e5965d7d"
#define ZERO "0000000000000000000000000000000000000000000000000000000000000000"

/* `wg setconf` of a two-peer file, after "set=1\n". */
static const char wg_setconf_body[] =
	"private_key=" PRIV "\n"
	"listen_port=51820\n"
	"fwmark=66\n"
	"replace_peers=true\n"
	"public_key=" PUB1 "\n"
	"preshared_key=" PSK1 "\n"
	"endpoint=192.95.5.67:1234\n"
	"persistent_keepalive_interval=25\n"
	"replace_allowed_ips=true\n"
	"allowed_ip=10.192.122.3/32\n"
	"allowed_ip=10.192.124.1/24\n"
	"public_key=" PUB2 "\n"
	"endpoint=[2607:5300:60:6b0::c05f:543]:2468\n"
	"replace_allowed_ips=true\n"
	"allowed_ip=10.192.122.4/32\n"
	"allowed_ip=192.168.0.0/16\n"
	"allowed_ip=fd00::/64\n"
	"\n";

/* `wg set wgx listen-port 0 fwmark off private-key /dev/null peer PUB1 remove
 *  peer PUB2 endpoint 1.2.3.4:5 persistent-keepalive off
 *  allowed-ips 1.2.3.0/24,::/0 preshared-key /dev/null` */
static const char wg_set_body[] =
	"private_key=" ZERO "\n"
	"listen_port=0\n"
	"fwmark=0\n"
	"public_key=" PUB1 "\n"
	"remove=true\n"
	"public_key=" PUB2 "\n"
	"preshared_key=" ZERO "\n"
	"endpoint=1.2.3.4:5\n"
	"persistent_keepalive_interval=0\n"
	"replace_allowed_ips=true\n"
	"allowed_ip=1.2.3.0/24\n"
	"allowed_ip=::/0\n"
	"\n";

/* wireguard-go's answer to get=1 after the same configuration. */
static const char go_get_golden[] =
	"private_key=" PRIV "\n"
	"listen_port=51820\n"
	"fwmark=66\n"
	"public_key=" PUB1 "\n"
	"preshared_key=" PSK1 "\n"
	"protocol_version=1\n"
	"endpoint=192.95.5.67:1234\n"
	"last_handshake_time_sec=0\n"
	"last_handshake_time_nsec=0\n"
	"tx_bytes=0\n"
	"rx_bytes=0\n"
	"persistent_keepalive_interval=25\n"
	"allowed_ip=10.192.122.3/32\n"
	"allowed_ip=10.192.124.0/24\n"
	"allowed_ip=2001:db8::1:0:0:1/128\n"
	"allowed_ip=::ffff:1.2.3.4/128\n"
	"public_key=" PUB2 "\n"
	"preshared_key=" ZERO "\n"
	"protocol_version=1\n"
	"endpoint=[2607:5300:60:6b0::c05f:543]:2468\n"
	"last_handshake_time_sec=0\n"
	"last_handshake_time_nsec=0\n"
	"tx_bytes=0\n"
	"rx_bytes=0\n"
	"persistent_keepalive_interval=0\n"
	"allowed_ip=0.0.0.0/0\n"
	"errno=0\n"
	"\n";

static int parse_str(const char *body, struct wgx_uapi_set *s)
{
	return wgx_uapi_parse_set(body, strlen(body), s);
}

static bool key_is_hex(const uint8_t *k, const char *hex)
{
	char h[WGX_KEY_HEX_LEN + 1];

	wgx_key_to_hex(h, k);
	return !strcmp(h, hex);
}

static bool cidr_is(const struct wgx_uapi_cidr *c, const char *addr, int cidr, bool remove)
{
	char buf[46];

	wgx_uapi_format_addr(buf, c->family, c->addr);
	return !strcmp(buf, addr) && c->cidr == cidr && c->remove == remove;
}

static bool endpoint_is(const struct sockaddr_storage *ss, const char *addr, uint16_t port,
			uint32_t scope)
{
	char buf[46];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		wgx_uapi_format_addr(buf, AF_INET, (const uint8_t *)&sin->sin_addr);
		return !strcmp(buf, addr) && ntohs(sin->sin_port) == port && !scope;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		wgx_uapi_format_addr(buf, AF_INET6, (const uint8_t *)&sin6->sin6_addr);
		return !strcmp(buf, addr) && ntohs(sin6->sin6_port) == port &&
		       sin6->sin6_scope_id == scope;
	}
	return false;
}

static void test_wg_setconf(void)
{
	struct wgx_uapi_set s;
	struct wgx_uapi_peer_change *p;

	ok(parse_str(wg_setconf_body, &s) == 0, "wg setconf request parses");
	ok(s.has_private_key && key_is_hex(s.private_key, PRIV), "setconf: private_key");
	ok(s.has_listen_port && s.listen_port == 51820, "setconf: listen_port=51820");
	ok(s.has_fwmark && s.fwmark == 66, "setconf: fwmark=66");
	ok(s.replace_peers, "setconf: replace_peers");
	ok(s.n_peers == 2, "setconf: two peers");
	if (s.n_peers == 2) {
		p = &s.peers[0];
		ok(key_is_hex(p->public_key, PUB1) && !p->remove && !p->update_only,
		   "setconf peer 1: public key, not removed");
		ok(p->has_psk && key_is_hex(p->preshared_key, PSK1), "setconf peer 1: psk");
		ok(p->has_endpoint && endpoint_is(&p->endpoint, "192.95.5.67", 1234, 0),
		   "setconf peer 1: endpoint 192.95.5.67:1234");
		ok(p->has_keepalive && p->persistent_keepalive == 25, "setconf peer 1: keepalive 25");
		ok(p->replace_allowed_ips && p->n_allowed_ips == 2 &&
			   cidr_is(&p->allowed_ips[0], "10.192.122.3", 32, false) &&
			   cidr_is(&p->allowed_ips[1], "10.192.124.0", 24, false),
		   "setconf peer 1: allowed IPs, host bits of 10.192.124.1/24 cleared");
		p = &s.peers[1];
		ok(key_is_hex(p->public_key, PUB2) && !p->has_psk && !p->has_keepalive,
		   "setconf peer 2: public key, no psk, no keepalive");
		ok(p->has_endpoint && endpoint_is(&p->endpoint, "2607:5300:60:6b0::c05f:543", 2468, 0),
		   "setconf peer 2: [v6]:port endpoint");
		ok(p->replace_allowed_ips && p->n_allowed_ips == 3 &&
			   cidr_is(&p->allowed_ips[2], "fd00::", 64, false) &&
			   p->allowed_ips[2].family == AF_INET6,
		   "setconf peer 2: three allowed IPs incl. fd00::/64");
	}
	ok(s.total_allowed_ips == 5, "setconf: 5 allowed IPs counted");
	wgx_uapi_set_free(&s);
	ok(s.peers == NULL && s.n_peers == 0 && !s.has_private_key, "set_free empties the set");
}

static void test_wg_set(void)
{
	struct wgx_uapi_set s;
	struct wgx_uapi_peer_change *p;
	static const uint8_t zero[WGX_KEY_LEN];

	ok(parse_str(wg_set_body, &s) == 0, "wg set request parses");
	ok(s.has_private_key && !memcmp(s.private_key, zero, 32), "set: zero private key = remove");
	ok(s.has_listen_port && s.listen_port == 0, "set: listen_port=0 accepted");
	ok(s.has_fwmark && s.fwmark == 0, "set: fwmark=0 accepted");
	ok(!s.replace_peers, "set: no replace_peers");
	ok(s.n_peers == 2 && s.peers[0].remove && key_is_hex(s.peers[0].public_key, PUB1),
	   "set: peer 1 remove=true");
	if (s.n_peers == 2) {
		p = &s.peers[1];
		ok(p->has_psk && !memcmp(p->preshared_key, zero, 32), "set: zero psk = remove psk");
		ok(p->has_keepalive && p->persistent_keepalive == 0, "set: keepalive 0 = off");
		ok(p->n_allowed_ips == 2 && cidr_is(&p->allowed_ips[1], "::", 0, false),
		   "set: allowed ::/0");
	}
	wgx_uapi_set_free(&s);
}

static void test_semantics(void)
{
	struct wgx_uapi_set s;
	const struct wgx_uapi_peer_change *p;
	char body[512];
	unsigned int lo = if_nametoindex("lo");

	ok(parse_str("public_key=" PUB1 "\nallowed_ip=1.0.0.0/8\nreplace_allowed_ips=true\n"
		     "allowed_ip=2.0.0.0/8\n", &s) == 0 &&
		   s.peers[0].n_allowed_ips == 1 &&
		   cidr_is(&s.peers[0].allowed_ips[0], "2.0.0.0", 8, false) && s.total_allowed_ips == 1,
	   "replace_allowed_ips drops the allowed IPs listed before it");
	wgx_uapi_set_free(&s);

	ok(parse_str("public_key=" PUB1 "\nremove=true\nendpoint=1.2.3.4:5\nallowed_ip=1.0.0.0/8\n"
		     "preshared_key=" PSK1 "\n", &s) == 0 &&
		   s.peers[0].remove && !s.peers[0].has_endpoint && !s.peers[0].has_psk &&
		   s.peers[0].n_allowed_ips == 0,
	   "remove=true: the rest of the peer block is ignored");
	wgx_uapi_set_free(&s);

	ok(parse_str("public_key=" PUB1 "\nremove=true\nendpoint=1.2.3.4\n", &s) == -EINVAL,
	   "remove=true: later lines are still validated");
	wgx_uapi_set_free(&s);

	ok(parse_str("public_key=" PUB1 "\nupdate_only=true\nprotocol_version=1\n"
		     "allowed_ip=-10.0.0.0/8\nallowed_ip=-fd00::1/128\n", &s) == 0 &&
		   s.peers[0].update_only && s.peers[0].n_allowed_ips == 2 &&
		   cidr_is(&s.peers[0].allowed_ips[0], "10.0.0.0", 8, true) &&
		   cidr_is(&s.peers[0].allowed_ips[1], "fd00::1", 128, true),
	   "update_only, protocol_version=1 and '-' allowed-IP removal");
	wgx_uapi_set_free(&s);

	ok(parse_str("public_key=" PUB1 "\nendpoint=1.1.1.1:1\npublic_key=" PUB1 "\n"
		     "endpoint=2.2.2.2:2\nendpoint=3.3.3.3:3\n", &s) == 0 &&
		   s.n_peers == 2 && endpoint_is(&s.peers[0].endpoint, "1.1.1.1", 1, 0) &&
		   endpoint_is(&s.peers[1].endpoint, "3.3.3.3", 3, 0),
	   "same public key twice: two entries in order; repeated key: last wins");
	wgx_uapi_set_free(&s);

	snprintf(body, sizeof(body),
		 "listen_port=0080\nprivate_key=%s\npublic_key=%s\n"
		 "endpoint=[fe80::1%%1]:51820\npublic_key=%s\nendpoint=[fe80::2%%lo]:1\n"
		 "endpoint=[::ffff:1.2.3.4]:0\n",
		 "C809F3E5317E9575C9B5ED78B638B7CE530DABE85DDAB614220241801DDF0669", PUB1, PUB2);
	ok(parse_str(body, &s) == 0 && s.listen_port == 80 && key_is_hex(s.private_key, PRIV),
	   "leading zeros in numbers and upper-case hex keys accepted (Go)");
	ok(s.n_peers == 2 && endpoint_is(&s.peers[0].endpoint, "fe80::1", 51820, 1),
	   "endpoint [fe80::1%%1]:51820 -> scope id 1");
	ok(s.n_peers == 2 && endpoint_is(&s.peers[1].endpoint, "::ffff:1.2.3.4", 0, 0),
	   "endpoint [::ffff:1.2.3.4]:0 (v4-mapped, port 0) accepted");
	wgx_uapi_set_free(&s);
	snprintf(body, sizeof(body), "public_key=%s\nendpoint=[fe80::2%%lo]:1\n", PUB2);
	ok(lo && parse_str(body, &s) == 0 && endpoint_is(&s.peers[0].endpoint, "fe80::2", 1, lo),
	   "endpoint zone by interface name (lo)");
	wgx_uapi_set_free(&s);

	ok(wgx_uapi_parse_set("", 0, &s) == 0 && s.n_peers == 0 && !s.has_private_key,
	   "empty body is a valid no-op");
	wgx_uapi_set_free(&s);
	ok(parse_str("\n", &s) == 0, "body of just the blank line is a valid no-op");
	wgx_uapi_set_free(&s);
	ok(parse_str("fwmark=4294967295\npersistent_keepalive_interval=1\n", &s) == -EINVAL,
	   "fwmark=2^32-1 accepted, then a peer key on the device is -EINVAL");
	wgx_uapi_set_free(&s);
	ok(parse_str("public_key=" PUB1 "\nallowed_ip=255.255.255.255/0\n", &s) == 0 &&
		   cidr_is(&s.peers[0].allowed_ips[0], "0.0.0.0", 0, false),
	   "allowed_ip /0 clears every bit");
	p = s.n_peers ? &s.peers[0] : NULL;
	ok(p && p->allowed_ips[0].family == AF_INET, "allowed_ip /0 stays IPv4");
	wgx_uapi_set_free(&s);
}

struct bad_case {
	const char *name;
	const char *body;
	size_t len; /* 0 = strlen */
	int err;
};

#define PK "public_key=" PUB1 "\n"

static const struct bad_case bad_cases[] = {
	{ "private_key with a non-hex digit", "private_key=zz09f3e5317e9575c9b5ed78b638b7ce530dabe85ddab614220241801ddf0669\n", 0, -EINVAL },
	{ "private_key of 63 hex digits", "private_key=c809f3e5317e9575c9b5ed78b638b7ce530dabe85ddab614220241801ddf066\n", 0, -EINVAL },
	{ "private_key of 66 hex digits", "private_key=" PRIV "00\n", 0, -EINVAL },
	{ "private_key with a 'g'", "private_key=g809f3e5317e9575c9b5ed78b638b7ce530dabe85ddab614220241801ddf0669\n", 0, -EINVAL },
	{ "public_key short", "public_key=c532\n", 0, -EINVAL },
	{ "public_key empty", "public_key=\n", 0, -EINVAL },
	{ "preshared_key short", PK "preshared_key=00\n", 0, -EINVAL },
	{ "unknown device key", "foo=bar\n", 0, -EINVAL },
	{ "unknown peer key", PK "foo=bar\n", 0, -EINVAL },
	{ "key with a trailing space", "listen_port =1\n", 0, -EINVAL },
	{ "CRLF line ending", "listen_port=1\r\n", 0, -EINVAL },
	{ "peer key endpoint before any public_key", "endpoint=1.2.3.4:5\n", 0, -EINVAL },
	{ "peer key allowed_ip before any public_key", "allowed_ip=1.0.0.0/8\n", 0, -EINVAL },
	{ "device key listen_port after a public_key", PK "listen_port=1\n", 0, -EINVAL },
	{ "line without '='", "listen_port\n", 0, -EPROTO },
	{ "unterminated last line", "listen_port=1", 0, -EPROTO },
	{ "data after the blank line", "listen_port=1\n\nlisten_port=2\n", 0, -EPROTO },
	{ "listen_port=65536", "listen_port=65536\n", 0, -EINVAL },
	{ "listen_port=-1", "listen_port=-1\n", 0, -EINVAL },
	{ "listen_port=+1", "listen_port=+1\n", 0, -EINVAL },
	{ "listen_port empty", "listen_port=\n", 0, -EINVAL },
	{ "listen_port with a leading space", "listen_port= 1\n", 0, -EINVAL },
	{ "fwmark=4294967296", "fwmark=4294967296\n", 0, -EINVAL },
	{ "fwmark=0x1 (hex not allowed)", "fwmark=0x1\n", 0, -EINVAL },
	{ "fwmark 2^64 overflow", "fwmark=18446744073709551616\n", 0, -EINVAL },
	{ "fwmark 30-digit overflow", "fwmark=999999999999999999999999999999\n", 0, -EINVAL },
	{ "persistent_keepalive_interval=65536", PK "persistent_keepalive_interval=65536\n", 0, -EINVAL },
	{ "persistent_keepalive_interval=off", PK "persistent_keepalive_interval=off\n", 0, -EINVAL },
	{ "replace_peers=false", "replace_peers=false\n", 0, -EINVAL },
	{ "remove=1", PK "remove=1\n", 0, -EINVAL },
	{ "update_only=TRUE", PK "update_only=TRUE\n", 0, -EINVAL },
	{ "replace_allowed_ips=yes", PK "replace_allowed_ips=yes\n", 0, -EINVAL },
	{ "protocol_version=2", PK "protocol_version=2\n", 0, -EINVAL },
	{ "protocol_version empty", PK "protocol_version=\n", 0, -EINVAL },
	{ "endpoint without port", PK "endpoint=1.2.3.4\n", 0, -EINVAL },
	{ "endpoint with empty port", PK "endpoint=1.2.3.4:\n", 0, -EINVAL },
	{ "endpoint port 65536", PK "endpoint=1.2.3.4:65536\n", 0, -EINVAL },
	{ "endpoint IPv6 without brackets", PK "endpoint=2001:db8::1:51820\n", 0, -EINVAL },
	{ "endpoint IPv4 in brackets", PK "endpoint=[1.2.3.4]:5\n", 0, -EINVAL },
	{ "endpoint hostname", PK "endpoint=example.com:51820\n", 0, -EINVAL },
	{ "endpoint missing ']'", PK "endpoint=[::1:5\n", 0, -EINVAL },
	{ "endpoint with a leading-zero octet", PK "endpoint=01.2.3.4:5\n", 0, -EINVAL },
	{ "endpoint IPv4 with a zone", PK "endpoint=1.2.3.4%1:5\n", 0, -EINVAL },
	{ "endpoint with an unknown zone", PK "endpoint=[fe80::1%nosuchif0]:5\n", 0, -EINVAL },
	{ "endpoint with an empty zone", PK "endpoint=[fe80::1%]:5\n", 0, -EINVAL },
	{ "endpoint empty", PK "endpoint=\n", 0, -EINVAL },
	{ "allowed_ip 10.0.0.0/33", PK "allowed_ip=10.0.0.0/33\n", 0, -EINVAL },
	{ "allowed_ip ::/129", PK "allowed_ip=::/129\n", 0, -EINVAL },
	{ "allowed_ip without /bits", PK "allowed_ip=10.0.0.1\n", 0, -EINVAL },
	{ "allowed_ip /08 (leading zero)", PK "allowed_ip=10.0.0.0/08\n", 0, -EINVAL },
	{ "allowed_ip /-1", PK "allowed_ip=10.0.0.0/-1\n", 0, -EINVAL },
	{ "allowed_ip with empty bits", PK "allowed_ip=10.0.0.0/\n", 0, -EINVAL },
	{ "allowed_ip with a zone", PK "allowed_ip=fe80::1%1/64\n", 0, -EINVAL },
	{ "allowed_ip with '--'", PK "allowed_ip=--10.0.0.0/8\n", 0, -EINVAL },
	{ "allowed_ip with '+'", PK "allowed_ip=+10.0.0.0/8\n", 0, -EINVAL },
	{ "allowed_ip 256.0.0.0/8", PK "allowed_ip=256.0.0.0/8\n", 0, -EINVAL },
	{ "embedded NUL in a key", "listen_\0port=1\n", 15, -EINVAL },
	{ "embedded NUL in a value", "listen_port=1\0\n", 15, -EINVAL },
	{ "embedded NUL in an endpoint", PK "endpoint=1.2.3.4\0:5\n", 76 + 20, -EINVAL },
};

static void test_bad_requests(void)
{
	size_t n = sizeof(bad_cases) / sizeof(bad_cases[0]);

	for (size_t i = 0; i < n; i++) {
		const struct bad_case *c = &bad_cases[i];
		struct wgx_uapi_set s;
		int ret = wgx_uapi_parse_set(c->body, c->len ? c->len : strlen(c->body), &s);

		ok(ret == c->err, "rejects %s: %d (want %d)", c->name, ret, c->err);
		wgx_uapi_set_free(&s);
	}
	ok(n >= 30, "%zu bad-request cases", n);
}

static void test_limits(void)
{
	struct wgx_uapi_set s;
	size_t vlen = WGX_UAPI_MAX_LINE + 1, n, off;
	char *body = malloc(vlen + 32);
	const char *line = "allowed_ip=10.0.0.1/32\n";
	size_t ll = strlen(line);

	memcpy(body, "listen_port=", 12);
	memset(body + 12, '1', vlen - 12);
	body[vlen] = '\n';
	ok(wgx_uapi_parse_set(body, vlen + 1, &s) == -EIO, "line over %u bytes: -EIO",
	   WGX_UAPI_MAX_LINE);
	wgx_uapi_set_free(&s);
	free(body);

	/* One peer with the maximum number of allowed IPs, then one more. */
	n = WGX_UAPI_MAX_ALLOWED_IPS;
	body = malloc(76 + (n + 1) * ll);
	memcpy(body, PK, 76);
	off = 76;
	for (size_t i = 0; i < n; i++, off += ll)
		memcpy(body + off, line, ll);
	ok(wgx_uapi_parse_set(body, off, &s) == 0 && s.peers[0].n_allowed_ips == n,
	   "%zu allowed IPs in one request accepted", n);
	wgx_uapi_set_free(&s);
	memcpy(body + off, line, ll);
	ok(wgx_uapi_parse_set(body, off + ll, &s) == -E2BIG, "one allowed IP more: -E2BIG");
	wgx_uapi_set_free(&s);
	free(body);
}

static void view_from_set(const struct wgx_uapi_set *s, struct wgx_uapi_device_view *v)
{
	memset(v, 0, sizeof(*v));
	v->has_private_key = s->has_private_key;
	memcpy(v->private_key, s->private_key, 32);
	v->listen_port = s->listen_port;
	v->fwmark = s->fwmark;
	v->n_peers = s->n_peers;
	v->peers = calloc(s->n_peers, sizeof(*v->peers));
	for (size_t i = 0; i < s->n_peers; i++) {
		const struct wgx_uapi_peer_change *c = &s->peers[i];
		struct wgx_uapi_peer_view *p = &v->peers[i];

		memcpy(p->public_key, c->public_key, 32);
		memcpy(p->preshared_key, c->preshared_key, 32);
		p->has_psk = c->has_psk;
		p->endpoint = c->endpoint;
		p->has_endpoint = c->has_endpoint;
		p->persistent_keepalive = c->persistent_keepalive;
		p->n_allowed_ips = c->n_allowed_ips;
		p->allowed_ips = c->allowed_ips;
	}
}

static void test_format_golden(void)
{
	static const char cfg[] =
		"private_key=" PRIV "\nlisten_port=51820\nfwmark=66\nreplace_peers=true\n"
		"public_key=" PUB1 "\npreshared_key=" PSK1 "\nendpoint=192.95.5.67:1234\n"
		"persistent_keepalive_interval=25\nreplace_allowed_ips=true\n"
		"allowed_ip=10.192.122.3/32\nallowed_ip=10.192.124.1/24\n"
		"allowed_ip=2001:db8:0:0:1:0:0:1/128\nallowed_ip=::ffff:1.2.3.4/128\n"
		"public_key=" PUB2 "\nendpoint=[2607:5300:60:6b0::c05f:543]:2468\n"
		"allowed_ip=0.0.0.0/0\n\n";
	struct wgx_uapi_set s;
	struct wgx_uapi_device_view v;
	char *out = NULL;
	size_t len = 0;

	ok(parse_str(cfg, &s) == 0, "golden: configuration parses");
	view_from_set(&s, &v);
	ok(wgx_uapi_format_get(&v, &out, &len) == 0, "golden: format_get succeeds");
	ok(out && len == strlen(go_get_golden) && !memcmp(out, go_get_golden, len),
	   "get answer byte-identical to wireguard-go's (%zu bytes)", len);
	if (out && (len != strlen(go_get_golden) || memcmp(out, go_get_golden, len)))
		diag("got:\n%s", out);
	ok(out && out[len] == '\0', "answer is NUL-terminated past its length");
	wgx_uapi_buf_free(out, len);
	free(v.peers);
	wgx_uapi_set_free(&s);
}

static void test_format_fields(void)
{
	struct wgx_uapi_cidr aips[2] = {
		{ .family = AF_INET6, .addr = { 0x20, 0x01, 0x0d, 0xb8 }, .cidr = 32 },
		{ .family = AF_INET, .addr = { 100, 64, 0, 0 }, .cidr = 10 },
	};
	struct wgx_uapi_peer_view peers[2] = { 0 };
	struct wgx_uapi_device_view v = { .n_peers = 2, .peers = peers };
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&peers[0].endpoint;
	struct sockaddr_in6 *m6 = (struct sockaddr_in6 *)&peers[1].endpoint;
	static const char want[] =
		"public_key=0101010101010101010101010101010101010101010101010101010101010101\n"
		"preshared_key=" ZERO "\n"
		"protocol_version=1\n"
		"endpoint=[fe80::1%7]:65535\n"
		"last_handshake_time_sec=1700000000\n"
		"last_handshake_time_nsec=123456789\n"
		"tx_bytes=18446744073709551615\n"
		"rx_bytes=1\n"
		"persistent_keepalive_interval=65535\n"
		"allowed_ip=2001:db8::/32\n"
		"allowed_ip=100.64.0.0/10\n"
		"public_key=0202020202020202020202020202020202020202020202020202020202020202\n"
		"preshared_key=" ZERO "\n"
		"protocol_version=1\n"
		"endpoint=[::ffff:198.18.0.1]:51820\n"
		"last_handshake_time_sec=0\n"
		"last_handshake_time_nsec=0\n"
		"tx_bytes=0\n"
		"rx_bytes=0\n"
		"persistent_keepalive_interval=0\n"
		"errno=0\n\n";
	char *out = NULL;
	size_t len = 0;

	memset(peers[0].public_key, 1, 32);
	memset(peers[0].preshared_key, 0xaa, 32); /* has_psk false: printed as zeros */
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr.s6_addr[0] = 0xfe;
	sin6->sin6_addr.s6_addr[1] = 0x80;
	sin6->sin6_addr.s6_addr[15] = 1;
	sin6->sin6_port = htons(65535);
	sin6->sin6_scope_id = 7;
	peers[0].has_endpoint = true;
	peers[0].last_handshake_ns = 1700000000123456789ULL;
	peers[0].tx_bytes = UINT64_MAX;
	peers[0].rx_bytes = 1;
	peers[0].persistent_keepalive = 65535;
	peers[0].n_allowed_ips = 2;
	peers[0].allowed_ips = aips;
	memset(peers[1].public_key, 2, 32);
	m6->sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:198.18.0.1", &m6->sin6_addr);
	m6->sin6_port = htons(51820);
	peers[1].has_endpoint = true;

	ok(wgx_uapi_format_get(&v, &out, &len) == 0 && len == strlen(want) &&
		   !memcmp(out, want, len),
	   "no private key, port 0 and fwmark 0 omitted; counters, zone, v4-mapped endpoint");
	if (out && strcmp(out, want))
		diag("got:\n%s", out);
	wgx_uapi_buf_free(out, len);

	aips[1].cidr = 33;
	ok(wgx_uapi_format_get(&v, &out, &len) == -EINVAL && !out,
	   "view with an IPv4 /33 is refused");
	aips[1].cidr = 10;
	peers[1].endpoint.ss_family = AF_UNIX;
	ok(wgx_uapi_format_get(&v, &out, &len) == -EINVAL && !out,
	   "view with a non-IP endpoint is refused");
	v.n_peers = 0;
	ok(wgx_uapi_format_get(&v, &out, &len) == 0 && !strcmp(out, "errno=0\n\n"),
	   "empty device: just errno=0");
	wgx_uapi_buf_free(out, len);
}

static void test_format_addr(void)
{
	static const struct {
		const char *in, *want;
	} v6[] = {
		{ "::", "::" },
		{ "::1", "::1" },
		{ "1::", "1::" },
		{ "2001:db8::1", "2001:db8::1" },
		{ "1:0:0:1:0:0:0:1", "1:0:0:1::1" },
		{ "1:0:0:2:0:0:3:4", "1::2:0:0:3:4" },
		{ "1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0" },
		{ "1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7" },
		{ "::ffff:1.2.3.4", "::ffff:1.2.3.4" },
		{ "::1.2.3.4", "::102:304" },
		{ "FD00:00AB::0", "fd00:ab::" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
	};
	uint8_t a[16];
	char buf[46];

	for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
		inet_pton(AF_INET6, v6[i].in, a);
		wgx_uapi_format_addr(buf, AF_INET6, a);
		ok(!strcmp(buf, v6[i].want), "addr %s -> %s (Go netip), got %s", v6[i].in,
		   v6[i].want, buf);
	}
	memcpy(a, (uint8_t[]){ 255, 0, 10, 1 }, 4);
	ok(wgx_uapi_format_addr(buf, AF_INET, a) == 10 && !strcmp(buf, "255.0.10.1"),
	   "IPv4 dotted quad");
}

int main(void)
{
	test_wg_setconf();
	test_wg_set();
	test_semantics();
	test_bad_requests();
	test_limits();
	test_format_golden();
	test_format_fields();
	test_format_addr();
	return tap_done();
}
