"""Every exception the package raises is a libiv.Error subclass (doc/BINDINGS.md, Errors),
still an instance of Python's own category (ValueError, TypeError, KeyError, IndexError,
ImportError), and carries the row and column where the failure has one.

Runs without numpy (the core suites run under both interpreters)."""

import ast
import os
import subprocess
import sys
import unittest

import libiv
from support import SAMPLE

PACKAGE = os.path.dirname(libiv.__file__)
BUILTIN = {"ValueError", "TypeError", "KeyError", "IndexError", "RuntimeError", "OSError",
           "ImportError", "Exception", "LookupError", "ArithmeticError", "AttributeError"}


class SourceScan(unittest.TestCase):

    def test_no_builtin_exception_is_raised(self):
        # every `raise X(...)` in the package names a libiv exception (or a helper of
        # _errors.py that returns one), never a bare built-in class
        bad = []
        for name in sorted(os.listdir(PACKAGE)):
            if not name.endswith(".py"):
                continue
            path = os.path.join(PACKAGE, name)
            with open(path, encoding="utf-8") as f:
                tree = ast.parse(f.read(), path)
            for node in ast.walk(tree):
                if isinstance(node, ast.Raise) and node.exc is not None:
                    exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                    if isinstance(exc, ast.Name) and exc.id in BUILTIN:
                        bad.append("%s:%d raise %s" % (name, node.lineno, exc.id))
        self.assertEqual(bad, [])


class Behaviour(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.store = libiv.load(SAMPLE)

    @classmethod
    def tearDownClass(cls):
        cls.store.close()

    def check(self, cm, cls, category):
        e = cm.exception
        self.assertIsInstance(e, libiv.Error)
        self.assertIsInstance(e, cls)
        self.assertIsInstance(e, category)
        self.assertTrue(e.message)
        return e

    def test_unknown_keywords(self):
        for call in (lambda: self.store.metrics(by="channel", wehre="x"),
                     lambda: self.store.ingest(SAMPLE, valeu=3),
                     lambda: libiv.load(SAMPLE, delimeter=";")):
            with self.assertRaises(libiv.ArgumentTypeError) as cm:
                call()
            self.check(cm, libiv.ArgumentTypeError, TypeError)

    def test_bad_option_values(self):
        with self.assertRaises(libiv.InvalidArgumentError) as cm:
            self.store.ingest(SAMPLE, input_format="xml")
        self.check(cm, libiv.InvalidArgumentError, ValueError)
        with self.assertRaises(libiv.InvalidArgumentError) as cm:
            libiv.CLV("bgnbdd", [1, 2, 3, 4])
        self.assertIn("bgnbdd", str(cm.exception))

    def test_append_names_the_field(self):
        with libiv.Store() as s:
            with self.assertRaises(libiv.ParseError) as cm:
                s.append(contact="a", ts="2024-01-01", channel="web", type="visit",
                         stage="bogus")
            e = self.check(cm, libiv.ParseError, ValueError)
            self.assertEqual(e.column, "stage")
            with self.assertRaises(libiv.ParseError) as cm:
                s.append(contact="a", ts="2024-01-01", channel="web", type="visit",
                         cost="zwei")
            self.assertEqual(cm.exception.column, "cost")
            with self.assertRaises(libiv.InvalidArgumentError) as cm:
                s.append(contact="a\0b", ts="2024-01-01", channel="web", type="visit")
            self.check(cm, libiv.InvalidArgumentError, ValueError)
            self.assertEqual(s.rows, 0)

    def test_columns_name_row_and_column(self):
        # lists work without numpy; the second row's cost is bad
        with libiv.Store() as s:
            with self.assertRaises(libiv.ParseError) as cm:
                s.append_columns(contact=["a", "b"], ts=["2024-01-01", "2024-01-02"],
                                 channel=["web", "web"], type=["visit", "visit"],
                                 cost=["1.5", "zwei"])
            e = self.check(cm, libiv.ParseError, ValueError)
            self.assertEqual((e.row, e.column), (1, "cost"))
            with self.assertRaises(libiv.ParseError) as cm:
                s.append_columns(contact=["a", "b", "c"], ts=["2024-01-01"] * 3,
                                 channel=["web"] * 3, type=["visit"] * 3,
                                 outcome=[None, None, "meh"])
            self.assertEqual((cm.exception.row, cm.exception.column), (2, "outcome"))
            self.assertEqual(s.rows, 0)

    def test_text_times_with_a_source_without_numpy(self):
        # time_format and timezone on lists go through the library's reader too:
        # TZ=Europe/Berlin date -d '2024-03-15 14:22' +%s = 1710508920
        with libiv.Store() as s:
            s.append_columns(contact=["a", "b"], channel=["web"] * 2, type=["visit"] * 2,
                             ts=["15.03.2024 14:22", "2024-03-15T14:22:00Z"],
                             time_format="%d.%m.%Y %H:%M", timezone="Europe/Berlin")
            self.assertEqual([libiv.format_time(int(r["ts"].timestamp() * 1000)) for r in s],
                             ["2024-03-15T13:22:00Z", "2024-03-15T14:22:00Z"])
            with self.assertRaises(libiv.ParseError) as cm:
                s.append_columns(contact=["a", "b"], channel=["web"] * 2, type=["visit"] * 2,
                                 ts=["15.03.2024 14:22", "31.03.2024 02:30"],
                                 time_format="%d.%m.%Y %H:%M", timezone="Europe/Berlin")
            self.assertEqual((cm.exception.row, cm.exception.column), (1, "ts"))
            self.assertEqual(s.rows, 2)

    def test_file_errors_name_the_line(self):
        bad = b"contact,ts,channel,type,cost\na,2024-01-01,web,visit,1\nb,2024-01-02,web,visit,x\n"
        with libiv.Store() as s:
            with self.assertRaises(libiv.ParseError) as cm:
                s.ingest(bad)
            e = self.check(cm, libiv.ParseError, ValueError)
            self.assertEqual(e.line, 3)

    def test_lookup_and_range(self):
        with self.store.metrics(by="channel") as t:
            with self.assertRaises(libiv.KeyNotFoundError) as cm:
                t.column("nope")
            self.check(cm, libiv.KeyNotFoundError, KeyError)
            with self.assertRaises(libiv.IndexOutOfRangeError) as cm:
                t.row(len(t))
            self.check(cm, libiv.IndexOutOfRangeError, IndexError)
        with self.assertRaises(libiv.IndexOutOfRangeError):
            self.store.row(self.store.rows)

    def test_closed_handle(self):
        s = libiv.Store()
        s.close()
        with self.assertRaises(libiv.ClosedError) as cm:
            s.rows
        self.check(cm, libiv.ClosedError, ValueError)

    def test_clv_arrays_name_the_element(self):
        m = libiv.CLV("bgnbd", {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
        with self.assertRaises(libiv.Error) as cm:
            m.p_alive([1, 2, 3], [1, 1, 2], [5, 5, 0])   # x > 0 with T = 0: refused
        self.assertEqual(cm.exception.row, 2)
        with self.assertRaises(libiv.InvalidArgumentError):
            m.p_alive(["one"], [1], [5])

    def test_library_not_found_is_a_libiv_error(self):
        env = dict(os.environ, LIBIV_PATH="/nonexistent/libiv.so")
        code = ("import sys\ntry:\n    import libiv\nexcept ImportError as e:\n"
                "    print(type(e).__name__, [c.__name__ for c in type(e).__mro__])\n")
        p = subprocess.run([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("LibraryNotFoundError", p.stdout)
        self.assertIn("'Error'", p.stdout)
        self.assertIn("'ImportError'", p.stdout)


if __name__ == "__main__":
    unittest.main()
