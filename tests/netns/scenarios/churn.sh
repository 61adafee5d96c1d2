#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Peer and allowed-IPs churn on LEFT while a throttled TCP stream B->A runs:
# overlapping prefixes (longest match wins), moving a prefix between peers,
# removing and re-adding a peer, and `wg syncconf` back to the start. The
# stream (B's host route never changes) must survive all of it. Run twice:
# IPv4 underlay with IPv4 inner prefixes, then IPv6 underlay with IPv6 inner
# prefixes (the /64 vs /65 overlap crosses the middle of the address).
#
#                          wgx-churn4-bPID (RIGHT)
#                         +------------------------------------+
#                    +----+ veth0 198.18.0.2  wgxch4bPID       |
#                    |    |   100.64.0.2, 100.64.9.1, 9.130    |
#  wgx-churn4-aPID   |    +------------------------------------+
#  (LEFT)            |
# +------------------+-+   peer B: 100.64.0.2/32, 100.64.9.0/24
# | wgxch4aPID         |   peer C: 100.64.0.3/32, 100.64.9.128/25
# |  100.64.0.1        |
# | veth0 198.18.0.1   |    wgx-churn4-cPID (RIGHT)
# | veth1 198.18.2.1   +---+------------------------------------+
# +--------------------+   | veth0 198.18.2.2  wgxch4cPID       |
#                          |   100.64.0.3, 100.64.9.129         |
#                          +------------------------------------+
# IPv6 (wgx-churn6-*): underlay 2001:2::1-2/64 (A-B), 2001:2:2::1-2/64 (A-C);
# inner fd00::1-3, peer B fd00:9::/64, peer C fd00:9:0:0:8000::/65; B holds
# fd00:9::1 and fd00:9::8000:0:0:2, C holds fd00:9::8000:0:0:1.
. "$(dirname "$0")/../lib.sh"
require_root
pair_require

family() {	# family FAM: addresses and names for one run
	local fam=$1
	A=wgx-churn$fam-a$$ B=wgx-churn$fam-b$$ C=wgx-churn$fam-c$$
	IFA=wgxch${fam}a$$ IFB=wgxch${fam}b$$ IFC=wgxch${fam}c$$
	if [ $fam = 4 ]; then
		U_AB=198.18.0 U_AC=198.18.2 U_LEN=24 EP_B=198.18.0.2:51820 EP_C=198.18.2.2:51820
		EP_AB=198.18.0.1:51820 EP_AC=198.18.2.1:51820
		IN=100.64.0. IN_LEN=24 HOST=32 NODAD=
		NET=100.64.9.0/24 HALF=100.64.9.128/25 LOW=100.64.9.1 HI1=100.64.9.129 HI2=100.64.9.130
	else
		U_AB=2001:2: U_AC=2001:2:2: U_LEN=64 EP_B="[2001:2::2]:51820" EP_C="[2001:2:2::2]:51820"
		EP_AB="[2001:2::1]:51820" EP_AC="[2001:2:2::1]:51820"
		IN=fd00:: IN_LEN=64 HOST=128 NODAD=nodad
		NET=fd00:9::/64 HALF=fd00:9:0:0:8000::/65 LOW=fd00:9::1
		HI1=fd00:9::8000:0:0:1 HI2=fd00:9::8000:0:0:2
	fi
}

underlay() {	# underlay FAM: A-B and A-C veth pairs
	local fam=$1 l sep=.
	[ $fam = 6 ] && sep=:
	netns_add $A
	netns_add $B
	netns_add $C
	ip -n $A link add veth0 type veth peer name veth0 netns $B
	ip -n $A link add veth1 type veth peer name veth0 netns $C
	ip -n $A addr add $U_AB${sep}1/$U_LEN dev veth0 $NODAD
	ip -n $A addr add $U_AC${sep}1/$U_LEN dev veth1 $NODAD
	ip -n $B addr add $U_AB${sep}2/$U_LEN dev veth0 $NODAD
	ip -n $C addr add $U_AC${sep}2/$U_LEN dev veth0 $NODAD
	for l in "$A veth0" "$A veth1" "$B veth0" "$C veth0"; do ip -n ${l% *} link set ${l#* } up; done
}

side() {	# side NS IF ME PRIV EP_OF_A EXTRA_ADDRS...: peer A, addresses, up
	local ns=$1 ifn=$2 me=$3 priv=$4 ep=$5 a
	shift 5
	ip netns exec $ns wg set $ifn listen-port 51820 private-key <(echo "$priv") \
		peer "$PA" endpoint "$ep" allowed-ips ${IN}1/$HOST || return 1
	for a in $IN$me "$@"; do ip -n $ns addr add $a/$HOST dev $ifn $NODAD || return 1; done
	ip -n $ns link set $ifn up && ip -n $ns route add ${IN}1/$HOST dev $ifn
}
setup() {
	start_wg "$LEFT" $A $IFA "$MODE" veth0 &&
	start_wg "$RIGHT" $B $IFB "$MODE" &&
	start_wg "$RIGHT" $C $IFC "$MODE" &&
	ip netns exec $A wg set $IFA listen-port 51820 private-key <(echo "$KA") \
		peer "$PB" endpoint "$EP_B" allowed-ips ${IN}2/$HOST,$NET \
		peer "$PC" endpoint "$EP_C" allowed-ips ${IN}3/$HOST,$HALF &&
	ip -n $A addr add ${IN}1/$IN_LEN dev $IFA $NODAD && ip -n $A link set $IFA up &&
	ip -n $A route add $NET dev $IFA &&
	side $B $IFB 2 "$KB" "$EP_AB" $LOW $HI2 &&
	side $C $IFC 3 "$KC" "$EP_AC" $HI1
}
reach() { ping_ok $A "$1"; }
unreach() { ! ip netns exec $A ping -c 2 -i 0.3 -W 1 "$1"; }
owned_by() {	# owned_by PREFIX KEY: wg show on A lists PREFIX under KEY only
	[ "$(ip netns exec $A wg show $IFA allowed-ips |
		awk -v p="$1" '{for (i = 2; i <= NF; i++) if ($i == p) print $1}')" = "$2" ]
}
allowed_is() { [ "$(ip netns exec $A wg show $IFA allowed-ips)" = "$1" ]; }
conf() {	# conf PEERS: a syncconf file for A; PEERS "all" (initial) or "b" (B's host only)
	printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\n' "$KA"
	if [ "$1" = all ]; then
		printf '\n[Peer]\nPublicKey = %s\nEndpoint = %s\nAllowedIPs = %s, %s\n' \
			"$PB" "$EP_B" ${IN}2/$HOST $NET "$PC" "$EP_C" ${IN}3/$HOST $HALF
	else
		printf '\n[Peer]\nPublicKey = %s\nEndpoint = %s\nAllowedIPs = %s\n' "$PB" "$EP_B" ${IN}2/$HOST
	fi
}

for fam in 4 6; do
	t="IPv$fam underlay, IPv$fam inside"
	family $fam
	underlay $fam
	KA=$(genkey) KB=$(genkey) KC=$(genkey)
	PA=$(pubkey "$KA") PB=$(pubkey "$KB") PC=$(pubkey "$KC")
	check "$t: $LEFT with peers B ($NET) and C ($HALF), overlapping" setup || { finish; exit; }
	check "$t: tunnel to B up" tunnel_up $A ${IN}2
	check "$t: tunnel to C up" tunnel_up $A ${IN}3
	(tcp_transfer $B $A ${IN}1 3 40 300; echo $? >"$LOGDIR/churn.rc") &
	tpid=$!
	check "$t: $LOW via B (only the /${NET#*/} matches)" reach $LOW
	check "$t: $HI1 via C (/${HALF#*/} beats /${NET#*/})" reach $HI1
	check "$t: $HI2 goes to C by longest match (C lacks it: no reply)" unreach $HI2
	ip netns exec $A wg set $IFA peer "$PB" allowed-ips ${IN}2/$HOST,$NET,$HALF
	check "$t: moved $HALF to B: wg show lists it under B only" owned_by $HALF "$PB"
	check "$t: after the move $HI2 reaches B" reach $HI2
	check "$t: after the move $HI1 no longer reaches C" unreach $HI1
	ip netns exec $A wg set $IFA peer "$PC" remove
	check "$t: peer C removed: ${IN}3 unreachable" unreach ${IN}3
	ip netns exec $A wg set $IFA peer "$PC" endpoint "$EP_C" allowed-ips ${IN}3/$HOST
	check "$t: peer C re-added: ${IN}3 reachable" reach ${IN}3
	conf all >"$LOGDIR/sync.conf"
	check "$t: wg syncconf back to the initial configuration" \
		ip netns exec $A wg syncconf $IFA "$LOGDIR/sync.conf"
	check "$t: after syncconf $HI1 via C again" reach $HI1
	check "$t: after syncconf $HI2 no longer reaches B" unreach $HI2
	conf b >"$LOGDIR/sync.conf"
	check "$t: wg syncconf dropping peer C and B's $NET" ip netns exec $A wg syncconf $IFA "$LOGDIR/sync.conf"
	check "$t: after syncconf: 1 peer left with 1 allowed IP" allowed_is "$PB	${IN}2/$HOST"
	check "$t: after syncconf: $LOW unreachable" unreach $LOW
	wait $tpid
	[ "$(cat "$LOGDIR/churn.rc")" = 0 ]
	ok $? "$t: 3 MB TCP B->A across all the churn completes, sha256 matches"
	teardown_all
done
finish
