#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The man page, --help and the argument checks agree: every subcommand has
# --help; every option a --help lists is in that command's part of
# wg-xdp(8) and the other way round; every environment variable the code
# reads is in --help, the man page and README.md; bad arguments exit 2
# naming the argument. No root needed.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
WGX=${WGX:-$TOP/build/wg-xdp}
MAN=$TOP/docs/wg-xdp.8.scd
N=0 FAILED=0
ok() { N=$((N + 1)); if [ "$1" -eq 0 ]; then echo "ok $N - $2"; else echo "not ok $N - $2"; FAILED=$((FAILED + 1)); fi; }
[ -x "$WGX" ] || { echo "1..0 # SKIP $WGX not built"; exit 0; }

# The man page's paragraph of one command: from "*CMD*" at the start of a line to the next such line.
man_part() { awk -v c="*$1*" 'index($0, c) == 1 {on = 1; print; next} on && /^\*[a-z]/ {exit} on' "$MAN"; }

cmds=$("$WGX" --help | awk '/^  [a-z]+ /{print $1}')
for c in $cmds; do
	help=$("$WGX" "$c" --help); rc=$?
	ok $rc "wg-xdp $c --help exits 0"
	opts_help=$(echo "$help" | grep -o -- '--[a-z][a-z-]*' | sort -u | grep -vxE -- "--(help|version)")
	opts_man=$(man_part "$c" | grep -o -- '\*--[a-z][a-z-]*\*' | tr -d "*" | sort -u | grep -vxE -- "--(help|version)")
	diff_out=$(diff <(echo "$opts_help") <(echo "$opts_man"))
	ok $? "$c: options of --help ($(echo $opts_help)) = options in wg-xdp(8)${diff_out:+: $(echo $diff_out)}"
done

vars_help=$("$WGX" --help | grep -o '^  [A-Z][A-Z_]*' | tr -d ' ' | sort -u)
vars_help+=$'\n'$("$WGX" --help | grep -o 'WGX_TEST_[A-Z_]*' | sort -u)
vars_help=$(echo "$vars_help" | sort -u)
vars_man=$(awk '/^# ENVIRONMENT/{on=1; next} /^# /{on=0} on' "$MAN" | grep -o '^\*[A-Z][A-Z_]*\*\|WGX_TEST_[A-Z_]*' | tr -d "*" | sort -u | grep -vxE -- "--(help|version)")
diff_out=$(diff <(echo "$vars_help") <(echo "$vars_man"))
ok $? "environment in --help = ENVIRONMENT of wg-xdp(8)${diff_out:+: $(echo $diff_out)}"
read_vars=$(grep -rhoE 'getenv\("[A-Z_]+"\)|nonempty\("[A-Z_]+"\)|dir_or\("[A-Z_]+"' "$TOP/user" | grep -o '"[A-Z_]*"' | tr -d '"' | sort -u)
missing=$(comm -23 <(echo "$read_vars") <(echo "$vars_man"))
ok $([ -z "$missing" ]; echo $?) "every variable the code reads ($(echo $read_vars)) is documented${missing:+; missing: $missing}"
missing=$(for v in $vars_man; do grep -q "$v" "$TOP/README.md" || echo "$v"; done)
ok $([ -z "$missing" ]; echo $?) "every variable is in README.md${missing:+; missing: $(echo $missing)}"
for s in 0 1 2; do
	awk '/^# EXIT STATUS/{on=1; next} /^# /{on=0} on' "$MAN" | grep -qx "\*$s\*"
	ok $? "exit status $s documented"
done

bad() {	# bad "DESCRIPTION" WORD_THAT_MUST_APPEAR... -- cmd...
	local what=$1 words=() out rc w miss=""; shift
	while [ "$1" != -- ]; do words+=("$1"); shift; done; shift
	out=$("$@" 2>&1 >/dev/null); rc=$?
	for w in "${words[@]}"; do [[ $out == *"$w"* ]] || miss+=" $w"; done
	[ $rc -eq 2 ] && [ -z "$miss" ]
	ok $? "$what: exit $rc (want 2), stderr '$out'${miss:+, missing:$miss}"
}
bad "attach --workers abc" --workers "'abc'" -- "$WGX" attach wgxnoif0 --workers abc
bad "attach --workers -1" --workers -- "$WGX" attach wgxnoif0 --workers -1
bad "attach --mtu 10" --mtu "'10'" 576 -- "$WGX" attach wgxnoif0 --mtu 10
bad "attach --mtu 1500x" --mtu "'1500x'" -- "$WGX" attach wgxnoif0 --mtu 1500x
bad "attach --mode foo" --mode "'foo'" socket xdp -- "$WGX" attach wgxnoif0 --mode foo
bad "attach --bogus" "'--bogus'" -- "$WGX" attach wgxnoif0 --bogus
bad "attach without IFACE" IFACE -- "$WGX" attach
bad "attach two IFACEs" "'eth1'" -- "$WGX" attach wgxnoif0 eth1
bad "attach --name with a slash" "'a/b'" -- "$WGX" attach wgxnoif0 --name a/b
bad "stats without NAME" NAME -- "$WGX" stats
bad "detach two names" NAME -- "$WGX" detach a b
bad "restart without NAME" NAME -- "$WGX" restart
bad "restart --bogus" "'--bogus'" -- "$WGX" restart wg9 --bogus
bad "LOG_LEVEL=loud" LOG_LEVEL=loud -- env LOG_LEVEL=loud "$WGX" show
bad "WG_XDP_MODE=fast" WG_XDP_MODE=fast -- env WG_XDP_MODE=fast "$WGX" wg9
bad "WG_PROCESS_FOREGROUND=yes" WG_PROCESS_FOREGROUND -- env WG_PROCESS_FOREGROUND=yes "$WGX" wg9
bad "NAME too long" "'abcdefghijklmnop'" -- "$WGX" abcdefghijklmnop
# Names become paths (pid files, sockets, pins): checked as interface names everywhere.
bad "detach ../../x" "'../../x'" "not a valid interface name" -- "$WGX" detach ../../x
bad "detach .." "'..'" "not a valid interface name" -- "$WGX" detach ..
bad "restart ../../x" "'../../x'" "not a valid interface name" -- "$WGX" restart ../../x
bad "stats ." "'.'" "not a valid interface name" -- "$WGX" stats .
bad "show a/b" "'a/b'" "not a valid interface name" -- "$WGX" show a/b
bad "attach --name .." "'..'" "not a valid interface name" -- "$WGX" attach wgxnoif0 --name ..
bad "agent --interface .." "'..'" "not a valid interface name" -- timeout 5 "$WGX" agent --interface .. --dir /nonexistent
bad "agent --endpoint node-a.example" --endpoint "'node-a.example'" "numeric address" -- timeout 5 "$WGX" agent --interface wg0 --kube --endpoint node-a.example
bad "agent --endpoint 10.0.0.1:0" --endpoint "'10.0.0.1:0'" -- timeout 5 "$WGX" agent --interface wg0 --kube --endpoint 10.0.0.1:0
bad "unknown option" "'--frobnicate'" -- "$WGX" --frobnicate
echo "1..$N"
[ $FAILED -eq 0 ]
