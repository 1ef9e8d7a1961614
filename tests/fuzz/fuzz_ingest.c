/* The ingestion fuzz body shared by fuzz_csv.c and fuzz_jsonl.c.
 *
 * Invariants checked on every input (doc/GUIDE.md §1):
 * - rows_read = rows_accepted + rows_rejected, and the store holds rows_accepted rows;
 * - pushing the bytes in small chunks gives the same result, counters and rows as one
 *   push (input may be split anywhere);
 * - strict mode keeps a prefix of what lenient mode keeps, and agrees with it when
 *   nothing is bad;
 * - the same bytes as a file parsed by 2 threads in small ranges (every range boundary
 *   case: a record, a quoted field or a CRLF cut anywhere) give the same rows, counters
 *   and result as one push;
 * - a metrics query over the accepted rows counts every one of them;
 * - the parser's direct path for plain records (iv__direct_row) changes nothing: with it
 *   off, the result, message, counters, rows and rejects are the same;
 * - skipping the id and the custom dimensions (iv_ingest_options.skip) changes nothing
 *   but the store's ids and dimensions: the same result, message, counters and rejects,
 *   and the same rows without them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "iv/ingest.h"
#include "iv/query.h"

typedef struct run {
    iv_store *store;
    iv_ingest *ing;
    int rc;
    char msg[512];
    iv_ingest_stats st;
} run;

/* The parallel driver's range size (src/data/ingest.c): small here, so that a few
 * hundred bytes of input are cut into many ranges. */
extern uint64_t iv__ingest_chunk;
/* 0: every record takes the general path of the parser (src/data/ingest.c). */
extern int iv__ingest_direct;

/* The skip flags of the next run_ingest (0: store everything). */
static unsigned run_skip;

/* chunk: bytes per push; 0: write the bytes to a file and parse it with 2 threads in
 * ranges of range_size bytes. */
static void run_ingest(run *r, const uint8_t *data, size_t size, int format, int policy,
                       size_t chunk, const iv_source *src, uint64_t range_size)
{
    iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
    size_t off = 0;
    memset(r, 0, sizeof *r);
    o.format = format;
    o.policy = policy;
    /* Small limits, so that the limit paths are reachable from small inputs. */
    o.max_line = 512;
    o.max_fields = 24;
    o.max_string = 96;
    o.max_depth = 4;
    o.max_raw = 40;
    o.max_rejects = 6;
    o.source = src;
    o.threads = chunk ? 1 : 2;
    o.skip = run_skip;
    FUZZ_CHECK(iv_store_new(&r->store, NULL) == IV_OK);
    if (iv_ingest_new(&r->ing, r->store, &o) != IV_OK) {
        /* the source's dedup=id needs the id: skip only the dimensions */
        FUZZ_CHECK(o.skip & IV_SKIP_ID);
        run_skip = o.skip = IV_SKIP_DIMS;
        FUZZ_CHECK(iv_ingest_new(&r->ing, r->store, &o) == IV_OK);
    }
    r->rc = IV_OK;
    if (!chunk) {
        char path[256];
        uint64_t saved = iv__ingest_chunk;
        fuzz_temp_file(path, sizeof path, data, size);
        iv__ingest_chunk = range_size;
        r->rc = iv_ingest_file(r->ing, path);
        iv__ingest_chunk = saved;
        remove(path);
        off = size;
    }
    while (off < size && r->rc == IV_OK) {
        size_t n = size - off < chunk ? size - off : chunk;
        r->rc = iv_ingest_push(r->ing, data + off, n);
        off += n;
    }
    if (r->rc == IV_OK && chunk)
        r->rc = iv_ingest_finish(r->ing);
    snprintf(r->msg, sizeof r->msg, "%s", r->rc != IV_OK ? iv_error_last() : "");
    /* After a failure the handle refuses more work instead of misbehaving. */
    if (r->rc != IV_OK)
        FUZZ_CHECK(iv_ingest_push(r->ing, "x", 1) == IV_ESTATE);
    FUZZ_CHECK(r->rc == IV_OK || r->rc == IV_EPARSE || r->rc == IV_ELIMIT);
    FUZZ_CHECK(iv_error_last() != NULL);
    r->st.size = sizeof r->st;
    FUZZ_CHECK(iv_ingest_get_stats(r->ing, &r->st) == IV_OK);
    FUZZ_CHECK(r->st.rows_read == r->st.rows_accepted + r->st.rows_rejected + r->st.rows_duplicate);
    FUZZ_CHECK(iv_store_rows(r->store) == r->st.rows_accepted);
    FUZZ_CHECK(iv_ingest_reject_count(r->ing) <= r->st.rows_rejected);
    FUZZ_CHECK(iv_ingest_reject_count(r->ing) <= 6);
    {
        size_t i;
        for (i = 0; i < iv_ingest_reject_count(r->ing); i++) {
            const char *reason = NULL, *raw = NULL;
            FUZZ_CHECK(iv_ingest_reject(r->ing, i, NULL, NULL, &reason, &raw) == IV_OK);
            const char *mark;
            FUZZ_CHECK(reason && raw);
            /* at most max_raw bytes, then the cut marker when something was cut */
            mark = strstr(raw, IV_INGEST_RAW_CUT_MARK);
            FUZZ_CHECK(strlen(raw) <= 40 || (mark && (size_t)(mark - raw) <= 40));
        }
    }
}

static void run_free(run *r)
{
    iv_ingest_free(r->ing);
    iv_store_free(r->store);
}

/* Every accepted row lands in the one group of an ungrouped query. */
static void check_query(const iv_store *s)
{
    iv_table *t = NULL;
    long c;
    FUZZ_CHECK(iv_query_metrics(&t, s, NULL) == IV_OK);
    FUZZ_CHECK(iv_table_nrows(t) == 1);
    c = iv_table_col_index(t, "n");
    FUZZ_CHECK(c >= 0);
    FUZZ_CHECK(iv_table_get_int(t, 0, (size_t)c) == (int64_t)iv_store_rows(s));
    iv_table_free(t);
}

void fuzz_ingest_with(const uint8_t *data, size_t size, int format, const iv_source *src)
{
    run whole, chunked, strict, file, general, skipped;
    const run *twin;
    unsigned skip;
    int skip_file;
    size_t chunk = size ? 1 + data[size - 1] % 11 : 1;
    uint64_t range_size = size ? 1 + data[0] % 97 : 1;
    run_ingest(&whole, data, size, format, IV_POLICY_LENIENT, size ? size : 1, src, 0);
    run_ingest(&chunked, data, size, format, IV_POLICY_LENIENT, chunk, src, 0);
    run_ingest(&strict, data, size, format, IV_POLICY_STRICT, size ? size : 1, src, 0);
    run_ingest(&file, data, size, format, IV_POLICY_LENIENT, 0, src, range_size);
    iv__ingest_direct = 0;
    run_ingest(&general, data, size, format, IV_POLICY_LENIENT, size ? size : 1, src, 0);
    iv__ingest_direct = 1;
    /* skipping, in one push, or from a file on 2 threads when the input's last byte is odd */
    run_skip = IV_SKIP_ID | IV_SKIP_DIMS;
    skip_file = size && data[size - 1] % 2;
    run_ingest(&skipped, data, size, format, IV_POLICY_LENIENT, skip_file ? 0 : size ? size : 1, src, range_size);
    skip = run_skip;
    run_skip = 0;

    FUZZ_CHECK(whole.rc == general.rc);
    FUZZ_CHECK(strcmp(whole.msg, general.msg) == 0);
    FUZZ_CHECK(whole.st.rows_read == general.st.rows_read);
    FUZZ_CHECK(whole.st.rows_accepted == general.st.rows_accepted);
    FUZZ_CHECK(whole.st.rows_rejected == general.st.rows_rejected);
    FUZZ_CHECK(whole.st.bytes == general.st.bytes);
    FUZZ_CHECK(iv_ingest_reject_count(whole.ing) == iv_ingest_reject_count(general.ing));
    {
        size_t i;
        for (i = 0; i < iv_ingest_reject_count(whole.ing); i++) {
            uint64_t l1, l2, o1, o2;
            const char *r1, *r2, *w1, *w2;
            FUZZ_CHECK(iv_ingest_reject(whole.ing, i, &l1, &o1, &r1, &w1) == IV_OK);
            FUZZ_CHECK(iv_ingest_reject(general.ing, i, &l2, &o2, &r2, &w2) == IV_OK);
            FUZZ_CHECK(l1 == l2 && o1 == o2 && strcmp(r1, r2) == 0 && strcmp(w1, w2) == 0);
        }
    }
    fuzz_same_rows(whole.store, general.store);

    /* against the read of the same bytes in the same way without skipping */
    twin = skip_file ? &file : &whole;
    FUZZ_CHECK(twin->rc == skipped.rc);
    FUZZ_CHECK(skip_file || strcmp(twin->msg, skipped.msg) == 0); /* file messages name their temp file */
    FUZZ_CHECK(twin->st.rows_read == skipped.st.rows_read);
    FUZZ_CHECK(twin->st.rows_accepted == skipped.st.rows_accepted);
    FUZZ_CHECK(twin->st.rows_rejected == skipped.st.rows_rejected);
    FUZZ_CHECK(twin->st.rows_duplicate == skipped.st.rows_duplicate);
    FUZZ_CHECK(iv_ingest_reject_count(twin->ing) == iv_ingest_reject_count(skipped.ing));
    {
        size_t i;
        for (i = 0; i < iv_ingest_reject_count(twin->ing); i++) {
            uint64_t l1, l2, o1, o2;
            const char *r1, *r2, *w1, *w2;
            FUZZ_CHECK(iv_ingest_reject(twin->ing, i, &l1, &o1, &r1, &w1) == IV_OK);
            FUZZ_CHECK(iv_ingest_reject(skipped.ing, i, &l2, &o2, &r2, &w2) == IV_OK);
            FUZZ_CHECK(l1 == l2 && o1 == o2 && strcmp(r1, r2) == 0 && strcmp(w1, w2) == 0);
        }
    }
    fuzz_same_rows_skip(twin->store, skipped.store, skip);

    FUZZ_CHECK(whole.rc == chunked.rc);
    FUZZ_CHECK(whole.st.rows_read == chunked.st.rows_read);
    FUZZ_CHECK(whole.st.rows_accepted == chunked.st.rows_accepted);
    FUZZ_CHECK(whole.st.bytes == chunked.st.bytes);
    FUZZ_CHECK(whole.st.rows_duplicate == chunked.st.rows_duplicate);
    fuzz_same_rows(whole.store, chunked.store);

    FUZZ_CHECK(whole.rc == file.rc);
    FUZZ_CHECK(whole.st.rows_read == file.st.rows_read);
    FUZZ_CHECK(whole.st.rows_accepted == file.st.rows_accepted);
    FUZZ_CHECK(whole.st.rows_rejected == file.st.rows_rejected);
    FUZZ_CHECK(whole.st.rows_duplicate == file.st.rows_duplicate);
    fuzz_same_rows(whole.store, file.store);

    FUZZ_CHECK(strict.st.rows_accepted <= whole.st.rows_accepted);
    FUZZ_CHECK(strict.st.rows_rejected <= 1);
    if (strict.rc == IV_OK && whole.rc == IV_OK) {
        FUZZ_CHECK(whole.st.rows_rejected == 0);
        fuzz_same_rows(whole.store, strict.store);
    }
    if (whole.rc == IV_OK)
        check_query(whole.store);
    run_free(&whole);
    run_free(&chunked);
    run_free(&strict);
    run_free(&file);
    run_free(&general);
    run_free(&skipped);
}

void fuzz_ingest(const uint8_t *data, size_t size, int format)
{
    fuzz_ingest_with(data, size, format, NULL);
}
