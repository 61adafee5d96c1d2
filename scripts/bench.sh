#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make bench`: the same two-namespace topology for every system, measured in
# one run, written to tests/bench/results/ as JSON, a markdown table (ratios
# against wireguard-go and raw veth) and a PNG plot. `make profile`: perf
# profiles of the wg-xdp daemons (XDP and socket mode) under a TCP stream, as
# folded stacks plus a per-step summary.
#
#   wgx-bench-aPID (CPU 0)                     wgx-bench-bPID (CPU 1)
#   daemon A, iperf3 client, ping              daemon B, iperf3 server
#   tunnel 100.64.0.1/24  (MTU 1420)           tunnel 100.64.0.2/24
#   veth0 198.18.0.1/24 ---------------------- veth0 198.18.0.2/24  (MTU 1500)
#
# Systems: raw veth (no tunnel: the ceiling), wireguard-go <-> wireguard-go,
# wg-xdp socket <-> socket, wg-xdp xdp <-> xdp, kernel <-> kernel; a system
# that cannot run here is reported "n/a (reason)", never silently dropped.
#
# Usage: scripts/bench.sh [--quick] [--profile] [--out DIR] [--systems "a b ..."] [--peers "N ..."] [--no-data]
#   --quick    1 repetition, short runs, 10k peers only, no --realtime column
#              unless --systems names it (< 2 minutes)
#   --profile  only the perf profile (make profile)
#   --no-data  skip the data-path figures (handshake, start-up, RSS only)
#   --peers    peer counts for the RSS figures (default 10000 100000, 3 runs
#              each, and 1000000 once)
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WGX=${WGX:-$TOP/build/wg-xdp}
BENCH_HS=$TOP/build/tests/bench/bench_handshake
OUT=$TOP/tests/bench/results
QUICK=0 PROFILE=0 PEERS_ARG= NODATA=0 SYSTEMS_ARG=
SYSTEMS="raw wggo wgx-socket wgx-xdp wgx-xdp-rt kernel"
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) QUICK=1 ;;
	--profile) PROFILE=1 ;;
	--out) OUT=$2; shift ;;
	--systems) SYSTEMS_ARG=$2; shift ;;
	--peers) PEERS_ARG=$2; shift ;;
	--no-data) NODATA=1 ;;
	*) echo "usage: $0 [--quick] [--profile] [--out DIR] [--systems LIST] [--peers LIST] [--no-data]" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (network namespaces)"; exit 1; }
for c in iperf3 wg wireguard-go taskset python3 ping; do
	command -v $c >/dev/null || { echo "bench: $c not installed (make deps)"; exit 1; }
done

if [ $QUICK -eq 1 ]; then
	REPS=1 T_TCP=2 T_UDP=1 PINGS=50 IDLE_S=3 IDLE_WIN=1 PEERS="10000" PEERS_ONCE= HS_REPS=1 PAUSE=0.2
	SYSTEMS=${SYSTEMS/ wgx-xdp-rt/}
else
	REPS=3 T_TCP=10 T_UDP=5 PINGS=500 IDLE_S=30 IDLE_WIN=3 PEERS="10000 100000" PEERS_ONCE=1000000 HS_REPS=3 PAUSE=1
fi
[ -n "$PEERS_ARG" ] && PEERS=$PEERS_ARG PEERS_ONCE=
[ -n "$SYSTEMS_ARG" ] && SYSTEMS=$SYSTEMS_ARG
UDP_SIZES="64 512 1392"	# 1392 = largest UDP payload in one 1420-byte tunnel packet
NCPU=$(nproc)
if [ "$NCPU" -ge 2 ]; then CPU_A=0 CPU_B=1; else CPU_A=0 CPU_B=0; fi
CLK_TCK=$(getconf CLK_TCK)

A=wgx-bench-a$$ B=wgx-bench-b$$ R=wgx-bench-r$$
IFA=wgxba$$ IFB=wgxbb$$ IFR=wgxbr$$
WORK=$(mktemp -d /tmp/wgx-bench.XXXXXX)
RAW=$WORK/samples.tsv	# system <TAB> metric <TAB> value
NA=$WORK/na.tsv		# system <TAB> reason
: >"$RAW"; : >"$NA"; : >"$WORK/na-metrics.tsv"
PIDS=() DPIDS=()

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
sample() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RAW"; }
jq_py() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }
cputicks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
now_ns() { date +%s%N; }

wait_for() {	# wait_for TENTHS cmd...
	local n=$1; shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

kill_pids() {
	local p
	for p in "$@"; do kill "$p" 2>/dev/null; done
	for p in "$@"; do
		wait_for 30 bash -c "! kill -0 $p" || kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}

del_ns() {
	local ns
	for ns in "$@"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		sleep 0.2
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
}

cleanup() {
	kill_pids "${PIDS[@]}" "${DPIDS[@]}"
	del_ns $A $B $R
	rm -f /var/run/wireguard/{$IFA,$IFB,$IFR}.*
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- topology ----
underlay() {
	ip netns add $A && ip netns add $B || return 1
	ip -n $A link set lo up; ip -n $B link set lo up
	ip -n $A link add veth0 type veth peer name veth0 netns $B
	ip -n $A addr add 198.18.0.1/24 dev veth0
	ip -n $B addr add 198.18.0.2/24 dev veth0
	ip -n $A link set veth0 up; ip -n $B link set veth0 up
}

# wgx_args SYS: attach options of a wg-xdp system: wgx-MODE[-rt], where -rt
# runs it with --realtime (the data plane at SCHED_FIFO 1).
wgx_args() {
	local m=${1#wgx-}
	case "$m" in
	*-rt) echo "--mode ${m%-rt} --realtime" ;;
	*) echo "--mode $m" ;;
	esac
}

# start_daemon SYS NS IFNAME CPU: one WireGuard daemon pinned to CPU; sets DPID.
start_daemon() {
	local sys=$1 ns=$2 ifn=$3 cpu=$4
	case "$sys" in
	wggo) ip netns exec "$ns" taskset -c "$cpu" env WG_PROCESS_FOREGROUND=1 \
		wireguard-go -f "$ifn" >"$WORK/$ifn.log" 2>&1 & ;;
	wgx-*) ip netns exec "$ns" taskset -c "$cpu" "$WGX" attach veth0 --name "$ifn" \
		$(wgx_args "$sys") --foreground >"$WORK/$ifn.log" 2>&1 & ;;
	kernel) DPID=; ip -n "$ns" link add "$ifn" type wireguard; return ;;
	esac
	DPID=$!
	DPIDS+=("$DPID")
	wait_for 100 test -S "/var/run/wireguard/$ifn.sock"
}

# If SYS cannot run here, print why and return 0; return 1 when it can.
unavailable() {
	local why
	case "$1" in
	raw) return 1 ;;
	wggo) command -v wireguard-go >/dev/null || { echo "wireguard-go not installed"; return 0; } ;;
	kernel)
		ip link add wgxbk$$ type wireguard 2>/dev/null || { echo "no WireGuard kernel module"; return 0; }
		ip link del wgxbk$$ ;;
	wgx-*)
		[ -x "$WGX" ] || { echo "$WGX not built"; return 0; }
		# A short-lived probe in its own namespace: the mode may not be built yet.
		ip netns add $R && ip -n $R link add veth0 type veth peer name veth1 &&
			ip -n $R link set veth0 up && ip -n $R link set veth1 up
		why=$(ip netns exec $R timeout 10 "$WGX" attach veth0 --name $IFR $(wgx_args "$1") 2>&1)
		local rc=$?
		ip netns exec $R "$WGX" detach $IFR >/dev/null 2>&1
		del_ns $R
		[ $rc -eq 0 ] || { echo "attach $(wgx_args "$1") failed: $(echo "$why" | tail -1 | sed 's/^wg-xdp: //; s/^error: //')"; return 0; } ;;
	esac
	return 1
}

# Bring SYS up between A and B; sets DST (the address iperf3/ping aim at),
# PID_A, PID_B (daemon pids, empty for raw/kernel).
setup_system() {
	local sys=$1 ka kb
	underlay || return 1
	PID_A= PID_B=
	if [ "$sys" = raw ]; then DST=198.18.0.2; return 0; fi
	DST=100.64.0.2
	start_daemon "$sys" $A $IFA $CPU_A || return 1; PID_A=$DPID
	start_daemon "$sys" $B $IFB $CPU_B || return 1; PID_B=$DPID
	ka=$(wg genkey) kb=$(wg genkey)
	ip netns exec $A wg set $IFA listen-port 51820 private-key <(echo "$ka") peer "$(echo "$kb" | wg pubkey)" \
		endpoint 198.18.0.2:51820 allowed-ips 100.64.0.2/32 || return 1
	ip netns exec $B wg set $IFB listen-port 51820 private-key <(echo "$kb") peer "$(echo "$ka" | wg pubkey)" \
		endpoint 198.18.0.1:51820 allowed-ips 100.64.0.1/32 || return 1
	ip -n $A addr add 100.64.0.1/24 dev $IFA; ip -n $B addr add 100.64.0.2/24 dev $IFB
	ip -n $A link set $IFA mtu 1420 up; ip -n $B link set $IFB mtu 1420 up
	wait_for 100 ip netns exec $A ping -c 1 -W 1 $DST
}

teardown_system() {
	kill_pids "${PIDS[@]}" "${DPIDS[@]}"
	PIDS=() DPIDS=()
	del_ns $A $B
}

in_a() { ip netns exec $A taskset -c $CPU_A "$@"; }

start_server() {
	ip netns exec $B taskset -c $CPU_B iperf3 -s >/dev/null 2>&1 &
	PIDS+=($!)
	wait_for 50 bash -c "ip netns exec $B ss -Hltn 'sport = :5201' | grep -q ." 
}

# ---- measurements: each appends samples ----
tcp_run() {	# tcp_run SYS STREAMS: one run; 1 stream also gives CPU per GB
	local sys=$1 n=$2 j=$WORK/tcp.json a0 b0 a1 b1 bytes
	a0=$(cputicks "$PID_A") b0=$(cputicks "$PID_B")
	in_a iperf3 -c $DST -t $T_TCP -P "$n" -J >"$j" 2>/dev/null || { log "$sys: iperf3 TCP -P $n failed"; return 1; }
	a1=$(cputicks "$PID_A") b1=$(cputicks "$PID_B")
	sample "$sys" "tcp_${n}_gbps" "$(jq_py "$j" "d['end']['sum_received']['bits_per_second']/1e9")"
	bytes=$(jq_py "$j" "d['end']['sum_received']['bytes']")
	if [ "$n" = 1 ] && [ -n "$PID_A" ]; then
		sample "$sys" cpu_s_per_gb "$(python3 -c "print(($a1-$a0+$b1-$b0)/$CLK_TCK/($bytes/1e9))")"
	fi
}

udp_run() {	# udp_run SYS SIZE: received packets/s at the iperf3 server
	local sys=$1 size=$2 j=$WORK/udp.json
	in_a iperf3 -c $DST -u -b 0 -l "$size" -t $T_UDP -J >"$j" 2>/dev/null || { log "$sys: iperf3 UDP -l $size failed"; return 1; }
	sample "$sys" "udp_${size}_kpps" \
		"$(jq_py "$j" "d['end']['sum_received']['bytes']/$size/d['end']['sum_received']['seconds']/1e3")"
}

ping_run() {	# ping_run SYS idle|loaded: p50/p99 RTT (ms) of PINGS pings 10 ms apart
	local sys=$1 what=$2 lpid= out=$WORK/ping.txt
	if [ "$what" = loaded ]; then
		in_a iperf3 -c $DST -t $((PINGS / 100 + 2)) >/dev/null 2>&1 &
		lpid=$!
		sleep 1
	fi
	in_a ping -n -c $PINGS -i 0.01 -W 1 $DST >"$out" 2>&1
	[ -n "$lpid" ] && wait $lpid
	python3 - "$out" "$sys" "$what" >>"$RAW" <<'EOF'
import re, sys
t = sorted(float(m) for m in re.findall(r'time=([0-9.]+)', open(sys.argv[1]).read()))
if t:
    pct = lambda p: t[min(len(t) - 1, int(p * len(t)))]
    print(f"{sys.argv[2]}\tping_{sys.argv[3]}_p50_ms\t{pct(0.50)}")
    print(f"{sys.argv[2]}\tping_{sys.argv[3]}_p99_ms\t{pct(0.99)}")
EOF
}

idle_run() {	# mean CPU% of the two daemons, IDLE_WIN windows over IDLE_S seconds
	local sys=$1 w a0 b0 win
	win=$(python3 -c "print($IDLE_S/$IDLE_WIN)")
	sleep $PAUSE
	for ((w = 0; w < IDLE_WIN; w++)); do
		a0=$(cputicks "$PID_A") b0=$(cputicks "$PID_B")
		sleep "$win"
		sample "$sys" idle_cpu_pct \
			"$(python3 -c "print(($(cputicks "$PID_A")-$a0+$(cputicks "$PID_B")-$b0)/$CLK_TCK/$win*100/2)")"
	done
}

measure_system() {
	local sys=$1 r s why
	if why=$(unavailable "$sys"); then
		log "$sys: n/a ($why)"; printf '%s\t%s\n' "$sys" "$why" >>"$NA"; return
	fi
	[ $NODATA -eq 1 ] && return
	log "$sys: setting up"
	if ! setup_system "$sys" || ! start_server; then
		why="setup failed: $(tail -1 "$WORK/$IFA.log" 2>/dev/null)"
		log "$sys: n/a ($why)"; printf '%s\t%s\n' "$sys" "$why" >>"$NA"
		teardown_system; return
	fi
	for ((r = 0; r < REPS; r++)); do
		log "$sys: rep $((r + 1))/$REPS"
		# Idle ping first and a pause after each load: queues left full by
		# a flood would otherwise show up in the next figure.
		ping_run "$sys" idle; sleep $PAUSE
		tcp_run "$sys" 1; sleep $PAUSE
		tcp_run "$sys" 4; sleep $PAUSE
		ping_run "$sys" loaded; sleep $PAUSE
		for s in $UDP_SIZES; do udp_run "$sys" "$s"; sleep $PAUSE; done
	done
	[ -n "$PID_A" ] && idle_run "$sys"
	teardown_system
}

# ---- per-implementation figures outside the data path ----
CHUNK=100000	# peers per UAPI request: 1M peers is ~110 MB, over wg-xdp's 64 MB request cap

# wg setconf/addconf files with N random peers in CHUNK-peer pieces
# (peers-N.0.conf has the [Interface]); no endpoints: nothing to contact.
gen_peers() {
	python3 - "$1" "$CHUNK" "$WORK/peers-$1" <<'EOF2'
import base64, os, sys
n, chunk, base = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
key = lambda: base64.b64encode(os.urandom(32)).decode()
for c, first in enumerate(range(0, n, chunk)):
    out = ["[Interface]", "PrivateKey = " + key(), "ListenPort = 51820"] if c == 0 else []
    for i in range(first, min(n, first + chunk)):
        a = (100 << 24 | 64 << 16) + i + 1  # 100.64.0.0/10, one /32 each
        out += ["", "[Peer]", "PublicKey = " + key(),
                "AllowedIPs = %d.%d.%d.%d/32" % (a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255)]
    with open("%s.%d.conf" % (base, c), "w") as f:
        f.write("\n".join(out) + "\n")
EOF2
}

# A figure SYS cannot produce: shown as "n/a (reason)" in its cell.
metric_na() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$WORK/na-metrics.tsv"; }

rss_run() {	# rss_run SYS N: RSS per configured peer, total, and configuration time
	local sys=$1 n=$2 before after t0 t1 f op=setconf why= got
	ip netns add $R && ip -n $R link add veth0 type veth peer name veth1 &&
		ip -n $R link set veth0 up && ip -n $R link set veth1 up
	if start_daemon "$sys" $R $IFR $CPU_A; then
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
			sample "$sys" "rss_total_${n}_mb" "$(python3 -c "print($after/1024)")"
			sample "$sys" "setconf_${n}_s" "$(python3 -c "print(($t1-$t0)/1e9)")"
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
	kill_pids "${DPIDS[@]}"; DPIDS=()
	del_ns $R
	[ -z "$why" ]
}

ready_run() {	# ready_run SYS: ms from launching the daemon until `wg show` answers
	local sys=$1 t0 t1
	ip netns add $R && ip -n $R link add veth0 type veth peer name veth1 &&
		ip -n $R link set veth0 up && ip -n $R link set veth1 up
	t0=$(now_ns)
	case "$sys" in
	wggo) ip netns exec $R wireguard-go $IFR >/dev/null 2>&1 ;;	# forks, returns
	wgx-*) ip netns exec $R "$WGX" attach veth0 --name $IFR $(wgx_args "$sys") >/dev/null 2>&1 ;;
	esac
	# 5 ms polls: wireguard-go's parent returns before its UAPI socket exists
	local n=1000
	while ! ip netns exec $R wg show $IFR >/dev/null 2>&1 && [ $n -gt 0 ]; do sleep 0.005; n=$((n - 1)); done
	t1=$(now_ns)
	[ $n -gt 0 ] && sample "$sys" ready_ms "$(python3 -c "print(($t1-$t0)/1e6)")"
	[ "${sys%%-*}" = wgx ] && ip netns exec $R "$WGX" detach $IFR >/dev/null 2>&1
	del_ns $R
	rm -f /var/run/wireguard/$IFR.sock
}

measure_control() {
	local sys r n hs hs_systems=
	for sys in wgx-socket wgx-xdp; do	# one protocol core for both modes
		[[ " $SYSTEMS " = *" $sys "* ]] && hs_systems+=" $sys"
	done
	if [ -x "$BENCH_HS" ]; then
		for ((r = 0; r < HS_REPS; r++)); do
			hs=$("$BENCH_HS" | awk '/consume\+respond\)/ {print $2}')
			[ -n "$hs" ] || continue
			for sys in $hs_systems; do sample $sys handshake_per_s "$hs"; done
		done
	else
		log "handshakes: $BENCH_HS not built (make bench builds it)"
		for sys in $hs_systems; do
			metric_na $sys handshake_per_s "bench_handshake not built (run make bench)"
		done
	fi
	for n in $PEERS $PEERS_ONCE; do gen_peers "$n"; done
	for sys in $SYSTEMS; do
		case "$sys" in raw | kernel | *-rt) continue ;; esac	# -rt: same memory as its mode
		grep -q "^$sys	" "$NA" && continue
		log "$sys: attach-to-ready time, RSS per peer ($PEERS peers)"
		for ((r = 0; r < (QUICK ? 3 : 5); r++)); do ready_run "$sys"; done
		for n in $PEERS; do	# a size that fails once fails every time
			for ((r = 0; r < REPS; r++)); do rss_run "$sys" "$n" || break; done
		done
		for n in $PEERS_ONCE; do log "$sys: RSS with $n peers (one run)"; rss_run "$sys" "$n"; done
	done
}

machine_json() {
	python3 - "$QUICK" "$REPS" "$CPU_A" "$CPU_B" <<'EOF'
import json, os, platform, subprocess, sys
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
ver = lambda *c: subprocess.run(c, capture_output=True, text=True).stdout.strip().splitlines()[:1]
print(json.dumps({
    "date": subprocess.run(["date", "-u", "+%Y-%m-%dT%H:%M:%SZ"], capture_output=True, text=True).stdout.strip(),
    "nproc": os.cpu_count(), "cpu_model": cpu, "kernel": platform.release(),
    "mem_total_kb": next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")),
    "loadavg_at_start": open("/proc/loadavg").read().split()[:3],
    "wg_xdp": (ver(os.environ["WGX"], "--version") or ["?"])[0],
    "wireguard_go": (ver("wireguard-go", "--version") or ["?"])[0],
    "iperf3": (ver("iperf3", "--version") or ["?"])[0],
    "quick": sys.argv[1] == "1", "repetitions": int(sys.argv[2]),
    "pinning": f"side A (daemon, iperf3 client, ping) on CPU {sys.argv[3]}, side B (daemon, iperf3 server) on CPU {sys.argv[4]}; kernel softirq work wherever the kernel runs it",
}))
EOF
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
	if why=$(unavailable $sys); then echo "bench: profile: $sys n/a: $why"; return 1; fi
	setup_system $sys && start_server || { echo "bench: profile: $sys: setup failed"; teardown_system; return 1; }
	in_a iperf3 -c $DST -t $((secs + 3)) >"$WORK/iperf.txt" 2>&1 &
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
	for sys in wgx-xdp wgx-socket; do
		[[ " $SYSTEMS " = *" $sys "* ]] || continue
		profile_system $sys || rc=1
	done
	return $rc
}

export WGX
if [ $PROFILE -eq 1 ]; then profile; exit $?; fi

mkdir -p "$OUT"
START=$(date +%s)
machine_json >"$WORK/machine.json"
log "reps $REPS, TCP ${T_TCP}s, UDP ${T_UDP}s, $PINGS pings, idle ${IDLE_S}s, peers $PEERS ${PEERS_ONCE:+(and $PEERS_ONCE once)}; CPUs A=$CPU_A B=$CPU_B"
for sys in $SYSTEMS; do measure_system "$sys"; done
measure_control
log "done in $(($(date +%s) - START)) s"
python3 "$TOP/tests/bench/report.py" "$RAW" "$NA" "$WORK/machine.json" "$OUT" $((QUICK)) \
	"$WORK/na-metrics.tsv"
