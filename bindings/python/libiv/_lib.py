"""The ctypes layer: finding libiv, the option structs and every function's prototype.

Nothing here is public. The structs mirror include/iv/*.h field for field; each one is
filled by the library's own ``iv_..._options_init`` so defaults live in one place (C).
"""

from typing import Any, Dict, Optional, Tuple, Union, overload
import ctypes
import ctypes.util
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char, c_char_p, c_double, c_int,
                    c_int32, c_int64, c_long, c_size_t, c_uint, c_uint32, c_uint64, c_void_p)

IV_TIME_NONE = -(2 ** 63)
SNAPSHOT_MAGIC = b"\x89IVSTO\r\n"   # IV_STORE_SNAPSHOT_MAGIC

ALLOC_FN = CFUNCTYPE(c_void_p, c_void_p, c_void_p, c_size_t, c_size_t)
PROGRESS_FN = CFUNCTYPE(c_int, c_uint64, c_uint64, c_void_p)
WRITE_FN = CFUNCTYPE(c_int, c_void_p, c_size_t, c_void_p)


def _load(path: str, why: str) -> ctypes.CDLL:
    try:
        return ctypes.CDLL(path)
    except OSError as e:
        from ._errors import LibraryNotFoundError
        raise LibraryNotFoundError("libiv: %s %s cannot be loaded: %s" % (why, path, e)) from None


def _find_library() -> ctypes.CDLL:
    """LIBIV_PATH first (the library file, or a directory holding libiv.so.1 or libiv.so),
    then the library an installed copy of this package was installed with (_paths.py),
    then the system loader (doc/GUIDE.md §3)."""
    path = os.environ.get("LIBIV_PATH")
    if path:
        if os.path.isdir(path):
            for name in ("libiv.so.1", "libiv.so", "libiv.1.dylib", "libiv.dylib"):
                if os.path.exists(os.path.join(path, name)):
                    return _load(os.path.join(path, name), "LIBIV_PATH")
            from ._errors import LibraryNotFoundError
            raise LibraryNotFoundError(
                "libiv: LIBIV_PATH=%s is a directory without libiv.so.1 or libiv.so; set it "
                "to the library file or the directory holding it" % path)
        if not os.path.exists(path):
            from ._errors import LibraryNotFoundError
            raise LibraryNotFoundError("libiv: LIBIV_PATH=%s does not exist; set it to the "
                                       "path of libiv.so.1 or its directory" % path)
        return _load(path, "LIBIV_PATH")
    from ._paths import LIBIV_INSTALLED
    if LIBIV_INSTALLED and os.path.exists(LIBIV_INSTALLED):
        return _load(LIBIV_INSTALLED, "the installed library")
    names: Tuple[Optional[str], ...] = (ctypes.util.find_library("iv"), "libiv.so.1", "libiv.so",
                                        "libiv.dylib")
    for cand in names:
        if not cand:
            continue
        try:
            return ctypes.CDLL(cand)
        except OSError:
            continue
    from ._errors import LibraryNotFoundError
    raise LibraryNotFoundError(
        "libiv: the shared library was not found; set LIBIV_PATH to the path of "
        "libiv.so.1 (or its directory) or install libiv where the system loader finds it")


lib = _find_library()


class StoreOptions(Structure):
    _fields_ = [("size", c_size_t), ("alloc", ALLOC_FN), ("alloc_ud", c_void_p),
                ("max_strings", c_uint64)]


class Record(Structure):
    _fields_ = [("size", c_size_t), ("contact", c_char_p), ("ts", c_int64),
                ("channel", c_char_p), ("type", c_char_p), ("stage", c_int), ("area", c_int),
                ("direction", c_int), ("outcome", c_int), ("cost", c_double),
                ("value", c_double), ("score", c_double), ("rv", c_double),
                ("team", c_char_p), ("id", c_char_p), ("ndims", c_size_t),
                ("dim_names", POINTER(c_char_p)), ("dim_values", POINTER(c_char_p))]


class Columns(Structure):
    _fields_ = [("size", c_size_t), ("n", c_size_t), ("contact", POINTER(c_char_p)),
                ("ts", POINTER(c_int64)), ("channel", POINTER(c_char_p)),
                ("type", POINTER(c_char_p)), ("stage", POINTER(c_int32)),
                ("area", POINTER(c_int32)), ("direction", POINTER(c_int32)),
                ("outcome", POINTER(c_int32)), ("cost", POINTER(c_double)),
                ("value", POINTER(c_double)), ("score", POINTER(c_double)),
                ("rv", POINTER(c_double)), ("team", POINTER(c_char_p)),
                ("id", POINTER(c_char_p)), ("ndims", c_size_t),
                ("dim_names", POINTER(c_char_p)), ("dim_values", POINTER(POINTER(c_char_p)))]


class IngestOptions(Structure):
    _fields_ = [("size", c_size_t), ("format", c_int), ("policy", c_int),
                ("delimiter", c_char), ("map", c_char_p), ("max_line", c_size_t),
                ("max_fields", c_size_t), ("max_string", c_size_t), ("max_depth", c_size_t),
                ("max_raw", c_size_t), ("max_rejects", c_uint64), ("progress", PROGRESS_FN),
                ("payload", c_void_p), ("source", c_void_p), ("threads", c_int),
                ("skip", c_uint), ("keep_dims", c_char_p)]


class IngestStats(Structure):
    _fields_ = [("size", c_size_t), ("rows_read", c_uint64), ("rows_accepted", c_uint64),
                ("rows_rejected", c_uint64), ("bytes", c_uint64), ("rows_duplicate", c_uint64)]


class QueryOptions(Structure):
    _fields_ = [("size", c_size_t), ("by", c_char_p), ("where", c_char_p), ("from_", c_int64),
                ("to", c_int64), ("model", c_void_p), ("t_ref", c_int64),
                ("progress", PROGRESS_FN), ("payload", c_void_p), ("threads", c_uint)]


class ModelOptions(Structure):
    _fields_ = [("size", c_size_t), ("alloc", ALLOC_FN), ("alloc_ud", c_void_p)]


class ClvOptions(Structure):
    _fields_ = [("size", c_size_t), ("alloc", ALLOC_FN), ("alloc_ud", c_void_p),
                ("max_iterations", c_int), ("tolerance", c_double), ("start", c_double * 4),
                ("progress", PROGRESS_FN), ("progress_payload", c_void_p),
                ("penalizer", c_double), ("weights", POINTER(c_double)),
                ("covariates_purchase", c_size_t), ("z_purchase", POINTER(c_double)),
                ("names_purchase", POINTER(ctypes.c_char_p)),
                ("covariates_dropout", c_size_t), ("z_dropout", POINTER(c_double)),
                ("names_dropout", POINTER(ctypes.c_char_p))]


class ClvValidateOptions(Structure):
    _fields_ = [("size", c_size_t), ("alloc", ALLOC_FN), ("alloc_ud", c_void_p),
                ("z_purchase", POINTER(c_double)), ("z_dropout", POINTER(c_double)),
                ("failed", POINTER(c_size_t))]


class RfmOptions(Structure):
    _fields_ = [("size", c_size_t), ("calibration_end", c_int64), ("unit", c_int),
                ("model", c_void_p), ("holdout_end", c_int64)]


class StatsOptions(Structure):
    _fields_ = [("size", c_size_t), ("alloc", ALLOC_FN), ("alloc_ud", c_void_p),
                ("confidence", c_double), ("mwu_method", c_int), ("mwu_continuity", c_int)]


class MaturityOptions(Structure):
    _fields_ = [("size", c_size_t), ("alloc", ALLOC_FN), ("alloc_ud", c_void_p)]


P = c_void_p          # every opaque handle
PP = POINTER(c_void_p)
PD = POINTER(c_double)

# name: (restype, argtypes). Functions that may be missing from an older libiv are
# looked up lazily by fn(); everything declared here exists in LIBIV_1.
_PROTOS = {
    "iv_strerror": (c_char_p, [c_int]),
    "iv_error_last": (c_char_p, []),
    "iv_warning_count": (c_size_t, []),
    "iv_warning_get": (c_char_p, [c_size_t]),
    "iv_warning_clear": (None, []),
    "iv_version": (c_int, []),
    "iv_version_string": (c_char_p, []),
    "iv_enum_name": (c_char_p, [c_int, c_int]),
    # store
    "iv_store_options_init": (c_int, [POINTER(StoreOptions), c_size_t]),
    "iv_store_new": (c_int, [PP, POINTER(StoreOptions)]),
    "iv_store_free": (None, [P]),
    "iv_record_init": (c_int, [POINTER(Record), c_size_t]),
    "iv_store_append": (c_int, [P, POINTER(Record)]),
    "iv_columns_init": (c_int, [POINTER(Columns), c_size_t]),
    "iv_store_append_columns": (c_int, [P, POINTER(Columns)]),
    "iv_store_prepare": (c_int, [P]),
    "iv_store_rows": (c_size_t, [P]),
    "iv_store_contacts": (c_size_t, [P]),
    "iv_store_time_range": (c_int, [P, POINTER(c_int64), POINTER(c_int64)]),
    "iv_store_get_row": (c_int, [P, c_size_t, POINTER(Record)]),
    "iv_store_dim_count": (c_size_t, [P]),
    "iv_store_dim_name": (c_char_p, [P, c_size_t]),
    "iv_store_get_dim": (c_char_p, [P, c_size_t, c_size_t]),
    "iv_store_contact_rows": (c_int, [P, c_char_p, POINTER(POINTER(c_uint32)),
                                      POINTER(c_size_t)]),
    "iv_store_memory": (c_size_t, [P, POINTER(c_size_t), POINTER(c_size_t)]),
    "iv_store_ingest_counts": (c_int, [P, POINTER(c_uint64), POINTER(c_uint64)]),
    "iv_store_save": (c_int, [P, c_char_p]),
    "iv_store_load": (c_int, [PP, c_char_p, POINTER(StoreOptions)]),
    # ingest
    "iv_ingest_options_init": (c_int, [POINTER(IngestOptions), c_size_t]),
    "iv_ingest_new": (c_int, [PP, P, POINTER(IngestOptions)]),
    "iv_ingest_push": (c_int, [P, c_void_p, c_size_t]),
    "iv_ingest_finish": (c_int, [P]),
    "iv_ingest_file": (c_int, [P, c_char_p]),
    "iv_ingest_file_range": (c_int, [P, c_char_p, c_uint64, c_uint64]),
    "iv_ingest_find_record": (c_int, [c_char_p, c_size_t, c_uint64, POINTER(IngestOptions),
                                      POINTER(c_uint64)]),
    "iv_ingest_find_record_file": (c_int, [c_char_p, c_uint64, POINTER(IngestOptions),
                                           POINTER(c_uint64)]),
    "iv_ingest_free": (None, [P]),
    "iv_ingest_get_stats": (c_int, [P, POINTER(IngestStats)]),
    "iv_ingest_reject_count": (c_size_t, [P]),
    "iv_ingest_reject": (c_int, [P, c_size_t, POINTER(c_uint64), POINTER(c_uint64),
                                 POINTER(c_char_p), POINTER(c_char_p)]),
    "iv_ingest_write_rejects": (c_int, [P, c_char_p]),
    # source options
    "iv_source_new": (c_int, [PP]),
    "iv_source_free": (None, [P]),
    "iv_source_set": (c_int, [P, c_char_p, c_char_p]),
    "iv_source_parse_time": (c_int, [P, c_char_p, c_size_t, POINTER(c_int64)]),
    "iv_source_parse_times": (c_int, [P, POINTER(c_char_p), c_size_t, POINTER(c_int64),
                                      POINTER(c_size_t)]),
    "iv_time_parse": (c_int, [c_char_p, c_size_t, POINTER(c_int64)]),
    "iv_time_format": (c_int, [c_int64, c_char_p, c_size_t]),
    # table
    "iv_table_new": (c_int, [PP, ALLOC_FN, c_void_p]),
    "iv_table_add_column": (c_int, [P, c_char_p, c_int]),
    "iv_table_add_row": (c_long, [P]),
    "iv_table_set_double": (c_int, [P, c_size_t, c_size_t, c_double]),
    "iv_table_set_int": (c_int, [P, c_size_t, c_size_t, c_int64]),
    "iv_table_set_string": (c_int, [P, c_size_t, c_size_t, c_char_p]),
    "iv_table_list_append": (c_int, [P, c_size_t, c_size_t, c_char_p]),
    "iv_table_set_single": (c_int, [P, c_int]),
    "iv_table_free": (None, [P]),
    "iv_table_nrows": (c_size_t, [P]),
    "iv_table_ncols": (c_size_t, [P]),
    "iv_table_col_name": (c_char_p, [P, c_size_t]),
    "iv_table_col_type": (c_int, [P, c_size_t]),
    "iv_table_col_index": (c_long, [P, c_char_p]),
    "iv_table_is_defined": (c_int, [P, c_size_t, c_size_t]),
    "iv_table_get_double": (c_double, [P, c_size_t, c_size_t]),
    "iv_table_get_int": (c_int64, [P, c_size_t, c_size_t]),
    "iv_table_get_string": (c_char_p, [P, c_size_t, c_size_t]),
    "iv_table_get_list_len": (c_size_t, [P, c_size_t, c_size_t]),
    "iv_table_get_list_item": (c_char_p, [P, c_size_t, c_size_t, c_size_t]),
    "iv_table_is_single": (c_int, [P]),
    "iv_table_to_string": (c_int, [P, c_int, POINTER(c_void_p), POINTER(c_size_t)]),
    "iv_table_free_string": (None, [P, c_void_p]),
    "iv_table_save": (c_int, [P, c_int, c_char_p]),
    # model
    "iv_model_options_init": (c_int, [POINTER(ModelOptions), c_size_t]),
    "iv_model_new": (c_int, [PP, POINTER(ModelOptions)]),
    "iv_model_copy": (c_int, [PP, P, POINTER(ModelOptions)]),
    "iv_model_free": (None, [P]),
    "iv_model_load": (c_int, [PP, c_char_p, POINTER(ModelOptions)]),
    "iv_model_parse": (c_int, [PP, c_char_p, c_size_t, POINTER(ModelOptions)]),
    "iv_model_write": (c_int, [P, c_char_p]),
    "iv_model_to_string": (c_int, [P, POINTER(c_void_p), POINTER(c_size_t)]),
    "iv_model_free_string": (None, [P, c_void_p]),
    "iv_model_equal": (c_int, [P, P]),
    "iv_model_type_count": (c_size_t, [P]),
    "iv_model_type_name": (c_char_p, [P, c_size_t]),
    "iv_model_channel_count": (c_size_t, [P]),
    "iv_model_channel_name": (c_char_p, [P, c_size_t]),
    "iv_model_remove_type": (c_int, [P, c_char_p]),
    "iv_model_remove_channel": (c_int, [P, c_char_p]),
    "iv_model_set_type_rv": (c_int, [P, c_char_p, c_double]),
    "iv_model_set_type_stage": (c_int, [P, c_char_p, c_int]),
    "iv_model_set_type_class": (c_int, [P, c_char_p, c_int]),
    "iv_model_set_type_flags": (c_int, [P, c_char_p, c_uint]),
    "iv_model_set_type_rv_repeat": (c_int, [P, c_char_p, c_double]),
    "iv_model_set_type_daily_cap": (c_int, [P, c_char_p, c_double]),
    "iv_model_set_type_survey": (c_int, [P, c_char_p, c_int]),
    "iv_model_set_type_survey_rv": (c_int, [P, c_char_p, c_double, c_double, c_double]),
    "iv_model_set_channel_cost": (c_int, [P, c_char_p, c_double]),
    "iv_model_set_channel_digital": (c_int, [P, c_char_p, c_int]),
    "iv_model_set_channel_area": (c_int, [P, c_char_p, c_int]),
    "iv_model_set_param": (c_int, [P, c_char_p, c_double]),
    "iv_model_get_param": (c_int, [P, c_char_p, PD]),
    "iv_model_get_type_rv": (c_int, [P, c_char_p, PD]),
    "iv_model_get_type_stage": (c_int, [P, c_char_p, POINTER(c_int)]),
    "iv_model_get_type_class": (c_int, [P, c_char_p, POINTER(c_int)]),
    "iv_model_get_type_flags": (c_int, [P, c_char_p, POINTER(c_uint)]),
    "iv_model_get_type_rv_repeat": (c_int, [P, c_char_p, PD]),
    "iv_model_get_type_daily_cap": (c_int, [P, c_char_p, PD]),
    "iv_model_get_type_survey": (c_int, [P, c_char_p, POINTER(c_int)]),
    "iv_model_get_type_survey_rv": (c_int, [P, c_char_p, PD, PD, PD]),
    "iv_model_get_channel_cost": (c_int, [P, c_char_p, PD]),
    "iv_model_get_channel_digital": (c_int, [P, c_char_p, POINTER(c_int)]),
    "iv_model_get_channel_area": (c_int, [P, c_char_p, POINTER(c_int)]),
    # query
    "iv_query_options_init": (c_int, [POINTER(QueryOptions), c_size_t]),
    "iv_query_metrics": (c_int, [PP, P, POINTER(QueryOptions)]),
    "iv_query_compare": (c_int, [PP, P, POINTER(QueryOptions), c_int64, c_int64]),
    "iv_query_drill": (c_int, [PP, P, POINTER(QueryOptions), c_size_t]),
    "iv_query_contacts": (c_int, [PP, P, POINTER(QueryOptions)]),
    # clv
    "iv_clv_options_init": (c_int, [POINTER(ClvOptions), c_size_t]),
    "iv_clv_fit": (c_int, [PP, c_int, PD, PD, PD, PD, c_size_t, POINTER(ClvOptions)]),
    "iv_clv_new": (c_int, [PP, c_int, PD, POINTER(ClvOptions)]),
    "iv_clv_free": (None, [P]),
    "iv_clv_for_customer": (c_int, [P, PD, PD, PP]),
    "iv_clv_model_of": (c_int, [P]),
    "iv_clv_params": (c_int, [P, PP]),
    "iv_clv_get_param": (c_int, [P, c_char_p, PD]),
    "iv_clv_loglik": (c_int, [P, PD, POINTER(c_size_t)]),
    "iv_clv_expected": (c_int, [P, c_double, PD]),
    "iv_clv_conditional": (c_int, [P, c_double, c_double, c_double, c_double, PD]),
    "iv_clv_p_alive": (c_int, [P, c_double, c_double, c_double, PD]),
    "iv_clv_expected_spend": (c_int, [P, c_double, c_double, PD]),
    "iv_clv_value": (c_int, [P, P, c_double, c_double, c_double, c_double, c_double,
                             c_double, c_double, PD]),
    "iv_clv_simple": (c_int, [c_double, c_double, c_double, PD]),
    "iv_clv_pmf": (c_int, [P, c_double, c_double, PD]),
    "iv_clv_survival": (c_int, [P, c_double, PD]),
    "iv_clv_retention": (c_int, [P, c_double, PD]),
    "iv_clv_residual_lifetime": (c_int, [P, c_double, c_double, PD]),
    "iv_clv_validate_options_init": (c_int, [POINTER(ClvValidateOptions), c_size_t]),
    "iv_clv_validate": (c_int, [PP, P, PD, PD, PD, PD, PD, c_size_t,
                                POINTER(ClvValidateOptions)]),
    "iv_clv_validate_store": (c_int, [PP, PP, P, c_int, POINTER(RfmOptions),
                                      POINTER(ClvOptions), POINTER(ClvValidateOptions)]),
    "iv_rfm_discrete": (c_int, [PP, P, POINTER(RfmOptions)]),
    "iv_contracts": (c_int, [PP, P, POINTER(RfmOptions)]),
    "iv_rfm_options_init": (c_int, [POINTER(RfmOptions), c_size_t]),
    "iv_rfm": (c_int, [PP, P, POINTER(RfmOptions)]),
    # stats
    "iv_stats_normal_cdf": (c_double, [c_double]),
    "iv_stats_normal_sf": (c_double, [c_double]),
    "iv_stats_normal_quantile": (c_double, [c_double]),
    "iv_stats_t_cdf": (c_double, [c_double, c_double]),
    "iv_stats_t_sf": (c_double, [c_double, c_double]),
    "iv_stats_t_quantile": (c_double, [c_double, c_double]),
    "iv_stats_options_init": (c_int, [POINTER(StatsOptions), c_size_t]),
    "iv_stats_welch": (c_int, [PD, c_size_t, PD, c_size_t, PD, PD, PD]),
    "iv_stats_mwu": (c_int, [PD, c_size_t, PD, c_size_t, POINTER(StatsOptions), PD, PD,
                             POINTER(c_int)]),
    "iv_stats_cliffs_delta": (c_int, [PD, c_size_t, PD, c_size_t, POINTER(StatsOptions), PD]),
    "iv_stats_compare": (c_int, [PP, PD, c_size_t, PD, c_size_t, POINTER(StatsOptions)]),
    # maturity
    "iv_maturity_options_init": (c_int, [POINTER(MaturityOptions), c_size_t]),
    "iv_rubric_default_text": (c_char_p, []),
    "iv_rubric_new_default": (c_int, [PP, POINTER(MaturityOptions)]),
    "iv_rubric_parse": (c_int, [PP, c_char_p, c_size_t, POINTER(MaturityOptions)]),
    "iv_rubric_load": (c_int, [PP, c_char_p, POINTER(MaturityOptions)]),
    "iv_rubric_free": (None, [P]),
    "iv_rubric_table": (c_int, [PP, P]),
    "iv_rubric_level": (c_int, [P, c_char_p, c_double, PD]),
    "iv_indicators_new": (c_int, [PP, POINTER(MaturityOptions)]),
    "iv_indicators_free": (None, [P]),
    "iv_indicators_set": (c_int, [P, c_char_p, c_double]),
    "iv_indicators_get": (c_int, [P, c_char_p, PD]),
    "iv_indicators_count": (c_size_t, [P]),
    "iv_indicators_parse_csv": (c_int, [P, c_char_p, c_size_t]),
    "iv_indicators_load_csv": (c_int, [P, c_char_p]),
    "iv_indicators_from_store": (c_int, [P, P, P, c_int64, c_int64]),
    "iv_indicators_table": (c_int, [PP, P]),
    "iv_maturity_assess": (c_int, [PP, P, P, POINTER(MaturityOptions)]),
    "iv_maturity_compare": (c_int, [PP, P, P]),
    "iv_maturity_peers_parse": (c_int, [PP, P, c_char_p, c_size_t]),
    "iv_maturity_peers": (c_int, [PP, P, c_char_p]),
}

_cache: Dict[str, Any] = {}


def fn(name: Any) -> Any:
    """The prototyped C function `name` (AttributeError if this libiv lacks it)."""
    f = _cache.get(name)
    if f is None:
        f = getattr(lib, name)
        restype, argtypes = _PROTOS[name]
        f.restype = restype
        f.argtypes = argtypes
        _cache[name] = f
    return f


def has(name: Any) -> Any:
    """Whether the loaded libiv exports `name` (for capabilities added in later releases)."""
    try:
        getattr(lib, name)
        return True
    except AttributeError:
        return False


def init_struct(cls: Any, init_name: Any) -> Any:
    """A struct filled with the library's defaults by its iv_..._init function."""
    s = cls()
    rc = fn(init_name)(ctypes.byref(s), ctypes.sizeof(s))
    if rc != 0:
        from ._errors import BindingError
        raise BindingError(rc, "%s failed (%d): the binding and the library disagree on a "
                           "struct size" % (init_name, rc))
    return s


@overload
def enc(s: None) -> None: ...


@overload
def enc(s: Union[str, bytes, int, float]) -> bytes: ...


def enc(s: Any) -> Optional[bytes]:
    """str -> UTF-8 bytes (None stays None). A NUL character is an InvalidArgumentError
    (a ValueError): the C API takes NUL-terminated strings, so "a\\0b" would silently
    become "a"."""
    if s is None:
        return None
    b = s if isinstance(s, bytes) else str(s).encode("utf-8")
    if b"\0" in b:
        from ._errors import invalid
        raise invalid("libiv strings cannot hold a NUL character (%r)" % (s,))
    return b


def dec(b: Any) -> Any:
    """UTF-8 bytes -> str (None stays None)."""
    return None if b is None else b.decode("utf-8", "replace")


def binder(protos: Any) -> Any:
    """A lookup like fn() over a module's own {name: (restype, argtypes)} table (for the
    modules that declare their functions next to their structs)."""
    cache: Dict[str, Any] = {}

    def lookup(name: Any) -> Any:
        f = cache.get(name)
        if f is None:
            f = getattr(lib, name)
            f.restype, f.argtypes = protos[name]
            cache[name] = f
        return f
    return lookup
