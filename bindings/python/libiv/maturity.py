"""Digital maturity (doc/MATURITY.md): rubrics, indicator sets, assessments, year on year, peers."""

from typing import TYPE_CHECKING, Any, Mapping, Optional, Union
import ctypes
import math
import os

from . import _lib
from ._errors import check, not_found
from ._util import Handle, to_ms
from ._types import PathLike, TimeLike
from .table import Table

if TYPE_CHECKING:
    from .model import Model
    from .store import Store


def _opts() -> Any:   # a ctypes struct
    return _lib.init_struct(_lib.MaturityOptions, "iv_maturity_options_init")


class Rubric(Handle):
    """Areas, indicators, weights, directions, thresholds. ``Rubric()`` is the default
    rubric (doc/MATURITY.md); ``Rubric.load(path)`` / ``Rubric.parse(text)`` replace it."""
    _free = "iv_rubric_free"

    def __init__(self, _handle: Optional[int] = None) -> None:
        if _handle is None:
            out = ctypes.c_void_p()
            check(_lib.fn("iv_rubric_new_default")(ctypes.byref(out), ctypes.byref(_opts())))
            _handle = out.value
        self._h = _handle

    @staticmethod
    def default_text() -> str:
        """The default rubric in the rubric file format."""
        return str(_lib.dec(_lib.fn("iv_rubric_default_text")()))

    @classmethod
    def parse(cls, text: Union[str, bytes]) -> "Rubric":
        b = _lib.enc(text)
        out = ctypes.c_void_p()
        check(_lib.fn("iv_rubric_parse")(ctypes.byref(out), b, len(b), ctypes.byref(_opts())))
        return cls(out.value)

    @classmethod
    def load(cls, path: PathLike) -> "Rubric":
        out = ctypes.c_void_p()
        check(_lib.fn("iv_rubric_load")(ctypes.byref(out), _lib.enc(os.fspath(path)),
                                        ctypes.byref(_opts())))
        return cls(out.value)

    def table(self) -> Table:
        """One row per indicator: indicator, area, weight, direction, area_weight, t2..t10."""
        out = ctypes.c_void_p()
        check(_lib.fn("iv_rubric_table")(ctypes.byref(out), self._handle()))
        return Table._take(out)

    def level(self, indicator: str, value: float) -> float:
        """The continuous level (1..10) a value of an indicator reaches."""
        out = ctypes.c_double()
        check(_lib.fn("iv_rubric_level")(self._handle(), _lib.enc(indicator), float(value),
                                         ctypes.byref(out)))
        return float(out.value)


class Indicators(Handle):
    """Observed indicator values named AREA.NAME: user-supplied (set, load_csv,
    parse_csv; they always win) or derived from a store (from_store)."""
    _free = "iv_indicators_free"

    def __init__(self, values: Optional[Mapping[str, float]] = None,
                 _handle: Optional[int] = None) -> None:
        if _handle is None:
            out = ctypes.c_void_p()
            check(_lib.fn("iv_indicators_new")(ctypes.byref(out), ctypes.byref(_opts())))
            _handle = out.value
        self._h = _handle
        for k, v in (values or {}).items():
            self.set(k, v)

    def set(self, name: str, value: float) -> None:
        check(_lib.fn("iv_indicators_set")(self._handle(), _lib.enc(name), float(value)))

    __setitem__ = set

    def get(self, name: str, default: Optional[float] = None) -> Optional[float]:
        out = ctypes.c_double()
        rc = _lib.fn("iv_indicators_get")(self._handle(), _lib.enc(name), ctypes.byref(out))
        if rc == -7:
            return default
        check(rc)
        return float(out.value)

    def __getitem__(self, name: str) -> float:
        v = self.get(name, math.nan)
        if v is None or math.isnan(v):
            raise not_found(name, "no indicator %r" % (name,))
        return v

    def __len__(self) -> int:
        return int(_lib.fn("iv_indicators_count")(self._handle()))

    def parse_csv(self, text: Union[str, bytes]) -> None:
        """Add user values from CSV text with the header indicator,value."""
        b = _lib.enc(text)
        check(_lib.fn("iv_indicators_parse_csv")(self._handle(), b, len(b)))

    def load_csv(self, path: PathLike) -> None:
        """Add user values from a CSV file with the header indicator,value."""
        check(_lib.fn("iv_indicators_load_csv")(self._handle(), _lib.enc(os.fspath(path))))

    def from_store(self, store: "Store", model: Union[None, "Model", PathLike] = None,
                   start: TimeLike = None, end: TimeLike = None) -> "Indicators":
        """Derive the built-in indicators from a store over [start, end)."""
        from .model import Model
        keep = None
        if model is not None:
            keep = model if isinstance(model, Model) else Model.load(model)
        check(_lib.fn("iv_indicators_from_store")(
            self._handle(), store._prepared(), keep._handle() if keep else None,
            to_ms(start, "start"), to_ms(end, "end")))
        return self

    def table(self) -> Table:
        """indicator, value, source ('user' or 'derived'), sorted by name."""
        out = ctypes.c_void_p()
        check(_lib.fn("iv_indicators_table")(ctypes.byref(out), self._handle()))
        return Table._take(out)


def assess(rubric: Optional[Rubric] = None, indicators: Optional[Indicators] = None) -> Table:
    """The doc/GUIDE.md §3 `maturity` table: one row per area, then `overall`."""
    own = rubric is None
    rub = Rubric() if rubric is None else rubric
    indicators = Indicators() if indicators is None else indicators
    try:
        out = ctypes.c_void_p()
        check(_lib.fn("iv_maturity_assess")(ctypes.byref(out), rub._handle(),
                                            indicators._handle(), None))
        return Table._take(out)
    finally:
        if own:
            rub.close()


def compare(current: Table, previous: Table) -> Table:
    """Year-on-year comparison of two assessments (tables from assess())."""
    out = ctypes.c_void_p()
    check(_lib.fn("iv_maturity_compare")(ctypes.byref(out), current._handle(),
                                         previous._handle()))
    return Table._take(out)


def peers(assessment: Table, csv_path: Optional[PathLike] = None,
          text: Union[None, str, bytes] = None) -> Table:
    """Percentile rank per area among peers (CSV peer,area,score from a file or text)."""
    out = ctypes.c_void_p()
    if text is not None:
        b = _lib.enc(text)
        check(_lib.fn("iv_maturity_peers_parse")(ctypes.byref(out), assessment._handle(), b,
                                                 len(b)))
    else:
        check(_lib.fn("iv_maturity_peers")(ctypes.byref(out), assessment._handle(),
                                           _lib.enc(os.fspath(csv_path or ""))))
    return Table._take(out)


def store_maturity(store: "Store", rubric: Union[None, Rubric, PathLike] = None,
                   indicators: Union[None, Indicators, Mapping[str, float]] = None,
                   model: Union[None, "Model", PathLike] = None, start: TimeLike = None,
                   end: TimeLike = None) -> Table:
    """Assess a store: derive the built-in indicators over [start, end) (user values in
    `indicators`, a dict or an Indicators, win) and assess them with `rubric`."""
    ind = indicators if isinstance(indicators, Indicators) else Indicators(indicators)
    ind.from_store(store, model=model, start=start, end=end)
    return assess(rubric if not isinstance(rubric, (str, os.PathLike)) else Rubric.load(rubric),
                  ind)
