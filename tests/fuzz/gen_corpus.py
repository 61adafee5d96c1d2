#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seed corpora for the libFuzzer harnesses: gen_corpus.py OUTDIR writes
OUTDIR/<harness>/<name> for every harness. Seeds are valid inputs to mutate
plus the known-bad inputs other implementations have tripped on: all-zero and
low-order public keys, exact-length violations, empty allowed-IP entries,
host bits set, ports and marks at their bounds, embedded NULs, CRLF.
Deterministic: the same files every run."""
import base64, os, struct, sys

LOW_ORDER = [  # Curve25519 points of small order (libsodium's blocklist)
    "00" * 32,
    "01" + "00" * 31,
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ec" + "ff" * 30 + "7f",
    "ed" + "ff" * 30 + "7f",
    "ee" + "ff" * 30 + "7f",
]
KEY1 = "c809f3e5317e9575c9b5ed78b638b7ce530dabe85ddab614220241801ddf0669"
KEY2 = "c53201039adba14be71f886da1d8dbe9eebded08cb111b75340078999aa9f038"
PSK = "1690b2870b3d731c16a15e3110bb5f26f8c937ecd05513c84a59515a07a8a551"


def b64(h):
    return base64.b64encode(bytes.fromhex(h)).decode()


def uapi_set():
    s = {}
    s["full"] = (f"private_key={KEY1}\nlisten_port=51820\nfwmark=0\nreplace_peers=true\n"
                 f"public_key={KEY2}\npreshared_key={PSK}\nprotocol_version=1\n"
                 "endpoint=198.18.0.2:51820\npersistent_keepalive_interval=25\n"
                 "replace_allowed_ips=true\nallowed_ip=100.64.0.2/32\nallowed_ip=fd00::2/128\n\n")
    s["v6_endpoint"] = f"public_key={KEY2}\nendpoint=[2001:2::2]:1\nallowed_ip=::/0\n\n"
    s["remove"] = f"public_key={KEY2}\nremove=true\nallowed_ip=1.2.3.4/32\n\n"
    s["update_only"] = f"public_key={KEY2}\nupdate_only=true\nallowed_ip=-10.0.0.0/8\n\n"
    s["no_blank_line"] = f"listen_port=1\npublic_key={KEY2}\n"
    s["unterminated"] = "listen_port=1"
    s["empty"] = ""
    s["blank_only"] = "\n"
    s["host_bits"] = f"public_key={KEY2}\nallowed_ip=100.64.1.255/24\nallowed_ip=fd00::1/0\n\n"
    s["empty_allowed_ip"] = f"public_key={KEY2}\nallowed_ip=\nallowed_ip=/32\nallowed_ip=1.2.3.4/\n\n"
    s["bounds"] = ("listen_port=65535\nfwmark=4294967295\n"
                   f"public_key={KEY2}\npersistent_keepalive_interval=65535\n\n")
    s["over_bounds"] = "listen_port=65536\nfwmark=4294967296\n\n"
    s["private_zero"] = "private_key=" + "0" * 64 + "\n\n"
    s["key_63"] = "private_key=" + KEY1[:63] + "\n\n"
    s["key_65"] = "private_key=" + KEY1 + "0\n\n"
    s["key_upper"] = "private_key=" + KEY1.upper() + "\n\n"
    s["nul"] = f"listen_port=1\x00\npublic_key={KEY2}\n\n"
    s["crlf"] = "listen_port=1\r\n\r\n"
    s["protocol_2"] = f"public_key={KEY2}\nprotocol_version=2\n\n"
    s["peer_key_first"] = "endpoint=1.2.3.4:5\n\n"
    s["endpoint_zone"] = f"public_key={KEY2}\nendpoint=[fe80::1%eth0]:5\n\n"
    s["endpoint_mapped"] = f"public_key={KEY2}\nendpoint=[::ffff:1.2.3.4]:5\n\n"
    for i, k in enumerate(LOW_ORDER):
        s[f"low_order_{i}"] = f"private_key={KEY1}\npublic_key={k}\nallowed_ip=0.0.0.0/0\n\n"
    s["long_line"] = "listen_port=" + "1" * 70000 + "\n\n"
    s["many_peers"] = "".join(f"public_key={i:064x}\nallowed_ip=10.{i}.0.0/16\n"
                              for i in range(1, 40)) + "\n"
    return s


def config():
    # the first byte is the harness's mode byte: bit 0 = wg-quick keys allowed
    c = {}
    full = (f"[Interface]\nPrivateKey = {b64(KEY1)}\nListenPort = 51820\nFwMark = 0x10\n\n"
            f"[Peer]\nPublicKey = {b64(KEY2)}\nPresharedKey = {b64(PSK)}\n"
            "AllowedIPs = 100.64.0.2/32, fd00::2/128\nEndpoint = 198.18.0.2:51820\n"
            "PersistentKeepalive = 25\n")
    c["full"] = "\x00" + full
    c["wg_quick"] = "\x01" + full.replace("[Interface]\n", "[Interface]\nAddress = 100.64.0.1/24\nMTU = 1420\nPostUp = true\n")
    c["comments_crlf"] = "\x00" + full.replace("\n", " # c\r\n")
    c["nul_between_peers"] = ("\x00[Peer]\nPublicKey=" + b64(KEY2) + "\n\x00\n[Peer]\nPublicKey=" +
                              b64(KEY1) + "\n")
    c["no_newline"] = "\x00[Peer]\nPublicKey=" + b64(KEY2)
    c["incremental"] = "\x00[Peer]\nPublicKey=" + b64(KEY2) + "\nAllowedIPs=+10.0.0.0/8,-10.1.0.0/16\n"
    c["empty_aip"] = "\x00[Peer]\nPublicKey=" + b64(KEY2) + "\nAllowedIPs=10.0.0.0/8,,\nAllowedIPs=\n"
    c["ipv6_endpoint"] = "\x00[Peer]\nPublicKey=" + b64(KEY2) + "\nEndpoint=[2001:2::2]:51820\n"
    c["host_endpoint"] = "\x00[Peer]\nPublicKey=" + b64(KEY2) + "\nEndpoint=peer.example:51820\n"
    c["bad_port"] = "\x00[Interface]\nListenPort=65536\n"
    c["service_port"] = "\x00[Interface]\nListenPort=ssh\n"
    c["fwmark_off"] = "\x00[Interface]\nFwMark=off\n"
    c["keepalive_off"] = "\x00[Peer]\nPublicKey=" + b64(KEY2) + "\nPersistentKeepalive=off\n"
    c["peer_without_key"] = "\x00[Peer]\nAllowedIPs=0.0.0.0/0\n"
    c["unknown_section"] = "\x00[Wat]\nPrivateKey=" + b64(KEY1) + "\n"
    # a key value that only the message's own words (and quote) complete
    c["key_like_message"] = ("\x00PrivateKey=unrecognized\nPresharedKey=Poerface]'\n"
                             "ListenPoerface]\n")
    c["key_no_pad"] = "\x00[Interface]\nPrivateKey=" + b64(KEY1)[:-1] + "\n"
    for i, k in enumerate(LOW_ORDER):
        c[f"low_order_{i}"] = "\x00[Peer]\nPublicKey=" + b64(k) + "\nAllowedIPs=0.0.0.0/0\n"
    return c


def allowedips():
    # op stream, see fuzz_allowedips.c: [op, peer, family, cidr, 4 or 16 address bytes]
    def v4(op, peer, cidr, a):
        return bytes([op, peer, 0, cidr]) + bytes(a)

    def v6(op, peer, cidr, a):
        return bytes([op, peer, 1, cidr]) + bytes(a) + bytes(16 - len(a))
    a = {}
    a["insert_lookup"] = v4(0, 1, 24, [100, 64, 1, 0]) + v4(2, 0, 0, [100, 64, 1, 7])
    a["nested"] = (v4(0, 1, 8, [10, 0, 0, 0]) + v4(0, 2, 16, [10, 1, 0, 0]) +
                   v4(0, 3, 32, [10, 1, 2, 3]) + v4(2, 0, 0, [10, 1, 2, 3]) +
                   v4(2, 0, 0, [10, 1, 9, 9]) + v4(4, 2, 0, [0, 0, 0, 0]))
    a["v6_default"] = v6(0, 1, 0, []) + v6(0, 2, 8, [0xfd]) + v6(2, 0, 0, [0xfd, 0, 1])
    a["remove_move"] = (v4(0, 1, 24, [1, 2, 3, 0]) + v4(0, 2, 24, [1, 2, 3, 9]) +
                        v4(1, 1, 24, [1, 2, 3, 0]) + v4(1, 2, 24, [1, 2, 3, 0]) +
                        v4(3, 2, 0, [0, 0, 0, 0]) + v4(2, 0, 0, [1, 2, 3, 4]))
    a["bad_cidr_null_peer"] = v4(0, 1, 255, [1, 1, 1, 1]) + v6(0, 8, 64, [0x20, 1])
    a["host_bits"] = v6(0, 3, 127, [0xff] * 16) + v6(0, 4, 128, [0xff] * 16) + v6(2, 0, 0, [0xff] * 16)
    return a


def xdp():
    """Frames for fuzz_xdp.c: byte 0 picks the program and flags, the rest is
    the frame. Built like tests/bpf/frames.h: eth/vlan/ipv4/ipv6/udp + WG."""
    def eth(proto, vlans=0):
        b = bytes.fromhex("020000000002020000000001")
        for i in range(vlans):
            b += struct.pack("!HH", 0x88a8 if i == 0 and vlans > 1 else 0x8100, 100 + i)
        return b + struct.pack("!H", proto)

    def ip4(payload, proto=17, src="198.18.0.1", dst="198.18.0.2", frag=0, opts=b""):
        hl = 20 + len(opts)
        h = struct.pack("!BBHHHBBH4s4s", 0x40 | hl // 4, 0, hl + len(payload), 0, frag, 64, proto, 0,
                        bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))))
        return h + opts + payload

    def ip6(payload, nh=17, dst_last=2):
        src = bytes.fromhex("20010002" + "00" * 11 + "01")
        dst = bytes.fromhex("20010002" + "00" * 11) + bytes([dst_last])
        return struct.pack("!IHBB", 0x60000000, len(payload), nh, 64) + src + dst + payload

    def udp(msg, dport=51820, adj=0):
        return struct.pack("!HHHH", 40000, dport, 8 + len(msg) + adj, 0) + msg

    def wg(t, n, idx=0x11223344):
        m = bytes([t, 0, 0, 0]) + struct.pack("<I", idx)
        return (m + bytes(range(256)) * 8)[:n]

    x = {}
    rx = b"\x00"  # program wgx_rx, no local-only check
    rxl = b"\x02"  # wgx_rx with the local-address check on
    tun = b"\x01"
    x["rx_data"] = rx + eth(0x0800) + ip4(udp(wg(4, 64)))
    x["rx_data_v6"] = rx + eth(0x86dd) + ip6(udp(wg(4, 64)))
    x["rx_init"] = rx + eth(0x0800) + ip4(udp(wg(1, 148)))
    x["rx_resp_vlan"] = rx + eth(0x0800, 1) + ip4(udp(wg(2, 92)))
    x["rx_cookie_qinq"] = rx + eth(0x86dd, 2) + ip6(udp(wg(3, 64)))
    x["rx_init_147"] = rx + eth(0x0800) + ip4(udp(wg(1, 147)))
    x["rx_resp_93"] = rx + eth(0x0800) + ip4(udp(wg(2, 93)))
    x["rx_data_31"] = rx + eth(0x0800) + ip4(udp(wg(4, 31)))
    x["rx_unknown_idx"] = rx + eth(0x0800) + ip4(udp(wg(4, 64, 7)))
    x["rx_udp_len_lie"] = rx + eth(0x0800) + ip4(udp(wg(4, 64), adj=5))
    x["rx_frag"] = rx + eth(0x0800) + ip4(udp(wg(4, 64)), frag=0x2000)
    x["rx_opts"] = rx + eth(0x0800) + ip4(udp(wg(4, 64)), opts=b"\x01" * 8)
    x["rx_ext"] = rx + eth(0x86dd) + ip6(bytes([17, 0]) + b"\x00" * 6 + udp(wg(4, 64)), nh=0)
    x["rx_forwarded"] = rxl + eth(0x0800) + ip4(udp(wg(4, 64)), dst="198.18.9.9")
    x["rx_forwarded_v6"] = rxl + eth(0x86dd) + ip6(udp(wg(1, 148)), dst_last=9)
    x["rx_local"] = rxl + eth(0x0800) + ip4(udp(wg(4, 64)))
    x["rx_other_port"] = rx + eth(0x0800) + ip4(udp(wg(4, 64), dport=53))
    x["rx_tcp"] = rx + eth(0x0800) + ip4(b"\x00" * 20, proto=6)
    x["rx_arp"] = rx + eth(0x0806) + b"\xaa" * 28
    x["tun_v4_hit"] = tun + eth(0x0800) + ip4(b"\x00" * 20, proto=6, dst="100.64.0.2")
    x["tun_v4_trie"] = tun + eth(0x0800) + ip4(b"\x00" * 20, proto=6, dst="100.64.1.9")
    x["tun_v4_miss"] = tun + eth(0x0800) + ip4(b"\x00" * 20, proto=6, dst="8.8.8.8")
    x["tun_v6"] = tun + eth(0x86dd) + ip6(b"\x00" * 20, nh=6)
    x["tun_v6_rs"] = tun + eth(0x86dd) + ip6(bytes([133, 0, 0, 0, 0, 0, 0, 0]), nh=58)
    x["tun_arp"] = tun + eth(0x0806) + b"\xaa" * 28
    return x


def uapi_server():
    # the stream a client writes; byte 0 picks the chunking, see fuzz_uapi_server.c
    u = {}
    u["get"] = b"\x00get=1\n\n"
    u["get_get"] = b"\x03get=1\n\nget=1\n\n"
    u["get_bad"] = b"\x00get=1\nx"
    u["set"] = b"\x01set=1\nlisten_port=1\n\n"
    u["set_eof"] = b"\x01set=1\nlisten_port=1\n"
    u["set_get"] = b"\x05set=1\nlisten_port=1\n\nget=1\n\n"
    u["bad_op"] = b"\x00put=1\n\n"
    u["set_bad"] = b"\x02set=1\nlisten_port\n\nget=1\n\n"
    u["set_unterminated"] = b"\x00set=1\nlisten_port=1"
    return u


def receive():
    # byte 0 picks the case (fuzz_receive.c): 0 mutate B's data message,
    # 1 raw datagram, 2 mutate B's initiation, 3 A seals, B opens
    r = {}
    r["data_intact"] = bytes([0, 0x20]) + b"\0" * 64
    r["data_flip_tag"] = bytes([0, 0x20]) + b"\0" * 47 + b"\x01"
    r["data_flip_counter"] = bytes([0, 0x20]) + b"\0" * 8 + b"\x01"
    r["data_cut"] = bytes([0, 0xf0]) + b"\0" * 16
    r["raw_keepalive_shape"] = bytes([1, 4, 0, 0, 0]) + b"\0" * 28
    r["raw_initiation_zero"] = bytes([1, 1, 0, 0, 0]) + b"\0" * 144
    r["raw_response_zero"] = bytes([1, 2, 0, 0, 0]) + b"\0" * 88
    r["raw_cookie_zero"] = bytes([1, 3, 0, 0, 0]) + b"\0" * 60
    for i, k in enumerate(LOW_ORDER):  # an initiation whose ephemeral is a low-order point
        r[f"raw_initiation_low_order_{i}"] = (bytes([1, 1, 0, 0, 0]) + b"\x01\0\0\0" +
                                              bytes.fromhex(k) + b"\0" * 108)
    r["initiation_intact"] = bytes([2])
    r["initiation_mac2"] = bytes([2]) + b"\0" * 132 + b"\xff" * 16
    r["initiation_ephemeral"] = bytes([2]) + b"\0" * 8 + b"\x01"
    r["send_empty"] = bytes([3])
    r["send_payload"] = bytes([3]) + bytes(range(200))
    return r


def state():
    # byte 0 picks the case (fuzz_state.c): 0 XOR over a real state, 1 cut it, 2 raw
    return {"intact": bytes([0]), "flip_port": bytes([0, 1]),
            "flip_peer_count": bytes([0]) + b"\0" * 118 + b"\x01",
            "cut_early": bytes([1, 40, 0]), "cut_late": bytes([1, 0xff, 0xff]),
            "raw_empty": bytes([2]), "raw_zeros": bytes([2]) + b"\0" * 200,
            # the whole state's length (so libFuzzer's max_len reaches its last peer)
            "whole_length": bytes([0]) + b"\0" * 8192,
            "flip_deep": bytes([0]) + b"\0" * 3000 + b"\x80"}


def main():
    out = sys.argv[1]
    sets = {"fuzz_uapi_set": uapi_set(), "fuzz_config": config(),
            "fuzz_allowedips": allowedips(), "fuzz_xdp": xdp(),
            "fuzz_uapi_server": uapi_server(), "fuzz_receive": receive(),
            "fuzz_state": state()}
    for harness, seeds in sets.items():
        d = os.path.join(out, harness)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            if isinstance(data, str):
                data = data.encode("latin-1")
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
    print(f"gen_corpus: {sum(map(len, sets.values()))} seeds for {len(sets)} harnesses in {out}")


if __name__ == "__main__":
    main()
