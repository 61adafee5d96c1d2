#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make check's entry point for the conformance suite (tests/netns/run.sh):
# every scenario for wg-xdp <-> wireguard-go and wg-xdp <-> wg-xdp, in socket
# mode and in xdp mode (wg-xdp on the left is the side in the mode under test;
# a missing XDP feature makes the scenarios SKIP with the reason). Kernel pairs run
# in the vmtest VM: `tests/netns/run.sh --right kernel`.
HERE=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root (network namespaces)"; exit 0; }
# The socket-mode pairs run side by side (separate namespaces and names per
# process) to keep make check short; their TAP is merged and renumbered.
OUT=$(mktemp -d /tmp/wgx-conformance.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
trap 'kill $(jobs -p) 2>/dev/null; wait; exit 130' INT TERM
"$HERE/run.sh" --left wg-xdp --right wireguard-go --mode socket >"$OUT/1" 2>&1 &
"$HERE/run.sh" --left wg-xdp --right wg-xdp --mode socket >"$OUT/2" 2>&1 &
wait
# The XDP pairs after the socket pairs: all four at once start ~200 daemons
# together in the many-peers scenario, more than 2 vCPUs start in time.
"$HERE/run.sh" --left wg-xdp --right wireguard-go --mode xdp >"$OUT/3" 2>&1 &
"$HERE/run.sh" --left wg-xdp --right wg-xdp --mode xdp >"$OUT/4" 2>&1
wait
n=0 failed=0
for i in 1 2 3 4; do
	tag=$(sed -n '1s/^# //p' "$OUT/$i")
	while IFS= read -r line; do
		case "$line" in
		"ok "*) n=$((n + 1)); echo "ok $n - [$tag] ${line#ok * - }" ;;
		"not ok "*) n=$((n + 1)) failed=$((failed + 1)); echo "not ok $n - [$tag] ${line#not ok * - }" ;;
		1..*) ;;
		*) echo "$line" ;;
		esac
	done <"$OUT/$i"
done
echo "1..$n"
[ $failed -eq 0 ]
