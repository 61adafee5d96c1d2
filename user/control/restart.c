// SPDX-License-Identifier: MIT
#include "control/restart.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "control/handover.h"
#include "core/state.h"
#include "lib/ifname.h"
#include "lib/serial.h"

unsigned int wgx_restart_fds(const struct wgx_restart *st, int *fds, uint8_t *roles,
			     unsigned int max)
{
	const struct wgx_xdp_handed *x = &st->xsk;
	bool xsk = st->xdp_path == WGX_RESTART_XDP_XSK;
	const struct { int fd; uint8_t role; } all[] = {
		{ st->sock.tun_fd, WGX_RESTART_FD_TUN },
		{ st->sock.udp.fd4, WGX_RESTART_FD_UDP4 },
		{ st->sock.udp.fd6, WGX_RESTART_FD_UDP6 },
		{ st->uapi_fd, WGX_RESTART_FD_UAPI },
		{ st->ctl_fd, WGX_RESTART_FD_CTL },
		{ st->handover_fd, WGX_RESTART_FD_HANDOVER },
		{ st->sock.tun_sparse_fd, WGX_RESTART_FD_TUN_SPARSE },
		{ st->sock.udp.hs4, WGX_RESTART_FD_HS4 },
		{ st->sock.udp.hs6, WGX_RESTART_FD_HS6 },
		{ xsk ? x->tun_pool.memfd : -1, WGX_RESTART_FD_UMEM_TUN },
		{ xsk && x->n_nic ? x->nic_pool.memfd : -1, WGX_RESTART_FD_UMEM_NIC },
		{ xsk ? x->tun.fd : -1, WGX_RESTART_FD_XSK_TUN },
	};
	unsigned int n = 0;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]) && n < max; i++)
		if (all[i].fd >= 0) {
			fds[n] = all[i].fd;
			roles[n++] = all[i].role;
		}
	for (uint32_t q = 0; xsk && q < x->n_nic && n < max; q++)
		if (x->nic[q].fd >= 0) {
			fds[n] = x->nic[q].fd;
			roles[n++] = WGX_RESTART_FD_XSK_NIC;
		}
	return n;
}

void wgx_restart_write(struct wgx_writer *w, const struct wgx_restart *st,
		       const struct wgx_device *dev, uint64_t now)
{
	const struct wgx_attach_opts *o = &st->opts;
	const struct wgx_udp *u = &st->sock.udp;
	int fds[WGX_HANDOVER_MAX_FDS];
	uint8_t roles[WGX_HANDOVER_MAX_FDS];
	unsigned int n = wgx_restart_fds(st, fds, roles, WGX_HANDOVER_MAX_FDS);

	wgx_put_str(w, o->name);
	wgx_put_str(w, o->underlay);
	wgx_put_u8(w, st->underlay_auto);
	wgx_put_u8(w, (uint8_t)st->xdp_path);
	wgx_put_str(w, o->config);
	wgx_put_str(w, o->metrics);
	wgx_put_u8(w, (uint8_t)o->mode);
	wgx_put_u8(w, (uint8_t)o->path);
	wgx_put_u32(w, o->mtu);
	wgx_put_u32(w, (uint32_t)o->workers);
	wgx_put_u8(w, o->busy_poll);
	wgx_put_u8(w, o->realtime);
	wgx_put_u8(w, o->allow_core_dumps);
	wgx_put_str(w, st->aead);

	wgx_put_u32(w, st->sock.tun_offloads);
	wgx_put_u16(w, u->port);
	wgx_put_u32(w, u->fwmark);
	for (int i = 0; i < 2; i++) {
		wgx_put_u8(w, u->gso[i]);
		wgx_put_u8(w, u->gro[i]);
	}
	if (st->xdp_path == WGX_RESTART_XDP_XSK)
		wgx_xdp_handed_write(w, &st->xsk);
	wgx_put_u32(w, n);
	wgx_put_bytes(w, roles, n);
	wgx_state_export(dev, now, w);
}

/* The next fd of @role not yet taken out of @in, or -1. */
static int take_fd(struct wgx_handover_in *in, const uint8_t *roles, unsigned int n, uint8_t role)
{
	for (unsigned int i = 0; i < n; i++)
		if (roles[i] == role && in->fds[i] >= 0) {
			int fd = in->fds[i];

			in->fds[i] = -1;
			return fd;
		}
	return -1;
}

/*
 * Each role known and passed once, but the NIC sockets' (one per queue);
 * the UAPI listener always; a TUN unless on the XSK path, whose tunnel is a
 * veth that stays in the kernel; its sockets and frames there, nowhere else.
 */
static bool roles_fit(const struct wgx_restart *st, const uint8_t *roles, uint32_t n)
{
	bool xsk = st->xdp_path == WGX_RESTART_XDP_XSK;
	uint32_t seen = 0, nic = 0;

	for (uint32_t i = 0; i < n; i++) {
		if (!roles[i] || roles[i] > WGX_RESTART_FD_MAX)
			return false;
		if (roles[i] == WGX_RESTART_FD_XSK_NIC)
			nic++;
		else if (seen & 1u << roles[i])
			return false;
		seen |= 1u << roles[i];
	}
	return (seen & 1u << WGX_RESTART_FD_UAPI) && !(seen & 1u << WGX_RESTART_FD_TUN) == xsk &&
	       !(seen & 1u << WGX_RESTART_FD_UMEM_TUN) == !xsk &&
	       !(seen & 1u << WGX_RESTART_FD_XSK_TUN) == !xsk &&
	       !(seen & 1u << WGX_RESTART_FD_UMEM_NIC) == !st->xsk.n_nic &&
	       nic == st->xsk.n_nic;
}

int wgx_restart_read(struct wgx_handover_in *in, const char *name, struct wgx_restart *st,
		     char *err, size_t err_len)
{
	struct wgx_reader *r = &in->r;
	struct wgx_attach_opts *o = &st->opts;
	struct wgx_udp *u = &st->sock.udp;
	uint8_t roles[WGX_HANDOVER_MAX_FDS], mode, path, xdp_path;
	uint32_t n;

	memset(st, 0, sizeof(*st));
	wgx_xdp_handed_init(&st->xsk);
	st->sock.tun_fd = st->sock.tun_sparse_fd = u->fd4 = u->fd6 = u->hs4 = u->hs6 = -1;
	st->uapi_fd = st->ctl_fd = st->handover_fd = -1;
	o->name = wgx_get_str(r, st->name, sizeof(st->name)) ? st->name : NULL;
	o->underlay = wgx_get_str(r, st->underlay, sizeof(st->underlay)) ? st->underlay : NULL;
	st->underlay_auto = wgx_get_bool(r);
	xdp_path = wgx_get_u8(r);
	o->config = wgx_get_str(r, st->config, sizeof(st->config)) ? st->config : NULL;
	o->metrics = wgx_get_str(r, st->metrics, sizeof(st->metrics)) ? st->metrics : NULL;
	mode = wgx_get_u8(r);
	path = wgx_get_u8(r);
	o->mode = mode == WGX_MODE_XDP ? WGX_MODE_XDP : WGX_MODE_SOCKET;
	o->path = path <= WGX_PATH_SOCKET ? (enum wgx_path)path : WGX_PATH_AUTO;
	o->mtu = wgx_get_u32(r);
	o->workers = (int)wgx_get_u32(r);
	o->busy_poll = wgx_get_bool(r);
	o->realtime = wgx_get_bool(r);
	o->allow_core_dumps = wgx_get_bool(r);
	wgx_get_str(r, st->aead, sizeof(st->aead));
	if (r->bad || !o->name || strcmp(o->name, name) || mode > WGX_MODE_XDP ||
	    path > WGX_PATH_SOCKET || o->mtu < 576 || o->mtu > 65535 ||
	    xdp_path > WGX_RESTART_XDP_XSK ||
	    (o->mode == WGX_MODE_XDP) != (xdp_path != WGX_RESTART_XDP_NONE)) {
		snprintf(err, err_len, "malformed options in the state");
		return -EBADMSG;
	}
	st->xdp_path = (enum wgx_restart_xdp)xdp_path;
	st->sock.tun_offloads = wgx_get_u32(r);
	u->port = wgx_get_u16(r);
	u->fwmark = wgx_get_u32(r);
	for (int i = 0; i < 2; i++) {
		u->gso[i] = wgx_get_bool(r);
		u->gro[i] = wgx_get_bool(r);
	}
	if (st->xdp_path == WGX_RESTART_XDP_XSK && !r->bad && wgx_xdp_handed_read(r, &st->xsk)) {
		snprintf(err, err_len, "malformed AF_XDP sockets in the state");
		return -EBADMSG;
	}
	n = wgx_get_u32(r);
	if (r->bad || n != in->n_fds) {
		snprintf(err, err_len, "the state names %u fds, %u were passed", n, in->n_fds);
		wgx_xdp_handed_free(&st->xsk);
		return -EBADMSG;
	}
	wgx_get_bytes(r, roles, n);
	if (r->bad || !roles_fit(st, roles, n)) {
		snprintf(err, err_len, "malformed fd roles in the state");
		wgx_xdp_handed_free(&st->xsk);
		return -EBADMSG;
	}
	st->sock.tun_fd = take_fd(in, roles, n, WGX_RESTART_FD_TUN);
	u->fd4 = take_fd(in, roles, n, WGX_RESTART_FD_UDP4);
	u->fd6 = take_fd(in, roles, n, WGX_RESTART_FD_UDP6);
	st->uapi_fd = take_fd(in, roles, n, WGX_RESTART_FD_UAPI);
	st->ctl_fd = take_fd(in, roles, n, WGX_RESTART_FD_CTL);
	st->handover_fd = take_fd(in, roles, n, WGX_RESTART_FD_HANDOVER);
	st->sock.tun_sparse_fd = take_fd(in, roles, n, WGX_RESTART_FD_TUN_SPARSE);
	u->hs4 = take_fd(in, roles, n, WGX_RESTART_FD_HS4);
	u->hs6 = take_fd(in, roles, n, WGX_RESTART_FD_HS6);
	st->xsk.tun_pool.memfd = take_fd(in, roles, n, WGX_RESTART_FD_UMEM_TUN);
	st->xsk.nic_pool.memfd = take_fd(in, roles, n, WGX_RESTART_FD_UMEM_NIC);
	st->xsk.tun.fd = take_fd(in, roles, n, WGX_RESTART_FD_XSK_TUN);
	for (uint32_t q = 0; q < st->xsk.n_nic; q++)
		st->xsk.nic[q].fd = take_fd(in, roles, n, WGX_RESTART_FD_XSK_NIC);
	return 0;
}

void wgx_restart_close(struct wgx_restart *st)
{
	int *fds[] = { &st->sock.tun_fd, &st->sock.tun_sparse_fd, &st->sock.udp.fd4,
		       &st->sock.udp.fd6, &st->sock.udp.hs4, &st->sock.udp.hs6,
		       &st->uapi_fd, &st->ctl_fd, &st->handover_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	wgx_xdp_handed_free(&st->xsk);
}
