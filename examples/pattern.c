/* Patterns (doc/PATTERN.md): age-aligned RV trajectories (cumulative RV at the end of each 7-day
 * bucket since a contact's first interaction; a bucket not yet over is NaN, never 0), the
 * norm of a subset, one contact against it (robust z), and the DTW distance between two
 * trajectories.   usage: example_pattern LOG.csv */
#include <math.h>

#include "example.h"

#define K 12 /* buckets */

int main(int argc, char **argv)
{
    iv_store *store;
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_pattern_store_options po = IV_PATTERN_STORE_OPTIONS_INIT;
    iv_table *tr = NULL, *norm = NULL, *vs = NULL;
    double x[2][K], dist;
    size_t i, b;

    if (argc != 2)
        return 2;
    store = load(argv[1]);
    po.buckets = K; /* bucket width: the default 7 days */

    /* one row per contact: contact, origin, b1 ... b12 */
    check(iv_pattern_trajectories(&tr, store, &q, &po), "trajectories");
    for (i = 0; i < 2; i++)
        for (b = 0; b < K; b++)
            x[i][b] = iv_table_get_double(tr, i, 2 + b);
    check(iv_pattern_dtw(&dist, x[0], x[1], K, INFINITY, NULL), "dtw");
    printf("%zu trajectories; DTW distance (window 3) between %s and %s: %.2f\n",
           iv_table_nrows(tr), iv_table_get_string(tr, 0, 0), iv_table_get_string(tr, 1, 0),
           dist);

    /* the norm of the variant B contacts, and contact C000001 against it */
    q.where = "variant = B";
    check(iv_pattern_norm_of(&norm, store, &q, &po), "norm");
    printf("variant B norm at bucket %d: median %.1f, p10 %.1f, p90 %.1f (%lld contacts)\n", K,
           iv_table_get_double(norm, K - 1, (size_t)iv_table_col_index(norm, "median")),
           iv_table_get_double(norm, K - 1, (size_t)iv_table_col_index(norm, "p10")),
           iv_table_get_double(norm, K - 1, (size_t)iv_table_col_index(norm, "p90")),
           (long long)iv_table_get_int(norm, K - 1, (size_t)iv_table_col_index(norm, "contacts")));
    check(iv_pattern_contact_vs_norm(&vs, NULL, store, "C000001", &q, &po), "contact vs norm");
    check(iv_table_save(vs, IV_FORMAT_JSON, "-"), "print");
    printf("\n");
    iv_table_free(vs);
    iv_table_free(norm);
    iv_table_free(tr);
    iv_store_free(store);
    return 0;
}
