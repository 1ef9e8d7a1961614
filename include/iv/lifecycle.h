/**
 * @file iv/lifecycle.h
 * @brief Lifecycle metrics: activity, churn and retention, cohort retention, funnels,
 *        lifecycle, stickiness and paths.
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

/** @brief Period of cohorts, lifecycle and stickiness. @since 0.1 */
typedef enum iv_cohort_period {
    IV_PERIOD_WEEK = 0,   /**< ISO weeks (Monday to Sunday, UTC), labelled `YYYY-Www` */
    IV_PERIOD_MONTH = 1,  /**< calendar months (UTC), labelled `YYYY-MM` */
    IV_PERIOD_DAY = 2,    /**< UTC days, labelled `YYYY-MM-DD` (lifecycle only; @since 1.2) */
    IV_PERIOD_QUARTER = 3 /**< calendar quarters (UTC), labelled `YYYY-Qn` (churn and
                               retention series only; @since 1.2) */
} iv_cohort_period;

/** @brief Churn and retention series: the length of each period. @since 1.2 */
typedef enum iv_every {
    IV_EVERY_NONE = 0,    /**< one period, [t0, t1) */
    IV_EVERY_DAY = 1,     /**< one row per UTC day */
    IV_EVERY_WEEK = 2,    /**< one row per ISO week */
    IV_EVERY_MONTH = 3,   /**< one row per calendar month */
    IV_EVERY_QUARTER = 4  /**< one row per calendar quarter */
} iv_every;

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
    /* appended in 1.2 */
    const char *exclude;      /**< funnel exclusions, `TYPES[@A-B]`, several separated by
                                   `;`; TYPES are separated by `|` or `,` (@since 1.2) */
    int every;                /**< churn/retention series: an ::iv_every (@since 1.2) */
    const char *start_types;  /**< cohorts: the types that start a cohort (`|` or `,`
                                   separated; NULL = any); paths: the start type (@since 1.2) */
    const char *return_types; /**< cohorts: the types that count as a return (NULL = any)
                                   (@since 1.2) */
    size_t path_steps;        /**< paths: types after the start, 0 = 3 (@since 1.2) */
    size_t top;               /**< paths: most frequent paths kept, 0 = 10 (@since 1.2) */
} iv_lifecycle_options;

/** @brief Initialiser for ::iv_lifecycle_options. @since 0.1 */
#define IV_LIFECYCLE_OPTIONS_INIT { sizeof(iv_lifecycle_options), IV_TIME_NONE, IV_TIME_NONE, \
    0, IV_PERIOD_WEEK, NULL, IV_FUNNEL_ORDERED, NULL, IV_EVERY_NONE, NULL, NULL, 0, 0 }

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
 *
 * With `every` (@since 1.2), a churn series: one row per consecutive period (UTC day,
 * ISO week, month or quarter) of [t0, t1) — t0 defaulting to the first timestamp —
 * each period clipped to [t0, t1): the `by` dimensions, `period` (label), `t0`, `t1`,
 * `start` (S), `lost` (L), `churn` (L / S). Grouping by a time bucket (`by` = month,
 * …) is ::IV_EINVAL with a message pointing to `every` (@since 1.2).
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
 * @brief Retention over [t0, t1) per group, or a retention series.
 *
 * With `every` = ::IV_EVERY_NONE, the same table as iv_lifecycle_churn(). Otherwise one
 * row per consecutive period of [t0, t1), as iv_lifecycle_churn() cuts them: the `by`
 * dimensions, `period`, `t0`, `t1`, `start` (S, active at the period's t0), `end` (E,
 * active at its t1), `new` (N, first interaction in the period and active at its t1),
 * `retention` ((E − N) / S, undefined when S = 0).
 * @param[out] out the table
 * @param[in] store the store (prepared)
 * @param[in] q selection, model and grouping; NULL for everything, default model
 * @param[in] opts t0, t1, window, every; NULL for the defaults
 * @return as iv_lifecycle_churn()
 * @since 1.2
 */
IV_API int iv_lifecycle_retention(iv_table **out, const iv_store *store, const iv_query_options *q,
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
 *
 * Retention events (@since 1.2): with `start_types`, a contact's cohort is the period
 * of its first interaction of one of those types (contacts without one are in no
 * cohort); with `return_types`, only interactions of those types, at or after that
 * start interaction, count as activity in period k (so period 0 may be below 1).
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
 * `median_seconds_from_previous` (undefined for step 1), then (@since 1.2)
 * `seconds_from_previous_p10`, `_p25`, `_p75`, `_p90` (type-7 quantiles) and
 * `seconds_from_previous_mean`; then a row with `step` = `support_after` whose
 * `contacts` counts the completers with a `support`-flagged interaction at most W
 * after completing and whose `from_first` is their share of the completers (its other
 * cells are undefined).
 *
 * In ::IV_FUNNEL_ANY mode the window starts at the contact's first interaction of any
 * step (@since 1.2). Exclusions (`exclude`, @since 1.2): a contact with an interaction
 * of an excluded type after reaching step A and before reaching step B (default:
 * between step 1 and the last step it reached), within the window, is removed from
 * the funnel. Grouping by a time bucket (`by` = month, …) groups contacts by the
 * bucket of their entry (@since 1.2).
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

/**
 * @brief Time to convert: how long the completers of a funnel took from step 1 to the
 *        last step, counted in bins.
 *
 * The funnel is that of iv_lifecycle_funnel() with the same options. Bins end at
 * 1 hour, 1, 3, 7, 14, 30 and 90 days, then the window W; edges at or beyond W are
 * dropped and the last bin ends at W (included). One row per group and bin: the `by`
 * dimensions, `bin` (label, `< 1h`, `1h-1d`, …), `from_seconds`, `to_seconds`,
 * `contacts` (completers whose time falls in [from, to); the last bin includes W),
 * `share` (of the group's completers; undefined when there are none).
 * @param[out] out the table
 * @param[in] store the store (prepared)
 * @param[in] q as for iv_lifecycle_funnel()
 * @param[in] opts as for iv_lifecycle_funnel()
 * @return as iv_lifecycle_funnel()
 * @since 1.2
 */
IV_API int iv_lifecycle_funnel_histogram(iv_table **out, const iv_store *store,
                                         const iv_query_options *q,
                                         const iv_lifecycle_options *opts);

/**
 * @brief Lifecycle of the contacts, period by period (as PostHog's lifecycle).
 *
 * Active in a period: at least one selected interaction in it. Per period (`period`
 * ::IV_PERIOD_DAY, ::IV_PERIOD_WEEK or ::IV_PERIOD_MONTH) from the one holding the
 * range's start (the query's `from`, else the first selected interaction) to the one
 * holding its end: the `by` dimensions, `period` (label), `new` (contacts whose first
 * selected interaction ever is in this period), `returning` (active in this period and
 * the previous one), `resurrecting` (active in this one, not in the previous one, but
 * active before), `dormant` (active in the previous period, not in this one; a
 * negative number). The whole history decides "before" and "previous", not only the
 * range. Time-bucket `by` dimensions are ::IV_EINVAL (the period is the bucket).
 * @param[out] out the table
 * @param[in] store the store (prepared)
 * @param[in] q selection, model, grouping, time range; NULL: everything
 * @param[in] opts the period; NULL: weeks
 * @return as iv_lifecycle_churn()
 * @since 1.2
 */
IV_API int iv_lifecycle_lifecycle(iv_table **out, const iv_store *store, const iv_query_options *q,
                                  const iv_lifecycle_options *opts);

/**
 * @brief Stickiness: how many distinct days contacts are active in a period.
 *
 * For every period (`period` ::IV_PERIOD_WEEK or ::IV_PERIOD_MONTH) of the range (the
 * query's time range, else the data's) and every contact active in it, n = the
 * distinct UTC days of the period with a selected interaction of that contact (only
 * interactions in the range count). One row per group and n = 1 … 7 (weeks) or 31
 * (months): the `by` dimensions, `days` (n), `contacts` (contact-periods with exactly
 * n active days, summed over the periods), `share` (of all active contact-periods;
 * undefined when there are none).
 * @param[out] out the table
 * @param[in] store the store (prepared)
 * @param[in] q selection, model, grouping, time range; NULL: everything
 * @param[in] opts the period; NULL: weeks
 * @return as iv_lifecycle_churn()
 * @since 1.2
 */
IV_API int iv_lifecycle_stickiness(iv_table **out, const iv_store *store, const iv_query_options *q,
                                   const iv_lifecycle_options *opts);

/**
 * @brief Paths: the most frequent sequences of types after a start type.
 *
 * For each contact with a selected interaction of type `start_types` (one type,
 * required; when the query has a time range, the first such interaction must fall in
 * it), the types of the next `path_steps` selected interactions (default 3), joined by
 * ` > `; a history that ends sooner ends its path with `(end)`. One row per group and
 * path, the `top` (default 10) most frequent per group, most contacts first, ties in
 * byte order of the path: the `by` dimensions, `path`, `contacts`, `share` (of the
 * group's contacts with a start interaction).
 * @param[out] out the table
 * @param[in] store the store (prepared)
 * @param[in] q selection, model, grouping, time range of the starts; NULL: everything
 * @param[in] opts start_types (required), path_steps, top
 * @return as iv_lifecycle_churn()
 * @since 1.2
 */
IV_API int iv_lifecycle_paths(iv_table **out, const iv_store *store, const iv_query_options *q,
                              const iv_lifecycle_options *opts);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
