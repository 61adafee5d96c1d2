// SPDX-License-Identifier: MIT
#include "plane/xdp/xdp_scale.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"

#define BUSY_PERMILLE 800	/* saturated: ran >= 80% of the interval */
#define LOW_PERMILLE 300	/* the load fell: < 30% */
#define IDLE_FOR_UP_PERMILLE 500 /* >= 0.5 CPU idle */

enum wgx_scale_step wgx_scale_decide(const struct wgx_scale_sample *s, unsigned int active,
				     unsigned int max, bool backing_off)
{
	uint64_t wall = s->wall_ns ? s->wall_ns : 1;
	uint64_t ctl = s->ctl_run_ns * 1000 / wall;
	uint64_t workers = active ? s->workers_run_ns * 1000 / (wall * active) : 0;
	uint64_t idle = s->idle_ns * 1000 / wall;

	/* Waiting for a CPU half as long as running, and for >= 5% of the interval. */
	if (active && s->workers_wait_ns * 2 >= s->workers_run_ns && s->workers_wait_ns * 20 >= wall)
		return WGX_SCALE_DOWN_CONTENDED;
	if (active && ctl < LOW_PERMILLE && workers < LOW_PERMILLE)
		return WGX_SCALE_DOWN_IDLE;
	if (active < max && !backing_off && (ctl >= BUSY_PERMILLE || workers >= BUSY_PERMILLE) &&
	    idle >= IDLE_FOR_UP_PERMILLE)
		return WGX_SCALE_UP;
	return WGX_SCALE_HOLD;
}

/* ---- counters ---- */

static int open_schedstat(pid_t tid)
{
	char path[64];

	if (tid)
		snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", (int)tid);
	else
		snprintf(path, sizeof(path), "/proc/thread-self/schedstat");
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* The thread's run and wait time since the last read. */
static void thread_delta(struct wgx_scale_thread *t, uint64_t *run, uint64_t *wait)
{
	char buf[96];
	uint64_t r, w;
	ssize_t n = t->fd >= 0 ? pread(t->fd, buf, sizeof(buf) - 1, 0) : -1;

	*run = *wait = 0;
	if (n <= 0)
		return;
	buf[n] = '\0';
	if (sscanf(buf, "%" SCNu64 " %" SCNu64, &r, &w) != 2)
		return;
	*run = r - t->run_ns;
	*wait = w - t->wait_ns;
	t->run_ns = r;
	t->wait_ns = w;
}

/* Idle + iowait of the CPUs in sc->cpus, in ns since boot; 0 when unreadable. */
static uint64_t read_idle_ns(struct wgx_scale *sc)
{
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t ticks = 0;
	ssize_t n;
	char *line;

	for (;;) {
		n = pread(sc->stat_fd, sc->stat_buf, sc->stat_size - 1, 0);
		if (n < 0)
			return 0;
		if ((size_t)n < sc->stat_size - 1)
			break;
		char *bigger = realloc(sc->stat_buf, sc->stat_size * 2);

		if (!bigger)
			return 0;
		sc->stat_buf = bigger;
		sc->stat_size *= 2;
	}
	sc->stat_buf[n] = '\0';
	for (line = sc->stat_buf; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		unsigned long long user, nice, sys, idle, iowait;
		unsigned int cpu;

		if (strncmp(line, "cpu", 3) || line[3] < '0' || line[3] > '9')
			continue;
		if (sscanf(line + 3, "%u %llu %llu %llu %llu %llu", &cpu, &user, &nice, &sys, &idle,
			   &iowait) == 6 &&
		    cpu < CPU_SETSIZE && CPU_ISSET(cpu, &sc->cpus))
			ticks += idle + iowait;
	}
	return hz > 0 ? ticks * (1000000000ull / (uint64_t)hz) : 0;
}

bool wgx_scale_init(struct wgx_scale *sc, unsigned int max, const pid_t *worker_tids,
		    uint64_t now)
{
	uint64_t run, wait;

	memset(sc, 0, sizeof(*sc));
	sc->max = max;
	sc->stat_fd = sc->ctl.fd = -1;
	sc->ctl.fd = open_schedstat(0);
	sc->stat_fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);
	sc->stat_size = 16384;
	sc->stat_buf = malloc(sc->stat_size);
	sc->workers = calloc(max ? max : 1, sizeof(*sc->workers));
	for (unsigned int i = 0; sc->workers && i < max; i++)
		sc->workers[i].fd = -1;
	if (sched_getaffinity(0, sizeof(sc->cpus), &sc->cpus))
		goto fail;
	if (sc->ctl.fd < 0 || sc->stat_fd < 0 || !sc->stat_buf || !sc->workers)
		goto fail;
	for (unsigned int i = 0; i < max; i++) {
		sc->workers[i].fd = open_schedstat(worker_tids[i]);
		if (sc->workers[i].fd < 0)
			goto fail;
		thread_delta(&sc->workers[i], &run, &wait);
	}
	thread_delta(&sc->ctl, &run, &wait);
	sc->last_idle_ns = read_idle_ns(sc);
	if (!sc->last_idle_ns)
		goto fail;
	sc->last_ns = now;
	sc->next_ns = now + WGX_SCALE_INTERVAL_NS;
	sc->backoff_ns = WGX_SCALE_BACKOFF_MIN_NS;
	sc->on = true;
	return true;
fail:
	wgx_scale_free(sc);
	return false;
}

void wgx_scale_free(struct wgx_scale *sc)
{
	if (sc->workers)
		for (unsigned int i = 0; i < sc->max; i++)
			if (sc->workers[i].fd >= 0)
				close(sc->workers[i].fd);
	if (sc->ctl.fd >= 0)
		close(sc->ctl.fd);
	if (sc->stat_fd >= 0)
		close(sc->stat_fd);
	free(sc->workers);
	free(sc->stat_buf);
	memset(sc, 0, sizeof(*sc));
	sc->stat_fd = sc->ctl.fd = -1;
}

void wgx_scale_measure(struct wgx_scale *sc, uint64_t now, struct wgx_scale_sample *s)
{
	uint64_t idle, run, wait;

	memset(s, 0, sizeof(*s));
	s->wall_ns = now - sc->last_ns;
	thread_delta(&sc->ctl, &s->ctl_run_ns, &wait);
	for (unsigned int i = 0; i < sc->max; i++) {
		thread_delta(&sc->workers[i], &run, &wait);
		if (i < sc->active) {
			s->workers_run_ns += run;
			s->workers_wait_ns += wait;
		}
	}
	idle = read_idle_ns(sc);
	s->idle_ns = idle > sc->last_idle_ns ? idle - sc->last_idle_ns : 0;
	sc->last_idle_ns = idle;
	sc->last_ns = now;
}

enum wgx_scale_step wgx_scale_step(struct wgx_scale *sc, const struct wgx_scale_sample *s,
				   uint64_t now)
{
	enum wgx_scale_step step = wgx_scale_decide(s, sc->active, sc->max, now < sc->hold_until_ns);

	switch (step) {
	case WGX_SCALE_UP:
		sc->active++;
		sc->ups++;
		pr_debug("crypto workers: %u active (saturated, CPUs idle)", sc->active);
		break;
	case WGX_SCALE_DOWN_CONTENDED:
		sc->active--;
		sc->downs++;
		sc->hold_until_ns = now + sc->backoff_ns;
		if (sc->backoff_ns < WGX_SCALE_BACKOFF_MAX_NS)
			sc->backoff_ns *= 2;
		pr_debug("crypto workers: %u active (waiting for CPUs)", sc->active);
		break;
	case WGX_SCALE_DOWN_IDLE:
		sc->active--;
		sc->downs++;
		sc->backoff_ns = WGX_SCALE_BACKOFF_MIN_NS;
		pr_debug("crypto workers: %u active (load fell)", sc->active);
		break;
	case WGX_SCALE_HOLD:
		break;
	}
	return step;
}

void wgx_scale_tick(struct wgx_scale *sc, uint64_t now)
{
	struct wgx_scale_sample s;

	if (!sc->on || now < sc->next_ns)
		return;
	wgx_scale_measure(sc, now, &s);
	sc->next_ns = now + WGX_SCALE_INTERVAL_NS;
	wgx_scale_step(sc, &s, now);
}
