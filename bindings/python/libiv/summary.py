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
from ctypes import POINTER, Structure, c_char_p, c_double, c_int, c_size_t, c_uint32, c_void_p

from . import _lib
from ._errors import check
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
            raise ValueError("merge_all: no summaries")
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
