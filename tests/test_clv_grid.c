/* The BG/NBD and MBG/NBD predictions (expected, conditional, P(alive)) over a grid of
 * parameters against mpmath (issue #14 item 11): tests/ref/clv_grid_ref.h is written by
 * tests/ref/clv_grid_ref.py (the textbook 2F1 forms at 60 and 90 digits, limits at a = 1
 * and a + b = 1); the full grid is run by hand with its --full option (doc/CLV.md).
 * The Pareto/NBD log-likelihood and gradient the fits use over a grid of parameters and
 * customers: tests/ref/pnbd_grid_ref.h from tests/ref/pnbd_grid_ref.py (mpmath quadrature
 * of the death time, not the 2F1 route). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clv.h"
#include "iv/clv.h"
#include "testutil.h"

#include "ref/clv_grid_ref.h"
#include "ref/gg_grid_ref.h"
#include "ref/pnbd_grid_ref.h"

#define GRID_REL 1e-10

static int model_of(double m)
{
    return m == 0 ? IV_CLV_BGNBD : IV_CLV_MBGNBD;
}

/* One value against its reference; prints and counts a miss (the test then fails with
 * the count, so one run shows every wrong cell, not just the first). */
static void check_cell(const char *what, size_t row, int rc, double got, double want,
                       double *worst, int *misses)
{
    /* a reference below 1e-300 is written as 0: the value underflows (or nearly) */
    double e = rc != IV_OK ? INFINITY : want == 0 ? (fabs(got) <= 1e-300 ? 0 : INFINITY)
                                                  : fabs(got - want) / fabs(want);
    if (!(e <= GRID_REL)) {
        if (++*misses <= 20)
            fprintf(stderr, "%s row %zu: got %.17g (%s), want %.17g, relative error %.3g\n",
                    what, row, got, rc == IV_OK ? "ok" : iv_error_last(), want, e);
    }
    if (!(e <= *worst))
        *worst = e;
}

START_TEST(expected_transactions_match_mpmath_over_the_grid)
{
    size_t i, n = sizeof ref_grid_mean / sizeof ref_grid_mean[0];
    double worst = 0;
    int misses = 0;
    for (i = 0; i < n; i++) {
        const double *c = ref_grid_mean[i];
        iv_clv *m = NULL;
        double v = NAN;
        int rc;
        ck_assert_int_eq(iv_clv_new(&m, model_of(c[0]), c + 1, NULL), IV_OK);
        rc = iv_clv_expected(m, c[5], &v);
        check_cell("expected", i, rc, v, c[6], &worst, &misses);
        iv_clv_free(m);
    }
    fprintf(stderr, "expected: %zu cells, worst relative error %.3g\n", n, worst);
    ck_assert_msg(misses == 0, "%d of %zu cells off by more than %g", misses, n, GRID_REL);
}
END_TEST

START_TEST(conditional_expectations_and_p_alive_match_mpmath_over_the_grid)
{
    size_t i, n = sizeof ref_grid_cond / sizeof ref_grid_cond[0];
    double worst = 0, worst_pa = 0;
    int misses = 0;
    for (i = 0; i < n; i++) {
        const double *c = ref_grid_cond[i];
        iv_clv *m = NULL;
        double v = NAN, pa = NAN;
        int rc;
        ck_assert_int_eq(iv_clv_new(&m, model_of(c[0]), c + 1, NULL), IV_OK);
        rc = iv_clv_conditional(m, c[8], c[5], c[6], c[7], &v);
        check_cell("conditional", i, rc, v, c[9], &worst, &misses);
        rc = iv_clv_p_alive(m, c[5], c[6], c[7], &pa);
        check_cell("p_alive", i, rc, pa, c[10], &worst_pa, &misses);
        iv_clv_free(m);
    }
    fprintf(stderr, "conditional: %zu cells, worst relative error %.3g (P(alive) %.3g)\n", n,
            worst, worst_pa);
    ck_assert_msg(misses == 0, "%d of %zu values off by more than %g", misses, 2 * n, GRID_REL);
}
END_TEST

/* |got - want| against max(|want|, 1): the gradient's components cross 0 */
static double pn_err(double got, double want)
{
    return fabs(got - want) / IV__MAX(fabs(want), 1.0);
}

/* Each customer alone, as the fit's objective computes it (iv__clv_grad_at: the series
 * of 2F1 through Euler's transformation or the quadrature, with the analytic gradient)
 * and as the predictions do (iv__clv_loglik_at). Tolerance 1e-12 on log L and on each
 * derivative, relative (absolute below 1); the worst seen is ~5e-14. */
START_TEST(pareto_loglik_and_gradient_match_mpmath_over_the_grid)
{
    size_t i, n = sizeof ref_pnbd_grid / sizeof ref_pnbd_grid[0];
    double worst_ll = 0, worst_g = 0;
    int misses = 0;
    for (i = 0; i < n; i++) {
        const double *c = ref_pnbd_grid[i];
        double ll = NAN, ll2 = NAN, g[4] = {NAN, NAN, NAN, NAN}, e;
        int k, rc = iv__clv_grad_at(IV_CLV_PARETO, c, c + 4, c + 5, c + 6, NULL, 1, &ll, g);
        int rc2 = iv__clv_loglik_at(IV_CLV_PARETO, c, c + 4, c + 5, c + 6, NULL, 1, &ll2);
        e = rc || rc2 ? INFINITY : IV__MAX(pn_err(ll, c[7]), pn_err(ll2, c[7]));
        if (!(e <= 1e-12) && ++misses <= 20)
            fprintf(stderr, "pareto row %zu: log L %.17g and %.17g, want %.17g\n", i, ll, ll2,
                    c[7]);
        if (!(e <= worst_ll))
            worst_ll = e;
        for (k = 0; k < 4; k++) {
            e = rc ? INFINITY : pn_err(g[k], c[8 + k]);
            if (!(e <= 1e-12) && ++misses <= 20)
                fprintf(stderr, "pareto row %zu: derivative %d %.17g, want %.17g\n", i, k,
                        g[k], c[8 + k]);
            if (!(e <= worst_g))
                worst_g = e;
        }
    }
    fprintf(stderr, "pareto: %zu customers, worst error log L %.3g, gradient %.3g\n", n,
            worst_ll, worst_g);
    ck_assert_msg(misses == 0, "%d values off", misses);
}
END_TEST

/* The same references, each parameter set's customers in one call: the grouped fit shares
 * the series' table of each x between the customers' pairs (built for one argument,
 * extended for a larger one), so the sums must match the sums of the references. */
START_TEST(pareto_grouped_fit_matches_the_sum_over_the_grid)
{
    size_t i = 0, j, n = sizeof ref_pnbd_grid / sizeof ref_pnbd_grid[0];
    while (i < n) {
        double x[32], tx[32], T[32], want[5] = {0, 0, 0, 0, 0}, scale[5] = {0, 0, 0, 0, 0};
        double ll = NAN, g[4] = {NAN, NAN, NAN, NAN};
        size_t m = 0;
        int k;
        for (j = i; j < n && m < 32 && memcmp(ref_pnbd_grid[j], ref_pnbd_grid[i],
                                               4 * sizeof(double)) == 0; j++, m++) {
            x[m] = ref_pnbd_grid[j][4];
            tx[m] = ref_pnbd_grid[j][5];
            T[m] = ref_pnbd_grid[j][6];
            for (k = 0; k < 5; k++) {
                want[k] += ref_pnbd_grid[j][7 + k];
                scale[k] += fabs(ref_pnbd_grid[j][7 + k]);
            }
        }
        ck_assert_int_eq(iv__clv_grad_at(IV_CLV_PARETO, ref_pnbd_grid[i], x, tx, T, NULL, m, &ll,
                                         g), IV_OK);
        ck_assert_msg(fabs(ll - want[0]) <= 1e-12 * IV__MAX(scale[0], 1.0),
                      "set at row %zu: log L %.17g, want %.17g", i, ll, want[0]);
        for (k = 0; k < 4; k++)
            ck_assert_msg(fabs(g[k] - want[1 + k]) <= 1e-12 * IV__MAX(scale[1 + k], 1.0),
                          "set at row %zu: derivative %d %.17g, want %.17g", i, k, g[k],
                          want[1 + k]);
        i = j;
    }
}
END_TEST

/* Gamma-Gamma: each repeat buyer alone (the objective and iv__clv_loglik_at's gg_one) and
 * each parameter set's customers in one call, where the objective groups identical rows,
 * computes the terms of one x once for the groups of that x (sorted by x, the input is
 * not) and log zbar once per fit: log L and the gradient against the sums of the mpmath
 * references, 1e-12 relative (absolute below 1). */
START_TEST(gamma_gamma_loglik_and_gradient_match_mpmath_over_the_grid)
{
    size_t i = 0, j, n = sizeof ref_gg_grid / sizeof ref_gg_grid[0], sets = 0;
    double worst = 0;
    int misses = 0;
    for (i = 0; i < n; i++) { /* alone */
        const double *c = ref_gg_grid[i];
        double ll = NAN, ll2 = NAN, g[3] = {NAN, NAN, NAN}, e;
        int k, rc, rc2;
        if (c[3] == 0)
            continue; /* not a repeat buyer: no group, checked in the sets below */
        rc = iv__clv_grad_at(IV_CLV_GG, c, c + 3, NULL, NULL, c + 4, 1, &ll, g);
        rc2 = iv__clv_loglik_at(IV_CLV_GG, c, c + 3, NULL, NULL, c + 4, 1, &ll2);
        e = rc || rc2 ? INFINITY : IV__MAX(pn_err(ll, c[5]), pn_err(ll2, c[5]));
        for (k = 0; k < 3; k++)
            e = IV__MAX(e, rc ? INFINITY : pn_err(g[k], c[6 + k]));
        if (!(e <= 1e-12) && ++misses <= 20)
            fprintf(stderr, "gamma-gamma row %zu: log L %.17g and %.17g, gradient %.17g %.17g "
                    "%.17g, want %.17g %.17g %.17g %.17g\n", i, ll, ll2, g[0], g[1], g[2], c[5],
                    c[6], c[7], c[8]);
        if (!(e <= worst))
            worst = e;
    }
    for (i = 0; i < n; i = j, sets++) { /* each parameter set's customers together */
        double x[32], z[32], want[4] = {0, 0, 0, 0}, scale[4] = {0, 0, 0, 0};
        double ll = NAN, g[3] = {NAN, NAN, NAN}, e;
        size_t m = 0;
        int k;
        for (j = i; j < n && m < 32 && memcmp(ref_gg_grid[j], ref_gg_grid[i],
                                               3 * sizeof(double)) == 0; j++, m++) {
            x[m] = ref_gg_grid[j][3];
            z[m] = ref_gg_grid[j][4];
            for (k = 0; k < 4; k++) {
                want[k] += ref_gg_grid[j][5 + k];
                scale[k] += fabs(ref_gg_grid[j][5 + k]);
            }
        }
        ck_assert_int_eq(iv__clv_grad_at(IV_CLV_GG, ref_gg_grid[i], x, NULL, NULL, z, m, &ll, g),
                         IV_OK);
        e = fabs(ll - want[0]) / IV__MAX(scale[0], 1.0);
        for (k = 0; k < 3; k++)
            e = IV__MAX(e, fabs(g[k] - want[1 + k]) / IV__MAX(scale[1 + k], 1.0));
        if (!(e <= 1e-12) && ++misses <= 20)
            fprintf(stderr, "gamma-gamma set at row %zu: log L %.17g, want %.17g\n", i, ll,
                    want[0]);
        if (!(e <= worst))
            worst = e;
    }
    fprintf(stderr, "gamma-gamma: %zu rows, %zu parameter sets, worst error %.3g\n", n, sets,
            worst);
    ck_assert_msg(misses == 0, "%d values off", misses);
}
END_TEST

static void clv_grid_tests(TCase *tc)
{
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, expected_transactions_match_mpmath_over_the_grid);
    tcase_add_test(tc, conditional_expectations_and_p_alive_match_mpmath_over_the_grid);
    tcase_add_test(tc, pareto_loglik_and_gradient_match_mpmath_over_the_grid);
    tcase_add_test(tc, pareto_grouped_fit_matches_the_sum_over_the_grid);
    tcase_add_test(tc, gamma_gamma_loglik_and_gradient_match_mpmath_over_the_grid);
}

TU_SUITE_MAIN("clv_grid", clv_grid_tests)
