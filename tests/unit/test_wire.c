// SPDX-License-Identifier: MIT
/* The wire structs must have exactly the whitepaper's sizes and offsets. */
#include <stddef.h>

#include "tap.h"
#include "wgx_wire.h"

int main(void)
{
	ok(sizeof(struct wgx_msg_initiation) == WGX_MSG_INITIATION_LEN,
	   "handshake initiation is %d bytes", WGX_MSG_INITIATION_LEN);
	ok(sizeof(struct wgx_msg_response) == WGX_MSG_RESPONSE_LEN,
	   "handshake response is %d bytes", WGX_MSG_RESPONSE_LEN);
	ok(sizeof(struct wgx_msg_cookie) == WGX_MSG_COOKIE_LEN,
	   "cookie reply is %d bytes", WGX_MSG_COOKIE_LEN);
	ok(sizeof(struct wgx_msg_data) == WGX_MSG_DATA_HEADER_LEN,
	   "data header is %d bytes", WGX_MSG_DATA_HEADER_LEN);
	ok(offsetof(struct wgx_msg_initiation, macs) == 116, "initiation mac1 at offset 116");
	ok(offsetof(struct wgx_msg_response, macs) == 60, "response mac1 at offset 60");
	ok(offsetof(struct wgx_msg_data, counter) == 8, "data counter at offset 8");
	ok(wgx_msg_data_len(0) == 32, "keepalive data message is 32 bytes");
	return tap_done();
}
