/* SPDX-License-Identifier: MIT */
/* Big-endian loads and stores of header fields at any alignment (lib/gso.c, lib/gro.c). */
#ifndef WGX_BE_H
#define WGX_BE_H

#include <stdint.h>

static inline uint16_t wgx_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void wgx_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint32_t wgx_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void wgx_wr32(uint8_t *p, uint32_t v)
{
	wgx_wr16(p, (uint16_t)(v >> 16));
	wgx_wr16(p + 2, (uint16_t)v);
}

#endif
