#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Sticky source address: LEFT has a second underlay address on another subnet
# (198.19.0.1 / 2001:2:0:1::1) and RIGHT knows LEFT only by that one. All of
# LEFT's packets to RIGHT (handshake response, data, keepalives) must leave
# from the address RIGHT sent to, as the kernel's sticky sockets do, and not
# from the route's preferred source 198.18.0.1 / 2001:2::1: RIGHT would roam
# to that (and a NAT or firewall keyed on the address drops it). Then the
# address disappears: LEFT must fall back to the preferred source, and RIGHT
# follows. LEFT configures no endpoint; it learns RIGHT's from the handshake.
#
#   wgx-sticky-aPID (LEFT)                wgx-sticky-bPID (RIGHT)
#  +----------------------------+        +----------------------------------+
#  | wgxstickyaPID 100.64.0.1   |        | wgxstickybPID 100.64.0.2         |
#  | veth0 198.18.0.1 2001:2::1 +--------+ veth0 198.18.0.2 2001:2::2       |
#  |     + 198.19.0.1           |        |   route 198.19.0.0/24 dev veth0  |
#  |     + 2001:2:0:1::1        |        |   route 2001:2:0:1::/64 dev veth0|
#  +----------------------------+        +----------------------------------+
. "$(dirname "$0")/../lib.sh"
require_root
pair_require

sticky() {	# sticky FAM: one pass with the endpoints on the FAM underlay
	local fam=$1 t="IPv$1 underlay" second second_ep first_ep right_ep
	if [ "$fam" = 4 ]; then
		second=198.19.0.1/24 second_ep=198.19.0.1:51820
		first_ep=198.18.0.1:51820 right_ep=198.18.0.2:51820
	else
		second=2001:2:0:1::1/64 second_ep="[2001:2:0:1::1]:51820"
		first_ep="[2001:2::1]:51820" right_ep="[2001:2::2]:51820"
	fi
	A_PEER_EXTRA="persistent-keepalive off" B_PEER_EXTRA="endpoint $second_ep" \
		check "$t: $LEFT and $RIGHT up, $RIGHT knows $LEFT as $second_ep" pair_setup sticky $fam ||
		{ finish; exit; }
	# shellcheck disable=SC2046 # nodad: one word or none
	ip -n $A addr add $second dev veth0 $([ $fam = 6 ] && echo nodad)
	ip -n $B route add 198.19.0.0/24 dev veth0
	ip -n $B route add 2001:2:0:1::/64 dev veth0
	check "$t: tunnel up, $RIGHT initiating" tunnel_up $B 100.64.0.1
	check "$t: 2 MB TCP A->B (data from $LEFT), sha256 matches" tcp_transfer $A $B 100.64.0.2 2 30
	check "$t: ping A->B (inner IPv6)" ping_ok $A fd00::2
	check "$t: $LEFT learned $RIGHT's endpoint $right_ep" endpoint_is $A $IFA $right_ep
	check "$t: $RIGHT's endpoint for $LEFT is still $second_ep (replies left from it)" \
		endpoint_is $B $IFB $second_ep
	ip -n $A addr del $second dev veth0
	check "$t: $second removed: ping A->B from the preferred source" ping_ok $A 100.64.0.2
	check "$t: $RIGHT followed $LEFT to $first_ep" endpoint_is $B $IFB $first_ep
	check "$t: ping B->A after the move" ping_ok $B 100.64.0.1
	teardown_all
}

sticky 4
sticky 6
finish
