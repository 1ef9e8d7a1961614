/* The store-level RV use cases of doc/PATTERN.md: segment versus segment (checked against SciPy,
 * tests/ref/pattern_ref.py), A/B efficacy, prioritising with its tie-breaks, stalled
 * contacts with a hand-worked quantile, next best action counts, allocation failures.
 * The per-contact values behind every expectation are listed by hand in the comments. */
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

typedef struct row {
    const char *contact;
    double day;
    const char *type;
    double rv;          /* NaN: the model's */
    const char *team;   /* or the variant for the A/B log */
    int stage;
    double cost, value;
} row;

/* A store from rows; `team` goes to the team field, or to the custom dimension
 * `variant` when variant is set. */
static iv_store *make(const row *rows, size_t n, int variant, iv_alloc_fn fn, void *ud)
{
    iv_store_options so = IV_STORE_OPTIONS_INIT;
    iv_store *s;
    size_t i;
    const char *dn[1] = {"variant"};
    so.alloc = fn;
    so.alloc_ud = ud;
    ck_assert_int_eq(iv_store_new(&s, &so), IV_OK);
    for (i = 0; i < n; i++) {
        iv_record r = IV_RECORD_INIT;
        const char *dv[1];
        r.contact = rows[i].contact;
        r.ts = D(rows[i].day);
        r.channel = rows[i].cost == 0.5 ? "phone" : "web";
        r.type = rows[i].type;
        r.rv = rows[i].rv;
        r.stage = rows[i].stage;
        r.cost = rows[i].cost;
        r.value = rows[i].value;
        if (variant) {
            dv[0] = rows[i].team;
            r.ndims = 1;
            r.dim_names = dn;
            r.dim_values = dv;
        } else {
            r.team = rows[i].team;
        }
        ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
    }
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    return s;
}

typedef struct ref {
    const char *name;
    double v;
} ref;

static void expect_compare(const iv_table *t, size_t r, const ref *want, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        double got = tu_cell(t, r, want[i].name);
        ck_assert_msg(tu_close(got, want[i].v, 1e-9), "%s: %.17g != %.17g", want[i].name, got,
                      want[i].v);
    }
}

/* ------------------------------------------------------------ compare -------- */

/* Per-contact rv (explicit units), team on each row; c1's 5 is on the phone.
 *   team x: c1 10 + 5 = 15, c2 3, c3 8 + 8 = 16, c4 -1, c8 6   -> a = 15 3 16 -1 6
 *   team y: c5 2, c6 4 + 1 = 5, c7 0, c8 9                      -> b = 2 5 0 9
 * (c8 has rows in both teams: each segment counts only its own rows.) */
static const row compare_rows[] = {
    {"c1", 0, "visit", 10, "x", 0, NAN, NAN}, {"c1", 1, "visit", 5, "x", 0, 0.5, NAN},
    {"c2", 0, "visit", 3, "x", 0, NAN, NAN},  {"c3", 0, "visit", 8, "x", 0, NAN, NAN},
    {"c3", 2, "visit", 8, "x", 0, NAN, NAN},  {"c4", 0, "visit", -1, "x", 0, NAN, NAN},
    {"c5", 0, "visit", 2, "y", 0, NAN, NAN},  {"c6", 0, "visit", 4, "y", 0, NAN, NAN},
    {"c6", 3, "visit", 1, "y", 0, NAN, NAN},  {"c7", 0, "visit", 0, "y", 0, NAN, NAN},
    {"c8", 0, "visit", 6, "x", 0, NAN, NAN},  {"c8", 1, "visit", 9, "y", 0, NAN, NAN},
};
#define NCOMPARE (sizeof compare_rows / sizeof compare_rows[0])

/* tests/ref/pattern_ref.py, "compare rv team x vs y" (SciPy 1.10; the interval's t
 * quantile from mpmath) */
static const ref compare_ref[] = {
    {"n_a", 5.0},
    {"n_b", 4.0},
    {"mean_a", 7.8},
    {"mean_b", 4.0},
    {"median_a", 6.0},
    {"median_b", 3.5},
    {"diff", 3.8},
    {"diff_ci_low", -5.580446001302366},
    {"diff_ci_high", 13.180446001302364},
    {"welch_t", 0.98202908408797},
    {"welch_df", 6.24113828499458},
    {"welch_p", 0.36260809876641975},
    {"mwu_u", 13.0},
    {"mwu_p", 0.5555555555555556},
    {"cliffs_delta", 0.3},
};

START_TEST(compare_per_contact_rv_between_teams_matches_scipy)
{
    static const char *const cols[15] = {"n_a", "n_b", "mean_a", "mean_b", "median_a", "median_b",
                                         "diff", "diff_ci_low", "diff_ci_high", "welch_t", "welch_df",
                                         "welch_p", "mwu_u", "mwu_p", "cliffs_delta"};
    iv_store *s = make(compare_rows, NCOMPARE, 0, NULL, NULL);
    iv_table *t;
    size_t i;
    ck_assert_int_eq(iv_pattern_compare(&t, s, NULL, "rv", "team = x", "team = y", NULL), IV_OK);
    ck_assert(iv_table_is_single(t));
    ck_assert_uint_eq(iv_table_nrows(t), 1);
    ck_assert_uint_eq(iv_table_ncols(t), 15);
    for (i = 0; i < 15; i++)
        ck_assert_str_eq(iv_table_col_name(t, i), cols[i]);
    expect_compare(t, 0, compare_ref, 15);
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

/* Metric n: a = 2 1 2 1 1 (mean 1.4, median 1), b = 1 2 1 1 (mean 1.25, median 1).
 * With the selection `channel = web`, c1 loses its phone row: a = 10 3 16 -1 6, mean 6.8.
 * cost_per_rv is undefined for c4 (U = -1) and c7 (U = 0): they leave the samples. */
START_TEST(compare_uses_any_metric_and_the_selection)
{
    iv_store *s = make(compare_rows, NCOMPARE, 0, NULL, NULL);
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    ck_assert_int_eq(iv_pattern_compare(&t, s, NULL, "n", "team = x", "team = y", NULL), IV_OK);
    ck_assert(tu_close(tu_cell(t, 0, "mean_a"), 1.4, 1e-15));
    ck_assert(tu_close(tu_cell(t, 0, "mean_b"), 1.25, 1e-15));
    ck_assert(tu_close(tu_cell(t, 0, "median_a"), 1, 1e-15));
    iv_table_free(t);
    q.where = "channel = web";
    ck_assert_int_eq(iv_pattern_compare(&t, s, &q, "rv", "team = x", "team = y", NULL), IV_OK);
    ck_assert_int_eq(iv_table_get_int(t, 0, 0), 5);
    ck_assert(tu_close(tu_cell(t, 0, "mean_a"), 6.8, 1e-15));
    ck_assert(tu_close(tu_cell(t, 0, "mean_b"), 4, 1e-15));
    iv_table_free(t);
    ck_assert_int_eq(iv_pattern_compare(&t, s, NULL, "cost_per_rv", "team = x", "team = y", NULL), IV_OK);
    ck_assert_int_eq(iv_table_get_int(t, 0, 0), 4);
    ck_assert_int_eq(iv_table_get_int(t, 0, 1), 3);
    iv_table_free(t);
    t = NULL;
    ck_assert_int_eq(iv_pattern_compare(&t, s, NULL, "happiness", "team = x", "team = y", NULL),
                     IV_ENOTFOUND);
    ck_assert_int_eq(iv_pattern_compare(&t, s, NULL, "rv", "team = = x", "team = y", NULL), IV_EPARSE);
    ck_assert_ptr_null(t);
    iv_store_free(s);
}
END_TEST

/* ------------------------------------------------------------ A/B ------------ */

/* Window [day 2, day 6); `team` holds the variant here.
 *   p1 A: day 1 +5 (before), day 3 +10, day 9 +100 (after)        -> A, 10
 *   p2 A: day 4 +3, day 5 +4                                      -> A, 7
 *   p3 A: day 1 +50 only                                          -> A, 0 (did nothing)
 *   q1 B: day 3 +20                                               -> B, 20
 *   q2 B: day 2 +1 (t0 is inclusive), day 5 +30                   -> B, 31
 *   q3 B: day 7 +9 only                                           -> not a member
 *   q4 B: day 4 +2                                                -> B, 2
 *   r1  : day 1 A +1, day 3 B +6, day 8 A +5 (latest before t1: B) -> B, 6
 *   s1 C: day 3 +1                                                -> C, 1
 *   u1  : no variant                                              -> no group
 * A = 10 7 0, B = 20 31 2 6, C = 1. */
static const row ab_rows[] = {
    {"p1", 1, "visit", 5, "A", 0, NAN, NAN},   {"p1", 3, "visit", 10, "A", 0, NAN, NAN},
    {"p1", 9, "visit", 100, "A", 0, NAN, NAN}, {"p2", 4, "visit", 3, "A", 0, NAN, NAN},
    {"p2", 5, "visit", 4, "A", 0, NAN, NAN},   {"p3", 1, "visit", 50, "A", 0, NAN, NAN},
    {"q1", 3, "visit", 20, "B", 0, NAN, NAN},  {"q2", 2, "visit", 1, "B", 0, NAN, NAN},
    {"q2", 5, "visit", 30, "B", 0, NAN, NAN},  {"q3", 7, "visit", 9, "B", 0, NAN, NAN},
    {"q4", 4, "visit", 2, "B", 0, NAN, NAN},   {"r1", 1, "visit", 1, "A", 0, NAN, NAN},
    {"r1", 3, "visit", 6, "B", 0, NAN, NAN},   {"r1", 8, "visit", 5, "A", 0, NAN, NAN},
    {"s1", 3, "visit", 1, "C", 0, NAN, NAN},   {"u1", 3, "visit", 4, NULL, 0, NAN, NAN},
};
#define NAB (sizeof ab_rows / sizeof ab_rows[0])

/* tests/ref/pattern_ref.py, "ab A vs B" */
static const ref ab_ref[] = {
    {"n_a", 3.0},
    {"n_b", 4.0},
    {"mean_a", 5.666666666666667},
    {"mean_b", 14.75},
    {"median_a", 7.0},
    {"median_b", 13.0},
    {"diff", -9.083333333333332},
    {"diff_ci_low", -29.16385669051296},
    {"diff_ci_high", 10.997190023846297},
    {"welch_t", -1.2476100564181387},
    {"welch_df", 4.068556766002793},
    {"welch_p", 0.2791631261525043},
    {"mwu_u", 4.0},
    {"mwu_p", 0.6285714285714286},
    {"cliffs_delta", -0.3333333333333333},
};

START_TEST(ab_compares_the_change_in_rv_between_every_pair_of_groups)
{
    iv_store *s = make(ab_rows, NAB, 1, NULL, NULL);
    iv_table *t;
    ck_assert_int_eq(iv_pattern_ab(&t, s, NULL, "variant", D(2), D(6), NULL), IV_OK);
    ck_assert_uint_eq(iv_table_nrows(t), 3);
    ck_assert_uint_eq(iv_table_ncols(t), 17);
    ck_assert_str_eq(tu_scell(t, 0, "group_a"), "A");
    ck_assert_str_eq(tu_scell(t, 0, "group_b"), "B");
    expect_compare(t, 0, ab_ref, 15);
    ck_assert_str_eq(tu_scell(t, 1, "group_b"), "C");
    ck_assert_int_eq(iv_table_get_int(t, 1, 3), 1);
    ck_assert(tu_close(tu_cell(t, 1, "mean_b"), 1, 1e-15));
    ck_assert(isnan(tu_cell(t, 1, "welch_t"))); /* one member in C */
    ck_assert_str_eq(tu_scell(t, 2, "group_a"), "B");
    ck_assert_str_eq(tu_scell(t, 2, "group_b"), "C");
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

START_TEST(ab_compares_two_named_groups)
{
    iv_store *s = make(ab_rows, NAB, 1, NULL, NULL);
    iv_pattern_store_options o = IV_PATTERN_STORE_OPTIONS_INIT;
    iv_table *t = NULL;
    o.group_a = "A";
    o.group_b = "B";
    ck_assert_int_eq(iv_pattern_ab(&t, s, NULL, "variant", D(2), D(6), &o), IV_OK);
    ck_assert_uint_eq(iv_table_nrows(t), 1);
    expect_compare(t, 0, ab_ref, 15);
    iv_table_free(t);
    t = NULL;
    o.group_b = "Z";
    ck_assert_int_eq(iv_pattern_ab(&t, s, NULL, "variant", D(2), D(6), &o), IV_ENOTFOUND);
    ck_assert_int_eq(iv_pattern_ab(&t, s, NULL, "flavour", D(2), D(6), NULL), IV_ENOTFOUND);
    ck_assert_int_eq(iv_pattern_ab(&t, s, NULL, "variant", D(6), D(2), NULL), IV_EINVAL);
    ck_assert_ptr_null(t);
    iv_store_free(s);
}
END_TEST

/* ------------------------------------------------------------ rank ----------- */

/* k4: 30 (30 per interaction); k2: 10 (10, one interaction); k1: 10 + 10 and k3: 5 + 15
 * (10 per interaction, two interactions, U = 20 each: the contact id decides, k1 first);
 * k0: -5. Order: k4, k2, k1, k3, k0. */
static const row rank_rows[] = {
    {"k3", 0, "visit", 5, NULL, 0, NAN, NAN},  {"k3", 1, "visit", 15, NULL, 0, NAN, NAN},
    {"k1", 0, "visit", 10, NULL, 0, NAN, NAN}, {"k1", 1, "visit", 10, NULL, 0, NAN, NAN},
    {"k0", 0, "visit", -5, NULL, 0, NAN, NAN}, {"k2", 0, "visit", 10, NULL, 0, NAN, NAN},
    {"k4", 0, "visit", 30, NULL, 0, NAN, NAN},
};
#define NRANK (sizeof rank_rows / sizeof rank_rows[0])

START_TEST(rank_prefers_rv_per_interaction_then_fewer_interactions_then_id)
{
    static const char *const order[5] = {"k4", "k2", "k1", "k3", "k0"};
    static const double rpi[5] = {30, 10, 10, 10, -5}, n[5] = {1, 1, 2, 2, 1};
    iv_store *s = make(rank_rows, NRANK, 0, NULL, NULL);
    iv_pattern_store_options o = IV_PATTERN_STORE_OPTIONS_INIT;
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_table *t;
    size_t i;
    ck_assert_int_eq(iv_pattern_rank(&t, s, NULL, NULL), IV_OK);
    ck_assert_uint_eq(iv_table_nrows(t), 5);
    for (i = 0; i < 5; i++) {
        ck_assert_int_eq(iv_table_get_int(t, i, 0), (int64_t)i + 1);
        ck_assert_str_eq(tu_scell(t, i, "contact"), order[i]);
        ck_assert(tu_cell(t, i, "rv_per_interaction") == rpi[i]);
        ck_assert(tu_cell(t, i, "n") == n[i]);
        ck_assert(tu_cell(t, i, "rv") == rpi[i] * n[i]);
    }
    iv_table_free(t);
    o.top = 2;
    q.where = "contact != k4";
    ck_assert_int_eq(iv_pattern_rank(&t, s, &q, &o), IV_OK);
    ck_assert_uint_eq(iv_table_nrows(t), 2);
    ck_assert_str_eq(tu_scell(t, 0, "contact"), "k2");
    ck_assert_str_eq(tu_scell(t, 1, "contact"), "k1");
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

/* ------------------------------------------------------------ stalled -------- */

#define ACQ IV_STAGE_ACQUISITION
#define RET IV_STAGE_RETENTION
/* Reference time: the last timestamp, day 20. Forward = u > 0.
 *   s1 acq: +1 at days 0, 2, 7 (gaps 2, 5), last forward 7, 13 days since
 *   s2 acq: +1 at days 1, 4 (gap 3), -5 at day 9; last forward 4, 16 days since
 *   s3 acq: +1 at day 18, 2 days since
 *   r1 ret: +1 at days 0, 10, 20 (gaps 10, 10), 0 days since
 *   r2 ret: +1 at days 5, 6 (gap 1), discontinue (-100, churn) at day 8: churned, 14 days
 *   r3 ret: one visit worth 0 at day 3: never forward, timed from day 3: 17 days
 * Gaps by current stage: acquisition {2, 3, 5}, retention {1, 10, 10}. q = 0.9, type 7:
 * h = 2 * 0.9 = 1.8 -> acquisition 3 + 0.8 * 2 = 4.6 days, retention 10 + 0.8 * 0 = 10.
 * Stalled: s1 (13 > 4.6), s2 (16 > 4.6), r3 (17 > 10); not s3, r1, nor r2 (churned).
 * q = 0.5: h = 1 -> acquisition 3 days, retention 10 days: the same contacts. */
static const row stall_rows[] = {
    {"s1", 0, "visit", 1, NULL, ACQ, NAN, NAN},        {"s1", 2, "visit", 1, NULL, ACQ, NAN, NAN},
    {"s1", 7, "visit", 1, NULL, ACQ, NAN, NAN},        {"s2", 1, "visit", 1, NULL, ACQ, NAN, NAN},
    {"s2", 4, "visit", 1, NULL, ACQ, NAN, NAN},        {"s2", 9, "visit", -5, NULL, ACQ, NAN, NAN},
    {"s3", 18, "visit", 1, NULL, ACQ, NAN, NAN},       {"r1", 0, "visit", 1, NULL, RET, NAN, NAN},
    {"r1", 10, "visit", 1, NULL, RET, NAN, NAN},       {"r1", 20, "visit", 1, NULL, RET, NAN, NAN},
    {"r2", 5, "visit", 1, NULL, RET, NAN, NAN},        {"r2", 6, "visit", 1, NULL, RET, NAN, NAN},
    {"r2", 8, "discontinue", NAN, NULL, RET, NAN, NAN}, {"r3", 3, "visit", 0, NULL, RET, NAN, NAN},
};
#define NSTALL (sizeof stall_rows / sizeof stall_rows[0])

START_TEST(stalled_uses_the_quantile_of_forward_gaps_in_the_same_stage)
{
    static const char *const all[6] = {"r1", "r2", "r3", "s1", "s2", "s3"};
    static const double since[6] = {0, 14, 17, 13, 16, 2};
    static const int stalled[6] = {0, 0, 1, 1, 1, 0};
    iv_store *s = make(stall_rows, NSTALL, 0, NULL, NULL);
    iv_pattern_store_options o = IV_PATTERN_STORE_OPTIONS_INIT;
    iv_table *t;
    size_t i;
    ck_assert_int_eq(iv_pattern_stalled(&t, s, NULL, NULL), IV_OK);
    ck_assert_uint_eq(iv_table_nrows(t), 3);
    ck_assert_str_eq(tu_scell(t, 0, "contact"), "r3");
    ck_assert_str_eq(tu_scell(t, 1, "contact"), "s1");
    ck_assert_str_eq(tu_scell(t, 2, "contact"), "s2");
    ck_assert_str_eq(tu_scell(t, 1, "stage"), "acquisition");
    ck_assert_int_eq(iv_table_get_int(t, 1, 2), D(7));
    ck_assert(!iv_table_is_defined(t, 0, 2)); /* r3 never moved forward */
    ck_assert(tu_close(tu_cell(t, 1, "threshold_seconds"), 4.6 * 86400, 1e-14));
    ck_assert(tu_close(tu_cell(t, 0, "threshold_seconds"), 10 * 86400, 1e-14));
    iv_table_free(t);
    o.all = 1;
    ck_assert_int_eq(iv_pattern_stalled(&t, s, NULL, &o), IV_OK);
    ck_assert_uint_eq(iv_table_nrows(t), 6);
    for (i = 0; i < 6; i++) {
        ck_assert_str_eq(tu_scell(t, i, "contact"), all[i]);
        ck_assert(tu_cell(t, i, "seconds_since") == since[i] * 86400);
        ck_assert_int_eq(iv_table_get_int(t, i, 5), stalled[i]);
        ck_assert_int_eq(iv_table_get_int(t, i, 6), i == 1);
    }
    ck_assert_str_eq(tu_scell(t, 1, "stage"), "retention");
    iv_table_free(t);
    o.quantile = 0.5;
    ck_assert_int_eq(iv_pattern_stalled(&t, s, NULL, &o), IV_OK);
    ck_assert(tu_close(tu_cell(t, 3, "threshold_seconds"), 3 * 86400, 1e-14));
    for (i = 0; i < 6; i++)
        ck_assert_int_eq(iv_table_get_int(t, i, 5), stalled[i]);
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

/* ------------------------------------------------------------ next ----------- */

/* The contact X: visit, demo -> last type demo, stage closing. `team` = win marks the
 * successful contacts; cost 0.5 rows go through the phone channel (others web).
 *   W1 win: visit, demo, purchase (+100, cost 2), demo, purchase (+50, cost 3)
 *   W2 win: demo, call (unknown type: +10 given, cost 1)
 *   W3 win: demo, purchase (+100, cost 5)
 *   W4 win: demo at stage acquisition, then visit: a different stage, not counted
 *   W5 win: demo, complaint (-40, cost 1)
 *   L1 lose: demo, purchase (+100, cost 1): not successful
 *   Y  lose: one visit
 * After (demo, closing): purchase 3 (share 0.6, mean (100 + 50 + 100) / 3, cost per RV
 * (2 + 3 + 5) / 250 = 0.04), call 1 (0.2, 10, 1 / 10), complaint 1 (0.2, -40, undefined:
 * U <= 0); call before complaint in byte order. Purchases carry value 1000 (W1's first,
 * W3's, L1's): profits (value - cost) X 0, W1 995, W2 -1, W3 995, W4 0, W5 -1, L1 999,
 * Y 0; sorted -1 -1 0 0 0 995 995 999, the 2/3 quantile (type 7, h = 7 * 2/3 = 4.67) is
 * 0 + 0.67 * 995 = 663: W1, W3 and L1 are above it, the High profit tier. */
static const row next_rows[] = {
    {"X", 0, "visit", NAN, "lose", 0, 0, NAN},        {"X", 1, "demo", NAN, "lose", 0, 0, NAN},
    {"W1", 0, "visit", NAN, "win", 0, 0, NAN},        {"W1", 1, "demo", NAN, "win", 0, 0, NAN},
    {"W1", 2, "purchase", 100, "win", 0, 2, 1000},    {"W1", 3, "demo", NAN, "win", 0, 0, NAN},
    {"W1", 4, "purchase", 50, "win", 0, 3, NAN},      {"W2", 0, "demo", NAN, "win", 0, 0, NAN},
    {"W2", 1, "call", 10, "win", 0, 1, NAN},          {"W3", 0, "demo", NAN, "win", 0, 0, NAN},
    {"W3", 1, "purchase", 100, "win", 0, 5, 1000},    {"W4", 0, "demo", NAN, "win", ACQ, 0, NAN},
    {"W4", 1, "visit", NAN, "win", 0, 0, NAN},        {"W5", 0, "demo", NAN, "win", 0, 0, NAN},
    {"W5", 1, "complaint", -40, "win", 0, 1, NAN},    {"L1", 0, "demo", NAN, "lose", 0, 0, NAN},
    {"L1", 1, "purchase", 100, "lose", 0, 1, 1000}, {"Y", 0, "visit", NAN, "lose", 0, 0, NAN},
};
#define NNEXT (sizeof next_rows / sizeof next_rows[0])

START_TEST(next_best_action_counts_what_followed_among_successful_contacts)
{
    iv_store *s = make(next_rows, NNEXT, 0, NULL, NULL);
    iv_pattern_store_options o = IV_PATTERN_STORE_OPTIONS_INIT;
    iv_table *t = NULL;
    o.success = "team = win";
    ck_assert_int_eq(iv_pattern_next(&t, s, "X", NULL, &o), IV_OK);
    ck_assert_uint_eq(iv_table_nrows(t), 3);
    ck_assert_str_eq(tu_scell(t, 0, "type"), "purchase");
    ck_assert_int_eq(iv_table_get_int(t, 0, 1), 3);
    ck_assert(tu_close(tu_cell(t, 0, "share"), 0.6, 1e-15));
    ck_assert(tu_close(tu_cell(t, 0, "mean_rv"), 250.0 / 3, 1e-15));
    ck_assert(tu_close(tu_cell(t, 0, "cost_per_rv"), 0.04, 1e-15));
    ck_assert_str_eq(tu_scell(t, 1, "type"), "call");
    ck_assert(tu_close(tu_cell(t, 1, "cost_per_rv"), 0.1, 1e-15));
    ck_assert_str_eq(tu_scell(t, 2, "type"), "complaint");
    ck_assert(tu_close(tu_cell(t, 2, "mean_rv"), -40, 1e-15));
    ck_assert(isnan(tu_cell(t, 2, "cost_per_rv")));
    iv_table_free(t);
    t = NULL;
    ck_assert_int_eq(iv_pattern_next(&t, s, "nobody", NULL, &o), IV_ENOTFOUND);
    ck_assert_ptr_null(t);
    iv_store_free(s);
}
END_TEST

/* `has purchase` (a contact-level test) and the default High profit tier both select
 * W1, W3 and L1: after (demo, closing) only purchases follow: W1 twice, W3, L1 -> count
 * 4, share 1, mean (100 + 50 + 100 + 100) / 4 = 87.5, cost per RV (2 + 3 + 5 + 1) / 350. */
START_TEST(next_best_action_default_success_is_the_high_profit_tier)
{
    iv_store *s = make(next_rows, NNEXT, 0, NULL, NULL);
    iv_pattern_store_options o = IV_PATTERN_STORE_OPTIONS_INIT;
    iv_table *t = NULL;
    int pass;
    for (pass = 0; pass < 2; pass++) {
        o.success = pass ? "has purchase" : NULL;
        ck_assert_int_eq(iv_pattern_next(&t, s, "X", NULL, &o), IV_OK);
        ck_assert_uint_eq(iv_table_nrows(t), 1);
        ck_assert_str_eq(tu_scell(t, 0, "type"), "purchase");
        ck_assert_int_eq(iv_table_get_int(t, 0, 1), 4);
        ck_assert(tu_close(tu_cell(t, 0, "share"), 1, 1e-15));
        ck_assert(tu_close(tu_cell(t, 0, "mean_rv"), 87.5, 1e-15));
        ck_assert(tu_close(tu_cell(t, 0, "cost_per_rv"), 11.0 / 350, 1e-15));
        iv_table_free(t);
    }
    iv_store_free(s);
}
END_TEST

/* ------------------------------------------------------------ allocation ----- */

typedef int (*run_fn)(iv_table **out, const iv_store *s);

static int run_compare(iv_table **out, const iv_store *s)
{
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    q.where = "channel in (web, phone)";
    return iv_pattern_compare(out, s, &q, "rv", "team = x", "team = y", NULL);
}

static int run_ab(iv_table **out, const iv_store *s)
{
    return iv_pattern_ab(out, s, NULL, "variant", D(2), D(6), NULL);
}

static int run_rank(iv_table **out, const iv_store *s)
{
    return iv_pattern_rank(out, s, NULL, NULL);
}

static int run_stalled(iv_table **out, const iv_store *s)
{
    iv_pattern_store_options o = IV_PATTERN_STORE_OPTIONS_INIT;
    o.all = 1;
    return iv_pattern_stalled(out, s, NULL, &o);
}

static int run_next(iv_table **out, const iv_store *s)
{
    return iv_pattern_next(out, s, "X", NULL, NULL);
}

typedef struct sweep {
    run_fn fn;
    const row *rows;
    size_t n;
    int variant;
} sweep;

static iv_store *sweep_build(iv_alloc_fn fn, void *ud, const void *ctx)
{
    const sweep *w = ctx;
    return make(w->rows, w->n, w->variant, fn, ud);
}

static int sweep_call(const iv_store *s, const void *ctx)
{
    const sweep *w = ctx;
    iv_table *t = NULL;
    int rc = w->fn(&t, s);
    if (rc != IV_OK)
        ck_assert_ptr_null(t);
    iv_table_free(t);
    return rc;
}

static void alloc_loop(run_fn fn, const row *rows, size_t n, int variant)
{
    sweep w;
    w.fn = fn;
    w.rows = rows;
    w.n = n;
    w.variant = variant;
    tu_alloc_sweep(sweep_build, sweep_call, &w);
}

START_TEST(allocation_failures_leak_nothing)
{
    alloc_loop(run_compare, compare_rows, NCOMPARE, 0);
    alloc_loop(run_ab, ab_rows, NAB, 1);
    alloc_loop(run_rank, rank_rows, NRANK, 0);
    alloc_loop(run_stalled, stall_rows, NSTALL, 0);
    alloc_loop(run_next, next_rows, NNEXT, 0);
}
END_TEST

static void pattern_tests(TCase *tc)
{
    tcase_add_test(tc, compare_per_contact_rv_between_teams_matches_scipy);
    tcase_add_test(tc, compare_uses_any_metric_and_the_selection);
    tcase_add_test(tc, ab_compares_the_change_in_rv_between_every_pair_of_groups);
    tcase_add_test(tc, ab_compares_two_named_groups);
    tcase_add_test(tc, rank_prefers_rv_per_interaction_then_fewer_interactions_then_id);
    tcase_add_test(tc, stalled_uses_the_quantile_of_forward_gaps_in_the_same_stage);
    tcase_add_test(tc, next_best_action_counts_what_followed_among_successful_contacts);
    tcase_add_test(tc, next_best_action_default_success_is_the_high_profit_tier);
    tcase_add_test(tc, allocation_failures_leak_nothing);
}

TU_SUITE_MAIN("pattern", pattern_tests)
