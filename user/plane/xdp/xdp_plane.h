/* SPDX-License-Identifier: MIT */
/* The XDP plane's state, shared by the plane/xdp files only (xdp_mode.h is its face). */
#ifndef WGX_XDP_PLANE_H
#define WGX_XDP_PLANE_H

#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/send.h"
#include "lib/udp.h"
#include "plane/udp_port.h"
#include "plane/xdp/xdp_link.h"
#include "plane/xdp/xdp_scale.h"
#include "plane/xdp/xdp_xsk.h"

/* Frames per AF_XDP socket in its UMEM: a fill ring's and as many again. */
#define WGX_XDP_FRAMES_PER_SOCKET (2 * WGX_XSK_RING_SIZE)
#define WGX_XDP_RX_BATCH 64
#define WGX_XDP_NH_SLOTS 256		/* next-hop cache, direct mapped */
/* Frames kept back from the fill rings so TX of copied packets never starves. */
#define WGX_XDP_TX_RESERVE 512

#define WGX_XDP_MAX_WORKERS 64
#define WGX_XDP_JOBS 8192		/* packets in flight through the workers */
#define WGX_XDP_WORKER_RING 2048	/* per worker, power of two */
#define WGX_XDP_PEER_QUEUE 1024		/* per peer and direction */
#define WGX_XDP_GRAVEYARD 4096		/* retired keypairs awaiting their jobs */

enum { JOB_QUEUED, JOB_DONE, JOB_FAILED };
enum { JOB_RX, JOB_TX };

/*
 * One packet on its way through a worker (or, with none active, through the
 * control thread at once); queued on its peer's FIFO too. It holds two
 * frames: the one it came in (RX: NIC pool, TX: tunnel pool) and the one the
 * AEAD writes (the other pool), so that the two sides need no shared UMEM.
 */
struct wgx_xdp_job {
	_Atomic int state;		/* written last by the worker (release) */
	uint8_t kind;
	uint64_t seq;			/* dispatch order, for keypair retirement */
	uint64_t frame, out_frame;	/* UMEM addresses: input, output */
	uint8_t *msg;			/* RX: data message; TX: header room + plaintext */
	uint8_t *out;			/* where the output message starts */
	size_t len;			/* RX: message length; TX: plaintext length */
	struct wgx_keypair *kp;
	struct wgx_peer *peer;
	uint64_t counter;		/* TX: nonce (in); RX: nonce (out) */
	unsigned int mtu;		/* TX: pad up to this (the tunnel MTU when queued) */
	size_t out_len;			/* RX: plaintext length; TX: sealed length */
	struct wgx_endpoint ep;		/* RX: outer source */
};

/* Single producer (control thread), single consumer (the worker). */
struct wgx_xdp_ring {
	_Atomic uint32_t head, tail;
	struct wgx_xdp_job *slots[WGX_XDP_WORKER_RING];
};

struct wgx_xdp_worker {
	struct wgx_xdp_plane *p;
	pthread_t thread;
	bool started;
	struct wgx_xdp_ring ring;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	_Atomic bool sleeping;
	bool wake;			/* control thread: got jobs this batch */
	_Atomic uint64_t jobs;
	_Atomic pid_t tid;		/* set by the worker when it runs */
};

/* A peer's in-order FIFOs (control thread only). */
struct wgx_xdp_fifo {
	struct wgx_xdp_job *slots[WGX_XDP_PEER_QUEUE];
	uint32_t head, len;
};

struct wgx_xdp_peer_queues {
	struct wgx_xdp_fifo fifo[2];	/* by JOB_RX / JOB_TX */
	struct wgx_peer *peer;
	struct wgx_xdp_peer_queues *next_active;
	bool active;
};

enum { NH_EMPTY, NH_PENDING, NH_VALID, NH_NOT_OURS };

/*
 * How to reach one endpoint address through the NIC's XSK, from one local
 * source: the address the peer last sent to (the endpoint's sticky source),
 * or, when none is pinned (all zero), the route's preferred source.
 */
struct wgx_xdp_nh {
	uint8_t state;
	uint8_t family;
	uint8_t addr[16];
	uint8_t src[16];
	struct wgx_nexthop nh;
	uint64_t checked_ns;
};

/* What the event loop hands back when a NIC socket is readable. */
struct wgx_xdp_nic_watch {
	struct wgx_xdp_plane *p;
	unsigned int q;
};

struct wgx_xdp_plane {
	struct wgx_device *dev;
	struct wgx_loop *loop;
	struct wgx_bpf *bpf;		/* the XDP programs and maps (xdp_loader.h) */
	struct wgx_udp_port udp;	/* handshakes, cookie replies, data without an XSK path */
	bool socket_path;		/* classifier and table mirror only (xdp_mode.h) */
	const char *path_why;		/* why this path: reported in the stats */
	/* Two UMEMs: the NIC's (zero-copy where its driver can) and the tunnel
	 * veth's (always copy mode: a UMEM has one mode for all its sockets). */
	struct wgx_xsk_pool nic_pool, tun_pool;
	struct wgx_xsk nic[WGX_XDP_MAX_NIC_QUEUES];
	struct wgx_xdp_nic_watch nic_watch[WGX_XDP_MAX_NIC_QUEUES];
	unsigned int n_nic;
	struct wgx_xsk tun;
	char nic_name[IF_NAMESIZE], dp_name[IF_NAMESIZE];
	int nic_ifindex, dp_ifindex;
	unsigned int nic_mtu;		/* larger outer packets go through the kernel socket */
	uint8_t nic_mac[6], host_mac[6], dp_mac[6];
	int rx_xdp_mode, tun_xdp_mode;	/* enum wgx_xdp_mode */
	const char *rx_generic_why;	/* wgx_rx generic by choice: why (NULL: native first) */
	bool veth_created;
	bool adopt_veth;		/* a restart's: the running daemon's veth, not a new one */
	bool nic_gone;			/* the underlay interface was deleted */
	unsigned int max_nic;		/* NIC sockets the UMEM was sized for */
	struct {			/* counters of the NIC sockets closed since start */
		uint64_t rx, tx, kicks, busy;
	} nic_closed;

	struct wgx_xdp_nh nh[WGX_XDP_NH_SLOTS];
	uint64_t nh_scan_ns;
	bool nh_wanted;			/* a lookup missed: resolve soon */
	int nl_fd;			/* route/neighbour change events, -1: none */
	uint32_t bpf_flags;		/* what wgx_cfg.flags holds (WGX_CFG_*) */

	bool frame_taken;		/* set by deliver: the decrypted frame went to TX */
	uint16_t ip_id;
	struct wgx_tx_batch tx;		/* sealed messages awaiting the send op */
	struct wgx_udp_msg fallback[WGX_TX_BATCH];
	bool busy_poll;

	/* crypto workers (0: the control thread seals and opens inline); of
	 * them scale.active get packets (all, or auto-scaled: xdp_scale.h) */
	unsigned int n_workers, next_worker, chunk;
	struct wgx_scale scale;
	uint64_t inline_jobs;		/* sealed/opened on the control thread meanwhile */
	struct wgx_xdp_worker *workers;
	_Atomic bool stop;
	int done_fd;			/* eventfd: workers finished a batch */
	struct wgx_xdp_job *jobs;
	struct wgx_xdp_job **free_jobs;
	size_t n_free_jobs;
	uint64_t next_seq;
	struct wgx_xdp_peer_queues *active;
	struct {
		struct wgx_keypair *kp;
		uint64_t seq;
	} graveyard[WGX_XDP_GRAVEYARD];
	unsigned int n_grave;
};

/* xdp_mode.c */
extern const struct wgx_plane_ops wgx_xdp_ops;
/* Watch the sockets, eventfd and netlink in the loop, and add the plane's turn. 0 or -errno. */
int wgx_xdp_watch(struct wgx_xdp_plane *p);
/* Watch p->nic[0..n_nic) (at start, and after the underlay interface came back). */
int wgx_xdp_watch_nic(struct wgx_xdp_plane *p);
/* Take the plane's turn out of the loop (before it is freed; the fds are unwatched one by one). */
void wgx_xdp_unwatch_turns(struct wgx_xdp_plane *p);

/* xdp_setup.c */
const char *wgx_xdp_mode_name(int mode);
/* `ip link set NAME mtu N`: the daemon's veth end and the sealing limit follow. */
void wgx_xdp_follow_tunnel_mtu(struct wgx_xdp_plane *p);
/*
 * On interface events: close the NIC sockets when the underlay interface is
 * deleted, attach again when one of its name exists. True: new NIC sockets
 * (p->nic[0..n_nic)) need watching.
 */
bool wgx_xdp_follow_nic(struct wgx_xdp_plane *p);

/* xdp_workers.c */
/* @n threads; @auto_scale: start inline and let xdp_scale.h add them (else all active). */
int wgx_xdp_workers_start(struct wgx_xdp_plane *p, unsigned int n, bool auto_scale);
void wgx_xdp_workers_stop(struct wgx_xdp_plane *p);
/*
 * Queue a job (filled in but for seq/state) on its peer and a worker, or run
 * it at once on the control thread when no worker is active and none holds
 * the peer's earlier packets. True: the job owns its frame now; false:
 * dropped (counted).
 */
bool wgx_xdp_dispatch(struct wgx_xdp_plane *p, struct wgx_xdp_job *job, uint64_t now);
struct wgx_xdp_job *wgx_xdp_job_get(struct wgx_xdp_plane *p);
void wgx_xdp_job_put(struct wgx_xdp_plane *p, struct wgx_xdp_job *job);
/* Wake the workers that got jobs since the last call. */
void wgx_xdp_kick_workers(struct wgx_xdp_plane *p);
/* The workers' eventfd (done_fd) was readable: reset it. */
void wgx_xdp_results_drain(struct wgx_xdp_plane *p);
/* Finish done jobs in per-peer order; free retired keypairs no job can hold. */
void wgx_xdp_release(struct wgx_xdp_plane *p, uint64_t now);
/* Wait for the workers to finish every job queued, then release them all. */
void wgx_xdp_workers_drain(struct wgx_xdp_plane *p, uint64_t now);

/* xdp_workers.c: the ops keypair_retired and peer_removed (core/plane.h) */
bool wgx_xdp_retire_keypair(struct wgx_xdp_plane *p, struct wgx_keypair *kp);
void wgx_xdp_peer_removed(struct wgx_xdp_plane *p, struct wgx_peer *peer);

/* xdp_path.c */
/*
 * The ops deliver and send: put an opened inner packet into the tunnel veth
 * (in place when it lies in the UMEM, else copied), and transmit sealed
 * messages (outer headers built in the frame's headroom; no next hop or
 * not a UMEM frame: the UDP socket).
 */
void wgx_xdp_deliver(struct wgx_xdp_plane *p, uint8_t *pkt, size_t len, int family);
int wgx_xdp_send(struct wgx_xdp_plane *p, struct wgx_udp_msg *msgs, int n);
void wgx_xdp_nic_rx(struct wgx_xdp_plane *p, struct wgx_xsk *x, uint64_t now);
void wgx_xdp_tun_rx(struct wgx_xdp_plane *p, uint64_t now);
/* Reap completions, refill, kick pending TX. Returns true while TX is in flight. */
bool wgx_xdp_service(struct wgx_xdp_plane *p);
/* Resolve missed/stale next hops (netlink); cheap when nothing is due. */
void wgx_xdp_nh_refresh(struct wgx_xdp_plane *p, uint64_t now);
/* Routes or neighbours changed: check every cached next hop again soon. */
void wgx_xdp_nh_invalidate(struct wgx_xdp_plane *p);

#endif
