// SPDX-License-Identifier: MIT
/* `wg-xdp agent`: options and the event loop around agent_reload.c (agent.h). */
#include "cli/agent.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cli/agent_http.h"
#include "cli/agent_kube.h"
#include "cli/agent_nodes.h"
#include "cli/agent_reload.h"
#include "cli/args.h"
#include "cli/uapi_client.h"
#include "control/env.h"
#include "lib/log.h"

#define RETRY_S 1.0	/* missing directory, file or daemon */
#define DEBOUNCE_MAX_S 1.0

static const char usage[] =
	"Usage: wg-xdp agent --interface NAME [--dir DIR [--file F]]\n"
	"                    [--kube | --kubeconfig PATH] [--node NODE] [--endpoint ADDR[:PORT]]\n"
	"                    [--status-file S] [--metrics-file M] [--metrics-port P]\n"
	"                    [--interval SECONDS] [--debounce-ms MS] [--once] [--verbose]\n"
	"  Keep NAME's peers equal to DIR/F (default NAME.conf, `wg setconf` format),\n"
	"  applying only differences (never replace_peers). S: JSON status; M: Prometheus\n"
	"  text (default: beside S, NAME.prom); P: serve GET /metrics on that TCP port.\n"
	"  --kube (in-cluster credentials) or --kubeconfig: every other Node annotated\n"
	"  wg-xdp.io/public-key is a peer too (merged with DIR's peers, the file wins a\n"
	"  key); NODE (default $NODE_NAME, then the hostname) gets our key and endpoint\n"
	"  (default: its InternalIP, our listen port). --once: one reload, exit 0 if applied.\n";

struct agent {
	struct wgx_agent_reloader r;
	struct wgx_agent_http *http;
	struct wgx_kube *kube;
	char *api_text; /* the API's peers, once listed */
	const char *dir, *status_file;
	char *metrics_file;
	char sock_dir[PATH_MAX], sock_name[NAME_MAX + 1];
	double interval, debounce;
	int ino, sig, wd_dir, wd_sock;
	double pending_first, pending_last; /* 0 = no reload pending */
	double next_resync, next_retry;
	bool retry;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void write_status(struct agent *a)
{
	int ret = wgx_agent_status_write(&a->r.status, a->status_file, a->metrics_file);

	wgx_agent_http_update(a->http, &a->r.status);

	if (ret)
		pr_warn("agent: %s: writing the status: %s", a->r.interface, strerror(-ret));
}

static bool dir_missing(const struct agent *a)
{
	return a->dir && a->wd_dir < 0;
}

static void do_reload(struct agent *a, double t_event)
{
	int ret;

	if (a->kube && !a->r.status.kube.synced) {
		/* Before the first list, an empty API share would remove every node's peer. */
		a->r.status.success = false;
		snprintf(a->r.status.error, sizeof(a->r.status.error),
			 "waiting for the first list of Nodes; nothing applied yet");
		a->next_resync = now() + a->interval;
		write_status(a);
		return;
	}
	a->r.api_peers = a->api_text;
	ret = wgx_agent_reload(&a->r, t_event);

	/* Anything not about the file's content is worth retrying soon. */
	a->retry = ret && ret != -EINVAL && ret != -E2BIG;
	a->next_retry = now() + RETRY_S;
	a->next_resync = now() + a->interval;
	write_status(a);
}

/* (Re)arm the watches that are missing; a new watch on DIR means it may have changed. */
static void arm_watches(struct agent *a)
{
	if (dir_missing(a)) {
		a->wd_dir = inotify_add_watch(a->ino, a->dir,
					      IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM |
						      IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF |
						      IN_MOVE_SELF | IN_ONLYDIR);
		if (a->wd_dir >= 0 && !a->pending_first)
			a->pending_first = a->pending_last = now();
	}
	if (a->wd_sock < 0)
		a->wd_sock = inotify_add_watch(a->ino, a->sock_dir,
					       IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_ONLYDIR);
}

static void on_inotify(struct agent *a)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(a->ino, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			bool hit = false;

			if (ev->mask & IN_IGNORED) {
				if (ev->wd == a->wd_dir) {
					pr_warn("agent: %s: %s went away; the running configuration is kept",
						a->r.interface, a->dir);
					a->wd_dir = -1;
				} else if (ev->wd == a->wd_sock) {
					a->wd_sock = -1;
				}
			} else if (ev->wd == a->wd_dir) {
				hit = true;
			} else if (ev->wd == a->wd_sock && ev->len &&
				   !strcmp(ev->name, a->sock_name)) {
				pr_info("agent: %s: UAPI socket appeared; re-applying",
					a->r.interface);
				hit = true;
			}
			if (hit) {
				a->pending_last = now();
				if (!a->pending_first)
					a->pending_first = a->pending_last;
			}
			p += sizeof(*ev) + ev->len;
		}
	}
}

/* Milliseconds until the next thing to do (poll's timeout). */
static int next_timeout(const struct agent *a)
{
	double t = a->next_resync, n = now();

	if (a->pending_first) {
		double due = a->pending_last + a->debounce;

		if (due > a->pending_first + DEBOUNCE_MAX_S)
			due = a->pending_first + DEBOUNCE_MAX_S;
		if (due < t)
			t = due;
	}
	if ((a->retry || dir_missing(a) || a->wd_sock < 0) && a->next_retry < t)
		t = a->next_retry;
	return t <= n ? 0 : (int)((t - n) * 1000.0) + 1;
}

/* The API thread has a new snapshot: take it, and reload if the peers changed. */
static void on_kube(struct agent *a)
{
	char *text = NULL;

	if (wgx_kube_snapshot(a->kube, &text, &a->r.status.kube))
		return;
	if (text && (!a->api_text || strcmp(text, a->api_text))) {
		free(a->api_text);
		a->api_text = text;
		a->pending_last = now();
		if (!a->pending_first)
			a->pending_first = a->pending_last;
	} else {
		free(text);
		write_status(a);
	}
}

static int run(struct agent *a)
{
	struct pollfd pfd[3] = { { .fd = a->ino, .events = POLLIN }, { .fd = a->sig, .events = POLLIN },
				 { .fd = a->kube ? wgx_kube_fd(a->kube) : -1, .events = POLLIN } };

	for (;;) {
		double t;

		if (poll(pfd, 3, next_timeout(a)) < 0 && errno != EINTR)
			return -errno;
		if (pfd[2].revents & POLLIN)
			on_kube(a);
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(a->sig, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo != SIGHUP) {
					pr_info("agent: %s: signal %u, exiting", a->r.interface,
						si.ssi_signo);
					return 0;
				}
				a->pending_first = a->pending_last = now() - a->debounce;
			}
		}
		if (pfd[0].revents & POLLIN)
			on_inotify(a);
		t = now();
		if ((dir_missing(a) || a->wd_sock < 0) && t >= a->next_retry) {
			arm_watches(a);
			a->next_retry = t + RETRY_S;
		}
		if (a->pending_first && (t >= a->pending_last + a->debounce ||
					 t >= a->pending_first + DEBOUNCE_MAX_S)) {
			double first = a->pending_first;

			a->pending_first = a->pending_last = 0;
			do_reload(a, first);
		} else if (t >= a->next_resync || (a->retry && t >= a->next_retry)) {
			do_reload(a, t);
		}
	}
}

static int setup(struct agent *a, const char *file)
{
	static char path[PATH_MAX];
	char sock[PATH_MAX];
	sigset_t mask;

	if (a->dir && snprintf(path, sizeof(path), "%s/%s", a->dir, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	a->r.path = a->dir ? path : NULL;
	wgx_uapi_sock_path(a->r.interface, sock, sizeof(sock));
	snprintf(a->sock_name, sizeof(a->sock_name), "%s", basename(sock));
	snprintf(a->sock_dir, sizeof(a->sock_dir), "%s", dirname(sock));
	if (a->status_file && !a->metrics_file) {
		char tmp[PATH_MAX];

		snprintf(tmp, sizeof(tmp), "%s", a->status_file);
		if (asprintf(&a->metrics_file, "%s/%s.prom", dirname(tmp), a->r.interface) < 0)
			return -ENOMEM;
	}
	a->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (a->ino < 0)
		return -errno;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	a->sig = signalfd(-1, &mask, SFD_CLOEXEC);
	if (a->sig < 0)
		return -errno;
	a->wd_dir = a->wd_sock = -1;
	arm_watches(a);
	if (dir_missing(a))
		pr_warn("agent: %s: %s: %s; waiting for it", a->r.interface, a->dir, strerror(errno));
	return 0;
}

/* API mode: credentials (kubeconfig or in-cluster), the node's name, the client thread. */
static int start_kube(struct agent *a, const char *kubeconfig, const char *node,
		      const char *endpoint)
{
	static char host[256];
	struct wgx_kube_opts o = { .interface = a->r.interface, .endpoint = endpoint,
				   .resync = a->interval };
	char err[256] = "";
	int ret;

	if (!node || !*node)
		node = getenv("NODE_NAME");
	if (!node || !*node) {
		if (gethostname(host, sizeof(host) - 1))
			return -errno;
		node = host;
	}
	o.node = node;
	ret = kubeconfig ? wgx_kubeconfig_load(kubeconfig, &o.kc, err, sizeof(err))
			 : wgx_kubeconfig_in_cluster(WGX_KUBE_SA_DIR, &o.kc, err, sizeof(err));
	if (ret) {
		pr_err("agent: %s: %s", a->r.interface, err[0] ? err : strerror(-ret));
		return ret;
	}
	pr_info("agent: %s: API %s as node %s (%s)", a->r.interface, o.kc.server, node,
		o.kc.cert.file || o.kc.cert.data ? "client certificate" : "bearer token");
	a->r.status.api = true;
	a->kube = wgx_kube_start(&o);
	if (!a->kube) {
		ret = -errno;
		wgx_kubeconfig_free(&o.kc);
		pr_err("agent: %s: starting the API client: %s", a->r.interface, strerror(-ret));
		return ret;
	}
	return 0;
}

/* --once in API mode: wait (up to a minute) for the first list. */
static void wait_first_list(struct agent *a)
{
	struct pollfd pfd = { .fd = wgx_kube_fd(a->kube), .events = POLLIN };

	for (double end = now() + 60; !a->r.status.kube.synced && now() < end;) {
		if (poll(&pfd, 1, 1000) > 0)
			on_kube(a);
	}
}

int wgx_agent_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "dir", required_argument, NULL, 'd' },
		{ "file", required_argument, NULL, 'F' },
		{ "status-file", required_argument, NULL, 's' },
		{ "metrics-file", required_argument, NULL, 'm' },
		{ "metrics-port", required_argument, NULL, 'p' },
		{ "interval", required_argument, NULL, 't' },
		{ "debounce-ms", required_argument, NULL, 'D' },
		{ "kube", no_argument, NULL, 'K' },
		{ "kubeconfig", required_argument, NULL, 'k' },
		{ "node", required_argument, NULL, 'N' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "once", no_argument, NULL, '1' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct agent a = { .interval = 30, .debounce = 0.2 };
	char file[NAME_MAX + 1] = "";
	const char *kubeconfig = NULL, *node = NULL, *endpoint = NULL;
	char ep[80];
	bool once = false, kube = false;
	long port = 0;
	int c, ret;

	while ((c = getopt_long(argc, argv, "i:d:F:s:m:p:t:D:Kk:N:e:1vh", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			a.r.interface = optarg;
			break;
		case 'd':
			a.dir = optarg;
			break;
		case 'F':
			snprintf(file, sizeof(file), "%s", optarg);
			break;
		case 's':
			a.status_file = optarg;
			break;
		case 'm':
			a.metrics_file = strdup(optarg);
			break;
		case 'p':
			port = strtol(optarg, NULL, 10);
			if (port < 1 || port > 65535)
				goto bad;
			break;
		case 't':
			a.interval = strtod(optarg, NULL);
			if (!(a.interval >= 0.1 && a.interval <= 86400))
				goto bad;
			break;
		case 'D':
			a.debounce = strtod(optarg, NULL) / 1000.0;
			if (!(a.debounce >= 0 && a.debounce <= DEBOUNCE_MAX_S))
				goto bad;
			break;
		case 'K':
			kube = true;
			break;
		case 'k':
			kube = true;
			kubeconfig = optarg;
			break;
		case 'N':
			node = optarg;
			break;
		case 'e':
			endpoint = optarg;
			break;
		case '1':
			once = true;
			break;
		case 'v':
			wgx_log_level = WGX_LOG_DEBUG;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (a.r.interface && wgx_arg_ifname("agent", "--interface", a.r.interface))
		return 2;
	if (endpoint && !wgx_kube_endpoint_of(endpoint, 51820, ep, sizeof(ep))) {
		fprintf(stderr, "wg-xdp agent: --endpoint '%s': not a numeric address with an "
			"optional port (10.0.0.1, 10.0.0.1:51820, fd00::1, [fd00::1]:51820)\n",
			endpoint);
		return 2;
	}
	if (optind != argc || !a.r.interface || (!a.dir && !kube))
		goto bad;
	if (!file[0])
		snprintf(file, sizeof(file), "%s.conf", a.r.interface);
	a.r.status.interface = a.r.interface;
	ret = setup(&a, file);
	if (ret) {
		pr_err("agent: %s: %s", a.r.interface, strerror(-ret));
		return 1;
	}
	if (kube && start_kube(&a, kubeconfig, node, endpoint))
		return 1;
	if (port && !once) {
		a.http = wgx_agent_http_start((uint16_t)port, a.r.interface);
		if (!a.http) {
			pr_err("agent: %s: cannot serve metrics on port %ld: %s", a.r.interface, port,
			       strerror(errno));
			return 1;
		}
	}
	pr_info("agent: %s: reconciling from %s%s every %.0f s and on change", a.r.interface,
		a.r.path ? a.r.path : "", a.kube ? (a.r.path ? " and the API" : "the API") : "",
		a.interval);
	if (once) {
		if (a.kube)
			wait_first_list(&a);
		a.r.api_peers = a.api_text;
		ret = a.kube && !a.r.status.kube.synced ? -ETIMEDOUT : wgx_agent_reload(&a.r, now());
		write_status(&a);
	} else {
		do_reload(&a, now());
		ret = run(&a);
	}
	wgx_agent_http_stop(a.http);
	wgx_kube_stop(a.kube);
	free(a.api_text);
	wgx_agent_endpoints_free(&a.r.applied);
	free(a.metrics_file);
	return ret ? 1 : 0;
bad:
	fputs(usage, stderr);
	return 2;
}
