/* Shifted-beta-geometric (sBG) model of contract duration (Fader & Hardie 2007): the
 * likelihood with analytic gradient, survival, retention and the discounted expected
 * residual lifetime. Formulas: doc/CLV.md.
 *
 * [FH07] Fader & Hardie (2007), "How to Project Customer Retention", Journal of
 *        Interactive Marketing 21(1), eq. 1-3 and 7.
 * [FH10] Fader & Hardie (2010), "Customer-Base Valuation in a Contractual Setting: The
 *        Perils of Ignoring Heterogeneity", Marketing Science 29(1), eq. 6.
 * Each period an alive customer cancels with probability theta ~ Beta(alpha, beta).
 * A customer is (periods, churned): a customer for `periods` periods (>= 1), who
 * cancelled at the end of the last of them (churned = 1: T = periods) or is still
 * active after them (churned = 0: T > periods). */
#include <math.h>

#include "clv_sbg.h"
#include "special.h"

int iv__sbg_check(double t, double c, size_t i)
{
    if (!(t >= 1) || t != floor(t) || !(t <= 1e9))
        return iv__error(IV_ERANGE, "customer %zu: periods = %g must be a whole number >= 1",
                         i, t);
    if (c != 0 && c != 1)
        return iv__error(IV_ERANGE, "customer %zu: churned = %g must be 0 or 1", i, c);
    return IV_OK;
}

/* log P(T = t) = log B(al+1, be+t-1) - log B(al, be) [FH07 eq. 2] when churned,
 * log S(t) = log B(al, be+t) - log B(al, be) [FH07 eq. 3] otherwise. g (may be NULL):
 * the derivatives with respect to (al, be). */
double iv__sbg_one(const double *p, double t, double churned, double *g)
{
    double al = p[0], be = p[1], l;
    if (churned) {
        l = iv__lbeta(al + 1, be + t - 1) - iv__lbeta(al, be);
        if (g) {
            double pab = iv__digamma(al + be), pabt = iv__digamma(al + be + t);
            g[0] = iv__digamma(al + 1) - pabt - iv__digamma(al) + pab;
            g[1] = iv__digamma(be + t - 1) - pabt - iv__digamma(be) + pab;
        }
    } else {
        l = iv__lbeta(al, be + t) - iv__lbeta(al, be);
        if (g) {
            double pab = iv__digamma(al + be), pabt = iv__digamma(al + be + t);
            g[0] = pab - pabt;
            g[1] = iv__digamma(be + t) - pabt - iv__digamma(be) + pab;
        }
    }
    return l;
}

double iv__sbg_survival(const double *p, double t)
{
    return t <= 0 ? 1 : exp(iv__lbeta(p[0], p[1] + t) - iv__lbeta(p[0], p[1]));
}

double iv__sbg_retention(const double *p, double t)
{
    /* [FH07 eq. 7]: r_t = S(t)/S(t-1) = (be + t - 1)/(al + be + t - 1) */
    return (p[1] + t - 1) / (p[0] + p[1] + t - 1);
}

double iv__sbg_residual(const double *p, double n, double d)
{
    /* [FH10 eq. 6] with n - 1 = `periods` renewals so far:
     * sum_{k>=1} S(n+k)/S(n) (1+d)^-(k-1)
     *   = (be+n)/(al+be+n) 2F1(1, be+n+1; al+be+n+1; 1/(1+d));
     * at d = 0 (be+n)/(al-1), infinite for al <= 1 */
    double al = p[0], be = p[1], z, l;
    int sign = 1;
    if (d == 0)
        return al > 1 ? (be + n) / (al - 1) : INFINITY;
    z = 1 / (1 + d);
    l = iv__log_hyp2f1(1, be + n + 1, al + be + n + 1, z, &sign);
    return (be + n) / (al + be + n) * exp(l);
}
