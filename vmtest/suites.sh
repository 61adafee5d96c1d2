#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run vmtest suites on the running kernel (inside a guest, or on the host for
# its own column): vmtest/suites.sh OUTDIR SUITE...
#
# For each SUITE writes OUTDIR/SUITE.status ("pass|fail|skip REASON") and one
# log per test in OUTDIR/SUITE/. OUTDIR/deny (written by run.sh from
# vmtest/DENYLIST) lists "SUITE REASON" or "SUITE/TEST REASON" lines to skip;
# SUITE/TEST is a bash extended glob.
set -u
shopt -s extglob	# DENYLIST patterns: conformance-kernel/!(basic|rekey).sh
{ # parsed whole before it runs: editing this file mid-run is then harmless
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$1
shift
TEST_TIMEOUT=${VMTEST_TEST_TIMEOUT:-900}

suite_tests() {	# suite_tests SUITE: print the test commands, one per line
	local t
	case "$1" in
	bpf) ls "$TOP"/build/tests/bpf/test_* 2>/dev/null | grep -v '\.d$' ;;
	unit) ls "$TOP"/build/tests/unit/test_* 2>/dev/null | grep -v '\.d$' ;;
	netns)
		for t in "$TOP"/tests/netns/test-*.sh; do
			# The kernel interop and NIC sharing tests have suites of their own.
			case "${t##*/}" in test-interop-kernel.sh | test-xdp-share.sh) ;; *) echo "$t" ;; esac
		done ;;
	# libxdp's dispatcher (freplace): refused on the host kernel, works in guests.
	xdp-share) echo "$TOP/tests/netns/test-xdp-share.sh" ;;
	interop-kernel | interop-kernel-xdp) echo "$TOP/tests/netns/test-interop-kernel.sh" ;;
	# Two virtio-net NICs joined by a QEMU hub (run.sh): AF_XDP zero-copy.
	zerocopy) echo "$TOP/tests/netns/test-xdp-zerocopy.sh" ;;
	# One test per scenario, so that each has its log, time and denylist name.
	conformance-kernel | conformance-kernel-xdp) ls "$TOP"/tests/netns/scenarios/*.sh ;;
	*) return 1 ;;
	esac
}

test_cmd() {	# test_cmd SUITE TEST: set CMD to the command that runs TEST
	local conf=("$TOP/tests/netns/run.sh" --left wg-xdp --right kernel)
	case "$1" in
	conformance-kernel) CMD=("${conf[@]}" --mode socket "$(basename "$2" .sh)") ;;
	conformance-kernel-xdp) CMD=("${conf[@]}" --mode xdp "$(basename "$2" .sh)") ;;
	*) CMD=("$2") ;;
	esac
}

denied() {	# denied SUITE[/TEST]: print the reason of the first line whose pattern matches
	local pat why
	[ -f "$OUT/deny" ] || return 1
	while read -r pat why; do
		# shellcheck disable=SC2053 # the pattern is a glob (extglob) on purpose
		[[ $1 == $pat ]] && { echo "$why"; return 0; }
	done <"$OUT/deny"
	return 1
}

run_suite() {
	local suite=$1 t name log rc why npass=0 nfail=0 nskip=0 skipwhy=""
	local dir=$OUT/$suite
	mkdir -p "$dir"
	if why=$(denied "$suite"); then
		echo "skip denylist: $why" >"$OUT/$suite.status"
		return
	fi
	local tests
	tests=$(suite_tests "$suite") || { echo "fail unknown suite" >"$OUT/$suite.status"; return; }
	[ -n "$tests" ] || { echo "skip nothing built (make check first)" >"$OUT/$suite.status"; return; }
	case "$suite" in
	interop-kernel) export WGX_INTEROP_MODE=socket ;;
	interop-kernel-xdp) export WGX_INTEROP_MODE=xdp ;;
	esac
	for t in $tests; do
		name=${t##*/}
		log=$dir/$name.log
		if why=$(denied "$suite/$name"); then
			echo "# SKIP denylist: $why" >"$log"
			nskip=$((nskip + 1)) skipwhy=${skipwhy:-denylist: $why}
			continue
		fi
		local t0=$SECONDS
		test_cmd "$suite" "$t"
		(cd "$TOP" && timeout -k 10 "$TEST_TIMEOUT" "${CMD[@]}") >"$log" 2>&1 </dev/null
		rc=$?
		echo "# exit $rc after $((SECONDS - t0)) s" >>"$log"
		if [ $rc -ne 0 ]; then
			nfail=$((nfail + 1))
			echo "$name" >>"$dir/failed"
		elif why=$(grep -m1 '^1\.\.0 # SKIP' "$log"); then
			nskip=$((nskip + 1)) skipwhy=${skipwhy:-${why#1..0 # SKIP }}
		elif ! grep '^ok ' "$log" | grep -qv '# SKIP'; then	# every check skipped
			why=$(grep -m1 '^ok .*# SKIP' "$log")
			nskip=$((nskip + 1)) skipwhy=${skipwhy:-${why#*# SKIP }}
		else
			npass=$((npass + 1))
		fi
		echo "$name rc=$rc $((SECONDS - t0))s" >>"$dir/summary"
	done
	if [ $nfail -gt 0 ]; then
		echo "fail $nfail of $((npass + nfail + nskip)) failed" >"$OUT/$suite.status"
	elif [ $npass -gt 0 ]; then
		echo "pass $npass passed, $nskip skipped${skipwhy:+ ($skipwhy)}" >"$OUT/$suite.status"
	else
		echo "skip $skipwhy" >"$OUT/$suite.status"
	fi
}

for s in "$@"; do
	t0=$SECONDS
	run_suite "$s"
	echo "$s: $(cat "$OUT/$s.status") ($((SECONDS - t0)) s)"
done
exit
}
