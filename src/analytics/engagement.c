/* Engagement over time: lifecycle (new / returning / resurrecting / dormant per
 * period), stickiness (distinct active days per period) and paths (the most frequent
 * next types after a start type). Definitions and choices: doc/LIFECYCLE.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lifecycle.h"
#include "table.h"
#include "timefmt.h"

static double iv__share_of(uint64_t num, uint64_t den)
{
    return den ? (double)num / (double)den : (double)NAN;
}

/* Index in sorted order of every group's creation index (L->G.g[i].ord -> i). */
static uint32_t *iv__sorted_index(iv__lc *L)
{
    uint32_t *inv = iv__calloc(&L->c.a, IV__MAX(L->G.n, 1), sizeof *inv);
    size_t i;
    if (!inv) {
        iv__nomem("group order");
        return NULL;
    }
    for (i = 0; i < L->G.n; i++)
        inv[L->G.g[i].ord] = (uint32_t)i;
    return inv;
}

/* ------------------------------------------------------------ lifecycle -- */

enum { LC_NEW, LC_RETURNING, LC_RESURRECTING, LC_DORMANT, LC_NCOUNTS };

typedef struct iv__life {
    int period;
    int64_t A, np;      /* counters cover periods A .. A + np - 1 */
    int64_t lo, hi;     /* active periods seen (any group): lowest, highest */
    uint64_t *g;        /* per group: np * LC_NCOUNTS */
    size_t cap;
    iv__lc_days days;   /* the periods of the store's days */
} iv__life;

static void iv__life_count(iv__life *w, size_t g, int64_t p, int what)
{
    if (p >= w->A && p < w->A + w->np)
        w->g[(g * (size_t)w->np + (size_t)(p - w->A)) * LC_NCOUNTS + (size_t)what]++;
}

static int iv__life_contact(iv__lc *L, size_t g, uint32_t contact, const uint32_t *rows, size_t n,
                            void *payload)
{
    iv__life *w = payload;
    int64_t prev = INT64_MIN;
    iv__lc_pcache pc = iv__lc_pcache_with(w->period, &w->days);
    size_t i;
    (void)contact;
    if (iv__lc_cover(L, (void **)&w->g, &w->cap, (size_t)w->np * LC_NCOUNTS * sizeof *w->g))
        return IV_ENOMEM;
    for (i = 0; i < n; i++) {
        int64_t p = iv__lc_period_cached(&pc, iv__day_of_ms(L->c.s->ts[rows[i]]));
        if (p == prev)
            continue;
        if (prev == INT64_MIN) {
            iv__life_count(w, g, p, LC_NEW);
        } else if (p == prev + 1) {
            iv__life_count(w, g, p, LC_RETURNING);
        } else {
            iv__life_count(w, g, p, LC_RESURRECTING);
            iv__life_count(w, g, prev + 1, LC_DORMANT);
        }
        w->lo = IV__MIN(w->lo, p);
        w->hi = IV__MAX(w->hi, p);
        prev = p;
    }
    if (prev != INT64_MIN)
        iv__life_count(w, g, prev + 1, LC_DORMANT);
    return IV_OK;
}

IV_API int iv_lifecycle_lifecycle(iv_table **out, const iv_store *s, const iv_query_options *q,
                                  const iv_lifecycle_options *opts)
{
    static const char *const cols[] = {"period", "new", "returning", "resurrecting", "dormant"};
    static const int types[] = {IV_COL_STRING, IV_COL_INT, IV_COL_INT, IV_COL_INT, IV_COL_INT};
    iv_lifecycle_options o;
    iv__lc L;
    iv__life w;
    iv_table *t = NULL;
    int64_t lo_ts, hi_ts, P0, P1, p;
    size_t i;
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_lifecycle_lifecycle: out is NULL");
    *out = NULL;
    if ((rc = iv__lc_options(&o, opts)))
        return rc;
    if (o.period != IV_PERIOD_DAY && o.period != IV_PERIOD_WEEK && o.period != IV_PERIOD_MONTH)
        return iv__error(IV_EINVAL, "lifecycle: the period must be a day, a week or a month");
    if (s && (rc = iv__lc_no_bucket(s, q, "lifecycle", "is not possible: the period is the bucket")))
        return rc;
    if ((rc = iv__lc_init(&L, s, q)))
        return rc;
    memset(&w, 0, sizeof w);
    w.period = o.period;
    w.lo = INT64_MAX;
    w.hi = INT64_MIN;
    lo_ts = s->nrows ? s->ts_min : 0;
    hi_ts = s->nrows ? s->ts_max : 0;
    if (L.from != IV_TIME_NONE)
        lo_ts = IV__MIN(lo_ts, L.from);
    if (L.to != IV_TIME_NONE)
        hi_ts = IV__MAX(hi_ts, L.to - 1);
    w.A = iv__lc_period_of(o.period, iv__day_of_ms(lo_ts));
    w.np = iv__lc_period_of(o.period, iv__day_of_ms(hi_ts)) - w.A + 2;
    if (w.np > 1000000) {
        rc = iv__error(IV_ELIMIT, "lifecycle: more than a million periods");
        goto done;
    }
    if ((s->nrows && (rc = iv__lc_days_build(&w.days, &L.c.a, o.period, iv__day_of_ms(s->ts_min),
                                             iv__day_of_ms(s->ts_max)))) ||
        (rc = iv__lc_walk(&L, iv__life_contact, &w)) ||
        (rc = iv__lc_cover(&L, (void **)&w.g, &w.cap, (size_t)w.np * LC_NCOUNTS * sizeof *w.g)) ||
        (rc = iv__lc_table(&L, &t, cols, types, 5)))
        goto done;
    P0 = L.from != IV_TIME_NONE ? iv__lc_period_of(o.period, iv__day_of_ms(L.from)) : w.lo;
    P1 = L.to != IV_TIME_NONE ? iv__lc_period_of(o.period, iv__day_of_ms(L.to - 1)) : w.hi;
    for (i = 0; i < L.G.n && rc == IV_OK; i++)
        for (p = P0; p <= P1 && rc == IV_OK; p++) {
            const uint64_t *c = &w.g[((size_t)L.G.g[i].ord * (size_t)w.np + (size_t)(p - w.A)) * LC_NCOUNTS];
            long r = iv__lc_row(&L, t, i);
            char label[16];
            size_t k = L.nk;
            iv__lc_period_label(o.period, p, label, sizeof label);
            if (r < 0 || iv__table_set_string(t, (size_t)r, k, label, strlen(label)) ||
                iv__table_set_int(t, (size_t)r, k + 1, (int64_t)c[LC_NEW]) ||
                iv__table_set_int(t, (size_t)r, k + 2, (int64_t)c[LC_RETURNING]) ||
                iv__table_set_int(t, (size_t)r, k + 3, (int64_t)c[LC_RESURRECTING]) ||
                iv__table_set_int(t, (size_t)r, k + 4, -(int64_t)c[LC_DORMANT]))
                rc = iv__nomem("the lifecycle table");
        }
done:
    iv__free(&L.c.a, w.g, w.cap * (size_t)w.np * LC_NCOUNTS * sizeof *w.g);
    iv__lc_days_free(&w.days, &L.c.a);
    iv__lc_free(&L);
    if (rc) {
        iv_table_free(t);
        return rc;
    }
    *out = t;
    return IV_OK;
}

/* ------------------------------------------------------------ stickiness - */

#define IV__STICKY_MAX 31

typedef struct iv__sticky {
    int period;
    uint64_t *g;        /* per group: counts for n = 1 .. 31 at [n - 1] */
    size_t cap;
} iv__sticky;

static int iv__sticky_contact(iv__lc *L, size_t g, uint32_t contact, const uint32_t *rows, size_t n,
                              void *payload)
{
    iv__sticky *w = payload;
    int64_t cur = INT64_MIN, lastday = INT64_MIN;
    unsigned days = 0;
    size_t i;
    (void)contact;
    if (iv__lc_cover(L, (void **)&w->g, &w->cap, IV__STICKY_MAX * sizeof *w->g))
        return IV_ENOMEM;
    for (i = 0; i < n; i++) {
        int64_t ts = L->c.s->ts[rows[i]], day, p;
        if (!iv__lc_in_range(L, ts))
            continue;
        day = iv__day_of_ms(ts);
        p = iv__lc_period_of(w->period, day);
        if (p != cur) {
            if (days)
                w->g[g * IV__STICKY_MAX + days - 1]++;
            cur = p;
            days = 0;
            lastday = INT64_MIN;
        }
        if (day != lastday)
            days++;
        lastday = day;
    }
    if (days)
        w->g[g * IV__STICKY_MAX + days - 1]++;
    return IV_OK;
}

IV_API int iv_lifecycle_stickiness(iv_table **out, const iv_store *s, const iv_query_options *q,
                                   const iv_lifecycle_options *opts)
{
    static const char *const cols[] = {"days", "contacts", "share"};
    static const int types[] = {IV_COL_INT, IV_COL_INT, IV_COL_DOUBLE};
    iv_lifecycle_options o;
    iv__lc L;
    iv__sticky w;
    iv_table *t = NULL;
    size_t i, k, nd;
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_lifecycle_stickiness: out is NULL");
    *out = NULL;
    if ((rc = iv__lc_options(&o, opts)))
        return rc;
    if (o.period != IV_PERIOD_WEEK && o.period != IV_PERIOD_MONTH)
        return iv__error(IV_EINVAL, "stickiness: the period must be a week or a month");
    if (s && (rc = iv__lc_no_bucket(s, q, "stickiness", "is not possible: the period is the bucket")))
        return rc;
    if ((rc = iv__lc_init(&L, s, q)))
        return rc;
    memset(&w, 0, sizeof w);
    w.period = o.period;
    nd = o.period == IV_PERIOD_WEEK ? 7 : 31;
    if ((rc = iv__lc_walk(&L, iv__sticky_contact, &w)) ||
        (rc = iv__lc_cover(&L, (void **)&w.g, &w.cap, IV__STICKY_MAX * sizeof *w.g)) ||
        (rc = iv__lc_table(&L, &t, cols, types, 3)))
        goto done;
    for (i = 0; i < L.G.n && rc == IV_OK; i++) {
        const uint64_t *c = &w.g[(size_t)L.G.g[i].ord * IV__STICKY_MAX];
        uint64_t total = 0;
        for (k = 0; k < nd; k++)
            total += c[k];
        for (k = 0; k < nd && rc == IV_OK; k++) {
            long r = iv__lc_row(&L, t, i);
            if (r < 0 || iv__table_set_int(t, (size_t)r, L.nk, (int64_t)k + 1) ||
                iv__table_set_int(t, (size_t)r, L.nk + 1, (int64_t)c[k]) ||
                iv__table_set_double(t, (size_t)r, L.nk + 2, iv__share_of(c[k], total)))
                rc = iv__nomem("the stickiness table");
        }
    }
done:
    iv__free(&L.c.a, w.g, w.cap * IV__STICKY_MAX * sizeof *w.g);
    iv__lc_free(&L);
    if (rc) {
        iv_table_free(t);
        return rc;
    }
    *out = t;
    return IV_OK;
}

/* ------------------------------------------------------------ paths ------ */

/* One contact's path: group, then K type codes + 1 (0 = the history ended). */
typedef struct iv__paths {
    uint8_t *start;
    size_t K, stride;   /* stride = K + 1 */
    uint32_t *v;        /* entries of stride uint32 */
    size_t n, cap;      /* entries */
    uint64_t *starts;   /* per group: contacts with a start interaction */
    size_t scap;
} iv__paths;

static int iv__paths_contact(iv__lc *L, size_t g, uint32_t contact, const uint32_t *rows, size_t n,
                             void *payload)
{
    iv__paths *w = payload;
    size_t i0, k;
    uint32_t *e;
    (void)contact;
    for (i0 = 0; i0 < n && !iv__lc_is(L, w->start, rows[i0]); i0++)
        ;
    if (i0 == n || !iv__lc_in_range(L, L->c.s->ts[rows[i0]]))
        return IV_OK;
    if (iv__lc_cover(L, (void **)&w->starts, &w->scap, sizeof *w->starts))
        return IV_ENOMEM;
    w->starts[g]++;
    if (w->n == w->cap) {
        size_t old = w->cap;
        void *p = w->v;
        size_t want = w->n + 1, c2 = old;
        if (iv__grow(&L->c.a, &p, &c2, want, w->stride * sizeof *w->v))
            return IV_ENOMEM;
        w->v = p;
        w->cap = c2;
    }
    e = &w->v[w->n++ * w->stride];
    e[0] = (uint32_t)g;
    for (k = 0; k < w->K; k++)
        e[k + 1] = i0 + 1 + k < n ? iv__codes_get(&L->c.s->type.codes, rows[i0 + 1 + k]) + 1 : 0;
    return IV_OK;
}

static int iv__path_cmp(const uint32_t *a, const uint32_t *b, size_t stride)
{
    size_t k;
    for (k = 0; k < stride; k++)
        if (a[k] != b[k])
            return a[k] < b[k] ? -1 : 1;
    return 0;
}

/* Stable merge sort of the entry indices idx[0..n) by their entries (tmp: n scratch). */
static void iv__path_sort(const iv__paths *w, uint32_t *idx, uint32_t *tmp, size_t n)
{
    size_t width, i;
    for (width = 1; width < n; width *= 2) {
        for (i = 0; i < n; i += 2 * width) {
            size_t a = i, am = IV__MIN(i + width, n), b = am, bm = IV__MIN(i + 2 * width, n), o = i;
            while (a < am && b < bm)
                tmp[o++] = iv__path_cmp(&w->v[idx[b] * w->stride], &w->v[idx[a] * w->stride], w->stride) < 0
                               ? idx[b++]
                               : idx[a++];
            while (a < am)
                tmp[o++] = idx[a++];
            while (b < bm)
                tmp[o++] = idx[b++];
        }
        memcpy(idx, tmp, n * sizeof *idx);
    }
}

typedef struct iv__prun {
    uint32_t group;     /* sorted group index */
    uint64_t contacts;
    char *path;
    size_t len;
} iv__prun;

static int iv__prun_cmp(const void *pa, const void *pb)
{
    const iv__prun *a = pa, *b = pb;
    int c;
    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    if (a->contacts != b->contacts)
        return a->contacts > b->contacts ? -1 : 1;
    c = strcmp(a->path, b->path);
    return c;
}

/* The text of an entry's path: type names joined by " > ", "(end)" when it ended. */
static char *iv__path_text(iv__lc *L, const uint32_t *e, size_t K, size_t *len)
{
    const iv__pool *tp = &L->c.s->type.pool;
    size_t k, n = 0;
    char *buf, *w;
    for (k = 0; k < K; k++) {
        n += (k ? 3 : 0) + (e[k] ? strlen(iv__pool_str(tp, e[k] - 1)) : 5);
        if (!e[k])
            break;
    }
    if (!(buf = iv__malloc(&L->c.a, n + 1)))
        return NULL;
    w = buf;
    for (k = 0; k < K; k++) {
        const char *name = e[k] ? iv__pool_str(tp, e[k] - 1) : "(end)";
        size_t l = strlen(name);
        if (k) {
            memcpy(w, " > ", 3);
            w += 3;
        }
        memcpy(w, name, l);
        w += l;
        if (!e[k])
            break;
    }
    *w = '\0';
    *len = n;
    return buf;
}

IV_API int iv_lifecycle_paths(iv_table **out, const iv_store *s, const iv_query_options *q,
                              const iv_lifecycle_options *opts)
{
    static const char *const cols[] = {"path", "contacts", "share"};
    static const int types[] = {IV_COL_STRING, IV_COL_INT, IV_COL_DOUBLE};
    iv_lifecycle_options o;
    iv__lc L;
    iv__paths w;
    iv_table *t = NULL;
    uint32_t *idx = NULL, *tmp = NULL, *inv = NULL;
    iv__prun *runs = NULL;
    size_t i, j, nruns = 0, top, shown = 0;
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_lifecycle_paths: out is NULL");
    *out = NULL;
    if ((rc = iv__lc_options(&o, opts)))
        return rc;
    if (!o.start_types || !*o.start_types)
        return iv__error(IV_EINVAL, "paths: no start type given (start_types, --start TYPE)");
    if (s && (rc = iv__lc_no_bucket(s, q, "paths", "is not possible: group by another dimension")))
        return rc;
    if ((rc = iv__lc_init(&L, s, q)))
        return rc;
    memset(&w, 0, sizeof w);
    w.K = o.path_steps ? o.path_steps : 3;
    w.stride = w.K + 1;
    top = o.top ? o.top : 10;
    if ((rc = iv__lc_typeset(&L, o.start_types, "paths start type", &w.start)) ||
        (rc = iv__lc_walk(&L, iv__paths_contact, &w)) ||
        (rc = iv__lc_cover(&L, (void **)&w.starts, &w.scap, sizeof *w.starts)) ||
        (rc = iv__lc_table(&L, &t, cols, types, 3)))
        goto done;
    idx = iv__calloc(&L.c.a, IV__MAX(w.n, 1), sizeof *idx);
    tmp = iv__calloc(&L.c.a, IV__MAX(w.n, 1), sizeof *tmp);
    runs = iv__calloc(&L.c.a, IV__MAX(w.n, 1), sizeof *runs);
    if (!idx || !tmp || !runs || !(inv = iv__sorted_index(&L))) {
        rc = iv__nomem("paths");
        goto done;
    }
    for (i = 0; i < w.n; i++)
        idx[i] = (uint32_t)i;
    iv__path_sort(&w, idx, tmp, w.n);
    for (i = 0; i < w.n; i = j) {
        const uint32_t *e = &w.v[idx[i] * w.stride];
        for (j = i + 1; j < w.n && iv__path_cmp(&w.v[idx[j] * w.stride], e, w.stride) == 0; j++)
            ;
        runs[nruns].group = inv[e[0]];
        runs[nruns].contacts = j - i;
        if (!(runs[nruns].path = iv__path_text(&L, e + 1, w.K, &runs[nruns].len))) {
            rc = iv__nomem("paths");
            goto done;
        }
        nruns++;
    }
    if (nruns > 1)
        qsort(runs, nruns, sizeof *runs, iv__prun_cmp);
    for (i = 0; i < nruns && rc == IV_OK; i++) {
        long r;
        shown = i && runs[i].group == runs[i - 1].group ? shown + 1 : 0;
        if (shown >= top)
            continue;
        r = iv__lc_row(&L, t, runs[i].group);
        if (r < 0 || iv__table_set_string(t, (size_t)r, L.nk, runs[i].path, runs[i].len) ||
            iv__table_set_int(t, (size_t)r, L.nk + 1, (int64_t)runs[i].contacts) ||
            iv__table_set_double(t, (size_t)r, L.nk + 2,
                                 iv__share_of(runs[i].contacts, w.starts[L.G.g[runs[i].group].ord])))
            rc = iv__nomem("the paths table");
    }
done:
    for (i = 0; runs && i < nruns; i++)
        iv__free(&L.c.a, runs[i].path, runs[i].len + 1);
    iv__free(&L.c.a, runs, IV__MAX(w.n, 1) * sizeof *runs);
    iv__free(&L.c.a, idx, IV__MAX(w.n, 1) * sizeof *idx);
    iv__free(&L.c.a, tmp, IV__MAX(w.n, 1) * sizeof *tmp);
    iv__free(&L.c.a, inv, IV__MAX(L.G.n, 1) * sizeof *inv);
    iv__free(&L.c.a, w.v, w.cap * w.stride * sizeof *w.v);
    iv__free(&L.c.a, w.starts, w.scap * sizeof *w.starts);
    if (w.start)
        iv__lc_typeset_free(&L, w.start);
    iv__lc_free(&L);
    if (rc) {
        iv_table_free(t);
        return rc;
    }
    *out = t;
    return IV_OK;
}
