"""Customer lifetime value (doc/CLV.md): the simple formula, RFM summaries, BG/NBD,
Pareto/NBD, MBG/NBD, BG/BB, shifted-BG and Gamma-Gamma fitted by maximum likelihood with
standard errors, and their predictions. Every per-customer function takes scalars or
array-likes (numpy arrays, lists) and returns a float or a numpy array."""

from __future__ import annotations

import ctypes
import math
from typing import (TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence,
                    Tuple, Union)

from . import _lib
from ._errors import Error, check, invalid
from ._util import Handle, Progress, to_ms
from .table import DOUBLE, STRING, Table

if TYPE_CHECKING:
    import numpy.typing as npt
# numpy is optional: without it arrays come back as lists
ArrayLike = Union[float, int, str, Sequence[Any], "npt.NDArray[Any]"]
Result = Union[float, List[float], "npt.NDArray[Any]"]


def _numpy() -> Any:
    try:
        import numpy
        return numpy
    except ImportError:
        return None


def _flat(a: Any) -> List[float]:
    if isinstance(a, (str, bytes)) or not hasattr(a, "__iter__"):
        return [float(a)]
    return [float(v) for v in (a.ravel() if hasattr(a, "ravel") else a)]

MODELS: Dict[str, int] = {"bgnbd": 1, "pareto": 2, "paretonbd": 2, "gg": 3, "gamma_gamma": 3,
                          "mbgnbd": 4, "bgbb": 5, "sbg": 6, "shiftedbg": 6}
MODEL_NAMES: Dict[int, str] = {1: "bgnbd", 2: "pareto", 3: "gg", 4: "mbgnbd", 5: "bgbb", 6: "sbg"}
PARAM_NAMES: Dict[int, Tuple[str, ...]] = {
    1: ("r", "alpha", "a", "b"), 2: ("r", "alpha", "s", "beta"), 3: ("p", "q", "gamma"),
    4: ("r", "alpha", "a", "b"), 5: ("alpha", "beta", "gamma", "delta"), 6: ("alpha", "beta")}
UNITS: Dict[str, int] = {"day": 0, "week": 1}


def _model_code(model: Union[str, int]) -> int:
    if isinstance(model, int):
        return model
    try:
        return MODELS[model.lower().replace("/", "").replace("-", "")]
    except KeyError:
        raise invalid("CLV model must be one of %s, not %r"
                         % (", ".join(sorted(MODEL_NAMES.values())), model)) from None


def _doubles(x: Optional[Any]) -> Tuple[Any, Any]:
    if x is None:
        return None, None
    vals = _flat(x)
    a = (ctypes.c_double * max(len(vals), 1))(*vals)
    return ctypes.cast(a, ctypes.POINTER(ctypes.c_double)), a


def _options(max_iterations: Optional[int] = None, tolerance: Optional[float] = None,
             start: Optional[Sequence[Optional[float]]] = None,
             progress: Optional[Callable[[int, int], Any]] = None,
             penalizer: Optional[float] = None) -> Tuple[Any, Any]:
    o = _lib.init_struct(_lib.ClvOptions, "iv_clv_options_init")
    if max_iterations is not None:
        o.max_iterations = int(max_iterations)
    if tolerance is not None:
        o.tolerance = float(tolerance)
    if start is not None:
        for i, v in enumerate(start):
            o.start[i] = math.nan if v is None else float(v)
    if penalizer is not None:
        o.penalizer = float(penalizer)
    prog = Progress(progress)
    if progress is not None:
        o.progress = prog.c
    return o, prog


def _is_scalar(a: Any) -> bool:
    return isinstance(a, (str, bytes)) or not hasattr(a, "__len__") or getattr(a, "ndim", 1) == 0


def _vectorize(f: Callable[..., float], *args: ArrayLike) -> Result:
    """f over scalars, or element by element over (broadcast) arrays: a numpy array back
    when numpy is there, else a list. An element the library refuses raises its
    libiv.Error with ``row`` set to the element's (flat) index; a value that is not a
    number is an InvalidArgumentError."""
    try:
        if all(_is_scalar(a) for a in args):
            return f(*[float(a) for a in args])  # type: ignore[arg-type]
        np = _numpy()
        if np is not None:
            arrs = np.broadcast_arrays(*[np.asarray(a, dtype=np.float64) for a in args])
            flat = [a.ravel() for a in arrs]
            lists = None
        else:
            lists = [_flat(a) for a in args]
    except (TypeError, ValueError) as e:
        if isinstance(e, Error):
            raise
        raise invalid("CLV: the arguments must be numbers or arrays of numbers (%s)" % e) \
            from None
    if lists is None:
        out = np.empty(arrs[0].shape, dtype=np.float64)
        o = out.reshape(-1)
        i = 0
        try:
            for i in range(o.size):
                o[i] = f(*[float(a[i]) for a in flat])
        except Error as e:
            raise _at_row(e, i) from None
        return out  # type: ignore[no-any-return]
    n = max(len(v) for v in lists)
    for v in lists:
        if len(v) not in (1, n):
            raise invalid("arrays of different lengths (%d and %d)" % (len(v), n))
    res: List[float] = []
    try:
        for i in range(n):
            res.append(f(*[v[i] if len(v) > 1 else v[0] for v in lists]))
    except Error as e:
        raise _at_row(e, len(res)) from None
    return res


def _at_row(e: Error, i: int) -> Error:
    """The library's error for element i of a vectorised call, with row = i."""
    out = type(e)(e.code, "row %d: %s" % (i, e.message), i, e.column, e.line)
    return out


def _rfm_options(calibration_end: Any, unit: Union[str, int], model: Any,
                 holdout_end: Any = None) -> Tuple[Any, Any]:
    """The iv_rfm_options of these keywords, and the Model to keep alive while used."""
    from .model import Model
    o = _lib.init_struct(_lib.RfmOptions, "iv_rfm_options_init")
    o.calibration_end = to_ms(calibration_end, "calibration_end")
    o.holdout_end = to_ms(holdout_end, "holdout_end")
    o.unit = UNITS[unit] if isinstance(unit, str) else int(unit)
    keep = None
    if model is not None:
        keep = model if isinstance(model, Model) else Model.load(model)
        o.model = keep._handle()
    return o, keep


def _rfm(store: Any, calibration_end: Any, unit: Union[str, int], model: Any,
         holdout_end: Any, fn: str = "iv_rfm") -> Table:
    o, keep = _rfm_options(calibration_end, unit, model, holdout_end)
    out = ctypes.c_void_p()
    check(_lib.fn(fn)(ctypes.byref(out), store._prepared(), ctypes.byref(o)))
    del keep
    return Table._take(out)


def _covariate_rows(who: str, which: str, cov: Mapping[str, ArrayLike], names: List[str],
                    n: int) -> Tuple[Any, Any]:
    """The covariates {name: one value per customer} as the n x k row-major doubles of the
    C API, columns in the order of names (a C pointer and the array to keep alive)."""
    cols = [_flat(cov[k]) for k in names]
    for nm, col in zip(names, cols):
        if len(col) != n:
            raise invalid("%s: %s covariate %r has %d values, x has %d"
                          % (who, which, nm, len(col), n))
    k = len(names)
    return _doubles([cols[j][i] for i in range(n) for j in range(k)])


def simple(m: float, r: float, d: float) -> float:
    """The simple CLV m r / (1 + d - r) (doc/CLV.md, the simple model)."""
    out = ctypes.c_double()
    check(_lib.fn("iv_clv_simple")(float(m), float(r), float(d), ctypes.byref(out)))
    return float(out.value)


class CLV(Handle):
    """A fitted (CLV.fit) or given (CLV(model, params)) model: 'bgnbd', 'pareto', 'mbgnbd',
    'bgbb', 'sbg' or 'gg'. Immutable; use ``params``, ``standard_errors``, ``loglik``,
    and the per-customer predictions (scalars or arrays in, a float or a numpy array
    out): ``expected()``, ``conditional()``, ``p_alive()``, ``pmf()``,
    ``expected_spend()``, ``value()``, ``survival()``, ``retention()``,
    ``residual_lifetime()``."""

    def __init__(self, model: Union[str, int, None],
                 params: Union[Sequence[float], Dict[str, float], None] = None,
                 _handle: Optional[int] = None) -> None:
        if _handle is None:
            if model is None:
                raise invalid("CLV: a model name is needed")
            code = _model_code(model)
            if isinstance(params, dict):
                params = [params[n] for n in PARAM_NAMES[code]]
            p, keep = _doubles(params)
            out = ctypes.c_void_p()
            check(_lib.fn("iv_clv_new")(ctypes.byref(out), code, p, None))
            _handle = out.value
        self._h = _handle

    _free = "iv_clv_free"

    @classmethod
    def fit(cls, model: Union[str, int], x: ArrayLike, t_x: Optional[ArrayLike] = None,
            T: Optional[ArrayLike] = None, zbar: Optional[ArrayLike] = None,
            weights: Optional[ArrayLike] = None,
            purchase_covariates: Optional[Mapping[str, ArrayLike]] = None,
            dropout_covariates: Optional[Mapping[str, ArrayLike]] = None,
            **opts: Any) -> "CLV":
        """Fit by maximum likelihood. model: 'bgnbd' | 'mbgnbd' | 'pareto' (x, t_x, T),
        'bgbb' (x, t_x and the opportunities n as T), 'sbg' (x = periods, t_x = churned
        0/1) or 'gg' (x, zbar). weights: per-row counts (optional).
        purchase_covariates (bgnbd, mbgnbd, pareto) and dropout_covariates (pareto):
        {name: one number per customer} (a dict, or a pandas DataFrame), time-invariant;
        the fit reports gamma_purchase.NAME and gamma_dropout.NAME (doc/CLV.md). opts:
        max_iterations, tolerance, start (list), progress, penalizer (lifetimes'
        penalizer_coef)."""
        code = _model_code(model)
        n = len(_flat(x))
        for name, arr in (("t_x", t_x), ("T", T), ("zbar", zbar), ("weights", weights)):
            if arr is not None and len(_flat(arr)) != n:
                raise invalid("CLV.fit: %s has %d entries, x has %d" % (name, len(_flat(arr)), n),
                              column=name)
        px, kx = _doubles(x)
        ptx, ktx = _doubles(t_x)
        pT, kT = _doubles(T)
        pz, kz = _doubles(zbar)
        pw, kw = _doubles(weights)
        o, prog = _options(**opts)
        if pw is not None:
            o.weights = pw
        keep: List[Any] = []
        for which, cov in (("purchase", purchase_covariates), ("dropout", dropout_covariates)):
            if cov is None:
                continue
            names = [str(k) for k in cov.keys()]
            pz_, kz_ = _covariate_rows("CLV.fit", which, cov, names, n)
            k = len(names)
            carr = (ctypes.c_char_p * max(k, 1))(*[_lib.enc(nm) for nm in names])
            keep += [kz_, carr]
            setattr(o, "covariates_" + which, k)
            setattr(o, "z_" + which, pz_)
            setattr(o, "names_" + which, ctypes.cast(carr, ctypes.POINTER(ctypes.c_char_p)))
        out = ctypes.c_void_p()
        rc = _lib.fn("iv_clv_fit")(ctypes.byref(out), code, px, ptx, pT, pz, n, ctypes.byref(o))
        prog.reraise()
        check(rc)
        return cls(None, _handle=out.value)

    @classmethod
    def fit_store(cls, store: Any, model: Union[str, int] = "bgnbd", calibration_end: Any = None,
                  unit: Union[str, int] = "week", scoring_model: Any = None,
                  **opts: Any) -> "CLV":
        """Fit on the per-contact summaries of a store: Store.rfm (x, t_x, T, zbar) for
        bgnbd, mbgnbd, pareto and gg; iv_rfm_discrete (x, t_x, n) for bgbb; iv_contracts
        (periods, churned) for sbg; same arguments."""
        code = _model_code(model)
        fn = "iv_rfm_discrete" if code == 5 else "iv_contracts" if code == 6 else "iv_rfm"
        with _rfm(store, calibration_end, unit, scoring_model, None, fn) as t:
            if code == 6:
                return cls.fit(model, t.column("periods"), t.column("churned"), **opts)
            if code == 5:
                return cls.fit(model, t.column("x"), t.column("t_x"), t.column("n"), **opts)
            x, t_x, T, zbar = (t.column(c) for c in ("x", "t_x", "T", "zbar"))
        if code == 3:
            return cls.fit(model, x, zbar=zbar, **opts)
        return cls.fit(model, x, t_x, T, **opts)

    @classmethod
    def validate_store(cls, store: Any, model: Union[str, int] = "bgnbd",
                       calibration_end: Any = None, holdout_end: Any = None,
                       unit: Union[str, int] = "week", scoring_model: Any = None,
                       **opts: Any) -> Table:
        """Calibration against holdout from a store, as ``iv clv validate``
        (iv_clv_validate_store): the model ('bgnbd', 'mbgnbd', 'pareto' or 'bgbb') fitted
        on the summaries up to calibration_end (required), each contact's holdout purchases
        up to holdout_end (None: the store's last day) against its conditional expectation.
        Returns the Table of CLV.validate. opts: the fit's max_iterations, tolerance,
        start, progress, penalizer."""
        code = _model_code(model)
        ro, keep = _rfm_options(calibration_end, unit, scoring_model, holdout_end)
        o, prog = _options(**opts)
        out = ctypes.c_void_p()
        rc = _lib.fn("iv_clv_validate_store")(ctypes.byref(out), None, store._prepared(), code,
                                              ctypes.byref(ro), ctypes.byref(o), None)
        del keep
        prog.reraise()
        check(rc)
        return Table._take(out)

    def validate(self, x: ArrayLike, t_x: ArrayLike, T: ArrayLike, holdout_x: ArrayLike,
                 holdout_T: ArrayLike,
                 purchase_covariates: Optional[Mapping[str, ArrayLike]] = None,
                 dropout_covariates: Optional[Mapping[str, ArrayLike]] = None) -> Table:
        """Calibration against holdout (iv_clv_validate, doc/CLV.md): customers with the
        calibration summaries (x, t_x, T) (BG/BB: T = n), holdout_x purchases in a holdout
        of length holdout_T after T (a number for all, or one per customer; BG/BB: the
        holdout opportunities). Rows x = '0'..'6', '7+' (customers, actual = mean
        holdout_x, predicted = mean conditional expectation) and 'all' (totals of actual
        and predicted, mae, rmse, correlation; None where undefined). A fit with
        covariates takes each customer's {name: values} as CLV.fit did."""
        xs = _flat(x)
        n = len(xs)
        cols = {"t_x": _flat(t_x), "T": _flat(T), "holdout_x": _flat(holdout_x),
                "holdout_T": _flat(holdout_T)}
        if len(cols["holdout_T"]) == 1 and n != 1:
            cols["holdout_T"] = cols["holdout_T"] * n
        for name, col in cols.items():
            if len(col) != n:
                raise invalid("CLV.validate: %s has %d entries, x has %d" % (name, len(col), n),
                              column=name)
        ptrs = [_doubles(v) for v in (xs, cols["t_x"], cols["T"], cols["holdout_x"],
                                      cols["holdout_T"])]
        o = _lib.init_struct(_lib.ClvValidateOptions, "iv_clv_validate_options_init")
        names = list(self.params)
        keep: List[Any] = []
        for which, cov in (("purchase", purchase_covariates), ("dropout", dropout_covariates)):
            pre = "gamma_" + which + "."
            want = [k[len(pre):] for k in names if k.startswith(pre)]
            if cov is None:
                if want:
                    raise invalid("CLV.validate: the fit has %s covariates %s"
                                  % (which, ", ".join(want)))
                continue
            if sorted(str(k) for k in cov.keys()) != sorted(want):
                raise invalid("CLV.validate: %s covariates %s expected, %s given"
                              % (which, want, list(cov.keys())))
            pz, kz = _covariate_rows("CLV.validate", which, cov, want, n)
            keep.append(kz)
            setattr(o, "z_" + which, pz)
        failed = ctypes.c_size_t()
        o.failed = ctypes.pointer(failed)
        out = ctypes.c_void_p()
        rc = _lib.fn("iv_clv_validate")(ctypes.byref(out), self._handle(),
                                        *[p for p, _ in ptrs], n, ctypes.byref(o))
        if rc != 0:
            try:
                check(rc)
            except Error as e:
                if e.message.startswith("customer "):  # the library names the customer
                    raise type(e)(e.code, e.message, int(failed.value), e.column,
                                  e.line) from None
                raise
        return Table._take(out)

    @property
    def model(self) -> Optional[str]:
        """'bgnbd', 'pareto', 'gg', 'mbgnbd', 'bgbb' or 'sbg'."""
        return MODEL_NAMES.get(_lib.fn("iv_clv_model_of")(self._handle()))

    def _named(self, suffix: str) -> Dict[str, float]:
        code = _lib.fn("iv_clv_model_of")(self._handle())
        out: Dict[str, float] = {}
        d = ctypes.c_double()
        names = list(PARAM_NAMES[code])
        with self.params_table() as t:  # covariates' coefficients after the parameters
            names += [c for c in t.columns if c.startswith("gamma_") and not c.endswith("_se")]
        for n in names:
            check(_lib.fn("iv_clv_get_param")(self._h, _lib.enc(n + suffix), ctypes.byref(d)))
            out[n] = float(d.value)
        return out

    @property
    def params(self) -> Dict[str, float]:
        """{name as in the papers: value}."""
        return self._named("")

    def for_customer(self, purchase: Union[Sequence[float], Mapping[str, float], None] = None,
                     dropout: Union[Sequence[float], Mapping[str, float], None] = None
                     ) -> "CLV":
        """The model of one customer of a fit with covariates: its own rates alpha_i =
        alpha exp(-gamma_purchase . z) (and beta_i for pareto) and no covariates, so every
        prediction method gives that customer's prediction (iv_clv_for_customer). purchase
        and dropout: the customer's covariates, a {name: value} dict with the fit's names
        or a sequence in the fit's order."""
        names = list(self.params)
        zs: List[Any] = []
        for which, val in (("purchase", purchase), ("dropout", dropout)):
            pre = "gamma_" + which + "."
            want = [n[len(pre):] for n in names if n.startswith(pre)]
            if val is None:
                if want:
                    raise invalid("CLV.for_customer: the fit has %s covariates %s"
                                  % (which, ", ".join(want)))
                zs.append(None)
                continue
            if isinstance(val, Mapping):
                missing = [n for n in want if n not in val]
                extra = [str(n) for n in val if n not in want]
                if missing or extra:
                    raise invalid("CLV.for_customer: %s covariates %s expected, %s given"
                                  % (which, want, list(val)))
                vals = [float(val[n]) for n in want]
            else:
                vals = [float(v) for v in val]
                if len(vals) != len(want):
                    raise invalid("CLV.for_customer: %d %s covariates expected, %d given"
                                  % (len(want), which, len(vals)))
            zs.append((ctypes.c_double * max(len(vals), 1))(*vals))
        out = ctypes.c_void_p()
        check(_lib.fn("iv_clv_for_customer")(self._handle(), zs[0], zs[1], ctypes.byref(out)))
        return CLV(None, _handle=out.value)

    @property
    def standard_errors(self) -> Dict[str, Optional[float]]:
        """{name: standard error from the observed information} (None when not available:
        a model with given parameters, or a singular information matrix)."""
        return {k: None if math.isnan(v) else v for k, v in self._named("_se").items()}

    def params_table(self) -> Table:
        """The fit as a single-row Table: each parameter then <name>_se, loglik, customers."""
        out = ctypes.c_void_p()
        check(_lib.fn("iv_clv_params")(self._handle(), ctypes.byref(out)))
        return Table._take(out)

    @property
    def loglik(self) -> Optional[float]:
        """The maximised log-likelihood, without the penalty (None for given parameters)."""
        ll = ctypes.c_double()
        check(_lib.fn("iv_clv_loglik")(self._handle(), ctypes.byref(ll), None))
        return None if math.isnan(ll.value) else float(ll.value)

    @property
    def customers(self) -> int:
        """Number of customers the fit is over (0 for given parameters)."""
        n = ctypes.c_size_t()
        check(_lib.fn("iv_clv_loglik")(self._handle(), None, ctypes.byref(n)))
        return int(n.value)

    def _call(self, name: str, *args: float) -> float:
        out = ctypes.c_double()
        check(_lib.fn(name)(self._handle(), *[float(a) for a in args], ctypes.byref(out)))
        return float(out.value)

    def _vec(self, name: str, *args: ArrayLike) -> Result:
        return _vectorize(lambda *a: self._call(name, *a), *args)

    def expected(self, t: ArrayLike) -> Result:
        """Expected transactions of a new customer in (0, t] (BG/BB: first t opportunities)."""
        return self._vec("iv_clv_expected", t)

    def conditional(self, t: ArrayLike, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> Result:
        """Expected transactions in (T, T + t] of customers (x, t_x, T) (BG/BB: the next t
        opportunities of (x, t_x, n))."""
        return self._vec("iv_clv_conditional", t, x, t_x, T)

    def p_alive(self, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> Result:
        """Probability that customers (x, t_x, T) are alive at T."""
        return self._vec("iv_clv_p_alive", x, t_x, T)

    def pmf(self, t: ArrayLike, x: ArrayLike) -> Result:
        """P(X(t) = x) for a new customer (BG/NBD, MBG/NBD, Pareto/NBD)."""
        return self._vec("iv_clv_pmf", t, x)

    def expected_spend(self, x: ArrayLike, zbar: ArrayLike) -> Result:
        """Gamma-Gamma conditional expected value of a future transaction."""
        return self._vec("iv_clv_expected_spend", x, zbar)

    def survival(self, t: ArrayLike) -> Result:
        """Shifted-BG: share still active after t periods."""
        return self._vec("iv_clv_survival", t)

    def retention(self, t: ArrayLike) -> Result:
        """Shifted-BG: retention rate of period t (>= 1)."""
        return self._vec("iv_clv_retention", t)

    def residual_lifetime(self, periods: ArrayLike, discount: ArrayLike = 0.0) -> Result:
        """Shifted-BG: expected further periods of customers active after `periods`,
        discounted at `discount` per period (Fader & Hardie 2010 DERL)."""
        return self._vec("iv_clv_residual_lifetime", periods, discount)

    def value(self, spend: "CLV", x: ArrayLike, t_x: ArrayLike, T: ArrayLike, zbar: ArrayLike,
              horizon: ArrayLike, step: float = 1.0, discount: float = 0.0) -> Result:
        """Discounted CLV over a horizon from this transaction model and the Gamma-Gamma
        model `spend`."""
        def one(x: float, t_x: float, T: float, zbar: float, horizon: float) -> float:
            out = ctypes.c_double()
            check(_lib.fn("iv_clv_value")(self._handle(), spend._handle(), x, t_x, T, zbar,
                                          horizon, float(step), float(discount),
                                          ctypes.byref(out)))
            return float(out.value)
        return _vectorize(one, x, t_x, T, zbar, horizon)

    def predict(self, rfm: Iterable[Dict[str, Any]], horizon: float, spend: Optional["CLV"] = None,
                step: float = 1.0, discount: float = 0.0) -> Table:
        """One row per contact of an RFM table (Store.rfm()): contact, x, t_x, T, p_alive,
        expected_purchases (in (T, T + horizon]) and, with a Gamma-Gamma `spend` model,
        expected_spend and clv (discounted over the horizon in periods of `step`).
        Returns a Table (built with the library's table API, so it exports alike)."""
        cols = [("contact", STRING), ("x", DOUBLE), ("t_x", DOUBLE), ("T", DOUBLE),
                ("p_alive", DOUBLE), ("expected_purchases", DOUBLE)]
        if spend is not None:
            cols += [("expected_spend", DOUBLE), ("clv", DOUBLE)]
        out = ctypes.c_void_p()
        f = _lib.fn
        check(f("iv_table_new")(ctypes.byref(out), _lib.ALLOC_FN(), None))  # type: ignore[call-overload]
        h = out.value
        try:
            for name, typ in cols:
                check(f("iv_table_add_column")(h, _lib.enc(name), typ))
            for r in rfm:
                x, t_x, T = r["x"], r["t_x"], r["T"]
                vals = [x, t_x, T, self.p_alive(x, t_x, T),
                        self.conditional(horizon, x, t_x, T)]
                if spend is not None:
                    z = r.get("zbar") or 0.0
                    vals.append(spend.expected_spend(x, z))
                    vals.append(self.value(spend, x, t_x, T, z, horizon, step, discount))
                i = check(f("iv_table_add_row")(h))
                check(f("iv_table_set_string")(h, i, 0, _lib.enc(r["contact"])))
                for c, v in enumerate(vals, start=1):
                    check(f("iv_table_set_double")(h, i, c, v))
        except BaseException:
            f("iv_table_free")(h)
            raise
        return Table(h)

    def __repr__(self) -> str:
        if not self._h:
            return "<libiv.CLV closed>"
        return "<libiv.CLV %s %s>" % (self.model, self.params)

