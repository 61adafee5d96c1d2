// SPDX-License-Identifier: MIT
/*
 * wg-xdp command line: a table of subcommands (attach, detach, restart, show,
 * stats, version, help), each with its own --help, and wireguard-go's process
 * contract, `wg-xdp [-f|--foreground] NAME`, for wg-quick's
 * WG_QUICK_USERSPACE_IMPLEMENTATION. Environment: control/env.h, read once here.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/show.h"
#include "cli/agent.h"
#include "control/attach.h"
#include "control/ctl.h"
#include "control/daemon.h"
#include "control/env.h"
#include "control/stats.h"
#include "control/uapi_server.h"
#include "core/crypto.h"
#include "lib/ifname.h"
#include "lib/log.h"
#include "lib/pidfd.h"

struct wgx_cmd {
	const char *name;
	int (*run)(const struct wgx_cmd *cmd, int argc, char **argv);
	const char *synopsis; /* one line for `wg-xdp --help` */
	const char *help;     /* `wg-xdp CMD --help` */
	bool needs_crypto;
};

static const char env_help[] =
	"Environment:\n"
	"  WG_PROCESS_FOREGROUND=1   stay in the foreground (as -f)\n"
	"  LOG_LEVEL=LEVEL           verbose|debug|info|warning|error|silent (default info)\n"
	"  WG_XDP_MODE=xdp|socket    data plane of `wg-xdp NAME` (default xdp)\n"
	"  WG_XDP_IFACE=IFACE        underlay of `wg-xdp NAME` (default: from the routes,\n"
	"                            chosen again when they change)\n"
	"  WG_XDP_METRICS=ADDR:PORT  serve Prometheus metrics (as --metrics)\n"
	"  WG_COLOR_MODE=MODE        always|never|auto: colours of `wg-xdp show` (as wg)\n"
	"  WGX_RUN_DIR=DIR           pid files and statistics sockets (default /var/run/wg-xdp)\n"
	"  WGX_UAPI_DIR=DIR          UAPI sockets (default /var/run/wireguard)\n"
	"  WGX_CLIENT_TIMEOUT=SEC    how long show, stats and agent wait for a daemon's\n"
	"                            socket to answer (default 10; 0: forever)\n"
	"  WGX_AEAD=sodium|openssl   force the ChaCha20-Poly1305 backend (default: the faster)\n"
	"  NOTIFY_SOCKET             systemd's (Type=notify): READY=1 once serving\n"
	"  NODE_NAME=NODE            agent --kube: this node's Node (default: the hostname)\n"
	"  KUBERNETES_SERVICE_HOST=ADDR  agent --kube without --kubeconfig: the API server\n"
	"  KUBERNETES_SERVICE_PORT=PORT  (set by Kubernetes in every pod)\n"
	"  WGX_TEST_TIME_SCALE=N, WGX_TEST_UNDER_LOAD=1, WGX_TEST_HANDOVER_VERSION=N\n"
	"                            tests only\n";

static const char attach_help[] =
	"Usage: wg-xdp attach [IFACE|auto] [options]\n"
	"Create WireGuard interface NAME on underlay IFACE and serve it (daemonizes once the\n"
	"UAPI socket listens). The interface is created down; configure it with `wg`.\n"
	"No IFACE (with --config): FILE's Underlay says; auto, or none there: the NIC of the\n"
	"route to the first peer's endpoint or of the default route, chosen again when\n"
	"routes change (wg-xdp(8) UNDERLAY).\n"
	"  -n, --name NAME        interface to create (default wg0)\n"
	"  -c, --config FILE      load FILE (wg setconf format, and [Interface]\n"
	"                         Underlay = IFACE|auto) before serving\n"
	"  -m, --mode xdp|socket  data plane (default xdp)\n"
	"  -P, --path auto|xsk|socket  XDP mode's data path: AF_XDP sockets (xsk), or the\n"
	"                         kernel socket with offloads while wgx_rx still\n"
	"                         classifies at the driver; auto (default): xsk where the\n"
	"                         NIC binds AF_XDP zero-copy, else socket\n"
	"  -M, --mtu N            tunnel MTU, 576..65535 (default 1420)\n"
	"  -w, --workers N        XDP mode crypto threads, 0..64 (default: one per CPU,\n"
	"                         auto-scaled; 0: seal and open inline)\n"
	"  -b, --busy-poll        XDP mode: poll the rings without sleeping\n"
	"  -R, --realtime         run the data plane at SCHED_FIFO 1\n"
	"  -p, --metrics ADDR:PORT  serve Prometheus metrics on ADDR:PORT (default off)\n"
	"  -f, --foreground       stay in the foreground\n"
	"  -v, --verbose          debug logging (as LOG_LEVEL=debug)\n"
	"  -D, --allow-core-dumps leave the daemon dumpable (it holds keys: off by default)\n"
	"  -h, --help             this text\n";

static const char detach_help[] =
	"Usage: wg-xdp detach NAME\n"
	"Stop NAME's wg-xdp daemon, which removes the interface, sockets and pins.\n"
	"With no daemon running (killed), remove what it left and list each removal.\n"
	"A socket that belongs to another implementation is never touched.\n"
	"  -h, --help             this text\n";

static const char restart_help[] =
	"Usage: wg-xdp restart NAME [--foreground]\n"
	"Replace NAME's running daemon by this binary without losing a session: the\n"
	"sockets, the TUN device, the configuration, session keys with their counters,\n"
	"handshakes, timers and counters pass to the new process over a Unix socket (a\n"
	"sealed memfd, never a file), then the old process exits. No new handshake.\n"
	"Any failure before the takeover (an incompatible state format included) leaves\n"
	"the running daemon serving; the exit status is then 1. Every mode; on XDP\n"
	"mode's XSK path the AF_XDP sockets and their frames pass over too.\n"
	"Root or the daemon's uid only.\n"
	"  -f, --foreground       the new daemon stays in the foreground\n"
	"  -h, --help             this text\n";

static const char show_help[] =
	"Usage: wg-xdp show [NAME] [--json]\n"
	"Print every wg-xdp interface, or NAME, like `wg show`, plus mode and drop counters.\n"
	"  -j, --json             the statistics document instead (as `stats --json`)\n"
	"  -h, --help             this text\n";

static const char stats_help[] =
	"Usage: wg-xdp stats NAME [--json]\n"
	"NAME's counters: per drop reason, per peer, and the data plane's figures.\n"
	"  -j, --json             machine-readable (fields: wg-xdp(8))\n"
	"  -h, --help             this text\n";

static const char reasons_help[] =
	"Usage: wg-xdp reasons [--json]\n"
	"The verdict reasons: the number that keys wgx_stats (bpftool map dump), name, kind.\n"
	"  -j, --json             as a JSON object, number -> name\n"
	"  -h, --help             this text\n";

static const char version_help[] = "Usage: wg-xdp version\nPrint the version.\n"
				   "  -h, --help             this text\n";
static const char help_help[] = "Usage: wg-xdp help [COMMAND]\nPrint the usage of wg-xdp or COMMAND.\n"
				"  -h, --help             this text\n";

static const char contract_help[] =
	"Usage: wg-xdp [-f|--foreground] NAME\n"
	"wireguard-go's process contract (wg-quick's WG_QUICK_USERSPACE_IMPLEMENTATION=wg-xdp):\n"
	"create interface NAME, return once its UAPI socket listens; the daemon exits when\n"
	"NAME is deleted or its socket removed. Mode and underlay from the environment.\n";

static const struct wgx_cmd *find_cmd(const char *name);
static void print_usage(FILE *out);

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

static int usage_error(const struct wgx_cmd *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "wg-xdp %s: ", cmd->name);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'wg-xdp %s --help'.\n", cmd->name);
	return 2;
}

/* Refuse to start on a name another live daemon (of any implementation) serves. */
static int check_name_free(const char *cmd, const char *name)
{
	char path[108];
	int live;

	wgx_uapi_sock_path(name, path, sizeof(path));
	live = wgx_uapi_sock_probe(path);
	if (live == 1) {
		pid_t pid = wgx_pidfile_read(name);

		if (pid > 0)
			fprintf(stderr, "wg-xdp %s: %s is already attached (pid %d); wg-xdp detach %s first\n",
				cmd, name, (int)pid, name);
		else
			fprintf(stderr, "wg-xdp %s: %s is in use by another process (not wg-xdp); "
					"leaving it alone\n", cmd, path);
		return 1;
	}
	if (live == -EEXIST) {
		fprintf(stderr, "wg-xdp %s: %s exists and is not a socket\n", cmd, path);
		return 1;
	}
	return 0;
}

static int run_attach(const char *cmd, struct wgx_attach_opts *o, const char *metrics)
{
	o->metrics = metrics;
	if (check_name_free(cmd, o->name))
		return 1;
	return wgx_attach(o) ? 1 : 0;
}

static int cmd_attach(const struct wgx_cmd *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },    { "config", required_argument, NULL, 'c' },
		{ "mode", required_argument, NULL, 'm' },    { "mtu", required_argument, NULL, 'M' },
		{ "workers", required_argument, NULL, 'w' }, { "busy-poll", no_argument, NULL, 'b' },
		{ "realtime", no_argument, NULL, 'R' },	     { "metrics", required_argument, NULL, 'p' },
		{ "path", required_argument, NULL, 'P' },
		{ "foreground", no_argument, NULL, 'f' },    { "verbose", no_argument, NULL, 'v' },
		{ "allow-core-dumps", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },	     { 0 },
	};
	static const char *const modes[] = { "socket", "xdp", NULL };
	static const char *const paths[] = { "auto", "xsk", "socket", NULL }; /* enum wgx_path */
	const struct wgx_env *env = &wgx_env;
	struct wgx_attach_opts o = { .name = "wg0", .mode = WGX_MODE_XDP, .path = WGX_PATH_AUTO,
				     .mtu = WGX_DEFAULT_MTU, .workers = -1,
				     .foreground = env->foreground };
	const char *metrics = env->metrics;
	unsigned long v;
	int c, i;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "n:c:m:P:M:w:bRp:fvDh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (wgx_arg_ifname(cmd->name, "--name", optarg))
				return 2;
			o.name = optarg;
			break;
		case 'c':
			o.config = optarg;
			break;
		case 'm':
			i = wgx_arg_word(cmd->name, "--mode", optarg, modes);
			if (i < 0)
				return 2;
			o.mode = i ? WGX_MODE_XDP : WGX_MODE_SOCKET;
			break;
		case 'P':
			i = wgx_arg_word(cmd->name, "--path", optarg, paths);
			if (i < 0)
				return 2;
			o.path = (enum wgx_path)i;
			break;
		case 'M':
			if (wgx_arg_uint(cmd->name, "--mtu", optarg, 576, 65535, &v))
				return 2;
			o.mtu = (unsigned int)v;
			break;
		case 'w':
			if (wgx_arg_uint(cmd->name, "--workers", optarg, 0, 64, &v))
				return 2;
			o.workers = (int)v;
			break;
		case 'b':
			o.busy_poll = true;
			break;
		case 'R':
			o.realtime = true;
			break;
		case 'p':
			metrics = optarg;
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
		case 'h':
			fputs(cmd->help, stdout);
			return 0;
		default:
			wgx_arg_getopt_error(cmd->name, argv, optopt);
			return 2;
		}
	}
	/* Without IFACE, --config's Underlay (or auto when it has none) says. */
	if (optind == argc && !o.config)
		return usage_error(cmd, "%s", "missing IFACE (the underlay interface, or auto)");
	if (optind < argc - 1)
		return usage_error(cmd, "unexpected argument '%s'", argv[optind + 1]);
	if (optind < argc && wgx_arg_ifname(cmd->name, "IFACE", argv[optind]))
		return 2;
	o.underlay = optind < argc ? argv[optind] : NULL;
	return run_attach(cmd->name, &o, metrics);
}

/* wireguard-go's contract: `wg-xdp [-f|--foreground] NAME`, everything else from the environment. */
static int cmd_contract(int argc, char **argv)
{
	static const struct wgx_cmd self = { .name = "NAME", .help = contract_help };
	const struct wgx_env *env = &wgx_env;
	struct wgx_attach_opts o = { .mode = WGX_MODE_XDP, .path = WGX_PATH_XSK,
				     .mtu = WGX_DEFAULT_MTU, .workers = -1, .foreground = env->foreground };
	int i = 1;

	if (i < argc && (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--foreground"))) {
		o.foreground = true;
		i++;
	}
	if (i != argc - 1)
		return usage_error(&self, "%s", "expected [-f|--foreground] NAME");
	if (wgx_arg_ifname("NAME", "interface name", argv[i]))
		return 2;
	o.name = argv[i];
	if (env->mode && !strcmp(env->mode, "socket"))
		o.mode = WGX_MODE_SOCKET;
	/* NULL: from the routes, and again when they change (control/attach.h). */
	o.underlay = env->iface;
	pr_debug("%s: mode %s, underlay %s", o.name, o.mode == WGX_MODE_XDP ? "xdp" : "socket",
		 env->iface ? env->iface : "auto");
	return run_attach(o.name, &o, env->metrics);
}

/* Remove what NAME's dead daemon left; print what. 0 if anything, else 1 "not attached". */
static int detach_leftovers(const char *name, bool stopped)
{
	char path[108];
	int n = wgx_attach_cleanup_stale(name, NULL);

	if (n == -EADDRINUSE) {
		fprintf(stderr, "wg-xdp detach: %s is served by another process (not wg-xdp); "
				"leaving it alone\n", wgx_uapi_sock_path(name, path, sizeof(path)));
		return 1;
	}
	if (n < 0) {
		fprintf(stderr, "wg-xdp detach: %s: %s\n", name,
			n == -EEXIST ? "a new daemon started meanwhile" : strerror(-n));
		return 1;
	}
	if (stopped)
		return 0;
	if (!n) {
		fprintf(stderr, "wg-xdp detach: %s is not attached\n", name);
		return 1;
	}
	printf("%s: no daemon running; removed %d leftover%s (listed above)\n", name, n,
	       n == 1 ? "" : "s");
	return 0;
}

static int cmd_detach(const struct wgx_cmd *cmd, int argc, char **argv)
{
	const char *name;
	pid_t pid;
	int fd;

	if (argc != 2)
		return usage_error(cmd, "%s", argc < 2 ? "missing NAME" : "expected exactly one NAME");
	name = argv[1];
	if (wgx_arg_ifname(cmd->name, "NAME", name))
		return 2;
	fd = wgx_daemon_open(name, &pid);
	if (fd == -EACCES) {
		fprintf(stderr, "wg-xdp detach: %s: %s: its daemon runs as another user "
				"(detach as root or as that user)\n", name, strerror(EACCES));
		return 1;
	}
	if (fd < 0)
		return detach_leftovers(name, false);
	/* By pidfd: the signal cannot reach another process that took the pid. */
	wgx_pidfd_signal(fd, SIGTERM);
	if (!wgx_pidfd_wait_exit(fd, 5000)) {
		fprintf(stderr, "wg-xdp detach: %s (pid %d) did not stop; killing it\n", name, (int)pid);
		wgx_pidfd_signal(fd, SIGKILL);
		wgx_pidfd_wait_exit(fd, 1000);
	}
	close(fd);
	printf("%s: stopped its daemon (pid %d)\n", name, (int)pid);
	/* What a daemon that was killed, or died while stopping, left. */
	return detach_leftovers(name, true);
}

static int cmd_restart(const struct wgx_cmd *cmd, int argc, char **argv)
{
	static const struct option opts[] = { { "foreground", no_argument, NULL, 'f' },
					      { "help", no_argument, NULL, 'h' }, { 0 } };
	bool foreground = wgx_env.foreground;
	const char *name;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		if (c == 'f') {
			foreground = true;
		} else {
			wgx_arg_getopt_error(cmd->name, argv, optopt);
			return 2;
		}
	}
	if (argc - optind != 1)
		return usage_error(cmd, "%s", argc - optind < 1 ? "missing NAME" :
					      "expected exactly one NAME");
	name = argv[optind];
	if (wgx_arg_ifname(cmd->name, "NAME", name))
		return 2;
	return wgx_restart(name, foreground) ? 1 : 0;
}

/* One interface: its statistics document, printed as is (--json) or like `wg show`. */
static int show_one(const char *name, bool json)
{
	char *text = wgx_ctl_fetch(name);
	struct wgx_stats st;

	if (!text && errno == ETIMEDOUT) {
		fprintf(stderr, "wg-xdp: %s: the statistics socket did not answer: %s "
			"(WGX_CLIENT_TIMEOUT=%.1f s)\n", name, strerror(errno),
			wgx_env.client_timeout_ms / 1000.0);
		return 1;
	}
	if (!text) {
		fprintf(stderr, "wg-xdp: %s: no wg-xdp statistics socket: %s\n", name,
			errno == ENOENT ? "not a wg-xdp interface" : strerror(errno));
		return 1;
	}
	if (json) {
		fputs(text, stdout);
		free(text);
		return 0;
	}
	if (wgx_stats_from_json(text, &st)) {
		fprintf(stderr, "wg-xdp: %s: unreadable statistics document\n", name);
		free(text);
		return 1;
	}
	free(text);
	wgx_show_print(stdout, &st, wgx_show_color(wgx_env.color_mode), (uint64_t)time(NULL));
	wgx_stats_free(&st);
	return 0;
}

/* [NAME] [--json]: shared by show (NAME optional) and stats (NAME required). */
static int parse_name_json(const struct wgx_cmd *cmd, int argc, char **argv, const char **name,
			   bool *json)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
					      { "help", no_argument, NULL, 'h' }, { 0 } };
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		if (c == 'j') {
			*json = true;
		} else {
			wgx_arg_getopt_error(cmd->name, argv, optopt);
			return 2;
		}
	}
	if (argc - optind > 1)
		return usage_error(cmd, "unexpected argument '%s'", argv[optind + 1]);
	*name = optind < argc ? argv[optind] : NULL;
	if (*name && wgx_arg_ifname(cmd->name, "NAME", *name))
		return 2;
	return 0;
}

static int cmd_show(const struct wgx_cmd *cmd, int argc, char **argv)
{
	char dir[256], *slash;
	const char *name;
	bool json = false;
	struct dirent *de;
	int ret;
	DIR *d;

	ret = parse_name_json(cmd, argc, argv, &name, &json);
	if (ret)
		return ret;
	if (name)
		return show_one(name, json);
	/* Every interface with a live wg-xdp daemon (a pid file in the run directory). */
	wgx_pidfile_path("x", dir, sizeof(dir));
	slash = strrchr(dir, '/');
	*slash = '\0';
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char one[256];
		size_t len = strlen(de->d_name);

		if (len <= 4 || strcmp(de->d_name + len - 4, ".pid"))
			continue;
		snprintf(one, sizeof(one), "%.*s", (int)(len - 4), de->d_name);
		if (wgx_ifname_valid(one) && wgx_pidfile_read(one) > 0)
			ret |= show_one(one, json);
	}
	closedir(d);
	return ret;
}

static int cmd_stats(const struct wgx_cmd *cmd, int argc, char **argv)
{
	const char *name;
	bool json = false;
	int ret = parse_name_json(cmd, argc, argv, &name, &json);

	if (ret)
		return ret;
	if (!name)
		return usage_error(cmd, "%s", "missing NAME");
	return show_one(name, json);
}

/* The names behind wgx_stats' keys (include/wgx_reasons.h), for bpftool users. */
static int cmd_reasons(const struct wgx_cmd *cmd, int argc, char **argv)
{
	const char *name, *sep = "";
	bool json = false;
	int ret = parse_name_json(cmd, argc, argv, &name, &json);

	if (ret)
		return ret;
	if (name)
		return usage_error(cmd, "unexpected argument '%s'", name);
	if (json)
		fputc('{', stdout);
	for (unsigned int r = 0; r < WGX_REASON_MAX; r++) {
		const char *n = wgx_reason_name(r);

		if (!n)
			continue;
		if (json) {
			printf("%s\"%u\":\"%s\"", sep, r, n);
			sep = ",";
			continue;
		}
		printf("%3u  %-22s %s\n", r, n, wgx_reason_is_delivery(r) ? "delivery" : "drop");
	}
	if (json)
		fputs("}\n", stdout);
	return 0;
}

static int cmd_version(const struct wgx_cmd *cmd, int argc, char **argv)
{
	(void)cmd;
	(void)argc;
	(void)argv;
	printf("wg-xdp %s (AEAD backends: sodium, openssl)\n", WGX_VERSION);
	return 0;
}

static int cmd_help(const struct wgx_cmd *cmd, int argc, char **argv)
{
	const struct wgx_cmd *which = argc > 1 ? find_cmd(argv[1]) : NULL;

	if (argc > 1 && !which)
		return usage_error(cmd, "unknown command '%s'", argv[1]);
	if (which)
		fputs(which->help, stdout);
	else
		print_usage(stdout);
	return 0;
}

/* `wg-xdp agent` parses its own options and prints its own --help (cli/agent.c). */
static int cmd_agent(const struct wgx_cmd *cmd, int argc, char **argv)
{
	(void)cmd;
	return wgx_agent_main(argc, argv);
}

static const struct wgx_cmd commands[] = {
	{ "attach", cmd_attach, "attach IFACE [--name NAME] [--config FILE] [--mode xdp|socket] ...",
	  attach_help, true },
	{ "detach", cmd_detach, "detach NAME         stop NAME's daemon and remove what it made",
	  detach_help, false },
	{ "restart", cmd_restart, "restart NAME        replace NAME's daemon by this binary, "
	  "sessions kept", restart_help, true },
	{ "show", cmd_show, "show [NAME]         like `wg show`, plus mode and drop counters", show_help,
	  true },
	{ "stats", cmd_stats, "stats NAME [--json] counters per drop reason and per peer",
	  stats_help, false },
	{ "reasons", cmd_reasons, "reasons [--json]    the names of wgx_stats' keys (bpftool)",
	  reasons_help, false },
	{ "agent", cmd_agent, "agent --interface NAME --dir DIR   keep NAME's peers equal to a "
	  "ConfigMap", NULL, true },
	{ "version", cmd_version, "version             print the version", version_help, false },
	{ "help", cmd_help, "help [COMMAND]      this text, or COMMAND's", help_help, false },
};

static const struct wgx_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void print_usage(FILE *out)
{
	fputs("Usage: wg-xdp <command> [options]   (wg-xdp <command> --help for its options)\n"
	      "       wg-xdp [-f|--foreground] NAME  (wireguard-go's contract, for wg-quick)\n\n",
	      out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %s\n", commands[i].synopsis);
	fputs("  --version, --help\n\n", out);
	fputs(env_help, out);
}

int main(int argc, char **argv)
{
	const struct wgx_cmd *cmd;
	char err[160];

	if (wgx_env_load(err, sizeof(err))) {
		fprintf(stderr, "wg-xdp: %s\n", err);
		return 2;
	}
	if (wgx_env.has_log_level)
		wgx_log_level = wgx_env.log_level;
	if (argc < 2) {
		print_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(NULL, argc - 1, argv + 1);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_usage(stdout);
		return 0;
	}
	cmd = find_cmd(argv[1]);
	if (cmd && cmd->help && wants_help(argc - 1, argv + 1) && cmd->run != cmd_attach) {
		fputs(cmd->help, stdout);
		return 0;
	}
	if (wgx_crypto_init()) {
		fputs("wg-xdp: crypto library initialisation failed\n", stderr);
		return 1;
	}
	if (cmd)
		return cmd->run(cmd, argc - 1, argv + 1);
	/* `wg-xdp [-f] NAME`: anything that is not a command is an interface name, as wireguard-go. */
	if (argv[1][0] != '-' || !strcmp(argv[1], "-f") || !strcmp(argv[1], "--foreground"))
		return cmd_contract(argc, argv);
	fprintf(stderr, "wg-xdp: unknown option '%s'\n\n", argv[1]);
	print_usage(stderr);
	return 2;
}
