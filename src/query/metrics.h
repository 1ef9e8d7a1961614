/* Internal: the mergeable per-group accumulator behind every metric of doc/METRICS.md §Group metrics, and the
 * metrics computed from it. Used by queries and by summaries (which serialise it). */
#ifndef IV_SRC_METRICS_H
#define IV_SRC_METRICS_H

#include "core.h"
#include "exact.h"

/* Everything a group's metrics need. Counts and fixed-point sums only: merging two
 * accumulators is exact, associative and commutative. */
typedef struct iv__gacc {
    uint64_t n, contacts, desired, outcome_given, rv_forward, rv_backward, cost_assumed;
    uint64_t rv_unscored; /* rows with no rv of their own whose type the model does not know */
    uint64_t nps_n, nps_promoters, nps_detractors, csat_n, csat_satisfied, ces_n, ces_easy;
    iv__i128 cost, value, quality, rv, csat_sum, ces_sum;
} iv__gacc;

/* The metric names of doc/METRICS.md §Group metrics, in output order. */
#define IV__NMETRICS 23
extern const char *const iv__metric_names[IV__NMETRICS];
/* 1 for the integer metrics (n, contacts, rv_forward, rv_backward, cost_assumed,
 * rv_unscored). */
int iv__metric_is_int(int m);
/* Index of a metric name, -1 when unknown. */
int iv__metric_index(const char *name);

/* The survey part of an interaction (survey: IV_SURVEY_*; score not NaN). */
void iv__gacc_add_survey(iv__gacc *g, int survey, double score);
/* One interaction into an accumulator (contacts are counted by the caller). */
void iv__gacc_add(iv__gacc *g, double cost, int cost_assumed, double value, double quality,
                  int outcome, double rv, int survey, double score);
/* Count a row whose type the model does not score (doc/METRICS.md `rv_unscored`): call it
 * for a row with no rv of its own whose type the model does not know. */
static inline void iv__gacc_unscored(iv__gacc *g, int unscored)
{
    g->rv_unscored += unscored != 0;
}
/* The same with the money, quality and RV terms already in fixed point (the query
 * engine precomputes them per channel, outcome and type). Inline: it runs per row. */
static inline void iv__gacc_add_fix(iv__gacc *g, iv__i128 cost, int cost_assumed, iv__i128 value,
                                    iv__i128 quality, int outcome, double rv, iv__i128 rv_fix,
                                    int survey, double score)
{
    g->n++;
    g->cost += cost;
    g->cost_assumed += cost_assumed != 0;
    g->value += value;
    g->quality += quality;
    if (outcome) {
        g->outcome_given++;
        g->desired += outcome == 1; /* IV_OUTCOME_DESIRED */
    }
    g->rv += rv_fix;
    g->rv_forward += rv > 0;
    g->rv_backward += rv < 0;
    if (survey != 0 && score == score)
        iv__gacc_add_survey(g, survey, score);
}

/* g += h */
void iv__gacc_merge(iv__gacc *g, const iv__gacc *h);
/* The metrics in iv__metric_names order; undefined ones are NaN. */
void iv__gacc_finish(const iv__gacc *g, double out[IV__NMETRICS]);

#endif
