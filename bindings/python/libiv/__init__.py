"""libiv for Python: Interaction Value, Relationship Value, CX metrics, lifecycle and CLV,
digital maturity — a thin ctypes binding over libiv's stable C ABI.

The shared library is found through the ``LIBIV_PATH`` environment variable (a file
path) first, then the system loader (``libiv.so.1``). Quick start::

    import libiv
    with libiv.load("examples/data/sample.csv") as store:
        for row in store.metrics(by=["channel"]).to_records():
            print(row["channel"], row["iv"], row["cost_per_rv"])

Every result is a :class:`Table` (``to_records()``, ``to_pandas()``, ``to_csv()``,
``to_json()``); undefined values are ``None``. Failures raise :class:`Error` subclasses
carrying the library's status ``code`` and its detailed ``message``.
See doc/BINDINGS.md.
"""

from typing import Any
from . import _lib
from ._errors import (ArgumentTypeError, BindingError, CanceledError, ClosedError,
                      CorruptError, Error, FileError, IndexOutOfRangeError,
                      InvalidArgumentError, KeyNotFoundError, LibraryNotFoundError,
                      MissingDependencyError,
                      LimitError, NoConvergenceError, NotFoundError, OutOfMemoryError,
                      ParseError, RangeError, StateError, UndefinedError, VersionError,
                      IvWarning, strerror)
from ._util import format_time, parse_time
from .clv import CLV
from .clv import simple as clv_simple
from .maturity import Indicators, Rubric
from .maturity import assess as maturity_assess
from .maturity import compare as maturity_compare
from .maturity import peers as maturity_peers
from .model import Model
from .store import IngestResult, Store, load
from .table import Table
from . import stats
from . import lifecycle, pattern

__version__ = _lib.dec(_lib.fn("iv_version_string")())
version_number = _lib.fn("iv_version")()
IV_TIME_NONE = _lib.IV_TIME_NONE


def maturity(store: Any, rubric: Any=None, indicators: Any=None, model: Any=None, start: Any=None, end: Any=None) -> Any:
    """Assess a store's digital maturity (doc/MATURITY.md): the `maturity` table of doc/GUIDE.md §3."""
    from .maturity import store_maturity
    return store_maturity(store, rubric, indicators, model, start, end)


setattr(Store, "maturity", maturity)


def _clv_fit(self: Store, model: str = "bgnbd", **kw: Any) -> CLV:
    fit: CLV = CLV.fit_store(self, model, **kw)
    return fit


_clv_fit.__doc__ = CLV.fit_store.__doc__
setattr(Store, "clv_fit", _clv_fit)
# Lifecycle (doc/LIFECYCLE.md) and RV patterns (doc/PATTERN.md) as Store methods; keywords are the C
# option field names (see lifecycle.py, pattern.py). retention without `every` is
# churn's table, as `iv retention` prints the same table as `iv churn`.
for _name, _f in (("churn", lifecycle.churn), ("retention", lifecycle.retention),
                  ("cohorts", lifecycle.cohorts), ("funnel", lifecycle.funnel),
                  ("funnel_histogram", lifecycle.funnel_histogram),
                  ("lifecycle", lifecycle.lifecycle), ("stickiness", lifecycle.stickiness),
                  ("paths", lifecycle.paths),
                  ("clv_predict", lifecycle.clv_predict),
                  ("trajectories", pattern.trajectories), ("norm", pattern.norm_of),
                  ("contact_vs_norm", pattern.contact_vs_norm),
                  ("nearest_norm", pattern.nearest_norm),
                  ("segment_compare", pattern.segment_compare), ("ab", pattern.ab),
                  ("rank", pattern.rank), ("stalled", pattern.stalled),
                  ("next_best_action", pattern.next_best_action)):
    setattr(Store, _name, _f)
del _name, _f


def _guard_everything() -> None:
    """Hold a use of every handle passed to any public function of the package for the
    duration of the call (see _util.Handle: close() waits for calls in other threads):
    the methods attached to Store above, and the module-level functions that take a
    store, a model or a table, however they are reached (libiv.x, libiv.module.x)."""
    import inspect
    import sys
    from . import _util
    for name in ("maturity", "clv_fit", "churn", "retention", "cohorts", "funnel",
                 "funnel_histogram", "lifecycle", "stickiness", "paths", "clv_predict",
                 "trajectories", "norm", "contact_vs_norm", "nearest_norm", "segment_compare",
                 "ab", "rank", "stalled", "next_best_action"):
        f = getattr(Store, name, None)
        if f is not None and not getattr(f, "__wrapped__", None):
            setattr(Store, name, _util.using(f))
    wrapped = {}
    pkg = sys.modules[__name__]
    for mod in list(sys.modules.values()):
        mname = getattr(mod, "__name__", "")
        if mod is None or not mname.startswith(__name__ + ".") or mname.endswith("._util"):
            continue
        for fname, f in list(vars(mod).items()):
            if (fname.startswith("_") or not inspect.isfunction(f) or f.__module__ != mname
                    or inspect.isgeneratorfunction(f) or getattr(f, "__wrapped__", None)):
                continue
            g = _util.using(f)
            wrapped[id(f)] = g
            setattr(mod, fname, g)
    for fname, f in list(vars(pkg).items()):
        if id(f) in wrapped:
            setattr(pkg, fname, wrapped[id(f)])


_guard_everything()
del _guard_everything

__all__ = [
    "__version__", "load", "Store", "Table", "Model", "CLV", "Rubric", "Indicators",
    "IngestResult", "stats", "lifecycle", "pattern", "maturity", "maturity_assess", "maturity_compare",
    "maturity_peers", "clv_simple", "parse_time", "format_time", "strerror", "Error",
    "OutOfMemoryError", "InvalidArgumentError", "FileError", "ParseError", "LimitError",
    "RangeError", "NotFoundError", "CorruptError", "VersionError", "StateError",
    "NoConvergenceError", "CanceledError", "UndefinedError", "IV_TIME_NONE",
    "ArgumentTypeError", "BindingError", "ClosedError", "IndexOutOfRangeError",
    "KeyNotFoundError", "LibraryNotFoundError", "MissingDependencyError", "IvWarning",
]
