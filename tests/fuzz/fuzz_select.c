/* Fuzz target: selection expressions (doc/METRICS.md) through iv_query_metrics() on a small
 * store with every kind of dimension.
 * Invariants: an expression either fails with IV_EPARSE/IV_ENOTFOUND and a message, or
 * selects a set of rows whose groups add up to it; E and `not (E)` split the log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "iv/query.h"

static iv_store *fuzz_store(void)
{
    static iv_store *s;
    static const char *const channels[] = {"web", "phone", "email", "chat", "post"};
    static const char *const types[] = {"visit", "purchase", "nps", "refer", "complaint",
                                        "discontinue", "csat", "demo", "mystery"};
    static const char *const teams[] = {"east", "west", NULL};
    static const char *const regions[] = {"north", "south", "", "x y"};
    int i;
    if (s)
        return s;
    if (iv_store_new(&s, NULL) != IV_OK)
        abort();
    for (i = 0; i < 60; i++) {
        iv_record r = IV_RECORD_INIT;
        const char *names[1] = {"region"}, *values[1];
        char contact[16];
        snprintf(contact, sizeof contact, "c%d", i % 9);
        values[0] = regions[i % 4];
        r.contact = contact;
        r.ts = 1577836800000LL + (int64_t)i * 86400000LL * 13; /* from 2020-01-01 */
        r.channel = channels[i % 5];
        r.type = types[i % 9];
        r.team = teams[i % 3];
        r.outcome = i % 4;
        r.direction = i % 3;
        r.score = r.type[0] == 'n' ? i % 11 : r.type[0] == 'c' && r.type[1] == 's' ? 1 + i % 5
                                                                                  : r.score;
        if (i % 7 == 0)
            r.cost = 2.5;
        r.value = i % 5 ? 10.0 * i : r.value;
        r.ndims = 1;
        r.dim_names = names;
        r.dim_values = values;
        if (iv_store_append(s, &r) != IV_OK)
            abort();
    }
    if (iv_store_prepare(s) != IV_OK)
        abort();
    return s;
}

/* Rows the query selects, and checks that the groups add up to the ungrouped total. */
static int64_t selected(const iv_store *s, const char *where, int *rc)
{
    iv_query_options o = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    int64_t total = 0, sum = 0;
    size_t i;
    o.where = where;
    *rc = iv_query_metrics(&t, s, &o);
    if (*rc != IV_OK) {
        FUZZ_CHECK(t == NULL);
        FUZZ_CHECK(*rc == IV_EPARSE || *rc == IV_ENOTFOUND || *rc == IV_ELIMIT);
        FUZZ_CHECK(iv_error_last()[0] != '\0');
        return -1;
    }
    total = iv_table_get_int(t, 0, (size_t)iv_table_col_index(t, "n"));
    iv_table_free(t);
    t = NULL;
    o.by = "channel,profit_tier,month";
    FUZZ_CHECK(iv_query_metrics(&t, s, &o) == IV_OK);
    for (i = 0; i < iv_table_nrows(t); i++)
        sum += iv_table_get_int(t, i, (size_t)iv_table_col_index(t, "n"));
    iv_table_free(t);
    FUZZ_CHECK(sum == total);
    return total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const iv_store *s = fuzz_store();
    char *expr = fuzz_cstr(data, size), *negated;
    int rc, rc2;
    int64_t n = selected(s, expr, &rc), m;
    if (rc == IV_OK) {
        FUZZ_CHECK(n >= 0 && n <= (int64_t)iv_store_rows(s));
        negated = malloc(strlen(expr) + 8);
        FUZZ_CHECK(negated != NULL);
        sprintf(negated, "not (%s)", expr);
        m = selected(s, negated, &rc2);
        if (rc2 == IV_OK)
            FUZZ_CHECK(n + m == (int64_t)iv_store_rows(s));
        else
            FUZZ_CHECK(strspn(expr, " \t\r\n") == strlen(expr)); /* only a blank E fails */
        free(negated);
    }
    free(expr);
    return 0;
}
