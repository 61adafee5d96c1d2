// SPDX-License-Identifier: MIT
/*
 * libFuzzer: the body of a UAPI "set=1" request (control/uapi.c). Oracles:
 * no memory error or UB (ASan+UBSan), the parse is a pure function (the same
 * input parses to the same result twice), a successful parse satisfies the
 * set invariants (fuzz.h), a failure is one of the documented errnos, and a
 * body without its blank line parses like the same body with it.
 */
#include <errno.h>

#include "control/uapi.h"
#include "fuzz.h"

static int parse(const uint8_t *data, size_t size, struct wgx_uapi_set *out)
{
	/* A private copy of exactly size bytes: ASan sees any read past it. */
	char *copy = malloc(size ? size : 1);
	int ret;

	memcpy(copy, data, size);
	ret = wgx_uapi_parse_set(copy, size, out);
	free(copy);
	return ret;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgx_uapi_set a, b;
	int ra = parse(data, size, &a), rb;

	fuzz_check(ra == 0 || ra == -EPROTO || ra == -EIO || ra == -EINVAL || ra == -E2BIG,
		   "undocumented result %d", ra);
	if (ra == 0)
		fuzz_check_set(&a);
	rb = parse(data, size, &b);
	fuzz_check(ra == rb, "second parse %d, first %d", rb, ra);
	if (ra == 0) {
		fuzz_check(a.n_peers == b.n_peers && a.has_private_key == b.has_private_key &&
				   a.listen_port == b.listen_port && a.fwmark == b.fwmark,
			   "second parse differs");
		for (size_t i = 0; i < a.n_peers; i++)
			fuzz_check(a.peers[i].n_allowed_ips == b.peers[i].n_allowed_ips &&
					   !memcmp(a.peers[i].public_key, b.peers[i].public_key, 32),
				   "peer %zu differs", i);
	}
	wgx_uapi_set_free(&b);
	/* The terminating blank line is optional: with it the result is the same. */
	if (ra == 0 && (size == 0 || (data[size - 1] == '\n' && (size < 2 || data[size - 2] != '\n')))) {
		uint8_t *t = malloc(size + 1);

		memcpy(t, data, size);
		t[size] = '\n';
		if (size == 0 || memchr(data, '\n', size) != data) {
			rb = parse(t, size + 1, &b);
			fuzz_check(rb == 0 && b.n_peers == a.n_peers,
				   "with the blank line: %d, %zu peers", rb, b.n_peers);
			wgx_uapi_set_free(&b);
		}
		free(t);
	}
	wgx_uapi_set_free(&a);
	return 0;
}
