#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Control-thread work never stalls the data plane (issue 17, defect 7): while
# a 100 Hz ping crosses the tunnel B -> A, A's daemon serves a big `set`,
# clients that never read their stats or `get` answers, and 16 large
# requests that never end. The longest time between two ping replies must
# stay under a bound in both modes, and A's peak RSS too.
#
#   wgx-h2cs-aPID                             wgx-h2cs-bPID
#  +-------------------------------+         +-------------------------------+
#  | wgxh2aPID (wg-xdp, MODE)      |         | wgxh2bPID (wg-xdp --mode      |
#  |   100.64.0.1/24               |         |   socket)  100.64.0.2/24      |
#  |   + N_BIG peers (10.0.0.0/8)  |         |                               |
#  | veth0 198.18.0.1/24           +---------+ veth0 198.18.0.2/24           |
#  +-------------------------------+         +-------------------------------+
#
# For each MODE (socket, xdp: the data path in socket mode shares the one
# event loop with control; in xdp mode the XSK rings are served there too):
# 1. 16 connections each sending 64 MiB of a `set` that never ends; A's
#    peak RSS (VmHWM) grows by < RSS_MB MiB; ping gap < GAP_MS.
# 2. N_MID peers, then 16 stats clients and 16 `get` clients that never read
#    (each answer is megabytes, far more than a socket buffer) for 6 s:
#    ping gap < GAP_MS, `wg show` and a whole `wg-xdp stats --json` (every
#    peer) answered meanwhile, the stats non-readers dropped (5 s without
#    progress).
# 3. big set: `wg addconf` of N_BIG peers (one request); ping gap < GAP_MS.
# 4. 2. again with N_MID + N_BIG peers: ping gap < BIG_GAP_MS.
# Bounds: the old tree grew 1.1 GB (1; ~600 MiB in this test's 8 s), now
# the requests above 128 KiB share a 128 MiB pool, so RSS_MB (250) is that,
# 16 x 128 KiB of small buffers and heap slack; it blocked up to 200 ms per stats
# client and formatted every get at once (2: 1.3-1.7 s with the issue's
# peers; 1.4-1.9 s at 20k and 4.1-11.1 s at 120k here), stalled 6.1-8.6 s
# (3). GAP_MS (default 750): a set applies 2 ms slices and a 20k-peer
# snapshot takes ~50 ms; measured 67-300 ms on 2 vCPUs shared with other
# builds, and half the old tree's smallest stall (1.4 s); a 100 Hz ping's
# spacing is 10 ms. BIG_GAP_MS (1500): one stats snapshot (~300 ms at 100k
# peers here) and one get snapshot (~160 ms) may fall in the same loop turn;
# measured 390-730 ms.
. "$(dirname "$0")/lib.sh"
require_root
why=$(impl_available wg-xdp) || skip_all "$why"

N_BIG=${WGX_STALL_PEERS:-100000}
N_MID=${WGX_STALL_MID_PEERS:-20000}
GAP_MS=${WGX_STALL_GAP_MS:-750}
BIG_GAP_MS=${WGX_STALL_BIG_GAP_MS:-1500}
RSS_MB=${WGX_STALL_RSS_MB:-250}
MODES=${WGX_STALL_MODES:-socket xdp}
python3 "$TOOL" peers-conf "$N_BIG" >"$LOGDIR/big.conf"
python3 "$TOOL" peers-conf "$N_MID" | sed 's/AllowedIPs = 10\./AllowedIPs = 11./' >"$LOGDIR/mid.conf"

# pinger_start / pinger_stop: 100 Hz pings B -> A, gap of the replies in between
pinger_start() {
	ip netns exec $B ping -D -n -i 0.01 -W 2 100.64.0.1 >"$LOGDIR/ping.out" 2>&1 &
	PING_PID=$!
	sleep 0.5
}
pinger_stop() {	# pinger_stop WHAT [BOUND_MS]: prints and checks the gap
	local gap n bound=${2:-$GAP_MS}
	sleep 0.5
	kill -INT "$PING_PID"; wait "$PING_PID" 2>/dev/null	# INT: ping prints its count
	read -r gap n < <(python3 "$TOOL" ping-gap "$LOGDIR/ping.out" 10)
	echo "$MODE: $1: longest gap between ping replies ${gap} ms ($n replies), bound $bound ms" |
		tee -a "$LOGDIR/summary"
	[ "$n" -gt 10 ] && [ "$gap" -lt "$bound" ]
}

big_set() {
	local t0
	pinger_start
	t0=$(date +%s%N)
	ip netns exec $A wg addconf $IFA "$LOGDIR/big.conf" || return 1
	echo "$MODE: addconf of $N_BIG peers took $(( ($(date +%s%N) - t0) / 1000000 )) ms" |
		tee -a "$LOGDIR/summary"
	pinger_stop "set of $N_BIG peers" &&
	test "$(ip netns exec $A wg show $IFA peers | wc -l)" -eq $((N_MID + N_BIG + 1))
}

slow_readers() {	# slow_readers BOUND_MS
	local ctl=/var/run/wg-xdp/$IFA.ctl sock=/var/run/wireguard/$IFA.sock left_s left_g rc=0
	local peers got
	peers=$(ip netns exec $A wg show $IFA peers | wc -l)
	pinger_start
	ip netns exec $A python3 "$TOOL" hold-unread "$ctl" 16 6 "" >"$LOGDIR/ctl.left" &
	local p1=$!
	ip netns exec $A python3 "$TOOL" hold-unread "$sock" 16 6 'get=1\n\n' >"$LOGDIR/get.left" &
	local p2=$!
	sleep 1.5
	# Someone else is answered meanwhile, a reader of the statistics in full.
	timeout 20 ip netns exec $A wg show $IFA listen-port >/dev/null || { echo "wg show got no answer"; rc=1; }
	got=$(timeout 20 ip netns exec $A "$WGX" stats $IFA --json | json_get - "len(d['peers'])")
	echo "a reading stats client got $got of $peers peers"
	[ "$got" = "$peers" ] || rc=1
	wait $p1 $p2
	left_s=$(cat "$LOGDIR/ctl.left") left_g=$(cat "$LOGDIR/get.left")
	echo "$MODE: $peers peers: after 6 s, $left_s of 16 stats and $left_g of 16 get non-readers still connected" |
		tee -a "$LOGDIR/summary"
	pinger_stop "$peers peers, 16 stats + 16 get clients that never read" "$1" &&
	[ $rc = 0 ] && [ "$left_s" = 0 ]
}

hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
unterminated() {
	local sock=/var/run/wireguard/$IFA.sock before after took
	before=$(hwm_kb "$A_PID")
	pinger_start
	took=$(ip netns exec $A python3 "$TOOL" flood-unterminated "$sock" 16 64 8)
	after=$(hwm_kb "$A_PID")
	echo "$MODE: 16 x 64 MiB unterminated: server took $took MiB; peak RSS $((before / 1024)) -> $((after / 1024)) MiB (+$(( (after - before) / 1024 )), bound +$RSS_MB)" |
		tee -a "$LOGDIR/summary"
	pinger_stop "16 x 64 MiB unterminated requests" &&
	[ $(( (after - before) / 1024 )) -lt "$RSS_MB" ]
}

for MODE in $MODES; do
	if [ "$MODE" = xdp ]; then
		why=$(xdp_unavailable_reason)
		[ -z "$why" ] || { skip "$why" "xdp mode"; continue; }
	fi
	A=wgx-h2cs-a$$ B=wgx-h2cs-b$$ IFA=wgxh2a$$ IFB=wgxh2b$$
	IFA=${IFA:0:15} IFB=${IFB:0:15}
	setup_underlay
	KA=$(genkey) KB=$(genkey) PA=$(pubkey "$KA") PB=$(pubkey "$KB")
	check "$MODE: A up" start_wg wg-xdp $A $IFA "$MODE" && A_PID=$WG_PID &&
	check "$MODE: B up (socket mode)" start_wg wg-xdp $B $IFB socket &&
	check "$MODE: A configured" configure $A $IFA 1 "$KA" "$PB" 198.18.0.2:51820 2 &&
	check "$MODE: B configured" configure $B $IFB 2 "$KB" "$PA" 198.18.0.1:51820 1 &&
	check "$MODE: tunnel up" tunnel_up $B 100.64.0.1 || { teardown_all; continue; }
	check "$MODE: 16 x 64 MiB unterminated sets: RSS + < $RSS_MB MiB, ping gap < $GAP_MS ms" unterminated
	check "$MODE: $N_MID peers added" ip netns exec $A wg addconf $IFA "$LOGDIR/mid.conf"
	check "$MODE: non-reading stats/get clients, $N_MID peers: ping gap < $GAP_MS ms, others answered, stats ones dropped" slow_readers "$GAP_MS"
	check "$MODE: a set of $N_BIG peers: ping gap < $GAP_MS ms, all peers there" big_set
	check "$MODE: the same, $((N_MID + N_BIG)) peers: ping gap < $BIG_GAP_MS ms" slow_readers "$BIG_GAP_MS"
	check "$MODE: tunnel still up" ping_ok $B 100.64.0.1
	teardown_all
done
while read -r line; do diag "$line"; done <"$LOGDIR/summary"
finish
