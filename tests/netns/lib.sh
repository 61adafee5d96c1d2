# SPDX-License-Identifier: MIT
# Shared helpers for the netns suites: TAP output, namespaces with cleanup,
# and starting a WireGuard implementation (wg-xdp, wireguard-go, kernel) in a
# namespace so that every scenario runs against any pair of implementations.
# Sourced by tests/netns/test-*.sh; every namespace is named wgx-<suite>-*.

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WGX=${WGX:-$TOP/build/wg-xdp}
TAP_N=0
TAP_FAILED=0
NETNS_LIST=()
PIDS=()
LOGDIR=$(mktemp -d /tmp/wgx-netns.XXXXXX)

ok() {	# ok COND_EXIT_STATUS "description"
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $TAP_N - $2"
	else
		echo "not ok $TAP_N - $2"
		TAP_FAILED=$((TAP_FAILED + 1))
		dump_state
	fi
}

check() {	# check "description" cmd args...: run the command, report it
	local what=$1; shift
	"$@" >"$LOGDIR/last.out" 2>&1
	local rc=$?
	ok $rc "$what"
	[ $rc -eq 0 ] || sed 's/^/#   /' "$LOGDIR/last.out" | tail -20
	return $rc
}

skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $2 # SKIP $1"
}

diag() { echo "# $*"; }

require_root() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root (network namespaces)"
	ip netns add wgx-probe-$$ 2>/dev/null || skip_all "cannot create network namespaces"
	ip netns del wgx-probe-$$
}

netns_add() {
	ip netns add "$1"
	NETNS_LIST+=("$1")
	ip -n "$1" link set lo up
}

# Dump what a person needs to understand a failure.
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

cleanup() {
	local pid ns
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	sleep 0.2
	for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
	for ns in "${NETNS_LIST[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$LOGDIR"
}

finish() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}

trap cleanup EXIT
trap 'exit 130' INT TERM

# start_wg IMPL NS IFNAME [MODE [UNDERLAY_IF]]: bring up a WireGuard interface
# named IFNAME in NS with no configuration yet (configure with `wg`).
# wg-xdp also gets $WGX_ATTACH_ARGS (e.g. "--workers 2").
start_wg() {
	local impl=$1 ns=$2 ifname=$3 mode=${4:-socket} under=${5:-veth0} WAIT_PID=
	case "$impl" in
	wg-xdp)
		# START_ENV (VAR=value words) and START_CONFIG (a wg setconf file) are
		# per-call options: `START_ENV="WGX_TEST_TIME_SCALE=40" start_wg ...`.
		ip netns exec "$ns" env ${START_ENV:-} "$WGX" attach "$under" --name "$ifname" \
			--mode "$mode" ${START_CONFIG:+--config "$START_CONFIG"} ${WGX_ATTACH_ARGS:-} \
			--foreground >>"$LOGDIR/$ifname.log" 2>&1 &
		PIDS+=($!) WAIT_PID=$!
		;;
	wireguard-go)
		ip netns exec "$ns" env WG_PROCESS_FOREGROUND=1 wireguard-go -f "$ifname" \
			>>"$LOGDIR/$ifname.log" 2>&1 &
		PIDS+=($!) WAIT_PID=$!
		;;
	kernel)
		ip -n "$ns" link add "$ifname" type wireguard || return 1
		;;
	*) echo "unknown implementation $impl" >&2; return 1 ;;
	esac
	[ -z "${START_NOWAIT:-}" ] || return 0	# caller waits (many at once)
	wait_for "$ifname up in $ns" 100 ip -n "$ns" link show "$ifname" || return 1
	# The UAPI answering, not just its socket file there: after a kill -9 the
	# dead daemon's socket file and (XDP mode) tunnel veth are still around
	# while the new daemon replaces them.
	[ "$impl" = kernel ] || wait_for "$ifname uapi" 100 wg show "$ifname"
}

impl_available() {	# impl_available IMPL: exit 0 or print why not
	case "$1" in
	wg-xdp) [ -x "$WGX" ] || { echo "$WGX not built"; return 1; } ;;
	wireguard-go) command -v wireguard-go >/dev/null || { echo "wireguard-go not installed"; return 1; } ;;
	kernel)
		ip link add wgx-probe$$ type wireguard 2>/dev/null || { echo "no WireGuard kernel module"; return 1; }
		ip link del wgx-probe$$ ;;
	esac
}

wait_for() {	# wait_for WHAT TENTHS cmd...: gives up early once $WAIT_PID (if set) exits
	local what=$1 n=$2; shift 2
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		if [ -n "${WAIT_PID:-}" ] && ! kill -0 "$WAIT_PID" 2>/dev/null; then
			echo "# $what: process $WAIT_PID exited" >&2
			return 1
		fi
		sleep 0.1
		n=$((n - 1))
	done
	echo "# timed out waiting for $what" >&2
	return 1
}

genkey() { wg genkey; }
pubkey() { echo "$1" | wg pubkey; }

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
	local ns=wgx-xprobe-$$ ifn=wgxprobe$$ pid n=30 out
	ip netns add $ns || { echo "cannot create a namespace"; return; }
	ip -n $ns link add veth0 type veth peer name veth1
	ip -n $ns link set veth0 up
	ip -n $ns link set veth1 up
	ip netns exec $ns "$WGX" attach veth0 --name $ifn --mode xdp --foreground \
		>"$LOGDIR/xprobe.log" 2>&1 &
	pid=$!
	while [ $n -gt 0 ] && kill -0 $pid 2>/dev/null && [ ! -S /var/run/wireguard/$ifn.sock ]; do
		sleep 0.1
		n=$((n - 1))
	done
	if kill -0 $pid 2>/dev/null; then
		[ -S /var/run/wireguard/$ifn.sock ] || echo "attach --mode xdp did not come up in 3 s"
		kill $pid
		wait $pid 2>/dev/null
	else
		out=$(tail -1 "$LOGDIR/xprobe.log" | sed 's/^.*: //')
		echo "wg-xdp attach --mode xdp unsupported here: ${out:-exited}"
	fi
	ip netns del $ns
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
# them with fresh keys (KA KB, PA PB exported) and ping once to handshake.
# Listen ports: 51820 on both sides.
pair_setup() {
	local tag=$1 fam=${2:-4}
	A=wgx-$tag-a$$ B=wgx-$tag-b$$ IFA=wgx${tag}a$$ IFB=wgx${tag}b$$
	IFA=${IFA:0:15} IFB=${IFB:0:15}
	setup_underlay
	if [ "$fam" = 4 ]; then EPA=198.18.0.1:51820 EPB=198.18.0.2:51820
	else EPA=[2001:2::1]:51820 EPB=[2001:2::2]:51820; fi
	KA=$(genkey) KB=$(genkey)
	PA=$(pubkey "$KA") PB=$(pubkey "$KB")
	start_wg "$LEFT" $A $IFA "$MODE" || return 1
	START_ENV=${RIGHT_ENV:-} start_wg "$RIGHT" $B $IFB "$MODE" || return 1
	wg_side $A $IFA 1 "$KA" "$PB" "${A_PEER_EXTRA:-endpoint $EPB}" 2 || return 1
	wg_side $B $IFB 2 "$KB" "$PA" "${B_PEER_EXTRA:-endpoint $EPA}" 1 || return 1
}

# set_endpoints FAM [PUB_A]: point the two sides of a pair_setup pair at each
# other's IPv4 or IPv6 underlay address (port 51820) in the same namespaces,
# so a scenario can repeat its core check over the other underlay family.
# PUB_A is LEFT's public key as RIGHT knows it (default $PA).
set_endpoints() {
	local fam=$1 pa=${2:-$PA}
	if [ "$fam" = 4 ]; then EPA=198.18.0.1:51820 EPB=198.18.0.2:51820
	else EPA=[2001:2::1]:51820 EPB=[2001:2::2]:51820; fi
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

# wg_side NS IFNAME ME PRIV PEER_PUB "PEER_OPTS" OTHER: key, one peer, addresses, up
wg_side() {
	local ns=$1 ifname=$2 me=$3 priv=$4 peer=$5 opts=$6 other=$7
	# shellcheck disable=SC2086 # opts is a list of wg words
	ip netns exec "$ns" wg set "$ifname" listen-port 51820 private-key <(echo "$priv") \
		peer "$peer" $opts allowed-ips "100.64.0.$other/32,fd00::$other/128" &&
	ip -n "$ns" addr add "100.64.0.$me/24" dev "$ifname" &&
	ip -n "$ns" addr add "fd00::$me/64" dev "$ifname" nodad &&
	ip -n "$ns" link set "$ifname" up
}

# tcp_transfer FROM_NS TO_NS DST_ADDR MB [SECONDS [RATE_KBPS]]: send MB of
# random bytes over TCP inside the tunnel, optionally throttled; the
# received sha256 must match.
tcp_transfer() {
	local from=$1 to=$2 dst=$3 mb=$4 secs=${5:-60} rate=${6:-0} port=$((20000 + RANDOM % 10000))
	local src_file=$LOGDIR/payload.$port dst_file=$LOGDIR/received.$port lpid rc
	head -c "${mb}M" /dev/urandom >"$src_file"
	ip netns exec "$to" timeout "$secs" socat -u "TCP6-LISTEN:$port,reuseaddr,ipv6only=0" \
		"OPEN:$dst_file,creat,trunc" &
	lpid=$!
	wait_for "listener on $port" 30 tcp_listening "$to" $port || return 1
	[[ $dst == *:* ]] && dst="[$dst]"
	if [ "$rate" -gt 0 ]; then
		python3 "$TOP/tests/netns/tool.py" throttle "$rate" <"$src_file" |
			ip netns exec "$from" timeout "$secs" socat -u - "TCP:$dst:$port"
	else
		ip netns exec "$from" timeout "$secs" socat -u "OPEN:$src_file" "TCP:$dst:$port"
	fi
	rc=$?
	wait $lpid || rc=1
	[ $rc -eq 0 ] && [ "$(sha256sum <"$src_file")" = "$(sha256sum <"$dst_file")" ] || rc=1
	rm -f "$src_file" "$dst_file"
	return $rc
}

tcp_listening() { ip netns exec "$1" ss -Htln "sport = :$2" | grep -q .; }

# stat_reason NS IFNAME REASON: wg-xdp's counter for REASON (0 when absent)
stat_reason() {
	ip netns exec "$1" "$WGX" stats "$2" --json 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["reasons"].get(sys.argv[1], 0))' "$3"
}

# handshake_of NS IFNAME: latest-handshake (unix seconds) of the first peer
handshake_of() {
	ip netns exec "$1" wg show "$2" latest-handshakes | awk 'NR==1 {print $2}'
}

ping_ok() {	# ping_ok NS ADDR [SIZE]: one echo within 3 s (after up to 3 tries)
	ip netns exec "$1" ping -c 1 -W 1 -w 3 ${3:+-s $3 -M do} "$2"
}

# teardown_all: stop every daemon and delete every namespace made so far
# (between the parts of one scenario; the EXIT trap does the same at the end).
teardown_all() {
	local pid ns
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	for ns in "${NETNS_LIST[@]}"; do ip netns del "$ns" 2>/dev/null; done
	PIDS=() NETNS_LIST=()
}

tunnel_up() {	# tunnel_up NS ADDR: first ping, allowing a lost initiation (retry after 5 s)
	ip netns exec "$1" ping -c 1 -W 1 -w 12 "$2"
}

# ---- two-namespace interop pairs (test-interop-*.sh, test-xdp-interop.sh) ----
# $A and $B name the namespaces: veth0 with 198.18.0.1-2/24 and 2001:2::1-2/64.
setup_underlay() {
	netns_add $A
	netns_add $B
	ip -n $A link add veth0 type veth peer name veth0 netns $B
	ip -n $A addr add 198.18.0.1/24 dev veth0
	ip -n $B addr add 198.18.0.2/24 dev veth0
	ip -n $A addr add 2001:2::1/64 dev veth0 nodad
	ip -n $B addr add 2001:2::2/64 dev veth0 nodad
	ip -n $A link set veth0 up
	ip -n $B link set veth0 up
}

# transfer_sha MB DST TIMEOUT: MB megabytes from B to A over TCP inside the
# tunnel (A listens on 5001, B connects to DST), sha256 compared; the time
# taken goes to $LOGDIR/transfer.time.
transfer_sha() {
	local mb=$1 dst=$2 secs=$3 src_file=$LOGDIR/payload dst_file=$LOGDIR/received lpid t0 t1
	head -c "${mb}M" /dev/urandom >"$src_file"
	rm -f "$dst_file"
	ip netns exec $A timeout "$secs" socat -u "TCP-LISTEN:5001,reuseaddr" "OPEN:$dst_file,creat,trunc" &
	lpid=$!
	# A fixed sleep loses the race on slow (emulated) machines.
	wait_for "listener in $A" 50 bash -c "ip netns exec $A ss -Hltn | grep -q ':5001 '"
	t0=$(date +%s.%N)
	ip netns exec $B timeout "$secs" socat -u "OPEN:$src_file" "TCP:$dst:5001" || return 1
	wait $lpid || return 1
	t1=$(date +%s.%N)
	echo "# ${mb} MB in $(awk "BEGIN{printf \"%.1f\", $t1 - $t0}") s" >"$LOGDIR/transfer.time"
	[ "$(sha256sum <"$src_file")" = "$(sha256sum <"$dst_file")" ]
}

configure() {	# configure NS IFNAME ADDR_SUFFIX PRIV PEER_PUB PEER_ENDPOINT PEER_SUFFIX
	local ns=$1 ifname=$2 me=$3 priv=$4 peer=$5 ep=$6 other=$7
	ip netns exec "$ns" wg set "$ifname" listen-port 51820 private-key <(echo "$priv") \
		peer "$peer" endpoint "$ep" allowed-ips "100.64.0.$other/32,fd00::$other/128" &&
	ip -n "$ns" addr add "100.64.0.$me/24" dev "$ifname" &&
	ip -n "$ns" addr add "fd00::$me/64" dev "$ifname" nodad &&
	ip -n "$ns" link set "$ifname" up
}

wg_show_fresh() {	# latest handshake within 2 minutes and bytes both ways
	local ns=$1 ifname=$2 now hs rx tx
	now=$(date +%s)
	hs=$(ip netns exec "$ns" wg show "$ifname" latest-handshakes | awk '{print $2}')
	read -r _ rx tx < <(ip netns exec "$ns" wg show "$ifname" transfer)
	[ -n "$hs" ] && [ "$hs" -gt $((now - 120)) ] && [ "$rx" -gt 0 ] && [ "$tx" -gt 0 ]
}
