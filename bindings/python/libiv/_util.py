"""Conversions shared by the modules: timestamps, enum names, progress callbacks."""

import ctypes
import datetime as _dt
import numbers

from . import _lib
from ._errors import check

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)

# iv_enum_name kinds: 0 stage, 1 area, 2 direction, 3 outcome.
ENUM_KINDS = {"stage": 0, "area": 1, "direction": 2, "outcome": 3}


def _enum_names(kind):
    names = []
    while True:
        n = _lib.fn("iv_enum_name")(kind, len(names))
        if n is None:
            return names
        names.append(_lib.dec(n))


ENUM_NAMES = {k: _enum_names(v) for k, v in ENUM_KINDS.items()}
ENUM_VALUES = {k: {n: i for i, n in enumerate(v) if n} for k, v in ENUM_NAMES.items()}
# SPEC 1.1: outcomes may also be written +1 / 0 / -1.
ENUM_VALUES["outcome"].update({"+1": 1, "1": 1, "0": 2, "-1": 3})


def enum_value(kind, v):
    """A stage/area/direction/outcome given as a name, an int or None -> its int value."""
    if v is None or v == "":
        return 0
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        if 0 <= int(v) < len(ENUM_NAMES[kind]):
            return int(v)
        raise ValueError("%s: %d is not a valid value" % (kind, v))
    key = str(v).strip().lower()
    try:
        return ENUM_VALUES[kind][key]
    except KeyError:
        raise ValueError("%s: unknown value %r (one of %s)" % (
            kind, v, ", ".join(n for n in ENUM_NAMES[kind] if n))) from None


def enum_name(kind, v):
    """Int value -> name, None for the NONE value."""
    names = ENUM_NAMES[kind]
    return names[v] if 0 < v < len(names) else None


def parse_time(text):
    """Parse a timestamp as SPEC 1.2 accepts it; returns milliseconds since the epoch."""
    b = _lib.enc(text)
    out = ctypes.c_int64()
    check(_lib.fn("iv_time_parse")(b, len(b), ctypes.byref(out)))
    return out.value


def format_time(ms):
    """Milliseconds since the epoch -> ISO 8601 UTC text."""
    buf = ctypes.create_string_buffer(48)
    check(_lib.fn("iv_time_format")(int(ms), buf, len(buf)))
    return _lib.dec(buf.value)


def to_ms(t, what="time"):
    """A time given as ISO text, a datetime/date, a numpy/pandas timestamp or an int of
    milliseconds since the epoch -> int milliseconds. None -> IV_TIME_NONE."""
    if t is None:
        return _lib.IV_TIME_NONE
    if isinstance(t, (str, bytes)):
        return parse_time(t)
    if isinstance(t, bool):
        raise TypeError("%s: a bool is not a time" % what)
    if isinstance(t, numbers.Integral):
        return int(t)
    if isinstance(t, _dt.datetime):
        if t.tzinfo is None:
            t = t.replace(tzinfo=_dt.timezone.utc)
        d = t - _EPOCH
        return (d.days * 86400 + d.seconds) * 1000 + d.microseconds // 1000
    if isinstance(t, _dt.date):
        return to_ms(_dt.datetime(t.year, t.month, t.day), what)
    if hasattr(t, "to_pydatetime"):          # pandas.Timestamp
        return to_ms(t.to_pydatetime(), what)
    if type(t).__name__ == "datetime64":     # numpy scalar
        return int(t.astype("datetime64[ms]").astype("int64"))
    raise TypeError("%s: cannot use %r as a time (give ISO text, a datetime or "
                    "milliseconds since the epoch)" % (what, t))


def from_ms(ms):
    """Milliseconds since the epoch -> an aware UTC datetime."""
    return _EPOCH + _dt.timedelta(milliseconds=ms)


class Progress:
    """Wraps a Python callable progress(done, total) as an iv_progress_fn. An exception
    raised by the callable stops the work (IV_ECANCELED) and is re-raised afterwards."""

    def __init__(self, func):
        self.func = func
        self.exc = None
        self.c = _lib.PROGRESS_FN(self._call) if func is not None else _lib.PROGRESS_FN()

    def _call(self, done, total, payload):
        try:
            return 1 if self.func(done, total) is False else 0
        except BaseException as e:   # noqa: B902 - carried across the C frame
            self.exc = e
            return 1

    def reraise(self):
        if self.exc is not None:
            e, self.exc = self.exc, None
            raise e


class Handle:
    """Base of every class that owns a libiv handle: close(), context manager, freed by
    the garbage collector too. Subclasses set _free (the C destructor's name) and
    self._h."""
    _free = None
    _h = None

    def _handle(self):
        if not self._h:
            raise ValueError("libiv.%s: used after close()" % type(self).__name__)
        return self._h

    def close(self):
        """Free the handle now (also done when the object is garbage-collected)."""
        h, self._h = self._h, None
        if h:
            _lib.fn(self._free)(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:   # interpreter shutdown: the library may be gone already
            pass
