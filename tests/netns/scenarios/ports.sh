#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Listen ports and fwmark on LEFT: listen-port 0 picks a random port that
# `wg show` reports and that works; `wg set listen-port` at run time moves
# the socket (the old port closes, RIGHT follows after LEFT's first packet);
# fwmark is reported and applied to the underlay traffic (RIGHT's endpoint
# address is only routable through a policy rule matching the mark). The
# random port and the fwmark are exercised over the IPv6 underlay as well.
#
#   wgx-port-aPID (LEFT)                          wgx-port-bPID (RIGHT)
#  +----------------------------------------+    +----------------------------+
#  | wgxportaPID 100.64.0.1                 |    | wgxportbPID 100.64.0.2     |
#  |   listen-port 0 -> random -> 51999     |    |                            |
#  |   fwmark 0x51 -> table 151:            |    |                            |
#  |     198.18.5.2 dev veth0 (only there)  |    |                            |
#  |     2001:2:5::2 dev veth0 (only there) |    |                            |
#  | veth0 198.18.0.1 2001:2::1             +----+ veth0 198.18.0.2, 198.18.5.2|
#  |                                        |    |       2001:2::2,           |
#  |                                        |    |       2001:2:5::2          |
#  +----------------------------------------+    +----------------------------+
. "$(dirname "$0")/../lib.sh"
require_root
pair_require

udp_listening() {	# udp_listening NS PORT
	ip netns exec "$1" ss -Huln "sport = :$2" | grep -q .
}

check "$LEFT and $RIGHT up and configured" pair_setup port 4 || { finish; exit; }
check "tunnel up on 51820" tunnel_up $A 100.64.0.2

ip netns exec $A wg set $IFA listen-port 0
p=$(ip netns exec $A wg show $IFA listen-port)
[ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != 51820 ]
ok $? "listen-port 0: wg show reports a random port ($p)"
check "listen-port 0: the random port is open and 51820 closed" \
	bash -c "$(declare -f udp_listening); udp_listening $A $p && ! udp_listening $A 51820"
ip netns exec $B wg set $IFB peer "$PA" endpoint 198.18.0.1:$p
check "listen-port 0: B->A on the random port" ping_ok $B 100.64.0.1
ip netns exec $B wg set $IFB peer "$PA" endpoint "[2001:2::1]:$p"
check "listen-port 0: B->A on the random port over the IPv6 underlay ([2001:2::1]:$p)" ping_ok $B fd00::1
# Back to the IPv4 underlay (LEFT roamed to RIGHT's IPv6 address).
ip netns exec $A wg set $IFA peer "$PB" endpoint 198.18.0.2:51820
ip netns exec $B wg set $IFB peer "$PA" endpoint 198.18.0.1:$p

ip netns exec $A wg set $IFA listen-port 51999
check "listen-port change: wg show reports 51999" \
	bash -c "[ \"\$(ip netns exec $A wg show $IFA listen-port)\" = 51999 ]"
check "listen-port change: 51999 open, $p closed" \
	bash -c "$(declare -f udp_listening); udp_listening $A 51999 && ! udp_listening $A $p"
check "listen-port change: A->B works, from the new port" ping_ok $A 100.64.0.2
check "listen-port change: $RIGHT follows to 198.18.0.1:51999" \
	bash -c "ip netns exec $B wg show $IFB endpoints | grep -q '198.18.0.1:51999'"
check "listen-port change: B->A works" ping_ok $B fd00::1
ip netns exec $B wg set $IFB peer "$PA" endpoint "[2001:2::1]:51999"
check "listen-port change: B->A over the IPv6 underlay ([2001:2::1]:51999)" ping_ok $B 100.64.0.1

ip -n $B addr add 198.18.5.2/32 dev veth0
ip -n $B addr add 2001:2:5::2/128 dev veth0 nodad
ip -n $A route add 198.18.5.2/32 dev veth0 table 151
ip -n $A -6 route add 2001:2:5::2/128 dev veth0 table 151
ip -n $A rule add fwmark 0x51 table 151
ip -n $A -6 rule add fwmark 0x51 table 151
# Replies come from 198.18.5.2, which A's main table cannot route back: loose
# rp_filter (inherited from the host) would drop them.
for k in all default veth0; do ip netns exec $A sysctl -qw net.ipv4.conf.$k.rp_filter=0; done
# RIGHT's endpoint for LEFT is unroutable from RIGHT: nothing RIGHT sends on
# its own (a keepalive, a handshake) reaches LEFT and lets LEFT roam to
# RIGHT's main address; only A's packets reaching B (B then roams to A) can
# make a ping pass.
ip netns exec $B wg set $IFB peer "$PA" endpoint "[2001:2:6::1]:51999"
ip netns exec $A wg set $IFA peer "$PB" endpoint 198.18.5.2:51820
check "fwmark 0 (control): IPv4 underlay 198.18.5.2 unroutable, A->B fails" \
	bash -c "! ip netns exec $A ping -c 2 -i 0.3 -W 1 100.64.0.2"
ip netns exec $A wg set $IFA peer "$PB" endpoint "[2001:2:5::2]:51820"
check "fwmark 0 (control): IPv6 underlay 2001:2:5::2 unroutable, A->B fails" \
	bash -c "! ip netns exec $A ping -c 2 -i 0.3 -W 1 100.64.0.2"
ip netns exec $A wg set $IFA fwmark 0x51
check "fwmark: wg show reports 0x51" bash -c "[ \"\$(ip netns exec $A wg show $IFA fwmark)\" = 0x51 ]"
# The session is still valid: the first ping needs no handshake.
check "fwmark 0x51: IPv6 underlay routed by the mark, A->B works ([2001:2:5::2]:51820)" ping_ok $A 100.64.0.2
ip netns exec $A wg set $IFA peer "$PB" endpoint 198.18.5.2:51820
ip netns exec $B wg set $IFB peer "$PA" endpoint 198.18.6.1:51999	# B roamed to A again
check "fwmark 0x51: IPv4 underlay routed by the mark, A->B works (198.18.5.2:51820)" ping_ok $A 100.64.0.2
finish
