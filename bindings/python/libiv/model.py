"""The scoring model (doc/MODEL.md): RV units, stages, classes and flags per type; cost, digital
and area per channel; global parameters."""

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union
import ctypes
import math
import os

from . import _lib
from ._errors import check, invalid
from ._types import PathLike
from ._util import Handle, enum_name, enum_value

# A type's or channel's properties as type_info()/channel_info() give them.
Info = Dict[str, Union[None, float, bool, str, List[str], Tuple[float, float, float]]]

FLAGS = ("purchase", "repeat", "refer", "upsell", "cross_sell", "bad_experience", "support",
         "churn")
CLASSES = ("watch", "do", "lead")
SURVEYS = (None, "nps", "csat", "ces")
PARAMS = ("outcome_desired", "outcome_neutral", "outcome_undesired", "default_cost",
          "rv_half_life_days", "activity_window_days", "profit_high", "profit_poor")


def _flags_value(flags: Union[int, str, Sequence[str]]) -> int:
    if isinstance(flags, int):
        return flags
    if isinstance(flags, str):
        flags = [f for f in flags.replace("|", ",").split(",") if f.strip()]
    bits = 0
    for f in flags:
        try:
            bits |= 1 << FLAGS.index(f.strip().lower())
        except ValueError:
            raise invalid("unknown flag %r (one of %s)" % (f, ", ".join(FLAGS))) from None
    return bits


def _index(kind: str, names: Sequence[Optional[str]], v: Union[None, int, str]) -> int:
    if isinstance(v, int):
        return v
    try:
        return names.index(None if v is None else str(v).lower())
    except ValueError:
        raise invalid("unknown %s %r (one of %s)" % (
            kind, v, ", ".join(n for n in names if n))) from None


def _opts() -> Any:   # a ctypes struct
    return _lib.init_struct(_lib.ModelOptions, "iv_model_options_init")


class Model(Handle):
    """A scoring model. ``Model()`` is the built-in default of doc/MODEL.md;
    ``Model.load(path)`` and ``Model.parse(text)`` read the INI-style format layered over
    the default. Use it in queries with ``store.metrics(model=m)``."""

    def __init__(self, _handle: Optional[int] = None) -> None:
        if _handle is None:
            out = ctypes.c_void_p()
            check(_lib.fn("iv_model_new")(ctypes.byref(out), ctypes.byref(_opts())))
            _handle = out.value
        self._h = _handle

    _free = "iv_model_free"

    @classmethod
    def load(cls, path: PathLike) -> "Model":
        """Read a model file (errors name the file, line and key)."""
        out = ctypes.c_void_p()
        check(_lib.fn("iv_model_load")(ctypes.byref(out), _lib.enc(os.fspath(path)),
                                       ctypes.byref(_opts())))
        return cls(out.value)

    @classmethod
    def parse(cls, text: Union[str, bytes]) -> "Model":
        """Parse model text (errors name the line)."""
        b = _lib.enc(text)
        out = ctypes.c_void_p()
        check(_lib.fn("iv_model_parse")(ctypes.byref(out), b, len(b), ctypes.byref(_opts())))
        return cls(out.value)

    def copy(self) -> "Model":
        """An independent copy."""
        out = ctypes.c_void_p()
        check(_lib.fn("iv_model_copy")(ctypes.byref(out), self._handle(),
                                       ctypes.byref(_opts())))
        return Model(out.value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Model):
            return NotImplemented
        return bool(_lib.fn("iv_model_equal")(self._handle(), other._handle()))

    __hash__ = None  # type: ignore[assignment]

    # --- text ------------------------------------------------------------------------
    def to_string(self) -> str:
        """The model as text that Model.parse() reads back to an equal model."""
        out = ctypes.c_void_p()
        n = ctypes.c_size_t()
        check(_lib.fn("iv_model_to_string")(self._handle(), ctypes.byref(out), ctypes.byref(n)))
        try:
            return ctypes.string_at(out.value or 0, n.value).decode("utf-8")
        finally:
            _lib.fn("iv_model_free_string")(self._h, out)

    def write(self, path: PathLike) -> None:
        """Write the model to a file."""
        check(_lib.fn("iv_model_write")(self._handle(), _lib.enc(os.fspath(path))))

    # --- enumeration -----------------------------------------------------------------
    @property
    def types(self) -> List[str]:
        """The type names, in byte order."""
        h = self._handle()
        return [_lib.dec(_lib.fn("iv_model_type_name")(h, i))
                for i in range(_lib.fn("iv_model_type_count")(h))]

    @property
    def channels(self) -> List[str]:
        """The channel names, in byte order."""
        h = self._handle()
        return [_lib.dec(_lib.fn("iv_model_channel_name")(h, i))
                for i in range(_lib.fn("iv_model_channel_count")(h))]

    def remove_type(self, type: str) -> None:
        """Remove a type (it then scores as an unknown type)."""
        check(_lib.fn("iv_model_remove_type")(self._handle(), _lib.enc(type)))

    def remove_channel(self, channel: str) -> None:
        """Remove a channel (it then costs default_cost)."""
        check(_lib.fn("iv_model_remove_channel")(self._handle(), _lib.enc(channel)))

    # --- parameters ------------------------------------------------------------------
    def set_param(self, name: str, value: Optional[float]) -> None:
        """Set a global parameter by its [model] key (None = NaN = "none"/"not set")."""
        v = math.nan if value is None else float(value)
        check(_lib.fn("iv_model_set_param")(self._handle(), _lib.enc(name), v))

    def get_param(self, name: str) -> Optional[float]:
        """A global parameter (None for "none" / "not set")."""
        out = ctypes.c_double()
        check(_lib.fn("iv_model_get_param")(self._handle(), _lib.enc(name), ctypes.byref(out)))
        return None if math.isnan(out.value) else float(out.value)

    @property
    def params(self) -> Dict[str, Optional[float]]:
        """Every global parameter as a dict."""
        return {p: self.get_param(p) for p in PARAMS}

    # --- types -----------------------------------------------------------------------
    def set_type(self, type: str, rv: Optional[float] = None, stage: Union[None, str, int] = None,
                 cls: Union[None, str, int] = None,
                 flags: Union[None, int, str, Sequence[str]] = None,
                 rv_repeat: Optional[float] = None, daily_cap: Optional[float] = None,
                 survey: Union[None, str, int] = None,
                 survey_rv: Optional[Tuple[float, float, float]] = None) -> None:
        """Set properties of a type (added when missing); only the given ones change.

        stage: 'acquisition' | 'closing' | 'retention' | '' (none); cls: 'watch' | 'do' |
        'lead'; flags: names ('purchase', 'repeat', ...) or bits; daily_cap: float, or
        math.nan for no cap; survey: 'nps' | 'csat' | 'ces' | '' (not a survey);
        survey_rv: (low, mid, high).
        """
        h, t, f = self._handle(), _lib.enc(type), _lib.fn
        if rv is not None:
            check(f("iv_model_set_type_rv")(h, t, float(rv)))
        if stage is not None:
            check(f("iv_model_set_type_stage")(h, t, enum_value("stage", stage)))
        if cls is not None:
            check(f("iv_model_set_type_class")(h, t, _index("class", CLASSES, cls)))
        if flags is not None:
            check(f("iv_model_set_type_flags")(h, t, _flags_value(flags)))
        if rv_repeat is not None:
            check(f("iv_model_set_type_rv_repeat")(h, t, float(rv_repeat)))
        if daily_cap is not None:
            check(f("iv_model_set_type_daily_cap")(h, t, float(daily_cap)))
        if survey is not None:
            check(f("iv_model_set_type_survey")(h, t, _index("survey", SURVEYS, survey or None)))
        if survey_rv is not None:
            lo, mid, hi = survey_rv
            check(f("iv_model_set_type_survey_rv")(h, t, float(lo), float(mid), float(hi)))

    def type_info(self, type: str) -> Info:
        """Every property of a type as a dict (NotFoundError when the model lacks it)."""
        h, t, f = self._handle(), _lib.enc(type), _lib.fn
        d, i, u = ctypes.c_double(), ctypes.c_int(), ctypes.c_uint()
        lo, mid, hi = ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
        r = ctypes.byref
        info: Info = {}
        check(f("iv_model_get_type_rv")(h, t, r(d)))
        info["rv"] = d.value
        check(f("iv_model_get_type_stage")(h, t, r(i)))
        info["stage"] = enum_name("stage", i.value)
        check(f("iv_model_get_type_class")(h, t, r(i)))
        info["cls"] = CLASSES[i.value]
        check(f("iv_model_get_type_flags")(h, t, r(u)))
        info["flags"] = [n for b, n in enumerate(FLAGS) if u.value & (1 << b)]
        check(f("iv_model_get_type_rv_repeat")(h, t, r(d)))
        info["rv_repeat"] = d.value
        check(f("iv_model_get_type_daily_cap")(h, t, r(d)))
        info["daily_cap"] = None if math.isnan(d.value) else d.value
        check(f("iv_model_get_type_survey")(h, t, r(i)))
        info["survey"] = SURVEYS[i.value]
        check(f("iv_model_get_type_survey_rv")(h, t, r(lo), r(mid), r(hi)))
        info["survey_rv"] = (lo.value, mid.value, hi.value)
        return info

    # --- channels --------------------------------------------------------------------
    def set_channel(self, channel: str, cost: Optional[float] = None, digital: Optional[bool] = None,
                    area: Union[None, str, int] = None) -> None:
        """Set properties of a channel (added when missing); only the given ones change.
        cost: float, or math.nan for the model's default_cost."""
        h, c, f = self._handle(), _lib.enc(channel), _lib.fn
        if cost is not None:
            check(f("iv_model_set_channel_cost")(h, c, float(cost)))
        if digital is not None:
            check(f("iv_model_set_channel_digital")(h, c, 1 if digital else 0))
        if area is not None:
            check(f("iv_model_set_channel_area")(h, c, enum_value("area", area)))

    def channel_info(self, channel: str) -> Info:
        """cost, digital and area of a channel (NotFoundError when the model lacks it)."""
        h, c, f = self._handle(), _lib.enc(channel), _lib.fn
        d, i = ctypes.c_double(), ctypes.c_int()
        info: Info = {}
        check(f("iv_model_get_channel_cost")(h, c, ctypes.byref(d)))
        info["cost"] = d.value
        check(f("iv_model_get_channel_digital")(h, c, ctypes.byref(i)))
        info["digital"] = bool(i.value)
        check(f("iv_model_get_channel_area")(h, c, ctypes.byref(i)))
        info["area"] = enum_name("area", i.value)
        return info

    def __repr__(self) -> str:
        if not self._h:
            return "<libiv.Model closed>"
        return "<libiv.Model %d types, %d channels>" % (len(self.types), len(self.channels))
