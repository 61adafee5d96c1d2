#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Restart loops (issue 17), `make stress`: `wg-xdp restart` of A
# RESTART_LOOPS times in a row (default 30) under a 100 Hz ping B -> A and a
# throttled TCP transfer B -> A, in socket mode, XDP mode with --path auto
# (the socket path on a veth) and XDP mode on the XSK path (xsk). Checks: every restart exits 0 with a new pid serving and
# the old daemon gone; neither side made a new handshake across all of them
# (latest handshake unchanged to the nanosecond); the transfer's sha256
# intact; the longest ping gap around a restart <= RESTART_GAP_MS (default
# 100) and the pings
# lost <= what those gaps allow (gap / 10 ms per restart); nothing leaks:
# one wg-xdp process left in A's namespace, the run directory holds the same
# files as before (one pid file, no handover socket left), the last daemon
# has as many fds as the first restarted one; no old daemon crashed on its
# way out (the kernel's segfault lines for wg-xdp in dmesg). Prints each restart's gap and
# their max and median. An XDP-mode restart refused on this path is a SKIP
# with the daemon's reason.
#
#   ns wgx-st2-aPID (restarted)                ns wgx-st2-bPID
#  +-------------------------------------+    +------------------------------+
#  | st2raPID: wg-xdp MODE  100.64.0.1   |    | st2rbPID: wg-xdp socket      |
#  |   TCP receiver                      |    |   100.64.0.2                 |
#  | veth0 198.18.0.1/24                 +----+ veth0 198.18.0.2/24          |
#  +-------------------------------------+    +------------------------------+
#  WGX_RUN_DIR (pid files, statistics and handover sockets): this test's own.
. "$(dirname "$0")/../netns/lib.sh"
require_root
why=$(impl_available wg-xdp) || skip_all "$why"
command -v socat >/dev/null || skip_all "socat not installed"
LOOPS=${RESTART_LOOPS:-30}
GAP_MS=${RESTART_GAP_MS:-100}
MODES=${RESTART_MODES:-socket xdp xsk}
GAPS=$TOP/tests/stress/restart_gaps.py

A=wgx-st2-a$$ B=wgx-st2-b$$ IFA=st2ra$$ IFB=st2rb$$
IFA=${IFA:0:15} IFB=${IFB:0:15}
export WGX_RUN_DIR=$LOGDIR/run
trap 'for n in $IFA $IFB; do "$WGX" detach $n >/dev/null 2>&1; rm -f /var/run/wireguard/$n.sock; done; topo_exit' EXIT

pid_a() { cat "$WGX_RUN_DIR/$IFA.pid" 2>/dev/null; }
hs_ns() { wgx_stat "$1" "$2" "d['peers'][0]['latest_handshake_ns']"; }
fds() { find "/proc/$1/fd" -mindepth 1 | wc -l; }
crashes() { dmesg 2>/dev/null | grep -c 'wg-xdp\[[0-9]*\]: segfault'; }
run_files() { (cd "$WGX_RUN_DIR" && ls -A | sort | tr '\n' ' '); }
wgx_procs() {	# wgx_procs: the wg-xdp processes in A's namespace
	local p
	for p in $(ip netns pids $A); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$(readlink -f "$WGX")" ] && echo "$p"
	done
}

# restart_a I: restart I of A: exit 0, a new pid serving, the old one gone;
# its window goes to $LOGDIR/windows, its output to $LOGDIR/restart.out.
restart_a() {
	local before after t0 t1 rc
	before=$(pid_a)
	t0=$(date +%s.%N)
	ip netns exec $A "$WGX" restart $IFA >"$LOGDIR/restart.out" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	echo "$t0 $t1" >>"$LOGDIR/windows"
	after=$(pid_a)
	[ $rc -eq 0 ] || { echo "restart $1 exited $rc: $(tail -2 "$LOGDIR/restart.out")"; return 1; }
	[ -n "$after" ] && [ "$after" != "$before" ] && kill -0 "$after" &&
		wait_for "old daemon $before gone" 50 bash -c "! kill -0 $before 2>/dev/null" ||
		{ echo "restart $1: pid $before -> ${after:-none}"; return 1; }
}

run_mode() {	# run_mode socket|xdp|xsk
	local mode=$1 hsa hsb i rc=0 fails=0 first='' fd1 fdn files0 files1 procs
	local xfer_pid ping_pid sent recv lost max p50 n gaps mb crash0
	teardown_all
	rm -f "$LOGDIR/windows"
	setup_underlay || { ok 1 "$mode: underlay"; return; }
	KA=$(genkey) KB=$(genkey) PA=$(pubkey "$KA") PB=$(pubkey "$KB")
	START_ARGS="$(case $mode in xdp) echo --path auto ;; xsk) echo --path xsk ;; esac)" \
		start_wg wg-xdp $A $IFA "${mode/xsk/xdp}" ||
		{ ok 1 "$mode: A starts"; return; }
	start_wg wg-xdp $B $IFB socket || { ok 1 "$mode: B starts"; return; }
	configure $A $IFA 1 "$KA" "$PB" 198.18.0.2:51820 2 &&
		configure $B $IFB 2 "$KB" "$PA" 198.18.0.1:51820 1 || { ok 1 "$mode: configured"; return; }
	check "$mode: tunnel up" tunnel_up $B 100.64.0.1 || return
	hsa=$(hs_ns $A $IFA) hsb=$(hs_ns $B $IFB) files0=$(run_files)
	# Past REKEY_TIMEOUT (5 s) since the handshake: a restart that started
	# one would not be held back by the rate limit.
	sleep 5
	# One probe restart: refused on this path means SKIP, not FAIL.
	if ! restart_a 0 >/dev/null; then
		if grep -q 'restart refused' "$LOGDIR/restart.out"; then
			skip "$(grep -m1 'restart refused' "$LOGDIR/restart.out" | sed 's/^wg-xdp: //')" "$mode: restart loop"
		else
			ok 1 "$mode: first restart: $(tail -2 "$LOGDIR/restart.out" | tr '\n' ' ')"
		fi
		return
	fi
	rm -f "$LOGDIR/windows"
	crash0=$(crashes)
	first=$(pid_a) fd1=$(fds "$first")
	# About 1.2 s per restart: the transfer (256 KiB/s) spans the loop.
	mb=$(( LOOPS * 3 / 10 + 1 ))
	tcp_transfer $B $A 100.64.0.1 "$mb" $((LOOPS * 4 + 60)) 256 &
	xfer_pid=$!
	sleep 1
	ip netns exec $B ping -D -n -i 0.01 -W 2 100.64.0.1 >"$LOGDIR/ping.out" 2>&1 &
	ping_pid=$!
	sleep 0.5
	for i in $(seq 1 "$LOOPS"); do
		restart_a "$i" >>"$LOGDIR/fails" || fails=$((fails + 1))
		sleep 0.5
	done
	sleep 0.5
	kill -INT $ping_pid
	wait $ping_pid
	ok $(( fails == 0 ? 0 : 1 )) \
		"$mode: $LOOPS restarts under ping and TCP: each exited 0, a new pid serving, the old gone ($fails failed$( [ -s "$LOGDIR/fails" ] && echo ": $(head -3 "$LOGDIR/fails" | tr '\n' ' ')"))"
	rm -f "$LOGDIR/fails"
	wait $xfer_pid
	rc=$?
	ok $rc "$mode: TCP transfer across the restarts: $(cat "$LOGDIR/transfer.time" 2>/dev/null), $(cat "$LOGDIR/transfer.sha" 2>/dev/null)"
	ok $(( $(hs_ns $A $IFA) == hsa && $(hs_ns $B $IFB) == hsb ? 0 : 1 )) \
		"$mode: no new handshake across $LOOPS restarts (latest handshake A $hsa, B $hsb ns; now $(hs_ns $A $IFA), $(hs_ns $B $IFB))"
	read -r max p50 n gaps < <(python3 "$GAPS" "$LOGDIR/ping.out" "$LOGDIR/windows")
	echo "# $mode: ping gap per restart (ms): $gaps" >>"$LOGDIR/summary"
	echo "# $mode: $n restarts: gap max $max ms, p50 $p50 ms" >>"$LOGDIR/summary"
	ok $(( n == LOOPS && max <= GAP_MS ? 0 : 1 )) \
		"$mode: longest ping gap around a restart $max ms <= $GAP_MS ms (p50 $p50 ms, $n restarts)"
	read -r sent recv < <(awk '/packets transmitted/ {print $1, $4}' "$LOGDIR/ping.out")
	lost=$(( ${sent:-0} - ${recv:-0} ))
	echo "# $mode: $lost of $sent pings lost (100 Hz)" >>"$LOGDIR/summary"
	ok $(( ${sent:-0} > LOOPS * 50 && lost <= LOOPS * GAP_MS / 10 ? 0 : 1 )) \
		"$mode: pings lost $lost of ${sent:-0} (<= $((LOOPS * GAP_MS / 10)): $GAP_MS ms at 100 Hz per restart)"
	procs=$(wgx_procs | tr '\n' ' ')
	ok $(( $(echo $procs | wc -w) == 1 && ${procs% } == $(pid_a) ? 0 : 1 )) \
		"$mode: one wg-xdp process left in A's namespace: ${procs:-none} (pid file: $(pid_a))"
	files1=$(run_files)
	ok "$([ "$files1" = "$files0" ]; echo $?)" \
		"$mode: the run directory as before the restarts: ${files1:-empty} (before: ${files0:-empty})"
	ok $(( $(crashes) == crash0 ? 0 : 1 )) \
		"$mode: no daemon crashed across the restarts ($(( $(crashes) - crash0 )) wg-xdp segfaults in dmesg)"
	fdn=$(fds "$(pid_a)")
	ok $(( fdn == fd1 ? 0 : 1 )) "$mode: fds of the first restarted daemon $fd1, of the last $fdn"
	check "$mode: the tunnel still pings" ping_ok $B 100.64.0.1
	teardown_all
}

for m in $MODES; do
	if [ "$m" != socket ] && why=$(xdp_unavailable_reason) && [ -n "$why" ]; then
		skip "$why" "xdp: restart loop"
		continue
	fi
	run_mode "$m"
done
sed 's/^# //; s/^/# summary: /' "$LOGDIR/summary" 2>/dev/null
finish
