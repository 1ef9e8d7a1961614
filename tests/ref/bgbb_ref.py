#!/usr/bin/env python3
"""Reference values for the BG/BB likelihood (Fader, Hardie & Shang 2010, eq. 5), by
mpmath and exact integer arithmetic, independent of libiv's recurrences:

  L(x, t_x, n) = B(al+x, be+n-x)/B(al,be) B(ga, de+n)/B(ga,de)
               + sum_{i=0}^{n-t_x-1} B(al+x, be+t_x-x+i)/B(al,be) B(ga+1, de+t_x+i)/B(ga,de)

The first term and the sum's first term T_0 are mpmath betas at 40 digits. The sum is
T_0 times sum_i prod_{l<i} r_l, r_l = (be+y+l)(de+k+l) / ((al+be+x+y+l)(ga+de+1+k+l)),
y = t_x - x, k = t_x, added term by term (up to 10^7 of them) in fixed point with 320
fractional bits: the parameters are dyadic rationals (few bits), so every r_l is an exact
ratio of integers and the only error is the truncation of each product (< 1e7 * 2^-320).

Cells: log L, and P(alive) at n+1 = B(al+x, be+n-x)/B(al,be) B(ga, de+n+1)/B(ga,de) / L,
which the library computes from its log L (so its relative error is log L's absolute error).
Also a small data set (shared (x, t_x) with several n, so the fit's shared passes are
used) with the summed log L and its gradient in (al, be, ga, de) by mpmath's numerical
differentiation (mp.diff) of the direct sum at 40 digits.

  /usr/bin/python3 tests/ref/bgbb_ref.py > tests/ref/bgbb_ref.h   (about 5 minutes)
"""
import math
from fractions import Fraction

import mpmath as mp

mp.mp.dps = 40
FB = 320  # fractional bits of the fixed-point sum

PARAMS = [
    (1.25, 0.75, 0.625, 2.75),     # near the donations fit of the paper (1.204, 0.750, 0.657, 2.783)
    (0.0625, 0.125, 0.0625, 0.25), # s - 1 = al + x + ga small: a slow power-law tail
    (48.0, 3.0, 20.0, 0.5),        # fast decay: the tail bound stops the pass early
    (0.5, 20.0, 3.0, 40.0),
]
CELLS = [(0, 0, 0), (0, 0, 6), (1, 1, 6), (3, 5, 6), (6, 6, 6), (0, 0, 1000), (2, 500, 1000),
         (40, 990, 1000), (0, 0, 100000), (5, 50000, 100000), (3000, 90000, 100000)]
BIG = [(0, 0, 10**7), (2, 5, 10**7), (9000, 10000, 10**7)]  # for the first two parameter sets


def frac(v):
    return Fraction(v)  # exact: the parameters are dyadic


def tail_sum(al, be, ga, de, x, tx, m):
    """sum_{i<m} prod_{l<i} r_l in fixed point (an integer scaled by 2^FB), as an mpf."""
    if m == 0:
        return mp.mpf(0)
    fal, fbe, fga, fde = map(frac, (al, be, ga, de))
    # common denominator D of the parameters: every factor is an integer over D
    D = 1
    for f in (fal, fbe, fga, fde):
        D = D * f.denominator // math.gcd(D, f.denominator)
    py = int((fbe + tx - x) * D)
    qy = int((fal + fbe + tx) * D)
    pk = int((fde + tx) * D)
    qk = int((fga + fde + 1 + tx) * D)
    one = 1 << FB
    q, S = one, 0
    for _ in range(m):
        S += q
        q = q * py * pk // (qy * qk)
        if q == 0:
            break  # below 2^-FB: the rest adds less than m * 2^-FB
        py += D
        qy += D
        pk += D
        qk += D
    return mp.mpf(S) / mp.mpf(one)


def first_terms(al, be, ga, de, x, tx, n):
    """The alive term of L and the sum's first term T_0, at 40 digits."""
    al, be, ga, de = (mp.mpf(v) for v in (al, be, ga, de))
    B = mp.beta
    alive = B(al + x, be + n - x) / B(al, be) * B(ga, de + n) / B(ga, de)
    t0 = B(al + x, be + tx - x) / B(al, be) * B(ga + 1, de + tx) / B(ga, de)
    return alive, t0


def cell(par, x, tx, n):
    """log L and P(alive at n+1) (0 when below 1e-300: it underflows in a double)."""
    al, be, ga, de = par
    alive, t0 = first_terms(al, be, ga, de, x, tx, n)
    L = alive + t0 * tail_sum(al, be, ga, de, x, tx, n - tx)
    nxt = mp.beta(al + x, be + n - x) / mp.beta(al, be) * mp.beta(ga, de + n + 1) / mp.beta(ga, de)
    pa = nxt / L
    return mp.log(L), (pa if pa >= mp.mpf("1e-300") else mp.mpf(0))


DATA = [(0, 0, 4), (0, 0, 6), (0, 0, 9), (1, 1, 6), (1, 1, 7), (2, 4, 6), (2, 4, 9), (3, 5, 5),
        (3, 5, 12), (6, 6, 6), (4, 9, 20), (4, 9, 25)]
GPAR = (1.25, 0.75, 0.625, 2.75)


def data_loglik(al, be, ga, de):
    B = mp.beta
    tot = mp.mpf(0)
    for x, tx, n in DATA:
        L = B(al + x, be + n - x) / B(al, be) * B(ga, de + n) / B(ga, de)
        for i in range(n - tx):
            L += B(al + x, be + tx - x + i) / B(al, be) * B(ga + 1, de + tx + i) / B(ga, de)
        tot += mp.log(L)
    return tot


def main():
    print("/* Written by tests/ref/bgbb_ref.py (mpmath %s, exact fixed-point sums): BG/BB" % mp.__version__)
    print(" * cells {al, be, ga, de, x, t_x, n, log L, P(alive) at n+1 (0: below 1e-300)} and a")
    print(" * data set's log L")
    print(" * with its gradient. Do not edit; rerun the script. */")
    print("static const double ref_bgbb_cells[][9] = {")
    for pi, par in enumerate(PARAMS):
        cells = CELLS + (BIG if pi < 2 else [])
        for x, tx, n in cells:
            ll, pa = cell(par, x, tx, n)
            print("    {%r, %r, %r, %r, %d, %d, %d, %s, %s}," % (par + (x, tx, n, mp.nstr(ll, 20), mp.nstr(pa, 20, min_fixed=-1, max_fixed=1))))
    print("};")
    print("static const double ref_bgbb_data[][3] = {")
    for x, tx, n in DATA:
        print("    {%d, %d, %d}," % (x, tx, n))
    print("};")
    print("static const double ref_bgbb_par[4] = {%r, %r, %r, %r};" % GPAR)
    ll = data_loglik(*map(mp.mpf, GPAR))
    print("static const double ref_bgbb_loglik = %s;" % mp.nstr(ll, 20))
    grads = []
    for k in range(4):
        def f(t, k=k):
            p = [mp.mpf(v) for v in GPAR]
            p[k] = t
            return data_loglik(*p)
        grads.append(mp.diff(f, mp.mpf(GPAR[k])))
    print("static const double ref_bgbb_grad[4] = {%s};" % ", ".join(mp.nstr(g, 20) for g in grads))


if __name__ == "__main__":
    main()
