/* Partials (src/analytics/partial*.c): for every kind, the log split into K parts by
 * iv_partition_of(), one partial per part, merged in several orders and groupings, gives
 * the analysis of the whole store byte for byte; the byte format under truncation and
 * bit flips; merges of different kinds or options refused; allocation failures. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iv.h"
#include "testutil.h"

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

/* A hand-made log built to reach the edges the partials must get right: 40 contacts
 * over about 100 days from 2024-01-01 (a Monday), with rows at the store's very first
 * and very last millisecond, churn-flagged last rows (discontinue), contacts whose
 * only row is the first or the last of the store, bursts of several rows on one day,
 * gaps longer than the activity window, and two teams. Contact k has 1 + (7k) % 9 rows;
 * row j is (k * 37 + j * 11) % 97 days and (k * 5 + j) hours after the start; every
 * fifth contact's last row is a discontinue; types cycle through signup, visit, demo,
 * purchase, support. */
static iv_store *hand_store(iv_alloc_fn fn, void *ud)
{
    static const char *const types[] = {"signup", "visit", "demo", "purchase", "support"};
    iv_store_options so = IV_STORE_OPTIONS_INIT;
    iv_store *s = NULL;
    const int64_t t0 = INT64_C(1704067200000), H = 3600000, D = 86400000;
    int k, j;
    so.alloc = fn;
    so.alloc_ud = ud;
    ck_assert_int_eq(iv_store_new(&s, &so), IV_OK);
    for (k = 0; k < 40; k++) {
        int n = 1 + (7 * k) % 9;
        int64_t day0 = (k * 37) % 97;
        for (j = 0; j < n; j++) {
            iv_record r = IV_RECORD_INIT;
            char contact[16];
            const char *nm[1] = {"variant"}, *val[1];
            snprintf(contact, sizeof contact, "c%02d", k);
            r.contact = contact;
            r.ts = t0 + (day0 + (int64_t)((j * 11) % 23)) * D + (int64_t)((k * 5 + j) % 24) * H;
            r.type = j == n - 1 && k % 5 == 0 ? "discontinue" : types[(k + j) % 5];
            r.channel = "web";
            r.team = k % 3 ? "east" : "west";
            val[0] = k % 2 ? "A" : "B";
            r.ndims = 1;
            r.dim_names = nm;
            r.dim_values = val;
            r.value = j % 2 ? 10.0 * (k % 4) : 0;
            ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
        }
    }
    {   /* the store's first and last millisecond, each a contact of its own */
        iv_record r = IV_RECORD_INIT;
        r.contact = "first";
        r.ts = t0;
        r.type = "visit";
        r.channel = "web";
        r.team = "east";
        ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
        r.contact = "last";
        r.ts = t0 + 130 * D + 17 * H + 1234;
        ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
        r.contact = "last2";
        r.type = "discontinue";
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

/* One analysis to check: the kind, its query and options. */
typedef struct acase {
    const char *name;
    int kind;
    const char *by, *where;
    int64_t from, to;
    iv_lifecycle_options o;
} acase;

static int direct(const iv_store *s, const acase *c, iv_table **t)
{
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    q.by = c->by;
    q.where = c->where;
    q.from = c->from;
    q.to = c->to;
    switch (c->kind) {
    case IV_PARTIAL_CHURN:
        return iv_lifecycle_churn(t, s, &q, &c->o);
    case IV_PARTIAL_RETENTION:
        return iv_lifecycle_retention(t, s, &q, &c->o);
    case IV_PARTIAL_COHORTS:
        return iv_lifecycle_cohorts(t, s, &q, &c->o);
    case IV_PARTIAL_FUNNEL:
        return iv_lifecycle_funnel(t, s, &q, &c->o);
    case IV_PARTIAL_LIFECYCLE:
        return iv_lifecycle_lifecycle(t, s, &q, &c->o);
    default:
        return iv_lifecycle_stickiness(t, s, &q, &c->o);
    }
}

static iv_partial *make(const iv_store *s, const acase *c)
{
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_partial *p = NULL;
    q.by = c->by;
    q.where = c->where;
    q.from = c->from;
    q.to = c->to;
    ck_assert_msg(iv_partial_lifecycle(&p, c->kind, s, &q, &c->o) == IV_OK, "%s: %s", c->name, iv_error_last());
    return p;
}

typedef struct bytes {
    void *p;
    size_t n;
} bytes;

static bytes to_bytes(const iv_partial *p)
{
    bytes b;
    void *x = NULL;
    ck_assert_int_eq(iv_partial_to_bytes(p, &x, &b.n), IV_OK);
    b.p = malloc(b.n);
    memcpy(b.p, x, b.n);
    iv_partial_free_bytes(p, x, b.n);
    return b;
}

static iv_partial *from_bytes(bytes b)
{
    iv_partial *p = NULL;
    ck_assert_msg(iv_partial_from_bytes(&p, b.p, b.n, NULL) == IV_OK, "%s", iv_error_last());
    return p;
}

static char *result_csv(const iv_partial *p, const char *name)
{
    iv_table *t = NULL;
    char *csv;
    ck_assert_msg(iv_partial_result(&t, p) == IV_OK, "%s: %s", name, iv_error_last());
    csv = table_csv(t);
    iv_table_free(t);
    return csv;
}

/* The parts of the store under test for K = 1, 2, 3, 7 (made once per store). */
static const uint32_t Ks[] = {1, 2, 3, 7};
static iv_store *g_parts[4][7];

static void split(const iv_store *s)
{
    size_t ki;
    uint32_t i;
    for (ki = 0; ki < 4; ki++)
        for (i = 0; i < Ks[ki]; i++)
            g_parts[ki][i] = tu_part_of(s, i, Ks[ki]);
}

static void unsplit(void)
{
    size_t ki;
    uint32_t i;
    for (ki = 0; ki < 4; ki++)
        for (i = 0; i < Ks[ki]; i++) {
            iv_store_free(g_parts[ki][i]);
            g_parts[ki][i] = NULL;
        }
}

/* Every truncation and every single-bit flip of p's bytes is refused. */
static void flips_refused(const iv_partial *p)
{
    iv_partial *q2 = NULL;
    bytes b = to_bytes(p);
    size_t k;
    int bit;
    for (k = 0; k < b.n; k++) {
        ck_assert_int_eq(iv_partial_from_bytes(&q2, b.p, k, NULL), IV_ECORRUPT);
        for (bit = 0; bit < 8; bit++) {
            int rc;
            ((unsigned char *)b.p)[k] ^= (unsigned char)(1u << bit);
            rc = iv_partial_from_bytes(&q2, b.p, b.n, NULL);
            ck_assert_msg(rc == IV_ECORRUPT || rc == IV_EVERSION, "byte %zu bit %d: %d", k, bit, rc);
            ((unsigned char *)b.p)[k] ^= (unsigned char)(1u << bit);
        }
    }
    free(b.p);
}

/* The K partials (each travelled through bytes) merged left to right, right to left and
 * as a balanced tree: the three must give the same bytes. Returns the first merge. */
static iv_partial *merge_orders(iv_partial *const *parts, uint32_t K, const char *name)
{
    iv_partial *fwd, *bwd, *l, *r;
    bytes bf, bb, bt;
    uint32_t i;
    fwd = from_bytes(bf = to_bytes(parts[0]));
    free(bf.p);
    for (i = 1; i < K; i++)
        ck_assert_int_eq(iv_partial_merge(fwd, parts[i]), IV_OK);
    bwd = from_bytes(bb = to_bytes(parts[K - 1]));
    free(bb.p);
    for (i = K - 1; i-- > 0;)
        ck_assert_int_eq(iv_partial_merge(bwd, parts[i]), IV_OK);
    /* a tree: (0 + 2 + 4 + ...) merged with (1 + 3 + 5 + ...) */
    l = from_bytes(bt = to_bytes(parts[0]));
    free(bt.p);
    r = NULL;
    for (i = 1; i < K; i++) {
        if (i % 2 == 0) {
            ck_assert_int_eq(iv_partial_merge(l, parts[i]), IV_OK);
        } else if (!r) {
            r = from_bytes(bt = to_bytes(parts[i]));
            free(bt.p);
        } else {
            ck_assert_int_eq(iv_partial_merge(r, parts[i]), IV_OK);
        }
    }
    if (r) {
        ck_assert_int_eq(iv_partial_merge(r, l), IV_OK);
        iv_partial_free(l);
        l = r;
    }
    bf = to_bytes(fwd);
    bb = to_bytes(bwd);
    bt = to_bytes(l);
    ck_assert_msg(bf.n == bb.n && memcmp(bf.p, bb.p, bf.n) == 0, "%s K=%u: merge order changes the bytes", name, K);
    ck_assert_msg(bf.n == bt.n && memcmp(bf.p, bt.p, bf.n) == 0, "%s K=%u: grouping changes the bytes", name, K);
    free(bf.p);
    free(bb.p);
    free(bt.p);
    iv_partial_free(bwd);
    iv_partial_free(l);
    return fwd;
}

static void assert_same_text(const char *got, const char *want, const char *name, uint32_t K)
{
    if (strcmp(got, want) != 0) {
        size_t at = 0, line = 1;
        while (got[at] && got[at] == want[at])
            line += got[at++] == '\n';
        ck_abort_msg("%s K=%u: line %zu differs: merged \"%.80s\", direct \"%.80s\"", name, K, line, got + at,
                     want + at);
    }
}

/* The whole check of one case on one store: K = 1, 2, 3, 7 parts; merged left to right,
 * right to left and as a balanced tree, through bytes; every merge gives the same bytes
 * and the direct table. */
static void check_case(const iv_store *s, const acase *c)
{
    iv_table *t = NULL;
    char *want, *want_h = NULL;
    size_t ki;
    ck_assert_msg(direct(s, c, &t) == IV_OK, "%s: %s", c->name, iv_error_last());
    want = table_csv(t);
    iv_table_free(t);
    if (c->kind == IV_PARTIAL_FUNNEL) { /* and its time-to-convert histogram */
        iv_query_options q = IV_QUERY_OPTIONS_INIT;
        q.by = c->by;
        q.where = c->where;
        q.from = c->from;
        q.to = c->to;
        ck_assert_msg(iv_lifecycle_funnel_histogram(&t, s, &q, &c->o) == IV_OK, "%s: %s", c->name, iv_error_last());
        want_h = table_csv(t);
        iv_table_free(t);
    }
    for (ki = 0; ki < sizeof Ks / sizeof *Ks; ki++) {
        uint32_t K = Ks[ki], i;
        iv_partial *parts[7] = {0}, *fwd;
        char *got;
        for (i = 0; i < K; i++) {
            iv_partial *p = make(g_parts[ki][i], c);
            bytes b = to_bytes(p);
            iv_partial_free(p);
            parts[i] = from_bytes(b); /* every part travels as bytes */
            free(b.p);
        }
        fwd = merge_orders(parts, K, c->name);
        got = result_csv(fwd, c->name);
        assert_same_text(got, want, c->name, K);
        free(got);
        if (want_h) {
            ck_assert_msg(iv_partial_funnel_histogram(&t, fwd) == IV_OK, "%s: %s", c->name, iv_error_last());
            got = table_csv(t);
            iv_table_free(t);
            assert_same_text(got, want_h, c->name, K);
            free(got);
        }
        iv_partial_free(fwd);
        for (i = 0; i < K; i++)
            iv_partial_free(parts[i]);
    }
    free(want);
    free(want_h);
}

static acase mk(const char *name, int kind, const char *by)
{
    acase c;
    iv_lifecycle_options o = IV_LIFECYCLE_OPTIONS_INIT;
    memset(&c, 0, sizeof c);
    c.name = name;
    c.kind = kind;
    c.by = by;
    c.from = c.to = IV_TIME_NONE;
    c.o = o;
    return c;
}

/* ------------------------------------------------------------ tests ------ */

static void lifecycle_kinds(const iv_store *s)
{
    acase c;
    c = mk("stickiness week", IV_PARTIAL_STICKINESS, NULL);
    check_case(s, &c);
    c = mk("stickiness month by team", IV_PARTIAL_STICKINESS, "team");
    c.o.period = IV_PERIOD_MONTH;
    check_case(s, &c);
    c = mk("stickiness week, range", IV_PARTIAL_STICKINESS, "team");
    c.from = tu_ts("2024-02-01T00:00:00Z");
    c.to = tu_ts("2024-03-15T00:00:00Z");
    check_case(s, &c);
    c = mk("lifecycle week", IV_PARTIAL_LIFECYCLE, NULL);
    check_case(s, &c);
    c = mk("lifecycle day by team", IV_PARTIAL_LIFECYCLE, "team");
    c.o.period = IV_PERIOD_DAY;
    check_case(s, &c);
    c = mk("lifecycle month, range, where", IV_PARTIAL_LIFECYCLE, "team");
    c.o.period = IV_PERIOD_MONTH;
    c.where = "type != visit";
    c.from = tu_ts("2024-02-01T00:00:00Z");
    c.to = tu_ts("2024-06-15T00:00:00Z");
    check_case(s, &c);
    c = mk("funnel ordered", IV_PARTIAL_FUNNEL, NULL);
    c.o.steps = "signup,demo|visit,purchase";
    check_case(s, &c);
    c = mk("funnel any by team, window 20 days", IV_PARTIAL_FUNNEL, "team");
    c.o.steps = "signup,visit,purchase";
    c.o.mode = IV_FUNNEL_ANY;
    c.o.window = 20 * INT64_C(86400000);
    check_case(s, &c);
    c = mk("funnel strict, exclusion, trends by month and team", IV_PARTIAL_FUNNEL, "month,team");
    c.o.steps = "visit,demo|purchase,support";
    c.o.mode = IV_FUNNEL_STRICT;
    c.o.exclude = "discontinue";
    c.o.window = 100 * INT64_C(3600000); /* 100 hours: the histogram's last bin "3d-100h" */
    check_case(s, &c);
    c = mk("funnel ordered, range, exclusion between steps", IV_PARTIAL_FUNNEL, "team,week");
    c.o.steps = "signup,visit,purchase";
    c.o.exclude = "support@1-2";
    c.from = tu_ts("2024-01-20T00:00:00Z");
    c.to = tu_ts("2024-03-20T00:00:00Z");
    check_case(s, &c);
    c = mk("cohorts week", IV_PARTIAL_COHORTS, NULL);
    check_case(s, &c);
    c = mk("cohorts month by team", IV_PARTIAL_COHORTS, "team");
    c.o.period = IV_PERIOD_MONTH;
    check_case(s, &c);
    c = mk("cohorts week, start and return types, range", IV_PARTIAL_COHORTS, "team");
    c.o.start_types = "signup|demo";
    c.o.return_types = "purchase,visit";
    c.from = tu_ts("2024-01-10T00:00:00Z");
    check_case(s, &c);
}

static void churn_kinds(const iv_store *s)
{
    static const int kinds[] = {IV_PARTIAL_CHURN, IV_PARTIAL_RETENTION};
    size_t i;
    for (i = 0; i < 2; i++) {
        acase c;
        int k = kinds[i];
        c = mk("churn default", k, NULL);
        check_case(s, &c);
        c = mk("churn by team, window 10 days", k, "team");
        c.o.window = 10 * INT64_C(86400000);
        check_case(s, &c);
        c = mk("churn t0 given", k, "team");
        c.o.t0 = tu_ts("2024-02-01T00:00:00Z");
        check_case(s, &c);
        c = mk("churn t1 given", k, NULL);
        c.o.t1 = tu_ts("2024-03-01T00:00:00Z");
        check_case(s, &c);
        c = mk("churn t0, t1 given", k, "team");
        c.o.t0 = tu_ts("2024-01-15T00:00:00Z");
        c.o.t1 = tu_ts("2024-03-01T00:00:00Z");
        check_case(s, &c);
        c = mk("churn every week", k, NULL);
        c.o.every = IV_EVERY_WEEK;
        check_case(s, &c);
        c = mk("churn every day by team, window 3 days", k, "team");
        c.o.every = IV_EVERY_DAY;
        c.o.window = 3 * INT64_C(86400000);
        check_case(s, &c);
        c = mk("churn every month, where", k, "variant");
        c.o.every = IV_EVERY_MONTH;
        c.where = "type != visit";
        check_case(s, &c);
        c = mk("churn every quarter", k, NULL);
        c.o.every = IV_EVERY_QUARTER;
        check_case(s, &c);
        c = mk("churn every week, t0 given", k, NULL);
        c.o.every = IV_EVERY_WEEK;
        c.o.t0 = tu_ts("2024-01-17T13:00:00Z");
        check_case(s, &c);
        c = mk("churn every week, t1 given", k, "team");
        c.o.every = IV_EVERY_WEEK;
        c.o.t1 = tu_ts("2024-03-20T13:00:00Z");
        check_case(s, &c);
        c = mk("churn every month, t0 and t1 given", k, NULL);
        c.o.every = IV_EVERY_MONTH;
        c.o.t0 = tu_ts("2024-01-17T13:00:00Z");
        c.o.t1 = tu_ts("2024-04-02T00:00:00Z");
        check_case(s, &c);
        c = mk("churn every month, one period (t0 late)", k, NULL);
        c.o.every = IV_EVERY_QUARTER;
        c.o.t0 = tu_ts("2024-04-20T00:00:00Z");
        check_case(s, &c);
    }
}

START_TEST(hand_log_lifecycle_kinds_merge_to_the_direct_tables)
{
    iv_store *s = hand_store(NULL, NULL);
    split(s);
    lifecycle_kinds(s);
    unsplit();
    iv_store_free(s);
}
END_TEST

START_TEST(hand_log_churn_and_retention_merge_to_the_direct_tables)
{
    iv_store *s = hand_store(NULL, NULL);
    split(s);
    churn_kinds(s);
    unsplit();
    iv_store_free(s);
}
END_TEST

START_TEST(sample_lifecycle_kinds_merge_to_the_direct_tables)
{
    iv_store *s = sample_store();
    split(s);
    lifecycle_kinds(s);
    unsplit();
    iv_store_free(s);
}
END_TEST

START_TEST(sample_churn_and_retention_merge_to_the_direct_tables)
{
    iv_store *s = sample_store();
    split(s);
    churn_kinds(s);
    unsplit();
    iv_store_free(s);
}
END_TEST

/* ------------------------------------------------------------ bytes ------ */

START_TEST(corrupted_truncated_and_mixed_partials_are_refused)
{
    iv_store *s = hand_store(NULL, NULL);
    acase c = mk("churn every week", IV_PARTIAL_CHURN, "team"), d = mk("retention", IV_PARTIAL_RETENTION, "team");
    iv_partial *p, *q, *r = NULL;
    bytes b;
    size_t i;
    c.o.every = d.o.every = IV_EVERY_WEEK;
    p = make(s, &c);
    q = make(s, &d);
    b = to_bytes(p);
    /* every truncation and every single-bit flip is refused with a message */
    for (i = 0; i < b.n; i++) {
        ck_assert_int_eq(iv_partial_from_bytes(&r, b.p, i, NULL), IV_ECORRUPT);
        ck_assert_ptr_null(r);
        ck_assert(iv_error_last()[0] != '\0');
    }
    for (i = 0; i < b.n * 8; i += 7) {
        ((unsigned char *)b.p)[i / 8] ^= (unsigned char)(1u << (i % 8));
        ck_assert_int_ne(iv_partial_from_bytes(&r, b.p, b.n, NULL), IV_OK);
        ck_assert_ptr_null(r);
        ((unsigned char *)b.p)[i / 8] ^= (unsigned char)(1u << (i % 8));
    }
    ck_assert_int_eq(iv_partial_from_bytes(&r, b.p, b.n, NULL), IV_OK);
    iv_partial_free(r);
    /* another format version */
    ((unsigned char *)b.p)[8] = 9;
    ck_assert_int_eq(iv_partial_from_bytes(&r, b.p, b.n, NULL), IV_EVERSION);
    free(b.p);
    /* a summary of another analysis, or of other options, does not merge */
    ck_assert_int_eq(iv_partial_merge(p, q), IV_EINVAL);
    ck_assert_ptr_nonnull(strstr(iv_error_last(), "different analyses"));
    iv_partial_free(q);
    c.o.window = 86400000;
    q = make(s, &c);
    ck_assert_int_eq(iv_partial_merge(p, q), IV_EINVAL);
    ck_assert_ptr_nonnull(strstr(iv_error_last(), "different options"));
    iv_partial_free(q);
    /* contact ids never go into a partial */
    {
        iv_query_options qo = IV_QUERY_OPTIONS_INIT;
        qo.by = "contact";
        ck_assert_int_eq(iv_partial_lifecycle(&q, IV_PARTIAL_STICKINESS, s, &qo, NULL), IV_EINVAL);
        ck_assert_ptr_null(q);
    }
    iv_partial_free(p);
    iv_store_free(s);
}
END_TEST

/* ------------------------------------------------------------ CLV -------- */

/* A purchase log for the CLV inputs: 240 contacts from 2024-01-01, contact k first buying
 * on day (13 k) % 150 and then every 6, 13, 27 or 55 days (by k % 4, stretched by up to
 * 90 % row by row) while alive, for (37 k) % 300 days; every fifth repeat on the same day
 * as the one before (same-day purchases merge), values in quarters, renewals among the
 * purchases, a visit after each, every sixth contact ending with a discontinue, every
 * eleventh with no purchase at all, and a last visit on day 400 that sets the default
 * calibration end. */
static iv_store *clv_store(iv_alloc_fn fn, void *ud)
{
    static const int gaps[] = {6, 13, 27, 55};
    iv_store_options so = IV_STORE_OPTIONS_INIT;
    iv_store *s = NULL;
    const int64_t t0 = INT64_C(1704067200000), H = 3600000, D = 86400000;
    int k, j;
    so.alloc = fn;
    so.alloc_ud = ud;
    ck_assert_int_eq(iv_store_new(&s, &so), IV_OK);
    for (k = 0; k < 240; k++) {
        char contact[16];
        int64_t first = (k * 13) % 150, day = first, life = (k * 37) % 300;
        iv_record r = IV_RECORD_INIT;
        snprintf(contact, sizeof contact, "k%03d", k);
        r.contact = contact;
        r.channel = "web";
        r.team = "east";
        for (j = 0; day <= first + life && day < 400; j++) {
            r.ts = t0 + day * D + (int64_t)((k + j) % 20) * H;
            r.type = k % 11 == 5 ? "visit" : j % 5 == 2 ? "renewal" : "purchase";
            r.value = 10 + 0.25 * ((k * 3 + j * 7) % 50);
            ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
            r.ts += 2 * H;
            r.type = "visit";
            r.value = NAN;
            ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
            if (j % 5 != 4)
                day += gaps[k % 4] + gaps[k % 4] * ((k * 7 + j * 13) % 10) / 10;
        }
        if (k % 6 == 1) {
            r.ts += 3 * D;
            r.type = "discontinue";
            ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
        }
    }
    {
        iv_record r = IV_RECORD_INIT;
        r.contact = "zz_end";
        r.ts = t0 + 400 * D + 5 * H;
        r.type = "visit";
        r.channel = "web";
        r.team = "east";
        ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
    }
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    return s;
}

/* The per-contact input table of the whole store for a model (as `iv clv fit` reads it). */
static iv_table *clv_input(const iv_store *s, int model, const iv_rfm_options *ro)
{
    iv_table *t = NULL;
    int rc = model == IV_CLV_BGBB ? iv_rfm_discrete(&t, s, ro) : model == IV_CLV_SBG ? iv_contracts(&t, s, ro)
                                                                                      : iv_rfm(&t, s, ro);
    ck_assert_msg(rc == IV_OK, "%s", iv_error_last());
    return t;
}

static int cmp_row4(const void *a, const void *b)
{
    const double *x = a, *y = b;
    int i;
    for (i = 0; i < 4; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

/* The distinct rows of the input table with their counts, counted here by sorting, in the
 * shape iv_partial_result() gives for the CLV kind. */
static char *clv_expected_csv(const iv_table *in, int model)
{
    const char *names[4];
    size_t n = iv_table_nrows(in), i, j, c, nc, len = 0, cap = 64 + n * 128;
    double *rows = calloc(n ? n : 1, 4 * sizeof(double));
    char *out = malloc(cap);
    if (model == IV_CLV_SBG) {
        names[0] = "periods";
        names[1] = "churned";
        nc = 2;
    } else {
        names[0] = "x";
        names[1] = "t_x";
        names[2] = model == IV_CLV_BGBB ? "n" : "T";
        names[3] = "zbar";
        nc = model == IV_CLV_BGBB ? 3 : 4;
    }
    for (i = 0; i < n; i++)
        for (c = 0; c < nc; c++)
            rows[i * 4 + c] = iv_table_get_double(in, i, (size_t)iv_table_col_index(in, names[c]));
    qsort(rows, n, 4 * sizeof(double), cmp_row4);
    for (c = 0; c < nc; c++)
        len += (size_t)snprintf(out + len, cap - len, "%s,", names[c]);
    len += (size_t)snprintf(out + len, cap - len, "count\n");
    for (i = 0; i < n; i = j) {
        for (j = i; j < n && cmp_row4(&rows[i * 4], &rows[j * 4]) == 0; j++)
            ;
        for (c = 0; c < nc; c++) {
            double v = rows[i * 4 + c];
            if (c == 0 || model == IV_CLV_BGBB || model == IV_CLV_SBG)
                len += (size_t)snprintf(out + len, cap - len, "%lld,", (long long)v);
            else
                len += (size_t)snprintf(out + len, cap - len, "%.17g,", v);
        }
        len += (size_t)snprintf(out + len, cap - len, "%zu\n", j - i);
    }
    free(rows);
    return out;
}

/* The merged result in the same plain form (doubles as %.17g). */
static char *clv_result_csv(const iv_partial *p)
{
    iv_table *t = NULL;
    size_t n, i, c, nc, len = 0, cap;
    char *out;
    ck_assert_msg(iv_partial_result(&t, p) == IV_OK, "%s", iv_error_last());
    n = iv_table_nrows(t);
    nc = iv_table_ncols(t);
    cap = 64 + n * 128;
    out = malloc(cap);
    for (c = 0; c < nc; c++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", iv_table_col_name(t, c), c + 1 < nc ? "," : "\n");
    for (i = 0; i < n; i++)
        for (c = 0; c < nc; c++) {
            if (iv_table_col_type(t, c) == IV_COL_DOUBLE)
                len += (size_t)snprintf(out + len, cap - len, "%.17g", iv_table_get_double(t, i, c));
            else
                len += (size_t)snprintf(out + len, cap - len, "%lld", (long long)iv_table_get_int(t, i, c));
            len += (size_t)snprintf(out + len, cap - len, "%s", c + 1 < nc ? "," : "\n");
        }
    iv_table_free(t);
    return out;
}

/* The fit from the store's table (as `iv clv fit`: no weights) and from the merged partial:
 * the same return code, and when it fits every parameter, standard error, the
 * log-likelihood and the customer count equal to the last bit. */
static void clv_fit_same(const iv_table *in, const iv_partial *p, int model, const iv_clv_options *co,
                         const char *name)
{
    size_t n = iv_table_nrows(in), i, c;
    double *x = calloc(n + 1, sizeof(double)), *tx = calloc(n + 1, sizeof(double));
    double *T = calloc(n + 1, sizeof(double)), *z = calloc(n + 1, sizeof(double));
    iv_clv *a = NULL, *b = NULL;
    iv_table *ta = NULL, *tb = NULL;
    int ra, rb;
    for (i = 0; i < n; i++) {
        x[i] = iv_table_get_double(in, i, 1);
        tx[i] = iv_table_get_double(in, i, 2);
        T[i] = model == IV_CLV_SBG ? 0 : iv_table_get_double(in, i, 3);
        z[i] = model == IV_CLV_GG ? iv_table_get_double(in, i, 4) : 0;
    }
    ra = model == IV_CLV_GG ? iv_clv_fit(&a, model, x, NULL, NULL, z, n, co)
                            : iv_clv_fit(&a, model, x, tx, model == IV_CLV_SBG ? NULL : T, NULL, n, co);
    rb = iv_partial_clv_fit(&b, p, co);
    if (getenv("IV_TEST_VERBOSE"))
        fprintf(stderr, "%s: fit %d\n", name, ra);
    ck_assert_msg(ra == rb, "%s: store fit %d, partial fit %d (%s)", name, ra, rb, iv_error_last());
    if (ra == IV_OK) {
        ck_assert_int_eq(iv_clv_params(a, &ta), IV_OK);
        ck_assert_int_eq(iv_clv_params(b, &tb), IV_OK);
        ck_assert_uint_eq(iv_table_ncols(ta), iv_table_ncols(tb));
        for (c = 0; c < iv_table_ncols(ta); c++) {
            double va = iv_table_get_double(ta, 0, c), vb = iv_table_get_double(tb, 0, c);
            ck_assert_msg(memcmp(&va, &vb, sizeof va) == 0, "%s: %s %.17g (store) != %.17g (partial)", name,
                          iv_table_col_name(ta, c), va, vb);
        }
        iv_table_free(ta);
        iv_table_free(tb);
    }
    iv_clv_free(a);
    iv_clv_free(b);
    free(x);
    free(tx);
    free(T);
    free(z);
}

static void check_clv(const iv_store *s, int model, const iv_rfm_options *ro, const iv_clv_options *co,
                      const char *name)
{
    iv_table *in = clv_input(s, model, ro);
    char *want = clv_expected_csv(in, model);
    size_t ki;
    for (ki = 0; ki < sizeof Ks / sizeof *Ks; ki++) {
        uint32_t K = Ks[ki], i;
        iv_partial *parts[7] = {0}, *fwd;
        char *got;
        for (i = 0; i < K; i++) {
            iv_partial *p = NULL;
            bytes b;
            ck_assert_msg(iv_partial_clv(&p, model, g_parts[ki][i], ro) == IV_OK, "%s: %s", name, iv_error_last());
            ck_assert_int_eq(iv_partial_kind_of(p), IV_PARTIAL_CLV);
            b = to_bytes(p);
            iv_partial_free(p);
            parts[i] = from_bytes(b);
            free(b.p);
        }
        fwd = merge_orders(parts, K, name);
        got = clv_result_csv(fwd);
        assert_same_text(got, want, name, K);
        free(got);
        if (K == 1 || K == 7)
            clv_fit_same(in, fwd, model, co, name);
        iv_partial_free(fwd);
        for (i = 0; i < K; i++)
            iv_partial_free(parts[i]);
    }
    free(want);
    iv_table_free(in);
}

START_TEST(clv_inputs_merge_to_the_store_table_and_the_same_fit)
{
    static const int models[] = {IV_CLV_BGNBD, IV_CLV_PARETO, IV_CLV_GG, IV_CLV_MBGNBD, IV_CLV_BGBB, IV_CLV_SBG};
    static const char *const names[] = {"bgnbd", "pareto", "gg", "mbgnbd", "bgbb", "sbg"};
    iv_store *s = clv_store(NULL, NULL);
    size_t m;
    int cal, unit;
    split(s);
    for (m = 0; m < 6; m++)
        for (cal = 0; cal < 2; cal++)
            for (unit = 0; unit < 2; unit++) {
                iv_rfm_options ro = IV_RFM_OPTIONS_INIT;
                iv_clv_options co = IV_CLV_OPTIONS_INIT;
                char name[64];
                /* an explicit calibration end in the middle of the log (day 200) */
                ro.calibration_end = cal ? INT64_C(1704067200000) + 200 * INT64_C(86400000) + 1 : IV_TIME_NONE;
                ro.unit = unit ? IV_RFM_DAY : IV_RFM_WEEK;
                /* a penalty keeps these regular buyers' fits inside the parameter space
                 * (Pareto/NBD's penalty counts rows: the fit expands the counts); sbg
                 * with the default end fits without one */
                co.penalizer = m == 5 && !cal ? 0 : unit ? 0.01 : 0.05;
                snprintf(name, sizeof name, "%s cal=%d unit=%s", names[m], cal, unit ? "day" : "week");
                check_clv(s, models[m], &ro, &co, name);
            }
    unsplit();
    iv_store_free(s);
}
END_TEST

START_TEST(clv_partials_refuse_forgeries_and_other_options)
{
    iv_store *s = clv_store(NULL, NULL);
    iv_rfm_options ro = IV_RFM_OPTIONS_INIT;
    iv_clv_options co = IV_CLV_OPTIONS_INIT;
    iv_partial *p = NULL, *q = NULL;
    iv_clv *fit = NULL;
    bytes b;
    size_t i;
    int bit;
    ck_assert_int_eq(iv_partial_clv(&p, 7, s, NULL), IV_EINVAL);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(iv_partial_clv(&p, IV_CLV_BGNBD, s, NULL), IV_OK);
    b = to_bytes(p);
    for (i = 0; i < b.n; i++) { /* every truncation */
        ck_assert_int_eq(iv_partial_from_bytes(&q, b.p, i, NULL), IV_ECORRUPT);
        ck_assert_ptr_null(q);
    }
    for (i = 0; i < b.n; i++) /* every bit flip */
        for (bit = 0; bit < 8; bit++) {
            int rc;
            ((unsigned char *)b.p)[i] ^= (unsigned char)(1u << bit);
            rc = iv_partial_from_bytes(&q, b.p, b.n, NULL);
            ck_assert_msg(rc == IV_ECORRUPT || rc == IV_EVERSION, "byte %zu bit %d: %d", i, bit, rc);
            ck_assert_ptr_null(q);
            ((unsigned char *)b.p)[i] ^= (unsigned char)(1u << bit);
        }
    {   /* a file: saved atomically, loaded back to the same bytes; a damaged one names the file */
        char path[1024];
        bytes back;
        FILE *f;
        tu_build_path(path, sizeof path, "test_partial_clv.ivprt");
        ck_assert_int_eq(iv_partial_save(p, path), IV_OK);
        ck_assert_msg(iv_partial_load(&q, path, NULL) == IV_OK, "%s", iv_error_last());
        back = to_bytes(q);
        ck_assert(back.n == b.n && memcmp(back.p, b.p, b.n) == 0);
        free(back.p);
        iv_partial_free(q);
        q = NULL;
        f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(b.p, 1, b.n - 3, f), b.n - 3);
        fclose(f);
        ck_assert_int_eq(iv_partial_load(&q, path, NULL), IV_ECORRUPT);
        ck_assert_ptr_null(q);
        ck_assert_ptr_nonnull(strstr(iv_error_last(), path));
        remove(path);
        ck_assert_int_eq(iv_partial_load(&q, path, NULL), IV_EIO);
    }
    free(b.p);
    /* another model, unit or calibration end does not merge */
    ck_assert_int_eq(iv_partial_clv(&q, IV_CLV_PARETO, s, NULL), IV_OK);
    ck_assert_int_eq(iv_partial_merge(p, q), IV_EINVAL);
    iv_partial_free(q);
    ro.unit = IV_RFM_DAY;
    ck_assert_int_eq(iv_partial_clv(&q, IV_CLV_BGNBD, s, &ro), IV_OK);
    ck_assert_int_eq(iv_partial_merge(p, q), IV_EINVAL);
    iv_partial_free(q);
    /* the fit refuses weights and covariates (the counts are the weights) and other kinds */
    {
        double w = 1;
        co.weights = &w;
        ck_assert_int_eq(iv_partial_clv_fit(&fit, p, &co), IV_EINVAL);
        ck_assert_ptr_null(fit);
        ck_assert_int_eq(iv_partial_lifecycle(&q, IV_PARTIAL_STICKINESS, s, NULL, NULL), IV_OK);
        ck_assert_int_eq(iv_partial_clv_fit(&fit, q, NULL), IV_EINVAL);
        ck_assert_int_eq(iv_partial_merge(p, q), IV_EINVAL);
        iv_partial_free(q);
    }
    /* no purchase before the calibration end: nothing to fit */
    ro = (iv_rfm_options)IV_RFM_OPTIONS_INIT;
    ro.calibration_end = INT64_C(1704067200000) - 1;
    ck_assert_int_eq(iv_partial_clv(&q, IV_CLV_BGNBD, s, &ro), IV_OK);
    ck_assert_int_eq(iv_partial_clv_fit(&fit, q, NULL), IV_EUNDEFINED);
    iv_partial_free(q);
    iv_partial_free(p);
    iv_store_free(s);
}
END_TEST

/* ------------------------------------------------------------ compare ---- */

typedef struct ccase {
    const char *name, *metric, *a, *b, *where;
    int64_t from, to, t_ref;
    const iv_model *model;
    iv_stats_options so;
} ccase;

static iv_query_options ccase_query(const ccase *c)
{
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    q.where = c->where;
    q.from = c->from;
    q.to = c->to;
    q.t_ref = c->t_ref;
    q.model = c->model;
    return q;
}

/* The row of iv_pattern_compare on the whole store against the merged partials (K = 1, 2,
 * 3, 7; three merge orders), every cell to the last bit ("%a"). */
static char *row_hex(const iv_table *t)
{
    size_t c, len = 0, cap = 64 * (iv_table_ncols(t) + 1);
    char *out = malloc(cap);
    out[0] = '\0';
    for (c = 0; c < iv_table_ncols(t); c++)
        len += (size_t)snprintf(out + len, cap - len, "%s=%a\n", iv_table_col_name(t, c), iv_table_get_double(t, 0, c));
    return out;
}

static void check_compare(const iv_store *s, const ccase *c)
{
    iv_query_options q = ccase_query(c);
    iv_table *t = NULL;
    char *want;
    size_t ki;
    ck_assert_msg(iv_pattern_compare(&t, s, &q, c->metric, c->a, c->b, &c->so) == IV_OK, "%s: %s", c->name,
                  iv_error_last());
    ck_assert_uint_eq(iv_table_nrows(t), 1);
    want = row_hex(t);
    iv_table_free(t);
    for (ki = 0; ki < sizeof Ks / sizeof *Ks; ki++) {
        uint32_t K = Ks[ki], i;
        iv_partial *parts[7] = {0}, *fwd;
        char *got;
        for (i = 0; i < K; i++) {
            iv_partial *p = NULL;
            bytes b;
            ck_assert_msg(iv_partial_compare(&p, g_parts[ki][i], &q, c->metric, c->a, c->b, &c->so) == IV_OK, "%s: %s",
                          c->name, iv_error_last());
            b = to_bytes(p);
            iv_partial_free(p);
            parts[i] = from_bytes(b);
            free(b.p);
        }
        fwd = merge_orders(parts, K, c->name);
        ck_assert_msg(iv_partial_result(&t, fwd) == IV_OK, "%s: %s", c->name, iv_error_last());
        got = row_hex(t);
        iv_table_free(t);
        assert_same_text(got, want, c->name, K);
        free(got);
        iv_partial_free(fwd);
        for (i = 0; i < K; i++)
            iv_partial_free(parts[i]);
    }
    free(want);
}

static ccase cc(const char *name, const char *metric, const char *a, const char *b)
{
    ccase c;
    iv_stats_options so = IV_STATS_OPTIONS_INIT;
    memset(&c, 0, sizeof c);
    c.name = name;
    c.metric = metric;
    c.a = a;
    c.b = b;
    c.from = c.to = c.t_ref = IV_TIME_NONE;
    c.so = so;
    return c;
}

START_TEST(compare_partials_merge_to_the_store_row)
{
    iv_store *s = sample_store();
    iv_model *hl = NULL;
    static const char hl_text[] = "[model]\nrv_half_life_days = 30\n";
    ccase cs[6];
    size_t i;
    ck_assert_int_eq(iv_model_parse(&hl, hl_text, sizeof hl_text - 1, NULL), IV_OK);
    split(s);
    cs[0] = cc("rv east vs west", "rv", "team = east", "team = north");
    cs[1] = cc("n email vs web, amer", "n", "channel = email", "channel = web");
    cs[1].where = "region = amer";
    cs[2] = cc("cost, a time range, 90%, asymptotic", "cost", "region = emea", "region = apac");
    cs[2].from = INT64_C(1709251200000); /* 2024-03-01 */
    cs[2].to = INT64_C(1719792000000);   /* 2024-07-01 */
    cs[2].so.confidence = 0.9;
    cs[2].so.mwu_method = IV_MWU_ASYMPTOTIC;
    cs[2].so.mwu_continuity = 0;
    cs[3] = cc("value, small segments (exact Mann-Whitney)", "value", "variant = A and type = purchase",
               "variant = B and type = purchase");
    cs[4] = cc("rv under a half-life, t_ref given", "rv", "variant = A", "variant = B");
    cs[4].model = hl;
    cs[4].t_ref = INT64_C(1722470400000); /* 2024-08-01 */
    cs[5] = cc("an empty segment", "n", "team = nobody", "team = east");
    for (i = 0; i < sizeof cs / sizeof *cs; i++)
        check_compare(s, &cs[i]);
    unsplit();
    {   /* a half-life without t_ref or to: refused (each part's own end would be used) */
        iv_query_options q = IV_QUERY_OPTIONS_INIT;
        iv_partial *p = NULL;
        q.model = hl;
        ck_assert_int_eq(iv_partial_compare(&p, s, &q, "rv", "team = east", "team = north", NULL), IV_EINVAL);
        ck_assert_ptr_null(p);
        ck_assert_int_eq(iv_partial_compare(&p, s, NULL, "nps", "team = east", "team = north", NULL), IV_EINVAL);
        ck_assert_int_eq(iv_partial_compare(&p, s, NULL, "no_such", "team = east", "team = north", NULL),
                         IV_ENOTFOUND);
        ck_assert_int_eq(iv_partial_compare(&p, s, NULL, "n", "team = = east", "team = north", NULL), IV_EPARSE);
        ck_assert_ptr_null(p);
    }
    {   /* other segments or test options do not merge; every truncation and bit flip refused */
        iv_partial *p = NULL, *q2 = NULL;
        iv_stats_options so = IV_STATS_OPTIONS_INIT;
        ck_assert_int_eq(iv_partial_compare(&p, s, NULL, "n", "team = east", "team = north", NULL), IV_OK);
        ck_assert_int_eq(iv_partial_kind_of(p), IV_PARTIAL_COMPARE);
        ck_assert_int_eq(iv_partial_compare(&q2, s, NULL, "n", "team = east", "team = west", NULL), IV_OK);
        ck_assert_int_eq(iv_partial_merge(p, q2), IV_EINVAL);
        iv_partial_free(q2);
        so.confidence = 0.99;
        ck_assert_int_eq(iv_partial_compare(&q2, s, NULL, "n", "team = east", "team = north", &so), IV_OK);
        ck_assert_int_eq(iv_partial_merge(p, q2), IV_EINVAL);
        iv_partial_free(q2);
        flips_refused(p);
        iv_partial_free(p);
    }
    iv_model_free(hl);
    iv_store_free(s);
}
END_TEST

/* ------------------------------------------------------------ memory ----- */

typedef struct oomctx {
    const acase *c;
    void **ud;
} oomctx;

static iv_store *oom_build(iv_alloc_fn fn, void *ud, const void *ctx)
{
    *((const oomctx *)ctx)->ud = ud;
    return hand_store(fn, ud);
}

/* make, bytes, parse (on the same allocator), merge, result: every failure is IV_ENOMEM
 * and leaves nothing allocated */
static int oom_call(const iv_store *s, const void *ctx)
{
    const oomctx *x = ctx;
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_summary_options so = IV_SUMMARY_OPTIONS_INIT;
    iv_partial *p = NULL, *back = NULL;
    iv_table *t = NULL;
    void *b = NULL;
    size_t n = 0;
    int rc;
    q.by = x->c->by;
    so.alloc = tu_alloc_fn;
    so.alloc_ud = *x->ud;
    if ((rc = iv_partial_lifecycle(&p, x->c->kind, s, &q, &x->c->o))) {
        ck_assert_ptr_null(p);
        return rc;
    }
    if ((rc = iv_partial_to_bytes(p, &b, &n)) == IV_OK) {
        rc = iv_partial_from_bytes(&back, b, n, &so);
        iv_partial_free_bytes(p, b, n);
    }
    if (rc == IV_OK && (rc = iv_partial_merge(back, p)) == IV_OK && (rc = iv_partial_merge(back, p)) == IV_OK)
        rc = iv_partial_result(&t, p);
    iv_table_free(t);
    iv_partial_free(back);
    iv_partial_free(p);
    return rc;
}

static iv_store *oom_clv_build(iv_alloc_fn fn, void *ud, const void *ctx)
{
    *(void **)ctx = ud;
    return clv_store(fn, ud);
}

/* the CLV partial: make, bytes, parse, merge, result and the fit */
static int oom_clv_call(const iv_store *s, const void *ctx)
{
    iv_summary_options so = IV_SUMMARY_OPTIONS_INIT;
    iv_clv_options co = IV_CLV_OPTIONS_INIT;
    iv_partial *p = NULL, *back = NULL;
    iv_table *t = NULL;
    iv_clv *fit = NULL;
    void *b = NULL;
    size_t n = 0;
    int rc;
    co.penalizer = 0.05;
    so.alloc = co.alloc = tu_alloc_fn;
    so.alloc_ud = co.alloc_ud = *(void *const *)ctx;
    if ((rc = iv_partial_clv(&p, IV_CLV_BGNBD, s, NULL))) {
        ck_assert_ptr_null(p);
        return rc;
    }
    if ((rc = iv_partial_to_bytes(p, &b, &n)) == IV_OK) {
        rc = iv_partial_from_bytes(&back, b, n, &so);
        iv_partial_free_bytes(p, b, n);
    }
    if (rc == IV_OK && (rc = iv_partial_merge(back, p)) == IV_OK && (rc = iv_partial_result(&t, back)) == IV_OK)
        rc = iv_partial_clv_fit(&fit, back, &co);
    iv_clv_free(fit);
    iv_table_free(t);
    iv_partial_free(back);
    iv_partial_free(p);
    return rc;
}

START_TEST(clv_allocation_failures_return_enomem_and_leak_nothing)
{
    void *ud = NULL;
    tu_alloc_sweep(oom_clv_build, oom_clv_call, &ud);
}
END_TEST

/* the compare partial: make, bytes, parse, merge, result */
static int oom_cmp_call(const iv_store *s, const void *ctx)
{
    iv_summary_options so = IV_SUMMARY_OPTIONS_INIT;
    iv_partial *p = NULL, *back = NULL;
    iv_table *t = NULL;
    void *b = NULL;
    size_t n = 0;
    int rc;
    so.alloc = tu_alloc_fn;
    so.alloc_ud = *(void *const *)ctx;
    if ((rc = iv_partial_compare(&p, s, NULL, "n", "team = east", "team = west", NULL))) {
        ck_assert_ptr_null(p);
        return rc;
    }
    if ((rc = iv_partial_to_bytes(p, &b, &n)) == IV_OK) {
        rc = iv_partial_from_bytes(&back, b, n, &so);
        iv_partial_free_bytes(p, b, n);
    }
    if (rc == IV_OK && (rc = iv_partial_merge(back, p)) == IV_OK)
        rc = iv_partial_result(&t, back);
    iv_table_free(t);
    iv_partial_free(back);
    iv_partial_free(p);
    return rc;
}

static iv_store *oom_hand_build(iv_alloc_fn fn, void *ud, const void *ctx)
{
    *(void **)ctx = ud;
    return hand_store(fn, ud);
}

START_TEST(compare_allocation_failures_return_enomem_and_leak_nothing)
{
    void *ud = NULL;
    tu_alloc_sweep(oom_hand_build, oom_cmp_call, &ud);
}
END_TEST

/* ------------------------------------------------------------ norms ------ */

typedef struct ncase {
    const char *name, *where;
    int64_t from, to, t_ref;
    const iv_model *model;
    iv_pattern_store_options o;
} ncase;

static iv_query_options ncase_query(const ncase *c)
{
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    q.where = c->where;
    q.from = c->from;
    q.to = c->to;
    q.t_ref = c->t_ref;
    q.model = c->model;
    return q;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Type 7 by hand (Hyndman & Fan 1996) on sorted v, with the two order statistics used. */
static double q7(const double *v, size_t n, double p, double *lo, double *hi)
{
    double h = (double)(n - 1) * p;
    size_t j = (size_t)floor(h);
    *lo = v[j];
    *hi = j + 1 < n ? v[j + 1] : v[j];
    return *lo + (h - (double)j) * (*hi - *lo);
}

/* The merged norm against the trajectories of the whole store (iv_pattern_trajectories),
 * whose columns the test sorts itself: contacts exact; with alpha 0 every value as
 * computed by hand (and bit for bit iv_pattern_norm_of, checked by the caller); with
 * alpha > 0 each quantile within alpha times the larger magnitude of its two order
 * statistics, and MAD within alpha (MAD + |median|) + the median's bound (SUMMARIES.md
 * section 10), plus 1e-9 for values counted as zero and 1e-12 relative for rounding. */
static void norm_within_bound(const iv_table *got, const iv_table *traj, double alpha, const char *name)
{
    static const double ps[5] = {0.5, 0.1, 0.25, 0.75, 0.9};
    size_t k = iv_table_ncols(traj) - 2, n = iv_table_nrows(traj), b, i;
    double *col = malloc((n ? n : 1) * sizeof *col), *dev = malloc((n ? n : 1) * sizeof *dev);
    ck_assert_uint_eq(iv_table_nrows(got), k);
    for (b = 0; b < k; b++) {
        size_t m = 0, j;
        double med_lo = 0, med_hi = 0, lo, hi, med, mad, slack;
        for (i = 0; i < n; i++) {
            double v = iv_table_get_double(traj, i, 2 + b);
            if (!isnan(v))
                col[m++] = v;
        }
        ck_assert_msg(iv_table_get_int(got, b, 1) == (int64_t)m, "%s: bucket %zu contacts %lld, want %zu", name,
                      b + 1, (long long)iv_table_get_int(got, b, 1), m);
        if (!m) {
            for (j = 2; j < 8; j++)
                ck_assert_msg(isnan(iv_table_get_double(got, b, j)), "%s: bucket %zu: not undefined", name, b + 1);
            continue;
        }
        qsort(col, m, sizeof *col, cmp_dbl);
        med = q7(col, m, 0.5, &med_lo, &med_hi);
        for (j = 0; j < 5; j++) {
            double want = q7(col, m, ps[j], &lo, &hi), g = iv_table_get_double(got, b, 2 + j);
            double bound = alpha * fmax(fabs(lo), fabs(hi)) + (alpha > 0 ? 1e-9 : 0) + 1e-12 * fabs(want);
            ck_assert_msg(fabs(g - want) <= bound, "%s: bucket %zu p%g: %.17g, exact %.17g, bound %g", name, b + 1,
                          ps[j], g, want, bound);
        }
        for (i = 0; i < m; i++)
            dev[i] = fabs(col[i] - med);
        qsort(dev, m, sizeof *dev, cmp_dbl);
        mad = q7(dev, m, 0.5, &lo, &hi);
        slack = alpha > 0 ? alpha * (mad + fabs(med)) + alpha * fmax(fabs(med_lo), fabs(med_hi)) + 3e-9 : 0.0;
        slack += 1e-12 * (mad + fabs(med));
        ck_assert_msg(fabs(iv_table_get_double(got, b, 7) - mad) <= slack, "%s: bucket %zu mad %.17g, exact %.17g, bound %g",
                      name, b + 1, iv_table_get_double(got, b, 7), mad, slack);
    }
    free(col);
    free(dev);
}

static void check_norm(const iv_store *s, const ncase *c, const iv_query_options *q_direct)
{
    static const double alphas[3] = {0.0, 0.01, 0.05};
    iv_query_options q = ncase_query(c);
    iv_table *direct = NULL, *traj = NULL;
    char *want;
    size_t ki, ai;
    ck_assert_msg(iv_pattern_norm_of(&direct, s, q_direct ? q_direct : &q, &c->o) == IV_OK, "%s: %s", c->name,
                  iv_error_last());
    ck_assert_msg(iv_pattern_trajectories(&traj, s, q_direct ? q_direct : &q, &c->o) == IV_OK, "%s: %s", c->name,
                  iv_error_last());
    want = table_csv(direct);
    for (ai = 0; ai < 3; ai++)
        for (ki = 0; ki < sizeof Ks / sizeof *Ks; ki++) {
            uint32_t K = Ks[ki], i;
            iv_partial *parts[7] = {0}, *fwd;
            iv_table *t = NULL;
            char name[160];
            snprintf(name, sizeof name, "%s, alpha %g", c->name, alphas[ai]);
            for (i = 0; i < K; i++) {
                iv_partial *p = NULL;
                bytes b;
                ck_assert_msg(iv_partial_norm(&p, g_parts[ki][i], &q, &c->o, alphas[ai]) == IV_OK, "%s: %s", name,
                              iv_error_last());
                ck_assert_int_eq(iv_partial_kind_of(p), IV_PARTIAL_NORM);
                b = to_bytes(p);
                iv_partial_free(p);
                parts[i] = from_bytes(b);
                free(b.p);
            }
            fwd = merge_orders(parts, K, name);
            ck_assert_msg(iv_partial_result(&t, fwd) == IV_OK, "%s: %s", name, iv_error_last());
            if (alphas[ai] == 0.0) { /* exact values: iv_pattern_norm_of's table byte for byte */
                char *got = table_csv(t), *h1 = row_hex(t), *h2 = row_hex(direct);
                assert_same_text(got, want, name, K);
                assert_same_text(h1, h2, name, K);
                free(got);
                free(h1);
                free(h2);
            }
            norm_within_bound(t, traj, alphas[ai], name);
            iv_table_free(t);
            iv_partial_free(fwd);
            for (i = 0; i < K; i++)
                iv_partial_free(parts[i]);
        }
    free(want);
    iv_table_free(direct);
    iv_table_free(traj);
}

static ncase nc(const char *name)
{
    ncase c;
    iv_pattern_store_options o = IV_PATTERN_STORE_OPTIONS_INIT;
    memset(&c, 0, sizeof c);
    c.name = name;
    c.from = c.to = c.t_ref = IV_TIME_NONE;
    c.o = o;
    return c;
}

static void norm_cases(const iv_store *s, const iv_model *hl)
{
    iv_query_options dflt = IV_QUERY_OPTIONS_INIT;
    int64_t first = 0, last = 0;
    ncase cs[8];
    size_t i;
    ck_assert_int_eq(iv_store_time_range(s, &first, &last), IV_OK);
    split(s);
    /* the default reference time (the whole store's last timestamp) given explicitly */
    cs[0] = nc("age, 26 weeks, t_ref = the store's last timestamp");
    cs[0].t_ref = last;
    check_norm(s, &cs[0], &dflt);
    cs[1] = nc("calendar from the store's first timestamp, 10 buckets of 30 days");
    cs[1].o.align = IV_ALIGN_CALENDAR;
    cs[1].o.origin = first;
    cs[1].o.bucket = INT64_C(30) * 86400000;
    cs[1].o.buckets = 10;
    cs[1].t_ref = last;
    cs[2] = nc("index, no reference time");
    cs[2].o.align = IV_ALIGN_INDEX;
    cs[2].o.buckets = 12;
    cs[3] = nc("age, a subset and a time range, 3 buckets of 20 days");
    cs[3].where = "team = east or channel = email";
    cs[3].from = first + INT64_C(20) * 86400000;
    cs[3].to = last - INT64_C(40) * 86400000;
    cs[3].o.bucket = INT64_C(20) * 86400000;
    cs[3].o.buckets = 3;
    cs[4] = nc("calendar from 'from', to given, 1 bucket");
    cs[4].o.align = IV_ALIGN_CALENDAR;
    cs[4].from = first + INT64_C(7) * 86400000;
    cs[4].to = last - INT64_C(3) * 86400000;
    cs[4].o.buckets = 1;
    cs[5] = nc("age under a half-life, t_ref before the end");
    cs[5].model = hl;
    cs[5].t_ref = last - INT64_C(30) * 86400000;
    cs[6] = nc("index under a half-life, t_ref given");
    cs[6].model = hl;
    cs[6].o.align = IV_ALIGN_INDEX;
    cs[6].o.buckets = 5;
    cs[6].t_ref = last;
    cs[7] = nc("an empty subset");
    cs[7].where = "team = nobody";
    cs[7].t_ref = last;
    cs[7].o.buckets = 4;
    for (i = 1; i < sizeof cs / sizeof *cs; i++)
        check_norm(s, &cs[i], NULL);
    unsplit();
}

START_TEST(norm_partials_merge_to_the_store_norm)
{
    static const char hl_text[] = "[model]\nrv_half_life_days = 30\n";
    iv_store *s = sample_store(), *h = hand_store(NULL, NULL);
    iv_model *hl = NULL;
    ck_assert_int_eq(iv_model_parse(&hl, hl_text, sizeof hl_text - 1, NULL), IV_OK);
    if (!getenv("IV_UNDER_VALGRIND")) /* under memcheck the hand log alone (about 200 rows, the same paths) */
        norm_cases(s, hl);
    norm_cases(h, hl);
    iv_model_free(hl);
    iv_store_free(s);
    iv_store_free(h);
}
END_TEST

START_TEST(norm_partials_refuse_what_a_part_cannot_know_and_forgeries)
{
    static const char hl_text[] = "[model]\nrv_half_life_days = 30\n";
    iv_store *s = sample_store();
    iv_model *hl = NULL;
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_pattern_store_options o = IV_PATTERN_STORE_OPTIONS_INIT;
    iv_partial *p = NULL, *q2 = NULL;
    int64_t first = 0, last = 0;
    size_t k;
    ck_assert_int_eq(iv_model_parse(&hl, hl_text, sizeof hl_text - 1, NULL), IV_OK);
    ck_assert_int_eq(iv_store_time_range(s, &first, &last), IV_OK);
    /* age and calendar: no reference time; calendar: no origin; index: a half-life */
    ck_assert_int_eq(iv_partial_norm(&p, s, NULL, NULL, 0.01), IV_EINVAL);
    ck_assert_ptr_null(p);
    ck_assert_ptr_nonnull(strstr(iv_error_last(), "t_ref"));
    q.t_ref = last;
    o.align = IV_ALIGN_CALENDAR;
    ck_assert_int_eq(iv_partial_norm(&p, s, &q, &o, 0.01), IV_EINVAL);
    ck_assert_ptr_nonnull(strstr(iv_error_last(), "origin"));
    o.align = IV_ALIGN_INDEX;
    ck_assert_int_eq(iv_partial_norm(&p, s, NULL, &o, 0.01), IV_OK);
    iv_partial_free(p);
    p = NULL;
    q.t_ref = IV_TIME_NONE;
    q.model = hl;
    ck_assert_int_eq(iv_partial_norm(&p, s, &q, &o, 0.01), IV_EINVAL);
    q.model = NULL;
    q.t_ref = last;
    ck_assert_int_eq(iv_partial_norm(&p, s, &q, NULL, 0.6), IV_EINVAL);
    ck_assert_int_eq(iv_partial_norm(&p, s, &q, NULL, 1e-5), IV_EINVAL);
    ck_assert_int_eq(iv_partial_norm(&p, s, &q, NULL, NAN), IV_EINVAL);
    o = (iv_pattern_store_options)IV_PATTERN_STORE_OPTIONS_INIT;
    o.buckets = ((size_t)1 << 16) + 1;
    o.bucket = 1000;
    ck_assert_int_eq(iv_partial_norm(&p, s, &q, &o, 0.01), IV_EINVAL);
    q.where = "team = = east";
    ck_assert_int_eq(iv_partial_norm(&p, s, &q, NULL, 0.01), IV_EPARSE);
    q.where = NULL;
    ck_assert_ptr_null(p);
    /* other accuracy, width, subset or reference time: no merge */
    ck_assert_int_eq(iv_partial_norm(&p, s, &q, NULL, 0.01), IV_OK);
    ck_assert_int_eq(iv_partial_norm(&q2, s, &q, NULL, 0.02), IV_OK);
    ck_assert_int_eq(iv_partial_merge(p, q2), IV_EINVAL);
    iv_partial_free(q2);
    o = (iv_pattern_store_options)IV_PATTERN_STORE_OPTIONS_INIT;
    o.bucket = 86400000;
    ck_assert_int_eq(iv_partial_norm(&q2, s, &q, &o, 0.01), IV_OK);
    ck_assert_int_eq(iv_partial_merge(p, q2), IV_EINVAL);
    iv_partial_free(q2);
    q.t_ref = last + 1;
    ck_assert_int_eq(iv_partial_norm(&q2, s, &q, NULL, 0.01), IV_OK);
    ck_assert_int_eq(iv_partial_merge(p, q2), IV_EINVAL);
    iv_partial_free(q2);
    q.t_ref = last;
    q.where = "team = east";
    ck_assert_int_eq(iv_partial_norm(&q2, s, &q, NULL, 0.01), IV_OK);
    ck_assert_int_eq(iv_partial_merge(p, q2), IV_EINVAL);
    iv_partial_free(q2);
    /* every truncation and single-bit flip refused, in sketch and exact mode */
    for (k = 0; k < 2; k++) {
        if (k) {
            iv_partial_free(p);
            q.where = "team = east";
            ck_assert_int_eq(iv_partial_norm(&p, s, &q, NULL, 0.0), IV_OK);
        }
        flips_refused(p);
    }
    iv_partial_free(p);
    iv_model_free(hl);
    iv_store_free(s);
}
END_TEST

/* the norm partial: make, bytes, parse, merge, result (sketch and exact) */
static int oom_norm_call(const iv_store *s, const void *ctx)
{
    iv_summary_options so = IV_SUMMARY_OPTIONS_INIT;
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_partial *p = NULL, *back = NULL;
    iv_table *t = NULL;
    void *b = NULL;
    size_t n = 0;
    int rc, exact;
    so.alloc = tu_alloc_fn;
    so.alloc_ud = *(void *const *)ctx;
    q.t_ref = INT64_C(1712000000000);
    for (exact = 0; exact < 2; exact++) {
        if ((rc = iv_partial_norm(&p, s, &q, NULL, exact ? 0.0 : 0.01))) {
            ck_assert_ptr_null(p);
            return rc;
        }
        if ((rc = iv_partial_to_bytes(p, &b, &n)) == IV_OK) {
            rc = iv_partial_from_bytes(&back, b, n, &so);
            iv_partial_free_bytes(p, b, n);
        }
        if (rc == IV_OK && (rc = iv_partial_merge(back, p)) == IV_OK)
            rc = iv_partial_result(&t, back);
        iv_table_free(t);
        t = NULL;
        iv_partial_free(back);
        back = NULL;
        iv_partial_free(p);
        p = NULL;
        if (rc)
            return rc;
    }
    return IV_OK;
}

START_TEST(norm_allocation_failures_return_enomem_and_leak_nothing)
{
    void *ud = NULL;
    tu_alloc_sweep(oom_hand_build, oom_norm_call, &ud);
}
END_TEST

START_TEST(allocation_failures_return_enomem_and_leak_nothing)
{
    acase cs[4];
    void *ud = NULL;
    size_t i;
    cs[0] = mk("churn every week", IV_PARTIAL_CHURN, "team");
    cs[0].o.every = IV_EVERY_WEEK;
    cs[1] = mk("cohorts", IV_PARTIAL_COHORTS, "team");
    cs[2] = mk("funnel", IV_PARTIAL_FUNNEL, "month");
    cs[2].o.steps = "signup,visit,purchase";
    cs[3] = mk("retention", IV_PARTIAL_RETENTION, NULL);
    for (i = 0; i < 4; i++) {
        oomctx x;
        x.c = &cs[i];
        x.ud = &ud;
        tu_alloc_sweep(oom_build, oom_call, &x);
    }
}
END_TEST

static void partial_tests(TCase *tc)
{
    tcase_add_test(tc, corrupted_truncated_and_mixed_partials_are_refused);
    tcase_add_test(tc, allocation_failures_return_enomem_and_leak_nothing);
    tcase_add_test(tc, clv_inputs_merge_to_the_store_table_and_the_same_fit);
    tcase_add_test(tc, clv_partials_refuse_forgeries_and_other_options);
    tcase_add_test(tc, clv_allocation_failures_return_enomem_and_leak_nothing);
    tcase_add_test(tc, compare_partials_merge_to_the_store_row);
    tcase_add_test(tc, compare_allocation_failures_return_enomem_and_leak_nothing);
    tcase_add_test(tc, norm_partials_merge_to_the_store_norm);
    tcase_add_test(tc, norm_partials_refuse_what_a_part_cannot_know_and_forgeries);
    tcase_add_test(tc, norm_allocation_failures_return_enomem_and_leak_nothing);
    tcase_add_test(tc, hand_log_lifecycle_kinds_merge_to_the_direct_tables);
    tcase_add_test(tc, hand_log_churn_and_retention_merge_to_the_direct_tables);
    tcase_add_test(tc, sample_lifecycle_kinds_merge_to_the_direct_tables);
    tcase_add_test(tc, sample_churn_and_retention_merge_to_the_direct_tables);
}

TU_SUITE_MAIN("partial", partial_tests)
