#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# XDP mode hardening (issue 17): a wg-xdp router must forward other hosts'
# WireGuard, and its handshake rate limiter must engage under load.
#
#   wgx-hd-aPID            wgx-hd-rPID (forwarding)                   wgx-hd-bPID
#  +----------------+     +--------------------------------------+   +----------------+
#  | veth0          |     | veth0 [XDP wgx_rx]      veth1        |   | veth0          |
#  | 198.18.1.1/24  +-----+ 198.18.1.2/24           198.18.2.2/24+---+ 198.18.2.1/24  |
#  | (sender)       |     | wgxhdrPID: wg-xdp --mode xdp, :51820 |   | (UDP :51820)   |
#  +----------------+     +--------------------------------------+   +----------------+
#
# 1. Defect 1: 200 WireGuard-shaped datagrams from A to B's port 51820 pass
#    through R, whose wg-xdp listens on 51820 too: all reach B (before: 100 %
#    dropped by wgx_rx as rx_unknown_idx), counted rx_not_local_pass on R.
#    The same datagrams to R's own address are still R's (rx_unknown_idx),
#    and so are those to an address added to R while it runs (netlink),
#    until it is deleted again.
# 2. Defect 4: a flood of handshake initiations from A to R (> 1024/s) puts
#    R's daemon under load; wgx_rx then rate-limits them per source
#    (rx_hs_ratelimit > 0; before: always 0). When the flood stops the flag
#    is cleared again: a lone initiation passes.
. "$(dirname "$0")/lib.sh"
require_root
command -v python3 >/dev/null || skip_all "python3 not installed"
why=$(impl_available wg-xdp) || skip_all "$why"
why=$(xdp_unavailable_reason) && [ -n "$why" ] && skip_all "$why"

A=wgx-hd-a$$ R=wgx-hd-r$$ B=wgx-hd-b$$ IFR=wgxhdr$$

netns_add $A
netns_add $R
netns_add $B
ip -n $A link add veth0 type veth peer name veth0 netns $R
ip -n $R link add veth1 type veth peer name veth0 netns $B
ip -n $A addr add 198.18.1.1/24 dev veth0
ip -n $R addr add 198.18.1.2/24 dev veth0
ip -n $R addr add 198.18.2.2/24 dev veth1
ip -n $B addr add 198.18.2.1/24 dev veth0
for ns in $A $R $B; do ip -n $ns link set veth0 up; done
ip -n $R link set veth1 up
ip -n $A route add 198.18.2.0/24 via 198.18.1.2
ip -n $B route add 198.18.1.0/24 via 198.18.2.2
ip netns exec $R sysctl -qw net.ipv4.ip_forward=1

stat_r() { stat_reason $R $IFR "$1"; }

# send NS DST COUNT TYPE LEN [RATE_SECS]: COUNT datagrams (or, with RATE_SECS,
# as many as fit in that many seconds) of a WireGuard type/length to DST:51820.
send() {
	ip netns exec "$1" python3 - "$2" "$3" "$4" "$5" "${6:-0}" <<'PY'
import socket, struct, sys, time
dst, count, typ, length, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
msg = (bytes([typ, 0, 0, 0]) + struct.pack("<I", 0x5eed0001) + bytes(range(256)) * 8)[:length]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
n, end = 0, time.monotonic() + secs
while (n < count) if not secs else (time.monotonic() < end):
    try:
        s.sendto(msg, (dst, 51820)); n += 1
    except BlockingIOError:
        pass
    if not secs and n % 20 == 0:
        time.sleep(0.002)
print(n)
PY
}

check "R: wg-xdp --mode xdp on veth0, listening on 51820" start_wg wg-xdp $R $IFR xdp veth0 &&
	ip netns exec $R wg set $IFR listen-port 51820 private-key <(genkey)
ip netns exec $B python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("198.18.2.1", 51820)); s.settimeout(3)
n = 0
try:
    while True:
        s.recv(2048); n += 1
except socket.timeout:
    pass
print(n)' >"$LOGDIR/b-received" 2>&1 &
PIDS+=($!) RECV=$!
sleep 0.5

before=$(stat_r rx_not_local_pass)
send $A 198.18.2.1 200 4 64 >/dev/null
wait $RECV
got=$(cat "$LOGDIR/b-received")
after=$(stat_r rx_not_local_pass)
ok $([ "${got:-0}" -ge 195 ] && echo 0 || echo 1) \
	"forwarded: B received $got of 200 WireGuard datagrams to its port 51820 through R"
ok $([ $((after - before)) -ge 195 ] && echo 0 || echo 1) \
	"R counted them rx_not_local_pass ($((after - before)))"

# moved REASON DST COUNT TYPE LEN: send, then print how far R's REASON moved
moved() {
	local before after
	before=$(stat_r "$1")
	send $A "$2" "$3" "$4" "$5" >/dev/null
	sleep 0.3
	after=$(stat_r "$1")
	echo $((after - before))
}

n=$(moved rx_unknown_idx 198.18.1.2 50 4 64)
ok $([ "$n" -eq 50 ] && echo 0 || echo 1) \
	"to R's own address they are still R's: rx_unknown_idx +$n of 50"
ip -n $R addr add 198.18.1.9/24 dev veth0
sleep 0.5
n=$(moved rx_unknown_idx 198.18.1.9 50 4 64)
ok $([ "$n" -eq 50 ] && echo 0 || echo 1) \
	"an address added to R while it runs is R's too: rx_unknown_idx +$n of 50"
ip -n $R addr del 198.18.1.9/24 dev veth0
sleep 0.5
n=$(moved rx_not_local_pass 198.18.1.9 50 4 64)
ok $([ "$n" -eq 50 ] && echo 0 || echo 1) \
	"and once deleted no longer: rx_not_local_pass +$n of 50"

before=$(stat_r rx_hs_ratelimit)
sent=$(send $A 198.18.1.2 0 1 148 2)
after=$(stat_r rx_hs_ratelimit)
ok $([ $((after - before)) -gt 0 ] && echo 0 || echo 1) \
	"handshake flood ($sent initiations in 2 s): wgx_rx rate-limited $((after - before)) under load"
sleep 2.5
n=$(moved rx_handshake_pass 198.18.1.2 1 1 148)
ok $([ "$n" -eq 1 ] && echo 0 || echo 1) \
	"flood over: the flag is cleared, a lone initiation passes to the daemon"
finish
