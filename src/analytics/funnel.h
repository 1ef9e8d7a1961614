/* Internal: the funnel of doc/LIFECYCLE.md as funnel.c computes it, shared with its partial
 * (partial_funnel.c): the options parsed, one contact's way through the steps, the funnel
 * groups (walk group and the entry's time-bucket labels). */
#ifndef IV_SRC_FUNNEL_H
#define IV_SRC_FUNNEL_H

#include "lifecycle.h"

typedef struct iv__dur {
    double sec;   /* seconds from the previous step (or, for the histogram, from step 1) */
    uint32_t g;   /* funnel group */
} iv__dur;

#define IV__FUNNEL_MAX_EXCL 32

/* A funnel group: the walk's group and the labels of the time buckets of the entry. */
typedef struct iv__fgroup {
    uint32_t g;
    char lab[5][16]; /* at most one of each bucket kind (day, week, month, quarter, year) */
} iv__fgroup;

typedef struct iv__funnel {
    int mode;
    int64_t W;
    size_t ns;                          /* steps */
    uint32_t *tmask;                    /* per type code: bit k = the type is in step k+1 */
    uint32_t *xmask;                    /* per type code: bit e = exclusion e has the type */
    size_t ntypes;
    size_t nx;                          /* exclusions */
    size_t xa[IV__FUNNEL_MAX_EXCL], xb[IV__FUNNEL_MAX_EXCL]; /* steps A, B (0: default) */
    char *labels;                       /* step k's types "a|b" at labels + loff[k] */
    size_t lcap, loff[IV_FUNNEL_MAX_STEPS];
    uint64_t *cnt;                      /* per funnel group: ns step counts, then support_after */
    size_t cap;
    iv__dur *dur[IV_FUNNEL_MAX_STEPS];  /* per step k >= 1 */
    size_t nd[IV_FUNNEL_MAX_STEPS], dcap[IV_FUNNEL_MAX_STEPS];
    iv__dur *comp;                      /* completers: seconds from step 1 to the last step */
    size_t ncomp, ccap;
    /* trends: the by list split into time buckets and the rest (kinds, names in order) */
    size_t nby, nbucket;
    iv__dimkind kinds[IV_MAX_DIMS];
    char names[IV_MAX_DIMS][64];
    iv__fgroup *fg;
    size_t nfg, fgcap, last;
    char *rest;                         /* the `by` names that are not time buckets */
} iv__funnel;

/* Set up F and the walk L from the store, query and (checked) options: `by` split into
 * time buckets and the rest, steps and exclusions parsed. On failure nothing is left. */
int iv__funnel_open(iv__funnel *F, iv__lc *L, const iv_store *s, const iv_query_options *q,
                    const iv_lifecycle_options *o);
void iv__funnel_close(iv__funnel *F, iv__lc *L);

/* The time-to-convert histogram's bins for the window W (ms): lo[b], hi[b] (seconds) and
 * the labels of iv_lifecycle_funnel_histogram(); returns their number (at most
 * IV__FUNNEL_NBINS). A completion time s falls in bin b when lo[b] <= s < hi[b], the last
 * bin including its end. */
#define IV__FUNNEL_NBINS 8
size_t iv__funnel_hist_bins(int64_t Wms, double *lo, double *hi, char (*label)[48]);
/* One contact's history in one group: 0 when it does not enter (no entry, entry outside
 * the query's range, or excluded); else the steps reached d, their times tt[0..d), and
 * *support = 1 when it completed and had a support-flagged interaction at most W after. */
size_t iv__funnel_eval(const iv__funnel *F, const iv__lc *L, const uint32_t *rows, size_t n, int64_t *tt,
                       int *support);
/* The funnel group of (walk group g, entry time te), created when new; -1 on ENOMEM. */
long iv__funnel_group(iv__lc *L, iv__funnel *F, size_t g, int64_t te);
/* Label of funnel group f's c-th `by` column (NULL: undefined); inv maps a walk group's
 * creation index to its sorted index. */
const char *iv__fg_label(iv__lc *L, const iv__funnel *F, const uint32_t *inv, size_t f, size_t c);

#endif
