/* SPDX-License-Identifier: MIT */
/*
 * Transport data messages (whitepaper 5.4.6): padding, header, AEAD. Pure
 * functions over a keypair, shared by socket mode and the AF_XDP workers.
 */
#ifndef WGX_DATA_H
#define WGX_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "core/noise.h"

/*
 * The plaintext is at msg + WGX_MSG_DATA_HEADER_LEN (@plain_len bytes) and the
 * buffer has room for padding (zeroed here) after it. Pads to a multiple of 16
 * (never past @mtu), writes the message with @counter into @out (header,
 * ciphertext, tag: room for the padded length + 32), which may be @msg itself.
 * Returns the message length. Any thread.
 */
size_t wgx_data_seal_to(const struct wgx_keypair *kp, uint64_t counter, uint8_t *msg,
			size_t plain_len, unsigned int mtu, uint8_t *out);
/* The same in place. */
size_t wgx_data_seal(const struct wgx_keypair *kp, uint64_t counter, uint8_t *msg,
		     size_t plain_len, unsigned int mtu);

/*
 * Authenticate and decrypt the @len-byte message @msg; the plaintext (padding
 * included) goes to out + WGX_MSG_DATA_HEADER_LEN (@out may be @msg), its
 * length in *plain_len, the counter in *counter. The replay check is the
 * caller's (in order, after this). Returns 0 or -EBADMSG. Any thread.
 */
int wgx_data_open_to(const struct wgx_keypair *kp, const uint8_t *msg, size_t len, uint8_t *out,
		     uint64_t *counter, size_t *plain_len);
/* The same in place. */
int wgx_data_open(const struct wgx_keypair *kp, uint8_t *msg, size_t len, uint64_t *counter,
		  size_t *plain_len);

/*
 * Length of the IP packet at @pkt within @len bytes of decrypted payload
 * (padding stripped), or 0 when it is not a well-formed IPv4/IPv6 packet.
 * *family gets AF_INET or AF_INET6.
 */
size_t wgx_data_inner_len(const uint8_t *pkt, size_t len, int *family);

#endif
