#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Numbered UDP datagrams for the ordering test.

  udp_seq.py send HOST PORT COUNT   datagrams carrying 0..COUNT-1, as fast as possible
  udp_seq.py recv PORT COUNT IDLE   print "received N reordered R" after COUNT
                                    datagrams or IDLE seconds without one
A datagram is reordered when its number is lower than one seen before it.
"""
import socket
import struct
import sys


def send(host, port, count):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    pad = b"x" * 100
    for i in range(count):
        while True:
            try:
                s.sendto(struct.pack("!Q", i) + pad, (host, port))
                break
            except (BlockingIOError, OSError):
                continue


def recv(port, count, idle):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
    s.bind(("::", port))
    s.settimeout(idle)
    received = reordered = 0
    highest = -1
    print("ready", flush=True)
    while received < count:
        try:
            data = s.recv(2048)
        except socket.timeout:
            break
        n = struct.unpack("!Q", data[:8])[0]
        received += 1
        if n < highest:
            reordered += 1
        highest = max(highest, n)
    print(f"received {received} reordered {reordered}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        recv(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
