/* Internal: distances between trajectories (Euclidean, DTW with a Sakoe-Chiba band and
 * early abandoning), LB_Keogh envelopes and the nearest-norm search. All distances are
 * squared here ("_sq"); the public functions take the square root at the end. Series
 * compare over their common observed prefix: the points before the first NaN of each. */
#ifndef IV_SRC_DTW_H
#define IV_SRC_DTW_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "iv/pattern.h"

/* Length of the observed prefix of x[0..n): the index of its first NaN, or n. */
size_t iv__observed_prefix(const double *x, size_t n);

/* Sum of squared differences of x[0..n) and y[0..n). */
double iv__euclid_sq(const double *x, const double *y, size_t n);

/* Accumulated DTW cost (squared differences) of x[0..n) and y[0..n) over the cells with
 * |i - j| <= w. When cutoff_sq is finite, returns +inf as soon as the cost is known to
 * exceed it: every cell of a row above it, or (with cb, the suffix sums of LB_Keogh
 * terms from iv__lb_keogh_sq, n + 1 entries) the row's minimum plus cb[i + 1] above it by
 * more than a relative 1e-12. buf holds 2 n doubles of scratch. */
double iv__dtw_sq(const double *x, const double *y, size_t n, size_t w, double cutoff_sq,
                  const double *cb, double *buf);

/* LB_Keogh envelope of y[0..n) for band w: lo[i] = min, hi[i] = max of y[j] over
 * |i - j| <= w, j < n, in O(n) with Lemire's streaming min/max (two deques of indices in
 * dq[0..2n)). */
void iv__envelope(const double *y, size_t n, size_t w, double *lo, double *hi, size_t *dq);

/* LB_Keogh (Keogh & Ratanamahatana 2005) of x[0..n) against the envelope: a lower bound
 * of iv__dtw_sq(x, y, n, w) for any y whose envelope (over at least n points) it is.
 * Without cb, stops summing once above cutoff_sq; with cb (n + 1 entries) sums every term
 * and leaves in cb[i] the bound of rows i..n-1 (cb[n] = 0), as the UCR suite's cascade
 * (Rakthanmanon et al. 2012) uses it inside the DTW. */
double iv__lb_keogh_sq(const double *x, const double *lo, const double *hi, size_t n,
                       double cutoff_sq, double *cb);

/* Nearest norm for each of nq queries (rows of length len) among nk norms (rows of length
 * len): index[q] (-1 when the query has no observed point) and dist[q] (NaN then).
 * metric 0 = DTW with band w, 1 = Euclidean; prune = 1 uses the LB_Keogh cascade, 0 the
 * brute force; both give identical answers (ties go to the lower norm index). */
int iv__nearest(const iv__alloc *al, int64_t *index, double *dist, const double *queries,
                size_t nq, const double *norms, size_t nk, size_t len, size_t w, int metric,
                int prune);

/* Validate opts (NULL = defaults) into *o and set up its allocator. */
int iv__pattern_opts(const iv_pattern_options *opts, iv_pattern_options *o, iv__alloc *al);

#endif
