"""The Python binding: lifecycle (churn, retention, cohorts, funnel, CLV predictions), RV
patterns (doc/PATTERN.md), segment compare, summaries and snapshots.

Store-level results are compared value for value with the `iv` tool's JSON on the
bundled sample (a separate program over the C API: these tests check that the binding
marshals options and results without changing a number). The array-level pattern
kernels are checked against values worked out by hand in the comments.
"""

import math
import os
import statistics
import tempfile
import unittest

import libiv
from libiv.summary import Summary
from support import SAMPLE, assert_same_records, iv_json, run_iv


class Base(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.store = libiv.load(SAMPLE)

    @classmethod
    def tearDownClass(cls):
        cls.store.close()

    def same(self, table, *args):
        """The binding's table equals `iv ARGS --format json` (one object or rows)."""
        with table as t:
            got = t.to_records()
        want = iv_json(*args)
        assert_same_records(self, got, want if isinstance(want, list) else [want])


class Lifecycle(Base):
    def test_churn_with_default_period_matches_cli(self):
        self.same(self.store.churn(), "churn", SAMPLE)

    def test_retention_by_team_over_a_given_period_and_window_matches_cli(self):
        self.same(self.store.retention(t0="2024-04-01", t1="2024-10-01", window="60d",
                                       by="team"),
                  "retention", SAMPLE, "--from", "2024-04-01", "--to", "2024-10-01",
                  "--window", "60d", "--by", "team")

    def test_churn_window_as_timedelta_and_milliseconds_agree(self):
        import datetime
        with self.store.churn(window=datetime.timedelta(days=30), where="region = amer") as a, \
                self.store.churn(window=30 * 86400000, where="region = amer") as b:
            self.assertEqual(a.to_json(), b.to_json())
        self.same(self.store.churn(window="30d", where="region = amer"),
                  "churn", SAMPLE, "--window", "30d", "--where", "region = amer")

    def test_weekly_cohorts_match_cli_with_unobserved_cells_none(self):
        with self.store.cohorts(start="2024-06-01") as t:
            rows = t.to_records()
        # the data ends on Tuesday 2024-12-31: ISO week 2025-W01 is not over, unobserved
        self.assertIn(None, [r["rate"] for r in rows])
        self.same(self.store.cohorts(start="2024-06-01"), "cohorts", SAMPLE, "--from",
                  "2024-06-01")

    def test_monthly_cohorts_by_region_match_cli(self):
        self.same(self.store.cohorts(period="month", by=["region"]), "cohorts", SAMPLE,
                  "--period", "month", "--by", "region")

    def test_funnel_steps_as_text_or_list_match_cli(self):
        args = ("funnel", SAMPLE, "--steps", "visit,demo|trial,purchase")
        with self.store.funnel("visit,demo|trial,purchase") as t:
            self.assertEqual(t.column("step"), [1, 2, 3, "support_after"])   # doc/GUIDE.md §3
        self.same(self.store.funnel("visit,demo|trial,purchase"), *args)
        self.same(self.store.funnel(["visit", ["demo", "trial"], "purchase"]), *args)

    def test_strict_and_any_funnels_with_window_and_groups_match_cli(self):
        self.same(self.store.funnel("signup,download,purchase", mode="strict", window="14d",
                                    by="team"),
                  "funnel", SAMPLE, "--steps", "signup,download,purchase", "--mode",
                  "strict", "--window", "14d", "--by", "team")
        self.same(self.store.funnel("signup,download,purchase", mode="any",
                                    start="2024-01-01", end="2024-07-01"),
                  "funnel", SAMPLE, "--steps", "signup,download,purchase", "--mode", "any",
                  "--from", "2024-01-01", "--to", "2024-07-01")

    def test_bad_funnel_steps_raise_parse_error(self):
        with self.assertRaises(libiv.ParseError) as cm:
            self.store.funnel("visit,,purchase")
        self.assertEqual(cm.exception.code, -4)
        with self.assertRaises(ValueError):
            self.store.funnel("visit,purchase", mode="sideways")


class Clv(Base):
    def test_fit_of_every_fast_model_matches_cli(self):
        for model in ("bgnbd", "gg"):
            with self.store.clv_fit(model) as c:
                self.same(c.params_table(), "clv", "fit", SAMPLE, "--model", model)

    def test_predict_with_spend_matches_cli(self):
        self.same(self.store.clv_predict("bgnbd", spend=True), "clv", "predict", SAMPLE,
                  "--model", "bgnbd", "--spend")

    def test_predict_in_days_with_horizon_and_discount_matches_cli(self):
        self.same(self.store.clv_predict("bgnbd", unit="day", horizon=90, spend=True,
                                         discount=0.02),
                  "clv", "predict", SAMPLE, "--model", "bgnbd", "--unit", "day",
                  "--horizon", "90", "--spend", "--discount", "0.02")


SHAPE = dict(bucket="14d", buckets=6)
SHAPE_ARGS = ("--bucket", "14d", "--buckets", "6")


class PatternStore(Base):
    def test_trajectories_in_each_alignment_match_cli(self):
        self.same(self.store.trajectories(where="team = east", **SHAPE),
                  "pattern", "trajectories", SAMPLE, "--where", "team = east", *SHAPE_ARGS)
        self.same(self.store.trajectories(align="index", buckets=5, where="team = west"),
                  "pattern", "trajectories", SAMPLE, "--align", "index", "--buckets", "5",
                  "--where", "team = west")
        self.same(self.store.trajectories(align="calendar", origin="2024-01-01",
                                          start="2024-01-01", end="2024-04-01", buckets=4,
                                          bucket=30 * 86400000, where="region = emea"),
                  "pattern", "trajectories", SAMPLE, "--align", "calendar", "--origin",
                  "2024-01-01", "--from", "2024-01-01", "--to", "2024-04-01", "--buckets",
                  "4", "--bucket", "30d", "--where", "region = emea")

    def test_norm_of_a_subset_matches_cli(self):
        self.same(self.store.norm(where="team = north", **SHAPE),
                  "pattern", "norm", SAMPLE, "--where", "team = north", *SHAPE_ARGS)

    def test_contact_vs_norm_and_its_per_bucket_detail_match_cli(self):
        self.same(self.store.contact_vs_norm("C000001", where="team = east", **SHAPE),
                  "pattern", "compare", SAMPLE, "--contact", "C000001", "--norm-where",
                  "team = east", *SHAPE_ARGS)
        row, detail = self.store.contact_vs_norm("C000003", per_bucket=True, anomaly_z=2.0,
                                                 **SHAPE)
        row.close()
        self.same(detail, "pattern", "compare", SAMPLE, "--contact", "C000003", "--detail",
                  *SHAPE_ARGS)

    def test_nearest_norm_with_dtw_and_euclidean_matches_cli(self):
        subsets = ["team = east", "team = west", "region = apac"]
        self.same(self.store.nearest_norm(subsets, where="variant = A", window=2, **SHAPE),
                  "pattern", "nearest", SAMPLE, "--subsets", ";".join(subsets), "--where",
                  "variant = A", "--window", "2", *SHAPE_ARGS)
        self.same(self.store.nearest_norm(subsets[:2], distance="euclidean",
                                          where="team = south", **SHAPE),
                  "pattern", "nearest", SAMPLE, "--subsets", ";".join(subsets[:2]),
                  "--distance", "euclidean", "--where", "team = south", *SHAPE_ARGS)

    def test_rank_stalled_and_next_best_action_match_cli(self):
        self.same(self.store.rank(top=25, where="region = amer"), "pattern", "rank", SAMPLE,
                  "--top", "25", "--where", "region = amer")
        self.same(self.store.stalled(quantile=0.75, all=True, where="team = east"),
                  "pattern", "stalled", SAMPLE, "--quantile", "0.75", "--all", "--where",
                  "team = east")
        self.same(self.store.stalled(), "pattern", "stalled", SAMPLE)
        self.same(self.store.next_best_action("C000001"), "pattern", "next", SAMPLE,
                  "--contact", "C000001")
        self.same(self.store.next_best_action("C000003", success="has purchase",
                                              where="channel != phone"),
                  "pattern", "next", SAMPLE, "--contact", "C000003", "--success",
                  "has purchase", "--where", "channel != phone")

    def test_ab_every_pair_and_one_pair_match_cli(self):
        self.same(self.store.ab("variant", "2024-01-01", "2024-07-01"),
                  "pattern", "ab", SAMPLE, "--by", "variant", "--from", "2024-01-01",
                  "--to", "2024-07-01")
        self.same(self.store.ab("team", "2024-03-01", "2024-09-01", group_a="west",
                                group_b="east", where="region = amer"),
                  "pattern", "ab", SAMPLE, "--by", "team", "--from", "2024-03-01", "--to",
                  "2024-09-01", "--a", "west", "--b", "east", "--where", "region = amer")

    def test_segment_compare_matches_cli_compare_and_the_binding_compare(self):
        args = ("compare", SAMPLE, "--metric", "rv", "--a", "team = east", "--b",
                "team = west", "--where", "region = amer", "--confidence", "0.9")
        self.same(self.store.segment_compare("rv", "team = east", "team = west",
                                             where="region = amer", confidence=0.9), *args)
        # the older two-step Store.compare (metrics by contact + stats) agrees too
        self.same(self.store.compare("rv", "team = east", "team = west",
                                     where="region = amer", confidence=0.9), *args)

    def test_errors_carry_the_library_code_and_message(self):
        with self.assertRaises(libiv.NotFoundError) as cm:
            self.store.contact_vs_norm("no-such-contact")
        self.assertIn("no-such-contact", str(cm.exception))
        with self.assertRaises(libiv.NotFoundError):
            self.store.next_best_action("no-such-contact")
        with self.assertRaises(libiv.NotFoundError):
            self.store.segment_compare("no_such_metric", "team = east", "team = west")
        with self.assertRaises(libiv.ParseError):
            self.store.trajectories(where="team = ")
        with self.assertRaises(ValueError):
            self.store.trajectories(align="sideways")


class PatternArrays(unittest.TestCase):
    def test_euclidean_over_the_common_observed_prefix(self):
        self.assertEqual(libiv.pattern.euclidean([0, 0], [3, 4]), 5.0)
        # the third bucket is unobserved in y: only (1, 1) and (2, 4) count -> sqrt(4)
        self.assertEqual(libiv.pattern.euclidean([1, 2, 9], [1, 4, None]), 2.0)
        self.assertIsNone(libiv.pattern.euclidean([None, 1], [1, 1]))

    def test_dtw_by_hand(self):
        # x = 0 1 2, y = 0 0 1, w = 1, local cost (x_i - y_j)^2. Accumulated D:
        # D00 = 0, D01 = 0, D10 = 1, D11 = 1 + 0 = 1, D12 = 0 + min(D01, D11) = 0,
        # D21 = 4 + min(D10, D11) = 5, D22 = 1 + min(D11, D12, D21) = 1 -> sqrt(1) = 1.
        self.assertEqual(libiv.pattern.dtw([0, 1, 2], [0, 0, 1], window=1), 1.0)
        # w = 0 is the Euclidean distance: (0)^2 + (1)^2 + (1)^2 = 2
        self.assertAlmostEqual(libiv.pattern.dtw([0, 1, 2], [0, 0, 1], window=0),
                               math.sqrt(2.0), places=15)
        self.assertEqual(libiv.pattern.dtw([0, 1, 2], [5, 5, 5], cutoff=1.0), math.inf)

    def test_envelope_and_lb_keogh_by_hand(self):
        lo, up = libiv.pattern.envelope([1, 3, 2, 5], window=1)
        self.assertEqual(lo, [1, 1, 2, 2])
        self.assertEqual(up, [3, 3, 5, 5])
        # x = 0 2 6 3: below 1 by 1, inside, above 5 by 1, inside: sqrt(1 + 1)
        self.assertAlmostEqual(libiv.pattern.lb_keogh([0, 2, 6, 3], lo, up), math.sqrt(2.0),
                               places=15)

    def test_nearest_picks_the_closer_norm_and_minus_one_when_incomparable(self):
        idx, dist = libiv.pattern.nearest([[0, 1, 2], [10, 10, 10], [None, None, None]],
                                          [[0, 1, 3], [9, 10, 11]], window=0)
        self.assertEqual(idx, [0, 1, -1])
        self.assertEqual(dist[0], 1.0)                          # only the last differs, by 1
        self.assertAlmostEqual(dist[1], math.sqrt(2.0), places=15)   # 1 and 1
        self.assertIsNone(dist[2])

    def test_norm_uses_type_7_quantiles_and_raw_mad(self):
        traj = [[1, 10], [2, 20], [3, None], [10, 40]]
        with libiv.pattern.norm(traj) as t:
            rows = t.to_records()
        b1 = [1, 2, 3, 10]
        q = statistics.quantiles(b1, n=20, method="inclusive")   # type 7 (Hyndman & Fan)
        self.assertEqual(rows[0]["contacts"], 4)
        self.assertEqual(rows[0]["median"], 2.5)
        self.assertAlmostEqual(rows[0]["p10"], q[1], places=12)
        self.assertAlmostEqual(rows[0]["p90"], q[17], places=12)
        # deviations from 2.5: 1.5 0.5 0.5 7.5 -> median 1.0
        self.assertEqual(rows[0]["mad"], 1.0)
        self.assertEqual((rows[1]["contacts"], rows[1]["median"]), (3, 20.0))

    def test_vs_norm_robust_z_by_hand(self):
        traj = [[1, 10], [2, 20], [3, 30], [4, 40], [5, 50]]
        t, z = libiv.pattern.vs_norm([3, 80], traj)
        with t:
            r = t[0]
        # bucket 1: median 3, |deviations| 2 1 0 1 2 -> MAD 1, z = 0; bucket 2: median 30,
        # MAD 10, s = 1.4826 * 10 -> z = 50 / 14.826 = 3.37 (below the default 3.5)
        self.assertEqual(z[0], 0.0)
        self.assertAlmostEqual(z[1], 50.0 / 14.826, places=12)
        self.assertEqual((r["buckets"], r["latest_bucket"], r["value"]), (2, 2, 80.0))
        self.assertAlmostEqual(r["mean_z"], 25.0 / 14.826, places=12)
        self.assertAlmostEqual(r["max_abs_z"], 50.0 / 14.826, places=12)
        self.assertFalse(r["anomaly"])
        self.assertEqual(r["percentile"], 1.0)     # all five norm values are below 80
        t3, _ = libiv.pattern.vs_norm([3, 80], traj, anomaly_z=3.0)
        with t3:
            self.assertTrue(t3[0]["anomaly"])


class FailingAllocator:
    """An iv_alloc_fn (lua_Alloc's signature) over libc that fails its fail_at-th call
    (1-based; 0 = never) and counts the blocks alive."""

    def __init__(self):
        import ctypes
        from libiv import _lib
        self.libc = ctypes.CDLL(None)
        self.libc.realloc.restype = ctypes.c_void_p
        self.libc.realloc.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        self.libc.free.argtypes = [ctypes.c_void_p]
        self.calls = self.fail_at = self.live = 0
        self.c = _lib.ALLOC_FN(self._alloc)

    def _alloc(self, ud, ptr, osize, nsize):
        if nsize == 0:
            if ptr:
                self.live -= 1
                self.libc.free(ptr)
            return None
        self.calls += 1
        if self.calls == self.fail_at:
            return None
        q = self.libc.realloc(ptr, nsize)
        if q and not ptr:
            self.live += 1
        return q


class AllocationFailures(unittest.TestCase):
    def test_every_failed_allocation_raises_out_of_memory_and_leaks_nothing(self):
        """Fail the k-th allocation of each workflow for every k until it succeeds: each
        failure is an OutOfMemoryError (a MemoryError), the store stays usable, and the
        blocks alive come back to the store's own."""
        import ctypes
        from libiv import _lib
        a = FailingAllocator()
        o = _lib.init_struct(_lib.StoreOptions, "iv_store_options_init")
        o.alloc = a.c
        h = ctypes.c_void_p()
        libiv._errors.check(_lib.fn("iv_store_new")(ctypes.byref(h), ctypes.byref(o)))
        with libiv.Store(_handle=h.value) as s:
            s.ingest_text("contact,ts,channel,type,team\n"
                          "a,2024-01-01,web,visit,x\na,2024-01-03,web,demo,x\n"
                          "a,2024-01-09,phone,purchase,x\nb,2024-01-02,web,visit,y\n"
                          "b,2024-01-20,email,open,y\nc,2024-01-05,web,visit,x\n"
                          "c,2024-01-06,web,support,x\n")
            s.prepare()
            base = a.live
            work = [
                lambda: s.churn(by="team", window="7d"),
                lambda: s.cohorts(),
                lambda: s.funnel("visit,demo,purchase", by="team"),
                lambda: s.trajectories(buckets=3),
                lambda: s.contact_vs_norm("a", per_bucket=True, buckets=3),
                lambda: s.nearest_norm(["team = x", "team = y"], buckets=3),
                lambda: s.segment_compare("rv", "team = x", "team = y"),
                lambda: s.ab("team", "2024-01-01", "2024-02-01"),
                lambda: s.rank(), lambda: s.stalled(all=True),
                lambda: s.next_best_action("a", success="team = x"),
                lambda: Summary.make(s, by="team"),
            ]
            for i, f in enumerate(work):
                k = 1
                while True:
                    a.calls, a.fail_at = 0, k
                    try:
                        r = f()
                    except MemoryError as e:
                        self.assertIsInstance(e, libiv.OutOfMemoryError)
                        self.assertEqual(a.live, base, "workflow %d, allocation %d" % (i, k))
                        k += 1
                        continue
                    for t in r if isinstance(r, tuple) else (r,):
                        t.close()
                    self.assertEqual(a.live, base, "workflow %d after success" % i)
                    self.assertGreater(k, 1, "workflow %d allocated nothing" % i)
                    break
            a.fail_at = 0


class Summaries(Base):
    def test_make_merge_show_quantile_and_compare_match_cli(self):
        with tempfile.TemporaryDirectory() as d:
            run_iv("partition", SAMPLE, "--parts", "2", "-o", os.path.join(d, "p"))
            parts = [os.path.join(d, "p-%d.ivstore" % i) for i in range(2)]
            files = []
            for i, part in enumerate(parts):
                f = os.path.join(d, "s%d.ivsum" % i)
                rc, _, err = run_iv("summary", "make", part, "-o", f, "--by", "team")
                self.assertEqual(rc, 0, err)
                files.append(f)
                # the binding's summary of the same part is the same bytes
                with libiv.load(part) as st, Summary.make(st, by="team") as s:
                    with open(f, "rb") as fh:
                        self.assertEqual(s.to_bytes(), fh.read())
            merged = os.path.join(d, "m.ivsum")
            self.assertEqual(run_iv("summary", "merge", files[0], files[1], "-o", merged)[0], 0)
            with Summary.merge_all([Summary.load(f) for f in files]) as s:
                with open(merged, "rb") as fh:
                    self.assertEqual(s.to_bytes(), fh.read())
                self.same(s.metrics(), "summary", "show", merged)
                want = iv_json("summary", "quantile", merged, "--metric", "rv", "--p", "0.9")
                self.assertEqual(len(s), len(want))
                for g, w in enumerate(want):
                    self.assertTrue(math.isclose(s.quantile(g, "rv", 0.9), w["value"],
                                                 rel_tol=1e-12))
                self.same(s.compare(0, s, 1, "rv"), "summary", "compare", merged, merged,
                          "--metric", "rv", "--group-a", "0", "--group-b", "1")
            # and the merged summary shows what metrics by team on the whole log shows
            self.same(self.store.metrics(by="team"), "summary", "show", merged)

    def test_snapshot_round_trip_gives_the_same_lifecycle_and_pattern_results(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "s.ivstore")
            self.store.save(path)
            self.same(self.store.funnel("visit,purchase"), "funnel", path, "--steps",
                      "visit,purchase")
            with libiv.load(path) as s2:
                for name, kw in (("churn", {}), ("cohorts", {"period": "month"}),
                                 ("rank", {"top": 10}), ("norm", SHAPE)):
                    with getattr(self.store, name)(**kw) as a, getattr(s2, name)(**kw) as b:
                        self.assertEqual(a.to_json(), b.to_json(), name)


if __name__ == "__main__":
    unittest.main()
