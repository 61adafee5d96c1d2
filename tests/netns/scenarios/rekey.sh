#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Rekey under load: LEFT (wg-xdp) runs with WGX_TEST_TIME_SCALE=40, so
# REKEY_AFTER_TIME is 3 s and REJECT_AFTER_TIME 4.5 s; RIGHT keeps real
# timers. A throttled TCP stream A->B runs for ~12 s through several rekeys
# over the IPv4 underlay (IPv4 inside), then for ~8 s over the IPv6 underlay
# (IPv6 inside): each must arrive intact, `wg show latest-handshakes` on RIGHT
# must advance at least 3 (then 2) times, and LEFT must count no
# keypair/decrypt/replay drops.
#
#   wgx-rekey-aPID (LEFT, timers / 40)        wgx-rekey-bPID (RIGHT, real timers)
#  +------------------------------+          +------------------------------+
#  | wgxrekeyaPID 100.64.0.1      |          | wgxrekeybPID 100.64.0.2      |
#  | veth0 198.18.0.1 2001:2::1   +----------+ veth0 198.18.0.2 2001:2::2   |
#  +------------------------------+          +------------------------------+
. "$(dirname "$0")/../lib.sh"
require_root
pair_require
[ "$LEFT" = wg-xdp ] || skip_all "accelerated timers (WGX_TEST_TIME_SCALE) are a wg-xdp test hook; LEFT is $LEFT"

sample_handshakes() {	# distinct latest-handshake values on B, every 0.3 s, until killed
	while :; do handshake_of $B $IFB; sleep 0.3; done >"$LOGDIR/hs.samples"
}

drops() {	# sum of LEFT's keypair/crypto drop counters
	local r sum=0
	for r in dp_no_keypair dp_keypair_expired dp_decrypt_failed dp_replay; do
		sum=$((sum + $(stat_reason $A $IFA $r)))
	done
	echo "$sum"
}

through_rekeys() {	# through_rekeys FAM DST MB MIN: MB of throttled TCP A->B to DST over the
	# FAM underlay; RIGHT must see at least MIN distinct handshakes meanwhile
	local t="IPv$1 underlay" spid n d before
	before=$(drops)
	sample_handshakes &
	spid=$!
	check "$t: $3 MB TCP A->B (inner $2) at 250 KB/s through the rekeys, sha256 matches" \
		tcp_transfer $A $B $2 $3 40 250
	kill $spid
	n=$(sort -u "$LOGDIR/hs.samples" | grep -vc '^0*$')
	diag "$t: $RIGHT saw $n distinct handshakes during the transfer"
	[ "$n" -ge "$4" ]
	ok $? "$t: $RIGHT saw at least $4 distinct latest-handshake times during the transfer"
	d=$(($(drops) - before))
	[ "$d" -eq 0 ]
	ok $? "$t: $LEFT counted no dp_no_keypair/dp_keypair_expired/dp_decrypt_failed/dp_replay drops ($d)"
	check "$t: the rekeyed sessions ran over the IPv$1 underlay ($RIGHT sends to $EPA)" endpoint_is $B $IFB "$EPA"
}

START_ENV="WGX_TEST_TIME_SCALE=40" check "$LEFT (timers / 40) and $RIGHT up and configured" \
	pair_setup rekey 4 || { finish; exit; }
check "tunnel up" tunnel_up $A 100.64.0.2
# ~12 s over IPv4 inside; then ~8 s over the IPv6 underlay with IPv6 inside
# (same namespaces, endpoints moved), at least 2 rekeys.
through_rekeys 4 100.64.0.2 3 3
set_endpoints 6
through_rekeys 6 fd00::2 2 2
# RIGHT may still hold a keypair that LEFT's scaled REJECT_AFTER_TIME (4.5 s)
# has already expired: LEFT sends first, which makes it initiate afresh.
check "still interoperable after the rekeys: ping A->B" tunnel_up $A 100.64.0.2
check "still interoperable after the rekeys: ping B->A" ping_ok $B 100.64.0.1
check "still interoperable after the rekeys: ping A->B (inner IPv6)" ping_ok $A fd00::2
finish
