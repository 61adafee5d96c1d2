// SPDX-License-Identifier: MIT
/*
 * Noise_IKpsk2 as WireGuard runs it; see noise.h for the contract. The
 * message steps follow the kernel's noise.c one to one so the two can be read
 * side by side.
 */
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <sodium.h>

#include "core/aead.h"
#include "core/crypto.h"
#include "core/noise.h"
#include "core/secret.h"

static const char handshake_name[37] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
static const char identifier_name[34] = "WireGuard v1 zx2c4 Jason@zx2c4.com";
static uint8_t handshake_init_hash[WGX_HASH_LEN];
static uint8_t handshake_init_chaining_key[WGX_HASH_LEN];
static pthread_once_t handshake_init_once = PTHREAD_ONCE_INIT;

/* TAI64N: 2^62 + 10 (TAI - UTC in 1972) + seconds since 1970, then ns. */
#define TAI64_BASE 0x400000000000000aULL
/*
 * Nanoseconds are rounded down to a power of two no finer than the
 * initiation rate allows anyway (2^24 ns, like the kernel and wireguard-go),
 * so the timestamp does not leak a precise clock.
 */
#define TAI64N_STEP_NS (1U << 24)
_Static_assert(TAI64N_STEP_NS <= WGX_NS_PER_SEC / WGX_INITIATIONS_PER_SECOND &&
		       2 * TAI64N_STEP_NS > WGX_NS_PER_SEC / WGX_INITIATIONS_PER_SECOND,
	       "whitening step is the power of two below 1 s / INITIATIONS_PER_SECOND");

static void compute_init_constants(void)
{
	struct wgx_blake2s_state st;

	wgx_blake2s256(handshake_init_chaining_key, handshake_name, sizeof(handshake_name));
	wgx_blake2s_init(&st, WGX_HASH_LEN);
	wgx_blake2s_update(&st, handshake_init_chaining_key, WGX_HASH_LEN);
	wgx_blake2s_update(&st, identifier_name, sizeof(identifier_name));
	wgx_blake2s_final(&st, handshake_init_hash, WGX_HASH_LEN);
}

const char *wgx_noise_strerror(enum wgx_noise_error err)
{
	switch (err) {
	case WGX_NOISE_OK: return "ok";
	case WGX_NOISE_NO_IDENTITY: return "no private key";
	case WGX_NOISE_BAD_STATE: return "handshake in wrong state";
	case WGX_NOISE_BAD_DH: return "low-order DH result";
	case WGX_NOISE_DECRYPT_FAILED: return "decryption failed";
	case WGX_NOISE_UNKNOWN_PEER: return "unknown peer";
	case WGX_NOISE_REPLAY: return "replayed timestamp";
	case WGX_NOISE_FLOOD: return "initiation flood";
	case WGX_NOISE_NO_MEMORY: return "out of memory";
	}
	return "unknown error";
}

int wgx_noise_set_private_key(struct wgx_static_identity *identity,
			      const uint8_t private_key[WGX_KEY_LEN])
{
	identity->generation++;
	if (!private_key) {
		sodium_memzero(identity->static_private, WGX_KEY_LEN);
		memset(identity->static_public, 0, WGX_KEY_LEN);
		identity->has_identity = false;
		return 0;
	}
	memcpy(identity->static_private, private_key, WGX_KEY_LEN);
	identity->static_private[0] &= 248;
	identity->static_private[31] = (identity->static_private[31] & 127) | 64;
	wgx_x25519_public(identity->static_public, identity->static_private);
	identity->has_identity = !sodium_is_zero(identity->static_public, WGX_KEY_LEN);
	return 0;
}

void wgx_noise_precompute(struct wgx_handshake *hs, const struct wgx_static_identity *identity)
{
	/* wgx_x25519 zeroes the output on a low-order result: "unusable". */
	if (!identity->has_identity ||
	    wgx_x25519(hs->precomputed_static_static, identity->static_private,
		       hs->remote_static))
		sodium_memzero(hs->precomputed_static_static, WGX_KEY_LEN);
	hs->precomputed_generation = identity->generation;
}

static void ensure_precomputed(struct wgx_handshake *hs, const struct wgx_static_identity *identity)
{
	if (hs->precomputed_generation != identity->generation)
		wgx_noise_precompute(hs, identity);
}

void wgx_noise_set_preshared_key(struct wgx_handshake *hs, const uint8_t psk[WGX_KEY_LEN])
{
	if (psk)
		memcpy(hs->preshared_key, psk, WGX_KEY_LEN);
	else
		sodium_memzero(hs->preshared_key, WGX_KEY_LEN);
}

void wgx_noise_handshake_init(struct wgx_handshake *hs, const struct wgx_static_identity *identity,
			      const uint8_t remote_static[WGX_KEY_LEN],
			      const uint8_t preshared_key[WGX_KEY_LEN])
{
	sodium_memzero(hs, sizeof(*hs));
	hs->state = WGX_HANDSHAKE_ZEROED;
	memcpy(hs->remote_static, remote_static, WGX_KEY_LEN);
	wgx_noise_set_preshared_key(hs, preshared_key);
	wgx_noise_precompute(hs, identity);
}

void wgx_noise_handshake_clear(struct wgx_handshake *hs)
{
	sodium_memzero(hs->ephemeral_private, WGX_KEY_LEN);
	sodium_memzero(hs->remote_ephemeral, WGX_KEY_LEN);
	sodium_memzero(hs->hash, WGX_HASH_LEN);
	sodium_memzero(hs->chaining_key, WGX_HASH_LEN);
	hs->remote_index = 0;
	hs->state = WGX_HANDSHAKE_ZEROED;
}

/* ---- symmetric state (whitepaper 5.4: Hash, Mix-Key, Mix-Hash) ---- */

static void mix_hash(uint8_t hash[WGX_HASH_LEN], const void *src, size_t len)
{
	struct wgx_blake2s_state st;

	wgx_blake2s_init(&st, WGX_HASH_LEN);
	wgx_blake2s_update(&st, hash, WGX_HASH_LEN);
	wgx_blake2s_update(&st, src, len);
	wgx_blake2s_final(&st, hash, WGX_HASH_LEN);
}

/* ck, key = KDF2(ck, DH(priv, pub)); key may be NULL (ee, se). */
static bool mix_dh(uint8_t ck[WGX_HASH_LEN], uint8_t key[WGX_KEY_LEN],
		   const uint8_t priv[WGX_KEY_LEN], const uint8_t pub[WGX_KEY_LEN])
{
	uint8_t dh[WGX_KEY_LEN];

	if (wgx_x25519(dh, priv, pub))
		return false;
	wgx_kdf(ck, key, NULL, dh, WGX_KEY_LEN, ck);
	sodium_memzero(dh, sizeof(dh));
	return true;
}

static bool mix_precomputed_dh(uint8_t ck[WGX_HASH_LEN], uint8_t key[WGX_KEY_LEN],
			       const uint8_t precomputed[WGX_KEY_LEN])
{
	if (sodium_is_zero(precomputed, WGX_KEY_LEN))
		return false;
	wgx_kdf(ck, key, NULL, precomputed, WGX_KEY_LEN, ck);
	return true;
}

static void mix_psk(uint8_t ck[WGX_HASH_LEN], uint8_t hash[WGX_HASH_LEN], uint8_t key[WGX_KEY_LEN],
		    const uint8_t psk[WGX_KEY_LEN])
{
	uint8_t temp_hash[WGX_HASH_LEN];

	wgx_kdf(ck, temp_hash, key, psk, WGX_KEY_LEN, ck);
	mix_hash(hash, temp_hash, WGX_HASH_LEN);
	sodium_memzero(temp_hash, sizeof(temp_hash));
}

static void handshake_start(uint8_t ck[WGX_HASH_LEN], uint8_t hash[WGX_HASH_LEN],
			    const uint8_t responder_static[WGX_KEY_LEN])
{
	pthread_once(&handshake_init_once, compute_init_constants);
	memcpy(hash, handshake_init_hash, WGX_HASH_LEN);
	memcpy(ck, handshake_init_chaining_key, WGX_HASH_LEN);
	mix_hash(hash, responder_static, WGX_KEY_LEN);
}

/* The AEAD nonce is always 0 in the handshake: every key is used once. */
static void message_encrypt(uint8_t *dst, const uint8_t *src, size_t len,
			    const uint8_t key[WGX_KEY_LEN], uint8_t hash[WGX_HASH_LEN])
{
	wgx_aead_seal(dst, src, len, hash, WGX_HASH_LEN, 0, key);
	mix_hash(hash, dst, len + WGX_AUTHTAG_LEN);
}

static bool message_decrypt(uint8_t *dst, const uint8_t *src, size_t src_len,
			    const uint8_t key[WGX_KEY_LEN], uint8_t hash[WGX_HASH_LEN])
{
	if (wgx_aead_open(dst, src, src_len, hash, WGX_HASH_LEN, 0, key))
		return false;
	mix_hash(hash, src, src_len);
	return true;
}

static void message_ephemeral(uint8_t dst[WGX_KEY_LEN], const uint8_t src[WGX_KEY_LEN],
			      uint8_t ck[WGX_HASH_LEN], uint8_t hash[WGX_HASH_LEN])
{
	if (dst != src)
		memcpy(dst, src, WGX_KEY_LEN);
	mix_hash(hash, src, WGX_KEY_LEN);
	wgx_kdf(ck, NULL, NULL, src, WGX_KEY_LEN, ck);
}

/* ---- TAI64N ---- */

static void tai64n_encode(uint8_t out[WGX_TIMESTAMP_LEN], uint64_t sec, uint32_t nsec)
{
	uint64_t be_sec = htobe64(TAI64_BASE + sec);
	uint32_t be_nsec = htobe32(nsec);

	memcpy(out, &be_sec, 8);
	memcpy(out + 8, &be_nsec, 4);
}

void wgx_tai64n_from_wall(uint8_t out[WGX_TIMESTAMP_LEN], uint64_t wall_ns)
{
	uint32_t nsec = wall_ns % WGX_NS_PER_SEC;

	tai64n_encode(out, wall_ns / WGX_NS_PER_SEC, nsec & ~(TAI64N_STEP_NS - 1));
}

int wgx_tai64n_parse(const uint8_t ts[WGX_TIMESTAMP_LEN], uint64_t *unix_sec, uint32_t *nsec)
{
	uint64_t be_sec;
	uint32_t be_nsec;

	memcpy(&be_sec, ts, 8);
	memcpy(&be_nsec, ts + 8, 4);
	if (be64toh(be_sec) < TAI64_BASE || be32toh(be_nsec) >= WGX_NS_PER_SEC)
		return -EINVAL;
	*unix_sec = be64toh(be_sec) - TAI64_BASE;
	*nsec = be32toh(be_nsec);
	return 0;
}

/*
 * The peer rejects any timestamp not newer than the last one it accepted
 * from us, so if the wall clock stepped back (or two initiations fall in
 * one 2^24 ns step) send one step past the last: byte order is big endian,
 * so memcmp compares timestamps.
 */
static void tai64n_next(uint8_t out[WGX_TIMESTAMP_LEN], uint8_t last[WGX_TIMESTAMP_LEN],
			uint64_t wall_ns)
{
	uint64_t sec;
	uint32_t nsec;

	wgx_tai64n_from_wall(out, wall_ns);
	if (memcmp(out, last, WGX_TIMESTAMP_LEN) <= 0 && !wgx_tai64n_parse(last, &sec, &nsec)) {
		nsec = (nsec & ~(TAI64N_STEP_NS - 1)) + TAI64N_STEP_NS;
		if (nsec >= WGX_NS_PER_SEC) {
			sec++;
			nsec = 0;
		}
		tai64n_encode(out, sec, nsec);
	}
	memcpy(last, out, WGX_TIMESTAMP_LEN);
}

/* ---- messages ---- */

enum wgx_noise_error wgx_noise_create_initiation(struct wgx_msg_initiation *dst,
						 struct wgx_handshake *hs,
						 const struct wgx_static_identity *identity,
						 uint64_t wall_ns)
{
	uint8_t timestamp[WGX_TIMESTAMP_LEN];
	uint8_t key[WGX_KEY_LEN];
	enum wgx_noise_error ret;

	if (!identity->has_identity)
		return WGX_NOISE_NO_IDENTITY;
	ensure_precomputed(hs, identity);

	memset(dst, 0, sizeof(*dst));
	dst->header.type = htole32(WGX_MSG_HANDSHAKE_INITIATION);
	dst->sender_index = htole32(hs->local_index);
	handshake_start(hs->chaining_key, hs->hash, hs->remote_static);

	/* e */
	wgx_x25519_generate(hs->ephemeral_private);
	wgx_x25519_public(dst->unencrypted_ephemeral, hs->ephemeral_private);
	message_ephemeral(dst->unencrypted_ephemeral, dst->unencrypted_ephemeral,
			  hs->chaining_key, hs->hash);

	/* es */
	ret = WGX_NOISE_BAD_DH;
	if (!mix_dh(hs->chaining_key, key, hs->ephemeral_private, hs->remote_static))
		goto fail;

	/* s */
	message_encrypt(dst->encrypted_static, identity->static_public, WGX_KEY_LEN, key, hs->hash);

	/* ss */
	if (!mix_precomputed_dh(hs->chaining_key, key, hs->precomputed_static_static))
		goto fail;

	/* {t} */
	tai64n_next(timestamp, hs->last_sent_timestamp, wall_ns);
	message_encrypt(dst->encrypted_timestamp, timestamp, WGX_TIMESTAMP_LEN, key, hs->hash);

	hs->state = WGX_HANDSHAKE_CREATED_INITIATION;
	sodium_memzero(key, sizeof(key));
	return WGX_NOISE_OK;

fail:
	wgx_noise_handshake_clear(hs);
	sodium_memzero(key, sizeof(key));
	return ret;
}

struct wgx_handshake *wgx_noise_consume_initiation(const struct wgx_msg_initiation *src,
						   const struct wgx_static_identity *identity,
						   wgx_noise_lookup_fn lookup, void *ctx,
						   uint64_t now, enum wgx_noise_error *err)
{
	struct wgx_handshake *hs = NULL, *ret_hs = NULL;
	uint8_t key[WGX_KEY_LEN];
	uint8_t chaining_key[WGX_HASH_LEN];
	uint8_t hash[WGX_HASH_LEN];
	uint8_t s[WGX_KEY_LEN];
	uint8_t e[WGX_KEY_LEN];
	uint8_t t[WGX_TIMESTAMP_LEN];

	*err = WGX_NOISE_NO_IDENTITY;
	if (!identity->has_identity)
		return NULL;

	handshake_start(chaining_key, hash, identity->static_public);

	/* e */
	message_ephemeral(e, src->unencrypted_ephemeral, chaining_key, hash);

	/* es */
	*err = WGX_NOISE_BAD_DH;
	if (!mix_dh(chaining_key, key, identity->static_private, e))
		goto out;

	/* s */
	*err = WGX_NOISE_DECRYPT_FAILED;
	if (!message_decrypt(s, src->encrypted_static, sizeof(src->encrypted_static), key, hash))
		goto out;

	/* Which peer is this? */
	*err = WGX_NOISE_UNKNOWN_PEER;
	hs = lookup(ctx, s);
	if (!hs)
		goto out;
	ensure_precomputed(hs, identity);

	/* ss */
	*err = WGX_NOISE_BAD_DH;
	if (!mix_precomputed_dh(chaining_key, key, hs->precomputed_static_static))
		goto out;

	/* {t} */
	*err = WGX_NOISE_DECRYPT_FAILED;
	if (!message_decrypt(t, src->encrypted_timestamp, sizeof(src->encrypted_timestamp), key,
			     hash))
		goto out;

	*err = WGX_NOISE_REPLAY;
	if (memcmp(t, hs->latest_timestamp, WGX_TIMESTAMP_LEN) <= 0)
		goto out;
	*err = WGX_NOISE_FLOOD;
	if (hs->has_consumed_initiation &&
	    hs->last_initiation_consumption + WGX_NS_PER_SEC / WGX_INITIATIONS_PER_SECOND > now)
		goto out;

	/* Accepted: only now does the peer's state change. */
	memcpy(hs->remote_ephemeral, e, WGX_KEY_LEN);
	memcpy(hs->latest_timestamp, t, WGX_TIMESTAMP_LEN);
	memcpy(hs->hash, hash, WGX_HASH_LEN);
	memcpy(hs->chaining_key, chaining_key, WGX_HASH_LEN);
	hs->remote_index = le32toh(src->sender_index);
	if (!hs->has_consumed_initiation || now > hs->last_initiation_consumption)
		hs->last_initiation_consumption = now;
	hs->has_consumed_initiation = true;
	hs->state = WGX_HANDSHAKE_CONSUMED_INITIATION;
	*err = WGX_NOISE_OK;
	ret_hs = hs;

out:
	sodium_memzero(key, sizeof(key));
	sodium_memzero(hash, sizeof(hash));
	sodium_memzero(chaining_key, sizeof(chaining_key));
	return ret_hs;
}

enum wgx_noise_error wgx_noise_create_response(struct wgx_msg_response *dst,
					       struct wgx_handshake *hs,
					       const struct wgx_static_identity *identity)
{
	uint8_t key[WGX_KEY_LEN];

	if (!identity->has_identity)
		return WGX_NOISE_NO_IDENTITY;
	if (hs->state != WGX_HANDSHAKE_CONSUMED_INITIATION)
		return WGX_NOISE_BAD_STATE;

	memset(dst, 0, sizeof(*dst));
	dst->header.type = htole32(WGX_MSG_HANDSHAKE_RESPONSE);
	dst->sender_index = htole32(hs->local_index);
	dst->receiver_index = htole32(hs->remote_index);

	/* e */
	wgx_x25519_generate(hs->ephemeral_private);
	wgx_x25519_public(dst->unencrypted_ephemeral, hs->ephemeral_private);
	message_ephemeral(dst->unencrypted_ephemeral, dst->unencrypted_ephemeral,
			  hs->chaining_key, hs->hash);

	/* ee, se */
	if (!mix_dh(hs->chaining_key, NULL, hs->ephemeral_private, hs->remote_ephemeral) ||
	    !mix_dh(hs->chaining_key, NULL, hs->ephemeral_private, hs->remote_static)) {
		wgx_noise_handshake_clear(hs);
		return WGX_NOISE_BAD_DH;
	}

	/* psk */
	mix_psk(hs->chaining_key, hs->hash, key, hs->preshared_key);

	/* {} */
	message_encrypt(dst->encrypted_nothing, NULL, 0, key, hs->hash);

	hs->state = WGX_HANDSHAKE_CREATED_RESPONSE;
	sodium_memzero(key, sizeof(key));
	return WGX_NOISE_OK;
}

enum wgx_noise_error wgx_noise_consume_response(const struct wgx_msg_response *src,
						struct wgx_handshake *hs,
						const struct wgx_static_identity *identity)
{
	enum wgx_noise_error ret;
	uint8_t key[WGX_KEY_LEN];
	uint8_t hash[WGX_HASH_LEN];
	uint8_t chaining_key[WGX_HASH_LEN];
	uint8_t e[WGX_KEY_LEN];
	uint8_t nothing[1];

	if (!identity->has_identity)
		return WGX_NOISE_NO_IDENTITY;
	if (hs->state != WGX_HANDSHAKE_CREATED_INITIATION ||
	    le32toh(src->receiver_index) != hs->local_index)
		return WGX_NOISE_BAD_STATE;

	/* Work on copies: a forged response must leave the handshake intact. */
	memcpy(hash, hs->hash, WGX_HASH_LEN);
	memcpy(chaining_key, hs->chaining_key, WGX_HASH_LEN);

	/* e */
	message_ephemeral(e, src->unencrypted_ephemeral, chaining_key, hash);

	/* ee, se */
	ret = WGX_NOISE_BAD_DH;
	if (!mix_dh(chaining_key, NULL, hs->ephemeral_private, e) ||
	    !mix_dh(chaining_key, NULL, identity->static_private, e))
		goto out;

	/* psk */
	mix_psk(chaining_key, hash, key, hs->preshared_key);

	/* {} */
	ret = WGX_NOISE_DECRYPT_FAILED;
	if (!message_decrypt(nothing, src->encrypted_nothing, sizeof(src->encrypted_nothing), key,
			     hash))
		goto out;

	memcpy(hs->remote_ephemeral, e, WGX_KEY_LEN);
	memcpy(hs->hash, hash, WGX_HASH_LEN);
	memcpy(hs->chaining_key, chaining_key, WGX_HASH_LEN);
	hs->remote_index = le32toh(src->sender_index);
	hs->state = WGX_HANDSHAKE_CONSUMED_RESPONSE;
	ret = WGX_NOISE_OK;

out:
	sodium_memzero(key, sizeof(key));
	sodium_memzero(hash, sizeof(hash));
	sodium_memzero(chaining_key, sizeof(chaining_key));
	return ret;
}

/* ---- transport keypairs ---- */

static _Atomic uint64_t keypair_counter;

static void drop(struct wgx_keypair_drops *drops, struct wgx_keypair *kp)
{
	if (kp)
		drops->kp[drops->n++] = kp;
}

static void add_new_keypair(struct wgx_keypairs *kps, struct wgx_keypair *new_kp,
			    struct wgx_keypair_drops *drops)
{
	struct wgx_keypair *previous = kps->previous, *next = kps->next, *current = kps->current;

	if (new_kp->i_am_the_initiator) {
		/*
		 * The peer answered our initiation, so the new keypair is
		 * usable now. A pending next was never confirmed: like the
		 * kernel, keep it as previous (it may still receive) and drop
		 * current; otherwise current slides to previous.
		 */
		if (next) {
			kps->next = NULL;
			kps->previous = next;
			drop(drops, current);
		} else {
			kps->previous = current;
		}
		drop(drops, previous);
		kps->current = new_kp;
	} else {
		/*
		 * Responder: unusable for sending until the initiator proves
		 * it has it (first data packet), so it waits in next.
		 */
		kps->next = new_kp;
		drop(drops, next);
		kps->previous = NULL;
		drop(drops, previous);
	}
}

struct wgx_keypair *wgx_noise_begin_session(struct wgx_handshake *hs,
					    struct wgx_keypairs *keypairs, uint64_t now,
					    struct wgx_keypair_drops *drops,
					    enum wgx_noise_error *err)
{
	struct wgx_keypair *kp;

	*err = WGX_NOISE_BAD_STATE;
	if (hs->state != WGX_HANDSHAKE_CREATED_RESPONSE &&
	    hs->state != WGX_HANDSHAKE_CONSUMED_RESPONSE)
		return NULL;

	*err = WGX_NOISE_NO_MEMORY;
	kp = wgx_secret_alloc(sizeof(*kp));
	if (!kp)
		return NULL;
	kp->internal_id = ++keypair_counter;
	kp->i_am_the_initiator = hs->state == WGX_HANDSHAKE_CONSUMED_RESPONSE;
	kp->local_index = hs->local_index;
	kp->remote_index = hs->remote_index;
	kp->birthdate = now;
	wgx_replay_init(&kp->replay);
	/* Initiator sends with T_send = first KDF output, the responder receives with it. */
	if (kp->i_am_the_initiator)
		wgx_kdf(kp->sending_key, kp->receiving_key, NULL, NULL, 0, hs->chaining_key);
	else
		wgx_kdf(kp->receiving_key, kp->sending_key, NULL, NULL, 0, hs->chaining_key);
	atomic_store(&kp->sending_counter, 0);
	atomic_store(&kp->sending_valid, true);
	atomic_store(&kp->receiving_valid, true);

	wgx_noise_handshake_clear(hs);
	add_new_keypair(keypairs, kp, drops);
	*err = WGX_NOISE_OK;
	return kp;
}

bool wgx_noise_received_with_keypair(struct wgx_keypairs *keypairs, struct wgx_keypair *kp,
				     struct wgx_keypair_drops *drops)
{
	if (!kp || kp != keypairs->next)
		return false;
	drop(drops, keypairs->previous);
	keypairs->previous = keypairs->current;
	keypairs->current = kp;
	keypairs->next = NULL;
	return true;
}

void wgx_noise_keypairs_clear(struct wgx_keypairs *keypairs, struct wgx_keypair_drops *drops)
{
	/* next first, like the kernel, so a racing confirmation finds nothing to promote. */
	drop(drops, keypairs->next);
	keypairs->next = NULL;
	drop(drops, keypairs->previous);
	keypairs->previous = NULL;
	drop(drops, keypairs->current);
	keypairs->current = NULL;
}

void wgx_noise_expire_current_keypairs(struct wgx_keypairs *keypairs, struct wgx_handshake *hs)
{
	wgx_noise_handshake_clear(hs);
	if (keypairs->next)
		atomic_store(&keypairs->next->sending_valid, false);
	if (keypairs->current)
		atomic_store(&keypairs->current->sending_valid, false);
}

void wgx_noise_keypair_free(struct wgx_keypair *kp)
{
	if (kp)
		wgx_secret_free(kp, sizeof(*kp));
}
