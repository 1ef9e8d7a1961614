/* Partials of the CLV fit inputs (doc/SUMMARIES.md §10): counts per distinct per-contact
 * summary, keyed by absolute days so that the calibration end is resolved at result time,
 * and the one fit from the merged table. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "clv.h"
#include "partial_clv.h"
#include "partition.h"
#include "table.h"
#include "timefmt.h"

/* Parameters: the CLV model, the calibration end as given (or IV_TIME_NONE), the unit. */
enum { PC_MODEL = 0, PC_CAL = 1, PC_UNIT = 2 };
#define PC_DLIM ((int64_t)1 << 34) /* day numbers and counts of days stay far below */

/* The families of per-contact input: iv_rfm (bgnbd, pareto, mbgnbd, gg; keys x, first
 * purchase day, t_x and zbar as bit patterns), iv_rfm_discrete (bgbb; x, first purchase
 * day, t_x), iv_contracts (sbg; churned: periods, 1; active: the periods at the part's own
 * end, 0, the first day: at a later end E the periods are max(floor((E - first + 1) / u),
 * that count), since the count at the part's end is already the max with the renewals). */
static int pc_family(int64_t model)
{
    return model == IV_CLV_BGBB ? 1 : model == IV_CLV_SBG ? 2 : 0;
}

static int64_t pc_bits(double v)
{
    int64_t b;
    if (v == 0)
        v = 0.0;
    memcpy(&b, &v, sizeof b);
    return b;
}

static double pc_double(int64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static int64_t pc_floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static int pc_col(const iv_table *t, const char *name, size_t *c)
{
    long i = iv_table_col_index(t, name);
    if (i < 0)
        return iv__error(IV_EINVAL, "CLV partial: no column '%s'", name);
    *c = (size_t)i;
    return IV_OK;
}

/* The rows of the part's summary table into the map. */
static int pc_fill(iv_partial *P, const iv_table *t, int fam, iv__pmap *m)
{
    size_t cx = 0, ct = 0, cz = 0, cf = 0, r, n = iv_table_nrows(t);
    int rc;
    if ((rc = pc_col(t, fam == 2 ? "periods" : "x", &cx)) || (rc = pc_col(t, fam == 2 ? "churned" : "t_x", &ct)) ||
        (rc = pc_col(t, "first", &cf)) || (fam == 0 && (rc = pc_col(t, "zbar", &cz))))
        return rc;
    for (r = 0; r < n && !rc; r++) {
        int64_t x = iv_table_get_int(t, r, cx), first = iv_table_get_int(t, r, cf);
        if (fam == 0)
            rc = iv__pmap_add(&P->a, m, 0, x, iv__day_of_ms(first), pc_bits(iv_table_get_double(t, r, ct)),
                              pc_bits(iv_table_get_double(t, r, cz)), 1);
        else if (fam == 1)
            rc = iv__pmap_add(&P->a, m, 0, x, first, iv_table_get_int(t, r, ct), 0, 1);
        else if (iv_table_get_int(t, r, ct))
            rc = iv__pmap_add(&P->a, m, 0, x, 1, 0, 0, 1);
        else
            rc = iv__pmap_add(&P->a, m, 0, x, 0, first, 0, 1);
    }
    return rc;
}

IV_API int iv_partial_clv(iv_partial **out, int model, const iv_store *s, const iv_rfm_options *opts)
{
    iv_rfm_options o = IV_RFM_OPTIONS_INIT;
    iv_partial *P = NULL;
    iv_table *t = NULL;
    iv__pmap m;
    char *txt = NULL;
    size_t len = 0;
    const char *none[1] = {NULL};
    int rc, fam;
    if (!out)
        return iv__error(IV_EINVAL, "iv_partial_clv: out is NULL");
    *out = NULL;
    if (!s)
        return iv__error(IV_EINVAL, "iv_partial_clv: store is NULL");
    if (model < IV_CLV_BGNBD || model > IV_CLV_SBG)
        return iv__error(IV_EINVAL, "iv_partial_clv: unknown CLV model %d", model);
    if (opts) {
        if ((rc = iv__check_options(opts, opts->size, offsetof(iv_rfm_options, holdout_end),
                                    sizeof o, "iv_rfm_options")))
            return rc;
        memcpy(&o, opts, IV__MIN(opts->size, sizeof o));
        o.size = sizeof o;
    }
    o.holdout_end = IV_TIME_NONE; /* the fit uses the calibration period only */
    fam = pc_family(model);
    rc = fam == 1 ? iv__rfm_discrete_ex(&t, s, &o, 1) : fam == 2 ? iv__contracts_ex(&t, s, &o, 1) : iv_rfm(&t, s, &o);
    if (rc)
        return rc;
    memset(&m, 0, sizeof m);
    if (!(P = iv__partial_new(&s->alloc, IV_PARTIAL_CLV))) {
        iv_table_free(t);
        return IV_ENOMEM;
    }
    P->par[PC_MODEL] = model;
    P->par[PC_CAL] = o.calibration_end;
    P->par[PC_UNIT] = o.unit;
    P->where_fp = iv__fnv1a64("", 0);
    P->nrows = s->nrows;
    P->ts_min = s->nrows ? s->ts_min : IV_TIME_NONE;
    P->ts_max = s->nrows ? s->ts_max : IV_TIME_NONE;
    if (!(P->text = iv__strndup(&P->a, "", 0)))
        rc = iv__nomem("a partial");
    if (!rc)
        rc = iv__partial_set_dims(P, none, 0);
    if (!rc && (rc = iv_model_to_string(o.model ? o.model : iv__model_default(), &txt, &len)) == IV_OK) {
        P->model_fp = iv__fnv1a64(txt, len);
        iv_model_free_string(o.model ? o.model : iv__model_default(), txt);
    }
    if (!rc)
        rc = pc_fill(P, t, fam, &m);
    if (!rc && iv_table_nrows(t))
        rc = iv__partial_put(P, none, &m);
    iv__pmap_free(&P->a, &m);
    iv_table_free(t);
    if (rc) {
        iv_partial_free(P);
        return rc;
    }
    *out = P;
    return IV_OK;
}

int iv__partial_clv_check(const iv_partial *P)
{
    const int64_t *par = P->par;
    int64_t dmin, dmax;
    uint64_t total = 0;
    size_t e;
    int k, fam;
    if (par[PC_MODEL] < IV_CLV_BGNBD || par[PC_MODEL] > IV_CLV_SBG || (par[PC_UNIT] != IV_RFM_DAY && par[PC_UNIT] != IV_RFM_WEEK) ||
        (par[PC_CAL] != IV_TIME_NONE && (par[PC_CAL] < -PC_DLIM * IV__MS_PER_DAY || par[PC_CAL] > PC_DLIM * IV__MS_PER_DAY)))
        return iv__error(IV_ECORRUPT, "partial bytes: bad CLV parameters");
    for (k = PC_UNIT + 1; k < IV__PPAR; k++)
        if (par[k] != 0)
            return iv__error(IV_ECORRUPT, "partial bytes: bad CLV parameters");
    if (P->nk != 0 || P->n > 1 || P->text[0])
        return iv__error(IV_ECORRUPT, "partial bytes: a CLV partial has one group and no dimensions");
    if (P->nrows && (P->ts_min < -PC_DLIM * IV__MS_PER_DAY || P->ts_max > PC_DLIM * IV__MS_PER_DAY))
        return iv__error(IV_ECORRUPT, "partial bytes: a time out of range");
    if (P->n && !P->nrows)
        return iv__error(IV_ECORRUPT, "partial bytes: contacts without rows");
    if (!P->n)
        return IV_OK;
    fam = pc_family(par[PC_MODEL]);
    dmin = iv__day_of_ms(P->ts_min);
    dmax = iv__day_of_ms(P->ts_max);
    if (par[PC_CAL] != IV_TIME_NONE)
        dmax = IV__MIN(dmax, iv__day_of_ms(par[PC_CAL]));
    for (e = 0; e < P->g[0].m.n; e++) {
        const iv__pent *x = &P->g[0].m.e[e];
        int bad = x->slot != 0 || x->v < 1 || x->k[0] < 0 || x->k[0] > PC_DLIM;
        if (!bad && fam == 0) {
            double tx = pc_double(x->k[2]), zb = pc_double(x->k[3]);
            bad = x->k[1] < dmin || x->k[1] > dmax || !(tx >= 0) || !isfinite(tx) ||
                  tx > (double)(dmax - x->k[1]) / (par[PC_UNIT] == IV_RFM_WEEK ? 7.0 : 1.0) || !isfinite(zb) ||
                  (x->k[0] == 0 && (tx != 0 || zb != 0)) || (x->k[0] > 0 && tx == 0);
        } else if (!bad && fam == 1) {
            bad = x->k[1] < dmin || x->k[1] > dmax || x->k[2] < 0 || x->k[0] > x->k[2] || x->k[3] ||
                  (x->k[0] == 0) != (x->k[2] == 0) ||
                  x->k[2] > pc_floor_div(dmax - x->k[1], par[PC_UNIT] == IV_RFM_WEEK ? 7 : 1);
        } else if (!bad) {
            bad = x->k[0] < 1 || x->k[3] || x->k[1] < 0 || x->k[1] > 1 ||
                  (x->k[1] == 1 ? x->k[2] != 0 : x->k[2] < dmin || x->k[2] > dmax);
        }
        if (bad)
            return iv__error(IV_ECORRUPT, "partial bytes: bad CLV entry");
        total += (uint64_t)x->v;
        if (total > P->nrows) /* a contact has at least one row */
            return iv__error(IV_ECORRUPT, "partial bytes: more contacts than rows");
    }
    return IV_OK;
}

/* One distinct summary of the merged table. */
typedef struct pc_row {
    double x, t_x, T, zbar;
    int64_t count;
} pc_row;

static int pc_row_cmp(const void *pa, const void *pb)
{
    const pc_row *a = pa, *b = pb;
    const double ka[4] = {a->x, a->t_x, a->T, a->zbar}, kb[4] = {b->x, b->t_x, b->T, b->zbar};
    int i;
    for (i = 0; i < 4; i++)
        if (ka[i] != kb[i])
            return ka[i] < kb[i] ? -1 : 1;
    return 0;
}

/* The distinct (x, t_x, T, zbar) of the merged parts with their counts, in ascending
 * order (*rows NULL when there is none). */
static int pc_rows(const iv_partial *P, pc_row **rows, size_t *n)
{
    int fam = pc_family(P->par[PC_MODEL]);
    double unit = P->par[PC_UNIT] == IV_RFM_WEEK ? 7.0 : 1.0;
    int64_t u = P->par[PC_UNIT] == IV_RFM_WEEK ? 7 : 1;
    int64_t cal = iv__day_of_ms(P->par[PC_CAL] != IV_TIME_NONE ? P->par[PC_CAL] : P->nrows ? P->ts_max : 0);
    const iv__pmap *m = P->n ? &P->g[0].m : NULL;
    size_t e, o = 0;
    pc_row *r;
    *rows = NULL;
    *n = 0;
    if (!m || !m->n)
        return IV_OK;
    if (!(r = iv__malloc(&P->a, m->n * sizeof *r)))
        return iv__nomem("CLV partial result");
    for (e = 0; e < m->n; e++) {
        const iv__pent *x = &m->e[e];
        pc_row *w = &r[e];
        memset(w, 0, sizeof *w);
        w->count = x->v;
        if (fam == 0) { /* as iv_rfm computes them */
            w->x = (double)x->k[0];
            w->t_x = pc_double(x->k[2]);
            w->T = (double)(cal - x->k[1]) / unit;
            w->zbar = pc_double(x->k[3]);
        } else if (fam == 1) { /* as iv_rfm_discrete */
            w->x = (double)x->k[0];
            w->t_x = (double)x->k[2];
            w->T = (double)pc_floor_div(cal - x->k[1], u);
        } else { /* as iv_contracts */
            int64_t p = x->k[0];
            if (x->k[1] == 0)
                p = IV__MAX(p, pc_floor_div(cal - x->k[2] + 1, u));
            w->x = (double)p;
            w->t_x = (double)x->k[1];
        }
    }
    qsort(r, m->n, sizeof *r, pc_row_cmp);
    for (e = 0; e < m->n; e++) {
        if (o && pc_row_cmp(&r[o - 1], &r[e]) == 0) {
            if (__builtin_add_overflow(r[o - 1].count, r[e].count, &r[o - 1].count)) {
                iv__free(&P->a, r, m->n * sizeof *r);
                return iv__error(IV_ERANGE, "CLV partial: a count overflows");
            }
        } else {
            r[o++] = r[e];
        }
    }
    *rows = r;
    *n = o;
    return IV_OK;
}

static void pc_rows_free(const iv_partial *P, pc_row *rows)
{
    if (rows)
        iv__free(&P->a, rows, P->g[0].m.n * sizeof *rows);
}

int iv__partial_clv_result(iv_table **out, const iv_partial *P)
{
    static const char *const c0[] = {"x", "t_x", "T", "zbar", "count"};
    static const char *const c1[] = {"x", "t_x", "n", "count"};
    static const char *const c2[] = {"periods", "churned", "count"};
    static const int t0[] = {IV_COL_INT, IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_INT};
    int fam = pc_family(P->par[PC_MODEL]);
    const char *const *cols = fam == 0 ? c0 : fam == 1 ? c1 : c2;
    size_t nc = fam == 0 ? 5 : fam == 1 ? 4 : 3, i, n;
    pc_row *r = NULL;
    iv_table *t;
    int rc;
    if ((rc = pc_rows(P, &r, &n)))
        return rc;
    if (!(t = iv__table_new(&P->a))) {
        pc_rows_free(P, r);
        return IV_ENOMEM;
    }
    for (i = 0; i < nc && rc >= 0; i++)
        rc = iv__table_add_col(t, cols[i], fam == 0 ? t0[i] : IV_COL_INT);
    for (i = 0; i < n && rc >= 0; i++) {
        long row = iv__table_add_row(t);
        const double v[4] = {r[i].x, r[i].t_x, r[i].T, r[i].zbar};
        size_t c;
        if (row < 0) {
            rc = (int)row;
            break;
        }
        for (c = 0; c + 1 < nc && rc >= 0; c++)
            rc = fam == 0 && c > 0 ? iv__table_set_double(t, (size_t)row, c, v[c])
                                   : iv__table_set_int(t, (size_t)row, c, (int64_t)v[c]);
        if (rc >= 0)
            rc = iv__table_set_int(t, (size_t)row, nc - 1, r[i].count);
    }
    pc_rows_free(P, r);
    if (rc < 0) {
        iv_table_free(t);
        return rc;
    }
    *out = t;
    return IV_OK;
}

IV_API int iv_partial_clv_fit(iv_clv **out, const iv_partial *P, const iv_clv_options *opts)
{
    iv_clv_options o = IV_CLV_OPTIONS_INIT;
    int model, rc, expand;
    pc_row *r = NULL;
    size_t n, i, j, m = 0;
    double *col[5] = {NULL, NULL, NULL, NULL, NULL};
    if (out)
        *out = NULL;
    if (!out || !P)
        return iv__error(IV_EINVAL, "iv_partial_clv_fit: NULL argument");
    if (P->kind != IV_PARTIAL_CLV)
        return iv__error(IV_EINVAL, "iv_partial_clv_fit: not a CLV partial (kind %u)", P->kind);
    if (opts) {
        if ((rc = iv__check_options(opts, opts->size, offsetof(iv_clv_options, penalizer), sizeof o,
                                    "iv_clv_options")))
            return rc;
        memcpy(&o, opts, IV__MIN(opts->size, sizeof o));
        o.size = sizeof o;
    }
    if (o.weights || o.covariates_purchase || o.covariates_dropout)
        return iv__error(IV_EINVAL, "iv_partial_clv_fit: a partial holds no per-contact weights or "
                         "covariates (the counts are the weights)");
    model = (int)P->par[PC_MODEL];
    if ((rc = pc_rows(P, &r, &n)))
        return rc;
    if (n == 0)
        return iv__error(IV_EUNDEFINED, "no contact has a purchase on or before the calibration end");
    /* the Pareto/NBD penalty is scaled by the number of rows (lifetimes' rule): with a
     * penalty, one row per customer as the store gives them; else one per distinct row */
    expand = model == IV_CLV_PARETO && o.penalizer > 0;
    for (i = 0; i < n; i++) {
        size_t add = expand ? (size_t)r[i].count : 1;
        if (add > UINT32_MAX || m + add > UINT32_MAX - 1) { /* iv_clv_fit's limit */
            pc_rows_free(P, r);
            return iv__error(IV_ERANGE, "iv_partial_clv_fit: too many customers");
        }
        m += add;
    }
    for (j = 0; j < 5; j++)
        if (!(col[j] = iv__malloc(&P->a, m * sizeof(double))))
            break;
    if (j < 5) {
        rc = iv__nomem("CLV fit input");
    } else {
        size_t k = 0;
        for (i = 0; i < n; i++) {
            size_t rep = expand ? (size_t)r[i].count : 1, q;
            for (q = 0; q < rep; q++, k++) {
                col[0][k] = r[i].x;
                col[1][k] = r[i].t_x;
                col[2][k] = r[i].T;
                col[3][k] = r[i].zbar;
                col[4][k] = expand ? 1.0 : (double)r[i].count;
            }
        }
        o.weights = expand ? NULL : col[4];
        rc = model == IV_CLV_GG ? iv_clv_fit(out, model, col[0], NULL, NULL, col[3], m, &o)
                                : iv_clv_fit(out, model, col[0], col[1], model == IV_CLV_SBG ? NULL : col[2],
                                             NULL, m, &o);
    }
    for (j = 0; j < 5; j++)
        iv__free(&P->a, col[j], m * sizeof(double));
    pc_rows_free(P, r);
    return rc;
}
