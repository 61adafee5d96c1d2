# SPDX-License-Identifier: MIT
"""The ping gaps around each restart, for tests/stress/test-restart-loop.sh.

    restart_gaps.py PING_OUT WINDOWS

PING_OUT is `ping -D -i 0.01` output; WINDOWS has one "T0 T1" line per
restart (unix seconds, when `wg-xdp restart` started and returned). A
restart's gap is the longest time between two consecutive echo replies
whose interval overlaps its window widened by 0.5 s (the old daemon may
stop serving just before the command returns, the new one start just
after). Prints one line: "MAX P50 N g1 g2 ...", gaps in ms.
"""
import re
import sys


def main(ping_out, windows):
    ts = [float(t) for t in re.findall(r"^\[([0-9.]+)\].*icmp_seq=", open(ping_out).read(), re.M)]
    gaps = []
    for line in open(windows):
        t0, t1 = (float(x) for x in line.split())
        g = 0.0
        for a, b in zip(ts, ts[1:]):
            if b >= t0 - 0.5 and a <= t1 + 0.5:
                g = max(g, b - a)
        gaps.append(round(g * 1000))
    s = sorted(gaps) or [0]
    print(s[-1], s[len(s) // 2], len(gaps), *gaps)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
