/* Summaries (doc/SUMMARIES.md): per group of a query, the metric accumulator of metrics.h plus
 * exact moments and relative-error sketches of per-contact metrics; exact merges; the
 * byte format; the confidential segment comparison. Byte format: doc/SUMMARIES.md. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iv/summary.h"
#include "metrics.h"
#include "group.h"
#include "partition.h"
#include "sketch.h"
#include "stats.h"
#include "table.h"
#include "wire.h"

/* Per-contact metrics kept per group: each contact's own value over its rows in the group. */
#define IV__NPCM 5
static const char *const iv__pcm_names[IV__NPCM] = {"n", "cost", "value", "rv",
                                                    "rv_per_interaction"};


/* ------------------------------------------------------------ u256 ------- */

/* Sums of squares of 1e-9 fixed-point values (|X| < 2^127, X^2 < 2^254) are kept exactly
 * in 256-bit unsigned integers, four little-endian 64-bit words. */
typedef struct iv__u256 {
    uint64_t w[4];
} iv__u256;

/* r += v * 2^(64 k) */
static void iv__u256_add_at(iv__u256 *r, iv__u128 v, int k)
{
    iv__u128 carry = v;
    for (; k < 4 && carry; k++) {
        iv__u128 s = (iv__u128)r->w[k] + (uint64_t)carry;
        r->w[k] = (uint64_t)s;
        carry = (carry >> 64) + (s >> 64);
    }
}

static void iv__u256_add(iv__u256 *r, const iv__u256 *b)
{
    int k;
    for (k = 0; k < 4; k++)
        iv__u256_add_at(r, b->w[k], k);
}

/* x^2 for x < 2^128: (h 2^64 + l)^2 = h^2 2^128 + 2 h l 2^64 + l^2 */
static iv__u256 iv__u256_sq(iv__u128 x)
{
    iv__u256 r = {{0, 0, 0, 0}};
    uint64_t h = (uint64_t)(x >> 64), l = (uint64_t)x;
    iv__u128 hl = (iv__u128)h * l;
    iv__u256_add_at(&r, (iv__u128)l * l, 0);
    iv__u256_add_at(&r, hl, 1);
    iv__u256_add_at(&r, hl, 1);
    iv__u256_add_at(&r, (iv__u128)h * h, 2);
    return r;
}

static iv__u128 iv__abs128(iv__i128 v)
{
    return v < 0 ? (iv__u128)0 - (iv__u128)v : (iv__u128)v;
}

/* A fixed-point sum read from untrusted bytes must stay far from the 128-bit limit, so
 * that merging summaries cannot overflow (undefined behaviour, found by fuzz_summary):
 * 2^100 units of 1e-9 are 1.27e21, beyond any real total of money or RV. */
static int iv__sum_plausible(iv__i128 v)
{
    return iv__abs128(v) <= (iv__u128)1 << 100;
}

/* Counts likewise: none above the interaction count n, and n at most 2^53, so that every
 * count is exact as a double and converts back to int64 (found by fuzz_summary). */
static int iv__gacc_plausible(const iv__gacc *g)
{
    const uint64_t c[14] = {g->contacts, g->desired, g->outcome_given, g->rv_forward,
                            g->rv_backward, g->cost_assumed, g->nps_n, g->nps_promoters,
                            g->nps_detractors, g->csat_n, g->csat_satisfied, g->ces_n,
                            g->ces_easy, g->rv_unscored};
    int i;
    if (g->n > (uint64_t)1 << 53)
        return 0;
    for (i = 0; i < 14; i++)
        if (c[i] > g->n)
            return 0;
    /* each count against its own denominator (doc/METRICS.md §Group metrics): desired
     * outcomes among the given ones, promoters and detractors among the NPS answers, ...;
     * a row is at most one survey and either forward or backward */
    if (g->desired > g->outcome_given || g->nps_promoters + g->nps_detractors > g->nps_n ||
        g->csat_satisfied > g->csat_n || g->ces_easy > g->ces_n ||
        g->nps_n + g->csat_n + g->ces_n > g->n || g->rv_forward + g->rv_backward > g->n)
        return 0;
    return iv__sum_plausible(g->cost) && iv__sum_plausible(g->value) &&
           iv__sum_plausible(g->quality) && iv__sum_plausible(g->rv) &&
           iv__sum_plausible(g->csat_sum) && iv__sum_plausible(g->ces_sum);
}

static double iv__u256_to_double(const iv__u256 *a)
{
    return ldexp((double)a->w[3], 192) + ldexp((double)a->w[2], 128) +
           ldexp((double)a->w[1], 64) + (double)a->w[0];
}

/* Sum of squared deviations M2 = S2 - S1^2 / n in 1e-18 units, computed exactly up to
 * the final rounding: floor(S1^2 / n) by long division, S2 minus it (non-negative by
 * Cauchy-Schwarz, n S2 >= S1^2), minus the fractional remainder. */
static double iv__m2(iv__i128 s1, const iv__u256 *s2, uint64_t n)
{
    iv__u256 q = iv__u256_sq(iv__abs128(s1)), d;
    iv__u128 rem = 0, borrow = 0;
    int k;
    for (k = 3; k >= 0; k--) {
        iv__u128 cur = (rem << 64) | q.w[k];
        q.w[k] = (uint64_t)(cur / n);
        rem = cur % n;
    }
    for (k = 0; k < 4; k++) {
        iv__u128 sub = (iv__u128)q.w[k] + borrow;
        d.w[k] = (uint64_t)((iv__u128)s2->w[k] - sub);
        borrow = (iv__u128)s2->w[k] < sub;
    }
    return iv__u256_to_double(&d) - (double)rem / (double)n;
}

/* ------------------------------------------------------------ types ------ */

typedef struct iv__pcm {
    iv__i128 sum;     /* sum of X, X = the value in 1e-9 units */
    iv__u256 sumsq;   /* sum of X^2 */
    iv__sketch sk;
} iv__pcm;

typedef struct iv__sgroup {
    char **lab;       /* nk labels, NULL = undefined */
    iv__gacc acc;
    iv__pcm pm[IV__NPCM];
} iv__sgroup;

struct iv_summary {
    iv__alloc a;
    double alpha;
    size_t nk;
    char **dims;      /* group dimension names, as the metrics table's columns */
    uint64_t where_fp;        /* FNV-1a 64 of the selection text (the text itself could
                                 name a contact, so only its hash travels) */
    int64_t from, to, t_ref;  /* t_ref: IV_TIME_NONE unless the model has a half-life */
    uint64_t model_fp;        /* FNV-1a 64 of the model's text form */
    size_t n, cap;
    iv__sgroup *g;    /* sorted by labels (byte order, undefined last) */
    int no_unscored;  /* read from (or merged with) format 1: rv_unscored is unknown */
};

static void iv__strs_free(const iv__alloc *a, char **v, size_t n)
{
    size_t i;
    if (!v)
        return;
    for (i = 0; i < n; i++)
        iv__strfree(a, v[i]);
    iv__free(a, v, IV__MAX(n, 1) * sizeof *v);
}

static void iv__sgroup_free(const iv__alloc *a, iv__sgroup *g, size_t nk)
{
    int m;
    iv__strs_free(a, g->lab, nk);
    g->lab = NULL;
    for (m = 0; m < IV__NPCM; m++)
        iv__sketch_free(&g->pm[m].sk, a);
}

static void iv__pcms_init(iv__pcm *pm, double alpha)
{
    int m;
    memset(pm, 0, IV__NPCM * sizeof *pm);
    for (m = 0; m < IV__NPCM; m++)
        iv__sketch_init(&pm[m].sk, alpha);
}

IV_API void iv_summary_free(iv_summary *s)
{
    iv__alloc a;
    size_t i;
    if (!s)
        return;
    a = s->a;
    for (i = 0; i < s->n; i++)
        iv__sgroup_free(&a, &s->g[i], s->nk);
    iv__free(&a, s->g, s->cap * sizeof *s->g);
    iv__strs_free(&a, s->dims, s->nk);
    iv__free(&a, s, sizeof *s);
}

IV_API size_t iv_summary_groups(const iv_summary *s)
{
    return s ? s->n : 0;
}

IV_API int iv_summary_options_init(iv_summary_options *opts, size_t size)
{
    IV__OPTIONS_INIT(iv_summary_options, IV_SUMMARY_OPTIONS_INIT, opts, size, sizeof(iv_summary_options));
}

static int iv__summary_opts(const iv_summary_options *opts, iv_summary_options *o)
{
    iv_summary_options def = IV_SUMMARY_OPTIONS_INIT;
    int rc;
    if (opts) {
        if ((rc = iv__check_options(opts, opts->size, sizeof def, sizeof def, "iv_summary_options")))
            return rc;
        memcpy(&def, opts, sizeof def);
    }
    if (def.alpha == 0.0)
        def.alpha = IV__SKETCH_ALPHA;
    if (!(def.alpha >= 1e-4 && def.alpha <= 0.5))
        return iv__error(IV_EINVAL, "iv_summary_options: alpha %g is not in [1e-4, 0.5]", def.alpha);
    *o = def;
    return IV_OK;
}

/* An empty summary (no groups) with the allocator a. */
static iv_summary *iv__summary_new(const iv__alloc *a, double alpha)
{
    iv_summary *s = iv__calloc(a, 1, sizeof *s);
    if (!s)
        return NULL;
    s->a = *a;
    s->alpha = alpha;
    s->from = s->to = s->t_ref = IV_TIME_NONE;
    return s;
}

/* Order of groups: labels compared dimension by dimension in byte order, undefined last
 * (the order of iv_query_metrics()). */
static int iv__labels_cmp(char *const *a, char *const *b, size_t nk)
{
    size_t i;
    for (i = 0; i < nk; i++) {
        int r;
        if (!a[i] || !b[i]) {
            if (a[i] != b[i])
                return a[i] ? -1 : 1;
            continue;
        }
        if ((r = strcmp(a[i], b[i])) != 0)
            return r;
    }
    return 0;
}

/* ------------------------------------------------------------ make ------- */

/* The running partial of the current contact in one group. */
typedef struct iv__cpart {
    uint32_t contact;   /* 0: none yet */
    uint32_t n;
    iv__i128 cost, value, rv;
} iv__cpart;

typedef struct iv__mk {
    iv__alloc a;
    double alpha;
    iv__cpart *part;    /* per group creation index */
    iv__pcm *pm;        /* IV__NPCM per group creation index */
    size_t n, cap_part, cap_pm;
} iv__mk;

static void iv__pcm_add(iv__pcm *p, iv__i128 x)
{
    iv__u256 sq = iv__u256_sq(iv__abs128(x));
    p->sum += x;
    iv__u256_add(&p->sumsq, &sq);
}

/* Close a contact's partial into the group's per-contact metrics. */
static int iv__cpart_flush(iv__mk *mk, size_t g)
{
    iv__cpart *cp = &mk->part[g];
    iv__pcm *pm = &mk->pm[g * IV__NPCM];
    iv__i128 x[IV__NPCM];
    int m;
    if (!cp->contact)
        return IV_OK;
    x[0] = (iv__i128)cp->n * 1000000000;
    x[1] = cp->cost;
    x[2] = cp->value;
    x[3] = cp->rv;
    x[4] = iv__fix_of(iv__fix_to_double(cp->rv) / (double)cp->n);
    for (m = 0; m < IV__NPCM; m++) {
        if (iv__sketch_add(&pm[m].sk, &mk->a, iv__fix_to_double(x[m])))
            return IV_ENOMEM;
        iv__pcm_add(&pm[m], x[m]);
    }
    memset(cp, 0, sizeof *cp);
    return IV_OK;
}

static int iv__mk_fit(iv__mk *mk, size_t need)
{
    void *p;
    size_t i;
    if (need <= mk->n)
        return IV_OK;
    p = mk->part;
    if (iv__grow(&mk->a, &p, &mk->cap_part, need, sizeof *mk->part))
        return IV_ENOMEM;
    mk->part = p;
    p = mk->pm;
    if (iv__grow(&mk->a, &p, &mk->cap_pm, need * IV__NPCM, sizeof *mk->pm))
        return IV_ENOMEM;
    mk->pm = p;
    for (i = mk->n; i < need; i++) {
        memset(&mk->part[i], 0, sizeof mk->part[i]);
        iv__pcms_init(&mk->pm[i * IV__NPCM], mk->alpha);
    }
    mk->n = need;
    return IV_OK;
}

static int iv__mk_hook(void *payload, const iv__ctx *c, size_t g, uint32_t contact, size_t row,
                       double u, double cost)
{
    iv__mk *mk = payload;
    iv__cpart *cp;
    if (g >= mk->n && iv__mk_fit(mk, g + 1))
        return IV_ENOMEM;
    cp = &mk->part[g];
    if (cp->contact != contact) {
        if (iv__cpart_flush(mk, g))
            return IV_ENOMEM;
        cp->contact = contact;
    }
    /* the same per-row rounding as the group accumulator, so the per-contact sums add
     * up to the group's sums exactly */
    cp->n++;
    cp->cost += iv__fix_of(cost);
    cp->value += iv__fix_of(c->s->value[row]);
    cp->rv += iv__fix_of(u);
    return IV_OK;
}

static void iv__mk_free(iv__mk *mk)
{
    size_t i;
    for (i = 0; i < mk->n * IV__NPCM; i++)
        iv__sketch_free(&mk->pm[i].sk, &mk->a);
    iv__free(&mk->a, mk->part, mk->cap_part * sizeof *mk->part);
    iv__free(&mk->a, mk->pm, mk->cap_pm * sizeof *mk->pm);
}

/* The summary's scope: what two summaries must share to merge. */
static int iv__scope_set(iv_summary *s, const iv__ctx *c, const iv__keyer *ks, size_t nk,
                         const iv_query_options *q)
{
    char *txt = NULL;
    size_t len = 0, i;
    int rc;
    s->dims = iv__calloc(&s->a, IV__MAX(nk, 1), sizeof *s->dims);
    if (!s->dims)
        return iv__nomem("a summary");
    s->nk = nk;
    for (i = 0; i < nk; i++)
        if (!(s->dims[i] = iv__strndup(&s->a, ks[i].name, strlen(ks[i].name))))
            return iv__nomem("a summary");
    s->where_fp = q && q->where ? iv__fnv1a64(q->where, strlen(q->where)) : iv__fnv1a64("", 0);
    s->from = c->from;
    s->to = c->to;
    s->t_ref = isnan(c->half_life_ms) ? IV_TIME_NONE : c->t_ref;
    if ((rc = iv_model_to_string(c->m, &txt, &len)) != IV_OK)
        return rc;
    s->model_fp = iv__fnv1a64(txt, len);
    iv_model_free_string(c->m, txt);
    return IV_OK;
}

IV_API int iv_summary_make(iv_summary **out, const iv_store *store, const iv_query_options *q,
                           const iv_summary_options *opts)
{
    iv_summary_options o;
    iv__ctx c;
    iv__keyer *ks = NULL;
    size_t nk = 0, i;
    iv__groups G;
    iv__mk mk;
    iv_summary *s = NULL;
    uint32_t codes[IV_MAX_DIMS + 20];
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_summary_make: out is NULL");
    *out = NULL;
    if ((rc = iv__summary_opts(opts, &o)))
        return rc;
    if ((rc = iv__ctx_init(&c, store, q)))
        return rc;
    memset(&mk, 0, sizeof mk);
    memset(&G, 0, sizeof G);
    /* the summary's allocator: the options', else the store's */
    mk.a = c.a;
    if (opts && opts->alloc)
        iv__alloc_init(&mk.a, opts->alloc, opts->alloc_ud);
    mk.alpha = o.alpha;
    if ((rc = iv__keyers_make(&c, q ? q->by : NULL, &ks, &nk)))
        goto done;
    for (i = 0; i < nk; i++)
        if (ks[i].kind == IV__DIM_CONTACT || ks[i].kind == IV__DIM_ID) {
            /* a summary carries no contact ids or interaction details */
            rc = iv__error(IV_EINVAL, "a summary cannot be grouped by '%s': its labels would "
                                      "be contact or interaction ids", ks[i].name);
            goto done;
        }
    if ((rc = iv__group_run(&c, ks, nk, &G, iv__mk_hook, &mk)))
        goto done;
    /* close the last contact of every group; the no-dimension group of an empty
     * selection was made without a hook call */
    for (i = 0; i < mk.n && !rc; i++)
        rc = iv__cpart_flush(&mk, i);
    if (!rc)
        rc = iv__mk_fit(&mk, G.n);
    if (rc)
        goto done;
    s = iv__summary_new(&mk.a, o.alpha);
    if (!s || (s->g = iv__calloc(&mk.a, IV__MAX(G.n, 1), sizeof *s->g)) == NULL) {
        rc = iv__nomem("a summary");
        goto done;
    }
    s->cap = IV__MAX(G.n, 1);
    if ((rc = iv__scope_set(s, &c, ks, nk, q)))
        goto done;
    for (i = 0; i < G.n; i++) {
        iv__sgroup *sg = &s->g[i];
        size_t d, ord = G.g[i].ord;
        iv__pcms_init(sg->pm, o.alpha);
        s->n++;
        sg->acc = G.g[i].acc;
        /* move the per-contact metrics over */
        memcpy(sg->pm, &mk.pm[ord * IV__NPCM], sizeof sg->pm);
        iv__pcms_init(&mk.pm[ord * IV__NPCM], o.alpha);
        sg->lab = iv__calloc(&mk.a, IV__MAX(nk, 1), sizeof *sg->lab);
        if (!sg->lab) {
            rc = iv__nomem("a summary");
            goto done;
        }
        iv__key_codes(ks, nk, G.g[i].key, codes);
        for (d = 0; d < nk; d++) {
            const char *l = iv__key_label(&ks[d], &c, codes[d]);
            if (l && !(sg->lab[d] = iv__strndup(&mk.a, l, strlen(l)))) {
                rc = iv__nomem("a summary");
                goto done;
            }
        }
    }
done:
    iv__mk_free(&mk);
    iv__groups_free(&G, &c.a);
    if (ks)
        iv__keyers_free(ks, nk, &c.a);
    iv__ctx_free(&c);
    if (rc) {
        iv_summary_free(s);
        return rc == IV_ENOMEM ? iv__nomem("a summary") : rc;
    }
    *out = s;
    return IV_OK;
}

/* ------------------------------------------------------------ merge ------ */

static int iv__scope_same(const iv_summary *a, const iv_summary *b)
{
    size_t i;
    if (a->nk != b->nk)
        return iv__error(IV_EINVAL, "summaries grouped by %zu and %zu dimensions do not merge",
                         a->nk, b->nk);
    for (i = 0; i < a->nk; i++)
        if (strcmp(a->dims[i], b->dims[i]) != 0)
            return iv__error(IV_EINVAL, "summaries grouped by '%s' and '%s' do not merge",
                             a->dims[i], b->dims[i]);
    if (a->where_fp != b->where_fp)
        return iv__error(IV_EINVAL, "summaries of different selections (where) do not merge");
    if (a->from != b->from || a->to != b->to)
        return iv__error(IV_EINVAL, "summaries of different time ranges do not merge");
    if (a->model_fp != b->model_fp)
        return iv__error(IV_EINVAL, "summaries made under different models do not merge");
    if (a->t_ref != b->t_ref)
        return iv__error(IV_EINVAL, "summaries with different RV half-life reference times do "
                                    "not merge (set the query's t_ref or to)");
    if (a->alpha != b->alpha)
        return iv__error(IV_EINVAL, "summaries with different sketch accuracies (%g, %g) do not merge",
                         a->alpha, b->alpha);
    return IV_OK;
}

/* A deep copy of group g (labels and sketches) into dst. */
static int iv__sgroup_copy(const iv__alloc *a, iv__sgroup *dst, const iv__sgroup *g, size_t nk,
                           double alpha)
{
    size_t d;
    int m;
    memset(dst, 0, sizeof *dst);
    iv__pcms_init(dst->pm, alpha);
    dst->lab = iv__calloc(a, IV__MAX(nk, 1), sizeof *dst->lab);
    if (!dst->lab)
        return IV_ENOMEM;
    for (d = 0; d < nk; d++)
        if (g->lab[d] && !(dst->lab[d] = iv__strndup(a, g->lab[d], strlen(g->lab[d])))) {
            iv__sgroup_free(a, dst, nk);
            return IV_ENOMEM;
        }
    dst->acc = g->acc;
    for (m = 0; m < IV__NPCM; m++) {
        dst->pm[m].sum = g->pm[m].sum;
        dst->pm[m].sumsq = g->pm[m].sumsq;
        if (iv__sketch_merge(&dst->pm[m].sk, &g->pm[m].sk, a)) {
            iv__sgroup_free(a, dst, nk);
            return IV_ENOMEM;
        }
    }
    return IV_OK;
}

static void iv__sgroup_add(iv__sgroup *into, const iv__sgroup *from, const iv__alloc *a)
{
    int m;
    iv__gacc_merge(&into->acc, &from->acc);
    for (m = 0; m < IV__NPCM; m++) {
        into->pm[m].sum += from->pm[m].sum;
        iv__u256_add(&into->pm[m].sumsq, &from->pm[m].sumsq);
        /* cannot fail: the bins were reserved in the first phase */
        (void)iv__sketch_merge(&into->pm[m].sk, &from->pm[m].sk, a);
    }
}

IV_API int iv_summary_merge(iv_summary *into, const iv_summary *from)
{
    const iv__alloc *a;
    iv__sgroup *ng, *fromg;
    size_t i, j, k, nnew = 0, cap;
    int rc, m;
    if (!into || !from)
        return iv__error(IV_EINVAL, "iv_summary_merge: NULL argument");
    if ((rc = iv__scope_same(into, from)))
        return rc;
    a = &into->a;
    /* phase 1, everything that allocates: count the groups only `from` has, copy them,
     * and reserve the sketch bins of matched groups (zero padding only) */
    for (i = 0, j = 0; j < from->n;) {
        int c = i < into->n ? iv__labels_cmp(into->g[i].lab, from->g[j].lab, into->nk) : 1;
        if (c <= 0)
            i++;
        if (c >= 0) {
            nnew += c > 0;
            j++;
        }
    }
    cap = IV__MAX(into->n + nnew, 1);
    ng = iv__calloc(a, cap, sizeof *ng);
    fromg = iv__calloc(a, IV__MAX(nnew, 1), sizeof *fromg);
    if (!ng || !fromg) {
        iv__free(a, ng, cap * sizeof *ng);
        iv__free(a, fromg, IV__MAX(nnew, 1) * sizeof *fromg);
        return iv__nomem("merging summaries");
    }
    rc = IV_OK;
    for (i = 0, j = 0, k = 0; j < from->n && rc == IV_OK;) {
        int c = i < into->n ? iv__labels_cmp(into->g[i].lab, from->g[j].lab, into->nk) : 1;
        if (c < 0) {
            i++;
        } else if (c > 0) {
            if (iv__sgroup_copy(a, &fromg[k], &from->g[j], from->nk, from->alpha))
                rc = IV_ENOMEM;
            else
                k++;
            j++;
        } else {
            for (m = 0; m < IV__NPCM && rc == IV_OK; m++)
                rc = iv__sketch_reserve(&into->g[i].pm[m].sk, &from->g[j].pm[m].sk, a);
            i++;
            j++;
        }
    }
    if (rc) {
        for (i = 0; i < k; i++)
            iv__sgroup_free(a, &fromg[i], into->nk);
        iv__free(a, ng, cap * sizeof *ng);
        iv__free(a, fromg, IV__MAX(nnew, 1) * sizeof *fromg);
        return iv__nomem("merging summaries");
    }
    /* phase 2, no allocation: the merged list in label order */
    for (i = 0, j = 0, k = 0; i < into->n || j < from->n;) {
        size_t at = i + k;
        int c = i >= into->n ? 1 : j >= from->n ? -1
                                  : iv__labels_cmp(into->g[i].lab, from->g[j].lab, into->nk);
        if (c <= 0) {
            ng[at] = into->g[i];
            if (c == 0)
                iv__sgroup_add(&ng[at], &from->g[j++], a);
            i++;
        } else {
            ng[at] = fromg[k++];
            j++;
        }
    }
    iv__free(a, into->g, into->cap * sizeof *into->g);
    iv__free(a, fromg, IV__MAX(nnew, 1) * sizeof *fromg);
    into->g = ng;
    into->n = into->n + nnew;
    into->cap = cap;
    into->no_unscored |= from->no_unscored; /* one part without rv_unscored: unknown */
    return IV_OK;
}

/* ------------------------------------------------------------ reading ---- */

IV_API int iv_summary_metrics(iv_table **out, const iv_summary *s)
{
    iv_table *t;
    size_t i, d;
    int rc = IV_OK, m;
    if (!out || !s)
        return iv__error(IV_EINVAL, "iv_summary_metrics: NULL argument");
    *out = NULL;
    t = iv__table_new(&s->a);
    if (!t)
        return iv__nomem("the metrics table");
    for (d = 0; d < s->nk && !rc; d++)
        if (iv__table_add_col(t, s->dims[d], IV_COL_STRING) < 0)
            rc = IV_ENOMEM;
    for (m = 0; m < IV__NMETRICS && !rc; m++)
        if (iv__table_add_col(t, iv__metric_names[m], iv__metric_is_int(m) ? IV_COL_INT : IV_COL_DOUBLE) < 0)
            rc = IV_ENOMEM;
    for (i = 0; i < s->n && !rc; i++) {
        double v[IV__NMETRICS];
        long r = iv__table_add_row(t);
        if (r < 0) {
            rc = IV_ENOMEM;
            break;
        }
        for (d = 0; d < s->nk && !rc; d++) {
            const char *l = s->g[i].lab[d];
            rc = iv__table_set_string(t, (size_t)r, d, l, l ? strlen(l) : 0);
        }
        iv__gacc_finish(&s->g[i].acc, v);
        for (m = 0; m < IV__NMETRICS && !rc; m++)
            rc = m == iv__metric_index("rv_unscored") && s->no_unscored ? IV_OK /* unknown in format 1: undefined */
               : iv__metric_is_int(m) ? iv__table_set_int(t, (size_t)r, s->nk + (size_t)m, (int64_t)v[m])
                                      : iv__table_set_double(t, (size_t)r, s->nk + (size_t)m, v[m]);
    }
    if (rc) {
        iv_table_free(t);
        return iv__nomem("the metrics table");
    }
    *out = t;
    return IV_OK;
}

static int iv__pcm_index(const char *metric)
{
    int m;
    for (m = 0; metric && m < IV__NPCM; m++)
        if (strcmp(metric, iv__pcm_names[m]) == 0)
            return m;
    return iv__error(IV_ENOTFOUND, "'%s' is not a per-contact metric of summaries (n, cost, "
                                   "value, rv, rv_per_interaction)", metric ? metric : "(null)");
}

static int iv__group_pcm(const iv_summary *s, size_t group, const char *metric, const iv__pcm **out)
{
    int m;
    if (!s)
        return iv__error(IV_EINVAL, "summary is NULL");
    if (group >= s->n)
        return iv__error(IV_ERANGE, "group %zu out of range (the summary has %zu)", group, s->n);
    if ((m = iv__pcm_index(metric)) < 0)
        return m;
    *out = &s->g[group].pm[m];
    return IV_OK;
}

IV_API int iv_summary_quantile(const iv_summary *s, size_t group, const char *metric, double p,
                               double *out)
{
    const iv__pcm *pm;
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_summary_quantile: out is NULL");
    if ((rc = iv__group_pcm(s, group, metric, &pm)))
        return rc;
    if (!(p >= 0.0 && p <= 1.0))
        return iv__error(IV_ERANGE, "quantile probability %g is not in [0, 1]", p);
    *out = iv__sketch_quantile(&pm->sk, p);
    return IV_OK;
}

/* Count, mean and sample variance of a per-contact metric from its exact sums. */
static void iv__pcm_moments(const iv__pcm *pm, uint64_t n, double *mean, double *var)
{
    *mean = n ? iv__fix_to_double(pm->sum) / (double)n : (double)NAN;
    *var = n > 1 ? iv__m2(pm->sum, &pm->sumsq, n) * 1e-18 / (double)(n - 1) : (double)NAN;
}

IV_API int iv_summary_compare(iv_table **out, const iv_summary *a, size_t ga, const iv_summary *b,
                              size_t gb, const char *metric, const iv_stats_options *opts)
{
    iv_stats_options o;
    iv__alloc al;
    const iv__pcm *pa, *pb;
    uint64_t na, nb;
    double v[15], ma, mb, va, vb, t, df, p, se, diff, half, u, tie;
    int rc, ties, exact;
    if (!out)
        return iv__error(IV_EINVAL, "iv_summary_compare: out is NULL");
    *out = NULL;
    if ((rc = iv__group_pcm(a, ga, metric, &pa)) || (rc = iv__group_pcm(b, gb, metric, &pb)) ||
        (rc = iv__stats_opts(opts, &o, &al)))
        return rc;
    if (a->alpha != b->alpha)
        return iv__error(IV_EINVAL, "summaries with different sketch accuracies do not compare");
    if (!opts || !opts->alloc)
        al = a->a;
    na = iv__sketch_count(&pa->sk);
    nb = iv__sketch_count(&pb->sk);
    iv__pcm_moments(pa, na, &ma, &va);
    iv__pcm_moments(pb, nb, &mb, &vb);
    /* Welch (1947) from the exact moments; interval diff -/+ t_{(1+conf)/2, df} se */
    iv__welch_moments((size_t)na, ma, va, (size_t)nb, mb, vb, &t, &df, &p, &se, &diff);
    half = se * -iv_stats_t_quantile(0.5 * (1.0 - o.confidence), df);
    v[0] = (double)na;
    v[1] = (double)nb;
    v[2] = ma;
    v[3] = mb;
    v[4] = iv__sketch_quantile(&pa->sk, 0.5);
    v[5] = iv__sketch_quantile(&pb->sk, 0.5);
    v[6] = ma - mb;
    v[7] = diff - half;
    v[8] = diff + half;
    v[9] = t;
    v[10] = df;
    v[11] = p;
    v[12] = v[13] = v[14] = (double)NAN;
    if (na && nb) {
        /* Mann-Whitney on the bin representatives: values sharing a bin are ties */
        iv__sketch_mwu(&pa->sk, &pb->sk, &u, &tie, &ties);
        v[12] = u;
        if ((rc = iv__mwu_finish(&al, &o, (size_t)na, (size_t)nb, u, tie, ties, &v[13], &v[14], &exact)))
            return rc;
    }
    rc = iv__compare_table(out, &al, v);
    return rc == IV_ENOMEM ? iv__nomem("the comparison table") : rc;
}

/* ------------------------------------------------------------ bytes ------ */

static void iv__u256_write(iv__wbuf *w, const iv__u256 *v)
{
    int k;
    for (k = 0; k < 4; k++)
        iv__w_u64(w, v->w[k]);
}

/* Format 2 adds rv_unscored after the 14 counts of format 1. */
static void iv__gacc_write(iv__wbuf *w, const iv__gacc *g, int v1)
{
    const uint64_t cnt[14] = {g->n, g->contacts, g->desired, g->outcome_given, g->rv_forward,
                              g->rv_backward, g->cost_assumed, g->nps_n, g->nps_promoters,
                              g->nps_detractors, g->csat_n, g->csat_satisfied, g->ces_n, g->ces_easy};
    const iv__i128 sums[6] = {g->cost, g->value, g->quality, g->rv, g->csat_sum, g->ces_sum};
    int i;
    for (i = 0; i < 14; i++)
        iv__w_u64(w, cnt[i]);
    if (!v1)
        iv__w_u64(w, g->rv_unscored);
    for (i = 0; i < 6; i++)
        iv__w_i128(w, sums[i]);
}

static void iv__gacc_read(iv__rbuf *r, iv__gacc *g, int v1)
{
    uint64_t *cnt[14] = {&g->n, &g->contacts, &g->desired, &g->outcome_given, &g->rv_forward,
                         &g->rv_backward, &g->cost_assumed, &g->nps_n, &g->nps_promoters,
                         &g->nps_detractors, &g->csat_n, &g->csat_satisfied, &g->ces_n, &g->ces_easy};
    iv__i128 *sums[6] = {&g->cost, &g->value, &g->quality, &g->rv, &g->csat_sum, &g->ces_sum};
    int i;
    for (i = 0; i < 14; i++)
        *cnt[i] = iv__r_u64(r);
    g->rv_unscored = v1 ? 0 : iv__r_u64(r);
    for (i = 0; i < 6; i++)
        *sums[i] = iv__r_i128(r);
}

static void iv__summary_payload(const iv_summary *s, iv__wbuf *w)
{
    size_t i, d;
    int m;
    iv__w_f64(w, s->alpha);
    iv__w_u32(w, (uint32_t)s->nk);
    for (d = 0; d < s->nk; d++)
        iv__w_str(w, s->dims[d], strlen(s->dims[d]));
    iv__w_u64(w, s->where_fp);
    iv__w_u64(w, (uint64_t)s->from);
    iv__w_u64(w, (uint64_t)s->to);
    iv__w_u64(w, (uint64_t)s->t_ref);
    iv__w_u64(w, s->model_fp);
    iv__w_u32(w, IV__NPCM);
    iv__w_u64(w, s->n);
    for (i = 0; i < s->n; i++) {
        const iv__sgroup *g = &s->g[i];
        for (d = 0; d < s->nk; d++) {
            iv__w_u8(w, g->lab[d] != NULL);
            if (g->lab[d])
                iv__w_str(w, g->lab[d], strlen(g->lab[d]));
        }
        iv__gacc_write(w, &g->acc, s->no_unscored);
        for (m = 0; m < IV__NPCM; m++) {
            iv__w_i128(w, g->pm[m].sum);
            iv__u256_write(w, &g->pm[m].sumsq);
            iv__sketch_write(&g->pm[m].sk, w);
        }
    }
}

/* The whole byte string into w: header then payload. */
static int iv__summary_write(const iv_summary *s, iv__wbuf *w)
{
    iv__frame_begin(w, IV_SUMMARY_MAGIC, s->no_unscored ? 1u : IV_SUMMARY_FORMAT);
    iv__summary_payload(s, w);
    return iv__frame_end(w, "serialising a summary");
}

IV_API int iv_summary_to_bytes(const iv_summary *s, void **out, size_t *len)
{
    iv__wbuf w;
    int rc;
    if (!s || !out || !len)
        return iv__error(IV_EINVAL, "iv_summary_to_bytes: NULL argument");
    *out = NULL;
    *len = 0;
    iv__w_init(&w, &s->a);
    if ((rc = iv__summary_write(s, &w))) {
        iv__w_free(&w);
        return rc;
    }
    return iv__frame_take(&w, out, len, "serialising a summary");
}

IV_API void iv_summary_free_bytes(const iv_summary *s, void *bytes, size_t len)
{
    if (s && bytes)
        iv__free(&s->a, bytes, len);
}

static int iv__corrupt(const char *what)
{
    return iv__error(IV_ECORRUPT, "summary bytes: %s", what);
}

/* A length-prefixed string copied out (NUL-terminated); NUL bytes inside are corrupt. */
static int iv__read_cstr(iv__rbuf *r, const iv__alloc *a, char **out, const char *what)
{
    int rc = iv__r_cstr(r, a, out);
    return rc == IV_ECORRUPT ? iv__corrupt(what) : rc ? iv__nomem("reading a summary") : IV_OK;
}

static int iv__group_read(iv_summary *s, iv__rbuf *r, iv__sgroup *g)
{
    size_t d;
    int m, rc;
    g->lab = iv__calloc(&s->a, IV__MAX(s->nk, 1), sizeof *g->lab);
    if (!g->lab)
        return iv__nomem("reading a summary");
    for (d = 0; d < s->nk; d++) {
        unsigned def = iv__r_u8(r);
        if (def > 1 || r->err)
            return iv__corrupt("bad group label");
        if (def && (rc = iv__read_cstr(r, &s->a, &g->lab[d], "bad group label")))
            return rc;
    }
    iv__gacc_read(r, &g->acc, s->no_unscored);
    if (!iv__gacc_plausible(&g->acc))
        return iv__corrupt("a count or sum out of range");
    for (m = 0; m < IV__NPCM; m++) {
        int k;
        g->pm[m].sum = iv__r_i128(r);
        if (!iv__sum_plausible(g->pm[m].sum))
            return iv__corrupt("a per-contact sum out of range");
        for (k = 0; k < 4; k++)
            g->pm[m].sumsq.w[k] = iv__r_u64(r);
        if (r->err)
            return iv__corrupt("truncated group");
        if ((rc = iv__sketch_read(&g->pm[m].sk, &s->a, r, s->alpha)))
            return rc;
        if (iv__sketch_count(&g->pm[m].sk) != g->acc.contacts)
            return iv__corrupt("sketch count differs from the group's contacts");
    }
    if (g->acc.contacts > g->acc.n)
        return iv__corrupt("more contacts than interactions");
    return IV_OK;
}

/* Smallest encoding of a group: presence bytes, the accumulator, the sums and the
 * smallest sketches; bounds the group count by the input's length. */
#define IV__MIN_GROUP_BYTES (14 * 8 + 6 * 16 + IV__NPCM * (16 + 32 + 1 + 16 + 8))

static int iv__summary_parse(iv_summary *s, iv__rbuf *r)
{
    uint64_t ng;
    uint32_t nk, npcm;
    size_t i;
    int rc;
    s->alpha = iv__r_f64(r);
    nk = iv__r_u32(r);
    if (r->err || !(s->alpha >= 1e-4 && s->alpha <= 0.5))
        return iv__corrupt("bad sketch accuracy");
    if (nk > IV_MAX_DIMS + 32 || nk > iv__r_left(r) / 4)
        return iv__corrupt("bad dimension count");
    s->dims = iv__calloc(&s->a, IV__MAX(nk, 1), sizeof *s->dims);
    if (!s->dims)
        return iv__nomem("reading a summary");
    s->nk = nk;
    for (i = 0; i < nk; i++) {
        if ((rc = iv__read_cstr(r, &s->a, &s->dims[i], "bad dimension name")))
            return rc;
        if (!s->dims[i][0])
            return iv__corrupt("empty dimension name");
    }
    s->where_fp = iv__r_u64(r);
    s->from = (int64_t)iv__r_u64(r);
    s->to = (int64_t)iv__r_u64(r);
    s->t_ref = (int64_t)iv__r_u64(r);
    s->model_fp = iv__r_u64(r);
    npcm = iv__r_u32(r);
    ng = iv__r_u64(r);
    if (r->err)
        return iv__corrupt("truncated header");
    if (npcm != IV__NPCM)
        return iv__corrupt("unknown per-contact metric count");
    if (ng > iv__r_left(r) / IV__MIN_GROUP_BYTES)
        return iv__corrupt("group count larger than the input");
    s->cap = IV__MAX((size_t)ng, 1);
    s->g = iv__calloc(&s->a, s->cap, sizeof *s->g);
    if (!s->g)
        return iv__nomem("reading a summary");
    for (i = 0; i < ng; i++) {
        iv__pcms_init(s->g[i].pm, s->alpha);
        s->n++;
        if ((rc = iv__group_read(s, r, &s->g[i])))
            return rc;
        /* canonical order, no duplicates: merging relies on it */
        if (i && iv__labels_cmp(s->g[i - 1].lab, s->g[i].lab, s->nk) >= 0)
            return iv__corrupt("groups out of order");
    }
    if (r->err)
        return iv__corrupt("truncated");
    if (iv__r_left(r))
        return iv__corrupt("trailing bytes");
    return IV_OK;
}

IV_API int iv_summary_from_bytes(iv_summary **out, const void *bytes, size_t len,
                                 const iv_summary_options *opts)
{
    iv_summary_options o;
    iv__alloc a;
    const unsigned char *b = bytes;
    iv_summary *s;
    iv__rbuf r;
    uint32_t version;
    int rc;
    if (!out || (!bytes && len))
        return iv__error(IV_EINVAL, "iv_summary_from_bytes: NULL argument");
    *out = NULL;
    if ((rc = iv__summary_opts(opts, &o)))
        return rc;
    if ((rc = iv__frame_check(b, len, IV_SUMMARY_MAGIC, 1, IV_SUMMARY_FORMAT, "summary", &version)))
        return rc;
    iv__alloc_init(&a, o.alloc, o.alloc_ud);
    s = iv__summary_new(&a, IV__SKETCH_ALPHA);
    if (!s)
        return iv__nomem("reading a summary");
    iv__r_init(&r, b + IV__FRAME_HEADER, len - IV__FRAME_HEADER);
    s->no_unscored = version == 1;
    if ((rc = iv__summary_parse(s, &r))) {
        iv_summary_free(s);
        return rc;
    }
    *out = s;
    return IV_OK;
}

IV_API int iv_summary_save(const iv_summary *s, const char *path)
{
    iv__wbuf w;
    int rc;
    if (!s || !path)
        return iv__error(IV_EINVAL, "iv_summary_save: NULL argument");
    iv__w_init(&w, &s->a);
    if ((rc = iv__summary_write(s, &w)) == IV_OK)
        rc = iv__atomic_write(path, w.p, w.n);
    iv__w_free(&w);
    return rc;
}

IV_API int iv_summary_load(iv_summary **out, const char *path, const iv_summary_options *opts)
{
    iv_summary_options o;
    iv__alloc a;
    unsigned char *b;
    size_t n;
    int rc;
    if (!out || !path)
        return iv__error(IV_EINVAL, "iv_summary_load: NULL argument");
    *out = NULL;
    if ((rc = iv__summary_opts(opts, &o)))
        return rc;
    iv__alloc_init(&a, o.alloc, o.alloc_ud);
    if ((rc = iv__read_file_magic(&a, path, IV__READ_FILE_LIMIT, IV_SUMMARY_MAGIC, 8,
                                  "a libiv summary", &b, &n)))
        return rc;
    rc = iv__in_file(iv_summary_from_bytes(out, b, n, opts), path);
    iv__free(&a, b, n);
    return rc;
}
