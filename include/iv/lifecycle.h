/**
 * @file iv/lifecycle.h
 * @brief Lifecycle metrics: activity, churn and retention, cohort retention, funnels
 *        (doc/LIFECYCLE.md).
 */
#ifndef IV_LIFECYCLE_H
#define IV_LIFECYCLE_H

#include "iv/common.h"
#include "iv/query.h"
#include "iv/store.h"
#include "iv/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup lifecycle Lifecycle
 * @brief Churn, retention, cohorts and funnels over a selection, per group.
 *
 * Every function takes the store, the query options (::iv_query_options: the `where`
 * selection, the scoring model, the `by` dimensions and, where said, the time range)
 * and the lifecycle options (::iv_lifecycle_options). The interactions that pass the
 * `where` selection are the contact's history; with `by`, each group's interactions
 * alone make a contact's history within that group (by team: a contact's activity
 * with that team). Group dimensions are those of iv_query_metrics(); groups come back
 * sorted by their keys, undefined keys last. Undefined ratios are NaN (undefined
 * cells). The definitions and every choice made there are in
 * doc/LIFECYCLE.md.
 * @{
 */

/** @brief Cohort period. @since 0.1 */
typedef enum iv_cohort_period {
    IV_PERIOD_WEEK = 0, /**< ISO weeks (Monday to Sunday, UTC), labelled `YYYY-Www` */
    IV_PERIOD_MONTH = 1 /**< calendar months (UTC), labelled `YYYY-MM` */
} iv_cohort_period;

/** @brief Funnel mode (doc/LIFECYCLE.md). @since 0.1 */
typedef enum iv_funnel_mode {
    IV_FUNNEL_ORDERED = 0, /**< steps in order; other interactions in between allowed */
    IV_FUNNEL_STRICT = 1,  /**< consecutive steps are consecutive interactions */
    IV_FUNNEL_ANY = 2      /**< step k reached after k distinct steps, in any order */
} iv_funnel_mode;

/** @brief Most steps a funnel may have. @since 0.1 */
#define IV_FUNNEL_MAX_STEPS 32

/**
 * @brief Options of the lifecycle functions. Initialise with
 *        ::IV_LIFECYCLE_OPTIONS_INIT or iv_lifecycle_options_init(); fields are only
 *        ever appended.
 * @since 0.1
 */
typedef struct iv_lifecycle_options {
    size_t size;       /**< sizeof(iv_lifecycle_options) as the caller knows it */
    int64_t t0;        /**< churn/retention: start of the period (ms); ::IV_TIME_NONE =
                            @ref t1 minus the activity window */
    int64_t t1;        /**< churn/retention: end of the period (ms, exclusive);
                            ::IV_TIME_NONE = the store's last timestamp + 1 ms */
    int64_t window;    /**< window W in ms; 0 = the default: the model's
                            `activity_window_days` for activity, 30 days for funnels */
    int period;        /**< cohorts: an ::iv_cohort_period */
    const char *steps; /**< funnel: steps separated by `,`, alternative types within a
                            step by `|` (`signup,demo|trial,purchase` is 3 steps) */
    int mode;          /**< funnel: an ::iv_funnel_mode */
} iv_lifecycle_options;

/** @brief Initialiser for ::iv_lifecycle_options. @since 0.1 */
#define IV_LIFECYCLE_OPTIONS_INIT { sizeof(iv_lifecycle_options), IV_TIME_NONE, IV_TIME_NONE, \
    0, IV_PERIOD_WEEK, NULL, IV_FUNNEL_ORDERED }

/**
 * @brief Fill @p opts with the defaults (for bindings, which cannot use the macro).
 * @param[out] opts the options
 * @param[in] size sizeof(iv_lifecycle_options) as the caller knows it
 * @return ::IV_OK or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_lifecycle_options_init(iv_lifecycle_options *opts, size_t size);

/**
 * @brief Churn and retention over [t0, t1) per group.
 *
 * Active at t: an interaction in (t − W, t] and the latest interaction at or before t
 * (the last in time order, ties in ingestion order) is not `churn`-flagged by the
 * model. S = active at t0, L = members of S not active at t1, E = active at t1,
 * N = contacts whose first interaction is in [t0, t1) and who are active at t1.
 * Columns: the `by` dimensions, `t0`, `t1` (times), `active_start` (S), `lost` (L),
 * `churn` (L / S), `active_end` (E), `new_active` (N), `retention` ((E − N) / S);
 * both ratios are undefined when S = 0. The query's time range is not used (the
 * period is t0, t1). With no `by`, one row.
 * @param[out] out the table
 * @param[in] store the store (prepared)
 * @param[in] q selection, model and grouping; NULL for everything, default model
 * @param[in] opts t0, t1, window; NULL for the defaults
 * @return ::IV_OK, ::IV_EINVAL (t1 before t0, a bad option), ::IV_EPARSE,
 *         ::IV_ENOTFOUND (unknown dimension), ::IV_ESTATE, ::IV_ENOMEM, ::IV_ECANCELED
 * @since 0.1
 */
IV_API int iv_lifecycle_churn(iv_table **out, const iv_store *store, const iv_query_options *q,
                              const iv_lifecycle_options *opts);

/**
 * @brief Cohort retention, bounded and unbounded, in long form.
 *
 * A contact's cohort is the week or month of its first interaction; the query's time
 * range, when set, keeps the cohorts whose first interaction falls in it (later
 * interactions count wherever they fall). Period k of a cohort is the k-th week or
 * month after the cohort's own. One row per cohort and period k = 0 … the period
 * holding the store's last timestamp: the `by` dimensions, `cohort` (label),
 * `contacts` (cohort size), `period` (k), `retained` (contacts with an interaction in
 * period k), `rate` (retained / contacts; 1 for k = 0), `rate_unbounded` (share with
 * an interaction in period k or later). A period whose last UTC day is after the day
 * of the store's last timestamp is unobserved: its `retained`, `rate` and
 * `rate_unbounded` are undefined, never 0.
 * @param[out] out the table
 * @param[in] store the store (prepared)
 * @param[in] q selection, model, grouping, time range of the cohorts; NULL: everything
 * @param[in] opts the period; NULL for the defaults (weeks)
 * @return as iv_lifecycle_churn()
 * @since 0.1
 */
IV_API int iv_lifecycle_cohorts(iv_table **out, const iv_store *store, const iv_query_options *q,
                                const iv_lifecycle_options *opts);

/**
 * @brief A conversion funnel.
 *
 * A contact enters at its first step-1 interaction (when the query has a time range,
 * that interaction must fall in it); the window [entry, entry + W] (W inclusive)
 * bounds every later step; later step-1 interactions do not restart the window. Modes
 * are those of ::iv_funnel_mode (exact rules in doc/LIFECYCLE.md). One row per step:
 * the `by` dimensions, `step` (a string: "1", "2", …), `types` (`demo|trial`),
 * `contacts`, `from_previous`, `from_first`, `dropoff` (1 − from_previous),
 * `median_seconds_from_previous` (undefined for step 1); then a row with `step` =
 * `support_after` whose `contacts` counts the completers with a `support`-flagged
 * interaction at most W after completing and whose `from_first` is their share of
 * the completers (its other cells are undefined).
 * @param[out] out the table
 * @param[in] store the store (prepared)
 * @param[in] q selection, model, grouping, time range of the entries; NULL: everything
 * @param[in] opts steps (required), mode, window
 * @return as iv_lifecycle_churn(), ::IV_EPARSE for bad steps (message gives the
 *         position), ::IV_ELIMIT for more than ::IV_FUNNEL_MAX_STEPS steps
 * @since 0.1
 */
IV_API int iv_lifecycle_funnel(iv_table **out, const iv_store *store, const iv_query_options *q,
                               const iv_lifecycle_options *opts);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
