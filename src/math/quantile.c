/* Exact sample quantiles by selection (Hoare's FIND with a median-of-three pivot, an
 * introselect-style fall-back to a sort), median, MAD and mean absolute deviation.
 * The quantile definition is Hyndman & Fan (1996) type 7 (numpy's "linear"). */
#include <math.h>
#include <stdlib.h>

#include "core.h"
#include "quantile.h"

size_t iv__drop_nan(double *v, size_t n)
{
    size_t i, m = 0;
    for (i = 0; i < n; i++)
        if (!isnan(v[i]))
            v[m++] = v[i];
    return m;
}

int iv__cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

static void swap2(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

void iv__select(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n; /* the k-th smallest lies in v[lo..hi) */
    int budget = 8;
    size_t m;
    if (k >= n)
        return;
    for (m = n; m > 1; m >>= 1)
        budget += 2; /* ~2 log2 n rounds before falling back to a sort */
    while (hi - lo > 16) {
        size_t mid = lo + (hi - lo) / 2, i, j;
        double pivot;
        if (budget-- == 0) {
            qsort(v + lo, hi - lo, sizeof *v, iv__cmp_double);
            return;
        }
        /* median of three into v[lo]: v[lo+1] <= pivot <= v[hi-1] act as sentinels */
        if (v[mid] < v[lo])
            swap2(&v[mid], &v[lo]);
        if (v[hi - 1] < v[lo])
            swap2(&v[hi - 1], &v[lo]);
        if (v[hi - 1] < v[mid])
            swap2(&v[hi - 1], &v[mid]);
        swap2(&v[mid], &v[lo + 1]);
        swap2(&v[lo + 1], &v[lo]);
        /* now v[lo] = pivot, v[lo+1] <= pivot, v[hi-1] >= pivot */
        pivot = v[lo];
        i = lo + 1;
        j = hi - 1;
        for (;;) {
            do
                i++;
            while (v[i] < pivot);
            do
                j--;
            while (v[j] > pivot);
            if (i >= j)
                break;
            swap2(&v[i], &v[j]);
        }
        swap2(&v[lo], &v[j]); /* the pivot lands at its final place j */
        if (j == k)
            return;
        if (k < j)
            hi = j;
        else
            lo = j + 1;
    }
    /* insertion sort of the small remainder */
    {
        size_t i, j;
        for (i = lo + 1; i < hi; i++) {
            double x = v[i];
            for (j = i; j > lo && v[j - 1] > x; j--)
                v[j] = v[j - 1];
            v[j] = x;
        }
    }
}

/* Select every order statistic in idx[0..ni) (ascending, unique) inside v[lo..hi). */
static void multi_select(double *v, size_t lo, size_t hi, const size_t *idx, size_t ni)
{
    size_t mid, k;
    if (ni == 0 || hi <= lo)
        return;
    mid = ni / 2;
    k = idx[mid];
    iv__select(v + lo, hi - lo, k - lo);
    multi_select(v, lo, k, idx, mid);
    multi_select(v, k + 1, hi, idx + mid + 1, ni - mid - 1);
}

/* h = (n - 1) p split into its whole part j and fraction f. */
static void type7_pos(size_t n, double p, size_t *j, double *f)
{
    double h = (double)(n - 1) * p, fl = floor(h);
    *j = (size_t)fl;
    if (*j >= n - 1) {
        *j = n - 1;
        *f = 0.0;
    } else {
        *f = h - fl;
    }
}

void iv__quantiles_sorted_p(double *v, size_t n, const double *p, size_t np, double *out)
{
    enum { CHUNK = 16 };
    size_t start;
    for (start = 0; start < np; start += CHUNK) {
        size_t cnt = IV__MIN((size_t)CHUNK, np - start), idx[2 * CHUNK], ni = 0, i;
        if (n == 0) {
            for (i = 0; i < cnt; i++)
                out[start + i] = NAN;
            continue;
        }
        for (i = 0; i < cnt; i++) {
            size_t j;
            double f;
            type7_pos(n, p[start + i], &j, &f);
            if (ni == 0 || idx[ni - 1] < j)
                idx[ni++] = j;
            if (f > 0.0 && idx[ni - 1] < j + 1)
                idx[ni++] = j + 1;
        }
        multi_select(v, 0, n, idx, ni);
        for (i = 0; i < cnt; i++) {
            size_t j;
            double f;
            type7_pos(n, p[start + i], &j, &f);
            /* numpy's form: lower + f (upper - lower); exact at f = 0 */
            out[start + i] = f > 0.0 ? v[j] + f * (v[j + 1] - v[j]) : v[j];
        }
    }
}

double iv__quantile(double *v, size_t n, double p)
{
    double q;
    n = iv__drop_nan(v, n);
    iv__quantiles_sorted_p(v, n, &p, 1, &q);
    return q;
}

double iv__quantile_counted(const double *x, const uint64_t *c, size_t nx, uint64_t n, double p)
{
    size_t i = 0, j;
    uint64_t below = 0;
    double f, lo, hi;
    if (n == 0)
        return NAN;
    type7_pos((size_t)n, p, &j, &f);
    /* the j-th smallest (0-based): the first value whose cumulative count passes j */
    while (i < nx && below + c[i] <= j)
        below += c[i++];
    if (i == nx)
        return NAN;
    lo = x[i];
    if (!(f > 0.0))
        return lo;
    hi = below + c[i] > j + 1 || i + 1 == nx ? lo : x[i + 1];
    return lo + f * (hi - lo);
}

double iv__median(double *v, size_t n)
{
    return iv__quantile(v, n, 0.5);
}

double iv__mad(double *v, size_t n, double center)
{
    size_t i;
    for (i = 0; i < n; i++)
        v[i] = fabs(v[i] - center);
    return iv__median(v, n);
}

double iv__mean_abs_dev(const double *v, size_t n, double center)
{
    double s = 0.0;
    size_t i;
    if (n == 0)
        return NAN;
    for (i = 0; i < n; i++)
        s += fabs(v[i] - center);
    return s / (double)n;
}
