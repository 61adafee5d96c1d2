#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Strict check of a Prometheus text exposition (format 0.0.4) on stdin.

Every line is a HELP, a TYPE or a sample; each family has HELP then TYPE
before its samples, once; metric and label names are valid; label values
are escaped (backslash, quote, newline only); no series twice; a counter's
name ends in _total; values are numbers. Then, when python3-prometheus-client
is importable, its parser must read the same families and samples.
Prints the samples as JSON lines {"name", "labels", "value"} on stdout;
exits 1 with the reason on stderr otherwise.
"""
import json
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(rf"^({NAME})(?:\{{({LABEL}(?:,{LABEL})*)?\}})? (\S+)$")
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')


def fail(msg):
    print(f"prom_check: {msg}", file=sys.stderr)
    sys.exit(1)


def unescape(v):
    return re.sub(r"\\([\\\"n])", lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


def main():
    text = sys.stdin.read()
    if not text.endswith("\n"):
        fail("does not end with a newline")
    helps, types, seen, samples = {}, {}, set(), []
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            if name in helps:
                fail(f"line {n}: second HELP for {name}")
            helps[name] = n
        elif line.startswith("# TYPE "):
            parts = line.split(" ")
            if len(parts) != 4 or parts[3] not in ("counter", "gauge", "untyped", "summary", "histogram"):
                fail(f"line {n}: bad TYPE line: {line}")
            if parts[2] not in helps or parts[2] in types:
                fail(f"line {n}: TYPE for {parts[2]} without HELP before it, or twice")
            if parts[3] == "counter" and not parts[2].endswith("_total"):
                fail(f"line {n}: counter {parts[2]} does not end in _total")
            types[parts[2]] = parts[3]
        elif line.startswith("#") or not line:
            fail(f"line {n}: stray line {line!r}")
        else:
            m = SAMPLE.match(line)
            if not m:
                fail(f"line {n}: not a valid sample: {line!r}")
            name, labels, value = m.groups()
            if name not in types:
                fail(f"line {n}: sample of {name} before its TYPE")
            try:
                float(value)
            except ValueError:
                fail(f"line {n}: value {value!r} is not a number")
            lab = {k: unescape(v) for k, v in LABEL_RE.findall(labels or "")}
            key = (name, tuple(sorted(lab.items())))
            if key in seen:
                fail(f"line {n}: series twice: {line}")
            seen.add(key)
            samples.append({"name": name, "labels": lab, "value": float(value)})
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        print("# prometheus_client not importable: own checks only", file=sys.stderr)
    else:
        theirs = [(s.name, tuple(sorted(s.labels.items())), s.value)
                  for f in text_string_to_metric_families(text) for s in f.samples]
        ours = [(s["name"], tuple(sorted(s["labels"].items())), s["value"]) for s in samples]
        if sorted(theirs) != sorted(ours):
            fail("prometheus_client reads different samples")
        print("# prometheus_client's parser agrees", file=sys.stderr)
    for s in samples:
        print(json.dumps(s))


main()
