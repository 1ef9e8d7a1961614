"""Exceptions carrying libiv's status code and its iv_error_last() message.

Every exception the package raises on purpose is a :class:`Error` subclass; the ones that
stand for Python's own categories also derive from it (``InvalidArgumentError`` is a
``ValueError``, ``ArgumentTypeError`` a ``TypeError``, ``IndexOutOfRangeError`` an
``IndexError``, ``KeyNotFoundError`` a ``KeyError``), so ``except ValueError`` keeps working.
Where the failure concerns one row and column of the input (a file line, a row of arrays
or a DataFrame), ``row``, ``line`` and ``column`` say which; otherwise they are None."""

import re
import warnings
from typing import Any, Dict, Iterable, Optional, Tuple, Type

from . import _lib


class Error(Exception):
    """A libiv call failed. ``code`` is the negative iv_status, ``message`` the library's
    detailed message (what and where), ``name`` the status name (``"IV_EPARSE"``);
    ``row`` (0-based row of arrays or a DataFrame), ``line`` (1-based line of a file) and
    ``column`` (the input's column or field name) where the failure has one."""

    code: int
    message: str
    name: str
    row: Optional[int]
    line: Optional[int]
    column: Optional[str]

    def __init__(self, code: int, message: str, row: Optional[int] = None,
                 column: Optional[str] = None, line: Optional[int] = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.name = _NAMES.get(code, "IV_E?")
        self.row = row
        self.column = column
        self.line = line
        if row is None and line is None and column is None:
            self._locate()

    def _locate(self) -> None:
        """Row/line and column from the library's message ("row 3: field cost: ...",
        "FILE: line 2, column 5 (cost): ...")."""
        m = _ROW.search(self.message)
        if m:
            self.row, self.column = int(m.group(1)), m.group(2)
            return
        m = _LINE.search(self.message)
        if m:
            self.line = int(m.group(1))
            self.column = m.group(3) or None

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> Any:
        return (type(self), (self.code, self.message, self.row, self.column, self.line))


class LibraryNotFoundError(Error, ImportError):  # type: ignore[misc]  # ImportError.name is Optional
    """IV_EIO: the shared library could not be found or loaded (LIBIV_PATH, the installed
    path, the system loader); raised by ``import libiv``."""

    def __init__(self, message: str) -> None:
        Error.__init__(self, -3, message)

    def __reduce__(self) -> Any:
        return (type(self), (self.message,))


_ROW = re.compile(r"\brow (\d+): field ([A-Za-z_][\w.]*)")
_LINE = re.compile(r"\bline (\d+)(?:, column (\d+)(?: \(([^)]*)\))?)?")


class OutOfMemoryError(Error, MemoryError):
    """IV_ENOMEM: an allocation failed; the handle is unchanged and usable."""


class InvalidArgumentError(Error, ValueError):
    """IV_EINVAL: an argument is invalid."""


class ArgumentTypeError(InvalidArgumentError, TypeError):
    """IV_EINVAL: an argument has the wrong type, or a keyword is unknown (custom
    dimensions are passed as ``dims=``, never as keywords)."""


class FileError(Error, OSError):
    """IV_EIO: a file could not be opened, read or written."""

    def __init__(self, code: int, message: str, row: Optional[int] = None,
                 column: Optional[str] = None, line: Optional[int] = None) -> None:
        Error.__init__(self, code, message, row, column, line)


class ParseError(Error, ValueError):
    """IV_EPARSE: input data or text is malformed (the message, ``row``/``line`` and
    ``column`` say where)."""


class LimitError(Error):
    """IV_ELIMIT: a configured limit was exceeded."""


class RangeError(Error, ValueError):
    """IV_ERANGE: a value is outside its allowed range."""


class IndexOutOfRangeError(RangeError, IndexError):
    """IV_ERANGE: a row or element index is out of range."""


class NotFoundError(Error, LookupError):
    """IV_ENOTFOUND: a named thing (dimension, column, contact, type) is unknown."""


class KeyNotFoundError(NotFoundError, KeyError):
    """IV_ENOTFOUND: a key (a column name, an area) is unknown."""

    def __str__(self) -> str:
        return self.message


class CorruptError(Error):
    """IV_ECORRUPT: serialised bytes are truncated or fail their checksum."""


class VersionError(Error):
    """IV_EVERSION: serialised bytes carry an unsupported format version."""


class StateError(Error):
    """IV_ESTATE: the call is not valid in the handle's current state."""


class ClosedError(StateError, ValueError):
    """IV_ESTATE: a handle was used after close()."""


class NoConvergenceError(Error):
    """IV_ENOCONV: an iterative fit did not converge."""


class CanceledError(Error):
    """IV_ECANCELED: a progress callback asked to stop."""


class UndefinedError(Error, ArithmeticError):
    """IV_EUNDEFINED: the requested quantity is undefined for this data."""


class BindingError(Error, RuntimeError):
    """The binding and the library disagree (a struct size): a broken installation."""


class MissingDependencyError(Error, ImportError):  # type: ignore[misc]  # ImportError.name is Optional
    """IV_ESTATE: the call needs an optional package (numpy, pandas) that is not installed."""


_CLASSES: Dict[int, Type[Error]] = {
    -1: OutOfMemoryError, -2: InvalidArgumentError, -3: FileError, -4: ParseError,
    -5: LimitError, -6: RangeError, -7: NotFoundError, -8: CorruptError, -9: VersionError,
    -10: StateError, -11: NoConvergenceError, -12: CanceledError, -13: UndefinedError,
}
_NAMES: Dict[int, str] = {
    -1: "IV_ENOMEM", -2: "IV_EINVAL", -3: "IV_EIO", -4: "IV_EPARSE", -5: "IV_ELIMIT",
    -6: "IV_ERANGE", -7: "IV_ENOTFOUND", -8: "IV_ECORRUPT", -9: "IV_EVERSION",
    -10: "IV_ESTATE", -11: "IV_ENOCONV", -12: "IV_ECANCELED", -13: "IV_EUNDEFINED",
}


def error_for(code: int) -> Error:
    """The exception for a failed call, with the message of the calling thread."""
    msg = _lib.dec(_lib.fn("iv_error_last")()) or ""
    if not msg:
        msg = _lib.dec(_lib.fn("iv_strerror")(code)) or ""
    return _CLASSES.get(code, Error)(code, msg)


class IvWarning(UserWarning):
    """A result computed as asked but probably not as meant: a ``where`` value no row
    has, a funnel step or cohort/path start type that never occurs in the selection
    (the library's iv_warning_count()). Issued with :func:`warnings.warn`."""


_warning_count: Any = None


def emit_warnings() -> None:
    """Issue the library's pending warnings of this thread as IvWarning, then clear them."""
    global _warning_count
    if _warning_count is None:
        try:
            _warning_count = _lib.fn("iv_warning_count")
        except AttributeError:  # an older libiv without warnings
            _warning_count = False
    if _warning_count is False:
        return
    n = _warning_count()
    if n:
        texts = [_lib.dec(_lib.fn("iv_warning_get")(i)) or "" for i in range(n)]
        _lib.fn("iv_warning_clear")()
        for t in texts:
            warnings.warn(t, IvWarning, stacklevel=3)


def check(rc: int) -> int:
    """Raise the matching Error when rc is a negative iv_status; return rc otherwise
    (after issuing the library's pending warnings as IvWarning)."""
    if rc < 0:
        err = error_for(rc)
        try:
            _lib.fn("iv_warning_clear")()  # the failure is what matters
        except AttributeError:
            pass
        raise err
    emit_warnings()
    return rc


def strerror(code: int) -> str:
    """Static English text of a status code."""
    return _lib.dec(_lib.fn("iv_strerror")(code)) or ""


# Shorthands for the binding's own checks (argument errors found before calling C).
def invalid(message: str, row: Optional[int] = None,
            column: Optional[str] = None) -> InvalidArgumentError:
    """IV_EINVAL as a ValueError."""
    return InvalidArgumentError(-2, message, row, column)


def wrong_type(message: str, row: Optional[int] = None,
               column: Optional[str] = None) -> ArgumentTypeError:
    """IV_EINVAL as a TypeError (wrong type, unknown keyword)."""
    return ArgumentTypeError(-2, message, row, column)


def bad_data(message: str, row: Optional[int] = None,
             column: Optional[str] = None) -> ParseError:
    """IV_EPARSE for one value of the input."""
    return ParseError(-4, message, row, column)


def out_of_range(message: str) -> IndexOutOfRangeError:
    """IV_ERANGE as an IndexError."""
    return IndexOutOfRangeError(-6, message)


def not_found(key: str, message: Optional[str] = None) -> KeyNotFoundError:
    """IV_ENOTFOUND as a KeyError."""
    return KeyNotFoundError(-7, message or "no %r" % (key,))


def missing_dependency(message: str) -> MissingDependencyError:
    """An optional package (numpy, pandas) the call needs is not installed."""
    return MissingDependencyError(-10, message)


def closed(what: str) -> ClosedError:
    """IV_ESTATE for a handle used after close()."""
    return ClosedError(-10, "libiv.%s: used after close()" % what)


def unknown_keywords(where: str, names: Iterable[str]) -> ArgumentTypeError:
    """An unknown keyword argument (a typo is never taken as a custom dimension)."""
    return ArgumentTypeError(-2, "%s: unknown keyword argument(s): %s" % (
        where, ", ".join(sorted(names))))
