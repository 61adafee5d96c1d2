// SPDX-License-Identifier: MIT
/*
 * wgx_tun_steer through BPF_PROG_TEST_RUN: the queue each kind of packet
 * the kernel sends into the tunnel waits in (0 sparse, 1 bulk). The test
 * run hands a socket program the packet from its IP header, as the TUN does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <string.h>
#include <bpf/bpf.h>

#include "tap.h"
#include "wgx_abi.h"
#include "wgx_tun_steer.skel.h"

struct steer_case {
	const char *name;
	int v6;
	__u8 proto;
	unsigned int l4_len;	/* bytes after the IP header */
	__u8 tcp_doff;		/* TCP header words (5..15) */
	int want;
};

static const struct steer_case cases[] = {
	{ "IPv4 TCP bare ACK", 0, IPPROTO_TCP, 20, 5, WGX_STEER_SPARSE },
	{ "IPv4 TCP ACK with SACK options", 0, IPPROTO_TCP, 32, 8, WGX_STEER_SPARSE },
	{ "IPv4 TCP segment with 1 byte", 0, IPPROTO_TCP, 21, 5, WGX_STEER_BULK },
	{ "IPv4 TCP segment of 1400 bytes", 0, IPPROTO_TCP, 1420, 5, WGX_STEER_BULK },
	{ "IPv4 ICMP echo (ping, 84 bytes)", 0, IPPROTO_ICMP, 64, 0, WGX_STEER_SPARSE },
	{ "IPv4 UDP of 256 bytes", 0, IPPROTO_UDP, 236, 0, WGX_STEER_SPARSE },
	{ "IPv4 UDP of 257 bytes", 0, IPPROTO_UDP, 237, 0, WGX_STEER_BULK },
	{ "IPv6 TCP bare ACK", 1, IPPROTO_TCP, 20, 5, WGX_STEER_SPARSE },
	{ "IPv6 TCP segment of 1000 bytes", 1, IPPROTO_TCP, 1000, 5, WGX_STEER_BULK },
	{ "IPv6 ICMPv6 echo", 1, IPPROTO_ICMPV6, 64, 0, WGX_STEER_SPARSE },
	{ "IPv6 UDP of 1200 bytes", 1, IPPROTO_UDP, 1160, 0, WGX_STEER_BULK },
};

/* Ethernet (the test run's), then the IP header and @c's layer 4. */
static size_t build(const struct steer_case *c, __u8 *f)
{
	size_t ip_len = c->v6 ? 40 : 20, len = ETH_HLEN + ip_len + c->l4_len;
	__u8 *ip = f + ETH_HLEN, *l4 = ip + ip_len;
	__u16 be;

	memset(f, 0, len);
	be = htons(c->v6 ? ETH_P_IPV6 : ETH_P_IP);
	memcpy(f + 12, &be, 2);
	if (c->v6) {
		ip[0] = 0x60;
		be = htons((__u16)c->l4_len);
		memcpy(ip + 4, &be, 2);
		ip[6] = c->proto;
		ip[7] = 64;
	} else {
		ip[0] = 0x45;
		be = htons((__u16)(ip_len + c->l4_len));
		memcpy(ip + 2, &be, 2);
		ip[8] = 64;
		ip[9] = c->proto;
	}
	if (c->proto == IPPROTO_TCP)
		l4[12] = (__u8)(c->tcp_doff << 4);
	return len;
}

static int run(int fd, const void *frame, size_t len, __u32 *ret)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (__u32)len);
	int err = bpf_prog_test_run_opts(fd, &o);

	*ret = o.retval;
	return err;
}

int main(void)
{
	struct wgx_tun_steer *skel = wgx_tun_steer__open_and_load();
	static __u8 frame[2048];
	__u32 got;
	int fd;

	if (!skel) {
		if (errno == EPERM || errno == EACCES)
			tap_skip("needs CAP_BPF (run as root)", "load wgx_tun_steer");
		else
			ok(0, "load wgx_tun_steer: %s", strerror(errno));
		return tap_done();
	}
	fd = bpf_program__fd(skel->progs.wgx_tun_steer);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = build(&cases[i], frame);
		int err = run(fd, frame, len, &got);

		ok(!err && got == (__u32)cases[i].want, "%s -> %s (got %u%s)", cases[i].name,
		   cases[i].want == WGX_STEER_SPARSE ? "sparse" : "bulk", got, err ? ", run failed" : "");
	}
	memset(frame, 0, sizeof(frame));
	frame[12] = 0x08;	/* IPv4 ethertype, version nibble 0 */
	ok(!run(fd, frame, 60, &got) && got == WGX_STEER_BULK, "not IPv4 or IPv6 -> bulk (got %u)", got);
	frame[ETH_HLEN] = 0x45;
	frame[ETH_HLEN + 9] = IPPROTO_TCP;	/* total length 0: shorter than its header */
	ok(!run(fd, frame, 60, &got) && got == WGX_STEER_BULK, "IPv4 TCP with a bad length -> bulk (got %u)",
	   got);
	wgx_tun_steer__destroy(skel);
	return tap_done();
}
