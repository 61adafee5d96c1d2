// SPDX-License-Identifier: MIT
#include "control/ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/daemon.h"
#include "core/device.h"
#include "core/keys.h"
#include "core/peer.h"
#include "control/rtprio.h"
#include "plane/xdp/xdp_mode.h"

static void ctl_path(const char *name, struct sockaddr_un *sun)
{
	char pid[sizeof(sun->sun_path)];
	size_t len;

	/* Next to the pid file: NAME.pid -> NAME.ctl */
	wgx_pidfile_path(name, pid, sizeof(pid));
	len = strlen(pid);
	memcpy(pid + len - 3, "ctl", 3);
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof(sun->sun_path), "%s", pid);
}

int wgx_ctl_open(const char *name)
{
	struct sockaddr_un sun;
	int fd;

	ctl_path(name, &sun);
	unlink(sun.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || chmod(sun.sun_path, 0600) < 0 ||
	    listen(fd, 16) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

void wgx_ctl_close(int fd, const char *name)
{
	struct sockaddr_un sun;

	if (fd < 0)
		return;
	close(fd);
	ctl_path(name, &sun);
	unlink(sun.sun_path);
}

/* The plane's figures as the members of one JSON object. */
struct json_obj {
	FILE *f;
	const char *sep;
};

static void json_num(void *ctx, const char *key, uint64_t v)
{
	struct json_obj *o = ctx;

	fprintf(o->f, "%s\"%s\":%llu", o->sep, key, (unsigned long long)v);
	o->sep = ",";
}

static void json_str(void *ctx, const char *key, const char *v)
{
	struct json_obj *o = ctx;

	fprintf(o->f, "%s\"%s\":\"%s\"", o->sep, key, v);
	o->sep = ",";
}

static void json_flag(void *ctx, const char *key, bool v)
{
	struct json_obj *o = ctx;

	fprintf(o->f, "%s\"%s\":%s", o->sep, key, v ? "true" : "false");
	o->sep = ",";
}

static const struct wgx_stats_visitor json_visitor = {
	.num = json_num,
	.str = json_str,
	.flag = json_flag,
};

char *wgx_ctl_stats_json(const struct wgx_ctl *c)
{
	struct wgx_device *dev = c->dev;
	const struct wgx_plane_ops *ops = dev->plane_ops;
	char *out = NULL, key[WGX_KEY_B64_LEN + 1], ep[64];
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	uint64_t reasons[WGX_REASON_MAX];
	const char *sep = "";

	if (!f)
		return NULL;
	memcpy(reasons, dev->stats, sizeof(reasons));
	fprintf(f, "{\"name\":\"%s\",\"mode\":\"%s\",\"listen_port\":%u,\"mtu\":%u,\"peers\":%u,"
		   "\"realtime\":%s,\"realtime_demotions\":%llu,",
		dev->name, c->mode, dev->port, dev->mtu, dev->n_peers,
		c->rt->on ? "true" : "false", (unsigned long long)c->rt->demotions);
	/* The plane's own state (XDP mode: its BPF counters merged into the reasons). */
	if (ops && ops->stats) {
		struct json_obj o = { .f = f, .sep = "" };

		fprintf(f, "\"%s\":{", ops->name);
		ops->stats(dev->plane, &json_visitor, &o, reasons);
		fputs("},", f);
	}
	if (c->classifier) {
		struct json_obj o = { .f = f, .sep = "" };

		fputs("\"xdp\":{", f);
		wgx_xdp_plane_stats(c->classifier, &json_visitor, &o, reasons);
		fputs("},", f);
	}
	fputs("\"reasons\":{", f);
	for (unsigned int r = 0; r < WGX_REASON_MAX; r++) {
		if (!reasons[r] || !wgx_reason_name(r))
			continue;
		fprintf(f, "%s\"%s\":%llu", sep, wgx_reason_name(r), (unsigned long long)reasons[r]);
		sep = ",";
	}
	fputs("},\"peer_list\":[", f);
	sep = "";
	for (struct wgx_peer *p = dev->peers; p; p = p->next) {
		wgx_key_to_base64(key, p->public_key);
		fprintf(f, "%s{\"id\":%u,\"public_key\":\"%s\",\"endpoint\":\"%s\",\"rx_bytes\":%llu,"
			   "\"tx_bytes\":%llu,\"last_handshake_ns\":%llu,\"staged\":%u}",
			sep, p->id, key, wgx_sockaddr_str(&p->endpoint.addr, ep, sizeof(ep)),
			(unsigned long long)p->rx_bytes, (unsigned long long)p->tx_bytes,
			(unsigned long long)p->last_handshake_wall_ns, p->staged_len);
		sep = ",";
	}
	fputs("]}\n", f);
	if (fclose(f)) {
		free(out);
		return NULL;
	}
	return out;
}

void wgx_ctl_handle(const struct wgx_ctl *c)
{
	struct timeval tv = { .tv_usec = 200000 };
	int fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
	char *json;

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	json = wgx_ctl_stats_json(c);
	if (json) {
		size_t len = strlen(json), off = 0;

		while (off < len) {
			ssize_t w = write(fd, json + off, len - off);

			if (w <= 0)
				break;
			off += (size_t)w;
		}
		free(json);
	}
	close(fd);
}

char *wgx_ctl_fetch(const char *name)
{
	struct sockaddr_un sun;
	size_t cap = 4096, len = 0;
	char *buf = NULL, *grown;
	int fd;

	ctl_path(name, &sun);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		goto err;
	buf = malloc(cap);
	while (buf) {
		ssize_t r;

		if (len + 1 >= cap) {
			grown = realloc(buf, cap *= 2);
			if (!grown)
				goto err;
			buf = grown;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	if (!buf || !len)
		goto err;
	buf[len] = '\0';
	close(fd);
	return buf;
err:
	free(buf);
	close(fd);
	return NULL;
}
