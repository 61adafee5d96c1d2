#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A minimal WireGuard initiator (Noise_IKpsk2, the whitepaper's section 5)
for tests that must know the session keys a responder derives:

  noise_peer.py keys                       print "priv_b64 pub_b64" of a new static key
  noise_peer.py handshake ADDR PORT MY_PRIV_B64 THEIR_PUB_B64 PSK_B64 OUT
      send an initiation to ADDR:PORT, complete the handshake with the
      response, send one keepalive (so the responder confirms and opens
      with the new keypair), and write the two session keys (hex, one per
      line: initiator->responder, responder->initiator) to OUT. Exit 1 if
      no valid response arrives within 5 s.
Uses python3-cryptography (X25519, ChaCha20-Poly1305) and hashlib's BLAKE2s.
"""
import base64
import hashlib
import hmac
import os
import socket
import struct
import sys
import time

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives import serialization

CONSTRUCTION = b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
IDENTIFIER = b"WireGuard v1 zx2c4 Jason@zx2c4.com"
LABEL_MAC1 = b"mac1----"


def h(*parts):
    return hashlib.blake2s(b"".join(parts)).digest()


def mac(key, data):
    return hashlib.blake2s(data, key=key, digest_size=16).digest()


def hm(key, data):
    return hmac.new(key, data, hashlib.blake2s).digest()


def kdf(c, inp, n):
    t0 = hm(c, inp)
    out, prev = [], b""
    for i in range(1, n + 1):
        prev = hm(t0, prev + bytes([i]))
        out.append(prev)
    return out


def aead(key, counter, plain, ad):
    return ChaCha20Poly1305(key).encrypt(b"\0" * 4 + struct.pack("<Q", counter), plain, ad)


def aead_open(key, counter, ct, ad):
    return ChaCha20Poly1305(key).decrypt(b"\0" * 4 + struct.pack("<Q", counter), ct, ad)


def raw_pub(k):
    return k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def raw_priv(k):
    return k.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                           serialization.NoEncryption())


def tai64n():
    t = time.time()
    return struct.pack(">QI", (1 << 62) + 10 + int(t), int((t % 1) * 1e9))


def handshake(addr, port, my_priv_b64, their_pub_b64, psk_b64, out):
    s_i = X25519PrivateKey.from_private_bytes(base64.b64decode(my_priv_b64))
    s_r_pub = base64.b64decode(their_pub_b64)
    psk = base64.b64decode(psk_b64)
    e_i = X25519PrivateKey.generate()
    s_r = X25519PublicKey.from_public_bytes(s_r_pub)
    sender = struct.unpack("<I", os.urandom(4))[0]

    c = h(CONSTRUCTION)
    hh = h(c, IDENTIFIER)
    hh = h(hh, s_r_pub)
    e_pub = raw_pub(e_i)
    c = kdf(c, e_pub, 1)[0]
    hh = h(hh, e_pub)
    c, k = kdf(c, e_i.exchange(s_r), 2)
    enc_static = aead(k, 0, raw_pub(s_i), hh)
    hh = h(hh, enc_static)
    c, k = kdf(c, s_i.exchange(s_r), 2)
    enc_ts = aead(k, 0, tai64n(), hh)
    hh = h(hh, enc_ts)
    msg = struct.pack("<BxxxI", 1, sender) + e_pub + enc_static + enc_ts
    msg += mac(h(LABEL_MAC1, s_r_pub), msg) + b"\0" * 16

    sock = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(1)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        sock.sendto(msg, (addr, port))
        try:
            resp = sock.recv(2048)
        except socket.timeout:
            continue
        if len(resp) == 92 and resp[0] == 2 and struct.unpack("<I", resp[8:12])[0] == sender:
            break
    else:
        print("noise_peer: no response", file=sys.stderr)
        return 1
    their_index = struct.unpack("<I", resp[4:8])[0]
    e_r_pub = resp[12:44]
    e_r = X25519PublicKey.from_public_bytes(e_r_pub)
    c = kdf(c, e_r_pub, 1)[0]
    hh = h(hh, e_r_pub)
    c = kdf(c, e_i.exchange(e_r), 1)[0]
    c = kdf(c, s_i.exchange(e_r), 1)[0]
    c, t, k = kdf(c, psk, 3)
    hh = h(hh, t)
    aead_open(k, 0, resp[44:60], hh)
    t_send, t_recv = kdf(c, b"", 2)
    keepalive = struct.pack("<BxxxIQ", 4, their_index, 0) + aead(t_send, 0, b"", b"")
    sock.sendto(keepalive, (addr, port))
    with open(out, "w") as f:
        f.write(t_send.hex() + "\n" + t_recv.hex() + "\n")
    return 0


def main():
    if sys.argv[1] == "keys":
        k = X25519PrivateKey.generate()
        print(base64.b64encode(raw_priv(k)).decode(), base64.b64encode(raw_pub(k)).decode())
        return 0
    if sys.argv[1] == "handshake":
        return handshake(sys.argv[2], int(sys.argv[3]), *sys.argv[4:8])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
