/* SPDX-License-Identifier: MIT */
/*
 * Noise_IKpsk2 handshake and session keypairs, exactly as WireGuard
 * (whitepaper section 5.4, the kernel's drivers/net/wireguard/noise.c):
 *
 *   <- s
 *   ******
 *   -> e, es, s, ss, {t}
 *   <- e, ee, se, psk, {}
 *
 * Pure protocol core: no I/O, no clock reads, no locks. Every function runs on
 * the control thread that owns the peer (the caller serializes); only the
 * keypair's sending counter and validity flags are touched by data-plane
 * workers, hence atomic. Times are uint64_t nanoseconds passed in: `now` is a
 * monotonic clock (boot time), `wall_ns` is CLOCK_REALTIME since 1970 and only
 * feeds the TAI64N timestamp.
 *
 * Receiver indices are the caller's (like the kernel's index hashtable):
 *  - before create_initiation and before create_response it removes the
 *    index the handshake may still own, stores a fresh random one in
 *    hs->local_index and maps it to this peer's handshake;
 *  - begin_session hands hs->local_index over to the new keypair: the caller
 *    repoints that index from the handshake to the keypair;
 *  - after handshake_clear / expire_current_keypairs the caller removes the
 *    handshake's index if it still owned one;
 *  - keypairs that leave the previous/current/next slots come back in a
 *    struct wgx_keypair_drops: the caller removes kp->local_index and frees
 *    them (wgx_noise_keypair_free) once no worker can still hold them.
 *
 * Structs holding secrets (identity, handshake, keypair) belong in memory from
 * wgx_secret_alloc (locked, zeroed on free).
 */
#ifndef WGX_NOISE_H
#define WGX_NOISE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/replay.h"
#include "wgx_consts.h"
#include "wgx_wire.h"

struct wgx_static_identity {
	uint8_t static_private[WGX_KEY_LEN];
	uint8_t static_public[WGX_KEY_LEN];
	bool has_identity;
	/*
	 * Bumped by every wgx_noise_set_private_key: a handshake whose
	 * precomputed static-static DH was made under another generation is
	 * recomputed before use, so a key change can never leave a stale one.
	 */
	uint64_t generation;
};

enum wgx_handshake_state {
	WGX_HANDSHAKE_ZEROED,
	WGX_HANDSHAKE_CREATED_INITIATION,
	WGX_HANDSHAKE_CONSUMED_INITIATION,
	WGX_HANDSHAKE_CREATED_RESPONSE,
	WGX_HANDSHAKE_CONSUMED_RESPONSE,
};

/* Field order packs it without padding: one per peer, in locked memory. */
struct wgx_handshake {
	uint64_t precomputed_generation;
	uint8_t remote_static[WGX_KEY_LEN];
	uint8_t precomputed_static_static[WGX_KEY_LEN]; /* all zero: unusable */
	uint8_t preshared_key[WGX_KEY_LEN];

	/* Live only between the two messages; zeroed by begin_session. */
	uint8_t ephemeral_private[WGX_KEY_LEN];
	uint8_t remote_ephemeral[WGX_KEY_LEN];
	uint8_t hash[WGX_HASH_LEN];
	uint8_t chaining_key[WGX_HASH_LEN];

	/* Survive across handshakes (replay and flood protection). */
	uint64_t last_initiation_consumption;	     /* now of that acceptance */
	uint8_t latest_timestamp[WGX_TIMESTAMP_LEN]; /* newest accepted from peer */
	uint8_t last_sent_timestamp[WGX_TIMESTAMP_LEN]; /* newest we sent */
	bool has_consumed_initiation;

	enum wgx_handshake_state state;
	uint32_t local_index;  /* host order; set by the caller */
	uint32_t remote_index; /* host order; from the peer's message */
};

struct wgx_keypair {
	uint8_t sending_key[WGX_KEY_LEN];
	uint8_t receiving_key[WGX_KEY_LEN];
	_Atomic uint64_t sending_counter;
	struct wgx_replay replay; /* receiving counter window */
	uint64_t birthdate;	  /* now at creation */
	uint64_t internal_id;	  /* for logs: never a key-derived value */
	uint32_t local_index;
	uint32_t remote_index;
	bool i_am_the_initiator;
	_Atomic bool sending_valid;
	_Atomic bool receiving_valid;
};

struct wgx_keypairs {
	struct wgx_keypair *previous;
	struct wgx_keypair *current;
	struct wgx_keypair *next;
};

/*
 * Keypairs that left their slot: the caller removes kp[i]->local_index from
 * its index table, then frees them when no worker can hold them. Zero it
 * ({0}) before each call that takes it: one call appends at most three.
 */
struct wgx_keypair_drops {
	struct wgx_keypair *kp[3];
	unsigned int n;
};

enum wgx_noise_error {
	WGX_NOISE_OK,
	WGX_NOISE_NO_IDENTITY,	   /* we have no private key */
	WGX_NOISE_BAD_STATE,	   /* the handshake is not at the step this message needs */
	WGX_NOISE_BAD_DH,	   /* a DH result was all zero (low-order point) */
	WGX_NOISE_DECRYPT_FAILED,  /* an AEAD field did not authenticate */
	WGX_NOISE_UNKNOWN_PEER,	   /* the initiator's static key is not a peer of ours */
	WGX_NOISE_REPLAY,	   /* timestamp not newer than the last accepted one */
	WGX_NOISE_FLOOD,	   /* initiation within 1/INITIATIONS_PER_SECOND of the last */
	WGX_NOISE_NO_MEMORY,
};

const char *wgx_noise_strerror(enum wgx_noise_error err);

/*
 * Set or replace our private key (clamped) and derive the public key. Bumps
 * identity->generation, so every peer's static-static DH is recomputed on its
 * next handshake; the caller must also refresh the cookie checker keys
 * (wgx_cookie_checker_set_identity). NULL clears the identity. Returns 0.
 */
int wgx_noise_set_private_key(struct wgx_static_identity *identity,
			      const uint8_t private_key[WGX_KEY_LEN]);

/*
 * Prepare a peer's handshake: zero it, record the peer's static key and
 * preshared key (NULL: none, i.e. all zero) and precompute DH(s_priv, S_pub).
 */
void wgx_noise_handshake_init(struct wgx_handshake *hs, const struct wgx_static_identity *identity,
			      const uint8_t remote_static[WGX_KEY_LEN],
			      const uint8_t preshared_key[WGX_KEY_LEN]);

/* Recompute the static-static DH now (done lazily anyway after a key change). */
void wgx_noise_precompute(struct wgx_handshake *hs, const struct wgx_static_identity *identity);

/* Replace the preshared key (NULL: none). */
void wgx_noise_set_preshared_key(struct wgx_handshake *hs, const uint8_t psk[WGX_KEY_LEN]);

/*
 * Forget the in-progress handshake (ephemeral secrets, hash, chaining key,
 * remote index); keeps the replay/flood state and the peer's keys. The caller
 * removes hs->local_index from its index table.
 */
void wgx_noise_handshake_clear(struct wgx_handshake *hs);

/*
 * Initiator, message 1: fill dst except the MACs (wgx_cookie_add_macs next).
 * Uses hs->local_index as sender index. wall_ns: CLOCK_REALTIME in ns; the
 * timestamp is kept strictly increasing per peer even if it goes backwards.
 */
enum wgx_noise_error wgx_noise_create_initiation(struct wgx_msg_initiation *dst,
						 struct wgx_handshake *hs,
						 const struct wgx_static_identity *identity,
						 uint64_t wall_ns);

/* Maps the initiator's decrypted static public key to its handshake, or NULL. */
typedef struct wgx_handshake *(*wgx_noise_lookup_fn)(void *ctx,
						      const uint8_t remote_static[WGX_KEY_LEN]);

/*
 * Responder, message 1 (MACs already checked by the cookie layer): decrypt,
 * find the peer through lookup, reject replays and floods, and store the
 * handshake state. Returns the peer's handshake, or NULL with *err set.
 * Nothing of the peer's state changes unless the message is accepted.
 */
struct wgx_handshake *wgx_noise_consume_initiation(const struct wgx_msg_initiation *src,
						   const struct wgx_static_identity *identity,
						   wgx_noise_lookup_fn lookup, void *ctx,
						   uint64_t now, enum wgx_noise_error *err);

/*
 * Responder, message 2: after consume_initiation. Fills dst except the MACs,
 * with hs->local_index as sender index. Then call wgx_noise_begin_session.
 */
enum wgx_noise_error wgx_noise_create_response(struct wgx_msg_response *dst,
					       struct wgx_handshake *hs,
					       const struct wgx_static_identity *identity);

/*
 * Initiator, message 2: hs is the handshake the caller found through
 * src->receiver_index (which must equal hs->local_index). On success hs is
 * ready for wgx_noise_begin_session; on failure it is unchanged.
 */
enum wgx_noise_error wgx_noise_consume_response(const struct wgx_msg_response *src,
						struct wgx_handshake *hs,
						const struct wgx_static_identity *identity);

/*
 * Derive the transport keypair from a completed handshake (after
 * create_response or consume_response), zero the handshake's secrets and
 * slot the keypair in like the kernel: the initiator's becomes current at
 * once (current -> previous), the responder's waits in next until the first
 * data packet confirms it. Keypairs displaced are appended to *drops. The new
 * keypair takes hs->local_index, so the caller repoints that index from the
 * handshake to the keypair. Returns the new keypair, or NULL with *err set.
 */
struct wgx_keypair *wgx_noise_begin_session(struct wgx_handshake *hs,
					    struct wgx_keypairs *keypairs, uint64_t now,
					    struct wgx_keypair_drops *drops,
					    enum wgx_noise_error *err);

/*
 * A data packet authenticated under kp: if kp is the unconfirmed next
 * keypair, promote it (next -> current -> previous; the old previous goes to
 * *drops). Returns true when it promoted. Cheap when kp is not next.
 */
bool wgx_noise_received_with_keypair(struct wgx_keypairs *keypairs, struct wgx_keypair *kp,
				     struct wgx_keypair_drops *drops);

/* Empty all three slots into *drops (peer removed, key change, REJECT_AFTER_TIME*3). */
void wgx_noise_keypairs_clear(struct wgx_keypairs *keypairs, struct wgx_keypair_drops *drops);

/*
 * Stop sending with next and current (they stay usable for receiving) and
 * clear the handshake: the kernel's wg_noise_expire_current_peer_keypairs,
 * used when a handshake must be forced.
 */
void wgx_noise_expire_current_keypairs(struct wgx_keypairs *keypairs, struct wgx_handshake *hs);

/* Zero and free a keypair (from drops), once no worker can use it any more. */
void wgx_noise_keypair_free(struct wgx_keypair *kp);

/* TAI64N helpers, exposed for tests and logs. */
void wgx_tai64n_from_wall(uint8_t out[WGX_TIMESTAMP_LEN], uint64_t wall_ns);
/* Decode; returns 0 or -EINVAL when the nanoseconds field is out of range. */
int wgx_tai64n_parse(const uint8_t ts[WGX_TIMESTAMP_LEN], uint64_t *unix_sec, uint32_t *nsec);

#endif
