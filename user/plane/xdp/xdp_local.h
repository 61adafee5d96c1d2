/* SPDX-License-Identifier: MIT */
/* The host's addresses in the BPF maps wgx_rx checks destinations against (xdp_local.c). */
#ifndef WGX_XDP_LOCAL_H
#define WGX_XDP_LOCAL_H

#include <stdint.h>

struct wgx_bpf;

/*
 * Make wgx_local4/6 hold exactly the host's current addresses, then set
 * WGX_CFG_LOCAL_ONLY in *flags (the plane's copy of wgx_cfg.flags) and write
 * them; on failure clear it instead, so nothing of ours is passed by
 * mistake. Returns 0 or -errno. Control thread.
 */
int wgx_xdp_local_sync(struct wgx_bpf *b, uint32_t *flags);

#endif
