#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Never remove a live socket that is not ours: with wireguard-go serving
# NAME, `wg-xdp attach --name NAME`, `wg-xdp NAME` and `wg-xdp detach NAME`
# refuse with a message naming the socket, and wireguard-go keeps running
# and answering. A stale socket file (nobody listening) is replaced. The
# process contract: returns with the UAPI answering, link created down,
# the daemon exits and cleans up when its socket file is removed. Another
# user's `detach` is refused with "Permission denied", not "not attached".
#
#   ns wgx-dq-n$$: veth0 198.18.2.1/24 <-> veth1, default via 198.18.2.2
#     dqgN: wireguard-go (TUN)      dqxN: wg-xdp (socket mode)
set -u
. "$(dirname "$0")/lib.sh"
require_root
why=$(impl_available wg-xdp) || skip_all "$why"
why=$(impl_available wireguard-go) || skip_all "$why"

N=wgx-dq-n$$ G=dqg$$ X=dqx$$
G=${G:0:15} X=${X:0:15}
trap 'rm -f /var/run/wireguard/$X.sock /var/run/wireguard/dqs$$.sock; "$WGX" detach $X >/dev/null 2>&1; cleanup' EXIT
netns_add $N
ip -n $N link add veth0 type veth peer name veth1
ip -n $N addr add 198.18.2.1/24 dev veth0
ip -n $N link set veth0 up
ip -n $N link set veth1 up
ip -n $N route add default via 198.18.2.2

start_wg wireguard-go $N $G || { ok 1 "wireguard-go starts"; finish; exit; }
GOPID=${PIDS[-1]}
ip netns exec $N wg set $G private-key <(genkey) listen-port 51830

out=$(ip netns exec $N "$WGX" attach veth0 --name $G --mode socket 2>&1); rc=$?
echo "$out" | sed 's/^/# attach: /'
ok $(( rc != 0 && $(echo "$out" | grep -c "/var/run/wireguard/$G.sock is in use by another process") == 1 ? 0 : 1 )) \
	"attach --name $G refuses, naming the live socket"
out=$(ip netns exec $N env WG_XDP_MODE=socket "$WGX" $G 2>&1); rc=$?
echo "$out" | sed 's/^/# wg-xdp NAME: /'
ok $(( rc != 0 && $(echo "$out" | grep -c "in use by another process") == 1 ? 0 : 1 )) \
	"wg-xdp $G (process contract) refuses too"
out=$("$WGX" detach $G 2>&1); rc=$?
echo "$out" | sed 's/^/# detach: /'
ok $(( rc != 0 && $(echo "$out" | grep -c "served by another process") == 1 ? 0 : 1 )) \
	"detach $G refuses, naming the socket"
check "wireguard-go still runs" kill -0 $GOPID
check "its socket is still there" test -S /var/run/wireguard/$G.sock
check "wg show $G still answers (listening port 51830)" bash -c \
	"ip netns exec $N wg show $G listen-port | grep -qx 51830"

# A stale socket file: bound, then its listener gone.
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' \
	/var/run/wireguard/$X.sock
check "a stale $X.sock exists" test -S /var/run/wireguard/$X.sock
t0=$(date +%s%N)
check "wg-xdp $X (process contract) replaces the stale socket" \
	ip netns exec $N env WG_XDP_MODE=socket "$WGX" $X
# wg-quick calls `wg setconf` right after: it must answer at once, no retry.
check "wg show $X answers the moment it returned ($(( ($(date +%s%N) - t0) / 1000000 )) ms)" \
	ip netns exec $N wg show $X
check "$X created down, as kernel WireGuard and wireguard-go" bash -c \
	"ip -n $N -o link show $X | grep -vq '[<,]UP[,>]'"
XPID=$(cat /var/run/wg-xdp/$X.pid)
# Another user's detach: refused as such, the daemon untouched.
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$WGX" detach $X 2>&1); rc=$?
echo "$out" | sed 's/^/# detach as nobody: /'
ok $(( rc != 0 && $(echo "$out" | grep -c "Permission denied: its daemon runs as another user") == 1 ? 0 : 1 )) \
	"detach $X as another user says permission denied (not \"not attached\")"
check "$X's daemon still runs after it" kill -0 "$XPID"
rm -f /var/run/wireguard/$X.sock
gone() { ! kill -0 "$XPID" 2>/dev/null && ! ip -n $N link show $X >/dev/null 2>&1 &&
	[ ! -e /var/run/wg-xdp/$X.pid ]; }
check "removing $X.sock stops the daemon: process, link and pid file gone" wait_for "$X gone" 30 gone
# systemd's Type=notify: READY=1 on $NOTIFY_SOCKET once serving (a fake systemd here).
S=dqs$$
socat -u UNIX-RECV:"$LOGDIR/notify.sock" - >"$LOGDIR/notify.out" 2>/dev/null &
NPID=$!
PIDS+=($NPID)
wait_for "notify socket" 20 test -S "$LOGDIR/notify.sock"
ip netns exec $N env NOTIFY_SOCKET="$LOGDIR/notify.sock" WG_XDP_MODE=socket "$WGX" -f $S \
	>"$LOGDIR/$S.log" 2>&1 &
PIDS+=($!)
check "with NOTIFY_SOCKET set, READY=1 arrives once the UAPI answers" bash -c \
	"$(declare -f wait_for); wait_for ready 50 grep -q READY=1 $LOGDIR/notify.out && ip netns exec $N wg show $S >/dev/null"
ip netns exec $N ip link delete $S
check "ip link delete $S: the foreground daemon exits" wait_for "$S exit" 30 bash -c "! kill -0 ${PIDS[-1]} 2>/dev/null"

check "wireguard-go untouched throughout" bash -c \
	"kill -0 $GOPID && ip netns exec $N wg show $G listen-port | grep -qx 51830"
finish
