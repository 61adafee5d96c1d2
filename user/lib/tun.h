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

/* Create (or attach to) TUN device @name and set @mtu; it stays down. Returns fd or -errno. */
int wgx_tun_open(const char *name, unsigned int mtu);
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
