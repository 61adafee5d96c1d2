#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Garbage at the listen port: during a throttled TCP transfer B->A, a third
# source in B's namespace sprays LEFT's listen port with random bytes and
# malformed WireGuard messages (short, bad type, bad length, unknown receiver
# index, initiations/responses with a bad MAC1), 50 of each kind, over the
# IPv4 underlay and again over the IPv6 underlay (2001:2::1). The
# transfer must complete, LEFT's endpoint for RIGHT must not move to the
# sprayer's port, and wg-xdp must account for every kind in its counters.
#
#   wgx-junk-aPID (LEFT)                  wgx-junk-bPID (RIGHT + sprayer)
#  +----------------------------+        +------------------------------------+
#  | wgxjunkaPID 100.64.0.1     |        | wgxjunkbPID 100.64.0.2             |
#  |   :51820 <------------------------------ tool.py garbage (random port)  |
#  | veth0 198.18.0.1 2001:2::1 +--------+ veth0 198.18.0.2 2001:2::2         |
#  +----------------------------+        +------------------------------------+
. "$(dirname "$0")/../lib.sh"
require_root
pair_require
N=50

check "$LEFT and $RIGHT up and configured" pair_setup junk 4 || { finish; exit; }
check "tunnel up" tunnel_up $B 100.64.0.1
(tcp_transfer $B $A 100.64.0.1 2 30 700; echo $? >"$LOGDIR/junk.rc") &
tpid=$!
sleep 0.5
check "sprayed $((N * 7)) malformed datagrams at $LEFT's listen port over IPv4" \
	ip netns exec $B python3 "$TOOL" garbage 198.18.0.1 51820 $N
check "sprayed $((N * 7)) more at $LEFT's listen port over IPv6 ([2001:2::1]:51820)" \
	ip netns exec $B python3 "$TOOL" garbage 2001:2::1 51820 $N
wait $tpid
[ "$(cat "$LOGDIR/junk.rc")" = 0 ]
ok $? "2 MB TCP B->A during the spray completes, sha256 matches"
check "$LEFT's endpoint for $RIGHT is still 198.18.0.2:51820" \
	bash -c "ip netns exec $A wg show $IFA endpoints | grep -q '198.18.0.2:51820$'"
if [ "$LEFT" = wg-xdp ]; then
	for r in rx_short_msg rx_bad_type rx_bad_len rx_unknown_idx cp_bad_mac1; do
		v=$(stat_reason $A $IFA $r)
		want=$((2 * N))	# IPv4 and IPv6
		[ $r = cp_bad_mac1 ] && want=$((4 * N))
		[ "$v" -ge $want ]
		ok $? "$LEFT counted >= $want in $r ($v)"
	done
fi
check "tunnel still fine afterwards" ping_ok $A fd00::2
finish
