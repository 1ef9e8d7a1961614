"""Scale-out of every analysis on Dask distributed (doc/SCALE.md).

No step reads the whole log in one process:

1. **Ranges** (one task each, on the workers): every input file is cut into byte ranges
   of about ``range_size`` bytes; the task of a range finds its first record itself and
   ingests the records that start in it (:func:`libiv.shards.ingest_range`: a record
   straddling a boundary belongs to the range where it starts; quoted newlines are
   handled), with the source options (delimiter, encoding, time_format, timezone,
   profile, map, ...). It splits the rows by contact with the partition hash
   (``partition_of``: FNV-1a 64 of the contact id modulo ``partitions``) and saves one
   part store per partition into the scratch directory.
2. **Partitions** (one task each): the parts of a partition, gathered in file order,
   make one store holding every row of its contacts; the task returns the bytes of the
   analysis' mergeable summary (no contact ids, no interactions).
3. **Client**: merges the summaries and computes the result -- the same table the
   single-process ``Store`` method and the ``iv`` tool give.

Library use::

    from dask.distributed import Client
    import libiv.dask as ivd
    client = Client()                                  # or Client("tcp://host:8786")
    t = ivd.metrics(client, ["logs/*.csv"], by="team,month")
    t = ivd.churn(client, ["big.csv"], every="month", source={"delimiter": ";"})

Command line: ``python3 -m libiv.dask COMMAND ...`` with the commands and options of
``iv`` plus ``--scheduler ADDR`` and ``--partitions N`` (see ``--help``).
"""

import glob
import os
import shutil
import tempfile
import uuid
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from ..store import Store, is_snapshot
from ..table import Table

__all__ = ["COMMANDS", "Run", "run", "metrics", "churn", "retention", "cohorts", "funnel",
           "funnel_histogram", "lifecycle", "stickiness", "clv", "norms", "pattern_norm",
           "compare", "plan_ranges", "DEFAULT_RANGE_SIZE"]

#: The analyses that scale out: the names of libiv.summary.Partial.make's commands.
COMMANDS = ("metrics", "churn", "retention", "cohorts", "funnel", "funnel_histogram",
            "lifecycle", "stickiness", "clv", "norms", "compare")

#: Bytes of input per range task (64 MiB).
DEFAULT_RANGE_SIZE = 64 << 20

# The Partial.make command of a command whose name differs.
_PARTIAL_COMMAND = {"funnel_histogram": "funnel", "norms": "norm"}

# clv: the keywords of CLV.fit_store that are the fit's own (CLV.fit's), applied on the
# client to the merged partial; the others (model, calibration_end, unit,
# scoring_model) choose the per-contact summaries each partition's partial holds.
_CLV_FIT_KEYS = ("penalizer", "max_iterations", "tolerance", "start")

Paths = Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]]]
Source = Optional[Dict[str, Any]]
# One range of one input: (file index, path, begin, end); begin = end = -1: a snapshot.
Range = Tuple[int, str, int, int]

# Test hook (tests/test_dask.py): "MARKER:STAGE" (STAGE range or partition) makes the
# first task of that stage kill its worker process (os._exit) once, the first time,
# creating MARKER; Dask then reruns the task on another worker.
_KILL_ENV = "IV_DASK_KILL_ONCE"


def _maybe_die(stage: str) -> None:
    v = os.environ.get(_KILL_ENV)
    if not v or ":" not in v:
        return
    marker, which = v.rsplit(":", 1)
    if which != stage:
        return
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.close(fd)
    os._exit(70)


# --------------------------------------------------------------------- on the workers --
def _expand(patterns: List[str]) -> List[Tuple[str, int]]:
    """The input files (globs expanded, in the order given, each pattern's matches
    sorted) with their sizes. A pattern that matches nothing is an error."""
    out: List[Tuple[str, int]] = []
    for pat in patterns:
        if glob.has_magic(pat):
            found = sorted(glob.glob(pat))
            if not found:
                raise FileNotFoundError("%s: no file matches" % pat)
        else:
            found = [pat]
        for p in found:
            if not os.path.isfile(p):
                raise FileNotFoundError("%s: not a regular file" % p)
            out.append((p, os.path.getsize(p)))
    return out


def _splittable(path: str, source: Source) -> bool:
    """Whether a file may be cut into byte ranges: not a snapshot, not UTF-16 (whose line
    feeds are two bytes; the ranges would not be record-aligned)."""
    enc = str((source or {}).get("encoding") or "").lower().replace("-", "").replace("_", "")
    if enc.startswith("utf16"):
        return False
    with open(path, "rb") as f:
        head = f.read(2)
    return head not in (b"\xff\xfe", b"\xfe\xff")


def plan_ranges(files: List[Tuple[str, int]], range_size: int,
                source: Source = None) -> List[Range]:
    """Byte ranges [k * range_size, (k + 1) * range_size) of each file (the last one to
    the file's end); a snapshot or an unsplittable file is one range."""
    out: List[Range] = []
    step = max(1, int(range_size))
    for i, (p, size) in enumerate(files):
        if is_snapshot(p):
            out.append((i, p, -1, -1))
            continue
        if size <= step or not _splittable(p, source):
            out.append((i, p, 0, max(size, 1)))
            continue
        b = 0
        while b < size:
            out.append((i, p, b, min(b + step, size)))
            b += step
    return out


def _read_range(rng: Range, nparts: int, scratch: str, input_format: Optional[str],
                lenient: bool, source: Source) -> Dict[str, Any]:
    """Task: ingest one range, split it by contact, save the non-empty parts. Returns the
    range's facts (start, end, counters, parts written) or, for a bad row in strict
    mode, the error (raised by the client only once the range's start is confirmed)."""
    from ..shards import ingest_range, split_store
    _maybe_die("range")
    idx, path, begin, end = rng
    info: Dict[str, Any] = {"file": idx, "path": path, "begin": begin, "end_requested": end}
    try:
        if begin < 0:
            store = Store.open(path)
            counts = store.ingest_counts()
            size = os.path.getsize(path)
            rejected = int(counts["rows_rejected"])
            info["time_range"] = store.time_range
            info.update(start=0, end=size, rows_read=store.rows + rejected,
                        rows_accepted=store.rows, rows_rejected=rejected, rows_duplicate=0,
                        rejects=[])
        else:
            opts = dict(source or {})
            store, ri = ingest_range(path, begin, end, input_format=input_format,
                                     lenient=lenient, **opts)
            res = ri.result
            info["time_range"] = store.time_range
            info.update(start=ri.start, end=ri.end, rows_read=res.rows_read,
                        rows_accepted=res.rows_accepted, rows_rejected=res.rows_rejected,
                        rows_duplicate=res.rows_duplicate, rejects=res.rejects[:20])
    except Exception as e:  # a bad row, or a false range start: the client decides
        from ..shards import find_record
        try:
            start = find_record(path, begin, input_format=input_format,
                                **dict(source or {})) if begin >= 0 else 0
        except Exception:
            start = -2
        info.update(error=e, start=start, end=-1)
        return info
    parts: Dict[int, str] = {}
    try:
        pieces = split_store(store, nparts)
        try:
            os.makedirs(scratch, exist_ok=True)
            tag = "f%d-%d-%d" % (idx, begin, end)
            for k, piece in enumerate(pieces):
                if len(piece) == 0:
                    continue
                dest = os.path.join(scratch, "p%d" % k)
                os.makedirs(dest, exist_ok=True)
                fp = os.path.join(dest, tag + ".ivstore")
                piece.save(fp)
                parts[k] = fp
        finally:
            for piece in pieces:
                piece.close()
    finally:
        store.close()
    info["parts"] = parts
    return info


def _make_summary(store: Store, command: str, options: Dict[str, Any]) -> bytes:
    """The bytes of the mergeable summary of `command` over one partition's store."""
    if command == "metrics":
        from ..summary import Summary
        with Summary.make(store, **options) as s:
            return bytes(s.to_bytes())
    from .. import summary as _summary
    partial = getattr(_summary, "Partial", None)
    if partial is None:
        raise NotImplementedError("%s: this libiv has no mergeable summary of it "
                                  "(libiv.summary.Partial)" % command)
    # funnel_histogram: the funnel's partial, whose histogram() the client takes
    p = partial.make(store, _PARTIAL_COMMAND.get(command, command), **options)
    try:
        return bytes(p.to_bytes())
    finally:
        close = getattr(p, "close", None)
        if close is not None:
            close()


def _partition(k: int, parts: List[str], command: str, options: Dict[str, Any]) -> bytes:
    """Task: gather partition k's parts (in file order) into one store and return the
    bytes of its summary."""
    from ..shards import append_store
    _maybe_die("partition")
    # the first part is the base store as loaded; the others are appended to it
    store = Store.open(parts[0]) if parts else Store()
    try:
        for fp in parts[1:]:
            piece = Store.open(fp)
            try:
                append_store(store, piece)
            finally:
                piece.close()
        store.prepare()
        return _make_summary(store, command, options)
    finally:
        store.close()


def _remove(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


# --------------------------------------------------------------------- on the client --
def _merge(command: str, blobs: List[bytes], fit: Optional[Dict[str, Any]] = None,
           histogram: bool = False) -> Tuple[Any, Any]:
    """Merge the partitions' summaries and compute the result (for clv: the fit of the
    merged summaries with the fit options `fit`) and, for a funnel with `histogram`, the
    histogram of the same merged partial. Returns (result, histogram or None)."""
    if command == "metrics":
        from ..summary import Summary
        with Summary.merge_all(blobs) as s:
            return s.metrics(), None
    from ..summary import Partial
    merged = Partial.merge_all([Partial.from_bytes(b) for b in blobs])
    try:
        if command == "funnel_histogram":  # the funnel's partial gives its histogram
            return getattr(merged, "histogram")(), None
        if command == "clv":
            return merged.result(**(fit or {})), None
        return merged.result(), getattr(merged, "histogram")() if histogram else None
    finally:
        close = getattr(merged, "close", None)
        if close is not None:
            close()


def _raise(info: Dict[str, Any]) -> None:
    err = info["error"]
    if isinstance(err, BaseException):
        raise err
    raise RuntimeError(str(err))


class Run:
    """What a scaled-out analysis did: ``result`` (the Table, or what the single-process
    method returns: a CLV for clv), ``histogram`` (funnel with ``histogram=True``: the
    table of libiv.lifecycle.funnel_histogram, else None), ``ranges`` (the settled
    ranges' facts), ``partitions``,
    ``rows_read``, ``rows_accepted``, ``rows_rejected``, ``summary_bytes`` (bytes of
    summaries sent to the client) and ``reruns`` (ranges read again because a range
    start was guessed wrong)."""

    def __init__(self, result: Any, ranges: List[Dict[str, Any]], partitions: int,
                 summary_bytes: int, reruns: int, histogram: Any = None) -> None:
        self.result = result
        self.histogram = histogram
        self.ranges = ranges
        self.partitions = partitions
        self.summary_bytes = summary_bytes
        self.reruns = reruns
        self.rows_read = sum(int(r["rows_read"]) for r in ranges)
        self.rows_accepted = sum(int(r["rows_accepted"]) for r in ranges)
        self.rows_rejected = sum(int(r["rows_rejected"]) for r in ranges)


def _settle(client: Any, files: List[Tuple[str, int]], infos: List[Dict[str, Any]],
            submit_range: Callable[[Range], Any]) -> Tuple[List[Dict[str, Any]], int]:
    """Check that consecutive ranges of each file meet (the first record of a range
    starts where the previous range's last record ended) and read again, as one range,
    any two that do not: a CSV range start found by the rule of iv_ingest_find_record
    can be wrong inside a quoted field that holds whole lines of records. A range whose
    start is confirmed and which failed (a bad row, strict) raises its error: the first
    bad row in file order, as one process reports it. Returns (settled infos, reruns)."""
    by_file: Dict[int, List[Dict[str, Any]]] = {}
    for inf in infos:
        by_file.setdefault(int(inf["file"]), []).append(inf)
    settled: List[Dict[str, Any]] = []
    reruns = 0
    for idx in sorted(by_file):
        rs = sorted(by_file[idx], key=lambda r: int(r["begin"]))
        size = files[idx][1]
        out: List[Dict[str, Any]] = []
        prev: Optional[Dict[str, Any]] = None
        k = 0
        while k < len(rs):
            r = rs[k]
            if prev is None:  # the file's first range (begin 0) or a snapshot: certain
                if "error" in r:
                    _raise(r)
                prev = r
                k += 1
                continue
            empty = "error" not in r and int(r["start"]) >= min(int(r["end_requested"]), size)
            if empty:
                k += 1
                continue
            if int(r["start"]) == int(prev["end"]):
                if "error" in r:
                    _raise(r)
                out.append(prev)
                prev = r
                k += 1
                continue
            # they do not meet: read prev's range through r's end as one range
            reruns += 1
            merged = client.gather(submit_range((idx, files[idx][0], int(prev["begin"]),
                                                 int(r["end_requested"]))))
            if "error" in merged:
                _raise(merged)
            prev = merged
            k += 1
        if prev is not None:
            if int(prev["begin"]) >= 0 and int(prev["end"]) < size and \
                    int(prev["end_requested"]) < size:
                # the last ranges looked empty but records remain: read to the end
                reruns += 1
                last: Dict[str, Any] = client.gather(submit_range(
                    (idx, files[idx][0], int(prev["begin"]), size)))
                if "error" in last:
                    _raise(last)
                prev = last
            out.append(prev)
        settled.extend(out)
    return settled, reruns


def run(client: Any, paths: Paths, command: str, options: Optional[Dict[str, Any]] = None,
        partitions: Optional[int] = None, range_size: int = DEFAULT_RANGE_SIZE,
        scratch: Optional[str] = None, input_format: Optional[str] = None,
        lenient: bool = False, source: Source = None, histogram: bool = False) -> Run:
    """Run `command` (one of COMMANDS) with `options` (the keywords of the matching Store
    method; for clv those of CLV.fit_store, for funnel_histogram those of Store.funnel)
    over the log in `paths` (files or globs, CSV, JSON Lines or saved stores)
    on the Dask cluster of `client`. partitions: contact partitions (default: twice the
    workers); range_size: bytes per range task; scratch: a directory every worker can
    read and write (default: a new temporary directory, removed afterwards; on a
    multi-machine cluster give one on shared storage); input_format 'csv' | 'jsonl'
    (default by extension); lenient: skip bad rows; source: the source options of
    Store.ingest (delimiter, encoding, time_format, timezone, profile, map, ...);
    histogram (funnel only): also the funnel's histogram, from the same summaries.
    Returns a Run (its ``result`` is the analysis' result)."""
    if command not in COMMANDS:
        raise ValueError("unknown command %r (one of %s)" % (command, ", ".join(COMMANDS)))
    if histogram and command != "funnel":
        raise ValueError("histogram=True is for funnel only")
    if command != "metrics":
        from .. import summary as _summary
        partial = getattr(_summary, "Partial", None)
        hist = histogram or command == "funnel_histogram"
        needs = _PARTIAL_COMMAND.get(command, command)
        if partial is None or needs not in getattr(partial, "COMMANDS", ()) or \
                (hist and not hasattr(partial, "histogram")):
            raise NotImplementedError("%s: this libiv has no mergeable summary of it "
                                      "(libiv.summary.Partial)" % (
                                          "funnel histogram" if histogram else command))
    src = dict(source or {})
    if src.get("dedup"):
        raise ValueError("dedup=id is not supported on a cluster: duplicates may lie in "
                         "different ranges and partitions (doc/SCALE.md)")
    opts = dict(options or {})
    fit = {k: opts.pop(k) for k in list(opts) if k in _CLV_FIT_KEYS} if command == "clv" \
        else {}
    pats = [os.fspath(paths)] if isinstance(paths, (str, os.PathLike)) else \
        [os.fspath(p) for p in paths]
    if not pats:
        raise ValueError("no input")
    if partitions is None:
        nworkers = len(client.scheduler_info().get("workers", {})) or 1
        partitions = 2 * nworkers
    nparts = int(partitions)
    if nparts < 1:
        raise ValueError("partitions must be at least 1")
    own = scratch is None
    workdir = tempfile.mkdtemp(prefix="libiv-dask-") if scratch is None else \
        os.path.join(os.fspath(scratch), "libiv-dask-" + uuid.uuid4().hex[:12])
    run_id = uuid.uuid4().hex[:12]
    try:
        files = client.submit(_expand, pats, key="iv-expand-" + run_id).result()
        ranges = plan_ranges(files, range_size, src)
        counter = [0]

        def submit_range(rng: Range) -> Any:
            counter[0] += 1
            return client.submit(_read_range, rng, nparts, workdir, input_format, lenient,
                                 src, key="iv-range-%s-%d" % (run_id, counter[0]),
                                 retries=2)

        infos = client.gather([submit_range(r) for r in ranges])
        settled, reruns = _settle(client, files, infos, submit_range)
        if command == "norms":
            opts = _norm_defaults(opts, settled)
        parts: Dict[int, List[str]] = {}
        for inf in settled:  # file order, then range order
            for k, fp in sorted(inf["parts"].items()):
                parts.setdefault(int(k), []).append(fp)
        futs = [client.submit(_partition, k, parts[k], command, opts,
                              key="iv-partition-%s-%d" % (run_id, k), retries=2)
                for k in sorted(parts)]
        blobs: List[bytes] = client.gather(futs)
        if not blobs:  # no row at all: the summary of an empty store
            blobs = [client.submit(_partition, 0, [], command, opts,
                                   key="iv-partition-%s-empty" % run_id).result()]
        result, hist = _merge(command, blobs, fit, histogram)
        return Run(result, settled, nparts, sum(len(b) for b in blobs), reruns, hist)
    finally:
        try:
            client.run(_remove, workdir)
        except Exception:
            pass
        if own or os.path.isdir(workdir):
            shutil.rmtree(workdir, ignore_errors=True)


def _norm_defaults(opts: Dict[str, Any], settled: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The norm's defaults that depend on the whole log, from the ranges' first and last
    timestamps (numbers only; doc/SUMMARIES.md section 10): the reference time (no
    t_ref, no end: the log's last timestamp) and, with calendar alignment, the origin
    (no origin, no start: the log's first timestamp)."""
    firsts = [r["time_range"][0] for r in settled if r.get("time_range", (None,))[0] is not None]
    lasts = [r["time_range"][1] for r in settled if r.get("time_range", (None, None))[1] is not None]
    out = dict(opts)
    if out.get("t_ref") is None and out.get("end") is None and lasts:
        out["t_ref"] = max(lasts)
    if out.get("align") in ("calendar", 1) and out.get("origin") is None and \
            out.get("start") is None and firsts:
        out["origin"] = min(firsts)
    return out


def _analysis(command: str) -> Callable[..., Any]:
    def f(client: Any, paths: Paths, *, partitions: Optional[int] = None,
          range_size: int = DEFAULT_RANGE_SIZE, scratch: Optional[str] = None,
          input_format: Optional[str] = None, lenient: bool = False, source: Source = None,
          **options: Any) -> Any:
        return run(client, paths, command, options, partitions=partitions,
                   range_size=range_size, scratch=scratch, input_format=input_format,
                   lenient=lenient, source=source).result
    f.__name__ = command
    f.__qualname__ = command
    f.__doc__ = ("%s over the log in `paths` on the cluster of `client`: the keywords of "
                 "the matching Store method (clv: those of CLV.fit_store; "
                 "funnel_histogram: those of Store.funnel), plus partitions, range_size, "
                 "scratch, input_format, lenient and source as run(). Returns what the "
                 "single-process method returns." % command)
    return f


metrics: Callable[..., Table] = _analysis("metrics")
churn: Callable[..., Table] = _analysis("churn")
retention: Callable[..., Table] = _analysis("retention")
cohorts: Callable[..., Table] = _analysis("cohorts")
funnel: Callable[..., Table] = _analysis("funnel")
funnel_histogram: Callable[..., Table] = _analysis("funnel_histogram")
lifecycle: Callable[..., Table] = _analysis("lifecycle")
stickiness: Callable[..., Table] = _analysis("stickiness")
clv: Callable[..., Any] = _analysis("clv")
norms: Callable[..., Table] = _analysis("norms")
#: The same as norms: ``iv pattern norm`` (alpha: the sketches' relative accuracy, 0.01;
#: 0 keeps exact values and gives the single-process table bit for bit).
pattern_norm: Callable[..., Table] = norms
compare: Callable[..., Table] = _analysis("compare")
