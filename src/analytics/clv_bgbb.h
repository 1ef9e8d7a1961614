/* Internal: the BG/BB kernels (clv_bgbb.c). */
#ifndef IV_SRC_CLV_BGBB_H
#define IV_SRC_CLV_BGBB_H

#include "core.h"

/* clv_bgbb.c: BG/BB (x, t_x, n). */
int iv__bgbb_check(double x, double tx, double n, size_t i);
double iv__bgbb_one(const double *par, double x, double tx, double n, double *grad);
double iv__bgbb_p_alive(const double *par, double x, double tx, double n);
double iv__bgbb_expected(const double *par, double n);
double iv__bgbb_conditional(const double *par, double nstar, double x, double tx, double n);

#endif
