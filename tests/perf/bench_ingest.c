/* Ingestion throughput: CSV (or JSON Lines) file -> store, through the public API.
 *
 *   bench_ingest FILE [RUNS] [--jsonl] [--source NAME=VALUE]...
 *
 * --source sets one source option (iv_source_set, doc/SOURCES.md "Options") per use.
 * The file is read into memory once, so the numbers measure parsing and storing, not
 * the disk. Each run pushes it in 1 MiB chunks into a fresh store, as iv_ingest_file
 * does. Reports the median (and the fastest) of RUNS runs (default 5): MB/s, rows/s,
 * and the store's bytes per stored interaction from iv_store_memory(). On a machine
 * shared with other jobs the process CPU time (median, and MB/s per CPU second) says
 * more than the wall time, which includes the time other processes held the core. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iv.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double now(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}


int main(int argc, char **argv)
{
    FILE *f;
    char *buf;
    long size;
    int runs = 5, i, jsonl = 0;
    double secs[64], cpu[64];
    size_t rows = 0, mem = 0, cols = 0, strs = 0, contacts = 0;
    iv_source *src = NULL;

    if (argc < 2) {
        fprintf(stderr, "usage: bench_ingest FILE [RUNS] [--jsonl] [--source NAME=VALUE]...\n");
        return 2;
    }
    for (i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--jsonl") == 0) {
            jsonl = 1;
        } else if (strcmp(argv[i], "--source") == 0 && i + 1 < argc) {
            char name[64];
            const char *eq = strchr(argv[++i], '=');
            if (!eq || (size_t)(eq - argv[i]) >= sizeof name || (!src && iv_source_new(&src) != IV_OK)) {
                fprintf(stderr, "--source NAME=VALUE\n");
                return 2;
            }
            memcpy(name, argv[i], (size_t)(eq - argv[i]));
            name[eq - argv[i]] = '\0';
            if (iv_source_set(src, name, eq + 1) != IV_OK) {
                fprintf(stderr, "--source: %s\n", iv_error_last());
                return 2;
            }
        } else
            runs = atoi(argv[i]);
    }
    if (runs < 1 || runs > 64)
        runs = 5;
    f = fopen(argv[1], "rb");
    if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
        perror(argv[1]);
        return 1;
    }
    buf = malloc((size_t)size + 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    fclose(f);

    for (i = 0; i < runs; i++) {
        iv_store *s = NULL;
        iv_ingest *ing = NULL;
        iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
        size_t off = 0, chunk = (size_t)1 << 20;
        double t0, c0;
        int rc;
        o.format = jsonl ? IV_INPUT_JSONL : IV_INPUT_CSV;
        o.source = src;
        if (iv_store_new(&s, NULL) || iv_ingest_new(&ing, s, &o)) {
            fprintf(stderr, "setup: %s\n", iv_error_last());
            return 1;
        }
        t0 = now();
        c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        rc = IV_OK;
        while (rc == IV_OK && off < (size_t)size) {
            size_t n = (size_t)size - off < chunk ? (size_t)size - off : chunk;
            rc = iv_ingest_push(ing, buf + off, n);
            off += n;
        }
        if (rc == IV_OK)
            rc = iv_ingest_finish(ing);
        secs[i] = now() - t0;
        cpu[i] = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
        if (rc) {
            fprintf(stderr, "ingest: %s\n", iv_error_last());
            return 1;
        }
        rows = iv_store_rows(s);
        contacts = iv_store_contacts(s);
        mem = iv_store_memory(s, &cols, &strs);
        fprintf(stderr, "run %d: %.3f s (cpu %.3f s)\n", i + 1, secs[i], cpu[i]);
        iv_ingest_free(ing);
        iv_store_free(s);
    }
    {
        double med = median(secs, runs), cmed = median(cpu, runs);
        printf("file            %s\n", argv[1]);
        printf("bytes           %ld\n", size);
        printf("rows            %zu\n", rows);
        printf("contacts        %zu\n", contacts);
        printf("runs            %d\n", runs);
        printf("median_s        %.3f\n", med);
        printf("best_s          %.3f\n", secs[0]);
        printf("MB_per_s        %.1f (best %.1f)\n", (double)size / 1e6 / med, (double)size / 1e6 / secs[0]);
        printf("rows_per_s      %.0f\n", (double)rows / med);
        printf("cpu_median_s    %.3f (best %.3f)\n", cmed, cpu[0]);
        printf("MB_per_cpu_s    %.1f (best %.1f)\n", (double)size / 1e6 / cmed, (double)size / 1e6 / cpu[0]);
        printf("store_bytes     %zu (columns %zu, strings %zu)\n", mem, cols, strs);
        printf("bytes_per_row   %.1f (columns only %.1f)\n", rows ? (double)mem / (double)rows : 0.0,
               rows ? (double)cols / (double)rows : 0.0);
    }
    free(buf);
    iv_source_free(src);
    return 0;
}
