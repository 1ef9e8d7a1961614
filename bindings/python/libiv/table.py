"""Result tables: every libiv result is an iv_table (doc/GUIDE.md §3)."""

from typing import Any, Dict, Iterator, List, Optional, Union, cast
import ctypes
import json
import math

from . import _lib
from ._errors import check, missing_dependency, not_found, out_of_range
from ._types import Cell, PathLike, Row
from ._util import Handle, from_ms

STRING, INT, DOUBLE, TIME, BOOL, LIST = range(6)
_TYPE_NAMES = ("string", "int", "double", "time", "bool", "list")
FORMATS = {"table": 0, "text": 0, "csv": 1, "json": 2}


# Time-bucket group keys (doc/METRICS.md) -> pandas Period frequencies.
_PERIODS = {"day": "D", "week": "W-SUN", "month": "M", "quarter": "Q-DEC", "year": "A-DEC"}


def _periods(pd: Any, vals: List[Cell], name: str) -> Any:   # pandas: untyped
    """Bucket labels ("2024-02", "2024-Q1", "2020-W53", ...) -> a PeriodArray (NaT for
    None); each distinct label is converted once."""
    import datetime as dt
    freq = _PERIODS[name]
    conv = {}
    for v in set(x for x in vals if isinstance(x, str)):
        if name == "week":
            y, w = v.split("-W")
            conv[v] = pd.Period(dt.date.fromisocalendar(int(y), int(w), 1), freq=freq)
        else:
            conv[v] = pd.Period(v, freq=freq)
    return pd.array([conv.get(v, pd.NaT) if isinstance(v, str) else pd.NaT for v in vals],
                    dtype="period[%s]" % freq)


class Table(Handle):
    """A result table: named, typed columns and rows.

    Rows read as dicts keyed by the column names of doc/METRICS.md, doc/GUIDE.md §3; an undefined cell (a
    ratio over nothing, a missing group key) reads as None. TIME cells read as aware UTC
    datetimes, BOOL as bool, LIST as a list of str (empty, never None, as in the JSON
    export).
    """

    _free = "iv_table_free"

    def __init__(self, handle: Optional[int]) -> None:
        self._h = handle
        t = _lib.fn
        n = t("iv_table_ncols")(handle)
        self.columns = [_lib.dec(t("iv_table_col_name")(handle, i)) for i in range(n)]
        self.types = [t("iv_table_col_type")(handle, i) for i in range(n)]

    @classmethod
    def _take(cls, out: "ctypes.c_void_p") -> "Table":
        """Wrap the iv_table* a successful call stored in the c_void_p `out`."""
        return cls(out.value)

    # --- shape -----------------------------------------------------------------------
    def __len__(self) -> int:
        return int(_lib.fn("iv_table_nrows")(self._handle()))

    @property
    def single(self) -> bool:
        """True when the table is one result (JSON export writes one object)."""
        return bool(_lib.fn("iv_table_is_single")(self._handle()))

    def column_types(self) -> Dict[str, str]:
        """{column name: 'string' | 'int' | 'double' | 'time' | 'bool' | 'list'}."""
        return {c: _TYPE_NAMES[t] for c, t in zip(self.columns, self.types)}

    # --- cells -----------------------------------------------------------------------
    def _cell(self, r: int, c: int) -> Cell:
        h = self._h
        f = _lib.fn
        t = self.types[c]
        if not f("iv_table_is_defined")(h, r, c):
            return [] if t == LIST else None   # the exports write an empty list too
        if t == DOUBLE:
            return float(f("iv_table_get_double")(h, r, c))
        if t == INT:
            return int(f("iv_table_get_int")(h, r, c))
        if t == STRING:
            return cast(Optional[str], _lib.dec(f("iv_table_get_string")(h, r, c)))
        if t == TIME:
            return from_ms(f("iv_table_get_int")(h, r, c))
        if t == BOOL:
            return bool(f("iv_table_get_int")(h, r, c))
        if t == LIST:
            n = f("iv_table_get_list_len")(h, r, c)
            return [_lib.dec(f("iv_table_get_list_item")(h, r, c, i)) for i in range(n)]
        return None

    def row(self, i: int) -> Row:
        """Row i as a dict (negative i counts from the end)."""
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise out_of_range("libiv.Table: row %d out of range (%d rows)" % (i, n))
        return {name: self._cell(i, c) for c, name in enumerate(self.columns)}

    __getitem__ = row

    def __iter__(self) -> Iterator[Row]:
        for i in range(len(self)):
            yield self.row(i)

    def column(self, name: str) -> List[Cell]:
        """All values of one column, as a list."""
        c = _lib.fn("iv_table_col_index")(self._handle(), _lib.enc(name))
        if c < 0:
            raise not_found(name, "libiv.Table: no column %r (columns: %s)"
                            % (name, ", ".join(self.columns)))
        return [self._cell(r, c) for r in range(len(self))]

    def to_records(self) -> List[Row]:
        """The rows as a list of dicts (None for undefined cells)."""
        return list(self)

    def to_dict(self) -> Dict[str, List[Cell]]:
        """{column: [values]} (None for undefined cells)."""
        return {name: self.column(name) for name in self.columns}

    # --- exports ---------------------------------------------------------------------
    def to_string(self, format: Union[str, int] = "table") -> str:
        """The library's own export: "table" (aligned text), "csv" or "json"."""
        fmt = FORMATS[format] if isinstance(format, str) else int(format)
        out = ctypes.c_void_p()
        n = ctypes.c_size_t()
        check(_lib.fn("iv_table_to_string")(self._handle(), fmt, ctypes.byref(out),
                                            ctypes.byref(n)))
        try:
            return ctypes.string_at(out.value or 0, n.value).decode("utf-8")
        finally:
            _lib.fn("iv_table_free_string")(self._h, out)

    def to_csv(self) -> str:
        """RFC 4180 CSV with a header line (undefined cells empty)."""
        return self.to_string("csv")

    def to_json(self) -> str:
        """JSON text: an array of row objects (one object for a single result)."""
        return self.to_string("json")

    def save(self, path: PathLike, format: Union[str, int] = "csv") -> None:
        """Write the table to a file ("-" for standard output)."""
        fmt = FORMATS[format] if isinstance(format, str) else int(format)
        check(_lib.fn("iv_table_save")(self._handle(), fmt, _lib.enc(str(path))))

    def __str__(self) -> str:
        return self.to_string("table")

    def __repr__(self) -> str:
        if not self._h:
            return "<libiv.Table closed>"
        return "<libiv.Table %d rows x %d columns: %s>" % (
            len(self), len(self.columns), ", ".join(self.columns[:8]) +
            (", ..." if len(self.columns) > 8 else ""))

    def to_pandas(self) -> Any:   # a pandas.DataFrame (pandas ships no types in Debian)
        """A pandas DataFrame: numeric columns as float64/Int64, TIME as
        datetime64[ns, UTC] (cells are pandas Timestamps), BOOL as boolean, the time-bucket
        keys day, week, month, quarter, year as pandas Periods (period[D], period[W-SUN]
        for ISO weeks, period[M], period[Q-DEC], period[A-DEC]); undefined cells are
        NaN / NA / None / NaT."""
        try:
            import pandas as pd
        except ImportError as e:
            raise missing_dependency("libiv.Table.to_pandas() needs pandas, which is not installed "
                              "(pip install pandas, or apt-get install python3-pandas); "
                              "to_records() works without it") from e
        data = {}
        for c, name in enumerate(self.columns):
            vals = self.column(name)
            t = self.types[c]
            if t == DOUBLE:
                data[name] = pd.array([math.nan if v is None else v for v in vals],
                                      dtype="float64")
            elif t == INT:
                data[name] = pd.array(vals, dtype="Int64")
            elif t == TIME:
                data[name] = pd.to_datetime(vals, utc=True)
            elif t == BOOL:
                data[name] = pd.array(vals, dtype="boolean")
            elif t == STRING and name in _PERIODS:
                data[name] = _periods(pd, vals, name)
            else:
                data[name] = pd.array(vals, dtype="object")
        return pd.DataFrame(data, columns=self.columns)

    def to_json_value(self) -> Any:   # parsed JSON: a list of dicts, or one dict
        """The parsed JSON export (what `iv ... --format json` prints)."""
        return json.loads(self.to_json())
