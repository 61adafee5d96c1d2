#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Source filtering (cryptokey routing on receive): RIGHT sends inner packets
# from 100.64.0.99 / fd00::99, outside the allowed IPs LEFT has for it; LEFT
# must drop them (wg-xdp counts dp_src_not_allowed), and the reverse
# direction too (100.64.0.98 / fd00::98). Then strict rp_filter on LEFT's
# host must not break the tunnel. The drop checks run with the endpoints on
# the IPv4 underlay, then again on the IPv6 underlay (same namespaces).
#
#   wgx-src-aPID (LEFT)                   wgx-src-bPID (RIGHT)
#  +----------------------------+        +------------------------------------+
#  | wgxsrcaPID 100.64.0.1      |        | wgxsrcbPID 100.64.0.2 (allowed)    |
#  |   + 100.64.0.98, fd00::98  |        |   + 100.64.0.99, fd00::99 (not)    |
#  |   peer B: 100.64.0.2/32,   |        |                                    |
#  |           fd00::2/128      |        |                                    |
#  |   rp_filter=1 (strict)     |        |                                    |
#  | veth0 198.18.0.1 2001:2::1 +--------+ veth0 198.18.0.2 2001:2::2         |
#  +----------------------------+        +------------------------------------+
. "$(dirname "$0")/../lib.sh"
require_root
pair_require

spoof() {	# spoof FAM: the drop checks with the endpoints on the FAM underlay
	local t="IPv$1 underlay" before after
	before=$( [ "$LEFT" = wg-xdp ] && stat_reason $A $IFA dp_src_not_allowed || echo 0)
	check "$t: B->A from 100.64.0.99 (not in B's allowed IPs on A) is dropped" \
		bash -c "! ip netns exec $B ping -c 3 -i 0.2 -W 1 -I 100.64.0.99 100.64.0.1"
	check "$t: B->A from fd00::99 is dropped" \
		bash -c "! ip netns exec $B ping -6 -c 3 -i 0.2 -W 1 -I fd00::99 fd00::1"
	if [ "$LEFT" = wg-xdp ]; then
		after=$(stat_reason $A $IFA dp_src_not_allowed)
		[ $((after - before)) -ge 6 ]
		ok $? "$t: $LEFT counted the 6 spoofed packets in dp_src_not_allowed ($before -> $after)"
	fi
	check "$t: A->B from 100.64.0.98 (not in A's allowed IPs on B) is dropped by $RIGHT" \
		bash -c "! ip netns exec $A ping -c 2 -i 0.2 -W 1 -I 100.64.0.98 100.64.0.2"
	check "$t: A->B from fd00::98 is dropped by $RIGHT" \
		bash -c "! ip netns exec $A ping -6 -c 2 -i 0.2 -W 1 -I fd00::98 fd00::2"
	check "$t: legitimate source still passes" ping_ok $B 100.64.0.1
	# -I: for fd00::1 B would pick fd00::99/128 over fd00::2/64 (Linux caps
	# the longest-match rule at each address's prefix length).
	check "$t: legitimate source fd00::2 still passes" ip netns exec $B ping -6 -c 1 -W 1 -w 3 -I fd00::2 fd00::1
	check "$t: the session runs over the IPv$1 underlay ($LEFT sends to $EPB)" endpoint_is $A $IFA "$EPB"
}

check "$LEFT and $RIGHT up and configured" pair_setup src 4 || { finish; exit; }
check "tunnel up" tunnel_up $A 100.64.0.2
ip -n $B addr add 100.64.0.99/32 dev $IFB
ip -n $B addr add fd00::99/128 dev $IFB nodad
ip -n $A addr add 100.64.0.98/32 dev $IFA
ip -n $A addr add fd00::98/128 dev $IFA nodad
spoof 4
# Same namespaces and session, endpoints moved to the IPv6 underlay.
set_endpoints 6
check "IPv6 underlay: tunnel up (A->B)" tunnel_up $A 100.64.0.2
spoof 6
for k in all default $IFA veth0; do ip netns exec $A sysctl -qw net.ipv4.conf.$k.rp_filter=1; done
check "rp_filter=1 on $LEFT's host: ping B->A" ping_ok $B 100.64.0.1
check "rp_filter=1 on $LEFT's host: 2 MB TCP B->A, sha256 matches" tcp_transfer $B $A 100.64.0.1 2
finish
