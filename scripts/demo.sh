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
WGX=${WGX:-$TOP/build/wg-xdp}
MB=${WGX_DEMO_MB:-20}
A=wgx-demo-a$$ B=wgx-demo-b$$
IFA=wgda$$ IFB=wgdb$$
LOGDIR=$(mktemp -d /tmp/wgx-demo.XXXXXX)
PIDS=()
FAILED=0
RESULTS=()

if [ -t 1 ]; then
	BOLD=$'\e[1m' DIM=$'\e[2m' GREEN=$'\e[32m' RED=$'\e[31m' YELLOW=$'\e[33m' OFF=$'\e[0m'
else
	BOLD= DIM= GREEN= RED= YELLOW= OFF=
fi

title() { printf '\n%s== %s ==%s\n' "$BOLD" "$*" "$OFF"; }
say() { printf '%s\n' "$*"; }
good() { printf '  %s✔ %s%s\n' "$GREEN" "$*" "$OFF"; }
bad() { printf '  %s✘ %s%s\n' "$RED" "$*" "$OFF"; ACT_OK=0; }
indent() { sed 's/^/    /'; }

# run CMD...: show the command, then run it (output to the log unless it fails).
run() {
	printf '  %s$ %s%s\n' "$DIM" "$*" "$OFF"
	if ! "$@" >"$LOGDIR/run.out" 2>&1; then
		indent <"$LOGDIR/run.out"
		return 1
	fi
}

# ns NS CMD...: run in a namespace (printed as `ip netns exec NS ...`).
ns() { local n=$1; shift; run ip netns exec "$n" "$@"; }

stop_daemons() {
	local pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	PIDS=()
}

teardown() {
	local n
	stop_daemons
	for n in $A $B; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
	rm -f "/var/run/wireguard/$IFA.sock" "/var/run/wireguard/$IFB.sock" 2>/dev/null
}

cleanup() {
	teardown
	rm -rf "$LOGDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh: needs root (network namespaces, TUN devices)" >&2
	exit 1
fi
for tool in wg wireguard-go socat ping sha256sum; do
	command -v "$tool" >/dev/null || { echo "demo.sh: $tool not installed (make deps)" >&2; exit 1; }
done
[ -x "$WGX" ] || { echo "demo.sh: $WGX not built (make)" >&2; exit 1; }

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

underlay() {
	say "Underlay: two namespaces joined by a veth pair."
	run ip netns add $A && run ip netns add $B &&
	run ip -n $A link set lo up && run ip -n $B link set lo up &&
	run ip -n $A link add veth0 type veth peer name veth0 netns $B &&
	run ip -n $A addr add 198.18.0.1/24 dev veth0 &&
	run ip -n $B addr add 198.18.0.2/24 dev veth0 &&
	run ip -n $A link set veth0 up && run ip -n $B link set veth0 up
}

wait_sock() {	# wait_sock IFNAME PID: until the UAPI socket exists
	for _ in $(seq 50); do
		[ -S "/var/run/wireguard/$1.sock" ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

start() {	# start IMPL NS IFNAME MODE
	local impl=$1 n=$2 ifname=$3 mode=$4 pid
	case "$impl" in
	wg-xdp)
		printf '  %s$ ip netns exec %s wg-xdp attach veth0 --name %s --mode %s --foreground &%s\n' \
			"$DIM" "$n" "$ifname" "$mode" "$OFF"
		ip netns exec "$n" "$WGX" attach veth0 --name "$ifname" --mode "$mode" --foreground \
			>"$LOGDIR/$ifname.log" 2>&1 &
		;;
	wireguard-go)
		printf '  %s$ ip netns exec %s wireguard-go -f %s &%s\n' "$DIM" "$n" "$ifname" "$OFF"
		ip netns exec "$n" env WG_PROCESS_FOREGROUND=1 wireguard-go -f "$ifname" \
			>"$LOGDIR/$ifname.log" 2>&1 &
		;;
	esac
	pid=$!
	PIDS+=("$pid")
	if ! wait_sock "$ifname" "$pid"; then
		bad "$impl did not come up"
		indent <"$LOGDIR/$ifname.log"
		return 1
	fi
}

configure() {	# configure NS IFNAME MY_N PRIVKEY_FILE PEER_PUB PEER_ENDPOINT PEER_N
	local n=$1 ifname=$2 me=$3 key=$4 peer=$5 ep=$6 other=$7
	ns "$n" wg set "$ifname" listen-port 51820 private-key "$key" \
		peer "$peer" endpoint "$ep" allowed-ips "100.64.0.$other/32,fd00::$other/128" &&
	run ip -n "$n" addr add "100.64.0.$me/24" dev "$ifname" &&
	run ip -n "$n" addr add "fd00::$me/64" dev "$ifname" nodad &&
	run ip -n "$n" link set "$ifname" up
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
	local src=$LOGDIR/payload dst=$LOGDIR/received t0 t1 ms sum_a sum_b lpid
	head -c "${MB}M" /dev/urandom >"$src"
	rm -f "$dst"
	say "  $DIM\$ ip netns exec $A socat -u TCP-LISTEN:5001 OPEN:received &$OFF"
	say "  $DIM\$ ip netns exec $B socat -u OPEN:payload TCP:100.64.0.1:5001$OFF"
	ip netns exec $A timeout 60 socat -u TCP-LISTEN:5001,reuseaddr "OPEN:$dst,creat,trunc" \
		2>"$LOGDIR/socat-a.err" &
	lpid=$!
	sleep 0.3
	t0=$(date +%s%N)
	ip netns exec $B timeout 60 socat -u "OPEN:$src" TCP:100.64.0.1:5001 2>"$LOGDIR/socat-b.err"
	local rc=$?
	wait $lpid || rc=1
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	[ "$ms" -gt 0 ] || ms=1
	sum_a=$(sha256sum <"$src" | cut -c1-16)
	sum_b=$( [ -f "$dst" ] && sha256sum <"$dst" | cut -c1-16)
	if [ $rc -eq 0 ] && [ "$sum_a" = "$sum_b" ]; then
		good "$MB MB over TCP B -> A in $ms ms: $((MB * 8 * 1000 / ms)) Mbit/s; sha256 $sum_a... matches"
		THROUGHPUT="$((MB * 8 * 1000 / ms)) Mbit/s"
	else
		bad "$MB MB over TCP B -> A failed (sent sha256 $sum_a..., received ${sum_b:-nothing})"
		cat "$LOGDIR"/socat-*.err 2>/dev/null | indent
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
		grep -o '"reasons":{[^}]*}' | sed 's/"reasons":{//; s/}$//; s/,/\n/g; s/"//g')
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
	if underlay; then
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
	teardown
}

title "wg-xdp demo ($("$WGX" --version 2>/dev/null || echo wg-xdp))"
say "A WireGuard tunnel between two network namespaces, configured with wg(8)."

act "Act 1: wg-xdp <-> wireguard-go" wg-xdp socket wireguard-go ""
act "Act 2: wg-xdp <-> wg-xdp" wg-xdp socket wg-xdp socket

# Act 3 only when this build has the XDP data plane: probe it on a scratch veth.
ip netns add $A && ip -n $A link add veth0 type veth peer name veth1 &&
	ip -n $A link set veth0 up && ip -n $A link set veth1 up
xdp_why=$(timeout 5 ip netns exec $A "$WGX" attach veth0 --name $IFA --mode xdp 2>&1)
xdp_rc=$?
ip netns exec $A "$WGX" detach $IFA >/dev/null 2>&1
teardown
if [ $xdp_rc -eq 0 ]; then
	act "Act 3: wg-xdp (xdp) <-> wg-xdp (socket)" wg-xdp xdp wg-xdp socket
else
	xdp_why=${xdp_why#wg-xdp: error: }
	title "Act 3: wg-xdp in XDP mode"
	say "  ${YELLOW}xdp mode is not available: ${xdp_why:-wg-xdp attach --mode xdp exited with status $xdp_rc}${OFF}"
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
