"""Building an iv_columns struct for Store.append_columns() from lists, numpy arrays or
pandas Series. With numpy, contiguous int64 (ts) and float64 (numbers) arrays are handed
to the library by pointer, without a copy; strings are encoded once per distinct value."""

import ctypes
import math

from . import _lib
from ._util import enum_value, to_ms

try:
    import numpy as _np
except ImportError:   # numpy is optional: lists work without it
    _np = None

_ENUMS = ("stage", "area", "direction", "outcome")
_NUMBERS = ("cost", "value", "score", "rv")


def _plain(col):
    """pandas Series / Index -> numpy array; anything else unchanged."""
    if hasattr(col, "to_numpy") and not (_np is not None and isinstance(col, _np.ndarray)):
        return col.to_numpy()
    return col


def _is_array(col):
    return _np is not None and isinstance(col, _np.ndarray)


def _missing(v):
    return v is None or (isinstance(v, float) and math.isnan(v)) or v == ""


def _strings(col, n, name):
    col = _plain(col)
    if _is_array(col):
        col = col.tolist()
    if len(col) != n:
        raise ValueError("append_columns: column %r has %d entries, not %d" % (name, len(col), n))
    cache = {}
    vals = []
    for v in col:
        if _missing(v):
            vals.append(None)
            continue
        b = cache.get(v)
        if b is None:
            b = cache[v] = _lib.enc(v)   # a NUL inside is a ValueError, never a cut string
        vals.append(b)
    return (ctypes.c_char_p * n)(*vals)


def _times(col, n):
    col = _plain(col)
    if _is_array(col):
        if _np.issubdtype(col.dtype, _np.datetime64):
            col = col.astype("datetime64[ms]").astype(_np.int64)
        if col.dtype == _np.int64:
            col = _np.ascontiguousarray(col)
            if len(col) != n:
                raise ValueError("append_columns: column 'ts' has %d entries, not %d" % (len(col), n))
            return col.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)), col
        col = col.tolist()
    if len(col) != n:
        raise ValueError("append_columns: column 'ts' has %d entries, not %d" % (len(col), n))
    cache = {}
    out = (ctypes.c_int64 * n)()
    for i, v in enumerate(col):
        if isinstance(v, str):
            t = cache.get(v)
            if t is None:
                t = cache[v] = to_ms(v, "ts")
            out[i] = t
        else:
            out[i] = to_ms(v, "ts")
    return out, out


def _doubles(col, n, name):
    col = _plain(col)
    if _is_array(col) and col.dtype != object:
        col = _np.ascontiguousarray(col, dtype=_np.float64)
        if len(col) != n:
            raise ValueError("append_columns: column %r has %d entries, not %d" % (name, len(col), n))
        return col.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), col
    if _is_array(col):
        col = col.tolist()
    if len(col) != n:
        raise ValueError("append_columns: column %r has %d entries, not %d" % (name, len(col), n))
    out = (ctypes.c_double * n)(*[math.nan if v is None or v == "" else float(v) for v in col])
    return out, out


def _enums(col, n, name):
    col = _plain(col)
    if _is_array(col) and _np.issubdtype(col.dtype, _np.integer):
        col = _np.ascontiguousarray(col, dtype=_np.int32)
        if len(col) != n:
            raise ValueError("append_columns: column %r has %d entries, not %d" % (name, len(col), n))
        return col.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)), col
    if _is_array(col):
        col = col.tolist()
    if len(col) != n:
        raise ValueError("append_columns: column %r has %d entries, not %d" % (name, len(col), n))
    cache = {}
    out = (ctypes.c_int32 * n)()
    for i, v in enumerate(col):
        key = None if _missing(v) else v
        e = cache.get(key)
        if e is None:
            e = cache[key] = enum_value(name, key)
        out[i] = e
    return out, out


def build(contact, ts, channel, type, columns):
    """(iv_columns, objects to keep alive during the call)."""
    contact = _plain(contact)
    n = len(contact)
    cols = _lib.init_struct(_lib.Columns, "iv_columns_init")
    cols.n = n
    keep = []

    def put(field, ptr_and_owner):
        ptr, owner = ptr_and_owner
        keep.append(owner)
        setattr(cols, field, ctypes.cast(ptr, type_of[field]))

    type_of = {f: t for f, t in _lib.Columns._fields_}
    for field, col in (("contact", contact), ("channel", channel), ("type", type)):
        a = _strings(col, n, field)
        put(field, (a, a))
    put("ts", _times(ts, n))
    for field in ("team", "id"):
        if columns.get(field) is not None:
            a = _strings(columns.pop(field), n, field)
            put(field, (a, a))
        else:
            columns.pop(field, None)
    for field in _ENUMS:
        if columns.get(field) is not None:
            put(field, _enums(columns.pop(field), n, field))
        else:
            columns.pop(field, None)
    for field in _NUMBERS:
        if columns.get(field) is not None:
            put(field, _doubles(columns.pop(field), n, field))
        else:
            columns.pop(field, None)
    if columns:
        names = (ctypes.c_char_p * len(columns))(*[_lib.enc(k) for k in columns])
        arrays = [_strings(v, n, k) for k, v in columns.items()]
        ptrs = (ctypes.POINTER(ctypes.c_char_p) * len(arrays))(
            *[ctypes.cast(a, ctypes.POINTER(ctypes.c_char_p)) for a in arrays])
        keep += [names, arrays, ptrs]
        cols.ndims = len(columns)
        cols.dim_names = ctypes.cast(names, ctypes.POINTER(ctypes.c_char_p))
        cols.dim_values = ctypes.cast(ptrs, ctypes.POINTER(ctypes.POINTER(ctypes.c_char_p)))
    return cols, keep
