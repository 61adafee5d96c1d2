#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make bench`: the same two-namespace topology for every system, measured in
# one run, written to tests/bench/results/ as JSON, markdown tables (ratios
# against Debian's wireguard-go, upstream wireguard-go and raw veth) and a PNG
# plot. `make profile`: perf profiles of the wg-xdp daemons (XDP and socket
# mode) under a TCP stream, as folded stacks plus a per-step summary.
#
#   wgx-bench-aPID (pinned: CPU 0)             wgx-bench-bPID (pinned: CPU 1)
#   daemon A, iperf3 client, ping              daemon B, iperf3 server
#   tunnel 100.64.0.1/24  (MTU 1420)           tunnel 100.64.0.2/24
#   veth0 198.18.0.1/24 ---------------------- veth0 198.18.0.2/24  (MTU 1500)
#
# Systems: raw veth (no tunnel: the ceiling), wireguard-go <-> wireguard-go
# (Debian's), wggo-up <-> wggo-up (upstream wireguard-go with its TSO/GRO
# offloads, built on demand from ../shared/anchors/wireguard-go or
# $WGX_ANCHORS/wireguard-go into build/wireguard-go-upstream), wg-xdp socket
# <-> socket, wg-xdp xdp <-> xdp (--path auto: the socket path on a veth),
# xdp --path xsk (AF_XDP), xdp --realtime, kernel <-> kernel; a system
# that cannot run here is reported "n/a (reason)", never silently dropped.
# Every data-path figure is measured twice per repetition: pinned (each side's
# daemon and tools on one CPU with taskset) and unpinned (no taskset: what a
# user of a 2-core box gets); the order of the systems rotates between
# repetitions.
#
# Usage: scripts/bench.sh [--quick] [--profile] [--out DIR] [--systems "a b ..."] [--peers "N ..."]
#                         [--no-data] [--pinned-only | --unpinned-only]
#   --quick    1 repetition, short runs, 10k peers only, no --realtime and no
#              --path xsk column unless --systems names them (it says how long)
#   --profile  only the perf profile (make profile)
#   --no-data  skip the data-path figures (handshake, start-up, RSS only)
#   --peers    peer counts for the RSS figures (default 10000 100000, 3 runs
#              each, and 1000000 once)
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$TOP/tests/lib/topo.sh"
BENCH_HS=$TOP/build/tests/bench/bench_handshake
ANCHORS=${WGX_ANCHORS:-$TOP/../shared/anchors}
OUT=$TOP/tests/bench/results
QUICK=0 PROFILE=0 PEERS_ARG='' NODATA=0 SYSTEMS_ARG='' PINNINGS="pinned unpinned"
SYSTEMS="raw wggo wggo-up wgx-socket wgx-xdp wgx-xdp-xsk wgx-xdp-rt kernel"
usage="usage: $0 [--quick] [--profile] [--out DIR] [--systems LIST] [--peers LIST] [--no-data] [--pinned-only|--unpinned-only]"
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) QUICK=1 ;;
	--profile) PROFILE=1 ;;
	--out) OUT=$2; shift ;;
	--systems) SYSTEMS_ARG=$2; shift ;;
	--peers) PEERS_ARG=$2; shift ;;
	--no-data) NODATA=1 ;;
	--pinned-only) PINNINGS=pinned ;;
	--unpinned-only) PINNINGS=unpinned ;;
	*) echo "$usage" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (network namespaces)"; exit 1; }
for c in iperf3 wg wireguard-go taskset python3 ping ethtool; do
	command -v $c >/dev/null || { echo "bench: $c not installed (make deps)"; exit 1; }
done

if [ $QUICK -eq 1 ]; then
	REPS=1 T_TCP=2 T_UDP=1 PINGS=50 IDLE_S=3 IDLE_WIN=1 PEERS="10000" PEERS_ONCE='' HS_REPS=1 PAUSE=0.2
	SYSTEMS=${SYSTEMS/ wgx-xdp-xsk/}
	SYSTEMS=${SYSTEMS/ wgx-xdp-rt/}
else
	REPS=3 T_TCP=10 T_UDP=5 PINGS=500 IDLE_S=30 IDLE_WIN=3 PEERS="10000 100000" PEERS_ONCE=1000000 HS_REPS=3 PAUSE=1
fi
[ -n "$PEERS_ARG" ] && PEERS=$PEERS_ARG PEERS_ONCE=''
[ -n "$SYSTEMS_ARG" ] && SYSTEMS=$SYSTEMS_ARG
UDP_SIZES="64 512 1392"	# 1392 = largest UDP payload in one 1420-byte tunnel packet
NCPU=$(nproc)
if [ "$NCPU" -ge 2 ]; then CPU_A=0 CPU_B=1; else CPU_A=0 CPU_B=0; fi
CLK_TCK=$(getconf CLK_TCK)

A=wgx-bench-a$$ B=wgx-bench-b$$ R=wgx-bench-r$$
IFA=wgxba$$ IFB=wgxbb$$ IFR=wgxbr$$
topo_init bench
WORK=$LOGDIR
RAW=$WORK/samples.tsv	# run (pinned|unpinned|control) <TAB> system <TAB> metric <TAB> value
NA=$WORK/na.tsv		# scope (all|pinned|unpinned) <TAB> system <TAB> reason
: >"$RAW"; : >"$NA"; : >"$WORK/na-metrics.tsv"; : >"$WORK/offloads.tsv"
PIN=pinned	# the run being measured: pinned or unpinned

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
sample() { printf '%s\t%s\t%s\t%s\n' "$PIN" "$1" "$2" "$3" >>"$RAW"; }
cputicks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
now_ns() { date +%s%N; }
is_na() { grep -q "^all	$1	" "$NA"; }	# is_na SYS: SYS cannot run here at all

cleanup() {
	topo_exit
	rm -f "/var/run/wireguard/$IFA.sock" "/var/run/wireguard/$IFB.sock" "/var/run/wireguard/$IFR.sock"
}
trap cleanup EXIT

# cpu_of CPU: CPU when the run is pinned, nothing when it is not.
cpu_of() { [ "$PIN" != unpinned ] && echo "$1"; }
# in_ns NS CPU cmd...: cmd in NS, under taskset -c CPU when the run is pinned.
in_ns() {
	local ns=$1 cpu=$2; shift 2
	if [ "$PIN" != unpinned ]; then ip netns exec "$ns" taskset -c "$cpu" "$@"; else ip netns exec "$ns" "$@"; fi
}

# ---- systems ----
# sys_impl SYS: the start_wg implementation behind a bench system.
sys_impl() {
	case "$1" in
	wggo) echo wireguard-go ;;
	wggo-up) echo wireguard-go-upstream ;;
	wgx-*) echo wg-xdp ;;
	kernel) echo kernel ;;
	esac
}

# wgx_args SYS: attach options of a wg-xdp system: wgx-MODE[-rt], where -rt
# runs it with --realtime (the data plane at SCHED_FIFO 1); wgx-xdp is XDP
# mode as users get it (--path auto: the socket path on a veth), wgx-xdp-xsk
# its AF_XDP path.
wgx_args() {
	local m=${1#wgx-}
	case "$m" in
	xdp-xsk) echo "--mode xdp --path xsk" ;;
	xdp-rt) echo "--mode xdp --path auto --realtime" ;;
	xdp) echo "--mode xdp --path auto" ;;
	*-rt) echo "--mode ${m%-rt} --realtime" ;;
	*) echo "--mode $m" ;;
	esac
}

# wggo_up_build: build/wireguard-go-upstream from the anchor (once; again when
# the anchor changes); prints why not when it cannot.
wggo_up_build() {
	local anchor=$ANCHORS/wireguard-go
	if [ -x "$WGX_WGGO_UP" ] && { [ ! -d "$anchor" ] || [ -z "$(find "$anchor" -newer "$WGX_WGGO_UP")" ]; }; then
		return 0
	fi
	[ -x "$anchor/build.sh" ] || { echo "no upstream wireguard-go: $anchor/build.sh not found (set WGX_ANCHORS)"; return 1; }
	log "wggo-up: building upstream wireguard-go from $anchor"
	"$anchor/build.sh" "$WGX_WGGO_UP" >"$WORK/wggo-up-build.log" 2>&1 ||
		{ echo "build from $anchor failed: $(tail -1 "$WORK/wggo-up-build.log")"; return 1; }
}

# If SYS cannot run here, print why and return 0; return 1 when it can.
unavailable() {
	local why
	case "$1" in
	raw) return 1 ;;
	wggo-up) why=$(wggo_up_build) || { echo "$why"; return 0; } ;;
	wgx-*)
		why=$(impl_available wg-xdp) || { echo "$why"; return 0; }
		# shellcheck disable=SC2046 # wgx_args prints option words
		why=$(wgx_probe $(wgx_args "$1"))
		[ -z "$why" ] || { echo "$why"; return 0; }
		return 1 ;;
	esac
	why=$(impl_available "$(sys_impl "$1")") || { echo "$why"; return 0; }
	return 1
}

# start_daemon SYS NS IFNAME CPU: one WireGuard daemon (on CPU when pinned); sets DPID.
start_daemon() {
	local sys=$1 mode=socket args=''
	case "$sys" in
	wgx-*) args=$(wgx_args "$sys") mode=${args#--mode } mode=${mode%% *} args=${args#--mode "$mode"} ;;
	esac
	START_CPU=$(cpu_of "$4") START_ARGS=$args start_wg "$(sys_impl "$sys")" "$2" "$3" "$mode" || return 1
	DPID=$WG_PID
}

# offloads SYS NS IFNAME: log (once per system) what ethtool -k says of the
# tunnel interface's segmentation and receive offloads.
offloads() {
	local line
	grep -q "^$1	" "$WORK/offloads.tsv" && return
	line=$(ip netns exec "$2" ethtool -k "$3" 2>/dev/null |
		awk -F': ' '/^(tcp-segmentation-offload|generic-receive-offload|tx-udp-segmentation|rx-gro-list):/ {printf "%s%s: %s", (n++ ? ", " : ""), $1, $2}')
	log "$1: ethtool -k $3: ${line:-no answer}"
	printf '%s\t%s\n' "$1" "${line:-ethtool -k: no answer}" >>"$WORK/offloads.tsv"
}

# Bring SYS up between A and B; sets DST (the address iperf3/ping aim at),
# PID_A, PID_B (daemon pids, empty for raw/kernel).
setup_system() {
	local sys=$1 ka kb
	setup_underlay "$A" "$B" || return 1
	PID_A='' PID_B=''
	if [ "$sys" = raw ]; then DST=198.18.0.2; return 0; fi
	DST=100.64.0.2
	start_daemon "$sys" "$A" "$IFA" $CPU_A || return 1
	PID_A=$DPID
	start_daemon "$sys" "$B" "$IFB" $CPU_B || return 1
	PID_B=$DPID
	ka=$(genkey) kb=$(genkey)
	configure "$A" "$IFA" 1 "$ka" "$(pubkey "$kb")" 198.18.0.2:51820 2 &&
	configure "$B" "$IFB" 2 "$kb" "$(pubkey "$ka")" 198.18.0.1:51820 1 || return 1
	ip -n "$A" link set "$IFA" mtu 1420 && ip -n "$B" link set "$IFB" mtu 1420 || return 1
	offloads "$sys" "$A" "$IFA"
	wait_for "$sys tunnel" 100 ip netns exec "$A" ping -c 1 -W 1 "$DST"
}

teardown_system() { teardown_all; }

in_a() { in_ns "$A" $CPU_A "$@"; }

start_server() {
	in_ns "$B" $CPU_B iperf3 -s >/dev/null 2>&1 &
	PIDS+=($!)
	wait_for "iperf3 server" 50 tcp_listening_b
}
tcp_listening_b() { ip netns exec "$B" ss -Hltn 'sport = :5201' | grep -q .; }

# ---- measurements: each appends samples ----
tcp_run() {	# tcp_run SYS STREAMS: one run; 1 stream also gives CPU per GB
	local sys=$1 n=$2 j=$WORK/tcp.json a0 b0 a1 b1 bytes
	a0=$(cputicks "$PID_A") b0=$(cputicks "$PID_B")
	in_a iperf3 -c "$DST" -t $T_TCP -P "$n" -J >"$j" 2>/dev/null || { log "$sys: iperf3 TCP -P $n failed"; return 1; }
	a1=$(cputicks "$PID_A") b1=$(cputicks "$PID_B")
	sample "$sys" "tcp_${n}_gbps" "$(json_get "$j" "d['end']['sum_received']['bits_per_second'] / 1e9")"
	bytes=$(json_get "$j" "d['end']['sum_received']['bytes']")
	if [ "$n" = 1 ] && [ -n "$PID_A" ]; then
		sample "$sys" cpu_s_per_gb "$(calc "($a1 - $a0 + $b1 - $b0) / $CLK_TCK / ($bytes / 1e9)")"
	fi
}

udp_run() {	# udp_run SYS SIZE: received packets/s at the iperf3 server
	local sys=$1 size=$2 j=$WORK/udp.json
	in_a iperf3 -c "$DST" -u -b 0 -l "$size" -t $T_UDP -J >"$j" 2>/dev/null || { log "$sys: iperf3 UDP -l $size failed"; return 1; }
	sample "$sys" "udp_${size}_kpps" \
		"$(json_get "$j" "d['end']['sum_received']['bytes'] / $size / d['end']['sum_received']['seconds'] / 1e3")"
}

ping_run() {	# ping_run SYS idle|loaded: p50/p99 RTT (ms) of PINGS pings 10 ms apart
	local sys=$1 what=$2 lpid='' out=$WORK/ping.txt p50 p99
	if [ "$what" = loaded ]; then
		in_a iperf3 -c "$DST" -t $((PINGS / 100 + 2)) >/dev/null 2>&1 &
		lpid=$!
		sleep 1
	fi
	in_a ping -n -c $PINGS -i 0.01 -W 1 "$DST" >"$out" 2>&1
	[ -n "$lpid" ] && wait $lpid
	read -r p50 p99 < <(python3 "$TOOL" ping-stats "$out")
	[ -n "${p99:-}" ] || return 1
	sample "$sys" "ping_${what}_p50_ms" "$p50"
	sample "$sys" "ping_${what}_p99_ms" "$p99"
}

idle_run() {	# mean CPU% of the two daemons, IDLE_WIN windows over IDLE_S seconds
	local sys=$1 w a0 b0 win
	win=$(calc "$IDLE_S / $IDLE_WIN")
	sleep $PAUSE
	for ((w = 0; w < IDLE_WIN; w++)); do
		a0=$(cputicks "$PID_A") b0=$(cputicks "$PID_B")
		sleep "$win"
		sample "$sys" idle_cpu_pct \
			"$(calc "($(cputicks "$PID_A") - $a0 + $(cputicks "$PID_B") - $b0) / $CLK_TCK / $win * 100 / 2")"
	done
}

# measure_rep SYS REP: one repetition of every data-path figure of SYS in
# the current run (PIN); the idle CPU once, after the last repetition.
measure_rep() {
	local sys=$1 rep=$2 s why
	log "$sys ($PIN): rep $((rep + 1))/$REPS"
	if ! setup_system "$sys" || ! start_server; then
		why="setup failed: $(tail -1 "$WORK/$IFA.log" 2>/dev/null)"
		log "$sys ($PIN): n/a ($why)"; printf '%s\t%s\t%s\n' "$PIN" "$sys" "$why" >>"$NA"
		teardown_system; return
	fi
	# Idle ping first and a pause after each load: queues left full by
	# a flood would otherwise show up in the next figure.
	ping_run "$sys" idle; sleep $PAUSE
	tcp_run "$sys" 1; sleep $PAUSE
	tcp_run "$sys" 4; sleep $PAUSE
	ping_run "$sys" loaded; sleep $PAUSE
	for s in $UDP_SIZES; do udp_run "$sys" "$s"; sleep $PAUSE; done
	[ -n "$PID_A" ] && [ "$rep" -eq $((REPS - 1)) ] && idle_run "$sys"
	teardown_system
}

# measure_data: REPS repetitions; in each, every available system in both runs
# (pinned, unpinned), the systems' order rotated by one per repetition.
measure_data() {
	local sys r i order avail=()
	for sys in $SYSTEMS; do
		is_na "$sys" || avail+=("$sys")
	done
	for ((r = 0; r < REPS; r++)); do
		order=()
		for ((i = 0; i < ${#avail[@]}; i++)); do order+=("${avail[(i + r) % ${#avail[@]}]}"); done
		for sys in "${order[@]}"; do
			for PIN in $PINNINGS; do measure_rep "$sys" "$r"; done
		done
	done
	PIN=pinned
}

# ---- per-implementation figures outside the data path ----
CHUNK=100000	# peers per UAPI request: 1M peers is ~110 MB, over wg-xdp's 64 MB request cap

# wg setconf/addconf files with N random peers in CHUNK-peer pieces
# (peers-N.0.conf has the [Interface]); no endpoints: nothing to contact.
gen_peers() { python3 "$TOOL" gen-peers "$1" "$CHUNK" "$WORK/peers-$1"; }

# A figure SYS cannot produce: shown as "n/a (reason)" in its cell.
metric_na() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$WORK/na-metrics.tsv"; }

rss_run() {	# rss_run SYS N: RSS per configured peer, total, and configuration time
	local sys=$1 n=$2 before after t0 t1 f op=setconf why='' got=0
	if veth_loop "$R" && start_daemon "$sys" "$R" "$IFR" $CPU_A; then
		sleep 0.3
		before=$(rss_kb "$DPID")
		t0=$(now_ns)
		for f in "$WORK/peers-$n".*.conf; do
			ip netns exec $R timeout 600 wg $op $IFR "$f" 2>"$WORK/setconf.err" ||
				{ why="wg $op failed"; break; }
			op=addconf
		done
		t1=$(now_ns)
		sleep 0.5
		after=$(rss_kb "$DPID")
		got=$(ip netns exec $R wg show $IFR peers | wc -l)
		[ -z "$why" ] && [ "$got" != "$n" ] && why="$got peers configured"
		if [ -z "$why" ]; then
			sample "$sys" "rss_per_peer_${n}_b" "$(((after - before) * 1024 / n))"
			sample "$sys" "rss_total_${n}_mb" "$(calc "$after / 1024")"
			sample "$sys" "setconf_${n}_s" "$(calc "($t1 - $t0) / 1e9")"
		fi
	else
		why="daemon did not start"
	fi
	if [ -n "$why" ]; then	# the daemon's own words say why, e.g. wireguard-go's peer cap
		grep -q "too many peers" "$WORK/$IFR.log" 2>/dev/null &&
			why="refused after $got: 'too many peers' (wireguard-go's cap is 65536)"
		log "$sys: $n peers: $why"
		metric_na "$sys" "rss_per_peer_${n}_b" "$why"
	fi
	teardown_all
	[ -z "$why" ]
}

ready_run() {	# ready_run SYS: ms from launching the daemon until `wg show` answers
	local sys=$1 t0 t1
	veth_loop "$R" || return 1
	t0=$(now_ns)
	case "$sys" in
	wggo) ip netns exec $R wireguard-go $IFR >/dev/null 2>&1 ;;	# forks, returns
	wggo-up) ip netns exec $R "$WGX_WGGO_UP" $IFR >/dev/null 2>&1 ;;
	wgx-*)	# shellcheck disable=SC2046 # wgx_args prints option words
		ip netns exec $R "$WGX" attach veth0 --name $IFR $(wgx_args "$sys") >/dev/null 2>&1 ;;
	esac
	# 5 ms polls: wireguard-go's parent returns before its UAPI socket exists
	local n=1000
	while ! ip netns exec $R wg show $IFR >/dev/null 2>&1 && [ $n -gt 0 ]; do sleep 0.005; n=$((n - 1)); done
	t1=$(now_ns)
	[ $n -gt 0 ] && sample "$sys" ready_ms "$(calc "($t1 - $t0) / 1e6")"
	[ "${sys%%-*}" = wgx ] && ip netns exec $R "$WGX" detach $IFR >/dev/null 2>&1
	teardown_all	# the wireguard-go daemons go with their namespace
	rm -f /var/run/wireguard/$IFR.sock
}

measure_control() {
	local sys r n hs hs_systems=''
	PIN=control
	for sys in wgx-socket wgx-xdp; do	# one protocol core for both modes
		[[ " $SYSTEMS " = *" $sys "* ]] && hs_systems+=" $sys"
	done
	if [ -x "$BENCH_HS" ]; then
		for ((r = 0; r < HS_REPS; r++)); do
			hs=$("$BENCH_HS" | awk '/consume\+respond\)/ {print $2}')
			[ -n "$hs" ] || continue
			for sys in $hs_systems; do sample "$sys" handshake_per_s "$hs"; done
		done
	else
		log "handshakes: $BENCH_HS not built (make bench builds it)"
		for sys in $hs_systems; do
			metric_na "$sys" handshake_per_s "bench_handshake not built (run make bench)"
		done
	fi
	for n in $PEERS $PEERS_ONCE; do gen_peers "$n"; done
	for sys in $SYSTEMS; do
		case "$sys" in raw | kernel | *-rt) continue ;; esac	# -rt: same memory as its mode
		is_na "$sys" && continue
		log "$sys: attach-to-ready time, RSS per peer ($PEERS peers)"
		for ((r = 0; r < (QUICK ? 3 : 5); r++)); do ready_run "$sys"; done
		for n in $PEERS; do	# a size that fails once fails every time
			for ((r = 0; r < REPS; r++)); do rss_run "$sys" "$n" || break; done
		done
		for n in $PEERS_ONCE; do log "$sys: RSS with $n peers (one run)"; rss_run "$sys" "$n"; done
	done
}

machine_json() {
	python3 "$TOOL" machine-json "$QUICK" "$REPS" "pinned: side A (daemon, iperf3 client, ping) on CPU $CPU_A, side B (daemon, iperf3 server) on CPU $CPU_B (taskset); unpinned: no taskset, the order of the systems rotated between repetitions; kernel softirq work wherever the kernel runs it"
}

# ---- profile (make profile) ----
# Folded stacks on stdin -> % of samples per the 3 frames under the event
# loop $1 (wgx_loop_run, or a crypto worker_main).
by_step() {
	awk -v loop="$1" '{ n = $NF; t += n; k = "(outside the event loop)"
	       m = split($1, a, ";")
	       for (i = 1; i <= m; i++) if (a[i] == loop || a[i] == "worker_main") { k = a[i] ";" a[i+1] ";" a[i+2] ";" a[i+3]; break }
	       c[k] += n }
	     END { for (k in c) if (100 * c[k] / t >= 0.5) printf "%5.1f%%  %s\n", 100 * c[k] / t, k }' | sort -rn
}

# profile SYS: perf profiles of both daemons of SYS under one TCP stream.
profile_system() {
	local sys=$1 secs=${PROFILE_SECS:-8} why
	if why=$(unavailable "$sys"); then echo "bench: profile: $sys n/a: $why"; return 1; fi
	if ! setup_system "$sys" || ! start_server; then
		echo "bench: profile: $sys: setup failed"; teardown_system; return 1
	fi
	in_a iperf3 -c "$DST" -t $((secs + 3)) >"$WORK/iperf.txt" 2>&1 &
	local ipid=$!
	sleep 1
	# cpu-clock: a software event, works in VMs without a PMU; DWARF unwinding
	# because the build has no frame pointers.
	perf record -q -e cpu-clock -F 499 --call-graph dwarf,16384 -p "$PID_A" -o "$WORK/a.data" -- sleep "$secs" 2>/dev/null &
	local pa=$!
	perf record -q -e cpu-clock -F 499 --call-graph dwarf,16384 -p "$PID_B" -o "$WORK/b.data" -- sleep "$secs" 2>/dev/null
	wait $pa; wait $ipid
	local side data name
	for side in sender:a receiver:b; do
		data=$WORK/${side#*:}.data
		name=$OUT/profile-$sys-${side%:*}
		perf script -i "$data" 2>/dev/null | awk -f "$TOP/tests/bench/stackcollapse.awk" |
			sort -t' ' -k2,2nr >"$name.folded"
		{
			echo "# $side side: share of samples by the daemon's call below its event loop"
			by_step wgx_loop_run <"$name.folded"
			echo "# self time by symbol"
			perf report -i "$data" --stdio --no-children --sort dso,symbol --percent-limit 1 -g none 2>/dev/null |
				grep -v '^#' | grep -v '^$' | head -40
			echo "# self + children by symbol"
			perf report -i "$data" --stdio --children --sort symbol --percent-limit 3 -g none 2>/dev/null |
				grep -v '^#' | grep -v '^$' | head -40
		} >"$name.txt"
	done
	grep -h receiver "$WORK/iperf.txt" | tail -1 | sed "s/^/bench: profile $sys load: /"
	teardown_system
	echo "bench: profiles in $OUT/profile-$sys-{sender,receiver}.{folded,txt}"
}

profile() {	# both modes; SYSTEMS (--systems) narrows it
	local sys rc=0
	command -v perf >/dev/null || { echo "bench: perf not installed (apt-get install linux-perf)"; exit 1; }
	mkdir -p "$OUT"
	for sys in wgx-xdp wgx-xdp-xsk wgx-socket; do
		[[ " $SYSTEMS " = *" $sys "* ]] || continue
		profile_system "$sys" || rc=1
	done
	return $rc
}

export WGX WGX_WGGO_UP
if [ $PROFILE -eq 1 ]; then profile; exit $?; fi

mkdir -p "$OUT"
START=$(date +%s)
machine_json >"$WORK/machine.json"
log "reps $REPS ($PINNINGS), TCP ${T_TCP}s, UDP ${T_UDP}s, $PINGS pings, idle ${IDLE_S}s, peers $PEERS ${PEERS_ONCE:+(and $PEERS_ONCE once)}; CPUs A=$CPU_A B=$CPU_B when pinned"
for sys in $SYSTEMS; do
	if why=$(unavailable "$sys"); then
		log "$sys: n/a ($why)"; printf 'all\t%s\t%s\n' "$sys" "$why" >>"$NA"
	fi
done
machine_json >"$WORK/machine.json"	# again: wggo-up's version once it is built
[ $NODATA -eq 1 ] || measure_data
measure_control
took=$(($(date +%s) - START))
log "done in $took s"
[ $QUICK -eq 0 ] || [ $took -le 150 ] ||
	log "--quick took $took s, more than its ~2 minutes: every data-path figure runs pinned and unpinned (--pinned-only halves it)"
python3 "$TOP/tests/bench/report.py" "$RAW" "$NA" "$WORK/machine.json" "$OUT" $((QUICK)) \
	"$WORK/na-metrics.tsv" "$WORK/offloads.tsv" "$took"
