/* Internal: grouping (group.c), shared with summaries and the lifecycle analyses: keyers
 * that turn a row into the code of one group dimension, groups keyed by the mixed-radix
 * composite of their codes, and the grouped run over the selected rows (on threads when
 * the context asks for them). */
#ifndef IV_SRC_GROUP_H
#define IV_SRC_GROUP_H

#include "metrics.h"
#include "select.h"
#include "timefmt.h"

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
/* The code of row `row` for keyer k. */
static inline uint32_t iv__key_code(const iv__keyer *k, const iv__ctx *c, size_t row)
{
    const iv_store *s = c->s;
    switch (k->kind) {
    case IV__DIM_CHANNEL: return iv__codes_get(&s->channel.codes, row);
    case IV__DIM_TYPE: return iv__codes_get(&s->type.codes, row);
    case IV__DIM_TEAM: return iv__codes_get(&s->team.codes, row);
    case IV__DIM_CUSTOM: return iv__codes_get(&s->dims[k->custom].codes, row);
    case IV__DIM_CONTACT: return s->contact[row];
    case IV__DIM_ID: return s->id ? s->id[row] : 0;
    case IV__DIM_STAGE: return (uint32_t)iv__ctx_stage(c, row);
    case IV__DIM_AREA: return (uint32_t)iv__ctx_area(c, row);
    case IV__DIM_DIRECTION: return IV__EN_DIR(s->enums[row]);
    case IV__DIM_OUTCOME: return IV__EN_OUTCOME(s->enums[row]);
    case IV__DIM_PROFIT_TIER: return c->cat[s->contact[row]].tier;
    case IV__DIM_ROLE: return c->cat[s->contact[row]].role;
    case IV__DIM_CONTACT_STAGE: return c->cat[s->contact[row]].stage;
    default: return k->daycode[iv__day_of_ms(s->ts[row]) - k->day0];
    }
}

/* The composite key of a row. */
static inline uint64_t iv__row_key(const iv__keyer *ks, size_t nk, const iv__ctx *c, size_t row)
{
    uint64_t key = 0;
    size_t i;
    for (i = 0; i < nk; i++)
        key = key * ks[i].card + iv__key_code(&ks[i], c, row);
    return key;
}

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
/* iv__group_run for a hook that needs only each row's group (the lifecycle analyses): the
 * same groups in the same order, their sums left at zero, and the hook's u and cost NaN.
 * hook must not be NULL. */
int iv__group_run_keys(iv__ctx *c, const iv__keyer *ks, size_t nk, iv__groups *G,
                       iv__group_hook hook, void *hook_payload);
/* Called once per contact with rows in its history (time order, ties in ingestion order):
 * rows[0..n), a slice of the store's contact index. Non-zero stops with that status. */
typedef int (*iv__contact_hook)(void *payload, uint32_t contact, const uint32_t *rows, size_t n);
/* iv__group_run_keys without group dimensions, when no row is left out (no selection, no
 * time range) and the model is stateless: the one group (key 0, as iv__group_run_keys
 * leaves it) and each contact's rows at once, with no row read from the store. Returns 1,
 * having done nothing, when those conditions do not hold (walk with iv__group_run_keys). */
int iv__group_run_contacts(iv__ctx *c, iv__groups *G, iv__contact_hook hook, void *payload);
void iv__groups_free(iv__groups *G, const iv__alloc *a);
/* Order of two groups by their key labels (byte order, undefined last): <0, 0, >0. */
int iv__group_cmp(const iv__keyer *ks, size_t nk, const iv__ctx *c, const iv__group *a,
                  const iv__group *b);

#endif
