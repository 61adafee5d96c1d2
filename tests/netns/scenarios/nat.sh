#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# NAT with persistent keepalive: LEFT sits behind a masquerading router whose
# UDP conntrack entries expire after 3 s. With a 1 s persistent keepalive the
# mapping survives 6 s of idle and RIGHT (outside) can start traffic to LEFT;
# with the keepalive off the same wait loses the mapping (control: proves
# the keepalive is what kept it).
#
#   wgx-nat-aPID (LEFT)      wgx-nat-rPID (router)              wgx-nat-bPID (RIGHT)
#  +-------------------+    +-----------------------------+    +-------------------+
#  | wgxnataPID        |    |  nft masquerade out of vb   |    | wgxnatbPID        |
#  |  100.64.0.1       |    |  udp conntrack timeout 3 s  |    |  100.64.0.2       |
#  | veth0 198.18.1.2  +----+ va 198.18.1.1  vb 198.18.0.1+----+ veth0 198.18.0.2  |
#  |  keepalive 1 s    |    +-----------------------------+    |  (no endpoint)    |
#  +-------------------+                                       +-------------------+
. "$(dirname "$0")/../lib.sh"
require_root
pair_require
command -v nft >/dev/null || skip_all "nft not installed"

A=wgx-nat-a$$ R=wgx-nat-r$$ B=wgx-nat-b$$ IFA=wgxnata$$ IFB=wgxnatb$$
netns_add $A
netns_add $R
netns_add $B
ip -n $A link add veth0 type veth peer name va netns $R
ip -n $B link add veth0 type veth peer name vb netns $R
ip -n $A addr add 198.18.1.2/24 dev veth0
ip -n $R addr add 198.18.1.1/24 dev va
ip -n $R addr add 198.18.0.1/24 dev vb
ip -n $B addr add 198.18.0.2/24 dev veth0
for l in "$A veth0" "$R va" "$R vb" "$B veth0"; do ip -n ${l% *} link set ${l#* } up; done
ip -n $A route add default via 198.18.1.1
ip netns exec $R sysctl -qw net.ipv4.ip_forward=1
ip netns exec $R nft -f - <<'NFT'
table ip wgxnat {
	chain postrouting_ { type nat hook postrouting priority srcnat; oifname "vb" masquerade; }
	chain forward_ { type filter hook forward priority filter; policy drop;
		ct state established,related accept; iifname "va" accept; }
}
NFT
ip netns exec $R sysctl -qw net.netfilter.nf_conntrack_udp_timeout=3
ip netns exec $R sysctl -qw net.netfilter.nf_conntrack_udp_timeout_stream=3
KA=$(genkey) KB=$(genkey) PA=$(pubkey "$KA") PB=$(pubkey "$KB")

check "$LEFT up behind the NAT" start_wg "$LEFT" $A $IFA "$MODE" &&
check "$RIGHT up outside" start_wg "$RIGHT" $B $IFB "$MODE" &&
check "$RIGHT configured without an endpoint for $LEFT" wg_side $B $IFB 2 "$KB" "$PA" "" 1 &&
check "$LEFT configured: endpoint 198.18.0.2:51820, persistent keepalive 1 s" \
	wg_side $A $IFA 1 "$KA" "$PB" "endpoint 198.18.0.2:51820 persistent-keepalive 1" 2 || { finish; exit; }
check "tunnel up from inside the NAT" tunnel_up $A 100.64.0.2
check "$RIGHT learned the NAT's address as $LEFT's endpoint" \
	bash -c "ip netns exec $B wg show $IFB endpoints | grep -q '198.18.0.1:'"
sleep 6
check "after 6 s idle (conntrack timeout 3 s): $RIGHT reaches $LEFT from outside (keepalives kept the mapping)" \
	ping_ok $B 100.64.0.1
check "inner IPv6 from outside too" ping_ok $B fd00::1
ip netns exec $A wg set $IFA peer "$PB" persistent-keepalive off
sleep 6
check "control: keepalive off, 6 s idle: the mapping expired and $RIGHT cannot reach $LEFT" \
	bash -c "! ip netns exec $B ping -c 2 -W 1 100.64.0.1"
finish
