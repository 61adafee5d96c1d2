#!/bin/bash
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
set -uo pipefail
umask 077

cd "$(dirname "$0")/../.."
BIN=${BUILD:-build}/tests/unit/test_transcript

if [ "$(id -u)" != 0 ] || ! command -v wireguard-go >/dev/null || ! command -v wg >/dev/null; then
	echo "1..0 # SKIP needs root, wireguard-go and wg"
	exit 0
fi
[ -x "$BIN" ] || make -s "$BIN" >&2 || { echo "1..0 # SKIP cannot build $BIN"; exit 0; }

NS_GO=wgx-hs-go-$$
NS_US=wgx-hs-us-$$
IFACE=wgxhs$$
IFACE=${IFACE:0:15}
TMP=$(mktemp -d)

cleanup() {
	[ -n "${GO_PID:-}" ] && kill "$GO_PID" 2>/dev/null
	[ -n "${US_PID:-}" ] && kill "$US_PID" 2>/dev/null
	ip netns del "$NS_GO" 2>/dev/null
	ip netns del "$NS_US" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

hex() { base64 -d | xxd -p -c 256; }

wg genkey > "$TMP/go.key"
wg genkey > "$TMP/us.key"
wg genpsk > "$TMP/psk"
wg pubkey < "$TMP/go.key" > "$TMP/go.pub"
wg pubkey < "$TMP/us.key" > "$TMP/us.pub"

ip netns add "$NS_GO"
ip netns add "$NS_US"
ip link add veth0 netns "$NS_GO" type veth peer name veth1 netns "$NS_US"
ip -n "$NS_GO" addr add 198.18.0.1/24 dev veth0
ip -n "$NS_US" addr add 198.18.0.2/24 dev veth1
for ns in "$NS_GO" "$NS_US"; do ip -n "$ns" link set lo up; done
ip -n "$NS_GO" link set veth0 up
ip -n "$NS_US" link set veth1 up

ip netns exec "$NS_US" "$BIN" --live 198.18.0.2 51820 "$(hex < "$TMP/us.key")" \
	"$(hex < "$TMP/go.pub")" "$(hex < "$TMP/psk")" > "$TMP/us.tap" 2>&1 &
US_PID=$!

ip netns exec "$NS_GO" env WG_PROCESS_FOREGROUND=1 wireguard-go -f "$IFACE" > "$TMP/go.log" 2>&1 &
GO_PID=$!
for _ in $(seq 50); do
	[ -S "/var/run/wireguard/$IFACE.sock" ] && break
	sleep 0.1
done
ip netns exec "$NS_GO" wg set "$IFACE" private-key "$TMP/go.key" listen-port 51820 \
	peer "$(cat "$TMP/us.pub")" preshared-key "$TMP/psk" \
	endpoint 198.18.0.2:51820 allowed-ips 100.64.0.2/32
ip -n "$NS_GO" addr add 100.64.0.1/24 dev "$IFACE"
ip -n "$NS_GO" link set "$IFACE" up
ip netns exec "$NS_GO" ping -c 3 -i 0.3 -W 1 100.64.0.2 > /dev/null 2>&1
wait "$US_PID"
US_RC=$?
US_PID=

# Our responder's TAP lines, then the checks on wireguard-go's side.
n=0
while IFS= read -r line; do
	case "$line" in
	1..*) ;;
	ok\ *|not\ ok\ *) n=$((n + 1)); echo "$line" ;;
	*) echo "# $line" ;;
	esac
done < "$TMP/us.tap"
n=$((n + 1))
[ "$US_RC" = 0 ] && echo "ok $n - our responder's checks all passed" ||
	echo "not ok $n - our responder's checks all passed (exit $US_RC)"
n=$((n + 1))
hs=$(ip netns exec "$NS_GO" wg show "$IFACE" latest-handshakes | awk '{print $2}')
[ "${hs:-0}" -gt 0 ] && echo "ok $n - wireguard-go reports a completed handshake (latest-handshake $hs)" ||
	echo "not ok $n - wireguard-go reports a completed handshake (latest-handshake ${hs:-none})"
echo "1..$n"
[ "$US_RC" = 0 ] && [ "${hs:-0}" -gt 0 ]
