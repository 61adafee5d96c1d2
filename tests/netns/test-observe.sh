#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# An operator's view of wg-xdp: --metrics (Prometheus text through
# libmicrohttpd, checked by a strict parser and by python3-prometheus-client's),
# `stats --json` (json-c: escaped, every reason including zeros, allowed IPs
# per peer), `show` (wg show's lines, plain when piped, colour on demand),
# and tx_bytes not counting datagrams whose send failed.
#
#   ns wgx-dq-oa$$ (wg-xdp, --config with a friendly name, --metrics 127.0.0.1:9586)
#     veth0 198.18.4.1/24   <---->   ns wgx-dq-ob$$ (wireguard-go) veth0 198.18.4.2/24
#     dqoaN 100.64.4.1/24 fd00:4::1/64             dqobN 100.64.4.2/24 fd00:4::2/64
set -u
. "$(dirname "$0")/lib.sh"
require_root
why=$(impl_available wg-xdp) || skip_all "$why"
why=$(impl_available wireguard-go) || skip_all "$why"
command -v curl >/dev/null || skip_all "curl not installed"
MODE=${WGX_DQ_MODE:-xdp}
if [ "$MODE" = xdp ]; then
	why=$(xdp_unavailable_reason)
	[ -z "$why" ] || MODE=socket
fi
PROMPY=python3
/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null && PROMPY=/usr/bin/python3
PROM_CHECK="$PROMPY $TOP/tests/netns/tools/prom_check.py"

A=wgx-dq-oa$$ B=wgx-dq-ob$$ IFA=dqoa$$ IFB=dqob$$
IFA=${IFA:0:15} IFB=${IFB:0:15}
setup_underlay
KA=$(genkey) KB=$(genkey)
PA=$(pubkey "$KA") PB=$(pubkey "$KB")
FRIENDLY='B "the \peer"'
cat >"$LOGDIR/a.conf" <<EOF
[Interface]
PrivateKey = $KA
ListenPort = 51820

[Peer]
# friendly_name = $FRIENDLY
PublicKey = $PB
Endpoint = 198.18.0.2:51820
AllowedIPs = 100.64.0.2/32, fd00::2/128
EOF
START_CONFIG=$LOGDIR/a.conf WGX_ATTACH_ARGS="--metrics 127.0.0.1:9586" \
	start_wg wg-xdp $A $IFA "$MODE" || { ok 1 "wg-xdp starts"; finish; exit; }
start_wg wireguard-go $B $IFB || { ok 1 "wireguard-go starts"; finish; exit; }
ip -n $A addr add 100.64.0.1/24 dev $IFA && ip -n $A addr add fd00::1/64 dev $IFA nodad &&
	ip -n $A link set $IFA up
wg_side $B $IFB 2 "$KB" "$PA" "endpoint 198.18.0.1:51820" 1
diag "mode $MODE, parser $PROMPY"
check "tunnel up" tunnel_up $A 100.64.0.2

scrape() { ip netns exec $A curl -sf --max-time 5 http://127.0.0.1:9586/metrics; }
sample() {	# sample NAME: the value of NAME's sample for B's key (from $LOGDIR/samples)
	python3 -c '
import json, sys
for l in open(sys.argv[1]):
    s = json.loads(l)
    if s["name"] == sys.argv[2] and s["labels"].get("public_key") == sys.argv[3]:
        print(int(s["value"])); break' "$LOGDIR/samples" "$1" "$PB"
}

ip netns exec $A curl -s -D "$LOGDIR/headers" -o "$LOGDIR/metrics" http://127.0.0.1:9586/metrics
check "GET /metrics: 200, text/plain; version=0.0.4" bash -c \
	"grep -q '^HTTP/1.1 200' $LOGDIR/headers && grep -qi '^Content-Type: text/plain; version=0.0.4' $LOGDIR/headers"
check "metrics pass the strict parser ($PROMPY)" bash -c "$PROM_CHECK <$LOGDIR/metrics >$LOGDIR/samples"
check "exporter names with interface, public_key, allowed_ips and the friendly name unescaped" python3 -c '
import json, sys
want = {"interface": sys.argv[2], "public_key": sys.argv[3], "allowed_ips": "100.64.0.2/32,fd00::2/128",
        "friendly_name": sys.argv[4]}
got = {s["name"]: s["labels"] for s in map(json.loads, open(sys.argv[1]))}
for n in ("wireguard_sent_bytes_total", "wireguard_received_bytes_total", "wireguard_latest_handshake_seconds"):
    assert got.get(n) == want, (n, got.get(n))' "$LOGDIR/samples" "$IFA" "$PB" "$FRIENDLY"
nreasons=$(grep -c '^\s*\[WGX_R_[A-Z0-9_]*\] = "' "$TOP/include/wgx_reasons.h")
check "a wgx_packets_total series for each of the $nreasons named reasons, zeros included" bash -c \
	"[ \$(grep -c '^wgx_packets_total{' $LOGDIR/metrics) = $nreasons ] && grep -q '^wgx_packets_total{.*} 0$' $LOGDIR/metrics"
check "mode and plane figures: wgx_info{mode=\"$MODE\"}" grep -q "^wgx_info{.*mode=\"$MODE\"" "$LOGDIR/metrics"
sent0=$(sample wireguard_sent_bytes_total) recv0=$(sample wireguard_received_bytes_total)
ip netns exec $A ping -c 5 -i 0.2 -q 100.64.0.2 >/dev/null
scrape >"$LOGDIR/metrics2" && $PROM_CHECK <"$LOGDIR/metrics2" >"$LOGDIR/samples" 2>/dev/null
sent1=$(sample wireguard_sent_bytes_total) recv1=$(sample wireguard_received_bytes_total)
check "values move with traffic: sent $sent0 -> $sent1, received $recv0 -> $recv1 (a fresh snapshot per scrape)" \
	bash -c "[ ${sent1:-0} -ge $(( ${sent0:-0} + 5 * 100 )) ] && [ ${recv1:-0} -ge $(( ${recv0:-0} + 5 * 100 )) ]"
check "other paths: 404" bash -c \
	"[ \$(ip netns exec $A curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9586/) = 404 ]"
# A scraper that connects and never sends must not stall anything.
ip netns exec $A bash -c 'exec 3<>/dev/tcp/127.0.0.1/9586; sleep 4' &
STALL=$!
sleep 0.3
check "with a stuck scraper connected: ping still answers in the tunnel and a second scrape works" \
	bash -c "ip netns exec $A ping -c 3 -i 0.2 -W 1 -q 100.64.0.2 && ip netns exec $A curl -sf --max-time 2 -o /dev/null http://127.0.0.1:9586/metrics"
kill $STALL 2>/dev/null

ip netns exec $A "$WGX" stats $IFA --json >"$LOGDIR/stats.json"
check "stats --json: valid JSON, every documented field, every reason (zeros too), allowed IPs, friendly name" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
top = {"name", "mode", "public_key", "listen_port", "fwmark", "mtu", "realtime", "realtime_demotions",
       "n_peers", "reasons", "peers", d["mode"]}
assert set(d) == top, set(d) ^ top
assert len(d["reasons"]) == int(sys.argv[2]) and 0 in d["reasons"].values(), d["reasons"]
p = d["peers"][0]
peer = {"public_key", "friendly_name", "endpoint", "preshared_key", "allowed_ips", "latest_handshake",
        "latest_handshake_ns", "rx_bytes", "tx_bytes", "persistent_keepalive"}
assert set(p) == peer, set(p) ^ peer
assert p["allowed_ips"] == ["100.64.0.2/32", "fd00::2/128"], p["allowed_ips"]
assert p["friendly_name"] == sys.argv[3], p["friendly_name"]
assert p["public_key"] == sys.argv[4] and p["endpoint"] == "198.18.0.2:51820"' \
	"$LOGDIR/stats.json" "$nreasons" "$FRIENDLY" "$PB"

ip netns exec $A wg show $IFA | grep -v 'latest handshake' >"$LOGDIR/wg.show"
ip netns exec $A "$WGX" show $IFA >"$LOGDIR/wgx.show"
check "show: every line of wg show appears, in order (latest handshake aside)" python3 -c '
import sys
wg = [l for l in open(sys.argv[1]).read().splitlines()]
ours = iter(open(sys.argv[2]).read().splitlines())
missing = [l for l in wg if not any(l == o for o in ours)]
assert not missing, missing' "$LOGDIR/wg.show" "$LOGDIR/wgx.show"
check "show piped: no colour codes; mode line" bash -c \
	"! grep -q \$'\\x1b' $LOGDIR/wgx.show && grep -q '^  mode: $MODE' $LOGDIR/wgx.show"
check "show with WG_COLOR_MODE=always: colours" bash -c \
	"ip netns exec $A env WG_COLOR_MODE=always $WGX show $IFA | grep -q \$'\\x1b\\[33m'"

check "info log: the peer's handshake established, once" bash -c \
	"[ \$(grep -c 'peer $PB: handshake established' $LOGDIR/$IFA.log) = 1 ]"
check "info log: a configuration change, without keys" bash -c \
	"ip netns exec $A wg set $IFA peer $PB persistent-keepalive 0 && sleep 0.2 && grep -q 'configuration changed: 1 peer entry' $LOGDIR/$IFA.log && ! grep -q '$KA' $LOGDIR/$IFA.log"

# tx_bytes: with no route to the peer every send fails and must not count.
tx_of() { ip netns exec $A wg show $IFA transfer | awk '{print $3}'; }
failed_of() { stat_reason $A $IFA dp_udp_send_failed; }
ip -n $A addr flush dev veth0
tx0=$(tx_of) f0=$(failed_of)
ip netns exec $A ping -c 5 -i 0.2 -W 1 -q 100.64.0.2 >/dev/null 2>&1
tx1=$(tx_of) f1=$(failed_of)
check "sends that fail (no route) are not counted: tx_bytes $tx0 -> $tx1, dp_udp_send_failed $f0 -> $f1" \
	bash -c "[ '$tx0' = '$tx1' ] && [ ${f1:-0} -ge $(( ${f0:-0} + 5 )) ]"
finish
