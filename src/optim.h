/* Internal: unconstrained minimisation for maximum-likelihood fits.
 *
 * Deterministic (no randomness, no global state), no allocation (dimension at most
 * IV__OPTIM_MAX_N). Callers optimise over transformed parameters (e.g. logs of
 * positive parameters) so that every point of R^n is valid. */
#ifndef IV_SRC_OPTIM_H
#define IV_SRC_OPTIM_H

#include <stddef.h>

#include "iv/common.h"

#define IV__OPTIM_MAX_N 8

/* The function to minimise. Returns f(x); when grad is not NULL also writes the
 * gradient there. A non-finite value means "outside the feasible region": the line
 * search backs off. */
typedef double (*iv__objective_fn)(const double *x, double *grad, void *ud);

typedef struct iv__optim_options {
    int max_iterations;     /* BFGS iterations (Nelder-Mead gets 40x as many steps) */
    double gtol;            /* converged when max |g_i| <= gtol * (1 + |f|) */
    iv_progress_fn progress; /* called once per iteration; non-zero stops (IV_ECANCELED) */
    void *payload;
} iv__optim_options;

typedef struct iv__optim_result {
    double f;          /* value at the returned point */
    double gmax;       /* max |g_i| there */
    int iterations;    /* BFGS + Nelder-Mead iterations */
    int evaluations;   /* calls of the objective */
    int used_fallback; /* Nelder-Mead was needed */
} iv__optim_result;

/* Defaults: 500 iterations, gtol 1e-9. */
void iv__optim_defaults(iv__optim_options *o);

/* BFGS with a backtracking Armijo line search (Nocedal & Wright, Numerical
 * Optimization, 2nd ed., algorithm 6.1 and 3.1; initial inverse Hessian scaled by
 * eq. 6.20). x holds the start and receives the best point found. Returns IV_OK,
 * IV_ENOCONV (x is still the best point found), IV_ECANCELED or IV_EINVAL. */
int iv__optim_bfgs(iv__objective_fn f, void *ud, size_t n, double *x,
                   const iv__optim_options *o, iv__optim_result *res);

/* Nelder-Mead simplex (Lagarias, Reeds, Wright & Wright 1998 coefficients) from x
 * with initial steps `step`; stops when the simplex values agree to ftol relative.
 * Needs no gradient (f is called with grad NULL). Returns IV_OK, IV_ENOCONV,
 * IV_ECANCELED or IV_EINVAL. */
int iv__optim_nelder_mead(iv__objective_fn f, void *ud, size_t n, double *x, double step,
                          double ftol, int max_iterations, const iv__optim_options *o,
                          iv__optim_result *res);

/* BFGS; when it fails to converge, Nelder-Mead from the best point, then BFGS again
 * to polish. IV_OK only when the final gradient test passes. */
int iv__optim_minimize(iv__objective_fn f, void *ud, size_t n, double *x,
                       const iv__optim_options *o, iv__optim_result *res);

/* Central-difference gradient of f at x (2n evaluations, steps h * max(1, |x_i|)). */
void iv__optim_numgrad(iv__objective_fn f, void *ud, size_t n, const double *x, double h,
                       double *grad);

#endif
