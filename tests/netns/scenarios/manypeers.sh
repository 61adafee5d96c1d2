#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Many peers: LEFT gets 1,000 peers through `wg setconf`, each with its own
# /32 and /128; 50 of them are real RIGHT instances (one namespace, distinct
# ports and keys) that handshake with LEFT in parallel (persistent keepalive
# makes each one initiate), the even ones over the IPv4 underlay, the odd ones
# over IPv6. All 50 must complete, and data must flow to one of each family.
#
#   wgx-many-aPID (LEFT)                    wgx-many-bPID (RIGHT x 50)
#  +--------------------------------+      +--------------------------------+
#  | wgxmanyaPID 100.64.0.1 fd00::1 |      | wgxm0bPID .. wgxm49bPID        |
#  |   1,000 peers: 100.65.x.y/32,  |      |   ports 31000..31049           |
#  |   fd00:1::N/128 (50 real)      |      |   wgxm0bPID: 100.65.0.1,       |
#  |                                |      |              fd00:1::1         |
#  |                                |      |   wgxm1bPID: 100.65.0.2,       |
#  |                                |      |              fd00:1::2         |
#  | veth0 198.18.0.1 :51820        +------+ veth0 198.18.0.2 (even ones)   |
#  |       2001:2::1                |      |       2001:2::2 (odd ones)     |
#  +--------------------------------+      +--------------------------------+
. "$(dirname "$0")/../lib.sh"
require_root
pair_require
REAL=${WGX_MANY_REAL:-50}
TOTAL=${WGX_MANY_TOTAL:-1000}

A=wgx-many-a$$ B=wgx-many-b$$ IFA=wgxmanya$$
setup_underlay
KA=$(genkey) PA=$(pubkey "$KA")

start_all() {	# LEFT and REAL RIGHT instances, started in parallel
	local i
	START_NOWAIT=1 start_wg "$LEFT" $A $IFA "$MODE"
	# One interface holds one XDP program: the 50 share veth0, so they run in
	# socket mode; the side under test (LEFT) keeps the mode being tested.
	for i in $(seq 0 $((REAL - 1))); do START_NOWAIT=1 start_wg "$RIGHT" $B wgxm${i}b$$ socket; done
	wait_for "$IFA" 300 test -S /var/run/wireguard/$IFA.sock || [ "$LEFT" = kernel ] || return 1
	for i in $(seq 0 $((REAL - 1))); do
		wait_for "wgxm${i}b$$" 100 ip -n $B link show wgxm${i}b$$ || return 1
		[ "$RIGHT" = kernel ] || wait_for "wgxm${i}b$$ uapi" 100 test -S /var/run/wireguard/wgxm${i}b$$.sock || return 1
	done
}

config_left() {	# wg setconf with REAL real keys and TOTAL - REAL random ones
	local i
	: >"$LOGDIR/real.pub"
	for i in $(seq 0 $((REAL - 1))); do
		genkey >"$LOGDIR/k$i"
		pubkey "$(cat "$LOGDIR/k$i")" >>"$LOGDIR/real.pub"
	done
	python3 "$TOOL" many-peers-conf "$KA" "$TOTAL" "$LOGDIR/real.pub" >"$LOGDIR/left.conf" || return 1
	ip netns exec $A wg setconf $IFA "$LOGDIR/left.conf" &&
	ip -n $A addr add 100.64.0.1/24 dev $IFA && ip -n $A addr add fd00::1/64 dev $IFA nodad &&
	ip -n $A link set $IFA up &&
	ip -n $A route add 100.65.0.0/16 dev $IFA && ip -n $A route add fd00:1::/64 dev $IFA
}

config_right() {	# even instances reach LEFT over the IPv4 underlay, odd ones over IPv6
	local i ep
	for i in $(seq 0 $((REAL - 1))); do
		ep=198.18.0.1:51820
		[ $((i % 2)) = 1 ] && ep="[2001:2::1]:51820"
		ip netns exec $B wg set wgxm${i}b$$ listen-port $((31000 + i)) private-key "$LOGDIR/k$i" \
			peer "$PA" endpoint $ep allowed-ips 100.64.0.1/32,fd00::1/128 \
			persistent-keepalive 1 || return 1
		ip -n $B link set wgxm${i}b$$ up || return 1
	done
	ip -n $B addr add 100.65.0.1/32 dev wgxm0b$$ && ip -n $B addr add fd00:1::1/128 dev wgxm0b$$ nodad &&
	ip -n $B route add 100.64.0.1/32 dev wgxm0b$$ && ip -n $B route add fd00::1/128 dev wgxm0b$$ || return 1
	[ "$REAL" -ge 2 ] || return 0
	# The second instance (IPv6 underlay) answers from its own addresses through
	# its own interface: source-based routes, as the main table points at wgxm0b.
	ip -n $B addr add 100.65.0.2/32 dev wgxm1b$$ && ip -n $B addr add fd00:1::2/128 dev wgxm1b$$ nodad &&
	ip -n $B route add 100.64.0.1/32 dev wgxm1b$$ table 152 &&
	ip -n $B route add fd00::1/128 dev wgxm1b$$ table 152 &&
	ip -n $B rule add from 100.65.0.2 table 152 && ip -n $B -6 rule add from fd00:1::2 table 152
}

v6_endpoints() {	# LEFT's count of peers at RIGHT's IPv6 underlay address
	ip netns exec $A wg show $IFA endpoints | grep -c '\[2001:2::2\]:'
}

handshaken() { [ "$(ip netns exec $A wg show $IFA latest-handshakes | awk '$2 > 0' | wc -l)" -ge "$REAL" ]; }

check "$LEFT and $REAL x $RIGHT up" start_all || { finish; exit; }
t0=$SECONDS
check "wg setconf with $TOTAL peers on $LEFT" config_left || { finish; exit; }
diag "setconf + addresses took $((SECONDS - t0)) s"
check "$LEFT lists $TOTAL peers" bash -c "[ \$(ip netns exec $A wg show $IFA peers | wc -l) = $TOTAL ]"
check "$LEFT lists $((2 * TOTAL)) allowed IPs" \
	bash -c "[ \$(ip netns exec $A wg show $IFA allowed-ips | wc -w) = $((3 * TOTAL)) ]"
t0=$SECONDS
check "$REAL instances configured, each initiates" config_right
check "all $REAL handshakes ($((REAL - REAL / 2)) over the IPv4 underlay, $((REAL / 2)) over IPv6) complete within 20 s" \
	wait_for "$REAL handshakes" 200 handshaken
diag "handshakes done $((SECONDS - t0)) s after configuring"
n6=$(v6_endpoints)
[ "$n6" -eq $((REAL / 2)) ]
ok $? "IPv6 underlay: $LEFT has $((REAL / 2)) peers at [2001:2::2] ($n6)"
check "IPv4 underlay: data to the first real peer (100.65.0.1)" ping_ok $A 100.65.0.1
check "IPv4 underlay: data to the first real peer over inner IPv6 (fd00:1::1)" ping_ok $A fd00:1::1
if [ "$REAL" -ge 2 ]; then
	check "IPv6 underlay: data to the second real peer (100.65.0.2)" ping_ok $A 100.65.0.2
	check "IPv6 underlay: data to the second real peer over inner IPv6 (fd00:1::2)" ping_ok $A fd00:1::2
fi
finish
