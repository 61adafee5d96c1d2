// SPDX-License-Identifier: MIT
/*
 * control/handover: the transport of `wg-xdp restart`, between this process
 * (the running daemon's side, wgx_handover_serve) and a forked child (the
 * new process's side, wgx_handover_receive), over a real NAME.handover in a
 * scratch WGX_RUN_DIR. Covered: the state and the fds arrive (the fds are
 * the same open files) in a memfd the receiver found sealed against
 * shrinking and growing (it refuses one that is not), a commit makes serve
 * return 1, a receiver
 * of another format version refuses (serve returns 0: the daemon carries
 * on), a receiver that goes away makes serve return 0; and the header
 * checks on hand-made buffers: bad magic, another version, fd count and
 * length mismatches.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control/env.h"
#include "control/handover.h"
#include "lib/serial.h"
#include "tap.h"

#define NAME "wgho0"
#define PAYLOAD "the state after the header"

static void fill(void *ctx, struct wgx_writer *w)
{
	(void)ctx;
	wgx_put_str(w, PAYLOAD);
}

/* The child's part; its exit status says how far it got (0: all checks held). */
enum { CHILD_COMMIT, CHILD_REFUSE_VERSION, CHILD_VANISH };

static int child(int how, ino_t want_ino)
{
	struct wgx_handover_in in;
	char err[256], text[64];
	struct stat st;
	int ret;

	if (how == CHILD_REFUSE_VERSION)
		wgx_env.test_handover_version = WGX_HANDOVER_VERSION + 1;
	ret = wgx_handover_receive(NAME, &in, err, sizeof(err));
	if (how == CHILD_REFUSE_VERSION)
		return ret == -EPROTO && strstr(err, "version") ? 0 : 10;
	if (ret)
		return 11;
	if (how == CHILD_VANISH)
		_exit(0);	/* the connection closes with the process */
	if (in.n_fds != 1 || fstat(in.fds[0], &st) || st.st_ino != want_ino)
		return 12;
	if (!wgx_get_str(&in.r, text, sizeof(text)) || strcmp(text, PAYLOAD) || in.r.off != in.r.len)
		return 13;
	if (wgx_handover_commit(&in))
		return 14;
	wgx_handover_finish(&in);
	return 0;
}

/* Serve one handover of @fd to a child behaving as @how: serve's result, the child's status. */
static int exchange(struct wgx_handover *h, int fd, int how, int *child_status)
{
	struct stat st;
	pid_t pid;
	int ret, ws = 0;
	pid_t taker = 0;

	fstat(fd, &st);
	pid = fork();
	if (pid == 0)
		_exit(child(how, st.st_ino));
	/* Blocking accept: the listener is non-blocking, wait for the child's connect. */
	for (int i = 0; i < 500; i++) {
		ret = wgx_handover_serve(h, &fd, 1, 12345, fill, NULL, NULL, &taker);
		if (ret)
			break;
		usleep(10000);
		if (waitpid(pid, &ws, WNOHANG) == pid) {
			*child_status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 99;
			return 0;
		}
	}
	waitpid(pid, &ws, 0);
	*child_status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 99;
	if (ret == 1 && taker != pid)
		*child_status = 98;	/* serve must name the process that took over */
	return ret;
}

static void test_headers(void)
{
	uint8_t buf[64];
	struct wgx_writer w = { .buf = buf, .cap = sizeof(buf) };
	struct wgx_handover_in in = { .map = buf, .n_fds = 2 };
	char err[256], want[64];

	wgx_put_bytes(&w, "WGXSTATE", 8);
	wgx_put_u32(&w, WGX_HANDOVER_VERSION);
	wgx_put_u32(&w, 2);
	wgx_put_u64(&w, 777);
	wgx_put_u64(&w, 40);
	wgx_put_bytes(&w, "\0\0\0\0\0\0\0\0", 8);
	in.map_len = w.len;
	ok(!wgx_handover_check_header(&in, WGX_HANDOVER_VERSION, err, sizeof(err)) &&
		   in.snapshot_ns == 777 && in.r.off == 32,
	   "a well-formed header: accepted, the reader after it");
	snprintf(want, sizeof(want), "version %d, this binary reads version %d",
		 WGX_HANDOVER_VERSION, WGX_HANDOVER_VERSION + 1);
	ok(wgx_handover_check_header(&in, WGX_HANDOVER_VERSION + 1, err, sizeof(err)) == -EPROTO &&
		   strstr(err, want),
	   "another format version: -EPROTO (%s)", err);
	in.n_fds = 3;
	ok(wgx_handover_check_header(&in, WGX_HANDOVER_VERSION, err, sizeof(err)) == -EBADMSG,
	   "an fd count other than what was passed: -EBADMSG");
	in.n_fds = 2;
	in.map_len = 39;
	ok(wgx_handover_check_header(&in, WGX_HANDOVER_VERSION, err, sizeof(err)) == -EBADMSG,
	   "a length other than the memfd's: -EBADMSG");
	in.map_len = 20;
	ok(wgx_handover_check_header(&in, WGX_HANDOVER_VERSION, err, sizeof(err)) == -EBADMSG,
	   "shorter than a header: -EBADMSG");
	in.map_len = 40;
	buf[0] = 'X';
	ok(wgx_handover_check_header(&in, WGX_HANDOVER_VERSION, err, sizeof(err)) == -EBADMSG,
	   "a bad magic: -EBADMSG");
}

int main(void)
{
	char dir[] = "/tmp/wgx-handover.XXXXXX", path[256];
	struct wgx_handover h = { .fd = -1 };
	struct stat st;
	int fd, ret, status = -1;

	test_headers();
	if (!mkdtemp(dir))
		return 1;
	wgx_env.run_dir = dir;
	ok(!wgx_handover_listen(&h, NAME), "listening on %s/%s.handover", dir, NAME);
	snprintf(path, sizeof(path), "%s/%s.handover", dir, NAME);
	ok(!stat(path, &st) && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0600,
	   "the socket is mode 0600");
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ret = exchange(&h, fd, CHILD_COMMIT, &status);
	ok(ret == 1 && status == 0,
	   "the child gets the state and the fd (the same open file), commits: serve returns 1 "
	   "(serve %d, child %d)", ret, status);
	ret = exchange(&h, fd, CHILD_REFUSE_VERSION, &status);
	ok(ret == 0 && status == 0,
	   "a child of another format version refuses: serve returns 0, the daemon carries on "
	   "(serve %d, child %d)", ret, status);
	ret = exchange(&h, fd, CHILD_VANISH, &status);
	ok(ret == 0 && status == 0, "a child that goes away: serve returns 0 (serve %d, child %d)", ret,
	   status);
	close(fd);
	wgx_handover_close(&h, NAME, true);
	ok(stat(path, &st) && errno == ENOENT, "closed: the socket file removed");
	rmdir(dir);
	return tap_done();
}
