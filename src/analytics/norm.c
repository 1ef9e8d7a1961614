/* Norms of trajectories and contact-versus-norm robust z-scores (doc/PATTERN.md). The robust z
 * follows Iglewicz & Hoaglin (1993), "How to Detect and Handle Outliers": the modified
 * z-score 0.6745 (x - median) / MAD, i.e. (x - median) / (1.4826 MAD), with |z| > 3.5 as
 * the outlier rule; when MAD is 0 the mean absolute deviation scaled by sqrt(pi/2) =
 * 1.2533 (its ratio to the standard deviation under normality) takes its place. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core.h"
#include "dtw.h"
#include "iv/pattern.h"
#include "norm.h"
#include "quantile.h"
#include "table.h"

/* Buckets gathered per pass over the matrix: a row's cells of one block share a cache line
 * or two, where one bucket at a time would read every row's line for each bucket. */
#define IV__NORM_BLOCK 8

/* An order-keeping unsigned key of a double (not NaN): negatives reversed below the
 * positives, so unsigned order is numeric order (with -0.0 just below +0.0). */
static uint64_t norm_key(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u >> 63 ? ~u : u | (UINT64_C(1) << 63);
}

static double norm_unkey(uint64_t u)
{
    double v;
    u = u >> 63 ? u & ~(UINT64_C(1) << 63) : ~u;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* Sort k[0..m) ascending: least significant byte first, stable, skipping the bytes that
 * are the same in every key (most of them for the integer-valued units of trajectories).
 * tmp has room for m keys. Returns the array that holds the result (k or tmp). */
static uint64_t *norm_radix(uint64_t *k, uint64_t *tmp, size_t m)
{
    size_t hist[8][256], i;
    uint64_t any = 0, all = ~UINT64_C(0), vary;
    int d, nd = 0, digit[8];
    for (i = 0; i < m; i++) {
        any |= k[i];
        all &= k[i];
    }
    vary = any ^ all; /* the bits that differ between some two keys */
    for (d = 0; d < 8; d++)
        if ((vary >> (8 * d)) & 0xff)
            digit[nd++] = d;
    memset(hist, 0, (size_t)nd * sizeof hist[0]);
    for (i = 0; i < m; i++) {
        uint64_t u = k[i];
        for (d = 0; d < nd; d++)
            hist[d][(u >> (8 * digit[d])) & 0xff]++;
    }
    for (d = 0; d < nd; d++) {
        size_t sum = 0, c, *off = hist[d];
        unsigned shift = 8u * (unsigned)digit[d];
        uint64_t *t;
        for (c = 0; c < 256; c++) {
            size_t n = off[c];
            off[c] = sum;
            sum += n;
        }
        for (i = 0; i < m; i++)
            tmp[off[(k[i] >> shift) & 0xff]++] = k[i];
        t = k;
        k = tmp;
        tmp = t;
    }
    return k;
}

/* The old order of the mean absolute deviation's sum, kept so that its bits do not change:
 * the observed values of bucket b in row order, rearranged by the selection of the five
 * quantiles, then summed. Only the buckets whose MAD scale is not positive read it. */
static double norm_meanad(double *col, const double *traj, size_t n, size_t k, size_t b,
                          const double *ps, double median)
{
    double q[5];
    size_t i, m = 0;
    for (i = 0; i < n; i++) {
        double v = traj[i * k + b];
        if (!isnan(v))
            col[m++] = v;
    }
    iv__quantiles_sorted_p(col, m, ps, 5, q);
    return iv__mean_abs_dev(col, m, median);
}

/* One bucket from its sorted keys: the quantiles and the MAD as order statistics of the
 * distinct values with their counts (iv__quantile_counted: the same bits as selecting in
 * the expanded values). x, c and dx, dc have room for m entries. */
static void norm_bucket(iv__norm_bucket *o, const uint64_t *key, size_t m, const double *ps,
                        double *x, uint64_t *c, double *dx, uint64_t *dc)
{
    size_t nx = 0, i, lo, hi, nd = 0;
    uint64_t nobs = 0;
    double med;
    o->contacts = m;
    for (i = 0; i < m; i++) {
        if (nx && key[i] == key[i - 1]) {
            c[nx - 1]++;
            continue;
        }
        x[nx] = norm_unkey(key[i]);
        c[nx++] = 1;
    }
    o->p10 = iv__quantile_counted(x, c, nx, m, ps[0]);
    o->p25 = iv__quantile_counted(x, c, nx, m, ps[1]);
    o->median = med = iv__quantile_counted(x, c, nx, m, ps[2]);
    o->p75 = iv__quantile_counted(x, c, nx, m, ps[3]);
    o->p90 = iv__quantile_counted(x, c, nx, m, ps[4]);
    o->meanad = NAN;
    if (!m) {
        o->mad = NAN;
        return;
    }
    /* |v - median| in ascending order: merge the values from the median outwards, those
     * below it (descending) and those from it up (ascending); fl(a - b) is monotone in
     * each argument, so each side's deviations are already in order. A NaN deviation
     * (an infinite value at an infinite median) is left out, as iv__mad's median does. */
    for (hi = 0; hi < nx && x[hi] < med; hi++)
        ;
    lo = hi;
    while (lo > 0 || hi < nx) {
        double a = lo > 0 ? med - x[lo - 1] : INFINITY, d;
        double bb = hi < nx ? x[hi] - med : INFINITY;
        uint64_t cnt;
        if (lo > 0 && (hi == nx || !(bb < a) || isnan(a))) {
            d = fabs(a);
            cnt = c[--lo];
        } else {
            d = fabs(bb);
            cnt = c[hi++];
        }
        if (isnan(d))
            continue;
        dx[nd] = d;
        dc[nd++] = cnt;
        nobs += cnt;
    }
    o->mad = iv__quantile_counted(dx, dc, nd, nobs, 0.5);
}

int iv__norm_compute(const iv__alloc *al, const double *traj, size_t n, size_t k,
                     iv__norm_bucket *out)
{
    static const double ps[5] = {0.10, 0.25, 0.50, 0.75, 0.90};
    size_t b0, b, i, w, m[IV__NORM_BLOCK];
    size_t nblk = IV__MIN(k, (size_t)IV__NORM_BLOCK), kb = n ? n * sizeof(uint64_t) : 0;
    size_t bytes = kb * (nblk + 5);
    uint64_t *keys, *tmp, *c, *dc;
    double *x, *dx;
    if (!n || !k) {
        for (b = 0; b < k; b++)
            norm_bucket(&out[b], NULL, 0, ps, NULL, NULL, NULL, NULL);
        return IV_OK;
    }
    if (nblk + 5 > SIZE_MAX / kb)
        return iv__nomem("norm column buffer");
    keys = iv__malloc(al, bytes);
    if (!keys)
        return iv__nomem("norm column buffer");
    tmp = keys + n * nblk;
    x = (double *)(tmp + n);
    c = (uint64_t *)(x + n);
    dx = (double *)(c + n);
    dc = (uint64_t *)(dx + n);
    for (b0 = 0; b0 < k; b0 += w) {
        w = IV__MIN(k - b0, nblk);
        memset(m, 0, sizeof m);
        for (i = 0; i < n; i++) {
            const double *row = traj + i * k + b0;
            for (b = 0; b < w; b++)
                if (!isnan(row[b]))
                    keys[b * n + m[b]++] = norm_key(row[b]);
        }
        for (b = 0; b < w; b++) {
            iv__norm_bucket *o = &out[b0 + b];
            const uint64_t *sorted = norm_radix(keys + b * n, tmp, m[b]);
            norm_bucket(o, sorted, m[b], ps, x, c, dx, dc);
            if (m[b] && !(1.4826 * o->mad > 0.0)) /* iv__norm_scale reads it */
                o->meanad = norm_meanad(x, traj, n, k, b0 + b, ps, o->median);
        }
    }
    iv__free(al, keys, bytes);
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
