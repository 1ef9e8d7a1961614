"""Holdout validation through the Python binding (CLV.validate, CLV.validate_store;
doc/CLV.md): the table recomputed here from the model's own conditional expectations
(classes, means, totals, mae, rmse and the Pearson correlation written out in Python), the
same table as `iv clv validate` (the CLI as the independent second path) from per-customer
summaries and from a log, covariates, undefined correlation as None, errors naming the
row. numpy arrays when numpy is installed, lists otherwise (both interpreters run this)."""

import csv
import math
import os
import tempfile
import unittest

import libiv
from libiv.clv import CLV

from support import DATA, iv_json

try:
    import numpy
except ImportError:
    numpy = None


def array(v):
    return numpy.asarray(v, dtype=float) if numpy is not None else list(v)


X = [0, 0, 1, 2, 3, 4, 5, 6, 8, 12]
TX = [0, 0, 5, 10, 20.5, 30, 15, 33, 36, 38]
T = [40, 12, 30, 38, 39, 38, 39, 40, 38, 39]
HX = [0, 1, 0, 1, 2, 1, 0, 3, 4, 6]
HT = [13, 6.5, 13, 13, 13, 13, 13, 13, 13, 13]
LABELS = ["0", "1", "2", "3", "4", "5", "6", "7+", "all"]


def by_hand(pred, x, hx):
    """The validation table written out: per class count, mean actual, mean predicted;
    then totals, mae, rmse, Pearson correlation (None when undefined)."""
    rows = []
    for k in range(8):
        idx = [i for i in range(len(x)) if min(int(x[i]), 7) == k]
        rows.append((len(idx), sum(hx[i] for i in idx) / len(idx) if idx else None,
                     sum(pred[i] for i in idx) / len(idx) if idx else None))
    n = len(x)
    ma, mp = sum(hx) / n, sum(pred) / n
    va = sum((h - ma) ** 2 for h in hx)
    vp = sum((p - mp) ** 2 for p in pred)
    cv = sum((h - ma) * (p - mp) for h, p in zip(hx, pred))
    rows.append((n, sum(hx), sum(pred), sum(abs(h - p) for h, p in zip(hx, pred)) / n,
                 math.sqrt(sum((h - p) ** 2 for h, p in zip(hx, pred)) / n),
                 cv / math.sqrt(va * vp) if va > 0 and vp > 0 else None))
    return rows


class ValidateTest(unittest.TestCase):
    def assertClose(self, a, b, rel=1e-12):
        if b is None:
            self.assertIsNone(a)
        else:
            self.assertLessEqual(abs(a - b), rel * abs(b) + 1e-15, (a, b))

    def check(self, table, want):
        rows = list(table)
        self.assertEqual([r["x"] for r in rows], LABELS)
        self.assertEqual(table.columns, ["x", "customers", "actual", "predicted", "mae", "rmse",
                                         "correlation"])
        for r, w in zip(rows[:8], want[:8]):
            self.assertEqual(r["customers"], w[0])
            self.assertClose(r["actual"], w[1])
            self.assertClose(r["predicted"], w[2])
            self.assertIsNone(r["mae"])
        a, w = rows[8], want[8]
        self.assertEqual(a["customers"], w[0])
        for k, v in zip(("actual", "predicted", "mae", "rmse", "correlation"), w[1:]):
            self.assertClose(a[k], v)

    def test_table_equals_the_one_written_out_for_every_count_model(self):
        for model, par in (("bgnbd", [0.2426, 4.414, 0.793, 2.426]),
                           ("mbgnbd", [0.525, 6.18, 0.891, 1.61]),
                           ("pareto", [0.553, 10.58, 0.606, 11.67])):
            m = CLV(model, par)
            pred = [m.conditional(h, x, tx, t) for h, x, tx, t in zip(HT, X, TX, T)]
            t = m.validate(array(X), array(TX), array(T), array(HX), array(HT))
            self.check(t, by_hand(pred, X, HX))

    def test_bgbb_takes_opportunities(self):
        m = CLV("bgbb", [1.204, 0.750, 0.657, 2.783])
        x, tx, n, hx = [0, 1, 2, 3, 6], [0, 3, 5, 6, 6], [6, 4, 6, 6, 6], [0, 1, 0, 2, 4]
        pred = [m.conditional(5, *a) for a in zip(x, tx, n)]
        self.check(m.validate(x, tx, n, hx, 5), by_hand(pred, x, hx))

    def test_constant_column_gives_undefined_correlation(self):
        m = CLV("bgnbd", [0.2426, 4.414, 0.793, 2.426])
        t = m.validate(X, TX, T, HX, 0)  # holdout length 0: every prediction 0
        last = t.row(-1)
        self.assertIsNone(last["correlation"])
        self.assertEqual(last["predicted"], 0.0)
        self.assertClose(last["mae"], 1.8)
        self.assertClose(last["rmse"], math.sqrt(6.8))
        t = m.validate(X, TX, T, [2] * len(X), HT)  # constant actual
        self.assertIsNone(t.row(-1)["correlation"])

    def test_summary_csv_equals_iv_clv_validate(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "s.csv")
            with open(path, "w") as f:
                f.write("contact,x,t_x,T,holdout_x,holdout_T\n")
                for i in range(len(X)):
                    f.write("c%d,%g,%g,%g,%g,%g\n" % (i, X[i], TX[i], T[i], HX[i], HT[i]))
            cli = iv_json("clv", "validate", "--summary", path, "--model", "bgnbd",
                          "--penalizer", "0.1")
        m = CLV.fit("bgnbd", X, TX, T, penalizer=0.1)
        rows = list(m.validate(X, TX, T, HX, HT))
        self.assertEqual(rows, cli)

    def test_store_equals_iv_clv_validate_on_a_log(self):
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, "cd.csv")
            with open(os.path.join(DATA, "cdnow", "CDNOW_sample.txt")) as f, open(log, "w") as g:
                g.write("contact,ts,channel,type,value\n")
                for line in f:
                    p = line.split()
                    if len(p) == 5:
                        g.write("%s,%s-%s-%s,web,purchase,%s\n"
                                % (p[1], p[2][:4], p[2][4:6], p[2][6:], p[4]))
            store = libiv.load(log)
            for model in ("bgnbd", "pareto", "bgbb"):
                cli = iv_json("clv", "validate", log, "--model", model, "--calibration-end",
                              "1997-09-30", "--holdout-end", "1998-06-30")
                t = CLV.validate_store(store, model, calibration_end="1997-09-30",
                                       holdout_end="1998-06-30")
                self.assertEqual(list(t), cli, model)
            with self.assertRaises(libiv.Error):
                CLV.validate_store(store, "gg", calibration_end="1997-09-30")
            with self.assertRaises(libiv.Error):
                CLV.validate_store(store, "bgnbd")  # no calibration end

    def test_covariates_predict_each_customer_at_its_rates(self):
        z = [0, 1, 0, 1, 1, 0, 1, 0, 1, 0]
        m = CLV.fit("pareto", X, TX, T, purchase_covariates={"z": z},
                    dropout_covariates={"z": z}, penalizer=0.1)
        pred = [m.for_customer({"z": z[i]}, {"z": z[i]}).conditional(HT[i], X[i], TX[i], T[i])
                for i in range(len(X))]
        t = m.validate(X, TX, T, HX, HT, purchase_covariates={"z": array(z)},
                       dropout_covariates={"z": z})
        self.check(t, by_hand(pred, X, HX))
        with self.assertRaises(libiv.InvalidArgumentError):
            m.validate(X, TX, T, HX, HT)  # the fit has covariates

    def test_errors_name_the_row(self):
        m = CLV("bgnbd", [0.2426, 4.414, 0.793, 2.426])
        with self.assertRaises(libiv.Error) as e:
            m.validate([1, 2, 3], [1, 5, 2], [10, 4, 10], [0, 1, 2], 5)
        self.assertEqual(e.exception.row, 1)
        self.assertIn("customer 1", str(e.exception))
        with self.assertRaises(libiv.InvalidArgumentError):
            m.validate([1, 2], [1, 1], [10, 10], [0, 1, 2], 5)  # lengths differ
        with self.assertRaises(libiv.InvalidArgumentError):
            CLV("gg", [6.25, 3.74, 15.44]).validate([1], [1], [2], [0], 1)


if __name__ == "__main__":
    unittest.main()
