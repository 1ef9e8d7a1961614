/* Internal: CLV model kernels shared by the fit, the predictions and the tests. */
#ifndef IV_SRC_CLV_H
#define IV_SRC_CLV_H

#include "core.h"
#include "iv/clv.h"

#define IV__CLV_MAXP 4
/* Covariates in all (purchase + dropout): the optimiser takes 16 dimensions. */
#define IV__CLV_MAXCOV 12
/* A covariate's parameter name, "gamma_dropout." and the name, NUL included. */
#define IV__CLV_NAMECAP 96

/* A fitted or given model (src/analytics/clv.c). */
struct iv_clv {
    iv__alloc alloc;
    int model;
    double par[IV__CLV_MAXP];
    double se[IV__CLV_MAXP]; /* standard errors; NaN when not fitted or not available */
    double loglik;           /* NaN when not fitted */
    size_t customers;        /* customers the fit used */
    double penalizer;        /* the penalty the fit used */
    /* covariates (doc/CLV.md): kp on the purchase rate, then kd on the dropout rate */
    size_t kp, kd;
    double gam[IV__CLV_MAXCOV];
    double gam_se[IV__CLV_MAXCOV];
    char gname[IV__CLV_MAXCOV][IV__CLV_NAMECAP]; /* "gamma_purchase.NAME" */
    char gsename[IV__CLV_MAXCOV][IV__CLV_NAMECAP + 3];
};

/* Number of parameters of a model (4, 4, 3, 4, 4, 2), 0 for an unknown model. */
int iv__clv_npar(int model);

/* Log-likelihood of n customers at the given parameters, summed customer by customer
 * without grouping (an independent path from the grouped fit). zbar only for GG (where
 * customers with x = 0 are skipped); t_x, T only for the transaction models (T = n for
 * BG/BB; for sBG x = periods, t_x = churned and T unused). */
int iv__clv_loglik_at(int model, const double *par, const double *x, const double *t_x,
                      const double *T, const double *zbar, size_t n, double *out);

/* The grouped log-likelihood the fit maximises and its analytic gradient with respect to
 * the parameters (not their logs), at par: *ll and grad[0..npar-1]. Same arguments as
 * iv__clv_loglik_at. IV_OK, IV_ERANGE, IV_EINVAL or IV_ENOMEM. */
int iv__clv_grad_at(int model, const double *par, const double *x, const double *t_x,
                    const double *T, const double *zbar, size_t n, double *ll, double *grad);

/* The covariate fit's objective at u = (log r, log alpha, log a|s, log b|beta,
 * gamma_purchase, gamma_dropout) for the covariates of opts (every column used, none all
 * zero): *ll = log L, grad (may be NULL) d log L / du and hess (may be NULL) its Hessian
 * in u, row-major, as the fit uses them (doc/CLV.md section 13): central (the standard
 * errors') or forward (the optimiser's) differences per customer. For tests. IV_OK,
 * IV_EINVAL, IV_ERANGE, IV_EUNDEFINED (not finite there) or IV_ENOMEM. */
int iv__clv_cov_eval(int model, const double *u, const double *x, const double *t_x,
                     const double *T, size_t n, const iv_clv_options *opts, double *ll,
                     double *grad, double *hess, int central);

/* iv_clv_conditional with the BG/NBD and MBG/NBD mean function part (which depends on x, T
 * and t only) taken from *mean when it is not NaN, else computed and stored there (other
 * models leave it NaN): callers with many customers compute it once per distinct (x, T,
 * t); the value is bit for bit iv_clv_conditional's. */
int iv__clv_conditional_at(const iv_clv *clv, double t, double x, double t_x, double T,
                           double *mean, double *out);

/* The grouping of identical customer summaries that the fits use, for callers that
 * compute something once per distinct tuple: rows i < n grouped by (src[0][i], ...,
 * src[nk-1][i]), nk <= 4, keys equal bit for bit (-0 as +0); map[i] receives row i's
 * group, *m the number of groups. IV_OK, IV_ENOMEM or IV_ERANGE (n >= 2^32 - 1). */
int iv__clv_group_map(const iv__alloc *a, size_t n, const double *const *src, int nk, uint32_t *map,
                      size_t *m);

/* iv_clv_fit, with the standard errors only when want_se (benchmarks measure their cost). */
int iv__clv_fit_ex(iv_clv **out, int model, const double *x, const double *t_x, const double *T,
                   const double *zbar, size_t n, const iv_clv_options *opts, int want_se);

/* iv_rfm_discrete and iv_contracts, with (with_first) a last column `first`: the day
 * number (days since 1970-01-01 UTC) of the contact's first purchase (discrete) or
 * first interaction (contracts), for the partials of doc/SUMMARIES.md. */
int iv__rfm_discrete_ex(iv_table **out, const iv_store *store, const iv_rfm_options *opts, int with_first);
int iv__contracts_ex(iv_table **out, const iv_store *store, const iv_rfm_options *opts, int with_first);

/* The model kernels, each in its own file. */
#include "clv_bg.h"
#include "clv_bgbb.h"
#include "clv_sbg.h"

#endif
