"""The Python binding: store, ingestion, queries, tables, model, errors.

Expected values come from the `iv` tool's JSON output on the bundled sample (a separate
program over the same C API) or are worked out by hand from doc/MODEL.md, doc/METRICS.md in comments.
"""

import json
import math
import os
import tempfile
import unittest

import libiv
from support import SAMPLE, assert_same_records, iv_json, run_iv


def setUpModule():
    global STORE
    STORE = libiv.load(SAMPLE)


def tearDownModule():
    STORE.close()


class CliAgreement(unittest.TestCase):
    """Python gives the same numbers as `iv` for the same command."""

    def test_version_equals_iv_version(self):
        rc, out, _ = run_iv("--version")
        self.assertEqual(rc, 0)
        self.assertEqual(libiv.__version__, out.strip())
        major, minor, patch = (int(x) for x in libiv.__version__.split("."))
        self.assertEqual(libiv.version_number, major * 10000 + minor * 100 + patch)

    def test_load_counts_every_row_of_the_sample(self):
        want = iv_json("ingest", SAMPLE)
        got = STORE.last_ingest
        self.assertEqual(got.rows_read, want["rows_read"])
        self.assertEqual(got.rows_accepted, want["rows_accepted"])
        self.assertEqual(got.rows_rejected, want["rows_rejected"])
        self.assertEqual(STORE.contacts, want["contacts"])
        self.assertEqual(len(STORE), want["rows_accepted"])
        first, last = STORE.time_range
        self.assertEqual(libiv.format_time(libiv.parse_time(want["first_ts"])),
                         want["first_ts"])
        self.assertEqual(first.strftime("%Y-%m-%dT%H:%M:%SZ"), want["first_ts"])
        self.assertEqual(last.strftime("%Y-%m-%dT%H:%M:%SZ"), want["last_ts"])

    def test_threads_give_the_same_store(self):
        # the parser threads read the sample (the C suite ingest_threads checks the
        # parallel driver byte for byte on logs cut into many ranges)
        with libiv.Store() as s3:
            r = s3.ingest(SAMPLE, threads=3)
            self.assertEqual(r.rows_accepted, STORE.last_ingest.rows_accepted)
            self.assertEqual(s3.contacts, STORE.contacts)
            with s3.metrics(by=["channel", "type"]) as a, STORE.metrics(by=["channel", "type"]) as b:
                self.assertEqual(a.to_records(), b.to_records())
        with self.assertRaises(ValueError):
            libiv.Store().ingest(SAMPLE, threads=-1)

    def test_skip_reads_and_checks_columns_without_storing_them(self):
        log = (b"contact,ts,channel,type,id,region,variant\n"
               b"a,2024-01-01T00:00:00Z,web,visit,I1,emea,A\n"
               b"b,2024-01-02T00:00:00Z,web,visit,I2,amer," + b"x" * 50 + b"\n"
               b"c,2024-01-03T00:00:00Z,app,visit,I3,emea,B\n")
        with libiv.Store() as full, libiv.Store() as part:
            a = full.ingest(log, lenient=True, max_string=40)
            b = part.ingest(log, lenient=True, max_string=40, skip=("id", "dims"),
                            keep_dims=["Region"])
            # the too-long variant rejects row 3 (line 3) whether it is stored or not
            self.assertEqual((a.rows_accepted, a.rows_rejected), (2, 1))
            self.assertEqual((b.rows_accepted, b.rows_rejected), (2, 1))
            self.assertEqual(full.dims, ["region", "variant"])
            self.assertEqual(part.dims, ["region"])
            self.assertEqual(full.row(1)["id"], "I3")
            self.assertIsNone(part.row(1)["id"])
            with part.metrics(by=["region"]) as t:
                self.assertEqual([r["region"] for r in t.to_records()], ["emea"])
        with self.assertRaises(ValueError):
            libiv.Store().ingest(log, skip="ids")

    def check_metrics(self, cli_args, **kw):
        want = iv_json("metrics", SAMPLE, *cli_args)
        with STORE.metrics(**kw) as t:
            assert_same_records(self, t.to_records(), want)

    def test_metrics_by_channel_match_cli(self):
        self.check_metrics(["--by", "channel"], by=["channel"])

    def test_metrics_of_everything_match_cli(self):
        self.check_metrics([])

    def test_metrics_by_month_and_type_with_where_match_cli(self):
        self.check_metrics(["--by", "month,type", "--where", "channel in (web, app)"],
                           by=["month", "type"], where="channel in (web, app)")

    def test_metrics_time_range_matches_cli(self):
        self.check_metrics(["--by", "team", "--from", "2024-01-01", "--to", "2024-07-01"],
                           by="team", start="2024-01-01", end="2024-07-01")

    def test_metrics_from_to_keywords_match_cli(self):
        self.check_metrics(["--by", "quarter", "--from", "2023-03-15T12:00:00Z"],
                           by="quarter", **{"from": "2023-03-15T12:00:00Z"})

    def test_metrics_by_contact_attributes_and_custom_dims_match_cli(self):
        self.check_metrics(["--by", "profit_tier,community_role,region",
                            "--where", "has refer or variant = B"],
                           by=["profit_tier", "community_role", "region"],
                           where="has refer or variant = B")

    def test_metrics_under_a_model_file_match_cli(self):
        text = "[type.visit]\nrv = 3\n[channel.web]\ncost = 0.5\n[model]\noutcome_neutral = 0.25\n"
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.ini")
            with open(path, "w") as f:
                f.write(text)
            want = iv_json("metrics", SAMPLE, "--by", "stage", "--model", path)
            with STORE.metrics(by="stage", model=path) as t:
                assert_same_records(self, t.to_records(), want)
            with libiv.Model.parse(text) as m, STORE.metrics(by="stage", model=m) as t:
                assert_same_records(self, t.to_records(), want)

    def test_contacts_table_matches_cli_contacts(self):
        want = iv_json("contacts", SAMPLE, "--from", "2024-01-01", "--where", "team = east")
        with STORE.contacts_table(start="2024-01-01", where="team = east") as t:
            assert_same_records(self, t.to_records(), want)

    def test_drill_matches_cli_drill(self):
        want = iv_json("metrics", SAMPLE, "--by", "channel", "--drill", "6")
        with STORE.drill(6, by="channel") as t:
            assert_same_records(self, t.to_records(), want)
        with STORE.metrics(by="channel") as m:
            key = m[6]["channel"]
        with STORE.drill({"channel": key}, by="channel") as t:
            assert_same_records(self, t.to_records(), want)

    def test_period_compare_matches_cli(self):
        want = iv_json("metrics", SAMPLE, "--by", "region", "--from", "2024-01-01",
                       "--to", "2025-01-01", "--prev-from", "2023-01-01", "--prev-to",
                       "2024-01-01")
        with STORE.period_compare("2023-01-01", "2024-01-01", by="region",
                                  start="2024-01-01", end="2025-01-01") as t:
            assert_same_records(self, t.to_records(), want)

    def test_json_export_is_the_cli_output(self):
        rc, out, _ = run_iv("metrics", SAMPLE, "--by", "direction", "--format", "json")
        self.assertEqual(rc, 0)
        with STORE.metrics(by="direction") as t:
            self.assertEqual(t.to_json().strip(), out.strip())
        rc, out, _ = run_iv("metrics", SAMPLE, "--by", "direction", "--format", "csv")
        with STORE.metrics(by="direction") as t:
            self.assertEqual(t.to_csv().strip(), out.strip())


class Errors(unittest.TestCase):
    """Failures raise libiv.Error subclasses with the library's code and message."""

    def test_syntax_error_in_where_is_a_parse_error_with_position(self):
        with self.assertRaises(libiv.ParseError) as cm:
            STORE.metrics(where="channel = web and (")
        e = cm.exception
        self.assertEqual(e.code, -4)
        self.assertEqual(e.name, "IV_EPARSE")
        self.assertIn("position", e.message)
        self.assertIsInstance(e, libiv.Error)
        self.assertIsInstance(e, ValueError)

    def test_unknown_dimension_is_not_found_naming_it(self):
        with self.assertRaises(libiv.NotFoundError) as cm:
            STORE.metrics(by=["chanel"])
        self.assertEqual(cm.exception.code, -7)
        self.assertIn("chanel", str(cm.exception))

    def test_missing_file_is_a_file_error(self):
        with self.assertRaises(libiv.FileError) as cm:
            libiv.load("/nonexistent/dir/log.csv")
        self.assertEqual(cm.exception.code, -3)
        self.assertIn("/nonexistent/dir/log.csv", cm.exception.message)
        self.assertIsInstance(cm.exception, OSError)

    def test_strict_ingest_stops_at_bad_row_naming_line_and_keeps_earlier_rows(self):
        text = ("contact,ts,channel,type,cost\n"
                "a,2024-01-01,web,visit,1\n"
                "b,2024-01-02,web,visit,-3\n"
                "c,2024-01-03,web,visit,1\n")
        with libiv.Store() as s:
            with self.assertRaises(libiv.ParseError) as cm:
                s.ingest_text(text)
            self.assertIn("line 3", cm.exception.message)
            self.assertIn("cost", cm.exception.message)
            self.assertEqual(s.rows, 1)

    def test_lenient_ingest_keeps_rejects_and_accounts_for_every_row(self):
        text = ("contact,ts,channel,type,score\n"
                "a,2024-01-01,web,visit,\n"
                "b,2023-02-29,web,visit,\n"
                "c,2024-01-03,web,nps,11\n"
                "d,2024-01-04,web,visit,\n")
        with libiv.Store() as s, tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "rejects.csv")
            r = s.ingest_text(text, lenient=True, rejects=path)
            self.assertEqual((r.rows_read, r.rows_accepted, r.rows_rejected), (4, 2, 2))
            self.assertEqual([x["line"] for x in r.rejects], [3, 4])
            self.assertEqual(r.rejects[0]["raw"], "b,2023-02-29,web,visit,")
            with open(path) as f:
                self.assertEqual(f.readline().strip(), "line,offset,reason,raw")
            self.assertEqual(s.rows, 2)

    def test_bad_record_append_names_the_field_and_appends_nothing(self):
        with libiv.Store() as s:
            with self.assertRaises(libiv.ParseError) as cm:
                s.append(contact="a", ts="2024-01-01", channel="web", type="visit", cost=-1)
            self.assertIn("cost", cm.exception.message)
            with self.assertRaises(libiv.Error):
                s.append(contact="a", channel="web", type="visit")
            self.assertEqual(s.rows, 0)

    def test_bad_model_text_names_the_line(self):
        with self.assertRaises(libiv.ParseError) as cm:
            libiv.Model.parse("[type.purchase]\nrv = 1\nrvv = 2\n")
        self.assertIn("line 3", cm.exception.message)
        self.assertIn("rvv", cm.exception.message)

    def test_bad_time_is_a_parse_error(self):
        with self.assertRaises(libiv.ParseError):
            STORE.metrics(start="2023-02-29")
        with self.assertRaises(libiv.RangeError):
            libiv.parse_time("1800-01-01")

    def test_strerror_is_the_static_text(self):
        self.assertEqual(libiv.strerror(-1), "out of memory")
        self.assertEqual(libiv.strerror(0), "success")

    def test_handles_refuse_use_after_close_and_close_twice(self):
        s = libiv.Store()
        s.close()
        s.close()
        with self.assertRaises(ValueError):
            s.metrics()
        with libiv.Store() as s2:
            pass
        with self.assertRaises(ValueError):
            len(s2)
        t = STORE.metrics()
        t.close()
        with self.assertRaises(ValueError):
            len(t)

    def test_progress_callback_that_raises_cancels_and_reraises(self):
        class Stop(Exception):
            pass

        def progress(done, total):
            raise Stop()
        with self.assertRaises(Stop):
            libiv.load(SAMPLE, progress=progress)


def small_store():
    """Three interactions whose metrics are worked out by hand below."""
    s = libiv.Store()
    s.append(contact="A", ts="2024-01-01T10:00:00Z", channel="web", type="visit")
    s.append(contact="A", ts="2024-01-02T10:00:00Z", channel="phone", type="purchase",
             value=100, outcome="desired", dims={"region": "north"})
    s.append(contact="B", ts="2024-01-03T10:00:00Z", channel="email", type="open",
             outcome="undesired", cost=0.5, dims={"region": "south"})
    return s


class HandChecked(unittest.TestCase):
    """doc/MODEL.md default model: web 0.15, phone 2.83; visit 1, purchase 100, open 1 RV;
    outcome factors desired 1, neutral (or missing) 0.5, undesired 0."""

    def test_metrics_of_three_rows_by_hand(self):
        with small_store() as s, s.metrics() as t:
            r = t.to_records()[0]
        c = 0.15 + 2.83 + 0.5
        self.assertEqual(r["n"], 3)
        self.assertEqual(r["contacts"], 2)
        self.assertAlmostEqual(r["cost"], c, places=12)
        self.assertAlmostEqual(r["value"], 100.0, places=12)
        self.assertAlmostEqual(r["cpt"], c / 3, places=12)
        self.assertAlmostEqual(r["iv"], (0.5 + 1 + 0) / c, places=12)
        self.assertAlmostEqual(r["roi"], (100 - c) / c, places=12)
        self.assertAlmostEqual(r["desired_rate"], 0.5, places=12)
        self.assertAlmostEqual(r["rv"], 102.0, places=12)
        self.assertAlmostEqual(r["cost_per_rv"], c / 102, places=12)
        self.assertEqual((r["rv_forward"], r["rv_backward"], r["cost_assumed"]), (3, 0, 2))
        self.assertIsNone(r["nps"])
        self.assertIsNone(r["csat"])

    def test_undefined_ratios_are_none(self):
        with libiv.Store() as s:
            s.append(contact="A", ts="2024-01-01", channel="web", type="support")
            with s.metrics() as t:
                r = t.to_records()[0]
            # support scores 0 RV: cost_per_rv has no denominator; no outcome given.
            self.assertEqual(r["rv"], 0)
            self.assertIsNone(r["cost_per_rv"])
            self.assertIsNone(r["desired_rate"])
            with s.metrics(where="channel = phone") as t:
                r = t.to_records()[0]
                js = t.to_json()
            self.assertEqual(r["n"], 0)
            self.assertIsNone(r["cpt"])
            self.assertIsNone(r["iv"])
            self.assertIn('"cpt": null', js)

    def test_custom_dimension_groups_and_missing_key_is_none(self):
        with small_store() as s:
            self.assertEqual(s.dims, ["region"])
            with s.metrics(by="region") as t:
                rows = t.to_records()
        self.assertEqual([r["region"] for r in rows], ["north", "south", None])
        self.assertEqual([r["n"] for r in rows], [1, 1, 1])

    def test_rows_read_back_as_appended(self):
        with small_store() as s:
            rows = list(s)
            self.assertEqual(len(rows), 3)
            self.assertEqual(rows[1]["contact"], "A")
            self.assertEqual(rows[1]["type"], "purchase")
            self.assertEqual(rows[1]["value"], 100.0)
            self.assertEqual(rows[1]["outcome"], "desired")
            self.assertEqual(rows[1]["region"], "north")
            self.assertIsNone(rows[0]["cost"])
            self.assertEqual(rows[2]["cost"], 0.5)
            self.assertEqual(libiv.format_time(libiv.parse_time("2024-01-03T10:00:00Z")),
                             "2024-01-03T10:00:00Z")
            self.assertEqual(rows[2]["ts"].isoformat(), "2024-01-03T10:00:00+00:00")
            self.assertEqual(s.contact_rows("A"), [0, 1])
            with self.assertRaises(libiv.NotFoundError):
                s.contact_rows("Z")
            with self.assertRaises(IndexError):
                s.row(3)

    def test_append_columns_from_lists_equals_row_appends(self):
        with small_store() as a, libiv.Store() as b:
            b.append_columns(
                contact=["A", "A", "B"],
                ts=["2024-01-01T10:00:00Z", 1704189600000, "2024-01-03T10:00:00Z"],
                epoch_unit="ms",
                channel=["web", "phone", "email"], type=["visit", "purchase", "open"],
                value=[None, 100, None], outcome=[None, "desired", "undesired"],
                cost=[None, None, 0.5], dims={"region": [None, "north", "south"]})
            self.assertEqual(list(a), list(b))
            with a.metrics(by="region") as ta, b.metrics(by="region") as tb:
                self.assertEqual(ta.to_records(), tb.to_records())

    def test_append_columns_rejects_a_bad_row_and_appends_nothing(self):
        with libiv.Store() as s:
            with self.assertRaises(libiv.ParseError) as cm:
                s.append_columns(contact=["a", "b"], ts=["2024-01-01", "2024-01-02"],
                                 channel=["web", "web"], type=["visit", "visit"],
                                 score=[None, float("inf")])
            self.assertIn("1", cm.exception.message)
            self.assertEqual(s.rows, 0)


class Snapshots(unittest.TestCase):

    def test_saved_store_reloads_to_the_same_rows_and_metrics(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "s.ivstore")
            STORE.save(path)
            with libiv.load(path) as s, libiv.Store.open(path) as s2:
                self.assertEqual((s.rows, s.contacts), (STORE.rows, STORE.contacts))
                self.assertEqual(s.row(123), STORE.row(123))
                with s.metrics(by="team") as a, STORE.metrics(by="team") as b:
                    self.assertEqual(a.to_records(), b.to_records())
                self.assertEqual(s2.dims, STORE.dims)
            with open(path, "r+b") as f:
                f.seek(100)
                b = f.read(1)
                f.seek(100)
                f.write(bytes([b[0] ^ 0xFF]))
            with self.assertRaises(libiv.CorruptError) as cm:
                libiv.Store.open(path)
            self.assertEqual(cm.exception.code, -8)


class ModelTests(unittest.TestCase):

    def test_default_model_follows_spec_2(self):
        with libiv.Model() as m:
            p = m.type_info("purchase")
            self.assertEqual(p["rv"], 100)
            self.assertEqual(p["stage"], "closing")
            self.assertEqual(p["cls"], "do")
            self.assertEqual(p["flags"], ["purchase"])
            self.assertEqual(m.type_info("refer")["cls"], "lead")
            self.assertEqual(m.type_info("nps")["survey"], "nps")
            self.assertEqual(m.type_info("nps")["survey_rv"], (-20, 0, 20))
            self.assertEqual(m.channel_info("phone"),
                             {"cost": 2.83, "digital": False, "area": "engagement"})
            self.assertEqual(m.channel_info("web")["digital"], True)
            self.assertEqual(m.get_param("outcome_neutral"), 0.5)
            self.assertIsNone(m.get_param("rv_half_life_days"))
            self.assertEqual(m.get_param("activity_window_days"), 90)
            self.assertIn("discontinue", m.types)
            self.assertIn("face_to_face", m.channels)
            with self.assertRaises(libiv.NotFoundError):
                m.type_info("no_such_type")

    def test_setters_rescore_without_reingesting(self):
        with small_store() as s, libiv.Model() as m:
            m.set_type("purchase", rv=7)
            m.set_channel("web", cost=1.0)
            with s.metrics(model=m) as t:
                r = t.to_records()[0]
            # RV 1 + 7 + 1, cost 1.0 + 2.83 + 0.5
            self.assertAlmostEqual(r["rv"], 9.0, places=12)
            self.assertAlmostEqual(r["cost"], 4.33, places=12)

    def test_text_round_trip_copy_and_equality(self):
        with libiv.Model() as m:
            m.set_type("webinar", rv=30, stage="acquisition", cls="do",
                       flags=["purchase", "refer"], rv_repeat=0.5, daily_cap=60)
            m.set_param("rv_half_life_days", 180)
            with libiv.Model.parse(m.to_string()) as m2, m.copy() as m3:
                self.assertEqual(m, m2)
                self.assertEqual(m, m3)
                info = m2.type_info("webinar")
                self.assertEqual(info["flags"], ["purchase", "refer"])
                self.assertEqual(info["daily_cap"], 60)
                m3.remove_type("webinar")
                self.assertNotEqual(m, m3)
                self.assertNotEqual(m, libiv.Model())

    def test_out_of_range_setter_is_a_range_error(self):
        with libiv.Model() as m:
            with self.assertRaises(libiv.RangeError):
                m.set_channel("web", cost=-1)
            with self.assertRaises(libiv.NotFoundError):
                m.set_param("no_such_param", 1)


class TableTests(unittest.TestCase):

    def test_columns_are_the_spec_names(self):
        with STORE.metrics(by="channel") as t:
            self.assertEqual(t.columns, [
                "channel", "n", "contacts", "cost", "value", "cpt", "iv", "roi",
                "desired_rate", "rv", "rv_per_interaction", "cost_per_rv", "rv_forward",
                "rv_backward", "nps", "nps_se", "nps_ci_low", "nps_ci_high", "csat", "csat_mean",
                "ces", "ces_easy",
                "cost_assumed", "rv_unscored"])
            self.assertEqual(t.to_csv().splitlines()[0], ",".join(t.columns))
            self.assertEqual(len(t), len(t.to_records()))
            self.assertEqual(t[-1], t.to_records()[-1])
            self.assertEqual(t.column("n"), [r["n"] for r in t])
            self.assertEqual(t.column_types()["channel"], "string")
            self.assertFalse(t.single)
            parsed = json.loads(t.to_json())
            self.assertEqual(parsed[0]["nps"] is None, t[0]["nps"] is None)

    def test_to_pandas_works_or_says_pandas_is_missing(self):
        try:
            import pandas  # noqa: F401
            have = True
        except ImportError:
            have = False
        with STORE.metrics(by="channel") as t:
            if have:
                df = t.to_pandas()
                self.assertEqual(list(df.columns), t.columns)
            else:
                with self.assertRaises(ImportError) as cm:
                    t.to_pandas()
                self.assertIn("pandas", str(cm.exception))
                self.assertIn("to_records", str(cm.exception))

    def test_save_writes_the_export(self):
        with STORE.metrics(by="stage") as t, tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "m.json")
            t.save(p, "json")
            with open(p) as f:
                self.assertEqual(json.load(f), json.loads(t.to_json()))


if __name__ == "__main__":
    unittest.main()
