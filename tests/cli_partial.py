#!/usr/bin/env python3
"""`iv summary make --command COMMAND` (doc/SUMMARIES.md section 10): the sample split by
`iv partition` into 3 and 7 saved stores, one partial per part made with the options of
`iv COMMAND`, merged by `iv summary merge` in two orders: `iv summary show` prints byte
for byte what `iv COMMAND` prints on the whole log (funnel --histogram too); wrong
commands, mixed merges and damaged files are clear errors.

usage: cli_partial.py IV_EXE LOG WORKDIR
"""

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
]


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
    for n, (cmd, opts) in enumerate(CASES):
        hist = cmd == "funnel"
        rc, want, err = run(iv, [cmd, log] + opts + (["--histogram"] if hist else []) + ["--format", "csv"])
        if rc != 0 or not want.strip():
            fail("iv %s %s: exit %d %s" % (cmd, " ".join(opts), rc, err))
            continue
        for k, stores in parts.items():
            files = []
            for i, s in enumerate(stores):
                out = os.path.join(work, "c%d-k%d-%d.ivprt" % (n, k, i))
                rc, _, err = run(iv, ["summary", "make", "--command", cmd, s, "-o", out] + opts)
                if rc != 0:
                    fail("make --command %s on %s: exit %d %s" % (cmd, s, rc, err))
                files.append(out)
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
            got = run(iv, ["summary", "show", out, "--format", "csv"])[1]
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
    print("%d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
