#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Floods held (issue 17), `make stress`: during a TCP transfer through the
# tunnel, B's underlay is flooded with (1) handshake initiations with a valid
# MAC1 for B's key from 1 source, (2) the same from 1,000 sources, (3) random
# garbage, as fast as one raw socket sends (tests/stress/flood.c). On a
# 2-vCPU machine the flooder and the kernel's delivery of its datagrams take
# a CPU of their own, whatever B does with them; so each flood also runs as a
# control, the same datagrams at the same rate to a closed port of B (the
# stack drops them), and the goodput is compared with that control's: what
# B's handling of the flood costs. In socket and XDP mode (--path auto),
# each flood checks: goodput >= 90 % of the control's (medians of FLOOD_REPS,
# default 3, control and flood runs taken in turn; the ratio to the
# unloaded transfer is printed too); initiations put B under load (cookie replies sent, or
# in XDP mode wgx_rx's rate limiter dropping); every flooded datagram is
# counted somewhere (a reason counter of B's, none vanishes); B's RSS grows
# by < 16 MiB; the tunnel pings afterwards. FLOOD_SECS (default 5) per run.
#
#   ns wgx-st-aPID: veth0 198.18.0.1, stA: wg-xdp socket, iperf3 client, flood.c
#      (spoofed sources 198.18.128.0/17)
#   ns wgx-st-bPID: veth0 198.18.0.2, stB: wg-xdp MODE (the victim), iperf3 server
. "$(dirname "$0")/../netns/lib.sh"
require_root
why=$(impl_available wg-xdp) || skip_all "$why"
command -v iperf3 >/dev/null || skip_all "iperf3 not installed"
FLOOD=$TOP/build/tests/stress/flood
[ -x "$FLOOD" ] || skip_all "$FLOOD not built (make stress builds it)"
SECS=${FLOOD_SECS:-5}
REPS=${FLOOD_REPS:-3}

A=wgx-st-a$$ B=wgx-st-b$$ IFA=sta$$ IFB=stb$$
IFA=${IFA:0:15} IFB=${IFB:0:15}
trap 'teardown_all; topo_exit' EXIT

goodput() {	# goodput: Gbit/s of a SECS s iperf3 transfer A -> B through the tunnel
	ip netns exec $A iperf3 -c 100.64.0.2 -t "$SECS" -J >"$LOGDIR/iperf.json" 2>&1
	python3 -c 'import json,sys; print("%.3f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9))' \
		"$LOGDIR/iperf.json" 2>/dev/null || echo 0
}
reasons() {	# reasons: B's reason counters, "name value" lines
	ip netns exec $B "$WGX" stats $IFB --json 2>/dev/null |
		python3 -c 'import json,sys; [print(k, v) for k, v in json.load(sys.stdin)["reasons"].items()]'
}
delta() {	# delta BEFORE AFTER NAME...|FLOOD: how far the sum of NAMEs moved
	python3 - "$@" <<'PY'
import sys
def load(f): return {k: int(v) for k, v in (l.split() for l in open(f))}
b, a, names = load(sys.argv[1]), load(sys.argv[2]), sys.argv[3:]
# FLOOD: every counter but the tunnel's own traffic (data, TUN, non-WireGuard passes)
own = ("rx_data_", "tun_", "rx_not_ip_pass", "rx_not_udp_pass", "dp_keepalive")
keys = [k for k in a if not k.startswith(own)] if names == ["FLOOD"] else names
print(sum(a.get(k, 0) - b.get(k, 0) for k in keys))
PY
}
flood_during() {	# flood_during KIND PORT PPS SOURCES: $g = goodput of a transfer during it
	ip netns exec $A "$FLOOD" "$1" 198.18.0.2 "$2" $((SECS + 2)) "$3" "$4" "$(pubkey "$kb")" \
		>"$LOGDIR/flood.out" 2>&1 &
	sleep 1
	g=$(goodput)
	wait $!
	sleep 0.5
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

run_mode() {	# run_mode MODE
	local mode=$1 pid g0 g gc rate kind src out rss0 rss1
	setup_underlay || { ok 1 "$mode: underlay"; return; }
	# Cookie replies to the spoofed sources leave through A (which drops them).
	ip -n $B route add 198.18.128.0/17 via 198.18.0.1
	local ka
	ka=$(genkey) kb=$(genkey)
	start_wg wg-xdp $A $IFA socket || { ok 1 "$mode: A starts"; return; }
	START_ARGS="$([ "$mode" = xdp ] && echo --path auto)" start_wg wg-xdp $B $IFB "$mode" ||
		{ ok 1 "$mode: B starts"; return; }
	pid=$WG_PID
	configure $A $IFA 1 "$ka" "$(pubkey "$kb")" 198.18.0.2:51820 2
	configure $B $IFB 2 "$kb" "$(pubkey "$ka")" 198.18.0.1:51820 1
	check "$mode: tunnel up" tunnel_up $A 100.64.0.2 || return
	ip netns exec $B iperf3 -s -D >/dev/null 2>&1
	sleep 0.3
	g0=$(goodput)
	rss0=$(rss_kb "$pid")
	diag "$mode: unloaded goodput $g0 Gbit/s, B's RSS $rss0 KiB"
	for kind in "init 1" "init 1000" "garbage 1000"; do
		read -r kind src <<<"$kind"
		local gs=() gcs=() counted=0 sent=0 engaged=0 refused=0 moved="" i
		# Control and flood taken in turn REPS times; medians compared.
		for i in $(seq 1 "$REPS"); do
			flood_during $kind 9 0 "$src"
			gcs+=("$g")
			rate=$(awk '/^sent/ {print int($2 / ($4 + 0))}' "$LOGDIR/flood.out")
			reasons >"$LOGDIR/before"
			flood_during $kind 51820 "$rate" "$src"
			reasons >"$LOGDIR/after"
			gs+=("$g")
			out=$(cat "$LOGDIR/flood.out")
			sent=$((sent + $(echo "$out" | awk '/^sent/ {print $2}')))
			counted=$((counted + $(delta "$LOGDIR/before" "$LOGDIR/after" FLOOD)))
			engaged=$((engaged + $(delta "$LOGDIR/before" "$LOGDIR/after" cp_cookie_sent rx_hs_ratelimit)))
			refused=$((refused + $(delta "$LOGDIR/before" "$LOGDIR/after" cp_hs_ratelimit)))
			moved=$(diff "$LOGDIR/before" "$LOGDIR/after" | awk '/^>/ {printf "%s ", $2}')
		done
		g=$(median "${gs[@]}") gc=$(median "${gcs[@]}")
		ok "$(awk "BEGIN { exit !($g >= 0.9 * $gc) }"; echo $?)" \
			"$mode, $kind flood from $src source(s) (last: $out): goodput median $g Gbit/s (${gs[*]}), $(calc "100 * $g / $gc") % of the control's $gc (${gcs[*]}; $(calc "100 * $g / $g0") % of $g0 unloaded)"
		ok "$(awk "BEGIN { exit !(${counted:-0} >= 0.99 * ${sent:-1}) }"; echo $?)" \
			"$mode, $kind: every flooded datagram counted ($counted counted, $sent sent; ${moved}moved)"
		if [ "$kind" = init ]; then
			ok "$([ "${engaged:-0}" -gt 0 ]; echo $?)" \
				"$mode, $kind: B under load (cookie replies + XDP rate-limited: $engaged; DH refused $refused)"
		fi
	done
	rss1=$(rss_kb "$pid")
	ok "$([ $((rss1 - rss0)) -lt 16384 ]; echo $?)" "$mode: B's RSS flat across the floods ($rss0 -> $rss1 KiB)"
	check "$mode: the tunnel pings after the floods" ping_ok $A 100.64.0.2
	teardown_all
}

run_mode socket
if why=$(xdp_unavailable_reason) && [ -n "$why" ]; then
	skip "$why" "xdp mode floods"
else
	run_mode xdp
fi
finish
