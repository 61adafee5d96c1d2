# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Traffic through a tunnel built with tests/lib/topo.sh: pings and a TCP
# transfer whose sha256 is compared. Sourced by tests/netns/lib.sh and
# scripts/demo.sh; needs topo.sh's LOGDIR and wait_for.

ping_ok() {	# ping_ok NS ADDR [SIZE]: one echo within 3 s (after up to 3 tries)
	ip netns exec "$1" ping -c 1 -W 1 -w 3 ${3:+-s $3 -M do} "$2"
}

tunnel_up() {	# tunnel_up NS ADDR: first ping, allowing a lost initiation (retry after 5 s)
	ip netns exec "$1" ping -c 1 -W 1 -w 12 "$2"
}

tcp_listening() { ip netns exec "$1" ss -Htln "sport = :$2" | grep -q .; }

# tcp_transfer FROM_NS TO_NS DST_ADDR MB [SECONDS [RATE_KBPS]]: send MB of
# random bytes over TCP inside the tunnel, optionally throttled; the
# received sha256 must match. $LOGDIR/transfer.time gets "MB MB in S s",
# $LOGDIR/transfer.sha the first 16 hex digits of both sums.
tcp_transfer() {
	local from=$1 to=$2 dst=$3 mb=$4 secs=${5:-60} rate=${6:-0} port=$((20000 + RANDOM % 10000))
	local src_file=$LOGDIR/payload.$port dst_file=$LOGDIR/received.$port lpid rc t0 t1 sa sb
	head -c "${mb}M" /dev/urandom >"$src_file"
	ip netns exec "$to" timeout "$secs" socat -u "TCP6-LISTEN:$port,reuseaddr,ipv6only=0" \
		"OPEN:$dst_file,creat,trunc" &
	lpid=$!
	wait_for "listener on $port" 30 tcp_listening "$to" $port || return 1
	[[ $dst == *:* ]] && dst="[$dst]"
	t0=$(date +%s%N)
	if [ "$rate" -gt 0 ]; then
		python3 "$TOOL" throttle "$rate" <"$src_file" |
			ip netns exec "$from" timeout "$secs" socat -u - "TCP:$dst:$port"
	else
		ip netns exec "$from" timeout "$secs" socat -u "OPEN:$src_file" "TCP:$dst:$port"
	fi
	rc=$?
	wait $lpid || rc=1
	t1=$(date +%s%N)
	echo "$mb MB in $(calc "($t1 - $t0) / 1e9") s" >"$LOGDIR/transfer.time"
	sa=$(sha256sum <"$src_file" | cut -d' ' -f1)
	sb=$( [ -f "$dst_file" ] && sha256sum <"$dst_file" | cut -d' ' -f1)
	echo "sent ${sa:0:16}... received ${sb:+${sb:0:16}...}${sb:-nothing}" >"$LOGDIR/transfer.sha"
	[ "$sa" = "$sb" ] || rc=1
	rm -f "$src_file" "$dst_file"
	return $rc
}

# transfer_sha MB DST TIMEOUT: MB megabytes from $B to $A over TCP inside the
# tunnel (B connects to DST), sha256 compared; the time taken goes to
# $LOGDIR/transfer.time as "# MB MB in S s".
transfer_sha() {
	local rc
	tcp_transfer "$B" "$A" "$2" "$1" "$3"
	rc=$?
	sed -i '1s/^/# /' "$LOGDIR/transfer.time" 2>/dev/null
	return $rc
}
