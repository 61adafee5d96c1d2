#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Peer churn beside a live session (issue 17), `make stress`: while a tunnel
# A <-> B carries a 20 Hz ping and a throttled TCP transfer, A's other peers
# are added, moved and removed through the UAPI for CHURN_SECS (default 60)
# per mode (socket, and XDP mode with --path auto): rounds of one `wg set`
# that adds 8 peers, gives 4 others new allowed IPs and endpoints and removes
# the oldest beyond 120, and every 10th round a `wg syncconf` that drops half
# the set and adds as many (tests/stress/churn.py; thousands of peers in all).
# After a CHURN_WARM s (default 10) warm-up, in CHURN_STEP s steps, checks:
# every `wg` command exits 0; the live session makes no new handshake
# (latest handshake unchanged; a rekey after REKEY_AFTER_TIME, 120 s, is
# allowed on long runs, never sooner) and its pings lose <= CHURN_LOSS_PCT %
# (default 1) of CHURN_SECS' pings; the transfer's sha256 intact; A's RSS
# grows by < CHURN_RSS_KB KiB (default 8192) and its fd count not at all from
# the warm-up to the end; A is alive; `wg show` holds exactly the desired set
# (peers, allowed IPs, endpoints); XDP mode: the pinned BPF maps hold exactly
# the entries that set implies (churn.py check).
#
#   ns wgx-st2-aPID (churned)                  ns wgx-st2-bPID
#  +-------------------------------------+    +------------------------------+
#  | st2caPID: wg-xdp MODE  100.64.0.1   |    | st2cbPID: wg-xdp socket      |
#  |   peer B (live) + 60..120 churned   |    |   100.64.0.2, peer A         |
#  |   peers (endpoints in 198.19/16)    |    |   ping -i 0.05, TCP sender   |
#  | veth0 198.18.0.1/24                 +----+ veth0 198.18.0.2/24          |
#  +-------------------------------------+    +------------------------------+
. "$(dirname "$0")/../netns/lib.sh"
require_root
why=$(impl_available wg-xdp) || skip_all "$why"
command -v socat >/dev/null || skip_all "socat not installed"
SECS=${CHURN_SECS:-60}
WARM=${CHURN_WARM:-10}
STEP=${CHURN_STEP:-15}
LOSS_PCT=${CHURN_LOSS_PCT:-1}
RSS_KB=${CHURN_RSS_KB:-8192}
MODES=${CHURN_MODES:-socket xdp}
CHURN=$TOP/tests/stress/churn.py

A=wgx-st2-a$$ B=wgx-st2-b$$ IFA=st2ca$$ IFB=st2cb$$
IFA=${IFA:0:15} IFB=${IFB:0:15}
export WGX_RUN_DIR=$LOGDIR/run
trap 'for n in $IFA $IFB; do "$WGX" detach $n >/dev/null 2>&1; rm -f /var/run/wireguard/$n.sock; done; topo_exit' EXIT

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
fds() { find "/proc/$1/fd" -mindepth 1 | wc -l; }
live_hs() { ip netns exec $A wg show $IFA latest-handshakes | awk -v k="$PB" '$1 == k {print $2}'; }
churn_run() {	# churn_run SECS: one churn.py run continuing $LOGDIR/state
	ip netns exec $A python3 "$CHURN" run "$LOGDIR/state" $IFA "$1" "$LOGDIR/$IFA.key" "$PB" 198.18.0.2:51820 \
		100.64.0.2/32,fd00::2/128 2>>"$LOGDIR/churn.err"
}
map_dumps() {	# map_dumps DIR: A's pinned maps as DIR/NAME.json (the host's bpffs)
	local m
	mkdir -p "$1"
	for m in wgx_peers wgx_hosts4 wgx_hosts6 wgx_aips4 wgx_aips6 wgx_idx; do
		bpftool -j map dump pinned "/sys/fs/bpf/wg-xdp/$IFA/$m" >"$1/$m.json" || return 1
	done
}

run_mode() {	# run_mode socket|xdp
	local mode=$1 pid hs0 hs hs_prev t_prev rc=0 early='' rss0 fd0 rss1 fd1 series t0 left n
	local xfer_pid ping_pid sent recv lost mb st
	teardown_all
	rm -f "$LOGDIR/state" "$LOGDIR/churn.err"
	setup_underlay || { ok 1 "$mode: underlay"; return; }
	KA=$(genkey) KB=$(genkey) PA=$(pubkey "$KA") PB=$(pubkey "$KB")
	START_ARGS="$([ "$mode" = xdp ] && echo --path auto)" start_wg wg-xdp $A $IFA "$mode" ||
		{ ok 1 "$mode: A starts"; return; }
	pid=$WG_PID
	start_wg wg-xdp $B $IFB socket || { ok 1 "$mode: B starts"; return; }
	configure $A $IFA 1 "$KA" "$PB" 198.18.0.2:51820 2 &&
		configure $B $IFB 2 "$KB" "$PA" 198.18.0.1:51820 1 || { ok 1 "$mode: configured"; return; }
	check "$mode: tunnel up" tunnel_up $B 100.64.0.1 || return
	hs0=$(live_hs) hs_prev=$hs0 t_prev=$(date +%s)

	# The transfer, throttled to 256 KiB/s, lasts about the whole run.
	mb=$(( (WARM + SECS) / 4 + 1 ))
	tcp_transfer $B $A 100.64.0.1 "$mb" $((WARM + SECS + 120)) 256 &
	xfer_pid=$!
	check "$mode: warm-up: ${WARM} s of churn" churn_run "$WARM"
	rss0=$(rss_kb "$pid") fd0=$(fds "$pid")
	series="$rss0"
	ip netns exec $B ping -n -i 0.05 -W 1 100.64.0.1 >"$LOGDIR/ping.out" 2>&1 &
	ping_pid=$!
	t0=$(date +%s)
	while left=$((t0 + SECS - $(date +%s))) && [ "$left" -gt 0 ]; do
		churn_run $((left < STEP ? left : STEP)) || { rc=1; break; }
		series="$series $(rss_kb "$pid")"
		hs=$(live_hs)
		if [ "$hs" != "$hs_prev" ]; then
			# A new handshake: only a rekey, REKEY_AFTER_TIME after the last.
			[ $((hs - hs_prev)) -ge 115 ] || early="$early $hs_prev->$hs"
			hs_prev=$hs
		fi
		kill -0 "$pid" 2>/dev/null || break
	done
	kill -INT $ping_pid
	wait $ping_pid
	rss1=$(rss_kb "$pid") fd1=$(fds "$pid")
	st=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print("%(rounds)d rounds: %(sets)d wg set, %(syncconfs)d wg syncconf; %(added)d peers added, %(removed)d removed, %(moved)d moved" % s)' "$LOGDIR/state")
	diag "$mode: churn over $((WARM + SECS)) s: $st"
	echo "# $mode: $st" >>"$LOGDIR/summary"
	[ -s "$LOGDIR/churn.err" ] && rc=1
	ok $rc \
		"$mode: every wg set / wg syncconf exited 0$( [ -s "$LOGDIR/churn.err" ] && echo ": $(head -c 300 "$LOGDIR/churn.err")")"
	n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["added"])' "$LOGDIR/state")
	ok $(( n >= 1000 || SECS < 60 ? 0 : 1 )) "$mode: thousands of peers churned ($n added; >= 1000 checked from 60 s on)"
	check "$mode: A's daemon (pid $pid) is alive" kill -0 "$pid"
	ok $(( hs0 > 0 && ${#early} == 0 ? 0 : 1 )) \
		"$mode: the live session made no new handshake (latest $hs0 -> $(live_hs)${early:+; too early:$early})"
	read -r sent recv < <(awk '/packets transmitted/ {print $1, $4}' "$LOGDIR/ping.out")
	lost=$(( ${sent:-0} - ${recv:-0} ))
	echo "# $mode: $lost of $sent pings lost (20 Hz, $SECS s of churn)" >>"$LOGDIR/summary"
	ok $(( ${sent:-0} >= SECS * 15 && lost * 100 <= LOSS_PCT * sent ? 0 : 1 )) \
		"$mode: live pings answered through the churn: $lost of ${sent:-0} lost (<= $LOSS_PCT %)"
	wait $xfer_pid
	ok $? "$mode: TCP transfer B -> A through the churn: $(cat "$LOGDIR/transfer.time" 2>/dev/null), $(cat "$LOGDIR/transfer.sha" 2>/dev/null)"
	echo "# $mode: RSS $series KiB, fds $fd0 -> $fd1" >>"$LOGDIR/summary"
	ok $(( rss1 - rss0 < RSS_KB ? 0 : 1 )) \
		"$mode: A's RSS flat after warm-up: $rss0 -> $rss1 KiB (< +$RSS_KB; every $STEP s: $series)"
	ok $(( fd1 == fd0 ? 0 : 1 )) "$mode: A's fd count flat: $fd0 -> $fd1"
	ip netns exec $A wg show $IFA dump >"$LOGDIR/dump"
	if [ "$mode" = xdp ]; then
		check "$mode: A's pinned BPF maps dumped" map_dumps "$LOGDIR/maps"
		python3 "$CHURN" check "$LOGDIR/state" "$PB" "$LOGDIR/dump" "$LOGDIR/maps" >"$LOGDIR/check.out"
		ok $? "$mode: wg show and the BPF maps hold exactly the desired set"
	else
		python3 "$CHURN" check "$LOGDIR/state" "$PB" "$LOGDIR/dump" >"$LOGDIR/check.out"
		ok $? "$mode: wg show holds exactly the desired set"
	fi
	cat "$LOGDIR/check.out"
	check "$mode: the tunnel still pings" ping_ok $B 100.64.0.1
	teardown_all
}

for m in $MODES; do
	if [ "$m" = xdp ] && why=$(xdp_unavailable_reason) && [ -n "$why" ]; then
		skip "$why" "xdp: churn"
		continue
	fi
	run_mode "$m"
done
sed 's/^# //; s/^/# summary: /' "$LOGDIR/summary" 2>/dev/null
finish
