#!/usr/bin/python3
"""Reference values for tests/test_pattern.c, computed independently with SciPy/numpy.

The per-contact samples below are listed by hand from the small logs in test_pattern.c
(the working is in the test's comments); this script only runs the textbook tests on
them: Welch's t-test (scipy.stats.ttest_ind, equal_var=False), the Welch 95% interval of
the mean difference (Welch-Satterthwaite df, the t quantile solved in mpmath), Mann-Whitney U
(scipy.stats.mannwhitneyu with its defaults, U of the first sample) and Cliff's delta
counted pair by pair. Run: /usr/bin/python3 tests/ref/pattern_ref.py
"""
import mpmath as mp
import numpy as np
from scipy import stats

mp.mp.dps = 40


def t_ppf_upper(p, df):
    """The t with P(T > t) = p, p < 1/2, solved in mpmath at 40 digits: SciPy's own
    quantile (cdflib stdtrit) is only ~1e-9 accurate, not enough for a 1e-9 check.
    P(T > t) = I_x(df/2, 1/2) / 2 with x = df / (df + t^2) (A&S 26.7.1)."""
    df = mp.mpf(df)
    sf = lambda t: mp.betainc(df / 2, mp.mpf(1) / 2, 0, df / (df + t * t), regularized=True) / 2
    return mp.findroot(lambda t: sf(t) - p, mp.mpf(2))


def compare(name, a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    na, nb = len(a), len(b)
    va, vb = a.var(ddof=1), b.var(ddof=1)
    se = np.sqrt(va / na + vb / nb)
    df = se**4 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
    diff = a.mean() - b.mean()
    t = stats.ttest_ind(a, b, equal_var=False)
    q = float(t_ppf_upper(mp.mpf("0.025"), df))
    mw = stats.mannwhitneyu(a, b)
    gt = sum(1 for x in a for y in b if x > y)
    lt = sum(1 for x in a for y in b if x < y)
    print(f"/* {name}: a = {list(a)}, b = {list(b)} */")
    vals = dict(n_a=na, n_b=nb, mean_a=a.mean(), mean_b=b.mean(), median_a=np.median(a),
                median_b=np.median(b), diff=diff, diff_ci_low=diff - q * se,
                diff_ci_high=diff + q * se, welch_t=t.statistic, welch_df=df,
                welch_p=t.pvalue, mwu_u=mw.statistic, mwu_p=mw.pvalue,
                cliffs_delta=(gt - lt) / (na * nb))
    for k, v in vals.items():
        print(f"    {{\"{k}\", {float(v)!r}}},")


# iv_pattern_compare: per-contact rv, team x (c1 c2 c3 c4 c8) versus team y (c5 c6 c7 c8)
compare("compare rv team x vs y", [15, 3, 16, -1, 6], [2, 5, 0, 9])
# iv_pattern_ab: change in RV over [day 2, day 6), variant A (p1 p2 p3) vs B (q1 q2 q4 r1)
compare("ab A vs B", [10, 7, 0], [20, 31, 2, 6])
