/* Statistical kernels: normal and Student t distributions (regularised incomplete beta
 * by continued fraction), Welch's t-test, the Mann-Whitney U test with its exact null
 * distribution, Cliff's delta and the two-sample comparison of `iv compare`. */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "core.h"
#include "quantile.h"
#include "special.h"
#include "stats.h"
#include "table.h"

#define IV__SQRT1_2 0.70710678118654752440084436210485  /* 1/sqrt(2) */
#define IV__LOG_SQRT_2PI 0.91893853320467274178032973640562 /* log sqrt(2 pi) */
#define IV__SQRT_2PI 2.5066282746310005024157652848110
#define IV__LN2 0.69314718055994530941723212145818
#define IV__T_NORMAL_DF 1e300 /* beyond this df the t and normal laws agree to the last
                                 bit for every |t| < 1e140 (difference ~ t^4 / (4 df)) */

/* ---------------------------------------------------------------- normal law ----- */

/* Phi(x) = erfc(-x / sqrt 2) / 2 (DLMF 7.18.2 / 26.2.29 of Abramowitz & Stegun); erfc keeps
 * full relative accuracy in the lower tail down to ~1e-308. */
IV_API double iv_stats_normal_cdf(double x)
{
    return 0.5 * erfc(-x * IV__SQRT1_2);
}

IV_API double iv_stats_normal_sf(double x)
{
    return 0.5 * erfc(x * IV__SQRT1_2);
}

/* log Phi(x) for every x: the log of erfc above -30; below, where Phi(x) nears the
 * subnormal range (it underflows past x = -38.5, p = 5e-324 is x = -38.47), the
 * asymptotic series of the Mills ratio (DLMF 7.12.1),
 *   Phi(x) = phi(x) / |x| (1 - 1/x^2 + 3/x^4 - 15/x^6 + ...),
 * whose terms fall below 1e-17 within ten for |x| >= 30. */
static double norm_log_cdf(double x)
{
    double q, term = 1.0, sum = 1.0;
    int k;
    if (x > -30.0)
        return log(iv_stats_normal_cdf(x));
    q = 1.0 / (x * x);
    for (k = 1; k < 30; k++) {
        term *= -(2.0 * k - 1.0) * q;
        sum += term;
        if (fabs(term) < 1e-18)
            break;
    }
    return -0.5 * x * x - log(-x) - IV__LOG_SQRT_2PI + log(sum);
}

/* log phi(x) - log Phi(x): the reverse Mills ratio phi/Phi in log form. */
static double norm_log_hazard_lower(double x)
{
    return -0.5 * x * x - IV__LOG_SQRT_2PI - norm_log_cdf(x);
}

/* Newton's method on a function that is concave and increasing in the variable, started
 * on the left of the root: every iterate stays on the left and the sequence rises
 * monotonically (quadratically near the root), so no bracketing is needed. The normal
 * quantile uses it twice:
 *  - tails (p < 1/4): h(x) = log Phi(x) - log p, concave because Phi is log-concave;
 *    x0 = -sqrt(-2 log p) has Phi(x0) < phi(x0)/|x0| < p, so it lies on the left.
 *  - centre: g(u) = erf(u / sqrt 2) / 2 - d with d = 1/2 - p, concave on u >= 0;
 *    u0 = d sqrt(2 pi) lies on the left because g(u) <= phi(0) u - d. */
IV_API double iv_stats_normal_quantile(double p)
{
    int it;
    if (isnan(p) || p < 0.0 || p > 1.0)
        return NAN;
    if (p == 0.0)
        return -INFINITY;
    if (p == 1.0)
        return INFINITY;
    if (p > 0.5)
        return -iv_stats_normal_quantile(1.0 - p); /* 1 - p is exact for p >= 1/2 */
    if (p < 0.25) {
        double lp = log(p), x = -sqrt(-2.0 * lp);
        for (it = 0; it < 100; it++) {
            double h = norm_log_cdf(x) - lp;
            double step = -h / exp(norm_log_hazard_lower(x));
            x += step;
            if (!(fabs(step) > 1e-15 * fabs(x)))
                break;
        }
        return x;
    } else {
        double d = 0.5 - p, u = d * IV__SQRT_2PI; /* d exact by Sterbenz's lemma */
        if (d == 0.0)
            return 0.0;
        for (it = 0; it < 100; it++) {
            double g = 0.5 * erf(u * IV__SQRT1_2) - d;
            double step = -g / (exp(-0.5 * u * u) / IV__SQRT_2PI);
            u += step;
            if (!(fabs(step) > 1e-15 * u))
                break;
        }
        return -u;
    }
}

/* ------------------------------------------------------ incomplete beta ----------- */

/* The continued fraction of DLMF 8.17.22,
 *   I_x(a,b) = x^a y^b / (a B(a,b)) * 1/(1+ d1/(1+ d2/(1+ ...))),
 *   d_{2m+1} = -(a+m)(a+b+m) x / ((a+2m)(a+2m+1)),  d_{2m} = m(b-m) x / ((a+2m-1)(a+2m)),
 * evaluated by the modified Lentz method (Thompson & Barnett 1986). It converges fast for
 * x < (a+1)/(a+b+2); returns the value of the fraction. */
/* One step of the modified Lentz method: fold the partial numerator coef into the
 * running c and d, returning the factor by which the value changes. */
static double lentz_step(double *c, double *d, double coef)
{
    const double tiny = 1e-300;
    *d = 1.0 + coef * *d;
    if (fabs(*d) < tiny)
        *d = tiny;
    *c = 1.0 + coef / *c;
    if (fabs(*c) < tiny)
        *c = tiny;
    *d = 1.0 / *d;
    return *d * *c;
}

static double ibeta_cf(double a, double b, double x)
{
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0), h;
    int m;
    if (fabs(d) < 1e-300)
        d = 1e-300;
    d = 1.0 / d;
    h = d;
    for (m = 1; m < 1000000; m++) {
        double dm = (double)m, del;
        h *= lentz_step(&c, &d, dm * (b - dm) * x / ((a + 2.0 * dm - 1.0) * (a + 2.0 * dm)));
        del = lentz_step(&c, &d, -(a + dm) * (a + b + dm) * x / ((a + 2.0 * dm) * (a + 2.0 * dm + 1.0)));
        h *= del;
        if (fabs(del - 1.0) < 1e-16)
            break;
    }
    return h;
}

void iv__ibeta(double a, double b, double x, double y, double lx, double ly, double *ix,
               double *iy)
{
    double lpre;
    /* x or y may underflow to 0 while its logarithm is still finite (the far tail of a
     * small df): only a logarithm of -inf means the end of the range */
    if (lx == -INFINITY) {
        *ix = 0.0;
        *iy = 1.0;
        return;
    }
    if (ly == -INFINITY) {
        *ix = 1.0;
        *iy = 0.0;
        return;
    }
    /* log of the prefactor x^a y^b / B(a, b), from the caller's accurate logarithms */
    lpre = a * lx + b * ly - iv__lbeta(a, b);
    /* the switch x < (a+1)/(a+b+2), tested on y so that it does not round away when x
     * is within an ulp of 1 */
    if (y > (b + 1.0) / (a + b + 2.0)) {
        *ix = exp(lpre - log(a)) * ibeta_cf(a, b, x);
        *iy = 1.0 - *ix;
    } else {
        /* I_x(a, b) = 1 - I_y(b, a) (DLMF 8.17.4): the small side directly */
        *iy = exp(lpre - log(b)) * ibeta_cf(b, a, y);
        *ix = 1.0 - *iy;
    }
}

enum { IV__HALF_K = 48 };

/* The coefficients g[k] of sqrt(h(s)) = sum_k g[k] s^k, where h is the reciprocal of
 * (1 - e^-s)/s = sum_n (-1)^n s^n / (n+1)!: the series both expansions below use. */
static void half_large_a_coeffs(double g[IV__HALF_K])
{
    double e[IV__HALF_K], h[IV__HALF_K];
    int k, j;
    e[0] = 1.0;
    for (k = 1; k < IV__HALF_K; k++)
        e[k] = -e[k - 1] / (double)(k + 1);
    h[0] = 1.0;
    g[0] = 1.0;
    for (k = 1; k < IV__HALF_K; k++) {
        double acc = 0.0;
        for (j = 1; j <= k; j++)
            acc -= e[j] * h[k - j];
        h[k] = acc;
        acc = h[k];
        for (j = 1; j < k; j++)
            acc -= g[j] * g[k - j];
        g[k] = 0.5 * acc;
    }
}

/* I_x(a, 1/2) for large a and xi = -log x <= 1, where the continued fraction loses
 * accuracy (its partial denominators 1 + d_k cancel to O(y + 1/a) when x is near 1).
 * With t = e^-s,
 *   I_x(a, 1/2) = (1/B(a, 1/2)) int_xi^inf e^(-a s) s^(-1/2) g(s) ds,
 *   g(s) = (s / (1 - e^-s))^(1/2) = sum_k g_k s^k,
 * and integrating term by term,
 *   I_x(a, 1/2) = (1/B(a, 1/2)) sum_k g_k Gamma(k + 1/2, a xi) / a^(k + 1/2),
 * an expansion in the style of Temme's uniform expansions (DLMF 8.18) whose terms shrink
 * like max(xi, k/a) / (2 pi) (g is analytic within |s| < 2 pi); it is asymptotic in a,
 * with a smallest term ~ e^(-2 pi a), far below double precision for a >= 10. The
 * incomplete gammas come from Gamma(1/2, z) = sqrt(pi) erfc(sqrt z) and the upward
 * recurrence Gamma(k + 3/2, z) = (k + 1/2) Gamma(k + 1/2, z) + z^(k + 1/2) e^-z
 * (DLMF 8.8.2), which adds positive terms only. */
static double ibeta_half_large_a(double a, double xi)
{
    double g[IV__HALF_K], gam, sum, z = a * xi, ez;
    int k;
    half_large_a_coeffs(g);
    /* gamma_k = Gamma(k + 1/2, z) / a^(k + 1/2):
     * gamma_{k+1} = ((k + 1/2)/a) gamma_k + xi^(k + 1/2) e^-z / a */
    ez = exp(-z);
    gam = 1.7724538509055160273 * erfc(sqrt(z)) / sqrt(a);
    sum = gam;
    for (k = 0; k + 1 < IV__HALF_K; k++) {
        double term;
        gam = ((double)k + 0.5) / a * gam + pow(xi, (double)k + 0.5) * ez / a;
        term = g[k + 1] * gam;
        sum += term;
        if (fabs(term) < 1e-17 * sum)
            break;
    }
    return sum * exp(-iv__lbeta(a, 0.5));
}

/* exp(z) erfc(sqrt z), the scaled complementary error function at y = sqrt z: directly
 * while erfc(y) is a normal double (y < 26), else its asymptotic series (DLMF 7.12.1)
 * 1/(y sqrt pi) sum_k (-1)^k (2k-1)!! / (2y^2)^k, whose terms fall below 1e-17 at once. */
static double erfcx_sqrt(double z)
{
    double y = sqrt(z), q, term = 1.0, sum = 1.0;
    int k;
    if (y < 26.0)
        return exp(z) * erfc(y);
    q = 1.0 / (2.0 * z);
    for (k = 1; k < 30; k++) {
        term *= -(2.0 * k - 1.0) * q;
        sum += term;
        if (fabs(term) < 1e-18)
            break;
    }
    return sum / (y * 1.7724538509055160273);
}

/* log I_x(a, 1/2) by the expansion of ibeta_half_large_a with every incomplete gamma
 * scaled by e^z: no underflow where I_x itself is below the smallest double (the far
 * tail of a huge df, e.g. df = 1e9 and p = 5e-324). */
static double log_ibeta_half_large_a(double a, double xi)
{
    double g[IV__HALF_K], gam, sum, z = a * xi;
    int k;
    half_large_a_coeffs(g);
    gam = 1.7724538509055160273 * erfcx_sqrt(z) / sqrt(a);
    sum = gam;
    for (k = 0; k + 1 < IV__HALF_K; k++) {
        double term;
        gam = ((double)k + 0.5) / a * gam + pow(xi, (double)k + 0.5) / a;
        term = g[k + 1] * gam;
        sum += term;
        if (fabs(term) < 1e-17 * sum)
            break;
    }
    return log(sum) - z - iv__lbeta(a, 0.5);
}

/* ------------------------------------------------------------- Student t ---------- */

/* For r = u / sqrt(df) >= 0: x = 1/(1+r^2) = df/(df+u^2), y = 1 - x, with their logs,
 * computed without overflow or cancellation for every r (the tail of a small df reaches
 * u ~ 1e300). */
static void t_beta_args(double r, double *x, double *y, double *lx, double *ly)
{
    if (r >= 1.0) {
        double q = 1.0 / r, q2 = q * q, l = log1p(q2);
        *x = q2 / (1.0 + q2);
        *y = 1.0 / (1.0 + q2);
        *lx = 2.0 * log(q) - l;
        *ly = -l;
    } else {
        double r2 = r * r, l = log1p(r2);
        *x = 1.0 / (1.0 + r2);
        *y = r2 / (1.0 + r2);
        *lx = -l;
        *ly = 2.0 * log(r) - l;
    }
}

/* P(T < -u) = I_x(df/2, 1/2) / 2 and P(0 < T < u) = I_y(1/2, df/2) / 2 with
 * x = df / (df + u^2) (Abramowitz & Stegun 26.7.1 with 26.5.27). */
double iv__t_tail(double u, double df, double *central)
{
    double r, x, y, lx, ly, ix, iy;
    if (df > IV__T_NORMAL_DF) {
        *central = 0.5 * erf(u * IV__SQRT1_2);
        return iv_stats_normal_sf(u);
    }
    if (u == 0.0) {
        *central = 0.0;
        return 0.5;
    }
    if (isinf(u)) {
        *central = 0.5;
        return 0.0;
    }
    r = u / sqrt(df);
    t_beta_args(r, &x, &y, &lx, &ly);
    if (df >= 20.0 && -lx <= 1.0) {
        /* large df, x near 1: the expansion for the tail; the central mass directly by
         * the continued fraction on its own side only while it is the smaller one */
        double tail = 0.5 * ibeta_half_large_a(0.5 * df, -lx);
        if (tail < 0.25) {
            *central = 0.5 - tail;
        } else {
            iv__ibeta(0.5 * df, 0.5, x, y, lx, ly, &ix, &iy);
            *central = 0.5 * iy;
        }
        return tail;
    }
    iv__ibeta(0.5 * df, 0.5, x, y, lx, ly, &ix, &iy);
    *central = 0.5 * iy;
    return 0.5 * ix;
}

IV_API double iv_stats_t_cdf(double t, double df)
{
    double tail, central;
    if (isnan(t) || isnan(df) || !(df > 0.0))
        return NAN;
    tail = iv__t_tail(fabs(t), df, &central);
    return t < 0.0 ? tail : 0.5 + central;
}

IV_API double iv_stats_t_sf(double t, double df)
{
    return iv_stats_t_cdf(-t, df);
}

/* log of the t density at u, and the log of the upper bound of its lower tail,
 * P(T < -u) <= c df^((df+1)/2) u^-df / df (the density is below c (u^2/df)^-((df+1)/2)). */
static double t_log_pdf(double u, double df)
{
    double x, y, lx, ly;
    t_beta_args(u / sqrt(df), &x, &y, &lx, &ly);
    /* c = 1 / (sqrt(df) B(df/2, 1/2)); pdf = c (1 + u^2/df)^(-(df+1)/2) = c x^((df+1)/2) */
    return -0.5 * log(df) - iv__lbeta(0.5 * df, 0.5) + 0.5 * (df + 1.0) * lx;
}

/* log P(T < -u), also where the tail is below the smallest double (huge df). */
static double t_log_tail(double u, double df, double *central)
{
    double f = iv__t_tail(u, df, central), x, y, lx, ly;
    if (f > 1e-290)
        return log(f);
    if (df > IV__T_NORMAL_DF)
        return norm_log_cdf(-u);
    t_beta_args(u / sqrt(df), &x, &y, &lx, &ly);
    if (df >= 20.0 && -lx <= 1.0)
        return -IV__LN2 + log_ibeta_half_large_a(0.5 * df, -lx);
    return log(f);
}

/* The quantile by Newton's method in s = log u on h(s) = log F(e^s) - log target, where F
 * is the lower tail P(T < -u) (decreasing) or the central mass P(0 < T < u) (increasing).
 * Both are concave in s, so Newton converges monotonically from the side where the
 * starting point is chosen; a bracket guards the rare step that would leave it. */
static double t_solve(double target, double df, int central_side)
{
    /* the largest u whose r = u / sqrt(df) is still finite */
    double lt = log(target), s, lo = -INFINITY, hi = INFINITY;
    double lmax = log(DBL_MAX) + (df < 1.0 ? 0.5 * log(df) : 0.0) - 1e-9;
    int it;
    if (central_side) {
        /* u0 = d / pdf(0) is on the left of the root: P(0<T<u) <= pdf(0) u */
        s = log(target) - t_log_pdf(0.0, df);
    } else {
        /* the tail bound gives a point on the right of the root */
        double sa = (-iv__lbeta(0.5 * df, 0.5) + (0.5 * df - 1.0) * log(df) - lt) / df;
        double z = -iv_stats_normal_quantile(target);
        double sn = log(z * (1.0 + (z * z + 1.0) / (4.0 * df))); /* Cornish-Fisher */
        if (sa > lmax) {
            double c, tl = iv__t_tail(exp(lmax), df, &c);
            if (tl > target)
                return INFINITY; /* beyond the largest double */
            sa = lmax;
        }
        hi = sa;
        s = sn < sa ? sn : sa;
    }
    for (it = 0; it < 200; it++) {
        double u = exp(s), c, lf, h, dh, next;
        lf = t_log_tail(u, df, &c);
        if (central_side)
            lf = log(c);
        h = lf - lt;
        if (h == 0.0)
            break;
        if ((h > 0.0) != (central_side != 0))
            lo = s > lo ? s : lo;
        else
            hi = s < hi ? s : hi;
        /* dF/ds = -/+ pdf(u) u */
        dh = exp(t_log_pdf(u, df) + s - lf);
        next = central_side ? s - h / dh : s + h / dh;
        if (!(next > lo && next < hi))
            next = isinf(lo) ? (isinf(hi) ? s + 1.0 : hi - 1.0) : (isinf(hi) ? lo + 1.0 : 0.5 * (lo + hi));
        if (!(fabs(next - s) > 1e-15 * (fabs(s) > 1.0 ? fabs(s) : 1.0))) {
            s = next;
            break;
        }
        s = next;
    }
    return exp(s);
}

IV_API double iv_stats_t_quantile(double p, double df)
{
    if (isnan(p) || isnan(df) || !(df > 0.0) || p < 0.0 || p > 1.0)
        return NAN;
    if (p == 0.0)
        return -INFINITY;
    if (p == 1.0)
        return INFINITY;
    if (p == 0.5)
        return 0.0;
    if (p > 0.5)
        return -iv_stats_t_quantile(1.0 - p, df); /* exact: Sterbenz */
    if (df > IV__T_NORMAL_DF)
        return iv_stats_normal_quantile(p);
    if (p < 0.25)
        return -t_solve(p, df, 0);
    return -t_solve(0.5 - p, df, 1);
}

/* ------------------------------------------------------------------ options ------- */

IV_API int iv_stats_options_init(iv_stats_options *opts, size_t size)
{
    IV__OPTIONS_INIT(iv_stats_options, IV_STATS_OPTIONS_INIT, opts, size, sizeof(iv_stats_options));
}

/* Validate opts (NULL = defaults) into *o and set up the allocator. */
int iv__stats_opts(const iv_stats_options *opts, iv_stats_options *o, iv__alloc *al)
{
    iv_stats_options d = IV_STATS_OPTIONS_INIT;
    int rc;
    if (opts) {
        rc = iv__check_options(opts, opts->size, sizeof d, sizeof d, "iv_stats_options");
        if (rc)
            return rc;
        memcpy(&d, opts, sizeof d);
        d.size = sizeof d;
    }
    if (!(d.confidence > 0.0 && d.confidence < 1.0))
        return iv__error(IV_EINVAL, "iv_stats_options: confidence %g is not in (0, 1)",
                         d.confidence);
    if (d.mwu_method < IV_MWU_AUTO || d.mwu_method > IV_MWU_ASYMPTOTIC)
        return iv__error(IV_EINVAL, "iv_stats_options: unknown mwu_method %d", d.mwu_method);
    *o = d;
    iv__alloc_init(al, d.alloc, d.alloc_ud);
    return IV_OK;
}

/* ------------------------------------------------------------ samples ------------ */

static int check_sample(const double *v, size_t n, const char *fn, const char *name)
{
    size_t i;
    if (n && !v)
        return iv__error(IV_EINVAL, "%s: sample %s is NULL with length %zu", fn, name, n);
    for (i = 0; i < n; i++)
        if (isinf(v[i]))
            return iv__error(IV_EINVAL, "%s: sample %s holds an infinite value at index %zu",
                             fn, name, i);
    return IV_OK;
}

/* Mean and sample variance (n - 1 denominator) of the non-NaN values, by the corrected
 * two-pass algorithm (Chan, Golub & LeVeque 1983); *n receives their count. */
/* Computed on the values (v - centre) * 2^shift: exact transformations when centre is
 * one of the values (Sterbenz) and the shift keeps them normal. */
static void moments_of(const double *v, size_t len, double centre, int shift, size_t *n,
                       double *mean, double *var)
{
#define IV__X(i) ldexp(v[i] - centre, shift)
    size_t i, k = 0;
    double s = 0.0, m, ss = 0.0, c = 0.0;
    for (i = 0; i < len; i++)
        if (!isnan(v[i])) {
            s += IV__X(i);
            k++;
        }
    *n = k;
    if (k == 0) {
        *mean = *var = NAN;
        return;
    }
    m = s / (double)k;
    for (i = 0; i < len; i++)
        if (!isnan(v[i])) {
            double e = IV__X(i) - m;
            ss += e * e;
            c += e;
        }
    *mean = m;
    *var = k > 1 ? (ss - c * c / (double)k) / (double)(k - 1) : NAN;
#undef IV__X
}

typedef struct welch_res {
    double t, df, p, se, diff;
} welch_res;

/* Welch (1947): t = diff / se, se^2 = va/na + vb/nb, Welch-Satterthwaite
 * df = se^4 / ((va/na)^2/(na-1) + (vb/nb)^2/(nb-1)); p = 2 P(T_df > |t|). */
static void welch_core(const double *a, size_t la, const double *b, size_t lb, welch_res *r,
                       size_t *na_out, size_t *nb_out, double *ma_out, double *mb_out)
{
    size_t na, nb, i;
    double ma, mb, va, vb, centre = NAN, spread = 0.0, scale;
    int shift = 0;
    /* t, df and p do not change when both samples are moved and scaled together: work on
     * (x - centre) * 2^shift, centre one of the values (a large common offset cancels
     * exactly) and 2^shift bringing the largest deviation near 1 (no underflow of the
     * fourth powers in df for tiny data, no overflow for huge), then scale back. */
    for (i = 0; i < la && isnan(centre); i++)
        centre = a[i];
    for (i = 0; i < lb && isnan(centre); i++)
        centre = b[i];
    if (isnan(centre))
        centre = 0.0;
    for (i = 0; i < la; i++)
        if (!isnan(a[i]) && fabs(a[i] - centre) > spread)
            spread = fabs(a[i] - centre);
    for (i = 0; i < lb; i++)
        if (!isnan(b[i]) && fabs(b[i] - centre) > spread)
            spread = fabs(b[i] - centre);
    if (spread > 0.0 && isfinite(spread)) {
        frexp(spread, &shift);
        shift = -shift;
    } else if (!isfinite(spread)) {
        centre = 0.0; /* the differences overflow: scale the raw values instead */
        spread = 0.0;
        for (i = 0; i < la; i++)
            if (!isnan(a[i]) && fabs(a[i]) > spread)
                spread = fabs(a[i]);
        for (i = 0; i < lb; i++)
            if (!isnan(b[i]) && fabs(b[i]) > spread)
                spread = fabs(b[i]);
        frexp(spread, &shift);
        shift = -shift;
    }
    scale = ldexp(1.0, -shift);
    moments_of(a, la, centre, shift, &na, &ma, &va);
    moments_of(b, lb, centre, shift, &nb, &mb, &vb);
    if (na_out) {
        *na_out = na;
        *nb_out = nb;
        *ma_out = centre + ma * scale;
        *mb_out = centre + mb * scale;
    }
    iv__welch_moments(na, ma, va, nb, mb, vb, &r->t, &r->df, &r->p, &r->se, &r->diff);
    r->se *= scale;
    r->diff *= scale;
}

void iv__welch_moments(size_t na, double ma, double va, size_t nb, double mb, double vb,
                       double *t, double *df, double *p, double *se, double *diff)
{
    double qa, qb, se2;
    *t = *df = *p = *se = *diff = NAN;
    if (na < 2 || nb < 2)
        return;
    qa = va / (double)na;
    qb = vb / (double)nb;
    se2 = qa + qb;
    if (!(se2 > 0.0))
        return;
    *diff = ma - mb;
    *se = sqrt(se2);
    *t = *diff / *se;
    /* df in ratios of qa and qb (their squares under- or overflow at extreme scales) */
    {
        double ra = qa / se2, rb = qb / se2;
        *df = 1.0 / (ra * ra / (double)(na - 1) + rb * rb / (double)(nb - 1));
    }
    *p = 2.0 * iv_stats_t_cdf(-fabs(*t), *df);
    if (*p > 1.0)
        *p = 1.0;
}

IV_API int iv_stats_welch(const double *a, size_t na, const double *b, size_t nb, double *t,
                          double *df, double *p)
{
    welch_res r;
    int rc = check_sample(a, na, "iv_stats_welch", "a");
    if (!rc)
        rc = check_sample(b, nb, "iv_stats_welch", "b");
    if (rc)
        return rc;
    welch_core(a, na, b, nb, &r, NULL, NULL, NULL, NULL);
    if (t)
        *t = r.t;
    if (df)
        *df = r.df;
    if (p)
        *p = r.p;
    return IV_OK;
}

void iv__rank_stats(const double *sa, size_t na, const double *sb, size_t nb, double *u,
                    double *tie_term, int *has_ties)
{
    size_t i = 0, j = 0;
    double pos = 0.0, r1 = 0.0, tt = 0.0;
    int ties = 0;
    while (i < na || j < nb) {
        double v = i < na && (j >= nb || sa[i] <= sb[j]) ? sa[i] : sb[j];
        double ca = 0.0, cb = 0.0, g;
        while (i < na && sa[i] == v) {
            ca += 1.0;
            i++;
        }
        while (j < nb && sb[j] == v) {
            cb += 1.0;
            j++;
        }
        g = ca + cb;
        r1 += ca * (pos + 0.5 * (g + 1.0)); /* mid-rank of the group */
        if (g > 1.0) {
            ties = 1;
            tt += g * g * g - g;
        }
        pos += g;
    }
    *u = r1 - 0.5 * (double)na * ((double)na + 1.0);
    *tie_term = tt;
    *has_ties = ties;
}

int iv__mwu_exact_cdf(const iv__alloc *al, uint64_t m, uint64_t n, uint64_t k, double *cdf)
{
    /* The number of arrangements with U = j is the coefficient of q^j in the Gaussian
     * binomial [m+n choose m]_q = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i) (Mann & Whitney
     * 1947; Andrews, The Theory of Partitions, 3.3). Built factor by factor on the
     * coefficients 0..k only, each step rescaled by i/(n+i) so the coefficients stay
     * probabilities; the division by (1 - q^i) is a running sum of positive terms. */
    double *P, s = 0.0;
    uint64_t i, j;
    if (m > n) {
        uint64_t t = m;
        m = n;
        n = t;
    }
    if (k >= m * n) {
        *cdf = 1.0;
        return IV_OK;
    }
    if (k > SIZE_MAX / sizeof(double) - 1)
        return iv__nomem("Mann-Whitney exact distribution");
    P = iv__calloc(al, (size_t)k + 1, sizeof *P);
    if (!P)
        return iv__nomem("Mann-Whitney exact distribution");
    P[0] = 1.0;
    for (i = 1; i <= m; i++) {
        double scale = (double)i / (double)(n + i);
        if (n + i <= k)
            for (j = k; j >= n + i; j--)
                P[j] -= P[j - n - i];
        for (j = i; j <= k; j++)
            P[j] += P[j - i];
        for (j = 0; j <= k; j++)
            P[j] *= scale;
    }
    for (j = 0; j <= k; j++)
        s += P[j];
    iv__free(al, P, ((size_t)k + 1) * sizeof *P);
    *cdf = s;
    return IV_OK;
}

/* Copy the non-NaN values of v into a new ascending array (*out NULL when none). */
static int sorted_copy(const iv__alloc *al, const double *v, size_t n, double **out,
                       size_t *m)
{
    size_t i, k = 0;
    double *c;
    *out = NULL;
    *m = 0;
    for (i = 0; i < n; i++)
        k += !isnan(v[i]);
    if (k == 0)
        return IV_OK;
    c = iv__malloc(al, k * sizeof *c);
    if (!c)
        return iv__nomem("sorted copy of a sample");
    for (i = 0, k = 0; i < n; i++)
        if (!isnan(v[i]))
            c[k++] = v[i];
    qsort(c, k, sizeof *c, iv__cmp_double);
    *out = c;
    *m = k;
    return IV_OK;
}

typedef struct rank_res {
    double u, p, delta;
    int exact;
} rank_res;

/* U of a, its two-sided p-value as scipy.stats.mannwhitneyu (SciPy 1.10), Cliff's delta. */
static int rank_core(const iv__alloc *al, const iv_stats_options *o, const double *sa,
                     size_t na, const double *sb, size_t nb, rank_res *r)
{
    double tie;
    int ties;
    r->u = r->p = r->delta = NAN;
    r->exact = 0;
    if (na == 0 || nb == 0)
        return IV_OK;
    iv__rank_stats(sa, na, sb, nb, &r->u, &tie, &ties);
    return iv__mwu_finish(al, o, na, nb, r->u, tie, ties, &r->p, &r->delta, &r->exact);
}

int iv__mwu_finish(const iv__alloc *al, const iv_stats_options *o, size_t na, size_t nb,
                   double u, double tie, int ties, double *p, double *delta, int *exact_out)
{
    double mn, umax;
    int exact;
    mn = (double)na * (double)nb;
    /* Cliff (1993): delta = (#gt - #lt) / (na nb) = 2 U / (na nb) - 1, as U = #gt + #eq/2 */
    *delta = (2.0 * u - mn) / mn;
    umax = u > mn - u ? u : mn - u;
    /* SciPy 1.10 _mwu_choose_method: asymptotic when both n > 8, or when there are ties;
     * otherwise exact (its docstring says "less than 8"; the code tests n > 8). */
    exact = o->mwu_method == IV_MWU_EXACT
        || (o->mwu_method == IV_MWU_AUTO && (na <= 8 || nb <= 8) && !ties);
    if (exact) {
        /* p = 2 P(U >= umax) = 2 P(U <= mn - umax) by symmetry; SciPy truncates a
         * half-integer U (ties under the forced exact method) to an integer first */
        uint64_t mn_i = (uint64_t)na * (uint64_t)nb;
        double cdf;
        int rc = iv__mwu_exact_cdf(al, na, nb, mn_i - (uint64_t)umax, &cdf);
        if (rc)
            return rc;
        *p = 2.0 * cdf;
    } else {
        /* normal approximation with the tie-corrected variance
         * n1 n2 / 12 ((n + 1) - sum(t^3 - t) / (n (n - 1))) (SciPy's reference [2]) */
        double n = (double)(na + nb);
        double s = sqrt(mn / 12.0 * ((n + 1.0) - tie / (n * (n - 1.0))));
        double num = umax - 0.5 * mn - (o->mwu_continuity ? 0.5 : 0.0);
        if (s > 0.0)
            *p = 2.0 * iv_stats_normal_sf(num / s);
        else
            *p = num < 0.0 ? 1.0 : NAN; /* every value equal: SciPy's z = -inf or 0/0 */
    }
    if (*p > 1.0)
        *p = 1.0;
    *exact_out = exact;
    return IV_OK;
}

/* Sorted copies of both samples (checked), for the rank-based functions. */
static int sorted_pair(const iv__alloc *al, const char *fn, const double *a, size_t na,
                       const double *b, size_t nb, double **sa, size_t *ma, double **sb,
                       size_t *mb)
{
    int rc = check_sample(a, na, fn, "a");
    if (!rc)
        rc = check_sample(b, nb, fn, "b");
    if (!rc)
        rc = sorted_copy(al, a, na, sa, ma);
    if (!rc) {
        rc = sorted_copy(al, b, nb, sb, mb);
        if (rc) {
            iv__free(al, *sa, *ma * sizeof **sa);
            *sa = NULL;
        }
    }
    return rc;
}

static int rank_public(const char *fn, const double *a, size_t na, const double *b, size_t nb,
                       const iv_stats_options *opts, rank_res *r)
{
    iv_stats_options o;
    iv__alloc al;
    double *sa = NULL, *sb = NULL;
    size_t ma = 0, mb = 0;
    int rc = iv__stats_opts(opts, &o, &al);
    if (!rc)
        rc = sorted_pair(&al, fn, a, na, b, nb, &sa, &ma, &sb, &mb);
    if (!rc)
        rc = rank_core(&al, &o, sa, ma, sb, mb, r);
    iv__free(&al, sa, ma * sizeof *sa);
    iv__free(&al, sb, mb * sizeof *sb);
    return rc;
}

IV_API int iv_stats_mwu(const double *a, size_t na, const double *b, size_t nb,
                        const iv_stats_options *opts, double *u, double *p, int *exact)
{
    rank_res r;
    int rc = rank_public("iv_stats_mwu", a, na, b, nb, opts, &r);
    if (rc)
        return rc;
    if (u)
        *u = r.u;
    if (p)
        *p = r.p;
    if (exact)
        *exact = r.exact;
    return IV_OK;
}

IV_API int iv_stats_cliffs_delta(const double *a, size_t na, const double *b, size_t nb,
                                 const iv_stats_options *opts, double *delta)
{
    rank_res r;
    int rc = rank_public("iv_stats_cliffs_delta", a, na, b, nb, opts, &r);
    if (rc)
        return rc;
    if (delta)
        *delta = r.delta;
    return IV_OK;
}

/* ------------------------------------------------------------- compare ----------- */

static const char *const compare_cols[] = {
    "n_a", "n_b", "mean_a", "mean_b", "median_a", "median_b", "diff", "diff_ci_low",
    "diff_ci_high", "welch_t", "welch_df", "welch_p", "mwu_u", "mwu_p", "cliffs_delta",
};

/* Median of an ascending array (type 7 at 1/2). */
static double sorted_median(const double *s, size_t n)
{
    if (n == 0)
        return NAN;
    return n % 2 ? s[n / 2] : s[n / 2 - 1] + 0.5 * (s[n / 2] - s[n / 2 - 1]);
}

int iv__compare_table(iv_table **out, const iv__alloc *al, const double vals[15])
{
    iv_table *t = iv__table_new(al);
    size_t i;
    int rc = IV_OK;
    if (!t)
        return IV_ENOMEM;
    for (i = 0; i < 15 && !rc; i++) {
        int c = iv__table_add_col(t, compare_cols[i], i < 2 ? IV_COL_INT : IV_COL_DOUBLE);
        rc = c < 0 ? c : IV_OK;
    }
    if (!rc && iv__table_add_row(t) < 0)
        rc = IV_ENOMEM;
    for (i = 0; i < 15 && !rc; i++)
        rc = i < 2 ? iv__table_set_int(t, 0, i, (int64_t)vals[i])
                   : iv__table_set_double(t, 0, i, vals[i]);
    if (rc) {
        iv_table_free(t);
        return rc;
    }
    iv__table_set_single(t, 1);
    *out = t;
    return IV_OK;
}

IV_API int iv_stats_compare(iv_table **out, const double *a, size_t na, const double *b,
                            size_t nb, const iv_stats_options *opts)
{
    iv_stats_options o;
    iv__alloc al;
    double *sa = NULL, *sb = NULL, vals[15], ma, mb, half;
    size_t ca = 0, cb = 0, na2, nb2;
    welch_res w;
    rank_res r;
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_stats_compare: out is NULL");
    *out = NULL;
    rc = iv__stats_opts(opts, &o, &al);
    if (!rc)
        rc = sorted_pair(&al, "iv_stats_compare", a, na, b, nb, &sa, &ca, &sb, &cb);
    if (!rc)
        rc = rank_core(&al, &o, sa, ca, sb, cb, &r);
    if (rc)
        goto done;
    welch_core(sa, ca, sb, cb, &w, &na2, &nb2, &ma, &mb);
    /* Welch interval: diff -/+ t_{(1+conf)/2, df} se */
    half = w.se * -iv_stats_t_quantile(0.5 * (1.0 - o.confidence), w.df);
    vals[0] = (double)ca;
    vals[1] = (double)cb;
    vals[2] = ma;
    vals[3] = mb;
    vals[4] = sorted_median(sa, ca);
    vals[5] = sorted_median(sb, cb);
    vals[6] = ma - mb;
    vals[7] = w.diff - half;
    vals[8] = w.diff + half;
    vals[9] = w.t;
    vals[10] = w.df;
    vals[11] = w.p;
    vals[12] = r.u;
    vals[13] = r.p;
    vals[14] = r.delta;
    rc = iv__compare_table(out, &al, vals);
done:
    iv__free(&al, sa, ca * sizeof *sa);
    iv__free(&al, sb, cb * sizeof *sb);
    return rc;
}
