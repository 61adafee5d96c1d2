/* SPDX-License-Identifier: MIT */
/*
 * Kubernetes Node objects as WireGuard peers, Kilo-style (the agent's API
 * mode; cli/agent_kube.h feeds it). A node takes part when it carries
 *   wg-xdp.io/public-key            its WireGuard public key (base64), required;
 *   wg-xdp.io/endpoint              "IPv4:port" or "[IPv6]:port" (numeric), optional;
 *   wg-xdp.io/allowed-ips           extra prefixes, comma-separated, optional;
 *   wg-xdp.io/persistent-keepalive  seconds, optional;
 * and its peer's allowed IPs are spec.podCIDRs (or spec.podCIDR) plus the
 * extra prefixes. The node's InternalIP is not added: it is usually the
 * endpoint itself, and routing the underlay into the tunnel would loop.
 * A node whose annotations are invalid, or whose key or a prefix another
 * node (earlier by name) already has, is skipped with a reason; the others
 * still become peers.
 */
#ifndef WGX_AGENT_NODES_H
#define WGX_AGENT_NODES_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#define WGX_KUBE_ANN_KEY "wg-xdp.io/public-key"
#define WGX_KUBE_ANN_ENDPOINT "wg-xdp.io/endpoint"
#define WGX_KUBE_ANN_ALLOWED "wg-xdp.io/allowed-ips"
#define WGX_KUBE_ANN_KEEPALIVE "wg-xdp.io/persistent-keepalive"

/* One Node as far as the agent cares; strings are "" when absent. */
struct wgx_kube_node {
	char *name;
	char *key;		/* the annotation, as written */
	char *endpoint;		/* the annotation, as written */
	char *allowed_ips;	/* "p1, p2, ...": pod CIDRs then the extra ones (valid only) */
	char internal_ip[46];	/* status.addresses InternalIP (IPv4 preferred) */
	unsigned int keepalive;
	const char *invalid;	/* why the annotations cannot make a peer, or NULL */
};

/* Every node seen, sorted by name, and where a watch resumes. */
struct wgx_kube_nodes {
	size_t n, cap;
	struct wgx_kube_node *v;
	char resource_version[64];
};

/* Parse one Node object into *out (free with wgx_kube_node_free). 0, -EINVAL (no name), -ENOMEM. */
int wgx_kube_node_parse(json_object *node, struct wgx_kube_node *out);
void wgx_kube_node_free(struct wgx_kube_node *n);

/* Insert or replace by name (takes *n over), or remove name. 0 or -ENOMEM. */
int wgx_kube_nodes_put(struct wgx_kube_nodes *ns, struct wgx_kube_node *n);
void wgx_kube_nodes_del(struct wgx_kube_nodes *ns, const char *name);
const struct wgx_kube_node *wgx_kube_nodes_get(const struct wgx_kube_nodes *ns, const char *name);
void wgx_kube_nodes_free(struct wgx_kube_nodes *ns);

/*
 * The endpoint "IPv4:port" or "[IPv6]:port" that @addr (a numeric address,
 * with or without a port: "10.0.0.1", "10.0.0.1:51820", "fd00::1",
 * "[fd00::1]:51820") names, @port where it has none, in @out. False (and
 * @out empty) if @addr is not one of those forms or does not fit.
 */
bool wgx_kube_endpoint_of(const char *addr, unsigned int port, char *out, size_t size);

/* A node the rendering left out, and why (for status and logs). */
struct wgx_kube_skip {
	char node[64];
	char reason[96];
};

#define WGX_KUBE_SKIPS_SHOWN 16

struct wgx_kube_render {
	char *text;		/* `wg setconf` [Peer] sections, malloc'd */
	size_t nodes, peers, skipped;
	size_t unannotated;	/* other nodes without a key annotation (no agent yet) */
	struct wgx_kube_skip skips[WGX_KUBE_SKIPS_SHOWN]; /* the first ones */
};

/*
 * Render every node but self (by name) that carries a public key as a
 * [Peer] section (with "# friendly_name=" = the node name, cut to 63
 * characters), for wgx_agent_desired_parse(). Nodes without the key
 * annotation (no agent published one yet) are counted apart, not skipped.
 * 0 or -ENOMEM; free out->text.
 */
int wgx_kube_nodes_render(const struct wgx_kube_nodes *ns, const char *self,
			  struct wgx_kube_render *out);

/*
 * The merge patch that makes node's annotations say key and endpoint
 * (endpoint NULL: leave that annotation alone), or NULL when they already
 * do. malloc'd JSON.
 */
char *wgx_kube_node_patch(const struct wgx_kube_node *node, const char *key, const char *endpoint);

#endif
