/* Internal: the walk shared by churn, cohorts and funnels (lifecycle.c, funnel.c).
 *
 * Every analysis of SPEC 3.4 looks at one contact's history at a time. With `by`
 * dimensions, a contact's selected interactions are split by group and each group's
 * interactions alone form the contact's history within that group. iv__lc_walk calls
 * the analysis once per (group, contact) with that history's rows in time order. */
#ifndef IV_SRC_LIFECYCLE_H
#define IV_SRC_LIFECYCLE_H

#include "iv/lifecycle.h"
#include "query.h"

/* A group dimension: its kind and its column name. */
typedef struct iv__lcdim {
    iv__dimkind kind;
    int custom;
    char name[64];
} iv__lcdim;

typedef struct iv__lc {
    iv__ctx c;
    iv__lcdim *dims;
    size_t nk;
    uint64_t *keys;       /* keys[g * nk + i]: group g's code on dimension i (0 = undefined) */
    size_t ng, kcap;      /* groups; capacity of keys in groups */
    uint32_t *slots;      /* hash of the key tuples: group index + 1, 0 = empty */
    size_t nslots;
    uint32_t *order;      /* after iv__lc_sort: the groups in key order */
    uint32_t *rows;       /* scratch for one contact: its selected rows */
    uint32_t *run;        /* scratch: the rows of one group */
    uint64_t *pairs;      /* scratch: (group << 32 | position) */
    size_t scap;          /* entries in each scratch array */
} iv__lc;

/* Set up: the query context (selection, model; contact attributes when a contact-level
 * dimension is asked for), the group dimensions. With no dimension, group 0 exists. */
int iv__lc_init(iv__lc *L, const iv_store *s, const iv_query_options *q);
void iv__lc_free(iv__lc *L);

/* Called once per (group, contact): rows[0..n) of that contact in that group, in time
 * order (ties in ingestion order). Return non-zero to stop with that status. */
typedef int (*iv__lc_fn)(iv__lc *L, size_t group, uint32_t contact, const uint32_t *rows,
                         size_t n, void *payload);
int iv__lc_walk(iv__lc *L, iv__lc_fn fn, void *payload);

/* Make sure the per-group array *arr (of *cap elements of esz bytes) covers every group
 * so far, zero-filling new elements. IV_OK or IV_ENOMEM (error set). */
int iv__lc_cover(iv__lc *L, void **arr, size_t *cap, size_t esz);

/* Sort the groups by their key labels (byte order, undefined last) into L->order. */
int iv__lc_sort(iv__lc *L);

/* A table whose first columns are the group dimensions (strings), then cols[0..n). */
int iv__lc_table(iv__lc *L, iv_table **out, const char *const *cols, const int *types, size_t n);
/* Append a row and fill its key cells with group g's labels; returns the row or -1 (ENOMEM). */
long iv__lc_row(iv__lc *L, iv_table *t, size_t g);

/* Copy the caller's lifecycle options over the defaults (checking size, trailing zero
 * bytes and the enum fields). */
int iv__lc_options(iv_lifecycle_options *dst, const iv_lifecycle_options *src);

/* UTC day number of a time (floor). */
int64_t iv__lc_day(int64_t ts);

#endif
