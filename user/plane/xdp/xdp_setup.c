// SPDX-License-Identifier: MIT
/*
 * The XDP plane's interfaces: the tunnel veth pair, the XDP programs on it
 * and on the underlay interface, the UMEM and AF_XDP sockets; their
 * teardown; and following them while the daemon runs (tunnel MTU, the
 * underlay interface deleted and back). Ops and loop: xdp_mode.c.
 */
#include "plane/xdp/xdp_mode.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/allowedips.h"
#include "core/device.h"
#include "lib/caps.h"
#include "lib/log.h"
#include "core/peer.h"
#include "lib/tun.h"
#include "plane/xdp/xdp_bpffs.h"
#include "plane/xdp/xdp_handover.h"
#include "plane/xdp/xdp_link.h"
#include "plane/xdp/xdp_local.h"
#include "plane/xdp/xdp_loader.h"
#include "plane/xdp/xdp_plane.h"
#include "plane/xdp/xdp_sync.h"
#include "lib/evloop.h"

/* The daemon's end of the tunnel veth: derived from NAME, fits IFNAMSIZ. */
static void dp_name(const char *name, char out[IF_NAMESIZE])
{
	uint32_t h = 2166136261u;

	for (const char *c = name; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	snprintf(out, IF_NAMESIZE, "wgx%08x", h);
}

/* Loading the programs and maps: the XSKMAP and DEVMAP want CAP_NET_ADMIN as well. */
#define XDP_LOAD_CAPS (WGX_CAP(CAP_BPF) | WGX_CAP(CAP_PERFMON) | WGX_CAP(CAP_NET_ADMIN))
/* Attaching XDP: netlink's RTM_SETLINK, with the program's fd. */
#define XDP_ATTACH_CAPS (WGX_CAP(CAP_NET_ADMIN) | WGX_CAP(CAP_BPF))
/* An AF_XDP socket: the socket itself (NET_RAW), its UMEM's locked pages (IPC_LOCK). */
#define XSK_CAPS (WGX_CAP(CAP_NET_RAW) | WGX_CAP(CAP_IPC_LOCK))

/* Whether NAME's maps are still pinned: cleanup kept them for a program outside this netns. */
static bool still_pinned(const char *name)
{
	char root[PATH_MAX], path[PATH_MAX];

	return !wgx_bpffs_pin_root(root, sizeof(root)) &&
	       (size_t)snprintf(path, sizeof(path), "%s/%s/wgx_cfg", root, name) < sizeof(path) &&
	       !access(path, F_OK);
}

/* The killed daemon's maps, held open across the cleanup, made ours (or NULL). */
static struct wgx_bpf *reuse_maps(const char *name, struct wgx_bpf *b)
{
	int ret;

	if (!b)
		return NULL;
	ret = still_pinned(name) ? -EBUSY : wgx_bpf_reset_maps(b);
	if (ret) {
		pr_info("%s: not reusing the killed daemon's maps (%s): loading afresh", name,
			ret == -EBUSY ? "still in use outside this network namespace" :
					strerror(-ret));
		wgx_bpf_close(b);
		return NULL;
	}
	pr_info("%s: reusing the killed daemon's maps (its counters carry on)", name);
	return b;
}

int wgx_xdp_cleanup_stale(const char *name, struct wgx_bpf **maps)
{
	struct wgx_bpf *b = NULL;
	char dp[IF_NAMESIZE];
	int ret, removed;

	if (maps && wgx_bpf_open_pinned(&b, name))
		b = NULL;
	ret = wgx_bpf_remove_stale(name, b);
	removed = ret > 0 ? ret : 0;
	if (ret < 0)
		pr_warn("%s: removing the XDP programs and pins left behind: %s", name,
			strerror(-ret));
	dp_name(name, dp);
	/* Deleting the daemon's end takes NAME (its peer) with it. */
	if (!wgx_link_delete(dp)) {
		pr_info("%s: removed leftover tunnel veth %s", name, dp);
		removed++;
	}
	if (maps)
		*maps = reuse_maps(name, b);
	return ret < 0 ? ret : removed;
}

struct wgx_bpf *wgx_xdp_preload(const char *name)
{
	struct wgx_bpf *b;
	int ret = wgx_bpf_open_pinned(&b, name);

	if (ret) {
		if (ret != -ENOENT)
			pr_info("%s: the running daemon's pinned maps do not load here (%s): "
				"loading afresh", name, strerror(-ret));
		return NULL;
	}
	return b;
}

void wgx_xdp_preload_free(struct wgx_bpf *b)
{
	wgx_bpf_close(b);
}

struct wgx_xdp_plane *wgx_xdp_plane_create(struct wgx_device *dev, struct wgx_loop *loop,
					   struct wgx_bpf *preloaded)
{
	struct wgx_xdp_plane *p = calloc(1, sizeof(*p));
	int ret;

	if (!p) {
		wgx_bpf_close(preloaded);
		return NULL;
	}
	p->dev = dev;
	p->loop = loop;
	p->done_fd = -1;
	p->nl_fd = -1;
	p->tun.fd = -1;
	p->tun_pool.memfd = p->nic_pool.memfd = -1;
	ret = wgx_udp_port_init(&p->udp, dev, loop);
	if (ret) {
		wgx_bpf_close(preloaded);
		free(p);
		return NULL;
	}
	p->bpf = preloaded;
	ret = preloaded ? 0 : wgx_bpf_open(&p->bpf, dev->name, 0);
	if (ret) {
		pr_err("%s: cannot load the XDP programs: %s%s", dev->name, strerror(-ret),
		       wgx_cap_hint(ret, XDP_LOAD_CAPS));
		wgx_udp_port_uninit(&p->udp);
		free(p);
		return NULL;
	}
	wgx_device_set_plane(dev, &wgx_xdp_ops, p);
	wgx_device_set_hooks(dev, &wgx_xdp_table_hooks, p->bpf);
	return p;
}

/* The tables as they are now into the maps (the hooks keep them current). */
struct aip_sync {
	struct wgx_xdp_plane *p;
	struct wgx_peer *peer;
};

static int sync_aip_cb(void *ctx, int family, const void *addr, uint8_t cidr)
{
	struct aip_sync *a = ctx;

	return wgx_bpf_aip_add(a->p->bpf, family, addr, cidr, a->peer->id);
}

static int make_veth(struct wgx_xdp_plane *p, const char *name, unsigned int mtu)
{
	int ret = wgx_veth_create(name, p->dp_name, mtu);

	if (ret) {
		pr_err("%s: cannot create the tunnel veth (peer %s): %s%s", name, p->dp_name,
		       strerror(-ret), wgx_cap_hint(ret, WGX_CAP(CAP_NET_ADMIN)));
		return ret;
	}
	p->veth_created = true;
	/* NAME stays down, as kernel WireGuard and wireguard-go create it; our end is up. */
	if ((ret = wgx_link_set_flags(name, true, false)) ||
	    (ret = wgx_link_set_flags(p->dp_name, true, true)) ||
	    (ret = wgx_link_mac(name, p->host_mac)) || (ret = wgx_link_mac(p->dp_name, p->dp_mac))) {
		pr_err("%s: cannot configure the tunnel veth: %s%s", name, strerror(-ret),
		       wgx_cap_hint(ret, WGX_CAP(CAP_NET_ADMIN)));
		return ret;
	}
	/* Else TCP/UDP reach XDP with partial checksums (ARCHITECTURE, measured facts). */
	ret = wgx_link_tx_csum_off(name);
	if (ret)
		pr_warn("%s: cannot turn TX checksum offload off (%s): TCP in the tunnel may fail",
			name, strerror(-ret));
	p->dp_ifindex = wgx_link_index(p->dp_name);
	return p->dp_ifindex < 0 ? p->dp_ifindex : 0;
}

/* A restart's: the running daemon's tunnel veth, as it is; ours to delete from now on. */
static int adopt_veth(struct wgx_xdp_plane *p, const char *name)
{
	p->dp_ifindex = wgx_link_index(p->dp_name);
	if (p->dp_ifindex < 0 || wgx_link_mac(name, p->host_mac) ||
	    wgx_link_mac(p->dp_name, p->dp_mac)) {
		pr_err("%s: the running daemon's tunnel veth (%s) is gone", name, p->dp_name);
		return -ENODEV;
	}
	p->veth_created = true;
	return 0;
}

/* Pinned first: an attached wgx program without pins is an orphan (xdp_loader.h). */
static int attach_tun(struct wgx_xdp_plane *p, struct wgx_device *dev)
{
	enum wgx_xdp_mode mode;
	int ret = wgx_bpf_pin(p->bpf);

	if (ret) {
		pr_err("%s: cannot pin the BPF maps: %s%s", dev->name, strerror(-ret),
		       wgx_cap_hint(ret, WGX_CAP(CAP_BPF)));
		return ret;
	}
	ret = wgx_bpf_attach(p->bpf, WGX_BPF_TUN, p->dp_ifindex, WGX_XDP_NATIVE, &mode);
	if (ret) {
		pr_err("%s: cannot attach XDP to %s: %s%s", dev->name, p->dp_name, strerror(-ret),
		       wgx_cap_hint(ret, XDP_ATTACH_CAPS));
		return ret;
	}
	p->tun_xdp_mode = mode;
	return 0;
}

/*
 * The UMEMs' frames (@tun: the veth's too), the NIC's sized for every queue
 * of @underlay: a veth has no zero-copy, and all sockets of a UMEM share
 * one mode, so the NIC gets a UMEM of its own.
 */
static int alloc_pools(struct wgx_xdp_plane *p, const char *underlay, bool tun)
{
	int ret = 0;

	p->max_nic = wgx_link_rx_queues(underlay);
	if (p->max_nic > WGX_XDP_MAX_NIC_QUEUES)
		p->max_nic = WGX_XDP_MAX_NIC_QUEUES;
	if (tun)
		ret = wgx_xsk_pool_init(&p->tun_pool, WGX_XDP_FRAMES_PER_SOCKET);
	if (!ret)
		ret = wgx_xsk_pool_init(&p->nic_pool, p->max_nic * WGX_XDP_FRAMES_PER_SOCKET);
	if (ret)
		pr_err("%s: AF_XDP frames: %s", p->dev->name, strerror(-ret));
	return ret;
}

/*
 * A restart's predecessor closed its socket on this queue, but the kernel
 * frees the queue a little later (its pool is released from a work item):
 * a restart's socket retries EBUSY for up to XSK_BUSY_RETRY_MS.
 */
#define XSK_BUSY_RETRY_MS 200

static int open_xsk(struct wgx_xdp_plane *p, struct wgx_xsk_pool *pool, struct wgx_xsk *x,
		    const char *ifname, unsigned int q, bool tun)
{
	int ret = wgx_xsk_open(pool, x, ifname, q, tun);

	for (int ms = 0; ret == -EBUSY && p->adopt_veth && ms < XSK_BUSY_RETRY_MS; ms++) {
		usleep(1000);
		ret = wgx_xsk_open(pool, x, ifname, q, tun);
	}
	return ret;
}

/* The veth's socket in wgx_tun's XSKMAP. */
static int register_tun_socket(struct wgx_xdp_plane *p, struct wgx_device *dev)
{
	int ret = wgx_bpf_xsk_set(p->bpf, WGX_BPF_TUN, 0, p->tun.fd);

	if (ret)
		pr_err("%s: cannot register the AF_XDP socket of %s: %s", dev->name, p->dp_name,
		       strerror(-ret));
	return ret;
}

/* The veth's socket, over its UMEM's frames (alloc_pools), or a restart's adopted one. */
static int open_tun_socket(struct wgx_xdp_plane *p, struct wgx_device *dev)
{
	int ret = p->tun.adopted ? 0 : open_xsk(p, &p->tun_pool, &p->tun, p->dp_name, 0, true);
	if (ret) {
		pr_err("%s: AF_XDP socket on %s: %s%s", dev->name, p->dp_name, strerror(-ret),
		       wgx_cap_hint(ret, XSK_CAPS));
		return ret;
	}
	return register_tun_socket(p, dev);
}

/* The underlay interface by name (at start, or when one of that name came back). */
static int find_nic(struct wgx_xdp_plane *p, struct wgx_device *dev)
{
	p->nic_ifindex = wgx_link_index(p->nic_name);
	if (p->nic_ifindex < 0 || wgx_link_mac(p->nic_name, p->nic_mac)) {
		pr_err("%s: no interface %s", dev->name, p->nic_name);
		return -ENODEV;
	}
	return 0;
}

static int attach_rx(struct wgx_xdp_plane *p, struct wgx_device *dev)
{
	enum wgx_xdp_mode mode;
	int ret;

	/* Native XDP on a veth strips GSO from its peer and copies every frame
	 * into a page of its own; generic XDP sees the peer's UDP GSO datagram
	 * once, whole, and the socket path takes it as one (measured: README). */
	p->rx_generic_why = p->socket_path && wgx_link_is_veth(p->nic_name)
				    ? "socket path on a veth: keeps the peer's UDP GSO super-packets"
				    : NULL;
	ret = wgx_bpf_attach(p->bpf, WGX_BPF_RX, p->nic_ifindex,
			     p->rx_generic_why ? WGX_XDP_GENERIC : WGX_XDP_NATIVE, &mode);
	if (ret) {
		pr_err("%s: cannot attach XDP to %s: %s%s", dev->name, p->nic_name, strerror(-ret),
		       wgx_cap_hint(ret, XDP_ATTACH_CAPS));
		return ret;
	}
	p->rx_xdp_mode = mode;
	return 0;
}

/* An AF_XDP socket on each of the NIC's RX queues (the XSK path; a restart's adopted ones kept). */
static int open_nic_sockets(struct wgx_xdp_plane *p, struct wgx_device *dev)
{
	unsigned int nq = wgx_link_rx_queues(p->nic_name);
	int ret = 0;

	if (nq > p->max_nic)
		nq = p->max_nic;
	for (unsigned int q = 0; q < nq && !ret; q++) {
		if (q >= p->n_nic) {
			ret = open_xsk(p, &p->nic_pool, &p->nic[q], p->nic_name, q, false);
			if (ret) {
				pr_err("%s: AF_XDP socket on %s queue %u: %s%s", dev->name, p->nic_name,
				       q, strerror(-ret), wgx_cap_hint(ret, XSK_CAPS));
				return ret;
			}
			p->n_nic = q + 1;
		}
		ret = wgx_bpf_xsk_set(p->bpf, WGX_BPF_RX, q, p->nic[q].fd);
	}
	if (ret)
		pr_err("%s: cannot register AF_XDP sockets: %s", dev->name, strerror(-ret));
	wgx_xdp_service(p);
	return ret;
}

/* wgx_rx on the underlay interface and, on the XSK path, its AF_XDP sockets. */
static int attach_nic(struct wgx_xdp_plane *p, struct wgx_device *dev)
{
	return find_nic(p, dev) ?: attach_rx(p, dev) ?: p->socket_path ? 0 : open_nic_sockets(p, dev);
}

/*
 * A restart's first turn, once the loop serves: our programs swapped in for
 * the running daemon's (they share the maps, so either one feeds our
 * sockets; each swap costs the loop ~10 ms, not the freeze).
 */
static int swap_programs_turn(void *ctx)
{
	struct wgx_xdp_plane *p = ctx;

	wgx_loop_remove_turn(p->loop, swap_programs_turn, p);
	if (attach_tun(p, p->dev) || attach_rx(p, p->dev))
		pr_warn("%s: the previous daemon's XDP programs stay (they share our maps); detach "
			"and attach to replace them", p->dev->name);
	return -1;
}

/* Close the NIC sockets (their interface is gone), keeping frames and counters. */
static void close_nic_sockets(struct wgx_xdp_plane *p)
{
	for (unsigned int q = 0; q < p->n_nic; q++) {
		wgx_loop_unwatch(p->loop, p->nic[q].fd);
		p->nic_closed.rx += p->nic[q].rx_packets;
		p->nic_closed.tx += p->nic[q].tx_packets;
		p->nic_closed.kicks += p->nic[q].kicks;
		p->nic_closed.busy += p->nic[q].kicks_busy;
		wgx_xsk_close_reclaim(&p->nic_pool, &p->nic[q]);
	}
	/* Its UMEM was registered through a socket bound to the dead interface:
	 * register the same frames again with the next interface's sockets. */
	wgx_xsk_pool_unregister(&p->nic_pool);
	p->n_nic = 0;
	p->nic_ifindex = 0;
	wgx_xdp_nh_invalidate(p);
}

/* One of a restart's predecessor's sockets, with its counters (@h's fd taken). */
static int adopt_socket(struct wgx_xsk_pool *pool, struct wgx_xsk *x,
			struct wgx_xdp_handed_socket *h)
{
	int ret = wgx_xsk_adopt(pool, x, h->fd, h->tx_pending);

	h->fd = -1;
	x->rx_packets = h->rx_packets;
	x->tx_packets = h->tx_packets;
	x->kicks = h->kicks;
	x->kicks_busy = h->kicks_busy;
	return ret;
}

/* Its pools and sockets, as it left them; NIC frames of our own if its underlay was gone. */
static int adopt_sockets(struct wgx_xdp_plane *p, struct wgx_xdp_handed *h, const char *underlay)
{
	struct wgx_xdp_handed_pool *tp = &h->tun_pool, *np = &h->nic_pool;
	int ret = wgx_xsk_pool_adopt(&p->tun_pool, tp->memfd, tp->n_frames, tp->free, tp->n_free);

	tp->memfd = -1;
	ret = ret ?: adopt_socket(&p->tun_pool, &p->tun, &h->tun);
	if (ret || !h->n_nic)
		return ret ?: alloc_pools(p, underlay, false);
	ret = wgx_xsk_pool_adopt(&p->nic_pool, np->memfd, np->n_frames, np->free, np->n_free);
	np->memfd = -1;
	p->max_nic = p->nic_pool.n_frames / WGX_XDP_FRAMES_PER_SOCKET;
	for (unsigned int q = 0; q < h->n_nic && !ret; q++) {
		ret = adopt_socket(&p->nic_pool, &p->nic[q], &h->nic[q]);
		if (!ret)
			p->n_nic = q + 1;
	}
	return ret;
}

/* What adopt_sockets took, undone (the predecessor's own fds keep its sockets). */
static void drop_adopted(struct wgx_xdp_plane *p)
{
	for (unsigned int q = 0; q < p->n_nic; q++)
		wgx_xsk_close(&p->nic[q]);
	wgx_xsk_close(&p->tun);
	wgx_xsk_pool_free(&p->nic_pool);
	wgx_xsk_pool_free(&p->tun_pool);
	p->n_nic = 0;
}

int wgx_xdp_plane_adopt(struct wgx_xdp_plane *p, const struct wgx_udp *udp,
			struct wgx_xdp_handed *xsk, const char *underlay)
{
	int ret = wgx_udp_port_adopt(&p->udp, udp);

	p->adopt_veth = true;
	ret = ret ?: adopt_sockets(p, xsk, underlay);
	if (ret == -EBUSY) {
		/* Kernels before 6.x map a socket's rings only before it is bound. */
		pr_info("%s: this kernel does not map a bound AF_XDP socket's rings: new sockets "
			"are bound once the running daemon let go (a longer pause)", p->dev->name);
		drop_adopted(p);
		ret = alloc_pools(p, underlay, true);
	}
	/* What was not taken closes now: a socket we hold would keep its queue bound. */
	wgx_xdp_handed_free(xsk);
	if (ret)
		pr_err("%s: the running daemon's AF_XDP sockets: %s", p->dev->name, strerror(-ret));
	return ret;
}

void wgx_xdp_plane_udp(const struct wgx_xdp_plane *p, struct wgx_udp *out)
{
	*out = p->udp.udp;
}

int wgx_xdp_plane_start(struct wgx_xdp_plane *p, const char *underlay, unsigned int workers,
			bool auto_workers, bool busy_poll)
{
	struct wgx_device *dev = p->dev;
	int ret;

	p->busy_poll = busy_poll;
	p->socket_path = false;
	if (!p->path_why)
		p->path_why = "asked for (--path xsk)";
	snprintf(p->nic_name, sizeof(p->nic_name), "%s", underlay);
	dp_name(dev->name, p->dp_name);
	if (wgx_link_index(underlay) < 0) {
		pr_err("%s: no interface %s", dev->name, underlay);
		return -ENODEV;
	}
	if (!p->tun_pool.area && (ret = alloc_pools(p, underlay, true)))
		return ret;
	/* A restart's: its sockets carry on at once (new ones bind where the
	 * kernel could not map them); our programs at the first turn. */
	if (p->adopt_veth)
		ret = adopt_veth(p, dev->name) ?: open_tun_socket(p, dev) ?: find_nic(p, dev) ?:
		      open_nic_sockets(p, dev) ?: wgx_loop_add_turn(p->loop, swap_programs_turn, p);
	else
		ret = make_veth(p, dev->name, dev->mtu) ?: attach_tun(p, dev) ?:
		      open_tun_socket(p, dev) ?: attach_nic(p, dev);
	if (ret)
		return ret;
	p->nl_fd = wgx_route_monitor_open();
	if (p->nl_fd < 0)
		pr_warn("%s: no route/neighbour events (%s): next hops refresh every few seconds",
			dev->name, strerror(-p->nl_fd));
	/* After the monitor opened, so no address change falls between the two. */
	wgx_xdp_local_sync(p->bpf, &p->bpf_flags);
	ret = wgx_xdp_workers_start(p, workers, auto_workers);
	if (ret) {
		pr_err("%s: cannot start %u crypto workers: %s", dev->name, workers, strerror(-ret));
		return ret;
	}
	for (struct wgx_peer *peer = dev->peers; peer; peer = peer->next) {
		struct aip_sync a = { .p = p, .peer = peer };

		wgx_allowedips_walk_by_peer(&dev->allowedips, peer, sync_aip_cb, &a);
	}
	ret = wgx_xdp_watch(p);
	if (ret)
		pr_err("%s: cannot watch the AF_XDP sockets: %s", dev->name, strerror(-ret));
	return ret;
}

int wgx_xdp_plane_move_underlay(struct wgx_xdp_plane *p, const char *underlay)
{
	char old[IF_NAMESIZE];
	int ret;

	if (!strcmp(p->nic_name, underlay))
		return 0;
	memcpy(old, p->nic_name, sizeof(old));
	close_nic_sockets(p);
	wgx_bpf_detach_prog(p->bpf, WGX_BPF_RX);
	snprintf(p->nic_name, sizeof(p->nic_name), "%s", underlay);
	ret = attach_nic(p, p->dev);
	if (!ret)
		ret = wgx_xdp_watch_nic(p);
	if (ret) {
		/* As when the underlay is gone: the kernel socket until it attaches. */
		close_nic_sockets(p);
		p->nic_gone = true;
		pr_warn("%s: underlay %s -> %s: %s; packets go through the kernel UDP socket",
			p->dev->name, old, underlay, strerror(-ret));
		return ret;
	}
	p->nic_gone = false;
	pr_info("%s: underlay %s -> %s: XDP %s, %u AF_XDP socket(s)", p->dev->name, old, underlay,
		wgx_xdp_mode_name(p->rx_xdp_mode), p->n_nic);
	return 0;
}

void wgx_xdp_plane_set_path_reason(struct wgx_xdp_plane *p, const char *why)
{
	p->path_why = why;
}

int wgx_xdp_plane_start_classifier(struct wgx_xdp_plane *p, const char *underlay,
				   const char *why)
{
	struct wgx_device *dev = p->dev;
	int ret;

	p->socket_path = true;
	p->path_why = why;
	snprintf(p->nic_name, sizeof(p->nic_name), "%s", underlay);
	/* Pinned first: an attached wgx program without pins is an orphan (xdp_loader.h). */
	ret = wgx_bpf_pin(p->bpf);
	if (ret) {
		pr_err("%s: cannot pin the BPF maps: %s%s", dev->name, strerror(-ret),
		       wgx_cap_hint(ret, WGX_CAP(CAP_BPF)));
		return ret;
	}
	if ((ret = attach_nic(p, dev)))
		return ret;
	p->nl_fd = wgx_route_monitor_open();
	if (p->nl_fd < 0)
		pr_warn("%s: no interface events (%s): %s is not followed if it is re-created",
			dev->name, strerror(-p->nl_fd), underlay);
	wgx_xdp_local_sync(p->bpf, &p->bpf_flags);
	ret = wgx_xdp_watch(p);
	if (ret)
		pr_err("%s: cannot watch netlink: %s", dev->name, strerror(-ret));
	return ret;
}

/* Destroy, or (@let_go) release for a restart's successor. */
static void teardown(struct wgx_xdp_plane *p, bool let_go)
{
	struct wgx_device *dev;

	if (!p)
		return;
	dev = p->dev;
	wgx_xdp_unwatch_turns(p);
	wgx_loop_remove_turn(p->loop, swap_programs_turn, p);
	/* Workers stopped first: then every keypair is the core's to free. */
	wgx_loop_unwatch(p->loop, p->done_fd);
	wgx_xdp_workers_stop(p);
	/* On the socket path the device's plane is another one, but the table
	 * hooks are ours all the same: the maps go now. */
	if (dev->plane == p)
		wgx_device_set_plane(dev, NULL, NULL);
	if (dev->hooks_ctx == p->bpf)
		wgx_device_set_hooks(dev, NULL, NULL);
	if (p->nl_fd >= 0) {
		wgx_loop_unwatch(p->loop, p->nl_fd);
		close(p->nl_fd);
	}
	for (unsigned int q = 0; q < p->n_nic; q++) {
		wgx_loop_unwatch(p->loop, p->nic[q].fd);
		wgx_xsk_close(&p->nic[q]);
	}
	if (p->tun.fd >= 0)
		wgx_loop_unwatch(p->loop, p->tun.fd);
	wgx_xsk_close(&p->tun);
	wgx_xsk_pool_free(&p->nic_pool);
	wgx_xsk_pool_free(&p->tun_pool);
	if (let_go) {
		wgx_bpf_let_go(p->bpf);
	} else {
		wgx_bpf_detach(p->bpf);
		wgx_bpf_close(p->bpf);
	}
	wgx_udp_port_uninit(&p->udp);
	if (p->veth_created && !let_go)
		wgx_link_delete(dev->name);
	free(p);
}

void wgx_xdp_plane_destroy(struct wgx_xdp_plane *p)
{
	teardown(p, false);
}

void wgx_xdp_plane_release(struct wgx_xdp_plane *p)
{
	teardown(p, true);
}

/*
 * `ip link set NAME mtu N` changes only the host end of the veth pair: the
 * daemon end follows (larger frames would vanish there), and so does the
 * device MTU that bounds and pads what the data plane seals.
 */
void wgx_xdp_follow_tunnel_mtu(struct wgx_xdp_plane *p)
{
	int host = wgx_link_index(p->dev->name), want, have, ret;

	if (host < 0)
		return;
	want = wgx_link_get_mtu(host);
	have = wgx_link_get_mtu(p->dp_ifindex);
	if (want <= 0 || (want == have && (unsigned int)want == p->dev->mtu))
		return;
	if (want != have && (ret = wgx_link_set_mtu(p->dp_name, (unsigned int)want))) {
		pr_warn("%s: tunnel MTU %d not usable on %s: %s", p->dev->name, want, p->dp_name,
			strerror(-ret));
		return;
	}
	pr_info("%s: tunnel MTU %u -> %d", p->dev->name, p->dev->mtu, want);
	p->dev->mtu = (unsigned int)want;
}

const char *wgx_xdp_mode_name(int m)
{
	return m == WGX_XDP_NATIVE ? "native" : m == WGX_XDP_GENERIC ? "generic" : "none";
}

/*
 * The underlay interface was deleted (its XDP program and AF_XDP sockets went
 * with it): the NIC sockets close, sending falls back to the kernel UDP socket
 * (no next hop through the NIC) and receiving to the UDP socket, which always
 * gets what XDP passes. When an interface of the same name exists again, XDP
 * and the sockets are attached to it. True when new NIC sockets need watching.
 */
bool wgx_xdp_follow_nic(struct wgx_xdp_plane *p)
{
	int ret;

	if (!p->nic_gone) {
		ret = wgx_link_get_mtu(p->nic_ifindex);
		if (ret != -ENXIO && ret != -ENODEV)
			return false;
		p->nic_gone = true;
		close_nic_sockets(p);
		pr_warn("%s: underlay interface %s is gone, and XDP with it: packets go through "
			"the kernel UDP socket until it is back", p->dev->name, p->nic_name);
	}
	if (wgx_link_index(p->nic_name) < 0)
		return false;
	ret = attach_nic(p, p->dev);
	if (ret) {
		close_nic_sockets(p);
		return false;
	}
	p->nic_gone = false;
	pr_info("%s: underlay interface %s is back: XDP %s, %u AF_XDP socket(s)", p->dev->name,
		p->nic_name, wgx_xdp_mode_name(p->rx_xdp_mode), p->n_nic);
	return true;
}
