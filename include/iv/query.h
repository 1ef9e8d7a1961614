/**
 * @file iv/query.h
 * @brief Grouped metrics over a selection: IV, RV, cost, NPS, CSAT, CES (doc/METRICS.md).
 */
#ifndef IV_QUERY_H
#define IV_QUERY_H

#include "iv/common.h"
#include "iv/model.h"
#include "iv/store.h"
#include "iv/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup query Queries
 * @brief Selections, grouping, the metrics of doc/METRICS.md §Group metrics, contacts and drill-down.
 *
 * A query selects interactions (a time range `[from, to)` and an expression in the
 * selection language), groups them by zero or more dimensions and computes every
 * metric of doc/METRICS.md §Group metrics per group under a scoring model. The store keeps raw facts, so a
 * query with another model re-scores the whole history without re-ingesting.
 *
 * Group dimensions (`by`, comma-separated): `channel`, `type`, `stage`, `area`, `team`,
 * `direction`, `outcome`, `contact`, any custom dimension, the contact attributes
 * `profit_tier`, `community_role`, `contact_stage`, and the UTC time buckets `day`
 * (`YYYY-MM-DD`), `week` (ISO, `YYYY-Www`), `month` (`YYYY-MM`), `quarter` (`YYYY-Qn`),
 * `year` (`YYYY`). Groups come back sorted by their keys (byte order), undefined keys
 * last, so the output does not depend on the order rows were ingested in.
 *
 * Selection language: `name = value`, `name != value`, `name in (v1, v2, ...)`,
 * `has FLAG`, combined with `and`, `or`, `not` and parentheses; values may be quoted
 * with `"..."`. A contact attribute test selects every interaction of the contacts that
 * pass it. Errors name the offending position (1-based character).
 *
 * Money, RV and quality sums are accumulated exactly in fixed point (1e-9 units, 128
 * bits), so results are identical to the last bit whatever the order of the rows.
 * @{
 */

/**
 * @brief Options of a query. Initialise with ::IV_QUERY_OPTIONS_INIT or
 *        iv_query_options_init(); fields are only ever appended.
 * @since 0.1
 */
typedef struct iv_query_options {
    size_t size;            /**< sizeof(iv_query_options) as the caller knows it */
    const char *by;         /**< group dimensions, comma-separated; NULL or "" for one group */
    const char *where;      /**< selection expression; NULL or "" selects everything */
    int64_t from;           /**< start of the time range (inclusive), ::IV_TIME_NONE = unbounded */
    int64_t to;             /**< end of the time range (exclusive), ::IV_TIME_NONE = unbounded */
    const iv_model *model;  /**< scoring model; NULL for the built-in default */
    int64_t t_ref;          /**< reference time of the RV half-life; ::IV_TIME_NONE = the end
                                 of the selection (@ref to, else the latest stored ts + 1 ms) */
    iv_progress_fn progress; /**< called with contacts done; may be NULL */
    void *payload;          /**< passed to @ref progress */
    unsigned threads;       /**< worker threads for grouping large stores: 0 or 1 = the
                                 calling thread only (default); results are identical for
                                 any value (exact sums, contacts split between threads) */
} iv_query_options;

/** @brief Initialiser for ::iv_query_options. @since 0.1 */
#define IV_QUERY_OPTIONS_INIT { sizeof(iv_query_options), NULL, NULL, IV_TIME_NONE, \
    IV_TIME_NONE, NULL, IV_TIME_NONE, NULL, NULL, 0 }

/**
 * @brief Fill @p opts with the defaults.
 * @param[out] opts the options
 * @param[in] size sizeof(iv_query_options) as the caller knows it
 * @return ::IV_OK or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_query_options_init(iv_query_options *opts, size_t size);

/**
 * @brief The metrics of doc/METRICS.md §Group metrics per group.
 *
 * Columns: the `by` dimensions (strings; undefined when a row has no value), then `n`,
 * `contacts`, `cost`, `value`, `cpt`, `iv`, `roi`, `desired_rate`, `rv`,
 * `rv_per_interaction`, `cost_per_rv`, `rv_forward`, `rv_backward`, `nps`, `nps_se`, `nps_ci_low`, `nps_ci_high` (@since 1.2),
 * `csat`, `csat_mean`, `ces`, `ces_easy`, `cost_assumed`, `rv_unscored` (@since 1.2: rows
 * with no rv of their own whose type the model does not know). Ratios whose denominator is 0
 * are undefined. With no `by`, one row (also when nothing is selected: `n` = 0).
 * @param[out] out the table
 * @param[in] store the store (prepared; see iv_store_prepare())
 * @param[in] opts options, or NULL for everything under the default model
 * @return ::IV_OK, ::IV_EPARSE (expression; message gives the position),
 *         ::IV_ENOTFOUND (unknown dimension), ::IV_ESTATE, ::IV_ENOMEM, ::IV_ECANCELED
 * @since 0.1
 */
IV_API int iv_query_metrics(iv_table **out, const iv_store *store, const iv_query_options *opts);

/**
 * @brief Period-on-period comparison: the metrics of the selection and of the same
 *        selection over [@p prev_from, @p prev_to).
 *
 * One row per group and metric: the `by` dimensions, `metric` (a metric name of doc/METRICS.md),
 * `value`, `previous`, `change` (value − previous) and `relative_change`
 * ((value − previous) / |previous|, undefined when previous is 0 or undefined).
 * @param[out] out the table
 * @param[in] store the store
 * @param[in] opts the current selection (its from/to are the current period)
 * @param[in] prev_from start of the previous period (inclusive)
 * @param[in] prev_to end of the previous period (exclusive)
 * @return as iv_query_metrics()
 * @since 0.1
 */
IV_API int iv_query_compare(iv_table **out, const iv_store *store, const iv_query_options *opts,
                            int64_t prev_from, int64_t prev_to);

/**
 * @brief Drill down: the interactions behind group @p group (a row index of the table
 *        iv_query_metrics() returns for the same options).
 *
 * Columns: `row` (store row index), `id` (source id, undefined when not given),
 * `contact`, `ts`, `channel`, `type`, `cost` (c_i), `rv` (u_i), in the contact's time
 * order, contacts in store order.
 * @param[out] out the table
 * @param[in] store the store
 * @param[in] opts the same options as the metrics query
 * @param[in] group the group's row in the metrics table
 * @return as iv_query_metrics(), or ::IV_ERANGE when @p group is out of range
 * @since 0.1
 */
IV_API int iv_query_drill(iv_table **out, const iv_store *store, const iv_query_options *opts,
                          size_t group);

/**
 * @brief Per-contact attributes (doc/METRICS.md §Contacts and subsets) over the interactions of the time range.
 *
 * Columns: `contact`, `first_ts`, `last_ts`, `n`, `cost`, `value`, `rv`, `profit`
 * (value − cost), `contact_stage` (the effective stage of its latest interaction),
 * `profit_tier` (`high`, `normal`, `poor`), `community_role` (`leader`, `doer`,
 * `watcher`), and one BOOL column per event flag: `purchase`, `repeat`, `refer`,
 * `upsell`, `cross_sell`, `bad_experience`, `support`, `churn`. Contacts with no
 * interaction in the range are left out; the `where` expression then keeps the contacts
 * with at least one selected interaction. Rows are sorted by contact id.
 * Profit tiers are the tertiles of profit among the contacts with an interaction in the
 * time range (or the model's thresholds when it sets them): see doc/METRICS.md.
 * @param[out] out the table
 * @param[in] store the store
 * @param[in] opts options (by is ignored)
 * @return as iv_query_metrics()
 * @since 0.1
 */
IV_API int iv_query_contacts(iv_table **out, const iv_store *store, const iv_query_options *opts);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
