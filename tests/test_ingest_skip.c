/* Ingestion that reads and checks columns but does not store them (iv_ingest_options.skip,
 * include/iv/ingest.h; doc/PERFORMANCE.md, "Reading only the columns a command needs").
 *
 * The reference of each check is built without the option: the rows accepted and
 * rejected and the reasons are those of an ingestion that stores every column, and the
 * store equals that of the same rows written without the skipped columns. Which rows are
 * bad is known by construction (the generator damages them), so the counts are also
 * checked against numbers that do not come from the library. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iv/ingest.h"
#include "iv/maturity.h"
#include "iv/summary.h"
#include "iv/query.h"
#include "iv/source.h"
#include "iv/table.h"
#include "testutil.h"

extern uint64_t iv__ingest_chunk;
extern int iv__ingest_direct;

enum { NROWS = 3000, MAXS = 40 };

/* How a generated row is damaged; BAD_* rows are rejected whatever is skipped. */
enum {
    OK_PLAIN, OK_EMPTY, OK_QUOTED, BAD_LONG_ID, BAD_LONG_VARIANT, BAD_LONG_SEGMENT, BAD_LONG_REGION,
    BAD_TS, BAD_COST, BAD_FIELDS, NKINDS
};

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void put(buf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        ck_assert_ptr_nonnull(b->p);
    }
    memcpy(b->p + b->n, s, n + 1);
    b->n += n;
}

static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* The row kind of row i (fixed by a seed, so both renderings agree). */
static int kind_of(uint64_t *s)
{
    uint64_t r = rnd(s) % 40;
    return r < 30 ? (int)(r % 3) : (int)(3 + (r - 30) % (NKINDS - 3));
}

static const char *const long50 = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

/* The log: every row in CSV (full: with id, variant and segment; else without them and
 * without the bad rows, and without region unless with_region) or JSON Lines (full only).
 * *good receives the rows a reader must accept, *bad those it must reject. */
static void render(buf *out, int full, int json, int with_region, size_t *good, size_t *bad,
                   size_t *with_id)
{
    uint64_t seed = 42;
    size_t i;
    char line[1024];
    *good = *bad = *with_id = 0;
    if (!json)
        put(out, full ? "contact,ts,channel,type,id,team,region,variant,cost,segment\n"
                 : with_region ? "contact,ts,channel,type,team,region,cost\n" : "contact,ts,channel,type,team,cost\n");
    for (i = 0; i < NROWS; i++) {
        int k = kind_of(&seed);
        unsigned c = (unsigned)(rnd(&seed) % 97), ch = (unsigned)(rnd(&seed) % 4);
        unsigned day = 1 + (unsigned)(rnd(&seed) % 28), cost = (unsigned)(rnd(&seed) % 1000);
        const char *chan[] = {"web", "email", "app", "phone"};
        char id[64], region[64], variant[64], segment[64], ts[40], costs[40];
        if (k == BAD_LONG_ID)
            snprintf(id, sizeof id, "%s", long50);
        else if (k == OK_QUOTED) /* a comma inside: quoted in CSV */
            snprintf(id, sizeof id, "I,%zu", i);
        else if (k == OK_EMPTY)
            id[0] = '\0';
        else
            snprintf(id, sizeof id, "I%zu", i);
        snprintf(region, sizeof region, "%s", k == BAD_LONG_REGION ? long50 : k == OK_EMPTY ? "" : ch & 1 ? "emea" : "amer");
        snprintf(variant, sizeof variant, "%s", k == BAD_LONG_VARIANT ? long50 : k == OK_EMPTY ? "" : "A");
        snprintf(segment, sizeof segment, "%s", k == BAD_LONG_SEGMENT ? long50 : k == OK_EMPTY ? "" : "smb");
        snprintf(ts, sizeof ts, k == BAD_TS ? "2024-13-%02uT10:00:00Z" : "2024-03-%02uT10:00:00Z", day);
        snprintf(costs, sizeof costs, k == BAD_COST ? "abc" : "%u.%02u", cost / 100, cost % 100);
        if (k >= BAD_LONG_ID)
            ++*bad;
        else
            ++*good;
        *with_id += k < BAD_LONG_ID && k != OK_EMPTY;
        if (!full && k >= BAD_LONG_ID)
            continue;
        if (json) {
            if (k == BAD_FIELDS) /* in JSON: the same dimension twice */
                snprintf(line, sizeof line, "{\"contact\":\"C%u\",\"ts\":\"%s\",\"channel\":\"%s\","
                         "\"type\":\"visit\",\"variant\":\"A\",\"variant\":\"B\"}\n", c, ts, chan[ch]);
            else
                snprintf(line, sizeof line, "{\"contact\":\"C%u\",\"ts\":\"%s\",\"channel\":\"%s\","
                         "\"type\":\"visit\",\"id\":\"%s\",\"team\":\"t%u\",\"region\":\"%s\","
                         "\"variant\":\"%s\",\"cost\":\"%s\",\"segment\":\"%s\"}\n",
                         c, ts, chan[ch], id, ch, region, k == OK_QUOTED ? "B \\\"x\\\"" : variant,
                         costs, segment);
        } else if (full) {
            /* OK_QUOTED: the id "I,n" and the variant B "x" quoted (RFC 4180) */
            snprintf(line, sizeof line, "C%u,%s,%s,visit,%s%s%s,t%u,%s,%s,%s,%s%s\n", c, ts, chan[ch],
                     k == OK_QUOTED ? "\"" : "", id, k == OK_QUOTED ? "\"" : "", ch, region,
                     k == OK_QUOTED ? "\"B \"\"x\"\"\"" : variant, costs, segment,
                     k == BAD_FIELDS ? ",extra" : "");
        } else if (with_region) {
            snprintf(line, sizeof line, "C%u,%s,%s,visit,t%u,%s,%s\n", c, ts, chan[ch], ch, region, costs);
        } else {
            snprintf(line, sizeof line, "C%u,%s,%s,visit,t%u,%s\n", c, ts, chan[ch], ch, costs);
        }
        put(out, line);
    }
}

/* What an ingestion did: counters, rejects (line and reason) and the store as text. */
typedef struct outcome {
    iv_ingest_stats st;
    char *rejects, *dump;
    double id_coverage; /* the maturity indicator technology.id_coverage over all rows */
    int rc;
} outcome;

static void free_outcome(outcome *o)
{
    free(o->rejects);
    free(o->dump);
}

/* technology.id_coverage of the whole store: the share of rows with an id, stored or
 * read and not stored (IV_SKIP_ID); NAN when the store is empty. */
static double id_coverage(const iv_store *s)
{
    iv_indicators *ind = NULL;
    double v = NAN;
    ck_assert_int_eq(iv_indicators_new(&ind, NULL), IV_OK);
    ck_assert_int_eq(iv_indicators_from_store(ind, s, NULL, IV_TIME_NONE, IV_TIME_NONE), IV_OK);
    if (iv_indicators_get(ind, "technology.id_coverage", &v) != IV_OK)
        v = NAN;
    iv_indicators_free(ind);
    return v;
}

static void ingest_with(outcome *o, const iv_ingest_options *opts, const char *path, const buf *text)
{
    iv_store *s = tu_new_store(NULL, NULL);
    iv_ingest *ing = NULL;
    buf rej = {0};
    size_t i;
    memset(o, 0, sizeof *o);
    o->st.size = sizeof o->st;
    o->rc = iv_ingest_new(&ing, s, opts);
    ck_assert_int_eq(o->rc, IV_OK);
    if (path) {
        o->rc = iv_ingest_file(ing, path);
    } else {
        /* pushed in pieces of 777 bytes: records and strings cut anywhere */
        for (i = 0; i < text->n && o->rc == IV_OK; i += 777)
            o->rc = iv_ingest_push(ing, text->p + i, text->n - i < 777 ? text->n - i : 777);
        if (o->rc == IV_OK)
            o->rc = iv_ingest_finish(ing);
    }
    ck_assert_int_eq(iv_ingest_get_stats(ing, &o->st), IV_OK);
    put(&rej, "");
    for (i = 0; i < iv_ingest_reject_count(ing); i++) {
        uint64_t line, off;
        const char *reason, *raw;
        char l[1200];
        ck_assert_int_eq(iv_ingest_reject(ing, i, &line, &off, &reason, &raw), IV_OK);
        snprintf(l, sizeof l, "%llu %llu %s\n", (unsigned long long)line, (unsigned long long)off, reason);
        put(&rej, l);
    }
    o->rejects = rej.p;
    o->dump = tu_dump_store(s);
    o->id_coverage = id_coverage(s);
    iv_ingest_free(ing);
    iv_store_free(s);
}

static void opts_init(iv_ingest_options *o, int json, unsigned skip, const char *keep)
{
    iv_ingest_options_init(o, sizeof *o);
    o->format = json ? IV_INPUT_JSONL : IV_INPUT_CSV;
    o->policy = IV_POLICY_LENIENT;
    o->max_string = MAXS;
    o->skip = skip;
    o->keep_dims = keep;
}

static void write_file(const char *path, const buf *b)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(b->p, 1, b->n, f), b->n);
    ck_assert_int_eq(fclose(f), 0);
}

/* Skipping id, variant and segment (region kept, named in another case; or skipped
 * too): the same counts and rejects as storing everything, the same store as the log
 * without them. With every dimension skipped, the columns left all feed fixed fields,
 * so a file takes the parsers' direct path too. */
static void check_format(int json, int keep_region)
{
    buf full = {0}, part = {0};
    size_t good, bad, good2, bad2, with_id, with_id2;
    iv_ingest_options all, skip, plain;
    outcome A, B, C;
    char path[512];

    render(&full, 1, json, 1, &good, &bad, &with_id);
    render(&part, 0, 0, keep_region, &good2, &bad2, &with_id2);
    ck_assert_uint_eq(good, good2);
    ck_assert_uint_gt(bad, 200);
    opts_init(&all, json, 0, NULL);
    opts_init(&skip, json, IV_SKIP_ID | IV_SKIP_DIMS, keep_region ? " REGION ,unused" : NULL);
    opts_init(&plain, 0, 0, NULL);
    ingest_with(&A, &all, NULL, &full);
    ingest_with(&C, &plain, NULL, &part);
    /* by construction: the good rows are accepted, the damaged ones rejected */
    ck_assert_int_eq(A.rc, IV_OK);
    ck_assert_uint_eq(A.st.rows_accepted, good);
    ck_assert_uint_eq(A.st.rows_rejected, bad);
    ck_assert_uint_eq(C.st.rows_accepted, good);
    ck_assert_uint_eq(C.st.rows_rejected, 0);
    ck_assert_ptr_nonnull(strstr(A.dump, "dim 1 variant") ? A.dump : NULL);
    /* the ids' coverage, by construction (the OK_EMPTY rows have none) */
    ck_assert_uint_gt(with_id, 0);
    ck_assert_uint_lt(with_id, good);
    ck_assert_double_eq_tol(A.id_coverage, (double)with_id / (double)good, 1e-15);

    ingest_with(&B, &skip, NULL, &full);
    ck_assert_int_eq(B.rc, IV_OK);
    ck_assert_uint_eq(B.st.rows_read, A.st.rows_read);
    ck_assert_uint_eq(B.st.rows_accepted, A.st.rows_accepted);
    ck_assert_uint_eq(B.st.rows_rejected, A.st.rows_rejected);
    ck_assert_str_eq(B.rejects, A.rejects);
    ck_assert_str_eq(B.dump, C.dump);
    /* the ids are not stored, but which rows had one is */
    ck_assert_double_eq(B.id_coverage, A.id_coverage);
    ck_assert_ptr_null(strstr(B.dump, "variant"));
    ck_assert_ptr_null(strstr(B.dump, "|I"));
    ck_assert(keep_region == (strstr(B.dump, "dim 0 region\n") != NULL));
    free_outcome(&B);

    if (!json) { /* a file on 1, 2 and 4 threads, ranges of 4 KiB, with and without the direct path */
        int threads[] = {1, 2, 4}, direct;
        size_t t;
        tu_temp_path(path, sizeof path, ".csv");
        write_file(path, &full);
        iv__ingest_chunk = 4096;
        for (direct = 0; direct <= 1; direct++)
            for (t = 0; t < 3; t++) {
                iv__ingest_direct = direct;
                skip.threads = threads[t];
                ingest_with(&B, &skip, path, NULL);
                ck_assert_int_eq(B.rc, IV_OK);
                ck_assert_uint_eq(B.st.rows_rejected, A.st.rows_rejected);
                ck_assert_str_eq(B.rejects, A.rejects);
                ck_assert_str_eq(B.dump, C.dump);
                ck_assert_double_eq(B.id_coverage, A.id_coverage);
                free_outcome(&B);
            }
        iv__ingest_direct = 1;
        iv__ingest_chunk = 8u << 20;
        skip.threads = 0;
        remove(path);
    }
    free_outcome(&A);
    free_outcome(&C);
    free(full.p);
    free(part.p);
}

START_TEST(csv_skipped_columns_are_checked_not_stored)
{
    check_format(0, 1);
    check_format(0, 0);
}
END_TEST

START_TEST(jsonl_skipped_keys_are_checked_not_stored)
{
    check_format(1, 1);
    check_format(1, 0);
}
END_TEST

/* IV_SKIP_ID alone keeps every dimension; IV_SKIP_DIMS alone keeps the id; a store that
 * already has a dimension gets empty values for it from a read that skips it. */
START_TEST(each_flag_alone_and_an_existing_dimension)
{
    const char *log = "contact,ts,channel,type,id,region\n"
                      "a,2024-01-01T00:00:00Z,web,visit,I1,emea\n"
                      "b,2024-01-02T00:00:00Z,web,visit,I2,amer\n";
    iv_ingest_options o;
    iv_store *s = tu_new_store(NULL, NULL);
    iv_record r = IV_RECORD_INIT;

    opts_init(&o, 0, IV_SKIP_ID, NULL);
    ck_assert_int_eq(tu_ingest_text(s, &o, log, strlen(log), 0, NULL), IV_OK);
    ck_assert_uint_eq(iv_store_dim_count(s), 1);
    ck_assert_int_eq(iv_store_get_row(s, 0, &r), IV_OK);
    ck_assert_ptr_null(r.id);
    ck_assert_str_eq(iv_store_get_dim(s, 1, 0), "amer");
    iv_store_free(s);

    s = tu_new_store(NULL, NULL);
    opts_init(&o, 0, IV_SKIP_DIMS, NULL);
    ck_assert_int_eq(tu_ingest_text(s, &o, log, strlen(log), 0, NULL), IV_OK);
    ck_assert_uint_eq(iv_store_dim_count(s), 0);
    ck_assert_int_eq(iv_store_get_row(s, 1, &r), IV_OK);
    ck_assert_str_eq(r.id, "I2");
    /* the same log again without skipping, then a third time skipping: the dimension
     * the store has now is empty in the rows of the read that skipped it */
    opts_init(&o, 0, 0, NULL);
    ck_assert_int_eq(tu_ingest_text(s, &o, log, strlen(log), 0, NULL), IV_OK);
    opts_init(&o, 0, IV_SKIP_DIMS, NULL);
    ck_assert_int_eq(tu_ingest_text(s, &o, log, strlen(log), 0, NULL), IV_OK);
    ck_assert_uint_eq(iv_store_rows(s), 6);
    ck_assert_uint_eq(iv_store_dim_count(s), 1);
    ck_assert_str_eq(iv_store_get_dim(s, 2, 0), "emea");
    ck_assert_ptr_null(iv_store_get_dim(s, 4, 0));
    ck_assert_ptr_null(iv_store_get_dim(s, 5, 0));
    iv_store_free(s);
}
END_TEST

/* A query by a skipped dimension fails as for a log without it; by a kept one it works. */
START_TEST(queries_see_only_the_kept_dimensions)
{
    const char *log = "contact,ts,channel,type,region,variant\n"
                      "a,2024-01-01T00:00:00Z,web,visit,emea,A\n"
                      "b,2024-01-02T00:00:00Z,web,visit,amer,B\n"
                      "c,2024-01-03T00:00:00Z,web,visit,emea,B\n";
    iv_ingest_options o;
    iv_query_options q;
    iv_store *s = tu_new_store(NULL, NULL);
    iv_table *t = NULL;
    opts_init(&o, 0, IV_SKIP_DIMS, "variant");
    ck_assert_int_eq(tu_ingest_text(s, &o, log, strlen(log), 0, NULL), IV_OK);
    iv_query_options_init(&q, sizeof q);
    q.by = "variant";
    ck_assert_int_eq(iv_query_metrics(&t, s, &q), IV_OK);
    ck_assert_uint_eq(iv_table_nrows(t), 2);
    ck_assert_str_eq(tu_scell(t, 0, "variant"), "A");
    ck_assert_double_eq(tu_cell(t, 1, "n"), 2);
    iv_table_free(t);
    t = NULL;
    q.by = "region";
    ck_assert_int_eq(iv_query_metrics(&t, s, &q), IV_ENOTFOUND);
    ck_assert_ptr_null(t);
    iv_store_free(s);
}
END_TEST

/* Bad options: unknown flags, and the id skipped while dedup=id needs it. A caller built
 * before the fields existed (the struct of 1.1 or 1.2 without skip) stores everything. */
START_TEST(bad_options_and_old_struct_sizes)
{
    const char *log = "contact,ts,channel,type,id,region\na,2024-01-01T00:00:00Z,web,visit,I1,emea\n";
    iv_ingest_options o;
    iv_store *s = tu_new_store(NULL, NULL);
    iv_ingest *ing = NULL;
    iv_source *src = NULL;
    iv_record r = IV_RECORD_INIT;

    opts_init(&o, 0, 4, NULL);
    ck_assert_int_eq(iv_ingest_new(&ing, s, &o), IV_EINVAL);
    ck_assert_ptr_nonnull(strstr(iv_error_last(), "unknown skip flags"));
    ck_assert_int_eq(iv_source_new(&src), IV_OK);
    ck_assert_int_eq(iv_source_set(src, "dedup", "id"), IV_OK);
    opts_init(&o, 0, IV_SKIP_ID, NULL);
    o.source = src;
    ck_assert_int_eq(iv_ingest_new(&ing, s, &o), IV_EINVAL);
    ck_assert_ptr_nonnull(strstr(iv_error_last(), "dedup=id needs the id column"));
    o.skip = IV_SKIP_DIMS; /* dedup with the dimensions skipped is fine */
    ck_assert_int_eq(iv_ingest_new(&ing, s, &o), IV_OK);
    iv_ingest_free(ing);
    iv_source_free(src);

    /* garbage after the old size is not read */
    opts_init(&o, 0, IV_SKIP_ID | IV_SKIP_DIMS, NULL);
    o.size = offsetof(iv_ingest_options, skip);
    ck_assert_int_eq(tu_ingest_text(s, &o, log, strlen(log), 0, NULL), IV_OK);
    ck_assert_int_eq(iv_store_get_row(s, 0, &r), IV_OK);
    ck_assert_str_eq(r.id, "I1");
    ck_assert_uint_eq(iv_store_dim_count(s), 1);
    iv_store_free(s);
}
END_TEST

/* A strict read stops at the same row with the same message whether the column at
 * fault is stored or skipped. */
START_TEST(strict_errors_name_the_skipped_column)
{
    char log[512];
    iv_ingest_options o;
    int skip;
    char first[600] = "";
    /* "Variant": the message names the dimension lower-cased, as the store does */
    snprintf(log, sizeof log, "contact,ts,channel,type,Variant\na,2024-01-01T00:00:00Z,web,visit,A\n"
             "b,2024-01-02T00:00:00Z,web,visit,%s\n", long50);
    for (skip = 0; skip <= 1; skip++) {
        iv_store *s = tu_new_store(NULL, NULL);
        opts_init(&o, 0, skip ? IV_SKIP_DIMS : 0, NULL);
        o.policy = IV_POLICY_STRICT;
        ck_assert_int_eq(tu_ingest_text(s, &o, log, strlen(log), 0, NULL), IV_EPARSE);
        ck_assert_ptr_nonnull(strstr(iv_error_last(), "line 3"));
        ck_assert_ptr_nonnull(strstr(iv_error_last(), "(variant)"));
        ck_assert_ptr_nonnull(strstr(iv_error_last(), "longer than max_string (40)"));
        if (!skip)
            snprintf(first, sizeof first, "%s", iv_error_last());
        else
            ck_assert_str_eq(iv_error_last(), first);
        ck_assert_uint_eq(iv_store_rows(s), 1);
        iv_store_free(s);
    }
}
END_TEST

/* Which rows had a skipped id survives moving rows between stores: appended to a store
 * that holds real ids, and split by contact. 5,000 rows (past the presence bits' first
 * allocation and across many 64-row words), an id on each row i with i % 3 != 0. */
START_TEST(skipped_ids_are_counted_after_append_and_split)
{
    enum { N = 5000, PARTS = 3 };
    buf log = {0};
    char line[160];
    iv_ingest_options o;
    iv_store *src = tu_new_store(NULL, NULL), *dst = tu_new_store(NULL, NULL), *parts[PARTS];
    size_t i, with = 0, part_n[PARTS] = {0}, part_with[PARTS] = {0};
    const char *head = "contact,ts,channel,type,id\n"
                       "x1,2023-05-01T00:00:00Z,web,visit,R1\nx2,2023-05-02T00:00:00Z,web,visit,\n"
                       "x3,2023-05-03T00:00:00Z,web,visit,R3\n";
    put(&log, "contact,ts,channel,type,id\n");
    for (i = 0; i < N; i++) {
        char c[16], id[24] = "";
        unsigned k;
        snprintf(c, sizeof c, "C%zu", i % 97);
        if (i % 3) /* else no id: the field empty */
            snprintf(id, sizeof id, "I%zu", i);
        snprintf(line, sizeof line, "%s,2024-%02zu-%02zuT10:00:00Z,web,visit,%s\n", c, 1 + i % 12, 1 + i % 28, id);
        put(&log, line);
        k = iv_partition_of(c, strlen(c), PARTS);
        part_n[k]++;
        part_with[k] += i % 3 != 0;
        with += i % 3 != 0;
    }
    opts_init(&o, 0, IV_SKIP_ID, NULL);
    ck_assert_int_eq(tu_ingest_text(src, &o, log.p, log.n, 0, NULL), IV_OK);
    ck_assert_uint_eq(iv_store_rows(src), N);
    ck_assert_double_eq_tol(id_coverage(src), (double)with / N, 1e-15);

    /* appended after 3 rows whose ids are stored (2 of them with one) */
    opts_init(&o, 0, 0, NULL);
    ck_assert_int_eq(tu_ingest_text(dst, &o, head, strlen(head), 0, NULL), IV_OK);
    ck_assert_int_eq(iv_store_append_store(dst, src), IV_OK);
    ck_assert_uint_eq(iv_store_rows(dst), N + 3);
    ck_assert_double_eq_tol(id_coverage(dst), (double)(with + 2) / (N + 3), 1e-15);

    for (i = 0; i < PARTS; i++)
        parts[i] = tu_new_store(NULL, NULL);
    ck_assert_int_eq(iv_store_split(src, PARTS, parts), IV_OK);
    for (i = 0; i < PARTS; i++) {
        ck_assert_uint_eq(iv_store_rows(parts[i]), part_n[i]);
        ck_assert_uint_gt(part_with[i], 0);
        ck_assert_double_eq_tol(id_coverage(parts[i]), (double)part_with[i] / (double)part_n[i], 1e-15);
        iv_store_free(parts[i]);
    }
    iv_store_free(src);
    iv_store_free(dst);
    free(log.p);
}
END_TEST

static void add(TCase *tc)
{
    tcase_add_test(tc, csv_skipped_columns_are_checked_not_stored);
    tcase_add_test(tc, jsonl_skipped_keys_are_checked_not_stored);
    tcase_add_test(tc, each_flag_alone_and_an_existing_dimension);
    tcase_add_test(tc, queries_see_only_the_kept_dimensions);
    tcase_add_test(tc, bad_options_and_old_struct_sizes);
    tcase_add_test(tc, strict_errors_name_the_skipped_column);
    tcase_add_test(tc, skipped_ids_are_counted_after_append_and_split);
}

TU_SUITE_MAIN("ingest_skip", add)
