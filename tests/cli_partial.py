#!/usr/bin/env python3
"""`iv summary make --command COMMAND` (doc/SUMMARIES.md section 10): the sample split by
`iv partition` into 3 and 7 saved stores, one partial per part made with the options of
`iv COMMAND`, merged by `iv summary merge` in two orders: `iv summary show` prints byte
for byte what `iv COMMAND` prints on the whole log (funnel --histogram too; clv: what
`iv clv fit` prints, the penalizer given to show; norm: `iv pattern norm`, the parts
made with --alpha 0 and --t-ref = the log's last timestamp, the default reference time,
which the test reads from the log itself; with the default sketch the same rows and
contacts); wrong commands, mixed merges and damaged files are clear errors.

usage: cli_partial.py IV_EXE LOG WORKDIR
"""

import csv
import os
import sys

from cli_snapshot import run  # (exit status, stdout, stderr) of iv with these arguments

CASES = [
    ("churn", ["--every", "month", "--by", "team"]),
    ("churn", ["--from", "2024-03-01", "--to", "2024-06-01", "--window", "30d"]),
    ("retention", ["--every", "week", "--window", "14d"]),
    ("cohorts", ["--period", "month", "--by", "region"]),
    ("cohorts", ["--start", "signup", "--return", "purchase,repeat"]),
    ("funnel", ["--steps", "visit,signup|demo,purchase", "--window", "30d", "--by", "team"]),
    ("funnel", ["--steps", "visit,purchase", "--mode", "any", "--window", "100h", "--by", "month"]),
    ("lifecycle", ["--period", "week", "--where", "channel = web"]),
    ("stickiness", ["--period", "month", "--by", "team"]),
    ("compare", ["--metric", "rv", "--a", "team = east", "--b", "team = north"]),
    ("compare", ["--metric", "cost", "--a", "channel = web", "--b", "channel = email",
                 "--from", "2024-03-01", "--to", "2024-09-01", "--confidence", "0.9"]),
    ("clv", ["--model", "bgnbd"]),                     # show --penalizer 0.01
    ("clv", ["--model", "pareto", "--unit", "day", "--calibration-end", "2024-10-01"]),
    ("norm", ["--bucket", "14d", "--buckets", "12"]),
    ("norm", ["--align", "calendar", "--origin", "2024-01-01", "--where", "team = east"]),
    ("norm", ["--align", "index", "--buckets", "8", "--from", "2024-02-01", "--to", "2024-11-01"]),
]
# The iv command whose output `show` reproduces, and what make and show add.
IV_COMMAND = {"norm": ["pattern", "norm"], "clv": ["clv", "fit"]}
SHOW_EXTRA = {"clv": ["--penalizer", "0.01"]}


def main():
    iv, log, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    failures = 0

    def fail(msg):
        nonlocal failures
        print("FAIL", msg)
        failures += 1

    parts = {}
    for k in (3, 7):
        prefix = os.path.join(work, "p%d" % k)
        rc, _, err = run(iv, ["partition", log, "--parts", str(k), "-o", prefix, "--format", "csv"])
        if rc != 0:
            fail("iv partition: " + err)
            return 1
        parts[k] = ["%s-%d.ivstore" % (prefix, i) for i in range(k)]
    with open(log, newline="", encoding="utf-8") as f:  # ISO 8601 UTC texts sort as times
        last = max(r["ts"] for r in csv.DictReader(f))
    for n, (cmd, opts) in enumerate(CASES):
        hist = cmd == "funnel"
        show_extra = SHOW_EXTRA.get(cmd, []) if "bgnbd" in opts else []
        make_extra = ["--alpha", "0", "--t-ref", last] if cmd == "norm" else []
        rc, want, err = run(iv, IV_COMMAND.get(cmd, [cmd]) + [log] + opts + show_extra +
                            (["--histogram"] if hist else []) + ["--format", "csv"])
        if rc != 0 or not want.strip():
            fail("iv %s %s: exit %d %s" % (cmd, " ".join(opts), rc, err))
            continue
        for k, stores in parts.items():
            files = []
            for i, s in enumerate(stores):
                out = os.path.join(work, "c%d-k%d-%d.ivprt" % (n, k, i))
                rc, _, err = run(iv, ["summary", "make", "--command", cmd, s, "-o", out] + opts + make_extra)
                if rc != 0:
                    fail("make --command %s on %s: exit %d %s" % (cmd, s, rc, err))
                files.append(out)
                if cmd == "norm":  # the default sketch: a part of the merge below
                    rc, _, err = run(iv, ["summary", "make", "--command", cmd, s, "-o", out + ".sk",
                                          "--t-ref", last] + opts)
                    if rc != 0:
                        fail("make --command norm (sketch) on %s: exit %d %s" % (s, rc, err))
            merged = []
            for order, name in ((files, "fwd"), (files[::-1], "bwd")):
                out = os.path.join(work, "c%d-k%d-%s.ivprt" % (n, k, name))
                rc, _, err = run(iv, ["summary", "merge"] + order + ["-o", out])
                if rc != 0:
                    fail("merge %s: %s" % (cmd, err))
                with open(out, "rb") as f:
                    merged.append(f.read())
            if merged[0] != merged[1]:
                fail("%s k=%d: the merge order changes the bytes" % (cmd, k))
            got = run(iv, ["summary", "show", out, "--format", "csv"] + show_extra)[1]
            if cmd == "norm":  # sketch: the same rows, buckets and contacts as iv
                sk = os.path.join(work, "c%d-k%d-sketch.ivprt" % (n, k))
                rc, _, err = run(iv, ["summary", "merge"] + [f + ".sk" for f in files] + ["-o", sk])
                rows = run(iv, ["summary", "show", sk, "--format", "csv"])[1]
                key = [tuple(r[:2]) for r in csv.reader(rows.splitlines())]
                if rc != 0 or key != [tuple(r[:2]) for r in csv.reader(want.splitlines())]:
                    fail("norm sketch k=%d: buckets or contacts differ: %s" % (k, err))
            if hist:
                got += "\n" + run(iv, ["summary", "show", out, "--histogram", "--format", "csv"])[1]
            if got != want:
                fail("iv summary show (%s %s, k=%d) differs from iv %s" % (cmd, " ".join(opts), k, cmd))
    # errors: an unknown command (usage, 2); partials of different analyses (1); a
    # damaged partial names its file (1); --histogram of a churn partial (1)
    a = os.path.join(work, "c0-k3-0.ivprt")
    b = os.path.join(work, "c5-k3-0.ivprt")
    rc, _, err = run(iv, ["summary", "make", "--command", "paths", parts[3][0], "-o", os.path.join(work, "x")])
    if rc != 2 or "--command must be" not in err:
        fail("--command paths: exit %d %s" % (rc, err))
    rc, _, err = run(iv, ["summary", "merge", a, b, "-o", os.path.join(work, "x.ivprt")])
    if rc != 1 or "do not merge" not in err:
        fail("mixed merge: exit %d %s" % (rc, err))
    with open(a, "rb") as f:
        data = bytearray(f.read())
    data[-1] ^= 1
    bad = os.path.join(work, "bad.ivprt")
    with open(bad, "wb") as f:
        f.write(bytes(data))
    rc, _, err = run(iv, ["summary", "show", bad])
    if rc != 1 or bad not in err or "checksum" not in err:
        fail("damaged partial: exit %d %s" % (rc, err))
    rc, _, err = run(iv, ["summary", "show", a, "--histogram"])
    if rc != 1 or "not a funnel partial" not in err:
        fail("--histogram of churn: exit %d %s" % (rc, err))
    rc, _, err = run(iv, ["summary", "make", "--command", "churn", parts[3][0]])
    if rc != 2 or "-o OUT" not in err:
        fail("make --command without -o: exit %d %s" % (rc, err))
    # norm without a reference time: the part cannot know the log's last timestamp (2);
    # --penalizer is for a clv partial (2)
    rc, _, err = run(iv, ["summary", "make", "--command", "norm", parts[3][0], "-o", os.path.join(work, "y")])
    if rc != 2 or "t_ref" not in err:
        fail("norm without --t-ref: exit %d %s" % (rc, err))
    rc, _, err = run(iv, ["summary", "show", a, "--penalizer", "0.1"])
    if rc != 2 or "clv partial" not in err:
        fail("--penalizer of churn: exit %d %s" % (rc, err))
    print("%d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
