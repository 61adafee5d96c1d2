// SPDX-License-Identifier: MIT
/*
 * libFuzzer: the allowed-IPs trie (core/allowedips.c) against a naive model,
 * a flat list of (family, prefix, cidr, peer) searched linearly. The input is
 * a stream of operations, each [op][peer][family][cidr][4 or 16 address
 * bytes]: op % 5 is insert, remove, lookup, remove_by_peer, walk_by_peer;
 * peer % 8 picks one of eight peers (plus NULL as a ninth: inserting it must
 * fail); family bit 0 picks IPv6; cidr is taken modulo 33 or 129 except that
 * 255 asks for an out-of-range prefix length. Oracles after every operation:
 * same return value as the model, lookups give the model's longest match, a
 * walk yields exactly the model's prefixes of that peer, each once, masked.
 */
#include <errno.h>
#include <sys/socket.h>

#include "core/allowedips.h"
#include "fuzz.h"

#define PEERS 8
#define MODEL_MAX 512

static char peer_storage[PEERS];
#define PEER(i) ((struct wgx_peer *)&peer_storage[(i)])

struct entry {
	int family;
	uint8_t addr[16], cidr;
	struct wgx_peer *peer;
	bool seen;
};

static struct entry model[MODEL_MAX];
static size_t n_model;

static void mask(uint8_t *a, unsigned int cidr, unsigned int bytes)
{
	for (unsigned int b = cidr; b < bytes * 8; b++)
		a[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
}

static bool in_prefix(const struct entry *e, const uint8_t *addr)
{
	uint8_t a[16];
	unsigned int bytes = e->family == AF_INET ? 4 : 16;

	memcpy(a, addr, bytes);
	mask(a, e->cidr, bytes);
	return !memcmp(a, e->addr, bytes);
}

static struct entry *model_find(int family, const uint8_t *addr, uint8_t cidr)
{
	for (size_t i = 0; i < n_model; i++)
		if (model[i].family == family && model[i].cidr == cidr &&
		    !memcmp(model[i].addr, addr, family == AF_INET ? 4 : 16))
			return &model[i];
	return NULL;
}

static struct wgx_peer *model_lookup(int family, const uint8_t *addr)
{
	const struct entry *best = NULL;

	for (size_t i = 0; i < n_model; i++)
		if (model[i].family == family && in_prefix(&model[i], addr) &&
		    (!best || model[i].cidr > best->cidr))
			best = &model[i];
	return best ? best->peer : NULL;
}

static void model_del(struct entry *e)
{
	*e = model[--n_model];
}

struct walk {
	struct wgx_peer *peer;
	size_t n;
};

static int walk_cb(void *ctx, int family, const void *addr, uint8_t cidr)
{
	struct walk *w = ctx;
	struct entry *e = model_find(family, addr, cidr);

	fuzz_check(e && e->peer == w->peer && !e->seen, "walk gave a prefix /%u the model has %s", cidr,
		   !e ? "not at all" : e->seen ? "already walked" : "for another peer");
	e->seen = true;
	w->n++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgx_allowedips t;
	size_t pos = 0;

	wgx_allowedips_init(&t);
	n_model = 0;
	while (pos + 4 <= size) {
		uint8_t op = data[pos] % 5, pi = data[pos + 1] % (PEERS + 1), fam = data[pos + 2] & 1,
			craw = data[pos + 3];
		int family = fam ? AF_INET6 : AF_INET;
		unsigned int bytes = fam ? 16 : 4, bits = bytes * 8;
		struct wgx_peer *peer = pi < PEERS ? PEER(pi) : NULL;
		uint8_t addr[16] = { 0 }, key[16] = { 0 };
		uint8_t cidr = craw == 255 ? (uint8_t)(bits + 1) : (uint8_t)(craw % (bits + 1));
		struct entry *e;
		int ret, want;

		pos += 4;
		if (pos + bytes > size)
			break;
		memcpy(addr, data + pos, bytes);
		pos += bytes;
		memcpy(key, addr, bytes);
		if (cidr <= bits)
			mask(key, cidr, bytes);

		switch (op) {
		case 0: /* insert */
			ret = wgx_allowedips_insert(&t, family, addr, cidr, peer);
			e = cidr <= bits ? model_find(family, key, cidr) : NULL;
			want = cidr > bits || !peer ? -EINVAL : 0;
			if (!want && !e && n_model == MODEL_MAX)
				goto done; /* the model is full: the table has one it lacks */
			fuzz_check(ret == want, "insert /%u: %d, model %d", cidr, ret, want);
			if (ret)
				break;
			if (e) {
				e->peer = peer;
			} else {
				e = &model[n_model++];
				e->family = family;
				memcpy(e->addr, key, 16);
				e->cidr = cidr;
				e->peer = peer;
			}
			break;
		case 1: /* remove */
			ret = wgx_allowedips_remove(&t, family, addr, cidr, peer);
			e = cidr <= bits ? model_find(family, key, cidr) : NULL;
			want = cidr > bits ? -EINVAL : e && e->peer == peer && peer ? 0 : -ENOENT;
			fuzz_check(ret == want || (ret == -EINVAL && !peer),
				   "remove /%u: %d, model %d", cidr, ret, want);
			if (ret == 0)
				model_del(e);
			break;
		case 2: { /* lookup */
			struct wgx_peer *got = wgx_allowedips_lookup(&t, family, addr),
					*exp = model_lookup(family, addr);

			fuzz_check(got == exp, "lookup: peer %td, model %td",
				   got ? (char *)got - peer_storage : -1,
				   exp ? (char *)exp - peer_storage : -1);
			break;
		}
		case 3: /* remove_by_peer */
			if (!peer)
				break;
			wgx_allowedips_remove_by_peer(&t, peer);
			for (size_t i = 0; i < n_model;)
				if (model[i].peer == peer)
					model_del(&model[i]);
				else
					i++;
			break;
		case 4: { /* walk_by_peer */
			struct walk w = { peer, 0 };
			size_t want_n = 0;

			if (!peer)
				break;
			for (size_t i = 0; i < n_model; i++) {
				model[i].seen = false;
				want_n += model[i].peer == peer;
			}
			ret = wgx_allowedips_walk_by_peer(&t, peer, walk_cb, &w);
			fuzz_check(ret == 0 && w.n == want_n, "walk: %zu prefixes, model %zu", w.n, want_n);
			break;
		}
		}
	}
done:
	/* Whatever the model still holds, the table finds (then frees it all). */
	for (size_t i = 0; i < n_model; i++)
		fuzz_check(wgx_allowedips_lookup(&t, model[i].family, model[i].addr) ==
				   model_lookup(model[i].family, model[i].addr),
			   "final lookup of model entry %zu", i);
	wgx_allowedips_free(&t);
	return 0;
}
