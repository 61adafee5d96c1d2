#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make check's entry point for the conformance suite (tests/netns/run.sh):
# every scenario for wg-xdp <-> wireguard-go and wg-xdp <-> wg-xdp, in socket
# mode and in xdp mode (wg-xdp on the left is the side in the mode under test;
# a missing XDP feature makes the scenarios SKIP with the reason). Kernel pairs run
# in the vmtest VM: `tests/netns/run.sh --right kernel`.
#
#   run.sh --left wg-xdp --right wireguard-go|wg-xdp --mode socket|xdp, each
#   scenario in namespaces of its own (scenarios/*.sh draw theirs), e.g.:
#
#   wgx-SCEN-aPID (LEFT: wg-xdp)           wgx-SCEN-bPID (RIGHT)
#  +------------------------------+       +------------------------------+
#  | wgxSCENaPID 100.64.0.1       |       | wgxSCENbPID 100.64.0.2       |
#  | veth0 198.18.0.1 2001:2::1   +-------+ veth0 198.18.0.2 2001:2::2   |
#  +------------------------------+       +------------------------------+
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
require_root
# The socket-mode pairs run side by side (separate namespaces and names per
# process) to keep make check short; their TAP is merged and renumbered.
trap 'kill $(jobs -p) 2>/dev/null; wait; exit 130' INT TERM
"$HERE/run.sh" --left wg-xdp --right wireguard-go --mode socket >"$LOGDIR/1" 2>&1 &
"$HERE/run.sh" --left wg-xdp --right wg-xdp --mode socket >"$LOGDIR/2" 2>&1 &
wait
# The XDP pairs after the socket pairs: all four at once start ~200 daemons
# together in the many-peers scenario, more than 2 vCPUs start in time.
"$HERE/run.sh" --left wg-xdp --right wireguard-go --mode xdp >"$LOGDIR/3" 2>&1 &
"$HERE/run.sh" --left wg-xdp --right wg-xdp --mode xdp >"$LOGDIR/4" 2>&1
wait
for i in 1 2 3 4; do
	tap_include "[$(sed -n '1s/^# //p' "$LOGDIR/$i")] " <"$LOGDIR/$i"
done
finish
