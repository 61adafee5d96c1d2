// SPDX-License-Identifier: MIT
#include "control/handover.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <sodium.h>

#include "control/env.h"
#include "lib/log.h"
#include "lib/unix_client.h"

#define MAGIC "WGXSTATE"
#define HEADER_LEN (8 + 4 + 4 + 8 + 8)
#define SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

static uint32_t our_version(void)
{
	return wgx_env.test_handover_version ? wgx_env.test_handover_version : WGX_HANDOVER_VERSION;
}

static void handover_path(const char *name, struct sockaddr_un *sun)
{
	/* Next to the pid file and the statistics socket (control/daemon.h). */
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/%s.handover", wgx_env.run_dir, name);
}

int wgx_handover_listen(struct wgx_handover *h, const char *name)
{
	struct sockaddr_un sun;
	mode_t old;
	int ret;

	handover_path(name, &sun);
	h->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->fd < 0)
		return -errno;
	/* Ours by the pid file's rule (the caller holds it or is about to): a file left there is stale. */
	unlink(sun.sun_path);
	old = umask(0177);
	ret = bind(h->fd, (struct sockaddr *)&sun, sizeof(sun)) || listen(h->fd, 4) ? -errno : 0;
	umask(old);
	if (ret) {
		close(h->fd);
		h->fd = -1;
	}
	return ret;
}

int wgx_handover_adopt(struct wgx_handover *h, int fd)
{
	h->fd = fd;
	if (listen(fd, 4)) {
		int ret = -errno;

		close(fd);
		h->fd = -1;
		return ret;
	}
	return 0;
}

void wgx_handover_close(struct wgx_handover *h, const char *name, bool unlink_path)
{
	struct sockaddr_un sun;

	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	if (unlink_path) {
		handover_path(name, &sun);
		unlink(sun.sun_path);
	}
}

/* Mapped locked and out of core dumps; MAP_FAILED on failure. */
static void *map_state(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return p;
	madvise(p, len, MADV_DONTDUMP);
	mlock(p, len);	/* best effort: RLIMIT_MEMLOCK may not allow it */
	return p;
}

static void unmap_wiped(void *p, size_t len)
{
	sodium_memzero(p, len);
	munlock(p, len);
	munmap(p, len);
}

/* The state in a sealed memfd: the fd, or -errno. */
static int build_state(unsigned int n_fds, uint64_t now, wgx_handover_write_fn fill, void *ctx)
{
	struct wgx_writer count = { 0 }, w;
	int fd, ret;
	void *p;

	count.len = HEADER_LEN;
	fill(ctx, &count);
	if (count.bad || count.len > WGX_HANDOVER_MAX_LEN)
		return -E2BIG;
	fd = memfd_create("wg-xdp-state", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)count.len)) {
		ret = -errno;
		goto err;
	}
	p = map_state(fd, count.len);
	if (p == MAP_FAILED) {
		ret = -errno;
		goto err;
	}
	w = (struct wgx_writer){ .buf = p, .cap = count.len };
	wgx_put_bytes(&w, MAGIC, 8);
	wgx_put_u32(&w, our_version());
	wgx_put_u32(&w, n_fds);
	wgx_put_u64(&w, now);
	wgx_put_u64(&w, count.len);
	fill(ctx, &w);
	/* The mapping goes, the contents stay in the memfd for the receiver. */
	munlock(p, count.len);
	munmap(p, count.len);
	if (w.bad || w.len != count.len) {
		ret = -EIO;	/* the state changed between the passes: a bug */
		goto err;
	}
	if (fcntl(fd, F_ADD_SEALS, SEALS)) {
		ret = -errno;
		goto err;
	}
	return fd;
err:
	close(fd);
	return ret;
}

static void wipe_memfd(int fd)
{
	struct stat st;
	void *p;

	if (fstat(fd, &st) || !st.st_size)
		return;
	p = map_state(fd, (size_t)st.st_size);
	if (p != MAP_FAILED)
		unmap_wiped(p, (size_t)st.st_size);
}

static int send_state(int conn, int memfd, const int *fds, unsigned int n_fds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * (WGX_HANDOVER_MAX_FDS + 1))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = "S", .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = CMSG_SPACE(sizeof(int) * (n_fds + 1)) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	int *out;

	memset(u.buf, 0, sizeof(u.buf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * (n_fds + 1));
	out = (int *)CMSG_DATA(c);
	out[0] = memfd;
	memcpy(out + 1, fds, sizeof(int) * n_fds);
	return sendmsg(conn, &msg, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

/* The client's one-byte verdict: 'T' (taking over), or 0 for anything else. */
static char verdict(int conn)
{
	struct pollfd pfd = { .fd = conn, .events = POLLIN };
	char c = 0;

	if (poll(&pfd, 1, WGX_HANDOVER_TIMEOUT_MS) != 1 || read(conn, &c, 1) != 1)
		return 0;
	return c;
}

int wgx_handover_serve(struct wgx_handover *h, const int *fds, unsigned int n_fds, uint64_t now,
		       wgx_handover_write_fn fill, wgx_handover_release_fn release, void *ctx,
		       pid_t *taker)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int conn, memfd, ret;
	char v;

	if (n_fds > WGX_HANDOVER_MAX_FDS)
		return -E2BIG;
	conn = accept4(h->fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) ||
	    (cred.uid != 0 && cred.uid != geteuid())) {
		pr_warn("restart: refused a handover to uid %ld (only root or the daemon's uid)",
			(long)cred.uid);
		close(conn);
		return 0;
	}
	pr_info("restart: handing over to pid %ld", (long)cred.pid);
	memfd = build_state(n_fds, now, fill, ctx);
	if (memfd < 0) {
		close(conn);
		return memfd;
	}
	ret = send_state(conn, memfd, fds, n_fds);
	v = ret ? 0 : verdict(conn);
	if (v == 'T' && release)
		release(ctx);
	/* It went away between its "T" and our "K": nobody took over. */
	if (v == 'T' && write(conn, "K", 1) != 1)
		v = 0;
	wipe_memfd(memfd);
	close(memfd);
	close(conn);
	if (ret)
		return ret;
	if (v != 'T')
		pr_info("restart: pid %ld did not take over; carrying on", (long)cred.pid);
	*taker = cred.pid;
	return v == 'T';
}

void wgx_handover_refuse(struct wgx_handover *h)
{
	int conn = accept4(h->fd, NULL, NULL, SOCK_CLOEXEC);

	if (conn >= 0)
		close(conn);
}

int wgx_handover_check_header(struct wgx_handover_in *in, uint32_t version, char *err,
			      size_t err_len)
{
	struct wgx_reader r = { .buf = in->map, .len = in->map_len };
	char magic[8];
	uint32_t v, n_fds;
	uint64_t total;

	wgx_get_bytes(&r, magic, 8);
	v = wgx_get_u32(&r);
	n_fds = wgx_get_u32(&r);
	in->snapshot_ns = wgx_get_u64(&r);
	total = wgx_get_u64(&r);
	if (r.bad || memcmp(magic, MAGIC, 8)) {
		snprintf(err, err_len, "not a wg-xdp state (bad magic or too short)");
		return -EBADMSG;
	}
	if (v != version) {
		snprintf(err, err_len, "state format version %u, this binary reads version %u only",
			 v, version);
		return -EPROTO;
	}
	if (n_fds != in->n_fds || total != in->map_len) {
		snprintf(err, err_len, "malformed state header (%u fds for %u passed, length %llu "
			 "of %zu)", n_fds, in->n_fds, (unsigned long long)total, in->map_len);
		return -EBADMSG;
	}
	in->r = (struct wgx_reader){ .buf = in->map, .len = in->map_len, .off = r.off };
	return 0;
}

/* One message with the memfd and the fds; 0 or -errno. */
static int recv_state(struct wgx_handover_in *in, int *memfd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * (WGX_HANDOVER_MAX_FDS + 1))];
		struct cmsghdr align;
	} u;
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	ssize_t n = recvmsg(in->conn, &msg, MSG_CMSG_CLOEXEC);
	int ret = 0;

	if (n < 0)
		return wgx_unix_error(errno);
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		size_t k;
		int *fds = (int *)CMSG_DATA(c);

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			if (*memfd < 0)
				*memfd = fds[i];
			else if (in->n_fds < WGX_HANDOVER_MAX_FDS)
				in->fds[in->n_fds++] = fds[i];
			else
				close(fds[i]);
		}
	}
	if (n == 0)
		ret = -ECONNRESET;	/* closed without a state: refused */
	else if (n != 1 || byte != 'S' || (msg.msg_flags & MSG_CTRUNC) || *memfd < 0)
		ret = -EBADMSG;
	return ret;
}

int wgx_handover_receive(const char *name, struct wgx_handover_in *in, char *err, size_t err_len)
{
	struct sockaddr_un sun;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct stat st;
	int memfd = -1, ret, seals;

	memset(in, 0, sizeof(*in));
	for (int i = 0; i < WGX_HANDOVER_MAX_FDS; i++)
		in->fds[i] = -1;
	handover_path(name, &sun);
	in->conn = wgx_unix_connect(sun.sun_path, WGX_HANDOVER_TIMEOUT_MS);
	if (in->conn < 0) {
		ret = in->conn;
		snprintf(err, err_len, "cannot reach the daemon at %s: %s", sun.sun_path,
			 strerror(-ret));
		return ret;
	}
	/* A state only from a daemon of our own uid or root. */
	if (getsockopt(in->conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) ||
	    (cred.uid != 0 && cred.uid != geteuid())) {
		snprintf(err, err_len, "%s is not served by root or our uid", sun.sun_path);
		ret = -EPERM;
		goto err;
	}
	ret = recv_state(in, &memfd);
	if (ret) {
		snprintf(err, err_len, "no state from the daemon: %s",
			 ret == -EBADMSG ? "malformed message" :
			 ret == -ECONNRESET ? "it refused (its log says why)" : strerror(-ret));
		goto err;
	}
	seals = fcntl(memfd, F_GET_SEALS);
	if (seals < 0 || (seals & SEALS) != SEALS || fstat(memfd, &st) ||
	    st.st_size < HEADER_LEN || (uint64_t)st.st_size > WGX_HANDOVER_MAX_LEN) {
		snprintf(err, err_len, "the state is not a sealed memfd of a sane size");
		ret = -EBADMSG;
		goto err;
	}
	in->map_len = (size_t)st.st_size;
	in->map = map_state(memfd, in->map_len);
	if (in->map == MAP_FAILED) {
		in->map = NULL;
		ret = -errno;
		snprintf(err, err_len, "cannot map the state: %s", strerror(-ret));
		goto err;
	}
	close(memfd);
	memfd = -1;
	ret = wgx_handover_check_header(in, our_version(), err, err_len);
	if (ret)
		goto err;
	return 0;
err:
	if (memfd >= 0)
		close(memfd);
	wgx_handover_finish(in);
	return ret;
}

int wgx_handover_commit(struct wgx_handover_in *in)
{
	char c = 0;

	if (write(in->conn, "T", 1) != 1)
		return -errno;
	/* Bounded by the connection's timeout (wgx_unix_connect). */
	if (read(in->conn, &c, 1) != 1 || c != 'K')
		return -ECONNABORTED;
	return 0;
}

void wgx_handover_finish(struct wgx_handover_in *in)
{
	if (in->map)
		unmap_wiped(in->map, in->map_len);
	in->map = NULL;
	for (unsigned int i = 0; i < in->n_fds; i++)
		if (in->fds[i] >= 0)
			close(in->fds[i]);
	in->n_fds = 0;
	if (in->conn >= 0)
		close(in->conn);
	in->conn = -1;
}
