#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make fuzz`: run every libFuzzer harness given on the command line for
# FUZZ_SECS seconds (default 60) at nice 19, from the generated seeds plus the
# corpus kept in $BUILD/fuzz/corpus/<harness> between runs. Findings (crash-*,
# leak-*, timeout-*) go to $BUILD/fuzz/findings/<harness>/. Prints, and
# appends to $BUILD/fuzz/results.txt, one line per harness: executions,
# coverage (cov, ft), corpus size, findings. Exit status 1 if anything found.
# tests/fuzz/<harness>.dict and <harness>.options (extra flags) are used when present.
#   FUZZ_SECS=600 make fuzz            FUZZ_JOBS=2: harnesses run two at a time
set -uo pipefail

BUILD=${BUILD:-build}
SECS=${FUZZ_SECS:-60}
JOBS=${FUZZ_JOBS:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
SEEDS=$BUILD/fuzz/seeds
python3 "$HERE/gen_corpus.py" "$SEEDS" >/dev/null

run_one() {
	local bin=$1 name dict=() corpus findings log
	name=$(basename "$bin")
	corpus=$BUILD/fuzz/corpus/$name
	findings=$BUILD/fuzz/findings/$name
	log=$BUILD/fuzz/logs/$name.log
	mkdir -p "$corpus" "$findings" "$(dirname "$log")" "$SEEDS/$name"
	[ -f "$HERE/$name.dict" ] && dict=(-dict="$HERE/$name.dict")
	# shellcheck disable=SC2207
	[ -f "$HERE/$name.options" ] && dict+=($(cat "$HERE/$name.options"))
	nice -n 19 "$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$findings/" "${dict[@]}" "$corpus" "$SEEDS/$name" >"$log" 2>&1
	local rc=$? execs cov ft found
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	found=$(find "$findings" -type f | wc -l)
	printf '%s %-18s %4ss execs %-11s cov %-5s ft %-6s corpus %-5s findings %s%s\n' \
		"$(date -u +%FT%TZ)" "$name" "$SECS" "${execs:-?}" "${cov:-?}" "${ft:-?}" \
		"$(find "$corpus" -type f | wc -l)" "$found" "$([ $rc -ne 0 ] && echo " (exit $rc, see $log)")" |
		tee -a "$BUILD/fuzz/results.txt"
	[ "$rc" -eq 0 ] && [ "$found" -eq 0 ]
}

status=0
running=0
for bin in "$@"; do
	run_one "$bin" &
	running=$((running + 1))
	if [ "$running" -ge "$JOBS" ]; then
		wait -n || status=1
		running=$((running - 1))
	fi
done
while [ "$running" -gt 0 ]; do
	wait -n || status=1
	running=$((running - 1))
done
exit $status
