"""Scale-out on Dask distributed (doc/SCALE.md): workers read record-aligned byte ranges
of the log themselves, route rows by the partition hash, and send only summaries to the
client; the merged results equal the single-process ones. Also: shard boundaries inside
quoted fields with embedded newlines (and a quoted field that fools the record-start
rule), globs and several files, JSON Lines, source options applied on the workers, bad
rows (strict and lenient), a worker killed mid task, `python3 -m libiv.dask` printing
exactly what `iv` prints, and the partition hash (Python = C = published FNV-1a)."""

import csv
import io
import itertools
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import unittest

import libiv
import libiv.dask as ivd
from libiv.shards import append_store, find_record, ingest_range, split_store
from libiv.summary import Summary, partition_of, partition_of_c

from support import ROOT, SAMPLE, run_iv

RANGE = 150_000  # bytes per range on the sample (2.8 MB): 19 ranges
ENV = dict(os.environ)


def _rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        return next(r), list(r)


def _write(path, header, rows, delimiter=","):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=delimiter, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


# The analyses of doc/SCALE.md that run through the cluster, each with the options of
# its Store method (the expected value is the Store method on the whole log).
# The Store method of each command (libiv.summary.Partial.make takes its keywords).
METHOD = {"norms": "norm", "clv": "clv_fit"}


def _single(store, command, options):
    if command == "funnel_histogram":
        from libiv.lifecycle import funnel_histogram
        return funnel_histogram(store, **options)
    return getattr(store, METHOD.get(command, command))(**options)


def _q7(v, p):
    """Type-7 quantile of sorted v and the two order statistics it interpolates."""
    h = (len(v) - 1) * p
    j = int(math.floor(h))
    lo, hi = v[j], v[min(j + 1, len(v) - 1)]
    return lo + (h - j) * (hi - lo), lo, hi


def _within_norm_bound(tc, got, traj, alpha, msg):
    """doc/SUMMARIES.md section 10: contacts exact; each quantile within alpha times the
    larger magnitude of its two order statistics; MAD within alpha (MAD + |median|) + the
    median's bound (+ 1e-9 for values counted as zero, 1e-12 relative for rounding)."""
    cols = [c for c in traj.columns if c.startswith("b")]
    tc.assertEqual(len(got), len(cols), msg)
    for b, col in enumerate(cols):
        v = sorted(x for x in traj.column(col) if x is not None and x == x)
        row = got.row(b)
        tc.assertEqual(row["contacts"], len(v), msg)
        if not v:
            tc.assertIsNone(row["median"], msg)
            continue
        med, mlo, mhi = _q7(v, 0.5)
        for name, p in (("median", 0.5), ("p10", 0.1), ("p25", 0.25), ("p75", 0.75),
                        ("p90", 0.9)):
            w, lo, hi = _q7(v, p)
            bound = alpha * max(abs(lo), abs(hi)) + 1e-9 + 1e-12 * abs(w)
            tc.assertLessEqual(abs(row[name] - w), bound, (msg, b + 1, name))
        mad = _q7(sorted(abs(x - med) for x in v), 0.5)[0]
        bound = alpha * (mad + abs(med)) + alpha * max(abs(mlo), abs(mhi)) + 3e-9 + \
            1e-12 * (mad + abs(med))
        tc.assertLessEqual(abs(row["mad"] - mad), bound, (msg, b + 1, "mad"))


CASES = [
    ("metrics", {"by": "team,month"}),
    ("metrics", {"by": "channel", "where": "not has churn"}),
    ("metrics", {}),
    ("metrics", {"by": "region,stage", "start": "2024-03-01", "end": "2024-09-01"}),
    ("metrics", {"by": "type,outcome"}),
    ("churn", {}),
    ("churn", {"every": "month", "by": "team"}),
    ("retention", {"window": "60d", "by": "region"}),
    ("cohorts", {"period": "week"}),
    ("lifecycle", {"period": "month", "by": "variant"}),
    ("stickiness", {"period": "week"}),
    ("funnel", {"steps": "signup,demo|trial,purchase", "by": "region"}),
    ("funnel", {"steps": "visit,download,purchase", "mode": "strict", "window": "14d"}),
    ("funnel_histogram", {"steps": "visit,download,purchase", "mode": "strict",
                          "window": "14d"}),
    ("compare", {"metric": "cost", "a": "team = east", "b": "team = south",
                 "where": "not has churn", "start": "2024-03-01", "end": "2024-09-01",
                 "confidence": 0.9}),
]


class Cluster(unittest.TestCase):
    """One in-process LocalCluster (2 workers, threads, TCP so that a subprocess can
    connect to it) for the whole class."""

    @classmethod
    def setUpClass(cls):
        from dask.distributed import Client, LocalCluster
        cls.cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                   protocol="tcp://", dashboard_address=None)
        cls.client = Client(cls.cluster)
        cls.tmp = tempfile.TemporaryDirectory()
        header, rows = _rows(SAMPLE)
        cls.header, cls.rows = header, rows
        # every contact's rows spread over every range: the sample sorted by time
        cls.spread = os.path.join(cls.tmp.name, "spread.csv")
        _write(cls.spread, header, sorted(rows, key=lambda r: (r[1], r[0])))

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.cluster.close()
        cls.tmp.cleanup()

    def same_as_single(self, paths, command, options, want_store=None, **kw):
        run = ivd.run(self.client, paths, command, options, **kw)
        if want_store is None:
            want_store = libiv.load(paths)
        with want_store as st:
            want = _single(st, command, dict(options))
            self.assertEqual(run.rows_accepted, st.rows)
        self.assertEqual(run.result.to_csv(), want.to_csv(), (command, options))
        return run


class Analyses(Cluster):
    def test_every_case_on_the_sample(self):
        for command, options in CASES:
            run = self.same_as_single(SAMPLE, command, options, range_size=RANGE, partitions=3)
            self.assertGreater(len(run.ranges), 10)

    def test_every_case_on_a_log_spread_over_every_shard(self):
        # each of the 4 partitions gets rows from each of the ranges
        for command, options in CASES:
            run = self.same_as_single(self.spread, command, options, range_size=RANGE,
                                      partitions=4)
        parts = set()
        for r in run.ranges:
            self.assertEqual(len(r["parts"]), 4, r)
            parts.update(r["parts"])
        self.assertEqual(parts, {0, 1, 2, 3})

    def test_a_command_without_its_partial_stops_before_any_task(self):
        # a libiv whose Partial lacks the command: NotImplementedError before any task
        # runs (the input does not exist, so a task that ran would raise another error)
        from unittest import mock
        from libiv.summary import Partial
        missing = os.path.join(self.tmp.name, "no-such-log.csv")
        with mock.patch.object(Partial, "COMMANDS", ("metrics",)):
            with self.assertRaises(NotImplementedError) as cm:
                ivd.run(self.client, missing, "churn", {})
        self.assertIn("churn", str(cm.exception))
        with self.assertRaises(ValueError):
            ivd.run(self.client, missing, "churn", {}, histogram=True)
        with self.assertRaises(FileNotFoundError):
            ivd.run(self.client, missing, "churn", {})

    def test_clv_fit_equals_the_single_process_fit(self):
        # the merged fit inputs give CLV.fit_store's fit bit for bit (parameters, standard
        # errors, loglik, customers), on the sample and on the log spread over every shard
        from libiv.clv import CLV
        # (each case on one of the two logs, to keep the test's time down)
        cases = {SAMPLE: [{"model": "bgnbd"}, {"model": "bgbb", "calibration_end": "2024-10-01"},
                          {"model": "sbg", "penalizer": 0.001}],
                 self.spread: [{"model": "pareto", "unit": "day", "penalizer": 0.001},
                               {"model": "gg"}, {"model": "bgnbd", "penalizer": 0.1}]}
        for path, parts in ((SAMPLE, 3), (self.spread, 4)):
            with libiv.load(path) as st:
                for opts in cases[path]:
                    want = CLV.fit_store(st, **opts).params_table().to_csv()
                    run = ivd.run(self.client, path, "clv", opts, range_size=RANGE,
                                  partitions=parts)
                    self.assertEqual(run.result.params_table().to_csv(), want, (path, opts))
                    self.assertEqual(run.rows_accepted, st.rows)

    def test_pattern_norm_equals_the_single_process_norm(self):
        # alpha 0: iv pattern norm's table byte for byte; the default sketch (alpha 0.01):
        # contacts exact, quantiles and MAD within doc/SUMMARIES.md's bounds against the
        # order statistics of the whole log's trajectories. The defaults that depend on
        # the whole log (reference time, calendar origin) come from the ranges' first and
        # last timestamps.
        cases = [{}, {"where": "team = east", "bucket": "30d", "buckets": 8},
                 {"align": "calendar", "bucket": "14d", "buckets": 20},
                 {"align": "index", "buckets": 10, "start": "2024-02-01"}]
        for path, parts in ((SAMPLE, 3), (self.spread, 4)):
            with libiv.load(path) as st:
                for opts in cases:
                    want = st.norm(**opts)
                    exact = ivd.run(self.client, path, "norms", dict(opts, alpha=0),
                                    range_size=RANGE, partitions=parts)
                    self.assertEqual(exact.result.to_csv(), want.to_csv(), (path, opts))
                    got = ivd.pattern_norm(self.client, path, range_size=RANGE,
                                           partitions=parts, **opts)
                    _within_norm_bound(self, got, st.trajectories(**opts), 0.01, (path, opts))

    def test_funnel_and_its_histogram_from_one_pass(self):
        opts = {"steps": "signup,demo|trial,purchase", "window": "30d", "by": "team"}
        run = ivd.run(self.client, self.spread, "funnel", opts, histogram=True,
                      range_size=RANGE, partitions=4)
        from libiv.lifecycle import funnel_histogram
        with libiv.load(self.spread) as st:
            self.assertEqual(run.result.to_csv(), st.funnel(**opts).to_csv())
            self.assertEqual(run.histogram.to_csv(), funnel_histogram(st, **opts).to_csv())

    def test_metrics_equal_the_iv_tool(self):
        t = ivd.metrics(self.client, SAMPLE, by="team,month", range_size=RANGE)
        rc, out, err = run_iv("metrics", SAMPLE, "--by", "team,month", "--format", "csv")
        self.assertEqual(rc, 0, err)
        self.assertEqual(t.to_csv(), out)

    def test_partition_counts_do_not_change_a_byte(self):
        ref = None
        for n in (1, 2, 5, 16):
            got = ivd.metrics(self.client, self.spread, by="channel,month", partitions=n,
                              range_size=400_000).to_csv()
            ref = ref or got
            self.assertEqual(got, ref, "partitions %d" % n)

    def test_only_summaries_reach_the_client(self):
        run = ivd.run(self.client, SAMPLE, "metrics", {"by": "team"}, range_size=RANGE,
                      partitions=3)
        self.assertEqual(run.partitions, 3)
        self.assertGreater(run.summary_bytes, 0)
        # three summaries of a few groups: far less than the 2.8 MB log
        self.assertLess(run.summary_bytes, os.path.getsize(SAMPLE) // 2)


class Reading(Cluster):
    def test_ranges_read_every_record_once(self):
        size = os.path.getsize(SAMPLE)
        bounds = list(range(0, size, 99_991)) + [size]
        total = 0
        ends = []
        for a, b in zip(bounds, bounds[1:]):
            st, info = ingest_range(SAMPLE, a, b)
            with st:
                total += len(st)
            if info.start < b:
                ends.append((info.start, info.end))
        self.assertEqual(total, len(self.rows))
        for (s0, e0), (s1, e1) in zip(ends, ends[1:]):
            self.assertEqual(e0, s1)
        self.assertEqual(ends[-1][1], size)

    def test_find_record_on_the_sample(self):
        # the header is 96 bytes; the first records' lengths are known from the file
        with open(SAMPLE, "rb") as f:
            data = f.read()
        first = data.index(b"\n") + 1
        second = data.index(b"\n", first) + 1
        self.assertEqual(find_record(SAMPLE, 0), first)
        self.assertEqual(find_record(SAMPLE, first), first)
        self.assertEqual(find_record(SAMPLE, first + 1), second)
        self.assertEqual(find_record(SAMPLE, len(data)), len(data))

    def quoted_log(self, fool=False):
        """A log whose `note` column holds quoted text with embedded newlines (and
        commas and doubled quotes); with fool, some notes hold whole lines that are
        well-formed records themselves."""
        header = ["contact", "ts", "channel", "type", "value", "note"]
        rows = []
        for i in range(600):
            note = "line one of %d\nsecond, with \"\"quotes\"\"\n\nend" % i
            if fool and i % 7 == 0:
                note = "\n".join("X%03d,2024-01-0%dT00:00:00Z,web,visit,1,plain" % (j, 1 + j % 9)
                                 for j in range(8)) + "\n"
            rows.append(["C%03d" % (i % 37), "2024-%02d-%02dT%02d:00:00Z" % (
                1 + i % 12, 1 + i % 28, i % 24), ("web", "email", "phone")[i % 3],
                ("visit", "purchase", "call")[i % 3], "%d.25" % i, note])
        path = os.path.join(self.tmp.name, "quoted%s.csv" % ("-fool" if fool else ""))
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
            w.writerow(header)
            w.writerows(rows)
        return path

    def test_boundaries_inside_quoted_fields(self):
        path = self.quoted_log()
        with open(path, "rb") as f:
            data = f.read()
        # range sizes whose boundaries fall inside the notes (between their newlines)
        for size in (97, 256, 1000, 4099):
            inside = 0
            for b in range(size, len(data), size):
                # inside a quoted field: an odd number of quotes before b on its record
                rec_start = data.rfind(b"\n\"", 0, b)
                inside += data.count(b'"', 0, b) % 2
            self.assertGreater(inside, 0, size)
            run = self.same_as_single(path, "metrics", {"by": "channel,note"}, range_size=size,
                                      partitions=3)
            self.assertEqual(run.rows_read, 600)

    def test_a_quoted_field_that_fools_the_record_rule_is_read_again(self):
        path = self.quoted_log(fool=True)
        reruns = 0
        for size in (300, 1100):
            run = self.same_as_single(path, "metrics", {"by": "channel"}, range_size=size,
                                      partitions=2)
            self.assertEqual(run.rows_read, 600)
            reruns += run.reruns
        self.assertGreater(reruns, 0)

    def test_globs_and_several_files(self):
        d = os.path.join(self.tmp.name, "many")
        os.makedirs(d, exist_ok=True)
        n = len(self.rows)
        cuts = [0, n // 3, n // 2, n]
        for k, (a, b) in enumerate(zip(cuts, cuts[1:])):
            _write(os.path.join(d, "log-%d.csv" % k), self.header, self.rows[a:b])
        pattern = os.path.join(d, "log-*.csv")
        files = [os.path.join(d, "log-%d.csv" % k) for k in range(3)]
        for paths in ([pattern], files, [files[0], os.path.join(d, "log-[12].csv")]):
            self.same_as_single(paths, "metrics", {"by": "team,month"}, range_size=RANGE,
                                want_store=libiv.load(files))
        with self.assertRaises(FileNotFoundError):
            ivd.metrics(self.client, os.path.join(d, "nothing-*.csv"))

    def test_jsonl(self):
        path = os.path.join(self.tmp.name, "spread.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for r in sorted(self.rows, key=lambda r: (r[1], r[0]))[:8000]:
                obj = {k: v for k, v in zip(self.header, r) if v != ""}
                for k in ("cost", "value", "score", "rv"):
                    if k in obj:
                        obj[k] = float(obj[k])
                f.write(json.dumps(obj) + "\n")
        run = self.same_as_single(path, "metrics", {"by": "team,channel"}, range_size=50_000,
                                  partitions=3)
        self.assertGreater(len(run.ranges), 10)

    def test_source_options_apply_on_the_workers(self):
        # ';' delimiter, renamed columns, a day-first time format, a timezone
        path = os.path.join(self.tmp.name, "semi.csv")
        names = {"contact": "Customer", "ts": "When", "channel": "Via"}
        header = [names.get(h, h) for h in self.header]
        rows = []
        for r in sorted(self.rows, key=lambda r: r[1])[:9000]:
            r = list(r)
            y, m, d = r[1][0:4], r[1][5:7], r[1][8:10]
            r[1] = "%s/%s/%s %s" % (d, m, y, r[1][11:19])
            rows.append(r)
        _write(path, header, rows, delimiter=";")
        source = {"delimiter": ";", "map": "Customer=contact,When=ts,Via=channel",
                  "time_format": "%d/%m/%Y %H:%M:%S", "timezone": "Asia/Tokyo"}
        want = libiv.load(path, **source)
        run = self.same_as_single(path, "metrics", {"by": "channel,month"}, want_store=want,
                                  range_size=40_000, partitions=3, source=source)
        self.assertEqual(run.rows_accepted, 9000)

    def test_bad_rows(self):
        path = os.path.join(self.tmp.name, "bad.csv")
        rows = [list(r) for r in self.rows[:6000]]
        rows[4321][1] = "not a time"
        rows[5000][0] = ""
        _write(path, self.header, rows)
        with self.assertRaises(libiv.ParseError) as cm:
            libiv.load(path)
        self.assertIn("line 4323", str(cm.exception))  # 1 header line + 4322nd record
        with self.assertRaises(libiv.ParseError) as got:
            ivd.metrics(self.client, path, range_size=30_000)
        # the bad row lies in a later range, whose lines count from its first record
        # (the prefix is not read): the message names the file, the row's byte offset,
        # its line in the range and the range's offset (include/iv/ingest.h)
        with open(path, "rb") as f:
            data = f.read()
        lines = data.split(b"\n")
        bad = sum(len(x) + 1 for x in lines[:4322])  # where line 4323 starts
        self.assertIn(b"not a time", lines[4322])
        msg = str(got.exception)
        m = re.match(r"(.*): byte offset (\d+), line (\d+) of the range from byte offset "
                     r"(\d+), column 2 \(ts\): ", msg)
        self.assertIsNotNone(m, msg)
        assert m is not None
        self.assertEqual(m.group(1), path)
        self.assertEqual(int(m.group(2)), bad)
        b = int(m.group(4))
        self.assertLessEqual(b, bad)
        self.assertEqual(data[b - 1:b], b"\n")
        self.assertEqual(int(m.group(3)), 4323 - data[:b].count(b"\n"))
        # the rest of the message is the one-process one
        self.assertEqual(msg[m.end():], str(cm.exception).split(", column 2 (ts): ", 1)[1])
        run = self.same_as_single(path, "metrics", {"by": "team"},
                                  want_store=libiv.load(path, lenient=True), range_size=30_000,
                                  lenient=True)
        self.assertEqual((run.rows_read, run.rows_rejected), (6000, 2))

    def test_saved_stores_as_inputs(self):
        with libiv.load(SAMPLE) as st:
            pieces = split_store(st, 2)
        paths = []
        for k, p in enumerate(pieces):
            fp = os.path.join(self.tmp.name, "piece-%d.ivstore" % k)
            p.save(fp)
            p.close()
            paths.append(fp)
        self.same_as_single(paths, "metrics", {"by": "team,month"},
                            want_store=libiv.load(SAMPLE))

    def test_split_and_append_round_trip(self):
        with libiv.load(SAMPLE) as st:
            pieces = split_store(st, 3)
            for k, p in enumerate(pieces):
                for row in p:
                    self.assertEqual(partition_of(row["contact"], 3), k)
            back = libiv.Store()
            for p in pieces:
                append_store(back, p)
                p.close()
            with back:
                self.assertEqual(len(back), len(st))
                self.assertEqual(back.contacts, st.contacts)
                self.assertEqual(back.metrics(by="team,region").to_csv(),
                                 st.metrics(by="team,region").to_csv())


class CommandLine(Cluster):
    def dask(self, *args, scheduler=True):
        env = dict(ENV)
        cmd = [sys.executable, "-m", "libiv.dask"] + [str(a) for a in args]
        if scheduler:
            cmd += ["--scheduler", self.cluster.scheduler_address]
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
        return p.returncode, p.stdout, p.stderr

    def test_output_is_ivs_in_every_format(self):
        for fmt in ("table", "csv", "json"):
            args = ["metrics", self.spread, "--by", "team,month", "--where", "channel in (web, app)",
                    "--format", fmt]
            rc, out, err = self.dask(*args, "--range-size", "200k", "--partitions", "3")
            self.assertEqual(rc, 0, err)
            rc2, want, err2 = run_iv(*args)
            self.assertEqual(rc2, 0, err2)
            self.assertEqual(out, want, fmt)

    def test_clv_fit_funnel_histogram_and_compare_print_what_iv_prints(self):
        # every format for the funnel with its histogram (two tables), one each for the rest
        runs = [["funnel", self.spread, "--steps", "signup,demo|trial,purchase", "--by",
                 "region", "--histogram", "--format", fmt] for fmt in ("table", "csv", "json")]
        runs += [["clv", "fit", self.spread, "--model", "bgnbd", "--penalizer", "0.05",
                  "--format", "table"],
                 ["compare", self.spread, "--metric", "rv", "--a", "channel = web", "--b",
                  "channel = email", "--from", "2024-02-01", "--format", "json"]]
        for args in runs:
            rc, out, err = self.dask(*args, "--range-size", "200k", "--partitions", "3")
            self.assertEqual(rc, 0, err)
            rc2, want, err2 = run_iv(*args)
            self.assertEqual(rc2, 0, err2)
            self.assertEqual(out, want, (args[0], args[-1]))

    def test_pattern_norm_prints_what_iv_prints(self):
        # --alpha 0 keeps exact values: iv pattern norm's output byte for byte; the default
        # sketch: the same table shape and contacts
        for args in (["pattern", "norm", self.spread, "--bucket", "14d", "--buckets", "12",
                      "--format", "csv"],
                     ["pattern", "norm", SAMPLE, "--align", "calendar", "--where",
                      "channel = email", "--format", "table"]):
            rc, out, err = self.dask(*args, "--alpha", "0", "--range-size", "200k",
                                     "--partitions", "3")
            self.assertEqual(rc, 0, err)
            rc2, want, err2 = run_iv(*args)
            self.assertEqual(rc2, 0, err2)
            self.assertEqual(out, want, args)
        rc, out, err = self.dask("pattern", "norm", self.spread, "--format", "json",
                                 "--range-size", "200k", "--partitions", "3")
        self.assertEqual(rc, 0, err)
        want = json.loads(run_iv("pattern", "norm", self.spread, "--format", "json")[1])
        got = json.loads(out)
        self.assertEqual([r["contacts"] for r in got], [r["contacts"] for r in want])
        self.assertEqual([list(r) for r in got], [list(r) for r in want])

    def test_refused_and_bad_options(self):
        rc, out, err = self.dask("metrics", SAMPLE, "--drill", "0")
        self.assertEqual(rc, 2)
        self.assertIn("--drill", err)
        rc, out, err = self.dask("nonsense", SAMPLE)
        self.assertEqual(rc, 2)
        rc, out, err = self.dask("metrics", os.path.join(self.tmp.name, "missing.csv"))
        self.assertEqual(rc, 1)
        self.assertIn("missing.csv", err)

    def test_local_cluster_without_scheduler(self):
        rc, out, err = self.dask("metrics", SAMPLE, "--by", "channel", "--format", "csv",
                                 scheduler=False)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, run_iv("metrics", SAMPLE, "--by", "channel", "--format", "csv")[1])


class KilledWorker(unittest.TestCase):
    """A worker process killed in the middle of a task: Dask reruns the task on a
    (restarted) worker and the result is the same."""

    def test_killed_worker_gives_the_same_result(self):
        from dask.distributed import Client, LocalCluster
        with tempfile.TemporaryDirectory() as tmp:
            whole = libiv.load(SAMPLE)
            want = {"metrics": whole.metrics(by="team,month").to_csv(),
                    "norms": whole.norm(bucket="30d", buckets=8).to_csv()}
            for stage in ("range", "partition"):
                for command in ("metrics", "norms"):
                    marker = os.path.join(tmp, "killed-%s-%s" % (command, stage))
                    os.environ["IV_DASK_KILL_ONCE"] = marker + ":" + stage
                    try:
                        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                          dashboard_address=None) as cluster, \
                                Client(cluster) as client:
                            if command == "metrics":
                                got = ivd.metrics(client, SAMPLE, by="team,month",
                                                  range_size=400_000, partitions=3)
                            else:  # the norm (exact values) through its partial
                                got = ivd.pattern_norm(client, SAMPLE, bucket="30d", buckets=8,
                                                       alpha=0, range_size=400_000,
                                                       partitions=3)
                    finally:
                        del os.environ["IV_DASK_KILL_ONCE"]
                    self.assertTrue(os.path.exists(marker),
                                    "no worker was killed (%s, %s)" % (command, stage))
                    self.assertEqual(got.to_csv(), want[command], (command, stage))


class PartitionAndBytes(unittest.TestCase):
    def test_fnv1a_vectors(self):
        # FNV-1a 64 test vectors (draft-eastlake-fnv): "" cbf29ce484222325,
        # "a" af63dc4c8601ec8c, "foobar" 85944171f73967e8
        self.assertEqual(partition_of("", 1000), 0xcbf29ce484222325 % 1000)
        self.assertEqual(partition_of("a", 7), 0xaf63dc4c8601ec8c % 7)
        self.assertEqual(partition_of("foobar", 4096), 0x85944171f73967e8 % 4096)

    def test_python_and_c_agree(self):
        with open(SAMPLE, newline="", encoding="utf-8") as f:
            contacts = sorted({r["contact"] for r in csv.DictReader(f)})
        contacts += ["", "é", "contact with spaces", "日本"]
        for n in (1, 2, 3, 7, 64, 1000003):
            for c in contacts:
                self.assertEqual(partition_of(c, n), partition_of_c(c, n), (c, n))

    def test_cli_partition_uses_the_same_hash(self):
        with tempfile.TemporaryDirectory() as tmp:
            prefix = os.path.join(tmp, "part")
            rc, out, err = run_iv("partition", SAMPLE, "--parts", "3", "-o", prefix,
                                  "--format", "csv")
            self.assertEqual(rc, 0, err)
            for k in range(3):
                with libiv.load(prefix + "-%d.ivstore" % k) as store:
                    for row in store:
                        self.assertEqual(partition_of(row["contact"], 3), k)

    def test_merge_order_does_not_change_a_byte(self):
        blobs = []
        with libiv.load(SAMPLE) as st:
            for p in split_store(st, 3):
                with p, Summary.make(p, by="team,channel") as s:
                    blobs.append(s.to_bytes())
        ref = None
        for order in itertools.permutations(range(len(blobs))):
            b = Summary.merge_all([blobs[i] for i in order]).to_bytes()
            ref = ref or b
            self.assertEqual(b, ref, "order %r" % (order,))

    def test_corrupted_bytes_are_refused(self):
        with libiv.load(SAMPLE) as store:
            b = Summary.make(store, by="team").to_bytes()
        for i in (0, 9, 30, len(b) // 2, len(b) - 1):
            bad = bytearray(b)
            bad[i] ^= 0x10
            with self.assertRaises((libiv.CorruptError, libiv.VersionError)):
                Summary.from_bytes(bytes(bad))
        with self.assertRaises(libiv.CorruptError):
            Summary.from_bytes(b[:-1])
        self.assertEqual(Summary.from_bytes(b).to_bytes(), b)


class Example(unittest.TestCase):
    def test_example_runs_with_check(self):
        p = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "python",
                                                         "dask_scaleout.py"),
                            SAMPLE, "--by", "channel", "--check"],
                           capture_output=True, text=True, env=ENV, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("equal", p.stdout)


if __name__ == "__main__":
    unittest.main()
