/* Per-contact CLV input from a store and the calibration-against-holdout table (clv_data.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clv_data.h"

void clv_data_free(clv_data *d)
{
    size_t i;
    for (i = 0; d->contact && i < d->n; i++)
        free(d->contact[i]);
    free(d->contact);
    free(d->x);
    free(d->t_x);
    free(d->T);
    free(d->zbar);
    free(d->hx);
    free(d->hT);
    memset(d, 0, sizeof *d);
}

int clv_data_alloc(clv_data *d, size_t n)
{
    size_t m = n ? n : 1;
    d->n = n;
    d->contact = calloc(m, sizeof *d->contact);
    d->x = calloc(m, sizeof(double));
    d->t_x = calloc(m, sizeof(double));
    d->T = calloc(m, sizeof(double));
    d->zbar = calloc(m, sizeof(double));
    d->hx = calloc(m, sizeof(double));
    d->hT = calloc(m, sizeof(double));
    return d->contact && d->x && d->t_x && d->T && d->zbar && d->hx && d->hT;
}

static double col_num(const iv_table *t, size_t r, long c)
{
    return c < 0 ? NAN : iv_table_get_double(t, r, (size_t)c);
}

int clv_data_from_store(const iv_store *store, const iv_rfm_options *ro, int model,
                        double hold_len, clv_data *d)
{
    iv_table *t = NULL;
    size_t i;
    long cc, cx, ct, cT, ch, cn, cz;
    int rc = model == IV_CLV_BGBB  ? iv_rfm_discrete(&t, store, ro)
             : model == IV_CLV_SBG ? iv_contracts(&t, store, ro)
                                   : iv_rfm(&t, store, ro);
    memset(d, 0, sizeof *d);
    if (rc != IV_OK)
        return rc;
    if (iv_table_nrows(t) == 0) {
        iv_table_free(t);
        return IV_EUNDEFINED;
    }
    if (!clv_data_alloc(d, iv_table_nrows(t))) {
        iv_table_free(t);
        clv_data_free(d);
        return IV_ENOMEM;
    }
    cc = iv_table_col_index(t, "contact");
    cx = iv_table_col_index(t, model == IV_CLV_SBG ? "periods" : "x");
    ct = iv_table_col_index(t, model == IV_CLV_SBG ? "churned" : "t_x");
    cT = iv_table_col_index(t, model == IV_CLV_BGBB ? "n" : "T");
    ch = iv_table_col_index(t, "holdout_x");
    cn = iv_table_col_index(t, "holdout_n");
    cz = iv_table_col_index(t, "zbar");
    for (i = 0; i < d->n; i++) {
        const char *c = cc < 0 ? NULL : iv_table_get_string(t, i, (size_t)cc);
        if (!(d->contact[i] = strdup(c ? c : ""))) {
            iv_table_free(t);
            clv_data_free(d);
            return IV_ENOMEM;
        }
        d->x[i] = col_num(t, i, cx);
        d->t_x[i] = col_num(t, i, ct);
        if (model != IV_CLV_SBG) {
            d->T[i] = col_num(t, i, cT);
            d->hx[i] = col_num(t, i, ch);
            d->hT[i] = model == IV_CLV_BGBB ? col_num(t, i, cn) : hold_len;
            if (model != IV_CLV_BGBB)
                d->zbar[i] = col_num(t, i, cz);
        }
    }
    d->has_zbar = model != IV_CLV_BGBB && model != IV_CLV_SBG;
    d->has_holdout = model != IV_CLV_SBG;
    iv_table_free(t);
    return IV_OK;
}

int clv_validate_table(const clv_data *d, const iv_clv *tx, iv_table **out, size_t *bad)
{
    static const char *const cols[] = {"x", "customers", "actual", "predicted", "mae", "rmse",
                                       "correlation"};
    static const int types[] = {IV_COL_STRING, IV_COL_INT, IV_COL_DOUBLE, IV_COL_DOUBLE,
                                IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE};
    double cnt[8] = {0}, act[8] = {0}, pre[8] = {0}, sa = 0, sp = 0;
    double sae = 0, sse = 0, n = 0, ma, mp, va = 0, vp = 0, cov = 0, *p;
    iv_table *t = NULL;
    size_t i;
    int k, rc = IV_OK;
    *out = NULL;
    if (!(p = malloc((d->n ? d->n : 1) * sizeof *p)))
        return IV_ENOMEM;
    for (i = 0; i < d->n; i++) {
        if ((rc = iv_clv_conditional(tx, d->hT[i], d->x[i], d->t_x[i], d->T[i], &p[i])) != IV_OK) {
            if (bad)
                *bad = i;
            free(p);
            return rc;
        }
        k = d->x[i] >= 7 ? 7 : (int)d->x[i];
        cnt[k] += 1;
        act[k] += d->hx[i];
        pre[k] += p[i];
        n += 1;
        sa += d->hx[i];
        sp += p[i];
        sae += fabs(d->hx[i] - p[i]);
        sse += (d->hx[i] - p[i]) * (d->hx[i] - p[i]);
    }
    /* the correlation from centred sums (two passes: no cancellation of large means) */
    ma = n > 0 ? sa / n : NAN;
    mp = n > 0 ? sp / n : NAN;
    for (i = 0; i < d->n; i++) {
        va += (d->hx[i] - ma) * (d->hx[i] - ma);
        vp += (p[i] - mp) * (p[i] - mp);
        cov += (d->hx[i] - ma) * (p[i] - mp);
    }
    free(p);
    rc = iv_table_new(&t, NULL, NULL);
    for (k = 0; rc == IV_OK && k < 7; k++)
        if (iv_table_add_column(t, cols[k], types[k]) < 0)
            rc = IV_ENOMEM;
    for (k = 0; rc == IV_OK && k <= 8; k++) {
        char lab[8];
        long r = iv_table_add_row(t);
        if (r < 0) {
            rc = (int)r;
            break;
        }
        if (k < 7)
            snprintf(lab, sizeof lab, "%d", k);
        else
            snprintf(lab, sizeof lab, "%s", k == 7 ? "7+" : "all");
        rc = iv_table_set_string(t, (size_t)r, 0, lab);
        if (k < 8) {
            if (rc == IV_OK)
                rc = iv_table_set_int(t, (size_t)r, 1, (int64_t)cnt[k]);
            if (rc == IV_OK)
                rc = iv_table_set_double(t, (size_t)r, 2, cnt[k] ? act[k] / cnt[k] : NAN);
            if (rc == IV_OK)
                rc = iv_table_set_double(t, (size_t)r, 3, cnt[k] ? pre[k] / cnt[k] : NAN);
        } else {
            double corr = va > 0 && vp > 0 ? cov / sqrt(va * vp) : NAN;
            if (rc == IV_OK)
                rc = iv_table_set_int(t, (size_t)r, 1, (int64_t)n);
            if (rc == IV_OK)
                rc = iv_table_set_double(t, (size_t)r, 2, sa);
            if (rc == IV_OK)
                rc = iv_table_set_double(t, (size_t)r, 3, sp);
            if (rc == IV_OK)
                rc = iv_table_set_double(t, (size_t)r, 4, n > 0 ? sae / n : NAN);
            if (rc == IV_OK)
                rc = iv_table_set_double(t, (size_t)r, 5, n > 0 ? sqrt(sse / n) : NAN);
            if (rc == IV_OK)
                rc = iv_table_set_double(t, (size_t)r, 6, corr);
        }
    }
    if (rc != IV_OK) {
        iv_table_free(t);
        return rc;
    }
    *out = t;
    return IV_OK;
}
