"""The Python binding: statistics, CLV and maturity.

Expected values are worked out by hand (comments), taken from published tables (Student
t quantile, the CDNOW parameters of Fader, Hardie & Lee 2005 quoted in doc/CLV.md), or from
the `iv` tool where it has the command.
"""

import math
import os
import unittest

import libiv
from support import DATA


class Stats(unittest.TestCase):
    A = [1.0, 2.0, 3.0]
    B = [4.0, 5.0, 6.0]

    def test_welch_on_two_small_samples_by_hand(self):
        # means 2 and 5, variances 1 and 1: se = sqrt(1/3 + 1/3), t = -3 / se,
        # Welch-Satterthwaite df = (2/3)^2 / (2 * (1/3)^2 / 2) = 4.
        t, df, p = libiv.stats.welch(self.A, self.B)
        se = math.sqrt(2.0 / 3.0)
        self.assertAlmostEqual(t, -3.0 / se, places=12)
        self.assertAlmostEqual(df, 4.0, places=12)
        # Student t with 4 df (even): P(|T| > |t|) = 1 - sin(th) (1 + cos^2(th) / 2),
        # th = atan(|t| / 2) (Abramowitz & Stegun 26.7.3).
        th = math.atan(abs(t) / 2.0)
        want = 1.0 - math.sin(th) * (1.0 + math.cos(th) ** 2 / 2.0)
        self.assertAlmostEqual(p, want, places=12)

    def test_mann_whitney_exact_for_separated_samples(self):
        # No pair with a > b: U = 0. Exact null over C(6,3) = 20 equally likely rank sets;
        # P(U <= 0) = 1/20, two-sided p = 0.1.
        u, p, exact = libiv.stats.mwu(self.A, self.B)
        self.assertEqual(u, 0.0)
        self.assertAlmostEqual(p, 0.1, places=12)
        self.assertTrue(exact)
        self.assertEqual(libiv.stats.cliffs_delta(self.A, self.B), -1.0)

    def test_compare_table_has_the_spec_columns_and_welch_interval(self):
        with libiv.stats.compare(self.A, self.B) as t:
            self.assertTrue(t.single)
            self.assertEqual(t.columns, [
                "n_a", "n_b", "mean_a", "mean_b", "median_a", "median_b", "diff",
                "diff_ci_low", "diff_ci_high", "welch_t", "welch_df", "welch_p", "mwu_u",
                "mwu_p", "cliffs_delta"])
            r = t[0]
        self.assertEqual((r["n_a"], r["n_b"]), (3, 3))
        self.assertEqual((r["mean_a"], r["median_b"], r["diff"]), (2.0, 5.0, -3.0))
        # t_{0.975, 4} = 2.7764451051977987 (published tables give 2.776)
        half = 2.7764451051977987 * math.sqrt(2.0 / 3.0)
        self.assertAlmostEqual(r["diff_ci_low"], -3.0 - half, places=9)
        self.assertAlmostEqual(r["diff_ci_high"], -3.0 + half, places=9)

    def test_undefined_statistics_are_none(self):
        t, df, p = libiv.stats.welch([1.0], [2.0, 3.0])
        self.assertIsNone(t)
        self.assertIsNone(p)
        with libiv.stats.compare([], [1.0, 2.0]) as tab:
            r = tab[0]
        self.assertIsNone(r["mean_a"])
        self.assertEqual(r["n_a"], 0)

    def test_distribution_functions(self):
        # Phi(1.959963984540054) = 0.975 (the 97.5% normal quantile)
        self.assertAlmostEqual(libiv.stats.normal_cdf(1.959963984540054), 0.975, places=14)
        self.assertAlmostEqual(libiv.stats.normal_quantile(0.975), 1.959963984540054,
                               places=12)
        # t with 1 df is Cauchy: P(T > 1) = 1/4
        self.assertAlmostEqual(libiv.stats.t_sf(1.0, 1.0), 0.25, places=14)

    def test_segment_compare_on_a_store_by_hand(self):
        # Per-contact RV: contacts a1..a3 in team a did 1, 2, 3 visits (1 RV each), b1..b3
        # in team b 4, 5, 6: the samples of the test above.
        with libiv.Store() as s:
            for team, counts in (("a", (1, 2, 3)), ("b", (4, 5, 6))):
                for i, k in enumerate(counts):
                    for j in range(k):
                        s.append(contact="%s%d" % (team, i), ts=1704067200000 + j * 1000, epoch_unit="ms",
                                 channel="web", type="visit", team=team)
            with s.compare("rv", "team = a", "team = b") as t:
                r = t[0]
        self.assertEqual((r["n_a"], r["n_b"]), (3, 3))
        self.assertAlmostEqual(r["welch_t"], -3.0 / math.sqrt(2.0 / 3.0), places=12)
        self.assertEqual(r["mwu_u"], 0.0)


def cdnow_store():
    """CDNOW_sample.txt (master id, sample id, YYYYMMDD, CDs, dollars) as interactions:
    one `purchase` per line, value = dollars."""
    path = os.path.join(DATA, "cdnow", "CDNOW_sample.txt")
    lines = ["contact,ts,channel,type,value"]
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) == 5:
                d = p[2]
                lines.append("%s,%s-%s-%s,web,purchase,%s" % (p[1], d[:4], d[4:6], d[6:], p[4]))
    s = libiv.Store()
    s.ingest_text("\n".join(lines) + "\n")
    return s


class Clv(unittest.TestCase):

    def test_simple_clv_by_hand(self):
        # m r / (1 + d - r) = 100 * 0.8 / 0.3
        self.assertAlmostEqual(libiv.clv_simple(100, 0.8, 0.1), 80 / 0.3, places=10)
        with self.assertRaises(libiv.RangeError):
            libiv.clv_simple(100, 1.5, 0.1)

    def test_cdnow_fits_reproduce_the_published_parameters(self):
        with cdnow_store() as s:
            self.assertEqual(s.contacts, 2357)
            with s.rfm(calibration_end="1997-09-30", unit="week") as rfm:
                self.assertEqual(len(rfm), 2357)
            with libiv.CLV.fit_store(s, "bgnbd", calibration_end="1997-09-30") as bg:
                want = {"r": 0.2426, "alpha": 4.414, "a": 0.7930, "b": 2.426}
                for k, v in want.items():
                    self.assertLess(abs(bg.params[k] / v - 1), 0.005, k)
                self.assertLess(abs(bg.loglik - -9582.43), 0.01)
                self.assertEqual(bg.customers, 2357)
                self.assertEqual(bg.model, "bgnbd")
            with s.clv_fit("gg", calibration_end="1997-09-30") as gg:
                want = {"p": 6.25, "q": 3.74, "gamma": 15.44}
                for k, v in want.items():
                    self.assertLess(abs(gg.params[k] / v - 1), 0.005, k)
                self.assertEqual(gg.customers, 946)
                self.assertLess(abs(gg.loglik - -4055.92), 0.01)

    def test_given_parameters_and_predictions(self):
        with libiv.CLV("bgnbd", {"r": 0.2426, "alpha": 4.414, "a": 0.793, "b": 2.426}) as m:
            self.assertIsNone(m.loglik)
            self.assertEqual(m.customers, 0)
            # BG/NBD: a customer with no repeat purchase is alive with probability 1
            # (Fader, Hardie & Lee 2005, eq. 9 has the death term only when x > 0).
            self.assertEqual(m.p_alive(0, 0, 30), 1.0)
            self.assertGreater(m.conditional(52, 3, 20, 30), 0)
        with libiv.CLV("gg", [6.25, 3.74, 15.44]) as gg:
            # population mean p gamma / (q - 1) for x = 0
            self.assertAlmostEqual(gg.expected_spend(0, 0), 6.25 * 15.44 / 2.74, places=10)
            # conditional mean p (gamma + x zbar) / (p x + q - 1)
            self.assertAlmostEqual(gg.expected_spend(2, 30),
                                   6.25 * (15.44 + 60) / (12.5 + 2.74), places=10)

    def test_predict_table(self):
        with libiv.CLV("bgnbd", [0.2426, 4.414, 0.793, 2.426]) as m, \
                libiv.CLV("gg", [6.25, 3.74, 15.44]) as gg:
            rfm = [{"contact": "c1", "x": 0, "t_x": 0, "T": 30, "zbar": 0},
                   {"contact": "c2", "x": 2, "t_x": 20, "T": 30, "zbar": 30}]
            with m.predict(rfm, 52, spend=gg) as t:
                self.assertEqual(t.columns, ["contact", "x", "t_x", "T", "p_alive",
                                             "expected_purchases", "expected_spend", "clv"])
                r = t.to_records()
        self.assertEqual(r[0]["p_alive"], 1.0)
        self.assertAlmostEqual(r[1]["expected_spend"], 6.25 * 75.44 / 15.24, places=10)


RUBRIC = """
[indicator.channels.digital_share]
direction = higher
thresholds = 1, 2, 3, 4, 5, 6, 7, 8, 9
[indicator.channels.cost]
direction = lower
weight = 3
thresholds = 90, 80, 70, 60, 50, 40, 30, 20, 10
"""


class Maturity(unittest.TestCase):

    def test_levels_scores_and_coverage_by_hand(self):
        with libiv.Rubric.parse(RUBRIC) as rub:
            # higher: t4 = 3, t5 = 4 -> 4 + (3.5 - 3) / (4 - 3) = 4.5
            self.assertAlmostEqual(rub.level("channels.digital_share", 3.5), 4.5, places=12)
            # lower: t6 = 50, t7 = 40 -> 6 + (50 - 45) / (50 - 40) = 6.5
            self.assertAlmostEqual(rub.level("channels.cost", 45), 6.5, places=12)
            self.assertEqual(rub.level("channels.digital_share", 0), 1.0)
            self.assertEqual(rub.level("channels.digital_share", 100), 10.0)
            with rub.table() as t:
                self.assertEqual(len(t), 2)
            with libiv.Indicators({"channels.digital_share": 3.5}) as ind:
                ind["channels.cost"] = 45
                self.assertEqual(len(ind), 2)
                self.assertEqual(ind["channels.cost"], 45)
                with libiv.maturity_assess(rub, ind) as a:
                    rows = {r["area"]: r for r in a}
                # weighted mean (1 * 4.5 + 3 * 6.5) / 4 = 6.0; staged = floor(min) = 4
                ch = rows["channels"]
                self.assertAlmostEqual(ch["score"], 6.0, places=12)
                self.assertEqual(ch["level"], 6)
                self.assertEqual(ch["staged_level"], 4)
                self.assertEqual(ch["coverage"], 1.0)
                self.assertEqual(ch["missing"], [])
                self.assertIsNone(rows["technology"]["score"])
                self.assertAlmostEqual(rows["overall"]["score"], 6.0, places=12)
                self.assertAlmostEqual(rows["overall"]["min"], 6.0, places=12)

    def test_year_on_year_and_peers_by_hand(self):
        with libiv.Rubric.parse(RUBRIC) as rub, \
                libiv.Indicators({"channels.digital_share": 3.5, "channels.cost": 45}) as now, \
                libiv.Indicators({"channels.digital_share": 1.5, "channels.cost": 65}) as then:
            with libiv.maturity_assess(rub, now) as a, libiv.maturity_assess(rub, then) as b:
                # then: digital 2 + 0.5 = 2.5, cost 5 + (60 - 65)... lower: t5 = 60, t4 = 70:
                # 4 + (70 - 65) / 10 = 4.5 -> (2.5 + 3 * 4.5) / 4 = 4.0
                with libiv.maturity_compare(a, b) as c:
                    ch = [r for r in c if r["area"] == "channels"][0]
                self.assertAlmostEqual(ch["previous"], 4.0, places=12)
                self.assertAlmostEqual(ch["change"], 2.0, places=12)
                self.assertAlmostEqual(ch["relative_change"], 0.5, places=12)
                peers = "peer,area,score\np1,channels,5\np2,channels,6\np3,channels,7\n"
                with libiv.maturity_peers(a, text=peers) as p:
                    ch = [r for r in p if r["area"] == "channels"][0]
                # score 6 among 5, 6, 7: (1 below + 0.5 * 1 equal) / 3 = 50%
                self.assertEqual(ch["peers"], 3)
                self.assertAlmostEqual(ch["percentile"], 50.0, places=12)
                self.assertEqual(ch["peer_median"], 6.0)

    def test_store_assessment_uses_derived_and_user_values(self):
        from support import SAMPLE
        with libiv.load(SAMPLE) as s:
            with s.maturity(indicators={"technology.self_assessment": 5}) as t:
                rows = {r["area"]: r for r in t}
            self.assertEqual(len(rows), 9)
            self.assertEqual(rows["technology"]["missing"], [])
            with libiv.Indicators().from_store(s) as ind, ind.table() as it:
                srcs = {r["indicator"]: r["source"] for r in it}
            self.assertEqual(srcs["channels.digital_share"], "derived")

    def test_bad_rubric_names_the_line(self):
        with self.assertRaises(libiv.ParseError) as cm:
            libiv.Rubric.parse("[indicator.channels.x]\ndirection = sideways\n")
        self.assertIn("line 2", cm.exception.message)
        self.assertIn("[indicator.", libiv.Rubric.default_text())


if __name__ == "__main__":
    unittest.main()
