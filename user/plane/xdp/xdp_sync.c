// SPDX-License-Identifier: MIT
#include "plane/xdp/xdp_sync.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "lib/log.h"
#include "plane/xdp/xdp_loader.h"

static void warn_failed(const char *what, int ret)
{
	if (ret)
		pr_warn("bpf: %s: %s", what, strerror(-ret));
}

static void sync_listen_port(void *b, uint16_t port)
{
	warn_failed("wgx_cfg listen port", wgx_bpf_set_listen_port(b, port));
}

static void sync_index_add(void *b, uint32_t index, uint32_t peer_id)
{
	warn_failed("wgx_idx add", wgx_bpf_idx_add(b, index, peer_id, 0));
}

static void sync_index_del(void *b, uint32_t index)
{
	int ret = wgx_bpf_idx_del(b, index);

	warn_failed("wgx_idx del", ret == -ENOENT ? 0 : ret);
}

static void sync_peer(void *b, uint32_t peer_id, const uint8_t public_key[32],
		      const struct sockaddr *ep)
{
	struct wgx_peer_val v = { 0 };

	memcpy(v.public_key, public_key, sizeof(v.public_key));
	if (ep->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ep;

		v.endpoint.family = AF_INET;
		v.endpoint.port = ntohs(in->sin_port);
		memcpy(v.endpoint.addr, &in->sin_addr, 4);
	} else if (ep->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ep;

		v.endpoint.family = AF_INET6;
		v.endpoint.port = ntohs(in6->sin6_port);
		memcpy(v.endpoint.addr, &in6->sin6_addr, 16);
	}
	warn_failed("wgx_peers set", wgx_bpf_peer_set(b, peer_id, &v));
}

static void sync_peer_del(void *b, uint32_t peer_id)
{
	int ret = wgx_bpf_peer_del(b, peer_id);

	warn_failed("wgx_peers del", ret == -ENOENT ? 0 : ret);
}

static void sync_aip(void *b, int family, const void *addr, uint8_t cidr, uint32_t peer_id,
		     bool add)
{
	int ret = add ? wgx_bpf_aip_add(b, family, addr, cidr, peer_id) :
			wgx_bpf_aip_del(b, family, addr, cidr);

	warn_failed(add ? "allowed IP add" : "allowed IP del", ret == -ENOENT ? 0 : ret);
}

const struct wgx_table_hooks wgx_xdp_table_hooks = {
	.listen_port = sync_listen_port,
	.index_add = sync_index_add,
	.index_del = sync_index_del,
	.peer_set = sync_peer,
	.peer_del = sync_peer_del,
	.aip = sync_aip,
};

int wgx_xdp_meta_take(uint8_t *pkt, uint32_t *peer_id, uint64_t *queued_ns)
{
	struct wgx_xdp_meta *m = (struct wgx_xdp_meta *)(pkt - sizeof(*m));
	int kind;

	if (m->magic != WGX_META_MAGIC)
		return 0;
	*peer_id = m->peer_id;
	*queued_ns = m->queued_ns;
	kind = m->kind;
	m->magic = 0;
	return kind;
}
