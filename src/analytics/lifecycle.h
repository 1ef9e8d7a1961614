/* Internal: the walk shared by churn, cohorts and funnels (lifecycle.c, funnel.c).
 *
 * Every lifecycle analysis (doc/LIFECYCLE.md) looks at one contact's history at a time. With `by`
 * dimensions, a contact's selected interactions are split by group and each group's
 * interactions alone form the contact's history within that group. iv__lc_walk calls
 * the analysis once per (group, contact) with that history's rows in time order. */
#ifndef IV_SRC_LIFECYCLE_H
#define IV_SRC_LIFECYCLE_H

#include "iv/lifecycle.h"
#include "group.h"

typedef struct iv__lc {
    iv__ctx c;            /* the selection and model, over the whole time line */
    int64_t from, to;     /* the query's time range (IV_TIME_NONE: unbounded) */
    iv__keyer *ks;        /* the group dimensions (query.c) */
    size_t nk;
    iv__groups G;         /* after the walk: the groups sorted by key; G.g[i].ord is the
                             index the analysis saw */
    uint32_t *rows;       /* scratch for one contact: its selected rows */
    uint32_t *run;        /* scratch: the rows of one group */
    uint64_t *pairs;      /* scratch: (group << 32 | position) */
    size_t scap;          /* entries in each scratch array */
    size_t nbuf;          /* rows of the current contact buffered */
    uint32_t contact;     /* the current contact */
    int (*fn)(struct iv__lc *, size_t, uint32_t, const uint32_t *, size_t, void *);
    void *payload;
} iv__lc;

/* Set up: the query context (selection, model; contact attributes when a contact-level
 * dimension is asked for) without the time range, which is kept in from/to; the group
 * dimensions. */
int iv__lc_init(iv__lc *L, const iv_store *s, const iv_query_options *q);
void iv__lc_free(iv__lc *L);

/* Called once per (group, contact): rows[0..n) of that contact in that group, in time
 * order (ties in ingestion order); group is the group's creation index (G.g[i].ord
 * after the walk), < L->G.n. Return non-zero to stop with that status. The walk runs
 * the grouping of query.c (iv__group_run) and leaves the sorted groups in L->G. */
typedef int (*iv__lc_fn)(iv__lc *L, size_t group, uint32_t contact, const uint32_t *rows,
                         size_t n, void *payload);
int iv__lc_walk(iv__lc *L, iv__lc_fn fn, void *payload);

/* Whether ts falls in the query's time range [from, to). */
static inline int iv__lc_in_range(const iv__lc *L, int64_t ts)
{
    return (L->from == IV_TIME_NONE || ts >= L->from) && (L->to == IV_TIME_NONE || ts < L->to);
}

/* Make sure the per-group array *arr (of *cap elements of esz bytes) covers every group
 * so far, zero-filling new elements. IV_OK or IV_ENOMEM (error set). */
int iv__lc_cover(iv__lc *L, void **arr, size_t *cap, size_t esz);

/* A table whose first columns are the group dimensions (strings), then cols[0..n). */
int iv__lc_table(iv__lc *L, iv_table **out, const char *const *cols, const int *types, size_t n);
/* Append a row and fill its key cells with the labels of sorted group i (L->G.g[i]);
 * returns the row or -1 (ENOMEM). */
long iv__lc_row(iv__lc *L, iv_table *t, size_t i);

/* Copy the caller's lifecycle options over the defaults (checking size, trailing zero
 * bytes and the enum fields). */
int iv__lc_options(iv_lifecycle_options *dst, const iv_lifecycle_options *src);

/* A set of type names, "a|b" or "a,b" (spaces around names ignored), as a flag per type
 * code of the store: *set (allocated with L's allocator, L->c.s->type.pool.count
 * entries, at least 1). An empty name is IV_EPARSE naming `what` and the position. */
int iv__lc_typeset(iv__lc *L, const char *text, const char *what, uint8_t **set);
void iv__lc_typeset_free(iv__lc *L, uint8_t *set);
static inline int iv__lc_is(const iv__lc *L, const uint8_t *set, uint32_t row)
{
    return set[iv__codes_get(&L->c.s->type.codes, row)];
}

/* Split a `by` list into its time buckets (day, week, month, quarter, year) and the
 * rest. *rest (allocated, NULL when nothing is left) holds the other names joined by
 * ','; kinds[i] is the kind of the i-th name of by (IV__DIM_DAY..YEAR for buckets, any
 * other kind for the rest); *n the number of names (at most IV_MAX_DIMS). Unknown names
 * are left to the keyers (kind IV__DIM_CUSTOM). */
int iv__lc_split_by(const iv_store *s, const iv__alloc *a, const char *by, char **rest,
                    iv__dimkind *kinds, char (*names)[64], size_t *n);
static inline int iv__lc_is_bucket(iv__dimkind k)
{
    return k == IV__DIM_DAY || k == IV__DIM_WEEK || k == IV__DIM_MONTH || k == IV__DIM_QUARTER ||
           k == IV__DIM_YEAR;
}
/* IV_EINVAL when `by` names a time bucket: "<what>: grouping by a time bucket ('month')
 * <hint>". */
int iv__lc_no_bucket(const iv_store *s, const iv_query_options *q, const char *what, const char *hint);

/* Active at t (doc/LIFECYCLE.md): one of rows[0..n) (time order) in (t - W, t] and the latest
 * at or before t not churn-flagged. */
int iv__lc_active(const iv__lc *L, const uint32_t *rows, size_t n, int64_t t, int64_t W);
/* The same for a series of times t, mostly ascending: *pos (start at 0) keeps the count of
 * rows at or before the previous t, so the next search starts there (a galloping search:
 * O(log gap) rows read) instead of at the beginning; a t before the previous one searches
 * from the start. */
int iv__lc_active_next(const iv__lc *L, const uint32_t *rows, size_t n, int64_t t, int64_t W,
                       size_t *pos);
/* The activity window in ms: the option, else the model's activity_window_days. */
int64_t iv__lc_window(const iv__lc *L, const iv_lifecycle_options *o);

/* Calendar periods (iv_cohort_period values): the period number of a UTC day, the first
 * UTC day of period p, and its label (>= 16 bytes). */
int64_t iv__lc_period_of(int period, int64_t day);
int64_t iv__lc_period_start(int period, int64_t p);

/* The calendar periods of the days [day0, day0 + n) in a table: idx[d - day0] is the
 * period of day d less p0, start[i] the first day of period p0 + i (i <= np; start[np]
 * one past the last). Built once per analysis over the store's days, so that a walk
 * turns a day into its period by two loads instead of the calendar arithmetic
 * (iv__civil_from_days, iv__days_from_civil: ~40 % of the cohorts' walk on a 2.4M-row
 * log, doc/PERFORMANCE.md). n = 0: no table (a day or week period, whose arithmetic is
 * cheap, or a range of more than IV__LC_DAYS_MAX days). */
#define IV__LC_DAYS_MAX (1u << 20)
typedef struct iv__lc_days {
    int64_t day0, p0;
    size_t n, np;
    uint32_t *idx;  /* n entries, then start's room in the same block */
    int64_t *start; /* np + 1 entries */
} iv__lc_days;

/* The table of `period` over the days first..last (zeroed when there is none to build).
 * IV_OK or IV_ENOMEM (nothing held). */
int iv__lc_days_build(iv__lc_days *t, const iv__alloc *a, int period, int64_t first,
                      int64_t last);
void iv__lc_days_free(iv__lc_days *t, const iv__alloc *a);

/* iv__lc_period_of for days that mostly repeat their period (a history in time order):
 * period p is the days [lo, hi) = [iv__lc_period_start(p), iv__lc_period_start(p + 1)),
 * so a day in the last one found needs no calendar arithmetic, and another day inside
 * the table tab (may be NULL) is looked up. Start with lo > hi. */
typedef struct iv__lc_pcache {
    int period;
    int64_t lo, hi, p;
    const iv__lc_days *tab;
} iv__lc_pcache;
static inline iv__lc_pcache iv__lc_pcache_with(int period, const iv__lc_days *tab)
{
    iv__lc_pcache pc = {period, 1, 0, 0, tab && tab->n ? tab : NULL};
    return pc;
}
static inline int64_t iv__lc_period_cached(iv__lc_pcache *pc, int64_t day)
{
    if (day < pc->lo || day >= pc->hi) {
        const iv__lc_days *t = pc->tab;
        if (t && (uint64_t)day - (uint64_t)t->day0 < t->n) {
            uint32_t i = t->idx[(uint64_t)day - (uint64_t)t->day0];
            pc->p = t->p0 + (int64_t)i;
            pc->lo = t->start[i];
            pc->hi = t->start[i + 1];
        } else {
            pc->p = iv__lc_period_of(pc->period, day);
            pc->lo = iv__lc_period_start(pc->period, pc->p);
            pc->hi = iv__lc_period_start(pc->period, pc->p + 1);
        }
    }
    return pc->p;
}
void iv__lc_period_label(int period, int64_t p, char *buf, size_t cap);

#endif
