/* SPDX-License-Identifier: MIT */
/* The loader handle, shared by xdp_loader.c and xdp_maps.c only. */
#ifndef WGX_XDP_LOADER_INT_H
#define WGX_XDP_LOADER_INT_H

#include <limits.h>
#include <stdbool.h>
#include <linux/types.h>

#include "plane/xdp/xdp_multiprog.h"

struct wgx_bpf {
	struct wgx_xdp *skel;
	char name[16];
	char pin_dir[64];
	int ifindex[2];		/* by enum wgx_bpf_prog; 0 = not attached */
	__u32 mode_flag[2];	/* XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE */
	bool pinned;
	bool rx_multi;		/* wgx_rx went in through libxdp's dispatcher */
	/* Loaded over the maps pinned under NAME, a restart's predecessor's: a
	 * lone wgx program using these maps is its, and replaced atomically. */
	bool over_pins;
	struct wgx_multiprog rx_mp;
};

#endif
