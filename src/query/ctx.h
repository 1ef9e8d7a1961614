/* Internal: the evaluation context of a query: the store and the model's lookups per
 * type and channel, the time range, a row's cost and effective stage and area, RV units
 * along each contact's history, and the per-contact attributes. Implemented in ctx.c; the
 * selection (select.h) and grouping (group.h) build on it. */
#ifndef IV_SRC_CTX_H
#define IV_SRC_CTX_H

#include "core.h"
#include "dim.h"
#include "exact.h"
#include "iv/query.h"
#include "model.h"
#include "store.h"

/* The size of the first layout of iv_query_options (without `threads`): callers built
 * against it keep working; fields they do not have take their defaults. */
#define IV__QUERY_OPTIONS_MIN offsetof(iv_query_options, threads)

/* Per-contact attributes over the rows of the time range (doc/METRICS.md §Contacts and subsets). */
typedef struct iv__cattr {
    int64_t first, last;  /* IV_TIME_NONE when the contact has no row in range */
    uint32_t n;
    double cost, value, rv, profit;
    uint8_t stage;        /* effective stage of the latest row in range */
    uint8_t flags;        /* iv_flag bits */
    uint8_t role;         /* IV__ROLE_* */
    uint8_t tier;         /* IV__TIER_* */
} iv__cattr;

/* Running state of RV units along one contact's history (rv_repeat, daily caps). */
typedef struct iv__rvstate {
    uint32_t *count;      /* per type code: occurrences so far */
    int64_t *cap_day;     /* per type code: UTC day of cap_used */
    double *cap_used;     /* per type code: positive units counted that day */
    uint32_t *touched;    /* type codes to reset at the next contact */
    size_t ntouched;
} iv__rvstate;

typedef struct iv__sel iv__sel;  /* a compiled selection expression (select.h) */

typedef struct iv__ctx {
    const iv_store *s;
    const iv_model *m;
    iv__alloc a;
    int64_t from, to, t_ref;   /* from/to: IV_TIME_NONE unbounded */
    iv__type_info *ti;         /* per type code */
    uint8_t *type_stage;       /* per type code: default stage */
    iv__channel_info *ci;      /* per channel code */
    double qf[4];              /* outcome factor per iv_outcome */
    iv__i128 qfix[4];          /* the same in fixed point */
    iv__i128 *cost_fix;        /* per channel code: the model's cost in fixed point */
    double half_life_ms;       /* NaN: none */
    int stateful;              /* some type has rv_repeat != 1 or a daily cap */
    iv__rvstate rs;
    iv__cattr *cat;            /* per contact id (NULL until iv__ctx_contacts) */
    iv__sel *sel;              /* NULL: everything in range */
    iv_progress_fn progress;
    void *payload;
    unsigned threads;          /* worker threads for grouping (0/1: none) */
} iv__ctx;

/* Set up a context from public options (validates them); the where expression is not
 * compiled here: iv__ctx_init() of select.h does both. On failure nothing is held. */
int iv__ctx_setup(iv__ctx *c, const iv_store *s, const iv_query_options *o);
/* Free what iv__ctx_setup() and iv__ctx_contacts() allocated (not c->sel). */
void iv__ctx_release(iv__ctx *c);
/* Compute the contact attributes (idempotent). */
int iv__ctx_contacts(iv__ctx *c);

/* The progress callback every 65,536 steps; IV_ECANCELED when it asks to stop. */
static inline int iv__ctx_tick(const iv__ctx *c, size_t done, size_t total)
{
    if (c->progress && (done & 0xffff) == 0 && c->progress(done, total, c->payload))
        return iv__error(IV_ECANCELED, "query canceled by the progress callback");
    return IV_OK;
}

/* Row helpers. */
static inline int iv__ctx_in_range(const iv__ctx *c, int64_t ts)
{
    return (c->from == IV_TIME_NONE || ts >= c->from) && (c->to == IV_TIME_NONE || ts < c->to);
}
/* c_i; *assumed set to 1 when it came from the model. */
double iv__ctx_cost(const iv__ctx *c, size_t row, int *assumed);
/* Effective stage / area of a row. */
int iv__ctx_stage(const iv__ctx *c, size_t row);
int iv__ctx_area(const iv__ctx *c, size_t row);
/* Start a contact's history (resets the RV state). */
void iv__ctx_contact_begin(iv__ctx *c);
/* u_i of the next row of the current contact's history (call for EVERY row of the
 * contact in time order, in range or not: occurrences and caps count the whole history). */
double iv__ctx_rv(iv__ctx *c, size_t row);

#endif
