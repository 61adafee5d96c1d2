// SPDX-License-Identifier: MIT
/* Kubeconfig (libyaml document API) and in-cluster credentials (agent_kubeconfig.h). */
#include "cli/agent_kubeconfig.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define KUBECONFIG_MAX (4u << 20)
#define TOKEN_MAX (64u << 10)

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void wgx_kubeconfig_secret_free(char *s)
{
	if (!s)
		return;
	sodium_memzero(s, strlen(s));
	free(s);
}

static void pem_free(struct wgx_kube_pem *p)
{
	free(p->file);
	if (p->data)
		sodium_memzero(p->data, p->len);
	free(p->data);
	memset(p, 0, sizeof(*p));
}

void wgx_kubeconfig_free(struct wgx_kubeconfig *kc)
{
	if (!kc)
		return;
	free(kc->server);
	pem_free(&kc->ca);
	pem_free(&kc->cert);
	pem_free(&kc->key);
	wgx_kubeconfig_secret_free(kc->token);
	free(kc->token_file);
	memset(kc, 0, sizeof(*kc));
}

/* ---- the YAML document ---- */

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The value of key in mapping m, or NULL. */
static yaml_node_t *get(yaml_document_t *doc, yaml_node_t *m, const char *key)
{
	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		const char *k = scalar(yaml_document_get_node(doc, p->key));

		if (k && !strcmp(k, key))
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

static const char *get_str(yaml_document_t *doc, yaml_node_t *m, const char *key)
{
	return scalar(get(doc, m, key));
}

/* In sequence list (of {name: X, field: {...}}), the mapping `field` of the entry named name. */
static yaml_node_t *named(yaml_document_t *doc, yaml_node_t *list, const char *name,
			  const char *field)
{
	if (!list || list->type != YAML_SEQUENCE_NODE)
		return NULL;
	for (yaml_node_item_t *i = list->data.sequence.items.start; i < list->data.sequence.items.top;
	     i++) {
		yaml_node_t *e = yaml_document_get_node(doc, *i);
		const char *n = get_str(doc, e, "name");

		if (n && !strcmp(n, name))
			return get(doc, e, field);
	}
	return NULL;
}

static char *path_in(const char *base_dir, const char *p)
{
	char *out;

	if (p[0] == '/' || !base_dir || !base_dir[0])
		return strdup(p);
	return asprintf(&out, "%s/%s", base_dir, p) < 0 ? NULL : out;
}

/* field (a path) or field-data (base64 PEM) of m into *pem. */
static int pem_from(yaml_document_t *doc, yaml_node_t *m, const char *field, const char *base_dir,
		    struct wgx_kube_pem *pem, char *err, size_t errlen)
{
	char data_key[64];
	const char *file = get_str(doc, m, field), *data;
	size_t len;

	snprintf(data_key, sizeof(data_key), "%s-data", field);
	data = get_str(doc, m, data_key);
	if (data && *data) {
		len = strlen(data);
		pem->data = malloc(len + 1);
		if (!pem->data)
			return -ENOMEM;
		if (sodium_base642bin((unsigned char *)pem->data, len, data, len, " \t\r\n", &pem->len,
				      NULL, sodium_base64_VARIANT_ORIGINAL)) {
			pem_free(pem);
			return fail(err, errlen, "%s is not base64", data_key);
		}
		pem->data[pem->len] = '\0';
	} else if (file && *file) {
		pem->file = path_in(base_dir, file);
		if (!pem->file)
			return -ENOMEM;
	}
	return 0;
}

static int from_doc(yaml_document_t *doc, const char *base_dir, struct wgx_kubeconfig *kc,
		    char *err, size_t errlen)
{
	yaml_node_t *root = yaml_document_get_root_node(doc), *ctx, *cluster, *user;
	const char *cur = get_str(doc, root, "current-context"), *server, *cname, *uname, *v;
	int ret;

	if (!root || root->type != YAML_MAPPING_NODE)
		return fail(err, errlen, "not a kubeconfig (no mapping at the top)");
	if (!cur || !*cur)
		return fail(err, errlen, "no current-context");
	ctx = named(doc, get(doc, root, "contexts"), cur, "context");
	if (!ctx)
		return fail(err, errlen, "current-context %.64s: no such context", cur);
	cname = get_str(doc, ctx, "cluster");
	uname = get_str(doc, ctx, "user");
	cluster = cname ? named(doc, get(doc, root, "clusters"), cname, "cluster") : NULL;
	if (!cluster)
		return fail(err, errlen, "context %.64s: no cluster entry", cur);
	server = get_str(doc, cluster, "server");
	if (!server || strncmp(server, "https://", 8))
		return fail(err, errlen, "cluster %.64s: server must be an https:// URL", cname);
	kc->server = strdup(server);
	if (!kc->server)
		return -ENOMEM;
	/* A path prefix stays (API proxies use one); trailing slashes go: paths are appended. */
	for (size_t n = strlen(kc->server); n > 8 && kc->server[n - 1] == '/';)
		kc->server[--n] = '\0';
	v = get_str(doc, cluster, "insecure-skip-tls-verify");
	kc->insecure = v && !strcmp(v, "true");
	ret = pem_from(doc, cluster, "certificate-authority", base_dir, &kc->ca, err, errlen);
	if (ret)
		return ret;
	user = uname ? named(doc, get(doc, root, "users"), uname, "user") : NULL;
	if (!user)
		return fail(err, errlen, "context %.64s: no user entry", cur);
	if ((v = get_str(doc, user, "token")) && *v && !(kc->token = strdup(v)))
		return -ENOMEM;
	if ((v = get_str(doc, user, "tokenFile")) && *v && !(kc->token_file = path_in(base_dir, v)))
		return -ENOMEM;
	ret = pem_from(doc, user, "client-certificate", base_dir, &kc->cert, err, errlen);
	if (!ret)
		ret = pem_from(doc, user, "client-key", base_dir, &kc->key, err, errlen);
	if (ret)
		return ret;
	if (!(kc->cert.file || kc->cert.data) != !(kc->key.file || kc->key.data))
		return fail(err, errlen, "user %.64s: client-certificate and client-key go together", uname);
	if (!kc->token && !kc->token_file && !kc->cert.file && !kc->cert.data)
		return fail(err, errlen, "user %.64s: no token, tokenFile or client certificate "
			    "(exec and auth-provider plugins are not supported)", uname);
	return 0;
}

int wgx_kubeconfig_parse(const char *text, size_t len, const char *base_dir,
			 struct wgx_kubeconfig *kc, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	int ret;

	memset(kc, 0, sizeof(*kc));
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		ret = fail(err, errlen, "YAML error at line %zu: %s", parser.problem_mark.line + 1,
			   parser.problem ? parser.problem : "?");
		yaml_parser_delete(&parser);
		return ret;
	}
	ret = from_doc(&doc, base_dir, kc, err, errlen);
	/* The document's scalars held the token and key data: wipe them before libyaml frees. */
	for (yaml_node_t *n = doc.nodes.start; n < doc.nodes.top; n++)
		if (n->type == YAML_SCALAR_NODE)
			sodium_memzero(n->data.scalar.value, n->data.scalar.length);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (ret)
		wgx_kubeconfig_free(kc);
	return ret;
}

/* The file at path, NUL-terminated, in *out (wipe it: it may hold secrets). */
static int slurp(const char *path, size_t max, char **out, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f)
		return -errno;
	setvbuf(f, NULL, _IONBF, 0);
	buf = malloc(max + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, max + 1, f);
	fclose(f);
	if (n > max) {
		sodium_memzero(buf, max + 1);
		free(buf);
		return -EFBIG;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int wgx_kubeconfig_load(const char *path, struct wgx_kubeconfig *kc, char *err, size_t errlen)
{
	char *text, *dir = strdup(path), *slash;
	size_t len;
	int ret;

	memset(kc, 0, sizeof(*kc));
	if (!dir)
		return -ENOMEM;
	ret = slurp(path, KUBECONFIG_MAX, &text, &len);
	if (ret) {
		free(dir);
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	ret = wgx_kubeconfig_parse(text, len, dir, kc, err, errlen);
	sodium_memzero(text, len);
	free(text);
	free(dir);
	return ret;
}

int wgx_kubeconfig_in_cluster(const char *sa_dir, struct wgx_kubeconfig *kc, char *err,
			      size_t errlen)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST"), *port = getenv("KUBERNETES_SERVICE_PORT");
	int n;

	memset(kc, 0, sizeof(*kc));
	if (!host || !*host || !port || !*port) {
		snprintf(err, errlen, "not in a pod (no KUBERNETES_SERVICE_HOST/PORT) and no --kubeconfig");
		return -ENOENT;
	}
	/* An IPv6 service address needs brackets in the URL. */
	n = strchr(host, ':') ? asprintf(&kc->server, "https://[%s]:%s", host, port)
			      : asprintf(&kc->server, "https://%s:%s", host, port);
	if (n < 0 || asprintf(&kc->ca.file, "%s/ca.crt", sa_dir) < 0 ||
	    asprintf(&kc->token_file, "%s/token", sa_dir) < 0) {
		wgx_kubeconfig_free(kc);
		return -ENOMEM;
	}
	return 0;
}

int wgx_kubeconfig_token(const struct wgx_kubeconfig *kc, char **token)
{
	size_t len;
	int ret;

	*token = NULL;
	if (kc->token) /* kubectl's order: token, then tokenFile */
		return (*token = strdup(kc->token)) ? 0 : -ENOMEM;
	if (kc->token_file) {
		ret = slurp(kc->token_file, TOKEN_MAX, token, &len);
		if (ret)
			return ret;
		while (len && ((*token)[len - 1] == '\n' || (*token)[len - 1] == '\r' ||
			       (*token)[len - 1] == ' '))
			(*token)[--len] = '\0';
	}
	return 0;
}
