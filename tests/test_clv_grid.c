/* The BG/NBD and MBG/NBD predictions (expected, conditional, P(alive)) over a grid of
 * parameters against mpmath (issue #14 item 11): tests/ref/clv_grid_ref.h is written by
 * tests/ref/clv_grid_ref.py (the textbook 2F1 forms at 60 and 90 digits, limits at a = 1
 * and a + b = 1); the full grid is run by hand with its --full option (doc/CLV.md). */
#include <check.h>
#include <math.h>
#include <stdio.h>

#include "iv/clv.h"
#include "testutil.h"

#include "ref/clv_grid_ref.h"

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

static void clv_grid_tests(TCase *tc)
{
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, expected_transactions_match_mpmath_over_the_grid);
    tcase_add_test(tc, conditional_expectations_and_p_alive_match_mpmath_over_the_grid);
}

TU_SUITE_MAIN("clv_grid", clv_grid_tests)
