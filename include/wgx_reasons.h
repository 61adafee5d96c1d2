/* SPDX-License-Identifier: MIT OR GPL-2.0 */
/*
 * Verdict and drop reasons: one stable enum shared by the XDP programs (index
 * into the wgx_stats map), the daemon's data path, the CLI and the metrics.
 *
 * Values are part of the ABI: never renumber, never reuse. Add new reasons in
 * the gap of their range and add a name to the table below. Ranges:
 *   1..31    wgx_rx   (XDP on the underlay NIC)
 *   32..63   wgx_tun  (XDP on the daemon's end of the tunnel veth)
 *   64..95   userspace data path (AF_XDP io threads, crypto workers)
 *   96..127  userspace control path (handshakes, cookies)
 * A name ending in _PASS/_XSK is a delivery, every other one a drop.
 */
#ifndef WGX_REASONS_H
#define WGX_REASONS_H

enum wgx_reason {
	WGX_R_NONE = 0, /* never counted: catches an uninitialised reason */

	/* wgx_rx: not ours, handed to the stack untouched */
	WGX_R_RX_NOT_IP_PASS = 1,	 /* not IPv4/IPv6 (ARP, LLDP, 3+ VLAN tags) */
	WGX_R_RX_UNPARSED_PASS = 2,	 /* truncated/odd L3/L4 header: the stack decides */
	WGX_R_RX_FRAGMENT_PASS = 3,	 /* IPv4/IPv6 fragment: reassembled by the stack */
	WGX_R_RX_NOT_UDP_PASS = 4,	 /* IP but not UDP */
	WGX_R_RX_OTHER_PORT_PASS = 5,	 /* UDP, not to the listen port */
	WGX_R_RX_EXT_LIMIT_PASS = 6,	 /* more IPv6 extension headers than we walk */
	/* wgx_rx: WireGuard messages */
	WGX_R_RX_HANDSHAKE_PASS = 7,	 /* type 1/2/3: to the daemon's UDP socket */
	WGX_R_RX_DATA_XSK = 8,		 /* type 4, known index: XSK, peer id in metadata */
	WGX_R_RX_DATA_XSK_NOMETA = 9,	 /* same, but the driver refused metadata */
	WGX_R_RX_DATA_NO_XSK_PASS = 10,	 /* type 4, known index, no XSK in the queue's slot */
	WGX_R_RX_BAD_UDP_LEN = 11,	 /* UDP length past the frame or the IP length */
	WGX_R_RX_SHORT_MSG = 12,	 /* fewer than 4 bytes of WireGuard header */
	WGX_R_RX_BAD_TYPE = 13,		 /* type byte not 1..4 */
	WGX_R_RX_BAD_RESERVED = 14,	 /* reserved bytes after the type not zero */
	WGX_R_RX_BAD_LEN = 15,		 /* length wrong for the message type */
	WGX_R_RX_UNKNOWN_IDX = 16,	 /* data message, receiver index not in wgx_idx */
	WGX_R_RX_HS_RATELIMIT = 17,	 /* handshake over the per-source budget (under load) */
	WGX_R_RX_NOT_LOCAL_PASS = 18,	 /* to the listen port, not to our address: forwarded */
	WGX_R_RX_DATA_SUPER_PASS = 19,	 /* type 4, known index, a GSO super-packet: the UDP socket */
	/* 20..31 free */

	/* wgx_tun */
	WGX_R_TUN_XSK = 32,		 /* allowed-IPs hit: XSK, peer id in metadata */
	WGX_R_TUN_XSK_NOMETA = 33,	 /* same, but the driver refused metadata */
	WGX_R_TUN_NO_ROUTE = 34,	 /* destination in no peer's allowed IPs */
	WGX_R_TUN_NO_XSK = 35,		 /* hit, but no XSK in the queue's slot */
	WGX_R_TUN_MALFORMED = 36,	 /* truncated or inconsistent IP header */
	WGX_R_TUN_NOT_IP = 37,		 /* not IPv4/IPv6 (nothing else is expected) */
	WGX_R_TUN_ARP = 38,		 /* ARP: wg0 is NOARP, so only a misconfiguration sends it */
	WGX_R_TUN_ND_MLD = 39,		 /* ICMPv6 RS/RA/NS/NA/redirect/MLD from the host end */
	/* 40..63 free */

	/* userspace data path */
	WGX_R_DP_DECRYPT_FAILED = 64,	 /* AEAD open failed */
	WGX_R_DP_REPLAY = 65,		 /* counter outside or already in the window */
	WGX_R_DP_NO_KEYPAIR = 66,	 /* receiver index has no live keypair */
	WGX_R_DP_KEYPAIR_EXPIRED = 67,	 /* REJECT_AFTER_TIME/MESSAGES reached */
	WGX_R_DP_SRC_NOT_ALLOWED = 68,	 /* decrypted source not in the peer's allowed IPs */
	WGX_R_DP_PEER_QUEUE_FULL = 69,	 /* the peer's ordered queue is full */
	WGX_R_DP_WORKER_QUEUE_FULL = 70, /* every crypto worker queue is full */
	WGX_R_DP_NO_ENDPOINT = 71,	 /* peer has no endpoint yet */
	WGX_R_DP_TX_RING_FULL = 72,	 /* XSK TX ring full */
	WGX_R_DP_NO_FRAME = 73,		 /* UMEM exhausted */
	WGX_R_DP_INNER_MALFORMED = 74,	 /* decrypted payload is not a valid IP packet */
	WGX_R_DP_MTU_EXCEEDED = 75,	 /* inner packet larger than the tunnel MTU */
	WGX_R_DP_KEEPALIVE = 76,	 /* received keepalive: consumed, not delivered */
	WGX_R_DP_STAGED_FULL = 77,	 /* packets queued while handshaking: queue full */
	WGX_R_DP_SOCKET_FALLBACK = 78,	 /* sent through the kernel UDP socket (no neighbour) */
	WGX_R_DP_CODEL_TX = 79,		 /* tunnel ring: standing queue, dropped before sealing */
	WGX_R_DP_CODEL_RX = 80,		 /* underlay ring: standing queue, dropped before opening */
	WGX_R_DP_UDP_SEND_FAILED = 81,	 /* the kernel UDP socket refused the datagram */
	WGX_R_DP_TUN_WRITE_FAILED = 82,	 /* the TUN device refused the packet (queue full) */
	WGX_R_DP_NO_MEMORY = 83,	 /* no memory to keep the packet (staging) */
	WGX_R_DP_GSO_REFUSED = 84,	 /* a TUN super-packet lib/gso cannot cut (UFO, odd headers) */
	WGX_R_DP_TUN_RING_FULL = 85,	 /* the kernel's TUN queue overflowed before we read (tx_dropped) */
	WGX_R_DP_UDP_GSO_OFF = 86,	 /* the kernel refused UDP_SEGMENT: sending datagram by datagram */
	WGX_R_DP_UDP_RCVBUF_FULL = 87,	 /* UDP receive buffer full: buffers dropped (a GRO one holds many) */
	/* 88..95 free */

	/* userspace control path */
	WGX_R_CP_BAD_MAC1 = 96,		 /* handshake MAC1 invalid */
	WGX_R_CP_COOKIE_SENT = 97,	 /* under load, MAC2 missing: cookie reply sent */
	WGX_R_CP_HS_RATELIMIT = 98,	 /* handshake over the daemon's rate limit */
	WGX_R_CP_HS_INVALID = 99,	 /* handshake failed to decrypt or unknown peer */
	WGX_R_CP_HS_REPLAY = 100,	 /* initiation timestamp not newer than the last */
	WGX_R_CP_COOKIE_INVALID = 101,	 /* cookie reply failed to decrypt / no such index */
	WGX_R_CP_HS_RCVBUF_FULL = 102,	 /* handshake socket's receive buffer full: dropped (a flood) */
	/* 103..127 free */

	WGX_REASON_MAX = 128, /* wgx_stats max_entries; raising it is an ABI change */
};

#ifndef __BPF__
/* Stable lower-case names (metrics labels, `wg-xdp stats`); NULL for gaps. */
static inline const char *wgx_reason_name(unsigned int reason)
{
	static const char *const names[WGX_REASON_MAX] = {
		[WGX_R_RX_NOT_IP_PASS] = "rx_not_ip_pass",
		[WGX_R_RX_UNPARSED_PASS] = "rx_unparsed_pass",
		[WGX_R_RX_FRAGMENT_PASS] = "rx_fragment_pass",
		[WGX_R_RX_NOT_UDP_PASS] = "rx_not_udp_pass",
		[WGX_R_RX_OTHER_PORT_PASS] = "rx_other_port_pass",
		[WGX_R_RX_EXT_LIMIT_PASS] = "rx_ext_limit_pass",
		[WGX_R_RX_HANDSHAKE_PASS] = "rx_handshake_pass",
		[WGX_R_RX_DATA_XSK] = "rx_data_xsk",
		[WGX_R_RX_DATA_XSK_NOMETA] = "rx_data_xsk_nometa",
		[WGX_R_RX_DATA_NO_XSK_PASS] = "rx_data_no_xsk_pass",
		[WGX_R_RX_BAD_UDP_LEN] = "rx_bad_udp_len",
		[WGX_R_RX_SHORT_MSG] = "rx_short_msg",
		[WGX_R_RX_BAD_TYPE] = "rx_bad_type",
		[WGX_R_RX_BAD_RESERVED] = "rx_bad_reserved",
		[WGX_R_RX_BAD_LEN] = "rx_bad_len",
		[WGX_R_RX_UNKNOWN_IDX] = "rx_unknown_idx",
		[WGX_R_RX_HS_RATELIMIT] = "rx_hs_ratelimit",
		[WGX_R_RX_NOT_LOCAL_PASS] = "rx_not_local_pass",
		[WGX_R_RX_DATA_SUPER_PASS] = "rx_data_super_pass",
		[WGX_R_TUN_XSK] = "tun_xsk",
		[WGX_R_TUN_XSK_NOMETA] = "tun_xsk_nometa",
		[WGX_R_TUN_NO_ROUTE] = "tun_no_route",
		[WGX_R_TUN_NO_XSK] = "tun_no_xsk",
		[WGX_R_TUN_MALFORMED] = "tun_malformed",
		[WGX_R_TUN_NOT_IP] = "tun_not_ip",
		[WGX_R_TUN_ARP] = "tun_arp",
		[WGX_R_TUN_ND_MLD] = "tun_nd_mld",
		[WGX_R_DP_DECRYPT_FAILED] = "dp_decrypt_failed",
		[WGX_R_DP_REPLAY] = "dp_replay",
		[WGX_R_DP_NO_KEYPAIR] = "dp_no_keypair",
		[WGX_R_DP_KEYPAIR_EXPIRED] = "dp_keypair_expired",
		[WGX_R_DP_SRC_NOT_ALLOWED] = "dp_src_not_allowed",
		[WGX_R_DP_PEER_QUEUE_FULL] = "dp_peer_queue_full",
		[WGX_R_DP_WORKER_QUEUE_FULL] = "dp_worker_queue_full",
		[WGX_R_DP_NO_ENDPOINT] = "dp_no_endpoint",
		[WGX_R_DP_TX_RING_FULL] = "dp_tx_ring_full",
		[WGX_R_DP_NO_FRAME] = "dp_no_frame",
		[WGX_R_DP_INNER_MALFORMED] = "dp_inner_malformed",
		[WGX_R_DP_MTU_EXCEEDED] = "dp_mtu_exceeded",
		[WGX_R_DP_KEEPALIVE] = "dp_keepalive",
		[WGX_R_DP_STAGED_FULL] = "dp_staged_full",
		[WGX_R_DP_SOCKET_FALLBACK] = "dp_socket_fallback",
		[WGX_R_DP_CODEL_TX] = "dp_codel_tx",
		[WGX_R_DP_CODEL_RX] = "dp_codel_rx",
		[WGX_R_DP_UDP_SEND_FAILED] = "dp_udp_send_failed",
		[WGX_R_DP_TUN_WRITE_FAILED] = "dp_tun_write_failed",
		[WGX_R_DP_NO_MEMORY] = "dp_no_memory",
		[WGX_R_DP_GSO_REFUSED] = "dp_gso_refused",
		[WGX_R_DP_TUN_RING_FULL] = "dp_tun_ring_full",
		[WGX_R_DP_UDP_GSO_OFF] = "dp_udp_gso_off",
		[WGX_R_DP_UDP_RCVBUF_FULL] = "dp_udp_rcvbuf_full",
		[WGX_R_CP_BAD_MAC1] = "cp_bad_mac1",
		[WGX_R_CP_COOKIE_SENT] = "cp_cookie_sent",
		[WGX_R_CP_HS_RATELIMIT] = "cp_hs_ratelimit",
		[WGX_R_CP_HS_INVALID] = "cp_hs_invalid",
		[WGX_R_CP_HS_REPLAY] = "cp_hs_replay",
		[WGX_R_CP_COOKIE_INVALID] = "cp_cookie_invalid",
		[WGX_R_CP_HS_RCVBUF_FULL] = "cp_hs_rcvbuf_full",
	};

	return reason < WGX_REASON_MAX ? names[reason] : NULL;
}

/* A delivery (name ending in _pass or _xsk, or _xsk_nometa), not a drop. */
static inline int wgx_reason_is_delivery(unsigned int reason)
{
	const char *n = wgx_reason_name(reason);
	unsigned long len = 0;

	while (n && n[len])
		len++;
	return n && ((len > 5 && !__builtin_memcmp(n + len - 5, "_pass", 5)) ||
		     (len > 4 && !__builtin_memcmp(n + len - 4, "_xsk", 4)) ||
		     (len > 11 && !__builtin_memcmp(n + len - 11, "_xsk_nometa", 11)));
}
#endif

#endif
