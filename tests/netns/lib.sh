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
		echo "# ---- $ns: wg show"
		ip netns exec "$ns" wg show all 2>&1 | sed 's/^/#   /'
		for ifc in $(ip -n "$ns" -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
			[ -S "/var/run/wireguard/$ifc.sock" ] && [ -x "$WGX" ] &&
				"$WGX" stats "$ifc" --json 2>/dev/null | sed 's/^/#   /'
		done
		echo "# ---- $ns: ip -s link"
		ip -n "$ns" -s link 2>&1 | sed 's/^/#   /'
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
start_wg() {
	local impl=$1 ns=$2 ifname=$3 mode=${4:-socket} under=${5:-veth0} WAIT_PID=
	case "$impl" in
	wg-xdp)
		ip netns exec "$ns" "$WGX" attach "$under" --name "$ifname" --mode "$mode" \
			--foreground >"$LOGDIR/$ifname.log" 2>&1 &
		PIDS+=($!) WAIT_PID=$!
		;;
	wireguard-go)
		ip netns exec "$ns" env WG_PROCESS_FOREGROUND=1 wireguard-go -f "$ifname" \
			>"$LOGDIR/$ifname.log" 2>&1 &
		PIDS+=($!) WAIT_PID=$!
		;;
	kernel)
		ip -n "$ns" link add "$ifname" type wireguard || return 1
		;;
	*) echo "unknown implementation $impl" >&2; return 1 ;;
	esac
	wait_for "$ifname up in $ns" 100 ip -n "$ns" link show "$ifname" || return 1
	[ "$impl" = kernel ] || wait_for "$ifname uapi" 100 test -S "/var/run/wireguard/$ifname.sock"
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
