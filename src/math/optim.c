/* Unconstrained minimisation: BFGS with a backtracking line search, Nelder-Mead as
 * the fallback. Our own implementation of the textbook algorithms cited in optim.h. */
#include <math.h>

#include "core.h"
#include "optim.h"

#define IV__MAX_STEP 4.0   /* largest move per coordinate in one line search */
#define IV__ARMIJO 1e-4    /* sufficient-decrease constant c1 */
/* Relative change of f that is rounding, not progress: an objective that sums thousands
 * of terms (a log-likelihood) carries an error of a few ulps of each term, so about
 * sqrt(terms) * 1e-16 relative; 1e-14 covers 10^4 terms. */
#define IV__FNOISE 1e-14
#define IV__NEWTON_STEPS 10

void iv__optim_defaults(iv__optim_options *o)
{
    memset(o, 0, sizeof *o);
    o->max_iterations = 500;
    o->gtol = 1e-9;
    o->ftol = 1e-12;
}

static double gmax_of(size_t n, const double *g)
{
    double m = 0;
    size_t i;
    for (i = 0; i < n; i++)
        if (!(fabs(g[i]) <= m)) /* NaN propagates as "not converged" */
            m = isnan(g[i]) ? INFINITY : fabs(g[i]);
    return m;
}

static int cancelled(const iv__optim_options *o, int iter, int max)
{
    return o->progress && o->progress((uint64_t)iter, (uint64_t)max, o->payload) != 0;
}

/* Keep g, the gradient at the point returned, in res (the caller's standard errors need
 * it there: one evaluation fewer); IV_OK. */
static int keep_gradient(iv__optim_result *res, size_t n, const double *g)
{
    memcpy(res->g, g, n * sizeof *g);
    res->have_g = 1;
    return IV_OK;
}

/* BFGS stalls: the gradient g at the point it returns (res->f its value) is kept for
 * Newton's start, which would otherwise evaluate the objective there again. */
static void stall_at(iv__optim_result *res, size_t n, const double *g)
{
    res->stalled = 1;
    memcpy(res->g, g, n * sizeof *g);
    res->stall_g = 1;
}

static int check_args(size_t n, const double *x, const iv__optim_options *o)
{
    size_t i;
    if (n == 0 || n > IV__OPTIM_MAX_N || !x || !o)
        return iv__error(IV_EINVAL, "optimiser: bad dimension or NULL argument");
    for (i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return iv__error(IV_EINVAL, "optimiser: start value %zu is not finite", i);
    return IV_OK;
}

int iv__optim_bfgs(iv__objective_fn f, void *ud, size_t n, double *x,
                   const iv__optim_options *o, iv__optim_result *res)
{
    double H[IV__OPTIM_MAX_N][IV__OPTIM_MAX_N], g[IV__OPTIM_MAX_N], p[IV__OPTIM_MAX_N];
    double xn[IV__OPTIM_MAX_N], gn[IV__OPTIM_MAX_N], s[IV__OPTIM_MAX_N], y[IV__OPTIM_MAX_N];
    double fx, Hy[IV__OPTIM_MAX_N];
    size_t i, j;
    int it, rc, scaled = 0, flat = 0;

    if ((rc = check_args(n, x, o)) != IV_OK)
        return rc;
    res->stalled = 0;
    res->have_g = 0;
    res->stall_g = 0;
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            H[i][j] = i == j;
    fx = f(x, g, ud);
    res->evaluations++;
    if (!isfinite(fx) || !isfinite(gmax_of(n, g)))
        return iv__error(IV_ENOCONV, "optimiser: the objective is not finite at the start");
    if (o->hessian || o->hessian0) { /* start from the inverse of the given Hessian when SPD */
        double Hx[IV__OPTIM_MAX_N * IV__OPTIM_MAX_N], Hi[IV__OPTIM_MAX_N * IV__OPTIM_MAX_N];
        iv__hessian_fn h0 = o->hessian0 ? o->hessian0 : o->hessian;
        if (h0(x, Hx, ud) && iv__optim_spd_inverse(n, Hx, Hi)) {
            for (i = 0; i < n; i++)
                for (j = 0; j < n; j++)
                    H[i][j] = Hi[i * n + j];
            scaled = 1;
        }
    }
    for (it = 0;; it++) {
        double slope = 0, alpha = 1, pmax = 0, fn = NAN, sy = 0, ss = 0, yy = 0, yHy = 0;
        int ls;
        res->f = fx;
        res->gmax = gmax_of(n, g);
        if (res->gmax <= o->gtol * (1 + fabs(fx)))
            return keep_gradient(res, n, g);
        if (it >= o->max_iterations)
            return iv__error(IV_ENOCONV, "BFGS: no convergence in %d iterations (gradient %g)",
                             it, res->gmax);
        if (cancelled(o, it, o->max_iterations))
            return iv__error(IV_ECANCELED, "fit cancelled by the progress callback");
        res->iterations++;
        /* search direction p = -H g; reset to steepest descent if not downhill */
        for (i = 0; i < n; i++) {
            p[i] = 0;
            for (j = 0; j < n; j++)
                p[i] -= H[i][j] * g[j];
            slope += p[i] * g[i];
        }
        if (!(slope < 0)) {
            for (i = 0; i < n; i++) {
                for (j = 0; j < n; j++)
                    H[i][j] = i == j;
                p[i] = -g[i];
            }
            slope = 0;
            for (i = 0; i < n; i++)
                slope -= g[i] * g[i];
            scaled = 0;
        }
        /* with an exact Hessian at hand, a quasi-Newton step that promises no more than
         * rounding (-slope / 2 = g'Hg / 2) is not tried: Newton's method decides */
        if (o->hessian && -slope / 2 <= IV__FNOISE * (1 + fabs(fx))) {
            stall_at(res, n, g);
            return iv__error(IV_ENOCONV, "BFGS: the step promises only rounding after %d "
                             "iterations (gradient %g)", it, res->gmax);
        }
        for (i = 0; i < n; i++)
            pmax = IV__MAX(pmax, fabs(p[i]));
        if (pmax > IV__MAX_STEP)
            alpha = IV__MAX_STEP / pmax;
        /* backtracking with safeguarded quadratic interpolation (N&W section 3.5) */
        for (ls = 0; ls < 60; ls++) {
            for (i = 0; i < n; i++)
                xn[i] = x[i] + alpha * p[i];
            fn = f(xn, gn, ud);
            res->evaluations++;
            if (isfinite(fn) && fn <= fx + IV__ARMIJO * alpha * slope &&
                isfinite(gmax_of(n, gn)))
                break;
            if (isfinite(fn)) {
                double a2 = -slope * alpha * alpha / (2 * (fn - fx - slope * alpha));
                alpha = IV__MIN(IV__MAX(a2, 0.1 * alpha), 0.5 * alpha);
            } else {
                alpha *= 0.25;
            }
        }
        if (ls == 60) {
            stall_at(res, n, g);
            return iv__error(IV_ENOCONV, "BFGS: line search failed after %d iterations "
                             "(gradient %g)", it, res->gmax);
        }
        /* two steps in a row that gain only rounding: f cannot decrease any further */
        flat = fx - fn <= IV__FNOISE * (1 + fabs(fn)) ? flat + 1 : 0;
        if (flat == 2) {
            for (i = 0; i < n; i++)
                x[i] = xn[i];
            res->f = fn;
            res->gmax = gmax_of(n, gn);
            stall_at(res, n, gn);
            return iv__error(IV_ENOCONV, "BFGS: the objective stopped decreasing after %d "
                             "iterations (gradient %g)", it + 1, res->gmax);
        }
        for (i = 0; i < n; i++) {
            s[i] = xn[i] - x[i];
            y[i] = gn[i] - g[i];
            sy += s[i] * y[i];
            ss += s[i] * s[i];
            yy += y[i] * y[i];
            x[i] = xn[i];
            g[i] = gn[i];
        }
        fx = fn;
        if (!(sy > 1e-10 * sqrt(ss * yy)))
            continue; /* curvature condition fails: keep H (N&W section 6.1) */
        if (!scaled) { /* N&W eq. 6.20 */
            for (i = 0; i < n; i++)
                for (j = 0; j < n; j++)
                    H[i][j] = i == j ? sy / yy : 0;
            scaled = 1;
        }
        /* H+ = H - (H y s' + s y' H)/sy + (1 + y'Hy/sy) s s'/sy   (N&W eq. 6.17) */
        for (i = 0; i < n; i++) {
            Hy[i] = 0;
            for (j = 0; j < n; j++)
                Hy[i] += H[i][j] * y[j];
            yHy += y[i] * Hy[i];
        }
        for (i = 0; i < n; i++)
            for (j = 0; j < n; j++)
                H[i][j] += -(Hy[i] * s[j] + s[i] * Hy[j]) / sy + (1 + yHy / sy) * s[i] * s[j] / sy;
    }
}

int iv__optim_nelder_mead(iv__objective_fn f, void *ud, size_t n, double *x, double step,
                          double ftol, int max_iterations, const iv__optim_options *o,
                          iv__optim_result *res)
{
    double v[IV__OPTIM_MAX_N + 1][IV__OPTIM_MAX_N] = {{0}}, fv[IV__OPTIM_MAX_N + 1];
    double c[IV__OPTIM_MAX_N], xr[IV__OPTIM_MAX_N], xt[IV__OPTIM_MAX_N];
    size_t i, j, best = 0;
    int it, rc;

    if ((rc = check_args(n, x, o)) != IV_OK)
        return rc;
    for (i = 0; i <= n; i++) {
        for (j = 0; j < n; j++)
            v[i][j] = x[j] + (i == j + 1 ? step : 0);
        fv[i] = f(v[i], NULL, ud);
        res->evaluations++;
        if (!isfinite(fv[i]))
            fv[i] = INFINITY;
    }
    for (it = 0;; it++) {
        size_t hi = 0, nh = 0;
        double fr, fe;
        best = 0;
        for (i = 1; i <= n; i++) {
            if (fv[i] < fv[best])
                best = i;
            if (fv[i] > fv[hi])
                hi = i;
        }
        nh = hi == 0 ? 1 : 0;
        for (i = 0; i <= n; i++)
            if (i != hi && fv[i] > fv[nh])
                nh = i;
        if (fv[hi] - fv[best] <= ftol * (1 + fabs(fv[best])))
            break;
        if (it >= max_iterations) {
            memcpy(x, v[best], n * sizeof *x);
            res->f = fv[best];
            return iv__error(IV_ENOCONV, "Nelder-Mead: no convergence in %d iterations", it);
        }
        if (cancelled(o, it, max_iterations))
            return iv__error(IV_ECANCELED, "fit cancelled by the progress callback");
        res->iterations++;
        for (j = 0; j < n; j++) {
            c[j] = 0;
            for (i = 0; i <= n; i++)
                if (i != hi)
                    c[j] += v[i][j];
            c[j] /= (double)n;
            xr[j] = c[j] + (c[j] - v[hi][j]); /* reflection */
        }
        fr = f(xr, NULL, ud);
        res->evaluations++;
        if (!isfinite(fr))
            fr = INFINITY;
        if (fr < fv[best]) {
            for (j = 0; j < n; j++)
                xt[j] = c[j] + 2 * (c[j] - v[hi][j]); /* expansion */
            fe = f(xt, NULL, ud);
            res->evaluations++;
            if (isfinite(fe) && fe < fr) {
                memcpy(v[hi], xt, n * sizeof *xt);
                fv[hi] = fe;
            } else {
                memcpy(v[hi], xr, n * sizeof *xr);
                fv[hi] = fr;
            }
            continue;
        }
        if (fr < fv[nh]) {
            memcpy(v[hi], xr, n * sizeof *xr);
            fv[hi] = fr;
            continue;
        }
        /* contraction: outside when the reflected point beats the worst, else inside */
        for (j = 0; j < n; j++)
            xt[j] = fr < fv[hi] ? c[j] + 0.5 * (xr[j] - c[j]) : c[j] + 0.5 * (v[hi][j] - c[j]);
        fe = f(xt, NULL, ud);
        res->evaluations++;
        if (isfinite(fe) && fe < IV__MIN(fr, fv[hi])) {
            memcpy(v[hi], xt, n * sizeof *xt);
            fv[hi] = fe;
            continue;
        }
        for (i = 0; i <= n; i++) { /* shrink towards the best vertex */
            if (i == best)
                continue;
            for (j = 0; j < n; j++)
                v[i][j] = v[best][j] + 0.5 * (v[i][j] - v[best][j]);
            fv[i] = f(v[i], NULL, ud);
            res->evaluations++;
            if (!isfinite(fv[i]))
                fv[i] = INFINITY;
        }
    }
    memcpy(x, v[best], n * sizeof *x);
    res->f = fv[best];
    return IV_OK;
}

/* Cholesky factor L (lower) of the symmetric A; 0 when A is not positive definite. */
static int cholesky(size_t n, double A[][IV__OPTIM_MAX_N], double L[][IV__OPTIM_MAX_N])
{
    size_t i, j, k;
    for (j = 0; j < n; j++) {
        double d = A[j][j];
        for (k = 0; k < j; k++)
            d -= L[j][k] * L[j][k];
        if (!(d > 0) || !isfinite(d))
            return 0;
        L[j][j] = sqrt(d);
        for (i = j + 1; i < n; i++) {
            double v = A[i][j];
            for (k = 0; k < j; k++)
                v -= L[i][k] * L[j][k];
            L[i][j] = v / L[j][j];
        }
    }
    return 1;
}

/* d = -A^-1 g from the Cholesky factor of A; returns g' A^-1 g. */
static double newton_dir(size_t n, double L[][IV__OPTIM_MAX_N], const double *g, double *d)
{
    double y[IV__OPTIM_MAX_N], q = 0;
    size_t i, k;
    for (i = 0; i < n; i++) { /* L y = g */
        y[i] = g[i];
        for (k = 0; k < i; k++)
            y[i] -= L[i][k] * y[k];
        y[i] /= L[i][i];
        q += y[i] * y[i];
    }
    for (i = n; i-- > 0;) { /* L' d = -y */
        d[i] = -y[i];
        for (k = i + 1; k < n; k++)
            d[i] -= L[k][i] * d[k];
        d[i] /= L[i][i];
    }
    return q;
}

/* Newton from x; with start (a stalled BFGS's res->stall_g) the value res->f and the
 * gradient res->g at x are taken as they are instead of evaluating f there again: the
 * objective is a function of x alone, so the same bits. */
static int newton_from(iv__objective_fn f, void *ud, size_t n, double *x,
                       const iv__optim_options *o, iv__optim_result *res, int start)
{
    double H[IV__OPTIM_MAX_N][IV__OPTIM_MAX_N], L[IV__OPTIM_MAX_N][IV__OPTIM_MAX_N];
    double g[IV__OPTIM_MAX_N], gp[IV__OPTIM_MAX_N], gm[IV__OPTIM_MAX_N], d[IV__OPTIM_MAX_N];
    double xt[IV__OPTIM_MAX_N], fx;
    size_t i, j;
    int step, rc;

    if ((rc = check_args(n, x, o)) != IV_OK)
        return rc;
    res->decrement = NAN;
    res->have_g = 0;
    if (start) {
        fx = res->f;
        memcpy(g, res->g, n * sizeof *g);
    } else {
        fx = f(x, g, ud);
        res->evaluations++;
    }
    res->stall_g = 0;
    if (!isfinite(fx) || !isfinite(gmax_of(n, g)))
        return iv__error(IV_ENOCONV, "Newton: the objective is not finite at the start");
    for (step = 0;; step++) {
        double dec, alpha = 1, ft = NAN, slope;
        int ls;
        res->f = fx;
        res->gmax = gmax_of(n, g);
        if (res->gmax <= o->gtol * (1 + fabs(fx)))
            return keep_gradient(res, n, g);
        if (step >= IV__NEWTON_STEPS)
            return iv__error(IV_ENOCONV, "Newton: no convergence in %d steps (decrement %g)",
                             step, res->decrement);
        if (cancelled(o, step, IV__NEWTON_STEPS))
            return iv__error(IV_ECANCELED, "fit cancelled by the progress callback");
        /* H[i][j] = (g_i(x + h e_j) - g_i(x - h e_j)) / 2h, h ~ eps^(1/3) (N&W eq. 8.7),
         * unless the caller gives the Hessian */
        memcpy(xt, x, n * sizeof *x);
        if (o->hessian) {
            double Hx[IV__OPTIM_MAX_N * IV__OPTIM_MAX_N];
            if (!o->hessian(x, Hx, ud))
                return iv__error(IV_ENOCONV, "Newton: the Hessian is not finite (gradient %g)",
                                 res->gmax);
            for (i = 0; i < n; i++)
                for (j = 0; j < n; j++)
                    H[i][j] = Hx[i * n + j];
        }
        for (j = 0; j < n && !o->hessian; j++) {
            double h = 6e-6 * IV__MAX(1.0, fabs(x[j]));
            xt[j] = x[j] + h;
            f(xt, gp, ud);
            xt[j] = x[j] - h;
            f(xt, gm, ud);
            xt[j] = x[j];
            res->evaluations += 2;
            for (i = 0; i < n; i++)
                H[i][j] = (gp[i] - gm[i]) / (2 * h);
        }
        for (i = 0; i < n; i++)
            for (j = 0; j < i; j++)
                H[i][j] = H[j][i] = 0.5 * (H[i][j] + H[j][i]);
        if (!cholesky(n, H, L))
            return iv__error(IV_ENOCONV, "the Hessian is not positive definite at the best "
                             "point (gradient %g): no strict minimum there", res->gmax);
        dec = 0.5 * newton_dir(n, L, g, d);
        res->decrement = dec;
        res->iterations++;
        res->newton_steps++;
        slope = -2 * dec;
        for (ls = 0; ls < 40; ls++, alpha *= 0.5) {
            for (i = 0; i < n; i++)
                xt[i] = x[i] + alpha * d[i];
            ft = f(xt, gp, ud);
            res->evaluations++;
            if (!isfinite(ft) || !isfinite(gmax_of(n, gp)))
                continue;
            if (ft <= fx + IV__ARMIJO * alpha * slope ||
                (dec <= o->ftol * (1 + fabs(fx)) && ft <= fx + IV__FNOISE * (1 + fabs(fx))))
                break;
        }
        if (ls < 40) {
            memcpy(x, xt, n * sizeof *x);
            memcpy(g, gp, n * sizeof *g);
            fx = ft;
        }
        if (dec <= o->ftol * (1 + fabs(fx))) {
            res->f = fx;
            res->gmax = gmax_of(n, g);
            return keep_gradient(res, n, g);
        }
        if (ls == 40)
            return iv__error(IV_ENOCONV, "Newton: line search failed (decrement %g)", dec);
    }
}

int iv__optim_newton(iv__objective_fn f, void *ud, size_t n, double *x,
                     const iv__optim_options *o, iv__optim_result *res)
{
    return newton_from(f, ud, n, x, o, res, 0);
}

int iv__optim_bfgs_newton(iv__objective_fn f, void *ud, size_t n, double *x,
                          const iv__optim_options *o, iv__optim_result *res)
{
    int rc = iv__optim_bfgs(f, ud, n, x, o, res);
    if (rc == IV_ENOCONV && res->stalled)
        rc = newton_from(f, ud, n, x, o, res, res->stall_g);
    return rc;
}

int iv__optim_fallback(iv__objective_fn f, void *ud, size_t n, double *x,
                       const iv__optim_options *o, iv__optim_result *res)
{
    int rc;
    res->used_fallback = 1;
    rc = iv__optim_nelder_mead(f, ud, n, x, 0.25, 1e-13, 40 * o->max_iterations, o, res);
    if (rc != IV_OK && rc != IV_ENOCONV)
        return rc;
    return iv__optim_bfgs_newton(f, ud, n, x, o, res);
}

int iv__optim_minimize(iv__objective_fn f, void *ud, size_t n, double *x,
                       const iv__optim_options *o, iv__optim_result *res)
{
    int rc = iv__optim_bfgs_newton(f, ud, n, x, o, res);
    return rc == IV_ENOCONV ? iv__optim_fallback(f, ud, n, x, o, res) : rc;
}

void iv__optim_numgrad(iv__objective_fn f, void *ud, size_t n, const double *x, double h,
                       double *grad)
{
    double xt[IV__OPTIM_MAX_N];
    size_t i;
    memcpy(xt, x, n * sizeof *x);
    for (i = 0; i < n; i++) {
        double hi = h * IV__MAX(1.0, fabs(x[i])), fp, fm;
        xt[i] = x[i] + hi;
        fp = f(xt, NULL, ud);
        xt[i] = x[i] - hi;
        fm = f(xt, NULL, ud);
        xt[i] = x[i];
        grad[i] = (fp - fm) / (2 * hi);
    }
}

int iv__optim_hessian(iv__objective_fn f, void *ud, size_t n, const double *x, double h,
                      double *H)
{
    double xt[IV__OPTIM_MAX_N], gp[IV__OPTIM_MAX_N], gm[IV__OPTIM_MAX_N];
    size_t i, j;
    if (n == 0 || n > IV__OPTIM_MAX_N)
        return iv__error(IV_EINVAL, "optimiser: bad dimension");
    memcpy(xt, x, n * sizeof *x);
    for (j = 0; j < n; j++) {
        double hj = h * IV__MAX(1.0, fabs(x[j]));
        xt[j] = x[j] + hj;
        f(xt, gp, ud);
        xt[j] = x[j] - hj;
        f(xt, gm, ud);
        xt[j] = x[j];
        for (i = 0; i < n; i++) {
            H[i * n + j] = (gp[i] - gm[i]) / (2 * hj);
            if (!isfinite(H[i * n + j]))
                return iv__error(IV_EUNDEFINED, "the Hessian is not finite at the optimum");
        }
    }
    for (i = 0; i < n; i++)
        for (j = 0; j < i; j++)
            H[i * n + j] = H[j * n + i] = 0.5 * (H[i * n + j] + H[j * n + i]);
    return IV_OK;
}

int iv__optim_spd_inverse(size_t n, const double *A, double *Ainv)
{
    double M[IV__OPTIM_MAX_N][IV__OPTIM_MAX_N], L[IV__OPTIM_MAX_N][IV__OPTIM_MAX_N];
    double e[IV__OPTIM_MAX_N], col[IV__OPTIM_MAX_N];
    size_t i, j;
    if (n == 0 || n > IV__OPTIM_MAX_N)
        return 0;
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            M[i][j] = A[i * n + j];
    if (!cholesky(n, M, L))
        return 0;
    for (j = 0; j < n; j++) { /* column j of the inverse: L L' c = e_j */
        size_t k;
        for (i = 0; i < n; i++)
            e[i] = i == j;
        for (i = 0; i < n; i++) {
            col[i] = e[i];
            for (k = 0; k < i; k++)
                col[i] -= L[i][k] * col[k];
            col[i] /= L[i][i];
        }
        for (i = n; i-- > 0;) {
            for (k = i + 1; k < n; k++)
                col[i] -= L[k][i] * col[k];
            col[i] /= L[i][i];
        }
        for (i = 0; i < n; i++)
            Ainv[i * n + j] = col[i];
    }
    return 1;
}
