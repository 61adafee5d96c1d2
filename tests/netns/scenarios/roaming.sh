#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Roaming: in the middle of a throttled TCP transfer, LEFT's underlay address
# changes (198.18.0.1 -> .3, 2001:2::1 -> ::3). RIGHT must follow to the new
# endpoint after the first authenticated packet from it, and the transfer must
# complete with a matching sha256. IPv4: LEFT sends the data (its first packet
# from the new address moves RIGHT). IPv6: LEFT receives the data and only
# acknowledges what arrives, so nothing would come from the new address after
# in-flight packets die at the old one; LEFT's persistent keepalive (1 s) is
# what re-announces it. LEFT moves because wireguard-go 0.0.20220316 stops
# sending when its own source disappears.
#
#   wgx-roam-aPID (LEFT)                  wgx-roam-bPID (RIGHT)
#  +----------------------------+        +----------------------------+
#  | wgxroamaPID 100.64.0.1     |        | wgxroambPID 100.64.0.2     |
#  | veth0 198.18.0.1 -> .3     +--------+ veth0 198.18.0.2           |
#  |       2001:2::1 -> ::3     |        |       2001:2::2            |
#  +----------------------------+        +----------------------------+
. "$(dirname "$0")/../lib.sh"
require_root
pair_require
[ "$LEFT" = wireguard-go ] && skip_all "wireguard-go 0.0.20220316 stops sending when its source address disappears; run with wg-xdp or kernel on the left"

roam() {	# roam FAMILY: move A's underlay address during a transfer
	local fam=$1 rc
	if [ $fam = 4 ]; then
		(tcp_transfer $A $B 100.64.0.2 3 20 800; echo $? >"$LOGDIR/roam.rc") &
	else
		(tcp_transfer $B $A fd00::1 3 20 800; echo $? >"$LOGDIR/roam.rc") &
	fi
	local tpid=$!
	sleep 1.5
	if [ $fam = 4 ]; then
		ip -n $A addr del 198.18.0.1/24 dev veth0
		ip -n $A addr add 198.18.0.3/24 dev veth0
	else
		ip -n $A addr del 2001:2::1/64 dev veth0
		ip -n $A addr add 2001:2::3/64 dev veth0 nodad
	fi
	local t0=$SECONDS
	wait $tpid
	diag "transfer finished $((SECONDS - t0)) s after the move"
	rc=$(cat "$LOGDIR/roam.rc")
	return "$rc"
}

endpoint_is() {	# endpoint_is WANT: B's endpoint for A
	[ "$(ip netns exec $B wg show $IFB endpoints | awk '{print $2}')" = "$1" ]
}

for fam in 4 6; do
	t="IPv$fam underlay"
	if [ $fam = 4 ]; then new=198.18.0.3:51820; else new="[2001:2::3]:51820"; fi
	# shellcheck disable=SC2034 # read by pair_setup
	[ $fam = 6 ] && A_PEER_EXTRA="endpoint [2001:2::2]:51820 persistent-keepalive 1"
	check "$t: $LEFT and $RIGHT up and configured" pair_setup roam $fam || { finish; exit; }
	check "$t: tunnel up" tunnel_up $A 100.64.0.2
	if [ $fam = 4 ]; then what="3 MB TCP A->B"; else what="3 MB TCP B->A (A has persistent keepalive 1 s)"; fi
	check "$t: $what completes across A's address change within 20 s, sha256 matches" roam $fam
	check "$t: $RIGHT's endpoint for $LEFT is now $new" endpoint_is $new
	check "$t: ping B->A after the move" ping_ok $B 100.64.0.1
	check "$t: ping A->B after the move (inner IPv6)" ping_ok $A fd00::2
	teardown_all
done
finish
