/* Internal: the query context shared by the selection language, the contact attributes
 * and the grouped metrics (and by lifecycle, pattern, maturity and summary code that
 * walks the same selections). */
#ifndef IV_SRC_QUERY_H
#define IV_SRC_QUERY_H

#include "core.h"
#include "exact.h"
#include "iv/query.h"
#include "metrics.h"
#include "model.h"
#include "store.h"

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

enum { IV__ROLE_NONE = 0, IV__ROLE_WATCHER = 1, IV__ROLE_DOER = 2, IV__ROLE_LEADER = 3 };
enum { IV__TIER_NONE = 0, IV__TIER_POOR = 1, IV__TIER_NORMAL = 2, IV__TIER_HIGH = 3 };
const char *iv__role_name(int role);  /* "watcher", ... ; NULL for NONE */
const char *iv__tier_name(int tier);  /* "poor", "normal", "high"; NULL for NONE */

/* Running state of RV units along one contact's history (rv_repeat, daily caps). */
typedef struct iv__rvstate {
    uint32_t *count;      /* per type code: occurrences so far */
    int64_t *cap_day;     /* per type code: UTC day of cap_used */
    double *cap_used;     /* per type code: positive units counted that day */
    uint32_t *touched;    /* type codes to reset at the next contact */
    size_t ntouched;
} iv__rvstate;

typedef struct iv__sel iv__sel;  /* a compiled selection expression (select.c) */

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

/* Set up a context from public options (validates them; compiles the where expression,
 * computing contact attributes first when the expression needs them). */
int iv__ctx_init(iv__ctx *c, const iv_store *s, const iv_query_options *o);
void iv__ctx_free(iv__ctx *c);
/* Compute the contact attributes (idempotent). */
int iv__ctx_contacts(iv__ctx *c);

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

/* Selection (select.c). */
int iv__sel_compile(iv__sel **out, iv__ctx *c, const char *expr);
void iv__sel_free(iv__sel *sel, const iv__alloc *a);
int iv__sel_needs_contacts(const iv__sel *sel);
int iv__sel_row(const iv__sel *sel, const iv__ctx *c, size_t row);

/* Group keys (query.c): a dimension by name. */
typedef enum iv__dimkind {
    IV__DIM_CHANNEL, IV__DIM_TYPE, IV__DIM_TEAM, IV__DIM_CUSTOM, IV__DIM_STAGE, IV__DIM_AREA,
    IV__DIM_DIRECTION, IV__DIM_OUTCOME, IV__DIM_CONTACT, IV__DIM_ID, IV__DIM_PROFIT_TIER,
    IV__DIM_ROLE, IV__DIM_CONTACT_STAGE, IV__DIM_DAY, IV__DIM_WEEK, IV__DIM_MONTH,
    IV__DIM_QUARTER, IV__DIM_YEAR
} iv__dimkind;
/* Resolve a dimension name (case-insensitive); returns 0 and fills kind (and the custom
 * dimension index) or -1 when unknown. */
int iv__dim_lookup(const iv_store *s, const char *name, size_t n, iv__dimkind *kind, int *custom);
int iv__dim_is_contact_level(iv__dimkind k);

/* Time bucket label of a timestamp for a bucket kind (DAY..YEAR) into buf (>= 16 bytes). */
void iv__bucket_label(iv__dimkind k, int64_t ts, char *buf, size_t cap);

/* Grouping (query.c), shared with summaries. A keyer turns a row into the code of one
 * group dimension; a group's key is the mixed-radix composite of its codes. */
typedef struct iv__keyer {
    iv__dimkind kind;
    int custom;
    char name[64];
    size_t card;            /* codes 0..card-1; 0 = undefined */
    int64_t day0;           /* buckets */
    uint32_t *daycode;      /* buckets: per day, 1 + label ordinal */
    size_t ndays;
    char (*labels)[16];     /* buckets: label of code k at labels[k-1] */
    size_t nlabels;
} iv__keyer;

/* Parse the comma-separated `by` list into keyers (computing contact attributes when a
 * contact-level dimension is asked for). */
int iv__keyers_make(iv__ctx *c, const char *by, iv__keyer **out, size_t *nout);
void iv__keyers_free(iv__keyer *ks, size_t n, const iv__alloc *a);
/* Label of a code; NULL for undefined. */
const char *iv__key_label(const iv__keyer *k, const iv__ctx *c, uint32_t code);
/* Split a composite key into its nk codes. */
void iv__key_codes(const iv__keyer *ks, size_t nk, uint64_t key, uint32_t *codes);

typedef struct iv__group {
    uint64_t key;           /* mixed-radix composite of the codes */
    uint32_t last_contact;
    uint32_t ord;           /* creation order (the index a hook saw) */
    iv__gacc acc;
} iv__group;

typedef struct iv__groups {
    iv__group *g;
    size_t n, cap;
    uint32_t *dense;        /* composite key -> group index + 1 (when the key space is small) */
    size_t ndense;
    uint64_t *hkeys;        /* hash map: key -> index (open addressing), when not dense */
    uint32_t *hvals;
    size_t nslots;
} iv__groups;

/* Called for every selected row after it was added to group `group` (its creation
 * index, iv__group.ord): contact id, row, RV units u_i and cost c_i. Rows come contact
 * by contact, each contact's rows in time order. Non-zero stops the run with that code. */
typedef int (*iv__group_hook)(void *payload, const iv__ctx *c, size_t group, uint32_t contact,
                              size_t row, double u, double cost);
/* Group the selected rows: G receives the groups sorted by key labels (byte order,
 * undefined last). hook may be NULL. */
int iv__group_run(iv__ctx *c, const iv__keyer *ks, size_t nk, iv__groups *G,
                  iv__group_hook hook, void *hook_payload);
void iv__groups_free(iv__groups *G, const iv__alloc *a);

#endif
