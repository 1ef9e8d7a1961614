/* Internal: partials, the mergeable summaries of the analyses beyond grouped metrics
 * (partial.c: the container, merge and byte format; partial_lc.c and partial_funnel.c:
 * what each analysis puts in and reads back; partial_api.c: the entry points by kind). doc/SUMMARIES.md describes the format and what is exact.
 *
 * A partial is a set of groups (label vectors, sorted as the analyses sort groups:
 * byte order, undefined last), each holding a sparse map (slot, k0..k3) -> int64 whose
 * meaning the kind defines (counts per period, step-function deltas, counts per value).
 * Merging adds maps entry by entry: exact, associative and commutative, and the sorted,
 * zero-free maps make equal partials give equal bytes. What the analysis needs from the
 * whole store (its first and last timestamps) is kept beside the groups and combined
 * with min / max at merge, so the result is resolved only when asked for. */
#ifndef IV_SRC_PARTIAL_H
#define IV_SRC_PARTIAL_H

#include "iv/summary.h"
#include "core.h"
#include "lifecycle.h"

#define IV__PPAR 16 /* kind-specific parameters */

typedef struct iv__pent {
    uint32_t slot;
    int64_t k[4];
    int64_t v;
} iv__pent;

/* A map under construction or finished (finished: sorted by (slot, k), no duplicate
 * keys, no zero value). */
typedef struct iv__pmap {
    iv__pent *e;
    size_t n, cap, done; /* done: entries [0, done) are finished */
} iv__pmap;

typedef struct iv__pgroup {
    char **lab; /* nk labels, NULL = undefined */
    iv__pmap m;
} iv__pgroup;

struct iv_partial {
    iv__alloc a;
    uint32_t kind;            /* an iv_partial_kind */
    int64_t par[IV__PPAR];    /* kind-specific scope parameters */
    uint64_t where_fp, model_fp;
    char *text;               /* kind-specific scope text (NUL-terminated, may be "") */
    size_t nk;
    char **dims;              /* the group columns' names */
    uint64_t nrows;           /* rows of the stores (all rows, selected or not) */
    int64_t ts_min, ts_max;   /* their first and last timestamps (IV_TIME_NONE: no row) */
    iv__pgroup *g;
    size_t n, cap;
};

void iv__pmap_free(const iv__alloc *a, iv__pmap *m);
/* Add v at (slot, k0..k3); entries are combined lazily. IV_OK or IV_ENOMEM. */
int iv__pmap_add(const iv__alloc *a, iv__pmap *m, uint32_t slot, int64_t k0, int64_t k1, int64_t k2,
                 int64_t k3, int64_t v);
/* Sort and combine: afterwards the map is finished. IV_OK or IV_ERANGE (overflow). */
int iv__pmap_finish(iv__pmap *m);
/* The value at (slot, k0..k3) of a finished map (0 when absent). */
int64_t iv__pmap_get(const iv__pmap *m, uint32_t slot, int64_t k0, int64_t k1, int64_t k2, int64_t k3);
/* The first entry of a finished map at or after (slot, k0..k3); m->n when none. */
size_t iv__pmap_seek(const iv__pmap *m, uint32_t slot, int64_t k0, int64_t k1, int64_t k2, int64_t k3);

/* A double's IEEE 754 bit pattern as a map key, and back. */
int64_t iv__pbits(double v);
double iv__pdouble(int64_t b);

/* A new partial of a kind with the scope of a lifecycle walk (dims from L->ks, where and
 * model fingerprints, the store's rows and time range); NULL on ENOMEM (error set). */
iv_partial *iv__partial_new(const iv__alloc *a, uint32_t kind);
int iv__partial_scope(iv_partial *P, const iv__lc *L, const iv_query_options *q, const iv_store *s);
/* Replace the group columns' names. */
int iv__partial_set_dims(iv_partial *P, const char *const *names, size_t nk);
/* Add a group with these labels (nk of them, NULL = undefined), taking over the map
 * *m (left empty); a group already present gets the map added. */
int iv__partial_put(iv_partial *P, const char *const *lab, iv__pmap *m);
/* Refuse group dimensions whose labels would be contact or interaction ids. */
int iv__partial_no_ids(const iv__lc *L);

/* Parse serialised bytes into a partial (header, CRC and the generic structure; the
 * kind's own entries are checked by the caller). */
int iv__partial_parse_bytes(iv_partial **out, const void *bytes, size_t len, const iv_summary_options *opts);

#endif
