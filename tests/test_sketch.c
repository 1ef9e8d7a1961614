/* The relative-error quantile sketch (src/math/sketch.c): the bound, exact merges,
 * canonical bytes, Mann-Whitney on bins, and the byte reader on bad input. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "sketch.h"
#include "testutil.h"

static iv__alloc std_alloc(void)
{
    iv__alloc a;
    iv__alloc_init(&a, NULL, NULL);
    return a;
}

/* A deterministic spread of values over 12 decades, both signs, some zeros. */
static double value_at(unsigned i)
{
    uint64_t x = (uint64_t)i * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    double u = (double)(x >> 11) / 9007199254740992.0; /* [0, 1) */
    double mag = pow(10.0, -3.0 + 12.0 * u);
    if (i % 17 == 0)
        return 0.0;
    return i % 5 == 0 ? -mag : mag;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

START_TEST(bin_zero_stands_for_one_minus_alpha)
{
    /* bin 0 is (1/gamma, 1]; its representative 2 gamma^0 / (gamma + 1) = 1 - alpha */
    iv__alloc a = std_alloc();
    iv__sketch k;
    iv__sketch_init(&k, 0.01);
    ck_assert_int_eq(iv__sketch_add(&k, &a, 0.5), IV_OK);
    ck_assert_int_eq(iv__sketch_add(&k, &a, 1.0), IV_OK);
    ck_assert_int_eq(iv__sketch_add(&k, &a, 2.0), IV_OK);
    ck_assert(tu_close(iv__sketch_rank_value(&k, 1), 0.99, 1e-12));
    /* the extremes are exact */
    ck_assert(iv__sketch_rank_value(&k, 0) == 0.5);
    ck_assert(iv__sketch_rank_value(&k, 2) == 2.0);
    ck_assert(iv__sketch_quantile(&k, 0.0) == 0.5);
    ck_assert(iv__sketch_quantile(&k, 1.0) == 2.0);
    /* type 7 at 0.25: halfway between x(0) = 0.5 and x(1) ~ 0.99 */
    ck_assert(tu_close(iv__sketch_quantile(&k, 0.25), 0.5 + 0.5 * (0.99 - 0.5), 1e-12));
    iv__sketch_free(&k, &a);
}
END_TEST

START_TEST(every_order_statistic_is_within_relative_alpha)
{
    static const double alphas[] = {0.01, 0.05, 0.001};
    iv__alloc a = std_alloc();
    unsigned n = 3000, i, t;
    double *v = malloc(n * sizeof *v);
    for (t = 0; t < 3; t++) {
        iv__sketch k;
        iv__sketch_init(&k, alphas[t]);
        for (i = 0; i < n; i++) {
            v[i] = value_at(i);
            ck_assert_int_eq(iv__sketch_add(&k, &a, v[i]), IV_OK);
        }
        qsort(v, n, sizeof *v, cmp_d);
        ck_assert_uint_eq(iv__sketch_count(&k), n);
        for (i = 0; i < n; i++) {
            double q = iv__sketch_rank_value(&k, i);
            ck_assert_msg(fabs(q - v[i]) <= alphas[t] * fabs(v[i]) * (1 + 1e-12),
                          "rank %u: %.17g vs %.17g (alpha %g)", i, q, v[i], alphas[t]);
        }
        iv__sketch_free(&k, &a);
    }
    free(v);
}
END_TEST

START_TEST(tiny_magnitudes_count_as_zero)
{
    iv__alloc a = std_alloc();
    iv__sketch k;
    iv__sketch_init(&k, 0.01);
    ck_assert_int_eq(iv__sketch_add(&k, &a, 1e-12), IV_OK);
    ck_assert_int_eq(iv__sketch_add(&k, &a, -1e-10), IV_OK);
    ck_assert_int_eq(iv__sketch_add(&k, &a, 0.0), IV_OK);
    ck_assert_int_eq(iv__sketch_add(&k, &a, 5.0), IV_OK);
    ck_assert_uint_eq(k.zero, 3);
    ck_assert(iv__sketch_rank_value(&k, 1) == 0.0);
    iv__sketch_free(&k, &a);
}
END_TEST

static void sketch_bytes(const iv__sketch *k, iv__wbuf *w)
{
    iv__alloc a = std_alloc();
    iv__w_init(w, &a);
    iv__sketch_write(k, w);
    ck_assert_int_eq(w->err, 0);
}

START_TEST(merges_in_any_order_equal_one_sketch_of_everything)
{
    iv__alloc a = std_alloc();
    iv__sketch part[3], all, m1, m2;
    iv__wbuf wa, w1, w2;
    unsigned i;
    for (i = 0; i < 3; i++)
        iv__sketch_init(&part[i], 0.01);
    iv__sketch_init(&all, 0.01);
    iv__sketch_init(&m1, 0.01);
    iv__sketch_init(&m2, 0.01);
    for (i = 0; i < 2000; i++) {
        ck_assert_int_eq(iv__sketch_add(&part[(i * 7) % 3], &a, value_at(i)), IV_OK);
        ck_assert_int_eq(iv__sketch_add(&all, &a, value_at(i)), IV_OK);
    }
    /* (p0 + p1) + p2 versus p2 + (p1 + p0) */
    ck_assert_int_eq(iv__sketch_merge(&m1, &part[0], &a), IV_OK);
    ck_assert_int_eq(iv__sketch_merge(&m1, &part[1], &a), IV_OK);
    ck_assert_int_eq(iv__sketch_merge(&m1, &part[2], &a), IV_OK);
    ck_assert_int_eq(iv__sketch_merge(&m2, &part[2], &a), IV_OK);
    ck_assert_int_eq(iv__sketch_merge(&part[1], &part[0], &a), IV_OK);
    ck_assert_int_eq(iv__sketch_merge(&m2, &part[1], &a), IV_OK);
    sketch_bytes(&all, &wa);
    sketch_bytes(&m1, &w1);
    sketch_bytes(&m2, &w2);
    ck_assert_uint_eq(wa.n, w1.n);
    ck_assert_uint_eq(wa.n, w2.n);
    ck_assert(memcmp(wa.p, w1.p, wa.n) == 0);
    ck_assert(memcmp(wa.p, w2.p, wa.n) == 0);
    iv__w_free(&wa);
    iv__w_free(&w1);
    iv__w_free(&w2);
    for (i = 0; i < 3; i++)
        iv__sketch_free(&part[i], &a);
    iv__sketch_free(&all, &a);
    iv__sketch_free(&m1, &a);
    iv__sketch_free(&m2, &a);
}
END_TEST

START_TEST(mann_whitney_counts_shared_bins_as_ties)
{
    /* a = {1, 2, 3}, b = {2, 4}: pairs a > b: (3,2); ties: (2,2). U = 1 + 1/2 = 1.5.
     * Bins: 1, 2, 3, 4 each in its own bin (5% apart > 2% bin width); the bin of 2
     * holds 2 values, tie term 2^3 - 2 = 6. */
    iv__alloc a = std_alloc();
    iv__sketch ka, kb;
    double u, tt;
    int ties;
    iv__sketch_init(&ka, 0.01);
    iv__sketch_init(&kb, 0.01);
    iv__sketch_add(&ka, &a, 1);
    iv__sketch_add(&ka, &a, 2);
    iv__sketch_add(&ka, &a, 3);
    iv__sketch_add(&kb, &a, 2);
    iv__sketch_add(&kb, &a, 4);
    iv__sketch_mwu(&ka, &kb, &u, &tt, &ties);
    ck_assert(u == 1.5);
    ck_assert(tt == 6.0);
    ck_assert_int_eq(ties, 1);
    /* negative and zero values order before positives: a = {-3, 0}, b = {-1}:
     * a > b pairs: (0, -1) -> U = 1 */
    iv__sketch_free(&ka, &a);
    iv__sketch_free(&kb, &a);
    iv__sketch_init(&ka, 0.01);
    iv__sketch_init(&kb, 0.01);
    iv__sketch_add(&ka, &a, -3);
    iv__sketch_add(&ka, &a, 0);
    iv__sketch_add(&kb, &a, -1);
    iv__sketch_mwu(&ka, &kb, &u, &tt, &ties);
    ck_assert(u == 1.0);
    ck_assert_int_eq(ties, 0);
    iv__sketch_free(&ka, &a);
    iv__sketch_free(&kb, &a);
}
END_TEST

START_TEST(reader_rejects_every_truncation_and_round_trips_the_whole)
{
    iv__alloc a = std_alloc();
    iv__sketch k, back;
    iv__wbuf w, w2;
    iv__rbuf r;
    size_t cut;
    unsigned i;
    iv__sketch_init(&k, 0.01);
    for (i = 0; i < 300; i++)
        iv__sketch_add(&k, &a, value_at(i));
    sketch_bytes(&k, &w);
    for (cut = 0; cut < w.n; cut++) {
        iv__r_init(&r, w.p, cut);
        ck_assert_int_eq(iv__sketch_read(&back, &a, &r, 0.01), IV_ECORRUPT);
    }
    iv__r_init(&r, w.p, w.n);
    ck_assert_int_eq(iv__sketch_read(&back, &a, &r, 0.01), IV_OK);
    ck_assert_uint_eq(iv__r_left(&r), 0);
    sketch_bytes(&back, &w2);
    ck_assert_uint_eq(w.n, w2.n);
    ck_assert(memcmp(w.p, w2.p, w.n) == 0);
    iv__w_free(&w);
    iv__w_free(&w2);
    iv__sketch_free(&k, &a);
    iv__sketch_free(&back, &a);
}
END_TEST

START_TEST(reader_bounds_allocation_by_the_input)
{
    /* a forged bin count of 2^31 with 3 bytes behind it must not allocate 16 GiB */
    unsigned char b[64];
    iv__alloc a = std_alloc();
    iv__sketch k;
    iv__rbuf r;
    size_t n = 0;
    b[n++] = 0;                               /* zero count */
    memset(b + n, 0xff, 16);                  /* min, max: NaN patterns */
    n += 16;
    b[n++] = 0; b[n++] = 0; b[n++] = 0; b[n++] = 0x80; /* neg: len 2^31 */
    b[n++] = 0; b[n++] = 0; b[n++] = 0; b[n++] = 0;    /* lo */
    b[n++] = 1; b[n++] = 1; b[n++] = 1;
    iv__r_init(&r, b, n);
    ck_assert_int_eq(iv__sketch_read(&k, &a, &r, 0.01), IV_ECORRUPT);
}
END_TEST

START_TEST(add_and_merge_fail_cleanly_without_memory)
{
    tu_alloc ta;
    iv__alloc a;
    long k;
    int done = 0;
    iv__alloc_init(&a, tu_alloc_fn, &ta);
    for (k = 1; !done; k++) {
        iv__sketch s1, s2;
        unsigned i;
        int rc = IV_OK;
        tu_alloc_reset(&ta, k);
        iv__sketch_init(&s1, 0.01);
        iv__sketch_init(&s2, 0.01);
        for (i = 0; i < 200 && rc == IV_OK; i++)
            rc = iv__sketch_add(i % 2 ? &s1 : &s2, &a, value_at(i));
        if (rc == IV_OK)
            rc = iv__sketch_merge(&s1, &s2, &a);
        if (rc == IV_OK) {
            ck_assert_uint_eq(iv__sketch_count(&s1), 200);
            done = !ta.failed;
        } else {
            ck_assert_int_eq(rc, IV_ENOMEM);
        }
        iv__sketch_free(&s1, &a);
        iv__sketch_free(&s2, &a);
        ck_assert_int_eq(ta.live, 0);
    }
}
END_TEST

static void sketch_tests(TCase *tc)
{
    tcase_add_test(tc, bin_zero_stands_for_one_minus_alpha);
    tcase_add_test(tc, every_order_statistic_is_within_relative_alpha);
    tcase_add_test(tc, tiny_magnitudes_count_as_zero);
    tcase_add_test(tc, merges_in_any_order_equal_one_sketch_of_everything);
    tcase_add_test(tc, mann_whitney_counts_shared_bins_as_ties);
    tcase_add_test(tc, reader_rejects_every_truncation_and_round_trips_the_whole);
    tcase_add_test(tc, reader_bounds_allocation_by_the_input);
    tcase_add_test(tc, add_and_merge_fail_cleanly_without_memory);
}

TU_SUITE_MAIN("sketch", sketch_tests)
