#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `wg-xdp agent` in API mode against a real kube-apiserver (the test anchor
# beside the repo: etcd + kube-apiserver v1.20.2 on 127.0.0.1, Node,RBAC
# authorisation, NodeRestriction admission). The agent authenticates as
# system:node:node-a (a token, then a client certificate), publishes A's key
# on Node node-a and turns the other annotated Nodes into A's peers, while a
# ping runs through the tunnel A <-> B (B = Node node-b) the whole time.
#
#   root namespace: kube-apiserver 127.0.0.1:PORT  <--https--  wg-xdp agent (node-a)
#                                                                   | UAPI (unix socket)
#   wgx-k8a-aPID (node-a)                         wgx-k8a-bPID (node-b)   v
#  +---------------------------------+          +--------------------------------+
#  | wgxk8aaPID wg-xdp socket mode   |          | wgxk8abPID wg-xdp socket mode  |
#  |   100.64.0.1/24, peers from API |          |   100.64.0.2/24, peer A by wg  |
#  | veth0 198.18.0.1/24             +----------+ veth0 198.18.0.2/24            |
#  +---------------------------------+          +--------------------------------+
#
# Checks: node-a gets A's key and endpoint (InternalIP:port); Nodes created,
# modified (endpoint, extra allowed IPs, a podCIDR set later) and deleted
# become peers added, updated in place and removed, with the device equal to
# what the Nodes say after each change; a Node with an invalid key is
# skipped and reported while another created with it is applied; patching
# another Node with the node's credentials is refused; --once applies and
# exits 0; an agent restarted with client-certificate credentials and a
# --dir file removes nothing and merges the file's peers (the file wins a
# key a Node also names); the API server restarted
# mid-watch -> the agent relists (the old resourceVersion is gone: 410) and
# applies a change made after the restart; B's handshake never changes and
# the ping loses at most one echo. Prints the Node-change-to-device latency
# at 10 and 1,000 nodes (KUBE_LATENCY_NODES="10 1000 10000" for more). Last,
# the agent as in a pod (in-cluster config; the ServiceAccount and RBAC of
# deploy/kubernetes/rbac.yaml, which may not read secrets) publishes node-a's
# annotations again and reconciles the device.
. "$(dirname "$0")/lib.sh"
require_root
[ -x "$WGX" ] || skip_all "$WGX not built"
ANCHOR=$TOP/../shared/anchors/kube-apiserver
[ -x "$ANCHOR/start-apiserver.sh" ] || skip_all "no kube-apiserver anchor at $ANCHOR (a test anchor, absent outside this project's machines)"
command -v kubectl >/dev/null || skip_all "no kubectl (Debian's kubernetes-client, or the machine's kubectl)"

A=wgx-k8a-a$$ B=wgx-k8a-b$$ IFA=wgxk8aa$$ IFB=wgxk8ab$$
IFA=${IFA:0:15} IFB=${IFB:0:15}
STATUS=$LOGDIR/status/status.json PROM=$LOGDIR/status/$IFA.prom ORACLE=$LOGDIR/oracle.py
KW=$LOGDIR/kas READY=$LOGDIR/ready
mkdir -p "$LOGDIR/status"
# Ports of our own (other suites run API servers on 21000-24999 too).
base=$((25000 + ($$ % 400) * 10))

# ---- the API server, restartable on the same ports and etcd data ----
KAS=
start_apiserver() {
	rm -f "$READY"
	KAS_PORT=$base ETCD_PORT=$((base + 1)) ETCD_PEER_PORT=$((base + 2)) READY_FILE=$READY \
		WORKDIR=$KW KEEP_WORKDIR=1 NODE_NAME=node-a STOP_TIMEOUT=5 \
		setsid "$ANCHOR/start-apiserver.sh" >>"$LOGDIR/apiserver.log" 2>&1 &
	KAS=$!
	local n=1800
	while [ ! -s "$READY" ] && kill -0 $KAS 2>/dev/null && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
	[ -s "$READY" ]
}
stop_apiserver() { [ -z "$KAS" ] || { kill -TERM "$KAS" 2>/dev/null; wait "$KAS" 2>/dev/null; KAS=; }; }
trap 'stop_apiserver; cleanup' EXIT
if ! start_apiserver; then
	tail -5 "$LOGDIR/apiserver.log" | sed 's/^/# /'
	skip_all "the anchor's kube-apiserver did not come up (see above)"
fi
export KUBECONFIG=$KW/kubeconfig	# admin, for the test's own changes
diag "kube-apiserver on 127.0.0.1:$base, etcd data in $KW"

# The agent's client-certificate kubeconfig: files (relative to it) that the
# start script rewrites on a restart, as a mounted secret would be.
cat >"$LOGDIR/kubeconfig-cert" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster: {server: "https://127.0.0.1:$base", certificate-authority: kas/pki/ca.crt}
users:
- name: node-a
  user: {client-certificate: kas/pki/node.crt, client-key: kas/pki/node.key}
contexts:
- name: node-a@test
  context: {cluster: test, user: node-a}
current-context: node-a@test
EOF

# The oracle: A's peers as the Nodes say (the rules of cli/agent_nodes.h), as
# `wg show dump`-like lines "KEY ENDPOINT ALLOWED-IPS KEEPALIVE", sorted.
cat >"$ORACLE" <<'PY'
import base64, ipaddress, json, re, sys
P = "wg-xdp.io/"
def valid(n):
    a = n["metadata"].get("annotations", {})
    try:
        if len(base64.b64decode(a[P + "public-key"], validate=True)) != 32: return None
    except Exception: return None
    ep = a.get(P + "endpoint", "")
    if ep and not re.fullmatch(r"\d+\.\d+\.\d+\.\d+:\d+", ep): return None
    spec = n.get("spec", {})
    cidrs = spec.get("podCIDRs") or ([spec["podCIDR"]] if spec.get("podCIDR") else [])
    cidrs += [c for c in re.split(r"[,\s]+", a.get(P + "allowed-ips", "")) if c]
    try: nets = [str(ipaddress.ip_network(c, strict=False)) for c in cidrs]
    except ValueError: return None
    ka = int(a.get(P + "persistent-keepalive", "0") or 0)
    return a[P + "public-key"], ep or "(none)", nets, ka
nodes = sorted(json.load(open(sys.argv[1]))["items"], key=lambda n: n["metadata"]["name"])
keys, nets, out = set(), set(), []
for n in nodes:
    if n["metadata"]["name"] == sys.argv[2]: continue
    v = valid(n)
    if not v or v[0] in keys or nets & set(v[2]): continue
    keys.add(v[0]); nets |= set(v[2])
    out.append("%s %s %s %s" % (v[0], v[1], ",".join(sorted(v[2])) or "(none)", v[3] or "off"))
# The file's peers (lines in the same form), merged in: the file wins a key.
if len(sys.argv) > 3:
    files = {l.split()[0]: l.strip() for l in open(sys.argv[3]) if l.strip()}
    out = [l for l in out if l.split()[0] not in files] + list(files.values())
print("\n".join(sorted(out)))
PY
FILE_PEERS=	# set once the agent also reads a file: its peers as oracle lines
want_lines() { kubectl get nodes -o json >"$LOGDIR/nodes.json" && python3 "$ORACLE" "$LOGDIR/nodes.json" node-a $FILE_PEERS; }
device_lines() {
	ip netns exec $A wg show $IFA dump | awk 'NR > 1 {
		n = split($4, a, ","); s = ""
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		for (i = 1; i <= n; i++) s = s (i > 1 ? "," : "") a[i]
		print $1, $3, s, $8 }' | sort
}
# device_matches [TWENTIETHS]: until A's peers equal what the Nodes say; sets
# MATCH_MS (since $CHANGED, date +%s%N, set before the change).
CHANGED=0
device_matches() {
	local n=${1:-200}
	want_lines >"$LOGDIR/want" || return 1
	while [ "$n" -gt 0 ]; do
		device_lines >"$LOGDIR/have"
		if cmp -s "$LOGDIR/want" "$LOGDIR/have"; then
			MATCH_MS=$(( ($(date +%s%N) - CHANGED) / 1000000 ))
			echo "$(wc -l <"$LOGDIR/have") peers as the Nodes say"
			return 0
		fi
		sleep 0.05
		n=$((n - 1))
	done
	echo "device differs from the Nodes ($(wc -l <"$LOGDIR/want") wanted, $(wc -l <"$LOGDIR/have") running):"
	diff "$LOGDIR/want" "$LOGDIR/have" | head -6
	return 1
}
# endpoint_is_now KEY EP: poll (20 ms) until KEY's endpoint is EP; MATCH_MS since $CHANGED.
endpoint_is_now() {
	local n=500
	while [ $n -gt 0 ]; do
		if ip netns exec $A wg show $IFA endpoints | grep -q "^$1	$2$"; then
			MATCH_MS=$(( ($(date +%s%N) - CHANGED) / 1000000 ))
			return 0
		fi
		sleep 0.02
		n=$((n - 1))
	done
	echo "endpoint of $1 is not $2"
	return 1
}
peer_line() { device_lines | awk -v k="$1" '$1 == k'; }
status() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d = d[int(k)] if isinstance(d, list) else d[k]
print(d)' "$STATUS" "$1" 2>/dev/null; }
annotation() { kubectl get node "$1" -o jsonpath="{.metadata.annotations.wg-xdp\.io/$2}"; }
node_json() {	# node_json NAME KEY ENDPOINT PODCIDR [EXTRA_ANNOTATIONS_JSON]
	local cidr=""
	[ -z "$4" ] || cidr=", \"podCIDR\": \"$4\", \"podCIDRs\": [\"$4\"]"
	printf '{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "%s", "annotations": {"wg-xdp.io/public-key": "%s", "wg-xdp.io/endpoint": "%s"%s}}, "spec": {"unschedulable": false%s}}\n' \
		"$1" "$2" "$3" "${5:+, $5}" "$cidr"
}
hs_b() { ip netns exec $A wg show $IFA latest-handshakes | awk -v k="$PB" '$1 == k {print $2}'; }
hs_check() {	# hs_check WHAT: B's handshake unchanged (unless a rekey is due)
	local hs
	hs=$(hs_b)
	if [ $(( $(date +%s) - HS_AT )) -lt 110 ]; then
		ok "$([ "$hs" = "$HS0" ]; echo $?)" "$1: B's latest handshake unchanged ($hs, was $HS0): session kept"
	else
		skip "over 110 s since the handshake: a rekey is due" "$1: B's latest handshake unchanged"
	fi
}
start_agent() {	# start_agent KUBECONFIG [ARGS...]
	"$WGX" agent --interface $IFA --kubeconfig "$1" --node node-a --status-file "$STATUS" \
		--interval 10 "${@:2}" >>"$LOGDIR/agent.log" 2>&1 &
	AGENT=$!
	PIDS+=($AGENT)
}
stop_agent() { kill -TERM $AGENT; wait $AGENT 2>/dev/null; }

# ---- the two nodes' tunnel; the agent configures A's peers only ----
setup_underlay
KA=$(genkey) KB=$(genkey) PA=$(pubkey "$KA") PB=$(pubkey "$KB")
check "daemon A up (socket mode)" start_wg wg-xdp $A $IFA socket || { finish; exit; }
check "daemon B up (socket mode)" start_wg wg-xdp $B $IFB socket || { finish; exit; }
(umask 077; echo "$KA" >"$LOGDIR/a.key")
ip netns exec $A wg set $IFA listen-port 51820 private-key "$LOGDIR/a.key"
ip -n $A addr add 100.64.0.1/24 dev $IFA
ip -n $A link set $IFA up
check "B configured with wg (peer A at 198.18.0.1:51820)" configure $B $IFB 2 "$KB" "$PA" 198.18.0.1:51820 1

check "Node node-a created (InternalIP 198.18.0.1, podCIDR 100.64.0.1/32)" kubectl create -f - <<EOF
{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-a"},
 "spec": {"podCIDR": "100.64.0.1/32", "podCIDRs": ["100.64.0.1/32"]},
 "status": {"addresses": [{"type": "InternalIP", "address": "198.18.0.1"}]}}
EOF
check "Node node-b created (B's key, endpoint, podCIDR, extra allowed IP)" kubectl create -f - \
	< <(node_json node-b "$PB" 198.18.0.2:51820 100.64.0.2/32 '"wg-xdp.io/allowed-ips": "fd00::2/128"')

# ---- token credentials ----
start_agent "$KW/kubeconfig-node"
pub_ok() { [ "$(annotation node-a public-key)" = "$PA" ] && [ "$(annotation node-a endpoint)" = "198.18.0.1:51820" ]; }
check "agent (token auth) publishes node-a's key and endpoint (InternalIP:listen port)" \
	wait_for "node-a annotations" 200 pub_ok
diag "node-a: wg-xdp.io/public-key=$(annotation node-a public-key) wg-xdp.io/endpoint=$(annotation node-a endpoint)"
check "node-b -> peer: device as the Nodes say" device_matches
ok "$([ "$(peer_line "$PB")" = "$PB 198.18.0.2:51820 100.64.0.2/32,fd00::2/128 off" ]; echo $?)" \
	"node-b's peer: endpoint 198.18.0.2:51820, allowed IPs podCIDR 100.64.0.2/32 + fd00::2/128 ($(peer_line "$PB" | cut -d' ' -f2-))"
check "tunnel B -> A up through the agent's peer" tunnel_up $B 100.64.0.1
HS0=$(hs_b) HS_AT=$(date +%s)
ip netns exec $B ping -i 0.05 100.64.0.1 >"$LOGDIR/ping.out" 2>&1 &
PING=$!
PIDS+=($PING)

PC=$(pubkey "$(genkey)") PD=$(pubkey "$(genkey)") PE=$(pubkey "$(genkey)") PF=$(pubkey "$(genkey)")
kubectl create -f - < <(node_json node-c "$PC" 198.19.0.3:51820 10.20.3.0/24 '"wg-xdp.io/persistent-keepalive": "25"') >/dev/null
check "Node node-c created -> peer added" device_matches
ok "$([ "$(peer_line "$PC")" = "$PC 198.19.0.3:51820 10.20.3.0/24 25" ]; echo $?)" \
	"node-c's peer: endpoint, podCIDR, keepalive 25 ($(peer_line "$PC" | cut -d' ' -f2-))"
kubectl annotate node node-c --overwrite wg-xdp.io/endpoint=198.19.0.33:51821 wg-xdp.io/allowed-ips=10.30.3.0/24 >/dev/null
check "node-c's endpoint and allowed IPs modified -> peer updated" device_matches
ok "$([ "$(peer_line "$PC")" = "$PC 198.19.0.33:51821 10.20.3.0/24,10.30.3.0/24 25" ]; echo $?)" \
	"node-c's peer: endpoint 198.19.0.33:51821, allowed IPs 10.20.3.0/24,10.30.3.0/24 ($(peer_line "$PC" | cut -d' ' -f2-))"
ok "$(grep -q "update peer node-c ($PC) allowed-ips endpoint" "$LOGDIR/agent.log" &&
	! grep -q "remove peer node-c" "$LOGDIR/agent.log"; echo $?)" "node-c updated in place (agent log: update, never remove)"
kubectl create -f - < <(node_json node-d "$PD" 198.19.0.4:51820 "") >/dev/null
check "Node node-d without a podCIDR -> peer without allowed IPs" device_matches
kubectl patch node node-d -p '{"spec": {"podCIDR": "10.20.4.0/24", "podCIDRs": ["10.20.4.0/24"]}}' >/dev/null
check "node-d's podCIDR set -> peer's allowed IPs updated" device_matches
ok "$([ "$(peer_line "$PD")" = "$PD 198.19.0.4:51820 10.20.4.0/24 off" ]; echo $?)" \
	"node-d's peer: allowed IPs 10.20.4.0/24 ($(peer_line "$PD" | cut -d' ' -f2-))"

# An invalid Node next to a valid one, in one request.
{ echo '{"apiVersion": "v1", "kind": "List", "items": ['
  node_json node-bad "not-a-key" 198.19.0.9:51820 10.20.9.0/24; echo ,
  node_json node-e "$PE" 198.19.0.5:51820 10.20.5.0/24; echo ,
  echo '{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-plain"}}]}'; } >"$LOGDIR/bad.json"
kubectl create -f "$LOGDIR/bad.json" >/dev/null
check "node-bad (invalid key) and node-plain (no key) with node-e: node-e applied, the others left out" device_matches
sleep 0.3
ok "$([ "$(status api.skipped)" = 1 ] && [ "$(status api.skipped_nodes.0.node)" = node-bad ]; echo $?)" \
	"node-bad reported in the status: $(status api.skipped_nodes)"
ok "$([ "$(status api.unannotated)" = 1 ] && grep -q "node node-plain has no wg-xdp.io/public-key" "$LOGDIR/agent.log"; echo $?)" \
	"node-plain (no agent yet) counted apart ($(status api.unannotated)) and logged"
ok "$(grep -q "^wgx_agent_api_nodes_skipped{interface=\"$IFA\"} 1$" "$PROM" &&
	grep -q "^wgx_agent_last_reload_success{interface=\"$IFA\"} 1$" "$PROM"; echo $?)" \
	"metrics: wgx_agent_api_nodes_skipped 1, wgx_agent_last_reload_success 1"
ok "$(grep -q "node node-bad skipped: invalid wg-xdp.io/public-key" "$LOGDIR/agent.log"; echo $?)" \
	"the agent logs why node-bad is skipped"

kubectl --kubeconfig "$KW/kubeconfig-node" annotate node node-b --overwrite wg-xdp.io/endpoint=198.19.9.9:1 \
	>"$LOGDIR/forbidden.out" 2>&1
ok "$([ $? -ne 0 ] && grep -q Forbidden "$LOGDIR/forbidden.out"; echo $?)" \
	"node-a's credentials cannot patch Node node-b: $(head -c 150 "$LOGDIR/forbidden.out")"
kubectl delete node node-c >/dev/null
check "Node node-c deleted -> peer removed" device_matches
ok "$([ -z "$(peer_line "$PC")" ]; echo $?)" "node-c's key no longer on the device"
hs_check "after creating, modifying and deleting nodes"

# ---- --once: one reconcile from the API, exit status 0 ----
"$WGX" agent --interface $IFA --kubeconfig "$KW/kubeconfig-node" --node node-a --once >"$LOGDIR/once.log" 2>&1
ok $? "agent --once against the API: exit status 0 ($(tail -1 "$LOGDIR/once.log"))"

# ---- client-certificate credentials and a file: a restarted agent removes nothing ----
# The file names a static peer and node-b's key with fewer allowed IPs: the file wins.
PS=$(pubkey "$(genkey)")
mkdir -p "$LOGDIR/cm"
printf '[Peer]\n# friendly_name=static\nPublicKey = %s\nAllowedIPs = 10.99.0.0/16\n\n[Peer]\nPublicKey = %s\nAllowedIPs = 100.64.0.2/32\nEndpoint = 198.18.0.2:51820\n' \
	"$PS" "$PB" >"$LOGDIR/cm/$IFA.conf"
printf '%s (none) 10.99.0.0/16 off\n%s 198.18.0.2:51820 100.64.0.2/32 off\n' "$PS" "$PB" >"$LOGDIR/file-peers"
stop_agent
start_agent "$LOGDIR/kubeconfig-cert" --endpoint 198.18.0.1 --dir "$LOGDIR/cm"
FILE_PEERS=$LOGDIR/file-peers
sleep 1
listed() { [ "$(status api.synced)" = True ] && [ "$(status api.lists)" -ge 1 ] && [ "$(status success)" = True ]; }
check "agent restarted with a client certificate (relative paths in its kubeconfig) and --dir: listed, in sync" \
	wait_for "the first list" 200 listed
ok "$(grep -q "as node node-a (client certificate)" "$LOGDIR/agent.log"; echo $?)" "the agent authenticated with the client certificate"
check "after the agent's restart: device = the Nodes' peers merged with the file's (the file wins node-b's key)" device_matches
ok "$([ "$(peer_line "$PB")" = "$PB 198.18.0.2:51820 100.64.0.2/32 off" ] &&
	grep -q "1 node peer(s) ignored" "$LOGDIR/agent.log"; echo $?)" \
	"node-b's key in the file: the file's allowed IPs ($(peer_line "$PB" | cut -d' ' -f3)), the Node's ignored (logged)"
ok "$([ "$(grep -c "remove peer" "$LOGDIR/agent.log")" = 1 ]; echo $?)" \
	"the restarted agent removed no peer (only node-c's removal in the log)"
hs_check "after the agent's restart"

# ---- the API server restarted mid-watch ----
relists0=$(status api.relists)
kubectl create configmap wgx-bump --from-literal=a=b >/dev/null	# resourceVersion moves on
sleep 0.2
stop_apiserver
disconnected() { [ "$(status api.connected)" = False ]; }
check "API server stopped: the agent notices (status api.connected false)" wait_for "the agent's notice" 300 disconnected
check "API server started again (same ports, same etcd data)" start_apiserver
kubectl create -f - < <(node_json node-f "$PF" 198.19.0.6:51820 10.20.6.0/24) >/dev/null
check "a Node created after the restart -> peer added (the agent reconnected)" device_matches 900
ok "$([ "$(status api.relists)" -gt "${relists0:-0}" ] && grep -q "is gone (410): relisting" "$LOGDIR/agent.log"; echo $?)" \
	"the old resourceVersion was gone (410): the agent relisted (relists $relists0 -> $(status api.relists))"
check "after the API server's restart: device as the Nodes say (nothing lost)" device_matches
hs_check "after the API server's restart"

sleep 0.3
kill -INT $PING
wait $PING 2>/dev/null
read -r sent got < <(awk '/packets transmitted/ {print $1, $4}' "$LOGDIR/ping.out")
ok "$([ -n "$sent" ] && [ "$sent" -ge 20 ] && [ $((sent - got)) -le 1 ]; echo $?)" \
	"ping through the tunnel during every change: $got of $sent echoes answered (loss <= 1)"

# ---- latency: a Node change to the device, at 10 and 1,000 nodes ----
kubectl delete node node-bad node-plain node-d node-e node-f >/dev/null
gen_nodes() {	# gen_nodes FIRST COUNT: a List of nodes n-FIRST.. with fresh keys
	python3 - "$1" "$2" <<'PY'
import base64, json, os, sys
first, count = int(sys.argv[1]), int(sys.argv[2])
items = [{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n-%05d" % i, "annotations": {
          "wg-xdp.io/public-key": base64.b64encode(os.urandom(32)).decode(),
          "wg-xdp.io/endpoint": "198.19.%d.%d:51820" % (i // 250, i % 250 + 1)}},
          "spec": {"podCIDR": "10.%d.%d.0/24" % (100 + i // 250, i % 250),
                   "podCIDRs": ["10.%d.%d.0/24" % (100 + i // 250, i % 250)]}}
         for i in range(first, first + count)]
print(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
PY
}
have=2	# node-a (this node) and node-b
for n in ${KUBE_LATENCY_NODES:-10 1000}; do	# e.g. KUBE_LATENCY_NODES="10 1000 10000"
	gen_nodes $((have - 2)) $((n - have)) >"$LOGDIR/list.json"
	CHANGED=$(date +%s%N)
	kubectl create -f "$LOGDIR/list.json" >/dev/null 2>"$LOGDIR/create.err"
	create=$(( ($(date +%s%N) - CHANGED) / 1000000 ))
	check "$n nodes: device as the Nodes say" device_matches 1200 || continue
	have=$n full=$MATCH_MS
	key0=$(annotation n-00000 public-key)
	ADMIN_TOKEN=$(awk '/token:/ {print $2}' "$KUBECONFIG")	# new at every start of the API server
	CHANGED=$(date +%s%N)
	curl -fsS --cacert "$KW/pki/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" -X PATCH \
		-H 'Content-Type: application/merge-patch+json' -o /dev/null \
		-d '{"metadata": {"annotations": {"wg-xdp.io/endpoint": "198.19.255.1:40000"}}}' \
		"https://127.0.0.1:$base/api/v1/nodes/n-00000"
	check "$n nodes: one node's endpoint changed (curl PATCH) -> on the device" endpoint_is_now "$key0" 198.19.255.1:40000
	one=$MATCH_MS
	check "$n nodes: and the rest as the Nodes say" device_matches 600
	diag "reload latency at $n nodes: one Node's endpoint changed -> on the device ${one} ms after the PATCH began (agent: event to applied $(status latency_ms | cut -d. -f1) ms, 200 ms of it the debounce); creating the nodes: one kubectl create ${create} ms, all on the device ${full} ms after it began"
	kubectl annotate node n-00000 --overwrite wg-xdp.io/endpoint=198.19.0.1:51820 >/dev/null
done
hs_check "after the 1,000 nodes"

# ---- in a pod: the ServiceAccount of deploy/kubernetes/rbac.yaml, in-cluster config ----
# What a pod sees: KUBERNETES_SERVICE_HOST/PORT and the ServiceAccount's
# token, ca.crt and namespace under /var/run/secrets/kubernetes.io/serviceaccount,
# here in a private mount namespace (a tmpfs on /run, the host's
# /run/wireguard bound back in for the UAPI sockets).
SA=$LOGDIR/serviceaccount
mkdir -p "$SA" "$LOGDIR/hostrun"
kubectl create namespace wg-xdp >/dev/null 2>&1
check "rbac.yaml applied (ServiceAccount wg-xdp/wg-xdp, ClusterRole wg-xdp-agent and its binding)" \
	kubectl apply -f "$TOP/deploy/kubernetes/rbac.yaml"
kubectl create token wg-xdp -n wg-xdp >"$SA/token" 2>"$LOGDIR/token.err"
ok $([ -s "$SA/token" ]; echo $?) "a token of ServiceAccount wg-xdp (TokenRequest) $(head -c 100 "$LOGDIR/token.err")"
cp "$KW/pki/ca.crt" "$SA/ca.crt"
echo wg-xdp >"$SA/namespace"
kubectl get --raw /api/v1/namespaces/kube-system/secrets --token "$(cat "$SA/token")" \
	>"$LOGDIR/sa-secrets.out" 2>&1
ok "$([ $? -ne 0 ] && grep -q Forbidden "$LOGDIR/sa-secrets.out"; echo $?)" \
	"the ServiceAccount may not read secrets (rbac.yaml grants Nodes only)"
stop_agent
FILE_PEERS=
rm -f "$STATUS"
kubectl annotate node node-a wg-xdp.io/public-key- wg-xdp.io/endpoint- >/dev/null
unshare -m bash -c '
	mount --make-rprivate / && mount --rbind /run "$1/hostrun" && mount -t tmpfs tmpfs /run &&
	mkdir -p /run/wireguard /run/secrets/kubernetes.io/serviceaccount &&
	mount --rbind "$1/hostrun/wireguard" /run/wireguard &&
	mount --bind "$1/serviceaccount" /run/secrets/kubernetes.io/serviceaccount &&
	exec env KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="$2" NODE_NAME=node-a \
		"$3" agent --interface "$4" --kube --status-file "$5" --interval 10' \
	in-pod "$LOGDIR" "$base" "$WGX" "$IFA" "$STATUS" >>"$LOGDIR/agent-pod.log" 2>&1 &
AGENT=$!
PIDS+=($AGENT)
check "in-cluster agent (no kubeconfig): KUBERNETES_SERVICE_HOST/PORT and the ServiceAccount's files" \
	wait_for "the in-cluster agent's first list" 200 listed
ok "$(grep -q "API https://127.0.0.1:$base as node node-a (bearer token)" "$LOGDIR/agent-pod.log"; echo $?)" \
	"it found the API server and the token in-cluster ($(grep -o 'API .*' "$LOGDIR/agent-pod.log" | head -1))"
check "in-cluster: node-a's key and endpoint published again (the ServiceAccount's patch)" \
	wait_for "node-a annotations" 200 pub_ok
check "in-cluster: device as the Nodes say (the file's static peer removed)" device_matches 600
hs_check "after the in-cluster agent took over"
# The token passes through libcurl's and OpenSSL's buffers at every request;
# freed, they are wiped (cli/agent_tls_mem.h). Live: the open watch's request.
sleep 11	# one --interval resync: more requests
kill -0 $AGENT && gcore -o "$LOGDIR/agent.core" $AGENT >/dev/null 2>&1
copies=$(python3 -c 'import sys; t = open(sys.argv[1]).read().strip().split(".")[-1].encode()
print(open(sys.argv[2] + "." + sys.argv[3], "rb").read().count(t))' "$SA/token" "$LOGDIR/agent.core" $AGENT 2>/dev/null)
ok "$([ -n "$copies" ] && [ "$copies" -le 2 ] && ! grep -q "OpenSSL allocated before" "$LOGDIR/agent-pod.log"; echo $?)" \
	"in-cluster agent's core after $(status api.lists) list(s) and resyncs: the token's signature ${copies:-?} time(s) (<= 2: the open watch's request; 4 without the wiping allocators)"
rm -f "$LOGDIR/agent.core".*
finish
