// SPDX-License-Identifier: MIT
/*
 * Keep the BPF maps in sync with the daemon's state, and read the counters
 * (contracts in xdp_loader.h). Every function is one or two map syscalls.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "plane/xdp/xdp_loader.h"
#include "plane/xdp/xdp_loader_int.h"
#include "wgx_xdp.skel.h"

static int map_fd(struct bpf_map *map)
{
	return bpf_map__fd(map);
}

static int update(struct bpf_map *map, const void *key, const void *val)
{
	return bpf_map_update_elem(map_fd(map), key, val, BPF_ANY) ? -errno : 0;
}

static int delete(struct bpf_map *map, const void *key)
{
	return bpf_map_delete_elem(map_fd(map), key) ? -errno : 0;
}

/* Read-modify-write of wgx_cfg; single writer (the control thread). */
static int cfg_edit(struct wgx_bpf *b, void (*edit)(struct wgx_cfg *, const void *),
		    const void *arg)
{
	struct wgx_cfg cfg;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(map_fd(b->skel->maps.wgx_cfg), &zero, &cfg))
		return -errno;
	edit(&cfg, arg);
	return update(b->skel->maps.wgx_cfg, &zero, &cfg);
}

static void edit_port(struct wgx_cfg *c, const void *arg)
{
	c->listen_port = *(const uint16_t *)arg;
}

static void edit_flags(struct wgx_cfg *c, const void *arg)
{
	c->flags = *(const uint32_t *)arg;
}

static void edit_rate(struct wgx_cfg *c, const void *arg)
{
	const uint32_t *r = arg;

	c->hs_cost_ns = 1000000000ULL / r[0];
	c->hs_burst_ns = c->hs_cost_ns * r[1];
}

int wgx_bpf_set_listen_port(struct wgx_bpf *b, uint16_t port)
{
	return cfg_edit(b, edit_port, &port);
}

int wgx_bpf_set_flags(struct wgx_bpf *b, uint32_t flags)
{
	return cfg_edit(b, edit_flags, &flags);
}

int wgx_bpf_set_hs_rate(struct wgx_bpf *b, uint32_t per_sec, uint32_t burst)
{
	uint32_t r[2] = { per_sec, burst };

	if (!per_sec || !burst)
		return -EINVAL;
	return cfg_edit(b, edit_rate, r);
}

/* Delete every entry of a HASH, LRU_HASH or LPM_TRIE map. */
static int empty_map(struct bpf_map *map)
{
	unsigned char key[64];
	int fd = map_fd(map);

	if (bpf_map__key_size(map) > sizeof(key))
		return -E2BIG;
	while (!bpf_map_get_next_key(fd, NULL, key))
		if (bpf_map_delete_elem(fd, key))
			return -errno;
	return errno == ENOENT ? 0 : -errno;
}

int wgx_bpf_reset_maps(struct wgx_bpf *b)
{
	struct bpf_map *maps[] = {
		b->skel->maps.wgx_idx,	  b->skel->maps.wgx_peers,  b->skel->maps.wgx_hosts4,
		b->skel->maps.wgx_hosts6, b->skel->maps.wgx_aips4,  b->skel->maps.wgx_aips6,
		b->skel->maps.wgx_local4, b->skel->maps.wgx_local6, b->skel->maps.wgx_hs_rl,
	};
	struct wgx_cfg cfg = { 0 };
	__u32 zero = 0;
	int err = 0;

	/* The XSKMAPs empty themselves: a slot goes with its socket. */
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]) && !err; i++)
		err = empty_map(maps[i]);
	if (!err)
		err = update(b->skel->maps.wgx_cfg, &zero, &cfg);
	if (!err)
		err = wgx_bpf_set_hs_rate(b, WGX_BPF_HS_PER_SEC, WGX_BPF_HS_BURST);
	b->over_pins = false;
	return err;
}

int wgx_bpf_idx_add(struct wgx_bpf *b, uint32_t index, uint32_t peer_id, uint32_t slot)
{
	struct wgx_idx_val v = { .peer_id = peer_id, .keypair_slot = slot };

	return update(b->skel->maps.wgx_idx, &index, &v);
}

int wgx_bpf_idx_del(struct wgx_bpf *b, uint32_t index)
{
	return delete(b->skel->maps.wgx_idx, &index);
}

int wgx_bpf_peer_set(struct wgx_bpf *b, uint32_t peer_id, const struct wgx_peer_val *peer)
{
	return update(b->skel->maps.wgx_peers, &peer_id, peer);
}

int wgx_bpf_peer_del(struct wgx_bpf *b, uint32_t peer_id)
{
	return delete(b->skel->maps.wgx_peers, &peer_id);
}

/* Copy addr's first cidr bits into out (len bytes), zeroing the rest, so
 * the dumped prefix reads like the configured one. */
static void mask_copy(uint8_t *out, const uint8_t *addr, size_t len, uint8_t cidr)
{
	for (size_t i = 0; i < len; i++) {
		unsigned int bits = cidr > i * 8 ? cidr - i * 8 : 0;

		out[i] = bits >= 8 ? addr[i] : addr[i] & (uint8_t)(0xff00 >> bits);
	}
}

union lpm_key {
	struct wgx_lpm4_key v4;
	struct wgx_lpm6_key v6;
};

/* Build the key for (family, addr, cidr) and pick its map: full-length
 * prefixes go to the host hash, the others to the trie (see bpf/maps.h).
 * *keyp points into k. Returns the map or NULL for a bad family/cidr. */
static struct bpf_map *aip_key(struct wgx_bpf *b, int family, const void *addr, uint8_t cidr,
			       union lpm_key *k, const void **keyp)
{
	memset(k, 0, sizeof(*k));
	if (family == AF_INET && cidr <= 32) {
		k->v4.prefixlen = cidr;
		mask_copy(k->v4.addr, addr, 4, cidr);
		*keyp = cidr == 32 ? (const void *)k->v4.addr : (const void *)&k->v4;
		return cidr == 32 ? b->skel->maps.wgx_hosts4 : b->skel->maps.wgx_aips4;
	}
	if (family == AF_INET6 && cidr <= 128) {
		k->v6.prefixlen = cidr;
		mask_copy(k->v6.addr, addr, 16, cidr);
		*keyp = cidr == 128 ? (const void *)k->v6.addr : (const void *)&k->v6;
		return cidr == 128 ? b->skel->maps.wgx_hosts6 : b->skel->maps.wgx_aips6;
	}
	return NULL;
}

int wgx_bpf_aip_add(struct wgx_bpf *b, int family, const void *addr, uint8_t cidr,
		    uint32_t peer_id)
{
	struct wgx_aip_val v = { .peer_id = peer_id };
	const void *key;
	union lpm_key k;
	struct bpf_map *map = aip_key(b, family, addr, cidr, &k, &key);

	return map ? update(map, key, &v) : -EINVAL;
}

int wgx_bpf_aip_del(struct wgx_bpf *b, int family, const void *addr, uint8_t cidr)
{
	const void *key;
	union lpm_key k;
	struct bpf_map *map = aip_key(b, family, addr, cidr, &k, &key);

	return map ? delete(map, key) : -EINVAL;
}

static struct bpf_map *xsks_of(struct wgx_bpf *b, enum wgx_bpf_prog which)
{
	return which == WGX_BPF_RX ? b->skel->maps.wgx_xsks : b->skel->maps.wgx_tun_xsks;
}

int wgx_bpf_xsk_set(struct wgx_bpf *b, enum wgx_bpf_prog which, uint32_t queue, int xsk_fd)
{
	__u32 fd = xsk_fd;

	return update(xsks_of(b, which), &queue, &fd);
}

int wgx_bpf_xsk_clear(struct wgx_bpf *b, enum wgx_bpf_prog which, uint32_t queue)
{
	return delete(xsks_of(b, which), &queue);
}

/* Sum a PERCPU_ARRAY of struct wgx_stat over all possible CPUs. */
static int stats_sum(int fd, struct wgx_stat out[WGX_REASON_MAX])
{
	int ncpu = libbpf_num_possible_cpus(), err = 0;
	struct wgx_stat *per;

	if (ncpu < 0)
		return ncpu;
	per = calloc(ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	memset(out, 0, sizeof(*out) * WGX_REASON_MAX);
	for (__u32 r = 0; r < WGX_REASON_MAX && !err; r++) {
		if (bpf_map_lookup_elem(fd, &r, per)) {
			err = -errno;
			break;
		}
		for (int c = 0; c < ncpu; c++) {
			out[r].packets += per[c].packets;
			out[r].bytes += per[c].bytes;
		}
	}
	free(per);
	return err;
}

int wgx_bpf_stats_read(struct wgx_bpf *b, struct wgx_stat out[WGX_REASON_MAX])
{
	return stats_sum(map_fd(b->skel->maps.wgx_stats), out);
}
