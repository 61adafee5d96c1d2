// SPDX-License-Identifier: MIT
/*
 * Interop proof against a real peer: a handshake initiation captured from
 * wireguard-go (fixtures/capture-initiation.sh made fixtures/
 * wireguard-go-initiation.txt) is consumed by our responder. Its mac1 must
 * validate, the decrypted static key must be wireguard-go's public key and
 * the timestamp must be the capture time. No root needed.
 */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cookie.h"
#include "crypto.h"
#include "noise.h"
#include "tap.h"

#define FIXTURE "wireguard-go-initiation.txt"

struct fixture {
	uint8_t initiator_private[WGX_KEY_LEN], initiator_public[WGX_KEY_LEN];
	uint8_t responder_private[WGX_KEY_LEN], responder_public[WGX_KEY_LEN];
	uint8_t preshared_key[WGX_KEY_LEN];
	uint8_t initiation[WGX_MSG_INITIATION_LEN];
	uint64_t captured_unix_time;
};

static bool field(const char *line, const char *name, uint8_t *out, size_t len)
{
	size_t n = strlen(name), bin_len = 0;

	if (strncmp(line, name, n) || line[n] != '=')
		return false;
	return !sodium_hex2bin(out, len, line + n + 1, strcspn(line + n + 1, "\n"), NULL, &bin_len,
			       NULL) && bin_len == len;
}

/* The fixture sits next to this source file; WGX_FIXTURES overrides the directory. */
static int load(struct fixture *f)
{
	char path[512], line[1024], dir[256];
	const char *env = getenv("WGX_FIXTURES");
	unsigned int found = 0;
	FILE *fp;

	snprintf(dir, sizeof(dir), "%s", __FILE__);
	if (strrchr(dir, '/'))
		strcpy(strrchr(dir, '/'), "/fixtures");
	else
		strcpy(dir, "fixtures");
	snprintf(path, sizeof(path), "%s/%s", env ? env : dir, FIXTURE);
	fp = fopen(path, "r");
	if (!fp) {
		diag("cannot open %s", path);
		return -1;
	}
	while (fgets(line, sizeof(line), fp)) {
		found += field(line, "initiator_private", f->initiator_private, WGX_KEY_LEN);
		found += field(line, "initiator_public", f->initiator_public, WGX_KEY_LEN);
		found += field(line, "responder_private", f->responder_private, WGX_KEY_LEN);
		found += field(line, "responder_public", f->responder_public, WGX_KEY_LEN);
		found += field(line, "preshared_key", f->preshared_key, WGX_KEY_LEN);
		found += field(line, "initiation", f->initiation, WGX_MSG_INITIATION_LEN);
		if (!strncmp(line, "captured_unix_time=", 19)) {
			f->captured_unix_time = strtoull(line + 19, NULL, 10);
			found++;
		}
	}
	fclose(fp);
	return found == 7 ? 0 : -1;
}

struct peer_ctx {
	struct wgx_handshake *hs;
	uint8_t asked[WGX_KEY_LEN]; /* the decrypted static key lookup was given */
	bool was_asked;
};

static struct wgx_handshake *lookup(void *ctx, const uint8_t remote_static[WGX_KEY_LEN])
{
	struct peer_ctx *p = ctx;

	memcpy(p->asked, remote_static, WGX_KEY_LEN);
	p->was_asked = true;
	return memcmp(p->hs->remote_static, remote_static, WGX_KEY_LEN) ? NULL : p->hs;
}

int main(void)
{
	static struct fixture f;
	struct wgx_static_identity us = { 0 }, them = { 0 };
	struct wgx_cookie_checker checker;
	struct wgx_handshake hs, *got;
	struct wgx_msg_initiation init, bad;
	struct wgx_msg_response resp;
	struct wgx_keypairs kps = { 0 };
	struct wgx_keypair_drops drops = { 0 };
	struct peer_ctx ctx = { .hs = &hs };
	enum wgx_noise_error err;
	uint64_t sec = 0, now = 5 * WGX_NS_PER_SEC;
	uint32_t nsec = 0;
	uint8_t src[6] = { 198, 18, 0, 1, 0xca, 0x6c };

	if (!ok(!wgx_crypto_init(), "crypto init") ||
	    !ok(!load(&f), "fixture " FIXTURE " loads (7 fields)"))
		return tap_done();
	memcpy(&init, f.initiation, sizeof(init));

	wgx_noise_set_private_key(&us, f.responder_private);
	tap_memeq(us.static_public, f.responder_public, WGX_KEY_LEN,
		  "our public key from the responder private key equals `wg pubkey`");
	wgx_noise_set_private_key(&them, f.initiator_private);
	tap_memeq(them.static_public, f.initiator_public, WGX_KEY_LEN,
		  "initiator public key from its private key equals `wg pubkey`");

	ok(le32toh(init.header.type) == WGX_MSG_HANDSHAKE_INITIATION, "captured message is type 1");
	wgx_cookie_checker_init(&checker, us.static_public, now);
	ok(wgx_cookie_validate(&checker, &init, sizeof(init), false, src, sizeof(src), now) ==
	   WGX_COOKIE_VALID_MAC_BUT_NO_COOKIE, "wireguard-go's mac1 validates with our checker");
	ok(sodium_is_zero(init.macs.mac2, WGX_MAC_LEN), "wireguard-go sent no mac2 (had no cookie)");

	bad = init;
	bad.encrypted_static[5] ^= 4;
	wgx_noise_handshake_init(&hs, &us, f.initiator_public, f.preshared_key);
	ok(!wgx_noise_consume_initiation(&bad, &us, lookup, &ctx, now, &err) && !ctx.was_asked,
	   "captured initiation with a flipped static byte: rejected before any lookup");

	got = wgx_noise_consume_initiation(&init, &us, lookup, &ctx, now, &err);
	ok(got == &hs, "our responder consumes wireguard-go's initiation (%s)", wgx_noise_strerror(err));
	tap_memeq(ctx.asked, f.initiator_public, WGX_KEY_LEN,
		  "decrypted static key equals wireguard-go's public key");
	ok(hs.remote_index == le32toh(init.sender_index), "sender index recorded (0x%08x)",
	   hs.remote_index);
	ok(!wgx_tai64n_parse(hs.latest_timestamp, &sec, &nsec), "decrypted timestamp parses as TAI64N");
	ok(sec + 5 >= f.captured_unix_time && sec <= f.captured_unix_time + 5,
	   "timestamp is the capture time (%llu vs %llu)", (unsigned long long)sec,
	   (unsigned long long)f.captured_unix_time);
	ok((nsec & ((1U << 24) - 1)) == 0, "wireguard-go whitened the nanoseconds to 2^24 (%u)", nsec);

	ok(!wgx_noise_consume_initiation(&init, &us, lookup, &ctx, now + WGX_NS_PER_SEC, &err) &&
	   err == WGX_NOISE_REPLAY, "the same captured initiation again: replay");

	/* We can answer it (wireguard-go's acceptance: tests/netns/test-handshake-wggo.sh). */
	hs.local_index = 0x5eed;
	ok(wgx_noise_create_response(&resp, &hs, &us) == WGX_NOISE_OK &&
	   le32toh(resp.receiver_index) == le32toh(init.sender_index),
	   "response created, addressed to wireguard-go's sender index");
	ok(wgx_noise_begin_session(&hs, &kps, now, &drops, &err) == kps.next && kps.next,
	   "responder keypair waits in next");
	wgx_noise_keypairs_clear(&kps, &drops);
	for (unsigned int i = 0; i < drops.n; i++)
		wgx_noise_keypair_free(drops.kp[i]);
	wgx_noise_set_private_key(&us, NULL);
	wgx_noise_set_private_key(&them, NULL);
	sodium_memzero(&f, sizeof(f));
	return tap_done();
}
