/* SPDX-License-Identifier: MIT */
/*
 * The daemon's handle on the XDP half: load wgx_xdp.bpf.o (skeleton), attach
 * wgx_rx to the underlay NIC and wgx_tun to the tunnel veth, pin the maps
 * under /sys/fs/bpf/wg-xdp/NAME/, keep them in sync, read the counters.
 *
 * Threading: every function is for the control thread (map updates are
 * syscalls; none of this is on the packet path). Nothing here is thread-safe
 * against itself except reads of the stats.
 */
#ifndef WGX_XDP_LOADER_H
#define WGX_XDP_LOADER_H

#include <stdbool.h>
#include <stdint.h>
#include "wgx_abi.h"
#include "wgx_reasons.h"

struct wgx_bpf;
struct wgx_xdp; /* the generated skeleton (build/wgx_xdp.skel.h) */

enum wgx_bpf_prog { WGX_BPF_RX, WGX_BPF_TUN };
enum wgx_xdp_mode { WGX_XDP_NONE, WGX_XDP_NATIVE, WGX_XDP_GENERIC };

/* Handshake bucket defaults: the kernel's ratelimiter (20/s, burst 5). */
#define WGX_BPF_HS_PER_SEC 20
#define WGX_BPF_HS_BURST 5

/* Load both programs (verifier runs here) with listen_port in wgx_cfg; no
 * attach, no pins yet. name: the interface name (lib/ifname.h), else -EINVAL. The
 * tunnel program is multi-buffer (xdp.frags) when the kernel allows it. */
int wgx_bpf_open(struct wgx_bpf **out, const char *name, uint16_t listen_port);
/* A restart's head start, before the running daemon freezes: the same
 * load, every map reused from the ones pinned under NAME (which that daemon
 * keeps in sync: the state's import rewrites what they hold), wgx_cfg left as
 * it is. -ENOENT when NAME has no (complete) pins; on any failure nothing is
 * kept and wgx_bpf_open loads afresh. */
int wgx_bpf_open_pinned(struct wgx_bpf **out, const char *name);
/* Free the handle; leaves attachments and pins alone (see wgx_bpf_detach). */
void wgx_bpf_close(struct wgx_bpf *b);

/* Attach one program to ifindex: @want WGX_XDP_NATIVE is native XDP, else
 * generic with a warning; WGX_XDP_GENERIC is generic only; wgx_rx through
 * libxdp's dispatcher where it can. A program already there alone (another
 * daemon's wgx program included) is never replaced: -EBUSY, but for a
 * restart's predecessor's lone wgx_rx or wgx_tun (it uses the maps this
 * handle loaded over, wgx_bpf_open_pinned): that one is swapped for ours in
 * one netlink call (XDP_FLAGS_REPLACE, in its mode; no instant without a
 * program, no try at the dispatcher). *mode: what we got. */
int wgx_bpf_attach(struct wgx_bpf *b, enum wgx_bpf_prog which, int ifindex,
		   enum wgx_xdp_mode want, enum wgx_xdp_mode *mode);
/* Pin every map under the host's WGX_PIN_ROOT/NAME/ (xdp_bpffs.h: reached
 * through /proc/1/root from another mount namespace, bpffs mounted on the
 * host if it has none), replacing stale pins of the same name. */
int wgx_bpf_pin(struct wgx_bpf *b);
/* Detach one program from where it is attached (the underlay moving: WGX_BPF_RX). */
int wgx_bpf_detach_prog(struct wgx_bpf *b, enum wgx_bpf_prog which);
/* Detach what this handle attached and remove its pins and directory. */
int wgx_bpf_detach(struct wgx_bpf *b);
/* A restart's successor takes over: wgx_rx leaves libxdp's dispatcher (the
 * successor adds its own there); a lone wgx_rx, wgx_tun and the pins stay,
 * for the successor to replace. Then the handle is freed (wgx_bpf_close). */
void wgx_bpf_let_go(struct wgx_bpf *b);
/* After a crash (`wg-xdp detach NAME`, or before NAME is attached again):
 * detach every wgx program on this network namespace's interfaces that uses
 * a map pinned under NAME's pin directory (another daemon's never: its maps
 * are its own) or that uses no instance's pinned map (an orphan: daemons pin
 * before they attach), then remove the directory; each removal logged. While
 * a program of NAME's remains (in another network namespace) the pins stay,
 * with a warning. @ours (or NULL): a handle this process opened over NAME's
 * pins (wgx_bpf_open_pinned), whose programs are no leftovers. The number of
 * things removed, or -errno. */
int wgx_bpf_remove_stale(const char *name, const struct wgx_bpf *ours);

/*
 * A killed daemon's maps (wgx_bpf_open_pinned) made a successor's: every
 * entry of its receiver indices, peers, allowed IPs, local addresses and
 * handshake buckets deleted, wgx_cfg as wgx_bpf_open writes it, and no
 * predecessor to swap (its programs are gone); wgx_stats kept, so the
 * counters carry on. 0 or -errno.
 */
int wgx_bpf_reset_maps(struct wgx_bpf *b);

/* Run-time config (wgx_cfg); takes effect on the next packet, no reload. */
int wgx_bpf_set_listen_port(struct wgx_bpf *b, uint16_t port);
int wgx_bpf_set_flags(struct wgx_bpf *b, uint32_t flags);
int wgx_bpf_set_hs_rate(struct wgx_bpf *b, uint32_t per_sec, uint32_t burst);

/* Receiver indices (wgx_idx): add when a keypair is created, del when freed. */
int wgx_bpf_idx_add(struct wgx_bpf *b, uint32_t index, uint32_t peer_id, uint32_t slot);
int wgx_bpf_idx_del(struct wgx_bpf *b, uint32_t index);
/* Peers (wgx_peers): public key and endpoint only. */
int wgx_bpf_peer_set(struct wgx_bpf *b, uint32_t peer_id, const struct wgx_peer_val *peer);
int wgx_bpf_peer_del(struct wgx_bpf *b, uint32_t peer_id);
/* Allowed IPs: family AF_INET/AF_INET6, addr in network order, host bits
 * past cidr are cleared. add replaces an existing prefix's peer. /32 and
 * /128 go to the wgx_hosts4/6 hashes, shorter prefixes to the LPM tries. */
int wgx_bpf_aip_add(struct wgx_bpf *b, int family, const void *addr, uint8_t cidr,
		    uint32_t peer_id);
int wgx_bpf_aip_del(struct wgx_bpf *b, int family, const void *addr, uint8_t cidr);
/* Put an AF_XDP socket in queue's slot of the rx or tun XSKMAP, or clear it. */
int wgx_bpf_xsk_set(struct wgx_bpf *b, enum wgx_bpf_prog which, uint32_t queue, int xsk_fd);
int wgx_bpf_xsk_clear(struct wgx_bpf *b, enum wgx_bpf_prog which, uint32_t queue);

/* Counters summed over CPUs, indexed by enum wgx_reason. */
int wgx_bpf_stats_read(struct wgx_bpf *b, struct wgx_stat out[WGX_REASON_MAX]);

/* For tests and the data plane: the skeleton (programs and maps by name). */
struct wgx_xdp *wgx_bpf_skel(struct wgx_bpf *b);

#endif
