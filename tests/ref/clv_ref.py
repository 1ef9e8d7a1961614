#!/usr/bin/env python3
"""Reference values for tests/test_clv.c, from an independent mpmath implementation.

BG/NBD from Fader, Hardie & Lee (2005) eq. 6, 7, 10, 11; Pareto/NBD from the individual-level
likelihood integrated over the death time by numerical quadrature (not the 2F1 route the library
uses), P(alive) and the conditional expectation from Fader & Hardie (2005) note eq. 21-22;
Gamma-Gamma from the marginal density of zbar given x (zbar x ~ Gamma(p x, nu), nu ~ Gamma(q, gamma)).

Run: /usr/bin/python3 tests/ref/clv_ref.py [path/to/cdnow_customers_summary_with_transactions.csv]
"""
import csv
import os
import sys

import mpmath as mp

mp.mp.dps = 30
BG = (mp.mpf("0.2426"), mp.mpf("4.414"), mp.mpf("0.7930"), mp.mpf("2.426"))
PN = (mp.mpf("0.553"), mp.mpf("10.58"), mp.mpf("0.606"), mp.mpf("11.67"))
GG = (mp.mpf("6.25"), mp.mpf("3.74"), mp.mpf("15.44"))


def bg_ll(x, tx, T, p=BG):
    r, al, a, b = p
    A = mp.beta(a, b + x) / mp.beta(a, b) * mp.gamma(r + x) * al**r / (mp.gamma(r) * (al + T)**(r + x))
    B = 0
    if x > 0:
        B = mp.beta(a + 1, b + x - 1) / mp.beta(a, b) * mp.gamma(r + x) * al**r / (mp.gamma(r) * (al + tx)**(r + x))
    return mp.log(A + B)


def bg_palive(x, tx, T, p=BG):
    r, al, a, b = p
    if x == 0:
        return mp.mpf(1)
    return 1 / (1 + a / (b + x - 1) * ((al + T) / (al + tx))**(r + x))


def bg_expected(t, p=BG):
    r, al, a, b = p
    return (a + b - 1) / (a - 1) * (1 - (al / (al + t))**r * mp.hyp2f1(r, b, a + b - 1, t / (al + t)))


def bg_conditional(t, x, tx, T, p=BG):
    r, al, a, b = p
    num = (a + b + x - 1) / (a - 1) * (1 - ((al + T) / (al + T + t))**(r + x)
                                       * mp.hyp2f1(r + x, b + x, a + b + x - 1, t / (al + T + t)))
    return num * bg_palive(x, tx, T, p)


def pn_parts(x, tx, T, p=PN):
    """log of the common factor, first term and s * integral over the death time."""
    r, al, s, be = p
    lc = mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(al) + s * mp.log(be)
    t1 = (al + T)**(-(r + x)) * (be + T)**(-s)
    # the integrand falls by a factor e^k over [t_x, T]; split so each piece falls by e^(1/2) at most
    k = (r + x) * mp.log((al + T) / (al + tx)) + (s + 1) * mp.log((be + T) / (be + tx))
    pieces = mp.linspace(tx, T, int(max(4, 2 * k)) + 1)
    integ = mp.quad(lambda u: (al + u)**(-(r + x)) * (be + u)**(-(s + 1)), pieces) if T > tx else 0
    return lc, t1, s * integ


def pn_ll(x, tx, T, p=PN):
    lc, t1, t2 = pn_parts(x, tx, T, p)
    return lc + mp.log(t1 + t2)


def pn_palive(x, tx, T, p=PN):
    _, t1, t2 = pn_parts(x, tx, T, p)
    return t1 / (t1 + t2)


def pn_expected(t, p=PN):
    r, al, s, be = p
    return r * be / (al * (s - 1)) * (1 - (be / (be + t))**(s - 1))


def pn_conditional(t, x, tx, T, p=PN):
    r, al, s, be = p
    return ((r + x) * (be + T) / ((al + T) * (s - 1)) * (1 - ((be + T) / (be + T + t))**(s - 1))
            * pn_palive(x, tx, T, p))


def gg_ll(x, z, p=GG):
    pp, q, g = p
    return (mp.loggamma(pp * x + q) - mp.loggamma(pp * x) - mp.loggamma(q) + q * mp.log(g)
            + pp * x * mp.log(x) + (pp * x - 1) * mp.log(z) - (pp * x + q) * mp.log(g + x * z))


def gg_spend(x, z, p=GG):
    pp, q, g = p
    return pp * (g + x * z) / (pp * x + q - 1)


def out(name, v):
    print("#define %s %s" % (name, mp.nstr(v, 17, min_fixed=-5, max_fixed=6)))


path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "data", "cdnow",
    "cdnow_customers_summary_with_transactions.csv")
rows = [(mp.mpf(r["x"]), mp.mpf(r["t_x"]), mp.mpf(r["T"]), mp.mpf(r["zbar"]))
        for r in csv.DictReader(open(path))]
out("REF_BG_LL_PUBLISHED", mp.fsum(bg_ll(x, tx, T) for x, tx, T, _ in rows))
out("REF_PN_LL_PUBLISHED", mp.fsum(pn_ll(x, tx, T) for x, tx, T, _ in rows))
out("REF_GG_LL_PUBLISHED", mp.fsum(gg_ll(x, z) for x, tx, T, z in rows if x > 0))
# customer 1 of CDNOW: x = 2, t_x = 30.43, T = 38.86, zbar = 22.35; horizon 39 weeks
c = (2, mp.mpf("30.43"), mp.mpf("38.86"))
out("REF_BG_EXPECTED_39", bg_expected(39))
out("REF_BG_COND_39", bg_conditional(39, *c))
out("REF_BG_PALIVE", bg_palive(*c))
out("REF_PN_EXPECTED_39", pn_expected(39))
out("REF_PN_COND_39", pn_conditional(39, *c))
out("REF_PN_PALIVE", pn_palive(*c))
out("REF_GG_SPEND", gg_spend(2, mp.mpf("22.35")))
out("REF_GG_SPEND_X0", gg_spend(0, 0))
# heavy buyers: x = 500, t_x = 900 or 100, T = 1000
out("REF_BG_LL_HEAVY", bg_ll(500, 900, 1000))
out("REF_BG_PALIVE_HEAVY", bg_palive(500, 900, 1000))
out("REF_BG_COND_HEAVY", bg_conditional(52, 500, 900, 1000))
out("REF_PN_LL_HEAVY", pn_ll(500, 900, 1000))
out("REF_PN_PALIVE_HEAVY", pn_palive(500, 900, 1000))
out("REF_BG_PALIVE_HEAVY_RECENT", bg_palive(500, 995, 1000))
out("REF_PN_PALIVE_HEAVY_RECENT", pn_palive(500, 995, 1000))
out("REF_BG_LOG_PALIVE_GONE", mp.log(bg_palive(500, 100, 1000)))
# discounted CLV, BG/NBD + GG, customer 1, 3 periods of 13 weeks, 5% per period
sp = gg_spend(2, mp.mpf("22.35"))
prev, tot = 0, 0
for k in (1, 2, 3):
    cur = bg_conditional(13 * k, *c)
    tot += (cur - prev) * sp / mp.mpf("1.05")**k
    prev = cur
out("REF_CLV_3x13", tot)
# Pareto/NBD with one rate parameter far above the other: the 2F1 argument is close to 1 and
# the library switches to quadrature; three customers (x, t_x, T)
FAR = [(0, 0, 10), (3, mp.mpf("4.5"), 20), (40, 35, 40)]
FAR_BETA = (mp.mpf("0.5"), mp.mpf(2), mp.mpf(3), mp.mpf(200))
FAR_ALPHA = (mp.mpf("1.2"), mp.mpf(300), mp.mpf("0.8"), mp.mpf("1.5"))
out("REF_PN_LL_FAR_BETA", mp.fsum(pn_ll(*c, p=FAR_BETA) for c in FAR))
out("REF_PN_LL_FAR_ALPHA", mp.fsum(pn_ll(*c, p=FAR_ALPHA) for c in FAR))
out("REF_PN_PALIVE_FAR_BETA", pn_palive(*FAR[1], p=FAR_BETA))
