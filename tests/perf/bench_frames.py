"""Store.from_pandas vs file ingestion of the same rows (doc/PERFORMANCE.md, "DataFrames").

    LIBIV_PATH=build/src/libiv.so PYTHONPATH=bindings/python \
      /usr/bin/python3 tests/perf/bench_frames.py build/src/cli/iv [CONTACTS]

Writes `iv gen --contacts CONTACTS --seed 7` (default 20000) to a temporary CSV, then times,
alternating, best and median of 5 runs each (wall and CPU seconds of this process):
  file         libiv.load(csv)
  frame/text   Store.from_pandas(pd.read_csv(csv)): ts as text, strings as object
  frame/dt64   the same frame with ts as datetime64[ns, UTC] and channel/type categorical
The read_csv itself is not timed (the rows are already in a DataFrame in that use). The
machine's load average is printed before and after (the ratios, CPU ones above all, are
what to compare on a shared machine)."""
import os
import statistics
import subprocess
import sys
import tempfile
import time

import pandas as pd

import libiv


def timed(f):
    w, c = time.perf_counter(), time.process_time()
    s = f()
    w, c = time.perf_counter() - w, time.process_time() - c
    n = s.rows
    s.close()
    return w, c, n


def main():
    iv = sys.argv[1]
    contacts = sys.argv[2] if len(sys.argv) > 2 else "20000"
    print("load average before: %.1f %.1f %.1f on %d CPUs" % (os.getloadavg() + (os.cpu_count(),)))
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "log.csv")
        with open(path, "wb") as f:
            subprocess.run([iv, "gen", "--contacts", contacts, "--seed", "7"], stdout=f, check=True)
        size = os.path.getsize(path)
        df = pd.read_csv(path)
        df2 = df.copy()
        df2["ts"] = pd.to_datetime(df2["ts"], utc=True)
        for c in ("channel", "type"):
            df2[c] = df2[c].astype("category")
        cases = {"file": lambda: libiv.load(path),
                 "frame/text": lambda: libiv.Store.from_pandas(df),
                 "frame/dt64": lambda: libiv.Store.from_pandas(df2)}
        res = {k: [] for k in cases}
        for _ in range(5):
            for k, f in cases.items():
                res[k].append(timed(f))
        rows = res["file"][0][2]
        print("%d rows, %.1f MB CSV, %d columns" % (rows, size / 1e6, len(df.columns)))
        base = statistics.median(r[0] for r in res["file"])
        cbase = statistics.median(r[1] for r in res["file"])
        for k, rs in res.items():
            assert all(r[2] == rows for r in rs), k
            wall = statistics.median(r[0] for r in rs)
            cpu = statistics.median(r[1] for r in rs)
            print("%-11s wall median %.3f s (best %.3f), %.2fx file; CPU median %.3f s "
                  "(best %.3f), %.2fx file" % (k, wall, min(r[0] for r in rs), wall / base, cpu,
                                               min(r[1] for r in rs), cpu / cbase))
    print("load average after: %.1f %.1f %.1f" % os.getloadavg())


if __name__ == "__main__":
    main()
