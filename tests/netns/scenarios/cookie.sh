#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Cookie path: LEFT (wg-xdp) runs with WGX_TEST_UNDER_LOAD=1 (test-only:
# always under load), so RIGHT's first initiation has no valid MAC2 and gets
# a cookie reply (cp_cookie_sent rises); RIGHT must decrypt the cookie,
# retry with MAC2 after REKEY_TIMEOUT (5 s) and complete the handshake.
# LEFT has no endpoint for RIGHT, so RIGHT is the initiator. Over an IPv4
# and an IPv6 underlay: the cookie is bound to the initiator's address, 4 or
# 16 bytes.
#
#   wgx-cookie-aPID (LEFT, under load)       wgx-cookie-bPID (RIGHT, initiator)
#  +------------------------------+         +------------------------------+
#  | wgxcookieaPID 100.64.0.1     |  cookie |  wgxcookiebPID 100.64.0.2     |
#  |   no endpoint for B          |<------->|   endpoint 198.18.0.1:51820  |
#  |                              |         |    or [2001:2::1]:51820      |
#  | veth0 198.18.0.1 2001:2::1   +---------+ veth0 198.18.0.2 2001:2::2   |
#  +------------------------------+         +------------------------------+
. "$(dirname "$0")/../lib.sh"
require_root
pair_require
[ "$LEFT" = wg-xdp ] || skip_all "WGX_TEST_UNDER_LOAD is a wg-xdp test hook; LEFT is $LEFT"

for fam in 4 6; do
	t="IPv$fam underlay"
	START_ENV="WGX_TEST_UNDER_LOAD=1" A_PEER_EXTRA="persistent-keepalive off" \
		check "$t: $LEFT (always under load) and $RIGHT up and configured" pair_setup cookie $fam ||
		{ finish; exit; }
	check "$t: $RIGHT initiates; the handshake completes within 15 s" \
		ip netns exec $B ping -c 1 -W 1 -w 15 100.64.0.1
	c=$(stat_reason $A $IFA cp_cookie_sent)
	[ "$c" -ge 1 ]
	ok $? "$t: $LEFT sent a cookie reply (cp_cookie_sent $c)"
	hs=$(handshake_of $B $IFB)
	[ "${hs:-0}" -gt 0 ]
	ok $? "$t: $RIGHT reports a completed handshake"
	check "$t: data both ways after the cookie handshake (inner IPv6)" ping_ok $A fd00::2
	teardown_all
done
finish
