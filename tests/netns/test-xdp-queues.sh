#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# XDP mode on a multi-queue underlay: an AF_XDP socket on every queue, and
# what goes out spread over them by endpoint (address and port), each
# peer's packets on one queue so they keep their order.
#
#   wgx-q-aPID (wg-xdp, xdp mode)                  wgx-q-bPID (4 x wg-xdp, socket mode)
#  +------------------------------------+         +------------------------------------+
#  | wgxqaPID 100.64.1.1/24             |         | wgxqbPID-i 100.64.1.1i/32  i = 1..4 |
#  |   peer i -> 198.18.0.2:5182i       |         |   listen-port 5182i                |
#  | veth0 198.18.0.1/24, 4 queues      +---------+ veth0 198.18.0.2/24, 4 queues      |
#  +------------------------------------+         +------------------------------------+
. "$(dirname "$0")/lib.sh"
require_root
why=$(xdp_unavailable_reason)
[ -z "$why" ] || skip_all "$why"

A=wgx-q-a$$ B=wgx-q-b$$ IFA=wgxqa$$
UNDERLAY_QUEUES=4 setup_underlay

check "wg-xdp up in xdp mode on a 4-queue veth" start_wg wg-xdp $A $IFA xdp
KA=$(genkey) PA=$(pubkey "$KA")
ip netns exec $A wg set $IFA listen-port 51820 private-key <(echo "$KA")
ip -n $A addr add 100.64.1.1/24 dev $IFA
ip -n $A link set $IFA up
for i in 1 2 3 4; do
	ifb=wgxqb$$-$i ifb=${ifb:0:15} k=$(genkey)
	start_wg wg-xdp $B "$ifb" socket || break
	ip netns exec $B wg set "$ifb" listen-port 5182$i private-key <(echo "$k") \
		peer "$PA" endpoint 198.18.0.1:51820 allowed-ips 100.64.1.1/32
	ip -n $B addr add 100.64.1.1$i/32 dev "$ifb"
	ip -n $B link set "$ifb" up
	ip -n $B route add 100.64.1.1/32 dev "$ifb" table 10$i
	ip -n $B rule add to 100.64.1.1/32 from 100.64.1.1$i table 10$i
	ip netns exec $A wg set $IFA peer "$(pubkey "$k")" endpoint 198.18.0.2:5182$i \
		allowed-ips 100.64.1.1$i/32
done
queues=$(wgx_stat $A $IFA 'd["xdp"]["queues"]')
[ "$queues" = 4 ]
ok $? "an AF_XDP socket on each of the 4 queues ($queues)"
all=0
for i in 1 2 3 4; do tunnel_up $A 100.64.1.1$i >/dev/null || all=1; done
ok $all "A reaches all four peers"
for i in 1 2 3 4; do ip netns exec $A ping -q -c 20 -i 0.01 100.64.1.1$i >/dev/null || all=1; done
ok $all "80 more pings to the four peers"
used=$(wgx_stat $A $IFA 'str(d["xdp"]["xsk_nic_tx_queues"]) + " " + str(d["xdp"]["xsk_nic_tx"])')
diag "NIC queues that sent, packets sent through AF_XDP: $used"
[ "${used% *}" -ge 2 ] && [ "${used#* }" -ge 60 ]
ok $? "TX spread over more than one queue's AF_XDP socket"
finish
