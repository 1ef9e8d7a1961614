#!/usr/bin/env python3
"""Reference values for tests/test_clv_models.c from independent computations.

1. Standard errors of BG/NBD and Gamma-Gamma on CDNOW: the maximum-likelihood point found
   with SciPy (Nelder-Mead then BFGS on a numpy log-likelihood written here from FHL 2005
   eq. 6 and the Gamma-Gamma marginal density), then the Hessian of the log-likelihood by
   mpmath's numerical differentiation at 30 digits (mp.diff), inverted with mpmath.
(The BG/NBD and MBG/NBD predictions over a parameter grid: tests/ref/clv_grid_ref.py.)

Run: /usr/bin/python3 tests/ref/clv_models_ref.py > tests/ref/clv_models_ref.h
"""
import csv
import os
import sys

import mpmath as mp
import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, gammaln

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")


def cdnow():
    with open(os.path.join(ROOT, "cdnow", "cdnow_customers_summary_with_transactions.csv")) as f:
        rows = list(csv.DictReader(f))
    return [tuple(float(r[k]) for k in ("x", "t_x", "T", "zbar")) for r in rows]


def groups(keys):
    d = {}
    for k in keys:
        d[k] = d.get(k, 0) + 1
    return list(d.items())


def bg_np(p, x, tx, T):
    r, al, a, b = p
    A = gammaln(r + x) - gammaln(r) + r * np.log(al) - (r + x) * np.log(al + T) \
        + betaln(a, b + x) - betaln(a, b)
    D = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300))
                 + (r + x) * (np.log(al + T) - np.log(al + tx)), -np.inf)
    return A + np.logaddexp(0, D)


def gg_np(p, x, z):
    pp, q, g = p
    px = pp * x
    return gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g) + px * np.log(x) \
        + (px - 1) * np.log(z) - (px + q) * np.log(g + x * z)


def bg_mp(p, g):
    r, al, a, b = p
    s = mp.mpf(0)
    for (x, tx, T), w in g:
        x, tx, T = mp.mpf(x), mp.mpf(tx), mp.mpf(T)
        A = mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(al) - (r + x) * mp.log(al + T) \
            + mp.log(mp.beta(a, b + x)) - mp.log(mp.beta(a, b))
        if x > 0:
            D = a / (b + x - 1) * ((al + T) / (al + tx)) ** (r + x)
            A += mp.log(1 + D)
        s += w * A
    return s


def gg_mp(p, g):
    pp, q, gm = p
    s = mp.mpf(0)
    for (x, z), w in g:
        x, z = mp.mpf(x), mp.mpf(z)
        px = pp * x
        s += w * (mp.loggamma(px + q) - mp.loggamma(px) - mp.loggamma(q) + q * mp.log(gm)
                  + px * mp.log(x) + (px - 1) * mp.log(z) - (px + q) * mp.log(gm + x * z))
    return s


def mle(negll, start):
    res = minimize(lambda u: negll(np.exp(u)), np.log(start), method="Nelder-Mead",
                   options={"xatol": 1e-12, "fatol": 1e-12, "maxiter": 40000, "maxfev": 80000})
    res = minimize(lambda u: negll(np.exp(u)), res.x, method="BFGS", options={"gtol": 1e-10})
    return np.exp(res.x)


def ses(ll, p):
    mp.mp.dps = 30
    n = len(p)
    pm = [mp.mpf(float(v)) for v in p]
    H = mp.matrix(n, n)
    for i in range(n):
        for j in range(i, n):
            order = [0] * n
            order[i] += 1
            order[j] += 1
            H[i, j] = H[j, i] = -mp.diff(lambda *q: ll(q), pm, tuple(order))
    C = H ** -1
    return [mp.sqrt(C[i, i]) for i in range(n)]


def main():
    data = cdnow()
    x, tx, T, z = (np.array(c) for c in zip(*data))
    print("/* Output of /usr/bin/python3 tests/ref/clv_models_ref.py (SciPy maximum, mpmath")
    print(" * Hessian at 30 digits). */")
    pb = mle(lambda p: -bg_np(p, x, tx, T).sum(), [1, 10, 1, 1])
    gb = groups(zip(x, tx, T))
    print("#define REF_BG_MLE {%s}" % ", ".join("%.17g" % v for v in pb))
    print("#define REF_BG_SE {%s}" % ", ".join(mp.nstr(v, 17) for v in ses(lambda q: bg_mp(q, gb), pb)))
    m = x > 0
    pg = mle(lambda p: -gg_np(p, x[m], z[m]).sum(), [1, 2, 30])
    gg = groups(zip(x[m], z[m]))
    print("#define REF_GG_MLE {%s}" % ", ".join("%.17g" % v for v in pg))
    print("#define REF_GG_SE {%s}" % ", ".join(mp.nstr(v, 17) for v in ses(lambda q: gg_mp(q, gg), pg)))


if __name__ == "__main__":
    main()
