/* BG/BB (Fader, Hardie & Shang 2010): the discrete-time buy-till-you-die model, its
 * likelihood with analytic gradient and its predictions. Formulas: doc/CLV.md.
 *
 * [FHS10] Fader, Hardie & Shang (2010), "Customer-Base Analysis in a Discrete-Time
 *         Noncontractual Setting", Marketing Science 29(6), eq. 5, 8, 11, 13.
 * A customer is (x, t_x, n): x transactions in n transaction opportunities after the
 * first, the last in opportunity t_x (0 when x = 0). While alive a customer transacts
 * in an opportunity with probability p ~ Beta(alpha, beta) and dies before an
 * opportunity with probability theta ~ Beta(gamma, delta). */
#include <float.h>
#include <math.h>
#include <string.h>

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

/* log L of one customer [FHS10 eq. 5]:
 *   L = B(al+x, be+n-x)/B(al,be) B(ga, de+n)/B(ga,de)          (alive after n)
 *     + sum_{i=0}^{n-t_x-1} T_i,                                (died after t_x + i)
 *   T_i = B(al+x, be+t_x-x+i)/B(al,be) B(ga+1, de+t_x+i)/B(ga,de).
 * The sum depends on n only through its length, so customers with the same (x, t_x)
 * share one pass (iv__bgbb_pass): the objective walks its groups, sorted by (x, t_x, n),
 * and extends the pass of the previous group when only n grew.
 *
 * Along i, T_{i+1} = T_i r_i with r_i = (be+y)/(al+be+x+y) (de+k)/(ga+de+1+k) < 1
 * (y = t_x - x + i, k = t_x + i; the beta recurrence B(p, q+1) = B(p, q) q/(p+q)), so
 * the terms decrease: the sum is kept relative to T_0, in plain arithmetic (no log or
 * exp per term), and never overflows. Tail bound: with A = al+x, G = ga+1, s = A+G > 1,
 * Q = al+be+x+y_0, U = ga+de+1+k_0 and V = max(Q, U),
 *   log(T_j/T_i) <= -sum_{l=i}^{j-1} (A/(Q+l) + G/(U+l)) <= -s log((V+j)/(V+i)),
 * so sum_{j>=i} T_j <= T_i (1 + (V+i)/(s-1)); once that is below 2^-60 of the sum the
 * pass stops adding terms (a forged n of 10^7 then costs only the terms that matter,
 * unless they decay slowly, as a power law with s near 1). */

void iv__bgbb_pass_init(iv__bgbb_pass *z, const double *p, double x, double tx, int grad)
{
    double al = p[0], be = p[1], ga = p[2], de = p[3];
    z->al = al;
    z->be = be;
    z->ga = ga;
    z->de = de;
    z->x = x;
    z->tx = tx;
    z->grad = grad;
    z->lbab = iv__lbeta(al, be);
    z->lbgd = iv__lbeta(ga, de);
    z->y = tx - x;
    z->k = tx;
    z->logT0 = iv__lbeta(al + x, be + z->y) - z->lbab + iv__lbeta(ga + 1, de + z->k) - z->lbgd;
    z->q = 1;
    z->S = 0;
    z->i = 0;
    z->done = 0;
    z->V = IV__MAX(al + be + x + z->y, ga + de + 1 + z->k);
    z->s1 = al + x + ga;
    memset(z->G, 0, sizeof z->G);
    memset(z->c, 0, sizeof z->c);
    memset(z->e, 0, sizeof z->e);
    if (grad) {
        double pab = iv__digamma(al + be), pgd = iv__digamma(ga + de);
        double pabx = iv__digamma(al + be + x + z->y), pgdk = iv__digamma(ga + de + 1 + z->k);
        z->c[0] = iv__digamma(al) - pab;
        z->c[1] = iv__digamma(be) - pab;
        z->c[2] = iv__digamma(ga) - pgd;
        z->c[3] = iv__digamma(de) - pgd;
        z->e[0] = iv__digamma(al + x) - pabx;
        z->e[1] = iv__digamma(be + z->y) - pabx;
        z->e[2] = iv__digamma(ga + 1) - pgdk;
        z->e[3] = iv__digamma(de + z->k) - pgdk;
    }
}

/* Add terms until m of them are in (or the rest is negligible). */
static void bgbb_pass_to(iv__bgbb_pass *z, long m)
{
    const double A = z->al + z->x, G = z->ga + 1, tiny = 0x1p-60;
    int k;
    while (z->i < m && !z->done) {
        double py = z->be + z->y, qy = z->al + z->be + z->x + z->y;
        double pk = z->de + z->k, qk = z->ga + z->de + 1 + z->k;
        z->S += z->q;
        if (z->grad) {
            /* the four reciprocals from one division when the product is a normal number
             * (the loop is bound by divisions) */
            double a = py * qy, b = pk * qk, ab = a * b, i1, i2, i3, i4;
            if (ab >= DBL_MIN && ab <= DBL_MAX) {
                double inv = 1 / ab;
                i1 = qy * b * inv;
                i2 = py * b * inv;
                i3 = a * qk * inv;
                i4 = a * pk * inv;
            } else {
                i1 = 1 / py;
                i2 = 1 / qy;
                i3 = 1 / pk;
                i4 = 1 / qk;
            }
            for (k = 0; k < 4; k++)
                z->G[k] += z->q * (z->e[k] - z->c[k]);
            z->q *= py * i2 * (pk * i4);
            z->e[0] -= i2;
            z->e[1] += A * i1 * i2; /* 1/py - 1/qy without cancellation */
            z->e[2] -= i4;
            z->e[3] += G * i3 * i4;
        } else {
            z->q *= (py * pk) / (qy * qk);
        }
        z->y += 1;
        z->k += 1;
        z->i++;
        if (z->q * (1 + (z->V + (double)z->i) / z->s1) <= tiny * z->S)
            z->done = 1;
    }
}

double iv__bgbb_pass_at(iv__bgbb_pass *z, double n, double *g)
{
    double al = z->al, be = z->be, ga = z->ga, de = z->de, x = z->x;
    double t = iv__lbeta(al + x, be + n - x) - z->lbab + iv__lbeta(ga, de + n) - z->lbgd;
    double sl, M, wa, ws, d[4];
    int k;
    bgbb_pass_to(z, (long)(n - z->tx));
    if (g) { /* d log / d(al, be, ga, de) of the first term */
        double pabn = iv__digamma(al + be + n), pgdn = iv__digamma(ga + de + n);
        d[0] = iv__digamma(al + x) - pabn - z->c[0];
        d[1] = iv__digamma(be + n - x) - pabn - z->c[1];
        d[2] = iv__digamma(ga) - pgdn - z->c[2];
        d[3] = iv__digamma(de + n) - pgdn - z->c[3];
    }
    if (z->S == 0) { /* n = t_x: no term of the sum */
        if (g)
            memcpy(g, d, sizeof d);
        return t;
    }
    sl = z->logT0 + log(z->S);
    M = IV__MAX(t, sl);
    wa = exp(t - M);
    ws = exp(sl - M);
    if (g)
        for (k = 0; k < 4; k++)
            g[k] = (wa * d[k] + ws * (z->G[k] / z->S)) / (wa + ws);
    return M + log(wa + ws);
}

double iv__bgbb_one(const double *p, double x, double tx, double n, double *g)
{
    iv__bgbb_pass z;
    iv__bgbb_pass_init(&z, p, x, tx, g != NULL);
    return iv__bgbb_pass_at(&z, n, g);
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
