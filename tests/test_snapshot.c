/* Store snapshots (src/data/snapshot.c): exact round trips, the atomic write, and clean
 * errors on truncated, corrupted and forged files, and on allocation failures. */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iv.h"
#include "testutil.h"
#include "wire.h"

static iv_store *ingest_path_skip(const char *path, int lenient, unsigned skip)
{
    iv_store *s = NULL;
    iv_ingest *ing = NULL;
    iv_ingest_options io = IV_INGEST_OPTIONS_INIT;
    io.policy = lenient ? IV_POLICY_LENIENT : IV_POLICY_STRICT;
    io.skip = skip;
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    ck_assert_int_eq(iv_ingest_new(&ing, s, &io), IV_OK);
    ck_assert_int_eq(iv_ingest_file(ing, path), IV_OK);
    iv_ingest_free(ing);
    return s;
}

static iv_store *ingest_path(const char *path, int lenient)
{
    return ingest_path_skip(path, lenient, 0);
}

static iv_store *sample_store(void)
{
    char path[1024];
    return ingest_path(tu_source_path(path, sizeof path, "examples/data/sample.csv"), 0);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* A small log with every optional field, two custom dimensions, one bad row (lenient);
 * with skip_id, read with IV_SKIP_ID: 3 of its 4 rows had an id. */
static iv_store *small_store_skip(int skip_id)
{
    char path[1024];
    iv_store *s;
    tu_temp_path(path, sizeof path, ".csv");
    write_text(path,
               "contact,ts,channel,type,stage,area,direction,cost,value,outcome,team,score,rv,id,region,variant\n"
               "a,2024-01-01,web,visit,,,in,0.15,,desired,east,,,i1,emea,A\n"
               "b,2024-01-02T10:00:00Z,email,nps,retention,content,out,,12.5,,west,9,,i2,,B\n"
               "a,2024-01-03,phone,purchase,closing,engagement,in,2.83,-3.25,undesired,east,,7.5,,amer,\n"
               "c,not a date,web,visit,,,,,,,,,,,,\n"
               "c,2024-02-01,chat,csat,,,,,,neutral,,4,,i4,emea,A\n");
    s = ingest_path_skip(path, 1, skip_id ? (unsigned)IV_SKIP_ID : 0u);
    remove(path);
    return s;
}

static iv_store *small_store(void)
{
    return small_store_skip(0);
}

static int same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static int same_str(const char *a, const char *b)
{
    return (!a || !*a) ? (!b || !*b) : (b && strcmp(a, b) == 0);
}

/* Every row, every field and dimension, the counters and the metrics are the same. */
static void assert_same_store(const iv_store *a, const iv_store *b)
{
    size_t r, d, nd = iv_store_dim_count(a);
    int64_t f1, l1, f2, l2;
    uint64_t rd1, rj1, rd2, rj2;
    static const char *const bys[] = {"", "channel,month", "team,stage,direction", "region,variant"};
    ck_assert_uint_eq(iv_store_rows(a), iv_store_rows(b));
    ck_assert_uint_eq(iv_store_contacts(a), iv_store_contacts(b));
    ck_assert_uint_eq(nd, iv_store_dim_count(b));
    for (d = 0; d < nd; d++)
        ck_assert_str_eq(iv_store_dim_name(a, d), iv_store_dim_name(b, d));
    iv_store_time_range(a, &f1, &l1);
    iv_store_time_range(b, &f2, &l2);
    ck_assert(f1 == f2 && l1 == l2);
    iv_store_ingest_counts(a, &rd1, &rj1);
    iv_store_ingest_counts(b, &rd2, &rj2);
    ck_assert(rd1 == rd2 && rj1 == rj2);
    for (r = 0; r < iv_store_rows(a); r++) {
        iv_record x = IV_RECORD_INIT, y = IV_RECORD_INIT;
        ck_assert_int_eq(iv_store_get_row(a, r, &x), IV_OK);
        ck_assert_int_eq(iv_store_get_row(b, r, &y), IV_OK);
        ck_assert(strcmp(x.contact, y.contact) == 0 && x.ts == y.ts);
        ck_assert(same_str(x.channel, y.channel) && same_str(x.type, y.type));
        ck_assert(same_str(x.team, y.team) && same_str(x.id, y.id));
        ck_assert(x.stage == y.stage && x.area == y.area && x.direction == y.direction &&
                  x.outcome == y.outcome);
        ck_assert(same_double(x.cost, y.cost) && same_double(x.value, y.value) &&
                  same_double(x.score, y.score) && same_double(x.rv, y.rv));
        for (d = 0; d < nd; d++)
            ck_assert(same_str(iv_store_get_dim(a, r, d), iv_store_get_dim(b, r, d)));
    }
    for (r = 0; r < sizeof bys / sizeof *bys - (nd < 2); r++) {
        iv_query_options q = IV_QUERY_OPTIONS_INIT;
        iv_table *ta = NULL, *tb = NULL;
        char *sa = NULL, *sb = NULL;
        size_t la, lb;
        q.by = bys[r];
        ck_assert_int_eq(iv_query_metrics(&ta, a, &q), IV_OK);
        ck_assert_int_eq(iv_query_metrics(&tb, b, &q), IV_OK);
        ck_assert_int_eq(iv_table_to_string(ta, IV_FORMAT_CSV, &sa, &la), IV_OK);
        ck_assert_int_eq(iv_table_to_string(tb, IV_FORMAT_CSV, &sb, &lb), IV_OK);
        ck_assert_str_eq(sa, sb);
        iv_table_free_string(ta, sa);
        iv_table_free_string(tb, sb);
        iv_table_free(ta);
        iv_table_free(tb);
    }
}

static unsigned char *file_bytes(const char *path, size_t *n)
{
    char *p = tu_read_file(path, n);
    ck_assert_ptr_nonnull(p);
    return (unsigned char *)p;
}

static void put_bytes(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(b, 1, n, f), n);
    fclose(f);
}

START_TEST(sample_round_trips_exactly)
{
    iv_store *a = sample_store(), *b = NULL;
    char path[1024];
    tu_temp_path(path, sizeof path, ".ivstore");
    ck_assert_int_eq(iv_store_save(a, path), IV_OK);
    ck_assert_int_eq(iv_store_load(&b, path, NULL), IV_OK);
    assert_same_store(a, b);
    /* a loaded store takes more rows like any other */
    {
        iv_record r = IV_RECORD_INIT;
        r.contact = "new";
        r.ts = 0;
        r.channel = "web";
        r.type = "visit";
        ck_assert_int_eq(iv_store_append(b, &r), IV_OK);
        ck_assert_int_eq(iv_store_prepare(b), IV_OK);
        ck_assert_uint_eq(iv_store_rows(b), iv_store_rows(a) + 1);
    }
    remove(path);
    iv_store_free(a);
    iv_store_free(b);
}
END_TEST

START_TEST(small_and_empty_stores_round_trip_with_their_counters)
{
    iv_store *a = small_store(), *b = NULL, *e = NULL;
    char path[1024];
    uint64_t rd, rj;
    iv_store_ingest_counts(a, &rd, &rj);
    ck_assert(rd == 5 && rj == 1);
    tu_temp_path(path, sizeof path, ".ivstore");
    ck_assert_int_eq(iv_store_save(a, path), IV_OK);
    ck_assert_int_eq(iv_store_load(&b, path, NULL), IV_OK);
    assert_same_store(a, b);
    iv_store_free(b);
    ck_assert_int_eq(iv_store_new(&e, NULL), IV_OK);
    ck_assert_int_eq(iv_store_save(e, path), IV_OK);
    ck_assert_int_eq(iv_store_load(&b, path, NULL), IV_OK);
    assert_same_store(e, b);
    remove(path);
    iv_store_free(a);
    iv_store_free(b);
    iv_store_free(e);
}
END_TEST

/* Names in dir starting with prefix. */
static int count_prefixed(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

START_TEST(save_replaces_atomically_and_leaves_no_temporary_file)
{
    iv_store *a = small_store(), *b = NULL;
    char path[1024], dir[1024], *slash;
    const char *base;
    tu_temp_path(path, sizeof path, ".ivstore");
    write_text(path, "an older file");
    ck_assert_int_eq(iv_store_save(a, path), IV_OK);
    ck_assert_int_eq(iv_store_load(&b, path, NULL), IV_OK);
    assert_same_store(a, b);
    snprintf(dir, sizeof dir, "%s", path);
    slash = strrchr(dir, '/');
    ck_assert_ptr_nonnull(slash);
    *slash = '\0';
    base = slash + 1;
    {
        char pre[1024];
        snprintf(pre, sizeof pre, "%s.tmp-", path + (base - dir));
        ck_assert_int_eq(count_prefixed(dir, pre), 0);
    }
    /* a directory that does not exist: an I/O error naming the file */
    ck_assert_int_eq(iv_store_save(a, "/nonexistent-dir/x.ivstore"), IV_EIO);
    ck_assert_ptr_nonnull(strstr(iv_error_last(), "/nonexistent-dir/x.ivstore"));
    remove(path);
    iv_store_free(a);
    iv_store_free(b);
}
END_TEST

/* with _i = 1: a store that kept only which rows had an id (its own column) */
START_TEST(every_truncation_and_every_bit_flip_is_a_clean_error)
{
    iv_store *a = small_store_skip(_i), *b = NULL;
    char path[1024], bad[1024];
    unsigned char *orig, *c;
    size_t n, cut, bit;
    tu_temp_path(path, sizeof path, ".ivstore");
    tu_temp_path(bad, sizeof bad, ".ivstore");
    ck_assert_int_eq(iv_store_save(a, path), IV_OK);
    orig = file_bytes(path, &n);
    ck_assert(memcmp(orig, IV_STORE_SNAPSHOT_MAGIC, 8) == 0);
    c = malloc(n);
    for (cut = 0; cut < n; cut++) {
        int rc;
        put_bytes(bad, orig, cut);
        rc = iv_store_load(&b, bad, NULL);
        ck_assert_msg(rc == IV_ECORRUPT, "length %zu of %zu gave %d", cut, n, rc);
        ck_assert_ptr_null(b);
    }
    for (bit = 0; bit < n * 8; bit++) {
        int rc;
        memcpy(c, orig, n);
        c[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        put_bytes(bad, c, n);
        rc = iv_store_load(&b, bad, NULL);
        ck_assert_msg(rc == IV_ECORRUPT || rc == IV_EVERSION, "bit %zu gave %d", bit, rc);
        ck_assert_ptr_null(b);
    }
    free(c);
    free(orig);
    remove(path);
    remove(bad);
    iv_store_free(a);
}
END_TEST

START_TEST(forged_row_counts_and_codes_are_rejected)
{
    /* rewrite sections with valid checksums but impossible contents */
    iv_store *a = small_store(), *b = NULL;
    char path[1024];
    unsigned char *orig;
    size_t n, off;
    uint64_t len;
    tu_temp_path(path, sizeof path, ".ivstore");
    ck_assert_int_eq(iv_store_save(a, path), IV_OK);
    orig = file_bytes(path, &n);
    /* META is the first section: tag at 16, length at 20, payload at 28; nrows first */
    ck_assert_uint_eq(iv__ld32(orig + 16), 1);
    len = iv__ld64(orig + 20);
    off = 28;
    iv__le64(orig + off, UINT64_C(1) << 40);
    iv__le32(orig + off + len, iv__crc32(0, orig + off, (size_t)len));
    put_bytes(path, orig, n);
    ck_assert_int_eq(iv_store_load(&b, path, NULL), IV_ECORRUPT);
    /* one row more than the columns hold */
    iv__le64(orig + off, 5);
    iv__le32(orig + off + len, iv__crc32(0, orig + off, (size_t)len));
    put_bytes(path, orig, n);
    ck_assert_int_eq(iv_store_load(&b, path, NULL), IV_ECORRUPT);
    /* a newer format version */
    iv__le64(orig + off, 4);
    iv__le32(orig + off + len, iv__crc32(0, orig + off, (size_t)len));
    iv__le32(orig + 8, 2);
    put_bytes(path, orig, n);
    ck_assert_int_eq(iv_store_load(&b, path, NULL), IV_EVERSION);
    /* not a snapshot at all */
    write_text(path, "contact,ts,channel,type\n");
    ck_assert_int_eq(iv_store_load(&b, path, NULL), IV_ECORRUPT);
    ck_assert_int_eq(iv_store_load(&b, "/nonexistent-dir/x.ivstore", NULL), IV_EIO);
    free(orig);
    remove(path);
    iv_store_free(a);
}
END_TEST

START_TEST(load_and_save_fail_cleanly_at_every_allocation)
{
    iv_store *a = small_store(), *b;
    iv_store_options so = IV_STORE_OPTIONS_INIT;
    char path[1024];
    tu_alloc ta;
    long k;
    int done;
    so.alloc = tu_alloc_fn;
    so.alloc_ud = &ta;
    tu_temp_path(path, sizeof path, ".ivstore");
    ck_assert_int_eq(iv_store_save(a, path), IV_OK);
    for (done = 0, k = 1; !done; k++) {
        int rc;
        b = NULL;
        tu_alloc_reset(&ta, k);
        rc = iv_store_load(&b, path, &so);
        if (rc == IV_OK) {
            done = !ta.failed;
            ta.fail_at = 0;
            assert_same_store(a, b);
        } else {
            ck_assert_int_eq(rc, IV_ENOMEM);
            ck_assert_ptr_null(b);
        }
        iv_store_free(b);
        ck_assert_int_eq(ta.live, 0);
    }
    /* saving a store whose allocator fails at the k-th allocation: an error, nothing
     * leaked, and the old file stays whole */
    tu_alloc_reset(&ta, 0);
    ck_assert_int_eq(iv_store_load(&b, path, &so), IV_OK);
    for (done = 0, k = 1; !done; k++) {
        iv_store *c = NULL;
        long base = ta.live;
        int rc;
        ta.calls = 0;
        ta.fail_at = k;
        ta.failed = 0;
        rc = iv_store_save(b, path);
        ta.fail_at = 0;
        if (rc == IV_OK)
            done = !ta.failed;
        else
            ck_assert_int_eq(rc, IV_ENOMEM);
        ck_assert_int_eq(ta.live, base);
        ck_assert_int_eq(iv_store_load(&c, path, NULL), IV_OK);
        assert_same_store(a, c);
        iv_store_free(c);
    }
    iv_store_free(b);
    ck_assert_int_eq(ta.live, 0);
    remove(path);
    iv_store_free(a);
}
END_TEST

/* Re-sign a snapshot after an edit: walk the sections (tag 4, length 8, payload, CRC 4)
 * after the 16-byte header and recompute every CRC, so that only the content checks can
 * catch the forgery. */
static void resign_snapshot(unsigned char *b, size_t n)
{
    size_t off = 16;
    while (off + 16 <= n) {
        uint64_t len = iv__ld64(b + off + 4);
        ck_assert(off + 12 + len + 4 <= n);
        iv__le32(b + off + 12 + len, iv__crc32(0, b + off + 12, (size_t)len));
        off += 12 + (size_t)len + 4;
    }
    ck_assert_uint_eq(off, n);
}

static int load_forged(const unsigned char *orig, size_t n, void (*edit)(unsigned char *, size_t))
{
    char path[1024];
    unsigned char *b = malloc(n);
    iv_store *s = NULL;
    int rc;
    ck_assert_ptr_nonnull(b);
    memcpy(b, orig, n);
    edit(b, n);
    resign_snapshot(b, n);
    tu_temp_path(path, sizeof path, ".ivstore");
    put_bytes(path, b, n);
    rc = iv_store_load(&s, path, NULL);
    iv_store_free(s);
    remove(path);
    free(b);
    return rc;
}

/* META payload at 28: nrows u64, ndims u32, ingest_read u64 (40), ingest_rejected (48) */
static void forge_rejected_minus_one(unsigned char *b, size_t n)
{
    (void)n;
    iv__le64(b + 48, UINT64_MAX);
}

static void forge_read_beyond_rows(unsigned char *b, size_t n)
{
    (void)n;
    iv__le64(b + 40, 1000); /* 1000 - 1 accepted rows in a store of 4 */
}

static unsigned char *find_bytes(unsigned char *b, size_t n, const void *pat, size_t m)
{
    size_t i, hits = 0;
    unsigned char *at = NULL;
    for (i = 0; i + m <= n; i++)
        if (memcmp(b + i, pat, m) == 0) {
            at = b + i;
            hits++;
        }
    ck_assert_uint_eq(hits, 1);
    return at;
}

static void forge_nul_in_team(unsigned char *b, size_t n)
{
    find_bytes(b, n, "west", 4)[1] = '\0'; /* "w\0st" */
}

/* the contact column holds the ids 1 (a), 2 (b), 1 (a), 3 (c): make the last row a's,
 * leaving the string "c" to no row */
static void forge_unused_contact(unsigned char *b, size_t n)
{
    static const unsigned char col[16] = {1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0};
    find_bytes(b, n, col, sizeof col)[12] = 1;
}

static void forge_nothing(unsigned char *b, size_t n)
{
    (void)b;
    (void)n;
}

/* issue #14 item 9: forged snapshots whose checksums are valid: the ingestion counters
 * against the row count, NUL bytes in strings, a contact string no row uses. */
START_TEST(checksum_valid_forgeries_are_corrupt)
{
    char path[1024];
    iv_store *s = small_store();
    unsigned char *b;
    size_t n;
    tu_temp_path(path, sizeof path, ".ivstore");
    ck_assert_int_eq(iv_store_save(s, path), IV_OK);
    b = file_bytes(path, &n);
    remove(path);
    ck_assert_int_eq(load_forged(b, n, forge_nothing), IV_OK); /* the re-signing is right */
    ck_assert_int_eq(load_forged(b, n, forge_rejected_minus_one), IV_ECORRUPT);
    ck_assert_msg(strstr(iv_error_last(), "ingestion counters"), "%s", iv_error_last());
    ck_assert_int_eq(load_forged(b, n, forge_read_beyond_rows), IV_ECORRUPT);
    ck_assert_int_eq(load_forged(b, n, forge_nul_in_team), IV_ECORRUPT);
    ck_assert_msg(strstr(iv_error_last(), "NUL"), "%s", iv_error_last());
    ck_assert_int_eq(load_forged(b, n, forge_unused_contact), IV_ECORRUPT);
    ck_assert_msg(strstr(iv_error_last(), "no row uses"), "%s", iv_error_last());
    free(b);
    iv_store_free(s);
}
END_TEST

static double id_coverage(const iv_store *s)
{
    iv_indicators *ind = NULL;
    double v = NAN;
    ck_assert_int_eq(iv_indicators_new(&ind, NULL), IV_OK);
    ck_assert_int_eq(iv_indicators_from_store(ind, s, NULL, IV_TIME_NONE, IV_TIME_NONE), IV_OK);
    ck_assert_int_eq(iv_indicators_get(ind, "technology.id_coverage", &v), IV_OK);
    iv_indicators_free(ind);
    return v;
}

/* META payload at 28: nrows u64, ndims u32, read u64, rejected u64, has-ids u8 (56) */
static void forge_has_ids_4(unsigned char *b, size_t n)
{
    (void)n;
    ck_assert_uint_eq(b[56], 2); /* bit 1: the presence bits, no id column */
    b[56] = 4;
}

/* The presence column of the 4-row store: rows 0, 1 and 3 had an id (0x0b); a bit for
 * row 10 too */
static void forge_presence_past_rows(unsigned char *b, size_t n)
{
    static const unsigned char sec[20] = {3, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0x0b, 0, 0, 0, 0, 0, 0, 0};
    find_bytes(b, n, sec, sizeof sec)[13] |= 0x04;
}

/* A store read with IV_SKIP_ID keeps which rows had an id (not the ids) through a
 * snapshot: the maturity indicator counts the same rows after loading; a forged
 * has-ids byte or presence bit past the last row is corrupt. */
START_TEST(skipped_ids_round_trip_as_presence)
{
    char path[1024];
    iv_store *a = small_store_skip(1), *b = NULL;
    iv_record r = IV_RECORD_INIT;
    unsigned char *f;
    size_t n, row;
    ck_assert_uint_eq(iv_store_rows(a), 4);
    ck_assert_double_eq(id_coverage(a), 0.75); /* by construction: i1, i2, (none), i4 */
    tu_temp_path(path, sizeof path, ".ivstore");
    ck_assert_int_eq(iv_store_save(a, path), IV_OK);
    ck_assert_int_eq(iv_store_load(&b, path, NULL), IV_OK);
    assert_same_store(a, b);
    ck_assert_double_eq(id_coverage(b), 0.75);
    for (row = 0; row < 4; row++) {
        ck_assert_int_eq(iv_store_get_row(b, row, &r), IV_OK);
        ck_assert_ptr_null(r.id);
    }
    f = file_bytes(path, &n);
    remove(path);
    ck_assert_int_eq(load_forged(f, n, forge_nothing), IV_OK);
    ck_assert_int_eq(load_forged(f, n, forge_has_ids_4), IV_ECORRUPT);
    ck_assert_int_eq(load_forged(f, n, forge_presence_past_rows), IV_ECORRUPT);
    ck_assert_msg(strstr(iv_error_last(), "past the last row"), "%s", iv_error_last());
    free(f);
    iv_store_free(a);
    iv_store_free(b);
}
END_TEST

static void snapshot_tests(TCase *tc)
{
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, sample_round_trips_exactly);
    tcase_add_test(tc, small_and_empty_stores_round_trip_with_their_counters);
    tcase_add_test(tc, save_replaces_atomically_and_leaves_no_temporary_file);
    tcase_add_loop_test(tc, every_truncation_and_every_bit_flip_is_a_clean_error, 0, 2);
    tcase_add_test(tc, forged_row_counts_and_codes_are_rejected);
    tcase_add_test(tc, skipped_ids_round_trip_as_presence);
    tcase_add_test(tc, load_and_save_fail_cleanly_at_every_allocation);
    tcase_add_test(tc, checksum_valid_forgeries_are_corrupt);
}

int main(void)
{
    tu_prefer_ram_tmpdir();
    return tu_run_suite("snapshot", snapshot_tests);
}
