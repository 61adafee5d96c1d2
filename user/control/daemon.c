// SPDX-License-Identifier: MIT
#include "control/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "control/ctl.h"
#include "control/env.h"
#include "lib/file_replace.h"
#include "lib/ifname.h"
#include "lib/log.h"
#include "lib/pidfd.h"

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

void wgx_daemon_handed_over(pid_t pid)
{
	/* A no-op without $NOTIFY_SOCKET. */
	sd_notifyf(0, "MAINPID=%ld", (long)pid);
}

const char *wgx_pidfile_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.pid", wgx_env.run_dir, name);
	return buf;
}

int wgx_run_dir_create(void)
{
	return mkdir(wgx_env.run_dir, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

/* The pid NAME's pid file names (not followed if a symlink), or -ENOENT. */
static pid_t pidfile_pid(const char *name)
{
	char path[256], text[24];
	ssize_t n;
	long pid;
	char *end;
	int fd;

	fd = open(wgx_pidfile_path(name, path, sizeof(path)), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -ENOENT;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -ENOENT;
	text[n] = '\0';
	pid = strtol(text, &end, 10);
	if (end == text || (*end && *end != '\n') || pid <= 0 || pid > INT_MAX)
		return -ENOENT;
	return (pid_t)pid;
}

int wgx_daemon_open(const char *name, pid_t *pid_out)
{
	pid_t pid, peer;
	int fd;

	if (!wgx_ifname_valid(name))
		return -EINVAL;
	pid = pidfile_pid(name);
	if (pid < 0)
		return pid;
	fd = wgx_pidfd_open(pid);
	if (fd < 0)
		return -ENOENT;
	/* Exited (a zombie too), or the pid reused by a process that is not
	 * NAME's daemon: only the daemon listens on NAME's statistics socket. */
	peer = wgx_pidfd_exited(fd) ? -ENOENT : wgx_ctl_peer_pid(name);
	if (peer != pid) {
		close(fd);
		/* Alive, but its socket is not ours to connect to. */
		return peer == -EACCES ? -EACCES : -ENOENT;
	}
	if (pid_out)
		*pid_out = pid;
	return fd;
}

/* @pid's main thread has exited (a zombie): the rest of it may still be exiting. */
static bool leader_exited(pid_t pid)
{
	char path[64], text[512], *close_paren;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return false;
	text[n] = '\0';
	close_paren = strrchr(text, ')'); /* "pid (comm) STATE ...", comm may hold anything */
	return close_paren && close_paren[1] == ' ' && close_paren[2] &&
	       strchr("ZX", close_paren[2]);
}

bool wgx_daemon_exited(const char *name)
{
	pid_t pid = pidfile_pid(name);
	int fd = pid > 0 ? wgx_pidfd_open(pid) : -1;
	bool exited = fd >= 0 && (wgx_pidfd_exited(fd) || leader_exited(pid));

	if (fd >= 0)
		close(fd);
	return exited;
}

pid_t wgx_pidfile_read(const char *name)
{
	pid_t pid;
	int fd = wgx_daemon_open(name, &pid);

	if (fd < 0)
		return fd;
	close(fd);
	return pid;
}

int wgx_pidfile_create(const char *name)
{
	char path[256], text[24];
	int fd, len;
	pid_t pid;

	if (!wgx_ifname_valid(name))
		return -EINVAL;
	wgx_pidfile_path(name, path, sizeof(path));
	for (int tries = 0;; tries++) {
		/* O_EXCL: never through a planted symlink, never someone else's file. */
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EEXIST || tries)
			break;
		/* Our own pid in it is a previous life's (a container's fixed pid):
		 * the statistics socket we listen on would vouch for it. */
		pid = wgx_pidfile_read(name);
		if (pid > 0 && pid != getpid())
			return -EEXIST;
		/* A dead daemon's: replace it. */
		if (unlink(path) && errno != ENOENT)
			return -errno;
	}
	if (fd < 0)
		return -errno;
	/* 0644 whatever the caller's umask: writable by root only. */
	len = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if (fchmod(fd, 0644) || write(fd, text, (size_t)len) != len) {
		int ret = -errno;

		close(fd);
		unlink(path);
		return ret;
	}
	return close(fd) ? -errno : 0;
}

int wgx_pidfile_replace(const char *name)
{
	char path[256], text[24];
	int len;

	if (!wgx_ifname_valid(name))
		return -EINVAL;
	wgx_pidfile_path(name, path, sizeof(path));
	len = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	return wgx_file_replace(path, text, (size_t)len, 0644);
}

int wgx_pidfile_remove(const char *name)
{
	char path[256];

	if (!wgx_ifname_valid(name))
		return -EINVAL;
	if (unlink(wgx_pidfile_path(name, path, sizeof(path))))
		return errno == ENOENT ? 0 : -errno;
	return 1;
}
