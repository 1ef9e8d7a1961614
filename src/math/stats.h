/* Internal: special functions and test kernels behind include/iv/stats.h, for other
 * modules (pattern, A/B efficacy, summaries) to reuse without the public wrappers. */
#ifndef IV_SRC_STATS_H
#define IV_SRC_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "iv/stats.h"

/* Regularised incomplete beta: *ix = I_x(a, b) and *iy = I_y(b, a) = 1 - I_x(a, b), where
 * y = 1 - x and lx = log x, ly = log y are all given by the caller so that none of them
 * loses precision. The smaller one is computed directly by a continued fraction.
 * Relative accuracy ~1e-15 when min(a, b) is moderate (the Student t case, b = 1/2);
 * it degrades like (a + b) eps when both a and b are huge (the prefactor then subtracts
 * two large logarithms). */
void iv__ibeta(double a, double b, double x, double y, double lx, double ly, double *ix,
               double *iy);

/* Student t with df degrees of freedom, u >= 0: returns P(T < -u) and sets *central to
 * P(0 < T < u), each computed directly. */
double iv__t_tail(double u, double df, double *central);

/* Exact null distribution of the Mann-Whitney U for sample sizes m and n without ties:
 * *cdf = P(U <= k). Cost O(min(m, n) k) time and O(k) memory. IV_OK or IV_ENOMEM. */
int iv__mwu_exact_cdf(const iv__alloc *al, uint64_t m, uint64_t n, uint64_t k, double *cdf);

/* Rank statistics of two ascending samples (no NaN): U of sa, the tie term
 * sum(t^3 - t) over groups of equal values, and whether any tie exists. */
void iv__rank_stats(const double *sa, size_t na, const double *sb, size_t nb, double *u,
                    double *tie_term, int *has_ties);

/* Validate public options into o (defaults filled) and the allocator they name. */
int iv__stats_opts(const iv_stats_options *opts, iv_stats_options *o, iv__alloc *al);

/* Welch's test from sample sizes, means and sample variances (n - 1 denominators), for
 * callers that hold moments rather than samples (summaries): t, df, two-sided p, the
 * standard error of the difference and the difference; all NaN when a sample has fewer
 * than 2 values or both variances are 0. */
void iv__welch_moments(size_t na, double ma, double va, size_t nb, double mb, double vb,
                       double *t, double *df, double *p, double *se, double *diff);

/* The p-value (by o's method, SciPy 1.10's rule), Cliff's delta and whether the exact
 * distribution was used, from U of sample a and the tie term (na, nb > 0). */
int iv__mwu_finish(const iv__alloc *al, const iv_stats_options *o, size_t na, size_t nb,
                   double u, double tie, int ties, double *p, double *delta, int *exact);

/* The one-row `compare` table (`iv compare`) from its 15 values in column order. */
int iv__compare_table(iv_table **out, const iv__alloc *al, const double vals[15]);

#endif
