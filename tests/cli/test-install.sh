#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make install PREFIX=/usr DESTDIR=...` puts the binary, wg-xdp(8) and the
# systemd units where Debian looks, with the binary's path filled in; the
# man page renders; the unit passes `systemd-analyze verify`; uninstall
# removes them again.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
N=0 FAILED=0
ok() { N=$((N + 1)); if [ "$1" -eq 0 ]; then echo "ok $N - $2"; else echo "not ok $N - $2"; FAILED=$((FAILED + 1)); fi; }
D=$(mktemp -d /tmp/wgx-dq-install.XXXXXX)
trap 'rm -rf "$D"' EXIT
make -C "$TOP" -s install PREFIX=/usr DESTDIR="$D" >"$D.log" 2>&1
ok $? "make install PREFIX=/usr DESTDIR=$D"
for f in usr/sbin/wg-xdp usr/share/man/man8/wg-xdp.8 lib/systemd/system/wg-xdp@.service \
	usr/share/wg-xdp/wg-quick@.service.d/wg-xdp.conf; do
	[ -f "$D/$f" ]
	ok $? "installed /$f"
done
"$D/usr/sbin/wg-xdp" --version | grep -q '^wg-xdp '
ok $? "the installed binary runs"
! grep -q '@BINDIR@' "$D/lib/systemd/system/wg-xdp@.service" "$D/usr/share/wg-xdp/wg-quick@.service.d/wg-xdp.conf" &&
	grep -q '/usr/sbin/wg-xdp attach' "$D/lib/systemd/system/wg-xdp@.service"
ok $? "units name /usr/sbin/wg-xdp"
grep -q '^Type=notify' "$D/lib/systemd/system/wg-xdp@.service" &&
	grep -q '^ExecReload=.*wg syncconf' "$D/lib/systemd/system/wg-xdp@.service" &&
	grep -q '^Restart=on-failure' "$D/lib/systemd/system/wg-xdp@.service"
ok $? "wg-xdp@.service: Type=notify, reload = wg syncconf, restart on failure"
MANWIDTH=80 man -l "$D/usr/share/man/man8/wg-xdp.8" 2>/dev/null | grep -q 'PROCESS CONTRACT'
ok $? "man page renders"
if command -v systemd-analyze >/dev/null; then
	# Syntax and semantics of the unit; the man page is not installed on this host.
	out=$(systemd-analyze verify "$D/lib/systemd/system/wg-xdp@.service" 2>&1 | grep -v "Command 'man ")
	[ -z "$out" ]
	ok $? "systemd-analyze verify wg-xdp@.service${out:+: $out}"
fi
make -C "$TOP" -s uninstall PREFIX=/usr DESTDIR="$D" >/dev/null 2>&1
[ -z "$(find "$D" -type f)" ]
ok $? "make uninstall removes every file"
echo "1..$N"
[ $FAILED -eq 0 ]
