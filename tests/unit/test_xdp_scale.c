// SPDX-License-Identifier: MIT
/*
 * Crypto worker auto-scaling (xdp_scale.h): the policy on synthetic
 * intervals (each rule, and the back-off that stops a busy machine from
 * flapping), then the counters read from this process's real threads: a
 * spinning thread must show about an interval on the CPU, a sleeping one
 * almost nothing.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "tap.h"
#include "plane/xdp/xdp_scale.h"

#define MS 1000000ull
#define WALL (200 * MS)

/* One interval: control thread and workers' mean load in permille, their
 * wait in permille of the run time, idle CPUs in permille of one CPU. */
static struct wgx_scale_sample sample(unsigned int ctl, unsigned int workers, unsigned int active,
				      unsigned int wait, unsigned int idle)
{
	struct wgx_scale_sample s = { .wall_ns = WALL };

	s.ctl_run_ns = WALL * ctl / 1000;
	s.workers_run_ns = WALL * workers / 1000 * active;
	s.workers_wait_ns = s.workers_run_ns * wait / 1000;
	s.idle_ns = WALL * idle / 1000;
	return s;
}

static void policy(void)
{
	static const struct {
		unsigned int ctl, workers, wait, idle, active, max;
		bool backing_off;
		enum wgx_scale_step want;
		const char *what;
	} cases[] = {
		{ 950, 0, 0, 1500, 0, 4, false, WGX_SCALE_UP,
		  "inline, control thread 95% busy, 1.5 CPUs idle: one worker more" },
		{ 950, 0, 0, 200, 0, 4, false, WGX_SCALE_HOLD,
		  "inline, control thread 95% busy, 0.2 CPU idle: stays inline (nothing to gain)" },
		{ 600, 0, 0, 3000, 0, 4, false, WGX_SCALE_HOLD,
		  "inline, control thread 60% busy: stays inline however idle the CPUs" },
		{ 950, 0, 0, 1500, 0, 4, true, WGX_SCALE_HOLD,
		  "saturated and CPUs idle, but a back-off runs: no step up" },
		{ 500, 900, 100, 1000, 2, 4, false, WGX_SCALE_UP,
		  "2 workers 90% busy, barely waiting, 1 CPU idle: a third" },
		{ 500, 900, 100, 1000, 4, 4, false, WGX_SCALE_HOLD, "all 4 workers active: no more" },
		{ 900, 700, 600, 0, 2, 4, false, WGX_SCALE_DOWN_CONTENDED,
		  "workers wait 60% as long as they run: one fewer (contended)" },
		{ 200, 100, 0, 1800, 2, 4, false, WGX_SCALE_DOWN_IDLE,
		  "control thread 20%, workers 10%: one fewer (the load fell)" },
		{ 100, 10, 2000, 1800, 1, 4, false, WGX_SCALE_DOWN_IDLE,
		  "a worker that runs 1% and waits twice that is not contention (under 5% of the "
		  "interval)" },
		{ 500, 500, 0, 500, 2, 4, false, WGX_SCALE_HOLD, "half-busy workers: hold" },
	};
	struct wgx_scale_sample s;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = sample(cases[i].ctl, cases[i].workers, cases[i].active, cases[i].wait,
			   cases[i].idle);
		ok(wgx_scale_decide(&s, cases[i].active, cases[i].max, cases[i].backing_off) ==
			   cases[i].want,
		   "%s", cases[i].what);
	}
	s = (struct wgx_scale_sample){ 0 };
	ok(wgx_scale_decide(&s, 0, 4, false) == WGX_SCALE_HOLD, "an empty interval: hold");
}

/* A busy machine: saturated with CPUs idle while inline, contended once a
 * worker is added; the back-off must double and stop the flapping. */
static void backoff(void)
{
	struct wgx_scale sc = { .max = 2, .backoff_ns = WGX_SCALE_BACKOFF_MIN_NS };
	struct wgx_scale_sample up = sample(950, 0, 0, 0, 1000);
	struct wgx_scale_sample contended = sample(900, 800, 1, 800, 0);
	uint64_t now = 1000 * MS;
	unsigned int flaps = 0, steps = 0;

	ok(wgx_scale_step(&sc, &up, now) == WGX_SCALE_UP && sc.active == 1, "step up to 1 worker");
	now += WALL;
	ok(wgx_scale_step(&sc, &contended, now) == WGX_SCALE_DOWN_CONTENDED && sc.active == 0,
	   "contended: back to inline");
	now += WALL;
	ok(wgx_scale_step(&sc, &up, now) == WGX_SCALE_HOLD && sc.active == 0,
	   "200 ms later the machine looks idle again: held by the 1 s back-off");
	now += WGX_SCALE_BACKOFF_MIN_NS;
	ok(wgx_scale_step(&sc, &up, now) == WGX_SCALE_UP, "after the back-off: tried again");
	ok(wgx_scale_step(&sc, &contended, now + WALL) == WGX_SCALE_DOWN_CONTENDED &&
		   sc.hold_until_ns == now + WALL + 2 * WGX_SCALE_BACKOFF_MIN_NS,
	   "contended again: the back-off doubled to 2 s");
	/* One minute of alternating samples: the step-ups are bounded by the back-off. */
	for (now += WALL; now < 61000 * MS; now += WALL, steps++)
		if (wgx_scale_step(&sc, sc.active ? &contended : &up, now) == WGX_SCALE_UP)
			flaps++;
	ok(flaps <= 5, "a minute of a busy machine: %u step-ups in %u intervals (back-off up to 32 s)",
	   flaps, steps);
	ok(sc.backoff_ns == WGX_SCALE_BACKOFF_MAX_NS, "the back-off stops at 32 s");
	struct wgx_scale_sample low = sample(100, 50, 1, 0, 1900);

	sc.active = 1;
	ok(wgx_scale_step(&sc, &low, now) == WGX_SCALE_DOWN_IDLE &&
		   sc.backoff_ns == WGX_SCALE_BACKOFF_MIN_NS,
	   "the load fell: inline, back-off reset to 1 s");
}

static _Atomic int spin_stop;
static _Atomic pid_t spin_tid, sleep_tid;

static void *spinner(void *arg)
{
	(void)arg;
	spin_tid = (pid_t)syscall(SYS_gettid);
	while (!spin_stop)
		;
	return NULL;
}

static void *sleeper(void *arg)
{
	(void)arg;
	sleep_tid = (pid_t)syscall(SYS_gettid);
	while (!spin_stop)
		usleep(1000);
	return NULL;
}

static void measured(void)
{
	struct wgx_scale sc;
	struct wgx_scale_sample s;
	struct timespec pause = { 0, 300 * MS };
	pthread_t a, b;
	pid_t tids[2];
	uint64_t t0;

	pthread_create(&a, NULL, spinner, NULL);
	pthread_create(&b, NULL, sleeper, NULL);
	while (!spin_tid || !sleep_tid)
		usleep(1000);
	tids[0] = spin_tid;
	tids[1] = sleep_tid;
	t0 = wgx_clock_mono_ns();
	if (!wgx_scale_init(&sc, 2, tids, t0)) {
		tap_skip("no schedstat or /proc/stat here", "thread counters read from /proc");
		spin_stop = 1;
		pthread_join(a, NULL);
		pthread_join(b, NULL);
		return;
	}
	sc.active = 1;	/* only the spinner counts as an active worker */
	nanosleep(&pause, NULL);
	wgx_scale_measure(&sc, wgx_clock_mono_ns(), &s);
	diag("interval %.0f ms: spinner ran %.0f ms, waited %.0f ms; this thread ran %.1f ms; "
	     "%.0f ms idle on this process's CPUs",
	     s.wall_ns / 1e6, s.workers_run_ns / 1e6, s.workers_wait_ns / 1e6, s.ctl_run_ns / 1e6,
	     s.idle_ns / 1e6);
	ok(s.wall_ns >= 300 * MS, "the interval is the time since init (%.0f ms)", s.wall_ns / 1e6);
	ok(s.workers_run_ns + s.workers_wait_ns >= s.wall_ns / 2 &&
		   s.workers_run_ns <= s.wall_ns + 20 * MS,
	   "the spinning worker was on a CPU or waiting for one all the interval");
	ok(s.ctl_run_ns < 50 * MS, "the sleeping caller ran < 50 ms of it");
	spin_stop = 1;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	wgx_scale_free(&sc);
	ok(!sc.on, "freed");
}

int main(void)
{
	policy();
	backoff();
	measured();
	return tap_done();
}
