/* Quantile kernel: type-7 quantiles by selection, median, MAD and mean absolute
 * deviation, against hand-computed values (numpy's "linear" method, worked by hand in
 * the comments) and against a full sort. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quantile.h"
#include "testutil.h"

#define CHECK_REL(got, want, rel)                                                         \
    ck_assert_msg(fabs((got) - (want)) <= (rel) * fabs(want), "%s = %.17g, want %.17g",  \
                  #got, (double)(got), (double)(want))

START_TEST(quantile_type7_matches_numpy_linear)
{
    /* numpy.quantile([3, 1, 4, 1, 5, 9, 2, 6], q) with the default "linear" method:
     * sorted 1 1 2 3 4 5 6 9; h = 7 q. q = 0.1: h = 0.7 -> 1; q = 0.25: h = 1.75 ->
     * 1 + 0.75 * 1 = 1.75; 0.5: h = 3.5 -> 3.5; 0.9: h = 6.3 -> 6 + 0.3 * 3 = 6.9 */
    double v[] = {3, 1, NAN, 4, 1, 5, 9, 2, 6};
    double p[] = {0.0, 0.1, 0.25, 0.5, 0.9, 1.0}, want[] = {1, 1, 1.75, 3.5, 6.9, 9}, q[6];
    size_t n = iv__drop_nan(v, 9), i;
    ck_assert_uint_eq(n, 8);
    iv__quantiles_sorted_p(v, n, p, 6, q);
    for (i = 0; i < 6; i++)
        CHECK_REL(q[i], want[i], 1e-15);
}
END_TEST

START_TEST(quantile_selection_agrees_with_sorting_on_random_data)
{
    size_t n, i, trial;
    uint64_t x = 7;
    for (trial = 0; trial < 40; trial++) {
        double *v, *s, p[5] = {0.1, 0.25, 0.5, 0.75, 0.9}, q[5];
        n = 1 + trial * 37 % 500;
        v = malloc(n * sizeof *v);
        s = malloc(n * sizeof *s);
        for (i = 0; i < n; i++) {
            x = (x * 1103515245u + 12345u) % 2147483648u;
            v[i] = s[i] = (double)((x >> 8) % (trial % 2 ? 10 : 100000)); /* with / without ties */
        }
        qsort(s, n, sizeof *s, iv__cmp_double);
        iv__quantiles_sorted_p(v, n, p, 5, q);
        for (i = 0; i < 5; i++) {
            double h = (double)(n - 1) * p[i];
            size_t j = (size_t)floor(h);
            double want = j + 1 < n ? s[j] + (h - floor(h)) * (s[j + 1] - s[j]) : s[j];
            ck_assert(q[i] == want);
        }
        free(v);
        free(s);
    }
}
END_TEST

START_TEST(median_mad_and_mean_abs_dev_by_hand)
{
    double v[] = {1, 2, 3, 4, 100, NAN}, w[5];
    size_t n = iv__drop_nan(v, 6);
    double med;
    memcpy(w, v, sizeof w);
    med = iv__median(w, n);
    ck_assert(med == 3.0);
    /* |x - 3| = 2 1 0 1 97 -> median 1; mean = 101/5 */
    memcpy(w, v, sizeof w);
    ck_assert(iv__mean_abs_dev(w, n, med) == 101.0 / 5.0);
    ck_assert(iv__mad(w, n, med) == 1.0);
    ck_assert(isnan(iv__quantile(w, 0, 0.5)));
    {
        double all_nan[] = {NAN, NAN};
        ck_assert(isnan(iv__median(all_nan, 2)));
    }
}
END_TEST

START_TEST(select_survives_adversarial_and_constant_input)
{
    enum { N = 5000 };
    double *v = malloc(N * sizeof *v);
    size_t i;
    for (i = 0; i < N; i++) /* organ pipe */
        v[i] = (double)(i < N / 2 ? i : N - i);
    iv__select(v, N, N / 2);
    ck_assert(v[N / 2] == (double)(N / 4));
    for (i = 0; i < N; i++)
        v[i] = 4.0;
    ck_assert(iv__median(v, N) == 4.0);
    free(v);
}
END_TEST

static void quantile_tests(TCase *tc)
{
    tcase_add_test(tc, quantile_type7_matches_numpy_linear);
    tcase_add_test(tc, quantile_selection_agrees_with_sorting_on_random_data);
    tcase_add_test(tc, median_mad_and_mean_abs_dev_by_hand);
    tcase_add_test(tc, select_survives_adversarial_and_constant_input);
}

TU_SUITE_MAIN("quantile", quantile_tests)
