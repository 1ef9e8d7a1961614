/* Relative-error quantile sketch with exact merges (see sketch.h for the bound). */
#include <math.h>

#include "sketch.h"

void iv__sketch_init(iv__sketch *k, double alpha)
{
    memset(k, 0, sizeof *k);
    k->alpha = alpha;
    /* gamma = (1 + alpha) / (1 - alpha) (DDSketch, section 2) */
    k->lng = log1p(alpha) - log1p(-alpha);
    k->min = k->max = (double)NAN;
}

static void iv__bins_free(iv__bins *b, const iv__alloc *a)
{
    iv__free(a, b->c, b->cap * sizeof *b->c);
    memset(b, 0, sizeof *b);
}

void iv__sketch_free(iv__sketch *k, const iv__alloc *a)
{
    iv__bins_free(&k->pos, a);
    iv__bins_free(&k->neg, a);
}

static uint64_t iv__bins_total(const iv__bins *b)
{
    uint64_t t = 0;
    uint32_t i;
    for (i = 0; i < b->len; i++)
        t += b->c[i];
    return t;
}

uint64_t iv__sketch_count(const iv__sketch *k)
{
    return k->zero + iv__bins_total(&k->pos) + iv__bins_total(&k->neg);
}

/* Make the bins cover indices lo..hi (growing, zero-filled). IV_OK or IV_ENOMEM with
 * the bins unchanged. */
static int iv__bins_fit(iv__bins *b, const iv__alloc *a, int32_t lo, int32_t hi)
{
    int32_t nlo = b->len ? IV__MIN(b->lo, lo) : lo;
    int32_t nhi = b->len ? IV__MAX(b->lo + (int32_t)b->len - 1, hi) : hi;
    size_t need = (size_t)(nhi - nlo) + 1, shift;
    if (need > b->cap) {
        size_t ncap = IV__MAX(need, 2 * b->cap);
        uint64_t *c = iv__realloc(a, b->c, b->cap * sizeof *c, ncap * sizeof *c);
        if (!c)
            return iv__nomem("sketch bins");
        b->c = c;
        b->cap = ncap;
    }
    if (b->len == 0) {
        memset(b->c, 0, need * sizeof *b->c);
    } else {
        shift = (size_t)(b->lo - nlo);
        if (shift) {
            memmove(b->c + shift, b->c, b->len * sizeof *b->c);
            memset(b->c, 0, shift * sizeof *b->c);
        }
        if (need > shift + b->len)
            memset(b->c + shift + b->len, 0, (need - shift - b->len) * sizeof *b->c);
    }
    b->lo = nlo;
    b->len = (uint32_t)need;
    return IV_OK;
}

static int32_t iv__sketch_index(const iv__sketch *k, double ax)
{
    double i = ceil(log(ax) / k->lng);
    if (i > IV__SKETCH_MAX_INDEX)
        i = IV__SKETCH_MAX_INDEX;
    if (i < -IV__SKETCH_MAX_INDEX)
        i = -IV__SKETCH_MAX_INDEX;
    return (int32_t)i;
}

int iv__sketch_add(iv__sketch *k, const iv__alloc *a, double x)
{
    double ax = fabs(x);
    if (ax < IV__SKETCH_MIN) {
        k->zero++;
    } else {
        iv__bins *b = x > 0 ? &k->pos : &k->neg;
        int32_t i = iv__sketch_index(k, ax);
        if (iv__bins_fit(b, a, i, i))
            return IV_ENOMEM;
        b->c[i - b->lo]++;
    }
    if (!(k->min <= x))
        k->min = x;
    if (!(k->max >= x))
        k->max = x;
    return IV_OK;
}

static void iv__bins_add(iv__bins *into, const iv__bins *from)
{
    uint32_t i;
    for (i = 0; i < from->len; i++)
        into->c[from->lo - into->lo + (int32_t)i] += from->c[i];
}

int iv__sketch_reserve(iv__sketch *into, const iv__sketch *from, const iv__alloc *a)
{
    /* a failure leaves only zero padding behind, which changes nothing (serialisation
     * trims it) */
    if (from->pos.len &&
        iv__bins_fit(&into->pos, a, from->pos.lo, from->pos.lo + (int32_t)from->pos.len - 1))
        return IV_ENOMEM;
    if (from->neg.len &&
        iv__bins_fit(&into->neg, a, from->neg.lo, from->neg.lo + (int32_t)from->neg.len - 1))
        return IV_ENOMEM;
    return IV_OK;
}

int iv__sketch_merge(iv__sketch *into, const iv__sketch *from, const iv__alloc *a)
{
    if (iv__sketch_reserve(into, from, a))
        return IV_ENOMEM;
    iv__bins_add(&into->pos, &from->pos);
    iv__bins_add(&into->neg, &from->neg);
    into->zero += from->zero;
    if (!(into->min <= from->min))
        into->min = isnan(from->min) ? into->min : from->min;
    if (!(into->max >= from->max))
        into->max = isnan(from->max) ? into->max : from->max;
    return IV_OK;
}

/* Representative value of bin i (DDSketch: 2 gamma^i / (gamma + 1)). */
static double iv__sketch_rep(const iv__sketch *k, int32_t i)
{
    double gamma = exp(k->lng);
    return 2.0 * exp((double)i * k->lng) / (gamma + 1.0);
}

double iv__sketch_rank_value(const iv__sketch *k, uint64_t rank)
{
    uint64_t n = iv__sketch_count(k), seen = 0;
    double v = 0.0;
    uint32_t j;
    if (n == 0)
        return (double)NAN;
    if (rank == 0)
        return k->min;
    if (rank >= n - 1)
        return k->max;
    /* ascending: the most negative bins first (largest |x| index), zero, positives */
    for (j = k->neg.len; j-- > 0;) {
        seen += k->neg.c[j];
        if (seen > rank) {
            v = -iv__sketch_rep(k, k->neg.lo + (int32_t)j);
            goto clamp;
        }
    }
    seen += k->zero;
    if (seen > rank)
        return 0.0 < k->min ? k->min : 0.0 > k->max ? k->max : 0.0;
    for (j = 0; j < k->pos.len; j++) {
        seen += k->pos.c[j];
        if (seen > rank) {
            v = iv__sketch_rep(k, k->pos.lo + (int32_t)j);
            break;
        }
    }
clamp:
    return v < k->min ? k->min : v > k->max ? k->max : v;
}

double iv__sketch_quantile(const iv__sketch *k, double p)
{
    uint64_t n = iv__sketch_count(k), lo;
    double h, v0;
    if (n == 0 || !(p >= 0.0 && p <= 1.0))
        return (double)NAN;
    /* type 7 (Hyndman & Fan 1996): h = (n - 1) p, interpolate x_(floor h), x_(floor h + 1) */
    h = (double)(n - 1) * p;
    lo = (uint64_t)floor(h);
    v0 = iv__sketch_rank_value(k, lo);
    if (lo + 1 >= n || h == (double)lo)
        return v0;
    return v0 + (h - (double)lo) * (iv__sketch_rank_value(k, lo + 1) - v0);
}

static uint64_t iv__bins_at(const iv__bins *b, int64_t i)
{
    return i >= b->lo && i < (int64_t)b->lo + b->len ? b->c[i - b->lo] : 0;
}

/* One bin of the joint ascending walk: U += ca (b below + cb / 2) (Mann & Whitney 1947:
 * U counts pairs with a > b, ties one half). */
static void iv__mwu_step(uint64_t ca, uint64_t cb, double *below, double *u, double *tt,
                         int *ties)
{
    double g = (double)ca + (double)cb;
    *u += (double)ca * (*below + 0.5 * (double)cb);
    *below += (double)cb;
    if (g > 1.0) {
        *tt += g * g * g - g;
        *ties = 1;
    }
}

static void iv__bins_span(const iv__bins *x, const iv__bins *y, int64_t *lo, int64_t *hi)
{
    *lo = INT64_MAX;
    *hi = INT64_MIN;
    if (x->len) {
        *lo = x->lo;
        *hi = (int64_t)x->lo + x->len - 1;
    }
    if (y->len) {
        *lo = IV__MIN(*lo, (int64_t)y->lo);
        *hi = IV__MAX(*hi, (int64_t)y->lo + y->len - 1);
    }
}

void iv__sketch_mwu(const iv__sketch *a, const iv__sketch *b, double *u, double *tie_term,
                    int *has_ties)
{
    double below = 0.0;
    int64_t lo, hi, i;
    *u = *tie_term = 0.0;
    *has_ties = 0;
    iv__bins_span(&a->neg, &b->neg, &lo, &hi);
    for (i = hi; i >= lo; i--)
        iv__mwu_step(iv__bins_at(&a->neg, i), iv__bins_at(&b->neg, i), &below, u, tie_term,
                     has_ties);
    iv__mwu_step(a->zero, b->zero, &below, u, tie_term, has_ties);
    iv__bins_span(&a->pos, &b->pos, &lo, &hi);
    for (i = lo; i <= hi; i++)
        iv__mwu_step(iv__bins_at(&a->pos, i), iv__bins_at(&b->pos, i), &below, u, tie_term,
                     has_ties);
}

/* ------------------------------------------------------------ bytes ------ */

static void iv__bins_write(const iv__bins *b, iv__wbuf *w)
{
    uint32_t f = 0, l = b->len, i;
    while (f < l && b->c[f] == 0)
        f++;
    while (l > f && b->c[l - 1] == 0)
        l--;
    iv__w_u32(w, l - f);
    if (l == f)
        return;
    iv__w_u32(w, (uint32_t)(b->lo + (int32_t)f));
    for (i = f; i < l; i++)
        iv__w_varint(w, b->c[i]);
}

void iv__sketch_write(const iv__sketch *k, iv__wbuf *w)
{
    iv__w_varint(w, k->zero);
    iv__w_f64(w, k->min);
    iv__w_f64(w, k->max);
    iv__bins_write(&k->neg, w);
    iv__bins_write(&k->pos, w);
}

static int iv__bins_read(iv__bins *b, const iv__alloc *a, iv__rbuf *r, uint64_t *total)
{
    uint32_t len = iv__r_u32(r), i;
    int64_t lo;
    if (r->err)
        return iv__error(IV_ECORRUPT, "sketch bins truncated");
    if (len == 0)
        return IV_OK;
    lo = (int32_t)iv__r_u32(r);
    /* every count takes at least one byte: a length can never ask for more memory than
     * the remaining input could describe */
    if (r->err || len > iv__r_left(r) || lo < -IV__SKETCH_MAX_INDEX ||
        lo + (int64_t)len - 1 > IV__SKETCH_MAX_INDEX)
        return iv__error(IV_ECORRUPT, "sketch bins out of range");
    b->c = iv__malloc(a, (size_t)len * sizeof *b->c);
    if (!b->c)
        return iv__nomem("sketch bins");
    b->cap = len;
    b->len = len;
    b->lo = (int32_t)lo;
    for (i = 0; i < len; i++) {
        b->c[i] = iv__r_varint(r);
        if (*total + b->c[i] < *total)
            r->err = 1;
        *total += b->c[i];
    }
    if (r->err || b->c[0] == 0 || b->c[len - 1] == 0)
        return iv__error(IV_ECORRUPT, "sketch bins malformed");
    return IV_OK;
}

int iv__sketch_read(iv__sketch *k, const iv__alloc *a, iv__rbuf *r, double alpha)
{
    uint64_t total;
    int rc;
    iv__sketch_init(k, alpha);
    k->zero = iv__r_varint(r);
    k->min = iv__r_f64(r);
    k->max = iv__r_f64(r);
    total = k->zero;
    if (r->err)
        return iv__error(IV_ECORRUPT, "sketch truncated");
    if ((rc = iv__bins_read(&k->neg, a, r, &total)) || (rc = iv__bins_read(&k->pos, a, r, &total))) {
        iv__sketch_free(k, a);
        return rc;
    }
    if (total == 0 ? !(isnan(k->min) && isnan(k->max))
                   : !(isfinite(k->min) && isfinite(k->max) && k->min <= k->max)) {
        iv__sketch_free(k, a);
        return iv__error(IV_ECORRUPT, "sketch extremes inconsistent with its counts");
    }
    return IV_OK;
}
