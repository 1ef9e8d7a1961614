"""Source options through libiv.load(path, **opts) (doc/SOURCES.md, "Options").

Independent references: GNU date (`TZ=Zone date`) for instants across daylight-saving
transitions of several IANA zones, Python's codecs for every byte of latin1 and
windows-1252, hand-written values elsewhere."""

import datetime
import os
import shutil
import subprocess
import tempfile
import unittest

import libiv

UTC = datetime.timezone.utc


def ms(d: datetime.datetime) -> int:
    return int((d - datetime.datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1000)


def gnu_date(zone: str, lines: list, fmt: str) -> list:
    """`TZ=zone date -f - +fmt` over lines: one output per input (None when date
    rejects it, e.g. a local time inside a DST gap)."""
    out = []
    for chunk in range(0, len(lines), 200):
        part = lines[chunk:chunk + 200]
        p = subprocess.run(["date", "-f", "-", "+" + fmt], input="\n".join(part) + "\n",
                           capture_output=True, text=True, env=dict(os.environ, TZ=zone))
        got = p.stdout.split("\n")[:-1]
        if len(got) == len(part):
            out.extend(got)
            continue
        # some line was rejected: ask one by one
        for line in part:
            q = subprocess.run(["date", "-d", line, "+" + fmt], capture_output=True, text=True,
                               env=dict(os.environ, TZ=zone))
            out.append(q.stdout.strip() if q.returncode == 0 else None)
    return out


class SourceTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp()

    def tearDown(self) -> None:
        shutil.rmtree(self.dir)

    def write(self, name: str, data) -> str:
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        return path

    def test_values_that_never_occur_are_warned_about(self) -> None:
        # a where value, a funnel step and a cohort start type that no row has: the result
        # comes back and a libiv.IvWarning names each
        import warnings
        p = self.write("w.csv", "contact,ts,channel,type\nc1,2024-01-01,web,visit\n"
                       "c1,2024-01-02,phone,purchase\n")
        s = libiv.load(p)
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            rows = s.metrics(where="channel = webb")
            libiv.lifecycle.funnel(s, "visit,demo")
            libiv.lifecycle.cohorts(s, start_types="signup")
        texts = [str(w.message) for w in got if issubclass(w.category, libiv.IvWarning)]
        self.assertEqual(rows[0]["n"], 0)
        self.assertEqual(texts, ["selection: no row has channel 'webb'",
                                 "funnel step 2 ('demo') never occurs in the store",
                                 "cohorts start types: type 'signup' never occurs in the store"])
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            s.metrics(where="channel = WEB")
            libiv.lifecycle.funnel(s, "Visit,PURCHASE")
        self.assertEqual([w for w in got if issubclass(w.category, libiv.IvWarning)], [])
        s.close()

    def test_keywords_are_the_c_names(self) -> None:
        p = self.write("hub.csv",
                       "Contact ID;Activity date;Activity type;Outcome;Amount\n"
                       "c1;03/15/2024 2:22 PM;Call;Completed;\"1.250,50\"\n"
                       "c2;03/16/2024 11:05 AM;EMAIL; no answer ;7\n")
        s = libiv.load(p, delimiter="auto", time_format=["%d.%m.%Y", "%m/%d/%Y %I:%M %p"],
                       timezone="America/New_York", decimal=",", thousands=".",
                       map={"Contact ID": "contact", "Activity date": "ts",
                            "Activity type": ["type", "kind"], "Amount": "value"},
                       set={"channel": "phone"},
                       values={"outcome": {"Completed": "desired", "No answer": "undesired"}})
        self.assertEqual(s.rows, 2)
        r0, r1 = s.row(0), s.row(1)
        # TZ=America/New_York date -d '2024-03-15 14:22' +%s = 1710526920
        self.assertEqual(ms(r0["ts"]), 1710526920000)
        self.assertEqual(r0["type"], "call")  # types are stored in normal form
        self.assertEqual(r0["kind"], "Call")
        self.assertEqual(r0["channel"], "phone")
        self.assertEqual(r0["outcome"], "desired")
        self.assertEqual(r1["outcome"], "undesired")
        self.assertEqual(r0["value"], 1250.5)
        self.assertEqual(s.last_ingest.rows_duplicate, 0)
        s.close()

    def test_unknown_names_and_bad_values_are_errors(self) -> None:
        p = self.write("a.csv", "contact,ts,channel,type\na,2024-03-01,web,visit\n")
        with self.assertRaises(TypeError):
            libiv.load(p, delimitr=";")
        with self.assertRaises(libiv.Error) as cm:
            libiv.load(p, timezone="Mars/Olympus")
        self.assertIn("Mars/Olympus", str(cm.exception))
        with self.assertRaises(libiv.Error) as cm:
            libiv.load(p, map="Kanal=channel")
        self.assertIn("Kanal", str(cm.exception))

    def test_dedup_across_files(self) -> None:
        a = self.write("a.csv", "contact,ts,channel,type,id\na,2024-03-01,web,visit,1\n"
                                "b,2024-03-01,web,visit,2\n")
        b = self.write("b.jsonl", '{"contact":"b","ts":"2024-03-01","channel":"web",'
                                  '"type":"visit","id":"2"}\n'
                                  '{"contact":"c","ts":"2024-03-02","channel":"web",'
                                  '"type":"visit","id":"3"}\n')
        s = libiv.load([a, b], dedup="id")
        self.assertEqual(s.rows, 3)
        self.assertEqual(s.last_ingest.rows_duplicate, 1)
        self.assertEqual(s.last_ingest.rows_read, 4)
        snap = os.path.join(self.dir, "s.ivs")
        s.save(snap)
        s.close()
        t = libiv.Store.open(snap)
        r = t.ingest(b, dedup="id")
        self.assertEqual((r.rows_read, r.rows_accepted, r.rows_duplicate), (2, 0, 2))
        t.close()

    def test_latin1_and_windows_1252_against_python_codecs(self) -> None:
        # every byte but the line feed, carriage return, comma, quote and NUL, in one field
        skip = {0, 10, 13, ord(","), ord('"')}
        body = bytes(b for b in range(256) if b not in skip)
        head = b"contact,ts,channel,type,team\n"
        for enc, codec in (("latin1", "latin-1"), ("windows-1252", "cp1252")):
            ok = bytes(b for b in body if enc == "latin1" or b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D))
            p = self.write(enc + ".csv", head + b"a,2024-03-01,web,visit," + ok + b"\n")
            s = libiv.load(p, encoding=enc)
            # the team field is trimmed of blanks at its ends (TAB, VT, FF, space)
            self.assertEqual(s.row(0)["team"], ok.decode(codec).strip(" \t\v\f"))
            s.close()
        # the five bytes windows-1252 leaves undefined are bad rows, like Python's error
        for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D):
            with self.assertRaises(UnicodeDecodeError):
                bytes([b]).decode("cp1252")
            p = self.write("u.csv", head + b"a,2024-03-01,web,visit,x" + bytes([b]) + b"\n")
            with self.assertRaises(libiv.Error) as cm:
                libiv.load(p, encoding="windows-1252")
            self.assertIn("0x%02X" % b, str(cm.exception))
            self.assertIn("team", str(cm.exception))

    def test_iana_zones_across_dst_transitions_against_gnu_date(self) -> None:
        zones = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe",
                 "America/Sao_Paulo", "Asia/Tehran", "Europe/London", "America/Santiago"]
        # around each transition (UTC instants every 20 minutes for 5 hours either side)
        # of the years 1975, 2007, 2024 and 2040 (past the last TZif transition: the
        # footer rule), as local wall-clock text
        total = 0
        for zone in zones:
            instants = []
            for year in (1975, 2007, 2024, 2040):
                t = int(datetime.datetime(year, 1, 1, tzinfo=UTC).timestamp())
                end = int(datetime.datetime(year + 1, 1, 1, tzinfo=UTC).timestamp())
                # find the transitions: the offset date prints changes
                step = 6 * 3600
                probes = list(range(t, end, step))
                offs = gnu_date(zone, ["@%d" % x for x in probes], "%z")
                for i in range(1, len(probes)):
                    if offs[i] != offs[i - 1]:
                        for k in range(-15, 16):
                            instants.append(probes[i - 1] + k * 1200 + 3600 * 3)
            # each instant and the ones up to two hours before it (every offset change
            # of these zones is a multiple of 30 minutes), as local text
            cands = sorted({x - k * 1800 for x in instants for k in range(5)})
            local = gnu_date(zone, ["@%d" % x for x in cands], "%Y-%m-%d %H:%M:%S")
            # the expected instant of each local text: the earliest one date maps to it
            seen = {}
            for x, text in zip(cands, local):
                if text not in seen or x < seen[text]:
                    seen[text] = x
            texts = sorted(seen)
            rows = "".join("c%d,%s,web,visit\n" % (i, text) for i, text in enumerate(texts))
            p = self.write("z.csv", "contact,ts,channel,type\n" + rows)
            s = libiv.load(p, timezone=zone)
            for i, text in enumerate(texts):
                self.assertEqual(ms(s.row(i)["ts"]), seen[text] * 1000, (zone, text))
            total += len(texts)
            s.close()
            # local times inside a gap: date rejects them, so must we
            gaps = []
            for text in texts[:200]:
                d = datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
                for minutes in (30, 60):
                    cand = (d + datetime.timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S")
                    if cand not in seen:
                        gaps.append(cand)
            checked = 0
            for cand, got in zip(gaps, gnu_date(zone, gaps, "%s")):
                if got is not None:
                    continue
                p = self.write("g.csv", "contact,ts,channel,type\na,%s,web,visit\n" % cand)
                with self.assertRaises(libiv.Error) as cm:
                    libiv.load(p, timezone=zone)
                self.assertIn("does not exist in time zone", str(cm.exception))
                checked += 1
                if checked >= 4:
                    break
        self.assertGreater(total, 300)

    def test_profile_keyword_with_options_beside_it(self) -> None:
        root = os.environ.get("IV_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", "..", ".."))
        os.environ["IV_PROFILE_PATH"] = os.path.join(root, "data", "profiles")
        p = os.path.join(root, "examples", "data", "sources", "salesforce_tasks.csv")
        s = libiv.load(p, profile="salesforce")
        self.assertEqual(s.rows, 4)
        # by hand: Call reply 40 + Email open 1 + Event demo 60 + Call reply 40
        self.assertEqual(s.metrics().to_records()[0]["rv"], 141)
        # TZ=America/New_York date -d '2024-03-15 14:22' +%s = 1710526920
        s = libiv.load(p, profile="salesforce", timezone="America/New_York")
        self.assertEqual(ms(s.row(0)["ts"]), 1710526920000)
        with self.assertRaises(libiv.Error):
            libiv.load(p, profile="no_such_system")


if __name__ == "__main__":
    unittest.main()
