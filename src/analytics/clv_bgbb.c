/* BG/BB (Fader, Hardie & Shang 2010): the discrete-time buy-till-you-die model, its
 * likelihood with analytic gradient and its predictions. Formulas: doc/CLV.md.
 *
 * [FHS10] Fader, Hardie & Shang (2010), "Customer-Base Analysis in a Discrete-Time
 *         Noncontractual Setting", Marketing Science 29(6), eq. 5, 8, 11, 13.
 * A customer is (x, t_x, n): x transactions in n transaction opportunities after the
 * first, the last in opportunity t_x (0 when x = 0). While alive a customer transacts
 * in an opportunity with probability p ~ Beta(alpha, beta) and dies before an
 * opportunity with probability theta ~ Beta(gamma, delta). */
#include <math.h>

#include "clv_bgbb.h"
#include "special.h"

int iv__bgbb_check(double x, double tx, double n, size_t i)
{
    if (!(x >= 0) || !(tx >= 0) || !(n >= 0) || x != floor(x) || tx != floor(tx) ||
        n != floor(n) || !(n <= 1e7))
        return iv__error(IV_ERANGE, "customer %zu: x = %g, t_x = %g and n = %g must be whole "
                         "numbers >= 0 (n at most 10^7)", i, x, tx, n);
    if (!(tx <= n) || !(x <= tx) || (x == 0) != (tx == 0))
        return iv__error(IV_ERANGE, "customer %zu: (x = %g, t_x = %g, n = %g) is inconsistent: "
                         "need x <= t_x <= n, and t_x = 0 exactly when x = 0", i, x, tx, n);
    return IV_OK;
}

/* Streaming log-sum-exp of terms with gradients: S = sum e^(t - M), G = sum e^(t - M) dt. */
typedef struct lse {
    double M, S, G[4];
} lse;

static void lse_add(lse *a, double t, const double *dt)
{
    int k;
    if (t > a->M) {
        double f = exp(a->M - t);
        a->S *= f;
        for (k = 0; k < 4; k++)
            a->G[k] *= f;
        a->M = t;
    }
    {
        double e = exp(t - a->M);
        a->S += e;
        if (dt)
            for (k = 0; k < 4; k++)
                a->G[k] += e * dt[k];
    }
}

/* log L of one customer [FHS10 eq. 5]:
 *   L = B(al+x, be+n-x)/B(al,be) B(ga, de+n)/B(ga,de)
 *     + sum_{i=0}^{n-t_x-1} B(al+x, be+t_x-x+i)/B(al,be) B(ga+1, de+t_x+i)/B(ga,de),
 * each term in logs, the sum by log-sum-exp; along i the beta functions and digammas
 * move by one step of their recurrences. g (may be NULL): d log L / d(al, be, ga, de). */
double iv__bgbb_one(const double *p, double x, double tx, double n, double *g)
{
    double al = p[0], be = p[1], ga = p[2], de = p[3];
    double lbab = iv__lbeta(al, be), lbgd = iv__lbeta(ga, de);
    double c[4] = {0, 0, 0, 0}, d[4], t;
    lse a = {-INFINITY, 0, {0, 0, 0, 0}};
    long i, m = (long)(n - tx);
    if (g) { /* d log B(al, be) and d log B(ga, de) */
        double pab = iv__digamma(al + be), pgd = iv__digamma(ga + de);
        c[0] = iv__digamma(al) - pab;
        c[1] = iv__digamma(be) - pab;
        c[2] = iv__digamma(ga) - pgd;
        c[3] = iv__digamma(de) - pgd;
    }
    t = iv__lbeta(al + x, be + n - x) - lbab + iv__lbeta(ga, de + n) - lbgd;
    if (g) {
        double pabn = iv__digamma(al + be + n), pgdn = iv__digamma(ga + de + n);
        d[0] = iv__digamma(al + x) - pabn - c[0];
        d[1] = iv__digamma(be + n - x) - pabn - c[1];
        d[2] = iv__digamma(ga) - pgdn - c[2];
        d[3] = iv__digamma(de + n) - pgdn - c[3];
    }
    lse_add(&a, t, g ? d : NULL);
    if (m > 0) {
        /* i = 0: y = t_x - x, k = t_x; then y, k += 1 per step */
        double y = tx - x, k = tx;
        double lb1 = iv__lbeta(al + x, be + y), lb2 = iv__lbeta(ga + 1, de + k);
        double pa = 0, pb = 0, pab = 0, pg = 0, pd = 0, pgd = 0;
        if (g) {
            pa = iv__digamma(al + x);
            pb = iv__digamma(be + y);
            pab = iv__digamma(al + be + x + y);
            pg = iv__digamma(ga + 1);
            pd = iv__digamma(de + k);
            pgd = iv__digamma(ga + de + 1 + k);
        }
        for (i = 0; i < m; i++) {
            if (g) {
                d[0] = pa - pab - c[0];
                d[1] = pb - pab - c[1];
                d[2] = pg - pgd - c[2];
                d[3] = pd - pgd - c[3];
            }
            lse_add(&a, lb1 - lbab + lb2 - lbgd, g ? d : NULL);
            /* B(p, q+1) = B(p, q) q / (p + q) */
            lb1 += log((be + y) / (al + be + x + y));
            lb2 += log((de + k) / (ga + de + 1 + k));
            if (g) {
                pb += 1 / (be + y);
                pab += 1 / (al + be + x + y);
                pd += 1 / (de + k);
                pgd += 1 / (ga + de + 1 + k);
            }
            y += 1;
            k += 1;
        }
    }
    if (g)
        for (i = 0; i < 4; i++)
            g[i] = a.G[i] / a.S;
    return a.M + log(a.S);
}

/* log of B(al+x, be+n-x)/B(al,be) B(ga, de+n+1)/B(ga,de): alive at opportunity n+1 and
 * the x transactions [FHS10 eq. 11 numerator]. */
static double bgbb_alive_term(const double *p, double x, double n)
{
    return iv__lbeta(p[0] + x, p[1] + n - x) - iv__lbeta(p[0], p[1]) +
           iv__lbeta(p[2], p[3] + n + 1) - iv__lbeta(p[2], p[3]);
}

double iv__bgbb_p_alive(const double *p, double x, double tx, double n)
{
    double v = bgbb_alive_term(p, x, n) - iv__bgbb_one(p, x, tx, n, NULL);
    return exp(IV__MIN(v, 0.0));
}

/* [Gamma(1+de+n0)/Gamma(ga+de+n0) - Gamma(1+de+n1)/Gamma(ga+de+n1)] / (ga - 1) *
 * Gamma(ga+de)/Gamma(1+de) for whole n1 >= n0, without the removable singularity at
 * ga = 1: with f(k) = log Gamma(1+de+k) - log Gamma(ga+de+k) the bracket is
 * -e^f(n0) expm1(D), D = f(n1) - f(n0) = sum_{j=n0}^{n1-1} log1p(u_j),
 * u_j = (1-ga)/(ga+de+j), so D/(ga-1) = -sum log1p(u_j)/u_j / (ga+de+j) has no
 * cancellation anywhere. */
static double bgbb_gamma_diff(double ga, double de, double n0, double n1)
{
    double f0 = iv__lgamma(1 + de + n0) - iv__lgamma(ga + de + n0);
    double pre = iv__lgamma(ga + de) - iv__lgamma(1 + de);
    double D, Dq = 0, j;
    for (j = n0; j < n1; j += 1) {
        double v = ga + de + j, u = (1 - ga) / v;
        Dq -= (u == 0 ? 1 : log1p(u) / u) / v;
    }
    D = Dq * (ga - 1);
    /* -e^f0 expm1(D) / (ga - 1) = -e^f0 (expm1(D)/D) (D/(ga-1)) */
    return -exp(f0 + pre) * (D == 0 ? 1 : expm1(D) / D) * Dq;
}

double iv__bgbb_expected(const double *p, double n)
{
    /* [FHS10 eq. 8]: E X(n) = al/(al+be) de/(ga-1) [1 - Gamma(ga+de)/Gamma(1+de)
     * Gamma(1+de+n)/Gamma(ga+de+n)] = al/(al+be) de * bgbb_gamma_diff(0, n) */
    return p[0] / (p[0] + p[1]) * p[3] * bgbb_gamma_diff(p[2], p[3], 0, n);
}

double iv__bgbb_conditional(const double *p, double nstar, double x, double tx, double n)
{
    /* [FHS10 eq. 13]: 1/L B(al+x+1, be+n-x)/B(al,be) de/(ga-1) Gamma(ga+de)/Gamma(1+de)
     * [Gamma(1+de+n)/Gamma(ga+de+n) - Gamma(1+de+n+n*)/Gamma(ga+de+n+n*)] */
    double l = iv__lbeta(p[0] + x + 1, p[1] + n - x) - iv__lbeta(p[0], p[1]) -
               iv__bgbb_one(p, x, tx, n, NULL);
    return exp(l) * p[3] * bgbb_gamma_diff(p[2], p[3], n, n + nstar);
}
