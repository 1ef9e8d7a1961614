/* Internal: CLV model kernels shared by the fit, the predictions and the tests. */
#ifndef IV_SRC_CLV_H
#define IV_SRC_CLV_H

#include "core.h"
#include "iv/clv.h"

#define IV__CLV_MAXP 4

/* A fitted or given model (src/analytics/clv.c). */
struct iv_clv {
    iv__alloc alloc;
    int model;
    double par[IV__CLV_MAXP];
    double se[IV__CLV_MAXP]; /* standard errors; NaN when not fitted or not available */
    double loglik;           /* NaN when not fitted */
    size_t customers;        /* customers the fit used */
    double penalizer;        /* the penalty the fit used */
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

/* 16-point Gauss-Legendre rule on [-1, 1]: the nodes >= 0 and their weights. */
extern const double iv__gl16[8][2];

/* clv_bg.c: the BG/NBD mean function (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r
 * 2F1(r, b; a+b-1; t/(alpha+t))] for every a, b > 0 (NaN when not computable), and
 * log P(X(t) = x) of a new customer for BG/NBD (mbg 0), MBG/NBD (mbg 1), Pareto/NBD. */
double iv__bg_mean(double r, double alpha, double a, double b, double t);
double iv__bg_log_pmf(int mbg, const double *par, double t, double x);
double iv__pnbd_log_pmf(const double *par, double t, double x);

/* clv_bgbb.c: BG/BB (x, t_x, n). */
int iv__bgbb_check(double x, double tx, double n, size_t i);
double iv__bgbb_one(const double *par, double x, double tx, double n, double *grad);
double iv__bgbb_p_alive(const double *par, double x, double tx, double n);
double iv__bgbb_expected(const double *par, double n);
double iv__bgbb_conditional(const double *par, double nstar, double x, double tx, double n);

/* clv_sbg.c: shifted-beta-geometric (periods, churned). */
int iv__sbg_check(double periods, double churned, size_t i);
double iv__sbg_one(const double *par, double periods, double churned, double *grad);
double iv__sbg_survival(const double *par, double t);
double iv__sbg_retention(const double *par, double t);
double iv__sbg_residual(const double *par, double periods, double discount);

#endif
