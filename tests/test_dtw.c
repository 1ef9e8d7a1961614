/* Distances, envelopes, nearest-norm search and norms, against a plain O(n^2) DTW and
 * numpy (tests/ref/dtw_ref.py, output pasted below) and hand-computed cases. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dtw.h"
#include "iv/pattern.h"
#include "iv/table.h"
#include "norm.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The random walk of dtw_ref.py: steps ((x >> 8) % 1000) / 100 - 5 from an LCG. */
static void walk(double *out, size_t n, uint64_t seed)
{
    uint64_t x = seed;
    double v = 0.0;
    size_t i;
    for (i = 0; i < n; i++) {
        x = (x * 1103515245u + 12345u) % 2147483648u;
        v = v + ((double)((x >> 8) % 1000) / 100.0 - 5.0);
        out[i] = v;
    }
}

/* ---- pasted from tests/ref/dtw_ref.py ---- */
/* dtw(walk(len, s1), walk(len, s2), w): {len, s1, s2, w, distance} */
static const double dtw_ref[][5] = {
    {5, 1, 2, 0, 11.169449404514083},
    {5, 1, 2, 1, 10.187615030025428},
    {26, 3, 4, 3, 10.769182884508933},
    {26, 5, 6, 0, 69.07662339749969},
    {26, 7, 8, 25, 144.31515166468142},
    {40, 9, 10, 5, 90.62367792139094},
    {1, 11, 12, 3, 0.010000000000000675},
    {26, 13, 14, 1, 26.792217153494406},
};
/* nearest norm (seeds 100..104) of the walks with seeds 200..239, len 26, w = 3 */
static const int nearest_ref[40] = {
    1, 1, 1, 2, 2, 4, 2, 4, 2, 1, 1, 1, 3, 0, 2, 1, 2, 2, 2, 0, 1, 2, 1, 2, 0, 2, 2, 1, 2, 0, 2, 0, 0, 3, 2, 1, 2, 1, 1, 3
};
/* norm of the 60 x 8 matrix built in the test: contacts, median, p10, p25, p75, p90, mad */
static const double norm_ref[8][7] = {
    {60, 1.0, -3.0999999999999996, -2.0, 3.0, 4.0, 2.0},
    {60, 0.5, -5.0, -2.0, 2.0, 5.0, 3.0},
    {60, 0.0, -4.1, -3.0, 3.0, 5.0, 3.0},
    {60, -1.0, -6.1, -3.25, 3.0, 5.0, 3.5},
    {60, -0.5, -7.0, -4.0, 3.0, 6.100000000000001, 3.5},
    {45, 0.0, -8.6, -4.0, 4.0, 6.600000000000001, 4.0},
    {30, 0.5, -9.1, -4.5, 5.0, 7.200000000000003, 5.0},
    {15, 2.0, -9.6, -4.5, 4.5, 7.199999999999999, 4.0},
};
/* ---- end of pasted output ---- */

static double dtw_w(const double *x, const double *y, size_t n, size_t w, double cutoff)
{
    iv_pattern_options o = IV_PATTERN_OPTIONS_INIT;
    double d = -1.0;
    o.window = w;
    ck_assert_int_eq(iv_pattern_dtw(&d, x, y, n, cutoff, &o), IV_OK);
    return d;
}

START_TEST(dtw_by_hand_warps_a_shifted_ramp_to_zero)
{
    /* x = 0 0 1 2, y = 0 1 2 2: Euclidean sqrt(0 + 1 + 1 + 0); the path (0,0) (1,0)
     * (2,1) (3,2) (3,3) costs 0 and stays within |i - j| <= 1; w = 0 is the diagonal */
    double x[] = {0, 0, 1, 2}, y[] = {0, 1, 2, 2};
    ck_assert(iv_pattern_euclidean(x, y, 4) == sqrt(2.0));
    ck_assert(dtw_w(x, y, 4, 0, INFINITY) == sqrt(2.0));
    ck_assert(dtw_w(x, y, 4, 1, INFINITY) == 0.0);
    ck_assert(dtw_w(x, y, 4, 100, INFINITY) == 0.0);
}
END_TEST

START_TEST(dtw_matches_the_plain_quadratic_programme)
{
    size_t i;
    for (i = 0; i < NELEM(dtw_ref); i++) {
        size_t n = (size_t)dtw_ref[i][0];
        double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), d;
        walk(x, n, (uint64_t)dtw_ref[i][1]);
        walk(y, n, (uint64_t)dtw_ref[i][2]);
        d = dtw_w(x, y, n, (size_t)dtw_ref[i][3], INFINITY);
        ck_assert_msg(fabs(d - dtw_ref[i][4]) <= 1e-12 * dtw_ref[i][4], "case %zu: %.17g vs %.17g",
                      i, d, dtw_ref[i][4]);
        free(x);
        free(y);
    }
}
END_TEST

START_TEST(dtw_early_abandons_only_above_the_cutoff)
{
    double x[26], y[26], d, full;
    walk(x, 26, 3);
    walk(y, 26, 4);
    full = dtw_w(x, y, 26, 3, INFINITY);
    d = dtw_w(x, y, 26, 3, full);         /* equal to the cutoff: kept */
    ck_assert(d == full);
    d = dtw_w(x, y, 26, 3, full * 0.5);   /* below: abandoned */
    ck_assert(isinf(d) && d > 0);
}
END_TEST

START_TEST(distances_compare_the_common_observed_prefix)
{
    double x[] = {1, 2, 3, NAN, 9}, y[] = {1, 2, 5, 7, 7}, z[] = {NAN, 1, 1, 1, 1};
    ck_assert(iv_pattern_euclidean(x, y, 5) == 2.0); /* only 3 vs 5 differs */
    ck_assert(dtw_w(x, y, 5, 0, INFINITY) == 2.0);
    ck_assert(isnan(iv_pattern_euclidean(x, z, 5)));
    ck_assert(isnan(dtw_w(x, z, 5, 2, INFINITY)));
}
END_TEST

START_TEST(envelope_is_the_windowed_min_and_max)
{
    double y[40], lo[40], hi[40];
    size_t w, i, j;
    walk(y, 40, 77);
    for (w = 0; w < 6; w++) {
        iv_pattern_options o = IV_PATTERN_OPTIONS_INIT;
        o.window = w;
        ck_assert_int_eq(iv_pattern_envelope(lo, hi, y, 40, &o), IV_OK);
        for (i = 0; i < 40; i++) {
            double mn = INFINITY, mx = -INFINITY;
            for (j = i > w ? i - w : 0; j <= i + w && j < 40; j++) {
                mn = y[j] < mn ? y[j] : mn;
                mx = y[j] > mx ? y[j] : mx;
            }
            ck_assert(lo[i] == mn && hi[i] == mx);
        }
    }
    y[30] = NAN; /* past the observed prefix: NaN */
    ck_assert_int_eq(iv_pattern_envelope(lo, hi, y, 40, NULL), IV_OK);
    ck_assert(isnan(lo[35]) && isnan(hi[30]) && !isnan(hi[29]));
}
END_TEST

START_TEST(lb_keogh_never_exceeds_dtw)
{
    int s;
    for (s = 0; s < 200; s++) {
        double x[26], y[26], lo[26], hi[26], lb, d;
        walk(x, 26, 1000 + (uint64_t)s);
        walk(y, 26, 5000 + (uint64_t)s);
        ck_assert_int_eq(iv_pattern_envelope(lo, hi, y, 26, NULL), IV_OK);
        lb = iv_pattern_lb_keogh(x, lo, hi, 26);
        d = dtw_w(x, y, 26, 3, INFINITY);
        ck_assert(lb <= d);
    }
}
END_TEST

START_TEST(nearest_matches_the_plain_programme_and_brute_force)
{
    double norms[5 * 26], queries[40 * 26], dist[40], dist_b[40];
    int64_t idx[40], idx_b[40];
    iv_pattern_options o = IV_PATTERN_OPTIONS_INIT;
    size_t k, q;
    for (k = 0; k < 5; k++)
        walk(norms + k * 26, 26, 100 + k);
    for (q = 0; q < 40; q++)
        walk(queries + q * 26, 26, 200 + q);
    ck_assert_int_eq(iv_pattern_nearest(idx, dist, queries, 40, norms, 5, 26, &o), IV_OK);
    o.prune = 0;
    ck_assert_int_eq(iv_pattern_nearest(idx_b, dist_b, queries, 40, norms, 5, 26, &o), IV_OK);
    for (q = 0; q < 40; q++) {
        ck_assert_int_eq(idx[q], nearest_ref[q]);
        ck_assert(idx[q] == idx_b[q] && dist[q] == dist_b[q]);
    }
}
END_TEST

START_TEST(pruned_search_equals_brute_force_on_random_censored_data_with_ties)
{
    enum { NQ = 3000, NK = 7, L = 26 };
    double *norms = malloc(NK * L * sizeof *norms), *qs = malloc(NQ * L * sizeof *qs);
    double *d1 = malloc(NQ * sizeof *d1), *d2 = malloc(NQ * sizeof *d2);
    int64_t *i1 = malloc(NQ * sizeof *i1), *i2 = malloc(NQ * sizeof *i2);
    iv_pattern_options o = IV_PATTERN_OPTIONS_INIT;
    size_t q, k, j, w;
    for (k = 0; k < NK; k++)
        walk(norms + k * L, L, 900 + k);
    memcpy(norms + 6 * L, norms + 2 * L, L * sizeof *norms); /* an exact tie: 2 wins */
    for (j = 20; j < L; j++)
        norms[4 * L + j] = NAN;                             /* a censored norm */
    for (q = 0; q < NQ; q++) {
        walk(qs + q * L, L, 20000 + q);
        for (j = L - q % 9; j < L; j++)
            qs[q * L + j] = NAN;                            /* censored queries */
    }
    for (q = 0; q < NQ; q += 50)
        memcpy(qs + q * L, norms + 2 * L, L * sizeof *qs);  /* distance 0, tie 2 vs 6 */
    for (w = 0; w < 5; w++) {
        o.window = w;
        o.prune = 1;
        ck_assert_int_eq(iv_pattern_nearest(i1, d1, qs, NQ, norms, NK, L, &o), IV_OK);
        o.prune = 0;
        ck_assert_int_eq(iv_pattern_nearest(i2, d2, qs, NQ, norms, NK, L, &o), IV_OK);
        for (q = 0; q < NQ; q++) {
            ck_assert_int_eq(i1[q], i2[q]);
            ck_assert(d1[q] == d2[q]);
        }
        ck_assert_int_eq(i1[0], 2);
        ck_assert(d1[0] == 0.0);
    }
    free(norms);
    free(qs);
    free(d1);
    free(d2);
    free(i1);
    free(i2);
}
END_TEST

START_TEST(nearest_reports_no_match_without_observed_points)
{
    double norms[2 * 3] = {1, 2, 3, 4, 5, 6}, qs[2 * 3] = {NAN, 1, 1, 4, 5, 7}, d[2];
    int64_t idx[2];
    iv_pattern_options o = IV_PATTERN_OPTIONS_INIT;
    ck_assert_int_eq(iv_pattern_nearest(idx, d, qs, 2, norms, 2, 3, NULL), IV_OK);
    ck_assert(idx[0] == -1 && isnan(d[0]));
    ck_assert(idx[1] == 1 && d[1] == 1.0);
    o.distance = IV_DISTANCE_EUCLIDEAN;
    ck_assert_int_eq(iv_pattern_nearest(idx, d, qs, 2, norms, 2, 3, &o), IV_OK);
    ck_assert(idx[1] == 1 && d[1] == 1.0);
}
END_TEST

/* The 60 x 8 matrix of dtw_ref.py: rounded walks, row t censored after bucket 8 - t % 4. */
static double *norm_matrix(void)
{
    double *m = malloc(60 * 8 * sizeof *m);
    size_t t, b;
    for (t = 0; t < 60; t++) {
        walk(m + t * 8, 8, 300 + t);
        for (b = 0; b < 8; b++)
            m[t * 8 + b] = b < 8 - t % 4 ? nearbyint(m[t * 8 + b]) : NAN; /* half to even */
    }
    return m;
}

START_TEST(norm_matches_numpy_per_bucket)
{
    static const char *cols[8] = {"bucket", "contacts", "median", "p10", "p25", "p75", "p90",
                                  "mad"};
    /* column order of norm_ref: contacts, median, p10, p25, p75, p90, mad */
    double *m = norm_matrix();
    iv_table *t = NULL;
    size_t b, c;
    ck_assert_int_eq(iv_pattern_norm(&t, m, 60, 8, NULL), IV_OK);
    ck_assert_uint_eq(iv_table_nrows(t), 8);
    for (c = 0; c < 8; c++)
        ck_assert_str_eq(iv_table_col_name(t, c), cols[c]);
    for (b = 0; b < 8; b++) {
        ck_assert_int_eq(iv_table_get_int(t, b, 0), (int64_t)b + 1);
        for (c = 0; c < 7; c++)
            ck_assert_msg(fabs(iv_table_get_double(t, b, c + 1) - norm_ref[b][c]) <= 1e-12,
                          "bucket %zu col %zu: %.17g vs %.17g", b, c,
                          iv_table_get_double(t, b, c + 1), norm_ref[b][c]);
    }
    iv_table_free(t);
    free(m);
}
END_TEST

/* Type-7 quantile of the sorted v[0..n) as numpy's "linear" method defines it:
 * h = (n - 1) p, lower + (h - floor h) (upper - lower). */
static double q7_sorted(const double *v, size_t n, double p)
{
    double h = (double)(n - 1) * p, f = h - floor(h);
    size_t j = (size_t)floor(h);
    if (n == 0)
        return NAN;
    return j + 1 < n && f > 0.0 ? v[j] + f * (v[j + 1] - v[j]) : v[j];
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int same_bits_or_nan(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

/* The norm's summaries against the definitions computed plainly (a full sort of each
 * bucket, numpy's type 7, the MAD as the type-7 median of the sorted |v - median| without
 * NaN), on 19 buckets (blocks of 8 and a partial one) of many-tied, negative, censored,
 * infinite and fractional values; the mean absolute deviation where the MAD is 0 (dyadic
 * values: every order of the sum is exact). */
START_TEST(norm_equals_the_sorted_definitions_on_tied_and_extreme_values)
{
    enum { N = 997, K = 19 };
    double *m = malloc(N * K * sizeof *m), *col = malloc(N * sizeof *col);
    double *dev = malloc(N * sizeof *dev);
    iv__norm_bucket nb[K];
    iv__alloc al;
    uint64_t x = 12345;
    size_t i, b;
    ck_assert_ptr_nonnull(m);
    iv__alloc_init(&al, NULL, NULL);
    for (i = 0; i < N; i++)
        for (b = 0; b < K; b++) {
            unsigned r;
            double v;
            x = x * 6364136223846793005u + 1442695040888963407u;
            r = (unsigned)(x >> 33);
            switch (b % 7) {
            case 0: v = (double)(r % 5); break;                      /* five values */
            case 1: v = (double)(r % 2001) - 1000.0; break;          /* negatives */
            case 2: v = r % 3 ? 7.0 : (double)(r % 50); break;       /* MAD 0 */
            case 3: v = (double)(r % 1000) / 8.0 - 60.0; break;      /* dyadic fractions */
            case 4: v = (double)r / 3.0e6; break;                    /* inexact fractions */
            case 5: v = r % 5 == 0 ? INFINITY : r % 5 == 1 ? -INFINITY : (double)(r % 9); break;
            default: v = 1e300 * (double)(r % 4) - 1e300; break;     /* deviations overflow */
            }
            if (b == 6 && i > 0)
                v = INFINITY; /* an infinite median: inf - inf deviations are left out */
            if (b == 13 && r % 2)
                v = -v;
            m[i * K + b] = (r >> 20) % 6 == 0 && b != 6 ? NAN : v; /* censored cells */
        }
    ck_assert_int_eq(iv__norm_compute(&al, m, N, K, nb), IV_OK);
    for (b = 0; b < K; b++) {
        size_t n = 0, nd = 0;
        double med;
        for (i = 0; i < N; i++)
            if (!isnan(m[i * K + b]))
                col[n++] = m[i * K + b];
        qsort(col, n, sizeof *col, cmp_dbl);
        med = q7_sorted(col, n, 0.5);
        ck_assert_uint_eq(nb[b].contacts, n);
        ck_assert_msg(same_bits_or_nan(nb[b].p10, q7_sorted(col, n, 0.10)), "p10 %zu", b);
        ck_assert_msg(same_bits_or_nan(nb[b].p25, q7_sorted(col, n, 0.25)), "p25 %zu", b);
        ck_assert_msg(same_bits_or_nan(nb[b].median, med), "median %zu", b);
        ck_assert_msg(same_bits_or_nan(nb[b].p75, q7_sorted(col, n, 0.75)), "p75 %zu", b);
        ck_assert_msg(same_bits_or_nan(nb[b].p90, q7_sorted(col, n, 0.90)), "p90 %zu", b);
        for (i = 0; i < n; i++)
            if (!isnan(fabs(col[i] - med)))
                dev[nd++] = fabs(col[i] - med);
        qsort(dev, nd, sizeof *dev, cmp_dbl);
        ck_assert_msg(same_bits_or_nan(nb[b].mad, q7_sorted(dev, nd, 0.5)), "mad %zu: %.17g vs %.17g",
                      b, nb[b].mad, q7_sorted(dev, nd, 0.5));
        if (b % 7 == 2) {
            double sum = 0.0;
            ck_assert(nb[b].mad == 0.0);
            for (i = 0; i < n; i++)
                sum += fabs(col[i] - med);
            ck_assert(nb[b].meanad == sum / (double)n);
        }
    }
    ck_assert(nb[6].median == INFINITY && nb[6].contacts == N);
    ck_assert(nb[6].mad == INFINITY); /* row 0's finite value; inf - inf is left out */
    free(m);
    free(col);
    free(dev);
}
END_TEST

START_TEST(norm_of_an_unobserved_bucket_is_undefined)
{
    double m[2 * 2] = {1, NAN, 3, NAN};
    iv_table *t = NULL;
    ck_assert_int_eq(iv_pattern_norm(&t, m, 2, 2, NULL), IV_OK);
    ck_assert(iv_table_get_double(t, 0, 2) == 2.0);
    ck_assert_int_eq(iv_table_get_int(t, 1, 1), 0);
    ck_assert(!iv_table_is_defined(t, 1, 2));
    ck_assert(!iv_table_is_defined(t, 1, 7));
    iv_table_free(t);
}
END_TEST

START_TEST(vs_norm_robust_z_with_its_fallbacks_by_hand)
{
    /* 5 norm contacts x 4 buckets:
     *  b1: 1 2 3 4 100 -> median 3, MAD 1, s = 1.4826; x = 6: z = 3 / 1.4826
     *  b2: 5 5 5 5 5   -> MAD 0, mean abs dev 0, s = max(1e-9, 1e-6 * 5) = 5e-6; x = 5: z 0
     *  b3: 2 2 2 2 10  -> MAD 0, mean abs dev 8/5, s = 1.2533 * 1.6; x = 4: z = 2 / s
     *  b4: unobserved for the contact */
    double m[5 * 4] = {1, 5, 2, 0, 2, 5, 2, 0, 3, 5, 2, 0, 4, 5, 2, 0, 100, 5, 10, 0};
    double x[4] = {6, 5, 4, NAN}, z[4];
    double z1 = 3.0 / 1.4826, z3 = 2.0 / (1.2533 * 1.6);
    iv_table *t = NULL;
    iv_pattern_options o = IV_PATTERN_OPTIONS_INIT;
    ck_assert_int_eq(iv_pattern_vs_norm(&t, z, x, m, 5, 4, NULL), IV_OK);
    ck_assert(fabs(z[0] - z1) < 1e-15 && z[1] == 0.0 && fabs(z[2] - z3) < 1e-15 && isnan(z[3]));
    ck_assert_int_eq(iv_table_get_int(t, 0, 0), 3);
    ck_assert(fabs(iv_table_get_double(t, 0, 1) - (z1 + z3) / 3.0) < 1e-15);
    ck_assert(fabs(iv_table_get_double(t, 0, 2) - z1) < 1e-15);
    ck_assert_int_eq(iv_table_get_int(t, 0, 3), 0);   /* 2.02 <= 3.5 */
    ck_assert_int_eq(iv_table_get_int(t, 0, 4), 3);   /* latest observed bucket */
    ck_assert(iv_table_get_double(t, 0, 5) == 4.0);
    ck_assert(iv_table_get_double(t, 0, 6) == 0.8);   /* 4 of 5 below 4 */
    iv_table_free(t);
    /* a tie: x = 2 at b3 -> (0 below + 4 equal / 2) / 5 = 0.4; lower threshold: anomaly */
    x[2] = 2.0;
    o.anomaly_z = 2.0;
    ck_assert_int_eq(iv_pattern_vs_norm(&t, NULL, x, m, 5, 4, &o), IV_OK);
    ck_assert(iv_table_get_double(t, 0, 6) == 0.4);
    ck_assert_int_eq(iv_table_get_int(t, 0, 3), 1);
    iv_table_free(t);
    /* a contact with nothing observed: summaries undefined */
    x[0] = x[1] = x[2] = NAN;
    ck_assert_int_eq(iv_pattern_vs_norm(&t, NULL, x, m, 5, 4, NULL), IV_OK);
    ck_assert_int_eq(iv_table_get_int(t, 0, 0), 0);
    ck_assert(!iv_table_is_defined(t, 0, 1) && !iv_table_is_defined(t, 0, 3));
    ck_assert(!iv_table_is_defined(t, 0, 6));
    iv_table_free(t);
}
END_TEST

START_TEST(norm_vs_norm_and_nearest_survive_every_allocation_failure)
{
    double *m = norm_matrix(), x[8] = {1, 2, 3, 4, 5, 6, NAN, NAN}, d[60];
    int64_t idx[60];
    int which;
    for (which = 0; which < 3; which++) {
        long k;
        for (k = 1;; k++) {
            tu_alloc ta;
            iv_pattern_options o = IV_PATTERN_OPTIONS_INIT;
            iv_table *t = NULL;
            int rc;
            tu_alloc_reset(&ta, k);
            o.alloc = tu_alloc_fn;
            o.alloc_ud = &ta;
            if (which == 0)
                rc = iv_pattern_norm(&t, m, 60, 8, &o);
            else if (which == 1)
                rc = iv_pattern_vs_norm(&t, NULL, x, m, 60, 8, &o);
            else
                rc = iv_pattern_nearest(idx, d, m, 60, m, 5, 8, &o);
            iv_table_free(t);
            ck_assert_int_eq(ta.live, 0);
            if (rc == IV_OK) {
                ck_assert(!ta.failed);
                break;
            }
            ck_assert_int_eq(rc, IV_ENOMEM);
            ck_assert(t == NULL);
        }
        ck_assert(k > 2);
    }
    free(m);
}
END_TEST

START_TEST(options_are_checked)
{
    iv_pattern_options o;
    iv_table *t = NULL;
    double m[2] = {1, 2};
    ck_assert_int_eq(iv_pattern_options_init(&o, sizeof o), IV_OK);
    ck_assert_uint_eq(o.window, 3);
    o.anomaly_z = 0.0;
    ck_assert_int_eq(iv_pattern_norm(&t, m, 1, 2, &o), IV_EINVAL);
    ck_assert_int_eq(iv_pattern_options_init(&o, 4), IV_EINVAL);
    o.size = 4;
    ck_assert_int_eq(iv_pattern_norm(&t, m, 1, 2, &o), IV_EINVAL);
}
END_TEST

static void dtw_tests(TCase *tc)
{
    tcase_add_test(tc, dtw_by_hand_warps_a_shifted_ramp_to_zero);
    tcase_add_test(tc, dtw_matches_the_plain_quadratic_programme);
    tcase_add_test(tc, dtw_early_abandons_only_above_the_cutoff);
    tcase_add_test(tc, distances_compare_the_common_observed_prefix);
    tcase_add_test(tc, envelope_is_the_windowed_min_and_max);
    tcase_add_test(tc, lb_keogh_never_exceeds_dtw);
    tcase_add_test(tc, nearest_matches_the_plain_programme_and_brute_force);
    tcase_add_test(tc, pruned_search_equals_brute_force_on_random_censored_data_with_ties);
    tcase_add_test(tc, nearest_reports_no_match_without_observed_points);
    tcase_add_test(tc, norm_matches_numpy_per_bucket);
    tcase_add_test(tc, norm_of_an_unobserved_bucket_is_undefined);
    tcase_add_test(tc, norm_equals_the_sorted_definitions_on_tied_and_extreme_values);
    tcase_add_test(tc, vs_norm_robust_z_with_its_fallbacks_by_hand);
    tcase_add_test(tc, norm_vs_norm_and_nearest_survive_every_allocation_failure);
    tcase_add_test(tc, options_are_checked);
}

TU_SUITE_MAIN("dtw", dtw_tests)
