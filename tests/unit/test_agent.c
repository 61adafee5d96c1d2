// SPDX-License-Identifier: MIT
/*
 * `wg-xdp agent`'s pure parts: the desired file (friendly names, managed
 * interface keys, what a full state rejects), the running "get=1" answer,
 * the difference (only what changed, never replace_peers, the endpoint
 * roaming rule) and the "set=1" text, read back by the UAPI parser.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "cli/agent_diff.h"
#include "cli/agent_fmt.h"
#include "cli/agent_state.h"
#include "control/uapi.h"
#include "core/crypto.h"
#include "core/keys.h"
#include "tap.h"

#define PRIV_B64 "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
#define PRIV_HEX "c809f3e5317e9575c9b5ed78b638b7ce530dabe85ddab614220241801ddf0669"
#define PUB1_B64 "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
#define PUB1_HEX "c53201039adba14be71f886da1d8dbe9eebded08cb111b75340078999aa9f038"
#define PUB2_B64 "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="
#define PSK_B64 "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE="

static const char desired_text[] =
	"[Interface]\nListenPort = 51820\n\n"
	"[Peer]\n# friendly_name=node-b\nPublicKey = " PUB2_B64 "\n"
	"AllowedIPs = 100.64.2.0/24, 100.64.1.0/24, 100.64.1.0/24\nEndpoint = 198.18.0.2:51820\n\n"
	"[Peer]\nPublicKey = " PUB1_B64 "\nAllowedIPs = fd00::1/128\n";

/* The device: PUB1 with the same allowed IP but keepalive 25, an extra peer. */
static const char running_reply[] =
	"private_key=" PRIV_HEX "\nlisten_port=51820\n"
	"public_key=" PUB1_HEX "\n"
	"preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"
	"protocol_version=1\nlast_handshake_time_sec=1700000000\nlast_handshake_time_nsec=5\n"
	"tx_bytes=10\nrx_bytes=20\npersistent_keepalive_interval=25\nallowed_ip=fd00::1/128\n"
	"public_key=1111111111111111111111111111111111111111111111111111111111111111\n"
	"preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"
	"protocol_version=1\nlast_handshake_time_sec=0\nlast_handshake_time_nsec=0\n"
	"tx_bytes=0\nrx_bytes=0\npersistent_keepalive_interval=0\nallowed_ip=100.64.9.0/24\n"
	"errno=0\n\n";

static const struct wgx_uapi_peer_change *find_b64(const struct wgx_uapi_set *s, const char *b64)
{
	uint8_t k[WGX_KEY_LEN];

	wgx_key_from_base64(k, b64, strlen(b64));
	for (size_t i = 0; i < s->n_peers; i++)
		if (!memcmp(s->peers[i].public_key, k, WGX_KEY_LEN))
			return &s->peers[i];
	return NULL;
}

static void test_desired(void)
{
	struct wgx_agent_desired d;
	const struct wgx_uapi_peer_change *b;
	char err[256] = "";
	int ret = wgx_agent_desired_parse(desired_text, &d, err, sizeof(err));

	ok(ret == 0, "desired file parses (%s)", err);
	ok(d.set.n_peers == 2, "two peers");
	ok(!d.manage_private_key && d.manage_listen_port && !d.manage_fwmark,
	   "only ListenPort is managed (named in [Interface])");
	b = find_b64(&d.set, PUB2_B64);
	ok(b && !strcmp(d.names[b - d.set.peers], "node-b"), "friendly_name belongs to its peer");
	ok(b && b->n_allowed_ips == 2, "allowed IPs deduplicated (%zu)", b ? b->n_allowed_ips : 0);
	ok(memcmp(d.set.peers[0].public_key, d.set.peers[1].public_key, WGX_KEY_LEN) < 0,
	   "peers sorted by public key");
	wgx_agent_desired_free(&d);

	static const struct {
		const char *text, *what, *msg;
	} bad[] = {
		{ "[Peer]\nPublicKey = " PUB1_B64 "\n[Peer]\nPublicKey = " PUB1_B64 "\n",
		  "a key in two [Peer] sections", "two [Peer]" },
		{ "[Peer]\nPublicKey = " PUB1_B64 "\nAllowedIPs = 10.0.0.0/8\n[Peer]\nPublicKey = " PUB2_B64
		  "\nAllowedIPs = 10.0.0.0/8\n", "one prefix in two peers", "in two peers" },
		{ "[Peer]\nPublicKey = " PUB1_B64 "\nAllowedIPs = +10.0.0.0/8\n",
		  "incremental AllowedIPs", "incremental" },
		{ "[Interface]\nAddress = 10.0.0.1/24\n", "a wg-quick key", "line 2" },
		{ "[Peer]\nPublicKey = " PUB1_B64 "\n# friendly_name=" "0123456789012345678901234567890123456789012345678901234567890123456789\n",
		  "an overlong friendly_name", "friendly_name" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ret = wgx_agent_desired_parse(bad[i].text, &d, err, sizeof(err));
		ok(ret == -EINVAL && strstr(err, bad[i].msg), "rejects %s: %s", bad[i].what, err);
		wgx_agent_desired_free(&d);
	}
}

static void test_running(void)
{
	struct wgx_uapi_set r;
	int ret = wgx_agent_running_parse(running_reply, &r);

	ok(ret == 0 && r.n_peers == 2, "get=1 answer parses into 2 peers (%d)", ret);
	ok(r.has_private_key && r.listen_port == 51820, "device keys read");
	ok(find_b64(&r, PUB1_B64) && find_b64(&r, PUB1_B64)->persistent_keepalive == 25,
	   "keepalive read");
	wgx_uapi_set_free(&r);
	ok(wgx_agent_running_parse("errno=1\n\n", &r) == -EIO, "errno=1 answer is -EIO");
	wgx_uapi_set_free(&r);
	ok(wgx_agent_running_parse("listen_port=1\n", &r) == -EPROTO, "unterminated answer is -EPROTO");
	wgx_uapi_set_free(&r);
}

static void test_diff(void)
{
	struct wgx_agent_desired d;
	struct wgx_uapi_set r, change, back;
	struct wgx_agent_counts c;
	struct wgx_agent_endpoints prev = { 0 };
	const struct wgx_uapi_peer_change *p;
	char err[256], *text;
	size_t len;

	wgx_agent_desired_parse(desired_text, &d, err, sizeof(err));
	wgx_agent_running_parse(running_reply, &r);
	ok(wgx_agent_diff(&d, &r, &prev, &change, &c) == 0, "diff computed");
	ok(c.added == 1 && c.removed == 1 && c.updated == 1 && !c.device,
	   "1 added, 1 removed, 1 updated, no device change (%zu/%zu/%zu)", c.added, c.removed,
	   c.updated);
	ok(!change.replace_peers && !change.has_private_key && !change.has_listen_port,
	   "no replace_peers, no device keys (ListenPort equal, PrivateKey unmanaged)");
	ok(change.n_peers == 3 && change.peers[0].remove, "the removal comes first");
	p = find_b64(&change, PUB1_B64);
	ok(p && p->update_only && p->has_keepalive && p->persistent_keepalive == 0 &&
		   !p->replace_allowed_ips && !p->has_psk && !p->has_endpoint,
	   "changed peer: update_only with the keepalive only (allowed IPs equal)");
	p = find_b64(&change, PUB2_B64);
	ok(p && !p->update_only && p->replace_allowed_ips && p->n_allowed_ips == 2 && p->has_endpoint,
	   "new peer: full entry");

	ok(wgx_agent_format_set(&change, &text, &len) == 0 && !strncmp(text, "set=1\n", 6) &&
		   !strcmp(text + len - 2, "\n\n") && !strstr(text, "replace_peers"),
	   "set=1 request framed, without replace_peers");
	{
		int ret = wgx_uapi_parse_set(text + 6, len - 6, &back);

		ok(ret == 0 && back.n_peers == 3, "the UAPI parser reads the request back (%zu peers)",
		   back.n_peers);
	}
	wgx_uapi_set_free(&back);
	wgx_uapi_buf_free(text, len);
	wgx_uapi_set_free(&change);
	wgx_uapi_set_free(&r);

	/* Applied: the device equals desired, but PUB2 roamed to another address. */
	wgx_agent_endpoints_save(&prev, &d);
	r = (struct wgx_uapi_set){ 0 };
	{
		char reply[4096];
		uint8_t k[WGX_KEY_LEN];
		char hex[WGX_KEY_HEX_LEN + 1];

		wgx_key_from_base64(k, PUB2_B64, strlen(PUB2_B64));
		wgx_key_to_hex(hex, k);
		snprintf(reply, sizeof(reply),
			 "listen_port=51820\npublic_key=" PUB1_HEX "\npreshared_key=%064d\n"
			 "persistent_keepalive_interval=0\nallowed_ip=fd00::1/128\n"
			 "public_key=%s\npreshared_key=%064d\nendpoint=198.18.7.7:4000\n"
			 "persistent_keepalive_interval=0\nallowed_ip=100.64.1.0/24\n"
			 "allowed_ip=100.64.2.0/24\nerrno=0\n\n", 0, hex, 0);
		ok(wgx_agent_running_parse(reply, &r) == 0, "roamed device state parses");
	}
	wgx_agent_diff(&d, &r, &prev, &change, &c);
	ok(change.n_peers == 0 && !c.device, "in sync: a roamed endpoint is not undone (%zu changes)",
	   change.n_peers);
	wgx_uapi_set_free(&change);
	wgx_agent_diff(&d, &r, &(struct wgx_agent_endpoints){ 0 }, &change, &c);
	ok(change.n_peers == 1 && change.peers[0].has_endpoint && change.peers[0].update_only &&
		   !change.peers[0].replace_allowed_ips,
	   "with no applied record (first run) the file's endpoint is set, update_only");
	wgx_uapi_set_free(&change);
	wgx_uapi_set_free(&r);
	wgx_agent_endpoints_free(&prev);
	wgx_agent_desired_free(&d);
}

int main(void)
{
	if (wgx_crypto_init())
		return 1;
	test_desired();
	test_running();
	test_diff();
	return tap_done();
}
