#!/usr/bin/env python3
"""Reference grid for the Pareto/NBD log-likelihood and its gradient (tests/test_clv_grid.c),
by mpmath.

One customer's likelihood [Fader & Hardie 2005, eq. 17-19]:

  L = Gamma(r+x) alpha^r beta^s / Gamma(r) * [ (alpha+T)^-(r+x) (beta+T)^-s + s/(r+s+x) A0 ],
  A0 = F(t_x)/(m+t_x)^(r+s+x) - F(T)/(m+T)^(r+s+x),
  F(y) = 2F1(r+s+x, b1; r+s+x+1; |alpha-beta|/(m+y)), m = alpha, b1 = s+1 if alpha >= beta,
  else m = beta, b1 = r+x,

with mpmath's own hyp2f1 (not the library's series: neither Euler's transformation nor the
quadrature the library takes for 1 - z < 0.1), and d log L / d(r, alpha, s, beta) by
mp.diff. Every value is computed at 30 and again at 45 digits and written only when the two
agree to 1e-25 relative (absolute for values below 1). Cross-check: on rows where the
death-time integral s/(r+s+x) A0 = s int_{t_x}^{T} (alpha+u)^-(r+x) (beta+u)^-(s+1) du is
benign for mp.quad the two forms agree to 1e-20 (asserted).

The grid: parameter sets with alpha and beta equal, close, and up to 11.5 times apart
either way (the 2F1 argument |alpha - beta| / (max + y) from 0 to just above 0.9, where the
library takes the series, and beyond, where it takes quadrature), r and s from 0.05 to 30;
customers with x from 0 to 300, t_x from 0 to 60 and T from t_x (+ 0, 1e-6, 0.01) to 400.

  /usr/bin/python3 tests/ref/pnbd_grid_ref.py > tests/ref/pnbd_grid_ref.h
"""
import mpmath as mp

PARAMS = [
    # r, alpha, s, beta
    ("2", "12.5", "2.54", "144"),    # a 2.4M-row log's fit: beta > alpha, z up to 0.91
    ("2", "144", "2.54", "12.5"),    # the same, alpha > beta
    ("0.553", "10.58", "0.606", "11.67"),  # CDNOW's fit: alpha and beta close
    ("0.8", "12", "0.5", "6"),
    ("0.05", "1", "0.05", "1"),      # equal rates: z = 0
    ("30", "3", "30", "7"),
    ("0.5", "1", "3", "10"),         # 1 - z = 0.1 at y = 0: the series' edge
    ("0.5", "10", "3", "1"),
    ("1.5", "2", "0.2", "19.5"),
    ("0.3", "40", "8", "0.4"),       # 100 times apart: quadrature near y = 0
    ("5", "0.7", "1", "0.69"),
    ("0.1", "5", "25", "50"),
    ("0.5", "1", "3", "20"),         # 1 - z = 0.05 at y = 0: the fit's series edge
    ("0.5", "20", "3", "1"),
    ("2", "12.5", "2.54", "160"),    # 1 - z = 0.078 at y = 0: the fit's series, not the predictions'
]
CUSTOMERS = [
    # x, t_x, T
    (0, "0", "0.5"), (0, "0", "52"), (0, "0", "400"),
    (1, "0.5", "3"), (1, "2", "2.000001"), (2, "30", "30.01"),
    (3, "4.5", "20"), (7, "1", "52"), (20, "50", "52"),
    (40, "35", "40"), (120, "60", "61"), (300, "20", "400"),
    (5, "10", "10"),
]


def loglik(x, tx, T, p):
    """log L by the 2F1 form at the working precision."""
    r, al, s, be = p
    a1 = r + s + x
    m, b1 = (al, s + 1) if al >= be else (be, r + x)
    d = abs(al - be)
    G = lambda y: mp.hyp2f1(a1, b1, a1 + 1, d / (m + y)) / (m + y) ** a1
    A0 = G(tx) - G(T)
    lc = mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(al) + s * mp.log(be)
    return lc + mp.log((al + T) ** (-(r + x)) * (be + T) ** (-s) + s / a1 * A0)


def loglik_quad(x, tx, T, p):
    """log L with the death-time integral by mp.quad (the cross-check)."""
    r, al, s, be = p
    f = lambda u: (al + u) ** (-(r + x)) * (be + u) ** (-(s + 1))
    I = mp.quad(f, mp.linspace(tx, T, 9)) if T > tx else 0
    lc = mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(al) + s * mp.log(be)
    return lc + mp.log((al + T) ** (-(r + x)) * (be + T) ** (-s) + s * I)


def parts(x, tx, T, p):
    """log L and its gradient at the working precision."""
    out = [loglik(x, tx, T, p)]
    for k in range(4):
        def f(v, k=k):
            q = list(p)
            q[k] = v
            return loglik(x, tx, T, q)
        out.append(mp.diff(f, p[k]))
    return out


def at(dps, x, tx, T, p):
    with mp.workdps(dps):
        pp = [mp.mpf(v) for v in p]
        return parts(mp.mpf(x), mp.mpf(tx), mp.mpf(T), pp)


def close(a, b):
    return abs(a - b) <= mp.mpf("1e-25") * max(abs(a), abs(b), 1)


def main():
    rows = []
    for p in PARAMS:
        for x, tx, T in CUSTOMERS:
            lo, hi = at(30, x, tx, T, p), at(45, x, tx, T, p)
            if all(close(a, b) for a, b in zip(lo, hi)):
                rows.append((p, (x, tx, T), hi))
    # the 2F1 form against the death-time integral where mp.quad is at ease
    with mp.workdps(30):
        for p, c in ((PARAMS[2], (3, "4.5", "20")), (PARAMS[3], (7, "1", "52")),
                     (PARAMS[0], (1, "0.5", "3"))):
            pp, cc = [mp.mpf(v) for v in p], [mp.mpf(v) for v in c]
            assert abs(loglik(*cc, pp) - loglik_quad(*cc, pp)) < mp.mpf("1e-20"), (p, c)
    print("/* Output of /usr/bin/python3 tests/ref/pnbd_grid_ref.py: Pareto/NBD log-likelihood of")
    print(" * one customer and its gradient, by mpmath hyp2f1 and mp.diff at 30 and 45 digits.")
    print(" * Do not edit. */")
    print("/* r, alpha, s, beta, x, t_x, T, log L, d/dr, d/dalpha, d/ds, d/dbeta */")
    print("static const double ref_pnbd_grid[][12] = {")
    for p, c, v in rows:
        cells = [repr(float(mp.mpf(a))) for a in p] + [repr(float(mp.mpf(a))) for a in c]
        cells += [mp.nstr(a, 17, min_fixed=-3, max_fixed=3) for a in v]
        print("    {" + ", ".join(cells) + "},")
    print("};")


if __name__ == "__main__":
    main()
