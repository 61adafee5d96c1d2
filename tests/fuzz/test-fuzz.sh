#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Part of `make check`: every libFuzzer harness (build/fuzz/fuzz_*) replays its
# generated seed corpus and then fuzzes for FUZZ_CHECK_SECS (default 3) seconds,
# about 20 s for all of them. One TAP line per harness: no crash, leak, UB or
# oracle failure. Long runs are `make fuzz` (FUZZ_SECS).
set -uo pipefail

BUILD=${BUILD:-build}
SECS=${FUZZ_CHECK_SECS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
SEEDS=$(mktemp -d /tmp/wgx-fuzz-seeds.XXXXXX)
trap 'rm -rf "$SEEDS"' EXIT
python3 "$HERE/gen_corpus.py" "$SEEDS" >/dev/null

bins=()
for src in "$HERE"/fuzz_*.c; do
	bins+=("$BUILD/fuzz/$(basename "$src" .c)")
done
echo "1..${#bins[@]}"
n=0
for bin in "${bins[@]}"; do
	n=$((n + 1))
	name=$(basename "$bin")
	if [ ! -x "$bin" ]; then
		echo "ok $n - $name # SKIP not built (make $bin; needs clang with libFuzzer)"
		continue
	fi
	if [ "$name" = fuzz_xdp ] && [ "$(id -u)" -ne 0 ]; then
		echo "ok $n - $name # SKIP needs root for BPF_PROG_TEST_RUN"
		continue
	fi
	dict=()
	[ -f "$HERE/$name.dict" ] && dict=(-dict="$HERE/$name.dict")
	# shellcheck disable=SC2207
	[ -f "$HERE/$name.options" ] && dict+=($(cat "$HERE/$name.options"))
	out=$(mktemp -d /tmp/wgx-fuzz-run.XXXXXX)
	"$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/" "${dict[@]}" "$out" "$SEEDS/$name" >"$out/log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$out/log" | tail -1 | cut -d' ' -f2)
	if [ $rc -eq 0 ]; then
		echo "ok $n - $name: ${execs:-?} executions in ${SECS}s (cov ${cov:-?}), no finding"
	else
		echo "not ok $n - $name: exit $rc after ${execs:-?} executions"
		grep -m5 -E 'ERROR|oracle|SUMMARY|runtime error' "$out/log" | sed 's/^/# /'
		mkdir -p "$BUILD/fuzz/findings/$name"
		for a in "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-*; do
			[ -f "$a" ] && cp "$a" "$BUILD/fuzz/findings/$name/" &&
				echo "# artifact: $BUILD/fuzz/findings/$name/$(basename "$a")"
		done
	fi
	rm -rf "$out"
done
