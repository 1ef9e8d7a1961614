"""python3 -m libiv.dask COMMAND INPUT... [options]: an `iv` analysis on Dask distributed.

The commands and their options are `iv`'s (`iv COMMAND --help`), the output is the
table `iv` prints (--format table|csv|json), plus:

  --scheduler ADDR   a running scheduler (tcp://host:8786); without it a LocalCluster
                     of 2 worker processes is started for the run
  --partitions N     contact partitions (default: twice the workers)
  --range-size BYTES bytes of input per range task (default 64 MiB; k, M, G suffixes)
  --scratch DIR      where the workers write the per-partition parts (default: a new
                     temporary directory; on several machines: shared storage)
  --stats            print the run's figures (ranges, rows, summary bytes) on stderr

Commands: metrics, churn, retention, cohorts, funnel, lifecycle, stickiness,
clv fit, pattern norm, compare. See doc/SCALE.md.
"""

import argparse
import importlib
import sys
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import DEFAULT_RANGE_SIZE, run

PROG = "python3 -m libiv.dask"

# iv's source options: --flag and the Store.ingest keyword (repeatable ones joined or
# listed as iv_source_set takes them one by one).
_SOURCE_FLAGS = (("--delimiter", "delimiter"), ("--encoding", "encoding"),
                 ("--time-format", "time_format"), ("--timezone", "timezone"),
                 ("--epoch-unit", "epoch_unit"), ("--decimal", "decimal"),
                 ("--thousands", "thousands"), ("--map", "map"), ("--set", "set"),
                 ("--values", "values"), ("--dedup", "dedup"), ("--profile", "profile"))

# command -> (Partial command, [(flag, keyword, kind)]); kind: "str", "list" (repeatable),
# "flag" (store_true), "float"
_Opt = Tuple[str, str, str]
_QUERY: List[_Opt] = [("--by", "by", "str"), ("--where", "where", "str"),
                      ("--model", "model", "str")]
_RANGE: List[_Opt] = [("--from", "start", "str"), ("--to", "end", "str")]
_TABLE: Dict[str, Tuple[str, List[_Opt]]] = {
    "metrics": ("metrics", _QUERY + _RANGE),
    "churn": ("churn", _QUERY + [("--from", "t0", "str"), ("--to", "t1", "str"),
                                 ("--window", "window", "str"), ("--every", "every", "str")]),
    "retention": ("retention", _QUERY + [("--from", "t0", "str"), ("--to", "t1", "str"),
                                         ("--window", "window", "str"),
                                         ("--every", "every", "str")]),
    "cohorts": ("cohorts", _QUERY + _RANGE + [("--period", "period", "str"),
                                              ("--start", "start_types", "str"),
                                              ("--return", "return_types", "str")]),
    "funnel": ("funnel", _QUERY + _RANGE + [("--steps", "steps", "str"),
                                            ("--window", "window", "str"),
                                            ("--mode", "mode", "str"),
                                            ("--exclude", "exclude", "list"),
                                            ("--histogram", "histogram", "flag")]),
    "lifecycle": ("lifecycle", _QUERY + _RANGE + [("--period", "period", "str")]),
    "stickiness": ("stickiness", _QUERY + _RANGE + [("--period", "period", "str")]),
    "clv fit": ("clv", [("--model", "model", "str"),
                        ("--calibration-end", "calibration_end", "str"),
                        ("--unit", "unit", "str"), ("--penalizer", "penalizer", "float"),
                        ("--scoring-model", "scoring_model", "str")]),
    "pattern norm": ("norms", [("--where", "where", "str"), ("--model", "model", "str")] +
                     _RANGE + [("--bucket", "bucket", "str"), ("--buckets", "buckets", "int"),
                               ("--align", "align", "str"), ("--origin", "origin", "str"),
                               ("--t-ref", "t_ref", "str"), ("--alpha", "alpha", "float")]),
    "compare": ("compare", [("--where", "where", "str"), ("--model", "model", "str")] +
                _RANGE + [("--metric", "metric", "str"), ("--a", "a", "str"),
                          ("--b", "b", "str"), ("--confidence", "confidence", "float")]),
}
# iv's options these commands have that a summary cannot answer: refused by name
_REFUSED = {"metrics": ("--prev-from", "--prev-to", "--drill"),
            "clv fit": ("--summary",)}


def _size(text: str) -> int:
    t = text.strip().lower()
    mult = 1
    for suf, m in (("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30)):
        if t.endswith(suf):
            t, mult = t[:-1], m
            break
    try:
        v = int(float(t) * mult)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a size" % text) from None
    if v < 1:
        raise argparse.ArgumentTypeError("%r: the size must be at least 1 byte" % text)
    return v


def _parser(name: str) -> argparse.ArgumentParser:
    cmd, opts = _TABLE[name]
    ap = argparse.ArgumentParser(prog="%s %s" % (PROG, name),
                                 description="iv %s on Dask distributed (doc/SCALE.md)" % name)
    ap.add_argument("inputs", nargs="+", metavar="INPUT",
                    help="files or globs (CSV, JSON Lines, saved stores)")
    for flag, key, kind in opts:
        if kind == "flag":
            ap.add_argument(flag, dest=key, action="store_true")
        elif kind == "list":
            ap.add_argument(flag, dest=key, action="append")
        elif kind == "float":
            ap.add_argument(flag, dest=key, type=float)
        elif kind == "int":
            ap.add_argument(flag, dest=key, type=int)
        else:
            ap.add_argument(flag, dest=key)
    for flag in _REFUSED.get(name, ()):
        ap.add_argument(flag, dest="refused_" + flag.strip("-").replace("-", "_"),
                        help=argparse.SUPPRESS)
    ap.add_argument("--format", choices=("table", "csv", "json"), default="table")
    ap.add_argument("--input-format", choices=("csv", "jsonl"), default=None)
    ap.add_argument("--lenient", action="store_true")
    ap.add_argument("--threads", type=int, default=None,
                    help="accepted for iv compatibility (each range is read on one thread)")
    for flag, key in _SOURCE_FLAGS:
        ap.add_argument(flag, dest="src_" + key, action="append")
    ap.add_argument("--scheduler", default=None, metavar="ADDR")
    ap.add_argument("--partitions", type=int, default=None, metavar="N")
    ap.add_argument("--range-size", type=_size, default=DEFAULT_RANGE_SIZE, metavar="BYTES")
    ap.add_argument("--scratch", default=None, metavar="DIR")
    ap.add_argument("--stats", action="store_true")
    return ap


def _source(ns: argparse.Namespace) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for _flag, key in _SOURCE_FLAGS:
        vals = getattr(ns, "src_" + key)
        if not vals:
            continue
        if key in ("time_format", "values"):
            out[key] = list(vals)
        elif key in ("map", "set"):
            out[key] = ",".join(vals)
        else:
            out[key] = vals[-1]
    return out


def _print(result: Any, fmt: str) -> None:
    if hasattr(result, "params_table"):  # a CLV fit: what iv clv fit prints
        result = result.params_table()
    text = result.to_string(fmt) if hasattr(result, "to_string") else str(result)
    sys.stdout.write(text)
    if text and not text.endswith("\n"):
        sys.stdout.write("\n")


def main(argv: Optional[List[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        sys.stdout.write(__doc__ or "")
        return 0 if args else 2
    name = args[0]
    rest = args[1:]
    if name in ("clv", "pattern"):
        if not rest or "%s %s" % (name, rest[0]) not in _TABLE:
            sys.stderr.write("%s %s: only %s scales out\n" % (
                PROG, name, "'clv fit'" if name == "clv" else "'pattern norm'"))
            return 2
        name, rest = "%s %s" % (name, rest[0]), rest[1:]
    if name not in _TABLE:
        sys.stderr.write("%s: unknown command '%s' (one of: %s)\n" % (
            PROG, name, ", ".join(_TABLE)))
        return 2
    ns = _parser(name).parse_args(rest)
    for flag in _REFUSED.get(name, ()):
        if getattr(ns, "refused_" + flag.strip("-").replace("-", "_")) is not None:
            sys.stderr.write("%s %s: %s is not supported on a cluster (it needs the "
                             "interactions, not a summary; use iv)\n" % (PROG, name, flag))
            return 2
    command, opts = _TABLE[name]
    options: Dict[str, Any] = {}
    histogram = False
    for _flag, key, _kind in opts:
        v = getattr(ns, key)
        if key == "histogram":
            histogram = bool(v)
        elif v is not None:
            options[key] = v
    if command == "funnel" and "steps" not in options:
        sys.stderr.write("%s funnel: needs --steps\n" % PROG)
        return 2
    if command == "clv" and "model" not in options:
        sys.stderr.write("%s clv fit: needs --model\n" % PROG)
        return 2
    # dask.distributed has no type information: its objects are Any here
    distributed: Any = importlib.import_module("dask.distributed")
    cluster: Any = None
    client: Any
    if ns.scheduler:
        client = distributed.Client(ns.scheduler)
    else:
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
        client = distributed.Client(cluster)
    try:
        try:
            # funnel --histogram: both tables from one pass (the same merged partial)
            r = run(client, ns.inputs, command, options, partitions=ns.partitions,
                    range_size=ns.range_size, scratch=ns.scratch,
                    input_format=ns.input_format, lenient=ns.lenient, source=_source(ns),
                    histogram=histogram)
            hist = r.histogram
        except Exception as e:  # noqa: BLE001 -- every failure is reported, exit 1
            sys.stderr.write("%s %s: %s\n" % (PROG, name, e))
            return 1
        if ns.lenient and r.rows_read and r.rows_rejected * 10 > r.rows_read:
            sys.stderr.write("%s %s: warning: %d of %d rows rejected\n" % (
                PROG, name, r.rows_rejected, r.rows_read))
        if r.rows_read and not r.rows_accepted:
            sys.stderr.write("%s %s: no row accepted\n" % (PROG, name))
            return 1
        if hist is not None:
            _print_funnel_with_histogram(r.result, hist, ns.format)
        else:
            _print(r.result, ns.format)
        if ns.stats:
            sys.stderr.write("ranges %d, reruns %d, partitions %d, rows read %d, accepted %d, "
                             "rejected %d, summary bytes %d\n" % (
                                 len(r.ranges), r.reruns, r.partitions, r.rows_read,
                                 r.rows_accepted, r.rows_rejected, r.summary_bytes))
        return 0
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _print_funnel_with_histogram(funnel: Any, hist: Any, fmt: str) -> None:
    """As iv funnel --histogram: JSON {"funnel": [...], "histogram": [...]}; table and
    CSV: the two tables one after the other, separated by an empty line."""
    if fmt == "json":
        # as iv: each table's JSON as the table writes it (with its line end)
        sys.stdout.write('{"funnel": %s, "histogram": %s}\n' % (
            funnel.to_string("json"), hist.to_string("json")))
        return
    _print(funnel, fmt)
    sys.stdout.write("\n")
    _print(hist, fmt)


_entry: Callable[[], int] = main

if __name__ == "__main__":
    sys.exit(main())
