"""Type aliases of the public signatures (for mypy; nothing here runs at import time
beyond the names). numpy arrays are npt.NDArray[...] when numpy is installed (mypy then
checks them); pandas objects are Any (pandas ships no type information in Debian)."""

import datetime
import os
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Union

# A result table's cell (doc/GUIDE.md §3): None for undefined, TIME as an aware UTC
# datetime, LIST as a list of str.
Cell = Union[None, str, int, float, bool, datetime.datetime, List[str]]
Row = Dict[str, Cell]
# A file name.
PathLike = Union[str, "os.PathLike[str]"]
# A time as the functions take it: ISO text, datetime/date, numpy/pandas timestamp, or int
# milliseconds since the epoch (None: not given).
TimeLike = Union[None, str, bytes, int, float, datetime.datetime, datetime.date, Any]

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    FloatArray = npt.NDArray[np.float64]
    IntArray = npt.NDArray[np.int64]
    # Numbers given as a numpy array, a list or a scalar
    Floats = Union[float, Sequence[float], npt.NDArray[np.float64], npt.NDArray[np.int64]]
    # A sample of numbers: a sequence (None = NaN) or a numpy array (a pandas Series is
    # taken too: pandas has no types here, so it passes as Any)
    Sample = Union[Sequence[Optional[float]], npt.NDArray[np.floating[Any]],
                   npt.NDArray[np.integer[Any]]]
    # Equal-length series: a list of them or a 2-D numpy array
    Matrix = Union[Sequence[Sequence[Optional[float]]], npt.NDArray[np.floating[Any]]]
else:
    FloatArray = Any
    IntArray = Any
    Floats = Any
    Sample = Any
    Matrix = Any

__all__ = ["Cell", "Row", "PathLike", "TimeLike", "FloatArray", "IntArray", "Floats", "Sample", "Matrix"]
