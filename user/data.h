/* SPDX-License-Identifier: MIT */
/*
 * Transport data messages (whitepaper 5.4.6): padding, header, AEAD. Pure
 * functions over a keypair, shared by socket mode and the AF_XDP workers.
 */
#ifndef WGX_DATA_H
#define WGX_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "noise.h"

/*
 * The plaintext is at msg + WGX_MSG_DATA_HEADER_LEN (@plain_len bytes) and the
 * buffer has room for padding and the tag after it. Pads to a multiple of 16
 * (never past @mtu), writes the header with @counter and seals in place.
 * Returns the message length. Any thread.
 */
size_t wgx_data_seal(const struct wgx_keypair *kp, uint64_t counter, uint8_t *msg,
		     size_t plain_len, unsigned int mtu);

/*
 * Authenticate and decrypt in place; the plaintext (padding included) is left
 * at msg + WGX_MSG_DATA_HEADER_LEN, its length in *plain_len, the counter in
 * *counter. The replay check is the caller's (in order, after this).
 * Returns 0 or -EBADMSG. Any thread.
 */
int wgx_data_open(const struct wgx_keypair *kp, uint8_t *msg, size_t len, uint64_t *counter,
		  size_t *plain_len);

/*
 * Length of the IP packet at @pkt within @len bytes of decrypted payload
 * (padding stripped), or 0 when it is not a well-formed IPv4/IPv6 packet.
 * *family gets AF_INET or AF_INET6.
 */
size_t wgx_data_inner_len(const uint8_t *pkt, size_t len, int *family);

#endif
