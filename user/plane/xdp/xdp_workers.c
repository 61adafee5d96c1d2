// SPDX-License-Identifier: MIT
/*
 * Crypto workers of XDP mode: packets are sealed/opened in parallel while
 * each peer's packets leave in the order they came (WireGuard's GSoC 2017
 * design, shared/seeds/001, 002):
 *
 *   control thread: job -> peer FIFO (order) + worker ring (parallel)
 *   worker:         open/seal in place, job->state = DONE (release)
 *   control thread: pops each peer FIFO's head while it is done, and only
 *                   then does what needs order and protocol state: replay
 *                   window, timers, roaming, source check, delivery; TX.
 *
 * Workers touch only the frame and the keypair's immutable keys. Keypairs
 * the control thread drops are retired with the dispatch sequence number at
 * that moment and freed once every job dispatched before it has been
 * released (the oldest job still in any peer FIFO is younger): a quiescent
 * point derived from the FIFOs themselves, no extra atomics on the fast path.
 * Wake-ups: a worker sleeps on its condition variable only when its ring is
 * empty; workers signal the control thread with one eventfd write per batch.
 */
#include <errno.h>
#include <sched.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "lib/clock.h"
#include "core/aead.h"
#include "core/data.h"
#include "core/device.h"
#include "lib/log.h"
#include "core/peer.h"
#include "core/receive.h"
#include "core/secret.h"
#include "plane/xdp/xdp_mode.h"
#include "plane/xdp/xdp_plane.h"

#define WORKER_BATCH 64
/* Consecutive jobs for one worker before the next: fewer wake-ups per batch. */
#define DISPATCH_CHUNK 16

static struct wgx_xdp_job *ring_pop(struct wgx_xdp_ring *r)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	struct wgx_xdp_job *job;

	if (head == atomic_load_explicit(&r->tail, memory_order_acquire))
		return NULL;
	job = r->slots[head % WGX_XDP_WORKER_RING];
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	return job;
}

static bool ring_push(struct wgx_xdp_ring *r, struct wgx_xdp_job *job)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);

	if (tail - atomic_load_explicit(&r->head, memory_order_acquire) == WGX_XDP_WORKER_RING)
		return false;
	r->slots[tail % WGX_XDP_WORKER_RING] = job;
	atomic_store_explicit(&r->tail, tail + 1, memory_order_seq_cst);
	return true;
}

static bool ring_empty(struct wgx_xdp_ring *r)
{
	return atomic_load(&r->head) == atomic_load(&r->tail);
}

static void run_job(struct wgx_xdp_job *job)
{
	int state = JOB_DONE;

	if (job->kind == JOB_RX) {
		if (wgx_data_open_to(job->kp, job->msg, job->len, job->out, &job->counter,
				     &job->out_len))
			state = JOB_FAILED;
	} else {
		job->out_len = wgx_data_seal_to(job->kp, job->counter, job->msg, job->len, job->mtu,
						job->out);
	}
	atomic_store_explicit(&job->state, state, memory_order_release);
}

static void *worker_main(void *arg)
{
	struct wgx_xdp_worker *w = arg;
	struct wgx_xdp_plane *p = w->p;
	uint64_t one = 1;

	atomic_store(&w->tid, gettid());
	while (!atomic_load(&p->stop)) {
		struct wgx_xdp_job *job;
		unsigned int n = 0;

		while (n < WORKER_BATCH && (job = ring_pop(&w->ring))) {
			run_job(job);
			n++;
		}
		if (n) {
			/* No session key left in OpenSSL's heap, dead frames or
			 * vector registers between batches. */
			wgx_aead_thread_forget();
			wgx_secret_burn_stack();
			atomic_fetch_add_explicit(&w->jobs, n, memory_order_relaxed);
			if (write(p->done_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
				pr_warn("worker: eventfd: %s", strerror(errno));
			continue;
		}
		pthread_mutex_lock(&w->lock);
		atomic_store(&w->sleeping, true);
		while (ring_empty(&w->ring) && !atomic_load(&p->stop))
			pthread_cond_wait(&w->cond, &w->lock);
		atomic_store(&w->sleeping, false);
		pthread_mutex_unlock(&w->lock);
	}
	return NULL;
}

/* The workers' thread ids, once they all run (auto-scaling reads their schedstat). */
static bool worker_tids(struct wgx_xdp_plane *p, pid_t *tids)
{
	for (unsigned int i = 0, tries = 0; i < p->n_workers; tries++) {
		tids[i] = atomic_load(&p->workers[i].tid);
		if (tids[i])
			i++;
		else if (tries > 100000)
			return false;
		else
			sched_yield();
	}
	return true;
}

int wgx_xdp_workers_start(struct wgx_xdp_plane *p, unsigned int n, bool auto_scale)
{
	pid_t tids[WGX_XDP_MAX_WORKERS];

	/* Without workers a job lives only while the control thread runs it. */
	size_t n_jobs = n ? WGX_XDP_JOBS : 64;

	if (n > WGX_XDP_MAX_WORKERS)
		n = WGX_XDP_MAX_WORKERS;
	p->done_fd = -1;
	p->jobs = calloc(n_jobs, sizeof(*p->jobs));
	p->free_jobs = calloc(n_jobs, sizeof(*p->free_jobs));
	if (!p->jobs || !p->free_jobs)
		return -ENOMEM;
	for (size_t i = 0; i < n_jobs; i++)
		p->free_jobs[p->n_free_jobs++] = &p->jobs[i];
	if (!n)
		return 0;
	p->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	p->workers = calloc(n, sizeof(*p->workers));
	if (p->done_fd < 0 || !p->workers)
		return -ENOMEM;
	/* Workers run at normal priority whatever the control thread runs at:
	 * only the control thread can tell a burst from a flood (rtprio.h). */
	pthread_attr_t attr;
	struct sched_param sp = { 0 };

	pthread_attr_init(&attr);
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_OTHER);
	pthread_attr_setschedparam(&attr, &sp);
	for (unsigned int i = 0; i < n; i++) {
		struct wgx_xdp_worker *w = &p->workers[i];
		int ret;

		w->p = p;
		pthread_mutex_init(&w->lock, NULL);
		pthread_cond_init(&w->cond, NULL);
		ret = pthread_create(&w->thread, &attr, worker_main, w);
		if (ret) {
			pthread_attr_destroy(&attr);
			return -ret;
		}
		w->started = true;
		p->n_workers = i + 1;
	}
	pthread_attr_destroy(&attr);
	p->scale.active = n;
	if (auto_scale &&
	    !(worker_tids(p, tids) && wgx_scale_init(&p->scale, n, tids, wgx_clock_mono_ns()))) {
		pr_warn("%s: no per-thread CPU accounting here: all %u crypto workers stay active",
			p->dev->name, n);
		p->scale.active = n;
	}
	return 0;
}

/* Both frames of a job that goes no further back to their pools. */
static void job_frames_put(struct wgx_xdp_plane *p, struct wgx_xdp_job *job)
{
	bool rx = job->kind == JOB_RX;

	wgx_xsk_frame_put(rx ? &p->nic_pool : &p->tun_pool, job->frame);
	wgx_xsk_frame_put(rx ? &p->tun_pool : &p->nic_pool, job->out_frame);
}

static void free_queues(struct wgx_xdp_plane *p, struct wgx_peer *peer)
{
	struct wgx_xdp_peer_queues *q = peer->plane_priv, **pp;

	if (!q)
		return;
	for (int k = 0; k < 2; k++) {
		struct wgx_xdp_fifo *f = &q->fifo[k];

		for (; f->len; f->len--, f->head = (f->head + 1) % WGX_XDP_PEER_QUEUE) {
			struct wgx_xdp_job *job = f->slots[f->head];

			job_frames_put(p, job);
			p->free_jobs[p->n_free_jobs++] = job;
		}
	}
	for (pp = &p->active; *pp; pp = &(*pp)->next_active)
		if (*pp == q) {
			*pp = q->next_active;
			break;
		}
	free(q);
	peer->plane_priv = NULL;
}

void wgx_xdp_workers_stop(struct wgx_xdp_plane *p)
{
	atomic_store(&p->stop, true);
	for (unsigned int i = 0; i < p->n_workers; i++) {
		struct wgx_xdp_worker *w = &p->workers[i];

		pthread_mutex_lock(&w->lock);
		pthread_cond_signal(&w->cond);
		pthread_mutex_unlock(&w->lock);
	}
	for (unsigned int i = 0; i < p->n_workers; i++)
		if (p->workers[i].started)
			pthread_join(p->workers[i].thread, NULL);
	/* Nothing runs any more: drop what is queued, free what was retired. */
	for (struct wgx_peer *peer = p->dev->peers; peer; peer = peer->next)
		free_queues(p, peer);
	for (unsigned int i = 0; i < p->n_grave; i++)
		wgx_noise_keypair_free(p->graveyard[i].kp);
	p->n_grave = 0;
	p->n_workers = 0;
	wgx_scale_free(&p->scale);
	free(p->workers);
	free(p->jobs);
	free(p->free_jobs);
	if (p->done_fd >= 0)
		close(p->done_fd);
	p->workers = NULL;
	p->jobs = NULL;
	p->free_jobs = NULL;
	p->done_fd = -1;
}

struct wgx_xdp_job *wgx_xdp_job_get(struct wgx_xdp_plane *p)
{
	return p->n_free_jobs ? p->free_jobs[--p->n_free_jobs] : NULL;
}

void wgx_xdp_job_put(struct wgx_xdp_plane *p, struct wgx_xdp_job *job)
{
	p->free_jobs[p->n_free_jobs++] = job;
}

static void finish(struct wgx_xdp_plane *p, struct wgx_xdp_job *job, int state, uint64_t now);

bool wgx_xdp_dispatch(struct wgx_xdp_plane *p, struct wgx_xdp_job *job, uint64_t now)
{
	struct wgx_peer *peer = job->peer;
	struct wgx_xdp_peer_queues *q = peer->plane_priv;
	unsigned int active = p->scale.active ? p->scale.active : 1;
	struct wgx_xdp_fifo *f;

	if (!q) {
		/* Once per peer, not per packet. */
		q = peer->plane_priv = calloc(1, sizeof(*q));
		if (!q)
			goto drop_peer;
		q->peer = peer;
	}
	f = &q->fifo[job->kind];
	if (!p->n_workers || (!p->scale.active && !f->len)) {
		/* Nothing of this peer's in flight: doing it now keeps the order. */
		run_job(job);
		finish(p, job, atomic_load_explicit(&job->state, memory_order_relaxed), now);
		p->free_jobs[p->n_free_jobs++] = job;
		p->inline_jobs++;
		return true;
	}
	if (f->len == WGX_XDP_PEER_QUEUE)
		goto drop_peer;
	atomic_store_explicit(&job->state, JOB_QUEUED, memory_order_relaxed);
	job->seq = p->next_seq;
	for (unsigned int tries = 0; tries < active; tries++) {
		struct wgx_xdp_worker *w;

		if (p->chunk >= DISPATCH_CHUNK) {
			p->chunk = 0;
			p->next_worker = (p->next_worker + 1) % active;
		}
		w = &p->workers[p->next_worker % active];
		if (!ring_push(&w->ring, job)) {
			p->chunk = DISPATCH_CHUNK; /* full: try the next one */
			continue;
		}
		p->chunk++;
		w->wake = true;
		p->next_seq++;
		f->slots[(f->head + f->len++) % WGX_XDP_PEER_QUEUE] = job;
		if (!q->active) {
			q->active = true;
			q->next_active = p->active;
			p->active = q;
		}
		return true;
	}
	wgx_device_count(p->dev, WGX_R_DP_WORKER_QUEUE_FULL);
	p->free_jobs[p->n_free_jobs++] = job;
	return false;
drop_peer:
	wgx_device_count(p->dev, WGX_R_DP_PEER_QUEUE_FULL);
	p->free_jobs[p->n_free_jobs++] = job;
	return false;
}

void wgx_xdp_kick_workers(struct wgx_xdp_plane *p)
{
	for (unsigned int i = 0; i < p->n_workers; i++) {
		struct wgx_xdp_worker *w = &p->workers[i];

		if (!w->wake)
			continue;
		w->wake = false;
		if (atomic_load(&w->sleeping)) {
			pthread_mutex_lock(&w->lock);
			pthread_cond_signal(&w->cond);
			pthread_mutex_unlock(&w->lock);
		}
	}
}

static void finish(struct wgx_xdp_plane *p, struct wgx_xdp_job *job, int state, uint64_t now)
{
	struct wgx_device *dev = p->dev;

	if (job->kind == JOB_RX) {
		wgx_xsk_frame_put(&p->nic_pool, job->frame);
		if (state == JOB_FAILED) {
			wgx_device_count(dev, WGX_R_DP_DECRYPT_FAILED);
			wgx_xsk_frame_put(&p->tun_pool, job->out_frame);
			return;
		}
		p->frame_taken = false;
		wgx_receive_data_opened(dev, job->peer, job->kp, job->out, job->len, job->counter,
					job->out_len, &job->ep, now, NULL);
		if (!p->frame_taken)
			wgx_xsk_frame_put(&p->tun_pool, job->out_frame);
		return;
	}
	wgx_xsk_frame_put(&p->tun_pool, job->frame);
	if (p->tx.n == WGX_TX_BATCH)
		wgx_send_flush(dev, &p->tx);
	p->tx.msgs[p->tx.n].buf = job->out;
	p->tx.msgs[p->tx.n].len = job->out_len;
	p->tx.msgs[p->tx.n].ep = job->peer->endpoint;
	p->tx.peers[p->tx.n] = job->peer;	/* tx_bytes once sent: wgx_send_flush */
	p->tx.n++;
}

/* Oldest job still referenced from a peer FIFO; next_seq when none. */
static uint64_t oldest_in_flight(struct wgx_xdp_plane *p)
{
	uint64_t oldest = p->next_seq;

	for (struct wgx_xdp_peer_queues *q = p->active; q; q = q->next_active)
		for (int k = 0; k < 2; k++)
			if (q->fifo[k].len && q->fifo[k].slots[q->fifo[k].head]->seq < oldest)
				oldest = q->fifo[k].slots[q->fifo[k].head]->seq;
	return oldest;
}

static void reap_graveyard(struct wgx_xdp_plane *p)
{
	uint64_t oldest;
	unsigned int kept = 0;

	if (!p->n_grave)
		return;
	oldest = oldest_in_flight(p);
	for (unsigned int i = 0; i < p->n_grave; i++) {
		if (p->graveyard[i].seq <= oldest)
			wgx_noise_keypair_free(p->graveyard[i].kp);
		else
			p->graveyard[kept++] = p->graveyard[i];
	}
	p->n_grave = kept;
}

static void wait_done(struct wgx_xdp_job *job)
{
	while (atomic_load_explicit(&job->state, memory_order_acquire) == JOB_QUEUED)
		sched_yield();
}

void wgx_xdp_results_drain(struct wgx_xdp_plane *p)
{
	uint64_t drained;

	if (read(p->done_fd, &drained, sizeof(drained)) < 0 && errno != EAGAIN)
		pr_warn("eventfd: %s", strerror(errno));
}

void wgx_xdp_release(struct wgx_xdp_plane *p, uint64_t now)
{
	struct wgx_xdp_peer_queues **pp = &p->active;

	if (!*pp && !p->n_grave)
		return;
	while (*pp) {
		struct wgx_xdp_peer_queues *q = *pp;

		for (int k = 0; k < 2; k++) {
			struct wgx_xdp_fifo *f = &q->fifo[k];

			while (f->len) {
				struct wgx_xdp_job *job = f->slots[f->head];
				int state = atomic_load_explicit(&job->state, memory_order_acquire);

				if (state == JOB_QUEUED)
					break;
				f->head = (f->head + 1) % WGX_XDP_PEER_QUEUE;
				f->len--;
				finish(p, job, state, now);
				p->free_jobs[p->n_free_jobs++] = job;
			}
		}
		if (!q->fifo[0].len && !q->fifo[1].len) {
			q->active = false;
			*pp = q->next_active;
		} else {
			pp = &q->next_active;
		}
	}
	wgx_send_flush(p->dev, &p->tx);
	reap_graveyard(p);
}

void wgx_xdp_workers_drain(struct wgx_xdp_plane *p, uint64_t now)
{
	wgx_xdp_kick_workers(p);
	for (struct wgx_xdp_peer_queues *q = p->active; q; q = q->next_active)
		for (int k = 0; k < 2; k++)
			for (uint32_t i = 0; i < q->fifo[k].len; i++)
				wait_done(q->fifo[k].slots[(q->fifo[k].head + i) % WGX_XDP_PEER_QUEUE]);
	wgx_xdp_release(p, now);
}

bool wgx_xdp_retire_keypair(struct wgx_xdp_plane *p, struct wgx_keypair *kp)
{
	if (!p->n_workers)
		return false;
	/* No reaping here: a job being finished right now is out of its FIFO
	 * but may still use a retired keypair; wgx_xdp_release reaps after. */
	if (p->n_grave == WGX_XDP_GRAVEYARD) {
		/* Thousands of keypairs dropped while jobs are in flight: not
		 * reachable in practice. A worker may still read it: make it useless
		 * but keep the memory (a counted leak beats a use-after-free). */
		sodium_memzero(kp->sending_key, sizeof(kp->sending_key));
		sodium_memzero(kp->receiving_key, sizeof(kp->receiving_key));
		pr_warn("%s: keypair graveyard full, leaking one zeroed keypair", p->dev->name);
		return true;
	}
	p->graveyard[p->n_grave].kp = kp;
	p->graveyard[p->n_grave++].seq = p->next_seq;
	return true;
}

void wgx_xdp_peer_removed(struct wgx_xdp_plane *p, struct wgx_peer *peer)
{
	struct wgx_xdp_peer_queues *q = peer->plane_priv;

	if (!q)
		return;
	/* Its jobs reference the peer: let the workers finish them, then drop them. */
	for (int k = 0; k < 2; k++)
		for (uint32_t i = 0; i < q->fifo[k].len; i++)
			wait_done(q->fifo[k].slots[(q->fifo[k].head + i) % WGX_XDP_PEER_QUEUE]);
	free_queues(p, peer);
}
