// SPDX-License-Identifier: MIT
/*
 * The host's own addresses in wgx_local4/wgx_local6, so that wgx_rx takes
 * only datagrams addressed to this host and passes WireGuard it merely
 * forwards (a router between two other peers). Kept by a full resync from a
 * netlink address dump at start and after every address change (the plane's
 * netlink watch): no event lost to an overrun can leave a stale entry. Once
 * the maps are filled, WGX_CFG_LOCAL_ONLY turns the check on; if the dump
 * fails it stays off (every address counts as ours, the old behaviour).
 * Control thread only.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/log.h"
#include "plane/xdp/xdp_link.h"
#include "plane/xdp/xdp_local.h"
#include "plane/xdp/xdp_loader.h"
#include "wgx_xdp.skel.h"

struct local_set {
	uint8_t addr[WGX_MAX_LOCAL_ADDRS][16];
	uint8_t family[WGX_MAX_LOCAL_ADDRS];
	int ifindex[WGX_MAX_LOCAL_ADDRS];
	unsigned int n;
};

static int collect(void *ctx, int family, const uint8_t *addr, int ifindex)
{
	struct local_set *set = ctx;

	if (set->n == WGX_MAX_LOCAL_ADDRS)
		return -E2BIG;
	memcpy(set->addr[set->n], addr, family == AF_INET ? 4 : 16);
	set->family[set->n] = (uint8_t)family;
	set->ifindex[set->n++] = ifindex;
	return 0;
}

static bool in_set(const struct local_set *set, int family, const uint8_t *key)
{
	for (unsigned int i = 0; i < set->n; i++)
		if (set->family[i] == family &&
		    !memcmp(set->addr[i], key, family == AF_INET ? 4 : 16))
			return true;
	return false;
}

/* Delete every key of map fd that the fresh set lacks. */
static int prune(int fd, int family, const struct local_set *set)
{
	uint8_t key[16], next[16];
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, sizeof(key));
		if (!in_set(set, family, key)) {
			if (bpf_map_delete_elem(fd, key))
				return -errno;
			prev = NULL; /* deleting may reorder the walk: start again */
			continue;
		}
		prev = key;
	}
	return errno == ENOENT ? 0 : -errno;
}

int wgx_xdp_local_sync(struct wgx_bpf *b, uint32_t *flags)
{
	static struct local_set set; /* 80 KB: not on the stack; control thread only */
	struct wgx_xdp *skel = wgx_bpf_skel(b);
	int fd4 = bpf_map__fd(skel->maps.wgx_local4), fd6 = bpf_map__fd(skel->maps.wgx_local6);
	int ret;

	set.n = 0;
	ret = wgx_local_addrs_dump(collect, &set);
	for (unsigned int i = 0; !ret && i < set.n; i++) {
		struct wgx_local_val v = { .ifindex = (uint32_t)set.ifindex[i] };

		if (bpf_map_update_elem(set.family[i] == AF_INET ? fd4 : fd6, set.addr[i], &v,
					BPF_ANY))
			ret = -errno;
	}
	if (!ret)
		ret = prune(fd4, AF_INET, &set) ?: prune(fd6, AF_INET6, &set);
	if (ret) {
		/* Half a set would pass our own traffic: check nothing instead. */
		pr_warn("local addresses: %s; wgx_rx treats every address as ours", strerror(-ret));
		*flags &= ~WGX_CFG_LOCAL_ONLY;
	} else {
		*flags |= WGX_CFG_LOCAL_ONLY;
	}
	return wgx_bpf_set_flags(b, *flags) ?: ret;
}
