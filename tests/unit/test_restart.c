// SPDX-License-Identifier: MIT
/*
 * control/restart: the part of a `wg-xdp restart` state before the device,
 * written and read back in memory with stand-in fds (pipes), per mode:
 * socket, XDP on the socket path, XDP on the XSK path (no TUN: its tunnel
 * is a veth that stays; its AF_XDP sockets, UMEM memfds and free frames
 * travel instead). Each keeps its options, AEAD name and fds by role; the
 * reader refuses what a mode cannot have: a TUN on the XSK path, none
 * elsewhere, an XDP path in socket mode or none in XDP mode, an unknown
 * path, another NAME, more fds passed than the state names, and on the XSK
 * path a NIC socket fd short, a frame out of its pool or free twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/handover.h"
#include "control/restart.h"
#include "core/device.h"
#include "lib/serial.h"
#include "tap.h"

#define NAME "wgt0"

static struct wgx_device *dev;
static uint8_t buf[1 << 16];

/* A fresh fd for a role (the read end of a pipe; its write end closed). */
static int stand_in(void)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return -1;
	close(p[1]);
	return p[0];
}

static struct wgx_restart state(enum wgx_mode mode, enum wgx_restart_xdp xdp, bool tun)
{
	struct wgx_restart st = { .opts = { .name = NAME, .underlay = "veth0", .mode = mode,
					    .path = WGX_PATH_AUTO, .mtu = 1420, .workers = -1 },
				  .xdp_path = xdp, .uapi_fd = stand_in(), .ctl_fd = -1,
				  .handover_fd = -1 };

	st.sock.tun_fd = tun ? stand_in() : -1;
	st.sock.tun_sparse_fd = -1;
	st.sock.udp.fd4 = stand_in();
	st.sock.udp.fd6 = st.sock.udp.hs4 = st.sock.udp.hs6 = -1;
	st.sock.udp.port = 51820;
	snprintf(st.aead, sizeof(st.aead), "avx512");
	wgx_xdp_handed_init(&st.xsk);
	if (xdp == WGX_RESTART_XDP_XSK) {
		struct wgx_xdp_handed *x = &st.xsk;

		x->tun_pool = (struct wgx_xdp_handed_pool){ stand_in(), 8, 3, malloc(3 * 8) };
		x->nic_pool = (struct wgx_xdp_handed_pool){ stand_in(), 16, 2, malloc(2 * 8) };
		memcpy(x->tun_pool.free, (uint64_t[]){ 0, 7 * 4096, 3 * 4096 }, 3 * 8);
		memcpy(x->nic_pool.free, (uint64_t[]){ 15 * 4096, 4096 }, 2 * 8);
		x->tun = (struct wgx_xdp_handed_socket){ stand_in(), 5, 100, 200, 3, 1 };
		x->n_nic = 2;
		x->nic[0] = (struct wgx_xdp_handed_socket){ stand_in(), 0, 10, 20, 0, 0 };
		x->nic[1] = (struct wgx_xdp_handed_socket){ stand_in(), 7, 11, 21, 2, 0 };
	}
	return st;
}

/* What the XSK path's sockets and frames should read back as. */
static bool xsk_intact(const struct wgx_xdp_handed *x)
{
	return x->n_nic == 2 && x->tun_pool.memfd >= 0 && x->nic_pool.memfd >= 0 &&
	       x->tun.fd >= 0 && x->nic[0].fd >= 0 && x->nic[1].fd >= 0 &&
	       x->nic[0].fd != x->nic[1].fd && x->tun_pool.n_frames == 8 &&
	       x->tun_pool.n_free == 3 && x->tun_pool.free[1] == 7 * 4096 &&
	       x->nic_pool.n_frames == 16 && x->nic_pool.n_free == 2 &&
	       x->nic_pool.free[0] == 15 * 4096 && x->tun.tx_pending == 5 &&
	       x->tun.tx_packets == 200 && x->nic[1].tx_pending == 7 && x->nic[1].rx_packets == 11;
}

/* Write @st, read it back as NAME's successor: wgx_restart_read's result, @out filled. */
static int round_trip(struct wgx_restart *st, const char *name, int extra_fds,
		      struct wgx_restart *out, char *err, size_t err_len)
{
	struct wgx_writer w = { .buf = buf, .cap = sizeof(buf) };
	struct wgx_handover_in in = { .conn = -1 };
	int ret;

	wgx_restart_write(&w, st, dev, 0);
	in.n_fds = wgx_restart_fds(st, in.fds, (uint8_t[WGX_HANDOVER_MAX_FDS]){ 0 },
				   WGX_HANDOVER_MAX_FDS);
	for (int i = 0; i < extra_fds; i++)
		in.fds[in.n_fds++] = stand_in();
	in.r = (struct wgx_reader){ .buf = buf, .len = w.len };
	err[0] = '\0';
	ret = w.bad ? -ENOSPC : wgx_restart_read(&in, name, out, err, err_len);
	/* What the reader did not take is the caller's to close, as after a refusal. */
	for (unsigned int i = 0; i < in.n_fds; i++)
		if (in.fds[i] >= 0)
			close(in.fds[i]);
	wgx_restart_close(st);
	return ret;
}

static void accepted(enum wgx_mode mode, enum wgx_restart_xdp xdp, bool tun, const char *what)
{
	struct wgx_restart st = state(mode, xdp, tun), got;
	char err[128];
	int ret = round_trip(&st, NAME, 0, &got, err, sizeof(err));

	ok(ret == 0 && got.opts.mode == mode && got.xdp_path == xdp &&
		   !strcmp(got.opts.name, NAME) && !strcmp(got.opts.underlay, "veth0") &&
		   got.opts.mtu == 1420 && !strcmp(got.aead, "avx512") &&
		   got.sock.udp.port == 51820 && (got.sock.tun_fd >= 0) == tun &&
		   got.sock.udp.fd4 >= 0 && got.uapi_fd >= 0 && got.ctl_fd < 0 &&
		   (xdp == WGX_RESTART_XDP_XSK ? xsk_intact(&got.xsk) : got.xsk.tun.fd < 0),
	   "%s: read back with its options and fds by role (%d%s%s)", what, ret,
	   err[0] ? ": " : "", err);
	if (!ret)
		wgx_restart_close(&got);
}

/* The XSK path's sockets and frames spoiled. */
static void nic_fd_short(struct wgx_restart *st)
{
	close(st->xsk.nic[1].fd);
	st->xsk.nic[1].fd = -1;
}

static void frame_out_of_pool(struct wgx_restart *st)
{
	st->xsk.tun_pool.free[2] = 8 * 4096;
}

static void frame_free_twice(struct wgx_restart *st)
{
	st->xsk.nic_pool.free[1] = 15 * 4096;
}

/* Refused as malformed, after @spoil (if any) spoiled the sender's state. */
static void refused_xsk(enum wgx_mode mode, enum wgx_restart_xdp xdp, bool tun, const char *name,
			int extra_fds, void (*spoil)(struct wgx_restart *), const char *what)
{
	struct wgx_restart st = state(mode, xdp, tun), got;
	char err[128];
	int ret;

	if (spoil)
		spoil(&st);
	ret = round_trip(&st, name, extra_fds, &got, err, sizeof(err));
	ok(ret == -EBADMSG && err[0], "%s: refused (%s)", what, err);
	if (!ret)
		wgx_restart_close(&got);
}

static void refused(enum wgx_mode mode, enum wgx_restart_xdp xdp, bool tun, const char *name,
		    int extra_fds, const char *what)
{
	refused_xsk(mode, xdp, tun, name, extra_fds, NULL, what);
}

int main(void)
{
	dev = wgx_device_create(NAME, 1420, 1);
	if (!ok(dev != NULL, "a device to export"))
		return tap_done();
	accepted(WGX_MODE_SOCKET, WGX_RESTART_XDP_NONE, true, "socket mode");
	accepted(WGX_MODE_XDP, WGX_RESTART_XDP_SOCKET, true, "XDP mode, socket path");
	accepted(WGX_MODE_XDP, WGX_RESTART_XDP_XSK, false, "XDP mode, XSK path (no TUN)");
	refused(WGX_MODE_XDP, WGX_RESTART_XDP_XSK, true, NAME, 0, "the XSK path with a TUN fd");
	refused(WGX_MODE_SOCKET, WGX_RESTART_XDP_NONE, false, NAME, 0, "socket mode without a TUN");
	refused(WGX_MODE_XDP, WGX_RESTART_XDP_SOCKET, false, NAME, 0,
		"the XDP socket path without a TUN");
	refused(WGX_MODE_SOCKET, WGX_RESTART_XDP_XSK, false, NAME, 0, "socket mode naming the XSK path");
	refused(WGX_MODE_XDP, WGX_RESTART_XDP_NONE, true, NAME, 0, "XDP mode naming no path");
	refused(WGX_MODE_XDP, (enum wgx_restart_xdp)3, false, NAME, 0, "an unknown XDP path");
	refused(WGX_MODE_SOCKET, WGX_RESTART_XDP_NONE, true, "wgt1", 0, "another interface's state");
	refused(WGX_MODE_SOCKET, WGX_RESTART_XDP_NONE, true, NAME, 1, "an fd more than it names");
	refused_xsk(WGX_MODE_XDP, WGX_RESTART_XDP_XSK, false, NAME, 0, nic_fd_short,
		    "the XSK path with a NIC socket's fd missing");
	refused_xsk(WGX_MODE_XDP, WGX_RESTART_XDP_XSK, false, NAME, 0, frame_out_of_pool,
		    "the XSK path with a free frame past its pool");
	refused_xsk(WGX_MODE_XDP, WGX_RESTART_XDP_XSK, false, NAME, 0, frame_free_twice,
		    "the XSK path with a frame free twice");
	wgx_device_destroy(dev);
	return tap_done();
}
