#!/usr/bin/env python3
"""Reference values for tests/test_special.c, computed with mpmath at 50 digits.

Run: /usr/bin/python3 tests/ref/special_ref.py   (prints C initialisers to paste)
"""
import mpmath as mp

mp.mp.dps = 50


def c(v):
    return mp.nstr(v, 20, min_fixed=-3, max_fixed=3) if mp.isfinite(v) else "NAN"


print("/* lgamma: x, log Gamma(x) */")
for x in ["1e-10", "0.001", "0.5", "0.9", "1", "1.5", "2", "2.5", "3.7", "7.25",
          "14.999", "15", "30.5", "100", "1234.5678", "1e10", "1e300"]:
    print("    {%s, %s}," % (x, c(mp.loggamma(mp.mpf(x)))))

print("/* digamma: x, psi(x) */")
for x in ["1e-6", "0.25", "1", "1.4616321449683623", "2", "3.5", "10", "14.5", "15.5",
          "123.25", "1e8"]:
    print("    {%s, %s}," % (x, c(mp.digamma(mp.mpf(x)))))

print("/* lbeta: a, b, log B(a, b) */")
for a, b in [("0.5", "0.5"), ("0.793", "2.426"), ("0.793", "502.426"), ("2.5", "1e6"),
             ("40", "60"), ("1e-5", "3")]:
    A, B = mp.mpf(a), mp.mpf(b)
    print("    {%s, %s, %s}," % (a, b, c(mp.log(mp.beta(A, B)))))

print("/* lgamma_ratio: x, m, log Gamma(x+m) - log Gamma(x) */")
for x, m in [("500.2426", "0.7930"), ("20", "3.5"), ("1e6", "0.25"), ("2.5", "7"),
             ("100", "-20")]:
    X, M = mp.mpf(x), mp.mpf(m)
    print("    {%s, %s, %s}," % (x, m, c(mp.loggamma(X + M) - mp.loggamma(X))))

print("/* log 2F1: a, b, c, z, log|F|, sign */")
cases = [
    ("1", "1", "2", "0.5"),                 # -log(1-z)/z
    ("0.2426", "2.426", "2.219", "0.9"),    # BG/NBD E[X(t)] shape, a < 1
    ("1.159", "1.606", "2.159", "0.0934"),  # Pareto/NBD, x = 0
    ("30.159", "30.553", "31.159", "0.0934"),
    ("500.2426", "502.426", "501.219", "0.05"),   # heavy buyer, terms way past 1e300
    ("3", "2.5", "4", "0.999"),             # close to 1
    ("1.5", "2.25", "3.5", "-0.75"),        # Pfaff
    ("1.5", "2.25", "3.5", "-20"),          # Pfaff, w close to 1
    ("-3", "2", "1.5", "0.7"),              # polynomial
    ("0.5", "-0.2", "1.3", "0.95"),         # mixed signs
    ("2", "3", "-1.5", "0.3"),              # negative c, value negative
    ("800.5", "1.606", "801.5", "0.6"),
]
for a, b, cc, z in cases:
    v = mp.hyp2f1(mp.mpf(a), mp.mpf(b), mp.mpf(cc), mp.mpf(z))
    print("    {%s, %s, %s, %s, %s, %d}," % (a, b, cc, z, c(mp.log(abs(v))), 1 if v > 0 else -1))

print("/* d log 2F1 / d(a, b, c, z): a, b, c, z, then the four partials (mpmath diff) */")
dcases = [
    ("1.159", "1.606", "2.159", "0.0934"),  # Pareto/NBD shape c = a + 1, plain series
    ("30.159", "30.553", "31.159", "0.0934"),  # Euler branch
    ("1.159", "0.553", "2.159", "0.0934"),  # alpha < beta shape (b1 = r + x)
    ("3", "2.5", "4", "0.999"),             # close to 1
    ("500.2426", "502.426", "501.219", "0.05"),  # heavy, rescaled terms
    ("1.5", "2.25", "3.5", "-0.75"),        # Pfaff, |a| <= |b|
    ("2.25", "1.5", "3.5", "-20"),          # Pfaff, the other form, w close to 1
    ("0.5", "-0.2", "1.3", "0.95"),         # mixed signs
    ("2", "3", "4", "0"),                   # z = 0: only d/dz = ab/c
]
for a, b, cc, z in dcases:
    A, B, C, Z = (mp.mpf(v) for v in (a, b, cc, z))
    f = lambda a_, b_, c_, z_: mp.log(abs(mp.hyp2f1(a_, b_, c_, z_)))
    ds = [mp.diff(lambda t: f(t, B, C, Z), A), mp.diff(lambda t: f(A, t, C, Z), B),
          mp.diff(lambda t: f(A, B, t, Z), C), mp.diff(lambda t: f(A, B, C, t), Z)]
    print("    {%s, %s, %s, %s, %s}," % (a, b, cc, z, ", ".join(c(v) for v in ds)))
