#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# MTU: tunnel MTU 1280..1420 set with `ip link set mtu` on both WireGuard
# interfaces (largest DF ping passes, one byte more fails locally with
# EMSGSIZE, TCP works at 1280), over the IPv4 underlay and at 1420 over the
# IPv6 underlay; then the underlay MTU drops to 1280 under a
# 1420 tunnel, over IPv4 and IPv6 underlays: TCP must still complete (no
# black hole), and a full-size DF ping either passes or fails cleanly.
# Last, the tunnel MTU goes up to 1500 (fragmented outer packets) and to 2900
# over a 3000-byte underlay.
#
#   wgx-mtu-aPID (LEFT)                   wgx-mtu-bPID (RIGHT)
#  +----------------------------+        +----------------------------+
#  | wgxmtuaPID  mtu 1280..1420 |        | wgxmtubPID  mtu 1280..1420 |
#  |   100.64.0.1  fd00::1      |        |   100.64.0.2  fd00::2      |
#  | veth0 198.18.0.1 2001:2::1 +--------+ veth0 198.18.0.2 2001:2::2 |
#  |       mtu 1500, then 1280  |        |       mtu 1500, then 1280  |
#  +----------------------------+        +----------------------------+
. "$(dirname "$0")/../lib.sh"
require_root
pair_require
MB=${WGX_TRANSFER_MB:-3}

set_mtu() { ip -n $A link set "$1" mtu "$2" && ip -n $B link set "$3" mtu "$2"; }

edge() {	# edge NS DST4 DST6 MTU: largest DF ping passes, one byte more fails
	local ns=$1 m=$4
	ping_ok "$ns" "$2" $((m - 28)) || { echo "v4 $((m - 28)) failed"; return 1; }
	ping_ok "$ns" "$3" $((m - 48)) || { echo "v6 $((m - 48)) failed"; return 1; }
	! ip netns exec "$ns" ping -c 1 -W 1 -M "do" -s $((m - 27)) "$2" || { echo "v4 $((m - 27)) passed"; return 1; }
	! ip netns exec "$ns" ping -6 -c 1 -W 1 -M "do" -s $((m - 47)) "$3" || { echo "v6 $((m - 47)) passed"; return 1; }
}

check "$LEFT and $RIGHT up and configured" pair_setup mtu 4 || { finish; exit; }
check "tunnel up at the default MTU" tunnel_up $A 100.64.0.2
for m in 1280 1340 1420; do
	set_mtu $IFA $m $IFB
	check "IPv4 underlay: tunnel MTU $m: A->B largest DF ping passes, +1 byte fails (v4, v6)" edge $A 100.64.0.2 fd00::2 $m
	check "IPv4 underlay: tunnel MTU $m: B->A largest DF ping passes, +1 byte fails (v4, v6)" edge $B 100.64.0.1 fd00::1 $m
	[ $m = 1280 ] && check "IPv4 underlay: tunnel MTU 1280: $MB MB TCP A->B, sha256 matches" tcp_transfer $A $B fd00::2 $MB
done
# Over the IPv6 underlay a full 1420-byte inner packet makes a 1500-byte outer
# one (40 + 8 + 32 bytes of headers): exactly the veth's MTU.
set_endpoints 6
check "IPv6 underlay: tunnel MTU 1420: A->B largest DF ping passes, +1 byte fails (v4, v6)" edge $A 100.64.0.2 fd00::2 1420
check "IPv6 underlay: tunnel MTU 1420: B->A largest DF ping passes, +1 byte fails (v4, v6)" edge $B 100.64.0.1 fd00::1 1420
check "IPv6 underlay: the pings ran over it ($LEFT sends to $EPB)" endpoint_is $A $IFA "$EPB"
set_endpoints 4

set_mtu veth0 1280 veth0
for fam in 4 6; do
	if [ $fam = 6 ]; then
		ip netns exec $A wg set $IFA peer "$PB" endpoint "[2001:2::2]:51820"
		ip netns exec $B wg set $IFB peer "$PA" endpoint "[2001:2::1]:51820"
	fi
	t="underlay IPv$fam MTU 1280 under tunnel MTU 1420"
	check "$t: $MB MB TCP A->B completes, sha256 matches" tcp_transfer $A $B 100.64.0.2 $MB 30
	check "$t: $MB MB TCP B->A completes, sha256 matches" tcp_transfer $B $A fd00::1 $MB 30
	if ping_ok $A 100.64.0.2 1392 >/dev/null 2>&1; then
		diag "$t: 1392-byte DF ping passes (outer packet fragmented)"
	else
		diag "$t: 1392-byte DF ping dropped (outer packet not fragmented)"
	fi
	check "$t: small ping still passes after the big one" ping_ok $A 100.64.0.2
done

# A tunnel MTU raised above the default with `ip link set mtu`, as wg-quick
# does: the data plane must follow it (wg-xdp's xdp mode: the daemon end of
# the tunnel veth and the sealing limit). 1500 over a 1500-byte underlay: the
# outer packets are fragmented (xdp mode sends them through the kernel
# socket). 2900 over a 3000-byte underlay: full size, no fragments (an XDP
# veth without multi-buffer takes up to ~3500 bytes).
set_mtu veth0 1500 veth0
set_mtu $IFA 1500 $IFB
t="tunnel MTU 1500 over underlay MTU 1500"
check "$t: A->B 1472-byte DF ping passes (outer packets fragmented)" ping_ok $A 100.64.0.2 1472
check "$t: B->A 1472-byte DF ping passes" ping_ok $B 100.64.0.1 1472
set_mtu veth0 3000 veth0
set_mtu $IFA 2900 $IFB
t="tunnel MTU 2900 over underlay MTU 3000"
before=$( [ "$LEFT" = wg-xdp ] && stat_reason $A $IFA dp_mtu_exceeded || echo 0)
check "$t: A->B largest DF ping passes, +1 byte fails (v4, v6)" edge $A 100.64.0.2 fd00::2 2900
check "$t: B->A largest DF ping passes, +1 byte fails (v4, v6)" edge $B 100.64.0.1 fd00::1 2900
check "$t: $MB MB TCP A->B completes, sha256 matches" tcp_transfer $A $B 100.64.0.2 $MB 30
if [ "$LEFT" = wg-xdp ]; then
	after=$(stat_reason $A $IFA dp_mtu_exceeded)
	[ "$after" -eq "$before" ]
	ok $? "$t: wg-xdp counted no dp_mtu_exceeded drops ($before -> $after)"
fi
finish
