// SPDX-License-Identifier: MIT
#include "cli/show.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "core/keys.h"

static void print_key_from_hex(FILE *out, const char *label, const char *hex, bool private_to_public)
{
	uint8_t key[WGX_KEY_LEN], pub[WGX_KEY_LEN];
	char b64[WGX_KEY_B64_LEN + 1];

	if (wgx_key_from_hex(key, hex, strlen(hex)))
		return;
	if (private_to_public) {
		wgx_x25519_public(pub, key);
		memcpy(key, pub, sizeof(key));
	}
	wgx_key_to_base64(b64, key);
	sodium_memzero(key, sizeof(key));
	fprintf(out, "%s%s\n", label, b64);
}

static void print_ago(FILE *out, uint64_t sec)
{
	uint64_t now = (uint64_t)time(NULL), ago = now > sec ? now - sec : 0;

	fputs("  latest handshake: ", out);
	if (ago >= 3600)
		fprintf(out, "%" PRIu64 " hours, ", ago / 3600);
	if (ago >= 60)
		fprintf(out, "%" PRIu64 " minutes, ", ago / 60 % 60);
	fprintf(out, "%" PRIu64 " seconds ago\n", ago % 60);
}

/* One flat JSON object of the stats as "  LABEL: k=v k=v". */
static void print_object(FILE *out, const char *stats, const char *key, const char *label)
{
	char pat[32];
	const char *r, *end;

	snprintf(pat, sizeof(pat), "\"%s\":{", key);
	r = stats ? strstr(stats, pat) : NULL;
	if (!r)
		return;
	r += strlen(pat);
	end = strchr(r, '}');
	if (!end || end == r)
		return;
	fputs(label, out);
	for (; r < end; r++)
		if (*r != '"')
			fputc(*r == ',' ? ' ' : *r == ':' ? '=' : *r, out);
	fputc('\n', out);
}

void wgx_show_print(FILE *out, const char *name, const char *uapi, const char *stats)
{
	char *copy = strdup(uapi), *save = NULL, *line;
	uint64_t rx = 0, tx = 0;
	bool in_peer = false;
	const char *mode = stats ? strstr(stats, "\"mode\":\"") : NULL;

	if (!copy)
		return;
	fprintf(out, "interface: %s\n", name);
	if (mode)
		fprintf(out, "  mode: %.*s\n", (int)strcspn(mode + 8, "\""), mode + 8);
	print_object(out, stats, "xdp", "  xdp: ");
	print_object(out, stats, "reasons", "  counters: ");
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *val = strchr(line, '=');

		if (!val)
			continue;
		*val++ = '\0';
		if (!strcmp(line, "private_key")) {
			print_key_from_hex(out, "  public key: ", val, true);
			fputs("  private key: (hidden)\n", out);
		} else if (!strcmp(line, "listen_port")) {
			fprintf(out, "  listening port: %s\n", val);
		} else if (!strcmp(line, "fwmark")) {
			fprintf(out, "  fwmark: 0x%lx\n", strtoul(val, NULL, 10));
		} else if (!strcmp(line, "public_key")) {
			if (in_peer && (rx || tx))
				fprintf(out, "  transfer: %" PRIu64 " B received, %" PRIu64 " B sent\n", rx, tx);
			rx = tx = 0;
			in_peer = true;
			fputc('\n', out);
			print_key_from_hex(out, "peer: ", val, false);
		} else if (!strcmp(line, "preshared_key") && strspn(val, "0") != strlen(val)) {
			fputs("  preshared key: (hidden)\n", out);
		} else if (!strcmp(line, "endpoint")) {
			fprintf(out, "  endpoint: %s\n", val);
		} else if (!strcmp(line, "allowed_ip")) {
			fprintf(out, "  allowed ip: %s\n", val);
		} else if (!strcmp(line, "last_handshake_time_sec") && strcmp(val, "0")) {
			print_ago(out, strtoull(val, NULL, 10));
		} else if (!strcmp(line, "rx_bytes")) {
			rx = strtoull(val, NULL, 10);
		} else if (!strcmp(line, "tx_bytes")) {
			tx = strtoull(val, NULL, 10);
		} else if (!strcmp(line, "persistent_keepalive_interval") && strcmp(val, "0")) {
			fprintf(out, "  persistent keepalive: every %s seconds\n", val);
		}
	}
	if (in_peer && (rx || tx))
		fprintf(out, "  transfer: %" PRIu64 " B received, %" PRIu64 " B sent\n", rx, tx);
	sodium_memzero(copy, strlen(uapi));
	free(copy);
}
