"""`iv clv` beyond fit/predict of the first models (doc/CLV.md): standard errors after each
parameter, --model mbgnbd|bgbb|sbg, --summary CSVs, --penalizer, pmf and validate, checked
against published values (the same as tests/test_clv_models.c) and the shapes of
doc/GUIDE.md.

Run by meson with IV_EXE (the built tool) and IV_SOURCE_ROOT set."""
import csv
import json
import math
import os
import subprocess
import tempfile
import unittest

IV = os.environ.get("IV_EXE", "iv")
ROOT = os.environ.get("IV_SOURCE_ROOT", ".")
SAMPLE = os.path.join(ROOT, "examples", "data", "sample.csv")
DATA = os.path.join(ROOT, "tests", "data")


def iv(*args, check=True):
    p = subprocess.run([IV, *args], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"iv {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return p


def iv_json(*args):
    return json.loads(iv(*args, "--format", "json").stdout)


class Clv(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        # CDNOW per-customer summary with the header the --summary option reads
        src = os.path.join(DATA, "cdnow", "cdnow_customers_summary_with_transactions.csv")
        with open(src) as f:
            lines = f.read().splitlines()
        cls.cdnow = os.path.join(d, "cdnow.csv")
        with open(cls.cdnow, "w") as f:
            f.write("contact,x,t_x,T,zbar\n" + "\n".join(lines[1:]) + "\n")
        # the donations patterns, one row per donor
        cls.don = os.path.join(d, "don.csv")
        with open(os.path.join(DATA, "donations", "donations.csv")) as f, open(cls.don, "w") as g:
            g.write("contact,x,t_x,n\n")
            k = 0
            for r in csv.DictReader(f):
                for _ in range(int(r["weights"])):
                    k += 1
                    g.write(f"d{k},{r['frequency']},{r['recency']},{r['periods']}\n")
        # Fader & Hardie (2007) Table 1, regular cohort, years 1-7
        cls.sbg = os.path.join(d, "sbg.csv")
        pct = [100, 63.1, 46.8, 38.2, 32.6, 28.9, 26.2, 24.1]
        with open(cls.sbg, "w") as g:
            g.write("contact,periods,churned\n")
            k = 0
            for t in range(1, 8):
                for _ in range(round(10 * (pct[t - 1] - pct[t]))):
                    k += 1
                    g.write(f"c{k},{t},1\n")
            for _ in range(round(10 * pct[7])):
                k += 1
                g.write(f"c{k},7,0\n")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def close(self, got, want, rel=0.005):
        self.assertLessEqual(abs(got - want), rel * abs(want), f"{got} vs {want}")

    def test_fit_reports_each_parameter_then_its_standard_error(self):
        r = iv_json("clv", "fit", "--summary", self.cdnow, "--model", "pareto")
        self.assertEqual(list(r), ["r", "r_se", "alpha", "alpha_se", "s", "s_se", "beta",
                                   "beta_se", "loglik", "customers"])
        for k, v in (("r_se", 0.0476), ("alpha_se", 0.843), ("s_se", 0.187), ("beta_se", 6.21)):
            self.close(r[k], v)

    def test_new_models_reproduce_the_published_fits(self):
        r = iv_json("clv", "fit", "--summary", self.cdnow, "--model", "mbgnbd")
        for k, v in (("r", 0.525), ("alpha", 6.183), ("a", 0.891), ("b", 1.614)):
            self.close(r[k], v)
        r = iv_json("clv", "fit", "--summary", self.don, "--model", "bgbb")
        for k, v in (("alpha", 1.204), ("beta", 0.750), ("gamma", 0.657), ("delta", 2.783)):
            self.close(r[k], v)
        self.assertEqual(r["customers"], 11104)
        r = iv_json("clv", "fit", "--summary", self.sbg, "--model", "sbg")
        self.close(r["alpha"], 0.704)
        self.close(r["beta"], 1.182)

    def test_pmf_rows_sum_to_one(self):
        for m in ("bgnbd", "mbgnbd", "pareto"):
            rows = iv_json("clv", "pmf", "--summary", self.cdnow, "--model", m, "--horizon", "39",
                           "--max-x", "400")
            self.assertEqual([r["x"] for r in rows], list(range(401)))
            self.assertAlmostEqual(sum(r["p"] for r in rows), 1.0, places=11)

    def test_validate_has_the_frequency_rows_then_all(self):
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, "cd.csv")
            with open(os.path.join(DATA, "cdnow", "CDNOW_sample.txt")) as f, open(log, "w") as g:
                g.write("contact,ts,channel,type,value\n")
                for line in f:
                    p = line.split()
                    if len(p) == 5:
                        g.write(f"{p[1]},{p[2][:4]}-{p[2][4:6]}-{p[2][6:]},web,purchase,{p[4]}\n")
            for m in ("bgnbd", "mbgnbd", "pareto", "bgbb"):
                rows = iv_json("clv", "validate", log, "--model", m, "--calibration-end",
                               "1997-09-30", "--holdout-end", "1998-06-30")
                self.assertEqual([r["x"] for r in rows],
                                 ["0", "1", "2", "3", "4", "5", "6", "7+", "all"])
                self.assertEqual(list(rows[-1]), ["x", "customers", "actual", "predicted", "mae",
                                                  "rmse", "correlation"])
                self.assertEqual(rows[-1]["customers"], 2357)
                self.assertEqual(sum(r["customers"] for r in rows[:-1]), 2357)
                for r in rows:
                    self.assertIsNotNone(r["predicted"])
                self.assertGreater(rows[-1]["correlation"], 0.5)

    def test_validate_all_row_holds_totals(self):
        # The "all" row: customers, and actual and predicted as totals over the customers
        # (doc/CLV.md §11). The actual total is counted here from the raw CDNOW file:
        # purchase days after 1997-09-30 up to 1998-06-30 (days merged).
        days = {}
        with open(os.path.join(DATA, "cdnow", "CDNOW_sample.txt")) as f:
            for line in f:
                p = line.split()
                if len(p) == 5:
                    days.setdefault(p[1], set()).add(p[2])
        hold = sum(sum(1 for d in s if "19971001" <= d <= "19980630") for s in days.values())
        self.assertEqual(len(days), 2357)
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, "cd.csv")
            with open(log, "w") as g:
                g.write("contact,ts,channel,type,value\n")
                with open(os.path.join(DATA, "cdnow", "CDNOW_sample.txt")) as f:
                    for line in f:
                        p = line.split()
                        if len(p) == 5:
                            g.write(f"{p[1]},{p[2][:4]}-{p[2][4:6]}-{p[2][6:]},web,purchase,{p[4]}\n")
            rows = iv_json("clv", "validate", log, "--model", "bgnbd", "--calibration-end",
                           "1997-09-30", "--holdout-end", "1998-06-30")
        last = rows[-1]
        self.assertEqual(last["x"], "all")
        self.assertEqual(last["customers"], 2357)
        self.assertEqual(last["actual"], hold)
        self.assertAlmostEqual(sum(r["customers"] * r["actual"] for r in rows[:-1]), hold, places=9)
        self.assertAlmostEqual(sum(r["customers"] * r["predicted"] for r in rows[:-1]),
                               last["predicted"], delta=1e-9 * last["predicted"])

    @staticmethod
    def clv_section(html):
        a = html.index('<section id="clv">')
        return html[a:html.index("</section>", a)]

    @staticmethod
    def number(text):
        """A number as the report prints it (thin-space thousands, U+2212 minus)."""
        return float(text.replace("\u2009", "").replace(",", "").replace("\u2212", "-"))

    def test_report_clv_section_on_the_sample(self):
        # Calibration end by hand: first interaction 2023-01-03, last 2024-12-31: 728 days,
        # three quarters = 546 days -> 2024-07-02. Holdout purchases counted here from the
        # CSV: purchase-flagged types (doc/MODEL.md), days merged, contacts whose first
        # purchase day is on or before the calibration end.
        import datetime
        import re
        buy = {"purchase", "repeat", "renewal", "upsell", "cross_sell"}
        days = {}
        with open(SAMPLE) as f:
            for r in csv.DictReader(f):
                if r["type"] in buy:
                    days.setdefault(r["contact"], set()).add(r["ts"][:10])
        cal = (datetime.date(2023, 1, 3) + datetime.timedelta(days=546)).isoformat()
        self.assertEqual(cal, "2024-07-02")
        cal_contacts = [s for s in days.values() if min(s) <= cal]
        hold = sum(sum(1 for d in s if d > cal) for s in cal_contacts)
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "r.html")
            iv("report", SAMPLE, "-o", out)
            with open(out, encoding="utf-8") as f:
                sec = self.clv_section(f.read())
        self.assertIn("purchases up to 2024-07-02", sec)
        self.assertIn(f"{len(days)} contacts with a purchase", sec)
        allrow = re.search(r"<tr><td>all</td>(.*?)</tr>", sec).group(1)
        cells = re.findall(r'<td class="num">([^<]*)</td>', allrow)
        self.assertEqual(self.number(cells[0]), len(cal_contacts))
        self.assertEqual(self.number(cells[1]), hold)
        # the parameters are those of iv clv fit (3 significant digits as printed)
        fit = iv_json("clv", "fit", SAMPLE, "--model", "bgnbd")
        for name in ("r", "alpha"):
            m = re.search(r"<td>BG/NBD</td><td>%s</td><td class=\"num\">([^<]*)</td>"
                          r"<td class=\"num\">([^<]*)</td>" % name, sec)
            self.assertIsNotNone(m, name)
            self.assertAlmostEqual(self.number(m.group(1)) / fit[name], 1, delta=0.006)
            self.assertAlmostEqual(self.number(m.group(2)) / fit[name + "_se"], 1, delta=0.006)
        self.assertIn("Pareto/NBD not fitted: the likelihood has no maximum", sec)
        self.assertEqual(sec.count("<svg"), 2)
        self.assertNotRegex(sec, r"\bnan\b|\binf\b|NaN")

    def test_report_says_plainly_when_no_model_fits(self):
        # 30 contacts buying every other week like clockwork: no dropout and no spread of
        # rates, so no model has an interior maximum; the report still renders.
        import datetime
        with tempfile.TemporaryDirectory() as d:
            log, out = os.path.join(d, "flat.csv"), os.path.join(d, "r.html")
            with open(log, "w") as g:
                g.write("contact,ts,channel,type,value\n")
                d0 = datetime.date(2024, 1, 1)
                for c in range(30):
                    for w in range(0, 52, 2):
                        day = d0 + datetime.timedelta(days=7 * w + c % 7)
                        g.write(f"K{c:03d},{day}T12:00:00Z,web,purchase,10\n")
            iv("report", log, "-o", out)
            with open(out, encoding="utf-8") as f:
                sec = self.clv_section(f.read())
        self.assertIn("None of the models can be fitted to these data", sec)
        self.assertIn("None of the models could be fitted to the calibration period", sec)
        for m in ("BG/NBD", "MBG/NBD", "Pareto/NBD"):
            self.assertIn(m + " not fitted: the likelihood has no maximum", sec)
        self.assertNotIn("<svg", sec)

    def test_covariates_file_zero_text_and_errors(self):
        # doc/CLV.md §13: all-zero covariates give the plain fit; a text column is one-hot
        # (the first level in byte order is the reference); errors name file, line, column.
        with open(self.cdnow) as f:
            ids = [line.split(",")[0] for line in f.read().splitlines()[1:]]
        with tempfile.TemporaryDirectory() as d:
            cov = os.path.join(d, "cov.csv")
            with open(cov, "w") as g:
                g.write("contact,zero,seg\n")
                for k, c in enumerate(ids):
                    g.write(f"{c},0,{'abc'[k % 3]}\n")
            plain = iv_json("clv", "fit", "--summary", self.cdnow, "--model", "pareto")
            with open(cov, "w") as g:
                g.write("contact,zero\n" + "".join(f"{c},0\n" for c in ids))
            z = iv_json("clv", "fit", "--summary", self.cdnow, "--model", "pareto",
                        "--covariates", cov)
            for k in ("r", "alpha", "s", "beta", "r_se", "beta_se", "loglik"):
                self.assertEqual(z[k], plain[k], k)
            self.assertEqual(z["gamma_purchase.zero"], 0)
            self.assertIsNone(z["gamma_purchase.zero_se"])
            self.assertEqual(z["gamma_dropout.zero"], 0)
            keys = list(z)
            self.assertEqual(keys[:12], ["r", "r_se", "alpha", "alpha_se", "s", "s_se", "beta",
                                         "beta_se", "gamma_purchase.zero",
                                         "gamma_purchase.zero_se", "gamma_dropout.zero",
                                         "gamma_dropout.zero_se"])
            with open(cov, "w") as g:
                g.write("contact,seg\n" + "".join(f"{c},{'abc'[k % 3]}\n"
                                                  for k, c in enumerate(ids)))
            t = iv_json("clv", "fit", "--summary", self.cdnow, "--model", "bgnbd",
                        "--covariates", cov)
            self.assertIn("gamma_purchase.seg=b", t)
            self.assertIn("gamma_purchase.seg=c", t)
            self.assertNotIn("gamma_purchase.seg=a", t)
            self.assertNotIn("gamma_dropout.seg=b", t)
            self.assertGreater(t["gamma_purchase.seg=b_se"], 0)
            with open(cov, "w") as g:
                g.write("contact,seg\n" + "".join(f"{c},1\n" for c in ids[1:]))
            p = iv("clv", "fit", "--summary", self.cdnow, "--model", "bgnbd", "--covariates",
                   cov, check=False)
            self.assertEqual(p.returncode, 1)
            self.assertIn(f"{cov}: contact '{ids[0]}' has no row", p.stderr)
            with open(cov, "w") as g:
                g.write("contact,seg\n" + "".join(f"{c},1\n" for c in ids[:5]) + "zz,\n")
            p = iv("clv", "fit", "--summary", self.cdnow, "--model", "bgnbd", "--covariates",
                   cov, check=False)
            self.assertIn(f"{cov}:7:4: field 'seg' is empty", p.stderr)
            p = iv("clv", "fit", "--summary", self.cdnow, "--model", "gg", "--covariates", cov,
                   check=False)
            self.assertEqual(p.returncode, 2)

    def test_predict_and_validate_take_covariates(self):
        # issue #17: predict and validate with --covariates predict each customer at its
        # own rate alpha_i = alpha exp(-gamma . z_i). Checked by a second method: BG/NBD's
        # closed forms (FHL 2005 eq. 10 and 11) evaluated here at alpha_i, with the fitted
        # parameters the CLI reports, and the Gauss series of 2F1 (all terms positive).
        with open(self.cdnow) as f:
            rows = [line.split(",") for line in f.read().splitlines()[1:]]
        with tempfile.TemporaryDirectory() as d:
            cov = os.path.join(d, "cov.csv")
            z = {}
            with open(cov, "w") as g:
                g.write("contact,big,seg\n")
                for k, r in enumerate(rows):
                    z[r[0]] = (1.0 if float(r[4]) > 30 else 0.0, "ab"[k % 2])
                    g.write(f"{r[0]},{z[r[0]][0]:g},{z[r[0]][1]}\n")
            fit = iv_json("clv", "fit", "--summary", self.cdnow, "--model", "bgnbd",
                          "--covariates", cov)
            pred = iv_json("clv", "predict", "--summary", self.cdnow, "--model", "bgnbd",
                           "--covariates", cov, "--horizon", "39")
            plain = iv_json("clv", "predict", "--summary", self.cdnow, "--model", "bgnbd",
                            "--horizon", "39")
        r_, al, a, b = (fit[k] for k in ("r", "alpha", "a", "b"))
        gb, gs = fit["gamma_purchase.big"], fit["gamma_purchase.seg=b"]
        self.assertNotEqual(gb, 0)

        def hyp2f1(p, q, c, x):
            term, total, k = 1.0, 1.0, 0
            while abs(term) > 1e-17 * abs(total):
                term *= (p + k) * (q + k) / ((c + k) * (k + 1)) * x
                total += term
                k += 1
            return total
        self.assertEqual(len(pred), len(rows))
        differ = 0
        for row, p0 in zip(pred, plain):
            x, tx, T = row["x"], row["t_x"], row["T"]
            zb, seg = z[row["contact"]]
            ali = al * math.exp(-(gb * zb + gs * (seg == "b")))
            dd = a / (b + x - 1) * ((ali + T) / (ali + tx)) ** (r_ + x) if x > 0 else 0.0
            pa = 1 / (1 + dd)
            t = 39.0
            e = (a + b + x - 1) / (a - 1) * (1 - ((ali + T) / (ali + T + t)) ** (r_ + x) *
                                             hyp2f1(r_ + x, b + x, a + b + x - 1,
                                                    t / (ali + T + t))) * pa
            self.close(row["p_alive"], pa, 1e-9)
            self.close(row["expected_purchases"], e, 1e-9)
            differ += abs(row["expected_purchases"] - p0["expected_purchases"]) > 1e-6
        self.assertGreater(differ, len(rows) // 2)  # the covariates changed the predictions
        # validate: the "all" row's predicted total is the sum of the conditional
        # expectations over the holdout at each customer's own rate (the same closed form)
        with tempfile.TemporaryDirectory() as d:
            summ = os.path.join(d, "s.csv")
            with open(summ, "w") as g:
                g.write("contact,x,t_x,T,holdout_x,holdout_T\n")
                for r in rows:
                    g.write(f"{r[0]},{r[1]},{r[2]},{r[3]},1,39\n")
            cov2 = os.path.join(d, "cov.csv")
            with open(cov2, "w") as g:
                g.write("contact,big,seg\n")
                for r in rows:
                    g.write(f"{r[0]},{z[r[0]][0]:g},{z[r[0]][1]}\n")
            val = iv_json("clv", "validate", "--summary", summ, "--model", "bgnbd",
                          "--covariates", cov2)
            p = iv("clv", "pmf", "--summary", summ, "--model", "bgnbd", "--covariates", cov2,
                   "--horizon", "1", "--max-x", "2", check=False)
            self.assertEqual(p.returncode, 2)
        self.close(val[-1]["predicted"], sum(r["expected_purchases"] for r in pred), 1e-9)

    def test_covariates_from_a_custom_dimension(self):
        # the sample's region (text) one-hot on the BG/NBD purchase rate
        r = iv_json("clv", "fit", SAMPLE, "--model", "bgnbd", "--covariates-dim", "region")
        gam = sorted(k for k in r if k.startswith("gamma_purchase.") and not k.endswith("_se"))
        self.assertGreaterEqual(len(gam), 1)
        for k in gam:
            self.assertTrue(k.startswith("gamma_purchase.region="), k)
            self.assertIsInstance(r[k], float)
            self.assertGreater(r[k + "_se"], 0)
        p = iv("clv", "fit", SAMPLE, "--model", "bgnbd", "--covariates-dim", "nope", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no custom dimension 'nope'", p.stderr)

    def test_penalizer_gives_a_fit_where_the_plain_fit_has_no_maximum(self):
        p = iv("clv", "fit", SAMPLE, "--model", "pareto", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("--penalizer", p.stderr)
        r = iv_json("clv", "fit", SAMPLE, "--model", "pareto", "--penalizer", "0.01")
        for k in ("r", "alpha", "s", "beta", "loglik"):
            self.assertIsInstance(r[k], float)

    def test_summary_errors_name_file_line_and_field(self):
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "bad.csv")
            with open(bad, "w") as f:
                f.write("contact,x,t_x,T\na,1,2,3\nb,1,zz,3\n")
            p = iv("clv", "fit", "--summary", bad, "--model", "bgnbd", check=False)
            self.assertEqual(p.returncode, 1)
            self.assertIn(f"{bad}:3:", p.stderr)
            self.assertIn("t_x", p.stderr)
            with open(bad, "w") as f:
                f.write("contact,x,T\na,1,3\n")
            p = iv("clv", "fit", "--summary", bad, "--model", "bgnbd", check=False)
            self.assertIn("'t_x'", p.stderr)


if __name__ == "__main__":
    unittest.main()
