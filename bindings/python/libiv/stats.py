"""Statistical kernels and the two-sample comparison (doc/PATTERN.md, `compare` of doc/GUIDE.md §3)."""

from typing import Any, Optional, Tuple, Union
import ctypes
import math

from . import _lib
from ._errors import check
from ._types import Sample
from .table import Table

MWU_METHODS = {"auto": 0, "exact": 1, "asymptotic": 2}



def normal_cdf(x: float) -> float:
    """P(Z <= x) of the standard normal distribution."""
    return float(_lib.fn("iv_stats_normal_cdf")(x))


def normal_sf(x: float) -> float:
    """P(Z > x) of the standard normal distribution (accurate in the far tail)."""
    return float(_lib.fn("iv_stats_normal_sf")(x))


def normal_quantile(p: float) -> float:
    """x with P(Z <= x) = p, p in [0, 1] (0 and 1 give -inf and +inf)."""
    return float(_lib.fn("iv_stats_normal_quantile")(p))


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) of Student's t with df degrees of freedom."""
    return float(_lib.fn("iv_stats_t_cdf")(t, df))


def t_sf(t: float, df: float) -> float:
    """P(T > t) of Student's t with df degrees of freedom."""
    return float(_lib.fn("iv_stats_t_sf")(t, df))


def t_quantile(p: float, df: float) -> float:
    """t with P(T <= t) = p for Student's t with df degrees of freedom."""
    return float(_lib.fn("iv_stats_t_quantile")(p, df))


def _sample(x: Sample) -> Tuple[Any, int, Any]:   # (double*, n, what keeps it alive)
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


def _options(confidence: Optional[float] = None, mwu_method: Union[None, str, int] = None,
             mwu_continuity: Optional[bool] = None) -> Any:   # a ctypes struct
    o = _lib.init_struct(_lib.StatsOptions, "iv_stats_options_init")
    if confidence is not None:
        o.confidence = float(confidence)
    if mwu_method is not None:
        o.mwu_method = MWU_METHODS[mwu_method] if isinstance(mwu_method, str) else int(mwu_method)
    if mwu_continuity is not None:
        o.mwu_continuity = 1 if mwu_continuity else 0
    return o


def _nan_none(v: float) -> Optional[float]:
    return None if math.isnan(v) else v


def welch(a: Sample, b: Sample) -> Tuple[Optional[float], Optional[float], Optional[float]]:
    """Welch's t-test, two-sided: (t, df, p); None where undefined."""
    pa, na, ka = _sample(a)
    pb, nb, kb = _sample(b)
    t, df, p = ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    check(_lib.fn("iv_stats_welch")(pa, na, pb, nb, ctypes.byref(t), ctypes.byref(df),
                                    ctypes.byref(p)))
    return _nan_none(t.value), _nan_none(df.value), _nan_none(p.value)


def mwu(a: Sample, b: Sample, method: Union[None, str, int] = None,
        continuity: Optional[bool] = None) -> Tuple[Optional[float], Optional[float], bool]:
    """Two-sided Mann-Whitney U test as SciPy's mannwhitneyu: (u, p, exact)."""
    pa, na, ka = _sample(a)
    pb, nb, kb = _sample(b)
    o = _options(mwu_method=method, mwu_continuity=continuity)
    u, p, ex = ctypes.c_double(), ctypes.c_double(), ctypes.c_int()
    check(_lib.fn("iv_stats_mwu")(pa, na, pb, nb, ctypes.byref(o), ctypes.byref(u),
                                  ctypes.byref(p), ctypes.byref(ex)))
    return _nan_none(u.value), _nan_none(p.value), bool(ex.value)


def cliffs_delta(a: Sample, b: Sample) -> Optional[float]:
    """Cliff's delta in [-1, 1] (None when a sample is empty)."""
    pa, na, ka = _sample(a)
    pb, nb, kb = _sample(b)
    d = ctypes.c_double()
    check(_lib.fn("iv_stats_cliffs_delta")(pa, na, pb, nb, None, ctypes.byref(d)))
    return _nan_none(d.value)


def compare(a: Sample, b: Sample, confidence: Optional[float] = None,
            mwu_method: Union[None, str, int] = None,
            mwu_continuity: Optional[bool] = None) -> Table:
    """Compare two samples: one single-result Table with n_a, n_b, mean_a, mean_b,
    median_a, median_b, diff, diff_ci_low, diff_ci_high, welch_t, welch_df, welch_p,
    mwu_u, mwu_p, cliffs_delta (doc/GUIDE.md §3 `compare`)."""
    pa, na, ka = _sample(a)
    pb, nb, kb = _sample(b)
    o = _options(confidence, mwu_method, mwu_continuity)
    out = ctypes.c_void_p()
    check(_lib.fn("iv_stats_compare")(ctypes.byref(out), pa, na, pb, nb, ctypes.byref(o)))
    return Table._take(out)
