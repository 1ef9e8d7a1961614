/* Special functions in log space: log-gamma, digamma, log-beta, log-sum-exp and the
 * Gauss hypergeometric function. Our own implementations (no libm lgamma: it writes
 * the global signgam and is not thread-safe). Reference: Abramowitz & Stegun,
 * Handbook of Mathematical Functions (1964), chapters 6 and 15. */
#include <math.h>

#include "core.h"
#include "special.h"

#define IV__HALF_LOG_2PI 0.91893853320467274178032973640562 /* log(2 pi) / 2 */
#define IV__EULER 0.57721566490153286060651209008240
#define IV__SHIFT 15.0 /* below this, recurse upwards before using an asymptotic series */

/* Stirling's series remainder for log Gamma (A&S 6.1.40):
 * sum_k B_2k / (2k (2k-1) x^(2k-1)); for x >= 15 seven terms reach 1e-18. */
static double stirling_corr(double x)
{
    double r = 1.0 / x, r2 = r * r;
    return r * (1.0 / 12 + r2 * (-1.0 / 360 + r2 * (1.0 / 1260 + r2 * (-1.0 / 1680
        + r2 * (1.0 / 1188 + r2 * (-691.0 / 360360 + r2 * (1.0 / 156)))))));
}

double iv__lgamma(double x)
{
    double prod = 1.0;
    if (!(x > 0))
        return NAN;
    if (isinf(x))
        return INFINITY;
    if (x < 1e-8) /* log Gamma(x) = -log x - gamma x + O(x^2) (A&S 6.1.33) */
        return -log(x) - IV__EULER * x;
    /* Gamma(x) = Gamma(x + n) / (x (x+1) ... (x+n-1)) (A&S 6.1.15) */
    while (x < IV__SHIFT) {
        prod *= x;
        x += 1.0;
    }
    return (x - 0.5) * log(x) - x + IV__HALF_LOG_2PI + stirling_corr(x) - log(prod);
}

double iv__digamma(double x)
{
    double acc = 0.0, r, r2;
    if (!(x > 0))
        return NAN;
    if (isinf(x))
        return INFINITY;
    /* psi(x) = psi(x + 1) - 1/x (A&S 6.3.5) */
    while (x < IV__SHIFT) {
        acc -= 1.0 / x;
        x += 1.0;
    }
    /* asymptotic expansion (A&S 6.3.18) */
    r = 1.0 / x;
    r2 = r * r;
    return acc + log(x) - 0.5 * r
        - r2 * (1.0 / 12 - r2 * (1.0 / 120 - r2 * (1.0 / 252 - r2 * (1.0 / 240
        - r2 * (1.0 / 132 - r2 * (691.0 / 32760 - r2 * (1.0 / 12)))))));
}

double iv__lgamma_ratio(double x, double m)
{
    double y = x + m;
    if (!(x > 0) || !(y > 0))
        return NAN;
    if (m == 0)
        return 0.0;
    if (x >= IV__SHIFT && y >= IV__SHIFT && fabs(m) < 0.5 * x) {
        /* Difference of two Stirling series with log(y/x) = log1p(m/x), so the large
         * (x - 1/2) log x terms cancel analytically rather than numerically. */
        return (x - 0.5) * log1p(m / x) + m * log(y) - m + stirling_corr(y) - stirling_corr(x);
    }
    return iv__lgamma(y) - iv__lgamma(x);
}

double iv__lbeta(double a, double b)
{
    double lo = a < b ? a : b, hi = a < b ? b : a;
    if (!(lo > 0))
        return NAN;
    /* log B = log Gamma(lo) - [log Gamma(hi + lo) - log Gamma(hi)] */
    return iv__lgamma(lo) - iv__lgamma_ratio(hi, lo);
}

double iv__logaddexp(double a, double b)
{
    double hi = a > b ? a : b, lo = a > b ? b : a;
    if (isnan(a) || isnan(b))
        return NAN;
    if (hi == -INFINITY)
        return -INFINITY;
    if (hi == INFINITY)
        return INFINITY;
    return hi + log1p(exp(lo - hi));
}

double iv__logdiffexp(double a, double b)
{
    double d;
    if (isnan(a) || isnan(b) || a < b)
        return NAN;
    if (a == b)
        return -INFINITY;
    if (b == -INFINITY)
        return a;
    d = b - a; /* < 0 */
    /* log(1 - e^d): expm1 near 0, log1p further out (Maechler 2012, "Accurately
     * computing log(1 - exp(-|a|))") */
    return a + (d > -0.69314718055994530942 ? log(-expm1(d)) : log1p(-exp(d)));
}

double iv__log1pexp(double x)
{
    if (x > 33.3)
        return x + exp(-x); /* log1p(e^-x) = e^-x to double precision */
    if (x > -37.0)
        return log1p(exp(x));
    return exp(x);
}

double iv__logsumexp(const double *v, unsigned long n)
{
    double hi = -INFINITY, s = 0.0;
    unsigned long i;
    for (i = 0; i < n; i++) {
        if (isnan(v[i]))
            return NAN;
        if (v[i] > hi)
            hi = v[i];
    }
    if (hi == -INFINITY || hi == INFINITY)
        return hi;
    for (i = 0; i < n; i++)
        s += exp(v[i] - hi);
    return hi + log(s);
}

/* ---- Gauss hypergeometric function ------------------------------------------------ */

#define IV__HYP_MAX_TERMS 2000000L
#define IV__RESCALE 1e200

/* log |sum_k t_k|, t_k = (a)_k (b)_k / ((c)_k k!) z^k (A&S 15.1.1), for 0 <= z < 1, summed
 * in doubles that are rescaled (and the scale kept as a logarithm) whenever they grow
 * large, so terms far beyond DBL_MAX are fine. With d (may be NULL) the partial
 * derivatives of log|F| with respect to a, b, c and z, term by term: since
 * d t_k / da = t_k sum_{j<k} 1/(a+j) (likewise b, and c with a minus sign) and
 * d t_k / dz = k t_k / z, each is a second series with the same terms, weighted by the
 * running harmonic-type sums ha, hb, hc and by k, divided by the first. */
static double hyp_series(double a, double b, double c, double z, int *sign, double *d)
{
    double term = 1.0, sum = 1.0, lscale = 0.0;
    double ha = 0, hb = 0, hc = 0, sa = 0, sb = 0, sc = 0, sk = 0;
    long k;
    for (k = 0; k < IV__HYP_MAX_TERMS; k++) {
        double kk = (double)k, ratio;
        if (c + kk == 0.0)
            return NAN;
        if (d) {
            /* the weights of t_{k+1}: one division for the ratio and the three reciprocals */
            double ak = a + kk, bk = b + kk, abk = ak * bk, ck1 = (c + kk) * (kk + 1.0);
            double den = abk * ck1, inv = 1.0 / den;
            if (isnormal(den)) {
                ratio = abk * abk * inv * z;
                ha += bk * ck1 * inv;
                hb += ak * ck1 * inv;
                hc += abk * (kk + 1.0) * inv;
            } else {
                ratio = abk / ck1 * z;
                ha += 1.0 / ak;
                hb += 1.0 / bk;
                hc += 1.0 / (c + kk);
            }
        } else {
            ratio = (a + kk) * (b + kk) / ((c + kk) * (kk + 1.0)) * z;
        }
        term *= ratio;
        sum += term;
        if (d) {
            sa += term * ha;
            sb += term * hb;
            sc += term * hc;
            sk += term * (kk + 1.0);
        }
        if (term == 0.0)
            break; /* a or b is a non-positive integer: a polynomial */
        if (fabs(sum) > IV__RESCALE || fabs(term) > IV__RESCALE ||
            (d && fabs(sk) > IV__RESCALE)) {
            sum /= IV__RESCALE;
            term /= IV__RESCALE;
            sa /= IV__RESCALE;
            sb /= IV__RESCALE;
            sc /= IV__RESCALE;
            sk /= IV__RESCALE;
            lscale += log(IV__RESCALE);
        }
        /* The ratio tends to z from either side; once below 1 the remaining terms are
         * bounded by a geometric series with ratio rho = max(|ratio|, z). The weighted
         * series grow by at most (k+2)/(k+1) more per term (the weights are k and sums
         * of k terms that shrink), so their tails use that ratio. */
        {
            double rho = fabs(ratio) > z ? fabs(ratio) : z, rw, wmax, wmin;
            if (!(rho < 1.0 && fabs(term) * rho / (1.0 - rho) <= 1e-17 * fabs(sum)))
                continue;
            if (!d)
                break;
            rw = rho * (kk + 3.0) / (kk + 2.0);
            wmax = IV__MAX(kk + 2.0, IV__MAX(fabs(ha), IV__MAX(fabs(hb), fabs(hc))));
            wmin = IV__MIN(fabs(sk), IV__MIN(fabs(sa), IV__MIN(fabs(sb), fabs(sc))));
            /* each derivative (a weighted sum over the sum) to 1e-17 relative, or absolute
             * when it is below 1 */
            if (rw < 1.0 && fabs(term) * rw / (1.0 - rw) * wmax <=
                                1e-17 * IV__MAX(wmin, fabs(sum)))
                break;
        }
    }
    if (k == IV__HYP_MAX_TERMS || !isfinite(sum))
        return NAN;
    if (sign)
        *sign = sum < 0 ? -1 : 1;
    if (d) {
        d[0] = sa / sum;
        d[1] = sb / sum;
        d[2] = -sc / sum;
        d[3] = z > 0 ? sk / (z * sum) : a * b / c;
    }
    return log(fabs(sum)) + lscale;
}

double iv__log_hyp2f1(double a, double b, double c, double z, int *sign)
{
    return iv__log_hyp2f1_d(a, b, c, z, sign, NULL);
}

double iv__log_hyp2f1_d(double a, double b, double c, double z, int *sign, double *d)
{
    double l, g[4];
    if (sign)
        *sign = 1;
    if (d)
        d[0] = d[1] = d[2] = d[3] = NAN;
    if (isnan(a) || isnan(b) || isnan(c) || isnan(z) || !(z < 1.0))
        return NAN;
    if (c <= 0 && c == floor(c))
        return NAN;
    if (z == 0.0) {
        if (d) { /* only the first term depends on z */
            d[0] = d[1] = d[2] = 0;
            d[3] = a * b / c;
        }
        return 0.0;
    }
    if (d && ((a <= 0 && a == floor(a)) || (b <= 0 && b == floor(b))))
        return iv__log_hyp2f1_d(a, b, c, z, sign, NULL); /* a polynomial: d stays NaN */
    if (a == 0.0 || b == 0.0)
        return 0.0;
    if (z < 0) {
        /* Pfaff (A&S 15.3.4): F(a,b;c;z) = (1-z)^-a F(a, c-b; c; z/(z-1)), which maps
         * z < 0 to w in (0, 1) where the series has no alternating cancellation when
         * a, c - b, c > 0. Use the form whose prefactor exponent is smaller. The chain
         * rule: dw/dz = -1/(1-z)^2. */
        double w = z / (z - 1.0), l1p = log1p(-z), dw = -1.0 / ((1.0 - z) * (1.0 - z));
        if (fabs(a) <= fabs(b)) {
            l = -a * l1p + iv__log_hyp2f1_d(a, c - b, c, w, sign, d ? g : NULL);
            if (d) {
                d[0] = -l1p + g[0];
                d[1] = -g[1];
                d[2] = g[1] + g[2];
                d[3] = a / (1.0 - z) + g[3] * dw;
            }
            return l;
        }
        l = -b * l1p + iv__log_hyp2f1_d(c - a, b, c, w, sign, d ? g : NULL);
        if (d) {
            d[0] = -g[0];
            d[1] = -l1p + g[1];
            d[2] = g[0] + g[2];
            d[3] = b / (1.0 - z) + g[3] * dw;
        }
        return l;
    }
    /* Euler (A&S 15.3.3): F(a,b;c;z) = (1-z)^(c-a-b) F(c-a, c-b; c; z). Take it when its
     * terms stay positive and grow less: (c-a)(c-b) < ab. */
    if (c - a > 0 && c - b > 0 && (c - a) * (c - b) < a * b) {
        double l1p = log1p(-z);
        l = (c - a - b) * l1p + hyp_series(c - a, c - b, c, z, sign, d ? g : NULL);
        if (d) {
            d[0] = -l1p - g[0];
            d[1] = -l1p - g[1];
            d[2] = l1p + g[0] + g[1] + g[2];
            d[3] = -(c - a - b) / (1.0 - z) + g[3];
        }
        return l;
    }
    return hyp_series(a, b, c, z, sign, d);
}

/* 16-point Gauss-Legendre rule on [-1, 1], the nodes >= 0 and their weights (the rule is
 * symmetric); tests/ref/gauss_legendre.py computes them with mpmath. */
const double iv__gl16[8][2] = {
    {0.095012509837637440185, 0.18945061045506849629},
    {0.28160355077925891323, 0.18260341504492358887},
    {0.45801677765722738634, 0.16915651939500253819},
    {0.61787624440264374845, 0.14959598881657673208},
    {0.7554044083550030339, 0.12462897125553387205},
    {0.86563120238783174388, 0.09515851168249278481},
    {0.94457502307323257608, 0.062253523938647892863},
    {0.9894009349916499326, 0.027152459411754094852},
};
