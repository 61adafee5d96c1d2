#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Peer and allowed-IPs churn on LEFT while a throttled TCP stream B->A runs:
# overlapping prefixes (longest match wins), moving a prefix between peers,
# removing and re-adding a peer, and `wg syncconf` back to the start. The
# stream (B's /32 never changes) must survive all of it.
#
#                          wgx-churn-bPID (RIGHT)
#                         +------------------------------------+
#                    +----+ veth0 198.18.0.2  wgxchurnbPID     |
#                    |    |   100.64.0.2, 100.64.9.1, 9.130    |
#  wgx-churn-aPID    |    +------------------------------------+
#  (LEFT)            |
# +------------------+-+   peer B: 100.64.0.2/32, 100.64.9.0/24
# | wgxchurnaPID       |   peer C: 100.64.0.3/32, 100.64.9.128/25
# |  100.64.0.1        |
# | veth0 198.18.0.1   |    wgx-churn-cPID (RIGHT)
# | veth1 198.18.2.1   +---+------------------------------------+
# +--------------------+   | veth0 198.18.2.2  wgxchurncPID     |
#                          |   100.64.0.3, 100.64.9.129         |
#                          +------------------------------------+
. "$(dirname "$0")/../lib.sh"
require_root
pair_require

A=wgx-churn-a$$ B=wgx-churn-b$$ C=wgx-churn-c$$ IFA=wgxchurna$$ IFB=wgxchurnb$$ IFC=wgxchurnc$$
netns_add $A
netns_add $B
netns_add $C
ip -n $A link add veth0 type veth peer name veth0 netns $B
ip -n $A link add veth1 type veth peer name veth0 netns $C
ip -n $A addr add 198.18.0.1/24 dev veth0
ip -n $A addr add 198.18.2.1/24 dev veth1
ip -n $B addr add 198.18.0.2/24 dev veth0
ip -n $C addr add 198.18.2.2/24 dev veth0
for l in "$A veth0" "$A veth1" "$B veth0" "$C veth0"; do ip -n ${l% *} link set ${l#* } up; done
KA=$(genkey) KB=$(genkey) KC=$(genkey)
PA=$(pubkey "$KA") PB=$(pubkey "$KB") PC=$(pubkey "$KC")

side() {	# side NS IF ME PRIV EXTRA_ADDRS...: peer A, addresses, up
	local ns=$1 ifn=$2 me=$3 priv=$4 a
	shift 4
	ip netns exec $ns wg set $ifn listen-port 51820 private-key <(echo "$priv") \
		peer "$PA" endpoint 198.18.${me/3/2}.1:51820 allowed-ips 100.64.0.1/32 || return 1
	for a in 100.64.0.$me/32 "$@"; do ip -n $ns addr add $a dev $ifn || return 1; done
	ip -n $ns link set $ifn up && ip -n $ns route add 100.64.0.1/32 dev $ifn
}
setup() {
	start_wg "$LEFT" $A $IFA "$MODE" veth0 &&
	start_wg "$RIGHT" $B $IFB "$MODE" &&
	start_wg "$RIGHT" $C $IFC "$MODE" &&
	ip netns exec $A wg set $IFA listen-port 51820 private-key <(echo "$KA") \
		peer "$PB" endpoint 198.18.0.2:51820 allowed-ips 100.64.0.2/32,100.64.9.0/24 \
		peer "$PC" endpoint 198.18.2.2:51820 allowed-ips 100.64.0.3/32,100.64.9.128/25 &&
	ip -n $A addr add 100.64.0.1/24 dev $IFA && ip -n $A link set $IFA up &&
	ip -n $A route add 100.64.9.0/24 dev $IFA &&
	side $B $IFB 2 "$KB" 100.64.9.1/32 100.64.9.130/32 &&
	side $C $IFC 3 "$KC" 100.64.9.129/32
}
reach() { ping_ok $A "$1"; }
unreach() { ! ip netns exec $A ping -c 2 -i 0.3 -W 1 "$1"; }

check "$LEFT with peers B and C, overlapping prefixes" setup || { finish; exit; }
check "tunnel to B up" tunnel_up $A 100.64.0.2
check "tunnel to C up" tunnel_up $A 100.64.0.3
(tcp_transfer $B $A 100.64.0.1 3 40 300; echo $? >"$LOGDIR/churn.rc") &
tpid=$!
check "100.64.9.1 via B (only the /24 matches)" reach 100.64.9.1
check "100.64.9.129 via C (/25 beats /24)" reach 100.64.9.129
check "100.64.9.130 goes to C by longest match (C lacks it: no reply)" unreach 100.64.9.130
ip netns exec $A wg set $IFA peer "$PB" allowed-ips 100.64.0.2/32,100.64.9.0/24,100.64.9.128/25
check "moved 100.64.9.128/25 to B: wg show lists it under B only" \
	bash -c "[ \"\$(ip netns exec $A wg show $IFA allowed-ips | awk -v p=100.64.9.128/25 '{for (i = 2; i <= NF; i++) if (\$i == p) print \$1}')\" = '$PB' ]"
check "after the move 100.64.9.130 reaches B" reach 100.64.9.130
check "after the move 100.64.9.129 no longer reaches C" unreach 100.64.9.129
ip netns exec $A wg set $IFA peer "$PC" remove
check "peer C removed: 100.64.0.3 unreachable" unreach 100.64.0.3
ip netns exec $A wg set $IFA peer "$PC" endpoint 198.18.2.2:51820 allowed-ips 100.64.0.3/32
check "peer C re-added: 100.64.0.3 reachable" reach 100.64.0.3
cat >"$LOGDIR/sync.conf" <<CONF
[Interface]
PrivateKey = $KA
ListenPort = 51820

[Peer]
PublicKey = $PB
Endpoint = 198.18.0.2:51820
AllowedIPs = 100.64.0.2/32, 100.64.9.0/24

[Peer]
PublicKey = $PC
Endpoint = 198.18.2.2:51820
AllowedIPs = 100.64.0.3/32, 100.64.9.128/25
CONF
check "wg syncconf back to the initial configuration" ip netns exec $A wg syncconf $IFA "$LOGDIR/sync.conf"
check "after syncconf 100.64.9.129 via C again" reach 100.64.9.129
check "after syncconf 100.64.9.130 no longer reaches B" unreach 100.64.9.130
sed -i '/^\[Peer\]/,$d' "$LOGDIR/sync.conf"
printf '[Peer]\nPublicKey = %s\nEndpoint = 198.18.0.2:51820\nAllowedIPs = 100.64.0.2/32\n' "$PB" >>"$LOGDIR/sync.conf"
check "wg syncconf dropping peer C and B's /24" ip netns exec $A wg syncconf $IFA "$LOGDIR/sync.conf"
check "after syncconf: 1 peer left with 1 allowed IP" \
	bash -c "[ \"\$(ip netns exec $A wg show $IFA allowed-ips)\" = \"$PB	100.64.0.2/32\" ]"
check "after syncconf: 100.64.9.1 unreachable" unreach 100.64.9.1
wait $tpid
[ "$(cat "$LOGDIR/churn.rc")" = 0 ]
ok $? "3 MB TCP B->A across all the churn completes, sha256 matches"
finish
