#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The capabilities the manifests grant are exactly what wg-xdp needs: read the
# `capabilities.add` lists of deploy/kubernetes (daemonset.yaml's daemon: XDP
# mode; kilo-sidecar.yaml's wg-xdp: socket mode), run `wg-xdp attach` as uid 0
# with the bounding set reduced to exactly that list (capsh --drop, as a
# container runtime does) -> it comes up; with any one of them dropped too ->
# it fails, and the message names the missing capability. XDP mode is run
# with --path xsk (AF_XDP sockets), the path that needs every capability.
# The daemon runs as in the DaemonSet's container: its own mount namespace,
# the network namespace's sysfs, and the host's bpffs mounted over
# /sys/fs/bpf (the hostPath volume). `ip netns exec` would hide the host's
# bpffs behind a fresh sysfs and, unable to read pid 1's mount namespace
# without CAP_SYS_PTRACE, wg-xdp would have to mount a bpffs of its own
# (CAP_SYS_ADMIN) that nobody else sees: the last check shows that message.
# deploy/systemd/wg-xdp@.service's CapabilityBoundingSet must be the
# DaemonSet's list, and XDP mode comes up with it.
#
#   wgx-h3-capsPID:  veth0 (up) <-> veth1    wg-xdp attach veth0 --name wgxh3cPID --mode M
#   mount ns (unshare -m): /sys = the netns' sysfs, /sys/fs/bpf = the host's bpffs
. "$(dirname "$0")/lib.sh"
require_root
[ -x "$WGX" ] || skip_all "$WGX not built"
command -v capsh >/dev/null || skip_all "capsh missing (libcap2-bin)"
command -v nsenter >/dev/null && command -v unshare >/dev/null || skip_all "nsenter/unshare missing (util-linux)"
python3 -c 'import yaml' 2>/dev/null || skip_all "python3-yaml missing"
DEPLOY=$TOP/deploy/kubernetes
NS=wgx-h3-caps$$ IFN=wgxh3c$$
IFN=${IFN:0:15}

caps_of() {	# caps_of FILE CONTAINER: the container's capabilities.add, comma-separated
	python3 - "$1" "$2" <<'PY'
import sys, yaml
for doc in yaml.safe_load_all(open(sys.argv[1])):
    for c in doc["spec"]["template"]["spec"]["containers"]:
        if c["name"] == sys.argv[2]:
            print(",".join(c["securityContext"]["capabilities"]["add"]))
PY
}
all_caps=$(capsh --print | sed -n 's/^Bounding set =//p' | tr -d ' ')

# in_container [nobpffs] CMD: CMD in $NS's network namespace and a mount namespace
# of its own, as a container with hostNetwork (nobpffs: without the bpffs volume)
in_container() {
	local bpffs="mount --bind /sys/fs/bpf $LOGDIR/bpffs && mount -t sysfs sysfs /sys && mount --move $LOGDIR/bpffs /sys/fs/bpf"
	[ "$1" = nobpffs ] && { bpffs="mount -t sysfs sysfs /sys"; shift; }
	mkdir -p "$LOGDIR/bpffs"
	nsenter --net=/run/netns/$NS unshare --mount --propagation private sh -c "$bpffs && exec $1"
}

# attach_with MODE CAPS [nobpffs]: 0 when the daemon answers on its UAPI socket within 5 s
attach_with() {
	local mode=$1 keep=$2 drop pid n=50 rc=1
	drop=$(python3 -c 'import sys; k={"cap_"+c.lower() for c in sys.argv[2].split(",") if c}; print(",".join(c for c in sys.argv[1].split(",") if c not in k))' "$all_caps" "$keep")
	: >"$LOGDIR/attach.log"
	in_container ${3:-} "capsh --drop=$drop -- -c \"exec '$WGX' attach veth0 --name $IFN --mode $mode ${PATH_ARG:-} --foreground\"" >>"$LOGDIR/attach.log" 2>&1 &
	pid=$!
	while [ $n -gt 0 ] && kill -0 $pid 2>/dev/null; do
		if wg show $IFN >/dev/null 2>&1; then
			rc=0
			# Where the pins went: the host's bpffs, as bpftool on the node sees it.
			[ -d /sys/fs/bpf/wg-xdp/$IFN ] && PINNED_ON_HOST=yes || PINNED_ON_HOST=no
			break
		fi
		sleep 0.1
		n=$((n - 1))
	done
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
	"$WGX" detach $IFN >/dev/null 2>&1
	return $rc
}

netns_add $NS
ip -n $NS link add veth0 type veth peer name veth1
ip -n $NS link set veth0 up
ip -n $NS link set veth1 up

run_mode() {	# run_mode MODE FILE CONTAINER
	local mode=$1 caps cap why
	caps=$(caps_of "$DEPLOY/$2" "$3")
	ok "$([ -n "$caps" ]; echo $?)" "$2 $3: capabilities.add = $caps"
	if [ "$mode" = xdp ]; then
		why=$(xdp_unavailable_reason)
		[ -z "$why" ] || { skip "$why" "$mode mode with exactly $caps"; return; }
	fi
	PINNED_ON_HOST=no
	check "$mode mode comes up with exactly $caps (uid 0, reduced bounding set)" attach_with $mode "$caps"
	[ "$mode" != xdp ] ||
		ok "$([ $PINNED_ON_HOST = yes ]; echo $?)" "$mode mode without SYS_ADMIN: maps pinned in the host's bpffs (/sys/fs/bpf/wg-xdp/$IFN: $PINNED_ON_HOST)"
	for cap in ${caps//,/ }; do
		attach_with $mode "$(echo ",$caps," | sed "s/,$cap,/,/; s/^,//; s/,$//")"
		ok "$([ $? -ne 0 ]; echo $?)" "$mode mode without $cap fails: $(tail -1 "$LOGDIR/attach.log" | cut -c1-120)"
		check "$mode mode without $cap: the message names CAP_$cap" grep -q "needs.*CAP_$cap" "$LOGDIR/attach.log"
	done
}
run_mode socket kilo-sidecar.yaml wg-xdp
# The AF_XDP path (--path xsk) needs the most; --path auto takes it on NICs with zero-copy.
PATH_ARG="--path xsk" run_mode xdp daemonset.yaml daemon
unit_caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$TOP/deploy/systemd/wg-xdp@.service" | sed 's/CAP_//g' |
	tr ' ' '\n' | sort | paste -sd,)
ok "$([ "$unit_caps" = "$(caps_of "$DEPLOY/daemonset.yaml" daemon | tr , '\n' | sort | paste -sd,)" ]; echo $?)" \
	"the systemd unit's CapabilityBoundingSet ($unit_caps) is the DaemonSet daemon's list"
if [ -z "$(xdp_unavailable_reason)" ]; then
	check "xdp mode comes up with the systemd unit's bounding set ($unit_caps)" attach_with xdp "$unit_caps"
	caps=$(caps_of "$DEPLOY/daemonset.yaml" daemon)
	PATH_ARG="--path xsk" attach_with xdp "$caps" nobpffs
	ok "$([ $? -ne 0 ]; echo $?)" "xdp mode without the bpffs volume fails: $(grep -o 'no bpffs.*' "$LOGDIR/attach.log" | tail -1 | cut -c1-100)"
	check "xdp mode without the bpffs volume: the message names CAP_SYS_ADMIN and the hostPath volume" \
		grep -q "needs CAP_SYS_ADMIN.*hostPath" "$LOGDIR/attach.log"
fi
finish
