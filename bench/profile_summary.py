"""Summaries for bench/profile: instructions per stage (callgrind), bytes per idle socket
(heaptrack) and CPU/IO per message (/proc). Standard library only.

    profile_summary.py cpu  <callgrind_annotate --inclusive output> <messages delivered>
    profile_summary.py heap <heaptrack peak stacks> <idle sockets>
    profile_summary.py io   <sample before> <sample after> <seconds> <gochat-bench JSON>
    profile_summary.py fsync <directory> <seconds>
"""

import json
import os
import re
import sys
import time

# Stages of the message path in a callgrind profile: (label, substrings of the annotated line
# whose inclusive cost is the stage's; the largest such line counts). Indented labels are part
# of the stage above them.
CPU_STAGES = [
    ("redb writer threads (group commit)", ("gochat_group_commit::write_loop [",)),
    ("  chat store writes (B-tree inserts)", ("services/chat/src/store/redb_store/mod.rs:", "Job>::run")),
    ("  event log writes (B-tree inserts)", ("crates/delivery/src/embedded/mod.rs:", "Job>::run")),
    ("  commits (page writes, fsync, freeing)", ("redb::transactions::WriteTransaction::commit [",)),
    ("async workers (HTTP, WebSocket, gRPC, JSON)", ("multi_thread::worker::run [",)),
    ("  gRPC server side (HTTP/2 stream, chat)", ("hyper::proto::h2::server::H2Stream<", "Future>::poll [")),
    ("  pushing events to sockets", ("gochat_gateway::ws::session::Session::forward [",)),
    ("argon2 (sign-ups and logins, before the load)", ("gochat_auth::password::compute [",)),
]

LINE = re.compile(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$")


def cpu(annotated: str, messages: int) -> None:
    totals = {}
    program = 0
    with open(annotated) as f:
        for raw in f:
            m = LINE.match(raw)
            if not m:
                continue
            cost, what = int(m.group(1).replace(",", "")), m.group(2)
            if what.startswith("PROGRAM TOTALS"):
                program = cost
            for label, parts in CPU_STAGES:
                if all(part in what for part in parts):
                    totals[label] = max(totals.get(label, 0), cost)
    print(f"callgrind: {program / 1e6:,.0f} M instructions in all, {messages:,} messages delivered")
    print(f"{'stage':48} {'M instr':>10} {'k instr/msg':>12}")
    for label, _ in CPU_STAGES:
        cost = totals.get(label)
        if cost is None:
            print(f"{label:48} {'(not seen)':>10}")
            continue
        per = "" if label.startswith("argon2") else f"{cost / messages / 1e3:12,.0f}"
        print(f"{label:48} {cost / 1e6:10,.0f} {per:>12}")


# Allocation sites of an idle socket, matched on the frame nearest the allocation.
HEAP_SITES = [
    ("argon2 working memory (pooled, not per socket)", ("hash_now", "verify_now")),
    ("redb page cache (not per socket)", ("(page_manager.rs)", "(cached_file.rs)", "(btree")),
    ("read buffers (tungstenite's BytesMut)", ("(bytes_mut.rs)",)),
    ("socket halves (BiLock around the WebSocket)", ("(bilock.rs)",)),
    ("epoll registration", ("(registration_set.rs)", "(registration.rs)")),
    ("close signal (watch channel)", ("(watch.rs)",)),
    ("tokio mpsc channels", ("channel<> (chan.rs)", "channel<> (bounded.rs)", "(block.rs)")),
    ("flume queues (outbox, live events)", ("bounded<> (lib.rs)",)),
    ("tasks (their futures)", ("new_task<>",)),
]


def heap(stacks: str, sockets: int) -> None:
    by_site = {}
    with open(stacks) as f:
        for raw in f:
            frames, _, count = raw.rstrip("\n").rpartition(" ")
            if not count.isdigit() or int(count) == 0:
                continue
            site = "other"
            for frame in reversed(frames.split(";")):
                hit = next((label for label, keys in HEAP_SITES if any(k in frame for k in keys)), None)
                if hit:
                    site = hit
                    break
            by_site[site] = by_site.get(site, 0) + int(count)
    shared = {label for label, _ in HEAP_SITES[:2]}
    per_socket = sum(v for k, v in by_site.items() if k not in shared and k != "other")
    other = by_site.get("other", 0)
    print(f"heaptrack, at peak heap with {sockets:,} idle sockets open")
    print(f"{'allocation site':48} {'KiB in all':>11} {'B/socket':>9}")
    for site, size in sorted(by_site.items(), key=lambda kv: -kv[1]):
        each = "" if site in shared else f"{size / sockets:9,.0f}"
        print(f"{site:48} {size / 1024:11,.0f} {each:>9}")
    print(
        f"per socket: {per_socket / sockets:,.0f} B at the named sites, "
        f"{(per_socket + other) / sockets:,.0f} B with everything else (startup included)"
    )


def io(before: str, after: str, seconds: float, bench_json: str) -> None:
    def read(path):
        values = {}
        with open(path) as f:
            for raw in f:
                name, value = raw.rsplit(" ", 1)
                values[name] = values.get(name, 0) + int(value)
        return values

    a, b = read(before), read(after)
    rate = json.load(open(bench_json))["throughput"]["delivered_per_sec"]
    messages = rate * seconds
    print(f"/proc, {seconds:.0f} s of the closed-loop run at {rate:,.0f} delivered msg/s")
    print(f"{'thread':24} {'CPU (cores)':>12} {'us per msg':>11}")
    # Threads by name (several share one, e.g. Tokio's workers and blocking pool), each
    # counted from its own first sample, so a thread that started in the window counts from 0.
    by_name = {}
    for key, ticks in b.items():
        if key.startswith("thread:"):
            name = key[len("thread:"):].rsplit(":", 1)[0]
            by_name[name] = by_name.get(name, 0) + ticks - a.get(key, 0)
    rows = sorted(by_name.items(), key=lambda kv: -kv[1])
    rows.append(("whole process", b["process"] - a["process"]))
    for name, ticks in rows:
        if ticks <= 0:
            continue
        cpu_s = ticks / 100
        print(f"{name:24} {cpu_s / seconds:12.2f} {cpu_s / messages * 1e6:11.0f}")
    written = b["io:write_bytes"] - a["io:write_bytes"]
    writes = b["io:syscw"] - a["io:syscw"]
    print(f"written to disk: {written / messages / 1024:.1f} KiB per message, {writes / messages:.1f} write calls per message")


def fsync(directory: str, seconds: float) -> None:
    """Times write + fdatasync of 44 KiB (what one message costs the embedded stores), as fast
    as the disk allows: the floor under every send's latency, and its stalls."""
    path = os.path.join(directory, "fsync-probe")
    block = os.urandom(44 * 1024)
    times = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        end = time.monotonic() + seconds
        offset = 0
        while time.monotonic() < end and len(times) < 1_000_000:
            start = time.perf_counter()
            os.pwrite(fd, block, offset)
            os.fdatasync(fd)
            times.append((time.perf_counter() - start) * 1000)
            offset = (offset + len(block)) % (64 * 1024 * 1024)
    finally:
        os.close(fd)
        os.unlink(path)
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    slow = sum(1 for t in times if t > 20)
    print(f"write 44 KiB + fdatasync, {len(times):,} times in {seconds:.0f} s:")
    print(f"p50 {pick(0.5):.2f} ms  p99 {pick(0.99):.2f} ms  p99.9 {pick(0.999):.2f} ms  max {times[-1]:.1f} ms  over 20 ms: {slow}")


def main() -> None:
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "cpu":
        cpu(args[0], int(args[1]))
    elif mode == "heap":
        heap(args[0], int(args[1]))
    elif mode == "io":
        io(args[0], args[1], float(args[2]), args[3])
    elif mode == "fsync":
        fsync(args[0], float(args[1]))
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
