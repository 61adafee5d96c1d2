#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The pins live in the host's bpffs: README's "Inspect with bpftool" lines
# work as printed from the host and from `ip netns exec`, the daemon (run
# under `ip netns exec`, whose private mount namespace has a fresh sysfs on
# /sys) mounts no bpffs of its own, ports read in host order, `wg-xdp
# reasons` names wgx_stats' keys, and the pins go with the daemon.
#
#   ns wgx-dq-b$$: veth0 198.18.5.1/24 <-> veth1;  dqbN (wg-xdp, XDP mode, peer endpoint 198.18.5.2:51820)
set -u
. "$(dirname "$0")/lib.sh"
require_root
why=$(impl_available wg-xdp) || skip_all "$why"
command -v bpftool >/dev/null || skip_all "bpftool not installed"
why=$(xdp_unavailable_reason)
[ -z "$why" ] || skip_all "$why"

N=wgx-dq-b$$ X=dqb$$
X=${X:0:15}
netns_add $N
ip -n $N link add veth0 type veth peer name veth1
ip -n $N addr add 198.18.5.1/24 dev veth0
ip -n $N link set veth0 up
ip -n $N link set veth1 up
start_wg wg-xdp $N $X xdp veth0 || { ok 1 "wg-xdp starts"; finish; exit; }
DPID=${PIDS[-1]}
ip netns exec $N wg set $X listen-port 51820 private-key <(genkey) \
	peer "$(pubkey "$(genkey)")" endpoint 198.18.5.2:51820 allowed-ips 100.64.5.0/24

# README's lines, with wg0 -> our interface; inside a namespace /proc/1/root,
# or kthreadd's /proc/2/root where pid 1 is out of reach (said so below).
readme_lines() {
	sed -n '/^## Inspect with bpftool/,/^## /p' "$TOP/README.md" | grep '^    .*bpftool' |
		sed 's/^    //; s/ *#.*//; s|/wg0/|/'"$X"'/|; s/ NS / '"$N"' /'
}
ROOT1=/proc/1/root
ls $ROOT1/ >/dev/null 2>&1 || { ROOT1=/proc/2/root; diag "pid 1 is out of reach here: /proc/2/root in the namespace lines"; }
n=0
while read -r line; do
	n=$((n + 1))
	line=${line//\/proc\/1\/root/$ROOT1}
	check "README line runs: $line" bash -c "$line | grep -q ."
done < <(readme_lines)
ok $([ $n -ge 5 ]; echo $?) "README has $n bpftool lines, one from inside a namespace"
check "the dumps are the daemon's: wgx_aips4 holds 100.64.5.0/24" bash -c \
	"bpftool -j map dump pinned /sys/fs/bpf/wg-xdp/$X/wgx_aips4 | python3 -c 'import json,sys; d=json.load(sys.stdin); assert [e[\"formatted\"][\"key\"] for e in d] == [{\"prefixlen\": 24, \"addr\": [100, 64, 5, 0]}], d'"
check "wgx_peers: endpoint port 51820 as is (host order)" bash -c \
	"bpftool -j map dump pinned /sys/fs/bpf/wg-xdp/$X/wgx_peers | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[0][\"formatted\"][\"value\"][\"endpoint\"][\"port\"] == 51820, d'"
check "wgx_cfg: listen port 51820 as is" bash -c \
	"bpftool -j map dump pinned /sys/fs/bpf/wg-xdp/$X/wgx_cfg | grep -q '\"listen_port\": *51820'"
check "the daemon mounted no bpffs of its own (its mountinfo has none)" bash -c \
	"! grep -q ' - bpf ' /proc/$DPID/mountinfo"
check "the host's /sys/fs/bpf is a bpffs" bash -c "[ \$(stat -f -c %T /sys/fs/bpf) = bpf_fs ]"
nr=$(grep -c '^\s*\[WGX_R_[A-Z0-9_]*\] = "' "$TOP/include/wgx_reasons.h")
check "wg-xdp reasons: the $nr names, by wgx_stats key (8 = rx_data_xsk)" bash -c \
	"[ \$($WGX reasons | wc -l) = $nr ] && $WGX reasons | grep -qE '^ +8  rx_data_xsk +delivery$' && $WGX reasons --json | python3 -c 'import json,sys; assert json.load(sys.stdin)[\"34\"] == \"tun_no_route\"'"
"$WGX" detach $X >/dev/null 2>&1
check "detach: the pins are gone from the host's bpffs" test ! -e /sys/fs/bpf/wg-xdp/$X
finish
