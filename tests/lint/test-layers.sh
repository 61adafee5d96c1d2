#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The layering of user/ (scripts/layers.py): the tree passes, and each kind
# of violation, added on purpose to a scratch copy, is caught.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
CHECK="python3 $TOP/scripts/layers.py"
N=0
FAILED=0
SCRATCH=$(mktemp -d /tmp/wgx-layers.XXXXXX)
trap 'rm -rf "$SCRATCH"' EXIT

ok() {	# ok STATUS DESCRIPTION
	N=$((N + 1))
	if [ "$1" -eq 0 ]; then echo "ok $N - $2"; else echo "not ok $N - $2"; FAILED=$((FAILED + 1)); fi
}

# broken DESCRIPTION EXPECTED_MESSAGE FILE LINE: add LINE to FILE in a copy; the check must fail saying so
broken() {
	rm -rf "$SCRATCH/user" && cp -r "$TOP/user" "$SCRATCH/user"
	printf '%s\n' "$4" >>"$SCRATCH/user/$3"
	out=$($CHECK "$SCRATCH/user")
	rc=$?
	[ $rc -ne 0 ] && grep -qF -- "$2" <<<"$out"
	ok $? "$1"
	[ $rc -ne 0 ] || echo "#   the check passed the broken copy"
}

out=$($CHECK "$TOP/user")
ok $? "user/: every include is of its own layer or a lower one, no circle through plane/control/cli"
[ -n "$out" ] && sed 's/^/#   /' <<<"$out"
! grep -rn 'dev->xdp\|dev->bpf' "$TOP/user/core" >/dev/null
ok $? "user/core: no dev->xdp or dev->bpf branch"
broken "an upward include (core/peer.c -> control/ctl.h) is caught" \
	"core/peer.c: includes control/ctl.h: control is above core" core/peer.c '#include "control/ctl.h"'
broken "a plane including another plane is caught" \
	"plane/socket/socket_plane.c: includes plane/xdp/xdp_mode.h: another plane" \
	plane/socket/socket_plane.c '#include "plane/xdp/xdp_mode.h"'
broken "a circle between two control modules is caught" \
	"circle: control/attach -> control/ctl" control/ctl.c '#include "control/attach.h"'
broken "an include that does not name its layer is caught" \
	'lib/log.c: includes "clock.h": not a header of a layer' lib/log.c '#include "clock.h"'
echo "1..$N"
[ $FAILED -eq 0 ]
