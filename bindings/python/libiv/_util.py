"""Conversions shared by the modules: timestamps, enum names, progress callbacks."""

from typing import Any, List, Optional
import ctypes
import datetime as _dt
import functools
import inspect
import itertools
import numbers
import threading
from typing import Any, Callable, TypeVar, Union

from ._types import TimeLike

from . import _lib
from ._errors import StateError, bad_data, check, closed, wrong_type

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)

# iv_enum_name kinds: 0 stage, 1 area, 2 direction, 3 outcome.
ENUM_KINDS = {"stage": 0, "area": 1, "direction": 2, "outcome": 3}


def _enum_names(kind: int) -> List[str]:
    names: List[str] = []
    while True:
        n = _lib.fn("iv_enum_name")(kind, len(names))
        if n is None:
            return names
        names.append(_lib.dec(n))


ENUM_NAMES = {k: _enum_names(v) for k, v in ENUM_KINDS.items()}
ENUM_VALUES = {k: {n: i for i, n in enumerate(v) if n} for k, v in ENUM_NAMES.items()}
# doc/GUIDE.md §1: outcomes may also be written +1 / 0 / -1.
ENUM_VALUES["outcome"].update({"+1": 1, "1": 1, "0": 2, "-1": 3})


def enum_value(kind: str, v: Union[None, str, int]) -> int:
    """A stage/area/direction/outcome given as a name, an int or None -> its int value."""
    if v is None or v == "":
        return 0
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        if 0 <= int(v) < len(ENUM_NAMES[kind]):
            return int(v)
        raise bad_data("%s: %d is not a valid value" % (kind, v), column=kind)
    key = str(v).strip().lower()
    try:
        return int(ENUM_VALUES[kind][key])
    except KeyError:
        raise bad_data("%s: unknown value %r (one of %s)" % (
            kind, v, ", ".join(n for n in ENUM_NAMES[kind] if n)), column=kind) from None


def enum_name(kind: str, v: int) -> Optional[str]:
    """Int value -> name, None for the NONE value."""
    names = ENUM_NAMES[kind]
    return names[v] if 0 < v < len(names) else None


def parse_time(text: Union[str, bytes]) -> int:
    """Parse a timestamp as doc/GUIDE.md §1 accepts it; returns milliseconds since the epoch."""
    b = _lib.enc(text)
    out = ctypes.c_int64()
    check(_lib.fn("iv_time_parse")(b, len(b), ctypes.byref(out)))
    return int(out.value)


def format_time(ms: int) -> str:
    """Milliseconds since the epoch -> ISO 8601 UTC text."""
    buf = ctypes.create_string_buffer(48)
    check(_lib.fn("iv_time_format")(int(ms), buf, len(buf)))
    return buf.value.decode("utf-8")


def to_ms(t: TimeLike, what: str = "time") -> int:
    """A time given as ISO text, a datetime/date, a numpy/pandas timestamp or an int of
    milliseconds since the epoch -> int milliseconds. None -> IV_TIME_NONE."""
    if t is None:
        return int(_lib.IV_TIME_NONE)
    if isinstance(t, (str, bytes)):
        return parse_time(t)
    if isinstance(t, bool):
        raise wrong_type("%s: a bool is not a time" % what, column=what)
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
        n: Any = t
        return int(n.astype("datetime64[ms]").astype("int64"))
    raise wrong_type("%s: cannot use %r as a time (give ISO text, a datetime or "
                     "milliseconds since the epoch)" % (what, t), column=what)


def from_ms(ms: int) -> _dt.datetime:
    """Milliseconds since the epoch -> an aware UTC datetime."""
    return _EPOCH + _dt.timedelta(milliseconds=ms)


class Progress:
    """Wraps a Python callable progress(done, total) as an iv_progress_fn. An exception
    raised by the callable stops the work (IV_ECANCELED) and is re-raised afterwards."""

    def __init__(self, func: Optional[Callable[[int, int], Optional[bool]]]) -> None:
        self.func = func
        self.exc: Optional[BaseException] = None
        self.c = _lib.PROGRESS_FN(self._call) if func is not None else \
            _lib.PROGRESS_FN()  # type: ignore[call-overload]

    def _call(self, done: int, total: int, payload: Any) -> int:
        try:
            return 1 if self.func is not None and self.func(done, total) is False else 0
        except BaseException as e:   # noqa: B902 - carried across the C frame
            self.exc = e
            return 1

    def reraise(self) -> None:
        if self.exc is not None:
            e, self.exc = self.exc, None
            raise e


class Handle:
    """Base of every class that owns a libiv handle: close(), context manager, freed by
    the garbage collector too. Subclasses set _free (the C destructor's name) and
    self._h.

    Threads: every public method holds a *use* of each handle among its arguments for
    the whole call (see :func:`using`), and close() waits until no other thread is
    inside a call on the handle, refusing new calls meanwhile (ClosedError, a ValueError: "used
    after close()"). Closing a handle from inside a call on it on the same thread (a progress
    callback closing its store) raises StateError instead of freeing memory still in
    use. The C library itself promises nothing of the kind (doc/ABI.md, Threads)."""
    _free: "str | None" = None
    _h: "int | None" = None
    _cv: "threading.Condition | None" = None
    _users: int = 0
    _closing: bool = False
    _owners: "dict[int, int] | None" = None

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        for name, v in list(vars(cls).items()):
            if name in _NOT_GUARDED or (name.startswith("_") and name not in _GUARDED_DUNDERS):
                continue
            if isinstance(v, property) and v.fget is not None:
                setattr(cls, name, property(using(v.fget), v.fset, v.fdel, v.__doc__))
            elif isinstance(v, (classmethod, staticmethod)):
                continue
            elif inspect.isfunction(v) and not inspect.isgeneratorfunction(v):
                setattr(cls, name, using(v))

    def _lock(self) -> "threading.Condition":
        cv = self._cv
        if cv is None:
            with _CV_INIT:
                if self._cv is None:
                    self._cv = threading.Condition(threading.Lock())
                    self._owners = {}
                cv = self._cv
        return cv

    def _acquire(self) -> None:
        cv = self._lock()
        me = threading.get_ident()
        with cv:
            owners = self._owners
            assert owners is not None
            if (not self._h or self._closing) and me not in owners:
                raise closed(type(self).__name__)
            self._users += 1
            owners[me] = owners.get(me, 0) + 1

    def _release(self) -> None:
        cv = self._lock()
        me = threading.get_ident()
        with cv:
            owners = self._owners
            assert owners is not None
            self._users -= 1
            n = owners.get(me, 0) - 1
            if n > 0:
                owners[me] = n
            else:
                owners.pop(me, None)
            if self._users == 0:
                cv.notify_all()

    def _handle(self) -> int:
        if not self._h:
            raise closed(type(self).__name__)
        return self._h

    def close(self) -> None:
        """Free the handle now (also done when the object is garbage-collected). Waits
        for calls other threads are making on it; new calls fail with ClosedError (a ValueError)."""
        if self._h is None and self._cv is None:
            return
        cv = self._lock()
        me = threading.get_ident()
        with cv:
            owners = self._owners
            assert owners is not None
            if owners.get(me):
                raise StateError(-10, "libiv.%s: close() inside a call on the same handle "
                                      "(from a callback?): the call is still using it"
                                 % type(self).__name__)
            self._closing = True
            while self._users:
                cv.wait()
            h, self._h = self._h, None
            self._closing = False
        if h:
            _lib.fn(self._free)(h)

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            h, self._h = self._h, None   # unreachable: no call can be using it
            if h:
                _lib.fn(self._free)(h)
        except Exception:   # interpreter shutdown: the library may be gone already
            pass


_CV_INIT = threading.Lock()
_NOT_GUARDED = {"close", "open", "__enter__", "__exit__", "__del__", "__init__",
                "__init_subclass__"}
_GUARDED_DUNDERS = {"__len__", "__getitem__", "__repr__", "__str__", "__bytes__",
                    "__eq__", "__contains__"}

F = TypeVar("F", bound=Callable[..., Any])


def using(f: F) -> F:
    """Wrap f so that every libiv handle among its arguments (positional or keyword,
    self included) is held in use for the duration of the call."""
    @functools.wraps(f)
    def call(*args: Any, **kw: Any) -> Any:
        held: "list[Handle]" = []
        try:
            for a in itertools.chain(args, kw.values()):
                if isinstance(a, Handle) and not any(a is h for h in held):
                    a._acquire()
                    held.append(a)
            return f(*args, **kw)
        finally:
            for a in reversed(held):
                a._release()
    return call  # type: ignore[return-value]


