/* Digital maturity (doc/MATURITY.md): indicators derived from the log for 2024 plus one
 * self-assessment answer, assessed with the default rubric over the eight areas.
 * usage: example_maturity LOG.csv */
#include "example.h"

int main(int argc, char **argv)
{
    iv_store *store;
    iv_rubric *rubric = NULL;
    iv_indicators *ind = NULL;
    iv_table *t = NULL;
    int64_t from, to;
    size_t i;
    long carea, cscore, clevel;

    if (argc != 2)
        return 2;
    store = load(argv[1]);
    check(iv_rubric_new_default(&rubric, NULL), "rubric");
    check(iv_indicators_new(&ind, NULL), "indicators");
    check(iv_time_parse("2024-01-01", 10, &from), "time");
    check(iv_time_parse("2025-01-01", 10, &to), "time");
    check(iv_indicators_from_store(ind, store, NULL, from, to), "indicators from the log");
    check(iv_indicators_set(ind, "technology.self_assessment", 6), "self-assessment");
    printf("%zu indicators observed\n", iv_indicators_count(ind));
    check(iv_maturity_assess(&t, rubric, ind, NULL), "assess");
    carea = iv_table_col_index(t, "area");
    cscore = iv_table_col_index(t, "score");
    clevel = iv_table_col_index(t, "level");
    for (i = 0; i < iv_table_nrows(t); i++) {
        printf("%-11s score %5.2f", iv_table_get_string(t, i, (size_t)carea),
               iv_table_get_double(t, i, (size_t)cscore));
        if (iv_table_is_defined(t, i, (size_t)clevel))
            printf("  level %lld", (long long)iv_table_get_int(t, i, (size_t)clevel));
        printf("\n");
    }
    iv_table_free(t);
    iv_indicators_free(ind);
    iv_rubric_free(rubric);
    iv_store_free(store);
    return 0;
}
