/* CLV fit benchmark (doc/PERFORMANCE.md, "CLV fits"). Not run by meson test.
 *
 *   bench_clv [path/to/cdnow_customers_summary_with_transactions.csv] [customers]
 *
 * Fits BG/NBD, Pareto/NBD and Gamma-Gamma on CDNOW (median wall and CPU time of 201 runs),
 * then BG/NBD on synthetic customers (default one million) simulated from known parameters
 * with our own PRNG, times in days so identical (x, t_x, T) triples occur and are grouped
 * by the fit; then Pareto/NBD with 3 covariates (each on the purchase and the dropout rate)
 * on 100,000 simulated customers (doc/CLV.md §13; issue #17: <= 2 s), and BG/NBD with the
 * same 3 covariates on the purchase rate.
 *
 *   bench_clv --cov [customers]   only the covariate benchmarks */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../clv_sim.h"
#include "clv.h"
#include "iv.h"

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

/* process CPU time: on a shared machine the wall time includes waiting for a core */
static double cpu_now(void)
{
    return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* splitmix64 (Steele, Lea & Flood 2014) */
static uint64_t rng = 42;
static double unif(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(void) /* Box-Muller */
{
    return sqrt(-2 * log(unif())) * cos(6.283185307179586 * unif());
}

/* Gamma(shape k, scale 1): Marsaglia & Tsang (2000), with the k < 1 boost */
static double gamma_draw(double k)
{
    double d, c, x, v, u;
    if (k < 1)
        return gamma_draw(k + 1) * pow(unif(), 1 / k);
    d = k - 1.0 / 3;
    c = 1 / sqrt(9 * d);
    for (;;) {
        do {
            x = normal();
            v = 1 + c * x;
        } while (v <= 0);
        v = v * v * v;
        u = unif();
        if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
            return d * v;
    }
}

/* Median wall and CPU milliseconds per fit over runs fits, printed on one line; w are
 * weights (may be NULL); want_se 0 leaves the standard errors out (their cost is the
 * difference). Returns the median CPU ms. */
static double median_ms_ex(const char *name, int model, const double *x, const double *tx,
                           const double *T, const double *z, size_t n, int runs, const double *w,
                           int want_se)
{
    double *t = malloc(2 * (size_t)runs * sizeof *t), *c = t + runs, med;
    iv_clv_options o = IV_CLV_OPTIONS_INIT;
    int i;
    o.weights = w;
    for (i = 0; i < runs; i++) {
        iv_clv *fit = NULL;
        double t0 = now(), c0 = cpu_now();
        if (iv__clv_fit_ex(&fit, model, x, tx, T, z, n, &o, want_se) != IV_OK) {
            fprintf(stderr, "fit failed: %s\n", iv_error_last());
            exit(1);
        }
        c[i] = (cpu_now() - c0) * 1e3;
        t[i] = (now() - t0) * 1e3;
        iv_clv_free(fit);
    }
    qsort(t, (size_t)runs, sizeof *t, cmp);
    qsort(c, (size_t)runs, sizeof *c, cmp);
    printf("  %-24s %8.2f ms wall %8.2f ms CPU\n", name, t[runs / 2], c[runs / 2]);
    med = c[runs / 2];
    free(t);
    return med;
}

static void median_ms(const char *name, int model, const double *x, const double *tx,
                      const double *T, const double *z, size_t n, int runs)
{
    median_ms_ex(name, model, x, tx, T, z, n, runs, NULL, 1);
}

/* The standard errors' share of a fit: with and without them. */
static void se_cost(const char *name, int model, const double *x, const double *tx,
                    const double *T, const double *z, size_t n, const double *w)
{
    char lab[64];
    double a, b;
    snprintf(lab, sizeof lab, "%s without SEs", name);
    a = median_ms_ex(lab, model, x, tx, T, z, n, 201, w, 0);
    snprintf(lab, sizeof lab, "%s with SEs", name);
    b = median_ms_ex(lab, model, x, tx, T, z, n, 201, w, 1);
    printf("  %-24s %+7.0f%% CPU\n", "  SEs add", 100 * (b / a - 1));
}

/* The new models on their reference data: MBG/NBD on CDNOW, BG/BB on the donations (22
 * weighted patterns), shifted-BG on the regular cohort of Fader & Hardie (2007). */
static void new_models(const double *x, const double *tx, const double *T, const double *z,
                       size_t n)
{
    static const double dx[] = {0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 6};
    static const double dtx[] = {0, 1, 2, 3, 4, 5, 6, 2, 3, 4, 5, 6, 3, 4, 5, 6, 4, 5, 6, 5, 6, 6};
    static const double dw[] = {3464, 1091, 277, 129, 78, 119, 129, 613, 255, 155, 173, 234,
                                322, 181, 225, 357, 240, 284, 512, 335, 728, 1203};
    static const double per[] = {1, 2, 3, 4, 5, 6, 7, 7}, ch[] = {1, 1, 1, 1, 1, 1, 1, 0};
    static const double sw[] = {369, 163, 86, 56, 37, 27, 21, 241};
    double dn[22];
    size_t i;
    for (i = 0; i < 22; i++)
        dn[i] = 6;
    printf("new models, median time per fit (SEs included):\n");
    median_ms("MBG/NBD (CDNOW)", IV_CLV_MBGNBD, x, tx, T, NULL, n, 201);
    median_ms_ex("BG/BB (donations)", IV_CLV_BGBB, dx, dtx, dn, NULL, 22, 201, dw, 1);
    median_ms_ex("shifted-BG (F&H 2007)", IV_CLV_SBG, per, ch, NULL, NULL, 8, 201, sw, 1);
    printf("standard errors' cost (CPU medians):\n");
    se_cost("BG/NBD", IV_CLV_BGNBD, x, tx, T, NULL, n, NULL);
    se_cost("Pareto/NBD", IV_CLV_PARETO, x, tx, T, NULL, n, NULL);
    se_cost("Gamma-Gamma", IV_CLV_GG, x, NULL, NULL, z, n, NULL);
    se_cost("MBG/NBD", IV_CLV_MBGNBD, x, tx, T, NULL, n, NULL);
    se_cost("BG/BB", IV_CLV_BGBB, dx, dtx, dn, NULL, 22, dw);
}

/* Pareto/NBD with covariates: z1 0/1, z2 ~ N(0, 1), z3 ~ U(-1, 1), each on both rates;
 * true r 0.55, alpha 10.6, s 0.61, beta 11.7, gamma_purchase (0.5, -0.3, 0.2),
 * gamma_dropout (0.7, 0.1, -0.4); T uniform on 26..78 weeks in whole days. Every customer
 * has their own covariates (nothing to group). Median of 3 fits. BG/NBD (model
 * IV_CLV_BGNBD): the same covariates on the purchase rate, true r 0.24, alpha 4.4, a 0.79,
 * b 2.4, gamma_purchase as above. */
static int cov_bench(size_t n, int model)
{
    static const char *const names[3] = {"z1", "z2", "z3"};
    static const double gp[3] = {0.5, -0.3, 0.2}, gd[3] = {0.7, 0.1, -0.4};
    int pn = model == IV_CLV_PARETO, np = pn ? 10 : 7;
    double *x = malloc(n * sizeof *x), *tx = malloc(n * sizeof *tx), *T = malloc(n * sizeof *T);
    double *z = malloc(3 * n * sizeof *z), w[3], c[3], v, se;
    sim_rng g = {2026};
    iv_clv_options o = IV_CLV_OPTIONS_INIT;
    iv_clv *m = NULL;
    size_t i;
    int k, run;
    if (!x || !tx || !T || !z)
        return 1;
    for (i = 0; i < n; i++) {
        double ep = 0, ed = 0;
        z[3 * i] = sim_unif(&g) < 0.5;
        z[3 * i + 1] = sim_norm(&g);
        z[3 * i + 2] = 2 * sim_unif(&g) - 1;
        for (k = 0; k < 3; k++) {
            ep += gp[k] * z[3 * i + k];
            ed += gd[k] * z[3 * i + k];
        }
        T[i] = floor(26 * 7 + 52 * 7 * sim_unif(&g)) / 7;
        if (pn)
            sim_pareto(&g, 0.55, 10.6 * exp(-ep), 0.61, 11.7 * exp(-ed), T[i], &x[i], &tx[i]);
        else
            sim_bgnbd(&g, 0.24, 4.4 * exp(-ep), 0.79, 2.4, T[i], &x[i], &tx[i]);
        tx[i] = floor(tx[i] * 7) / 7; /* whole days, as iv_rfm gives */
    }
    o.covariates_purchase = 3;
    o.covariates_dropout = pn ? 3 : 0;
    o.z_purchase = z;
    o.z_dropout = pn ? z : NULL;
    o.names_purchase = o.names_dropout = names;
    for (run = 0; run < 3; run++) {
        double t0 = now(), c0 = cpu_now();
        if (iv_clv_fit(&m, model, x, tx, T, NULL, n, &o) != IV_OK) {
            fprintf(stderr, "fit failed: %s\n", iv_error_last());
            return 1;
        }
        w[run] = now() - t0;
        c[run] = cpu_now() - c0;
        if (run < 2)
            iv_clv_free(m);
    }
    qsort(w, 3, sizeof *w, cmp);
    qsort(c, 3, sizeof *c, cmp);
    printf("%s, 3 covariates on %s, %zu customers (SEs included): median of 3 "
           "%.2f s wall, %.2f s CPU (runs %.2f..%.2f s wall)\n", pn ? "Pareto/NBD" : "BG/NBD",
           pn ? "both rates" : "the purchase rate", n, w[1], c[1], w[0], w[2]);
    printf("  estimates (se) vs truth:");
    {
        static const char *const pnames[2][10] = {
            {"r", "alpha", "a", "b", "gamma_purchase.z1", "gamma_purchase.z2",
             "gamma_purchase.z3"},
            {"r", "alpha", "s", "beta", "gamma_purchase.z1", "gamma_purchase.z2",
             "gamma_purchase.z3", "gamma_dropout.z1", "gamma_dropout.z2", "gamma_dropout.z3"}};
        static const double truth[2][10] = {{0.24, 4.4, 0.79, 2.4, 0.5, -0.3, 0.2},
                                            {0.55, 10.6, 0.61, 11.7, 0.5, -0.3, 0.2, 0.7, 0.1,
                                             -0.4}};
        for (k = 0; k < np; k++) {
            char sn[64];
            snprintf(sn, sizeof sn, "%s_se", pnames[pn][k]);
            iv_clv_get_param(m, pnames[pn][k], &v);
            iv_clv_get_param(m, sn, &se);
            printf("%s %s %.4f (%.4f) vs %g", k ? "," : "", pnames[pn][k], v, se, truth[pn][k]);
        }
        printf("\n");
    }
    iv_clv_free(m);
    free(x);
    free(tx);
    free(T);
    free(z);
    return 0;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "tests/data/cdnow/cdnow_customers_summary_with_transactions.csv";
    if (argc > 1 && strcmp(argv[1], "--cov") == 0) {
        size_t nc = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 100000;
        return cov_bench(nc, IV_CLV_PARETO) || cov_bench(nc, IV_CLV_BGNBD);
    }
    size_t big = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 1000000, n = 0, i;
    static double x[3000], tx[3000], T[3000], z[3000];
    double *bx, *btx, *bT, t0, c0, v;
    char line[256];
    int id;
    iv_clv *c = NULL;
    FILE *f = fopen(path, "r");
    if (!f || !fgets(line, sizeof line, f)) {
        fprintf(stderr, "cannot read %s\n", path);
        return 1;
    }
    while (n < 3000 && fscanf(f, "%d,%lf,%lf,%lf,%lf", &id, &x[n], &tx[n], &T[n], &z[n]) == 5)
        n++;
    fclose(f);
    printf("CDNOW (%zu customers), median time per fit:\n", n);
    median_ms("BG/NBD", IV_CLV_BGNBD, x, tx, T, NULL, n, 201);
    median_ms("Pareto/NBD", IV_CLV_PARETO, x, tx, T, NULL, n, 201);
    median_ms("Gamma-Gamma", IV_CLV_GG, x, NULL, NULL, z, n, 201);
    new_models(x, tx, T, z, n);

    /* synthetic BG/NBD population: r = 0.25, alpha = 4 (weeks), a = 0.8, b = 2.5; first
     * purchase on one of 84 days, calibration 273 days after the cohort starts */
    bx = malloc(big * sizeof *bx);
    btx = malloc(big * sizeof *btx);
    bT = malloc(big * sizeof *bT);
    for (i = 0; i < big; i++) {
        double lambda = gamma_draw(0.25) / 4.0, ga = gamma_draw(0.8), gb = gamma_draw(2.5);
        double p = ga / (ga + gb), age, t = 0, last = 0;
        long first = (long)(unif() * 84), xi = 0, lastday = 0;
        age = (273 - first) / 7.0;
        for (;;) {
            long day;
            t += -log(unif()) / lambda;
            if (t > age)
                break;
            day = (long)(t * 7);
            if (day != lastday) { /* same-day purchases merge */
                xi++;
                lastday = day;
                last = day / 7.0;
            }
            if (unif() < p)
                break; /* dropout after a purchase */
        }
        bx[i] = (double)xi;
        btx[i] = last;
        bT[i] = age;
    }
    t0 = now();
    c0 = cpu_now();
    if (iv_clv_fit(&c, IV_CLV_BGNBD, bx, btx, bT, NULL, big, NULL) != IV_OK) {
        fprintf(stderr, "fit failed: %s\n", iv_error_last());
        return 1;
    }
    printf("BG/NBD on %zu synthetic customers (grouping included): %.1f ms wall, %.1f ms CPU\n",
           big, (now() - t0) * 1e3, (cpu_now() - c0) * 1e3);
    printf("  estimates (true 0.25, 4, 0.8, 2.5):");
    iv_clv_get_param(c, "r", &v);
    printf(" r %.4f", v);
    iv_clv_get_param(c, "alpha", &v);
    printf(" alpha %.4f", v);
    iv_clv_get_param(c, "a", &v);
    printf(" a %.4f", v);
    iv_clv_get_param(c, "b", &v);
    printf(" b %.4f\n", v);
    iv_clv_free(c);
    free(bx);
    free(btx);
    free(bT);
    return cov_bench(100000, IV_CLV_PARETO) || cov_bench(100000, IV_CLV_BGNBD);
}
