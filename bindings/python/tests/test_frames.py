"""Store.from_pandas / from_arrays / append_columns: DataFrames and numpy arrays in without a
Python loop over the rows; errors as libiv.Error subclasses with row and column; results as
pandas types. Run under Debian's /usr/bin/python3 (numpy, pandas): fails, never skips, when
they are missing.

Expected instants are worked by hand (GNU date: `date -u -d '2024-01-02T11:30:00Z' +%s` =
1704195000; Europe/Berlin is UTC+1 in winter, UTC+2 from 2024-03-31 01:00Z to
2024-10-27 01:00Z: 02:30 local on 2024-03-31 does not exist, 02:30 on 2024-10-27 happens
twice, first at 00:30Z); the DataFrame paths are compared with the file path
(libiv.load of the same CSV) for everything else."""

import datetime as dt
import os
import subprocess
import sys
import unittest

import numpy as np
import pandas as pd

import libiv
from libiv import _frames
from support import SAMPLE

T = 1704195000  # 2024-01-02T11:30:00Z in epoch seconds


def utc(s):
    return dt.datetime.fromisoformat(s).replace(tzinfo=dt.timezone.utc)


class FromPandas(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.loaded = libiv.load(SAMPLE)
        cls.df = pd.read_csv(SAMPLE, keep_default_na=True)

    @classmethod
    def tearDownClass(cls):
        cls.loaded.close()

    def same_as_file(self, s):
        self.assertEqual(s.rows, self.loaded.rows)
        self.assertEqual(s.contacts, self.loaded.contacts)
        for i in (0, 1, 17, 5000, s.rows - 1):
            self.assertEqual(s.row(i), self.loaded.row(i))
        for by in (["channel"], ["month", "region"], ["profit_tier"], ["team", "variant"]):
            with s.metrics(by=by) as a, self.loaded.metrics(by=by) as b:
                self.assertEqual(a.to_records(), b.to_records())

    def test_read_csv_frame_equals_the_ingested_file(self):
        # pandas' own dtypes: ts as text, numbers as float64 with NaN, the rest object
        with libiv.Store.from_pandas(self.df) as s:
            self.same_as_file(s)
            self.assertEqual(sorted(s.dims), ["region", "variant"])

    def test_datetime64_category_and_nullable_columns(self):
        df = self.df.copy()
        df["ts"] = pd.to_datetime(df["ts"], utc=True).dt.tz_localize(None)   # naive ns
        df["channel"] = df["channel"].astype("category")
        df["team"] = df["team"].astype("string")
        with libiv.Store.from_pandas(df) as s:
            self.same_as_file(s)
        df["ts"] = pd.to_datetime(self.df["ts"], utc=True)                   # tz-aware UTC
        with libiv.Store.from_pandas(df) as s:
            self.same_as_file(s)
        df["ts"] = df["ts"].dt.tz_convert("America/New_York")                # other zone
        with libiv.Store.from_pandas(df) as s:
            self.same_as_file(s)

    def test_map_and_dims(self):
        df = self.df.rename(columns={"contact": "Customer ID", "value": "Revenue"})
        with libiv.Store.from_pandas(df, map={"Customer ID": "contact", "Revenue": "value"}) as s:
            self.same_as_file(s)
        with libiv.Store.from_pandas(df.drop(columns=["variant"]),
                                     map="Customer ID=contact,Revenue=value",
                                     dims={"region": "area_name"}) as s:
            self.assertEqual(s.dims, ["area_name"])   # with variant: an error, see below
            self.assertEqual(s.rows, self.loaded.rows)
        with self.assertRaises(libiv.InvalidArgumentError) as cm:
            libiv.Store.from_pandas(df.drop(columns=["variant"]),
                                    map={"Customer ID": "contact", "Revenue": "value"},
                                    dims=["regoin"])
        self.assertIn("regoin", str(cm.exception))
        with self.assertRaises(libiv.InvalidArgumentError) as cm:
            libiv.Store.from_pandas(df, map={"Customer ID": "contact", "Revenue": "value"},
                                    dims=["region"])
        self.assertEqual(cm.exception.column, "variant")
        with self.assertRaises(libiv.InvalidArgumentError):
            libiv.Store.from_pandas(df, map={"Customer": "contact"})

    def test_unknown_keywords_are_errors(self):
        for call in (lambda: libiv.Store.from_pandas(self.df, valeu=3),
                     lambda: libiv.Store.from_arrays(contact=["a"], ts=["2024-01-01"],
                                                     channel=["web"], type=["visit"],
                                                     region=["north"]),
                     lambda: libiv.Store().append(contact="a", ts="2024-01-01",
                                                  channel="web", type="visit", valeu=3)):
            with self.assertRaises(libiv.ArgumentTypeError) as cm:
                call()
            self.assertIsInstance(cm.exception, TypeError)
            self.assertIsInstance(cm.exception, libiv.Error)
        # file-only options are refused with the alternative
        with self.assertRaises(libiv.InvalidArgumentError) as cm:
            libiv.Store.from_pandas(self.df, delimiter=";")
        self.assertIn("delimiter", str(cm.exception))
        with self.assertRaises(libiv.InvalidArgumentError) as cm:
            libiv.Store.from_pandas(self.df, profile="hubspot")
        self.assertIn("libiv.load(path, profile=", str(cm.exception))

    def test_bad_number_names_row_and_column(self):
        df = pd.DataFrame({"contact": ["a", "b", "c"], "ts": ["2024-01-01"] * 3,
                           "channel": ["web"] * 3, "type": ["visit"] * 3,
                           "Cost": ["1.5", "2", "zwei"]})
        with self.assertRaises(libiv.ParseError) as cm:
            libiv.Store.from_pandas(df, map={"Cost": "cost"})
        e = cm.exception
        self.assertEqual((e.row, e.column), (2, "Cost"))
        self.assertIsInstance(e, libiv.Error)
        self.assertIsInstance(e, ValueError)
        # a value the library refuses (negative cost): row and column from its message
        df["Cost"] = [1.0, -2.0, 3.0]
        with self.assertRaises(libiv.ParseError) as cm:
            libiv.Store.from_pandas(df, map={"Cost": "cost"})
        self.assertEqual((cm.exception.row, cm.exception.column), (1, "Cost"))
        # unknown enum name
        df["Cost"] = 1.0
        df["outcome"] = ["desired", "meh", None]
        with self.assertRaises(libiv.ParseError) as cm:
            libiv.Store.from_pandas(df)
        self.assertEqual((cm.exception.row, cm.exception.column), (1, "outcome"))

    def test_missing_required_value_names_row(self):
        with self.assertRaises(libiv.ParseError) as cm:
            libiv.Store.from_arrays(contact=np.array(["a", None, "c"], dtype=object),
                                    ts=["2024-01-01"] * 3, channel=["web"] * 3,
                                    type=["visit"] * 3)
        self.assertEqual((cm.exception.row, cm.exception.column), (1, "contact"))
        with self.assertRaises(libiv.ParseError) as cm:
            libiv.Store.from_arrays(contact=["a", "b\0x"], ts=["2024-01-01"] * 2,
                                    channel=["web"] * 2, type=["visit"] * 2)
        self.assertEqual((cm.exception.row, cm.exception.column), (1, "contact"))

    def test_integer_timestamps_need_epoch_unit(self):
        cols = dict(contact=["a", "b"], channel=["web"] * 2, type=["visit"] * 2)
        with self.assertRaises(libiv.InvalidArgumentError) as cm:
            libiv.Store.from_arrays(ts=np.array([T, T + 60], dtype=np.int64), **cols)
        self.assertIn("epoch_unit", str(cm.exception))
        for unit, scale in (("s", 1), ("ms", 1000), ("us", 1000000)):
            with libiv.Store.from_arrays(ts=np.array([T, T + 60]) * scale, epoch_unit=unit,
                                         **cols) as s:
                self.assertEqual([r["ts"] for r in s],
                                 [utc("2024-01-02T11:30:00"), utc("2024-01-02T11:31:00")])
        with libiv.Store.from_arrays(ts=np.array([T + 0.25, T + 60.0]), epoch_unit="s",
                                     **cols) as s:
            self.assertEqual(s.row(0)["ts"], utc("2024-01-02T11:30:00.250000"))
        with self.assertRaises(libiv.Error):
            libiv.Store().append(contact="a", ts=T, channel="web", type="visit")
        with libiv.Store() as s:
            s.append(contact="a", ts=T, channel="web", type="visit", epoch_unit="s")
            self.assertEqual(s.row(0)["ts"], utc("2024-01-02T11:30:00"))

    def test_datetime64_units(self):
        for unit in ("s", "ms", "us", "ns"):
            ts = np.array(["2024-01-02T11:30", "NaT"], dtype="datetime64[%s]" % unit)
            with self.assertRaises(libiv.ParseError) as cm:   # NaT: a missing required ts
                libiv.Store.from_arrays(contact=["a", "b"], ts=ts, channel=["web"] * 2,
                                        type=["visit"] * 2)
            self.assertEqual((cm.exception.row, cm.exception.column), (1, "ts"))
            with libiv.Store.from_arrays(contact=["a"], ts=ts[:1], channel=["web"],
                                         type=["visit"]) as s:
                self.assertEqual(s.row(0)["ts"], utc("2024-01-02T11:30:00"))

    def test_time_zones(self):
        naive = pd.Series(pd.to_datetime(["2024-01-15 10:00", "2024-07-15 10:00",
                                          "2024-10-27 02:30"]))
        cols = dict(contact=["a", "b", "c"], channel=["web"] * 3, type=["visit"] * 3)
        with libiv.Store.from_arrays(ts=naive, timezone="Europe/Berlin", **cols) as s:
            self.assertEqual([r["ts"] for r in s],
                             [utc("2024-01-15T09:00:00"), utc("2024-07-15T08:00:00"),
                              utc("2024-10-27T00:30:00")])    # ambiguous: the earlier
        with libiv.Store.from_arrays(ts=naive, timezone="+05:30", **cols) as s:
            self.assertEqual(s.row(0)["ts"], utc("2024-01-15T04:30:00"))
        aware = naive.dt.tz_localize("Europe/Berlin", ambiguous=[False, False, True])
        with libiv.Store.from_arrays(ts=aware, **cols) as s:
            self.assertEqual(s.row(1)["ts"], utc("2024-07-15T08:00:00"))
        gap = pd.Series(pd.to_datetime(["2024-03-31 01:30", "2024-03-31 02:30"]))
        with self.assertRaises(libiv.ParseError) as cm:
            libiv.Store.from_arrays(ts=gap, timezone="Europe/Berlin", contact=["a", "b"],
                                    channel=["web"] * 2, type=["visit"] * 2)
        self.assertEqual((cm.exception.row, cm.exception.column), (1, "ts"))

    def test_text_timestamps_with_time_format_timezone_and_epoch_unit(self):
        # Salesforce-style text read by the library's own reader, as in a file:
        # TZ=Europe/Berlin date -d '2024-03-15 14:22' +%s = 1710508920;
        # TZ=America/New_York date -d '2023-12-31 00:05' +%s = 1703999100
        df = pd.DataFrame({"contact": ["a", "b", "c"], "channel": ["phone"] * 3,
                           "type": ["call"] * 3,
                           "Date": ["03/15/2024 2:22 PM", "2024-03-15T14:22:00Z",
                                    "03/15/2024 2:22 PM"]})
        with libiv.Store.from_pandas(df, map={"Date": "ts"}, time_format="%m/%d/%Y %I:%M %p",
                                     timezone="Europe/Berlin") as s:
            self.assertEqual([r["ts"] for r in s],
                             [utc("2024-03-15T13:22:00"), utc("2024-03-15T14:22:00"),
                              utc("2024-03-15T13:22:00")])
        with libiv.Store.from_arrays(contact=["a"], channel=["web"], type=["visit"],
                                     ts=["12/31/2023 12:05 AM"],
                                     time_format=["%d.%m.%Y", "%m/%d/%Y %I:%M %p"],
                                     timezone="America/New_York") as s:
            self.assertEqual(s.row(0)["ts"], utc("2023-12-31T05:05:00"))
        # epoch text in epoch_unit (as a file's text column), and the same without numpy
        with libiv.Store.from_arrays(contact=["a"], channel=["web"], type=["visit"],
                                     ts=np.array(["1704195000123"], dtype=object),
                                     epoch_unit="ms") as s:
            self.assertEqual(s.row(0)["ts"], utc("2024-01-02T11:30:00.123000"))
        # a DST gap and a text no format reads: ParseError naming the row and column
        df.loc[1, "Date"] = "03/31/2024 2:30 AM"
        with self.assertRaises(libiv.ParseError) as cm:
            libiv.Store.from_pandas(df, map={"Date": "ts"}, time_format="%m/%d/%Y %I:%M %p",
                                    timezone="Europe/Berlin")
        self.assertEqual((cm.exception.row, cm.exception.column), (1, "Date"))
        self.assertIn("does not exist in time zone Europe/Berlin", str(cm.exception))
        df.loc[1, "Date"] = "15.03.2024"
        with self.assertRaises(libiv.ParseError) as cm:
            libiv.Store.from_pandas(df, map={"Date": "ts"}, time_format="%m/%d/%Y %I:%M %p")
        self.assertEqual((cm.exception.row, cm.exception.column), (1, "Date"))
        self.assertIn("time_format '%m/%d/%Y %I:%M %p'", str(cm.exception))

    def test_shared_and_distinct_text_objects_give_the_same_rows(self):
        # read_csv gives one str object per distinct text (per chunk): such columns are
        # factorised by object, others joined row by row; the rows must not depend on it
        n = 300
        chan = ["web", "phone", "email"]
        outc = ["desired", None, np.nan, "", "undesired"]
        days = ["2024-01-02T11:30:00Z", "2024-01-03T11:30:00Z"]

        def fresh(v):     # an equal str that is a new object
            return None if not isinstance(v, str) else "".join(list(v + "#"))[:-1]

        shared = dict(contact=["c%d" % (i % 7) for i in range(n)],
                      channel=[chan[i % 3] for i in range(n)],
                      type=["visit"] * n,
                      outcome=[outc[i % 5] for i in range(n)],
                      team=[("north", "", None)[i % 3] for i in range(n)],
                      ts=[days[i % 2] for i in range(n)])
        distinct = {k: [fresh(v) if isinstance(v, str) else v for v in col]
                    for k, col in shared.items()}
        objs = {k: np.array(v, dtype=object) for k, v in shared.items()}
        self.assertTrue(_frames._shared(objs["channel"]))
        self.assertFalse(_frames._shared(np.array(distinct["channel"], dtype=object)))
        with libiv.Store.from_arrays(**objs) as a, \
                libiv.Store.from_pandas(pd.DataFrame(distinct)) as b:
            self.assertEqual(a.rows, n)
            self.assertEqual(list(a), list(b))
            # by hand: row 3 is c3, chan[0], outc[3] = '' (none), team[0], days[1]
            r = a.row(3)
            self.assertEqual((r["contact"], r["channel"], r["outcome"], r["team"]),
                             ("c3", "web", None, "north"))
            self.assertEqual(r["ts"], utc("2024-01-03T11:30:00"))   # T + 86400
            # row 4: chan[1], outc[4], team[1] = '' (none), days[0]; row 7: outc[2] = NaN
            r = a.row(4)
            self.assertEqual((r["channel"], r["outcome"], r["team"], r["ts"]),
                             ("phone", "undesired", None, utc("2024-01-02T11:30:00")))  # T
            self.assertEqual((a.row(7)["outcome"], a.row(5)["team"]), (None, None))
        # the first bad row is named, whichever object holds the bad text
        for cols in (objs, {k: np.array(v, dtype=object) for k, v in distinct.items()}):
            bad = {k: v.copy() for k, v in cols.items()}
            bad["outcome"][150] = "meh"
            bad["outcome"][70] = fresh("meh")
            with self.assertRaises(libiv.ParseError) as cm:
                libiv.Store.from_arrays(**bad)
            self.assertEqual((cm.exception.row, cm.exception.column), (70, "outcome"))
            bad = {k: v.copy() for k, v in cols.items()}
            bad["ts"][200] = "2024-13-01"
            bad["ts"][90] = fresh("2024-13-01")
            with self.assertRaises(libiv.ParseError) as cm:
                libiv.Store.from_arrays(**bad)
            self.assertEqual((cm.exception.row, cm.exception.column), (90, "ts"))

    def test_text_timestamps_read_row_by_row(self):
        # every ts distinct: the column is read by the library in one call, row by row
        n = 300
        base = dt.datetime(2024, 1, 2, 11, 30, tzinfo=dt.timezone.utc)
        ts = [(base + dt.timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ") for i in range(n)]
        cols = dict(contact=["a"] * n, channel=["web"] * n, type=["visit"] * n)
        with libiv.Store.from_pandas(pd.DataFrame(dict(cols, When=ts)), map={"When": "ts"}) as s:
            self.assertEqual(s.row(0)["ts"], utc("2024-01-02T11:30:00"))      # T
            self.assertEqual(s.row(299)["ts"], utc("2024-01-02T11:34:59"))    # T + 299
        for r, v, kind in ((123, None, "missing"), (45, "not a time", "unreadable"),
                           (77, "   ", "blank"), (8, np.nan, "NaN")):
            bad = list(ts)
            bad[r] = v
            with self.assertRaises(libiv.ParseError, msg=kind) as cm:
                libiv.Store.from_pandas(pd.DataFrame(dict(cols, When=bad)), map={"When": "ts"})
            self.assertEqual((cm.exception.row, cm.exception.column), (r, "When"), kind)
        bad = list(ts)
        bad[33] = "2024-01-02\0T11:30:00Z"
        with self.assertRaises(libiv.ParseError) as cm:
            libiv.Store.from_arrays(ts=bad, **cols)
        self.assertEqual((cm.exception.row, cm.exception.column), (33, "ts"))
        # texts and datetime objects mixed: each value as it is
        mixed = [base, "2024-01-02T11:31:00Z"] * 40
        with libiv.Store.from_arrays(ts=np.array(mixed, dtype=object),
                                     **{k: v[:80] for k, v in cols.items()}) as s:
            self.assertEqual([s.row(0)["ts"], s.row(1)["ts"]],
                             [utc("2024-01-02T11:30:00"), utc("2024-01-02T11:31:00")])

    def test_a_new_store_is_filled_in_parts(self):
        # from_pandas/from_arrays hand the rows to the library PART_ROWS at a time: the
        # store equals the file's, and an error names the row counted from the first
        old = _frames.PART_ROWS
        _frames.PART_ROWS = 1000
        try:
            with libiv.Store.from_pandas(self.df) as s:
                self.same_as_file(s)
            for col, r, v, err in (("ts", 2500, "not a time", libiv.ParseError),      # a part's text
                                   ("cost", 2999, -1.0, libiv.ParseError),          # the library's check
                                   ("outcome", 3100, "meh", libiv.ParseError),      # a whole-column check
                                   ("id", 1500, "x\0y", libiv.ParseError)):         # a part's join
                df = self.df.copy()
                df[col] = df[col].astype(object)
                df.loc[r, col] = v
                with self.assertRaises(err, msg=col) as cm:
                    libiv.Store.from_pandas(df)
                self.assertEqual((cm.exception.row, cm.exception.column), (r, col))
                self.assertIn("row %d:" % r, str(cm.exception))
        finally:
            _frames.PART_ROWS = old

    def test_source_options(self):
        df = pd.DataFrame({"contact": ["a", "b", "c", "a"],
                           "ts": ["2024-01-01"] * 4, "type": ["Visit", "visit", "purchase", "x"],
                           "outcome": ["Completed", "No answer", None, None],
                           "value": ["1.250,50", "3,5", "", "7"],
                           "id": ["i1", "i2", "i3", "i1"]})
        with libiv.Store.from_pandas(df, set={"channel": "phone"}, decimal=",", thousands=".",
                                     values={"outcome": {"completed": "desired",
                                                         " No Answer ": "undesired"}},
                                     dedup="id") as s:
            rows = list(s)
        self.assertEqual(len(rows), 3)                 # the second i1 is a duplicate
        self.assertEqual([r["channel"] for r in rows], ["phone"] * 3)
        self.assertEqual([r["outcome"] for r in rows], ["desired", "undesired", None])
        self.assertEqual([r["value"] for r in rows], [1250.5, 3.5, None])
        # dedup=id also against the rows already in the store (any earlier append)
        with libiv.Store.from_pandas(df.iloc[:2].drop(columns=["outcome", "value"]),
                                     set={"channel": "web"}, dedup="id") as s:
            self.assertEqual(s.last_ingest.rows_duplicate, 0)
            s.append_columns(contact=["x", "y", "z"], ts=["2024-01-02"] * 3,
                             channel=["web"] * 3, type=["visit"] * 3,
                             id=["i2", "i9", "i9"], dedup="id")
            self.assertEqual([r["id"] for r in s], ["i1", "i2", "i9"])
            self.assertEqual([r["contact"] for r in s], ["a", "b", "y"])
            self.assertEqual((s.last_ingest.rows_read, s.last_ingest.rows_accepted,
                              s.last_ingest.rows_duplicate), (3, 1, 2))
        with self.assertRaises(libiv.InvalidArgumentError):
            libiv.Store.from_pandas(df, set={"type": "visit"})   # type also has a column
        with self.assertRaises(libiv.InvalidArgumentError):
            libiv.Store.from_pandas(df.assign(channel="web"), set={"channel": "phone"})

    def test_results_as_pandas_types(self):
        with self.loaded.metrics(by=["month"]) as t:
            df = t.to_pandas()
        self.assertEqual(str(df["month"].dtype), "period[M]")
        self.assertEqual(df["month"].iloc[0], pd.Period("2023-01", freq="M"))
        for by, freq, label, want in (("quarter", "Q-DEC", "2023-Q1", pd.Period("2023Q1", freq="Q")),
                                      ("year", "A-DEC", "2023", pd.Period("2023", freq="A")),
                                      ("week", "W-SUN", "2023-W01", pd.Period("2023-01-02", freq="W"))):
            with self.loaded.metrics(by=[by]) as t:
                self.assertEqual(t.row(0)[by], label)
                df = t.to_pandas()
            self.assertEqual(str(df[by].dtype), "period[%s]" % freq)
            self.assertEqual(df[by].iloc[0], want)
        with self.loaded.contacts_table() as t:
            df = t.to_pandas()
        self.assertIsInstance(df["first_ts"].iloc[0], pd.Timestamp)
        self.assertEqual(str(df["first_ts"].dtype), "datetime64[ns, UTC]")


class LibraryPath(unittest.TestCase):

    def run_import(self, path):
        env = dict(os.environ, LIBIV_PATH=path)
        return subprocess.run([sys.executable, "-c", "import libiv; print(libiv.__version__)"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True)

    def test_directory_or_clear_error(self):
        lib = os.environ["LIBIV_PATH"]
        p = self.run_import(os.path.dirname(lib))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), libiv.__version__)
        p = self.run_import(os.path.dirname(os.path.dirname(lib)))
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("LibraryNotFoundError", p.stderr)
        self.assertIn("is a directory without libiv.so.1", p.stderr)
        p = self.run_import("/nonexistent/libiv.so")
        self.assertIn("does not exist", p.stderr)


if __name__ == "__main__":
    unittest.main()
