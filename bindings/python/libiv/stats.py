"""Statistical kernels and the two-sample comparison (doc/PATTERN.md, `compare` of doc/GUIDE.md §3)."""

from typing import Any
import ctypes
import math

from . import _lib
from ._errors import check
from .table import Table

MWU_METHODS = {"auto": 0, "exact": 1, "asymptotic": 2}

normal_cdf = _lib.fn("iv_stats_normal_cdf")
normal_sf = _lib.fn("iv_stats_normal_sf")
normal_quantile = _lib.fn("iv_stats_normal_quantile")
t_cdf = _lib.fn("iv_stats_t_cdf")
t_sf = _lib.fn("iv_stats_t_sf")
t_quantile = _lib.fn("iv_stats_t_quantile")


def _sample(x: Any) -> Any:
    """A sequence or numpy array of numbers (None = NaN, dropped by the library)."""
    try:
        import numpy as np
        if isinstance(x, np.ndarray) or hasattr(x, "to_numpy"):
            a = np.ascontiguousarray(getattr(x, "to_numpy", lambda: x)(), dtype=np.float64)
            return a.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), len(a), a
    except ImportError:
        pass
    vals = [math.nan if v is None else float(v) for v in x]
    arr = (ctypes.c_double * max(len(vals), 1))(*vals)
    return ctypes.cast(arr, ctypes.POINTER(ctypes.c_double)), len(vals), arr


def _options(confidence: Any=None, mwu_method: Any=None, mwu_continuity: Any=None) -> Any:
    o = _lib.init_struct(_lib.StatsOptions, "iv_stats_options_init")
    if confidence is not None:
        o.confidence = float(confidence)
    if mwu_method is not None:
        o.mwu_method = MWU_METHODS[mwu_method] if isinstance(mwu_method, str) else int(mwu_method)
    if mwu_continuity is not None:
        o.mwu_continuity = 1 if mwu_continuity else 0
    return o


def _nan_none(v: Any) -> Any:
    return None if math.isnan(v) else v


def welch(a: Any, b: Any) -> Any:
    """Welch's t-test, two-sided: (t, df, p); None where undefined."""
    pa, na, ka = _sample(a)
    pb, nb, kb = _sample(b)
    t, df, p = ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    check(_lib.fn("iv_stats_welch")(pa, na, pb, nb, ctypes.byref(t), ctypes.byref(df),
                                    ctypes.byref(p)))
    return _nan_none(t.value), _nan_none(df.value), _nan_none(p.value)


def mwu(a: Any, b: Any, method: Any=None, continuity: Any=None) -> Any:
    """Two-sided Mann-Whitney U test as SciPy's mannwhitneyu: (u, p, exact)."""
    pa, na, ka = _sample(a)
    pb, nb, kb = _sample(b)
    o = _options(mwu_method=method, mwu_continuity=continuity)
    u, p, ex = ctypes.c_double(), ctypes.c_double(), ctypes.c_int()
    check(_lib.fn("iv_stats_mwu")(pa, na, pb, nb, ctypes.byref(o), ctypes.byref(u),
                                  ctypes.byref(p), ctypes.byref(ex)))
    return _nan_none(u.value), _nan_none(p.value), bool(ex.value)


def cliffs_delta(a: Any, b: Any) -> Any:
    """Cliff's delta in [-1, 1] (None when a sample is empty)."""
    pa, na, ka = _sample(a)
    pb, nb, kb = _sample(b)
    d = ctypes.c_double()
    check(_lib.fn("iv_stats_cliffs_delta")(pa, na, pb, nb, None, ctypes.byref(d)))
    return _nan_none(d.value)


def compare(a: Any, b: Any, confidence: Any=None, mwu_method: Any=None, mwu_continuity: Any=None) -> Any:
    """Compare two samples: one single-result Table with n_a, n_b, mean_a, mean_b,
    median_a, median_b, diff, diff_ci_low, diff_ci_high, welch_t, welch_df, welch_p,
    mwu_u, mwu_p, cliffs_delta (doc/GUIDE.md §3 `compare`)."""
    pa, na, ka = _sample(a)
    pb, nb, kb = _sample(b)
    o = _options(confidence, mwu_method, mwu_continuity)
    out = ctypes.c_void_p()
    check(_lib.fn("iv_stats_compare")(ctypes.byref(out), pa, na, pb, nb, ctypes.byref(o)))
    return Table._take(out)
