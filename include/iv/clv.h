/**
 * @file iv/clv.h
 * @brief Customer lifetime value: the simple formula, the RFM summary of a store, and
 *        the BG/NBD, Pareto/NBD, MBG/NBD, BG/BB, shifted-BG and Gamma-Gamma models
 *        fitted by maximum likelihood, with standard errors.
 */
#ifndef IV_CLV_H
#define IV_CLV_H

#include <stddef.h>
#include <stdint.h>

#include "iv/common.h"
#include "iv/model.h"
#include "iv/store.h"
#include "iv/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup clv Customer lifetime value
 * @brief Buy-till-you-die models (formulas and methods in doc/CLV.md).
 *
 * Every customer is summarised by (x, t_x, T): x repeat transactions (the first one is
 * not counted), t_x the time from the first transaction to the last one, T the time
 * from the first transaction to the end of the calibration period, all in one time
 * unit (the unit of the model's rate parameters). Gamma-Gamma uses x and zbar, the
 * mean value of the x repeat transactions.
 *
 * The rate parameters alpha (BG/NBD, Pareto/NBD), beta (Pareto/NBD) and gamma
 * (Gamma-Gamma) are *rates* of gamma mixing distributions: the mean transaction rate
 * is r/alpha per time unit.
 *
 * A fitted model is immutable: any number of threads may predict from it at once.
 * @{
 */

/** @brief Opaque fitted (or given) model. @since 0.1 */
typedef struct iv_clv iv_clv;

/** @brief The models. @since 0.1 */
typedef enum iv_clv_model {
    IV_CLV_BGNBD = 1,  /**< BG/NBD (Fader, Hardie & Lee 2005): r, alpha, a, b */
    IV_CLV_PARETO = 2, /**< Pareto/NBD (Schmittlein, Morrison & Colombo 1987): r, alpha, s, beta */
    IV_CLV_GG = 3,     /**< Gamma-Gamma spend model (Fader & Hardie 2013): p, q, gamma */
    IV_CLV_MBGNBD = 4, /**< MBG/NBD (Batislam, Denizel & Filiztekin 2007): r, alpha, a, b;
                            input (x, t_x, T) as BG/NBD (@since 1.2) */
    IV_CLV_BGBB = 5,   /**< BG/BB (Fader, Hardie & Shang 2010): alpha, beta, gamma, delta;
                            input (x, t_x, n): x transactions in n discrete opportunities
                            after the first, the last in opportunity t_x (0 when x = 0);
                            n is passed as T (@since 1.2) */
    IV_CLV_SBG = 6     /**< shifted-beta-geometric (Fader & Hardie 2007): alpha, beta;
                            input (periods, churned): passed as x and t_x, T unused; a
                            customer for `periods` (>= 1) periods who cancelled at the end
                            of the last (churned 1) or is still active (0) (@since 1.2) */
} iv_clv_model;

/**
 * @brief Options for iv_clv_fit() and iv_clv_new(). Initialise with
 *        ::IV_CLV_OPTIONS_INIT or iv_clv_options_init(); fields are only appended.
 * @since 0.1
 */
typedef struct iv_clv_options {
    size_t size;             /**< sizeof(iv_clv_options) */
    iv_alloc_fn alloc;       /**< allocator hook, NULL for the default */
    void *alloc_ud;          /**< passed to @ref alloc */
    int max_iterations;      /**< optimiser iterations; 0 = default (500) */
    double tolerance;        /**< converged when every gradient component (with respect to
                                  the log of each parameter) is at most tolerance times
                                  (1 + |log-likelihood|); 0 = default (1e-9). Once the
                                  log-likelihood stops rising in floating point, a Newton
                                  step also decides: converged when it promises less than
                                  1e-12 (1 + |log-likelihood|) more (doc/CLV.md) */
    double start[4];         /**< starting values in the model's parameter order; 0 or NaN
                                  = the default start (doc/CLV.md) */
    iv_progress_fn progress; /**< called once per optimiser iteration; may be NULL */
    void *progress_payload;  /**< passed to @ref progress */
    double penalizer;        /**< L2 penalty lambda >= 0 exactly as lifetimes'
                                  `penalizer_coef` for the same model (doc/CLV.md); 0 = none
                                  (@since 1.2) */
    const double *weights;   /**< per-customer weights (counts of identical customers,
                                  each finite and >= 0), or NULL for 1 each (@since 1.2) */
    size_t covariates_purchase; /**< number k_p of time-invariant covariates on the purchase
                                     rate (BG/NBD, MBG/NBD, Pareto/NBD): customer i's rate
                                     parameter is alpha exp(-gamma_purchase . z_i); 0 = none
                                     (doc/CLV.md) (@since 1.2) */
    const double *z_purchase;   /**< n x k_p values, row-major (customer i's covariate j at
                                     [i k_p + j]), each finite (@since 1.2) */
    const char *const *names_purchase; /**< k_p names (parameters gamma_purchase.NAME), or
                                            NULL for z1, z2, ... (@since 1.2) */
    size_t covariates_dropout;  /**< number k_d of covariates on the dropout rate (Pareto/NBD
                                     only): beta exp(-gamma_dropout . z_i); 0 = none
                                     (@since 1.2) */
    const double *z_dropout;    /**< n x k_d values, row-major (@since 1.2) */
    const char *const *names_dropout; /**< k_d names (gamma_dropout.NAME), or NULL
                                           (@since 1.2) */
    int skip_se;                /**< non-zero: no standard errors (every `<name>_se`
                                     undefined), for a fit used only to predict: saves the
                                     2 x (number of parameters) gradient evaluations of the
                                     Hessian; the estimates are the same (@since 1.2) */
} iv_clv_options;

/** @brief Static initialiser for ::iv_clv_options. @since 0.1 */
#define IV_CLV_OPTIONS_INIT { sizeof(iv_clv_options), NULL, NULL, 0, 0.0, {0, 0, 0, 0}, NULL, NULL, 0.0, NULL, 0, NULL, NULL, 0, NULL, NULL, 0 }

/**
 * @brief Initialise options to the defaults.
 * @param[out] opts the options
 * @param[in] size sizeof(iv_clv_options) as the caller knows it
 * @return ::IV_OK or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_clv_options_init(iv_clv_options *opts, size_t size);

/**
 * @brief Fit a model by maximum likelihood.
 *
 * Identical customers are grouped first (a hash of (x, t_x, T), or of (x, zbar) for
 * Gamma-Gamma), so large populations fit in time proportional to the number of
 * distinct summaries. Gamma-Gamma uses only the customers with x > 0. A customer
 * whose first transaction is at the end of the calibration (T = 0, so x = t_x = 0) is
 * valid: its likelihood is 1 in BG/NBD and Pareto/NBD, so it only adds to the count.
 * A row with x > 0 and T = 0, or x = 0 and t_x > 0, is inconsistent and refused.
 * BG/BB takes (x, t_x, n) in (x, t_x, T); shifted-BG takes (periods, churned) in
 * (x, t_x) with T NULL (see ::iv_clv_model). Standard errors of every parameter come
 * from the observed information (iv_clv_get_param() with `<name>_se`).
 * @param[out] out receives the fitted model (free with iv_clv_free())
 * @param[in] model an ::iv_clv_model
 * @param[in] x repeat transactions per customer (>= 0)
 * @param[in] t_x recency per customer (0 <= t_x <= T); NULL for Gamma-Gamma; the
 *            churned flag (0/1) for shifted-BG
 * @param[in] T age per customer (>= 0), n for BG/BB; NULL for Gamma-Gamma and
 *            shifted-BG
 * @param[in] zbar mean repeat spend (> 0 where x > 0); Gamma-Gamma only, else NULL
 * @param[in] n number of customers
 * @param[in] opts options, or NULL for the defaults
 * @return ::IV_OK; ::IV_EINVAL (bad arguments), ::IV_ERANGE (a summary out of range: the
 *         message names the customer index), ::IV_EUNDEFINED (no repeat buyer for
 *         Gamma-Gamma, every T = 0, or a likelihood that rises towards the boundary of the
 *         parameter space: the message names the parameters, e.g. a -> 0 when the data
 *         show no dropout; with penalizer 0 the message suggests a penalty),
 *         ::IV_ENOCONV, ::IV_ECANCELED or ::IV_ENOMEM
 * @since 0.1
 */
IV_API int iv_clv_fit(iv_clv **out, int model, const double *x, const double *t_x,
                      const double *T, const double *zbar, size_t n,
                      const iv_clv_options *opts);

/**
 * @brief The model of one customer of a fit with covariates: the same model with
 *        alpha exp(-gamma_purchase . z_purchase) and (Pareto/NBD) beta exp(-gamma_dropout .
 *        z_dropout) as its rate parameters and no covariates, so that every prediction
 *        function gives that customer's prediction. (The fitted model itself predicts for
 *        a customer whose covariates are all 0.)
 * @param[in] clv a fitted model
 * @param[in] z_purchase the customer's k_p purchase covariates (NULL when k_p = 0)
 * @param[in] z_dropout the customer's k_d dropout covariates (NULL when k_d = 0)
 * @param[out] out receives the customer's model (free with iv_clv_free())
 * @return ::IV_OK, ::IV_EINVAL, ::IV_ERANGE (a covariate not finite, or a rate out of
 *         range) or ::IV_ENOMEM
 * @since 1.2
 */
IV_API int iv_clv_for_customer(const iv_clv *clv, const double *z_purchase,
                               const double *z_dropout, iv_clv **out);

/**
 * @brief A model with given parameters (for predictions from a stored fit).
 * @param[out] out receives the model
 * @param[in] model an ::iv_clv_model
 * @param[in] params the parameters in the model's order (3 for Gamma-Gamma, 2 for
 *            shifted-BG, else 4), each finite and > 0
 * @param[in] opts options (only the allocator is used), or NULL
 * @return ::IV_OK, ::IV_EINVAL, ::IV_ERANGE or ::IV_ENOMEM
 * @since 0.1
 */
IV_API int iv_clv_new(iv_clv **out, int model, const double *params, const iv_clv_options *opts);

/**
 * @brief Free a model. Accepts NULL.
 * @param[in] clv the model
 * @since 0.1
 */
IV_API void iv_clv_free(iv_clv *clv);

/**
 * @brief Which model this is.
 * @param[in] clv the model
 * @return an ::iv_clv_model, or 0 for NULL
 * @since 0.1
 */
IV_API int iv_clv_model_of(const iv_clv *clv);

/**
 * @brief The fit as a single-row table: the parameters named as in the papers
 *        (`r`, `alpha`, `a`, `b` / `r`, `alpha`, `s`, `beta` / `p`, `q`, `gamma` /
 *        `alpha`, `beta`, `gamma`, `delta` / `alpha`, `beta`), each followed by its
 *        standard error `<name>_se` (since 1.2; undefined for a model made by
 *        iv_clv_new() or when the information matrix is singular), then `loglik`
 *        (without the penalty) and `customers` (undefined for iv_clv_new()).
 * @param[in] clv the model
 * @param[out] out receives the table (free with iv_table_free())
 * @return ::IV_OK, ::IV_EINVAL or ::IV_ENOMEM
 * @since 0.1
 */
IV_API int iv_clv_params(const iv_clv *clv, iv_table **out);

/**
 * @brief One parameter, or its standard error, by its name in the papers.
 * @param[in] clv the model
 * @param[in] name `r`, `alpha`, `a`, `b`, `s`, `beta`, `p`, `q`, `gamma`, `delta`, or
 *            one of them with the suffix `_se` (since 1.2: the standard error, NaN when
 *            not available)
 * @param[out] out receives the value
 * @return ::IV_OK, ::IV_EINVAL or ::IV_ENOTFOUND (not a parameter of this model)
 * @since 0.1
 */
IV_API int iv_clv_get_param(const iv_clv *clv, const char *name, double *out);

/**
 * @brief The maximised log-likelihood (all constant terms kept) and the number of
 *        customers it is over.
 * @param[in] clv the model
 * @param[out] loglik receives the log-likelihood (NaN for iv_clv_new() models); may be NULL
 * @param[out] customers receives the customer count (0 for iv_clv_new()); may be NULL
 * @return ::IV_OK or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_clv_loglik(const iv_clv *clv, double *loglik, size_t *customers);

/**
 * @brief Expected transactions of a new customer in (0, t] (BG/NBD, MBG/NBD,
 *        Pareto/NBD), or in the first t opportunities (BG/BB).
 * @param[in] clv a transaction model
 * @param[in] t the horizon (>= 0), in the model's time unit (whole for BG/BB)
 * @param[out] out receives the expectation
 * @return ::IV_OK, ::IV_EINVAL, ::IV_ERANGE or ::IV_EUNDEFINED (not computable for
 *         these parameters: doc/CLV.md lists the limits)
 * @since 0.1
 */
IV_API int iv_clv_expected(const iv_clv *clv, double t, double *out);

/**
 * @brief Expected transactions in (T, T + t] of a customer with summary (x, t_x, T)
 *        (for BG/BB: in the next t opportunities of a customer (x, t_x, n)).
 * @param[in] clv a transaction model
 * @param[in] t the horizon (>= 0)
 * @param[in] x repeat transactions
 * @param[in] t_x recency
 * @param[in] T age (>= 0; at T = 0 the expectation of a new customer, iv_clv_expected())
 * @param[out] out receives the expectation
 * @return ::IV_OK, ::IV_EINVAL, ::IV_ERANGE or ::IV_EUNDEFINED
 * @since 0.1
 */
IV_API int iv_clv_conditional(const iv_clv *clv, double t, double x, double t_x, double T,
                              double *out);

/**
 * @brief Probability that a customer with summary (x, t_x, T) is still alive at T
 *        (BG/BB: alive at opportunity n + 1 of a customer (x, t_x, n)).
 * @param[in] clv a transaction model
 * @param[in] x repeat transactions
 * @param[in] t_x recency
 * @param[in] T age (>= 0; 1 at T = 0)
 * @param[out] out receives the probability, in [0, 1]
 * @return ::IV_OK, ::IV_EINVAL or ::IV_ERANGE
 * @since 0.1
 */
IV_API int iv_clv_p_alive(const iv_clv *clv, double x, double t_x, double T, double *out);

/**
 * @brief P(X(t) = x): the probability that a new customer makes exactly x repeat
 *        transactions in (0, t] (BG/NBD, MBG/NBD, Pareto/NBD), computed in log space.
 * @param[in] clv the model
 * @param[in] t the horizon (>= 0)
 * @param[in] x the count, a whole number in [0, 10^7]
 * @param[out] out receives the probability
 * @return ::IV_OK, ::IV_EINVAL (another model), ::IV_ERANGE or ::IV_EUNDEFINED
 * @since 1.2
 */
IV_API int iv_clv_pmf(const iv_clv *clv, double t, double x, double *out);

/**
 * @brief Shifted-BG survival S(t) = B(alpha, beta + t) / B(alpha, beta): the share of
 *        a cohort still active after t periods.
 * @param[in] sbg a shifted-BG model
 * @param[in] t whole periods (>= 0; S(0) = 1)
 * @param[out] out receives S(t)
 * @return ::IV_OK, ::IV_EINVAL or ::IV_ERANGE
 * @since 1.2
 */
IV_API int iv_clv_survival(const iv_clv *sbg, double t, double *out);

/**
 * @brief Shifted-BG retention rate of period t: S(t) / S(t - 1) =
 *        (beta + t - 1) / (alpha + beta + t - 1).
 * @param[in] sbg a shifted-BG model
 * @param[in] t whole period (>= 1)
 * @param[out] out receives the rate
 * @return ::IV_OK, ::IV_EINVAL or ::IV_ERANGE
 * @since 1.2
 */
IV_API int iv_clv_retention(const iv_clv *sbg, double t, double *out);

/**
 * @brief Shifted-BG expected residual lifetime of a customer still active after
 *        @p periods periods: the expected number of further periods,
 *        sum over k >= 1 of S(periods + k) / S(periods) (1 + discount)^-(k-1)
 *        (Fader & Hardie 2010, DERL).
 * @param[in] sbg a shifted-BG model
 * @param[in] periods whole periods survived (>= 1)
 * @param[in] discount discount rate per period (>= 0)
 * @param[out] out receives the expectation
 * @return ::IV_OK, ::IV_EINVAL, ::IV_ERANGE or ::IV_EUNDEFINED (infinite: discount 0
 *         with alpha <= 1)
 * @since 1.2
 */
IV_API int iv_clv_residual_lifetime(const iv_clv *sbg, double periods, double discount,
                                    double *out);

/**
 * @brief Expected value of a future transaction of a customer with x repeat
 *        transactions of mean value zbar: the Gamma-Gamma conditional mean
 *        (p (gamma + x zbar)) / (p x + q - 1); for x = 0 the population mean
 *        p gamma / (q - 1).
 * @param[in] gg a Gamma-Gamma model
 * @param[in] x repeat transactions (>= 0)
 * @param[in] zbar their mean value (ignored when x = 0)
 * @param[out] out receives the expected value
 * @return ::IV_OK, ::IV_EINVAL, ::IV_ERANGE or ::IV_EUNDEFINED (q <= 1 with x = 0)
 * @since 0.1
 */
IV_API int iv_clv_expected_spend(const iv_clv *gg, double x, double zbar, double *out);

/**
 * @brief Discounted CLV over a horizon: the horizon is cut into periods of length
 *        @p step (the last one may be shorter); period k contributes its expected
 *        transactions (the growth of iv_clv_conditional() over the period) times the
 *        expected spend, discounted by (1 + discount)^-k.
 * @param[in] tx a transaction model (BG/NBD, MBG/NBD or Pareto/NBD)
 * @param[in] gg a Gamma-Gamma model
 * @param[in] x repeat transactions
 * @param[in] t_x recency
 * @param[in] T age
 * @param[in] zbar mean repeat spend
 * @param[in] horizon the horizon (>= 0), in the models' time unit
 * @param[in] step period length (> 0), e.g. 4.345 weeks for monthly discounting
 * @param[in] discount discount rate per period (>= 0)
 * @param[out] out receives the value
 * @return ::IV_OK, ::IV_EINVAL, ::IV_ERANGE or ::IV_EUNDEFINED
 * @since 0.1
 */
IV_API int iv_clv_value(const iv_clv *tx, const iv_clv *gg, double x, double t_x, double T,
                        double zbar, double horizon, double step, double discount,
                        double *out);

/**
 * @brief The simple CLV: m r / (1 + d - r) (doc/CLV.md §4).
 * @param[in] m margin per period
 * @param[in] r retention rate per period, in [0, 1]
 * @param[in] d discount rate per period (>= 0)
 * @param[out] out receives the value
 * @return ::IV_OK, ::IV_EINVAL or ::IV_ERANGE
 * @since 0.1
 */
IV_API int iv_clv_simple(double m, double r, double d, double *out);

/** @brief Time unit of an RFM summary. @since 0.1 */
typedef enum iv_rfm_unit {
    IV_RFM_DAY = 0, /**< days */
    IV_RFM_WEEK = 1 /**< weeks (7 days) */
} iv_rfm_unit;

/**
 * @brief Options for iv_rfm(). Initialise with ::IV_RFM_OPTIONS_INIT or
 *        iv_rfm_options_init(); fields are only appended.
 * @since 0.1
 */
typedef struct iv_rfm_options {
    size_t size;               /**< sizeof(iv_rfm_options) */
    int64_t calibration_end;   /**< end of calibration (ms): the UTC day containing it is
                                    the last calibration day (inclusive);
                                    ::IV_TIME_NONE = the day of the store's last timestamp */
    int unit;                  /**< an ::iv_rfm_unit (default week) */
    const iv_model *model;     /**< the scoring model whose `purchase` flag selects the
                                    transactions; NULL = the built-in default */
    int64_t holdout_end;       /**< end of the holdout period (its UTC day inclusive);
                                    ::IV_TIME_NONE = the day of the store's last timestamp */
} iv_rfm_options;

/** @brief Static initialiser for ::iv_rfm_options. @since 0.1 */
#define IV_RFM_OPTIONS_INIT { sizeof(iv_rfm_options), IV_TIME_NONE, IV_RFM_WEEK, NULL, IV_TIME_NONE }

/**
 * @brief Initialise options to the defaults.
 * @param[out] opts the options
 * @param[in] size sizeof(iv_rfm_options) as the caller knows it
 * @return ::IV_OK or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_rfm_options_init(iv_rfm_options *opts, size_t size);

/**
 * @brief The RFM summary per contact from its `purchase`-flagged interactions.
 *
 * Transactions on one UTC day are merged into one whose value is the sum of theirs.
 * A contact's first purchase day must fall on or before the calibration end (others
 * are left out). Columns: `contact`, `x` (repeat purchase days in calibration),
 * `t_x` (first to last calibration purchase day), `T` (first purchase day to the
 * calibration end day), `zbar` (mean value of the repeat days, 0 when x = 0),
 * `first` (time of the first purchase), `holdout_x` (purchase days after the
 * calibration end up to the holdout end), `holdout_value` (their value).
 * @param[out] out receives the table, one row per contact in store contact order
 * @param[in] store the store
 * @param[in] opts options, or NULL for the defaults
 * @return ::IV_OK, ::IV_EINVAL or ::IV_ENOMEM
 * @since 0.1
 */
IV_API int iv_rfm(iv_table **out, const iv_store *store, const iv_rfm_options *opts);

/**
 * @brief Discrete-time summaries for BG/BB: per contact with a purchase on or before the
 *        calibration end, opportunities are the periods of @c unit after the one of its
 *        first purchase (period k starts k units after the first purchase day).
 *
 * Columns: `contact`, `x` (opportunities 1..n with a purchase), `t_x` (the last of them,
 * 0 when x = 0), `n` (opportunities that start on or before the calibration end),
 * `holdout_x` (opportunities after n with a purchase up to the holdout end),
 * `holdout_n` (opportunities starting after the calibration end up to the holdout end).
 * @param[out] out receives the table, one row per contact in store contact order
 * @param[in] store the store (prepared)
 * @param[in] opts options (calibration_end, holdout_end, unit, model), or NULL
 * @return ::IV_OK, ::IV_EINVAL, ::IV_ESTATE or ::IV_ENOMEM
 * @since 1.2
 */
IV_API int iv_rfm_discrete(iv_table **out, const iv_store *store, const iv_rfm_options *opts);

/**
 * @brief Contract summaries for the shifted-BG model: per contact with an interaction on
 *        or before the calibration end, from its first interaction (any type).
 *
 * A contact with a `churn`-flagged interaction on or before the calibration end cancelled
 * in period floor((churn day - first day) / unit) + 1: `periods` is that period and
 * `churned` 1. Any other contact is active through the whole periods up to the
 * calibration end (floor((end day - first day + 1) / unit)), or through 1 + its
 * `renewal` interactions (one per period) when that is more: `churned` 0. Contacts with
 * no whole period observed are left out.
 * @param[out] out receives the table (`contact`, `periods`, `churned`)
 * @param[in] store the store (prepared)
 * @param[in] opts options (calibration_end, unit, model), or NULL
 * @return ::IV_OK, ::IV_EINVAL, ::IV_ESTATE or ::IV_ENOMEM
 * @since 1.2
 */
IV_API int iv_contracts(iv_table **out, const iv_store *store, const iv_rfm_options *opts);

/**
 * @brief Options for iv_clv_validate() and iv_clv_validate_store(). Initialise with
 *        ::IV_CLV_VALIDATE_OPTIONS_INIT or iv_clv_validate_options_init(); fields are
 *        only appended.
 * @since 1.2
 */
typedef struct iv_clv_validate_options {
    size_t size;             /**< sizeof(iv_clv_validate_options) */
    iv_alloc_fn alloc;       /**< allocator hook of the table, NULL for the default */
    void *alloc_ud;          /**< passed to @ref alloc */
    const double *z_purchase; /**< for a model fitted with k_p purchase covariates: n x k_p
                                   values, row-major, one row per customer; each customer is
                                   then predicted by its own model (iv_clv_for_customer());
                                   NULL = every covariate 0. Ignored by
                                   iv_clv_validate_store() (the fit's are used) */
    const double *z_dropout;  /**< the same for the k_d dropout covariates (Pareto/NBD) */
    size_t *failed;           /**< when a customer's prediction fails, receives its index
                                   (as the message names it); may be NULL */
} iv_clv_validate_options;

/** @brief Static initialiser for ::iv_clv_validate_options. @since 1.2 */
#define IV_CLV_VALIDATE_OPTIONS_INIT { sizeof(iv_clv_validate_options), NULL, NULL, NULL, NULL, NULL }

/**
 * @brief Initialise validation options to the defaults.
 * @param[out] opts the options
 * @param[in] size sizeof(iv_clv_validate_options) as the caller knows it
 * @return ::IV_OK or ::IV_EINVAL
 * @since 1.2
 */
IV_API int iv_clv_validate_options_init(iv_clv_validate_options *opts, size_t size);

/**
 * @brief Calibration against holdout (doc/CLV.md, validation): the holdout purchases of
 *        each customer set against the model's conditional expectation over the holdout.
 *
 * Customer i has the calibration summary (x, t_x, T) the model was fitted on (BG/BB:
 * (x, t_x, n)), holdout_x[i] purchases in the holdout and a holdout of length
 * holdout_T[i] after T (BG/BB: holdout_n opportunities); its prediction is
 * iv_clv_conditional(clv, holdout_T[i], x, t_x, T). The table has the rows `x` = "0" ..
 * "6" and "7+" (customers by calibration repeat purchases x: `customers`, `actual` the
 * mean of holdout_x, `predicted` the mean prediction; both undefined when the row has no
 * customer) and a last row `x` = "all": `customers` all of them, `actual` and `predicted`
 * the totals (sums over the customers), and over customers the mean absolute error `mae`,
 * the root mean squared error `rmse` and the Pearson `correlation` of holdout_x and the
 * prediction (undefined when either is constant); the columns `mae`, `rmse` and
 * `correlation` are undefined in the other rows. Models: BG/NBD, MBG/NBD, Pareto/NBD
 * (with covariates: each customer at its own rates) and BG/BB; Gamma-Gamma (no purchase
 * counts) and shifted-BG (no transactions) are refused.
 * @param[out] out receives the table (free with iv_table_free())
 * @param[in] clv the model (usually fitted on the same x, t_x, T)
 * @param[in] x calibration repeat transactions per customer
 * @param[in] t_x calibration recency per customer
 * @param[in] T calibration age per customer (n for BG/BB)
 * @param[in] holdout_x holdout transactions per customer (finite, >= 0)
 * @param[in] holdout_T holdout length per customer (finite, >= 0; whole opportunities
 *            for BG/BB), in the model's time unit
 * @param[in] n number of customers (0 gives the rows with no customer)
 * @param[in] opts options, or NULL
 * @return ::IV_OK; ::IV_EINVAL (NULL argument, Gamma-Gamma or shifted-BG, covariates
 *         missing or given for a model without them); ::IV_ERANGE or ::IV_EUNDEFINED (a
 *         customer's summary out of range or its prediction undefined: the message names
 *         the customer index, also stored in opts->failed); ::IV_ENOMEM
 * @since 1.2
 */
IV_API int iv_clv_validate(iv_table **out, const iv_clv *clv, const double *x,
                           const double *t_x, const double *T, const double *holdout_x,
                           const double *holdout_T, size_t n,
                           const iv_clv_validate_options *opts);

/**
 * @brief Calibration against holdout from a store, as `iv clv validate`: the summaries of
 *        iv_rfm() (BG/BB: iv_rfm_discrete()) up to rfm->calibration_end, the model fitted
 *        on them with @p fit, and iv_clv_validate() over the holdout up to
 *        rfm->holdout_end (holdout length: the days from the calibration end day to the
 *        holdout end day, in rfm->unit; BG/BB: each contact's holdout_n).
 * @param[out] out receives the validation table (free with iv_table_free())
 * @param[out] fitted receives the calibration fit (free with iv_clv_free()); may be NULL
 * @param[in] store the store (prepared)
 * @param[in] model ::IV_CLV_BGNBD, ::IV_CLV_MBGNBD, ::IV_CLV_PARETO or ::IV_CLV_BGBB
 * @param[in] rfm calibration_end (required), holdout_end (::IV_TIME_NONE = the day of the
 *            store's last timestamp; not before the calibration end), unit, scoring model
 * @param[in] fit fit options (covariates: one row per contact in the order of the rows of
 *            iv_rfm() with these options), or NULL
 * @param[in] opts options (the allocator and failed), or NULL
 * @return ::IV_OK; ::IV_EINVAL (no calibration end, a holdout end before it, another
 *         model); ::IV_EUNDEFINED (no contact with a purchase on or before the calibration
 *         end); the errors of iv_rfm(), iv_clv_fit() and iv_clv_validate()
 * @since 1.2
 */
IV_API int iv_clv_validate_store(iv_table **out, iv_clv **fitted, const iv_store *store,
                                 int model, const iv_rfm_options *rfm,
                                 const iv_clv_options *fit,
                                 const iv_clv_validate_options *opts);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
