#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A killed daemon's state, and a live daemon's safety (issue 17, defects 2, 5, 8).
#
#   ns wgx-h1-sa$$ (side A)                     ns wgx-h1-sb$$ (side B)
#  +---------------------------------+         +------------------------------+
#  | h1saN: wg-xdp --mode xdp  :51820|         | h1sbN: wg-xdp --mode socket  |
#  | veth0 [XDP wgx_rx] 198.18.0.1/24+---------+ veth0 198.18.0.2/24  :51820  |
#  | 100.64.0.1 (tunnel)             |         | 100.64.0.2 (tunnel)          |
#  +---------------------------------+         +------------------------------+
#  WGX_RUN_DIR (pid files, statistics sockets): this test's own directory.
#
# 1. Defect 2: kill -9 A's daemon, leave it a zombie (its parent never reaps),
#    then `wg-xdp detach`: every trace goes (wgx_rx on veth0, the pins, the
#    tunnel veth, UAPI and statistics sockets, pid file), each reported; a
#    second detach says "not attached". Another WireGuard on port 51820 of A
#    (wg-xdp, socket mode, another name) then carries traffic (before: the
#    leftover wgx_rx black-holed it). Detach run in B's namespace instead
#    cannot reach A's wgx_rx: it says so and keeps the pins, and a detach
#    in A's namespace then removes it.
# 2. After kill -9, `attach` of the same NAME replaces the stale state and the
#    tunnel carries traffic again in < 2 s (kill to first echo reply, measured).
#    Also when the pins were removed too: a wgx program that uses no
#    instance's pinned maps is an orphan, removed.
# 3. Defect 5: with A's daemon serving, a second attach on veth0 (another NAME
#    on the same port, then the same NAME) fails with a clear error and A's
#    wgx_rx stays: still on veth0, stats still xdp_mode native, tunnel pings.
# 4. Defect 8: a daemon started under umask 000 has a 0644 pid file; a stale
#    pid file naming an unrelated live process (a reused pid) neither stops
#    attach nor makes detach signal that process; a pid file planted as a
#    symlink is never written through; `detach ../../x` is refused and
#    touches nothing outside the run directory.
. "$(dirname "$0")/lib.sh"
require_root
why=$(impl_available wg-xdp) || skip_all "$why"
why=$(xdp_unavailable_reason) && [ -n "$why" ] && skip_all "$why"

A=wgx-h1-sa$$ B=wgx-h1-sb$$ IFA=h1sa$$ IFB=h1sb$$ IFC=h1sc$$ IFX=h1sx$$
IFA=${IFA:0:15} IFB=${IFB:0:15} IFC=${IFC:0:15} IFX=${IFX:0:15}
export WGX_RUN_DIR=$LOGDIR/run
PINS=/sys/fs/bpf/wg-xdp
trap 'for n in $IFA $IFC $IFX; do "$WGX" detach $n >/dev/null 2>&1; rm -f /var/run/wireguard/$n.sock; done; cleanup' EXIT
setup_underlay || { ok 1 "underlay"; finish; exit; }
KA=$(genkey) KB=$(genkey)
PA=$(pubkey "$KA") PB=$(pubkey "$KB")

wgx() { ip netns exec $A "$WGX" "$@"; }
rx_on_veth0() { ip -n $A link show veth0 | grep -q 'prog/xdp'; }
conf_a() { configure $A "$1" 1 "$KA" "$PB" 198.18.0.2:51820 2; }

check "B: wg-xdp --mode socket" start_wg wg-xdp $B $IFB socket &&
	check "B configured" configure $B $IFB 2 "$KB" "$PA" 198.18.0.1:51820 1

# A's daemon as the child of a process that never reaps it (a zombie once killed).
start_unreaped() {	# start_unreaped IFNAME: $DPID the daemon, its parent in PIDS
	rm -f "$LOGDIR/dpid"
	ip netns exec $A sh -c '"$0" attach veth0 --name "$1" --mode xdp --path xsk --foreground \
		>>"$2" 2>&1 & echo $! >"$3"; exec sleep 600' \
		"$WGX" "$1" "$LOGDIR/$1.log" "$LOGDIR/dpid" &
	PIDS+=($!)
	wait_for "$1 uapi" 100 ip netns exec $A wg show "$1" || return 1
	DPID=$(cat "$LOGDIR/dpid")
}

# ---- 1. kill -9, zombie, detach ----
check "A: wg-xdp --mode xdp on veth0 (its parent never reaps it)" start_unreaped $IFA &&
	check "A configured" conf_a $IFA
check "tunnel up: ping A -> B" tunnel_up $A 100.64.0.2
kill -9 "$DPID"
check "kill -9: the daemon (pid $DPID) is a zombie" wait_for zombie 30 \
	bash -c "grep -q '^State:.*Z' /proc/$DPID/status"
check "what it left: wgx_rx on veth0, pins, tunnel veth, pid file, sockets" bash -c \
	"ip -n $A link show veth0 | grep -q prog/xdp && [ -d $PINS/$IFA ] && ip -n $A link show $IFA &&
	 [ -e $WGX_RUN_DIR/$IFA.pid ] && [ -S $WGX_RUN_DIR/$IFA.ctl ] && [ -S /var/run/wireguard/$IFA.sock ]"
out=$(wgx detach $IFA 2>&1); rc=$?
echo "$out" | sed 's/^/# detach: /'
ok $(( rc == 0 && $(echo "$out" | grep -c 'removed') >= 5 ? 0 : 1 )) \
	"detach after kill -9 (zombie pid) exits 0 and reports each removal"
ok $(rx_on_veth0 && echo 1 || echo 0) "no XDP program left on veth0"
check "no pins left ($PINS/$IFA)" test ! -e $PINS/$IFA
check "no tunnel veth, no pid file, no statistics or UAPI socket" bash -c \
	"! ip -n $A link show $IFA 2>/dev/null && [ ! -e $WGX_RUN_DIR/$IFA.pid ] &&
	 [ ! -e $WGX_RUN_DIR/$IFA.ctl ] && [ ! -e /var/run/wireguard/$IFA.sock ]"
out=$(wgx detach $IFA 2>&1); rc=$?
ok $(( rc == 1 && $(echo "$out" | grep -c 'is not attached') == 1 ? 0 : 1 )) \
	"a second detach: 'not attached', exit 1 ($out)"
kill "${PIDS[-1]}" 2>/dev/null	# the parent: reaps nothing, the zombie goes with it
check "another WireGuard on A's port 51820 (wg-xdp socket mode, $IFC)" start_wg wg-xdp $A $IFC socket &&
	check "configured with A's key" conf_a $IFC
check "it carries traffic: ping A -> B (nothing black-holes port 51820)" tunnel_up $A 100.64.0.2
check "stopped with detach" wgx detach $IFC

# ---- 1b. detach in the wrong network namespace keeps what it cannot reach ----
check "A: wg-xdp --mode xdp" start_wg wg-xdp $A $IFA xdp
kill -9 "$WG_PID"
wait "$WG_PID" 2>/dev/null
out=$(ip netns exec $B "$WGX" detach $IFA 2>&1)
echo "$out" | sed 's/^/# detach in B: /'
ok $(( $(echo "$out" | grep -c 'attached outside this network namespace: pins kept') == 1 ? 0 : 1 )) \
	"detach from B (A's wgx_rx out of its reach): says so"
check "and keeps the pins, by which A's namespace finds it" test -d $PINS/$IFA
check "wgx_rx still on A's veth0" rx_on_veth0
out=$(wgx detach $IFA 2>&1); rc=$?
echo "$out" | sed 's/^/# detach in A: /'
ok $(( rc == 0 && $(echo "$out" | grep -c 'removed wgx_rx') == 1 ? 0 : 1 )) "detach in A then removes it"
check "nothing left: veth0, pins, tunnel veth" bash -c \
	"! ip -n $A link show veth0 | grep -q prog/xdp && [ ! -e $PINS/$IFA ] && ! ip -n $A link show $IFA 2>/dev/null"

# ---- 2. kill -9, attach again: traffic in < 2 s ----
first_reply() {	# first_reply DEADLINE_NS: ping until an echo comes back or the deadline
	while [ "$(date +%s%N)" -lt "$1" ]; do
		ip netns exec $A ping -c 1 -W 0.2 100.64.0.2 >/dev/null 2>&1 && return 0
	done
	return 1
}
check "A: wg-xdp --mode xdp again" start_wg wg-xdp $A $IFA xdp && check "configured" conf_a $IFA
check "tunnel up" tunnel_up $A 100.64.0.2
kill -9 "$WG_PID"
t0=$(date +%s%N)
wait "$WG_PID" 2>/dev/null
check "re-attach $IFA over the killed daemon's state" start_wg wg-xdp $A $IFA xdp &&
	check "configured" conf_a $IFA
first_reply $((t0 + 10000000000)); rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
ok $(( rc == 0 && ms < 2000 ? 0 : 1 )) "kill -9 to the first echo through the new daemon: $ms ms (< 2000)"
check "the new daemon removed the stale state itself (its log)" \
	grep -q 'removed wgx_rx' "$LOGDIR/$IFA.log"

# An orphan: killed, its pins removed by hand (or by an older wg-xdp's detach).
kill -9 "$WG_PID"
wait "$WG_PID" 2>/dev/null
rm -rf "$PINS/$IFA"
check "killed and its pins removed: its wgx_rx is an orphan on veth0" rx_on_veth0
check "attach again: the orphan is removed, not taken for another daemon's" \
	start_wg wg-xdp $A $IFA xdp && check "configured" conf_a $IFA
check "tunnel up through the new daemon" tunnel_up $A 100.64.0.2

# ---- 3. a second attach never disturbs the running daemon ----
xdp_native() { [ "$(stat_of $A $IFA xdp_mode)" = native ]; }
check "A serves: xdp_mode native" xdp_native
printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\n' "$(genkey)" >"$LOGDIR/x.conf"
out=$(wgx attach veth0 --name $IFX --mode xdp --config "$LOGDIR/x.conf" 2>&1); rc=$?
echo "$out" | sed 's/^/# second NAME: /'
ok $(( rc != 0 ? 0 : 1 )) "attach of another NAME on veth0, same port 51820, fails (exit $rc)"
ok $(( $(echo "$out" | grep -c 'cannot bind UDP port 51820') >= 1 ? 0 : 1 )) "naming the port"
check "A's wgx_rx is still on veth0" rx_on_veth0
check "A still reports xdp_mode native" xdp_native
check "and still carries traffic: ping A -> B" ping_ok $A 100.64.0.2
prog_id() { ip -n $A -d link show veth0 | grep -o 'prog/xdp id [0-9]*'; }
id0=$(prog_id)
sed -i 's/51820/51821/' "$LOGDIR/x.conf"
out=$(wgx attach veth0 --name $IFX --mode xdp --path xsk --config "$LOGDIR/x.conf" 2>&1); rc=$?
echo "$out" | sed 's/^/# second NAME, port 51821: /'
if [ $rc -ne 0 ]; then	# wgx_rx alone on veth0 (no libxdp dispatcher here): it is A's
	ok $(( $(echo "$out" | grep -c 'of another wg-xdp daemon, not replacing it') == 1 ? 0 : 1 )) \
		"attach of another NAME on veth0, port 51821, is refused: A's lone wgx_rx is not replaced"
	ok $([ "$(prog_id)" = "$id0" ] && echo 0 || echo 1) "veth0 still runs A's program ($id0)"
else			# through the dispatcher: next to A's
	check "attach of another NAME on veth0, port 51821, joins A's wgx_rx (dispatcher)" \
		wgx detach $IFX
fi
check "A still reports xdp_mode native" xdp_native
check "and still carries traffic: ping A -> B" ping_ok $A 100.64.0.2
out=$(wgx attach veth0 --name $IFA --mode xdp 2>&1); rc=$?
echo "$out" | sed 's/^/# same NAME: /'
ok $(( rc != 0 && $(echo "$out" | grep -c 'already attached') == 1 ? 0 : 1 )) \
	"attach of the same NAME fails: already attached"
check "A still carries traffic: ping A -> B" ping_ok $A 100.64.0.2
check "detach A" wgx detach $IFA
check "after detach: nothing on veth0" bash -c "! ip -n $A link show veth0 | grep -q prog/xdp"

# ---- 4. pid files ----
umask 000
check "A under umask 000" start_wg wg-xdp $A $IFA socket
umask 022
mode=$(stat -c %a "$WGX_RUN_DIR/$IFA.pid" 2>/dev/null)
ok $([ "$mode" = 644 ] && echo 0 || echo 1) "its pid file is mode $mode (644)"
check "detach" wgx detach $IFA

sleep 600 &
VICTIM=$!
PIDS+=($VICTIM)
echo $VICTIM >"$WGX_RUN_DIR/$IFA.pid"
out=$(wgx detach $IFA 2>&1); rc=$?
echo "$out" | sed 's/^/# detach, stale pid file: /'
check "a stale pid file naming a live unrelated process (pid $VICTIM): detach leaves it running" \
	kill -0 $VICTIM
check "and removes the stale pid file" test ! -e "$WGX_RUN_DIR/$IFA.pid"
echo $VICTIM >"$WGX_RUN_DIR/$IFA.pid"
check "attach over that stale pid file succeeds" start_wg wg-xdp $A $IFA socket
ok $([ "$(cat "$WGX_RUN_DIR/$IFA.pid")" = "$WG_PID" ] && echo 0 || echo 1) "the pid file names the new daemon"
check "detach stops the daemon, not the unrelated process" bash -c \
	"ip netns exec $A '$WGX' detach $IFA && kill -0 $VICTIM && ! kill -0 $WG_PID 2>/dev/null"

echo precious >"$LOGDIR/victim"
ln -s "$LOGDIR/victim" "$WGX_RUN_DIR/$IFA.pid"
check "a pid file planted as a symlink: attach succeeds" start_wg wg-xdp $A $IFA socket
check "the symlink's target is untouched" grep -qx precious "$LOGDIR/victim"
check "detach" wgx detach $IFA

mkdir -p "$WGX_RUN_DIR/a/b"
touch "$WGX_RUN_DIR/x.pid" "$WGX_RUN_DIR/x.ctl"
out=$(WGX_RUN_DIR=$WGX_RUN_DIR/a/b "$WGX" detach ../../x 2>&1); rc=$?
ok $(( rc == 2 && $(echo "$out" | grep -c 'not a valid interface name') == 1 ? 0 : 1 )) \
	"detach ../../x: refused, exit $rc ($out)"
check "nothing outside the run directory removed" test -e "$WGX_RUN_DIR/x.pid" -a -e "$WGX_RUN_DIR/x.ctl"
finish
