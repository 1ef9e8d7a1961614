/* Pattern benchmark (doc/PERFORMANCE.md, "Patterns"). Not run by meson test.
 *
 *   bench_dtw [contacts] [runs]
 *
 * (a) iv_pattern_norm over N contacts x 26 weekly buckets of cumulative RV, a quarter of
 *     them censored after a random bucket (NaN);
 * (b) nearest-norm classification of N random-walk trajectories of length 26 against 5
 *     random-walk norms with a Sakoe-Chiba window |i - j| <= 3, single-threaded, by the
 *     LB_Keogh cascade and by brute force (every DTW in full); the answers must agree.
 * Times are the median of the runs (default 5). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iv.h"

enum { K = 26, NORMS = 5 };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* splitmix64 (Steele, Lea & Flood 2014) */
static uint64_t rng_state = 7;
static double unif(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return v[n / 2];
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 1000000, i, j, diff = 0;
    int runs = argc > 2 ? atoi(argv[2]) : 5, r;
    double *traj = malloc(n * K * sizeof *traj), *walks = malloc(n * K * sizeof *walks);
    double norms[NORMS * K], *d1 = malloc(n * sizeof *d1), *d2 = malloc(n * sizeof *d2);
    int64_t *i1 = malloc(n * sizeof *i1), *i2 = malloc(n * sizeof *i2);
    double t_norm[64], t_lb[64], t_bf[64];
    iv_pattern_options o = IV_PATTERN_OPTIONS_INIT;
    if (!traj || !walks || !d1 || !d2 || !i1 || !i2 || runs < 1 || runs > 64)
        return 1;
    for (i = 0; i < n; i++) {
        double v = 0.0, w = 0.0;
        size_t cut = unif() < 0.25 ? (size_t)(unif() * K) : K;
        for (j = 0; j < K; j++) {
            /* cumulative RV: mostly small gains, a few large ones, rare losses */
            double u = unif();
            v += u < 0.6 ? 0.0 : (u < 0.95 ? 1.0 + 4.0 * unif() : (u < 0.98 ? 100.0 : -40.0));
            traj[i * K + j] = j < cut ? v : NAN;
            w += unif() - 0.5;
            walks[i * K + j] = w;
        }
    }
    for (i = 0; i < NORMS; i++) {
        double w = 0.0;
        for (j = 0; j < K; j++) {
            w += unif() - 0.5;
            norms[i * K + j] = w;
        }
    }
    for (r = 0; r < runs; r++) {
        iv_table *t = NULL;
        double t0 = now();
        if (iv_pattern_norm(&t, traj, n, K, NULL) != IV_OK)
            return 1;
        t_norm[r] = now() - t0;
        iv_table_free(t);
        o.window = 3;
        o.prune = 1;
        t0 = now();
        if (iv_pattern_nearest(i1, d1, walks, n, norms, NORMS, K, &o) != IV_OK)
            return 1;
        t_lb[r] = now() - t0;
        o.prune = 0;
        t0 = now();
        if (iv_pattern_nearest(i2, d2, walks, n, norms, NORMS, K, &o) != IV_OK)
            return 1;
        t_bf[r] = now() - t0;
    }
    for (i = 0; i < n; i++)
        diff += i1[i] != i2[i] || d1[i] != d2[i];
    printf("contacts %zu, buckets %d, runs %d (median seconds)\n", n, K, runs);
    printf("norm (26 buckets: counts, 5 quantiles, MAD)   %.3f s\n", median(t_norm, runs));
    printf("nearest of %d norms, DTW |i-j|<=3, LB_Keogh  %.3f s\n", NORMS, median(t_lb, runs));
    printf("nearest of %d norms, DTW |i-j|<=3, brute     %.3f s\n", NORMS, median(t_bf, runs));
    printf("answers differing between the two: %zu\n", diff);
    free(traj);
    free(walks);
    free(d1);
    free(d2);
    free(i1);
    free(i2);
    return diff != 0;
}
