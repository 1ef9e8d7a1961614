/* The metrics of doc/METRICS.md §Group metrics from a group's accumulator. */
#include <math.h>

#include "iv/model.h"
#include "metrics.h"

const char *const iv__metric_names[IV__NMETRICS] = {
    "n", "contacts", "cost", "value", "cpt", "iv", "roi", "desired_rate", "rv",
    "rv_per_interaction", "cost_per_rv", "rv_forward", "rv_backward", "nps", "nps_se",
    "nps_ci_low", "nps_ci_high", "csat", "csat_mean", "ces", "ces_easy", "cost_assumed",
    "rv_unscored"};

int iv__metric_is_int(int m)
{
    static const char *const ints[] = {"n", "contacts", "rv_forward", "rv_backward", "cost_assumed",
                                       "rv_unscored"};
    size_t i;
    for (i = 0; m >= 0 && m < IV__NMETRICS && i < sizeof ints / sizeof ints[0]; i++)
        if (strcmp(iv__metric_names[m], ints[i]) == 0)
            return 1;
    return 0;
}

int iv__metric_index(const char *name)
{
    int m;
    for (m = 0; m < IV__NMETRICS; m++)
        if (strcmp(iv__metric_names[m], name) == 0)
            return m;
    return -1;
}

void iv__gacc_add(iv__gacc *g, double cost, int cost_assumed, double value, double quality,
                  int outcome, double rv, int survey, double score)
{
    iv__gacc_add_fix(g, iv__fix_of(cost), cost_assumed, iv__fix_of(value), iv__fix_of(quality),
                     outcome, rv, iv__fix_of(rv), survey, score);
}

void iv__gacc_add_survey(iv__gacc *g, int survey, double score)
{
    switch (survey) {
    case IV_SURVEY_NPS:
        /* doc/METRICS.md §Group metrics: promoters 9-10, detractors 0-6 */
        g->nps_n++;
        g->nps_promoters += score >= 9;
        g->nps_detractors += score <= 6;
        break;
    case IV_SURVEY_CSAT:
        g->csat_n++;
        g->csat_satisfied += score >= 4;
        g->csat_sum += iv__fix_of(score);
        break;
    case IV_SURVEY_CES:
        g->ces_n++;
        g->ces_easy += score >= 5;
        g->ces_sum += iv__fix_of(score);
        break;
    default: break;
    }
}

void iv__gacc_merge(iv__gacc *g, const iv__gacc *h)
{
    g->n += h->n;
    g->contacts += h->contacts;
    g->desired += h->desired;
    g->outcome_given += h->outcome_given;
    g->rv_forward += h->rv_forward;
    g->rv_backward += h->rv_backward;
    g->cost_assumed += h->cost_assumed;
    g->rv_unscored += h->rv_unscored;
    g->nps_n += h->nps_n;
    g->nps_promoters += h->nps_promoters;
    g->nps_detractors += h->nps_detractors;
    g->csat_n += h->csat_n;
    g->csat_satisfied += h->csat_satisfied;
    g->ces_n += h->ces_n;
    g->ces_easy += h->ces_easy;
    g->cost += h->cost;
    g->value += h->value;
    g->quality += h->quality;
    g->rv += h->rv;
    g->csat_sum += h->csat_sum;
    g->ces_sum += h->ces_sum;
}

static double iv__ratio(double num, double den)
{
    return den != 0 ? num / den : (double)NAN;
}

void iv__gacc_finish(const iv__gacc *g, double out[IV__NMETRICS])
{
    double n = (double)g->n, C = iv__fix_to_double(g->cost), V = iv__fix_to_double(g->value);
    double Q = iv__fix_to_double(g->quality), U = iv__fix_to_double(g->rv);
    double N = (double)g->nps_n;
    out[0] = n;
    out[1] = (double)g->contacts;
    out[2] = C;
    out[3] = V;
    out[4] = iv__ratio(C, n);                                  /* cpt */
    out[5] = C > 0 ? Q / C : (double)NAN;                      /* iv */
    out[6] = C > 0 ? (V - C) / C : (double)NAN;                /* roi */
    out[7] = iv__ratio((double)g->desired, (double)g->outcome_given);
    out[8] = U;
    out[9] = iv__ratio(U, n);                                  /* rv_per_interaction */
    out[10] = U > 0 ? C / U : (double)NAN;                     /* cost_per_rv */
    out[11] = (double)g->rv_forward;
    out[12] = (double)g->rv_backward;
    if (g->nps_n) {
        double p = (double)g->nps_promoters / N, d = (double)g->nps_detractors / N;
        out[13] = 100.0 * ((double)g->nps_promoters - (double)g->nps_detractors) / N;
        out[14] = 100.0 * sqrt((p + d - (p - d) * (p - d)) / N);
        /* nps_ci_low, nps_ci_high: the normal 95% interval, clamped to the scale */
        out[15] = fmax(-100.0, out[13] - 1.959964 * out[14]);
        out[16] = fmin(100.0, out[13] + 1.959964 * out[14]);
    } else {
        out[13] = out[14] = out[15] = out[16] = (double)NAN;
    }
    out[17] = g->csat_n ? 100.0 * (double)g->csat_satisfied / (double)g->csat_n : (double)NAN;
    out[18] = g->csat_n ? iv__fix_to_double(g->csat_sum) / (double)g->csat_n : (double)NAN;
    out[19] = g->ces_n ? iv__fix_to_double(g->ces_sum) / (double)g->ces_n : (double)NAN;
    out[20] = g->ces_n ? 100.0 * (double)g->ces_easy / (double)g->ces_n : (double)NAN;
    out[21] = (double)g->cost_assumed;
    out[22] = (double)g->rv_unscored;
}
