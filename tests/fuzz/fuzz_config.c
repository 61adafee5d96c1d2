// SPDX-License-Identifier: MIT
/*
 * libFuzzer: the `wg setconf` file parser (control/config.c). The first
 * byte's low bit chooses wg-quick mode; the rest is the file. Oracles: no
 * memory error or UB; the result is one of the documented errnos; a
 * successful parse satisfies the set invariants (fuzz.h) and always carries
 * replace_peers and the three interface fields; an -EINVAL explains itself
 * as "line N: ..." with N within the file; a NUL byte is never success; and
 * the input the error quotes (between ` and ') never holds the value of a
 * PrivateKey or PresharedKey line (unless that text also appears elsewhere
 * in the input). The message's own words are not input: a key value such
 * as "unrecognized" may match them.
 *
 * Endpoints may be host names: getaddrinfo() is replaced below by one that
 * resolves nothing but numeric forms, so the fuzzer never waits on DNS.
 */
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <strings.h>

#include "control/config.h"
#include "fuzz.h"

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		struct addrinfo **res)
{
	(void)node;
	(void)service;
	(void)hints;
	*res = NULL;
	return EAI_NONAME;
}

static size_t count_lines(const char *t, size_t n)
{
	size_t lines = 1;

	for (size_t i = 0; i + 1 < n; i++)
		lines += t[i] == '\n';
	return lines;
}

static size_t occurrences(const char *hay, size_t n, const char *needle, size_t m)
{
	size_t k = 0;

	for (size_t i = 0; m && i + m <= n; i++)
		k += !memcmp(hay + i, needle, m);
	return k;
}

/* Every value of a secret-key line (whitespace dropped, as the parser does)
 * that appears in the quoted part of err must appear in the input,
 * whitespace dropped, more than once: then the message may be quoting the
 * other occurrence. */
static void check_no_key_echo(const char *t, size_t n, const char *err)
{
	const char *open = strchr(err, '`'), *close = strrchr(err, '\'');
	char *flat = malloc(n ? n : 1), quoted[256];
	size_t pos = 0, flat_len = 0;

	if (!open || !close || close < open) {
		free(flat);
		return;
	}
	snprintf(quoted, sizeof(quoted), "%.*s", (int)(close - open - 1), open + 1);

	for (size_t i = 0; i < n; i++)
		if (!isspace((unsigned char)t[i]))
			flat[flat_len++] = t[i];

	while (pos < n) {
		const char *eol = memchr(t + pos, '\n', n - pos);
		size_t len = eol ? (size_t)(eol - (t + pos)) : n - pos;
		char line[256];
		size_t k = 0;

		for (size_t i = 0; i < len && k + 1 < sizeof(line); i++)
			if (!isspace((unsigned char)t[pos + i]) && t[pos + i] != '#')
				line[k++] = t[pos + i];
			else if (t[pos + i] == '#')
				break;
		line[k] = '\0';
		pos += len + 1;
		const char *v = NULL;

		if (!strncasecmp(line, "PrivateKey=", 11))
			v = line + 11;
		else if (!strncasecmp(line, "PresharedKey=", 13))
			v = line + 13;
		if (!v || strlen(v) < 8 || !strstr(quoted, v))
			continue;
		fuzz_check(occurrences(flat, flat_len, v, strlen(v)) > 1,
			   "error \"%s\" echoes a key value", err);
	}
	free(flat);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgx_uapi_set s;
	char err[256];
	const char *text;
	size_t len;
	int ret;

	if (size < 1)
		return 0;
	text = (const char *)data + 1;
	len = size - 1;
	char *copy = malloc(len ? len : 1);

	memcpy(copy, text, len);
	ret = wgx_config_parse_n(copy, len, data[0] & 1, &s, err, sizeof(err));
	fuzz_check(ret == 0 || ret == -EINVAL || ret == -E2BIG, "undocumented result %d", ret);
	if (ret == 0) {
		fuzz_check(!memchr(copy, '\0', len), "a NUL byte parsed as success");
		fuzz_check(s.replace_peers && s.has_private_key && s.has_listen_port && s.has_fwmark,
			   "a config file sets the whole interface");
		fuzz_check(!err[0], "success with a message \"%s\"", err);
		fuzz_check_set(&s);
	} else {
		unsigned int line = 0;

		fuzz_check(sscanf(err, "line %u: ", &line) == 1 && line >= 1 &&
				   line <= count_lines(copy, len),
			   "message \"%s\" for %zu lines", err, count_lines(copy, len));
		check_no_key_echo(copy, len, err);
	}
	wgx_uapi_set_free(&s);
	free(copy);
	return 0;
}
