#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Interop in XDP mode: wg-xdp (XDP + AF_XDP data plane) against wireguard-go
# and against itself, over an IPv4 and an IPv6 underlay, configured only
# through the UAPI with the unmodified `wg` tool.
#
#   wgx-xi-aPID                               wgx-xi-bPID
#  +-------------------------------+         +-------------------------------+
#  | wgxiaPID (wg-xdp --mode xdp)  |         | wgxibPID (RIGHT impl)         |
#  |   100.64.0.1/24  fd00::1/64   |         |   100.64.0.2/24  fd00::2/64   |
#  |   (veth to the daemon's XSK)  |         |                               |
#  | veth0 [XDP wgx_rx]            |         | veth0                         |
#  |   198.18.0.1/24  2001:2::1/64 +---------+   198.18.0.2/24  2001:2::2/64 |
#  +-------------------------------+         +-------------------------------+
#
# Per pair and underlay: ping both ways inside (v4, v6) and 1..1392-byte
# payloads, a TCP transfer with matching sha256, and wg-xdp's statistics
# proving the data went XDP -> XSK both ways (XSK RX/TX counters at least the
# packets the transfer needed, socket fallback a handful at most).
. "$(dirname "$0")/lib.sh"
require_root

A=wgx-xi-a$$ B=wgx-xi-b$$ IFA=wgxia$$ IFB=wgxib$$
MB=${WGX_TRANSFER_MB:-200}

stat_of() {	# stat_of NS IFNAME KEY: a number from `wg-xdp stats --json`
	ip netns exec "$1" "$WGX" stats "$2" --json |
		python3 -c "import json,sys; d=json.load(sys.stdin); x={**d.get('xdp',{}), **d['reasons']}; print(x.get('$3',0))"
}

# The transfer's ~MB*1M/1368 data packets went through the XSKs (receiver:
# NIC RX -> veth TX; sender: veth RX -> NIC TX; the ACKs the other way, at
# least 1 per 50: delayed ACKs) and hardly any through the kernel UDP socket.
xdp_path_used() {	# xdp_path_used NS IFNAME receiver|sender
	local ns=$1 ifname=$2 min=$((MB * 1000000 / 1500)) k v bulk acks
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

run_pair() {	# run_pair RIGHT UNDERLAY_FAMILY (LEFT is always wg-xdp in XDP mode)
	local right=$1 fam=$2 ka kb pa pb epa epb why
	for impl in wg-xdp "$right"; do
		why=$(impl_available "$impl") || { skip "$why" "wg-xdp <-> $right over IPv$fam"; return; }
	done
	setup_underlay
	if [ "$fam" = 4 ]; then epa=198.18.0.1:51820 epb=198.18.0.2:51820
	else epa=[2001:2::1]:51820 epb=[2001:2::2]:51820; fi
	ka=$(genkey) kb=$(genkey) pa=$(pubkey "$ka") pb=$(pubkey "$kb")
	check "wg-xdp (xdp) up in $A" start_wg wg-xdp $A $IFA xdp &&
	check "$right up in $B" start_wg "$right" $B $IFB xdp &&
	check "wg-xdp configured through wg (UAPI)" configure $A $IFA 1 "$ka" "$pb" "$epb" 2 &&
	check "$right configured through wg (UAPI)" configure $B $IFB 2 "$kb" "$pa" "$epa" 1 || { teardown_all; return; }
	local tag="wg-xdp(xdp) <-> $right, IPv$fam underlay"
	check "$tag: ping 100.64.0.2 from A" ip netns exec $A ping -c 3 -i 0.2 -W 5 100.64.0.2
	check "$tag: ping 100.64.0.1 from B" ip netns exec $B ping -c 3 -i 0.2 -W 5 100.64.0.1
	check "$tag: ping fd00::2 from A" ip netns exec $A ping -6 -c 3 -i 0.2 -W 5 fd00::2
	check "$tag: ping fd00::1 from B" ip netns exec $B ping -6 -c 3 -i 0.2 -W 5 fd00::1
	check "$tag: ping 1..1392 byte payloads from A" \
		bash -c "for s in 1 56 500 1000 1392; do ip netns exec $A ping -c 1 -W 5 -s \$s -M do 100.64.0.2 || exit 1; done"
	check "$tag: ${MB} MB TCP B->A, sha256 matches" transfer_sha "$MB" 100.64.0.1 90 &&
		diag "$tag: $(cut -c3- "$LOGDIR/transfer.time")"
	check "$tag: A (receiver) went XDP -> XSK, not the socket" xdp_path_used $A $IFA receiver
	[[ "${WGX_ATTACH_ARGS:-}" == *--workers* ]] ||
		check "$tag: A's crypto workers: one per CPU, auto-scaled" workers_auto $A $IFA
	[ "$right" = wg-xdp ] &&
		check "$tag: B (sender) went XDP -> XSK, not the socket" xdp_path_used $B $IFB sender
	check "$tag: wg show on A: recent handshake, bytes both ways" wg_show_fresh $A $IFA
	check "$tag: wg show on B: recent handshake, bytes both ways" wg_show_fresh $B $IFB
	teardown_all
}

for fam in 4 6; do
	run_pair wireguard-go $fam
	run_pair wg-xdp $fam
done
finish
