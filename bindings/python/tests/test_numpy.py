"""The Python binding with numpy, pandas and SciPy (run under Debian's /usr/bin/python3,
which has them; this module fails, never skips, when they are missing)."""

import math
import unittest

import numpy as np
import pandas as pd
import scipy.stats

import libiv
from support import SAMPLE, assert_same_records, iv_json


def sample_frame():
    df = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    return df


def frame_columns(df):
    """The sample as append_columns() arguments: ts as int64 milliseconds (the pointer
    fast path), numbers as float64 with NaN, strings as object arrays."""
    ts = pd.to_datetime(df["ts"], utc=True)
    cols = {
        "contact": df["contact"].to_numpy(), "channel": df["channel"].to_numpy(),
        "type": df["type"].to_numpy(),
        "ts": (ts.astype("int64") // 1_000_000).to_numpy(),
    }
    for k in ("cost", "value", "score", "rv"):
        cols[k] = pd.to_numeric(df[k].replace("", np.nan)).to_numpy(dtype=np.float64)
    for k in ("stage", "area", "direction", "outcome", "team", "id"):
        cols[k] = df[k].to_numpy()
    cols["dims"] = {k: df[k].to_numpy() for k in ("region", "variant")}
    cols["epoch_unit"] = "ms"
    return cols


class Numpy(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.df = sample_frame()
        cls.loaded = libiv.load(SAMPLE)

    @classmethod
    def tearDownClass(cls):
        cls.loaded.close()

    def test_bulk_append_from_numpy_equals_the_ingested_file(self):
        cols = frame_columns(self.df)
        self.assertEqual(cols["ts"].dtype, np.int64)
        with libiv.Store() as s:
            s.append_columns(**cols)
            self.assertEqual(s.rows, self.loaded.rows)
            self.assertEqual(s.contacts, self.loaded.contacts)
            for i in (0, 1, 17, 5000, s.rows - 1):
                self.assertEqual(s.row(i), self.loaded.row(i))
            for by in (["channel"], ["month", "region"], ["profit_tier"]):
                with s.metrics(by=by) as a, self.loaded.metrics(by=by) as b:
                    self.assertEqual(a.to_records(), b.to_records())

    def test_bulk_append_equals_row_appends(self):
        sub = self.df.iloc[:1500]
        cols = frame_columns(sub)
        with libiv.Store() as bulk, libiv.Store() as rows:
            bulk.append_columns(**cols)
            for i in range(len(sub)):
                rec = {k: (v[i].item() if hasattr(v[i], "item") else v[i])
                       for k, v in cols.items() if k not in ("dims", "epoch_unit")}
                rec = {k: v for k, v in rec.items()
                       if not (v == "" or (isinstance(v, float) and math.isnan(v)))}
                dims = {k: v[i] for k, v in cols["dims"].items() if v[i] != ""}
                rows.append(dims=dims, epoch_unit="ms", **rec)
            self.assertEqual(list(bulk), list(rows))
            with bulk.metrics(by="type") as a, rows.metrics(by="type") as b:
                self.assertEqual(a.to_records(), b.to_records())

    def test_datetime64_and_series_inputs(self):
        ts = np.array(["2024-01-01T10:00", "2024-01-02T11:30"], dtype="datetime64[s]")
        with libiv.Store() as s:
            s.append_columns(contact=pd.Series(["a", "b"]), ts=ts,
                             channel=np.array(["web", "phone"]), type=["visit", "purchase"],
                             value=np.array([0, 50], dtype=np.int32))
            r = s.row(1)
            self.assertEqual(r["ts"].isoformat(), "2024-01-02T11:30:00+00:00")
            self.assertEqual(r["value"], 50.0)

    def test_to_pandas_matches_records_and_cli(self):
        want = iv_json("metrics", SAMPLE, "--by", "channel")
        with self.loaded.metrics(by="channel") as t:
            df = t.to_pandas()
            recs = t.to_records()
        self.assertEqual(list(df.columns), [k for k in want[0]])
        self.assertEqual(str(df["cost"].dtype), "float64")
        self.assertEqual(str(df["n"].dtype), "Int64")
        self.assertTrue(math.isnan(df.loc[df["channel"] == "app", "nps"].iloc[0]))
        back = [{k: (None if (isinstance(v, float) and math.isnan(v)) or v is pd.NA
                     else (int(v) if isinstance(v, (np.integer,)) else v))
                 for k, v in row.items()} for row in df.to_dict("records")]
        assert_same_records(self, back, want)
        self.assertEqual(len(recs), len(df))
        with self.loaded.contacts_table() as t:
            df = t.to_pandas()
        self.assertEqual(str(df["first_ts"].dtype), "datetime64[ns, UTC]")
        self.assertEqual(str(df["refer"].dtype), "boolean")

    def test_segment_compare_p_values_agree_with_scipy(self):
        samples = []
        for sel in ("team = east", "team = west"):
            with self.loaded.metrics(by="contact", where=sel) as t:
                samples.append(np.array(t.column("rv"), dtype=float))
        with self.loaded.compare("rv", "team = east", "team = west") as t:
            r = t[0]
        w = scipy.stats.ttest_ind(samples[0], samples[1], equal_var=False)
        m = scipy.stats.mannwhitneyu(samples[0], samples[1])
        self.assertTrue(math.isclose(r["welch_t"], w.statistic, rel_tol=1e-9))
        self.assertTrue(math.isclose(r["welch_p"], w.pvalue, rel_tol=1e-9))
        self.assertTrue(math.isclose(r["mwu_u"], m.statistic, rel_tol=1e-12))
        self.assertTrue(math.isclose(r["mwu_p"], m.pvalue, rel_tol=1e-9))
        self.assertEqual(r["n_a"], len(samples[0]))

    def test_stats_take_numpy_arrays(self):
        a = np.array([1.0, 2.0, 3.0, 4.0])
        b = np.array([2.5, 3.5, 6.0])
        t, df, p = libiv.stats.welch(a, b)
        w = scipy.stats.ttest_ind(a, b, equal_var=False)
        self.assertTrue(math.isclose(p, w.pvalue, rel_tol=1e-9))


if __name__ == "__main__":
    unittest.main()
