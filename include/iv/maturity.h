/**
 * @file iv/maturity.h
 * @brief Digital maturity: rubrics, indicator values, assessments over the eight areas,
 *        year-on-year comparison and peer benchmarks (doc/MATURITY.md).
 */
#ifndef IV_MATURITY_H
#define IV_MATURITY_H

#include "iv/common.h"
#include "iv/model.h"
#include "iv/store.h"
#include "iv/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup maturity Digital maturity
 * @brief Eight areas, ten levels: rubric files, indicators, assessment, year on year, peers.
 *
 * A *rubric* gives each of the eight areas (technology, channels, engagement, experience,
 * content, business, analytics, governance) a set of indicators; an indicator has a
 * weight, a direction (`higher` or `lower` is better) and nine thresholds t2 … t10.
 * An *indicator set* holds observed values named `AREA.NAME`, supplied by the user
 * (iv_indicators_set(), iv_indicators_load_csv()) or derived from a store
 * (iv_indicators_from_store()); user values always win over derived ones.
 * iv_maturity_assess() turns a rubric and an indicator set into the `maturity` table of
 * `iv maturity`. The default rubric and every threshold in it are documented in doc/MATURITY.md.
 *
 * Indicator and area names are ASCII and case-insensitive; they are stored lower-cased.
 * @{
 */

/** @brief Opaque rubric: areas, indicators, weights, directions, thresholds. @since 0.1 */
typedef struct iv_rubric iv_rubric;

/** @brief Opaque set of observed indicator values. @since 0.1 */
typedef struct iv_indicators iv_indicators;

/**
 * @brief Options for the constructors of this module and iv_maturity_assess().
 *        Initialise with ::IV_MATURITY_OPTIONS_INIT or iv_maturity_options_init();
 *        fields are only ever appended.
 * @since 0.1
 */
typedef struct iv_maturity_options {
    size_t size;       /**< sizeof(iv_maturity_options) as the caller knows it */
    iv_alloc_fn alloc; /**< allocator hook, NULL for malloc/realloc/free */
    void *alloc_ud;    /**< user data for @ref alloc */
} iv_maturity_options;

/** @brief Initialiser for ::iv_maturity_options. @since 0.1 */
#define IV_MATURITY_OPTIONS_INIT { sizeof(iv_maturity_options), NULL, NULL }

/**
 * @brief Fill @p opts with the defaults (for bindings, which cannot use the macro).
 * @param[out] opts the options to fill
 * @param[in] size sizeof(iv_maturity_options) as the caller knows it
 * @return ::IV_OK, or ::IV_EINVAL when @p opts is NULL or @p size is too small
 * @since 0.1
 */
IV_API int iv_maturity_options_init(iv_maturity_options *opts, size_t size);

/**
 * @brief The text of the default rubric, in the rubric file format (doc/MATURITY.md).
 *
 * Saving it to a file, editing it and loading it with iv_rubric_load() is the way to
 * start a custom rubric.
 * @return a static NUL-terminated string
 * @since 0.1
 */
IV_API const char *iv_rubric_default_text(void);

/**
 * @brief Create the default rubric: all eight areas, documented in doc/MATURITY.md.
 * @param[out] out the new rubric
 * @param[in] opts options, or NULL for the defaults
 * @return ::IV_OK, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_rubric_new_default(iv_rubric **out, const iv_maturity_options *opts);

/**
 * @brief Parse a rubric from text in the rubric file format.
 *
 * `[indicator.AREA.NAME]` sections take `weight` (a positive number, default 1),
 * `direction` (`higher` or `lower`, required) and `thresholds` (nine comma-separated
 * numbers t2 … t10, strictly ascending for `higher`, strictly descending for `lower`,
 * required); `[area.AREA]` sections take `weight` (positive, default 1). AREA is one of
 * the eight area names. Blank lines and lines starting with `;` or `#` are ignored.
 * Any error names the line (and the key) in the message of iv_error_last().
 * @param[out] out the new rubric
 * @param[in] text the rubric text (need not be NUL-terminated)
 * @param[in] len its length in bytes
 * @param[in] opts options, or NULL for the defaults
 * @return ::IV_OK, ::IV_EPARSE, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_rubric_parse(iv_rubric **out, const char *text, size_t len,
                           const iv_maturity_options *opts);

/**
 * @brief Load a rubric file. It replaces the default rubric entirely.
 * @param[out] out the new rubric
 * @param[in] path the file; errors are reported as `path:line: …`
 * @param[in] opts options, or NULL for the defaults
 * @return ::IV_OK, ::IV_EIO, ::IV_EPARSE, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_rubric_load(iv_rubric **out, const char *path, const iv_maturity_options *opts);

/**
 * @brief Free a rubric. Accepts NULL.
 * @param[in] rubric the rubric
 * @since 0.1
 */
IV_API void iv_rubric_free(iv_rubric *rubric);

/**
 * @brief The rubric as a table, one row per indicator in file order: `indicator`,
 *        `area`, `weight`, `direction`, `area_weight`, and `t2` … `t10`.
 * @param[out] out the new table (allocated with the rubric's allocator)
 * @param[in] rubric the rubric
 * @return ::IV_OK, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_rubric_table(iv_table **out, const iv_rubric *rubric);

/**
 * @brief The continuous level (1 … 10) that a value of one of the rubric's indicators
 *        reaches (doc/MATURITY.md; below t2 is exactly 1, at or beyond t10 is 10).
 * @param[in] rubric the rubric
 * @param[in] indicator the indicator name, `AREA.NAME`
 * @param[in] value the observed value (finite)
 * @param[out] level receives the level
 * @return ::IV_OK, ::IV_ENOTFOUND, ::IV_ERANGE (value not finite) or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_rubric_level(const iv_rubric *rubric, const char *indicator, double value,
                           double *level);

/**
 * @brief Create an empty indicator set.
 * @param[out] out the new set
 * @param[in] opts options, or NULL for the defaults
 * @return ::IV_OK, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_indicators_new(iv_indicators **out, const iv_maturity_options *opts);

/**
 * @brief Free an indicator set. Accepts NULL.
 * @param[in] ind the set
 * @since 0.1
 */
IV_API void iv_indicators_free(iv_indicators *ind);

/**
 * @brief Set a user-supplied value (a self-assessment answer, an external figure).
 *        It replaces any earlier value of the same indicator, derived or not, and is
 *        never replaced by iv_indicators_from_store().
 * @param[in] ind the set
 * @param[in] name `AREA.NAME`, AREA one of the eight areas
 * @param[in] value a finite number
 * @return ::IV_OK, ::IV_EINVAL (bad name), ::IV_ERANGE (value not finite), ::IV_ENOMEM
 * @since 0.1
 */
IV_API int iv_indicators_set(iv_indicators *ind, const char *name, double value);

/**
 * @brief Read a value.
 * @param[in] ind the set
 * @param[in] name `AREA.NAME`
 * @param[out] value receives the value
 * @return ::IV_OK, ::IV_ENOTFOUND or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_indicators_get(const iv_indicators *ind, const char *name, double *value);

/**
 * @brief Number of indicators in the set.
 * @param[in] ind the set
 * @return the count (0 for NULL)
 * @since 0.1
 */
IV_API size_t iv_indicators_count(const iv_indicators *ind);

/**
 * @brief Add user-supplied values from CSV text with the header `indicator,value`.
 *
 * Fields may be quoted (RFC 4180). A row with an empty value is skipped (the indicator
 * stays unobserved). An indicator given twice, a bad name or a value that is not a
 * finite number is an error naming the line; on any error the set is unchanged.
 * @param[in] ind the set
 * @param[in] text the CSV text (need not be NUL-terminated)
 * @param[in] len its length in bytes
 * @return ::IV_OK, ::IV_EPARSE, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_indicators_parse_csv(iv_indicators *ind, const char *text, size_t len);

/**
 * @brief Add user-supplied values from a CSV file with the header `indicator,value`,
 *        as iv_indicators_parse_csv(); errors are reported as `path:line: …`.
 * @param[in] ind the set
 * @param[in] path the file
 * @return ::IV_OK, ::IV_EIO, ::IV_EPARSE, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_indicators_load_csv(iv_indicators *ind, const char *path);

/**
 * @brief Derive the built-in indicators from a store over the period [@p from, @p to).
 *
 * Sets, as *derived* values, every built-in indicator that the data defines:
 * `technology.id_coverage`, `channels.active_channels`, `channels.digital_share`,
 * `channels.cpt`, `engagement.repeat_rate`, `engagement.rv_per_contact`,
 * `experience.desired_rate`, `experience.csat`, `experience.ces`, `experience.nps`,
 * `content.rv_per_interaction`, `business.iv`, `business.roi`, `business.cpt_trend`,
 * `analytics.outcome_coverage`, `analytics.value_coverage`, `analytics.survey_coverage`,
 * `governance.rejected_share`, `governance.cost_coverage` (definitions: doc/MATURITY.md).
 * A quantity that is undefined for the data (a ratio over nothing) is not set. Derived
 * values of an earlier call are dropped first; values the user supplied are kept. On
 * failure some derived values may already be set.
 * @param[in] ind the set
 * @param[in] store the store (prepared)
 * @param[in] model the scoring model, or NULL for the built-in default
 * @param[in] from start of the period (inclusive), ::IV_TIME_NONE for unbounded
 * @param[in] to end of the period (exclusive), ::IV_TIME_NONE for unbounded
 * @return ::IV_OK, ::IV_ESTATE (store not prepared), ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_indicators_from_store(iv_indicators *ind, const iv_store *store,
                                    const iv_model *model, int64_t from, int64_t to);

/**
 * @brief The set as a table sorted by name: `indicator`, `value`, `source`
 *        (`user` or `derived`).
 * @param[out] out the new table (allocated with the set's allocator)
 * @param[in] ind the set
 * @return ::IV_OK, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_indicators_table(iv_table **out, const iv_indicators *ind);

/**
 * @brief Assess maturity: the `iv maturity` table.
 *
 * One row per area, all eight in the order technology, channels, engagement,
 * experience, content, business, analytics, governance, with the columns `area`,
 * `score` (weighted mean of the observed indicators' continuous levels; undefined when
 * none is observed), `level` (floor of score), `staged_level` (floor of the lowest
 * observed indicator level), `coverage` (share of the area's indicators observed, 0…1;
 * undefined when the rubric gives the area no indicator), `missing` (list of the
 * unobserved indicator names) and `min` (undefined on area rows); then a row with
 * `area` = `overall` holding `score` (mean of the area scores weighted by the area
 * weights, over the areas with a score) and `min` (the lowest area score). Values in
 * @p ind that the rubric does not name are ignored.
 * @param[out] out the new table
 * @param[in] rubric the rubric
 * @param[in] ind the observed values
 * @param[in] opts allocator for the table, or NULL to use the rubric's
 * @return ::IV_OK, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_maturity_assess(iv_table **out, const iv_rubric *rubric, const iv_indicators *ind,
                              const iv_maturity_options *opts);

/**
 * @brief Year-on-year (or any period-on-period) comparison of two assessments.
 *
 * One row per row of @p current (matched to @p previous by `area`): `area`, `score`,
 * `previous`, `change` (score − previous), `relative_change` (change / previous),
 * `level`, `previous_level`. A score missing on either side makes the derived cells
 * undefined.
 * @param[out] out the new table (allocated with @p current's allocator)
 * @param[in] current the later assessment (a table from iv_maturity_assess())
 * @param[in] previous the earlier assessment
 * @return ::IV_OK, ::IV_ENOMEM or ::IV_EINVAL (a table without `area` and `score`)
 * @since 0.1
 */
IV_API int iv_maturity_compare(iv_table **out, const iv_table *current, const iv_table *previous);

/**
 * @brief Peer benchmark from CSV text with the header `peer,area,score` (columns in any
 *        order, others ignored; one row per peer and area; `area` one of the eight areas
 *        or `overall`; `score` a number in [1, 10] or empty for "not assessed").
 *
 * One row per row of @p assessment: `area`, `score`, `peers` (peers with a score for the
 * area), `peer_median`, `percentile` — the percentile rank of the score among the peers'
 * scores, 0…100: 100 × (peers below + ½ × peers equal) / peers (ties count half).
 * Undefined when the score is undefined or no peer has a score for the area.
 * @param[out] out the new table (allocated with @p assessment's allocator)
 * @param[in] assessment a table from iv_maturity_assess()
 * @param[in] text the CSV text (need not be NUL-terminated)
 * @param[in] len its length in bytes
 * @return ::IV_OK, ::IV_EPARSE (message names the line), ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_maturity_peers_parse(iv_table **out, const iv_table *assessment, const char *text,
                                   size_t len);

/**
 * @brief Peer benchmark from a CSV file, as iv_maturity_peers_parse(); errors are
 *        reported as `path:line: …`.
 * @param[out] out the new table
 * @param[in] assessment a table from iv_maturity_assess()
 * @param[in] peers_csv_path the peers file
 * @return ::IV_OK, ::IV_EIO, ::IV_EPARSE, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_maturity_peers(iv_table **out, const iv_table *assessment,
                             const char *peers_csv_path);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
