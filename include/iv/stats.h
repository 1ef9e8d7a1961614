/**
 * @file iv/stats.h
 * @brief Statistical kernels and the segment-versus-segment comparison (doc/PATTERN.md and the
 *        `iv compare` shape).
 */
#ifndef IV_STATS_H
#define IV_STATS_H

#include "iv/common.h"
#include "iv/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup stats Statistics
 * @brief Normal and Student t distributions, Welch's t-test, the Mann-Whitney U test,
 *        Cliff's delta and the two-sample comparison behind `iv compare`.
 *
 * Accuracy: the distribution functions agree with SciPy 1.10 (and with mpmath at 50
 * digits) to 1e-9 relative or better, for Student t degrees of freedom from 0.5 to 1e9
 * (fractional allowed) and probabilities down to 1e-300. Tail probabilities are computed
 * directly, never as 1 - cdf. Undefined results are NaN, never 0 or infinity.
 * @{
 */

/**
 * @brief Standard normal cumulative distribution function P(Z <= x).
 * @param[in] x the point
 * @return the probability (accurate relative to its own size, also in the lower tail)
 * @since 0.1
 */
IV_API double iv_stats_normal_cdf(double x);

/**
 * @brief Standard normal survival function P(Z > x), computed directly.
 * @param[in] x the point
 * @return the probability
 * @since 0.1
 */
IV_API double iv_stats_normal_sf(double x);

/**
 * @brief Standard normal quantile: the x with P(Z <= x) = p.
 * @param[in] p probability in [0, 1]; 0 gives -infinity, 1 gives +infinity
 * @return the quantile, NaN when @p p is outside [0, 1] or NaN
 * @since 0.1
 */
IV_API double iv_stats_normal_quantile(double p);

/**
 * @brief Student t cumulative distribution function P(T <= t).
 * @param[in] t the point
 * @param[in] df degrees of freedom, > 0 (fractional allowed; infinity gives the normal)
 * @return the probability, NaN when @p df <= 0 or an argument is NaN
 * @since 0.1
 */
IV_API double iv_stats_t_cdf(double t, double df);

/**
 * @brief Student t survival function P(T > t), computed directly.
 * @param[in] t the point
 * @param[in] df degrees of freedom, > 0
 * @return the probability, NaN when @p df <= 0 or an argument is NaN
 * @since 0.1
 */
IV_API double iv_stats_t_sf(double t, double df);

/**
 * @brief Student t quantile: the t with P(T <= t) = p.
 *
 * For an upper-tail probability q close to 0 call it with p = q and negate the result
 * (the distribution is symmetric), which keeps full relative accuracy.
 * @param[in] p probability in [0, 1]
 * @param[in] df degrees of freedom, > 0
 * @return the quantile; -/+infinity for p = 0 / 1 or when the quantile is beyond the
 *         range of a double (tiny p with tiny df); NaN for invalid arguments
 * @since 0.1
 */
IV_API double iv_stats_t_quantile(double p, double df);

/** @brief How iv_stats_mwu() computes its p-value. @since 0.1 */
typedef enum iv_mwu_method {
    IV_MWU_AUTO = 0,       /**< SciPy 1.10's rule: exact when min(n_a, n_b) <= 8 and there
                                are no ties, otherwise the normal approximation */
    IV_MWU_EXACT = 1,      /**< the exact null distribution (no tie correction) */
    IV_MWU_ASYMPTOTIC = 2  /**< the tie-corrected normal approximation */
} iv_mwu_method;

/**
 * @brief Options for the tests and iv_stats_compare(). Initialise with
 *        ::IV_STATS_OPTIONS_INIT or iv_stats_options_init(); fields are only appended.
 * @since 0.1
 */
typedef struct iv_stats_options {
    size_t size;          /**< sizeof(iv_stats_options) as the caller knows it */
    iv_alloc_fn alloc;    /**< allocator hook, NULL for malloc/realloc/free */
    void *alloc_ud;       /**< user data for @ref alloc */
    double confidence;    /**< level of the mean-difference interval (default 0.95) */
    int mwu_method;       /**< an ::iv_mwu_method (default ::IV_MWU_AUTO) */
    int mwu_continuity;   /**< 1: continuity correction of 1/2 in the normal approximation,
                               as SciPy's default use_continuity=True (default 1) */
} iv_stats_options;

/** @brief Initialiser for ::iv_stats_options. @since 0.1 */
#define IV_STATS_OPTIONS_INIT { sizeof(iv_stats_options), NULL, NULL, 0.95, IV_MWU_AUTO, 1 }

/**
 * @brief Fill @p opts with the defaults (for bindings, which cannot use the macro).
 * @param[out] opts the options
 * @param[in] size sizeof(iv_stats_options) as the caller knows it
 * @return ::IV_OK or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_stats_options_init(iv_stats_options *opts, size_t size);

/**
 * @brief Welch's unequal-variances t-test (Welch 1947), two-sided.
 *
 * t = (mean_a - mean_b) / sqrt(s_a^2/n_a + s_b^2/n_b) with sample variances (n - 1
 * denominators); df by the Welch-Satterthwaite equation; p = 2 P(T_df > |t|). NaN values
 * are ignored. Every output is NaN when a sample has fewer than 2 values or both have
 * zero variance.
 * @param[in] a first sample
 * @param[in] na its length
 * @param[in] b second sample
 * @param[in] nb its length
 * @param[out] t the statistic (may be NULL)
 * @param[out] df the degrees of freedom (may be NULL)
 * @param[out] p the two-sided p-value (may be NULL)
 * @return ::IV_OK, or ::IV_EINVAL for a NULL sample with a non-zero length or an
 *         infinite value
 * @since 0.1
 */
IV_API int iv_stats_welch(const double *a, size_t na, const double *b, size_t nb,
                          double *t, double *df, double *p);

/**
 * @brief Two-sided Mann-Whitney U test (Mann & Whitney 1947), as SciPy 1.10's
 *        `mannwhitneyu(a, b)` with its defaults (or as set by @p opts).
 *
 * U is the statistic of sample @p a: the number of pairs with a_i > b_j plus half the
 * ties. The normal approximation uses the tie-corrected variance and, by default, the
 * continuity correction; the exact p-value is 2 P(U' >= max(U, n_a n_b - U)) under the
 * null distribution, clipped to 1. NaN values are ignored.
 * @param[in] a first sample
 * @param[in] na its length
 * @param[in] b second sample
 * @param[in] nb its length
 * @param[in] opts options (method, continuity, allocator), or NULL for the defaults
 * @param[out] u U of sample a (NaN when a sample is empty; may be NULL)
 * @param[out] p the two-sided p-value (NaN when a sample is empty; may be NULL)
 * @param[out] exact set to 1 when the exact distribution was used, else 0 (may be NULL)
 * @return ::IV_OK, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_stats_mwu(const double *a, size_t na, const double *b, size_t nb,
                        const iv_stats_options *opts, double *u, double *p, int *exact);

/**
 * @brief Cliff's delta (Cliff 1993): (#(a_i > b_j) - #(a_i < b_j)) / (n_a n_b).
 * @param[in] a first sample
 * @param[in] na its length
 * @param[in] b second sample
 * @param[in] nb its length
 * @param[in] opts options (allocator), or NULL
 * @param[out] delta the value in [-1, 1], NaN when a sample is empty
 * @return ::IV_OK, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_stats_cliffs_delta(const double *a, size_t na, const double *b, size_t nb,
                                 const iv_stats_options *opts, double *delta);

/**
 * @brief Compare two samples of a per-contact metric: one single-result row with the
 *        columns of `iv compare`.
 *
 * Columns, in order: `n_a`, `n_b` (INT), `mean_a`, `mean_b`, `median_a`, `median_b`,
 * `diff` (mean_a - mean_b), `diff_ci_low`, `diff_ci_high` (Welch interval at
 * opts->confidence, default 95%), `welch_t`, `welch_df`, `welch_p`, `mwu_u` (U of sample
 * a), `mwu_p`, `cliffs_delta` (DOUBLE). NaN inputs are dropped before counting. A cell is
 * undefined where its quantity is: means and medians of an empty sample, the Welch
 * columns and the interval when a sample has fewer than 2 values (or both variances are
 * 0), the rank statistics when a sample is empty.
 * @param[out] out the table; free it with iv_table_free()
 * @param[in] a first sample
 * @param[in] na its length
 * @param[in] b second sample
 * @param[in] nb its length
 * @param[in] opts options, or NULL for the defaults
 * @return ::IV_OK, ::IV_ENOMEM, or ::IV_EINVAL (NULL argument, infinite value, bad option)
 * @since 0.1
 */
IV_API int iv_stats_compare(iv_table **out, const double *a, size_t na, const double *b,
                            size_t nb, const iv_stats_options *opts);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
