// SPDX-License-Identifier: MIT
/*
 * Pid files and liveness (control/daemon.h, issue 17 defect 8), in a run
 * directory of our own: this process plays NAME's daemon (it listens on the
 * statistics socket), children play a zombie and an unrelated process that
 * took a pid.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control/ctl.h"
#include "control/daemon.h"
#include "control/env.h"
#include "tap.h"

#define NAME "wgxpid0"

static char dir[64];

static void write_pid(pid_t pid)
{
	char path[256];
	FILE *f;

	unlink(wgx_pidfile_path(NAME, path, sizeof(path)));
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%ld\n", (long)pid);
		fclose(f);
	}
}

static pid_t child_sleeping(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

int main(void)
{
	char err[128], path[256], text[32] = "";
	struct stat st;
	pid_t other, zombie;
	struct wgx_ctl ctl = { 0 }, second = { 0 };
	int ret, fd;
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/wgx-test-pidfile.%d", (int)getpid());
	setenv("WGX_RUN_DIR", dir, 1);
	if (wgx_env_load(err, sizeof(err)) || wgx_run_dir_create()) {
		tap_skip("no run directory", "pid files");
		return tap_done();
	}
	wgx_pidfile_path(NAME, path, sizeof(path));

	ok(wgx_pidfile_create("../x") == -EINVAL && wgx_pidfile_remove("..") == -EINVAL &&
		   wgx_daemon_open("a/b", NULL) == -EINVAL,
	   "names that are not interface names are -EINVAL, never a path");
	ok(wgx_pidfile_read(NAME) == -ENOENT, "no pid file: not running");

	/* No statistics socket: whatever the pid file says, no daemon. */
	write_pid(getpid());
	ok(wgx_pidfile_read(NAME) == -ENOENT,
	   "a live pid that does not listen on NAME's statistics socket is not NAME's daemon");

	ret = wgx_ctl_open(&ctl, NAME);
	ok(ret == 0, "statistics socket listening: %s", ret < 0 ? strerror(-ret) : "ok");
	ok(wgx_ctl_open(&second, NAME) == -EADDRINUSE && second.fd == -1,
	   "a second wgx_ctl_open of a live socket is -EADDRINUSE");
	ok(wgx_pidfile_read(NAME) == getpid(), "our pid and our socket: the live daemon");
	fd = wgx_daemon_open(NAME, NULL);
	ok(fd >= 0, "wgx_daemon_open gives a pidfd");
	if (fd >= 0)
		close(fd);

	other = child_sleeping();
	write_pid(other);
	ok(wgx_pidfile_read(NAME) == -ENOENT && kill(other, 0) == 0,
	   "a reused pid (a live process that is not the daemon) is not the daemon");
	umask(0);
	ok(wgx_pidfile_create(NAME) == 0, "create over that stale file");
	if (stat(path, &st))
		st.st_mode = 0;
	ok((st.st_mode & 0777) == 0644, "pid file mode %o under umask 000 (want 644)",
	   st.st_mode & 0777);
	umask(022);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(text, sizeof(text), f))
			text[0] = '\0';
		fclose(f);
	}
	ok(atol(text) == (long)getpid(), "it names us (%s)", strtok(text, "\n") ? text : "");
	ok(wgx_pidfile_create(NAME) == 0,
	   "our own pid in the file is a previous life's (a container's fixed pid): replaced");
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);

	zombie = fork();
	if (zombie == 0)
		_exit(0);
	usleep(100000);
	write_pid(zombie);
	ok(wgx_pidfile_read(NAME) == -ENOENT, "a zombie (exited, not reaped) is not running");
	waitpid(zombie, NULL, 0);

	unlink(path);
	ok(symlink("/nonexistent-wgx-target", path) == 0, "a pid file planted as a symlink");
	ok(wgx_pidfile_create(NAME) == 0 && lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		   access("/nonexistent-wgx-target", F_OK) && errno == ENOENT,
	   "replaced by a regular file, never written through");
	ok(wgx_pidfile_remove(NAME) == 1 && wgx_pidfile_remove(NAME) == 0,
	   "remove: 1 when removed, 0 when there was none");

	wgx_ctl_close(&ctl, NAME);
	ok(wgx_ctl_remove_stale(NAME) == 0, "after close: no statistics socket left");
	rmdir(dir);
	return tap_done();
}
