#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The underlay is chosen again when routes change (issue 16; control/underlay.h):
# wg-xdp in XDP mode with `attach auto` starts on the interface of the route
# to its peer's endpoint; `ip route replace` moves that route to the other
# path under a running ping -> after the routes settle, XDP (and on the XSK
# path the AF_XDP sockets) leave p1 for p2, the tunnel keeps answering, and
# its packets cross p2, not p1; moved back, it returns. A named underlay
# (`attach p1`, or `Underlay = p2` in --config without IFACE) never moves.
# Both XDP paths: --path xsk and --path socket.
#
#   wgx-h3-uaPID (wg-xdp, wgh3aPID 100.64.0.1)    wgx-h3-ubPID (wireguard-go, wgh3bPID 100.64.0.2)
#     p1 198.18.1.1/24 <----------------------> q1 198.18.1.2/24
#     p2 198.18.2.1/24 <----------------------> q2 198.18.2.2/24
#     198.19.0.2/32 via 198.18.1.2 (p1)           lo 198.19.0.2/32: the endpoint, port 51820
#        ... then via 198.18.2.2 (p2)
. "$(dirname "$0")/lib.sh"
require_root
why=$(impl_available wireguard-go) || skip_all "$why"
why=$(xdp_unavailable_reason)
[ -z "$why" ] || skip_all "$why"
A=wgx-h3-ua$$ B=wgx-h3-ub$$
IFN=wgh3a$$ IFB=wgh3b$$
IFN=${IFN:0:15} IFB=${IFB:0:15}
KA=$(genkey) KB=$(genkey)
PA=$(pubkey "$KA") PB=$(pubkey "$KB")

setup() {
	netns_add $A && netns_add $B || return 1
	for i in 1 2; do
		ip -n $A link add p$i type veth peer name q$i netns $B &&
		ip -n $A addr add 198.18.$i.1/24 dev p$i && ip -n $B addr add 198.18.$i.2/24 dev q$i &&
		ip -n $A link set p$i up && ip -n $B link set q$i up || return 1
	done
	ip -n $B addr add 198.19.0.2/32 dev lo &&
	ip -n $A route add 198.19.0.2/32 via 198.18.1.2 dev p1 || return 1
	# Replies come back on whichever path the request left by.
	for ns in $A $B; do
		ip netns exec $ns sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	done
}

iface_is() {	# iface_is NAME: wg-xdp's XDP plane is on NAME
	[ "$(wgx_stat $A $IFN "d.get('xdp', {}).get('iface', '')")" = "$1" ]
}
has_xdp() { ip -n $A -d link show "$1" | grep -q 'prog/xdp'; }
rx_of() { ip netns exec $B cat /sys/class/net/$1/statistics/rx_packets; }

# crossing PATH_TAKEN PATH_NOT: 30 pings in 3 s all answered, each crossing
# q$PATH_TAKEN (>= 30 more packets received there) and not q$PATH_NOT (< 5)
crossing() {
	local on=$1 off=$2 on0 off0 on1 off1 lost
	on0=$(rx_of q$on) off0=$(rx_of q$off)
	ip netns exec $A ping -q -c 30 -i 0.1 -W 1 100.64.0.2 >"$LOGDIR/ping.out" 2>&1
	lost=$?
	on1=$(rx_of q$on) off1=$(rx_of q$off)
	echo "# q$on +$((on1 - on0)) packets, q$off +$((off1 - off0)); $(grep -o '[0-9]* received' "$LOGDIR/ping.out")"
	[ $lost -eq 0 ] && [ $((on1 - on0)) -ge 30 ] && [ $((off1 - off0)) -lt 5 ]
}

run_path() {	# run_path PATH
	local path=$1 under=auto ploss
	setup || { ok 1 "$path: topology"; return; }
	cat >"$LOGDIR/a.conf" <<-CONF
	[Interface]
	PrivateKey = $KA
	[Peer]
	PublicKey = $PB
	Endpoint = 198.19.0.2:51820
	AllowedIPs = 100.64.0.2/32
	CONF
	START_CONFIG=$LOGDIR/a.conf WGX_PATH=$path start_wg wg-xdp $A $IFN xdp $under || {
		ok 1 "$path: wg-xdp attach auto comes up"; teardown_all; return; }
	ip -n $A addr add 100.64.0.1/24 dev $IFN && ip -n $A link set $IFN up
	start_wg wireguard-go $B $IFB &&
	wg_side $B $IFB 2 "$KB" "$PA" "" 1 || { ok 1 "$path: peer"; teardown_all; return; }
	check "$path: auto underlay p1, from the route to the peer's endpoint" iface_is p1
	check "$path: XDP on p1" has_xdp p1
	check "$path: tunnel up" tunnel_up $A 100.64.0.2
	check "$path: pings cross p1" crossing 1 2

	# The move, under a running ping: few lost while the routes settle (300 ms).
	ip netns exec $A ping -q -c 40 -i 0.05 -W 1 100.64.0.2 >"$LOGDIR/move.out" 2>&1 &
	local ping=$! t0 ms n=60
	sleep 0.5
	t0=$(date +%s%N)
	ip -n $A route replace 198.19.0.2/32 via 198.18.2.2 dev p2
	while [ $n -gt 0 ] && ! iface_is p2; do sleep 0.02; n=$((n - 1)); done
	ms=$((($(date +%s%N) - t0) / 1000000))
	wait $ping
	ploss=$(grep -o '[0-9]*% packet loss' "$LOGDIR/move.out")
	ok "$([ "${ploss%%%*}" -le 25 ]; echo $?)" "$path: ping across the route move: $ploss (at most 25%)"
	ok "$(iface_is p2; echo $?)" "$path: re-chosen: XDP plane on p2, $ms ms after the route moved (debounce 300 ms)"
	check "$path: XDP on p2, gone from p1" sh -c "ip -n $A -d link show p2 | grep -q prog/xdp && ! ip -n $A -d link show p1 | grep -q prog/xdp"
	check "$path: the log says so" grep -q "routes changed: underlay p1 -> p2" "$LOGDIR/$IFN.log"
	local tx0 tx1
	tx0=$(stat_of $A $IFN xsk_nic_tx)
	check "$path: pings cross p2, not p1" crossing 2 1
	tx1=$(stat_of $A $IFN xsk_nic_tx)
	if [ "$path" = xsk ]; then
		ok "$([ $((tx1 - tx0)) -ge 30 ]; echo $?)" "xsk: p2's AF_XDP sockets sent them (xsk_nic_tx +$((tx1 - tx0)))"
	fi
	ip -n $A route replace 198.19.0.2/32 via 198.18.1.2 dev p1
	check "$path: route back: XDP plane on p1 again" wait_for "iface p1" 30 iface_is p1
	check "$path: pings cross p1 again" crossing 1 2
	teardown_all
}

run_named() {	# a named underlay stays where it was named
	setup || { ok 1 "named: topology"; return; }
	: >"$LOGDIR/$IFN.log"
	START_CONFIG=$LOGDIR/a.conf start_wg wg-xdp $A $IFN xdp p1 || {
		ok 1 "named: wg-xdp attach p1 comes up"; teardown_all; return; }
	ip -n $A addr add 100.64.0.1/24 dev $IFN && ip -n $A link set $IFN up
	start_wg wireguard-go $B $IFB && wg_side $B $IFB 2 "$KB" "$PA" "" 1
	check "named: tunnel up on p1" tunnel_up $A 100.64.0.2
	ip -n $A route replace 198.19.0.2/32 via 198.18.2.2 dev p2
	sleep 1.5
	check "named: still on p1 after the route moved (not chosen again)" iface_is p1
	check "named: no re-choice logged" sh -c "! grep -q 'routes changed' '$LOGDIR/$IFN.log'"
	check "named: the tunnel still answers (over p2 through the kernel)" crossing 2 1
	teardown_all
}

run_config() {	# --config's Underlay, no IFACE on the command line: named there, so it stays
	setup || { ok 1 "config: topology"; return; }
	sed 's/^\[Interface\]$/[Interface]\nUnderlay = p2/' "$LOGDIR/a.conf" >"$LOGDIR/b.conf"
	ip netns exec $A "$WGX" attach --name $IFN --mode xdp --config "$LOGDIR/b.conf" --foreground \
		>"$LOGDIR/config.log" 2>&1 &
	PIDS+=($!)
	check "config: attach without IFACE, Underlay = p2 in --config: up" wait_for "$IFN uapi" 100 wg show $IFN
	check "config: XDP plane on p2 (the route to the peer is via p1)" iface_is p2
	teardown_all
}

run_path xsk
run_path socket
run_named
run_config
finish
