#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wg-quick end to end with WG_QUICK_USERSPACE_IMPLEMENTATION=wg-xdp (the
# wireguard-go process contract), in socket and XDP mode, against a
# wireguard-go peer and a wg-xdp peer, each brought up by wg-quick too:
# Address v4+v6, ListenPort, MTU, PostUp/PostDown and a full tunnel
# (AllowedIPs = 0.0.0.0/0, ::/0: wg-quick's fwmark policy routing).
#
#   ns wgx-dq-a$$ (wg-xdp, mode M)                    ns wgx-dq-b$$ (wireguard-go | wg-xdp)
#   veth0 198.18.0.1/24 2001:2::1/64  <------------>  veth0 198.18.0.2/24 2001:2::2/64 (lib.sh)
#   default via 198.18.0.2 (XDP mode's underlay)      default via 198.18.0.1, lo 100.64.99.1/32 fd00:99::1/128 ("internet")
#   dqaN 100.64.1.1/24 fd00:1::1/64, MTU 1380         dqbN 100.64.1.2/24 fd00:1::2/64
#   peer B: AllowedIPs 0.0.0.0/0, ::/0                peer A: 100.64.1.1/32, fd00:1::1/128
#
# Checked: up returns with the UAPI answering, PostUp ran, link up with
# MTU and both addresses, ping v4/v6 to B and through the full tunnel to
# B's "internet" addresses, TCP with sha256, `wg syncconf` adding a peer
# keeps the live session (same handshake), the UAPI's `allowed_ip=-PREFIX`
# removes one prefix, `wg-quick down` leaves nothing (no process, socket,
# pid, statistics socket, pins, link, veth, policy rules) and up again works.
set -u
. "$(dirname "$0")/lib.sh"
require_root
command -v wg-quick >/dev/null || skip_all "wg-quick not installed (wireguard-tools)"
why=$(impl_available wg-xdp) || skip_all "$why"
[ -e /sys/module/wireguard ] && skip_all "the kernel WireGuard module is loaded: wg-quick would not use a userspace implementation"
command -v wireguard-go >/dev/null || skip_all "wireguard-go not installed"

A=wgx-dq-a$$ B=wgx-dq-b$$
CONF=$LOGDIR/conf
mkdir -p "$CONF"
UP_NAMES=()

dq_cleanup() {	# every wg-quick interface we brought up, even on failure
	local n
	for n in "${UP_NAMES[@]}"; do
		ip netns exec $A wg-quick down "$CONF/$n.conf" >/dev/null 2>&1
		ip netns exec $B wg-quick down "$CONF/$n.conf" >/dev/null 2>&1
		"$WGX" detach "$n" >/dev/null 2>&1
		rm -f "/var/run/wireguard/$n.sock"
	done
}
trap 'dq_cleanup; cleanup' EXIT

setup() {
	setup_underlay
	ip -n $A route add default via 198.18.0.2
	ip -n $B route add default via 198.18.0.1
	ip -n $B addr add 100.64.99.1/32 dev lo
	ip -n $B addr add fd00:99::1/128 dev lo
}

KA=$(genkey) KB=$(genkey) KC=$(genkey)
PA=$(pubkey "$KA") PB=$(pubkey "$KB") PC=$(pubkey "$KC")

write_confs() {	# write_confs IFA IFB
	cat >"$CONF/$1.conf" <<EOF
[Interface]
PrivateKey = $KA
ListenPort = 51820
Address = 100.64.1.1/24, fd00:1::1/64
MTU = 1380
PostUp = touch $LOGDIR/%i.postup
PostDown = touch $LOGDIR/%i.postdown

[Peer]
PublicKey = $PB
Endpoint = 198.18.0.2:51821
AllowedIPs = 0.0.0.0/0, ::/0
EOF
	cat >"$CONF/$2.conf" <<EOF
[Interface]
PrivateKey = $KB
ListenPort = 51821
Address = 100.64.1.2/24, fd00:1::2/64

[Peer]
PublicKey = $PA
Endpoint = 198.18.0.1:51820
AllowedIPs = 100.64.1.1/32, fd00:1::1/128
EOF
	chmod 600 "$CONF/$1.conf" "$CONF/$2.conf"	# wg-quick warns about world-readable keys
	# `wg-quick strip` of A's plus a second peer, for `wg syncconf`. With the
	# FwMark wg-quick set: `wg setconf`/`syncconf` send fwmark=0 otherwise
	# (for every implementation), and wg-quick down could no longer find
	# its policy rules.
	ip netns exec $A wg-quick strip "$CONF/$1.conf" | sed '/^\[Interface\]/a FwMark = 51820' >"$CONF/$1.sync"
	printf '\n[Peer]\nPublicKey = %s\nAllowedIPs = 100.64.1.3/32\n' "$PC" >>"$CONF/$1.sync"
}

quick() {	# quick NS IMPL MODE up|down NAME
	ip netns exec "$1" env WG_QUICK_USERSPACE_IMPLEMENTATION="$2" WG_XDP_MODE="$3" \
		wg-quick "$4" "$CONF/$5.conf"
}

nothing_left() {	# nothing_left NS NAME PID: every trace of the daemon gone
	local ns=$1 n=$2 pid=$3 left=""
	for _ in $(seq 30); do
		left=""
		kill -0 "$pid" 2>/dev/null && left+=" process $pid;"
		[ -e "/var/run/wireguard/$n.sock" ] && left+=" $n.sock;"
		[ -e "/var/run/wg-xdp/$n.pid" ] && left+=" $n.pid;"
		[ -e "/var/run/wg-xdp/$n.ctl" ] && left+=" $n.ctl;"
		[ -e "/sys/fs/bpf/wg-xdp/$n" ] && left+=" pins;"
		ip -n "$ns" link show "$n" >/dev/null 2>&1 && left+=" link;"
		ip -n "$ns" -o link | awk -F': ' '{print $2}' | grep -q '^wgx' && left+=" tunnel veth;"
		ip -n "$ns" rule | grep -q 51820 && left+=" policy rule ($(ip -n "$ns" rule | grep 51820 | tr "\n" " "));"
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	echo "left:$left"
	return 1
}

hs_of() { ip netns exec "$1" wg show "$2" latest-handshakes | awk -v k="$3" '$1 == k {print $2}'; }

# uapi_remove_aip NS NAME PUBKEY PREFIX: the UAPI's incremental removal, raw
uapi_remove_aip() {
	local hex
	hex=$(echo "$3" | base64 -d | xxd -p -c 32)
	printf 'set=1\npublic_key=%s\nupdate_only=true\nallowed_ip=-%s\n\n' "$hex" "$4" |
		socat -t 2 - "UNIX-CONNECT:/var/run/wireguard/$2.sock" | grep -qx 'errno=0'
}

run_case() {	# run_case MODE PEER_IMPL
	local mode=$1 peer=$2 ifa=dqa$$ ifb=dqb$$ pid what
	ifa=${ifa:0:13}${mode:0:1} ifb=${ifb:0:13}${peer:0:1}
	what="[$mode vs $peer]"
	setup
	write_confs "$ifa" "$ifb"
	UP_NAMES+=("$ifa" "$ifb")
	if [ "$peer" = wg-xdp ]; then
		check "$what peer: wg-quick up ($peer)" quick $B "$WGX" "$mode" up "$ifb"
	else
		check "$what peer: wg-quick up ($peer)" quick $B wireguard-go socket up "$ifb"
	fi
	check "$what wg-quick up with WG_QUICK_USERSPACE_IMPLEMENTATION=wg-xdp WG_XDP_MODE=$mode" \
		quick $A "$WGX" "$mode" up "$ifa"
	pid=$(cat "/var/run/wg-xdp/$ifa.pid" 2>/dev/null || echo 0)
	check "$what PostUp ran" test -e "$LOGDIR/$ifa.postup"
	check "$what $ifa up, MTU 1380, both addresses" bash -c \
		"ip -n $A -o link show $ifa | grep -q ',UP.* mtu 1380 ' && ip -n $A -o addr show $ifa | grep -q 100.64.1.1/24 && ip -n $A -o addr show $ifa | grep -q fd00:1::1/64"
	check "$what wg show: fwmark set by wg-quick for the full tunnel" bash -c \
		"ip netns exec $A wg show $ifa fwmark | grep -qv off"
	check "$what ping B inside the tunnel (v4)" tunnel_up $A 100.64.1.2
	check "$what ping B inside the tunnel (v6)" ping_ok $A fd00:1::2
	check "$what full tunnel: 100.64.99.1 (not in any allowed IPs of B) through the tunnel" ping_ok $A 100.64.99.1
	check "$what full tunnel: fd00:99::1 through the tunnel" ping_ok $A fd00:99::1
	check "$what TCP 2 MB from A to B, sha256 equal" tcp_transfer $A $B 100.64.1.2 2 30
	local hs0 hs1
	hs0=$(hs_of $A $ifa "$PB")
	check "$what wg syncconf adding a peer" bash -c \
		"ip netns exec $A wg syncconf $ifa $CONF/$ifa.sync && [ \$(ip netns exec $A wg show $ifa peers | wc -l) = 2 ]"
	hs1=$(hs_of $A $ifa "$PB")
	check "$what syncconf kept the live session (latest handshake $hs0 -> $hs1) and traffic flows" \
		bash -c "[ -n '$hs0' ] && [ '$hs0' != 0 ] && [ '$hs0' = '$hs1' ] && ip netns exec $A ping -c1 -W2 100.64.1.2"
	ip netns exec $A wg set $ifa peer "$PC" allowed-ips 100.64.1.3/32,fd00:1::3/128
	check "$what UAPI allowed_ip=-fd00:1::3/128 removes just that prefix" bash -c \
		"$(declare -f uapi_remove_aip); uapi_remove_aip $A $ifa '$PC' fd00:1::3/128 && [ \"\$(ip netns exec $A wg show $ifa allowed-ips | grep '$PC' | cut -f2)\" = 100.64.1.3/32 ]"
	check "$what wg-quick down" quick $A "$WGX" "$mode" down "$ifa"
	check "$what PostDown ran" test -e "$LOGDIR/$ifa.postdown"
	check "$what down left nothing behind (pid $pid)" nothing_left $A "$ifa" "$pid"
	check "$what wg-quick up again" quick $A "$WGX" "$mode" up "$ifa"
	check "$what ping after up again" tunnel_up $A 100.64.1.2
	pid=$(cat "/var/run/wg-xdp/$ifa.pid" 2>/dev/null || echo 0)
	check "$what wg-quick down again, nothing left" bash -c \
		"$(declare -f quick nothing_left); CONF=$CONF WGX=$WGX; quick $A $WGX $mode down $ifa && nothing_left $A $ifa $pid"
	dq_cleanup
	teardown_all
	UP_NAMES=()
}

MODES=${WGX_DQ_MODES:-"socket xdp"}
for mode in $MODES; do
	if [ "$mode" = xdp ]; then
		why=$(xdp_unavailable_reason)
		if [ -n "$why" ]; then
			skip "$why" "[xdp] wg-quick cases"
			continue
		fi
	fi
	for peer in wireguard-go wg-xdp; do
		run_case "$mode" "$peer"
	done
done
finish
