/* Internal: special functions for the likelihoods (CLV models, statistics).
 *
 * Everything here is pure (no state, no allocation) and thread-safe: the log-gamma
 * is our own, so nothing touches libm's global `signgam`. Arguments outside a
 * function's domain give NaN. */
#ifndef IV_SRC_SPECIAL_H
#define IV_SRC_SPECIAL_H

/* log Gamma(x) for x > 0 (NaN for x <= 0 or NaN; +inf for +inf). */
double iv__lgamma(double x);
/* digamma psi(x) = d/dx log Gamma(x) for x > 0. */
double iv__digamma(double x);
/* log B(a, b) = log Gamma(a) + log Gamma(b) - log Gamma(a + b), a, b > 0, computed
 * without the cancellation of the three-term difference when one argument is large. */
double iv__lbeta(double a, double b);
/* log Gamma(x + m) - log Gamma(x) for x > 0, x + m > 0, accurate when m << x. */
double iv__lgamma_ratio(double x, double m);

/* log(exp(a) + exp(b)) without overflow; -inf + -inf = -inf. */
double iv__logaddexp(double a, double b);
/* log(exp(a) - exp(b)) for a >= b (-inf when a == b; NaN when a < b). */
double iv__logdiffexp(double a, double b);
/* log(1 + exp(x)) without overflow. */
double iv__log1pexp(double x);
/* log(sum exp(v[i])) over n values (-inf when n == 0). */
double iv__logsumexp(const double *v, unsigned long n);

/* log |2F1(a, b; c; z)| for real a, b, c (c not 0, -1, -2, ...) and z < 1, with the
 * sign of the value in *sign (may be NULL). Uses the Gauss series with rescaling,
 * Euler's transformation when it makes the terms shrink faster and Pfaff's for
 * z < 0 (Abramowitz & Stegun 15.1.1, 15.3.3, 15.3.4). NaN when z >= 1 or the series
 * does not converge in its term budget (z extremely close to 1). */
double iv__log_hyp2f1(double a, double b, double c, double z, int *sign);
/* iv__log_hyp2f1 with the partial derivatives of log |2F1| with respect to a, b, c and z
 * in d[0..3] (d may be NULL), from the same series and transformations, term by term.
 * d is NaN where the value is NaN and when a or b is a non-positive integer (a
 * polynomial; the value is still returned). */
double iv__log_hyp2f1_d(double a, double b, double c, double z, int *sign, double *d);

/* 16-point Gauss-Legendre rule on [-1, 1]: the nodes >= 0 and their weights. */
extern const double iv__gl16[8][2];

#endif
