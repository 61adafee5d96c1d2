/* SPDX-License-Identifier: MIT OR GPL-2.0 */
/*
 * WireGuard wire format (whitepaper section 5.4), shared by the XDP programs
 * and the daemon. All multi-byte fields are little endian on the wire.
 */
#ifndef WGX_WIRE_H
#define WGX_WIRE_H

#include <linux/types.h>
#include "wgx_consts.h"

enum wgx_message_type {
	WGX_MSG_INVALID = 0,
	WGX_MSG_HANDSHAKE_INITIATION = 1,
	WGX_MSG_HANDSHAKE_RESPONSE = 2,
	WGX_MSG_HANDSHAKE_COOKIE = 3,
	WGX_MSG_DATA = 4,
};

/* type is one byte followed by three reserved zero bytes: a le32 on the wire. */
struct wgx_msg_header {
	__le32 type;
};

struct wgx_msg_macs {
	__u8 mac1[WGX_MAC_LEN];
	__u8 mac2[WGX_MAC_LEN];
};

struct wgx_msg_initiation {
	struct wgx_msg_header header;
	__le32 sender_index;
	__u8 unencrypted_ephemeral[WGX_KEY_LEN];
	__u8 encrypted_static[WGX_KEY_LEN + WGX_AUTHTAG_LEN];
	__u8 encrypted_timestamp[WGX_TIMESTAMP_LEN + WGX_AUTHTAG_LEN];
	struct wgx_msg_macs macs;
} __attribute__((packed));

struct wgx_msg_response {
	struct wgx_msg_header header;
	__le32 sender_index;
	__le32 receiver_index;
	__u8 unencrypted_ephemeral[WGX_KEY_LEN];
	__u8 encrypted_nothing[WGX_AUTHTAG_LEN];
	struct wgx_msg_macs macs;
} __attribute__((packed));

struct wgx_msg_cookie {
	struct wgx_msg_header header;
	__le32 receiver_index;
	__u8 nonce[WGX_COOKIE_NONCE_LEN];
	__u8 encrypted_cookie[WGX_COOKIE_LEN + WGX_AUTHTAG_LEN];
} __attribute__((packed));

struct wgx_msg_data {
	struct wgx_msg_header header;
	__le32 key_idx;
	__le64 counter;
	__u8 encrypted_data[];
} __attribute__((packed));

#define WGX_MSG_INITIATION_LEN 148
#define WGX_MSG_RESPONSE_LEN 92
#define WGX_MSG_COOKIE_LEN 64
#define WGX_MSG_DATA_HEADER_LEN 16
#define WGX_MSG_DATA_MIN_LEN (WGX_MSG_DATA_HEADER_LEN + WGX_AUTHTAG_LEN)

#define wgx_msg_data_len(plain_len) \
	(WGX_MSG_DATA_HEADER_LEN + (plain_len) + WGX_AUTHTAG_LEN)

#endif
