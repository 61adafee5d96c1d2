#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `wg-xdp agent` under ConfigMap churn with a live tunnel: the agent keeps A's
# 1,000 peers equal to a directory updated exactly as kubelet updates a
# ConfigMap volume (new ..TIMESTAMP dir, new ..data_tmp symlink, rename over
# ..data), while a ping runs through the tunnel A <-> B the whole time.
#
#   wgx-k8s-aPID (agent-managed)                 wgx-k8s-bPID
#  +------------------------------------+       +------------------------------+
#  | wgxk8saPID  wg-xdp socket mode     |       | wgxk8sbPID wg-xdp socket     |
#  |   100.64.0.1/24                    |       |   100.64.0.2/24              |
#  |   peer B (friendly_name=node-b)    |       |   peer A (set with `wg`)     |
#  |   + 999 churned peers 100.80.x.y   |       |                              |
#  | veth0 198.18.0.1/24                +-------+ veth0 198.18.0.2/24          |
#  +------------------------------------+       +------------------------------+
#   wg-xdp agent --interface wgxk8saPID --dir $LOGDIR/cm (the ConfigMap mount)
#
# Checks, after every reload: the device equals the desired file (`wg show
# dump` against the file), B's latest handshake never changes (no session
# reset), the status file reports success. Then: the ping lost at most one
# echo over all reloads; an invalid file leaves the device untouched and is
# reported (status JSON, wgx_agent_last_reload_success 0); the directory
# vanishing keeps the state and its return is picked up; the daemon killed
# and restarted gets everything re-applied. Prints the reload latency
# (rename of ..data to applied, as the agent measures it) at 10, 1,000 and
# 10,000 peers, for a full load and for a 1 % change.
. "$(dirname "$0")/lib.sh"
require_root
[ -x "$WGX" ] || skip_all "$WGX not built"

A=wgx-k8s-a$$ B=wgx-k8s-b$$ IFA=wgxk8sa$$ IFB=wgxk8sb$$
IFA=${IFA:0:15} IFB=${IFB:0:15}
CM=$LOGDIR/cm STATUS=$LOGDIR/status/status.json PROM=$LOGDIR/status/$IFA.prom
STATE=$LOGDIR/state.json GEN=$LOGDIR/gen.py
METRICS_PORT=9586	# inside namespace A: no clash with other runs
mkdir -p "$LOGDIR/status"

# The desired state as JSON ($STATE) and what a test needs from it.
cat >"$GEN" <<'PY'
import base64, json, os, random, sys
cmd, path = sys.argv[1], sys.argv[2]
rnd = random.Random(int(os.environ.get("SEED", "1")))
def key(): return base64.b64encode(os.urandom(32)).decode()
def load(): return json.load(open(path))
def save(s): json.dump(s, open(path, "w"))
def dummy(i):
    p = {"pub": key(), "aips": ["100.80.%d.%d/32" % (i // 250, i % 250 + 1)], "ka": 0, "psk": None,
         "ep": None, "name": "dummy-%d" % i}
    if i % 3 == 0: p["ep"] = "198.19.%d.%d:51820" % (i // 250, i % 250 + 1)
    return p
if cmd == "init":   # init PATH N PRIV PEER_B_PUB
    n, priv, pb = int(sys.argv[3]), sys.argv[4], sys.argv[5]
    peers = [{"pub": pb, "aips": ["100.64.0.2/32"], "ka": 0, "psk": None,
              "ep": "198.18.0.2:51820", "name": "node-b", "keep": True}]
    peers += [dummy(i) for i in range(n - 1)]
    save({"priv": priv, "port": 51820, "peers": peers, "next": n})
elif cmd == "churn":  # churn PATH K: remove K, add K, modify K (never node-b)
    s, k = load(), int(sys.argv[3])
    pool = [p for p in s["peers"] if not p.get("keep")]
    for p in rnd.sample(pool, k): s["peers"].remove(p)
    pool = [p for p in s["peers"] if not p.get("keep")]
    for j, p in enumerate(rnd.sample(pool, k)):
        m = j % 4
        if m == 0: p["aips"] = p["aips"][:1] + ["100.96.%d.%d/32" % (s["next"] // 250 % 250, s["next"] % 250 + 1)]; s["next"] += 1
        elif m == 1: p["ka"] = 25 if p["ka"] == 0 else 0
        elif m == 2: p["psk"] = key() if p["psk"] is None else None
        else: p["ep"] = "198.19.250.%d:%d" % (j % 250 + 1, 40000 + s["next"] % 20000); s["next"] += 1
    for j in range(k):
        s["peers"].append(dummy(s["next"] % 60000)); s["next"] += 1
    save(s)
elif cmd == "conf":   # conf PATH: the wg setconf file
    s = load()
    print("[Interface]\nPrivateKey = %s\nListenPort = %d\n" % (s["priv"], s["port"]))
    for p in s["peers"]:
        print("[Peer]\n# friendly_name=%s\nPublicKey = %s" % (p["name"], p["pub"]))
        if p["psk"]: print("PresharedKey = %s" % p["psk"])
        print("AllowedIPs = %s" % ", ".join(p["aips"]))
        if p["ep"]: print("Endpoint = %s" % p["ep"])
        if p["ka"]: print("PersistentKeepalive = %d" % p["ka"])
        print()
elif cmd == "expect":  # expect PATH: sorted `wg show dump` peer lines without counters
    s = load()
    for l in sorted("%s %s %s %s %s" % (p["pub"], p["psk"] or "(none)", p["ep"] or "(none)",
                    ",".join(sorted(p["aips"])), p["ka"] or "off") for p in s["peers"]): print(l)
PY
gen() { python3 "$GEN" "$1" "$STATE" "${@:2}"; }

# The device as the same lines: `wg show dump` minus handshake and transfer.
# (The roaming rule keeps B's endpoint as B sends from, 198.18.0.2:51820.)
device_lines() {
	ip netns exec $A wg show $IFA dump | awk 'NR > 1 {
		n = split($4, a, ","); s = ""
		# sort the allowed IPs of the line
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		for (i = 1; i <= n; i++) s = s (i > 1 ? "," : "") a[i]
		print $1, $2, $3, s, $8 }' | sort
}
device_matches() {
	gen expect >"$LOGDIR/want"
	device_lines >"$LOGDIR/have"
	if ! cmp -s "$LOGDIR/want" "$LOGDIR/have"; then
		echo "device differs from the desired file ($(wc -l <"$LOGDIR/want") desired, $(wc -l <"$LOGDIR/have") running):"
		diff "$LOGDIR/want" "$LOGDIR/have" | head -5
		return 1
	fi
	echo "$(wc -l <"$LOGDIR/have") peers match"
}

# publish FILE: swap the ConfigMap volume to FILE's content as kubelet's atomic writer does.
publish() {
	local ts old
	ts=..$(date +%Y_%m_%d_%H_%M_%S.%N)
	mkdir -p "$CM/$ts"
	cp "$1" "$CM/$ts/$IFA.conf"
	old=$(readlink "$CM/..data" 2>/dev/null)
	ln -s "$ts" "$CM/..data_tmp"
	PUBLISHED=$(date +%s.%N)
	mv -T "$CM/..data_tmp" "$CM/..data"
	[ -L "$CM/$IFA.conf" ] || ln -s "..data/$IFA.conf" "$CM/$IFA.conf"
	[ -z "$old" ] || rm -rf "${CM:?}/$old"
}

status() { python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s[sys.argv[2]])' "$STATUS" "$1" 2>/dev/null; }
# wait_reload: until the agent finished a reload that ended after $PUBLISHED
wait_reload() {
	local n=${1:-150}
	while [ "$n" -gt 0 ]; do
		local t
		t=$(status last_reload)
		[ -n "$t" ] && awk "BEGIN { exit !($t > $PUBLISHED) }" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	echo "no reload after the publish"
	return 1
}
latency_ms() { awk "BEGIN { printf \"%.0f\", ($(status last_reload) - $PUBLISHED) * 1000 }"; }
reload_ok() {	# reload_ok: wait, success true, device as desired
	wait_reload || return 1
	[ "$(status success)" = True ] || { echo "status: $(cat "$STATUS")"; return 1; }
	device_matches
}
hs_b() { ip netns exec $A wg show $IFA latest-handshakes | awk -v k="$PB" '$1 == k {print $2}'; }

setup_underlay
KA=$(genkey) KB=$(genkey) PA=$(pubkey "$KA") PB=$(pubkey "$KB")
check "daemon A up (socket mode)" start_wg wg-xdp $A $IFA socket || { finish; exit; }
check "daemon B up (socket mode)" start_wg wg-xdp $B $IFB socket || { finish; exit; }
check "B configured with wg" configure $B $IFB 2 "$KB" "$PA" 198.18.0.1:51820 1
ip -n $A addr add 100.64.0.1/24 dev $IFA
ip -n $A link set $IFA up

gen init 1000 "$KA" "$PB"
gen conf >"$LOGDIR/desired.conf"
publish "$LOGDIR/desired.conf"
ip netns exec $A "$WGX" agent --interface $IFA --dir "$CM" --status-file "$STATUS" \
	--metrics-port $METRICS_PORT --interval 30 >"$LOGDIR/agent.log" 2>&1 &
AGENT=$!
PIDS+=($AGENT)
check "agent applies the initial 1,000 peers" reload_ok
diag "initial 1,000 peers applied $(latency_ms) ms after the ..data swap (agent: $(status latency_ms | cut -d. -f1) ms)"
check "tunnel A <-> B up through the agent's peer" tunnel_up $B 100.64.0.1
ip netns exec $A curl -fsS "http://127.0.0.1:$METRICS_PORT/metrics" >"$LOGDIR/metrics.out" 2>&1
ok "$(grep -q "^wgx_agent_last_reload_success{interface=\"$IFA\"} 1$" "$LOGDIR/metrics.out" &&
	grep -q "^wgx_daemon_up{interface=\"$IFA\"} 1$" "$LOGDIR/metrics.out" &&
	grep -q '^wgx_reason_packets_total{' "$LOGDIR/metrics.out"; echo $?)" \
	"GET /metrics on :$METRICS_PORT: reload success 1, daemon up 1, per-reason counters"
HS0=$(hs_b)
HS_AT=$(date +%s)
ip netns exec $B ping -i 0.05 100.64.0.1 >"$LOGDIR/ping.out" 2>&1 &
PING=$!
PIDS+=($PING)

for round in 1 2 3 4 5; do
	SEED=$round gen churn 100
	gen conf >"$LOGDIR/desired.conf"
	publish "$LOGDIR/desired.conf"
	check "churn $round (remove 100, add 100, modify 100): device equals the desired file" reload_ok
	diag "churn $round applied $(latency_ms) ms after the swap; applied $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["applied"])' "$STATUS")"
	hs=$(hs_b)
	if [ $(( $(date +%s) - HS_AT )) -lt 110 ]; then
		ok "$([ "$hs" = "$HS0" ]; echo $?)" "churn $round: B's latest handshake unchanged ($hs, was $HS0): session kept"
	else
		skip "over 110 s since the handshake: a rekey is due" "churn $round: B's latest handshake unchanged"
	fi
done
sleep 0.3
kill -INT $PING
wait $PING 2>/dev/null
read -r sent got < <(awk '/packets transmitted/ {print $1, $4}' "$LOGDIR/ping.out")
ok "$([ -n "$sent" ] && [ "$sent" -ge 20 ] && [ $((sent - got)) -le 1 ]; echo $?)" \
	"ping through the tunnel during all reloads: $got of $sent echoes answered (loss <= 1)"

# Invalid file: rejected whole, device untouched, reported.
cp "$LOGDIR/desired.conf" "$LOGDIR/bad.conf"
printf '[Peer]\nPublicKey = %s\nAllowedIPs = 100.64.0.99/32\nBogusKey = 1\n' "$(pubkey "$(genkey)")" >>"$LOGDIR/bad.conf"
publish "$LOGDIR/bad.conf"
wait_reload
ok "$([ "$(status success)" = False ]; echo $?)" "invalid file: status success false"
ok "$(status error | grep -q 'rejected.*line'; echo $?)" "invalid file: status error names the line: $(status error)"
ok "$(grep -q "^wgx_agent_last_reload_success{interface=\"$IFA\"} 0$" "$PROM"; echo $?)" \
	"invalid file: wgx_agent_last_reload_success 0 in $IFA.prom"
check "invalid file: device still equals the last valid state" device_matches
ok "$(grep -q 'rejected, the running configuration is kept' "$LOGDIR/agent.log"; echo $?)" \
	"invalid file: the agent logs the rejection"
publish "$LOGDIR/desired.conf"
check "valid file again: applied" reload_ok
ok "$(grep -q "^wgx_agent_last_reload_success{interface=\"$IFA\"} 1$" "$PROM"; echo $?)" \
	"valid file again: wgx_agent_last_reload_success 1"

# The directory vanishing: state kept; its return picked up.
rm -rf "$CM"
sleep 1.5
check "ConfigMap directory gone: device unchanged" device_matches
ok "$(kill -0 $AGENT 2>/dev/null; echo $?)" "ConfigMap directory gone: agent still running"
SEED=9 gen churn 10
gen conf >"$LOGDIR/desired.conf"
mkdir -p "$CM"
publish "$LOGDIR/desired.conf"
check "ConfigMap directory back with a change: applied" reload_ok

# The daemon killed and restarted: the agent re-applies everything.
pkill_pid=$(ip netns pids $A | xargs -r ps -o pid=,args= -p | awk -v n="$IFA" '$0 ~ "attach" && $0 ~ n {print $1}')
kill -9 $pkill_pid
wait "${PIDS[0]}" 2>/dev/null  # reap it quietly (the "Killed" notice)
sleep 0.3
PUBLISHED=$(date +%s.%N)
check "daemon A restarted" start_wg wg-xdp $A $IFA socket
ip -n $A addr add 100.64.0.1/24 dev $IFA 2>/dev/null
ip -n $A link set $IFA up
check "daemon restarted: the agent re-applied all $(gen expect | wc -l) peers" reload_ok
diag "re-applied $(latency_ms) ms after the restart began"
check "daemon restarted: tunnel up again (A initiates)" tunnel_up $A 100.64.0.2

# Reload latency by size: a full load and a 1 % change, rename of ..data to applied.
for n in 10 1000 10000; do
	gen init $n "$KA" "$PB"
	gen conf >"$LOGDIR/desired.conf"
	publish "$LOGDIR/desired.conf"
	check "$n peers: applied" reload_ok || continue
	full=$(latency_ms) full_agent=$(status latency_ms | cut -d. -f1)
	k=$((n / 100)); [ $k -ge 1 ] || k=1
	SEED=$n gen churn $k
	gen conf >"$LOGDIR/desired.conf"
	publish "$LOGDIR/desired.conf"
	check "$n peers: 1 % change ($k removed, $k added, $k modified) applied" reload_ok || continue
	diag "reload latency at $n peers: full load $full ms (agent ${full_agent} ms), 1 % change $(latency_ms) ms (agent $(status latency_ms | cut -d. -f1) ms; 200 ms of it is the debounce)"
done
finish
