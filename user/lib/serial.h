/* SPDX-License-Identifier: MIT */
/*
 * Bounds-checked little-endian writer and reader of a flat byte buffer, for
 * state that outlives a process (control/handover.h). The writer with a NULL
 * buffer only counts, so a caller sizes the buffer in a first pass and fills
 * it in a second without ever reallocating (no stray copy of what it
 * writes). The reader never reads past its length: a short or overlong
 * field sets ->bad and yields zeros from then on, so a caller parses a whole
 * record and checks once.
 */
#ifndef WGX_SERIAL_H
#define WGX_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct wgx_writer {
	uint8_t *buf;	/* NULL: count only */
	size_t cap, len;
	bool bad;	/* ran past cap */
};

struct wgx_reader {
	const uint8_t *buf;
	size_t len, off;
	bool bad;	/* a read ran past len, or the caller rejected a value */
};

static inline void wgx_put_bytes(struct wgx_writer *w, const void *p, size_t n)
{
	if (w->buf) {
		if (w->bad || n > w->cap - w->len) {
			w->bad = true;
			return;
		}
		memcpy(w->buf + w->len, p, n);
	}
	w->len += n;
}

static inline void wgx_put_u64(struct wgx_writer *w, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	wgx_put_bytes(w, b, 8);
}

static inline void wgx_put_u32(struct wgx_writer *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	wgx_put_bytes(w, b, 4);
}

static inline void wgx_put_u16(struct wgx_writer *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	wgx_put_bytes(w, b, 2);
}

static inline void wgx_put_u8(struct wgx_writer *w, uint8_t v)
{
	wgx_put_bytes(w, &v, 1);
}

/* A string as u16 length + bytes (no NUL); NULL is written as length 0xffff. */
static inline void wgx_put_str(struct wgx_writer *w, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n >= 0xffff) {
		w->bad = true;
		return;
	}
	wgx_put_u16(w, s ? (uint16_t)n : 0xffff);
	if (s)
		wgx_put_bytes(w, s, n);
}

/* Copy @n bytes out, or zeros and ->bad. */
static inline void wgx_get_bytes(struct wgx_reader *r, void *p, size_t n)
{
	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		memset(p, 0, n);
		return;
	}
	memcpy(p, r->buf + r->off, n);
	r->off += n;
}

static inline uint64_t wgx_get_u64(struct wgx_reader *r)
{
	uint8_t b[8];
	uint64_t v = 0;

	wgx_get_bytes(r, b, 8);
	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

static inline uint32_t wgx_get_u32(struct wgx_reader *r)
{
	uint8_t b[4];

	wgx_get_bytes(r, b, 4);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static inline uint16_t wgx_get_u16(struct wgx_reader *r)
{
	uint8_t b[2];

	wgx_get_bytes(r, b, 2);
	return (uint16_t)(b[0] | b[1] << 8);
}

static inline uint8_t wgx_get_u8(struct wgx_reader *r)
{
	uint8_t b;

	wgx_get_bytes(r, &b, 1);
	return b;
}

/* A boolean byte: anything but 0 or 1 is malformed. */
static inline bool wgx_get_bool(struct wgx_reader *r)
{
	uint8_t b = wgx_get_u8(r);

	if (b > 1)
		r->bad = true;
	return b == 1;
}

/*
 * A string written by wgx_put_str into @out (NUL-terminated, @cap bytes
 * with the NUL): false for the NULL string. Longer than cap - 1, or with
 * an embedded NUL: ->bad.
 */
static inline bool wgx_get_str(struct wgx_reader *r, char *out, size_t cap)
{
	uint16_t n = wgx_get_u16(r);

	out[0] = '\0';
	if (n == 0xffff || r->bad)
		return false;
	if (n >= cap || n > r->len - r->off || memchr(r->buf + r->off, '\0', n)) {
		r->bad = true;
		return false;
	}
	wgx_get_bytes(r, out, n);
	out[n] = '\0';
	return true;
}

#endif
