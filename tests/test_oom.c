/* Allocation-failure injection over a representative workflow of every module (the
 * model: SQLite's OOM tests). For every k the k-th allocation fails: the call returns
 * IV_ENOMEM, nothing leaks (tu_alloc live == 0 once everything is freed), and the
 * handles involved stay usable — running the workflow again without failures gives the
 * same result as a run that never failed. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iv/clv.h"
#include "iv/ingest.h"
#include "iv/lifecycle.h"
#include "iv/maturity.h"
#include "iv/model.h"
#include "iv/pattern.h"
#include "iv/query.h"
#include "iv/stats.h"
#include "iv/summary.h"
#include "reldata.h"
#include "testutil.h"

#define SEED 7
#define ROWS 90
#define CONTACTS 12

/* One workflow: setup builds the handles it works on (allocations there never fail),
 * run does the work under test and describes its result as text (malloc'd, not through
 * the allocator), after (optional) checks a handle after a failure; NULL means: run
 * again and expect the reference result. */
typedef struct oom_case {
    const char *name;
    void *(*setup)(tu_alloc *a);
    int (*run)(void *st, tu_alloc *a, char **text);
    int (*after)(void *st);
    void (*teardown)(void *st);
} oom_case;

static void oom_loop(const oom_case *c)
{
    char *ref = NULL;
    long k, failures = 0;
    {
        tu_alloc a;
        void *st;
        tu_alloc_reset(&a, 0);
        st = c->setup ? c->setup(&a) : NULL;
        ck_assert_msg(c->run(st, &a, &ref) == IV_OK, "%s: %s", c->name, iv_error_last());
        ck_assert_ptr_nonnull(ref);
        if (c->teardown)
            c->teardown(st);
        ck_assert_int_eq(a.live, 0);
    }
    for (k = 1;; k++) {
        tu_alloc a;
        void *st;
        char *text = NULL;
        int rc, done;
        tu_alloc_reset(&a, 0);
        st = c->setup ? c->setup(&a) : NULL;
        a.fail_at = a.calls + k;
        rc = c->run(st, &a, &text);
        done = !a.failed;
        if (a.failed && rc == IV_OK) {
            /* an optional allocation failed and the work went on: same answer */
            ck_assert_str_eq(text, ref);
        } else if (a.failed) {
            ck_assert_msg(rc == IV_ENOMEM, "%s: failing allocation %ld gave %d (%s)", c->name,
                          k, rc, iv_error_last());
            ck_assert_ptr_null(text);
            failures++;
            a.fail_at = 0;
            if (c->after) {
                ck_assert_msg(c->after(st) == IV_OK, "%s: k = %ld: unusable after ENOMEM: %s",
                              c->name, k, iv_error_last());
            } else {
                ck_assert_msg(c->run(st, &a, &text) == IV_OK, "%s: k = %ld: %s", c->name, k,
                              iv_error_last());
                ck_assert_str_eq(text, ref);
            }
        } else {
            ck_assert_int_eq(rc, IV_OK);
            ck_assert_str_eq(text, ref);
        }
        free(text);
        if (c->teardown)
            c->teardown(st);
        ck_assert_msg(a.live == 0, "%s: k = %ld: %ld blocks leaked", c->name, k, a.live);
        if (done)
            break;
    }
    ck_assert_msg(failures >= 3, "%s: only %ld allocations to fail", c->name, failures);
    free(ref);
}

/* A table result as text, the table freed; IV_ENOMEM when the text cannot be made.
 * Takes the table's address: table_text(f(&t), &t, ...) must not read t before f ran. */
static int table_text(int rc, iv_table **tp, char **text)
{
    iv_table *t = *tp;
    *tp = NULL;
    if (rc == IV_OK) {
        *text = rel_table_csv(t);
        if (!*text)
            rc = IV_ENOMEM;
    }
    iv_table_free(t);
    return rc;
}

/* ---------------------------------------------------------------- fixtures ---- */

static void *store_setup(tu_alloc *a)
{
    iv_store *s = NULL;
    ck_assert_int_eq(rel_store_new(&s, tu_alloc_fn, a, SEED, NULL, ROWS, CONTACTS), IV_OK);
    return s;
}

static void store_teardown(void *st)
{
    iv_store_free(st);
}

static void *empty_store_setup(tu_alloc *a)
{
    iv_store_options so = IV_STORE_OPTIONS_INIT;
    iv_store *s = NULL;
    so.alloc = tu_alloc_fn;
    so.alloc_ud = a;
    ck_assert_int_eq(iv_store_new(&s, &so), IV_OK);
    return s;
}

/* ------------------------------------------------------------------ ingest ---- */

static const char ingest_csv[] =
    "contact,ts,channel,type,cost,value,outcome,score,team,region\n"
    "a,2024-03-01,web,visit,0.5,,desired,,east,north\n"
    "b,2024-03-02T10:00:00Z,phone,nps,,,,9,west,south\n"
    "a,2024-03-03,email,purchase,,120.5,desired,,east,north\n"
    "c,2024-03-04,chat,complaint,,,undesired,,,\n"
    "bad,2023-02-29,web,visit,,,,,,\n"
    "\"d, e\",2024-03-05,web,\"multi\nline\",1,,,,,west\n";

static int ingest_run(void *st, tu_alloc *a, char **text)
{
    iv_store *s = st;
    iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
    iv_ingest *ing = NULL;
    iv_ingest_stats stats = {sizeof stats, 0, 0, 0, 0, 0};
    iv_table *t = NULL;
    int rc;
    (void)a;
    o.policy = IV_POLICY_LENIENT;
    if ((rc = iv_ingest_new(&ing, s, &o)) != IV_OK)
        return rc;
    rc = iv_ingest_push(ing, ingest_csv, 100);
    if (rc == IV_OK)
        rc = iv_ingest_push(ing, ingest_csv + 100, sizeof ingest_csv - 1 - 100);
    if (rc == IV_OK)
        rc = iv_ingest_finish(ing);
    if (rc == IV_OK)
        rc = iv_ingest_get_stats(ing, &stats);
    iv_ingest_free(ing);
    if (rc != IV_OK)
        return rc;
    rc = table_text(iv_query_metrics(&t, s, NULL), &t, text);
    if (rc == IV_OK) {
        ck_assert_uint_eq(stats.rows_read, 6); /* the input above: 6 rows, 1 bad */
        ck_assert_uint_eq(stats.rows_rejected, 1);
    }
    return rc;
}

/* After a failed ingestion the store still takes rows and answers queries. */
static int store_usable(void *st)
{
    iv_store *s = st;
    rel_row r;
    iv_table *t = NULL;
    int rc;
    rel_row_make(&r, SEED, 0, CONTACTS);
    if ((rc = iv_store_append(s, &r.rec)) != IV_OK || (rc = iv_store_prepare(s)) != IV_OK)
        return rc;
    rc = iv_query_metrics(&t, s, NULL);
    if (rc == IV_OK && iv_table_get_int(t, 0, (size_t)iv_table_col_index(t, "n")) !=
                           (int64_t)iv_store_rows(s))
        rc = IV_EINVAL;
    iv_table_free(t);
    return rc;
}

/* ------------------------------------------------------------------- query ---- */

static int query_run(void *st, tu_alloc *a, char **text)
{
    iv_query_options o = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    (void)a;
    o.by = "channel,quarter,community_role";
    o.where = "not has churn and (region in (amer, emea) or profit_tier = high)";
    return table_text(iv_query_metrics(&t, st, &o), &t, text);
}

static int contacts_run(void *st, tu_alloc *a, char **text)
{
    iv_query_options o = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    (void)a;
    o.where = "type != visit";
    return table_text(iv_query_contacts(&t, st, &o), &t, text);
}

static int compare_run(void *st, tu_alloc *a, char **text)
{
    iv_query_options o = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    (void)a;
    o.by = "team";
    o.from = 1672531200000LL; /* 2023 against 2022 */
    o.to = 1704067200000LL;
    return table_text(iv_query_compare(&t, st, &o, 1640995200000LL, 1672531200000LL), &t, text);
}

static int drill_run(void *st, tu_alloc *a, char **text)
{
    iv_query_options o = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    (void)a;
    o.by = "channel";
    o.where = "has purchase";
    return table_text(iv_query_drill(&t, st, &o, 1), &t, text);
}

/* ------------------------------------------------------------------- model ---- */

static const char model_text[] =
    "[model]\noutcome_neutral = 0.25\nrv_half_life_days = 30\n"
    "[type.purchase]\nrv = 150\nrv_repeat = 0.5\nrv_daily_cap = 300\n"
    "[type.webinar]\nrv = 45\nstage = acquisition\nclass = do\nflags = refer, support\n"
    "[type.pulse]\nsurvey = csat\nrv_high = 10\nrv_mid = 0\nrv_low = -10\n"
    "[channel.\"call centre\"]\ncost = 4.20\ndigital = false\narea = engagement\n";

/* Parse a model, write it back, score the store with it. */
static int model_run(void *st, tu_alloc *a, char **text)
{
    iv_model_options mo = IV_MODEL_OPTIONS_INIT;
    iv_query_options o = IV_QUERY_OPTIONS_INIT;
    iv_model *m = NULL;
    iv_table *t = NULL;
    char *s = NULL;
    size_t len = 0;
    int rc;
    mo.alloc = tu_alloc_fn;
    mo.alloc_ud = a;
    if ((rc = iv_model_parse(&m, model_text, sizeof model_text - 1, &mo)) != IV_OK)
        return rc;
    if ((rc = iv_model_to_string(m, &s, &len)) == IV_OK) {
        iv_model_free_string(m, s);
        o.model = m;
        o.by = "type";
        rc = table_text(iv_query_metrics(&t, st, &o), &t, text);
    }
    iv_model_free(m);
    return rc;
}

/* --------------------------------------------------------------------- clv ---- */

/* RFM summary of the store, then a BG/NBD model with given parameters predicting for
 * every contact (the fit itself is failed allocation by allocation in test_clv). */
static int clv_run(void *st, tu_alloc *a, char **text)
{
    static const double params[4] = {0.2426, 4.414, 0.7930, 2.426};
    iv_clv_options co = IV_CLV_OPTIONS_INIT;
    iv_rfm_options ro = IV_RFM_OPTIONS_INIT;
    iv_clv *c = NULL;
    iv_table *rfm = NULL, *pt = NULL;
    int rc;
    co.alloc = tu_alloc_fn;
    co.alloc_ud = a;
    ro.unit = IV_RFM_DAY;
    if ((rc = iv_rfm(&rfm, st, &ro)) != IV_OK)
        return rc;
    if ((rc = iv_clv_new(&c, IV_CLV_BGNBD, params, &co)) == IV_OK &&
        (rc = iv_clv_params(c, &pt)) == IV_OK) {
        size_t i, n = iv_table_nrows(rfm);
        long cx = iv_table_col_index(rfm, "x"), ctx = iv_table_col_index(rfm, "t_x"),
             cT = iv_table_col_index(rfm, "T");
        for (i = 0; i < n && rc == IV_OK; i++) {
            double p = 0, T = iv_table_get_double(rfm, i, (size_t)cT);
            if (T <= 0)
                continue; /* first purchase on the calibration end day */
            rc = iv_clv_p_alive(c, iv_table_get_double(rfm, i, (size_t)cx),
                                iv_table_get_double(rfm, i, (size_t)ctx), T, &p);
            ck_assert(p >= 0.0 && p <= 1.0);
        }
    }
    iv_clv_free(c);
    if (rc == IV_OK) {
        char *a1 = rel_table_csv(rfm), *a2 = rel_table_csv(pt);
        if (a1 && a2 && (*text = malloc(strlen(a1) + strlen(a2) + 1)) != NULL)
            strcat(strcpy(*text, a1), a2);
        else
            rc = IV_ENOMEM;
        free(a1);
        free(a2);
    }
    iv_table_free(rfm);
    iv_table_free(pt);
    return rc;
}

/* ------------------------------------------------------------------- stats ---- */

static int stats_run(void *st, tu_alloc *a, char **text)
{
    static const double x[] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5};
    static const double y[] = {2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5, 9};
    iv_stats_options so = IV_STATS_OPTIONS_INIT;
    iv_table *t = NULL;
    (void)st;
    so.alloc = tu_alloc_fn;
    so.alloc_ud = a;
    return table_text(iv_stats_compare(&t, x, 11, y, 13, &so), &t, text);
}

/* ---------------------------------------------------------------- maturity ---- */

static int maturity_run(void *st, tu_alloc *a, char **text)
{
    static const char ind_csv[] = "indicator,value\nchannels.digital_share,0.55\n";
    static const char peers[] = "peer,area,score\np1,technology,4\np2,channels,6\n";
    iv_maturity_options mo = IV_MATURITY_OPTIONS_INIT;
    const char *rt = iv_rubric_default_text();
    iv_rubric *r = NULL;
    iv_indicators *ind = NULL;
    iv_table *t = NULL, *p = NULL;
    int rc;
    mo.alloc = tu_alloc_fn;
    mo.alloc_ud = a;
    if ((rc = iv_rubric_parse(&r, rt, strlen(rt), &mo)) != IV_OK)
        return rc;
    if ((rc = iv_indicators_new(&ind, &mo)) == IV_OK &&
        (rc = iv_indicators_parse_csv(ind, ind_csv, sizeof ind_csv - 1)) == IV_OK &&
        (rc = iv_indicators_from_store(ind, st, NULL, IV_TIME_NONE, IV_TIME_NONE)) == IV_OK &&
        (rc = iv_maturity_assess(&t, r, ind, &mo)) == IV_OK)
        rc = table_text(iv_maturity_peers_parse(&p, t, peers, sizeof peers - 1), &p, text);
    iv_table_free(t);
    iv_indicators_free(ind);
    iv_rubric_free(r);
    return rc;
}

/* ----------------------------------------------------------------- pattern ---- */

static int pattern_run(void *st, tu_alloc *a, char **text)
{
    enum { N = 7, K = 5 };
    double traj[N * K], x[K], z[K];
    iv_pattern_options po = IV_PATTERN_OPTIONS_INIT;
    iv_table *t = NULL, *v = NULL;
    size_t i;
    int rc;
    (void)st;
    for (i = 0; i < N * K; i++)
        traj[i] = (double)((i * 7) % 11) + (double)(i % K);
    for (i = 0; i < K; i++)
        x[i] = 2.0 * (double)i;
    po.alloc = tu_alloc_fn;
    po.alloc_ud = a;
    if ((rc = iv_pattern_norm(&t, traj, N, K, &po)) != IV_OK)
        return rc;
    rc = table_text(iv_pattern_vs_norm(&v, z, x, traj, N, K, &po), &v, text);
    iv_table_free(t);
    return rc;
}

/* --------------------------------------------------------------- lifecycle ---- */

static int lifecycle_run(void *st, tu_alloc *a, char **text)
{
    iv_lifecycle_options lo = IV_LIFECYCLE_OPTIONS_INIT;
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_table *churn = NULL, *cohorts = NULL, *funnel = NULL;
    char *t1 = NULL, *t2 = NULL, *t3 = NULL;
    int rc;
    (void)a;
    q.by = "team";
    lo.t0 = 1656633600000LL; /* 2022-07-01 .. 2023-07-01 */
    lo.t1 = 1688169600000LL;
    if ((rc = iv_lifecycle_churn(&churn, st, &q, &lo)) == IV_OK &&
        (rc = iv_lifecycle_cohorts(&cohorts, st, NULL, NULL)) == IV_OK) {
        lo.steps = "visit|click,purchase,repeat";
        rc = iv_lifecycle_funnel(&funnel, st, &q, &lo);
    }
    if (rc == IV_OK) {
        t1 = rel_table_csv(churn);
        t2 = rel_table_csv(cohorts);
        t3 = rel_table_csv(funnel);
        if (t1 && t2 && t3 && (*text = malloc(strlen(t1) + strlen(t2) + strlen(t3) + 1)))
            strcat(strcat(strcpy(*text, t1), t2), t3);
        else
            rc = IV_ENOMEM;
    }
    free(t1);
    free(t2);
    free(t3);
    iv_table_free(churn);
    iv_table_free(cohorts);
    iv_table_free(funnel);
    return rc;
}

/* ----------------------------------------------------------------- summary ---- */

/* Summarise the store by channel, serialise, read back, merge with itself, tabulate. */
static int summary_run(void *st, tu_alloc *a, char **text)
{
    iv_summary_options so = IV_SUMMARY_OPTIONS_INIT;
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_summary *s = NULL, *back = NULL;
    iv_table *t = NULL;
    void *bytes = NULL;
    size_t len = 0;
    int rc;
    so.alloc = tu_alloc_fn;
    so.alloc_ud = a;
    q.by = "channel";
    if ((rc = iv_summary_make(&s, st, &q, &so)) != IV_OK)
        return rc;
    if ((rc = iv_summary_to_bytes(s, &bytes, &len)) == IV_OK) {
        rc = iv_summary_from_bytes(&back, bytes, len, &so);
        iv_summary_free_bytes(s, bytes, len);
    }
    if (rc == IV_OK && (rc = iv_summary_merge(back, s)) == IV_OK)
        rc = table_text(iv_summary_metrics(&t, back), &t, text);
    iv_summary_free(back);
    iv_summary_free(s);
    return rc;
}

/* ---------------------------------------------------------------- snapshot ---- */

/* Save the store, load it back with the counting allocator, query the copy. */
static int snapshot_run(void *st, tu_alloc *a, char **text)
{
    iv_store_options so = IV_STORE_OPTIONS_INIT;
    iv_store *copy = NULL;
    iv_table *t = NULL;
    char path[512];
    int rc;
    so.alloc = tu_alloc_fn;
    so.alloc_ud = a;
    tu_temp_path(path, sizeof path, ".ivstore");
    if ((rc = iv_store_save(st, path)) == IV_OK &&
        (rc = iv_store_load(&copy, path, &so)) == IV_OK)
        rc = table_text(iv_query_metrics(&t, copy, NULL), &t, text);
    remove(path);
    iv_store_free(copy);
    return rc;
}

/* Every workflow above, by module. */
static const oom_case cases[] = {
    {"ingest", empty_store_setup, ingest_run, store_usable, store_teardown},
    {"query metrics", store_setup, query_run, NULL, store_teardown},
    {"query contacts", store_setup, contacts_run, NULL, store_teardown},
    {"query compare", store_setup, compare_run, NULL, store_teardown},
    {"query drill", store_setup, drill_run, NULL, store_teardown},
    {"model parse, write and scoring", store_setup, model_run, NULL, store_teardown},
    {"clv rfm and predictions", store_setup, clv_run, NULL, store_teardown},
    {"stats compare", NULL, stats_run, NULL, NULL},
    {"maturity assessment", store_setup, maturity_run, NULL, store_teardown},
    {"pattern norm", NULL, pattern_run, NULL, NULL},
    {"lifecycle churn, cohorts and funnel", store_setup, lifecycle_run, NULL, store_teardown},
    {"summary make, bytes, merge", store_setup, summary_run, NULL, store_teardown},
    {"snapshot save and load", store_setup, snapshot_run, NULL, store_teardown},
};
#define NCASES (int)(sizeof cases / sizeof cases[0])

/* _i: the loop index Check gives a loop test. */
START_TEST(each_workflow_returns_enomem_leaks_nothing_and_stays_usable_for_every_failing_allocation)
{
    oom_loop(&cases[_i]);
}
END_TEST

static void oom_tests(TCase *tc)
{
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc,
        each_workflow_returns_enomem_leaks_nothing_and_stays_usable_for_every_failing_allocation,
        0, NCASES);
}

TU_SUITE_MAIN("oom", oom_tests)
