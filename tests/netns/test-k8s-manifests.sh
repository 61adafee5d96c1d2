#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# deploy/kubernetes/*.yaml validated by a real kube-apiserver (server-side dry
# run: schema, defaulting, admission), from the test anchor beside the repo
# (../shared/anchors/kube-apiserver, etcd + kube-apiserver on 127.0.0.1 only;
# no kubelet, so nothing runs). A manifest broken on purpose must be refused,
# so the check can fail.
#
#   this test --kubectl apply --dry-run=server--> kube-apiserver 127.0.0.1:PORT --> etcd 127.0.0.1
. "$(dirname "$0")/lib.sh"
ANCHOR=$TOP/../shared/anchors/kube-apiserver
DEPLOY=$TOP/deploy/kubernetes
[ -x "$ANCHOR/start-apiserver.sh" ] || skip_all "no kube-apiserver anchor at $ANCHOR (a test anchor, absent outside this project's machines)"
command -v kubectl >/dev/null || skip_all "no kubectl (Debian's kubernetes-client, or the machine's kubectl)"
python3 -c 'import yaml' 2>/dev/null || skip_all "python3-yaml missing"

# Ports of our own: other suites may run an API server at the same time.
base=$((21000 + ($$ % 400) * 10))
READY=$LOGDIR/ready
KAS_PORT=$base ETCD_PORT=$((base + 1)) ETCD_PEER_PORT=$((base + 2)) READY_FILE=$READY \
	AUTHZ=RBAC setsid "$ANCHOR/start-apiserver.sh" >"$LOGDIR/apiserver.log" 2>&1 &
KAS=$!
PIDS+=($KAS)
stop_apiserver() { kill -TERM "$KAS" 2>/dev/null; wait "$KAS" 2>/dev/null; }
trap 'stop_apiserver; cleanup' EXIT
n=1200
while [ ! -s "$READY" ] && kill -0 $KAS 2>/dev/null && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
if [ ! -s "$READY" ]; then
	tail -5 "$LOGDIR/apiserver.log" | sed 's/^/# /'
	skip_all "the anchor's kube-apiserver did not come up (see above)"
fi
export KUBECONFIG
KUBECONFIG=$(cat "$READY")/kubeconfig
diag "kube-apiserver $(kubectl version -o json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])') on 127.0.0.1:$base"

check "namespace.yaml created" kubectl apply -f "$DEPLOY/namespace.yaml"
for f in rbac.yaml configmap.yaml daemonset.yaml kilo-sidecar.yaml; do
	check "$f accepted by the API server (apply --dry-run=server)" \
		kubectl apply --dry-run=server -f "$DEPLOY/$f"
done
ok "$(kubectl get ds -n wg-xdp wg-xdp >/dev/null 2>&1; [ $? -ne 0 ]; echo $?)" "dry run stored nothing"

# The agent's API rights, as RBAC grants them (applied for real, then asked).
check "rbac.yaml applied" kubectl apply -f "$DEPLOY/rbac.yaml"
SA=system:serviceaccount:wg-xdp:wg-xdp
can() { [ "$(kubectl auth can-i --as=$SA "$@" 2>/dev/null)" = yes ]; }
ok "$(can list nodes && can watch nodes && can patch nodes && ! can create nodes && ! can delete nodes &&
	! can get secrets -n wg-xdp; echo $?)" \
	"the agent's ServiceAccount may get/list/watch/patch nodes, not create/delete them nor read secrets"

# The same DaemonSet with a capability list that is not a list: must be refused.
python3 - "$DEPLOY/daemonset.yaml" >"$LOGDIR/broken.yaml" <<'PY'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
d["spec"]["template"]["spec"]["containers"][0]["securityContext"]["capabilities"]["add"] = ["NET_ADMIN"]
d["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0]["mountPropagation"] = "Sideways"
print(yaml.safe_dump(d))
PY
kubectl apply --dry-run=server --validate=false -f "$LOGDIR/broken.yaml" >"$LOGDIR/broken.out" 2>&1
ok "$([ $? -ne 0 ]; echo $?)" "a broken DaemonSet is refused by the server (client validation off): $(head -c 160 "$LOGDIR/broken.out" | tr '\n' ' ')"

# What the manifests promise, read back from the server's defaulted object.
kubectl apply --dry-run=server -o json -f "$DEPLOY/daemonset.yaml" >"$LOGDIR/ds.json" 2>&1
python3 - "$LOGDIR/ds.json" >"$LOGDIR/props.out" 2>&1 <<'PY'
import json, sys
ds = json.load(open(sys.argv[1]))
spec = ds["spec"]["template"]["spec"]
c = {x["name"]: x for x in spec["containers"]}
assert spec["hostNetwork"] is True, "hostNetwork"
for name in c:
    sc = c[name]["securityContext"]
    assert not sc.get("privileged"), name + " privileged"
    assert sc["capabilities"]["drop"] == ["ALL"], name + " drops ALL"
mounts = {m["mountPath"]: m for m in c["daemon"]["volumeMounts"]}
assert mounts["/sys/fs/bpf"]["mountPropagation"] == "HostToContainer", "bpffs propagation"
for p in ("/var/run/wireguard", "/var/run/wg-xdp"): assert p in mounts, p
assert c["daemon"]["livenessProbe"]["exec"]["command"] == ["wg-xdp", "stats", "wg0"]
assert "--kube" in c["agent"]["args"] and spec["serviceAccountName"] == "wg-xdp", "agent in API mode"
env = {e["name"]: e for e in c["agent"]["env"]}
assert env["NODE_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "spec.nodeName", "NODE_NAME"
assert spec["tolerations"], "tolerations"
ann = ds["spec"]["template"]["metadata"]["annotations"]
assert ann["prometheus.io/scrape"] == "true" and ann["prometheus.io/port"] == "9586"
print("hostNetwork, unprivileged with drop ALL, bpffs HostToContainer, UAPI and run dirs, probes, tolerations, scrape annotations, agent --kube as ServiceAccount wg-xdp with NODE_NAME from spec.nodeName")
PY
ok $? "DaemonSet as defaulted by the server: $(tail -1 "$LOGDIR/props.out")"
finish
