/* Funnels (doc/LIFECYCLE.md): ordered steps, each a set of types, a conversion window from the
 * contact's first step-1 interaction, modes ordered / strict / any, the median time
 * between steps and the support-after-completion share. Rules: doc/LIFECYCLE.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lifecycle.h"
#include "table.h"
#include "timefmt.h"

typedef struct iv__dur {
    double sec;   /* seconds from the previous step */
    uint32_t g;   /* group */
} iv__dur;

typedef struct iv__funnel {
    int mode;
    int64_t W;
    size_t ns;                          /* steps */
    uint32_t *tmask;                    /* per type code: bit k = the type is in step k+1 */
    size_t ntypes;
    char *labels;                       /* step k's types "a|b" at labels + loff[k] */
    size_t lcap, loff[IV_FUNNEL_MAX_STEPS];
    uint64_t *cnt;                      /* per group: ns step counts, then support_after */
    size_t cap;
    iv__dur *dur[IV_FUNNEL_MAX_STEPS];  /* per step k >= 1 */
    size_t nd[IV_FUNNEL_MAX_STEPS], dcap[IV_FUNNEL_MAX_STEPS];
} iv__funnel;

static int iv__is_space(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* Parse "a,b|c,d": steps split by ',', alternatives by '|'. Fills ns, labels, tmask. */
static int iv__funnel_parse(iv__funnel *F, const iv__ctx *c, const char *text)
{
    const iv_store *s = c->s;
    const char *p = text;
    char *w;
    if (!text || !*text)
        return iv__error(IV_EINVAL, "funnel: no steps given (e.g. \"signup,demo|trial,purchase\")");
    F->lcap = strlen(text) + 1;
    F->labels = iv__malloc(&c->a, F->lcap);
    F->ntypes = s->type.pool.count;
    F->tmask = iv__calloc(&c->a, IV__MAX(F->ntypes, 1), sizeof *F->tmask);
    if (!F->labels || !F->tmask)
        return iv__nomem("the funnel steps");
    w = F->labels;
    for (;;) { /* one step */
        if (F->ns == IV_FUNNEL_MAX_STEPS)
            return iv__error(IV_ELIMIT, "funnel: more than %d steps", IV_FUNNEL_MAX_STEPS);
        F->loff[F->ns] = (size_t)(w - F->labels);
        for (;;) { /* one alternative */
            const char *b, *e;
            uint32_t id;
            while (iv__is_space(*p))
                p++;
            b = p;
            while (*p && *p != ',' && *p != '|')
                p++;
            for (e = p; e > b && iv__is_space(e[-1]);)
                e--;
            if (e == b)
                return iv__error(IV_EPARSE, "funnel steps: empty %s at character %zu of \"%s\"",
                                 *p == '|' || (b > text && p[-1] == '|') ? "type" : "step",
                                 (size_t)(b - text) + 1, text);
            if (w > F->labels + F->loff[F->ns])
                *w++ = '|';
            memcpy(w, b, (size_t)(e - b));
            w += e - b;
            if (iv__pool_find(&s->type.pool, b, (size_t)(e - b), &id))
                F->tmask[id] |= UINT32_C(1) << F->ns;
            if (*p != '|')
                break;
            p++;
        }
        *w++ = '\0';
        F->ns++;
        if (*p != ',')
            break;
        p++;
    }
    return IV_OK;
}

/* How far one contact got: returns the steps reached d (>= 1); tt[0..d) their times;
 * *pos the position in rows of the step that was reached last. rows[i0] is the
 * contact's first step-1 interaction. */
static size_t iv__funnel_reach(const iv__funnel *F, const iv__lc *L, const uint32_t *rows, size_t n,
                               size_t i0, int64_t *tt, size_t *pos)
{
    const iv_store *s = L->c.s;
    int64_t t0 = s->ts[rows[i0]], cur[IV_FUNNEL_MAX_STEPS];
    size_t d = 1, i, run = 1;
    uint32_t done = 1;
    tt[0] = cur[0] = t0;
    *pos = i0;
    for (i = i0 + 1; i < n && d < F->ns; i++) {
        int64_t ts = s->ts[rows[i]];
        uint32_t m = F->tmask[iv__codes_get(&s->type.codes, rows[i])];
        if (ts - t0 > F->W) /* the window [t0, t0 + W] is anchored at the first step 1 */
            break;
        switch (F->mode) {
        case IV_FUNNEL_ORDERED: /* the earliest occurrence of the next step */
            if (m >> d & 1) {
                tt[d++] = ts;
                *pos = i;
            }
            break;
        case IV_FUNNEL_STRICT: /* the next step must be the very next interaction */
            if (run >= 1 && m >> run & 1) {
                cur[run++] = ts;
                if (run > d) {
                    memcpy(tt, cur, run * sizeof *cur);
                    d = run;
                    *pos = i;
                }
            } else if (m & 1) { /* a step-1 interaction restarts the run */
                cur[0] = ts;
                run = 1;
            } else {
                run = 0;
            }
            break;
        default: /* any: the lowest-numbered step this interaction does that is new */
            m &= ~done;
            if (m) {
                done |= m & (~m + 1);
                tt[d++] = ts;
                *pos = i;
            }
            break;
        }
    }
    return d;
}

static int iv__funnel_contact(iv__lc *L, size_t g, uint32_t contact, const uint32_t *rows, size_t n,
                              void *payload)
{
    iv__funnel *F = payload;
    const iv_store *s = L->c.s;
    int64_t tt[IV_FUNNEL_MAX_STEPS];
    size_t i0, d, k, pos, i;
    uint64_t *cnt;
    (void)contact;
    for (i0 = 0; i0 < n && !(F->tmask[iv__codes_get(&s->type.codes, rows[i0])] & 1); i0++)
        ;
    if (i0 == n || !iv__lc_in_range(L, s->ts[rows[i0]]))
        return IV_OK;
    if (iv__lc_cover(L, (void **)&F->cnt, &F->cap, (F->ns + 1) * sizeof *F->cnt))
        return IV_ENOMEM;
    d = iv__funnel_reach(F, L, rows, n, i0, tt, &pos);
    for (k = 1; k < d; k++) {
        void *p = F->dur[k];
        if (iv__grow(&L->c.a, &p, &F->dcap[k], F->nd[k] + 1, sizeof *F->dur[k]))
            return IV_ENOMEM;
        F->dur[k] = p;
        F->dur[k][F->nd[k]].sec = (double)(tt[k] - tt[k - 1]) / 1000.0;
        F->dur[k][F->nd[k]++].g = (uint32_t)g;
    }
    cnt = &F->cnt[g * (F->ns + 1)];
    for (k = 0; k < d; k++)
        cnt[k]++;
    if (d < F->ns)
        return IV_OK;
    /* completed: a support-flagged interaction at most W after completing? */
    for (i = pos + 1; i < n && s->ts[rows[i]] - tt[d - 1] <= F->W; i++)
        if (L->c.ti[iv__codes_get(&s->type.codes, rows[i])].flags & IV_FLAG_SUPPORT) {
            cnt[F->ns]++;
            break;
        }
    return IV_OK;
}

static int iv__cmp_dur(const void *pa, const void *pb)
{
    const iv__dur *a = pa, *b = pb;
    if (a->g != b->g)
        return a->g < b->g ? -1 : 1;
    return a->sec < b->sec ? -1 : a->sec > b->sec;
}

/* Per group and step, the median of the seconds from the previous step (type 7 at 0.5:
 * the mean of the two middle values when their number is even). */
static void iv__funnel_medians(iv__funnel *F, size_t ng, double *med)
{
    size_t k, i, j;
    for (i = 0; i < ng * F->ns; i++)
        med[i] = (double)NAN;
    for (k = 1; k < F->ns; k++) {
        const iv__dur *v = F->dur[k];
        if (F->nd[k] > 1) /* dur[k] is NULL when empty: qsort(NULL, 0) is undefined */
            qsort(F->dur[k], F->nd[k], sizeof *v, iv__cmp_dur);
        for (i = 0; i < F->nd[k]; i = j) {
            size_t m;
            for (j = i; j < F->nd[k] && v[j].g == v[i].g; j++)
                ;
            m = j - i;
            med[v[i].g * F->ns + k] = (v[i + (m - 1) / 2].sec + v[i + m / 2].sec) / 2;
        }
    }
}

static double iv__share(uint64_t num, uint64_t den)
{
    return den ? (double)num / (double)den : (double)NAN;
}

/* The rows of sorted group i: one per step, then support_after. */
static int iv__funnel_rows(iv__lc *L, const iv__funnel *F, iv_table *t, size_t i, const double *med)
{
    size_t g = L->G.g[i].ord;
    const uint64_t *cnt = &F->cnt[g * (F->ns + 1)];
    size_t k, c = L->nk;
    long r;
    for (k = 0; k < F->ns; k++) {
        char step[16];
        const char *lab = F->labels + F->loff[k];
        double prev = k ? iv__share(cnt[k], cnt[k - 1]) : iv__share(cnt[0], cnt[0]);
        int n = snprintf(step, sizeof step, "%zu", k + 1);
        r = iv__lc_row(L, t, i);
        if (r < 0 || iv__table_set_string(t, (size_t)r, c, step, (size_t)n) ||
            iv__table_set_string(t, (size_t)r, c + 1, lab, strlen(lab)) ||
            iv__table_set_int(t, (size_t)r, c + 2, (int64_t)cnt[k]) ||
            iv__table_set_double(t, (size_t)r, c + 3, prev) ||
            iv__table_set_double(t, (size_t)r, c + 4, iv__share(cnt[k], cnt[0])) ||
            iv__table_set_double(t, (size_t)r, c + 5, 1.0 - prev) ||
            iv__table_set_double(t, (size_t)r, c + 6, med[g * F->ns + k]))
            return IV_ENOMEM;
    }
    r = iv__lc_row(L, t, i);
    if (r < 0 || iv__table_set_string(t, (size_t)r, c, "support_after", 13) ||
        iv__table_set_int(t, (size_t)r, c + 2, (int64_t)cnt[F->ns]) ||
        iv__table_set_double(t, (size_t)r, c + 4, iv__share(cnt[F->ns], cnt[F->ns - 1])))
        return IV_ENOMEM;
    return IV_OK;
}

IV_API int iv_lifecycle_funnel(iv_table **out, const iv_store *s, const iv_query_options *q,
                               const iv_lifecycle_options *opts)
{
    static const char *const cols[] = {"step", "types", "contacts", "from_previous", "from_first",
                                       "dropoff", "median_seconds_from_previous"};
    static const int types[] = {IV_COL_STRING, IV_COL_STRING, IV_COL_INT, IV_COL_DOUBLE,
                                IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE};
    iv_lifecycle_options o;
    iv__lc L;
    iv__funnel F;
    iv_table *t = NULL;
    double *med = NULL;
    size_t i, nmed = 0;
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_lifecycle_funnel: out is NULL");
    *out = NULL;
    if ((rc = iv__lc_options(&o, opts)) || (rc = iv__lc_init(&L, s, q)))
        return rc;
    memset(&F, 0, sizeof F);
    F.mode = o.mode;
    F.W = o.window ? o.window : 30 * IV__MS_PER_DAY;
    if ((rc = iv__funnel_parse(&F, &L.c, o.steps)) || (rc = iv__lc_walk(&L, iv__funnel_contact, &F)) ||
        (rc = iv__lc_cover(&L, (void **)&F.cnt, &F.cap, (F.ns + 1) * sizeof *F.cnt)) ||
        (rc = iv__lc_table(&L, &t, cols, types, 7)))
        goto done;
    iv__table_set_numeric_text(t, L.nk); /* `step`: 1, 2, ... then "support_after" (doc/LIFECYCLE.md §Funnels) */
    nmed = IV__MAX(L.G.n, 1) * F.ns;
    if (!(med = iv__malloc(&L.c.a, nmed * sizeof *med))) {
        rc = iv__nomem("funnel medians");
        goto done;
    }
    iv__funnel_medians(&F, L.G.n, med);
    for (i = 0; i < L.G.n && rc == IV_OK; i++)
        if (iv__funnel_rows(&L, &F, t, i, med))
            rc = iv__nomem("the funnel table");
done:
    iv__free(&L.c.a, med, nmed * sizeof *med);
    for (i = 0; i < IV_FUNNEL_MAX_STEPS; i++)
        iv__free(&L.c.a, F.dur[i], F.dcap[i] * sizeof *F.dur[i]);
    iv__free(&L.c.a, F.cnt, F.cap * (F.ns + 1) * sizeof *F.cnt);
    iv__free(&L.c.a, F.tmask, IV__MAX(F.ntypes, 1) * sizeof *F.tmask);
    iv__free(&L.c.a, F.labels, F.lcap);
    iv__lc_free(&L);
    if (rc) {
        iv_table_free(t);
        return rc;
    }
    *out = t;
    return IV_OK;
}
