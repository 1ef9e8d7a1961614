"""CLV models of doc/CLV.md through the Python binding: standard errors, MBG/NBD, BG/BB,
shifted-BG, P(X(t) = x), penalizer, and array in / array out for every per-customer
function (numpy arrays when numpy is installed, lists otherwise: both interpreters run
this file). Published values as in tests/test_clv_models.c; the CLI as the independent
second path."""

import csv
import math
import os
import unittest

import libiv
from libiv.clv import CLV

from support import DATA, SAMPLE, iv_json

try:
    import numpy
except ImportError:
    numpy = None


def array(v):
    return numpy.asarray(v, dtype=float) if numpy is not None else list(v)


def cdnow():
    with open(os.path.join(DATA, "cdnow", "cdnow_customers_summary_with_transactions.csv")) as f:
        rows = list(csv.DictReader(f))
    return ([float(r[k]) for r in rows] for k in ("x", "t_x", "T", "zbar"))


class Models(unittest.TestCase):
    def close(self, got, want, rel=0.005):
        self.assertLessEqual(abs(got - want), rel * abs(want), "%r vs %r" % (got, want))

    def test_pareto_standard_errors_match_clvtools(self):
        x, tx, T, _ = cdnow()
        se = CLV.fit("pareto", array(x), array(tx), array(T)).standard_errors
        for k, v in (("r", 0.0476), ("alpha", 0.843), ("s", 0.187), ("beta", 6.21)):
            self.close(se[k], v)
        self.assertIsNone(CLV("pareto", [1, 2, 3, 4]).standard_errors["r"])

    def test_mbgnbd_bgbb_and_sbg_reproduce_the_published_fits(self):
        x, tx, T, _ = cdnow()
        p = CLV.fit("mbgnbd", x, tx, T).params
        for k, v in (("r", 0.525), ("alpha", 6.183), ("a", 0.891), ("b", 1.614)):
            self.close(p[k], v)
        with open(os.path.join(DATA, "donations", "donations.csv")) as f:
            rows = list(csv.DictReader(f))
        m = CLV.fit("bgbb", [r["frequency"] for r in rows], [r["recency"] for r in rows],
                    [r["periods"] for r in rows], weights=[r["weights"] for r in rows])
        for k, v in (("alpha", 1.204), ("beta", 0.750), ("gamma", 0.657), ("delta", 2.783)):
            self.close(m.params[k], v)
        self.assertEqual(m.customers, 11104)
        pa = m.p_alive(array([0, 2, 6]), array([0, 4, 6]), 6)
        for got, want in zip(pa, (0.11, 0.59, 0.93)):
            self.assertAlmostEqual(got, want, delta=0.005)
        pct = [100, 63.1, 46.8, 38.2, 32.6, 28.9, 26.2, 24.1]
        per = list(range(1, 8)) + [7]
        ch = [1] * 7 + [0]
        w = [round(10 * (pct[t - 1] - pct[t])) for t in range(1, 8)] + [round(10 * pct[7])]
        s = CLV.fit("sbg", per, ch, weights=w)
        self.close(s.params["alpha"], 0.704)
        self.close(s.params["beta"], 1.182)
        surv = s.survival(array(range(8)))
        self.assertEqual(len(surv), 8)
        self.assertEqual(surv[0], 1.0)

    def test_arrays_in_arrays_out(self):
        b = CLV("bgnbd", [0.2426, 4.414, 0.793, 2.426])
        p = b.pmf(39, array(range(300)))
        if numpy is not None:
            self.assertIsInstance(p, numpy.ndarray)
        else:
            self.assertIsInstance(p, list)
        self.assertAlmostEqual(sum(p), 1.0, places=10)
        self.assertAlmostEqual(sum(k * v for k, v in enumerate(p)), b.expected(39), places=8)
        e = b.conditional(39, array([2, 1]), array([30.43, 1.71]), array([38.86, 38.86]))
        self.assertEqual(len(e), 2)
        self.assertAlmostEqual(e[0], b.conditional(39, 2, 30.43, 38.86), places=14)
        self.assertIsInstance(b.expected(39), float)

    def test_penalizer_gives_a_fit_the_cli_agrees_with(self):
        s = libiv.load(SAMPLE)
        with self.assertRaises(libiv.UndefinedError):
            CLV.fit_store(s, "pareto")
        c = CLV.fit_store(s, "pareto", penalizer=0.01)
        cli = iv_json("clv", "fit", SAMPLE, "--model", "pareto", "--penalizer", "0.01")
        for k in ("r", "alpha", "s", "beta"):
            self.assertAlmostEqual(c.params[k], cli[k], delta=1e-9 * abs(cli[k]))
            self.assertTrue(math.isfinite(c.standard_errors[k] or math.nan))


    def test_covariates_agree_with_the_cli(self):
        # the same one-hot covariates given as arrays (Python) and as a text column of a
        # CSV (the CLI, which one-hot encodes it): the same fit
        import tempfile
        with open(os.path.join(DATA, "cdnow", "cdnow_customers_summary_with_transactions.csv")) as f:
            rows = list(csv.DictReader(f))
        x, tx, T = ([float(r[k]) for r in rows] for k in ("x", "t_x", "T"))
        seg = ["abc"[k % 3] for k in range(len(rows))]
        cov = {"seg=b": array([1.0 if s == "b" else 0.0 for s in seg]),
               "seg=c": array([1.0 if s == "c" else 0.0 for s in seg])}
        c = CLV.fit("pareto", array(x), array(tx), array(T), purchase_covariates=cov,
                    dropout_covariates=cov)
        with tempfile.TemporaryDirectory() as d:
            summ, cf = os.path.join(d, "s.csv"), os.path.join(d, "c.csv")
            with open(summ, "w") as f:
                f.write("contact,x,t_x,T\n" + "".join(
                    "%s,%s,%s,%s\n" % (r["ID"] if "ID" in r else k, r["x"], r["t_x"], r["T"])
                    for k, r in enumerate(rows)))
            with open(cf, "w") as f:
                f.write("contact,seg\n" + "".join(
                    "%s,%s\n" % (r["ID"] if "ID" in r else k, seg[k]) for k, r in enumerate(rows)))
            cli = iv_json("clv", "fit", "--summary", summ, "--model", "pareto", "--covariates", cf)
        p, se = c.params, c.standard_errors
        for k in ("r", "alpha", "s", "beta", "gamma_purchase.seg=b", "gamma_dropout.seg=c"):
            self.assertAlmostEqual(p[k], cli[k], delta=1e-9 * max(1.0, abs(cli[k])))
            self.assertAlmostEqual(se[k] or math.nan, cli[k + "_se"], delta=1e-6 * cli[k + "_se"])
        one = c.params_table().to_records()[0]
        self.assertIn("gamma_dropout.seg=b_se", one)
        with self.assertRaises(libiv.Error):
            CLV.fit("gg", array(x), zbar=array([1.0] * len(x)), purchase_covariates=cov)
        # for_customer: customer k's own model has alpha_k = alpha exp(-gamma . z_k),
        # beta_k = beta exp(-gamma . z_k), and predicts as the plain model given those
        # parameters (a second path: iv_clv_new, no covariates)
        for k in (0, 1, 2, 7):
            zk = {"seg=b": float(seg[k] == "b"), "seg=c": float(seg[k] == "c")}
            one = c.for_customer(purchase=zk, dropout=[zk["seg=b"], zk["seg=c"]])
            ea = math.exp(-(p["gamma_purchase.seg=b"] * zk["seg=b"] +
                            p["gamma_purchase.seg=c"] * zk["seg=c"]))
            eb = math.exp(-(p["gamma_dropout.seg=b"] * zk["seg=b"] +
                            p["gamma_dropout.seg=c"] * zk["seg=c"]))
            plain = CLV("pareto", [p["r"], p["alpha"] * ea, p["s"], p["beta"] * eb])
            self.close(one.params["alpha"], p["alpha"] * ea, 1e-14)
            self.close(one.params["beta"], p["beta"] * eb, 1e-14)
            self.close(one.conditional(52, x[k], tx[k], T[k]),
                       plain.conditional(52, x[k], tx[k], T[k]), 1e-12)
            self.close(one.p_alive(x[k], tx[k], T[k]), plain.p_alive(x[k], tx[k], T[k]), 1e-12)
        with self.assertRaises(libiv.Error):
            c.for_customer(purchase={"seg=b": 1.0})
        with self.assertRaises(libiv.Error):
            c.for_customer(purchase=[1.0, 0.0])  # dropout covariates missing


if __name__ == "__main__":
    unittest.main()
