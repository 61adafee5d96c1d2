#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `wg-xdp restart`: the daemon replaced in place without losing a session
# (issue 17, "Restart without losing sessions").
#
#   ns wgx-rst-a$$ (side A, restarted)            ns wgx-rst-b$$ (side B)
#  +----------------------------------+          +------------------------------+
#  | rstaN: wg-xdp --mode MODE :51820 |          | rstbN: wg-xdp --mode socket  |
#  | veth0 198.18.0.1/24              +----------+ veth0 198.18.0.2/24  :51820  |
#  | 100.64.0.1 (tunnel)              |          | 100.64.0.2 (tunnel)          |
#  +----------------------------------+          +------------------------------+
#  WGX_RUN_DIR (pid files, statistics and handover sockets): this test's own.
#
# Per MODE (WGX_RESTART_MODES): socket; xdp-socket (XDP mode on the socket
# path: wgx_rx classifies, the socket plane carries); xdp (the XSK path):
# 1. Under a TCP transfer B -> A and, across the restarts, a 100 Hz ping
#    B -> A, `wg-xdp restart` of A RESTARTS times in a row: each exits 0 and leaves a new pid serving;
#    the longest gap between ping replies <= GAP_MS (printed); the transfer
#    completes with its sha256 intact (no reset); neither side made a new
#    handshake (latest handshake unchanged to the nanosecond in both sides'
#    statistics, and in `wg show latest-handshakes`); A's peer counters went
#    on from where they were (not reset); the TUN device (XSK path: the
#    tunnel veth's host end) kept its ifindex, the UDP sockets (and TUN
#    queues; on the XSK path the AF_XDP sockets of a two-queue underlay,
#    with as many frames free when idle as before) handed over; XDP mode: the new daemon's wgx_rx is attached (on
#    the XSK path wgx_tun too), its maps pinned, the path the same, and it
#    counts the pings that pass it.
# 2. A restart that claims another state format (WGX_TEST_HANDOVER_VERSION,
#    test-only) is refused: exit 1 with a message naming the version, the
#    running daemon keeps its pid and carries traffic, and one more plain
#    restart works after it.
#    A restart by another uid is refused the same way.
# 3. kill -9 of A's daemon, `wg-xdp attach` again with the same name and
#    configuration: the tunnel answers pings again in < 2 s (measured), for
#    a restarted daemon and for one started by attach; XDP mode: over the
#    killed daemon's maps (the same wgx_stats, counters carried on), emptied
#    of its sessions (no old receiver index left).
. "$(dirname "$0")/lib.sh"
require_root
why=$(impl_available wg-xdp) || skip_all "$why"
command -v socat >/dev/null || skip_all "socat not installed"

A=wgx-rst-a$$ B=wgx-rst-b$$ IFA=rsta$$ IFB=rstb$$
IFA=${IFA:0:15} IFB=${IFB:0:15}
export WGX_RUN_DIR=$LOGDIR/run
GAP_MS=${WGX_RESTART_GAP_MS:-100}
RESTARTS=${WGX_RESTART_COUNT:-3}
MODES=${WGX_RESTART_MODES:-socket xdp-socket xdp}
trap 'for n in $IFA $IFB; do "$WGX" detach $n >/dev/null 2>&1; rm -f /var/run/wireguard/$n.sock; done; cleanup' EXIT
KA=$(genkey) KB=$(genkey)
PA=$(pubkey "$KA") PB=$(pubkey "$KB")

wgx_a() { ip netns exec $A "$WGX" "$@"; }
start_a() { START_ARGS=$AARGS start_wg wg-xdp $A $IFA "$DMODE"; }
pid_a() { cat "$WGX_RUN_DIR/$IFA.pid" 2>/dev/null; }
hs_ns() { wgx_stat "$1" "$2" "d['peers'][0]['latest_handshake_ns']"; }
hs_wg() { ip netns exec "$1" wg show "$2" latest-handshakes | awk '{print $2}'; }
transfer_a() { ip netns exec $A wg show $IFA transfer | awk '{print $2, $3}'; }

pinger_start() {
	ip netns exec $B ping -D -n -i 0.01 -W 2 100.64.0.1 >"$LOGDIR/ping.out" 2>&1 &
	PING_PID=$!
}
pinger_gap() {	# pinger_gap: stop the pings; GAP and NREPLIES
	kill -INT "$PING_PID"; wait "$PING_PID" 2>/dev/null
	read -r GAP NREPLIES < <(python3 "$TOOL" ping-gap "$LOGDIR/ping.out" 10)
}

# restart_a: one `wg-xdp restart` of A, which must exit 0 with a new pid serving.
restart_a() {
	local before after t0 t1
	before=$(pid_a)
	t0=$(date +%s%N)
	wgx_a restart $IFA >"$LOGDIR/restart.out" 2>&1 ||
		{ echo "# restart exited $?:"; sed 's/^/#   /' "$LOGDIR/restart.out"; return 1; }
	t1=$(date +%s%N)
	after=$(pid_a)
	echo "# restart: pid $before -> $after in $(( (t1 - t0) / 1000000 )) ms"
	[ -n "$after" ] && [ "$after" != "$before" ] && kill -0 "$after" &&
		wait_for "old daemon $before gone" 50 bash -c "! kill -0 $before 2>/dev/null"
}

# one_mode socket | xdp-socket (XDP mode, --path socket) | xdp (XDP mode, --path xsk)
one_mode() {
	local mode=$1 hsa hsb wga wgb rx0 tx0 rx1 tx1 ifindex xfer_pid i out rc pid c0 c1 nsock n q progs path frames0 frames1
	DMODE=${1%-socket} AARGS=
	[ "$mode" != xdp-socket ] || AARGS="--path socket"
	teardown_all
	# The XSK path hands over one AF_XDP socket per underlay queue: two of them.
	UNDERLAY_QUEUES=$([ "$mode" = xdp ] && echo "${UNDERLAY_QUEUES:-2}" || echo "${UNDERLAY_QUEUES:-}") \
		setup_underlay || { ok 1 "$mode: underlay"; return; }
	check "$mode: A: wg-xdp --mode $DMODE $AARGS" start_a || return
	check "$mode: B: wg-xdp --mode socket" start_wg wg-xdp $B $IFB socket || return
	check "$mode: A configured" configure $A $IFA 1 "$KA" "$PB" 198.18.0.2:51820 2 || return
	check "$mode: B configured" configure $B $IFB 2 "$KB" "$PA" 198.18.0.1:51820 1 || return
	check "$mode: tunnel up (ping A -> B and B -> A)" bash -c \
		"ip netns exec $A ping -c 1 -W 1 -w 12 100.64.0.2 && ip netns exec $B ping -c 1 -W 1 -w 3 100.64.0.1" || return
	hsa=$(hs_ns $A $IFA) hsb=$(hs_ns $B $IFB) wga=$(hs_wg $A $IFA) wgb=$(hs_wg $B $IFB)
	read -r rx0 tx0 < <(transfer_a)
	[ "$mode" != xdp ] || frames0=$(wgx_stat $A $IFA "d['xdp']['frames_free']")
	ifindex=$(ip -n $A -o link show $IFA | cut -d: -f1)
	# Past REKEY_TIMEOUT (5 s) since the handshake: a restart that started
	# one would not be held back by the rate limit, so the checks below see it.
	sleep 5
	diag "$mode: before: handshake A $hsa B $hsb ns, A rx $rx0 tx $tx0 bytes"

	nsock=$(ip netns exec $A ss -Huan "sport = :51820" | wc -l)
	# The pings only across the restarts: not TCP's own start and end.
	tcp_transfer $B $A 100.64.0.1 36 60 6000 &
	xfer_pid=$!
	sleep 1
	pinger_start
	sleep 0.3
	for i in $(seq 1 "$RESTARTS"); do
		check "$mode: restart $i of $RESTARTS under ping and TCP: exit 0, new pid serving" restart_a
		diag "$mode: restart $i: the new daemon $(grep -o 'took over.*froze' "$LOGDIR/restart.out")"
		sleep 0.5
	done
	pinger_gap
	wait $xfer_pid; rc=$?
	diag "$mode: transfer: $(cat "$LOGDIR/transfer.time" 2>/dev/null), $(cat "$LOGDIR/transfer.sha" 2>/dev/null)"
	ok $rc "$mode: TCP transfer across $RESTARTS restarts completed, sha256 intact (no reset)"
	echo "# $mode: longest gap between 100 Hz ping replies across $RESTARTS restarts: $GAP ms ($NREPLIES replies)" |
		tee -a "$LOGDIR/summary"
	ok $(( NREPLIES > 100 && GAP <= GAP_MS ? 0 : 1 )) \
		"$mode: longest ping gap $GAP ms <= $GAP_MS ms ($NREPLIES replies)"
	ok $(( $(hs_ns $A $IFA) == hsa && $(hs_ns $B $IFB) == hsb ? 0 : 1 )) \
		"$mode: no new handshake: latest handshake unchanged on both sides ($hsa / $hsb ns, now $(hs_ns $A $IFA) / $(hs_ns $B $IFB))"
	ok $(( $(hs_wg $A $IFA) == wga && $(hs_wg $B $IFB) == wgb ? 0 : 1 )) \
		"$mode: wg show latest-handshakes unchanged on both sides ($wga / $wgb)"
	read -r rx1 tx1 < <(transfer_a)
	ok $(( rx1 >= rx0 + 36 * 1048576 && tx1 > tx0 ? 0 : 1 )) \
		"$mode: A's peer counters went on (the whole 36 MiB counted, none reset): rx $rx0 -> $rx1, tx $tx0 -> $tx1"
	ok $(( $(ip -n $A -o link show $IFA | cut -d: -f1) == ifindex ? 0 : 1 )) \
		"$mode: the TUN device survived (ifindex $ifindex)"
	n=$(ip netns exec $A ss -Huan "sport = :51820" | wc -l)
	if [ "$mode" = xdp ]; then
		ok $(( n == nsock ? 0 : 1 )) \
			"$mode: the UDP sockets handed over ($n on :51820, $nsock before)"
		# Idle both times: every frame free but those in the fill rings.
		q=$(wgx_stat $A $IFA "d['xdp']['queues']")
		frames1=$(wgx_stat $A $IFA "d['xdp']['frames_free']")
		ok $(( q == ${UNDERLAY_QUEUES:-2} && frames1 == frames0 ? 0 : 1 )) \
			"$mode: AF_XDP sockets on all $q queues, no frame lost (idle: $frames0 free before, $frames1 after)"
	else
		q=$(wgx_stat $A $IFA "d['socket']['tun_queues']")
		ok $(( q == 2 && n == 4 && n == nsock ? 0 : 1 )) \
			"$mode: both TUN queues and the handshake sockets handed over too (tun_queues $q, $n UDP sockets on :51820, $nsock before)"
	fi
	if [ "$mode" != socket ]; then
		progs=1 path=socket
		[ "$mode" != xdp ] || progs=2 path=xsk
		check "$mode: the new daemon's wgx_rx is on veth0 (and on the XSK path wgx_tun on the tunnel veth), its maps pinned" bash -c \
			"ip -n $A link show veth0 | grep -q prog/xdp && [ \$(ip -n $A -o link show | grep -c prog/xdp) -eq $progs ] && [ -e /sys/fs/bpf/wg-xdp/$IFA/wgx_idx ]"
		check "$mode: on the $path path ($(wgx_stat $A $IFA "d['xdp']['xsk_mode']") AF_XDP sockets)" \
			test "$(wgx_stat $A $IFA "d['xdp']['path']")" = $path
		c0=$(wgx_stat $A $IFA "sum(v for k, v in d['reasons'].items() if k.startswith('rx_'))")
		ip netns exec $B ping -c 20 -i 0.01 -W 1 100.64.0.1 >/dev/null
		c1=$(wgx_stat $A $IFA "sum(v for k, v in d['reasons'].items() if k.startswith('rx_'))")
		ok $(( c1 >= c0 + 20 ? 0 : 1 )) "$mode: and it classifies: its rx_* counters $c0 -> $c1 over 20 pings"
	fi

	# ---- 2. another uid: refused ----
	pid=$(pid_a)
	out=$(ip netns exec $A setpriv --reuid=65534 --regid=65534 --clear-groups "$WGX" restart $IFA 2>&1); rc=$?
	echo "$out" | sed 's/^/# restart (uid 65534): /'
	ok $(( rc == 1 && $(pid_a) == pid ? 0 : 1 )) \
		"$mode: restart by another uid (65534): refused, exit $rc, the daemon (pid $pid) untouched"
	# ---- 2b. a binary of another state format: refused, the daemon untouched ----
	pid=$(pid_a)
	out=$(ip netns exec $A env WGX_TEST_HANDOVER_VERSION=999 "$WGX" restart $IFA 2>&1); rc=$?
	echo "$out" | sed 's/^/# restart (version 999): /'
	ok $(( rc == 1 && $(echo "$out" | grep -c 'version [0-9]*, this binary reads version 999') == 1 ? 0 : 1 )) \
		"$mode: restart by a binary of another state format: refused, exit $rc, says why"
	check "$mode: the running daemon (pid $pid) kept serving and carries traffic" bash -c \
		"[ \"\$(cat $WGX_RUN_DIR/$IFA.pid)\" = $pid ] && kill -0 $pid && ip netns exec $B ping -c 3 -i 0.2 -W 1 100.64.0.1"
	check "$mode: and a compatible restart after it works" restart_a
	check "$mode: still no new handshake" test "$(hs_ns $A $IFA)" = "$hsa"

	# ---- 3. kill -9, attach again: traffic in < 2 s ----
	# A restarted daemon's parent is init (the restart command exits once
	# it serves), which here reaps late: its kill -9 is timed from its
	# death. Then one this shell started, timed from the kill itself.
	pid=$(pid_a)
	maps_before $mode
	kill -9 "$pid"
	wait_for "pid $pid reaped" 100 bash -c "! kill -0 $pid 2>/dev/null"
	kill_attach $mode "a restarted daemon" "its death"
	check "$mode: detach" wgx_a detach $IFA
	check "$mode: A: wg-xdp attach again" start_a &&
		wg_side $A $IFA 1 "$KA" "$PB" "endpoint 198.18.0.2:51820" 2 >/dev/null 2>&1 &&
		tunnel_up $A 100.64.0.2 >/dev/null
	maps_before $mode
	kill -9 "$WG_PID"
	T0=$(date +%s%N)
	# Reaped first (as test-stale-state.sh): a daemon still exiting holds NAME
	# (its XSKs and UMEM take a while in XDP mode), and attach refuses a live one.
	wait "$WG_PID" 2>/dev/null
	kill_attach $mode "its daemon" "the kill"
}

# maps_before MODE: XDP mode: what A's pinned maps hold before the kill
# (wgx_stats' id, the rx_* counters, wgx_idx's receiver indices).
pinned() { bpftool -j map "$1" pinned "/sys/fs/bpf/wg-xdp/$IFA/$2" 2>/dev/null; }
rx_sum() { wgx_stat $A $IFA "sum(v for k, v in d['reasons'].items() if k.startswith('rx_'))"; }
idx_keys() {
	pinned dump wgx_idx | python3 -c 'import json, sys
print(" ".join(sorted(str(e["formatted"]["key"]) for e in json.load(sys.stdin))))'
}
maps_before() {
	[ "$1" != socket ] || return 0
	STATS_ID=$(pinned show wgx_stats | json_get - "d['id']") RX0=$(rx_sum) IDX0=$(idx_keys)
}

# maps_reused MODE: after kill_attach, the new daemon took the killed one's
# maps over: the same wgx_stats (its counters carry on), and not one of the
# killed daemon's receiver indices left in wgx_idx (the new session's only).
maps_reused() {
	local id rx idx
	[ "$1" != socket ] || return 0
	id=$(pinned show wgx_stats | json_get - "d['id']") rx=$(rx_sum) idx=$(idx_keys)
	ok $([ -n "$id" ] && [ "$id" = "$STATS_ID" ] && [ "${rx:-0}" -ge "${RX0:-1}" ]; echo $?) \
		"$1: the killed daemon's maps reused: wgx_stats id $STATS_ID -> $id, rx_* counters $RX0 -> $rx (carried on)"
	ok $([ -n "$IDX0" ] && [ -n "$idx" ] && [ -z "$(comm -12 <(tr ' ' '\n' <<<"$IDX0") <(tr ' ' '\n' <<<"$idx"))" ]; echo $?) \
		"$1: and emptied: none of the old receiver indices ($IDX0) left in wgx_idx ($idx)"
}

# kill_attach MODE WHAT FROM: A's daemon was killed and reaped: attach again
# over what it left, configure, and time the first echo reply from T0 (or
# now) (< 2 s).
kill_attach() {
	local t0 t1 ms rc=1
	t0=${T0:-$(date +%s%N)}
	T0=
	START_NOWAIT='' start_a >/dev/null 2>&1 &&
		wg_side $A $IFA 1 "$KA" "$PB" "endpoint 198.18.0.2:51820" 2 >/dev/null 2>&1
	while [ $(( $(date +%s%N) - t0 )) -lt 5000000000 ]; do
		ip netns exec $A ping -c 1 -W 0.2 100.64.0.2 >/dev/null 2>&1 && { rc=0; break; }
	done
	t1=$(date +%s%N) ms=$(( (t1 - t0) / 1000000 ))
	echo "# $1: kill -9 of $2, attach again: first echo reply $ms ms after $3" | tee -a "$LOGDIR/summary"
	ok $(( rc == 0 && ms < 2000 ? 0 : 1 )) "$1: kill -9 of $2, attach again: pings answered $ms ms after $3 (< 2000)"
	maps_reused $1
}

for m in $MODES; do
	if [ "$m" != socket ]; then
		why=$(xdp_unavailable_reason)
		[ -z "$why" ] || { skip "$why" "$m: restart"; continue; }
	fi
	one_mode "$m"
done
cat "$LOGDIR/summary" 2>/dev/null | sed 's/^# //; s/^/# summary: /'
finish
