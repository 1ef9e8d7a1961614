/* Simulated BTYD customers with covariates (tests/test_clv_cov.c, tests/perf/bench_clv.c):
 * a splitmix64 generator, gamma variates (Marsaglia & Tsang 2000), and the Pareto/NBD and
 * BG/NBD purchase processes of doc/CLV.md with customer-specific rate parameters. */
#ifndef IV_TESTS_CLV_SIM_H
#define IV_TESTS_CLV_SIM_H

#include <math.h>
#include <stdint.h>

typedef struct sim_rng {
    uint64_t s;
} sim_rng;

static inline uint64_t sim_next(sim_rng *g)
{
    uint64_t z = (g->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* uniform on (0, 1) */
static inline double sim_unif(sim_rng *g)
{
    return ((double)(sim_next(g) >> 11) + 0.5) * 0x1.0p-53;
}

static inline double sim_norm(sim_rng *g)
{
    return sqrt(-2 * log(sim_unif(g))) * cos(6.283185307179586 * sim_unif(g));
}

/* Gamma(shape, rate) */
static inline double sim_gamma(sim_rng *g, double shape, double rate)
{
    double d, c, x, v, u;
    if (shape < 1) /* Gamma(shape) = Gamma(shape + 1) U^(1/shape) */
        return sim_gamma(g, shape + 1, rate) * pow(sim_unif(g), 1 / shape);
    d = shape - 1.0 / 3;
    c = 1 / sqrt(9 * d);
    for (;;) {
        do {
            x = sim_norm(g);
            v = 1 + c * x;
        } while (v <= 0);
        v = v * v * v;
        u = sim_unif(g);
        if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
            return d * v / rate;
    }
}

/* Pareto/NBD: lambda ~ Gamma(r, alpha), mu ~ Gamma(s, beta), lifetime ~ Exp(mu), purchases
 * Poisson(lambda) while alive; x repeat purchases in (0, T], the last at t_x (0 if none). */
static inline void sim_pareto(sim_rng *g, double r, double alpha, double s, double beta,
                              double T, double *x, double *tx)
{
    double lam = sim_gamma(g, r, alpha), mu = sim_gamma(g, s, beta);
    double end = -log(sim_unif(g)) / mu, t = 0;
    if (end > T)
        end = T;
    *x = *tx = 0;
    for (;;) {
        t += -log(sim_unif(g)) / lam;
        if (t > end)
            break;
        *x += 1;
        *tx = t;
    }
}

/* BG/NBD: lambda ~ Gamma(r, alpha), p ~ Beta(a, b); after each repeat purchase the
 * customer drops out with probability p. */
static inline void sim_bgnbd(sim_rng *g, double r, double alpha, double a, double b, double T,
                             double *x, double *tx)
{
    double lam = sim_gamma(g, r, alpha), ga = sim_gamma(g, a, 1), gb = sim_gamma(g, b, 1);
    double p = ga / (ga + gb), t = 0;
    *x = *tx = 0;
    for (;;) {
        t += -log(sim_unif(g)) / lam;
        if (t > T)
            break;
        *x += 1;
        *tx = t;
        if (sim_unif(g) < p)
            break;
    }
}

#endif
