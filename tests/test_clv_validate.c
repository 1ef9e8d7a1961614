/* Holdout validation (iv_clv_validate, iv_clv_validate_store): the table of a tiny data set
 * against tests/ref/clv_validate_ref.py (each conditional expectation by mpmath, the
 * aggregation there too), cases worked by hand, covariates, the store path and refusals. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iv/clv.h"
#include "iv/table.h"
#include "testutil.h"

#include "ref/clv_validate_ref.h"

#define NREF (sizeof ref_x / sizeof ref_x[0])
#define NBB (sizeof ref_bx / sizeof ref_bx[0])

static const char *const labels[] = {"0", "1", "2", "3", "4", "5", "6", "7+", "all"};

static iv_clv *given(int model, const double *par)
{
    iv_clv *c = NULL;
    ck_assert_msg(iv_clv_new(&c, model, par, NULL) == IV_OK, "%s", iv_error_last());
    return c;
}

static void check_cell(double got, double want, const char *what, size_t row)
{
    if (isnan(want))
        ck_assert_msg(isnan(got), "row %zu %s = %.17g, want undefined", row, what, got);
    else
        ck_assert_msg(fabs(got - want) <= 1e-12 * fabs(want) + 1e-15,
                      "row %zu %s = %.17g, want %.17g", row, what, got, want);
}

/* The table's shape and every cell against the reference. */
static void check_table(const iv_table *t, const double *cnt, const double *act,
                        const double *pre, const double *all, size_t n)
{
    size_t r;
    ck_assert_uint_eq(iv_table_nrows(t), 9);
    ck_assert_uint_eq(iv_table_ncols(t), 7);
    for (r = 0; r < 9; r++) {
        ck_assert_str_eq(tu_scell(t, r, "x"), labels[r]);
        if (r < 8) {
            ck_assert_msg(tu_cell(t, r, "customers") == cnt[r], "row %zu customers", r);
            check_cell(tu_cell(t, r, "actual"), act[r], "actual", r);
            check_cell(tu_cell(t, r, "predicted"), pre[r], "predicted", r);
            ck_assert(isnan(tu_cell(t, r, "mae")) && isnan(tu_cell(t, r, "rmse")) &&
                      isnan(tu_cell(t, r, "correlation")));
        } else {
            ck_assert_msg(tu_cell(t, r, "customers") == (double)n, "all customers");
            check_cell(tu_cell(t, r, "actual"), all[0], "actual", r);
            check_cell(tu_cell(t, r, "predicted"), all[1], "predicted", r);
            check_cell(tu_cell(t, r, "mae"), all[2], "mae", r);
            check_cell(tu_cell(t, r, "rmse"), all[3], "rmse", r);
            check_cell(tu_cell(t, r, "correlation"), all[4], "correlation", r);
        }
    }
}

static iv_table *validate(const iv_clv *c, const double *x, const double *tx, const double *T,
                          const double *hx, const double *hT, size_t n)
{
    iv_table *t = NULL;
    int rc = iv_clv_validate(&t, c, x, tx, T, hx, hT, n, NULL);
    ck_assert_msg(rc == IV_OK, "validate: %s", iv_error_last());
    return t;
}

/* BG/NBD, MBG/NBD, Pareto/NBD and BG/BB against the mpmath reference (each customer's
 * conditional expectation computed independently; see the script's docstring). */
START_TEST(tables_match_the_mpmath_reference)
{
    static const struct {
        int model;
        const double *par, *cnt, *act, *pre, *all;
    } cases[] = {
        {IV_CLV_BGNBD, bg_par, bg_cnt, bg_act, bg_pre, bg_all},
        {IV_CLV_MBGNBD, mbg_par, mbg_cnt, mbg_act, mbg_pre, mbg_all},
        {IV_CLV_PARETO, pn_par, pn_cnt, pn_act, pn_pre, pn_all},
        {IV_CLV_BGBB, bb_par, bb_cnt, bb_act, bb_pre, bb_all},
    };
    size_t k;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        iv_clv *c = given(cases[k].model, cases[k].par);
        iv_table *t = cases[k].model == IV_CLV_BGBB
                          ? validate(c, ref_bx, ref_btx, ref_bn, ref_bhx, ref_bhn, NBB)
                          : validate(c, ref_x, ref_tx, ref_T, ref_hx, ref_hT, NREF);
        check_table(t, cases[k].cnt, cases[k].act, cases[k].pre, cases[k].all,
                    cases[k].model == IV_CLV_BGBB ? NBB : NREF);
        iv_table_free(t);
        iv_clv_free(c);
    }
}
END_TEST

/* Every customer twice (the copies in reverse order after the originals): the models that
 * compute a prediction once per group of identical customers (BG/NBD, MBG/NBD: the mean
 * function per (x, T, holdout T); Pareto/NBD: the whole prediction per (x, t_x, T,
 * holdout T)) give the reference's class means, twice the counts and totals, and the same
 * mean errors and correlation. */
START_TEST(duplicated_customers_match_the_reference_doubled)
{
    static const struct {
        int model;
        const double *par, *cnt, *act, *pre, *all;
    } cases[] = {
        {IV_CLV_BGNBD, bg_par, bg_cnt, bg_act, bg_pre, bg_all},
        {IV_CLV_MBGNBD, mbg_par, mbg_cnt, mbg_act, mbg_pre, mbg_all},
        {IV_CLV_PARETO, pn_par, pn_cnt, pn_act, pn_pre, pn_all},
    };
    double x[2 * NREF], tx[2 * NREF], T[2 * NREF], hx[2 * NREF], hT[2 * NREF], cnt[8], all[5];
    size_t i, k;
    for (i = 0; i < 2 * NREF; i++) {
        size_t j = i < NREF ? i : 2 * NREF - 1 - i;
        x[i] = ref_x[j];
        tx[i] = ref_tx[j];
        T[i] = ref_T[j];
        hx[i] = ref_hx[j];
        hT[i] = ref_hT[j];
    }
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        iv_clv *c = given(cases[k].model, cases[k].par);
        iv_table *t = validate(c, x, tx, T, hx, hT, 2 * NREF);
        for (i = 0; i < 8; i++)
            cnt[i] = 2 * cases[k].cnt[i];
        all[0] = 2 * cases[k].all[0];
        all[1] = 2 * cases[k].all[1];
        for (i = 2; i < 5; i++)
            all[i] = cases[k].all[i];
        check_table(t, cnt, cases[k].act, cases[k].pre, all, 2 * NREF);
        iv_table_free(t);
        iv_clv_free(c);
    }
}
END_TEST

/* Worked by hand: with holdout length 0 every prediction is 0, so predicted is 0, the
 * totals are the sums of the holdout counts, mae = mean(hx) = 18/10, rmse =
 * sqrt(mean(hx^2)) = sqrt((0+1+0+1+4+1+0+9+16+36)/10) = sqrt(6.8), and the correlation
 * with a constant column is undefined (NaN, never 0). */
START_TEST(zero_holdout_worked_by_hand)
{
    static const double hT0[NREF] = {0};
    static const double cnt[8] = {2, 1, 1, 1, 1, 1, 1, 2};
    static const double act[8] = {0.5, 0, 1, 2, 1, 0, 3, 5};
    static const double pre[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    double all[5];
    iv_clv *c = given(IV_CLV_BGNBD, bg_par);
    iv_table *t = validate(c, ref_x, ref_tx, ref_T, ref_hx, hT0, NREF);
    all[0] = 18;
    all[1] = 0;
    all[2] = 1.8;
    all[3] = sqrt(6.8);
    all[4] = NAN;
    check_table(t, cnt, act, pre, all, NREF);
    iv_table_free(t);
    iv_clv_free(c);
}
END_TEST

/* By hand: equal holdout counts (a constant actual column) also leave the correlation
 * undefined; two customers in class 7+ (x = 7 and x = 100) and one in 0; no customer in
 * 1..6 leaves their means undefined. */
START_TEST(constant_actual_and_empty_classes)
{
    static const double x[] = {0, 7, 100}, tx[] = {0, 10, 20}, T[] = {30, 30, 30};
    static const double hx[] = {2, 2, 2}, hT[] = {10, 10, 10};
    iv_clv *c = given(IV_CLV_BGNBD, bg_par);
    iv_table *t = validate(c, x, tx, T, hx, hT, 3);
    double p[3], s;
    size_t r, i;
    for (i = 0; i < 3; i++)
        ck_assert(iv_clv_conditional(c, hT[i], x[i], tx[i], T[i], &p[i]) == IV_OK);
    ck_assert(tu_cell(t, 0, "customers") == 1 && tu_cell(t, 7, "customers") == 2);
    for (r = 1; r < 7; r++)
        ck_assert(tu_cell(t, r, "customers") == 0 && isnan(tu_cell(t, r, "actual")) &&
                  isnan(tu_cell(t, r, "predicted")));
    check_cell(tu_cell(t, 7, "actual"), 2, "actual", 7);
    check_cell(tu_cell(t, 7, "predicted"), (p[1] + p[2]) / 2, "predicted", 7);
    s = p[0] + p[1] + p[2];
    check_cell(tu_cell(t, 8, "predicted"), s, "predicted", 8);
    check_cell(tu_cell(t, 8, "actual"), 6, "actual", 8);
    ck_assert(isnan(tu_cell(t, 8, "correlation")));
    iv_table_free(t);
    /* no customer at all: every class empty, totals 0, the errors undefined */
    ck_assert(iv_clv_validate(&t, c, NULL, NULL, NULL, NULL, NULL, 0, NULL) == IV_OK);
    ck_assert(tu_cell(t, 8, "customers") == 0 && tu_cell(t, 8, "actual") == 0 &&
              isnan(tu_cell(t, 8, "mae")) && isnan(tu_cell(t, 8, "correlation")));
    iv_table_free(t);
    iv_clv_free(c);
}
END_TEST

/* Covariates: each customer's prediction is that of its own model (iv_clv_for_customer),
 * and all-zero covariates give the plain model's table. */
START_TEST(covariates_predict_each_customer_at_its_rates)
{
    static const double z[NREF] = {0, 1, 0, 1, 1, 0, 1, 0, 1, 0};
    static const double z0[NREF] = {0};
    iv_clv_options o = IV_CLV_OPTIONS_INIT;
    iv_clv_validate_options vo = IV_CLV_VALIDATE_OPTIONS_INIT;
    iv_clv *c = NULL, *plain;
    iv_table *t = NULL, *t0 = NULL, *tp;
    double want = 0, w7 = 0;
    size_t i;
    o.penalizer = 0.1; /* ten customers: keep the fit finite */
    o.covariates_purchase = 1;
    o.z_purchase = z;
    o.covariates_dropout = 1;
    o.z_dropout = z;
    ck_assert_msg(iv_clv_fit(&c, IV_CLV_PARETO, ref_x, ref_tx, ref_T, NULL, NREF, &o) == IV_OK,
                  "%s", iv_error_last());
    vo.z_purchase = z;
    vo.z_dropout = z;
    ck_assert_msg(iv_clv_validate(&t, c, ref_x, ref_tx, ref_T, ref_hx, ref_hT, NREF, &vo) ==
                  IV_OK, "%s", iv_error_last());
    for (i = 0; i < NREF; i++) {
        iv_clv *one = NULL;
        double p;
        ck_assert(iv_clv_for_customer(c, &z[i], &z[i], &one) == IV_OK);
        ck_assert(iv_clv_conditional(one, ref_hT[i], ref_x[i], ref_tx[i], ref_T[i], &p) == IV_OK);
        want += p;
        if (ref_x[i] >= 7)
            w7 += p / 2;
        iv_clv_free(one);
    }
    check_cell(tu_cell(t, 8, "predicted"), want, "predicted", 8);
    check_cell(tu_cell(t, 7, "predicted"), w7, "predicted", 7);
    vo.z_purchase = z0;
    vo.z_dropout = z0;
    ck_assert(iv_clv_validate(&t0, c, ref_x, ref_tx, ref_T, ref_hx, ref_hT, NREF, &vo) == IV_OK);
    tp = validate(c, ref_x, ref_tx, ref_T, ref_hx, ref_hT, NREF);
    for (i = 0; i < 9; i++)
        ck_assert(tu_cell(t0, i, "predicted") == tu_cell(tp, i, "predicted") ||
                  (isnan(tu_cell(t0, i, "predicted")) && isnan(tu_cell(tp, i, "predicted"))));
    iv_table_free(t);
    iv_table_free(t0);
    iv_table_free(tp);
    /* covariates for a model without them are refused */
    plain = given(IV_CLV_BGNBD, bg_par);
    vo.z_purchase = z;
    vo.z_dropout = NULL;
    ck_assert_int_eq(iv_clv_validate(&t, plain, ref_x, ref_tx, ref_T, ref_hx, ref_hT, NREF, &vo),
                     IV_EINVAL);
    ck_assert_ptr_null(t);
    iv_clv_free(plain);
    iv_clv_free(c);
}
END_TEST

/* BG/NBD and MBG/NBD compute the mean function once per distinct (x, T, holdout T) and
 * reuse it, Pareto/NBD the whole prediction once per distinct (x, t_x, T, holdout T):
 * customers sharing x and T with different t_x, repeated out of order, with two holdout
 * lengths, give exactly (==) the sums of iv_clv_conditional called customer by customer
 * in their order (fails when the reuse keys on less than x, T and the holdout length, or
 * for Pareto/NBD less than x, t_x, T and the holdout length: shared values would then be
 * wrong by far more than rounding). */
START_TEST(shared_mean_functions_give_the_per_customer_predictions)
{
    static const double x[] = {2, 0, 2, 2, 5, 0, 2, 5, 2, 2};
    static const double tx[] = {3, 0, 8, 3, 9, 0, 1, 2, 8, 3};
    static const double T[] = {10, 10, 10, 12, 10, 12, 10, 10, 10, 10};
    static const double hx[] = {1, 0, 2, 0, 3, 1, 0, 2, 1, 0};
    static const double hT[] = {6, 6, 6, 6, 6, 6, 6, 6, 6, 9};
    static const int models[] = {IV_CLV_BGNBD, IV_CLV_MBGNBD, IV_CLV_PARETO};
    const double *const pars[] = {bg_par, mbg_par, pn_par};
    size_t k, i, n = sizeof x / sizeof x[0];
    for (k = 0; k < 3; k++) {
        iv_clv *c = given(models[k], pars[k]);
        iv_table *t = validate(c, x, tx, T, hx, hT, n);
        double cls[8] = {0}, cnt[8] = {0}, all = 0, p;
        for (i = 0; i < n; i++) {
            int j = x[i] >= 7 ? 7 : (int)x[i];
            ck_assert_int_eq(iv_clv_conditional(c, hT[i], x[i], tx[i], T[i], &p), IV_OK);
            cls[j] += p;
            cnt[j] += 1;
            all += p;
        }
        for (i = 0; i < 8; i++)
            if (cnt[i] > 0)
                ck_assert_msg(tu_cell(t, i, "predicted") == cls[i] / cnt[i],
                              "model %zu class %zu: %.17g, want %.17g", k, i,
                              tu_cell(t, i, "predicted"), cls[i] / cnt[i]);
        ck_assert_msg(tu_cell(t, 8, "predicted") == all, "model %zu total", k); /* a sum */
        iv_table_free(t);
        iv_clv_free(c);
    }
}
END_TEST

/* Bad input is refused with the customer named (and its index in failed); Gamma-Gamma and
 * shifted-BG are refused; bad options and NULL arguments. */
START_TEST(refusals_name_the_customer)
{
    double x[] = {1, 2, 3}, tx[] = {1, 5, 2}, T[] = {10, 4, 10}, hx[] = {0, 1, 2};
    double hT[] = {5, 5, 5}, bad_hx[] = {0, 1, -1};
    static const double ggp[] = {6.25, 3.74, 15.44}, sbgp[] = {0.7, 1.2};
    size_t failed = 99;
    iv_clv_validate_options vo = IV_CLV_VALIDATE_OPTIONS_INIT;
    iv_clv *c = given(IV_CLV_BGNBD, bg_par), *gg = given(IV_CLV_GG, ggp),
           *sbg = given(IV_CLV_SBG, sbgp);
    iv_table *t = NULL;
    vo.failed = &failed;
    /* customer 1 has t_x = 5 > T = 4 */
    ck_assert_int_eq(iv_clv_validate(&t, c, x, tx, T, hx, hT, 3, &vo), IV_ERANGE);
    ck_assert_ptr_null(t);
    ck_assert_uint_eq(failed, 1);
    ck_assert_msg(strncmp(iv_error_last(), "customer 1: the conditional expectation: ", 41) == 0,
                  "%s", iv_error_last());
    T[1] = 6;
    ck_assert_int_eq(iv_clv_validate(&t, c, x, tx, T, bad_hx, hT, 3, &vo), IV_ERANGE);
    ck_assert_uint_eq(failed, 2);
    ck_assert_msg(strstr(iv_error_last(), "customer 2: holdout_x") != NULL, "%s", iv_error_last());
    hT[0] = NAN;
    ck_assert_int_eq(iv_clv_validate(&t, c, x, tx, T, hx, hT, 3, &vo), IV_ERANGE);
    ck_assert_uint_eq(failed, 0);
    hT[0] = 5;
    ck_assert_int_eq(iv_clv_validate(&t, gg, x, tx, T, hx, hT, 3, NULL), IV_EINVAL);
    ck_assert_msg(strstr(iv_error_last(), "Gamma-Gamma") != NULL, "%s", iv_error_last());
    ck_assert_int_eq(iv_clv_validate(&t, sbg, x, tx, T, hx, hT, 3, NULL), IV_EINVAL);
    ck_assert_int_eq(iv_clv_validate(&t, c, x, NULL, T, hx, hT, 3, NULL), IV_EINVAL);
    ck_assert_int_eq(iv_clv_validate(NULL, c, x, tx, T, hx, hT, 3, NULL), IV_EINVAL);
    ck_assert_int_eq(iv_clv_validate(&t, NULL, x, tx, T, hx, hT, 3, NULL), IV_EINVAL);
    vo.size = 3;
    ck_assert_int_eq(iv_clv_validate(&t, c, x, tx, T, hx, hT, 3, &vo), IV_EINVAL);
    ck_assert_int_eq(iv_clv_validate_options_init(&vo, 3), IV_EINVAL);
    ck_assert_int_eq(iv_clv_validate_options_init(&vo, sizeof vo), IV_OK);
    ck_assert(vo.size == sizeof vo && !vo.failed && !vo.z_purchase && !vo.alloc);
    ck_assert_ptr_null(t);
    iv_clv_free(c);
    iv_clv_free(gg);
    iv_clv_free(sbg);
}
END_TEST

/* A small store: purchases before and after 2024-03-31; the holdout up to 2024-06-30 is
 * 91 days = 13 weeks. iv_clv_validate_store equals iv_rfm + iv_clv_fit +
 * iv_clv_validate composed here, and the holdout counts are those written below. */
static iv_store *shop_with(iv_alloc_fn fn, void *ud)
{
    static const char *const rows[] = {
        "a 2024-01-02", "a 2024-01-20", "a 2024-02-14", "a 2024-03-30", "a 2024-04-10",
        "a 2024-05-01", "b 2024-01-05", "b 2024-03-01", "c 2024-01-10", "c 2024-06-20",
        "d 2024-02-01", "d 2024-02-08", "d 2024-02-15", "d 2024-02-22", "e 2024-03-15",
        "f 2024-01-03", "f 2024-01-17", "f 2024-01-31", "f 2024-04-15", "f 2024-05-15",
        "f 2024-06-15", "g 2024-02-20", "g 2024-03-10", "h 2024-01-15", "h 2024-01-25",
        "h 2024-03-05", "h 2024-03-25", "h 2024-06-01", "i 2024-05-05", "j 2024-01-01",
        "j 2024-01-08", "j 2024-01-15", "j 2024-01-22", "j 2024-01-29", "j 2024-02-05",
        "k 2024-01-04", "k 2024-01-11", "k 2024-01-18", "k 2024-01-25", "k 2024-02-01"};
    iv_store *s = tu_new_store(fn, ud);
    size_t i;
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char c[2] = {rows[i][0], 0};
        tu_add(s, "contact=%s ts=%sT12:00:00Z channel=web type=purchase value=10", c, rows[i] + 2);
    }
    ck_assert(iv_store_prepare(s) == IV_OK);
    return s;
}

static iv_store *shop(void)
{
    return shop_with(NULL, NULL);
}

START_TEST(store_path_equals_the_composition)
{
    /* holdout purchases by hand: a 2, b 0, c 1, d 0, e 0, f 3, g 0, h 1, j 0, k 0 (i starts
     * after the calibration end, so it is not a customer) */
    static const double hand_hx[] = {2, 0, 1, 0, 0, 3, 0, 1, 0, 0};
    iv_store *s = shop();
    iv_rfm_options ro = IV_RFM_OPTIONS_INIT;
    iv_table *t = NULL, *rfm = NULL, *want = NULL;
    iv_clv *m = NULL, *fitted = NULL;
    iv_clv_options fo = IV_CLV_OPTIONS_INIT;
    double x[10], tx[10], T[10], hx[10], hT[10];
    size_t i, r, c;
    ro.calibration_end = tu_ts("2024-03-31T00:00:00Z");
    ro.holdout_end = tu_ts("2024-06-30T00:00:00Z");
    fo.penalizer = 0.1; /* ten customers: keep the fit finite */
    ck_assert_msg(iv_clv_validate_store(&t, &fitted, s, IV_CLV_BGNBD, &ro, &fo, NULL) == IV_OK,
                  "%s", iv_error_last());
    ck_assert(iv_rfm(&rfm, s, &ro) == IV_OK);
    ck_assert_uint_eq(iv_table_nrows(rfm), 10);
    for (i = 0; i < 10; i++) {
        x[i] = tu_cell(rfm, i, "x");
        tx[i] = tu_cell(rfm, i, "t_x");
        T[i] = tu_cell(rfm, i, "T");
        hx[i] = tu_cell(rfm, i, "holdout_x");
        hT[i] = 13.0;
        ck_assert_msg(hx[i] == hand_hx[i], "contact %s holdout %g", tu_scell(rfm, i, "contact"),
                      hx[i]);
    }
    ck_assert(iv_clv_fit(&m, IV_CLV_BGNBD, x, tx, T, NULL, 10, &fo) == IV_OK);
    want = validate(m, x, tx, T, hx, hT, 10);
    for (r = 0; r < 9; r++)
        for (c = 1; c < 7; c++) {
            double a = iv_table_get_double(t, r, c), b = iv_table_get_double(want, r, c);
            ck_assert_msg(a == b || (isnan(a) && isnan(b)), "row %zu col %zu: %g vs %g", r, c, a, b);
        }
    {
        double p1, p2;
        ck_assert(iv_clv_get_param(m, "r", &p1) == IV_OK && iv_clv_get_param(fitted, "r", &p2) == IV_OK);
        ck_assert(p1 == p2);
    }
    iv_table_free(t);
    iv_table_free(want);
    iv_table_free(rfm);
    iv_clv_free(m);
    iv_clv_free(fitted);
    /* refusals: no calibration end, holdout before it, a model without counts */
    ro.calibration_end = IV_TIME_NONE;
    ck_assert_int_eq(iv_clv_validate_store(&t, NULL, s, IV_CLV_BGNBD, &ro, NULL, NULL), IV_EINVAL);
    ro.calibration_end = tu_ts("2024-03-31T00:00:00Z");
    ro.holdout_end = tu_ts("2024-03-01T00:00:00Z");
    ck_assert_int_eq(iv_clv_validate_store(&t, NULL, s, IV_CLV_BGNBD, &ro, NULL, NULL), IV_EINVAL);
    ro.holdout_end = IV_TIME_NONE; /* the last day of the store: 2024-06-20, 81 days */
    ck_assert_int_eq(iv_clv_validate_store(&t, NULL, s, IV_CLV_GG, &ro, NULL, NULL), IV_EINVAL);
    ck_assert_int_eq(iv_clv_validate_store(&t, NULL, s, IV_CLV_SBG, &ro, NULL, NULL), IV_EINVAL);
    ro.calibration_end = tu_ts("2023-12-31T00:00:00Z");
    ck_assert_int_eq(iv_clv_validate_store(&t, NULL, s, IV_CLV_BGNBD, &ro, NULL, NULL),
                     IV_EUNDEFINED);
    ck_assert_ptr_null(t);
    iv_store_free(s);
}
END_TEST

/* BG/BB from a store: opportunities are weeks after the first purchase; the table's
 * customers and holdout totals equal iv_rfm_discrete's. */
START_TEST(store_path_bgbb)
{
    iv_store *s = shop();
    iv_rfm_options ro = IV_RFM_OPTIONS_INIT;
    iv_table *t = NULL, *d = NULL;
    iv_clv_options fo = IV_CLV_OPTIONS_INIT;
    double sum = 0;
    size_t i;
    ro.calibration_end = tu_ts("2024-03-31T00:00:00Z");
    ro.holdout_end = tu_ts("2024-06-30T00:00:00Z");
    fo.penalizer = 0.1;
    ck_assert_msg(iv_clv_validate_store(&t, NULL, s, IV_CLV_BGBB, &ro, &fo, NULL) == IV_OK, "%s",
                  iv_error_last());
    ck_assert(iv_rfm_discrete(&d, s, &ro) == IV_OK);
    for (i = 0; i < iv_table_nrows(d); i++)
        sum += tu_cell(d, i, "holdout_x");
    ck_assert(tu_cell(t, 8, "customers") == (double)iv_table_nrows(d));
    ck_assert(tu_cell(t, 8, "actual") == sum);
    ck_assert(tu_cell(t, 8, "predicted") > 0);
    iv_table_free(t);
    iv_table_free(d);
    iv_store_free(s);
}
END_TEST

/* Every allocation failing in turn (the store's, the fit's and the table's allocator are
 * the same counting hook): IV_ENOMEM, nothing leaked, then the call succeeds. */
static void *sweep_ud;

static iv_store *sweep_build(iv_alloc_fn fn, void *ud, const void *ctx)
{
    (void)ctx;
    sweep_ud = ud;
    return shop_with(fn, ud);
}

static int sweep_call(const iv_store *s, const void *ctx)
{
    iv_rfm_options ro = IV_RFM_OPTIONS_INIT;
    iv_clv_options fo = IV_CLV_OPTIONS_INIT;
    iv_clv_validate_options vo = IV_CLV_VALIDATE_OPTIONS_INIT;
    iv_table *t = NULL;
    iv_clv *m = NULL;
    int rc;
    ro.calibration_end = tu_ts("2024-03-31T00:00:00Z");
    ro.holdout_end = tu_ts("2024-06-30T00:00:00Z");
    fo.penalizer = 0.1;
    fo.alloc = vo.alloc = tu_alloc_fn;
    fo.alloc_ud = vo.alloc_ud = sweep_ud;
    rc = iv_clv_validate_store(&t, &m, s, *(const int *)ctx, &ro, &fo, &vo);
    if (rc == IV_OK)
        ck_assert(t && m && tu_cell(t, 8, "customers") == 10);
    else
        ck_assert(!t && !m);
    iv_table_free(t);
    iv_clv_free(m);
    return rc;
}

START_TEST(allocation_failures_leak_nothing)
{
    static const int models[] = {IV_CLV_BGNBD, IV_CLV_PARETO, IV_CLV_BGBB};
    size_t k;
    for (k = 0; k < 3; k++)
        tu_alloc_sweep(sweep_build, sweep_call, &models[k]);
}
END_TEST

static void add(TCase *tc)
{
    tcase_add_test(tc, tables_match_the_mpmath_reference);
    tcase_add_test(tc, duplicated_customers_match_the_reference_doubled);
    tcase_add_test(tc, zero_holdout_worked_by_hand);
    tcase_add_test(tc, constant_actual_and_empty_classes);
    tcase_add_test(tc, covariates_predict_each_customer_at_its_rates);
    tcase_add_test(tc, shared_mean_functions_give_the_per_customer_predictions);
    tcase_add_test(tc, refusals_name_the_customer);
    tcase_add_test(tc, store_path_equals_the_composition);
    tcase_add_test(tc, store_path_bgbb);
    tcase_add_test(tc, allocation_failures_leak_nothing);
}

TU_SUITE_MAIN("clv_validate", add)
