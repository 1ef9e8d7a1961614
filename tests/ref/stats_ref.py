#!/usr/bin/python3
"""Reference values for tests/test_stats.c (libiv statistics kernels).

Run with Debian 12's /usr/bin/python3 (python3-scipy 1.10.1, python3-mpmath 1.2.1):
    /usr/bin/python3 tests/ref/stats_ref.py > /tmp/stats_ref.txt
and paste the printed C tables into tests/test_stats.c.

Distribution functions are computed twice, with SciPy (ndtr, ndtri, stdtr) and with
mpmath at high precision (erfc; the regularised incomplete beta, switched to its
complement where the series converges); the script asserts they agree to 1e-12 and
prints the mpmath values.  SciPy's stdtrit (cdflib) is accurate only to ~1e-9 and clamps
at -1e100, so the t quantiles come from mpmath alone (bisection on the log of the cdf).
Welch and Mann-Whitney results are SciPy's ttest_ind(equal_var=False) and
mannwhitneyu(...) on samples produced by the same integer generator as the C test.
"""
import math
import sys

import mpmath as mp
import numpy as np
import scipy
import scipy.special as sp
import scipy.stats as st

assert scipy.__version__.startswith("1.10"), scipy.__version__


def gen(n, seed, m, d, off):
    """The test's sample generator (same in C): an LCG, values ((x >> 8) % m) / d + off."""
    x, out = seed, []
    for _ in range(n):
        x = (x * 1103515245 + 12345) % 2147483648
        out.append(((x >> 8) % m) / d + off)
    return out


def cf(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "NAN"
    if math.isinf(v):
        return "-INFINITY" if v < 0 else "INFINITY"
    return repr(float(v))


def rel(a, b):
    a, b = mp.mpf(a), mp.mpf(b)
    return abs(a - b) / abs(b) if b != 0 else abs(a)


# ------------------------------------------------------------------ normal law
def ncdf_mp(x):
    with mp.workdps(60):
        return mp.erfc(-mp.mpf(x) / mp.sqrt(2)) / 2


def bisect(pred, lo, hi, steps):
    """Shrink [lo, hi] around the switch of pred (true on the lo side)."""
    for _ in range(steps):
        mid = (lo + hi) / 2
        if pred(mid):
            lo = mid
        else:
            hi = mid
    return lo, hi


def nq_mp(p):
    """x with Phi(x) = p (p < 1/2) by bisection on log Phi."""
    with mp.workdps(60):
        lp = mp.log(p)
        lo, hi = bisect(lambda x: mp.log(ncdf_mp(x)) <= lp, mp.mpf(-40), mp.mpf(0), 300)
        return (lo + hi) / 2


print("/* normal: x, cdf(x), sf(x) */")
print("static const double normal_cdf_ref[][3] = {")
for x in [-37.5, -37.0, -30.0, -20.0, -10.0, -5.0, -1.5, -0.3, -1e-10, 0.0, 0.5, 2.0, 8.0]:
    c, s = ncdf_mp(x), ncdf_mp(-x)
    assert rel(sp.ndtr(x), c) < 1e-12 and rel(sp.ndtr(-x), s) < 1e-12, x
    print("    {%s, %s, %s}," % (cf(x), cf(float(c)), cf(float(s))))
print("};")

print("/* normal: p, quantile(p) */")
print("static const double normal_q_ref[][2] = {")
for p in [1e-300, 1e-200, 1e-100, 1e-20, 1e-10, 0.001, 0.025, 0.2, 0.3, 0.4999, 0.5 - 1e-12,
          0.75, 0.975, 1 - 1e-10]:
    if p < 0.5:
        q = nq_mp(p)
    else:
        q = -nq_mp(mp.mpf(1) - mp.mpf(p))   # p is a double: 1 - p exactly
    assert rel(sp.ndtri(p), q) < 1e-12, (p, sp.ndtri(p), q)
    print("    {%s, %s}," % (cf(p), cf(float(q))))
print("};")


# ------------------------------------------------------------------ Student t
def t_lower_mp(df, t, small=1e-300):
    """P(T < t) for t < 0 at high precision (A&S 26.7.1 with 26.5.27); small is a lower
    bound of the result, which sets the working precision of the complement form."""
    digits = 50 + max(0, int(-math.log10(small)))
    with mp.workdps(digits):
        df, t = mp.mpf(df), mp.mpf(t)
        x = df / (df + t * t)
        y = t * t / (df + t * t)
        if x <= 0.5:
            v = mp.betainc(df / 2, mp.mpf(1) / 2, 0, x, regularized=True) / 2
        else:
            v = (1 - mp.betainc(mp.mpf(1) / 2, df / 2, 0, y, regularized=True)) / 2
        return +v


def t_cdf_mp(df, t):
    if t == 0:
        return mp.mpf(0.5)
    small = max(sp.stdtr(df, -abs(t)) / 10, 1e-300)
    return t_lower_mp(df, t, small) if t < 0 else 1 - t_lower_mp(df, -t, small)


DFS = [0.5, 1.0, 1.5, 2.5, 3.7, 10.0, 29.3, 1e3, 1e6, 1e9]
TS = [-1e150, -1e10, -1e3, -40.0, -37.0, -10.0, -2.0, -0.5, -1e-8, 0.3, 3.0]
print("/* Student t: df, t, cdf(t) (every value >= 1e-300 that SciPy also gives) */")
print("static const double t_cdf_ref[][3] = {")
worst = 0.0
for df in DFS:
    for t in TS:
        if sp.stdtr(df, t) < 1e-300:
            continue   # below the test's range (SciPy underflows too)
        with mp.workdps(60):
            ref = t_cdf_mp(df, t)
        s = sp.stdtr(df, t)
        worst = max(worst, float(rel(s, ref)))
        assert rel(s, ref) < 1e-12, (df, t, s, ref)
        print("    {%s, %s, %s}," % (cf(df), cf(t), cf(float(ref))))
print("};")
print("/* worst SciPy stdtr vs mpmath relative difference above: %.3g */" % worst)


def t_q_mp(df, p):
    """Lower quantile (p < 1/2): bisection in s = log(-t) on log P(T < t), then Newton
    steps with the exact density."""
    with mp.workdps(60):
        lp, lo, hi = mp.log(p), mp.mpf(-60), mp.mpf(710)
        F = lambda s: t_lower_mp(df, -mp.exp(s), p / 10)
        guess = -sp.stdtrit(df, p)   # ~1e-9 accurate where not clamped at 1e100
        if 0 < guess < 1e99:
            l2, h2 = mp.log(guess) - mp.mpf("0.01"), mp.log(guess) + mp.mpf("0.01")
            if mp.log(F(l2)) > lp > mp.log(F(h2)):
                lo, hi = l2, h2
        lo, hi = bisect(lambda s: mp.log(F(s)) > lp, lo, hi, 60)
        s, d = (lo + hi) / 2, mp.mpf(df)
        logc = mp.loggamma((d + 1) / 2) - mp.loggamma(d / 2) - mp.log(d * mp.pi) / 2
        for _ in range(4):
            u = mp.exp(s)
            f = F(s)
            dens = mp.exp(logc - (d + 1) / 2 * mp.log1p(u * u / d))
            s = s + (mp.log(f) - lp) / (dens * u / f)
        return -mp.exp(s)


print("/* Student t: df, p, quantile(p) (mpmath; every finite double) */")
print("static const double t_q_ref[][3] = {")
for df in [0.5, 1.0, 2.5, 10.0, 29.3, 1e6, 1e9]:
    for p in [1e-300, 1e-100, 1e-20, 1e-5, 0.025, 0.3, 0.4999999]:
        q = t_q_mp(df, p)
        if abs(q) > mp.mpf("1e300"):
            continue
        print("    {%s, %s, %s}," % (cf(df), cf(p), cf(float(q))))
print("};")

# ------------------------------------------------------------------ Welch
WELCH = [
    ("gen(12, 1, 1000, 100, 0)", "gen(15, 2, 1000, 80, 1.0)"),
    ("gen(3, 5, 1000, 100, 0)", "gen(40, 6, 1000, 10, 0)"),
    ("gen(100, 3, 100000, 1e5, 0)", "gen(100, 4, 100000, 1e5, 4.5)"),
    ("gen(2, 7, 1000, 1, 0)", "gen(2, 8, 1000, 1, 0)"),
]
print("/* Welch: sample specs {n, seed, m, d, off} x2, t, df, p (SciPy ttest_ind equal_var=False) */")
print("static const struct welch_case welch_ref[] = {")
for sa, sb in WELCH:
    a, b = eval(sa), eval(sb)
    r = st.ttest_ind(a, b, equal_var=False)
    va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    # the p-value once more at high precision from t and df
    with mp.workdps(60):
        pm = 2 * t_lower_mp(df, -abs(r.statistic))
    assert rel(r.pvalue, pm) < 1e-12, (r.pvalue, pm)
    print("    {{%s}, {%s}, %s, %s, %s}," % (sa[4:-1], sb[4:-1], cf(r.statistic), cf(df),
                                            cf(r.pvalue)))
print("};")

# ------------------------------------------------------------------ Mann-Whitney
MWU = [
    ("gen(5, 7, 1000000, 1000, 0)", "gen(7, 8, 1000000, 1000, 0)", "auto"),
    ("gen(8, 9, 1000000, 1000, 0)", "gen(30, 10, 1000000, 1000, 300)", "auto"),
    ("gen(9, 11, 1000000, 1000, 0)", "gen(10, 12, 1000000, 1000, 0)", "auto"),
    ("gen(9, 31, 1000000, 1000, 0)", "gen(12, 32, 1000000, 1000, 200)", "auto"),
    ("gen(6, 13, 5, 1, 0)", "gen(7, 14, 5, 1, 0)", "auto"),
    ("gen(200, 15, 20, 1, 0)", "gen(300, 16, 20, 1, 2)", "auto"),
    ("gen(300, 17, 1000000, 1000000, 0)", "gen(300, 18, 1000000, 1000000, 0.8)", "auto"),
    ("gen(8, 19, 1000000, 1000000, 0)", "gen(150, 20, 1000000, 1000000, 5)", "auto"),
    ("gen(3, 21, 1, 1, 1)", "gen(2, 22, 1, 1, 1)", "auto"),
    ("gen(9, 11, 1000000, 1000, 0)", "gen(10, 12, 1000000, 1000, 0)", "exact"),
    ("gen(5, 7, 1000000, 1000, 0)", "gen(7, 8, 1000000, 1000, 0)", "asymptotic"),
    ("gen(40, 23, 1000000, 1000, 0)", "gen(8, 24, 1000000, 1000, 120)", "auto"),
]
print("/* Mann-Whitney: specs, method (0 auto 1 exact 2 asymptotic), U of a, p, cliffs delta */")
print("static const struct mwu_case mwu_ref[] = {")
for sa, sb, meth in MWU:
    a, b = eval(sa), eval(sb)
    r = st.mannwhitneyu(a, b, method=meth)
    gt = sum(1 for x in a for y in b if x > y)
    lt = sum(1 for x in a for y in b if x < y)
    delta = (gt - lt) / (len(a) * len(b))
    code = {"auto": 0, "exact": 1, "asymptotic": 2}[meth]
    print("    {{%s}, {%s}, %d, %s, %s, %s}," % (sa[4:-1], sb[4:-1], code, cf(r.statistic),
                                                cf(r.pvalue), cf(delta)))
print("};")

# ------------------------------------------------------------------ compare
a, b = gen(25, 21, 1000, 10, 0), gen(31, 22, 1000, 10, 5)
r = st.ttest_ind(a, b, equal_var=False)
va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
half = -float(t_q_mp(df, 0.025)) * math.sqrt(va + vb)   # SciPy's ppf is only ~1e-9
diff = np.mean(a) - np.mean(b)
m = st.mannwhitneyu(a, b)
gt = sum(1 for x in a for y in b if x > y)
lt = sum(1 for x in a for y in b if x < y)
vals = [len(a), len(b), np.mean(a), np.mean(b), np.median(a), np.median(b), diff,
        diff - half, diff + half, r.statistic, df, r.pvalue, m.statistic, m.pvalue,
        (gt - lt) / (len(a) * len(b))]
print("/* compare(gen(25, 21, 1000, 10, 0), gen(31, 22, 1000, 10, 5)): the 15 documented columns */")
print("static const double compare_ref[15] = {")
print("    " + ", ".join(cf(float(v)) for v in vals))
print("};")
print("/* the same interval at 90%%: */ static const double compare_ci90_ref[2] = {%s, %s};" % (
    cf(diff + float(t_q_mp(df, 0.05)) * math.sqrt(va + vb)),
    cf(diff - float(t_q_mp(df, 0.05)) * math.sqrt(va + vb))))
