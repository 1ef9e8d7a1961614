/* Internal: exact sample quantiles by selection (no full sort), median, MAD and mean
 * absolute deviation. Every function ignores NaN; the in-place ones reorder their input.
 *
 * Quantiles use linear interpolation between order statistics, Hyndman & Fan (1996)
 * definition 7 -- numpy's default method "linear" and R's default type 7:
 *   h = (n - 1) p,  Q(p) = x_(floor h) + (h - floor h) (x_(floor h + 1) - x_(floor h))
 * with 0-based order statistics x_(0) <= ... <= x_(n-1). */
#ifndef IV_SRC_QUANTILE_H
#define IV_SRC_QUANTILE_H

#include <stddef.h>
#include <stdint.h>

/* qsort comparator for doubles (ascending; no NaN). */
int iv__cmp_double(const void *pa, const void *pb);

/* Move the non-NaN values of v[0..n) to its front (order not kept); returns their count. */
size_t iv__drop_nan(double *v, size_t n);

/* Rearrange v[0..n) (no NaN) so that v[k] is the k-th smallest, everything before it is
 * <= v[k] and everything after it is >= v[k]. Expected O(n); falls back to an
 * O(n log n) sort on adversarial input. */
void iv__select(double *v, size_t n, size_t k);

/* Type-7 quantiles at the probabilities p[0..np) (each in [0, 1], sorted ascending) of
 * v[0..n) (no NaN; reordered). out[i] receives Q(p[i]); NaN when n == 0. Each selection
 * works inside the part left by the previous one, so several quantiles cost little more
 * than one. */
void iv__quantiles_sorted_p(double *v, size_t n, const double *p, size_t np, double *out);
/* The same type-7 quantile of a multiset given as its distinct values x[0..nx) in
 * ascending order with their counts c (n = the sum of the counts): equal, bit for bit,
 * to iv__quantiles_sorted_p on the expanded values. NaN when n = 0. */
double iv__quantile_counted(const double *x, const uint64_t *c, size_t nx, uint64_t n, double p);

/* One type-7 quantile of v[0..n), NaN ignored, v reordered; NaN when nothing is left. */
double iv__quantile(double *v, size_t n, double p);

/* Median (type 7 at 0.5) of v[0..n), NaN ignored, v reordered. */
double iv__median(double *v, size_t n);

/* Median absolute deviation around center, unscaled: median_i |v_i - center| of the
 * first n values (no NaN). Overwrites v with the absolute deviations. */
double iv__mad(double *v, size_t n, double center);

/* Mean absolute deviation around center: (1/n) sum |v_i - center| (no NaN); NaN when
 * n == 0. */
double iv__mean_abs_dev(const double *v, size_t n, double center);

#endif
