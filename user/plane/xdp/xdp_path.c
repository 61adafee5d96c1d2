// SPDX-License-Identifier: MIT
/*
 * The per-batch packet paths of XDP mode (design: xdp_mode.c).
 *
 *   NIC XSK rx:  outer Ethernet/IP/UDP parsed here -> keypair and peer by
 *                receiver index -> decrypt from the NIC frame into a tunnel
 *                frame (crypto worker, or inline when none is active) -> in
 *                per-peer order: replay, timers, roaming, allowed-IPs source
 *                check (wgx_receive_data_opened) -> wgx_xdp_deliver puts the
 *                Ethernet header in front and queues it on the tunnel XSK's
 *                TX ring.
 *   tunnel XSK rx: inner packet -> peer by allowed IPs -> wgx_send_data_begin
 *                (staging, handshake triggers, nonce) -> seal into a NIC
 *                frame (worker or inline) -> wgx_xdp_send puts outer
 *                headers in the frame's headroom and queues it on the NIC
 *                XSK; no next hop yet -> kernel UDP socket (counted fallback).
 *
 * The AEAD reads one UMEM's frame and writes the other's, so crossing sides
 * costs no copy although the NIC's UMEM (zero-copy where its driver can) and
 * the veth's (copy mode) are separate.
 *
 * The XDP metadata is checked and cleared on every frame, but the peer comes
 * from the daemon's own tables (the index table returns it with the keypair;
 * the userspace allowed-IPs trie is exactly the UAPI state), so a frame
 * classified by a map entry that is being replaced cannot go to a stale peer.
 *
 * No allocation, lock or syscall per packet: frames move between rings, the
 * only syscalls are the per-batch TX kicks (and UDP sends for the fallback).
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "core/allowedips.h"
#include "lib/clock.h"
#include "core/device.h"
#include "lib/log.h"
#include "core/receive.h"
#include "lib/tun.h"
#include "core/send.h"
#include "plane/xdp/xdp_plane.h"
#include "plane/xdp/xdp_sync.h"

#define ETH_LEN 14
#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6_ 0x86dd
#define ETH_P_VLAN 0x8100
#define UDP_LEN 8
#define NH_RETRY_NS (100 * 1000000ull)	/* unresolved neighbour: ask again after */
#define NH_REVALIDATE_NS (5 * WGX_NS_PER_SEC) /* routes/neighbours may change */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (; len > 1; p += 2, len -= 2)
		sum += get16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Queue a frame of @pool for TX; a full ring is first drained (reap + kick) once. */
static bool tx_frame(struct wgx_xsk_pool *pool, struct wgx_xsk *x, uint64_t addr, uint32_t len)
{
	if (wgx_xsk_tx(x, addr, len))
		return true;
	wgx_xsk_complete(pool, x);
	wgx_xsk_kick(x);
	return wgx_xsk_tx(x, addr, len);
}

/*
 * A job for one packet and a free frame of @out_pool for what the AEAD
 * writes; NULL (counted) when either is exhausted.
 */
static struct wgx_xdp_job *job_with_output(struct wgx_xdp_plane *p, struct wgx_xsk_pool *out_pool)
{
	struct wgx_xdp_job *job = wgx_xdp_job_get(p);

	if (!job) {
		wgx_device_count(p->dev, WGX_R_DP_WORKER_QUEUE_FULL);
		return NULL;
	}
	job->out_frame = wgx_xsk_frame_get(out_pool);
	if (job->out_frame == UINT64_MAX) {
		wgx_xdp_job_put(p, job);
		wgx_device_count(p->dev, WGX_R_DP_NO_FRAME);
		return NULL;
	}
	return job;
}

/* ---- NIC -> tunnel ---- */

/*
 * Open a data message into a tunnel frame (where the inner packet lands right
 * behind room for its Ethernet header), on a worker or inline; true: the job
 * owns the NIC frame now.
 */
static bool dispatch_rx(struct wgx_xdp_plane *p, uint64_t frame, uint8_t *msg, size_t len,
			const struct wgx_endpoint *ep, uint64_t now)
{
	struct wgx_xdp_job *job;
	struct wgx_keypair *kp;
	struct wgx_peer *peer;

	kp = wgx_receive_data_keypair(p->dev, msg, now, &peer);
	if (!kp || !(job = job_with_output(p, &p->tun_pool)))
		return false;
	job->kind = JOB_RX;
	job->frame = frame;
	job->msg = msg;
	job->out = wgx_xsk_data(&p->tun_pool, job->out_frame + WGX_XSK_PKT_OFFSET + ETH_LEN -
						      WGX_MSG_DATA_HEADER_LEN);
	job->len = len;
	job->kp = kp;
	job->peer = peer;
	job->ep = *ep;
	if (wgx_xdp_dispatch(p, job, now))
		return true;
	wgx_xsk_frame_put(&p->tun_pool, job->out_frame);
	return false;
}

/*
 * The WireGuard message inside an outer frame, its source as an endpoint
 * (the frame's destination address becomes the sticky source, like the UDP
 * socket's pktinfo). NULL when the frame is not IPv4/IPv6 UDP.
 */
static uint8_t *outer_parse(struct wgx_xdp_plane *p, uint8_t *pkt, uint32_t len, size_t *msg_len,
			    struct wgx_endpoint *ep)
{
	uint8_t *l3 = pkt + ETH_LEN, *udp, *end = pkt + len;
	uint16_t proto;

	if (len < ETH_LEN + 20 + UDP_LEN)
		return NULL;
	proto = get16(pkt + 12);
	if (proto == ETH_P_VLAN) {
		proto = get16(pkt + 16);
		l3 += 4;
	}
	memset(ep, 0, sizeof(*ep));
	if (proto == ETH_P_IPV4 && (l3[0] >> 4) == 4 && (l3[0] & 0xf) >= 5) {
		udp = l3 + (l3[0] & 0xf) * 4;
		if (l3[9] != IPPROTO_UDP)
			return NULL;
		ep->addr.in4.sin_family = AF_INET;
		memcpy(&ep->addr.in4.sin_addr, l3 + 12, 4);
		memcpy(&ep->src4, l3 + 16, 4);
	} else if (proto == ETH_P_IPV6_ && (l3[0] >> 4) == 6) {
		udp = l3 + 40;
		if (l3[6] != IPPROTO_UDP)
			return NULL; /* extension headers: wgx_rx let it through, rare */
		ep->addr.in6.sin6_family = AF_INET6;
		memcpy(&ep->addr.in6.sin6_addr, l3 + 8, 16);
		memcpy(&ep->src6, l3 + 24, 16);
	} else {
		return NULL;
	}
	if (udp + UDP_LEN > end || get16(udp + 4) < UDP_LEN || udp + get16(udp + 4) > end)
		return NULL;
	memcpy(&ep->addr.in4.sin_port, udp, 2); /* same offset in sockaddr_in6 */
	ep->src_ifindex = p->nic_ifindex;
	wgx_sockaddr_normalize(&ep->addr);
	*msg_len = get16(udp + 4) - UDP_LEN;
	return udp + UDP_LEN;
}

/*
 * Start loading the metadata and headers of the frame after @i while @i is
 * worked on: frames arrive cold (the kernel copied them in on another CPU or
 * long ago), and the first touch is otherwise a stall per packet.
 */
static void prefetch_next(const struct wgx_xsk_pool *pool, struct wgx_xsk *x, uint32_t idx,
			  uint32_t i, uint32_t n)
{
	if (i + 1 < n) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&x->rx, idx + i + 1);
		const uint8_t *next = wgx_xsk_data(pool, d->addr);

		__builtin_prefetch(next - 16);
		__builtin_prefetch(next + 48);
	}
}

/*
 * CoDel on an XSK RX ring (codel.h): packet @i of the @n just peeked, which
 * XDP stamped at @queued_ns; @kt: CLOCK_MONOTONIC now. A short peek means the
 * ring is drained, so its last packet has nothing queued behind it.
 */
static bool ring_codel_drop(struct wgx_xsk *x, uint64_t queued_ns, uint64_t kt, uint32_t i,
			    uint32_t n)
{
	bool backlog_low = i + 1 == n && n < WGX_XDP_RX_BATCH;

	return wgx_codel_should_drop(&x->codel, kt > queued_ns ? kt - queued_ns : 0, backlog_low, kt);
}

void wgx_xdp_nic_rx(struct wgx_xdp_plane *p, struct wgx_xsk *x, uint64_t now)
{
	struct wgx_device *dev = p->dev;
	uint32_t idx, n = xsk_ring_cons__peek(&x->rx, WGX_XDP_RX_BATCH, &idx);
	uint64_t kt = n ? wgx_clock_ktime_ns() : 0;

	for (uint32_t i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&x->rx, idx + i);
		uint8_t *pkt = wgx_xsk_data(&p->nic_pool, d->addr), *msg;
		struct wgx_endpoint ep;
		uint64_t queued_ns;
		uint32_t peer_id;
		size_t mlen;
		int type;

		prefetch_next(&p->nic_pool, x, idx, i, n);
		if (wgx_xdp_meta_take(pkt, &peer_id, &queued_ns) &&
		    ring_codel_drop(x, queued_ns, kt, i, n)) {
			wgx_device_count(dev, WGX_R_DP_CODEL_RX);
			wgx_xsk_frame_put(&p->nic_pool, d->addr);
			continue;
		}
		msg = outer_parse(p, pkt, d->len, &mlen, &ep);
		type = msg ? wgx_receive_classify(msg, mlen) : -WGX_R_RX_UNPARSED_PASS;
		if (type == WGX_MSG_DATA && dispatch_rx(p, d->addr, msg, mlen, &ep, now))
			continue;
		if (type != WGX_MSG_DATA)
			wgx_device_count(dev, type < 0 ? (enum wgx_reason)-type : WGX_R_RX_BAD_TYPE);
		wgx_xsk_frame_put(&p->nic_pool, d->addr);
	}
	if (n) {
		xsk_ring_cons__release(&x->rx, n);
		x->rx_packets += n;
		wgx_xdp_kick_workers(p);
	}
}

void wgx_xdp_deliver(struct wgx_xdp_plane *p, uint8_t *pkt, size_t len, int family)
{
	struct wgx_xsk_pool *pool = &p->tun_pool;
	bool in_place = wgx_xsk_owns(pool, pkt);
	uint8_t *eth;
	uint64_t addr;

	if (in_place) {
		eth = pkt - ETH_LEN;
	} else {
		/* From the UDP socket (the XSK-less fallback): copy into a frame. */
		addr = wgx_xsk_frame_get(pool);
		if (addr == UINT64_MAX || len > WGX_XSK_FRAME_SIZE - WGX_XSK_PKT_OFFSET - ETH_LEN) {
			if (addr != UINT64_MAX)
				wgx_xsk_frame_put(pool, addr);
			wgx_device_count(p->dev, WGX_R_DP_NO_FRAME);
			return;
		}
		eth = wgx_xsk_data(pool, addr + WGX_XSK_PKT_OFFSET);
		memcpy(eth + ETH_LEN, pkt, len);
	}
	/* NAME is NOARP: the kernel takes frames addressed to its own MAC. */
	memcpy(eth, p->host_mac, 6);
	memcpy(eth + 6, p->dp_mac, 6);
	put16(eth + 12, family == AF_INET6 ? ETH_P_IPV6_ : ETH_P_IPV4);
	if (!tx_frame(pool, &p->tun, wgx_xsk_addr_of(pool, eth), (uint32_t)(len + ETH_LEN))) {
		wgx_device_count(p->dev, WGX_R_DP_TX_RING_FULL);
		if (!in_place)
			wgx_xsk_frame_put(pool, wgx_xsk_addr_of(pool, eth));
		return;
	}
	if (in_place)
		p->frame_taken = true;
}

/* ---- tunnel -> NIC ---- */

/*
 * Seal into a NIC frame, the message at the frame's packet offset with the
 * outer headers' room before it, on a worker or inline; true: the job owns
 * the tunnel frame now (false: staged as a copy, or dropped and counted).
 */
static bool dispatch_tx(struct wgx_xdp_plane *p, struct wgx_peer *peer, uint64_t frame,
			uint8_t *buf, size_t len, uint64_t now)
{
	struct wgx_xdp_job *job;
	struct wgx_keypair *kp;
	uint64_t counter;

	kp = wgx_send_data_begin(peer, buf, len, &counter, now);
	if (!kp || !(job = job_with_output(p, &p->nic_pool)))
		return false;
	job->kind = JOB_TX;
	job->frame = frame;
	job->msg = buf;
	job->out = wgx_xsk_data(&p->nic_pool, job->out_frame + WGX_XSK_PKT_OFFSET);
	job->len = len;
	job->kp = kp;
	job->peer = peer;
	job->counter = counter;
	job->mtu = p->dev->mtu;
	if (wgx_xdp_dispatch(p, job, now))
		return true;
	wgx_xsk_frame_put(&p->nic_pool, job->out_frame);
	return false;
}

void wgx_xdp_tun_rx(struct wgx_xdp_plane *p, uint64_t now)
{
	struct wgx_device *dev = p->dev;
	struct wgx_xsk *x = &p->tun;
	uint32_t idx, n = xsk_ring_cons__peek(&x->rx, WGX_XDP_RX_BATCH, &idx);
	uint64_t kt = n ? wgx_clock_ktime_ns() : 0;

	for (uint32_t i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&x->rx, idx + i);
		uint8_t *pkt = wgx_xsk_data(&p->tun_pool, d->addr), *inner = pkt + ETH_LEN;
		size_t len = d->len > ETH_LEN ? d->len - ETH_LEN : 0;
		struct wgx_peer *peer = NULL;
		uint64_t queued_ns;
		uint32_t peer_id;

		prefetch_next(&p->tun_pool, x, idx, i, n);
		if (wgx_xdp_meta_take(pkt, &peer_id, &queued_ns) &&
		    ring_codel_drop(x, queued_ns, kt, i, n)) {
			wgx_device_count(dev, WGX_R_DP_CODEL_TX);
			wgx_xsk_frame_put(&p->tun_pool, d->addr);
			continue;
		}
		if (len >= 20 && inner[0] >> 4 == 4)
			peer = wgx_allowedips_lookup(&dev->allowedips, AF_INET, inner + 16);
		else if (len >= 40 && inner[0] >> 4 == 6)
			peer = wgx_allowedips_lookup(&dev->allowedips, AF_INET6, inner + 24);
		if (!peer)
			wgx_device_count(dev, len < 20 ? WGX_R_TUN_MALFORMED : WGX_R_TUN_NO_ROUTE);
		else if (len > dev->mtu)
			wgx_device_count(dev, WGX_R_DP_MTU_EXCEEDED);
		else if (dispatch_tx(p, peer, d->addr, inner - WGX_SEND_HEADROOM, len, now))
			continue;
		wgx_xsk_frame_put(&p->tun_pool, d->addr);
	}
	if (n) {
		xsk_ring_cons__release(&x->rx, n);
		x->rx_packets += n;
		wgx_send_flush(dev, &p->tx);
		wgx_xdp_kick_workers(p);
	}
}

static unsigned int nh_slot(int family, const uint8_t *addr, const uint8_t *src)
{
	size_t alen = family == AF_INET6 ? 16 : 4;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < alen; i++)
		h = (h ^ addr[i]) * 16777619u;
	for (size_t i = 0; i < alen; i++)
		h = (h ^ src[i]) * 16777619u;
	return h % WGX_XDP_NH_SLOTS;
}

/* wgx_xdp_nh.src of an endpoint without a sticky source */
static const uint8_t nh_no_src[16];

/* The cache entry for sending to @ep (its address, from its sticky source). */
static const struct wgx_xdp_nh *nh_lookup(struct wgx_xdp_plane *p, const struct wgx_endpoint *ep)
{
	int family = ep->addr.sa.sa_family;
	bool v6 = family == AF_INET6;
	const uint8_t *addr = v6 ? (const uint8_t *)&ep->addr.in6.sin6_addr :
				   (const uint8_t *)&ep->addr.in4.sin_addr;
	const uint8_t *src = !ep->src_ifindex ? nh_no_src : v6 ? (const uint8_t *)&ep->src6 :
							  (const uint8_t *)&ep->src4;
	size_t alen = v6 ? 16 : 4;
	struct wgx_xdp_nh *e = &p->nh[nh_slot(family, addr, src)];

	if (e->state != NH_EMPTY && e->family == family && !memcmp(e->addr, addr, alen) &&
	    !memcmp(e->src, src, alen))
		return e->state == NH_VALID ? e : NULL;
	/* Miss (or a colliding address): take the slot, resolve on the control loop. */
	memset(e, 0, sizeof(*e));
	e->state = NH_PENDING;
	e->family = (uint8_t)family;
	memcpy(e->addr, addr, alen);
	memcpy(e->src, src, alen);
	p->nh_wanted = true;
	return NULL;
}

/*
 * The NIC queue whose socket sends to @a: one per endpoint (address and
 * port), so a peer's packets keep their order and peers spread over every
 * queue's XSK.
 */
static struct wgx_xsk *tx_queue(struct wgx_xdp_plane *p, const union wgx_sockaddr *a)
{
	bool v6 = a->sa.sa_family == AF_INET6;
	const uint8_t *addr = v6 ? a->in6.sin6_addr.s6_addr : (const uint8_t *)&a->in4.sin_addr;
	uint16_t port = v6 ? a->in6.sin6_port : a->in4.sin_port;
	uint32_t h = 2166136261u;

	h = (h ^ (port & 0xff)) * 16777619u;
	h = (h ^ (port >> 8)) * 16777619u;
	for (size_t i = 0; i < (v6 ? 16u : 4u); i++)
		h = (h ^ addr[i]) * 16777619u;
	/* FNV's low bits depend on the inputs' low bits only: mix before the modulo. */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return &p->nic[h % p->n_nic];
}

/* Outer Ethernet + IP + UDP in front of the @len-byte message at @msg. Returns the frame start. */
static uint8_t *outer_build(struct wgx_xdp_plane *p, const struct wgx_xdp_nh *e,
			    const union wgx_sockaddr *dst, uint8_t *msg, size_t len, size_t *frame_len)
{
	bool v6 = e->family == AF_INET6;
	size_t ip_len = v6 ? 40 : 20;
	uint8_t *udp = msg - UDP_LEN, *ip = udp - ip_len, *eth = ip - ETH_LEN;
	uint16_t ulen = (uint16_t)(len + UDP_LEN);

	memcpy(eth, e->nh.mac, 6);
	memcpy(eth + 6, p->nic_mac, 6);
	put16(eth + 12, v6 ? ETH_P_IPV6_ : ETH_P_IPV4);
	put16(udp, p->dev->port);
	memcpy(udp + 2, &dst->in4.sin_port, 2);
	put16(udp + 4, ulen);
	put16(udp + 6, 0);
	if (v6) {
		uint32_t sum;

		ip[0] = 0x60;
		ip[1] = ip[2] = ip[3] = 0;
		put16(ip + 4, ulen);
		ip[6] = IPPROTO_UDP;
		ip[7] = 64;
		memcpy(ip + 8, &e->nh.src6, 16);
		memcpy(ip + 24, e->addr, 16);
		/* Mandatory over IPv6: pseudo-header + UDP header + payload. */
		sum = csum_add(0, ip + 8, 32) + ulen + IPPROTO_UDP;
		sum = csum_add(sum, udp, ulen);
		put16(udp + 6, csum_fold(sum) ? csum_fold(sum) : 0xffff);
	} else {
		ip[0] = 0x45;
		ip[1] = 0;
		put16(ip + 2, (uint16_t)(ulen + 20));
		put16(ip + 4, p->ip_id++);
		put16(ip + 6, 0);
		ip[8] = 64;
		ip[9] = IPPROTO_UDP;
		put16(ip + 10, 0);
		memcpy(ip + 12, &e->nh.src4, 4);
		memcpy(ip + 16, e->addr, 4);
		put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
		/* UDP checksum 0 over IPv4: the AEAD tag authenticates every byte. */
	}
	*frame_len = ETH_LEN + ip_len + ulen;
	return eth;
}

int wgx_xdp_send(struct wgx_xdp_plane *p, struct wgx_udp_msg *msgs, int n)
{
	struct wgx_device *dev = p->dev;
	int n_fb = 0, n_sent = 0, fb_of[WGX_TX_BATCH];

	for (int i = 0; i < n; i++) {
		struct wgx_udp_msg *m = &msgs[i];
		const struct wgx_xdp_nh *e;
		uint8_t *frame;
		size_t flen;

		if (!wgx_xsk_owns(&p->nic_pool, m->buf)) {
			/* A handshake, cookie reply, keepalive or staged packet. */
			n_sent += wgx_udp_port_send(&p->udp, m, 1);
			continue;
		}
		e = nh_lookup(p, &m->ep);
		if (!e || !p->n_nic) {
			fb_of[n_fb] = i;
			p->fallback[n_fb++] = *m;
			continue;
		}
		frame = outer_build(p, e, &m->ep.addr, m->buf, m->len, &flen);
		if (p->nic_mtu && flen - ETH_LEN > p->nic_mtu) {
			/* Bigger than the underlay's MTU: the kernel fragments it. */
			fb_of[n_fb] = i;
			p->fallback[n_fb++] = *m;
			continue;
		}
		if (!tx_frame(&p->nic_pool, tx_queue(p, &m->ep.addr),
			      wgx_xsk_addr_of(&p->nic_pool, frame), (uint32_t)flen)) {
			wgx_device_count(dev, WGX_R_DP_TX_RING_FULL);
			m->len = 0;
			wgx_xsk_frame_put(&p->nic_pool, wgx_xsk_addr_of(&p->nic_pool, frame));
			continue;
		}
		n_sent++;
	}
	if (n_fb) {
		/* No next hop yet: the kernel sends it (and resolves the neighbour). */
		int sent = wgx_udp_port_send(&p->udp, p->fallback, n_fb);

		for (int i = 0; i < sent; i++)
			wgx_device_count(dev, WGX_R_DP_SOCKET_FALLBACK);
		for (int i = 0; i < n_fb; i++)
			msgs[fb_of[i]].len = p->fallback[i].len;
		for (int i = 0; i < n_fb; i++)
			wgx_xsk_frame_put(&p->nic_pool, wgx_xsk_addr_of(&p->nic_pool, p->fallback[i].buf));
		n_sent += sent;
	}
	return n_sent;
}

void wgx_xdp_nh_refresh(struct wgx_xdp_plane *p, uint64_t now)
{
	bool scan_all = now - p->nh_scan_ns >= NH_RETRY_NS;
	int mtu;

	if (!p->nh_wanted && !scan_all)
		return;
	p->nh_wanted = false;
	p->nh_scan_ns = now;
	mtu = wgx_link_get_mtu(p->nic_ifindex);
	if (mtu > 0)
		p->nic_mtu = (unsigned int)mtu;
	for (unsigned int i = 0; i < WGX_XDP_NH_SLOTS; i++) {
		struct wgx_xdp_nh *e = &p->nh[i];
		uint64_t age = now - e->checked_ns;
		int ret;

		if (e->state == NH_EMPTY ||
		    (e->state == NH_PENDING && e->checked_ns && age < NH_RETRY_NS) ||
		    (e->state != NH_PENDING && age < NH_REVALIDATE_NS))
			continue;
		e->checked_ns = now;
		ret = wgx_route_nexthop(e->family, e->addr, memcmp(e->src, nh_no_src, 16) ? e->src : NULL,
					p->dev->fwmark, &e->nh);
		if (!ret)
			e->state = e->nh.ifindex == p->nic_ifindex ? NH_VALID : NH_NOT_OURS;
		else
			e->state = ret == -EAGAIN ? NH_PENDING : NH_NOT_OURS;
	}
}

void wgx_xdp_nh_invalidate(struct wgx_xdp_plane *p)
{
	for (unsigned int i = 0; i < WGX_XDP_NH_SLOTS; i++)
		p->nh[i].checked_ns = 0;
	p->nh_wanted = true;
}

bool wgx_xdp_service(struct wgx_xdp_plane *p)
{
	bool busy = false;

	for (unsigned int i = 0; i < p->n_nic; i++) {
		wgx_xsk_complete(&p->nic_pool, &p->nic[i]);
		wgx_xsk_kick(&p->nic[i]);
		wgx_xsk_refill(&p->nic_pool, &p->nic[i], WGX_XDP_TX_RESERVE);
		busy |= p->nic[i].tx_pending > 0;
	}
	wgx_xsk_complete(&p->tun_pool, &p->tun);
	wgx_xsk_kick(&p->tun);
	wgx_xsk_refill(&p->tun_pool, &p->tun, WGX_XDP_TX_RESERVE);
	return busy || p->tun.tx_pending > 0;
}
