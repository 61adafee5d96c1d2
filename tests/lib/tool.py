#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The Python helpers of the netns tests, the benchmark and the demo.

Traffic:
  throttle KBPS               copy stdin to stdout at about KBPS kilobytes/s
  udp-recv ADDR PORT SECS     count datagrams whose payload is intact, print the count
  udp-send ADDR PORT N SIZE   send N numbered datagrams of SIZE bytes in bursts of 16
  udp-gso-send ADDR PORT N SIZE SEGS
                              udp-send's datagrams, SEGS per send with UDP_SEGMENT SIZE
  wire-check PCAP MAXLEN      every UDP datagram in PCAP an ordinary WireGuard message with
                              an IP length <= MAXLEN; prints "COUNT MAX", exit 1 otherwise
  garbage ADDR PORT N         send N of each kind of malformed WireGuard message
  garbage-xdp ADDR PORT N     send N malformed datagrams that wgx_rx itself drops
  seq-send ADDR PORT N        datagrams carrying 0..N-1, as fast as possible
  seq-recv PORT N IDLE        print "received N reordered R" after N datagrams or
                              IDLE seconds without one (R: lower than one seen before)
JSON (the one reader the shell scripts use):
  json FILE|- EXPR [DEFAULT]  print the Python expression EXPR over d = the document
                              (DEFAULT when a key or index is missing)
Benchmark:
  ping-stats FILE             p50 and p99 of the time= values in ping output, ms
  gen-peers N CHUNK BASE      wg setconf files BASE.0.conf.. with N random peers
Netns tests:
  many-peers-conf PRIVKEY N REAL_PUBS   a wg setconf file on stdout: N peers, the
                              keys of REAL_PUBS (one a line) first, then random ones;
                              peer i allowed 100.65.(i/250).(i%250+1)/32, fd00:1::(i+1)/128
  machine-json QUICK REPS PINNING   the machine description of a bench run
  peers-conf N                a wg addconf file on stdout: N random peers, peer i
                              allowed 10.(i/65536).(i/256%256).(i%256)/32, no endpoint
  ping-gap FILE INTERVAL_MS   the longest time between two replies in `ping -D -i`
                              output (and after the last one, from the pings sent at
                              INTERVAL_MS) and the replies counted: "GAP_MS REPLIES"
  hold-unread SOCK N SECS REQ N connections to the Unix socket SOCK, each sends REQ
                              (Python escapes, "" for nothing) and never reads; after SECS
                              print how many are still open (not hung up by the server)
  flood-unterminated SOCK N MB SECS  N connections to SOCK each send "set=1\n" and up to
                              MB MiB of valid lines, never the blank line that ends the
                              request, for SECS; print the MiB the server took in total
"""
import base64
import json
import os
import platform
import re
import select
import socket
import struct
import subprocess
import sys
import time


def sock_for(addr):
    return socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)


# ---- traffic ----

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


def garbage_xdp(addr, port, n):
    """N datagrams cycling through kinds wgx_rx drops before the daemon sees them."""
    s = sock_for(addr)
    kinds = [
        lambda: bytes([9, 0, 0, 0]) + os.urandom(60),                # rx_bad_type
        lambda: bytes([4, 1, 0, 0]) + os.urandom(60),                # rx_bad_reserved
        lambda: bytes([1, 0]),                                       # rx_short_msg
        lambda: bytes([1, 0, 0, 0]) + os.urandom(100),               # rx_bad_len
        lambda: struct.pack("<II", 4, 0xdeadbeef) + os.urandom(60),  # rx_unknown_idx
    ]
    for i in range(n):
        s.sendto(kinds[i % len(kinds)](), (addr, port))


def seq_send(addr, port, count):
    s = sock_for(addr)
    pad = b"x" * 100
    for i in range(count):
        while True:
            try:
                s.sendto(struct.pack("!Q", i) + pad, (addr, port))
                break
            except (BlockingIOError, OSError):
                continue


def seq_recv(port, count, idle):
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


# ---- JSON ----

def json_eval(src, expr, default=None):
    text = sys.stdin.read() if src == "-" else open(src).read()
    d = json.loads(text)
    names = (all, any, len, sum, int, float, str, bool, min, max, abs, round, sorted, list, dict, set)
    env = {"__builtins__": {f.__name__: f for f in names}, "d": d}
    try:
        v = eval(expr, env)  # globals: comprehensions in EXPR see d
    except (KeyError, IndexError, TypeError):
        if default is None:
            raise
        v = default
    print(v)


# ---- benchmark ----

def ping_stats(path):
    t = sorted(float(m) for m in re.findall(r"time=([0-9.]+)", open(path).read()))
    if t:
        pct = lambda p: t[min(len(t) - 1, int(p * len(t)))]
        print(pct(0.50), pct(0.99))


def gen_peers(n, chunk, base):
    """wg setconf/addconf files (BASE.0.conf has the [Interface]); no endpoints."""
    key = lambda: base64.b64encode(os.urandom(32)).decode()
    for c, first in enumerate(range(0, n, chunk)):
        out = ["[Interface]", "PrivateKey = " + key(), "ListenPort = 51820"] if c == 0 else []
        for i in range(first, min(n, first + chunk)):
            a = (100 << 24 | 64 << 16) + i + 1  # 100.64.0.0/10, one /32 each
            out += ["", "[Peer]", "PublicKey = " + key(),
                    "AllowedIPs = %d.%d.%d.%d/32" % (a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255)]
        with open("%s.%d.conf" % (base, c), "w") as f:
            f.write("\n".join(out) + "\n")


def many_peers_conf(priv, n, real_pubs):
    real = open(real_pubs).read().split()
    print("[Interface]\nPrivateKey = %s\nListenPort = 51820" % priv)
    for i in range(n):
        key = real[i] if i < len(real) else base64.b64encode(os.urandom(32)).decode()
        print("\n[Peer]\nPublicKey = %s\nAllowedIPs = 100.65.%d.%d/32, fd00:1::%x/128"
              % (key, i // 250, i % 250 + 1, i + 1))


def peers_conf(n):
    out = []
    for i in range(n):
        out += ["[Peer]", "PublicKey = " + base64.b64encode(os.urandom(32)).decode(),
                "AllowedIPs = 10.%d.%d.%d/32" % (i >> 16, i >> 8 & 255, i & 255), ""]
    sys.stdout.write("\n".join(out))


def ping_gap(path, interval_ms):
    text = open(path).read()
    replies = re.findall(r"^\[([0-9.]+)\].*icmp_seq=([0-9]+)", text, re.M)
    ts = [float(t) for t, _ in replies]
    gap = max((b - a for a, b in zip(ts, ts[1:])), default=0) * 1000
    sent = re.search(r"([0-9]+) packets transmitted", text)
    if sent and replies:  # no reply after the last one: that time counts too
        gap = max(gap, (int(sent.group(1)) - int(replies[-1][1])) * interval_ms)
    print("%.0f %d" % (gap, len(ts)))


def unix_clients(path, n):
    conns = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fills fast: no reading
        s.connect(path)
        s.setblocking(False)
        conns.append(s)
    return conns


def hold_unread(path, n, secs, req):
    req = req.encode().decode("unicode_escape").encode()
    conns = unix_clients(path, n)
    for s in conns:
        if req:
            s.send(req)
    time.sleep(secs)
    p = select.poll()
    for s in conns:
        p.register(s, select.POLLRDHUP)
    hung = {fd for fd, ev in p.poll(0) if ev & (select.POLLRDHUP | select.POLLHUP | select.POLLERR)}
    print(sum(s.fileno() not in hung for s in conns))


def flood_unterminated(path, n, mb, secs):
    conns = unix_clients(path, n)
    line = b"listen_port=51820\n" * 3640  # 64 KiB of valid lines per send
    left = {s: mb << 20 for s in conns}
    taken, end = 0, time.time() + secs
    for s in conns:
        taken += s.send(b"set=1\n")
    while time.time() < end:
        busy = False
        for s in conns:
            if left[s] <= 0:
                continue
            try:
                k = s.send(line[:left[s]])
                left[s] -= k
                taken += k
                busy = True
            except BlockingIOError:
                pass
            except OSError:
                left[s] = 0
        if not busy:
            time.sleep(0.05)
    print(taken >> 20)


def machine_json(quick, reps, pinning):
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), "?")

    def ver(*c):
        try:
            out = subprocess.run(c, capture_output=True, text=True).stdout.strip().splitlines()
        except OSError:
            out = []
        return out[0] if out else "?"
    print(json.dumps({
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "nproc": os.cpu_count(), "cpu_model": cpu, "kernel": platform.release(),
        "mem_total_kb": next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")),
        "loadavg_at_start": open("/proc/loadavg").read().split()[:3],
        "wg_xdp": ver(os.environ["WGX"], "--version"),
        "wireguard_go": ver("wireguard-go", "--version"),
        "wireguard_go_upstream": ver(os.environ.get("WGX_WGGO_UP", "/nonexistent"), "--version"),
        "iperf3": ver("iperf3", "--version"),
        "quick": quick == "1", "repetitions": int(reps), "pinning": pinning,
    }))


COMMANDS = {
    "throttle": (throttle, [int]),
    "udp-recv": (udp_recv, [str, int, float]),
    "udp-send": (udp_send, [str, int, int, int]),
    "udp-gso-send": (udp_gso_send, [str, int, int, int, int]),
    "wire-check": (wire_check, [str, int]),
    "garbage": (garbage, [str, int, int]),
    "garbage-xdp": (garbage_xdp, [str, int, int]),
    "seq-send": (seq_send, [str, int, int]),
    "seq-recv": (seq_recv, [int, int, float]),
    "json": (json_eval, [str, str, str]),
    "ping-stats": (ping_stats, [str]),
    "gen-peers": (gen_peers, [int, int, str]),
    "many-peers-conf": (many_peers_conf, [str, int, str]),
    "machine-json": (machine_json, [str, str, str]),
    "peers-conf": (peers_conf, [int]),
    "ping-gap": (ping_gap, [str, float]),
    "hold-unread": (hold_unread, [str, int, float, str]),
    "flood-unterminated": (flood_unterminated, [str, int, int, float]),
}


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS:
        sys.exit(__doc__)
    fn, types = COMMANDS[argv[1]]
    args = argv[2:]
    least = 2 if fn is json_eval else len(types)  # json's DEFAULT is optional
    if not least <= len(args) <= len(types):
        sys.exit(__doc__)
    fn(*(t(a) for t, a in zip(types, args)))


if __name__ == "__main__":
    main(sys.argv)
