#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# XDP mode's data path, per device: --path xsk (AF_XDP sockets), --path
# socket (wgx_rx classifies at the driver, data goes to the kernel socket
# and the socket plane's offloads), --path auto (XSK only where the NIC
# binds zero-copy: never on veth). The choice and its reason are in the
# stats; on the socket path the XDP program still drops garbage and
# unknown indices, and counts the data it passes (in generic mode on a veth,
# where it sees the peer's UDP GSO super-packets whole).
#
#   wgx-path-aPID (wg-xdp xdp mode, PATH)       wgx-path-bPID (wg-xdp socket mode)
#  +-----------------------------------+       +-----------------------------------+
#  | wgxpathaPID 100.64.0.1 fd00::1    |       | wgxpathbPID 100.64.0.2 fd00::2    |
#  | veth0 198.18.0.1 2001:2::1        +-------+ veth0 198.18.0.2 2001:2::2        |
#  +-----------------------------------+       +-----------------------------------+
. "$(dirname "$0")/lib.sh"
require_root
why=$(xdp_unavailable_reason)
[ -z "$why" ] || skip_all "$why"

figure() { wgx_stat "$@"; }	# figure NS IFNAME EXPR: a value of the stats JSON (d is the document)

for path in auto socket xsk; do
	# shellcheck disable=SC2034 # read by pair_setup
	LEFT=wg-xdp RIGHT=wg-xdp MODE=xdp
	WGX_ATTACH_ARGS="--path $path" check "--path $path: up and configured" \
		pair_setup path 4 || break
	got=$(figure $A $IFA 'd["xdp"]["path"]') reason=$(figure $A $IFA 'd["xdp"]["path_reason"]')
	want=$path
	[ $path = auto ] && want=socket	# a veth binds AF_XDP in copy mode only
	[ "$got" = "$want" ] && [ -n "$reason" ] && [ "$(figure $A $IFA 'd["mode"]')" = xdp ]
	ok $? "--path $path: stats say mode xdp, path $got ($reason)"
	check "--path $path: tunnel up" tunnel_up $A 100.64.0.2
	check "--path $path: 3 MB TCP B->A, sha256 matches" transfer_sha 3 100.64.0.1 30
	check "--path $path: 3 MB TCP A->B over inner IPv6, sha256 matches" \
		tcp_transfer $A $B fd00::2 3
	if [ "$want" = socket ]; then
		n=$(figure $A $IFA 'd["reasons"].get("rx_data_no_xsk_pass", 0)')
		s=$(figure $A $IFA 'd["reasons"].get("rx_data_super_pass", 0)')
		[ $((n + s)) -ge 50 ] && [ "$s" -ge 10 ]
		ok $? "--path $path: wgx_rx classified the data at the driver and passed it ($n datagrams, $s whole GSO super-packets)"
		got=$(figure $A $IFA 'd["xdp"]["xdp_mode"]') why=$(figure $A $IFA 'd["xdp"]["xdp_mode_reason"]')
		[ "$got" = generic ]
		ok $? "--path $path: on a veth wgx_rx runs in generic mode ($got: $why)"
		x=$(figure $A $IFA 'd["xdp"]["xsk_nic_rx"] + d["xdp"]["xsk_nic_tx"]')
		[ "$x" = 0 ]
		ok $? "--path $path: no AF_XDP socket carried anything ($x)"
	else
		x=$(figure $A $IFA 'd["xdp"]["xsk_nic_rx"]')
		[ "$x" -ge 2000 ]
		ok $? "--path $path: the NIC's AF_XDP socket carried the data ($x)"
	fi
	ip netns exec $B python3 "$TOOL" garbage 198.18.0.1 51820 20 >/dev/null
	n=$(figure $A $IFA 'd["reasons"].get("rx_unknown_idx", 0)')
	[ "$n" -ge 20 ]
	ok $? "--path $path: garbage with unknown indices dropped at the driver ($n)"
	apid=${PIDS[${#PIDS[@]} - 2]}
	"$WGX" detach $IFA >/dev/null 2>&1
	wait "$apid"
	rc=$?
	[ $rc -eq 0 ] && [ ! -e /sys/fs/bpf/wg-xdp/$IFA ] && ! ip -n $A link show $IFA >/dev/null 2>&1
	ok $? "--path $path: detach stops the daemon cleanly (exit $rc), pins and link gone"
	teardown_all
done
finish
