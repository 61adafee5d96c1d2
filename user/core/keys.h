/* SPDX-License-Identifier: MIT */
/*
 * Text encodings of 32-byte WireGuard keys: base64 (config files, `wg`
 * output) and lowercase hex (the UAPI socket). Decoding and encoding run in
 * constant time with respect to the key bytes, because private and
 * preshared keys pass through here.
 */
#ifndef WGX_KEYS_H
#define WGX_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "wgx_consts.h"

#define WGX_KEY_B64_LEN 44 /* characters, without the NUL */
#define WGX_KEY_HEX_LEN 64 /* characters, without the NUL */

/* Write the 44-character padded base64 form of key and a NUL to out. */
void wgx_key_to_base64(char out[WGX_KEY_B64_LEN + 1], const uint8_t key[WGX_KEY_LEN]);

/*
 * Decode exactly len characters of base64: only the canonical 44-character
 * form with one '=' of padding and zero trailing bits is accepted, like `wg`.
 * Returns 0, or -EINVAL with key zeroed.
 */
int wgx_key_from_base64(uint8_t key[WGX_KEY_LEN], const char *s, size_t len);

/* Write the 64-character lowercase hex form of key and a NUL to out. */
void wgx_key_to_hex(char out[WGX_KEY_HEX_LEN + 1], const uint8_t key[WGX_KEY_LEN]);

/*
 * Decode exactly len characters of hex (either case, like wireguard-go).
 * Returns 0, or -EINVAL with key zeroed.
 */
int wgx_key_from_hex(uint8_t key[WGX_KEY_LEN], const char *s, size_t len);

#endif
