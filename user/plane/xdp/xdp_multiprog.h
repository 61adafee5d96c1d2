/* SPDX-License-Identifier: MIT */
/*
 * wgx_rx on the underlay through libxdp's dispatcher (xdp_multiprog), so it
 * shares the NIC with other libxdp programs (xdp-filter, xdp-loader, AF_XDP
 * users) in either order: wgx_rx_shared (wgx_rx without AF_XDP metadata),
 * from a second copy of the object, loaded by libxdp as an extension of the
 * dispatcher, with every map (and .rodata) reused from the skeleton, so both
 * are one program's state. libxdp keeps its
 * dispatcher state in the host's bpffs (LIBXDP_BPFFS, xdp_bpffs.h).
 */
#ifndef WGX_XDP_MULTIPROG_H
#define WGX_XDP_MULTIPROG_H

#include <stdbool.h>

struct bpf_object;
struct xdp_program;

struct wgx_multiprog {
	struct bpf_object *obj;		/* the second copy */
	struct xdp_program *prog;
	int ifindex;
	int mode;			/* enum xdp_attach_mode */
};

/*
 * Attach wgx_rx_shared to @ifindex next to whatever libxdp programs run
 * there: in the mode of the dispatcher there, else native mode first, then
 * generic (@generic: generic only). 0 (*native
 * says which) or -errno; -EBUSY when a program not loaded through libxdp holds
 * the interface, -EOPNOTSUPP when the kernel refuses the dispatcher (nothing
 * stays attached); *m is written on success only.
 */
int wgx_multiprog_attach(struct wgx_multiprog *m, struct bpf_object *skel_obj, int ifindex,
			 bool generic, bool *native);
/*
 * A fresh copy of @skel_obj's object with only wgx_rx_shared to load and
 * every map reused from @skel_obj (.rodata too, so the copy sees the same
 * settings: opened under the skeleton's object name, the copy's internal
 * maps have the skeleton's names). NULL with errno set on failure.
 */
struct bpf_object *wgx_multiprog_copy(struct bpf_object *skel_obj);
/* Remove ours, leaving the other programs (and the dispatcher, if any remain). */
int wgx_multiprog_detach(struct wgx_multiprog *m);
/* Free without detaching (what stays attached, a later remove_owned takes). */
void wgx_multiprog_close(struct wgx_multiprog *m);
/*
 * A killed daemon's wgx_rx_shared in @ifindex's dispatcher: detach each one for
 * which @owned(its fd, @ctx) holds (another live daemon's stays). The id of
 * the program detached, 0 if none, or -errno.
 */
int wgx_multiprog_remove_owned(int ifindex, bool (*owned)(int prog_fd, void *ctx), void *ctx);

#endif
