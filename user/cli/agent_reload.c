// SPDX-License-Identifier: MIT
/* One reconcile of the agent: desired file + "get=1" -> diff -> one "set=1". */
#include "cli/agent_reload.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/agent_fmt.h"
#include "cli/uapi_client.h"
#include "core/keys.h"
#include "lib/log.h"

#define DESIRED_MAX (512u << 20) /* bytes of one desired file */

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The whole file, NUL-terminated, in *text (*len bytes): wipe it after use. */
static int read_file(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "re");
	struct stat st;
	size_t n;
	char *buf;
	int ret = 0;

	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) || st.st_size < 0 || (uint64_t)st.st_size > DESIRED_MAX) {
		fclose(f);
		return -EFBIG;
	}
	/* Unbuffered: no stdio copy of the keys left in a freed buffer. */
	setvbuf(f, NULL, _IONBF, 0);
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f))
		ret = -EIO;
	fclose(f);
	buf[n] = '\0';
	if (memchr(buf, '\0', n))
		ret = -EINVAL;
	if (ret) {
		sodium_memzero(buf, n);
		free(buf);
		return ret;
	}
	*text = buf;
	*len = n;
	return 0;
}

static const char *peer_label(char out[WGX_KEY_B64_LEN + WGX_AGENT_NAME_MAX + 4], const char *name,
			      const uint8_t key[WGX_KEY_LEN])
{
	char b64[WGX_KEY_B64_LEN + 1];

	wgx_key_to_base64(b64, key);
	if (name && *name)
		sprintf(out, "%s (%s)", name, b64);
	else
		strcpy(out, b64);
	return out;
}

/* One line per peer changed when there are few, a summary always. */
static void log_change(const struct wgx_agent_reloader *r, const struct wgx_agent_desired *d,
		       const struct wgx_uapi_set *change)
{
	char label[WGX_KEY_B64_LEN + WGX_AGENT_NAME_MAX + 4];

	if (change->n_peers > 20)
		return;
	for (size_t i = 0; i < change->n_peers; i++) {
		const struct wgx_uapi_peer_change *p = &change->peers[i];
		const struct wgx_uapi_peer_change *want = wgx_agent_set_find(&d->set, p->public_key);
		const char *name = want ? d->names[want - d->set.peers]
					: wgx_agent_endpoints_name(&r->applied, p->public_key);

		pr_info("agent: %s: %s peer %s%s%s%s%s", r->interface,
			p->remove ? "remove" : p->update_only ? "update" : "add",
			peer_label(label, name, p->public_key),
			p->replace_allowed_ips && p->update_only ? " allowed-ips" : "",
			p->has_endpoint && p->update_only ? " endpoint" : "",
			p->has_keepalive && p->update_only ? " keepalive" : "",
			p->has_psk && p->update_only ? " preshared-key" : "");
	}
}

static int fail(struct wgx_agent_reloader *r, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct wgx_agent_reloader *r, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->status.error, sizeof(r->status.error), fmt, ap);
	va_end(ap);
	r->status.success = false;
	r->status.failures++;
	pr_err("agent: %s: %s", r->interface, r->status.error);
	return ret;
}

/* Send the change; the daemon answers "errno=N". */
static int apply(struct wgx_agent_reloader *r, const struct wgx_uapi_set *change)
{
	char *req = NULL, *reply = NULL;
	size_t len;
	int ret = wgx_agent_format_set(change, &req, &len);

	if (ret)
		return fail(r, ret, "formatting the change: %s", strerror(-ret));
	ret = wgx_uapi_call(r->interface, req, &reply);
	wgx_uapi_buf_free(req, len);
	if (ret) {
		r->status.daemon_up = false;
		return fail(r, -EHOSTDOWN, "sending the change to the daemon: %s (will retry)",
			    strerror(-ret));
	}
	if (strcmp(reply, "errno=0\n\n")) {
		reply[strcspn(reply, "\n")] = '\0';
		ret = fail(r, -EIO, "the daemon refused the change: %s", reply);
	}
	free(reply);
	return ret;
}

/* The file's state (or an empty one), with the API's peers merged in. */
static int desired(struct wgx_agent_reloader *r, struct wgx_agent_desired *d)
{
	struct wgx_agent_desired api;
	char err[384] = "", *text = NULL;
	size_t len = 0, shadowed;
	int ret;

	if (r->path) {
		ret = read_file(r->path, &text, &len);
		if (ret) {
			wgx_agent_desired_parse("", d, err, sizeof(err));
			return fail(r, ret, "%s: %s; the running configuration is kept", r->path,
				    strerror(-ret));
		}
	}
	ret = wgx_agent_desired_parse(text ? text : "", d, err, sizeof(err));
	if (text)
		sodium_memzero(text, len);
	free(text);
	if (ret)
		return fail(r, ret, "%s rejected, the running configuration is kept: %s", r->path,
			    err[0] ? err : strerror(-ret));
	if (!r->api_peers)
		return 0;
	ret = wgx_agent_desired_parse(r->api_peers, &api, err, sizeof(err));
	if (!ret)
		ret = wgx_agent_desired_merge(d, &api, &shadowed, err, sizeof(err));
	wgx_agent_desired_free(&api);
	if (ret)
		return fail(r, ret, "peers from the API rejected%s, the running configuration is "
			    "kept: %s", r->path ? " (merged with the file)" : "",
			    err[0] ? err : strerror(-ret));
	if (shadowed && shadowed != r->shadowed)
		pr_warn("agent: %s: %zu node peer(s) ignored: %s names the same key", r->interface,
			shadowed, r->path);
	r->shadowed = shadowed;
	return 0;
}

static int reload(struct wgx_agent_reloader *r, double t_event)
{
	struct wgx_agent_desired d;
	struct wgx_uapi_set running, change;
	struct wgx_agent_counts counts;
	char *reply = NULL;
	int ret;

	ret = desired(r, &d);
	if (ret) {
		wgx_agent_desired_free(&d);
		return ret;
	}
	r->status.desired_peers = d.set.n_peers;
	ret = wgx_uapi_call(r->interface, "get=1\n\n", &reply);
	if (ret) {
		wgx_agent_desired_free(&d);
		r->status.daemon_up = false;
		return fail(r, -EHOSTDOWN, "daemon not answering on its UAPI socket: %s (will retry)",
			    strerror(-ret));
	}
	r->status.daemon_up = true;
	ret = wgx_agent_running_parse(reply, &running);
	sodium_memzero(reply, strlen(reply));
	free(reply);
	if (ret) {
		wgx_agent_desired_free(&d);
		wgx_uapi_set_free(&running);
		return fail(r, ret, "unreadable get=1 answer: %s", strerror(-ret));
	}
	ret = wgx_agent_diff(&d, &running, &r->applied, &change, &counts);
	wgx_uapi_set_free(&running);
	if (!ret && (change.n_peers || counts.device)) {
		log_change(r, &d, &change);
		ret = apply(r, &change);
		if (!ret)
			r->status.changes++;
	} else if (ret) {
		ret = fail(r, ret, "computing the difference: %s", strerror(-ret));
	}
	wgx_uapi_set_free(&change);
	if (!ret)
		ret = wgx_agent_endpoints_save(&r->applied, &d);
	wgx_agent_desired_free(&d);
	if (ret)
		return ret;
	r->status.success = true;
	r->status.error[0] = '\0';
	r->status.counts = counts;
	r->status.latency_ms = (now_mono() - t_event) * 1000.0;
	if (counts.added || counts.removed || counts.updated || counts.device)
		pr_info("agent: %s: applied %zu added, %zu removed, %zu updated%s; %zu peers desired; "
			"%.1f ms after the change", r->interface, counts.added, counts.removed,
			counts.updated, counts.device ? ", interface keys" : "",
			r->status.desired_peers, r->status.latency_ms);
	else
		pr_debug("agent: %s: in sync (%zu peers)", r->interface, r->status.desired_peers);
	return 0;
}

int wgx_agent_reload(struct wgx_agent_reloader *r, double t_event)
{
	double t0 = now_mono();
	int ret;

	r->status.interface = r->interface;
	r->status.reloads++;
	ret = reload(r, t_event);
	r->status.duration_ms = (now_mono() - t0) * 1000.0;
	r->status.last_reload = now_real();
	if (!ret)
		r->status.last_success = r->status.last_reload;
	return ret;
}
