#!/usr/bin/python3
"""Reference values for tests/test_dtw.c: DTW by the plain O(n^2) dynamic programme over
the full matrix (no band bookkeeping, no early abandoning: a second method), brute-force
nearest norms, and per-bucket norms by numpy (np.quantile default "linear" = type 7).

    /usr/bin/python3 tests/ref/dtw_ref.py
prints C tables to paste into tests/test_dtw.c."""
import math

import numpy as np


def walk(n, seed):
    """Random walk from the test's LCG: steps ((x >> 8) % 1000) / 100 - 5."""
    x, v, out = seed, 0.0, []
    for _ in range(n):
        x = (x * 1103515245 + 12345) % 2147483648
        v = v + (((x >> 8) % 1000) / 100.0 - 5.0)
        out.append(v)
    return out


def dtw(a, b, w):
    """sqrt of the least accumulated squared cost over warping paths inside |i-j| <= w."""
    n = len(a)
    inf = float("inf")
    D = [[inf] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            if abs(i - j) > w:
                continue
            c = (a[i] - b[j]) ** 2
            if i == 0 and j == 0:
                D[i][j] = c
                continue
            best = inf
            if i > 0:
                best = min(best, D[i - 1][j])
            if j > 0:
                best = min(best, D[i][j - 1])
            if i > 0 and j > 0:
                best = min(best, D[i - 1][j - 1])
            D[i][j] = c + best
    return math.sqrt(D[n - 1][n - 1])


print("/* dtw(walk(len, s1), walk(len, s2), w): {len, s1, s2, w, distance} */")
print("static const double dtw_ref[][5] = {")
for (n, s1, s2, w) in [(5, 1, 2, 0), (5, 1, 2, 1), (26, 3, 4, 3), (26, 5, 6, 0), (26, 7, 8, 25),
                       (40, 9, 10, 5), (1, 11, 12, 3), (26, 13, 14, 1)]:
    print("    {%d, %d, %d, %d, %r}," % (n, s1, s2, w, dtw(walk(n, s1), walk(n, s2), w)))
print("};")

# nearest of 5 norms (walks with seeds 100..104) for 40 queries (seeds 200..239), w = 3
norms = [walk(26, 100 + k) for k in range(5)]
print("/* nearest norm (seeds 100..104) of the walks with seeds 200..239, len 26, w = 3 */")
print("static const int nearest_ref[40] = {")
idx = []
for q in range(40):
    x = walk(26, 200 + q)
    d = [dtw(x, y, 3) for y in norms]
    idx.append(min(range(5), key=lambda k: (d[k], k)))
print("    " + ", ".join(str(i) for i in idx))
print("};")

# norms: 60 trajectories of 8 buckets, trajectory t censored after bucket 8 - (t % 4)
# (t % 4 == 0: fully observed), values rounded to make ties
T = []
for t in range(60):
    w_ = [round(v) for v in walk(8, 300 + t)]
    cut = 8 - (t % 4)
    T.append([v if b < cut else float("nan") for b, v in enumerate(w_)])
A = np.array(T)
print("/* norm of the 60 x 8 matrix built in the test: contacts, median, p10, p25, p75, p90, mad */")
print("static const double norm_ref[8][7] = {")
for b in range(8):
    col = A[:, b][~np.isnan(A[:, b])]
    med = np.median(col)
    q = np.quantile(col, [0.10, 0.25, 0.75, 0.90])
    mad = np.median(np.abs(col - med))
    print("    {%d, %r, %r, %r, %r, %r, %r}," % (len(col), med, q[0], q[1], q[2], q[3], mad))
print("};")
