/* Product analytics on small hand-made logs: funnel exclusions, time-to-convert
 * quantiles and histogram, funnel trends by entry period, the `any`-mode window,
 * retention events, churn and retention series, lifecycle, stickiness and paths.
 * Every expected value was worked out by hand; the working is in the comments. */
#include <check.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iv.h"
#include "testutil.h"

#define DAY 86400000LL
#define HOUR 3600000LL

/* One web interaction; variant may be NULL. */
static void add(iv_store *s, const char *contact, int64_t ts, const char *type, const char *variant)
{
    tu_add(s, "contact=%s ts=@%lld channel=web type=%s variant=%s", contact, (long long)ts, type,
           variant ? variant : "");
}

static void prepare(iv_store *s)
{
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
}

#define EQ(t, r, c, v) ck_assert_msg(tu_close(tu_cell(t, r, c), (v), 1e-12), "row %d %s: %.17g != %.17g", \
                                     (int)(r), c, tu_cell(t, r, c), (double)(v))
#define UNDEF(t, r, c) ck_assert_msg(!iv_table_is_defined(t, r, tu_col(t, c)), \
                                     "row %d %s should be undefined", (int)(r), c)
#define STR(t, r, c, v) ck_assert_str_eq(tu_scell(t, r, c), v)

typedef int (*lc_fn)(iv_table **, const iv_store *, const iv_query_options *,
                     const iv_lifecycle_options *);

static iv_table *run(lc_fn fn, const iv_store *s, const iv_query_options *q,
                     const iv_lifecycle_options *o)
{
    iv_table *t = NULL;
    ck_assert_msg(fn(&t, s, q, o) == IV_OK, "%s", iv_error_last());
    return t;
}

/* ------------------------------------------------------------ funnels ---- */

/* Steps signup, demo, purchase; W = 14 days; days from 2024-03-01 (D0).
 *   a: signup D0, demo D1, refund D2, purchase D3     reaches 3 (1d, 2d)
 *   b: signup D0, refund D1, demo D2                  reaches 2 (2d)
 *   c: signup D0, demo D1, purchase D2, refund D3     reaches 3 (1d, 1d)
 *   d: signup D0, demo D1, refund D5                  reaches 2 (1d)
 *   e: signup D0, refund D20, demo D21                reaches 1 (demo outside the window)
 *   f: signup D0, demo D1, refund D16                 reaches 2 (1d)
 *   g: signup D0, demo D7, purchase D14 (exactly W)   reaches 3 (7d, 7d)
 * No exclusion: step 1: 7; step 2: a b c d f g = 6; step 3: a c g = 3.
 *   step-2 seconds, sorted (days): 1 1 1 1 2 7, n = 6, type 7 (h = 5p):
 *     p10 h 0.5 -> 1d; p25 h 1.25 -> 1d; median h 2.5 -> 1d;
 *     p75 h 3.75 -> 1 + 0.75 (2 - 1) = 1.75d = 151200 s;
 *     p90 h 4.5 -> 2 + 0.5 (7 - 2) = 4.5d = 388800 s; mean 13/6 d = 187200 s.
 *   step-3 seconds (days): 1 (c) 2 (a) 7 (g), h = 2p:
 *     p10 h 0.2 -> 1.2d = 103680; p25 h 0.5 -> 1.5d = 129600; median 2d = 172800;
 *     p75 h 1.5 -> 4.5d = 388800; p90 h 1.8 -> 2 + 0.8 * 5 = 6d = 518400;
 *     mean 10/3 d = 288000.
 * --exclude refund (between step 1 and the last step reached, within the window):
 *   a: refund D2 between signup and purchase -> out; b: refund D1 between signup and
 *   demo -> out; c: refund after purchase -> in; d: refund after demo, d's last step
 *   -> in; e: reached step 1 only -> in; f: in; g: in.
 *   step 1: c d e f g = 5; step 2: c d f g = 4; step 3: c g = 2.
 * --exclude refund@2-3 (after reaching demo, before reaching purchase; not reached:
 *   to the end of the window): a: refund D2 after demo D1 but purchase D3 ... refund
 *   is BEFORE purchase -> out; b: refund before demo -> in; c: refund after purchase ->
 *   in; d: no purchase, refund D5 within the window -> out; f: refund D16 after the
 *   window -> in.  step 1: b c e f g = 5; step 2: b c f g = 4; step 3: c g = 2.
 * Histogram of completion times (no exclusion): c 2d, a 3d, g 14d (= W, included):
 *   bins <1h 0, 1h-1d 0, 1d-3d 1 (c), 3d-7d 1 (a: 3d is not < 3d), 7d-14d 1 (g). */
static iv_store *excl_log(void)
{
    iv_store *s = tu_new_store(NULL, NULL);
    int64_t d0 = tu_ts("2024-03-01");
    add(s, "a", d0, "signup", NULL);
    add(s, "a", d0 + 1 * DAY, "demo", NULL);
    add(s, "a", d0 + 2 * DAY, "refund", NULL);
    add(s, "a", d0 + 3 * DAY, "purchase", NULL);
    add(s, "b", d0, "signup", NULL);
    add(s, "b", d0 + 1 * DAY, "refund", NULL);
    add(s, "b", d0 + 2 * DAY, "demo", NULL);
    add(s, "c", d0, "signup", NULL);
    add(s, "c", d0 + 1 * DAY, "demo", NULL);
    add(s, "c", d0 + 2 * DAY, "purchase", NULL);
    add(s, "c", d0 + 3 * DAY, "refund", NULL);
    add(s, "d", d0, "signup", NULL);
    add(s, "d", d0 + 1 * DAY, "demo", NULL);
    add(s, "d", d0 + 5 * DAY, "refund", NULL);
    add(s, "e", d0, "signup", NULL);
    add(s, "e", d0 + 20 * DAY, "refund", NULL);
    add(s, "e", d0 + 21 * DAY, "demo", NULL);
    add(s, "f", d0, "signup", NULL);
    add(s, "f", d0 + 1 * DAY, "demo", NULL);
    add(s, "f", d0 + 16 * DAY, "refund", NULL);
    add(s, "g", d0, "signup", NULL);
    add(s, "g", d0 + 7 * DAY, "demo", NULL);
    add(s, "g", d0 + 14 * DAY, "purchase", NULL);
    prepare(s);
    return s;
}

static iv_table *excl_funnel(const iv_store *s, const char *exclude, int hist)
{
    iv_lifecycle_options o = IV_LIFECYCLE_OPTIONS_INIT;
    o.steps = "signup,demo,purchase";
    o.window = 14 * DAY;
    o.exclude = exclude;
    return run(hist ? iv_lifecycle_funnel_histogram : iv_lifecycle_funnel, s, NULL, &o);
}

START_TEST(funnel_time_to_convert_quantiles_and_mean)
{
    iv_store *s = excl_log();
    iv_table *t = excl_funnel(s, NULL, 0);
    ck_assert_uint_eq(iv_table_nrows(t), 4);
    EQ(t, 0, "contacts", 7);
    EQ(t, 1, "contacts", 6);
    EQ(t, 2, "contacts", 3);
    UNDEF(t, 0, "seconds_from_previous_p10");
    UNDEF(t, 0, "seconds_from_previous_mean");
    EQ(t, 1, "seconds_from_previous_p10", 86400);
    EQ(t, 1, "seconds_from_previous_p25", 86400);
    EQ(t, 1, "median_seconds_from_previous", 86400);
    EQ(t, 1, "seconds_from_previous_p75", 151200);
    EQ(t, 1, "seconds_from_previous_p90", 388800);
    EQ(t, 1, "seconds_from_previous_mean", 187200);
    EQ(t, 2, "seconds_from_previous_p10", 103680);
    EQ(t, 2, "seconds_from_previous_p25", 129600);
    EQ(t, 2, "median_seconds_from_previous", 172800);
    EQ(t, 2, "seconds_from_previous_p75", 388800);
    EQ(t, 2, "seconds_from_previous_p90", 518400);
    EQ(t, 2, "seconds_from_previous_mean", 288000);
    UNDEF(t, 3, "seconds_from_previous_p90");
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

START_TEST(funnel_exclusions_remove_contacts_between_steps)
{
    iv_store *s = excl_log();
    iv_table *t = excl_funnel(s, "refund", 0);
    EQ(t, 0, "contacts", 5);
    EQ(t, 1, "contacts", 4);
    EQ(t, 2, "contacts", 2);
    EQ(t, 2, "from_first", 2.0 / 5.0);
    iv_table_free(t);
    t = excl_funnel(s, " refund @2-3", 0);
    EQ(t, 0, "contacts", 5);
    EQ(t, 1, "contacts", 4);
    EQ(t, 2, "contacts", 2);
    iv_table_free(t);
    /* an unknown type excludes nobody; two exclusions: refund@2-3 or nothing@1-2 */
    t = excl_funnel(s, "nothing|refund@2-3;nothing", 0);
    EQ(t, 0, "contacts", 5);
    iv_table_free(t);
    t = excl_funnel(s, "nothing", 0);
    EQ(t, 0, "contacts", 7);
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

START_TEST(funnel_bad_exclusions_say_where)
{
    iv_store *s = excl_log();
    iv_lifecycle_options o = IV_LIFECYCLE_OPTIONS_INIT;
    iv_table *t = NULL;
    o.steps = "signup,demo,purchase";
    o.exclude = "refund@3-2";
    ck_assert_int_eq(iv_lifecycle_funnel(&t, s, NULL, &o), IV_EINVAL);
    ck_assert_ptr_null(t);
    ck_assert_ptr_nonnull(strstr(iv_error_last(), "@3-2"));
    o.exclude = "refund@1-4";
    ck_assert_int_eq(iv_lifecycle_funnel(&t, s, NULL, &o), IV_EINVAL);
    o.exclude = "refund@x";
    ck_assert_int_eq(iv_lifecycle_funnel(&t, s, NULL, &o), IV_EPARSE);
    ck_assert_ptr_nonnull(strstr(iv_error_last(), "character 7"));
    o.exclude = "refund;;x";
    ck_assert_int_eq(iv_lifecycle_funnel(&t, s, NULL, &o), IV_EPARSE);
    iv_store_free(s);
}
END_TEST

START_TEST(funnel_histogram_bins_completion_times)
{
    iv_store *s = excl_log();
    iv_table *t = excl_funnel(s, NULL, 1);
    static const double counts[] = {0, 0, 1, 1, 1};
    static const double hi[] = {3600, 86400, 259200, 604800, 1209600};
    size_t b;
    ck_assert_uint_eq(iv_table_nrows(t), 5);
    for (b = 0; b < 5; b++) {
        EQ(t, b, "contacts", counts[b]);
        EQ(t, b, "share", counts[b] / 3);
        EQ(t, b, "to_seconds", hi[b]);
        EQ(t, b, "from_seconds", b ? hi[b - 1] : 0);
    }
    STR(t, 0, "bin", "< 1h");
    STR(t, 2, "bin", "1d-3d");
    STR(t, 4, "bin", "7d-14d (window)");
    iv_table_free(t);
    /* W = 30 days: the edges 1h 1d 3d 7d 14d, then the window (the 30d edge is W) */
    {
        iv_lifecycle_options o = IV_LIFECYCLE_OPTIONS_INIT;
        o.steps = "signup,demo,purchase";
        t = run(iv_lifecycle_funnel_histogram, s, NULL, &o);
        ck_assert_uint_eq(iv_table_nrows(t), 6);
        STR(t, 5, "bin", "14d-30d (window)");
        EQ(t, 5, "to_seconds", 2592000);
        iv_table_free(t);
    }
    iv_store_free(s);
}
END_TEST

/* Funnel trends: steps signup, demo (W 30 days); the entry decides the bucket.
 *   p (A): signup 2024-01-31T23:00, demo 2024-02-01T01:00  -> 2024-01, reaches 2 (7200 s)
 *   q (A): signup 2024-02-10                                -> 2024-02, reaches 1
 *   r (B): signup 2024-02-20, demo 2024-02-21               -> 2024-02, reaches 2 (86400 s)
 * by month: 2024-01: 1, 1 (median 7200); 2024-02: 2, 1 (median 86400).
 * by variant,month: (A, 2024-01): 1, 1; (A, 2024-02): 1, 0; (B, 2024-02): 1, 1. */
static iv_store *trend_log(void)
{
    iv_store *s = tu_new_store(NULL, NULL);
    add(s, "p", tu_ts("2024-01-31T23:00:00Z"), "signup", "A");
    add(s, "p", tu_ts("2024-02-01T01:00:00Z"), "demo", "A");
    add(s, "q", tu_ts("2024-02-10"), "signup", "A");
    add(s, "r", tu_ts("2024-02-20"), "signup", "B");
    add(s, "r", tu_ts("2024-02-21"), "demo", "B");
    prepare(s);
    return s;
}

START_TEST(funnel_by_month_groups_contacts_by_their_entry)
{
    iv_store *s = trend_log();
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_lifecycle_options o = IV_LIFECYCLE_OPTIONS_INIT;
    iv_table *t;
    o.steps = "signup,demo";
    q.by = "month";
    t = run(iv_lifecycle_funnel, s, &q, &o);
    ck_assert_uint_eq(iv_table_nrows(t), 6);
    ck_assert_str_eq(iv_table_col_name(t, 0), "month");
    STR(t, 0, "month", "2024-01");
    EQ(t, 0, "contacts", 1);
    EQ(t, 1, "contacts", 1);
    EQ(t, 1, "median_seconds_from_previous", 7200);
    STR(t, 2, "step", "support_after");
    STR(t, 3, "month", "2024-02");
    EQ(t, 3, "contacts", 2);
    EQ(t, 4, "contacts", 1);
    EQ(t, 4, "from_previous", 0.5);
    EQ(t, 4, "median_seconds_from_previous", 86400);
    iv_table_free(t);
    q.by = "variant, month";
    t = run(iv_lifecycle_funnel, s, &q, &o);
    ck_assert_uint_eq(iv_table_nrows(t), 9);
    ck_assert_str_eq(iv_table_col_name(t, 0), "variant");
    ck_assert_str_eq(iv_table_col_name(t, 1), "month");
    STR(t, 0, "variant", "A");
    STR(t, 0, "month", "2024-01");
    EQ(t, 1, "contacts", 1);
    STR(t, 3, "variant", "A");
    STR(t, 3, "month", "2024-02");
    EQ(t, 3, "contacts", 1);
    EQ(t, 4, "contacts", 0);
    STR(t, 6, "variant", "B");
    STR(t, 6, "month", "2024-02");
    EQ(t, 7, "contacts", 1);
    iv_table_free(t);
    q.by = "month,month";
    ck_assert_int_eq(iv_lifecycle_funnel(&t, s, &q, &o), IV_EINVAL);
    iv_store_free(s);
}
END_TEST

/* any mode: the window starts at the first interaction of ANY step.
 *   u: visit D0, signup D1, purchase D2 (W 14d)      -> 3 steps (the documentation's example)
 *   v: visit D0, signup D10, purchase D16 (W 14d)    -> window [D0, D14]: 2 steps
 * steps signup,visit,purchase: step 1: 2, step 2: 2, step 3: 1. */
START_TEST(any_funnel_window_starts_at_the_first_step_of_any_kind)
{
    iv_store *s = tu_new_store(NULL, NULL);
    int64_t d0 = tu_ts("2024-05-01");
    iv_lifecycle_options o = IV_LIFECYCLE_OPTIONS_INIT;
    iv_table *t;
    add(s, "u", d0, "visit", NULL);
    add(s, "u", d0 + DAY, "signup", NULL);
    add(s, "u", d0 + 2 * DAY, "purchase", NULL);
    add(s, "v", d0, "visit", NULL);
    add(s, "v", d0 + 10 * DAY, "signup", NULL);
    add(s, "v", d0 + 16 * DAY, "purchase", NULL);
    prepare(s);
    o.steps = "signup,visit,purchase";
    o.mode = IV_FUNNEL_ANY;
    o.window = 14 * DAY;
    t = run(iv_lifecycle_funnel, s, NULL, &o);
    EQ(t, 0, "contacts", 2);
    EQ(t, 1, "contacts", 2);
    EQ(t, 2, "contacts", 1);
    /* u: 1 day from visit to signup, 1 day to purchase; v: 10 days to signup */
    EQ(t, 1, "median_seconds_from_previous", (86400.0 + 864000.0) / 2);
    EQ(t, 2, "median_seconds_from_previous", 86400);
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

/* ------------------------------------------------------------ cohorts ---- */

/* Retention events, monthly; --start signup --return purchase.
 *   u: visit 01-05, signup 01-10, purchase 01-20, purchase 03-02
 *   v: signup 01-15, visit 02-01 (not a return type)
 *   w: purchase 01-03 (before its start), signup 02-10, purchase 02-11
 *   x: visit 01-07 (no signup: in no cohort)
 * The last timestamp is 03-02: March is not over, so period 2024-03 is unobserved.
 * 2024-01 (u, v): k0: u's purchase 01-20 -> 1, rate 1/2; k1 (Feb): nobody -> 0;
 *   k2 (Mar) unobserved. unbounded: k0: u -> 1/2; k1: u (its March purchase) -> 1/2.
 * 2024-02 (w): k0: purchase 02-11 (after its signup) -> 1, rate 1; k1 unobserved. */
START_TEST(cohorts_with_start_and_return_events)
{
    iv_store *s = tu_new_store(NULL, NULL);
    iv_lifecycle_options o = IV_LIFECYCLE_OPTIONS_INIT;
    iv_table *t;
    add(s, "u", tu_ts("2024-01-05"), "visit", NULL);
    add(s, "u", tu_ts("2024-01-10"), "signup", NULL);
    add(s, "u", tu_ts("2024-01-20"), "purchase", NULL);
    add(s, "u", tu_ts("2024-03-02"), "purchase", NULL);
    add(s, "v", tu_ts("2024-01-15"), "signup", NULL);
    add(s, "v", tu_ts("2024-02-01"), "visit", NULL);
    add(s, "w", tu_ts("2024-01-03"), "purchase", NULL);
    add(s, "w", tu_ts("2024-02-10"), "signup", NULL);
    add(s, "w", tu_ts("2024-02-11"), "purchase", NULL);
    add(s, "x", tu_ts("2024-01-07"), "visit", NULL);
    prepare(s);
    o.period = IV_PERIOD_MONTH;
    o.start_types = "signup";
    o.return_types = "purchase";
    t = run(iv_lifecycle_cohorts, s, NULL, &o);
    ck_assert_uint_eq(iv_table_nrows(t), 5);
    STR(t, 0, "cohort", "2024-01");
    EQ(t, 0, "contacts", 2);
    EQ(t, 0, "retained", 1);
    EQ(t, 0, "rate", 0.5);
    EQ(t, 0, "rate_unbounded", 0.5);
    EQ(t, 1, "retained", 0);
    EQ(t, 1, "rate", 0);
    EQ(t, 1, "rate_unbounded", 0.5);
    UNDEF(t, 2, "rate");
    STR(t, 3, "cohort", "2024-02");
    EQ(t, 3, "contacts", 1);
    EQ(t, 3, "rate", 1);
    UNDEF(t, 4, "retained");
    iv_table_free(t);
    o.return_types = "|";
    ck_assert_int_eq(iv_lifecycle_cohorts(&t, s, NULL, &o), IV_EPARSE);
    iv_store_free(s);
}
END_TEST

/* ------------------------------------------------------------ churn series */

/* Days from 2024-01-01 (a Monday), W = 10 days (active at t: an interaction in
 * (t - 10d, t], the latest at or before t not churn-flagged).
 *   a: D10, D35   b: D20, D30   c: D15, D40   d: D18, discontinue D19
 *   e: D12, discontinue D36   f: D25, D38   g: D40   h: discontinue D16, visit D16
 * Active at D14 {a, e}; D21 {b, c, e, h}; D28 {b, f}; D35 {a, b}; D42 {a, c, f, g}.
 * Weekly over [D14, D42): 2024-W03 .. 2024-W06.
 *   W03 [D14, D21): S 2, lost {a} 1, churn 1/2; E 4, N {b, c, h} 3 -> (4 - 3)/2 = 1/2
 *   W04 [D21, D28): S 4, lost {c, e, h} 3, 3/4;  E 2, N {f} 1 -> (2 - 1)/4 = 1/4
 *   W05 [D28, D35): S 2, lost {f} 1, 1/2;        E 2, N 0 -> 1
 *   W06 [D35, D42): S 2, lost {b} 1, 1/2;        E 4, N {g} 1 -> 3/2 */
static iv_store *churn_log(void)
{
    iv_store *s = tu_new_store(NULL, NULL);
    int64_t d0 = tu_ts("2024-01-01");
    static const struct { const char *c; int d; const char *t; } rows[] = {
        {"a", 10, "visit"}, {"a", 35, "visit"}, {"b", 20, "visit"}, {"b", 30, "visit"},
        {"c", 15, "visit"}, {"c", 40, "visit"}, {"d", 18, "visit"}, {"d", 19, "discontinue"},
        {"e", 12, "visit"}, {"e", 36, "discontinue"}, {"f", 25, "visit"}, {"f", 38, "visit"},
        {"g", 40, "visit"}, {"h", 16, "discontinue"}, {"h", 16, "visit"}};
    size_t i;
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
        add(s, rows[i].c, d0 + rows[i].d * DAY, rows[i].t, NULL);
    prepare(s);
    return s;
}

START_TEST(churn_and_retention_series_every_week)
{
    iv_store *s = churn_log();
    int64_t d0 = tu_ts("2024-01-01");
    iv_lifecycle_options o = IV_LIFECYCLE_OPTIONS_INIT;
    iv_table *t;
    static const char *const lab[] = {"2024-W03", "2024-W04", "2024-W05", "2024-W06"};
    static const double S[] = {2, 4, 2, 2}, L[] = {1, 3, 1, 1}, E[] = {4, 2, 2, 4}, N[] = {3, 1, 0, 1};
    size_t k;
    o.t0 = d0 + 14 * DAY;
    o.t1 = d0 + 42 * DAY;
    o.window = 10 * DAY;
    o.every = IV_EVERY_WEEK;
    t = run(iv_lifecycle_churn, s, NULL, &o);
    ck_assert_uint_eq(iv_table_nrows(t), 4);
    ck_assert_uint_eq(iv_table_ncols(t), 6);
    for (k = 0; k < 4; k++) {
        STR(t, k, "period", lab[k]);
        ck_assert_int_eq(iv_table_get_int(t, k, tu_col(t, "t0")), d0 + (14 + 7 * (int64_t)k) * DAY);
        ck_assert_int_eq(iv_table_get_int(t, k, tu_col(t, "t1")), d0 + (21 + 7 * (int64_t)k) * DAY);
        EQ(t, k, "start", S[k]);
        EQ(t, k, "lost", L[k]);
        EQ(t, k, "churn", L[k] / S[k]);
    }
    iv_table_free(t);
    t = run(iv_lifecycle_retention, s, NULL, &o);
    ck_assert_uint_eq(iv_table_ncols(t), 7);
    for (k = 0; k < 4; k++) {
        EQ(t, k, "start", S[k]);
        EQ(t, k, "end", E[k]);
        EQ(t, k, "new", N[k]);
        EQ(t, k, "retention", (E[k] - N[k]) / S[k]);
    }
    iv_table_free(t);
    /* a range that does not start on a Monday: the first and last periods are clipped */
    o.t0 = d0 + 17 * DAY;
    o.t1 = d0 + 40 * DAY;
    t = run(iv_lifecycle_churn, s, NULL, &o);
    ck_assert_uint_eq(iv_table_nrows(t), 4);
    STR(t, 0, "period", "2024-W03");
    ck_assert_int_eq(iv_table_get_int(t, 0, tu_col(t, "t0")), d0 + 17 * DAY);
    ck_assert_int_eq(iv_table_get_int(t, 0, tu_col(t, "t1")), d0 + 21 * DAY);
    ck_assert_int_eq(iv_table_get_int(t, 3, tu_col(t, "t1")), d0 + 40 * DAY);
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

START_TEST(churn_by_a_time_bucket_needs_every)
{
    iv_store *s = churn_log();
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_lifecycle_options o = IV_LIFECYCLE_OPTIONS_INIT;
    iv_table *t = NULL;
    q.by = "quarter";
    ck_assert_int_eq(iv_lifecycle_churn(&t, s, &q, &o), IV_EINVAL);
    ck_assert_ptr_nonnull(strstr(iv_error_last(), "every"));
    ck_assert_int_eq(iv_lifecycle_retention(&t, s, &q, &o), IV_EINVAL);
    o.every = IV_EVERY_MONTH;
    ck_assert_int_eq(iv_lifecycle_churn(&t, s, &q, &o), IV_EINVAL);
    ck_assert_ptr_null(t);
    iv_store_free(s);
}
END_TEST

/* ------------------------------------------------------------ lifecycle -- */

/* Weekly; 2024-01-01 is the Monday of 2024-W01 (D0..D6), W02 D7..D13, W03 D14..D20,
 * W04 D21..D27.
 *   k: D0 (W01), D8 (W02), D22 (W04)  -> new W01, returning W02, dormant W03,
 *                                        resurrecting W04 (dormant W05: after the range)
 *   l: D9 (W02), D16 (W03)            -> new W02, returning W03, dormant W04
 *   m: D15 (W03)                      -> new W03, dormant W04
 *   W01: 1 0 0 0; W02: 1 1 0 0; W03: 1 1 0 -1; W04: 0 0 1 -2. */
START_TEST(lifecycle_new_returning_resurrecting_dormant)
{
    iv_store *s = tu_new_store(NULL, NULL);
    int64_t d0 = tu_ts("2024-01-01");
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_lifecycle_options o = IV_LIFECYCLE_OPTIONS_INIT;
    iv_table *t;
    static const double want[4][4] = {{1, 0, 0, 0}, {1, 1, 0, 0}, {1, 1, 0, -1}, {0, 0, 1, -2}};
    static const char *const cols[] = {"new", "returning", "resurrecting", "dormant"};
    size_t k, c;
    add(s, "k", d0, "visit", NULL);
    add(s, "k", d0 + 8 * DAY, "visit", NULL);
    add(s, "k", d0 + 22 * DAY, "visit", NULL);
    add(s, "l", d0 + 9 * DAY, "visit", NULL);
    add(s, "l", d0 + 16 * DAY, "visit", NULL);
    add(s, "m", d0 + 15 * DAY, "visit", NULL);
    prepare(s);
    o.period = IV_PERIOD_WEEK;
    t = run(iv_lifecycle_lifecycle, s, NULL, &o);
    ck_assert_uint_eq(iv_table_nrows(t), 4);
    for (k = 0; k < 4; k++) {
        char lab[16];
        snprintf(lab, sizeof lab, "2024-W%02d", (int)k + 1);
        STR(t, k, "period", lab);
        for (c = 0; c < 4; c++)
            EQ(t, k, cols[c], want[k][c]);
    }
    iv_table_free(t);
    /* from W02: k's W01 still counts as "before" */
    q.from = d0 + 7 * DAY;
    t = run(iv_lifecycle_lifecycle, s, &q, &o);
    ck_assert_uint_eq(iv_table_nrows(t), 3);
    STR(t, 0, "period", "2024-W02");
    EQ(t, 0, "returning", 1);
    EQ(t, 2, "resurrecting", 1);
    iv_table_free(t);
    /* monthly: all in January: new 3 */
    o.period = IV_PERIOD_MONTH;
    t = run(iv_lifecycle_lifecycle, s, NULL, &o);
    ck_assert_uint_eq(iv_table_nrows(t), 1);
    EQ(t, 0, "new", 3);
    EQ(t, 0, "dormant", 0);
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

/* ------------------------------------------------------------ stickiness - */

/* Weekly: k: D0, D0 + 1h, D2 (W01: 2 days), D8 (W02: 1 day); l: D9, D10, D11 (W02: 3).
 * Contact-periods 3: days 1: 1, 2: 1, 3: 1, 4..7: 0; shares 1/3.
 * Monthly: k 3 days (D0, D2, D8), l 3 days -> days 3: 2, share 1; 31 rows. */
START_TEST(stickiness_counts_distinct_days_per_period)
{
    iv_store *s = tu_new_store(NULL, NULL);
    int64_t d0 = tu_ts("2024-01-01");
    iv_lifecycle_options o = IV_LIFECYCLE_OPTIONS_INIT;
    iv_table *t;
    size_t k;
    add(s, "k", d0, "visit", NULL);
    add(s, "k", d0 + HOUR, "visit", NULL);
    add(s, "k", d0 + 2 * DAY, "visit", NULL);
    add(s, "k", d0 + 8 * DAY, "visit", NULL);
    add(s, "l", d0 + 9 * DAY, "visit", NULL);
    add(s, "l", d0 + 10 * DAY, "visit", NULL);
    add(s, "l", d0 + 11 * DAY, "visit", NULL);
    prepare(s);
    t = run(iv_lifecycle_stickiness, s, NULL, &o);
    ck_assert_uint_eq(iv_table_nrows(t), 7);
    for (k = 0; k < 7; k++) {
        EQ(t, k, "days", k + 1);
        EQ(t, k, "contacts", k < 3 ? 1 : 0);
        EQ(t, k, "share", k < 3 ? 1.0 / 3.0 : 0);
    }
    iv_table_free(t);
    o.period = IV_PERIOD_MONTH;
    t = run(iv_lifecycle_stickiness, s, NULL, &o);
    ck_assert_uint_eq(iv_table_nrows(t), 31);
    EQ(t, 2, "contacts", 2);
    EQ(t, 2, "share", 1);
    EQ(t, 0, "contacts", 0);
    iv_table_free(t);
    o.period = IV_PERIOD_DAY;
    ck_assert_int_eq(iv_lifecycle_stickiness(&t, s, NULL, &o), IV_EINVAL);
    iv_store_free(s);
}
END_TEST

/* ------------------------------------------------------------ paths ------ */

/* --start signup, K = 3:
 *   s1: visit, signup, visit, demo, purchase   -> visit > demo > purchase
 *   s2: signup, visit, demo                    -> visit > demo > (end)
 *   s3, s7: signup, visit, demo, support, visit -> visit > demo > support (2)
 *   s4: signup, visit                          -> visit > (end)
 *   s5: signup                                 -> (end)
 *   s6: visit                                  -> no start
 * 6 starts: "visit > demo > support" 2 (1/3), then the 1s in byte order: "(end)",
 * "visit > (end)", "visit > demo > (end)", "visit > demo > purchase".
 * K = 1: visit 5 (5/6), (end) 1. */
START_TEST(paths_after_the_first_start)
{
    iv_store *s = tu_new_store(NULL, NULL);
    int64_t d0 = tu_ts("2024-01-01");
    iv_lifecycle_options o = IV_LIFECYCLE_OPTIONS_INIT;
    iv_table *t;
    static const char *const p1[] = {"visit", "signup", "visit", "demo", "purchase", NULL};
    static const char *const p2[] = {"signup", "visit", "demo", NULL};
    static const char *const p3[] = {"signup", "visit", "demo", "support", "visit", NULL};
    static const char *const p4[] = {"signup", "visit", NULL};
    static const char *const p5[] = {"signup", NULL};
    static const char *const p6[] = {"visit", NULL};
    const char *const *all[] = {p1, p2, p3, p4, p5, p6, p3};
    static const char *const names[] = {"s1", "s2", "s3", "s4", "s5", "s6", "s7"};
    size_t c, i;
    for (c = 0; c < 7; c++)
        for (i = 0; all[c][i]; i++)
            add(s, names[c], d0 + (int64_t)i * DAY, all[c][i], NULL);
    prepare(s);
    o.start_types = "signup";
    t = run(iv_lifecycle_paths, s, NULL, &o);
    ck_assert_uint_eq(iv_table_nrows(t), 5);
    STR(t, 0, "path", "visit > demo > support");
    EQ(t, 0, "contacts", 2);
    EQ(t, 0, "share", 2.0 / 6.0);
    STR(t, 1, "path", "(end)");
    STR(t, 2, "path", "visit > (end)");
    STR(t, 3, "path", "visit > demo > (end)");
    STR(t, 4, "path", "visit > demo > purchase");
    EQ(t, 4, "share", 1.0 / 6.0);
    iv_table_free(t);
    o.top = 2;
    t = run(iv_lifecycle_paths, s, NULL, &o);
    ck_assert_uint_eq(iv_table_nrows(t), 2);
    iv_table_free(t);
    o.top = 0;
    o.path_steps = 1;
    t = run(iv_lifecycle_paths, s, NULL, &o);
    ck_assert_uint_eq(iv_table_nrows(t), 2);
    STR(t, 0, "path", "visit");
    EQ(t, 0, "contacts", 5);
    EQ(t, 0, "share", 5.0 / 6.0);
    STR(t, 1, "path", "(end)");
    iv_table_free(t);
    o.start_types = NULL;
    ck_assert_int_eq(iv_lifecycle_paths(&t, s, NULL, &o), IV_EINVAL);
    iv_store_free(s);
}
END_TEST

/* ------------------------------------------------------------ NPS -------- */

/* east: scores 10 10 9 9 9 8 7 6 3 0: P 5, D 3, N 10 -> nps 20;
 *   se = 100 sqrt((0.5 + 0.3 - 0.2^2) / 10) = 100 sqrt(0.076) = 27.568...;
 *   interval 20 -+ 1.959964 se = [-34.03, 74.03] (inside the scale).
 * west: scores 10 6 6 9: P 2, D 2, N 4 -> nps 0; se = 100 sqrt((1 - 0) / 4) = 50;
 *   interval 0 -+ 98 = [-98.0, 98.0].
 * Both: P 7, D 5, N 14 -> nps 100 * 2/14; compare east vs west: diff 20,
 *   z = 20 / sqrt(760 + 2500) = 20 / sqrt(3260), p = erfc(|z| / sqrt 2). */
static iv_store *nps_log(void)
{
    iv_store *s = tu_new_store(NULL, NULL);
    static const double east[] = {10, 10, 9, 9, 9, 8, 7, 6, 3, 0}, west[] = {10, 6, 6, 9};
    int64_t d0 = tu_ts("2024-01-01");
    size_t i;
    for (i = 0; i < 14; i++) {
        char c[8];
        iv_record r = IV_RECORD_INIT;
        snprintf(c, sizeof c, "n%zu", i);
        r.contact = c;
        r.ts = d0 + (int64_t)i * HOUR;
        r.channel = "web";
        r.type = "nps";
        r.team = i < 10 ? "east" : "west";
        r.score = i < 10 ? east[i] : west[i - 10];
        ck_assert_msg(iv_store_append(s, &r) == IV_OK, "%s", iv_error_last());
    }
    prepare(s);
    return s;
}

START_TEST(nps_interval_and_two_selection_test)
{
    iv_store *s = nps_log();
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    double se = 100 * sqrt(0.076), z = 20 / sqrt(3260.0);
    q.by = "team";
    ck_assert_int_eq(iv_query_metrics(&t, s, &q), IV_OK);
    EQ(t, 0, "nps", 20);
    EQ(t, 0, "nps_se", se);
    EQ(t, 0, "nps_ci_low", 20 - 1.959964 * se);
    EQ(t, 0, "nps_ci_high", 20 + 1.959964 * se);
    EQ(t, 1, "nps", 0);
    EQ(t, 1, "nps_se", 50);
    EQ(t, 1, "nps_ci_low", -1.959964 * 50);
    EQ(t, 1, "nps_ci_high", 1.959964 * 50);
    iv_table_free(t);
    ck_assert_int_eq(iv_pattern_compare(&t, s, NULL, "nps", "team = east", "team = west", NULL), IV_OK);
    ck_assert_uint_eq(iv_table_ncols(t), 5);
    EQ(t, 0, "nps_a", 20);
    EQ(t, 0, "nps_b", 0);
    EQ(t, 0, "diff", 20);
    EQ(t, 0, "z", z);
    EQ(t, 0, "p", erfc(z / sqrt(2.0)));
    iv_table_free(t);
    /* a selection with no answer: everything but nps_a undefined */
    ck_assert_int_eq(iv_pattern_compare(&t, s, NULL, "nps", "team = east", "team = north", NULL), IV_OK);
    EQ(t, 0, "nps_a", 20);
    UNDEF(t, 0, "nps_b");
    UNDEF(t, 0, "z");
    UNDEF(t, 0, "p");
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

/* Options of the first release (ending at `mode`) are still accepted. */
START_TEST(old_options_size_is_accepted)
{
    iv_store *s = churn_log();
    iv_lifecycle_options o = IV_LIFECYCLE_OPTIONS_INIT;
    iv_table *t = NULL;
    o.size = offsetof(iv_lifecycle_options, exclude);
    o.exclude = "garbage@@"; /* beyond the old size: never read */
    ck_assert_int_eq(iv_lifecycle_churn(&t, s, NULL, &o), IV_OK);
    iv_table_free(t);
    o.size = offsetof(iv_lifecycle_options, exclude) - 1;
    ck_assert_int_eq(iv_lifecycle_churn(&t, s, NULL, &o), IV_EINVAL);
    iv_store_free(s);
}
END_TEST

/* ------------------------------------------------------------ OOM -------- */

static int one_run(lc_fn fn, const iv_store *s, const char *by, const iv_lifecycle_options *o)
{
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    int rc;
    q.by = by;
    rc = fn(&t, s, &q, o);
    iv_table_free(t);
    return rc;
}

START_TEST(allocation_failures_return_enomem_and_leak_nothing)
{
    static tu_alloc st;
    iv_store_options so = IV_STORE_OPTIONS_INIT;
    iv_store *s;
    iv_lifecycle_options o = IV_LIFECYCLE_OPTIONS_INIT;
    const char *by[] = {NULL, "variant,month"};
    lc_fn fns[] = {iv_lifecycle_funnel, iv_lifecycle_funnel_histogram, iv_lifecycle_lifecycle,
                   iv_lifecycle_stickiness, iv_lifecycle_paths};
    size_t f, b;
    long k;
    tu_alloc_reset(&st, 0);
    so.alloc = tu_alloc_fn;
    so.alloc_ud = &st;
    ck_assert_int_eq(iv_store_new(&s, &so), IV_OK);
    add(s, "p", tu_ts("2024-01-31T23:00:00Z"), "signup", "A");
    add(s, "p", tu_ts("2024-02-01T01:00:00Z"), "demo", "A");
    add(s, "q", tu_ts("2024-02-10"), "signup", "A");
    add(s, "r", tu_ts("2024-02-20"), "signup", "B");
    add(s, "r", tu_ts("2024-02-21"), "demo", "B");
    prepare(s);
    o.steps = "signup,demo";
    o.exclude = "refund@1-2";
    o.start_types = "signup";
    for (f = 0; f < sizeof fns / sizeof fns[0]; f++)
        for (b = 0; b < 2; b++) {
            if (f >= 2 && b == 1)
                continue; /* lifecycle, stickiness, paths: no time bucket */
            for (k = 1;; k++) {
                long live = st.live;
                int rc;
                st.fail_at = st.calls + k;
                st.failed = 0;
                rc = one_run(fns[f], s, by[b], &o);
                ck_assert_int_eq(st.live, live);
                if (!st.failed) {
                    ck_assert_int_eq(rc, IV_OK);
                    break;
                }
                ck_assert_int_eq(rc, IV_ENOMEM);
            }
            st.fail_at = 0;
        }
    {
        iv_lifecycle_options e = IV_LIFECYCLE_OPTIONS_INIT;
        e.every = IV_EVERY_WEEK;
        for (k = 1;; k++) {
            long live = st.live;
            int rc;
            st.fail_at = st.calls + k;
            st.failed = 0;
            rc = one_run(iv_lifecycle_retention, s, "variant", &e);
            ck_assert_int_eq(st.live, live);
            if (!st.failed) {
                ck_assert_int_eq(rc, IV_OK);
                break;
            }
            ck_assert_int_eq(rc, IV_ENOMEM);
        }
        st.fail_at = 0;
    }
    iv_store_free(s);
    ck_assert_int_eq(st.live, 0);
}
END_TEST

static void product_tests(TCase *tc)
{
    tcase_add_test(tc, funnel_time_to_convert_quantiles_and_mean);
    tcase_add_test(tc, funnel_exclusions_remove_contacts_between_steps);
    tcase_add_test(tc, funnel_bad_exclusions_say_where);
    tcase_add_test(tc, funnel_histogram_bins_completion_times);
    tcase_add_test(tc, funnel_by_month_groups_contacts_by_their_entry);
    tcase_add_test(tc, any_funnel_window_starts_at_the_first_step_of_any_kind);
    tcase_add_test(tc, cohorts_with_start_and_return_events);
    tcase_add_test(tc, churn_and_retention_series_every_week);
    tcase_add_test(tc, churn_by_a_time_bucket_needs_every);
    tcase_add_test(tc, lifecycle_new_returning_resurrecting_dormant);
    tcase_add_test(tc, stickiness_counts_distinct_days_per_period);
    tcase_add_test(tc, paths_after_the_first_start);
    tcase_add_test(tc, nps_interval_and_two_selection_test);
    tcase_add_test(tc, old_options_size_is_accepted);
    tcase_add_test(tc, allocation_failures_return_enomem_and_leak_nothing);
}

TU_SUITE_MAIN("product", product_tests)
