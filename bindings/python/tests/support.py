"""Shared helpers of the binding tests: where the data and the built `iv` tool are, and a
comparison of binding results with the tool's JSON output (the independent reference:
the CLI is a separate program over the C API, these tests check that the binding
marshals options and results without changing a number)."""

import datetime
import json
import math
import os
import subprocess

ROOT = os.environ.get("IV_SOURCE_ROOT") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SAMPLE = os.path.join(ROOT, "examples", "data", "sample.csv")
DATA = os.environ.get("IV_TEST_DATA") or os.path.join(ROOT, "tests", "data")
IV_EXE = os.environ.get("IV_EXE", "iv")


def run_iv(*args):
    """Run the built `iv` tool and return (exit status, stdout, stderr)."""
    p = subprocess.run([IV_EXE] + [str(a) for a in args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def iv_json(*args):
    """The parsed JSON output of `iv ARGS --format json` (must exit 0)."""
    rc, out, err = run_iv(*(list(args) + ["--format", "json"]))
    if rc != 0:
        raise AssertionError("iv %s failed (%d): %s" % (" ".join(map(str, args)), rc, err))
    return json.loads(out)


def plain(v):
    """A binding value in the form the JSON export writes it."""
    if isinstance(v, datetime.datetime):
        s = v.strftime("%Y-%m-%dT%H:%M:%S")
        if v.microsecond:
            s += ".%03d" % (v.microsecond // 1000)
        return s + "Z"
    return v


def assert_same_records(tc, got, want, rel=1e-12):
    """Rows equal key by key: numbers to `rel` relative, None == null, times as ISO."""
    tc.assertEqual(len(got), len(want), "row count")
    for i, (g, w) in enumerate(zip(got, want)):
        tc.assertEqual(list(g.keys()), list(w.keys()), "columns of row %d" % i)
        for k in w:
            gv, wv = plain(g[k]), w[k]
            if isinstance(wv, (int, float)) and not isinstance(wv, bool) and gv is not None \
                    and not isinstance(gv, bool):
                tc.assertTrue(math.isclose(gv, wv, rel_tol=rel, abs_tol=1e-12),
                              "row %d %s: %r != %r" % (i, k, gv, wv))
            else:
                tc.assertEqual(gv, wv, "row %d %s" % (i, k))
