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
trap - EXIT
trap 'rm -rf "$LOGDIR"; exit 130' INT TERM
trap 'rm -rf "$LOGDIR"' EXIT
if [ "$WGX_MODE" = xdp ]; then
	WGX_XDP_UNAVAILABLE=$(xdp_unavailable_reason)
	export WGX_XDP_UNAVAILABLE
fi

if [ ${#names[@]} -eq 0 ]; then
	for f in "$HERE"/scenarios/*.sh; do names+=("$(basename "$f" .sh)"); done
fi
echo "# $WGX_LEFT <-> $WGX_RIGHT, mode $WGX_MODE"
n=0 failed=0
for name in "${names[@]}"; do
	file=$HERE/scenarios/$name.sh
	[ -f "$file" ] || { echo "run.sh: no scenario $name" >&2; exit 2; }
	start=$SECONDS planned= seen=0 bad=0
	while IFS= read -r line; do
		case "$line" in
		"ok "*|"not ok "*)
			seen=$((seen + 1)) n=$((n + 1))
			[[ $line == "not ok "* ]] && { bad=$((bad + 1)); prefix="not ok"; } || prefix=ok
			echo "$prefix $n - $name: ${line#* - }" ;;
		1..0*)
			planned=0 n=$((n + 1))
			echo "ok $n - $name # SKIP ${line#*SKIP }" ;;
		1..*) planned=${line#1..} ;;
		"#"*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done < <(bash "$file" 2>&1; echo "# exit $?")
	if [ "$planned" != 0 ] && { [ "$planned" != "$seen" ] || [ $bad -gt 0 ]; }; then
		[ "$planned" = "$seen" ] || { n=$((n + 1)); bad=$((bad + 1)); echo "not ok $n - $name: planned ${planned:-?} checks, ran $seen"; }
	fi
	failed=$((failed + bad))
	echo "# $name: $((SECONDS - start)) s"
done
echo "1..$n"
[ $failed -eq 0 ]
