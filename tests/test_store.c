/* Store: append, validation, row access, code widening, the contact index, bulk append,
 * limits and allocation failures. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "iv/ingest.h"
#include "iv/query.h"
#include "store.h"
#include "testutil.h"

static iv_record rec(const char *contact, int64_t ts, const char *channel, const char *type)
{
    iv_record r = IV_RECORD_INIT;
    r.contact = contact;
    r.ts = ts;
    r.channel = channel;
    r.type = type;
    return r;
}

START_TEST(appended_record_reads_back_field_for_field)
{
    iv_store *s;
    iv_record r = rec("alice", 1709251200000, "phone", "nps"), o = IV_RECORD_INIT;
    const char *names[] = {"Region", "variant"}, *vals[] = {"emea", "B"};
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    r.stage = IV_STAGE_RETENTION;
    r.area = IV_AREA_ENGAGEMENT;
    r.direction = IV_DIRECTION_IN;
    r.outcome = IV_OUTCOME_UNDESIRED;
    r.cost = 2.5;
    r.value = 19.99;
    r.score = 6;
    r.rv = -7.25;
    r.team = "east";
    r.id = "I1";
    r.ndims = 2;
    r.dim_names = names;
    r.dim_values = vals;
    ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
    ck_assert_uint_eq(iv_store_rows(s), 1);
    ck_assert_uint_eq(iv_store_contacts(s), 1);
    ck_assert_int_eq(iv_store_get_row(s, 0, &o), IV_OK);
    ck_assert_str_eq(o.contact, "alice");
    ck_assert_int_eq(o.ts, 1709251200000);
    ck_assert_str_eq(o.channel, "phone");
    ck_assert_str_eq(o.type, "nps");
    ck_assert_int_eq(o.stage, IV_STAGE_RETENTION);
    ck_assert_int_eq(o.area, IV_AREA_ENGAGEMENT);
    ck_assert_int_eq(o.direction, IV_DIRECTION_IN);
    ck_assert_int_eq(o.outcome, IV_OUTCOME_UNDESIRED);
    ck_assert(o.cost == 2.5 && o.value == 19.99 && o.score == 6 && o.rv == -7.25);
    ck_assert_str_eq(o.team, "east");
    ck_assert_str_eq(o.id, "I1");
    ck_assert_uint_eq(iv_store_dim_count(s), 2);
    ck_assert_str_eq(iv_store_dim_name(s, 0), "region");
    ck_assert_str_eq(iv_store_get_dim(s, 0, 0), "emea");
    ck_assert_str_eq(iv_store_get_dim(s, 0, 1), "B");
    ck_assert_int_eq(iv_store_get_row(s, 1, &o), IV_ERANGE);
    iv_store_free(s);
}
END_TEST

START_TEST(optional_fields_not_given_read_back_as_not_given)
{
    iv_store *s;
    iv_record r = rec("bob", 0, "web", "visit"), o = IV_RECORD_INIT;
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
    ck_assert_int_eq(iv_store_get_row(s, 0, &o), IV_OK);
    ck_assert(isnan(o.cost) && isnan(o.value) && isnan(o.score) && isnan(o.rv));
    ck_assert_ptr_null(o.team);
    ck_assert_ptr_null(o.id);
    ck_assert_int_eq(o.stage, 0);
    ck_assert_int_eq(o.outcome, 0);
    iv_store_free(s);
}
END_TEST

START_TEST(bad_records_are_rejected_with_the_field_named_and_append_nothing)
{
    static const struct {
        const char *field;
        int what;
    } cases[] = {{"contact", 0}, {"channel", 1}, {"type", 2}, {"ts", 3}, {"ts", 4}, {"cost", 5},
                 {"cost", 6}, {"score", 7}, {"score", 8}, {"outcome", 9}, {"value", 10}, {"score", 11}};
    size_t i;
    iv_store *s;
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        iv_record r = rec("c", 0, "web", "visit");
        char want[64];
        switch (cases[i].what) {
        case 0: r.contact = ""; break;
        case 1: r.channel = NULL; break;
        case 2: r.type = ""; break;
        case 3: r.ts = INT64_C(-2208988800001); break; /* 1899-12-31T23:59:59.999Z */
        case 4: r.ts = INT64_C(7289654400000); break;  /* 2201-01-01T00:00:00Z */
        case 5: r.cost = -0.01; break;
        case 6: r.cost = INFINITY; break;
        case 7: r.type = "nps"; r.score = 11; break;
        case 8: r.type = "csat"; r.score = 0; break;
        case 9: r.outcome = 4; break;
        case 10: r.value = -INFINITY; break;
        case 11: r.type = "ces"; r.score = 7.5; break;
        }
        ck_assert_int_eq(iv_store_append(s, &r), IV_EPARSE);
        snprintf(want, sizeof want, "field %s:", cases[i].field);
        ck_assert_msg(strstr(iv_error_last(), want) != NULL, "case %zu: %s", i, iv_error_last());
    }
    ck_assert_uint_eq(iv_store_rows(s), 0);
    ck_assert_uint_eq(iv_store_contacts(s), 0);
    iv_store_free(s);
}
END_TEST

START_TEST(time_range_edges_1900_and_2200_are_accepted)
{
    iv_store *s;
    iv_record r = rec("c", INT64_C(-2208988800000), "web", "visit");
    int64_t a, b;
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
    r.ts = INT64_C(7289654399999); /* 2200-12-31T23:59:59.999Z */
    ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
    ck_assert_int_eq(iv_store_time_range(s, &a, &b), IV_OK);
    ck_assert_int_eq(a, INT64_C(-2208988800000));
    ck_assert_int_eq(b, INT64_C(7289654399999));
    iv_store_free(s);
}
END_TEST

START_TEST(codes_widen_past_255_and_65535_distinct_values)
{
    iv_store *s;
    char ch[32];
    int i;
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    for (i = 0; i < 70000; i++) {
        iv_record r = rec("c", i, ch, "visit");
        snprintf(ch, sizeof ch, "ch%d", i % 70000);
        r.channel = ch;
        r.team = (i % 3) ? ch : NULL;
        ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
    }
    ck_assert_int_eq(s->channel.codes.width, 4);
    for (i = 0; i < 70000; i += 997) {
        iv_record o = IV_RECORD_INIT;
        snprintf(ch, sizeof ch, "ch%d", i);
        ck_assert_int_eq(iv_store_get_row(s, (size_t)i, &o), IV_OK);
        ck_assert_str_eq(o.channel, ch);
        if (i % 3)
            ck_assert_str_eq(o.team, ch);
        else
            ck_assert_ptr_null(o.team);
    }
    iv_store_free(s);
}
END_TEST

START_TEST(contact_index_is_in_time_order_with_ties_in_insertion_order)
{
    iv_store *s;
    const int64_t ts[] = {50, 10, 30, 10, 20, 10};
    const char *who[] = {"a", "a", "b", "a", "b", "a"};
    const uint32_t *rows;
    size_t n, i;
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    for (i = 0; i < 6; i++) {
        iv_record r = rec(who[i], ts[i], "web", "visit");
        ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
    }
    ck_assert_int_eq(iv_store_contact_rows(s, "a", &rows, &n), IV_ESTATE);
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    ck_assert_int_eq(iv_store_contact_rows(s, "a", &rows, &n), IV_OK);
    ck_assert_uint_eq(n, 4);
    /* a: rows 0(50) 1(10) 3(10) 5(10) -> 1, 3, 5, 0 */
    ck_assert_uint_eq(rows[0], 1);
    ck_assert_uint_eq(rows[1], 3);
    ck_assert_uint_eq(rows[2], 5);
    ck_assert_uint_eq(rows[3], 0);
    ck_assert_int_eq(iv_store_contact_rows(s, "b", &rows, &n), IV_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(rows[0], 4);
    ck_assert_uint_eq(rows[1], 2);
    ck_assert_int_eq(iv_store_contact_rows(s, "zed", &rows, &n), IV_ENOTFOUND);
    iv_store_free(s);
}
END_TEST

START_TEST(long_unsorted_contact_histories_are_merge_sorted)
{
    iv_store *s;
    const uint32_t *rows;
    size_t n, i;
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    for (i = 0; i < 1000; i++) {
        /* a permutation of 0..999 (7 is coprime with 1000), each time twice */
        iv_record r = rec("x", (int64_t)((i * 7) % 500), "web", "visit");
        ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
    }
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    ck_assert_int_eq(iv_store_contact_rows(s, "x", &rows, &n), IV_OK);
    ck_assert_uint_eq(n, 1000);
    for (i = 1; i < n; i++) {
        ck_assert(s->ts[rows[i - 1]] <= s->ts[rows[i]]);
        if (s->ts[rows[i - 1]] == s->ts[rows[i]])
            ck_assert(rows[i - 1] < rows[i]);
    }
    iv_store_free(s);
}
END_TEST

START_TEST(bulk_append_equals_record_appends_and_a_bad_row_appends_nothing)
{
    const char *contact[] = {"a", "b", "a"}, *channel[] = {"web", "phone", "email"},
               *type[] = {"visit", "csat", "open"}, *team[] = {"east", NULL, "west"};
    const char *region[] = {"emea", "amer", NULL};
    const char *const *dimv[] = {region};
    const char *dimn[] = {"region"};
    int64_t ts[] = {3, 1, 2};
    double cost[] = {NAN, 1.5, 0}, score[] = {NAN, 4, NAN};
    int32_t outcome[] = {1, 2, 3};
    iv_columns c = IV_COLUMNS_INIT;
    iv_store *s1, *s2;
    size_t i;
    ck_assert_int_eq(iv_store_new(&s1, NULL), IV_OK);
    ck_assert_int_eq(iv_store_new(&s2, NULL), IV_OK);
    c.n = 3;
    c.contact = contact;
    c.ts = ts;
    c.channel = channel;
    c.type = type;
    c.team = team;
    c.cost = cost;
    c.score = score;
    c.outcome = outcome;
    c.ndims = 1;
    c.dim_names = dimn;
    c.dim_values = dimv;
    ck_assert_int_eq(iv_store_append_columns(s1, &c), IV_OK);
    for (i = 0; i < 3; i++) {
        iv_record r = rec(contact[i], ts[i], channel[i], type[i]);
        const char *v[1];
        v[0] = region[i];
        r.team = team[i];
        r.cost = cost[i];
        r.score = score[i];
        r.outcome = outcome[i];
        r.ndims = 1;
        r.dim_names = dimn;
        r.dim_values = v;
        ck_assert_int_eq(iv_store_append(s2, &r), IV_OK);
    }
    for (i = 0; i < 3; i++) {
        iv_record a = IV_RECORD_INIT, b = IV_RECORD_INIT;
        ck_assert_int_eq(iv_store_get_row(s1, i, &a), IV_OK);
        ck_assert_int_eq(iv_store_get_row(s2, i, &b), IV_OK);
        ck_assert_str_eq(a.contact, b.contact);
        ck_assert_int_eq(a.ts, b.ts);
        ck_assert_str_eq(a.type, b.type);
        ck_assert(a.outcome == b.outcome && (a.cost == b.cost || (isnan(a.cost) && isnan(b.cost))));
        ck_assert(a.score == b.score || (isnan(a.score) && isnan(b.score)));
        ck_assert((a.team == NULL) == (b.team == NULL));
        ck_assert((iv_store_get_dim(s1, i, 0) == NULL) == (iv_store_get_dim(s2, i, 0) == NULL));
    }
    /* third row's score out of scale for csat: nothing of the call remains */
    type[2] = "csat";
    score[2] = 9;
    ck_assert_int_eq(iv_store_append_columns(s1, &c), IV_EPARSE);
    ck_assert_msg(strstr(iv_error_last(), "row 2: field score") != NULL, "%s", iv_error_last());
    ck_assert_uint_eq(iv_store_rows(s1), 3);
    iv_store_free(s1);
    iv_store_free(s2);
}
END_TEST

START_TEST(distinct_string_limit_stops_with_elimit_and_keeps_the_store_whole)
{
    iv_store *s;
    iv_store_options o = IV_STORE_OPTIONS_INIT;
    iv_record r = rec("a", 0, "web", "visit");
    o.max_strings = 4;
    ck_assert_int_eq(iv_store_new(&s, &o), IV_OK);
    ck_assert_int_eq(iv_store_append(s, &r), IV_OK); /* a, web, visit: 3 strings */
    r.contact = "b";
    ck_assert_int_eq(iv_store_append(s, &r), IV_OK); /* 4 */
    r.contact = "c";
    ck_assert_int_eq(iv_store_append(s, &r), IV_ELIMIT);
    ck_assert_uint_eq(iv_store_rows(s), 2);
    ck_assert_uint_eq(iv_store_contacts(s), 2);
    r.contact = "a";
    ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
    iv_store_free(s);
}
END_TEST

START_TEST(a_failed_append_forgets_the_strings_it_interned)
{
    /* Row 2 interns the new channel "email", then fails on its new type: "email" must be
     * forgotten everywhere (the interner's caches included), so that "phone" can take
     * its id in row 3 and "email" is new again in row 4. */
    iv_store *s;
    iv_store_options o = IV_STORE_OPTIONS_INIT;
    iv_record r = rec("a", 0, "web", "visit"), got = IV_RECORD_INIT;
    o.max_strings = 4;
    ck_assert_int_eq(iv_store_new(&s, &o), IV_OK);
    ck_assert_int_eq(iv_store_append(s, &r), IV_OK); /* a, web, visit: 3 strings */
    r.channel = "email";
    r.type = "click";
    ck_assert_int_eq(iv_store_append(s, &r), IV_ELIMIT); /* email is the 4th, click the 5th */
    r.channel = "phone";
    r.type = "visit";
    ck_assert_int_eq(iv_store_append(s, &r), IV_OK); /* phone is the 4th */
    r.channel = "email";
    ck_assert_int_eq(iv_store_append(s, &r), IV_ELIMIT); /* email would be the 5th */
    ck_assert_uint_eq(iv_store_rows(s), 2);
    ck_assert_int_eq(iv_store_get_row(s, 0, &got), IV_OK);
    ck_assert_str_eq(got.channel, "web");
    ck_assert_int_eq(iv_store_get_row(s, 1, &got), IV_OK);
    ck_assert_str_eq(got.channel, "phone");
    iv_store_free(s);
}
END_TEST

START_TEST(every_allocation_failure_returns_enomem_and_leaks_nothing)
{
    long k;
    for (k = 1;; k++) {
        tu_alloc a;
        iv_store_options o = IV_STORE_OPTIONS_INIT;
        iv_store *s = NULL;
        int rc, i, done = 1;
        char c[16];
        tu_alloc_reset(&a, k);
        o.alloc = tu_alloc_fn;
        o.alloc_ud = &a;
        rc = iv_store_new(&s, &o);
        if (rc == IV_OK) {
            for (i = 0; i < 60; i++) {
                iv_record r = rec(c, i, (i % 2) ? "web" : "phone", "visit");
                const char *dn[] = {"region"}, *dv[1];
                snprintf(c, sizeof c, "c%d", i % 7);
                dv[0] = c;
                r.ndims = 1;
                r.dim_names = dn;
                r.dim_values = dv;
                r.score = i % 5;
                r.id = c;
                rc = iv_store_append(s, &r);
                if (rc != IV_OK)
                    break;
            }
            if (rc == IV_OK)
                rc = iv_store_prepare(s);
        }
        if (a.failed) {
            done = 0;
            ck_assert_int_eq(rc, IV_ENOMEM);
            if (s) {
                size_t before = iv_store_rows(s);
                a.fail_at = 0; /* the handle stays usable */
                {
                    iv_record r = rec("z", 1, "web", "visit");
                    ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
                }
                ck_assert_uint_eq(iv_store_rows(s), before + 1);
                ck_assert_int_eq(iv_store_prepare(s), IV_OK);
            }
        } else {
            ck_assert_int_eq(rc, IV_OK);
            ck_assert_uint_eq(iv_store_rows(s), 60);
        }
        iv_store_free(s);
        ck_assert_int_eq(a.live, 0);
        ck_assert_int_eq(a.bytes, 0);
        if (done)
            break;
    }
}
END_TEST

START_TEST(a_row_with_every_field_costs_at_most_48_bytes)
{
    iv_store *s;
    size_t cols;
    int i;
    char c[16], id[16];
    const char *dn[] = {"region", "variant"}, *dv[2];
    ck_assert_int_eq(iv_store_new(&s, NULL), IV_OK);
    for (i = 0; i < 10000; i++) {
        iv_record r = rec(c, i, "web", "nps");
        snprintf(c, sizeof c, "C%d", i / 20);
        snprintf(id, sizeof id, "I%d", i);
        r.cost = 0.15;
        r.value = i * 0.01;
        r.score = i % 11;
        r.rv = (i % 50) ? NAN : 5;
        r.team = "east";
        r.id = id;
        r.outcome = 1 + i % 3;
        dv[0] = "emea";
        dv[1] = (i % 2) ? "A" : "B";
        r.ndims = 2;
        r.dim_names = dn;
        r.dim_values = dv;
        ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
    }
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    iv_store_memory(s, &cols, NULL);
    /* 4 contact + 8 ts + 1+1 codes + 2 enums + 8 cost + 8 value + 1 team + 1 score
     * + 1 rv + 4 id + 1+1 dims = 41, + 4 index = 45 (plus the contact starts) */
    ck_assert_uint_le(cols / 10000, 48);
    iv_store_free(s);
}
END_TEST

/* Ingestion leaves the store prepared without its per-contact index: the grouped query
 * (a scan in store order) never builds it, the first reader of a contact's rows does,
 * and the answers and the reported memory are those of a store whose index was built
 * at once (iv_store_prepare). */
START_TEST(the_contact_index_is_built_by_the_first_reader_that_needs_it)
{
    static const char csv[] = "contact,ts,channel,type,cost\n"
                              "bob,2024-03-02T10:00:00Z,web,visit,1\n"
                              "alice,2024-03-01T09:00:00Z,email,click,2\n"
                              "bob,2024-03-01T08:00:00Z,web,purchase,3\n"
                              "carol,2024-03-05T12:00:00Z,web,visit,\n"
                              "alice,2024-02-28T07:00:00Z,web,visit,0.5\n";
    iv_store *lazy = NULL, *eager = NULL;
    iv_ingest *ing = NULL;
    iv_query_options o = IV_QUERY_OPTIONS_INIT;
    iv_table *t1 = NULL, *t2 = NULL;
    const uint32_t *rows = NULL;
    size_t n = 0, mem_before, mem_after, mem_eager;
    int k;
    for (k = 0; k < 2; k++) {
        iv_store **s = k ? &eager : &lazy;
        ck_assert_int_eq(iv_store_new(s, NULL), IV_OK);
        ck_assert_int_eq(iv_ingest_new(&ing, *s, NULL), IV_OK);
        ck_assert_int_eq(iv_ingest_push(ing, csv, sizeof csv - 1), IV_OK);
        ck_assert_int_eq(iv_ingest_finish(ing), IV_OK);
        iv_ingest_free(ing);
        ck_assert_int_eq(atomic_load(&(*s)->idx_built), 0);
    }
    ck_assert_int_eq(iv_store_prepare(eager), IV_OK);
    ck_assert_int_eq(atomic_load(&eager->idx_built), 1);
    mem_eager = iv_store_memory(eager, NULL, NULL);
    mem_before = iv_store_memory(lazy, NULL, NULL);
    o.by = "channel,type";
    ck_assert_int_eq(iv_query_metrics(&t1, lazy, &o), IV_OK);
    ck_assert_int_eq(atomic_load(&lazy->idx_built), 0); /* the scan did without it */
    ck_assert_int_eq(iv_query_metrics(&t2, eager, &o), IV_OK);
    /* groups web/visit (bob, carol, alice), email/click (alice), web/purchase (bob) */
    ck_assert_uint_eq(iv_table_nrows(t1), 3);
    ck_assert_uint_eq(iv_table_nrows(t2), 3);
    {
        size_t r;
        double contacts = 0;
        for (r = 0; r < 3; r++) {
            ck_assert_str_eq(tu_scell(t1, r, "channel"), tu_scell(t2, r, "channel"));
            ck_assert_str_eq(tu_scell(t1, r, "type"), tu_scell(t2, r, "type"));
            ck_assert_double_eq(tu_cell(t1, r, "n"), tu_cell(t2, r, "n"));
            ck_assert_double_eq(tu_cell(t1, r, "contacts"), tu_cell(t2, r, "contacts"));
            contacts += tu_cell(t1, r, "contacts");
        }
        ck_assert_double_eq(contacts, 5);
    }
    iv_table_free(t1);
    iv_table_free(t2);
    /* bob's rows in time order: row 2 (08:00) before row 0 (10:00), by hand */
    ck_assert_int_eq(iv_store_contact_rows(lazy, "bob", &rows, &n), IV_OK);
    ck_assert_int_eq(atomic_load(&lazy->idx_built), 1);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(rows[0], 2);
    ck_assert_uint_eq(rows[1], 0);
    ck_assert_int_eq(iv_store_contact_rows(lazy, "alice", &rows, &n), IV_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(rows[0], 4);
    ck_assert_uint_eq(rows[1], 1);
    mem_after = iv_store_memory(lazy, NULL, NULL);
    ck_assert_uint_eq(mem_before, mem_after);
    ck_assert_uint_eq(mem_before, mem_eager);
    /* an append makes it stale and unprepared; prepare builds it again */
    {
        iv_record r = rec("bob", 1709200000000, "web", "visit");
        ck_assert_int_eq(iv_store_append(lazy, &r), IV_OK);
    }
    ck_assert_int_eq(atomic_load(&lazy->idx_built), 0);
    ck_assert_int_eq(iv_store_contact_rows(lazy, "bob", &rows, &n), IV_ESTATE);
    ck_assert_int_eq(iv_store_prepare(lazy), IV_OK);
    ck_assert_int_eq(iv_store_contact_rows(lazy, "bob", &rows, &n), IV_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(rows[0], 5); /* 2024-02-29T09:46:40Z, before both */
    iv_store_free(lazy);
    iv_store_free(eager);
}
END_TEST

static void store_tests(TCase *tc)
{
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, the_contact_index_is_built_by_the_first_reader_that_needs_it);
    tcase_add_test(tc, appended_record_reads_back_field_for_field);
    tcase_add_test(tc, optional_fields_not_given_read_back_as_not_given);
    tcase_add_test(tc, bad_records_are_rejected_with_the_field_named_and_append_nothing);
    tcase_add_test(tc, time_range_edges_1900_and_2200_are_accepted);
    tcase_add_test(tc, codes_widen_past_255_and_65535_distinct_values);
    tcase_add_test(tc, contact_index_is_in_time_order_with_ties_in_insertion_order);
    tcase_add_test(tc, long_unsorted_contact_histories_are_merge_sorted);
    tcase_add_test(tc, bulk_append_equals_record_appends_and_a_bad_row_appends_nothing);
    tcase_add_test(tc, distinct_string_limit_stops_with_elimit_and_keeps_the_store_whole);
    tcase_add_test(tc, every_allocation_failure_returns_enomem_and_leaks_nothing);
    tcase_add_test(tc, a_failed_append_forgets_the_strings_it_interned);
    tcase_add_test(tc, a_row_with_every_field_costs_at_most_48_bytes);
}

TU_SUITE_MAIN("store", store_tests)
