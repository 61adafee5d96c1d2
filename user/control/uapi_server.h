/* SPDX-License-Identifier: MIT */
/*
 * The UAPI socket: /var/run/wireguard/NAME.sock, served without blocking from
 * the daemon's event loop. All listening and client sockets sit in one
 * private epoll instance whose fd the daemon watches; one slow or silent
 * client never stalls the loop (non-blocking I/O, per-client buffers, a
 * per-call read budget). Framing as wireguard-go's IpcHandle: "get=1\n\n" or
 * "set=1\n" + lines + "\n" (or + end of input, as wireguard-go's scanner
 * takes it), any number of requests per connection, each answered in order;
 * an unknown operation closes the connection.
 *
 * Bounds, so that no number of clients exhausts the daemon: up to
 * WGX_UAPI_MAX_CLIENTS connections are served at once (more wait in the
 * listen backlog until one closes; none is ever dropped to make room); each
 * may buffer WGX_UAPI_SMALL_REQUEST bytes of request on its own, and bigger
 * requests share one pool of WGX_UAPI_MAX_BUFFERED bytes: a client that needs
 * more than is left is not read from until the pool has room. A client's
 * answer is one buffer, and its next request is not read before the answer
 * is sent; answers held for all clients are bounded by WGX_UAPI_MAX_ANSWERS.
 *
 * A set is parsed whole, then applied in slices across calls (ops->set):
 * a 100k-peer set never holds the loop, and so the data plane, for more than
 * a slice. Until it is applied no other request is answered (they wait,
 * buffered): every client sees the device before or after the whole set.
 * Every get answered in one call shares one answer, formatted once (as if
 * answered one after another in that instant): many gets of a big device
 * cost one snapshot per loop turn, and their memory once.
 */
#ifndef WGX_UAPI_SERVER_H
#define WGX_UAPI_SERVER_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/un.h>

#include "control/uapi.h"

/* Default bound on one buffered request: room for WGX_UAPI_MAX_ALLOWED_IPS. */
#define WGX_UAPI_MAX_REQUEST (64U << 20)
/* Connections served at once; more wait in the backlog (wireguard-go serves
 * as many as it has fds: so do we, up to this). */
#define WGX_UAPI_MAX_CLIENTS 4096
/* Request bytes any client may buffer without drawing on the shared pool. */
#define WGX_UAPI_SMALL_REQUEST (128U << 10)
/* The shared pool for requests above that: two maximal requests at once. */
#define WGX_UAPI_MAX_BUFFERED (2 * (size_t)WGX_UAPI_MAX_REQUEST)
/* Answer bytes held for clients (about ten gets of 100k peers); past it the
 * oldest clients still waiting to take their answer are dropped. */
#define WGX_UAPI_MAX_ANSWERS ((size_t)256 << 20)

/*
 * Supplied by the device, called from wgx_uapi_server_handle() on the
 * daemon's control thread:
 *   get      fill *view_out with a snapshot (zeroed on entry); 0 or -errno,
 *            which is then the answer's errno. put_view is called exactly once
 *            after every successful get, to release (and zero) the snapshot.
 *   set      apply a fully validated change set (order: see uapi.h), a
 *            slice at a time: first called with *next == 0, and again on
 *            later calls (the same set) while it returns -EINPROGRESS, each
 *            call doing some more of set->peers from *next and advancing
 *            it. Finally 0 or -errno (-EADDRINUSE for a port in use, as
 *            wireguard-go), which is the answer's errno.
 *   removed  optional: the socket file was deleted or replaced (wg-quick and
 *            wireguard-go treat that as "shut the interface down").
 */
struct wgx_uapi_ops {
	int (*get)(void *ctx, struct wgx_uapi_device_view *view_out);
	void (*put_view)(void *ctx, struct wgx_uapi_device_view *view);
	int (*set)(void *ctx, const struct wgx_uapi_set *set, size_t *next);
	void (*removed)(void *ctx);
};

struct wgx_uapi_client;
struct wgx_uapi_answer;

struct wgx_uapi_server {
	int epfd, listen_fd, inotify_fd;
	int work_fd; /* eventfd in epfd, readable while a set is being applied */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev; /* identity of our socket file, so close() unlinks only ours */
	ino_t ino;
	const struct wgx_uapi_ops *ops;
	void *ctx;
	struct wgx_uapi_client *clients; /* oldest first */
	unsigned int n_clients;
	unsigned int max_clients; /* WGX_UAPI_MAX_CLIENTS; tests may lower these after open */
	size_t max_request;	  /* WGX_UAPI_MAX_REQUEST */
	size_t max_buffered;	  /* WGX_UAPI_MAX_BUFFERED */
	size_t buffered;	  /* pool bytes in use: input capacity above SMALL_REQUEST */
	size_t max_answers;	  /* WGX_UAPI_MAX_ANSWERS */
	size_t answer_bytes;	  /* answers held for clients (a shared one once) */
	unsigned int paused;	  /* clients waiting for pool room */
	bool accepting;		  /* listener armed (not full, not out of fds) */
	struct wgx_uapi_client *dead;	/* closed during this handle() call */
	struct wgx_uapi_set *applying;	/* the set ops->set is part way through, or NULL */
	size_t apply_next, apply_len;	/* its *next, and its request's length */
	struct wgx_uapi_client *apply_client; /* who asked (NULL once it hung up) */
	unsigned int n_held;		/* clients waiting for the set to be applied */
	struct wgx_uapi_answer *shared_get; /* this handle() call's get answer, or NULL */
	bool work_on;			/* work_fd signalled */
	bool keep_path;			/* handed over: close() leaves the file */
};

/*
 * Create DIR/IFNAME.sock (DIR made with mode 0755 if missing, the socket
 * 0600) and start listening. A stale socket file nobody listens on is
 * replaced; a live one gives -EADDRINUSE; a non-socket file -EEXIST. ifname
 * must be 1..15 characters without '/'. Returns 0 or -errno. The daemon
 * passes wgx_env.uapi_dir (control/env.h), where `wg` looks by default.
 */
int wgx_uapi_server_open_at(struct wgx_uapi_server *s, const char *dir, const char *ifname,
			    const struct wgx_uapi_ops *ops, void *ctx);
/*
 * The same over @listen_fd, the listening socket of DIR/IFNAME.sock that a
 * previous daemon handed over (control/handover.h): clients waiting in its
 * backlog are served here. Takes ownership of @listen_fd. 0 or -errno.
 */
int wgx_uapi_server_adopt_at(struct wgx_uapi_server *s, const char *dir, const char *ifname,
			     int listen_fd, const struct wgx_uapi_ops *ops, void *ctx);
/* Close, leaving the socket file to the process it was handed over to. */
void wgx_uapi_server_release(struct wgx_uapi_server *s);

/*
 * Never remove a live socket that is not ours (wireguard-go: "unix socket in
 * use"). probe: 1 if something accepts connections on @path (another daemon,
 * maybe another implementation), 0 if there is no file or nobody listens
 * (stale), -EEXIST for a file that is not a socket, other -errno.
 * unlink_stale: remove @path only when the probe says stale; -EADDRINUSE for
 * a live one, 0 when gone.
 */
int wgx_uapi_sock_probe(const char *path);
int wgx_uapi_sock_unlink_stale(const char *path);

/* The fd to watch for EPOLLIN (level-triggered) in the daemon's loop. */
int wgx_uapi_server_fd(const struct wgx_uapi_server *s);

/*
 * Call when that fd is readable: accepts, reads, answers and writes whatever
 * is ready without blocking, applies one slice of a set, then returns. Work
 * left over (more data than one call's budget, a set not yet applied) keeps
 * the fd readable, so the loop calls again.
 */
void wgx_uapi_server_handle(struct wgx_uapi_server *s);

/* Close every connection, stop listening, unlink the socket if still ours. */
void wgx_uapi_server_close(struct wgx_uapi_server *s);

#endif
