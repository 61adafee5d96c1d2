// SPDX-License-Identifier: MIT
#include "control/peerlog.h"

#include <stdbool.h>

#include "core/device.h"
#include "core/keys.h"
#include "core/peer.h"
#include "lib/log.h"
#include "wgx_consts.h"

void wgx_peerlog_scan(struct wgx_device *dev, uint64_t now_wall_ns)
{
	unsigned int up = 0, down = 0, shown = 0;
	char key[WGX_KEY_B64_LEN + 1], ep[64];

	for (struct wgx_peer *p = dev->peers; p; p = p->next) {
		uint64_t hs = p->last_handshake_wall_ns;
		bool live = hs && now_wall_ns - hs < (uint64_t)WGX_REJECT_AFTER_TIME * WGX_NS_PER_SEC;

		if (live == p->log_up)
			continue;
		p->log_up = live;
		live ? up++ : down++;
		if (shown++ >= WGX_PEERLOG_PER_SCAN)
			continue;
		wgx_key_to_base64(key, p->public_key);
		if (live)
			pr_info("%s: peer %s: handshake established (endpoint %s)", dev->name, key,
				wgx_sockaddr_str(&p->endpoint.addr, ep, sizeof(ep)));
		else
			pr_info("%s: peer %s: handshake lost (none for %u s)", dev->name, key,
				WGX_REJECT_AFTER_TIME);
	}
	if (shown > WGX_PEERLOG_PER_SCAN)
		pr_info("%s: and %u more peers changed (%u established, %u lost in all)", dev->name,
			shown - WGX_PEERLOG_PER_SCAN, up, down);
}
