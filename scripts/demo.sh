#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make demo`: a real WireGuard tunnel between two network namespaces, shown
# step by step. Act 1: wg-xdp (socket mode) <-> wireguard-go. Act 2: wg-xdp
# <-> wg-xdp. Act 3: wg-xdp in XDP mode, when this build supports it.
# Everything is configured with the stock `wg` tool through the UAPI socket.
# Needs root. Cleans up namespaces and daemons on any exit; exits non-zero
# when a tunnel did not work.
set -u

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$TOP/tests/lib/topo.sh"
. "$TOP/tests/lib/traffic.sh"
MB=${WGX_DEMO_MB:-20}
A=wgx-demo-a$$ B=wgx-demo-b$$
IFA=wgda$$ IFB=wgdb$$
FAILED=0
RESULTS=()

if [ -t 1 ]; then
	BOLD=$'\e[1m' DIM=$'\e[2m' GREEN=$'\e[32m' RED=$'\e[31m' YELLOW=$'\e[33m' OFF=$'\e[0m'
else
	BOLD='' DIM='' GREEN='' RED='' YELLOW='' OFF=''
fi

title() { printf '\n%s== %s ==%s\n' "$BOLD" "$*" "$OFF"; }
say() { printf '%s\n' "$*"; }
good() { printf '  %s✔ %s%s\n' "$GREEN" "$*" "$OFF"; }
bad() { printf '  %s✘ %s%s\n' "$RED" "$*" "$OFF"; ACT_OK=0; }
indent() { sed 's/^/    /'; }
# Every command the topology library runs is shown before it runs.
topo_note() { printf '  %s$ %s%s\n' "$DIM" "${*//$WGX/wg-xdp}" "$OFF"; }

if [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh: needs root (network namespaces, TUN devices)" >&2
	exit 1
fi
for tool in wg wireguard-go socat ping sha256sum; do
	command -v "$tool" >/dev/null || { echo "demo.sh: $tool not installed (make deps)" >&2; exit 1; }
done
[ -x "$WGX" ] || { echo "demo.sh: $WGX not built (make)" >&2; exit 1; }
topo_init demo

topology() {	# topology LEFT RIGHT
	cat <<EOF

     namespace $A                        namespace $B
    +-----------------------------+           +-----------------------------+
    | $(printf '%-27s' "$1") |           | $(printf '%-27s' "$2") |
    |   $(printf '%-11s' "$IFA") 100.64.0.1/24 |  tunnel   |   $(printf '%-11s' "$IFB") 100.64.0.2/24 |
    |                fd00::1/64   |<=========>|                fd00::2/64   |
    |   veth0        198.18.0.1/24+-----------+   veth0        198.18.0.2/24|
    +-----------------------------+  UDP 51820+-----------------------------+

EOF
}

start() {	# start IMPL NS IFNAME MODE: the daemon, up with its UAPI answering
	start_wg "$@" 2>"$LOGDIR/start.err" && return 0
	bad "$1 did not come up"
	indent <"$LOGDIR/start.err"
	indent <"$LOGDIR/$3.log"
	return 1
}

ping_check() {	# ping_check NS DST [-6]
	local n=$1 dst=$2 out rx avg side=A
	[ "$n" = "$B" ] && side=B
	printf '  %s$ ip netns exec %s ping %s-c 3 %s%s\n' "$DIM" "$n" "${3:+$3 }" "$dst" "$OFF"
	out=$(ip netns exec "$n" ping ${3:-} -c 3 -i 0.2 -W 5 "$dst" 2>&1)
	local rc=$?
	rx=$(printf '%s\n' "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	avg=$(printf '%s\n' "$out" | sed -n 's|^rtt [^=]*= [0-9.]*/\([0-9.]*\)/.*|\1|p')
	if [ $rc -eq 0 ]; then
		good "$side -> $dst: ${rx:-?}/3 replies, average round trip ${avg:-?} ms"
	else
		bad "$side -> $dst: ${rx:-0}/3 replies"
		printf '%s\n' "$out" | tail -3 | indent
	fi
}

transfer() {	# MB megabytes B -> A over TCP inside the tunnel
	local secs mbps
	say "  $DIM\$ ip netns exec $A socat -u TCP6-LISTEN:PORT OPEN:received &$OFF"
	say "  $DIM\$ ip netns exec $B socat -u OPEN:payload TCP:100.64.0.1:PORT$OFF"
	if tcp_transfer $B $A 100.64.0.1 "$MB" 60 2>"$LOGDIR/transfer.err"; then
		secs=$(awk '{print $4}' "$LOGDIR/transfer.time")
		mbps=$(calc "$MB * 8 / $secs" | cut -d. -f1)
		good "$MB MB over TCP B -> A in $secs s: $mbps Mbit/s; sha256 $(cut -d' ' -f2 "$LOGDIR/transfer.sha") matches"
		THROUGHPUT="$mbps Mbit/s"
	else
		bad "$MB MB over TCP B -> A failed ($(cat "$LOGDIR/transfer.sha" 2>/dev/null))"
		indent <"$LOGDIR/transfer.err"
	fi
}

reasons() {	# reasons NS IFNAME: one line per counted reason, with its meaning
	local name count what any=0
	while IFS=: read -r name count; do
		[ -n "$name" ] && [ "$count" != 0 ] || continue	# the JSON lists every reason, zeros too
		what=$(sed -n "s|.*WGX_R_${name^^} = [0-9]*,[[:space:]]*/\\* *\\(.*[^ ]\\) *\\*/.*|\\1|p" \
			"$TOP/include/wgx_reasons.h")
		printf '    %-22s %8s   %s\n' "$name" "$count" "${what:+($what)}"
		any=1
	done < <(ip netns exec "$1" "$WGX" stats "$2" --json 2>/dev/null |
		json_get - "'\\n'.join(f'{k}:{v}' for k, v in d['reasons'].items())")
	[ $any = 1 ] || say "    (none)"
}

show_side() {	# show_side NS IFNAME IMPL
	local n=$1 ifname=$2 impl=$3
	say "  $DIM\$ ip netns exec $n wg show $ifname$OFF"
	ip netns exec "$n" wg show "$ifname" 2>&1 | indent
	if [ "$impl" = wg-xdp ]; then
		say "  $DIM\$ ip netns exec $n wg-xdp show $ifname$OFF"
		ip netns exec "$n" "$WGX" show "$ifname" 2>&1 | indent
		say "  drop / verdict counters (wg-xdp stats $ifname --json):"
		reasons "$n" "$ifname"
	fi
	say "  kernel UDP counters in ${n%$$} (/proc/net/snmp; receive-buffer drops are lost packets):"
	ip netns exec "$n" awk '/^Udp:/ { if (!h) { split($0, k); h = 1 } else {
		for (i = 2; i <= NF; i++) if (k[i] ~ /^(InDatagrams|OutDatagrams|RcvbufErrors|SndbufErrors)$/)
			printf "%s%s = %s", (n++ ? ", " : "    "), k[i], $i; print "" } }' /proc/net/snmp
}

act() {	# act TITLE LEFT_IMPL LEFT_MODE RIGHT_IMPL RIGHT_MODE
	local name=$1 left=$2 lmode=$3 right=$4 rmode=$5 pa pb
	ACT_OK=1 THROUGHPUT=-
	title "$name"
	topology "$left ($lmode)" "$right${rmode:+ ($rmode)}"
	umask 077
	wg genkey >"$LOGDIR/a.key" && wg genkey >"$LOGDIR/b.key"
	pa=$(wg pubkey <"$LOGDIR/a.key") pb=$(wg pubkey <"$LOGDIR/b.key")
	say "Keys: wg genkey | tee a.key | wg pubkey   (A = $pa, B = $pb)"
	say "Underlay: two namespaces joined by a veth pair."
	if setup_underlay "$A" "$B"; then
		say "WireGuard interfaces:"
		start "$left" $A $IFA "$lmode" && start "$right" $B $IFB "$rmode" &&
			say "Configuration, with the stock wg tool over the UAPI socket:" &&
			configure $A $IFA 1 "$LOGDIR/a.key" "$pb" 198.18.0.2:51820 2 &&
			configure $B $IFB 2 "$LOGDIR/b.key" "$pa" 198.18.0.1:51820 1 || ACT_OK=0
	else
		bad "could not build the underlay"
	fi
	if [ $ACT_OK = 1 ]; then
		say "Pings through the tunnel (the first one triggers the handshake):"
		ping_check $A 100.64.0.2
		ping_check $B 100.64.0.1
		ping_check $A fd00::2 -6
		ping_check $B fd00::1 -6
		say "Bulk transfer:"
		transfer
		say "What both sides report:"
		show_side $A $IFA "$left"
		show_side $B $IFB "$right"
	fi
	if [ $ACT_OK = 0 ]; then
		for f in "$LOGDIR"/*.log; do
			[ -f "$f" ] && { say "  log $(basename "$f") (tail):"; tail -8 "$f" | indent; }
		done
		FAILED=1
	fi
	RESULTS+=("$(printf '%-42s %-5s %s' "$name" "$([ $ACT_OK = 1 ] && echo PASS || echo FAIL)" "$THROUGHPUT")")
	teardown_all
}

title "wg-xdp demo ($("$WGX" --version 2>/dev/null || echo wg-xdp))"
say "A WireGuard tunnel between two network namespaces, configured with wg(8)."

act "Act 1: wg-xdp <-> wireguard-go" wg-xdp socket wireguard-go ""
act "Act 2: wg-xdp <-> wg-xdp" wg-xdp socket wg-xdp socket

# Act 3 only when this build and kernel have the XDP data plane (a probe on a scratch veth).
xdp_why=$(wgx_probe --mode xdp)
if [ -z "$xdp_why" ]; then
	act "Act 3: wg-xdp (xdp) <-> wg-xdp (socket)" wg-xdp xdp wg-xdp socket
else
	title "Act 3: wg-xdp in XDP mode"
	say "  ${YELLOW}xdp mode is not available: $xdp_why${OFF}"
	RESULTS+=("$(printf '%-42s %-5s %s' "Act 3: wg-xdp in XDP mode" SKIP "not in this build")")
fi

title "Summary"
printf '  %-42s %-5s %s\n' "act" "" "TCP throughput"
for r in "${RESULTS[@]}"; do say "  $r"; done
if [ $FAILED = 0 ]; then
	say "${GREEN}${BOLD}The tunnel works.${OFF}"
else
	say "${RED}${BOLD}At least one tunnel did not work (see above).${OFF}"
fi
exit $FAILED
