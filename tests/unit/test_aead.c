// SPDX-License-Identifier: MIT
/*
 * ChaCha20-Poly1305 backends against RFC 8439, against each other, in place,
 * under tampering and from several threads; XChaCha20-Poly1305 against
 * draft-irtf-cfrg-xchacha; backend selection.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/aead.h"
#include "core/crypto.h"
#include "hex.h"
#include "tap.h"

static const char sunscreen[] = "Ladies and Gentlemen of the class of '99: If I could offer you "
				"only one tip for the future, sunscreen would be it.";
#define SUNSCREEN_LEN 114

/* RFC 8439 2.8.2: nonce 07000000 40..47 is not of WireGuard's form, so use seal_iv. */
static void test_rfc8439_2_8_2(const struct wgx_aead_backend *b)
{
	uint8_t key[32], iv[12], ad[12], want[SUNSCREEN_LEN + 16], got[SUNSCREEN_LEN + 16];
	uint8_t pt[SUNSCREEN_LEN];
	char what[96];

	unhex(key, 32, "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
	unhex(iv, 12, "070000004041424344454647");
	unhex(ad, 12, "50515253c0c1c2c3c4c5c6c7");
	unhex(want, sizeof(want),
	      "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	      "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	      "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	      "3ff4def08e4b7a9de576d26586cec64b6116"
	      "1ae10b594f09e26a7e902ecbd0600691");
	b->seal_iv(got, (const uint8_t *)sunscreen, SUNSCREEN_LEN, ad, sizeof(ad), iv, key);
	snprintf(what, sizeof(what), "RFC 8439 2.8.2 AEAD seal (%s)", b->name);
	tap_memeq(got, want, sizeof(want), what);
	ok(b->open_iv(pt, want, sizeof(want), ad, sizeof(ad), iv, key) == 0 &&
		   !memcmp(pt, sunscreen, SUNSCREEN_LEN),
	   "RFC 8439 2.8.2 AEAD open (%s)", b->name);
}

/*
 * RFC 8439 A.5: its nonce 00000000 0102030405060708 is exactly WireGuard's
 * form for counter 0x0807060504030201, so this also checks the nonce layout.
 */
static const char a5_plain[] =
	"Internet-Drafts are draft documents valid for a maximum of six months and may be "
	"updated, replaced, or obsoleted by other documents at any time. It is inappropriate "
	"to use Internet-Drafts as reference material or to cite them other than as "
	"/\xe2\x80\x9cwork in progress./\xe2\x80\x9d";
#define A5_LEN 265
#define A5_COUNTER 0x0807060504030201ULL

static void a5_load(uint8_t key[32], uint8_t ad[12], uint8_t ct[A5_LEN + 16])
{
	unhex(key, 32, "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0");
	unhex(ad, 12, "f33388860000000000004e91");
	unhex(ct, A5_LEN + 16,
	      "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2"
	      "4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf"
	      "332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855"
	      "9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4"
	      "b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e"
	      "af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a"
	      "0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a10"
	      "49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29"
	      "a6ad5cb4022b02709beead9d67890cbb22392336fea1851f38");
}

static void test_rfc8439_a5(const struct wgx_aead_backend *b)
{
	uint8_t key[32], ad[12], ct[A5_LEN + 16], pt[A5_LEN], sealed[A5_LEN + 16];
	char what[96];

	a5_load(key, ad, ct);
	memset(pt, 0, sizeof(pt));
	ok(b->open(pt, ct, sizeof(ct), ad, sizeof(ad), A5_COUNTER, key) == 0,
	   "RFC 8439 A.5 decryption tag verifies (%s)", b->name);
	snprintf(what, sizeof(what), "RFC 8439 A.5 decryption plaintext (%s)", b->name);
	tap_memeq(pt, a5_plain, A5_LEN, what);
	b->seal(sealed, (const uint8_t *)a5_plain, A5_LEN, ad, sizeof(ad), A5_COUNTER, key);
	snprintf(what, sizeof(what), "RFC 8439 A.5 re-encryption (%s)", b->name);
	tap_memeq(sealed, ct, sizeof(ct), what);
}

/* Every failed open must return -EBADMSG and leave no plaintext in dst. */
static void test_rejects(const struct wgx_aead_backend *b)
{
	uint8_t key[32], ad[12], ct[A5_LEN + 16], bad[A5_LEN + 16], pt[A5_LEN];
	int ret;

	a5_load(key, ad, ct);

	memcpy(bad, ct, sizeof(bad));
	bad[sizeof(bad) - 1] ^= 0x01;
	memset(pt, 0, sizeof(pt));
	ret = b->open(pt, bad, sizeof(bad), ad, sizeof(ad), A5_COUNTER, key);
	ok(ret == -EBADMSG && memcmp(pt, a5_plain, 32) != 0,
	   "tampered tag rejected, no plaintext released (%s)", b->name);

	memcpy(bad, ct, sizeof(bad));
	bad[100] ^= 0x80;
	ret = b->open(pt, bad, sizeof(bad), ad, sizeof(ad), A5_COUNTER, key);
	ok(ret == -EBADMSG && memcmp(pt, a5_plain, 32) != 0,
	   "tampered ciphertext rejected, no plaintext released (%s)", b->name);

	ad[0] ^= 0x01;
	ok(b->open(pt, ct, sizeof(ct), ad, sizeof(ad), A5_COUNTER, key) == -EBADMSG,
	   "tampered associated data rejected (%s)", b->name);
	ad[0] ^= 0x01;
	ok(b->open(pt, ct, sizeof(ct), ad, sizeof(ad) - 1, A5_COUNTER, key) == -EBADMSG,
	   "truncated associated data rejected (%s)", b->name);
	ok(b->open(pt, ct, sizeof(ct), ad, sizeof(ad), A5_COUNTER + 1, key) == -EBADMSG,
	   "wrong counter rejected (%s)", b->name);
	ok(b->open(pt, ct, WGX_AUTHTAG_LEN - 1, ad, sizeof(ad), A5_COUNTER, key) == -EBADMSG &&
		   b->open(pt, ct, 0, NULL, 0, A5_COUNTER, key) == -EBADMSG,
	   "input shorter than the tag rejected (%s)", b->name);

	/* In place: the forged plaintext must not stay in the caller's buffer. */
	memcpy(bad, ct, sizeof(bad));
	bad[sizeof(bad) - 1] ^= 0x01;
	ret = b->open(bad, bad, sizeof(bad), ad, sizeof(ad), A5_COUNTER, key);
	ok(ret == -EBADMSG && memcmp(bad, a5_plain, 32) != 0,
	   "tampered in-place open rejected, no plaintext released (%s)", b->name);
}

static void test_empty_and_in_place(const struct wgx_aead_backend *b)
{
	uint8_t key[32], buf[300 + 16], ref[300 + 16], pt[300];
	uint8_t tag_only[16], empty_ref[16];

	randombytes_buf(key, sizeof(key));
	randombytes_buf(pt, sizeof(pt));

	/* Keepalives are empty data packets: just a tag. */
	wgx_aead_sodium.seal(empty_ref, NULL, 0, NULL, 0, 7, key);
	b->seal(tag_only, NULL, 0, NULL, 0, 7, key);
	ok(!memcmp(tag_only, empty_ref, 16) && b->open(NULL, tag_only, 16, NULL, 0, 7, key) == 0,
	   "empty plaintext (keepalive) seals to the reference tag and opens (%s)", b->name);

	wgx_aead_sodium.seal(ref, pt, sizeof(pt), NULL, 0, 42, key);
	memcpy(buf, pt, sizeof(pt));
	b->seal(buf, buf, sizeof(pt), NULL, 0, 42, key);
	ok(!memcmp(buf, ref, sizeof(ref)), "in-place seal matches out-of-place (%s)", b->name);
	ok(b->open(buf, buf, sizeof(buf), NULL, 0, 42, key) == 0 && !memcmp(buf, pt, sizeof(pt)),
	   "in-place open recovers the plaintext (%s)", b->name);
}

/* Both backends must produce identical bytes and open each other's output. */
/* Every backend against libsodium, the reference, on random inputs up to 64 KiB. */
static void test_cross(const struct wgx_aead_backend *x)
{
	static uint8_t pt[65536], a[65552], b[65552], out[65536];
	uint8_t key[32], ad[64];
	int bad_ct = 0, bad_open = 0, bad_len = 0, bad_tag = 0;
	const int rounds = 1000;

	for (int i = 0; i < rounds; i++) {
		/* Mostly packet sizes; every 16th a super-packet's. */
		size_t len = i % 16 ? randombytes_uniform(2001) : randombytes_uniform(65536);
		size_t ad_len = randombytes_uniform(65);
		uint64_t nonce;

		randombytes_buf(key, sizeof(key));
		randombytes_buf(ad, ad_len);
		randombytes_buf(pt, len);
		randombytes_buf(&nonce, sizeof(nonce));
		wgx_aead_sodium.seal(a, pt, len, ad, ad_len, nonce, key);
		x->seal(b, pt, len, ad, ad_len, nonce, key);
		bad_ct += memcmp(a, b, len + 16) != 0;
		bad_open += x->open(out, a, len + 16, ad, ad_len, nonce, key) != 0 ||
			    memcmp(out, pt, len) != 0;
		bad_open += wgx_aead_sodium.open(out, b, len + 16, ad, ad_len, nonce, key) != 0 ||
			    memcmp(out, pt, len) != 0;
		/* A truncated packet must never open, whichever backend sealed it. */
		if (len)
			bad_len += x->open(out, a, len + 15, ad, ad_len, nonce, key) == 0;
		/* Nor one with a single flipped bit anywhere, tag included. */
		a[randombytes_uniform((uint32_t)len + 16)] ^= (uint8_t)(1u << randombytes_uniform(8));
		bad_tag += x->open(out, a, len + 16, ad, ad_len, nonce, key) == 0;
	}
	diag("%s: %d random packets (len 0..65535, ad 0..64): %d ciphertext mismatches, %d failed "
	     "cross-opens, %d truncated and %d corrupted opens accepted",
	     x->name, rounds, bad_ct, bad_open, bad_len, bad_tag);
	ok(bad_ct == 0, "%s seals as sodium does on %d random inputs", x->name, rounds);
	ok(bad_open == 0, "%s and sodium open each other's output on %d random inputs", x->name,
	   rounds);
	ok(bad_len == 0 && bad_tag == 0,
	   "%s never opens a truncated or bit-flipped packet (%d random inputs)", x->name, rounds);
}

/*
 * Long runs of one key (the OpenSSL backend then only changes the nonce) mixed
 * with key switches: must match libsodium, and a changed key must take effect.
 */
static void test_key_runs(const struct wgx_aead_backend *b)
{
	uint8_t keys[3][32], pt[600], ref[616], got[616], out[600];
	int bad = 0, wrong_key_opened = 0;

	randombytes_buf(keys, sizeof(keys));
	randombytes_buf(pt, sizeof(pt));
	for (int i = 0; i < 300; i++) {
		const uint8_t *key = keys[(i / 50 + (i % 7 == 0)) % 3];
		size_t len = (size_t)(i * 13) % sizeof(pt);

		wgx_aead_sodium.seal(ref, pt, len, NULL, 0, (uint64_t)i, key);
		b->seal(got, pt, len, NULL, 0, (uint64_t)i, key);
		bad += memcmp(ref, got, len + 16) != 0;
		bad += b->open(out, ref, len + 16, NULL, 0, (uint64_t)i, key) != 0 ||
		       memcmp(out, pt, len) != 0;
		/* The same packet under the previous run's key must fail. */
		wrong_key_opened += b->open(out, ref, len + 16, NULL, 0, (uint64_t)i,
					    key == keys[0] ? keys[1] : keys[0]) == 0;
	}
	/* After forgetting, the next packet with the last key must re-key correctly. */
	wgx_aead_thread_forget();
	b->seal(got, pt, 100, NULL, 0, 9, keys[2]);
	wgx_aead_sodium.seal(ref, pt, 100, NULL, 0, 9, keys[2]);
	bad += memcmp(ref, got, 116) != 0;
	wgx_aead_thread_forget();
	bad += b->open(out, ref, 116, NULL, 0, 9, keys[2]) != 0 || memcmp(out, pt, 100) != 0;
	ok(bad == 0 && wrong_key_opened == 0,
	   "300 packets in runs of one key with switches (and a forget) match sodium, "
	   "wrong key never opens (%s)",
	   b->name);
}

/* draft-irtf-cfrg-xchacha-03 A.3.1. */
static void test_xchacha(void)
{
	uint8_t key[32], nonce[24], ad[12], want[SUNSCREEN_LEN + 16], got[SUNSCREEN_LEN + 16];
	uint8_t pt[SUNSCREEN_LEN];

	unhex(key, 32, "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
	unhex(nonce, 24, "404142434445464748494a4b4c4d4e4f5051525354555657");
	unhex(ad, 12, "50515253c0c1c2c3c4c5c6c7");
	unhex(want, sizeof(want),
	      "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
	      "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
	      "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
	      "21f9664c97637da9768812f615c68b13b52e"
	      "c0875924c1c7987947deafd8780acf49");
	wgx_xaead_seal(got, (const uint8_t *)sunscreen, SUNSCREEN_LEN, ad, sizeof(ad), nonce, key);
	tap_memeq(got, want, sizeof(want), "draft-irtf-cfrg-xchacha A.3.1 XChaCha20-Poly1305 seal");
	ok(wgx_xaead_open(pt, want, sizeof(want), ad, sizeof(ad), nonce, key) == 0 &&
		   !memcmp(pt, sunscreen, SUNSCREEN_LEN),
	   "draft-irtf-cfrg-xchacha A.3.1 XChaCha20-Poly1305 open");
	want[0] ^= 1;
	ok(wgx_xaead_open(pt, want, sizeof(want), ad, sizeof(ad), nonce, key) == -EBADMSG,
	   "XChaCha20-Poly1305 tampered ciphertext rejected");
	ok(wgx_xaead_open(pt, want, 15, ad, sizeof(ad), nonce, key) == -EBADMSG,
	   "XChaCha20-Poly1305 input shorter than the tag rejected");
	/* Cookie replies encrypt a 16-byte cookie in place. */
	memcpy(got, sunscreen, 16);
	wgx_xaead_seal(got, got, 16, ad, sizeof(ad), nonce, key);
	ok(wgx_xaead_open(got, got, 32, ad, sizeof(ad), nonce, key) == 0 &&
		   !memcmp(got, sunscreen, 16),
	   "XChaCha20-Poly1305 in place round trip");
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_select(void)
{
	double t0, ms;
	int ret;

	ok(!strcmp(wgx_aead_backend_name(), "sodium"), "default backend before select is sodium");
	ok(wgx_aead_select("no-such-backend") == -ENOENT, "select of an unknown name: -ENOENT");
	ok(!strcmp(wgx_aead_backend_name(), "sodium"), "failed select keeps the backend");
	ok(wgx_aead_select("openssl") == 0 && !strcmp(wgx_aead_backend_name(), "openssl"),
	   "select openssl by name");

	ok(wgx_aead_select("sodium") == 0 && !strcmp(wgx_aead_backend_name(), "sodium"),
	   "select sodium by name");

	t0 = now_ms();
	ret = wgx_aead_select(NULL);
	ms = now_ms() - t0;
	diag("calibration picked %s in %.1f ms", wgx_aead_backend_name(), ms);
	ok(ret == 0 && wgx_aead_backend_find(wgx_aead_backend_name()) != NULL,
	   "calibrating select(NULL) picks a known backend");
	/* Budget ~30 ms; generous bound for a shared, sanitized run. */
	ok(ms < 300, "calibration took %.1f ms (< 300)", ms);
}

/* Dispatch through wgx_aead_seal/open reaches the selected backend. */
static void test_dispatch(void)
{
	uint8_t key[32], ad[12], ct[A5_LEN + 16], pt[A5_LEN], sealed[A5_LEN + 16];

	for (size_t i = 0; i < wgx_aead_backend_count; i++) {
		const struct wgx_aead_backend *b = wgx_aead_backends[i];

		if (!wgx_aead_backend_usable(b))
			continue;
		a5_load(key, ad, ct);
		wgx_aead_select(b->name);
		wgx_aead_seal(sealed, (const uint8_t *)a5_plain, A5_LEN, ad, sizeof(ad), A5_COUNTER,
			      key);
		ok(!memcmp(sealed, ct, sizeof(ct)) &&
			   wgx_aead_open(pt, ct, sizeof(ct), ad, sizeof(ad), A5_COUNTER, key) == 0 &&
			   !memcmp(pt, a5_plain, A5_LEN),
		   "wgx_aead_seal/open dispatch RFC 8439 A.5 through %s", b->name);
	}
}

#define MT_THREADS 4
#define MT_PACKETS 3000

struct mt_arg {
	unsigned int seed;
	int failures;
};

/* Each thread checks the shared OpenSSL path against libsodium on its own packets. */
static void *mt_worker(void *p)
{
	struct mt_arg *arg = p;
	uint8_t key[32], pt[1500], a[1516], b[1516], out[1500];

	for (int i = 0; i < MT_PACKETS; i++) {
		size_t len = rand_r(&arg->seed) % sizeof(pt);

		for (size_t j = 0; j < sizeof(key); j++)
			key[j] = (uint8_t)rand_r(&arg->seed);
		for (size_t j = 0; j < len; j++)
			pt[j] = (uint8_t)rand_r(&arg->seed);
		wgx_aead_seal(a, pt, len, key, 8, (uint64_t)i, key);
		wgx_aead_sodium.seal(b, pt, len, key, 8, (uint64_t)i, key);
		if (memcmp(a, b, len + 16) != 0 ||
		    wgx_aead_open(out, a, len + 16, key, 8, (uint64_t)i, key) != 0 ||
		    memcmp(out, pt, len) != 0)
			arg->failures++;
		/* Alternate a failing open so the per-thread decrypt context sees errors too. */
		a[0] ^= 1;
		if (len && wgx_aead_open(out, a, len + 16, key, 8, (uint64_t)i, key) != -EBADMSG)
			arg->failures++;
	}
	return NULL;
}

static void test_threads(void)
{
	pthread_t th[MT_THREADS];
	struct mt_arg args[MT_THREADS];
	int failures = 0, started = 0;

	wgx_aead_select("openssl");
	for (int i = 0; i < MT_THREADS; i++) {
		args[i] = (struct mt_arg){ .seed = 1234u + (unsigned int)i };
		if (pthread_create(&th[i], NULL, mt_worker, &args[i]) == 0)
			started++;
		else
			break;
	}
	for (int i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		failures += args[i].failures;
	}
	diag("%d threads x %d packets through openssl: %d failures", started, MT_PACKETS,
	     failures);
	ok(started == MT_THREADS && failures == 0,
	   "%d threads sealing/opening concurrently with openssl agree with sodium", MT_THREADS);
}

int main(void)
{
	ok(wgx_crypto_init() == 0, "wgx_crypto_init");
	ok(sizeof(a5_plain) - 1 == A5_LEN, "RFC 8439 A.5 plaintext is %d bytes", A5_LEN);
	ok(wgx_aead_backend_count == 3 && wgx_aead_backend_find("sodium") == &wgx_aead_sodium &&
		   wgx_aead_backend_find("openssl") == &wgx_aead_openssl,
	   "backends listed: sodium, openssl, avx512");
	for (size_t i = 0; i < wgx_aead_backend_count; i++) {
		const struct wgx_aead_backend *b = wgx_aead_backends[i];

		if (!wgx_aead_backend_usable(b)) {
			tap_skip("this CPU lacks what it needs", "backend %s: RFC 8439 vectors, "
				 "rejects, in place, key runs, against sodium", b->name);
			ok(wgx_aead_backend_find(b->name) == NULL && wgx_aead_select(b->name) == -ENOENT,
			   "backend %s cannot be selected on this CPU", b->name);
			continue;
		}
		test_rfc8439_2_8_2(b);
		test_rfc8439_a5(b);
		test_rejects(b);
		test_empty_and_in_place(b);
		test_key_runs(b);
		if (b != &wgx_aead_sodium)
			test_cross(b);
	}
	test_xchacha();
	test_select();
	test_dispatch();
	test_threads();
	return tap_done();
}
