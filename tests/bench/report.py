# SPDX-License-Identifier: MIT
"""Turn scripts/bench.sh's samples into bench[-quick].json, .md and .png.

usage: report.py SAMPLES.tsv NA.tsv MACHINE.json OUTDIR QUICK(0|1) [NA_METRICS.tsv [OFFLOADS.tsv [SECONDS]]]
SAMPLES: run (pinned|unpinned|control), system, metric, value; NA: scope
(all|pinned|unpinned), system, reason; NA_METRICS: system, metric, reason;
OFFLOADS: system, what ethtool -k said of its tunnel interface.
One table per run (data path pinned, data path unpinned, control plane and
memory). Every cell is the median of the repetitions with (min-max); ratios
compare medians. A system that could not run shows "n/a (reason)".
"""
import json
import os
import statistics
import subprocess
import sys

SYSTEMS = [("raw", "raw veth"), ("wggo", "wireguard-go"), ("wggo-up", "wggo-up"),
           ("wgx-socket", "wg-xdp socket"),
           ("wgx-xdp", "wg-xdp xdp"), ("wgx-xdp-xsk", "wg-xdp xdp --path xsk"),
           ("wgx-xdp-rt", "wg-xdp xdp --realtime"),
           ("kernel", "kernel WireGuard")]
# key, label, unit, higher is better
METRICS = [
    ("tcp_1_gbps", "TCP, 1 stream", "Gbit/s", True),
    ("tcp_4_gbps", "TCP, 4 streams", "Gbit/s", True),
    ("udp_64_kpps", "UDP 64 B payload, received", "kpps", True),
    ("udp_512_kpps", "UDP 512 B payload, received", "kpps", True),
    ("udp_1392_kpps", "UDP 1392 B payload (1420 B packet), received", "kpps", True),
    ("ping_idle_p50_ms", "ping RTT p50, idle", "ms", False),
    ("ping_idle_p99_ms", "ping RTT p99, idle", "ms", False),
    ("ping_loaded_p50_ms", "ping RTT p50, under TCP load", "ms", False),
    ("ping_loaded_p99_ms", "ping RTT p99, under TCP load", "ms", False),
    ("cpu_s_per_gb", "daemon CPU per GB moved (both daemons, TCP 1 stream)", "CPU s/GB", False),
    ("idle_cpu_pct", "daemon CPU when idle (mean of the two)", "% of a CPU", False),
    ("handshake_per_s", "handshake initiations consumed+answered, 1 core (bench_handshake)", "/s", True),
    ("ready_ms", "launch to UAPI answering (`wg-xdp attach` / `wireguard-go`)", "ms", False),
    ("rss_per_peer_10000_b", "RSS per peer, 10k peers", "bytes", False),
    ("rss_total_10000_mb", "RSS total, 10k peers", "MiB", False),
    ("setconf_10000_s", "`wg setconf` of 10k peers (one request)", "s", False),
    ("rss_per_peer_100000_b", "RSS per peer, 100k peers", "bytes", False),
    ("rss_total_100000_mb", "RSS total, 100k peers", "MiB", False),
    ("setconf_100000_s", "`wg setconf` of 100k peers (one request)", "s", False),
    ("rss_per_peer_1000000_b", "RSS per peer, 1M peers (one run)", "bytes", False),
    ("rss_total_1000000_mb", "RSS total, 1M peers (one run)", "MiB", False),
    ("setconf_1000000_s", "`wg setconf` + 9 `wg addconf` of 1M peers (100k per request; one run)", "s", False),
]
NO_DAEMON = {"raw": "no daemon", "kernel": "kernel threads"}
DATA = {"tcp_1_gbps", "tcp_4_gbps", "udp_64_kpps", "udp_512_kpps", "udp_1392_kpps", "ping_idle_p50_ms",
        "ping_idle_p99_ms", "ping_loaded_p50_ms", "ping_loaded_p99_ms", "cpu_s_per_gb", "idle_cpu_pct"}
RUNS = [("pinned", "Data path, pinned (each side's daemon and tools on one CPU, taskset)"),
        ("unpinned", "Data path, unpinned (no taskset; the order of the systems rotated between repetitions)"),
        ("control", "Control plane and memory")]
# ratio columns: each wg-xdp system against each baseline, and upstream against Debian's wireguard-go
SUBJECTS = [("wgx-socket", "socket"), ("wgx-xdp", "xdp"), ("wgx-xdp-xsk", "xdp --path xsk"),
            ("wgx-xdp-rt", "xdp --realtime")]
BASELINES = [("wggo", "wireguard-go"), ("wggo-up", "wggo-up"), ("raw", "raw veth")]


def fmt(v):
    if v == 0 or abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    if abs(v) >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def read_tsv(path, cols):
    rows = []
    if path and os.path.exists(path):
        for line in open(path):
            f = line.rstrip("\n").split("\t", cols - 1)
            if len(f) == cols:
                rows.append(f)
    return rows


def stats(v):
    return {"median": statistics.median(v), "min": min(v), "max": max(v), "n": len(v), "samples": v}


def cell(x):
    return fmt(x["median"]) + (f" ({fmt(x['min'])}–{fmt(x['max'])})" if x["n"] > 1 else "")


def main():
    samples_path, na_path, machine_path, outdir, quick = sys.argv[1:6]
    extra = sys.argv[6:] + [None] * 3
    na_metric = {(s, m): why for s, m, why in read_tsv(extra[0], 3)}  # one figure missing
    offloads = dict(read_tsv(extra[1], 2))
    took = extra[2]
    samples = {}  # run -> system -> metric -> values
    for run, sysname, metric, value in read_tsv(samples_path, 4):
        try:
            samples.setdefault(run, {}).setdefault(sysname, {}).setdefault(metric, []).append(float(value))
        except ValueError:
            pass
    na, na_run = {}, {}  # system -> reason (cannot run at all); (run, system) -> reason
    for scope, s, why in read_tsv(na_path, 3):
        if scope == "all":
            na[s] = why
        else:
            na_run.setdefault((scope, s), why)
    machine = json.load(open(machine_path))

    known = {k for k, _, _, _ in METRICS}
    for m in sorted({m for r in samples.values() for v in r.values() for m in v} - known):  # e.g. --peers 1000
        METRICS.append((m, m, m.rsplit("_", 1)[-1], False))
    units = {k: u for k, _, u, _ in METRICS}
    results = {}
    for s, _ in SYSTEMS:
        if s in na:
            results[s] = {"available": False, "reason": na[s]}
            continue
        if not any(s in r for r in samples.values()) and not any(k[1] == s for k in na_run):
            continue
        results[s] = {"available": True}
        for run, _ in RUNS:
            results[s][run] = {m: stats(v) for m, v in samples.get(run, {}).get(s, {}).items()}
            if (run, s) in na_run:
                results[s].setdefault("unavailable_runs", {})[run] = na_run[(run, s)]
        if s in offloads:
            results[s]["offloads"] = offloads[s]
    for (s, m), why in na_metric.items():
        if results.get(s, {}).get("available"):
            results[s].setdefault("unavailable_metrics", {})[m] = why
    doc = {"machine": machine, "units": units, "systems": results}
    if took:
        doc["seconds"] = int(took)
    base = os.path.join(outdir, "bench-quick" if quick == "1" else "bench")
    with open(base + ".json", "w") as f:
        json.dump(doc, f, indent=1)

    def med(run, s, m):
        r = results.get(s, {})
        return r.get(run, {}).get(m, {}).get("median") if r.get("available") else None

    shown = [(s, l) for s, l in SYSTEMS if s in results]
    ratios = [(a, b, f"{la} ÷ {lb}") for a, la in SUBJECTS if results.get(a, {}).get("available")
              for b, lb in BASELINES if b in results]
    if "wggo" in results and results.get("wggo-up", {}).get("available"):
        ratios.append(("wggo-up", "wggo", "wggo-up ÷ wireguard-go"))
    out = []
    for run, title in RUNS:
        metrics = [x for x in METRICS if (x[0] in DATA) == (run != "control")]
        if not any(med(run, s, k) is not None or (s, k) in na_metric or (run, s) in na_run
                   for s, _ in shown for k, _, _, _ in metrics):
            continue
        hdr = ["metric", "unit"] + [l for _, l in shown] + [t for _, _, t in ratios]
        out += ["", f"### {title}", "", "| " + " | ".join(hdr) + " |", "|" + "---|" * len(hdr)]
        for key, label, unit, _ in metrics:
            if not any(med(run, s, key) is not None or (s, key) in na_metric for s, _ in shown):
                continue
            row = [label, unit]
            for s, _ in shown:
                r = results[s]
                if not r["available"]:
                    row.append(f"n/a ({r['reason']})")
                elif key in r[run]:
                    row.append(cell(r[run][key]))
                elif (s, key) in na_metric:
                    row.append(f"n/a ({na_metric[(s, key)]})")
                elif (run, s) in na_run:
                    row.append(f"n/a ({na_run[(run, s)]})")
                elif s in NO_DAEMON and key.startswith(("cpu_", "idle_", "rss_", "ready", "setconf", "handshake")):
                    row.append(f"— ({NO_DAEMON[s]})")
                else:
                    row.append("—")
            for a, b, _ in ratios:
                x, y = med(run, a, key), med(run, b, key)
                row.append(f"{x / y:.2f}×" if x is not None and y else "—")
            out.append("| " + " | ".join(row) + " |")
    m = machine
    notes = [""] + [f"n/a: {l}: {results[s]['reason']}." for s, l in shown if not results[s]["available"]]
    notes += [f"Offloads of the tunnel interface (ethtool -k), {l}: {results[s]['offloads']}."
              for s, l in shown if results[s].get("offloads")]
    notes += [
        "",
        f"Machine: {m['nproc']} vCPU {m['cpu_model']}, kernel {m['kernel']}, "
        f"{m['mem_total_kb'] // 1024} MiB; {m['date']}; load average at start {' '.join(m['loadavg_at_start'])}.",
        f"{m['wg_xdp']}; {m['wireguard_go']} (Debian); wggo-up: {m.get('wireguard_go_upstream', '?')}; {m['iperf3']}.",
        f"Median of {m['repetitions']} repetition(s), (min–max) when more than one. Pinning: {m['pinning']}.",
        "Two namespaces joined by one veth pair (MTU 1500); tunnels MTU 1420; raw veth has no tunnel "
        "(TSO/GRO on the veth). UDP: iperf3 -u -b 0, packets/s counted by the receiving iperf3. "
        "Ratios are of medians (for times and CPU, lower is better).",
        "Shared VM: other jobs (builds, tests) ran at the same time, so absolute numbers are noisy; "
        "compare systems within this run only.",
    ]
    if took:
        notes.append(f"The whole run took {took} s.")
    with open(base + ".md", "w") as f:
        f.write("\n".join(out[1:] + notes) + "\n")
    print("\n".join(out[1:] + notes))
    plot(results, shown, base)


def plot(results, shown, base):
    groups = [("TCP Gbit/s", ["tcp_1_gbps", "tcp_4_gbps"], ["1 stream", "4 streams"]),
              ("UDP kpps received", ["udp_64_kpps", "udp_512_kpps", "udp_1392_kpps"], ["64 B", "512 B", "1392 B"]),
              ("ping RTT ms (log scale)", ["ping_idle_p50_ms", "ping_idle_p99_ms", "ping_loaded_p50_ms", "ping_loaded_p99_ms"],
               ["idle p50", "idle p99", "load p50", "load p99"]),
              ("daemon CPU s per GB", ["cpu_s_per_gb"], ["TCP 1 stream"])]
    avail = [(s, l) for s, l in shown if results[s]["available"]]
    if not any(k in results[s]["pinned"] for s, _ in avail for _, ks, _ in groups for k in ks):
        return  # --no-data: nothing to draw
    script = [f'set terminal pngcairo size 1400,900 font ",10"', f'set output "{base}.png"',
              'set multiplot layout 2,2 title "wg-xdp bench, pinned (median, bars: min-max)"',
              'set style data histogram', 'set style histogram errorbars gap 1 lw 1',
              'set style fill solid 0.8 border -1', 'set key top right', 'set grid ytics', 'set yrange [0:*]']
    for i, (title, keys, names) in enumerate(groups):
        dat = f"{base}.plot{i}.dat"
        with open(dat, "w") as f:
            for k, n in zip(keys, names):
                cells = []
                for s, _ in avail:
                    x = results[s]["pinned"].get(k)
                    cells.append(f"{x['median']} {x['min']} {x['max']}" if x else "0 0 0")
                f.write(f'"{n}" ' + " ".join(cells) + "\n")
        cols = ", ".join(f"'{dat}' using {2 + 3 * j}:{3 + 3 * j}:{4 + 3 * j}:xtic(1) title '{l}'"
                         for j, (_, l) in enumerate(avail))
        log = ["set logscale y", "set yrange [*:*]"] if "ms" in title else ["unset logscale y", "set yrange [0:*]"]
        script += log + [f'set title "{title}"', f"plot {cols}"]
    script.append("unset multiplot")
    try:
        subprocess.run(["gnuplot"], input="\n".join(script), text=True, check=True)
    except OSError:
        print("bench: no plot: gnuplot not installed (apt-get install gnuplot-nox)", file=sys.stderr)
    except subprocess.CalledProcessError:
        print("bench: no plot: gnuplot failed (no data to plot?)", file=sys.stderr)
    finally:
        for i in range(len(groups)):
            try:
                os.unlink(f"{base}.plot{i}.dat")
            except OSError:
                pass


if __name__ == "__main__":
    main()
