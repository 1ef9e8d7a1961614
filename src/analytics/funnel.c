/* Funnels: ordered steps, each a set of types, a conversion window from the contact's
 * entry, modes ordered / strict / any, exclusions, the time between steps (quantiles,
 * mean) and to completion (histogram), trends by entry period and the
 * support-after-completion share. Rules: doc/LIFECYCLE.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "funnel.h"
#include "quantile.h"
#include "table.h"
#include "text.h"
#include "timefmt.h"
#include "vocab.h"

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
            while (iv__text_space(*p))
                p++;
            b = p;
            while (*p && *p != ',' && *p != '|')
                p++;
            for (e = p; e > b && iv__text_space(e[-1]);)
                e--;
            if (e == b)
                return iv__error(IV_EPARSE, "funnel steps: empty %s at character %zu of \"%s\"",
                                 *p == '|' || (b > text && p[-1] == '|') ? "type" : "step",
                                 (size_t)(b - text) + 1, text);
            if (w > F->labels + F->loff[F->ns])
                *w++ = '|';
            memcpy(w, b, (size_t)(e - b));
            w += e - b;
            if (iv__vocab_find(&s->type.pool, b, (size_t)(e - b), &id))
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

/* A step none of whose types occurs in the selection gives quiet zeros: warn, naming
 * it (iv_warning_count). A step with one type present and another absent is not warned
 * about (the report's default steps list purchase types most data has only some of). */
static int iv__funnel_warn(const iv__funnel *F, const iv__ctx *c)
{
    size_t id, k, nt = IV__MAX(F->ntypes, 1);
    uint8_t *seen = iv__calloc(&c->a, nt, 1);
    if (!seen)
        return iv__nomem("the funnel's types");
    iv__sel_types_seen(c, seen);
    for (k = 0; k < F->ns; k++) {
        int in_store = 0, in_sel = 0;
        for (id = 1; id < F->ntypes; id++)
            if ((F->tmask[id] >> k) & 1) {
                in_store = 1;
                in_sel |= seen[id];
            }
        if (!in_sel)
            iv__warn("funnel step %zu ('%.200s') never occurs in the %s", k + 1, F->labels + F->loff[k],
                     in_store ? "selection" : "store");
    }
    iv__free(&c->a, seen, nt);
    return IV_OK;
}

/* Parse the exclusions "TYPES[@A-B][;TYPES[@A-B]...]" into xmask, xa, xb. */
static int iv__funnel_parse_excl(iv__funnel *F, const iv__ctx *c, const char *text)
{
    const iv_store *s = c->s;
    const char *p = text;
    if (!(F->xmask = iv__calloc(&c->a, IV__MAX(F->ntypes, 1), sizeof *F->xmask)))
        return iv__nomem("the funnel exclusions");
    for (;;) { /* one exclusion */
        size_t e = F->nx;
        if (e == IV__FUNNEL_MAX_EXCL)
            return iv__error(IV_ELIMIT, "funnel: more than %d exclusions", IV__FUNNEL_MAX_EXCL);
        for (;;) { /* one type */
            const char *b, *q;
            uint32_t id;
            while (iv__text_space(*p))
                p++;
            b = p;
            while (*p && *p != ',' && *p != '|' && *p != '@' && *p != ';')
                p++;
            for (q = p; q > b && iv__text_space(q[-1]);)
                q--;
            if (q == b)
                return iv__error(IV_EPARSE, "funnel exclusion: empty type at character %zu of \"%s\"",
                                 (size_t)(b - text) + 1, text);
            if (iv__vocab_find(&s->type.pool, b, (size_t)(q - b), &id))
                F->xmask[id] |= UINT32_C(1) << e;
            if (*p != ',' && *p != '|')
                break;
            p++;
        }
        F->xa[e] = F->xb[e] = 0;
        if (*p == '@') { /* @A-B: steps, 1 <= A < B <= steps */
            const char *at = p++;
            char *end;
            unsigned long A, B;
            A = strtoul(p, &end, 10);
            if (end == p || *end != '-')
                goto bad_range;
            p = end + 1;
            B = strtoul(p, &end, 10);
            if (end == p)
                goto bad_range;
            p = end;
            while (iv__text_space(*p))
                p++;
            if (A < 1 || B <= A || B > F->ns)
                return iv__error(IV_EINVAL,
                                 "funnel exclusion: steps @%lu-%lu at character %zu of \"%s\": "
                                 "need 1 <= A < B <= %zu (the number of steps)",
                                 A, B, (size_t)(at - text) + 1, text, F->ns);
            F->xa[e] = A;
            F->xb[e] = B;
            if (0) {
            bad_range:
                return iv__error(IV_EPARSE,
                                 "funnel exclusion: expected @A-B (two step numbers) at character %zu of \"%s\"",
                                 (size_t)(at - text) + 1, text);
            }
        }
        F->nx++;
        if (*p == '\0')
            break;
        if (*p != ';')
            return iv__error(IV_EPARSE, "funnel exclusion: unexpected '%c' at character %zu of \"%s\"",
                             *p, (size_t)(p - text) + 1, text);
        p++;
    }
    return IV_OK;
}

/* How far one contact got: returns the steps reached d (>= 1); tt[0..d) their times and
 * at[0..d) their positions in rows. rows[i0] is the contact's entry (its first step-1
 * interaction; in `any` mode its first interaction of any step). */
static size_t iv__funnel_reach(const iv__funnel *F, const iv__lc *L, const uint32_t *rows, size_t n,
                               size_t i0, int64_t *tt, size_t *at)
{
    const iv_store *s = L->c.s;
    int64_t t0 = s->ts[rows[i0]], cur[IV_FUNNEL_MAX_STEPS];
    size_t d = 1, i, run = 1, cpos[IV_FUNNEL_MAX_STEPS];
    uint32_t m0 = F->tmask[iv__codes_get(&s->type.codes, rows[i0])];
    uint32_t done = m0 & (~m0 + 1); /* any: the lowest-numbered step of the entry */
    tt[0] = cur[0] = t0;
    at[0] = cpos[0] = i0;
    for (i = i0 + 1; i < n && d < F->ns; i++) {
        int64_t ts = s->ts[rows[i]];
        uint32_t m = F->tmask[iv__codes_get(&s->type.codes, rows[i])];
        if (ts - t0 > F->W) /* the window [t0, t0 + W] is anchored at the entry */
            break;
        switch (F->mode) {
        case IV_FUNNEL_ORDERED: /* the earliest occurrence of the next step */
            if (m >> d & 1) {
                tt[d] = ts;
                at[d++] = i;
            }
            break;
        case IV_FUNNEL_STRICT: /* the next step must be the very next interaction */
            if (run >= 1 && m >> run & 1) {
                cur[run] = ts;
                cpos[run++] = i;
                if (run > d) {
                    memcpy(tt, cur, run * sizeof *cur);
                    memcpy(at, cpos, run * sizeof *cpos);
                    d = run;
                }
            } else if (m & 1) { /* a step-1 interaction restarts the run */
                cur[0] = ts;
                cpos[0] = i;
                run = 1;
            } else {
                run = 0;
            }
            break;
        default: /* any: the lowest-numbered step this interaction does that is new */
            m &= ~done;
            if (m) {
                done |= m & (~m + 1);
                tt[d] = ts;
                at[d++] = i;
            }
            break;
        }
    }
    return d;
}

/* Whether an exclusion removes the contact: an interaction of an excluded type after
 * the one that reached step A and before the one that reached step B (not reached: to
 * the end of the window), within the window. Default A-B: 1 to the last step reached. */
static int iv__funnel_excluded(const iv__funnel *F, const iv__lc *L, const uint32_t *rows, size_t n,
                               const int64_t *tt, const size_t *at, size_t d)
{
    const iv_store *s = L->c.s;
    size_t e, i;
    for (e = 0; e < F->nx; e++) {
        size_t A = F->xa[e] ? F->xa[e] : 1, B = F->xb[e] ? F->xb[e] : d, lo, hi;
        if (A > d || B <= A)
            continue;
        lo = at[A - 1] + 1;
        hi = B <= d ? at[B - 1] : n;
        for (i = lo; i < hi && s->ts[rows[i]] - tt[0] <= F->W; i++)
            if (F->xmask[iv__codes_get(&s->type.codes, rows[i])] >> e & 1)
                return 1;
    }
    return 0;
}

/* The funnel group of (walk group g, entry time te): with no time bucket in `by`, g
 * itself; otherwise the (g, bucket labels) pair, created when new. -1 on ENOMEM. */
long iv__funnel_group(iv__lc *L, iv__funnel *F, size_t g, int64_t te)
{
    iv__fgroup cand;
    size_t i, b = 0;
    memset(&cand, 0, sizeof cand);
    cand.g = (uint32_t)g;
    for (i = 0; i < F->nby; i++)
        if (iv__lc_is_bucket(F->kinds[i]))
            iv__bucket_label(F->kinds[i], te, cand.lab[b++], sizeof cand.lab[0]);
    if (F->last < F->nfg && memcmp(&F->fg[F->last], &cand, sizeof cand) == 0)
        return (long)F->last;
    for (i = 0; i < F->nfg; i++)
        if (memcmp(&F->fg[i], &cand, sizeof cand) == 0)
            return (long)(F->last = i);
    {
        void *p = F->fg;
        if (iv__grow(&L->c.a, &p, &F->fgcap, F->nfg + 1, sizeof *F->fg))
            return -1;
        F->fg = p;
    }
    F->fg[F->nfg] = cand;
    return (long)(F->last = F->nfg++);
}

/* Make the step counters cover n funnel groups (new ones zero). */
static int iv__funnel_cover(iv__lc *L, iv__funnel *F, size_t n)
{
    size_t old = F->cap, esz = (F->ns + 1) * sizeof *F->cnt;
    if (n <= old)
        return IV_OK;
    if (iv__grow(&L->c.a, (void **)&F->cnt, &F->cap, n, esz))
        return IV_ENOMEM;
    memset((char *)F->cnt + old * esz, 0, (F->cap - old) * esz);
    return IV_OK;
}

static int iv__push_dur(iv__lc *L, iv__dur **v, size_t *nv, size_t *cap, double sec, size_t fg)
{
    void *p = *v;
    if (iv__grow(&L->c.a, &p, cap, *nv + 1, sizeof **v))
        return IV_ENOMEM;
    *v = p;
    (*v)[*nv].sec = sec;
    (*v)[(*nv)++].g = (uint32_t)fg;
    return IV_OK;
}

size_t iv__funnel_eval(const iv__funnel *F, const iv__lc *L, const uint32_t *rows, size_t n, int64_t *tt,
                       int *support)
{
    const iv_store *s = L->c.s;
    size_t i0, d, i, at[IV_FUNNEL_MAX_STEPS];
    uint32_t entry = F->mode == IV_FUNNEL_ANY ? ~UINT32_C(0) : 1;
    *support = 0;
    for (i0 = 0; i0 < n && !(F->tmask[iv__codes_get(&s->type.codes, rows[i0])] & entry); i0++)
        ;
    if (i0 == n || !iv__lc_in_range(L, s->ts[rows[i0]]))
        return 0;
    d = iv__funnel_reach(F, L, rows, n, i0, tt, at);
    if (F->nx && iv__funnel_excluded(F, L, rows, n, tt, at, d))
        return 0;
    if (d == F->ns) /* completed: a support-flagged interaction at most W after completing? */
        for (i = at[d - 1] + 1; i < n && s->ts[rows[i]] - tt[d - 1] <= F->W; i++)
            if (L->c.ti[iv__codes_get(&s->type.codes, rows[i])].flags & IV_FLAG_SUPPORT) {
                *support = 1;
                break;
            }
    return d;
}

static int iv__funnel_contact(iv__lc *L, size_t g, uint32_t contact, const uint32_t *rows, size_t n,
                              void *payload)
{
    iv__funnel *F = payload;
    int64_t tt[IV_FUNNEL_MAX_STEPS];
    size_t d, k;
    uint64_t *cnt;
    long fg;
    int support;
    (void)contact;
    if (!(d = iv__funnel_eval(F, L, rows, n, tt, &support)))
        return IV_OK;
    if ((fg = iv__funnel_group(L, F, g, tt[0])) < 0)
        return iv__nomem("funnel groups");
    if (iv__funnel_cover(L, F, (size_t)fg + 1))
        return IV_ENOMEM;
    for (k = 1; k < d; k++)
        if (iv__push_dur(L, &F->dur[k], &F->nd[k], &F->dcap[k], (double)(tt[k] - tt[k - 1]) / 1000.0,
                         (size_t)fg))
            return IV_ENOMEM;
    cnt = &F->cnt[(size_t)fg * (F->ns + 1)];
    for (k = 0; k < d; k++)
        cnt[k]++;
    if (d < F->ns)
        return IV_OK;
    if (iv__push_dur(L, &F->comp, &F->ncomp, &F->ccap, (double)(tt[d - 1] - tt[0]) / 1000.0, (size_t)fg))
        return IV_ENOMEM;
    cnt[F->ns] += (uint64_t)support;
    return IV_OK;
}

static int iv__cmp_dur(const void *pa, const void *pb)
{
    const iv__dur *a = pa, *b = pb;
    if (a->g != b->g)
        return a->g < b->g ? -1 : 1;
    return a->sec < b->sec ? -1 : a->sec > b->sec;
}

#define IV__NSTAT 6 /* median, p10, p25, p75, p90, mean */

/* Per funnel group and step, the time from the previous step: median, p10, p25, p75,
 * p90 (type 7) and mean, at st[(group * ns + step) * IV__NSTAT]. */
static int iv__funnel_stats(iv__lc *L, iv__funnel *F, size_t ng, double *st)
{
    static const double P[] = {0.10, 0.25, 0.50, 0.75, 0.90};
    size_t k, i, j, m, cap = 0;
    double *x = NULL;
    for (i = 0; i < ng * F->ns * IV__NSTAT; i++)
        st[i] = (double)NAN;
    for (k = 1; k < F->ns; k++)
        cap = IV__MAX(cap, F->nd[k]);
    if (cap && !(x = iv__malloc(&L->c.a, cap * sizeof *x)))
        return iv__nomem("funnel times");
    for (k = 1; k < F->ns; k++) {
        const iv__dur *v = F->dur[k];
        if (F->nd[k] > 1) /* dur[k] is NULL when empty: qsort(NULL, 0) is undefined */
            qsort(F->dur[k], F->nd[k], sizeof *v, iv__cmp_dur);
        for (i = 0; i < F->nd[k]; i = j) {
            double q[5], sum = 0, *o;
            for (j = i; j < F->nd[k] && v[j].g == v[i].g; j++) {
                x[j - i] = v[j].sec;
                sum += v[j].sec;
            }
            m = j - i;
            iv__quantiles_sorted_p(x, m, P, 5, q);
            o = &st[((size_t)v[i].g * F->ns + k) * IV__NSTAT];
            o[0] = q[2];
            o[1] = q[0];
            o[2] = q[1];
            o[3] = q[3];
            o[4] = q[4];
            o[5] = sum / (double)m;
        }
    }
    iv__free(&L->c.a, x, cap * sizeof *x);
    return IV_OK;
}

static double iv__share(uint64_t num, uint64_t den)
{
    return den ? (double)num / (double)den : (double)NAN;
}

/* Label of a funnel group's c-th `by` column (NULL: undefined). */
const char *iv__fg_label(iv__lc *L, const iv__funnel *F, const uint32_t *inv, size_t f, size_t c)
{
    size_t i, b = 0, o = 0;
    uint32_t codes[IV_MAX_DIMS + 20];
    for (i = 0; i < c; i++) {
        if (iv__lc_is_bucket(F->kinds[i]))
            b++;
        else
            o++;
    }
    if (iv__lc_is_bucket(F->kinds[c]))
        return F->fg[f].lab[b];
    iv__key_codes(L->ks, L->nk, L->G.g[inv[F->fg[f].g]].key, codes);
    return iv__key_label(&L->ks[o], &L->c, codes[o]);
}

typedef struct iv__fgsort {
    iv__lc *L;
    const iv__funnel *F;
    const uint32_t *inv;
} iv__fgsort;

/* Order of funnel groups: by their labels in the `by` order, byte order, undefined last
 * (insertion sort: the groups are few). */
static void iv__fg_order(const iv__fgsort *z, size_t *ord, size_t n)
{
    size_t i, j, c;
    for (i = 1; i < n; i++) {
        size_t x = ord[i];
        for (j = i; j > 0; j--) {
            int cmp = 0;
            for (c = 0; c < z->F->nby && !cmp; c++) {
                const char *a = iv__fg_label(z->L, z->F, z->inv, x, c);
                const char *b = iv__fg_label(z->L, z->F, z->inv, ord[j - 1], c);
                cmp = !a ? (b ? 1 : 0) : !b ? -1 : strcmp(a, b);
            }
            if (cmp >= 0)
                break;
            ord[j] = ord[j - 1];
        }
        ord[j] = x;
    }
}

/* A table whose first columns are the `by` names in their order, then cols[0..n). */
static int iv__funnel_table(iv__lc *L, const iv__funnel *F, iv_table **out, const char *const *cols,
                            const int *types, size_t n)
{
    iv_table *t = iv__table_new(&L->c.a);
    size_t i, o = 0;
    *out = NULL;
    if (!t)
        return iv__nomem("the funnel table");
    for (i = 0; i < F->nby + n; i++) {
        const char *name = i >= F->nby ? cols[i - F->nby]
                           : iv__lc_is_bucket(F->kinds[i]) ? F->names[i]
                                                           : L->ks[o++].name;
        if (iv__table_add_col(t, name, i < F->nby ? IV_COL_STRING : types[i - F->nby]) < 0) {
            iv_table_free(t);
            return iv__nomem("the funnel table");
        }
    }
    *out = t;
    return IV_OK;
}

static long iv__funnel_row(iv__lc *L, const iv__funnel *F, const uint32_t *inv, iv_table *t, size_t f)
{
    long r = iv__table_add_row(t);
    size_t c;
    if (r < 0)
        return -1;
    for (c = 0; c < F->nby; c++) {
        const char *l = iv__fg_label(L, F, inv, f, c);
        if (iv__table_set_string(t, (size_t)r, c, l, l ? strlen(l) : 0))
            return -1;
    }
    return r;
}

/* The rows of funnel group f: one per step, then support_after. */
static int iv__funnel_rows(iv__lc *L, const iv__funnel *F, const uint32_t *inv, iv_table *t, size_t f,
                           const double *st)
{
    const uint64_t *cnt = &F->cnt[f * (F->ns + 1)];
    size_t k, j, c = F->nby;
    long r;
    for (k = 0; k < F->ns; k++) {
        char step[16];
        const char *lab = F->labels + F->loff[k];
        const double *x = &st[(f * F->ns + k) * IV__NSTAT];
        double prev = k ? iv__share(cnt[k], cnt[k - 1]) : iv__share(cnt[0], cnt[0]);
        int n = snprintf(step, sizeof step, "%zu", k + 1);
        r = iv__funnel_row(L, F, inv, t, f);
        if (r < 0 || iv__table_set_string(t, (size_t)r, c, step, (size_t)n) ||
            iv__table_set_string(t, (size_t)r, c + 1, lab, strlen(lab)) ||
            iv__table_set_int(t, (size_t)r, c + 2, (int64_t)cnt[k]) ||
            iv__table_set_double(t, (size_t)r, c + 3, prev) ||
            iv__table_set_double(t, (size_t)r, c + 4, iv__share(cnt[k], cnt[0])) ||
            iv__table_set_double(t, (size_t)r, c + 5, 1.0 - prev))
            return IV_ENOMEM;
        for (j = 0; j < IV__NSTAT; j++)
            if (iv__table_set_double(t, (size_t)r, c + 6 + j, x[j]))
                return IV_ENOMEM;
    }
    r = iv__funnel_row(L, F, inv, t, f);
    if (r < 0 || iv__table_set_string(t, (size_t)r, c, "support_after", 13) ||
        iv__table_set_int(t, (size_t)r, c + 2, (int64_t)cnt[F->ns]) ||
        iv__table_set_double(t, (size_t)r, c + 4, iv__share(cnt[F->ns], cnt[F->ns - 1])))
        return IV_ENOMEM;
    return IV_OK;
}

size_t iv__funnel_hist_bins(int64_t Wms, double *lo, double *hi, char (*label)[48])
{
    static const double edge[] = {3600.0, 86400.0, 3 * 86400.0, 7 * 86400.0, 14 * 86400.0,
                                  30 * 86400.0, 90 * 86400.0};
    static const char *const name[] = {"1h", "1d", "3d", "7d", "14d", "30d", "90d"};
    double W = (double)Wms / 1000.0;
    size_t nb = 0, b;
    const char *hn[8];
    char wl[32];
    for (b = 0; b < 7 && edge[b] < W; b++) {
        hi[nb] = edge[b];
        hn[nb++] = name[b];
    }
    if (Wms % IV__MS_PER_DAY == 0)
        snprintf(wl, sizeof wl, "%lldd", (long long)(Wms / IV__MS_PER_DAY));
    else if (Wms % 3600000 == 0)
        snprintf(wl, sizeof wl, "%lldh", (long long)(Wms / 3600000));
    else
        snprintf(wl, sizeof wl, "%.17gs", W);
    hi[nb] = W;
    hn[nb++] = wl;
    for (b = 0; b < nb; b++) {
        lo[b] = b ? hi[b - 1] : 0;
        if (b == 0)
            snprintf(label[b], 48, "< %s", hn[0]);
        else if (b == nb - 1)
            snprintf(label[b], 48, "%s-%s (window)", hn[b - 1], hn[b]);
        else
            snprintf(label[b], 48, "%s-%s", hn[b - 1], hn[b]);
    }
    return nb;
}

/* The histogram rows of funnel group f over its completion times (comp sorted by
 * group, then seconds). */
static int iv__funnel_hist_rows(iv__lc *L, const iv__funnel *F, const uint32_t *inv, iv_table *t,
                                size_t f)
{
    double lo[IV__FUNNEL_NBINS], hi[IV__FUNNEL_NBINS];
    char label[IV__FUNNEL_NBINS][48];
    size_t nb = iv__funnel_hist_bins(F->W, lo, hi, label), b, i, total = 0, c = F->nby;
    for (i = 0; i < F->ncomp; i++)
        total += F->comp[i].g == f;
    for (b = 0; b < nb; b++) {
        uint64_t k = 0;
        long r;
        for (i = 0; i < F->ncomp; i++)
            if (F->comp[i].g == f && F->comp[i].sec >= lo[b] && (F->comp[i].sec < hi[b] || b == nb - 1))
                k++;
        r = iv__funnel_row(L, F, inv, t, f);
        if (r < 0 || iv__table_set_string(t, (size_t)r, c, label[b], strlen(label[b])) ||
            iv__table_set_double(t, (size_t)r, c + 1, lo[b]) ||
            iv__table_set_double(t, (size_t)r, c + 2, hi[b]) ||
            iv__table_set_int(t, (size_t)r, c + 3, (int64_t)k) ||
            iv__table_set_double(t, (size_t)r, c + 4, iv__share(k, total)))
            return IV_ENOMEM;
    }
    return IV_OK;
}

static void iv__funnel_free(iv__lc *L, iv__funnel *F)
{
    size_t i;
    for (i = 0; i < IV_FUNNEL_MAX_STEPS; i++)
        iv__free(&L->c.a, F->dur[i], F->dcap[i] * sizeof *F->dur[i]);
    iv__free(&L->c.a, F->comp, F->ccap * sizeof *F->comp);
    iv__free(&L->c.a, F->cnt, F->cap * (F->ns + 1) * sizeof *F->cnt);
    iv__free(&L->c.a, F->tmask, IV__MAX(F->ntypes, 1) * sizeof *F->tmask);
    iv__free(&L->c.a, F->xmask, IV__MAX(F->ntypes, 1) * sizeof *F->xmask);
    iv__free(&L->c.a, F->labels, F->lcap);
    iv__free(&L->c.a, F->fg, F->fgcap * sizeof *F->fg);
}

void iv__funnel_close(iv__funnel *F, iv__lc *L)
{
    const iv_store *s = L->c.s;
    iv__funnel_free(L, F);
    iv__lc_free(L);
    if (s)
        iv__strfree(&s->alloc, F->rest);
    F->rest = NULL;
}

int iv__funnel_open(iv__funnel *F, iv__lc *L, const iv_store *s, const iv_query_options *q,
                    const iv_lifecycle_options *o)
{
    iv_query_options qq = IV_QUERY_OPTIONS_INIT;
    size_t i, nb;
    int rc;
    memset(F, 0, sizeof *F);
    memset(L, 0, sizeof *L);
    if (q) {
        if ((rc = iv__check_options(q, q->size, sizeof qq, sizeof qq, "iv_query_options")))
            return rc;
        memcpy(&qq, q, sizeof qq);
    }
    /* trends: time buckets in `by` group the contacts by the bucket of their entry */
    if ((rc = iv__lc_split_by(s, &s->alloc, qq.by, &F->rest, F->kinds, F->names, &F->nby)))
        return rc;
    for (i = 0, nb = 0; i < F->nby; i++)
        if (iv__lc_is_bucket(F->kinds[i])) {
            size_t j;
            for (j = 0; j < i; j++)
                if (F->kinds[j] == F->kinds[i]) {
                    iv__strfree(&s->alloc, F->rest);
                    F->rest = NULL;
                    return iv__error(IV_EINVAL, "group dimension '%s' given twice", F->names[i]);
                }
            nb++;
        }
    F->nbucket = nb;
    qq.by = F->rest;
    if ((rc = iv__lc_init(L, s, q ? &qq : NULL))) {
        iv__strfree(&s->alloc, F->rest);
        F->rest = NULL;
        return rc;
    }
    F->mode = o->mode;
    F->W = o->window ? o->window : 30 * IV__MS_PER_DAY;
    F->last = SIZE_MAX;
    if (!(rc = iv__funnel_parse(F, &L->c, o->steps)))
        rc = iv__funnel_warn(F, &L->c); /* a step no selected row has: quiet zeros otherwise */
    if (rc || (o->exclude && (rc = iv__funnel_parse_excl(F, &L->c, o->exclude)))) {
        iv__funnel_close(F, L);
        return rc;
    }
    return IV_OK;
}

/* The funnel (hist = 0) or its time-to-convert histogram (hist = 1). */
static int iv__funnel_run(iv_table **out, const iv_store *s, const iv_query_options *q,
                          const iv_lifecycle_options *opts, int hist)
{
    static const char *const cols[] = {"step", "types", "contacts", "from_previous", "from_first",
                                       "dropoff", "median_seconds_from_previous",
                                       "seconds_from_previous_p10", "seconds_from_previous_p25",
                                       "seconds_from_previous_p75", "seconds_from_previous_p90",
                                       "seconds_from_previous_mean"};
    static const int types[] = {IV_COL_STRING, IV_COL_STRING, IV_COL_INT, IV_COL_DOUBLE,
                                IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE,
                                IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE};
    static const char *const hcols[] = {"bin", "from_seconds", "to_seconds", "contacts", "share"};
    static const int htypes[] = {IV_COL_STRING, IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_INT, IV_COL_DOUBLE};
    iv_lifecycle_options o;
    iv__lc L;
    iv__funnel F;
    iv_table *t = NULL;
    double *st = NULL;
    size_t i, nst = 0, *ord = NULL;
    uint32_t *inv = NULL;
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_lifecycle_funnel: out is NULL");
    *out = NULL;
    if ((rc = iv__lc_options(&o, opts)))
        return rc;
    if (!s)
        return iv__error(IV_EINVAL, "iv_lifecycle_funnel: store is NULL");
    if ((rc = iv__funnel_open(&F, &L, s, q, &o)))
        return rc;
    if ((rc = iv__lc_walk(&L, iv__funnel_contact, &F)))
        goto done;
    if (!F.nbucket) /* without time buckets every walk group is a funnel group, entrants or not */
        for (i = 0; i < L.G.n; i++)
            if (iv__funnel_group(&L, &F, L.G.g[i].ord, 0) < 0 ||
                iv__funnel_cover(&L, &F, F.nfg)) {
                rc = iv__nomem("funnel groups");
                goto done;
            }
    rc = hist ? iv__funnel_table(&L, &F, &t, hcols, htypes, 5) : iv__funnel_table(&L, &F, &t, cols, types, 12);
    if (rc)
        goto done;
    if (!hist)
        iv__table_set_numeric_text(t, F.nby); /* `step`: 1, 2, ... then "support_after" */
    inv = iv__calloc(&L.c.a, IV__MAX(L.G.n, 1), sizeof *inv);
    ord = iv__calloc(&L.c.a, IV__MAX(F.nfg, 1), sizeof *ord);
    nst = IV__MAX(F.nfg, 1) * F.ns * IV__NSTAT;
    st = iv__malloc(&L.c.a, nst * sizeof *st);
    if (!inv || !ord || !st) {
        rc = iv__nomem("the funnel table");
        goto done;
    }
    for (i = 0; i < L.G.n; i++)
        inv[L.G.g[i].ord] = (uint32_t)i;
    for (i = 0; i < F.nfg; i++)
        ord[i] = i;
    {
        iv__fgsort z;
        z.L = &L;
        z.F = &F;
        z.inv = inv;
        iv__fg_order(&z, ord, F.nfg);
    }
    if ((rc = iv__funnel_stats(&L, &F, F.nfg, st)))
        goto done;
    if (F.ncomp > 1)
        qsort(F.comp, F.ncomp, sizeof *F.comp, iv__cmp_dur);
    for (i = 0; i < F.nfg && rc == IV_OK; i++)
        if (hist ? iv__funnel_hist_rows(&L, &F, inv, t, ord[i]) : iv__funnel_rows(&L, &F, inv, t, ord[i], st))
            rc = iv__nomem("the funnel table");
done:
    iv__free(&L.c.a, st, nst * sizeof *st);
    iv__free(&L.c.a, inv, IV__MAX(L.G.n, 1) * sizeof *inv);
    iv__free(&L.c.a, ord, IV__MAX(F.nfg, 1) * sizeof *ord);
    iv__funnel_close(&F, &L);
    if (rc) {
        iv_table_free(t);
        return rc;
    }
    *out = t;
    return IV_OK;
}

IV_API int iv_lifecycle_funnel(iv_table **out, const iv_store *s, const iv_query_options *q,
                               const iv_lifecycle_options *opts)
{
    return iv__funnel_run(out, s, q, opts, 0);
}

IV_API int iv_lifecycle_funnel_histogram(iv_table **out, const iv_store *s, const iv_query_options *q,
                                         const iv_lifecycle_options *opts)
{
    return iv__funnel_run(out, s, q, opts, 1);
}
