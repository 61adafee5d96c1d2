# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Shared helpers for the netns suites, on top of tests/lib/: TAP output
# (tap.sh), namespaces with cleanup and starting a WireGuard implementation
# (wg-xdp, wireguard-go, kernel) in a namespace (topo.sh), pings and
# transfers (traffic.sh); here: what the tests add (failure dumps, the
# conformance pair, wg-xdp statistics). Sourced by tests/netns/test-*.sh and
# tests/netns/scenarios/*.sh; every namespace is named wgx-<suite>-*.

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/topo.sh"
. "$TOP/tests/lib/traffic.sh"
topo_init netns

cleanup() { topo_exit; }	# the EXIT trap's work (older name)

require_root() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root (network namespaces)"
	ip netns add wgx-probe-$$ 2>/dev/null || skip_all "cannot create network namespaces"
	ip netns del wgx-probe-$$
}

# Dump what a person needs to understand a failure (called by a failing ok).
dump_state() {
	local ns ifc
	for ns in "${NETNS_LIST[@]}"; do
		for ifc in $(ip -n "$ns" -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
			[ -S "/var/run/wireguard/$ifc.sock" ] || [ "$(ip -n "$ns" -d -o link show "$ifc" | grep -o wireguard)" ] || continue
			echo "# ---- $ns: wg show $ifc"
			ip netns exec "$ns" wg show "$ifc" 2>&1 | sed 's/^/#   /'
			[ -x "$WGX" ] && "$WGX" stats "$ifc" --json 2>/dev/null | sed 's/^/#   /'
		done
		echo "# ---- $ns: ip -s link"
		ip -n "$ns" -s -o link 2>&1 | sed 's/^/#   /'
	done
	for f in "$LOGDIR"/*.log; do
		[ -f "$f" ] || continue
		echo "# ---- $(basename "$f") (tail)"
		tail -15 "$f" | sed 's/^/#   /'
	done
}

# ---- Conformance suite (tests/netns/run.sh, tests/netns/scenarios/*.sh) ----
# The pair under test comes from the environment so that every scenario runs
# standalone as well as under run.sh: LEFT is the implementation being
# exercised (the one that roams, restarts, gets accelerated timers), RIGHT the
# reference peer, MODE the wg-xdp data plane.
LEFT=${WGX_LEFT:-wg-xdp}
RIGHT=${WGX_RIGHT:-wireguard-go}
MODE=${WGX_MODE:-socket}

# xdp_unavailable_reason: print why `wg-xdp attach --mode xdp` cannot run here,
# or nothing. run.sh probes once and exports WGX_XDP_UNAVAILABLE.
xdp_unavailable_reason() {
	if [ -n "${WGX_XDP_UNAVAILABLE+set}" ]; then
		echo "$WGX_XDP_UNAVAILABLE"
		return
	fi
	wgx_probe --mode xdp
}

# pair_require: SKIP the whole scenario unless LEFT, RIGHT and MODE can run.
pair_require() {
	local impl why
	for impl in "$LEFT" "$RIGHT"; do
		why=$(impl_available "$impl") || skip_all "$impl: $why"
	done
	if [ "$MODE" = xdp ]; then
		[ "$LEFT" = wg-xdp ] || [ "$RIGHT" = wg-xdp ] || skip_all "--mode xdp needs a wg-xdp side"
		why=$(xdp_unavailable_reason)
		[ -z "$why" ] || skip_all "$why"
	fi
}

# Underlay/inner addressing used by the two-namespace scenarios.
#   ns $A (LEFT, $IFA)  veth0 198.18.0.1 2001:2::1   inner 100.64.0.1 fd00::1
#   ns $B (RIGHT, $IFB) veth0 198.18.0.2 2001:2::2   inner 100.64.0.2 fd00::2
# pair_setup TAG [FAMILY]: create both namespaces, start both sides, configure
# them with fresh keys (KA KB, PA PB exported) (no traffic yet).
# Listen ports: 51820 on both sides. The same in steps, each a check of its
# own: pair_start TAG FAMILY, start_wg_left, start_wg_right, configure_left,
# configure_right.
pair_setup() {
	pair_start "$1" "${2:-4}" && start_wg_left && start_wg_right && configure_left && configure_right
}

pair_start() {	# pair_start TAG FAMILY: names, underlay, endpoints, keys
	local tag=$1 fam=$2
	A=wgx-$tag-a$$ B=wgx-$tag-b$$ IFA=wgx${tag}a$$ IFB=wgx${tag}b$$
	IFA=${IFA:0:15} IFB=${IFB:0:15}
	setup_underlay || return 1
	if [ "$fam" = 4 ]; then EPA=198.18.0.1:51820 EPB=198.18.0.2:51820
	else EPA="[2001:2::1]:51820" EPB="[2001:2::2]:51820"; fi
	KA=$(genkey) KB=$(genkey)
	PA=$(pubkey "$KA") PB=$(pubkey "$KB")
}
start_wg_left() { start_wg "$LEFT" "$A" "$IFA" "$MODE"; }
start_wg_right() { START_ENV=${RIGHT_ENV:-} start_wg "$RIGHT" "$B" "$IFB" "$MODE"; }
configure_left() { wg_side "$A" "$IFA" 1 "$KA" "$PB" "${A_PEER_EXTRA:-endpoint $EPB}" 2; }
configure_right() { wg_side "$B" "$IFB" 2 "$KB" "$PA" "${B_PEER_EXTRA:-endpoint $EPA}" 1; }

# set_endpoints FAM [PUB_A]: point the two sides of a pair_setup pair at each
# other's IPv4 or IPv6 underlay address (port 51820) in the same namespaces,
# so a scenario can repeat its core check over the other underlay family.
# PUB_A is LEFT's public key as RIGHT knows it (default $PA).
set_endpoints() {
	local fam=$1 pa=${2:-$PA}
	if [ "$fam" = 4 ]; then EPA=198.18.0.1:51820 EPB=198.18.0.2:51820
	else EPA="[2001:2::1]:51820" EPB="[2001:2::2]:51820"; fi
	ip netns exec $A wg set $IFA peer "$PB" endpoint "$EPB" &&
	ip netns exec $B wg set $IFB peer "$pa" endpoint "$EPA"
}

# endpoint_is NS IFNAME EP: the first peer's endpoint, as `wg show` reports it, is EP
endpoint_is() {
	local got
	got=$(ip netns exec "$1" wg show "$2" endpoints | awk 'NR==1 {print $2}')
	echo "endpoint $got, want $3"
	[ "$got" = "$3" ]
}

# wgx_stat NS IFNAME EXPR: EXPR over d = `wg-xdp stats IFNAME --json` (json_get)
wgx_stat() {
	ip netns exec "$1" "$WGX" stats "$2" --json 2>/dev/null | json_get - "$3"
}

# stat_reason NS IFNAME REASON: wg-xdp's counter for REASON (0 when absent)
stat_reason() { wgx_stat "$1" "$2" "d['reasons'].get('$3', 0)"; }

# stat_of NS IFNAME KEY: KEY from `wg-xdp stats --json`, its "xdp" section
# (modes, XSK counters, workers) or a reason's counter; 0 when absent.
stat_of() { wgx_stat "$1" "$2" "{**d.get('xdp', {}), **d['reasons']}.get('$3', 0)"; }

# handshake_of NS IFNAME: latest-handshake (unix seconds) of the first peer
handshake_of() {
	ip netns exec "$1" wg show "$2" latest-handshakes | awk 'NR==1 {print $2}'
}

wg_show_fresh() {	# latest handshake within 2 minutes and bytes both ways
	local ns=$1 ifname=$2 now hs rx tx
	now=$(date +%s)
	hs=$(ip netns exec "$ns" wg show "$ifname" latest-handshakes | awk '{print $2}')
	read -r _ rx tx < <(ip netns exec "$ns" wg show "$ifname" transfer)
	[ -n "$hs" ] && [ "$hs" -gt $((now - 120)) ] && [ "$rx" -gt 0 ] && [ "$tx" -gt 0 ]
}
