// SPDX-License-Identifier: MIT
/*
 * lib/udp_split: on a port of 127.0.0.1, data messages (first byte 4) reach
 * the data socket and everything else the handshake socket; a port that a
 * plain socket holds is refused, and so is one another reuseport socket of
 * ours holds (the group is never joined).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/udp.h"
#include "tap.h"

/* Send one datagram of @len bytes whose first byte is @type to 127.0.0.1:@port. */
static void send_one(uint16_t port, uint8_t type, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	uint8_t buf[148] = { type };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to));
	close(fd);
}

/* How many datagrams @fd has waiting (read and dropped), after a short wait. */
static int drain(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t buf[256];
	int n = 0;

	poll(&p, 1, 100);
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		n++;
	return n;
}

int main(void)
{
	struct wgx_udp u, again;
	int plain, data, hs;
	uint16_t port;

	if (wgx_udp_open(&u, 0, 0)) {
		tap_skip("no UDP sockets here", "udp split");
		return tap_done();
	}
	port = u.port;
	ok(u.hs4 >= 0, "IPv4 handshake socket beside the data socket on port %u", port);
	for (uint8_t type = 1; type <= 4; type++)
		send_one(port, type, type == 4 ? 32 : 148);
	send_one(port, 0x41, 100);	/* garbage */
	send_one(port, 4, 0);		/* empty: no type byte */
	data = drain(u.fd4);
	hs = drain(u.hs4);
	ok(data == 2 && hs == 4, "data message and empty datagram to the data socket (%d of 2), "
	   "initiation, response, cookie reply and garbage to the handshake socket (%d of 4)",
	   data, hs);
	ok(wgx_udp_open(&again, port, 0) == -EADDRINUSE,
	   "a second open of our own port is refused, not joined to our group");
	wgx_udp_close(&u);
	ok(u.fd4 == -1 && u.hs4 == -1, "closed: every socket");

	plain = socket(AF_INET, SOCK_DGRAM, 0);
	{
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

		bind(plain, (struct sockaddr *)&a, sizeof(a));
	}
	ok(wgx_udp_open(&again, port, 0) == -EADDRINUSE, "a port a plain socket holds is refused");
	close(plain);
	ok(wgx_udp_open(&again, port, 0) == 0 && again.hs4 >= 0, "free again: opened with the split");
	wgx_udp_close(&again);
	return tap_done();
}
