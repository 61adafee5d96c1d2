// SPDX-License-Identifier: MIT
/*
 * Malformed datagrams at the listen port: every shape of bad header gets its
 * own drop reason (the same reasons wgx_rx counts in XDP), and endpoint
 * helpers normalise v4-mapped addresses.
 */
#include <arpa/inet.h>
#include <endian.h>

#include "lib/endpoint.h"
#include "core/receive.h"
#include "tap.h"
#include "wgx_reasons.h"
#include "wgx_wire.h"

static int classify(uint32_t type_le, size_t len)
{
	uint8_t msg[256] = { 0 };
	uint32_t t = htole32(type_le);

	memcpy(msg, &t, 4);
	return wgx_receive_classify(msg, len);
}

int main(void)
{
	static const struct {
		const char *what;
		uint32_t type;
		size_t len;
		int want;
	} cases[] = {
		{ "empty datagram", 1, 0, -WGX_R_RX_SHORT_MSG },
		{ "3-byte datagram", 1, 3, -WGX_R_RX_SHORT_MSG },
		{ "type 0", 0, 148, -WGX_R_RX_BAD_TYPE },
		{ "type 5", 5, 148, -WGX_R_RX_BAD_TYPE },
		{ "type 255", 255, 148, -WGX_R_RX_BAD_TYPE },
		{ "initiation with reserved byte 1 set", 0x101, 148, -WGX_R_RX_BAD_RESERVED },
		{ "data with reserved byte 3 set", 0x01000004, 32, -WGX_R_RX_BAD_RESERVED },
		{ "initiation of 147 bytes", 1, 147, -WGX_R_RX_BAD_LEN },
		{ "initiation of 149 bytes", 1, 149, -WGX_R_RX_BAD_LEN },
		{ "initiation of 148 bytes", 1, 148, WGX_MSG_HANDSHAKE_INITIATION },
		{ "response of 91 bytes", 2, 91, -WGX_R_RX_BAD_LEN },
		{ "response of 92 bytes", 2, 92, WGX_MSG_HANDSHAKE_RESPONSE },
		{ "cookie reply of 65 bytes", 3, 65, -WGX_R_RX_BAD_LEN },
		{ "cookie reply of 64 bytes", 3, 64, WGX_MSG_HANDSHAKE_COOKIE },
		{ "data of 31 bytes", 4, 31, -WGX_R_RX_BAD_LEN },
		{ "keepalive (data of 32 bytes)", 4, 32, WGX_MSG_DATA },
		{ "data of 200 bytes", 4, 200, WGX_MSG_DATA },
	};
	union wgx_sockaddr a = { 0 }, b = { 0 };
	unsigned char key[18];
	char str[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ok(classify(cases[i].type, cases[i].len) == cases[i].want, "classify %s -> %d",
		   cases[i].what, cases[i].want);

	a.in6.sin6_family = AF_INET6;
	a.in6.sin6_port = htons(51820);
	inet_pton(AF_INET6, "::ffff:198.18.0.1", &a.in6.sin6_addr);
	wgx_sockaddr_normalize(&a);
	ok(a.sa.sa_family == AF_INET && ntohs(a.in4.sin_port) == 51820,
	   "v4-mapped IPv6 endpoint becomes IPv4");
	ok(!strcmp(wgx_sockaddr_str(&a, str, sizeof(str)), "198.18.0.1:51820"), "prints as %s", str);
	b.in4.sin_family = AF_INET;
	b.in4.sin_port = htons(51820);
	inet_pton(AF_INET, "198.18.0.1", &b.in4.sin_addr);
	ok(wgx_sockaddr_equal(&a, &b), "normalised endpoint equals the plain IPv4 one");
	b.in4.sin_port = htons(51821);
	ok(!wgx_sockaddr_equal(&a, &b), "a different port is a different endpoint");
	ok(wgx_sockaddr_key(&a, key) == 6 && key[4] == 0xca && key[5] == 0x6c,
	   "cookie/ratelimit key of IPv4 endpoint: 4 address bytes + port");
	b = (union wgx_sockaddr){ 0 };
	b.in6.sin6_family = AF_INET6;
	b.in6.sin6_port = htons(1);
	inet_pton(AF_INET6, "2001:2::1", &b.in6.sin6_addr);
	ok(wgx_sockaddr_key(&b, key) == 18, "key of IPv6 endpoint: 16 address bytes + port");
	ok(!strcmp(wgx_sockaddr_str(&b, str, sizeof(str)), "[2001:2::1]:1"), "prints as %s", str);
	return tap_done();
}
