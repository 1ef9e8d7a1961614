"""The `iv` tool's contract (doc/GUIDE.md §3): command names, exit statuses, and the result shapes
scripts rely on (JSON keys, CSV headers), checked against the documentation's own wording.

Run by meson with IV_EXE (the built tool) and IV_SOURCE_ROOT set."""
import csv
import io
import json
import math
import os
import re
import subprocess
import tempfile
import unittest

IV = os.environ.get("IV_EXE", "iv")
ROOT = os.environ.get("IV_SOURCE_ROOT", ".")
SAMPLE = os.path.join(ROOT, "examples", "data", "sample.csv")
MESSY = os.path.join(ROOT, "tests", "data", "ingest", "messy.csv")
PRODUCT_FUNNEL = os.path.join(ROOT, "tests", "data", "product", "funnel.csv")
PRODUCT_LIFE = os.path.join(ROOT, "tests", "data", "product", "lifecycle.csv")
PRODUCT_INDICATORS = os.path.join(ROOT, "tests", "data", "product", "indicators.csv")

METRICS = ["n", "contacts", "cost", "value", "cpt", "iv", "roi", "desired_rate", "rv",
           "rv_per_interaction", "cost_per_rv", "rv_forward", "rv_backward", "nps", "nps_se",
           "nps_ci_low", "nps_ci_high", "csat", "csat_mean", "ces", "ces_easy", "cost_assumed",
           "rv_unscored"]
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$")


def iv(*args, check=True):
    p = subprocess.run([IV, *args], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"iv {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return p


def iv_json(*args):
    return json.loads(iv(*args, "--format", "json").stdout)


class Version(unittest.TestCase):
    def test_version_is_major_minor_patch(self):
        self.assertRegex(iv("--version").stdout.strip(), r"^\d+\.\d+\.\d+$")


class Ingest(unittest.TestCase):
    def test_ingest_object_has_exactly_the_spec_keys(self):
        r = iv_json("ingest", SAMPLE)
        self.assertEqual(list(r), ["rows_read", "rows_accepted", "rows_rejected", "contacts",
                                   "first_ts", "last_ts", "rows_duplicate", "unknown_types",
                                   "unknown_channels"])
        self.assertEqual(r["rows_read"], r["rows_accepted"] + r["rows_rejected"] + r["rows_duplicate"])
        self.assertRegex(r["first_ts"], ISO_UTC)
        self.assertRegex(r["last_ts"], ISO_UTC)

    def test_strict_ingest_of_a_bad_row_fails_naming_line_and_field(self):
        p = iv("ingest", MESSY, check=False)
        self.assertNotEqual(p.returncode, 0)
        # the first bad row of messy.csv is line 3: 2023-02-29 in the ts column
        self.assertIn("line 3", p.stderr)
        self.assertIn("ts", p.stderr)

    def test_lenient_ingest_accounts_for_every_row_and_writes_every_reject(self):
        with tempfile.TemporaryDirectory() as d:
            rej = os.path.join(d, "rejects.csv")
            r = iv_json("ingest", MESSY, "--lenient", "--rejects", rej)
            self.assertEqual(r["rows_read"], r["rows_accepted"] + r["rows_rejected"])
            self.assertGreater(r["rows_rejected"], 10)
            with open(rej, newline="", encoding="utf-8") as f:
                rows = list(csv.reader(f))
            self.assertEqual(rows[0], ["line", "offset", "reason", "raw"])
            self.assertEqual(len(rows) - 1, r["rows_rejected"])
            for line, offset, reason, raw in rows[1:]:
                self.assertTrue(line.isdigit() and offset.isdigit() and reason and raw)

    def test_map_renames_source_columns(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "export.csv")
            with open(path, "w", encoding="utf-8") as f:
                f.write("customer_id,when,channel,type\nx,2024-01-01,web,visit\n")
            r = iv_json("ingest", path, "--map", "customer_id=contact,when=ts")
            self.assertEqual((r["rows_accepted"], r["contacts"]), (1, 1))

    def test_jsonl_is_chosen_by_extension_and_by_option(self):
        with tempfile.TemporaryDirectory() as d:
            line = '{"contact": "x", "ts": "2024-01-01", "channel": "web", "type": "visit"}\n'
            for name, extra in (("a.jsonl", []), ("a.ndjson", []), ("a.log", ["--input-format", "jsonl"])):
                path = os.path.join(d, name)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(line)
                self.assertEqual(iv_json("ingest", path, *extra)["rows_accepted"], 1, name)


class Threads(unittest.TestCase):
    """--threads N on the commands that read a log: the same bytes out for any N and
    any row order (the log is cut into 1 MiB ranges, so 2.5 MB gives three)."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        d = cls.dir.name
        gen = iv("gen", "--contacts", "1400").stdout
        head, *rows = gen.splitlines(keepends=True)
        # a few rows with quoted line feeds and bad rows, then a fixed shuffle
        extra = []
        for i in range(0, len(rows), 997):
            f = rows[i].rstrip("\n").split(",")
            f[-1] = '"two\nlines, ""q"""'
            extra.append(",".join(f) + "\n")
            bad = rows[i].split(",")
            bad[1] = "2023-02-30T00:00:00Z"
            extra.append(",".join(bad))
        rows += extra
        cls.ordered = os.path.join(d, "ordered.csv")
        with open(cls.ordered, "w", encoding="utf-8", newline="") as f:
            f.write(head + "".join(rows))
        shuffled = rows[:]
        x = 12345
        for i in range(len(shuffled) - 1, 0, -1):  # Fisher-Yates with a fixed LCG
            x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
            j = (x >> 33) % (i + 1)
            shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
        cls.shuffled = os.path.join(d, "shuffled.csv")
        with open(cls.shuffled, "w", encoding="utf-8", newline="") as f:
            f.write(head + "".join(shuffled))
        assert os.path.getsize(cls.ordered) > 2_200_000

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def test_metrics_and_report_bytes_do_not_depend_on_threads_or_row_order(self):
        want = iv("metrics", self.ordered, "--lenient", "--by", "channel,type,stage,region",
                  "--format", "csv", "--threads", "1").stdout
        for path in (self.ordered, self.shuffled):
            for n in ("1", "2", "3", "4"):
                got = iv("metrics", path, "--lenient", "--by", "channel,type,stage,region",
                         "--format", "csv", "--threads", n).stdout
                self.assertEqual(got, want, f"{os.path.basename(path)} --threads {n}")
        want = iv("churn", self.ordered, "--lenient", "--format", "csv", "--threads", "1").stdout
        got = iv("churn", self.shuffled, "--lenient", "--format", "csv", "--threads", "3").stdout
        self.assertEqual(got, want)

    def report(self, path, n, *extra, check=True):
        out = os.path.join(self.dir.name, "report.html")
        if os.path.exists(out):
            os.remove(out)
        p = iv("report", path, "--lenient", "--threads", n, "-o", out, *extra, check=check)
        if p.returncode != 0:
            return None, p
        with open(out, "rb") as f:
            return f.read(), p

    def test_report_bytes_and_messages_do_not_depend_on_threads_or_row_order(self):
        # the sections run on up to N threads and are assembled in page order
        want, p1 = self.report(self.ordered, "1")
        self.assertIn(b'id="clv_top-title"', want)
        self.assertIn(b'id="trajectory-title"', want)
        for n in ("2", "3", "4", "16"):
            got, pn = self.report(self.ordered, n)
            self.assertEqual(got, want, f"--threads {n}")
            self.assertEqual(pn.stdout, p1.stdout)
            self.assertEqual(pn.stderr, p1.stderr)
        # the shuffled file: the same page but for its name
        got, _ = self.report(self.shuffled, "3")
        self.assertEqual(got.replace(b"shuffled.csv", b"ordered.csv"), want)
        # warnings of the library made on other threads: the same lines, in page order
        # (a --where value no row has, funnel steps that never occur)
        w = ("--where", "channel = fax", "--steps", "visit,teleport,purchase")
        _, p1 = self.report(self.ordered, "1", *w, check=False)
        self.assertIn("warning: funnel step 2 ('teleport') never occurs in the store", p1.stderr)
        for n in ("2", "4"):
            _, pn = self.report(self.ordered, n, *w, check=False)
            self.assertEqual((pn.returncode, pn.stderr), (p1.returncode, p1.stderr), n)
        # an error in one section: the same message and exit status, no page left behind
        bad = ("--steps", "visit,,purchase")
        _, p1 = self.report(self.ordered, "1", *bad, check=False)
        self.assertEqual(p1.returncode, 1)
        self.assertEqual(p1.stderr, 'iv report: funnel steps: empty step at character 7 of '
                                    '"visit,,purchase"\n')
        for n in ("2", "4"):
            got, pn = self.report(self.ordered, n, *bad, check=False)
            self.assertIsNone(got)
            self.assertEqual((pn.returncode, pn.stderr), (p1.returncode, p1.stderr), n)
        # a bad --where: the overview runs among the sections on several threads, every
        # section fails on it, and only the overview's message (the first) is printed
        for bad in (("--where", "channel = = x"), ("--where", "nosuchname = 3")):
            _, p1 = self.report(self.ordered, "1", *bad, check=False)
            self.assertEqual(p1.returncode, 1)
            self.assertTrue(p1.stderr.startswith("iv report: overview: selection: "), p1.stderr)
            self.assertEqual(p1.stderr.count("\n"), 1, p1.stderr)
            for n in ("2", "4"):
                got, pn = self.report(self.ordered, n, *bad, check=False)
                self.assertIsNone(got)
                self.assertEqual((pn.returncode, pn.stderr), (p1.returncode, p1.stderr), n)

    def test_report_top_contacts_are_the_top_of_clv_predict(self):
        # The report computes the CLV of only the contacts whose bound can reach its top
        # ten; iv clv predict computes every contact's: the same ten, in the same order.
        out = os.path.join(self.dir.name, "top.html")
        iv("report", SAMPLE, "-o", out)
        with open(out, encoding="utf-8") as f:
            page = f.read()
        model = re.search(r"From the ([A-Za-z/]+) fit on all purchases and a Gamma-Gamma", page)
        self.assertIsNotNone(model)
        key = {"BG/NBD": "bgnbd", "MBG/NBD": "mbgnbd", "Pareto/NBD": "pareto"}[model.group(1)]
        table = page[page.index("Top contacts (x repeat purchases"):]
        table = table[:table.index("</table>")]
        shown = re.findall(r"<tr><t[hd][^>]*>(C\d+)</t[hd]>", table)
        rows = list(csv.DictReader(io.StringIO(iv(
            "clv", "predict", SAMPLE, "--model", key, "--spend", "--horizon", "52",
            "--discount", "0.01", "--format", "csv").stdout)))
        rows = [r for r in rows if r["clv"] not in ("", "nan")]
        rows.sort(key=lambda r: (-float(r["clv"]), r["contact"]))
        self.assertEqual(len(shown), 10)
        self.assertEqual(shown, [r["contact"] for r in rows[:10]])

    def test_snapshots_rejects_and_errors_are_the_same_for_any_thread_count(self):
        d = self.dir.name
        snaps, rejects = [], []
        for n in ("1", "2", "4"):
            snap, rej = os.path.join(d, f"s{n}.ivs"), os.path.join(d, f"r{n}.csv")
            iv("ingest", self.ordered, "--lenient", "--threads", n, "--save", snap, "--rejects", rej)
            with open(snap, "rb") as f:
                snaps.append(f.read())
            with open(rej, "rb") as f:
                rejects.append(f.read())
        self.assertEqual(snaps[1], snaps[0])
        self.assertEqual(snaps[2], snaps[0])
        self.assertEqual(rejects[1], rejects[0])
        self.assertEqual(rejects[2], rejects[0])
        self.assertGreater(rejects[0].count(b"\n"), 2)
        errs = {iv("ingest", self.shuffled, "--threads", n, check=False).stderr for n in ("1", "2", "4")}
        self.assertEqual(len(errs), 1, errs)
        self.assertIn("line ", errs.pop())

    def test_threads_takes_a_count(self):
        p = iv("metrics", self.ordered, "--threads", "x", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--threads", p.stderr)

class Vocabulary(unittest.TestCase):
    """Normal form, unknown vocabulary, iv model init|show|check and the guards
    (doc/MODEL.md, Names; doc/SOURCES.md). Counts worked out by hand from the rows."""

    def write(self, text, suffix=".csv"):
        fd, p = tempfile.mkstemp(suffix=suffix)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        self.addCleanup(os.remove, p)
        return p

    def test_unknown_types_and_channels_are_counted_and_named(self):
        # NOTE x2 (one "note"), TASK: unknown types (3 rows); fax x2: unknown channel
        p = self.write("contact,ts,channel,type\n"
                       "a,2024-01-01,Phone,NOTE\nb,2024-01-01,fax,TASK\n"
                       "c,2024-01-01,FAX,note\nd,2024-01-02,Web,Visit\n")
        proc = iv("ingest", p, "--format", "json")
        r = json.loads(proc.stdout)
        self.assertEqual((r["unknown_types"], r["unknown_channels"]), (3, 2))
        self.assertIn("note (2), task (1)", proc.stderr)
        self.assertIn("fax (2)", proc.stderr)
        # a model that knows them (an alias and a channel): nothing unknown
        m = self.write("[type.support]\naliases = note, task\n[channel.fax]\ncost = 0.4\n",
                       ".ini")
        r = iv_json("ingest", p, "--model", m)
        self.assertEqual((r["unknown_types"], r["unknown_channels"]), (0, 0))
        rows = iv_json("model", "check", p)
        self.assertEqual([(x["field"], x["value"], x["n"]) for x in rows],
                         [("type", "note", 2), ("type", "task", 1), ("channel", "fax", 2)])
        self.assertEqual(iv_json("model", "check", p, "--model", m), [])
        # metrics: rv_unscored = the 3 unknown-type rows; HubSpot-style upper case is scored:
        # Visit on Web = 1 RV at 0.15, Phone costs 2.83
        t = {x["channel"]: x for x in iv_json("metrics", p, "--by", "channel")}
        self.assertEqual(t["web"]["rv"], 1)
        self.assertEqual(t["web"]["cost"], 0.15)
        self.assertEqual(t["phone"]["cost"], 2.83)
        self.assertEqual(iv_json("metrics", p)[0]["rv_unscored"], 3)
        self.assertEqual(iv_json("metrics", p, "--model", m)[0]["rv_unscored"], 0)

    def test_model_init_reads_back_to_the_identical_model(self):
        p = self.write("")
        iv("model", "init", p)
        self.assertIn("[type.purchase]", open(p).read())
        self.assertEqual(iv_json("model", "show", "--model", p), iv_json("model", "show"))
        shown = {(x["kind"], x["name"]): x for x in iv_json("model", "show")}
        self.assertEqual(shown[("type", "purchase")]["rv"], 100)
        self.assertEqual(shown[("channel", "phone")]["cost"], 2.83)
        self.assertEqual(shown[("model", "default_cost")]["value"], 1)
        m = self.write("[type.meeting]\nrv = 50\naliases = Demo Meeting, sales-meeting\n", ".ini")
        shown = {(x["kind"], x["name"]): x for x in iv_json("model", "show", "--model", m)}
        self.assertEqual(shown[("type", "meeting")]["aliases"], ["demo_meeting", "sales_meeting"])

    def test_lenient_ingest_accepting_no_row_exits_1(self):
        p = self.write("contact,ts,channel,type\na,not-a-date,web,visit\n")
        proc = iv("ingest", p, "--lenient", check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("no row accepted", proc.stderr)
        proc = iv("metrics", p, "--lenient", check=False)
        self.assertEqual(proc.returncode, 1)

    def test_over_ten_percent_rejected_warns_with_the_top_reasons(self):
        # 2 of 10 rows bad (20%): a warning naming the reason; 1 of 10 (10%): none
        good = "".join(f"c{i},2024-01-0{i % 9 + 1},web,visit\n" for i in range(8))
        p = self.write("contact,ts,channel,type\n" + good + "x,bad,web,visit\ny,bad,web,visit\n")
        proc = iv("ingest", p, "--lenient")
        self.assertIn("warning: 2 of 10 rows rejected", proc.stderr)
        self.assertIn("2 x column 2 (ts): bad timestamp", proc.stderr)
        p = self.write("contact,ts,channel,type\n" + good + "z,2024-02-01,web,visit\n"
                       "x,bad,web,visit\n")
        self.assertNotIn("warning", iv("ingest", p, "--lenient").stderr)


    def test_values_that_never_occur_are_named_on_stderr(self):
        # a funnel step, a --where value and a --start type that no row has: the result is
        # still printed (exit 0), and a warning names each
        p = self.write("contact,ts,channel,type\nc1,2024-01-01,web,visit\n"
                       "c1,2024-01-02,phone,purchase\nc2,2024-01-03,web,visit\n")
        proc = iv("funnel", p, "--steps", "visit,demo|trial,purchase")
        self.assertIn("iv funnel: warning: funnel step 2 ('demo|trial') never occurs in the store",
                      proc.stderr)
        proc = iv("funnel", p, "--steps", "Visit,Purchase", "--where", "channel = web")
        self.assertIn("funnel step 2 ('Purchase') never occurs in the selection", proc.stderr)
        self.assertNotIn("'Visit'", proc.stderr)  # compared in normal form: it is there
        proc = iv("metrics", p, "--where", "channel = webb", "--format", "json")
        self.assertEqual(json.loads(proc.stdout)[0]["n"], 0)
        self.assertIn("iv metrics: warning: selection: no row has channel 'webb'", proc.stderr)
        proc = iv("cohorts", p, "--start", "signup")
        self.assertIn("cohorts start types: type 'signup' never occurs in the store", proc.stderr)
        proc = iv("paths", p, "--start", "purchase", "--where", "channel = web")
        self.assertIn("paths start type: type 'purchase' never occurs in the selection", proc.stderr)
        # nothing to say: nothing said
        self.assertNotIn("warning", iv("funnel", p, "--steps", "visit,purchase").stderr)
        self.assertNotIn("warning", iv("metrics", p, "--where", "channel = WEB").stderr)


class Profiles(unittest.TestCase):
    """Every shipped source profile (hubspot, salesforce, zendesk, intercom, segment) on its
    example export of examples/data/sources and on variations (other column order, extra
    columns, ';', missing optional columns). Expected
    values by hand from the default model (doc/MODEL.md): reply 40, open 1, demo 60 RV;
    phone 2.83, face_to_face 8.62, email and unknown channels 1.0."""

    def setUp(self):
        os.environ["IV_PROFILE_PATH"] = os.path.join(ROOT, "data", "profiles")

    def write(self, text):
        fd, p = tempfile.mkstemp(suffix=".csv")
        with os.fdopen(fd, "w", newline="") as f:
            f.write(text)
        self.addCleanup(os.remove, p)
        return p

    def test_hubspot_example(self):
        p = os.path.join(ROOT, "examples", "data", "sources", "hubspot_activities.csv")
        r = iv_json("ingest", p, "--profile", "hubspot")
        self.assertEqual((r["rows_read"], r["rows_accepted"], r["contacts"]), (6, 6, 2))
        # NOTE: an activity the default model does not score (type note, channel crm_note)
        self.assertEqual((r["unknown_types"], r["unknown_channels"]), (1, 1))
        t = {x["contact"]: x for x in iv_json("metrics", p, "--profile", "hubspot", "--by", "contact")}
        # 501: EMAIL open 1 (email 1.0), INCOMING_EMAIL reply 40 (1.0), CALL reply 40 (2.83)
        self.assertEqual((t["501"]["n"], t["501"]["rv"]), (3, 81))
        self.assertAlmostEqual(t["501"]["cost"], 4.83, places=12)
        self.assertEqual(t["501"]["desired_rate"], 1)       # Connected
        # 502: MEETING demo 60 (8.62), CALL reply 40 (2.83, No answer), NOTE 0 (1.0)
        self.assertEqual((t["502"]["n"], t["502"]["rv"], t["502"]["rv_unscored"]), (3, 100, 1))
        self.assertAlmostEqual(t["502"]["cost"], 12.45, places=12)
        self.assertEqual(t["502"]["desired_rate"], 0)

    def test_hubspot_variation_other_order_and_extra_columns(self):
        # a column order of its own, empty cells, 40 extra columns (custom dimensions)
        extra = ",".join(f"Custom {k}" for k in range(40))
        vals = ",".join("" if k % 3 else str(k) for k in range(40))
        p = self.write("Activity type,Call outcome,Associated Contact IDs,Activity assigned to,"
                       "Activity date,Activity ID," + extra + "\n"
                       + "Meeting,,7,,2024-05-02 13:00,1," + vals + "\n"
                       + "call,,7,x,05/03/2024 9:05 AM,2," + vals + "\n"
                       + "TASK,,8,,2024-05-04 10:00,3," + vals + "\n")
        r = iv_json("ingest", p, "--profile", "hubspot")
        self.assertEqual((r["rows_read"], r["rows_accepted"], r["rows_rejected"]), (3, 3, 0))
        m = iv_json("metrics", p, "--profile", "hubspot")[0]
        self.assertEqual((m["rv"], m["rv_unscored"]), (100, 1))
        self.assertAlmostEqual(m["cost"], 8.62 + 2.83 + 1.0, places=12)

    def test_salesforce_example_and_a_timezone_beside_the_profile(self):
        p = os.path.join(ROOT, "examples", "data", "sources", "salesforce_tasks.csv")
        r = iv_json("ingest", p, "--profile", "salesforce")
        self.assertEqual((r["rows_read"], r["rows_accepted"], r["unknown_types"],
                          r["unknown_channels"]), (4, 4, 0, 0))
        self.assertEqual(r["first_ts"], "2024-03-15T14:22:00Z")
        # options beside a profile override it: 2:22 PM in New York (EDT, -4h since 10 March)
        # TZ=America/New_York date -d '2024-03-15 14:22' -u +%FT%TZ = 2024-03-15T18:22:00Z
        r = iv_json("ingest", p, "--timezone", "America/New_York", "--profile", "salesforce")
        self.assertEqual(r["first_ts"], "2024-03-15T18:22:00Z")
        t = {x["contact"]: x for x in iv_json("metrics", p, "--profile", "salesforce", "--by", "contact")}
        # Call reply 40 (phone 2.83) + Email open 1 (email 1.0)
        self.assertEqual(t["0035g001"]["rv"], 41)
        self.assertAlmostEqual(t["0035g001"]["cost"], 3.83, places=12)
        # Event demo 60 (face_to_face 8.62) + Call 40 (2.83); Completed, Not Started
        self.assertEqual(t["0035g002"]["rv"], 100)
        self.assertAlmostEqual(t["0035g002"]["cost"], 11.45, places=12)
        self.assertEqual(t["0035g002"]["desired_rate"], 0.5)

    def test_salesforce_variation_semicolons_other_order(self):
        p = self.write("Activity ID;Status;Assigned;Contact ID;Task Subtype;Date;Subject;Extra\r\n"
                       "1;;;c1;Email;12/31/2023 11:59 PM;x;\r\n2;;;c1;Call;01/02/2024;y;z\r\n")
        r = iv_json("ingest", p, "--profile", "salesforce")
        self.assertEqual((r["rows_read"], r["rows_accepted"]), (2, 2))
        self.assertEqual(r["first_ts"], "2023-12-31T23:59:00Z")
        self.assertEqual(iv_json("metrics", p, "--profile", "salesforce")[0]["rv"], 41)

    def test_zendesk_example_semicolons_offsets_and_satisfaction(self):
        p = os.path.join(ROOT, "examples", "data", "sources", "zendesk_tickets.csv")
        r = iv_json("ingest", p, "--profile", "zendesk")
        self.assertEqual((r["rows_read"], r["rows_accepted"], r["contacts"], r["unknown_types"],
                          r["unknown_channels"]), (3, 3, 2, 0, 0))
        # 2024-04-02 09:30:00 +0200 = 07:30Z
        self.assertEqual(r["first_ts"], "2024-04-02T07:30:00Z")
        m = iv_json("metrics", p, "--profile", "zendesk")[0]
        # Web form 0.15 + Email 1.0 + Phone call (incoming) 2.83; Good, Bad, Unoffered
        self.assertAlmostEqual(m["cost"], 3.98, places=12)
        self.assertAlmostEqual(m["desired_rate"], 1 / 3, places=12)
        self.assertEqual((m["rv"], m["rv_unscored"]), (0, 0))  # support: 0 RV, known

    def test_segment_example_nested_properties_and_traits(self):
        p = os.path.join(ROOT, "examples", "data", "sources", "segment_tracks.jsonl")
        r = iv_json("ingest", p, "--profile", "segment")
        self.assertEqual((r["rows_read"], r["rows_accepted"], r["contacts"], r["unknown_types"]),
                         (3, 3, 2, 0))
        t = {x["plan"]: x for x in iv_json("metrics", p, "--profile", "segment", "--by", "plan")}
        # pro: Page Viewed visit 1 + Order Completed purchase 100, web 0.15 each, revenue 99.5
        self.assertEqual((t["pro"]["n"], t["pro"]["rv"], t["pro"]["value"]), (2, 101, 99.5))
        self.assertAlmostEqual(t["pro"]["cost"], 0.3, places=12)
        # free: Signed Up signup 40 on mobile -> app (1.0)
        self.assertEqual((t["free"]["rv"], t["free"]["cost"]), (40, 1))

    def test_intercom_example(self):
        p = os.path.join(ROOT, "examples", "data", "sources", "intercom_conversations.csv")
        r = iv_json("ingest", p, "--profile", "intercom")
        # CRLF, a quoted line break in the subject, "" quotes, UTF-8 names: 4 conversations
        self.assertEqual((r["rows_read"], r["rows_accepted"], r["contacts"], r["unknown_types"],
                          r["unknown_channels"]), (4, 4, 3, 0, 0))
        self.assertEqual((r["first_ts"], r["last_ts"]), ("2024-06-03T08:12:45Z", "2024-06-05T17:45:00Z"))
        t = {x["contact"]: x for x in iv_json("metrics", p, "--profile", "intercom", "--by", "contact")}
        # usr_1001: Chat (chat: no published cost, default_cost 1.0) rated 5 -> desired;
        # Phone (2.83), no rating
        self.assertEqual((t["usr_1001"]["n"], t["usr_1001"]["desired_rate"]), (2, 1))
        self.assertAlmostEqual(t["usr_1001"]["cost"], 3.83, places=12)
        # usr_1002: Email (1.0) rated 2 -> undesired; usr_1003: WhatsApp -> chat, unrated
        self.assertEqual((t["usr_1002"]["cost"], t["usr_1002"]["desired_rate"]), (1, 0))
        self.assertEqual((t["usr_1003"]["cost"], t["usr_1003"]["desired_rate"]), (1, None))
        m = iv_json("metrics", p, "--profile", "intercom")[0]
        # support: RV 0 and known; 1 desired of 2 rated
        self.assertEqual((m["n"], m["rv"], m["rv_unscored"], m["desired_rate"]), (4, 0, 0, 0.5))
        self.assertAlmostEqual(m["cost"], 5.83, places=12)

    def test_intercom_variation_without_the_optional_columns(self):
        # no Conversation ID, team or rating column; ';'; another order; an unknown channel
        p = self.write("Channel;User ID;Conversation started at;Subject\n"
                       "Email;u1;2024-06-03 08:12:45;a\n"
                       "Phone;u1;03 Jun 2024 09:30;b\n"
                       "Carrier pigeon;u2;2024-06-04 10:00;c\n")
        r = iv_json("ingest", p, "--profile", "intercom")
        self.assertEqual((r["rows_read"], r["rows_accepted"], r["unknown_channels"]), (3, 3, 1))
        m = iv_json("metrics", p, "--profile", "intercom")[0]
        # email 1.0 + phone 2.83 + carrier_pigeon (unknown: default_cost 1.0); no outcome given
        self.assertAlmostEqual(m["cost"], 4.83, places=12)
        self.assertIsNone(m["desired_rate"])

    def test_a_profile_reads_an_export_without_its_optional_columns(self):
        # HubSpot without Activity ID, Activity assigned to and Call outcome
        p = self.write("Activity date,Activity type,Associated Contact IDs\n"
                       "2024-05-02 13:00,CALL,7\n2024-05-03 09:00,EMAIL,7\n")
        r = iv_json("ingest", p, "--profile", "hubspot")
        self.assertEqual((r["rows_read"], r["rows_accepted"]), (2, 2))
        m = iv_json("metrics", p, "--profile", "hubspot")[0]
        self.assertEqual((m["rv"], m["desired_rate"]), (41, None))  # reply 40 + open 1
        # Salesforce without Activity ID, Assigned and Status; Zendesk without Id, Group and
        # Satisfaction Score; Segment lines without messageId, properties or context
        p = self.write("Contact ID,Task Subtype,Date\nc1,Call,03/15/2024 2:22 PM\n")
        self.assertEqual(iv_json("ingest", p, "--profile", "salesforce")["rows_accepted"], 1)
        p = self.write("Requester id;Via;Created at\n9;Email;2024-04-05 15:00:00 +0200\n")
        self.assertEqual(iv_json("ingest", p, "--profile", "zendesk")["rows_accepted"], 1)
        fd, j = tempfile.mkstemp(suffix=".jsonl")
        with os.fdopen(fd, "w") as f:
            f.write('{"userId":"u1","event":"Signed Up","timestamp":"2024-05-02T08:00:00Z",'
                    '"channel":"mobile"}\n')
        self.addCleanup(os.remove, j)
        self.assertEqual(iv_json("ingest", j, "--profile", "segment")["rows_accepted"], 1)
        # an export without channel: the constant beside the profile gives it
        with open(j, "w") as f:
            f.write('{"userId":"u1","event":"Signed Up","timestamp":"2024-05-02T08:00:00Z"}\n')
        r = iv_json("ingest", j, "--profile", "segment", "--set", "channel=web")
        self.assertEqual((r["rows_accepted"], r["unknown_channels"]), (1, 0))

    def test_a_profile_still_requires_its_required_columns(self):
        # the contact column of the HubSpot profile is in [map]: its absence is an error
        # naming the column and listing the header's
        p = self.write("Activity date,Activity type,Contact\n2024-05-02 13:00,CALL,7\n")
        r = iv("ingest", p, "--profile", "hubspot", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("map: column 'Associated Contact IDs' is not in the header", r.stderr)
        self.assertIn("Activity date, Activity type, Contact", r.stderr)

    def test_unknown_profile_and_bad_profile_lines_are_errors(self):
        p = iv("ingest", SAMPLE, "--profile", "no_such_system", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("no source profile 'no_such_system'", p.stderr)
        fd, ini = tempfile.mkstemp(suffix=".ini")
        with os.fdopen(fd, "w") as f:
            f.write("[source]\ndelimiter = ;\n[mapp]\n")
        self.addCleanup(os.remove, ini)
        p = iv("ingest", SAMPLE, "--profile", ini, check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(ini + ":3: unknown section [mapp]", p.stderr)


class Metrics(unittest.TestCase):
    def test_metrics_rows_are_the_by_dimensions_then_the_spec_names(self):
        rows = iv_json("metrics", SAMPLE, "--by", "channel,month")
        self.assertGreater(len(rows), 10)
        for r in rows:
            self.assertEqual(list(r), ["channel", "month"] + METRICS)
            self.assertRegex(r["month"], r"^\d{4}-\d\d$")

    def test_csv_header_uses_the_same_names(self):
        out = iv("metrics", SAMPLE, "--by", "quarter", "--format", "csv").stdout
        rows = list(csv.reader(io.StringIO(out)))
        self.assertEqual(rows[0], ["quarter"] + METRICS)
        self.assertRegex(rows[1][0], r"^\d{4}-Q[1-4]$")

    def test_scales_shares_are_fractions_and_industry_scales_are_points_and_percent(self):
        r = iv_json("metrics", SAMPLE)[0]
        self.assertTrue(0 <= r["desired_rate"] <= 1)
        self.assertTrue(-100 <= r["nps"] <= 100)
        self.assertTrue(0 <= r["csat"] <= 100 and 0 <= r["ces_easy"] <= 100)
        self.assertTrue(1 <= r["ces"] <= 7)

    def test_undefined_ratio_is_null(self):
        rows = iv_json("metrics", SAMPLE, "--by", "channel", "--where", "type = visit")
        self.assertTrue(all(r["nps"] is None for r in rows))

    def test_reading_only_the_named_columns_changes_no_output(self):
        # iv metrics stores no id and only the custom dimensions --by and --where name
        # (doc/PERFORMANCE.md, "Reading only the columns a command needs"); a snapshot
        # saved by iv ingest holds every column: the same tables and errors from both
        with tempfile.TemporaryDirectory() as d:
            snap = os.path.join(d, "all.ivs")
            iv("ingest", SAMPLE, "--save", snap)
            for args in (["--by", "channel"], ["--by", "region"],
                         ["--by", "channel", "--where", "variant = B"],
                         ["--by", "Region,type", "--where", "region in (emea, apac)"],
                         ["--where", "id != I0000001"], ["--by", "id", "--where", "channel = web"],
                         ["--by", "channel", "--prev-from", "2023-01-01", "--prev-to", "2024-01-01"],
                         ["--drill", "1", "--by", "channel"]):
                want = iv("metrics", snap, *args, "--format", "csv", check=False)
                got = iv("metrics", SAMPLE, *args, "--format", "csv", check=False)
                self.assertEqual(want.returncode, 0, args)
                self.assertEqual(got.stdout, want.stdout, args)
            for args in (["--by", "variantx"], ["--where", "variantx = B"]):
                want = iv("metrics", snap, *args, check=False)
                got = iv("metrics", SAMPLE, *args, check=False)
                self.assertNotEqual(got.returncode, 0)
                self.assertEqual(got.stderr, want.stderr.replace(snap, SAMPLE), args)

    def test_where_errors_exit_non_zero_with_the_position(self):
        p = iv("metrics", SAMPLE, "--where", "chanel = web", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("position 1", p.stderr)


class Shapes(unittest.TestCase):
    def test_funnel_rows_then_support_after(self):
        rows = iv_json("funnel", SAMPLE, "--steps", "visit,signup,purchase", "--window", "30d")
        keys = ["step", "types", "contacts", "from_previous", "from_first", "dropoff",
                "median_seconds_from_previous", "seconds_from_previous_p10",
                "seconds_from_previous_p25", "seconds_from_previous_p75",
                "seconds_from_previous_p90", "seconds_from_previous_mean"]
        self.assertEqual([list(r) for r in rows], [keys] * 4)
        self.assertEqual([r["step"] for r in rows], [1, 2, 3, "support_after"])
        self.assertEqual(rows[0]["from_first"], 1)

    def test_funnel_exclude_and_histogram(self):
        # tests/data/product/funnel.csv, worked by hand in tests/test_product.c:
        # refund@2-3 removes d (refund after its demo, no purchase, within 14 days)
        rows = iv_json("funnel", PRODUCT_FUNNEL, "--steps", "signup,demo,purchase",
                       "--window", "14d", "--exclude", "refund@2-3")
        self.assertEqual([r["contacts"] for r in rows], [5, 4, 2, 0])
        out = iv_json("funnel", PRODUCT_FUNNEL, "--steps", "signup,demo,purchase",
                      "--window", "14d", "--histogram")
        self.assertEqual(list(out), ["funnel", "histogram"])
        self.assertEqual([list(r) for r in out["histogram"]],
                         [["bin", "from_seconds", "to_seconds", "contacts", "share"]] * 5)
        self.assertEqual([r["contacts"] for r in out["histogram"]], [0, 0, 1, 1, 1])
        csv_text = iv("funnel", PRODUCT_FUNNEL, "--steps", "signup,demo,purchase", "--window",
                      "14d", "--histogram", "--format", "csv").stdout
        first, second = csv_text.split("\n\n")
        self.assertTrue(first.startswith("step,types,contacts,"))
        self.assertTrue(second.startswith("bin,from_seconds,to_seconds,contacts,share\n"))

    def test_funnel_by_month_groups_by_entry(self):
        rows = iv_json("funnel", SAMPLE, "--steps", "signup,purchase", "--by", "month")
        self.assertEqual(list(rows[0])[:2], ["month", "step"])
        self.assertEqual(len(rows) % 3, 0)

    def test_churn_and_retention_series(self):
        rows = iv_json("churn", PRODUCT_LIFE, "--from", "2024-01-01", "--to", "2024-01-29",
                       "--window", "7d", "--every", "week")
        self.assertEqual([list(r) for r in rows],
                         [["period", "t0", "t1", "start", "lost", "churn"]] * 4)
        self.assertEqual([(r["period"], r["start"], r["lost"]) for r in rows],
                         [("2024-W01", 1, 1), ("2024-W02", 0, 0), ("2024-W03", 2, 1),
                          ("2024-W04", 2, 2)])
        rows = iv_json("retention", PRODUCT_LIFE, "--from", "2024-01-01", "--to", "2024-01-29",
                       "--window", "7d", "--every", "week")
        self.assertEqual([list(r) for r in rows],
                         [["period", "t0", "t1", "start", "end", "new", "retention"]] * 4)
        self.assertEqual([r["retention"] for r in rows], [0.0, None, 0.5, 0.5])
        p = iv("churn", SAMPLE, "--by", "quarter", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--every", p.stderr)

    def test_cohorts_start_and_return(self):
        rows = iv_json("cohorts", PRODUCT_FUNNEL, "--period", "month", "--start", "signup",
                       "--return", "purchase")
        self.assertEqual(list(rows[0]), ["cohort", "contacts", "period", "retained", "rate",
                                         "rate_unbounded"])
        self.assertEqual((rows[0]["contacts"], rows[0]["retained"]), (7, 3))

    def test_lifecycle_stickiness_paths(self):
        rows = iv_json("lifecycle", PRODUCT_LIFE, "--period", "week")
        self.assertEqual([list(r) for r in rows],
                         [["period", "new", "returning", "resurrecting", "dormant"]] * 4)
        self.assertEqual([r["dormant"] for r in rows], [0, 0, -1, -2])
        rows = iv_json("stickiness", PRODUCT_LIFE, "--period", "month")
        self.assertEqual([list(r) for r in rows], [["days", "contacts", "share"]] * 31)
        # January: k on 3 days, l on 2, m on 1
        self.assertEqual([r["contacts"] for r in rows[:4]], [1, 1, 1, 0])
        rows = iv_json("paths", PRODUCT_FUNNEL, "--start", "signup", "--steps", "2", "--top", "2")
        self.assertEqual([list(r) for r in rows], [["path", "contacts", "share"]] * 2)
        self.assertEqual([r["path"] for r in rows], ["demo > refund", "demo > purchase"])
        self.assertEqual(iv("paths", SAMPLE, check=False).returncode, 2)

    def test_compare_is_one_object_with_the_spec_keys(self):
        r = iv_json("compare", SAMPLE, "--metric", "rv", "--a", "variant = A", "--b", "variant = B")
        self.assertEqual(list(r), ["n_a", "n_b", "mean_a", "mean_b", "median_a", "median_b",
                                   "diff", "diff_ci_low", "diff_ci_high", "welch_t", "welch_df",
                                   "welch_p", "mwu_u", "mwu_p", "cliffs_delta"])
        self.assertAlmostEqual(r["diff"], r["mean_a"] - r["mean_b"], places=9)

    def test_maturity_has_the_eight_areas_then_overall(self):
        rows = iv_json("maturity", SAMPLE)
        self.assertEqual([r["area"] for r in rows],
                         ["technology", "channels", "engagement", "experience", "content",
                          "business", "analytics", "governance", "overall"])
        for r in rows[:-1]:
            for k in ("score", "level", "staged_level", "coverage", "missing"):
                self.assertIn(k, r)
            self.assertIsInstance(r["missing"], list)
            if r["score"] is not None:
                self.assertEqual(r["level"], int(r["score"]))
        scores = [r["score"] for r in rows[:-1] if r["score"] is not None]
        self.assertAlmostEqual(rows[-1]["min"], min(scores), places=12)

    def test_maturity_from_indicators_alone(self):
        # tests/data/product/indicators.csv, by the default rubric (doc/MATURITY.md §5):
        # technology.self_assessment 7 -> level 7 (1 of its 2 indicators: coverage 0.5);
        # experience.nps 15: t6 = 10, t7 = 20 -> 6 + 5/10 = 6.5 (coverage 1/4);
        # governance.self_assessment 4.5 -> 4.5 (coverage 1/3); overall (7 + 6.5 + 4.5)/3 = 6,
        # min 4.5; the other areas undefined, not 0.
        rows = iv_json("maturity", "--indicators", PRODUCT_INDICATORS)
        by = {r["area"]: r for r in rows}
        self.assertEqual((by["technology"]["score"], by["technology"]["coverage"]), (7, 0.5))
        self.assertEqual(by["experience"]["score"], 6.5)
        self.assertEqual(by["governance"]["score"], 4.5)
        self.assertIsNone(by["channels"]["score"])
        self.assertIn("channels.digital_share", by["channels"]["missing"])
        self.assertEqual((by["overall"]["score"], by["overall"]["min"]), (6, 4.5))
        p = iv("maturity", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--indicators", p.stderr)

    def test_compare_nps_is_a_two_selection_test(self):
        r = iv_json("compare", SAMPLE, "--metric", "nps", "--a", "variant = A", "--b", "variant = B")
        self.assertEqual(list(r), ["nps_a", "nps_b", "diff", "z", "p"])
        m = {x["variant"]: x for x in iv_json("metrics", SAMPLE, "--by", "variant")}
        self.assertAlmostEqual(r["nps_a"], m["A"]["nps"], places=9)
        self.assertAlmostEqual(r["diff"], m["A"]["nps"] - m["B"]["nps"], places=9)
        z = r["diff"] / math.sqrt(m["A"]["nps_se"] ** 2 + m["B"]["nps_se"] ** 2)
        self.assertAlmostEqual(r["z"], z, places=9)
        self.assertAlmostEqual(r["p"], math.erfc(abs(z) / math.sqrt(2)), places=12)
        for v in m.values():
            self.assertAlmostEqual(v["nps_ci_low"], max(-100, v["nps"] - 1.959964 * v["nps_se"]), places=9)
            self.assertAlmostEqual(v["nps_ci_high"], min(100, v["nps"] + 1.959964 * v["nps_se"]), places=9)

    def test_clv_fit_reports_the_papers_parameter_names(self):
        r = iv_json("clv", "fit", SAMPLE, "--model", "bgnbd")
        for k in ("r", "alpha", "a", "b", "loglik", "customers"):
            self.assertIn(k, r)

    def test_summary_show_gives_the_metrics_rows(self):
        with tempfile.TemporaryDirectory() as d:
            s = os.path.join(d, "s.ivs")
            iv("summary", "make", SAMPLE, "-o", s, "--by", "team")
            shown = iv("summary", "show", s, "--format", "csv").stdout
            direct = iv("metrics", SAMPLE, "--by", "team", "--format", "csv").stdout
            self.assertEqual(shown, direct)


class ExitStatus(unittest.TestCase):
    COMMANDS = ["gen", "ingest", "metrics", "contacts", "churn", "retention", "cohorts",
                "funnel", "lifecycle", "stickiness", "paths", "clv", "pattern", "compare",
                "maturity", "summary", "report"]

    def test_every_command_has_help(self):
        for c in self.COMMANDS:
            p = iv(c, "--help", check=False)
            self.assertEqual(p.returncode, 0, c)
            self.assertIn("usage", p.stdout.lower(), c)

    def test_unknown_options_and_commands_exit_2(self):
        self.assertEqual(iv("metrics", SAMPLE, "--colour", check=False).returncode, 2)
        self.assertEqual(iv("frobnicate", check=False).returncode, 2)

    def test_missing_input_file_exits_1(self):
        self.assertEqual(iv("metrics", "/nonexistent/x.csv", check=False).returncode, 1)


if __name__ == "__main__":
    unittest.main()
