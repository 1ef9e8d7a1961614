/* Segment vs segment (doc/PATTERN.md): RV per contact of variant A against variant B, with the
 * Welch t-test, Mann-Whitney U and Cliff's delta (iv_stats_compare).
 * usage: example_stats LOG.csv */
#include "example.h"

/* RV of each contact of the selection: the `rv` column of metrics grouped by contact. */
static double *rv_per_contact(const iv_store *store, const char *where, size_t *n)
{
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    double *v;
    size_t i;
    q.by = "contact";
    q.where = where;
    check(iv_query_metrics(&t, store, &q), where);
    *n = iv_table_nrows(t);
    if (!(v = malloc((*n + 1) * sizeof *v)))
        exit(1);
    for (i = 0; i < *n; i++)
        v[i] = iv_table_get_double(t, i, (size_t)iv_table_col_index(t, "rv"));
    iv_table_free(t);
    return v;
}

int main(int argc, char **argv)
{
    iv_store *store;
    iv_table *t = NULL;
    double *a, *b;
    size_t na, nb, c;

    if (argc != 2)
        return 2;
    store = load(argv[1]);
    a = rv_per_contact(store, "variant = A", &na);
    b = rv_per_contact(store, "variant = B", &nb);
    check(iv_stats_compare(&t, a, na, b, nb, NULL), "compare");
    for (c = 0; c < iv_table_ncols(t); c++)
        printf("%-14s %.6g\n", iv_table_col_name(t, c), iv_table_get_double(t, 0, c));
    printf("two-sided p of a standard normal at z = 1.96: %.5f\n",
           2 * iv_stats_normal_sf(1.96));
    iv_table_free(t);
    free(a);
    free(b);
    iv_store_free(store);
    return 0;
}
