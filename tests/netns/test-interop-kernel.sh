#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Interop with the Linux kernel's WireGuard: wg-xdp on one side, the kernel
# module on the other, both configured with the unmodified `wg` tool. Each
# implementation initiates once (the left side pings first), the payload goes
# both ways (B -> A with each ordering), over an IPv4 then an IPv6 underlay.
#
#   wgx-ik-aPID                             wgx-ik-bPID
#  +------------------------------+        +------------------------------+
#  | wgikaPID (LEFT)              |        | wgikbPID (RIGHT)             |
#  |   100.64.0.1/24  fd00::1/64  |        |   100.64.0.2/24  fd00::2/64  |
#  | veth0  198.18.0.1/24         +--------+ veth0  198.18.0.2/24         |
#  |        2001:2::1/64          |        |        2001:2::2/64          |
#  +------------------------------+        +------------------------------+
#
# Checks per ordering: ping v4 and v6 inside both ways, a WGX_TRANSFER_MB (8)
# MB TCP transfer B -> A with matching sha256, `wg show` on both sides.
# WGX_INTEROP_MODE=xdp runs wg-xdp with --mode xdp (skips while unsupported).
# The host kernel may have no WireGuard module: then the whole test skips;
# vmtest/run.sh runs it inside Debian kernels that have one.
. "$(dirname "$0")/lib.sh"
require_root

A=wgx-ik-a$$ B=wgx-ik-b$$ IFA=wgika$$ IFB=wgikb$$
BYTES=${WGX_TRANSFER_MB:-8}
MODE=${WGX_INTEROP_MODE:-socket}

why=$(impl_available kernel) || skip_all "$why"
why=$(impl_available wg-xdp) || skip_all "$why"

mode_of() { [ "$1" = wg-xdp ] && echo "$MODE" || echo socket; }

bring_up() {	# bring_up IMPL NS IFNAME: 0 up, 1 failed, 2 wg-xdp lacks this mode
	start_wg "$1" "$2" "$3" "$(mode_of "$1")" && return 0
	grep -qiE 'not in this build|not supported|unsupported' "$LOGDIR/$3.log" 2>/dev/null && return 2
	return 1
}

run_pair() {	# run_pair LEFT RIGHT UNDERLAY_FAMILY
	local left=$1 right=$2 fam=$3 ka kb pa pb epa epb side rc
	local tag="$left <-> $right ($MODE mode), IPv$fam underlay"
	setup_underlay
	if [ "$fam" = 4 ]; then epa=198.18.0.1:51820 epb=198.18.0.2:51820
	else epa="[2001:2::1]:51820" epb="[2001:2::2]:51820"; fi
	ka=$(genkey) kb=$(genkey) pa=$(pubkey "$ka") pb=$(pubkey "$kb")
	local sides=("$left $A $IFA" "$right $B $IFB")
	# wg-xdp first: when it lacks the mode, nothing has been reported yet.
	[ "$right" = wg-xdp ] && sides=("$right $B $IFB" "$left $A $IFA")
	for side in "${sides[@]}"; do
		set -- $side
		bring_up "$1" "$2" "$3" 2>"$LOGDIR/last.out"
		rc=$?
		if [ $rc -eq 2 ]; then
			skip "wg-xdp --mode $MODE: $(grep -hiE -m1 'supported|not in this build' "$LOGDIR/$3.log")" "$tag"
			teardown_all
			return
		fi
		ok $rc "$1 up in $2"
		[ $rc -eq 0 ] || { sed 's/^/#   /' "$LOGDIR/last.out"; teardown_all; return; }
	done
	check "$left configured through wg" configure $A $IFA 1 "$ka" "$pb" "$epb" 2 &&
	check "$right configured through wg" configure $B $IFB 2 "$kb" "$pa" "$epa" 1 || { teardown_all; return; }
	# No handshake, no tunnel: the remaining checks would only time out.
	check "$tag: ping 100.64.0.2 from A ($left initiates)" ip netns exec $A ping -c 3 -i 0.2 -W 5 100.64.0.2 ||
		{ teardown_all; return; }
	check "$tag: ping 100.64.0.1 from B" ip netns exec $B ping -c 3 -i 0.2 -W 5 100.64.0.1
	check "$tag: ping fd00::2 from A" ip netns exec $A ping -6 -c 3 -i 0.2 -W 5 fd00::2
	check "$tag: ping fd00::1 from B" ip netns exec $B ping -6 -c 3 -i 0.2 -W 5 fd00::1
	check "$tag: 1392-byte ping, DF set" ip netns exec $A ping -c 1 -W 5 -s 1392 -M "do" 100.64.0.2
	check "$tag: ${BYTES} MB TCP $right -> $left, sha256 matches" transfer_sha "$BYTES" 100.64.0.1 120
	check "$tag: wg show on A: recent handshake, bytes both ways" wg_show_fresh $A $IFA
	check "$tag: wg show on B: recent handshake, bytes both ways" wg_show_fresh $B $IFB
	teardown_all
}

run_pair wg-xdp kernel 4
run_pair kernel wg-xdp 6
finish
