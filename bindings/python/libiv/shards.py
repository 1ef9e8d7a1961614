"""Shards of a log for scale-out (doc/SCALE.md): record-aligned byte ranges of large CSV
and JSON Lines files, ingestion of one range, and moving rows between stores by the
partition hash.

A worker reads its own range::

    from libiv.shards import ingest_range, split_store
    store, info = ingest_range("big.csv", 0, 64 << 20, delimiter=";")
    parts = split_store(store, 8)     # parts[k]: the rows whose contact is in part k

A record belongs to the range in which its first byte lies (iv_ingest_file_range), so
the ranges [0, b1), [b1, b2), ... [bk, size) read every record exactly once; ``info``
says where the range's first record started and where its last one ended, so that a
caller can check that consecutive ranges meet (doc/SCALE.md, "Ranges").
"""

import ctypes
import os
from ctypes import POINTER, c_int, c_uint32, c_void_p
from typing import Any, Dict, List, Optional, Tuple

from . import _lib
from ._errors import check, error_for, invalid, unknown_keywords
from .store import (INPUT_FORMATS, IngestResult, Source, Store, _INGEST_SIZES, _guess_format,
                    _ingest_outcome, _source_settings)

_P = c_void_p
_PROTOS = {
    "iv_store_append_store": (c_int, [_P, _P]),
    "iv_store_split": (c_int, [_P, c_uint32, POINTER(c_void_p)]),
}
_fn = _lib.binder(_PROTOS)


def _format_code(path: str, input_format: Optional[str]) -> int:
    if input_format is None:
        return int(_guess_format(path))
    try:
        return int(INPUT_FORMATS[input_format.lower()])
    except KeyError:
        raise invalid("input_format must be 'csv' or 'jsonl', not %r" % input_format) \
            from None


def _ingest_options(path: str, input_format: Optional[str], lenient: bool,
                    threads: Optional[int], opts: Dict[str, Any]) -> Tuple[Any, Optional[Source]]:
    """iv_ingest_options (and the iv_source it points to) from the keywords of
    Store.ingest (source options and limits); opts is consumed."""
    o = _lib.init_struct(_lib.IngestOptions, "iv_ingest_options_init")
    o.format = _format_code(path, input_format)
    o.policy = 1 if lenient else 0
    if threads is not None:
        o.threads = int(threads)
    settings = _source_settings(opts)
    for k in _INGEST_SIZES:
        if k in opts:
            setattr(o, k, int(opts.pop(k)))
    if opts:
        raise unknown_keywords("ingest_range", opts)
    src = Source(settings) if settings else None
    if src is not None:
        o.source = src.h
    return o, src


def find_record(path: str, offset: int, input_format: Optional[str] = None,
                **opts: Any) -> int:
    """The offset of the first record of a CSV or JSON Lines file that starts at or after
    byte `offset` (the file's size when none does): iv_ingest_find_record_file. JSON
    Lines: exact. CSV: the rule of include/iv/ingest.h (a quoted field holding whole
    lines of well-formed records can fool it; ingest_range reports where a range really
    ended, so a caller can check). opts: the source options and limits of Store.ingest
    (the delimiter matters)."""
    o, src = _ingest_options(os.fspath(path), input_format, False, None, dict(opts))
    out = ctypes.c_uint64()
    try:
        check(_lib.fn("iv_ingest_find_record_file")(_lib.enc(os.fspath(path)), int(offset),
                                                    ctypes.byref(o), ctypes.byref(out)))
    finally:
        if src is not None:
            src.close()
    return int(out.value)


class RangeInfo:
    """What ingest_range read: start (offset of the first record read), end (the offset
    after the last record read: where the next range's first record must start),
    the counters (rows_read, rows_accepted, rows_rejected, rows_duplicate) and the kept
    rejects (dicts: line, offset, reason, raw). Offsets are the file's; lines are the
    file's when the range starts at the file's first record, otherwise they count from
    the range's first record, at offset ``start`` (line 1): the lines before the range
    are not read (include/iv/ingest.h, iv_ingest_file_range)."""

    def __init__(self, path: str, begin: int, end: int, start: int, stop: int,
                 result: IngestResult) -> None:
        self.path = path
        self.begin = begin
        self.end_requested = end
        self.start = start
        self.end = stop
        self.result = result

    def as_dict(self) -> Dict[str, Any]:
        d: Dict[str, Any] = {"path": self.path, "begin": self.begin, "start": self.start,
                             "end": self.end}
        d.update(self.result.as_dict())
        return d


def ingest_range(path: str, begin: int, end: int, store: Optional[Store] = None,
                 input_format: Optional[str] = None, lenient: bool = False,
                 threads: Optional[int] = None, **opts: Any) -> Tuple[Store, RangeInfo]:
    """Ingest the records of a file that start in the byte range [begin, end) into
    `store` (a new Store when None): iv_ingest_file_range. The CSV header is read from
    the file's start. Source options and limits as Store.ingest (delimiter, encoding,
    time_format, timezone, epoch_unit, decimal, thousands, map, set, values, profile,
    max_line, ...). Reads only the header and the range's bytes, so its cost does not
    grow with `begin`. Strict (default): a bad row raises ParseError naming the file, the
    row's byte offset, its line in the range and the column ("F: byte offset O, line N of
    the range from byte offset B, column ..."; in the file's first range, the file's line
    as Store.ingest); lenient=True skips it and keeps it in the info's rejects.
    Returns (store, RangeInfo)."""
    p = os.fspath(path)
    size = os.path.getsize(p)
    o, src = _ingest_options(p, input_format, lenient, threads, dict(opts))
    own = store is None
    st = Store() if store is None else store
    start = size
    ing = ctypes.c_void_p()
    f = _lib.fn
    try:
        if begin < size:
            s = ctypes.c_uint64()
            check(f("iv_ingest_find_record_file")(_lib.enc(p), int(begin), ctypes.byref(o),
                                                  ctypes.byref(s)))
            start = int(s.value)
        check(f("iv_ingest_new")(ctypes.byref(ing), st._handle(), ctypes.byref(o)))
        rc = f("iv_ingest_file_range")(ing, _lib.enc(p), int(begin), int(end))
        err = error_for(rc) if rc < 0 else None
        stats, kept = _ingest_outcome(ing)
        if err is not None:
            raise err
    except BaseException:
        if own:
            st.close()
        raise
    finally:
        f("iv_ingest_free")(ing)
        if src is not None:
            src.close()
    result = IngestResult(stats, kept)
    st.last_ingest = result
    # the ingestion's byte counter ends at the offset after the last record read (the
    # lines before the range are skipped, not consumed); a range in which no record
    # starts reads nothing and ends where it starts
    stop = int(stats.bytes) if start < min(int(end), size) else start
    return st, RangeInfo(p, int(begin), int(end), start, stop, result)


def split_store(store: Store, nparts: int) -> List[Store]:
    """nparts new stores: part k holds the rows of `store` whose contact is in part k
    (libiv.summary.partition_of, FNV-1a 64 modulo nparts), in row order, with their
    custom dimensions (iv_store_split)."""
    if int(nparts) < 1:
        raise invalid("nparts must be at least 1")
    parts = [Store() for _ in range(int(nparts))]
    try:
        arr = (c_void_p * len(parts))(*[p._handle() for p in parts])
        check(_fn("iv_store_split")(store._handle(), len(parts), arr))
    except BaseException:
        for p in parts:
            p.close()
        raise
    return parts


def append_store(dst: Store, src: Store) -> Store:
    """Append every row of src (with its custom dimensions, in row order) to dst and add
    src's ingestion counters to dst's (iv_store_append_store). Returns dst."""
    check(_fn("iv_store_append_store")(dst._handle(), src._handle()))
    return dst
