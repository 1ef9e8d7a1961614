/* Internal: norms of sets of trajectories (per-bucket robust summaries) and the robust z
 * of a contact against them (doc/PATTERN.md §Norms and §Contact versus norm). */
#ifndef IV_SRC_NORM_H
#define IV_SRC_NORM_H

#include <stddef.h>

#include "core.h"

/* Summary of one bucket over the observed (non-NaN) trajectories. */
typedef struct iv__norm_bucket {
    size_t contacts;                      /* observed values */
    double median, p10, p25, p75, p90;    /* type-7 quantiles; NaN when contacts == 0 */
    double mad;                           /* median |v - median| (unscaled) */
    double meanad;                        /* mean |v - median|; only where iv__norm_scale
                                             reads it (1.4826 MAD not positive), else NaN */
} iv__norm_bucket;

/* Per-bucket summaries of traj (n x k row-major) into out[0..k). Each bucket's observed
 * values are sorted once (a radix sort of order-keeping keys) and every order statistic
 * is read from their distinct values and counts: the same values as selecting them
 * (a tie between -0.0 and +0.0 may give either zero). IV_OK or IV_ENOMEM. */
int iv__norm_compute(const iv__alloc *al, const double *traj, size_t n, size_t k,
                     iv__norm_bucket *out);

/* Robust scale of a bucket: 1.4826 MAD, else 1.2533 mean absolute deviation, else
 * max(1e-9, 1e-6 |median|) (Iglewicz & Hoaglin 1993; 1.2533 = sqrt(pi/2)). */
double iv__norm_scale(const iv__norm_bucket *b);

#endif
