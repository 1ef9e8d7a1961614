/* Partials (doc/SUMMARIES.md §Partials): the container shared by every kind, its merge
 * and its byte format. What each kind stores and reads back is in partial_lc.c. */
#include <stdlib.h>

#include "partial.h"
#include "partition.h"
#include "wire.h"


/* ------------------------------------------------------------ maps ------- */

void iv__pmap_free(const iv__alloc *a, iv__pmap *m)
{
    iv__free(a, m->e, m->cap * sizeof *m->e);
    memset(m, 0, sizeof *m);
}

static int iv__pent_cmp(const iv__pent *x, uint32_t slot, const int64_t *k)
{
    int i;
    if (x->slot != slot)
        return x->slot < slot ? -1 : 1;
    for (i = 0; i < 4; i++)
        if (x->k[i] != k[i])
            return x->k[i] < k[i] ? -1 : 1;
    return 0;
}

static int iv__pent_qcmp(const void *pa, const void *pb)
{
    const iv__pent *b = pb;
    return iv__pent_cmp(pa, b->slot, b->k);
}

static int iv__add64(int64_t *acc, int64_t v)
{
    int64_t r;
    if (__builtin_add_overflow(*acc, v, &r))
        return IV_ERANGE;
    *acc = r;
    return IV_OK;
}

int iv__pmap_finish(iv__pmap *m)
{
    size_t i, o = 0;
    if (m->done == m->n)
        return IV_OK;
    if (m->n > 1)
        qsort(m->e, m->n, sizeof *m->e, iv__pent_qcmp);
    for (i = 0; i < m->n; i++) {
        if (o && iv__pent_cmp(&m->e[o - 1], m->e[i].slot, m->e[i].k) == 0) {
            if (iv__add64(&m->e[o - 1].v, m->e[i].v))
                return iv__error(IV_ERANGE, "partial: a count overflows");
        } else {
            if (o && m->e[o - 1].v == 0)
                o--;
            m->e[o++] = m->e[i];
        }
    }
    if (o && m->e[o - 1].v == 0)
        o--;
    m->n = m->done = o;
    return IV_OK;
}

int iv__pmap_add(const iv__alloc *a, iv__pmap *m, uint32_t slot, int64_t k0, int64_t k1, int64_t k2,
                 int64_t k3, int64_t v)
{
    iv__pent *e;
    if (v == 0)
        return IV_OK;
    if (m->n == m->cap) {
        /* combine what is there first: a map of few keys stays small */
        size_t before = m->n;
        if (m->n >= 1024 && iv__pmap_finish(m) == IV_OK && m->n <= before / 2)
            ;
        else {
            void *p = m->e;
            if (iv__grow(a, &p, &m->cap, m->n + 1, sizeof *m->e))
                return IV_ENOMEM;
            m->e = p;
        }
    }
    e = &m->e[m->n++];
    e->slot = slot;
    e->k[0] = k0;
    e->k[1] = k1;
    e->k[2] = k2;
    e->k[3] = k3;
    e->v = v;
    return IV_OK;
}

size_t iv__pmap_seek(const iv__pmap *m, uint32_t slot, int64_t k0, int64_t k1, int64_t k2, int64_t k3)
{
    const int64_t k[4] = {k0, k1, k2, k3};
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (iv__pent_cmp(&m->e[mid], slot, k) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int64_t iv__pmap_get(const iv__pmap *m, uint32_t slot, int64_t k0, int64_t k1, int64_t k2, int64_t k3)
{
    const int64_t k[4] = {k0, k1, k2, k3};
    size_t i = iv__pmap_seek(m, slot, k0, k1, k2, k3);
    return i < m->n && iv__pent_cmp(&m->e[i], slot, k) == 0 ? m->e[i].v : 0;
}

/* ------------------------------------------------------------ the handle - */

static void iv__labs_free(const iv__alloc *a, char **lab, size_t nk)
{
    size_t i;
    if (!lab)
        return;
    for (i = 0; i < nk; i++)
        iv__strfree(a, lab[i]);
    iv__free(a, lab, IV__MAX(nk, 1) * sizeof *lab);
}

static void iv__groups_drop(const iv__alloc *a, iv__pgroup *g, size_t n, size_t cap, size_t nk)
{
    size_t i;
    for (i = 0; i < n; i++) {
        iv__labs_free(a, g[i].lab, nk);
        iv__pmap_free(a, &g[i].m);
    }
    iv__free(a, g, cap * sizeof *g);
}

IV_API void iv_partial_free(iv_partial *P)
{
    iv__alloc a;
    if (!P)
        return;
    a = P->a;
    iv__groups_drop(&a, P->g, P->n, P->cap, P->nk);
    iv__labs_free(&a, P->dims, P->nk);
    iv__strfree(&a, P->text);
    iv__free(&a, P, sizeof *P);
}

IV_API int iv_partial_kind_of(const iv_partial *P)
{
    return P ? (int)P->kind : 0;
}

int64_t iv__pbits(double v)
{
    int64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

double iv__pdouble(int64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

iv_partial *iv__partial_new(const iv__alloc *a, uint32_t kind)
{
    iv_partial *P = iv__calloc(a, 1, sizeof *P);
    if (!P) {
        iv__nomem("a partial");
        return NULL;
    }
    P->a = *a;
    P->kind = kind;
    P->ts_min = P->ts_max = IV_TIME_NONE;
    return P;
}

int iv__partial_no_ids(const iv__lc *L)
{
    size_t i;
    for (i = 0; i < L->nk; i++)
        if (L->ks[i].kind == IV__DIM_CONTACT || L->ks[i].kind == IV__DIM_ID)
            return iv__error(IV_EINVAL, "a partial cannot be grouped by '%s': its labels would be "
                                        "contact or interaction ids", L->ks[i].name);
    return IV_OK;
}

int iv__partial_set_dims(iv_partial *P, const char *const *names, size_t nk)
{
    size_t i;
    iv__labs_free(&P->a, P->dims, P->nk);
    P->nk = 0;
    if (!(P->dims = iv__calloc(&P->a, IV__MAX(nk, 1), sizeof *P->dims)))
        return iv__nomem("a partial");
    P->nk = nk;
    for (i = 0; i < nk; i++)
        if (!(P->dims[i] = iv__strndup(&P->a, names[i], strlen(names[i]))))
            return iv__nomem("a partial");
    return IV_OK;
}

int iv__partial_scope(iv_partial *P, const iv__lc *L, const iv_query_options *q, const iv_store *s)
{
    const char *names[IV_MAX_DIMS + 20];
    char *txt = NULL;
    size_t len = 0, i;
    int rc;
    for (i = 0; i < L->nk && i < IV_MAX_DIMS + 20; i++)
        names[i] = L->ks[i].name;
    if ((rc = iv__partial_set_dims(P, names, i)))
        return rc;
    P->where_fp = q && q->where ? iv__fnv1a64(q->where, strlen(q->where)) : iv__fnv1a64("", 0);
    if ((rc = iv_model_to_string(L->c.m, &txt, &len)) != IV_OK)
        return rc;
    P->model_fp = iv__fnv1a64(txt, len);
    iv_model_free_string(L->c.m, txt);
    P->nrows = s->nrows;
    P->ts_min = s->nrows ? s->ts_min : IV_TIME_NONE;
    P->ts_max = s->nrows ? s->ts_max : IV_TIME_NONE;
    return IV_OK;
}

/* Order of label vectors: byte order per column, undefined last (as the analyses). */
static int iv__labs_cmp(char *const *a, const char *const *b, size_t nk)
{
    size_t i;
    for (i = 0; i < nk; i++) {
        int r;
        if (!a[i] || !b[i]) {
            if (a[i] != b[i])
                return a[i] ? -1 : 1;
            continue;
        }
        if ((r = strcmp(a[i], b[i])) != 0)
            return r;
    }
    return 0;
}

/* Where a group with labels lab is (or would go): *found says whether it is there. */
static size_t iv__group_find(const iv_partial *P, const char *const *lab, int *found)
{
    size_t lo = 0, hi = P->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (iv__labs_cmp(P->g[mid].lab, lab, P->nk) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < P->n && iv__labs_cmp(P->g[lo].lab, lab, P->nk) == 0;
    return lo;
}

/* Add the entries of a finished map `from` into the finished map `into` (new array). */
static int iv__pmap_sum(const iv__alloc *a, iv__pmap *into, const iv__pmap *from)
{
    iv__pmap r;
    size_t i = 0, j = 0;
    memset(&r, 0, sizeof r);
    r.cap = into->n + from->n;
    if (r.cap && !(r.e = iv__malloc(a, r.cap * sizeof *r.e)))
        return iv__nomem("merging partials");
    while (i < into->n || j < from->n) {
        int c = i == into->n ? 1 : j == from->n ? -1 : iv__pent_cmp(&into->e[i], from->e[j].slot, from->e[j].k);
        iv__pent e;
        if (c < 0)
            e = into->e[i++];
        else if (c > 0)
            e = from->e[j++];
        else {
            e = into->e[i++];
            if (iv__add64(&e.v, from->e[j++].v)) {
                iv__pmap_free(a, &r);
                return iv__error(IV_ERANGE, "merging partials: a count overflows");
            }
            if (e.v == 0)
                continue;
        }
        r.e[r.n++] = e;
    }
    r.done = r.n;
    iv__pmap_free(a, into);
    *into = r;
    return IV_OK;
}

int iv__partial_put(iv_partial *P, const char *const *lab, iv__pmap *m)
{
    int found, rc;
    size_t at, d;
    iv__pgroup g;
    if ((rc = iv__pmap_finish(m)))
        return rc;
    at = iv__group_find(P, lab, &found);
    if (found)
        return iv__pmap_sum(&P->a, &P->g[at].m, m);
    memset(&g, 0, sizeof g);
    if (!(g.lab = iv__calloc(&P->a, IV__MAX(P->nk, 1), sizeof *g.lab)))
        return iv__nomem("a partial");
    for (d = 0; d < P->nk; d++)
        if (lab[d] && !(g.lab[d] = iv__strndup(&P->a, lab[d], strlen(lab[d])))) {
            iv__labs_free(&P->a, g.lab, P->nk);
            return iv__nomem("a partial");
        }
    {
        void *p = P->g;
        if (iv__grow(&P->a, &p, &P->cap, P->n + 1, sizeof *P->g)) {
            iv__labs_free(&P->a, g.lab, P->nk);
            return iv__nomem("a partial");
        }
        P->g = p;
    }
    memmove(&P->g[at + 1], &P->g[at], (P->n - at) * sizeof *P->g);
    g.m = *m;
    memset(m, 0, sizeof *m);
    P->g[at] = g;
    P->n++;
    return IV_OK;
}

/* ------------------------------------------------------------ merge ------ */

static int iv__scope_same(const iv_partial *a, const iv_partial *b)
{
    size_t i;
    if (a->kind != b->kind)
        return iv__error(IV_EINVAL, "partials of different analyses (kinds %u and %u) do not merge",
                         a->kind, b->kind);
    if (a->nk != b->nk)
        return iv__error(IV_EINVAL, "partials grouped by %zu and %zu dimensions do not merge", a->nk, b->nk);
    for (i = 0; i < a->nk; i++)
        if (strcmp(a->dims[i], b->dims[i]) != 0)
            return iv__error(IV_EINVAL, "partials grouped by '%s' and '%s' do not merge", a->dims[i],
                             b->dims[i]);
    if (a->where_fp != b->where_fp)
        return iv__error(IV_EINVAL, "partials of different selections (where) do not merge");
    if (a->model_fp != b->model_fp)
        return iv__error(IV_EINVAL, "partials made under different models do not merge");
    if (memcmp(a->par, b->par, sizeof a->par) != 0 || strcmp(a->text, b->text) != 0)
        return iv__error(IV_EINVAL, "partials made with different options do not merge");
    return IV_OK;
}

static int64_t iv__tmin(int64_t a, int64_t b)
{
    return a == IV_TIME_NONE ? b : b == IV_TIME_NONE ? a : IV__MIN(a, b);
}
static int64_t iv__tmax(int64_t a, int64_t b)
{
    return a == IV_TIME_NONE ? b : b == IV_TIME_NONE ? a : IV__MAX(a, b);
}

IV_API int iv_partial_merge(iv_partial *into, const iv_partial *from)
{
    iv__pgroup *g;
    size_t i = 0, j = 0, n = 0, cap;
    uint64_t rows;
    int rc = IV_OK;
    if (!into || !from)
        return iv__error(IV_EINVAL, "iv_partial_merge: NULL argument");
    if ((rc = iv__scope_same(into, from)))
        return rc;
    if (__builtin_add_overflow(into->nrows, from->nrows, &rows))
        return iv__error(IV_ERANGE, "merging partials: the row count overflows");
    /* a new group array, so that into is unchanged on failure */
    cap = IV__MAX(into->n + from->n, 1);
    if (!(g = iv__calloc(&into->a, cap, sizeof *g)))
        return iv__nomem("merging partials");
    while (i < into->n || j < from->n) {
        int c = i == into->n ? 1 : j == from->n ? -1
                                                : iv__labs_cmp(into->g[i].lab, (const char *const *)from->g[j].lab, into->nk);
        const iv__pgroup *src = c <= 0 ? &into->g[i] : &from->g[j];
        size_t d;
        if (!(g[n].lab = iv__calloc(&into->a, IV__MAX(into->nk, 1), sizeof *g[n].lab))) {
            rc = iv__nomem("merging partials");
            break;
        }
        n++;
        for (d = 0; d < into->nk && !rc; d++)
            if (src->lab[d] && !(g[n - 1].lab[d] = iv__strndup(&into->a, src->lab[d], strlen(src->lab[d]))))
                rc = iv__nomem("merging partials");
        if (rc)
            break;
        if (c <= 0)
            rc = iv__pmap_sum(&into->a, &g[n - 1].m, &into->g[i].m);
        if (!rc && c >= 0)
            rc = iv__pmap_sum(&into->a, &g[n - 1].m, &from->g[j].m);
        if (rc)
            break;
        i += c <= 0;
        j += c >= 0;
    }
    if (rc) {
        iv__groups_drop(&into->a, g, n, cap, into->nk);
        return rc;
    }
    iv__groups_drop(&into->a, into->g, into->n, into->cap, into->nk);
    into->g = g;
    into->n = n;
    into->cap = cap;
    into->nrows = rows;
    into->ts_min = iv__tmin(into->ts_min, from->ts_min);
    into->ts_max = iv__tmax(into->ts_max, from->ts_max);
    return IV_OK;
}

/* ------------------------------------------------------------ bytes ------ */

static uint64_t iv__zz(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}
static int64_t iv__unzz(uint64_t u)
{
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static void iv__partial_payload(const iv_partial *P, iv__wbuf *w)
{
    size_t i, d, e;
    int k;
    iv__w_u32(w, P->kind);
    iv__w_u32(w, IV__PPAR);
    for (k = 0; k < IV__PPAR; k++)
        iv__w_u64(w, (uint64_t)P->par[k]);
    iv__w_u64(w, P->where_fp);
    iv__w_u64(w, P->model_fp);
    iv__w_str(w, P->text, strlen(P->text));
    iv__w_u32(w, (uint32_t)P->nk);
    for (d = 0; d < P->nk; d++)
        iv__w_str(w, P->dims[d], strlen(P->dims[d]));
    iv__w_u64(w, P->nrows);
    iv__w_u64(w, (uint64_t)P->ts_min);
    iv__w_u64(w, (uint64_t)P->ts_max);
    iv__w_u64(w, P->n);
    for (i = 0; i < P->n; i++) {
        const iv__pgroup *g = &P->g[i];
        for (d = 0; d < P->nk; d++) {
            iv__w_u8(w, g->lab[d] != NULL);
            if (g->lab[d])
                iv__w_str(w, g->lab[d], strlen(g->lab[d]));
        }
        iv__w_varint(w, g->m.n);
        for (e = 0; e < g->m.n; e++) {
            const iv__pent *x = &g->m.e[e];
            iv__w_varint(w, x->slot);
            for (k = 0; k < 4; k++)
                iv__w_varint(w, iv__zz(x->k[k]));
            iv__w_varint(w, iv__zz(x->v));
        }
    }
}

IV_API int iv_partial_to_bytes(const iv_partial *P, void **out, size_t *len)
{
    iv__wbuf w;
    int rc;
    if (!P || !out || !len)
        return iv__error(IV_EINVAL, "iv_partial_to_bytes: NULL argument");
    *out = NULL;
    *len = 0;
    iv__w_init(&w, &P->a);
    iv__frame_begin(&w, IV_PARTIAL_MAGIC, IV_PARTIAL_FORMAT);
    iv__partial_payload(P, &w);
    if ((rc = iv__frame_end(&w, "serialising a partial"))) {
        iv__w_free(&w);
        return rc;
    }
    return iv__frame_take(&w, out, len, "serialising a partial");
}

IV_API void iv_partial_free_bytes(const iv_partial *P, void *bytes, size_t len)
{
    if (P && bytes)
        iv__free(&P->a, bytes, len);
}

static int iv__corrupt(const char *what)
{
    return iv__error(IV_ECORRUPT, "partial bytes: %s", what);
}

static int iv__read_cstr(iv__rbuf *r, const iv__alloc *a, char **out, const char *what)
{
    int rc = iv__r_cstr(r, a, out);
    return rc == IV_ECORRUPT ? iv__corrupt(what) : rc ? iv__nomem("reading a partial") : IV_OK;
}

static int iv__group_read(iv_partial *P, iv__rbuf *r, iv__pgroup *g)
{
    size_t d, e;
    uint64_t ne;
    if (!(g->lab = iv__calloc(&P->a, IV__MAX(P->nk, 1), sizeof *g->lab)))
        return iv__nomem("reading a partial");
    for (d = 0; d < P->nk; d++) {
        unsigned def = iv__r_u8(r);
        int rc;
        if (def > 1 || r->err)
            return iv__corrupt("bad group label");
        if (def && (rc = iv__read_cstr(r, &P->a, &g->lab[d], "bad group label")))
            return rc;
    }
    ne = iv__r_varint(r);
    /* an entry takes at least 6 bytes */
    if (r->err || ne > iv__r_left(r) / 6)
        return iv__corrupt("entry count larger than the input");
    if (ne && !(g->m.e = iv__malloc(&P->a, (size_t)ne * sizeof *g->m.e)))
        return iv__nomem("reading a partial");
    g->m.cap = (size_t)ne;
    for (e = 0; e < ne; e++) {
        iv__pent *x = &g->m.e[e];
        uint64_t slot = iv__r_varint(r);
        int k;
        x->slot = (uint32_t)slot;
        for (k = 0; k < 4; k++)
            x->k[k] = iv__unzz(iv__r_varint(r));
        x->v = iv__unzz(iv__r_varint(r));
        if (r->err)
            return iv__corrupt("truncated entry");
        if (slot > 1000 || x->v == 0)
            return iv__corrupt("bad entry");
        if (e && iv__pent_cmp(&g->m.e[e - 1], x->slot, x->k) >= 0)
            return iv__corrupt("entries out of order");
        g->m.n = g->m.done = e + 1;
    }
    return IV_OK;
}

/* The smallest group: a presence byte per dimension and an entry count. */
static int iv__partial_parse(iv_partial *P, iv__rbuf *r)
{
    uint64_t ng;
    uint32_t npar, nk;
    size_t i;
    int k, rc;
    P->kind = iv__r_u32(r);
    npar = iv__r_u32(r);
    if (r->err || npar != IV__PPAR)
        return iv__corrupt("bad parameter count");
    if (P->kind < IV_PARTIAL_CHURN || P->kind > IV_PARTIAL_NORM)
        return iv__corrupt("unknown kind");
    for (k = 0; k < IV__PPAR; k++)
        P->par[k] = (int64_t)iv__r_u64(r);
    P->where_fp = iv__r_u64(r);
    P->model_fp = iv__r_u64(r);
    if ((rc = iv__read_cstr(r, &P->a, &P->text, "bad option text")))
        return rc;
    nk = iv__r_u32(r);
    if (r->err || nk > IV_MAX_DIMS || nk > iv__r_left(r) / 4)
        return iv__corrupt("bad dimension count");
    if (!(P->dims = iv__calloc(&P->a, IV__MAX(nk, 1), sizeof *P->dims)))
        return iv__nomem("reading a partial");
    P->nk = nk;
    for (i = 0; i < nk; i++) {
        if ((rc = iv__read_cstr(r, &P->a, &P->dims[i], "bad dimension name")))
            return rc;
        if (!P->dims[i][0])
            return iv__corrupt("empty dimension name");
    }
    P->nrows = iv__r_u64(r);
    P->ts_min = (int64_t)iv__r_u64(r);
    P->ts_max = (int64_t)iv__r_u64(r);
    ng = iv__r_u64(r);
    if (r->err)
        return iv__corrupt("truncated header");
    if ((P->nrows == 0) != (P->ts_min == IV_TIME_NONE) || (P->nrows == 0) != (P->ts_max == IV_TIME_NONE) ||
        (P->nrows && P->ts_min > P->ts_max))
        return iv__corrupt("bad time range");
    if (ng > iv__r_left(r) / (1 + (uint64_t)nk))
        return iv__corrupt("group count larger than the input");
    P->cap = IV__MAX((size_t)ng, 1);
    if (!(P->g = iv__calloc(&P->a, P->cap, sizeof *P->g)))
        return iv__nomem("reading a partial");
    for (i = 0; i < ng; i++) {
        P->n++;
        if ((rc = iv__group_read(P, r, &P->g[i])))
            return rc;
        if (i && iv__labs_cmp(P->g[i - 1].lab, (const char *const *)P->g[i].lab, P->nk) >= 0)
            return iv__corrupt("groups out of order");
    }
    if (r->err)
        return iv__corrupt("truncated");
    if (iv__r_left(r))
        return iv__corrupt("trailing bytes");
    return IV_OK;
}

int iv__partial_parse_bytes(iv_partial **out, const void *bytes, size_t len,
                            const iv_summary_options *opts)
{
    const unsigned char *b = bytes;
    iv__alloc a;
    iv_partial *P;
    iv__rbuf r;
    uint32_t version;
    int rc;
    if (!out || (!bytes && len))
        return iv__error(IV_EINVAL, "iv_partial_from_bytes: NULL argument");
    *out = NULL;
    if (opts && (rc = iv__check_options(opts, opts->size, sizeof *opts, sizeof *opts, "iv_summary_options")))
        return rc;
    if ((rc = iv__frame_check(b, len, IV_PARTIAL_MAGIC, IV_PARTIAL_FORMAT, IV_PARTIAL_FORMAT, "partial", &version)))
        return rc;
    iv__alloc_init(&a, opts ? opts->alloc : NULL, opts ? opts->alloc_ud : NULL);
    if (!(P = iv__partial_new(&a, 0)))
        return IV_ENOMEM;
    iv__r_init(&r, b + IV__FRAME_HEADER, len - IV__FRAME_HEADER);
    if ((rc = iv__partial_parse(P, &r))) {
        iv_partial_free(P);
        return rc;
    }
    *out = P;
    return IV_OK;
}
