// SPDX-License-Identifier: MIT
/* List/watch/patch of Node objects over libcurl, in the agent's API thread (agent_kube.h). */
#include "cli/agent_kube.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "cli/agent_state.h"
#include "cli/agent_tls_mem.h"
#include "cli/agent_watch.h"
#include "cli/uapi_client.h"
#include "core/crypto.h"
#include "core/keys.h"
#include "lib/log.h"

#define CONNECT_TIMEOUT_S 10L
#define REQUEST_TIMEOUT_S 60L	/* list and patch */
#define LIST_PAGE 500
#define LIST_MAX (512u << 20)	/* bytes of one list page */
#define BACKOFF_MIN_S 0.5
#define BACKOFF_MAX_S 30.0
#define RENDER_GAP_S 0.1	/* a burst of events: one render per gap, not per read */

struct wgx_kube {
	struct wgx_kube_opts o;
	pthread_t thread;
	atomic_bool stop;
	int efd;

	pthread_mutex_t lock;	/* guards text and rep */
	char *text;
	struct wgx_kube_report rep;

	/* The thread's own. */
	struct wgx_kube_nodes nodes;
	struct wgx_watch_lines lines;
	bool changed, gone;
	size_t last_skipped;
	double last_render;
	double backoff;
	char watch_error[160];
};

/* ---- shared state ---- */

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void notify(struct wgx_kube *k)
{
	uint64_t one = 1;

	if (write(k->efd, &one, sizeof(one)) < 0)
		pr_debug("agent: eventfd: %s", strerror(errno));
}

/* A failed request (reached: the server answered, with an error). */
static void report_error(struct wgx_kube *k, bool reached, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void report_error(struct wgx_kube *k, bool reached, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&k->lock);
	va_start(ap, fmt);
	vsnprintf(k->rep.error, sizeof(k->rep.error), fmt, ap);
	va_end(ap);
	k->rep.errors++;
	k->rep.connected = reached;
	pr_warn("agent: %s: API: %s", k->o.interface, k->rep.error);
	pthread_mutex_unlock(&k->lock);
	notify(k); /* the status shows it */
}

/* Render the cache as the new snapshot and wake the agent's loop. */
static int publish_peers(struct wgx_kube *k)
{
	struct wgx_kube_render r;
	int ret = wgx_kube_nodes_render(&k->nodes, k->o.node, &r);

	if (ret)
		return ret;
	if (r.skipped != k->last_skipped && r.skipped)
		pr_warn("agent: %s: %zu node(s) skipped, e.g. %s: %s", k->o.interface, r.skipped,
			r.skips[0].node, r.skips[0].reason);
	k->last_skipped = r.skipped;
	pthread_mutex_lock(&k->lock);
	free(k->text);
	k->text = r.text;
	k->rep.synced = true;
	k->rep.nodes = r.nodes;
	k->rep.peers = r.peers;
	k->rep.skipped = r.skipped;
	k->rep.unannotated = r.unannotated;
	memcpy(k->rep.skips, r.skips, sizeof(r.skips));
	pthread_mutex_unlock(&k->lock);
	notify(k);
	k->changed = false;
	k->last_render = now_mono();
	return 0;
}

/* ---- HTTP ---- */

struct body {
	char *buf;
	size_t len, cap;
};

static size_t body_sink(char *data, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;

	if (b->len + n > LIST_MAX)
		return 0;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		char *g;

		while (cap < b->len + n + 1)
			cap *= 2;
		g = realloc(b->buf, cap);
		if (!g)
			return 0;
		b->buf = g;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return n;
}

/* libcurl's progress callback (at least once a second): stop, or the tail of a burst. */
static int on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	struct wgx_kube *k = arg;

	(void)a, (void)b, (void)c, (void)d;
	if (k->changed && now_mono() - k->last_render >= RENDER_GAP_S && publish_peers(k))
		return 1;
	return atomic_load(&k->stop) ? 1 : 0;
}

static void set_blob(CURL *c, CURLoption opt, const struct wgx_kube_pem *p)
{
	struct curl_blob blob = { .data = p->data, .len = p->len, .flags = CURL_BLOB_NOCOPY };

	curl_easy_setopt(c, opt, &blob);
}

/* Wipe the header strings (the bearer token) before freeing them. */
static void headers_free(struct curl_slist *h)
{
	for (struct curl_slist *i = h; i; i = i->next)
		sodium_memzero(i->data, strlen(i->data));
	curl_slist_free_all(h);
}

/*
 * One request: method on server+path, body (JSON) or NULL, the answer into
 * sink. *status = the HTTP status. 0, or -EIO with k->watch_error set (the
 * transfer failed; a sink that stopped it gives its own reason).
 */
static int request(struct wgx_kube *k, const char *method, const char *path,
		   const char *content_type, const char *body, long timeout_s,
		   curl_write_callback sink, void *sink_arg, long *status)
{
	const struct wgx_kubeconfig *kc = &k->o.kc;
	struct curl_slist *h = NULL;
	char *url = NULL, *token = NULL, *auth = NULL;
	CURL *c = curl_easy_init();
	CURLcode rc;
	int ret;

	*status = 0;
	if (!c || asprintf(&url, "%s%s", kc->server, path) < 0) {
		curl_easy_cleanup(c);
		return -ENOMEM;
	}
	ret = wgx_kubeconfig_token(kc, &token);
	if (ret) {
		snprintf(k->watch_error, sizeof(k->watch_error), "token file %s: %s", kc->token_file,
			 strerror(-ret));
		goto out;
	}
	h = curl_slist_append(h, "Accept: application/json");
	if (content_type) {
		char ct[96];

		snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
		h = curl_slist_append(h, ct);
	}
	if (token && asprintf(&auth, "Authorization: Bearer %s", token) >= 0) {
		h = curl_slist_append(h, auth);
		wgx_kubeconfig_secret_free(auth);
	}
	wgx_kubeconfig_secret_free(token);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, k);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, sink_arg);
	if (kc->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (kc->ca.data)
		set_blob(c, CURLOPT_CAINFO_BLOB, &kc->ca);
	else if (kc->ca.file)
		curl_easy_setopt(c, CURLOPT_CAINFO, kc->ca.file);
	if (kc->cert.data)
		set_blob(c, CURLOPT_SSLCERT_BLOB, &kc->cert);
	else if (kc->cert.file)
		curl_easy_setopt(c, CURLOPT_SSLCERT, kc->cert.file);
	if (kc->key.data)
		set_blob(c, CURLOPT_SSLKEY_BLOB, &kc->key);
	else if (kc->key.file)
		curl_easy_setopt(c, CURLOPT_SSLKEY, kc->key.file);
	k->watch_error[0] = '\0';
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (rc != CURLE_OK) {
		if (!k->watch_error[0])
			snprintf(k->watch_error, sizeof(k->watch_error), "%s %s: %s", method, path,
				 curl_easy_strerror(rc));
		ret = -EIO;
	}
out:
	headers_free(h);
	curl_easy_cleanup(c);
	free(url);
	return ret;
}

/* The "message" of a Status answer, for logs. */
static const char *status_message(json_object *o)
{
	json_object *m;

	return json_object_object_get_ex(o, "message", &m) ? json_object_get_string(m) : "";
}

static void set_rv(struct wgx_kube *k, json_object *obj)
{
	json_object *meta, *rv;

	if (json_object_object_get_ex(obj, "metadata", &meta) &&
	    json_object_object_get_ex(meta, "resourceVersion", &rv) && json_object_get_string(rv))
		snprintf(k->nodes.resource_version, sizeof(k->nodes.resource_version), "%s",
			 json_object_get_string(rv));
}

/* Upsert obj into ns; log a node whose validity changed. */
static int put_node(struct wgx_kube *k, struct wgx_kube_nodes *ns, json_object *obj,
		    const struct wgx_kube_nodes *old)
{
	struct wgx_kube_node n;
	const struct wgx_kube_node *was;
	int ret = wgx_kube_node_parse(obj, &n);

	if (ret)
		return ret == -EINVAL ? 0 : ret;
	was = wgx_kube_nodes_get(old, n.name);
	if (!n.key[0] && (!was || was->key[0]) && strcmp(n.name, k->o.node))
		pr_info("agent: %s: node %s has no %s (yet): not a peer", k->o.interface, n.name,
			WGX_KUBE_ANN_KEY);
	else if (n.invalid && (!was || was->invalid != n.invalid))
		pr_warn("agent: %s: node %s skipped: %s", k->o.interface, n.name, n.invalid);
	else if (!n.invalid && was && was->invalid && n.key[0])
		pr_info("agent: %s: node %s valid again", k->o.interface, n.name);
	ret = wgx_kube_nodes_put(ns, &n);
	wgx_kube_node_free(&n);
	return ret;
}

/* ---- list ---- */

static int list_nodes(struct wgx_kube *k)
{
	struct wgx_kube_nodes fresh = { 0 };
	char cont[4096] = "";
	int ret;

	do {
		struct body b = { 0 };
		char path[4200];
		json_object *o, *items, *meta, *v;
		long status;

		if (cont[0]) {
			char *esc = curl_easy_escape(NULL, cont, 0);

			snprintf(path, sizeof(path), "/api/v1/nodes?limit=%d&continue=%s", LIST_PAGE,
				 esc ? esc : "");
			curl_free(esc);
		} else {
			snprintf(path, sizeof(path), "/api/v1/nodes?limit=%d", LIST_PAGE);
		}
		ret = request(k, "GET", path, NULL, NULL, REQUEST_TIMEOUT_S, body_sink, &b, &status);
		if (ret || status != 200) {
			if (!ret)
				report_error(k, true, "list nodes: HTTP %ld: %.160s", status, b.buf ? b.buf : "");
			else
				report_error(k, false, "list nodes: %s", k->watch_error);
			free(b.buf);
			wgx_kube_nodes_free(&fresh);
			return -EIO;
		}
		o = json_tokener_parse(b.buf ? b.buf : "");
		free(b.buf);
		if (!json_object_object_get_ex(o, "items", &items) ||
		    !json_object_is_type(items, json_type_array)) {
			json_object_put(o);
			wgx_kube_nodes_free(&fresh);
			report_error(k, true, "list nodes: not a NodeList");
			return -EPROTO;
		}
		for (size_t i = 0; !ret && i < json_object_array_length(items); i++)
			ret = put_node(k, &fresh, json_object_array_get_idx(items, i), &k->nodes);
		set_rv(k, o);
		snprintf(fresh.resource_version, sizeof(fresh.resource_version), "%s",
			 k->nodes.resource_version);
		cont[0] = '\0';
		if (json_object_object_get_ex(o, "metadata", &meta) &&
		    json_object_object_get_ex(meta, "continue", &v) && json_object_get_string(v))
			snprintf(cont, sizeof(cont), "%s", json_object_get_string(v));
		json_object_put(o);
	} while (!ret && cont[0]);
	if (ret) {
		wgx_kube_nodes_free(&fresh);
		return ret;
	}
	wgx_kube_nodes_free(&k->nodes);
	k->nodes = fresh;
	pthread_mutex_lock(&k->lock);
	k->rep.lists++;
	k->rep.connected = true;
	k->rep.error[0] = '\0';
	pthread_mutex_unlock(&k->lock);
	pr_info("agent: %s: API: listed %zu nodes at resourceVersion %s", k->o.interface,
		k->nodes.n, k->nodes.resource_version);
	return publish_peers(k);
}

/* ---- watch ---- */

static int on_event(char *line, size_t len, void *arg)
{
	struct wgx_kube *k = arg;
	json_object *ev = json_tokener_parse(line), *type, *obj;
	const char *t;
	int ret = 0;

	(void)len;
	if (!json_object_object_get_ex(ev, "type", &type) ||
	    !json_object_object_get_ex(ev, "object", &obj)) {
		json_object *code = NULL;

		/* A refused watch (HTTP 4xx/5xx) answers one Status object instead of events. */
		if (json_object_object_get_ex(ev, "code", &code))
			k->gone = json_object_get_int(code) == 410;
		snprintf(k->watch_error, sizeof(k->watch_error), "watch: %s%.120s",
			 code ? "refused: " : "a line that is not an event", code ? status_message(ev) : "");
		json_object_put(ev);
		return -EPROTO;
	}
	t = json_object_get_string(type);
	if (!strcmp(t, "ADDED") || !strcmp(t, "MODIFIED")) {
		ret = put_node(k, &k->nodes, obj, &k->nodes);
		k->changed = true;
	} else if (!strcmp(t, "DELETED")) {
		json_object *meta, *name;

		if (json_object_object_get_ex(obj, "metadata", &meta) &&
		    json_object_object_get_ex(meta, "name", &name))
			wgx_kube_nodes_del(&k->nodes, json_object_get_string(name));
		k->changed = true;
	} else if (!strcmp(t, "ERROR")) {
		json_object *code;

		k->gone = json_object_object_get_ex(obj, "code", &code) && json_object_get_int(code) == 410;
		snprintf(k->watch_error, sizeof(k->watch_error), "watch: ERROR event: %.120s",
			 status_message(obj));
		ret = -EPIPE;
	} /* BOOKMARK: only the resourceVersion */
	if (!ret)
		set_rv(k, obj);
	json_object_put(ev);
	return ret;
}

static size_t watch_sink(char *data, size_t size, size_t nmemb, void *arg)
{
	struct wgx_kube *k = arg;
	size_t n = size * nmemb;
	int ret = wgx_watch_feed(&k->lines, data, n, on_event, k);

	/* Events come in bursts: render at most every RENDER_GAP_S (on_progress the rest). */
	if (k->changed && now_mono() - k->last_render >= RENDER_GAP_S && publish_peers(k))
		ret = -ENOMEM;
	return ret ? 0 : n;
}

/* Watch from the cache's resourceVersion until the server ends it (resync) or it fails. */
static int watch_nodes(struct wgx_kube *k)
{
	char path[256];
	long status, secs = (long)k->o.resync;
	int ret;

	if (secs < 1)
		secs = 1;
	snprintf(path, sizeof(path),
		 "/api/v1/nodes?watch=1&allowWatchBookmarks=true&resourceVersion=%s&timeoutSeconds=%ld",
		 k->nodes.resource_version, secs);
	k->gone = false;
	wgx_watch_reset(&k->lines);
	ret = request(k, "GET", path, NULL, NULL, secs + 30, watch_sink, k, &status);
	if (status == 410)
		k->gone = true;
	if (k->gone)
		return -ESTALE;
	if (!ret && status == 200)
		return 0;
	if (!ret)
		report_error(k, true, "watch nodes: HTTP %ld", status);
	else if (!atomic_load(&k->stop))
		report_error(k, false, "%s", k->watch_error);
	return -EIO;
}

/* ---- our own Node's annotations ---- */

/* The endpoint to publish: --endpoint (its port or the device's), else the InternalIP;
 * empty when neither names one (an InternalIP that is no address: not published). */
static void own_endpoint(const struct wgx_kube *k, const struct wgx_kube_node *self,
			 unsigned int port, char *out, size_t size)
{
	wgx_kube_endpoint_of(k->o.endpoint ? k->o.endpoint : self->internal_ip, port, out, size);
}

static void publish_self(struct wgx_kube *k)
{
	const struct wgx_kube_node *self = wgx_kube_nodes_get(&k->nodes, k->o.node);
	struct wgx_uapi_set dev;
	uint8_t pub[WGX_KEY_LEN];
	char key[WGX_KEY_B64_LEN + 1], ep[80], path[512], *reply = NULL, *patch;
	struct body b = { 0 };
	long status;
	int ret;

	if (!self) {
		report_error(k, true, "node %s: no such Node; not publishing our key", k->o.node);
		return;
	}
	ret = wgx_uapi_call(k->o.interface, "get=1\n\n", &reply);
	if (ret)
		return; /* the daemon is down: the next resync tries again */
	ret = wgx_agent_running_parse(reply, &dev);
	sodium_memzero(reply, strlen(reply));
	free(reply);
	if (ret || !dev.has_private_key) {
		wgx_uapi_set_free(&dev);
		return;
	}
	wgx_x25519_public(pub, dev.private_key);
	wgx_key_to_base64(key, pub);
	own_endpoint(k, self, dev.listen_port, ep, sizeof(ep));
	wgx_uapi_set_free(&dev);
	patch = wgx_kube_node_patch(self, key, ep[0] ? ep : NULL);
	if (!patch) {
		pthread_mutex_lock(&k->lock);
		k->rep.published = true;
		pthread_mutex_unlock(&k->lock);
		return;
	}
	snprintf(path, sizeof(path), "/api/v1/nodes/%s", k->o.node);
	ret = request(k, "PATCH", path, "application/merge-patch+json", patch, REQUEST_TIMEOUT_S,
		      body_sink, &b, &status);
	free(patch);
	if (!ret && status == 200) {
		json_object *o = json_tokener_parse(b.buf ? b.buf : "");

		/* The answer is our Node as patched: the cache has it before the watch says so. */
		if (o)
			put_node(k, &k->nodes, o, &k->nodes);
		json_object_put(o);
		pr_info("agent: %s: API: published %s=%s %s=%s on node %s", k->o.interface,
			WGX_KUBE_ANN_KEY, key, WGX_KUBE_ANN_ENDPOINT, ep[0] ? ep : "(none)", k->o.node);
		pthread_mutex_lock(&k->lock);
		k->rep.published = true;
		pthread_mutex_unlock(&k->lock);
		notify(k);
	} else if (!ret) {
		report_error(k, true, "patch node %s: HTTP %ld: %.160s", k->o.node, status,
			     b.buf ? b.buf : "");
	} else {
		report_error(k, false, "patch node %s: %s", k->o.node, k->watch_error);
	}
	free(b.buf);
}

/* ---- the thread ---- */

static void nap(struct wgx_kube *k, double s)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	for (double t = 0; t < s && !atomic_load(&k->stop); t += 0.1)
		nanosleep(&ts, NULL);
}

/* Exponential from BACKOFF_MIN_S, capped, each wait drawn from [d/2, d]. */
static void back_off(struct wgx_kube *k)
{
	double d = k->backoff ? k->backoff * 2 : BACKOFF_MIN_S;

	k->backoff = d > BACKOFF_MAX_S ? BACKOFF_MAX_S : d;
	d = k->backoff * (0.5 + randombytes_uniform(1001) / 2000.0);
	pr_debug("agent: %s: API: retrying in %.1f s", k->o.interface, d);
	nap(k, d);
}

static void *run(void *arg)
{
	struct wgx_kube *k = arg;
	bool need_list = true;
	double t0;

	while (!atomic_load(&k->stop)) {
		int ret;

		if (need_list) {
			if (list_nodes(k)) {
				back_off(k);
				continue;
			}
			need_list = false;
		}
		publish_self(k);
		t0 = now_mono();
		ret = watch_nodes(k);
		if (k->changed)
			publish_peers(k); /* the tail of the last burst */
		if (ret == -ESTALE) {
			pr_info("agent: %s: API: resourceVersion %s is gone (410): relisting",
				k->o.interface, k->nodes.resource_version);
			pthread_mutex_lock(&k->lock);
			k->rep.relists++;
			pthread_mutex_unlock(&k->lock);
			need_list = true;
		} else if (ret || now_mono() - t0 < 1.0) {
			back_off(k); /* a failure, or a server that ends every watch at once */
		} else {
			k->backoff = 0;
			pthread_mutex_lock(&k->lock);
			k->rep.connected = true;
			k->rep.error[0] = '\0';
			pthread_mutex_unlock(&k->lock);
			notify(k);
		}
	}
	return NULL;
}

struct wgx_kube *wgx_kube_start(struct wgx_kube_opts *o)
{
	struct wgx_kube *k = calloc(1, sizeof(*k));
	int err;

	if (!k)
		return NULL;
	if (wgx_agent_tls_init()) {
		free(k);
		errno = EIO;
		return NULL;
	}
	k->o = *o;
	memset(&o->kc, 0, sizeof(o->kc));
	pthread_mutex_init(&k->lock, NULL);
	k->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (k->efd < 0)
		goto fail;
	err = pthread_create(&k->thread, NULL, run, k);
	if (err) {
		errno = err;
		goto fail;
	}
	return k;
fail:
	err = errno;
	if (k->efd >= 0)
		close(k->efd);
	wgx_kubeconfig_free(&k->o.kc);
	pthread_mutex_destroy(&k->lock);
	free(k);
	curl_global_cleanup();
	errno = err;
	return NULL;
}

int wgx_kube_fd(const struct wgx_kube *k)
{
	return k->efd;
}

int wgx_kube_snapshot(struct wgx_kube *k, char **text, struct wgx_kube_report *rep)
{
	uint64_t v;
	int ret = 0;

	if (read(k->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		pr_debug("agent: eventfd: %s", strerror(errno));
	pthread_mutex_lock(&k->lock);
	*rep = k->rep;
	*text = NULL;
	if (k->text && !(*text = strdup(k->text)))
		ret = -ENOMEM;
	pthread_mutex_unlock(&k->lock);
	return ret;
}

void wgx_kube_stop(struct wgx_kube *k)
{
	if (!k)
		return;
	atomic_store(&k->stop, true);
	pthread_join(k->thread, NULL);
	close(k->efd);
	free(k->text);
	wgx_kube_nodes_free(&k->nodes);
	wgx_watch_free(&k->lines);
	wgx_kubeconfig_free(&k->o.kc);
	pthread_mutex_destroy(&k->lock);
	free(k);
	curl_global_cleanup();
}
