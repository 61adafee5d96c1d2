// SPDX-License-Identifier: MIT
/*
 * A WireGuard flood for the stress tests: IPv4 UDP datagrams to DST:PORT
 * from spoofed sources, through a raw socket (IP_HDRINCL), sendmmsg in
 * batches, for SECS seconds, at most PPS per second (0: as fast as it goes).
 *
 *   flood init    DST PORT SECS PPS SOURCES PUBKEY   handshake initiations
 *         garbage DST PORT SECS PPS SOURCES          random bytes, 1-200 of them
 *
 * Initiations are 148 bytes of random content with a valid MAC1 for PUBKEY
 * (the responder's public key, base64), computed by the daemon's own
 * cookie.c: each passes the responder's MAC1 check and costs it a DH unless
 * it is under load. Sources: 198.18.128.0 + i for i < SOURCES (1..32768).
 * Prints "sent N in S s (P pps)".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/cookie.h"
#include "core/keys.h"
#include "wgx_wire.h"

#define TEMPLATES 4096
#define BATCH 64
#define PKT_MAX (sizeof(struct iphdr) + sizeof(struct udphdr) + 200)

struct pkt {
	uint8_t bytes[PKT_MAX];
	size_t len;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Headers for a payload of plen bytes; the kernel fills the IP checksum and
 * id (IP_HDRINCL with both 0); UDP checksum 0 (none, legal in IPv4). */
static void headers(struct pkt *p, size_t plen, uint16_t port)
{
	struct iphdr *ip = (struct iphdr *)p->bytes;
	struct udphdr *udp = (struct udphdr *)(ip + 1);

	p->len = sizeof(*ip) + sizeof(*udp) + plen;
	*ip = (struct iphdr){ .version = 4, .ihl = 5, .ttl = 64, .protocol = IPPROTO_UDP,
			      .tot_len = htons((uint16_t)p->len) };
	*udp = (struct udphdr){ .dest = htons(port), .len = htons((uint16_t)(sizeof(*udp) + plen)) };
}

static int make_templates(struct pkt *t, const char *kind, uint16_t port, const char *pub_b64)
{
	uint8_t pub[WGX_KEY_LEN];
	struct wgx_cookie cookie;

	if (!strcmp(kind, "init")) {
		if (!pub_b64 || wgx_key_from_base64(pub, pub_b64, strlen(pub_b64))) {
			fprintf(stderr, "flood: init needs the responder's public key (base64)\n");
			return -1;
		}
		wgx_cookie_init(&cookie, pub);
		for (int i = 0; i < TEMPLATES; i++) {
			struct wgx_msg_initiation *m;

			headers(&t[i], sizeof(*m), port);
			m = (void *)(t[i].bytes + sizeof(struct iphdr) + sizeof(struct udphdr));
			randombytes_buf(m, sizeof(*m));
			m->header.type = htole32(WGX_MSG_HANDSHAKE_INITIATION);
			wgx_cookie_add_macs(&cookie, m, sizeof(*m), 0);
			memset(m->macs.mac2, 0, sizeof(m->macs.mac2));
		}
		return 0;
	}
	if (!strcmp(kind, "garbage")) {
		for (int i = 0; i < TEMPLATES; i++) {
			size_t plen = 1 + randombytes_uniform(200);

			headers(&t[i], plen, port);
			randombytes_buf(t[i].bytes + sizeof(struct iphdr) + sizeof(struct udphdr), plen);
		}
		return 0;
	}
	fprintf(stderr, "flood: unknown kind '%s' (init, garbage)\n", kind);
	return -1;
}

int main(int argc, char **argv)
{
	static struct pkt t[TEMPLATES];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in dst = { .sin_family = AF_INET };
	unsigned long long sent = 0;
	double secs, pps, start, end;
	unsigned int sources, next = 0;
	int fd, one = 1;
	uint16_t port;

	if (argc < 7 || sodium_init() < 0) {
		fprintf(stderr, "usage: flood init|garbage DST PORT SECS PPS SOURCES [PUBKEY]\n");
		return 2;
	}
	port = (uint16_t)atoi(argv[3]);
	secs = atof(argv[4]);
	pps = atof(argv[5]);
	sources = (unsigned int)atoi(argv[6]);
	if (inet_pton(AF_INET, argv[2], &dst.sin_addr) != 1 || !port || secs <= 0 || pps < 0 ||
	    sources < 1 || sources > 32768) {
		fprintf(stderr, "flood: bad DST, PORT, SECS, PPS or SOURCES\n");
		return 2;
	}
	if (make_templates(t, argv[1], port, argc > 7 ? argv[7] : NULL))
		return 2;
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one))) {
		perror("flood: raw socket");
		return 1;
	}
	for (int i = 0; i < TEMPLATES; i++)
		((struct iphdr *)t[i].bytes)->daddr = dst.sin_addr.s_addr;
	start = now_s();
	end = start + secs;
	for (double now = start; now < end; now = now_s()) {
		int n;

		if (pps > 0 && sent > (now - start) * pps) {
			usleep(200);
			continue;
		}
		for (int i = 0; i < BATCH; i++, next++) {
			struct pkt *p = &t[next % TEMPLATES];
			struct iphdr *ip = (struct iphdr *)p->bytes;

			ip->saddr = htonl(0xc6128000u + next % sources); /* 198.18.128.0 + i */
			((struct udphdr *)(ip + 1))->source = htons((uint16_t)(1024 + next % 60000));
			iov[i] = (struct iovec){ p->bytes, p->len };
			msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &dst,
								 .msg_namelen = sizeof(dst),
								 .msg_iov = &iov[i], .msg_iovlen = 1 } };
		}
		n = sendmmsg(fd, msgs, BATCH, 0);
		if (n < 0 && errno != ENOBUFS && errno != EAGAIN && errno != EPERM) {
			perror("flood: sendmmsg");
			return 1;
		}
		if (n > 0)
			sent += (unsigned long long)n;
	}
	secs = now_s() - start;
	printf("sent %llu in %.2f s (%.0f pps)\n", sent, secs, sent / secs);
	return 0;
}
