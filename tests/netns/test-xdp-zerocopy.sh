#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# XDP mode on a NIC that binds AF_XDP zero-copy: two virtio-net NICs that
# vmtest's QEMU joins through a hub (MACs 52:54:00:77:00:01 and :02; see
# vmtest/run.sh), one per namespace. --path auto must pick XSK, the NIC's
# sockets must report zero-copy, and a tunnel to a wg-xdp peer must carry a
# transfer through them. Elsewhere (no such NIC pair, or a driver that binds
# copy mode only) it SKIPs with the reason.
#
#   wgx-zc-aPID (wg-xdp xdp, --path auto)        wgx-zc-bPID (wg-xdp socket)
#  +------------------------------------+        +------------------------------------+
#  | wgxzcaPID 100.64.0.1               |        | wgxzcbPID 100.64.0.2               |
#  | virtio NIC 52:54:00:77:00:01       +--hub---+ virtio NIC 52:54:00:77:00:02       |
#  |   198.18.0.1/24                    | (QEMU) |   198.18.0.2/24                    |
#  +------------------------------------+        +------------------------------------+
. "$(dirname "$0")/lib.sh"
require_root

nic_of() {	# nic_of MAC: the interface with that address in the root namespace
	local d
	for d in /sys/class/net/*; do
		[ "$(cat "$d/address" 2>/dev/null)" = "$1" ] && { basename "$d"; return 0; }
	done
	return 1
}

"$(cat /proc/sys/kernel/modprobe 2>/dev/null || echo modprobe)" virtio_net 2>/dev/null
NA=$(nic_of 52:54:00:77:00:01) && NB=$(nic_of 52:54:00:77:00:02) ||
	skip_all "no vmtest virtio-net NIC pair here (vmtest/run.sh adds one to its guests)"
[ "$(basename "$(readlink -f /sys/class/net/$NA/device/driver)")" = virtio_net ] ||
	skip_all "$NA is not a virtio-net NIC"
why=$(xdp_unavailable_reason)
[ -z "$why" ] || skip_all "$why"

A=wgx-zc-a$$ B=wgx-zc-b$$ IFA=wgxzca$$ IFB=wgxzcb$$
netns_add $A
netns_add $B
# Back to the root namespace when the namespaces go, for the next run.
trap 'ip -n $A link set $NA netns 1 2>/dev/null; ip -n $B link set $NB netns 1 2>/dev/null; cleanup' EXIT
ip link set "$NA" netns $A
ip link set "$NB" netns $B
ip -n $A addr add 198.18.0.1/24 dev "$NA"
ip -n $B addr add 198.18.0.2/24 dev "$NB"
ip -n $A link set "$NA" up
ip -n $B link set "$NB" up

WGX_ATTACH_ARGS="--path auto" check "wg-xdp up in xdp mode on $NA (virtio-net)" \
	start_wg wg-xdp $A $IFA xdp "$NA"
check "wg-xdp up in socket mode on $NB" start_wg wg-xdp $B $IFB socket "$NB"
KA=$(genkey) KB=$(genkey)
configure $A $IFA 1 "$KA" "$(pubkey "$KB")" 198.18.0.2:51820 2
configure $B $IFB 2 "$KB" "$(pubkey "$KA")" 198.18.0.1:51820 1
stats() { wgx_stat $A $IFA "d['xdp']['$1']"; }
mode=$(stats xsk_mode) path=$(stats path)
diag "virtio-net on $(uname -r): path $path ($(stats path_reason)), AF_XDP $mode"
if [ "$path" != xsk ] || [ "$mode" != zero-copy ]; then
	# Evidence for the skip: what the XSK path itself gets on this NIC.
	ip netns exec $A "$WGX" detach $IFA >/dev/null 2>&1
	WGX_ATTACH_ARGS="--path xsk" start_wg wg-xdp $A $IFA xdp "$NA" >/dev/null 2>&1 &&
		diag "with --path xsk: AF_XDP $(stats xsk_mode), XDP $(stats xdp_mode)"
	skip "virtio_net on $(uname -r) binds AF_XDP in copy mode only" "xsk_mode=zerocopy on virtio-net"
	finish
	exit
fi
ok 0 "--path auto picked XSK, xsk_mode=zero-copy on virtio-net"
check "tunnel up over the zero-copy sockets" tunnel_up $A 100.64.0.2
check "1 MB TCP B -> A, sha256 matches" tcp_transfer $B $A 100.64.0.1 1 120
rx=$(stats xsk_nic_rx)
[ "$rx" -ge 500 ]
ok $? "the NIC's zero-copy AF_XDP sockets received the data ($rx)"
finish
