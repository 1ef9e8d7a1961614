#!/usr/bin/env python3
"""Reference grid for the Gamma-Gamma log-likelihood and its gradient (tests/test_clv_grid.c),
by mpmath.

One repeat buyer's density of the mean spend zbar given x repeat purchases [Fader & Hardie
2013, the full density, all constants kept]:

  f(zbar | x) = Gamma(px+q) / (Gamma(px) Gamma(q)) gamma^q x^(px) zbar^(px-1)
                / (gamma + x zbar)^(px+q),

log f with mpmath's loggamma, d log f / d(p, q, gamma) by mp.diff (not the digamma
formulas the library uses). Each value is computed at 30 and again at 45 digits and
written only when the two agree to 1e-25 relative (absolute below 1). The parameters and
customers are the exact binary doubles written to the header.

The grid: p from 0.3 to 40, q from 0.8 to 60, gamma from 0.05 to 5000 (mean spend p gamma /
(q - 1) from cents to millions); customers with x from 1 to 150, several zbar per x, rows
out of x order and one customer twice (the fit groups identical rows and computes the
terms of one x once), and one x = 0 row, which the model leaves out (log f = 0 here).

  /usr/bin/python3 tests/ref/gg_grid_ref.py > tests/ref/gg_grid_ref.h
"""
import itertools

import mpmath as mp

PS = ["0.3", "2.623", "40"]
QS = ["0.8", "3.37", "60"]
GAMMAS = ["0.05", "73.67", "5000"]
CUSTOMERS = [
    # x, zbar
    (5, "22.35"), (1, "0.01"), (1, "350"), (17, "1e-3"), (5, "22.35"), (2, "4.5"),
    (150, "80.25"), (1, "35"), (5, "1e4"), (0, "0"), (2, "1e6"), (17, "97.5"),
]


def logf(x, z, p, q, g):
    if x == 0:
        return mp.mpf(0)
    return (mp.loggamma(p * x + q) - mp.loggamma(p * x) - mp.loggamma(q) + q * mp.log(g)
            + p * x * mp.log(x) + (p * x - 1) * mp.log(z) - (p * x + q) * mp.log(g + x * z))


def parts(x, z, par):
    out = [logf(x, z, *par)]
    for k in range(3):
        def f(v, k=k):
            q = list(par)
            q[k] = v
            return logf(x, z, *q)
        out.append(mp.diff(f, par[k]))
    return out


def at(dps, x, z, par):
    with mp.workdps(dps):
        return parts(mp.mpf(x), mp.mpf(z), [mp.mpf(v) for v in par])


def close(a, b):
    return abs(a - b) <= mp.mpf("1e-25") * max(abs(a), abs(b), 1)


def main():
    rows = []
    for par in itertools.product(PS, QS, GAMMAS):
        par = [float(v) for v in par]
        for x, z in CUSTOMERS:
            z = float(z)
            lo, hi = at(30, x, z, par), at(45, x, z, par)
            assert all(close(a, b) for a, b in zip(lo, hi)), (par, x, z)
            rows.append((par, (x, z), hi))
    print("/* Output of /usr/bin/python3 tests/ref/gg_grid_ref.py: Gamma-Gamma log f(zbar | x) of one")
    print(" * repeat buyer and its gradient, by mpmath loggamma and mp.diff at 30 and 45 digits.")
    print(" * Do not edit. */")
    print("/* p, q, gamma, x, zbar, log f, d/dp, d/dq, d/dgamma */")
    print("static const double ref_gg_grid[][9] = {")
    for par, c, v in rows:
        cells = [repr(a) for a in par] + [repr(float(a)) for a in c]
        cells += [mp.nstr(a, 17, min_fixed=-3, max_fixed=3) for a in v]
        print("    {" + ", ".join(cells) + "},")
    print("};")


if __name__ == "__main__":
    main()
