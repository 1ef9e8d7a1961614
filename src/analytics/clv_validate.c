/* CLV calibration against holdout: iv_clv_validate and iv_clv_validate_store (doc/CLV.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clv.h"
#include "store.h"
#include "table.h"
#include "timefmt.h"

/* the frequency classes x = 0..6 and 7+, then "all" */
#define IV__VAL_CLASSES 8

int iv_clv_validate_options_init(iv_clv_validate_options *opts, size_t size)
{
    IV__OPTIONS_INIT(iv_clv_validate_options, IV_CLV_VALIDATE_OPTIONS_INIT, opts, size,
                     sizeof(iv_clv_validate_options));
}

static int resolve(const iv_clv_validate_options *opts, iv_clv_validate_options *o)
{
    int rc;
    memset(o, 0, sizeof *o);
    if (opts) {
        if ((rc = iv__check_options(opts, opts->size, sizeof *o, sizeof *o,
                                    "iv_clv_validate_options")) != IV_OK)
            return rc;
        *o = *opts;
    }
    o->size = sizeof *o;
    return IV_OK;
}

static const char *model_name(int model)
{
    switch (model) {
    case IV_CLV_BGNBD: return "BG/NBD";
    case IV_CLV_PARETO: return "Pareto/NBD";
    case IV_CLV_GG: return "Gamma-Gamma";
    case IV_CLV_MBGNBD: return "MBG/NBD";
    case IV_CLV_BGBB: return "BG/BB";
    case IV_CLV_SBG: return "shifted-BG";
    default: return "an unknown model";
    }
}

/* The last error, prefixed with the customer and what failed (the message is copied
 * first: iv__error writes the buffer iv_error_last() reads). */
static int customer_error(int rc, size_t i, const char *what)
{
    char msg[512];
    snprintf(msg, sizeof msg, "%s", iv_error_last());
    return iv__error(rc, "customer %zu: %s: %s", i, what, msg);
}

/* The table of the class sums (clv_validate.c's only layout, doc/CLV.md). */
static int make_table(const iv__alloc *a, const double *cnt, const double *act,
                      const double *pre, double n, double sa, double sp, double mae,
                      double rmse, double corr, iv_table **out)
{
    static const char *const cols[] = {"x", "customers", "actual", "predicted", "mae", "rmse",
                                       "correlation"};
    static const int types[] = {IV_COL_STRING, IV_COL_INT, IV_COL_DOUBLE, IV_COL_DOUBLE,
                                IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE};
    iv_table *t = iv__table_new(a);
    int k, rc = IV_OK;
    if (!t)
        return iv__nomem("validation table");
    for (k = 0; rc >= 0 && k < 7; k++)
        rc = iv__table_add_col(t, cols[k], types[k]);
    for (k = 0; rc >= 0 && k <= IV__VAL_CLASSES; k++) {
        char lab[8];
        long r = iv__table_add_row(t);
        size_t row = (size_t)r;
        if (r < 0) {
            rc = (int)r;
            break;
        }
        if (k < 7)
            snprintf(lab, sizeof lab, "%d", k);
        else
            snprintf(lab, sizeof lab, "%s", k == 7 ? "7+" : "all");
        rc = iv__table_set_string(t, row, 0, lab, strlen(lab));
        if (k < IV__VAL_CLASSES) {
            if (rc >= 0)
                rc = iv__table_set_int(t, row, 1, (int64_t)cnt[k]);
            if (rc >= 0)
                rc = iv__table_set_double(t, row, 2, cnt[k] ? act[k] / cnt[k] : NAN);
            if (rc >= 0)
                rc = iv__table_set_double(t, row, 3, cnt[k] ? pre[k] / cnt[k] : NAN);
        } else {
            if (rc >= 0)
                rc = iv__table_set_int(t, row, 1, (int64_t)n);
            if (rc >= 0)
                rc = iv__table_set_double(t, row, 2, sa);
            if (rc >= 0)
                rc = iv__table_set_double(t, row, 3, sp);
            if (rc >= 0)
                rc = iv__table_set_double(t, row, 4, mae);
            if (rc >= 0)
                rc = iv__table_set_double(t, row, 5, rmse);
            if (rc >= 0)
                rc = iv__table_set_double(t, row, 6, corr);
        }
    }
    if (rc < 0) {
        iv_table_free(t);
        return rc;
    }
    *out = t;
    return IV_OK;
}

/* The predictions of the customers without covariates, one computation per distinct key
 * tuple (the grouping of the fits, iv__clv_group_map): a group's slot keeps what its
 * customers share, `done` 0 until its first customer fills it. */
typedef struct pre_slot {
    double v; /* BG/NBD, MBG/NBD: the mean function; Pareto/NBD: the prediction */
    int rc;   /* Pareto/NBD: the prediction's return code */
    int done;
} pre_slot;

/* The customers' columns x, t_x, T and holdout T, in that order. */
enum { PRE_X, PRE_TX, PRE_T, PRE_HT, PRE_COLS };

/* Customer i's prediction into *p from (and into) its group's slot g; its return code. */
typedef int (*pre_fn)(const iv_clv *clv, const double *const *c, size_t i, pre_slot *g,
                      double *p);

/* BG/NBD and MBG/NBD: the mean function once per distinct (x, T, holdout T) (a 2.4M-row
 * log's calibration: 5,878 for 23,204 customers), each prediction bit for bit
 * iv_clv_conditional's. A customer with a bad holdout T is left to the caller's checks. */
static int pre_mean(const iv_clv *clv, const double *const *c, size_t i, pre_slot *g, double *p)
{
    double ht = c[PRE_HT][i];
    if (!(ht >= 0) || !isfinite(ht))
        return IV_OK;
    if (!g->done) {
        g->v = NAN; /* not computed yet: iv__clv_conditional_at computes it */
        g->done = 1;
    }
    return iv__clv_conditional_at(clv, ht, c[PRE_X][i], c[PRE_TX][i], c[PRE_T][i], &g->v, p);
}

/* Pareto/NBD: iv_clv_conditional itself once per distinct (x, t_x, T, holdout T) (17,803
 * for 23,204 customers), so each value and return code is its own. */
static int pre_whole(const iv_clv *clv, const double *const *c, size_t i, pre_slot *g,
                     double *p)
{
    if (!g->done) {
        g->v = NAN;
        g->rc = iv_clv_conditional(clv, c[PRE_HT][i], c[PRE_X][i], c[PRE_TX][i], c[PRE_T][i],
                                   &g->v);
        g->done = 1;
    }
    *p = g->v;
    return g->rc;
}

/* Every customer's prediction into p[i] and its return code into prc[i] by `each`, the
 * customers grouped by the nk columns of c named in keys. When the grouping cannot be made
 * for n customers, prc[i] = IV_ERANGE for all: the caller computes each. IV_OK or
 * IV_ENOMEM. */
static int pre_grouped(const iv_clv *clv, const double *const *c, const int *keys, int nk,
                       size_t n, pre_fn each, double *p, int *prc)
{
    const double *key[PRE_COLS];
    uint32_t *map = iv__malloc(&clv->alloc, (n ? n : 1) * sizeof *map);
    pre_slot *slot = NULL;
    size_t m = 0, i;
    int k, rc;
    if (!map)
        return iv__nomem("validation predictions");
    for (k = 0; k < nk; k++)
        key[k] = c[keys[k]];
    rc = iv__clv_group_map(&clv->alloc, n, key, nk, map, &m);
    if (rc == IV_OK && !(slot = iv__calloc(&clv->alloc, m ? m : 1, sizeof *slot)))
        rc = IV_ENOMEM;
    for (i = 0; i < n; i++)
        prc[i] = rc == IV_OK ? each(clv, c, i, &slot[map[i]], &p[i]) : IV_ERANGE;
    iv__free(&clv->alloc, slot, (m ? m : 1) * sizeof *slot);
    iv__free(&clv->alloc, map, (n ? n : 1) * sizeof *map);
    return rc == IV_ENOMEM ? iv__nomem("validation predictions") : IV_OK;
}

int iv_clv_validate(iv_table **out, const iv_clv *clv, const double *x, const double *t_x,
                    const double *T, const double *holdout_x, const double *holdout_T,
                    size_t n, const iv_clv_validate_options *opts)
{
    double cnt[IV__VAL_CLASSES] = {0}, act[IV__VAL_CLASSES] = {0}, pre[IV__VAL_CLASSES] = {0};
    double sa = 0, sp = 0, sae = 0, sse = 0, nn = 0, ma, mp, va = 0, vp = 0, cv = 0, *p;
    int *prc = NULL; /* pre_grouped's return codes, when it ran */
    iv_clv_validate_options o;
    size_t i;
    int k, rc;
    if (out)
        *out = NULL;
    if (!out || !clv || (n && (!x || !t_x || !T || !holdout_x || !holdout_T)))
        return iv__error(IV_EINVAL, "iv_clv_validate: NULL argument");
    if ((rc = resolve(opts, &o)) != IV_OK)
        return rc;
    if (clv->model == IV_CLV_GG || clv->model == IV_CLV_SBG)
        return iv__error(IV_EINVAL, "iv_clv_validate: %s predicts no purchase counts "
                         "(validation needs BG/NBD, MBG/NBD, Pareto/NBD or BG/BB)",
                         model_name(clv->model));
    if ((o.z_purchase && !clv->kp) || (o.z_dropout && !clv->kd))
        return iv__error(IV_EINVAL, "iv_clv_validate: %s covariates given for a model fitted "
                         "without them", o.z_purchase && !clv->kp ? "purchase" : "dropout");
    if (!(p = iv__malloc(&clv->alloc, (n ? n : 1) * sizeof *p)))
        return iv__nomem("validation predictions");
    if (!o.z_purchase && !o.z_dropout && (clv->model == IV_CLV_BGNBD ||
                                          clv->model == IV_CLV_MBGNBD ||
                                          (clv->model == IV_CLV_PARETO && !clv->kp && !clv->kd))) {
        static const int mean_keys[] = {PRE_X, PRE_T, PRE_HT};
        static const int whole_keys[] = {PRE_X, PRE_TX, PRE_T, PRE_HT};
        const double *c[PRE_COLS] = {x, t_x, T, holdout_T};
        int pareto = clv->model == IV_CLV_PARETO;
        if (!(prc = iv__malloc(&clv->alloc, (n ? n : 1) * sizeof *prc)) ||
            pre_grouped(clv, c, pareto ? whole_keys : mean_keys, pareto ? 4 : 3, n,
                        pareto ? pre_whole : pre_mean, p, prc) != IV_OK) {
            iv__free(&clv->alloc, prc, (n ? n : 1) * sizeof *prc);
            iv__free(&clv->alloc, p, (n ? n : 1) * sizeof *p);
            return iv__nomem("validation predictions");
        }
    }
    for (i = 0; i < n; i++) {
        iv_clv *one = NULL;
        const double *zp = o.z_purchase ? o.z_purchase + i * clv->kp : NULL;
        const double *zd = o.z_dropout ? o.z_dropout + i * clv->kd : NULL;
        rc = IV_OK;
        if (!(holdout_x[i] >= 0) || !isfinite(holdout_x[i]))
            rc = iv__error(IV_ERANGE, "customer %zu: holdout_x = %g must be finite and >= 0", i,
                           holdout_x[i]);
        else if (!(holdout_T[i] >= 0) || !isfinite(holdout_T[i]))
            rc = iv__error(IV_ERANGE, "customer %zu: holdout_T = %g must be finite and >= 0", i,
                           holdout_T[i]);
        if (rc == IV_OK && (zp || zd)) {
            if ((rc = iv_clv_for_customer(clv, zp, zd, &one)) != IV_OK && rc != IV_ENOMEM)
                rc = customer_error(rc, i, "its covariates");
        }
        /* precomputed: a failure is computed again, for its own message */
        if (rc == IV_OK && (!prc || prc[i] != IV_OK) &&
            (rc = iv_clv_conditional(one ? one : clv, holdout_T[i], x[i], t_x[i], T[i], &p[i])) !=
                IV_OK && rc != IV_ENOMEM)
            rc = customer_error(rc, i, "the conditional expectation");
        iv_clv_free(one);
        if (rc != IV_OK) {
            if (o.failed)
                *o.failed = i;
            iv__free(&clv->alloc, prc, (n ? n : 1) * sizeof *prc);
            iv__free(&clv->alloc, p, (n ? n : 1) * sizeof *p);
            return rc;
        }
        k = x[i] >= 7 ? 7 : (int)x[i];
        cnt[k] += 1;
        act[k] += holdout_x[i];
        pre[k] += p[i];
        nn += 1;
        sa += holdout_x[i];
        sp += p[i];
        sae += fabs(holdout_x[i] - p[i]);
        sse += (holdout_x[i] - p[i]) * (holdout_x[i] - p[i]);
    }
    /* the correlation from centred sums (two passes: no cancellation of large means) */
    ma = nn > 0 ? sa / nn : NAN;
    mp = nn > 0 ? sp / nn : NAN;
    for (i = 0; i < n; i++) {
        va += (holdout_x[i] - ma) * (holdout_x[i] - ma);
        vp += (p[i] - mp) * (p[i] - mp);
        cv += (holdout_x[i] - ma) * (p[i] - mp);
    }
    iv__free(&clv->alloc, prc, (n ? n : 1) * sizeof *prc);
    iv__free(&clv->alloc, p, (n ? n : 1) * sizeof *p);
    {
        iv__alloc ta;
        iv__alloc_init(&ta, o.alloc, o.alloc_ud);
        return make_table(&ta, cnt, act, pre, nn, sa, sp, nn > 0 ? sae / nn : NAN,
                          nn > 0 ? sqrt(sse / nn) : NAN,
                          va > 0 && vp > 0 ? cv / sqrt(va * vp) : NAN, out);
    }
}

/* A numeric column of a summary table into a new array. */
static int column(const iv__alloc *a, const iv_table *t, const char *name, size_t n,
                  double **out)
{
    long c = iv_table_col_index(t, name);
    size_t i;
    if (c < 0)
        return iv__error(IV_EINVAL, "iv_clv_validate_store: the summary has no column '%s'",
                         name);
    if (!(*out = iv__malloc(a, (n ? n : 1) * sizeof **out)))
        return iv__nomem("validation summaries");
    for (i = 0; i < n; i++)
        (*out)[i] = iv_table_get_double(t, i, (size_t)c);
    return IV_OK;
}

int iv_clv_validate_store(iv_table **out, iv_clv **fitted, const iv_store *store, int model,
                          const iv_rfm_options *rfm, const iv_clv_options *fit,
                          const iv_clv_validate_options *opts)
{
    iv_rfm_options ro;
    iv_clv_validate_options o;
    iv_table *t = NULL;
    iv_clv *m = NULL;
    double *col[5] = {NULL, NULL, NULL, NULL, NULL}, hold_len;
    static const char *const names[] = {"x", "t_x", "T", "holdout_x", "holdout_n"};
    int64_t hold_end;
    size_t n = 0, k, j;
    int rc;
    if (out)
        *out = NULL;
    if (fitted)
        *fitted = NULL;
    if (!out || !store || !rfm)
        return iv__error(IV_EINVAL, "iv_clv_validate_store: NULL argument");
    if ((rc = resolve(opts, &o)) != IV_OK)
        return rc;
    if ((rc = iv__check_options(rfm, rfm->size, sizeof ro, sizeof ro, "iv_rfm_options")) != IV_OK)
        return rc;
    ro = *rfm;
    if (model != IV_CLV_BGNBD && model != IV_CLV_MBGNBD && model != IV_CLV_PARETO &&
        model != IV_CLV_BGBB)
        return iv__error(IV_EINVAL, "iv_clv_validate_store: %s predicts no purchase counts "
                         "(validation needs BG/NBD, MBG/NBD, Pareto/NBD or BG/BB)",
                         model_name(model));
    if (ro.calibration_end == IV_TIME_NONE)
        return iv__error(IV_EINVAL, "iv_clv_validate_store: the calibration end is required");
    if (ro.unit != IV_RFM_DAY && ro.unit != IV_RFM_WEEK)
        return iv__error(IV_EINVAL, "iv_rfm_options: unit %d is neither day nor week", ro.unit);
    hold_end = ro.holdout_end != IV_TIME_NONE ? ro.holdout_end
               : store->nrows ? store->ts_max : ro.calibration_end;
    if (hold_end < ro.calibration_end)
        return iv__error(IV_EINVAL, "iv_clv_validate_store: the holdout end is before the "
                         "calibration end");
    hold_len = (double)(iv__day_of_ms(hold_end) - iv__day_of_ms(ro.calibration_end)) /
               (ro.unit == IV_RFM_WEEK ? 7.0 : 1.0);
    ro.holdout_end = hold_end;
    rc = model == IV_CLV_BGBB ? iv_rfm_discrete(&t, store, &ro) : iv_rfm(&t, store, &ro);
    if (rc != IV_OK)
        return rc;
    n = iv_table_nrows(t);
    if (n == 0) {
        iv_table_free(t);
        return iv__error(IV_EUNDEFINED, "no contact has a purchase on or before the "
                         "calibration end");
    }
    for (k = 0; rc == IV_OK && k < 5; k++) {
        if (k == 4 && model != IV_CLV_BGBB) { /* one holdout length for every contact */
            if (!(col[4] = iv__malloc(&store->alloc, n * sizeof *col[4])))
                rc = iv__nomem("validation summaries");
            for (j = 0; rc == IV_OK && j < n; j++)
                col[4][j] = hold_len;
        } else {
            rc = column(&store->alloc, t,
                        k == 2 && model == IV_CLV_BGBB ? "n" : names[k], n, &col[k]);
        }
    }
    iv_table_free(t);
    if (rc == IV_OK)
        rc = iv_clv_fit(&m, model, col[0], col[1], col[2], NULL, n, fit);
    if (rc == IV_OK) {
        o.z_purchase = m->kp ? fit->z_purchase : NULL;
        o.z_dropout = m->kd ? fit->z_dropout : NULL;
        rc = iv_clv_validate(out, m, col[0], col[1], col[2], col[3], col[4], n, &o);
    }
    for (k = 0; k < 5; k++)
        if (col[k])
            iv__free(&store->alloc, col[k], n * sizeof *col[k]);
    if (rc == IV_OK && fitted)
        *fitted = m;
    else
        iv_clv_free(m);
    return rc;
}
