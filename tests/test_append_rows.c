/* The appending loop of ingestion (iv__store_push_rows, doc/PERFORMANCE.md "Fifth session:
 * the appending thread"): queued rows appended a run at a time give the store that
 * appending each row through the public iv_store_append gives, across batch boundaries,
 * with rows that need the general path (team, id, score, rv, a custom dimension) between
 * common ones, code columns widening 1 -> 2 -> 4 bytes inside a run, and a failure
 * (distinct-string limit, allocation failure) at a row inside a run: the rows before it
 * stay and nothing of it remains. The log is generated here; the reference store is
 * built from the same generated values with iv_store_append, row by row (the general
 * path, iv__store_push). Stores are compared as text (tu_dump_store). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iv/ingest.h"
#include "testutil.h"

extern uint64_t iv__ingest_chunk;

/* ------------------------------------------------------------- generator ------ */

enum { PLAIN, MIXED, WIDE, FULL };

/* The fields of generated row i, as text ("" = not given) and as the record. */
typedef struct genrow {
    char contact[24], channel[24], type[16], team[8], id[16], region[8], segment[8], ts[24];
    char cost[16], value[16], score[8], rv[8];
    const char *stage;
    iv_record rec;
    const char *dimv[2];
} genrow;

static const char *const dim_names[2] = { "region", "segment" };

/* PLAIN: contact, ts, channel, type, stage, cost, value only (every row on the fast
 * path); channels ch0..ch299 and types t0..t259 (both codes pass 255: width 2), every
 * fourth contact new. MIXED: the same plus team, id, score, rv and region on some rows.
 * WIDE: every row a new channel (width 4 after 65,535), types t0..t6 only (so that the
 * channel column widens on its own). */
static void gen(genrow *g, unsigned i, int mode)
{
    static const char *const stages[] = { "", "acquisition", "closing", "retention" };
    time_t t = (time_t)(1700000000 + (long)i * 61);
    struct tm tm;
    unsigned contact = i % 4 == 0 ? 100000 + i : (i * 7919u) % 600;
    gmtime_r(&t, &tm);
    strftime(g->ts, sizeof g->ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(g->contact, sizeof g->contact, "c%u", contact);
    snprintf(g->channel, sizeof g->channel, "ch%u", mode == WIDE ? i : i % 300);
    snprintf(g->type, sizeof g->type, "t%u", mode == WIDE ? i % 7 : i % 260);
    g->stage = stages[i % 4];
    g->cost[0] = g->value[0] = g->team[0] = g->id[0] = g->region[0] = g->segment[0] = g->score[0] = g->rv[0] = '\0';
    if (i % 5)
        snprintf(g->cost, sizeof g->cost, "%.2f", (i % 100) / 4.0);
    if (i % 3 == 0)
        snprintf(g->value, sizeof g->value, "-%.3f", i / 8.0);
    if (mode == MIXED) {
        if (i % 37 == 36)
            snprintf(g->team, sizeof g->team, "tm%u", i % 3);
        if (i % 53 == 52)
            snprintf(g->id, sizeof g->id, "id%u", i);
        if (i % 41 == 40)
            snprintf(g->score, sizeof g->score, "%u", i % 11);
        if (i % 43 == 42)
            snprintf(g->rv, sizeof g->rv, "%.1f", (i % 9) * 0.5);
        if (i % 59 == 58)
            snprintf(g->region, sizeof g->region, "r%u", i % 4);
    }
    if (mode == FULL) { /* every row on the run-at-a-time loop's own path */
        if (i % 31 != 30) /* 300 teams: the team column widens to 2 bytes inside a run */
            snprintf(g->team, sizeof g->team, "tm%u", (i * 7u) % 300);
        if (i % 23 != 22) /* every 17th row repeats the id of the row before */
            snprintf(g->id, sizeof g->id, "I%07u", i % 17 == 16 ? i - 1 : i);
        if (i % 3 == 0)
            snprintf(g->score, sizeof g->score, "%u", i % 11);
        if (i % 4 == 1)
            snprintf(g->rv, sizeof g->rv, "%.1f", (i % 9) * 0.5);
        if (i % 29 != 28)
            snprintf(g->region, sizeof g->region, "r%u", i % 4);
        if (i > 40) /* the segment column appears inside a run, then widens past 255 */
            snprintf(g->segment, sizeof g->segment, "s%u", (i * 13u) % 280);
    }
    g->rec = (iv_record)IV_RECORD_INIT;
    g->rec.contact = g->contact;
    g->rec.ts = (int64_t)t * 1000;
    g->rec.channel = g->channel;
    g->rec.type = g->type;
    g->rec.stage = (int)(i % 4); /* IV_STAGE_NONE, acquisition, closing, retention */
    g->rec.cost = g->cost[0] ? (i % 100) / 4.0 : NAN;
    g->rec.value = g->value[0] ? -(i / 8.0) : NAN;
    g->rec.team = g->team;
    g->rec.id = g->id;
    g->rec.score = g->score[0] ? (double)(i % 11) : NAN;
    g->rec.rv = g->rv[0] ? (i % 9) * 0.5 : NAN;
    if (mode == MIXED || mode == FULL) {
        g->dimv[0] = g->region;
        g->dimv[1] = g->segment;
        g->rec.ndims = mode == FULL ? 2 : 1;
        g->rec.dim_names = dim_names;
        g->rec.dim_values = g->dimv;
    }
}

/* The CSV text of rows 0..n-1 (malloc'd, *len bytes). */
static char *gen_csv(unsigned n, int mode, size_t *len)
{
    size_t cap = 256 + (size_t)n * 160, k;
    char *p = malloc(cap);
    unsigned i;
    ck_assert_ptr_nonnull(p);
    k = (size_t)snprintf(p, cap, "%s\n",
                         mode == FULL    ? "contact,ts,channel,type,stage,cost,value,team,id,score,rv,region,segment"
                         : mode == MIXED ? "contact,ts,channel,type,stage,cost,value,team,id,score,rv,region"
                                         : "contact,ts,channel,type,stage,cost,value");
    for (i = 0; i < n; i++) {
        genrow g;
        gen(&g, i, mode);
        if (mode == FULL)
            k += (size_t)snprintf(p + k, cap - k, "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", g.contact,
                                  g.ts, g.channel, g.type, g.stage, g.cost, g.value, g.team, g.id,
                                  g.score, g.rv, g.region, g.segment);
        else if (mode == MIXED)
            k += (size_t)snprintf(p + k, cap - k, "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", g.contact,
                                  g.ts, g.channel, g.type, g.stage, g.cost, g.value, g.team, g.id,
                                  g.score, g.rv, g.region);
        else
            k += (size_t)snprintf(p + k, cap - k, "%s,%s,%s,%s,%s,%s,%s\n", g.contact, g.ts,
                                  g.channel, g.type, g.stage, g.cost, g.value);
        ck_assert(k < cap);
    }
    *len = k;
    return p;
}

/* The reference: rows 0..n-1 appended one by one with iv_store_append; stops at the
 * first refused row and returns its code (IV_OK when all went in). */
static int reference(iv_store *s, unsigned n, int mode)
{
    unsigned i;
    for (i = 0; i < n; i++) {
        genrow g;
        int rc;
        gen(&g, i, mode);
        if ((rc = iv_store_append(s, &g.rec)) != IV_OK)
            return rc;
    }
    return IV_OK;
}

static char *reference_dump(unsigned n, int mode)
{
    iv_store *s = tu_new_store(NULL, NULL);
    char *d;
    ck_assert_int_eq(reference(s, n, mode), IV_OK);
    d = tu_dump_store(s);
    iv_store_free(s);
    return d;
}

static int ingest_path(iv_store *s, const char *path, int threads, iv_ingest_stats *st)
{
    iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
    iv_ingest *ing = NULL;
    int rc;
    o.threads = threads;
    ck_assert_int_eq(iv_ingest_new(&ing, s, &o), IV_OK);
    rc = iv_ingest_file(ing, path); /* finishes the handle */
    if (st) {
        st->size = sizeof *st;
        ck_assert_int_eq(iv_ingest_get_stats(ing, st), IV_OK);
    }
    iv_ingest_free(ing);
    return rc;
}

static void write_file(const char *path, const char *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(p, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

/* ------------------------------------------------------------- tests ---------- */

/* 9,000 rows: two batch boundaries of the pushed reader (4,096 rows), ranges of 8 KiB
 * on 1 to 4 threads, and (MIXED) a general-path row every few rows. */
START_TEST(runs_of_queued_rows_give_the_row_by_row_store)
{
    static const size_t pieces[] = { 0, 999, 65536 };
    const int mode = _i == 2 ? FULL : _i ? MIXED : PLAIN;
    const unsigned n = 9000;
    uint64_t chunk0 = iv__ingest_chunk;
    size_t len, p;
    char *csv = gen_csv(n, mode, &len), *ref = reference_dump(n, mode), path[512];
    int threads;
    for (p = 0; p < sizeof pieces / sizeof *pieces; p++) {
        iv_store *s = tu_new_store(NULL, NULL);
        iv_ingest_stats st;
        char *d;
        ck_assert_int_eq(tu_ingest_text(s, NULL, csv, len, pieces[p], &st), IV_OK);
        ck_assert_uint_eq(st.rows_accepted, n);
        d = tu_dump_store(s);
        ck_assert_msg(strcmp(d, ref) == 0, "pieces of %zu bytes: not the row-by-row store", pieces[p]);
        free(d);
        iv_store_free(s);
    }
    tu_temp_path(path, sizeof path, ".csv");
    write_file(path, csv, len);
    iv__ingest_chunk = 8192;
    for (threads = 1; threads <= 4; threads++) {
        iv_store *s = tu_new_store(NULL, NULL);
        char *d;
        ck_assert_int_eq(ingest_path(s, path, threads, NULL), IV_OK);
        d = tu_dump_store(s);
        ck_assert_msg(strcmp(d, ref) == 0, "%d threads: not the row-by-row store", threads);
        free(d);
        iv_store_free(s);
    }
    iv__ingest_chunk = chunk0;
    remove(path);
    free(ref);
    free(csv);
}
END_TEST

/* Every row a new channel: the channel column is 1 byte wide up to code 255, 2 bytes up
 * to 65,535 and 4 bytes after, each widening inside a run of queued rows. */
START_TEST(code_columns_widen_inside_a_run)
{
    const unsigned n = 66000;
    size_t len;
    char *csv = gen_csv(n, WIDE, &len), *ref = reference_dump(n, WIDE), *d;
    iv_store *s = tu_new_store(NULL, NULL);
    iv_record rec = IV_RECORD_INIT;
    ck_assert_int_eq(tu_ingest_text(s, NULL, csv, len, 0, NULL), IV_OK);
    ck_assert_uint_eq(iv_store_rows(s), n);
    /* row i's channel is "ch<i>" (the generator), below and above each widening */
    ck_assert_int_eq(iv_store_get_row(s, 255, &rec), IV_OK);
    ck_assert_str_eq(rec.channel, "ch255");
    ck_assert_int_eq(iv_store_get_row(s, 256, &rec), IV_OK);
    ck_assert_str_eq(rec.channel, "ch256");
    ck_assert_int_eq(iv_store_get_row(s, 65535, &rec), IV_OK);
    ck_assert_str_eq(rec.channel, "ch65535");
    ck_assert_int_eq(iv_store_get_row(s, 65999, &rec), IV_OK);
    ck_assert_str_eq(rec.channel, "ch65999");
    ck_assert_str_eq(rec.type, "t3"); /* 65999 mod 7 */
    d = tu_dump_store(s);
    ck_assert(strcmp(d, ref) == 0);
    free(d);
    iv_store_free(s);
    free(ref);
    free(csv);
}
END_TEST

/* The saved bytes of a store (its rows and every interned string). */
static char *saved_bytes(const iv_store *s, size_t *n)
{
    char path[256];
    char *b;
    tu_temp_path(path, sizeof path, ".ivs");
    ck_assert_int_eq(iv_store_save(s, path), IV_OK);
    b = tu_read_file(path, n);
    ck_assert_ptr_nonnull(b);
    remove(path);
    return b;
}

/* max_strings reached at a row inside a run: at its contact (new), at its channel after
 * its new contact went in (which must be taken back), at its type. The rows before it
 * stay (equal to the reference that stops at the same row), the error names its line,
 * and the allowance of the failed row is given back (a row of known strings still goes
 * in, a new string does not). */
START_TEST(distinct_string_limit_at_a_row_inside_a_run)
{
    /* FULL: row 0 brings c100000 ch0 t0 tm0 I0000000 (score 0) r0, row 1 c119 ch1 t1 tm7
     * I0000001 (rv 0.5) r1, ...: limits 7 to 22 stop at each field of rows 1 and 2 */
    static const uint64_t plain_limits[] = { 7, 8, 9, 900, 901, 902, 2200, 0 };
    static const uint64_t full_limits[] = { 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                            300, 301, 302, 303, 2200, 2201, 0 };
    const int mode = _i ? FULL : PLAIN;
    const uint64_t *limits = _i ? full_limits : plain_limits;
    const unsigned n = 5000;
    size_t len, l;
    char *csv = gen_csv(n, mode, &len);
    for (l = 0; limits[l]; l++) {
        iv_store_options so = IV_STORE_OPTIONS_INIT;
        iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
        iv_store *s = NULL, *r = NULL;
        iv_ingest_stats st;
        genrow g;
        char *d, *dr, want[64];
        int rc;
        size_t rows;
        so.max_strings = limits[l];
        ck_assert_int_eq(iv_store_new(&s, &so), IV_OK);
        ck_assert_int_eq(iv_store_new(&r, &so), IV_OK);
        ck_assert_int_eq(reference(r, n, mode), IV_ELIMIT);
        rows = iv_store_rows(r);
        o.policy = IV_POLICY_LENIENT;
        rc = tu_ingest_text(s, &o, csv, len, 0, &st);
        ck_assert_int_eq(rc, IV_ELIMIT);
        snprintf(want, sizeof want, "line %zu: ", rows + 2); /* header on line 1 */
        ck_assert_msg(strncmp(iv_error_last(), want, strlen(want)) == 0, "limit %llu: %s",
                      (unsigned long long)limits[l], iv_error_last());
        ck_assert_uint_eq(st.rows_accepted, rows);
        ck_assert_uint_eq(iv_store_rows(s), rows);
        d = tu_dump_store(s);
        dr = tu_dump_store(r);
        ck_assert_str_eq(d, dr);
        free(d);
        free(dr);
        if (mode == FULL) {
            /* nothing of the refused row is left in any pool: the saved store (rows,
             * every pool's strings, counters) is byte for byte that of the rows before it
             * ingested alone */
            iv_store *r2 = NULL;
            const char *end = csv;
            char *b1, *b2;
            size_t n1, n2, k;
            for (k = 0; k <= rows; k++)
                end = strchr(end, '\n') + 1;
            ck_assert_int_eq(iv_store_new(&r2, &so), IV_OK);
            ck_assert_int_eq(tu_ingest_text(r2, &o, csv, (size_t)(end - csv), 0, NULL), IV_OK);
            b1 = saved_bytes(s, &n1);
            b2 = saved_bytes(r2, &n2);
            ck_assert_msg(n1 == n2 && memcmp(b1, b2, n1) == 0, "limit %llu: the pools differ",
                          (unsigned long long)limits[l]);
            free(b1);
            free(b2);
            iv_store_free(r2);
        }
        /* the failed row's strings and allowance went back: as many new contacts go in
         * afterwards as into the reference */
        gen(&g, 0, mode);
        g.rec.id = ""; /* ids are never shared (an append-only pool): a new id is a new string */
        ck_assert_int_eq(iv_store_append(s, &g.rec), IV_OK);
        for (rows = 0;; rows++) {
            char c[32];
            int a, b;
            snprintf(c, sizeof c, "new%zu", rows);
            g.rec.contact = c;
            a = iv_store_append(s, &g.rec);
            b = iv_store_append(r, &g.rec);
            ck_assert_int_eq(a, b);
            if (a != IV_OK)
                break;
        }
        ck_assert_int_eq(rc, IV_ELIMIT);
        iv_store_free(s);
        iv_store_free(r);
    }
    if (mode != PLAIN) {
        free(csv);
        return;
    }
    /* by hand for the limit of 7: rows 0 and 1 bring c100000, ch0, t0, c119, ch1, t1
     * (6 strings); row 2's contact c238 is the 7th, its channel ch2 the 8th: refused */
    {
        iv_store_options so = IV_STORE_OPTIONS_INIT;
        iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
        iv_store *s = NULL;
        so.max_strings = 7;
        ck_assert_int_eq(iv_store_new(&s, &so), IV_OK);
        ck_assert_int_eq(tu_ingest_text(s, &o, csv, len, 0, NULL), IV_ELIMIT);
        ck_assert_msg(strncmp(iv_error_last(), "line 4: ", 8) == 0, "%s", iv_error_last());
        ck_assert_uint_eq(iv_store_rows(s), 2);
        ck_assert_uint_eq(iv_store_contacts(s), 2);
        /* one string of allowance is left (c238 was taken back): row 2 again needs three
         * (c238, ch2, t2); with ch0 and t0 it needs one, and then none is left */
        {
            genrow g;
            gen(&g, 2, PLAIN);
            ck_assert_int_eq(iv_store_append(s, &g.rec), IV_ELIMIT);
            ck_assert_uint_eq(iv_store_contacts(s), 2);
            g.rec.channel = "ch0";
            g.rec.type = "t0";
            ck_assert_int_eq(iv_store_append(s, &g.rec), IV_OK);
            g.rec.contact = "c1";
            ck_assert_int_eq(iv_store_append(s, &g.rec), IV_ELIMIT);
            ck_assert_uint_eq(iv_store_rows(s), 3);
        }
        iv_store_free(s);
    }
    free(csv);
}
END_TEST

/* max_strings reached at a row's team, id or custom dimension, which the run-at-a-time
 * loop interns after its contact, channel and type (the first row carries an id, so the
 * id column exists and the second row stays in the loop; its region allocates the
 * dimensions' columns there). Row 2 brings b, T1, I1, R1 and S1 after the 4 strings of
 * row 1 (a, web, visit, I0): with a limit of 4 to 8 it is refused at each of them and every
 * string it interned is taken back, so the saved store (rows, pools, counters) is byte
 * for byte the reference: row 1 ingested alone, row 2 offered to iv_store_append (the
 * row-by-row path); and both take the same rows after. */
START_TEST(limit_at_a_team_id_or_dimension_takes_the_row_back)
{
    static const char head[] = "contact,ts,channel,type,team,id,region,segment\n"
                               "a,2024-01-01T00:00:00Z,web,visit,,I0,,\n";
    static const char csv[] = "contact,ts,channel,type,team,id,region,segment\n"
                              "a,2024-01-01T00:00:00Z,web,visit,,I0,,\n"
                              "b,2024-01-02T00:00:00Z,web,visit,T1,I1,R1,S1\n";
    static const char *const dn[2] = { "region", "segment" };
    uint64_t lim;
    for (lim = 4; lim <= 9; lim++) {
        iv_store_options so = IV_STORE_OPTIONS_INIT;
        iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
        iv_store *s = NULL, *r = NULL;
        iv_record rec = IV_RECORD_INIT;
        const char *dv[2] = { "R1", "S1" };
        char *bs, *br, *ds, *dr;
        size_t ns, nr;
        int want = lim < 9 ? IV_ELIMIT : IV_OK, rc;
        unsigned k;
        so.max_strings = lim;
        ck_assert_int_eq(iv_store_new(&s, &so), IV_OK);
        ck_assert_int_eq(iv_store_new(&r, &so), IV_OK);
        o.policy = IV_POLICY_LENIENT;
        ck_assert_int_eq(tu_ingest_text(s, &o, csv, sizeof csv - 1, 0, NULL), want);
        ck_assert_int_eq(tu_ingest_text(r, &o, head, sizeof head - 1, 0, NULL), IV_OK);
        rec.contact = "b";
        rec.ts = INT64_C(1704153600000);
        rec.channel = "web";
        rec.type = "visit";
        rec.team = "T1";
        rec.id = "I1";
        rec.ndims = 2;
        rec.dim_names = dn;
        rec.dim_values = dv;
        ck_assert_int_eq(iv_store_append(r, &rec), want);
        ck_assert_uint_eq(iv_store_rows(s), lim < 9 ? 1 : 2);
        ds = tu_dump_store(s);
        dr = tu_dump_store(r);
        ck_assert_str_eq(ds, dr);
        free(ds);
        free(dr);
        if (lim < 9) { /* (with row 2 in, the ingestion counted 2 rows read, the reference 1) */
            bs = saved_bytes(s, &ns);
            br = saved_bytes(r, &nr);
            ck_assert_msg(ns == nr && memcmp(bs, br, ns) == 0, "limit %llu: the stores differ",
                          (unsigned long long)lim);
            free(bs);
            free(br);
        }
        /* the same allowance left: new teams go in alike until it is spent */
        for (rc = IV_OK, k = 0; rc == IV_OK; k++) {
            char t[16];
            snprintf(t, sizeof t, "N%u", k);
            rec.team = t;
            rec.id = "";
            dv[0] = dv[1] = "";
            rc = iv_store_append(s, &rec);
            ck_assert_int_eq(iv_store_append(r, &rec), rc);
        }
        iv_store_free(s);
        iv_store_free(r);
    }
}
END_TEST

/* Every allocation of the ingestion failing in turn (600 MIXED rows: widening type and
 * channel columns, lazy columns allocated mid-run, new contacts): IV_ENOMEM or IV_OK,
 * nothing leaked, the rows accepted are the rows stored, and they are the first rows of
 * the reference store. */
START_TEST(allocation_failure_at_any_row_keeps_a_prefix)
{
    const unsigned n = 600;
    const int mode = _i ? FULL : MIXED;
    const size_t ndims = _i ? 2 : 1;
    size_t len;
    char *csv = gen_csv(n, mode, &len), *ref = reference_dump(n, mode);
    long k;
    int ok = 0;
    for (k = 1; !ok && k < 100000; k++) {
        tu_alloc a;
        iv_store *s = NULL;
        iv_store_options so = IV_STORE_OPTIONS_INIT;
        iv_ingest_stats st;
        int rc;
        tu_alloc_reset(&a, k);
        so.alloc = tu_alloc_fn;
        so.alloc_ud = &a;
        rc = iv_store_new(&s, &so);
        if (rc == IV_OK) {
            iv_ingest *ing = NULL;
            rc = iv_ingest_new(&ing, s, NULL);
            if (rc == IV_OK) {
                rc = iv_ingest_push(ing, csv, len);
                if (rc == IV_OK)
                    rc = iv_ingest_finish(ing);
                st.size = sizeof st;
                ck_assert_int_eq(iv_ingest_get_stats(ing, &st), IV_OK);
                ck_assert_uint_eq(st.rows_accepted, iv_store_rows(s));
                iv_ingest_free(ing);
            }
            if (rc == IV_OK || iv_store_dim_count(s) == ndims) {
                char *d = tu_dump_store(s), *nl = ref;
                size_t r, dl = strlen(d);
                /* the dump is the dimension lines, then one line per row */
                for (r = 0; r + 1 < ndims + iv_store_rows(s) + 1; r++)
                    nl = strchr(nl, '\n') + 1;
                ck_assert_msg(dl == (size_t)(nl - ref) && memcmp(d, ref, dl) == 0,
                              "k=%ld: %zu rows, not a prefix of the reference", k, iv_store_rows(s));
                free(d);
            }
            iv_store_free(s);
        }
        ck_assert_msg(rc == IV_OK || rc == IV_ENOMEM, "k=%ld rc=%d %s", k, rc, iv_error_last());
        ck_assert_msg(a.live == 0, "k=%ld leaks %ld blocks", k, a.live);
        ok = rc == IV_OK && !a.failed;
    }
    ck_assert(ok);
    free(ref);
    free(csv);
}
END_TEST

/* The contact table keeps strings of up to 8 bytes in its slots (packed in one word,
 * the length in the slot's tag): strings whose packed words are equal ("a", "aa", "aaa";
 * "ab", "abb"; "abcdefg", "abcddefg") are different contacts, strings of 9 and 17 bytes
 * are compared through their bytes, and 250,000 distinct 8-byte contacts (the table
 * grows from 16 to 524,288 slots on the way, each time past 13/16 full) each keep their
 * own rows. */
START_TEST(contacts_that_pack_alike_stay_apart)
{
    static const char *const names[] = { "a", "aa", "aaa", "ab", "abb", "abcdefg", "abcddefg",
                                         "abcdefgh", "abcdefghi", "abcdefghijklmnopq",
                                         "abcdefghijklmnopr", "aaaa", "aaaaaaaa", "aaaaaaaaa" };
    const size_t nn = sizeof names / sizeof *names;
    /* under memcheck 30,000 (still 12 growths), so that the CI's valgrind run stays short */
    const unsigned nbig = getenv("IV_UNDER_VALGRIND") ? 30000 : 250000;
    size_t cap = 64 + (nn * 2 + nbig) * 48, len, i;
    char *csv = malloc(cap);
    iv_store *s = tu_new_store(NULL, NULL);
    iv_record rec = IV_RECORD_INIT;
    ck_assert_ptr_nonnull(csv);
    len = (size_t)snprintf(csv, cap, "contact,ts,channel,type,team\n");
    /* each name twice, the second time found: first on the appending loop's own path,
     * then with a team, through iv__store_push (whose interner checks the last string
     * interned first: "a" then "aa" must not pass that check) */
    for (i = 0; i < 2 * nn; i++)
        len += (size_t)snprintf(csv + len, cap - len, "%s,2025-01-01T00:00:00Z,web,visit,%s\n",
                                names[i % nn], i < nn ? "" : "t");
    for (i = 0; i < nbig; i++)
        len += (size_t)snprintf(csv + len, cap - len, "k%07zu,2025-01-01T00:00:00Z,web,visit,\n", i);
    for (i = 0; i < nbig; i += 997) /* found again at the end */
        len += (size_t)snprintf(csv + len, cap - len, "k%07zu,2025-01-02T00:00:00Z,web,visit,\n", i);
    ck_assert(len < cap);
    ck_assert_int_eq(tu_ingest_text(s, NULL, csv, len, 0, NULL), IV_OK);
    ck_assert_uint_eq(iv_store_contacts(s), nn + nbig);
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    for (i = 0; i < nn; i++) {
        const uint32_t *rows;
        size_t n;
        ck_assert_int_eq(iv_store_contact_rows(s, names[i], &rows, &n), IV_OK);
        ck_assert_uint_eq(n, 2);
        ck_assert_uint_eq(rows[0], i);
        ck_assert_uint_eq(rows[1], i + nn);
        ck_assert_int_eq(iv_store_get_row(s, i, &rec), IV_OK);
        ck_assert_str_eq(rec.contact, names[i]);
    }
    for (i = 0; i < nbig; i += 4999) {
        char c[16];
        const uint32_t *rows;
        size_t n;
        snprintf(c, sizeof c, "k%07zu", i);
        ck_assert_int_eq(iv_store_contact_rows(s, c, &rows, &n), IV_OK);
        ck_assert_uint_eq(n, i % 997 == 0 ? 2 : 1);
        ck_assert_uint_eq(rows[0], 2 * nn + i);
        ck_assert_int_eq(iv_store_get_row(s, 2 * nn + i, &rec), IV_OK);
        ck_assert_str_eq(rec.contact, c);
    }
    {
        const uint32_t *rows;
        size_t n;
        ck_assert_int_eq(iv_store_contact_rows(s, "abcdef", &rows, &n), IV_ENOTFOUND);
        ck_assert_int_eq(iv_store_contact_rows(s, "abcdefghijklmnopz", &rows, &n), IV_ENOTFOUND);
    }
    iv_store_free(s);
    free(csv);
}
END_TEST

static void append_rows_tests(TCase *tc)
{
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, runs_of_queued_rows_give_the_row_by_row_store, 0, 3);
    tcase_add_test(tc, code_columns_widen_inside_a_run);
    tcase_add_loop_test(tc, distinct_string_limit_at_a_row_inside_a_run, 0, 2);
    tcase_add_test(tc, limit_at_a_team_id_or_dimension_takes_the_row_back);
    tcase_add_loop_test(tc, allocation_failure_at_any_row_keeps_a_prefix, 0, 2);
    tcase_add_test(tc, contacts_that_pack_alike_stay_apart);
}

TU_SUITE_MAIN("append_rows", append_rows_tests)
