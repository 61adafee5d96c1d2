#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Restart: LEFT (wg-xdp) started from a config file is killed with SIGKILL and
# started again with the same file; it initiates to its known endpoint at
# start (RIGHT's latest handshake advances with no traffic), so the tunnel is
# back in under 2 s (WGX_RESTART_BOUND_MS: vmtest's emulated guests, where
# starting the process alone takes over a second, allow more) while RIGHT
# keeps its stale session; once with RIGHT's endpoint on the IPv4 underlay,
# once on the IPv6 underlay. Then `wg-xdp detach` must leave no link, no
# bpffs pin and no UAPI socket behind.
#
#   wgx-rst-aPID (LEFT: attach --config)    wgx-rst-bPID (RIGHT)
#  +------------------------------+        +------------------------------+
#  | wgxrstaPID 100.64.0.1        |        | wgxrstbPID 100.64.0.2        |
#  |   kill -9, attach again      |        |   keeps its old session      |
#  | veth0 198.18.0.1 2001:2::1   +--------+ veth0 198.18.0.2 2001:2::2   |
#  +------------------------------+        +------------------------------+
. "$(dirname "$0")/../lib.sh"
require_root
pair_require
[ "$LEFT" = wg-xdp ] || skip_all "restart/detach are wg-xdp commands; LEFT is $LEFT"
BOUND=${WGX_RESTART_BOUND_MS:-2000}

A=wgx-rst-a$$ B=wgx-rst-b$$ IFA=wgxrsta$$ IFB=wgxrstb$$
setup_underlay
KA=$(genkey) KB=$(genkey) PA=$(pubkey "$KA") PB=$(pubkey "$KB")
CONF=$LOGDIR/a.conf
write_conf() {	# write_conf ENDPOINT: LEFT's config file, RIGHT at ENDPOINT
	cat >"$CONF" <<CONF
[Interface]
PrivateKey = $KA
ListenPort = 51820

[Peer]
PublicKey = $PB
Endpoint = $1
AllowedIPs = 100.64.0.2/32, fd00::2/128
CONF
}
write_conf 198.18.0.2:51820

addr_up() {
	ip -n $A addr add 100.64.0.1/24 dev $IFA && ip -n $A addr add fd00::1/64 dev $IFA nodad &&
	ip -n $A link set $IFA up
}

hs_newer() { [ "$(handshake_of $B $IFB)" -gt "$1" ]; }

restart_time() {	# kill -9, start again: handshake without traffic, then a ping, < $BOUND ms
	local pid t0 t1 hs
	sleep 1	# handshake times have 1 s resolution
	hs=$(handshake_of $B $IFB)
	pid=$(cat /var/run/wg-xdp/$IFA.pid)
	{ kill -9 "$pid"; wait "$pid"; } 2>/dev/null
	# A TUN dies with its process; the XDP mode's veth stays until the next attach removes it.
	[ "$MODE" = xdp ] || wait_for "$IFA gone" 50 bash -c "! ip -n $A link show $IFA"
	t0=$(date +%s%N)
	START_CONFIG=$CONF start_wg wg-xdp $A $IFA "$MODE" || return 1
	# The new daemon writes its pid file once its interface exists.
	wait_for "new daemon" 50 bash -c "[ \"\$(cat /var/run/wg-xdp/$IFA.pid 2>/dev/null)\" ] &&
		[ \"\$(cat /var/run/wg-xdp/$IFA.pid)\" != $pid ]" && addr_up || return 1
	wait_for "handshake initiated at start" 20 hs_newer "$hs" || { echo "no handshake without traffic"; return 1; }
	ip netns exec $A ping -c 1 -i 0.05 -W 2 -w 3 100.64.0.2 >/dev/null || return 1
	t1=$(date +%s%N)
	echo "tunnel back $(((t1 - t0) / 1000000)) ms after the restart"
	[ $(((t1 - t0) / 1000000)) -lt "$BOUND" ]
}

START_CONFIG=$CONF check "$LEFT attach --config $CONF" start_wg wg-xdp $A $IFA "$MODE" &&
check "$LEFT addresses up" addr_up &&
check "$RIGHT up" start_wg "$RIGHT" $B $IFB "$MODE" &&
check "$RIGHT configured" wg_side $B $IFB 2 "$KB" "$PA" "endpoint 198.18.0.1:51820" 1 || { finish; exit; }
check "tunnel up" tunnel_up $A 100.64.0.2
check "tunnel up B->A (inner IPv6)" ping_ok $B fd00::1
check "IPv4 underlay: kill -9 and attach again: $LEFT handshakes unprompted, tunnel back in < $BOUND ms" restart_time
diag "$(cat "$LOGDIR/last.out")"
check "IPv4 underlay: after the restart: B->A works (inner IPv6)" ping_ok $B fd00::1
# The same with RIGHT's endpoint on the IPv6 underlay in the config file: the
# initiation at start goes to [2001:2::2]:51820 and RIGHT roams to LEFT's
# IPv6 address.
write_conf "[2001:2::2]:51820"
check "IPv6 underlay: kill -9 and attach again: $LEFT handshakes unprompted, tunnel back in < $BOUND ms" restart_time
diag "$(cat "$LOGDIR/last.out")"
check "IPv6 underlay: after the restart: B->A works (inner IPv6)" ping_ok $B fd00::1
check "IPv6 underlay: $RIGHT now sends to [2001:2::1]:51820" endpoint_is $B $IFB "[2001:2::1]:51820"
check "wg-xdp detach $IFA" ip netns exec $A "$WGX" detach $IFA
check "detach: no link $IFA left" bash -c "! ip -n $A link show $IFA"
check "detach: no UAPI socket /var/run/wireguard/$IFA.sock" test ! -e /var/run/wireguard/$IFA.sock
check "detach: no pin /sys/fs/bpf/wg-xdp/$IFA" test ! -e /sys/fs/bpf/wg-xdp/$IFA
check "detach: no pid file or stats socket in /var/run/wg-xdp" \
	bash -c "! ls /var/run/wg-xdp/$IFA.* 2>/dev/null | grep -q ."
finish
