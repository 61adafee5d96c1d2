#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Private key change: LEFT's private key is replaced with `wg set`. Its old
# sessions must die at once for sending (as in the kernel, which expires the
# current keypairs for sending and clears the handshake): RIGHT, still holding
# them and the old public key, gets no answer, and LEFT cannot send either.
# Once RIGHT learns the new public key the peers handshake again. Done once
# with the endpoints on the IPv4 underlay, then again (K2 -> K3) on IPv6.
#
#   wgx-key-aPID (LEFT)                   wgx-key-bPID (RIGHT)
#  +----------------------------+        +----------------------------+
#  | wgxkeyaPID 100.64.0.1      |        | wgxkeybPID 100.64.0.2      |
#  |   private key K1->K2->K3   |        |   peer K1pub->K2pub->K3pub |
#  | veth0 198.18.0.1 2001:2::1 +--------+ veth0 198.18.0.2 2001:2::2 |
#  +----------------------------+        +----------------------------+
. "$(dirname "$0")/../lib.sh"
require_root
pair_require

keychange() {	# keychange FAM: replace LEFT's key with the endpoints on the FAM underlay
	local t="IPv$1 underlay" hs1 hs2 k2 p2
	hs1=$(handshake_of $B $IFB)
	k2=$(genkey) p2=$(pubkey "$k2")
	check "$t: wg set private-key on $LEFT" ip netns exec $A wg set $IFA private-key <(echo "$k2")
	check "$t: wg show on $LEFT reports the new public key" \
		bash -c "[ \"\$(ip netns exec $A wg show $IFA public-key)\" = '$p2' ]"
	check "$t: old sessions died: $RIGHT cannot reach $LEFT with the old key" \
		bash -c "! ip netns exec $B ping -c 3 -i 0.3 -W 1 100.64.0.1"
	check "$t: old sessions died: $LEFT cannot send to $RIGHT on them either" \
		bash -c "! ip netns exec $A ping -c 2 -i 0.3 -W 1 100.64.0.2"
	check "$t: $RIGHT replaces the peer with the new public key" \
		bash -c "ip netns exec $B wg set $IFB peer '$PA' remove peer '$p2' endpoint '$EPA' allowed-ips 100.64.0.1/32,fd00::1/128"
	PA=$p2
	check "$t: tunnel up again with the new key (B->A)" tunnel_up $B 100.64.0.1
	check "$t: A->B (inner IPv6) with the new key" ping_ok $A fd00::2
	check "$t: the new session runs over the IPv$1 underlay ($RIGHT sends to $EPA)" endpoint_is $B $IFB "$EPA"
	hs2=$(handshake_of $B $IFB)
	[ -n "$hs2" ] && [ "$hs2" -gt 0 ] && [ "$hs2" -ge "${hs1:-0}" ]
	ok $? "$t: $RIGHT reports a new handshake ($hs1 -> $hs2)"
}

check "$LEFT and $RIGHT up and configured" pair_setup key 4 || { finish; exit; }
check "IPv4 underlay: tunnel up with the first key" tunnel_up $A 100.64.0.2
keychange 4
# Same namespaces, endpoints moved to the IPv6 underlay: the session from the
# first key change carries on there, then the key changes again.
set_endpoints 6
check "IPv6 underlay: tunnel up with the second key (A->B)" tunnel_up $A 100.64.0.2
keychange 6
finish
