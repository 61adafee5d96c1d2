/* SPDX-License-Identifier: MIT */
/*
 * Where the agent's Kubernetes API is and how it authenticates
 * (cli/agent_kube.h uses it): a kubeconfig file's current context, parsed
 * with libyaml, or the in-cluster service-account defaults. Holds secrets
 * (token, client key): release with wgx_kubeconfig_free(), which wipes them.
 */
#ifndef WGX_AGENT_KUBECONFIG_H
#define WGX_AGENT_KUBECONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define WGX_KUBE_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/* A PEM blob (from a *-data field, base64-decoded) or a file path; one at most. */
struct wgx_kube_pem {
	char *file;
	char *data;
	size_t len;
};

struct wgx_kubeconfig {
	char *server;		/* "https://host:port[/prefix]", without a trailing '/' */
	bool insecure;		/* insecure-skip-tls-verify: true */
	struct wgx_kube_pem ca, cert, key;
	char *token;		/* bearer token given inline */
	char *token_file;	/* or read at every connection (rotated service-account tokens) */
};

/*
 * Parse kubeconfig text: current-context -> context -> cluster (server,
 * certificate-authority(-data), insecure-skip-tls-verify) and user (token,
 * tokenFile, client-certificate(-data), client-key(-data)). Relative file
 * paths are taken from base_dir (the kubeconfig's directory), as kubectl does.
 * Returns 0 or -EINVAL (err says why, never with a secret) / -ENOMEM. *kc is
 * always initialised.
 */
int wgx_kubeconfig_parse(const char *text, size_t len, const char *base_dir,
			 struct wgx_kubeconfig *kc, char *err, size_t errlen);

/* Read and parse the file at path. 0 or -errno / -EINVAL with err. */
int wgx_kubeconfig_load(const char *path, struct wgx_kubeconfig *kc, char *err, size_t errlen);

/*
 * In a pod: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, CA
 * sa_dir/ca.crt, token file sa_dir/token (sa_dir: WGX_KUBE_SA_DIR in the
 * agent, a fixture in tests). -ENOENT with err when not in a pod.
 */
int wgx_kubeconfig_in_cluster(const char *sa_dir, struct wgx_kubeconfig *kc, char *err,
			      size_t errlen);

/*
 * The bearer token for the next connection, malloc'd in *token (NULL when the
 * config has none; client certificates then). Free with wgx_kubeconfig_secret_free().
 * 0 or -errno (the token file unreadable).
 */
int wgx_kubeconfig_token(const struct wgx_kubeconfig *kc, char **token);
void wgx_kubeconfig_secret_free(char *s);

void wgx_kubeconfig_free(struct wgx_kubeconfig *kc);

#endif
