/* Numeric properties over random logs (doc/METRICS.md, doc/SUMMARIES.md): results do not depend on row order
 * or on how the log was partitioned (exact sums: identical to the last bit), merges are
 * associative and commutative, NPS and desired_rate move the way their definitions say,
 * and a defined metric is never NaN or infinite. Every expectation is a relation the
 * spec states, checked against a second computation, never a stored output. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "iv/query.h"
#include "iv/summary.h"
#include "reldata.h"
#include "testutil.h"

#define ROWS 3000
#define CONTACTS 150

static char *metrics_csv(const iv_store *s, const char *by)
{
    iv_query_options o = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    char *text;
    o.by = by;
    ck_assert_msg(iv_query_metrics(&t, s, &o) == IV_OK, "%s", iv_error_last());
    text = rel_table_csv(t);
    ck_assert_ptr_nonnull(text);
    iv_table_free(t);
    return text;
}

/* The ungrouped value of a metric (NaN when undefined). */
static double metric(const iv_store *s, const char *name)
{
    iv_table *t = NULL;
    long c;
    double v;
    ck_assert_int_eq(iv_query_metrics(&t, s, NULL), IV_OK);
    c = iv_table_col_index(t, name);
    ck_assert(c >= 0);
    v = !iv_table_is_defined(t, 0, (size_t)c) ? NAN
        : iv_table_col_type(t, (size_t)c) == IV_COL_INT ? (double)iv_table_get_int(t, 0, (size_t)c)
                                                         : iv_table_get_double(t, 0, (size_t)c);
    iv_table_free(t);
    return v;
}

static size_t *permutation(size_t n, uint64_t seed)
{
    size_t *p = malloc(n * sizeof *p), i;
    uint64_t st = seed;
    ck_assert_ptr_nonnull(p);
    for (i = 0; i < n; i++)
        p[i] = i;
    for (i = n - 1; i > 0; i--) { /* Fisher-Yates */
        size_t j = (size_t)(rel_next(&st) % (i + 1)), tmp = p[i];
        p[i] = p[j];
        p[j] = tmp;
    }
    return p;
}

START_TEST(metrics_do_not_depend_on_the_order_rows_were_added_in)
{
    static const char *const bys[] = {"", "channel,month", "team,profit_tier", "contact"};
    uint64_t seed;
    for (seed = 1; seed <= 3; seed++) {
        size_t *p = permutation(ROWS, seed * 77);
        iv_store *a = NULL, *b = NULL;
        size_t i;
        ck_assert_int_eq(rel_store_new(&a, NULL, NULL, seed, NULL, ROWS, CONTACTS), IV_OK);
        ck_assert_int_eq(rel_store_new(&b, NULL, NULL, seed, p, ROWS, CONTACTS), IV_OK);
        for (i = 0; i < sizeof bys / sizeof bys[0]; i++) {
            char *x = metrics_csv(a, bys[i]), *y = metrics_csv(b, bys[i]);
            ck_assert_msg(strcmp(x, y) == 0, "seed %d by '%s' differs", (int)seed, bys[i]);
            free(x);
            free(y);
        }
        iv_store_free(a);
        iv_store_free(b);
        free(p);
    }
}
END_TEST

/* Rows of the log whose contact falls in partition `part` of `k`. */
static size_t partition_rows(size_t *idx, uint64_t seed, uint32_t part, uint32_t k)
{
    size_t i, n = 0;
    for (i = 0; i < ROWS; i++) {
        rel_row r;
        rel_row_make(&r, seed, i, CONTACTS);
        if (iv_partition_of(r.contact, strlen(r.contact), k) == part)
            idx[n++] = i;
    }
    return n;
}

static iv_summary *part_summary(uint64_t seed, uint32_t part, uint32_t k, const char *by)
{
    size_t *idx = malloc(ROWS * sizeof *idx), n = partition_rows(idx, seed, part, k);
    iv_query_options o = IV_QUERY_OPTIONS_INIT;
    iv_store *s = NULL;
    iv_summary *sum = NULL;
    ck_assert_int_eq(rel_store_new(&s, NULL, NULL, seed, idx, n, CONTACTS), IV_OK);
    o.by = by;
    ck_assert_msg(iv_summary_make(&sum, s, &o, NULL) == IV_OK, "%s", iv_error_last());
    iv_store_free(s);
    free(idx);
    return sum;
}

static char *summary_csv(const iv_summary *s)
{
    iv_table *t = NULL;
    char *text;
    ck_assert_int_eq(iv_summary_metrics(&t, s), IV_OK);
    text = rel_table_csv(t);
    iv_table_free(t);
    return text;
}

static void *summary_bytes(const iv_summary *s, size_t *n)
{
    void *b = NULL, *copy;
    ck_assert_int_eq(iv_summary_to_bytes(s, &b, n), IV_OK);
    copy = malloc(*n);
    memcpy(copy, b, *n);
    iv_summary_free_bytes(s, b, *n);
    return copy;
}

START_TEST(a_log_split_by_contact_and_merged_gives_the_whole_logs_metrics)
{
    static const char *const bys[] = {"", "channel,quarter", "type,region"};
    size_t b;
    for (b = 0; b < sizeof bys / sizeof bys[0]; b++) {
        iv_summary *p[3], *left, *right;
        iv_store *whole = NULL;
        char *expect, *got_left, *got_right;
        void *bl, *br;
        size_t nl, nr;
        uint32_t i;
        for (i = 0; i < 3; i++)
            p[i] = part_summary(5, i, 3, bys[b]);
        /* (p0 + p1) + p2 */
        left = part_summary(5, 0, 3, bys[b]);
        ck_assert_int_eq(iv_summary_merge(left, p[1]), IV_OK);
        ck_assert_int_eq(iv_summary_merge(left, p[2]), IV_OK);
        /* p2 + (p1 + p0): another order and grouping */
        right = part_summary(5, 1, 3, bys[b]);
        ck_assert_int_eq(iv_summary_merge(right, p[0]), IV_OK);
        ck_assert_int_eq(iv_summary_merge(p[2], right), IV_OK);
        ck_assert_int_eq(rel_store_new(&whole, NULL, NULL, 5, NULL, ROWS, CONTACTS), IV_OK);
        expect = metrics_csv(whole, bys[b]);
        got_left = summary_csv(left);
        got_right = summary_csv(p[2]);
        ck_assert_msg(strcmp(expect, got_left) == 0, "by '%s': merged parts differ from the whole",
                      bys[b]);
        ck_assert_str_eq(got_left, got_right);
        bl = summary_bytes(left, &nl);
        br = summary_bytes(p[2], &nr);
        ck_assert_msg(nl == nr && memcmp(bl, br, nl) == 0, "by '%s': merge order shows in the bytes",
                      bys[b]);
        free(bl);
        free(br);
        free(expect);
        free(got_left);
        free(got_right);
        iv_store_free(whole);
        iv_summary_free(left);
        iv_summary_free(right);
        for (i = 0; i < 3; i++)
            iv_summary_free(p[i]);
    }
}
END_TEST

/* Switches of the grouped query (src/query/group.c), so that its paths can be compared. */
extern size_t iv__group_hist_max;
extern int iv__group_force_walk;
extern size_t iv__group_parallel_rows;
extern size_t iv__group_ahead_bytes;

/* The rows of the log in the order perm (NULL: as generated), with rows among them whose
 * money and RV take iv__fix_of's long way (9e6 and more in magnitude), values that round
 * half away from zero at the ninth decimal, and signed zeros. */
static iv_store *store_with_large_terms(uint64_t seed, const size_t *perm)
{
    static const double costs[] = {12345678.9, 9e6, 8999999.999999999, 0.0, 2.5e11, 1e-9};
    static const double values[] = {-98765432.1, -9e6, 0.0000000015, -0.0, -5e-10, 7.25e14};
    iv_store *s = NULL;
    size_t i;
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    for (i = 0; i < ROWS; i++) {
        rel_row r;
        rel_row_make(&r, seed, perm ? perm[i] : i, CONTACTS);
        if (i % 97 == 0) {
            size_t k = (i / 97) % 6;
            r.rec.cost = costs[k];
            r.rec.value = values[(k + i / 582) % 6];
            if (k % 2 == 0)
                r.rec.rv = k == 0 ? 3.5e7 : -1.25e9;
        }
        ck_assert_int_eq(iv_store_append(s, &r.rec), IV_OK);
    }
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    return s;
}

static int64_t row_ts[ROWS];

static int by_row_ts(const void *a, const void *b)
{
    int64_t x = row_ts[*(const size_t *)a], y = row_ts[*(const size_t *)b];
    return x < y ? -1 : x > y;
}

static char *query_csv(const iv_store *s, const iv_query_options *o)
{
    iv_table *t = NULL;
    char *text;
    ck_assert_msg(iv_query_metrics(&t, s, o) == IV_OK, "%s", iv_error_last());
    text = rel_table_csv(t);
    ck_assert_ptr_nonnull(text);
    iv_table_free(t);
    return text;
}

/* The grouped query's fast loop (rows in store order or contact by contact, terms that
 * depend only on a row's type, outcome and channel counted per group and multiplied at
 * the end, or added row by row; the scan's prefetch of the contact bitmaps on or off) against the general walk of a summary (iv__group_row:
 * every term added row by row, through the model's functions), on any thread count, for
 * code, bucket, stage, area, custom and contact-level keys, with a selection and time
 * ranges that cut through the scan's blocks and pass over some whole. */
START_TEST(every_path_of_the_grouped_query_gives_the_general_walks_metrics)
{
    static const struct {
        const char *by, *where;
        int64_t from, to;
    } qs[] = {
        {"", NULL, IV_TIME_NONE, IV_TIME_NONE},
        {"channel,type,stage", NULL, IV_TIME_NONE, IV_TIME_NONE},
        {"month,team", "type in (click, nps, csat) or channel = phone", IV_TIME_NONE, IV_TIME_NONE},
        {"area,region", NULL, 1656633600000LL, 1688169600000LL}, /* 2022-07-01 to 2023-07-01 */
        {"", NULL, 1672531200000LL, IV_TIME_NONE},                 /* from 2023-01-01 */
        {"week,profit_tier", NULL, IV_TIME_NONE, 1648771200000LL}, /* before 2022-04-01 */
    };
    uint64_t seed;
    for (seed = 1; seed <= 2; seed++) {
        size_t *p = permutation(ROWS, seed * 31), *ts_order = malloc(ROWS * sizeof *ts_order), i, q;
        iv_store *st[3];
        int o;
        ck_assert_ptr_nonnull(ts_order);
        /* as generated (random times), shuffled, and in time order (whole blocks in or out
         * of a time range) */
        for (i = 0; i < ROWS; i++) {
            rel_row r;
            rel_row_make(&r, seed, i, CONTACTS);
            row_ts[i] = r.rec.ts;
            ts_order[i] = i;
        }
        qsort(ts_order, ROWS, sizeof *ts_order, by_row_ts);
        st[0] = store_with_large_terms(seed, NULL);
        st[1] = store_with_large_terms(seed, p);
        st[2] = store_with_large_terms(seed, ts_order);
        iv__group_parallel_rows = 0; /* small stores on several threads too */
        for (q = 0; q < sizeof qs / sizeof *qs; q++) {
            iv_query_options qo = IV_QUERY_OPTIONS_INIT;
            qo.by = qs[q].by;
            qo.where = qs[q].where;
            qo.from = qs[q].from;
            qo.to = qs[q].to;
            for (o = 0; o < 3; o++) {
                iv_summary *sum = NULL;
                char *ref;
                int mode;
                qo.threads = 0;
                ck_assert_msg(iv_summary_make(&sum, st[o], &qo, NULL) == IV_OK, "%s", iv_error_last());
                ref = summary_csv(sum);
                iv_summary_free(sum);
                ck_assert_ptr_nonnull(strchr(ref, '\n'));
                /* mode bit 0: the walk over the contact index; bit 1: no class counters;
                 * bit 2: the scan prefetches the bitmaps however small */
                for (mode = 0; mode < 8; mode++) {
                    unsigned t;
                    iv__group_force_walk = mode & 1;
                    iv__group_hist_max = mode & 2 ? 0 : (size_t)16 << 20;
                    iv__group_ahead_bytes = mode & 4 ? 0 : (size_t)1 << 20;
                    for (t = 1; t <= 3; t += 2) {
                        char *x;
                        qo.threads = t;
                        x = query_csv(st[o], &qo);
                        ck_assert_msg(strcmp(x, ref) == 0, "seed %d, by '%s', order %d, mode %d, %u threads:\n%s---\n%s",
                                      (int)seed, qs[q].by, o, mode, t, x, ref);
                        free(x);
                    }
                }
                free(ref);
            }
        }
        iv__group_force_walk = 0;
        iv__group_hist_max = (size_t)16 << 20;
        iv__group_ahead_bytes = (size_t)1 << 20;
        iv__group_parallel_rows = 200000;
        for (i = 0; i < 3; i++)
            iv_store_free(st[i]);
        free(ts_order);
        free(p);
    }
}
END_TEST

/* A store of n rows of one type with random scores in [lo, hi] and random outcomes; row
 * `which` gets the score `override` when override >= 0, the last row the outcome
 * `outcome_of_last` when that is >= 0. Rows 0..k-1 are the same for any n > k. */
static void survey_store(iv_store **out, const char *type, size_t n, int lo, int hi,
                           uint64_t seed, size_t which, double override, int outcome_of_last)
{
    iv_store *s = NULL;
    uint64_t st = seed;
    size_t i;
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    for (i = 0; i < n; i++) {
        iv_record r = IV_RECORD_INIT;
        r.contact = (rel_next(&st) % 2) ? "x" : "y";
        r.ts = 1700000000000LL + (int64_t)i * 1000;
        r.channel = "web";
        r.type = type;
        r.score = (double)(lo + (int)(rel_next(&st) % (uint64_t)(hi - lo + 1)));
        r.outcome = (int)(rel_next(&st) % 4);
        if (i == which && override >= 0)
            r.score = override;
        if (i == n - 1 && outcome_of_last >= 0)
            r.outcome = outcome_of_last;
        ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
    }
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    *out = s;
}

START_TEST(turning_any_answer_into_a_promoter_never_lowers_nps)
{
    uint64_t seed;
    for (seed = 1; seed <= 60; seed++) {
        size_t n = 1 + (size_t)(seed % 23), which = (size_t)(seed * 7) % n;
        iv_store *a = NULL, *b = NULL;
        double before, after;
        survey_store(&a, "nps", n, 0, 10, seed, n, -1, -1);
        survey_store(&b, "nps", n, 0, 10, seed, which, 9 + (double)(seed % 2), -1);
        before = metric(a, "nps");
        after = metric(b, "nps");
        ck_assert_msg(!isnan(before) && !isnan(after), "nps undefined over %zu answers", n);
        ck_assert_msg(after >= before, "seed %d: nps fell from %g to %g", (int)seed, before, after);
        ck_assert(before >= -100 && after <= 100);
        iv_store_free(a);
        iv_store_free(b);
    }
}
END_TEST

START_TEST(adding_a_desired_outcome_never_lowers_desired_rate)
{
    uint64_t seed;
    for (seed = 1; seed <= 60; seed++) {
        size_t n = 2 + (size_t)(seed % 19);
        iv_store *a = NULL, *b = NULL;
        double before, after;
        /* b: the same n - 1 rows plus one desired row */
        survey_store(&a, "visit", n - 1, 0, 0, seed, n, -1, -1);
        survey_store(&b, "visit", n, 0, 0, seed, n, -1, IV_OUTCOME_DESIRED);
        before = metric(a, "desired_rate");
        after = metric(b, "desired_rate");
        ck_assert(!isnan(after) && after >= 0 && after <= 1);
        ck_assert_msg(isnan(before) || after >= before, "seed %d: %g -> %g", (int)seed, before,
                      after);
        iv_store_free(a);
        iv_store_free(b);
    }
}
END_TEST

START_TEST(a_defined_metric_is_finite_and_on_its_scale_and_ratios_are_defined_when_they_can_be)
{
    static const char *const names[] = {"n", "contacts", "cost", "value", "cpt", "iv", "roi",
                                        "desired_rate", "rv", "rv_per_interaction", "cost_per_rv",
                                        "rv_forward", "rv_backward", "nps", "nps_se", "nps_ci_low",
                                        "nps_ci_high", "csat",
                                        "csat_mean", "ces", "ces_easy", "cost_assumed",
                                        "rv_unscored"};
    uint64_t seed;
    for (seed = 11; seed <= 14; seed++) {
        iv_store *s = NULL;
        iv_query_options o = IV_QUERY_OPTIONS_INIT;
        iv_table *t = NULL;
        size_t r, m;
        ck_assert_int_eq(rel_store_new(&s, NULL, NULL, seed, NULL, 800, 60), IV_OK);
        o.by = "contact,quarter"; /* many small groups: many zero denominators */
        ck_assert_int_eq(iv_query_metrics(&t, s, &o), IV_OK);
        for (r = 0; r < iv_table_nrows(t); r++) {
            double n = tu_cell(t, r, "n"), cost = tu_cell(t, r, "cost"), rv = tu_cell(t, r, "rv");
            for (m = 0; m < sizeof names / sizeof names[0]; m++) {
                long c = iv_table_col_index(t, names[m]);
                ck_assert(c >= 0);
                if (iv_table_is_defined(t, r, (size_t)c))
                    ck_assert_msg(isfinite(tu_cell(t, r, names[m])), "row %zu: %s = %g", r,
                                  names[m], tu_cell(t, r, names[m]));
            }
            ck_assert(n >= 1);
            ck_assert(!isnan(tu_cell(t, r, "cpt")) && !isnan(tu_cell(t, r, "rv_per_interaction")));
            ck_assert(isnan(cost) || cost < 0 || cost == 0 ||
                      (!isnan(tu_cell(t, r, "iv")) && !isnan(tu_cell(t, r, "roi"))));
            ck_assert(cost != 0 || (isnan(tu_cell(t, r, "iv")) && isnan(tu_cell(t, r, "roi"))));
            ck_assert(rv > 0 ? !isnan(tu_cell(t, r, "cost_per_rv")) : isnan(tu_cell(t, r, "cost_per_rv")));
            ck_assert(isnan(tu_cell(t, r, "nps")) || fabs(tu_cell(t, r, "nps")) <= 100);
            ck_assert(isnan(tu_cell(t, r, "desired_rate")) ||
                      (tu_cell(t, r, "desired_rate") >= 0 && tu_cell(t, r, "desired_rate") <= 1));
            ck_assert(isnan(tu_cell(t, r, "csat")) ||
                      (tu_cell(t, r, "csat") >= 0 && tu_cell(t, r, "csat") <= 100));
            ck_assert(isnan(tu_cell(t, r, "ces")) || (tu_cell(t, r, "ces") >= 1 && tu_cell(t, r, "ces") <= 7));
            ck_assert(tu_cell(t, r, "rv_forward") + tu_cell(t, r, "rv_backward") <= n);
            ck_assert(tu_cell(t, r, "cost_assumed") <= n);
            ck_assert(tu_cell(t, r, "rv_unscored") >= 0 && tu_cell(t, r, "rv_unscored") <= n);
        }
        iv_table_free(t);
        iv_store_free(s);
    }
}
END_TEST

static void properties_tests(TCase *tc)
{
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, metrics_do_not_depend_on_the_order_rows_were_added_in);
    tcase_add_test(tc, a_log_split_by_contact_and_merged_gives_the_whole_logs_metrics);
    tcase_add_test(tc, every_path_of_the_grouped_query_gives_the_general_walks_metrics);
    tcase_add_test(tc, turning_any_answer_into_a_promoter_never_lowers_nps);
    tcase_add_test(tc, adding_a_desired_outcome_never_lowers_desired_rate);
    tcase_add_test(tc, a_defined_metric_is_finite_and_on_its_scale_and_ratios_are_defined_when_they_can_be);
}

TU_SUITE_MAIN("properties", properties_tests)
