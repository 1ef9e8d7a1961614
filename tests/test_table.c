/* Tables: typed cells, undefined cells, and the three exports written out by hand. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "table.h"
#include "testutil.h"

static iv_table *sample(const iv__alloc *a)
{
    iv_table *t = iv__table_new(a);
    long r;
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(iv__table_add_col(t, "channel", IV_COL_STRING), 0);
    ck_assert_int_eq(iv__table_add_col(t, "n", IV_COL_INT), 1);
    ck_assert_int_eq(iv__table_add_col(t, "iv", IV_COL_DOUBLE), 2);
    ck_assert_int_eq(iv__table_add_col(t, "first_ts", IV_COL_TIME), 3);
    ck_assert_int_eq(iv__table_add_col(t, "missing", IV_COL_LIST), 4);
    r = iv__table_add_row(t);
    ck_assert_int_eq(r, 0);
    iv__table_set_string(t, 0, 0, "web", 3);
    iv__table_set_int(t, 0, 1, 3);
    iv__table_set_double(t, 0, 2, 0.1);
    iv__table_set_int(t, 0, 3, 1709251200000);
    iv__table_list_push(t, 0, 4, "a.x", 3);
    iv__table_list_push(t, 0, 4, "b,\"y\"", 5);
    r = iv__table_add_row(t);
    ck_assert_int_eq(r, 1);
    iv__table_set_string(t, 1, 0, NULL, 0);
    iv__table_set_int(t, 1, 1, 0);
    iv__table_set_double(t, 1, 2, NAN);
    return t;
}

START_TEST(cells_read_back_by_type_and_undefined_reads_as_nan_or_null)
{
    iv__alloc a;
    iv_table *t;
    iv__alloc_init(&a, NULL, NULL);
    t = sample(&a);
    ck_assert_uint_eq(iv_table_nrows(t), 2);
    ck_assert_uint_eq(iv_table_ncols(t), 5);
    ck_assert_int_eq(iv_table_col_index(t, "iv"), 2);
    ck_assert_int_eq(iv_table_col_index(t, "nope"), -1);
    ck_assert_str_eq(iv_table_get_string(t, 0, 0), "web");
    ck_assert(iv_table_get_double(t, 0, 2) == 0.1);
    ck_assert_int_eq(iv_table_get_int(t, 0, 1), 3);
    ck_assert_uint_eq(iv_table_get_list_len(t, 0, 4), 2);
    ck_assert_str_eq(iv_table_get_list_item(t, 0, 4, 1), "b,\"y\"");
    ck_assert(!iv_table_is_defined(t, 1, 0));
    ck_assert_ptr_null(iv_table_get_string(t, 1, 0));
    ck_assert(!iv_table_is_defined(t, 1, 2));
    ck_assert(isnan(iv_table_get_double(t, 1, 2)));
    ck_assert(iv_table_is_defined(t, 1, 1));
    ck_assert(!iv_table_is_defined(t, 1, 3));
    ck_assert(isnan(iv_table_get_double(t, 9, 0)));
    iv_table_free(t);
}
END_TEST

START_TEST(csv_export_quotes_and_leaves_undefined_empty)
{
    iv__alloc a;
    iv_table *t;
    char *s;
    size_t n;
    iv__alloc_init(&a, NULL, NULL);
    t = sample(&a);
    ck_assert_int_eq(iv_table_to_string(t, IV_FORMAT_CSV, &s, &n), IV_OK);
    ck_assert_str_eq(s, "channel,n,iv,first_ts,missing\n"
                        "web,3,0.1,2024-03-01T00:00:00Z,\"a.x;b,\"\"y\"\"\"\n"
                        ",0,,,\n");
    ck_assert_uint_eq(n, strlen(s));
    iv_table_free_string(t, s);
    iv_table_free(t);
}
END_TEST

START_TEST(json_export_writes_null_for_undefined_and_arrays_for_lists)
{
    iv__alloc a;
    iv_table *t;
    char *s;
    iv__alloc_init(&a, NULL, NULL);
    t = sample(&a);
    ck_assert_int_eq(iv_table_to_string(t, IV_FORMAT_JSON, &s, NULL), IV_OK);
    ck_assert_str_eq(s, "[\n {\"channel\": \"web\", \"n\": 3, \"iv\": 0.1, \"first_ts\": \"2024-03-01T00:00:00Z\", "
                        "\"missing\": [\"a.x\", \"b,\\\"y\\\"\"]},\n"
                        " {\"channel\": null, \"n\": 0, \"iv\": null, \"first_ts\": null, \"missing\": []}\n]\n");
    iv_table_free_string(t, s);
    iv_table_free(t);
}
END_TEST

/* issue #14 item 6: JSON output is valid UTF-8 whatever bytes a table holds (a store
 * filled through the C record API keeps what it is given): each byte that does not start
 * a well-formed sequence becomes U+FFFD (Unicode 15, section 3.9, table 3-7: 0xFF never
 * occurs; C3 28 is C3 without its continuation; ED A0 80 is a surrogate, three bytes
 * that each start nothing valid), well-formed text is kept. By hand. */
START_TEST(json_export_is_valid_utf8_for_any_bytes)
{
    iv__alloc a;
    iv_table *t;
    char *s;
    static const char raw[] = "a\xff\xc3\xa9\xc3(\xed\xa0\x80z";
    iv__alloc_init(&a, NULL, NULL);
    t = iv__table_new(&a);
    ck_assert_int_eq(iv__table_add_col(t, "contact", IV_COL_STRING), 0);
    ck_assert_int_eq(iv__table_add_row(t), 0);
    iv__table_set_string(t, 0, 0, raw, sizeof raw - 1);
    ck_assert_int_eq(iv_table_to_string(t, IV_FORMAT_JSON, &s, NULL), IV_OK);
    ck_assert_str_eq(s, "[\n {\"contact\": \"a\\ufffd\xc3\xa9\\ufffd(\\ufffd\\ufffd\\ufffdz\"}\n]\n");
    iv_table_free_string(t, s);
    iv_table_free(t);
}
END_TEST

START_TEST(single_result_exports_one_object)
{
    iv__alloc a;
    iv_table *t;
    char *s;
    iv__alloc_init(&a, NULL, NULL);
    t = iv__table_new(&a);
    iv__table_add_col(t, "rows_read", IV_COL_INT);
    iv__table_add_col(t, "ok", IV_COL_BOOL);
    iv__table_add_row(t);
    iv__table_set_int(t, 0, 0, 12);
    iv__table_set_int(t, 0, 1, 5);
    iv__table_set_single(t, 1);
    ck_assert_int_eq(iv_table_to_string(t, IV_FORMAT_JSON, &s, NULL), IV_OK);
    ck_assert_str_eq(s, "{\"rows_read\": 12, \"ok\": true}\n");
    iv_table_free_string(t, s);
    iv_table_free(t);
}
END_TEST

START_TEST(doubles_export_with_the_shortest_round_trip_digits)
{
    iv__alloc a;
    iv_table *t;
    char *s;
    iv__alloc_init(&a, NULL, NULL);
    t = iv__table_new(&a);
    iv__table_add_col(t, "x", IV_COL_DOUBLE);
    iv__table_add_row(t);
    iv__table_add_row(t);
    iv__table_add_row(t);
    iv__table_set_double(t, 0, 0, 1.0 / 3.0);
    iv__table_set_double(t, 1, 0, 100.0);
    iv__table_set_double(t, 2, 0, -0.0);
    ck_assert_int_eq(iv_table_to_string(t, IV_FORMAT_CSV, &s, NULL), IV_OK);
    ck_assert_str_eq(s, "x\n0.3333333333333333\n100\n0\n");
    iv_table_free_string(t, s);
    iv_table_free(t);
}
END_TEST

START_TEST(text_export_aligns_columns_and_shows_undefined_as_dash)
{
    iv__alloc a;
    iv_table *t;
    char *s;
    iv__alloc_init(&a, NULL, NULL);
    t = iv__table_new(&a);
    iv__table_add_col(t, "team", IV_COL_STRING);
    iv__table_add_col(t, "cpt", IV_COL_DOUBLE);
    iv__table_add_row(t);
    iv__table_add_row(t);
    iv__table_set_string(t, 0, 0, "east", 4);
    iv__table_set_double(t, 0, 1, 2.5);
    iv__table_set_string(t, 1, 0, "ost-süd", 8);
    ck_assert_int_eq(iv_table_to_string(t, IV_FORMAT_TABLE, &s, NULL), IV_OK);
    ck_assert_str_eq(s, "team     cpt\n"
                        "-------  ---\n"
                        "east     2.5\n"
                        "ost-süd    -\n");
    iv_table_free_string(t, s);
    iv_table_free(t);
}
END_TEST

START_TEST(table_building_and_export_survive_every_allocation_failure)
{
    long k;
    for (k = 1;; k++) {
        tu_alloc ta;
        iv__alloc a;
        iv_table *t;
        char *s = NULL;
        int rc = IV_OK, i;
        tu_alloc_reset(&ta, k);
        iv__alloc_init(&a, tu_alloc_fn, &ta);
        t = iv__table_new(&a);
        if (t) {
            if (iv__table_add_col(t, "name", IV_COL_STRING) < 0 || iv__table_add_col(t, "l", IV_COL_LIST) < 0)
                rc = IV_ENOMEM;
            for (i = 0; rc == IV_OK && i < 40; i++) {
                long r = iv__table_add_row(t);
                if (r < 0 || iv__table_set_string(t, (size_t)r, 0, "abc", 3) ||
                    iv__table_list_push(t, (size_t)r, 1, "x", 1))
                    rc = IV_ENOMEM;
            }
            if (rc == IV_OK)
                rc = iv_table_to_string(t, IV_FORMAT_CSV, &s, NULL);
            if (rc == IV_OK)
                iv_table_free_string(t, s);
        } else {
            rc = IV_ENOMEM;
        }
        iv_table_free(t);
        ck_assert_int_eq(ta.live, 0);
        if (!ta.failed) {
            ck_assert_int_eq(rc, IV_OK);
            break;
        }
        ck_assert_int_eq(rc, IV_ENOMEM);
    }
}
END_TEST

/* A new table with columns x (double), n (int), s (string) and l (list). */
static iv_table *four_columns(const iv__alloc *a)
{
    iv_table *t = iv__table_new(a);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(iv__table_add_col(t, "x", IV_COL_DOUBLE), 0);
    ck_assert_int_eq(iv__table_add_col(t, "n", IV_COL_INT), 1);
    ck_assert_int_eq(iv__table_add_col(t, "s", IV_COL_STRING), 2);
    ck_assert_int_eq(iv__table_add_col(t, "l", IV_COL_LIST), 3);
    return t;
}

START_TEST(reserved_rows_read_back_like_grown_ones_and_a_failed_reserve_changes_nothing)
{
    iv__alloc a;
    tu_alloc ta;
    iv_table *t;
    size_t i;
    long k;
    char buf[16];
    iv__alloc_init(&a, NULL, NULL);
    t = four_columns(&a);
    ck_assert_int_eq(iv__table_reserve(t, 1000), IV_OK);
    ck_assert_int_eq(iv__table_reserve(t, 10), IV_OK); /* smaller: nothing to do */
    ck_assert_uint_eq(iv_table_nrows(t), 0);
    /* 1000 rows fill the reservation, 17 more grow it: row i holds x = i / 2 when i is
     * even (undefined when odd), n = 3 i, s = "r<i>" and a one-item list */
    for (i = 0; i < 1017; i++) {
        ck_assert_int_eq(iv__table_add_row(t), (long)i);
        if (i % 2 == 0)
            ck_assert_int_eq(iv__table_set_double(t, i, 0, (double)i / 2), IV_OK);
        ck_assert_int_eq(iv__table_set_int(t, i, 1, (int64_t)(3 * i)), IV_OK);
        snprintf(buf, sizeof buf, "r%zu", i);
        ck_assert_int_eq(iv__table_set_string(t, i, 2, buf, strlen(buf)), IV_OK);
        ck_assert_int_eq(iv__table_list_push(t, i, 3, "x", 1), IV_OK);
    }
    ck_assert_uint_eq(iv_table_nrows(t), 1017);
    for (i = 0; i < 1017; i += 101) {
        snprintf(buf, sizeof buf, "r%zu", i);
        if (i % 2 == 0)
            ck_assert_double_eq(iv_table_get_double(t, i, 0), (double)i / 2);
        else
            ck_assert(isnan(iv_table_get_double(t, i, 0)) && !iv_table_is_defined(t, i, 0));
        ck_assert_int_eq(iv_table_get_int(t, i, 1), (int64_t)(3 * i));
        ck_assert_str_eq(iv_table_get_string(t, i, 2), buf);
    }
    iv_table_free(t);

    /* the reservation's allocation fails: the table keeps its rows and still grows */
    for (k = 1; k <= 4; k++) { /* the two pointer arrays, the column, its flags */
        tu_alloc_reset(&ta, 0);
        iv__alloc_init(&a, tu_alloc_fn, &ta);
        t = iv__table_new(&a);
        ck_assert_ptr_nonnull(t);
        ck_assert_int_eq(iv__table_add_col(t, "x", IV_COL_DOUBLE), 0);
        ck_assert_int_eq(iv__table_add_row(t), 0);
        ck_assert_int_eq(iv__table_set_double(t, 0, 0, 2.5), IV_OK);
        ta.fail_at = ta.calls + k; /* the k-th allocation of the reserve */
        ck_assert_int_eq(iv__table_reserve(t, 100000), IV_ENOMEM);
        ck_assert(ta.failed);
        ck_assert_uint_eq(iv_table_nrows(t), 1);
        ck_assert_double_eq(iv_table_get_double(t, 0, 0), 2.5);
        for (i = 1; i < 40; i++)
            ck_assert_int_eq(iv__table_add_row(t), (long)i);
        ck_assert_double_eq(iv_table_get_double(t, 0, 0), 2.5);
        ck_assert(!iv_table_is_defined(t, 39, 0));
        iv_table_free(t);
        ck_assert_int_eq(ta.live, 0);
    }
}
END_TEST

/* Columns of IV__HUGE_MIN bytes or more share one block: a table of a double, an int, a
 * string and a list column (52 bytes a row with the marks) grows row by row past 4 MiB
 * (131,072 rows: 6.8 MB) and then is reserved further; every cell reads back. Growing into
 * the shared block takes three allocations (two pointer arrays and the block), not two
 * per column; a failure of any of them leaves the table as it was; nothing leaks. */
START_TEST(columns_past_the_huge_block_size_share_one_block)
{
    enum { N = 140000 };
    tu_alloc ta;
    iv__alloc a;
    iv_table *t;
    size_t i;
    long calls, k;
    char buf[16];
    tu_alloc_reset(&ta, 0);
    iv__alloc_init(&a, tu_alloc_fn, &ta);
    t = four_columns(&a);
    for (i = 0; i < N; i++) {
        ck_assert_int_eq(iv__table_add_row(t), (long)i);
        if (i % 3)
            ck_assert_int_eq(iv__table_set_double(t, i, 0, (double)i / 4), IV_OK);
        ck_assert_int_eq(iv__table_set_int(t, i, 1, -(int64_t)i), IV_OK);
        if (i % 1000 == 0) {
            snprintf(buf, sizeof buf, "r%zu", i);
            ck_assert_int_eq(iv__table_set_string(t, i, 2, buf, strlen(buf)), IV_OK);
            ck_assert_int_eq(iv__table_list_push(t, i, 3, buf, strlen(buf)), IV_OK);
        }
    }
    for (k = 1; k <= 3; k++) { /* a failed reserve into a new shared block changes nothing */
        ta.fail_at = ta.calls + k;
        ck_assert_int_eq(iv__table_reserve(t, 2 * N), IV_ENOMEM);
        ck_assert(ta.failed);
        ta.failed = 0;
        ta.fail_at = 0;
        ck_assert_uint_eq(iv_table_nrows(t), N);
    }
    calls = ta.calls;
    ck_assert_int_eq(iv__table_reserve(t, 2 * N), IV_OK);
    ck_assert_int_eq(ta.calls - calls, 3);
    for (i = 0; i < N; i++) {
        if (i % 3)
            ck_assert(iv_table_get_double(t, i, 0) == (double)i / 4);
        else
            ck_assert(!iv_table_is_defined(t, i, 0));
        ck_assert_int_eq(iv_table_get_int(t, i, 1), -(int64_t)i);
        ck_assert_int_eq(iv_table_is_defined(t, i, 2), i % 1000 == 0);
        if (i % 1000 == 0) {
            snprintf(buf, sizeof buf, "r%zu", i);
            ck_assert_str_eq(iv_table_get_string(t, i, 2), buf);
            ck_assert_uint_eq(iv_table_get_list_len(t, i, 3), 1);
            ck_assert_str_eq(iv_table_get_list_item(t, i, 3, 0), buf);
        }
    }
    ck_assert_int_eq(iv__table_add_row(t), N);
    ck_assert(!iv_table_is_defined(t, N, 0) && !iv_table_is_defined(t, N, 3));
    iv_table_free(t);
    ck_assert_int_eq(ta.live, 0);
}
END_TEST

static void table_tests(TCase *tc)
{
    tcase_add_test(tc, cells_read_back_by_type_and_undefined_reads_as_nan_or_null);
    tcase_add_test(tc, csv_export_quotes_and_leaves_undefined_empty);
    tcase_add_test(tc, json_export_writes_null_for_undefined_and_arrays_for_lists);
    tcase_add_test(tc, json_export_is_valid_utf8_for_any_bytes);
    tcase_add_test(tc, single_result_exports_one_object);
    tcase_add_test(tc, doubles_export_with_the_shortest_round_trip_digits);
    tcase_add_test(tc, text_export_aligns_columns_and_shows_undefined_as_dash);
    tcase_add_test(tc, table_building_and_export_survive_every_allocation_failure);
    tcase_add_test(tc, reserved_rows_read_back_like_grown_ones_and_a_failed_reserve_changes_nothing);
    tcase_add_test(tc, columns_past_the_huge_block_size_share_one_block);
}

TU_SUITE_MAIN("table", table_tests)
