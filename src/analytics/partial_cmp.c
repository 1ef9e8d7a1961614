/* Partials of `compare` (doc/SUMMARIES.md §10): per segment, the number of contacts per
 * distinct per-contact metric value (its bit pattern), so that the merged samples are the
 * whole store's and the test row is that of iv_stats_compare on them, bit for bit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "metrics.h"
#include "model.h"
#include "partial_cmp.h"
#include "partition.h"
#include "segment.h"
#include "stats.h"

/* Parameters: the selection's time range, the RV reference time (IV_TIME_NONE unless the
 * model has a half-life), and the test options. */
enum { PM_FROM = 0, PM_TO = 1, PM_TREF = 2, PM_CONF = 3, PM_METHOD = 4, PM_CONT = 5 };
/* The merged samples are expanded into arrays for iv_stats_compare: at most this many
 * contacts in both segments together (512 MiB of doubles with the test's sorted copies). */
#define PM_MAXN ((uint64_t)1 << 26)
#define PM_TLIM ((int64_t)1 << 50)

IV_API int iv_partial_compare(iv_partial **out, const iv_store *s, const iv_query_options *q,
                              const char *metric, const char *where_a, const char *where_b,
                              const iv_stats_options *stats)
{
    const char *none[1] = {NULL};
    const iv_model *m;
    iv_stats_options so;
    iv__alloc ignored;
    iv_partial *P;
    iv__pmap map;
    double conf;
    char *txt = NULL;
    size_t len = 0, seg;
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_partial_compare: out is NULL");
    *out = NULL;
    if (!s || !metric || !where_a || !where_b)
        return iv__error(IV_EINVAL, "iv_partial_compare: NULL argument");
    if (iv__metric_index(metric) < 0)
        return iv__error(IV_ENOTFOUND, "iv_partial_compare: unknown metric '%s'", metric);
    if (strcmp(metric, "nps") == 0)
        return iv__error(IV_EINVAL, "iv_partial_compare: the comparison of the selections' NPS has no "
                         "partial (only per-contact metrics)");
    if ((rc = iv__stats_opts(stats, &so, &ignored)))
        return rc;
    m = q && q->model ? q->model : iv__model_default();
    if (!isnan(iv__model_half_life_days(m)) && (!q || (q->t_ref == IV_TIME_NONE && q->to == IV_TIME_NONE)))
        return iv__error(IV_EINVAL, "iv_partial_compare: the model has an RV half-life, whose default "
                         "reference time is each part's own last timestamp: set t_ref (or to)");
    if (!(P = iv__partial_new(&s->alloc, IV_PARTIAL_COMPARE)))
        return IV_ENOMEM;
    memset(&map, 0, sizeof map);
    P->par[PM_FROM] = q ? q->from : IV_TIME_NONE;
    P->par[PM_TO] = q ? q->to : IV_TIME_NONE;
    P->par[PM_TREF] = isnan(iv__model_half_life_days(m)) ? IV_TIME_NONE
                      : q->t_ref != IV_TIME_NONE ? q->t_ref : q->to;
    conf = so.confidence;
    P->par[PM_CONF] = iv__pbits(conf);
    P->par[PM_METHOD] = so.mwu_method;
    P->par[PM_CONT] = so.mwu_continuity;
    P->where_fp = q && q->where ? iv__fnv1a64(q->where, strlen(q->where)) : iv__fnv1a64("", 0);
    P->nrows = s->nrows;
    P->ts_min = s->nrows ? s->ts_min : IV_TIME_NONE;
    P->ts_max = s->nrows ? s->ts_max : IV_TIME_NONE;
    len = strlen(metric) + strlen(where_a) + strlen(where_b) + 3;
    if (!(P->text = iv__malloc(&P->a, len))) {
        iv_partial_free(P);
        return iv__nomem("a partial");
    }
    snprintf(P->text, len, "%s\n%s\n%s", metric, where_a, where_b);
    rc = iv__partial_set_dims(P, none, 0);
    if (!rc && (rc = iv_model_to_string(m, &txt, &len)) == IV_OK) {
        P->model_fp = iv__fnv1a64(txt, len);
        iv_model_free_string(m, txt);
    }
    for (seg = 0; seg < 2 && !rc; seg++) {
        double *v = NULL;
        size_t n = 0, i;
        if ((rc = iv__segment_sample(s, q, metric, seg ? where_b : where_a, &v, &n)))
            break;
        for (i = 0; i < n && !rc; i++)
            if (!isnan(v[i])) /* the test leaves undefined values out */
                rc = iv__pmap_add(&P->a, &map, (uint32_t)seg, iv__pbits(v[i]), 0, 0, 0, 1);
        iv__free(&s->alloc, v, n * sizeof *v);
    }
    if (!rc && map.n)
        rc = iv__partial_put(P, none, &map);
    iv__pmap_free(&P->a, &map);
    if (rc) {
        iv_partial_free(P);
        return rc;
    }
    *out = P;
    return IV_OK;
}

int iv__partial_cmp_check(const iv_partial *P)
{
    const int64_t *par = P->par;
    const char *nl1 = strchr(P->text, '\n'), *nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL;
    uint64_t tot[2] = {0, 0};
    double conf = iv__pdouble(par[PM_CONF]);
    char name[64];
    size_t e;
    int k;
    for (k = PM_FROM; k <= PM_TREF; k++)
        if (par[k] != IV_TIME_NONE && (par[k] < -PM_TLIM || par[k] > PM_TLIM))
            return iv__error(IV_ECORRUPT, "partial bytes: bad compare parameters");
    if (!(conf > 0 && conf < 1) || par[PM_METHOD] < 0 || par[PM_METHOD] > 2 || par[PM_CONT] < 0 || par[PM_CONT] > 1)
        return iv__error(IV_ECORRUPT, "partial bytes: bad compare parameters");
    for (k = PM_CONT + 1; k < IV__PPAR; k++)
        if (par[k] != 0)
            return iv__error(IV_ECORRUPT, "partial bytes: bad compare parameters");
    if (!nl1 || !nl2 || strchr(nl2 + 1, '\n') || (size_t)(nl1 - P->text) >= sizeof name)
        return iv__error(IV_ECORRUPT, "partial bytes: bad compare option text");
    memcpy(name, P->text, (size_t)(nl1 - P->text));
    name[nl1 - P->text] = '\0';
    if (iv__metric_index(name) < 0 || strcmp(name, "nps") == 0)
        return iv__error(IV_ECORRUPT, "partial bytes: bad compare metric");
    if (P->nk != 0 || P->n > 1 || (P->n && !P->nrows))
        return iv__error(IV_ECORRUPT, "partial bytes: a compare partial has one group and no dimensions");
    for (e = 0; P->n && e < P->g[0].m.n; e++) {
        const iv__pent *x = &P->g[0].m.e[e];
        double v = iv__pdouble(x->k[0]);
        if (x->slot > 1 || x->k[1] || x->k[2] || x->k[3] || x->v < 1 || !isfinite(v))
            return iv__error(IV_ECORRUPT, "partial bytes: bad compare entry");
        tot[x->slot] += (uint64_t)x->v;
        if (tot[x->slot] > P->nrows) /* a contact has at least one row */
            return iv__error(IV_ECORRUPT, "partial bytes: more contacts than rows");
    }
    return IV_OK;
}

int iv__partial_cmp_result(iv_table **out, const iv_partial *P)
{
    static const double none[1] = {0.0};
    iv_stats_options so = IV_STATS_OPTIONS_INIT;
    const iv__pmap *m = P->n ? &P->g[0].m : NULL;
    uint64_t tot[2] = {0, 0};
    double *v[2] = {NULL, NULL};
    size_t e, seg, at[2] = {0, 0};
    int rc = IV_OK;
    for (e = 0; m && e < m->n; e++)
        tot[m->e[e].slot] += (uint64_t)m->e[e].v;
    if (tot[0] + tot[1] > PM_MAXN)
        return iv__error(IV_ELIMIT, "compare partial: %llu contacts in the samples, more than the %llu "
                         "this library compares", (unsigned long long)(tot[0] + tot[1]),
                         (unsigned long long)PM_MAXN);
    for (seg = 0; seg < 2 && !rc; seg++)
        if (tot[seg] && !(v[seg] = iv__malloc(&P->a, (size_t)tot[seg] * sizeof(double))))
            rc = iv__nomem("compare partial samples");
    for (e = 0; !rc && m && e < m->n; e++) {
        const iv__pent *x = &m->e[e];
        int64_t c;
        for (c = 0; c < x->v; c++)
            v[x->slot][at[x->slot]++] = iv__pdouble(x->k[0]);
    }
    if (!rc) {
        so.alloc = P->a.fn;
        so.alloc_ud = P->a.ud;
        so.confidence = iv__pdouble(P->par[PM_CONF]);
        so.mwu_method = (int)P->par[PM_METHOD];
        so.mwu_continuity = (int)P->par[PM_CONT];
        rc = iv_stats_compare(out, v[0] ? v[0] : none, (size_t)tot[0], v[1] ? v[1] : none, (size_t)tot[1], &so);
    }
    for (seg = 0; seg < 2; seg++)
        iv__free(&P->a, v[seg], (size_t)tot[seg] * sizeof(double));
    return rc;
}
