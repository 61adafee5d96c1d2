// SPDX-License-Identifier: MIT
#include "plane/socket/socket_plane.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/device.h"
#include "core/send.h"
#include "lib/clock.h"
#include "lib/caps.h"
#include "lib/evloop.h"
#include "lib/gro.h"
#include "lib/gso.h"
#include "lib/log.h"
#include "lib/tun.h"
#include "plane/socket/tun_steer.h"
#include "plane/udp_port.h"

/* Largest packet the TUN hands us: a super-packet, or an MTU of up to 65535. */
#define PKT_MAX 65536
#define BUF_SIZE (WGX_SEND_HEADROOM + PKT_MAX + WGX_SEND_TAILROOM)
#define VNET_LEN sizeof(struct wgx_vnet_hdr)
/*
 * Segments of super-packets waiting to be sealed, laid out back to back in
 * an arena, each with the sealing's head- and tailroom: several 64 KB
 * super-packets' worth at any MTU, at most SEG_POOL segments per batch.
 */
#define SEG_POOL 256
#define SEG_ARENA (1u << 20)
/*
 * Wakeup coalescing, a NIC's rx-usecs for the TUN: woken again within
 * COALESCE_WINDOW_NS for fewer than COALESCE_READS packets, the loop sleeps
 * COALESCE_NS before it polls again, so a sender sharing our CPU fills the
 * ring and the next wakeup reads a batch. A steady trickle never pays it;
 * a flood of small packets pays one sleep per batch instead of a context
 * switch per packet (measured in README: UDP 64 B, ping, TCP).
 */
/* The sparse queue (tun_steer.h): packets taken per look, and their size (bare ACKs, pings). */
#define SPARSE_BATCH 64
#define SPARSE_PKT_MAX 2048
#define COALESCE_READS 8
#define COALESCE_WINDOW_NS 200000ULL
#define COALESCE_NS 30000L

struct wgx_socket_plane {
	struct wgx_device *dev;
	struct wgx_loop *loop;
	int tun_fd;			/* the bulk queue, or the only one */
	int tun_sparse_fd;		/* -1: one queue (tun_single_why says why) */
	const char *tun_single_why;
	unsigned int tun_offloads;	/* WGX_TUN_TSO, WGX_TUN_USO */
	unsigned int gro_features;	/* what the TUN takes back: WGX_GRO_TCP, WGX_GRO_UDP */
	struct wgx_udp_port udp;
	unsigned char *bufs[WGX_SOCKET_BATCH];	/* TUN reads; a plain packet is sealed in place */
	unsigned char *sparse_bufs[SPARSE_BATCH];
	unsigned char *segs;		/* SEG_ARENA bytes */
	uint64_t tun_super_in, tun_super_out;	/* super-packets read from / written to TUN */
	uint64_t tun_sparse_in;			/* packets read from the sparse queue */
	uint64_t tun_last_wake_ns;		/* the previous tun_readable */
	uint64_t tun_coalesce_waits;		/* COALESCE_NS sleeps taken */
	/* Scratch of one batch, here rather than on the stack (~20 KB). */
	struct wgx_pkt pkts[WGX_SOCKET_BATCH + SEG_POOL];
	struct wgx_gro_pkt gro_in[WGX_GRO_BATCH_MAX];
	struct wgx_gro_out gro_out[WGX_GRO_BATCH_MAX];
	uint16_t gro_next[WGX_GRO_BATCH_MAX];
	struct iovec iov[WGX_GRO_BATCH_MAX + 1];
};

/* After a TUN batch of @reads reads: sleep COALESCE_NS if small batches come
 * in a stream (see COALESCE_READS). */
static void tun_coalesce(struct wgx_socket_plane *p, int reads)
{
	uint64_t now = wgx_clock_mono_ns();
	struct timespec ts = { 0, COALESCE_NS };

	if (reads < COALESCE_READS && now - p->tun_last_wake_ns < COALESCE_WINDOW_NS) {
		nanosleep(&ts, NULL);
		p->tun_coalesce_waits++;
	}
	p->tun_last_wake_ns = now;
}

/*
 * What waits in the sparse queue goes first: up to SPARSE_BATCH packets
 * (plain, never super-packets), sealed and sent at once. Returns how many.
 */
static int tun_read_sparse(struct wgx_socket_plane *p)
{
	struct wgx_pkt pkts[SPARSE_BATCH];
	int n = 0;

	if (p->tun_sparse_fd < 0)
		return 0;
	while (n < SPARSE_BATCH) {
		unsigned char *buf = p->sparse_bufs[n] + WGX_SEND_HEADROOM - VNET_LEN;
		ssize_t r = read(p->tun_sparse_fd, buf, VNET_LEN + SPARSE_PKT_MAX);
		struct wgx_vnet_hdr vh;

		if (r < 0)
			break;
		memcpy(&vh, buf, VNET_LEN);
		/* A full buffer may be a cut packet: the steering never sends one this big. */
		if ((size_t)r <= VNET_LEN || (size_t)r == VNET_LEN + SPARSE_PKT_MAX ||
		    vh.gso_type != WGX_VNET_GSO_NONE ||
		    wgx_gso_csum_complete(buf + VNET_LEN, (size_t)r - VNET_LEN, &vh)) {
			wgx_device_count(p->dev, WGX_R_TUN_MALFORMED);
			continue;
		}
		pkts[n] = (struct wgx_pkt){ .data = buf + VNET_LEN, .len = (size_t)r - VNET_LEN };
		n++;
	}
	if (n) {
		p->tun_sparse_in += (uint64_t)n;
		wgx_send_tunnel_batch(p->dev, pkts, n, wgx_clock_mono_ns());
	}
	return n;
}

/* A bulk batch to the core, the sparse queue first. */
static void send_bulk(struct wgx_socket_plane *p, int npkt)
{
	tun_read_sparse(p);
	wgx_send_tunnel_batch(p->dev, p->pkts, npkt, wgx_clock_mono_ns());
}

/*
 * The TUN is readable: read up to a batch of packets, each after its vnet
 * header. A plain packet (its checksum completed if the kernel left it
 * partial) is sealed where it was read; a super-packet is cut into the
 * segment arena (lib/gso), its read buffer reused at once. The batch goes
 * to the core, after what the sparse queue holds, when the buffers or the
 * arena run out (then the call returns) or the TUN is drained; then
 * tun_coalesce.
 */
static void tun_readable(void *ctx, uint32_t events)
{
	struct wgx_socket_plane *p = ctx;
	struct wgx_device *dev = p->dev;
	int nbuf = 0, nseg = 0, npkt = 0, reads = 0, sparse;
	size_t used = 0;	/* bytes of the arena */

	(void)events;
	/* Small packets all take the sparse queue: they count for tun_coalesce. */
	sparse = tun_read_sparse(p);
	while (reads++ < WGX_SOCKET_BATCH) {
		unsigned char *buf = p->bufs[nbuf] + WGX_SEND_HEADROOM - VNET_LEN;
		uint8_t *outs[SEG_POOL];
		size_t lens[SEG_POOL];
		struct wgx_vnet_hdr vh;
		ssize_t r = read(p->tun_fd, buf, VNET_LEN + PKT_MAX);
		size_t len;
		int n;

		if (r < 0)
			break;	/* EAGAIN: drained; anything else: the loop tells */
		if ((size_t)r <= VNET_LEN) {
			wgx_device_count(dev, WGX_R_TUN_MALFORMED);
			continue;
		}
		memcpy(&vh, buf, VNET_LEN);
		len = (size_t)r - VNET_LEN;
		buf += VNET_LEN;
		if (vh.gso_type == WGX_VNET_GSO_NONE) {
			if (wgx_gso_csum_complete(buf, len, &vh)) {
				wgx_device_count(dev, WGX_R_TUN_MALFORMED);
				continue;
			}
			p->pkts[npkt++] = (struct wgx_pkt){ .data = buf, .len = len };
			if (++nbuf < WGX_SOCKET_BATCH)
				continue;
		} else {
			struct wgx_l4_info in;
			size_t stride = 0, need = 0, segs = 0;

			n = wgx_gso_parse(buf, len, &in);
			if (!n && !vh.gso_size)
				n = -EINVAL;
			if (!n) {
				segs = (len - in.hdr_len + vh.gso_size - 1) / vh.gso_size;
				segs += !segs;
				stride = (WGX_SEND_HEADROOM + in.hdr_len + vh.gso_size +
					  WGX_SEND_TAILROOM + 15) & ~(size_t)15;
				need = segs * stride;
				if (segs > SEG_POOL || need > SEG_ARENA)
					n = -EMSGSIZE;
				else if (used + need > SEG_ARENA || nseg + (int)segs > SEG_POOL) {
					/* Full: send what we have (not this buffer, bufs[nbuf]). */
					send_bulk(p, npkt);
					npkt = nbuf = nseg = 0;
					used = 0;
				}
			}
			if (!n) {
				for (size_t i = 0; i < segs; i++)
					outs[i] = p->segs + used + i * stride + WGX_SEND_HEADROOM;
				n = wgx_gso_split(buf, len, &vh, outs,
						  stride - WGX_SEND_HEADROOM - WGX_SEND_TAILROOM, lens,
						  (int)segs);
			}
			if (n < 0) {
				wgx_device_count(dev, WGX_R_DP_GSO_REFUSED);
				continue;
			}
			p->tun_super_in++;
			for (int i = 0; i < n; i++)
				p->pkts[npkt++] = (struct wgx_pkt){ .data = outs[i], .len = lens[i] };
			nseg += n;
			used += (size_t)n * stride;
			if (nseg + 64 <= SEG_POOL && used + 2 * PKT_MAX <= SEG_ARENA)
				continue;
		}
		/* A batch (up to the arena, ~1 MB) per call: the loop then serves the
		 * UDP sockets (a ping's reply) before the TUN has us again. */
		send_bulk(p, npkt);
		npkt = 0;
		break;
	}
	if (npkt)
		send_bulk(p, npkt);
	tun_coalesce(p, reads + sparse);
}

static int op_send(void *plane, struct wgx_udp_msg *msgs, int n)
{
	struct wgx_socket_plane *p = plane;

	return wgx_udp_port_send(&p->udp, msgs, n);
}

/*
 * Decrypted packets to the TUN: runs of one flow coalesced (lib/gro) into
 * super-packets, each written with its vnet header in one writev.
 */
static void op_deliver(void *plane, struct wgx_pkt *pkts, int n)
{
	struct wgx_socket_plane *p = plane;

	while (n > 0) {
		int m = n < WGX_GRO_BATCH_MAX ? n : WGX_GRO_BATCH_MAX, nout;

		for (int i = 0; i < m; i++)
			p->gro_in[i] = (struct wgx_gro_pkt){ pkts[i].data, pkts[i].len };
		nout = wgx_gro_coalesce(p->gro_in, m, p->gro_features, p->gro_out, p->gro_next);
		for (int k = 0; k < nout; k++) {
			struct wgx_vnet_hdr vh;
			int iovcnt = wgx_gro_iov(&p->gro_out[k], p->gro_in, p->gro_next, &vh, p->iov,
						 WGX_GRO_BATCH_MAX + 1);

			if (p->gro_out[k].count > 1)
				p->tun_super_out++;
			if (wgx_tun_writev(p->tun_fd, p->iov, iovcnt) < 0)
				for (int c = 0; c < p->gro_out[k].count; c++)
					wgx_device_count(p->dev, WGX_R_DP_TUN_WRITE_FAILED);
		}
		pkts += m;
		n -= m;
	}
}

/* The kernel's drops at the TUN queue, before the daemon could read: a sysfs read, not per packet. */
static uint64_t tun_tx_dropped(const char *name)
{
	char path[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/tx_dropped", name);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static void op_stats(void *plane, const struct wgx_stats_visitor *v, void *ctx, uint64_t *reasons)
{
	struct wgx_socket_plane *p = plane;
	const struct wgx_udp *u = &p->udp.udp;

	v->str(ctx, "tun_offload", p->tun_offloads & WGX_TUN_USO ? "tso,uso"
				   : p->tun_offloads & WGX_TUN_TSO ? "tso" : "none");
	v->num(ctx, "tun_queues", p->tun_sparse_fd >= 0 ? 2 : 1);
	if (p->tun_single_why)
		v->str(ctx, "tun_single_queue_why", p->tun_single_why);
	v->num(ctx, "tun_sparse_in", p->tun_sparse_in);
	v->num(ctx, "tun_super_in", p->tun_super_in);
	v->num(ctx, "tun_coalesce_waits", p->tun_coalesce_waits);
	v->num(ctx, "tun_super_out", p->tun_super_out);
	v->flag(ctx, "udp_gso", u->gso[0] || u->gso[1]);
	v->flag(ctx, "udp_gro", u->gro[0] || u->gro[1]);
	v->num(ctx, "udp_gso_sends", u->gso_sends);
	if (u->gso_off)
		v->str(ctx, "udp_gso_off_why", strerror(u->gso_off_errno));
	reasons[WGX_R_DP_UDP_GSO_OFF] += u->gso_off;
	wgx_udp_port_drops(&p->udp, reasons);
	reasons[WGX_R_DP_TUN_RING_FULL] += tun_tx_dropped(p->dev->name);
}

static int op_bind(void *plane, uint16_t port, uint32_t fwmark)
{
	struct wgx_socket_plane *p = plane;

	return wgx_udp_port_bind(&p->udp, port, fwmark);
}

static int op_set_fwmark(void *plane, uint32_t fwmark)
{
	struct wgx_socket_plane *p = plane;

	return wgx_udp_port_set_fwmark(&p->udp, fwmark);
}

static const struct wgx_plane_ops socket_ops = {
	.name = "socket",
	.send = op_send,
	.deliver = op_deliver,
	.bind = op_bind,
	.set_fwmark = op_set_fwmark,
	.stats = op_stats,
};

/* Buffers and the UDP port, no TUN yet. */
static struct wgx_socket_plane *plane_alloc(struct wgx_device *dev, struct wgx_loop *loop)
{
	struct wgx_socket_plane *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->dev = dev;
	p->loop = loop;
	p->tun_fd = p->tun_sparse_fd = -1;
	if (wgx_udp_port_init(&p->udp, dev, loop))
		goto err;
	for (int i = 0; i < WGX_SOCKET_BATCH; i++)
		if (!(p->bufs[i] = malloc(BUF_SIZE)))
			goto err;
	for (int i = 0; i < SPARSE_BATCH; i++)
		if (!(p->sparse_bufs[i] = malloc(WGX_SEND_HEADROOM + SPARSE_PKT_MAX + WGX_SEND_TAILROOM)))
			goto err;
	p->segs = malloc(SEG_ARENA);
	if (!p->segs)
		goto err;
	p->udp.offload = WGX_UDP_GSO | WGX_UDP_GRO;
	return p;
err:
	wgx_socket_plane_destroy(p);
	return NULL;
}

/* p's TUN queues open with p->tun_offloads: watch them and become the device's plane. */
static int plane_start(struct wgx_socket_plane *p)
{
	struct wgx_device *dev = p->dev;
	int ret;

	p->gro_features = (p->tun_offloads & WGX_TUN_TSO ? WGX_GRO_TCP : 0) |
			  (p->tun_offloads & WGX_TUN_USO ? WGX_GRO_UDP : 0);
	pr_info("%s: TUN offloads %s, %s", dev->name, p->tun_offloads & WGX_TUN_USO ? "TSO+USO" :
		p->tun_offloads & WGX_TUN_TSO ? "TSO" : "none",
		p->tun_sparse_fd >= 0 ? "sparse and bulk queues" : "one queue");
	if (p->tun_single_why)
		pr_debug("%s: one TUN queue: %s", dev->name, p->tun_single_why);
	ret = wgx_loop_watch(p->loop, p->tun_fd, tun_readable, p);
	if (!ret && p->tun_sparse_fd >= 0)
		ret = wgx_loop_watch(p->loop, p->tun_sparse_fd, tun_readable, p);
	if (ret) {
		pr_err("%s: cannot watch the TUN device: %s", dev->name, strerror(-ret));
		return ret;
	}
	wgx_device_set_plane(dev, &socket_ops, p);
	return 0;
}

struct wgx_socket_plane *wgx_socket_plane_create(struct wgx_device *dev, struct wgx_loop *loop,
						 unsigned int mtu)
{
	struct wgx_socket_plane *p = plane_alloc(dev, loop);
	struct wgx_tun_queues q;
	int ret;

	if (!p)
		return NULL;
	ret = wgx_tun_steer_open(&q, dev->name, mtu);
	if (ret < 0) {
		pr_err("%s: cannot create the TUN device: %s%s", dev->name, strerror(-ret),
		       wgx_cap_hint(ret, WGX_CAP(CAP_NET_ADMIN)));
		goto err;
	}
	p->tun_fd = q.bulk_fd;
	p->tun_sparse_fd = q.sparse_fd;
	p->tun_offloads = q.offloads;
	p->tun_single_why = q.single_why;
	if (plane_start(p))
		goto err;
	return p;
err:
	wgx_socket_plane_destroy(p);
	return NULL;
}

void wgx_socket_plane_fds(const struct wgx_socket_plane *p, struct wgx_socket_plane_fds *out)
{
	out->tun_fd = p->tun_fd;
	out->tun_sparse_fd = p->tun_sparse_fd;
	out->tun_offloads = p->tun_offloads;
	out->udp = p->udp.udp;
}

struct wgx_socket_plane *wgx_socket_plane_adopt(struct wgx_device *dev, struct wgx_loop *loop,
						const struct wgx_socket_plane_fds *in)
{
	struct wgx_socket_plane *p = plane_alloc(dev, loop);
	struct wgx_udp udp = in->udp;

	if (!p) {
		close(in->tun_fd);
		if (in->tun_sparse_fd >= 0)
			close(in->tun_sparse_fd);
		wgx_udp_close(&udp);
		return NULL;
	}
	p->tun_fd = in->tun_fd;
	p->tun_sparse_fd = in->tun_sparse_fd;
	p->tun_offloads = in->tun_offloads;
	if (wgx_udp_port_adopt(&p->udp, &in->udp) || plane_start(p)) {
		wgx_socket_plane_destroy(p);
		return NULL;
	}
	return p;
}

void wgx_socket_plane_destroy(struct wgx_socket_plane *p)
{
	if (!p)
		return;
	if (p->dev->plane == p)
		wgx_device_set_plane(p->dev, NULL, NULL);
	if (p->tun_fd >= 0) {
		wgx_loop_unwatch(p->loop, p->tun_fd);
		close(p->tun_fd);
	}
	if (p->tun_sparse_fd >= 0) {
		wgx_loop_unwatch(p->loop, p->tun_sparse_fd);
		close(p->tun_sparse_fd);
	}
	wgx_udp_port_uninit(&p->udp);
	for (int i = 0; i < WGX_SOCKET_BATCH; i++)
		free(p->bufs[i]);
	for (int i = 0; i < SPARSE_BATCH; i++)
		free(p->sparse_bufs[i]);
	free(p->segs);
	free(p);
}
