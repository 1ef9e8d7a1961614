/* Internal: scoring-model lookups for the query engine (doc/MODEL.md, doc/METRICS.md).
 *
 * Look a type or channel up once per distinct name in a query (binary search over the
 * model's sorted table, O(log n)), then use the filled info per row. Names are matched
 * byte for byte (case-sensitively); the built-in names are lower-case. Every
 * iv__model_* function also accepts m = NULL, meaning the built-in default. */
#ifndef IV_SRC_MODEL_H
#define IV_SRC_MODEL_H

#include "core.h"
#include "iv/model.h"

typedef struct iv__type_info {
    int known;            /* 1 when the model has the type (unknown: rv 0, no stage, watch, no flags) */
    double rv;            /* RV units of a non-survey type */
    int survey;           /* IV_SURVEY_* */
    double rv_band[3];    /* survey types: [0] low band, [1] mid band, [2] high band */
    int stage;            /* iv_stage default, IV_STAGE_NONE for unknown */
    int cls;              /* iv_class */
    unsigned flags;       /* iv_flag bits */
    double rv_repeat;     /* multiplier per earlier occurrence (default 1) */
    double rv_daily_cap;  /* NaN = none */
} iv__type_info;

typedef struct iv__channel_info {
    int known;            /* 1 when the model has the channel */
    double cost;          /* the channel's cost, or the model's default_cost when unknown */
    int digital;          /* 0/1 */
    int area;             /* iv_area (unknown channel: IV_AREA_CHANNELS) */
} iv__channel_info;

/* Fill *out for the type named by the n bytes at type (unknown: known = 0, rv 0,
 * survey NONE, stage NONE, class WATCH, flags 0, rv_repeat 1, no cap). */
void iv__model_type(const iv_model *m, const char *type, size_t n, iv__type_info *out);
/* Fill *out for the channel named by the n bytes at ch (unknown: known = 0,
 * cost = default_cost, not digital, area CHANNELS). A known channel without a cost of
 * its own also reports default_cost. */
void iv__model_channel(const iv_model *m, const char *ch, size_t n, iv__channel_info *out);
/* Survey RV of one answer: band by the bands of doc/MODEL.md (nps 9-10 high, 7-8 mid, 0-6 low; csat 4-5 /
   3 / 1-2; ces 5-7 / 4 / 1-3). Precisely: high when score >= 9 / 4 / 5, low when
   score <= 6 / 2 / 3, mid otherwise (the same cuts as the nps, csat and ces metrics).
   A non-survey type, or a NaN score, gives ti->rv. */
double iv__model_survey_rv(const iv__type_info *ti, double score);
double iv__model_outcome_factor(const iv_model *m, int outcome);  /* NONE counts as neutral */
double iv__model_default_cost(const iv_model *m);
double iv__model_half_life_days(const iv_model *m);   /* NaN = none */
double iv__model_activity_window_days(const iv_model *m);
int iv__model_profit_thresholds(const iv_model *m, double *high, double *poor); /* 1 if user-set */
const iv_model *iv__model_default(void);  /* a static, immutable built-in default (no allocation),
                                              used when a query passes model = NULL */

#endif
