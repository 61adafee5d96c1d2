# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# TAP output for the shell suites (tests/netns): numbered checks, skips, a
# closing plan, and tap_include, the one place that renumbers another TAP
# stream (a scenario, a run.sh, a C test's output) into this one.
# Sourced by tests/netns/lib.sh (and so by every netns test).
# A failing check calls dump_state when the sourcing script defines it.

TAP_N=0
TAP_FAILED=0

ok() {	# ok COND_EXIT_STATUS "description"
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $TAP_N - $2"
	else
		echo "not ok $TAP_N - $2"
		TAP_FAILED=$((TAP_FAILED + 1))
		! declare -F dump_state >/dev/null || dump_state
	fi
}

check() {	# check "description" cmd args...: run the command, report it
	local what=$1; shift
	"$@" >"$LOGDIR/last.out" 2>&1
	local rc=$?
	ok $rc "$what"
	[ $rc -eq 0 ] || sed 's/^/#   /' "$LOGDIR/last.out" | tail -20
	return $rc
}

skip_all() {	# skip_all REASON: the whole test is a SKIP
	echo "1..0 # SKIP $1"
	exit 0
}

skip() {	# skip REASON "description"
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $2 # SKIP $1"
}

diag() { echo "# $*"; }

finish() {	# the plan; exit status 0 when every check passed
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}

# tap_include PREFIX [PLAN]: the TAP stream on stdin, renumbered into this
# one's checks with PREFIX before each description ("" for none). A
# `1..0 # SKIP why` becomes one skipped check; PLAN=plan (the default) makes a
# missing plan or fewer checks than planned one more failed check, PLAN=any
# ignores plans. Other lines become comments. Returns 1 when anything failed.
tap_include() {
	local prefix=$1 want=${2:-plan} line planned='' seen=0 bad=0
	while IFS= read -r line; do
		case "$line" in
		"ok "* | "not ok "*)
			seen=$((seen + 1))
			case "$line" in
			"not ok "*) ok 1 "$prefix${line#not ok * - }"; bad=$((bad + 1)) ;;
			*) ok 0 "$prefix${line#ok * - }" ;;
			esac ;;
		1..0*) planned=0; skip "${line#*SKIP }" "${prefix%: }" ;;
		1..*) planned=${line#1..} ;;
		"#"*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done
	if [ "$want" = plan ] && [ "$planned" != 0 ] && [ "$planned" != "$seen" ]; then
		ok 1 "${prefix}planned ${planned:-?} checks, ran $seen"
		bad=$((bad + 1))
	fi
	[ $bad -eq 0 ]
}
