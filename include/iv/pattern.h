/**
 * @file iv/pattern.h
 * @brief Pattern comparison over RV trajectories (SPEC 4): norms, contact versus norm,
 *        Euclidean and DTW distances, LB_Keogh and the nearest-norm search.
 */
#ifndef IV_PATTERN_H
#define IV_PATTERN_H

#include "iv/common.h"
#include "iv/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup pattern Patterns
 * @brief Trajectory norms, robust z-scores against a norm, and distances.
 *
 * A trajectory is an array of K buckets (cumulative RV at the end of each bucket);
 * a bucket that is not observed (censored: it ends after the reference time) is NaN,
 * never 0. A set of N trajectories is an N x K row-major matrix.
 *
 * Distances compare two series over their common *observed prefix*: the buckets before
 * the first NaN of either series (for age-aligned trajectories censoring only cuts the
 * end, so this is every bucket both have observed). With no common point the distance
 * is NaN. DTW uses squared differences as the local cost and returns the square root of
 * the accumulated cost; the Sakoe-Chiba window w admits the cells with |i - j| <= w
 * (w = 0 is the Euclidean distance). See doc/PATTERN.md.
 * @{
 */

/** @brief Distance used by iv_pattern_nearest(). @since 0.1 */
typedef enum iv_distance {
    IV_DISTANCE_DTW = 0,      /**< DTW with the Sakoe-Chiba window of the options */
    IV_DISTANCE_EUCLIDEAN = 1 /**< Euclidean distance */
} iv_distance;

/**
 * @brief Options for the pattern functions. Initialise with ::IV_PATTERN_OPTIONS_INIT or
 *        iv_pattern_options_init(); fields are only ever appended.
 * @since 0.1
 */
typedef struct iv_pattern_options {
    size_t size;          /**< sizeof(iv_pattern_options) as the caller knows it */
    iv_alloc_fn alloc;    /**< allocator hook, NULL for malloc/realloc/free */
    void *alloc_ud;       /**< user data for @ref alloc */
    size_t window;        /**< Sakoe-Chiba window w: cells with |i - j| <= w (default 3) */
    double anomaly_z;     /**< anomaly when max |z| exceeds this (default 3.5,
                               Iglewicz & Hoaglin 1993) */
    int distance;         /**< an ::iv_distance for iv_pattern_nearest() (default DTW) */
    int prune;            /**< 1: LB_Keogh cascade in iv_pattern_nearest() (default);
                               0: brute force (same answers, for checking) */
} iv_pattern_options;

/** @brief Initialiser for ::iv_pattern_options. @since 0.1 */
#define IV_PATTERN_OPTIONS_INIT { sizeof(iv_pattern_options), NULL, NULL, 3, 3.5, \
    IV_DISTANCE_DTW, 1 }

/**
 * @brief Fill @p opts with the defaults (for bindings, which cannot use the macro).
 * @param[out] opts the options
 * @param[in] size sizeof(iv_pattern_options) as the caller knows it
 * @return ::IV_OK or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_pattern_options_init(iv_pattern_options *opts, size_t size);

/**
 * @brief Euclidean distance over the common observed prefix.
 * @param[in] x first series
 * @param[in] y second series
 * @param[in] n their length
 * @return sqrt(sum (x_i - y_i)^2), NaN when no common point is observed
 * @since 0.1
 */
IV_API double iv_pattern_euclidean(const double *x, const double *y, size_t n);

/**
 * @brief DTW distance with a Sakoe-Chiba window, over the common observed prefix, with
 *        optional early abandoning.
 * @param[out] out the distance; NaN when no common point is observed; +infinity when it
 *             exceeds @p cutoff (the computation was abandoned)
 * @param[in] x first series
 * @param[in] y second series
 * @param[in] n their length
 * @param[in] cutoff abandon above this distance (INFINITY for none)
 * @param[in] opts options (window, allocator), or NULL for the defaults
 * @return ::IV_OK, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_pattern_dtw(double *out, const double *x, const double *y, size_t n,
                          double cutoff, const iv_pattern_options *opts);

/**
 * @brief LB_Keogh envelope of a series for the options' window, in O(n).
 *
 * lower[i] and upper[i] are the minimum and maximum of y[j] over |i - j| <= w within the
 * observed prefix of @p y; entries past the prefix are NaN.
 * @param[out] lower n values
 * @param[out] upper n values
 * @param[in] y the series (typically a norm's median)
 * @param[in] n its length
 * @param[in] opts options (window, allocator), or NULL for the defaults
 * @return ::IV_OK, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_pattern_envelope(double *lower, double *upper, const double *y, size_t n,
                               const iv_pattern_options *opts);

/**
 * @brief LB_Keogh lower bound of the DTW distance between @p x and any series whose
 *        envelope (same window) is given, over the observed prefix of @p x.
 * @param[in] x the query series
 * @param[in] lower envelope from iv_pattern_envelope()
 * @param[in] upper envelope from iv_pattern_envelope()
 * @param[in] n length
 * @return the bound (a distance, not squared); NaN when nothing is comparable
 * @since 0.1
 */
IV_API double iv_pattern_lb_keogh(const double *x, const double *lower, const double *upper,
                                  size_t n);

/**
 * @brief For each query series, the nearest of several norm series.
 *
 * With DTW and opts->prune set, candidates are ranked by LB_Keogh and evaluated with early
 * abandoning until the bound reaches the best distance; the answer is exactly the brute
 * force's, ties going to the lower norm index.
 * @param[out] index nq entries: the nearest norm (0-based), -1 when the query has no
 *             observed point in common with any norm
 * @param[out] distance nq entries: its distance (NaN with index -1)
 * @param[in] queries nq x len row-major
 * @param[in] nq number of queries
 * @param[in] norms nk x len row-major (e.g. the medians of several segments' norms)
 * @param[in] nk number of norms
 * @param[in] len series length (buckets)
 * @param[in] opts options (distance, window, prune, allocator), or NULL
 * @return ::IV_OK, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_pattern_nearest(int64_t *index, double *distance, const double *queries,
                              size_t nq, const double *norms, size_t nk, size_t len,
                              const iv_pattern_options *opts);

/**
 * @brief The norm of a set of trajectories: per bucket the number of observed contacts,
 *        median, p10, p25, p75, p90 and MAD.
 *
 * Quantiles are exact, linear interpolation between order statistics (Hyndman & Fan
 * type 7, numpy's default); MAD is the raw median absolute deviation from the median (not
 * scaled by 1.4826). Columns: `bucket` (1-based INT), `contacts` (INT), `median`, `p10`,
 * `p25`, `p75`, `p90`, `mad` (DOUBLE, undefined when no contact is observed).
 * @param[out] out one row per bucket; free with iv_table_free()
 * @param[in] traj n x k row-major, NaN = unobserved
 * @param[in] n number of contacts
 * @param[in] k number of buckets
 * @param[in] opts options (allocator), or NULL
 * @return ::IV_OK, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_pattern_norm(iv_table **out, const double *traj, size_t n, size_t k,
                           const iv_pattern_options *opts);

/**
 * @brief A contact against the norm of a set of trajectories.
 *
 * Per bucket where both the contact and at least one norm contact are observed:
 * z = (x - median) / s with s = 1.4826 MAD; when MAD is 0, s = 1.2533 times the mean
 * absolute deviation from the median; when that is 0 too, s = max(1e-9, 1e-6 |median|).
 * Columns of the single row: `buckets` (INT, buckets compared), `mean_z`, `max_abs_z`
 * (DOUBLE), `anomaly` (BOOL: max |z| > opts->anomaly_z), `latest_bucket` (INT, 1-based,
 * the contact's last observed bucket), `value` (its value there), `percentile` (DOUBLE:
 * the share of the norm's observed contacts at that bucket below the value, counting
 * ties as one half, in [0, 1]). Summaries are undefined when no bucket is compared.
 * @param[out] out the single-row table
 * @param[out] z k entries receiving the per-bucket z (NaN where not compared), or NULL
 * @param[in] x the contact's trajectory (k buckets, NaN = unobserved)
 * @param[in] traj the norm's trajectories, n x k row-major
 * @param[in] n number of norm contacts
 * @param[in] k number of buckets
 * @param[in] opts options (anomaly threshold, allocator), or NULL
 * @return ::IV_OK, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_pattern_vs_norm(iv_table **out, double *z, const double *x, const double *traj,
                              size_t n, size_t k, const iv_pattern_options *opts);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
