"""Columns from numpy arrays and pandas DataFrames into iv_columns, without a Python loop
over the rows: Store.from_pandas(), Store.from_arrays(), Store.append_columns().

- A string column is factorised once (pandas.factorize, else numpy.unique): each distinct
  value is encoded to UTF-8 once into one NUL-separated buffer, and the per-row char*
  array is computed with numpy (buffer address + offset of the row's code; NULL where the
  value is missing).
- Timestamps: datetime64 of any unit is read as int64 with its unit (NaT = missing);
  tz-aware pandas columns are converted from their zone; naive ones are in ``timezone``
  (default UTC; an IANA name needs pandas; a local time in a DST gap is a bad row, an
  ambiguous one the earlier instant). Integer or float timestamps need ``epoch_unit``
  ('s', 'ms', 'us'): an int64 column of seconds is never taken for milliseconds.
  Text timestamps are read once per distinct value by the library's own reader, in one
  call for the column (iv_source_parse_times: ``time_format``, ``timezone``,
  ``epoch_unit`` exactly as in a file).
- Numbers: float64 columns are passed by pointer; integers are converted; text numbers
  (an object column) are parsed once per distinct value with ``decimal`` and ``thousands``.
- Enums (stage, area, direction, outcome): names once per distinct value, or int codes.
- ``values``: per field, {from: to} applied to the distinct values (case-insensitively,
  after trimming) before validation; ``set``: {field: constant} for a field with no column.

Errors are libiv.Error subclasses with ``row`` (0-based) and ``column`` (the input's column
name, before ``map``)."""

import ctypes
import datetime as _dt
import math
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import _lib
from ._errors import (Error, bad_data, check, invalid, missing_dependency, unknown_keywords,
                      wrong_type)
from ._util import ENUM_VALUES, ENUM_NAMES, to_ms

np: Any
try:
    import numpy as np
except ImportError:  # numpy is needed here; _need_numpy() says so
    np = None

try:
    import pandas as pd
except ImportError:
    pd = None

STRINGS = ("contact", "channel", "type", "team", "id")
ENUMS = ("stage", "area", "direction", "outcome")
NUMBERS = ("cost", "value", "score", "rv")
FIELDS = ("contact", "ts", "channel", "type") + ENUMS + NUMBERS + ("team", "id")
REQUIRED = ("contact", "ts", "channel", "type")
EPOCH_UNITS = {"s": 1000, "ms": 1, "us": -1000}
# The 9.1 source options that make sense for arrays (doc/BINDINGS.md); the file-only ones
# (delimiter, encoding, time_format) are refused with a reason.
SOURCE_OPTIONS = ("epoch_unit", "timezone", "time_format", "decimal", "thousands", "set",
                  "values", "dedup")
FILE_ONLY = {
    "delimiter": "arrays and DataFrames have no delimiter",
    "encoding": "arrays and DataFrames hold text already decoded (str), or bytes in UTF-8",
    "profile": "a profile is read by the library for files only: pass its options as keywords "
               "(map=, set=, values=, time_format=, timezone=, epoch_unit=, decimal=, "
               "thousands=, dedup=), or ingest the export with libiv.load(path, profile=...)",
}
Column = Any   # a numpy array, a pandas Series/Index, a list or a tuple


class _Rows:
    """One column's values for iv_columns, handed over by parts of rows: a whole array of
    the C type (a view per part), a table and per-row codes (table[codes] per part; code
    -1 is the table's last entry), or a function making the part. at(lo, hi, keep) is the
    C pointer to rows [lo, hi); what it allocates goes into keep (alive until the call),
    and its errors name rows counted from lo."""

    def __init__(self, ctype: Any, whole: Any = None, table: Any = None, codes: Any = None,
                 make: Any = None, hold: Optional[List[Any]] = None) -> None:
        self.ctype = ctype
        self.hold = hold       # what table points into
        self.whole = whole
        self.table = table
        self.codes = codes
        self.make = make
        self.buf: Any = None   # table[codes] of a part, reused from part to part

    def at(self, lo: int, hi: int, keep: List[Any]) -> Any:
        if self.make is not None:
            a = self.make(lo, hi, keep)
        elif self.codes is not None:
            if self.buf is None or len(self.buf) < hi - lo:
                self.buf = np.empty(hi - lo, dtype=self.table.dtype)
            a = np.take(self.table, self.codes[lo:hi], out=self.buf[:hi - lo])
        else:
            a = self.whole[lo:hi]
        keep.append(a)
        return a.ctypes.data_as(ctypes.POINTER(self.ctype))


class Built:
    """The columns of an append and what they point into: part(lo, hi) fills an iv_columns
    struct for rows [lo, hi) (without numpy: the one struct built value by value)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.cols = _lib.init_struct(_lib.Columns, "iv_columns_init")
        self.cols.n = n
        self.keep: List[Any] = []
        self.fields: Dict[str, _Rows] = {}
        self.dims: List[Tuple[str, _Rows]] = []
        self.closers: List[Any] = []
        self.fixed = False                 # cols is complete (_build_plain): one part
        self.source: Dict[str, str] = {}   # field or dim name -> the input's column name

    def part(self, lo: int, hi: int) -> Tuple[Any, List[Any]]:
        if self.fixed:
            return self.cols, self.keep
        cols = _lib.init_struct(_lib.Columns, "iv_columns_init")
        cols.n = hi - lo
        keep: List[Any] = []
        types: Dict[str, Any] = {f: t for f, t in _lib.Columns._fields_}
        for k, r in self.fields.items():
            setattr(cols, k, ctypes.cast(r.at(lo, hi, keep), types[k]))
        if self.dims:
            names = (ctypes.c_char_p * len(self.dims))(*[_lib.enc(k) for k, _ in self.dims])
            ptrs = (ctypes.POINTER(ctypes.c_char_p) * len(self.dims))(
                *[ctypes.cast(r.at(lo, hi, keep), ctypes.POINTER(ctypes.c_char_p))
                  for _, r in self.dims])
            keep += [names, ptrs]
            cols.ndims = len(self.dims)
            cols.dim_names = ctypes.cast(names, ctypes.POINTER(ctypes.c_char_p))
            cols.dim_values = ctypes.cast(ptrs, ctypes.POINTER(ctypes.POINTER(ctypes.c_char_p)))
        return cols, keep

    def close(self) -> None:
        for c in self.closers:
            c()
        self.closers = []


def _need_numpy() -> None:
    if np is None:
        raise missing_dependency("libiv: from_arrays/from_pandas/append_columns need numpy for "
                                 "arrays and pandas columns (apt-get install python3-numpy)")


def _array(col: Column, n: Optional[int], name: str) -> Any:
    """Any column -> a 1-D numpy array (pandas extension types kept as a Series)."""
    if pd is not None and isinstance(col, (pd.Series, pd.Index)):
        a = col
    elif isinstance(col, np.ndarray):
        a = col
    elif isinstance(col, (list, tuple)):
        a = np.array(col, dtype=object)
    else:
        raise wrong_type("column %r: %s is not an array, Series or list" % (name, type(col).__name__),
                         column=name)
    if a.ndim != 1:
        raise invalid("column %r is not one-dimensional" % name, column=name)
    if n is not None and len(a) != n:
        raise invalid("column %r has %d entries, not %d" % (name, len(a), n), column=name)
    return a


def _objects(a: Any) -> Any:
    """The column's values as a C-contiguous 1-D object array, or None if it is not one."""
    v = a.to_numpy() if pd is not None and isinstance(a, (pd.Series, pd.Index)) else a
    if isinstance(v, np.ndarray) and v.dtype.kind == "U":
        v = v.astype(object)
    if not isinstance(v, np.ndarray) or v.dtype != object:
        return None
    return v if v.flags.c_contiguous else np.ascontiguousarray(v)


def _addresses(v: Any) -> Any:
    """The PyObject* of each entry of the object array v (kept alive by the caller), as
    uintp: the same object gives the same number."""
    return np.ctypeslib.as_array((ctypes.c_size_t * len(v)).from_address(v.ctypes.data))


def _shared(v: Any) -> bool:
    """Whether the object array v repeats a few objects (pandas.read_csv and most
    builders of a column give one str object per distinct text, at least per chunk):
    judged from its first 2048 rows, which must hold at most a quarter as many distinct
    objects."""
    if pd is None or v is None or len(v) < 64:
        return False
    head = _addresses(v[:2048])
    return len(pd.unique(head)) * 4 <= len(head)


def _missing_object(u: Any) -> bool:
    if isinstance(u, (str, bytes)):
        return len(u) == 0
    if u is None:
        return True
    try:
        return bool(pd.isna(u))
    except (TypeError, ValueError):    # a list or array in a cell: not missing
        return False


def _factorize_objects(v: Any) -> Tuple[Any, List[Any]]:
    """_factorize() of an object array by object identity (a hash of one integer per
    row instead of a hash and compare of each text): uniq holds one entry per distinct
    object, so a text can appear more than once (every converter maps each entry on
    its own, and the library interns strings: the result is the same); the order is of
    first appearance, as pandas.factorize's."""
    codes, _ = pd.factorize(_addresses(v))
    codes = np.asarray(codes, dtype=np.int64)
    if not len(codes):
        return codes, []
    top = np.maximum.accumulate(codes)
    first = np.flatnonzero(np.concatenate(([True], top[1:] != top[:-1])))
    uniq: List[Any] = v[first].tolist()
    gone = [i for i, u in enumerate(uniq) if _missing_object(u)]
    if gone:
        remap = np.arange(len(uniq), dtype=np.int64)
        remap[gone] = -1
        codes = remap[codes]
        for i in gone:
            uniq[i] = None     # never referenced by a code; skipped by the converters
    return codes, uniq


def _factorize(a: Any) -> Tuple[Any, List[Any]]:
    """(codes int64, uniques) with code -1 for a missing value (None, NaN, NaT, ''); an
    empty-string unique is replaced by None (no code refers to it). Vectorised: the only
    per-unique work is done by C-level map()s."""
    v = _objects(a)
    if _shared(v):
        return _factorize_objects(v)
    if pd is not None:
        codes, uniques = pd.factorize(a, use_na_sentinel=True)
        uniq = uniques.tolist() if hasattr(uniques, "tolist") else list(uniques)
    else:
        a = np.asarray(a)
        if a.dtype.kind in "US":
            uniq_arr, codes = np.unique(a, return_inverse=True)
        else:
            a = a.astype(object)
            missing = np.equal(a, None) | np.not_equal(a, a)
            filled = np.where(missing, "", a)
            uniq_arr, codes = np.unique(filled.astype(str), return_inverse=True)
            codes = np.where(missing, -1, codes)
        uniq = uniq_arr.tolist()
    codes = np.asarray(codes, dtype=np.int64)
    if uniq and _all_str(uniq):
        lens = np.fromiter(map(len, uniq), dtype=np.int64, count=len(uniq))
        empty = np.flatnonzero(lens == 0)
    else:
        empty = np.array([i for i, u in enumerate(uniq)
                          if isinstance(u, (str, bytes)) and len(u) == 0], dtype=np.int64)
    if len(empty):
        codes = np.where(np.isin(codes, empty), -1, codes)
        for i in empty.tolist():
            uniq[i] = None     # never referenced by a code; skipped by the converters
    return codes, uniq


def _all_str(uniq: Any) -> bool:
    """Whether every item is a str (a list or an object array; None and NaN are not)."""
    if pd is not None:
        return bool(pd.api.types.infer_dtype(uniq, skipna=False) == "string")
    return all(type(u) is str for u in uniq)


def _first_row(codes: Any, k: int) -> int:
    return int(np.argmax(codes == k))


def _text(u: Any) -> str:
    if isinstance(u, bytes):
        return u.decode("utf-8")
    return str(u)


def _apply_values(uniq: List[Any], mapping: Optional[Mapping[str, Any]]) -> List[Any]:
    if not mapping:
        return uniq
    low = {str(k).strip().lower(): v for k, v in mapping.items()}
    return [low.get(_text(u).strip().lower(), u) if isinstance(u, (str, bytes)) else u
            for u in uniq]


def _strings(a: Any, name: str, values: Optional[Mapping[str, Any]]) -> _Rows:
    """A char* per row: NULL for a missing value, else a pointer into one buffer holding
    each distinct value once (UTF-8, NUL-terminated). A column of str without ``values``
    that does not repeat a few objects is joined and encoded part by part (cheaper than
    hashing it first: the library interns each row's string anyway); a categorical column
    uses its codes and categories."""
    if pd is not None and isinstance(getattr(a, "dtype", None), pd.CategoricalDtype) and \
            not values:
        cats = a.cat.categories if hasattr(a, "cat") else a.categories
        codes = np.asarray(a.cat.codes if hasattr(a, "cat") else a.codes, dtype=np.int64)
        uniq: List[Any] = cats.tolist()
        if uniq and _all_str(uniq):
            empty = np.flatnonzero(np.fromiter(map(len, uniq), np.int64, len(uniq)) == 0)
            if len(empty):
                codes = np.where(np.isin(codes, empty), -1, codes)
        hold: List[Any] = []
        return _Rows(ctypes.c_char_p, table=_table(codes, uniq, name, hold), codes=codes,
                     hold=hold)
    v = _objects(a)
    if not values and v is not None and not _shared(v):
        def make(lo: int, hi: int, keep: List[Any]) -> Any:
            whole = _joined_rows(v[lo:hi])
            if whole is not None:
                return _table(None, whole[0], name, keep, empty_null=True, all_str=True,
                              joined=whole[1])[:hi - lo]
            codes, uniq = _factorize(v[lo:hi])
            return _table(codes, uniq, name, keep)[codes]
        return _Rows(ctypes.c_char_p, make=make)
    codes, uniq = _factorize(a)
    uniq = _apply_values(uniq, values)
    held: List[Any] = []
    return _Rows(ctypes.c_char_p, table=_table(codes, uniq, name, held), codes=codes, hold=held)


def _joined_rows(a: Any) -> Optional[Tuple[List[str], str]]:
    """(the rows, the rows joined by NUL) for a column whose values are all str or
    missing (a missing value becomes ''); None for any other column. A column of str is
    joined as it is (str.join refuses anything else: then the missing values are blanked
    and it is tried once more): cheaper than hashing the rows first."""
    v = a.to_numpy() if pd is not None and isinstance(a, (pd.Series, pd.Index)) else a
    if v.dtype.kind == "U":
        v = v.astype(object)
    if v.dtype != object:
        return None
    rows = v.tolist()
    joined = _join(rows)
    if joined is None:
        miss = pd.isna(v) if pd is not None else (np.equal(v, None) | np.not_equal(v, v))
        rows = np.where(np.asarray(miss, dtype=bool), "", v).tolist()
        joined = _join(rows)
    return None if joined is None else (rows, joined)


def _join(texts: List[Any]) -> Optional[str]:
    """The texts joined by NUL, or None when one is not a str."""
    try:
        return "\0".join(texts)
    except TypeError:
        return None


def _table(codes: Any, uniq: List[Any], name: str, keep: List[Any], empty_null: bool = False,
           all_str: bool = False, joined: Optional[str] = None) -> Any:
    """The char* of each text of ``uniq`` and a last entry NULL (for code -1), into one
    buffer (kept in ``keep``); with empty_null, an empty text is NULL too. codes (None:
    row i is uniq[i]) only name the row of a text with a NUL byte. The texts are joined
    and encoded in one call each, and the start of each text is found with numpy (the NUL
    bytes of the buffer), so nothing loops over the rows in Python."""
    if joined is not None:
        texts = uniq
    else:
        if all_str or _all_str(uniq):
            texts = uniq
        elif _all_str([u for u in uniq if u is not None]):
            texts = ["" if u is None else u for u in uniq]
        else:
            texts = ["" if u is None else u.decode("utf-8") if isinstance(u, bytes) else str(u)
                     for u in uniq]
        joined = "\0".join(texts)
    nt = len(texts)
    raw = joined.encode("utf-8")
    buf = np.empty(len(raw) + 1, dtype=np.uint8)     # the texts, each NUL-terminated
    buf[:-1] = np.frombuffer(raw, dtype=np.uint8)
    buf[-1] = 0
    ends = np.flatnonzero(buf == 0)
    if len(ends) != max(nt, 1):                     # more NULs than texts: one holds a NUL
        for k, t in enumerate(texts):
            if "\0" in t:
                r = k if codes is None else _first_row(codes, k)
                raise bad_data("row %d: column %s: a NUL byte in %r" % (r, name, t), r, name)
    ends = ends[:nt]
    starts = np.empty(nt, dtype=np.int64)
    if nt:
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
    # one address per text, and a last entry 0 for code -1 (missing): one gather per row
    table = np.zeros(nt + 1, dtype=np.uintp)
    table[:nt] = starts + buf.ctypes.data
    if empty_null:
        table[:nt][ends == starts] = 0
    keep += [buf, table]
    return table


def _ms_from_datetime64(v: Any) -> Any:
    """datetime64[any unit] (naive = UTC) -> int64 ms, floor; NaT -> IV_TIME_NONE."""
    unit, _ = np.datetime_data(v.dtype)
    i = v.view(np.int64)
    nat = i == np.iinfo(np.int64).min
    per_ms = {"ns": 1_000_000, "us": 1000, "ms": 1}
    if unit in per_ms:
        out = np.floor_divide(i, per_ms[unit])
    else:
        out = v.astype("datetime64[ms]").view(np.int64)
    return np.where(nat, _lib.IV_TIME_NONE, out)


def _localize(a: Any, tz: str, name: str) -> Any:
    """Naive times in zone tz -> UTC datetime64[ns] (pandas); a DST-gap time is a bad row,
    an ambiguous one the earlier instant."""
    if tz.upper() in ("UTC", "Z"):
        return a
    sign = tz[:1]
    if sign in "+-" and len(tz) == 6 and tz[3] == ":":
        off = (int(tz[1:3]) * 60 + int(tz[4:6])) * (1 if sign == "+" else -1)
        return a - np.timedelta64(off, "m")
    if pd is None:
        raise invalid("timezone=%r needs pandas (apt-get install python3-pandas)" % tz, column=name)
    idx = pd.DatetimeIndex(a)
    try:
        loc = idx.tz_localize(tz, ambiguous=np.ones(len(idx), dtype=bool), nonexistent="NaT")
    except Exception as e:   # unknown zone name
        raise invalid("timezone=%r: %s" % (tz, e), column=name) from None
    gap = np.asarray(loc.isna()) & ~np.asarray(idx.isna())
    if gap.any():
        r = int(np.argmax(gap))
        raise bad_data("row %d: column %s: %s does not exist in %s (a DST gap)" % (
            r, name, idx[r], tz), r, name)
    return loc.tz_convert("UTC").tz_localize(None).to_numpy()


class _TimeParser:
    """Text timestamps read by the library as ingestion reads a ts field
    (iv_source_parse_time): the time_format patterns in order, then ISO 8601; integers in
    epoch_unit (default seconds, as in a file); naive times in timezone (libc's TZif
    reader: DST gap = bad row, ambiguous = the earlier instant)."""

    def __init__(self, time_format: Any, timezone: Optional[str],
                 epoch_unit: Optional[str]) -> None:
        from .store import Source, _source_settings
        opts = {"time_format": time_format, "timezone": timezone, "epoch_unit": epoch_unit}
        self.src = Source(_source_settings(opts))
        self.fn = _lib.fn("iv_source_parse_time")
        self.out = ctypes.c_int64()
        self.ref = ctypes.byref(self.out)

    def __call__(self, text: Any) -> Optional[int]:
        e = text if isinstance(text, bytes) else str(text).encode("utf-8")
        if self.fn(self.src.h, e, len(e), self.ref) < 0:
            return None
        return int(self.out.value)

    def many(self, texts: Any, out: Any, n: int) -> Optional[int]:
        """out[0:n] from n char* (iv_source_parse_times); the index of the text that
        cannot be read, or None."""
        failed = ctypes.c_size_t()
        rc = _lib.fn("iv_source_parse_times")(self.src.h, texts, n,
                                               out.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)),
                                               ctypes.byref(failed))
        return int(failed.value) if rc < 0 else None

    def close(self) -> None:
        self.src.close()


def _times(a: Any, name: str, epoch_unit: Optional[str], timezone: Optional[str],
           b: Built, time_format: Any = None) -> _Rows:
    tz = timezone or "UTC"
    if pd is not None and isinstance(a, (pd.Series, pd.Index)) and \
            isinstance(a.dtype, pd.DatetimeTZDtype):
        ns = np.asarray(a.array.asi8 if hasattr(a, "array") else a.asi8)
        nat = np.asarray(a.isna())
        out = np.where(nat, _lib.IV_TIME_NONE, np.floor_divide(ns, 1_000_000))
    else:
        v = a.to_numpy() if pd is not None and isinstance(a, (pd.Series, pd.Index)) else a
        if v.dtype.kind == "M":
            out = _ms_from_datetime64(_localize(v, tz, name) if timezone else v)
        elif v.dtype.kind in "iuf":
            if epoch_unit is None:
                raise invalid(
                    "column %s: integer timestamps need epoch_unit='s', 'ms' or 'us' (an int64 "
                    "column of seconds would otherwise land in 1970)" % name, column=name)
            if epoch_unit not in EPOCH_UNITS:
                raise invalid("epoch_unit must be 's', 'ms' or 'us', not %r" % epoch_unit)
            f = EPOCH_UNITS[epoch_unit]
            if v.dtype.kind == "f":
                miss = np.isnan(v)
                w = np.where(miss, 0, v)
                big = ~miss & (np.abs(w) > 1e16)
                ms = np.floor(w * f) if f > 0 else np.floor(w / -f)
                out = np.where(miss, _lib.IV_TIME_NONE,
                               np.where(big, np.iinfo(np.int64).max, ms)).astype(np.int64)
            else:
                w = v.astype(np.int64)
                if f > 0:
                    big = np.abs(w) > 10 ** 15
                    out = np.where(big, np.iinfo(np.int64).max, w * f)
                else:
                    out = np.floor_divide(w, -f)
        elif v.dtype.kind == "b":
            raise wrong_type("column %s: booleans are not times" % name, column=name)
        elif (obj := _objects(v)) is not None and not _shared(obj):
            # texts that do not repeat: read by the library row by row, one call per part
            # (cheaper than hashing the rows to read each distinct text once)
            parser = _TimeParser(time_format, timezone, epoch_unit)
            b.closers.append(parser.close)

            def make(lo: int, hi: int, keep: List[Any]) -> Any:
                out = np.empty(hi - lo, dtype=np.int64)
                whole = _joined_rows(obj[lo:hi])
                if whole is None:          # not all str: each distinct value on its own
                    codes, uniq = _factorize(obj[lo:hi])
                    vals = np.empty(len(uniq) + 1, dtype=np.int64)
                    vals[-1] = _lib.IV_TIME_NONE
                    _text_times(parser, codes, uniq, vals, name, epoch_unit)
                    return vals[codes]
                table = _table(None, whole[0], name, keep, empty_null=True, all_str=True,
                               joined=whole[1])
                r = parser.many(table.ctypes.data_as(ctypes.POINTER(ctypes.c_char_p)), out,
                                hi - lo)
                if r is not None:
                    raise bad_data("row %d: column %s: %s" % (
                        r, name, _lib.dec(_lib.fn("iv_error_last")()) or "not a time"), r, name)
                return out
            return _Rows(ctypes.c_int64, make=make)
        else:
            codes, uniq = _factorize(v)
            vals = np.empty(len(uniq) + 1, dtype=np.int64)
            vals[-1] = _lib.IV_TIME_NONE
            parser = _TimeParser(time_format, timezone, epoch_unit)
            try:
                _text_times(parser, codes, uniq, vals, name, epoch_unit)
            finally:
                parser.close()
            return _Rows(ctypes.c_int64, table=vals, codes=codes)
    return _Rows(ctypes.c_int64, whole=np.ascontiguousarray(out, dtype=np.int64))


def _text_times(parser: _TimeParser, codes: Any, uniq: List[Any], vals: Any, name: str,
                epoch_unit: Optional[str]) -> None:
    """vals[k] for each distinct value uniq[k] of a timestamp column that is not
    datetime64 or numeric: text through the library's parser (once per distinct value,
    called directly), numbers in epoch_unit, datetime objects as they are."""
    def fail(k: int, msg: str) -> Error:
        r = _first_row(codes, k)
        return bad_data("row %d: column %s: %s" % (r, name, msg), r, name)

    if _all_str(uniq):
        # one call for the column: the texts' char* computed with numpy as for strings
        keep: List[Any] = []
        try:
            table = _table(None, uniq, name, keep, all_str=True, joined="\0".join(uniq))
        except Error as e:
            raise fail(e.row or 0, e.message) from None
        k = parser.many(table.ctypes.data_as(ctypes.POINTER(ctypes.c_char_p)), vals, len(uniq))
        if k is not None:
            raise fail(k, _lib.dec(_lib.fn("iv_error_last")()) or "not a time")
        return
    for k, u in enumerate(uniq):
        if u is None:
            continue
        try:
            if isinstance(u, (int, float, np.integer, np.floating)) and \
                    not isinstance(u, (bool, np.bool_)):
                if epoch_unit not in EPOCH_UNITS:
                    raise invalid("numeric timestamps need epoch_unit='s', 'ms' or 'us'")
                f = EPOCH_UNITS[str(epoch_unit)]
                vals[k] = math.floor(float(u) * f) if f > 0 else math.floor(float(u) / -f)
                continue
            if isinstance(u, (str, bytes)):
                v = parser(u)
                if v is None:
                    raise fail(k, _lib.dec(_lib.fn("iv_error_last")()) or "not a time")
                vals[k] = v
                continue
            vals[k] = to_ms(u, name)
        except Error as e:
            if e.row is not None:
                raise
            r = _first_row(codes, k)
            raise type(e)(e.code, "row %d: column %s: %s" % (r, name, e.message),
                          r, name) from None
        except (TypeError, ValueError) as e:
            raise fail(k, str(e)) from None


def _number_text(u: Any, decimal: Optional[str], thousands: Optional[str]) -> float:
    if isinstance(u, (int, float)) and not isinstance(u, bool):
        return float(u)
    t = _text(u).strip()
    if thousands:
        t = t.replace(thousands, "")
    if decimal and decimal != ".":
        t = t.replace(".", "\0").replace(decimal, ".")
    f = float(t)
    if not math.isfinite(f):
        raise invalid("not a finite number")
    return f


def _doubles(a: Any, name: str, decimal: Optional[str], thousands: Optional[str]) -> _Rows:
    if pd is not None and isinstance(a, (pd.Series, pd.Index)):
        if isinstance(a.dtype, np.dtype) and a.dtype.kind in "iuf":
            v = a.to_numpy()             # no NA handling needed: NaN is already NaN
        elif a.dtype.kind in "iufb" or str(a.dtype) in ("Int64", "Int32", "Float64", "Float32",
                                                        "UInt64", "UInt32", "Int16", "Int8"):
            v = a.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            v = a.to_numpy()
    else:
        v = a
    if v.dtype.kind == "b":
        raise wrong_type("column %s: booleans are not numbers" % name, column=name)
    if v.dtype.kind in "iuf":
        out = np.ascontiguousarray(v, dtype=np.float64)
    else:
        codes, uniq = _factorize(v)
        vals = np.empty(len(uniq) + 1, dtype=np.float64)
        vals[-1] = np.nan
        for k, u in enumerate(uniq):
            if u is None:
                continue
            try:
                vals[k] = _number_text(u, decimal, thousands)
            except (TypeError, ValueError):
                r = _first_row(codes, k)
                raise bad_data("row %d: column %s: not a number %r" % (r, name, u), r, name) from None
        return _Rows(ctypes.c_double, table=vals, codes=codes)
    return _Rows(ctypes.c_double, whole=out)


def _enums(a: Any, name: str, field: str, values: Optional[Mapping[str, Any]]) -> _Rows:
    v = a.to_numpy() if pd is not None and isinstance(a, (pd.Series, pd.Index)) else a
    names = ENUM_VALUES[field]
    if v.dtype.kind in "iu" and not values:
        out = np.ascontiguousarray(v, dtype=np.int32)
    else:
        codes, uniq = _factorize(v)
        uniq = _apply_values(uniq, values)
        vals = np.zeros(len(uniq) + 1, dtype=np.int32)
        for k, u in enumerate(uniq):
            if u is None:
                continue
            if isinstance(u, (int, np.integer)) and not isinstance(u, bool):
                vals[k] = int(u)
                continue
            key = _text(u).strip().lower()
            if key not in names:
                r = _first_row(codes, k)
                raise bad_data("row %d: column %s: unknown %s %r (one of %s)" % (
                    r, name, field, u, ", ".join(x for x in ENUM_NAMES[field] if x)), r, name)
            vals[k] = names[key]
        return _Rows(ctypes.c_int32, table=vals, codes=codes)
    return _Rows(ctypes.c_int32, whole=out)


def _map_pairs(m: Union[None, str, Mapping[str, str]]) -> Dict[str, str]:
    if not m:
        return {}
    if isinstance(m, str):
        out: Dict[str, str] = {}
        for part in m.split(","):
            if "=" not in part:
                raise invalid("map: %r is not src=dst" % part)
            k, _, v = part.partition("=")
            out[k.strip()] = v.strip()
        return out
    return {str(k): str(v) for k, v in dict(m).items()}


def build(columns: Mapping[str, Column], dims: Optional[Mapping[str, Column]],
          opts: Dict[str, Any], where: str) -> Tuple[Built, int]:
    """columns: {field: column}; dims: {dimension: column}; opts: the source options.
    Returns (Built, rows). Unknown options and fields are errors."""
    bad = [k for k in opts if k not in SOURCE_OPTIONS]
    for k in bad:
        if k in FILE_ONLY:
            raise invalid("%s: option %s does not apply to arrays: %s" % (where, k, FILE_ONLY[k]))
    if bad:
        raise unknown_keywords(where, bad)
    unknown = [k for k in columns if k not in FIELDS]
    if unknown:
        raise unknown_keywords(where + " (custom dimensions go in dims={name: column})", unknown)
    epoch_unit = opts.get("epoch_unit")
    timezone = opts.get("timezone")
    decimal, thousands = opts.get("decimal"), opts.get("thousands")
    if decimal not in (None, ".", ","):
        raise invalid("decimal must be '.' or ','")
    values_all = opts.get("values") or {}
    if not isinstance(values_all, Mapping):
        raise wrong_type("values must be {field: {from: to}}")
    sets = dict(opts.get("set") or {}) if not isinstance(opts.get("set"), str) else \
        _map_pairs(opts.get("set"))
    given = {k: v for k, v in columns.items() if v is not None}
    for k in sets:
        if k not in FIELDS:
            raise invalid("%s: set names %r, which is not a field" % (where, k))
        if k in given:
            raise invalid("%s: set names %r, which also has a column" % (where, k), column=k)
    if opts.get("dedup") not in (None, "none", "id"):
        raise invalid("dedup must be 'none' or 'id'")
    if np is None:
        return _build_plain(given, dims or {}, sets, values_all, epoch_unit, timezone,
                            decimal, thousands, opts.get("time_format"))
    n: Optional[int] = None
    arrays: Dict[str, Any] = {}
    for k, col in given.items():
        arrays[k] = _array(col, n, k)
        n = len(arrays[k])
    dim_arrays: Dict[str, Any] = {}
    for k, col in (dims or {}).items():
        if col is None:
            continue
        if not isinstance(k, str) or not k:
            raise wrong_type("dims: names are non-empty strings")
        dim_arrays[k] = _array(col, n, k)
        n = len(dim_arrays[k])
    if n is None:
        n = 0
    for k, v in sets.items():
        arrays[k] = np.full(n, v, dtype=object)
    missing = [k for k in REQUIRED if k not in arrays]
    if missing:
        raise invalid("%s: required column(s) missing: %s (map=, or set= for a constant)" % (
            where, ", ".join(missing)))
    b = Built(n)
    try:
        for k, a in arrays.items():
            vmap = values_all.get(k)
            if k in STRINGS:
                b.fields[k] = _strings(a, k, vmap)
            elif k == "ts":
                b.fields[k] = _times(a, k, epoch_unit, timezone, b, opts.get("time_format"))
            elif k in NUMBERS:
                b.fields[k] = _doubles(a, k, decimal, thousands)
            else:
                b.fields[k] = _enums(a, k, k, vmap)
        b.dims = [(k, _strings(a, k, values_all.get(k))) for k, a in dim_arrays.items()]
    except BaseException:
        b.close()
        raise
    return b, n


def _build_plain(given: Mapping[str, Column], dims: Mapping[str, Column],
                 sets: Mapping[str, Any], values_all: Mapping[str, Any],
                 epoch_unit: Optional[str], timezone: Optional[str], decimal: Optional[str],
                 thousands: Optional[str], time_format: Any = None) -> Tuple[Built, int]:
    """build() without numpy: lists and tuples only, converted value by value (numpy
    arrays and pandas columns need numpy anyway)."""
    cols: Dict[str, List[Any]] = {}
    n: Optional[int] = None
    for k, col in list(given.items()) + [(k, c) for k, c in dims.items() if c is not None]:
        if not isinstance(col, (list, tuple)):
            _need_numpy()
        if n is not None and len(col) != n:
            raise invalid("column %r has %d entries, not %d" % (k, len(col), n), column=k)
        n = len(col)
        cols[k] = list(col)
    n = n or 0
    for k, v in sets.items():
        cols[k] = [v] * n
    missing = [k for k in REQUIRED if k not in cols]
    if missing:
        raise invalid("required column(s) missing: %s (map=, or set= for a constant)"
                      % ", ".join(missing))
    b = Built(n)
    ptr_type: Dict[str, Any] = {f: t for f, t in _lib.Columns._fields_}
    tz = (timezone or "UTC").upper()
    parser: Optional[_TimeParser] = None

    def blank(v: Any) -> bool:
        return v is None or v == "" or (isinstance(v, float) and math.isnan(v))

    def strings(vals: List[Any], k: str, vmap: Optional[Mapping[str, Any]]) -> Any:
        mapped = _apply_values(vals, vmap) if vmap else vals
        out = (ctypes.c_char_p * max(n or 0, 1))()
        for r, v in enumerate(mapped):
            if blank(v):
                continue
            t = v if isinstance(v, bytes) else str(v).encode("utf-8")
            if b"\0" in t:
                raise bad_data("row %d: column %s: a NUL byte in %r" % (r, k, v), r, k)
            out[r] = t
        b.keep.append(out)
        return out

    def one_time(v: Any, k: str, r: int) -> int:
        if blank(v):
            return int(_lib.IV_TIME_NONE)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if epoch_unit not in EPOCH_UNITS:
                raise invalid("column %s: numeric timestamps need epoch_unit='s', 'ms' or "
                              "'us'" % k, column=k)
            f = EPOCH_UNITS[str(epoch_unit)]
            return int(math.floor(float(v) * f if f > 0 else float(v) / -f))
        if isinstance(v, (str, bytes)):
            if parser is None:
                return int(_lib.IV_TIME_NONE)
            t = parser(v)
            if t is None:
                raise bad_data("row %d: column %s: %s" % (
                    r, k, _lib.dec(_lib.fn("iv_error_last")()) or "not a time"), r, k)
            return t
        if tz not in ("UTC", "Z"):
            raise invalid("column %s: timezone=%r needs numpy and pandas for datetime "
                          "objects" % (k, timezone), column=k)
        return int(to_ms(v, k))

    for k, vals in cols.items():
        if k not in FIELDS:
            continue            # a custom dimension: below
        vmap = values_all.get(k)
        try:
            if k in STRINGS:
                p: Any = strings(vals, k, vmap)
            elif k == "ts":
                r = 0
                arr = (ctypes.c_int64 * max(n, 1))()
                parser = _TimeParser(time_format, timezone, epoch_unit)
                try:
                    for r, v in enumerate(vals):
                        arr[r] = one_time(v, k, r)
                finally:
                    parser.close()
                p = arr
            elif k in NUMBERS:
                arr2 = (ctypes.c_double * max(n, 1))()
                for r, v in enumerate(vals):
                    arr2[r] = math.nan if blank(v) else _number_text(v, decimal, thousands)
                p = arr2
            else:
                arr3 = (ctypes.c_int32 * max(n, 1))()
                names = ENUM_VALUES[k]
                for r, v in enumerate(_apply_values(vals, vmap) if vmap else vals):
                    if blank(v):
                        continue
                    if isinstance(v, int) and not isinstance(v, bool):
                        arr3[r] = v
                    elif _text(v).strip().lower() in names:
                        arr3[r] = names[_text(v).strip().lower()]
                    else:
                        raise bad_data("row %d: column %s: unknown %s %r (one of %s)" % (
                            r, k, k, v, ", ".join(x for x in ENUM_NAMES[k] if x)), r, k)
                p = arr3
        except Error as e:
            if e.row is None:
                e.row = r
            raise
        except (TypeError, ValueError) as e:
            raise bad_data("row %d: column %s: %s" % (r, k, e), r, k) from None
        b.keep.append(p)
        if k in FIELDS:
            setattr(b.cols, k, ctypes.cast(p, ptr_type[k]))
    dnames = [k for k, c in dims.items() if c is not None]
    if dnames:
        names_a = (ctypes.c_char_p * len(dnames))(*[_lib.enc(k) for k in dnames])
        ptrs = (ctypes.POINTER(ctypes.c_char_p) * len(dnames))(
            *[ctypes.cast(strings(cols[k], k, values_all.get(k)),
                          ctypes.POINTER(ctypes.c_char_p)) for k in dnames])
        b.keep += [names_a, ptrs]
        b.cols.ndims = len(dnames)
        b.cols.dim_names = ctypes.cast(names_a, ctypes.POINTER(ctypes.c_char_p))
        b.cols.dim_values = ctypes.cast(ptrs, ctypes.POINTER(ctypes.POINTER(ctypes.c_char_p)))
    b.fixed = True
    return b, n


def _store_ids(store_handle: int) -> List[str]:
    """The ids of the rows already in the store (dedup=id compares against them too)."""
    f = _lib.fn
    n = int(f("iv_store_rows")(store_handle))
    out: List[str] = []
    rec = _lib.init_struct(_lib.Record, "iv_record_init")
    for i in range(n):
        check(f("iv_store_get_row")(store_handle, i, ctypes.byref(rec)))
        if rec.id:
            out.append(_lib.dec(rec.id))
    return out


def dedup_mask(ids: Any, existing: Sequence[str] = ()) -> Any:
    """True for the first row of each id that is not among ``existing`` (rows without an
    id are kept)."""
    if np is None:
        seen: set[Any] = set(existing)
        keep: List[bool] = []
        for v in ids:
            blank = v is None or v == "" or (isinstance(v, float) and math.isnan(v))
            keep.append(blank or (v if isinstance(v, str) else _text(v)) not in seen)
            if not blank:
                seen.add(v if isinstance(v, str) else _text(v))
        return keep
    if pd is not None:
        s = pd.Series(ids)
        blank = s.isna() | (s.astype(str) == "")
        dup = s.duplicated(keep="first")
        if existing:
            dup |= s.astype(str).isin(set(existing))
        return (~dup | blank).to_numpy()
    a = np.asarray(ids, dtype=object)
    blank = np.array([v is None or v == "" for v in a.tolist()], dtype=bool)
    txt = np.where(blank, "", a).astype(str)
    _, first = np.unique(txt, return_index=True)
    keep = np.zeros(len(a), dtype=bool)
    keep[first] = True
    if existing:
        keep &= ~np.isin(txt, list(existing))
    return keep | blank


# Rows per iv_store_append_columns call when the store is new (from_pandas, from_arrays):
# each part's per-row arrays are made just before its call and freed after it, so the
# binding holds a few MB instead of ~90 bytes a row while the store grows (on a machine
# where a fresh page costs ~10 us, allocating both at once cost more than the parsing).
PART_ROWS = 1 << 15


def _shift(e: Error, lo: int) -> None:
    """An error of the part starting at row lo: its row counted from the first row."""
    if lo and e.row is not None:
        r = e.row + lo
        e.message = e.message.replace("row %d:" % e.row, "row %d:" % r, 1)
        e.row = r
        e.args = (e.message,)


def append(store_handle: int, columns: Mapping[str, Column], dims: Optional[Mapping[str, Column]],
           opts: Dict[str, Any], where: str, source: Optional[Mapping[str, str]] = None,
           duplicates: Optional[List[int]] = None, new_store: bool = False) -> int:
    """Validate and append; returns the rows appended. A bad row raises with ``row`` and
    ``column`` (the input's name: ``source`` maps a field back to it); nothing is
    appended then. With dedup='id', rows whose id is already in the store or earlier in
    the columns are left out; their count is appended to ``duplicates`` (a list). For a
    new store (new_store: the caller discards it on an error) the rows go in parts of
    PART_ROWS; otherwise in one call, which validates every row before appending any."""
    columns = dict(columns)
    rows: Any = None
    dropped = 0
    if opts.get("dedup") == "id" and columns.get("id") is not None:
        existing = _store_ids(store_handle) if _lib.fn("iv_store_rows")(store_handle) else []
        idcol = columns["id"] if np is None else _array(columns["id"], None, "id")
        keep = dedup_mask(idcol, existing)
        if np is None:
            if not all(keep):
                rows = [i for i, k in enumerate(keep) if k]
                dropped = len(keep) - len(rows)
                columns = {k: None if v is None else [v[i] for i in rows]
                           for k, v in columns.items()}
                dims = {k: [v[i] for i in rows] for k, v in (dims or {}).items()}
        elif not keep.all():
            rows = np.flatnonzero(keep)
            dropped = len(keep) - len(rows)
            columns = {k: (v[keep] if not isinstance(v, (list, tuple)) else
                           np.asarray(v, dtype=object)[keep]) if v is not None else None
                       for k, v in columns.items()}
            dims = {k: (v[keep] if not isinstance(v, (list, tuple)) else
                        np.asarray(v, dtype=object)[keep]) for k, v in (dims or {}).items()}
    if duplicates is not None:
        duplicates.append(dropped)
    try:
        b, n = build(columns, dims, opts, where)
        try:
            step = PART_ROWS if new_store else max(n, 1)
            lo = 0
            while True:
                hi = min(n, lo + step)
                try:
                    cols, keep = b.part(lo, hi)
                    check(_lib.fn("iv_store_append_columns")(store_handle, ctypes.byref(cols)))
                except Error as e:
                    _shift(e, lo)
                    raise
                del cols, keep
                lo = hi
                if lo >= n:
                    break
        finally:
            b.close()
    except Error as e:
        if rows is not None and e.row is not None and 0 <= e.row < len(rows):
            r = int(rows[e.row])
            e.message = e.message.replace("row %d:" % e.row, "row %d:" % r, 1)
            e.row = r
            e.args = (e.message,)
        if source and e.column in source:
            name = source[e.column or ""]
            e.message = e.message.replace("field %s" % e.column, "column %s" % name, 1) \
                .replace("column %s" % e.column, "column %s" % name, 1)
            e.column = name
            e.args = (e.message,)
        raise
    return n
