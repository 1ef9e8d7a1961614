/* Patterns (SPEC 4): age-aligned RV trajectories (cumulative RV at the end of each 7-day
 * bucket since a contact's first interaction, unobserved buckets NaN), their norm, one
 * contact against it (robust z), and the DTW distance between two contacts.
 * usage: example_pattern LOG.csv */
#include <math.h>
#include <string.h>

#include "example.h"

#define K 12                       /* buckets */
#define WEEK_MS (7LL * 86400000LL) /* bucket width B */

int main(int argc, char **argv)
{
    iv_store *store;
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_table *d = NULL, *norm = NULL, *vs = NULL;
    double *traj, dist;
    int64_t first, last;
    size_t rows, i = 0, n = 0, b;
    long cc, ct, cr;

    if (argc != 2)
        return 2;
    store = load(argv[1]);
    check(iv_store_time_range(store, &first, &last), "time range");
    /* every interaction with its RV units u_i, per contact in time order */
    check(iv_query_drill(&d, store, &q, 0), "drill");
    rows = iv_table_nrows(d);
    cc = iv_table_col_index(d, "contact");
    ct = iv_table_col_index(d, "ts");
    cr = iv_table_col_index(d, "rv");
    if (!(traj = malloc((iv_store_contacts(store) + 1) * K * sizeof *traj)))
        return 1;
    while (i < rows) {
        const char *id = iv_table_get_string(d, i, (size_t)cc);
        int64_t t0 = iv_table_get_int(d, i, (size_t)ct);
        double sum = 0;
        for (b = 0; b < K; b++) {
            int64_t end = t0 + (int64_t)(b + 1) * WEEK_MS;
            while (i < rows && strcmp(iv_table_get_string(d, i, (size_t)cc), id) == 0 &&
                   iv_table_get_int(d, i, (size_t)ct) < end)
                sum += iv_table_get_double(d, i++, (size_t)cr);
            /* a bucket ending after the last timestamp is censored, not 0 */
            traj[n * K + b] = end <= last + 1 ? sum : NAN;
        }
        while (i < rows && strcmp(iv_table_get_string(d, i, (size_t)cc), id) == 0)
            i++;
        n++;
    }
    check(iv_pattern_norm(&norm, traj, n, K, NULL), "norm");
    printf("norm of %zu contacts, bucket %d: median %.1f, p10 %.1f, p90 %.1f\n", n, K,
           iv_table_get_double(norm, K - 1, (size_t)iv_table_col_index(norm, "median")),
           iv_table_get_double(norm, K - 1, (size_t)iv_table_col_index(norm, "p10")),
           iv_table_get_double(norm, K - 1, (size_t)iv_table_col_index(norm, "p90")));
    /* the first contact against the norm */
    check(iv_pattern_vs_norm(&vs, NULL, traj, traj, n, K, NULL), "vs norm");
    check(iv_table_save(vs, IV_FORMAT_JSON, "-"), "print");
    printf("\n");
    check(iv_pattern_dtw(&dist, traj, traj + K, K, INFINITY, NULL), "dtw");
    printf("DTW distance (window 3) between the first two contacts: %.2f\n", dist);
    free(traj);
    iv_table_free(vs);
    iv_table_free(norm);
    iv_table_free(d);
    iv_store_free(store);
    return 0;
}
