#!/usr/bin/env python3
"""Turns bench/run's JSON results into the Markdown tables of docs/benchmarks.md and the
latency-vs-load plot.

    bench/report.py RESULTS_DIR [PLOT.png]

Prints Markdown on stdout. The plot needs matplotlib (Debian: python3-matplotlib); without a
PLOT argument none is drawn.
"""
import json
import sys
from pathlib import Path

PAIRS = [
    ("gochat-local.json", "centrifugo-memory.json"),
    ("gochat-cluster.json", "centrifugo-redis.json"),
]


def load(directory, name):
    path = directory / name
    return json.loads(path.read_text()) if path.exists() else None


def half_rate_point(report):
    """The latency run offered at half the measured maximum (the one closest to it)."""
    top = report["throughput"]["delivered_per_sec"]
    points = report["latency"]
    return min(points, key=lambda p: abs(p["rate"] - top / 2)) if points else None


def throughput_table(reports):
    rows = ["| run | delivered msg/s | senders | sent | received | lost | duplicated | errors |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in reports:
        t = r["throughput"]
        rows.append(f"| {r['label']} | {t['delivered_per_sec']:.0f} | {t['senders']} | {t['sent']} | "
                    f"{t['received']} | {t['lost']} | {t['duplicated']} | {t['errors']} |")
    return "\n".join(rows)


def latency_table(reports):
    rows = ["| run | offered msg/s | delivered | refused | lost | p50 ms | p90 ms | p99 ms | max ms |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in reports:
        for p in r["latency"]:
            l = p["latency"]
            rows.append(f"| {r['label']} | {p['rate']:.0f} | {p['received']} | {p.get('refused', 0)} | {p['lost']} | "
                        f"{l['p50_ms']:.2f} | {l['p90_ms']:.2f} | {l['p99_ms']:.2f} | {l['max_ms']:.2f} |")
    return "\n".join(rows)


def overload_table(reports):
    rows = ["| run | offered msg/s (× max) | sent | accepted | refused | unanswered | lost | accepted p50 ms | accepted p99 ms | error frames |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in reports:
        o = r.get("overload")
        if o:
            top = max(r["throughput"]["delivered_per_sec"], 1e-9)
            errors = ", ".join(f"{code} {n}" for code, n in o["errors"].items()) or "none"
            l = o["accepted_latency"]
            rows.append(f"| {r['label']} | {o['rate']:.0f} ({o['rate'] / top:.1f}×) | {o['sent']} | {o['accepted']} | "
                        f"{o['refused']} | {o['unanswered']} | {o['lost']} | {l['p50_ms']:.2f} | {l['p99_ms']:.2f} | {errors} |")
    return "\n".join(rows)


def idle_table(reports):
    rows = ["| run | sockets open | server RSS before (MiB) | after (MiB) | KiB per socket | closed while idle |",
            "|---|---:|---:|---:|---:|---:|"]
    for r in reports:
        i = r.get("idle")
        if i:
            rows.append(f"| {r['label']} | {i['opened']}/{i['sockets']} | {i['rss_before_kib'] / 1024:.1f} | "
                        f"{i['rss_after_kib'] / 1024:.1f} | {i['kib_per_socket']:.2f} | {i['closed_early']} |")
    return "\n".join(rows)


def ratio_table(directory):
    rows = ["| pair | delivered msg/s (gochat ÷ Centrifugo) | p99 at half load (gochat ÷ Centrifugo) | KiB per idle socket (gochat ÷ Centrifugo) |",
            "|---|---:|---:|---:|"]
    for ours, theirs in PAIRS:
        a, b = load(directory, ours), load(directory, theirs)
        if not (a and b):
            continue
        tput = a["throughput"]["delivered_per_sec"] / max(b["throughput"]["delivered_per_sec"], 1e-9)
        pa, pb = half_rate_point(a), half_rate_point(b)
        p99 = pa["latency"]["p99_ms"] / max(pb["latency"]["p99_ms"], 1e-9) if pa and pb else float("nan")
        ia, ib = a.get("idle"), b.get("idle")
        mem = ia["kib_per_socket"] / max(ib["kib_per_socket"], 1e-9) if ia and ib else float("nan")
        rows.append(f"| {a['label']} / {b['label']} | {tput:.2f} | {p99:.2f} | {mem:.2f} |")
    return "\n".join(rows)


def operator_table(op):
    s = op["single"]
    rss = op.get("operator_rss_kib")
    return "\n".join([
        "| ChatClusters | create → children present | operator RSS |",
        "|---|---|---:|",
        f"| {op['singles']}, one at a time | p50 {s['p50_ms']:.0f} ms, p90 {s['p90_ms']:.0f} ms, max {s['max_ms']:.0f} ms | |",
        f"| {op['batch']} at once | {op['batch_seconds']:.2f} s for all | {rss / 1024:.1f} MiB |" if rss else
        f"| {op['batch']} at once | {op['batch_seconds']:.2f} s for all | ? |",
    ])


def pods_table(pods):
    return "\n".join([
        "| ChatCluster applied → every pod Ready and the gateway answering | p50 | min | max |",
        "|---|---:|---:|---:|",
        f"| {pods['runs']} runs, real pods on tests/node (a new namespace and keyspace each) | "
        f"{pods['p50_ms'] / 1000:.1f} s | {pods['min_ms'] / 1000:.1f} s | {pods['max_ms'] / 1000:.1f} s |",
    ])


def plot(reports, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 5))
    for r in reports:
        rates = [p["rate"] for p in r["latency"]]
        line, = ax.plot(rates, [p["latency"]["p99_ms"] for p in r["latency"]], marker="o", label=f"{r['label']} p99")
        ax.plot(rates, [p["latency"]["p50_ms"] for p in r["latency"]], marker=".", linestyle="--",
                color=line.get_color(), label=f"{r['label']} p50")
    ax.set_xlabel("offered messages per second (open loop)")
    ax.set_ylabel("send → receive latency (ms)")
    ax.set_yscale("log")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title("Latency vs load, 2-core machine")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        sys.exit(64)
    directory = Path(sys.argv[1])
    names = ["gochat-local.json", "centrifugo-memory.json", "gochat-cluster.json", "centrifugo-redis.json"]
    reports = [r for r in (load(directory, n) for n in names) if r]
    print("### Throughput (closed loop)\n")
    print(throughput_table(reports))
    print("\n### Latency at fixed offered rates (open loop)\n")
    print(latency_table(reports))
    if any(r.get("overload") for r in reports):
        print("\n### Overload (open loop above the maximum, 10 s)\n")
        print(overload_table(reports))
    print("\n### Idle authenticated sockets\n")
    print(idle_table(reports))
    print("\n### gochat ÷ Centrifugo\n")
    print(ratio_table(directory))
    op = load(directory, "operator.json")
    if op:
        print("\n### Operator\n")
        print(operator_table(op))
    pods = load(directory, "pods.json")
    if pods:
        print("\n### Operator, real pods\n")
        print(pods_table(pods))
    if len(sys.argv) == 3:
        plot(reports, sys.argv[2])


if __name__ == "__main__":
    main()
