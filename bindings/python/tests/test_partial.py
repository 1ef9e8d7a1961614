"""Partials (doc/SUMMARIES.md, Partials): the sample split into K parts by partition_of,
one Partial per part (through bytes), merged in several orders, gives exactly the Table
the Store method returns on the whole sample; corrupted bytes and mixed kinds are refused."""

import csv
import io
import unittest

import libiv
from libiv.summary import Partial, partition_of

from support import SAMPLE


def _parts(k):
    """The sample's rows split into k CSV texts by partition_of(contact, k)."""
    with open(SAMPLE, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    outs = [io.StringIO() for _ in range(k)]
    writers = [csv.writer(o, lineterminator="\n") for o in outs]
    for w in writers:
        w.writerow(rows[0])
    ci = rows[0].index("contact")
    for r in rows[1:]:
        writers[partition_of(r[ci], k)].writerow(r)
    return [o.getvalue() for o in outs]


def _store(text):
    s = libiv.Store()
    s.ingest_text(text)
    return s


CASES = [
    ("metrics", dict(by=["team", "month"])),
    ("churn", {}),
    ("churn", dict(every="month", by="team")),
    ("retention", dict(every="week", window="14d")),
    ("retention", dict(t0="2024-03-01T00:00:00Z")),
    ("cohorts", dict(period="month", by="team")),
    ("cohorts", dict(start_types="signup", return_types=["purchase", "repeat"])),
    ("lifecycle", dict(period="week")),
    ("funnel", dict(steps="signup,demo,purchase")),
    ("funnel", dict(steps=["visit", ["signup", "demo"], "purchase"], mode="any", window="14d",
                    by="team,month")),
    ("stickiness", dict(period="month", by="region")),
]


def _input(store, model, opts):
    """The per-contact CLV input rows of a store (one per customer)."""
    from libiv.clv import _rfm
    fn = "iv_rfm_discrete" if model == "bgbb" else "iv_contracts" if model == "sbg" else "iv_rfm"
    with _rfm(store, opts.get("calibration_end"), opts.get("unit", "week"), None, None, fn) as t:
        return t.column(t.columns[1])


class Partials(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.whole = libiv.Store()
        cls.whole.ingest(SAMPLE)
        cls.parts = {k: [_store(t) for t in _parts(k)] for k in (1, 3, 7)}

    def direct(self, command, opts):
        return getattr(self.whole, command)(**opts).to_csv()

    def test_merged_partials_equal_the_store_method_on_the_whole_sample(self):
        for command, opts in CASES:
            want = self.direct(command, opts)
            for k, stores in self.parts.items():
                blobs = [Partial.make(s, command, **opts).to_bytes() for s in stores]
                fwd = Partial.merge_all(blobs)
                bwd = Partial.merge_all(reversed(blobs))
                self.assertEqual(fwd.to_bytes(), bwd.to_bytes(), "%s %r K=%d" % (command, opts, k))
                self.assertEqual(fwd.result().to_csv(), want, "%s %r K=%d" % (command, opts, k))
                one = Partial.from_bytes(blobs[0])
                for b in blobs[1:]:
                    one.merge(Partial.from_bytes(b))
                self.assertEqual(one.to_bytes(), fwd.to_bytes())
                self.assertEqual(one.command, command)

    def test_clv_partials_fit_as_the_whole_sample(self):
        from libiv.clv import CLV
        for model, opts, fit in [("bgnbd", {}, dict(penalizer=0.01)),
                                 ("pareto", dict(unit="day"), dict(penalizer=0.01)),
                                 ("gg", dict(calibration_end="2024-05-01T00:00:00Z"), {}),
                                 ("mbgnbd", {}, dict(penalizer=0.01)),
                                 ("bgbb", {}, dict(penalizer=0.01)),
                                 ("sbg", dict(unit="day"), {})]:
            try:
                want = CLV.fit_store(self.whole, model, **opts, **fit)
                want_err = None
            except libiv.Error as e:
                want, want_err = None, type(e)
            for k, stores in self.parts.items():
                name = "%s %r K=%d" % (model, opts, k)
                blobs = [Partial.make(s, "clv", model=model, **opts).to_bytes() for s in stores]
                fwd = Partial.merge_all(blobs)
                self.assertEqual(fwd.to_bytes(), Partial.merge_all(reversed(blobs)).to_bytes(), name)
                self.assertEqual(fwd.command, "clv")
                counts = fwd.table().column("count")
                self.assertEqual(sum(counts), len(_input(self.whole, model, opts)), name)
                if want_err is not None:
                    with self.assertRaises(want_err, msg=name):
                        fwd.result(**fit)
                    continue
                got = fwd.result(**fit)
                self.assertEqual(got.params, want.params, name)
                self.assertEqual(got.standard_errors, want.standard_errors, name)
                self.assertEqual(got.loglik, want.loglik, name)

    def test_compare_partials_equal_store_compare(self):
        cases = [dict(metric="rv", a="team = east", b="team = north"),
                 dict(metric="n", a="channel = email", b="channel = web", where="region = amer",
                      confidence=0.9),
                 dict(metric="cost", a="region = emea", b="region = apac",
                      start="2024-03-01T00:00:00Z", end="2024-07-01T00:00:00Z",
                      mwu_method="asymptotic", mwu_continuity=False)]
        for opts in cases:
            want = self.whole.compare(**opts).to_csv()
            for k, stores in self.parts.items():
                blobs = [Partial.make(s, "compare", **opts).to_bytes() for s in stores]
                fwd = Partial.merge_all(blobs)
                self.assertEqual(fwd.to_bytes(), Partial.merge_all(reversed(blobs)).to_bytes())
                self.assertEqual(fwd.command, "compare")
                self.assertEqual(fwd.result().to_csv(), want, "%r K=%d" % (opts, k))

    def test_norm_partials_equal_store_norm(self):
        last = self.whole.time_range[1]
        cases = [dict(t_ref=last),
                 dict(where="team = east", end="2024-07-01T00:00:00Z", bucket="30d", buckets=6),
                 dict(align="index", buckets=10),
                 dict(align="calendar", start="2024-02-01T00:00:00Z", end="2024-09-01T00:00:00Z",
                      bucket="14d", buckets=8)]
        for opts in cases:
            direct = {k: v for k, v in opts.items() if k != "t_ref"}  # t_ref = the default
            want = self.whole.norm(**direct)
            for k, stores in self.parts.items():
                exact = [Partial.make(s, "norm", alpha=0, **opts).to_bytes() for s in stores]
                fwd = Partial.merge_all(exact)
                self.assertEqual(fwd.to_bytes(), Partial.merge_all(reversed(exact)).to_bytes())
                self.assertEqual(fwd.command, "norm")
                self.assertEqual(fwd.result().to_csv(), want.to_csv(), "%r K=%d" % (opts, k))
                sk = Partial.merge_all([Partial.make(s, "norm", **opts) for s in stores]).result()
                self.assertEqual(sk.column("contacts"), want.column("contacts"))
                for col in ("median", "p10", "p25", "p75", "p90"):
                    for g, w in zip(sk.column(col), want.column(col)):
                        if w is None:
                            self.assertIsNone(g)
                        else:  # same-sign neighbours on this data: within relative alpha
                            self.assertLessEqual(abs(g - w), 0.01 * abs(w) + 1e-9, (opts, col))
        with self.assertRaises(libiv.InvalidArgumentError):
            Partial.make(self.whole, "norm")  # age alignment without t_ref

    def test_funnel_histogram_partials_equal_the_store_histogram(self):
        from libiv.lifecycle import funnel_histogram
        for opts in (dict(steps="signup,demo,purchase"),
                     dict(steps="visit,purchase", mode="any", window="100h", by="team")):
            want = funnel_histogram(self.whole, **opts).to_csv()
            for k, stores in self.parts.items():
                blobs = [Partial.make(s, "funnel_histogram", **opts) for s in stores]
                self.assertEqual(Partial.merge_all(blobs).result().to_csv(), want, "%r K=%d" % (opts, k))
                merged = Partial.merge_all([b.to_bytes() for b in blobs])
                self.assertEqual(merged.command, "funnel")
                self.assertEqual(merged.histogram().to_csv(), want)

    def test_corrupt_bytes_are_refused(self):
        b = bytearray(Partial.make(self.parts[3][0], "churn").to_bytes())
        b[40] ^= 0x10
        with self.assertRaises(libiv.CorruptError):
            Partial.from_bytes(bytes(b))
        with self.assertRaises(libiv.CorruptError):
            Partial.from_bytes(bytes(b[:20]))

    def test_different_kinds_or_options_do_not_merge(self):
        a = Partial.make(self.parts[3][0], "churn")
        with self.assertRaises(libiv.InvalidArgumentError):
            a.merge(Partial.make(self.parts[3][1], "retention"))
        with self.assertRaises(libiv.InvalidArgumentError):
            a.merge(Partial.make(self.parts[3][1], "churn", window="7d"))
        with self.assertRaises(ValueError):
            Partial.make(self.parts[3][0], "nonsense")

    def test_contact_grouping_is_refused(self):
        with self.assertRaises(libiv.InvalidArgumentError):
            Partial.make(self.parts[3][0], "stickiness", by="contact")


if __name__ == "__main__":
    unittest.main()
