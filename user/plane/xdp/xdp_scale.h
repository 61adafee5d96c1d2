/* SPDX-License-Identifier: MIT */
/*
 * Crypto worker auto-scaling (XDP mode without --workers): how many of the
 * started workers get packets. Parallel crypto pays for every batch it hands
 * over (a wake-up, the frames' cache lines moving to another CPU), so it wins
 * only where another CPU would otherwise idle; when every CPU is busy (the
 * applications that make the traffic share them) sealing and opening on the
 * control thread moves more (measured on the 2-vCPU test machine: 1.69 against
 * 1.30 Gbit/s for one TCP stream with both daemons unpinned). Hence (seed 003,
 * "CPU auto-scaling") the data plane starts inline and, every interval:
 *
 *   up    the data plane is saturated (the control thread, or the active
 *         workers on average, ran >= 80% of the interval), the CPUs the
 *         daemon may use idled >= 0.5 CPU, and the active workers got a CPU
 *         when they wanted one; not while a back-off runs
 *   down  the active workers waited for a CPU at least half as long as they
 *         ran: the CPUs are oversubscribed, parallelism only adds hand-offs;
 *         then no step up for a back-off (1 s, doubling to 32 s after each
 *         such step down), so a busy machine does not flap
 *   down  the load fell: the control thread and the workers each < 30%
 *
 * Measured from the threads' own schedstat (/proc/self/task/TID/schedstat:
 * time on CPU, time runnable but waiting) and /proc/stat's idle time of the
 * CPUs in the daemon's affinity mask. Control thread only.
 */
#ifndef WGX_XDP_SCALE_H
#define WGX_XDP_SCALE_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define WGX_SCALE_INTERVAL_NS (200 * 1000000ull)
#define WGX_SCALE_BACKOFF_MIN_NS (1000 * 1000000ull)
#define WGX_SCALE_BACKOFF_MAX_NS (32000 * 1000000ull)

/* What one interval measured. */
struct wgx_scale_sample {
	uint64_t wall_ns;
	uint64_t ctl_run_ns;		/* control thread on a CPU */
	uint64_t workers_run_ns;	/* sum over the active workers */
	uint64_t workers_wait_ns;	/* same, runnable but not running */
	uint64_t idle_ns;		/* idle time summed over the daemon's CPUs */
};

enum wgx_scale_step {
	WGX_SCALE_HOLD,
	WGX_SCALE_UP,
	WGX_SCALE_DOWN_IDLE,		/* the load fell */
	WGX_SCALE_DOWN_CONTENDED,	/* workers wait for CPUs: start a back-off */
};

/* The policy above as a pure function: @active of @max workers are in use. */
enum wgx_scale_step wgx_scale_decide(const struct wgx_scale_sample *s, unsigned int active,
				     unsigned int max, bool backing_off);

/* schedstat counters of one thread, as last read */
struct wgx_scale_thread {
	int fd;				/* /proc/self/task/TID/schedstat, -1: none */
	uint64_t run_ns, wait_ns;
};

struct wgx_scale {
	bool on;			/* measuring (wgx_scale_init succeeded) */
	unsigned int active, max;
	uint64_t next_ns, hold_until_ns, backoff_ns;
	uint64_t last_ns, last_idle_ns;
	int stat_fd;			/* /proc/stat */
	char *stat_buf;
	size_t stat_size;
	cpu_set_t cpus;
	struct wgx_scale_thread ctl, *workers;
	uint64_t ups, downs;
};

/*
 * Start measuring (control thread). @worker_tids: the @max workers' thread
 * ids. Returns false when the counters cannot be read here (no schedstat or
 * /proc/stat): the caller then keeps every worker active.
 */
bool wgx_scale_init(struct wgx_scale *sc, unsigned int max, const pid_t *worker_tids,
		    uint64_t now);
void wgx_scale_free(struct wgx_scale *sc);
/* Every loop turn: once per interval, measure and step sc->active. */
void wgx_scale_tick(struct wgx_scale *sc, uint64_t now);
/* The two halves of a tick: what the interval ending @now measured, and the
 * step it leads to (applied to sc->active, with the back-off). */
void wgx_scale_measure(struct wgx_scale *sc, uint64_t now, struct wgx_scale_sample *s);
enum wgx_scale_step wgx_scale_step(struct wgx_scale *sc, const struct wgx_scale_sample *s,
				   uint64_t now);

#endif
