#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# No secret in a core dump of the daemon (issue 17, defect 3).
#
#   wgx-hd-cPID                                  wgx-hd-pPID
#  +----------------------------------+         +----------------------------------+
#  | wgxhdcPID (wg-xdp --mode socket) |         | noise_peer.py: a WireGuard       |
#  |   :51820, peer P with a PSK      |         |   initiator that knows the       |
#  | veth0 198.18.3.1/24              +---------+   session keys it derives        |
#  +----------------------------------+         | veth0 198.18.3.2/24              |
#                                               +----------------------------------+
#
# For each AEAD backend (WGX_AEAD=sodium, openssl, avx512 where the CPU has
# AVX-512) and each way keys arrive
# (--config FILE, and `wg set` over the UAPI socket): configure the daemon,
# let the peer complete a handshake and send a keepalive (the daemon derives
# the session keys and opens a message with them), then take a core dump of
# the running daemon with gcore and search it for: the daemon's static
# private key and the preshared key, raw and as the base64 and hex text they
# arrived in, and the two session keys (raw), in the memory segments and in
# the notes (the threads' saved registers: a BLAKE2s output lingered in
# xmm registers). gcore honours MADV_DONTDUMP as the kernel's dumper does,
# so what it finds a crash dump would hold. Before the fix it found the
# private key and PSK (--config) and both session keys.
# Not checked: handshake-time temporaries of libsodium/libb2 on the stack
# (their own wiping), the peer's private key (not the daemon's).
. "$(dirname "$0")/lib.sh"
require_root
command -v python3 >/dev/null || skip_all "python3 not installed"
command -v gcore >/dev/null || skip_all "gdb's gcore not installed"
python3 -c 'import cryptography' 2>/dev/null || skip_all "python3-cryptography not installed"
why=$(impl_available wg-xdp) || skip_all "$why"

C=wgx-hd-c$$ P=wgx-hd-p$$ IFC=wgxhdc$$
TOOL=$TOP/tests/netns/tools/noise_peer.py
CORE=$LOGDIR/core

netns_add $C
netns_add $P
ip -n $C link add veth0 type veth peer name veth0 netns $P
ip -n $C addr add 198.18.3.1/24 dev veth0
ip -n $P addr add 198.18.3.2/24 dev veth0
ip -n $C link set veth0 up
ip -n $P link set veth0 up

KC=$(genkey)
read -r KP PP < <(python3 "$TOOL" keys)
PSK=$(wg genpsk)

# needles FILE...: search the core for every secret, print what was found
search_core() {
	python3 - "$1" "$KC" "$PSK" "$2" <<'PY'
import base64, sys
core = open(sys.argv[1], "rb").read()
priv, psk = base64.b64decode(sys.argv[2]), base64.b64decode(sys.argv[3])
sess = [bytes.fromhex(l) for l in open(sys.argv[4]).read().split()]
needles = {
    "private key": priv, "private key (base64)": sys.argv[2].encode(),
    "private key (hex)": priv.hex().encode(),
    "preshared key": psk, "preshared key (base64)": sys.argv[3].encode(),
    "preshared key (hex)": psk.hex().encode(),
    "session key i->r": sess[0], "session key r->i": sess[1],
}
found = [n for n, v in needles.items() if v in core]
print("%d MB searched; found: %s" % (len(core) >> 20, ", ".join(found) or "nothing"))
sys.exit(1 if found else 0)
PY
}

run_case() {	# run_case AEAD PATH(config|uapi)
	local aead=$1 path=$2 pid out conf=$LOGDIR/c.conf keys=$LOGDIR/sess
	rm -f "$CORE".* "$keys"
	printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\n\n[Peer]\nPublicKey = %s\nPresharedKey = %s\nAllowedIPs = 100.64.0.2/32\n' \
		"$KC" "$PP" "$PSK" >"$conf"
	if [ "$path" = config ]; then
		START_ENV="WGX_AEAD=$aead" START_CONFIG=$conf start_wg wg-xdp $C $IFC socket || return 1
	else
		START_ENV="WGX_AEAD=$aead" start_wg wg-xdp $C $IFC socket || return 1
		ip netns exec $C wg set $IFC listen-port 51820 private-key <(echo "$KC") \
			peer "$PP" preshared-key <(echo "$PSK") allowed-ips 100.64.0.2/32 || return 1
	fi
	rm -f "$conf"
	pid=${PIDS[-1]}
	ip netns exec $P python3 "$TOOL" handshake 198.18.3.1 51820 "$KP" "$(pubkey "$KC")" "$PSK" "$keys" ||
		{ echo "no handshake"; return 1; }
	sleep 0.5
	ip netns exec $C wg show $IFC latest-handshakes | grep -qv '	0$' || { echo "daemon saw no handshake"; return 1; }
	gcore -o "$CORE" "$pid" >"$LOGDIR/gcore.log" 2>&1 || { tail -3 "$LOGDIR/gcore.log"; return 1; }
	kill "$pid"
	wait "$pid" 2>/dev/null
	search_core "$CORE.$pid" "$keys"
	local rc=$?
	rm -f "$CORE".*
	return $rc
}

for aead in sodium openssl avx512; do
	for path in config uapi; do
		out=$(run_case $aead $path 2>&1)
		rc=$?
		if [ $rc -ne 0 ] && grep -q "WGX_AEAD=$aead: no such" "$LOGDIR/$IFC.log"; then
			skip "no $aead backend on this CPU" "WGX_AEAD=$aead, keys by $path"
			continue
		fi
		ok $rc "WGX_AEAD=$aead, keys by $([ $path = config ] && echo --config || echo 'wg set (UAPI)'): core dump after a handshake: $(echo "$out" | tail -1)"
	done
done
finish
