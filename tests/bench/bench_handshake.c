// SPDX-License-Identifier: MIT
/*
 * Handshake throughput of the protocol core on one thread:
 *  - create_initiation/s: wgx_noise_create_initiation + wgx_cookie_add_macs
 *    (what an initiator pays per message 1);
 *  - consume+respond/s: what a responder pays per accepted message 1 —
 *    wgx_cookie_validate (mac1, no cookie: not under load), a public-key
 *    table lookup, wgx_noise_consume_initiation, wgx_noise_create_response,
 *    wgx_cookie_add_macs on the response; and the same plus
 *    wgx_noise_begin_session (key derivation, keypair slotting and freeing).
 * PEERS distinct initiators, ROUNDS initiations each, so neither the replay
 * check nor the per-peer INITIATIONS_PER_SECOND flood check rejects any: the
 * fake clock advances one second per round. Every consume must succeed (exit
 * 1 otherwise): a failure would make the figure meaningless.
 * No I/O, no index table, no rate limiter: the upper bound of the control
 * thread for handshakes, per core.
 */
#include <endian.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/cookie.h"
#include "core/crypto.h"
#include "core/noise.h"
#include "core/peerlookup.h"
#include "core/secret.h"

#define PEERS 1024
#define ROUNDS 4
#define N (PEERS * ROUNDS)
#define SEC WGX_NS_PER_SEC
#define WALL0 (1700000000ULL * SEC)

struct initiator { /* one remote peer, as seen from its own side */
	struct wgx_static_identity id;
	struct wgx_handshake hs;
	struct wgx_cookie cookie;
};

struct responder_peer { /* the responder's state for one remote peer */
	struct wgx_handshake hs;
	struct wgx_cookie cookie;
	struct wgx_keypairs kps;
};

static struct wgx_static_identity resp_id;
static struct wgx_cookie_checker checker;
static struct wgx_pubkey_table table;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

/* The table maps keys to struct wgx_peer *, opaque to it: ours are responder_peer. */
static struct wgx_handshake *lookup(void *ctx, const uint8_t remote_static[WGX_KEY_LEN])
{
	struct responder_peer *p =
		(struct responder_peer *)wgx_pubkey_lookup(ctx, remote_static);

	return p ? &p->hs : NULL;
}

static int setup(struct initiator **ini, struct responder_peer **rp)
{
	uint8_t priv[WGX_KEY_LEN];

	if (wgx_crypto_init() || wgx_pubkey_table_init(&table))
		return -1;
	wgx_x25519_generate(priv);
	wgx_noise_set_private_key(&resp_id, priv);
	wgx_cookie_checker_init(&checker, resp_id.static_public, 0);
	for (int i = 0; i < PEERS; i++) {
		ini[i] = wgx_secret_alloc(sizeof(*ini[i]));
		rp[i] = wgx_secret_alloc(sizeof(*rp[i]));
		if (!ini[i] || !rp[i])
			return -1;
		wgx_x25519_generate(priv);
		wgx_noise_set_private_key(&ini[i]->id, priv);
		wgx_noise_handshake_init(&ini[i]->hs, &ini[i]->id, resp_id.static_public, NULL);
		wgx_cookie_init(&ini[i]->cookie, resp_id.static_public);
		wgx_noise_handshake_init(&rp[i]->hs, &resp_id, ini[i]->id.static_public, NULL);
		wgx_cookie_init(&rp[i]->cookie, ini[i]->id.static_public);
		if (wgx_pubkey_add(&table, ini[i]->id.static_public, (struct wgx_peer *)rp[i]))
			return -1;
	}
	sodium_memzero(priv, sizeof(priv));
	return 0;
}

/*
 * Responder side over all N messages; with_session adds begin_session.
 * Returns the elapsed ns, or 0 when any message was not accepted.
 */
static uint64_t respond_all(const struct wgx_msg_initiation *msgs, struct responder_peer **rp,
			    uint64_t now0, bool with_session)
{
	static const uint8_t addr[6] = { 198, 18, 0, 1, 0xca, 0x6c };
	struct wgx_msg_response resp;
	uint64_t start = mono_ns();

	for (int r = 0; r < ROUNDS; r++) {
		uint64_t now = now0 + (uint64_t)r * SEC;

		for (int i = 0; i < PEERS; i++) {
			const struct wgx_msg_initiation *m = &msgs[r * PEERS + i];
			struct wgx_keypair_drops drops = { 0 };
			enum wgx_noise_error err;
			struct wgx_handshake *hs;

			if (wgx_cookie_validate(&checker, m, sizeof(*m), false, addr, sizeof(addr),
						now) != WGX_COOKIE_VALID_MAC_BUT_NO_COOKIE)
				return 0;
			hs = wgx_noise_consume_initiation(m, &resp_id, lookup, &table, now, &err);
			if (!hs)
				return 0;
			hs->local_index = (uint32_t)(r * PEERS + i + 1);
			if (wgx_noise_create_response(&resp, hs, &resp_id) != WGX_NOISE_OK)
				return 0;
			wgx_cookie_add_macs(&rp[i]->cookie, &resp, sizeof(resp), now);
			if (!with_session) {
				wgx_noise_handshake_clear(hs);
				continue;
			}
			if (!wgx_noise_begin_session(hs, &rp[i]->kps, now, &drops, &err))
				return 0;
			for (unsigned int d = 0; d < drops.n; d++)
				wgx_noise_keypair_free(drops.kp[d]);
		}
	}
	return mono_ns() - start;
}

int main(void)
{
	static struct initiator *ini[PEERS];
	static struct responder_peer *rp[PEERS];
	struct wgx_msg_initiation *msgs = calloc(2 * N, sizeof(*msgs));
	uint64_t start, t_create, t_consume, t_session;

	if (!msgs || setup(ini, rp)) {
		fprintf(stderr, "bench_handshake: setup failed\n");
		return 1;
	}
	/* Two batches of N: one for each responder pass (a message is accepted once). */
	start = mono_ns();
	for (int k = 0; k < 2 * N; k++) {
		struct initiator *p = ini[k % PEERS];
		uint64_t wall = WALL0 + (uint64_t)(k / PEERS) * SEC;

		p->hs.local_index = (uint32_t)k + 1;
		if (wgx_noise_create_initiation(&msgs[k], &p->hs, &p->id, wall) != WGX_NOISE_OK) {
			fprintf(stderr, "bench_handshake: create_initiation failed\n");
			return 1;
		}
		wgx_cookie_add_macs(&p->cookie, &msgs[k], sizeof(msgs[k]), (uint64_t)k);
	}
	t_create = mono_ns() - start;

	t_consume = respond_all(msgs, rp, SEC, false);
	t_session = respond_all(msgs + N, rp, (ROUNDS + 1) * SEC, true);
	if (!t_consume || !t_session) {
		fprintf(stderr, "bench_handshake: a valid initiation was rejected\n");
		return 1;
	}
	printf("handshake: %.0f initiations/s/core (consume+respond), %d peers x %d\n",
	       N * 1e9 / (double)t_consume, PEERS, ROUNDS);
	printf("handshake: %.0f initiations/s/core (consume+respond+begin_session)\n",
	       N * 1e9 / (double)t_session);
	printf("handshake: %.0f create_initiation/s/core\n", 2 * N * 1e9 / (double)t_create);

	for (int i = 0; i < PEERS; i++) {
		struct wgx_keypair_drops drops = { 0 };

		wgx_noise_keypairs_clear(&rp[i]->kps, &drops);
		for (unsigned int d = 0; d < drops.n; d++)
			wgx_noise_keypair_free(drops.kp[d]);
		wgx_secret_free(ini[i], sizeof(*ini[i]));
		wgx_secret_free(rp[i], sizeof(*rp[i]));
	}
	wgx_pubkey_table_free(&table);
	free(msgs);
	return 0;
}
