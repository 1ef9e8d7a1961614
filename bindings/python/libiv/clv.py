"""Customer lifetime value (SPEC 3.4): the simple formula, RFM summaries, BG/NBD,
Pareto/NBD and Gamma-Gamma fitted by maximum likelihood, predictions."""

import ctypes
import math

from . import _lib
from ._errors import check
from ._util import Handle, Progress, to_ms
from .table import DOUBLE, STRING, Table

MODELS = {"bgnbd": 1, "pareto": 2, "paretonbd": 2, "gg": 3, "gamma_gamma": 3}
MODEL_NAMES = {1: "bgnbd", 2: "pareto", 3: "gg"}
PARAM_NAMES = {1: ("r", "alpha", "a", "b"), 2: ("r", "alpha", "s", "beta"),
               3: ("p", "q", "gamma")}
UNITS = {"day": 0, "week": 1}


def _model_code(model):
    if isinstance(model, int):
        return model
    try:
        return MODELS[model.lower().replace("/", "").replace("-", "")]
    except KeyError:
        raise ValueError("CLV model must be 'bgnbd', 'pareto' or 'gg', not %r" % model) from None


def _doubles(x):
    if x is None:
        return None, None
    vals = [float(v) for v in x]
    a = (ctypes.c_double * max(len(vals), 1))(*vals)
    return ctypes.cast(a, ctypes.POINTER(ctypes.c_double)), a


def _options(max_iterations=None, tolerance=None, start=None, progress=None):
    o = _lib.init_struct(_lib.ClvOptions, "iv_clv_options_init")
    if max_iterations is not None:
        o.max_iterations = int(max_iterations)
    if tolerance is not None:
        o.tolerance = float(tolerance)
    if start is not None:
        for i, v in enumerate(start):
            o.start[i] = math.nan if v is None else float(v)
    prog = Progress(progress)
    if progress is not None:
        o.progress = prog.c
    return o, prog


def _rfm(store, calibration_end, unit, model, holdout_end):
    from .model import Model
    o = _lib.init_struct(_lib.RfmOptions, "iv_rfm_options_init")
    o.calibration_end = to_ms(calibration_end, "calibration_end")
    o.holdout_end = to_ms(holdout_end, "holdout_end")
    o.unit = UNITS[unit] if isinstance(unit, str) else int(unit)
    keep = None
    if model is not None:
        keep = model if isinstance(model, Model) else Model.load(model)
        o.model = keep._handle()
    out = ctypes.c_void_p()
    check(_lib.fn("iv_rfm")(ctypes.byref(out), store._prepared(), ctypes.byref(o)))
    del keep
    return Table._take(out)


def simple(m, r, d):
    """The simple CLV m r / (1 + d - r) (SPEC 3.4 a)."""
    out = ctypes.c_double()
    check(_lib.fn("iv_clv_simple")(float(m), float(r), float(d), ctypes.byref(out)))
    return out.value


class CLV(Handle):
    """A fitted (CLV.fit) or given (CLV(model, params)) BG/NBD, Pareto/NBD or
    Gamma-Gamma model. Immutable; use ``params``, ``loglik``, ``expected()``,
    ``conditional()``, ``p_alive()``, ``expected_spend()``, ``value()``."""

    def __init__(self, model, params=None, _handle=None):
        if _handle is None:
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
    def fit(cls, model, x, t_x=None, T=None, zbar=None, **opts):
        """Fit by maximum likelihood. model: 'bgnbd' | 'pareto' (need x, t_x, T) or 'gg'
        (needs x, zbar). opts: max_iterations, tolerance, start (list), progress."""
        code = _model_code(model)
        n = len(x)
        for name, arr in (("t_x", t_x), ("T", T), ("zbar", zbar)):
            if arr is not None and len(arr) != n:
                raise ValueError("CLV.fit: %s has %d entries, x has %d" % (name, len(arr), n))
        px, kx = _doubles(x)
        ptx, ktx = _doubles(t_x)
        pT, kT = _doubles(T)
        pz, kz = _doubles(zbar)
        o, prog = _options(**opts)
        out = ctypes.c_void_p()
        rc = _lib.fn("iv_clv_fit")(ctypes.byref(out), code, px, ptx, pT, pz, n, ctypes.byref(o))
        prog.reraise()
        check(rc)
        return cls(None, _handle=out.value)

    @classmethod
    def fit_store(cls, store, model="bgnbd", calibration_end=None, unit="week",
                  scoring_model=None, **opts):
        """Fit on the RFM summary of a store (Store.rfm with the same arguments)."""
        with store.rfm(calibration_end=calibration_end, unit=unit, model=scoring_model) as t:
            x, t_x, T, zbar = (t.column(c) for c in ("x", "t_x", "T", "zbar"))
        if _model_code(model) == 3:
            return cls.fit(model, x, zbar=zbar, **opts)
        return cls.fit(model, x, t_x, T, **opts)

    @property
    def model(self):
        """'bgnbd', 'pareto' or 'gg'."""
        return MODEL_NAMES.get(_lib.fn("iv_clv_model_of")(self._handle()))

    @property
    def params(self):
        """{name as in the papers: value}."""
        code = _lib.fn("iv_clv_model_of")(self._handle())
        out = {}
        d = ctypes.c_double()
        for n in PARAM_NAMES[code]:
            check(_lib.fn("iv_clv_get_param")(self._h, _lib.enc(n), ctypes.byref(d)))
            out[n] = d.value
        return out

    def params_table(self):
        """The fit as a single-row Table: the parameters, loglik, customers."""
        out = ctypes.c_void_p()
        check(_lib.fn("iv_clv_params")(self._handle(), ctypes.byref(out)))
        return Table._take(out)

    @property
    def loglik(self):
        """The maximised log-likelihood (None for a model with given parameters)."""
        ll = ctypes.c_double()
        check(_lib.fn("iv_clv_loglik")(self._handle(), ctypes.byref(ll), None))
        return None if math.isnan(ll.value) else ll.value

    @property
    def customers(self):
        """Number of customers the fit is over (0 for given parameters)."""
        n = ctypes.c_size_t()
        check(_lib.fn("iv_clv_loglik")(self._handle(), None, ctypes.byref(n)))
        return n.value

    def _call(self, name, *args):
        out = ctypes.c_double()
        check(_lib.fn(name)(self._handle(), *[float(a) for a in args], ctypes.byref(out)))
        return out.value

    def expected(self, t):
        """Expected transactions of a new customer in (0, t]."""
        return self._call("iv_clv_expected", t)

    def conditional(self, t, x, t_x, T):
        """Expected transactions in (T, T + t] of a customer with summary (x, t_x, T)."""
        return self._call("iv_clv_conditional", t, x, t_x, T)

    def p_alive(self, x, t_x, T):
        """Probability that a customer with summary (x, t_x, T) is alive at T."""
        return self._call("iv_clv_p_alive", x, t_x, T)

    def expected_spend(self, x, zbar):
        """Gamma-Gamma conditional expected value of a future transaction."""
        return self._call("iv_clv_expected_spend", x, zbar)

    def value(self, spend, x, t_x, T, zbar, horizon, step=1.0, discount=0.0):
        """Discounted CLV over a horizon from this transaction model and the Gamma-Gamma
        model `spend`."""
        out = ctypes.c_double()
        check(_lib.fn("iv_clv_value")(self._handle(), spend._handle(), float(x), float(t_x),
                                      float(T), float(zbar), float(horizon), float(step),
                                      float(discount), ctypes.byref(out)))
        return out.value

    def predict(self, rfm, horizon, spend=None, step=1.0, discount=0.0):
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
        check(f("iv_table_new")(ctypes.byref(out), _lib.ALLOC_FN(), None))
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

    def __repr__(self):
        if not self._h:
            return "<libiv.CLV closed>"
        return "<libiv.CLV %s %s>" % (self.model, self.params)

