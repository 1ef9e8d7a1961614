/* Tests of moving rows between stores for the scale-out (partition.c): iv_store_split
 * routes each row by the partition hash, iv_store_append_store gathers parts back. */
#include <math.h>
#include <string.h>

#include "testutil.h"

/* Contacts with their FNV-1a 64 (draft-eastlake-fnv test vectors for "a", "c",
 * "foobar"; "g" by the formula h = (h ^ byte) * 1099511628211 mod 2^64 done by hand in
 * Python) and the part modulo 3:
 *   a      af63dc4c8601ec8c -> 1      c 0xaf63de4c8601eff2 -> 0
 *   foobar 85944171f73967e8 -> 0      g 0xaf63da4c8601e926 -> 2 */
static const char *const contacts[] = { "a", "c", "foobar", "g" };
static const unsigned part_of[] = { 1, 0, 0, 2 };

static iv_store *sample(void)
{
    iv_store *s = tu_new_store(NULL, NULL);
    tu_add(s, "contact=a ts=2024-01-01T10:00:00Z channel=web type=visit cost=0.5 region=north id=r1");
    tu_add(s, "contact=foobar ts=2024-01-02T10:00:00Z channel=phone type=call value=12.25 team=ops");
    tu_add(s, "contact=g ts=2024-01-03T11:00:00Z channel=email type=survey score=9 region=south");
    tu_add(s, "contact=c ts=2024-01-04T12:00:00Z channel=web type=purchase value=99 outcome=desired");
    tu_add(s, "contact=a ts=2024-01-05T13:00:00Z channel=app type=visit rv=2.5 stage=closing");
    tu_add(s, "contact=g ts=2024-01-06T14:00:00Z channel=web type=visit region=east");
    return s;
}

static int contact_index(const char *c)
{
    int i;
    for (i = 0; i < 4; i++)
        if (strcmp(c, contacts[i]) == 0)
            return i;
    return -1;
}

/* Row r of a and row q of b hold the same interaction (NaN equals NaN). */
static void same_row(const iv_store *a, size_t r, const iv_store *b, size_t q)
{
    iv_record x = IV_RECORD_INIT, y = IV_RECORD_INIT;
    size_t d;
    ck_assert_int_eq(iv_store_get_row(a, r, &x), IV_OK);
    ck_assert_int_eq(iv_store_get_row(b, q, &y), IV_OK);
    ck_assert_str_eq(x.contact, y.contact);
    ck_assert(x.ts == y.ts);
    ck_assert_str_eq(x.channel, y.channel);
    ck_assert_str_eq(x.type, y.type);
    ck_assert_int_eq(x.stage, y.stage);
    ck_assert_int_eq(x.outcome, y.outcome);
    ck_assert(x.cost == y.cost || (isnan(x.cost) && isnan(y.cost)));
    ck_assert(x.value == y.value || (isnan(x.value) && isnan(y.value)));
    ck_assert(x.score == y.score || (isnan(x.score) && isnan(y.score)));
    ck_assert(x.rv == y.rv || (isnan(x.rv) && isnan(y.rv)));
    ck_assert_str_eq(x.team ? x.team : "", y.team ? y.team : "");
    ck_assert_str_eq(x.id ? x.id : "", y.id ? y.id : "");
    for (d = 0; d < iv_store_dim_count(a); d++) {
        const char *va = iv_store_get_dim(a, r, d);
        size_t e;
        for (e = 0; e < iv_store_dim_count(b); e++)
            if (strcmp(iv_store_dim_name(a, d), iv_store_dim_name(b, e)) == 0)
                break;
        if (e == iv_store_dim_count(b)) {
            ck_assert(!va || !*va);
            continue;
        }
        ck_assert_str_eq(va ? va : "", iv_store_get_dim(b, q, e) ? iv_store_get_dim(b, q, e) : "");
    }
}

START_TEST(split_routes_by_the_hash)
{
    iv_store *s = sample(), *parts[3];
    size_t k, r, total = 0;
    for (k = 0; k < 3; k++)
        parts[k] = tu_new_store(NULL, NULL);
    ck_assert_int_eq(iv_store_split(s, 3, parts), IV_OK);
    for (k = 0; k < 3; k++) {
        for (r = 0; r < iv_store_rows(parts[k]); r++) {
            iv_record x = IV_RECORD_INIT;
            int i;
            ck_assert_int_eq(iv_store_get_row(parts[k], r, &x), IV_OK);
            i = contact_index(x.contact);
            ck_assert_int_ge(i, 0);
            ck_assert_uint_eq(part_of[i], k);
        }
        total += iv_store_rows(parts[k]);
    }
    ck_assert_uint_eq(total, 6);
    /* part 0: c, foobar (2 rows); part 1: a (2 rows); part 2: g (2 rows) */
    ck_assert_uint_eq(iv_store_rows(parts[0]), 2);
    ck_assert_uint_eq(iv_store_contacts(parts[0]), 2);
    ck_assert_uint_eq(iv_store_rows(parts[1]), 2);
    ck_assert_uint_eq(iv_store_rows(parts[2]), 2);
    /* part 2 holds g's rows in source order, with the custom dimension */
    same_row(parts[2], 0, s, 2);
    same_row(parts[2], 1, s, 5);
    same_row(parts[1], 0, s, 0);
    same_row(parts[1], 1, s, 4);
    for (k = 0; k < 3; k++)
        iv_store_free(parts[k]);
    iv_store_free(s);
}
END_TEST

START_TEST(append_gathers_parts_back)
{
    iv_store *s = sample(), *parts[2], *all = tu_new_store(NULL, NULL);
    size_t r, q;
    parts[0] = tu_new_store(NULL, NULL);
    parts[1] = tu_new_store(NULL, NULL);
    ck_assert_int_eq(iv_store_split(s, 2, parts), IV_OK);
    ck_assert_int_eq(iv_store_append_store(all, parts[0]), IV_OK);
    ck_assert_int_eq(iv_store_append_store(all, parts[1]), IV_OK);
    ck_assert_uint_eq(iv_store_rows(all), 6);
    ck_assert_uint_eq(iv_store_contacts(all), 4);
    ck_assert_uint_eq(iv_store_dim_count(all), 1);
    /* every row of s is in all exactly once (matched by contact and time: unique here) */
    for (r = 0; r < 6; r++) {
        iv_record x = IV_RECORD_INIT;
        int found = 0;
        ck_assert_int_eq(iv_store_get_row(s, r, &x), IV_OK);
        for (q = 0; q < 6; q++) {
            iv_record y = IV_RECORD_INIT;
            ck_assert_int_eq(iv_store_get_row(all, q, &y), IV_OK);
            if (strcmp(x.contact, y.contact) == 0 && x.ts == y.ts) {
                same_row(s, r, all, q);
                found++;
            }
        }
        ck_assert_int_eq(found, 1);
    }
    iv_store_free(parts[0]);
    iv_store_free(parts[1]);
    iv_store_free(all);
    iv_store_free(s);
}
END_TEST

START_TEST(append_adds_the_ingestion_counters)
{
    /* 3 data rows, one rejected (no contact): read 3, rejected 1 */
    static const char csv[] = "contact,ts,channel,type\n"
                              "a,2024-01-01T00:00:00Z,web,visit\n"
                              ",2024-01-01T00:00:00Z,web,visit\n"
                              "b,2024-01-02T00:00:00Z,web,visit\n";
    iv_store *src = tu_new_store(NULL, NULL), *dst = tu_new_store(NULL, NULL);
    iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
    iv_ingest *ing = NULL;
    uint64_t read = 0, rej = 0;
    o.policy = IV_POLICY_LENIENT;
    ck_assert_int_eq(iv_ingest_new(&ing, src, &o), IV_OK);
    ck_assert_int_eq(iv_ingest_push(ing, csv, sizeof csv - 1), IV_OK);
    ck_assert_int_eq(iv_ingest_finish(ing), IV_OK);
    iv_ingest_free(ing);
    tu_add(dst, "contact=z ts=2024-02-01T00:00:00Z channel=web type=visit");
    ck_assert_int_eq(iv_store_append_store(dst, src), IV_OK);
    ck_assert_uint_eq(iv_store_rows(dst), 3);
    ck_assert_int_eq(iv_store_ingest_counts(dst, &read, &rej), IV_OK);
    ck_assert_uint_eq(read, 3);
    ck_assert_uint_eq(rej, 1);
    iv_store_free(src);
    iv_store_free(dst);
}
END_TEST

START_TEST(bad_arguments)
{
    iv_store *s = sample(), *parts[2] = { NULL, NULL };
    ck_assert_int_eq(iv_store_append_store(NULL, s), IV_EINVAL);
    ck_assert_int_eq(iv_store_append_store(s, NULL), IV_EINVAL);
    ck_assert_int_eq(iv_store_append_store(s, s), IV_EINVAL);
    ck_assert_int_eq(iv_store_split(s, 0, parts), IV_EINVAL);
    ck_assert_int_eq(iv_store_split(s, 2, NULL), IV_EINVAL);
    ck_assert_int_eq(iv_store_split(s, 2, parts), IV_EINVAL); /* NULL parts */
    parts[0] = s;
    parts[1] = s;
    ck_assert_int_eq(iv_store_split(s, 2, parts), IV_EINVAL); /* the source as a part */
    ck_assert_uint_eq(iv_store_rows(s), 6);
    iv_store_free(s);
}
END_TEST

START_TEST(one_part_is_a_copy)
{
    iv_store *s = sample(), *one = tu_new_store(NULL, NULL);
    size_t r;
    ck_assert_int_eq(iv_store_split(s, 1, &one), IV_OK);
    ck_assert_uint_eq(iv_store_rows(one), 6);
    for (r = 0; r < 6; r++)
        same_row(s, r, one, r);
    iv_store_free(one);
    iv_store_free(s);
}
END_TEST

static void partition_tests(TCase *tc)
{
    tcase_add_test(tc, split_routes_by_the_hash);
    tcase_add_test(tc, append_gathers_parts_back);
    tcase_add_test(tc, append_adds_the_ingestion_counters);
    tcase_add_test(tc, bad_arguments);
    tcase_add_test(tc, one_part_is_a_copy);
}

TU_SUITE_MAIN("partition", partition_tests)
