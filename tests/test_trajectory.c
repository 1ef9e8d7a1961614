/* Trajectories from a store (doc/PATTERN.md): age, calendar and interaction-index alignment,
 * censored buckets (NaN, never 0), selections, reference time, the norm of a subset,
 * a contact against a norm, nearest norm, allocation failures. Every expected value is
 * worked out by hand in the comments. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iv.h"
#include "testutil.h"

#define DAY 86400000LL
#define BASE 1704067200000LL /* 2024-01-01T00:00:00Z */
#define D(x) ((int64_t)(BASE + (x) * (double)DAY))

static void add(iv_store *s, const char *contact, int64_t ts, const char *channel, double rv)
{
    tu_add(s, "contact=%s ts=@%lld channel=%s type=visit rv=%.17g", contact, (long long)ts, channel, rv);
}

/* The hand log (explicit rv overrides the model):
 *   a: day 0 web +10, day 0.5 web +5, day 2.5 phone +20, day 5 web +1
 *   b: day 3 web +7, day 4.5 web -2
 * The store's last timestamp is day 5: the reference time R = day 5. */
static iv_store *hand_log(iv_alloc_fn fn, void *ud)
{
    iv_store *s = tu_new_store(fn, ud);
    add(s, "b", D(3), "web", 7);
    add(s, "a", D(0), "web", 10);
    add(s, "a", D(0.5), "web", 5);
    add(s, "b", D(4.5), "web", -2);
    add(s, "a", D(2.5), "phone", 20);
    add(s, "a", D(5), "web", 1);
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    return s;
}

/* Row r of a trajectories table equals the K values given (NAN = unobserved). */
static void expect_row(const iv_table *t, size_t r, const char *contact, const double *v, size_t k)
{
    size_t b;
    ck_assert_str_eq(iv_table_get_string(t, r, 0), contact);
    for (b = 0; b < k; b++) {
        double x = iv_table_get_double(t, r, 2 + b);
        if (isnan(v[b]))
            ck_assert_msg(!iv_table_is_defined(t, r, 2 + b), "%s b%zu should be unobserved, got %g",
                          contact, b + 1, x);
        else
            ck_assert_msg(x == v[b], "%s b%zu: %.17g != %.17g", contact, b + 1, x, v[b]);
    }
}

/* Rows come in byte order of the contact's text (strcmp): by hand, 'Z' (0x5a) < 'a' < "abc"
 * < "abcdefg" < "abcdefgh" (a prefix first) < "abcdefgh0" < "abcdefgha" < "abcdefghb" (from
 * the ninth byte on) < "abcdefgi" (8th byte) < "\xc3\xa9" (UTF-8, above ASCII); the contacts
 * were ingested in another order. */
START_TEST(rows_are_in_byte_order_of_the_contact_text_past_eight_bytes)
{
    static const char *const want[] = {"Z", "a", "abc", "abcdefg", "abcdefgh", "abcdefgh0",
                                       "abcdefgha", "abcdefghb", "abcdefgi", "\xc3\xa9"};
    static const char *const order[] = {"abcdefghb", "\xc3\xa9", "abcdefgh", "a", "abcdefgi",
                                        "abcdefgha", "Z", "abcdefg", "abcdefgh0", "abc"};
    iv_store *s = tu_new_store(NULL, NULL);
    iv_pattern_store_options o = IV_PATTERN_STORE_OPTIONS_INIT;
    iv_table *t = NULL;
    size_t i;
    for (i = 0; i < 10; i++)
        add(s, order[i], D(i), "web", 1);
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    o.buckets = 2;
    ck_assert_int_eq(iv_pattern_trajectories(&t, s, NULL, &o), IV_OK);
    ck_assert_uint_eq(iv_table_nrows(t), 10);
    for (i = 0; i < 10; i++)
        ck_assert_str_eq(iv_table_get_string(t, i, 0), want[i]);
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

/* Many contacts (3,000: ids of five shapes, 1 to 13 bytes, many sharing their first 8
 * bytes, UTF-8) ingested in a scrambled order: the rows come in strictly increasing byte
 * order of the text (strcmp), one per contact (the radix sort of the 8-byte prefixes and
 * the tie-break past them; fails on a wrong digit order or a run of one prefix left
 * unsorted). */
START_TEST(many_contacts_come_in_byte_order)
{
    enum { N = 3000 };
    iv_store *s = tu_new_store(NULL, NULL);
    iv_pattern_store_options o = IV_PATTERN_STORE_OPTIONS_INIT;
    iv_table *t = NULL;
    size_t i;
    for (i = 0; i < N; i++) {
        size_t j = (i * 7919) % N; /* 7919 is prime: a permutation of 0..N-1 */
        char id[32];
        switch (j % 5) {
        case 0: snprintf(id, sizeof id, "C%06zu", j); break;
        case 1: snprintf(id, sizeof id, "cust-%zu", j * 37 % 1013); break;
        case 2: snprintf(id, sizeof id, "abcdefgh%zu", j); break;
        case 3: snprintf(id, sizeof id, "\xc3\xa9%zu", j); break;
        default: snprintf(id, sizeof id, "%zu", j); break;
        }
        add(s, id, D(j % 40), "web", 1);
    }
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    o.buckets = 2;
    ck_assert_int_eq(iv_pattern_trajectories(&t, s, NULL, &o), IV_OK);
    ck_assert_uint_eq(iv_table_nrows(t), iv_store_contacts(s));
    for (i = 1; i < iv_table_nrows(t); i++)
        ck_assert_msg(strcmp(iv_table_get_string(t, i - 1, 0), iv_table_get_string(t, i, 0)) < 0,
                      "row %zu: '%s' before '%s'", i, iv_table_get_string(t, i - 1, 0),
                      iv_table_get_string(t, i, 0));
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

static iv_pattern_store_options daily(int align)
{
    iv_pattern_store_options o = IV_PATTERN_STORE_OPTIONS_INIT;
    o.bucket = DAY;
    o.buckets = 4;
    o.align = align;
    return o;
}

/* Age: bucket b ends first + b days and holds the rows before its end.
 * a (first day 0): ends 1, 2, 3, 4 -> 10+5 = 15, 15, 15+20 = 35, 35; all end <= R = 5.
 * b (first day 3): ends 4, 5, 6, 7 -> 7, 7-2 = 5, then end 6 > R: unobserved. */
START_TEST(age_buckets_cumulate_rv_and_censor_after_the_reference_time)
{
    iv_store *s = hand_log(NULL, NULL);
    iv_pattern_store_options o = daily(IV_ALIGN_AGE);
    iv_table *t;
    const double a[4] = {15, 15, 35, 35}, b[4] = {7, 5, NAN, NAN};
    ck_assert_int_eq(iv_pattern_trajectories(&t, s, NULL, &o), IV_OK);
    ck_assert_uint_eq(iv_table_nrows(t), 2);
    ck_assert_uint_eq(iv_table_ncols(t), 6);
    ck_assert_str_eq(iv_table_col_name(t, 1), "origin");
    ck_assert_str_eq(iv_table_col_name(t, 5), "b4");
    expect_row(t, 0, "a", a, 4);
    expect_row(t, 1, "b", b, 4);
    ck_assert_int_eq(iv_table_get_int(t, 0, 1), D(0));
    ck_assert_int_eq(iv_table_get_int(t, 1, 1), D(3));
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

/* Calendar from the store's first timestamp (day 0): ends 1, 2, 3, 4 for everyone.
 * a: 15, 15, 35, 35. b: no row before day 3 -> 0, 0, 0 (day 3 is not before day 3), 7.
 * Calendar from day 2: ends 3, 4, 5, 6; rows before the origin count (a's 15).
 * a: 35, 35, 35 (day 5 is not before day 5), end 6 > R -> unobserved.
 * b: 0, 7, 5, unobserved. */
START_TEST(calendar_buckets_share_one_origin)
{
    iv_store *s = hand_log(NULL, NULL);
    iv_pattern_store_options o = daily(IV_ALIGN_CALENDAR);
    iv_table *t;
    const double a1[4] = {15, 15, 35, 35}, b1[4] = {0, 0, 0, 7};
    const double a2[4] = {35, 35, 35, NAN}, b2[4] = {0, 7, 5, NAN};
    ck_assert_int_eq(iv_pattern_trajectories(&t, s, NULL, &o), IV_OK);
    expect_row(t, 0, "a", a1, 4);
    expect_row(t, 1, "b", b1, 4);
    ck_assert_int_eq(iv_table_get_int(t, 1, 1), D(0));
    iv_table_free(t);
    o.origin = D(2);
    ck_assert_int_eq(iv_pattern_trajectories(&t, s, NULL, &o), IV_OK);
    expect_row(t, 0, "a", a2, 4);
    expect_row(t, 1, "b", b2, 4);
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

/* Index: bucket b = RV after the b-th interaction. a: 10, 15, 35, 36. b: 7, 5, then
 * no third interaction by R: unobserved. */
START_TEST(index_buckets_follow_interactions)
{
    iv_store *s = hand_log(NULL, NULL);
    iv_pattern_store_options o = daily(IV_ALIGN_INDEX);
    iv_table *t;
    const double a[4] = {10, 15, 35, 36}, b[4] = {7, 5, NAN, NAN};
    ck_assert_int_eq(iv_pattern_trajectories(&t, s, NULL, &o), IV_OK);
    expect_row(t, 0, "a", a, 4);
    expect_row(t, 1, "b", b, 4);
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

/* A selection: `channel = web` drops a's day 2.5 phone row: a = 15, 15, 15, 15.
 * `to` = day 4.5 drops b's day 4.5 row and a's day 5 row and makes R = day 4.5:
 * a: 15, 15, 35, 35 (end 4 <= 4.5); b: 7, then end 5 > 4.5: unobserved.
 * t_ref = day 3.5: a: 15, 15, 35, unobserved; b: every bucket ends after 3.5; index
 * alignment counts only rows at or before R: a 10, 15, 35, -; b 7, -, -, -. */
START_TEST(selection_and_reference_time_decide_what_counts)
{
    iv_store *s = hand_log(NULL, NULL);
    iv_pattern_store_options o = daily(IV_ALIGN_AGE);
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_table *t;
    const double a1[4] = {15, 15, 15, 15};
    const double a2[4] = {15, 15, 35, 35}, b2[4] = {7, NAN, NAN, NAN};
    const double a3[4] = {15, 15, 35, NAN}, b3[4] = {NAN, NAN, NAN, NAN};
    const double a4[4] = {10, 15, 35, NAN}, b4[4] = {7, NAN, NAN, NAN};
    q.where = "channel = web";
    ck_assert_int_eq(iv_pattern_trajectories(&t, s, &q, &o), IV_OK);
    expect_row(t, 0, "a", a1, 4);
    iv_table_free(t);
    q.where = NULL;
    q.to = D(4.5);
    ck_assert_int_eq(iv_pattern_trajectories(&t, s, &q, &o), IV_OK);
    expect_row(t, 0, "a", a2, 4);
    expect_row(t, 1, "b", b2, 4);
    iv_table_free(t);
    q.to = IV_TIME_NONE;
    q.t_ref = D(3.5);
    ck_assert_int_eq(iv_pattern_trajectories(&t, s, &q, &o), IV_OK);
    expect_row(t, 0, "a", a3, 4);
    expect_row(t, 1, "b", b3, 4);
    iv_table_free(t);
    o.align = IV_ALIGN_INDEX;
    ck_assert_int_eq(iv_pattern_trajectories(&t, s, &q, &o), IV_OK);
    expect_row(t, 0, "a", a4, 4);
    expect_row(t, 1, "b", b4, 4);
    iv_table_free(t);
    q.t_ref = IV_TIME_NONE;
    q.where = "contact = nobody";
    ck_assert_int_eq(iv_pattern_trajectories(&t, s, &q, &o), IV_OK);
    ck_assert_uint_eq(iv_table_nrows(t), 0);
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

/* rv_repeat 0.5 on `visit` (and no explicit rv): the k-th visit counts 1 * 0.5^(k-1),
 * counted over the contact's whole history even when the selection starts later.
 * Visits at days 0, 1, 2, 3: units 1, 0.5, 0.25, 0.125. From day 2 on (age alignment
 * from the first selected visit, day 2): bucket 1 (ends day 3) = 0.25, bucket 2 (ends
 * day 4 > R = day 3) unobserved. */
START_TEST(model_state_runs_over_the_whole_history)
{
    iv_store *s;
    iv_model *m;
    iv_pattern_store_options o = daily(IV_ALIGN_AGE);
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_table *t;
    const double v[4] = {0.25, NAN, NAN, NAN};
    int d;
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    for (d = 0; d < 4; d++)
        add(s, "v", D(d), "web", NAN);
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    ck_assert_int_eq(iv_model_new(&m, NULL), IV_OK);
    ck_assert_int_eq(iv_model_set_type_rv_repeat(m, "visit", 0.5), IV_OK);
    q.model = m;
    q.from = D(2);
    ck_assert_int_eq(iv_pattern_trajectories(&t, s, &q, &o), IV_OK);
    expect_row(t, 0, "v", v, 4);
    iv_table_free(t);
    iv_model_free(m);
    iv_store_free(s);
}
END_TEST

/* Norm of everyone (age): bucket 1 {15, 7}: median 11, p10 7 + 0.1 * 8 = 7.8, p25 9,
 * p75 13, p90 14.2, MAD median(|15 - 11|, |7 - 11|) = 4. Bucket 2 {15, 5}: median 10.
 * Bucket 3 {35} only (b unobserved): contacts 1, MAD 0. */
START_TEST(norm_of_a_subset_counts_only_observed_contacts)
{
    iv_store *s = hand_log(NULL, NULL);
    iv_pattern_store_options o = daily(IV_ALIGN_AGE);
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_table *t;
    ck_assert_int_eq(iv_pattern_norm_of(&t, s, NULL, &o), IV_OK);
    ck_assert_uint_eq(iv_table_nrows(t), 4);
    ck_assert_int_eq(iv_table_get_int(t, 0, 1), 2);
    ck_assert(tu_close(tu_cell(t, 0, "median"), 11, 1e-15));
    ck_assert(tu_close(tu_cell(t, 0, "p10"), 7.8, 1e-15));
    ck_assert(tu_close(tu_cell(t, 0, "p25"), 9, 1e-15));
    ck_assert(tu_close(tu_cell(t, 0, "p75"), 13, 1e-15));
    ck_assert(tu_close(tu_cell(t, 0, "p90"), 14.2, 1e-15));
    ck_assert(tu_close(tu_cell(t, 0, "mad"), 4, 1e-15));
    ck_assert(tu_close(tu_cell(t, 1, "median"), 10, 1e-15));
    ck_assert_int_eq(iv_table_get_int(t, 2, 1), 1);
    ck_assert(tu_close(tu_cell(t, 2, "median"), 35, 1e-15));
    ck_assert(tu_close(tu_cell(t, 2, "mad"), 0, 1e-15));
    iv_table_free(t);
    /* the subset `contact = b`: bucket 3 has nobody observed -> undefined */
    q.where = "contact = b";
    ck_assert_int_eq(iv_pattern_norm_of(&t, s, &q, &o), IV_OK);
    ck_assert(tu_close(tu_cell(t, 1, "median"), 5, 1e-15));
    ck_assert_int_eq(iv_table_get_int(t, 2, 1), 0);
    ck_assert(isnan(tu_cell(t, 2, "median")));
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

/* a against the norm of everyone: bucket 1 z = (15 - 11) / (1.4826 * 4) = 1 / 1.4826;
 * bucket 2 z = (15 - 10) / (1.4826 * 5) = 1 / 1.4826; buckets 3 and 4: a alone, MAD
 * and mean deviation 0, z = 0 / floor = 0. mean z = (2 / 1.4826) / 4, max |z| =
 * 1 / 1.4826 = 0.6745, no anomaly; latest bucket 4, value 35, percentile (0 + 1/2) / 1. */
START_TEST(contact_against_the_norm_of_everyone)
{
    iv_store *s = hand_log(NULL, NULL);
    iv_pattern_store_options o = daily(IV_ALIGN_AGE);
    iv_table *t, *pb;
    ck_assert_int_eq(iv_pattern_contact_vs_norm(&t, &pb, s, "a", NULL, &o), IV_OK);
    ck_assert(iv_table_is_single(t));
    ck_assert_str_eq(iv_table_get_string(t, 0, 0), "a");
    ck_assert_int_eq(iv_table_get_int(t, 0, (size_t)iv_table_col_index(t, "buckets")), 4);
    ck_assert(tu_close(tu_cell(t, 0, "mean_z"), 0.5 / 1.4826, 1e-13));
    ck_assert(tu_close(tu_cell(t, 0, "max_abs_z"), 1 / 1.4826, 1e-13));
    ck_assert_int_eq(iv_table_get_int(t, 0, (size_t)iv_table_col_index(t, "anomaly")), 0);
    ck_assert_int_eq(iv_table_get_int(t, 0, (size_t)iv_table_col_index(t, "latest_bucket")), 4);
    ck_assert(tu_close(tu_cell(t, 0, "value"), 35, 1e-15));
    ck_assert(tu_close(tu_cell(t, 0, "percentile"), 0.5, 1e-15));
    ck_assert_uint_eq(iv_table_nrows(pb), 4);
    ck_assert(tu_close(tu_cell(pb, 0, "value"), 15, 1e-15));
    ck_assert(tu_close(tu_cell(pb, 0, "median"), 11, 1e-15));
    ck_assert(tu_close(tu_cell(pb, 1, "z"), 1 / 1.4826, 1e-13));
    ck_assert(tu_close(tu_cell(pb, 3, "z"), 0, 1e-15));
    iv_table_free(t);
    iv_table_free(pb);
    iv_store_free(s);
}
END_TEST

/* b against the norm of `contact = a` with an anomaly threshold of 0.5: bucket 1
 * x = 7, norm {15}: MAD 0, mean deviation 0, scale max(1e-9, 1e-6 * 15) = 1.5e-5,
 * z = -8 / 1.5e-5; bucket 2: -10 / 1.5e-5; buckets 3, 4 unobserved for b.
 * The contact's own trajectory ignores the norm's where. Unknown contacts and contacts
 * with nothing in the range are errors. */
START_TEST(contact_against_another_subset_and_errors)
{
    iv_store *s = hand_log(NULL, NULL);
    iv_pattern_store_options o = daily(IV_ALIGN_AGE);
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    q.where = "contact = a";
    o.anomaly_z = 0.5;
    ck_assert_int_eq(iv_pattern_contact_vs_norm(&t, NULL, s, "b", &q, &o), IV_OK);
    ck_assert_int_eq(iv_table_get_int(t, 0, (size_t)iv_table_col_index(t, "buckets")), 2);
    ck_assert(tu_close(tu_cell(t, 0, "mean_z"), -9 / 1.5e-5, 1e-12));
    ck_assert(tu_close(tu_cell(t, 0, "max_abs_z"), 10 / 1.5e-5, 1e-12));
    ck_assert_int_eq(iv_table_get_int(t, 0, (size_t)iv_table_col_index(t, "anomaly")), 1);
    ck_assert_int_eq(iv_table_get_int(t, 0, (size_t)iv_table_col_index(t, "latest_bucket")), 2);
    ck_assert(tu_close(tu_cell(t, 0, "percentile"), 0, 1e-15));
    iv_table_free(t);
    ck_assert_int_eq(iv_pattern_contact_vs_norm(&t, NULL, s, "zz", NULL, &o), IV_ENOTFOUND);
    ck_assert_ptr_null(t);
    q.where = NULL;
    q.from = D(4.6);
    ck_assert_int_eq(iv_pattern_contact_vs_norm(&t, NULL, s, "b", &q, &o), IV_EUNDEFINED);
    ck_assert_ptr_null(t);
    iv_store_free(s);
}
END_TEST

/* Nearest norm between the subsets `contact = a` (norm = a's trajectory 15, 15, 35, 35),
 * `contact = b` (7, 5, -, -) and `channel = phone` (a from day 2.5: ends 3.5, 4.5 ->
 * 20, 20, then unobserved): a and b are nearest to their own subsets, at distance 0.
 * c (day 0 +19, day 1 +2: 19, 21, 21, 21) with DTW, w = 3 (cost matrix by hand):
 * against a over 4 points D(3,3) = 444 (the diagonal 16 + 36 + 196 + 196); against b
 * over 2 points (x 19, 21; y 7, 5) D(1,1) = 256 + 144 = 400; against phone (20, 20)
 * D(1,1) = 1 + 1 = 2 -> phone (index 2) at sqrt(2). Euclidean: the same sums. */
START_TEST(nearest_norm_names_the_closest_subset)
{
    iv_store *s = hand_log(NULL, NULL);
    iv_pattern_store_options o = daily(IV_ALIGN_AGE);
    const char *subsets[3] = {"contact = a", "contact = b", "channel = phone"};
    iv_table *t;
    add(s, "c", D(0), "web", 19);
    add(s, "c", D(1), "web", 2);
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    ck_assert_int_eq(iv_pattern_nearest_norm(&t, s, NULL, subsets, 3, &o), IV_OK);
    ck_assert_uint_eq(iv_table_nrows(t), 3);
    ck_assert_str_eq(iv_table_get_string(t, 0, 0), "a");
    ck_assert_int_eq(iv_table_get_int(t, 0, 1), 0);
    ck_assert_str_eq(iv_table_get_string(t, 0, 2), "contact = a");
    ck_assert(tu_cell(t, 0, "distance") == 0);
    ck_assert_int_eq(iv_table_get_int(t, 1, 1), 1);
    ck_assert(tu_cell(t, 1, "distance") == 0);
    ck_assert_str_eq(iv_table_get_string(t, 2, 0), "c");
    ck_assert_int_eq(iv_table_get_int(t, 2, 1), 2);
    ck_assert(tu_close(tu_cell(t, 2, "distance"), sqrt(2), 1e-15));
    iv_table_free(t);
    o.distance = IV_DISTANCE_EUCLIDEAN;
    ck_assert_int_eq(iv_pattern_nearest_norm(&t, s, NULL, subsets, 3, &o), IV_OK);
    ck_assert_int_eq(iv_table_get_int(t, 2, 1), 2);
    ck_assert(tu_close(tu_cell(t, 2, "distance"), sqrt(2), 1e-15));
    iv_table_free(t);
    ck_assert_int_eq(iv_pattern_nearest_norm(&t, s, NULL, subsets, 0, &o), IV_EINVAL);
    iv_store_free(s);
}
END_TEST

START_TEST(bad_options_are_rejected)
{
    iv_store *s = hand_log(NULL, NULL);
    iv_pattern_store_options o = IV_PATTERN_STORE_OPTIONS_INIT, p;
    iv_table *t = NULL;
    ck_assert_int_eq(iv_pattern_store_options_init(&p, sizeof p), IV_OK);
    ck_assert_uint_eq(p.size, sizeof p);
    ck_assert(p.bucket == o.bucket && p.buckets == o.buckets && p.align == o.align &&
              p.origin == o.origin && p.window == o.window && p.quantile == o.quantile &&
              p.anomaly_z == o.anomaly_z && !p.success && !p.top && !p.stats);
    ck_assert_int_eq(o.bucket, 7 * DAY);
    ck_assert_uint_eq(o.buckets, 26);
    o.bucket = 0;
    ck_assert_int_eq(iv_pattern_trajectories(&t, s, NULL, &o), IV_EINVAL);
    o = p;
    o.align = 7;
    ck_assert_int_eq(iv_pattern_trajectories(&t, s, NULL, &o), IV_EINVAL);
    o = p;
    o.quantile = 1.5;
    ck_assert_int_eq(iv_pattern_trajectories(&t, s, NULL, &o), IV_EINVAL);
    o = p;
    o.group_a = "A";
    ck_assert_int_eq(iv_pattern_trajectories(&t, s, NULL, &o), IV_EINVAL);
    ck_assert_ptr_null(t);
    ck_assert_int_eq(iv_pattern_trajectories(NULL, s, NULL, NULL), IV_EINVAL);
    iv_store_free(s);
}
END_TEST

typedef int (*run_fn)(iv_table **out, iv_table **extra, const iv_store *s);

static int run_traj(iv_table **out, iv_table **extra, const iv_store *s)
{
    iv_pattern_store_options o = daily(IV_ALIGN_CALENDAR);
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    (void)extra;
    q.where = "channel = web or contact = a";
    return iv_pattern_trajectories(out, s, &q, &o);
}

static int run_vs(iv_table **out, iv_table **extra, const iv_store *s)
{
    iv_pattern_store_options o = daily(IV_ALIGN_AGE);
    return iv_pattern_contact_vs_norm(out, extra, s, "b", NULL, &o);
}

static int run_nearest(iv_table **out, iv_table **extra, const iv_store *s)
{
    iv_pattern_store_options o = daily(IV_ALIGN_AGE);
    const char *subsets[2] = {"contact = a", "channel = web"};
    (void)extra;
    return iv_pattern_nearest_norm(out, s, NULL, subsets, 2, &o);
}

static iv_store *sweep_build(iv_alloc_fn fn, void *ud, const void *ctx)
{
    (void)ctx;
    return hand_log(fn, ud);
}

static int sweep_call(const iv_store *s, const void *ctx)
{
    const run_fn *fn = ctx;
    iv_table *t = NULL, *x = NULL;
    int rc = (*fn)(&t, &x, s);
    if (rc != IV_OK)
        ck_assert_ptr_null(t);
    iv_table_free(t);
    iv_table_free(x);
    return rc;
}

/* Fail the k-th allocation for every k until the call succeeds (tu_alloc_sweep). */
static void alloc_loop(run_fn fn)
{
    tu_alloc_sweep(sweep_build, sweep_call, &fn);
}

START_TEST(allocation_failures_leak_nothing)
{
    alloc_loop(run_traj);
    alloc_loop(run_vs);
    alloc_loop(run_nearest);
}
END_TEST

static void trajectory_tests(TCase *tc)
{
    tcase_add_test(tc, age_buckets_cumulate_rv_and_censor_after_the_reference_time);
    tcase_add_test(tc, calendar_buckets_share_one_origin);
    tcase_add_test(tc, index_buckets_follow_interactions);
    tcase_add_test(tc, rows_are_in_byte_order_of_the_contact_text_past_eight_bytes);
    tcase_add_test(tc, many_contacts_come_in_byte_order);
    tcase_add_test(tc, selection_and_reference_time_decide_what_counts);
    tcase_add_test(tc, model_state_runs_over_the_whole_history);
    tcase_add_test(tc, norm_of_a_subset_counts_only_observed_contacts);
    tcase_add_test(tc, contact_against_the_norm_of_everyone);
    tcase_add_test(tc, contact_against_another_subset_and_errors);
    tcase_add_test(tc, nearest_norm_names_the_closest_subset);
    tcase_add_test(tc, bad_options_are_rejected);
    tcase_add_test(tc, allocation_failures_leak_nothing);
}

TU_SUITE_MAIN("trajectory", trajectory_tests)
