#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Interop in socket mode: wg-xdp (TUN + UDP sockets) against wireguard-go and
# against itself, over an IPv4 and an IPv6 underlay, configured only through
# the UAPI with the unmodified `wg` tool.
#
#   wgx-is-aPID                               wgx-is-bPID
#  +-------------------------------+         +-------------------------------+
#  | wgisaPID (LEFT impl)          |         | wgisbPID (RIGHT impl)         |
#  |   100.64.0.1/24  fd00::1/64   |         |   100.64.0.2/24  fd00::2/64   |
#  | veth0                         |         | veth0                         |
#  |   198.18.0.1/24  2001:2::1/64 +---------+   198.18.0.2/24  2001:2::2/64 |
#  +-------------------------------+         +-------------------------------+
#
# Per pair and underlay: ping both ways inside (v4, v6), a 50 MB TCP transfer
# with matching sha256, and `wg show` on both sides reporting a recent
# handshake and transfer bytes.
. "$(dirname "$0")/lib.sh"
require_root

# Unique per run: concurrent runs share /var/run/wireguard and the netns names.
A=wgx-is-a$$ B=wgx-is-b$$ IFA=wgisa$$ IFB=wgisb$$
BYTES=${WGX_TRANSFER_MB:-50}

run_pair() {	# run_pair LEFT RIGHT UNDERLAY_FAMILY
	local left=$1 right=$2 fam=$3 ka kb pa pb epa epb why
	for impl in "$left" "$right"; do
		why=$(impl_available "$impl") || { skip "$why" "$left <-> $right over IPv$fam"; return; }
	done
	setup_underlay
	if [ "$fam" = 4 ]; then epa=198.18.0.1:51820 epb=198.18.0.2:51820
	else epa=[2001:2::1]:51820 epb=[2001:2::2]:51820; fi
	ka=$(genkey) kb=$(genkey) pa=$(pubkey "$ka") pb=$(pubkey "$kb")
	check "$left up in $A" start_wg "$left" $A $IFA socket &&
	check "$right up in $B" start_wg "$right" $B $IFB socket &&
	check "$left configured through wg (UAPI)" configure $A $IFA 1 "$ka" "$pb" "$epb" 2 &&
	check "$right configured through wg (UAPI)" configure $B $IFB 2 "$kb" "$pa" "$epa" 1 || { teardown_all; return; }
	local tag="$left <-> $right, IPv$fam underlay"
	check "$tag: ping 100.64.0.2 from A" ip netns exec $A ping -c 3 -i 0.2 -W 5 100.64.0.2
	check "$tag: ping 100.64.0.1 from B" ip netns exec $B ping -c 3 -i 0.2 -W 5 100.64.0.1
	check "$tag: ping fd00::2 from A" ip netns exec $A ping -6 -c 3 -i 0.2 -W 5 fd00::2
	check "$tag: ping fd00::1 from B" ip netns exec $B ping -6 -c 3 -i 0.2 -W 5 fd00::1
	check "$tag: ping 1..1392 byte payloads from A" \
		bash -c "for s in 1 56 500 1000 1392; do ip netns exec $A ping -c 1 -W 5 -s \$s -M do 100.64.0.2 || exit 1; done"
	check "$tag: ${BYTES} MB TCP B->A, sha256 matches" transfer_sha "$BYTES" 100.64.0.1 60
	check "$tag: wg show on A: recent handshake, bytes both ways" wg_show_fresh $A $IFA
	check "$tag: wg show on B: recent handshake, bytes both ways" wg_show_fresh $B $IFB
	teardown_all
}

for fam in 4 6; do
	run_pair wg-xdp wireguard-go $fam
	run_pair wg-xdp wg-xdp $fam
done
finish
