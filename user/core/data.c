// SPDX-License-Identifier: MIT
#include "core/data.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "core/aead.h"

size_t wgx_data_seal_to(const struct wgx_keypair *kp, uint64_t counter, uint8_t *msg,
			size_t plain_len, unsigned int mtu, uint8_t *out)
{
	struct wgx_msg_data *hdr = (struct wgx_msg_data *)out;
	size_t padded = (plain_len + WGX_MESSAGE_PADDING_MULTIPLE - 1) &
			~(size_t)(WGX_MESSAGE_PADDING_MULTIPLE - 1);
	uint8_t *plain = msg + WGX_MSG_DATA_HEADER_LEN;

	if (padded > mtu)
		padded = plain_len > mtu ? plain_len : mtu;
	memset(plain + plain_len, 0, padded - plain_len);
	hdr->header.type = htole32(WGX_MSG_DATA);
	hdr->key_idx = htole32(kp->remote_index);
	hdr->counter = htole64(counter);
	wgx_aead_seal(out + WGX_MSG_DATA_HEADER_LEN, plain, padded, NULL, 0, counter,
		      kp->sending_key);
	return wgx_msg_data_len(padded);
}

size_t wgx_data_seal(const struct wgx_keypair *kp, uint64_t counter, uint8_t *msg,
		     size_t plain_len, unsigned int mtu)
{
	return wgx_data_seal_to(kp, counter, msg, plain_len, mtu, msg);
}

int wgx_data_open_to(const struct wgx_keypair *kp, const uint8_t *msg, size_t len, uint8_t *out,
		     uint64_t *counter, size_t *plain_len)
{
	const struct wgx_msg_data *hdr = (const struct wgx_msg_data *)msg;

	if (len < WGX_MSG_DATA_MIN_LEN)
		return -EBADMSG;
	*counter = le64toh(hdr->counter);
	*plain_len = len - WGX_MSG_DATA_MIN_LEN;
	return wgx_aead_open(out + WGX_MSG_DATA_HEADER_LEN, msg + WGX_MSG_DATA_HEADER_LEN,
			     len - WGX_MSG_DATA_HEADER_LEN, NULL, 0, *counter, kp->receiving_key);
}

int wgx_data_open(const struct wgx_keypair *kp, uint8_t *msg, size_t len, uint64_t *counter,
		  size_t *plain_len)
{
	return wgx_data_open_to(kp, msg, len, msg, counter, plain_len);
}

size_t wgx_data_inner_len(const uint8_t *pkt, size_t len, int *family)
{
	size_t tot;

	if (len < 20)
		return 0;
	if ((pkt[0] >> 4) == 4) {
		size_t ihl = (size_t)(pkt[0] & 0xf) * 4;

		tot = (size_t)pkt[2] << 8 | pkt[3];
		if (ihl < 20 || tot < ihl || tot > len)
			return 0;
		*family = AF_INET;
		return tot;
	}
	if ((pkt[0] >> 4) == 6 && len >= 40) {
		tot = 40 + ((size_t)pkt[4] << 8 | pkt[5]);
		if (tot > len)
			return 0;
		*family = AF_INET6;
		return tot;
	}
	return 0;
}
