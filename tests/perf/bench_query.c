/* bench_query FILE [COPIES] [BY] [THREADS] [FROM TO]: ingest FILE COPIES times into one
 * store (so a 5M-row file gives a 10M-row store), or load it when it is a saved store
 * (.ivs, iv ingest --save; COPIES is then ignored), then time iv_query_metrics grouped by
 * BY (default "channel,month"; "-" for no grouping) on THREADS threads (default 1), over
 * [FROM, TO) in ms since the epoch when given: median and best of 7 runs, wall and process
 * CPU (all threads; on a shared machine the CPU is the figure to compare). Public API
 * only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iv.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
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
    size_t len = argc > 1 ? strlen(argv[1]) : 0;
    double t[7], u[7], t0, u0;
    if (argc < 2) {
        fprintf(stderr, "usage: bench_query FILE [COPIES] [BY] [THREADS] [FROM TO]\n");
        return 2;
    }
    o.by = argc > 3 ? argv[3] : "channel,month";
    if (strcmp(o.by, "-") == 0)
        o.by = NULL;
    o.threads = argc > 4 ? (unsigned)atoi(argv[4]) : 1;
    if (argc > 6) {
        o.from = strtoll(argv[5], NULL, 10);
        o.to = strtoll(argv[6], NULL, 10);
    }
    t0 = now();
    if (len > 4 && strcmp(argv[1] + len - 4, ".ivs") == 0) {
        if (iv_store_load(&s, argv[1], NULL) != IV_OK) {
            fprintf(stderr, "%s\n", iv_error_last());
            return 1;
        }
        copies = 0;
    } else if (iv_store_new(&s, NULL) != IV_OK) {
        return 1;
    }
    for (i = 0; i < copies; i++) {
        iv_ingest *ing;
        if (iv_ingest_new(&ing, s, NULL) != IV_OK || iv_ingest_file(ing, argv[1]) != IV_OK) {
            fprintf(stderr, "%s\n", iv_error_last());
            return 1;
        }
        iv_ingest_free(ing);
    }
    printf("rows            %zu\ncontacts        %zu\ningest_s        %.3f\nby              %s\nthreads         %u\n",
           iv_store_rows(s), iv_store_contacts(s), now() - t0, o.by ? o.by : "-", o.threads);
    for (i = 0; i < 7; i++) {
        iv_table *tb = NULL;
        t0 = now();
        u0 = cpu();
        if (iv_query_metrics(&tb, s, &o) != IV_OK) {
            fprintf(stderr, "%s\n", iv_error_last());
            return 1;
        }
        u[i] = cpu() - u0;
        t[i] = now() - t0;
        if (i == 0)
            printf("groups          %zu\n", iv_table_nrows(tb));
        iv_table_free(tb);
    }
    qsort(t, 7, sizeof t[0], cmp);
    qsort(u, 7, sizeof u[0], cmp);
    printf("query_median_ms %.1f\nquery_best_ms   %.1f\n", t[3] * 1e3, t[0] * 1e3);
    printf("query_cpu_median_ms %.1f\nquery_cpu_best_ms   %.1f\n", u[3] * 1e3, u[0] * 1e3);
    iv_store_free(s);
    return 0;
}
