/* RV trajectories of contacts (doc/PATTERN.md): cumulative RV at the end of each of K buckets,
 * aligned by the contact's age, by the calendar or by interaction index; buckets that end
 * after the reference time are unobserved (NaN), never 0. Also the per-contact walk and
 * the options shared by the store-level pattern use cases (pattern.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "table.h"
#include "timefmt.h"
#include "trajectory.h"

/* Bucket width times count stays within 1000 years: no overflow near the 1900..2200
 * timestamps the store accepts. */
#define IV__SPAN_MAX_MS ((int64_t)1000 * 366 * IV__MS_PER_DAY)

IV_API int iv_pattern_store_options_init(iv_pattern_store_options *opts, size_t size)
{
    IV__OPTIONS_INIT(iv_pattern_store_options, IV_PATTERN_STORE_OPTIONS_INIT, opts, size, sizeof(iv_pattern_store_options));
}

int iv__pstore_opts(const iv_pattern_store_options *opts, iv_pattern_store_options *o)
{
    iv_pattern_store_options d = IV_PATTERN_STORE_OPTIONS_INIT;
    if (opts) {
        int rc = iv__check_options(opts, opts->size, sizeof d, sizeof d, "iv_pattern_store_options");
        if (rc)
            return rc;
        memcpy(&d, opts, sizeof d);
        d.size = sizeof d;
    }
    if (d.bucket <= 0 || d.buckets == 0 || d.buckets > (size_t)(IV__SPAN_MAX_MS / d.bucket))
        return iv__error(IV_EINVAL, "iv_pattern_store_options: %zu buckets of %lld ms (both must be "
                         "positive, spanning at most 1000 years)", d.buckets, (long long)d.bucket);
    if (d.align != IV_ALIGN_AGE && d.align != IV_ALIGN_CALENDAR && d.align != IV_ALIGN_INDEX)
        return iv__error(IV_EINVAL, "iv_pattern_store_options: unknown alignment %d", d.align);
    if (d.distance != IV_DISTANCE_DTW && d.distance != IV_DISTANCE_EUCLIDEAN)
        return iv__error(IV_EINVAL, "iv_pattern_store_options: unknown distance %d", d.distance);
    if (!(d.anomaly_z > 0.0))
        return iv__error(IV_EINVAL, "iv_pattern_store_options: anomaly_z %g is not positive", d.anomaly_z);
    if (!(d.quantile >= 0.0 && d.quantile <= 1.0))
        return iv__error(IV_EINVAL, "iv_pattern_store_options: quantile %g is outside [0, 1]", d.quantile);
    if (!d.group_a != !d.group_b)
        return iv__error(IV_EINVAL, "iv_pattern_store_options: set both group_a and group_b, or neither");
    *o = d;
    return IV_OK;
}

int64_t iv__pattern_ref(const iv_store *s, const iv_query_options *q)
{
    if (q && q->t_ref != IV_TIME_NONE)
        return q->t_ref;
    if (q && q->to != IV_TIME_NONE)
        return q->to;
    return s->nrows ? s->ts_max : 0;
}

void iv__trajopt_make(iv__trajopt *t, const iv_pattern_store_options *o, const iv_store *s,
                      const iv_query_options *q)
{
    t->bucket = o->bucket;
    t->k = o->buckets;
    t->align = o->align;
    t->origin = o->origin != IV_TIME_NONE ? o->origin
              : q && q->from != IV_TIME_NONE ? q->from
              : s->nrows ? s->ts_min : 0;
    t->ref = iv__pattern_ref(s, q);
}

int iv__pattern_walk(iv__ctx *c, uint32_t only, iv__prow_fn rowfn, iv__pend_fn end, void *p)
{
    const iv_store *s = c->s;
    size_t nc = s->contacts.count, ci = only ? only : 1, last = only ? (size_t)only + 1 : nc, k;
    int rc;
    for (; ci < last && ci < nc; ci++) {
        const uint32_t *rows = s->idx_rows + s->idx_start[ci];
        size_t n = s->idx_start[ci + 1] - s->idx_start[ci];
        if (ci + 1 < nc) /* the next contact's rows, while this one's are read */
            iv__store_prefetch_rows(s, rows + n, s->idx_start[ci + 2] - s->idx_start[ci + 1], 1);
        iv__ctx_contact_begin(c);
        for (k = 0; k < n; k++) {
            size_t r = rows[k];
            /* a stateful model (rv_repeat, daily caps) needs every row of the history */
            double u = c->stateful ? iv__ctx_rv(c, r) : 0.0;
            if (!iv__ctx_in_range(c, s->ts[r]) || !iv__sel_row(c->sel, c, r))
                continue;
            if (!c->stateful)
                u = iv__ctx_rv(c, r);
            if (rowfn && (rc = rowfn(p, c, (uint32_t)ci, r, u)))
                return rc;
        }
        if (end && (rc = end(p, c, (uint32_t)ci)))
            return rc;
        if (c->progress && (ci & 0xffff) == 0 && c->progress(ci, nc, c->payload))
            return iv__error(IV_ECANCELED, "pattern: canceled by the progress callback");
    }
    return IV_OK;
}

/* ------------------------------------------------------------ trajectories ---- */

typedef struct iv__tstate {
    iv__traj *t;
    const iv__trajopt *o;
    int have;          /* the current contact has a selected row */
    int64_t origin;
    double cum;        /* RV so far */
    size_t b;          /* next bucket (age/calendar) or interactions so far (index) */
} iv__tstate;

static int traj_row(void *p, iv__ctx *c, uint32_t contact, size_t row, double u)
{
    iv__tstate *st = p;
    iv__traj *t = st->t;
    const iv__trajopt *o = st->o;
    int64_t ts = c->s->ts[row];
    double *x;
    if (!st->have) {
        if (iv__grow(&c->a, (void **)&t->contact, &t->cap_c, t->n + 1, sizeof *t->contact) ||
            iv__grow(&c->a, (void **)&t->origin, &t->cap_o, t->n + 1, sizeof *t->origin) ||
            iv__grow(&c->a, (void **)&t->x, &t->cap_x, (t->n + 1) * o->k, sizeof *t->x))
            return IV_ENOMEM;
        st->have = 1;
        st->origin = o->align == IV_ALIGN_CALENDAR ? o->origin : ts;
        st->cum = 0.0;
        st->b = 0;
        t->contact[t->n] = contact;
        t->origin[t->n] = st->origin;
    }
    x = t->x + t->n * o->k;
    if (o->align == IV_ALIGN_INDEX) {
        /* bucket b (1-based) = RV after the b-th interaction; one after R is not seen yet */
        if (ts > o->ref)
            return IV_OK;
        st->cum += u;
        if (st->b < o->k)
            x[st->b] = st->cum;
        st->b++;
        return IV_OK;
    }
    /* bucket b (0-based) ends at origin + (b + 1) B and holds the rows before its end */
    while (st->b < o->k && ts >= st->origin + (int64_t)(st->b + 1) * o->bucket)
        x[st->b++] = st->cum;
    st->cum += u;
    return IV_OK;
}

static int traj_end(void *p, iv__ctx *c, uint32_t contact)
{
    iv__tstate *st = p;
    iv__traj *t = st->t;
    const iv__trajopt *o = st->o;
    double *x;
    size_t b;
    (void)c;
    (void)contact;
    if (!st->have)
        return IV_OK;
    x = t->x + t->n * o->k;
    if (o->align == IV_ALIGN_INDEX) {
        for (b = st->b; b < o->k; b++)
            x[b] = NAN;     /* the b-th interaction has not happened by R */
    } else {
        for (b = st->b; b < o->k; b++)
            x[b] = st->cum;
        for (b = 0; b < o->k; b++)
            if (st->origin + (int64_t)(b + 1) * o->bucket > o->ref)
                x[b] = NAN; /* censored: the bucket ends after the reference time */
    }
    t->n++;
    st->have = 0;
    return IV_OK;
}

void iv__traj_free(iv__traj *t, const iv__alloc *a)
{
    iv__free(a, t->contact, t->cap_c * sizeof *t->contact);
    iv__free(a, t->origin, t->cap_o * sizeof *t->origin);
    iv__free(a, t->x, t->cap_x * sizeof *t->x);
    memset(t, 0, sizeof *t);
}

int iv__trajs_of(const iv_store *s, const iv_query_options *q, const iv_pattern_store_options *opts,
                 iv_pattern_store_options *o, iv__trajopt *to, iv__ctx *c, iv__traj *t)
{
    int rc;
    if ((rc = iv__pstore_opts(opts, o)) || (rc = iv__ctx_init(c, s, q)))
        return rc;
    iv__trajopt_make(to, o, s, q);
    if ((rc = iv__traj_compute(c, to, 0, t)))
        iv__ctx_free(c);
    return rc;
}

int iv__traj_compute(iv__ctx *c, const iv__trajopt *o, uint32_t only, iv__traj *t)
{
    iv__tstate st;
    int rc;
    memset(t, 0, sizeof *t);
    t->k = o->k;
    memset(&st, 0, sizeof st);
    st.t = t;
    st.o = o;
    rc = IV_OK;
    if (!only && !c->sel && c->from == IV_TIME_NONE && c->to == IV_TIME_NONE && c->s->idx_start) {
        /* every contact with a row has a trajectory: room for them at once (traj_row's
         * growth would reach the same capacity, copying the rows so far at each step) */
        const uint32_t *st0 = c->s->idx_start;
        size_t ci, m = 0, nc = c->s->contacts.count;
        for (ci = 1; ci < nc; ci++)
            m += st0[ci + 1] > st0[ci];
        if (m && o->k <= SIZE_MAX / sizeof *t->x / m &&
            (iv__grow(&c->a, (void **)&t->contact, &t->cap_c, m, sizeof *t->contact) ||
             iv__grow(&c->a, (void **)&t->origin, &t->cap_o, m, sizeof *t->origin) ||
             iv__grow(&c->a, (void **)&t->x, &t->cap_x, m * o->k, sizeof *t->x)))
            rc = IV_ENOMEM;
    }
    if (rc == IV_OK)
        rc = iv__pattern_walk(c, only, traj_row, traj_end, &st);
    if (rc) {
        iv__traj_free(t, &c->a);
        return rc == IV_ENOMEM ? iv__nomem("trajectories") : rc;
    }
    return IV_OK;
}

static _Thread_local const iv__pool *iv__cmp_pool;

/* A contact's first 8 bytes (up to its NUL) big-endian: unsigned order of the keys is
 * strcmp's order of the texts, except between texts that share those 8 bytes. */
typedef struct iv__ckey {
    uint64_t key;
    uint32_t id;
    uint32_t pos;   /* its index in the ids given */
} iv__ckey;

static int cmp_ckey(const void *pa, const void *pb)
{
    const iv__ckey *a = pa, *b = pb;
    int c;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    /* the same first 8 bytes: a text shorter than that ended there, so both did */
    c = (a->key & 0xff) ? strcmp(iv__pool_str(iv__cmp_pool, a->id) + 8,
                                 iv__pool_str(iv__cmp_pool, b->id) + 8)
                        : 0;
    return c ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

/* k[0..n) in unsigned order of the keys, equal keys in the order given: an LSD radix
 * sort, 8-bit digits from the lowest, each pass a stable counting sort into tmp (n
 * entries) and back, a pass skipped when every key has the same digit (ids of one shape
 * share bytes: "C016418" and its NUL), in place of a qsort with cmp_ckey of every key:
 * iv_pattern_trajectories of a 2.4M-row log's 101,000 contacts 0.11-0.12 s -> 0.10 s. */
static void ckey_radix(iv__ckey *k, iv__ckey *tmp, size_t n)
{
    size_t cnt[8][256], i, off, c;
    iv__ckey *src = k, *dst = tmp, *sw;
    int d;
    memset(cnt, 0, sizeof cnt);
    for (i = 0; i < n; i++)
        for (d = 0; d < 8; d++)
            cnt[d][k[i].key >> (8 * d) & 0xff]++;
    for (d = 0; d < 8; d++) {
        if (cnt[d][k[0].key >> (8 * d) & 0xff] == n)
            continue;
        for (c = 0, off = 0; c < 256; c++) {
            size_t m = cnt[d][c];
            cnt[d][c] = off;
            off += m;
        }
        for (i = 0; i < n; i++)
            dst[cnt[d][src[i].key >> (8 * d) & 0xff]++] = src[i];
        sw = src;
        src = dst;
        dst = sw;
    }
    if (src != k)
        memcpy(k, src, n * sizeof *k);
}

/* ids[0..n) (n >= 1) with their keys and positions, sorted by text then position, in *out
 * (n entries, allocated with a): by the keys (ckey_radix: positions ascending within a
 * key), then each run of one key whose texts go on past 8 bytes by cmp_ckey, so the order
 * is cmp_ckey's. IV_OK or IV_ENOMEM. */
static int sorted_ckeys(const iv_store *s, const iv__alloc *a, const uint32_t *ids, size_t n,
                        iv__ckey **out)
{
    const iv__pool *saved = iv__cmp_pool;
    iv__ckey *k = n <= UINT32_MAX ? iv__malloc(a, n * sizeof *k) : NULL;
    iv__ckey *tmp = k ? iv__malloc(a, n * sizeof *tmp) : NULL;
    size_t i, j;
    if (!tmp) {
        iv__free(a, k, n * sizeof *k);
        *out = NULL;
        return iv__nomem("contact order");
    }
    *out = k;
    for (i = 0; i < n; i++) {
        const unsigned char *t = (const unsigned char *)iv__pool_str(&s->contacts, ids[i]);
        uint64_t key = 0;
        for (j = 0; j < 8 && t[j]; j++)
            key |= (uint64_t)t[j] << (56 - 8 * j);
        k[i].key = key;
        k[i].id = ids[i];
        k[i].pos = (uint32_t)i;
    }
    ckey_radix(k, tmp, n);
    iv__free(a, tmp, n * sizeof *tmp);
    iv__cmp_pool = &s->contacts;
    for (i = 0; i < n; i = j) {
        for (j = i + 1; j < n && k[j].key == k[i].key; j++)
            ;
        if (j - i > 1 && (k[i].key & 0xff))
            qsort(k + i, j - i, sizeof *k, cmp_ckey);
    }
    iv__cmp_pool = saved;
    return IV_OK;
}

int iv__traj_order(const iv__traj *t, const iv_store *s, const iv__alloc *a, size_t **perm)
{
    iv__ckey *k;
    size_t i;
    *perm = NULL;
    if (!t->n)
        return IV_OK;
    if (sorted_ckeys(s, a, t->contact, t->n, &k))
        return IV_ENOMEM;
    if (!(*perm = iv__malloc(a, t->n * sizeof **perm))) {
        iv__free(a, k, t->n * sizeof *k);
        return iv__nomem("trajectory order");
    }
    for (i = 0; i < t->n; i++)
        (*perm)[i] = k[i].pos;
    iv__free(a, k, t->n * sizeof *k);
    return IV_OK;
}

IV_API int iv_pattern_trajectories(iv_table **out, const iv_store *store, const iv_query_options *q,
                                   const iv_pattern_store_options *opts)
{
    iv_pattern_store_options o;
    iv__trajopt to;
    iv__ctx c;
    iv__traj t;
    iv_table *tab = NULL;
    size_t *perm = NULL, i, b;
    char name[32];
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_pattern_trajectories: out is NULL");
    *out = NULL;
    if ((rc = iv__trajs_of(store, q, opts, &o, &to, &c, &t)))
        return rc;
    rc = iv__traj_order(&t, store, &c.a, &perm);
    if (!rc) {
        tab = iv__table_new(&c.a);
        if (!tab || iv__table_add_col(tab, "contact", IV_COL_STRING) < 0 ||
            iv__table_add_col(tab, "origin", IV_COL_TIME) < 0)
            rc = IV_ENOMEM;
    }
    for (b = 0; !rc && b < t.k; b++) {
        snprintf(name, sizeof name, "b%zu", b + 1);
        if (iv__table_add_col(tab, name, IV_COL_DOUBLE) < 0)
            rc = IV_ENOMEM;
    }
    if (!rc && t.n)
        rc = iv__table_reserve(tab, t.n); /* one allocation per column, not log2(n) */
    for (i = 0; !rc && i < t.n; i++) {
        size_t r = perm[i];
        uint32_t id = t.contact[r];
        if (iv__table_add_row(tab) < 0 ||
            iv__table_set_string(tab, i, 0, iv__pool_str(&store->contacts, id),
                                 iv__pool_len(&store->contacts, id)) ||
            iv__table_set_int(tab, i, 1, t.origin[r])) {
            rc = IV_ENOMEM;
            break;
        }
        for (b = 0; !rc && b < t.k; b++)
            rc = iv__table_set_double(tab, i, 2 + b, t.x[r * t.k + b]);
    }
    if (perm)
        iv__free(&c.a, perm, t.n * sizeof *perm);
    iv__traj_free(&t, &c.a);
    iv__ctx_free(&c);
    if (rc) {
        iv_table_free(tab);
        return rc == IV_ENOMEM ? iv__nomem("the trajectories table") : rc;
    }
    *out = tab;
    return IV_OK;
}
