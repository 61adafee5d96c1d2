#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""udp_garbage.py HOST PORT COUNT: send COUNT malformed WireGuard datagrams
(cycling: bad type, bad reserved bytes, short, wrong handshake length,
data with an unknown receiver index) to HOST:PORT."""
import os
import socket
import struct
import sys

host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
kinds = [
    lambda: bytes([9, 0, 0, 0]) + os.urandom(60),          # bad type
    lambda: bytes([4, 1, 0, 0]) + os.urandom(60),          # reserved bytes set
    lambda: bytes([1, 0]),                                  # short
    lambda: bytes([1, 0, 0, 0]) + os.urandom(100),         # initiation, wrong length
    lambda: struct.pack("<II", 4, 0xdeadbeef) + os.urandom(60),  # data, unknown index
]
for i in range(count):
    s.sendto(kinds[i % len(kinds)](), (host, port))
