/* Thread safety (doc/ABI.md, "Threads"): read-only queries on one prepared store from
 * several threads at once, and independent stores worked on in parallel, each give the
 * result the single-threaded run gives; error messages stay with their thread; a file
 * ingested by several parser threads gives the store one thread gives.
 * Meant to run under ThreadSanitizer too (.ci/run: build-tsan, -Db_sanitize=thread),
 * which reports any data race the library has on these paths. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iv/clv.h"
#include "iv/ingest.h"
#include "iv/maturity.h"
#include "iv/query.h"
#include "reldata.h"
#include "testutil.h"

#define NTHREADS 4
#define NQUERIES 7
#define SHARED_ROWS 1500
#define OWN_ROWS 400

extern uint64_t iv__ingest_chunk;

/* Query q over a store as CSV text (malloc'd), NULL on failure. */
static char *run_query(const iv_store *s, int q)
{
    iv_query_options o = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    int rc = IV_EINVAL;
    char *text;
    switch (q) {
    case 0:
        o.by = "channel,month";
        rc = iv_query_metrics(&t, s, &o);
        break;
    case 1:
        o.by = "team,profit_tier";
        o.where = "has purchase and not region = apac";
        rc = iv_query_metrics(&t, s, &o);
        break;
    case 2:
        rc = iv_query_contacts(&t, s, &o);
        break;
    case 3:
        o.by = "type";
        o.from = 1672531200000LL;
        o.to = 1704067200000LL;
        rc = iv_query_compare(&t, s, &o, 1640995200000LL, 1672531200000LL);
        break;
    case 4:
        o.by = "channel";
        rc = iv_query_drill(&t, s, &o, 2);
        break;
    case 5: {
        iv_rfm_options ro = IV_RFM_OPTIONS_INIT;
        rc = iv_rfm(&t, s, &ro);
        break;
    }
    case 6: {
        iv_indicators *ind = NULL;
        iv_rubric *r = NULL;
        if ((rc = iv_rubric_new_default(&r, NULL)) == IV_OK &&
            (rc = iv_indicators_new(&ind, NULL)) == IV_OK &&
            (rc = iv_indicators_from_store(ind, s, NULL, IV_TIME_NONE, IV_TIME_NONE)) == IV_OK)
            rc = iv_maturity_assess(&t, r, ind, NULL);
        iv_indicators_free(ind);
        iv_rubric_free(r);
        break;
    }
    default:
        break;
    }
    text = rc == IV_OK ? rel_table_csv(t) : NULL;
    iv_table_free(t);
    return text;
}

typedef struct job {
    int id;
    const iv_store *shared;     /* read-only, used by every thread */
    char *const *shared_ref;    /* NQUERIES texts */
    char *const *own_ref;       /* NQUERIES texts for this thread's own store */
    int mismatches, failures, leaks, wrong_error;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    int rep, q;
    for (rep = 0; rep < 3; rep++) {
        for (q = 0; q < NQUERIES; q++) {
            char *text = run_query(j->shared, (q + j->id) % NQUERIES);
            if (!text)
                j->failures++;
            else if (strcmp(text, j->shared_ref[(q + j->id) % NQUERIES]) != 0)
                j->mismatches++;
            free(text);
        }
    }
    /* An independent store with its own counting allocator, built in this thread. */
    {
        tu_alloc a;
        iv_store *own = NULL;
        tu_alloc_reset(&a, 0);
        if (rel_store_new(&own, tu_alloc_fn, &a, 100 + (uint64_t)j->id, NULL, OWN_ROWS, 30)) {
            j->failures++;
        } else {
            for (q = 0; q < NQUERIES; q++) {
                char *text = run_query(own, q);
                if (!text)
                    j->failures++;
                else if (strcmp(text, j->own_ref[q]) != 0)
                    j->mismatches++;
                free(text);
            }
        }
        iv_store_free(own);
        if (a.live != 0)
            j->leaks++;
    }
    /* The message of a failure belongs to the thread that failed. */
    {
        iv_query_options o = IV_QUERY_OPTIONS_INIT;
        iv_table *t = NULL;
        char name[32];
        snprintf(name, sizeof name, "colour_%d", j->id);
        o.by = name;
        if (iv_query_metrics(&t, j->shared, &o) != IV_ENOTFOUND ||
            !strstr(iv_error_last(), name))
            j->wrong_error++;
    }
    return NULL;
}

START_TEST(concurrent_queries_on_one_store_and_parallel_stores_match_the_serial_results)
{
    iv_store *shared = NULL, *own[NTHREADS];
    char *shared_ref[NQUERIES], *own_ref[NTHREADS][NQUERIES];
    pthread_t th[NTHREADS];
    job jobs[NTHREADS];
    int i, q;
    ck_assert_int_eq(rel_store_new(&shared, NULL, NULL, 42, NULL, SHARED_ROWS, 80), IV_OK);
    for (q = 0; q < NQUERIES; q++) {
        shared_ref[q] = run_query(shared, q);
        ck_assert_msg(shared_ref[q] != NULL, "query %d: %s", q, iv_error_last());
    }
    /* the serial answers for the stores the threads will build */
    for (i = 0; i < NTHREADS; i++) {
        ck_assert_int_eq(rel_store_new(&own[i], NULL, NULL, 100 + (uint64_t)i, NULL, OWN_ROWS, 30),
                         IV_OK);
        for (q = 0; q < NQUERIES; q++) {
            own_ref[i][q] = run_query(own[i], q);
            ck_assert_ptr_nonnull(own_ref[i][q]);
        }
        iv_store_free(own[i]);
    }
    for (i = 0; i < NTHREADS; i++) {
        memset(&jobs[i], 0, sizeof jobs[i]);
        jobs[i].id = i;
        jobs[i].shared = shared;
        jobs[i].shared_ref = shared_ref;
        jobs[i].own_ref = own_ref[i];
        ck_assert_int_eq(pthread_create(&th[i], NULL, worker, &jobs[i]), 0);
    }
    for (i = 0; i < NTHREADS; i++)
        ck_assert_int_eq(pthread_join(th[i], NULL), 0);
    for (i = 0; i < NTHREADS; i++) {
        ck_assert_msg(jobs[i].failures == 0, "thread %d: %d failed calls", i, jobs[i].failures);
        ck_assert_msg(jobs[i].mismatches == 0, "thread %d: %d results differ", i,
                      jobs[i].mismatches);
        ck_assert_msg(jobs[i].leaks == 0, "thread %d leaked", i);
        ck_assert_msg(jobs[i].wrong_error == 0, "thread %d saw another thread's error", i);
    }
    for (q = 0; q < NQUERIES; q++) {
        free(shared_ref[q]);
        for (i = 0; i < NTHREADS; i++)
            free(own_ref[i][q]);
    }
    iv_store_free(shared);
}
END_TEST

/* iv_query_options.threads: the grouping of a large store (the library splits from 200,000
 * rows) split over worker threads gives the single-threaded table, to the last bit. The
 * store uses a counting allocator, which the workers may call: under TSan this also
 * checks that they do so without racing. */
START_TEST(a_query_split_over_worker_threads_equals_the_single_threaded_one)
{
    tu_alloc a;
    iv_store *s = NULL;
    iv_query_options o = IV_QUERY_OPTIONS_INIT;
    iv_table *t1 = NULL, *t4 = NULL;
    char *x1, *x4;
    tu_alloc_reset(&a, 0);
    ck_assert_int_eq(rel_store_new(&s, tu_alloc_fn, &a, 9, NULL, 200000, 5000), IV_OK);
    o.by = "channel,quarter";
    o.threads = 1;
    ck_assert_int_eq(iv_query_metrics(&t1, s, &o), IV_OK);
    o.threads = 4;
    ck_assert_int_eq(iv_query_metrics(&t4, s, &o), IV_OK);
    x1 = rel_table_csv(t1);
    x4 = rel_table_csv(t4);
    ck_assert_ptr_nonnull(x1);
    ck_assert_ptr_nonnull(x4);
    ck_assert_str_eq(x1, x4);
    free(x1);
    free(x4);
    iv_table_free(t1);
    iv_table_free(t4);
    iv_store_free(s);
    ck_assert_int_eq(a.live, 0);
}
END_TEST

START_TEST(parallel_ingestion_gives_the_serial_store)
{
    /* several parser threads and the appending thread share the handle's settings, the
     * store and (here) a user allocator behind a lock; the saved stores must be equal */
    char path[512], snap1[512], snap4[512];
    FILE *f;
    size_t i, n1, n4;
    char *a1, *a4;
    tu_alloc a;
    int t;
    tu_temp_path(path, sizeof path, ".csv");
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs("contact,ts,channel,type,cost,note\n", f);
    for (i = 0; i < 6000; i++)
        fprintf(f, "c%zu,2025-%02zu-%02zuT10:00:00Z,%s,visit,%zu.5,%s\n", i * 7919 % 613, i % 12 + 1, i % 28 + 1,
                i % 3 ? "web" : "email", i % 40, i % 5 ? "plain" : "\"two\nlines, \"\"quoted\"\"\"");
    ck_assert_int_eq(fclose(f), 0);
    tu_temp_path(snap1, sizeof snap1, ".ivs");
    tu_temp_path(snap4, sizeof snap4, ".ivs");
    iv__ingest_chunk = 3000;
    for (t = 1; t <= 4; t += 3) {
        iv_store *s = NULL;
        iv_ingest *ing = NULL;
        iv_store_options so = IV_STORE_OPTIONS_INIT;
        iv_ingest_options io = IV_INGEST_OPTIONS_INIT;
        tu_alloc_reset(&a, 0);
        so.alloc = tu_alloc_fn;
        so.alloc_ud = &a;
        io.threads = t;
        ck_assert_int_eq(iv_store_new(&s, &so), IV_OK);
        ck_assert_int_eq(iv_ingest_new(&ing, s, &io), IV_OK);
        ck_assert_int_eq(iv_ingest_file(ing, path), IV_OK);
        iv_ingest_free(ing);
        ck_assert_uint_eq(iv_store_rows(s), 6000);
        ck_assert_int_eq(iv_store_save(s, t == 1 ? snap1 : snap4), IV_OK);
        iv_store_free(s);
        ck_assert_int_eq(a.live, 0);
    }
    iv__ingest_chunk = (uint64_t)1 << 20;
    a1 = tu_read_file(snap1, &n1);
    a4 = tu_read_file(snap4, &n4);
    ck_assert_ptr_nonnull(a1);
    ck_assert_ptr_nonnull(a4);
    ck_assert_uint_eq(n1, n4);
    ck_assert_int_eq(memcmp(a1, a4, n1), 0);
    free(a1);
    free(a4);
    remove(path);
    remove(snap1);
    remove(snap4);
}
END_TEST

/* A store straight from a snapshot (as from ingestion) is prepared without its contact
 * index: the first reader that needs it builds it, under the store's lock. Threads that
 * start together, some needing the index (contacts, RFM, a contact's rows), some not (a
 * grouped metrics scan), all get the answers of a store whose index was built before
 * (under TSan: without a data race). */
typedef struct lazy_job {
    const iv_store *s;
    char *const *ref;
    pthread_barrier_t *start;
    int id, mismatches, failures;
    size_t bob_rows;
} lazy_job;

static void *lazy_worker(void *arg)
{
    lazy_job *j = arg;
    static const int order[4][3] = {{2, 0, 5}, {5, 2, 0}, {0, 5, 2}, {4, 1, 2}};
    int k;
    pthread_barrier_wait(j->start);
    if (j->id == 3) {
        const uint32_t *rows = NULL;
        if (iv_store_contact_rows(j->s, "k001", &rows, &j->bob_rows) != IV_OK)
            j->failures++;
    }
    for (k = 0; k < 3; k++) {
        int q = order[j->id][k];
        char *text = run_query(j->s, q);
        if (!text)
            j->failures++;
        else if (strcmp(text, j->ref[q]) != 0)
            j->mismatches++;
        free(text);
    }
    return NULL;
}

START_TEST(concurrent_first_readers_build_the_contact_index_once)
{
    iv_store *built = NULL;
    char *ref[NQUERIES], snap[512];
    const uint32_t *rows = NULL;
    size_t nbob = 0;
    int q, round, i;
    ck_assert_int_eq(rel_store_new(&built, NULL, NULL, 42, NULL, SHARED_ROWS, 80), IV_OK);
    for (q = 0; q < NQUERIES; q++) {
        ref[q] = run_query(built, q);
        ck_assert_msg(ref[q] != NULL, "query %d: %s", q, iv_error_last());
    }
    ck_assert_int_eq(iv_store_contact_rows(built, "k001", &rows, &nbob), IV_OK);
    ck_assert_uint_gt(nbob, 0);
    tu_temp_path(snap, sizeof snap, ".ivs");
    ck_assert_int_eq(iv_store_save(built, snap), IV_OK);
    for (round = 0; round < 8; round++) {
        iv_store *s = NULL;
        pthread_t th[NTHREADS];
        pthread_barrier_t start;
        lazy_job jobs[NTHREADS];
        ck_assert_int_eq(iv_store_load(&s, snap, NULL), IV_OK);
        ck_assert_int_eq(pthread_barrier_init(&start, NULL, NTHREADS), 0);
        for (i = 0; i < NTHREADS; i++) {
            memset(&jobs[i], 0, sizeof jobs[i]);
            jobs[i].s = s;
            jobs[i].ref = ref;
            jobs[i].start = &start;
            jobs[i].id = i;
            ck_assert_int_eq(pthread_create(&th[i], NULL, lazy_worker, &jobs[i]), 0);
        }
        for (i = 0; i < NTHREADS; i++)
            ck_assert_int_eq(pthread_join(th[i], NULL), 0);
        pthread_barrier_destroy(&start);
        for (i = 0; i < NTHREADS; i++) {
            ck_assert_msg(jobs[i].failures == 0, "round %d thread %d: %d failed calls", round, i,
                          jobs[i].failures);
            ck_assert_msg(jobs[i].mismatches == 0, "round %d thread %d: %d results differ", round, i,
                          jobs[i].mismatches);
        }
        ck_assert_uint_eq(jobs[3].bob_rows, nbob);
        iv_store_free(s);
    }
    for (q = 0; q < NQUERIES; q++)
        free(ref[q]);
    iv_store_free(built);
    remove(snap);
}
END_TEST

/* iv report's sections run on several threads over one store (src/cli/cmd_report.c): the
 * library calls of each section, started together on a store freshly loaded (its
 * contact index not built yet), give the serial answers; a funnel step that no row has
 * warns on the thread that asked only (iv report carries each section's warnings back to
 * the page order). Under TSan: no data race. */
#define NSECTIONS 8

static char *run_section(const iv_store *s, int k)
{
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_lifecycle_options lo;
    iv_pattern_store_options po = IV_PATTERN_STORE_OPTIONS_INIT;
    iv_table *t = NULL;
    char *text;
    int rc;
    iv_lifecycle_options_init(&lo, sizeof lo);
    switch (k) {
    case 0:
        rc = iv_lifecycle_churn(&t, s, &q, &lo);
        break;
    case 1:
        rc = iv_lifecycle_retention(&t, s, &q, &lo);
        break;
    case 2:
        rc = iv_lifecycle_lifecycle(&t, s, &q, &lo);
        break;
    case 3:
        rc = iv_lifecycle_cohorts(&t, s, &q, &lo);
        break;
    case 4:
        lo.steps = "visit|click,teleport,purchase";
        rc = iv_lifecycle_funnel(&t, s, &q, &lo);
        break;
    case 5:
        po.buckets = 12;
        rc = iv_pattern_trajectories(&t, s, &q, &po);
        break;
    case 6: { /* the CLV section's per-contact summaries (the fits are arithmetic) */
        iv_rfm_options ro = IV_RFM_OPTIONS_INIT;
        ro.unit = IV_RFM_WEEK;
        rc = iv_rfm(&t, s, &ro);
        break;
    }
    default:
        q.by = "channel";
        rc = iv_query_metrics(&t, s, &q);
        break;
    }
    text = rc == IV_OK ? rel_table_csv(t) : NULL;
    iv_table_free(t);
    return text;
}

typedef struct sec_job {
    const iv_store *s;
    char *const *ref;
    pthread_barrier_t *start;
    int id, mismatches, failures, warned_funnel, warned_other;
} sec_job;

static void *sec_worker(void *arg)
{
    sec_job *j = arg;
    int k;
    iv_warning_clear();
    pthread_barrier_wait(j->start);
    for (k = 0; k < NSECTIONS; k++) {
        int sec = (k + 3 * j->id) % NSECTIONS;
        char *text = run_section(j->s, sec);
        size_t w, nw = iv_warning_count();
        if (!text)
            j->failures++;
        else if (strcmp(text, j->ref[sec]) != 0)
            j->mismatches++;
        free(text);
        for (w = 0; w < nw; w++) {
            if (sec == 4 && strstr(iv_warning_get(w), "teleport"))
                j->warned_funnel++;
            else
                j->warned_other++;
        }
        iv_warning_clear();
    }
    return NULL;
}

START_TEST(report_sections_on_threads_match_the_serial_results)
{
    iv_store *built = NULL;
    char *ref[NSECTIONS], snap[512];
    int k, round, i;
    ck_assert_int_eq(rel_store_new(&built, NULL, NULL, 7, NULL, SHARED_ROWS, 60), IV_OK);
    for (k = 0; k < NSECTIONS; k++) {
        ref[k] = run_section(built, k);
        ck_assert_msg(ref[k] != NULL, "section %d: %s", k, iv_error_last());
    }
    iv_warning_clear();
    tu_temp_path(snap, sizeof snap, ".ivs");
    ck_assert_int_eq(iv_store_save(built, snap), IV_OK);
    for (round = 0; round < 4; round++) {
        iv_store *s = NULL;
        pthread_t th[NTHREADS];
        pthread_barrier_t start;
        sec_job jobs[NTHREADS];
        ck_assert_int_eq(iv_store_load(&s, snap, NULL), IV_OK);
        ck_assert_int_eq(pthread_barrier_init(&start, NULL, NTHREADS), 0);
        for (i = 0; i < NTHREADS; i++) {
            memset(&jobs[i], 0, sizeof jobs[i]);
            jobs[i].s = s;
            jobs[i].ref = ref;
            jobs[i].start = &start;
            jobs[i].id = i;
            ck_assert_int_eq(pthread_create(&th[i], NULL, sec_worker, &jobs[i]), 0);
        }
        for (i = 0; i < NTHREADS; i++)
            ck_assert_int_eq(pthread_join(th[i], NULL), 0);
        pthread_barrier_destroy(&start);
        for (i = 0; i < NTHREADS; i++) {
            ck_assert_msg(jobs[i].failures == 0, "round %d thread %d: %d failed calls", round, i,
                          jobs[i].failures);
            ck_assert_msg(jobs[i].mismatches == 0, "round %d thread %d: %d results differ",
                          round, i, jobs[i].mismatches);
            /* each thread ran the funnel once: its warning, on its own thread */
            ck_assert_int_eq(jobs[i].warned_funnel, 1);
            ck_assert_int_eq(jobs[i].warned_other, 0);
        }
        iv_store_free(s);
    }
    for (k = 0; k < NSECTIONS; k++)
        free(ref[k]);
    iv_store_free(built);
    remove(snap);
}
END_TEST

static void threads_tests(TCase *tc)
{
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, concurrent_queries_on_one_store_and_parallel_stores_match_the_serial_results);
    tcase_add_test(tc, a_query_split_over_worker_threads_equals_the_single_threaded_one);
    tcase_add_test(tc, parallel_ingestion_gives_the_serial_store);
    tcase_add_test(tc, concurrent_first_readers_build_the_contact_index_once);
    tcase_add_test(tc, report_sections_on_threads_match_the_serial_results);
}

TU_SUITE_MAIN("threads", threads_tests)
