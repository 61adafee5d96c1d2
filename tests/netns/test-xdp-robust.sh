#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# XDP mode under stress and failure: per-peer ordering, garbage to the listen
# port, kill -9 and re-attach, detach undoing everything.
#
#   wgx-xr-aPID                               wgx-xr-bPID
#  +-------------------------------+         +-------------------------------+
#  | wgxraPID (wg-xdp --mode xdp)  |         | wgxrbPID (wg-xdp --mode xdp)  |
#  |   100.64.0.1/24               |         |   100.64.0.2/24               |
#  | veth0 [XDP wgx_rx]            |         | veth0 [XDP wgx_rx]            |
#  |   198.18.0.1/24               +---------+   198.18.0.2/24               |
#  +-------------------------------+         +-------------------------------+
#
# 1. 100k numbered UDP datagrams B -> A through the one peer, 2 crypto workers
#    on each side: none reordered.
# 2. 5000 malformed datagrams to A's listen port: dropped by wgx_rx (its
#    counters rise by that much, the daemon's socket sees none), tunnel works.
# 3. kill -9 A's daemon; attach again: the stale veth and XDP program are
#    replaced, the tunnel works again.
# Idle: the daemon sleeps (< 1% CPU) when nothing flows. Roaming: B's
# underlay address changes, A follows. The underlay veth pair is deleted
# (both daemons report it, their UMEM frames come back) and re-created: XDP
# and AF_XDP attach to the new interface and carry the tunnel again. Map sync: A's pinned BPF maps hold
# the receiver index, the roamed endpoint and the allowed IP; removing the
# peer through wg empties them.
# 4. `wg-xdp detach`: XDP program off veth0, tunnel veth gone, UAPI socket gone.
. "$(dirname "$0")/lib.sh"
require_root
command -v python3 >/dev/null || skip_all "python3 not installed"
why=$(impl_available wg-xdp) || skip_all "$why"

A=wgx-xr-a$$ B=wgx-xr-b$$ IFA=wgxra$$ IFB=wgxrb$$
N_ORDER=${WGX_ORDER_COUNT:-100000}
export WGX_ATTACH_ARGS="--workers 2"

setup_underlay
KA=$(genkey) KB=$(genkey)
PA=$(pubkey "$KA") PB=$(pubkey "$KB")

check "A: wg-xdp --mode xdp up" start_wg wg-xdp $A $IFA xdp &&
check "B: wg-xdp --mode xdp up" start_wg wg-xdp $B $IFB xdp &&
check "A configured" configure $A $IFA 1 "$KA" "$PB" 198.18.0.2:51820 2 &&
check "B configured" configure $B $IFB 2 "$KB" "$PA" 198.18.0.1:51820 1 &&
check "tunnel up: ping A -> B" ip netns exec $A ping -c 2 -i 0.2 -W 5 100.64.0.2 || { finish; exit; }
check "A runs 2 crypto workers" test "$(stat_of $A $IFA workers)" = 2

# ---- 1. ordering ----
order_test() {
	local out=$LOGDIR/order.out got reord
	ip netns exec $A python3 "$TOOL" seq-recv 7001 "$N_ORDER" 3 >"$out" &
	local rpid=$!
	wait_for "receiver" 50 grep -q ready "$out"
	ip netns exec $B python3 "$TOOL" seq-send 100.64.0.1 7001 "$N_ORDER"
	wait $rpid
	read -r _ got _ reord < <(grep received "$out")
	echo "received $got of $N_ORDER, reordered $reord"
	echo "ordering: received $got of $N_ORDER datagrams, $reord reordered" >"$LOGDIR/order.sum"
	[ "$reord" -eq 0 ] && [ "$got" -ge $((N_ORDER / 10)) ]
}
check "$N_ORDER numbered datagrams B -> A through one peer: none reordered" order_test
diag "$(cat "$LOGDIR/order.sum" 2>/dev/null)"

# ---- 2. garbage ----
garbage_test() {
	local hs_before hs_after n=5000 k sum_b=0 sum_a=0
	for k in rx_bad_type rx_bad_reserved rx_short_msg rx_bad_len rx_unknown_idx; do
		sum_b=$((sum_b + $(stat_of $A $IFA $k)))
	done
	hs_before=$(( $(stat_of $A $IFA cp_bad_mac1) + $(stat_of $A $IFA cp_hs_invalid) ))
	ip netns exec $B python3 "$TOOL" garbage-xdp 198.18.0.1 51820 $n || return 1
	sleep 0.5
	for k in rx_bad_type rx_bad_reserved rx_short_msg rx_bad_len rx_unknown_idx; do
		sum_a=$((sum_a + $(stat_of $A $IFA $k)))
	done
	hs_after=$(( $(stat_of $A $IFA cp_bad_mac1) + $(stat_of $A $IFA cp_hs_invalid) ))
	echo "XDP drop counters +$((sum_a - sum_b)) for $n sent; daemon handshake drops +$((hs_after - hs_before))" |
		tee "$LOGDIR/garbage.sum"
	[ $((sum_a - sum_b)) -ge $n ] && [ "$hs_after" -eq "$hs_before" ]
}
check "5000 garbage datagrams to the listen port dropped in XDP, not by the daemon" garbage_test
diag "$(cat "$LOGDIR/garbage.sum" 2>/dev/null)"
check "tunnel still works after the garbage" ip netns exec $B ping -c 2 -i 0.2 -W 5 100.64.0.1

# ---- idle ----
idle_cpu() {	# idle_cpu PID: under 1% CPU over 5 s once traffic stopped
	local hz t0 t1
	hz=$(getconf CLK_TCK)
	sleep 1
	t0=$(awk '{print $14 + $15}' "/proc/$1/stat")
	sleep 5
	t1=$(awk '{print $14 + $15}' "/proc/$1/stat")
	echo "$((t1 - t0)) ticks of $((5 * hz)) in 5 s"
	echo "idle daemon: $((t1 - t0)) CPU ticks in 5 s (${hz}/s)" >"$LOGDIR/idle.sum"
	[ $((t1 - t0)) -lt $((5 * hz / 100)) ]
}
check "idle daemon (2 workers) uses < 1% CPU" idle_cpu "${PIDS[0]}"
diag "$(cat "$LOGDIR/idle.sum" 2>/dev/null)"

# ---- 3. kill -9, attach again ----
PID_A=${PIDS[0]}
kill -9 "$PID_A"
wait "$PID_A" 2>/dev/null
PIDS=("${PIDS[@]:1}")
check "after kill -9: XDP program still on veth0 (what a crash leaves)" \
	bash -c "ip -n $A link show veth0 | grep -q 'prog/xdp'"
check "after kill -9: the tunnel veth is still there" ip -n $A link show $IFA
rm -f "/var/run/wireguard/$IFA.sock"
check "re-attach over the leftovers" start_wg wg-xdp $A $IFA xdp &&
check "re-configured" configure $A $IFA 1 "$KA" "$PB" 198.18.0.2:51820 2 &&
check "tunnel works after re-attach: ping A -> B" ip netns exec $A ping -c 3 -i 0.3 -W 5 100.64.0.2

# ---- roaming ----
roamed() {	# B moves to 198.18.0.3: A learns it from B's authenticated data
	# (deleting a primary address first: it would take secondaries with it)
	ip -n $B addr del 198.18.0.2/24 dev veth0 && ip -n $B addr add 198.18.0.3/24 dev veth0 ||
		return 1
	for _ in $(seq 30); do
		ip netns exec $B ping -c 1 -W 1 100.64.0.1 >/dev/null
		ip netns exec $A wg show $IFA endpoints | grep -q '198.18.0.3:51820' && break
		sleep 0.5
	done
	ip netns exec $A wg show $IFA endpoints
	ip netns exec $A wg show $IFA endpoints | grep -q '198.18.0.3:51820' &&
		ip netns exec $A ping -c 2 -i 0.3 -W 5 100.64.0.2
}
check "roaming: B moves to 198.18.0.3, A follows and the tunnel works" roamed

# ---- underlay interface deleted and re-created ----
xdp_mode_is() {	# xdp_mode_is NS IFNAME WANT: stats report xdp_mode WANT (within 3 s)
	local _
	for _ in $(seq 30); do
		[ "$(stat_of $1 $2 xdp_mode)" = "$3" ] && return 0
		sleep 0.1
	done
	echo "xdp_mode $(stat_of $1 $2 xdp_mode), want $3"
	return 1
}
new_underlay() {	# a new veth pair of the same name, B still at 198.18.0.3
	ip -n $A link add veth0 type veth peer name veth0 netns $B &&
	ip -n $A addr add 198.18.0.1/24 dev veth0 && ip -n $B addr add 198.18.0.3/24 dev veth0 &&
	ip -n $A link set veth0 up && ip -n $B link set veth0 up
}
pings_through_xsk() {	# pings both ways; A's AF_XDP counters rise (XDP data plane, not the socket)
	local rx0 tx0
	rx0=$(stat_of $A $IFA xsk_nic_rx) tx0=$(stat_of $A $IFA xsk_nic_tx)
	ip netns exec $A ping -c 3 -i 0.3 -W 5 100.64.0.2 && ip netns exec $B ping -c 3 -i 0.3 -W 5 100.64.0.1 ||
		return 1
	echo "A xsk_nic_rx $rx0 -> $(stat_of $A $IFA xsk_nic_rx), xsk_nic_tx $tx0 -> $(stat_of $A $IFA xsk_nic_tx)"
	[ "$(stat_of $A $IFA xsk_nic_rx)" -ge $((rx0 + 5)) ] && [ "$(stat_of $A $IFA xsk_nic_tx)" -ge $((tx0 + 5)) ]
}
both_report() {	# both_report XDP_MODE LOG_WORD WHAT: both daemons' stats and logs say so
	local mode=$1 word=$2 what=$3 ns ifn
	for ns in $A $B; do
		ifn=$IFA
		[ $ns = $B ] && ifn=$IFB
		check "$ifn $what (stats xdp_mode $mode)" xdp_mode_is $ns $ifn $mode
		check "$ifn logged it" grep -q "underlay interface veth0 is $word" "$LOGDIR/$ifn.log"
	done
}
frames_before=$(stat_of $A $IFA frames_free)
check "underlay veth pair deleted" ip -n $A link del veth0
both_report gone gone "reports its underlay interface gone"
check "a new veth pair named veth0 comes up" new_underlay
both_report native back "re-attached XDP to the new veth0"
check "the tunnel works both ways over the new interface, through AF_XDP again" pings_through_xsk
frames_after=$(stat_of $A $IFA frames_free)
[ "$frames_after" -ge $((frames_before - 64)) ]
ok $? "A's free UMEM frames after the replacement: $frames_before -> $frames_after (the dead sockets' frames came back)"

# ---- map sync ----
map_json() {	# map_json MAP: A's pinned map, in the host's bpffs
	bpftool -j map dump pinned "/sys/fs/bpf/wg-xdp/$IFA/$1"
}
py_assert() {	# py_assert EXPR: EXPR over d = the JSON on stdin holds
	local got
	got=$(json_get - "$1") || return 1
	[ "$got" = True ] || { echo "not true: $1"; return 1; }
}
maps_mirror() {
	map_json wgx_idx | py_assert "d and all(e['formatted']['value']['peer_id'] == 1 for e in d)" &&
	map_json wgx_peers |
		py_assert "d[0]['formatted']['value']['endpoint']['addr'][:4] == [198, 18, 0, 3]" &&
	map_json wgx_hosts4 | py_assert "[(e['formatted']['key']['addr'], e['formatted']['value']['peer_id']) for e in d] == [([100, 64, 0, 2], 1)]"
}
check "BPF maps mirror A: receiver index, roamed endpoint, allowed IP" maps_mirror
maps_emptied() {
	ip netns exec $A wg set $IFA peer "$PB" remove || return 1
	for m in wgx_idx wgx_peers wgx_hosts4; do
		echo "$m: $(map_json $m)"
		[ "$(map_json $m)" = "[]" ] || return 1
	done
}
check "peer removed through wg: its indices, entry and allowed IPs leave the maps" maps_emptied

# ---- 4. detach ----
detached_clean() {
	! ip -n $A link show veth0 | grep -q 'prog/xdp' &&
	! ip -n $A link show "$IFA" 2>/dev/null &&
	[ "$(ip -n $A -o link | wc -l)" -eq 2 ] &&
	[ ! -S "/var/run/wireguard/$IFA.sock" ]
}
check "wg-xdp detach" ip netns exec $A "$WGX" detach $IFA
check "after detach: no XDP on veth0, tunnel veth pair gone, no UAPI socket" detached_clean

killed_then_detached() {	# detach of a kill -9'd daemon still removes the tunnel veth
	start_wg wg-xdp $A $IFA xdp || return 1
	kill -9 "${PIDS[-1]}"
	wait "${PIDS[-1]}" 2>/dev/null
	ip -n $A link show "$IFA" || return 1
	ip netns exec $A "$WGX" detach $IFA
	! ip -n $A link show "$IFA" 2>/dev/null
}
check "kill -9 then wg-xdp detach: the leftover tunnel veth is removed" killed_then_detached
finish
