/* Internal: the BG/BB kernels (clv_bgbb.c). */
#ifndef IV_SRC_CLV_BGBB_H
#define IV_SRC_CLV_BGBB_H

#include "core.h"

/* clv_bgbb.c: BG/BB (x, t_x, n). */
int iv__bgbb_check(double x, double tx, double n, size_t i);
double iv__bgbb_one(const double *par, double x, double tx, double n, double *grad);
/* One pass over the sum of the BG/BB likelihood (clv_bgbb.c), shared by customers with
 * the same x and t_x: init for (x, t_x), then iv__bgbb_pass_at for each n in
 * non-decreasing order gives log L of (x, t_x, n) and, when the pass was made with
 * grad set, its derivatives in g[0..3] (g may be NULL). */
typedef struct iv__bgbb_pass {
    double al, be, ga, de, x, tx;
    double lbab, lbgd, c[4];  /* log B(al,be), log B(ga,de); d log B / d(al,be,ga,de) */
    double logT0;             /* log T_0 */
    double q;                 /* T_i / T_0 of the next term i */
    double S, G[4];           /* sum of T_j/T_0 over j < i, and of T_j/T_0 d log T_j */
    double e[4];              /* d log T_i / d(al,be,ga,de) + c: the moving digamma parts */
    double y, k, V, s1;       /* y, k of term i; V; s - 1 */
    long i;                   /* terms added */
    int grad, done;           /* gradients wanted; the tail is negligible */
} iv__bgbb_pass;
void iv__bgbb_pass_init(iv__bgbb_pass *z, const double *par, double x, double tx, int grad);
double iv__bgbb_pass_at(iv__bgbb_pass *z, double n, double *g);
double iv__bgbb_p_alive(const double *par, double x, double tx, double n);
double iv__bgbb_expected(const double *par, double n);
double iv__bgbb_conditional(const double *par, double nstar, double x, double tx, double n);

#endif
