// SPDX-License-Identifier: MIT
/*
 * The UAPI socket server with fake device ops, in a temporary directory: no
 * root needed. The server is pumped from this single thread between client
 * writes and reads, the way the daemon's loop would call it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "tap.h"
#include "control/uapi_server.h"

struct fake {
	int gets, puts, sets, removed;
	int set_ret;
	bool sliced;	       /* set applies one peer per call */
	size_t slices, gets_saw; /* peers applied so far; that, at the last get */
	uint16_t last_port;
	size_t last_peers;
	size_t view_aips; /* allowed IPs in the one peer of the view */
	struct wgx_uapi_cidr *aips;
};

static int fake_get(void *ctx, struct wgx_uapi_device_view *v)
{
	struct fake *f = ctx;
	struct wgx_uapi_peer_view *p = calloc(1, sizeof(*p));

	f->gets++;
	f->gets_saw = f->slices;
	if (!p)
		return -ENOMEM;
	v->listen_port = 51820;
	memset(p->public_key, 0x11, 32);
	p->n_allowed_ips = f->view_aips;
	p->allowed_ips = f->aips;
	v->n_peers = 1;
	v->peers = p;
	return 0;
}

static void fake_put(void *ctx, struct wgx_uapi_device_view *v)
{
	struct fake *f = ctx;

	f->puts++;
	free(v->peers);
}

static int fake_set(void *ctx, const struct wgx_uapi_set *s, size_t *next)
{
	struct fake *f = ctx;

	if (f->sliced && *next < s->n_peers) {
		(*next)++;
		f->slices++;
		if (*next < s->n_peers)
			return -EINPROGRESS;
	}
	f->sets++;
	f->last_port = s->listen_port;
	f->last_peers = s->n_peers;
	return f->set_ret;
}

static void fake_removed(void *ctx)
{
	((struct fake *)ctx)->removed++;
}

static const struct wgx_uapi_ops fake_ops = { fake_get, fake_put, fake_set, fake_removed };

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One turn of the daemon's loop: wait up to ms for the server fd, handle. */
static void pump(struct wgx_uapi_server *s, int ms)
{
	struct pollfd p = { .fd = wgx_uapi_server_fd(s), .events = POLLIN };

	if (poll(&p, 1, ms) > 0)
		wgx_uapi_server_handle(s);
}

static int client(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

	strncpy(a.sun_path, path, sizeof(a.sun_path) - 1);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

struct buf {
	char *p;
	size_t len, cap;
	bool closed;
};

static size_t count_answers(const struct buf *b)
{
	size_t n = 0;

	for (size_t i = 1; i < b->len; i++)
		n += b->p[i] == '\n' && b->p[i - 1] == '\n';
	return n;
}

/*
 * Send req (chunk bytes per turn, 0 = as much as fits), pumping the server,
 * until `answers` answers or EOF arrived or 10 s passed.
 */
static void transact(struct wgx_uapi_server *s, int fd, const char *req, size_t len,
		     size_t chunk, size_t answers, struct buf *out)
{
	uint64_t deadline = now_ms() + 10000;
	size_t sent = 0;

	memset(out, 0, sizeof(*out));
	while (now_ms() < deadline && !out->closed && count_answers(out) < answers) {
		if (sent < len) {
			size_t n = chunk && len - sent > chunk ? chunk : len - sent;
			ssize_t w = send(fd, req + sent, n, MSG_NOSIGNAL);

			if (w > 0)
				sent += (size_t)w;
		}
		pump(s, 1);
		for (;;) {
			ssize_t r;

			if (out->cap - out->len < 65536) {
				out->cap = out->cap ? out->cap * 2 : 131072;
				out->p = realloc(out->p, out->cap);
			}
			r = recv(fd, out->p + out->len, out->cap - out->len - 1, 0);
			if (r == 0)
				out->closed = true;
			if (r <= 0)
				break;
			out->len += (size_t)r;
		}
		if (out->p)
			out->p[out->len] = '\0';
	}
}

static bool answer_is(const struct buf *b, const char *want)
{
	return b->len == strlen(want) && !memcmp(b->p, want, b->len);
}

static char dir[64], path[128];

static void test_open(struct wgx_uapi_server *s, struct fake *f)
{
	char sub[96];
	struct stat st;
	struct wgx_uapi_server s2;

	snprintf(sub, sizeof(sub), "%s/run/wireguard", dir);
	snprintf(path, sizeof(path), "%s/wgxtest0.sock", sub);
	ok(wgx_uapi_server_open_at(s, sub, "wgxtest0", &fake_ops, f) == 0,
	   "open creates %s", path);
	ok(stat(sub, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755,
	   "missing socket directory created with mode 0755");
	ok(stat(path, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0600,
	   "socket has mode 0600 (%o)", st.st_mode & 0777);
	ok(wgx_uapi_server_open_at(&s2, sub, "wgxtest0", &fake_ops, f) == -EADDRINUSE,
	   "a second server on a live socket: -EADDRINUSE");
	ok(stat(path, &st) == 0, "failed open left the live socket alone");
	ok(wgx_uapi_server_open_at(&s2, sub, "", &fake_ops, f) == -EINVAL &&
		   wgx_uapi_server_open_at(&s2, sub, "a/b", &fake_ops, f) == -EINVAL &&
		   wgx_uapi_server_open_at(&s2, sub, "sixteen-chars-xx", &fake_ops, f) == -EINVAL &&
		   wgx_uapi_server_open_at(&s2, sub, "..", &fake_ops, f) == -EINVAL,
	   "bad interface names rejected");
}

static void test_get_set(struct wgx_uapi_server *s, struct fake *f)
{
	static const char get_want[] =
		"listen_port=51820\n"
		"public_key=1111111111111111111111111111111111111111111111111111111111111111\n"
		"preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"
		"protocol_version=1\n"
		"last_handshake_time_sec=0\nlast_handshake_time_nsec=0\n"
		"tx_bytes=0\nrx_bytes=0\npersistent_keepalive_interval=0\n"
		"errno=0\n\n";
	static const char set_req[] =
		"set=1\nprivate_key=c809f3e5317e9575c9b5ed78b638b7ce530dabe85ddab614220241801ddf0669\n"
		"listen_port=1234\npublic_key=c53201039adba14be71f886da1d8dbe9eebded08cb111b75340078999aa9f038\n"
		"allowed_ip=10.0.0.0/8\n\n";
	struct buf b;
	int fd = client(path);

	ok(fd >= 0, "client connects");
	transact(s, fd, "get=1\n\n", 7, 0, 1, &b);
	ok(answer_is(&b, get_want), "get answered with the formatted view");
	ok(f->gets == 1 && f->puts == 1, "get and put_view called once each");
	free(b.p);

	transact(s, fd, set_req, strlen(set_req), 0, 1, &b);
	ok(answer_is(&b, "errno=0\n\n") && f->sets == 1 && f->last_port == 1234 &&
		   f->last_peers == 1,
	   "set on the same connection: errno=0, ops->set saw the change set");
	free(b.p);

	f->set_ret = -EADDRINUSE;
	transact(s, fd, "set=1\nlisten_port=1\n\n", 21, 0, 1, &b);
	ok(answer_is(&b, "errno=-98\n\n"), "ops->set error returned as errno=-98");
	f->set_ret = 0;
	free(b.p);

	transact(s, fd, "set=1\nlisten_port=65536\n\n", 25, 0, 1, &b);
	ok(answer_is(&b, "errno=-22\n\n") && f->sets == 2, "invalid set: errno=-22, ops->set not called");
	free(b.p);

	transact(s, fd, "set=1\nnonsense\n\n", 16, 0, 1, &b);
	ok(answer_is(&b, "errno=-71\n\n"), "line without '=': errno=-71");
	free(b.p);

	transact(s, fd, set_req, strlen(set_req), 1, 1, &b);
	ok(answer_is(&b, "errno=0\n\n") && f->sets == 3 && f->last_port == 1234,
	   "set written one byte per loop turn");
	free(b.p);

	transact(s, fd, "get=1\n\nset=1\nfwmark=1\n\nset=1\nfwmark=x\n\n", 39, 0, 3, &b);
	ok(b.len == strlen(get_want) + 20 && !memcmp(b.p, get_want, strlen(get_want)) &&
		   !strcmp(b.p + strlen(get_want), "errno=0\n\nerrno=-22\n\n"),
	   "three pipelined requests in one write answered in order");
	free(b.p);

	transact(s, fd, "get=1\nxget=1\n\n", 14, 0, 2, &b);
	ok(b.len > 11 && !memcmp(b.p, "errno=-22\n\n", 11) &&
		   !strcmp(b.p + 11, get_want),
	   "get=1 followed by a non-newline byte: errno=-22, connection goes on");
	free(b.p);

	transact(s, fd, "set=1\n\n", 7, 0, 1, &b);
	ok(answer_is(&b, "errno=0\n\n"), "empty set: errno=0");
	free(b.p);

	transact(s, fd, "del=1\n\n", 7, 0, 1, &b);
	ok(b.closed && b.len == 0, "unknown operation: closed without an answer");
	free(b.p);
	close(fd);
}

static void test_limits(struct wgx_uapi_server *s, struct fake *f)
{
	size_t big = 70000, sets = (size_t)f->sets;
	char *req = malloc(big + 64);
	struct buf b;
	int fd;

	/* One line longer than WGX_UAPI_MAX_LINE: answered -EIO at once. */
	memcpy(req, "set=1\nlisten_port=", 18);
	memset(req + 18, '1', big - 18);
	fd = client(path);
	transact(s, fd, req, big, 0, 1, &b);
	ok(!memcmp(b.p ? b.p : "", "errno=-5\n\n", 10) && f->sets == (int)sets,
	   "line over 64 KiB: errno=-5 before the request ends");
	free(b.p);
	close(fd);

	/* A request over the (lowered) size bound. */
	s->max_request = 4096;
	memcpy(req, "set=1\n", 6);
	for (size_t i = 6; i + 14 <= big; i += 14)
		memcpy(req + i, "listen_port=1\n", 14);
	fd = client(path);
	transact(s, fd, req, big - 1, 0, 1, &b);
	ok(b.p && !strncmp(b.p, "errno=-90\n\n", 11) && b.len == 11,
	   "request over max_request: errno=-90 (EMSGSIZE)");
	pump(s, 5);
	free(b.p);
	transact(s, fd, "", 0, 0, 1, &b);
	ok(b.closed, "and the connection is closed");
	free(b.p);
	close(fd);
	s->max_request = WGX_UAPI_MAX_REQUEST;

	/* Client gone in the middle of a request: nothing applied. */
	fd = client(path);
	transact(s, fd, "set=1\nlisten_port=7\n", 20, 0, 0, &b);
	close(fd);
	pump(s, 5);
	pump(s, 5);
	ok(f->sets == (int)sets, "half a request then hang-up: ops->set never called");
	free(b.p);
	free(req);
}

/*
 * A set applied one peer per handle() call: answered when all is applied,
 * and a get from another client sent meanwhile waits for the whole set.
 */
static void test_sliced_set(struct wgx_uapi_server *s, struct fake *f)
{
	static const char req[] =
		"set=1\npublic_key=c53201039adba14be71f886da1d8dbe9eebded08cb111b75340078999aa9f038\n"
		"public_key=0000000000000000000000000000000000000000000000000000000000000001\n"
		"public_key=0000000000000000000000000000000000000000000000000000000000000002\n\n";
	int a = client(path), g = client(path), turns = 0;
	struct buf b;
	bool early = false;

	f->sliced = true;
	f->slices = 0;
	send(a, req, strlen(req), MSG_NOSIGNAL);
	pump(s, 50); /* reads and parses it, applies the first peer */
	send(g, "get=1\n\n", 7, MSG_NOSIGNAL);
	while (f->slices < 3 && turns++ < 100) {
		char c;

		pump(s, 50);
		early |= f->slices < 3 && recv(g, &c, 1, MSG_DONTWAIT) > 0;
	}
	ok(f->slices == 3 && turns >= 2, "set of 3 peers applied over %d more handle() calls", turns);
	ok(!early, "the other client's get is not answered while the set is part applied");
	transact(s, a, "", 0, 0, 1, &b);
	ok(answer_is(&b, "errno=0\n\n"), "the set's answer comes once it is all applied");
	free(b.p);
	transact(s, g, "", 0, 0, 1, &b);
	ok(b.len > 11 && !strcmp(b.p + b.len - 9, "errno=0\n\n") && f->gets_saw == 3,
	   "the get is answered after, with the whole set applied (it saw %zu of 3)", f->gets_saw);
	free(b.p);
	close(a);
	/* The client that sent a set hangs up before it is applied: applied all the same. */
	f->slices = 0;
	a = client(path);
	send(a, req, strlen(req), MSG_NOSIGNAL);
	pump(s, 50);
	close(a);
	for (turns = 0; f->slices < 3 && turns < 100; turns++)
		pump(s, 50);
	transact(s, g, "get=1\n\n", 7, 0, 1, &b);
	ok(f->slices == 3 && b.len > 11 && f->gets_saw == 3,
	   "a set whose client hung up is still applied whole; the server goes on");
	free(b.p);
	close(g);
	f->sliced = false;
}

/* A client that does not read its big answer must not stall the others. */
static void test_slow_client(struct wgx_uapi_server *s, struct fake *f)
{
	struct buf b;
	int slow = client(path), quick = client(path);
	size_t got = 0;
	char sink[65536], tail[9] = { 0 };
	uint64_t deadline;

	f->view_aips = 200000;
	f->aips = calloc(f->view_aips, sizeof(*f->aips));
	for (size_t i = 0; i < f->view_aips; i++) {
		f->aips[i].family = AF_INET6;
		f->aips[i].addr[0] = 0xfd;
		f->aips[i].addr[1] = (uint8_t)(i >> 16);
		f->aips[i].addr[2] = (uint8_t)(i >> 8);
		f->aips[i].addr[3] = (uint8_t)i;
		f->aips[i].cidr = 128;
	}
	int gets = f->gets;
	struct wgx_uapi_device_view v = { 0 };
	char *want = NULL;
	size_t want_len = 0;

	fake_get(f, &v);
	wgx_uapi_format_get(&v, &want, &want_len);
	fake_put(f, &v);
	gets = f->gets;

	send(slow, "get=1\n\n", 7, MSG_NOSIGNAL);
	for (int i = 0; i < 100 && f->gets == gets; i++)
		pump(s, 5);
	f->view_aips = 0;
	transact(s, quick, "get=1\n\nset=1\n\n", 14, 0, 2, &b);
	ok(count_answers(&b) == 2, "second client served while the first holds a %s answer",
	   "multi-MiB");
	free(b.p);
	deadline = now_ms() + 10000;
	while (now_ms() < deadline && !(got >= 9 && !memcmp(tail, "errno=0\n\n", 9))) {
		ssize_t r = recv(slow, sink, sizeof(sink), 0);

		if (r >= 9)
			memcpy(tail, sink + r - 9, 9);
		else if (r > 0)
			memmove(tail, tail + r, 9 - (size_t)r), memcpy(tail + 9 - r, sink, (size_t)r);
		if (r > 0)
			got += (size_t)r;
		pump(s, 1);
	}
	ok(got == want_len && want_len > 5000000 && !memcmp(tail, "errno=0\n\n", 9),
	   "slow client then receives its whole answer (%zu of %zu bytes)", got, want_len);
	wgx_uapi_buf_free(want, want_len);
	free(f->aips);
	f->aips = NULL;
	close(slow);
	close(quick);
	pump(s, 5);
}

/*
 * Issue 17, defect 7: gets answered in one call share one answer (formatted
 * once); past max_answers held, a client that never reads is dropped.
 */
static void test_answer_bound(struct wgx_uapi_server *s, struct fake *f)
{
	int a = client(path), b2 = client(path), c = client(path), gets;
	struct buf b;

	f->view_aips = 100000;
	f->aips = calloc(f->view_aips, sizeof(*f->aips));
	for (size_t i = 0; i < f->view_aips; i++)
		f->aips[i] = (struct wgx_uapi_cidr){ .family = AF_INET, .cidr = 32,
						     .addr = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8),
							       (uint8_t)i } };
	pump(s, 5);
	pump(s, 5);
	gets = f->gets;
	send(a, "get=1\n\n", 7, MSG_NOSIGNAL);
	send(b2, "get=1\n\n", 7, MSG_NOSIGNAL);
	usleep(20000);
	pump(s, 5);
	ok(f->gets == gets + 1 && s->answer_bytes > 1000000,
	   "two gets in one call: one snapshot, one answer held (%zu bytes)", s->answer_bytes);
	s->max_answers = s->answer_bytes + 1000;
	send(c, "get=1\n\n", 7, MSG_NOSIGNAL);
	for (int i = 0; i < 100 && f->gets == gets + 1; i++)
		pump(s, 5);
	ok(f->gets == gets + 2 && s->answer_bytes < s->max_answers,
	   "a third answer past max_answers: the older non-readers dropped (%zu bytes held)",
	   s->answer_bytes);
	{
		char sink[65536];
		ssize_t r;
		size_t took = 0;

		while ((r = recv(a, sink, sizeof(sink), MSG_DONTWAIT)) > 0)
			took += (size_t)r;
		ok(r == 0 && took > 0 && took < 2600000,
		   "the dropped client reads part of its answer (%zu bytes), then EOF", took);
	}
	f->view_aips = 0;
	transact(s, c, "", 0, 0, 1, &b);
	ok(count_answers(&b) == 1, "the newest client gets its whole answer");
	free(b.p);
	s->max_answers = WGX_UAPI_MAX_ANSWERS;
	free(f->aips);
	f->aips = NULL;
	close(a);
	close(b2);
	close(c);
	pump(s, 5);
}

/*
 * Issue 17, defect 6: 16 connections were served and a 17th closed the
 * oldest, so 200 concurrent `get`s left 184 unanswered (wireguard-go: 200).
 * Now all 200 are answered; past max_clients they wait, none is dropped.
 */
#define MANY 200
static void test_many_clients(struct wgx_uapi_server *s)
{
	int fds[MANY], answered = 0, closed_early = 0;
	struct buf b[MANY];
	uint64_t deadline;

	for (int i = 0; i < MANY; i++) {
		fds[i] = client(path);
		memset(&b[i], 0, sizeof(b[i]));
		if (i % 16 == 0)
			pump(s, 0);
	}
	for (int i = 0; i < MANY; i++)
		if (fds[i] < 0 || send(fds[i], "get=1\n\n", 7, MSG_NOSIGNAL) != 7)
			closed_early++;
	deadline = now_ms() + 10000;
	while (now_ms() < deadline && answered + closed_early < MANY) {
		pump(s, 1);
		for (int i = 0; i < MANY; i++) {
			char tmp[4096];
			ssize_t r;

			if (b[i].closed || fds[i] < 0)
				continue;
			r = recv(fds[i], tmp, sizeof(tmp), MSG_DONTWAIT);
			if (r == 0) {
				b[i].closed = true;
				closed_early++;
			} else if (r > 0) {
				b[i].len += (size_t)r;
				if (b[i].len >= 9 && !memcmp(tmp + r - 9, "errno=0\n\n", 9)) {
					b[i].closed = true;
					answered++;
				}
			}
		}
	}
	ok(answered == MANY && closed_early == 0,
	   "%d concurrent connections, each sent get: %d answered, %d closed unanswered", MANY,
	   answered, closed_early);
	ok(s->n_clients == MANY, "all %d connections still open (%u)", MANY, s->n_clients);
	for (int i = 0; i < MANY; i++)
		close(fds[i]);
	for (int i = 0; i < 50 && s->n_clients; i++)
		pump(s, 5);
	ok(s->n_clients == 0, "closed connections reaped (%u left)", s->n_clients);

	/* Past max_clients a connection waits in the backlog, then is served. */
	s->max_clients = 4;
	for (int i = 0; i < 6; i++) {
		fds[i] = client(path);
		pump(s, 2);
	}
	pump(s, 5);
	ok(s->n_clients == 4, "with max_clients 4, 4 connections accepted of 6 (%u)", s->n_clients);
	transact(s, fds[0], "set=1\n\n", 7, 0, 1, &b[0]);
	ok(answer_is(&b[0], "errno=0\n\n"), "the oldest is still served, not closed for a newer one");
	free(b[0].p);
	close(fds[0]);
	close(fds[1]);
	pump(s, 5);
	transact(s, fds[5], "get=1\n\n", 7, 0, 1, &b[5]);
	ok(count_answers(&b[5]) == 1, "two close: the 6th, waiting in the backlog, is served");
	free(b[5].p);
	for (int i = 2; i < 6; i++)
		close(fds[i]);
	pump(s, 5);
	pump(s, 5);
	s->max_clients = WGX_UAPI_MAX_CLIENTS;
	ok(s->n_clients == 0, "and reaped");
}

/*
 * Issue 17, defect 6: 16 clients each pushing an unterminated 64 MiB request
 * grew the daemon to 1.1 GB. Requests above WGX_UAPI_SMALL_REQUEST share one
 * pool: a client that needs more than is left waits, and small requests from
 * other clients are served meanwhile. Scaled down: pool 1 MiB, 8 clients
 * pushing 768 KiB each.
 */
static void test_memory_bound(struct wgx_uapi_server *s, struct fake *f)
{
	enum { N = 8, EACH = 768 << 10 };
	char *req = malloc(EACH);
	size_t sent[N] = { 0 }, peak = 0;
	int fds[N], quick, sets = f->sets;
	struct buf b;

	s->max_buffered = 1 << 20;
	memcpy(req, "set=1\n", 6);
	for (size_t i = 6; i + 14 <= EACH; i += 14)
		memcpy(req + i, "listen_port=1\n", 14);
	for (int i = 0; i < N; i++)
		fds[i] = client(path);
	for (int round = 0; round < 400; round++) {
		for (int i = 0; i < N; i++) {
			ssize_t w = EACH - 16 > sent[i]
					    ? send(fds[i], req + sent[i], EACH - 16 - sent[i],
						   MSG_NOSIGNAL | MSG_DONTWAIT)
					    : 0;

			if (w > 0)
				sent[i] += (size_t)w;
		}
		pump(s, 1);
		if (s->buffered > peak)
			peak = s->buffered;
	}
	ok(peak <= s->max_buffered && s->paused > 0,
	   "8 unterminated 768 KiB requests: pool use peaked at %zu of %zu bytes, %u clients waiting",
	   peak, s->max_buffered, s->paused);
	quick = client(path);
	transact(s, quick, "get=1\n\n", 7, 0, 1, &b);
	ok(count_answers(&b) == 1, "a small get from another client is answered meanwhile");
	free(b.p);
	close(quick);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	for (int i = 0; i < 50 && s->n_clients; i++)
		pump(s, 5);
	ok(s->buffered == 0 && s->paused == 0 && f->sets == sets,
	   "all gone: pool empty (%zu), none waiting, nothing applied", s->buffered);
	s->max_buffered = WGX_UAPI_MAX_BUFFERED;
	free(req);
}

/* Issue 17, defect 9: wireguard-go answers a set ended by EOF instead of the
 * blank line (its line scanner stops at EOF); we closed without a word. */
static void test_set_at_eof(struct wgx_uapi_server *s, struct fake *f)
{
	static const char *const reqs[] = { "set=1\nlisten_port=4711\n", "set=1\nlisten_port=4711" };
	struct buf b;

	for (int i = 0; i < 2; i++) {
		int fd = client(path), sets = f->sets;

		send(fd, reqs[i], strlen(reqs[i]), MSG_NOSIGNAL);
		shutdown(fd, SHUT_WR);
		f->last_port = 0;
		transact(s, fd, "", 0, 0, 1, &b);
		ok(answer_is(&b, "errno=0\n\n") && f->sets == sets + 1 && f->last_port == 4711,
		   "set %s then EOF: applied and answered errno=0",
		   i ? "with an unterminated last line" : "without the blank line");
		if (!answer_is(&b, "errno=0\n\n"))
			diag("  answer \"%.*s\", %d sets, port %u", (int)b.len, b.p ? b.p : "",
			     f->sets - sets, f->last_port);
		free(b.p);
		transact(s, fd, "", 0, 0, 1, &b);
		ok(b.closed, "then the connection is closed");
		free(b.p);
		close(fd);
	}
}

static void test_stale_and_close(struct fake *f)
{
	struct wgx_uapi_server a, b;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char sub[88], stale[sizeof(addr.sun_path)];
	struct stat st;
	int fd;

	snprintf(sub, sizeof(sub), "%s/run/wireguard", dir);
	snprintf(stale, sizeof(stale), "%s/wgxstale.sock", sub);
	memcpy(addr.sun_path, stale, sizeof(stale));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	close(fd); /* bound, never listened, now closed: a stale file */
	ok(stat(stale, &st) == 0 && S_ISSOCK(st.st_mode), "stale socket file exists");
	ok(wgx_uapi_server_open_at(&a, sub, "wgxstale", &fake_ops, f) == 0,
	   "stale socket replaced");
	fd = client(stale);
	ok(fd >= 0, "and the new socket accepts connections");
	close(fd);

	/* Someone deletes our socket (wg-quick down does) and a new daemon takes the name. */
	f->removed = 0;
	unlink(stale);
	pump(&a, 20);
	ok(f->removed == 1, "removed() called when the socket file is deleted");
	ok(wgx_uapi_server_open_at(&b, sub, "wgxstale", &fake_ops, f) == 0,
	   "a new server takes the name");
	wgx_uapi_server_close(&a);
	ok(stat(stale, &st) == 0, "closing the old server leaves the new one's socket");
	wgx_uapi_server_close(&b);
	ok(stat(stale, &st) < 0 && errno == ENOENT, "close unlinks the socket");

	fd = open(stale, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ok(wgx_uapi_server_open_at(&a, sub, "wgxstale", &fake_ops, f) == -EEXIST,
	   "a regular file in the way: -EEXIST, not deleted");
	ok(stat(stale, &st) == 0 && S_ISREG(st.st_mode), "the regular file is untouched");
	unlink(stale);
}

int main(void)
{
	struct wgx_uapi_server s;
	struct fake f = { 0 };
	char cmd[128];

	wgx_log_level = WGX_LOG_ERR; /* the rejections below are expected */
	snprintf(dir, sizeof(dir), "/tmp/wgx-uapi-test.XXXXXX");
	if (!mkdtemp(dir)) {
		ok(false, "mkdtemp");
		return tap_done();
	}
	test_open(&s, &f);
	test_get_set(&s, &f);
	test_limits(&s, &f);
	test_sliced_set(&s, &f);
	test_answer_bound(&s, &f);
	test_slow_client(&s, &f);
	test_many_clients(&s);
	test_memory_bound(&s, &f);
	test_set_at_eof(&s, &f);
	wgx_uapi_server_close(&s);
	ok(access(path, F_OK) < 0, "close unlinks %s", path);
	test_stale_and_close(&f);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		diag("could not remove %s", dir);
	return tap_done();
}
