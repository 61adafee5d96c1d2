#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check the layering of user/ from its #include lines.

    python3 scripts/layers.py [USER_DIR]

Layers, lowest first: lib, core, plane, control, cli. A file may include
headers of its own layer and of lower ones, and the shared headers of
include/ (wgx_*.h). Inside plane/, a plane's folder (plane/socket,
plane/xdp, ...) may include its own files and plane/*.h (shared by every
plane), never another plane's. Every project include names its layer
("core/peer.h"). Modules (a .c and its .h) must not include each other in
a circle that touches plane/, control/ or cli/ (the core's device, peer,
send and receive may, as in the kernel). Prints every violation; exit 1 if
there is one.
"""
import os
import re
import sys

LAYERS = ["lib", "core", "plane", "control", "cli"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
SHARED = re.compile(r"^wgx_[a-z0-9_]+(\.skel)?\.h$")  # include/ and the generated skeleton


def layer_of(rel):
    return LAYERS.index(rel.split("/")[0])


def plane_of(rel):
    """'xdp' for plane/xdp/..., '' for plane/*.h, None outside plane/."""
    parts = rel.split("/")
    if parts[0] != "plane":
        return None
    return parts[1] if len(parts) > 2 else ""


def files(root):
    for d, _, names in os.walk(root):
        for n in sorted(names):
            if n.endswith((".c", ".h")):
                path = os.path.join(d, n)
                yield os.path.relpath(path, root), path


# Each BPF skeleton belongs to the plane that loads its programs.
SKELETONS = {"wgx_xdp.skel.h": "xdp", "wgx_tun_steer.skel.h": "socket"}


def check(root):
    errors, edges = [], {}
    for rel, path in files(root):
        if rel.split("/")[0] not in LAYERS:
            errors.append(f"{rel}: not in a layer folder ({', '.join(LAYERS)})")
            continue
        src = open(path, encoding="utf-8").read()
        module = os.path.splitext(rel)[0]
        for inc in INCLUDE.findall(src):
            if SHARED.match(inc):
                owner = SKELETONS.get(inc, "xdp")
                if inc.endswith(".skel.h") and plane_of(rel) != owner:
                    errors.append(f"{rel}: includes {inc}: the BPF skeleton is plane/{owner}'s")
                continue
            if not os.path.exists(os.path.join(root, inc)):
                errors.append(f'{rel}: includes "{inc}": not a header of a layer '
                              f'(write it as "<layer>/<file>.h")')
                continue
            if layer_of(inc) > layer_of(rel):
                errors.append(f"{rel}: includes {inc}: {inc.split('/')[0]} is above "
                              f"{rel.split('/')[0]}")
                continue
            mine, theirs = plane_of(rel), plane_of(inc)
            if mine is not None and theirs and mine != theirs:
                errors.append(f"{rel}: includes {inc}: another plane (reach it through "
                              f"its ops table)")
                continue
            target = os.path.splitext(inc)[0]
            if target != module:
                edges.setdefault(module, set()).add(target)
    errors += circles(edges)
    return errors


def circles(edges):
    """Tarjan's strongly connected components; report those that matter."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 and any(layer_of(m) >= LAYERS.index("plane") or
                                     layer_of(m) == 0 for m in comp):
                out.append("circle: " + " -> ".join(sorted(comp)))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "user")
    errors = check(root)
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
