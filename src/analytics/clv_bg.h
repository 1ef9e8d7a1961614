/* Internal: the BG/NBD, MBG/NBD and Pareto/NBD kernels (clv_bg.c). */
#ifndef IV_SRC_CLV_BG_H
#define IV_SRC_CLV_BG_H

#include "core.h"

/* clv_bg.c: the BG/NBD mean function (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r
 * 2F1(r, b; a+b-1; t/(alpha+t))] for every a, b > 0 (NaN when not computable), and
 * log P(X(t) = x) of a new customer for BG/NBD (mbg 0), MBG/NBD (mbg 1), Pareto/NBD. */
double iv__bg_mean(double r, double alpha, double a, double b, double t);
/* iv__bg_mean, and in *evals (may be NULL) the series terms and quadrature nodes it
 * evaluated (the cost, for tests) */
double iv__bg_mean_cost(double r, double alpha, double a, double b, double t, long *evals);
double iv__bg_log_pmf(int mbg, const double *par, double t, double x);
double iv__pnbd_log_pmf(const double *par, double t, double x);

#endif
