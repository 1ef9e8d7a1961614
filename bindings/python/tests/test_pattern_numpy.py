"""The pattern kernels through the Python binding with numpy arrays, checked against a
second method: numpy's own quantiles and medians for the norm, and a plain dynamic
programme written here for DTW and the nearest-norm search (run under Debian's
/usr/bin/python3, which has numpy)."""

import math
import unittest

import numpy as np

import libiv

P = libiv.pattern


def dtw_plain(x, y, w):
    """DTW over the common observed prefix, local cost (x_i - y_j)^2, cells |i - j| <= w,
    steps (i-1, j), (i, j-1), (i-1, j-1); the square root of the accumulated cost
    (Sakoe & Chiba 1978)."""
    n = len(x)
    for i in range(n):
        if math.isnan(x[i]) or math.isnan(y[i]):
            n = i
            break
    if n == 0:
        return None
    inf = math.inf
    d = [[inf] * (n + 1) for _ in range(n + 1)]
    d[0][0] = 0.0
    for i in range(1, n + 1):
        for j in range(max(1, i - w), min(n, i + w) + 1):
            c = (x[i - 1] - y[j - 1]) ** 2
            d[i][j] = c + min(d[i - 1][j], d[i][j - 1], d[i - 1][j - 1])
    return math.sqrt(d[n][n])


class Kernels(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rng = np.random.default_rng(20240601)
        # 40 cumulative trajectories of 12 buckets, later buckets censored for some
        cls.traj = np.cumsum(rng.exponential(5.0, size=(40, 12)), axis=1)
        for i, cut in enumerate(rng.integers(6, 13, size=40)):
            cls.traj[i, cut:] = np.nan

    def test_norm_equals_numpy_type_7_quantiles_and_raw_mad(self):
        with P.norm(self.traj) as t:
            rows = t.to_records()
        for b, r in enumerate(rows):
            col = self.traj[:, b]
            obs = col[~np.isnan(col)]
            self.assertEqual(r["contacts"], len(obs))
            med = np.median(obs)
            self.assertAlmostEqual(r["median"], med, places=10)
            for name, q in (("p10", 10), ("p25", 25), ("p75", 75), ("p90", 90)):
                # numpy's default 'linear' is Hyndman & Fan type 7
                self.assertAlmostEqual(r[name], np.percentile(obs, q), places=10)
            self.assertAlmostEqual(r["mad"], np.median(np.abs(obs - med)), places=10)

    def test_numpy_rows_and_lists_give_the_same_norm(self):
        with P.norm(self.traj) as a, P.norm([[None if math.isnan(v) else v for v in row]
                                             for row in self.traj]) as b:
            self.assertEqual(a.to_json(), b.to_json())

    def test_dtw_equals_a_plain_dynamic_programme(self):
        for w in (0, 1, 3, 12):
            for i in range(0, 40, 7):
                x, y = self.traj[i], self.traj[(i + 5) % 40]
                want = dtw_plain(list(x), list(y), w)
                got = P.dtw(x, y, window=w)
                self.assertTrue(math.isclose(got, want, rel_tol=1e-12),
                                "w=%d i=%d: %r != %r" % (w, i, got, want))

    def test_nearest_equals_brute_force_over_the_plain_dtw(self):
        norms = np.nanmedian(self.traj.reshape(4, 10, 12), axis=1)   # 4 group medians
        idx, dist = P.nearest(self.traj, norms, window=2)
        for q in range(40):
            ds = [dtw_plain(list(self.traj[q]), list(norms[k]), 2) for k in range(4)]
            best = min(range(4), key=lambda k: (ds[k], k))
            self.assertEqual(idx[q], best, "query %d" % q)
            self.assertTrue(math.isclose(dist[q], ds[best], rel_tol=1e-12))
        idx_b, dist_b = P.nearest(self.traj, norms, window=2, prune=False)
        self.assertEqual((idx, dist), (idx_b, dist_b))


if __name__ == "__main__":
    unittest.main()
