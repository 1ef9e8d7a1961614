/* bench_query FILE [COPIES] [BY] [THREADS]: ingest FILE COPIES times into one store (so a
 * 5M-row file gives a 10M-row store), then time iv_query_metrics grouped by BY (default
 * "channel,month") on THREADS threads (default 1): median and best of 7 runs. Public API
 * only. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "iv.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    iv_store *s;
    iv_query_options o = IV_QUERY_OPTIONS_INIT;
    int copies = argc > 2 ? atoi(argv[2]) : 2, i;
    double t[7], t0;
    if (argc < 2) {
        fprintf(stderr, "usage: bench_query FILE [COPIES] [BY]\n");
        return 2;
    }
    o.by = argc > 3 ? argv[3] : "channel,month";
    o.threads = argc > 4 ? (unsigned)atoi(argv[4]) : 1;
    if (iv_store_new(&s, NULL) != IV_OK)
        return 1;
    t0 = now();
    for (i = 0; i < copies; i++) {
        iv_ingest *ing;
        if (iv_ingest_new(&ing, s, NULL) != IV_OK || iv_ingest_file(ing, argv[1]) != IV_OK) {
            fprintf(stderr, "%s\n", iv_error_last());
            return 1;
        }
        iv_ingest_free(ing);
    }
    printf("rows            %zu\ncontacts        %zu\ningest_s        %.3f\nby              %s\nthreads         %u\n",
           iv_store_rows(s), iv_store_contacts(s), now() - t0, o.by, o.threads);
    for (i = 0; i < 7; i++) {
        iv_table *tb = NULL;
        t0 = now();
        if (iv_query_metrics(&tb, s, &o) != IV_OK) {
            fprintf(stderr, "%s\n", iv_error_last());
            return 1;
        }
        t[i] = now() - t0;
        if (i == 0)
            printf("groups          %zu\n", iv_table_nrows(tb));
        iv_table_free(tb);
    }
    qsort(t, 7, sizeof t[0], cmp);
    printf("query_median_ms %.1f\nquery_best_ms   %.1f\n", t[3] * 1e3, t[0] * 1e3);
    iv_store_free(s);
    return 0;
}
