/* Internal: a relative-error quantile sketch in the manner of DDSketch (Masson, Rim & Lee,
 * "DDSketch: a fast and fully-mergeable quantile sketch with relative-error guarantees",
 * PVLDB 12(12), 2019).
 *
 * A positive value x >= IV__SKETCH_MIN falls in bin i = ceil(log_gamma x), the interval
 * (gamma^(i-1), gamma^i], with gamma = (1 + alpha) / (1 - alpha); negative values go to a
 * mirrored set of bins by |x|; |x| < IV__SKETCH_MIN counts as zero. A bin stands for the
 * value 2 gamma^i / (gamma + 1), which is within relative error alpha of every value in
 * the bin. Bins hold integer counts, so merging two sketches (adding counts) is exact,
 * associative and commutative: the result does not depend on the order values were
 * added or sketches merged. The exact minimum and maximum are kept too.
 *
 * Bound: the k-th smallest value (0-based) reported by iv__sketch_rank_value() is within
 * relative error alpha of the true k-th smallest value, whatever n (values below
 * IV__SKETCH_MIN in magnitude: absolute error below IV__SKETCH_MIN). Quantiles
 * interpolate two such order statistics (type 7), so they are within relative alpha of
 * the exact type-7 quantile when both neighbours have the same sign.
 * The bin of a value is computed with the C library's log(): two different libm
 * implementations may put a value lying within one ulp of a bin boundary in adjacent
 * bins, which stays within the bound. */
#ifndef IV_SRC_SKETCH_H
#define IV_SRC_SKETCH_H

#include "core.h"
#include "wire.h"

#define IV__SKETCH_ALPHA 0.01  /* default relative accuracy */
#define IV__SKETCH_MIN 1e-9    /* smaller magnitudes count as zero */
#define IV__SKETCH_MAX_INDEX 16777216 /* |bin index| bound (alpha >= 1e-4 needs < 3.6e6) */

/* Counts of bins lo .. lo + len - 1. */
typedef struct iv__bins {
    int32_t lo;
    uint32_t len;
    size_t cap;
    uint64_t *c;
} iv__bins;

typedef struct iv__sketch {
    double alpha, lng;    /* lng = log(gamma) */
    uint64_t zero;        /* values with |x| < IV__SKETCH_MIN */
    iv__bins pos, neg;    /* neg bins are indexed by |x| */
    double min, max;      /* exact extremes (NaN when empty) */
} iv__sketch;

/* alpha in [1e-4, 0.5] (the caller checks). */
void iv__sketch_init(iv__sketch *k, double alpha);
void iv__sketch_free(iv__sketch *k, const iv__alloc *a);
uint64_t iv__sketch_count(const iv__sketch *k);
/* Add a finite value. IV_OK or IV_ENOMEM (the sketch is unchanged then). */
int iv__sketch_add(iv__sketch *k, const iv__alloc *a, double x);
/* into += from (same alpha). IV_OK or IV_ENOMEM (into unchanged). */
int iv__sketch_merge(iv__sketch *into, const iv__sketch *from, const iv__alloc *a);
/* Make into's bins cover from's, so that a following iv__sketch_merge(into, from)
 * cannot fail. IV_OK or IV_ENOMEM (into unchanged but for zero padding). */
int iv__sketch_reserve(iv__sketch *into, const iv__sketch *from, const iv__alloc *a);
/* The representative of the k-th smallest value (0-based), clamped to [min, max]. */
double iv__sketch_rank_value(const iv__sketch *k, uint64_t rank);
/* Type-7 quantile at p in [0, 1]: NaN when empty. */
double iv__sketch_quantile(const iv__sketch *k, double p);

/* Mann-Whitney statistics of two sketches with the same alpha, treating values in the
 * same bin as equal (i.e. of the data with every value moved to its bin's
 * representative): U of a, the tie term sum(t^3 - t) over bins, whether a tie exists. */
void iv__sketch_mwu(const iv__sketch *a, const iv__sketch *b, double *u, double *tie_term,
                    int *has_ties);

/* Serialise (canonical: equal sketches give equal bytes). */
void iv__sketch_write(const iv__sketch *k, iv__wbuf *w);
/* Read a sketch written with the given alpha; IV_OK, IV_ECORRUPT (message set) or
 * IV_ENOMEM. On failure nothing is left allocated. */
int iv__sketch_read(iv__sketch *k, const iv__alloc *a, iv__rbuf *r, double alpha);

#endif
