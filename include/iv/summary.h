/**
 * @file iv/summary.h
 * @brief Summaries: mergeable aggregates of a grouped query, their byte format, the
 *        confidential segment comparison, and the partition hash (doc/SUMMARIES.md).
 */
#ifndef IV_SUMMARY_H
#define IV_SUMMARY_H

#include "iv/clv.h"
#include "iv/common.h"
#include "iv/lifecycle.h"
#include "iv/pattern.h"
#include "iv/query.h"
#include "iv/stats.h"
#include "iv/store.h"
#include "iv/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup summary Summaries
 * @brief Mergeable aggregates of a grouped query, for scale-out and for comparing
 *        segments without sharing contact-level data.
 *
 * A summary holds, per group of a query (its `by` dimensions), the group key labels
 * (strings) and everything the metrics of doc/METRICS.md §Group metrics need: counts and 128-bit fixed-point
 * sums (cost, value, quality, RV, survey answers). For five per-contact metrics of the
 * group — `n`, `cost`, `value`, `rv`, `rv_per_interaction` (each contact's own value
 * over its interactions in the group) — it also keeps the exact sum and sum of squares
 * (256-bit integers over 1e-9 units) and a relative-error quantile sketch
 * (DDSketch-style, relative accuracy alpha, default 0.01). It contains no contact ids
 * and no interaction details.
 *
 * Merging adds counts, integer sums and sketch bins, so it is exact, associative and
 * commutative: any merge order gives the same bytes. Groups are matched by their key
 * labels. `contacts` is summed at merge: it is exact when the data was partitioned by
 * contact (every row of a contact in one part, e.g. by iv_partition_of()); otherwise a
 * contact present in two parts is counted twice. Two summaries merge only when they
 * were made with the same dimensions, selection, time range, model and sketch accuracy.
 *
 * Contact-level attributes that depend on the other contacts (`profit_tier`, whose
 * tertiles are computed over the contacts of the store) are computed per part: grouping
 * or selecting by them is exact only when the parts are not split.
 *
 * See doc/SUMMARIES.md for the byte format, what is exact and what approximate.
 * @{
 */

/** @brief Opaque summary handle. @since 0.1 */
typedef struct iv_summary iv_summary;

/** @brief The first eight bytes of a serialised summary. @since 0.1 */
#define IV_SUMMARY_MAGIC "\x89IVSUM\r\n"

/** @brief The summary byte-format version this library writes (and the newest it reads).
 *         Version 2 (1.2) adds `rv_unscored` to each group; version 1 is still read (its
 *         `rv_unscored` is undefined, and a summary holding such groups is written as 1).
 *  @since 0.1 */
#define IV_SUMMARY_FORMAT 2

/**
 * @brief Options for making and reading summaries. Initialise with
 *        ::IV_SUMMARY_OPTIONS_INIT or iv_summary_options_init(); fields are only appended.
 * @since 0.1
 */
typedef struct iv_summary_options {
    size_t size;       /**< sizeof(iv_summary_options) as the caller knows it */
    iv_alloc_fn alloc; /**< allocator hook; NULL: the store's (make) or malloc (read) */
    void *alloc_ud;    /**< user data for @ref alloc */
    double alpha;      /**< sketch relative accuracy in [1e-4, 0.5]; 0 for 0.01 */
} iv_summary_options;

/** @brief Initialiser for ::iv_summary_options. @since 0.1 */
#define IV_SUMMARY_OPTIONS_INIT { sizeof(iv_summary_options), NULL, NULL, 0.0 }

/**
 * @brief Fill @p opts with the defaults (for bindings, which cannot use the macro).
 * @param[out] opts the options
 * @param[in] size sizeof(iv_summary_options) as the caller knows it
 * @return ::IV_OK or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_summary_options_init(iv_summary_options *opts, size_t size);

/**
 * @brief Summarise a grouped query.
 * @param[out] out the summary; free it with iv_summary_free()
 * @param[in] store the store (prepared)
 * @param[in] query the query (by, where, from, to, model, t_ref), or NULL for one group
 *            over everything under the default model. With a model that sets an RV
 *            half-life, summaries of different parts merge only when they share the
 *            reference time: set @c t_ref or @c to.
 * @param[in] opts options, or NULL for the defaults
 * @return ::IV_OK, ::IV_ENOMEM, ::IV_EINVAL, or any error of iv_query_metrics()
 * @since 0.1
 */
IV_API int iv_summary_make(iv_summary **out, const iv_store *store,
                           const iv_query_options *query, const iv_summary_options *opts);

/**
 * @brief Merge @p from into @p into (groups matched by key labels).
 * @param[in,out] into the summary that receives the sum; unchanged on failure
 * @param[in] from the other summary (may be @p into itself: doubles every count)
 * @return ::IV_OK, ::IV_ENOMEM, ::IV_EINVAL (NULL, or the two summaries were made with
 *         different dimensions, selection, time range, model or sketch accuracy)
 * @since 0.1
 */
IV_API int iv_summary_merge(iv_summary *into, const iv_summary *from);

/**
 * @brief Free a summary. Accepts NULL.
 * @param[in] summary the summary
 * @since 0.1
 */
IV_API void iv_summary_free(iv_summary *summary);

/**
 * @brief Number of groups.
 * @param[in] summary the summary
 * @return the count (0 for NULL)
 * @since 0.1
 */
IV_API size_t iv_summary_groups(const iv_summary *summary);

/**
 * @brief The metrics of doc/METRICS.md §Group metrics per group: the same table as iv_query_metrics() on the
 *        data and query the summary was made from (same columns, rows and values).
 * @param[out] out the table
 * @param[in] summary the summary
 * @return ::IV_OK, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_summary_metrics(iv_table **out, const iv_summary *summary);

/**
 * @brief Approximate quantile of a per-contact metric within a group.
 *
 * The type-7 quantile (linear interpolation between order statistics) computed on
 * order statistics that are each within relative error alpha of the exact ones; the
 * result is within relative alpha of the exact quantile when the two order statistics
 * it interpolates have the same sign. p = 0 and p = 1 give the exact minimum and maximum.
 * @param[in] summary the summary
 * @param[in] group the group (row of iv_summary_metrics())
 * @param[in] metric `n`, `cost`, `value`, `rv` or `rv_per_interaction`
 * @param[in] p probability in [0, 1]
 * @param[out] out the quantile (NaN when the group has no contact)
 * @return ::IV_OK, ::IV_ERANGE (group or p), ::IV_ENOTFOUND (metric), ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_summary_quantile(const iv_summary *summary, size_t group, const char *metric,
                               double p, double *out);

/**
 * @brief Segment versus segment from summaries alone (doc/PATTERN.md, the `iv compare` shape).
 *
 * Compares a per-contact metric between group @p group_a of @p a and group @p group_b
 * of @p b (the two may be the same summary). One row: `n_a`, `n_b`, `mean_a`, `mean_b`,
 * `median_a`, `median_b`, `diff`, `diff_ci_low`, `diff_ci_high`, `welch_t`,
 * `welch_df`, `welch_p`, `mwu_u`, `mwu_p`, `cliffs_delta`.
 * Exact (from the exact sums and sums of squares): counts, means, the Welch test and
 * interval. Within the sketch's bound: the medians (relative alpha), and the
 * Mann-Whitney U, its p-value and Cliff's delta, which are exactly those of the data
 * with every value moved to its sketch bin's representative (at most relative alpha
 * away): values sharing a bin count as ties.
 * @param[out] out the table
 * @param[in] a first summary
 * @param[in] group_a its group
 * @param[in] b second summary (same sketch accuracy)
 * @param[in] group_b its group
 * @param[in] metric `n`, `cost`, `value`, `rv` or `rv_per_interaction`
 * @param[in] opts confidence level and Mann-Whitney method, or NULL for the defaults
 * @return ::IV_OK, ::IV_ENOMEM, ::IV_ERANGE, ::IV_ENOTFOUND, ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_summary_compare(iv_table **out, const iv_summary *a, size_t group_a,
                              const iv_summary *b, size_t group_b, const char *metric,
                              const iv_stats_options *opts);

/**
 * @brief Serialise: a versioned, little-endian, CRC-32-checked byte string (format in
 *        doc/SUMMARIES.md). Equal summaries give equal bytes.
 * @param[in] summary the summary
 * @param[out] out the bytes, allocated with the summary's allocator; free them with
 *             iv_summary_free_bytes()
 * @param[out] len their length
 * @return ::IV_OK, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_summary_to_bytes(const iv_summary *summary, void **out, size_t *len);

/**
 * @brief Free bytes returned by iv_summary_to_bytes(). Accepts NULL.
 * @param[in] summary the summary that made them
 * @param[in] bytes the bytes
 * @param[in] len their length
 * @since 0.1
 */
IV_API void iv_summary_free_bytes(const iv_summary *summary, void *bytes, size_t len);

/**
 * @brief Parse a serialised summary. Safe on untrusted input: any byte string gives a
 *        summary or an error, and no length field makes it allocate more than the
 *        input could describe.
 * @param[out] out the summary
 * @param[in] bytes the bytes
 * @param[in] len their length
 * @param[in] opts allocator (alpha is ignored: it comes from the bytes), or NULL
 * @return ::IV_OK, ::IV_ECORRUPT (truncated, bad magic, checksum or content),
 *         ::IV_EVERSION (a newer format), ::IV_ENOMEM, ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_summary_from_bytes(iv_summary **out, const void *bytes, size_t len,
                                 const iv_summary_options *opts);

/**
 * @brief Write a summary to a file atomically (temporary file, fsync, rename).
 * @param[in] summary the summary
 * @param[in] path the file
 * @return ::IV_OK, ::IV_EIO, ::IV_ENOMEM, ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_summary_save(const iv_summary *summary, const char *path);

/**
 * @brief Read a summary file written by iv_summary_save().
 * @param[out] out the summary
 * @param[in] path the file
 * @param[in] opts allocator, or NULL
 * @return as iv_summary_from_bytes(), or ::IV_EIO
 * @since 0.1
 */
IV_API int iv_summary_load(iv_summary **out, const char *path, const iv_summary_options *opts);

/**
 * @brief The partition of a contact: FNV-1a 64 of the contact id's bytes, modulo
 *        @p nparts. Stable across platforms, releases and languages (offset basis
 *        14695981039346656037, prime 1099511628211, arithmetic modulo 2^64), so every
 *        row of a contact lands in the same part wherever the hash is computed.
 * @param[in] contact the contact id (UTF-8 bytes, not necessarily NUL-terminated)
 * @param[in] len its length in bytes
 * @param[in] nparts number of parts (0 is treated as 1)
 * @return the part, in [0, nparts)
 * @since 0.1
 */
IV_API uint32_t iv_partition_of(const char *contact, size_t len, uint32_t nparts);

/** @} */

/**
 * @defgroup partial Partials: mergeable summaries of every analysis
 * @brief One partial per part of a store partitioned by contact; merged, it gives the
 *        analysis of the whole store (doc/SUMMARIES.md §Partials).
 *
 * A partial is made from one part (a store holding every row of its contacts, e.g. the
 * rows whose contact falls in one iv_partition_of() part) with the same options as the
 * analysis; partials of all parts merged (in any order and grouping) give, through
 * iv_partial_result(), the table the analysis returns on the whole store. Partials hold
 * group labels and counts keyed by absolute times and periods, never contact ids; what
 * depends on the whole store (its first and last timestamps, which decide the default
 * period ends) is resolved only in iv_partial_result(). Which results are exact and which
 * within a stated bound is written in doc/SUMMARIES.md.
 * @{
 */

/** @brief Opaque partial handle. @since 1.2 */
typedef struct iv_partial iv_partial;

/** @brief The first eight bytes of a serialised partial. @since 1.2 */
#define IV_PARTIAL_MAGIC "\x89IVPRT\r\n"

/** @brief The partial byte-format version this library writes and reads. @since 1.2 */
#define IV_PARTIAL_FORMAT 1

/** @brief The analysis a partial summarises. @since 1.2 */
typedef enum iv_partial_kind {
    IV_PARTIAL_CHURN = 1,      /**< iv_lifecycle_churn() */
    IV_PARTIAL_RETENTION = 2,  /**< iv_lifecycle_retention() */
    IV_PARTIAL_COHORTS = 3,    /**< iv_lifecycle_cohorts() */
    IV_PARTIAL_FUNNEL = 4,     /**< iv_lifecycle_funnel() */
    IV_PARTIAL_LIFECYCLE = 5,  /**< iv_lifecycle_lifecycle() */
    IV_PARTIAL_STICKINESS = 6, /**< iv_lifecycle_stickiness() */
    IV_PARTIAL_CLV = 7,        /**< the per-contact input of iv_clv_fit() (iv_partial_clv()) */
    IV_PARTIAL_COMPARE = 8,    /**< iv_pattern_compare(), the `iv compare` row (iv_partial_compare()) */
    IV_PARTIAL_NORM = 9        /**< iv_pattern_norm_of(), the trajectory norm (iv_partial_norm()) */
} iv_partial_kind;

/**
 * @brief Make the partial of a lifecycle analysis over one part.
 * @param[out] out the partial; free it with iv_partial_free()
 * @param[in] kind ::IV_PARTIAL_CHURN, ::IV_PARTIAL_RETENTION, ::IV_PARTIAL_COHORTS,
 *            ::IV_PARTIAL_FUNNEL, ::IV_PARTIAL_LIFECYCLE or ::IV_PARTIAL_STICKINESS
 * @param[in] store the part (prepared); it must hold every row of its contacts
 * @param[in] q selection, model and grouping, as for the analysis; NULL for everything.
 *            Grouping by `contact` or `id` is refused (a partial holds no ids).
 * @param[in] opts the analysis' options, as for the analysis; NULL for the defaults
 * @return ::IV_OK, or any error the analysis returns for these options
 * @since 1.2
 */
IV_API int iv_partial_lifecycle(iv_partial **out, int kind, const iv_store *store,
                                const iv_query_options *q, const iv_lifecycle_options *opts);

/**
 * @brief Make the partial of the CLV fit input over one part: the number of contacts per
 *        distinct per-contact summary (x, t_x, first purchase day, zbar for the models of
 *        iv_rfm(); x, t_x, first purchase day for BG/BB; periods, churned and the first
 *        day for shifted-BG), with the calibration end resolved when the result is read
 *        (by default the day of the merged parts' last timestamp, as on the whole store).
 * @param[out] out the partial (kind ::IV_PARTIAL_CLV); free it with iv_partial_free()
 * @param[in] model the ::iv_clv_model the input is for
 * @param[in] store the part (prepared); it must hold every row of its contacts
 * @param[in] opts calibration_end, unit and the scoring model as for iv_rfm() (the
 *            holdout end is not used), or NULL for the defaults
 * @return ::IV_OK, ::IV_EINVAL, ::IV_ESTATE (store not prepared) or ::IV_ENOMEM
 * @since 1.2
 */
IV_API int iv_partial_clv(iv_partial **out, int model, const iv_store *store, const iv_rfm_options *opts);

/**
 * @brief Fit the CLV model of a (merged) ::IV_PARTIAL_CLV partial: iv_clv_fit() on its
 *        distinct summaries weighted by their counts. The parameters, standard errors,
 *        log-likelihood and customer count equal, bit for bit, those of iv_clv_fit() on
 *        the per-contact table of the whole store (iv_rfm(), iv_rfm_discrete(),
 *        iv_contracts()) with the same options.
 * @param[out] out the fitted model; free it with iv_clv_free()
 * @param[in] partial the partial
 * @param[in] opts the fit options (no weights, no covariates), or NULL
 * @return ::IV_OK, ::IV_EINVAL (not a CLV partial; weights or covariates given),
 *         ::IV_EUNDEFINED (no contact with a purchase on or before the calibration end),
 *         or any error of iv_clv_fit()
 * @since 1.2
 */
IV_API int iv_partial_clv_fit(iv_clv **out, const iv_partial *partial, const iv_clv_options *opts);

/**
 * @brief Make the partial of a segment comparison (iv_pattern_compare(), `iv compare`)
 *        over one part: per segment, the number of contacts per distinct value of the
 *        per-contact metric. Merged, iv_partial_result() gives the comparison row of the
 *        whole store bit for bit (the test runs on the merged samples, which are the
 *        store's). At most 2^26 contacts in both samples together (::IV_ELIMIT beyond).
 * @param[out] out the partial (kind ::IV_PARTIAL_COMPARE); free it with iv_partial_free()
 * @param[in] store the part (prepared); it must hold every row of its contacts
 * @param[in] q the selection (time range, where, model), or NULL; with a model that has
 *            an RV half-life, t_ref (or to) must be set, since the default reference
 *            time would be each part's own last timestamp
 * @param[in] metric a per-contact metric of doc/METRICS.md (not `nps`)
 * @param[in] where_a segment a ("" = every selected interaction)
 * @param[in] where_b segment b
 * @param[in] stats the test options (confidence, Mann-Whitney method and continuity), or NULL
 * @return ::IV_OK, ::IV_ENOTFOUND (unknown metric or dimension), ::IV_EPARSE, ::IV_EINVAL,
 *         ::IV_ENOMEM
 * @since 1.2
 */
IV_API int iv_partial_compare(iv_partial **out, const iv_store *store, const iv_query_options *q,
                              const char *metric, const char *where_a, const char *where_b,
                              const iv_stats_options *stats);

/**
 * @brief Make the partial of a trajectory norm (iv_pattern_norm_of(), `iv pattern norm`)
 *        over one part: per bucket, the observed contacts counted exactly and their
 *        trajectory values in a relative-error quantile sketch (or, with @p alpha 0, the
 *        number of contacts per distinct value). Merged, iv_partial_result() gives the
 *        norm table of the whole store: `contacts` exact; median, p10, p25, p75, p90
 *        within relative @p alpha of the exact ones and MAD within the bound of
 *        doc/SUMMARIES.md (with @p alpha 0 every column bit for bit).
 * @param[out] out the partial (kind ::IV_PARTIAL_NORM); free it with iv_partial_free()
 * @param[in] store the part (prepared); it must hold every row of its contacts
 * @param[in] q the subset (where), time range, model and reference time. With age or
 *            calendar alignment t_ref (or to) must be set: the default reference time,
 *            the whole store's last timestamp, is not known to a part (give it, e.g. the
 *            log's last timestamp, to get the default's result); so must it with index
 *            alignment when the model has an RV half-life.
 * @param[in] opts bucket width, count (at most 2^16), alignment and calendar origin (with
 *            calendar alignment origin or q->from must be set), or NULL for the defaults
 * @param[in] alpha the sketches' relative accuracy, 1e-4 ... 0.5 (0.01 is the summaries'
 *            default), or 0 for exact values
 * @return ::IV_OK, ::IV_EINVAL, ::IV_EPARSE, ::IV_ENOTFOUND, ::IV_ENOMEM
 * @since 1.2
 */
IV_API int iv_partial_norm(iv_partial **out, const iv_store *store, const iv_query_options *q,
                           const iv_pattern_store_options *opts, double alpha);

/**
 * @brief The analysis a partial summarises.
 * @param[in] partial the partial
 * @return an ::iv_partial_kind, or 0 for NULL
 * @since 1.2
 */
IV_API int iv_partial_kind_of(const iv_partial *partial);

/**
 * @brief Merge @p from into @p into.
 * @param[in,out] into the partial that receives the sum; unchanged on failure
 * @param[in] from the other partial (may be @p into itself)
 * @return ::IV_OK, ::IV_ENOMEM, ::IV_ERANGE (a count would overflow), ::IV_EINVAL (NULL,
 *         or partials of different analyses, options, groupings, selections or models)
 * @since 1.2
 */
IV_API int iv_partial_merge(iv_partial *into, const iv_partial *from);

/**
 * @brief The time-to-convert histogram of a (merged) ::IV_PARTIAL_FUNNEL partial: the
 *        table iv_lifecycle_funnel_histogram() returns on the whole store with the same
 *        options (same rows and values; the partial keeps every completion time).
 * @param[out] out the table
 * @param[in] partial a funnel partial
 * @return ::IV_OK, ::IV_ENOMEM, ::IV_EINVAL (NULL, or not a funnel partial)
 * @since 1.2
 */
IV_API int iv_partial_funnel_histogram(iv_table **out, const iv_partial *partial);

/**
 * @brief The analysis' result over every part merged into @p partial: the table the
 *        analysis returns on the whole store (same columns, rows and values).
 * @param[out] out the table
 * @param[in] partial the partial
 * @return ::IV_OK, ::IV_ENOMEM, ::IV_EINVAL, ::IV_ELIMIT (too many periods)
 * @since 1.2
 */
IV_API int iv_partial_result(iv_table **out, const iv_partial *partial);

/**
 * @brief Serialise: a versioned, little-endian, CRC-32-checked byte string (format in
 *        doc/SUMMARIES.md). Equal partials give equal bytes.
 * @param[in] partial the partial
 * @param[out] out the bytes; free them with iv_partial_free_bytes()
 * @param[out] len their length
 * @return ::IV_OK, ::IV_ENOMEM or ::IV_EINVAL
 * @since 1.2
 */
IV_API int iv_partial_to_bytes(const iv_partial *partial, void **out, size_t *len);

/**
 * @brief Free bytes returned by iv_partial_to_bytes(). Accepts NULL.
 * @param[in] partial the partial that made them
 * @param[in] bytes the bytes
 * @param[in] len their length
 * @since 1.2
 */
IV_API void iv_partial_free_bytes(const iv_partial *partial, void *bytes, size_t len);

/**
 * @brief Parse a serialised partial. Safe on untrusted input: any byte string gives a
 *        partial or an error, and no length field makes it allocate more than the input
 *        could describe.
 * @param[out] out the partial
 * @param[in] bytes the bytes
 * @param[in] len their length
 * @param[in] opts allocator (alpha is ignored), or NULL
 * @return ::IV_OK, ::IV_ECORRUPT (truncated, bad magic, checksum or content),
 *         ::IV_EVERSION (another format version), ::IV_ENOMEM, ::IV_EINVAL
 * @since 1.2
 */
IV_API int iv_partial_from_bytes(iv_partial **out, const void *bytes, size_t len,
                                 const iv_summary_options *opts);

/**
 * @brief Write a partial to a file (its bytes, iv_partial_to_bytes()), atomically: a
 *        temporary file next to @p path renamed over it once complete.
 * @param[in] partial the partial
 * @param[in] path the file
 * @return ::IV_OK, ::IV_EIO (naming the file), ::IV_ENOMEM or ::IV_EINVAL
 * @since 1.2
 */
IV_API int iv_partial_save(const iv_partial *partial, const char *path);

/**
 * @brief Read a partial written by iv_partial_save() (safe on untrusted files, as
 *        iv_partial_from_bytes(); errors name the file).
 * @param[out] out the partial
 * @param[in] path the file
 * @param[in] opts allocator, or NULL
 * @return ::IV_OK, ::IV_EIO, ::IV_ELIMIT (a file over 256 MiB), ::IV_ECORRUPT,
 *         ::IV_EVERSION, ::IV_ENOMEM or ::IV_EINVAL
 * @since 1.2
 */
IV_API int iv_partial_load(iv_partial **out, const char *path, const iv_summary_options *opts);

/**
 * @brief Free a partial. Accepts NULL.
 * @param[in] partial the partial
 * @since 1.2
 */
IV_API void iv_partial_free(iv_partial *partial);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
