#!/usr/bin/python3
"""Scale-out benchmark (doc/SCALE.md, "Benchmark"): python3 -m libiv.dask on a LocalCluster
of 2 worker processes against single-process `iv` on the same large CSV log.

    dask_bench.py gen  OUT.csv [--rows 50000000] [--iv build/src/cli/iv]
    dask_bench.py run  LOG.csv [--iv build/src/cli/iv] [--commands metrics,churn,...]
                       [--partitions 16] [--range-size 128M] [--json results.json]

gen writes the log with `iv gen` (contacts chosen for about --rows rows; the generator's
rows are sorted by contact, each contact's by time) and prints the exact row count.

run measures, per command, with the machine's load (`uptime`) beside every figure:
- single-process `iv COMMAND LOG ...`: wall time, CPU time (user + system) and peak RSS
  (/usr/bin/time -v);
- libiv.dask on a fresh LocalCluster(n_workers=2, threads_per_worker=1, processes=True):
  wall time (cluster start excluded, stated separately), peak RSS of each worker process
  (ru_maxrss read on the worker after the run: the workers are new processes for each
  command), its CPU time (user + system, read on the worker) and its split into RssAnon
  (the worker's own memory) and RssFile (mapped pages of the log), sampled from /proc,
  the bytes sent to the client (summary bytes; plus the pickled range facts), and
  whether the printed CSV equals iv's byte for byte.
"""

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from typing import Any, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# command -> (iv argv after the log, libiv.dask run() command, options)
COMMANDS: Dict[str, Any] = {
    "metrics": (["metrics", "--by", "team,month"], "metrics", {"by": "team,month"}),
    "churn": (["churn", "--every", "month"], "churn", {"every": "month"}),
    "retention": (["retention", "--every", "month"], "retention", {"every": "month"}),
    "cohorts": (["cohorts", "--period", "month"], "cohorts", {"period": "month"}),
    "funnel": (["funnel", "--steps", "signup,demo,purchase"], "funnel",
               {"steps": "signup,demo,purchase"}),
    "lifecycle": (["lifecycle", "--period", "month"], "lifecycle", {"period": "month"}),
    "stickiness": (["stickiness"], "stickiness", {}),
    "compare": (["compare", "--metric", "rv", "--a", "channel = web", "--b", "channel = email"],
                "compare", {"metric": "rv", "a": "channel = web", "b": "channel = email"}),
    "norms": (["pattern", "norm"], "norms", {}),
    "clv": (["clv", "fit", "--model", "bgnbd"], "clv", {"model": "bgnbd"}),
}


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def gen(args: argparse.Namespace) -> None:
    # iv gen gives about 23.5 rows per contact (2 years)
    contacts = max(1, int(args.rows / 23.5))
    t = time.time()
    with open(args.out, "wb") as f:
        subprocess.run([args.iv, "gen", "--contacts", str(contacts), "--seed", "19"],
                       stdout=f, check=True)
    with open(args.out, "rb") as f:
        rows = sum(buf.count(b"\n") for buf in iter(lambda: f.read(1 << 24), b"")) - 1
    print(json.dumps({"path": args.out, "contacts": contacts, "rows": rows,
                      "bytes": os.path.getsize(args.out), "seconds": round(time.time() - t, 1),
                      "uptime": uptime()}))


def single(iv: str, log: str, argv: List[str]) -> Dict[str, Any]:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        up = uptime()
        t = time.time()
        p = subprocess.run(["/usr/bin/time", "-v", iv] + argv[:1] + [log] + argv[1:] +
                           ["--format", "csv"], stdout=out, stderr=err)
        wall = time.time() - t
        err.seek(0)
        e = err.read().decode("utf-8", "replace")
        out.seek(0)
        text = out.read().decode("utf-8")
    rss = 0
    cpu = 0.0
    for line in e.splitlines():
        if "Maximum resident set size" in line:
            rss = int(line.split(":")[1]) * 1024
        elif "User time (seconds)" in line or "System time (seconds)" in line:
            cpu += float(line.split(":")[1])
    if p.returncode != 0:
        raise SystemExit("iv failed: %s" % e[-2000:])
    return {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "peak_rss_bytes": rss,
            "uptime_before": up,
            "uptime_after": uptime(), "csv": text}


def _maxrss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _pid() -> int:
    return os.getpid()


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Sampler:
    """Peak RssAnon (the process's own memory) and RssFile (pages of mapped files: the
    log, which iv_ingest_file_range maps; the kernel drops them under pressure) of the
    worker processes, read from /proc every 0.2 s. ru_maxrss counts both."""

    def __init__(self, pids: List[int]) -> None:
        import threading
        self.peak: Dict[int, Dict[str, int]] = {p: {"anon": 0, "file": 0} for p in pids}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self) -> None:
        while not self.stop.wait(0.2):
            for p, pk in self.peak.items():
                try:
                    with open("/proc/%d/status" % p) as f:
                        for line in f:
                            if line.startswith("RssAnon:"):
                                pk["anon"] = max(pk["anon"], int(line.split()[1]) * 1024)
                            elif line.startswith("RssFile:"):
                                pk["file"] = max(pk["file"], int(line.split()[1]) * 1024)
                except OSError:
                    pass

    def done(self) -> List[Dict[str, int]]:
        self.stop.set()
        self.thread.join()
        return list(self.peak.values())


def on_dask(log: str, command: str, options: Dict[str, Any], partitions: int,
            range_size: int) -> Dict[str, Any]:
    from dask.distributed import Client, LocalCluster
    import libiv.dask as ivd
    t0 = time.time()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None, memory_limit=0)
    client = Client(cluster)
    try:
        start_s = time.time() - t0
        sampler = Sampler(list(client.run(_pid).values()))
        up = uptime()
        t = time.time()
        run = ivd.run(client, log, command, options, partitions=partitions,
                      range_size=range_size)
        wall = time.time() - t
        peaks = sampler.done()
        rss = client.run(_maxrss)
        cpu = client.run(_cpu)
        text = run.result.to_string("csv") if hasattr(run.result, "to_string") \
            else str(run.result)
        facts = len(pickle.dumps(run.ranges))
        return {"wall_s": round(wall, 1), "cluster_start_s": round(start_s, 1),
                "worker_peak_rss_bytes": sorted(rss.values()),
                "worker_cpu_s": sorted(round(c, 1) for c in cpu.values()),
                "worker_peak_anon_file_bytes": peaks, "uptime_before": up,
                "uptime_after": uptime(), "summary_bytes": run.summary_bytes,
                "range_facts_bytes": facts, "ranges": len(run.ranges), "reruns": run.reruns,
                "partitions": run.partitions, "rows_read": run.rows_read, "csv": text}
    finally:
        client.close()
        cluster.close()


def bench(args: argparse.Namespace) -> None:
    results = []
    for name in args.commands.split(","):
        argv, command, options = COMMANDS[name]
        one = single(args.iv, args.log, argv)
        dk = on_dask(args.log, command, options, args.partitions, args.range_size)
        same = one.pop("csv") == dk.pop("csv")
        r = {"command": name, "iv": one, "dask": dk, "equal": same}
        print(json.dumps(r), flush=True)
        results.append(r)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    g = sub.add_parser("gen")
    g.add_argument("out")
    g.add_argument("--rows", type=int, default=50_000_000)
    g.add_argument("--iv", default=os.path.join(ROOT, "build", "src", "cli", "iv"))
    r = sub.add_parser("run")
    r.add_argument("log")
    r.add_argument("--iv", default=os.path.join(ROOT, "build", "src", "cli", "iv"))
    r.add_argument("--commands", default="metrics")
    r.add_argument("--partitions", type=int, default=16)
    r.add_argument("--range-size", type=int, default=128 << 20)
    r.add_argument("--json", default=None)
    args = ap.parse_args()
    if args.what == "gen":
        gen(args)
    else:
        bench(args)


if __name__ == "__main__":
    sys.exit(main())
