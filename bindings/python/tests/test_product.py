"""Product analytics through the Python binding (funnel exclusions and time to convert,
the histogram, retention events, churn/retention series, lifecycle, stickiness, paths),
on the hand-made logs of tests/data/product; the expected values are worked by hand in
tests/test_product.c (the same logs)."""

import os
import unittest

import libiv
from support import DATA

FUNNEL = os.path.join(DATA, "product", "funnel.csv")
LIFE = os.path.join(DATA, "product", "lifecycle.csv")
DAY = 86400.0


class Product(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.funnel_store = libiv.load(FUNNEL)
        cls.life_store = libiv.load(LIFE)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.funnel_store.close()
        cls.life_store.close()

    def test_funnel_quantiles_and_exclusions(self) -> None:
        rows = self.funnel_store.funnel("signup,demo,purchase", window="14d").to_records()
        self.assertEqual([r["contacts"] for r in rows], [7, 6, 3, 0])
        # step-2 days 1 1 1 1 2 7: p75 1.75 d, p90 4.5 d, mean 13/6 d
        self.assertAlmostEqual(rows[1]["seconds_from_previous_p75"], 1.75 * DAY, delta=1e-6)
        self.assertAlmostEqual(rows[1]["seconds_from_previous_p90"], 4.5 * DAY, delta=1e-6)
        self.assertAlmostEqual(rows[1]["seconds_from_previous_mean"], 13 / 6 * DAY, delta=1e-6)
        # step-3 days 1 2 7: p10 1.2 d, p90 6 d
        self.assertAlmostEqual(rows[2]["seconds_from_previous_p10"], 1.2 * DAY, delta=1e-6)
        self.assertAlmostEqual(rows[2]["seconds_from_previous_p90"], 6 * DAY, delta=1e-6)
        self.assertIsNone(rows[0]["seconds_from_previous_p10"])
        ex = self.funnel_store.funnel("signup,demo,purchase", window="14d",
                                      exclude="refund").to_records()
        self.assertEqual([r["contacts"] for r in ex[:3]], [5, 4, 2])
        ex = self.funnel_store.funnel("signup,demo,purchase", window="14d",
                                      exclude=["refund@2-3"]).to_records()
        self.assertEqual([r["contacts"] for r in ex[:3]], [5, 4, 2])
        with self.assertRaises(libiv.InvalidArgumentError):
            self.funnel_store.funnel("signup,demo,purchase", exclude="refund@3-2")

    def test_funnel_histogram(self) -> None:
        rows = self.funnel_store.funnel_histogram("signup,demo,purchase",
                                                  window="14d").to_records()
        self.assertEqual([r["contacts"] for r in rows], [0, 0, 1, 1, 1])
        self.assertEqual(rows[-1]["bin"], "7d-14d (window)")
        self.assertEqual(rows[-1]["to_seconds"], 14 * DAY)

    def test_lifecycle_stickiness_paths(self) -> None:
        rows = self.life_store.lifecycle(period="week").to_records()
        got = [(r["period"], r["new"], r["returning"], r["resurrecting"], r["dormant"])
               for r in rows]
        self.assertEqual(got, [("2024-W01", 1, 0, 0, 0), ("2024-W02", 1, 1, 0, 0),
                               ("2024-W03", 1, 1, 0, -1), ("2024-W04", 0, 0, 1, -2)])
        # every contact-period of this log has one active day: 6 of them
        st = self.life_store.stickiness(period="week").to_records()
        self.assertEqual(len(st), 7)
        self.assertEqual((st[0]["days"], st[0]["contacts"], st[0]["share"]), (1, 6, 1.0))
        # after each signup, the next 2 types: a d f demo > refund; c g demo > purchase;
        # b e refund > demo
        p = self.funnel_store.paths("signup", steps=2).to_records()
        self.assertEqual([(r["path"], r["contacts"]) for r in p],
                         [("demo > refund", 3), ("demo > purchase", 2), ("refund > demo", 2)])
        self.assertAlmostEqual(p[0]["share"], 3 / 7)

    def test_series_and_retention_events(self) -> None:
        # weekly lifecycle log (k D0 D8 D22, l D9 D16, m D15), W = 7 days, series over
        # [2024-01-01 (D0), 2024-01-29 (D28)); active at t: an interaction in (t - 7d, t]:
        # D0 {k}; D7 {} (k's D0 is not in (D0, D7]); D14 {k (D8), l (D9)};
        # D21 {l (D16), m (D15)}; D28 {k (D22)}.
        # W01: S 1, lost 1; W02: S 0 (churn undefined); W03: S 2, lost k 1; W04: S 2, lost 2.
        rows = self.life_store.churn(t0="2024-01-01", t1="2024-01-29", window="7d",
                                     every="week").to_records()
        self.assertEqual([(r["period"], r["start"], r["lost"]) for r in rows],
                         [("2024-W01", 1, 1), ("2024-W02", 0, 0), ("2024-W03", 2, 1),
                          ("2024-W04", 2, 2)])
        self.assertIsNone(rows[1]["churn"])
        self.assertEqual(rows[2]["churn"], 0.5)
        # retention: E 0, 2, 2, 1; N (first interaction in the period, active at its
        # end): W02 l, W03 m -> 0, 1, 1, 0; (E - N) / S: 0/1, None, 1/2, 1/2
        rows = self.life_store.retention(t0="2024-01-01", t1="2024-01-29", window="7d",
                                         every="week").to_records()
        self.assertEqual([(r["end"], r["new"]) for r in rows], [(0, 0), (2, 1), (2, 1), (1, 0)])
        self.assertEqual([r["retention"] for r in rows], [0.0, None, 0.5, 0.5])
        with self.assertRaises(libiv.InvalidArgumentError):
            self.life_store.churn(by="month")
        # cohorts by the first signup, returns = purchases: monthly, all in March 2024:
        # 7 contacts, period 0 retained: a c g (a purchase on or after the signup)
        c = self.funnel_store.cohorts(period="month", start_types="signup",
                                      return_types=["purchase"]).to_records()
        self.assertEqual((c[0]["cohort"], c[0]["contacts"], c[0]["retained"]), ("2024-03", 7, 3))


class Nps(unittest.TestCase):
    def test_interval_and_two_selection_test(self) -> None:
        # on the sample: the interval is nps -+ 1.959964 se, clamped; compare nps gives
        # z = diff / sqrt(se_a^2 + se_b^2) and the two-sided normal p
        import math
        from support import SAMPLE
        with libiv.load(SAMPLE) as s:
            m = {r["variant"]: r for r in s.metrics(by="variant").to_records()}
            for r in m.values():
                self.assertAlmostEqual(r["nps_ci_low"], max(-100.0, r["nps"] - 1.959964 * r["nps_se"]))
                self.assertAlmostEqual(r["nps_ci_high"], min(100.0, r["nps"] + 1.959964 * r["nps_se"]))
            c = s.segment_compare("nps", "variant = A", "variant = B").to_records()[0]
            z = (m["A"]["nps"] - m["B"]["nps"]) / math.hypot(m["A"]["nps_se"], m["B"]["nps_se"])
            self.assertAlmostEqual(c["z"], z, places=12)
            self.assertAlmostEqual(c["p"], math.erfc(abs(z) / math.sqrt(2)), places=12)


if __name__ == "__main__":
    unittest.main()
