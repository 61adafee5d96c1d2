#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Traffic helpers for the netns conformance scenarios.

  throttle KBPS               copy stdin to stdout at about KBPS kilobytes/s
  udp-recv ADDR PORT SECS     count datagrams whose payload is intact, print the count
  udp-send ADDR PORT N SIZE   send N numbered datagrams of SIZE bytes in bursts of 16
  garbage ADDR PORT N         send N of each kind of malformed WireGuard message
  udp-gso-send ADDR PORT N SIZE SEGS
                              udp-send's datagrams, SEGS per send with UDP_SEGMENT SIZE
  wire-check PCAP MAXLEN      every UDP datagram in PCAP an ordinary WireGuard message with
                              an IP length <= MAXLEN; prints "COUNT MAX", exit 1 otherwise
"""
import os
import socket
import struct
import sys
import time


def throttle(kbps):
    chunk = 16384
    per_chunk = chunk / (kbps * 1024.0)
    out = sys.stdout.buffer
    start = time.monotonic()
    sent = 0
    while True:
        buf = sys.stdin.buffer.read(chunk)
        if not buf:
            break
        out.write(buf)
        out.flush()
        sent += 1
        delay = start + sent * per_chunk - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def payload(seq, size):
    head = struct.pack("!I", seq)
    return (head * (size // 4 + 1))[:size]


def sock_for(addr):
    return socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)


def udp_recv(addr, port, secs):
    s = sock_for(addr)
    s.bind((addr, port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.settimeout(0.5)
    seen = set()
    deadline = time.monotonic() + secs
    print("ready", flush=True)
    while time.monotonic() < deadline:
        try:
            buf = s.recv(65536)
        except socket.timeout:
            if seen:
                break
            continue
        seq = struct.unpack("!I", buf[:4])[0]
        if buf == payload(seq, len(buf)):
            seen.add(seq)
    print(len(seen))


def udp_send(addr, port, n, size):
    # Bursts of 16 then a 2 ms pause: a burst, not a flood that only measures
    # the sender's TUN queue (txqueuelen 500) overflowing.
    s = sock_for(addr)
    for seq in range(n):
        if seq % 16 == 15:
            time.sleep(0.002)
        while True:
            try:
                s.sendto(payload(seq, size), (addr, port))
                break
            except BlockingIOError:
                time.sleep(0.001)


def udp_gso_send(addr, port, n, size, segs):
    # One sendmsg per SEGS datagrams: the kernel builds one UDP super-packet
    # (USO), which reaches the tunnel's TUN whole. Paced like udp_send.
    s = sock_for(addr)
    s.setsockopt(socket.SOL_UDP, 103, size)  # UDP_SEGMENT
    for first in range(0, n, segs):
        buf = b"".join(payload(seq, size) for seq in range(first, min(n, first + segs)))
        time.sleep(0.002)
        while True:
            try:
                s.sendto(buf, (addr, port))
                break
            except BlockingIOError:
                time.sleep(0.001)


def wire_check(path, maxlen):
    # pcap (tcpdump -w) of Ethernet frames: every UDP datagram must carry an
    # ordinary WireGuard message (type 1-4, three zero bytes) in an IP packet
    # no longer than maxlen: what the kernel made of our UDP_SEGMENT sends.
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    off, count, biggest, bad = 24, 0, 0, 0
    while off + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        eth = struct.unpack("!H", pkt[12:14])[0]
        if eth == 0x0800:
            iplen, l4 = struct.unpack("!H", pkt[16:18])[0], 14 + (pkt[14] & 15) * 4
            if pkt[23] != 17:
                continue
        elif eth == 0x86DD:
            iplen, l4 = 40 + struct.unpack("!H", pkt[18:20])[0], 14 + 40
            if pkt[20] != 17:
                continue
        else:
            continue
        msg = pkt[l4 + 8:l4 + 12]
        count += 1
        biggest = max(biggest, iplen)
        if iplen > maxlen or len(msg) < 4 or msg[0] not in (1, 2, 3, 4) or msg[1:4] != b"\0\0\0":
            bad += 1
    print(count, biggest)
    sys.exit(1 if bad or not count else 0)


def garbage(addr, port, n):
    """Each kind N times; the wg-xdp reason that must count it is in the comment."""
    s = sock_for(addr)
    kinds = [
        lambda: os.urandom(1 + os.urandom(1)[0] % 3),              # rx_short_msg
        lambda: bytes([9, 0, 0, 0]) + os.urandom(60),               # rx_bad_type
        lambda: bytes([1, 0, 0, 0]) + os.urandom(40),               # rx_bad_len
        lambda: bytes([4, 0, 0, 0]) + os.urandom(4 + 8 + 16),       # rx_unknown_idx
        lambda: bytes([1, 0, 0, 0]) + os.urandom(144),              # cp_bad_mac1
        lambda: bytes([2, 0, 0, 0]) + os.urandom(88),               # cp_bad_mac1
        lambda: os.urandom(200),                                    # anything
    ]
    for _ in range(n):
        for make in kinds:
            s.sendto(make(), (addr, port))
            time.sleep(0.0005)


def main(argv):
    cmd = argv[1]
    if cmd == "throttle":
        throttle(int(argv[2]))
    elif cmd == "udp-recv":
        udp_recv(argv[2], int(argv[3]), float(argv[4]))
    elif cmd == "udp-send":
        udp_send(argv[2], int(argv[3]), int(argv[4]), int(argv[5]))
    elif cmd == "garbage":
        garbage(argv[2], int(argv[3]), int(argv[4]))
    elif cmd == "udp-gso-send":
        udp_gso_send(argv[2], int(argv[3]), int(argv[4]), int(argv[5]), int(argv[6]))
    elif cmd == "wire-check":
        wire_check(argv[2], int(argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
