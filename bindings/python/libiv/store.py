"""The interaction store, ingestion and the queries over it (SPEC 1, 3)."""

import ctypes
import math
import os

from . import _lib
from ._errors import check
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


def _number(v, what):
    if v is None or v == "":
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        raise TypeError("%s: %r is not a number" % (what, v)) from None


def _guess_format(path):
    p = str(path).lower()
    return 1 if p.endswith(".jsonl") or p.endswith(".ndjson") else 0


class IngestResult:
    """What one ingestion did: the counters of SPEC 5 `ingest` and the kept rejects
    (dicts with line, offset, reason, raw)."""

    def __init__(self, stats, rejects):
        self.rows_read = stats.rows_read
        self.rows_accepted = stats.rows_accepted
        self.rows_rejected = stats.rows_rejected
        self.bytes = stats.bytes
        self.rows_duplicate = stats.rows_duplicate
        self.rejects = rejects

    def as_dict(self):
        return {"rows_read": self.rows_read, "rows_accepted": self.rows_accepted,
                "rows_rejected": self.rows_rejected, "bytes": self.bytes,
                "rows_duplicate": self.rows_duplicate}

    def __repr__(self):
        return "<libiv.IngestResult read %d, accepted %d, rejected %d>" % (
            self.rows_read, self.rows_accepted, self.rows_rejected)


# The source options (doc/SOURCES.md, "Options"): the keyword names are the C names.
# profile first: the options given beside it override it
SOURCE_OPTIONS = ("profile", "delimiter", "encoding", "time_format", "timezone", "epoch_unit", "decimal",
                  "thousands", "map", "set", "values", "dedup")


def _source_settings(opts):
    """(name, value) pairs for iv_source_set from the source keywords in opts (removed
    from it). time_format and values may repeat: time_format is a str or a list of str;
    values is {field: {from: to}} or a list of "FIELD:from=to,..." strings; map and set
    are "a=b,..." strings or dicts (a map value may be a list: one source, several
    fields)."""
    out = []
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
            pairs = []
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

    def __init__(self, settings):
        h = ctypes.c_void_p()
        check(_lib.fn("iv_source_new")(ctypes.byref(h)))
        self.h = h
        try:
            for name, value in settings:
                rc = _lib.fn("iv_source_set")(h, _lib.enc(name), _lib.enc(value))
                if rc < 0:
                    from ._errors import error_for
                    raise error_for(rc)
        except BaseException:
            self.close()
            raise

    def close(self):
        if self.h:
            _lib.fn("iv_source_free")(self.h)
            self.h = None


def _query_options(by=None, where=None, start=None, end=None, model=None, t_ref=None,
                   progress=None, threads=None, **extra):
    """iv_query_options from keyword arguments. `from`/`to` (the C names) are accepted as
    aliases of start/end. Returns (opts, keep-alive objects, progress wrapper)."""
    if "from" in extra:
        start = extra.pop("from")
    if "to" in extra:
        end = extra.pop("to")
    if extra:
        raise TypeError("unexpected keyword argument(s): %s" % ", ".join(sorted(extra)))
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


def _store_options(max_strings):
    o = _lib.init_struct(_lib.StoreOptions, "iv_store_options_init")
    if max_strings is not None:
        o.max_strings = int(max_strings)
    return ctypes.byref(o)


def is_snapshot(path):
    """Whether a file starts with the store snapshot magic (iv_store_save)."""
    try:
        with open(path, "rb") as f:
            return f.read(len(_lib.SNAPSHOT_MAGIC)) == _lib.SNAPSHOT_MAGIC
    except OSError:
        return False


class Store(Handle):
    """A columnar, in-memory log of interactions (SPEC 1.1).

    ``Store()`` is empty; ``libiv.load(path, **opts)`` ingests files. Append with
    ``append(**record)`` or ``append_columns(...)``; query with ``metrics()``,
    ``period_compare()``, ``drill()``, ``contacts_table()``, ``compare()``, ``rfm()``.
    ``len(store)`` and ``store.rows`` count interactions, ``store.contacts`` contacts;
    iterating yields each row as a dict.
    """

    def __init__(self, max_strings=None, _handle=None):
        if _handle is None:
            out = ctypes.c_void_p()
            check(_lib.fn("iv_store_new")(ctypes.byref(out), _store_options(max_strings)))
            _handle = out.value
        self._h = _handle
        self.last_ingest = None

    _free = "iv_store_free"

    # --- snapshots (SPEC 7) -------------------------------------------------------------
    @classmethod
    def open(cls, path, max_strings=None):
        """Load a store snapshot written by save() (CorruptError for a damaged file)."""
        out = ctypes.c_void_p()
        check(_lib.fn("iv_store_load")(ctypes.byref(out), _lib.enc(os.fspath(path)),
                                       _store_options(max_strings)))
        return cls(_handle=out.value)

    def save(self, path):
        """Save the whole store to a snapshot file (atomic, versioned, checksummed)."""
        check(_lib.fn("iv_store_save")(self._prepared(), _lib.enc(os.fspath(path))))

    # --- ingestion -------------------------------------------------------------------
    def ingest(self, source, input_format=None, lenient=False, policy=None, rejects=None,
               progress=None, threads=None, **limits):
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
        errors are the same for any number).
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
                raise ValueError("input_format must be 'csv' or 'jsonl', not %r" % fmt) \
                    from None
        else:
            o.format = int(fmt)
        if policy is not None:
            o.policy = {"strict": 0, "lenient": 1}.get(policy, policy) \
                if isinstance(policy, str) else int(policy)
            if isinstance(o.policy, str):
                raise ValueError("policy must be 'strict' or 'lenient'")
        elif lenient:
            o.policy = 1
        settings = _source_settings(limits)
        if threads is not None:
            if int(threads) < 0:
                raise ValueError("threads must be 0 or more")
            o.threads = int(threads)
        for k in _INGEST_SIZES:
            if k in limits:
                setattr(o, k, int(limits.pop(k)))
        if limits:
            raise TypeError("unexpected keyword argument(s): %s" % ", ".join(sorted(limits)))
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
            st = _lib.IngestStats()
            st.size = ctypes.sizeof(st)
            f("iv_ingest_get_stats")(ing, ctypes.byref(st))
            kept = []
            line, off = ctypes.c_uint64(), ctypes.c_uint64()
            reason, raw = ctypes.c_char_p(), ctypes.c_char_p()
            for i in range(f("iv_ingest_reject_count")(ing)):
                f("iv_ingest_reject")(ing, i, ctypes.byref(line), ctypes.byref(off),
                                      ctypes.byref(reason), ctypes.byref(raw))
                kept.append({"line": line.value, "offset": off.value,
                             "reason": _lib.dec(reason.value), "raw": _lib.dec(raw.value)})
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

    def ingest_text(self, text, **opts):
        """Ingest CSV or JSON Lines text (str) held in memory; options as ingest()."""
        return self.ingest(_lib.enc(text), **opts)

    # --- appending -------------------------------------------------------------------
    def append(self, contact=None, ts=None, channel=None, type=None, **fields):
        """Append one interaction: contact, ts (ISO text, datetime or ms since the epoch),
        channel, type, and optionally stage, area, direction, outcome (names), cost, value,
        score, rv (numbers), team, id, and any other keyword as a custom dimension.
        A bad record raises ParseError naming the field and appends nothing."""
        rec = _lib.init_struct(_lib.Record, "iv_record_init")
        keep = []
        rec.contact = _lib.enc(contact)
        rec.ts = to_ms(ts, "ts")
        rec.channel = _lib.enc(channel)
        rec.type = _lib.enc(type)
        for k in ("team", "id"):
            v = fields.pop(k, None)
            if v is not None and v != "":
                setattr(rec, k, _lib.enc(v))
        for k in _RECORD_ENUMS:
            setattr(rec, k, enum_value(k, fields.pop(k, None)))
        for k in _RECORD_NUMBERS:
            setattr(rec, k, _number(fields.pop(k, None), k))
        if fields:
            names = [_lib.enc(k) for k in fields]
            vals = [None if v is None else _lib.enc(v) for v in fields.values()]
            an = (ctypes.c_char_p * len(names))(*names)
            av = (ctypes.c_char_p * len(vals))(*vals)
            keep += [an, av]
            rec.ndims = len(names)
            rec.dim_names = an
            rec.dim_values = av
        check(_lib.fn("iv_store_append")(self._handle(), ctypes.byref(rec)))

    def append_columns(self, contact, ts, channel, type, **columns):
        """Append many interactions at once from lists or numpy arrays (the fast path:
        contiguous int64 ts / float64 number columns are passed by pointer, strings are
        encoded once per distinct value). Columns as in append(); any other keyword is a
        custom dimension. All rows are validated first: a bad one raises ParseError
        (naming the 0-based row and field) and nothing is appended."""
        from . import _columns
        cols, keep = _columns.build(contact, ts, channel, type, columns)
        check(_lib.fn("iv_store_append_columns")(self._handle(), ctypes.byref(cols)))
        del keep

    def prepare(self):
        """Build the per-contact index after append() (queries do it themselves)."""
        check(_lib.fn("iv_store_prepare")(self._handle()))

    # --- reading ---------------------------------------------------------------------
    @property
    def rows(self):
        """Number of interactions."""
        return _lib.fn("iv_store_rows")(self._handle())

    def __len__(self):
        return self.rows

    @property
    def contacts(self):
        """Number of distinct contacts."""
        return _lib.fn("iv_store_contacts")(self._handle())

    @property
    def time_range(self):
        """(first, last) timestamps as aware UTC datetimes, (None, None) when empty."""
        a, b = ctypes.c_int64(), ctypes.c_int64()
        check(_lib.fn("iv_store_time_range")(self._handle(), ctypes.byref(a), ctypes.byref(b)))
        if a.value == _lib.IV_TIME_NONE:
            return (None, None)
        return (from_ms(a.value), from_ms(b.value))

    @property
    def dims(self):
        """Names of the custom dimensions (lower-cased as stored)."""
        h = self._handle()
        return [_lib.dec(_lib.fn("iv_store_dim_name")(h, i))
                for i in range(_lib.fn("iv_store_dim_count")(h))]

    def row(self, i):
        """Row i (insertion order) as a dict; absent optional fields are None."""
        h = self._handle()
        n = self.rows
        if i < 0:
            i += n
        rec = _lib.init_struct(_lib.Record, "iv_record_init")
        rc = _lib.fn("iv_store_get_row")(h, i, ctypes.byref(rec))
        if rc == -6:
            raise IndexError("libiv.Store: row %d out of range (%d rows)" % (i, n))
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

    def __iter__(self):
        for i in range(self.rows):
            yield self.row(i)

    def contact_rows(self, contact):
        """Row indices of one contact in time order (NotFoundError when unknown)."""
        p = ctypes.POINTER(ctypes.c_uint32)()
        n = ctypes.c_size_t()
        check(_lib.fn("iv_store_contact_rows")(self._prepared(), _lib.enc(contact),
                                               ctypes.byref(p), ctypes.byref(n)))
        return [p[i] for i in range(n.value)]

    def memory(self):
        """Bytes held: {'total', 'columns', 'strings'}."""
        c, s = ctypes.c_size_t(), ctypes.c_size_t()
        total = _lib.fn("iv_store_memory")(self._handle(), ctypes.byref(c), ctypes.byref(s))
        return {"total": total, "columns": c.value, "strings": s.value}

    def ingest_counts(self):
        """Counters over every ingestion into the store: {'rows_read', 'rows_rejected'}."""
        r, j = ctypes.c_uint64(), ctypes.c_uint64()
        check(_lib.fn("iv_store_ingest_counts")(self._handle(), ctypes.byref(r),
                                                ctypes.byref(j)))
        return {"rows_read": r.value, "rows_rejected": j.value}

    def __repr__(self):
        if not self._h:
            return "<libiv.Store closed>"
        return "<libiv.Store %d rows, %d contacts>" % (self.rows, self.contacts)

    # --- queries (SPEC 3) --------------------------------------------------------------
    def _prepared(self):
        """The handle, with the contact index brought up to date after append() (the
        C API leaves that to the caller; the binding does it before every read that
        needs it: iv_store_prepare is idempotent and cheap when nothing changed)."""
        h = self._handle()
        check(_lib.fn("iv_store_prepare")(h))
        return h

    def _run(self, name, *extra, **kw):
        q, keep, prog = _query_options(**kw)
        out = ctypes.c_void_p()
        rc = _lib.fn(name)(ctypes.byref(out), self._prepared(), ctypes.byref(q), *extra)
        prog.reraise()
        check(rc)
        del keep
        return Table._take(out)

    def metrics(self, by=None, where=None, model=None, start=None, end=None, **kw):
        """The group metrics of SPEC 3.2: one row per group, the `by` dimensions then n,
        contacts, cost, value, cpt, iv, roi, desired_rate, rv, rv_per_interaction,
        cost_per_rv, rv_forward, rv_backward, nps, nps_se, nps_ci_low, nps_ci_high, csat, csat_mean, ces, ces_easy,
        cost_assumed, rv_unscored. by: list or comma-separated str; where: the selection language;
        model: a Model or a model file path; start/end (also `from`/`to`): [start, end)
        as ISO text, datetime or ms; t_ref; progress; threads (worker threads, same
        results for any value)."""
        return self._run("iv_query_metrics", by=by, where=where, model=model, start=start,
                         end=end, **kw)

    def period_compare(self, prev_start, prev_end, by=None, where=None, model=None,
                       start=None, end=None, **kw):
        """Period-on-period comparison: one row per group and metric with `metric`,
        `value`, `previous`, `change`, `relative_change` (the selection vs the same
        selection over [prev_start, prev_end))."""
        return self._run("iv_query_compare", to_ms(prev_start, "prev_start"),
                         to_ms(prev_end, "prev_end"), by=by, where=where, model=model,
                         start=start, end=end, **kw)

    def drill(self, group, by=None, where=None, model=None, start=None, end=None, **kw):
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

    def contacts_table(self, where=None, model=None, start=None, end=None, **kw):
        """Per-contact attributes (SPEC 3.3): contact, first_ts, last_ts, n, cost, value,
        rv, profit, contact_stage, profit_tier, community_role and one bool per flag."""
        return self._run("iv_query_contacts", where=where, model=model, start=start,
                         end=end, **kw)

    def compare(self, metric, a, b, where=None, model=None, start=None, end=None,
                confidence=None, mwu_method=None, mwu_continuity=None):
        """Segment vs segment (SPEC 5 `compare`): the per-contact `metric` (a name of
        SPEC 3.2 computed over each contact's interactions in the selection) compared
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

    def rfm(self, calibration_end=None, unit="week", model=None, holdout_end=None):
        """The RFM summary per contact from its purchase-flagged interactions (columns
        contact, x, t_x, T, zbar, first, holdout_x, holdout_value)."""
        from .clv import _rfm
        return _rfm(self, calibration_end, unit, model, holdout_end)


def load(path, **opts):
    """Ingest one file (or a list of files) into a new Store (SPEC 5).

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
