#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Share the NIC: wgx_rx goes in through libxdp's dispatcher (as wgx_rx_shared, which
# adds no AF_XDP metadata: see bpf/wgx_xdp.bpf.c), so xdp-filter
# (Debian's xdp-tools) runs on the same underlay in either order, the
# tunnel works with both, and detaching wg-xdp leaves xdp-filter in place.
# Where the kernel refuses the dispatcher's freplace programs, libxdp falls
# back to one program per interface: then only the refusal is checked (a
# clear error naming the other program, which stays untouched).
#
#   ns wgx-dq-xa$$ (wg-xdp, XDP mode, + xdp-filter on veth0)  <-> ns wgx-dq-xb$$ (wireguard-go)
#     veth0 198.18.0.1/24, dqxaN 100.64.0.1                        veth0 198.18.0.2/24, dqxbN 100.64.0.2
set -u
. "$(dirname "$0")/lib.sh"
require_root
why=$(impl_available wg-xdp) || skip_all "$why"
why=$(impl_available wireguard-go) || skip_all "$why"
command -v xdp-filter >/dev/null || skip_all "xdp-filter not installed (xdp-tools)"
why=$(xdp_unavailable_reason)
[ -z "$why" ] || skip_all "$why"

A=wgx-dq-xa$$ B=wgx-dq-xb$$ IFA=dqxa$$ IFB=dqxb$$
IFA=${IFA:0:15} IFB=${IFB:0:15}
# xdp-tools find bpffs at /sys/fs/bpf: run them in the host's mount namespace
# (ip netns exec would give them the namespace's fresh sysfs).
in_a() { nsenter --net=/run/netns/$A "$@"; }
status_a() { in_a xdp-loader status veth0 2>&1; }
setup_underlay
KA=$(genkey) KB=$(genkey)
PA=$(pubkey "$KA") PB=$(pubkey "$KB")

LIBXDP_LOG_LEVEL=DEBUG in_a xdp-filter load -m skb veth0 >"$LOGDIR/filter.log" 2>&1
if ! status_a | grep -q xdp_dispatcher; then
	diag "xdp-filter: $(grep -m1 'Compatibility check' "$LOGDIR/filter.log" | sed 's/^ *//')"
	diag "xdp-loader status: $(status_a | grep -m1 veth0)"
	out=$(ip netns exec $A "$WGX" attach veth0 --name $IFA --mode xdp 2>&1); rc=$?
	echo "$out" | sed 's/^/# attach: /'
	ok $(( rc != 0 && $(echo "$out" | grep -c "runs XDP program .*xdpfilt.* load it through libxdp") == 1 ? 0 : 1 )) \
		"without a working dispatcher: attach refuses, naming the program already there"
	check "xdp-filter untouched" bash -c "$(declare -f in_a status_a); A=$A; status_a | grep -q xdpfilt"
	skip "libxdp's dispatcher does not work on this kernel (freplace refused, libxdp fell back to one program per interface); vmtest's xdp-share suite runs it on 6.12" \
		"wg-xdp and xdp-filter on one NIC"
	finish
	exit
fi
check "xdp-filter in a libxdp dispatcher on A's veth0" bash -c "$(declare -f in_a status_a); A=$A; status_a | grep -q xdpfilt"
start_wg wg-xdp $A $IFA xdp veth0 || { ok 1 "wg-xdp attaches next to xdp-filter"; finish; exit; }
start_wg wireguard-go $B $IFB || exit 1
wg_side $A $IFA 1 "$KA" "$PB" "endpoint 198.18.0.2:51820" 2
wg_side $B $IFB 2 "$KB" "$PA" "endpoint 198.18.0.1:51820" 1
check "both in the dispatcher: wgx_rx and xdp-filter's program" bash -c \
	"$(declare -f in_a status_a); A=$A; status_a | grep -q wgx_rx && status_a | grep -q xdpfilt"
check "tunnel works with xdp-filter in front (filter first)" tunnel_up $A 100.64.0.2
xsk=$(stat_reason $A $IFA rx_data_xsk) nometa=$(stat_reason $A $IFA rx_data_xsk_nometa)
ok "$([ "$nometa" -gt 0 ] && [ "$xsk" -eq 0 ]; echo $?)" \
	"data took the XSK path from the dispatcher (wgx_rx_shared: rx_data_xsk_nometa $nometa, rx_data_xsk $xsk)"
"$WGX" detach $IFA >/dev/null 2>&1
check "detach: wgx_rx gone, xdp-filter still there" bash -c \
	"$(declare -f in_a status_a); A=$A; ! status_a | grep -q wgx_rx && status_a | grep -q xdpfilt"
in_a xdp-filter unload veth0 >/dev/null 2>&1
check "xdp-filter unloaded: nothing left on veth0" bash -c \
	"$(declare -f in_a status_a); A=$A; ! status_a | grep -q 'xdpfilt\|wgx_rx'"
# The other order: wg-xdp first, then xdp-filter joins it.
start_wg wg-xdp $A $IFA xdp veth0 || exit 1
wg_side $A $IFA 1 "$KA" "$PB" "endpoint 198.18.0.2:51820" 2 2>/dev/null ||
	ip netns exec $A wg set $IFA listen-port 51820 private-key <(echo "$KA") peer "$PB" \
		endpoint 198.18.0.2:51820 allowed-ips 100.64.0.2/32,fd00::2/128
# In the dispatcher's mode: libxdp adds programs to a dispatcher only in its own mode.
mode=$(status_a | awk '$2 == "xdp_dispatcher" {print $3}')
check "xdp-filter loads next to a running wg-xdp (dispatcher in ${mode:-no} mode)" in_a xdp-filter load -m "${mode:-skb}" veth0
check "both in the dispatcher (wg-xdp first)" bash -c \
	"$(declare -f in_a status_a); A=$A; status_a | grep -q wgx_rx && status_a | grep -q xdpfilt"
check "tunnel works (wg-xdp first)" tunnel_up $A 100.64.0.2
in_a xdp-filter unload veth0 >/dev/null 2>&1
finish
