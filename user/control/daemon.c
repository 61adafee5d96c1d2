// SPDX-License-Identifier: MIT
#include "control/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "control/env.h"
#include "lib/log.h"

static int ready_fd = -1;

int wgx_daemon_fork(void)
{
	int pipefd[2], status = 1;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(pipefd[1]);
		if (read(pipefd[0], &status, sizeof(status)) != sizeof(status)) {
			int ws = 0;

			/* The child died before it was ready: its exit status is ours. */
			waitpid(pid, &ws, 0);
			status = WIFEXITED(ws) && WEXITSTATUS(ws) ? WEXITSTATUS(ws) : 1;
		}
		_exit(status);
	}
	close(pipefd[0]);
	ready_fd = pipefd[1];
	if (setsid() < 0)
		return -errno;
	return 0;
}

void wgx_daemon_ready(int status)
{
	int devnull;

	/* Type=notify units (deploy/systemd/): a no-op without $NOTIFY_SOCKET. */
	if (!status)
		sd_notifyf(0, "READY=1\nMAINPID=%ld", (long)getpid());
	if (ready_fd < 0)
		return;
	if (write(ready_fd, &status, sizeof(status)) != sizeof(status))
		pr_warn("could not report readiness to the parent");
	close(ready_fd);
	ready_fd = -1;
	if (status)
		return;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull >= 0) {
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
		close(devnull);
	}
	wgx_log_to_syslog("wg-xdp");
}

const char *wgx_pidfile_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.pid", wgx_env.run_dir, name);
	return buf;
}

pid_t wgx_pidfile_read(const char *name)
{
	char path[256];
	long pid = 0;
	FILE *f;

	f = fopen(wgx_pidfile_path(name, path, sizeof(path)), "re");
	if (!f)
		return -ENOENT;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 0 || (kill((pid_t)pid, 0) < 0 && errno == ESRCH))
		return -ENOENT;
	return (pid_t)pid;
}

int wgx_pidfile_create(const char *name)
{
	char path[256];
	FILE *f;

	if (mkdir(wgx_env.run_dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (wgx_pidfile_read(name) > 0)
		return -EEXIST;
	f = fopen(wgx_pidfile_path(name, path, sizeof(path)), "we");
	if (!f)
		return -errno;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f) ? -errno : 0;
}

void wgx_pidfile_remove(const char *name)
{
	char path[256];

	unlink(wgx_pidfile_path(name, path, sizeof(path)));
}
