"""Exceptions carrying libiv's status code and its iv_error_last() message."""

from . import _lib


class Error(Exception):
    """A libiv call failed. ``code`` is the negative iv_status, ``message`` the library's
    detailed message (what and where), ``name`` the status name (``"IV_EPARSE"``)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message
        self.name = _NAMES.get(code, "IV_E?")

    def __str__(self):
        return self.message

    def __reduce__(self):
        return (type(self), (self.code, self.message))


class LibraryNotFoundError(ImportError):
    """The shared library could not be found or loaded (LIBIV_PATH, the installed path, the
    system loader); raised by ``import libiv``, before any libiv.Error can exist."""


class OutOfMemoryError(Error, MemoryError):
    """IV_ENOMEM: an allocation failed; the handle is unchanged and usable."""


class InvalidArgumentError(Error, ValueError):
    """IV_EINVAL: an argument is invalid."""


class FileError(Error, OSError):
    """IV_EIO: a file could not be opened, read or written."""

    def __init__(self, code, message):
        Error.__init__(self, code, message)


class ParseError(Error, ValueError):
    """IV_EPARSE: input data or text is malformed (the message says where)."""


class LimitError(Error):
    """IV_ELIMIT: a configured limit was exceeded."""


class RangeError(Error, ValueError):
    """IV_ERANGE: a value is outside its allowed range."""


class NotFoundError(Error, LookupError):
    """IV_ENOTFOUND: a named thing (dimension, column, contact, type) is unknown."""


class CorruptError(Error):
    """IV_ECORRUPT: serialised bytes are truncated or fail their checksum."""


class VersionError(Error):
    """IV_EVERSION: serialised bytes carry an unsupported format version."""


class StateError(Error):
    """IV_ESTATE: the call is not valid in the handle's current state."""


class NoConvergenceError(Error):
    """IV_ENOCONV: an iterative fit did not converge."""


class CanceledError(Error):
    """IV_ECANCELED: a progress callback asked to stop."""


class UndefinedError(Error, ArithmeticError):
    """IV_EUNDEFINED: the requested quantity is undefined for this data."""


_CLASSES = {
    -1: OutOfMemoryError, -2: InvalidArgumentError, -3: FileError, -4: ParseError,
    -5: LimitError, -6: RangeError, -7: NotFoundError, -8: CorruptError, -9: VersionError,
    -10: StateError, -11: NoConvergenceError, -12: CanceledError, -13: UndefinedError,
}
_NAMES = {
    -1: "IV_ENOMEM", -2: "IV_EINVAL", -3: "IV_EIO", -4: "IV_EPARSE", -5: "IV_ELIMIT",
    -6: "IV_ERANGE", -7: "IV_ENOTFOUND", -8: "IV_ECORRUPT", -9: "IV_EVERSION",
    -10: "IV_ESTATE", -11: "IV_ENOCONV", -12: "IV_ECANCELED", -13: "IV_EUNDEFINED",
}


def error_for(code):
    """The exception for a failed call, with the message of the calling thread."""
    msg = _lib.dec(_lib.fn("iv_error_last")()) or ""
    if not msg:
        msg = _lib.dec(_lib.fn("iv_strerror")(code))
    return _CLASSES.get(code, Error)(code, msg)


def check(rc):
    """Raise the matching Error when rc is a negative iv_status; return rc otherwise."""
    if rc < 0:
        raise error_for(rc)
    return rc


def strerror(code):
    """Static English text of a status code."""
    return _lib.dec(_lib.fn("iv_strerror")(code))
