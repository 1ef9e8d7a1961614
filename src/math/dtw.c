/* Distances between trajectories: Euclidean, dynamic time warping with a Sakoe-Chiba band
 * (Sakoe & Chiba 1978) and early abandoning, LB_Keogh lower bounds (Keogh &
 * Ratanamahatana 2005) over envelopes built by Lemire's streaming min/max (Lemire 2006),
 * and the nearest-norm search that cascades them (as in the UCR suite, Rakthanmanon et al.
 * 2012). */
#include <math.h>

#include "core.h"
#include "dtw.h"

size_t iv__observed_prefix(const double *x, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (isnan(x[i]))
            return i;
    return n;
}

double iv__euclid_sq(const double *x, const double *y, size_t n)
{
    double s = 0.0;
    size_t i;
    for (i = 0; i < n; i++) {
        double d = x[i] - y[i];
        s += d * d;
    }
    return s;
}

double iv__dtw_sq(const double *x, const double *y, size_t n, size_t w, double cutoff_sq,
                  const double *cb, double *buf)
{
    /* D(i, j) = (x_i - y_j)^2 + min(D(i-1, j), D(i, j-1), D(i-1, j-1)), D(0, 0) = (x_0 -
     * y_0)^2, over |i - j| <= w; the result is D(n-1, n-1). Two rows of n cells; a row
     * reads at most one cell right of the previous row's band, which is still +inf from
     * the initialisation (bands only move right). */
    double *prev = buf, *cur = buf + n, *t;
    /* the suffix bound is summed in another order than the path: a relative slack keeps
     * rounding from abandoning a path that would come out equal to the cutoff */
    double cut_cb = cutoff_sq + cutoff_sq * 1e-12;
    size_t i, j;
    if (n == 0)
        return 0.0;
    if (w >= n)
        w = n - 1;
    for (j = 0; j < 2 * n; j++)
        buf[j] = INFINITY;
    for (i = 0; i < n; i++) {
        size_t jlo = i > w ? i - w : 0, jhi = i + w < n ? i + w : n - 1;
        double xi = x[i], left, rowmin, d, best;
        /* first cell of the row: no left neighbour */
        d = xi - y[jlo];
        if (i == 0)
            best = 0.0;
        else {
            best = prev[jlo];
            if (jlo > 0 && prev[jlo - 1] < best)
                best = prev[jlo - 1];
        }
        left = d * d + best;
        cur[jlo] = left;
        rowmin = left;
        for (j = jlo + 1; j <= jhi; j++) {
            double up = prev[j], diag = prev[j - 1];
            d = xi - y[j];
            best = up < diag ? up : diag;
            best = left < best ? left : best;
            left = d * d + best;
            cur[j] = left;
            rowmin = left < rowmin ? left : rowmin;
        }
        /* every path crosses every row: the computed cost only grows from here */
        if (rowmin > cutoff_sq)
            return INFINITY;
        if (cb && rowmin + cb[i + 1] > cut_cb)
            return INFINITY;
        t = prev;
        prev = cur;
        cur = t;
    }
    return prev[n - 1];
}

void iv__envelope(const double *y, size_t n, size_t w, double *lo, double *hi, size_t *dq)
{
    /* Lemire's algorithm: deques of indices whose values are monotone (decreasing for
     * the maximum, increasing for the minimum); each index enters and leaves once. The
     * window of output i is [i - w, i + w]; index j enters when output j - w is due. */
    size_t *mx = dq, *mn = dq + n;
    size_t mx_h = 0, mx_t = 0, mn_h = 0, mn_t = 0, j, i;
    for (j = 0; j < n + w; j++) {
        if (j < n) {
            while (mx_t > mx_h && y[mx[mx_t - 1]] <= y[j])
                mx_t--;
            mx[mx_t++] = j;
            while (mn_t > mn_h && y[mn[mn_t - 1]] >= y[j])
                mn_t--;
            mn[mn_t++] = j;
        }
        if (j < w)
            continue;
        i = j - w; /* output i sees indices up to i + w */
        if (i >= n)
            break;
        while (mx[mx_h] + w < i)
            mx_h++;
        while (mn[mn_h] + w < i)
            mn_h++;
        hi[i] = y[mx[mx_h]];
        lo[i] = y[mn[mn_h]];
    }
}

double iv__lb_keogh_sq(const double *x, const double *lo, const double *hi, size_t n,
                       double cutoff_sq, double *cb)
{
    double s = 0.0;
    size_t i;
    for (i = 0; i < n; i++) {
        double d = x[i] > hi[i] ? x[i] - hi[i] : (x[i] < lo[i] ? lo[i] - x[i] : 0.0);
        if (cb)
            cb[i] = d * d;
        s += d * d;
        if (s > cutoff_sq && !cb)
            break;
    }
    if (cb) {
        /* suffix sums: cb[i] bounds the cost of rows i.. of any path (each row is crossed
         * by the path at a cell inside the envelope's window) */
        double acc = 0.0;
        cb[n] = 0.0;
        for (i = n; i-- > 0;) {
            acc += cb[i];
            cb[i] = acc;
        }
    }
    return s;
}

typedef struct cand {
    double lb;
    size_t k;
} cand;

/* Insertion sort of the candidates by (lb, k): few norms, nearly free. */
static void sort_cands(cand *c, size_t n)
{
    size_t i, j;
    for (i = 1; i < n; i++) {
        cand v = c[i];
        for (j = i; j > 0 && (c[j - 1].lb > v.lb || (c[j - 1].lb == v.lb && c[j - 1].k > v.k));
             j--)
            c[j] = c[j - 1];
        c[j] = v;
    }
}

int iv__nearest(const iv__alloc *al, int64_t *index, double *dist, const double *queries,
                size_t nq, const double *norms, size_t nk, size_t len, size_t w, int metric,
                int prune)
{
    size_t *mk = NULL, *dq = NULL, q, k, bytes_env = 0, bytes_cb = 0;
    double *env = NULL, *buf = NULL, *cbs = NULL;
    cand *cands = NULL;
    int rc = IV_OK;
    if (len == 0 || nk == 0) {
        for (q = 0; q < nq; q++) {
            index[q] = -1;
            dist[q] = NAN;
        }
        return IV_OK;
    }
    if (nk > SIZE_MAX / 2 / (len + 1) / sizeof(double))
        return iv__nomem("nearest-norm envelopes");
    bytes_env = 2 * nk * len * sizeof(double);
    bytes_cb = nk * (len + 1) * sizeof(double);
    mk = iv__calloc(al, nk, sizeof *mk);
    env = iv__malloc(al, bytes_env);
    dq = iv__calloc(al, 2 * len, sizeof *dq);
    buf = iv__calloc(al, 2 * len, sizeof *buf);
    cands = iv__calloc(al, nk, sizeof *cands);
    cbs = prune && metric == 0 ? iv__malloc(al, bytes_cb) : NULL;
    if (!mk || !env || !dq || !buf || !cands || (prune && metric == 0 && !cbs)) {
        rc = iv__nomem("nearest-norm search");
        goto done;
    }
    for (k = 0; k < nk; k++) {
        const double *y = norms + k * len;
        mk[k] = iv__observed_prefix(y, len);
        iv__envelope(y, mk[k], w, env + 2 * k * len, env + (2 * k + 1) * len, dq);
    }
    for (q = 0; q < nq; q++) {
        const double *x = queries + q * len;
        size_t mx = iv__observed_prefix(x, len), nc = 0, bi = SIZE_MAX, c;
        double best = INFINITY;
        for (k = 0; k < nk; k++) {
            size_t m = mx < mk[k] ? mx : mk[k];
            const double *y = norms + k * len;
            double d;
            if (m == 0)
                continue;
            if (metric == 1 || !prune) {
                d = metric == 1 ? iv__euclid_sq(x, y, m)
                                : iv__dtw_sq(x, y, m, w, INFINITY, NULL, buf);
                if (d < best) {
                    best = d;
                    bi = k;
                }
                continue;
            }
            cands[nc].lb = iv__lb_keogh_sq(x, env + 2 * k * len, env + (2 * k + 1) * len, m,
                                           INFINITY, cbs + k * (len + 1));
            cands[nc++].k = k;
        }
        if (nc) {
            sort_cands(cands, nc);
            for (c = 0; c < nc; c++) {
                size_t kk = cands[c].k, m = mx < mk[kk] ? mx : mk[kk];
                double d;
                /* d >= lb: a candidate wins only with d < best, or d == best and a lower
                 * index; later candidates have lb >= this one. The bound is summed in
                 * another order than the DTW, hence the slack of 1e-12 before trusting
                 * it against a possible tie. */
                if (cands[c].lb > best + best * 1e-12)
                    break;
                d = iv__dtw_sq(x, norms + kk * len, m, w, best, cbs + kk * (len + 1), buf);
                if (d < best || (d == best && kk < bi)) {
                    best = d;
                    bi = kk;
                }
            }
        }
        index[q] = bi == SIZE_MAX ? -1 : (int64_t)bi;
        dist[q] = bi == SIZE_MAX ? NAN : sqrt(best);
    }
done:
    iv__free(al, mk, nk * sizeof *mk);
    iv__free(al, env, bytes_env);
    iv__free(al, dq, 2 * len * sizeof *dq);
    iv__free(al, buf, 2 * len * sizeof *buf);
    iv__free(al, cands, nk * sizeof *cands);
    iv__free(al, cbs, bytes_cb);
    return rc;
}

/* ------------------------------------------------------------- public API -------- */

IV_API int iv_pattern_options_init(iv_pattern_options *opts, size_t size)
{
    IV__OPTIONS_INIT(iv_pattern_options, IV_PATTERN_OPTIONS_INIT, opts, size, sizeof(iv_pattern_options));
}

int iv__pattern_opts(const iv_pattern_options *opts, iv_pattern_options *o, iv__alloc *al)
{
    iv_pattern_options d = IV_PATTERN_OPTIONS_INIT;
    if (opts) {
        int rc = iv__check_options(opts, opts->size, sizeof d, sizeof d, "iv_pattern_options");
        if (rc)
            return rc;
        memcpy(&d, opts, sizeof d);
        d.size = sizeof d;
    }
    if (!(d.anomaly_z > 0.0))
        return iv__error(IV_EINVAL, "iv_pattern_options: anomaly_z %g is not positive",
                         d.anomaly_z);
    if (d.distance != IV_DISTANCE_DTW && d.distance != IV_DISTANCE_EUCLIDEAN)
        return iv__error(IV_EINVAL, "iv_pattern_options: unknown distance %d", d.distance);
    *o = d;
    iv__alloc_init(al, d.alloc, d.alloc_ud);
    return IV_OK;
}

/* The common observed prefix of two series. */
static size_t common_prefix(const double *x, const double *y, size_t n)
{
    size_t a = iv__observed_prefix(x, n), b = iv__observed_prefix(y, n);
    return a < b ? a : b;
}

IV_API double iv_pattern_euclidean(const double *x, const double *y, size_t n)
{
    size_t m;
    if (!x || !y)
        return NAN;
    m = common_prefix(x, y, n);
    return m ? sqrt(iv__euclid_sq(x, y, m)) : NAN;
}

IV_API int iv_pattern_dtw(double *out, const double *x, const double *y, size_t n,
                          double cutoff, const iv_pattern_options *opts)
{
    iv_pattern_options o;
    iv__alloc al;
    double *buf, cut;
    size_t m;
    int rc = iv__pattern_opts(opts, &o, &al);
    if (rc)
        return rc;
    if (!out || (n && (!x || !y)) || isnan(cutoff))
        return iv__error(IV_EINVAL, "iv_pattern_dtw: NULL argument or NaN cutoff");
    m = common_prefix(x, y, n);
    if (m == 0) {
        *out = NAN;
        return IV_OK;
    }
    buf = iv__calloc(&al, 2 * m, sizeof *buf);
    if (!buf)
        return iv__nomem("DTW rows");
    cut = cutoff >= 0.0 ? cutoff * cutoff : -1.0;
    *out = sqrt(iv__dtw_sq(x, y, m, o.window, cut, NULL, buf));
    iv__free(&al, buf, 2 * m * sizeof *buf);
    return IV_OK;
}

IV_API int iv_pattern_envelope(double *lower, double *upper, const double *y, size_t n,
                               const iv_pattern_options *opts)
{
    iv_pattern_options o;
    iv__alloc al;
    size_t *dq, m, i;
    int rc = iv__pattern_opts(opts, &o, &al);
    if (rc)
        return rc;
    if (n && (!lower || !upper || !y))
        return iv__error(IV_EINVAL, "iv_pattern_envelope: NULL argument");
    m = iv__observed_prefix(y, n);
    for (i = m; i < n; i++)
        lower[i] = upper[i] = NAN;
    if (m == 0)
        return IV_OK;
    dq = iv__calloc(&al, 2 * m, sizeof *dq);
    if (!dq)
        return iv__nomem("envelope deques");
    iv__envelope(y, m, o.window, lower, upper, dq);
    iv__free(&al, dq, 2 * m * sizeof *dq);
    return IV_OK;
}

IV_API double iv_pattern_lb_keogh(const double *x, const double *lower, const double *upper,
                                  size_t n)
{
    size_t m;
    if (!x || !lower || !upper)
        return NAN;
    m = iv__observed_prefix(x, n);
    m = IV__MIN(m, iv__observed_prefix(lower, m));
    return m ? sqrt(iv__lb_keogh_sq(x, lower, upper, m, INFINITY, NULL)) : NAN;
}

IV_API int iv_pattern_nearest(int64_t *index, double *distance, const double *queries,
                              size_t nq, const double *norms, size_t nk, size_t len,
                              const iv_pattern_options *opts)
{
    iv_pattern_options o;
    iv__alloc al;
    int rc = iv__pattern_opts(opts, &o, &al);
    if (rc)
        return rc;
    if (nq && (!index || !distance || (len && !queries)))
        return iv__error(IV_EINVAL, "iv_pattern_nearest: NULL output or queries");
    if (nk && len && !norms)
        return iv__error(IV_EINVAL, "iv_pattern_nearest: norms is NULL");
    return iv__nearest(&al, index, distance, queries, nq, norms, nk, len, o.window,
                       o.distance, o.prune);
}
