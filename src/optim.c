/* Unconstrained minimisation: BFGS with a backtracking line search, Nelder-Mead as
 * the fallback. Our own implementation of the textbook algorithms cited in optim.h. */
#include <math.h>

#include "core.h"
#include "optim.h"

#define IV__MAX_STEP 4.0   /* largest move per coordinate in one line search */
#define IV__ARMIJO 1e-4    /* sufficient-decrease constant c1 */

void iv__optim_defaults(iv__optim_options *o)
{
    memset(o, 0, sizeof *o);
    o->max_iterations = 500;
    o->gtol = 1e-9;
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
    int it, rc, scaled = 0;

    if ((rc = check_args(n, x, o)) != IV_OK)
        return rc;
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            H[i][j] = i == j;
    fx = f(x, g, ud);
    res->evaluations++;
    if (!isfinite(fx) || !isfinite(gmax_of(n, g)))
        return iv__error(IV_ENOCONV, "optimiser: the objective is not finite at the start");
    for (it = 0;; it++) {
        double slope = 0, alpha = 1, pmax = 0, fn = NAN, sy = 0, ss = 0, yy = 0, yHy = 0;
        int ls;
        res->f = fx;
        res->gmax = gmax_of(n, g);
        if (res->gmax <= o->gtol * (1 + fabs(fx)))
            return IV_OK;
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
        if (ls == 60)
            return iv__error(IV_ENOCONV, "BFGS: line search failed after %d iterations "
                             "(gradient %g)", it, res->gmax);
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

int iv__optim_minimize(iv__objective_fn f, void *ud, size_t n, double *x,
                       const iv__optim_options *o, iv__optim_result *res)
{
    int rc = iv__optim_bfgs(f, ud, n, x, o, res);
    if (rc != IV_ENOCONV)
        return rc;
    res->used_fallback = 1;
    rc = iv__optim_nelder_mead(f, ud, n, x, 0.25, 1e-13, 40 * o->max_iterations, o, res);
    if (rc != IV_OK && rc != IV_ENOCONV)
        return rc;
    return iv__optim_bfgs(f, ud, n, x, o, res);
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
