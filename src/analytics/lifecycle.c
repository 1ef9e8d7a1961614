/* Lifecycle metrics of doc/LIFECYCLE.md: activity, churn and retention, cohort retention; and
 * the per-(group, contact) walk they share with funnels (funnel.c).
 * Definitions and the choices made: doc/LIFECYCLE.md. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "lifecycle.h"
#include "table.h"
#include "text.h"
#include "timefmt.h"
#include "vocab.h"

/* ------------------------------------------------------------ options ---- */

IV_API int iv_lifecycle_options_init(iv_lifecycle_options *opts, size_t size)
{
    IV__OPTIONS_INIT(iv_lifecycle_options, IV_LIFECYCLE_OPTIONS_INIT, opts, size, offsetof(iv_lifecycle_options, exclude));
}

int iv__lc_options(iv_lifecycle_options *dst, const iv_lifecycle_options *src)
{
    iv_lifecycle_options def = IV_LIFECYCLE_OPTIONS_INIT;
    int rc;
    *dst = def;
    if (!src)
        return IV_OK;
    /* the first release's struct ended at `mode`; fields appended since keep their defaults */
    if ((rc = iv__check_options(src, src->size, offsetof(iv_lifecycle_options, exclude), sizeof def,
                                "iv_lifecycle_options")))
        return rc;
    memcpy(dst, src, IV__MIN(src->size, sizeof def));
    dst->size = sizeof def;
    if (dst->window < 0)
        return iv__error(IV_EINVAL, "lifecycle: window must be >= 0 (0 = the default)");
    if (dst->period < IV_PERIOD_WEEK || dst->period > IV_PERIOD_QUARTER)
        return iv__error(IV_EINVAL, "lifecycle: unknown period %d", dst->period);
    if (dst->mode < IV_FUNNEL_ORDERED || dst->mode > IV_FUNNEL_ANY)
        return iv__error(IV_EINVAL, "lifecycle: unknown funnel mode %d", dst->mode);
    if (dst->every < IV_EVERY_NONE || dst->every > IV_EVERY_QUARTER)
        return iv__error(IV_EINVAL, "lifecycle: unknown 'every' %d", dst->every);
    if (dst->path_steps > 64)
        return iv__error(IV_EINVAL, "paths: at most 64 steps (got %zu)", dst->path_steps);
    return IV_OK;
}

/* ------------------------------------------------------------ helpers ---- */

int iv__lc_typeset(iv__lc *L, const char *text, const char *what, uint8_t **set)
{
    size_t nt = IV__MAX(L->c.s->type.pool.count, 1);
    const char *p = text;
    *set = iv__calloc(&L->c.a, nt, 1);
    if (!*set)
        return iv__nomem("a type list");
    for (;;) {
        const char *b, *e;
        uint32_t id;
        while (iv__text_space(*p))
            p++;
        b = p;
        while (*p && *p != ',' && *p != '|')
            p++;
        for (e = p; e > b && iv__text_space(e[-1]);)
            e--;
        if (e == b) {
            iv__lc_typeset_free(L, *set);
            *set = NULL;
            return iv__error(IV_EPARSE, "%s: empty type at character %zu of \"%s\"", what,
                             (size_t)(b - text) + 1, text);
        }
        if (iv__vocab_find(&L->c.s->type.pool, b, (size_t)(e - b), &id))
            (*set)[id] = 1;
        if (!*p)
            break;
        p++;
    }
    if (iv__warn_types(&L->c, what, text)) { /* types no selected row has */
        iv__lc_typeset_free(L, *set);
        *set = NULL;
        return IV_ENOMEM;
    }
    return IV_OK;
}

void iv__lc_typeset_free(iv__lc *L, uint8_t *set)
{
    iv__free(&L->c.a, set, IV__MAX(L->c.s->type.pool.count, 1));
}

int iv__lc_split_by(const iv_store *s, const iv__alloc *a, const char *by, char **rest,
                    iv__dimkind *kinds, char (*names)[64], size_t *n)
{
    const char *b;
    size_t nby = by ? strlen(by) : 0, pos = 0, len;
    char *w;
    *rest = NULL;
    *n = 0;
    if (!by)
        return IV_OK;
    if (!(*rest = iv__malloc(a, strlen(by) + 1)))
        return iv__nomem("the group dimensions");
    w = *rest;
    while (iv__list_next(by, nby, ',', &pos, &b, &len)) {
        int custom;
        if (len == 0)
            continue;
        if (*n == IV_MAX_DIMS) {
            iv__free(a, *rest, strlen(by) + 1);
            *rest = NULL;
            return iv__error(IV_ELIMIT, "more than %d group dimensions", IV_MAX_DIMS);
        }
        if (iv__dim_lookup(s, b, len, &kinds[*n], &custom))
            kinds[*n] = IV__DIM_CUSTOM;
        snprintf(names[*n], 64, "%.*s", (int)IV__MIN(len, 63), b);
        if (iv__lc_is_bucket(kinds[*n])) {
            static const char *const bn[] = {"day", "week", "month", "quarter", "year"};
            snprintf(names[*n], 64, "%s", bn[kinds[*n] - IV__DIM_DAY]);
        } else {
            if (w > *rest)
                *w++ = ',';
            memcpy(w, b, len);
            w += len;
        }
        (*n)++;
    }
    *w = '\0';
    {   /* exactly sized, so that iv__strfree releases it */
        char *buf = *rest;
        *rest = w == buf ? NULL : iv__strndup(a, buf, (size_t)(w - buf));
        iv__free(a, buf, strlen(by) + 1);
        if (w != buf && !*rest)
            return iv__nomem("the group dimensions");
    }
    return IV_OK;
}

int iv__lc_no_bucket(const iv_store *s, const iv_query_options *q, const char *what, const char *hint)
{
    iv__dimkind kinds[IV_MAX_DIMS];
    char names[IV_MAX_DIMS][64];
    iv__alloc a = s->alloc;
    char *rest;
    size_t n, i;
    int rc;
    if (!q || !q->by)
        return IV_OK;
    if ((rc = iv__lc_split_by(s, &a, q->by, &rest, kinds, names, &n)))
        return rc;
    iv__strfree(&a, rest);
    for (i = 0; i < n; i++)
        if (iv__lc_is_bucket(kinds[i]))
            return iv__error(IV_EINVAL, "%s: grouping by a time bucket ('%s') %s", what, names[i], hint);
    return IV_OK;
}

int64_t iv__lc_period_of(int period, int64_t day)
{
    int64_t y;
    int m, d;
    if (period == IV_PERIOD_DAY)
        return day;
    if (period == IV_PERIOD_WEEK) {
        int64_t x = day - 4;
        return x >= 0 ? x / 7 : -((-x + 6) / 7);
    }
    iv__civil_from_days(day, &y, &m, &d);
    return period == IV_PERIOD_MONTH ? y * 12 + (m - 1) : y * 4 + (m - 1) / 3;
}

int64_t iv__lc_period_start(int period, int64_t p)
{
    int64_t y;
    if (period == IV_PERIOD_DAY)
        return p;
    if (period == IV_PERIOD_WEEK)
        return p * 7 + 4;
    if (period == IV_PERIOD_QUARTER) {
        y = p >= 0 ? p / 4 : -((-p + 3) / 4);
        return iv__days_from_civil(y, (int)(p - y * 4) * 3 + 1, 1);
    }
    y = p >= 0 ? p / 12 : -((-p + 11) / 12);
    return iv__days_from_civil(y, (int)(p - y * 12) + 1, 1);
}

int iv__lc_days_build(iv__lc_days *t, const iv__alloc *a, int period, int64_t first,
                      int64_t last)
{
    size_t i, d;
    void *block;
    memset(t, 0, sizeof *t);
    if ((period != IV_PERIOD_MONTH && period != IV_PERIOD_QUARTER) || last < first ||
        (uint64_t)last - (uint64_t)first >= IV__LC_DAYS_MAX)
        return IV_OK;
    t->day0 = first;
    t->n = (size_t)(last - first) + 1;
    t->p0 = iv__lc_period_of(period, first);
    t->np = (size_t)(iv__lc_period_of(period, last) - t->p0) + 1;
    if (!(block = iv__malloc(a, (t->np + 1) * sizeof *t->start + t->n * sizeof *t->idx))) {
        memset(t, 0, sizeof *t);
        return iv__nomem("the calendar periods");
    }
    t->start = block;
    t->idx = (uint32_t *)(t->start + t->np + 1);
    for (i = 0; i <= t->np; i++)
        t->start[i] = iv__lc_period_start(period, t->p0 + (int64_t)i);
    for (i = 0, d = 0; i < t->np; i++)
        for (; d < t->n && t->day0 + (int64_t)d < t->start[i + 1]; d++)
            t->idx[d] = (uint32_t)i;
    return IV_OK;
}

void iv__lc_days_free(iv__lc_days *t, const iv__alloc *a)
{
    if (t->n)
        iv__free(a, t->start, (t->np + 1) * sizeof *t->start + t->n * sizeof *t->idx);
    memset(t, 0, sizeof *t);
}

void iv__lc_period_label(int period, int64_t p, char *buf, size_t cap)
{
    static const iv__dimkind k[] = {IV__DIM_WEEK, IV__DIM_MONTH, IV__DIM_DAY, IV__DIM_QUARTER};
    iv__bucket_label(k[period], iv__lc_period_start(period, p) * IV__MS_PER_DAY, buf, cap);
}

/* ------------------------------------------------------------ the walk --- */

void iv__lc_free(iv__lc *L)
{
    iv__alloc a = L->c.a;
    if (!L->c.s)
        return;
    iv__groups_free(&L->G, &a);
    if (L->ks)
        iv__keyers_free(L->ks, L->nk, &a);
    iv__free(&a, L->rows, L->scap * sizeof *L->rows);
    iv__free(&a, L->run, L->scap * sizeof *L->run);
    iv__free(&a, L->pairs, L->scap * sizeof *L->pairs);
    iv__ctx_free(&L->c);
    memset(L, 0, sizeof *L);
}

int iv__lc_init(iv__lc *L, const iv_store *s, const iv_query_options *q)
{
    iv_query_options all = IV_QUERY_OPTIONS_INIT;
    size_t ci;
    int rc;
    memset(L, 0, sizeof *L);
    if (q) {
        /* the context sees the whole time line; the range is the analyses' to use */
        if ((rc = iv__check_options(q, q->size, sizeof all, sizeof all, "iv_query_options")))
            return rc;
        memcpy(&all, q, sizeof all);
        all.size = sizeof all;
        all.from = all.to = IV_TIME_NONE;
        L->from = q->from;
        L->to = q->to;
        if (q->from != IV_TIME_NONE && q->to != IV_TIME_NONE && q->to < q->from)
            return iv__error(IV_EINVAL, "query: 'to' is before 'from'");
    } else {
        L->from = L->to = IV_TIME_NONE;
    }
    if ((rc = iv__ctx_init(&L->c, s, &all)))
        return rc;
    if ((rc = iv__keyers_make(&L->c, all.by, &L->ks, &L->nk)))
        goto fail;
    for (ci = 1; ci < s->contacts.count; ci++)
        L->scap = IV__MAX(L->scap, (size_t)(s->idx_start[ci + 1] - s->idx_start[ci]));
    L->scap = IV__MAX(L->scap, 1);
    L->rows = iv__malloc(&L->c.a, L->scap * sizeof *L->rows);
    L->run = iv__malloc(&L->c.a, L->scap * sizeof *L->run);
    L->pairs = iv__malloc(&L->c.a, L->scap * sizeof *L->pairs);
    if (!L->rows || !L->run || !L->pairs) {
        rc = iv__nomem("a lifecycle query");
        goto fail;
    }
    return IV_OK;
fail:
    iv__lc_free(L);
    return rc;
}

static int iv__cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Hand the buffered contact to the analysis, one call per group (time order kept:
 * the position breaks ties when sorting by group). */
static int iv__lc_flush(iv__lc *L)
{
    size_t n = L->nbuf, k, same = 1;
    int rc;
    L->nbuf = 0;
    for (k = 1; k < n; k++)
        same &= (L->pairs[k] >> 32) == (L->pairs[0] >> 32);
    if (same)
        return n ? L->fn(L, (size_t)(L->pairs[0] >> 32), L->contact, L->rows, n, L->payload) : IV_OK;
    qsort(L->pairs, n, sizeof *L->pairs, iv__cmp_u64);
    for (k = 0; k < n;) {
        size_t g = (size_t)(L->pairs[k] >> 32), j = 0;
        while (k < n && (size_t)(L->pairs[k] >> 32) == g)
            L->run[j++] = L->rows[L->pairs[k++] & 0xffffffffu];
        if ((rc = L->fn(L, g, L->contact, L->run, j, L->payload)))
            return rc;
    }
    return IV_OK;
}

/* iv__group_run's hook: rows come contact by contact, each in time order. */
static int iv__lc_hook(void *payload, const iv__ctx *c, size_t group, uint32_t contact, size_t row,
                       double u, double cost)
{
    iv__lc *L = payload;
    int rc;
    (void)c;
    (void)u;
    (void)cost;
    if (L->nbuf && contact != L->contact && (rc = iv__lc_flush(L)))
        return rc;
    L->contact = contact;
    L->pairs[L->nbuf] = (uint64_t)group << 32 | L->nbuf;
    L->rows[L->nbuf++] = (uint32_t)row;
    return IV_OK;
}

/* iv__group_run_contacts' hook: no group dimension, so the contact's whole history is its
 * history in the one group. */
static int iv__lc_contact(void *payload, uint32_t contact, const uint32_t *rows, size_t n)
{
    iv__lc *L = payload;
    const iv_store *s = L->c.s;
    if ((size_t)contact + 1 < s->contacts.count) /* the next contact's rows, while this one's are read */
        iv__store_prefetch_rows(s, s->idx_rows + s->idx_start[contact + 1],
                                s->idx_start[contact + 2] - s->idx_start[contact + 1], 0);
    L->contact = contact;
    return L->fn(L, 0, contact, rows, n, L->payload);
}

int iv__lc_walk(iv__lc *L, iv__lc_fn fn, void *payload)
{
    int rc;
    L->fn = fn;
    L->payload = payload;
    L->nbuf = 0;
    /* no group, every row: the index's slices as they are (no row read, none copied) */
    if (L->nk == 0 && (rc = iv__group_run_contacts(&L->c, &L->G, iv__lc_contact, L)) != 1)
        return rc;
    /* the analyses read each row's group only: no sums (iv__group_run_keys) */
    if ((rc = iv__group_run_keys(&L->c, L->ks, L->nk, &L->G, iv__lc_hook, L)))
        return rc;
    return iv__lc_flush(L);
}

int iv__lc_cover(iv__lc *L, void **arr, size_t *cap, size_t esz)
{
    size_t old = *cap, need = IV__MAX(L->G.n, 1);
    if (old >= need)
        return IV_OK;
    if (iv__grow(&L->c.a, arr, cap, need, esz))
        return IV_ENOMEM;
    memset((char *)*arr + old * esz, 0, (*cap - old) * esz);
    return IV_OK;
}

int iv__lc_table(iv__lc *L, iv_table **out, const char *const *cols, const int *types, size_t n)
{
    iv_table *t = iv__table_new(&L->c.a);
    size_t i;
    *out = NULL;
    if (!t)
        return IV_ENOMEM;
    for (i = 0; i < L->nk + n; i++)
        if (iv__table_add_col(t, i < L->nk ? L->ks[i].name : cols[i - L->nk],
                              i < L->nk ? IV_COL_STRING : types[i - L->nk]) < 0) {
            iv_table_free(t);
            return iv__nomem("a lifecycle table");
        }
    *out = t;
    return IV_OK;
}

long iv__lc_row(iv__lc *L, iv_table *t, size_t i)
{
    uint32_t codes[IV_MAX_DIMS + 20];
    long r = iv__table_add_row(t);
    size_t k;
    if (r < 0)
        return -1;
    iv__key_codes(L->ks, L->nk, L->G.g[i].key, codes);
    for (k = 0; k < L->nk; k++) {
        const char *l = iv__key_label(&L->ks[k], &L->c, codes[k]);
        if (iv__table_set_string(t, (size_t)r, k, l, l ? strlen(l) : 0))
            return -1;
    }
    return r;
}

/* ------------------------------------------------------------ churn ------ */

typedef struct iv__churn_acc {
    uint64_t S, L, E, N;
} iv__churn_acc;

typedef struct iv__churn {
    int64_t t0, t1, W;
    int64_t *pt;        /* every: the np + 1 period edges (ms), clipped to [t0, t1] */
    size_t np;          /* periods (1 without every) */
    iv__churn_acc *g;   /* per group: np accumulators */
    size_t cap;
} iv__churn;

/* The first of rows[lo..hi) (time order) after t, given that every row before lo is at
 * or before t. */
static size_t iv__lc_after(const iv_store *s, const uint32_t *rows, size_t lo, size_t hi, int64_t t)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->ts[rows[mid]] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Active at t given lo, the number of rows at or before t. */
static int iv__lc_active_before(const iv__lc *L, const uint32_t *rows, size_t lo, int64_t t, int64_t W)
{
    const iv_store *s = L->c.s;
    uint32_t r;
    if (lo == 0)
        return 0;
    r = rows[lo - 1];
    if (s->ts[r] <= t - W)
        return 0;
    return !(L->c.ti[iv__codes_get(&s->type.codes, r)].flags & IV_FLAG_CHURN);
}

/* Active at t (doc/LIFECYCLE.md): an interaction in (t - W, t] and the latest interaction at or
 * before t is not churn-flagged. */
int iv__lc_active(const iv__lc *L, const uint32_t *rows, size_t n, int64_t t, int64_t W)
{
    return iv__lc_active_before(L, rows, iv__lc_after(L->c.s, rows, 0, n, t), t, W);
}

int iv__lc_active_next(const iv__lc *L, const uint32_t *rows, size_t n, int64_t t, int64_t W,
                       size_t *pos)
{
    const iv_store *s = L->c.s;
    size_t lo = *pos, step = 1;
    if (lo > n || (lo > 0 && s->ts[rows[lo - 1]] > t)) {
        lo = iv__lc_after(s, rows, 0, n, t); /* t went back */
    } else {
        /* gallop: rows[lo, lo + step) are at or before t, then search the last step */
        while (lo + step <= n && s->ts[rows[lo + step - 1]] <= t) {
            lo += step;
            step *= 2;
        }
        lo = iv__lc_after(s, rows, lo, IV__MIN(lo + step - 1, n), t);
    }
    *pos = lo;
    return iv__lc_active_before(L, rows, lo, t, W);
}

static int iv__churn_contact(iv__lc *L, size_t g, uint32_t contact, const uint32_t *rows, size_t n,
                             void *payload)
{
    iv__churn *w = payload;
    int64_t first = L->c.s->ts[rows[0]];
    int a0, a1;
    size_t j, pos = 0;
    (void)contact;
    if (iv__lc_cover(L, (void **)&w->g, &w->cap, w->np * sizeof *w->g))
        return IV_ENOMEM;
    a1 = iv__lc_active_next(L, rows, n, w->pt[0], w->W, &pos);
    for (j = 0; j < w->np; j++) {
        iv__churn_acc *acc = &w->g[g * w->np + j];
        int64_t t0 = w->pt[j], t1 = w->pt[j + 1];
        a0 = a1;
        a1 = iv__lc_active_next(L, rows, n, t1, w->W, &pos);
        acc->S += (uint64_t)a0;
        acc->L += (uint64_t)(a0 && !a1);
        acc->E += (uint64_t)a1;
        acc->N += (uint64_t)(a1 && first >= t0 && first < t1);
    }
    return IV_OK;
}

static double iv__ratio(uint64_t num, uint64_t den)
{
    return den ? (double)num / (double)den : (double)NAN;
}

/* The activity window in ms: the option, else the model's activity_window_days. */
int64_t iv__lc_window(const iv__lc *L, const iv_lifecycle_options *o)
{
    return o->window ? o->window
                     : (int64_t)llround(iv__model_activity_window_days(L->c.m) * (double)IV__MS_PER_DAY);
}

/* The period edges of a series over [t0, t1): calendar periods clipped to the range. */
static int iv__churn_periods(iv__lc *L, iv__churn *w, int every, size_t *ptcap)
{
    static const int unit[] = {0, IV_PERIOD_DAY, IV_PERIOD_WEEK, IV_PERIOD_MONTH, IV_PERIOD_QUARTER};
    int64_t p0, p1, p;
    size_t j;
    if (every == IV_EVERY_NONE || w->t1 == w->t0) {
        *ptcap = 2;
        if (!(w->pt = iv__malloc(&L->c.a, 2 * sizeof *w->pt)))
            return iv__nomem("churn periods");
        w->pt[0] = w->t0;
        w->pt[1] = w->t1;
        w->np = 1;
        return IV_OK;
    }
    p0 = iv__lc_period_of(unit[every], iv__day_of_ms(w->t0));
    p1 = iv__lc_period_of(unit[every], iv__day_of_ms(w->t1 - 1));
    if (p1 - p0 >= 1000000)
        return iv__error(IV_ELIMIT, "churn series: more than a million periods");
    w->np = (size_t)(p1 - p0 + 1);
    *ptcap = w->np + 1;
    if (!(w->pt = iv__malloc(&L->c.a, *ptcap * sizeof *w->pt)))
        return iv__nomem("churn periods");
    for (p = p0, j = 0; p <= p1; p++, j++)
        w->pt[j] = j == 0 ? w->t0 : iv__lc_period_start(unit[every], p) * IV__MS_PER_DAY;
    w->pt[w->np] = w->t1;
    return IV_OK;
}

/* Churn (which = 0) or retention (1): one period, or a series with `every`. */
static int iv__churn_run(iv_table **out, const iv_store *s, const iv_query_options *q,
                         const iv_lifecycle_options *opts, int which)
{
    static const char *const cols[] = {"t0", "t1", "active_start", "lost", "churn",
                                       "active_end", "new_active", "retention"};
    static const int types[] = {IV_COL_TIME, IV_COL_TIME, IV_COL_INT, IV_COL_INT, IV_COL_DOUBLE,
                                IV_COL_INT, IV_COL_INT, IV_COL_DOUBLE};
    static const char *const ccols[] = {"period", "t0", "t1", "start", "lost", "churn"};
    static const int ctypes[] = {IV_COL_STRING, IV_COL_TIME, IV_COL_TIME, IV_COL_INT, IV_COL_INT,
                                 IV_COL_DOUBLE};
    static const char *const rcols[] = {"period", "t0", "t1", "start", "end", "new", "retention"};
    static const int rtypes[] = {IV_COL_STRING, IV_COL_TIME, IV_COL_TIME, IV_COL_INT, IV_COL_INT,
                                 IV_COL_INT, IV_COL_DOUBLE};
    static const int unit[] = {0, IV_PERIOD_DAY, IV_PERIOD_WEEK, IV_PERIOD_MONTH, IV_PERIOD_QUARTER};
    const char *what = which ? "retention" : "churn";
    iv_lifecycle_options o;
    iv__lc L;
    iv__churn w;
    iv_table *t = NULL;
    size_t i, j, ptcap = 0;
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_lifecycle_%s: out is NULL", what);
    *out = NULL;
    if ((rc = iv__lc_options(&o, opts)))
        return rc;
    if (s && (rc = iv__lc_no_bucket(s, q, what,
                                    o.every ? "is not possible: --every sets the periods"
                                            : "needs a series: use --every day|week|month|quarter (the 'every' option)")))
        return rc;
    if ((rc = iv__lc_init(&L, s, q)))
        return rc;
    memset(&w, 0, sizeof w);
    w.W = iv__lc_window(&L, &o);
    w.t1 = o.t1 != IV_TIME_NONE ? o.t1 : s->nrows ? s->ts_max + 1 : 0;
    w.t0 = o.t0 != IV_TIME_NONE ? o.t0 : o.every && s->nrows ? s->ts_min : w.t1 - w.W;
    if (w.t1 < w.t0) {
        rc = iv__error(IV_EINVAL, "%s: t1 is before t0", what);
        goto done;
    }
    if ((rc = iv__churn_periods(&L, &w, o.every, &ptcap)) ||
        (rc = iv__lc_walk(&L, iv__churn_contact, &w)) ||
        (rc = iv__lc_cover(&L, (void **)&w.g, &w.cap, w.np * sizeof *w.g)))
        goto done;
    if (!o.every)
        rc = iv__lc_table(&L, &t, cols, types, 8);
    else if (which)
        rc = iv__lc_table(&L, &t, rcols, rtypes, 7);
    else
        rc = iv__lc_table(&L, &t, ccols, ctypes, 6);
    if (rc)
        goto done;
    for (i = 0; i < L.G.n && rc == IV_OK; i++)
        for (j = 0; j < w.np && rc == IV_OK; j++) {
            const iv__churn_acc *a = &w.g[L.G.g[i].ord * w.np + j];
            long r = iv__lc_row(&L, t, i);
            size_t c = L.nk;
            char label[16];
            if (r < 0) {
                rc = iv__nomem("the churn table");
                break;
            }
            if (!o.every) {
                if (iv__table_set_int(t, (size_t)r, c, w.t0) ||
                    iv__table_set_int(t, (size_t)r, c + 1, w.t1) ||
                    iv__table_set_int(t, (size_t)r, c + 2, (int64_t)a->S) ||
                    iv__table_set_int(t, (size_t)r, c + 3, (int64_t)a->L) ||
                    iv__table_set_double(t, (size_t)r, c + 4, iv__ratio(a->L, a->S)) ||
                    iv__table_set_int(t, (size_t)r, c + 5, (int64_t)a->E) ||
                    iv__table_set_int(t, (size_t)r, c + 6, (int64_t)a->N) ||
                    iv__table_set_double(t, (size_t)r, c + 7, iv__ratio(a->E - a->N, a->S)))
                    rc = iv__nomem("the churn table");
                continue;
            }
            iv__lc_period_label(unit[o.every], iv__lc_period_of(unit[o.every], iv__day_of_ms(w.pt[j])),
                                label, sizeof label);
            if (iv__table_set_string(t, (size_t)r, c, label, strlen(label)) ||
                iv__table_set_int(t, (size_t)r, c + 1, w.pt[j]) ||
                iv__table_set_int(t, (size_t)r, c + 2, w.pt[j + 1]) ||
                iv__table_set_int(t, (size_t)r, c + 3, (int64_t)a->S))
                rc = iv__nomem("the churn table");
            else if (!which && (iv__table_set_int(t, (size_t)r, c + 4, (int64_t)a->L) ||
                                iv__table_set_double(t, (size_t)r, c + 5, iv__ratio(a->L, a->S))))
                rc = iv__nomem("the churn table");
            else if (which && (iv__table_set_int(t, (size_t)r, c + 4, (int64_t)a->E) ||
                               iv__table_set_int(t, (size_t)r, c + 5, (int64_t)a->N) ||
                               iv__table_set_double(t, (size_t)r, c + 6, iv__ratio(a->E - a->N, a->S))))
                rc = iv__nomem("the retention table");
        }
done:
    iv__free(&L.c.a, w.g, w.cap * w.np * sizeof *w.g);
    iv__free(&L.c.a, w.pt, ptcap * sizeof *w.pt);
    iv__lc_free(&L);
    if (rc) {
        iv_table_free(t);
        return rc;
    }
    *out = t;
    return IV_OK;
}

IV_API int iv_lifecycle_churn(iv_table **out, const iv_store *s, const iv_query_options *q,
                              const iv_lifecycle_options *opts)
{
    return iv__churn_run(out, s, q, opts, 0);
}

IV_API int iv_lifecycle_retention(iv_table **out, const iv_store *s, const iv_query_options *q,
                                  const iv_lifecycle_options *opts)
{
    return iv__churn_run(out, s, q, opts, 1);
}

/* ------------------------------------------------------------ cohorts ---- */

typedef struct iv__cohort {
    int64_t p;          /* the cohort's period number */
    uint64_t contacts;
    uint64_t *cnt;      /* [2 * len]: retained in period k, then "last period is k" */
    size_t len;         /* periods 0 .. len-1 (up to the period of the last timestamp) */
} iv__cohort;

typedef struct iv__cohorts {
    iv__cohort *v;
    size_t n, cap;
} iv__cohorts;

typedef struct iv__cwalk {
    int period;
    uint8_t *start, *ret; /* retention events: start and return types (NULL: any) */
    int64_t pmax;       /* period of the store's last timestamp */
    iv__cohorts *g;
    size_t cap;
    iv__lc_days days;   /* the periods of the store's days */
} iv__cwalk;

/* The cohort of period p in cs (created, with len periods, when absent); NULL on ENOMEM. */
static iv__cohort *iv__cohort_get(iv__lc *L, iv__cohorts *cs, int64_t p, size_t len)
{
    size_t lo = 0, hi = cs->n;
    void *v = cs->v;
    uint64_t *cnt;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cs->v[mid].p < p)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < cs->n && cs->v[lo].p == p)
        return &cs->v[lo];
    cnt = iv__calloc(&L->c.a, 2 * len, sizeof *cnt);
    if (!cnt || iv__grow(&L->c.a, &v, &cs->cap, cs->n + 1, sizeof *cs->v)) {
        iv__free(&L->c.a, cnt, 2 * len * sizeof *cnt);
        iv__nomem("cohorts");
        return NULL;
    }
    cs->v = v;
    memmove(&cs->v[lo + 1], &cs->v[lo], (cs->n - lo) * sizeof *cs->v);
    cs->n++;
    cs->v[lo].p = p;
    cs->v[lo].contacts = 0;
    cs->v[lo].cnt = cnt;
    cs->v[lo].len = len;
    return &cs->v[lo];
}

static int iv__cohort_contact(iv__lc *L, size_t g, uint32_t contact, const uint32_t *rows, size_t n,
                              void *payload)
{
    iv__cwalk *w = payload;
    const iv_store *s = L->c.s;
    int64_t first, p0, prev = -1;
    iv__lc_pcache pc = iv__lc_pcache_with(w->period, &w->days);
    iv__cohort *co;
    size_t i, i0 = 0;
    (void)contact;
    if (w->start) /* retention events: the cohort starts at the first start-type interaction */
        for (; i0 < n && !iv__lc_is(L, w->start, rows[i0]); i0++)
            ;
    if (i0 == n)
        return IV_OK;
    first = s->ts[rows[i0]];
    if (!iv__lc_in_range(L, first))
        return IV_OK;
    if (iv__lc_cover(L, (void **)&w->g, &w->cap, sizeof *w->g))
        return IV_ENOMEM;
    p0 = iv__lc_period_cached(&pc, iv__day_of_ms(first));
    if (!(co = iv__cohort_get(L, &w->g[g], p0, (size_t)(w->pmax - p0 + 1))))
        return IV_ENOMEM;
    co->contacts++;
    for (i = i0; i < n; i++) {
        int64_t k;
        if (w->ret && !iv__lc_is(L, w->ret, rows[i]))
            continue;
        k = iv__lc_period_cached(&pc, iv__day_of_ms(s->ts[rows[i]])) - p0;
        if (k != prev)
            co->cnt[k]++;
        prev = k;
    }
    if (prev >= 0)
        co->cnt[co->len + (size_t)prev]++;
    return IV_OK;
}

static void iv__cohorts_free(iv__lc *L, iv__cwalk *w)
{
    size_t g, i;
    for (g = 0; w->g && g < w->cap; g++) {
        for (i = 0; i < w->g[g].n; i++)
            iv__free(&L->c.a, w->g[g].v[i].cnt, 2 * w->g[g].v[i].len * sizeof(uint64_t));
        iv__free(&L->c.a, w->g[g].v, w->g[g].cap * sizeof *w->g[g].v);
    }
    iv__free(&L->c.a, w->g, w->cap * sizeof *w->g);
}

/* The rows of one cohort of sorted group i: k = 0 .. len-1, unobserved periods undefined. */
static int iv__cohort_rows(iv__lc *L, iv_table *t, size_t g, const iv__cohort *co, int period,
                           int64_t last_day)
{
    char label[16];
    uint64_t later = 0;
    size_t k, c = L->nk;
    iv__bucket_label(period == IV_PERIOD_WEEK ? IV__DIM_WEEK : IV__DIM_MONTH,
                     iv__lc_period_start(period, co->p) * IV__MS_PER_DAY, label, sizeof label);
    for (k = 0; k < co->len; k++)
        later += co->cnt[co->len + k];
    for (k = 0; k < co->len; k++) {
        long r = iv__lc_row(L, t, g);
        /* observed: the period's last day is on or before the last timestamp's day */
        int seen = k == 0 || iv__lc_period_start(period, co->p + (int64_t)k + 1) - 1 <= last_day;
        if (r < 0 || iv__table_set_string(t, (size_t)r, c, label, strlen(label)) ||
            iv__table_set_int(t, (size_t)r, c + 1, (int64_t)co->contacts) ||
            iv__table_set_int(t, (size_t)r, c + 2, (int64_t)k))
            return IV_ENOMEM;
        if (seen && (iv__table_set_int(t, (size_t)r, c + 3, (int64_t)co->cnt[k]) ||
                     iv__table_set_double(t, (size_t)r, c + 4, iv__ratio(co->cnt[k], co->contacts)) ||
                     iv__table_set_double(t, (size_t)r, c + 5, iv__ratio(later, co->contacts))))
            return IV_ENOMEM;
        later -= co->cnt[co->len + k]; /* contacts whose last period is k are not in k+1.. */
    }
    return IV_OK;
}

IV_API int iv_lifecycle_cohorts(iv_table **out, const iv_store *s, const iv_query_options *q,
                                const iv_lifecycle_options *opts)
{
    static const char *const cols[] = {"cohort", "contacts", "period", "retained", "rate",
                                       "rate_unbounded"};
    static const int types[] = {IV_COL_STRING, IV_COL_INT, IV_COL_INT, IV_COL_INT,
                                IV_COL_DOUBLE, IV_COL_DOUBLE};
    iv_lifecycle_options o;
    iv__lc L;
    iv__cwalk w;
    iv_table *t = NULL;
    int64_t last_day;
    size_t i, j;
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_lifecycle_cohorts: out is NULL");
    *out = NULL;
    if ((rc = iv__lc_options(&o, opts)) || (rc = iv__lc_init(&L, s, q)))
        return rc;
    memset(&w, 0, sizeof w);
    w.period = o.period;
    if (o.period != IV_PERIOD_WEEK && o.period != IV_PERIOD_MONTH) {
        rc = iv__error(IV_EINVAL, "cohorts: period must be IV_PERIOD_WEEK or IV_PERIOD_MONTH");
        goto done;
    }
    if ((o.start_types && (rc = iv__lc_typeset(&L, o.start_types, "cohorts start types", &w.start))) ||
        (o.return_types && (rc = iv__lc_typeset(&L, o.return_types, "cohorts return types", &w.ret))))
        goto done;
    last_day = s->nrows ? iv__day_of_ms(s->ts_max) : 0;
    w.pmax = iv__lc_period_of(o.period, last_day);
    if ((s->nrows && (rc = iv__lc_days_build(&w.days, &L.c.a, o.period, iv__day_of_ms(s->ts_min),
                                             last_day))) ||
        (rc = iv__lc_walk(&L, iv__cohort_contact, &w)) ||
        (rc = iv__lc_cover(&L, (void **)&w.g, &w.cap, sizeof *w.g)) ||
        (rc = iv__lc_table(&L, &t, cols, types, 6)))
        goto done;
    for (i = 0; i < L.G.n && rc == IV_OK; i++)
        for (j = 0; j < w.g[L.G.g[i].ord].n && rc == IV_OK; j++)
            if (iv__cohort_rows(&L, t, i, &w.g[L.G.g[i].ord].v[j], o.period, last_day))
                rc = iv__nomem("the cohort table");
done:
    if (w.start)
        iv__lc_typeset_free(&L, w.start);
    if (w.ret)
        iv__lc_typeset_free(&L, w.ret);
    iv__cohorts_free(&L, &w);
    iv__lc_days_free(&w.days, &L.c.a);
    iv__lc_free(&L);
    if (rc) {
        iv_table_free(t);
        return rc;
    }
    *out = t;
    return IV_OK;
}
