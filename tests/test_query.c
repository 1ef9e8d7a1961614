/* Queries: every doc/METRICS.md metric on a small hand-made log whose answers were worked out
 * by hand (the working is in the comments), selections, contact attributes, time
 * buckets, period-on-period, drill-down, order independence, allocation failures. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iv.h"
#include "testutil.h"

#define T(s) tu_ts(s)

static void add(iv_store *s, const char *contact, const char *ts, const char *channel,
                const char *type, int outcome, double cost, double value, double score, const char *id)
{
    tu_add(s, "contact=%s ts=%s channel=%s type=%s outcome=%d cost=%.17g value=%.17g score=%.17g id=%s",
           contact, ts, channel, type, outcome, cost, value, score, id ? id : "");
}

/* The hand log (default model, doc/MODEL.md):
 *  row contact ts          channel type       outcome    cost       value score  rv   q
 *  0   a       2024-01-01  web     visit      desired    0.15 (m)   -     -      1    1.0
 *  1   a       2024-01-02  phone   purchase   desired    5.00       100   -      100  1.0
 *  2   a       2024-01-03  email   nps        -          1.00 (m)   -     9      +20  0.5
 *  3   b       2024-01-05  phone   complaint  undesired  2.83 (m)   -     -      -40  0.0
 *  4   b       2024-02-01  web     nps        -          0.15 (m)   -     6      -20  0.5
 *  5   c       2024-02-10  chat    csat       neutral    1.00 (m)   -     4      +20  0.5
 *  6   c       2024-02-11  chat    ces        -          1.00 (m)   -     5      +20  0.5
 *  7   c       2024-02-12  post    webinar    -          12.10 (m)  -     -      0    0.5
 * (m) = the model's channel cost (email, chat: no published cost -> default_cost 1.0). */
static iv_store *hand_log(void)
{
    iv_store *s = tu_new_store(NULL, NULL);
    add(s, "a", "2024-01-01T10:00:00Z", "web", "visit", IV_OUTCOME_DESIRED, NAN, NAN, NAN, "i0");
    add(s, "a", "2024-01-02T10:00:00Z", "phone", "purchase", IV_OUTCOME_DESIRED, 5.0, 100, NAN, "i1");
    add(s, "a", "2024-01-03T10:00:00Z", "email", "nps", 0, NAN, NAN, 9, "i2");
    add(s, "b", "2024-01-05T10:00:00Z", "phone", "complaint", IV_OUTCOME_UNDESIRED, NAN, NAN, NAN, "i3");
    add(s, "b", "2024-02-01T10:00:00Z", "web", "nps", 0, NAN, NAN, 6, "i4");
    add(s, "c", "2024-02-10T10:00:00Z", "chat", "csat", IV_OUTCOME_NEUTRAL, NAN, NAN, 4, "i5");
    add(s, "c", "2024-02-11T10:00:00Z", "chat", "ces", 0, NAN, NAN, 5, "i6");
    add(s, "c", "2024-02-12T10:00:00Z", "post", "webinar", 0, NAN, NAN, NAN, "i7");
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    return s;
}

#define CLOSE(a, b) ck_assert_msg(tu_close((a), (b), 1e-12), "%s: %.17g != %.17g", #a, (double)(a), (double)(b))
#define UNDEF(t, r, c) ck_assert_msg(isnan(tu_cell(t, r, c)), "%s should be undefined", c)

static iv_table *run(iv_store *s, const char *by, const char *where)
{
    iv_query_options o = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    o.by = by;
    o.where = where;
    ck_assert_msg(iv_query_metrics(&t, s, &o) == IV_OK, "%s", iv_error_last());
    return t;
}

START_TEST(every_metric_of_the_whole_log_matches_the_hand_calculation)
{
    iv_store *s = hand_log();
    iv_table *t = run(s, NULL, NULL);
    ck_assert_uint_eq(iv_table_nrows(t), 1);
    ck_assert_uint_eq(iv_table_ncols(t), 23);
    CLOSE(tu_cell(t, 0, "n"), 8);
    CLOSE(tu_cell(t, 0, "contacts"), 3);
    /* C = 0.15 + 5 + 1 + 2.83 + 0.15 + 1 + 1 + 12.10 = 23.23 */
    CLOSE(tu_cell(t, 0, "cost"), 23.23);
    CLOSE(tu_cell(t, 0, "value"), 100);
    CLOSE(tu_cell(t, 0, "cpt"), 23.23 / 8);
    /* sum q = 1 + 1 + .5 + 0 + .5 + .5 + .5 + .5 = 4.5 */
    CLOSE(tu_cell(t, 0, "iv"), 4.5 / 23.23);
    CLOSE(tu_cell(t, 0, "roi"), (100 - 23.23) / 23.23);
    /* outcome given on rows 0, 1, 3, 5; desired on 0, 1 */
    CLOSE(tu_cell(t, 0, "desired_rate"), 0.5);
    /* U = 1 + 100 + 20 - 40 - 20 + 20 + 20 + 0 = 101 */
    CLOSE(tu_cell(t, 0, "rv"), 101);
    CLOSE(tu_cell(t, 0, "rv_per_interaction"), 101.0 / 8);
    CLOSE(tu_cell(t, 0, "cost_per_rv"), 23.23 / 101);
    CLOSE(tu_cell(t, 0, "rv_forward"), 5);
    CLOSE(tu_cell(t, 0, "rv_backward"), 2);
    /* nps rows: 9 (promoter), 6 (detractor): 100 (1 - 1) / 2 = 0;
     * se = 100 sqrt((.5 + .5 - 0) / 2) = 100 sqrt(.5) */
    CLOSE(tu_cell(t, 0, "nps"), 0);
    CLOSE(tu_cell(t, 0, "nps_se"), 100 * sqrt(0.5));
    /* 0 -+ 1.959964 * 70.7 = -+138.6: clamped to the scale */
    CLOSE(tu_cell(t, 0, "nps_ci_low"), -100);
    CLOSE(tu_cell(t, 0, "nps_ci_high"), 100);
    CLOSE(tu_cell(t, 0, "csat"), 100);
    CLOSE(tu_cell(t, 0, "csat_mean"), 4);
    CLOSE(tu_cell(t, 0, "ces"), 5);
    CLOSE(tu_cell(t, 0, "ces_easy"), 100);
    CLOSE(tu_cell(t, 0, "cost_assumed"), 7);
    /* row 7: webinar, a type the default model does not know, and no rv of its own */
    CLOSE(tu_cell(t, 0, "rv_unscored"), 1);
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

START_TEST(metrics_by_channel_match_by_hand_and_undefined_ratios_stay_undefined)
{
    iv_store *s = hand_log();
    iv_table *t = run(s, "channel", NULL);
    ck_assert_uint_eq(iv_table_nrows(t), 5);
    ck_assert_str_eq(tu_scell(t, 0, "channel"), "chat");
    ck_assert_str_eq(tu_scell(t, 1, "channel"), "email");
    ck_assert_str_eq(tu_scell(t, 2, "channel"), "phone");
    ck_assert_str_eq(tu_scell(t, 3, "channel"), "post");
    ck_assert_str_eq(tu_scell(t, 4, "channel"), "web");
    /* chat: rows 5, 6 */
    CLOSE(tu_cell(t, 0, "n"), 2);
    CLOSE(tu_cell(t, 0, "contacts"), 1);
    CLOSE(tu_cell(t, 0, "cost"), 2);
    CLOSE(tu_cell(t, 0, "iv"), 0.5);
    CLOSE(tu_cell(t, 0, "roi"), -1);
    CLOSE(tu_cell(t, 0, "desired_rate"), 0); /* one outcome given, neutral */
    CLOSE(tu_cell(t, 0, "cost_per_rv"), 0.05);
    UNDEF(t, 0, "nps");
    UNDEF(t, 0, "nps_se");
    UNDEF(t, 0, "nps_ci_low");
    UNDEF(t, 0, "nps_ci_high");
    CLOSE(tu_cell(t, 0, "csat"), 100);
    CLOSE(tu_cell(t, 0, "ces_easy"), 100);
    /* email: row 2, no outcome given -> desired_rate undefined; one promoter */
    UNDEF(t, 1, "desired_rate");
    CLOSE(tu_cell(t, 1, "nps"), 100);
    CLOSE(tu_cell(t, 1, "nps_se"), 0);
    CLOSE(tu_cell(t, 1, "nps_ci_low"), 100);
    CLOSE(tu_cell(t, 1, "nps_ci_high"), 100);
    UNDEF(t, 1, "csat");
    UNDEF(t, 1, "ces");
    /* phone: rows 1, 3: C = 7.83, U = 100 - 40 = 60 */
    CLOSE(tu_cell(t, 2, "contacts"), 2);
    CLOSE(tu_cell(t, 2, "cost"), 7.83);
    CLOSE(tu_cell(t, 2, "iv"), 1.0 / 7.83);
    CLOSE(tu_cell(t, 2, "roi"), (100 - 7.83) / 7.83);
    CLOSE(tu_cell(t, 2, "desired_rate"), 0.5);
    CLOSE(tu_cell(t, 2, "cost_per_rv"), 7.83 / 60);
    CLOSE(tu_cell(t, 2, "rv_forward"), 1);
    CLOSE(tu_cell(t, 2, "rv_backward"), 1);
    CLOSE(tu_cell(t, 2, "cost_assumed"), 1);
    /* post: unknown type scores 0 RV: cost per RV undefined (U = 0) */
    CLOSE(tu_cell(t, 3, "cost"), 12.10);
    CLOSE(tu_cell(t, 3, "rv"), 0);
    UNDEF(t, 3, "cost_per_rv");
    CLOSE(tu_cell(t, 3, "rv_forward"), 0);
    /* web: rows 0, 4: U = 1 - 20 = -19 -> cost_per_rv undefined; one detractor */
    CLOSE(tu_cell(t, 4, "cost"), 0.30);
    CLOSE(tu_cell(t, 4, "iv"), 1.5 / 0.30);
    CLOSE(tu_cell(t, 4, "rv"), -19);
    UNDEF(t, 4, "cost_per_rv");
    CLOSE(tu_cell(t, 4, "nps"), -100);
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

START_TEST(stage_and_area_group_by_the_model_defaults_with_undefined_last)
{
    iv_store *s = hand_log();
    iv_table *t = run(s, "stage", NULL);
    /* visit: acquisition; purchase: closing; nps, complaint, csat, ces: retention;
     * webinar (unknown): no stage */
    ck_assert_uint_eq(iv_table_nrows(t), 4);
    ck_assert_str_eq(tu_scell(t, 0, "stage"), "acquisition");
    ck_assert_str_eq(tu_scell(t, 1, "stage"), "closing");
    ck_assert_str_eq(tu_scell(t, 2, "stage"), "retention");
    ck_assert_ptr_null(tu_scell(t, 3, "stage"));
    CLOSE(tu_cell(t, 2, "n"), 5);
    CLOSE(tu_cell(t, 3, "n"), 1);
    iv_table_free(t);
    t = run(s, "area", NULL);
    /* web: experience; phone, chat: engagement; email: content; post: channels */
    ck_assert_uint_eq(iv_table_nrows(t), 4);
    ck_assert_str_eq(tu_scell(t, 0, "area"), "channels");
    ck_assert_str_eq(tu_scell(t, 1, "area"), "content");
    ck_assert_str_eq(tu_scell(t, 2, "area"), "engagement");
    ck_assert_str_eq(tu_scell(t, 3, "area"), "experience");
    CLOSE(tu_cell(t, 2, "n"), 4);
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

START_TEST(selections_pick_the_rows_worked_out_by_hand)
{
    static const struct {
        const char *where;
        double n;
    } cases[] = {
        {"channel in (web, phone)", 4},
        {"channel = \"web\"", 2},
        {"channel != web", 6},
        {"not has purchase", 5},           /* contacts b, c */
        {"has bad_experience", 2},         /* b: complaint */
        {"has support", 2},
        {"profit_tier = high", 3},         /* a: 100 - 6.15 = 93.85 */
        {"profit_tier = poor", 3},         /* c: -14.10 */
        {"community_role = watcher", 3},   /* c: csat, ces, webinar are watch-class */
        {"community_role = doer", 5},      /* a (purchase), b (complaint) */
        {"contact_stage = retention and type = nps", 2},
        {"outcome = desired or outcome = undesired", 3},
        {"(channel = chat or channel = post) and not type = ces", 2},
        {"month = 2024-02", 4},
        {"contact in (a, \"c\")", 6},
        {"team = east", 0},
    };
    iv_store *s = hand_log();
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        iv_table *t = run(s, NULL, cases[i].where);
        ck_assert_msg(tu_cell(t, 0, "n") == cases[i].n, "%s: n = %g, want %g", cases[i].where,
                      tu_cell(t, 0, "n"), cases[i].n);
        iv_table_free(t);
    }
    iv_store_free(s);
}
END_TEST

/* issue #14 item 4: 200,000 operands in one and/or chain evaluated without a deep
 * recursion (the old evaluator overflowed the stack); same n as the short forms, by hand:
 * web has 2 rows, web or phone 4 (the cases above). Under ASan the old code crashes. */
START_TEST(a_long_and_or_chain_does_not_overflow_the_stack)
{
    static const struct {
        const char *first, *term, *join;
        double n;
    } cases[] = {
        {"channel = web", "channel = web", " or ", 2},
        {"channel = phone", "channel = web", " or ", 4},
        {"channel != chat", "channel != chat", " and ", 6},
        {"channel = web", "channel = phone", " and ", 0},
    };
    iv_store *s = hand_log();
    size_t k, i, count = 200000;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t tl = strlen(cases[k].term), jl = strlen(cases[k].join), pos;
        char *w = malloc(strlen(cases[k].first) + count * (tl + jl) + 1);
        iv_table *t;
        ck_assert_ptr_nonnull(w);
        pos = (size_t)sprintf(w, "%s", cases[k].first);
        for (i = 1; i < count; i++) {
            memcpy(w + pos, cases[k].join, jl);
            memcpy(w + pos + jl, cases[k].term, tl);
            pos += jl + tl;
        }
        w[pos] = '\0';
        t = run(s, NULL, w);
        ck_assert_msg(tu_cell(t, 0, "n") == cases[k].n, "case %zu: n = %g, want %g", k,
                      tu_cell(t, 0, "n"), cases[k].n);
        iv_table_free(t);
        free(w);
    }
    iv_store_free(s);
}
END_TEST

START_TEST(selection_errors_point_at_the_offending_position)
{
    static const struct {
        const char *where;
        int rc;
        const char *pos;
    } cases[] = {
        {"chanel = web", IV_ENOTFOUND, "position 1"},
        {"channel = ", IV_EPARSE, "position 11"},
        {"channel in (web", IV_EPARSE, "position 16"},
        {"(channel = web", IV_EPARSE, "position 15"},
        {"channel = web and", IV_EPARSE, "position 18"},
        {"has nothing", IV_ENOTFOUND, "position 5"},
        {"stage = sideways", IV_EPARSE, "position 9"},
        {"channel = \"web", IV_EPARSE, "position 11"},
        {"channel = web web", IV_EPARSE, "position 15"},
    };
    iv_store *s = hand_log();
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        iv_query_options o = IV_QUERY_OPTIONS_INIT;
        iv_table *t = NULL;
        o.where = cases[i].where;
        ck_assert_int_eq(iv_query_metrics(&t, s, &o), cases[i].rc);
        ck_assert_ptr_null(t);
        ck_assert_msg(strstr(iv_error_last(), cases[i].pos) != NULL, "%s: %s", cases[i].where,
                      iv_error_last());
    }
    iv_store_free(s);
}
END_TEST

START_TEST(contact_attributes_give_tiers_roles_flags_and_current_stage)
{
    iv_store *s = hand_log();
    iv_table *t = NULL;
    ck_assert_int_eq(iv_query_contacts(&t, s, NULL), IV_OK);
    ck_assert_uint_eq(iv_table_nrows(t), 3);
    ck_assert_str_eq(tu_scell(t, 0, "contact"), "a");
    CLOSE(tu_cell(t, 0, "profit"), 100 - 6.15);
    CLOSE(tu_cell(t, 0, "rv"), 121);
    ck_assert_str_eq(tu_scell(t, 0, "profit_tier"), "high");
    ck_assert_str_eq(tu_scell(t, 0, "community_role"), "doer");
    ck_assert_str_eq(tu_scell(t, 0, "contact_stage"), "retention"); /* latest: nps */
    CLOSE(tu_cell(t, 0, "purchase"), 1);
    CLOSE(tu_cell(t, 0, "bad_experience"), 0);
    /* b: -2.98 is between the tertiles -6.6867 and 29.2967 (type 7 interpolation of
     * -14.10, -2.98, 93.85 at 1/3 and 2/3) */
    ck_assert_str_eq(tu_scell(t, 1, "profit_tier"), "normal");
    CLOSE(tu_cell(t, 1, "bad_experience"), 1);
    CLOSE(tu_cell(t, 1, "support"), 1);
    ck_assert_str_eq(tu_scell(t, 2, "profit_tier"), "poor");
    ck_assert_str_eq(tu_scell(t, 2, "community_role"), "watcher");
    ck_assert_ptr_null(tu_scell(t, 2, "contact_stage")); /* latest: webinar, no stage */
    CLOSE(tu_cell(t, 2, "n"), 3);
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

START_TEST(a_refer_interaction_makes_a_leader)
{
    iv_store *s;
    iv_table *t = NULL;
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    add(s, "x", "2024-01-01", "web", "visit", 0, NAN, NAN, NAN, NULL);
    add(s, "x", "2024-01-02", "email", "refer", 0, NAN, NAN, NAN, NULL);
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    ck_assert_int_eq(iv_query_contacts(&t, s, NULL), IV_OK);
    ck_assert_str_eq(tu_scell(t, 0, "community_role"), "leader");
    CLOSE(tu_cell(t, 0, "refer"), 1);
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

START_TEST(time_buckets_follow_iso_weeks_quarters_and_utc_midnight)
{
    iv_store *s;
    iv_table *t;
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    /* 2020-12-31 is a Thursday: ISO 2020-W53, as is Sunday 2021-01-03; Monday
     * 2021-01-04 opens 2021-W01; Monday 2024-12-30 is in 2025-W01. */
    add(s, "a", "2020-12-31T12:00:00Z", "web", "visit", 0, NAN, NAN, NAN, NULL);
    add(s, "a", "2021-01-03T23:59:59Z", "web", "visit", 0, NAN, NAN, NAN, NULL);
    add(s, "a", "2021-01-04T00:00:00Z", "web", "visit", 0, NAN, NAN, NAN, NULL);
    add(s, "a", "2024-12-30T00:00:00Z", "web", "visit", 0, NAN, NAN, NAN, NULL);
    /* quarter edge, and an offset that moves a row back across midnight UTC:
     * 2024-04-01T01:00+02:00 = 2024-03-31T23:00Z */
    add(s, "b", "2024-03-31T23:59:59Z", "web", "visit", 0, NAN, NAN, NAN, NULL);
    add(s, "b", "2024-04-01T01:00:00+02:00", "web", "visit", 0, NAN, NAN, NAN, NULL);
    add(s, "b", "2024-04-01T00:00:00Z", "web", "visit", 0, NAN, NAN, NAN, NULL);
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    t = run(s, "week", NULL);
    ck_assert_uint_eq(iv_table_nrows(t), 5);
    ck_assert_str_eq(tu_scell(t, 0, "week"), "2020-W53");
    CLOSE(tu_cell(t, 0, "n"), 2);
    ck_assert_str_eq(tu_scell(t, 1, "week"), "2021-W01");
    ck_assert_str_eq(tu_scell(t, 2, "week"), "2024-W13"); /* Sun 2024-03-31 */
    ck_assert_str_eq(tu_scell(t, 3, "week"), "2024-W14");
    ck_assert_str_eq(tu_scell(t, 4, "week"), "2025-W01");
    iv_table_free(t);
    t = run(s, "quarter", "contact = b");
    ck_assert_uint_eq(iv_table_nrows(t), 2);
    ck_assert_str_eq(tu_scell(t, 0, "quarter"), "2024-Q1");
    CLOSE(tu_cell(t, 0, "n"), 2);
    ck_assert_str_eq(tu_scell(t, 1, "quarter"), "2024-Q2");
    iv_table_free(t);
    t = run(s, "day", "contact = b");
    ck_assert_str_eq(tu_scell(t, 0, "day"), "2024-03-31");
    CLOSE(tu_cell(t, 0, "n"), 2);
    iv_table_free(t);
    t = run(s, "year,month", NULL);
    ck_assert_uint_eq(iv_table_nrows(t), 5);
    ck_assert_str_eq(tu_scell(t, 0, "year"), "2020");
    ck_assert_str_eq(tu_scell(t, 0, "month"), "2020-12");
    ck_assert_str_eq(tu_scell(t, 4, "month"), "2024-12");
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

START_TEST(time_range_is_half_open)
{
    iv_store *s = hand_log();
    iv_query_options o = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    o.from = T("2024-01-02T10:00:00Z"); /* row 1 included */
    o.to = T("2024-02-10T10:00:00Z");   /* row 5 excluded */
    ck_assert_int_eq(iv_query_metrics(&t, s, &o), IV_OK);
    CLOSE(tu_cell(t, 0, "n"), 4); /* rows 1, 2, 3, 4 */
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

START_TEST(custom_dimensions_group_and_select)
{
    iv_store *s;
    iv_table *t;
    const char *dn[] = {"region"};
    const char *v1[] = {"emea"}, *v2[] = {"amer"};
    iv_record r = IV_RECORD_INIT;
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    r.contact = "a";
    r.ts = 0;
    r.channel = "web";
    r.type = "visit";
    r.ndims = 1;
    r.dim_names = dn;
    r.dim_values = v1;
    ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
    ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
    r.dim_values = v2;
    ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
    r.ndims = 0;
    ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    t = run(s, "Region", NULL);
    ck_assert_uint_eq(iv_table_nrows(t), 3);
    ck_assert_str_eq(iv_table_col_name(t, 0), "region");
    ck_assert_str_eq(tu_scell(t, 0, "region"), "amer");
    ck_assert_str_eq(tu_scell(t, 1, "region"), "emea");
    CLOSE(tu_cell(t, 1, "n"), 2);
    ck_assert_ptr_null(tu_scell(t, 2, "region"));
    iv_table_free(t);
    t = run(s, NULL, "region = emea");
    CLOSE(tu_cell(t, 0, "n"), 2);
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

START_TEST(rv_repeat_counts_the_whole_history_and_the_daily_cap_limits_a_day)
{
    iv_store *s;
    iv_model *m;
    iv_query_options o = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    ck_assert_int_eq(iv_model_new(&m, NULL), IV_OK);
    ck_assert_int_eq(iv_model_set_type_rv_repeat(m, "purchase", 0.5), IV_OK);
    ck_assert_int_eq(iv_model_set_type_daily_cap(m, "visit", 2), IV_OK);
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    add(s, "a", "2024-01-01T09:00:00Z", "web", "purchase", 0, NAN, NAN, NAN, NULL);
    add(s, "a", "2024-02-01T09:00:00Z", "web", "purchase", 0, NAN, NAN, NAN, NULL);
    add(s, "a", "2024-03-01T09:00:00Z", "web", "purchase", 0, NAN, NAN, NAN, NULL);
    add(s, "b", "2024-03-01T09:00:00Z", "web", "visit", 0, NAN, NAN, NAN, NULL);
    add(s, "b", "2024-03-01T10:00:00Z", "web", "visit", 0, NAN, NAN, NAN, NULL);
    add(s, "b", "2024-03-01T11:00:00Z", "web", "visit", 0, NAN, NAN, NAN, NULL);
    add(s, "b", "2024-03-02T11:00:00Z", "web", "visit", 0, NAN, NAN, NAN, NULL);
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    o.model = m;
    o.by = "contact";
    ck_assert_int_eq(iv_query_metrics(&t, s, &o), IV_OK);
    CLOSE(tu_cell(t, 0, "rv"), 100 + 50 + 25); /* 100 * 0.5^(k-1) */
    CLOSE(tu_cell(t, 1, "rv"), 1 + 1 + 0 + 1); /* the third visit of the day is capped */
    iv_table_free(t);
    /* the first purchase lies before the range but still counts as an occurrence */
    o.from = T("2024-01-15");
    ck_assert_int_eq(iv_query_metrics(&t, s, &o), IV_OK);
    CLOSE(tu_cell(t, 0, "rv"), 50 + 25);
    iv_table_free(t);
    iv_store_free(s);
    iv_model_free(m);
}
END_TEST

START_TEST(half_life_halves_rv_per_half_life_before_the_reference_time)
{
    iv_store *s;
    iv_model *m;
    iv_query_options o = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    ck_assert_int_eq(iv_model_new(&m, NULL), IV_OK);
    ck_assert_int_eq(iv_model_set_param(m, "rv_half_life_days", 10), IV_OK);
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    add(s, "a", "2024-01-01", "web", "purchase", 0, NAN, NAN, NAN, NULL);
    add(s, "a", "2024-01-11", "web", "purchase", 0, NAN, NAN, NAN, NULL);
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    o.model = m;
    o.to = T("2024-01-21"); /* t_ref: 20 and 10 days after the purchases */
    ck_assert_int_eq(iv_query_metrics(&t, s, &o), IV_OK);
    CLOSE(tu_cell(t, 0, "rv"), 100 * 0.25 + 100 * 0.5);
    iv_table_free(t);
    iv_store_free(s);
    iv_model_free(m);
}
END_TEST

START_TEST(explicit_rv_overrides_the_model)
{
    iv_store *s;
    iv_record r = IV_RECORD_INIT;
    iv_table *t;
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    r.contact = "a";
    r.ts = 0;
    r.channel = "web";
    r.type = "purchase";
    r.rv = 7.5;
    ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    t = run(s, NULL, NULL);
    CLOSE(tu_cell(t, 0, "rv"), 7.5);
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

START_TEST(an_empty_selection_gives_one_row_with_n_zero_and_undefined_ratios)
{
    iv_store *s = hand_log();
    iv_table *t = run(s, NULL, "channel = fax");
    ck_assert_uint_eq(iv_table_nrows(t), 1);
    CLOSE(tu_cell(t, 0, "n"), 0);
    CLOSE(tu_cell(t, 0, "cost"), 0);
    UNDEF(t, 0, "cpt");
    UNDEF(t, 0, "iv");
    UNDEF(t, 0, "rv_per_interaction");
    iv_table_free(t);
    t = run(s, "channel", "channel = fax");
    ck_assert_uint_eq(iv_table_nrows(t), 0);
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

START_TEST(period_on_period_gives_value_previous_change_and_relative_change)
{
    iv_store *s = hand_log();
    iv_query_options o = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    size_t r;
    o.from = T("2024-02-01");
    o.to = T("2024-03-01");
    ck_assert_int_eq(iv_query_compare(&t, s, &o, T("2024-01-01"), T("2024-02-01")), IV_OK);
    ck_assert_uint_eq(iv_table_nrows(t), 23);
    for (r = 0; r < 23; r++)
        if (strcmp(tu_scell(t, r, "metric"), "cost") == 0)
            break;
    /* February: 0.15 + 1 + 1 + 12.10 = 14.25; January: 0.15 + 5 + 1 + 2.83 = 8.98 */
    CLOSE(tu_cell(t, r, "value"), 14.25);
    CLOSE(tu_cell(t, r, "previous"), 8.98);
    CLOSE(tu_cell(t, r, "change"), 14.25 - 8.98);
    CLOSE(tu_cell(t, r, "relative_change"), (14.25 - 8.98) / 8.98);
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

START_TEST(drill_down_lists_the_rows_behind_a_group)
{
    iv_store *s = hand_log();
    iv_query_options o = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    o.by = "channel";
    ck_assert_int_eq(iv_query_drill(&t, s, &o, 2), IV_OK); /* phone */
    ck_assert_uint_eq(iv_table_nrows(t), 2);
    CLOSE(tu_cell(t, 0, "row"), 1);
    ck_assert_str_eq(tu_scell(t, 0, "id"), "i1");
    CLOSE(tu_cell(t, 0, "cost"), 5);
    CLOSE(tu_cell(t, 0, "rv"), 100);
    CLOSE(tu_cell(t, 1, "row"), 3);
    ck_assert_str_eq(tu_scell(t, 1, "contact"), "b");
    CLOSE(tu_cell(t, 1, "cost"), 2.83);
    iv_table_free(t);
    ck_assert_int_eq(iv_query_drill(&t, s, &o, 5), IV_ERANGE);
    iv_store_free(s);
}
END_TEST

/* Money that does not add up exactly in binary: 0.1, 1/3, 0.01, 1e6 + 0.07, ... */
static void random_rows(int n, unsigned seed, iv_record *rows, char (*names)[16])
{
    static const char *ch[] = {"web", "phone", "email", "chat"};
    static const char *ty[] = {"visit", "purchase", "nps", "complaint", "open"};
    static const double money[] = {0.1, 1.0 / 3.0, 0.01, 1e6 + 0.07, 19.99, 2.83, 1e-9, 12345.678};
    int i;
    for (i = 0; i < n; i++) {
        iv_record r = IV_RECORD_INIT;
        seed = seed * 1103515245u + 12345u;
        snprintf(names[i], 16, "c%u", (seed >> 16) % 97);
        r.contact = names[i];
        r.ts = (int64_t)((seed >> 8) % 1000) * 86400000LL;
        r.channel = ch[(seed >> 3) % 4];
        r.type = ty[(seed >> 5) % 5];
        r.cost = (seed >> 7) % 3 ? money[(seed >> 11) % 8] : NAN;
        r.value = money[(seed >> 13) % 8];
        r.score = strcmp(r.type, "nps") == 0 ? (double)((seed >> 17) % 11) : NAN;
        r.outcome = (int)((seed >> 19) % 4);
        rows[i] = r;
    }
}

START_TEST(output_bytes_do_not_change_when_input_rows_are_shuffled)
{
    enum { N = 3000 };
    static iv_record rows[N];
    static char names[N][16];
    char *out[3];
    int k, i;
    random_rows(N, 7, rows, names);
    for (k = 0; k < 3; k++) {
        iv_store *s;
        iv_query_options o = IV_QUERY_OPTIONS_INIT;
        iv_table *t = NULL;
        unsigned seed = 99u + (unsigned)k;
        if (k > 0) /* Fisher-Yates shuffle */
            for (i = N - 1; i > 0; i--) {
                iv_record tmp;
                int j;
                seed = seed * 1103515245u + 12345u;
                j = (int)((seed >> 8) % (unsigned)(i + 1));
                tmp = rows[i];
                rows[i] = rows[j];
                rows[j] = tmp;
            }
        ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
        for (i = 0; i < N; i++)
            ck_assert_int_eq(iv_store_append(s, &rows[i]), IV_OK);
        ck_assert_int_eq(iv_store_prepare(s), IV_OK);
        o.by = "channel,month";
        ck_assert_int_eq(iv_query_metrics(&t, s, &o), IV_OK);
        ck_assert_int_eq(iv_table_to_string(t, IV_FORMAT_CSV, &out[k], NULL), IV_OK);
        {
            char *copy = strdup(out[k]);
            iv_table_free_string(t, out[k]);
            out[k] = copy;
        }
        iv_table_free(t);
        iv_store_free(s);
    }
    ck_assert_str_eq(out[0], out[1]);
    ck_assert_str_eq(out[0], out[2]);
    for (k = 0; k < 3; k++)
        free(out[k]);
}
END_TEST

START_TEST(threaded_grouping_gives_the_same_bytes_as_one_thread)
{
    enum { N = 230000 }; /* above the 200k-row threshold for splitting the work */
    static char names[N][12];
    static const char *contact[N], *channel[N], *type[N];
    static int64_t ts[N];
    static double cost[N], value[N], score[N];
    static const char *chs[] = {"web", "phone", "email"}, *tys[] = {"visit", "purchase", "nps"};
    iv_columns c = IV_COLUMNS_INIT;
    iv_store *s;
    char *out[3];
    unsigned seed = 5;
    size_t i;
    int k;
    for (i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        snprintf(names[i], sizeof names[i], "c%u", (unsigned)(i / 7)); /* contiguous runs */
        contact[i] = names[i];
        ts[i] = (int64_t)((seed >> 8) % 700) * 86400000LL;
        channel[i] = chs[(seed >> 4) % 3];
        type[i] = tys[(seed >> 6) % 3];
        cost[i] = (seed >> 9) % 2 ? 0.1 * (double)((seed >> 12) % 50) : NAN;
        value[i] = 1.0 / 3.0 * (double)((seed >> 14) % 9);
        score[i] = strcmp(type[i], "nps") == 0 ? (double)((seed >> 18) % 11) : NAN;
    }
    c.n = N;
    c.contact = contact;
    c.ts = ts;
    c.channel = channel;
    c.type = type;
    c.cost = cost;
    c.value = value;
    c.score = score;
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    ck_assert_int_eq(iv_store_append_columns(s, &c), IV_OK);
    for (k = 0; k < 3; k++) {
        iv_query_options o = IV_QUERY_OPTIONS_INIT;
        iv_table *t = NULL;
        char *str;
        o.by = "channel,month";
        o.threads = (unsigned)(k + 1);
        ck_assert_int_eq(iv_query_metrics(&t, s, &o), IV_OK);
        ck_assert_int_eq(iv_table_to_string(t, IV_FORMAT_CSV, &str, NULL), IV_OK);
        out[k] = strdup(str);
        iv_table_free_string(t, str);
        iv_table_free(t);
    }
    ck_assert_str_eq(out[0], out[1]);
    ck_assert_str_eq(out[0], out[2]);
    for (k = 0; k < 3; k++)
        free(out[k]);
    iv_store_free(s);
}
END_TEST

START_TEST(options_of_the_first_layout_are_accepted_with_defaults_for_newer_fields)
{
    iv_store *s = hand_log();
    unsigned char buf[sizeof(iv_query_options)];
    iv_query_options o = IV_QUERY_OPTIONS_INIT, *old = (iv_query_options *)(void *)buf;
    iv_table *t = NULL;
    size_t oldsize = offsetof(iv_query_options, threads);
    memset(buf, 0xAB, sizeof buf); /* garbage past the old layout must not be read */
    memcpy(buf, &o, oldsize);
    old->size = oldsize;
    old->by = "channel";
    ck_assert_int_eq(iv_query_metrics(&t, s, old), IV_OK);
    ck_assert_uint_eq(iv_table_nrows(t), 5);
    iv_table_free(t);
    ck_assert_int_eq(iv_query_compare(&t, s, old, IV_TIME_NONE, IV_TIME_NONE), IV_OK);
    iv_table_free(t);
    old->size = oldsize - 1;
    ck_assert_int_eq(iv_query_metrics(&t, s, old), IV_EINVAL);
    ck_assert_int_eq(iv_query_options_init(&o, oldsize), IV_OK);
    iv_store_free(s);
}
END_TEST

START_TEST(queries_need_a_prepared_store)
{
    iv_store *s;
    iv_record r = IV_RECORD_INIT;
    iv_table *t = NULL;
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    r.contact = "a";
    r.ts = 0;
    r.channel = "web";
    r.type = "visit";
    ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
    ck_assert_int_eq(iv_query_metrics(&t, s, NULL), IV_ESTATE);
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    ck_assert_int_eq(iv_query_metrics(&t, s, NULL), IV_OK);
    iv_table_free(t);
    iv_store_free(s);
}
END_TEST

START_TEST(unknown_group_dimension_is_an_error)
{
    iv_store *s = hand_log();
    iv_query_options o = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    o.by = "channel, colour";
    ck_assert_int_eq(iv_query_metrics(&t, s, &o), IV_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(iv_error_last(), "colour"));
    iv_store_free(s);
}
END_TEST

START_TEST(every_allocation_failure_in_a_query_returns_enomem_and_leaks_nothing)
{
    long k;
    for (k = 1;; k++) {
        tu_alloc a;
        iv_store_options so = IV_STORE_OPTIONS_INIT;
        iv_query_options o = IV_QUERY_OPTIONS_INIT;
        iv_store *s;
        iv_table *t = NULL;
        int rc, i;
        tu_alloc_reset(&a, 0);
        so.alloc = tu_alloc_fn;
        so.alloc_ud = &a;
        ck_assert_int_eq(iv_store_new(&s, &so), IV_OK);
        for (i = 0; i < 40; i++) {
            iv_record r = IV_RECORD_INIT;
            char c[8];
            snprintf(c, sizeof c, "c%d", i % 6);
            r.contact = c;
            r.ts = (int64_t)i * 86400000LL * 9;
            r.channel = i % 2 ? "web" : "phone";
            r.type = i % 3 ? "purchase" : "nps";
            r.score = i % 11;
            ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
        }
        ck_assert_int_eq(iv_store_prepare(s), IV_OK);
        a.fail_at = a.calls + k;
        o.by = "channel,month,profit_tier";
        o.where = "not has churn and channel in (web, phone)";
        rc = iv_query_metrics(&t, s, &o);
        iv_table_free(t);
        if (rc == IV_OK) {
            ck_assert(!a.failed);
            iv_store_free(s);
            ck_assert_int_eq(a.live, 0);
            break;
        }
        ck_assert_int_eq(rc, IV_ENOMEM);
        a.fail_at = 0;
        t = NULL;
        ck_assert_int_eq(iv_query_metrics(&t, s, &o), IV_OK); /* still usable */
        iv_table_free(t);
        iv_store_free(s);
        ck_assert_int_eq(a.live, 0);
    }
}
END_TEST

static void query_tests(TCase *tc)
{
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, every_metric_of_the_whole_log_matches_the_hand_calculation);
    tcase_add_test(tc, metrics_by_channel_match_by_hand_and_undefined_ratios_stay_undefined);
    tcase_add_test(tc, stage_and_area_group_by_the_model_defaults_with_undefined_last);
    tcase_add_test(tc, selections_pick_the_rows_worked_out_by_hand);
    tcase_add_test(tc, a_long_and_or_chain_does_not_overflow_the_stack);
    tcase_add_test(tc, selection_errors_point_at_the_offending_position);
    tcase_add_test(tc, contact_attributes_give_tiers_roles_flags_and_current_stage);
    tcase_add_test(tc, a_refer_interaction_makes_a_leader);
    tcase_add_test(tc, time_buckets_follow_iso_weeks_quarters_and_utc_midnight);
    tcase_add_test(tc, time_range_is_half_open);
    tcase_add_test(tc, custom_dimensions_group_and_select);
    tcase_add_test(tc, rv_repeat_counts_the_whole_history_and_the_daily_cap_limits_a_day);
    tcase_add_test(tc, half_life_halves_rv_per_half_life_before_the_reference_time);
    tcase_add_test(tc, explicit_rv_overrides_the_model);
    tcase_add_test(tc, an_empty_selection_gives_one_row_with_n_zero_and_undefined_ratios);
    tcase_add_test(tc, period_on_period_gives_value_previous_change_and_relative_change);
    tcase_add_test(tc, drill_down_lists_the_rows_behind_a_group);
    tcase_add_test(tc, output_bytes_do_not_change_when_input_rows_are_shuffled);
    tcase_add_test(tc, threaded_grouping_gives_the_same_bytes_as_one_thread);
    tcase_add_test(tc, options_of_the_first_layout_are_accepted_with_defaults_for_newer_fields);
    tcase_add_test(tc, queries_need_a_prepared_store);
    tcase_add_test(tc, unknown_group_dimension_is_an_error);
    tcase_add_test(tc, every_allocation_failure_in_a_query_returns_enomem_and_leaks_nothing);
}

TU_SUITE_MAIN("query", query_tests)
