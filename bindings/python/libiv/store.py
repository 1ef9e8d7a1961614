"""The interaction store, ingestion and the queries over it (doc/GUIDE.md §1, doc/METRICS.md)."""

from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union
import ctypes
from collections.abc import Mapping
import math
import os

from . import _lib
from ._errors import bad_data, check, invalid, out_of_range, unknown_keywords, wrong_type
from ._util import Handle, Progress, enum_name, enum_value, from_ms, to_ms
from .model import Model
from .table import Table

_RECORD_STRINGS = ("contact", "channel", "type", "team", "id")
_RECORD_ENUMS = ("stage", "area", "direction", "outcome")
_RECORD_NUMBERS = ("cost", "value", "score", "rv")
_RECORD_FIELDS = set(_RECORD_STRINGS + _RECORD_ENUMS + _RECORD_NUMBERS + ("ts",))
_INGEST_SIZES = ("max_line", "max_fields", "max_string", "max_depth", "max_raw",
                 "max_rejects")
INPUT_FORMATS = {"csv": 0, "jsonl": 1, "ndjson": 1, "json": 1}


def _number(v: Any, what: Any) -> Any:
    if v is None or v == "":
        return math.nan
    if isinstance(v, bool):
        raise wrong_type("%s: a bool is not a number" % what, column=what)
    try:
        return float(v)
    except (TypeError, ValueError):
        raise bad_data("field %s: %r is not a number" % (what, v), column=what) from None


_EPOCH_FACTOR = {"s": 1000, "ms": 1, "us": None}


def _one_time(ts: Any, epoch_unit: Any) -> Any:
    """One timestamp for append(): numbers need epoch_unit ('s', 'ms', 'us')."""
    if isinstance(ts, (int, float)) and not isinstance(ts, bool) or \
            type(ts).__name__ in ("int64", "int32", "float64"):
        if epoch_unit not in _EPOCH_FACTOR:
            raise invalid("field ts: a numeric timestamp needs epoch_unit='s', 'ms' or 'us' "
                          "(got %r)" % (epoch_unit,), column="ts")
        f = _EPOCH_FACTOR[epoch_unit]
        if isinstance(ts, float) or type(ts).__name__ == "float64":
            v = float(ts)
            if not math.isfinite(v):
                raise bad_data("field ts: %r is not a time" % ts, column="ts")
            return int(math.floor(v * f)) if f else int(math.floor(v / 1000))
        return int(ts) * f if f else int(ts) // 1000
    try:
        return to_ms(ts, "ts")
    except TypeError as e:
        raise wrong_type(str(e), column="ts") from None


def _guess_format(path: Any) -> Any:
    p = str(path).lower()
    return 1 if p.endswith(".jsonl") or p.endswith(".ndjson") else 0


class IngestResult:
    """What one ingestion did: the counters of doc/GUIDE.md §3 `ingest` and the kept rejects
    (dicts with line, offset, reason, raw)."""

    def __init__(self, stats: Any, rejects: Any) -> None:
        self.rows_read = stats.rows_read
        self.rows_accepted = stats.rows_accepted
        self.rows_rejected = stats.rows_rejected
        self.bytes = stats.bytes
        self.rows_duplicate = stats.rows_duplicate
        self.rejects = rejects

    def as_dict(self) -> Dict[str, int]:
        return {"rows_read": self.rows_read, "rows_accepted": self.rows_accepted,
                "rows_rejected": self.rows_rejected, "bytes": self.bytes,
                "rows_duplicate": self.rows_duplicate}

    def __repr__(self) -> str:
        return "<libiv.IngestResult read %d, accepted %d, rejected %d>" % (
            self.rows_read, self.rows_accepted, self.rows_rejected)


def _ingest_outcome(ing: Any) -> Tuple[Any, List[Dict[str, Any]]]:
    """The counters (iv_ingest_stats) and the kept rejects (dicts: line, offset, reason,
    raw) of an ingestion handle: Store.ingest and libiv.shards.ingest_range."""
    f = _lib.fn
    st = _lib.IngestStats()
    st.size = ctypes.sizeof(st)
    f("iv_ingest_get_stats")(ing, ctypes.byref(st))
    kept: List[Dict[str, Any]] = []
    line, off = ctypes.c_uint64(), ctypes.c_uint64()
    reason, raw = ctypes.c_char_p(), ctypes.c_char_p()
    for i in range(f("iv_ingest_reject_count")(ing)):
        f("iv_ingest_reject")(ing, i, ctypes.byref(line), ctypes.byref(off),
                              ctypes.byref(reason), ctypes.byref(raw))
        kept.append({"line": line.value, "offset": off.value,
                     "reason": _lib.dec(reason.value), "raw": _lib.dec(raw.value)})
    return st, kept


def _appended(n: int, duplicates: List[int]) -> IngestResult:
    """The counters of an append from arrays or a DataFrame (every row is accepted or
    the call fails; dedup='id' leaves duplicates out)."""
    st = _lib.IngestStats()
    st.size = ctypes.sizeof(st)
    st.rows_duplicate = sum(duplicates)
    st.rows_accepted = n
    st.rows_read = n + st.rows_duplicate
    return IngestResult(st, [])


# The source options (doc/SOURCES.md, "Options"): the keyword names are the C names.
# profile first: the options given beside it override it
SOURCE_OPTIONS = ("profile", "delimiter", "encoding", "time_format", "timezone", "epoch_unit", "decimal",
                  "thousands", "map", "set", "values", "dedup")


def _source_settings(opts: Dict[str, Any]) -> List[Tuple[str, str]]:
    """(name, value) pairs for iv_source_set from the source keywords in opts (removed
    from it). time_format and values may repeat: time_format is a str or a list of str;
    values is {field: {from: to}} or a list of "FIELD:from=to,..." strings; map and set
    are "a=b,..." strings or dicts (a map value may be a list: one source, several
    fields)."""
    out: List[Tuple[str, str]] = []
    for name in SOURCE_OPTIONS:
        if name not in opts:
            continue
        v = opts.pop(name)
        if v is None:
            continue
        if name == "time_format":
            for f in ([v] if isinstance(v, str) else list(v)):
                out.append((name, str(f)))
        elif name == "values":
            if isinstance(v, dict):
                for field, table in v.items():
                    # one call per pair: from/to values may hold commas
                    for a, b in dict(table).items():
                        out.append((name, "%s:%s=%s" % (field, a, b)))
            else:
                for item in ([v] if isinstance(v, str) else list(v)):
                    out.append((name, str(item)))
        elif name in ("map", "set") and not isinstance(v, str):
            pairs: List[str] = []
            for a, b in dict(v).items():
                for one in (b if isinstance(b, (list, tuple)) else [b]):
                    pairs.append("%s=%s" % (a, one))
            out.append((name, ",".join(pairs)))
        elif name == "delimiter" and v == "\t":
            out.append((name, "tab"))
        else:
            out.append((name, str(v)))
    return out


class Source:
    """An iv_source built from the source keywords (closed with the ingestion)."""

    def __init__(self, settings: List[Tuple[str, str]]) -> None:
        h = ctypes.c_void_p()
        check(_lib.fn("iv_source_new")(ctypes.byref(h)))
        self.h: Optional[ctypes.c_void_p] = h
        try:
            for name, value in settings:
                rc = _lib.fn("iv_source_set")(h, _lib.enc(name), _lib.enc(value))
                if rc < 0:
                    from ._errors import error_for
                    raise error_for(rc)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.h:
            _lib.fn("iv_source_free")(self.h)
            self.h = None


def _query_options(by: Any=None, where: Any=None, start: Any=None, end: Any=None, model: Any=None, t_ref: Any=None,
                   progress: Any=None, threads: Any=None, **extra: Any) -> Any:
    """iv_query_options from keyword arguments. `from`/`to` (the C names) are accepted as
    aliases of start/end. Returns (opts, keep-alive objects, progress wrapper)."""
    if "from" in extra:
        start = extra.pop("from")
    if "to" in extra:
        end = extra.pop("to")
    if extra:
        raise unknown_keywords("query", extra)
    q = _lib.init_struct(_lib.QueryOptions, "iv_query_options_init")
    keep = []
    if by:
        q.by = _lib.enc(by if isinstance(by, str) else ",".join(by))
    if where:
        q.where = _lib.enc(where)
    q.from_ = to_ms(start, "start")
    q.to = to_ms(end, "end")
    q.t_ref = to_ms(t_ref, "t_ref")
    if threads is not None:
        q.threads = int(threads)
    if model is not None:
        if not isinstance(model, Model):
            model = Model.load(model)
        keep.append(model)
        q.model = model._handle()
    prog = Progress(progress)
    if progress is not None:
        q.progress = prog.c
    return q, keep, prog


def _store_options(max_strings: Any) -> Any:
    o = _lib.init_struct(_lib.StoreOptions, "iv_store_options_init")
    if max_strings is not None:
        o.max_strings = int(max_strings)
    return ctypes.byref(o)


def is_snapshot(path: Any) -> Any:
    """Whether a file starts with the store snapshot magic (iv_store_save)."""
    try:
        with open(path, "rb") as f:
            return f.read(len(_lib.SNAPSHOT_MAGIC)) == _lib.SNAPSHOT_MAGIC
    except OSError:
        return False


class Store(Handle):
    """A columnar, in-memory log of interactions (doc/GUIDE.md §1).

    ``Store()`` is empty; ``libiv.load(path, **opts)`` ingests files. Append with
    ``append(**record)`` or ``append_columns(...)``; query with ``metrics()``,
    ``period_compare()``, ``drill()``, ``contacts_table()``, ``compare()``, ``rfm()``.
    ``len(store)`` and ``store.rows`` count interactions, ``store.contacts`` contacts;
    iterating yields each row as a dict.
    """

    def __init__(self, max_strings: Any=None, _handle: Any=None) -> None:
        if _handle is None:
            out = ctypes.c_void_p()
            check(_lib.fn("iv_store_new")(ctypes.byref(out), _store_options(max_strings)))
            _handle = out.value
        self._h = _handle
        self.last_ingest: Optional[IngestResult] = None

    _free = "iv_store_free"

    # --- snapshots (doc/SUMMARIES.md) -------------------------------------------------------------
    @classmethod
    def open(cls, path: Any, max_strings: Optional[int] = None) -> "Store":
        """Load a store snapshot written by save() (CorruptError for a damaged file)."""
        out = ctypes.c_void_p()
        check(_lib.fn("iv_store_load")(ctypes.byref(out), _lib.enc(os.fspath(path)),
                                       _store_options(max_strings)))
        return cls(_handle=out.value)

    def save(self, path: Any) -> None:
        """Save the whole store to a snapshot file (atomic, versioned, checksummed)."""
        check(_lib.fn("iv_store_save")(self._prepared(), _lib.enc(os.fspath(path))))

    # --- ingestion -------------------------------------------------------------------
    def ingest(self, source: Any, input_format: Any = None, lenient: bool = False,
               policy: Any = None, rejects: Any = None, progress: Any = None,
               threads: Optional[int] = None, skip: Any = None, keep_dims: Any = None,
               **limits: Any) -> "IngestResult":
        """Ingest a file (a path) or in-memory bytes into this store.

        input_format: 'csv' | 'jsonl' (default by the file's extension; CSV for bytes);
        lenient=True (or policy='lenient') skips bad rows and keeps them as rejects;
        the source options of doc/SOURCES.md, with their C names: delimiter (one
        character, 'tab' or 'auto'), encoding, time_format (str or list), timezone,
        epoch_unit, decimal, thousands, map ('src=dst,...' or {'src': 'dst'} or
        {'src': ['dst1', 'dst2']}), set ('field=value,...' or dict), values
        ({'outcome': {'Completed': 'desired'}}), dedup ('id'); an unknown keyword is a
        TypeError, a bad value an InvalidArgumentError naming it;
        limits: max_line, max_fields, max_string, max_depth, max_raw, max_rejects;
        rejects: a path to write the rejects CSV (line,offset,reason,raw) to;
        progress: callable(done_bytes, total) (return False or raise to stop);
        threads: parser threads for a CSV file (default 1; the store, rejects and
        errors are the same for any number);
        skip: columns to read and check but not store, any of 'id' and 'dims' (every
        custom dimension but those of keep_dims, a name or a list of names); the rows
        accepted and rejected are the same (iv_ingest_options.skip, doc/PERFORMANCE.md).
        Returns an IngestResult. In strict mode a bad row raises ParseError (the rows
        before it are kept).
        """
        fmt = limits.pop("format", None) if input_format is None else input_format
        o = _lib.init_struct(_lib.IngestOptions, "iv_ingest_options_init")
        is_path = not isinstance(source, (bytes, bytearray, memoryview))
        if fmt is None:
            o.format = _guess_format(source) if is_path else 0
        elif isinstance(fmt, str):
            try:
                o.format = INPUT_FORMATS[fmt.lower()]
            except KeyError:
                raise invalid("input_format must be 'csv' or 'jsonl', not %r" % fmt) \
                    from None
        else:
            o.format = int(fmt)
        if policy is not None:
            o.policy = {"strict": 0, "lenient": 1}.get(policy, policy) \
                if isinstance(policy, str) else int(policy)
            if isinstance(o.policy, str):
                raise invalid("policy must be 'strict' or 'lenient'")
        elif lenient:
            o.policy = 1
        settings = _source_settings(limits)
        if threads is not None:
            if int(threads) < 0:
                raise invalid("threads must be 0 or more")
            o.threads = int(threads)
        if skip is not None:
            names = [skip] if isinstance(skip, str) else list(skip)
            flags = {"id": 1, "dims": 2}
            for n in names:
                if n not in flags:
                    raise invalid("skip takes 'id' and 'dims', not %r" % (n,))
                o.skip |= flags[n]
        if keep_dims is not None:  # the struct field keeps the bytes alive
            o.keep_dims = _lib.enc(keep_dims if isinstance(keep_dims, str) else ",".join(keep_dims))
        for k in _INGEST_SIZES:
            if k in limits:
                setattr(o, k, int(limits.pop(k)))
        if limits:
            raise unknown_keywords("Store.ingest", limits)
        prog = Progress(progress)
        if progress is not None:
            o.progress = prog.c
        f = _lib.fn
        src = Source(settings) if settings else None
        if src is not None:
            o.source = src.h
        ing = ctypes.c_void_p()
        try:
            check(f("iv_ingest_new")(ctypes.byref(ing), self._handle(), ctypes.byref(o)))
        except BaseException:
            if src is not None:
                src.close()
            raise
        try:
            if is_path:
                rc = f("iv_ingest_file")(ing, _lib.enc(os.fspath(source)))
            else:
                data = bytes(source)
                rc = f("iv_ingest_push")(ing, data, len(data))
                if rc == 0:
                    rc = f("iv_ingest_finish")(ing)
            err = None
            if rc < 0:
                from ._errors import error_for
                err = error_for(rc)
            st, kept = _ingest_outcome(ing)
            if rejects is not None:
                check(f("iv_ingest_write_rejects")(ing, _lib.enc(os.fspath(rejects))))
        finally:
            f("iv_ingest_free")(ing)
            if src is not None:
                src.close()
        prog.reraise()
        if err is not None:
            raise err
        self.last_ingest = IngestResult(st, kept)
        return self.last_ingest

    def ingest_text(self, text: str, **opts: Any) -> IngestResult:
        """Ingest CSV or JSON Lines text (str) held in memory; options as ingest()."""
        return self.ingest(_lib.enc(text), **opts)

    # --- appending -------------------------------------------------------------------
    def append(self, contact: Any=None, ts: Any=None, channel: Any=None, type: Any=None, *, dims: Any=None,
               epoch_unit: Any=None, **fields: Any) -> None:
        """Append one interaction: contact, ts (ISO text, datetime, or a number of
        ``epoch_unit`` 's' | 'ms' | 'us' since the epoch), channel, type, and optionally
        stage, area, direction, outcome (names), cost, value, score, rv (numbers), team, id;
        custom dimensions as ``dims={'region': 'north'}``. An unknown keyword is an
        ArgumentTypeError (a typo never becomes a dimension). A bad record raises ParseError
        naming the field (``column``) and appends nothing."""
        unknown = [k for k in fields if k not in _RECORD_FIELDS]
        if unknown:
            raise unknown_keywords("Store.append (custom dimensions go in dims={name: value})",
                                   unknown)
        rec = _lib.init_struct(_lib.Record, "iv_record_init")
        keep = []
        rec.contact = _lib.enc(contact)
        rec.ts = _one_time(ts, epoch_unit)
        rec.channel = _lib.enc(channel)
        rec.type = _lib.enc(type)
        for k in ("team", "id"):
            v = fields.pop(k, None)
            if v is not None and v != "":
                setattr(rec, k, _lib.enc(v))
        for k in _RECORD_ENUMS:
            try:
                setattr(rec, k, enum_value(k, fields.pop(k, None)))
            except ValueError as e:
                raise bad_data(str(e), column=k) from None
        for k in _RECORD_NUMBERS:
            setattr(rec, k, _number(fields.pop(k, None), k))
        if dims:
            names = [_lib.enc(k) for k in dims]
            vals = [None if v is None else _lib.enc(v) for v in dims.values()]
            an = (ctypes.c_char_p * len(names))(*names)
            av = (ctypes.c_char_p * len(vals))(*vals)
            keep += [an, av]
            rec.ndims = len(names)
            rec.dim_names = an
            rec.dim_values = av
        check(_lib.fn("iv_store_append")(self._handle(), ctypes.byref(rec)))

    def append_columns(self, contact: Any, ts: Any, channel: Any, type: Any, *, dims: Any=None, **columns: Any) -> None:
        """Append many interactions at once from numpy arrays, pandas Series or lists,
        without a Python loop over the rows (doc/BINDINGS.md): fields as in append(),
        custom dimensions as ``dims={'region': column}``, and the source options
        epoch_unit, timezone, decimal, thousands, set, values, dedup. Integer timestamps
        need ``epoch_unit``. All rows are validated first: a bad one raises ParseError with
        ``row`` (0-based) and ``column`` and nothing is appended."""
        from . import _frames
        opts = {k: columns.pop(k) for k in list(columns) if k in _frames.SOURCE_OPTIONS
                or k in _frames.FILE_ONLY}
        columns.update(contact=contact, ts=ts, channel=channel, type=type)
        dup: List[int] = []
        n = _frames.append(self._handle(), columns, dims, opts, "Store.append_columns",
                           duplicates=dup)
        self.last_ingest = _appended(n, dup)

    @classmethod
    def from_arrays(cls, contact: Any = None, ts: Any = None, channel: Any = None, type: Any = None,
                    *, dims: Optional[Mapping[str, Any]] = None, max_strings: Optional[int] = None,
                    **columns: Any) -> "Store":
        """A new Store from columns given as numpy arrays, pandas Series or lists: the
        fields contact, ts, channel, type (required, unless given by ``set=``), stage, area,
        direction, outcome, cost, value, score, rv, team, id; custom dimensions as
        ``dims={'region': column}``; source options (doc/SOURCES.md) epoch_unit ('s' | 'ms'
        | 'us', needed for integer timestamps), timezone (of naive times), decimal,
        thousands (text numbers), set ({field: constant}), values ({field: {from: to}}),
        dedup ('id'). No Python loop over the rows; an unknown keyword is an error. A bad
        value raises a libiv.Error with ``row`` and ``column``."""
        from . import _frames
        opts = {k: columns.pop(k) for k in list(columns) if k in _frames.SOURCE_OPTIONS
                or k in _frames.FILE_ONLY}
        columns.update({k: v for k, v in (("contact", contact), ("ts", ts),
                                           ("channel", channel), ("type", type))
                        if v is not None})
        store = cls(max_strings=max_strings)
        try:
            dup: List[int] = []
            n = _frames.append(store._handle(), columns, dims, opts, "Store.from_arrays",
                               duplicates=dup, new_store=True)
            store.last_ingest = _appended(n, dup)
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def from_pandas(cls, df: Any, *, map: Union[None, str, Mapping[str, str]] = None,
                    dims: Union[None, Sequence[str], Mapping[str, str]] = None,
                    max_strings: Optional[int] = None, **options: Any) -> "Store":
        """A new Store from a pandas DataFrame, as a CSV file with the same columns would
        be ingested: columns named as fields (case-insensitively, after ``map`` =
        {'customer_id': 'contact'} or 'src=dst,...') are the fields; every other column is
        a custom dimension, unless ``dims`` is given: then ``dims`` (a list of column names,
        or {column: dimension name}) are the custom dimensions and any other column is an
        error. Source options as from_arrays() (epoch_unit, timezone, decimal, thousands,
        set, values, dedup). datetime64 columns keep their unit, tz-aware ones their zone;
        string columns are encoded once per distinct value. Errors name the DataFrame's
        row (0-based position) and column."""
        from . import _frames
        bad = [k for k in options if k not in _frames.SOURCE_OPTIONS
               and k not in _frames.FILE_ONLY]
        if bad:
            raise unknown_keywords("Store.from_pandas", bad)
        renames = _frames._map_pairs(map)
        cols = [str(c) for c in df.columns]
        missing = [k for k in renames if k not in cols]
        if missing:
            raise invalid("Store.from_pandas: map names column(s) the DataFrame does not "
                          "have: %s (columns: %s)" % (", ".join(missing), ", ".join(cols)))
        if dims is not None and not isinstance(dims, Mapping):
            dims = {d: d for d in dims}
        dims = dict(dims) if dims is not None else None
        if dims is not None:
            absent = [d for d in dims if d not in cols]
            if absent:
                raise invalid("Store.from_pandas: dims names column(s) the DataFrame does not "
                              "have: %s" % ", ".join(absent))
        fields, dim_cols, source = {}, {}, {}
        for c, name in zip(df.columns, cols):
            dst = renames.get(name, name)
            key = dst.strip().lower()
            if dims is not None and name in dims:
                dim_cols[str(dims[name])] = df[c]
                source[str(dims[name])] = name
            elif key in _frames.FIELDS:
                if key in fields:
                    raise invalid("Store.from_pandas: two columns give the field %s (%s and %s)"
                                  % (key, source[key], name), column=name)
                fields[key] = df[c]
                source[key] = name
            elif dims is None:
                dim_cols[name] = df[c]
                source[name] = name
            else:
                raise invalid("Store.from_pandas: column %r is not a field and not in dims= "
                              "(map it, list it in dims, or drop it)" % name, column=name)
        store = cls(max_strings=max_strings)
        try:
            dup: List[int] = []
            n = _frames.append(store._handle(), fields, dim_cols, dict(options),
                               "Store.from_pandas", source, duplicates=dup, new_store=True)
            store.last_ingest = _appended(n, dup)
        except BaseException:
            store.close()
            raise
        return store

    def prepare(self) -> None:
        """Build the per-contact index after append() (queries do it themselves)."""
        check(_lib.fn("iv_store_prepare")(self._handle()))

    # --- reading ---------------------------------------------------------------------
    @property
    def rows(self) -> int:
        """Number of interactions."""
        return int(_lib.fn("iv_store_rows")(self._handle()))

    def __len__(self) -> int:
        return self.rows

    @property
    def contacts(self) -> int:
        """Number of distinct contacts."""
        return int(_lib.fn("iv_store_contacts")(self._handle()))

    @property
    def time_range(self) -> Any:
        """(first, last) timestamps as aware UTC datetimes, (None, None) when empty."""
        a, b = ctypes.c_int64(), ctypes.c_int64()
        check(_lib.fn("iv_store_time_range")(self._handle(), ctypes.byref(a), ctypes.byref(b)))
        if a.value == _lib.IV_TIME_NONE:
            return (None, None)
        return (from_ms(a.value), from_ms(b.value))

    @property
    def dims(self) -> List[str]:
        """Names of the custom dimensions (lower-cased as stored)."""
        h = self._handle()
        return [_lib.dec(_lib.fn("iv_store_dim_name")(h, i))
                for i in range(_lib.fn("iv_store_dim_count")(h))]

    def row(self, i: int) -> Dict[str, Any]:
        """Row i (insertion order) as a dict; absent optional fields are None."""
        h = self._handle()
        n = self.rows
        if i < 0:
            i += n
        rec = _lib.init_struct(_lib.Record, "iv_record_init")
        rc = _lib.fn("iv_store_get_row")(h, i, ctypes.byref(rec))
        if rc == -6:
            raise out_of_range("libiv.Store: row %d out of range (%d rows)" % (i, n))
        check(rc)
        d = {"contact": _lib.dec(rec.contact), "ts": from_ms(rec.ts),
             "channel": _lib.dec(rec.channel), "type": _lib.dec(rec.type)}
        for k in _RECORD_ENUMS:
            d[k] = enum_name(k, getattr(rec, k))
        for k in _RECORD_NUMBERS:
            v = getattr(rec, k)
            d[k] = None if math.isnan(v) else v
        for k in ("team", "id"):
            d[k] = _lib.dec(getattr(rec, k)) or None
        for j, name in enumerate(self.dims):
            d[name] = _lib.dec(_lib.fn("iv_store_get_dim")(h, i, j))
        return d

    def __iter__(self) -> Iterator[Any]:
        for i in range(self.rows):
            yield self.row(i)

    def contact_rows(self, contact: str) -> List[int]:
        """Row indices of one contact in time order (NotFoundError when unknown)."""
        p = ctypes.POINTER(ctypes.c_uint32)()
        n = ctypes.c_size_t()
        check(_lib.fn("iv_store_contact_rows")(self._prepared(), _lib.enc(contact),
                                               ctypes.byref(p), ctypes.byref(n)))
        return [p[i] for i in range(n.value)]

    def memory(self) -> Dict[str, int]:
        """Bytes held: {'total', 'columns', 'strings'}."""
        c, s = ctypes.c_size_t(), ctypes.c_size_t()
        total = _lib.fn("iv_store_memory")(self._handle(), ctypes.byref(c), ctypes.byref(s))
        return {"total": total, "columns": c.value, "strings": s.value}

    def ingest_counts(self) -> Dict[str, int]:
        """Counters over every ingestion into the store: {'rows_read', 'rows_rejected'}."""
        r, j = ctypes.c_uint64(), ctypes.c_uint64()
        check(_lib.fn("iv_store_ingest_counts")(self._handle(), ctypes.byref(r),
                                                ctypes.byref(j)))
        return {"rows_read": r.value, "rows_rejected": j.value}

    def __repr__(self) -> str:
        if not self._h:
            return "<libiv.Store closed>"
        return "<libiv.Store %d rows, %d contacts>" % (self.rows, self.contacts)

    # --- queries (doc/METRICS.md) --------------------------------------------------------------
    def _prepared(self) -> Any:
        """The handle, with the contact index brought up to date after append() (the
        C API leaves that to the caller; the binding does it before every read that
        needs it: iv_store_prepare is idempotent and cheap when nothing changed)."""
        h = self._handle()
        check(_lib.fn("iv_store_prepare")(h))
        return h

    def _run(self, name: Any, *extra: Any, **kw: Any) -> Table:
        q, keep, prog = _query_options(**kw)
        out = ctypes.c_void_p()
        rc = _lib.fn(name)(ctypes.byref(out), self._prepared(), ctypes.byref(q), *extra)
        prog.reraise()
        check(rc)
        del keep
        return Table._take(out)

    def metrics(self, by: Any = None, where: Optional[str] = None, model: Any = None,
                start: Any = None, end: Any = None, **kw: Any) -> Table:
        """The group metrics of doc/METRICS.md: one row per group, the `by` dimensions then n,
        contacts, cost, value, cpt, iv, roi, desired_rate, rv, rv_per_interaction,
        cost_per_rv, rv_forward, rv_backward, nps, nps_se, nps_ci_low, nps_ci_high, csat, csat_mean, ces, ces_easy,
        cost_assumed, rv_unscored. by: list or comma-separated str; where: the selection language;
        model: a Model or a model file path; start/end (also `from`/`to`): [start, end)
        as ISO text, datetime or ms; t_ref; progress; threads (worker threads, same
        results for any value)."""
        return self._run("iv_query_metrics", by=by, where=where, model=model, start=start,
                         end=end, **kw)

    def period_compare(self, prev_start: Any, prev_end: Any, by: Any=None, where: Any=None, model: Any=None,
                       start: Any=None, end: Any=None, **kw: Any) -> Any:
        """Period-on-period comparison: one row per group and metric with `metric`,
        `value`, `previous`, `change`, `relative_change` (the selection vs the same
        selection over [prev_start, prev_end))."""
        return self._run("iv_query_compare", to_ms(prev_start, "prev_start"),
                         to_ms(prev_end, "prev_end"), by=by, where=where, model=model,
                         start=start, end=end, **kw)

    def drill(self, group: Any, by: Any = None, where: Optional[str] = None, model: Any = None,
              start: Any = None, end: Any = None, **kw: Any) -> Table:
        """The interactions behind one group of metrics(...) with the same arguments:
        group is its 0-based row, or a dict of its keys ({'channel': 'web'}).
        Columns: row, id, contact, ts, channel, type, cost, rv."""
        if isinstance(group, dict):
            with self.metrics(by=by, where=where, model=model, start=start, end=end,
                              **dict(kw, progress=None)) as m:
                for i, r in enumerate(m):
                    if all(r.get(k) == v for k, v in group.items()):
                        group = i
                        break
                else:
                    from ._errors import NotFoundError
                    raise NotFoundError(-7, "drill: no group %r" % (group,))
        return self._run("iv_query_drill", ctypes.c_size_t(int(group)), by=by, where=where,
                         model=model, start=start, end=end, **kw)

    def contacts_table(self, where: Optional[str] = None, model: Any = None, start: Any = None,
                       end: Any = None, **kw: Any) -> Table:
        """Per-contact attributes (doc/METRICS.md): contact, first_ts, last_ts, n, cost, value,
        rv, profit, contact_stage, profit_tier, community_role and one bool per flag."""
        return self._run("iv_query_contacts", where=where, model=model, start=start,
                         end=end, **kw)

    def compare(self, metric: Any, a: Any, b: Any, where: Any=None, model: Any=None, start: Any=None, end: Any=None,
                confidence: Any=None, mwu_method: Any=None, mwu_continuity: Any=None) -> Any:
        """Segment vs segment (doc/GUIDE.md §3 `compare`): the per-contact `metric` (a name of
        doc/METRICS.md computed over each contact's interactions in the selection) compared
        between the selections `a` and `b` (expressions; each also restricted by
        `where`). One single-result row: n_a, n_b, mean_a, mean_b, median_a, median_b,
        diff, diff_ci_low, diff_ci_high, welch_t, welch_df, welch_p, mwu_u, mwu_p,
        cliffs_delta. Contacts whose metric is undefined are not in the sample."""
        from . import stats
        samples = []
        for sel in (a, b):
            expr = "(%s) and (%s)" % (where, sel) if where else sel
            with self.metrics(by="contact", where=expr, model=model, start=start,
                              end=end) as t:
                samples.append([math.nan if v is None else float(v)
                                for v in t.column(metric)])
        return stats.compare(samples[0], samples[1], confidence=confidence,
                             mwu_method=mwu_method, mwu_continuity=mwu_continuity)

    def rfm(self, calibration_end: Any = None, unit: Union[str, int] = "week", model: Any = None,
            holdout_end: Any = None) -> Table:
        """The RFM summary per contact from its purchase-flagged interactions (columns
        contact, x, t_x, T, zbar, first, holdout_x, holdout_value)."""
        from .clv import _rfm
        return _rfm(self, calibration_end, unit, model, holdout_end)


def load(path: Any, **opts: Any) -> Store:
    """Ingest one file (or a list of files) into a new Store (doc/GUIDE.md §3).

    Options as Store.ingest(): input_format, lenient, policy, rejects, progress, the source
    options (delimiter, encoding, time_format, timezone, epoch_unit, decimal, thousands,
    map, set, values, dedup: doc/SOURCES.md), max_line, max_fields, max_string,
    max_depth, max_raw, max_rejects, plus the store's max_strings. With dedup='id' a
    list of files is deduplicated across them. ``store.last_ingest`` holds the counters and kept rejects.
    A path to a store snapshot (Store.save) is loaded as such, as the `iv` tool does."""
    if isinstance(path, (str, os.PathLike)) and is_snapshot(path):
        return Store.open(path, max_strings=opts.pop("max_strings", None))
    store = Store(max_strings=opts.pop("max_strings", None))
    paths = [path] if isinstance(path, (str, bytes, os.PathLike)) else list(path)
    try:
        results = [store.ingest(p, **opts) for p in paths]
    except BaseException:
        store.close()
        raise
    if len(results) > 1:
        st = _lib.IngestStats()
        for r in results:
            st.rows_read += r.rows_read
            st.rows_accepted += r.rows_accepted
            st.rows_rejected += r.rows_rejected
            st.bytes += r.bytes
            st.rows_duplicate += r.rows_duplicate
        store.last_ingest = IngestResult(st, [x for r in results for x in r.rejects])
    return store
