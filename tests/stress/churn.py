# SPDX-License-Identifier: MIT
"""Peer churn through the UAPI for tests/stress/test-churn.sh.

    churn.py run STATE IFNAME SECS KEY_FILE LIVE_PUB LIVE_EP LIVE_AIPS
    churn.py check STATE LIVE_PUB DUMP [MAPS_DIR]

Runs inside the daemon's namespace (`ip netns exec NS python3 churn.py ...`)
and for SECS seconds changes IFNAME's peers other than the live one
(LIVE_PUB, endpoint LIVE_EP, allowed IPs LIVE_AIPS, comma-separated) with
`wg`: each round one `wg set` adds ADD new peers, gives MOVE existing ones
new allowed IPs and a new endpoint, and removes the oldest beyond WINDOW;
every SYNC_EVERY rounds a `wg syncconf` replaces the set by one that keeps
half of it and adds as many new peers (the live peer always in the file,
unchanged; the interface's private key, from KEY_FILE, and listen port
51820 too: syncconf, like setconf, clears what the file leaves out).
Every peer's allowed IPs are unique (from a serial number): one /32 in
10.0.0.0/9, one /24 in 10.128.0.0/9, one /128 in fd00:c::/32, one /64 in
fd00:d::/32, so that the BPF maps' entry counts follow from the set.

STATE (JSON) holds the desired set and the counters; it is read when present
and written at the end, so that runs continue one another (a warm-up run,
then the measured one). Exit status 1 when a `wg` command failed (the
message goes to stderr).

check: the daemon holds the desired set. DUMP is `wg show IFNAME dump`:
exactly STATE's peers and the live one, each with its allowed IPs and
endpoint. MAPS_DIR (XDP mode) holds `bpftool -j map dump` of the pinned maps
as NAME.json: wgx_peers one entry per peer, wgx_hosts4/6 and wgx_aips4/6 one
per allowed IP of their kind, wgx_idx only the live peer's keypairs. Prints
what it compared; exit status 1 on a difference.
"""
import base64
import ipaddress
import json
import os
import subprocess
import sys
import time

ADD, MOVE, WINDOW, SYNC_EVERY = 8, 4, 120, 10


def aips(n):
    """The allowed IPs of serial number n: unique among peers present at
    once (their serials lie within 2^15 of each other)."""
    return ["10.%d.%d.%d/32" % (n >> 16 & 127, n >> 8 & 255, n & 255),
            "10.%d.%d.0/24" % (128 + (n >> 8 & 127), n & 255),
            "fd00:c::%x:%x/128" % (n >> 16, n & 0xffff),
            "fd00:d:%x:%x::/64" % (n >> 16, n & 0xffff)]


def endpoint(n):
    """An underlay address nobody answers (no traffic goes to these peers)."""
    return "198.19.%d.%d:%d" % (n >> 8 & 255, n & 255, 1024 + n % 60000)


def run(args, stdin=None):
    r = subprocess.run(["wg"] + args, input=stdin, capture_output=True, text=True)
    if r.returncode:
        sys.stderr.write("wg %s: exit %d: %s" % (" ".join(args[:3]), r.returncode, r.stderr))
        sys.exit(1)


def churn(state_path, ifname, secs, key_file, live_pub, live_ep, live_aips):
    st = {"peers": {}, "order": [], "serial": 0, "rounds": 0, "sets": 0, "syncconfs": 0,
          "added": 0, "removed": 0, "moved": 0}
    if os.path.exists(state_path):
        st = json.load(open(state_path))
    peers, order = st["peers"], st["order"]

    def fresh():
        st["serial"] += 1
        return st["serial"]

    def new_peer():
        pub = base64.b64encode(os.urandom(32)).decode()
        n = fresh()
        peers[pub] = {"aips": aips(n), "endpoint": endpoint(n)}
        order.append(pub)
        st["added"] += 1
        return pub

    end = time.monotonic() + secs
    while time.monotonic() < end:
        st["rounds"] += 1
        if st["rounds"] % SYNC_EVERY == 0:
            keep = order[len(order) // 2:]
            for pub in order[:len(order) // 2]:
                del peers[pub]
                st["removed"] += 1
            order[:] = keep
            for _ in range(WINDOW // 2):
                new_peer()
            conf = ["[Interface]", "PrivateKey = " + open(key_file).read().strip(),
                    "ListenPort = 51820", "", "[Peer]", "PublicKey = " + live_pub,
                    "Endpoint = " + live_ep, "AllowedIPs = " + live_aips, ""]
            for pub in order:
                conf += ["[Peer]", "PublicKey = " + pub, "Endpoint = " + peers[pub]["endpoint"],
                         "AllowedIPs = " + ", ".join(peers[pub]["aips"]), ""]
            path = state_path + ".conf"
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
                f.write("\n".join(conf))
            run(["syncconf", ifname, path])
            st["syncconfs"] += 1
            continue
        words = []
        for _ in range(ADD):
            pub = new_peer()
            words += ["peer", pub, "allowed-ips", ",".join(peers[pub]["aips"]),
                      "endpoint", peers[pub]["endpoint"]]
        # The MOVE peers in the middle of the window: new allowed IPs (wg
        # set's allowed-ips replaces the old ones) and a new endpoint.
        mid = max(0, len(order) // 2 - MOVE)
        for pub in order[mid:mid + MOVE]:
            n = fresh()
            peers[pub] = {"aips": aips(n), "endpoint": endpoint(n)}
            words += ["peer", pub, "allowed-ips", ",".join(peers[pub]["aips"]),
                      "endpoint", peers[pub]["endpoint"]]
            st["moved"] += 1
        while len(order) > WINDOW:
            pub = order.pop(0)
            del peers[pub]
            words += ["peer", pub, "remove"]
            st["removed"] += 1
        run(["set", ifname] + words)
        st["sets"] += 1
    json.dump(st, open(state_path, "w"))


def key_b64(v):
    """A public key as bpftool's BTF dump shows it (a list of bytes or hex strings)."""
    return base64.b64encode(bytes(int(b, 16) if isinstance(b, str) else b for b in v)).decode()


def norm(nets):
    """Allowed IPs compared as networks (wg prints IPv6 compressed)."""
    return sorted(str(ipaddress.ip_network(n)) for n in nets)


def check(state_path, live_pub, dump_path, maps_dir=None):
    st = json.load(open(state_path))
    want = {pub: (norm(p["aips"]), p["endpoint"]) for pub, p in st["peers"].items()}
    lines = open(dump_path).read().splitlines()[1:]  # the first line is the interface
    got, live = {}, None
    for line in lines:
        f = line.split("\t")
        if f[0] == live_pub:
            live = f
            continue
        got[f[0]] = (norm(f[3].split(",")) if f[3] != "(none)" else [], f[2])
    bad = []
    missing, extra = set(want) - set(got), set(got) - set(want)
    wrong = [k for k in set(want) & set(got) if want[k] != got[k]]
    print("# wg show: %d churned peers (want %d): %d missing, %d extra, %d with other allowed IPs"
          " or endpoint; the live peer %s" % (len(got), len(want), len(missing), len(extra),
                                              len(wrong), "there" if live else "MISSING"))
    for k in sorted(wrong)[:3]:
        print("#   %s: want %s, got %s" % (k, want[k], got[k]))
    if missing or extra or wrong or not live:
        bad.append("wg show")
    if maps_dir:
        n = len(want)
        maps = {m: json.load(open(os.path.join(maps_dir, m + ".json")))
                for m in ("wgx_peers", "wgx_hosts4", "wgx_hosts6", "wgx_aips4", "wgx_aips6",
                          "wgx_idx")}
        expect = {"wgx_peers": n + 1, "wgx_hosts4": n + 1, "wgx_hosts6": n + 1,
                  "wgx_aips4": n, "wgx_aips6": n}
        for m, e in expect.items():
            print("# %s: %d entries, want %d" % (m, len(maps[m]), e))
            if len(maps[m]) != e:
                bad.append(m)
        keys = {key_b64(e["formatted"]["value"]["public_key"]) for e in maps["wgx_peers"]}
        live_ids = [e["formatted"]["key"] for e in maps["wgx_peers"]
                    if key_b64(e["formatted"]["value"]["public_key"]) == live_pub]
        print("# wgx_peers: its keys %s the desired set's" % ("are" if keys == set(want) | {live_pub}
                                                              else "are NOT"))
        if keys != set(want) | {live_pub}:
            bad.append("wgx_peers keys")
        idx_peers = {e["formatted"]["value"]["peer_id"] for e in maps["wgx_idx"]}
        print("# wgx_idx: %d entries, of peer ids %s (the live peer's: %s)"
              % (len(maps["wgx_idx"]), sorted(idx_peers), live_ids))
        if not maps["wgx_idx"] or idx_peers != set(live_ids):
            bad.append("wgx_idx")
    if bad:
        print("# differs: " + ", ".join(bad))
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "run":
        churn(sys.argv[2], sys.argv[3], float(sys.argv[4]), *sys.argv[5:9])
    else:
        sys.exit(check(*sys.argv[2:]))
