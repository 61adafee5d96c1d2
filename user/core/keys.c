// SPDX-License-Identifier: MIT
#include "core/keys.h"

#include <errno.h>
#include <sodium.h>

/*
 * Branch-free character classes: in_range() is -1 (all ones) when
 * lo <= c <= hi and 0 otherwise, for c in 0..255. No table look-ups and no
 * branches on secret characters.
 */
static inline int in_range(int c, int lo, int hi)
{
	return ((lo - 1 - c) & (c - (hi + 1))) >> 8;
}

/* 6-bit value of a base64 character, or -1. */
static inline int b64_value(unsigned char ch)
{
	int c = ch;

	return -1 + (in_range(c, 'A', 'Z') & (c - 'A' + 1)) +
	       (in_range(c, 'a', 'z') & (c - 'a' + 27)) +
	       (in_range(c, '0', '9') & (c - '0' + 53)) +
	       (in_range(c, '+', '+') & 63) + (in_range(c, '/', '/') & 64);
}

static inline char b64_char(int v)
{
	return (char)(v + 'A' + (((25 - v) >> 8) & 6) - (((51 - v) >> 8) & 75) -
		      (((61 - v) >> 8) & 15) + (((62 - v) >> 8) & 3));
}

/* 4-bit value of a hex digit, or -1. */
static inline int hex_value(unsigned char ch)
{
	int c = ch;

	return -1 + (in_range(c, '0', '9') & (c - '0' + 1)) +
	       (in_range(c, 'a', 'f') & (c - 'a' + 11)) +
	       (in_range(c, 'A', 'F') & (c - 'A' + 11));
}

static inline char hex_char(int v)
{
	return (char)(v + '0' + (((9 - v) >> 8) & ('a' - '0' - 10)));
}

void wgx_key_to_base64(char out[WGX_KEY_B64_LEN + 1], const uint8_t key[WGX_KEY_LEN])
{
	unsigned int i;

	for (i = 0; i < WGX_KEY_LEN / 3; i++) {
		const uint8_t *k = &key[i * 3];

		out[i * 4 + 0] = b64_char(k[0] >> 2);
		out[i * 4 + 1] = b64_char(((k[0] & 3) << 4) | (k[1] >> 4));
		out[i * 4 + 2] = b64_char(((k[1] & 15) << 2) | (k[2] >> 6));
		out[i * 4 + 3] = b64_char(k[2] & 63);
	}
	/* 32 = 10 * 3 + 2: the last group carries 16 bits and one '='. */
	out[40] = b64_char(key[30] >> 2);
	out[41] = b64_char(((key[30] & 3) << 4) | (key[31] >> 4));
	out[42] = b64_char((key[31] & 15) << 2);
	out[43] = '=';
	out[44] = '\0';
}

int wgx_key_from_base64(uint8_t key[WGX_KEY_LEN], const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	int bad = 0, v[4];
	unsigned int i, j;

	if (len != WGX_KEY_B64_LEN || s[43] != '=') {
		sodium_memzero(key, WGX_KEY_LEN);
		return -EINVAL;
	}
	for (i = 0; i < WGX_KEY_LEN / 3; i++) {
		for (j = 0; j < 4; j++) {
			v[j] = b64_value(u[i * 4 + j]);
			bad |= v[j];
		}
		key[i * 3 + 0] = (uint8_t)(((unsigned)v[0] << 2) | ((unsigned)v[1] >> 4));
		key[i * 3 + 1] = (uint8_t)(((unsigned)v[1] << 4) | ((unsigned)v[2] >> 2));
		key[i * 3 + 2] = (uint8_t)(((unsigned)v[2] << 6) | (unsigned)v[3]);
	}
	for (j = 0; j < 3; j++) {
		v[j] = b64_value(u[40 + j]);
		bad |= v[j];
	}
	key[30] = (uint8_t)(((unsigned)v[0] << 2) | ((unsigned)v[1] >> 4));
	key[31] = (uint8_t)(((unsigned)v[1] << 4) | ((unsigned)v[2] >> 2));
	/* Canonical form: the two bits below the last byte must be zero. */
	bad |= -(v[2] & 3);
	sodium_memzero(v, sizeof(v));
	if (bad < 0) {
		sodium_memzero(key, WGX_KEY_LEN);
		return -EINVAL;
	}
	return 0;
}

void wgx_key_to_hex(char out[WGX_KEY_HEX_LEN + 1], const uint8_t key[WGX_KEY_LEN])
{
	for (unsigned int i = 0; i < WGX_KEY_LEN; i++) {
		out[i * 2] = hex_char(key[i] >> 4);
		out[i * 2 + 1] = hex_char(key[i] & 15);
	}
	out[WGX_KEY_HEX_LEN] = '\0';
}

int wgx_key_from_hex(uint8_t key[WGX_KEY_LEN], const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	int bad = 0, hi, lo;

	if (len != WGX_KEY_HEX_LEN) {
		sodium_memzero(key, WGX_KEY_LEN);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < WGX_KEY_LEN; i++) {
		hi = hex_value(u[i * 2]);
		lo = hex_value(u[i * 2 + 1]);
		bad |= hi | lo;
		key[i] = (uint8_t)(((unsigned)hi << 4) | (unsigned)lo);
	}
	if (bad < 0) {
		sodium_memzero(key, WGX_KEY_LEN);
		return -EINVAL;
	}
	return 0;
}
