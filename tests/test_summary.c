/* Summaries (src/analytics/summary.c): equal to direct metrics, exact merges in every order,
 * the byte format under truncation, bit flips and forged lengths, quantiles within the
 * sketch's bound, the confidential comparison against the sample-based one, the
 * partition hash, and allocation failures. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iv.h"
#include "testutil.h"
#include "wire.h"

/* ------------------------------------------------------------ fixtures --- */

static iv_store *sample_store(void)
{
    char path[1024];
    iv_store *s = NULL;
    iv_ingest *ing = NULL;
    iv_ingest_options io = IV_INGEST_OPTIONS_INIT;
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    ck_assert_int_eq(iv_ingest_new(&ing, s, &io), IV_OK);
    ck_assert_int_eq(iv_ingest_file(ing, tu_source_path(path, sizeof path, "examples/data/sample.csv")), IV_OK);
    iv_ingest_free(ing);
    return s;
}

/* The hand-made log: team east has contacts E0..E11, team west W0..W8. Contact k of a
 * team has 1 + (k * 5 + team) % 7 interactions, interaction j costs 0.5 * (1 + (j * 3 + k) % 4)
 * and is worth j % 3 == 0 ? 10 : 0. Every row is a web visit, except that the first row of
 * every third contact is an nps answer scored k % 11. */
#define NEAST 12
#define NWEST 9
static int hand_n(int team, int k)
{
    return 1 + (k * 5 + team) % 7;
}
static double hand_cost(int k, int j)
{
    return 0.5 * (1 + (j * 3 + k) % 4);
}

static iv_store *hand_store(iv_alloc_fn fn, void *ud)
{
    iv_store_options so = IV_STORE_OPTIONS_INIT;
    iv_store *s = NULL;
    int team, k, j;
    so.alloc = fn;
    so.alloc_ud = ud;
    ck_assert_int_eq(iv_store_new(&s, &so), IV_OK);
    for (team = 0; team < 2; team++)
        for (k = 0; k < (team ? NWEST : NEAST); k++)
            for (j = 0; j < hand_n(team, k); j++) {
                iv_record r = IV_RECORD_INIT;
                char contact[16];
                int survey = j == 0 && k % 3 == 0;
                snprintf(contact, sizeof contact, "%c%d", team ? 'W' : 'E', k);
                r.contact = contact;
                r.ts = INT64_C(1704067200000) + (int64_t)(k * 10 + j) * 86400000 * 3;
                r.channel = survey ? "email" : "web";
                r.type = survey ? "nps" : "visit";
                r.team = team ? "west" : "east";
                r.cost = hand_cost(k, j);
                r.value = j % 3 == 0 ? 10.0 : 0.0;
                r.outcome = j % 2 ? IV_OUTCOME_DESIRED : IV_OUTCOME_NONE;
                if (survey)
                    r.score = k % 11;
                ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
            }
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    return s;
}

static char *table_csv(const iv_table *t)
{
    char *str = NULL, *copy;
    size_t len = 0;
    ck_assert_int_eq(iv_table_to_string(t, IV_FORMAT_CSV, &str, &len), IV_OK);
    copy = malloc(len + 1);
    memcpy(copy, str, len + 1);
    iv_table_free_string(t, str);
    return copy;
}

static iv_summary *make(const iv_store *s, const char *by, const char *where)
{
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_summary *sum = NULL;
    q.by = by;
    q.where = where;
    ck_assert_int_eq(iv_summary_make(&sum, s, &q, NULL), IV_OK);
    return sum;
}

static char *summary_csv(const iv_summary *sum)
{
    iv_table *t = NULL;
    char *csv;
    ck_assert_int_eq(iv_summary_metrics(&t, sum), IV_OK);
    csv = table_csv(t);
    iv_table_free(t);
    return csv;
}

static char *query_csv(const iv_store *s, const char *by, const char *where)
{
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    char *csv;
    q.by = by;
    q.where = where;
    ck_assert_int_eq(iv_query_metrics(&t, s, &q), IV_OK);
    csv = table_csv(t);
    iv_table_free(t);
    return csv;
}

typedef struct bytes {
    void *p;
    size_t n;
} bytes;

static bytes to_bytes(const iv_summary *s)
{
    bytes b;
    void *p = NULL;
    ck_assert_int_eq(iv_summary_to_bytes(s, &p, &b.n), IV_OK);
    b.p = malloc(b.n);
    memcpy(b.p, p, b.n);
    iv_summary_free_bytes(s, p, b.n);
    return b;
}

static int bytes_eq(bytes a, bytes b)
{
    return a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
}

/* ------------------------------------------------------------ tests ------ */

START_TEST(summary_metrics_equal_query_metrics_byte_for_byte)
{
    static const char *const bys[] = {"", "channel", "team,month", "region,stage", "type,outcome",
                                      "community_role"};
    static const char *const wheres[] = {NULL, "channel in (web, email) and not has churn"};
    iv_store *s = sample_store();
    size_t i, j;
    for (i = 0; i < sizeof bys / sizeof *bys; i++)
        for (j = 0; j < 2; j++) {
            iv_summary *sum = make(s, bys[i], wheres[j]);
            char *a = query_csv(s, bys[i], wheres[j]), *b = summary_csv(sum);
            ck_assert_msg(strcmp(a, b) == 0, "by '%s': query and summary differ", bys[i]);
            free(a);
            free(b);
            iv_summary_free(sum);
        }
    iv_store_free(s);
}
END_TEST

START_TEST(merges_in_every_order_give_identical_bytes_and_the_single_store_metrics)
{
    static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    iv_store *s = sample_store(), *p[3];
    iv_summary *part[3], *m;
    bytes ref = {NULL, 0}, pb[3];
    char *direct = query_csv(s, "team,month", NULL), *merged;
    int i, k;
    size_t rows = 0;
    for (i = 0; i < 3; i++) {
        p[i] = tu_part_of(s, (uint32_t)i, 3);
        rows += iv_store_rows(p[i]);
        part[i] = make(p[i], "team,month", NULL);
        pb[i] = to_bytes(part[i]);
    }
    ck_assert_uint_eq(rows, iv_store_rows(s));
    for (k = 0; k < 6; k++) {
        bytes b;
        ck_assert_int_eq(iv_summary_from_bytes(&m, pb[perms[k][0]].p, pb[perms[k][0]].n, NULL), IV_OK);
        ck_assert_int_eq(iv_summary_merge(m, part[perms[k][1]]), IV_OK);
        ck_assert_int_eq(iv_summary_merge(m, part[perms[k][2]]), IV_OK);
        b = to_bytes(m);
        if (k == 0) {
            ref = b;
            /* contacts too: every row of a contact is in one part */
            merged = summary_csv(m);
            ck_assert_str_eq(merged, direct);
            free(merged);
        } else {
            ck_assert_msg(bytes_eq(ref, b), "merge order %d differs", k);
            free(b.p);
        }
        iv_summary_free(m);
    }
    /* associativity: p0 + (p1 + p2) */
    {
        bytes b;
        ck_assert_int_eq(iv_summary_merge(part[1], part[2]), IV_OK);
        ck_assert_int_eq(iv_summary_merge(part[0], part[1]), IV_OK);
        b = to_bytes(part[0]);
        ck_assert(bytes_eq(ref, b));
        free(b.p);
    }
    for (i = 0; i < 3; i++) {
        iv_summary_free(part[i]);
        iv_store_free(p[i]);
        free(pb[i].p);
    }
    free(ref.p);
    free(direct);
    iv_store_free(s);
}
END_TEST

START_TEST(bytes_and_files_round_trip)
{
    iv_store *s = hand_store(NULL, NULL);
    iv_summary *sum = make(s, "team,channel", NULL), *back = NULL;
    bytes a = to_bytes(sum), b;
    char path[1024];
    ck_assert_int_eq(iv_summary_from_bytes(&back, a.p, a.n, NULL), IV_OK);
    b = to_bytes(back);
    ck_assert(bytes_eq(a, b));
    free(b.p);
    iv_summary_free(back);
    tu_temp_path(path, sizeof path, ".ivs");
    ck_assert_int_eq(iv_summary_save(sum, path), IV_OK);
    ck_assert_int_eq(iv_summary_load(&back, path, NULL), IV_OK);
    b = to_bytes(back);
    ck_assert(bytes_eq(a, b));
    ck_assert(memcmp(a.p, IV_SUMMARY_MAGIC, 8) == 0);
    free(b.p);
    iv_summary_free(back);
    remove(path);
    free(a.p);
    iv_summary_free(sum);
    iv_store_free(s);
}
END_TEST

START_TEST(crc32_matches_the_standard_check_value)
{
    /* the CRC-32/ISO-HDLC check value of "123456789" (Williams, "A painless guide to
     * CRC error detection algorithms"; the CRC RevEng catalogue) */
    ck_assert_uint_eq(iv__crc32(0, "123456789", 9), 0xCBF43926u);
    /* in pieces */
    ck_assert_uint_eq(iv__crc32(iv__crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
}
END_TEST

START_TEST(every_truncation_and_every_bit_flip_is_a_clean_error)
{
    iv_store *s = hand_store(NULL, NULL);
    iv_summary *sum = make(s, "team", NULL), *back;
    bytes a = to_bytes(sum);
    unsigned char *c = malloc(a.n);
    size_t cut, bit;
    for (cut = 0; cut < a.n; cut++) {
        int rc = iv_summary_from_bytes(&back, a.p, cut, NULL);
        ck_assert_msg(rc == IV_ECORRUPT, "length %zu gave %d", cut, rc);
        ck_assert_ptr_null(back);
    }
    for (bit = 0; bit < a.n * 8; bit++) {
        int rc;
        memcpy(c, a.p, a.n);
        c[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        rc = iv_summary_from_bytes(&back, c, a.n, NULL);
        ck_assert_msg(rc == IV_ECORRUPT || rc == IV_EVERSION, "bit %zu gave %d", bit, rc);
        /* the version field reports a version error */
        if (bit / 8 >= 8 && bit / 8 < 12)
            ck_assert_int_eq(rc, IV_EVERSION);
    }
    free(c);
    free(a.p);
    iv_summary_free(sum);
    iv_store_free(s);
}
END_TEST

START_TEST(forged_lengths_are_rejected_without_large_allocations)
{
    /* payload of a summary by "team": alpha 8, nk 4, "team" 4 + 4, where hash 8,
     * from/to/t_ref/model 32, npcm 4: the group count sits at 28 + 64 = 92 */
    iv_store *s = hand_store(NULL, NULL);
    iv_summary *sum = make(s, "team", NULL), *back = NULL;
    iv_summary_options o = IV_SUMMARY_OPTIONS_INIT;
    bytes a = to_bytes(sum);
    unsigned char *c = malloc(a.n);
    tu_alloc ta;
    static const uint64_t forged[] = {3, UINT64_C(1) << 20, UINT64_C(1) << 40, UINT64_MAX};
    size_t i;
    ck_assert_uint_eq(iv__ld64((unsigned char *)a.p + 92), 2);
    o.alloc = tu_alloc_fn;
    o.alloc_ud = &ta;
    for (i = 0; i < sizeof forged / sizeof *forged; i++) {
        memcpy(c, a.p, a.n);
        iv__le64(c + 92, forged[i]);
        iv__le32(c + 24, iv__crc32(0, c + 28, a.n - 28));
        tu_alloc_reset(&ta, 0);
        ck_assert_int_eq(iv_summary_from_bytes(&back, c, a.n, &o), IV_ECORRUPT);
        ck_assert_int_eq(ta.live, 0);
        ck_assert(ta.calls < 200);
    }
    free(c);
    free(a.p);
    iv_summary_free(sum);
    iv_store_free(s);
}
END_TEST

/* issue #14 item 9: a checksum-valid summary whose counts disagree with their own
 * denominators is corrupt (a forged nps_promoters above the NPS answers printed NPS
 * 10927.8). Ten rows, three NPS answers 10, 3, 8: nps_n 3, promoters 1, detractors 1 (by
 * hand); the accumulator's counts nps_n, nps_promoters, nps_detractors, csat_n are
 * consecutive u64 (3, 1, 1, 0). */
START_TEST(counts_beyond_their_denominators_are_corrupt)
{
    static const double nps[3] = {10, 3, 8};
    iv_store *st = NULL;
    iv_summary *sum, *back = NULL;
    bytes b;
    unsigned char pat[32], *at = NULL, *p;
    size_t i, hits = 0;
    int k;
    ck_assert_int_eq(iv_store_new(&st, NULL), IV_OK);
    for (k = 0; k < 10; k++) {
        iv_record r = IV_RECORD_INIT;
        r.contact = k % 2 ? "x" : "y";
        r.ts = INT64_C(1704067200000) + k * INT64_C(86400000);
        r.channel = "web";
        r.type = k < 3 ? "nps" : "visit";
        if (k < 3)
            r.score = nps[k];
        ck_assert_int_eq(iv_store_append(st, &r), IV_OK);
    }
    ck_assert_int_eq(iv_store_prepare(st), IV_OK);
    sum = make(st, NULL, NULL);
    b = to_bytes(sum);
    p = b.p;
    iv__le64(pat, 3);
    iv__le64(pat + 8, 1);
    iv__le64(pat + 16, 1);
    iv__le64(pat + 24, 0);
    for (i = 0; i + sizeof pat <= b.n; i++)
        if (memcmp(p + i, pat, sizeof pat) == 0) {
            at = p + i;
            hits++;
        }
    ck_assert_uint_eq(hits, 1);
    /* untouched, re-signed: loads */
    iv__le32(p + 24, iv__crc32(0, p + 28, b.n - 28));
    ck_assert_int_eq(iv_summary_from_bytes(&back, b.p, b.n, NULL), IV_OK);
    iv_summary_free(back);
    back = NULL;
    /* 3 promoters + 1 detractor among 3 answers (still fewer than the 10 rows) */
    iv__le64(at + 8, 3);
    iv__le32(p + 24, iv__crc32(0, p + 28, b.n - 28));
    ck_assert_int_eq(iv_summary_from_bytes(&back, b.p, b.n, NULL), IV_ECORRUPT);
    ck_assert_ptr_null(back);
    /* the answers back as they were, but 2 desired outcomes where no outcome is given */
    iv__le64(at + 8, 1);
    iv__le64(at - 8 * 5, 2); /* desired (index 2 of 14) ; outcome_given (3) is 0 */
    iv__le32(p + 24, iv__crc32(0, p + 28, b.n - 28));
    ck_assert_int_eq(iv_summary_from_bytes(&back, b.p, b.n, NULL), IV_ECORRUPT);
    free(b.p);
    iv_summary_free(sum);
    iv_store_free(st);
}
END_TEST

START_TEST(quantiles_are_within_the_sketch_bound)
{
    /* per-contact n in team east: hand_n(0, k) = 1 + 5k % 7 for k = 0..11:
     * 1 6 4 2 7 5 3 1 6 4 2 7 -> sorted 1 1 2 2 3 4 4 5 6 6 7 7, type-7 median (4 + 4) / 2 = 4 */
    iv_store *s = hand_store(NULL, NULL);
    iv_summary *sum = make(s, "team", NULL);
    double q;
    ck_assert_uint_eq(iv_summary_groups(sum), 2);
    ck_assert_int_eq(iv_summary_quantile(sum, 0, "n", 0.5, &q), IV_OK);
    ck_assert(fabs(q - 4.0) <= 0.01 * 4.0);
    ck_assert_int_eq(iv_summary_quantile(sum, 0, "n", 0.0, &q), IV_OK);
    ck_assert(q == 1.0);
    ck_assert_int_eq(iv_summary_quantile(sum, 0, "n", 1.0, &q), IV_OK);
    ck_assert(q == 7.0);
    ck_assert_int_eq(iv_summary_quantile(sum, 0, "nps", 0.5, &q), IV_ENOTFOUND);
    ck_assert_int_eq(iv_summary_quantile(sum, 2, "n", 0.5, &q), IV_ERANGE);
    ck_assert_int_eq(iv_summary_quantile(sum, 0, "n", 1.5, &q), IV_ERANGE);
    iv_summary_free(sum);
    iv_store_free(s);
}
END_TEST

/* Per-contact n and cost of a team, from the construction rules (a second method). */
static size_t team_sample(int team, int cost, double *out)
{
    int k, j, nk = team ? NWEST : NEAST;
    for (k = 0; k < nk; k++) {
        double c = 0;
        for (j = 0; j < hand_n(team, k); j++)
            c += hand_cost(k, j);
        out[k] = cost ? c : hand_n(team, k);
    }
    return (size_t)nk;
}

START_TEST(confidential_comparison_matches_the_sample_comparison)
{
    static const char *const metrics[] = {"n", "cost"};
    static const char *const cols[] = {"n_a", "n_b", "mean_a", "mean_b", "diff", "diff_ci_low",
                                       "diff_ci_high", "welch_t", "welch_df", "welch_p"};
    iv_store *s = hand_store(NULL, NULL);
    iv_summary *sum = make(s, "team", NULL);
    int m;
    for (m = 0; m < 2; m++) {
        double a[NEAST], b[NWEST];
        size_t na = team_sample(0, m, a), nb = team_sample(1, m, b), c;
        iv_table *ts = NULL, *tv = NULL;
        /* group 0 = east, 1 = west (label order) */
        ck_assert_int_eq(iv_summary_compare(&ts, sum, 0, sum, 1, metrics[m], NULL), IV_OK);
        ck_assert_int_eq(iv_stats_compare(&tv, a, na, b, nb, NULL), IV_OK);
        for (c = 0; c < sizeof cols / sizeof *cols; c++) {
            size_t col = (size_t)iv_table_col_index(ts, cols[c]);
            double x = c < 2 ? (double)iv_table_get_int(ts, 0, col) : iv_table_get_double(ts, 0, col);
            double y = c < 2 ? (double)iv_table_get_int(tv, 0, col) : iv_table_get_double(tv, 0, col);
            ck_assert_msg(!isnan(x) && tu_close(x, y, 1e-9), "%s %s: %.17g vs %.17g", metrics[m],
                          cols[c], x, y);
        }
        for (c = 4; c <= 5; c++) {
            double x = iv_table_get_double(ts, 0, c), y = iv_table_get_double(tv, 0, c);
            ck_assert_msg(fabs(x - y) <= 0.01 * fabs(y) + 1e-12, "median %.17g vs %.17g", x, y);
        }
        if (m == 0) {
            /* per-contact n takes the values 1..7: one sketch bin each, so the rank
             * statistics are exactly those of the samples */
            for (c = 12; c <= 14; c++)
                ck_assert(!isnan(iv_table_get_double(ts, 0, c)) &&
                          tu_close(iv_table_get_double(ts, 0, c), iv_table_get_double(tv, 0, c), 1e-12));
        }
        iv_table_free(ts);
        iv_table_free(tv);
    }
    iv_summary_free(sum);
    iv_store_free(s);
}
END_TEST

START_TEST(merge_refuses_summaries_of_different_queries)
{
    iv_store *s = hand_store(NULL, NULL);
    iv_summary *a = make(s, "team", NULL), *b = make(s, "channel", NULL),
               *c = make(s, "team", "channel = web");
    bytes before = to_bytes(a), after;
    ck_assert_int_eq(iv_summary_merge(a, b), IV_EINVAL);
    ck_assert_int_eq(iv_summary_merge(a, c), IV_EINVAL);
    after = to_bytes(a);
    ck_assert(bytes_eq(before, after));
    free(before.p);
    free(after.p);
    iv_summary_free(a);
    iv_summary_free(b);
    iv_summary_free(c);
    iv_store_free(s);
}
END_TEST

START_TEST(summaries_refuse_contact_and_interaction_ids_as_groups)
{
    iv_store *s = hand_store(NULL, NULL);
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_summary *sum = NULL;
    q.by = "team,contact";
    ck_assert_int_eq(iv_summary_make(&sum, s, &q, NULL), IV_EINVAL);
    ck_assert_ptr_null(sum);
    q.by = "id";
    ck_assert_int_eq(iv_summary_make(&sum, s, &q, NULL), IV_EINVAL);
    /* the selection travels as a hash: its text (which may name a contact) is not inside */
    q.by = "team";
    q.where = "contact != E5";
    ck_assert_int_eq(iv_summary_make(&sum, s, &q, NULL), IV_OK);
    {
        bytes b = to_bytes(sum);
        size_t i;
        for (i = 0; i + 2 <= b.n; i++)
            ck_assert(memcmp((char *)b.p + i, "E5", 2) != 0);
        free(b.p);
    }
    iv_summary_free(sum);
    iv_store_free(s);
}
END_TEST

START_TEST(self_merge_doubles_every_count)
{
    iv_store *s = hand_store(NULL, NULL);
    iv_summary *a = make(s, "team", NULL);
    iv_table *t = NULL;
    ck_assert_int_eq(iv_summary_merge(a, a), IV_OK);
    ck_assert_int_eq(iv_summary_metrics(&t, a), IV_OK);
    /* east: sum of hand_n(0, k) = 48 interactions, 12 contacts */
    ck_assert_int_eq(iv_table_get_int(t, 0, 1), 96);
    ck_assert_int_eq(iv_table_get_int(t, 0, 2), 24);
    iv_table_free(t);
    iv_summary_free(a);
    iv_store_free(s);
}
END_TEST

START_TEST(partition_hash_is_fnv1a64_modulo_parts)
{
    /* FNV-1a 64 test vectors (draft-eastlake-fnv): "" -> cbf29ce484222325,
     * "a" -> af63dc4c8601ec8c, "foobar" -> 85944171f73967e8 */
    ck_assert_uint_eq(iv_partition_of("", 0, 1000), (uint32_t)(UINT64_C(0xcbf29ce484222325) % 1000));
    ck_assert_uint_eq(iv_partition_of("a", 1, 7), (uint32_t)(UINT64_C(0xaf63dc4c8601ec8c) % 7));
    ck_assert_uint_eq(iv_partition_of("foobar", 6, 4096), (uint32_t)(UINT64_C(0x85944171f73967e8) % 4096));
    ck_assert_uint_eq(iv_partition_of("foobar", 6, 0), 0);
    ck_assert_uint_eq(iv_partition_of("foobar", 6, 1), 0);
}
END_TEST

/* Allocation failures: the store and the summary share one counting allocator; after
 * every failure nothing of the attempt may remain alive. */
START_TEST(make_fails_cleanly_at_every_allocation)
{
    tu_alloc ta;
    iv_store *s;
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    long k, base;
    int done = 0;
    tu_alloc_reset(&ta, 0);
    s = hand_store(tu_alloc_fn, &ta);
    base = ta.live;
    q.by = "team,month";
    for (k = 1; !done; k++) {
        iv_summary *sum = NULL;
        int rc;
        ta.calls = 0;
        ta.fail_at = k;
        ta.failed = 0;
        rc = iv_summary_make(&sum, s, &q, NULL);
        if (rc == IV_OK)
            done = !ta.failed;
        else
            ck_assert_int_eq(rc, IV_ENOMEM);
        iv_summary_free(sum);
        ck_assert_int_eq(ta.live, base);
    }
    ta.fail_at = 0;
    iv_store_free(s);
    ck_assert_int_eq(ta.live, 0);
}
END_TEST

START_TEST(merge_parse_and_serialise_fail_cleanly_at_every_allocation)
{
    iv_store *s = hand_store(NULL, NULL);
    iv_summary *a = make(s, "team,channel", NULL), *b = make(s, "team,channel", "team = west");
    iv_summary_options o = IV_SUMMARY_OPTIONS_INIT;
    bytes ab = to_bytes(a);
    tu_alloc ta;
    long k;
    int done;
    o.alloc = tu_alloc_fn;
    o.alloc_ud = &ta;
    /* b has a narrower selection, so make it mergeable: a second "a" with other data */
    iv_summary_free(b);
    b = make(s, "team,channel", NULL);
    for (done = 0, k = 1; !done; k++) {
        iv_summary *into = NULL;
        bytes now;
        int rc;
        tu_alloc_reset(&ta, 0);
        ck_assert_int_eq(iv_summary_from_bytes(&into, ab.p, ab.n, &o), IV_OK);
        ta.calls = 0;
        ta.fail_at = k;
        rc = iv_summary_merge(into, b);
        ta.fail_at = 0;
        if (rc == IV_OK) {
            done = !ta.failed;
        } else {
            ck_assert_int_eq(rc, IV_ENOMEM);
            now = to_bytes(into); /* unchanged */
            ck_assert(bytes_eq(ab, now));
            free(now.p);
        }
        iv_summary_free(into);
        ck_assert_int_eq(ta.live, 0);
    }
    for (done = 0, k = 1; !done; k++) {
        iv_summary *back = NULL;
        int rc;
        tu_alloc_reset(&ta, k);
        rc = iv_summary_from_bytes(&back, ab.p, ab.n, &o);
        if (rc == IV_OK)
            done = !ta.failed;
        else
            ck_assert_int_eq(rc, IV_ENOMEM);
        if (rc == IV_OK) {
            void *p = NULL;
            size_t n = 0;
            long j;
            /* serialising the parsed summary, failing each of its allocations */
            for (j = 1;; j++) {
                ta.calls = 0;
                ta.fail_at = j;
                ta.failed = 0;
                rc = iv_summary_to_bytes(back, &p, &n);
                if (rc == IV_OK && !ta.failed)
                    break;
                ck_assert_int_eq(rc, IV_ENOMEM);
            }
            ck_assert_uint_eq(n, ab.n);
            iv_summary_free_bytes(back, p, n);
        }
        iv_summary_free(back);
        ck_assert_int_eq(ta.live, 0);
    }
    free(ab.p);
    iv_summary_free(a);
    iv_summary_free(b);
    iv_store_free(s);
}
END_TEST

static void summary_tests(TCase *tc)
{
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, summary_metrics_equal_query_metrics_byte_for_byte);
    tcase_add_test(tc, merges_in_every_order_give_identical_bytes_and_the_single_store_metrics);
    tcase_add_test(tc, bytes_and_files_round_trip);
    tcase_add_test(tc, crc32_matches_the_standard_check_value);
    tcase_add_test(tc, every_truncation_and_every_bit_flip_is_a_clean_error);
    tcase_add_test(tc, forged_lengths_are_rejected_without_large_allocations);
    tcase_add_test(tc, quantiles_are_within_the_sketch_bound);
    tcase_add_test(tc, confidential_comparison_matches_the_sample_comparison);
    tcase_add_test(tc, merge_refuses_summaries_of_different_queries);
    tcase_add_test(tc, summaries_refuse_contact_and_interaction_ids_as_groups);
    tcase_add_test(tc, self_merge_doubles_every_count);
    tcase_add_test(tc, partition_hash_is_fnv1a64_modulo_parts);
    tcase_add_test(tc, make_fails_cleanly_at_every_allocation);
    tcase_add_test(tc, merge_parse_and_serialise_fail_cleanly_at_every_allocation);
    tcase_add_test(tc, counts_beyond_their_denominators_are_corrupt);
}

int main(void)
{
    tu_prefer_ram_tmpdir();
    return tu_run_suite("summary", summary_tests);
}
