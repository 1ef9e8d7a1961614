/* BG/NBD and MBG/NBD mean functions and P(X(t) = x) for BG/NBD, MBG/NBD and Pareto/NBD.
 * Formulas and the reasons for each rearrangement: doc/CLV.md.
 *
 * [FHL05] Fader, Hardie & Lee (2005), Marketing Science 24(2), eq. 7, 8, 10.
 * [BDF07] Batislam, Denizel & Filiztekin (2007), "Empirical validation and comparison of
 *         models for customer base analysis", IJRM 24(3) (MBG/NBD).
 * [FH06]  Fader & Hardie (2006), "Deriving an Expression for P(X(t) = x) Under the
 *         Pareto/NBD Model", brucehardie.com note 012 (here by its death-time integral). */
#include <math.h>

#include "clv_bg.h"
#include "special.h"

#define IV__BG_MAX_TERMS 20000000L
#define IV__BG_SERIES_MAX_U 100.0
#define IV__BG_SERIES_MAX_TERMS 20000L

#define IV__BIG 1e250

/* expm1(y) / y, 1 at y = 0 */
static double phi1(double y)
{
    return fabs(y) < 1e-300 ? 1 : expm1(y) / y;
}

/* A series sum_{k>=1} s_k with s_1 = first and s_{k+1} = s_k * ratio(k), summed with
 * rescaling by 1e250 (the scale kept as a logarithm) so neither the terms nor the sum
 * overflow. *abs receives sum |s_k| in the same scale; returns the sum and *lscale the
 * log of the scale factor (value = sum * e^lscale). NaN when it does not converge within
 * the term budget. */
typedef struct bg_series {
    double c_r, a, c, z;  /* Euler form: ratio (c-r+k)(a+k-1) z / ((c+k)(k+1)) */
    double r, b;          /* positive form: ratio (r+k)(b+k) z / ((c+k)(k+1)) */
    int euler;
    long max_terms;       /* the term budget */
    long terms;           /* the terms summed */
} bg_series;

static double bg_ratio(const bg_series *s, double k)
{
    return s->euler ? (s->c_r + k) * (s->a + k - 1) * s->z / ((s->c + k) * (k + 1))
                    : (s->r + k) * (s->b + k) * s->z / ((s->c + k) * (k + 1));
}

static double bg_sum(bg_series *s, double first, double *abs, double *lscale)
{
    double t = first, sum = 0, asum = 0, ls = 0, kmin = fabs(s->c_r) + 2;
    long k;
    for (k = 1; k <= s->max_terms; k++) {
        double kk = (double)k, ratio = bg_ratio(s, kk), rho;
        sum += t;
        asum += fabs(t);
        if (t == 0)
            break;
        /* past the sign changes, future ratios are below max(|ratio|, z) (they tend to z
         * monotonically), so the tail is at most |t| rho / (1 - rho) */
        rho = IV__MAX(fabs(ratio), s->z);
        if (kk >= kmin && rho < 1 && fabs(t) * rho / (1 - rho) <= 1e-17 * asum)
            break;
        t *= ratio;
        if (fabs(t) > IV__BIG) {
            t /= IV__BIG;
            sum /= IV__BIG;
            asum /= IV__BIG;
            ls += log(IV__BIG);
        }
    }
    s->terms = k;
    if (k > s->max_terms)
        return NAN;
    *abs = asum;
    *lscale = ls;
    return sum;
}

/* h(p) = [1 - (1 + p u)^-r] / p, the expected purchases of a customer with dropout
 * probability p and rate lambda, averaged over lambda ~ Gamma(r, alpha), u = t / alpha;
 * r u at p = 0, positive and falling in p, p h(p) rising. Below (r+1) p u < 1e-8 the
 * series r u (1 - (r+1) p u / 2) (the next term is below 3e-17 of the value). */
static double bg_h(double r, double u, double p)
{
    double x = p * u;
    if ((r + 1) * x < 1e-8)
        return r * u * (1 - (r + 1) * x / 2);
    return -expm1(-r * log1p(x)) / p;
}

/* One side of the quadrature of doc/CLV.md section 8. side 0: y = log p on (-inf, ytop],
 * log weight a y + (b-1) log(1-p); side 1: y = log(1-p), log weight b y + (a-1) log p.
 * Sums W e^(lw - *sc) h and W e^(lw - *sc) into sh, s1, rescaling both when the running
 * scale *sc rises. Returns -1 when a piece count limit is hit (never seen). */
typedef struct bg_quad {
    double r, u, a, b;
    double sc, sh, s1;
    long nodes;
} bg_quad;

static void bg_add(bg_quad *q, double lw, double w, double h)
{
    if (lw > q->sc) {
        double f = exp(q->sc - lw);
        q->sh *= f;
        q->s1 *= f;
        q->sc = lw;
    }
    w *= exp(lw - q->sc);
    q->sh += w * h;
    q->s1 += w;
}

/* log weight, its y-derivative and h at y on a side */
static void bg_point(const bg_quad *q, int side, double y, double *lw, double *dlw, double *h)
{
    double e = exp(y), ec = -expm1(y); /* e^y and 1 - e^y, both accurate */
    double ea = side ? q->b : q->a, eb = side ? q->a : q->b;
    *lw = ea * y + (eb - 1) * log(ec);
    *dlw = ea - (eb - 1) * e / ec;
    if (h)
        *h = bg_h(q->r, q->u, side ? ec : e);
}

static int bg_side(bg_quad *q, int side, double ytop)
{
    const double r = q->r, u = q->u, a = q->a, b = q->b;
    const double ea = side ? b : a; /* the exponent of e^y in the weight */
    double Y, y = ytop, lw, dlw, h;
    long pieces = 0;
    int i;
    /* below Y the tail is summed from a Taylor expansion in e^y of the rest of the
     * integrand (weight correction and h), whose first neglected term is < 1e-18 */
    Y = side ? log(1e-9 / (r + 3 + fabs(a))) : log(1e-6 / (fabs(b) + 3 + (r + 3) * u));
    while (y > Y) {
        double w = IV__MIN(3.0, 1.5 * fabs(y)), d0, d1, rest1, resth, y0, p0, cw, eb;
        bg_point(q, side, y, &lw, &d0, NULL);
        bg_point(q, side, y - w, &lw, &d1, NULL);
        w = IV__MIN(w, 16 / (IV__MAX(fabs(d0), fabs(d1)) + 1));
        w = IV__MIN(w, y - Y);
        if (++pieces > 1000000)
            return -1;
        for (i = 0; i < 16; i++) {
            double yi = y - w / 2 + (i < 8 ? -1 : 1) * iv__gl16[i % 8][0] * w / 2;
            bg_point(q, side, yi, &lw, &dlw, &h);
            bg_add(q, lw, iv__gl16[i % 8][1] * w / 2, h);
        }
        q->nodes += 16;
        y -= w;
        /* the rest below y is at most cw e^(ea y) / ea (weight) and cw e^(ea y) H with
         * H = h at the end (side 1: h falls in p, p rises as y falls) / b, or side 0:
         * min(r u / a, h(p0) / (a - 1) for a > 1) (h <= r u and h(p) <= h(p0) p0 / p) */
        y0 = y;
        p0 = exp(y0);
        eb = side ? a : b;
        cw = eb < 1 ? (eb - 1) * log(-expm1(y0)) : 0;
        rest1 = cw + ea * y0 - log(ea);
        if (side)
            resth = rest1 + log(bg_h(r, u, -expm1(y0)));
        else
            resth = cw + ea * y0 +
                    (a > 1 ? IV__MIN(log(r * u) - log(a), log(bg_h(r, u, p0)) - log(a - 1))
                           : log(r * u) - log(a));
        if (rest1 - q->sc <= log(1e-17 * q->s1) && resth - q->sc <= log(1e-17 * q->sh))
            return 0;
    }
    /* the tail (-inf, y]: e^(ea y) (c0 + c1 e^y + c2 e^2y) integrated term by term */
    {
        double e = exp(y), t0 = ea * y, k0, k1, k2, h0, c1h, c2h;
        if (side) {
            /* s = e^y: (1-s)^(a-1) = 1 - (a-1) s, h(1-s) = h1 - h1' s with
             * h1' = r u (1+u)^(-r-1) - h1 */
            double h1 = bg_h(r, u, 1), g1 = exp(-r * log1p(u));
            k1 = -(a - 1);
            k2 = 0;
            h0 = h1;
            c1h = (2 - a) * h1 - r * u * g1 / (1 + u);
            c2h = 0;
        } else {
            /* p = e^y: (1-p)^(b-1) = 1 - (b-1) p + (b-1)(b-2)/2 p^2,
             * h(p) / (r u) = 1 - (r+1) u p / 2 + (r+1)(r+2) (u p)^2 / 6 */
            double g1 = -(r + 1) * u / 2, g2 = (r + 1) * (r + 2) * u * u / 6;
            k1 = -(b - 1);
            k2 = (b - 1) * (b - 2) / 2;
            h0 = r * u;
            c1h = r * u * (k1 + g1);
            c2h = r * u * (k2 + k1 * g1 + g2);
        }
        k0 = 1 / ea + k1 * e / (ea + 1) + k2 * e * e / (ea + 2);
        if (t0 > q->sc) {
            double f = exp(q->sc - t0);
            q->sh *= f;
            q->s1 *= f;
            q->sc = t0;
        }
        {
            double f = exp(t0 - q->sc);
            q->s1 += f * k0;
            q->sh += f * (h0 / ea + c1h * e / (ea + 1) + c2h * e * e / (ea + 2));
        }
    }
    return 0;
}

/* The Euler-transformed Gauss series of the mean function (doc/CLV.md section 8), c =
 * a+b-1: M = c (-log q) phi((a-1) log q) - q^(a-1) S, S = sum_{k>=1} (c-r)_k (a)_(k-1) /
 * ((c+1)_(k-1) k!) z^k, finite at a = 1 and a + b = 1. Fast for small t/alpha (about
 * 40/(1-z) terms); *cond receives its condition number (sum of the magnitudes over the
 * magnitude of the value). */
static double bg_mean_series(double r, double al, double a, double b, double t, double *cond,
                             long *terms)
{
    double L = -log1p(t / al), z = t / (al + t), c = (a - 1) + b, abs, ls, S, v;
    double t1 = c * -L * phi1((a - 1) * L), lq;
    bg_series s;
    s.c_r = c - r;
    s.a = a;
    s.c = c;
    s.z = z;
    s.r = r;
    s.b = b;
    s.euler = 1;
    s.max_terms = IV__BG_SERIES_MAX_TERMS;
    S = bg_sum(&s, (c - r) * z, &abs, &ls);
    *terms = s.terms;
    *cond = INFINITY;
    if (isnan(S))
        return NAN;
    /* q^(a-1) and the series' scale together: q^(a-1) alone underflows for large a
     * while S e^ls overflows */
    lq = exp((a - 1) * L + ls);
    v = t1 - lq * S;
    *cond = (fabs(t1) + lq * abs) / fabs(v);
    return v;
}

/* BG/NBD mean function M(r, alpha, a, b, t) = (a+b-1)/(a-1) [1 - q^r 2F1(r, b; a+b-1; z)],
 * z = t/(alpha+t), q = 1 - z [FHL05 eq. 7; eq. 10 is M(r+x, alpha+T, a, b+x, t) times
 * P(alive)], as the mixture it is: given p and lambda the mean is (1 - e^(-lambda p t)) / p,
 * so M = int_0^1 p^(a-1) (1-p)^(b-1) h(p) dp / int_0^1 p^(a-1) (1-p)^(b-1) dp with h as in
 * bg_h (no 2F1, no division by a - 1 or a + b - 1: a = 1 and a + b = 1 are ordinary
 * points). Both integrals by one Gauss-Legendre rule, split at m = a/(a+b): (0, m] in
 * log p, [m, 1) in log(1-p), pieces over which the log weight changes by at most 16 and no
 * wider than 3 or 1.5 times their distance from the singularity at y = 0, walked away
 * from m until a bound on the rest is below 1e-17 of the sum, the tails below by Taylor
 * expansion. Every summand is positive. For t/alpha <= 100 the Euler series is used
 * instead when its condition number is at most 10 (it is cheaper there; both are checked
 * against mpmath by tests/ref/clv_grid_ref.py). *evals (may be NULL) receives the number
 * of series terms and quadrature nodes evaluated. */
double iv__bg_mean_cost(double r, double al, double a, double b, double t, long *evals)
{
    bg_quad q;
    double lab;
    long terms = 0, dummy;
    if (!evals)
        evals = &dummy;
    *evals = 0;
    if (t == 0)
        return 0;
    q.u = t / al;
    if (!isfinite(q.u) || !(q.u > 0))
        return NAN;
    if (q.u <= IV__BG_SERIES_MAX_U) {
        double cond, v = bg_mean_series(r, al, a, b, t, &cond, &terms);
        *evals = terms;
        if (cond <= 10)
            return v;
    }
    q.r = r;
    q.a = a;
    q.b = b;
    q.sc = -INFINITY;
    q.sh = q.s1 = 0;
    q.nodes = 0;
    lab = log(a + b);
    if (bg_side(&q, 0, log(a) - lab) != 0 || bg_side(&q, 1, log(b) - lab) != 0)
        return NAN;
    *evals = terms + q.nodes;
    return q.sh / q.s1;
}

double iv__bg_mean(double r, double al, double a, double b, double t)
{
    return iv__bg_mean_cost(r, al, a, b, t, NULL);
}

/* log NB(j; r, q) = log Gamma(r+j) - log Gamma(r) - log j! + r log q + j log(1-q), with
 * lq = log q, lz = log(1 - q) */
static double lnb(double r, double j, double lq, double lz)
{
    return iv__lgamma_ratio(r, j) - iv__lgamma(j + 1) + r * lq + (j > 0 ? j * lz : 0);
}

/* log P(N >= x) for N ~ NB(r, q): 1 - sum_{j<x} when that sum is below 1/2 (no
 * cancellation), otherwise the upper tail summed directly. */
static double lnb_tail(double r, double x, double lq, double lz)
{
    double lo = -INFINITY, j, lt, sum = 0, acc, z = exp(lz);
    long k;
    if (x <= 0)
        return 0;
    for (j = 0; j < x; j += 1)
        lo = iv__logaddexp(lo, lnb(r, j, lq, lz));
    if (lo < -0.69314718055994531)
        return log(-expm1(lo));
    /* upper tail: terms from j = x, ratio (r+j) z / (j+1); scaled by the first */
    lt = lnb(r, x, lq, lz);
    acc = 1;
    for (k = 0, j = x; k < IV__BG_MAX_TERMS; k++, j += 1) {
        double ratio = (r + j) * z / (j + 1);
        sum += acc;
        acc *= ratio;
        if (ratio < 1 && acc * 1 / (1 - IV__MAX(ratio, z)) <= 1e-17 * sum)
            break;
    }
    if (k >= IV__BG_MAX_TERMS)
        return NAN;
    return lt + log(sum);
}

/* log P(X(t) = x) of a new customer [FHL05 eq. 8] (mbg = 0):
 *   B(a, b+x)/B(a, b) NB(x) + [x > 0] B(a+1, b+x-1)/B(a, b) P(N >= x),
 * and for MBG/NBD (mbg = 1; dropout also possible right after the first purchase):
 *   B(a, b+x+1)/B(a, b) NB(x) + B(a+1, b+x)/B(a, b) P(N >= x),
 * N ~ NB(r, alpha/(alpha+t)) the purchases of a customer who never dies. */
double iv__bg_log_pmf(int mbg, const double *p, double t, double x)
{
    double r = p[0], al = p[1], a = p[2], b = p[3], lq, lz, lab = iv__lbeta(a, b), l1, l2;
    if (t == 0)
        return x == 0 ? 0 : -INFINITY;
    lq = -log1p(t / al);
    lz = log(t / (al + t));
    l1 = iv__lbeta(a, b + x + mbg) - lab + lnb(r, x, lq, lz);
    if (x == 0 && !mbg)
        return l1;
    l2 = iv__lbeta(a + 1, b + x - 1 + mbg) - lab + lnb_tail(r, x, lq, lz);
    return iv__logaddexp(l1, l2);
}

/* log P(X(t) = x) of a new customer under Pareto/NBD: alive through (0, t] with
 * probability (beta/(beta+t))^s, or dead at tau < t with density
 * s/beta (beta/(beta+tau))^(s+1) (the Pareto death time), the purchases before death
 * NB(r, alpha/(alpha+tau)):
 *   NB(x; r, alpha/(alpha+t)) (beta/(beta+t))^s + int_0^t s/beta (beta/(beta+tau))^(s+1)
 *   NB(x; r, alpha/(alpha+tau)) dtau,
 * the same quantity as [FH06 eq. 8] without its difference of hypergeometric terms. The
 * integral is in v = log tau, where the log integrand psi is concave (psi' = x + 1 -
 * (s+1) tau/(beta+tau) - (r+x) tau/(alpha+tau) falls as tau grows): 16-point
 * Gauss-Legendre on pieces over which psi changes by at most 8, walking down from log t
 * until the rest, at most e^psi/psi' where psi' > 0, is below e^-40 of the sum. */
double iv__pnbd_log_pmf(const double *p, double t, double x)
{
    double r = p[0], al = p[1], s = p[2], be = p[3];
    double c0 = log(s) + iv__lgamma_ratio(r, x) - iv__lgamma(x + 1) + r * log(al);
    double first, v1, v, scale = -INFINITY, S = 0;
    long pieces = 0;
    int i;
    if (t == 0)
        return x == 0 ? 0 : -INFINITY;
    first = lnb(r, x, -log1p(t / al), log(t / (al + t))) - s * log1p(t / be);
    v1 = log(t);
    v = v1;
    for (;;) {
        /* the piece [v - h, v] */
        double e = exp(v), vl = v - 2, el = exp(vl), h, cmid;
        double d_hi = x + 1 - (s + 1) * e / (be + e) - (r + x) * e / (al + e);
        double d_lo = x + 1 - (s + 1) * el / (be + el) - (r + x) * el / (al + el);
        double sl = IV__MAX(fabs(d_hi), fabs(d_lo));
        h = sl > 4 ? 8 / sl : 2;
        if (++pieces > 1000000 || !(v - h < v))
            return NAN;
        cmid = v - h / 2;
        for (i = 0; i < 16; i++) {
            double vi = cmid + (i < 8 ? -1 : 1) * iv__gl16[i % 8][0] * h / 2;
            double w = iv__gl16[i % 8][1] * h / 2, ti = exp(vi);
            double psi = c0 + s * log(be) - (s + 1) * log(be + ti) + (x > 0 ? x * vi : 0) -
                         (r + x) * log(al + ti) + vi;
            if (psi > scale) {
                S *= exp(scale - psi);
                scale = psi;
            }
            S += w * exp(psi - scale);
        }
        v -= h;
        {
            double ev = exp(v), d = x + 1 - (s + 1) * ev / (be + ev) - (r + x) * ev / (al + ev);
            double psi = c0 + s * log(be) - (s + 1) * log(be + ev) + (x > 0 ? x * v : 0) -
                         (r + x) * log(al + ev) + v;
            if (d > 0 && psi - log(d) < scale + log(S) - 40)
                break;
        }
    }
    return iv__logaddexp(first, scale + log(S));
}
