/* Lifecycle (doc/LIFECYCLE.md): churn and retention over 2024 by team, a funnel, monthly cohorts.
 * usage: example_lifecycle LOG.csv */
#include "example.h"

int main(int argc, char **argv)
{
    iv_store *store;
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_lifecycle_options lo = IV_LIFECYCLE_OPTIONS_INIT;
    iv_table *t = NULL;

    if (argc != 2)
        return 2;
    store = load(argv[1]);

    /* churn = L / S and retention = (E - N) / S over [2024-01-01, 2025-01-01), per team */
    q.by = "team";
    check(iv_time_parse("2024-01-01", 10, &lo.t0), "time");
    check(iv_time_parse("2025-01-01", 10, &lo.t1), "time");
    check(iv_lifecycle_churn(&t, store, &q, &lo), "churn");
    check(iv_table_save(t, IV_FORMAT_TABLE, "-"), "print");
    iv_table_free(t);

    /* signup or demo, then purchase, within 60 days of the first step-1 interaction */
    q.by = NULL;
    iv_lifecycle_options_init(&lo, sizeof lo);
    lo.steps = "signup|demo,purchase";
    lo.window = 60LL * 86400000LL;
    lo.mode = IV_FUNNEL_ORDERED;
    check(iv_lifecycle_funnel(&t, store, &q, &lo), "funnel");
    check(iv_table_save(t, IV_FORMAT_CSV, "-"), "print");
    iv_table_free(t);

    /* monthly cohorts: rows (cohort, period k) with rate and rate_unbounded */
    lo.period = IV_PERIOD_MONTH;
    check(iv_lifecycle_cohorts(&t, store, &q, &lo), "cohorts");
    printf("cohort table: %zu rows; first cohort %s, %lld contacts\n", iv_table_nrows(t),
           iv_table_get_string(t, 0, (size_t)iv_table_col_index(t, "cohort")),
           (long long)iv_table_get_int(t, 0, (size_t)iv_table_col_index(t, "contacts")));
    iv_table_free(t);
    iv_store_free(store);
    return 0;
}
