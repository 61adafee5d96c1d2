// SPDX-License-Identifier: MIT
/*
 * Interop proof against a real peer: a handshake initiation captured from
 * wireguard-go (fixtures/capture-initiation.sh made fixtures/
 * wireguard-go-initiation.txt) is consumed by our responder. Its mac1 must
 * validate, the decrypted static key must be wireguard-go's public key and
 * the timestamp must be the capture time. No root needed.
 *
 * With --live (used by tests/netns/test-handshake-wggo.sh, inside a netns) it
 * is instead a one-shot responder on a UDP socket: it answers a live
 * wireguard-go initiation and decrypts the data packet that follows, which
 * proves wireguard-go accepted our response.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/aead.h"
#include "core/cookie.h"
#include "core/crypto.h"
#include "core/noise.h"
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

static int live(int argc, char **argv);

int main(int argc, char **argv)
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

	if (argc > 1 && !strcmp(argv[1], "--live"))
		return live(argc, argv);
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

static bool hex_arg(const char *hex, uint8_t out[WGX_KEY_LEN])
{
	size_t len = 0;

	return !sodium_hex2bin(out, WGX_KEY_LEN, hex, strlen(hex), NULL, &len, NULL) &&
	       len == WGX_KEY_LEN;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * WGX_NS_PER_SEC + ts.tv_nsec;
}

/* --live BIND_IP PORT OUR_PRIVATE_HEX PEER_PUBLIC_HEX PSK_HEX */
static int live(int argc, char **argv)
{
	struct wgx_static_identity us = { 0 };
	struct wgx_cookie_checker checker;
	struct wgx_cookie maker;
	struct wgx_handshake hs, *got = NULL;
	struct wgx_keypairs kps = { 0 };
	struct wgx_keypair_drops drops = { 0 };
	struct wgx_keypair *kp = NULL;
	struct wgx_msg_response resp;
	struct peer_ctx ctx = { .hs = &hs };
	struct sockaddr_in me = { .sin_family = AF_INET }, peer;
	struct timeval tv = { .tv_sec = 10 };
	uint8_t key[WGX_KEY_LEN], peer_pub[WGX_KEY_LEN], psk[WGX_KEY_LEN];
	uint8_t buf[2048], plain[2048], srcb[6];
	enum wgx_noise_error err = WGX_NOISE_OK;
	socklen_t plen = sizeof(peer);
	ssize_t n;
	int fd;

	if (argc != 7 || !hex_arg(argv[4], key) || !hex_arg(argv[5], peer_pub) ||
	    !hex_arg(argv[6], psk) || inet_pton(AF_INET, argv[2], &me.sin_addr) != 1) {
		fprintf(stderr, "usage: %s --live BIND_IP PORT PRIVATE PEER_PUBLIC PSK (hex)\n", argv[0]);
		return 2;
	}
	me.sin_port = htons(atoi(argv[3]));
	if (!ok(!wgx_crypto_init(), "crypto init"))
		return tap_done();
	wgx_noise_set_private_key(&us, key);
	sodium_memzero(key, sizeof(key));
	wgx_noise_handshake_init(&hs, &us, peer_pub, psk);
	sodium_memzero(psk, sizeof(psk));
	wgx_cookie_checker_init(&checker, us.static_public, mono_ns());
	wgx_cookie_init(&maker, peer_pub);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (!ok(fd >= 0 && !bind(fd, (struct sockaddr *)&me, sizeof(me)) &&
		!setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)),
		"UDP socket bound to %s:%s", argv[2], argv[3]))
		return tap_done();

	n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &plen);
	memcpy(srcb, &peer.sin_addr, 4);
	memcpy(srcb + 4, &peer.sin_port, 2);
	if (!ok(n == WGX_MSG_INITIATION_LEN && buf[0] == WGX_MSG_HANDSHAKE_INITIATION,
		"received a %zd-byte initiation from wireguard-go", n))
		goto out;
	ok(wgx_cookie_validate(&checker, buf, n, false, srcb, sizeof(srcb), mono_ns()) ==
	   WGX_COOKIE_VALID_MAC_BUT_NO_COOKIE, "its mac1 is valid");
	got = wgx_noise_consume_initiation((struct wgx_msg_initiation *)buf, &us, lookup, &ctx,
					   mono_ns(), &err);
	if (!ok(got == &hs, "consumed (%s)", wgx_noise_strerror(err)))
		goto out;
	randombytes_buf(&hs.local_index, sizeof(hs.local_index));
	ok(wgx_noise_create_response(&resp, &hs, &us) == WGX_NOISE_OK, "response created");
	wgx_cookie_add_macs(&maker, &resp, sizeof(resp), mono_ns());
	kp = wgx_noise_begin_session(&hs, &kps, mono_ns(), &drops, &err);
	ok(kp && sendto(fd, &resp, sizeof(resp), 0, (struct sockaddr *)&peer, plen) == sizeof(resp),
	   "response sent, keypair in next");

	/* wireguard-go sends the queued ping once it accepted our response. */
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0 || buf[0] == WGX_MSG_DATA)
			break;
		diag("skipping a %zd-byte message of type %u", n, buf[0]);
	}
	if (!ok(n >= (ssize_t)WGX_MSG_DATA_MIN_LEN, "a data message arrived (%zd bytes)", n))
		goto out;
	{
		const struct wgx_msg_data *d = (const struct wgx_msg_data *)buf;
		size_t clen = n - WGX_MSG_DATA_HEADER_LEN;

		ok(le32toh(d->key_idx) == kp->local_index, "it is addressed to our keypair's index");
		ok(!wgx_aead_open(plain, d->encrypted_data, clen, NULL, 0, le64toh(d->counter),
				  kp->receiving_key) && wgx_replay_check(&kp->replay, le64toh(d->counter)),
		   "it decrypts with our receiving key (counter %llu)",
		   (unsigned long long)le64toh(d->counter));
		ok((plain[0] >> 4) == 4 && !memcmp(plain + 12, "\x64\x40\x00\x01\x64\x40\x00\x02", 8),
		   "inner packet is IPv4 100.64.0.1 -> 100.64.0.2");
		ok(wgx_noise_received_with_keypair(&kps, kp, &drops) && kps.current == kp,
		   "that packet confirms the keypair: next -> current");
	}
out:
	close(fd);
	wgx_noise_keypairs_clear(&kps, &drops);
	for (unsigned int i = 0; i < drops.n; i++)
		wgx_noise_keypair_free(drops.kp[i]);
	wgx_noise_set_private_key(&us, NULL);
	return tap_done();
}
