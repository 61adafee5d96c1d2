#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One quick throughput figure: iperf3, one TCP stream, 10 s, through
# wg-xdp (XDP mode) <-> wg-xdp and through wireguard-go <-> wireguard-go in
# the same run; prints both and the ratio (a diagnostic, not a pass/fail bar:
# the machine is shared and small).
#
#   wgx-xp-aPID                               wgx-xp-bPID
#  +-------------------------------+         +-------------------------------+
#  | wgxpaPID  100.64.0.1/24       |         | wgxpbPID  100.64.0.2/24       |
#  |   iperf3 -s                   |         |   iperf3 -c 100.64.0.1        |
#  | veth0  198.18.0.1/24          +---------+ veth0  198.18.0.2/24          |
#  +-------------------------------+         +-------------------------------+
. "$(dirname "$0")/lib.sh"
require_root
command -v iperf3 >/dev/null || skip_all "iperf3 not installed"

A=wgx-xp-a$$ B=wgx-xp-b$$ IFA=wgxpa$$ IFB=wgxpb$$
SECS=${WGX_PERF_SECS:-10}

configure() {	# configure NS IFNAME ME PRIV PEER_PUB PEER_ENDPOINT OTHER
	ip netns exec "$1" wg set "$2" listen-port 51820 private-key <(echo "$4") \
		peer "$5" endpoint "$6" allowed-ips "100.64.0.$7/32" &&
	ip -n "$1" addr add "100.64.0.$3/24" dev "$2" &&
	ip -n "$1" link set "$2" up
}

iperf() {	# iperf OUTFILE: B -> A, prints Mbit/s of the receiver into OUTFILE
	ip netns exec $A iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
	local spid=$!
	sleep 0.5
	ip netns exec $B iperf3 -c 100.64.0.1 -p 5201 -t "$SECS" -J >"$LOGDIR/iperf.json" || return 1
	wait $spid
	python3 -c "import json; d=json.load(open('$LOGDIR/iperf.json')); print(int(d['end']['sum_received']['bits_per_second']/1e6))" >"$1"
	[ "$(cat "$1")" -gt 0 ]
}

up_both() {	# up_both IMPL MODE
	local ka kb
	ka=$(genkey) kb=$(genkey)
	start_wg "$1" $A $IFA "$2" && start_wg "$1" $B $IFB "$2" &&
	configure $A $IFA 1 "$ka" "$(pubkey "$kb")" 198.18.0.2:51820 2 &&
	configure $B $IFB 2 "$kb" "$(pubkey "$ka")" 198.18.0.1:51820 1 &&
	ip netns exec $B ping -c 2 -i 0.2 -W 5 100.64.0.1
}

run() {	# run IMPL MODE RESULT_FILE
	local impl=$1 mode=$2 why
	why=$(impl_available "$impl") || { skip "$why" "$impl <-> $impl iperf3"; return 1; }
	netns_add $A
	netns_add $B
	ip -n $A link add veth0 type veth peer name veth0 netns $B
	ip -n $A addr add 198.18.0.1/24 dev veth0
	ip -n $B addr add 198.18.0.2/24 dev veth0
	ip -n $A link set veth0 up
	ip -n $B link set veth0 up
	check "$impl ($mode) up and configured on both sides, ping through" up_both "$impl" "$mode" &&
	check "$impl <-> $impl: iperf3 TCP ${SECS} s one stream" iperf "$3"
	local rc=$?
	local pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	PIDS=()
	ip netns del $A; ip netns del $B
	NETNS_LIST=()
	return $rc
}

run wg-xdp xdp "$LOGDIR/xdp.mbps"; xdp_ok=$?
run wireguard-go socket "$LOGDIR/go.mbps"; go_ok=$?
if [ $xdp_ok -eq 0 ] && [ $go_ok -eq 0 ]; then
	x=$(cat "$LOGDIR/xdp.mbps") g=$(cat "$LOGDIR/go.mbps")
	diag "iperf3 1 stream ${SECS} s: wg-xdp(xdp) $x Mbit/s, wireguard-go $g Mbit/s, ratio $(awk "BEGIN{printf \"%.2f\", $x / $g}")"
fi
finish
