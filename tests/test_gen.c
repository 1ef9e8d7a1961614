/* `iv gen`: properties of the synthetic log (run in-process through iv_cli_gen_to).
 * Every expectation comes from doc/GUIDE.md §1, doc/GUIDE.md §3 and the gen brief, checked by an
 * independent reading of the CSV here (own field splitter, own timestamp parser). */
#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/cli/gen.h"
#include "iv.h"
#include "testutil.h"

#define NCOL 16
static const char *const columns[NCOL] = {
    "contact", "ts", "channel", "type", "stage", "area", "direction", "cost", "value",
    "outcome", "team", "score", "rv", "id", "region", "variant"};
enum { F_CONTACT, F_TS, F_CHANNEL, F_TYPE, F_STAGE, F_AREA, F_DIRECTION, F_COST, F_VALUE,
       F_OUTCOME, F_TEAM, F_SCORE, F_RV, F_ID, F_REGION, F_VARIANT };

/* ---- running the generator ---------------------------------------------------- */

typedef struct run {
    int status;
    char *out; /* NUL-terminated */
    size_t len;
    char *err;
} run;

static char *slurp(FILE *f, size_t *len)
{
    long n;
    char *buf;
    fflush(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    if (len)
        *len = (size_t)n;
    return buf;
}

/* Run `gen ARGS...` (NULL-terminated list). */
static run gen_run(const char *arg, ...)
{
    char *argv[32];
    int argc = 0;
    va_list ap;
    run r;
    FILE *out = tmpfile(), *err = tmpfile();
    ck_assert_ptr_nonnull(out);
    ck_assert_ptr_nonnull(err);
    argv[argc++] = "gen";
    va_start(ap, arg);
    for (const char *a = arg; a; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    r.status = iv_cli_gen_to(out, err, argc, argv);
    r.out = slurp(out, &r.len);
    r.err = slurp(err, NULL);
    fclose(out);
    fclose(err);
    return r;
}

static void run_free(run *r)
{
    free(r->out);
    free(r->err);
}

/* ---- reading rows --------------------------------------------------------------- */

typedef struct row {
    const char *f[NCOL];
    size_t n[NCOL];
} row;

/* Split the line at *pos into fields (the generator never quotes); advances *pos.
 * Returns 0 at the end of the text. */
static int next_row(const char *text, size_t *pos, row *r, int *nfields)
{
    const char *p = text + *pos, *eol;
    int k = 0;
    if (!*p)
        return 0;
    eol = strchr(p, '\n');
    ck_assert_msg(eol != NULL, "last line has no line ending");
    while (p <= eol) {
        const char *q = p;
        while (q < eol && *q != ',')
            q++;
        if (k < NCOL) {
            r->f[k] = p;
            r->n[k] = (size_t)(q - p);
        }
        k++;
        p = q + 1;
    }
    *nfields = k;
    *pos = (size_t)(eol + 1 - text);
    return 1;
}

static int is(const row *r, int f, const char *s)
{
    return r->n[f] == strlen(s) && memcmp(r->f[f], s, r->n[f]) == 0;
}

static int one_of(const row *r, int f, const char *const *set, int n)
{
    for (int i = 0; i < n; i++)
        if (is(r, f, set[i]))
            return 1;
    return 0;
}

static int digits(const char *s, size_t n)
{
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static long num(const char *s, size_t n)
{
    long v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* Seconds since the epoch by counting days year by year and month by month (a second
 * method, independent of the generator's era arithmetic). Accepts exactly
 * YYYY-MM-DDTHH:MM:SS followed by Z or +hh:mm / -hh:mm; returns 0 if malformed. */
static int parse_ts(const char *s, size_t n, int64_t *out)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    long y, mo, d, h, mi, se, off = 0;
    int64_t days = 0;
    if (n != 20 && n != 25)
        return 0;
    if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        return 0;
    if (!digits(s, 4) || !digits(s + 5, 2) || !digits(s + 8, 2) || !digits(s + 11, 2) ||
        !digits(s + 14, 2) || !digits(s + 17, 2))
        return 0;
    y = num(s, 4);
    mo = num(s + 5, 2);
    d = num(s + 8, 2);
    h = num(s + 11, 2);
    mi = num(s + 14, 2);
    se = num(s + 17, 2);
    if (n == 20) {
        if (s[19] != 'Z')
            return 0;
    } else {
        if ((s[19] != '+' && s[19] != '-') || s[22] != ':' || !digits(s + 20, 2) ||
            !digits(s + 23, 2))
            return 0;
        off = num(s + 20, 2) * 60 + num(s + 23, 2);
        if (off > 14 * 60)
            return 0;
        if (s[19] == '-')
            off = -off;
    }
    if (y < 1970 || mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 59)
        return 0;
    {
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        int md = mdays[mo - 1] + (mo == 2 && leap);
        if (d < 1 || d > md)
            return 0;
    }
    for (long yy = 1970; yy < y; yy++)
        days += ((yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0) ? 366 : 365;
    for (long m = 1; m < mo; m++)
        days += mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    days += d - 1;
    *out = days * 86400 + h * 3600 + mi * 60 + se - off * 60;
    return 1;
}

/* A non-negative decimal with exactly two decimals ("12.34"), as cents. */
static int parse_money(const char *s, size_t n, long *cents)
{
    if (n < 4 || s[n - 3] != '.' || !digits(s, n - 3) || !digits(s + n - 2, 2))
        return 0;
    *cents = num(s, n - 3) * 100 + num(s + n - 2, 2);
    return 1;
}

/* Contact number of "C000123"; 0 if malformed. */
static long contact_num(const row *r)
{
    if (r->n[F_CONTACT] < 7 || r->f[F_CONTACT][0] != 'C' ||
        !digits(r->f[F_CONTACT] + 1, r->n[F_CONTACT] - 1))
        return 0;
    return num(r->f[F_CONTACT] + 1, r->n[F_CONTACT] - 1);
}

static const char *const purchase_types[] = {"purchase", "repeat", "renewal", "upsell",
                                             "cross_sell"};

/* ---- tests ---------------------------------------------------------------------- */

START_TEST(header_is_the_spec_column_list)
{
    run r = gen_run("--contacts", "3", NULL);
    char expect[256] = "";
    for (int i = 0; i < NCOL; i++) {
        strcat(expect, columns[i]);
        strcat(expect, i + 1 < NCOL ? "," : "\n");
    }
    ck_assert_int_eq(r.status, 0);
    ck_assert_uint_ge(r.len, strlen(expect));
    ck_assert_int_eq(memcmp(r.out, expect, strlen(expect)), 0);
    run_free(&r);
}
END_TEST

/* Generate 300 contacts with seed a and with seed b (b's options spelled --opt=value);
 * returns whether the two logs are byte-identical. */
static int same_bytes_for_seeds(const char *a, const char *b)
{
    char bseed[64];
    run ra = gen_run("--contacts", "300", "--seed", a, NULL);
    run rb;
    int same;
    snprintf(bseed, sizeof bseed, "--seed=%s", b);
    rb = gen_run(bseed, "--contacts=300", NULL);
    ck_assert_int_eq(ra.status, 0);
    ck_assert_int_eq(rb.status, 0);
    same = ra.len == rb.len && memcmp(ra.out, rb.out, ra.len) == 0;
    run_free(&ra);
    run_free(&rb);
    return same;
}

START_TEST(same_seed_gives_same_bytes)
{
    ck_assert(same_bytes_for_seeds("7", "7"));
    ck_assert(same_bytes_for_seeds("18446744073709551615", "18446744073709551615"));
}
END_TEST

START_TEST(different_seed_gives_different_bytes)
{
    ck_assert(!same_bytes_for_seeds("7", "8"));
    ck_assert(!same_bytes_for_seeds("0", "1"));
}
END_TEST

START_TEST(fewer_contacts_give_a_prefix_of_the_log)
{
    /* each contact has its own random stream: 100 contacts are the first 100 of 250 */
    run a = gen_run("--contacts", "100", "--seed", "3", NULL);
    run b = gen_run("--contacts", "250", "--seed", "3", NULL);
    ck_assert_uint_lt(a.len, b.len);
    ck_assert_int_eq(memcmp(a.out, b.out, a.len), 0);
    run_free(&a);
    run_free(&b);
}
END_TEST

/* Every row: 16 fields, each valid for doc/GUIDE.md §1 (and so for strict ingestion). */
START_TEST(every_row_is_well_formed)
{
    static const char *const stages[] = {"", "acquisition", "closing", "retention"};
    static const char *const areas[] = {"",        "technology", "channels", "engagement",
                                        "experience", "content", "business", "analytics",
                                        "governance"};
    static const char *const dirs[] = {"", "in", "out"};
    static const char *const outcomes[] = {"", "desired", "neutral", "undesired"};
    static const char *const teams[] = {"east", "west", "north", "south", "partner_a",
                                        "partner_b"};
    static const char *const regions[] = {"emea", "amer", "apac"};
    static const char *const variants[] = {"A", "B"};
    static const char *const chans[] = {"web", "email", "phone", "chat", "social",
                                        "app", "face_to_face", "post", "ivr", "sms"};
    static const char *const surveys[] = {"nps", "csat", "ces"};
    run r = gen_run("--contacts", "2000", "--seed", "11", NULL);
    size_t pos = 0;
    row w;
    int nf;
    long rows = 0, with_cost = 0, with_rv = 0;
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_null(strchr(r.out, '"'));
    next_row(r.out, &pos, &w, &nf); /* header */
    while (next_row(r.out, &pos, &w, &nf)) {
        int64_t ts;
        long cents;
        rows++;
        ck_assert_int_eq(nf, NCOL);
        ck_assert(contact_num(&w) > 0);
        ck_assert_msg(parse_ts(w.f[F_TS], w.n[F_TS], &ts), "row %ld: bad ts", rows);
        ck_assert(one_of(&w, F_CHANNEL, chans, 10));
        ck_assert(w.n[F_TYPE] > 0);
        ck_assert(one_of(&w, F_STAGE, stages, 4));
        ck_assert(one_of(&w, F_AREA, areas, 9));
        ck_assert(one_of(&w, F_DIRECTION, dirs, 3));
        if (w.n[F_COST]) {
            ck_assert_msg(parse_money(w.f[F_COST], w.n[F_COST], &cents), "row %ld: cost", rows);
            with_cost++;
        }
        /* money only on purchase-like types, and always there */
        if (one_of(&w, F_TYPE, purchase_types, 5)) {
            ck_assert_msg(parse_money(w.f[F_VALUE], w.n[F_VALUE], &cents), "row %ld", rows);
            ck_assert_int_gt(cents, 0);
        } else {
            ck_assert_uint_eq(w.n[F_VALUE], 0);
        }
        ck_assert(one_of(&w, F_OUTCOME, outcomes, 4));
        ck_assert(one_of(&w, F_TEAM, teams, 6));
        /* scores only on surveys, inside their scale (doc/GUIDE.md §1) */
        if (one_of(&w, F_TYPE, surveys, 3)) {
            long s;
            ck_assert(digits(w.f[F_SCORE], w.n[F_SCORE]));
            s = num(w.f[F_SCORE], w.n[F_SCORE]);
            if (is(&w, F_TYPE, "nps"))
                ck_assert(s >= 0 && s <= 10);
            else if (is(&w, F_TYPE, "csat"))
                ck_assert(s >= 1 && s <= 5);
            else
                ck_assert(s >= 1 && s <= 7);
        } else {
            ck_assert_uint_eq(w.n[F_SCORE], 0);
        }
        if (w.n[F_RV]) {
            const char *v = w.f[F_RV];
            size_t n = w.n[F_RV];
            if (*v == '-') {
                v++;
                n--;
            }
            ck_assert(digits(v, n));
            with_rv++;
        }
        /* ids: I0000001, I0000002, ... in output order, hence unique */
        ck_assert(w.n[F_ID] >= 8 && w.f[F_ID][0] == 'I' && digits(w.f[F_ID] + 1, w.n[F_ID] - 1));
        ck_assert_int_eq(num(w.f[F_ID] + 1, w.n[F_ID] - 1), rows);
        ck_assert(one_of(&w, F_REGION, regions, 3));
        ck_assert(one_of(&w, F_VARIANT, variants, 2));
    }
    /* the brief: cost given on about a fifth of rows; rv only as a rare override */
    ck_assert_msg(with_cost * 100 > rows * 12 && with_cost * 100 < rows * 30,
                  "cost on %ld of %ld rows", with_cost, rows);
    ck_assert(with_rv > 0 && with_rv * 100 < rows);
    run_free(&r);
}
END_TEST

START_TEST(contact_count_equals_the_option)
{
    /* contacts C000001..C000777 each appear, each in one block of rows */
    run r = gen_run("--contacts", "777", "--seed", "5", NULL);
    size_t pos = 0;
    row w;
    int nf;
    long prev = 0;
    ck_assert_int_eq(r.status, 0);
    next_row(r.out, &pos, &w, &nf);
    while (next_row(r.out, &pos, &w, &nf)) {
        long c = contact_num(&w);
        ck_assert_msg(c == prev || c == prev + 1, "contact %ld after %ld", c, prev);
        ck_assert_uint_eq(w.n[F_CONTACT], 7);
        prev = c;
    }
    ck_assert_int_eq(prev, 777);
    run_free(&r);
}
END_TEST

/* All timestamps in [start, start + years); each contact's rows in time order. */
static void check_window(const char *start, const char *years, int64_t lo, int64_t hi)
{
    run r = gen_run("--contacts", "1500", "--seed", "9", "--start", start, "--years", years,
                    NULL);
    size_t pos = 0;
    row w;
    int nf;
    long prev_c = 0;
    int64_t prev_t = 0, min_t = INT64_MAX, max_t = INT64_MIN;
    ck_assert_int_eq(r.status, 0);
    next_row(r.out, &pos, &w, &nf);
    while (next_row(r.out, &pos, &w, &nf)) {
        int64_t t;
        long c = contact_num(&w);
        ck_assert(parse_ts(w.f[F_TS], w.n[F_TS], &t));
        ck_assert_msg(t >= lo && t < hi, "%.*s outside the window", (int)w.n[F_TS], w.f[F_TS]);
        if (c == prev_c)
            ck_assert_msg(t >= prev_t, "contact %ld goes back in time", c);
        prev_c = c;
        prev_t = t;
        min_t = t < min_t ? t : min_t;
        max_t = t > max_t ? t : max_t;
    }
    /* and the window is used: the log spans most of it */
    ck_assert(min_t - lo < (hi - lo) / 10);
    ck_assert(hi - max_t < (hi - lo) / 10);
    run_free(&r);
}

START_TEST(timestamps_fall_in_the_default_window)
{
    /* date -u -d 2023-01-01 +%s = 1672531200; date -u -d 2025-01-01 +%s = 1735689600 */
    check_window("2023-01-01", "2", 1672531200, 1735689600);
}
END_TEST

START_TEST(timestamps_fall_in_a_fractional_window)
{
    /* date -u -d 2024-02-10 +%s = 1707523200; half a mean Gregorian year is
     * 0.5 * 365.2425 * 86400 = 15778476 s */
    check_window("2024-02-10", "0.5", 1707523200, 1707523200 + 15778476);
}
END_TEST

/* Channel plausible for the type (the brief's list): count rows that break it. */
START_TEST(channel_is_plausible_for_the_type)
{
    static const struct {
        const char *type;
        const char *channels; /* allowed, as ",a,b," */
    } rules[] = {
        {"open", ",email,"},
        {"visit", ",web,app,"},
        {"demo", ",phone,face_to_face,web,"},
        {"support", ",phone,chat,email,ivr,face_to_face,"},
        {"unsubscribe", ",email,"},
        {"share", ",social,email,"},
        {"download", ",web,app,"},
    };
    run r = gen_run("--contacts", "2000", NULL);
    size_t pos = 0;
    row w;
    int nf;
    long checked = 0;
    next_row(r.out, &pos, &w, &nf);
    while (next_row(r.out, &pos, &w, &nf)) {
        for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
            char key[32];
            if (!is(&w, F_TYPE, rules[i].type))
                continue;
            snprintf(key, sizeof key, ",%.*s,", (int)w.n[F_CHANNEL], w.f[F_CHANNEL]);
            ck_assert_msg(strstr(rules[i].channels, key) != NULL, "%s on %s", rules[i].type,
                          key);
            checked++;
        }
    }
    ck_assert_int_gt(checked, 1000);
    run_free(&r);
}
END_TEST

/* Zipf-like mixes: web visits and email opens dominate, face_to_face and post are rare. */
START_TEST(web_visits_and_email_opens_dominate)
{
    run r = gen_run("--contacts", "2000", NULL);
    size_t pos = 0;
    row w;
    int nf;
    long rows = 0, visits = 0, opens = 0, web = 0, email = 0, f2f = 0, post = 0, others_max = 0;
    long type_count[64] = {0};
    char type_name[64][16];
    int ntypes = 0;
    next_row(r.out, &pos, &w, &nf);
    while (next_row(r.out, &pos, &w, &nf)) {
        int k;
        rows++;
        visits += is(&w, F_TYPE, "visit");
        opens += is(&w, F_TYPE, "open");
        web += is(&w, F_CHANNEL, "web");
        email += is(&w, F_CHANNEL, "email");
        f2f += is(&w, F_CHANNEL, "face_to_face");
        post += is(&w, F_CHANNEL, "post");
        for (k = 0; k < ntypes; k++)
            if (is(&w, F_TYPE, type_name[k]))
                break;
        if (k == ntypes) {
            ck_assert_int_lt(ntypes, 64);
            snprintf(type_name[k], 16, "%.*s", (int)w.n[F_TYPE], w.f[F_TYPE]);
            ntypes++;
        }
        type_count[k]++;
    }
    for (int k = 0; k < ntypes; k++)
        if (strcmp(type_name[k], "visit") && strcmp(type_name[k], "open") &&
            type_count[k] > others_max)
            others_max = type_count[k];
    ck_assert_int_ge(ntypes, 20); /* the whole vocabulary of doc/GUIDE.md §1 shows up */
    ck_assert_int_gt(visits, others_max);
    ck_assert_int_gt(opens, others_max);
    ck_assert(web + email > rows / 2);
    ck_assert(f2f * 100 < rows * 3 && f2f > 0);
    ck_assert(post * 100 < rows * 2 && post > 0);
    run_free(&r);
}
END_TEST

/* Per-contact facts over the default log. */
typedef struct contact_facts {
    char variant;
    char region[8];
    char team0[16];
    int purchased, handoff;
} contact_facts;

START_TEST(variant_b_converts_better_than_a)
{
    enum { N = 2000 };
    run r = gen_run(NULL);
    contact_facts *cf = calloc(N + 1, sizeof *cf);
    size_t pos = 0;
    row w;
    int nf;
    long n[2] = {0, 0}, bought[2] = {0, 0}, regions[3] = {0, 0, 0}, handoffs = 0;
    ck_assert_ptr_nonnull(cf);
    next_row(r.out, &pos, &w, &nf);
    while (next_row(r.out, &pos, &w, &nf)) {
        long c = contact_num(&w);
        ck_assert(c >= 1 && c <= N);
        if (!cf[c].variant) {
            cf[c].variant = w.f[F_VARIANT][0];
            snprintf(cf[c].region, sizeof cf[c].region, "%.*s", (int)w.n[F_REGION],
                     w.f[F_REGION]);
            snprintf(cf[c].team0, sizeof cf[c].team0, "%.*s", (int)w.n[F_TEAM], w.f[F_TEAM]);
        }
        /* variant and region are per contact */
        ck_assert(w.f[F_VARIANT][0] == cf[c].variant);
        ck_assert(is(&w, F_REGION, cf[c].region));
        if (!is(&w, F_TEAM, cf[c].team0))
            cf[c].handoff = 1;
        if (is(&w, F_TYPE, "purchase"))
            cf[c].purchased = 1;
    }
    for (int c = 1; c <= N; c++) {
        int b = cf[c].variant == 'B';
        ck_assert(cf[c].variant == 'A' || b);
        n[b]++;
        bought[b] += cf[c].purchased;
        regions[0] += !strcmp(cf[c].region, "emea");
        regions[1] += !strcmp(cf[c].region, "amer");
        regions[2] += !strcmp(cf[c].region, "apac");
        handoffs += cf[c].handoff;
    }
    /* both arms sizeable; B's conversion rate higher */
    ck_assert(n[0] > N / 3 && n[1] > N / 3);
    ck_assert_msg(bought[1] * n[0] > bought[0] * n[1], "A %ld/%ld, B %ld/%ld", bought[0], n[0],
                  bought[1], n[1]);
    /* some never convert */
    ck_assert(bought[0] + bought[1] < N * 3 / 4);
    /* regions skewed emea > amer > apac; occasional team handoffs */
    ck_assert(regions[0] > regions[1] && regions[1] > regions[2] && regions[2] > 0);
    ck_assert(handoffs > 0 && handoffs < N / 5);
    free(cf);
    run_free(&r);
}
END_TEST

/* Surveys correlate with outcomes: a csat right after an undesired support contact is
 * lower on average than one after a desired one; a nps answered within 90 days after a
 * complaint is a detractor (0-6), as examples/data/README.md documents. */
START_TEST(surveys_follow_outcomes)
{
    run r = gen_run("--contacts", "4000", "--seed", "2", NULL);
    size_t pos = 0;
    row w, prev = {{NULL}, {0}};
    int nf, have_prev = 0;
    long sum_good = 0, n_good = 0, sum_bad = 0, n_bad = 0, nps_after_complaint = 0;
    long complaint_contact = 0;
    int64_t complaint_ts = 0;
    next_row(r.out, &pos, &w, &nf);
    while (next_row(r.out, &pos, &w, &nf)) {
        if (have_prev && contact_num(&prev) == contact_num(&w)) {
            if (is(&w, F_TYPE, "csat") && is(&prev, F_TYPE, "support")) {
                long s = num(w.f[F_SCORE], w.n[F_SCORE]);
                if (is(&prev, F_OUTCOME, "desired")) {
                    sum_good += s;
                    n_good++;
                } else if (is(&prev, F_OUTCOME, "undesired")) {
                    sum_bad += s;
                    n_bad++;
                }
            }
        }
        if (is(&w, F_TYPE, "complaint")) {
            complaint_contact = contact_num(&w);
            ck_assert(parse_ts(w.f[F_TS], w.n[F_TS], &complaint_ts));
        } else if (is(&w, F_TYPE, "nps") && contact_num(&w) == complaint_contact) {
            int64_t t;
            ck_assert(parse_ts(w.f[F_TS], w.n[F_TS], &t));
            if (t - complaint_ts < 90 * 86400) {
                ck_assert_int_le(num(w.f[F_SCORE], w.n[F_SCORE]), 6);
                nps_after_complaint++;
            }
        }
        prev = w;
        have_prev = 1;
    }
    ck_assert(n_good >= 20 && n_bad >= 5);
    /* mean after undesired + 1 point <= mean after desired */
    ck_assert_msg((sum_bad + n_bad) * n_good <= sum_good * n_bad, "bad %ld/%ld good %ld/%ld",
                  sum_bad, n_bad, sum_good, n_good);
    ck_assert_int_gt(nps_after_complaint, 0);
    run_free(&r);
}
END_TEST

/* Gaps between a contact's consecutive rows: bursts (many within ten minutes: an open,
 * its click, the visit) and a heavy tail (the 99th percentile far above the median). */
static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

START_TEST(gaps_are_bursty_and_heavy_tailed)
{
    run r = gen_run(NULL);
    size_t pos = 0, n = 0, cap = 1 << 16;
    int64_t *gaps = malloc(cap * sizeof *gaps), prev_t = 0;
    long prev_c = 0, within_10min = 0;
    row w;
    int nf;
    ck_assert_ptr_nonnull(gaps);
    next_row(r.out, &pos, &w, &nf);
    while (next_row(r.out, &pos, &w, &nf)) {
        int64_t t;
        long c = contact_num(&w);
        ck_assert(parse_ts(w.f[F_TS], w.n[F_TS], &t));
        if (c == prev_c) {
            if (n == cap) {
                cap *= 2;
                gaps = realloc(gaps, cap * sizeof *gaps);
                ck_assert_ptr_nonnull(gaps);
            }
            gaps[n++] = t - prev_t;
            within_10min += t - prev_t <= 600;
        }
        prev_c = c;
        prev_t = t;
    }
    qsort(gaps, n, sizeof *gaps, cmp_i64);
    ck_assert(n > 10000);
    ck_assert_msg(within_10min * 10 > (long)n, "%ld of %zu gaps within 10 min", within_10min, n);
    ck_assert_msg(gaps[n * 99 / 100] > 20 * gaps[n / 2], "p99 %lld median %lld",
                  (long long)gaps[n * 99 / 100], (long long)gaps[n / 2]);
    free(gaps);
    run_free(&r);
}
END_TEST

/* Staffed channels work office hours: phone and face_to_face rows fall on weekdays between
 * 08:00 and 19:00 in the contact's local time (offsets as examples/data/README.md lists:
 * EMEA +1 / +2, AMER -5 / -4 in April to October, APAC +8). */
START_TEST(staffed_channels_keep_office_hours)
{
    run r = gen_run(NULL);
    size_t pos = 0;
    row w;
    int nf;
    long staffed = 0, in_hours = 0;
    next_row(r.out, &pos, &w, &nf);
    while (next_row(r.out, &pos, &w, &nf)) {
        int64_t t, local, day;
        long month = num(w.f[F_TS] + 5, 2), off;
        int summer = month >= 4 && month <= 10, wd, hour;
        if (!is(&w, F_CHANNEL, "phone") && !is(&w, F_CHANNEL, "face_to_face"))
            continue;
        ck_assert(parse_ts(w.f[F_TS], w.n[F_TS], &t));
        off = is(&w, F_REGION, "emea") ? (summer ? 120 : 60)
              : is(&w, F_REGION, "amer") ? (summer ? -240 : -300) : 480;
        local = t + off * 60;
        day = local / 86400; /* the log is after 1970: no negative division */
        wd = (int)((day + 3) % 7); /* 1970-01-01 was a Thursday; 0 = Monday */
        hour = (int)(local % 86400 / 3600);
        staffed++;
        in_hours += wd < 5 && hour >= 8 && hour < 19;
    }
    ck_assert(staffed > 1000);
    ck_assert_msg(in_hours * 100 >= staffed * 95, "%ld of %ld in office hours", in_hours, staffed);
    run_free(&r);
}
END_TEST

START_TEST(help_prints_usage_and_succeeds)
{
    run r = gen_run("--help", NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "usage: iv gen"));
    ck_assert_ptr_nonnull(strstr(r.out, "--contacts"));
    run_free(&r);
}
END_TEST

START_TEST(bad_options_are_usage_errors)
{
    static const char *const bad[][2] = {
        {"--bogus", NULL},        {"--contacts", "abc"},   {"--contacts", "0"},
        {"--contacts", "-5"},     {"--seed", "1.5"},       {"--years", "0"},
        {"--seed", "18446744073709551616"},
        {"--years", "2x"},        {"--start", "2023-02-29"}, {"--start", "1899-12-31"},
        {"--start", "2023-1-01"}, {"--contacts", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        run r = gen_run(bad[i][0], bad[i][1], NULL);
        ck_assert_msg(r.status == 2, "%s %s -> %d", bad[i][0], bad[i][1] ? bad[i][1] : "",
                      r.status);
        ck_assert_uint_eq(r.len, 0);
        ck_assert_ptr_nonnull(strstr(r.err, "iv gen:"));
        run_free(&r);
    }
    {
        /* the window may not run past 2200, the end of the accepted time range */
        run r = gen_run("--start", "2199-06-01", "--years", "1", NULL);
        ck_assert_int_eq(r.status, 2);
        run_free(&r);
    }
}
END_TEST

START_TEST(write_error_exits_1_with_a_message)
{
    /* /dev/full fails every write with ENOSPC */
    FILE *out = fopen("/dev/full", "w"), *err = tmpfile();
    char *argv[] = {"gen", "--contacts", "2000", NULL};
    char *msg;
    ck_assert_ptr_nonnull(out);
    ck_assert_int_eq(iv_cli_gen_to(out, err, 3, argv), 1);
    msg = slurp(err, NULL);
    ck_assert_ptr_nonnull(strstr(msg, "write error"));
    free(msg);
    fclose(out);
    fclose(err);
}
END_TEST

/* The bundled sample is exactly what its README says made it. */
START_TEST(bundled_sample_is_reproducible)
{
    char path[4096];
    size_t len;
    char *sample = tu_read_file(tu_source_path(path, sizeof path, "examples/data/sample.csv"),
                                &len);
    run r = gen_run("--contacts", "1500", "--seed", "42", "--years", "2", NULL);
    ck_assert_msg(sample != NULL, "cannot read %s", path);
    ck_assert_uint_eq(len, r.len);
    ck_assert_int_eq(memcmp(sample, r.out, len), 0);
    free(sample);
    run_free(&r);
}
END_TEST

/* The library ingests the default log in strict mode without a single rejected row, and
 * reads back the same contacts, times, money and custom dimensions the text holds. */
START_TEST(library_ingests_every_row_in_strict_mode)
{
    run r = gen_run(NULL);
    iv_store *store = NULL;
    iv_ingest *ing = NULL;
    iv_ingest_stats st = {sizeof st, 0, 0, 0, 0, 0};
    size_t pos = 0, chunk = 0;
    row w;
    int nf;
    long rows = 0;
    int64_t first, last;
    ck_assert_int_eq(r.status, 0);
    ck_assert_int_eq(iv_store_new(&store, NULL), IV_OK);
    ck_assert_int_eq(iv_ingest_new(&ing, store, NULL), IV_OK);
    /* pushed in uneven chunks, as a pipe would deliver it */
    while (chunk < r.len) {
        size_t n = r.len - chunk < 65521 ? r.len - chunk : 65521;
        ck_assert_msg(iv_ingest_push(ing, r.out + chunk, n) == IV_OK, "%s", iv_error_last());
        chunk += n;
    }
    ck_assert_msg(iv_ingest_finish(ing) == IV_OK, "%s", iv_error_last());
    ck_assert_int_eq(iv_ingest_get_stats(ing, &st), IV_OK);
    next_row(r.out, &pos, &w, &nf);
    while (next_row(r.out, &pos, &w, &nf)) {
        iv_record rec;
        int64_t t;
        long cents;
        ck_assert_int_eq(iv_record_init(&rec, sizeof rec), IV_OK);
        ck_assert_int_eq(iv_store_get_row(store, (size_t)rows, &rec), IV_OK);
        ck_assert(parse_ts(w.f[F_TS], w.n[F_TS], &t));
        ck_assert(rec.ts == t * 1000);
        ck_assert(is(&w, F_CONTACT, rec.contact));
        ck_assert(is(&w, F_TYPE, rec.type));
        ck_assert(is(&w, F_CHANNEL, rec.channel));
        if (parse_money(w.f[F_VALUE], w.n[F_VALUE], &cents))
            ck_assert(tu_close(rec.value, cents / 100.0, 1e-12));
        else
            ck_assert(rec.value != rec.value); /* NaN: not given */
        ck_assert(is(&w, F_REGION, iv_store_get_dim(store, (size_t)rows, 0)));
        ck_assert(is(&w, F_VARIANT, iv_store_get_dim(store, (size_t)rows, 1)));
        rows++;
    }
    ck_assert_uint_eq(st.rows_rejected, 0);
    ck_assert_uint_eq(st.rows_accepted, (uint64_t)rows);
    ck_assert_uint_eq(st.rows_read, (uint64_t)rows);
    ck_assert_uint_eq(iv_store_contacts(store), 2000);
    ck_assert_uint_eq(iv_store_dim_count(store), 2);
    ck_assert_str_eq(iv_store_dim_name(store, 0), "region");
    ck_assert_str_eq(iv_store_dim_name(store, 1), "variant");
    /* within [2023-01-01, 2025-01-01) in milliseconds (see timestamps_fall_in_the_default_window) */
    ck_assert_int_eq(iv_store_time_range(store, &first, &last), IV_OK);
    ck_assert(first >= 1672531200000LL && last < 1735689600000LL);
    iv_ingest_free(ing);
    iv_store_free(store);
    run_free(&r);
}
END_TEST

/* The generator allocates only its output buffer with malloc; its main workflow through
 * the library is ingesting what it writes. Fail the k-th allocation for every k: each
 * failure is IV_ENOMEM and leaks nothing; the first k that does not fail ingests it all. */
START_TEST(ingesting_a_generated_log_survives_every_allocation_failure)
{
    run r = gen_run("--contacts", "4", "--seed", "6", NULL);
    long k;
    ck_assert_int_eq(r.status, 0);
    for (k = 1;; k++) {
        tu_alloc a;
        iv_store_options so = IV_STORE_OPTIONS_INIT;
        iv_store *store = NULL;
        iv_ingest *ing = NULL;
        int rc;
        tu_alloc_reset(&a, k);
        so.alloc = tu_alloc_fn;
        so.alloc_ud = &a;
        rc = iv_store_new(&store, &so);
        if (rc == IV_OK)
            rc = iv_ingest_new(&ing, store, NULL);
        if (rc == IV_OK)
            rc = iv_ingest_push(ing, r.out, r.len);
        if (rc == IV_OK)
            rc = iv_ingest_finish(ing);
        if (rc == IV_OK && !a.failed) {
            ck_assert_uint_eq(iv_store_contacts(store), 4);
            iv_ingest_free(ing);
            iv_store_free(store);
            ck_assert_int_eq(a.live, 0);
            break;
        }
        ck_assert_msg(rc == IV_ENOMEM, "k=%ld: %d %s", k, rc, iv_error_last());
        iv_ingest_free(ing);
        iv_store_free(store);
        ck_assert_msg(a.live == 0, "k=%ld: %ld blocks leaked", k, a.live);
    }
    ck_assert_int_gt(k, 5);
    run_free(&r);
}
END_TEST

static void gen_tests(TCase *tc)
{
    tcase_add_test(tc, header_is_the_spec_column_list);
    tcase_add_test(tc, same_seed_gives_same_bytes);
    tcase_add_test(tc, different_seed_gives_different_bytes);
    tcase_add_test(tc, fewer_contacts_give_a_prefix_of_the_log);
    tcase_add_test(tc, every_row_is_well_formed);
    tcase_add_test(tc, contact_count_equals_the_option);
    tcase_add_test(tc, timestamps_fall_in_the_default_window);
    tcase_add_test(tc, timestamps_fall_in_a_fractional_window);
    tcase_add_test(tc, channel_is_plausible_for_the_type);
    tcase_add_test(tc, web_visits_and_email_opens_dominate);
    tcase_add_test(tc, variant_b_converts_better_than_a);
    tcase_add_test(tc, surveys_follow_outcomes);
    tcase_add_test(tc, gaps_are_bursty_and_heavy_tailed);
    tcase_add_test(tc, staffed_channels_keep_office_hours);
    tcase_add_test(tc, help_prints_usage_and_succeeds);
    tcase_add_test(tc, bad_options_are_usage_errors);
    tcase_add_test(tc, write_error_exits_1_with_a_message);
    tcase_add_test(tc, bundled_sample_is_reproducible);
    tcase_add_test(tc, library_ingests_every_row_in_strict_mode);
    tcase_add_test(tc, ingesting_a_generated_log_survives_every_allocation_failure);
}

TU_SUITE_MAIN("gen", gen_tests)
