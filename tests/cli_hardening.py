"""Hostile use of the `iv` tool (issue #14): inputs that cannot be rewound (pipes, FIFOs,
process substitution, standard input) read exactly once; an output that is one of the
inputs refused; inputs without an end stopped; the rejects cap and a full disk reported;
one exit-code rule (2 = bad command line, 1 = the work failed); strict number syntax;
I/O errors with the system's reason.

Expected values are counted independently here (rows of the sample by Python's csv
module), never taken from a run of the tool. Run by meson with IV_EXE and
IV_SOURCE_ROOT set."""
import csv
import fcntl
import json
import os
import resource
import signal
import subprocess
import tempfile
import threading
import time
import unittest

IV = os.environ.get("IV_EXE", "iv")
ROOT = os.environ.get("IV_SOURCE_ROOT", ".")
SAMPLE = os.path.join(ROOT, "examples", "data", "sample.csv")


def sample_rows():
    with open(SAMPLE, newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.DictReader(f))


def sample_contacts():
    with open(SAMPLE, newline="", encoding="utf-8") as f:
        return len({r["contact"] for r in csv.DictReader(f)})


def run(args, stdin=None, timeout=120, shell=False):
    return subprocess.run(args if shell else [IV, *args], input=stdin, capture_output=True,
                          timeout=timeout, shell=shell, executable="/bin/bash" if shell else None)


def as_jsonl(path):
    """The sample as JSON Lines (Python's csv and json modules)."""
    out = []
    with open(SAMPLE, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out.append(json.dumps({k: v for k, v in r.items() if v != ""}))
    return "\n".join(out) + "\n"


class Pipes(unittest.TestCase):
    """Item 1: a pipe is read once; no row is lost to sniffing."""

    @classmethod
    def setUpClass(cls):
        cls.n = sample_rows()
        cls.contacts = sample_contacts()
        cls.d = tempfile.TemporaryDirectory()
        cls.jsonl = os.path.join(cls.d.name, "s.jsonl")
        with open(cls.jsonl, "w", encoding="utf-8") as f:
            f.write(as_jsonl(SAMPLE))
        cls.store = os.path.join(cls.d.name, "s.ivstore")
        p = run(["ingest", SAMPLE, "--save", cls.store])
        assert p.returncode == 0, p.stderr

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    def check(self, p):
        self.assertEqual(p.returncode, 0, p.stderr)
        r = json.loads(p.stdout)
        self.assertEqual((r["rows_read"], r["rows_accepted"], r["contacts"]),
                         (self.n, self.n, self.contacts))

    def test_csv_through_dev_stdin(self):
        with open(SAMPLE, "rb") as f:
            self.check(run(f"cat '{SAMPLE}' | '{IV}' ingest /dev/stdin --format json",
                           shell=True))

    def test_jsonl_through_a_pipe(self):
        self.check(run(f"cat '{self.jsonl}' | '{IV}' ingest /dev/stdin --input-format jsonl "
                       f"--lenient --format json", shell=True))

    def test_dash_is_standard_input(self):
        with open(SAMPLE, "rb") as f:
            self.check(run(["ingest", "-", "--format", "json"], stdin=f.read()))

    def test_process_substitution(self):
        self.check(run(f"'{IV}' ingest <(cat '{SAMPLE}') --format json", shell=True))

    def test_fifo(self):
        fifo = os.path.join(self.d.name, "fifo.csv")
        os.mkfifo(fifo)
        try:
            def feed():
                with open(fifo, "wb") as w, open(SAMPLE, "rb") as r:
                    w.write(r.read())
            t = threading.Thread(target=feed)
            t.start()
            p = run(["ingest", fifo, "--format", "json"])
            t.join()
            self.check(p)
        finally:
            os.unlink(fifo)

    def test_saved_store_through_a_pipe(self):
        self.check(run(f"cat '{self.store}' | '{IV}' ingest - --format json", shell=True))

    def test_snapshot_cut_under_8_bytes_is_not_a_log(self):
        cut = os.path.join(self.d.name, "cut.csv")
        with open(self.store, "rb") as f, open(cut, "wb") as w:
            w.write(f.read(5))
        p = run(["ingest", cut])
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"snapshot cut short", p.stderr)


class SameInode(unittest.TestCase):
    """Item 2: an output that is an input is refused (exit 2) and the input is intact."""

    def setUp(self):
        self.d = tempfile.TemporaryDirectory()
        self.v = os.path.join(self.d.name, "v.csv")
        with open(SAMPLE, "rb") as f:
            self.data = f.read()
        with open(self.v, "wb") as f:
            f.write(self.data)

    def tearDown(self):
        self.d.cleanup()

    def refused(self, args):
        p = run(args)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(b"input", p.stderr)
        with open(self.v, "rb") as f:
            self.assertEqual(f.read(), self.data)

    def test_rejects_is_the_input(self):
        self.refused(["ingest", self.v, "--lenient", "--rejects", self.v])

    def test_rejects_is_the_input_by_another_name(self):
        link = os.path.join(self.d.name, "link.csv")
        os.link(self.v, link)
        self.refused(["ingest", self.v, "--lenient", "--rejects", link])
        self.refused(["ingest", self.v, "--rejects", os.path.join(self.d.name, ".", "v.csv")])

    def test_save_is_the_input(self):
        self.refused(["ingest", self.v, "--save", self.v])

    def test_report_output_is_the_input(self):
        self.refused(["report", self.v, "-o", self.v])

    def test_summary_out_is_the_input(self):
        self.refused(["summary", "make", self.v, "-o", self.v])

    def test_partition_part_is_the_input(self):
        part = os.path.join(self.d.name, "p-0.ivstore")
        os.rename(self.v, part)
        self.v = part
        self.refused(["partition", part, "--parts", "1", "-o", os.path.join(self.d.name, "p")])

    def test_model_is_not_overwritten(self):
        model = os.path.join(self.d.name, "m.ini")
        with open(model, "w", encoding="utf-8") as f:
            f.write("[channel_cost]\nweb = 1\n")
        p = run(["summary", "make", self.v, "--model", model, "-o", model])
        self.assertEqual(p.returncode, 2, p.stderr)
        with open(model, encoding="utf-8") as f:
            self.assertEqual(f.read(), "[channel_cost]\nweb = 1\n")


class Endless(unittest.TestCase):
    """Item 7: input without an end stops with an error instead of reading forever."""

    def test_dev_zero(self):
        for extra in ([], ["--lenient"], ["--input-format", "jsonl"],
                      ["--input-format", "jsonl", "--lenient"]):
            p = run(["ingest", "/dev/zero", *extra], timeout=60)
            self.assertEqual(p.returncode, 1, extra)
            self.assertIn(b"max_line", p.stderr)

    def test_endless_quoted_field(self):
        for extra in ("", "--lenient"):
            p = run(f"(printf 'contact,ts,channel,type\\nx,2024-01-01,web,\"'; yes aaaa) | "
                    f"'{IV}' ingest - {extra}", shell=True, timeout=60)
            self.assertEqual(p.returncode, 1, extra)
            self.assertIn(b"line 2", p.stderr)


class WholeFileReaders(unittest.TestCase):
    """Item 8: the files read whole (model, rubric, indicators, peers, source profile) stop
    at their size limit (16 MiB of text) with an error that names the file and the limit,
    instead of reading /dev/zero until memory runs out."""

    def test_endless_files_stop_at_the_limit(self):
        for args in (["metrics", SAMPLE, "--model", "/dev/zero"],
                     ["maturity", "--indicators", "/dev/zero"],
                     ["maturity", "--indicators", "/dev/null", "--rubric", "/dev/zero"],
                     ["maturity", SAMPLE, "--peers", "/dev/zero"],
                     ["ingest", SAMPLE, "--profile", "/dev/zero"]):
            p = run(args, timeout=120)
            self.assertIn(p.returncode, (1, 2), args)
            self.assertIn(b"'/dev/zero' is longer than the 16777216 bytes this file may have",
                          p.stderr, args)


class BinaryReaders(unittest.TestCase):
    """Item 8: a summary file is refused by its first bytes when they are not a summary's
    magic: `iv summary show /dev/zero` read 512 MB (526 MB resident) before refusing."""

    def test_dev_zero_is_refused_after_its_first_bytes(self):
        p = subprocess.Popen([IV, "summary", "show", "/dev/zero"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        _, err = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"'/dev/zero' is not a libiv summary (bad magic)", err)

    def test_memory_stays_small(self):
        # ru_maxrss of this one child (kB): the binary and its libraries, not a buffer of
        # the limit's size (256 MiB)
        pid = os.fork()
        if pid == 0:  # the child runs iv with stderr silenced
            fd = os.open(os.devnull, os.O_WRONLY)
            os.dup2(fd, 2)
            os.execv(IV, [IV, "summary", "show", "/dev/zero"])
        _, status, ru = os.wait4(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 1)
        self.assertLess(ru.ru_maxrss, 32 * 1024)


class Rejects(unittest.TestCase):
    """Items 5 and 14: the cap says what it left out; a full disk is reported; raw text
    cut at its limit is marked."""

    def setUp(self):
        self.d = tempfile.TemporaryDirectory()
        self.bad = os.path.join(self.d.name, "bad.csv")
        with open(self.bad, "w", encoding="utf-8") as f:
            f.write("contact,ts,channel,type\n")
            for i in range(10):
                f.write(f"c{i},not-a-time,web,visit\n")
            f.write("long,not-a-time,web," + "v" * 3000 + "\n")
            # one good row: a lenient read that accepts none exits 1 (no row accepted)
            f.write("ok,2024-01-01,web,visit\n")

    def tearDown(self):
        self.d.cleanup()

    def test_max_rejects_says_how_many_were_not_written(self):
        rej = os.path.join(self.d.name, "r.csv")
        p = run(["ingest", self.bad, "--lenient", "--rejects", rej, "--max-rejects", "3"])
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(rej, newline="", encoding="utf-8") as f:
            self.assertEqual(len(list(csv.reader(f))) - 1, 3)
        self.assertIn(b"8 rejected rows were not written", p.stderr)

    def test_max_rejects_takes_a_whole_number(self):
        for bad in ("0", "-1", "1e3", "0x10", " 5", ""):
            p = run(["ingest", self.bad, "--lenient", "--max-rejects", bad])
            self.assertEqual(p.returncode, 2, bad)

    def test_raw_cut_at_the_limit_is_marked(self):
        rej = os.path.join(self.d.name, "r.csv")
        p = run(["ingest", self.bad, "--lenient", "--rejects", rej])
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(rej, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        raw = rows[-1]["raw"]
        whole = "long,not-a-time,web," + "v" * 3000
        self.assertEqual(raw, whole[:1024] + f"...[cut: {len(whole) - 1024} bytes]")
        self.assertEqual(rows[0]["raw"], "c0,not-a-time,web,visit")

    def test_full_disk_while_writing_rejects(self):
        p = run(["ingest", self.bad, "--lenient", "--rejects", "/dev/full"])
        self.assertEqual(p.returncode, 1)
        self.assertIn(os.strerror(28).encode(), p.stderr)  # ENOSPC

    def test_full_disk_while_saving(self):
        # through a link, so that a tool that renames over its target replaces the link
        # (the test fails) and never the device node
        link = os.path.join(self.d.name, "full.ivstore")
        os.symlink("/dev/full", link)
        for args in (["ingest", SAMPLE, "--save", link],
                     ["summary", "make", SAMPLE, "-o", link],
                     ["report", SAMPLE, "-o", link]):
            p = run(args)
            self.assertEqual(p.returncode, 1, args)
            self.assertIn(os.strerror(28).encode(), p.stderr)  # ENOSPC
            self.assertTrue(os.path.islink(link), args)


def limit_file_size(ignore):
    """preexec_fn: files may grow to 64 KiB; past it, writes fail (SIGXFSZ ignored) or the
    process is killed by SIGXFSZ, as by a signal it cannot catch."""
    def pre():
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN if ignore else signal.SIG_DFL)
    return pre


class Temporaries(unittest.TestCase):
    """Item 10: interrupted saves leave no temporary file for long."""

    def setUp(self):
        self.d = tempfile.TemporaryDirectory()
        self.target = os.path.join(self.d.name, "S.ivstore")

    def tearDown(self):
        self.d.cleanup()

    def temps(self):
        return sorted(f for f in os.listdir(self.d.name) if f.startswith("S.ivstore.tmp-"))

    def test_failed_save_removes_its_temporary(self):
        p = subprocess.run([IV, "ingest", SAMPLE, "--save", self.target], capture_output=True,
                           preexec_fn=limit_file_size(True), timeout=120)
        self.assertEqual(p.returncode, 1)
        self.assertIn(os.strerror(27).encode(), p.stderr)  # EFBIG
        self.assertEqual(self.temps(), [])

    def test_next_save_removes_what_a_killed_save_left(self):
        p = subprocess.run([IV, "ingest", SAMPLE, "--save", self.target], capture_output=True,
                           preexec_fn=limit_file_size(False), timeout=120)
        self.assertEqual(p.returncode, -signal.SIGXFSZ)
        left = self.temps()
        self.assertEqual(len(left), 1)
        old = time.time() - 60
        os.utime(os.path.join(self.d.name, left[0]), (old, old))
        # a temporary a live writer holds (locked) is left alone
        busy = os.path.join(self.d.name, "S.ivstore.tmp-Busy01")
        with open(busy, "wb") as b:
            fcntl.flock(b, fcntl.LOCK_EX)
            os.utime(busy, (old, old))
            p = run(["ingest", SAMPLE, "--save", self.target])
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(self.temps(), ["S.ivstore.tmp-Busy01"])
        self.assertTrue(os.path.exists(self.target))


class NulBytes(unittest.TestCase):
    """Item 6, end to end: a NUL inside a field (CSV byte or JSON \\u0000) never makes two
    contacts print as one: the row is refused, the other contact keeps its own count."""

    def test_nul_contact_is_refused_not_merged(self):
        csv_in = b"contact,ts,channel,type\na,2024-01-01,web,visit\na\x00b,2024-01-02,web,visit\n"
        jsonl_in = (b'{"contact":"a","ts":"2024-01-01","channel":"web","type":"visit"}\n'
                    b'{"contact":"a\\u0000b","ts":"2024-01-02","channel":"web","type":"visit"}\n')
        for data, fmt in ((csv_in, "csv"), (jsonl_in, "jsonl")):
            p = run(["contacts", "-", "--input-format", fmt, "--lenient", "--format", "json"],
                    stdin=data)
            self.assertEqual(p.returncode, 0, p.stderr)
            rows = json.loads(p.stdout)
            self.assertEqual([(r["contact"], r["n"]) for r in rows], [("a", 1)], fmt)
            p = run(["ingest", "-", "--input-format", fmt], stdin=data)
            self.assertEqual(p.returncode, 1, fmt)


class Messages(unittest.TestCase):
    """Item 14: one exit-code rule, strict numbers, reasons, no doubled prefixes."""

    def test_reversed_from_to_is_a_bad_command_line_everywhere(self):
        rev = ["--from", "2024-06-01", "--to", "2024-01-01"]
        with tempfile.TemporaryDirectory() as d:
            for args in (["metrics", SAMPLE], ["contacts", SAMPLE], ["churn", SAMPLE],
                         ["retention", SAMPLE], ["cohorts", SAMPLE],
                         ["funnel", SAMPLE, "--steps", "visit,purchase"],
                         ["summary", "make", SAMPLE, "-o", os.path.join(d, "x.ivsum")],
                         ["pattern", "trajectories", SAMPLE]):
                p = run(args + rev)
                self.assertEqual(p.returncode, 2, (args, p.stderr))
                p = run(args + rev[2:] + rev[:2])  # the other order
                self.assertEqual(p.returncode, 2, (args, p.stderr))

    def test_bad_where_is_a_bad_command_line_everywhere(self):
        for args in (["metrics", SAMPLE], ["churn", SAMPLE], ["contacts", SAMPLE]):
            p = run(args + ["--where", "nosuchname = 1"])
            self.assertEqual(p.returncode, 2, (args, p.stderr))

    def test_strict_number_syntax(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "x.ivsum")
            for args in (["summary", "make", SAMPLE, "-o", out, "--alpha", "0"],
                         ["summary", "make", SAMPLE, "-o", out, "--alpha", "0x1p-7"],
                         ["summary", "make", SAMPLE, "-o", out, "--alpha", " 0.01"],
                         ["churn", SAMPLE, "--window", "0x10"],
                         ["churn", SAMPLE, "--window", "inf"],
                         ["churn", SAMPLE, "--window", "nan"],
                         ["funnel", SAMPLE, "--steps", "visit,purchase", "--window", "0x10"],
                         ["report", SAMPLE, "-o", os.path.join(d, "r.html"), "--window", "0x10"],
                         ["report", SAMPLE, "-o", os.path.join(d, "r.html"), "--buckets", "0x10"],
                         ["metrics", SAMPLE, "--threads", "0x2"],
                         ["metrics", SAMPLE, "--threads", "+2"],
                         ["metrics", SAMPLE, "--threads", "65"],
                         ["metrics", SAMPLE, "--threads", "18446744073709551617"],
                         ["ingest", SAMPLE, "--threads", " 2"],
                         ["ingest", SAMPLE, "--max-rejects", "1e3"],
                         ["ingest", SAMPLE, "--max-rejects", "0x10"],
                         ["ingest", SAMPLE, "--max-rejects", "-1"],
                         ["metrics", SAMPLE, "--drill", "1e0"],
                         ["pattern", "stalled", SAMPLE, "--quantile", "0x0.8"],
                         ["clv", "predict", SAMPLE, "--horizon", "0x10"],
                         ["paths", SAMPLE, "--start", "visit", "--steps", " 3"],
                         ["paths", SAMPLE, "--start", "visit", "--top", "1e2"],
                         ["clv", "predict", SAMPLE, "--discount", "0x0.1"]):
                p = run(args)
                self.assertEqual(p.returncode, 2, (args, p.stderr))
                self.assertFalse(os.path.exists(out), args)

    def test_bad_source_option_values_are_bad_command_lines(self):
        # every source option checks its value before anything is read: exit 2, the
        # option named; numbers and offsets in the strict syntax (no sign where none is
        # meant, no blanks, no hex, no exponent)
        bad = [("--delimiter", ";;"), ("--delimiter", '"'), ("--encoding", "utf-16"),
               ("--time-format", "%Q"), ("--time-format", "%d.%m"), ("--timezone", "+1e1"),
               ("--timezone", " +01:00"), ("--timezone", "+0x1"), ("--timezone", "+01:60"),
               ("--timezone", "+25:00"), ("--timezone", "Mars/Olympus"), ("--epoch-unit", "1000"),
               ("--epoch-unit", " s"), ("--decimal", "0"), ("--decimal", ".."),
               ("--thousands", "1e3"), ("--thousands", ",,"), ("--dedup", "1"), ("--map", "a"),
               ("--set", "=x"), ("--values", "outcome"), ("--profile", "no_such_profile")]
        for cmd in (["ingest", SAMPLE], ["metrics", SAMPLE], ["churn", SAMPLE],
                    ["funnel", SAMPLE, "--steps", "visit,purchase"]):
            for flag, value in bad:
                p = run(cmd + [flag, value])
                self.assertEqual(p.returncode, 2, (cmd, flag, value, p.stderr))
                self.assertIn(flag.encode(), p.stderr, (cmd, flag, value))

    def test_period_says_why(self):
        p = run(["maturity", SAMPLE, "--period", "2200"])
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"2201", p.stderr)
        p = run(["maturity", SAMPLE, "--period", "2024-13"])
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"month 13", p.stderr)

    def test_model_path_said_once(self):
        with tempfile.TemporaryDirectory() as d:
            model = os.path.join(d, "bad.ini")
            with open(model, "w", encoding="utf-8") as f:
                f.write("[x\n")
            for cmd in ("metrics", "churn", "maturity"):
                p = run([cmd, SAMPLE, "--model", model])
                self.assertEqual(p.returncode, 1, cmd)
                self.assertEqual(p.stderr.count(model.encode()), 1, p.stderr)

    def test_no_doubled_prefix(self):
        p = run(["metrics", SAMPLE, "--where", "channel = = web"])
        self.assertEqual(p.returncode, 2)
        self.assertNotIn(b"query: query:", p.stderr)
        self.assertEqual(p.stderr.count(b"iv metrics:"), 1)

    def test_io_errors_carry_the_reason(self):
        with tempfile.TemporaryDirectory() as d:
            p = run(["ingest", d])
            self.assertEqual(p.returncode, 1)
            self.assertIn(os.strerror(21).encode(), p.stderr)  # EISDIR
            p = run(["ingest", os.path.join(d, "missing.csv")])
            self.assertEqual(p.returncode, 1)
            self.assertIn(os.strerror(2).encode(), p.stderr)  # ENOENT
            p = run(["summary", "show", d])
            self.assertEqual(p.returncode, 1)
            self.assertIn(os.strerror(21).encode(), p.stderr)
            p = run(["ingest", SAMPLE, "--rejects", os.path.join(d, "no", "r.csv")])
            self.assertEqual(p.returncode, 1)
            self.assertIn(os.strerror(2).encode(), p.stderr)


if __name__ == "__main__":
    unittest.main()
