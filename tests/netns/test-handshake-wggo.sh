#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# wireguard-go accepts our handshake response: wireguard-go initiates, our
# Noise responder (test_transcript --live, a plain UDP socket) answers, and
# the data packet wireguard-go then sends decrypts with our keypair.
#
#   netns wgx-hs-go-$$                      netns wgx-hs-us-$$
#   +--------------------------------+      +-----------------------------+
#   | wireguard-go wgxhs$$           |      | test_transcript --live       |
#   |   100.64.0.1/24, peer = us     |      |   198.18.0.2:51820 (UDP)     |
#   |   endpoint 198.18.0.2:51820    |      |   consume initiation, reply, |
#   |                                |      |   decrypt the ping           |
#   | veth0 198.18.0.1/24 ===========|======|= veth1 198.18.0.2/24         |
#   +--------------------------------+      +-----------------------------+
. "$(dirname "$0")/lib.sh"
set -o pipefail
umask 077
require_root
BIN=${BUILD:-build}/tests/unit/test_transcript
[[ $BIN == /* ]] || BIN=$TOP/$BIN
command -v wireguard-go >/dev/null && command -v wg >/dev/null || skip_all "needs wireguard-go and wg"
[ -x "$BIN" ] || (cd "$TOP" && make -s "${BUILD:-build}/tests/unit/test_transcript") >&2 ||
	skip_all "cannot build $BIN"

NS_GO=wgx-hs-go-$$
NS_US=wgx-hs-us-$$
IFACE=wgxhs$$
IFACE=${IFACE:0:15}
TMP=$LOGDIR

hex() { base64 -d | xxd -p -c 256; }

wg genkey > "$TMP/go.key"
wg genkey > "$TMP/us.key"
wg genpsk > "$TMP/psk"
wg pubkey < "$TMP/go.key" > "$TMP/go.pub"
wg pubkey < "$TMP/us.key" > "$TMP/us.pub"

netns_add "$NS_GO"
netns_add "$NS_US"
ip link add veth0 netns "$NS_GO" type veth peer name veth1 netns "$NS_US"
ip -n "$NS_GO" addr add 198.18.0.1/24 dev veth0
ip -n "$NS_US" addr add 198.18.0.2/24 dev veth1
ip -n "$NS_GO" link set veth0 up
ip -n "$NS_US" link set veth1 up

ip netns exec "$NS_US" "$BIN" --live 198.18.0.2 51820 "$(hex < "$TMP/us.key")" \
	"$(hex < "$TMP/go.pub")" "$(hex < "$TMP/psk")" > "$TMP/us.tap" 2>&1 &
US_PID=$!
PIDS+=("$US_PID")

start_wg wireguard-go "$NS_GO" "$IFACE"
ip netns exec "$NS_GO" wg set "$IFACE" private-key "$TMP/go.key" listen-port 51820 \
	peer "$(cat "$TMP/us.pub")" preshared-key "$TMP/psk" \
	endpoint 198.18.0.2:51820 allowed-ips 100.64.0.2/32
ip -n "$NS_GO" addr add 100.64.0.1/24 dev "$IFACE"
ip -n "$NS_GO" link set "$IFACE" up
ip netns exec "$NS_GO" ping -c 3 -i 0.3 -W 1 100.64.0.2 > /dev/null 2>&1
wait "$US_PID"
US_RC=$?

# Our responder's TAP lines, then the checks on wireguard-go's side.
tap_include "" <"$TMP/us.tap"
ok "$US_RC" "our responder's checks all passed (exit $US_RC)"
hs=$(ip netns exec "$NS_GO" wg show "$IFACE" latest-handshakes | awk '{print $2}')
[ "${hs:-0}" -gt 0 ]
ok $? "wireguard-go reports a completed handshake (latest-handshake ${hs:-none})"
finish
