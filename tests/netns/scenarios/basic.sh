#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Basic data path over an IPv4 and an IPv6 underlay, both sides configured
# only through the UAPI with the unmodified `wg` tool: ping of every size
# class up to the tunnel MTU both ways (v4 and v6 inside), a TCP transfer each
# way with matching sha256, a UDP burst each way, a bulk TCP transfer B -> A
# (WGX_BULK_MB: 50 MB in socket mode, 200 in xdp mode), and `wg show` on both
# sides reporting a recent handshake and bytes both ways. MODE=xdp adds
# wg-xdp's statistics proving the data went XDP -> XSK (XSK RX/TX counters at
# least the packets the bulk transfer needed, socket fallback a handful at
# most) on each wg-xdp side, and LEFT's crypto workers auto-scaled, one per CPU.
# (This scenario holds what test-interop-socket.sh and test-xdp-interop.sh
# checked: under test-conformance.sh it runs for the same pairs and modes.)
#
#   wgx-basic-aPID (LEFT)                 wgx-basic-bPID (RIGHT)
#  +----------------------------+        +----------------------------+
#  | wgxbasicaPID               |        | wgxbasicbPID               |
#  |   100.64.0.1  fd00::1      |        |   100.64.0.2  fd00::2      |
#  |   (xdp: veth to the XSK)   |        |   (xdp: veth to the XSK)   |
#  | veth0 198.18.0.1 2001:2::1 +--------+ veth0 198.18.0.2 2001:2::2 |
#  |   (xdp: XDP wgx_rx)        |        |   (xdp: XDP wgx_rx)        |
#  +----------------------------+        +----------------------------+
. "$(dirname "$0")/../lib.sh"
require_root
pair_require
MB=${WGX_TRANSFER_MB:-3}
if [ "$MODE" = xdp ]; then BULK=${WGX_BULK_MB:-${WGX_TRANSFER_MB:-200}}
else BULK=${WGX_BULK_MB:-${WGX_TRANSFER_MB:-50}}; fi

udp_burst() {	# udp_burst FROM TO DST: 2000 x 1000 B in paced bursts, >= 75% arrive intact (loaded 2-vCPU host)
	local from=$1 to=$2 dst=$3 out got
	out=$LOGDIR/udp.$RANDOM
	ip netns exec "$to" python3 "$TOOL" udp-recv "$dst" 5002 10 >"$out" &
	local rpid=$!
	wait_for "udp receiver" 30 grep -q ready "$out"
	ip netns exec "$from" python3 "$TOOL" udp-send "$dst" 5002 2000 1000
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

# The bulk transfer's ~BULK*1M/1368 data packets went through the XSKs
# (receiver: NIC RX -> veth TX; sender: veth RX -> NIC TX; the ACKs the other
# way, at least 1 per 50: delayed ACKs) and hardly any through the kernel UDP
# socket.
xdp_path_used() {	# xdp_path_used NS IFNAME receiver|sender
	local ns=$1 ifname=$2 min=$((BULK * 1000000 / 1500)) k v bulk acks
	if [ "$3" = receiver ]; then bulk="xsk_nic_rx xsk_tun_tx rx_data_xsk" acks="xsk_nic_tx xsk_tun_rx tun_xsk"
	else bulk="xsk_nic_tx xsk_tun_rx tun_xsk" acks="xsk_nic_rx xsk_tun_tx rx_data_xsk"; fi
	for k in $bulk; do
		v=$(stat_of "$ns" "$ifname" $k)
		echo "$k=$v (want >= $min)"
		[ "$v" -ge "$min" ] || return 1
	done
	for k in $acks; do
		v=$(stat_of "$ns" "$ifname" $k)
		echo "$k=$v (want >= $((min / 50)))"
		[ "$v" -ge $((min / 50)) ] || return 1
	done
	v=$(stat_of "$ns" "$ifname" socket_fallback)
	echo "socket_fallback=$v (want <= 10)"
	[ "$v" -le 10 ]
}

# Without --workers: one crypto worker per CPU, auto-scaled (none used unless
# the data plane is saturated while CPUs idle; alone on one CPU: none at all).
workers_auto() {	# workers_auto NS IFNAME
	local n auto active
	n=$(stat_of "$1" "$2" workers) auto=$(stat_of "$1" "$2" workers_auto)
	active=$(stat_of "$1" "$2" workers_active)
	echo "workers=$n workers_auto=$auto workers_active=$active (CPUs: $(nproc))"
	if [ "$(nproc)" -le 1 ]; then [ "$n" = 0 ]; else [ "$n" = "$(nproc)" ] && [ "$auto" = True ] && [ "$active" -le "$n" ]; fi
}

for fam in 4 6; do
	t="IPv$fam underlay"
	check "$t: namespaces and underlay" pair_start basic $fam &&
	check "$t: $LEFT up in $A" start_wg_left &&
	check "$t: $RIGHT up in $B" start_wg_right &&
	check "$t: $LEFT configured through wg (UAPI)" configure_left &&
	check "$t: $RIGHT configured through wg (UAPI)" configure_right || { finish; exit; }
	check "$t: ping A->B sizes 1..1392 (v4), 1..1372 (v6) with DF" pings $A 100.64.0.2 fd00::2
	check "$t: ping B->A sizes 1..1392 (v4), 1..1372 (v6) with DF" pings $B 100.64.0.1 fd00::1
	check "$t: $MB MB TCP A->B over inner IPv4, sha256 matches" tcp_transfer $A $B 100.64.0.2 $MB
	check "$t: $MB MB TCP B->A over inner IPv6, sha256 matches" tcp_transfer $B $A fd00::1 $MB
	check "$t: UDP burst A->B, >= 75% of 2000 datagrams intact" udp_burst $A $B 100.64.0.2
	check "$t: UDP burst B->A (inner IPv6), >= 75% of 2000 datagrams intact" udp_burst $B $A fd00::1
	check "$t: $BULK MB TCP B->A over inner IPv4, sha256 matches" tcp_transfer $B $A 100.64.0.1 "$BULK" 120 &&
		diag "$t: $(cat "$LOGDIR/transfer.time")"
	if [ "$MODE" = xdp ]; then
		[ "$LEFT" = wg-xdp ] &&
			check "$t: A (receiver of the bulk) went XDP -> XSK, not the socket" xdp_path_used $A $IFA receiver
		[ "$RIGHT" = wg-xdp ] &&
			check "$t: B (sender of the bulk) went XDP -> XSK, not the socket" xdp_path_used $B $IFB sender
		[ "$LEFT" = wg-xdp ] && [[ "${WGX_ATTACH_ARGS:-}" != *--workers* ]] &&
			check "$t: A's crypto workers: one per CPU, auto-scaled" workers_auto $A $IFA
	fi
	check "$t: wg show on A: recent handshake, bytes both ways" wg_show_fresh $A $IFA
	check "$t: wg show on B: recent handshake, bytes both ways" wg_show_fresh $B $IFB
	teardown_all
done
finish
