#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `wg-xdp stats` and `wg-xdp show` against a statistics socket whose server
# accepts and never answers (a wedged or stopped daemon): they fail after
# WGX_CLIENT_TIMEOUT with "timed out", instead of hanging. With
# WGX_CLIENT_TIMEOUT=0 they still wait (killed by timeout(1) after 2 s). No root.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
WGX=${WGX:-$TOP/build/wg-xdp}
N=0 FAILED=0
ok() { N=$((N + 1)); if [ "$1" -eq 0 ]; then echo "ok $N - $2"; else echo "not ok $N - $2"; FAILED=$((FAILED + 1)); fi; }
[ -x "$WGX" ] || { echo "1..0 # SKIP $WGX not built"; exit 0; }
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 missing"; exit 0; }

DIR=$(mktemp -d /tmp/wgx-client-timeout.XXXXXX)
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$DIR"' EXIT
# The mute server: accepts every connection and holds it open, never writing.
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
print("ready", flush=True)
held = []
while True:
    held.append(s.accept()[0])
' "$DIR/mute.ctl" >"$DIR/server.out" &
SERVER=$!
for _ in $(seq 50); do grep -q ready "$DIR/server.out" 2>/dev/null && break; sleep 0.1; done

for cmd in stats show; do
	start=$(date +%s%N)
	out=$(WGX_RUN_DIR=$DIR WGX_CLIENT_TIMEOUT=0.5 timeout 10 "$WGX" $cmd mute 2>&1); rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	[ $rc -ne 0 ] && [ $rc -ne 124 ] && [[ $out == *"timed out"* ]] && [ $ms -ge 400 ] && [ $ms -lt 3000 ]
	ok $? "wg-xdp $cmd, a server that never answers, WGX_CLIENT_TIMEOUT=0.5: exit $rc after $ms ms, '$out'"
done
WGX_RUN_DIR=$DIR WGX_CLIENT_TIMEOUT=0 timeout 2 "$WGX" stats mute >/dev/null 2>&1
ok $([ $? -eq 124 ]; echo $?) "WGX_CLIENT_TIMEOUT=0: wg-xdp stats still waiting after 2 s (no timeout)"
echo "1..$N"
[ $FAILED -eq 0 ]
