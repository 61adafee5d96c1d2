# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# One topology library for the netns tests (tests/netns/lib.sh), the
# benchmark (scripts/bench.sh) and the demo (scripts/demo.sh): namespaces that
# are deleted on any exit, the underlay veth pair, starting a WireGuard
# implementation in a namespace and waiting for its UAPI, configuring a peer,
# and tearing everything down.
#
#   ns $A                                  ns $B
#  +------------------------------+       +------------------------------+
#  | IFNAME  100.64.0.1 fd00::1   |       | IFNAME  100.64.0.2 fd00::2   |
#  | veth0   198.18.0.1/24        +-------+ veth0   198.18.0.2/24        |
#  |         2001:2::1/64         |       |         2001:2::2/64         |
#  +------------------------------+       +------------------------------+
#  (underlay inside 198.18.0.0/15 and 2001:2::/48, RFC 2544 / RFC 5180
#  benchmarking ranges; inner addresses from 100.64.0.0/10 and fd00::/8)
#
# Usage: set -u; . tests/lib/topo.sh; topo_init NAME. Everything made through
# netns_add and start_wg is recorded (NETNS_LIST, PIDS) and undone by
# teardown_all (between parts) and by the EXIT trap (also on failure or ^C).
# Callers name their namespaces wgx-*. Implementations: wg-xdp (WGX),
# wireguard-go (Debian's), wireguard-go-upstream (WGX_WGGO_UP, built by
# scripts/bench.sh from the anchor), kernel.
# topo_note is called with each command before it runs (a no-op; the demo
# prints them).

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
WGX=${WGX:-$TOP/build/wg-xdp}
WGX_WGGO_UP=${WGX_WGGO_UP:-$TOP/build/wireguard-go-upstream}
TOOL=$TOP/tests/lib/tool.py
NETNS_LIST=()
PIDS=()
WG_PID=''	# the daemon start_wg started last
LOGDIR=${LOGDIR:-}

topo_note() { :; }
topo_do() { topo_note "$@"; "$@"; }	# topo_do CMD...: note it, run it

# topo_init NAME: LOGDIR (a fresh /tmp/wgx-NAME.*), cleanup on every exit.
topo_init() {
	LOGDIR=$(mktemp -d "/tmp/wgx-$1.XXXXXX")
	trap topo_exit EXIT
	trap 'exit 130' INT TERM
}

topo_exit() {
	teardown_all
	rm -rf "$LOGDIR"
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

netns_add() {	# netns_add NS: a namespace with lo up, deleted by teardown_all
	topo_do ip netns add "$1" || return 1
	NETNS_LIST+=("$1")
	ip -n "$1" link set lo up
}

# setup_underlay [NS_A NS_B]: both namespaces (default $A $B) joined by veth0,
# 198.18.0.1-2/24 and 2001:2::1-2/64, up. UNDERLAY_QUEUES=N: N TX and RX
# queues on both ends.
setup_underlay() {
	local a=${1:-$A} b=${2:-$B} q=()
	[ -z "${UNDERLAY_QUEUES:-}" ] || q=(numtxqueues "$UNDERLAY_QUEUES" numrxqueues "$UNDERLAY_QUEUES")
	netns_add "$a" && netns_add "$b" &&
	topo_do ip -n "$a" link add veth0 "${q[@]}" type veth peer name veth0 "${q[@]}" netns "$b" &&
	topo_do ip -n "$a" addr add 198.18.0.1/24 dev veth0 &&
	topo_do ip -n "$b" addr add 198.18.0.2/24 dev veth0 &&
	topo_do ip -n "$a" addr add 2001:2::1/64 dev veth0 nodad &&
	topo_do ip -n "$b" addr add 2001:2::2/64 dev veth0 nodad &&
	topo_do ip -n "$a" link set veth0 up && topo_do ip -n "$b" link set veth0 up
}

# veth_loop NS: a new namespace NS with veth0 <-> veth1 inside, both up (a
# scratch underlay for probes and single-daemon measurements).
veth_loop() {
	netns_add "$1" && ip -n "$1" link add veth0 type veth peer name veth1 &&
		ip -n "$1" link set veth0 up && ip -n "$1" link set veth1 up
}

impl_available() {	# impl_available IMPL: exit 0 or print why not
	case "$1" in
	wg-xdp) [ -x "$WGX" ] || { echo "$WGX not built"; return 1; } ;;
	wireguard-go) command -v wireguard-go >/dev/null || { echo "wireguard-go not installed"; return 1; } ;;
	wireguard-go-upstream) [ -x "$WGX_WGGO_UP" ] || { echo "$WGX_WGGO_UP not built"; return 1; } ;;
	kernel)
		ip link add wgx-probe$$ type wireguard 2>/dev/null || { echo "no WireGuard kernel module"; return 1; }
		ip link del wgx-probe$$ ;;
	*) echo "unknown implementation $1"; return 1 ;;
	esac
}

# start_wg IMPL NS IFNAME [MODE [UNDERLAY_IF]]: bring up a WireGuard interface
# named IFNAME in NS with no configuration yet (configure with `wg`), and
# wait until its UAPI answers. WG_PID is the daemon's pid (empty for kernel),
# its output goes to $LOGDIR/IFNAME.log. Per-call options, in the environment:
# START_ENV (VAR=value words), START_CONFIG (a wg setconf file, wg-xdp),
# START_CPU (taskset -c), START_ARGS (more wg-xdp attach options, after
# $WGX_ATTACH_ARGS), START_NOWAIT (the caller waits, e.g. for many at once).
# wg-xdp in xdp mode runs the XSK path (--path ${WGX_PATH:-xsk}) unless the
# options name one: the default, auto, takes the socket path on a veth, and
# test-xdp-path.sh covers that.
start_wg() {
	local impl=$1 ns=$2 ifname=$3 mode=${4:-socket} under=${5:-veth0} WAIT_PID='' pre=() cmd
	[ -z "${START_CPU:-}" ] || pre=(taskset -c "$START_CPU")
	WG_PID=
	case "$impl" in
	wg-xdp)
		# shellcheck disable=SC2206 # option lists are words
		cmd=("$WGX" attach "$under" --name "$ifname" --mode "$mode"
			${START_CONFIG:+--config "$START_CONFIG"} ${WGX_ATTACH_ARGS:-} ${START_ARGS:-} --foreground)
		[ "$mode" != xdp ] || [[ "${WGX_ATTACH_ARGS:-} ${START_ARGS:-}" == *--path* ]] ||
			cmd+=(--path "${WGX_PATH:-xsk}") ;;
	wireguard-go) cmd=(wireguard-go -f "$ifname") ;;
	wireguard-go-upstream) cmd=("$WGX_WGGO_UP" -f "$ifname") ;;
	kernel)
		topo_do ip -n "$ns" link add "$ifname" type wireguard || return 1 ;;
	*) echo "unknown implementation $impl" >&2; return 1 ;;
	esac
	if [ "$impl" != kernel ]; then
		topo_note ip netns exec "$ns" "${pre[@]}" "${cmd[@]}" "&"
		# shellcheck disable=SC2086 # START_ENV is a list of VAR=value words
		ip netns exec "$ns" "${pre[@]}" env WG_PROCESS_FOREGROUND=1 ${START_ENV:-} "${cmd[@]}" \
			>>"$LOGDIR/$ifname.log" 2>&1 &
		# shellcheck disable=SC2034 # WG_PID: read by the sourcing scripts
		PIDS+=($!) WAIT_PID=$! WG_PID=$!
	fi
	[ -z "${START_NOWAIT:-}" ] || return 0
	wait_for "$ifname up in $ns" 100 ip -n "$ns" link show "$ifname" || return 1
	# The UAPI answering, not just its socket file there: after a kill -9 the
	# dead daemon's socket file and (XDP mode) tunnel veth are still around
	# while the new daemon replaces them.
	[ "$impl" = kernel ] || wait_for "$ifname uapi" 100 wg show "$ifname"
}

genkey() { wg genkey; }
pubkey() { echo "$1" | wg pubkey; }

# wg_side NS IFNAME ME PRIV PEER_PUB "PEER_OPTS" OTHER: listen port 51820, key
# (PRIV: a key, or a file holding one), one peer allowed 100.64.0.OTHER/32
# and fd00::OTHER/128 with PEER_OPTS (wg words, e.g. "endpoint 198.18.0.2:51820"),
# addresses 100.64.0.ME/24 and fd00::ME/64, link up.
wg_side() {
	local ns=$1 ifname=$2 me=$3 priv=$4 peer=$5 opts=$6 other=$7 key
	key=$priv
	[ -f "$priv" ] || { key=$LOGDIR/$ifname.key; (umask 077; echo "$priv" >"$key"); }
	# shellcheck disable=SC2086 # opts is a list of wg words
	topo_do ip netns exec "$ns" wg set "$ifname" listen-port 51820 private-key "$key" \
		peer "$peer" $opts allowed-ips "100.64.0.$other/32,fd00::$other/128" &&
	topo_do ip -n "$ns" addr add "100.64.0.$me/24" dev "$ifname" &&
	topo_do ip -n "$ns" addr add "fd00::$me/64" dev "$ifname" nodad &&
	topo_do ip -n "$ns" link set "$ifname" up
}

configure() {	# configure NS IFNAME ADDR_SUFFIX PRIV PEER_PUB PEER_ENDPOINT PEER_SUFFIX
	wg_side "$1" "$2" "$3" "$4" "$5" "endpoint $6" "$7"
}

# stop_pids PID...: SIGTERM, up to 3 s to exit (wg-xdp undoes its interface,
# pins and sockets), then SIGKILL.
stop_pids() {
	local pid n
	for pid in "$@"; do kill "$pid" 2>/dev/null; done
	for pid in "$@"; do
		n=30
		while [ $n -gt 0 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
}

# teardown_all: stop every daemon and delete every namespace made so far
# (between the parts of a test; the EXIT trap does the same at the end).
teardown_all() {
	local ns
	stop_pids "${PIDS[@]}"
	for ns in "${NETNS_LIST[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	PIDS=() NETNS_LIST=()
}

# wgx_probe ATTACH_ARGS...: print why `wg-xdp attach veth0 ATTACH_ARGS` cannot
# run here (e.g. --mode xdp on a kernel or build without it), or nothing.
wgx_probe() {
	local ns=wgx-probe-$$-$RANDOM ifn=wgxprobe$$ out rc
	[ -x "$WGX" ] || { echo "$WGX not built"; return; }
	ip netns add "$ns" 2>/dev/null || { echo "cannot create a namespace"; return; }
	ip -n "$ns" link add veth0 type veth peer name veth1 && ip -n "$ns" link set veth0 up &&
		ip -n "$ns" link set veth1 up
	# Without --foreground, attach returns once everything is ready, or fails.
	out=$(ip netns exec "$ns" timeout 10 "$WGX" attach veth0 --name "${ifn:0:15}" "$@" 2>&1)
	rc=$?
	ip netns exec "$ns" "$WGX" detach "${ifn:0:15}" >/dev/null 2>&1
	ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del "$ns"
	[ $rc -eq 0 ] ||
		echo "wg-xdp attach $* unsupported here: $(echo "${out:-exit $rc}" | tail -1 | sed 's/^wg-xdp: //; s/^error: //')"
}

json_get() {	# json_get FILE|- EXPR [DEFAULT]: EXPR over d = the JSON document (tool.py json)
	python3 "$TOOL" json "$@"
}

calc() { awk "BEGIN { printf \"%.6g\\n\", $* }"; }	# calc EXPR: arithmetic for shells
