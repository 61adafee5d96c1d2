// SPDX-License-Identifier: MIT
/*
 * `wg-xdp agent`'s API mode, its pure parts: the kubeconfig (current context,
 * inline or file credentials, relative paths, what is refused), in-cluster
 * defaults, Node objects -> desired [Peer] sections (annotations, pod CIDRs,
 * invalid and conflicting nodes skipped while the others stay), the merge
 * patch of our own Node, the watch stream's line framing across arbitrary
 * splits, and the merge of the API's peers into a file's state.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/agent_kubeconfig.h"
#include "cli/agent_nodes.h"
#include "cli/agent_state.h"
#include "cli/agent_watch.h"
#include "core/crypto.h"
#include "prng.h"
#include "tap.h"

#define PUB1 "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
#define PUB2 "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="
#define PUB3 "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw="
/* "-----BEGIN X-----\n" in base64. */
#define PEM_B64 "LS0tLS1CRUdJTiBYLS0tLS0K"

static const char kubeconfig[] =
	"apiVersion: v1\nkind: Config\n"
	"clusters:\n"
	"- name: other\n  cluster: {server: 'https://10.0.0.9:6443'}\n"
	"- name: k8s\n  cluster:\n    server: https://127.0.0.1:6443/\n"
	"    certificate-authority-data: " PEM_B64 "\n"
	"users:\n"
	"- name: node\n  user:\n    token: s3cr3t-token\n"
	"- name: cert\n  user:\n    client-certificate: pki/node.crt\n"
	"    client-key-data: " PEM_B64 "\n"
	"contexts:\n"
	"- name: a\n  context: {cluster: other, user: node}\n"
	"- name: b\n  context: {cluster: k8s, user: node}\n"
	"- name: c\n  context: {cluster: k8s, user: cert}\n"
	"current-context: b\n";

/* kubeconfig with from replaced by to (of the same length). */
static int parse_with(const char *from, const char *to, struct wgx_kubeconfig *kc, char *err)
{
	char *text = strdup(kubeconfig), *p = strstr(text, from);
	int ret;

	memcpy(p, to, strlen(to)); /* same length */
	ret = wgx_kubeconfig_parse(text, strlen(text), "/etc/kube", kc, err, 256);
	free(text);
	return ret;
}

static void test_kubeconfig(void)
{
	struct wgx_kubeconfig kc;
	char err[256] = "", *tok;
	int ret;

	ret = wgx_kubeconfig_parse(kubeconfig, strlen(kubeconfig), "/etc/kube", &kc, err, sizeof(err));
	ok(ret == 0, "kubeconfig parses (%s)", err);
	ok(kc.server && !strcmp(kc.server, "https://127.0.0.1:6443"),
	   "current-context b -> cluster k8s, its server without the trailing '/' (%s)", kc.server);
	ok(kc.ca.data && kc.ca.len == 18 && !memcmp(kc.ca.data, "-----BEGIN X-----\n", 18) && !kc.ca.file,
	   "certificate-authority-data decoded from base64");
	ok(kc.token && !strcmp(kc.token, "s3cr3t-token") && !kc.cert.file && !kc.key.data,
	   "user node: the bearer token, no client certificate");
	ok(wgx_kubeconfig_token(&kc, &tok) == 0 && tok && !strcmp(tok, "s3cr3t-token"),
	   "the token for a connection is the inline one");
	wgx_kubeconfig_secret_free(tok);
	wgx_kubeconfig_free(&kc);
	ok(!kc.server && !kc.token, "free leaves the config empty");

	ret = parse_with("current-context: b", "current-context: c", &kc, err);
	ok(ret == 0 && kc.cert.file && !strcmp(kc.cert.file, "/etc/kube/pki/node.crt"),
	   "user cert: client-certificate relative to the kubeconfig's directory (%s)", kc.cert.file);
	ok(kc.key.data && kc.key.len == 18 && !kc.token, "client-key-data decoded, no token");
	wgx_kubeconfig_free(&kc);

	ret = parse_with("server: https://127.0.0.1:6443/", "server: https://10.0.0.1/k8/c//", &kc, err);
	ok(ret == 0 && !strcmp(kc.server, "https://10.0.0.1/k8/c"),
	   "a server URL's path prefix is kept, its trailing slashes dropped (%s)", kc.server);
	wgx_kubeconfig_free(&kc);
	ret = parse_with("current-context: b", "current-context: x", &kc, err);
	ok(ret == -EINVAL && strstr(err, "no such context"), "an unknown current-context: %s", err);
	ret = parse_with("server: https://127.0.0.1:6443/", "server: http://127.0.0.1:6443/ ", &kc, err);
	ok(ret == -EINVAL && strstr(err, "https"), "a plain-http server is refused: %s", err);
	ret = parse_with("token: s3cr3t-token", "tokxn: s3cr3t-token", &kc, err);
	ok(ret == -EINVAL && strstr(err, "no token") && !strstr(err, "s3cr3t"),
	   "a user without credentials is refused, the message names no secret: %s", err);
	{
		char *text = strdup(kubeconfig);

		memcpy(strstr(text, "client-key-data"), "client-kxy-data", 15);
		memcpy(strstr(text, "current-context: b"), "current-context: c", 18);
		ret = wgx_kubeconfig_parse(text, strlen(text), "/etc/kube", &kc, err, sizeof(err));
		free(text);
	}
	ok(ret == -EINVAL && strstr(err, "go together"), "a certificate without its key is refused: %s",
	   err);
	ret = wgx_kubeconfig_parse("clusters: [\n", 12, NULL, &kc, err, sizeof(err));
	ok(ret == -EINVAL && strstr(err, "YAML error"), "broken YAML is a YAML error: %s", err);
	ret = parse_with("certificate-authority-data: LS0t", "certificate-authority-data: L!0t", &kc, err);
	ok(ret == -EINVAL && strstr(err, "base64"), "bad base64 data is refused: %s", err);
}

static void test_in_cluster(void)
{
	struct wgx_kubeconfig kc;
	char err[256] = "", dir[] = "/tmp/wgx-test-sa.XXXXXX", path[300], *tok = NULL;
	FILE *f;
	int ret;

	unsetenv("KUBERNETES_SERVICE_HOST");
	ok(wgx_kubeconfig_in_cluster("/nonexistent", &kc, err, sizeof(err)) == -ENOENT,
	   "not in a pod: %s", err);
	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	ok(mkdtemp(dir) != NULL, "a service-account directory fixture");
	snprintf(path, sizeof(path), "%s/token", dir);
	f = fopen(path, "w");
	fputs("rotated-token\n", f);
	fclose(f);
	ret = wgx_kubeconfig_in_cluster(dir, &kc, err, sizeof(err));
	ok(ret == 0 && !strcmp(kc.server, "https://[fd00::1]:443") && strstr(kc.ca.file, "/ca.crt"),
	   "in a pod: the service's address (IPv6 in brackets) and the mounted CA (%s)", kc.server);
	ok(wgx_kubeconfig_token(&kc, &tok) == 0 && tok && !strcmp(tok, "rotated-token"),
	   "the token file is read at each connection, without its newline");
	wgx_kubeconfig_secret_free(tok);
	unlink(path);
	ok(wgx_kubeconfig_token(&kc, &tok) == -ENOENT, "a vanished token file is an error, not a stale token");
	rmdir(dir);
	wgx_kubeconfig_free(&kc);
}

/* A Node object as the API serves it. */
static json_object *node(const char *name, const char *key, const char *endpoint,
			 const char *pod_cidrs_json, const char *extra_annotations)
{
	char buf[2048];

	snprintf(buf, sizeof(buf),
		 "{\"kind\":\"Node\",\"metadata\":{\"name\":\"%s\",\"resourceVersion\":\"7\","
		 "\"annotations\":{\"x\":\"y\"%s%s%s%s%s%s}},\"spec\":{%s%s},"
		 "\"status\":{\"addresses\":[{\"type\":\"Hostname\",\"address\":\"n\"},"
		 "{\"type\":\"InternalIP\",\"address\":\"fd00::7\"},"
		 "{\"type\":\"InternalIP\",\"address\":\"198.18.0.7\"}]}}",
		 name, key ? ",\"wg-xdp.io/public-key\":\"" : "", key ? key : "", key ? "\"" : "",
		 endpoint ? ",\"wg-xdp.io/endpoint\":\"" : "", endpoint ? endpoint : "",
		 endpoint ? "\"" : "", pod_cidrs_json ? "\"podCIDRs\":" : "",
		 pod_cidrs_json ? pod_cidrs_json : "");
	if (extra_annotations) {
		char *p = strstr(buf, "\"x\":\"y\"");
		char tail[2048];

		snprintf(tail, sizeof(tail), "%s", p + 7);
		snprintf(p + 7, sizeof(buf) - (size_t)(p + 7 - buf), ",%s%s", extra_annotations, tail);
	}
	return json_tokener_parse(buf);
}

static int put(struct wgx_kube_nodes *ns, json_object *o)
{
	struct wgx_kube_node n;
	int ret = wgx_kube_node_parse(o, &n);

	json_object_put(o);
	if (!ret)
		ret = wgx_kube_nodes_put(ns, &n);
	wgx_kube_node_free(&n);
	return ret;
}

static void test_nodes(void)
{
	struct wgx_kube_nodes ns = { 0 };
	struct wgx_kube_render r;
	struct wgx_kube_node n;
	struct wgx_agent_desired d;
	char err[256] = "", *patch;
	json_object *o;

	o = node("node-b", PUB2, "198.18.0.2:51820", "[\"10.244.2.0/24\",\"fd00:244:2::/64\"]",
		 "\"wg-xdp.io/allowed-ips\":\"100.64.0.2/32, 100.64.9.0/24\","
		 "\"wg-xdp.io/persistent-keepalive\":\"25\"");
	ok(wgx_kube_node_parse(o, &n) == 0 && !n.invalid, "a complete Node parses, valid");
	ok(!strcmp(n.allowed_ips, "10.244.2.0/24, fd00:244:2::/64, 100.64.0.2/32, 100.64.9.0/24"),
	   "allowed IPs: podCIDRs then wg-xdp.io/allowed-ips (%s)", n.allowed_ips);
	ok(n.keepalive == 25 && !strcmp(n.internal_ip, "198.18.0.7"),
	   "keepalive 25; InternalIP: the IPv4 one preferred (%s)", n.internal_ip);
	json_object_put(o);
	wgx_kube_node_free(&n);

	ok(put(&ns, node("node-b", PUB2, "198.18.0.2:51820", "[\"10.244.2.0/24\"]", NULL)) == 0 &&
		   put(&ns, node("node-a", PUB1, NULL, "[\"10.244.1.0/24\"]", NULL)) == 0 &&
		   put(&ns, node("node-plain", NULL, NULL, "[\"10.244.5.0/24\"]", NULL)) == 0 &&
		   put(&ns, node("node-bad", "bm90LWEta2V5", NULL, "[\"10.244.6.0/24\"]", NULL)) == 0 &&
		   put(&ns, node("node-badep", PUB3, "host.example:51820", "[\"10.244.7.0/24\"]", NULL)) == 0 &&
		   put(&ns, node("node-c", PUB3, "[2001:2::3]:51820", "[\"10.244.3.0/24\"]", NULL)) == 0,
	   "six Nodes stored");
	ok(ns.n == 6 && !strcmp(ns.v[0].name, "node-a") && !strcmp(ns.v[5].name, "node-plain"),
	   "kept sorted by name");
	ok(wgx_kube_nodes_render(&ns, "node-a", &r) == 0, "render");
	ok(r.nodes == 6 && r.peers == 2 && r.skipped == 2 && r.unannotated == 1,
	   "self and the unannotated node (counted apart) are no peers; two skipped (%zu peers, %zu skipped)", r.peers,
	   r.skipped);
	ok(!strcmp(r.skips[0].node, "node-bad") && strstr(r.skips[0].reason, "public-key") &&
		   !strcmp(r.skips[1].node, "node-badep") && strstr(r.skips[1].reason, "endpoint"),
	   "skipped with reasons: %s: %s; %s: %s", r.skips[0].node, r.skips[0].reason,
	   r.skips[1].node, r.skips[1].reason);
	ok(strstr(r.text, "[Peer]\n# friendly_name=node-b\nPublicKey = " PUB2
			  "\nAllowedIPs = 10.244.2.0/24\nEndpoint = 198.18.0.2:51820\n") &&
		   strstr(r.text, "Endpoint = [2001:2::3]:51820\n") && !strstr(r.text, PUB1),
	   "the [Peer] sections (our own key absent)");
	ok(wgx_agent_desired_parse(r.text, &d, err, sizeof(err)) == 0 && d.set.n_peers == 2,
	   "the rendering is a valid desired state (%s)", err);
	wgx_agent_desired_free(&d);
	free(r.text);

	/* A second node with node-b's key, another with node-c's pod CIDR (in another spelling). */
	put(&ns, node("node-dupkey", PUB2, NULL, "[\"10.244.8.0/24\"]", NULL));
	put(&ns, node("node-dupcidr", "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8yk0=", NULL,
		      "[\"10.244.3.9/24\"]", NULL));
	wgx_kube_nodes_render(&ns, "node-a", &r);
	ok(r.peers == 2 && r.skipped == 4, "conflicting nodes skipped (%zu peers, %zu skipped)", r.peers,
	   r.skipped);
	ok(strstr(r.text, "friendly_name=node-b\n") && strstr(r.text, "friendly_name=node-c\n") &&
		   !strstr(r.text, "node-dup"),
	   "the node earlier by name keeps the key or prefix");
	{
		bool key = false, cidr = false;

		for (size_t i = 0; i < r.skipped && i < WGX_KUBE_SKIPS_SHOWN; i++) {
			key |= !strcmp(r.skips[i].node, "node-dupkey") &&
			       !strcmp(r.skips[i].reason, "the public key of node node-b");
			cidr |= !strcmp(r.skips[i].node, "node-dupcidr") &&
				!strcmp(r.skips[i].reason, "a prefix of node node-c");
		}
		ok(key && cidr, "the reasons name the node that keeps it");
	}
	free(r.text);

	wgx_kube_nodes_del(&ns, "node-c");
	wgx_kube_nodes_del(&ns, "node-nonexistent");
	wgx_kube_nodes_render(&ns, "node-a", &r);
	ok(ns.n == 7 && r.peers == 2 && strstr(r.text, "friendly_name=node-dupcidr\n"),
	   "node-c deleted: its prefix free, node-dupcidr a peer now");
	free(r.text);

	put(&ns, node("node-b", PUB2, "198.18.0.22:51820", "[\"10.244.2.0/24\"]", NULL));
	ok(ns.n == 7 && strstr(wgx_kube_nodes_get(&ns, "node-b")->endpoint, "198.18.0.22"),
	   "a MODIFIED Node replaces the old one");
	patch = wgx_kube_node_patch(wgx_kube_nodes_get(&ns, "node-a"), PUB1, NULL);
	ok(patch == NULL, "our key already published, no endpoint asked: no patch");
	patch = wgx_kube_node_patch(wgx_kube_nodes_get(&ns, "node-a"), PUB1, "198.18.0.1:51820");
	ok(patch && !strcmp(patch, "{\"metadata\":{\"annotations\":{\"wg-xdp.io\\/public-key\":\"" PUB1
				   "\",\"wg-xdp.io\\/endpoint\":\"198.18.0.1:51820\"}}}"),
	   "a missing endpoint: a merge patch of both annotations (%s)", patch);
	free(patch);

	o = node("node-x", PUB1, NULL, "[\"10.244.1.0/33\"]", NULL);
	wgx_kube_node_parse(o, &n);
	ok(n.invalid && strstr(n.invalid, "podCIDR"), "a /33 pod CIDR makes the node invalid");
	json_object_put(o);
	wgx_kube_node_free(&n);
	o = node("node-x", PUB1, NULL, NULL, "\"wg-xdp.io/persistent-keepalive\":\"-1\"");
	wgx_kube_node_parse(o, &n);
	ok(n.invalid && strstr(n.invalid, "keepalive") && !n.allowed_ips[0],
	   "a negative keepalive makes it invalid; no pod CIDR: no allowed IPs");
	json_object_put(o);
	wgx_kube_node_free(&n);
	o = json_tokener_parse("{\"metadata\":{}}");
	ok(wgx_kube_node_parse(o, &n) == -EINVAL, "a Node without a name is refused");
	json_object_put(o);
	wgx_kube_nodes_free(&ns);
}

struct lines {
	char got[8][128];
	size_t n;
};

static int collect(char *line, size_t len, void *arg)
{
	struct lines *l = arg;

	if (l->n < 8 && len < 128)
		memcpy(l->got[l->n], line, len + 1);
	l->n++;
	return !strcmp(line, "stop") ? 42 : 0;
}

static void test_watch(void)
{
	static const char stream[] =
		"{\"type\":\"ADDED\",\"object\":{}}\n{\"type\":\"BOOKMARK\"}\r\n\n"
		"{\"type\":\"DELETED\",\"object\":{\"a\":\"\\n\"}}\n";
	struct wgx_watch_lines w = { 0 };
	struct lines l;
	bool all = true;

	prng_seed(19);
	for (int round = 0; round < 200; round++) {
		size_t off = 0, len = sizeof(stream) - 1;

		memset(&l, 0, sizeof(l));
		wgx_watch_reset(&w);
		while (off < len) {
			size_t n = 1 + prng_below(round < 100 ? 3 : 40);

			n = n > len - off ? len - off : n;
			all &= wgx_watch_feed(&w, stream + off, n, collect, &l) == 0;
			off += n;
		}
		all &= l.n == 3 && !strcmp(l.got[0], "{\"type\":\"ADDED\",\"object\":{}}") &&
		       !strcmp(l.got[1], "{\"type\":\"BOOKMARK\"}") &&
		       !strcmp(l.got[2], "{\"type\":\"DELETED\",\"object\":{\"a\":\"\\n\"}}");
	}
	ok(all, "200 random splits of a stream: the same 3 events, CR and empty lines dropped");
	memset(&l, 0, sizeof(l));
	wgx_watch_reset(&w);
	ok(wgx_watch_feed(&w, "{\"type\":\"ADD", 12, collect, &l) == 0 && l.n == 0,
	   "a partial line is held back");
	wgx_watch_reset(&w);
	ok(wgx_watch_feed(&w, "ED\"}\nx\n", 7, collect, &l) == 0 && l.n == 2 && !strcmp(l.got[0], "ED\"}"),
	   "reset forgets the partial line (a new stream)");
	memset(&l, 0, sizeof(l));
	ok(wgx_watch_feed(&w, "a\nstop\nb\n", 9, collect, &l) == 42 && l.n == 2,
	   "a callback's non-zero value stops the feed and is returned");
	wgx_watch_reset(&w);
	{
		size_t big = WGX_WATCH_LINE_MAX + 1;
		char *blob = malloc(big);

		memset(blob, 'x', big);
		ok(wgx_watch_feed(&w, blob, big, collect, &l) == -E2BIG, "an endless line is -E2BIG");
		free(blob);
	}
	wgx_watch_free(&w);
}

static void test_merge(void)
{
	static const char file[] =
		"[Interface]\nListenPort = 51820\n\n"
		"[Peer]\n# friendly_name=static\nPublicKey = " PUB2 "\nAllowedIPs = 10.9.0.0/16\n";
	static const char api[] =
		"[Peer]\n# friendly_name=node-b\nPublicKey = " PUB2 "\nAllowedIPs = 10.244.2.0/24\n\n"
		"[Peer]\n# friendly_name=node-c\nPublicKey = " PUB3 "\nAllowedIPs = 10.244.3.0/24\n\n"
		"[Peer]\n# friendly_name=node-a\nPublicKey = " PUB1 "\nAllowedIPs = 10.244.1.0/24\n";
	static const char api_overlap[] =
		"[Peer]\nPublicKey = " PUB3 "\nAllowedIPs = 10.9.1.0/24, 10.9.0.0/16\n";
	struct wgx_agent_desired d, a;
	char err[256] = "";
	size_t shadowed;

	wgx_agent_desired_parse(file, &d, err, sizeof(err));
	wgx_agent_desired_parse(api, &a, err, sizeof(err));
	ok(wgx_agent_desired_merge(&d, &a, &shadowed, err, sizeof(err)) == 0 && shadowed == 1 &&
		   d.set.n_peers == 3 && d.manage_listen_port,
	   "merge: the file's peer wins its key (1 shadowed), the others added, 3 peers (%s)", err);
	ok(wgx_agent_set_find(&d.set, (const uint8_t *)d.set.peers[0].public_key) == &d.set.peers[0] &&
		   memcmp(d.set.peers[0].public_key, d.set.peers[1].public_key, 32) < 0 &&
		   memcmp(d.set.peers[1].public_key, d.set.peers[2].public_key, 32) < 0,
	   "the merged state stays sorted by key");
	{
		bool names = true;

		for (size_t i = 0; i < d.set.n_peers; i++) {
			if (d.set.peers[i].n_allowed_ips != 1)
				names = false;
			if (d.set.peers[i].allowed_ips[0].addr[1] == 9)
				names &= !strcmp(d.names[i], "static");
		}
		ok(names, "each peer kept its allowed IPs and name (the file's 'static' for the shared key)");
	}
	wgx_agent_desired_free(&a);
	wgx_agent_desired_free(&d);

	wgx_agent_desired_parse(file, &d, err, sizeof(err));
	wgx_agent_desired_parse(api_overlap, &a, err, sizeof(err));
	ok(wgx_agent_desired_merge(&d, &a, &shadowed, err, sizeof(err)) == -EINVAL &&
		   strstr(err, "10.9.0.0/16"),
	   "a prefix in a file peer and a node peer: the merged state is refused: %s", err);
	wgx_agent_desired_free(&a);
	wgx_agent_desired_free(&d);
}

/* --endpoint and the InternalIP: a numeric address, its port or the device's. */
static void test_endpoint_of(void)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "10.0.0.1", "10.0.0.1:51820" },	{ "10.0.0.1:4000", "10.0.0.1:4000" },
		{ "fd00::1", "[fd00::1]:51820" },	{ "[fd00::1]", "[fd00::1]:51820" },
		{ "[fd00::1]:4000", "[fd00::1]:4000" }, { "node-a.example", "" },
		{ "node-a.example:4000", "" },		{ "10.0.0.1:0", "" },
		{ "10.0.0.1:65536", "" },		{ "10.0.0.1:", "" },
		{ "[10.0.0.1]:4000", "" },		{ "", "" },
		{ "fd00::1:4000x", "" },
	};
	char out[80];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool valid = wgx_kube_endpoint_of(cases[i].in, 51820, out, sizeof(out));

		ok(valid == (cases[i].want[0] != '\0') && !strcmp(out, cases[i].want),
		   "endpoint of '%s': '%s'", cases[i].in, out);
	}
	ok(!wgx_kube_endpoint_of("10.0.0.1", 51820, out, 8) && !out[0],
	   "an endpoint that does not fit the buffer is refused");
}

int main(void)
{
	if (wgx_crypto_init())
		return 1;
	test_kubeconfig();
	test_in_cluster();
	test_nodes();
	test_watch();
	test_merge();
	test_endpoint_of();
	return tap_done();
}
