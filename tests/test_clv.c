/* CLV models: fits on CDNOW against the published values (doc/CLV.md), predictions and
 * likelihoods against an independent mpmath implementation (tests/ref/clv_ref.py, whose
 * output is pasted below), hand-computed formulas, heavy buyers, errors, and an
 * allocation-failure loop over a fit. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clv.h"
#include "iv/clv.h"
#include "iv/ingest.h"
#include "iv/store.h"
#include "iv/table.h"
#include "testutil.h"

/* Output of /usr/bin/python3 tests/ref/clv_ref.py (mpmath, 30 digits). */
#define REF_BG_LL_PUBLISHED -9582.4255623003253
#define REF_PN_LL_PUBLISHED -9594.9740682238875
#define REF_GG_LL_PUBLISHED -4055.924712730166
#define REF_BG_EXPECTED_39 1.1949269357653055
#define REF_BG_COND_39 1.2258626316192343
#define REF_BG_PALIVE 0.7265957874763036
#define REF_PN_EXPECTED_39 1.2128057234602207
#define REF_PN_COND_39 1.4550751992658419
#define REF_PN_PALIVE 0.86917148212026019
#define REF_GG_SPEND 24.663713910761155
#define REF_GG_SPEND_X0 35.218978102189781
#define REF_BG_LL_HEAVY -810.34211168464923
#define REF_BG_PALIVE_HEAVY 1.0402645724228775e-20
#define REF_BG_COND_HEAVY 2.6406615443407669e-19
#define REF_PN_LL_HEAVY -810.78721398837407
#define REF_PN_PALIVE_HEAVY 1.7350351835909071e-20
#define REF_BG_PALIVE_HEAVY_RECENT 0.9811636008415705
#define REF_PN_PALIVE_HEAVY_RECENT 0.98687604106764566
#define REF_BG_LOG_PALIVE_GONE -1125.9977086551401
#define REF_CLV_3x13 27.546639027250478
#define REF_PN_LL_FAR_BETA -52.10867745954194
#define REF_PN_LL_FAR_ALPHA -140.95539162654291
#define REF_PN_PALIVE_FAR_BETA 0.2470239211965825

#define CDNOW_N 2357
static double cx[CDNOW_N], ctx[CDNOW_N], cT[CDNOW_N], cz[CDNOW_N];
static size_t cn;

/* The CDNOW summary (ID,x,t_x,T,zbar), read once (tu_read_cdnow). */
static void load_cdnow(void)
{
    if (!cn)
        tu_read_cdnow(cx, ctx, cT, cz, CDNOW_N, &cn);
}

/* |got - want| <= rel * |want| */
#define CHECK_REL(got, want, rel)                                                          \
    ck_assert_msg(fabs((got) - (want)) <= (rel) * fabs(want), "%s = %.12g, want %.12g", #got, \
                  (double)(got), (double)(want))

static iv_clv *fit_cdnow(int model)
{
    iv_clv *c = NULL;
    int rc;
    load_cdnow();
    rc = iv_clv_fit(&c, model, cx, ctx, cT, model == IV_CLV_GG ? cz : NULL, cn, NULL);
    ck_assert_msg(rc == IV_OK, "fit %d: %s", model, iv_error_last());
    return c;
}

static void check_fit(iv_clv *c, const char *const *names, const double *want, int np,
                      double want_ll, size_t customers)
{
    double v, ll;
    size_t n;
    int k;
    for (k = 0; k < np; k++) {
        ck_assert_int_eq(iv_clv_get_param(c, names[k], &v), IV_OK);
        ck_assert_msg(fabs(v - want[k]) <= 0.005 * want[k], "%s = %g, published %g", names[k],
                      v, want[k]);
    }
    ck_assert_int_eq(iv_clv_loglik(c, &ll, &n), IV_OK);
    ck_assert_msg(fabs(ll - want_ll) <= 0.01, "loglik %.4f, published %.2f", ll, want_ll);
    ck_assert_uint_eq(n, customers);
}

/* doc/CLV.md: BG/NBD and Pareto/NBD (Fader, Hardie & Lee 2005), Gamma-Gamma (Fader & Hardie). */
static const struct {
    int model;
    const char *names[4];
    double want[4];
    int np;
    double ll;
    size_t customers;
} published[] = {
    {IV_CLV_BGNBD, {"r", "alpha", "a", "b"}, {0.2426, 4.414, 0.7930, 2.426}, 4, -9582.43, 2357},
    {IV_CLV_PARETO, {"r", "alpha", "s", "beta"}, {0.553, 10.58, 0.606, 11.67}, 4, -9594.98, 2357},
    {IV_CLV_GG, {"p", "q", "gamma", NULL}, {6.25, 3.74, 15.44, 0}, 3, -4055.92, 946},
};

/* one run per model (loop test index _i) */
START_TEST(cdnow_fit_lands_within_half_percent_and_0_01_loglik_of_published)
{
    iv_clv *c = fit_cdnow(published[_i].model);
    check_fit(c, published[_i].names, published[_i].want, published[_i].np, published[_i].ll,
              published[_i].customers);
    iv_clv_free(c);
}
END_TEST

START_TEST(loglik_at_published_parameters_matches_independent_computation)
{
    static const double bg[] = {0.2426, 4.414, 0.7930, 2.426}, pn[] = {0.553, 10.58, 0.606, 11.67},
                        gg[] = {6.25, 3.74, 15.44};
    double ll;
    load_cdnow();
    ck_assert_int_eq(iv__clv_loglik_at(IV_CLV_BGNBD, bg, cx, ctx, cT, NULL, cn, &ll), IV_OK);
    CHECK_REL(ll, REF_BG_LL_PUBLISHED, 1e-11);
    ck_assert_int_eq(iv__clv_loglik_at(IV_CLV_PARETO, pn, cx, ctx, cT, NULL, cn, &ll), IV_OK);
    CHECK_REL(ll, REF_PN_LL_PUBLISHED, 1e-11);
    ck_assert_int_eq(iv__clv_loglik_at(IV_CLV_GG, gg, cx, NULL, NULL, cz, cn, &ll), IV_OK);
    CHECK_REL(ll, REF_GG_LL_PUBLISHED, 1e-11);
}
END_TEST

static iv_clv *given(int model, const double *par)
{
    iv_clv *c = NULL;
    ck_assert_int_eq(iv_clv_new(&c, model, par, NULL), IV_OK);
    return c;
}

/* E[X(39)], E[Y(39) | 2, 30.43, 38.86] and P(alive | 2, 30.43, 38.86) */
static void check_customer_1(const iv_clv *c, double expected, double cond, double p_alive)
{
    double v;
    ck_assert_int_eq(iv_clv_expected(c, 39, &v), IV_OK);
    CHECK_REL(v, expected, 1e-12);
    ck_assert_int_eq(iv_clv_conditional(c, 39, 2, 30.43, 38.86, &v), IV_OK);
    CHECK_REL(v, cond, 1e-11);
    ck_assert_int_eq(iv_clv_p_alive(c, 2, 30.43, 38.86, &v), IV_OK);
    CHECK_REL(v, p_alive, 1e-11);
}

START_TEST(predictions_match_independent_computation_for_cdnow_customer_1)
{
    static const double bg[] = {0.2426, 4.414, 0.7930, 2.426}, pn[] = {0.553, 10.58, 0.606, 11.67},
                        gg[] = {6.25, 3.74, 15.44};
    iv_clv *b = given(IV_CLV_BGNBD, bg), *p = given(IV_CLV_PARETO, pn), *g = given(IV_CLV_GG, gg);
    double v;
    check_customer_1(b, REF_BG_EXPECTED_39, REF_BG_COND_39, REF_BG_PALIVE);
    check_customer_1(p, REF_PN_EXPECTED_39, REF_PN_COND_39, REF_PN_PALIVE);
    ck_assert_int_eq(iv_clv_expected_spend(g, 2, 22.35, &v), IV_OK);
    CHECK_REL(v, REF_GG_SPEND, 1e-14);
    ck_assert_int_eq(iv_clv_expected_spend(g, 0, 0, &v), IV_OK);
    CHECK_REL(v, REF_GG_SPEND_X0, 1e-14);
    ck_assert_int_eq(iv_clv_value(b, g, 2, 30.43, 38.86, 22.35, 39, 13, 0.05, &v), IV_OK);
    CHECK_REL(v, REF_CLV_3x13, 1e-12);
    /* nothing happens in a zero horizon; a new customer with x = 0 is alive */
    ck_assert_int_eq(iv_clv_expected(b, 0, &v), IV_OK);
    ck_assert(v == 0);
    ck_assert_int_eq(iv_clv_p_alive(b, 0, 0, 10, &v), IV_OK);
    ck_assert(v == 1);
    iv_clv_free(b);
    iv_clv_free(p);
    iv_clv_free(g);
}
END_TEST

START_TEST(heavy_buyers_give_finite_loglik_and_p_alive_in_unit_interval)
{
    static const double bg[] = {0.2426, 4.414, 0.7930, 2.426}, pn[] = {0.553, 10.58, 0.606, 11.67};
    static const double hx[] = {500}, htx[] = {900}, hT[] = {1000};
    iv_clv *b = given(IV_CLV_BGNBD, bg), *p = given(IV_CLV_PARETO, pn);
    double v;
    ck_assert_int_eq(iv__clv_loglik_at(IV_CLV_BGNBD, bg, hx, htx, hT, NULL, 1, &v), IV_OK);
    CHECK_REL(v, REF_BG_LL_HEAVY, 1e-12);
    ck_assert_int_eq(iv__clv_loglik_at(IV_CLV_PARETO, pn, hx, htx, hT, NULL, 1, &v), IV_OK);
    CHECK_REL(v, REF_PN_LL_HEAVY, 1e-12);
    ck_assert_int_eq(iv_clv_p_alive(b, 500, 900, 1000, &v), IV_OK);
    CHECK_REL(v, REF_BG_PALIVE_HEAVY, 1e-10);
    ck_assert_int_eq(iv_clv_p_alive(p, 500, 900, 1000, &v), IV_OK);
    CHECK_REL(v, REF_PN_PALIVE_HEAVY, 1e-10);
    ck_assert_int_eq(iv_clv_p_alive(b, 500, 995, 1000, &v), IV_OK);
    CHECK_REL(v, REF_BG_PALIVE_HEAVY_RECENT, 1e-12);
    ck_assert_int_eq(iv_clv_p_alive(p, 500, 995, 1000, &v), IV_OK);
    CHECK_REL(v, REF_PN_PALIVE_HEAVY_RECENT, 1e-12);
    ck_assert_int_eq(iv_clv_conditional(b, 52, 500, 900, 1000, &v), IV_OK);
    CHECK_REL(v, REF_BG_COND_HEAVY, 1e-9);
    /* P(alive) = exp(-1126): underflows to 0, but never NaN and never negative */
    ck_assert_int_eq(iv_clv_p_alive(b, 500, 100, 1000, &v), IV_OK);
    ck_assert(v >= 0 && v <= 1e-300);
    ck_assert_int_eq(iv_clv_p_alive(p, 500, 100, 1000, &v), IV_OK);
    ck_assert(v >= 0 && v <= 1e-300);
    iv_clv_free(b);
    iv_clv_free(p);
}
END_TEST

START_TEST(simple_clv_is_m_r_over_1_plus_d_minus_r)
{
    double v;
    /* by hand: 100 * 0.8 / (1 + 0.1 - 0.8) = 80 / 0.3 */
    ck_assert_int_eq(iv_clv_simple(100, 0.8, 0.1, &v), IV_OK);
    CHECK_REL(v, 80.0 / 0.3, 1e-15);
    ck_assert_int_eq(iv_clv_simple(50, 0, 0, &v), IV_OK);
    ck_assert(v == 0);
    ck_assert_int_eq(iv_clv_simple(100, 1, 0, &v), IV_EUNDEFINED);
    ck_assert(isnan(v));
    ck_assert_int_eq(iv_clv_simple(100, 1.2, 0, &v), IV_ERANGE);
    ck_assert_int_eq(iv_clv_simple(100, 0.5, -0.1, &v), IV_ERANGE);
}
END_TEST

START_TEST(expected_spend_and_value_follow_their_definitions_by_hand)
{
    static const double gg[] = {2, 3, 10}, bg[] = {0.5, 5, 2, 3};
    iv_clv *g = given(IV_CLV_GG, gg), *b = given(IV_CLV_BGNBD, bg);
    double v, e;
    /* p (gamma + x zbar) / (p x + q - 1) = 2 (10 + 4 * 5) / (8 + 2) = 6 */
    ck_assert_int_eq(iv_clv_expected_spend(g, 4, 5, &v), IV_OK);
    CHECK_REL(v, 6.0, 1e-15);
    /* x = 0: p gamma / (q - 1) = 10 */
    ck_assert_int_eq(iv_clv_expected_spend(g, 0, 0, &v), IV_OK);
    CHECK_REL(v, 10.0, 1e-15);
    /* one undiscounted period: the conditional expectation times the spend */
    ck_assert_int_eq(iv_clv_conditional(b, 10, 4, 8, 12, &e), IV_OK);
    ck_assert_int_eq(iv_clv_value(b, g, 4, 8, 12, 5, 10, 10, 0, &v), IV_OK);
    CHECK_REL(v, 6.0 * e, 1e-15);
    /* the same horizon in 4 undiscounted steps telescopes to the same value */
    ck_assert_int_eq(iv_clv_value(b, g, 4, 8, 12, 5, 10, 2.5, 0, &v), IV_OK);
    CHECK_REL(v, 6.0 * e, 1e-13);
    ck_assert_int_eq(iv_clv_value(b, b, 4, 8, 12, 5, 10, 2.5, 0, &v), IV_EINVAL);
    iv_clv_free(g);
    iv_clv_free(b);
}
END_TEST

START_TEST(identical_customers_are_grouped_so_duplicates_double_the_loglik)
{
    static double x2[2 * CDNOW_N], tx2[2 * CDNOW_N], T2[2 * CDNOW_N];
    iv_clv *one = fit_cdnow(IV_CLV_BGNBD), *two = NULL;
    double l1, l2, v1, v2;
    size_t n2;
    memcpy(x2, cx, sizeof cx);
    memcpy(x2 + CDNOW_N, cx, sizeof cx);
    memcpy(tx2, ctx, sizeof ctx);
    memcpy(tx2 + CDNOW_N, ctx, sizeof ctx);
    memcpy(T2, cT, sizeof cT);
    memcpy(T2 + CDNOW_N, cT, sizeof cT);
    ck_assert_int_eq(iv_clv_fit(&two, IV_CLV_BGNBD, x2, tx2, T2, NULL, 2 * CDNOW_N, NULL), IV_OK);
    iv_clv_loglik(one, &l1, NULL);
    iv_clv_loglik(two, &l2, &n2);
    ck_assert_uint_eq(n2, 2 * CDNOW_N);
    CHECK_REL(l2, 2 * l1, 1e-9);
    iv_clv_get_param(one, "alpha", &v1);
    iv_clv_get_param(two, "alpha", &v2);
    CHECK_REL(v2, v1, 1e-5);
    iv_clv_free(one);
    iv_clv_free(two);
}
END_TEST

START_TEST(params_table_has_paper_names_loglik_and_customers)
{
    iv_clv *c = fit_cdnow(IV_CLV_GG);
    iv_table *t = NULL;
    ck_assert_int_eq(iv_clv_params(c, &t), IV_OK);
    ck_assert_uint_eq(iv_table_nrows(t), 1);
    ck_assert_uint_eq(iv_table_ncols(t), 8);
    ck_assert_str_eq(iv_table_col_name(t, 0), "p");
    ck_assert_str_eq(iv_table_col_name(t, 1), "p_se");
    ck_assert_str_eq(iv_table_col_name(t, 2), "q");
    ck_assert_str_eq(iv_table_col_name(t, 3), "q_se");
    ck_assert_str_eq(iv_table_col_name(t, 4), "gamma");
    ck_assert_str_eq(iv_table_col_name(t, 5), "gamma_se");
    ck_assert_str_eq(iv_table_col_name(t, 6), "loglik");
    ck_assert_str_eq(iv_table_col_name(t, 7), "customers");
    ck_assert_int_eq(iv_table_get_int(t, 0, 7), 946);
    ck_assert(iv_table_is_single(t));
    iv_table_free(t);
    iv_clv_free(c);
}
END_TEST

START_TEST(bad_input_is_reported_with_the_customer_index)
{
    static const double x[] = {1, 2}, tx[] = {3, 9}, T[] = {5, 8}, z[] = {0, 0};
    iv_clv *c = NULL;
    double v;
    ck_assert_int_eq(iv_clv_fit(&c, IV_CLV_BGNBD, x, tx, T, NULL, 2, NULL), IV_ERANGE);
    ck_assert_ptr_nonnull(strstr(iv_error_last(), "customer 1"));
    ck_assert_ptr_null(c);
    ck_assert_int_eq(iv_clv_fit(&c, IV_CLV_GG, x, NULL, NULL, z, 2, NULL), IV_ERANGE);
    ck_assert_int_eq(iv_clv_fit(&c, 9, x, tx, T, NULL, 2, NULL), IV_EINVAL);
    ck_assert_int_eq(iv_clv_fit(&c, IV_CLV_PARETO, x, NULL, T, NULL, 2, NULL), IV_EINVAL);
    {
        static const double zx[] = {0, 0}, zz[] = {0, 0};
        ck_assert_int_eq(iv_clv_fit(&c, IV_CLV_GG, zx, NULL, NULL, zz, 2, NULL), IV_EUNDEFINED);
    }
    c = fit_cdnow(IV_CLV_GG);
    ck_assert_int_eq(iv_clv_get_param(c, "alpha", &v), IV_ENOTFOUND);
    ck_assert_int_eq(iv_clv_p_alive(c, 1, 1, 2, &v), IV_EINVAL);
    iv_clv_free(c);
    iv_clv_free(NULL);
}
END_TEST

/* skip_se: the same estimates (the published ones, and bit for bit those of the fit with
 * standard errors, which are computed after the optimum is found) and every _se undefined */
START_TEST(skip_se_fits_the_same_estimates_without_standard_errors)
{
    static const char *const se[4] = {"r_se", "alpha_se", "a_se", "b_se"};
    iv_clv_options o = IV_CLV_OPTIONS_INIT;
    iv_clv *c = NULL, *full = fit_cdnow(IV_CLV_BGNBD);
    double v, w;
    int k;
    load_cdnow();
    o.skip_se = 1;
    ck_assert_int_eq(iv_clv_fit(&c, IV_CLV_BGNBD, cx, ctx, cT, NULL, cn, &o), IV_OK);
    check_fit(c, published[0].names, published[0].want, 4, published[0].ll, 2357);
    for (k = 0; k < 4; k++) {
        ck_assert_int_eq(iv_clv_get_param(c, published[0].names[k], &v), IV_OK);
        ck_assert_int_eq(iv_clv_get_param(full, published[0].names[k], &w), IV_OK);
        ck_assert(v == w);
        ck_assert_int_eq(iv_clv_get_param(c, se[k], &v), IV_OK);
        ck_assert(isnan(v));
        ck_assert_int_eq(iv_clv_get_param(full, se[k], &w), IV_OK);
        ck_assert(isfinite(w) && w > 0);
    }
    iv_clv_free(c);
    iv_clv_free(full);
}
END_TEST

START_TEST(options_bound_iterations_and_reject_unknown_trailing_bytes)
{
    struct {
        iv_clv_options o;
        char extra[8];
    } big;
    iv_clv_options o = IV_CLV_OPTIONS_INIT;
    iv_clv *c = NULL;
    load_cdnow();
    o.max_iterations = 2;
    ck_assert_int_eq(iv_clv_fit(&c, IV_CLV_BGNBD, cx, ctx, cT, NULL, cn, &o), IV_ENOCONV);
    ck_assert_ptr_null(c);
    memset(&big, 0, sizeof big);
    ck_assert_int_eq(iv_clv_options_init(&big.o, sizeof big), IV_OK);
    big.extra[3] = 1;
    ck_assert_int_eq(iv_clv_fit(&c, IV_CLV_BGNBD, cx, ctx, cT, NULL, cn, &big.o), IV_EINVAL);
}
END_TEST

START_TEST(allocation_failure_in_a_fit_is_enomem_and_leaks_nothing)
{
    int models[] = {IV_CLV_BGNBD, IV_CLV_PARETO, IV_CLV_GG};
    size_t m;
    load_cdnow();
    for (m = 0; m < 3; m++) {
        long k;
        for (k = 1;; k++) {
            tu_alloc ta;
            iv_clv_options o = IV_CLV_OPTIONS_INIT;
            iv_clv *c = NULL;
            iv_table *t = NULL;
            int rc;
            tu_alloc_reset(&ta, k);
            o.alloc = tu_alloc_fn;
            o.alloc_ud = &ta;
            rc = iv_clv_fit(&c, models[m], cx, ctx, cT, models[m] == IV_CLV_GG ? cz : NULL,
                            cn, &o);
            if (rc == IV_OK)
                rc = iv_clv_params(c, &t);
            iv_table_free(t);
            iv_clv_free(c);
            ck_assert_int_eq(ta.live, 0);
            if (!ta.failed) {
                ck_assert_int_eq(rc, IV_OK);
                break;
            }
            ck_assert_msg(rc == IV_ENOMEM, "k = %ld: rc %d", k, rc);
        }
        ck_assert(k > 3);
    }
}
END_TEST

/* The fit's analytic gradient (grouped path) against central differences of the
 * ungrouped log-likelihood, on CDNOW plus a heavy buyer: BG/NBD and Gamma-Gamma at the
 * published values, Pareto/NBD on both 2F1 branches (alpha < beta, alpha > beta) and on
 * the quadrature path (one rate far above the other, either way round). */
START_TEST(analytic_gradient_matches_central_differences_on_every_path)
{
    static const struct {
        int model;
        double par[4];
    } at[] = {
        {IV_CLV_BGNBD, {0.2426, 4.414, 0.7930, 2.426}},
        {IV_CLV_PARETO, {0.553, 10.58, 0.606, 11.67}},
        {IV_CLV_PARETO, {0.8, 12, 0.5, 6}},
        {IV_CLV_PARETO, {0.5, 2, 3, 200}},
        {IV_CLV_PARETO, {1.2, 300, 0.8, 1.5}},
        {IV_CLV_GG, {6.25, 3.74, 15.44, 0}},
    };
    static double x[CDNOW_N + 1], tx[CDNOW_N + 1], T[CDNOW_N + 1], z[CDNOW_N + 1];
    size_t i, n = CDNOW_N + 1;
    load_cdnow();
    memcpy(x, cx, sizeof cx);
    memcpy(tx, ctx, sizeof ctx);
    memcpy(T, cT, sizeof cT);
    memcpy(z, cz, sizeof cz);
    x[CDNOW_N] = 300, tx[CDNOW_N] = 70, T[CDNOW_N] = 78, z[CDNOW_N] = 40;
    for (i = 0; i < sizeof at / sizeof at[0]; i++) {
        int k, np = at[i].model == IV_CLV_GG ? 3 : 4;
        double g[4], ll, ref;
        ck_assert_int_eq(iv__clv_grad_at(at[i].model, at[i].par, x, tx, T, z, n, &ll, g), IV_OK);
        ck_assert_int_eq(iv__clv_loglik_at(at[i].model, at[i].par, x, tx, T, z, n, &ref), IV_OK);
        CHECK_REL(ll, ref, 1e-12);
        for (k = 0; k < np; k++) {
            double p[4], h = 1e-5 * at[i].par[k], lp, lm, num;
            memcpy(p, at[i].par, sizeof p);
            p[k] = at[i].par[k] + h;
            iv__clv_loglik_at(at[i].model, p, x, tx, T, z, n, &lp);
            p[k] = at[i].par[k] - h;
            iv__clv_loglik_at(at[i].model, p, x, tx, T, z, n, &lm);
            num = (lp - lm) / (2 * h);
            /* the difference quotient: truncation ~ h^2, rounding ~ 1e-16 |LL| / h */
            ck_assert_msg(fabs(g[k] - num) <= 1e-6 * (1 + fabs(num)) + 1e-9 * fabs(ref) / h,
                          "case %zu, parameter %d: analytic %.12g, differences %.12g", i, k, g[k],
                          num);
        }
    }
}
END_TEST

/* The quadrature path (a rate parameter more than ten times the other) against the
 * independent mpmath quadrature of tests/ref/clv_ref.py. */
START_TEST(pareto_with_far_apart_rates_matches_independent_quadrature)
{
    static const double x[] = {0, 3, 40}, tx[] = {0, 4.5, 35}, T[] = {10, 20, 40};
    static const double far[2][5] = {{0.5, 2, 3, 200, REF_PN_LL_FAR_BETA},
                                      {1.2, 300, 0.8, 1.5, REF_PN_LL_FAR_ALPHA}};
    iv_clv *c = given(IV_CLV_PARETO, far[0]);
    double ll, v;
    int i;
    for (i = 0; i < 2; i++) {
        ck_assert_int_eq(iv__clv_loglik_at(IV_CLV_PARETO, far[i], x, tx, T, NULL, 3, &ll), IV_OK);
        CHECK_REL(ll, far[i][4], 1e-13);
    }
    ck_assert_int_eq(iv_clv_p_alive(c, 3, 4.5, 20, &v), IV_OK);
    CHECK_REL(v, REF_PN_PALIVE_FAR_BETA, 1e-12);
    iv_clv_free(c);
}
END_TEST

/* A first purchase on the calibration end day: x = t_x = T = 0. By hand from the
 * likelihoods: BG/NBD [FHL05 eq. 6] Gamma(r)/Gamma(r) (alpha/alpha)^r B(a,b)/B(a,b) = 1,
 * Pareto/NBD [FH05 eq. 17] alpha^r beta^s (alpha^-r beta^-s + s/(r+s) (F(0)/m^(r+s) -
 * F(0)/m^(r+s))) = 1: log L = 0 whatever the parameters, so such customers change
 * neither the fit nor its log-likelihood, only the customer count. Predictions: BG/NBD
 * dropout follows a purchase, Pareto/NBD's first bracketed term is the whole bracket, so
 * P(alive) = 1; the conditional expectation [FHL05 eq. 10, FH05 eq. 21] at x = T = 0 is
 * the unconditional one [eq. 7, eq. 20]. Hand values: BG/NBD r = 1, alpha = 1, a = 2,
 * b = 1, t = 1: 2F1(1, 1; 2; 1/2) = 2 log 2, E = 2 (1 - 1/2 * 2 log 2) = 2 (1 - log 2);
 * Pareto/NBD r = 0.5, alpha = 2, s = 2, beta = 4, t = 4: E = r beta / (alpha (s-1))
 * (1 - beta/(beta+t)) = 1 * (1 - 1/2) = 0.5; with s = 1: (r beta / alpha) log(1 + t/beta)
 * = log 2. */
START_TEST(customers_with_t_zero_have_likelihood_one_and_predict_as_new)
{
    static const double bg[] = {1, 1, 2, 1}, pn[] = {0.5, 2, 2, 4}, pn1[] = {0.5, 2, 1, 4};
    static const double z0[] = {0}, cal[] = {0.2426, 4.414, 0.7930, 2.426};
    static double x[CDNOW_N + 30], tx[CDNOW_N + 30], T[CDNOW_N + 30];
    iv_clv *b = given(IV_CLV_BGNBD, bg), *p = given(IV_CLV_PARETO, pn),
           *p1 = given(IV_CLV_PARETO, pn1), *f1 = NULL, *f2 = NULL;
    double v, l1, l2;
    size_t n2;
    int m;
    for (m = 0; m < 2; m++) {
        const double *par = m ? pn : cal;
        ck_assert_int_eq(iv__clv_loglik_at(m ? IV_CLV_PARETO : IV_CLV_BGNBD, par, z0, z0, z0,
                                           NULL, 1, &v), IV_OK);
        ck_assert_msg(fabs(v) <= 1e-15, "log L = %g", v);
    }
    ck_assert_int_eq(iv_clv_p_alive(b, 0, 0, 0, &v), IV_OK);
    ck_assert(v == 1);
    ck_assert_int_eq(iv_clv_p_alive(p, 0, 0, 0, &v), IV_OK);
    CHECK_REL(v, 1.0, 1e-15);
    ck_assert_int_eq(iv_clv_conditional(b, 1, 0, 0, 0, &v), IV_OK);
    CHECK_REL(v, 2 * (1 - log(2.0)), 1e-14);
    ck_assert_int_eq(iv_clv_expected(b, 1, &v), IV_OK);
    CHECK_REL(v, 2 * (1 - log(2.0)), 1e-14);
    ck_assert_int_eq(iv_clv_conditional(p, 4, 0, 0, 0, &v), IV_OK);
    CHECK_REL(v, 0.5, 1e-14);
    ck_assert_int_eq(iv_clv_conditional(p1, 4, 0, 0, 0, &v), IV_OK);
    CHECK_REL(v, log(2.0), 1e-14);
    /* CDNOW plus 30 new customers: the same fit, the same log-likelihood, 30 more customers */
    load_cdnow();
    memcpy(x, cx, sizeof cx);
    memcpy(tx, ctx, sizeof ctx);
    memcpy(T, cT, sizeof cT);
    for (m = 0; m < 2; m++) {
        int model = m ? IV_CLV_PARETO : IV_CLV_BGNBD;
        f1 = fit_cdnow(model);
        ck_assert_int_eq(iv_clv_fit(&f2, model, x, tx, T, NULL, CDNOW_N + 30, NULL), IV_OK);
        iv_clv_loglik(f1, &l1, NULL);
        iv_clv_loglik(f2, &l2, &n2);
        ck_assert_uint_eq(n2, CDNOW_N + 30);
        CHECK_REL(l2, l1, 1e-12);
        iv_clv_get_param(f1, "r", &l1);
        iv_clv_get_param(f2, "r", &l2);
        CHECK_REL(l2, l1, 1e-6);
        iv_clv_free(f1);
        iv_clv_free(f2);
        f2 = NULL;
    }
    /* nothing but new customers: no information at all */
    ck_assert_int_eq(iv_clv_fit(&f2, IV_CLV_BGNBD, z0, z0, z0, NULL, 1, NULL), IV_EUNDEFINED);
    ck_assert_ptr_nonnull(strstr(iv_error_last(), "T = 0"));
    /* T < 0 or t_x > T stay errors */
    ck_assert_int_eq(iv_clv_p_alive(b, 0, 0, -1, &v), IV_ERANGE);
    ck_assert_int_eq(iv_clv_p_alive(b, 1, 0.5, 0, &v), IV_ERANGE);
    iv_clv_free(b);
    iv_clv_free(p);
    iv_clv_free(p1);
}
END_TEST

/* Customers all seen buying at the end of their calibration (t_x = T): no sign of dropout,
 * so BG/NBD's likelihood rises as a -> 0 (FHL05 eq. 6 tends to the NBD likelihood) and the
 * maximum-likelihood estimate does not exist; the fit says so by name. */
START_TEST(a_maximum_on_the_boundary_is_reported_by_parameter)
{
    double x[60], tx[60], T[60];
    iv_clv *c = NULL;
    int i;
    for (i = 0; i < 60; i++) {
        x[i] = i % 6;
        T[i] = 10 + i % 7;
        tx[i] = x[i] > 0 ? T[i] : 0;
    }
    ck_assert_int_eq(iv_clv_fit(&c, IV_CLV_BGNBD, x, tx, T, NULL, 60, NULL), IV_EUNDEFINED);
    ck_assert_ptr_null(c);
    ck_assert_msg(strstr(iv_error_last(), "a -> 0") && strstr(iv_error_last(), "no dropout"),
                  "%s", iv_error_last());
}
END_TEST

/* CDNOW_sample.txt (columns: master id, sample id, YYYYMMDD, CDs, dollars) as an
 * interactions CSV: contact = sample id, ts = the date, channel web, type purchase. */
static char *cdnow_as_interactions(size_t *len)
{
    char path[1024], *raw, *csv, *p, *o;
    size_t rawlen;
    raw = tu_read_file(tu_data_path(path, sizeof path, "cdnow/CDNOW_sample.txt"), &rawlen);
    ck_assert_msg(raw != NULL, "cannot read %s", path);
    csv = malloc(2 * rawlen + 64);
    ck_assert_ptr_nonnull(csv);
    o = csv + sprintf(csv, "contact,ts,channel,type,value\n");
    for (p = raw; *p;) {
        char master[16], id[16], date[16], cds[16], dollars[32];
        int used = 0;
        if (sscanf(p, "%15s %15s %15s %15s %31s%n", master, id, date, cds, dollars, &used) != 5)
            break;
        o += sprintf(o, "%s,%.4s-%.2s-%.2s,web,purchase,%s\n", id, date, date + 4, date + 6,
                     dollars);
        p += used;
    }
    free(raw);
    *len = (size_t)(o - csv);
    return csv;
}

START_TEST(rfm_from_raw_cdnow_matches_the_published_summary_and_every_model_refits)
{
    static double x[CDNOW_N], tx[CDNOW_N], T[CDNOW_N], z[CDNOW_N];
    char path[1024], *csv, *sum, *p;
    size_t len, i, sumlen;
    iv_store *st = NULL;
    iv_ingest *ing = NULL;
    iv_table *t = NULL;
    iv_rfm_options ro;
    iv_clv *c = NULL;
    long cx_col, ctx_col, cT_col, cz_col;

    load_cdnow();
    csv = cdnow_as_interactions(&len);
    ck_assert_int_eq(iv_store_new(&st, NULL), IV_OK);
    ck_assert_int_eq(iv_ingest_new(&ing, st, NULL), IV_OK);
    ck_assert_int_eq(iv_ingest_push(ing, csv, len), IV_OK);
    ck_assert_msg(iv_ingest_finish(ing) == IV_OK, "%s", iv_error_last());
    iv_ingest_free(ing);
    free(csv);
    ck_assert_uint_eq(iv_store_rows(st), 6919);

    ck_assert_int_eq(iv_rfm_options_init(&ro, sizeof ro), IV_OK);
    ck_assert_int_eq(iv_time_parse("1997-09-30", 10, &ro.calibration_end), IV_OK);
    ro.unit = IV_RFM_WEEK;
    ck_assert_msg(iv_rfm(&t, st, &ro) == IV_OK, "%s", iv_error_last());
    ck_assert_uint_eq(iv_table_nrows(t), CDNOW_N);
    cx_col = iv_table_col_index(t, "x");
    ctx_col = iv_table_col_index(t, "t_x");
    cT_col = iv_table_col_index(t, "T");
    cz_col = iv_table_col_index(t, "zbar");

    /* cdnow_customers_summary.csv: ID,frequency,recency,T, rounded to 2 decimals */
    sum = tu_read_file(tu_data_path(path, sizeof path, "cdnow/cdnow_customers_summary.csv"),
                       &sumlen);
    ck_assert_ptr_nonnull(sum);
    p = strchr(sum, '\n');
    for (i = 0; i < CDNOW_N; i++) {
        long id = strtol(p + 1, &p, 10);
        double f = strtod(p + 1, &p), rec = strtod(p + 1, &p), age = strtod(p + 1, &p);
        ck_assert_int_eq(strtol(iv_table_get_string(t, i, 0), NULL, 10), id);
        x[i] = iv_table_get_double(t, i, (size_t)cx_col);
        tx[i] = iv_table_get_double(t, i, (size_t)ctx_col);
        T[i] = iv_table_get_double(t, i, (size_t)cT_col);
        ck_assert_msg(x[i] == f, "customer %ld: x %g, published %g", id, x[i], f);
        ck_assert_msg(fabs(tx[i] - rec) <= 0.005 + 1e-9, "customer %ld: t_x %g vs %g", id, tx[i], rec);
        ck_assert_msg(fabs(T[i] - age) <= 0.005 + 1e-9, "customer %ld: T %g vs %g", id, T[i], age);
        ck_assert_msg(fabs(iv_table_get_double(t, i, (size_t)cz_col) - cz[i]) <= 0.005 + 1e-9,
                      "customer %ld: zbar", id);
        p = strchr(p, '\n');
        ck_assert_msg(p || i + 1 == CDNOW_N, "summary ends after %zu rows", i + 1);
    }
    free(sum);
    /* data/cdnow/README.md: 2,457 repeat days in calibration, 1,882 purchase days in the
     * holdout (1997-10-01 to 1998-06-30, the store's last day) */
    {
        double rep = 0, hold = 0;
        long hcol = iv_table_col_index(t, "holdout_x");
        for (i = 0; i < CDNOW_N; i++) {
            rep += x[i];
            hold += iv_table_get_double(t, i, (size_t)hcol);
        }
        ck_assert(rep == 2457 && hold == 1882);
    }

    /* every model from its default start on the derived summaries (doc/CLV.md): BG/NBD,
     * Pareto/NBD, and Gamma-Gamma on the derived mean repeat spend */
    for (i = 0; i < CDNOW_N; i++)
        z[i] = iv_table_get_double(t, i, (size_t)cz_col);
    for (i = 0; i < 3; i++) {
        ck_assert_msg(iv_clv_fit(&c, published[i].model, x, tx, T,
                                 published[i].model == IV_CLV_GG ? z : NULL, CDNOW_N, NULL) == IV_OK,
                      "model %d: %s", published[i].model, iv_error_last());
        check_fit(c, published[i].names, published[i].want, published[i].np, published[i].ll,
                  published[i].customers);
        iv_clv_free(c);
    }
    iv_table_free(t);

    /* Calibration ending 1997-03-25 (the last day of first purchases, so 30 customers have
     * T = 0): Pareto/NBD's likelihood keeps rising as s and beta grow together (every
     * customer the same dropout rate), which the fit reports instead of wandering off */
    ck_assert_int_eq(iv_time_parse("1997-03-25", 10, &ro.calibration_end), IV_OK);
    ck_assert_int_eq(iv_rfm(&t, st, &ro), IV_OK);
    ck_assert_uint_eq(iv_table_nrows(t), CDNOW_N);
    for (i = 0; i < CDNOW_N; i++) {
        x[i] = iv_table_get_double(t, i, (size_t)cx_col);
        tx[i] = iv_table_get_double(t, i, (size_t)ctx_col);
        T[i] = iv_table_get_double(t, i, (size_t)cT_col);
    }
    ck_assert_int_eq(iv_clv_fit(&c, IV_CLV_PARETO, x, tx, T, NULL, CDNOW_N, NULL), IV_EUNDEFINED);
    ck_assert_msg(strstr(iv_error_last(), "s and beta -> infinity") &&
                  strstr(iv_error_last(), "dropout rates do not vary"), "%s", iv_error_last());
    iv_table_free(t);
    iv_store_free(st);
}
END_TEST

/* iv_rfm counts the rows whose type carries the purchase flag (purchase, renewal) and no
 * other (click, open), over more than 64 rows (the purchase rows are marked in a bitmap of
 * 64-bit words); by hand, days, calibration end 2024-03-31, holdout end 2024-06-30:
 *   a: purchases Jan 1 (10 + 5, one day), Jan 11 (20), Apr 10 (7, holdout): x 1, t_x 10,
 *      T 90, zbar 20, holdout 1 day worth 7;
 *   b: clicks and a purchase on May 1 only: not a customer (first purchase after the end);
 *   c: 70 opens (Jan 15, Feb 20, Mar 5), renewals Feb 1 (3), Feb 15 (4 + 6),
 *      Mar 31 (1): x 2, t_x 59, T 59, zbar (10 + 1) / 2. */
START_TEST(rfm_counts_only_the_purchase_rows_among_other_types)
{
    iv_store *s = tu_new_store(NULL, NULL);
    iv_rfm_options ro = IV_RFM_OPTIONS_INIT;
    iv_table *t = NULL;
    int d;
    tu_add(s, "contact=a ts=2024-01-01T09:00:00Z channel=web type=purchase value=10");
    tu_add(s, "contact=a ts=2024-01-01T17:00:00Z channel=web type=purchase value=5");
    tu_add(s, "contact=b ts=2024-01-02T09:00:00Z channel=web type=click value=50");
    tu_add(s, "contact=a ts=2024-01-05T09:00:00Z channel=web type=click value=99");
    tu_add(s, "contact=a ts=2024-01-11T09:00:00Z channel=web type=purchase value=20");
    for (d = 0; d < 70; d++)
        tu_add(s, "contact=c ts=%s channel=email type=open value=1",
               d < 31 ? "2024-01-15T08:00:00Z" : d < 60 ? "2024-02-20T08:00:00Z"
                                                     : "2024-03-05T08:00:00Z");
    tu_add(s, "contact=c ts=2024-02-01T10:00:00Z channel=web type=renewal value=3");
    tu_add(s, "contact=c ts=2024-02-15T10:00:00Z channel=web type=renewal value=4");
    tu_add(s, "contact=c ts=2024-02-15T11:00:00Z channel=web type=renewal value=6");
    tu_add(s, "contact=a ts=2024-03-01T09:00:00Z channel=web type=open value=8");
    tu_add(s, "contact=c ts=2024-03-31T12:00:00Z channel=web type=renewal value=1");
    tu_add(s, "contact=a ts=2024-04-10T09:00:00Z channel=web type=purchase value=7");
    tu_add(s, "contact=b ts=2024-05-01T09:00:00Z channel=web type=purchase value=9");
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    ro.unit = IV_RFM_DAY;
    ro.calibration_end = tu_ts("2024-03-31T00:00:00Z");
    ro.holdout_end = tu_ts("2024-06-30T00:00:00Z");
    ck_assert_msg(iv_rfm(&t, s, &ro) == IV_OK, "%s", iv_error_last());
    ck_assert_uint_eq(iv_table_nrows(t), 2);
    ck_assert_str_eq(iv_table_get_string(t, 0, 0), "a");
    ck_assert(tu_cell(t, 0, "x") == 1 && tu_cell(t, 0, "t_x") == 10 && tu_cell(t, 0, "T") == 90);
    ck_assert(tu_cell(t, 0, "zbar") == 20 && tu_cell(t, 0, "holdout_x") == 1);
    ck_assert(tu_cell(t, 0, "holdout_value") == 7);
    ck_assert_str_eq(iv_table_get_string(t, 1, 0), "c");
    ck_assert(tu_cell(t, 1, "x") == 2 && tu_cell(t, 1, "t_x") == 59 && tu_cell(t, 1, "T") == 59);
    ck_assert(tu_cell(t, 1, "zbar") == 5.5 && tu_cell(t, 1, "holdout_x") == 0);
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

static void clv_tests(TCase *tc)
{
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, cdnow_fit_lands_within_half_percent_and_0_01_loglik_of_published, 0,
                        3);
    tcase_add_test(tc, loglik_at_published_parameters_matches_independent_computation);
    tcase_add_test(tc, predictions_match_independent_computation_for_cdnow_customer_1);
    tcase_add_test(tc, heavy_buyers_give_finite_loglik_and_p_alive_in_unit_interval);
    tcase_add_test(tc, simple_clv_is_m_r_over_1_plus_d_minus_r);
    tcase_add_test(tc, expected_spend_and_value_follow_their_definitions_by_hand);
    tcase_add_test(tc, identical_customers_are_grouped_so_duplicates_double_the_loglik);
    tcase_add_test(tc, rfm_counts_only_the_purchase_rows_among_other_types);
    tcase_add_test(tc, params_table_has_paper_names_loglik_and_customers);
    tcase_add_test(tc, bad_input_is_reported_with_the_customer_index);
    tcase_add_test(tc, options_bound_iterations_and_reject_unknown_trailing_bytes);
    tcase_add_test(tc, skip_se_fits_the_same_estimates_without_standard_errors);
    tcase_add_test(tc, allocation_failure_in_a_fit_is_enomem_and_leaks_nothing);
    tcase_add_test(tc, rfm_from_raw_cdnow_matches_the_published_summary_and_every_model_refits);
    tcase_add_test(tc, analytic_gradient_matches_central_differences_on_every_path);
    tcase_add_test(tc, pareto_with_far_apart_rates_matches_independent_quadrature);
    tcase_add_test(tc, customers_with_t_zero_have_likelihood_one_and_predict_as_new);
    tcase_add_test(tc, a_maximum_on_the_boundary_is_reported_by_parameter);
}

TU_SUITE_MAIN("clv", clv_tests)
