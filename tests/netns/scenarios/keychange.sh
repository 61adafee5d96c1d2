#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Private key change: LEFT's private key is replaced with `wg set`. Its old
# sessions must die at once for sending (as in the kernel, which expires the
# current keypairs for sending and clears the handshake): RIGHT, still holding
# them and the old public key, gets no answer, and LEFT cannot send either.
# Once RIGHT learns the new public key the peers handshake again.
#
#   wgx-key-aPID (LEFT)                   wgx-key-bPID (RIGHT)
#  +----------------------------+        +----------------------------+
#  | wgxkeyaPID 100.64.0.1      |        | wgxkeybPID 100.64.0.2      |
#  |   private key K1 -> K2     |        |   peer K1pub -> K2pub      |
#  | veth0 198.18.0.1           +--------+ veth0 198.18.0.2           |
#  +----------------------------+        +----------------------------+
. "$(dirname "$0")/../lib.sh"
require_root
pair_require

check "$LEFT and $RIGHT up and configured" pair_setup key 4 || { finish; exit; }
check "tunnel up with the first key" tunnel_up $A 100.64.0.2
hs1=$(handshake_of $B $IFB)
K2=$(genkey) P2=$(pubkey "$K2")
check "wg set private-key on $LEFT" ip netns exec $A wg set $IFA private-key <(echo "$K2")
check "wg show on $LEFT reports the new public key" \
	bash -c "[ \"\$(ip netns exec $A wg show $IFA public-key)\" = '$P2' ]"
check "old sessions died: $RIGHT cannot reach $LEFT with the old key" \
	bash -c "! ip netns exec $B ping -c 3 -i 0.3 -W 1 100.64.0.1"
check "old sessions died: $LEFT cannot send to $RIGHT on them either" \
	bash -c "! ip netns exec $A ping -c 2 -i 0.3 -W 1 100.64.0.2"
check "$RIGHT replaces the peer with the new public key" \
	bash -c "ip netns exec $B wg set $IFB peer '$PA' remove peer '$P2' endpoint 198.18.0.1:51820 allowed-ips 100.64.0.1/32,fd00::1/128"
check "tunnel up again with the new key (B->A)" tunnel_up $B 100.64.0.1
check "A->B (inner IPv6) with the new key" ping_ok $A fd00::2
hs2=$(handshake_of $B $IFB)
[ -n "$hs2" ] && [ "$hs2" -gt 0 ] && [ "$hs2" -ge "${hs1:-0}" ]
ok $? "$RIGHT reports a new handshake ($hs1 -> $hs2)"
finish
