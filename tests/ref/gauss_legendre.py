#!/usr/bin/env python3
"""Nodes and weights of the 16-point Gauss-Legendre rule on [-1, 1] (the positive half;
the rule is symmetric), for the Pareto/NBD quadrature in src/analytics/clv.c, by mpmath at 40 digits.

Run: /usr/bin/python3 tests/ref/gauss_legendre.py   (prints the C initialisers)
"""
import mpmath as mp

mp.mp.dps = 40
n = 16
rows = []
for k in range(1, n // 2 + 1):
    # k-th root of P_16 from the classic first guess, polished by Newton's method
    x = mp.cos(mp.pi * (k - mp.mpf(1) / 4) / (n + mp.mpf(1) / 2))
    for _ in range(100):
        # P_n'(x) = n (x P_n(x) - P_{n-1}(x)) / (x^2 - 1)
        p, q = mp.legendre(n, x), mp.legendre(n - 1, x)
        dp = n * (x * p - q) / (x * x - 1)
        x -= p / dp
    p, q = mp.legendre(n, x), mp.legendre(n - 1, x)
    dp = n * (x * p - q) / (x * x - 1)
    w = 2 / ((1 - x * x) * dp * dp)
    rows.append((x, w))
assert len(set(mp.nstr(x, 15) for x, _ in rows)) == n // 2
assert abs(2 * sum(w for _, w in rows) - 2) < mp.mpf(10) ** -35
for x, w in sorted(rows):
    print("    {%s, %s}," % (mp.nstr(x, 20), mp.nstr(w, 20)))
