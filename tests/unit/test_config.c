// SPDX-License-Identifier: MIT
/* `wg setconf` file parsing, and the base64/hex key encodings. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/config.h"
#include "core/keys.h"
#include "tap.h"

#define PRIV_B64 "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
#define PRIV_HEX "c809f3e5317e9575c9b5ed78b638b7ce530dabe85ddab614220241801ddf0669"
#define PUB1_B64 "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
#define PUB1_HEX "c53201039adba14be71f886da1d8dbe9eebded08cb111b75340078999aa9f038"
#define PSK_B64 "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE="
#define PUB2_B64 "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="

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

static void test_keys(void)
{
	uint8_t k[WGX_KEY_LEN], k2[WGX_KEY_LEN];
	char b64[WGX_KEY_B64_LEN + 1], hex[WGX_KEY_HEX_LEN + 1], ref[WGX_KEY_B64_LEN + 1];
	char bad[WGX_KEY_B64_LEN + 2];
	int mismatches = 0;

	ok(wgx_key_from_base64(k, PRIV_B64, 44) == 0 && key_is_hex(k, PRIV_HEX),
	   "base64 " PRIV_B64 " decodes to the known hex");
	wgx_key_to_base64(b64, k);
	ok(!strcmp(b64, PRIV_B64), "and encodes back");
	wgx_key_to_hex(hex, k);
	ok(!strcmp(hex, PRIV_HEX), "hex encoding is lowercase 64 chars");
	ok(wgx_key_from_hex(k2, "C809F3E5317E9575C9B5ED78B638B7CE530DABE85DDAB614220241801DDF0669", 64) == 0 &&
		   !memcmp(k, k2, 32),
	   "upper-case hex decodes");

	memcpy(bad, PRIV_B64, 45);
	bad[42] = 'l'; /* 'k' -> 'l' sets a trailing bit: same bytes, not canonical */
	ok(wgx_key_from_base64(k2, bad, 44) == -EINVAL, "non-canonical last character rejected");
	ok(!sodium_is_zero(k, 32) && sodium_is_zero(k2, 32), "rejected key is zeroed");
	memcpy(bad, PRIV_B64, 45);
	bad[43] = 'A';
	ok(wgx_key_from_base64(k2, bad, 44) == -EINVAL, "missing '=' padding rejected");
	ok(wgx_key_from_base64(k2, PRIV_B64, 43) == -EINVAL, "43 characters rejected");
	memcpy(bad, PRIV_B64 "=", 46);
	ok(wgx_key_from_base64(k2, bad, 45) == -EINVAL, "45 characters rejected");
	memcpy(bad, PRIV_B64, 45);
	bad[5] = '-';
	ok(wgx_key_from_base64(k2, bad, 44) == -EINVAL, "URL-safe '-' rejected");
	bad[5] = '*';
	ok(wgx_key_from_base64(k2, bad, 44) == -EINVAL, "'*' rejected");
	bad[5] = '=';
	ok(wgx_key_from_base64(k2, bad, 44) == -EINVAL, "'=' inside the key rejected");
	bad[5] = (char)0xc3;
	ok(wgx_key_from_base64(k2, bad, 44) == -EINVAL, "non-ASCII byte rejected");
	ok(wgx_key_from_hex(k2, PRIV_HEX, 63) == -EINVAL, "63 hex digits rejected");
	ok(wgx_key_from_hex(k2, "x809f3e5317e9575c9b5ed78b638b7ce530dabe85ddab614220241801ddf0669", 64) == -EINVAL, "hex 'x' rejected");

	/* Against libsodium's independent encoders, on random keys. */
	for (int i = 0; i < 2000; i++) {
		randombytes_buf(k, sizeof(k));
		if (i == 0)
			memset(k, 0, sizeof(k));
		if (i == 1)
			memset(k, 0xff, sizeof(k));
		wgx_key_to_base64(b64, k);
		sodium_bin2base64(ref, sizeof(ref), k, sizeof(k), sodium_base64_VARIANT_ORIGINAL);
		mismatches += strcmp(b64, ref) != 0;
		mismatches += wgx_key_from_base64(k2, b64, 44) != 0 || memcmp(k, k2, 32) != 0;
		wgx_key_to_hex(hex, k);
		sodium_bin2hex(ref, sizeof(ref), k, 20); /* first 20 bytes fit ref */
		mismatches += strncmp(hex, ref, 40) != 0;
		mismatches += wgx_key_from_hex(k2, hex, 64) != 0 || memcmp(k, k2, 32) != 0;
	}
	ok(mismatches == 0, "2000 random keys: base64/hex agree with libsodium and round-trip (%d mismatches)",
	   mismatches);
}

static const char full_conf[] =
	"# a comment line\n"
	"[Interface]\r\n"
	"PrivateKey = " PRIV_B64 "   # trailing comment\n"
	"listenport = 51820\n"
	"FwMark = 0x42\n"
	"\n"
	"[Peer]\n"
	"PublicKey = " PUB1_B64 "\n"
	"PresharedKey = " PSK_B64 "\n"
	"Endpoint = 192.95.5.67:1234\n"
	"AllowedIPs = 10.192.122.3/32, 10.192.124.1/24\n"
	"AllowedIPs = 2001:db8::/032,fd00::1\n"
	"Persistent Keepalive = 25\n"
	"\t\n"
	"[peer]\n"
	"Endpoint = [2607:5300:60:6b0::c05f:543]:2468\n"
	"PublicKey = " PUB2_B64 "\n"
	"AllowedIPs = 10.0.0.1\n"
	"PersistentKeepalive = off\n"
	"[Peer]\n"
	"PublicKey = " PUB1_B64 "\n"
	"Endpoint = localhost:51820\n"
	"AllowedIPs = -10.1.0.0/16, +10.2.0.0/16\n"
	"[Peer]\n"
	"PublicKey = " PUB2_B64 "\n"
	"Endpoint = ::1:7\n"
	"AllowedIPs = 10.9.0.0/16, 10.8.0.0/16\n";

static void test_full(void)
{
	struct wgx_uapi_set s;
	struct wgx_uapi_peer_change *p;
	char err[256];
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;
	uint8_t want6[16];

	ok(wgx_config_parse(full_conf, false, &s, err, sizeof(err)) == 0 && !err[0],
	   "full config parses (%s)", err);
	ok(s.replace_peers && s.has_private_key && s.has_listen_port && s.has_fwmark,
	   "setconf semantics: replace_peers, key/port/fwmark always set");
	ok(key_is_hex(s.private_key, PRIV_HEX), "PrivateKey");
	ok(s.listen_port == 51820, "lower-case 'listenport' key");
	ok(s.fwmark == 0x42, "FwMark 0x42 (hex)");
	ok(s.n_peers == 4, "four [Peer] sections, '[peer]' case-insensitive");
	if (s.n_peers != 4)
		goto out;
	p = &s.peers[0];
	ok(key_is_hex(p->public_key, PUB1_HEX) && p->has_psk, "peer 1 PublicKey and PresharedKey");
	sin = (const void *)&p->endpoint;
	ok(p->has_endpoint && sin->sin_family == AF_INET && ntohs(sin->sin_port) == 1234 &&
		   sin->sin_addr.s_addr == inet_addr("192.95.5.67"),
	   "peer 1 Endpoint 192.95.5.67:1234");
	ok(p->has_keepalive && p->persistent_keepalive == 25, "'Persistent Keepalive' (inner space) = 25");
	ok(p->replace_allowed_ips && p->n_allowed_ips == 4 &&
		   cidr_is(&p->allowed_ips[0], "10.192.122.3", 32, false) &&
		   cidr_is(&p->allowed_ips[1], "10.192.124.0", 24, false) &&
		   cidr_is(&p->allowed_ips[2], "2001:db8::", 32, false) &&
		   cidr_is(&p->allowed_ips[3], "fd00::1", 128, false),
	   "peer 1: two AllowedIPs lines append; /032; default /128");
	p = &s.peers[1];
	sin6 = (const void *)&p->endpoint;
	inet_pton(AF_INET6, "2607:5300:60:6b0::c05f:543", want6);
	ok(p->has_endpoint && sin6->sin6_family == AF_INET6 && ntohs(sin6->sin6_port) == 2468 &&
		   !memcmp(&sin6->sin6_addr, want6, 16),
	   "peer 2 Endpoint [v6]:port, before PublicKey in its section");
	ok(p->has_keepalive && p->persistent_keepalive == 0 && !p->has_psk,
	   "peer 2 PersistentKeepalive off, no psk");
	ok(p->n_allowed_ips == 1 && cidr_is(&p->allowed_ips[0], "10.0.0.1", 32, false),
	   "peer 2 default /32");
	p = &s.peers[2];
	sin = (const void *)&p->endpoint;
	sin6 = (const void *)&p->endpoint;
	ok(p->has_endpoint &&
		   ((sin->sin_family == AF_INET && sin->sin_addr.s_addr == htonl(INADDR_LOOPBACK)) ||
		    (sin6->sin6_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))) &&
		   ntohs(sin->sin_port) == 51820,
	   "Endpoint localhost:51820 resolved by name");
	ok(!p->replace_allowed_ips && p->n_allowed_ips == 2 &&
		   cidr_is(&p->allowed_ips[0], "10.1.0.0", 16, true) &&
		   cidr_is(&p->allowed_ips[1], "10.2.0.0", 16, false),
	   "'-'/'+' AllowedIPs: incremental, no replace");
	p = &s.peers[3];
	sin6 = (const void *)&p->endpoint;
	ok(p->has_endpoint && sin6->sin6_family == AF_INET6 &&
		   IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr) && ntohs(sin6->sin6_port) == 7,
	   "unbracketed '::1:7' split at the last ':' like wg");
out:
	wgx_uapi_set_free(&s);

	ok(wgx_config_parse("[Interface]\n", false, &s, err, sizeof(err)) == 0 && s.n_peers == 0 &&
		   s.has_private_key && sodium_is_zero(s.private_key, 32) && s.listen_port == 0 &&
		   s.fwmark == 0,
	   "empty [Interface]: zero key, port 0, fwmark 0 (setconf clears them)");
	wgx_uapi_set_free(&s);
	ok(wgx_config_parse("", false, &s, err, sizeof(err)) == 0 && s.replace_peers,
	   "empty file: valid, removes every peer");
	wgx_uapi_set_free(&s);
	ok(wgx_config_parse("[Interface]\nFwMark = off\n", false, &s, err, sizeof(err)) == 0 &&
		   s.fwmark == 0,
	   "FwMark = off");
	wgx_uapi_set_free(&s);
}

static const char wg_quick_conf[] =
	"[Interface]\n"
	"Address = 100.64.0.1/24, fd00::1/64\n"
	"DNS = 198.18.0.53\n"
	"MTU = 1420\n"
	"Table = off\n"
	"PreUp = true\n"
	"PostUp = ip link show\n"
	"PreDown = true\n"
	"PostDown = true\n"
	"SaveConfig = false\n"
	"PrivateKey = " PRIV_B64 "\n";

static void test_wg_quick(void)
{
	struct wgx_uapi_set s;
	char err[256];

	ok(wgx_config_parse(wg_quick_conf, true, &s, err, sizeof(err)) == 0 &&
		   key_is_hex(s.private_key, PRIV_HEX),
	   "wg-quick keys accepted and ignored with the flag (%s)", err);
	wgx_uapi_set_free(&s);
	ok(wgx_config_parse(wg_quick_conf, false, &s, err, sizeof(err)) == -EINVAL &&
		   !strcmp(err, "line 2: `Address' is a wg-quick key, not valid for wg setconf"),
	   "wg-quick key rejected without the flag: %s", err);
	wgx_uapi_set_free(&s);
	ok(wgx_config_parse("[Peer]\nPublicKey = " PUB1_B64 "\nDNS = 1.1.1.1\n", true, &s, err,
			    sizeof(err)) == -EINVAL &&
		   !strncmp(err, "line 3: Line unrecognized", 25),
	   "wg-quick key in [Peer] rejected even with the flag: %s", err);
	wgx_uapi_set_free(&s);
}

struct bad_conf {
	const char *name, *text, *want_prefix;
};

static const struct bad_conf bad_confs[] = {
	{ "unknown [Interface] key", "[Interface]\nFoo = 1\n", "line 2: Line unrecognized: `Foo'" },
	{ "unknown [Peer] key", "[Peer]\nPublicKey=" PUB1_B64 "\nListenPort = 1\n", "line 3: Line unrecognized" },
	{ "key before any section", "PrivateKey = " PRIV_B64 "\n", "line 1: Line unrecognized (outside a section)" },
	{ "unknown section", "[Interface]\n[Wat]\n", "line 2: Line unrecognized" },
	{ "empty value", "[Interface]\nPrivateKey =\n", "line 2: Line unrecognized: `PrivateKey'" },
	{ "short PrivateKey", "[Interface]\n\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBm=\n", "line 3: PrivateKey is not a 44-character base64 key" },
	{ "non-canonical PublicKey", "[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dh=\n", "line 2: PublicKey is not" },
	{ "bad PresharedKey", "[Peer]\nPublicKey=" PUB1_B64 "\nPresharedKey = hunter2\n", "line 3: PresharedKey is not" },
	{ "ListenPort 65536", "[Interface]\nListenPort = 65536\n", "line 2: ListenPort is not 0-65535" },
	{ "ListenPort unknown service", "[Interface]\nListenPort = nosuchservice-wgx\n", "line 2: ListenPort is not a port or service" },
	{ "ListenPort negative", "[Interface]\nListenPort = -1\n", "line 2: ListenPort" },
	{ "FwMark 0X10", "[Interface]\nFwMark = 0X10\n", "line 2: FwMark is neither" },
	{ "FwMark 2^32", "[Interface]\nFwMark = 4294967296\n", "line 2: FwMark is neither" },
	{ "FwMark bad hex", "[Interface]\nFwMark = 0x1g\n", "line 2: FwMark is neither" },
	{ "PersistentKeepalive 65536", "[Peer]\nPublicKey=" PUB1_B64 "\nPersistentKeepalive = 65536\n", "line 3: PersistentKeepalive is neither" },
	{ "PersistentKeepalive on", "[Peer]\nPublicKey=" PUB1_B64 "\nPersistentKeepalive = on\n", "line 3: PersistentKeepalive is neither" },
	{ "Endpoint without port", "[Peer]\nPublicKey=" PUB1_B64 "\nEndpoint = 1.2.3.4\n", "line 3: Endpoint has no port" },
	{ "Endpoint with empty port", "[Peer]\nPublicKey=" PUB1_B64 "\nEndpoint = 1.2.3.4:\n", "line 3: Endpoint has no port" },
	{ "Endpoint without ']'", "[Peer]\nPublicKey=" PUB1_B64 "\nEndpoint = [::1:5\n", "line 3: Endpoint has no matching ']'" },
	{ "Endpoint ']' without ':port'", "[Peer]\nPublicKey=" PUB1_B64 "\nEndpoint = [::1]5\n", "line 3: Endpoint has no port" },
	{ "Endpoint port out of range", "[Peer]\nPublicKey=" PUB1_B64 "\nEndpoint = 1.2.3.4:70000\n", "line 3: Endpoint port is not 0-65535" },
	{ "AllowedIPs /33", "[Peer]\nPublicKey=" PUB1_B64 "\nAllowedIPs = 10.0.0.0/33\n", "line 3: AllowedIPs entry is not in the correct format" },
	{ "AllowedIPs /129", "[Peer]\nPublicKey=" PUB1_B64 "\nAllowedIPs = ::/129\n", "line 3: AllowedIPs entry" },
	{ "AllowedIPs empty bits", "[Peer]\nPublicKey=" PUB1_B64 "\nAllowedIPs = 10.0.0.0/\n", "line 3: AllowedIPs entry" },
	{ "AllowedIPs empty entry", "[Peer]\nPublicKey=" PUB1_B64 "\nAllowedIPs = 10.0.0.0/8,,10.1.0.0/16\n", "line 3: AllowedIPs: unable to parse IP address" },
	{ "AllowedIPs bad address", "[Peer]\nPublicKey=" PUB1_B64 "\nAllowedIPs = 10.0.0.256/32\n", "line 3: AllowedIPs: unable to parse IP address: `10.0.0.256/32'" },
	{ "AllowedIPs hostname", "[Peer]\nPublicKey=" PUB1_B64 "\nAllowedIPs = example.com\n", "line 3: AllowedIPs: unable" },
	{ "[Peer] without PublicKey", "[Interface]\n[Peer]\nAllowedIPs = 10.0.0.0/8\n[Peer]\nPublicKey=" PUB1_B64 "\n", "line 2: [Peer] section has no PublicKey" },
	{ "last [Peer] without PublicKey", "[Peer]\nPublicKey=" PUB1_B64 "\n\n# x\n[Peer]\nEndpoint=1.2.3.4:5\n", "line 5: [Peer] section has no PublicKey" },
};

static void test_errors(void)
{
	size_t n = sizeof(bad_confs) / sizeof(bad_confs[0]);
	struct wgx_uapi_set s;
	char err[256], tiny[8];

	for (size_t i = 0; i < n; i++) {
		const struct bad_conf *b = &bad_confs[i];
		int ret = wgx_config_parse(b->text, false, &s, err, sizeof(err));

		ok(ret == -EINVAL && !strncmp(err, b->want_prefix, strlen(b->want_prefix)),
		   "%s: \"%s\"", b->name, err);
		wgx_uapi_set_free(&s);
	}
	ok(wgx_config_parse("[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBm=\n",
			    false, &s, err, sizeof(err)) == -EINVAL &&
		   !strstr(err, "yAnz5"),
	   "error message does not echo key material");
	wgx_uapi_set_free(&s);
	ok(wgx_config_parse("PrivateKey = " PRIV_B64 "\n", false, &s, err, sizeof(err)) == -EINVAL &&
		   !strcmp(err, "line 1: Line unrecognized (outside a section): `PrivateKey'"),
	   "unrecognized line names the key, not the value: \"%s\"", err);
	wgx_uapi_set_free(&s);
	ok(wgx_config_parse("[Wat]\n", false, &s, tiny, sizeof(tiny)) == -EINVAL &&
		   strlen(tiny) == sizeof(tiny) - 1,
	   "message truncated to a small buffer: \"%s\"", tiny);
	wgx_uapi_set_free(&s);
	ok(wgx_config_parse("[Wat]\n", false, &s, NULL, 0) == -EINVAL, "NULL error buffer allowed");
	wgx_uapi_set_free(&s);
}

/* Issue 17, defect 9: a NUL byte used to end the text early (exit 0, one peer
 * of two); a directory used to read as "File too large". */
static void test_file_edges(void)
{
	static const char two[] = "[Peer]\nPublicKey=" PUB1_B64 "\n\0\n[Peer]\nPublicKey=" PUB2_B64 "\n";
	char dir[] = "/tmp/wgx-hd-conf.XXXXXX", path[64], err[256];
	struct wgx_uapi_set s;
	FILE *f;
	int ret;

	ret = wgx_config_parse_n(two, sizeof(two) - 1, false, &s, err, sizeof(err));
	ok(ret == -EINVAL && !strcmp(err, "line 3: embedded NUL byte"),
	   "embedded NUL between two peers is an error, not the end of file: %d \"%s\"", ret, err);
	wgx_uapi_set_free(&s);
	ret = wgx_config_parse_n(two, 62, false, &s, err, sizeof(err));
	ok(ret == 0 && s.n_peers == 1, "the same text cut before the NUL parses: %d, %zu peer", ret,
	   s.n_peers);
	wgx_uapi_set_free(&s);
	ret = wgx_config_parse_n("[Peer]\nPublicKey=" PUB1_B64, 17 + 44, false, &s, err, sizeof(err));
	ok(ret == 0 && s.n_peers == 1, "no trailing newline and no NUL terminator needed: %d", ret);
	wgx_uapi_set_free(&s);

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	ret = wgx_config_load(dir, false, &s, err, sizeof(err));
	ok(ret == -EISDIR && !strcmp(err, strerror(EISDIR)), "a directory: %d \"%s\"", ret, err);
	wgx_uapi_set_free(&s);
	snprintf(path, sizeof(path), "%s/wg0.conf", dir);
	f = fopen(path, "w");
	if (f) {
		fwrite(two, 1, sizeof(two) - 1, f);
		fclose(f);
	}
	ret = wgx_config_load(path, false, &s, err, sizeof(err));
	ok(ret == -EINVAL && !strcmp(err, "line 3: embedded NUL byte"),
	   "a file with an embedded NUL: %d \"%s\"", ret, err);
	wgx_uapi_set_free(&s);
	f = fopen(path, "w");
	if (f) {
		fwrite(two, 1, 62, f);
		fputs("[Peer]\nPublicKey=" PUB2_B64 "\n", f);
		fclose(f);
	}
	ret = wgx_config_load(path, false, &s, err, sizeof(err));
	ok(ret == 0 && s.n_peers == 2, "the file without the NUL: both peers (%d, %zu)", ret, s.n_peers);
	wgx_uapi_set_free(&s);
	unlink(path);
	ret = wgx_config_load(path, false, &s, err, sizeof(err));
	ok(ret == -ENOENT, "a missing file: %d \"%s\"", ret, err);
	wgx_uapi_set_free(&s);
	rmdir(dir);
}

/* wg-xdp's own key, Underlay: only through wgx_config_load_own, refused by wg setconf's reader. */
static int load_text_own(const char *text, struct wgx_uapi_set *s, struct wgx_config_own *own,
			 bool own_keys, char *err, size_t errlen)
{
	char path[] = "/tmp/wgx-test-config-own.XXXXXX";
	int fd = mkstemp(path), ret;

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -EIO;
	close(fd);
	ret = own_keys ? wgx_config_load_own(path, s, own, err, errlen)
		       : wgx_config_load(path, false, s, err, errlen);
	unlink(path);
	return ret;
}

static void test_own_keys(void)
{
	struct wgx_config_own own = { .underlay = "stale" };
	struct wgx_uapi_set s;
	char err[256];
	int ret;

	ret = load_text_own("[Interface]\nUnderlay = eth1\n[Peer]\nPublicKey=" PUB1_B64 "\n", &s,
			    &own, true, err, sizeof(err));
	ok(ret == 0 && !strcmp(own.underlay, "eth1") && s.n_peers == 1,
	   "Underlay = eth1 read into the own keys (%d, '%s'), the peer still read", ret,
	   own.underlay);
	wgx_uapi_set_free(&s);
	ret = load_text_own("[Interface]\nunderlay=auto\n", &s, &own, true, err, sizeof(err));
	ok(ret == 0 && !strcmp(own.underlay, "auto"), "underlay=auto, case-insensitive key");
	wgx_uapi_set_free(&s);
	ret = load_text_own("[Interface]\nListenPort = 1\n", &s, &own, true, err, sizeof(err));
	ok(ret == 0 && own.underlay[0] == '\0', "no Underlay: empty (a previous value cleared)");
	wgx_uapi_set_free(&s);
	ret = load_text_own("[Interface]\nUnderlay = averyveryverylongname\n", &s, &own, true, err,
			    sizeof(err));
	ok(ret == -EINVAL && strstr(err, "line 2: Underlay"), "an over-long name refused: \"%s\"",
	   err);
	wgx_uapi_set_free(&s);
	ret = load_text_own("[Interface]\nUnderlay = a/b\n", &s, &own, true, err, sizeof(err));
	ok(ret == -EINVAL, "a name with '/' refused: \"%s\"", err);
	wgx_uapi_set_free(&s);
	ret = load_text_own("[Peer]\nPublicKey=" PUB1_B64 "\nUnderlay = eth1\n", &s, &own, true, err,
			    sizeof(err));
	ok(ret == -EINVAL, "Underlay in [Peer] is an unrecognized line: \"%s\"", err);
	wgx_uapi_set_free(&s);
	ret = load_text_own("[Interface]\nUnderlay = eth1\n", &s, NULL, false, err, sizeof(err));
	ok(ret == -EINVAL, "wg setconf's reader refuses Underlay: \"%s\"", err);
	wgx_uapi_set_free(&s);
}

int main(void)
{
	test_keys();
	test_full();
	test_wg_quick();
	test_errors();
	test_file_edges();
	test_own_keys();
	return tap_done();
}
