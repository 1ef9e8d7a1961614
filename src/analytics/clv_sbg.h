/* Internal: the shifted-beta-geometric kernels (clv_sbg.c). */
#ifndef IV_SRC_CLV_SBG_H
#define IV_SRC_CLV_SBG_H

#include "core.h"

/* clv_sbg.c: shifted-beta-geometric (periods, churned). */
int iv__sbg_check(double periods, double churned, size_t i);
double iv__sbg_one(const double *par, double periods, double churned, double *grad);
double iv__sbg_survival(const double *par, double t);
double iv__sbg_retention(const double *par, double t);
double iv__sbg_residual(const double *par, double periods, double discount);

#endif
