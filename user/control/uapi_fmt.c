// SPDX-License-Identifier: MIT
/*
 * "get=1" answer formatting, byte for byte as wireguard-go writes it.
 * The answer is measured first and written into one exact allocation, so the
 * key material in it never sits in a buffer that realloc() left behind.
 */
#include "control/uapi.h"

#include <errno.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/keys.h"

/* Measures when buf is NULL, writes otherwise. */
struct writer {
	char *buf;
	size_t len;
};

static void put(struct writer *w, const char *s, size_t n)
{
	if (w->buf)
		memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void put_str(struct writer *w, const char *s)
{
	put(w, s, strlen(s));
}

static size_t u64_dec(char out[21], uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
	return n;
}

static void put_u64(struct writer *w, uint64_t v)
{
	char d[21];

	put(w, d, u64_dec(d, v));
}

static void put_num_line(struct writer *w, const char *key, uint64_t v)
{
	put_str(w, key);
	put(w, "=", 1);
	put_u64(w, v);
	put(w, "\n", 1);
}

static void put_key_line(struct writer *w, const char *key, const uint8_t k[WGX_KEY_LEN])
{
	char hex[WGX_KEY_HEX_LEN + 1];

	put_str(w, key);
	put(w, "=", 1);
	wgx_key_to_hex(hex, k);
	put(w, hex, WGX_KEY_HEX_LEN);
	put(w, "\n", 1);
	sodium_memzero(hex, sizeof(hex));
}

static size_t format_v4(char *out, const uint8_t *a)
{
	size_t n = 0;

	for (int i = 0; i < 4; i++) {
		if (i)
			out[n++] = '.';
		n += u64_dec(out + n, a[i]);
	}
	return n;
}

size_t wgx_uapi_format_addr(char out[46], int family, const uint8_t *a)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const char hexdig[] = "0123456789abcdef";
	int zstart = -1, zlen = 0, i, j;
	size_t n = 0;

	if (family == AF_INET) {
		n = format_v4(out, a);
		out[n] = '\0';
		return n;
	}
	if (!memcmp(a, v4mapped, sizeof(v4mapped))) {
		memcpy(out, "::ffff:", 7);
		n = 7 + format_v4(out + 7, a + 12);
		out[n] = '\0';
		return n;
	}
	/* RFC 5952: compress the first longest run of two or more zero groups. */
	for (i = 0; i < 8; i++) {
		for (j = i; j < 8 && !a[j * 2] && !a[j * 2 + 1]; j++)
			;
		if (j - i >= 2 && j - i > zlen) {
			zstart = i;
			zlen = j - i;
		}
	}
	for (i = 0; i < 8; i++) {
		unsigned int g = (unsigned int)a[i * 2] << 8 | a[i * 2 + 1];
		bool started = false;

		if (i == zstart) {
			out[n++] = ':';
			out[n++] = ':';
			i += zlen - 1;
			continue;
		}
		if (i > 0 && i != zstart + zlen)
			out[n++] = ':';
		for (int shift = 12; shift >= 0; shift -= 4) {
			unsigned int d = (g >> shift) & 15;

			if (d || started || shift == 0) {
				out[n++] = hexdig[d];
				started = true;
			}
		}
	}
	out[n] = '\0';
	return n;
}

static void put_endpoint(struct writer *w, const struct sockaddr_storage *ss)
{
	char addr[46];
	uint16_t port;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		put(w, addr, wgx_uapi_format_addr(addr, AF_INET, (const uint8_t *)&sin->sin_addr));
		port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		put(w, "[", 1);
		put(w, addr,
		    wgx_uapi_format_addr(addr, AF_INET6, (const uint8_t *)&sin6->sin6_addr));
		/*
		 * The zone as a number: getaddrinfo() in `wg` takes it, and a
		 * name could change between the measuring and writing passes.
		 */
		if (sin6->sin6_scope_id) {
			put(w, "%", 1);
			put_u64(w, sin6->sin6_scope_id);
		}
		put(w, "]", 1);
		port = ntohs(sin6->sin6_port);
	}
	put(w, ":", 1);
	put_u64(w, port);
}

static void put_peer(struct writer *w, const struct wgx_uapi_peer_view *p)
{
	static const uint8_t zero[WGX_KEY_LEN];
	char addr[46];

	put_key_line(w, "public_key", p->public_key);
	put_key_line(w, "preshared_key", p->has_psk ? p->preshared_key : zero);
	put_str(w, "protocol_version=1\n");
	if (p->has_endpoint) {
		put_str(w, "endpoint=");
		put_endpoint(w, &p->endpoint);
		put(w, "\n", 1);
	}
	put_num_line(w, "last_handshake_time_sec", p->last_handshake_ns / WGX_NS_PER_SEC);
	put_num_line(w, "last_handshake_time_nsec", p->last_handshake_ns % WGX_NS_PER_SEC);
	put_num_line(w, "tx_bytes", p->tx_bytes);
	put_num_line(w, "rx_bytes", p->rx_bytes);
	put_num_line(w, "persistent_keepalive_interval", p->persistent_keepalive);
	for (size_t i = 0; i < p->n_allowed_ips; i++) {
		const struct wgx_uapi_cidr *c = &p->allowed_ips[i];

		put_str(w, "allowed_ip=");
		put(w, addr, wgx_uapi_format_addr(addr, c->family, c->addr));
		put(w, "/", 1);
		put_u64(w, c->cidr);
		put(w, "\n", 1);
	}
}

static void put_device(struct writer *w, const struct wgx_uapi_device_view *v)
{
	if (v->has_private_key)
		put_key_line(w, "private_key", v->private_key);
	if (v->listen_port)
		put_num_line(w, "listen_port", v->listen_port);
	if (v->fwmark)
		put_num_line(w, "fwmark", v->fwmark);
	for (size_t i = 0; i < v->n_peers; i++)
		put_peer(w, &v->peers[i]);
	put_str(w, "errno=0\n\n");
}

static bool view_valid(const struct wgx_uapi_device_view *v)
{
	for (size_t i = 0; i < v->n_peers; i++) {
		const struct wgx_uapi_peer_view *p = &v->peers[i];
		int fam = p->endpoint.ss_family;

		if (p->has_endpoint && fam != AF_INET && fam != AF_INET6)
			return false;
		for (size_t j = 0; j < p->n_allowed_ips; j++) {
			const struct wgx_uapi_cidr *c = &p->allowed_ips[j];

			if (!(c->family == AF_INET && c->cidr <= 32) &&
			    !(c->family == AF_INET6 && c->cidr <= 128))
				return false;
		}
	}
	return true;
}

int wgx_uapi_format_get(const struct wgx_uapi_device_view *v, char **out, size_t *out_len)
{
	struct writer w = { NULL, 0 };

	*out = NULL;
	*out_len = 0;
	if (!view_valid(v))
		return -EINVAL;
	put_device(&w, v);
	w.buf = malloc(w.len + 1);
	if (!w.buf)
		return -ENOMEM;
	*out_len = w.len;
	w.len = 0;
	put_device(&w, v);
	w.buf[w.len] = '\0';
	*out = w.buf;
	return 0;
}

void wgx_uapi_buf_free(char *buf, size_t len)
{
	if (!buf)
		return;
	sodium_memzero(buf, len);
	free(buf);
}
