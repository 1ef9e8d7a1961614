/* Queries: the doc/METRICS.md metrics per channel under the default model, a selection in the
 * expression language, and year on year.   usage: example_metrics LOG.csv */
#include <math.h>
#include <string.h>

#include "example.h"

int main(int argc, char **argv)
{
    iv_store *store;
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    int64_t from, to, prev_from;
    size_t i;
    long cn, ccpr, civ;

    if (argc != 2)
        return 2;
    store = load(argv[1]);

    /* cost per RV unit and Interaction Value by channel */
    q.by = "channel";
    check(iv_query_metrics(&t, store, &q), "metrics by channel");
    cn = iv_table_col_index(t, "n");
    ccpr = iv_table_col_index(t, "cost_per_rv");
    civ = iv_table_col_index(t, "iv");
    printf("%-14s %7s %12s %8s\n", "channel", "n", "cost_per_rv", "iv");
    for (i = 0; i < iv_table_nrows(t); i++) {
        double cpr = iv_table_get_double(t, i, (size_t)ccpr); /* NaN when RV <= 0 */
        printf("%-14s %7lld ", iv_table_get_string(t, i, 0),
               (long long)iv_table_get_int(t, i, (size_t)cn));
        if (isnan(cpr))
            printf("%12s", "undefined");
        else
            printf("%12.4f", cpr);
        printf(" %8.3f\n", iv_table_get_double(t, i, (size_t)civ));
    }
    iv_table_free(t);

    /* NPS by team among the contacts who never churned, as CSV */
    q.by = "team";
    q.where = "not has churn";
    check(iv_query_metrics(&t, store, &q), "metrics by team");
    check(iv_table_save(t, IV_FORMAT_CSV, "-"), "writing CSV");
    iv_table_free(t);

    /* 2024 against 2023: value, previous, change, relative change per metric */
    check(iv_time_parse("2024-01-01", 10, &from), "time");
    check(iv_time_parse("2025-01-01", 10, &to), "time");
    check(iv_time_parse("2023-01-01", 10, &prev_from), "time");
    q.by = NULL;
    q.where = NULL;
    q.from = from;
    q.to = to;
    check(iv_query_compare(&t, store, &q, prev_from, from), "year on year");
    for (i = 0; i < iv_table_nrows(t); i++)
        if (strcmp(iv_table_get_string(t, i, 0), "rv") == 0)
            printf("RV units 2024 vs 2023: %+.1f%%\n",
                   100 * iv_table_get_double(t, i, (size_t)iv_table_col_index(t, "relative_change")));
    iv_table_free(t);
    iv_store_free(store);
    return 0;
}
