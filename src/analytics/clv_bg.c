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
} bg_series;

static double bg_ratio(const bg_series *s, double k)
{
    return s->euler ? (s->c_r + k) * (s->a + k - 1) * s->z / ((s->c + k) * (k + 1))
                    : (s->r + k) * (s->b + k) * s->z / ((s->c + k) * (k + 1));
}

static double bg_sum(const bg_series *s, double first, double *abs, double *lscale)
{
    double t = first, sum = 0, asum = 0, ls = 0, kmin = fabs(s->c_r) + 2;
    long k;
    for (k = 1; k <= IV__BG_MAX_TERMS; k++) {
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
    if (k > IV__BG_MAX_TERMS)
        return NAN;
    *abs = asum;
    *lscale = ls;
    return sum;
}

/* BG/NBD mean function M(r, alpha, a, b, t) = (a+b-1)/(a-1) [1 - q^r 2F1(r, b; a+b-1; z)],
 * z = t/(alpha+t), q = 1 - z [FHL05 eq. 7; eq. 10 is M(r+x, alpha+T, a, b+x, t) times
 * P(alive)]. Two rearrangements, both exact for every a, b > 0:
 *  (A) Euler's transformation and the removable singularities taken out, c = a+b-1:
 *      M = c (-log q) phi((a-1) log q) - q^(a-1) S,
 *      S = sum_{k>=1} (c-r)_k (a)_(k-1) / ((c+1)_(k-1) k!) z^k, phi(y) = expm1(y)/y
 *      (finite at a = 1 and at a + b = 1, no division by either);
 *  (B) the Gauss series with c (2F1 - 1) = sum_{k>=1} (r)_k (b)_k / ((c+1)_(k-1) k!) z^k
 *      (all terms positive): M = [c (1 - q^r) - q^r T] / (a - 1).
 * (A) is used, and (B) as well when (A) loses more than 6 digits to cancellation (terms of
 * mixed sign when c < r - 1); the one with the smaller condition number wins. NaN when
 * neither is accurate (or the series needs more than 2*10^7 terms: t/alpha > ~10^6). */
double iv__bg_mean(double r, double al, double a, double b, double t)
{
    double L, z, c = (a - 1) + b, vA = NAN, condA = INFINITY, vB = NAN, condB = INFINITY;
    bg_series s;
    if (t == 0)
        return 0;
    L = -log1p(t / al);
    z = t / (al + t);
    s.c_r = c - r;
    s.a = a;
    s.c = c;
    s.z = z;
    s.r = r;
    s.b = b;
    {
        double abs, ls, S, first, qa = exp((a - 1) * L);
        double t1 = c * -L * phi1((a - 1) * L);
        s.euler = 1;
        first = (c - r) * z;
        S = bg_sum(&s, first, &abs, &ls);
        if (!isnan(S)) {
            double qS = qa * S * exp(ls), qabs = qa * abs * exp(ls);
            vA = t1 - qS;
            condA = (fabs(t1) + qabs) / fabs(vA);
        }
    }
    if (!(condA <= 1e6) && a != 1) {
        double abs, ls, T, qr = exp(r * L);
        double t1 = c * -expm1(r * L);
        s.euler = 0;
        T = bg_sum(&s, r * b * z, &abs, &ls);
        if (!isnan(T)) {
            double qT = qr * T * exp(ls);
            vB = (t1 - qT) / (a - 1);
            condB = (fabs(t1) + qT) / fabs(t1 - qT);
        }
    }
    if (condB < condA)
        return condB <= 1e10 ? vB : NAN;
    return condA <= 1e10 ? vA : NAN;
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
