/* Special functions against 50-digit mpmath values (tests/ref/special_ref.py) and
 * identities that hold exactly. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "special.h"
#include "testutil.h"

/* |got - want| <= abs_tol + rel_tol * |want| */
static int near(double got, double want, double rel_tol, double abs_tol)
{
    return fabs(got - want) <= abs_tol + rel_tol * fabs(want);
}

#define CHECK_NEAR(got, want, rel, abs_)                                                  \
    ck_assert_msg(near((got), (want), (rel), (abs_)), "%s = %.17g, want %.17g", #got,    \
                  (double)(got), (double)(want))

static const double lgamma_ref[][2] = {
    {1e-10, 23.025850929882735274},
    {0.001, 6.9071788853838536825},
    {0.5, 0.57236494292470008707},
    {0.9, 0.066376239734742971189},
    {1, 0.0},
    {1.5, -0.12078223763524522235},
    {2, 0.0},
    {2.5, 0.28468287047291915963},
    {3.7, 1.4280723266653879219},
    {7.25, 7.0521854507385394449},
    {14.999, 25.188546870546926425},
    {15, 25.1912211827386815},
    {30.5, 72.953471184169408324},
    {100, 359.13420536957539878},
    {1234.5678, 7.5510335044409556064e+3},
    {1e10, 2.2025850928881058147e+11},
    {1e300, 6.8977552789821370521e+302},
};

START_TEST(lgamma_matches_mpmath_from_tiny_to_huge_arguments)
{
    size_t i;
    for (i = 0; i < sizeof lgamma_ref / sizeof lgamma_ref[0]; i++)
        CHECK_NEAR(iv__lgamma(lgamma_ref[i][0]), lgamma_ref[i][1], 1e-14, 1e-14);
}
END_TEST

START_TEST(lgamma_is_nan_outside_its_domain_and_exact_on_factorials)
{
    double f = 1.0;
    int n;
    ck_assert(isnan(iv__lgamma(0.0)));
    ck_assert(isnan(iv__lgamma(-2.5)));
    ck_assert(isnan(iv__lgamma(NAN)));
    ck_assert(isinf(iv__lgamma(INFINITY)));
    /* Gamma(n+1) = n!; below the shift point the recurrence costs ~4e-15 absolute */
    for (n = 1; n <= 25; n++) {
        f *= n;
        CHECK_NEAR(iv__lgamma(n + 1.0), log(f), 1e-15, 1e-14);
    }
}
END_TEST

static const double digamma_ref[][2] = {
    {1e-6, -1.0000005772140199687e+6},
    {0.25, -4.2274535333762654081},
    {1, -0.57721566490153286061},
    {1.4616321449683623, -3.9928730412463043992e-17},
    {2, 0.42278433509846713939},
    {3.5, 1.1031566406452431872},
    {10, 2.2517525890667211076},
    {14.5, 2.6392697253489861222},
    {15.5, 2.7082352425903654326},
    {123.25, 4.8101525319648188803},
    {1e8, 18.420680738952365464},
};

START_TEST(digamma_matches_mpmath_including_near_its_root)
{
    size_t i;
    for (i = 0; i < sizeof digamma_ref / sizeof digamma_ref[0]; i++)
        CHECK_NEAR(iv__digamma(digamma_ref[i][0]), digamma_ref[i][1], 1e-14, 2e-15);
    ck_assert(isnan(iv__digamma(0.0)));
}
END_TEST

static const double lbeta_ref[][3] = {
    {0.5, 0.5, 1.1447298858494001741},
    {0.793, 2.426, -0.5115692885937032139},
    {0.793, 502.426, -4.7729878968694382633},
    {2.5, 1e6, -34.254095399436516102},
    {40, 60, -67.968616247482449147},
    {1e-5, 3, 11.512910465032728045},
};

static const double lgratio_ref[][3] = {
    {500.2426, 0.7930, 4.9284048529937589605},
    {20, 3.5, 10.69360991781965813},
    {1e6, 0.25, 3.4538775457410607135},
    {2.5, 7, 11.404650550324349323},
    {100, -20, -89.84310771855557624},
};

START_TEST(lbeta_and_lgamma_ratio_keep_precision_with_one_large_argument)
{
    size_t i;
    for (i = 0; i < sizeof lbeta_ref / sizeof lbeta_ref[0]; i++) {
        CHECK_NEAR(iv__lbeta(lbeta_ref[i][0], lbeta_ref[i][1]), lbeta_ref[i][2], 1e-14, 1e-14);
        CHECK_NEAR(iv__lbeta(lbeta_ref[i][1], lbeta_ref[i][0]), lbeta_ref[i][2], 1e-14, 1e-14);
    }
    for (i = 0; i < sizeof lgratio_ref / sizeof lgratio_ref[0]; i++)
        CHECK_NEAR(iv__lgamma_ratio(lgratio_ref[i][0], lgratio_ref[i][1]), lgratio_ref[i][2],
                   1e-14, 1e-14);
    ck_assert(isnan(iv__lbeta(0.0, 1.0)));
}
END_TEST

START_TEST(logsumexp_family_never_overflows_and_handles_infinities)
{
    double v[3] = {1000.0, 1000.0, -INFINITY};
    /* by hand: log(2 e^1000) = 1000 + log 2 */
    CHECK_NEAR(iv__logaddexp(1000.0, 1000.0), 1000.0 + log(2.0), 1e-16, 0);
    CHECK_NEAR(iv__logaddexp(-1000.0, -1001.0), -1000.0 + log1p(exp(-1.0)), 1e-16, 0);
    ck_assert(iv__logaddexp(-INFINITY, -INFINITY) == -INFINITY);
    CHECK_NEAR(iv__logaddexp(-INFINITY, 3.0), 3.0, 0, 0);
    /* log(e^a - e^b) = a + log(1 - e^(b-a)) */
    CHECK_NEAR(iv__logdiffexp(800.0, 799.0), 800.0 + log(1.0 - exp(-1.0)), 1e-16, 0);
    CHECK_NEAR(iv__logdiffexp(0.0, -1e-10), log(1e-10) - 0.5e-10, 1e-12, 0);
    CHECK_NEAR(iv__logdiffexp(5.0, -INFINITY), 5.0, 0, 0);
    ck_assert(iv__logdiffexp(2.0, 2.0) == -INFINITY);
    ck_assert(isnan(iv__logdiffexp(1.0, 2.0)));
    CHECK_NEAR(iv__log1pexp(800.0), 800.0, 1e-16, 0);
    CHECK_NEAR(iv__log1pexp(-800.0), 0.0, 0, 1e-300);
    CHECK_NEAR(iv__log1pexp(0.0), log(2.0), 1e-16, 0);
    CHECK_NEAR(iv__log1pexp(-40.0), exp(-40.0), 1e-15, 0);
    CHECK_NEAR(iv__logsumexp(v, 3), 1000.0 + log(2.0), 1e-16, 0);
    ck_assert(iv__logsumexp(v, 0) == -INFINITY);
}
END_TEST

static const double hyp_ref[][6] = {
    {1, 1, 2, 0.5, 0.3266342599782809824, 1},
    {0.2426, 2.426, 2.219, 0.9, 0.66554050049542479706, 1},
    {1.159, 1.606, 2.159, 0.0934, 0.084200132595031261974, 1},
    {30.159, 30.553, 31.159, 0.0934, 2.8996114775591237935, 1},
    {500.2426, 502.426, 501.219, 0.05, 25.720884383946010755, 1},
    {3, 2.5, 4, 0.999, 11.052014987249509941, 1},
    {1.5, 2.25, 3.5, -0.75, -0.56340168865885412571, 1},
    {1.5, 2.25, 3.5, -20, -3.5674577135357282346, 1},
    {-3, 2, 1.5, 0.7, -2.5876040480263429116, -1},
    {0.5, -0.2, 1.3, 0.95, -0.12026647472845258998, 1},
    {2, 3, -1.5, 0.3, 4.8482241468686136298, 1},
    {800.5, 1.606, 801.5, 0.6, 1.468567361435548494, 1},
};

START_TEST(log_hyp2f1_matches_mpmath_on_clv_shapes_heavy_buyers_and_negative_z)
{
    size_t i;
    for (i = 0; i < sizeof hyp_ref / sizeof hyp_ref[0]; i++) {
        int sign = 0;
        double got = iv__log_hyp2f1(hyp_ref[i][0], hyp_ref[i][1], hyp_ref[i][2], hyp_ref[i][3],
                                    &sign);
        ck_assert_msg(near(got, hyp_ref[i][4], 1e-12, 1e-13), "case %zu: %.17g want %.17g", i,
                      got, hyp_ref[i][4]);
        ck_assert_int_eq(sign, (int)hyp_ref[i][5]);
    }
}
END_TEST

/* d log 2F1 / d(a, b, c, z) (tests/ref/special_ref.py, mpmath differentiation at 50 digits) */
static const double dhyp_ref[][8] = {
    {1.159, 1.606, 2.159, 0.0934, 0.072987332871637912292, 0.053036137039852967371, -0.039682451425497821591, 0.94340442037366747353},
    {30.159, 30.553, 31.159, 0.0934, 0.096227946044737970922, 0.095042483464856665489, -0.093275220956010083227, 32.617213796536080984},
    {1.159, 0.553, 2.159, 0.0934, 0.025158801055724758602, 0.052239298290335704483, -0.013608864801829815314, 0.31988056167186531623},
    {3, 2.5, 4, 0.999, 6.0286504737433175843, 6.2473691865127677578, -5.6971130021660922996, 1.5026560634103122239e+3},
    {500.2426, 502.426, 501.219, 0.05, 0.051413711329250033714, 0.051195893955178606341, -0.051316076320984412584, 527.8393327327244675},
    {1.5, 2.25, 3.5, -0.75, -0.36418849636173694197, -0.2311227158548203343, 0.1421952608897331493, 0.5992900658925278577},
    {2.25, 1.5, 3.5, -20, -1.0262442967171876908, -2.1379917437528482733, 0.52201586922863523727, 0.063806286240980384455},
    {0.5, -0.2, 1.3, 0.95, -0.3084122604020802385, 0.55363704710335449208, 0.13642694623772939826, -0.28952710387923334104},
    {2, 3, 4, 0, 0.0, 0.0, 0.0, 1.5},
};

START_TEST(log_hyp2f1_parameter_derivatives_match_mpmath_on_every_branch)
{
    size_t i;
    int k;
    for (i = 0; i < sizeof dhyp_ref / sizeof dhyp_ref[0]; i++) {
        double d[4], l = iv__log_hyp2f1_d(dhyp_ref[i][0], dhyp_ref[i][1], dhyp_ref[i][2],
                                          dhyp_ref[i][3], NULL, d);
        /* the value is the one iv__log_hyp2f1 gives, bit for bit */
        ck_assert(l == iv__log_hyp2f1(dhyp_ref[i][0], dhyp_ref[i][1], dhyp_ref[i][2],
                                      dhyp_ref[i][3], NULL));
        for (k = 0; k < 4; k++)
            ck_assert_msg(near(d[k], dhyp_ref[i][4 + k], 1e-13, 1e-15),
                          "case %zu, partial %d: %.17g want %.17g", i, k, d[k], dhyp_ref[i][4 + k]);
    }
    {   /* a polynomial: the value, but no derivatives */
        double d[4];
        ck_assert(!isnan(iv__log_hyp2f1_d(-3, 2, 1.5, 0.7, NULL, d)));
        ck_assert(isnan(d[0]) && isnan(d[3]));
        ck_assert(isnan(iv__log_hyp2f1_d(1, 1, 2, 1.0, NULL, d)) && isnan(d[1]));
    }
}
END_TEST

START_TEST(log_hyp2f1_rejects_z_at_or_past_one_and_pole_c)
{
    ck_assert(isnan(iv__log_hyp2f1(1, 1, 2, 1.0, NULL)));
    ck_assert(isnan(iv__log_hyp2f1(1, 1, 2, 1.5, NULL)));
    ck_assert(isnan(iv__log_hyp2f1(1, 1, -2, 0.5, NULL)));
    ck_assert(iv__log_hyp2f1(1, 1, 2, 0.0, NULL) == 0.0);
}
END_TEST

static void special_tests(TCase *tc)
{
    tcase_add_test(tc, lgamma_matches_mpmath_from_tiny_to_huge_arguments);
    tcase_add_test(tc, lgamma_is_nan_outside_its_domain_and_exact_on_factorials);
    tcase_add_test(tc, digamma_matches_mpmath_including_near_its_root);
    tcase_add_test(tc, lbeta_and_lgamma_ratio_keep_precision_with_one_large_argument);
    tcase_add_test(tc, logsumexp_family_never_overflows_and_handles_infinities);
    tcase_add_test(tc, log_hyp2f1_matches_mpmath_on_clv_shapes_heavy_buyers_and_negative_z);
    tcase_add_test(tc, log_hyp2f1_parameter_derivatives_match_mpmath_on_every_branch);
    tcase_add_test(tc, log_hyp2f1_rejects_z_at_or_past_one_and_pole_c);
}

TU_SUITE_MAIN("special", special_tests)
