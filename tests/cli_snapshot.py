#!/usr/bin/env python3
"""Every `iv` command gives the same output on a log and on the store saved from it by
`iv ingest LOG --save STORE` (doc/GUIDE.md §3: INPUT is a CSV or JSONL file or a saved store).

usage: cli_snapshot.py IV_EXE LOG WORKDIR
"""

import os
import subprocess
import sys

# (arguments after the command's INPUT) per command; every one prints CSV.
COMMANDS = [
    ("ingest", []),
    ("metrics", ["--by", "team,month"]),
    ("metrics", ["--by", "region,stage", "--where", "channel in (web, email)"]),
    ("metrics", ["--by", "channel", "--drill", "1"]),
    ("contacts", []),
    ("churn", ["--from", "2024-01-01", "--to", "2024-07-01", "--by", "team"]),
    ("retention", ["--from", "2024-01-01", "--to", "2024-07-01"]),
    ("cohorts", ["--period", "month"]),
    ("funnel", ["--steps", "visit,signup,purchase", "--window", "30d"]),
    ("clv", ["--model", "bgnbd", "--unit", "week"], "fit"),
    ("maturity", ["--period", "2024"]),
]


def run(iv, args):
    p = subprocess.run([iv] + args, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def main():
    iv, log, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    store = os.path.join(work, "sample.ivstore")
    rc, out, err = run(iv, ["ingest", log, "--save", store, "--format", "csv"])
    if rc != 0:
        print("iv ingest --save failed:", err)
        return 1
    with open(store, "rb") as f:
        if f.read(8) != b"\x89IVSTO\r\n":
            print("the saved store does not start with the snapshot magic")
            return 1
    failures = 0
    for entry in COMMANDS:
        cmd, extra = entry[0], entry[1]
        sub = [entry[2]] if len(entry) > 2 else []
        outs = []
        for inp in (log, store):
            rc, out, err = run(iv, [cmd] + sub + [inp] + extra + ["--format", "csv"])
            if rc != 0:
                print("FAIL iv %s on %s: exit %d: %s" % (cmd, inp, rc, err.strip()))
                failures += 1
            outs.append(out)
        if outs[0] != outs[1]:
            print("FAIL iv %s %s: output on the log and on the saved store differ"
                  % (cmd, " ".join(extra)))
            failures += 1
        elif not outs[0].strip():
            print("FAIL iv %s: no output" % cmd)
            failures += 1
        else:
            print("ok   iv %s %s %s (%d lines)" % (cmd, " ".join(sub), " ".join(extra),
                                                   outs[0].count("\n")))
    # a corrupted store is a clear error, exit 1, message naming the file
    bad = os.path.join(work, "bad.ivstore")
    with open(store, "rb") as f:
        data = bytearray(f.read())
    data[len(data) // 2] ^= 0x01
    with open(bad, "wb") as f:
        f.write(data)
    rc, out, err = run(iv, ["metrics", bad])
    if rc != 1 or "bad.ivstore" not in err:
        print("FAIL a corrupted store: exit %d, stderr %r" % (rc, err))
        failures += 1
    else:
        print("ok   corrupted store refused:", err.strip())
    # summaries made from the log and from the store are the same bytes
    s1, s2 = os.path.join(work, "a.ivs"), os.path.join(work, "b.ivs")
    for inp, s in ((log, s1), (store, s2)):
        rc, out, err = run(iv, ["summary", "make", inp, "--by", "team", "-o", s])
        if rc != 0:
            print("FAIL iv summary make:", err)
            failures += 1
    if os.path.exists(s1) and os.path.exists(s2):
        with open(s1, "rb") as f1, open(s2, "rb") as f2:
            if f1.read() != f2.read():
                print("FAIL summaries of the log and of the store differ")
                failures += 1
            else:
                print("ok   summary make: same bytes from the log and the store")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
