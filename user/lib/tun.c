// SPDX-License-Identifier: MIT
#include "lib/tun.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

int wgx_link_ioctl(const char *name, unsigned long req, struct ifreq *ifr)
{
	int fd, ret = 0;

	if (strlen(name) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, req, ifr) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int wgx_link_index(const char *name)
{
	struct ifreq ifr = { 0 };
	int ret = wgx_link_ioctl(name, SIOCGIFINDEX, &ifr);

	return ret ? ret : ifr.ifr_ifindex;
}

int wgx_link_get_mtu(int ifindex)
{
	struct ifreq ifr = { 0 };
	char name[IF_NAMESIZE];
	int ret;

	if (!if_indextoname((unsigned int)ifindex, name))
		return -errno;
	ret = wgx_link_ioctl(name, SIOCGIFMTU, &ifr);
	return ret ? ret : ifr.ifr_mtu;
}

int wgx_link_set_mtu(const char *name, unsigned int mtu)
{
	struct ifreq ifr = { .ifr_mtu = (int)mtu };

	return wgx_link_ioctl(name, SIOCSIFMTU, &ifr);
}

int wgx_link_set_up(const char *name)
{
	struct ifreq ifr = { 0 };
	int ret = wgx_link_ioctl(name, SIOCGIFFLAGS, &ifr);

	if (ret)
		return ret;
	ifr.ifr_flags |= IFF_UP;
	return wgx_link_ioctl(name, SIOCSIFFLAGS, &ifr);
}

/* Debian 12's headers predate USO (Linux 6.2). */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

static int tun_open_flags(const char *name, unsigned int mtu, short flags)
{
	struct ifreq ifr = { .ifr_flags = flags };
	int fd, ret;

	if (strlen(name) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		ret = -errno;
		goto err;
	}
	/* Left down, as kernel WireGuard and wireguard-go create it: wg-quick or the user sets it up. */
	ret = wgx_link_set_mtu(name, mtu);
	if (ret)
		goto err;
	return fd;
err:
	close(fd);
	return ret;
}

int wgx_tun_read_batch(int fd, unsigned char **bufs, size_t buf_len, size_t *lens, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		ssize_t r = read(fd, bufs[i], buf_len);

		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return i ? i : -errno;
		}
		lens[i] = (size_t)r;
	}
	return i;
}

int wgx_tun_open(const char *name, unsigned int mtu)
{
	return tun_open_flags(name, mtu, IFF_TUN | IFF_NO_PI);
}

/* Ask for TSO and USO, then TSO alone; what took (the device's, whichever queue asks). */
static unsigned int vnet_offloads(int fd)
{
	const unsigned int tso = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;

	if (!ioctl(fd, TUNSETOFFLOAD, tso | TUN_F_USO4 | TUN_F_USO6))
		return WGX_TUN_TSO | WGX_TUN_USO;
	if (!ioctl(fd, TUNSETOFFLOAD, tso))
		return WGX_TUN_TSO;
	return 0;
}

int wgx_tun_open_vnet(const char *name, unsigned int mtu, unsigned int *offloads)
{
	int fd = tun_open_flags(name, mtu, IFF_TUN | IFF_NO_PI | IFF_VNET_HDR);

	*offloads = fd < 0 ? 0 : vnet_offloads(fd);
	return fd;
}

int wgx_tun_open_vnet_queues(const char *name, unsigned int mtu, unsigned int *offloads, int *fds,
			     int n)
{
	short flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE;

	*offloads = 0;
	for (int i = 0; i < n; i++) {
		fds[i] = tun_open_flags(name, mtu, flags);
		if (fds[i] < 0) {
			int ret = fds[i];

			while (i--)
				close(fds[i]);
			return ret;
		}
	}
	*offloads = vnet_offloads(fds[0]);
	return 0;
}

int wgx_tun_set_steering(int fd, int prog_fd)
{
	return ioctl(fd, TUNSETSTEERINGEBPF, &prog_fd) < 0 ? -errno : 0;
}

ssize_t wgx_tun_writev(int fd, const struct iovec *iov, int iovcnt)
{
	ssize_t r = writev(fd, iov, iovcnt);

	return r < 0 ? -errno : r;
}

ssize_t wgx_tun_write(int fd, const void *pkt, size_t len)
{
	ssize_t r = write(fd, pkt, len);

	return r < 0 ? -errno : r;
}
