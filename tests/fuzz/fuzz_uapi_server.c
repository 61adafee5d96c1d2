// SPDX-License-Identifier: MIT
/*
 * libFuzzer: the UAPI server's framing (control/uapi_server.c) through a real
 * socket. Byte 0 of the input picks how the rest is written: 0 = at once,
 * n = n-byte chunks with a server turn after each (chunks of at least a
 * 64th of the input, so that no input costs more than 64 turns: a 4 KiB
 * input in 1-byte chunks took as long as a thousand short ones); then the client shuts
 * its write side and reads until the server hangs up. The bytes received
 * must be exactly what a model of wireguard-go's IpcHandle loop predicts:
 * "get=1\n\n" -> the view, "get=1\n"+other -> errno=-22, "set=1\n" + lines up
 * to a blank line or end of input -> the parser's errno (requests over
 * max_request, lowered to 1 KiB here: errno=-90 and hang up), anything else
 * -> hang up without a word. Sets are applied one peer per server turn.
 * Also: the server never hangs, keeps no connection, answer or set
 * afterwards, and its pool is empty again.
 */
#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/uapi.h"
#include "control/uapi_server.h"
#include "fuzz.h"
#include "lib/log.h"

#define MAX_REQUEST 1024
#define MAX_CHUNKS 64

static struct wgx_uapi_server server;
static char sock_path[128], *get_answer;
static size_t get_answer_len;

static void fill_view(struct wgx_uapi_device_view *v)
{
	static struct wgx_uapi_peer_view peer;

	memset(&peer, 0, sizeof(peer));
	memset(peer.public_key, 0x42, sizeof(peer.public_key));
	v->listen_port = 51820;
	v->n_peers = 1;
	v->peers = &peer;
}

static int fake_get(void *ctx, struct wgx_uapi_device_view *v)
{
	(void)ctx;
	fill_view(v);
	return 0;
}

static void fake_put(void *ctx, struct wgx_uapi_device_view *v)
{
	(void)ctx;
	(void)v;
}

/* One peer per call, so the framing is fuzzed with sets applied in slices. */
static int fake_set(void *ctx, const struct wgx_uapi_set *s, size_t *next)
{
	(void)ctx;
	if (*next < s->n_peers && ++*next < s->n_peers)
		return -EINPROGRESS;
	return 0;
}

static const struct wgx_uapi_ops ops = { fake_get, fake_put, fake_set, NULL };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char dir[] = "/tmp/wgx-fuzz-uapi.XXXXXX";
	struct wgx_uapi_device_view v = { 0 };

	(void)argc;
	(void)argv;
	wgx_log_level = WGX_LOG_ERR;
	if (!mkdtemp(dir) || wgx_uapi_server_open_at(&server, dir, "fz0", &ops, NULL)) {
		fprintf(stderr, "fuzz_uapi_server: cannot open the server in %s\n", dir);
		exit(1);
	}
	snprintf(sock_path, sizeof(sock_path), "%s/fz0.sock", dir);
	server.max_request = MAX_REQUEST;
	fill_view(&v);
	if (wgx_uapi_format_get(&v, &get_answer, &get_answer_len))
		exit(1);
	return 0;
}

struct out {
	char buf[1 << 20];
	size_t len;
};

static void put(struct out *o, const char *p, size_t n)
{
	if (o->len + n <= sizeof(o->buf)) {
		memcpy(o->buf + o->len, p, n);
		o->len += n;
	}
}

static void put_errno(struct out *o, int err)
{
	char b[32];

	put(o, b, (size_t)snprintf(b, sizeof(b), "errno=%d\n\n", err));
}

/* The answers to a whole client stream, as wireguard-go gives them. */
static void model(const char *in, size_t len, struct out *o)
{
	size_t pos = 0;

	while (pos < len) {
		const char *p = in + pos, *nl = memchr(p, '\n', len - pos);

		if (!nl || nl - p != 5)
			return; /* not a known operation line: hang up */
		if (!memcmp(p, "get=1", 5)) {
			if (pos + 6 >= len)
				return; /* no byte after it: hang up */
			if (p[6] == '\n')
				put(o, get_answer, get_answer_len);
			else
				put_errno(o, -EINVAL);
			pos += 7;
			continue;
		}
		if (memcmp(p, "set=1", 5))
			return;
		/* The body: lines up to a blank one, or to the end of input. */
		size_t body = pos + 6, end = body, next;
		bool blank = false;

		while (end < len) {
			const char *e = memchr(in + end, '\n', len - end);

			if (!e) {
				end = len;
				break;
			}
			if (e == in + end) {
				blank = true;
				break;
			}
			end = (size_t)(e - in) + 1;
		}
		/* Found only within the max_request + 1 bytes buffered. */
		if ((blank ? end + 1 : len) - pos > MAX_REQUEST + 1 ||
		    (!blank && len - pos > MAX_REQUEST)) {
			put_errno(o, -EMSGSIZE);
			return;
		}
		struct wgx_uapi_set set;
		char *copy = malloc(end - body + 1);
		size_t blen = end - body;
		int ret;

		memcpy(copy, in + body, blen);
		if (!blank && blen && copy[blen - 1] != '\n')
			copy[blen++] = '\n';
		ret = wgx_uapi_parse_set(copy, blen, &set);
		wgx_uapi_set_free(&set);
		free(copy);
		put_errno(o, ret);
		if (!blank)
			return;
		next = end + 1;
		pos = next;
	}
}

static void turn(void)
{
	wgx_uapi_server_handle(&server);
}

static void drain(int fd, struct out *o, bool *closed)
{
	for (;;) {
		char b[4096];
		ssize_t r = recv(fd, b, sizeof(b), MSG_DONTWAIT);

		if (r == 0)
			*closed = true;
		if (r <= 0)
			return;
		put(o, b, (size_t)r);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct out got, want;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	const char *in = (const char *)data + 1;
	size_t len, sent = 0, chunk;
	bool closed = false;
	int fd, turns = 0;

	if (size < 1 || size > 1 + 4 * MAX_REQUEST)
		return -1;
	len = size - 1;
	chunk = data[0] ? data[0] : len;
	if (chunk < len / MAX_CHUNKS + 1)
		chunk = len / MAX_CHUNKS + 1;
	got.len = want.len = 0;
	model(in, len, &want);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memcpy(a.sun_path, sock_path, strlen(sock_path) + 1);
	fuzz_check(fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "connect: %s",
		   strerror(errno));
	while (sent < len && !closed) {
		size_t n = len - sent < chunk ? len - sent : chunk;
		ssize_t w = send(fd, in + sent, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w > 0)
			sent += (size_t)w;
		else if (w < 0 && errno != EAGAIN)
			break; /* the server hung up mid-stream (unknown op, EMSGSIZE) */
		turn();
		drain(fd, &got, &closed);
		fuzz_check(++turns < 100000, "no progress after %d turns", turns);
	}
	shutdown(fd, SHUT_WR);
	while (!closed) {
		turn();
		drain(fd, &got, &closed);
		fuzz_check(++turns < 100000, "server never hung up (%zu bytes answered)", got.len);
	}
	close(fd);
	for (int i = 0; i < 8 && server.n_clients; i++)
		turn();
	fuzz_check(server.n_clients == 0 && server.buffered == 0 && !server.applying &&
			   server.answer_bytes == 0 && server.n_held == 0,
		   "after hang-up: %u clients, %zu pool bytes, %zu answer bytes, %u held, set %s",
		   server.n_clients, server.buffered, server.answer_bytes, server.n_held,
		   server.applying ? "still applying" : "done");
	fuzz_check(got.len == want.len && !memcmp(got.buf, want.buf, got.len),
		   "answers differ: got %zu bytes \"%.*s\", model %zu \"%.*s\"", got.len,
		   (int)(got.len > 80 ? 80 : got.len), got.buf, want.len,
		   (int)(want.len > 80 ? 80 : want.len), want.buf);
	return 0;
}
