#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A full tunnel on LEFT, as wg-quick sets up `AllowedIPs = 0.0.0.0/0, ::/0`:
# fwmark 0xca6c on the device, everything unmarked routed into the tunnel
# by table 51820, the device's own (marked) underlay packets by the main
# table, whose default route (via RIGHT) is the only way to RIGHT's
# endpoint 198.18.9.2 / 2001:2:9::2, as on a real network. Traffic to
# RIGHT's tunnel address and to an address behind RIGHT (its lo) crosses;
# the underlay never loops into the tunnel. In xdp mode the data must leave
# through the NIC's AF_XDP socket, not the kernel UDP socket: the next hop
# is resolved with the mark.
#
#   wgx-full-aPID (LEFT)                          wgx-full-bPID (RIGHT)
#  +----------------------------------------+    +----------------------------+
#  | wgxfullaPID 100.64.0.1 fd00::1         |    | wgxfullbPID 100.64.0.2     |
#  |   fwmark 0xca6c, peer 0.0.0.0/0 ::/0   |    | lo 100.64.7.7 fd00::7:7    |
#  |   rule not fwmark 0xca6c -> table 51820|    |   ("the internet")         |
#  |   table 51820: default dev wgxfullaPID |    | endpoint 198.18.9.2,       |
#  |   main: default via 198.18.0.2         |    |          2001:2:9::2       |
#  | veth0 198.18.0.1 2001:2::1             +----+ veth0 198.18.0.2 2001:2::2 |
#  +----------------------------------------+    +----------------------------+
. "$(dirname "$0")/../lib.sh"
require_root
pair_require

MARK=0xca6c
xdp_figure() {	# xdp_figure NS IFNAME KEY: a number from the stats' "xdp" object
	wgx_stat "$1" "$2" "d.get('xdp', {}).get('$3', 0)"
}

check "$LEFT and $RIGHT up and configured" pair_setup full 4 || { finish; exit; }
ip -n $B addr add 100.64.7.7/32 dev lo
ip -n $B addr add fd00::7:7/128 dev lo
ip -n $B addr add 198.18.9.2/32 dev veth0
ip -n $B addr add 2001:2:9::2/128 dev veth0 nodad
ip -n $A route add default via 198.18.0.2
ip -n $A -6 route add default via 2001:2::2
ip netns exec $B wg set $IFB peer "$PA" allowed-ips 100.64.0.1/32,fd00::1/128
ip netns exec $A wg set $IFA fwmark $MARK peer "$PB" endpoint 198.18.9.2:51820 \
	allowed-ips 0.0.0.0/0,::/0
for v in -4 -6; do
	ip -n $A $v route add default dev $IFA table 51820
	ip -n $A $v rule add not fwmark $MARK table 51820
	ip -n $A $v rule add table main suppress_prefixlength 0
done
ip netns exec $A sysctl -qw net.ipv4.conf.all.src_valid_mark=1
check "policy: unmarked packets to RIGHT's endpoint route into the tunnel" \
	bash -c "ip -n $A route get 198.18.9.2 | grep -q 'dev $IFA'"
check "policy: marked packets to it route through veth0" \
	bash -c "ip -n $A route get 198.18.9.2 mark $MARK | grep -q 'dev veth0'"
check "full tunnel: A reaches B's tunnel address (IPv4)" tunnel_up $A 100.64.0.2
check "full tunnel: A reaches the address behind B (IPv4, 100.64.7.7)" ping_ok $A 100.64.7.7
check "full tunnel: A reaches the address behind B (IPv6, fd00::7:7)" ping_ok $A fd00::7:7
tx0=$(xdp_figure $A $IFA xsk_nic_tx) fb0=$(xdp_figure $A $IFA socket_fallback)
check "full tunnel: 3 MB TCP A -> 100.64.7.7, sha256 matches" tcp_transfer $A $B 100.64.7.7 3
ip netns exec $A wg set $IFA peer "$PB" endpoint "[2001:2:9::2]:51820"
check "full tunnel over the IPv6 underlay: 3 MB TCP B -> A over inner IPv6, sha256 matches" \
	tcp_transfer $B $A fd00::1 3
if [ "$LEFT" = wg-xdp ] && [ "$MODE" = xdp ]; then
	tx=$(( $(xdp_figure $A $IFA xsk_nic_tx) - tx0 )) fb=$(( $(xdp_figure $A $IFA socket_fallback) - fb0 ))
	diag "during the transfers: $tx packets through the NIC's AF_XDP socket, $fb through the UDP socket"
	[ "$tx" -ge 2000 ] && [ "$fb" -le $((tx / 20)) ]
	ok $? "xdp mode: the full tunnel's data leaves through AF_XDP ($tx XSK, $fb socket fallback)"
else
	skip "AF_XDP counters exist only for wg-xdp in xdp mode" "xdp mode: the full tunnel's data leaves through AF_XDP"
fi
finish
