/* Internal: unconstrained minimisation for maximum-likelihood fits.
 *
 * Deterministic (no randomness, no global state), no allocation (dimension at most
 * IV__OPTIM_MAX_N). Callers optimise over transformed parameters (e.g. logs of
 * positive parameters) so that every point of R^n is valid. */
#ifndef IV_SRC_OPTIM_H
#define IV_SRC_OPTIM_H

#include <stddef.h>

#include "iv/common.h"

#define IV__OPTIM_MAX_N 16

/* The function to minimise. Returns f(x); when grad is not NULL also writes the
 * gradient there. A non-finite value means "outside the feasible region": the line
 * search backs off. */
typedef double (*iv__objective_fn)(const double *x, double *grad, void *ud);

/* The Hessian of the function at x (n x n, row-major, into H); returns 0 when it could
 * not be computed (H is then not used). */
typedef int (*iv__hessian_fn)(const double *x, double *H, void *ud);

typedef struct iv__optim_options {
    int max_iterations;     /* BFGS iterations (Nelder-Mead gets 40x as many steps) */
    double gtol;            /* converged when max |g_i| <= gtol * (1 + |f|) */
    double ftol;            /* or, once BFGS stalls (f stops decreasing in floating point),
                               when the Newton decrement g' H^-1 g / 2 (H positive definite,
                               by differences of the gradient) is <= ftol * (1 + |f|): the
                               decrease still available is below ftol relative */
    iv_progress_fn progress; /* called once per iteration; non-zero stops (IV_ECANCELED) */
    void *payload;
    iv__hessian_fn hessian; /* NULL, or the Hessian (same ud as f): BFGS starts from its
                               inverse at the start point when it is positive definite,
                               and Newton uses it instead of differencing the gradient */
    iv__hessian_fn hessian0; /* NULL, or an approximation of the Hessian (positive
                                definite) that BFGS starts from instead of `hessian` */
} iv__optim_options;

typedef struct iv__optim_result {
    double f;          /* value at the returned point */
    double gmax;       /* max |g_i| there */
    int iterations;    /* BFGS + Nelder-Mead iterations */
    int evaluations;   /* calls of the objective */
    int used_fallback; /* Nelder-Mead was needed */
    int stalled;       /* BFGS stopped because f no longer decreased */
    int newton_steps;  /* Newton steps taken by iv__optim_newton */
    double decrement;  /* the last Newton decrement g' H^-1 g / 2 (NaN if none) */
    int have_g;        /* BFGS or Newton returned IV_OK: g holds the gradient there */
    int stall_g;       /* BFGS stalled: g holds the gradient at the returned point, f its
                        * value, from which iv__optim_bfgs_newton starts Newton */
    double g[IV__OPTIM_MAX_N]; /* the gradient at the returned point (when have_g) */
} iv__optim_result;

/* Defaults: 500 iterations, gtol 1e-9, ftol 1e-12. */
void iv__optim_defaults(iv__optim_options *o);

/* BFGS with a backtracking Armijo line search (Nocedal & Wright, Numerical
 * Optimization, 2nd ed., algorithm 6.1 and 3.1; initial inverse Hessian scaled by
 * eq. 6.20). x holds the start and receives the best point found. Returns IV_OK (the
 * gradient test), IV_ENOCONV (x is still the best point found; res->stalled says whether
 * f had stopped decreasing: two steps in a row each gaining at most 8 ulps of f, or a
 * line search that found no lower value), IV_ECANCELED or IV_EINVAL. */
int iv__optim_bfgs(iv__objective_fn f, void *ud, size_t n, double *x,
                   const iv__optim_options *o, iv__optim_result *res);

/* Nelder-Mead simplex (Lagarias, Reeds, Wright & Wright 1998 coefficients) from x
 * with initial steps `step`; stops when the simplex values agree to ftol relative.
 * Needs no gradient (f is called with grad NULL). Returns IV_OK, IV_ENOCONV,
 * IV_ECANCELED or IV_EINVAL. */
int iv__optim_nelder_mead(iv__objective_fn f, void *ud, size_t n, double *x, double step,
                          double ftol, int max_iterations, const iv__optim_options *o,
                          iv__optim_result *res);

/* Newton's method with the Hessian from central differences of the gradient (Nocedal &
 * Wright section 8.1, eq. 8.7, symmetrised), a Cholesky factorisation, and a backtracking
 * line search; at most 10 steps. Converged (IV_OK) when the gradient test passes or the
 * Newton decrement lambda^2 / 2 = g' H^-1 g / 2 (Boyd & Vandenberghe, Convex
 * Optimization, section 9.5.1: the decrease a Newton step promises) is at most
 * ftol * (1 + |f|); that last step is still taken when it does not raise f by more
 * than rounding. IV_ENOCONV when H is not positive definite (not a strict local
 * minimum: e.g. a parameter running off to a boundary) or no step gets there. */
int iv__optim_newton(iv__objective_fn f, void *ud, size_t n, double *x,
                     const iv__optim_options *o, iv__optim_result *res);

/* BFGS; when it stalls (res->stalled), Newton steps (iv__optim_newton) decide. */
int iv__optim_bfgs_newton(iv__objective_fn f, void *ud, size_t n, double *x,
                          const iv__optim_options *o, iv__optim_result *res);

/* The fallback after iv__optim_bfgs_newton failed: Nelder-Mead from the best point, then
 * BFGS (and Newton) again to polish. IV_OK only when the final gradient or decrement test
 * passes. */
int iv__optim_fallback(iv__objective_fn f, void *ud, size_t n, double *x,
                       const iv__optim_options *o, iv__optim_result *res);

/* iv__optim_bfgs_newton, then iv__optim_fallback when it did not converge. */
int iv__optim_minimize(iv__objective_fn f, void *ud, size_t n, double *x,
                       const iv__optim_options *o, iv__optim_result *res);

/* The Hessian of f at x by central differences of its gradient (Nocedal & Wright eq.
 * 8.7, steps h * max(1, |x_j|), symmetrised): H is n x n, row-major. 2n gradient calls.
 * IV_OK, or IV_EUNDEFINED when a gradient is not finite. */
int iv__optim_hessian(iv__objective_fn f, void *ud, size_t n, const double *x, double h,
                      double *H);

/* The inverse of a symmetric positive definite n x n matrix A (row-major) by Cholesky
 * factorisation, into Ainv. 0 when A is not positive definite. */
int iv__optim_spd_inverse(size_t n, const double *A, double *Ainv);

/* Central-difference gradient of f at x (2n evaluations, steps h * max(1, |x_i|)). */
void iv__optim_numgrad(iv__objective_fn f, void *ud, size_t n, const double *x, double h,
                       double *grad);

#endif
