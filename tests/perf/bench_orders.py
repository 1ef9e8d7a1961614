#!/usr/bin/env python3
"""Row-order benchmarks of doc/PERFORMANCE.md ("Ingestion on any row order").

    tests/perf/bench_orders.py --iv B/src/cli/iv --gen B/tests/perf/gen_orders \
        --duck tests/perf/duck_metrics.mjs --dir /tmp/bench [--pairs 5] [--only metrics,ingest,report,memory]

B is a release build (meson setup B --buildtype=release). DuckDB's Node.js API must be
installed where --duck's directory can import it (npm install @duckdb/node-api there).

1. gen_orders writes the same 5,000,000 rows (200,000 contacts, one year) sorted by
   contact then time, by time, and at random.
2. metrics: for each order, `iv metrics FILE --by channel,type,stage` and
   `node duck_metrics.mjs FILE 2` (DuckDB, 2 threads) alternate, --pairs times; the ratio
   of each pair is libiv's whole-process wall time over DuckDB's query time (Node's
   start-up left out, as the issue measured), and the median of the pairs is reported,
   with both medians, libiv's CPU time and its peak RSS.
3. ingest: `iv ingest RANDOM --threads 1` and `--threads 2` alternate; MB/s = bytes /
   median wall (10^6 bytes).
4. report: `iv report` on a 2.4M-row `iv gen --contacts 101000` log sorted by time.
Every line of output says the load average (uptime) when it was measured. No figure here
is a pass/fail test.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time


def load():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def run(cmd, stdout=subprocess.DEVNULL):
    """Wall s, CPU s (user+sys), peak RSS kB and stdout of one child process."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE)
    out = p.stdout.read() if stdout == subprocess.PIPE else b""
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    err = p.stderr.read()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}): {err.decode(errors='replace')}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, out


def gen(a):
    os.makedirs(a.dir, exist_ok=True)
    prefix = os.path.join(a.dir, "o5m")
    files = {o: f"{prefix}-{o}.csv" for o in ("contact", "time", "random")}
    if not all(os.path.exists(f) for f in files.values()):
        run([a.gen, str(a.rows), str(a.contacts), prefix])
    return files


def metrics(a, files):
    print(f"## iv metrics --by channel,type,stage vs DuckDB 2 threads ({a.pairs} alternating pairs)")
    print("| order | load | libiv wall s (median) | libiv CPU s | DuckDB query s (median) | ratio (median of pairs) | pairs | libiv peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|")
    for order, f in files.items():
        lw, lc, rss, dq, ratios = [], [], [], [], []
        l0 = load()
        for _ in range(a.pairs):
            w, c, m, _ = run([a.iv, "metrics", f, "--by", "channel,type,stage", "--format", "csv"])
            _, _, _, out = run(["node", a.duck, f, "2"], stdout=subprocess.PIPE)
            q = float(out.decode().split('"ms":')[1].rstrip("}\n ")) / 1000
            lw.append(w), lc.append(c), rss.append(m), dq.append(q), ratios.append(w / q)
        print(f"| {order} | {l0} -> {load()} | {statistics.median(lw):.2f} | {statistics.median(lc):.2f} | "
              f"{statistics.median(dq):.2f} | **{statistics.median(ratios):.2f}** | "
              f"{', '.join(f'{r:.2f}' for r in ratios)} | {max(rss) / 1024:.0f} |", flush=True)


def ingest(a, files):
    f = files["random"]
    size = os.path.getsize(f)
    print(f"\n## iv ingest on the random-order file ({size / 1e6:.0f} MB), alternating runs")
    print("| threads | load | wall s (median) | CPU s (median) | MB/s (median wall) | MB/s (best) |")
    print("|---|---|---|---|---|---|")
    res = {1: [], 2: []}
    l0 = load()
    for _ in range(a.pairs):
        for t in (1, 2):
            w, c, _, _ = run([a.iv, "ingest", f, "--threads", str(t)])
            res[t].append((w, c))
    for t in (1, 2):
        w = statistics.median(x[0] for x in res[t])
        c = statistics.median(x[1] for x in res[t])
        best = min(x[0] for x in res[t])
        print(f"| {t} | {l0} -> {load()} | {w:.2f} | {c:.2f} | **{size / 1e6 / w:.0f}** | {size / 1e6 / best:.0f} |")


def report(a):
    path = os.path.join(a.dir, "g2m-time.csv")
    if not os.path.exists(path):
        src = os.path.join(a.dir, "g2m.csv")
        with open(src, "wb") as f:
            subprocess.run([a.iv, "gen", "--contacts", "101000"], stdout=f, check=True)
        with open(src, "rb") as f:
            head = f.readline()
            rows = f.readlines()
        rows.sort(key=lambda r: r.split(b",", 2)[1])
        with open(path, "wb") as f:
            f.write(head)
            f.writelines(rows)
        print(f"(report log: {len(rows)} rows)")
    out = os.path.join(a.dir, "report.html")
    print("\n## iv report on the time-ordered iv gen log")
    print("| load | wall s (median) | CPU s (median) | runs |")
    print("|---|---|---|---|")
    l0 = load()
    r = [run([a.iv, "report", path, "-o", out])[:2] for _ in range(a.pairs)]
    print(f"| {l0} -> {load()} | **{statistics.median(x[0] for x in r):.2f}** | "
          f"{statistics.median(x[1] for x in r):.2f} | {', '.join(f'{x[0]:.2f}' for x in r)} |")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--iv", required=True)
    p.add_argument("--gen", required=True)
    p.add_argument("--duck", required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--pairs", type=int, default=5)
    p.add_argument("--rows", type=int, default=5000000)
    p.add_argument("--contacts", type=int, default=200000)
    p.add_argument("--only", default="metrics,ingest,report")
    a = p.parse_args()
    only = a.only.split(",")
    print(f"machine: {os.cpu_count()} CPUs; load at start {load()}")
    files = gen(a)
    if "metrics" in only:
        metrics(a, files)
    if "ingest" in only:
        ingest(a, files)
    if "report" in only:
        report(a)


if __name__ == "__main__":
    main()
