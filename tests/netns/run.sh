#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# WireGuard conformance suite, modelled on the kernel's
# tools/testing/selftests/wireguard/netns.sh and wireguard-go's tests/netns.sh,
# run against any pair of implementations:
#
#   tests/netns/run.sh [--left IMPL] [--right IMPL] [--mode xdp|socket] [scenario...]
#
# IMPL is wg-xdp, wireguard-go or kernel (default wg-xdp <-> wireguard-go,
# socket mode). LEFT is the side under test (it roams, restarts, gets
# accelerated timers); RIGHT is the reference peer. Scenarios are the files in
# tests/netns/scenarios/ (default: all, in name order); each is independent and
# prints TAP, which this script renumbers into one TAP stream.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
export WGX_LEFT=wg-xdp WGX_RIGHT=wireguard-go WGX_MODE=socket
names=()
while [ $# -gt 0 ]; do
	case "$1" in
	--left) WGX_LEFT=$2; shift 2 ;;
	--right) WGX_RIGHT=$2; shift 2 ;;
	--mode) WGX_MODE=$2; shift 2 ;;
	-h|--help) sed -n '3,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) names+=("$1"); shift ;;
	esac
done
for impl in "$WGX_LEFT" "$WGX_RIGHT"; do
	case "$impl" in wg-xdp|wireguard-go|kernel) ;; *) echo "run.sh: unknown implementation $impl" >&2; exit 2 ;; esac
done
case "$WGX_MODE" in socket|xdp) ;; *) echo "run.sh: unknown mode $WGX_MODE" >&2; exit 2 ;; esac

. "$HERE/lib.sh"
if [ "$WGX_MODE" = xdp ]; then
	WGX_XDP_UNAVAILABLE=$(xdp_unavailable_reason)
	export WGX_XDP_UNAVAILABLE
fi

if [ ${#names[@]} -eq 0 ]; then
	for f in "$HERE"/scenarios/*.sh; do names+=("$(basename "$f" .sh)"); done
fi
echo "# $WGX_LEFT <-> $WGX_RIGHT, mode $WGX_MODE"
for name in "${names[@]}"; do
	[ -f "$HERE/scenarios/$name.sh" ] || { echo "run.sh: no scenario $name" >&2; exit 2; }
done
for name in "${names[@]}"; do
	start=$SECONDS
	tap_include "$name: " < <(bash "$HERE/scenarios/$name.sh" 2>&1; echo "# exit $?")
	echo "# $name: $((SECONDS - start)) s"
done
finish
