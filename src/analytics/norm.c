/* Norms of trajectories and contact-versus-norm robust z-scores (doc/PATTERN.md). The robust z
 * follows Iglewicz & Hoaglin (1993), "How to Detect and Handle Outliers": the modified
 * z-score 0.6745 (x - median) / MAD, i.e. (x - median) / (1.4826 MAD), with |z| > 3.5 as
 * the outlier rule; when MAD is 0 the mean absolute deviation scaled by sqrt(pi/2) =
 * 1.2533 (its ratio to the standard deviation under normality) takes its place. */
#include <math.h>

#include "core.h"
#include "dtw.h"
#include "iv/pattern.h"
#include "norm.h"
#include "quantile.h"
#include "table.h"

int iv__norm_compute(const iv__alloc *al, const double *traj, size_t n, size_t k,
                     iv__norm_bucket *out)
{
    static const double ps[5] = {0.10, 0.25, 0.50, 0.75, 0.90};
    double *col = NULL, q[5];
    size_t b, i;
    if (n) {
        col = iv__malloc(al, n * sizeof *col);
        if (!col)
            return iv__nomem("norm column buffer");
    }
    for (b = 0; b < k; b++) {
        iv__norm_bucket *o = &out[b];
        size_t m = 0;
        for (i = 0; i < n; i++) { /* traj is NULL when n = 0: no pointer arithmetic on it */
            double v = traj[i * k + b];
            if (!isnan(v))
                col[m++] = v;
        }
        o->contacts = m;
        iv__quantiles_sorted_p(col, m, ps, 5, q);
        o->p10 = q[0];
        o->p25 = q[1];
        o->median = q[2];
        o->p75 = q[3];
        o->p90 = q[4];
        o->meanad = iv__mean_abs_dev(col, m, o->median);
        o->mad = m ? iv__mad(col, m, o->median) : NAN;
    }
    iv__free(al, col, n * sizeof *col);
    return IV_OK;
}

double iv__norm_scale(const iv__norm_bucket *b)
{
    double s = 1.4826 * b->mad, floor_;
    if (s > 0.0)
        return s;
    s = 1.2533 * b->meanad;
    if (s > 0.0)
        return s;
    floor_ = 1e-6 * fabs(b->median);
    return floor_ > 1e-9 ? floor_ : 1e-9;
}

/* Add the named columns (types given) to t; IV_OK or the failure. */
static int add_cols(iv_table *t, const char *const *names, const int *types, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        int c = iv__table_add_col(t, names[i], types[i]);
        if (c < 0)
            return c;
    }
    return IV_OK;
}

/* Common entry: options, argument checks, the per-bucket summaries. */
static int norm_begin(const char *fn, iv_table **out, const double *traj, size_t n, size_t k,
                      const iv_pattern_options *opts, iv_pattern_options *o, iv__alloc *al,
                      iv__norm_bucket **nb)
{
    int rc;
    *nb = NULL;
    if (!out)
        return iv__error(IV_EINVAL, "%s: out is NULL", fn);
    *out = NULL;
    rc = iv__pattern_opts(opts, o, al);
    if (rc)
        return rc;
    if (n && k && !traj)
        return iv__error(IV_EINVAL, "%s: trajectories are NULL", fn);
    if (k == 0)
        return IV_OK;
    if (k > SIZE_MAX / sizeof **nb || (n && k > SIZE_MAX / n))
        return iv__error(IV_EINVAL, "%s: %zu x %zu is too large", fn, n, k);
    *nb = iv__calloc(al, k, sizeof **nb);
    if (!*nb)
        return iv__nomem("norm buckets");
    rc = iv__norm_compute(al, traj, n, k, *nb);
    if (rc) {
        iv__free(al, *nb, k * sizeof **nb);
        *nb = NULL;
    }
    return rc;
}

IV_API int iv_pattern_norm(iv_table **out, const double *traj, size_t n, size_t k,
                           const iv_pattern_options *opts)
{
    static const char *const names[8] = {"bucket", "contacts", "median", "p10", "p25",
                                         "p75", "p90", "mad"};
    static const int types[8] = {IV_COL_INT, IV_COL_INT, IV_COL_DOUBLE, IV_COL_DOUBLE,
                                 IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE};
    iv_pattern_options o;
    iv__alloc al;
    iv__norm_bucket *nb = NULL;
    iv_table *t = NULL;
    size_t b;
    int rc = norm_begin("iv_pattern_norm", out, traj, n, k, opts, &o, &al, &nb);
    if (rc)
        return rc;
    t = iv__table_new(&al);
    rc = t ? add_cols(t, names, types, 8) : IV_ENOMEM;
    for (b = 0; b < k && !rc; b++) {
        const iv__norm_bucket *x = &nb[b];
        double v[6] = {x->median, x->p10, x->p25, x->p75, x->p90, x->mad};
        size_t c;
        if (iv__table_add_row(t) < 0) {
            rc = IV_ENOMEM;
            break;
        }
        rc = iv__table_set_int(t, b, 0, (int64_t)b + 1);
        if (!rc)
            rc = iv__table_set_int(t, b, 1, (int64_t)x->contacts);
        for (c = 0; c < 6 && !rc; c++)
            rc = iv__table_set_double(t, b, 2 + c, v[c]);
    }
    iv__free(&al, nb, k * sizeof *nb);
    if (rc) {
        iv_table_free(t);
        return rc;
    }
    *out = t;
    return IV_OK;
}

IV_API int iv_pattern_vs_norm(iv_table **out, double *z, const double *x, const double *traj,
                              size_t n, size_t k, const iv_pattern_options *opts)
{
    static const char *const names[7] = {"buckets", "mean_z", "max_abs_z", "anomaly",
                                         "latest_bucket", "value", "percentile"};
    static const int types[7] = {IV_COL_INT, IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_BOOL,
                                 IV_COL_INT, IV_COL_DOUBLE, IV_COL_DOUBLE};
    iv_pattern_options o;
    iv__alloc al;
    iv__norm_bucket *nb = NULL;
    iv_table *t = NULL;
    size_t b, used = 0, latest = SIZE_MAX, i;
    double sum = 0.0, maxabs = 0.0, pct = NAN, val = NAN;
    int rc;
    if (k && !x)
        return iv__error(IV_EINVAL, "iv_pattern_vs_norm: the contact's trajectory is NULL");
    rc = norm_begin("iv_pattern_vs_norm", out, traj, n, k, opts, &o, &al, &nb);
    if (rc)
        return rc;
    for (b = 0; b < k; b++) {
        double zb = NAN;
        if (!isnan(x[b]))
            latest = b;
        if (!isnan(x[b]) && nb[b].contacts > 0) {
            zb = (x[b] - nb[b].median) / iv__norm_scale(&nb[b]);
            sum += zb;
            if (fabs(zb) > maxabs)
                maxabs = fabs(zb);
            used++;
        }
        if (z)
            z[b] = zb;
    }
    if (latest != SIZE_MAX && nb[latest].contacts > 0) {
        /* mid-rank percentile: (#below + #equal / 2) / #observed */
        double below = 0.0, equal = 0.0;
        const double *p = traj + latest;
        val = x[latest];
        for (i = 0; i < n; i++, p += k) {
            below += *p < val;
            equal += *p == val;
        }
        pct = (below + 0.5 * equal) / (double)nb[latest].contacts;
    } else if (latest != SIZE_MAX) {
        val = x[latest];
    }
    t = iv__table_new(&al);
    rc = t ? add_cols(t, names, types, 7) : IV_ENOMEM;
    if (!rc && iv__table_add_row(t) < 0)
        rc = IV_ENOMEM;
    if (!rc)
        rc = iv__table_set_int(t, 0, 0, (int64_t)used);
    if (!rc)
        rc = iv__table_set_double(t, 0, 1, used ? sum / (double)used : NAN);
    if (!rc)
        rc = iv__table_set_double(t, 0, 2, used ? maxabs : NAN);
    if (!rc && used)
        rc = iv__table_set_int(t, 0, 3, maxabs > o.anomaly_z);
    if (!rc && latest != SIZE_MAX)
        rc = iv__table_set_int(t, 0, 4, (int64_t)latest + 1);
    if (!rc)
        rc = iv__table_set_double(t, 0, 5, val);
    if (!rc)
        rc = iv__table_set_double(t, 0, 6, pct);
    iv__free(&al, nb, k * sizeof *nb);
    if (rc) {
        iv_table_free(t);
        return rc;
    }
    iv__table_set_single(t, 1);
    *out = t;
    return IV_OK;
}
