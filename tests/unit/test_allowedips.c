// SPDX-License-Identifier: MIT
/*
 * Allowed-IPs trie: the fixed cases of the kernel's selftest
 * (drivers/net/wireguard/selftest/allowedips.c), our own API edge cases
 * (errors, removal, moves, /0, hosts), then a randomized run against a naive
 * model: a flat list of (prefix, peer) searched linearly for the longest match.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/allowedips.h"
#include "prng.h"
#include "tap.h"

/* Peers are opaque to the table: any distinct pointers do. */
#define NUM_PEERS 32
static char peer_storage[NUM_PEERS];
#define PEER(i) ((struct wgx_peer *)&peer_storage[(i)])
#define a PEER(0)
#define b PEER(1)
#define c PEER(2)
#define d PEER(3)
#define e PEER(4)
#define f PEER(5)
#define g PEER(6)
#define h PEER(7)

static const char *peer_name(const struct wgx_peer *p)
{
	static const char *names[] = { "a", "b", "c", "d", "e", "f", "g", "h" };
	size_t i = (size_t)((const char *)p - peer_storage);

	return !p ? "none" : i < 8 ? names[i] : "other";
}

static int fam(int version)
{
	return version == 4 ? AF_INET : AF_INET6;
}

static void parse(int version, const char *s, unsigned char out[16])
{
	if (inet_pton(fam(version), s, out) != 1) {
		diag("bad test address %s", s);
		abort();
	}
}

static int insert(struct wgx_allowedips *t, int version, struct wgx_peer *p, const char *s,
		  uint8_t cidr)
{
	unsigned char ip[16];

	parse(version, s, ip);
	return wgx_allowedips_insert(t, fam(version), ip, cidr, p);
}

static struct wgx_peer *lookup(struct wgx_allowedips *t, int version, const char *s)
{
	unsigned char ip[16];

	parse(version, s, ip);
	return wgx_allowedips_lookup(t, fam(version), ip);
}

static void expect(struct wgx_allowedips *t, int version, const char *s, struct wgx_peer *want,
		   const char *why)
{
	struct wgx_peer *got = lookup(t, version, s);

	ok(got == want, "%s: %s -> %s (got %s)", why, s, peer_name(want), peer_name(got));
}

/* ---- the kernel's fixed cases ---- */

struct kcase {
	int version;
	struct wgx_peer *peer;
	const char *addr;
	uint8_t cidr;
};

static const struct kcase kernel_inserts[] = {
	{ 4, a, "192.168.4.0", 24 },
	{ 4, b, "192.168.4.4", 32 },
	{ 4, c, "192.168.0.0", 16 },
	{ 4, d, "192.95.5.64", 27 },
	{ 4, c, "192.95.5.65", 27 }, /* replaces previous entry, and maskself is required */
	{ 6, d, "2607:5300:6000:6b00::c05f:543", 128 },
	{ 6, c, "2607:5300:6000:6b00::", 64 },
	{ 4, e, "0.0.0.0", 0 },
	{ 6, e, "::", 0 },
	{ 6, f, "::", 0 }, /* replaces previous entry */
	{ 6, g, "2404:6800::", 32 },
	{ 6, h, "2404:6800:4004:800:dead:beef:dead:beef", 64 }, /* maskself is required */
	{ 6, a, "2404:6800:4004:800:dead:beef:dead:beef", 128 },
	{ 6, c, "2444:6800:40e4:800:deae:beef:def:beef", 128 },
	{ 6, b, "2444:6800:f0e4:800:eeae:beef::", 98 },
	{ 4, g, "64.15.112.0", 20 },
	{ 4, h, "64.15.123.211", 25 }, /* maskself is required */
	{ 4, a, "10.0.0.0", 25 },
	{ 4, b, "10.0.0.128", 25 },
	{ 4, a, "10.1.0.0", 30 },
	{ 4, b, "10.1.0.4", 30 },
	{ 4, c, "10.1.0.8", 29 },
	{ 4, d, "10.1.0.16", 29 },
};

static const struct kcase kernel_lookups[] = {
	{ 4, a, "192.168.4.20", 0 },
	{ 4, a, "192.168.4.0", 0 },
	{ 4, b, "192.168.4.4", 0 },
	{ 4, c, "192.168.200.182", 0 },
	{ 4, c, "192.95.5.68", 0 },
	{ 4, e, "192.95.5.96", 0 },
	{ 6, d, "2607:5300:6000:6b00::c05f:543", 0 },
	{ 6, c, "2607:5300:6000:6b00::c02e:1ee", 0 },
	{ 6, f, "2607:5300:6000:6b01::", 0 },
	{ 6, g, "2404:6800:4004:806::1006", 0 },
	{ 6, g, "2404:6800:4004:806:0:1234:0:5678", 0 },
	{ 6, f, "2404:67ff:4004:806:0:1234:0:5678", 0 },
	{ 6, f, "2404:6801:4004:806:0:1234:0:5678", 0 },
	{ 6, h, "2404:6800:4004:800:0:1234:0:5678", 0 },
	{ 6, h, "2404:6800:4004:800::", 0 },
	{ 6, h, "2404:6800:4004:800:1010:1010:1010:1010", 0 },
	{ 6, a, "2404:6800:4004:800:dead:beef:dead:beef", 0 },
	{ 4, g, "64.15.116.26", 0 },
	{ 4, g, "64.15.127.3", 0 },
	{ 4, g, "64.15.123.1", 0 },
	{ 4, h, "64.15.123.128", 0 },
	{ 4, h, "64.15.123.129", 0 },
	{ 4, a, "10.0.0.52", 0 },
	{ 4, b, "10.0.0.220", 0 },
	{ 4, a, "10.1.0.2", 0 },
	{ 4, b, "10.1.0.6", 0 },
	{ 4, c, "10.1.0.10", 0 },
	{ 4, d, "10.1.0.20", 0 },
};

#define ARRAY_SIZE(x) (sizeof(x) / sizeof((x)[0]))

/* Collects a walk into an array of printed prefixes. */
struct walk_log {
	unsigned int n;
	char prefix[160][64];
};

static int log_prefix(void *ctx, int family, const void *addr, uint8_t cidr)
{
	struct walk_log *w = ctx;
	char buf[INET6_ADDRSTRLEN];

	if (w->n >= ARRAY_SIZE(w->prefix))
		return -ENOSPC;
	inet_ntop(family, addr, buf, sizeof(buf));
	snprintf(w->prefix[w->n++], sizeof(w->prefix[0]), "%s/%u", buf, cidr);
	return 0;
}

static bool walk_has(const struct walk_log *w, const char *prefix)
{
	for (unsigned int i = 0; i < w->n; i++)
		if (!strcmp(w->prefix[i], prefix))
			return true;
	return false;
}

static void kernel_selftest(void)
{
	static struct walk_log w;
	struct wgx_allowedips t;
	unsigned char ip[16];
	int err = 0;

	wgx_allowedips_init(&t);
	for (size_t i = 0; i < ARRAY_SIZE(kernel_inserts); i++) {
		const struct kcase *k = &kernel_inserts[i];

		err |= insert(&t, k->version, k->peer, k->addr, k->cidr);
	}
	ok(!err, "kernel selftest: %zu inserts succeed", ARRAY_SIZE(kernel_inserts));
	for (size_t i = 0; i < ARRAY_SIZE(kernel_lookups); i++) {
		const struct kcase *k = &kernel_lookups[i];

		expect(&t, k->version, k->addr, k->peer, "kernel selftest");
	}

	static const char *const hosts[] = { "1.0.0.0", "64.0.0.0", "128.0.0.0", "192.0.0.0",
					     "255.0.0.0" };
	for (size_t i = 0; i < ARRAY_SIZE(hosts); i++)
		insert(&t, 4, a, hosts[i], 32);
	wgx_allowedips_remove_by_peer(&t, a);
	for (size_t i = 0; i < ARRAY_SIZE(hosts); i++)
		ok(lookup(&t, 4, hosts[i]) != a, "kernel selftest: after remove_by_peer(a) %s is not a",
		   hosts[i]);

	wgx_allowedips_free(&t);
	insert(&t, 4, a, "192.168.0.0", 16);
	insert(&t, 4, a, "192.168.0.0", 24);
	wgx_allowedips_remove_by_peer(&t, a);
	ok(lookup(&t, 4, "192.168.0.1") != a,
	   "kernel selftest: nested /16 and /24 of a both gone after remove_by_peer");
	ok(!t.root4 && !t.root6, "kernel selftest: trie is empty after removing its only peer");

	/* 128 hosts each differing from all-ones in one bit: maximal depth. */
	for (unsigned int i = 0; i < 128; i++) {
		memset(ip, 0xff, 16);
		ip[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
		err |= wgx_allowedips_insert(&t, AF_INET6, ip, 128, a);
	}
	unsigned int hits = 0;
	for (unsigned int i = 0; i < 128; i++) {
		memset(ip, 0xff, 16);
		ip[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
		hits += wgx_allowedips_lookup(&t, AF_INET6, ip) == a;
	}
	memset(ip, 0xff, 16);
	ok(!err && hits == 128 && !wgx_allowedips_lookup(&t, AF_INET6, ip),
	   "kernel selftest: 128 one-bit-off /128 hosts, deepest trie, all found, ff..ff misses");
	wgx_allowedips_free(&t);

	insert(&t, 4, a, "192.95.5.93", 27);
	insert(&t, 6, a, "2607:5300:6000:6b00::c05f:543", 128);
	insert(&t, 4, a, "10.1.0.20", 29);
	insert(&t, 6, a, "2607:5300:6d8a:6bf8:dab1:f1df:c05f:1523", 83);
	insert(&t, 6, a, "2607:5300:6d8a:6bf8:dab1:f1df:c05f:1523", 21);
	w.n = 0;
	ok(!wgx_allowedips_walk_by_peer(&t, a, log_prefix, &w) && w.n == 5,
	   "kernel selftest: walk of a yields 5 prefixes (got %u)", w.n);
	static const char *const walked[] = {
		"192.95.5.64/27", "2607:5300:6000:6b00::c05f:543/128", "10.1.0.16/29",
		"2607:5300:6d8a:6bf8:dab1:e000::/83", "2607:5000::/21",
	};
	for (size_t i = 0; i < ARRAY_SIZE(walked); i++)
		ok(walk_has(&w, walked[i]), "kernel selftest: walk yields masked %s", walked[i]);
	bool in_order = w.n == 5;
	for (size_t i = 0; in_order && i < ARRAY_SIZE(walked); i++)
		in_order = !strcmp(w.prefix[i], walked[i]);
	ok(in_order, "walk is in insertion order");
	wgx_allowedips_free(&t);
}

/* ---- our own edge cases ---- */

static int stop_after_two(void *ctx, int family, const void *addr, uint8_t cidr)
{
	unsigned int *n = ctx;

	(void)family, (void)addr, (void)cidr;
	return ++*n == 2 ? 42 : 0;
}

static void api_cases(void)
{
	static struct walk_log w;
	struct wgx_allowedips t;
	unsigned char ip[16] = { 0 };
	unsigned int n = 0;

	wgx_allowedips_init(&t);
	ok(insert(&t, 4, a, "10.0.0.0", 33) == -EINVAL, "insert v4 /33 -> -EINVAL");
	ok(insert(&t, 6, a, "fd00::", 129) == -EINVAL, "insert v6 /129 -> -EINVAL");
	ok(insert(&t, 4, NULL, "10.0.0.0", 8) == -EINVAL, "insert with NULL peer -> -EINVAL");
	ok(wgx_allowedips_insert(&t, AF_UNIX, ip, 8, a) == -EAFNOSUPPORT,
	   "insert AF_UNIX -> -EAFNOSUPPORT");
	ok(!wgx_allowedips_lookup(&t, AF_INET, ip) && !wgx_allowedips_lookup(&t, AF_UNIX, ip),
	   "lookup in empty table and of a bad family -> NULL");
	ok(!t.root4 && !t.root6 && !t.owners, "failed inserts left nothing allocated");

	ok(!insert(&t, 4, a, "100.64.1.77", 24), "insert 100.64.1.77/24 for a");
	expect(&t, 4, "100.64.1.1", a, "host bits of the insert are ignored");
	ok(insert(&t, 4, a, "100.64.1.0", 23) == 0 && lookup(&t, 4, "100.64.0.1") == a,
	   "covering /23 inserted under the /24");
	ok(wgx_allowedips_remove(&t, AF_INET, (unsigned char[]){ 100, 64, 1, 9 }, 24, b) == -ENOENT,
	   "remove /24 as b (owned by a) -> -ENOENT");
	ok(wgx_allowedips_remove(&t, AF_INET, (unsigned char[]){ 100, 64, 1, 9 }, 25, a) == -ENOENT,
	   "remove absent /25 -> -ENOENT");
	ok(wgx_allowedips_remove(&t, AF_INET, (unsigned char[]){ 100, 64, 1, 9 }, 24, a) == 0,
	   "remove 100.64.1.9/24 as a (host bits ignored) -> 0");
	expect(&t, 4, "100.64.1.1", a, "after removing the /24 the /23 still covers");

	ok(!insert(&t, 4, b, "100.64.1.0", 23), "insert identical /23 for b moves it");
	expect(&t, 4, "100.64.0.1", b, "moved prefix");
	w.n = 0;
	wgx_allowedips_walk_by_peer(&t, a, log_prefix, &w);
	ok(w.n == 0, "a has no prefixes left after the move (walk gives %u)", w.n);
	w.n = 0;
	wgx_allowedips_walk_by_peer(&t, b, log_prefix, &w);
	ok(w.n == 1 && walk_has(&w, "100.64.0.0/23"), "b's walk yields 100.64.0.0/23");

	/* Two /25 siblings force a branching node at /24 that owns nothing. */
	insert(&t, 4, c, "198.18.0.0", 25);
	insert(&t, 4, d, "198.18.0.128", 25);
	ok(wgx_allowedips_remove(&t, AF_INET, (unsigned char[]){ 198, 18, 0, 0 }, 24, c) == -ENOENT,
	   "removing the ownerless branching /24 -> -ENOENT");
	expect(&t, 4, "198.18.0.200", d, "sibling /25");
	ok(!insert(&t, 4, e, "198.18.0.0", 24), "branching /24 gets an owner");
	wgx_allowedips_remove(&t, AF_INET, (unsigned char[]){ 198, 18, 0, 0 }, 25, c);
	expect(&t, 4, "198.18.0.1", e, "after removing a /25 its half falls to the /24");

	ok(!insert(&t, 4, f, "0.0.0.0", 0) && !insert(&t, 6, f, "::", 0), "default routes for f");
	expect(&t, 4, "203.0.113.9", f, "v4 default route");
	expect(&t, 6, "2001:db8::1", f, "v6 default route");
	expect(&t, 4, "100.64.0.9", b, "longer prefix beats the default route");
	ok(!insert(&t, 6, g, "fd00::1", 128), "v6 /128 host for g");
	expect(&t, 6, "fd00::1", g, "v6 /128 host");
	expect(&t, 6, "fd00::2", f, "neighbour of the /128 host");
	ok(!insert(&t, 4, g, "100.64.0.7", 32), "v4 /32 host for g");
	expect(&t, 4, "100.64.0.7", g, "v4 /32 host");
	expect(&t, 4, "100.64.0.6", b, "neighbour of the /32 host");

	n = 0;
	ok(wgx_allowedips_walk_by_peer(&t, g, stop_after_two, &n) == 42 && n == 2,
	   "walk stops at and returns the callback's non-zero value");
	wgx_allowedips_remove_by_peer(&t, f);
	expect(&t, 4, "203.0.113.9", NULL, "remove_by_peer drops the v4 default route");
	expect(&t, 6, "2001:db8::1", NULL, "remove_by_peer drops the v6 default route");
	wgx_allowedips_remove_by_peer(&t, f);
	ok(lookup(&t, 4, "100.64.0.9") == b && lookup(&t, 6, "fd00::1") == g,
	   "remove_by_peer of a peer without prefixes changes nothing");
	wgx_allowedips_free(&t);
	ok(!t.root4 && !t.root6 && !t.owners, "free leaves an empty, reusable table");
}

#undef a
#undef b
#undef c
#undef d
#undef e
#undef f
#undef g
#undef h

/*
 * Thousands of peers with one host each, removed in random order: stresses
 * the owner map's growth, backward-shift deletion and shrinking.
 */
#define MANY_PEERS 3000
static char many_storage[MANY_PEERS];

static int count_prefix(void *ctx, int family, const void *addr, uint8_t cidr)
{
	(void)family, (void)addr, (void)cidr;
	++*(unsigned int *)ctx;
	return 0;
}

static void many_peers(void)
{
	static unsigned int order[MANY_PEERS];
	struct wgx_allowedips t;
	unsigned int bad = 0, walked;
	unsigned char ip[4];

	wgx_allowedips_init(&t);
	for (unsigned int i = 0; i < MANY_PEERS; i++) {
		ip[0] = 100, ip[1] = 64, ip[2] = (unsigned char)(i >> 8), ip[3] = (unsigned char)i;
		bad += wgx_allowedips_insert(&t, AF_INET, ip, 32, (struct wgx_peer *)&many_storage[i]) != 0;
		order[i] = i;
	}
	for (unsigned int i = MANY_PEERS - 1; i > 0; i--) {
		unsigned int j = (unsigned int)prng_below(i + 1), tmp = order[i];

		order[i] = order[j];
		order[j] = tmp;
	}
	for (unsigned int k = 0; k < MANY_PEERS; k++) {
		unsigned int i = order[k];

		ip[0] = 100, ip[1] = 64, ip[2] = (unsigned char)(i >> 8), ip[3] = (unsigned char)i;
		wgx_allowedips_remove_by_peer(&t, (struct wgx_peer *)&many_storage[i]);
		bad += wgx_allowedips_lookup(&t, AF_INET, ip) != NULL;
		if (k % 500 != 0)
			continue;
		for (unsigned int q = k + 1; q < MANY_PEERS; q++) {
			walked = 0;
			wgx_allowedips_walk_by_peer(&t, (struct wgx_peer *)&many_storage[order[q]],
						    count_prefix, &walked);
			bad += walked != 1;
		}
	}
	ok(!bad && !t.owners && !t.root4,
	   "%d peers with a /32 each, removed in random order: every remaining peer keeps its prefix (%u wrong)",
	   MANY_PEERS, bad);
	wgx_allowedips_free(&t);
}

/* ---- randomized run against a naive model ---- */

struct model_entry {
	int family;
	unsigned char addr[16]; /* masked */
	uint8_t cidr;
	struct wgx_peer *peer;
	uint64_t seq; /* when it joined its current peer: walk order */
};

#define MODEL_MAX 4096
static struct model_entry model[MODEL_MAX];
static unsigned int model_n;
static uint64_t model_seq;

static unsigned int addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static void mask_addr(unsigned char *out, const unsigned char *in, int family, uint8_t cidr)
{
	unsigned int len = addr_len(family);

	for (unsigned int i = 0; i < len; i++) {
		unsigned int bits = cidr > 8 * i ? cidr - 8 * i : 0;

		out[i] = bits >= 8 ? in[i] : in[i] & (unsigned char)(0xff00 >> bits);
	}
}

static struct model_entry *model_find(int family, const unsigned char *masked, uint8_t cidr)
{
	for (unsigned int i = 0; i < model_n; i++)
		if (model[i].family == family && model[i].cidr == cidr &&
		    !memcmp(model[i].addr, masked, addr_len(family)))
			return &model[i];
	return NULL;
}

static struct wgx_peer *model_lookup(int family, const unsigned char *addr)
{
	struct model_entry *best = NULL;
	unsigned char m[16];

	for (unsigned int i = 0; i < model_n; i++) {
		if (model[i].family != family || (best && model[i].cidr <= best->cidr))
			continue;
		mask_addr(m, addr, family, model[i].cidr);
		if (!memcmp(m, model[i].addr, addr_len(family)))
			best = &model[i];
	}
	return best ? best->peer : NULL;
}

static void model_delete(struct model_entry *m)
{
	*m = model[--model_n];
}

/* A few base addresses per family; operations cluster around them. */
static unsigned char bases[2][16][16];

static int random_family(void)
{
	return prng_below(2) ? AF_INET : AF_INET6;
}

/* A base address with a random tail from a random bit on (the kernel's mutation). */
static void random_addr(int family, unsigned char *out)
{
	unsigned int len = addr_len(family), keep = (unsigned int)prng_below(8 * len + 1);

	if (!prng_below(10)) {
		prng_bytes(out, len);
		return;
	}
	memcpy(out, bases[family == AF_INET6][prng_below(16)], len);
	for (unsigned int i = keep; i < 8 * len; i++)
		if (prng_below(2))
			out[i / 8] ^= (unsigned char)(0x80 >> (i % 8));
}

static uint8_t random_cidr(int family)
{
	unsigned int max = 8 * addr_len(family);
	uint8_t cidr = (uint8_t)prng_below(max + 1);

	return cidr == 0 && prng_below(32) ? (uint8_t)(1 + prng_below(max)) : cidr;
}

struct rand_stats {
	unsigned long inserts, removes, removes_absent, lookups, lookup_hits, by_peer, walks;
	unsigned long failures;
};

static void fail_once(struct rand_stats *st, const char *fmt, const char *what, unsigned long op)
{
	if (!st->failures++)
		diag(fmt, what, op);
}

struct walk_check {
	struct wgx_peer *peer;
	unsigned int count;
	uint64_t last_seq;
	bool bad;
};

static int check_walked(void *ctx, int family, const void *addr, uint8_t cidr)
{
	struct walk_check *wc = ctx;
	struct model_entry *m = model_find(family, addr, cidr);

	if (!m || m->peer != wc->peer || (wc->count && m->seq <= wc->last_seq))
		wc->bad = true;
	if (m)
		wc->last_seq = m->seq;
	wc->count++;
	return 0;
}

static bool walk_matches_model(struct wgx_allowedips *t, struct wgx_peer *peer)
{
	struct walk_check wc = { .peer = peer };
	unsigned int want = 0;

	wgx_allowedips_walk_by_peer(t, peer, check_walked, &wc);
	for (unsigned int i = 0; i < model_n; i++)
		want += model[i].peer == peer;
	return !wc.bad && wc.count == want;
}

static void random_insert(struct wgx_allowedips *t, struct rand_stats *st, unsigned long op)
{
	int family = random_family();
	uint8_t cidr = random_cidr(family);
	struct wgx_peer *peer = PEER(prng_below(NUM_PEERS));
	unsigned char addr[16], masked[16];
	struct model_entry *m;

	random_addr(family, addr);
	mask_addr(masked, addr, family, cidr);
	if (wgx_allowedips_insert(t, family, addr, cidr, peer))
		fail_once(st, "%s failed at op %lu", "insert", op);
	st->inserts++;
	m = model_find(family, masked, cidr);
	if (!m) {
		if (model_n == MODEL_MAX)
			abort();
		m = &model[model_n++];
		*m = (struct model_entry){ .family = family, .cidr = cidr };
		memcpy(m->addr, masked, addr_len(family));
	} else if (m->peer == peer) {
		return;
	}
	m->peer = peer;
	m->seq = ++model_seq;
}

static void random_remove(struct wgx_allowedips *t, struct rand_stats *st, unsigned long op)
{
	unsigned char addr[16], masked[16];
	struct model_entry *m;
	int family, want;
	struct wgx_peer *peer;
	uint8_t cidr;

	if (model_n && prng_below(4)) {
		/* An existing prefix, usually as its owner, sometimes as another peer. */
		m = &model[prng_below(model_n)];
		family = m->family;
		cidr = m->cidr;
		memcpy(addr, m->addr, addr_len(family));
		for (unsigned int i = cidr; i < 8 * addr_len(family); i++)
			if (prng_below(2))
				addr[i / 8] |= (unsigned char)(0x80 >> (i % 8)); /* host bits */
		peer = prng_below(4) ? m->peer : PEER(prng_below(NUM_PEERS));
	} else {
		family = random_family();
		cidr = random_cidr(family);
		random_addr(family, addr);
		peer = PEER(prng_below(NUM_PEERS));
	}
	mask_addr(masked, addr, family, cidr);
	m = model_find(family, masked, cidr);
	want = m && m->peer == peer ? 0 : -ENOENT;
	if (wgx_allowedips_remove(t, family, addr, cidr, peer) != want)
		fail_once(st, "%s disagrees with the model at op %lu", "remove", op);
	if (!want) {
		model_delete(m);
		st->removes++;
	} else {
		st->removes_absent++;
	}
}

static void random_lookup(struct wgx_allowedips *t, struct rand_stats *st, unsigned long op)
{
	int family = random_family();
	unsigned char addr[16];
	struct wgx_peer *want, *got;

	random_addr(family, addr);
	want = model_lookup(family, addr);
	got = wgx_allowedips_lookup(t, family, addr);
	if (got != want) {
		char buf[INET6_ADDRSTRLEN];

		inet_ntop(family, addr, buf, sizeof(buf));
		fail_once(st, "lookup %s disagrees with the model at op %lu", buf, op);
	}
	st->lookups++;
	st->lookup_hits += want != NULL;
}

static void random_remove_by_peer_of(struct wgx_allowedips *t, struct rand_stats *st,
				     struct wgx_peer *peer)
{
	wgx_allowedips_remove_by_peer(t, peer);
	for (unsigned int i = 0; i < model_n;)
		if (model[i].peer == peer)
			model_delete(&model[i]);
		else
			i++;
	st->by_peer++;
}

static void random_walks(struct wgx_allowedips *t, struct rand_stats *st, unsigned long op)
{
	for (unsigned int p = 0; p < NUM_PEERS; p++)
		if (!walk_matches_model(t, PEER(p)))
			fail_once(st, "%s disagrees with the model at op %lu", "walk", op);
	st->walks += NUM_PEERS;
}

/*
 * @insert_pct: percentage of inserts; the rest splits between lookups (most),
 * removes and the occasional remove_by_peer.
 */
static void random_phase(struct wgx_allowedips *t, const char *name, unsigned long ops,
			 unsigned int insert_pct)
{
	struct rand_stats st = { 0 };

	for (unsigned long op = 0; op < ops; op++) {
		unsigned int r = (unsigned int)prng_below(1000);

		if (r < insert_pct * 10 && model_n < MODEL_MAX - 1)
			random_insert(t, &st, op);
		else if (r < 800)
			random_lookup(t, &st, op);
		else if (r < 995)
			random_remove(t, &st, op);
		else
			random_remove_by_peer_of(t, &st, PEER(prng_below(NUM_PEERS)));
		if (op % 2000 == 1999)
			random_walks(t, &st, op);
	}
	random_walks(t, &st, ops);
	ok(!st.failures,
	   "randomized %s: %lu ops vs naive model (%lu inserts, %lu removes + %lu refused, "
	   "%lu lookups of which %lu hit, %lu remove_by_peer, %lu peer walks), %u prefixes live",
	   name, ops, st.inserts, st.removes, st.removes_absent, st.lookups, st.lookup_hits,
	   st.by_peer, st.walks, model_n);
	if (st.failures)
		diag("%lu disagreements", st.failures);
}

static void randomized(void)
{
	struct wgx_allowedips t;
	bool drained = true;

	prng_bytes(bases, sizeof(bases));
	wgx_allowedips_init(&t);
	model_n = 0;

	random_phase(&t, "growth (mostly inserts)", 40000, 50);
	random_phase(&t, "churn (inserts, removes, remove_by_peer, lookups)", 80000, 25);
	for (unsigned int p = 0; p < NUM_PEERS; p++) {
		struct rand_stats st = { 0 };

		random_remove_by_peer_of(&t, &st, PEER(p));
		for (unsigned int q = 0; q < NUM_PEERS; q++)
			drained &= walk_matches_model(&t, PEER(q));
		for (unsigned int i = 0; i < 100; i++)
			random_lookup(&t, &st, i);
		drained &= !st.failures;
	}
	ok(drained, "randomized drain: model agrees on walks and lookups after each remove_by_peer");
	ok(!t.root4 && !t.root6 && !t.owners,
	   "randomized drain: remove_by_peer of every peer leaves an empty trie and owner map");
	wgx_allowedips_free(&t);
}

int main(void)
{
	kernel_selftest();
	api_cases();
	prng_seed(0x616c6c6f776564ULL);
	many_peers();
	randomized();
	return tap_done();
}
