/* CLV covariates (doc/CLV.md): Pareto/NBD on the purchase and dropout rates, BG/NBD on the
 * purchase rate. Simulated customers with known coefficients are recovered within their
 * standard errors; all-zero covariates give the plain fit exactly; the fitted likelihood
 * equals the plain model's, customer by customer, at each customer's own rates; bad
 * covariates are refused. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clv.h"
#include "clv_sim.h"
#include "iv/clv.h"
#include "iv/table.h"
#include "testutil.h"

static double param(const iv_clv *c, const char *name)
{
    double v = NAN;
    ck_assert_msg(iv_clv_get_param(c, name, &v) == IV_OK, "%s: %s", name, iv_error_last());
    return v;
}

/* est within k standard errors of the truth, with a finite positive standard error */
static void within(const iv_clv *c, const char *name, double truth, double k)
{
    char se[128];
    double v = param(c, name), s;
    snprintf(se, sizeof se, "%s_se", name);
    s = param(c, se);
    ck_assert_msg(s > 0 && isfinite(s), "%s_se = %g", name, s);
    ck_assert_msg(fabs(v - truth) <= k * s, "%s = %g (se %g), truth %g: %.2f se away", name, v,
                  s, truth, fabs(v - truth) / s);
}

/* Sum over customers of the plain model's log-likelihood at each customer's own rates
 * (iv_clv_for_customer), ungrouped: an independent path to the fit's log-likelihood. */
static double loglik_by_customer(const iv_clv *c, int model, const double *x, const double *tx,
                                 const double *T, const double *zp, size_t kp, const double *zd,
                                 size_t kd, size_t n)
{
    static const char *const names[2][4] = {{"r", "alpha", "a", "b"}, {"r", "alpha", "s", "beta"}};
    double sum = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        iv_clv *one = NULL;
        double par[4], l;
        int k;
        ck_assert_int_eq(iv_clv_for_customer(c, kp ? zp + i * kp : NULL, kd ? zd + i * kd : NULL,
                                             &one), IV_OK);
        for (k = 0; k < 4; k++)
            par[k] = param(one, names[model == IV_CLV_PARETO][k]);
        ck_assert_int_eq(iv__clv_loglik_at(model, par, x + i, tx + i, T + i, NULL, 1, &l), IV_OK);
        sum += l;
        iv_clv_free(one);
    }
    return sum;
}

#define N_PARETO 6000
#define N_BG 6000

/* Pareto/NBD, r 0.55, alpha 10.6, s 0.61, beta 11.7 (weeks; near the CDNOW fit), purchase
 * covariates z1 (0/1, half the customers) with gamma 0.5 and z2 ~ N(0, 1) with -0.3, the
 * dropout covariate z1 with 0.7; T uniform on 26..78 weeks. */
START_TEST(pareto_covariates_recovered_within_their_standard_errors)
{
    static double x[N_PARETO], tx[N_PARETO], T[N_PARETO], zp[2 * N_PARETO], zd[N_PARETO];
    static const char *const pn[] = {"member", "income"}, *const dn[] = {"member"};
    iv_clv_options o = IV_CLV_OPTIONS_INIT;
    sim_rng g = {20241206};
    iv_clv *c = NULL;
    iv_table *t = NULL;
    double ll;
    size_t i;
    for (i = 0; i < N_PARETO; i++) {
        double z1 = sim_unif(&g) < 0.5, z2 = sim_norm(&g);
        zp[2 * i] = zd[i] = z1;
        zp[2 * i + 1] = z2;
        T[i] = 26 + 52 * sim_unif(&g);
        sim_pareto(&g, 0.55, 10.6 * exp(-(0.5 * z1 - 0.3 * z2)), 0.61, 11.7 * exp(-0.7 * z1),
                   T[i], &x[i], &tx[i]);
    }
    o.covariates_purchase = 2;
    o.z_purchase = zp;
    o.names_purchase = pn;
    o.covariates_dropout = 1;
    o.z_dropout = zd;
    o.names_dropout = dn;
    ck_assert_msg(iv_clv_fit(&c, IV_CLV_PARETO, x, tx, T, NULL, N_PARETO, &o) == IV_OK, "%s",
                  iv_error_last());
    within(c, "r", 0.55, 3);
    within(c, "alpha", 10.6, 3);
    within(c, "s", 0.61, 3);
    within(c, "beta", 11.7, 3);
    within(c, "gamma_purchase.member", 0.5, 3);
    within(c, "gamma_purchase.income", -0.3, 3);
    within(c, "gamma_dropout.member", 0.7, 3);
    /* the names of doc/CLV.md in the parameter table, each with its standard error */
    ck_assert_int_eq(iv_clv_params(c, &t), IV_OK);
    ck_assert_int_eq(iv_table_col_index(t, "gamma_purchase.member"), 8);
    ck_assert_int_eq(iv_table_col_index(t, "gamma_purchase.member_se"), 9);
    ck_assert_int_eq(iv_table_col_index(t, "gamma_dropout.member_se"), 13);
    ck_assert_int_eq(iv_table_col_index(t, "loglik"), 14);
    iv_table_free(t);
    ck_assert_int_eq(iv_clv_loglik(c, &ll, NULL), IV_OK);
    {
        double want = loglik_by_customer(c, IV_CLV_PARETO, x, tx, T, zp, 2, zd, 1, N_PARETO);
        ck_assert_msg(fabs(ll - want) <= 1e-9 * fabs(want), "loglik %.12g vs %.12g", ll, want);
    }
    iv_clv_free(c);
}
END_TEST

/* BG/NBD, r 0.24, alpha 4.4, a 0.79, b 2.4 (near the CDNOW fit), purchase covariates z1
 * (0/1) with gamma 0.6 and z2 ~ N(0, 1) with -0.4; T uniform on 26..78 weeks. */
START_TEST(bgnbd_covariates_recovered_within_their_standard_errors)
{
    static double x[N_BG], tx[N_BG], T[N_BG], zp[2 * N_BG];
    iv_clv_options o = IV_CLV_OPTIONS_INIT;
    sim_rng g = {777};
    iv_clv *c = NULL;
    double ll;
    size_t i;
    for (i = 0; i < N_BG; i++) {
        double z1 = sim_unif(&g) < 0.5, z2 = sim_norm(&g);
        zp[2 * i] = z1;
        zp[2 * i + 1] = z2;
        T[i] = 26 + 52 * sim_unif(&g);
        sim_bgnbd(&g, 0.24, 4.4 * exp(-(0.6 * z1 - 0.4 * z2)), 0.79, 2.4, T[i], &x[i], &tx[i]);
    }
    o.covariates_purchase = 2;
    o.z_purchase = zp; /* no names: z1, z2 */
    ck_assert_msg(iv_clv_fit(&c, IV_CLV_BGNBD, x, tx, T, NULL, N_BG, &o) == IV_OK, "%s",
                  iv_error_last());
    within(c, "r", 0.24, 3);
    within(c, "alpha", 4.4, 3);
    within(c, "a", 0.79, 3);
    within(c, "b", 2.4, 3);
    within(c, "gamma_purchase.z1", 0.6, 3);
    within(c, "gamma_purchase.z2", -0.4, 3);
    ck_assert_int_eq(iv_clv_loglik(c, &ll, NULL), IV_OK);
    {
        double want = loglik_by_customer(c, IV_CLV_BGNBD, x, tx, T, zp, 2, NULL, 0, N_BG);
        ck_assert_msg(fabs(ll - want) <= 1e-9 * fabs(want), "loglik %.12g vs %.12g", ll, want);
    }
    iv_clv_free(c);
}
END_TEST

/* All-zero covariates: the plain model's fit, bit for bit; each coefficient 0 with an
 * undefined standard error. */
START_TEST(all_zero_covariates_give_the_plain_fit)
{
    static double x[2000], tx[2000], T[2000], z[3 * 2000];
    static const int models[2] = {IV_CLV_PARETO, IV_CLV_BGNBD};
    static const char *const names[2][4] = {{"r", "alpha", "s", "beta"}, {"r", "alpha", "a", "b"}};
    sim_rng g = {5};
    size_t i;
    int m, k;
    for (i = 0; i < 2000; i++) {
        T[i] = 30 + 40 * sim_unif(&g);
        sim_pareto(&g, 0.55, 10.6, 0.61, 11.7, T[i], &x[i], &tx[i]);
    }
    memset(z, 0, sizeof z);
    for (m = 0; m < 2; m++) {
        iv_clv_options o = IV_CLV_OPTIONS_INIT;
        iv_clv *plain = NULL, *cov = NULL;
        double a, b;
        ck_assert_int_eq(iv_clv_fit(&plain, models[m], x, tx, T, NULL, 2000, NULL), IV_OK);
        o.covariates_purchase = 2;
        o.z_purchase = z;
        if (models[m] == IV_CLV_PARETO) {
            o.covariates_dropout = 1;
            o.z_dropout = z + 4000;
        }
        ck_assert_msg(iv_clv_fit(&cov, models[m], x, tx, T, NULL, 2000, &o) == IV_OK, "%s",
                      iv_error_last());
        for (k = 0; k < 4; k++) {
            char se[16];
            snprintf(se, sizeof se, "%s_se", names[m][k]);
            ck_assert(param(plain, names[m][k]) == param(cov, names[m][k]));
            ck_assert(param(plain, se) == param(cov, se));
        }
        ck_assert_int_eq(iv_clv_loglik(plain, &a, NULL), IV_OK);
        ck_assert_int_eq(iv_clv_loglik(cov, &b, NULL), IV_OK);
        ck_assert(a == b);
        ck_assert(param(cov, "gamma_purchase.z2") == 0);
        ck_assert(isnan(param(cov, "gamma_purchase.z2_se")));
        if (models[m] == IV_CLV_PARETO)
            ck_assert(param(cov, "gamma_dropout.z1") == 0);
        iv_clv_free(plain);
        iv_clv_free(cov);
    }
}
END_TEST

START_TEST(bad_covariates_are_refused)
{
    double x[4] = {0, 1, 2, 3}, tx[4] = {0, 1, 2, 3}, T[4] = {5, 5, 5, 5};
    double z[4] = {1, 0, 1, 0}, c[4] = {2, 2, 2, 2}, bad[4] = {0, 1, NAN, 0};
    iv_clv_options o = IV_CLV_OPTIONS_INIT;
    iv_clv *m = NULL;
    o.covariates_dropout = 1;
    o.z_dropout = z;
    ck_assert_int_eq(iv_clv_fit(&m, IV_CLV_BGNBD, x, tx, T, NULL, 4, &o), IV_EINVAL);
    ck_assert_ptr_nonnull(strstr(iv_error_last(), "purchase rate only"));
    o.covariates_dropout = 0;
    o.covariates_purchase = 1;
    o.z_purchase = z;
    ck_assert_int_eq(iv_clv_fit(&m, IV_CLV_GG, x, NULL, NULL, T, 4, &o), IV_EINVAL);
    o.z_purchase = c;
    ck_assert_int_eq(iv_clv_fit(&m, IV_CLV_PARETO, x, tx, T, NULL, 4, &o), IV_EUNDEFINED);
    ck_assert_ptr_nonnull(strstr(iv_error_last(), "for every customer"));
    o.z_purchase = bad;
    ck_assert_int_eq(iv_clv_fit(&m, IV_CLV_PARETO, x, tx, T, NULL, 4, &o), IV_ERANGE);
    ck_assert_ptr_nonnull(strstr(iv_error_last(), "customer 2"));
    o.z_purchase = NULL;
    ck_assert_int_eq(iv_clv_fit(&m, IV_CLV_PARETO, x, tx, T, NULL, 4, &o), IV_EINVAL);
    o.z_purchase = z;
    o.covariates_purchase = 13;
    ck_assert_int_eq(iv_clv_fit(&m, IV_CLV_PARETO, x, tx, T, NULL, 4, &o), IV_ELIMIT);
    ck_assert_ptr_null(m);
}
END_TEST

/* The fast covariate objective (iv__clv_cov_eval: grouped, the per-customer rates, the
 * structured Hessian) against a straightforward evaluation at random points: log L as the
 * sum of the plain model's log-likelihood at each customer's own rates (ungrouped), the
 * gradient in u by the chain rule from the plain model's gradient customer by customer,
 * and the Hessian against central differences of that gradient in u (the method the fit
 * used before issue #17), the optimiser's forward-difference one against it. Pareto/NBD with 2 purchase and 1 dropout covariates, with a
 * repeated customer (a group of 2), and BG/NBD with 2 purchase covariates. */
START_TEST(fast_objective_equals_a_straightforward_evaluation)
{
    enum { N = 240 };
    static const double truth[2][4] = {{0.55, 10.6, 0.61, 11.7}, {0.24, 4.4, 0.79, 2.4}};
    double x[N], tx[N], T[N], zp[2 * N], zd[N];
    sim_rng g = {17};
    size_t i;
    int mi, pt, k;
    for (i = 0; i < N; i++) {
        zp[2 * i] = sim_unif(&g) < 0.5;
        zp[2 * i + 1] = sim_norm(&g);
        zd[i] = 2 * sim_unif(&g) - 1;
        T[i] = 26 + 52 * sim_unif(&g);
    }
    for (mi = 0; mi < 2; mi++) {
        int model = mi == 0 ? IV_CLV_PARETO : IV_CLV_BGNBD;
        size_t kd = model == IV_CLV_PARETO ? 1 : 0, nt = 4 + 2 + kd;
        iv_clv_options o = IV_CLV_OPTIONS_INIT;
        for (i = 0; i < N; i++) {
            double ep = 0.5 * zp[2 * i] - 0.3 * zp[2 * i + 1];
            if (model == IV_CLV_PARETO)
                sim_pareto(&g, 0.55, 10.6 * exp(-ep), 0.61, 11.7 * exp(-0.4 * zd[i]), T[i], &x[i],
                           &tx[i]);
            else
                sim_bgnbd(&g, 0.24, 4.4 * exp(-ep), 0.79, 2.4, T[i], &x[i], &tx[i]);
        }
        x[N - 1] = x[0]; /* customer N-1 repeats customer 0: one group of two */
        tx[N - 1] = tx[0];
        T[N - 1] = T[0];
        zp[2 * (N - 1)] = zp[0];
        zp[2 * (N - 1) + 1] = zp[1];
        zd[N - 1] = zd[0];
        o.covariates_purchase = 2;
        o.z_purchase = zp;
        o.covariates_dropout = kd;
        o.z_dropout = kd ? zd : NULL;
        for (pt = 0; pt < 4; pt++) {
            double u[8], ll, grad[8], H[64], want = 0, wg[8] = {0}, scale[8] = {0};
            for (k = 0; k < 4; k++)
                u[k] = log(truth[mi][k]) + 0.4 * sim_norm(&g);
            for (k = 4; k < (int)nt; k++)
                u[k] = 0.5 * sim_norm(&g);
            ck_assert_msg(iv__clv_cov_eval(model, u, x, tx, T, N, &o, &ll, grad, H, 1) == IV_OK, "%s",
                          iv_error_last());
            for (i = 0; i < N; i++) {
                double par[4], l, gn[4], l2, ep = u[4] * zp[2 * i] + u[5] * zp[2 * i + 1];
                double ed = kd ? u[6] * zd[i] : 0, d[8];
                for (k = 0; k < 4; k++)
                    par[k] = exp(u[k]);
                par[1] *= exp(-ep);
                if (model == IV_CLV_PARETO)
                    par[3] *= exp(-ed);
                ck_assert_int_eq(iv__clv_loglik_at(model, par, x + i, tx + i, T + i, NULL, 1, &l),
                                 IV_OK);
                ck_assert_int_eq(iv__clv_grad_at(model, par, x + i, tx + i, T + i, NULL, 1, &l2, gn),
                                 IV_OK);
                want += l;
                d[0] = gn[0] * par[0]; /* d log L_i / d u by the chain rule */
                d[1] = gn[1] * par[1];
                d[2] = gn[2] * par[2];
                d[3] = gn[3] * par[3];
                d[4] = -d[1] * zp[2 * i];
                d[5] = -d[1] * zp[2 * i + 1];
                if (kd)
                    d[6] = -d[3] * zd[i];
                for (k = 0; k < (int)nt; k++) {
                    wg[k] += d[k];
                    scale[k] += fabs(d[k]);
                }
            }
            ck_assert_msg(fabs(ll - want) <= 1e-12 * fabs(want), "model %d point %d: log L %.15g vs "
                          "%.15g", model, pt, ll, want);
            for (k = 0; k < (int)nt; k++)
                ck_assert_msg(fabs(grad[k] - wg[k]) <= 1e-11 * (scale[k] + 1), "model %d point %d: "
                              "gradient %d %.15g vs %.15g", model, pt, k, grad[k], wg[k]);
            { /* the optimiser's forward-difference Hessian: close to the central one */
                double Hf[64], lf, hmax = 0;
                int j;
                ck_assert_int_eq(iv__clv_cov_eval(model, u, x, tx, T, N, &o, &lf, NULL, Hf, 0), IV_OK);
                for (j = 0; j < (int)(nt * nt); j++)
                    hmax = fmax(hmax, fabs(H[j]));
                for (j = 0; j < (int)(nt * nt); j++)
                    ck_assert_msg(fabs(Hf[j] - H[j]) <= 1e-4 * hmax, "model %d point %d: forward "
                                  "H %.12g vs central %.12g", model, pt, Hf[j], H[j]);
            }
            for (k = 0; k < (int)nt; k++) { /* column k by central differences in u */
                double up[8], gp[8], gm[8], lp, hmax = 0, h = 1e-5;
                int j;
                memcpy(up, u, sizeof up);
                up[k] = u[k] + h;
                ck_assert_int_eq(iv__clv_cov_eval(model, up, x, tx, T, N, &o, &lp, gp, NULL, 1), IV_OK);
                up[k] = u[k] - h;
                ck_assert_int_eq(iv__clv_cov_eval(model, up, x, tx, T, N, &o, &lp, gm, NULL, 1), IV_OK);
                for (j = 0; j < (int)(nt * nt); j++)
                    hmax = fmax(hmax, fabs(H[j]));
                for (j = 0; j < (int)nt; j++) {
                    double fd = (gp[j] - gm[j]) / (2 * h);
                    ck_assert_msg(fabs(H[j * (int)nt + k] - fd) <= 1e-6 * hmax && H[j * (int)nt + k] ==
                                  H[k * (int)nt + j], "model %d point %d: H[%d][%d] %.12g vs "
                                  "differences %.12g", model, pt, j, k, H[j * (int)nt + k], fd);
                }
            }
        }
    }
}
END_TEST

static void clv_cov_tests(TCase *tc)
{
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, pareto_covariates_recovered_within_their_standard_errors);
    tcase_add_test(tc, bgnbd_covariates_recovered_within_their_standard_errors);
    tcase_add_test(tc, all_zero_covariates_give_the_plain_fit);
    tcase_add_test(tc, bad_covariates_are_refused);
    tcase_add_test(tc, fast_objective_equals_a_straightforward_evaluation);
}

TU_SUITE_MAIN("clv_cov", clv_cov_tests)
