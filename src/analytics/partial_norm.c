/* Partials of trajectory norms (doc/SUMMARIES.md §10): per bucket, the observed contacts'
 * trajectory values as the bins of a relative-error quantile sketch (DDSketch bins, as
 * src/math/sketch.c makes them) or, with alpha 0, as counts per distinct value; the
 * norm's quantiles and MAD are computed from the merged counts. */
#include <math.h>
#include <stdlib.h>

#include "model.h"
#include "partition.h"
#include "partial_norm.h"
#include "quantile.h"
#include "sketch.h"
#include "table.h"
#include "trajectory.h"

/* Parameters: geometry, selection range, the reference time R (IV_TIME_NONE only with
 * index alignment and no half-life: then nothing of a part is censored), the accuracy. */
enum { PN_BUCKET = 0, PN_K = 1, PN_ALIGN = 2, PN_ORIGIN = 3, PN_FROM = 4, PN_TO = 5, PN_REF = 6,
       PN_ALPHA = 7 };
#define PN_KMAX ((int64_t)1 << 16)
#define PN_TLIM ((int64_t)1 << 50)
/* Sketch entries: k0 = -1 (negative value, bin of |x|), 0 (|x| < IV__SKETCH_MIN), 1
 * (positive); k1 = the bin index. Exact entries (alpha 0): k0 = the value's bit pattern. */

static int64_t pn_index(double lng, double ax)
{
    double i = ceil(log(ax) / lng);
    if (i > IV__SKETCH_MAX_INDEX)
        i = IV__SKETCH_MAX_INDEX;
    if (i < -IV__SKETCH_MAX_INDEX)
        i = -IV__SKETCH_MAX_INDEX;
    return (int64_t)i;
}

static double pn_lng(double alpha)
{
    return log1p(alpha) - log1p(-alpha);
}

/* The value an entry stands for: the bin's representative 2 gamma^i / (gamma + 1), 0, or
 * the exact value. */
static double pn_value(const iv__pent *x, double alpha, double lng)
{
    double r;
    if (alpha == 0.0)
        return iv__pdouble(x->k[0]);
    if (x->k[0] == 0)
        return 0.0;
    r = 2.0 * exp((double)x->k[1] * lng) / (exp(lng) + 1.0);
    return x->k[0] < 0 ? -r : r;
}

static int pn_add(const iv__alloc *a, iv__pmap *m, uint32_t b, double v, double alpha, double lng)
{
    double av = fabs(v);
    if (alpha == 0.0)
        return iv__pmap_add(a, m, b, iv__pbits(v == 0.0 ? 0.0 : v), 0, 0, 0, 1);
    if (av < IV__SKETCH_MIN)
        return iv__pmap_add(a, m, b, 0, 0, 0, 0, 1);
    return iv__pmap_add(a, m, b, v > 0 ? 1 : -1, pn_index(lng, av), 0, 0, 1);
}

IV_API int iv_partial_norm(iv_partial **out, const iv_store *s, const iv_query_options *q,
                           const iv_pattern_store_options *opts, double alpha)
{
    const char *none[1] = {NULL};
    const iv_model *m;
    iv_pattern_store_options o;
    iv__trajopt to;
    iv__ctx c;
    iv__traj t;
    iv_partial *P;
    iv__pmap map;
    char *txt = NULL;
    size_t len = 0, i, b;
    int half, rc;
    double lng;
    if (!out)
        return iv__error(IV_EINVAL, "iv_partial_norm: out is NULL");
    *out = NULL;
    if (!s)
        return iv__error(IV_EINVAL, "iv_partial_norm: store is NULL");
    if (!(alpha == 0.0 || (alpha >= 1e-4 && alpha <= 0.5)))
        return iv__error(IV_EINVAL, "iv_partial_norm: alpha %g is outside 1e-4 ... 0.5 (or 0 for exact values)",
                         alpha);
    if ((rc = iv__pstore_opts(opts, &o)))
        return rc;
    if ((int64_t)o.buckets > PN_KMAX)
        return iv__error(IV_EINVAL, "iv_partial_norm: %zu buckets, more than the %lld a partial holds",
                         o.buckets, (long long)PN_KMAX);
    m = q && q->model ? q->model : iv__model_default();
    half = !isnan(iv__model_half_life_days(m));
    if ((o.align != IV_ALIGN_INDEX || half) && (!q || (q->t_ref == IV_TIME_NONE && q->to == IV_TIME_NONE)))
        return iv__error(IV_EINVAL, "iv_partial_norm: %s; set t_ref (or to), e.g. to the whole log's last "
                         "timestamp, which is the default", o.align != IV_ALIGN_INDEX
                         ? "the reference time that censors buckets defaults to the whole store's last "
                           "timestamp, which a part does not know"
                         : "the model has an RV half-life, whose default reference time is each part's "
                           "own last timestamp");
    if (o.align == IV_ALIGN_CALENDAR && o.origin == IV_TIME_NONE && (!q || q->from == IV_TIME_NONE))
        return iv__error(IV_EINVAL, "iv_partial_norm: calendar alignment needs origin (or from): the default "
                         "origin is the whole store's first timestamp, which a part does not know");
    if ((rc = iv__trajs_of(s, q, &o, &o, &to, &c, &t)))
        return rc;
    if (!(P = iv__partial_new(&s->alloc, IV_PARTIAL_NORM))) {
        iv__traj_free(&t, &c.a);
        iv__ctx_free(&c);
        return IV_ENOMEM;
    }
    memset(&map, 0, sizeof map);
    P->par[PN_BUCKET] = o.bucket;
    P->par[PN_K] = (int64_t)o.buckets;
    P->par[PN_ALIGN] = o.align;
    P->par[PN_ORIGIN] = o.align == IV_ALIGN_CALENDAR ? to.origin : IV_TIME_NONE;
    P->par[PN_FROM] = q ? q->from : IV_TIME_NONE;
    P->par[PN_TO] = q ? q->to : IV_TIME_NONE;
    P->par[PN_REF] = q && q->t_ref != IV_TIME_NONE ? q->t_ref : q ? q->to : IV_TIME_NONE;
    P->par[PN_ALPHA] = iv__pbits(alpha);
    lng = alpha > 0.0 ? pn_lng(alpha) : 0.0;
    P->where_fp = q && q->where ? iv__fnv1a64(q->where, strlen(q->where)) : iv__fnv1a64("", 0);
    P->nrows = s->nrows;
    P->ts_min = s->nrows ? s->ts_min : IV_TIME_NONE;
    P->ts_max = s->nrows ? s->ts_max : IV_TIME_NONE;
    if (!(P->text = iv__calloc(&P->a, 1, 1)))
        rc = iv__nomem("a partial");
    if (!rc)
        rc = iv__partial_set_dims(P, none, 0);
    if (!rc && (rc = iv_model_to_string(m, &txt, &len)) == IV_OK) {
        P->model_fp = iv__fnv1a64(txt, len);
        iv_model_free_string(m, txt);
    }
    for (i = 0; i < t.n && !rc; i++)
        for (b = 0; b < t.k && !rc; b++) {
            double v = t.x[i * t.k + b];
            if (!isnan(v))
                rc = pn_add(&P->a, &map, (uint32_t)b, v, alpha, lng);
        }
    if (!rc && map.n)
        rc = iv__partial_put(P, none, &map);
    iv__pmap_free(&P->a, &map);
    iv__traj_free(&t, &c.a);
    iv__ctx_free(&c);
    if (rc) {
        iv_partial_free(P);
        return rc;
    }
    *out = P;
    return IV_OK;
}

int iv__partial_norm_check(const iv_partial *P)
{
    const int64_t *par = P->par;
    double alpha = iv__pdouble(par[PN_ALPHA]);
    uint64_t tot = 0;
    size_t e;
    int k;
    if (par[PN_BUCKET] <= 0 || par[PN_K] < 1 || par[PN_K] > PN_KMAX ||
        par[PN_BUCKET] > ((int64_t)1000 * 366 * 86400000) / par[PN_K] || par[PN_ALIGN] < IV_ALIGN_AGE ||
        par[PN_ALIGN] > IV_ALIGN_INDEX || !(alpha == 0.0 || (alpha >= 1e-4 && alpha <= 0.5)) ||
        (par[PN_ORIGIN] == IV_TIME_NONE) != (par[PN_ALIGN] != IV_ALIGN_CALENDAR) ||
        (par[PN_REF] == IV_TIME_NONE && par[PN_ALIGN] != IV_ALIGN_INDEX))
        return iv__error(IV_ECORRUPT, "partial bytes: bad norm parameters");
    for (k = PN_ORIGIN; k <= PN_REF; k++)
        if (par[k] != IV_TIME_NONE && (par[k] < -PN_TLIM || par[k] > PN_TLIM))
            return iv__error(IV_ECORRUPT, "partial bytes: bad norm parameters");
    for (k = PN_ALPHA + 1; k < IV__PPAR; k++)
        if (par[k] != 0)
            return iv__error(IV_ECORRUPT, "partial bytes: bad norm parameters");
    if (P->text[0])
        return iv__error(IV_ECORRUPT, "partial bytes: bad norm option text");
    if (P->nk != 0 || P->n > 1 || (P->n && !P->nrows))
        return iv__error(IV_ECORRUPT, "partial bytes: a norm partial has one group and no dimensions");
    for (e = 0; P->n && e < P->g[0].m.n; e++) {
        const iv__pent *x = &P->g[0].m.e[e];
        int bad = x->slot >= (uint64_t)par[PN_K] || x->k[2] || x->k[3] || x->v < 1;
        if (alpha == 0.0)
            bad = bad || x->k[1] || !isfinite(iv__pdouble(x->k[0])) || x->k[0] == iv__pbits(-0.0);
        else
            bad = bad || x->k[0] < -1 || x->k[0] > 1 || (x->k[0] == 0 && x->k[1]) ||
                  x->k[1] < -IV__SKETCH_MAX_INDEX || x->k[1] > IV__SKETCH_MAX_INDEX;
        if (bad)
            return iv__error(IV_ECORRUPT, "partial bytes: bad norm entry");
        if (e == 0 || x->slot != P->g[0].m.e[e - 1].slot)
            tot = 0;
        tot += (uint64_t)x->v;
        if (tot > P->nrows) /* an observed contact has at least one row */
            return iv__error(IV_ECORRUPT, "partial bytes: more contacts than rows");
    }
    return IV_OK;
}

typedef struct pn_vc {
    double x;
    uint64_t c;
} pn_vc;

static int pn_cmp(const void *pa, const void *pb)
{
    double a = ((const pn_vc *)pa)->x, b = ((const pn_vc *)pb)->x;
    return a < b ? -1 : a > b;
}

/* Type-7 quantile of a sorted counted multiset (distinct or equal neighbouring values
 * alike). */
static double pn_quantile(const pn_vc *v, size_t n, uint64_t tot, double p, double *xs, uint64_t *cs)
{
    size_t i;
    for (i = 0; i < n; i++) {
        xs[i] = v[i].x;
        cs[i] = v[i].c;
    }
    return iv__quantile_counted(xs, cs, n, tot, p);
}

/* One bucket's row from its values (sorted in place; d, xs, cs are scratch of n). */
static void pn_bucket(pn_vc *v, size_t n, pn_vc *d, double *xs, uint64_t *cs, uint64_t *tot, double q[6])
{
    static const double ps[5] = {0.50, 0.10, 0.25, 0.75, 0.90};
    size_t i;
    *tot = 0;
    for (i = 0; i < n; i++)
        *tot += v[i].c;
    qsort(v, n, sizeof *v, pn_cmp);
    for (i = 0; i < 5; i++)
        q[i] = pn_quantile(v, n, *tot, ps[i], xs, cs);
    /* MAD: the median of |x - median| over the same multiset */
    for (i = 0; i < n; i++) {
        d[i].x = fabs(v[i].x - q[0]);
        d[i].c = v[i].c;
    }
    qsort(d, n, sizeof *d, pn_cmp);
    q[5] = *tot ? pn_quantile(d, n, *tot, 0.5, xs, cs) : NAN;
}

int iv__partial_norm_result(iv_table **out, const iv_partial *P)
{
    static const char *const names[8] = {"bucket", "contacts", "median", "p10", "p25",
                                         "p75", "p90", "mad"};
    static const int types[8] = {IV_COL_INT, IV_COL_INT, IV_COL_DOUBLE, IV_COL_DOUBLE,
                                 IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE};
    const iv__pmap *m = P->n ? &P->g[0].m : NULL;
    double alpha = iv__pdouble(P->par[PN_ALPHA]), lng = alpha > 0.0 ? pn_lng(alpha) : 0.0;
    size_t k = (size_t)P->par[PN_K], most = 0, e = 0, b, i, run;
    pn_vc *v = NULL, *d = NULL;
    double *xs = NULL;
    uint64_t *cs = NULL;
    iv_table *t;
    int rc = IV_OK;
    /* the longest run of one bucket's entries sizes the scratch */
    for (i = 0; m && i < m->n; i += run) {
        for (run = 1; i + run < m->n && m->e[i + run].slot == m->e[i].slot; run++)
            ;
        most = IV__MAX(most, run);
    }
    if (most && (!(v = iv__malloc(&P->a, most * sizeof *v)) || !(d = iv__malloc(&P->a, most * sizeof *d)) ||
                 !(xs = iv__malloc(&P->a, most * sizeof *xs)) || !(cs = iv__malloc(&P->a, most * sizeof *cs))))
        rc = iv__nomem("norm partial result");
    t = rc ? NULL : iv__table_new(&P->a);
    if (!rc && !t)
        rc = IV_ENOMEM;
    for (i = 0; i < 8 && !rc; i++)
        if (iv__table_add_col(t, names[i], types[i]) < 0)
            rc = IV_ENOMEM;
    for (b = 0; b < k && !rc; b++) {
        uint64_t tot = 0;
        double q[6] = {NAN, NAN, NAN, NAN, NAN, NAN};
        size_t n = 0, c;
        for (; m && e < m->n && m->e[e].slot == b; e++, n++) {
            v[n].x = pn_value(&m->e[e], alpha, lng);
            v[n].c = (uint64_t)m->e[e].v;
        }
        if (n)
            pn_bucket(v, n, d, xs, cs, &tot, q);
        if (iv__table_add_row(t) < 0) {
            rc = IV_ENOMEM;
            break;
        }
        rc = iv__table_set_int(t, b, 0, (int64_t)b + 1);
        if (!rc)
            rc = iv__table_set_int(t, b, 1, (int64_t)tot);
        for (c = 0; c < 6 && !rc; c++)
            rc = iv__table_set_double(t, b, 2 + c, q[c]);
    }
    iv__free(&P->a, v, most * sizeof *v);
    iv__free(&P->a, d, most * sizeof *d);
    iv__free(&P->a, xs, most * sizeof *xs);
    iv__free(&P->a, cs, most * sizeof *cs);
    if (rc) {
        iv_table_free(t);
        return rc == IV_ENOMEM ? iv__nomem("the norm table") : rc;
    }
    *out = t;
    return IV_OK;
}
