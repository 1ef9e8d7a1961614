/* Ingestion on several threads, byte ranges and record starts (doc/PERFORMANCE.md,
 * "Ingestion on several threads"; include/iv/ingest.h).
 *
 * The reference is the serial path: the same bytes pushed through iv_ingest_push in
 * small chunks. Every comparison is byte for byte: the saved store (snapshot file), the
 * rejects (line, offset, reason, raw), the counters, the error message and the
 * progress calls. The logs are generated here with quoted fields holding delimiters,
 * line feeds and doubled quotes, CRLF endings, blank lines and (for the lenient tests)
 * bad rows; the generator also writes down where each record starts and on which line,
 * which is what the record-start and byte-range tests check against. The parallel
 * driver is run with small ranges (iv__ingest_chunk) so that a few kilobytes of input
 * give hundreds of range boundaries. */
#include <check.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "iv/ingest.h"
#include "iv/query.h"
#include "iv/source.h"
#include "iv/table.h"
#include "testutil.h"

extern uint64_t iv__ingest_chunk;
/* the library's range size, put back after a test changes it */
static uint64_t chunk_default;
extern uint64_t iv__ingest_feed_piece;
extern uint64_t iv__ingest_straddle;
extern int iv__ingest_pread;
extern uint64_t iv__ingest_progress_step;
extern size_t iv__ingest_read_chunk;
extern int iv__group_force_walk;
extern size_t iv__group_scan_bits_max;
extern size_t iv__group_parallel_rows;
extern int iv__ingest_direct;
extern size_t iv__ingest_workers;
extern size_t iv__ingest_batch_names;
/* options of every ingest() when set (0: the library's defaults) */
static size_t opt_max_string, opt_max_line;
static uint64_t opt_max_strings; /* the store's */

/* ------------------------------------------------------------- generator ------ */

static uint64_t next_rand(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

typedef struct text {
    char *p;
    size_t n, cap;
} text;

static void put(text *t, const char *s, size_t n)
{
    if (t->n + n + 1 > t->cap) {
        t->cap = (t->n + n + 1) * 2;
        t->p = realloc(t->p, t->cap);
        ck_assert_ptr_nonnull(t->p);
    }
    memcpy(t->p + t->n, s, n);
    t->n += n;
    t->p[t->n] = '\0';
}

static void puts_(text *t, const char *s)
{
    put(t, s, strlen(s));
}

/* One record (with its line ending) for row i. bad: make some rows bad. */
static void record(text *t, size_t i, uint64_t *rs, int bad)
{
    static const char *const ch[] = { "web", "email", "phone", "app" };
    static const char *const ty[] = { "visit", "open", "click", "purchase", "support" };
    static const char *const st[] = { "", "acquisition", "closing", "retention" };
    char buf[256];
    uint64_t r = next_rand(rs);
    unsigned day = (unsigned)(r % 28) + 1, hh = (unsigned)(r >> 8) % 24, kind = (unsigned)(r >> 16) % 16;
    snprintf(buf, sizeof buf, "c%u,2025-%02u-%02uT%02u:%02u:%02uZ,%s,%s,%s,%u.%02u,,id%zu,",
             (unsigned)(r >> 24) % 97, (unsigned)(r >> 32) % 12 + 1, day, hh, (unsigned)(r >> 40) % 60,
             (unsigned)(r >> 48) % 60, ch[(r >> 52) % 4], ty[(r >> 54) % 5], st[(r >> 57) % 4],
             (unsigned)(r >> 20) % 50, (unsigned)(r >> 28) % 100, i);
    if (bad && kind == 3)  /* an impossible date */
        memcpy(strstr(buf, ",2025-") + 6, "13", 2);
    if (bad && kind == 5)  /* a negative cost */
        memcpy(strchr(strchr(strchr(strchr(strchr(buf, ',') + 1, ',') + 1, ',') + 1, ',') + 1, ',') + 1, "-", 1);
    puts_(t, buf);
    /* note: the custom column, often quoted with the characters that make CSV hard */
    switch ((r >> 60) % 8) {
    case 0: puts_(t, "\"north, east\""); break;
    case 1: puts_(t, "\"two\nlines\""); break;
    case 2: puts_(t, "\"say \"\"hi\"\"\nthen,\nc1,2025-01-01T00:00:00Z,web,visit,,1,,x,y\""); break;
    case 3: puts_(t, "plain"); break;
    case 4: puts_(t, "\"\""); break;
    default: break;
    }
    if (bad && kind == 7)  /* one field too many */
        puts_(t, ",extra");
    if (bad > 1 && kind == 9 && (r & 1))  /* a quote inside an unquoted field */
        puts_(t, "a\"b");
    puts_(t, (r >> 59) % 5 == 0 ? "\r\n" : "\n");
    if ((r >> 58) % 23 == 0)
        puts_(t, "\n"); /* a blank line */
}

typedef struct logfile {
    text t;
    size_t *start; /* offset where record i starts (the header is not a record here) */
    size_t n;
} logfile;

/* A log of n rows in the order of perm (NULL: generated order). */
static void make_log(logfile *lf, size_t n, uint64_t seed, int bad, const size_t *perm)
{
    text *recs = calloc(n, sizeof *recs);
    size_t i;
    uint64_t rs = seed;
    memset(lf, 0, sizeof *lf);
    lf->start = calloc(n + 1, sizeof *lf->start);
    ck_assert_ptr_nonnull(recs);
    for (i = 0; i < n; i++)
        record(&recs[i], i, &rs, bad);
    puts_(&lf->t, "contact,ts,channel,type,stage,cost,value,id,note\n");
    for (i = 0; i < n; i++) {
        const text *r = &recs[perm ? perm[i] : i];
        lf->start[i] = lf->t.n;
        put(&lf->t, r->p, r->n);
    }
    lf->n = n;
    for (i = 0; i < n; i++)
        free(recs[i].p);
    free(recs);
}

static void free_log(logfile *lf)
{
    free(lf->t.p);
    free(lf->start);
}

static void write_file(const char *path, const char *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(p, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

/* ------------------------------------------------------------- outcome -------- */

/* Everything an ingestion leaves behind, as text. */
typedef struct outcome {
    int rc;
    char msg[1024];
    char *snapshot;
    size_t nsnapshot;
    text rejects; /* line,offset,reason,raw per reject */
    uint64_t read, accepted, rejected, duplicate, bytes;
    text progress; /* the done values passed to the progress callback */
} outcome;

typedef struct prog {
    text *log;
    int cancel_at; /* 1-based call that cancels, 0 = never */
    int calls;
} prog;

static int on_progress(uint64_t done, uint64_t total, void *payload)
{
    prog *p = payload;
    char buf[64];
    snprintf(buf, sizeof buf, "%llu/%llu;", (unsigned long long)done, (unsigned long long)total);
    puts_(p->log, buf);
    return ++p->calls == p->cancel_at;
}

static int keep_snapshot = 1;
/* added to the lines of the rejects settle() records (a range's lines count from its
 * first record) */
static uint64_t line_shift;

static void settle(outcome *o, iv_store *s, iv_ingest *ing, int rc)
{
    iv_ingest_stats st;
    char path[512];
    size_t i;
    memset(&st, 0, sizeof st);
    st.size = sizeof st;
    o->rc = rc;
    snprintf(o->msg, sizeof o->msg, "%s", rc ? iv_error_last() : "");
    ck_assert_int_eq(iv_ingest_get_stats(ing, &st), IV_OK);
    o->read = st.rows_read;
    o->accepted = st.rows_accepted;
    o->rejected = st.rows_rejected;
    o->duplicate = st.rows_duplicate;
    o->bytes = st.bytes;
    for (i = 0; i < iv_ingest_reject_count(ing); i++) {
        uint64_t line, off;
        const char *reason, *raw;
        char buf[128];
        ck_assert_int_eq(iv_ingest_reject(ing, i, &line, &off, &reason, &raw), IV_OK);
        snprintf(buf, sizeof buf, "%llu,%llu,", (unsigned long long)(line + line_shift), (unsigned long long)off);
        puts_(&o->rejects, buf);
        puts_(&o->rejects, reason);
        puts_(&o->rejects, ",");
        puts_(&o->rejects, raw);
        puts_(&o->rejects, "\n");
    }
    if (!keep_snapshot)
        return;
    tu_temp_path(path, sizeof path, ".ivs");
    ck_assert_int_eq(iv_store_save(s, path), IV_OK);
    o->snapshot = tu_read_file(path, &o->nsnapshot);
    ck_assert_ptr_nonnull(o->snapshot);
    remove(path);
}

static void free_outcome(outcome *o)
{
    free(o->snapshot);
    free(o->rejects.p);
    free(o->progress.p);
}

typedef struct how {
    int policy;
    int threads;
    int cancel_at;  /* progress: cancel at this call (0: never; -1: no callback) */
    size_t push;    /* > 0: the serial reference, pushed in pieces of this size */
    uint64_t begin, end; /* a byte range (end 0: the whole file) */
    int dedup;      /* the source option dedup=id */
} how;

static void ingest(outcome *o, const char *path, const char *data, size_t len, how h)
{
    iv_store *s = NULL;
    iv_ingest *ing = NULL;
    iv_ingest_options io = IV_INGEST_OPTIONS_INIT;
    iv_source *src = NULL;
    prog p;
    int rc;
    memset(o, 0, sizeof *o);
    memset(&p, 0, sizeof p);
    p.log = &o->progress;
    p.cancel_at = h.cancel_at;
    io.policy = h.policy;
    io.threads = h.threads;
    if (opt_max_string)
        io.max_string = opt_max_string;
    if (opt_max_line)
        io.max_line = opt_max_line;
    if (h.cancel_at >= 0) {
        io.progress = on_progress;
        io.payload = &p;
    }
    {
        iv_store_options so = IV_STORE_OPTIONS_INIT;
        if (opt_max_strings)
            so.max_strings = opt_max_strings;
        ck_assert_int_eq(iv_store_new(&s, &so), IV_OK);
    }
    if (h.dedup) {
        ck_assert_int_eq(iv_source_new(&src), IV_OK);
        ck_assert_int_eq(iv_source_set(src, "dedup", "id"), IV_OK);
        io.source = src;
    }
    ck_assert_int_eq(iv_ingest_new(&ing, s, &io), IV_OK);
    if (h.push) {
        size_t off = 0;
        rc = IV_OK;
        while (off < len && rc == IV_OK) {
            size_t n = len - off < h.push ? len - off : h.push;
            rc = iv_ingest_push(ing, data + off, n);
            off += n;
        }
        if (rc == IV_OK)
            rc = iv_ingest_finish(ing);
    } else if (h.end) {
        rc = iv_ingest_file_range(ing, path, h.begin, h.end);
    } else {
        rc = iv_ingest_file(ing, path);
    }
    settle(o, s, ing, rc);
    iv_ingest_free(ing);
    iv_store_free(s);
    iv_source_free(src);
}

/* The messages of iv_ingest_file name the file; the pushed reference's do not. */
static const char *bare(const char *msg, const char *path)
{
    size_t n = strlen(path);
    return strncmp(msg, path, n) == 0 && msg[n] == ':' ? msg + n + 2 : msg;
}

static void same(const outcome *a, const outcome *b, const char *path, const char *what)
{
    ck_assert_msg(a->rc == b->rc, "%s: rc %d vs %d (%s | %s)", what, a->rc, b->rc, a->msg, b->msg);
    ck_assert_msg(strcmp(bare(a->msg, path), bare(b->msg, path)) == 0, "%s: '%s' vs '%s'", what, a->msg, b->msg);
    ck_assert_msg(a->read == b->read && a->accepted == b->accepted && a->rejected == b->rejected,
                  "%s: counters %llu/%llu/%llu vs %llu/%llu/%llu", what, (unsigned long long)a->read,
                  (unsigned long long)a->accepted, (unsigned long long)a->rejected, (unsigned long long)b->read,
                  (unsigned long long)b->accepted, (unsigned long long)b->rejected);
    ck_assert_msg(a->duplicate == b->duplicate, "%s: duplicates %llu vs %llu", what,
                  (unsigned long long)a->duplicate, (unsigned long long)b->duplicate);
    ck_assert_msg(a->bytes == b->bytes, "%s: bytes %llu vs %llu", what, (unsigned long long)a->bytes,
                  (unsigned long long)b->bytes);
    ck_assert_msg((a->rejects.n == 0 && b->rejects.n == 0) ||
                      (a->rejects.n == b->rejects.n && memcmp(a->rejects.p, b->rejects.p, a->rejects.n) == 0),
                  "%s: rejects differ:\n%s\n---\n%s", what, a->rejects.p ? a->rejects.p : "",
                  b->rejects.p ? b->rejects.p : "");
    ck_assert_msg((a->progress.n == 0 && b->progress.n == 0) ||
                      (a->progress.n == b->progress.n && memcmp(a->progress.p, b->progress.p, a->progress.n) == 0),
                  "%s: progress %s vs %s", what, a->progress.p ? a->progress.p : "",
                  b->progress.p ? b->progress.p : "");
    ck_assert_msg(a->nsnapshot == b->nsnapshot && memcmp(a->snapshot, b->snapshot, a->nsnapshot) == 0,
                  "%s: stores differ", what);
}

/* Compare iv_ingest_file with `threads` threads (several range sizes) against the
 * serial push of the same bytes. */
static void check_threads_how(const logfile *lf, int policy, int cancel_at, int dedup)
{
    static const uint64_t chunks[] = { 97, 512, 4096, 1 << 20 };
    static const int threads[] = { 1, 2, 3, 4, 8 };
    char path[512];
    outcome ref, got;
    how h;
    size_t c, t;
    tu_temp_path(path, sizeof path, ".csv");
    write_file(path, lf->t.p, lf->t.n);
    memset(&h, 0, sizeof h);
    h.policy = policy;
    h.cancel_at = cancel_at;
    h.dedup = dedup;
    h.push = 1000;
    ingest(&ref, path, lf->t.p, lf->t.n, h);
    if (dedup)
        ck_assert_uint_gt(ref.duplicate, 10);
    h.push = 0;
    for (c = 0; c < sizeof chunks / sizeof *chunks; c++)
        for (t = 0; t < sizeof threads / sizeof *threads; t++) {
            char what[96];
            iv__ingest_chunk = chunks[c];
            h.threads = threads[t];
            ingest(&got, path, lf->t.p, lf->t.n, h);
            snprintf(what, sizeof what, "range %llu bytes, %d threads", (unsigned long long)chunks[c], threads[t]);
            same(&ref, &got, path, what);
            free_outcome(&got);
        }
    iv__ingest_chunk = chunk_default;
    free_outcome(&ref);
    remove(path);
}

static void check_threads(const logfile *lf, int policy, int cancel_at)
{
    check_threads_how(lf, policy, cancel_at, 0);
}

/* ------------------------------------------------------------- tests ---------- */

START_TEST(any_thread_count_gives_the_serial_store_byte_for_byte)
{
    logfile lf;
    make_log(&lf, 3000, 11, 0, NULL);
    ck_assert_uint_gt(lf.t.n, 150000);
    check_threads(&lf, IV_POLICY_STRICT, -1);
    free_log(&lf);
}
END_TEST

START_TEST(lenient_rejects_come_in_line_order_with_the_serial_counters)
{
    logfile lf;
    make_log(&lf, 3000, 12, 2, NULL);
    check_threads(&lf, IV_POLICY_LENIENT, -1);
    free_log(&lf);
}
END_TEST

START_TEST(dedup_by_id_decides_duplicates_in_file_order_on_any_thread_count)
{
    logfile lf;
    size_t i;
    /* every 7th record repeats the id of a record about 40 records (several ranges of
     * 512 bytes) earlier or later; the first in file order stays */
    make_log(&lf, 2500, 17, 1, NULL);
    for (i = 0; i + 1 < lf.n; i += 7) {
        size_t j = i >= 40 ? i - 40 : i + 40;
        char *a = strstr(lf.t.p + lf.start[i], ",id"), *b = strstr(lf.t.p + lf.start[j], ",id");
        size_t na = strcspn(a + 1, ","), nb = strcspn(b + 1, ",");
        if (na == nb && j < lf.n)
            memcpy(a + 1, b + 1, na); /* same length: the offsets stay */
    }
    check_threads_how(&lf, IV_POLICY_LENIENT, -1, 1);
    free_log(&lf);
}
END_TEST

START_TEST(strict_stops_at_the_first_bad_line_whatever_the_threads)
{
    logfile lf;
    char path[512], want[64];
    outcome o;
    how h;
    size_t i, first = 0;
    uint64_t rs = 12;
    /* the generator's first bad row (kind 3, 5 or 7) decides the expected line */
    make_log(&lf, 3000, 12, 2, NULL);
    check_threads(&lf, IV_POLICY_STRICT, -1);
    /* and the message names that record's line: count the line feeds before it */
    for (i = 0; i < lf.n; i++) {
        uint64_t r = next_rand(&rs);
        unsigned kind = (unsigned)(r >> 16) % 16;
        if (kind == 3 || kind == 5 || kind == 7 || (kind == 9 && (r & 1))) {
            first = i;
            break;
        }
    }
    {
        size_t line = 1, k;
        for (k = 0; k < lf.start[first]; k++)
            line += lf.t.p[k] == '\n';
        snprintf(want, sizeof want, "line %zu", line);
    }
    tu_temp_path(path, sizeof path, ".csv");
    write_file(path, lf.t.p, lf.t.n);
    memset(&h, 0, sizeof h);
    h.threads = 4;
    iv__ingest_chunk = 512;
    ingest(&o, path, lf.t.p, lf.t.n, h);
    iv__ingest_chunk = chunk_default;
    ck_assert_int_eq(o.rc, IV_EPARSE);
    ck_assert_msg(strstr(o.msg, want) != NULL, "'%s' should name %s", o.msg, want);
    ck_assert_uint_eq(o.accepted, first);
    free_outcome(&o);
    remove(path);
    free_log(&lf);
}
END_TEST

START_TEST(progress_calls_and_cancellation_match_the_serial_ones)
{
    logfile lf;
    static const int cancel[] = { 0, 1, 2, 5, 9 };
    size_t k;
    /* small steps and read pieces (test hooks), so a small log gives many calls, some
     * at the end of a record and some inside one (a read piece ends there) */
    iv__ingest_progress_step = 7000;
    iv__ingest_read_chunk = 3000;
    make_log(&lf, 1500, 13, 1, NULL);
    for (k = 0; k < sizeof cancel / sizeof *cancel; k++) {
        char path[512];
        outcome ref, got;
        how h;
        int t;
        tu_temp_path(path, sizeof path, ".csv");
        write_file(path, lf.t.p, lf.t.n);
        memset(&h, 0, sizeof h);
        h.policy = IV_POLICY_LENIENT;
        h.cancel_at = cancel[k];
        h.threads = 1; /* the serial reader (the file's size is the total) */
        ingest(&ref, path, lf.t.p, lf.t.n, h);
        if (cancel[k])
            ck_assert_int_eq(ref.rc, IV_ECANCELED);
        else
            ck_assert_uint_ge(ref.progress.n, 10);
        for (t = 2; t <= 4; t++) {
            h.threads = t;
            iv__ingest_chunk = t == 3 ? 4096 : t == 4 ? 999 : 1 << 20;
            ingest(&got, path, lf.t.p, lf.t.n, h);
            same(&ref, &got, path, "progress");
            free_outcome(&got);
            /* a byte range from 0 to the end reads like the whole file */
            h.end = UINT64_MAX;
            ingest(&got, path, lf.t.p, lf.t.n, h);
            same(&ref, &got, path, "progress, range");
            free_outcome(&got);
            h.end = 0;
        }
        iv__ingest_chunk = chunk_default;
        free_outcome(&ref);
        remove(path);
    }
    iv__ingest_progress_step = (uint64_t)4 << 20;
    iv__ingest_read_chunk = (size_t)256 << 10;
    free_log(&lf);
}
END_TEST

/* The metrics of a shuffled log, read with any thread count, are those of the log. */
static const char *metrics_by = "channel,type,stage,note";
static const char *metrics_where = NULL;
static int64_t metrics_from = IV_TIME_NONE;

static char *metrics_csv(const char *path, int threads)
{
    iv_store *s = NULL;
    iv_ingest *ing = NULL;
    iv_ingest_options io = IV_INGEST_OPTIONS_INIT;
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    char out[512];
    char *csv;
    size_t n;
    io.threads = threads;
    q.by = metrics_by;
    q.where = metrics_where;
    q.from = metrics_from;
    q.threads = (unsigned)threads;
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    ck_assert_int_eq(iv_ingest_new(&ing, s, &io), IV_OK);
    ck_assert_int_eq(iv_ingest_file(ing, path), IV_OK);
    iv_ingest_free(ing);
    ck_assert_int_eq(iv_query_metrics(&t, s, &q), IV_OK);
    tu_temp_path(out, sizeof out, ".csv");
    ck_assert_int_eq(iv_table_save(t, IV_FORMAT_CSV, out), IV_OK);
    csv = tu_read_file(out, &n);
    remove(out);
    iv_table_free(t);
    iv_store_free(s);
    return csv;
}

START_TEST(shuffled_rows_give_the_same_metrics_on_any_thread_count)
{
    logfile a, b;
    size_t *perm = malloc(4000 * sizeof *perm), i;
    uint64_t rs = 99;
    char pa[512], pb[512];
    char *ref;
    int t;
    for (i = 0; i < 4000; i++)
        perm[i] = i;
    for (i = 4000; i > 1; i--) { /* Fisher-Yates */
        size_t j = (size_t)(next_rand(&rs) % i), x = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = x;
    }
    make_log(&a, 4000, 21, 0, NULL);
    make_log(&b, 4000, 21, 0, perm);
    ck_assert_uint_eq(a.t.n, b.t.n);
    tu_temp_path(pa, sizeof pa, ".csv");
    tu_temp_path(pb, sizeof pb, ".csv");
    write_file(pa, a.t.p, a.t.n);
    write_file(pb, b.t.p, b.t.n);
    iv__ingest_chunk = 4096;
    ref = metrics_csv(pa, 1);
    for (t = 1; t <= 4; t++) {
        char *x = metrics_csv(pa, t), *y = metrics_csv(pb, t);
        ck_assert_str_eq(x, ref);
        ck_assert_str_eq(y, ref);
        free(x);
        free(y);
    }
    iv__ingest_chunk = chunk_default;
    free(ref);
    remove(pa);
    remove(pb);
    free(perm);
    free_log(&a);
    free_log(&b);
}
END_TEST

/* The grouped query reads the rows in store order and counts each group's distinct
 * contacts in a bitmap; the walk over the contact index (the way before, and the
 * fallback when the bitmaps would pass their budget) must give the same bytes, on any
 * thread count (contacts of a group seen by several threads are counted once), on any
 * row order, for code, bucket, stage, custom and contact-level keys, with a selection
 * and a time range. */
START_TEST(scan_walk_and_fallback_give_the_same_metrics)
{
    static const struct { const char *by, *where; int64_t from; } qs[] = {
        { "channel,type,stage,note", NULL, IV_TIME_NONE },
        { "month,channel", "type in (click, purchase) and channel in (web, phone)", IV_TIME_NONE },
        { "week,contact_stage", NULL, 1748736000000LL }, /* from 2025-06-01 */
        { "", NULL, IV_TIME_NONE },
    };
    logfile a, b;
    size_t *perm = malloc(4000 * sizeof *perm), i, q;
    uint64_t rs = 7;
    char pa[512], pb[512];
    int t, mode;
    for (i = 0; i < 4000; i++)
        perm[i] = i;
    for (i = 4000; i > 1; i--) { /* Fisher-Yates */
        size_t j = (size_t)(next_rand(&rs) % i), x = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = x;
    }
    make_log(&a, 4000, 23, 0, NULL);
    make_log(&b, 4000, 23, 0, perm);
    tu_temp_path(pa, sizeof pa, ".csv");
    tu_temp_path(pb, sizeof pb, ".csv");
    write_file(pa, a.t.p, a.t.n);
    write_file(pb, b.t.p, b.t.n);
    iv__group_parallel_rows = 0; /* small stores on several threads too */
    for (q = 0; q < sizeof qs / sizeof *qs; q++) {
        char *ref;
        metrics_by = qs[q].by;
        metrics_where = qs[q].where;
        metrics_from = qs[q].from;
        iv__group_force_walk = 1;
        ref = metrics_csv(pa, 1);
        ck_assert_ptr_nonnull(strchr(ref, '\n'));
        /* mode 0: the walk; 1: the scan; 2: a budget of one bitmap, so the scan gives up */
        for (mode = 0; mode < 3; mode++) {
            iv__group_force_walk = mode == 0;
            iv__group_scan_bits_max = mode == 2 ? 1 : (size_t)48 << 20;
            for (t = 1; t <= 4; t++) {
                char *x = metrics_csv(pa, t), *y = metrics_csv(pb, t);
                ck_assert_msg(strcmp(x, ref) == 0, "by %s, mode %d, %d threads:\n%s---\n%s", qs[q].by, mode, t, x, ref);
                ck_assert_msg(strcmp(y, ref) == 0, "by %s, mode %d, %d threads, shuffled", qs[q].by, mode, t);
                free(x);
                free(y);
            }
        }
        free(ref);
    }
    iv__group_force_walk = 0;
    iv__group_scan_bits_max = (size_t)48 << 20;
    iv__group_parallel_rows = 200000;
    metrics_by = "channel,type,stage,note";
    metrics_where = NULL;
    metrics_from = IV_TIME_NONE;
    remove(pa);
    remove(pb);
    free(perm);
    free_log(&a);
    free_log(&b);
}
END_TEST

/* First record start at or after p, from the generator's own offsets. */
static uint64_t true_start(const logfile *lf, uint64_t p)
{
    size_t i;
    uint64_t hdr = lf->start[0];
    if (p <= hdr)
        return hdr;
    for (i = 0; i < lf->n; i++)
        if (lf->start[i] >= p) {
            /* a blank line after the previous record also starts a record (an empty
             * one): the rule may stop there, which reads the same rows */
            return lf->start[i];
        }
    return lf->t.n;
}

START_TEST(record_start_is_found_from_every_offset)
{
    logfile lf;
    uint64_t p, got;
    size_t i;
    make_log(&lf, 120, 31, 0, NULL);
    for (p = 0; p <= lf.t.n; p++) {
        uint64_t want = true_start(&lf, p);
        ck_assert_int_eq(iv_ingest_find_record(lf.t.p, lf.t.n, p, NULL, &got), IV_OK);
        /* a blank line is an empty record: the finder may land on it, right before a
         * record, or on the record itself */
        if (got != want) {
            ck_assert_msg(got < want, "offset %llu: found %llu, the record starts at %llu", (unsigned long long)p,
                          (unsigned long long)got, (unsigned long long)want);
            for (i = (size_t)got; i < want; i++)
                ck_assert_msg(lf.t.p[i] == '\n' || lf.t.p[i] == '\r',
                              "offset %llu: found %llu inside a record that starts at %llu: [%.*s|%.*s]",
                              (unsigned long long)p, (unsigned long long)got, (unsigned long long)want,
                              (int)(got - p), lf.t.p + p, 200, lf.t.p + got);
        }
    }
    /* the file version reads the same header and rule */
    {
        char path[512];
        tu_temp_path(path, sizeof path, ".csv");
        write_file(path, lf.t.p, lf.t.n);
        for (p = 0; p <= lf.t.n; p += 7) {
            uint64_t g2;
            ck_assert_int_eq(iv_ingest_find_record(lf.t.p, lf.t.n, p, NULL, &got), IV_OK);
            ck_assert_int_eq(iv_ingest_find_record_file(path, p, NULL, &g2), IV_OK);
            ck_assert_uint_eq(got, g2);
        }
        remove(path);
    }
    /* JSON Lines: after every line feed, exactly */
    {
        const char *j = "{\"contact\":\"a\"}\n{\"contact\":\"b\\nc\"}\n\n{}";
        iv_ingest_options io = IV_INGEST_OPTIONS_INIT;
        io.format = IV_INPUT_JSONL;
        ck_assert_int_eq(iv_ingest_find_record(j, strlen(j), 0, &io, &got), IV_OK);
        ck_assert_uint_eq(got, 0);
        ck_assert_int_eq(iv_ingest_find_record(j, strlen(j), 1, &io, &got), IV_OK);
        ck_assert_uint_eq(got, 16);
        ck_assert_int_eq(iv_ingest_find_record(j, strlen(j), 17, &io, &got), IV_OK);
        ck_assert_uint_eq(got, 35); /* the blank line */
        ck_assert_int_eq(iv_ingest_find_record(j, strlen(j), 36, &io, &got), IV_OK);
        ck_assert_uint_eq(got, 36);
        ck_assert_int_eq(iv_ingest_find_record(j, strlen(j), 37, &io, &got), IV_OK);
        ck_assert_uint_eq(got, strlen(j));
    }
    free_log(&lf);
}
END_TEST

/* The rows of a store, in order, as text (id, contact, ts, note). */
static void rows_of(const iv_store *st, text *out)
{
    size_t r;
    for (r = 0; r < iv_store_rows(st); r++) {
        iv_record x;
        char buf[128];
        const char *note;
        iv_record_init(&x, sizeof x);
        ck_assert_int_eq(iv_store_get_row(st, r, &x), IV_OK);
        note = iv_store_dim_count(st) ? iv_store_get_dim(st, r, 0) : NULL;
        snprintf(buf, sizeof buf, "%s|%s|%lld|", x.id, x.contact, (long long)x.ts);
        puts_(out, buf);
        puts_(out, note ? note : "");
        puts_(out, "\n");
    }
}

START_TEST(byte_ranges_at_every_boundary_add_up_to_the_whole_file)
{
    logfile lf;
    char path[512];
    outcome whole, a, b;
    how h;
    uint64_t p;
    make_log(&lf, 30, 41, 1, NULL);
    tu_temp_path(path, sizeof path, ".csv");
    write_file(path, lf.t.p, lf.t.n);
    memset(&h, 0, sizeof h);
    h.policy = IV_POLICY_LENIENT;
    keep_snapshot = 0;
    ingest(&whole, path, lf.t.p, lf.t.n, h);
    ck_assert_int_eq(whole.rc, IV_OK);
    ck_assert_uint_gt(whole.rejected, 0);
    for (p = 0; p <= lf.t.n; p++) {
        text r;
        h.begin = 0;
        h.end = p ? p : 1; /* (h.end 0 means the whole file here; [0, 1) holds no record either) */
        h.threads = (int)(p % 3) + 1;
        ingest(&a, path, lf.t.p, lf.t.n, h);
        h.begin = p;
        h.end = UINT64_MAX;
        /* b's lines count from its first record (line 1) unless that is the file's first
         * record: shift them by the line feeds before it, counted here */
        {
            uint64_t start = 0, hdr = (uint64_t)(strchr(lf.t.p, '\n') - lf.t.p) + 1, k;
            ck_assert_int_eq(iv_ingest_find_record_file(path, p, NULL, &start), IV_OK);
            line_shift = 0;
            if (start > hdr)
                for (k = 0; k < start && k < lf.t.n; k++)
                    line_shift += lf.t.p[k] == '\n';
        }
        ingest(&b, path, lf.t.p, lf.t.n, h);
        line_shift = 0;
        ck_assert_int_eq(a.rc, IV_OK);
        ck_assert_int_eq(b.rc, IV_OK);
        ck_assert_msg(a.accepted + b.accepted == whole.accepted && a.rejected + b.rejected == whole.rejected,
                      "split at %llu: %llu+%llu rows, %llu+%llu rejects", (unsigned long long)p,
                      (unsigned long long)a.accepted, (unsigned long long)b.accepted,
                      (unsigned long long)a.rejected, (unsigned long long)b.rejected);
        /* rejects keep the file's offsets (and lines, shifted): a's then b's are the whole's */
        memset(&r, 0, sizeof r);
        if (a.rejects.n)
            put(&r, a.rejects.p, a.rejects.n);
        if (b.rejects.n)
            put(&r, b.rejects.p, b.rejects.n);
        ck_assert_msg(r.n == whole.rejects.n && memcmp(r.p, whole.rejects.p, r.n) == 0,
                      "split at %llu: rejects\n%s---\n%s", (unsigned long long)p, r.p ? r.p : "", whole.rejects.p);
        free(r.p);
        free_outcome(&a);
        free_outcome(&b);
    }
    keep_snapshot = 1;
    free_outcome(&whole);
    remove(path);
    free_log(&lf);
}
END_TEST

/* A mapped file is handed to the parser in pieces (iv__ingest_feed_piece), so that the
 * header read does not touch the whole file; records that straddle two pieces are
 * carried. Any piece size, from one byte to the whole file in one piece (the reader
 * before the pieces), gives the serial store, rejects and counters byte for byte. */
START_TEST(feeding_a_mapped_file_in_pieces_changes_nothing)
{
    static const uint64_t pieces[] = { 1, 13, 4096, (uint64_t)64 << 10, UINT64_MAX };
    static const int threads[] = { 1, 2, 3 };
    logfile lf;
    char path[512];
    outcome ref, got;
    how h;
    size_t i, t;
    make_log(&lf, 2000, 61, 1, NULL);
    tu_temp_path(path, sizeof path, ".csv");
    write_file(path, lf.t.p, lf.t.n);
    memset(&h, 0, sizeof h);
    h.policy = IV_POLICY_LENIENT;
    h.cancel_at = -1;
    h.push = 1000;
    ingest(&ref, path, lf.t.p, lf.t.n, h);
    ck_assert_int_eq(ref.rc, IV_OK);
    ck_assert_uint_gt(ref.rejected, 0);
    h.push = 0;
    iv__ingest_chunk = 4096;
    for (i = 0; i < sizeof pieces / sizeof *pieces; i++)
        for (t = 0; t < sizeof threads / sizeof *threads; t++) {
            char what[96];
            iv__ingest_feed_piece = pieces[i];
            h.threads = threads[t];
            /* one thread reads a mapped file only through the range API */
            h.end = threads[t] == 1 ? UINT64_MAX : 0;
            ingest(&got, path, lf.t.p, lf.t.n, h);
            snprintf(what, sizeof what, "pieces of %llu bytes, %d threads", (unsigned long long)pieces[i],
                     threads[t]);
            same(&ref, &got, path, what);
            free_outcome(&got);
        }
    iv__ingest_feed_piece = (uint64_t)64 << 10;
    iv__ingest_chunk = chunk_default;
    free_outcome(&ref);
    remove(path);
    free_log(&lf);
}
END_TEST

/* The parsers read their ranges into buffers with pread and IV__STRADDLE bytes past
 * their ends (iv__ingest_straddle); a record still open at the buffer's end continues
 * from the mapping. Buffers that end anywhere (0, 1 or 13 bytes past the range: most
 * straddling records, quoted line feeds among them, run past them), the 64 KiB default,
 * and the mapping alone (iv__ingest_pread 0) give the serial store, rejects, counters
 * and progress calls (and a cancel) byte for byte, with and without a line feed at the
 * end of the file. */
START_TEST(parsers_reading_their_ranges_change_nothing)
{
    static const uint64_t straddles[] = { 0, 1, 13, (uint64_t)64 << 10 };
    static const uint64_t chunks[] = { 97, 4096 };
    static const int threads[] = { 2, 3 };
    logfile lf;
    char path[512];
    outcome ref, got;
    how h;
    size_t i, c, t, v;
    int pr;
    make_log(&lf, 1500, 67, 2, NULL);
    for (v = 0; v < 3; v++) {
        size_t len = lf.t.n;
        if (v == 1) /* the last record without its line ending */
            while (len && (lf.t.p[len - 1] == '\n' || lf.t.p[len - 1] == '\r'))
                len--;
        tu_temp_path(path, sizeof path, ".csv");
        write_file(path, lf.t.p, len);
        memset(&h, 0, sizeof h);
        h.policy = IV_POLICY_LENIENT;
        h.threads = 1; /* the serial reader: the file's size is the progress total */
        h.cancel_at = v == 2 ? 3 : 0; /* variant 2 is canceled at the third progress call */
        iv__ingest_progress_step = 5000;
        ingest(&ref, path, lf.t.p, len, h);
        ck_assert_int_eq(ref.rc, v == 2 ? IV_ECANCELED : IV_OK);
        ck_assert_uint_gt(ref.rejected, 0);
        ck_assert_uint_gt(ref.progress.n, 0);
        for (pr = 0; pr < 2; pr++)
            for (i = 0; i < sizeof straddles / sizeof *straddles; i++)
                for (c = 0; c < sizeof chunks / sizeof *chunks; c++)
                    for (t = 0; t < sizeof threads / sizeof *threads; t++) {
                        char what[128];
                        iv__ingest_pread = pr;
                        iv__ingest_straddle = straddles[i];
                        iv__ingest_chunk = chunks[c];
                        h.threads = threads[t];
                        ingest(&got, path, lf.t.p, len, h);
                        snprintf(what, sizeof what, "pread %d, straddle %llu, range %llu, %d threads, variant %zu",
                                 pr, (unsigned long long)straddles[i], (unsigned long long)chunks[c], threads[t], v);
                        same(&ref, &got, path, what);
                        free_outcome(&got);
                    }
        iv__ingest_pread = 1;
        iv__ingest_straddle = (uint64_t)64 << 10;
        iv__ingest_chunk = chunk_default;
        iv__ingest_progress_step = (uint64_t)4 << 20;
        free_outcome(&ref);
        remove(path);
    }
    free_log(&lf);
}
END_TEST

/* The calling thread parses ranges too while the next one to append is not ready
 * (iv__drive). With no worker started (iv__ingest_workers 0) it parses every range
 * through the parallel driver, and with one worker on 3 or 4 threads whichever ranges
 * the worker leaves: strict and lenient (bad rows, quoted line feeds across range
 * ends), dedup=id, a cancel at the third progress call, a file without a final line
 * feed and one with a byte order mark give the serial store, rejects, counters,
 * message and progress calls. */
START_TEST(the_calling_thread_parsing_ranges_changes_nothing)
{
    static const size_t workers[] = { 0, 1, SIZE_MAX };
    static const uint64_t chunks[] = { 97, 4096 };
    static const int threads[] = { 2, 4 };
    logfile lf;
    char path[512];
    outcome ref, got;
    how h;
    size_t w, c, t, v;
    make_log(&lf, 1500, 71, 2, NULL);
    for (v = 0; v < 5; v++) {
        size_t len = lf.t.n;
        const char *data = lf.t.p;
        char *bom = NULL;
        if (v == 3) /* the last record without its line ending */
            while (len && (lf.t.p[len - 1] == '\n' || lf.t.p[len - 1] == '\r'))
                len--;
        if (v == 4) { /* a byte order mark before the header */
            bom = malloc(len + 3);
            ck_assert_ptr_nonnull(bom);
            memcpy(bom, "\xEF\xBB\xBF", 3);
            memcpy(bom + 3, lf.t.p, len);
            data = bom;
            len += 3;
        }
        tu_temp_path(path, sizeof path, ".csv");
        write_file(path, data, len);
        memset(&h, 0, sizeof h);
        h.policy = v == 0 ? IV_POLICY_STRICT : IV_POLICY_LENIENT;
        h.cancel_at = v == 2 ? 3 : -1;
        h.dedup = v == 1;
        h.threads = 1;
        iv__ingest_progress_step = 5000;
        ingest(&ref, path, data, len, h);
        ck_assert_int_eq(ref.rc, v == 0 ? IV_EPARSE : v == 2 ? IV_ECANCELED : IV_OK);
        if (v)
            ck_assert_uint_gt(ref.rejected, 0);
        for (w = 0; w < sizeof workers / sizeof *workers; w++)
            for (c = 0; c < sizeof chunks / sizeof *chunks; c++)
                for (t = 0; t < sizeof threads / sizeof *threads; t++) {
                    char what[128];
                    iv__ingest_workers = workers[w];
                    iv__ingest_chunk = chunks[c];
                    h.threads = threads[t];
                    ingest(&got, path, data, len, h);
                    snprintf(what, sizeof what, "%zu workers at most, range %llu, %d threads, variant %zu",
                             workers[w] == SIZE_MAX ? 99 : workers[w], (unsigned long long)chunks[c], threads[t], v);
                    same(&ref, &got, path, what);
                    free_outcome(&got);
                }
        iv__ingest_workers = SIZE_MAX;
        iv__ingest_chunk = chunk_default;
        iv__ingest_progress_step = (uint64_t)4 << 20;
        free_outcome(&ref);
        remove(path);
        free(bom);
    }
    free_log(&lf);
}
END_TEST

START_TEST(three_ranges_hold_the_rows_of_the_whole_file_in_order)
{
    logfile lf;
    char path[512];
    iv_store *whole = NULL;
    text want;
    uint64_t cut1, cut2;
    make_log(&lf, 80, 51, 0, NULL);
    tu_temp_path(path, sizeof path, ".csv");
    write_file(path, lf.t.p, lf.t.n);
    ck_assert_int_eq(iv_store_new(&whole, NULL), IV_OK);
    {
        iv_ingest *ing = NULL;
        ck_assert_int_eq(iv_ingest_new(&ing, whole, NULL), IV_OK);
        ck_assert_int_eq(iv_ingest_file(ing, path), IV_OK);
        iv_ingest_free(ing);
    }
    memset(&want, 0, sizeof want);
    rows_of(whole, &want);
    ck_assert_uint_eq(iv_store_rows(whole), 80);
    for (cut1 = 0; cut1 <= lf.t.n; cut1 += 37)
        for (cut2 = cut1; cut2 <= lf.t.n; cut2 += 53) {
            uint64_t bounds[4];
            text got;
            size_t k;
            bounds[0] = 0;
            bounds[1] = cut1;
            bounds[2] = cut2;
            bounds[3] = lf.t.n;
            memset(&got, 0, sizeof got);
            for (k = 0; k < 3; k++) {
                iv_ingest *ing = NULL;
                iv_ingest_options io = IV_INGEST_OPTIONS_INIT;
                iv_store *one = NULL;
                io.threads = (int)k + 1;
                ck_assert_int_eq(iv_store_new(&one, NULL), IV_OK);
                ck_assert_int_eq(iv_ingest_new(&ing, one, &io), IV_OK);
                if (bounds[k] == bounds[k + 1] && bounds[k] == 0) {
                    iv_ingest_free(ing);
                    iv_store_free(one);
                    continue; /* an empty first range */
                }
                ck_assert_int_eq(iv_ingest_file_range(ing, path, bounds[k], bounds[k + 1]), IV_OK);
                iv_ingest_free(ing);
                rows_of(one, &got);
                iv_store_free(one);
            }
            ck_assert_msg(got.n == want.n && memcmp(got.p, want.p, want.n) == 0, "cuts %llu %llu",
                          (unsigned long long)cut1, (unsigned long long)cut2);
            free(got.p);
        }
    free(want.p);
    iv_store_free(whole);
    remove(path);
    free_log(&lf);
}
END_TEST

/* Minor and major page faults of the process so far. */
static uint64_t faults(void)
{
    struct rusage ru;
    ck_assert_int_eq(getrusage(RUSAGE_SELF, &ru), 0);
    return (uint64_t)ru.ru_minflt + (uint64_t)ru.ru_majflt;
}

/* A range late in a big file costs its own size, not its offset: the file is a header,
 * a hole of 4 GiB (a sparse file: reading it would fault in a million zero pages) ending
 * in a line feed, then 200 records; the range of the records reads them without touching
 * the hole: fewer than 4096 page faults (26 and 3 measured), where a read of the hole
 * takes at least 65536 (its 2^20 pages, 16 per fault with the kernel's fault-around of
 * 64 KiB; 66088 measured before the prefix stopped being read). Its lines count from its first record,
 * its offsets are the file's, and a bad row's error names the file, the row's byte offset,
 * its line in the range and the range's offset (all worked out here from the bytes
 * written). */
START_TEST(a_late_range_reads_only_its_bytes_and_names_its_rows)
{
    static const char header[] = "contact,ts,channel,type,stage,cost,value,id,note\n";
    const uint64_t hole = (uint64_t)4 << 30;
    char path[512], rec[128], want[1024];
    uint64_t off[201], R, bad_off, f0;
    text body;
    FILE *f;
    struct stat st;
    int i, threads;
    tu_temp_path(path, sizeof path, ".csv");
    memset(&body, 0, sizeof body);
    R = sizeof header - 1 + hole + 1; /* the first record: after the hole's last byte, a line feed */
    for (i = 0; i < 200; i++) {
        off[i] = R + body.n;
        snprintf(rec, sizeof rec, "c%d,%s,web,visit,,1,2,id%d,\n", i % 17,
                 i == 149 ? "not a time" : "2024-01-05 10:00:00", i);
        puts_(&body, rec);
    }
    off[200] = R + body.n;
    bad_off = off[149];
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(header, 1, sizeof header - 1, f), sizeof header - 1);
    ck_assert_int_eq(fseeko(f, (off_t)(R - 1), SEEK_SET), 0);
    ck_assert_int_eq(fputc('\n', f), '\n');
    ck_assert_uint_eq(fwrite(body.p, 1, body.n, f), body.n);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq((uint64_t)st.st_size, off[200]);
    ck_assert_msg((uint64_t)st.st_blocks * 512 < ((uint64_t)64 << 20), "the file system wrote the hole");
    for (threads = 1; threads <= 2; threads++) {
        iv_store *s = NULL;
        iv_ingest *ing = NULL;
        iv_ingest_options io = IV_INGEST_OPTIONS_INIT;
        uint64_t line = 0, o = 0;
        const char *reason = NULL, *raw = NULL;
        io.threads = threads;
        /* lenient, the range [R, end): 199 rows, the bad one on line 150 of the range */
        io.policy = IV_POLICY_LENIENT;
        ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
        ck_assert_int_eq(iv_ingest_new(&ing, s, &io), IV_OK);
        f0 = faults();
        ck_assert_int_eq(iv_ingest_file_range(ing, path, R, UINT64_MAX), IV_OK);
        f0 = faults() - f0;
        ck_assert_msg(f0 < 4096, "%llu page faults for a range of %zu bytes",
                      (unsigned long long)f0, body.n);
        ck_assert_uint_eq(iv_store_rows(s), 199);
        ck_assert_uint_eq(iv_ingest_reject_count(ing), 1);
        ck_assert_int_eq(iv_ingest_reject(ing, 0, &line, &o, &reason, &raw), IV_OK);
        ck_assert_uint_eq(line, 150);
        ck_assert_uint_eq(o, bad_off);
        ck_assert_str_eq(raw, "c13,not a time,web,visit,,1,2,id149,");
        iv_ingest_free(ing);
        iv_store_free(s);
        /* strict, a range that begins inside record 0: it starts at record 1, so the bad
         * row is its line 149 */
        io.policy = IV_POLICY_STRICT;
        ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
        ck_assert_int_eq(iv_ingest_new(&ing, s, &io), IV_OK);
        f0 = faults();
        ck_assert_int_eq(iv_ingest_file_range(ing, path, R + 5, off[180]), IV_EPARSE);
        f0 = faults() - f0;
        ck_assert_uint_lt(f0, 4096);
        snprintf(want, sizeof want, "%s: byte offset %llu, line 149 of the range from byte offset %llu, column 2 (ts): ",
                 path, (unsigned long long)bad_off, (unsigned long long)off[1]);
        ck_assert_msg(strncmp(iv_error_last(), want, strlen(want)) == 0, "'%s' does not start with '%s'",
                      iv_error_last(), want);
        ck_assert_uint_eq(iv_store_rows(s), 148); /* records 1..148 */
        iv_ingest_free(ing);
        iv_store_free(s);
        /* a range of good rows after the bad one: [off[150] - 3, off[170]) holds records
         * 150..169 */
        ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
        ck_assert_int_eq(iv_ingest_new(&ing, s, &io), IV_OK);
        ck_assert_int_eq(iv_ingest_file_range(ing, path, off[150] - 3, off[170]), IV_OK);
        ck_assert_uint_eq(iv_store_rows(s), 20);
        iv_ingest_free(ing);
        iv_store_free(s);
    }
    free(body.p);
    remove(path);
}
END_TEST

START_TEST(old_option_sizes_and_bad_thread_counts)
{
    iv_store *s = NULL;
    iv_ingest *ing = NULL;
    iv_ingest_options io = IV_INGEST_OPTIONS_INIT;
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    /* a caller built against 1.1 passes the size without threads */
    io.size = offsetof(iv_ingest_options, threads);
    ck_assert_int_eq(iv_ingest_new(&ing, s, &io), IV_OK);
    iv_ingest_free(ing);
    io.size = sizeof io;
    io.threads = -1;
    ck_assert_int_eq(iv_ingest_new(&ing, s, &io), IV_EINVAL);
    ck_assert_ptr_nonnull(strstr(iv_error_last(), "threads"));
    ck_assert_int_eq(iv_ingest_options_init(&io, sizeof io), IV_OK);
    ck_assert_int_eq(io.threads, 0);
    iv_store_free(s);
}
END_TEST

START_TEST(a_user_allocator_sees_one_thread_at_a_time_and_gets_everything_back)
{
    logfile lf;
    char path[512];
    tu_alloc a;
    iv_store *s = NULL;
    iv_ingest *ing = NULL;
    iv_store_options so = IV_STORE_OPTIONS_INIT;
    iv_ingest_options io = IV_INGEST_OPTIONS_INIT;
    make_log(&lf, 2000, 61, 1, NULL);
    tu_temp_path(path, sizeof path, ".csv");
    write_file(path, lf.t.p, lf.t.n);
    tu_alloc_reset(&a, 0);
    so.alloc = tu_alloc_fn;
    so.alloc_ud = &a;
    io.threads = 4;
    io.policy = IV_POLICY_LENIENT;
    iv__ingest_chunk = 2048;
    ck_assert_int_eq(iv_store_new(&s, &so), IV_OK);
    ck_assert_int_eq(iv_ingest_new(&ing, s, &io), IV_OK);
    ck_assert_int_eq(iv_ingest_file(ing, path), IV_OK);
    iv_ingest_free(ing);
    iv_store_free(s);
    iv__ingest_chunk = chunk_default;
    ck_assert_int_eq(a.live, 0);
    ck_assert_int_eq(a.bytes, 0);
    remove(path);
    free_log(&lf);
}
END_TEST

/* Inputs of 1 MiB or more reserve the store's row vectors from the mean record length
 * of their first MiB (capacity only). Whether the estimate is right, far too low (long
 * records first: the columns then grow past the reservation) or too high (short records
 * first), the file gives the store, counters and rejects of the same bytes pushed in
 * small pieces (which never reserve), on 1, 2 and 4 threads. */
/* ------------------------------------------------------------- direct path ---- */

/* One field of a direct-path log: mostly a plain value from the first `good` entries
 * of the pool, sometimes any of them (blanks, other spellings, bad values, quotes). */
static const char *pick(const char *const *pool, size_t n, size_t good, uint64_t *rs)
{
    uint64_t r = next_rand(rs);
    return pool[r % 10 < 7 ? (r >> 8) % good : (r >> 8) % n];
}

#define PICK(pool, good, rs) pick(pool, sizeof pool / sizeof *pool, good, rs)

/* A log whose header maps every column to a fixed field (the direct path of the
 * parser, iv__direct_row), with values that it takes and every kind that it must leave
 * to the general path: missing and blank fields, names not in normal form, timestamps
 * with blanks, milliseconds, offsets, other spellings and out of range, enums in other
 * cases, numbers with signs, exponents, out of bounds or not numbers, quoted fields,
 * non-ASCII and NUL bytes, wrong field counts, CRLF, blank lines. */
static void make_direct_log(text *t, int header, size_t n, uint64_t seed)
{
    static const char *const contact[] = { "c1", "c22", "c333", "a-contact-name-of-forty-bytes-0123456789", "",
                                           " c4 ", "caf\xc3\xa9", "\"q,c\"", "c\"x" };
    static const char *const ts[] = { "2025-03-01T12:00:00Z", "2024-02-29T23:59:59Z", "1999-12-31T00:00:01Z",
                                      "2025-01-02T03:04:05.123Z", "2025-06-30T22:00:00+02:00",
                                      " 2025-01-02T03:04:05Z", "2025-01-02T03:04:05Z\t", "2025-01-02 03:04:05", "",
                                      "2025-13-01T00:00:00Z", "1899-12-31T23:59:59Z", "2200-12-31T23:00:00-05:00",
                                      "2025-02-29T00:00:00Z", "garbage", "1735689600" };
    static const char *const channel[] = { "email", "web", "sms", "Email", "e-mail", " phone ", "", "  ",
                                           "\"web\"" };
    static const char *const type[] = { "open", "click", "visit", "Purchase", "page view", "", "\t" };
    static const char *const stage[] = { "", "acquisition", "closing", "retention", "Retention", " closing ",
                                         "bogus", "2" };
    static const char *const area[] = { "", "technology", "content", "Governance", "x" };
    static const char *const direction[] = { "", "in", "out", "IN", "sideways" };
    static const char *const outc[] = { "", "desired", "neutral", "undesired", "1", "-1", "0", "maybe" };
    static const char *const cost[] = { "", "1.5", "0", "12.75", " 2.25 ", "-1", "-0", "+3", ".5", "5.", "1e16",
                                        "1e15", "abc", "1,5", "nan", "inf", "12345678901234567890123", "1e-400" };
    static const char *const value[] = { "", "-7.25", "3", "100", "-1e15", "-1.0000001e15", "1e308", "1e309",
                                         "\"4\"", "4x" };
    static const char *const team[] = { "", "t1", "team-two", "a-team-name-longer-than-twenty-four-bytes" };
    /* header 3: score, rv and custom dimensions (on the direct path since append7) */
    static const char *const stype[] = { "nps", "open", "csat", "ces", "NPS", " nps", "" };
    static const char *const score[] = { "", "3", "10", "0", "2.5", "11", "-1", " 4 ", "5.5", "7", "1e400",
                                         "nan", "inf", "x", "\"9\"" };
    static const char *const rv[] = { "", "12.5", "-3", "1e15", "-1e15", "0", "1.0000001e15", "-2e15", "inf",
                                      "nan", "abc", " 7 ", "1e-400" };
    static const char *const region[] = { "", "emea", "amer", "apac", " apac ", "EMEA",
                                          "region-of-thirty-bytes-0123456" /* > max_string 24, record < max_line 90 */, "\"q,r\"",
                                          "caf\xc3\xa9" };
    static const char *const segment[] = { "", "s1", "s22", "s333", "\t", "S1" };
    static const char *const headers[] = {
        "contact,ts,channel,type,stage,area,direction,outcome,cost,value,team,id",
        "value,type,ts,contact,channel,cost",
        "contact,ts,channel,type",
        "Region,contact,ts,score,channel,type,rv,segment,id,team,cost",
    };
    uint64_t rs = seed;
    size_t i;
    puts_(t, headers[header]);
    puts_(t, "\n");
    for (i = 0; i < n; i++) {
        char id[32];
        uint64_t r = next_rand(&rs);
        const char *c = PICK(contact, 4, &rs), *w = PICK(ts, 5, &rs), *ch = PICK(channel, 3, &rs),
                   *ty = PICK(type, 3, &rs), *co = PICK(cost, 4, &rs), *va = PICK(value, 4, &rs);
        snprintf(id, sizeof id, "%s%zu", r % 5 ? "id" : "", i % 50);
        if (header == 0) {
            const char *f[] = { c, w, ch, ty, PICK(stage, 4, &rs), PICK(area, 3, &rs), PICK(direction, 3, &rs),
                                PICK(outc, 4, &rs), co, va, PICK(team, 3, &rs), id };
            size_t k;
            for (k = 0; k < 12; k++) {
                puts_(t, f[k]);
                if (k < 11)
                    puts_(t, ",");
            }
        } else if (header == 3) {
            const char *f[] = { PICK(region, 4, &rs), c, w, PICK(score, 5, &rs), ch, PICK(stype, 4, &rs),
                                PICK(rv, 6, &rs), PICK(segment, 4, &rs), id, PICK(team, 3, &rs), co };
            size_t k;
            for (k = 0; k < 11; k++) {
                puts_(t, f[k]);
                if (k < 10)
                    puts_(t, ",");
            }
        } else if (header == 1) {
            const char *f[] = { va, ty, w, c, ch, co };
            size_t k;
            for (k = 0; k < 6; k++) {
                puts_(t, f[k]);
                if (k < 5)
                    puts_(t, ",");
            }
        } else {
            puts_(t, c);
            puts_(t, ",");
            puts_(t, w);
            puts_(t, ",");
            puts_(t, ch);
            puts_(t, ",");
            puts_(t, ty);
        }
        if ((r >> 8) % 97 == 0)
            puts_(t, ",extra"); /* one field too many */
        if ((r >> 16) % 89 == 0)
            put(t, "\0", 1);    /* a NUL byte in the last field */
        puts_(t, (r >> 24) % 5 == 0 ? "\r\n" : "\n");
        if ((r >> 32) % 31 == 0)
            puts_(t, "\n");     /* a blank line */
        if ((r >> 40) % 101 == 0)
            puts_(t, "c9\n");   /* too few fields */
    }
}

/* The direct path of the parser takes only rows that the general one takes, and queues
 * them exactly as it does: every way of reading (pushed in pieces of 7 bytes, 1000
 * bytes or whole; the file on 1 to 3 threads in ranges of 97 and 4096 bytes) gives the
 * same store, rejects, counters, message and progress calls with the direct path as
 * with the general path alone; without max_line and progress calls (which fall where
 * the pieces end), also those of the general path pushed in 1000-byte pieces. Mutations that
 * change the queued timestamp, cost or contact of a direct row, or let it take a
 * non-normal name, make this test fail. */
static void direct_same(const char *path, const text *t, how h, const outcome *base, const char *what)
{
    outcome ref, got;
    iv__ingest_direct = 0;
    ingest(&ref, path, t->p, t->n, h);
    iv__ingest_direct = 1;
    ingest(&got, path, t->p, t->n, h);
    same(&ref, &got, path, what);
    if (base)
        same(base, &got, path, what);
    free_outcome(&ref);
    free_outcome(&got);
}

START_TEST(direct_path_gives_what_the_general_path_gives)
{
    static const size_t pushes[] = { 1000, 7, 0 };
    static const uint64_t chunks[] = { 97, 4096 };
    static const int threads[] = { 1, 2, 3 };
    static const int policies[] = { IV_POLICY_LENIENT, IV_POLICY_STRICT };
    int header, pol, variant;
    for (header = 0; header < 4; header++)
        for (variant = 0; variant < 3; variant++)
            for (pol = 0; pol < 2; pol++) {
                text t = { 0 };
                char path[512], what[160];
                outcome base;
                how h;
                size_t k, c, th;
                make_direct_log(&t, header, 1500, 1000 + (uint64_t)header * 10 + (uint64_t)variant);
                tu_temp_path(path, sizeof path, ".csv");
                write_file(path, t.p, t.n);
                /* variant 1: short strings and records are bad; 2: progress, canceled */
                opt_max_string = variant == 1 ? 24 : 0;
                opt_max_line = variant == 1 ? 90 : 0;
                iv__ingest_progress_step = variant == 2 ? 5000 : (uint64_t)4 << 20;
                memset(&h, 0, sizeof h);
                h.policy = policies[pol];
                h.cancel_at = variant == 2 ? 4 : -1;
                h.push = 1000;
                iv__ingest_direct = 0;
                ingest(&base, path, t.p, t.n, h);
                iv__ingest_direct = 1;
                if (pol == 0 && variant == 0) {
                    ck_assert_uint_gt(base.rejected, 30);  /* the bad kinds are there */
                    ck_assert_uint_gt(base.accepted, 600); /* and many good rows */
                }
                for (k = 0; k < sizeof pushes / sizeof *pushes; k++) {
                    h.push = pushes[k] ? pushes[k] : t.n;
                    snprintf(what, sizeof what, "header %d variant %d policy %d, pushed in %zu", header, variant,
                             h.policy, h.push);
                    direct_same(path, &t, h, variant || pushes[k] != 1000 ? NULL : &base, what);
                }
                h.push = 0;
                for (c = 0; c < sizeof chunks / sizeof *chunks; c++)
                    for (th = 0; th < sizeof threads / sizeof *threads; th++) {
                        iv__ingest_chunk = chunks[c];
                        h.threads = threads[th];
                        snprintf(what, sizeof what, "header %d variant %d policy %d, ranges %llu, %d threads",
                                 header, variant, h.policy, (unsigned long long)chunks[c], threads[th]);
                        direct_same(path, &t, h, variant ? NULL : &base, what);
                    }
                iv__ingest_chunk = chunk_default;
                free_outcome(&base);
                remove(path);
                free(t.p);
            }
    opt_max_string = opt_max_line = 0;
    iv__ingest_progress_step = (uint64_t)4 << 20;
}
END_TEST

/* The direct path's test of channel and type names (in normal form: no capital, '-' or
 * blank; 8 bytes at a time when they fit) against the general path's byte loop: every
 * ASCII byte that can stand in an unquoted field, at every position of names of 1 to 9
 * bytes, as the channel and as the type, at the end of the record (fewer than 8 bytes
 * after the name's start) and before other fields. */
START_TEST(direct_path_names_byte_by_byte)
{
    text t = { 0 };
    char path[512];
    how h;
    int b, last;
    size_t n, at;
    outcome ref, got;
    puts_(&t, "contact,ts,cost,channel,type\n");
    for (last = 0; last < 2; last++)
        for (b = 1; b < 128; b++) {
            if (b == '\n' || b == ',' || b == '"')
                continue;
            for (n = 1; n <= 9; n++)
                for (at = 0; at < n; at++) {
                    char name[16], row[96];
                    memset(name, 'k', n);
                    name[n] = '\0';
                    name[at] = (char)b;
                    if (last)
                        snprintf(row, sizeof row, "c%d,2025-01-01T00:00:00Z,1,web,%s\n", b, name);
                    else
                        snprintf(row, sizeof row, "c%d,2025-01-01T00:00:00Z,1,%s,open\n", b, name);
                    puts_(&t, row);
                }
        }
    tu_temp_path(path, sizeof path, ".csv");
    write_file(path, t.p, t.n);
    memset(&h, 0, sizeof h);
    h.policy = IV_POLICY_LENIENT;
    h.cancel_at = -1;
    h.push = t.n;
    iv__ingest_direct = 0;
    ingest(&ref, path, t.p, t.n, h);
    iv__ingest_direct = 1;
    ingest(&got, path, t.p, t.n, h);
    /* 124 bytes x 45 (length, position) pairs x 2 fields; rejected: the names that are
     * one blank (TAB, VT, FF, CR, space) as channel or type */
    ck_assert_uint_eq(ref.accepted, 11150);
    ck_assert_uint_eq(ref.rejected, 10);
    same(&ref, &got, path, "names, pushed whole");
    free_outcome(&got);
    h.push = 0;
    h.threads = 2;
    iv__ingest_chunk = 4096;
    ingest(&got, path, t.p, t.n, h);
    iv__ingest_chunk = chunk_default;
    same(&ref, &got, path, "names, 2 threads");
    free_outcome(&got);
    free_outcome(&ref);
    remove(path);
    free(t.p);
}
END_TEST

START_TEST(reserving_rows_from_a_sample_changes_nothing)
{
    static const int threads[] = { 1, 2, 4 };
    logfile lf[3];
    char path[512], note[420];
    size_t k, i, t;
    uint64_t rs = 5;
    memset(note, 'x', sizeof note - 1);
    note[sizeof note - 1] = '\0';
    make_log(&lf[0], 30000, 17, 1, NULL);
    for (k = 1; k < 3; k++) {
        memset(&lf[k], 0, sizeof lf[k]);
        puts_(&lf[k].t, "contact,ts,channel,type,stage,cost,value,id,note\n");
    }
    /* lf[1]: 3000 records of about 470 bytes, then 40000 short ones; lf[2]: the reverse */
    for (i = 0; i < 3000; i++) {
        puts_(&lf[1].t, "c1,2025-02-03T04:05:06Z,web,visit,,1.25,,idl,");
        puts_(&lf[1].t, note);
        puts_(&lf[1].t, "\n");
    }
    for (i = 0; i < 40000; i++)
        record(&lf[1].t, 3000 + i, &rs, 0);
    for (i = 0; i < 40000; i++)
        record(&lf[2].t, i, &rs, 0);
    for (i = 0; i < 3000; i++) {
        puts_(&lf[2].t, "c2,2025-03-04T05:06:07Z,email,click,,2.5,,idm,");
        puts_(&lf[2].t, note);
        puts_(&lf[2].t, "\n");
    }
    for (k = 0; k < 3; k++) {
        outcome ref, got;
        how h;
        ck_assert_uint_gt(lf[k].t.n, (size_t)1 << 21);
        tu_temp_path(path, sizeof path, ".csv");
        write_file(path, lf[k].t.p, lf[k].t.n);
        memset(&h, 0, sizeof h);
        h.policy = IV_POLICY_LENIENT;
        h.cancel_at = -1;
        h.push = 4096;
        ingest(&ref, path, lf[k].t.p, lf[k].t.n, h);
        ck_assert_uint_gt(ref.accepted, 20000);
        h.push = 0;
        for (t = 0; t < sizeof threads / sizeof *threads; t++) {
            char what[64];
            h.threads = threads[t];
            ingest(&got, path, lf[k].t.p, lf[k].t.n, h);
            snprintf(what, sizeof what, "file %zu, %d threads", k, threads[t]);
            same(&ref, &got, path, what);
            free_outcome(&got);
        }
        free_outcome(&ref);
        remove(path);
        free_log(&lf[k]);
    }
}
END_TEST

/* A queued row holds its channel and type as codes into its batch's table of names,
 * which takes at most iv__ingest_batch_names names; a row whose name finds no room
 * carries the name itself. Many distinct names (short and longer than 16 bytes, in
 * their normal form or with capitals that the general path lowers, the same names as
 * channel and as type), teams and ids on some rows and bad rows between: every table
 * size, thread count, range size and path gives the serial store, and the rows hold
 * the names the generator wrote. */
static void names_name(unsigned k, char *raw, char *norm)
{
    size_t i;
    switch (k % 5) {
    case 0: sprintf(raw, "n%u", k); break;
    case 1: sprintf(raw, "Name%u", k); break;
    case 2: sprintf(raw, "channel_with_a_long_name_%u", k); break;
    case 3: sprintf(raw, "Channel_With_A_Long_Name_%u", k); break;
    default: sprintf(raw, "shared%u", k % 7); break;
    }
    for (i = 0; raw[i]; i++)
        norm[i] = (char)(raw[i] >= 'A' && raw[i] <= 'Z' ? raw[i] - 'A' + 'a' : raw[i]);
    norm[i] = '\0';
}

static void make_names_log(text *t, size_t n, uint64_t seed, char (*want)[2][48], unsigned char *bad)
{
    size_t i;
    puts_(t, "contact,ts,channel,type,cost,team,id\n");
    for (i = 0; i < n; i++) {
        uint64_t r = next_rand(&seed);
        char raw[2][48], buf[256];
        names_name((unsigned)(r % 160), raw[0], want[i][0]);
        names_name((unsigned)((r >> 8) % 160), raw[1], want[i][1]);
        bad[i] = (r >> 40) % 11 == 0;
        snprintf(buf, sizeof buf, "c%u,2025-03-%02uT10:00:00Z,%s,%s,%s,%s,%s\n", (unsigned)((r >> 16) % 50),
                 (unsigned)((r >> 24) % 28) + 1, raw[0], raw[1], bad[i] ? "-1" : "2.5",
                 (r >> 32) % 3 == 0 ? "t1" : "", (r >> 36) % 5 == 0 ? "idx" : "");
        puts_(t, buf);
    }
}

START_TEST(a_full_name_table_changes_nothing)
{
    static const size_t tables[] = { 0xFFFE, 0, 1, 7 };
    static const uint64_t chunks[] = { 97, 4096 };
    static const int threads[] = { 1, 2, 3 };
    const size_t n = 2500;
    char (*want)[2][48] = calloc(n, sizeof *want);
    unsigned char *bad = calloc(n, 1);
    size_t names_default = iv__ingest_batch_names, tb, c, th, i, row;
    text t = { 0 };
    char path[512], what[128];
    outcome ref, got;
    how h;
    iv_store *s = NULL;
    iv_ingest *ing = NULL;
    iv_ingest_options io = IV_INGEST_OPTIONS_INIT;
    iv_record rec;
    ck_assert_ptr_nonnull(want);
    ck_assert_ptr_nonnull(bad);
    make_names_log(&t, n, 77, want, bad);
    tu_temp_path(path, sizeof path, ".csv");
    write_file(path, t.p, t.n);
    /* the rows hold the names written (two threads, small ranges, a table of 7) */
    iv__ingest_batch_names = 7;
    iv__ingest_chunk = 512;
    io.threads = 2;
    io.policy = IV_POLICY_LENIENT;
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    ck_assert_int_eq(iv_ingest_new(&ing, s, &io), IV_OK);
    ck_assert_int_eq(iv_ingest_file(ing, path), IV_OK);
    ck_assert_int_eq(iv_record_init(&rec, sizeof rec), IV_OK);
    for (i = row = 0; i < n; i++) {
        if (bad[i])
            continue;
        ck_assert_int_eq(iv_store_get_row(s, row, &rec), IV_OK);
        ck_assert_str_eq(rec.channel, want[i][0]);
        ck_assert_str_eq(rec.type, want[i][1]);
        row++;
    }
    ck_assert_uint_eq(iv_store_rows(s), row);
    ck_assert_uint_gt(n - row, 150); /* bad rows were there */
    iv_ingest_free(ing);
    iv_store_free(s);
    iv__ingest_batch_names = names_default;
    /* every table size, thread count, range size and path: the serial store */
    memset(&h, 0, sizeof h);
    h.policy = IV_POLICY_LENIENT;
    h.cancel_at = -1;
    h.push = 1000;
    ingest(&ref, path, t.p, t.n, h);
    ck_assert_uint_eq(ref.accepted, row);
    h.push = 0;
    for (tb = 0; tb < sizeof tables / sizeof *tables; tb++)
        for (c = 0; c < sizeof chunks / sizeof *chunks; c++)
            for (th = 0; th < sizeof threads / sizeof *threads; th++) {
                int direct;
                for (direct = 0; direct < 2; direct++) {
                    iv__ingest_batch_names = tables[tb];
                    iv__ingest_chunk = chunks[c];
                    iv__ingest_direct = direct;
                    h.threads = threads[th];
                    ingest(&got, path, t.p, t.n, h);
                    snprintf(what, sizeof what, "table %zu, ranges %llu, %d threads, direct %d", tables[tb],
                             (unsigned long long)chunks[c], threads[th], direct);
                    same(&ref, &got, path, what);
                    free_outcome(&got);
                }
            }
    iv__ingest_direct = 1;
    iv__ingest_batch_names = names_default;
    iv__ingest_chunk = chunk_default;
    free_outcome(&ref);
    remove(path);
    free(t.p);
    free(want);
    free(bad);
}
END_TEST

/* A queued row keeps its record's line and end, and the batch the parser's rejection
 * counters where they changed: an append that fails (the store's string limit) after
 * rows were rejected in the same batch or range takes the counters, the rejects and the
 * message back to the serial order's, on any thread count and range size. */
START_TEST(an_append_failing_after_rejects_in_its_range_counts_as_the_serial_order)
{
    static const uint64_t limits[] = { 600, 1601, 2450 };
    static const uint64_t chunks[] = { 97, 512, 4096, 1 << 20 };
    static const int threads[] = { 1, 2, 4 };
    logfile lf;
    char path[512], what[128];
    outcome ref, got;
    how h;
    size_t l, c, t;
    make_log(&lf, 3000, 91, 1, NULL);
    tu_temp_path(path, sizeof path, ".csv");
    write_file(path, lf.t.p, lf.t.n);
    memset(&h, 0, sizeof h);
    h.policy = IV_POLICY_LENIENT;
    h.cancel_at = -1;
    for (l = 0; l < sizeof limits / sizeof *limits; l++) {
        opt_max_strings = limits[l];
        h.push = 1000;
        h.threads = 0;
        ingest(&ref, path, lf.t.p, lf.t.n, h);
        ck_assert_int_eq(ref.rc, IV_ELIMIT);
        ck_assert_uint_gt(ref.rejected, 20);
        ck_assert_uint_eq(ref.read, ref.accepted + ref.rejected);
        h.push = 0;
        for (c = 0; c < sizeof chunks / sizeof *chunks; c++)
            for (t = 0; t < sizeof threads / sizeof *threads; t++) {
                iv__ingest_chunk = chunks[c];
                h.threads = threads[t];
                ingest(&got, path, lf.t.p, lf.t.n, h);
                snprintf(what, sizeof what, "limit %llu, ranges %llu, %d threads", (unsigned long long)limits[l],
                         (unsigned long long)chunks[c], threads[t]);
                same(&ref, &got, path, what);
                free_outcome(&got);
            }
        free_outcome(&ref);
    }
    opt_max_strings = 0;
    iv__ingest_chunk = chunk_default;
    remove(path);
    free_log(&lf);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ingest_threads");
    TCase *tc = tcase_create("ingest_threads");
    SRunner *sr;
    int failed;
    tcase_set_timeout(tc, 600);
    chunk_default = iv__ingest_chunk;
    tcase_add_test(tc, any_thread_count_gives_the_serial_store_byte_for_byte);
    tcase_add_test(tc, lenient_rejects_come_in_line_order_with_the_serial_counters);
    tcase_add_test(tc, strict_stops_at_the_first_bad_line_whatever_the_threads);
    tcase_add_test(tc, dedup_by_id_decides_duplicates_in_file_order_on_any_thread_count);
    tcase_add_test(tc, progress_calls_and_cancellation_match_the_serial_ones);
    tcase_add_test(tc, shuffled_rows_give_the_same_metrics_on_any_thread_count);
    tcase_add_test(tc, record_start_is_found_from_every_offset);
    tcase_add_test(tc, byte_ranges_at_every_boundary_add_up_to_the_whole_file);
    tcase_add_test(tc, three_ranges_hold_the_rows_of_the_whole_file_in_order);
    tcase_add_test(tc, a_late_range_reads_only_its_bytes_and_names_its_rows);
    tcase_add_test(tc, feeding_a_mapped_file_in_pieces_changes_nothing);
    tcase_add_test(tc, parsers_reading_their_ranges_change_nothing);
    tcase_add_test(tc, the_calling_thread_parsing_ranges_changes_nothing);
    tcase_add_test(tc, scan_walk_and_fallback_give_the_same_metrics);
    tcase_add_test(tc, old_option_sizes_and_bad_thread_counts);
    tcase_add_test(tc, a_user_allocator_sees_one_thread_at_a_time_and_gets_everything_back);
    tcase_add_test(tc, reserving_rows_from_a_sample_changes_nothing);
    tcase_add_test(tc, direct_path_gives_what_the_general_path_gives);
    tcase_add_test(tc, direct_path_names_byte_by_byte);
    tcase_add_test(tc, a_full_name_table_changes_nothing);
    tcase_add_test(tc, an_append_failing_after_rejects_in_its_range_counts_as_the_serial_order);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
