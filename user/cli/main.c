// SPDX-License-Identifier: MIT
/* wg-xdp command line: attach, detach, show, stats, agent. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/aead.h"
#include "control/attach.h"
#include "core/crypto.h"
#include "control/ctl.h"
#include "control/daemon.h"
#include "lib/log.h"
#include "cli/agent.h"
#include "cli/show.h"
#include "cli/uapi_client.h"
#include "control/env.h"

static const char usage[] =
	"Usage: wg-xdp <command> [options]\n"
	"\n"
	"  attach IFACE [--name NAME] [--config FILE] [--mode xdp|socket] [--mtu N]\n"
	"               [--path auto|xsk|socket]   XDP mode's data path: AF_XDP sockets, or\n"
	"               the kernel socket with offloads (wgx_rx still classifying at the\n"
	"               driver); auto: AF_XDP where the NIC binds zero-copy\n"
	"               [--workers N] [--busy-poll]   XDP mode: N crypto threads, all used\n"
	"               (default: one per CPU it may run on, used while the data plane\n"
	"               is saturated and CPUs idle; 0: inline), poll the rings without\n"
	"               sleeping\n"
	"               [--realtime]   run the data plane at SCHED_FIFO 1, ahead of\n"
	"               applications: lower latency on busy CPUs, less batching\n"
	"               [--foreground] [--verbose] [--allow-core-dumps]\n"
	"                      create WireGuard interface NAME (default wg0) on underlay IFACE;\n"
	"                      (mode xdp by default); configure it with `wg` or --config\n"
	"                      (wg setconf format)\n"
	"  detach NAME         stop NAME's daemon and remove everything it created\n"
	"  show [NAME]         like `wg show`, plus mode and drop counters\n"
	"  stats NAME [--json] counters per drop reason and per peer\n"
	"  agent --interface NAME --dir DIR   keep NAME's peers equal to DIR/NAME.conf\n"
	"                      (a mounted ConfigMap) by difference; `agent --help`\n"
	"  --version, --help\n"
	"\n"
	"Environment (read once at start-up):\n"
	"  WGX_AEAD=sodium|openssl  force the ChaCha20-Poly1305 backend (default: the faster)\n"
	"  WGX_RUN_DIR=DIR          pid files and statistics sockets (/var/run/wg-xdp)\n"
	"  WGX_UAPI_DIR=DIR         UAPI sockets (/var/run/wireguard)\n"
	"  WGX_TEST_TIME_SCALE=N    tests only: protocol timers divided by N\n"
	"  WGX_TEST_UNDER_LOAD=1    tests only: always ask for cookies\n";

static int cmd_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "config", required_argument, NULL, 'c' },
		{ "mode", required_argument, NULL, 'm' },
		{ "path", required_argument, NULL, 'p' },
		{ "mtu", required_argument, NULL, 'M' },
		{ "workers", required_argument, NULL, 'w' },
		{ "busy-poll", no_argument, NULL, 'b' },
		{ "realtime", no_argument, NULL, 'R' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "allow-core-dumps", no_argument, NULL, 'D' },
		{ 0 },
	};
	struct wgx_attach_opts o = { .name = "wg0", .mode = WGX_MODE_XDP, .path = WGX_PATH_AUTO,
				      .mtu = WGX_DEFAULT_MTU, .workers = -1 };
	int c;

	while ((c = getopt_long(argc, argv, "n:c:m:p:M:w:bRfvD", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o.name = optarg;
			break;
		case 'c':
			o.config = optarg;
			break;
		case 'm':
			if (!strcmp(optarg, "socket"))
				o.mode = WGX_MODE_SOCKET;
			else if (!strcmp(optarg, "xdp"))
				o.mode = WGX_MODE_XDP;
			else
				goto bad;
			break;
		case 'p':
			if (!strcmp(optarg, "auto"))
				o.path = WGX_PATH_AUTO;
			else if (!strcmp(optarg, "xsk"))
				o.path = WGX_PATH_XSK;
			else if (!strcmp(optarg, "socket"))
				o.path = WGX_PATH_SOCKET;
			else
				goto bad;
			break;
		case 'M':
			o.mtu = (unsigned int)strtoul(optarg, NULL, 10);
			if (o.mtu < 576 || o.mtu > 65535)
				goto bad;
			break;
		case 'w':
			o.workers = (int)strtol(optarg, NULL, 10);
			if (o.workers < 0 || o.workers > 64)
				goto bad;
			break;
		case 'b':
			o.busy_poll = true;
			break;
		case 'R':
			o.realtime = true;
			break;
		case 'f':
			o.foreground = true;
			break;
		case 'v':
			wgx_log_level = WGX_LOG_DEBUG;
			break;
		case 'D':
			o.allow_core_dumps = true;
			break;
		default:
			goto bad;
		}
	}
	if (optind != argc - 1)
		goto bad;
	o.underlay = argv[optind];
	return wgx_attach(&o) ? 1 : 0;
bad:
	fputs(usage, stderr);
	return 2;
}

static int cmd_detach(int argc, char **argv)
{
	const char *name = argc == 2 ? argv[1] : NULL;
	pid_t pid;

	if (!name) {
		fputs(usage, stderr);
		return 2;
	}
	pid = wgx_pidfile_read(name);
	if (pid < 0) {
		/* A killed daemon's leftovers (sockets, pins, tunnel veth) still go. */
		wgx_attach_cleanup_stale(name);
		fprintf(stderr, "wg-xdp: %s is not attached\n", name);
		return 1;
	}
	kill(pid, SIGTERM);
	for (int i = 0; i < 100 && wgx_pidfile_read(name) > 0; i++)
		usleep(50000);
	if (wgx_pidfile_read(name) > 0) {
		fprintf(stderr, "wg-xdp: %s (pid %d) did not stop; killing it\n", name, (int)pid);
		kill(pid, SIGKILL);
		wgx_attach_cleanup_stale(name);
	}
	return 0;
}

static int show_one(const char *name, bool json)
{
	char *reply = NULL, *stats;
	int ret;

	stats = wgx_ctl_fetch(name);
	if (json) {
		if (!stats) {
			fprintf(stderr, "wg-xdp: %s: no statistics socket: %s\n", name, strerror(errno));
			return 1;
		}
		fputs(stats, stdout);
		free(stats);
		return 0;
	}
	ret = wgx_uapi_call(name, "get=1\n\n", &reply);
	if (ret) {
		fprintf(stderr, "wg-xdp: %s: %s\n", name, strerror(-ret));
		free(stats);
		return 1;
	}
	wgx_show_print(stdout, name, reply, stats);
	free(reply);
	free(stats);
	return 0;
}

static int cmd_show(int argc, char **argv, bool json)
{
	char dir[256], *slash;
	struct dirent *de;
	int ret = 0;
	DIR *d;

	if (argc >= 2 && argv[1][0] != '-')
		return show_one(argv[1], json || (argc == 3 && !strcmp(argv[2], "--json")));
	/* Every interface with a live wg-xdp daemon (a pid file in the run directory). */
	wgx_pidfile_path("x", dir, sizeof(dir));
	slash = strrchr(dir, '/');
	*slash = '\0';
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char name[256];
		size_t len = strlen(de->d_name);

		if (len <= 4 || strcmp(de->d_name + len - 4, ".pid"))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(len - 4), de->d_name);
		if (wgx_pidfile_read(name) > 0)
			ret |= show_one(name, json);
	}
	closedir(d);
	return ret;
}

int main(int argc, char **argv)
{
	char err[128];

	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("wg-xdp %s (AEAD backends: sodium, openssl)\n", WGX_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (wgx_env_load(err, sizeof(err))) {
		fprintf(stderr, "wg-xdp: %s\n", err);
		return 2;
	}
	if (wgx_crypto_init()) {
		fputs("wg-xdp: crypto library initialisation failed\n", stderr);
		return 1;
	}
	if (!strcmp(argv[1], "attach"))
		return cmd_attach(argc - 1, argv + 1);
	if (!strcmp(argv[1], "detach"))
		return cmd_detach(argc - 1, argv + 1);
	if (!strcmp(argv[1], "show"))
		return cmd_show(argc - 1, argv + 1, false);
	if (!strcmp(argv[1], "agent"))
		return wgx_agent_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "stats") && argc >= 3)
		return show_one(argv[2], argc == 4 && !strcmp(argv[3], "--json"));
	fprintf(stderr, "wg-xdp: unknown command '%s'\n\n%s", argv[1], usage);
	return 2;
}
