// SPDX-License-Identifier: MIT
#include "control/uapi_server.h"

#include <errno.h>
#include <malloc.h>
#include <limits.h>
#include <net/if.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"

#define READ_BUDGET (256U << 10) /* bytes read per client per handle() call */
#define EVENTS_PER_CALL 32
#define ACCEPTS_PER_CALL 64
#define OP_LEN 6 /* "get=1\n", "set=1\n" */
#define BIG_SET (1u << 20)

/* Sentinels in epoll data for the three non-client fds. */
static char listener_tag, inotify_tag, work_tag;

/* An answer; a get's is shared by every get answered in the same call. */
struct wgx_uapi_answer {
	unsigned int refs;
	size_t len;
	char *buf; /* may hold keys: wiped when the last reference goes */
};

static void answer_put(struct wgx_uapi_server *s, struct wgx_uapi_answer *a)
{
	if (a && !--a->refs) {
		s->answer_bytes -= a->len;
		wgx_uapi_buf_free(a->buf, a->len);
		free(a);
	}
}

struct wgx_uapi_client {
	struct wgx_uapi_client *next, *prev;
	int fd;
	char *in; /* request bytes: may hold keys, zeroed when consumed */
	size_t in_len, in_cap;
	size_t scan; /* set body: offset of the first line not yet seen whole */
	struct wgx_uapi_answer *out; /* the one pending answer: requests wait until it is sent */
	size_t out_off;
	bool eof, closing, dead;
	bool paused; /* waiting for room in the shared request pool */
	bool held;   /* waiting for the set being applied (maybe its own) */
	uint32_t interest;
};

static void set_interest(struct wgx_uapi_server *s, struct wgx_uapi_client *c, uint32_t ev);

/* Keep epfd readable (so the loop calls handle() again) while a set is being
 * applied or clients wait for their turn. */
static void work_pending(struct wgx_uapi_server *s, bool on)
{
	uint64_t n = 1;

	if (s->work_on == on)
		return;
	if ((on ? write(s->work_fd, &n, sizeof(n)) : read(s->work_fd, &n, sizeof(n))) < 0 &&
	    errno != EAGAIN)
		pr_warn("uapi: eventfd: %s", strerror(errno));
	s->work_on = on;
}
static int grow_in(struct wgx_uapi_server *s, struct wgx_uapi_client *c, size_t need);

/* Pool bytes a client's input capacity draws: whatever is above SMALL. */
static size_t pool_charge(size_t cap)
{
	return cap > WGX_UAPI_SMALL_REQUEST ? cap - WGX_UAPI_SMALL_REQUEST : 0;
}

static void listener_arm(struct wgx_uapi_server *s, bool on)
{
	struct epoll_event e = { .events = on ? EPOLLIN : 0, .data.ptr = &listener_tag };

	if (s->accepting != on && epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->listen_fd, &e) == 0)
		s->accepting = on;
}

/* Pool room came back: let every paused client try again. */
static void resume_paused(struct wgx_uapi_server *s)
{
	for (struct wgx_uapi_client *c = s->clients; c && s->paused; c = c->next) {
		if (!c->paused)
			continue;
		c->paused = false;
		s->paused--;
		set_interest(s, c, EPOLLIN);
	}
}

/* Wipe and free the input buffer, giving its pool share back. */
static void release_in(struct wgx_uapi_server *s, struct wgx_uapi_client *c)
{
	if (!c->in)
		return;
	sodium_memzero(c->in, c->in_cap);
	free(c->in);
	s->buffered -= pool_charge(c->in_cap);
	c->in = NULL;
	c->in_len = c->in_cap = 0;
	if (s->paused)
		resume_paused(s);
}

static void client_unlink(struct wgx_uapi_server *s, struct wgx_uapi_client *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		s->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->n_clients--;
}

/* Closes now and frees the request buffer; the client itself goes at the end
 * of handle(), events may still name it. A waiting connection gets its turn. */
static void client_close(struct wgx_uapi_server *s, struct wgx_uapi_client *c)
{
	if (c->dead)
		return;
	client_unlink(s, c);
	close(c->fd);
	c->dead = true;
	if (s->apply_client == c)
		s->apply_client = NULL; /* the set is applied all the same */
	if (c->paused) {
		c->paused = false;
		s->paused--;
	}
	if (c->held) {
		c->held = false;
		s->n_held--;
	}
	release_in(s, c);
	answer_put(s, c->out);
	c->out = NULL;
	c->next = s->dead;
	s->dead = c;
	listener_arm(s, true);
}

static void client_free(struct wgx_uapi_client *c)
{
	free(c);
}

static void reap_dead(struct wgx_uapi_server *s)
{
	while (s->dead) {
		struct wgx_uapi_client *c = s->dead;

		s->dead = c->next;
		client_free(c);
	}
}

static void set_interest(struct wgx_uapi_server *s, struct wgx_uapi_client *c, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = c };

	if (c->interest == ev)
		return;
	if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &e) == 0)
		c->interest = ev;
	else
		client_close(s, c);
}

/*
 * Answer with buf (taken over, freed here on failure). Past max_answers
 * bytes held, the oldest other clients still waiting to take an answer are
 * dropped (not those sharing this call's get: that frees nothing): a client
 * that never reads holds one answer until then. 0 or -ENOMEM.
 */
static int respond(struct wgx_uapi_server *s, struct wgx_uapi_client *c, char *buf, size_t len)
{
	struct wgx_uapi_answer *a = malloc(sizeof(*a));
	struct wgx_uapi_client *old, *next;

	if (!a) {
		wgx_uapi_buf_free(buf, len);
		return -ENOMEM;
	}
	*a = (struct wgx_uapi_answer){ .refs = 1, .len = len, .buf = buf };
	c->out = a;
	c->out_off = 0;
	s->answer_bytes += len;
	for (old = s->clients; old && s->answer_bytes > s->max_answers; old = next) {
		next = old->next;
		if (old != c && old->out && old->out != s->shared_get) {
			pr_warn("uapi: dropping a client that does not read its answer");
			client_close(s, old);
		}
	}
	return 0;
}

static int respond_errno(struct wgx_uapi_server *s, struct wgx_uapi_client *c, int err)
{
	char *buf = malloc(32);
	int n;

	if (!buf)
		return -ENOMEM;
	n = snprintf(buf, 32, "errno=%d\n\n", err);
	return respond(s, c, buf, (size_t)n);
}

/* Drop the first n bytes of the input buffer, wiping what they held; a big
 * buffer that now holds little goes back to the pool. */
static void consume(struct wgx_uapi_server *s, struct wgx_uapi_client *c, size_t n)
{
	memmove(c->in, c->in + n, c->in_len - n);
	sodium_memzero(c->in + c->in_len - n, n);
	c->in_len -= n;
	c->scan = 0;
	if (c->in_len == 0 && c->in_cap > WGX_UAPI_SMALL_REQUEST)
		release_in(s, c);
}

/* Every get answered in one handle() call shares one snapshot, formatted
 * once: as if answered one after another in that instant. */
static int do_get(struct wgx_uapi_server *s, struct wgx_uapi_client *c)
{
	struct wgx_uapi_device_view view;
	char *buf;
	size_t len;
	int ret;

	if (s->shared_get) {
		c->out = s->shared_get;
		c->out->refs++;
		c->out_off = 0;
		return 0;
	}
	memset(&view, 0, sizeof(view));
	ret = s->ops->get(s->ctx, &view);
	if (ret)
		return respond_errno(s, c, ret);
	ret = wgx_uapi_format_get(&view, &buf, &len);
	s->ops->put_view(s->ctx, &view);
	if (ret)
		return respond_errno(s, c, ret);
	ret = respond(s, c, buf, len);
	if (!ret) {
		s->shared_get = c->out;
		s->shared_get->refs++;
	}
	return ret;
}

/*
 * Parse the set; a valid one is applied from the end of this handle() call
 * on (apply_slice), and its answer comes when it is all applied. Returns
 * 0 or -ENOMEM.
 */
static int do_set(struct wgx_uapi_server *s, struct wgx_uapi_client *c, size_t body_len)
{
	struct wgx_uapi_set *set = malloc(sizeof(*set));
	int ret;

	if (!set)
		return -ENOMEM;
	ret = wgx_uapi_parse_set(c->in + OP_LEN, body_len, set);
	if (ret) {
		pr_warn("uapi: rejected set request (%d)", ret);
		wgx_uapi_set_free(set);
		free(set);
		return respond_errno(s, c, ret);
	}
	s->applying = set;
	s->apply_next = 0;
	s->apply_len = body_len;
	s->apply_client = c;
	return 0;
}

/*
 * Find the blank line that ends a set body; resumes where the last call
 * stopped so byte-by-byte arrival stays linear. Returns its offset, 0 if
 * more data is needed, -EIO for an over-long line.
 */
static long find_set_end(struct wgx_uapi_client *c)
{
	size_t pos = c->scan ? c->scan : OP_LEN;

	for (;;) {
		const char *nl = memchr(c->in + pos, '\n', c->in_len - pos);

		if (!nl) {
			c->scan = pos;
			return c->in_len - pos > WGX_UAPI_MAX_LINE ? -EIO : 0;
		}
		if (nl == c->in + pos)
			return (long)pos;
		pos = (size_t)(nl - c->in) + 1;
	}
}

/*
 * Answer the first complete request in the buffer; after end of input, a set
 * whose blank line never came is complete too. Returns 1 if it produced an
 * answer or ended the connection, 0 if more data is needed, -errno on
 * allocation failure.
 */
static int process_one(struct wgx_uapi_server *s, struct wgx_uapi_client *c)
{
	const char *nl;
	size_t op_len;
	long end;
	int ret;

	if (!c->in_len)
		return 0; /* c->in may be NULL: nothing buffered yet, or released */
	nl = memchr(c->in, '\n', c->in_len);
	op_len = nl ? (size_t)(nl - c->in) + 1 : c->in_len;
	if (!nl && op_len < OP_LEN)
		return 0;
	if (op_len == OP_LEN && !memcmp(c->in, "get=1\n", OP_LEN)) {
		if (c->in_len < OP_LEN + 1)
			return 0;
		/* wireguard-go reads one more byte and insists it is '\n'. */
		ret = c->in[OP_LEN] == '\n' ? do_get(s, c) : respond_errno(s, c, -EINVAL);
		consume(s, c, OP_LEN + 1);
		return ret ? ret : 1;
	}
	if (op_len == OP_LEN && !memcmp(c->in, "set=1\n", OP_LEN)) {
		end = find_set_end(c);
		if (end < 0) {
			c->closing = true;
			return respond_errno(s, c, (int)end) ? -ENOMEM : 1;
		}
		if (end == 0 && c->in_len > s->max_request) {
			c->closing = true;
			return respond_errno(s, c, -EMSGSIZE) ? -ENOMEM : 1;
		}
		if (end == 0 && !c->eof)
			return 0;
		if (end == 0) {
			/* End of input ends the set, as for wireguard-go's line
			 * scanner, which also takes a last line without its '\n'. */
			ret = c->in[c->in_len - 1] == '\n' || c->in_cap > c->in_len
				      ? 0
				      : grow_in(s, c, c->in_len + 1);
			if (ret) {
				c->closing = true;
				return respond_errno(s, c, -ENOMEM) ? -ENOMEM : 1;
			}
			if (c->in[c->in_len - 1] != '\n')
				c->in[c->in_len++] = '\n';
			ret = do_set(s, c, c->in_len - OP_LEN);
			consume(s, c, c->in_len);
			return ret ? ret : 1;
		}
		ret = do_set(s, c, (size_t)end - OP_LEN);
		consume(s, c, (size_t)end + 1);
		return ret ? ret : 1;
	}
	/* Unknown operation: wireguard-go hangs up without an answer. */
	c->closing = true;
	return 1;
}

/* Send the pending answer. Returns 0 when sent, -EAGAIN, or another -errno. */
static int flush(struct wgx_uapi_server *s, struct wgx_uapi_client *c)
{
	while (c->out_off < c->out->len) {
		ssize_t n = send(c->fd, c->out->buf + c->out_off, c->out->len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
		}
		c->out_off += (size_t)n;
	}
	answer_put(s, c->out);
	c->out = NULL;
	c->out_off = 0;
	return 0;
}

/*
 * Make room toward need bytes: doubling, but never past what one request may
 * hold (max_request + 1, the byte that tells it is too long), nor past what
 * the shared pool has left. Returns 0 with at least one more byte of room
 * (maybe less than need), -EAGAIN when the pool has none, or -ENOMEM.
 */
static int grow_in(struct wgx_uapi_server *s, struct wgx_uapi_client *c, size_t need)
{
	size_t cap = c->in_cap ? c->in_cap : 4096, limit = s->max_request + 1, afford;
	char *n;

	while (cap < need)
		cap *= 2;
	if (cap > limit)
		cap = need > limit ? need : limit;
	afford = WGX_UAPI_SMALL_REQUEST + pool_charge(c->in_cap) +
		 (s->max_buffered > s->buffered ? s->max_buffered - s->buffered : 0);
	if (cap > afford)
		cap = afford;
	if (cap <= c->in_len || cap <= c->in_cap)
		return -EAGAIN;
	/* Not realloc: the old buffer may hold keys and must be wiped. */
	n = malloc(cap);
	if (!n)
		return -ENOMEM;
	if (c->in) {
		memcpy(n, c->in, c->in_len);
		sodium_memzero(c->in, c->in_cap);
		free(c->in);
	}
	s->buffered += pool_charge(cap) - pool_charge(c->in_cap);
	c->in = n;
	c->in_cap = cap;
	return 0;
}

/* Read up to the budget, never past max_request + 1 buffered bytes; with
 * the pool full, read into what room is left, then pause the client. */
static int read_some(struct wgx_uapi_server *s, struct wgx_uapi_client *c)
{
	size_t budget = READ_BUDGET;

	while (budget && !c->eof && !c->paused && c->in_len <= s->max_request) {
		size_t want = s->max_request + 1 - c->in_len;
		ssize_t n;
		int ret;

		if (want > budget)
			want = budget;
		if (c->in_cap - c->in_len < want) {
			ret = grow_in(s, c, c->in_len + want);
			if (ret == -EAGAIN && c->in_cap == c->in_len) {
				c->paused = true;
				s->paused++;
				return 0;
			}
			if (ret && ret != -EAGAIN)
				return ret;
			if (want > c->in_cap - c->in_len)
				want = c->in_cap - c->in_len;
		}
		n = recv(c->fd, c->in + c->in_len, want, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		}
		if (n == 0)
			c->eof = true;
		c->in_len += (size_t)n;
		budget -= (size_t)n;
	}
	return 0;
}

/* Answer buffered requests one at a time while answers go out at once. */
static void client_run(struct wgx_uapi_server *s, struct wgx_uapi_client *c)
{
	int ret;

	for (;;) {
		if (c->out) {
			ret = flush(s, c);
			if (ret == -EAGAIN) {
				set_interest(s, c, EPOLLOUT);
				return;
			}
			if (ret)
				break;
		}
		if (c->closing)
			break;
		if (s->applying) {
			if (!c->held)
				s->n_held++;
			c->held = true;
			set_interest(s, c, 0);
			return;
		}
		ret = process_one(s, c);
		if (ret < 0)
			break;
		if (ret == 0) {
			if (c->eof)
				break;
			set_interest(s, c, c->paused ? 0 : EPOLLIN);
			return;
		}
	}
	client_close(s, c);
}

static void client_event(struct wgx_uapi_server *s, struct wgx_uapi_client *c, uint32_t ev)
{
	if (c->dead)
		return;
	/* Hung up while paused: nobody is left to read an answer. */
	if ((ev & EPOLLERR) || (c->paused && (ev & EPOLLHUP))) {
		client_close(s, c);
		return;
	}
	if ((ev & (EPOLLIN | EPOLLHUP)) && !c->out && read_some(s, c)) {
		client_close(s, c);
		return;
	}
	client_run(s, c);
}

/*
 * Accept what the listener has, up to max_clients. At the limit, or out of
 * fds, the listener is disarmed and the rest wait in the backlog until a
 * connection closes (client_close re-arms it): no connection is dropped.
 */
static void accept_clients(struct wgx_uapi_server *s)
{
	for (int i = 0; i < ACCEPTS_PER_CALL; i++) {
		struct epoll_event e = { .events = EPOLLIN };
		struct wgx_uapi_client *c, *last;
		int fd;

		if (s->n_clients >= s->max_clients) {
			listener_arm(s, false);
			return;
		}
		fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				pr_warn("uapi: out of file descriptors at %u connections", s->n_clients);
				/* With none open, nothing would re-arm it: keep trying. */
				if (s->n_clients)
					listener_arm(s, false);
			} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				pr_warn("uapi: accept: %s", strerror(errno));
			}
			return;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			return;
		}
		c->fd = fd;
		c->interest = EPOLLIN;
		e.data.ptr = c;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &e)) {
			close(fd);
			free(c);
			return;
		}
		for (last = s->clients; last && last->next; last = last->next)
			;
		c->prev = last;
		if (last)
			last->next = c;
		else
			s->clients = c;
		s->n_clients++;
	}
}

/* The socket file was deleted, renamed over or had its attributes changed. */
static void check_socket_file(struct wgx_uapi_server *s)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct stat st;

	while (read(s->inotify_fd, buf, sizeof(buf)) > 0)
		;
	if (lstat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
		return;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->inotify_fd, NULL);
	if (s->ops->removed)
		s->ops->removed(s->ctx);
}

/* Drop the set, wiping it; a big one leaves megabytes of freed parse
 * structures in the heap: hand them back instead of keeping them as RSS. */
static void apply_end(struct wgx_uapi_server *s)
{
	wgx_uapi_set_free(s->applying);
	free(s->applying);
	s->applying = NULL;
	if (s->apply_len >= BIG_SET)
		malloc_trim(0);
}

/* Held clients go on, oldest first, until one starts a set. */
static void resume_held(struct wgx_uapi_server *s)
{
	struct wgx_uapi_client *c, *next;

	for (c = s->clients; c && s->n_held && !s->applying; c = next) {
		next = c->next;
		if (c->held) {
			c->held = false;
			s->n_held--;
			client_run(s, c);
		}
	}
}

/* One slice of the set being applied; once it is all applied, its answer
 * (its client is held: it goes on with the others). */
static void apply_slice(struct wgx_uapi_server *s)
{
	struct wgx_uapi_client *c = s->apply_client;
	int ret = s->ops->set(s->ctx, s->applying, &s->apply_next);

	if (ret == -EINPROGRESS)
		return;
	apply_end(s);
	s->apply_client = NULL;
	if (c && respond_errno(s, c, ret))
		client_close(s, c);
}

void wgx_uapi_server_handle(struct wgx_uapi_server *s)
{
	struct epoll_event ev[EVENTS_PER_CALL];
	int n = epoll_wait(s->epfd, ev, EVENTS_PER_CALL, 0);

	if (s->applying)
		apply_slice(s);
	if (!s->applying)
		resume_held(s);
	for (int i = 0; i < n; i++) {
		if (ev[i].data.ptr == &listener_tag)
			accept_clients(s);
		else if (ev[i].data.ptr == &inotify_tag)
			check_socket_file(s);
		else if (ev[i].data.ptr != &work_tag)
			client_event(s, ev[i].data.ptr, ev[i].events);
	}
	work_pending(s, s->applying || s->n_held);
	answer_put(s, s->shared_get);
	s->shared_get = NULL;
	reap_dead(s);
}

int wgx_uapi_server_fd(const struct wgx_uapi_server *s)
{
	return s->epfd;
}

void wgx_uapi_server_close(struct wgx_uapi_server *s)
{
	struct stat st;

	s->accepting = true; /* nothing to re-arm any more */
	if (s->applying)
		apply_end(s);
	while (s->clients)
		client_close(s, s->clients);
	reap_dead(s);
	if (s->listen_fd >= 0) {
		if (!s->keep_path && lstat(s->path, &st) == 0 && st.st_dev == s->dev &&
		    st.st_ino == s->ino)
			unlink(s->path);
		close(s->listen_fd);
	}
	if (s->inotify_fd >= 0)
		close(s->inotify_fd);
	if (s->work_fd >= 0)
		close(s->work_fd);
	if (s->epfd >= 0)
		close(s->epfd);
	s->listen_fd = s->inotify_fd = s->work_fd = s->epfd = -1;
}

/* mkdir -p with mode 0755 for each missing component. */
static int make_dirs(const char *dir)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, len + 1);
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char saved = *p;

		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
		*p = saved;
		if (!saved)
			return 0;
	}
}

/* Is something accepting connections on path? */
static bool socket_is_live(const struct sockaddr_un *addr)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	bool live;

	if (fd < 0)
		return true; /* cannot tell: do not delete it */
	live = connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0 ||
	       (errno != ECONNREFUSED && errno != ENOENT);
	close(fd);
	return live;
}

int wgx_uapi_sock_probe(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	return socket_is_live(&addr) ? 1 : 0;
}

int wgx_uapi_sock_unlink_stale(const char *path)
{
	int ret = wgx_uapi_sock_probe(path);

	if (ret == 1)
		return -EADDRINUSE;
	if (ret)
		return ret;
	return unlink(path) && errno != ENOENT ? -errno : 0;
}

static int bind_socket(int fd, const struct sockaddr_un *addr)
{
	/* umask, not chmod after bind: no moment where the socket is wider than 0600. */
	mode_t old = umask(0177);
	int ret = bind(fd, (const struct sockaddr *)addr, sizeof(*addr));

	umask(old);
	return ret ? -errno : 0;
}

static int listen_on(struct wgx_uapi_server *s)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	int ret;

	memcpy(addr.sun_path, s->path, strlen(s->path) + 1);
	s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0)
		return -errno;
	ret = bind_socket(s->listen_fd, &addr);
	if (ret == -EADDRINUSE) {
		if (lstat(s->path, &st) == 0 && !S_ISSOCK(st.st_mode))
			return -EEXIST;
		if (socket_is_live(&addr))
			return -EADDRINUSE;
		pr_info("uapi: removing stale socket %s", s->path);
		if (unlink(s->path) && errno != ENOENT)
			return -errno;
		ret = bind_socket(s->listen_fd, &addr);
	}
	if (ret)
		return ret;
	if (listen(s->listen_fd, SOMAXCONN) || stat(s->path, &st))
		return -errno;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return 0;
}

static int watch(struct wgx_uapi_server *s, int fd, void *tag)
{
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &e) ? -errno : 0;
}

void wgx_uapi_server_release(struct wgx_uapi_server *s)
{
	s->keep_path = true;
	wgx_uapi_server_close(s);
}

/* A handed-over listener: listen() again, so that peers see our credentials. */
static int listen_adopted(struct wgx_uapi_server *s, int fd)
{
	struct stat st;

	s->listen_fd = fd;
	if (listen(fd, SOMAXCONN) || stat(s->path, &st))
		return -errno;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return 0;
}

/* open_at, or adopt_at with @adopt_fd >= 0. */
static int server_start(struct wgx_uapi_server *s, const char *dir, const char *ifname,
			int adopt_fd, const struct wgx_uapi_ops *ops, void *ctx)
{
	size_t name_len = strlen(ifname);
	int ret;

	memset(s, 0, sizeof(*s));
	s->epfd = s->listen_fd = s->inotify_fd = s->work_fd = -1;
	s->ops = ops;
	s->ctx = ctx;
	s->max_request = WGX_UAPI_MAX_REQUEST;
	s->max_buffered = WGX_UAPI_MAX_BUFFERED;
	s->max_clients = WGX_UAPI_MAX_CLIENTS;
	s->max_answers = WGX_UAPI_MAX_ANSWERS;
	if (name_len == 0 || name_len >= IFNAMSIZ || strchr(ifname, '/') ||
	    !strcmp(ifname, ".") || !strcmp(ifname, ".."))
		goto inval;
	if ((size_t)snprintf(s->path, sizeof(s->path), "%s/%s.sock", dir, ifname) >=
	    sizeof(s->path)) {
		if (adopt_fd >= 0)
			close(adopt_fd);
		return -ENAMETOOLONG;
	}
	if (adopt_fd >= 0) {
		/* Until it all worked, the file is still the previous daemon's. */
		s->keep_path = true;
		s->epfd = epoll_create1(EPOLL_CLOEXEC);
		ret = s->epfd < 0 ? -errno : listen_adopted(s, adopt_fd);
		if (ret) {
			if (s->listen_fd < 0)
				close(adopt_fd);
			goto err;
		}
		goto listening;
	}
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0) {
		ret = -errno;
		goto err;
	}
	/* Again if the directory went between its mkdir and our bind (ENOENT:
	 * seen once in CI, with other daemons of the same directory exiting). */
	for (int tries = 0; tries < 3; tries++) {
		ret = make_dirs(dir);
		if (ret)
			goto err;
		ret = listen_on(s);
		if (ret != -ENOENT)
			break;
		close(s->listen_fd);
		s->listen_fd = -1;
	}
	if (ret) {
		/* Not ours: close() must not unlink it. */
		close(s->listen_fd);
		s->listen_fd = -1;
		goto err;
	}
listening:
	ret = watch(s, s->listen_fd, &listener_tag);
	if (ret)
		goto err;
	s->accepting = true;
	s->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (s->inotify_fd < 0 ||
	    inotify_add_watch(s->inotify_fd, s->path, IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF) < 0) {
		ret = -errno;
		goto err;
	}
	ret = watch(s, s->inotify_fd, &inotify_tag);
	if (ret)
		goto err;
	s->work_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->work_fd < 0) {
		ret = -errno;
		goto err;
	}
	ret = watch(s, s->work_fd, &work_tag);
	if (ret)
		goto err;
	s->keep_path = false;
	return 0;
err:
	wgx_uapi_server_close(s);
	return ret;
inval:
	if (adopt_fd >= 0)
		close(adopt_fd);
	return -EINVAL;
}

int wgx_uapi_server_open_at(struct wgx_uapi_server *s, const char *dir, const char *ifname,
			    const struct wgx_uapi_ops *ops, void *ctx)
{
	return server_start(s, dir, ifname, -1, ops, ctx);
}

int wgx_uapi_server_adopt_at(struct wgx_uapi_server *s, const char *dir, const char *ifname,
			     int listen_fd, const struct wgx_uapi_ops *ops, void *ctx)
{
	return server_start(s, dir, ifname, listen_fd, ops, ctx);
}
