#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# NAT with persistent keepalive over an IPv4 underlay (NAT44) and an IPv6
# underlay (NAT66) at once: LEFT sits behind a dual-stack masquerading router
# whose UDP conntrack entries expire after 3 s, with one RIGHT peer reached
# over each family. With a 1 s persistent keepalive the mappings survive 6 s
# of idle and each RIGHT (outside) can start traffic to LEFT, inner IPv4 and
# IPv6; with the keepalive off the same wait loses them (control: proves the
# keepalive is what kept them).
#
#                                wgx-nat-rPID (router)
#  wgx-nat-aPID (LEFT)       +------------------------------+    wgx-nat-b4PID (RIGHT)
# +---------------------+    | table ip:  masquerade to vb4 |   +--------------------+
# | wgxnataPID          |    | table ip6: masquerade to vb6 |   | wgxnatb4PID        |
# |  100.64.0.1 fd00::1 |    | udp conntrack timeout 3 s    |   | 100.64.0.2 fd00::2 |
# |  peer B4, peer B6:  |    |          vb4 198.18.0.1      +---+ veth0 198.18.0.2   |
# |  keepalive 1 s      |    |                              |   +--------------------+
# | veth0 198.18.1.2    +----+ va 198.18.1.1                |    wgx-nat-b6PID (RIGHT)
# |       2001:2:1::2   |    |    2001:2:1::1               |   +--------------------+
# +---------------------+    |          vb6 2001:2::1       +---+ veth0 2001:2::2    |
#                            +------------------------------+   | wgxnatb6PID        |
#                                                               | 100.64.0.3 fd00::3 |
#  Neither RIGHT has an endpoint for LEFT.                      +--------------------+
. "$(dirname "$0")/../lib.sh"
require_root
pair_require
command -v nft >/dev/null || skip_all "nft not installed"

A=wgx-nat-a$$ R=wgx-nat-r$$ B4=wgx-nat-b4$$ B6=wgx-nat-b6$$
IFA=wgxnata$$ IFB4=wgxnatb4$$ IFB6=wgxnatb6$$

nat_setup() {	# the four namespaces, addresses, routes, NAT44 and NAT66
	local l t
	netns_add $A
	netns_add $R
	netns_add $B4
	netns_add $B6
	ip -n $A link add veth0 type veth peer name va netns $R
	ip -n $B4 link add veth0 type veth peer name vb4 netns $R
	ip -n $B6 link add veth0 type veth peer name vb6 netns $R
	ip -n $A addr add 198.18.1.2/24 dev veth0
	ip -n $A addr add 2001:2:1::2/64 dev veth0 nodad
	ip -n $R addr add 198.18.1.1/24 dev va
	ip -n $R addr add 2001:2:1::1/64 dev va nodad
	ip -n $R addr add 198.18.0.1/24 dev vb4
	ip -n $R addr add 2001:2::1/64 dev vb6 nodad
	ip -n $B4 addr add 198.18.0.2/24 dev veth0
	ip -n $B6 addr add 2001:2::2/64 dev veth0 nodad
	for l in "$A veth0" "$R va" "$R vb4" "$R vb6" "$B4 veth0" "$B6 veth0"; do
		ip -n ${l% *} link set ${l#* } up || return 1
	done
	ip -n $A route add default via 198.18.1.1 &&
	ip -n $A -6 route add default via 2001:2:1::1 &&
	ip netns exec $R sysctl -qw net.ipv4.ip_forward=1 &&
	ip netns exec $R sysctl -qw net.ipv6.conf.all.forwarding=1 || return 1
	for t in "ip vb4" "ip6 vb6"; do
		ip netns exec $R nft -f - <<NFT || return 1
table ${t% *} wgxnat {
	chain postrouting_ { type nat hook postrouting priority srcnat; oifname "${t#* }" masquerade; }
	chain forward_ { type filter hook forward priority filter; policy drop;
		ct state established,related accept; iifname "va" accept; }
}
NFT
	done
	# Per namespace, for both families; the nat tables loaded conntrack.
	ip netns exec $R sysctl -qw net.netfilter.nf_conntrack_udp_timeout=3 &&
	ip netns exec $R sysctl -qw net.netfilter.nf_conntrack_udp_timeout_stream=3
}

left_config() {	# LEFT: peer B4 over IPv4, peer B6 over IPv6, keepalive 1 s
	ip netns exec $A wg set $IFA listen-port 51820 private-key <(echo "$KA") \
		peer "$PB4" endpoint 198.18.0.2:51820 persistent-keepalive 1 \
			allowed-ips 100.64.0.2/32,fd00::2/128 \
		peer "$PB6" endpoint [2001:2::2]:51820 persistent-keepalive 1 \
			allowed-ips 100.64.0.3/32,fd00::3/128 &&
	ip -n $A addr add 100.64.0.1/24 dev $IFA &&
	ip -n $A addr add fd00::1/64 dev $IFA nodad &&
	ip -n $A link set $IFA up
}

unreach_both() {	# unreach_both NS: neither of LEFT's inner addresses answers
	! ip netns exec "$1" ping -c 2 -i 0.3 -W 1 100.64.0.1 && ! ip netns exec "$1" ping -c 2 -i 0.3 -W 1 fd00::1
}

KA=$(genkey) KB4=$(genkey) KB6=$(genkey)
PA=$(pubkey "$KA") PB4=$(pubkey "$KB4") PB6=$(pubkey "$KB6")
check "dual-stack masquerading router (nft table ip and table ip6), udp conntrack timeout 3 s" nat_setup &&
check "$LEFT up behind the NAT" start_wg "$LEFT" $A $IFA "$MODE" &&
check "$RIGHT up outside, IPv4 underlay (B4)" start_wg "$RIGHT" $B4 $IFB4 "$MODE" &&
check "$RIGHT up outside, IPv6 underlay (B6)" start_wg "$RIGHT" $B6 $IFB6 "$MODE" &&
check "IPv4 underlay: $RIGHT configured without an endpoint for $LEFT" wg_side $B4 $IFB4 2 "$KB4" "$PA" "" 1 &&
check "IPv6 underlay: $RIGHT configured without an endpoint for $LEFT" wg_side $B6 $IFB6 3 "$KB6" "$PA" "" 1 &&
check "$LEFT configured: 198.18.0.2:51820 and [2001:2::2]:51820, persistent keepalive 1 s" left_config ||
	{ finish; exit; }

for fam in 4 6; do
	t="IPv$fam underlay"
	if [ $fam = 4 ]; then b=$B4 ifb=$IFB4 me=2 nat=198.18.0.1:; else b=$B6 ifb=$IFB6 me=3 nat="[2001:2::1]:"; fi
	check "$t: tunnel up from inside the NAT (inner IPv4)" tunnel_up $A 100.64.0.$me
	check "$t: $LEFT reaches $RIGHT from inside the NAT (inner IPv6)" ping_ok $A fd00::$me
	check "$t: $RIGHT learned the NAT's address ${nat%:} as $LEFT's endpoint" \
		bash -c "ip netns exec $b wg show $ifb endpoints | grep -qF '$nat'"
done
sleep 6
for fam in 4 6; do
	t="IPv$fam underlay"
	[ $fam = 4 ] && b=$B4 || b=$B6
	check "$t: $RIGHT reaches $LEFT after 6 s idle with keepalive (conntrack timeout 3 s; inner IPv4)" \
		ping_ok $b 100.64.0.1
	check "$t: $RIGHT reaches $LEFT after the idle with keepalive (inner IPv6)" ping_ok $b fd00::1
done
ip netns exec $A wg set $IFA peer "$PB4" persistent-keepalive off peer "$PB6" persistent-keepalive off
sleep 6
# Both controls at once and quickly: 15 s after its last reply LEFT hears
# nothing back (the RIGHTs' keepalives die at the NAT) and initiates a new
# handshake, which opens the mappings again.
unreach_both $B6 >"$LOGDIR/control6.out" 2>&1 &
c6=$!
check "IPv4 underlay: control: keepalive off, 6 s idle: the mapping expired, $RIGHT cannot reach $LEFT (inner IPv4, IPv6)" \
	unreach_both $B4
wait $c6
r=$?
ok $r "IPv6 underlay: control: keepalive off, 6 s idle: the mapping expired, $RIGHT cannot reach $LEFT (inner IPv4, IPv6)"
[ $r -eq 0 ] || sed 's/^/#   /' "$LOGDIR/control6.out"
finish
