#!/usr/bin/env python3
"""Reference grid for the BG/NBD and MBG/NBD predictions (issue #14 item 11), by mpmath.

Every value is the textbook closed form evaluated with mpmath's hyp2f1 at 60 significant
digits and again at 90; a cell is written only when the two agree to 1e-30 relative:

  BG/NBD  E[X(t)]  = (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))]
                     (Fader, Hardie & Lee 2005, eq. 7)
          E[Y(t) | x, t_x, T] = (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x)
                     2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))] P(alive)          (eq. 10)
          P(alive) = 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))   (eq. 11)
  MBG/NBD E[X(t)]  = b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))]
          E[Y(t) | x, t_x, T] = (a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x)
                     2F1(r+x, b+x+1; a+b+x; t/(alpha+T+t))] P(alive)
          P(alive) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x))
                     (Batislam, Denizel & Filiztekin 2007)

a = 1 and a + b + x = 1 (the removable singularities: a zero divisor, a 2F1 with c = 0) are
evaluated as limits: the mean of the formula at the parameter +- 1e-35 at 90 and 120
digits (the function is analytic there, so the error is O(1e-70)). Parameters are the
exact binary doubles written to the header, so a + b that is 1 only up to rounding is
evaluated as what it is.

  /usr/bin/python3 tests/ref/clv_grid_ref.py > tests/ref/clv_grid_ref.h   (reduced grid, CI)
  LIBIV_PATH=build/src /usr/bin/python3 tests/ref/clv_grid_ref.py --full  (by hand)

--full evaluates the full grid (r, alpha, a, b in 1e-3, 1e-2, ..., 1e3, t/alpha in 1e-2,
1, 1e2, 1e4, 1e6, 1e7, plus a = 1, a + b = 1 exactly and within 1e-9) with libiv's Python
binding as well and prints the worst relative errors and the time per call; it takes
about an hour (mpmath).
"""
import itertools
import os
import sys
import time

import mpmath as mp

mp.mp.dps = 50  # the default for the arithmetic between the checked values
EPS = mp.mpf("1e-35")


def _bracket(r, u, a, b, c, k):
    """k/(a-1) [1 - (1+u)^-r 2F1(r, b; c; u/(1+u))] at the working precision."""
    z = u / (1 + u)
    return k / (a - 1) * (1 - (1 + u) ** (-r) * mp.hyp2f1(r, b, c, z))


def _mean_at(dps, model, r, u, a, b):
    """E[X(t)] of a new customer, t/alpha = u, at dps digits (30 more for the limits at
    a = 1 and c = 0, whose two sides cancel to 35 digits)."""
    limit = a == 1 or (model == 0 and mp.mpf(a) + mp.mpf(b) == 1)
    with mp.workdps(dps + (30 if limit else 0)):
        r, u, a, b = (mp.mpf(v) for v in (r, u, a, b))

        def f(a, b):
            if model == 0:
                return _bracket(r, u, a, b, a + b - 1, a + b - 1)
            return _bracket(r, u, a, b + 1, a + b, b)
        if a == 1:
            v = (f(a + EPS, b) + f(a - EPS, b)) / 2
        elif model == 0 and a + b == 1:
            v = (f(a, b + EPS) + f(a, b - EPS)) / 2
        else:
            v = f(a, b)
    return v


def _palive_at(dps, model, r, al, a, b, x, tx, T):
    with mp.workdps(dps):
        r, al, a, b, x, tx, T = (mp.mpf(v) for v in (r, al, a, b, x, tx, T))
        if model == 0:
            if x == 0:
                return mp.mpf(1)
            return 1 / (1 + a / (b + x - 1) * ((al + T) / (al + tx)) ** (r + x))
        return 1 / (1 + a / (b + x) * ((al + T) / (al + tx)) ** (r + x))


def _checked(fn, *args):
    """fn at 60 and 90 digits (90 and 120 for the limits); both must agree to 1e-30."""
    lo, hi = fn(60, *args), fn(90, *args)
    with mp.workdps(90):
        if abs(lo - hi) > mp.mpf("1e-30") * abs(hi):
            raise SystemExit("reference not stable at %r: %s vs %s" % (args, lo, hi))
    return hi


def mean(model, r, al, a, b, t):
    """E[X(t)] for BG/NBD (model 0) or MBG/NBD (1)."""
    return _checked(_mean_at, model, r, t / al, a, b)


def conditional(model, r, al, a, b, x, tx, T, t):
    """E[Y(t) | x, t_x, T]: the mean function at (r+x, alpha+T, a, b+x) [b+x+1 for
    MBG/NBD, written above as (r+x, b+x+1; a+b+x)] times P(alive)."""
    with mp.workdps(120):
        u = mp.mpf(t) / (mp.mpf(al) + mp.mpf(T))
        bx = mp.mpf(b) + x + model
        m = _checked(_mean_at, 0, mp.mpf(r) + x, u, a, bx)
    return m * palive(model, r, al, a, b, x, tx, T)


def palive(model, r, al, a, b, x, tx, T):
    return _checked(_palive_at, model, r, al, a, b, x, tx, T)


VALS = [1e-3, 0.1, 1.0, 10.0, 1e3]
US = [1e-2, 1.0, 1e2, 1e4, 1e6]
ALPHAS = [1e-3, 1.0, 1e3]
# a = 1 exactly and within 1e-9, a + b = 1 exactly (in binary) and within 1e-9
SPECIAL_AB = [(1.0, 2.426), (1 + 1e-9, 2.426), (1 - 1e-9, 0.2), (1.0, 1e-3), (1.0, 1e3),
              (0.5, 0.5), (0.25, 0.75), (0.793, 1 - 0.793), (0.5, 0.5 + 1e-9),
              (0.5, 0.5 - 1e-9), (1e-3, 0.999)]
CUSTOMERS = [(0.0, 0.0, 5.0), (2.0, 3.0, 5.0), (50.0, 40.0, 52.0)]
# issue #14 item 11: (params, t, x, t_x, T, conditional?)
ISSUE = [((0.2426, 4.414, 0.793, 0.2), 39.0, 0, 0, 0, 0),
         ((0.2426, 4.414, 0.793, 0.2), 39.0, 0.0, 0.0, 10.0, 1),
         ((1.0, 1.0, 0.6, 0.39), 1.0, 0, 0, 0, 0),
         ((0.2426, 4.414, 0.5, 0.5), 39.0, 0, 0, 0, 0),
         ((0.2426, 4.414, 1.0, 2.426), 1.0, 0, 0, 0, 0),
         ((0.2426, 4.414, 1 + 1e-9, 2.426), 1.0, 10000.0, 999.99, 1000.0, 1),
         ((0.2426, 0.001, 0.793, 2.426), 103.57, 0, 0, 0, 0),
         ((1000.0, 0.001, 0.001, 1000.0), 1000.0, 0, 0, 0, 0)]


# found by a random check outside the grid (a = 7044: q^(a-1) of the series underflowed
# while the series' scale overflowed; the product was lost): (model, r, alpha, a, b, t)
EXTRA = [(0, 5.840900735845386, 0.01198387394518276, 7044.407964056188, 0.9342089821197496,
          0.0013865761063024406)]


def reduced_cells():
    """(model, r, alpha, a, b, t) for the means; (model, r, alpha, a, b, x, t_x, T, t)."""
    means, conds = [], []
    i = 0
    for model in (0, 1):
        for r, a, b in itertools.product(VALS, VALS, VALS):
            for u in US:
                al = ALPHAS[i % len(ALPHAS)]
                i += 1
                means.append((model, r, al, a, b, u * al))
        for (a, b), r, u in itertools.product(SPECIAL_AB, [1e-3, 0.2426, 1e3], US):
            means.append((model, r, 4.414, a, b, u * 4.414))
        for r, a, b in itertools.product(VALS, VALS, VALS):
            for (x, tx, T), u in itertools.product(CUSTOMERS, [1.0, 1e4, 1e6]):
                al = ALPHAS[i % len(ALPHAS)]
                i += 1
                conds.append((model, r, al, a, b, x, tx, T, u * (al + T)))
        for (a, b), (x, tx, T) in itertools.product(SPECIAL_AB, CUSTOMERS):
            conds.append((model, 0.2426, 4.414, a, b, x, tx, T, 1e6 * (4.414 + T)))
    means += EXTRA
    for p, t, x, tx, T, cond in ISSUE:
        if cond:
            conds.append((0,) + p + (x, tx, T, t))
        else:
            means.append((0,) + p + (t,))
    return means, conds


def num(v):
    """17 digits; 0 below 1e-300 (the test then wants |value| <= 1e-300)."""
    return "0.0" if abs(v) < mp.mpf("1e-300") else mp.nstr(v, 17)


def emit():
    means, conds = reduced_cells()
    out = sys.stdout
    out.write("/* Output of /usr/bin/python3 tests/ref/clv_grid_ref.py: BG/NBD (0) and MBG/NBD (1)\n"
              " * predictions by mpmath hyp2f1 at 60 and 90 digits (limits at a = 1 and\n"
              " * a + b = 1). Do not edit. */\n")
    out.write("/* model, r, alpha, a, b, t, E[X(t)] */\n")
    out.write("static const double ref_grid_mean[][7] = {\n")
    for c in means:
        v = mean(*c)
        out.write("    {%d, %r, %r, %r, %r, %r, %s},\n" % (c + (num(v),)))
    out.write("};\n")
    out.write("/* model, r, alpha, a, b, x, t_x, T, t, E[Y(t) | x, t_x, T], P(alive) */\n")
    out.write("static const double ref_grid_cond[][11] = {\n")
    for c in conds:
        v = conditional(*c)
        pa = palive(*c[:8])
        out.write("    {%d, %r, %r, %r, %r, %r, %r, %r, %r, %s, %s},\n"
                  % (c + (num(v), num(pa))))
    out.write("};\n")


def full():
    """The full grid, computed by libiv's Python binding and compared here."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                    "bindings", "python"))
    from libiv.clv import CLV
    vals = [10.0 ** k for k in range(-3, 4)]
    us = [1e-2, 1.0, 1e2, 1e4, 1e6, 1e7]
    special = [(1.0, b) for b in vals] + [(1 + 1e-9, b) for b in vals] + \
        [(1 - 1e-9, b) for b in vals] + [(a, 1 - a) for a in (1e-3, 0.01, 0.1, 0.25, 0.5, 0.9)] + \
        [(a, 1 - a + d) for a in (1e-3, 0.5) for d in (1e-9, -1e-9)]
    worst = {}
    cache = {}
    n = 0
    spent = 0.0
    start = time.time()
    for model in (0, 1):
        name = ("bgnbd", "mbgnbd")[model]
        abs_ = list(itertools.product(vals, vals)) + special
        for r, al, (a, b), u in itertools.product(vals, vals, abs_, us):
            t = u * al
            m = CLV(name, [r, al, a, b])
            c0 = time.process_time()
            got = [m.expected(t)]
            for x, tx, T in CUSTOMERS:
                got.append(m.conditional(t, x, tx, T))
            spent += time.process_time() - c0
            key0 = (model, r, a, b, u)
            if key0 not in cache:  # E[X(t)] depends on t / alpha only
                cache[key0] = mean(model, r, al, a, b, t)
            want = [cache[key0]]
            for x, tx, T in CUSTOMERS:
                want.append(conditional(model, r, al, a, b, x, tx, T, t))
            for k, (g, w) in enumerate(zip(got, want)):
                n += 1
                e = abs(mp.mpf(g) - w) / abs(w) if w != 0 else abs(mp.mpf(g))
                key = (name, "expected" if k == 0 else "conditional")
                if not e <= worst.get(key, (-1,))[0]:
                    worst[key] = (float(e) if e == e else float("nan"), (r, al, a, b, t), k)
    for k, v in sorted(worst.items()):
        print("%s %s: worst relative error %.3g at (r, alpha, a, b, t) = %r, case %d" % (k + v))
    print("%d values, %.1f us CPU per libiv call (binding included), %.0f s in all"
          % (n, 1e6 * spent / n, time.time() - start))


if __name__ == "__main__":
    if "--full" in sys.argv:
        full()
    else:
        emit()
