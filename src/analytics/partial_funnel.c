/* Partials of funnels (doc/SUMMARIES.md §10): per funnel group, the contacts reaching each
 * step, the support-after count and, per step, the times from the previous step as counts
 * per distinct millisecond value, from which the result's quantiles and means are those of
 * iv_lifecycle_funnel() bit for bit (funnel.c computes the contacts' way through the steps
 * for both). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "funnel.h"
#include "partial_funnel.h"
#include "quantile.h"
#include "table.h"

/* Parameters and slots. */
enum { FP_MODE, FP_W, FP_NS, FP_FROM, FP_TO };
enum { FS_COUNT, FS_DUR, FS_COMPLETE, FS_NSLOTS };

#define IV__MAX_DURS ((uint64_t)1 << 31) /* durations per step a partial may hold */

typedef struct iv__pfw {
    iv__funnel *F;
    iv__pmap *m;        /* per funnel group */
    size_t cap;
} iv__pfw;

static int iv__pf_cover(iv__lc *L, iv__pfw *w, size_t n)
{
    size_t old = w->cap;
    if (n <= old)
        return IV_OK;
    if (iv__grow(&L->c.a, (void **)&w->m, &w->cap, n, sizeof *w->m))
        return IV_ENOMEM;
    memset(w->m + old, 0, (w->cap - old) * sizeof *w->m);
    return IV_OK;
}

static int iv__pf_contact(iv__lc *L, size_t g, uint32_t contact, const uint32_t *rows, size_t n,
                          void *payload)
{
    iv__pfw *w = payload;
    iv__funnel *F = w->F;
    int64_t tt[IV_FUNNEL_MAX_STEPS];
    size_t d, k;
    long fg;
    int support;
    iv__pmap *m;
    (void)contact;
    if (!(d = iv__funnel_eval(F, L, rows, n, tt, &support)))
        return IV_OK;
    if ((fg = iv__funnel_group(L, F, g, tt[0])) < 0 || iv__pf_cover(L, w, (size_t)fg + 1))
        return iv__nomem("funnel groups");
    m = &w->m[fg];
    for (k = 0; k < d; k++)
        if (iv__pmap_add(&L->c.a, m, FS_COUNT, (int64_t)k, 0, 0, 0, 1) ||
            (k && iv__pmap_add(&L->c.a, m, FS_DUR, (int64_t)k, tt[k] - tt[k - 1], 0, 0, 1)))
            return iv__nomem("a partial");
    if (d == F->ns && (iv__pmap_add(&L->c.a, m, FS_COMPLETE, tt[d - 1] - tt[0], 0, 0, 0, 1) ||
                       iv__pmap_add(&L->c.a, m, FS_COUNT, (int64_t)F->ns, 0, 0, 0, support)))
        return iv__nomem("a partial");
    return IV_OK;
}

int iv__partial_funnel_make(iv_partial **out, const iv_store *s, const iv_query_options *q,
                            const iv_lifecycle_options *o)
{
    iv__funnel F;
    iv__lc L;
    iv__pfw w;
    iv_partial *P = NULL;
    uint32_t *inv = NULL;
    size_t i, c, k, len;
    int rc;
    if ((rc = iv__funnel_open(&F, &L, s, q, o)))
        return rc;
    memset(&w, 0, sizeof w);
    w.F = &F;
    if ((rc = iv__partial_no_ids(&L)) || (rc = iv__lc_walk(&L, iv__pf_contact, &w)))
        goto done;
    if (!F.nbucket) /* without time buckets every walk group is a funnel group, entrants or not */
        for (i = 0; i < L.G.n; i++)
            if (iv__funnel_group(&L, &F, L.G.g[i].ord, 0) < 0) {
                rc = iv__nomem("funnel groups");
                goto done;
            }
    if ((rc = iv__pf_cover(&L, &w, F.nfg)) != IV_OK)
        goto done;
    if (!(inv = iv__calloc(&L.c.a, IV__MAX(L.G.n, 1), sizeof *inv)) || !(P = iv__partial_new(&L.c.a, IV_PARTIAL_FUNNEL))) {
        rc = iv__nomem("a partial");
        goto done;
    }
    for (i = 0; i < L.G.n; i++)
        inv[L.G.g[i].ord] = (uint32_t)i;
    if ((rc = iv__partial_scope(P, &L, q, s)))
        goto done;
    /* the group columns: the `by` names in their order, time buckets included */
    {
        const char *names[IV_MAX_DIMS];
        for (c = 0, k = 0; c < F.nby; c++)
            names[c] = iv__lc_is_bucket(F.kinds[c]) ? F.names[c] : L.ks[k++].name;
        if ((rc = iv__partial_set_dims(P, names, F.nby)))
            goto done;
    }
    P->par[FP_MODE] = F.mode;
    P->par[FP_W] = F.W;
    P->par[FP_NS] = (int64_t)F.ns;
    P->par[FP_FROM] = L.from;
    P->par[FP_TO] = L.to;
    /* the option text: the step labels (one per line), then the exclusions as given */
    len = F.lcap + (o->exclude ? strlen(o->exclude) : 0) + 4;
    if (!(P->text = iv__malloc(&P->a, len))) {
        rc = iv__nomem("a partial");
        goto done;
    }
    P->text[0] = '\0';
    for (k = 0; k < F.ns; k++) {
        strcat(P->text, F.labels + F.loff[k]);
        strcat(P->text, "\n");
    }
    if (o->exclude) {
        strcat(P->text, "\t");
        strcat(P->text, o->exclude);
    }
    for (i = 0; i < F.nfg && !rc; i++) {
        const char *lab[IV_MAX_DIMS];
        for (c = 0; c < F.nby; c++)
            lab[c] = iv__fg_label(&L, &F, inv, i, c);
        rc = iv__partial_put(P, lab, &w.m[i]);
    }
done:
    for (i = 0; i < w.cap; i++)
        iv__pmap_free(&L.c.a, &w.m[i]);
    iv__free(&L.c.a, w.m, w.cap * sizeof *w.m);
    iv__free(&L.c.a, inv, IV__MAX(L.G.n, 1) * sizeof *inv);
    iv__funnel_close(&F, &L);
    if (rc) {
        iv_partial_free(P);
        return rc == IV_ENOMEM ? iv__nomem("a partial") : rc;
    }
    *out = P;
    return IV_OK;
}

/* ------------------------------------------------------------ checks ----- */

int iv__partial_funnel_check(const iv_partial *P)
{
    int64_t ns = P->par[FP_NS];
    size_t i, e, nl = 0;
    const char *t;
    int k;
    if (ns < 1 || ns > IV_FUNNEL_MAX_STEPS || P->par[FP_MODE] < IV_FUNNEL_ORDERED ||
        P->par[FP_MODE] > IV_FUNNEL_ANY || P->par[FP_W] < 0)
        return iv__error(IV_ECORRUPT, "partial bytes: bad funnel parameters");
    for (k = FP_TO + 1; k < IV__PPAR; k++)
        if (P->par[k])
            return iv__error(IV_ECORRUPT, "partial bytes: bad funnel parameters");
    for (t = P->text; *t && *t != '\t'; t++)
        nl += *t == '\n';
    if ((int64_t)nl != ns || (t > P->text && t[-1] != '\n'))
        return iv__error(IV_ECORRUPT, "partial bytes: bad funnel step labels");
    for (i = 0; i < P->n; i++) {
        const iv__pmap *m = &P->g[i].m;
        uint64_t sum[IV_FUNNEL_MAX_STEPS] = {0};
        for (e = 0; e < m->n; e++) {
            const iv__pent *x = &m->e[e];
            if (x->slot >= FS_NSLOTS || x->v < 0 || x->k[2] || x->k[3] ||
                (x->slot == FS_COUNT && (x->k[0] < 0 || x->k[0] > ns || x->k[1])) ||
                (x->slot == FS_DUR && (x->k[0] < 1 || x->k[0] >= ns || x->k[1] < 0)) ||
                (x->slot == FS_COMPLETE && (x->k[0] < 0 || x->k[1])))
                return iv__error(IV_ECORRUPT, "partial bytes: bad funnel entry");
            if (x->slot == FS_DUR) {
                sum[x->k[0]] += (uint64_t)x->v;
                if ((uint64_t)x->v > IV__MAX_DURS || sum[x->k[0]] > IV__MAX_DURS)
                    return iv__error(IV_ECORRUPT, "partial bytes: too many funnel times");
            }
        }
        for (k = 1; k < ns; k++)
            if ((int64_t)sum[k] != iv__pmap_get(m, FS_COUNT, k, 0, 0, 0))
                return iv__error(IV_ECORRUPT, "partial bytes: funnel times differ from the step counts");
    }
    return IV_OK;
}

/* ------------------------------------------------------------ result ----- */

static double iv__share(int64_t num, int64_t den)
{
    return den ? (double)num / (double)den : (double)NAN;
}

/* Median, p10, p25, p75, p90 and mean of step k's times (seconds), as funnel.c computes
 * them on the sorted times: the mean adds them one by one in ascending order. */
static int iv__pf_stats(const iv_partial *P, const iv__pmap *m, int64_t k, double *o)
{
    static const double Q[] = {0.50, 0.10, 0.25, 0.75, 0.90};
    size_t a = iv__pmap_seek(m, FS_DUR, k, INT64_MIN, INT64_MIN, INT64_MIN), b = a, i, j;
    uint64_t n = 0, r;
    double *x, sum = 0;
    uint64_t *c;
    for (j = 0; j < 6; j++)
        o[j] = (double)NAN;
    while (b < m->n && m->e[b].slot == FS_DUR && m->e[b].k[0] == k)
        b++;
    if (a == b)
        return IV_OK;
    x = iv__malloc(&P->a, (b - a) * sizeof *x);
    c = iv__malloc(&P->a, (b - a) * sizeof *c);
    if (!x || !c) {
        iv__free(&P->a, x, (b - a) * sizeof *x);
        iv__free(&P->a, c, (b - a) * sizeof *c);
        return iv__nomem("the funnel table");
    }
    for (i = a; i < b; i++) {
        x[i - a] = (double)m->e[i].k[1] / 1000.0;
        c[i - a] = (uint64_t)m->e[i].v;
        n += c[i - a];
        for (r = 0; r < c[i - a]; r++)
            sum += x[i - a];
    }
    for (j = 0; j < 5; j++)
        o[j] = iv__quantile_counted(x, c, b - a, n, Q[j]);
    o[5] = sum / (double)n;
    iv__free(&P->a, x, (b - a) * sizeof *x);
    iv__free(&P->a, c, (b - a) * sizeof *c);
    return IV_OK;
}

int iv__partial_funnel_result(iv_table **out, const iv_partial *P)
{
    static const char *const cols[] = {"step", "types", "contacts", "from_previous", "from_first",
                                       "dropoff", "median_seconds_from_previous",
                                       "seconds_from_previous_p10", "seconds_from_previous_p25",
                                       "seconds_from_previous_p75", "seconds_from_previous_p90",
                                       "seconds_from_previous_mean"};
    static const int types[] = {IV_COL_STRING, IV_COL_STRING, IV_COL_INT, IV_COL_DOUBLE,
                                IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE,
                                IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE};
    int64_t ns = P->par[FP_NS], k;
    iv_table *t = iv__table_new(&P->a);
    size_t i, c, nc = P->nk;
    int rc = IV_OK;
    if (!t)
        return iv__nomem("the funnel table");
    for (c = 0; c < nc + 12 && !rc; c++)
        if (iv__table_add_col(t, c < nc ? P->dims[c] : cols[c - nc], c < nc ? IV_COL_STRING : types[c - nc]) < 0)
            rc = iv__nomem("the funnel table");
    if (!rc)
        iv__table_set_numeric_text(t, nc);
    for (i = 0; i < P->n && !rc; i++) {
        const iv__pmap *m = &P->g[i].m;
        const char *lab = P->text;
        int64_t c0 = iv__pmap_get(m, FS_COUNT, 0, 0, 0, 0);
        for (k = 0; k <= ns && !rc; k++) {
            long r = iv__table_add_row(t);
            int64_t ck = iv__pmap_get(m, FS_COUNT, k, 0, 0, 0);
            const char *eol = strchr(lab, '\n');
            size_t d;
            if (r < 0) {
                rc = iv__nomem("the funnel table");
                break;
            }
            for (d = 0; d < nc && !rc; d++)
                if (iv__table_set_string(t, (size_t)r, d, P->g[i].lab[d], P->g[i].lab[d] ? strlen(P->g[i].lab[d]) : 0))
                    rc = iv__nomem("the funnel table");
            if (rc)
                break;
            if (k < ns) {
                char step[16];
                double st[6], prev = k ? iv__share(ck, iv__pmap_get(m, FS_COUNT, k - 1, 0, 0, 0)) : iv__share(c0, c0);
                int n = snprintf(step, sizeof step, "%lld", (long long)k + 1);
                size_t j;
                if (k) {
                    if ((rc = iv__pf_stats(P, m, k, st)))
                        break;
                } else {
                    for (j = 0; j < 6; j++)
                        st[j] = (double)NAN;
                }
                if (iv__table_set_string(t, (size_t)r, nc, step, (size_t)n) ||
                    iv__table_set_string(t, (size_t)r, nc + 1, lab, (size_t)(eol - lab)) ||
                    iv__table_set_int(t, (size_t)r, nc + 2, ck) ||
                    iv__table_set_double(t, (size_t)r, nc + 3, prev) ||
                    iv__table_set_double(t, (size_t)r, nc + 4, iv__share(ck, c0)) ||
                    iv__table_set_double(t, (size_t)r, nc + 5, 1.0 - prev))
                    rc = iv__nomem("the funnel table");
                for (j = 0; j < 6 && !rc; j++)
                    if (iv__table_set_double(t, (size_t)r, nc + 6 + j, st[j]))
                        rc = iv__nomem("the funnel table");
                lab = eol + 1;
            } else if (iv__table_set_string(t, (size_t)r, nc, "support_after", 13) ||
                       iv__table_set_int(t, (size_t)r, nc + 2, ck) ||
                       iv__table_set_double(t, (size_t)r, nc + 4,
                                            iv__share(ck, iv__pmap_get(m, FS_COUNT, ns - 1, 0, 0, 0)))) {
                rc = iv__nomem("the funnel table");
            }
        }
    }
    if (rc) {
        iv_table_free(t);
        return rc;
    }
    *out = t;
    return IV_OK;
}

/* The time-to-convert histogram of the merged parts: per funnel group, the completers per
 * bin of iv_lifecycle_funnel_histogram() counted from the completion times (ms, as
 * funnel.c converts them to seconds), the same rows and values. */
int iv__partial_funnel_histogram(iv_table **out, const iv_partial *P)
{
    static const char *const hcols[] = {"bin", "from_seconds", "to_seconds", "contacts", "share"};
    static const int htypes[] = {IV_COL_STRING, IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_INT, IV_COL_DOUBLE};
    double lo[IV__FUNNEL_NBINS], hi[IV__FUNNEL_NBINS];
    char label[IV__FUNNEL_NBINS][48];
    size_t nb = iv__funnel_hist_bins(P->par[FP_W] ? P->par[FP_W] : 30 * IV__MS_PER_DAY, lo, hi, label);
    iv_table *t = iv__table_new(&P->a);
    size_t i, c, b, nc = P->nk;
    int rc = IV_OK;
    if (!t)
        return iv__nomem("the funnel histogram");
    for (c = 0; c < nc + 5 && !rc; c++)
        if (iv__table_add_col(t, c < nc ? P->dims[c] : hcols[c - nc], c < nc ? IV_COL_STRING : htypes[c - nc]) < 0)
            rc = iv__nomem("the funnel histogram");
    for (i = 0; i < P->n && !rc; i++) {
        const iv__pmap *m = &P->g[i].m;
        size_t a = iv__pmap_seek(m, FS_COMPLETE, INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN), e;
        int64_t total = 0;
        for (e = a; e < m->n && m->e[e].slot == FS_COMPLETE; e++)
            total += m->e[e].v;
        for (b = 0; b < nb && !rc; b++) {
            int64_t k = 0;
            long r = iv__table_add_row(t);
            size_t d;
            for (e = a; e < m->n && m->e[e].slot == FS_COMPLETE; e++) {
                double sec = (double)m->e[e].k[0] / 1000.0;
                if (sec >= lo[b] && (sec < hi[b] || b == nb - 1))
                    k += m->e[e].v;
            }
            if (r < 0) {
                rc = iv__nomem("the funnel histogram");
                break;
            }
            for (d = 0; d < nc && !rc; d++)
                if (iv__table_set_string(t, (size_t)r, d, P->g[i].lab[d], P->g[i].lab[d] ? strlen(P->g[i].lab[d]) : 0))
                    rc = iv__nomem("the funnel histogram");
            if (!rc && (iv__table_set_string(t, (size_t)r, nc, label[b], strlen(label[b])) ||
                        iv__table_set_double(t, (size_t)r, nc + 1, lo[b]) ||
                        iv__table_set_double(t, (size_t)r, nc + 2, hi[b]) ||
                        iv__table_set_int(t, (size_t)r, nc + 3, k) ||
                        iv__table_set_double(t, (size_t)r, nc + 4, iv__share(k, total))))
                rc = iv__nomem("the funnel histogram");
        }
    }
    if (rc) {
        iv_table_free(t);
        return rc;
    }
    *out = t;
    return IV_OK;
}

IV_API int iv_partial_funnel_histogram(iv_table **out, const iv_partial *P)
{
    if (!out || !P)
        return iv__error(IV_EINVAL, "iv_partial_funnel_histogram: NULL argument");
    *out = NULL;
    if (P->kind != IV_PARTIAL_FUNNEL)
        return iv__error(IV_EINVAL, "iv_partial_funnel_histogram: not a funnel partial (kind %u)", P->kind);
    return iv__partial_funnel_histogram(out, P);
}
