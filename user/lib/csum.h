/* SPDX-License-Identifier: MIT */
/*
 * The Internet checksum (RFC 1071) for userspace segmentation and coalescing
 * (lib/gso.c, lib/gro.c). Sums are kept in host order over network-order
 * bytes, as the kernel's csum_partial does: a folded sum stored back with
 * memcpy is the right checksum on either byte order.
 */
#ifndef WGX_CSUM_H
#define WGX_CSUM_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Add @len bytes at @data to @sum; an odd tail counts as padded with a zero byte. */
static inline uint64_t wgx_csum_add(uint64_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint16_t w = 0;

	while (len >= 16) {
		uint32_t v[4];

		memcpy(v, p, 16);
		sum += (uint64_t)v[0] + v[1] + v[2] + v[3];
		p += 16;
		len -= 16;
	}
	while (len >= 4) {
		uint32_t v;

		memcpy(&v, p, 4);
		sum += v;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&w, p, 2);
		sum += w;
		p += 2;
		len -= 2;
	}
	if (len) {
		w = 0;
		memcpy(&w, p, 1);
		sum += w;
	}
	return sum;
}

/* Copy @len bytes from @src to @dst and add them to @sum: one pass over the data. */
static inline uint64_t wgx_csum_copy(void *dst, const void *src, size_t len, uint64_t sum)
{
	uint8_t *d = dst;
	const uint8_t *p = src;

	while (len >= 16) {
		uint32_t v[4];

		memcpy(v, p, 16);
		memcpy(d, v, 16);
		sum += (uint64_t)v[0] + v[1] + v[2] + v[3];
		p += 16;
		d += 16;
		len -= 16;
	}
	memcpy(d, p, len);
	return wgx_csum_add(sum, p, len);
}

/* @sum folded to 16 bits, not complemented. */
static inline uint16_t wgx_csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Pseudo-header sum of the IPv4/IPv6 packet whose header is at @iph. */
static inline uint64_t wgx_csum_pseudo(const uint8_t *iph, uint8_t proto, uint32_t l4_len)
{
	uint64_t sum = htons(proto);

	if (iph[0] >> 4 == 4)
		sum = wgx_csum_add(sum, iph + 12, 8);
	else
		sum = wgx_csum_add(sum, iph + 8, 32);
	return sum + htonl(l4_len);
}

static inline void wgx_csum_store(uint8_t *field, uint16_t v)
{
	memcpy(field, &v, 2);
}

/* Recompute the IPv4 header checksum of the @ihl_bytes header at @iph. */
static inline void wgx_csum_ipv4_header(uint8_t *iph, size_t ihl_bytes)
{
	iph[10] = iph[11] = 0;
	wgx_csum_store(iph + 10, (uint16_t)~wgx_csum_fold(wgx_csum_add(0, iph, ihl_bytes)));
}

#endif
