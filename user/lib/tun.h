/* SPDX-License-Identifier: MIT */
/*
 * The TUN device of socket mode: layer-3 packets without any header
 * (IFF_NO_PI), non-blocking, read and written by the data-path thread only.
 */
#ifndef WGX_TUN_H
#define WGX_TUN_H

#include <stddef.h>
#include <sys/types.h>

struct ifreq;
struct iovec;

/* Create (or attach to) TUN device @name and set @mtu; it stays down. Returns fd or -errno. */
int wgx_tun_open(const char *name, unsigned int mtu);

#define WGX_TUN_TSO 1u	/* TUN_F_CSUM | TSO4 | TSO6 | TSO_ECN took */
#define WGX_TUN_USO 2u	/* TUN_F_USO4 | USO6 took as well */
/*
 * wgx_tun_open with IFF_VNET_HDR: every read and write starts with a
 * 10-byte virtio_net_hdr (lib/gso.h's struct wgx_vnet_hdr), and the kernel
 * hands over and takes 64 KB TCP (and UDP, with USO) super-packets. Asks
 * for TSO and USO, then TSO alone, then nothing (the header stays);
 * *offloads gets what took. Returns fd or -errno.
 */
int wgx_tun_open_vnet(const char *name, unsigned int mtu, unsigned int *offloads);
/*
 * wgx_tun_open_vnet with IFF_MULTI_QUEUE: @n queues, queue i read and
 * written through fds[i]. 0 or -errno (then no fd is open).
 */
int wgx_tun_open_vnet_queues(const char *name, unsigned int mtu, unsigned int *offloads, int *fds,
			     int n);
/* The device of queue fd @fd picks each packet's queue with socket program @prog_fd. */
int wgx_tun_set_steering(int fd, int prog_fd);
/* Write one packet from @iovcnt pieces (vnet header first on a vnet TUN); like wgx_tun_write. */
ssize_t wgx_tun_writev(int fd, const struct iovec *iov, int iovcnt);
/* Read up to @n packets into @bufs (each @buf_len bytes); @lens gets each size. Returns count (0 = would block) or -errno. */
int wgx_tun_read_batch(int fd, unsigned char **bufs, size_t buf_len, size_t *lens, int n);
/* Write one packet; a full TUN queue drops it (returns -EAGAIN) rather than blocking the data path. */
ssize_t wgx_tun_write(int fd, const void *pkt, size_t len);
/* ioctl @req on link @name through a throwaway socket; 0 or -errno. */
int wgx_link_ioctl(const char *name, unsigned long req, struct ifreq *ifr);
/* Interface index of @name, or -errno. */
int wgx_link_index(const char *name);
/* MTU of link @ifindex, or -errno. */
int wgx_link_get_mtu(int ifindex);
/* Set the MTU of link @name. */
int wgx_link_set_mtu(const char *name, unsigned int mtu);
/* Bring link @name up. */
int wgx_link_set_up(const char *name);

#endif
