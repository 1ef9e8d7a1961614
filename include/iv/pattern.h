/**
 * @file iv/pattern.h
 * @brief Pattern comparison over RV trajectories (doc/PATTERN.md): norms, contact versus norm,
 *        Euclidean and DTW distances, LB_Keogh and the nearest-norm search.
 */
#ifndef IV_PATTERN_H
#define IV_PATTERN_H

#include "iv/common.h"
#include "iv/query.h"
#include "iv/stats.h"
#include "iv/store.h"
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

/**
 * @defgroup pattern_store Patterns over a store
 * @brief The RV use cases of doc/PATTERN.md computed from a store: trajectories, norms of
 *        subsets, a contact against a norm, nearest norm, segment versus segment, A/B
 *        efficacy, prioritising, stalled contacts and next best action.
 *
 * Every function takes a selection (::iv_query_options: time range, `where` expression,
 * model, reference time); only the interactions it selects count. RV units u_i come from
 * the model along each contact's whole history in time order (doc/METRICS.md §Per-interaction quantities). The
 * *reference time* R ("now") is the query's `t_ref`, else its `to`, else the store's
 * last timestamp. Allocation goes through the store's allocator. See doc/PATTERN.md.
 * @{
 */

/** @brief How trajectory buckets are aligned. @since 0.1 */
typedef enum iv_align {
    IV_ALIGN_AGE = 0,      /**< bucket b ends b·B after the contact's first selected
                                interaction (default) */
    IV_ALIGN_CALENDAR = 1, /**< bucket b ends b·B after a common origin */
    IV_ALIGN_INDEX = 2     /**< bucket b = after the contact's b-th selected interaction */
} iv_align;

/**
 * @brief Options of the store-level pattern functions. Initialise with
 *        ::IV_PATTERN_STORE_OPTIONS_INIT or iv_pattern_store_options_init(); fields are
 *        only ever appended.
 * @since 0.1
 */
typedef struct iv_pattern_store_options {
    size_t size;          /**< sizeof(iv_pattern_store_options) as the caller knows it */
    int64_t bucket;       /**< bucket width B in milliseconds (default 7 days) */
    size_t buckets;       /**< number of buckets K (default 26) */
    int align;            /**< an ::iv_align (default ::IV_ALIGN_AGE) */
    int64_t origin;       /**< calendar alignment: start of bucket 1; ::IV_TIME_NONE = the
                               query's `from`, else the store's first timestamp */
    size_t window;        /**< nearest norm: Sakoe-Chiba window, |i - j| <= w (default 3) */
    int distance;         /**< nearest norm: an ::iv_distance (default DTW) */
    int prune;            /**< nearest norm: 1 LB_Keogh cascade (default), 0 brute force */
    double anomaly_z;     /**< contact vs norm: anomaly when max |z| exceeds it (3.5) */
    double quantile;      /**< stalled: quantile of the forward gaps (default 0.9, type 7) */
    int all;              /**< stalled: 1 lists every contact, 0 only the stalled (default) */
    const char *success;  /**< next best action: the successful subset; NULL =
                               `profit_tier = high` */
    size_t top;           /**< rank: at most this many rows; 0 = every contact (default) */
    const char *group_a;  /**< A/B: the first group to compare; NULL = every pair */
    const char *group_b;  /**< A/B: the second group (set both or neither) */
    const iv_stats_options *stats; /**< A/B: test options (confidence, Mann-Whitney
                               method); NULL for the defaults; its allocator is ignored */
} iv_pattern_store_options;

/** @brief Initialiser for ::iv_pattern_store_options. @since 0.1 */
#define IV_PATTERN_STORE_OPTIONS_INIT { sizeof(iv_pattern_store_options), \
    (int64_t)7 * 86400000, 26, IV_ALIGN_AGE, IV_TIME_NONE, 3, IV_DISTANCE_DTW, 1, 3.5, \
    0.9, 0, NULL, 0, NULL, NULL, NULL }

/**
 * @brief Fill @p opts with the defaults (for bindings, which cannot use the macro).
 * @param[out] opts the options
 * @param[in] size sizeof(iv_pattern_store_options) as the caller knows it
 * @return ::IV_OK or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_pattern_store_options_init(iv_pattern_store_options *opts, size_t size);

/**
 * @brief RV trajectories of the selected contacts, one row per contact (wide format).
 *
 * Value of bucket b: the sum of u_i over the contact's selected interactions before the
 * end of bucket b (cumulative RV). Age alignment: bucket b ends at first + b·B, first =
 * the contact's first selected interaction; calendar: at origin + b·B (interactions
 * before the origin count in every bucket; a bucket before the contact's first
 * interaction holds 0); index: bucket b is the sum over the first b selected
 * interactions. A bucket that ends after the reference time R (index: whose b-th
 * interaction is after R or does not exist) is unobserved: undefined (NaN), never 0.
 * Columns: `contact` (STRING), `origin` (TIME: the alignment origin: the first
 * interaction, or the calendar origin), `b1` ... `bK` (DOUBLE). Contacts with no selected
 * interaction are left out; rows are sorted by contact id (byte order).
 * @param[out] out the table; free with iv_table_free()
 * @param[in] store the store (prepared)
 * @param[in] q the selection, or NULL for everything under the default model
 * @param[in] opts bucket width, count, alignment; NULL for the defaults
 * @return ::IV_OK, ::IV_EINVAL, ::IV_EPARSE, ::IV_ENOTFOUND, ::IV_ESTATE, ::IV_ENOMEM
 * @since 0.1
 */
IV_API int iv_pattern_trajectories(iv_table **out, const iv_store *store,
                                   const iv_query_options *q,
                                   const iv_pattern_store_options *opts);

/**
 * @brief The norm of the subset @p q selects: iv_pattern_norm() of its contacts'
 *        trajectories (columns `bucket`, `contacts`, `median`, `p10`, `p25`, `p75`,
 *        `p90`, `mad`).
 * @param[out] out one row per bucket
 * @param[in] store the store
 * @param[in] q the subset (its `where`) and time range, or NULL
 * @param[in] opts trajectory options, or NULL
 * @return as iv_pattern_trajectories()
 * @since 0.1
 */
IV_API int iv_pattern_norm_of(iv_table **out, const iv_store *store,
                              const iv_query_options *q,
                              const iv_pattern_store_options *opts);

/**
 * @brief A contact's trajectory against the norm of a subset (iv_pattern_vs_norm()).
 *
 * The contact's trajectory counts every interaction of the contact in the time range of
 * @p q_norm (its `where` selects the norm's contacts, not the contact's interactions);
 * the contact is part of the norm when the subset holds it.
 * @param[out] out one row: `contact`, then the columns of iv_pattern_vs_norm():
 *             `buckets`, `mean_z`, `max_abs_z`, `anomaly`, `latest_bucket`, `value`,
 *             `percentile`
 * @param[out] per_bucket NULL, or receives one row per bucket: `bucket`, `value` (the
 *             contact's), `contacts`, `median`, `p10`, `p25`, `p75`, `p90`, `mad`, `z`
 * @param[in] store the store
 * @param[in] contact the contact's id
 * @param[in] q_norm the norm's subset and time range, or NULL (every contact)
 * @param[in] opts trajectory options and `anomaly_z`, or NULL
 * @return as iv_pattern_trajectories(); ::IV_ENOTFOUND when the contact is unknown,
 *         ::IV_EUNDEFINED when it has no interaction in the time range
 * @since 0.1
 */
IV_API int iv_pattern_contact_vs_norm(iv_table **out, iv_table **per_bucket,
                                      const iv_store *store, const char *contact,
                                      const iv_query_options *q_norm,
                                      const iv_pattern_store_options *opts);

/**
 * @brief For each contact @p q selects, the subset whose norm (median trajectory) its
 *        trajectory most resembles (iv_pattern_nearest(): DTW with the Sakoe-Chiba
 *        window, LB_Keogh pruned, or Euclidean).
 *
 * Subset i's norm is the median trajectory of the contacts selected by the expression
 * @p subsets[i] over @p q's time range and model (not combined with @p q's `where`).
 * Columns: `contact`, `subset` (INT, 0-based index into @p subsets; undefined when
 * nothing is comparable), `expression` (the subset's text), `distance` (DOUBLE).
 * @param[out] out one row per contact, sorted by contact id
 * @param[in] store the store
 * @param[in] q the contacts to classify, or NULL
 * @param[in] subsets @p nsubsets selection expressions
 * @param[in] nsubsets their number (at least 1)
 * @param[in] opts trajectory and distance options, or NULL
 * @return as iv_pattern_trajectories()
 * @since 0.1
 */
IV_API int iv_pattern_nearest_norm(iv_table **out, const iv_store *store,
                                   const iv_query_options *q, const char *const *subsets,
                                   size_t nsubsets, const iv_pattern_store_options *opts);

/**
 * @brief Segment versus segment on a per-contact metric: the `iv compare` row.
 *
 * The per-contact metric (any metric name of doc/METRICS.md §Group metrics) is computed over each contact's
 * interactions selected by `(q.where) and (where_a)` (sample a) and `(q.where) and
 * (where_b)` (sample b), via iv_query_metrics() grouped by `contact`; contacts with no
 * such interaction are not in the sample, and contacts whose metric is undefined
 * (e.g. `cost_per_rv` with U <= 0) are dropped. The samples are then compared by
 * iv_stats_compare().
 *
 * For `nps` (@since 1.2) the two selections' NPS are compared instead (not per-contact
 * means): one row `nps_a`, `nps_b`, `diff` (nps_a − nps_b), `z` = diff /
 * sqrt(nps_se_a² + nps_se_b²) and `p` (two-sided normal); undefined when a selection
 * has no NPS answer or both standard errors are 0.
 * @param[out] out one single-result row: `n_a`, `n_b`, `mean_a`, `mean_b`, `median_a`,
 *             `median_b`, `diff`, `diff_ci_low`, `diff_ci_high`, `welch_t`, `welch_df`,
 *             `welch_p`, `mwu_u`, `mwu_p`, `cliffs_delta` (for `nps`: see above)
 * @param[in] store the store
 * @param[in] q the selection (time range, where, model), or NULL
 * @param[in] metric a metric name of doc/METRICS.md §Group metrics
 * @param[in] where_a segment a ("" = every selected interaction)
 * @param[in] where_b segment b
 * @param[in] stats test options, or NULL; its allocator is ignored (the store's is used)
 * @return ::IV_OK, ::IV_ENOTFOUND (unknown metric or dimension), ::IV_EPARSE,
 *         ::IV_EINVAL, ::IV_ENOMEM
 * @since 0.1
 */
IV_API int iv_pattern_compare(iv_table **out, const iv_store *store,
                              const iv_query_options *q, const char *metric,
                              const char *where_a, const char *where_b,
                              const iv_stats_options *stats);

/**
 * @brief A/B efficacy: per-contact change in RV over [@p t0, @p t1) compared between the
 *        groups of a dimension.
 *
 * Members: contacts with a selected interaction before @p t1; a contact's group is the
 * value of @p by on its latest selected interaction before @p t1 (contacts without a
 * value are left out). Change = the sum of u_i over its selected interactions in
 * [t0, t1) (0 when there is none: a member that did nothing counts). One row per pair of
 * groups (groups in byte order, a < b), or the single pair opts->group_a versus
 * opts->group_b: `group_a`, `group_b`, then the columns of iv_stats_compare().
 * @param[out] out the table
 * @param[in] store the store
 * @param[in] q the population (where, time range, model), or NULL
 * @param[in] by a dimension (e.g. a custom `variant` column)
 * @param[in] t0 start of the window (inclusive)
 * @param[in] t1 end of the window (exclusive), after @p t0
 * @param[in] opts `group_a`, `group_b`, `stats`; or NULL
 * @return ::IV_OK, ::IV_ENOTFOUND (unknown dimension or group), ::IV_EINVAL,
 *         ::IV_EPARSE, ::IV_ENOMEM
 * @since 0.1
 */
IV_API int iv_pattern_ab(iv_table **out, const iv_store *store, const iv_query_options *q,
                         const char *by, int64_t t0, int64_t t1,
                         const iv_pattern_store_options *opts);

/**
 * @brief Prioritise the selected contacts: by RV per interaction (descending), then
 *        fewer interactions, then higher RV, then contact id (byte order).
 *
 * Columns: `rank` (INT, 1-based), `contact`, `rv_per_interaction`, `n` (INT: selected
 * interactions), `rv` (their U).
 * @param[out] out the table (at most opts->top rows when set)
 * @param[in] store the store
 * @param[in] q the subset, or NULL
 * @param[in] opts `top`, or NULL
 * @return as iv_pattern_trajectories()
 * @since 0.1
 */
IV_API int iv_pattern_rank(iv_table **out, const iv_store *store, const iv_query_options *q,
                           const iv_pattern_store_options *opts);

/**
 * @brief Stalled contacts: the time since the last forward (u > 0) interaction, at the
 *        reference time R, exceeds the opts->quantile quantile (type 7) of the gaps
 *        between consecutive forward interactions of the contacts in the same current
 *        stage; churned contacts are never stalled.
 *
 * Only selected interactions at or before R count. Current stage: the effective stage of
 * the contact's latest one; churned: that interaction carries the `churn` flag. A
 * contact that never moved forward is timed from its first selected interaction. A
 * stage whose contacts show no gap has no threshold (nobody stalled there).
 * Columns: `contact`, `stage` (undefined for types without a stage), `last_forward`
 * (TIME, undefined when none), `seconds_since`, `threshold_seconds` (DOUBLE), `stalled`
 * (BOOL), `churned` (BOOL). Sorted by contact id; only the stalled ones unless
 * opts->all.
 * @param[out] out the table
 * @param[in] store the store
 * @param[in] q the selection, or NULL
 * @param[in] opts `quantile`, `all`, or NULL
 * @return as iv_pattern_trajectories()
 * @since 0.1
 */
IV_API int iv_pattern_stalled(iv_table **out, const iv_store *store, const iv_query_options *q,
                              const iv_pattern_store_options *opts);

/**
 * @brief Next best action for a contact: the interaction types that most often came
 *        next after the same type at the same stage among the contacts of a successful
 *        subset.
 *
 * The contact's last type and current stage come from its latest selected interaction.
 * Successful contacts: those with an interaction passing `(q.where) and (success)` in
 * the time range (default `profit_tier = high`). For every pair of consecutive selected
 * interactions (p, n) of a successful contact where p has the contact's last type and
 * effective stage, n counts for its type. Columns: `type`, `count` (INT), `share`
 * (count / all such pairs), `mean_rv` (mean u of n), `cost_per_rv` (sum of c / sum of u
 * over those n; undefined when the sum of u <= 0); sorted by count (descending), then
 * type (byte order).
 * @param[out] out the table
 * @param[in] store the store
 * @param[in] contact the contact's id
 * @param[in] q the selection, or NULL
 * @param[in] opts `success`, or NULL
 * @return as iv_pattern_trajectories(); ::IV_ENOTFOUND when the contact is unknown,
 *         ::IV_EUNDEFINED when it has no selected interaction
 * @since 0.1
 */
IV_API int iv_pattern_next(iv_table **out, const iv_store *store, const char *contact,
                           const iv_query_options *q, const iv_pattern_store_options *opts);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
