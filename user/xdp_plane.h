/* SPDX-License-Identifier: MIT */
/* The XDP data plane's state, shared by xdp_mode.c and xdp_path.c only. */
#ifndef WGX_XDP_PLANE_H
#define WGX_XDP_PLANE_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "send.h"
#include "udp.h"
#include "xdp_link.h"
#include "xdp_xsk.h"

#define WGX_XDP_MAX_NIC_QUEUES 64	/* WGX_MAX_QUEUES */
#define WGX_XDP_RX_BATCH 64
#define WGX_XDP_NH_SLOTS 256		/* next-hop cache, direct mapped */
/* Frames kept back from the fill rings so TX of copied packets never starves. */
#define WGX_XDP_TX_RESERVE 512

enum { NH_EMPTY, NH_PENDING, NH_VALID, NH_NOT_OURS };

/* How to reach one endpoint address through the NIC's XSK. */
struct wgx_xdp_nh {
	uint8_t state;
	uint8_t family;
	uint8_t addr[16];
	struct wgx_nexthop nh;
	uint64_t checked_ns;
};

struct wgx_xdp_plane {
	struct wgx_device *dev;
	struct wgx_xsk_pool pool;
	struct wgx_xsk nic[WGX_XDP_MAX_NIC_QUEUES];
	unsigned int n_nic;
	struct wgx_xsk tun;
	char nic_name[IF_NAMESIZE], dp_name[IF_NAMESIZE];
	int nic_ifindex, dp_ifindex;
	uint8_t nic_mac[6], host_mac[6], dp_mac[6];
	int rx_xdp_mode, tun_xdp_mode;	/* enum wgx_xdp_mode */
	bool veth_created;

	struct wgx_xdp_nh nh[WGX_XDP_NH_SLOTS];
	uint64_t nh_scan_ns;
	bool nh_wanted;			/* a lookup missed: resolve soon */

	bool frame_taken;		/* set by deliver: the RX frame went to TX */
	uint16_t ip_id;
	struct wgx_tx_batch tx;		/* sealed messages awaiting wgx_xdp_send_batch */
	struct wgx_udp_msg fallback[WGX_TX_BATCH];
};

/* xdp_path.c */
void wgx_xdp_nic_rx(struct wgx_xdp_plane *p, struct wgx_xsk *x, uint64_t now);
void wgx_xdp_tun_rx(struct wgx_xdp_plane *p, uint64_t now);
/* Reap completions, refill, kick pending TX. Returns true while TX is in flight. */
bool wgx_xdp_service(struct wgx_xdp_plane *p);
/* Resolve missed/stale next hops (netlink); cheap when nothing is due. */
void wgx_xdp_nh_refresh(struct wgx_xdp_plane *p, uint64_t now);

#endif
