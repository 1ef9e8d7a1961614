"""RV patterns (doc/PATTERN.md): trajectories, norms, a contact against a norm, nearest norm,
segment compare, A/B efficacy, prioritising, stalled contacts, next best action -- and
the array-level kernels (Euclidean, DTW, LB_Keogh, nearest, norm, z against a norm).

The store-level functions are exposed as ``Store`` methods (``trajectories``, ``norm``,
``contact_vs_norm``, ``nearest_norm``, ``segment_compare``, ``ab``, ``rank``,
``stalled``, ``next_best_action``). Their keywords are the C option fields of
iv_pattern_store_options (``bucket``, ``buckets``, ``align``, ``origin``, ``window``,
``distance``, ``prune``, ``anomaly_z``, ``quantile``, ``all``, ``success``, ``top``,
``group_a``, ``group_b``) and of iv_stats_options (``confidence``, ``mwu_method``,
``mwu_continuity``), plus the query keywords of :meth:`Store.metrics`. Each returns the
:class:`Table` that ``iv pattern ... --format json`` / ``iv compare`` prints.
See doc/PATTERN.md.
"""

from typing import TYPE_CHECKING, Any, List, Optional, Sequence, Tuple, Union
import ctypes
import math
from ctypes import (POINTER, Structure, c_char_p, c_double, c_int, c_int64, c_size_t,
                    c_void_p)

from . import _lib
from ._errors import check, invalid
from ._util import to_ms
from .lifecycle import _code, duration_ms
from .stats import _sample as _array
from ._types import Matrix, Sample, TimeLike
from .table import Table

if TYPE_CHECKING:
    from .store import Store

ALIGN = {"age": 0, "calendar": 1, "index": 2}
DISTANCE = {"dtw": 0, "euclidean": 1}


class PatternOptions(Structure):
    """iv_pattern_options, field for field."""
    _fields_ = [("size", c_size_t), ("alloc", _lib.ALLOC_FN), ("alloc_ud", c_void_p),
                ("window", c_size_t), ("anomaly_z", c_double), ("distance", c_int),
                ("prune", c_int)]


class PatternStoreOptions(Structure):
    """iv_pattern_store_options, field for field."""
    _fields_ = [("size", c_size_t), ("bucket", c_int64), ("buckets", c_size_t),
                ("align", c_int), ("origin", c_int64), ("window", c_size_t),
                ("distance", c_int), ("prune", c_int), ("anomaly_z", c_double),
                ("quantile", c_double), ("all", c_int), ("success", c_char_p),
                ("top", c_size_t), ("group_a", c_char_p), ("group_b", c_char_p),
                ("stats", POINTER(_lib.StatsOptions))]


_P, _PP, _PD = c_void_p, POINTER(c_void_p), POINTER(c_double)
_Q, _SO = POINTER(_lib.QueryOptions), POINTER(PatternStoreOptions)
_AO = POINTER(PatternOptions)
_STORE_RUN = (c_int, [_PP, _P, _Q, _SO])
_PROTOS = {
    "iv_pattern_options_init": (c_int, [_AO, c_size_t]),
    "iv_pattern_euclidean": (c_double, [_PD, _PD, c_size_t]),
    "iv_pattern_dtw": (c_int, [_PD, _PD, _PD, c_size_t, c_double, _AO]),
    "iv_pattern_envelope": (c_int, [_PD, _PD, _PD, c_size_t, _AO]),
    "iv_pattern_lb_keogh": (c_double, [_PD, _PD, _PD, c_size_t]),
    "iv_pattern_nearest": (c_int, [POINTER(c_int64), _PD, _PD, c_size_t, _PD, c_size_t,
                                   c_size_t, _AO]),
    "iv_pattern_norm": (c_int, [_PP, _PD, c_size_t, c_size_t, _AO]),
    "iv_pattern_vs_norm": (c_int, [_PP, _PD, _PD, _PD, c_size_t, c_size_t, _AO]),
    "iv_pattern_store_options_init": (c_int, [_SO, c_size_t]),
    "iv_pattern_trajectories": _STORE_RUN,
    "iv_pattern_norm_of": _STORE_RUN,
    "iv_pattern_rank": _STORE_RUN,
    "iv_pattern_stalled": _STORE_RUN,
    "iv_pattern_contact_vs_norm": (c_int, [_PP, _PP, _P, c_char_p, _Q, _SO]),
    "iv_pattern_nearest_norm": (c_int, [_PP, _P, _Q, POINTER(c_char_p), c_size_t, _SO]),
    "iv_pattern_compare": (c_int, [_PP, _P, _Q, c_char_p, c_char_p, c_char_p,
                                   POINTER(_lib.StatsOptions)]),
    "iv_pattern_ab": (c_int, [_PP, _P, _Q, c_char_p, c_int64, c_int64, _SO]),
    "iv_pattern_next": (c_int, [_PP, _P, c_char_p, _Q, _SO]),
}
_fn = _lib.binder(_PROTOS)


# --- array-level kernels ----------------------------------------------------------------

def _matrix(rows: Any, what: Any) -> Any:
    """A list of equal-length series or a 2-D numpy array -> (pointer, n, k, keep)."""
    shape = getattr(rows, "shape", None)
    if shape is not None and len(shape) == 2:
        p, _, keep = _array(rows)
        return p, shape[0], shape[1], keep
    rows = [list(r) for r in rows]
    k = len(rows[0]) if rows else 0
    if any(len(r) != k for r in rows):
        raise invalid("%s: every series must have the same length" % what)
    p, _, keep = _array([v for r in rows for v in r])
    return p, len(rows), k, keep


def _pair(x: Any, y: Any) -> Any:
    px, n, kx = _array(x)
    py, m, ky = _array(y)
    if n != m:
        raise invalid("the two series have different lengths (%d, %d)" % (n, m))
    return px, py, n, (kx, ky)


def _opts(window: Any=None, anomaly_z: Any=None, distance: Any=None, prune: Any=None) -> Any:
    o = PatternOptions()
    check(_fn("iv_pattern_options_init")(ctypes.byref(o), ctypes.sizeof(o)))
    if window is not None:
        o.window = int(window)
    if anomaly_z is not None:
        o.anomaly_z = float(anomaly_z)
    if distance is not None:
        o.distance = _code(DISTANCE, distance, "distance")
    if prune is not None:
        o.prune = 1 if prune else 0
    return o


def _none(v: float) -> Optional[float]:
    return None if math.isnan(v) else v


def euclidean(x: Sample, y: Sample) -> Optional[float]:
    """Euclidean distance over the common observed prefix (None when there is none)."""
    px, py, n, keep = _pair(x, y)
    return _none(_fn("iv_pattern_euclidean")(px, py, n))


def dtw(x: Sample, y: Sample, window: Optional[int] = None,
        cutoff: float = math.inf) -> Optional[float]:
    """DTW distance, Sakoe-Chiba window |i - j| <= window (default 3), over the common
    observed prefix; inf when it exceeds cutoff, None when nothing is comparable."""
    px, py, n, keep = _pair(x, y)
    o = _opts(window=window)
    out = c_double()
    check(_fn("iv_pattern_dtw")(ctypes.byref(out), px, py, n, float(cutoff), ctypes.byref(o)))
    return _none(out.value)


def envelope(y: Sample, window: Optional[int] = None
             ) -> Tuple[List[Optional[float]], List[Optional[float]]]:
    """LB_Keogh envelope of y: (lower, upper) lists; None past y's observed prefix."""
    py, n, keep = _array(y)
    lo, up = (c_double * max(n, 1))(), (c_double * max(n, 1))()
    o = _opts(window=window)
    check(_fn("iv_pattern_envelope")(lo, up, py, n, ctypes.byref(o)))
    return [_none(lo[i]) for i in range(n)], [_none(up[i]) for i in range(n)]


def lb_keogh(x: Sample, lower: Sample, upper: Sample) -> Optional[float]:
    """LB_Keogh lower bound of DTW(x, y) from y's envelope (None: nothing comparable)."""
    px, n, kx = _array(x)
    pl, nl, kl = _array(lower)
    pu, nu, ku = _array(upper)
    if not n == nl == nu:
        raise invalid("lb_keogh: x, lower and upper must have the same length")
    return _none(_fn("iv_pattern_lb_keogh")(px, pl, pu, n))


def nearest(queries: Matrix, norms: Matrix, distance: Union[None, str, int] = None,
            window: Optional[int] = None, prune: Optional[bool] = None
            ) -> Tuple[List[int], List[Optional[float]]]:
    """For each query series, the nearest norm series: (indices, distances), index -1
    and distance None when nothing is comparable. queries, norms: lists of series of
    one length (or 2-D numpy arrays)."""
    pq, nq, kq, keepq = _matrix(queries, "queries")
    pn, nk, kn, keepn = _matrix(norms, "norms")
    if nq and nk and kq != kn:
        raise invalid("nearest: queries have %d buckets, norms %d" % (kq, kn))
    idx, dist = (c_int64 * max(nq, 1))(), (c_double * max(nq, 1))()
    o = _opts(window=window, distance=distance, prune=prune)
    check(_fn("iv_pattern_nearest")(idx, dist, pq, nq, pn, nk, kq if nq else kn,
                                    ctypes.byref(o)))
    return [idx[i] for i in range(nq)], [_none(dist[i]) for i in range(nq)]


def norm(trajectories: Matrix) -> Table:
    """The norm of a set of trajectories (N series of K buckets, None/NaN unobserved):
    per bucket contacts, median, p10, p25, p75, p90, mad (type-7 quantiles)."""
    p, n, k, keep = _matrix(trajectories, "trajectories")
    out = c_void_p()
    check(_fn("iv_pattern_norm")(ctypes.byref(out), p, n, k, None))
    return Table._take(out)


def vs_norm(x: Sample, trajectories: Matrix, anomaly_z: Optional[float] = None
            ) -> Tuple[Table, List[Optional[float]]]:
    """A trajectory against the norm of a set: (single-row Table with buckets, mean_z,
    max_abs_z, anomaly, latest_bucket, value, percentile; the per-bucket robust z as a
    list, None where not compared)."""
    px, k, kx = _array(x)
    p, n, kt, keep = _matrix(trajectories, "trajectories")
    if n and kt != k:
        raise invalid("vs_norm: x has %d buckets, the trajectories %d" % (k, kt))
    z = (c_double * max(k, 1))()
    o = _opts(anomaly_z=anomaly_z)
    out = c_void_p()
    check(_fn("iv_pattern_vs_norm")(ctypes.byref(out), z, px, p, n, k, ctypes.byref(o)))
    return Table._take(out), [_none(z[i]) for i in range(k)]


# --- over a store -----------------------------------------------------------------------

_STATS_KEYS = ("confidence", "mwu_method", "mwu_continuity")


def _store_options(kw: Any) -> Any:
    """iv_pattern_store_options from the keywords it names (removed from kw)."""
    o = PatternStoreOptions()
    check(_fn("iv_pattern_store_options_init")(ctypes.byref(o), ctypes.sizeof(o)))
    if "bucket" in kw:
        o.bucket = duration_ms(kw.pop("bucket"), "bucket") or o.bucket
    if "origin" in kw:
        o.origin = to_ms(kw.pop("origin"), "origin")
    for k, conv in (("buckets", int), ("window", int), ("top", int), ("all", int),
                    ("prune", int), ("anomaly_z", float), ("quantile", float)):
        if k in kw:
            setattr(o, k, conv(kw.pop(k)))
    if "align" in kw:
        o.align = _code(ALIGN, kw.pop("align"), "align")
    if "distance" in kw:
        o.distance = _code(DISTANCE, kw.pop("distance"), "distance")
    keep = []
    for k in ("success", "group_a", "group_b"):
        v = kw.pop(k, None)
        if v is not None:
            b = _lib.enc(v)
            keep.append(b)
            setattr(o, k, b)
    st = _stats_options(kw)
    if st is not None:
        keep.append(st)
        o.stats = ctypes.pointer(st)
    return o, keep


def _stats_options(kw: Any) -> Any:
    if not any(k in kw for k in _STATS_KEYS):
        return None
    from .stats import _options
    return _options(**{k: kw.pop(k) for k in _STATS_KEYS if k in kw})


def _call(name: str, store: "Store", kw: Any, before: Any = (), after: Any = ()) -> Table:
    """Run a store-level function: name(out, store, *before, q, *after, opts) with the
    query and pattern options taken from kw."""
    from .store import _query_options
    o, keep_o = _store_options(kw)
    q, keep, prog = _query_options(**kw)
    out = c_void_p()
    rc = _fn(name)(ctypes.byref(out), store._prepared(), *before, ctypes.byref(q), *after,
                   ctypes.byref(o))
    prog.reraise()
    check(rc)
    del keep, keep_o
    return Table._take(out)


def trajectories(store: "Store", **kw: Any) -> Table:
    """Cumulative RV trajectories, one row per selected contact: contact, origin,
    b1..bK (None = unobserved). bucket (ms, timedelta or '7d'), buckets (26),
    align ('age' | 'calendar' | 'index'), origin (calendar); query keywords."""
    return _call("iv_pattern_trajectories", store, kw)


def norm_of(store: "Store", **kw: Any) -> Table:
    """The norm of the subset `where` selects: per bucket contacts, median, p10, p25,
    p75, p90, mad. Trajectory keywords as trajectories()."""
    return _call("iv_pattern_norm_of", store, kw)


def contact_vs_norm(store: "Store", contact: str, per_bucket: bool = False,
                    **kw: Any) -> Union[Table, Tuple[Table, Table]]:
    """A contact's trajectory against the norm of the subset `where` selects (the
    norm's subset, not the contact's interactions): the single row contact, buckets,
    mean_z, max_abs_z, anomaly, latest_bucket, value, percentile. With per_bucket=True,
    returns (that row's Table, a Table per bucket: bucket, value, contacts, median, p10,
    p25, p75, p90, mad, z) -- the second is `iv pattern compare --detail`."""
    from .store import _query_options
    o, keep_o = _store_options(kw)
    q, keep, prog = _query_options(**kw)
    out, det = c_void_p(), c_void_p()
    rc = _fn("iv_pattern_contact_vs_norm")(ctypes.byref(out),
                                           ctypes.byref(det) if per_bucket else None,
                                           store._prepared(), _lib.enc(contact),
                                           ctypes.byref(q), ctypes.byref(o))
    prog.reraise()
    check(rc)
    del keep, keep_o
    t = Table._take(out)
    return (t, Table._take(det)) if per_bucket else t


def nearest_norm(store: "Store", subsets: Union[str, Sequence[str]], **kw: Any) -> Table:
    """For each contact `where` selects, the subset (a list of selection expressions)
    whose median trajectory is nearest: contact, subset (0-based), expression, distance.
    window, distance ('dtw' | 'euclidean'), prune and the trajectory keywords."""
    if isinstance(subsets, str):
        subsets = [subsets]
    enc = [_lib.enc(s) for s in subsets]
    arr = (c_char_p * max(len(enc), 1))(*enc)
    return _call("iv_pattern_nearest_norm", store, kw, after=(arr, len(enc)))


def segment_compare(store: "Store", metric: str, where_a: str, where_b: str, **kw: Any) -> Table:
    """Segment versus segment on a per-contact metric (the doc/GUIDE.md §3 `compare` row,
    `iv compare`): (where) and (where_a) against (where) and (where_b).
    confidence, mwu_method, mwu_continuity; query keywords."""
    from .store import _query_options
    st = _stats_options(kw)
    q, keep, prog = _query_options(**kw)
    out = c_void_p()
    rc = _fn("iv_pattern_compare")(ctypes.byref(out), store._prepared(), ctypes.byref(q),
                                   _lib.enc(metric), _lib.enc(where_a), _lib.enc(where_b),
                                   ctypes.byref(st) if st is not None else None)
    prog.reraise()
    check(rc)
    del keep
    return Table._take(out)


def ab(store: "Store", by: str, t0: TimeLike, t1: TimeLike, **kw: Any) -> Table:
    """A/B efficacy: per-contact change in RV over [t0, t1) compared between the groups
    of the dimension `by` (every pair, or group_a versus group_b): group_a, group_b and
    the `compare` columns. confidence, mwu_method, mwu_continuity; query keywords (the
    population)."""
    return _call("iv_pattern_ab", store, kw,
                 after=(_lib.enc(by), to_ms(t0, "t0"), to_ms(t1, "t1")))


def rank(store: "Store", **kw: Any) -> Table:
    """Prioritised contacts: rank, contact, rv_per_interaction, n, rv (top: at most
    that many rows)."""
    return _call("iv_pattern_rank", store, kw)


def stalled(store: "Store", **kw: Any) -> Table:
    """Stalled contacts (time since the last forward interaction beyond the `quantile`
    of forward gaps in the same stage): contact, stage, last_forward, seconds_since,
    threshold_seconds, stalled, churned; all=True lists every contact."""
    return _call("iv_pattern_stalled", store, kw)


def next_best_action(store: "Store", contact: str, **kw: Any) -> Table:
    """What followed the contact's last type and stage among the `success` contacts
    (default 'profit_tier = high'): type, count, share, mean_rv, cost_per_rv."""
    return _call("iv_pattern_next", store, kw, before=(_lib.enc(contact),))
