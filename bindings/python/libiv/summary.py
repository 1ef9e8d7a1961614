"""Summaries (doc/SUMMARIES.md): mergeable aggregates of a grouped query, and the partition hash.

A summary holds, per group of a query, the counts and exact sums behind every metric of
``Store.metrics`` plus relative-error sketches of per-contact metrics (n, cost, value,
rv, rv_per_interaction) -- no contact ids, no interactions. Summaries of parts of a log
merge exactly (in any order: same bytes), so a log split by contact can be processed on
many workers and merged into the single-process result::

    from libiv.summary import Summary, partition_of
    s = Summary.make(store, by=["team", "month"])
    blob = s.to_bytes()                 # send it anywhere
    total = Summary.merge_all([Summary.from_bytes(b) for b in blobs])
    total.metrics().to_records()        # == store.metrics(by=[...]) on the whole log

See doc/SUMMARIES.md.
"""

from typing import Any, Dict
import ctypes
from typing import Any, Iterable
from ctypes import POINTER, Structure, c_char_p, c_double, c_int, c_size_t, c_uint32, c_void_p

from . import _lib
from ._errors import check, invalid, wrong_type
from ._util import Handle
from .table import Table


class SummaryOptions(Structure):
    _fields_ = [("size", c_size_t), ("alloc", _lib.ALLOC_FN), ("alloc_ud", c_void_p),
                ("alpha", c_double)]


_P, _PP = c_void_p, POINTER(c_void_p)
_PROTOS = {
    "iv_summary_options_init": (c_int, [POINTER(SummaryOptions), c_size_t]),
    "iv_summary_make": (c_int, [_PP, _P, POINTER(_lib.QueryOptions), POINTER(SummaryOptions)]),
    "iv_summary_merge": (c_int, [_P, _P]),
    "iv_summary_free": (None, [_P]),
    "iv_summary_groups": (c_size_t, [_P]),
    "iv_summary_metrics": (c_int, [_PP, _P]),
    "iv_summary_quantile": (c_int, [_P, c_size_t, c_char_p, c_double, POINTER(c_double)]),
    "iv_summary_compare": (c_int, [_PP, _P, c_size_t, _P, c_size_t, c_char_p, c_void_p]),
    "iv_summary_to_bytes": (c_int, [_P, _PP, POINTER(c_size_t)]),
    "iv_summary_free_bytes": (None, [_P, c_void_p, c_size_t]),
    "iv_summary_from_bytes": (c_int, [_PP, c_char_p, c_size_t, POINTER(SummaryOptions)]),
    "iv_summary_save": (c_int, [_P, c_char_p]),
    "iv_summary_load": (c_int, [_PP, c_char_p, POINTER(SummaryOptions)]),
    "iv_partition_of": (c_uint32, [c_char_p, c_size_t, c_uint32]),
}
_cache: Dict[str, Any] = {}


def _fn(name: Any) -> Any:
    f = _cache.get(name)
    if f is None:
        f = getattr(_lib.lib, name)
        f.restype, f.argtypes = _PROTOS[name]
        _cache[name] = f
    return f


def _options(alpha: Any=None) -> Any:
    o = SummaryOptions()
    check(_fn("iv_summary_options_init")(ctypes.byref(o), ctypes.sizeof(o)))
    if alpha is not None:
        o.alpha = float(alpha)
    return o


# FNV-1a 64 (Fowler, Noll & Vo): the documented partition hash of iv_partition_of().
_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211


def partition_of(contact: Any, nparts: Any) -> Any:
    """The part (0 .. nparts-1) of a contact id: FNV-1a 64 of its UTF-8 bytes modulo
    nparts -- the same number iv_partition_of() and `iv partition` give, computed here
    in pure Python so that a scheduler can split a log without loading libiv."""
    if nparts <= 1:
        return 0
    h = _FNV_OFFSET
    for b in contact.encode("utf-8") if isinstance(contact, str) else bytes(contact):
        h = ((h ^ b) * _FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h % nparts


def partition_of_c(contact: Any, nparts: Any) -> Any:
    """The same, computed by the C library (for cross-checks)."""
    b = _lib.enc(contact)
    return _fn("iv_partition_of")(b, len(b), nparts)


class Summary(Handle):
    """A mergeable summary (iv_summary)."""

    _free = "iv_summary_free"

    def __init__(self, handle: Any) -> None:
        self._h = handle

    def close(self) -> None:
        h, self._h = self._h, None
        if h:
            _fn("iv_summary_free")(h)

    # --- making and reading --------------------------------------------------------
    @classmethod
    def make(cls, store: Any, by: Any=None, where: Any=None, model: Any=None, start: Any=None, end: Any=None, alpha: Any=None,
             **kw: Any) -> Any:
        """Summarise store.metrics(by, where, model, start, end, ...) (same arguments);
        alpha is the sketches' relative accuracy (default 0.01)."""
        from .store import _query_options
        q, keep, prog = _query_options(by=by, where=where, model=model, start=start, end=end,
                                       **kw)
        o = _options(alpha)
        out = c_void_p()
        rc = _fn("iv_summary_make")(ctypes.byref(out), store._prepared(), ctypes.byref(q),
                                    ctypes.byref(o))
        prog.reraise()
        check(rc)
        del keep
        return cls(out.value)

    @classmethod
    def from_bytes(cls, data: Any) -> Any:
        """Parse bytes from to_bytes() (safe on untrusted input: CorruptError or
        VersionError on anything else)."""
        data = bytes(data)
        out = c_void_p()
        check(_fn("iv_summary_from_bytes")(ctypes.byref(out), data, len(data), None))
        return cls(out.value)

    @classmethod
    def load(cls, path: Any) -> Any:
        """Read a summary file (iv_summary_save / `iv summary make`)."""
        out = c_void_p()
        check(_fn("iv_summary_load")(ctypes.byref(out), _lib.enc(str(path)), None))
        return cls(out.value)

    def to_bytes(self) -> Any:
        """The versioned, little-endian, CRC-checked byte string (equal summaries give
        equal bytes)."""
        p, n = c_void_p(), c_size_t()
        check(_fn("iv_summary_to_bytes")(self._handle(), ctypes.byref(p), ctypes.byref(n)))
        try:
            return ctypes.string_at(p.value or 0, n.value)
        finally:
            _fn("iv_summary_free_bytes")(self._handle(), p, n)

    def save(self, path: Any) -> None:
        """Write atomically to a file."""
        check(_fn("iv_summary_save")(self._handle(), _lib.enc(str(path))))

    # --- merging -------------------------------------------------------------------
    def merge(self, other: Any) -> Any:
        """Add other into self (exact; groups matched by key labels). Returns self."""
        check(_fn("iv_summary_merge")(self._handle(), other._handle()))
        return self

    @classmethod
    def merge_all(cls, summaries: Any) -> Any:
        """A new summary: the merge of an iterable of summaries (or their bytes)."""
        acc = None
        for s in summaries:
            if not isinstance(s, Summary):
                s = cls.from_bytes(s)
            if acc is None:
                acc = cls.from_bytes(s.to_bytes())
            else:
                acc.merge(s)
        if acc is None:
            raise invalid("merge_all: no summaries")
        return acc

    # --- results -------------------------------------------------------------------
    def __len__(self) -> Any:
        return _fn("iv_summary_groups")(self._handle())

    def metrics(self) -> Any:
        """The same Table as Store.metrics() with the query the summary was made with."""
        out = c_void_p()
        check(_fn("iv_summary_metrics")(ctypes.byref(out), self._handle()))
        return Table._take(out)

    def quantile(self, group: Any, metric: Any, p: Any=0.5) -> Any:
        """Quantile p of a per-contact metric (n, cost, value, rv, rv_per_interaction)
        in group (0-based row of metrics()), within the sketch's relative accuracy."""
        v = c_double()
        check(_fn("iv_summary_quantile")(self._handle(), group, _lib.enc(metric), p,
                                         ctypes.byref(v)))
        return None if v.value != v.value else v.value

    def compare(self, group: Any, other: Any, other_group: Any, metric: Any) -> Any:
        """Segment vs segment on a per-contact metric from two summaries alone: the
        doc/GUIDE.md §3 `compare` row (n_a, n_b, mean_a, ..., cliffs_delta) as a Table."""
        out = c_void_p()
        check(_fn("iv_summary_compare")(ctypes.byref(out), self._handle(), group,
                                        other._handle(), other_group, _lib.enc(metric), None))
        return Table._take(out)

    def __repr__(self) -> Any:
        if not self._h:
            return "<libiv.Summary (closed)>"
        return "<libiv.Summary: %d groups>" % len(self)


# --- partials: a mergeable summary of every analysis (doc/SUMMARIES.md, Partials) -------

_PARTIAL_KINDS = {"churn": 1, "retention": 2, "cohorts": 3, "funnel": 4, "lifecycle": 5,
                  "stickiness": 6}
_PROTOS.update({
    "iv_partial_lifecycle": (c_int, [_PP, c_int, _P, c_void_p, c_void_p]),
    "iv_partial_kind_of": (c_int, [_P]),
    "iv_partial_merge": (c_int, [_P, _P]),
    "iv_partial_result": (c_int, [_PP, _P]),
    "iv_partial_to_bytes": (c_int, [_P, _PP, POINTER(c_size_t)]),
    "iv_partial_free_bytes": (None, [_P, c_void_p, c_size_t]),
    "iv_partial_from_bytes": (c_int, [_PP, c_char_p, c_size_t, c_void_p]),
    "iv_partial_free": (None, [_P]),
    "iv_partial_clv": (c_int, [_PP, c_int, _P, c_void_p]),
    "iv_partial_clv_fit": (c_int, [_PP, _P, c_void_p]),
    "iv_partial_compare": (c_int, [_PP, _P, c_void_p, c_char_p, c_char_p, c_char_p, c_void_p]),
    "iv_partial_funnel_histogram": (c_int, [_PP, _P]),
    "iv_partial_norm": (c_int, [_PP, _P, c_void_p, c_void_p, c_double]),
})
_PARTIAL_KINDS_OTHER = {"clv": 7, "compare": 8, "norm": 9}
_SUMMARY_MAGIC = b"\x89IVSUM\r\n"
_PARTIAL_MAGIC = b"\x89IVPRT\r\n"


def _lifecycle_options(command: str, opts: "dict[str, Any]") -> "tuple[Any, Any]":
    """The iv_lifecycle_options of a lifecycle command from the keyword arguments its
    Store method takes (the same helpers build them); returns (options, buffers to keep)."""
    from . import lifecycle as lc
    from ._util import to_ms
    if command in ("churn", "retention"):
        lo = lc._options(t0=to_ms(opts.pop("t0", None), "t0"), t1=to_ms(opts.pop("t1", None), "t1"),
                         window=lc.duration_ms(opts.pop("window", None), "window"),
                         every=lc._every_code(opts.pop("every", None)))
        return lo, None
    if command == "cohorts":
        st = lc._types_text(opts.pop("start_types", None))
        rt = lc._types_text(opts.pop("return_types", None))
        lo = lc._options(period=lc._code(lc.PERIODS, opts.pop("period", "week"), "period"),
                         start_types=st, return_types=rt)
        return lo, (st, rt)
    if command == "funnel":
        if "steps" not in opts:
            raise wrong_type("Partial.make('funnel'): steps is required")
        text, ex = lc._steps_text(opts.pop("steps")), lc._exclude_text(opts.pop("exclude", None))
        lo = lc._options(steps=text, mode=lc._code(lc.MODES, opts.pop("mode", "ordered"), "mode"),
                         window=lc.duration_ms(opts.pop("window", None), "window"), exclude=ex)
        return lo, (text, ex)
    lo = lc._options(period=lc._code(lc.PERIODS, opts.pop("period", "week"), "period"))
    return lo, None


class Partial:
    """A mergeable summary of one analysis over one part of a store partitioned by
    contact (iv_partial; for "metrics" a :class:`Summary`). Partials of every part,
    merged in any order, give through :meth:`result` the object the Store method
    returns on the whole store::

        p = Partial.make(store, "churn", every="month")   # per part, on a worker
        b = p.to_bytes()                                   # to the client
        total = Partial.merge_all([Partial.from_bytes(x) for x in blobs])
        total.result()                                     # == whole.churn(every="month")

    Commands: "metrics", "churn", "retention", "cohorts", "funnel", "lifecycle",
    "stickiness"; options are the keyword arguments of the matching Store method
    (for "metrics", those of Summary.make). "clv" summarises the input of a CLV fit
    with the keywords of CLV.fit_store that choose it (model, calibration_end, unit,
    scoring_model); its result(**fit_options) is the CLV that CLV.fit_store(whole store,
    ...) returns (bit for bit), and table() the merged distinct per-contact summaries
    with their counts. "compare" takes the arguments of Store.compare (metric, a, b,
    where, model, start, end, confidence, mwu_method, mwu_continuity, and t_ref, which a
    model with an RV half-life needs); its result is Store.compare's row bit for bit.
    "funnel_histogram" is the funnel's partial whose result() is the table of
    libiv.lifecycle.funnel_histogram (any funnel partial gives it through histogram()).
    "norm" takes the keywords of Store.norm / libiv.pattern.norm_of (where, start, end,
    model, t_ref, bucket, buckets, align, origin) plus alpha (the quantile sketches'
    relative accuracy, default 0.01; 0 keeps exact values). Age and calendar alignment
    need t_ref (or end): the default reference time, the whole store's last timestamp,
    is not known to one part; calendar alignment needs origin (or start). Its result is
    the norm table: contacts exact, quantiles and MAD within the bound of
    doc/SUMMARIES.md (with alpha=0 norm_of's table bit for bit)."""

    COMMANDS = ("metrics",) + tuple(_PARTIAL_KINDS) + tuple(_PARTIAL_KINDS_OTHER) + ("funnel_histogram",)

    def __init__(self, command: str, handle: "int | None" = None,
                 summary: "Summary | None" = None) -> None:
        self.command = command
        self._h = handle
        self._summary = summary

    # --- lifetime ------------------------------------------------------------------
    def close(self) -> None:
        """Free the C object now (also done when garbage-collected)."""
        h, self._h = self._h, None
        if h:
            _fn("iv_partial_free")(h)
        if self._summary is not None:
            self._summary.close()
            self._summary = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass

    def __enter__(self) -> "Partial":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _handle(self) -> int:
        if not self._h:
            from ._errors import StateError
            raise StateError(-10, "the partial is closed")
        return self._h

    # --- making and reading --------------------------------------------------------
    @classmethod
    def make(cls, store: Any, command: str, **options: Any) -> "Partial":
        """The partial of `command` over `store` (one part: every row of its contacts)
        with the options the matching Store method takes."""
        if command == "metrics":
            return cls("metrics", summary=Summary.make(store, **options))
        if command == "clv":
            return cls._make_clv(store, **options)
        if command == "compare":
            return cls._make_compare(store, **options)
        if command == "norm":
            return cls._make_norm(store, **options)
        if command == "funnel_histogram":  # the funnel's partial; result() the histogram
            p = cls.make(store, "funnel", **options)
            p.command = "funnel_histogram"
            return p
        kind = _PARTIAL_KINDS.get(command)
        if kind is None:
            raise invalid("Partial.make: unknown command %r (one of %s)" % (
                command, ", ".join(cls.COMMANDS)))
        from .store import _query_options
        opts = dict(options)
        lo, keep_lo = _lifecycle_options(command, opts)
        q, keep, prog = _query_options(**opts)
        out = c_void_p()
        rc = _fn("iv_partial_lifecycle")(ctypes.byref(out), kind, store._prepared(),
                                         ctypes.byref(q), ctypes.byref(lo))
        prog.reraise()
        check(rc)
        del keep, keep_lo
        return cls(command, handle=out.value)

    @classmethod
    def _make_clv(cls, store: Any, model: "str | int" = "bgnbd", calibration_end: Any = None,
                  unit: "str | int" = "week", scoring_model: Any = None) -> "Partial":
        from .clv import _model_code, _rfm_options
        o, keep = _rfm_options(calibration_end, unit, scoring_model)
        out = c_void_p()
        check(_fn("iv_partial_clv")(ctypes.byref(out), _model_code(model), store._prepared(),
                                    ctypes.byref(o)))
        del keep
        return cls("clv", handle=out.value)

    @classmethod
    def _make_compare(cls, store: Any, metric: str, a: str, b: str, where: Any = None,
                      model: Any = None, start: Any = None, end: Any = None, t_ref: Any = None,
                      confidence: Any = None, mwu_method: Any = None,
                      mwu_continuity: Any = None) -> "Partial":
        from .stats import _options as stats_options
        from .store import _query_options
        q, keep, prog = _query_options(where=where, model=model, start=start, end=end, t_ref=t_ref)
        so = stats_options(confidence, mwu_method, mwu_continuity)
        out = c_void_p()
        rc = _fn("iv_partial_compare")(ctypes.byref(out), store._prepared(), ctypes.byref(q),
                                       _lib.enc(metric), _lib.enc(a), _lib.enc(b), ctypes.byref(so))
        prog.reraise()
        check(rc)
        del keep
        return cls("compare", handle=out.value)

    @classmethod
    def _make_norm(cls, store: Any, alpha: float = 0.01, **kw: Any) -> "Partial":
        from .pattern import _store_options
        from .store import _query_options
        kw = dict(kw)
        o, keep_o = _store_options(kw)
        q, keep, prog = _query_options(**kw)
        out = c_void_p()
        rc = _fn("iv_partial_norm")(ctypes.byref(out), store._prepared(), ctypes.byref(q),
                                    ctypes.byref(o), float(alpha))
        prog.reraise()
        check(rc)
        del keep, keep_o
        return cls("norm", handle=out.value)

    @classmethod
    def from_bytes(cls, data: bytes) -> "Partial":
        """Parse bytes from to_bytes() (safe on untrusted input: CorruptError or
        VersionError on anything else)."""
        data = bytes(data)
        if data[:8] == _SUMMARY_MAGIC:
            return cls("metrics", summary=Summary.from_bytes(data))
        out = c_void_p()
        check(_fn("iv_partial_from_bytes")(ctypes.byref(out), data, len(data), None))
        kind = _fn("iv_partial_kind_of")(out.value)
        names = {v: k for k, v in list(_PARTIAL_KINDS.items()) + list(_PARTIAL_KINDS_OTHER.items())}
        return cls(names[kind], handle=out.value)

    def to_bytes(self) -> bytes:
        """The versioned, little-endian, CRC-checked byte string (equal partials give
        equal bytes)."""
        if self._summary is not None:
            return bytes(self._summary.to_bytes())
        p, n = c_void_p(), c_size_t()
        check(_fn("iv_partial_to_bytes")(self._handle(), ctypes.byref(p), ctypes.byref(n)))
        try:
            return ctypes.string_at(p.value or 0, n.value)
        finally:
            _fn("iv_partial_free_bytes")(self._handle(), p, n)

    # --- merging -------------------------------------------------------------------
    def merge(self, other: "Partial") -> "Partial":
        """Add other into self (exact, any order). Returns self."""
        if (self._summary is None) != (other._summary is None):
            from ._errors import InvalidArgumentError
            raise InvalidArgumentError(-2, "partials of %r and %r do not merge" % (
                self.command, other.command))
        if self._summary is not None and other._summary is not None:
            self._summary.merge(other._summary)
        else:
            check(_fn("iv_partial_merge")(self._handle(), other._handle()))
        return self

    @classmethod
    def merge_all(cls, partials: "Iterable[Partial | bytes]") -> "Partial":
        """A new partial: the merge of an iterable of partials (or their bytes)."""
        acc: "Partial | None" = None
        for p in partials:
            if not isinstance(p, Partial):
                p = cls.from_bytes(p)
            if acc is None:
                acc = cls.from_bytes(p.to_bytes())
                if p.command == "funnel_histogram":
                    acc.command = p.command
            else:
                acc.merge(p)
        if acc is None:
            raise invalid("merge_all: no partials")
        return acc

    # --- result --------------------------------------------------------------------
    def result(self, **fit_options: Any) -> Any:
        """What the Store method returns on the whole store: a Table (a FunnelTable
        for "funnel"); for "clv" the fitted CLV, with the fit options of CLV.fit
        (max_iterations, tolerance, start, progress, penalizer)."""
        if self._summary is not None:
            return self._summary.metrics()
        if self.command == "clv":
            from .clv import CLV, _options as clv_options
            o, prog = clv_options(**fit_options)
            fit = c_void_p()
            rc = _fn("iv_partial_clv_fit")(ctypes.byref(fit), self._handle(), ctypes.byref(o))
            prog.reraise()
            check(rc)
            return CLV(None, _handle=fit.value)
        if fit_options:
            raise invalid("Partial.result: options are for 'clv' only (got %s)"
                          % ", ".join(sorted(fit_options)))
        if self.command == "funnel_histogram":
            return self.histogram()
        return self.table()

    def histogram(self) -> Table:
        """A funnel partial's time-to-convert histogram: what
        libiv.lifecycle.funnel_histogram returns on the whole store with the same options."""
        if self.command not in ("funnel", "funnel_histogram"):
            raise invalid("Partial.histogram: a %r partial has no histogram (funnel only)"
                          % self.command)
        out = c_void_p()
        check(_fn("iv_partial_funnel_histogram")(ctypes.byref(out), self._handle()))
        return Table._take(out)

    def table(self) -> Any:
        """The merged table: the analysis' result, or for "clv" the distinct per-contact
        summaries (x, t_x, T, zbar; x, t_x, n for bgbb; periods, churned for sbg) with
        their count."""
        if self._summary is not None:
            return self._summary.metrics()
        out = c_void_p()
        check(_fn("iv_partial_result")(ctypes.byref(out), self._handle()))
        if self.command == "funnel":
            from .lifecycle import FunnelTable
            return FunnelTable._take(out)
        return Table._take(out)

    def __repr__(self) -> str:
        return "<libiv.Partial %s%s>" % (self.command, "" if self._h or self._summary else " (closed)")
