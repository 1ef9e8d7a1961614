"""Lifecycle metrics (doc/LIFECYCLE.md): churn and retention, cohort retention, funnels.

Each function takes a :class:`Store`, the lifecycle options under their C names
(``t0``, ``t1``, ``window``, ``period``, ``steps``, ``mode``; see include/iv/lifecycle.h)
and the query keywords of :meth:`Store.metrics` (``by``, ``where``, ``model``,
``start``/``end`` -- also ``from``/``to`` -- and ``t_ref``). They are exposed as
``Store.churn``, ``Store.retention``, ``Store.cohorts`` and ``Store.funnel``; each
returns a :class:`Table`, the one ``iv churn|retention|cohorts|funnel --format json``
prints. Definitions, and the choices made where they leave room: doc/LIFECYCLE.md.
"""

import ctypes
import datetime as _dt
import numbers
from typing import Any, Sequence
from ctypes import POINTER, Structure, c_char_p, c_int, c_int64, c_size_t, c_void_p

from . import _lib
from ._errors import check, invalid, wrong_type
from ._util import to_ms
from .table import Table


class LifecycleOptions(Structure):
    """iv_lifecycle_options, field for field."""
    _fields_ = [("size", c_size_t), ("t0", c_int64), ("t1", c_int64), ("window", c_int64),
                ("period", c_int), ("steps", c_char_p), ("mode", c_int),
                # appended in 1.2
                ("exclude", c_char_p), ("every", c_int), ("start_types", c_char_p),
                ("return_types", c_char_p), ("path_steps", c_size_t), ("top", c_size_t)]


PERIODS = {"week": 0, "month": 1, "day": 2, "quarter": 3}
MODES = {"ordered": 0, "strict": 1, "any": 2}
EVERY = {"day": 1, "week": 2, "month": 3, "quarter": 4}

_P, _PP = c_void_p, POINTER(c_void_p)
_RUN = (c_int, [_PP, _P, POINTER(_lib.QueryOptions), POINTER(LifecycleOptions)])
_PROTOS = {
    "iv_lifecycle_options_init": (c_int, [POINTER(LifecycleOptions), c_size_t]),
    "iv_lifecycle_churn": _RUN,
    "iv_lifecycle_cohorts": _RUN,
    "iv_lifecycle_funnel": _RUN,
    "iv_lifecycle_retention": _RUN,
    "iv_lifecycle_funnel_histogram": _RUN,
    "iv_lifecycle_lifecycle": _RUN,
    "iv_lifecycle_stickiness": _RUN,
    "iv_lifecycle_paths": _RUN,
}
_fn = _lib.binder(_PROTOS)


_UNITS_MS = {"s": 1000, "m": 60000, "h": 3600000, "d": 86400000, "w": 7 * 86400000}


def duration_ms(v: Any, what: Any="duration") -> Any:
    """A duration as int milliseconds (the library's unit), a ``datetime.timedelta``, a
    numpy ``timedelta64`` or text as the `iv` tool takes it (``"14d"``, ``"36h"``,
    ``"2w"``, ``"30m"``, ``"45s"``) -> int milliseconds. None -> 0 (the default)."""
    if v is None:
        return 0
    if isinstance(v, bool):
        raise wrong_type("%s: a bool is not a duration" % what)
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, _dt.timedelta):
        return (v.days * 86400 + v.seconds) * 1000 + v.microseconds // 1000
    if type(v).__name__ == "timedelta64":
        return int(v.astype("timedelta64[ms]").astype("int64"))
    if isinstance(v, str):
        s = v.strip()
        unit = _UNITS_MS.get(s[-1:])
        try:
            x = float(s[:-1] if unit else s)
        except ValueError:
            x = -1.0
        if x > 0:
            return int(round(x * (unit or _UNITS_MS["d"])))
    raise invalid("%s: %r is not a duration (give milliseconds, a timedelta or text "
                  "such as '14d', '36h', '2w')" % (what, v))


def _steps_text(steps: Any) -> Any:
    """'a,b|c,d', or a list whose items are a type or a list of alternative types."""
    if steps is None or isinstance(steps, (str, bytes)):
        return _lib.enc(steps)
    return _lib.enc(",".join(s if isinstance(s, str) else "|".join(s) for s in steps))


def _code(table: Any, v: Any, what: Any) -> Any:
    if v is None:
        return 0
    if isinstance(v, str):
        try:
            return table[v.lower()]
        except KeyError:
            raise invalid("%s must be one of %s, not %r" % (
                what, ", ".join(table), v)) from None
    return int(v)


class FunnelTable(Table):
    """The funnel's table: `step` reads as an int (1, 2, ...) and "support_after" for
    the last row, as doc/GUIDE.md §3 and the JSON export write it (the C column is text)."""

    def _cell(self, r: Any, c: Any) -> Any:
        v = Table._cell(self, r, c)
        if self.columns[c] == "step" and isinstance(v, str) and v.isdigit():
            return int(v)
        return v


def _run(name: Any, store: Any, lo: Any, keep_steps: Any, query: Any, cls: "type[Table]" = Table) -> Table:
    from .store import _query_options
    q, keep, prog = _query_options(**query)
    out = c_void_p()
    rc = _fn(name)(ctypes.byref(out), store._prepared(), ctypes.byref(q), ctypes.byref(lo))
    prog.reraise()
    check(rc)
    del keep, keep_steps
    return cls._take(out)


def _options(**fields: Any) -> Any:
    lo = LifecycleOptions()
    check(_fn("iv_lifecycle_options_init")(ctypes.byref(lo), ctypes.sizeof(lo)))
    for k, v in fields.items():
        setattr(lo, k, v)
    return lo


def _types_text(types: "str | Sequence[str] | None") -> "bytes | None":
    """'a|b', 'a,b' or a list of type names -> the C text."""
    if types is None or isinstance(types, (str, bytes)):
        return _lib.enc(types)
    return _lib.enc("|".join(types))


def _every_code(every: "str | int | None") -> int:
    return 0 if every is None else int(_code(EVERY, every, "every"))


def churn(store: Any, t0: Any = None, t1: Any = None, window: Any = None,
          every: "str | int | None" = None, **query: Any) -> Table:
    """Churn and retention over [t0, t1) (doc/LIFECYCLE.md), one row per group: the `by`
    dimensions, t0, t1, active_start (S), lost (L), churn (L / S), active_end (E),
    new_active (N), retention ((E - N) / S). t1 defaults to the last timestamp + 1 ms,
    t0 to t1 - window; window (ms, timedelta or '90d') defaults to the model's
    activity_window_days. The query's start/end are not used (the period is t0, t1).
    every ('day' | 'week' | 'month' | 'quarter'): a churn series, one row per period of
    [t0, t1) (t0 defaulting to the first timestamp): period, t0, t1, start, lost, churn.
    A time bucket in `by` is an InvalidArgumentError pointing to `every`."""
    lo = _options(t0=to_ms(t0, "t0"), t1=to_ms(t1, "t1"), window=duration_ms(window, "window"),
                  every=_every_code(every))
    return _run("iv_lifecycle_churn", store, lo, None, query)


def retention(store: Any, t0: Any = None, t1: Any = None, window: Any = None,
              every: "str | int | None" = None, **query: Any) -> Table:
    """Retention: without `every`, churn's table (as `iv retention`); with every, a
    retention series, one row per period: period, t0, t1, start, end, new, retention."""
    lo = _options(t0=to_ms(t0, "t0"), t1=to_ms(t1, "t1"), window=duration_ms(window, "window"),
                  every=_every_code(every))
    return _run("iv_lifecycle_retention", store, lo, None, query)


def cohorts(store: Any, period: "str | int" = "week", start_types: "str | Sequence[str] | None" = None,
            return_types: "str | Sequence[str] | None" = None, **query: Any) -> Table:
    """Cohort retention in long form (doc/LIFECYCLE.md): per cohort (the ISO week `YYYY-Www` or
    month `YYYY-MM` of the first interaction) and period k: the `by` dimensions, cohort,
    contacts, period, retained, rate, rate_unbounded; unobserved periods are None.
    period: 'week' | 'month'. start/end keep the cohorts whose first interaction falls
    in [start, end). Retention events (`iv cohorts --start --return`): start_types
    starts a contact's cohort at its first interaction of those types; return_types
    are the types that count as a return (at or after the start)."""
    st, rt = _types_text(start_types), _types_text(return_types)
    lo = _options(period=_code(PERIODS, period, "period"), start_types=st, return_types=rt)
    return _run("iv_lifecycle_cohorts", store, lo, (st, rt), query)


def lifecycle(store: Any, period: "str | int" = "week", **query: Any) -> Table:
    """Lifecycle per period ('day' | 'week' | 'month'), as `iv lifecycle`: the `by`
    dimensions, period, new, returning, resurrecting, dormant (negative)."""
    lo = _options(period=_code(PERIODS, period, "period"))
    return _run("iv_lifecycle_lifecycle", store, lo, None, query)


def stickiness(store: Any, period: "str | int" = "week", **query: Any) -> Table:
    """Stickiness, as `iv stickiness`: per n = 1..7 (weeks) or 31 (months), the
    contacts active on exactly n distinct UTC days of a period, summed over the
    periods: the `by` dimensions, days, contacts, share."""
    lo = _options(period=_code(PERIODS, period, "period"))
    return _run("iv_lifecycle_stickiness", store, lo, None, query)


def paths(store: Any, start_types: "str | Sequence[str]", steps: int = 3, top: int = 10,
          **query: Any) -> Table:
    """Paths, as `iv paths --start TYPE`: the most frequent sequences of the next
    `steps` types after each contact's first start interaction: the `by` dimensions,
    path (types joined by ' > ', '(end)' when the history ends sooner), contacts, share."""
    st = _types_text(start_types)
    lo = _options(start_types=st, path_steps=int(steps), top=int(top))
    return _run("iv_lifecycle_paths", store, lo, st, query)


def _exclude_text(exclude: "str | Sequence[str] | None") -> "bytes | None":
    """'refund@2-3', or a list of such exclusions (joined by ';')."""
    if exclude is None or isinstance(exclude, (str, bytes)):
        return _lib.enc(exclude)
    return _lib.enc(";".join(exclude))


def funnel_histogram(store: Any, steps: Any, mode: str = "ordered", window: Any = None,
                     exclude: "str | Sequence[str] | None" = None, **query: Any) -> Table:
    """The completers of the funnel (same arguments as funnel) by the time from step 1
    to the last step, as `iv funnel --histogram`: the `by` dimensions, bin,
    from_seconds, to_seconds, contacts, share."""
    text, ex = _steps_text(steps), _exclude_text(exclude)
    lo = _options(steps=text, mode=_code(MODES, mode, "mode"),
                  window=duration_ms(window, "window"), exclude=ex)
    return _run("iv_lifecycle_funnel_histogram", store, lo, (text, ex), query)


def funnel(store: Any, steps: Any, mode: Any="ordered", window: Any=None, exclude: Any=None, **query: Any) -> Any:
    """A conversion funnel (doc/LIFECYCLE.md). steps: 'signup,demo|trial,purchase' or
    ['signup', ['demo', 'trial'], 'purchase'] (alternatives within a step);
    mode: 'ordered' | 'strict' | 'any'; window (ms, timedelta or '14d'; default 30
    days) from the first step-1 interaction, inclusive. One row per step (step, types,
    contacts, from_previous, from_first, dropoff, median_seconds_from_previous) then
    the `support_after` row; `step` reads as an int, "support_after" in the last row. start/end keep the contacts whose entry falls in them.
    Each step also has seconds_from_previous_p10, _p25, _p75, _p90 and _mean. exclude:
    'refund|cancel@2-3' (or a list of such) removes the contacts with an excluded
    interaction between those steps. A time bucket in `by` groups by entry period."""
    text, ex = _steps_text(steps), _exclude_text(exclude)
    lo = _options(steps=text, mode=_code(MODES, mode, "mode"),
                  window=duration_ms(window, "window"), exclude=ex)
    return _run("iv_lifecycle_funnel", store, lo, (text, ex), query, FunnelTable)


def clv_predict(store: Any, model: Any="bgnbd", calibration_end: Any=None, unit: Any="week", scoring_model: Any=None,
                horizon: Any=None, spend: Any=False, discount: Any=0.01) -> Any:
    """Per-contact CLV predictions, as `iv clv predict`: the transaction model ('bgnbd'
    or 'pareto') fitted on the store's RFM summary (Store.rfm with calibration_end,
    unit and the scoring model whose flags pick purchases), then per contact: contact,
    x, t_x, T, p_alive, expected_purchases in the next `horizon` units (default one
    year: 52 weeks or 365 days) and, with spend=True (Gamma-Gamma fitted on the same
    summary), expected_spend and clv discounted monthly at `discount` per month.
    A prediction the library leaves undefined is None."""
    from .clv import CLV, UNITS, _model_code
    from .table import DOUBLE, INT, STRING
    code = _model_code(model)
    if code == 3:
        raise invalid("clv_predict: the transaction model is 'bgnbd' or 'pareto'")
    u = UNITS[unit] if isinstance(unit, str) else int(unit)
    with store.rfm(calibration_end=calibration_end, unit=u, model=scoring_model) as rfm:
        rows = [(r["contact"], r["x"], r["t_x"], r["T"], r["zbar"]) for r in rfm]
    x, t_x, T, z = ([r[i] for r in rows] for i in range(1, 5))
    if horizon is None:
        horizon = 52.0 if u == UNITS["week"] else 365.0
    step = 365.25 / 12.0 / (7.0 if u == UNITS["week"] else 1.0)  # monthly discounting
    cols = [("contact", STRING), ("x", INT), ("t_x", DOUBLE), ("T", DOUBLE),
            ("p_alive", DOUBLE), ("expected_purchases", DOUBLE)]
    with CLV.fit(code, x, t_x, T) as tx:
        gg = CLV.fit(3, x, zbar=z) if spend else None
        try:
            if gg is not None:
                cols += [("expected_spend", DOUBLE), ("clv", DOUBLE)]
            return _predictions(cols, rows, tx, gg, float(horizon), step, float(discount))
        finally:
            if gg is not None:
                gg.close()


def _predictions(cols: Any, rows: Any, tx: Any, gg: Any, horizon: Any, step: Any, discount: Any) -> Any:
    """The prediction table, built with the library's table API (exports alike)."""
    f = _lib.fn
    out = c_void_p()
    check(f("iv_table_new")(ctypes.byref(out), _lib.ALLOC_FN(), None))  # type: ignore[call-overload]
    h = out.value
    v = ctypes.c_double()
    txh, ggh = tx._handle(), gg._handle() if gg is not None else None
    try:
        for name, typ in cols:
            check(f("iv_table_add_column")(h, _lib.enc(name), typ))
        for contact, x, t_x, T, z in rows:
            z = float("nan") if z is None else z
            calls = [("iv_clv_p_alive", (txh, x, t_x, T)),
                     ("iv_clv_conditional", (txh, horizon, x, t_x, T))]
            if ggh is not None:
                calls += [("iv_clv_expected_spend", (ggh, x, z)),
                          ("iv_clv_value", (txh, ggh, x, t_x, T, z, horizon, step, discount))]
            r = check(f("iv_table_add_row")(h))
            check(f("iv_table_set_string")(h, r, 0, _lib.enc(contact)))
            check(f("iv_table_set_int")(h, r, 1, int(x)))
            check(f("iv_table_set_double")(h, r, 2, t_x))
            check(f("iv_table_set_double")(h, r, 3, T))
            for c, (name, args) in enumerate(calls, start=4):
                # an undefined prediction (the call fails) leaves the cell undefined
                if f(name)(*args, ctypes.byref(v)) == 0:
                    check(f("iv_table_set_double")(h, r, c, v.value))
    except BaseException:
        f("iv_table_free")(h)
        raise
    return Table(h)
