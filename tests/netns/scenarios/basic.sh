#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Basic data path over an IPv4 and an IPv6 underlay: ping of every size class
# up to the tunnel MTU both ways (v4 and v6 inside), a TCP transfer each way
# with matching sha256, and a UDP burst.
#
#   wgx-basic-aPID (LEFT)                 wgx-basic-bPID (RIGHT)
#  +----------------------------+        +----------------------------+
#  | wgxbasicaPID               |        | wgxbasicbPID               |
#  |   100.64.0.1  fd00::1      |        |   100.64.0.2  fd00::2      |
#  | veth0 198.18.0.1 2001:2::1 +--------+ veth0 198.18.0.2 2001:2::2 |
#  +----------------------------+        +----------------------------+
. "$(dirname "$0")/../lib.sh"
require_root
pair_require
MB=${WGX_TRANSFER_MB:-3}

udp_burst() {	# udp_burst FROM TO DST: 2000 x 1000 B in paced bursts, >= 75% arrive intact (loaded 2-vCPU host)
	local from=$1 to=$2 dst=$3 out got
	out=$LOGDIR/udp.$RANDOM
	ip netns exec "$to" python3 "$TOP/tests/netns/tool.py" udp-recv "$dst" 5002 10 >"$out" &
	local rpid=$!
	wait_for "udp receiver" 30 grep -q ready "$out"
	ip netns exec "$from" python3 "$TOP/tests/netns/tool.py" udp-send "$dst" 5002 2000 1000
	wait $rpid
	got=$(tail -1 "$out")
	echo "received $got of 2000"
	[ "$got" -ge 1500 ]
}

pings() {	# pings FROM DST4 DST6: every size class up to the MTU (1420) with DF
	local s
	for s in 1 2 63 64 500 1000 1391 1392; do ping_ok "$1" "$2" $s || { echo "v4 size $s"; return 1; }; done
	for s in 1 2 63 64 500 1000 1371 1372; do ping_ok "$1" "$3" $s || { echo "v6 size $s"; return 1; }; done
}

for fam in 4 6; do
	t="IPv$fam underlay"
	check "$t: $LEFT and $RIGHT up and configured" pair_setup basic $fam || { finish; exit; }
	check "$t: ping A->B sizes 1..1392 (v4), 1..1372 (v6) with DF" pings $A 100.64.0.2 fd00::2
	check "$t: ping B->A sizes 1..1392 (v4), 1..1372 (v6) with DF" pings $B 100.64.0.1 fd00::1
	check "$t: $MB MB TCP A->B over inner IPv4, sha256 matches" tcp_transfer $A $B 100.64.0.2 $MB
	check "$t: $MB MB TCP B->A over inner IPv6, sha256 matches" tcp_transfer $B $A fd00::1 $MB
	check "$t: UDP burst A->B, >= 75% of 2000 datagrams intact" udp_burst $A $B 100.64.0.2
	check "$t: UDP burst B->A (inner IPv6), >= 75% of 2000 datagrams intact" udp_burst $B $A fd00::1
	teardown_all
done
finish
