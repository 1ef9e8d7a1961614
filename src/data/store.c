/* The columnar interaction store: columns, atomic row append, the per-contact index,
 * and the public store API. Layout and byte counts: see store.h. */
#include <stdio.h>
#include <stdlib.h>

#include "store.h"
#include "vocab.h"

#define IV__TS_MIN INT64_C(-2208988800000) /* 1900-01-01T00:00:00Z */
#define IV__TS_END INT64_C(7289654400000)  /* 2201-01-01T00:00:00Z (exclusive) */

/* ---------------------------------------------------------------- columns ---- */

/* Bytes per code for a width. */
static size_t iv__codes_bytes(const iv__codes *c, size_t rows)
{
    return c->data ? rows * c->width : 0;
}

static uint32_t iv__width_max(uint8_t w)
{
    return w == 1 ? 0xffu : w == 2 ? 0xffffu : 0xffffffffu;
}

/* Make c able to hold code at row `rows` with `cap` rows allocated: allocates a lazy
 * column (zeros for the rows before, 0..rows) or widens it (copying those rows). ccap is
 * the column's capacity in rows. The rows past `rows` are left as they are (not zeroed):
 * every append writes its row's code in every allocated column (iv__store_push and
 * iv__store_push_rows), and a snapshot's columns hold only their rows too; zeroing the
 * whole capacity took the appending thread's page faults in a memset ahead of the rows
 * (doc/PERFORMANCE.md, "Seventh session"). */
static int iv__codes_fit(const iv__alloc *a, iv__codes *c, size_t *ccap, size_t cap, size_t rows,
                         uint32_t code)
{
    uint8_t w;
    void *nd;
    size_t i, n;
    if (code == 0 && !c->data)
        return IV_OK;
    if (c->data && code <= iv__width_max(c->width) && *ccap >= cap)
        return IV_OK;
    w = c->data ? c->width : 1;
    while (code > iv__width_max(w))
        w = (uint8_t)(w * 2);
    if (c->data && w == c->width) {
        nd = iv__realloc(a, c->data, *ccap * w, cap * w);
        if (!nd)
            return iv__nomem("growing a code column");
        c->data = nd;
        *ccap = cap;
        return IV_OK;
    }
    if (cap > SIZE_MAX / w || !(nd = iv__malloc(a, cap * w)))
        return iv__nomem("a code column");
    n = IV__MIN(rows, cap);
    if (c->data) {
        n = IV__MIN(n, *ccap);
        for (i = 0; i < n; i++) {
            uint32_t v = iv__codes_get(c, i);
            if (w == 2)
                ((uint16_t *)nd)[i] = (uint16_t)v;
            else
                ((uint32_t *)nd)[i] = v;
        }
        iv__free(a, c->data, *ccap * c->width);
    } else {
        memset(nd, 0, n * w);
    }
    c->data = nd;
    c->width = w;
    *ccap = cap;
    return IV_OK;
}

/* The common case, where iv__codes_fit has nothing to do: the column is allocated,
 * wide enough and long enough (or lazy and the code is 0). */
static inline int iv__codes_ok(const iv__codes *c, size_t ccap, size_t cap, uint32_t code)
{
    return c->data ? ccap >= cap && code <= iv__width_max(c->width) : code == 0;
}

static inline void iv__codes_set(iv__codes *c, size_t i, uint32_t v)
{
    if (!c->data)
        return; /* lazy and v == 0 */
    switch (c->width) {
    case 1: ((uint8_t *)c->data)[i] = (uint8_t)v; break;
    case 2: ((uint16_t *)c->data)[i] = (uint16_t)v; break;
    default: ((uint32_t *)c->data)[i] = v; break;
    }
}

/* Every code column with its capacity, so the push path can treat them alike. */
typedef struct iv__ccol {
    iv__strcol *col;
    size_t *cap;
} iv__ccol;

/* ---------------------------------------------------------------- store ------ */

IV_API int iv_store_options_init(iv_store_options *opts, size_t size)
{
    IV__OPTIONS_INIT(iv_store_options, IV_STORE_OPTIONS_INIT, opts, size, sizeof(size_t));
}

static int iv__strcol_init(iv__strcol *c, const iv__alloc *a)
{
    memset(c, 0, sizeof *c);
    c->codes.width = 0; /* 0: not allocated, every code reads as 0 */
    return iv__pool_init(&c->pool, a);
}

static void iv__strcol_free(iv__strcol *c, const iv__alloc *a, size_t cap)
{
    iv__pool_free(&c->pool, a);
    iv__free(a, c->codes.data, iv__codes_bytes(&c->codes, cap));
    c->codes.data = NULL;
}

IV_API int iv_store_new(iv_store **out, const iv_store_options *opts)
{
    iv__alloc a;
        iv_store *s;
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_store_new: out is NULL");
    *out = NULL;
    if (opts && (rc = iv__check_options(opts, opts->size, offsetof(iv_store_options, max_strings) +
                                        sizeof opts->max_strings, sizeof *opts, "iv_store_options")))
        return rc;
    iv__alloc_init(&a, opts ? opts->alloc : NULL, opts ? opts->alloc_ud : NULL);
    s = iv__calloc(&a, 1, sizeof *s);
    if (!s)
        return iv__nomem("a store");
    s->alloc = a;
    s->limit_left = opts && opts->max_strings ? opts->max_strings : (UINT64_C(1) << 31);
    s->ts_min = s->ts_max = IV_TIME_NONE;
    s->index_ok = 1;
    atomic_init(&s->idx_built, 1);
    if (pthread_mutex_init(&s->idx_mu, NULL) != 0) {
        iv__free(&a, s, sizeof *s);
        return iv__nomem("a store's lock");
    }
    s->idx_mu_ok = 1;
    if ((rc = iv__strcol_init(&s->channel, &a)) || (rc = iv__strcol_init(&s->type, &a)) ||
        (rc = iv__strcol_init(&s->team, &a)) || (rc = iv__strcol_init(&s->score, &a)) ||
        (rc = iv__strcol_init(&s->rv, &a)) || (rc = iv__pool_init(&s->contacts, &a)) ||
        (rc = iv__pool_init_nodedup(&s->ids, &a))) {
        iv_store_free(s);
        return rc;
    }
    *out = s;
    return IV_OK;
}

IV_API void iv_store_free(iv_store *s)
{
    iv__alloc a;
    size_t d;
    if (!s)
        return;
    a = s->alloc;
    iv__free(&a, s->contact, s->cap_contact * sizeof *s->contact);
    iv__free(&a, s->ts, s->cap_ts * sizeof *s->ts);
    iv__free(&a, s->enums, s->cap_enums * sizeof *s->enums);
    iv__free(&a, s->cost, s->cap_cost * sizeof *s->cost);
    iv__free(&a, s->value, s->cap_value * sizeof *s->value);
    iv__free(&a, s->id, s->cap_id * sizeof *s->id);
    iv__free(&a, s->id_seen, s->cap_id_seen / 64 * sizeof *s->id_seen);
    iv__strcol_free(&s->channel, &a, s->cap_channel);
    iv__strcol_free(&s->type, &a, s->cap_type);
    iv__strcol_free(&s->team, &a, s->cap_team);
    iv__strcol_free(&s->score, &a, s->cap_score);
    iv__strcol_free(&s->rv, &a, s->cap_rv);
    iv__pool_free(&s->contacts, &a);
    iv__pool_free(&s->ids, &a);
    for (d = 0; d < s->ndims; d++) {
        iv__strfree(&a, s->dim_names[d]);
        iv__strcol_free(&s->dims[d], &a, s->cap_dims[d]);
    }
    iv__free(&a, s->idx_start, s->idx_cap_contacts * sizeof *s->idx_start);
    iv__free(&a, s->idx_rows, s->idx_cap_rows * sizeof *s->idx_rows);
    if (s->idx_mu_ok)
        pthread_mutex_destroy(&s->idx_mu);
    iv__free(&a, s, sizeof *s);
}

int iv__store_dim(iv_store *s, const char *name, size_t n, int create)
{
    size_t d, i;
    char *low;
    int rc;
    for (d = 0; d < s->ndims; d++)
        if (iv__ieq(name, n, s->dim_names[d]))
            return (int)d;
    if (!create)
        return -2;
    if (s->ndims >= IV_MAX_DIMS) {
        iv__error(IV_ELIMIT, "more than %d custom dimensions (at '%.*s')", IV_MAX_DIMS,
                  (int)IV__MIN(n, 64), name);
        return -1;
    }
    if (n == 0) {
        iv__error(IV_EPARSE, "a custom dimension needs a name");
        return -1;
    }
    low = iv__strndup(&s->alloc, name, n);
    if (!low) {
        iv__nomem("a dimension name");
        return -1;
    }
    for (i = 0; i < n; i++)
        if (low[i] >= 'A' && low[i] <= 'Z')
            low[i] = (char)(low[i] + 32);
    if ((rc = iv__strcol_init(&s->dims[s->ndims], &s->alloc)) != IV_OK) {
        iv__strfree(&s->alloc, low);
        return -1;
    }
    s->dim_names[s->ndims] = low;
    s->cap_dims[s->ndims] = 0;
    return (int)s->ndims++;
}

/* ---------------------------------------------------------------- checks ----- */

int iv__survey_scale(const char *type, size_t n, double *lo, double *hi)
{
    /* compare the normal form (vocab.h): " NPS " is nps */
    while (n && iv__vocab_blank((unsigned char)type[n - 1]))
        n--;
    while (n && iv__vocab_blank((unsigned char)*type)) {
        type++;
        n--;
    }
    if (iv__ieq(type, n, "nps")) {
        *lo = 0;
        *hi = 10;
        return 1;
    }
    if (iv__ieq(type, n, "csat")) {
        *lo = 1;
        *hi = 5;
        return 1;
    }
    if (iv__ieq(type, n, "ces")) {
        *lo = 1;
        *hi = 7;
        return 1;
    }
    return 0;
}

int iv__enum_parse(int kind, const char *s, size_t n)
{
    int v;
    const char *name;
    if (n == 0)
        return 0;
    if (kind == IV_ENUM_OUTCOME) {
        if ((n == 2 && s[0] == '+' && s[1] == '1') || (n == 1 && s[0] == '1'))
            return IV_OUTCOME_DESIRED;
        if (n == 1 && s[0] == '0')
            return IV_OUTCOME_NEUTRAL;
        if (n == 2 && s[0] == '-' && s[1] == '1')
            return IV_OUTCOME_UNDESIRED;
    }
    for (v = 1; (name = iv_enum_name(kind, v)) != NULL; v++)
        if (iv__ieq(s, n, name))
            return v;
    return -1;
}

static int iv__bad(char *why, size_t cap, const char **field, const char *f, const char *fmt,
                   double v)
{
    if (field)
        *field = f;
    if (why && cap)
        snprintf(why, cap, fmt, v);
    return 1;
}

int iv__row_check(const iv__row *r, char *why, size_t cap, const char **field)
{
    double lo, hi;
    /* Messages without a conversion pass a dummy 0.0 that snprintf ignores (C11 7.21.6.1p2);
     * a "%.0s" there would read the double as a pointer (found by fuzz_csv under ASan). */
    if (r->contact.n == 0)
        return iv__bad(why, cap, field, "contact", "missing contact", 0.0);
    /* blank text normalises to nothing (vocab.h): missing too */
    if (r->channel.n == 0 || iv__vocab_empty(r->channel.p, r->channel.n))
        return iv__bad(why, cap, field, "channel", "missing channel", 0.0);
    if (r->type.n == 0 || iv__vocab_empty(r->type.p, r->type.n))
        return iv__bad(why, cap, field, "type", "missing type", 0.0);
    if (r->ts == IV_TIME_NONE)
        return iv__bad(why, cap, field, "ts", "missing timestamp", 0.0);
    if (r->ts < IV__TS_MIN || r->ts >= IV__TS_END)
        return iv__bad(why, cap, field, "ts", "timestamp out of range (before 1900 or after 2200)", 0.0);
    if (r->stage > IV_STAGE_RETENTION)
        return iv__bad(why, cap, field, "stage", "unknown stage %.0f", r->stage);
    if (r->area > IV_AREA_GOVERNANCE)
        return iv__bad(why, cap, field, "area", "unknown area %.0f", r->area);
    if (r->direction > IV_DIRECTION_OUT)
        return iv__bad(why, cap, field, "direction", "unknown direction %.0f", r->direction);
    if (r->outcome > IV_OUTCOME_UNDESIRED)
        return iv__bad(why, cap, field, "outcome", "unknown outcome %.0f", r->outcome);
    if (isinf(r->cost))
        return iv__bad(why, cap, field, "cost", "cost is not finite (%g)", r->cost);
    if (r->cost < 0)
        return iv__bad(why, cap, field, "cost", "negative cost %g", r->cost);
    if (isinf(r->value))
        return iv__bad(why, cap, field, "value", "value is not finite (%g)", r->value);
    /* money sums are exact in fixed point up to 1e15 per term (exact.h) */
    if (r->cost > 1e15)
        return iv__bad(why, cap, field, "cost", "cost %g beyond 1e15", r->cost);
    if (fabs(r->value) > 1e15)
        return iv__bad(why, cap, field, "value", "value %g beyond +-1e15", r->value);
    if (fabs(r->rv) > 1e15)
        return iv__bad(why, cap, field, "rv", "rv %g beyond +-1e15", r->rv);
    if (isinf(r->rv))
        return iv__bad(why, cap, field, "rv", "rv is not finite (%g)", r->rv);
    if (isinf(r->score))
        return iv__bad(why, cap, field, "score", "score is not finite (%g)", r->score);
    if (!isnan(r->score) && iv__survey_scale(r->type.p, r->type.n, &lo, &hi) &&
        (r->score < lo || r->score > hi)) {
        if (field)
            *field = "score";
        if (why && cap)
            snprintf(why, cap, "score %g outside the %.*s scale %g..%g", r->score,
                     (int)r->type.n, r->type.p, lo, hi);
        return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------- append ----- */

static int iv__vec_fit(const iv__alloc *a, void **p, size_t *cap, size_t need, size_t esz)
{
    return iv__grow(a, p, cap, need, esz);
}

/* Grow every allocated per-row vector to hold `need` rows. */
static int iv__store_reserve(iv_store *s, size_t need, int want_id)
{
    const iv__alloc *a = &s->alloc;
    int rc;
    void *p;
#define IV__FIT(field, capf)                                                  \
    p = s->field;                                                             \
    if ((rc = iv__vec_fit(a, &p, &s->capf, need, sizeof *s->field)))     \
        return rc;                                                            \
    s->field = p;
    IV__FIT(contact, cap_contact)
    IV__FIT(ts, cap_ts)
    IV__FIT(enums, cap_enums)
    IV__FIT(cost, cap_cost)
    IV__FIT(value, cap_value)
    if (s->id || want_id) {
        int fresh = s->id == NULL;
        IV__FIT(id, cap_id)
        /* the rows before get id 0; the capacity past them is written row by row */
        if (fresh)
            memset(s->id, 0, s->nrows * sizeof *s->id);
    }
#undef IV__FIT
    return IV_OK;
}

int iv__store_id_seen_fit(iv_store *s, size_t need)
{
    size_t cap = s->cap_id_seen, want;
    uint64_t *p;
    if (need <= cap)
        return IV_OK;
    want = cap > need / 2 ? 2 * cap : need;
    if (want < 4096)
        want = 4096;
    want = (want + 63) / 64 * 64;
    if (!(p = iv__realloc(&s->alloc, s->id_seen, cap / 64 * sizeof *p, want / 64 * sizeof *p)))
        return iv__nomem("the store's id presence bits");
    memset(p + cap / 64, 0, (want - cap) / 64 * sizeof *p);
    s->id_seen = p;
    s->cap_id_seen = want;
    return IV_OK;
}

int iv__store_expect(iv_store *s, size_t more)
{
    const iv__alloc *a = &s->alloc;
    size_t need = s->nrows + more;
    void *p;
    if (more == 0 || need >= UINT32_MAX - 1)
        return IV_OK;
#define IV__EXPECT(field, capf)                                                                \
    if (s->capf < need) {                                                                      \
        if (!(p = iv__realloc(a, s->field, s->capf * sizeof *s->field, need * sizeof *s->field))) \
            return IV_ENOMEM;                                                                  \
        s->field = p;                                                                          \
        s->capf = need;                                                                        \
    }
    IV__EXPECT(contact, cap_contact)
    IV__EXPECT(ts, cap_ts)
    IV__EXPECT(enums, cap_enums)
    IV__EXPECT(cost, cap_cost)
    IV__EXPECT(value, cap_value)
#undef IV__EXPECT
    return IV_OK;
}

/* Target capacity for a code column holding `need` rows: follow the contact vector's
 * capacity so that every column grows in the same doubling steps. */
static size_t iv__target_cap(const iv_store *s, size_t need)
{
    size_t c = s->cap_contact;
    return c >= need ? c : need;
}

int iv__store_push(iv_store *s, const iv__row *r)
{
    const iv__alloc *a = &s->alloc;
    size_t row = s->nrows, need = s->nrows + 1, cap, d;
    size_t mark_contacts = s->contacts.count, mark_ids = s->ids.count;
    size_t mark_ch = s->channel.pool.count, mark_ty = s->type.pool.count;
    size_t mark_team = s->team.pool.count, mark_score = s->score.pool.count;
    size_t mark_rv = s->rv.pool.count, mark_dims[IV_MAX_DIMS];
    uint32_t contact, channel, type, team = 0, score = 0, rv = 0, id = 0, dimv[IV_MAX_DIMS];
    uint64_t *lim = &s->limit_left;
    char chbuf[IV__VOCAB_STACK], tybuf[IV__VOCAB_STACK];
    iv__vname ch = { NULL, 0, NULL, 0 }, ty = { NULL, 0, NULL, 0 };
    int rc;

    if (s->nrows >= UINT32_MAX - 1)
        return iv__error(IV_ELIMIT, "a store holds at most 2^32 - 2 interactions");
    /* every row vector already long enough: the common case, without a call per vector */
    if (need > s->cap_contact || need > s->cap_ts || need > s->cap_enums || need > s->cap_cost ||
        need > s->cap_value || (r->id.n > 0 && need > s->cap_id) || (s->id && need > s->cap_id)) {
        if ((rc = iv__store_reserve(s, need, r->id.n > 0)))
            return rc;
    }
    if (r->id_seen && need > s->cap_id_seen && (rc = iv__store_id_seen_fit(s, need)) != IV_OK)
        return rc;
    cap = iv__target_cap(s, need);
    for (d = 0; d < s->ndims; d++)
        mark_dims[d] = s->dims[d].pool.count;

    /* channel and type in their normal form (doc/MODEL.md, Names); already normal: no copy */
    if (r->names_normal) { /* ingestion normalised them on its parser threads */
        ch.p = r->channel.p;
        ch.n = r->channel.n;
        ty.p = r->type.p;
        ty.n = r->type.n;
    } else if ((rc = iv__vocab_tmp(&ch, a, chbuf, r->channel.p, r->channel.n)) ||
               (rc = iv__vocab_tmp(&ty, a, tybuf, r->type.p, r->type.n))) {
        goto undo;
    }
    if ((rc = r->hashed ? iv__pool_intern_hashed(&s->contacts, a, r->contact.p, r->contact.n,
                                                  r->contact_hash, &contact, lim)
                        : iv__pool_intern(&s->contacts, a, r->contact.p, r->contact.n, &contact, lim)) ||
        (rc = iv__pool_intern(&s->channel.pool, a, ch.p, ch.n, &channel, lim)) ||
        (rc = iv__pool_intern(&s->type.pool, a, ty.p, ty.n, &type, lim)) ||
        (rc = iv__pool_intern(&s->team.pool, a, r->team.p, r->team.n, &team, lim)) ||
        (rc = iv__pool_intern(&s->ids, a, r->id.p, r->id.n, &id, lim)))
        goto undo;
    if (!isnan(r->score) &&
        (rc = iv__pool_intern(&s->score.pool, a, (const char *)&r->score, sizeof r->score, &score, lim)))
        goto undo;
    if (!isnan(r->rv) &&
        (rc = iv__pool_intern(&s->rv.pool, a, (const char *)&r->rv, sizeof r->rv, &rv, lim)))
        goto undo;
    for (d = 0; d < s->ndims; d++)
        dimv[d] = 0;
    for (d = 0; d < r->ndims; d++) {
        size_t k = r->dim_idx[d];
        if ((rc = iv__pool_intern(&s->dims[k].pool, a, r->dim_val[d].p, r->dim_val[d].n, &dimv[k], lim)))
            goto undo;
    }
    /* the test inline, the call only when a column must grow or widen */
#define IV__FIT(col, capf, code) \
    (!iv__codes_ok(&(col).codes, (capf), cap, (code)) && (rc = iv__codes_fit(a, &(col).codes, &(capf), cap, row, (code))))
    if (IV__FIT(s->channel, s->cap_channel, channel) || IV__FIT(s->type, s->cap_type, type) ||
        IV__FIT(s->team, s->cap_team, team) || IV__FIT(s->score, s->cap_score, score) ||
        IV__FIT(s->rv, s->cap_rv, rv))
        goto undo;
    for (d = 0; d < s->ndims; d++)
        if (IV__FIT(s->dims[d], s->cap_dims[d], dimv[d]))
            goto undo;
#undef IV__FIT

    s->contact[row] = contact;
    s->ts[row] = r->ts;
    iv__codes_set(&s->channel.codes, row, channel);
    iv__codes_set(&s->type.codes, row, type);
    s->enums[row] = IV__EN_PACK(r->stage, r->area, r->direction, r->outcome);
    s->cost[row] = r->cost;
    s->value[row] = r->value;
    iv__codes_set(&s->team.codes, row, team);
    iv__codes_set(&s->score.codes, row, score);
    iv__codes_set(&s->rv.codes, row, rv);
    if (s->id)
        s->id[row] = id;
    if (r->id_seen)
        iv__store_id_seen_set(s, row);
    for (d = 0; d < s->ndims; d++)
        iv__codes_set(&s->dims[d].codes, row, dimv[d]);
    if (s->ts_min == IV_TIME_NONE || r->ts < s->ts_min)
        s->ts_min = r->ts;
    if (s->ts_max == IV_TIME_NONE || r->ts > s->ts_max)
        s->ts_max = r->ts;
    s->nrows = need;
    s->index_ok = 0;
    atomic_store_explicit(&s->idx_built, 0, memory_order_relaxed);
    iv__vocab_tmp_free(&ch, a);
    iv__vocab_tmp_free(&ty, a);
    return IV_OK;

undo:
    iv__vocab_tmp_free(&ch, a);
    iv__vocab_tmp_free(&ty, a);
    /* Give back the distinct-string allowance of everything this row interned. */
    s->limit_left += (s->contacts.count - mark_contacts) + (s->ids.count - mark_ids) +
                     (s->channel.pool.count - mark_ch) + (s->type.pool.count - mark_ty) +
                     (s->team.pool.count - mark_team) + (s->score.pool.count - mark_score) +
                     (s->rv.pool.count - mark_rv);
    iv__pool_truncate(&s->contacts, mark_contacts);
    iv__pool_truncate(&s->ids, mark_ids);
    iv__pool_truncate(&s->channel.pool, mark_ch);
    iv__pool_truncate(&s->type.pool, mark_ty);
    iv__pool_truncate(&s->team.pool, mark_team);
    iv__pool_truncate(&s->score.pool, mark_score);
    iv__pool_truncate(&s->rv.pool, mark_rv);
    for (d = 0; d < s->ndims; d++) {
        s->limit_left += s->dims[d].pool.count - mark_dims[d];
        iv__pool_truncate(&s->dims[d].pool, mark_dims[d]);
    }
    return rc;
}

/* The text of a queued row's channel (i = 2) or type (i = 3), whose batch code is c: the
 * batch's name, or for IV__BNAME_X the row's extra record's. */
static inline iv__str iv__bname_str(const iv__bqueue *q, const iv__bxtra *x, uint16_t c, int i)
{
    iv__str t;
    if (c != IV__BNAME_X)
        return q->names[c];
    t.p = x->sp[i];
    t.n = x->sn[i];
    return t;
}

/* The queued row o of q as an iv__row, for iv__store_push. */
static void iv__row_of_brow(iv__row *r, const iv__bqueue *q, const iv__brow *o)
{
    const iv__bxtra *x = o->xtra ? &q->xtra[o->xtra - 1] : NULL;
    size_t d;
    memset(r, 0, offsetof(iv__row, dim_idx));
    r->hashed = 1;
    r->names_normal = 1;
    r->contact.p = o->cp;
    r->contact.n = o->cn;
    r->contact_hash = o->hash;
    r->channel = iv__bname_str(q, x, o->ch, 2);
    r->type = iv__bname_str(q, x, o->ty, 3);
    r->id_seen = (o->enums & IV__BROW_ID_SEEN) != 0;
    r->ts = o->ts;
    r->stage = (uint8_t)IV__EN_STAGE(o->enums);
    r->area = (uint8_t)IV__EN_AREA(o->enums);
    r->direction = (uint8_t)IV__EN_DIR(o->enums);
    r->outcome = (uint8_t)IV__EN_OUTCOME(o->enums);
    r->cost = o->cost;
    r->value = o->value;
    r->score = r->rv = (double)NAN;
    if (!x)
        return;
    r->team.p = x->sp[0];
    r->team.n = x->sn[0];
    r->id.p = x->sp[1];
    r->id.n = x->sn[1];
    r->score = x->score;
    r->rv = x->rv;
    r->ndims = x->ndims;
    for (d = 0; d < x->ndims; d++) {
        r->dim_idx[d] = q->dim_idx[x->dim0 + d];
        r->dim_val[d] = q->dim_val[x->dim0 + d];
    }
}

/* What the loop of iv__store_push_rows may assume of the store until a column grows:
 * rows below `room` fit every row vector; a code below its limit (chlim for the
 * channel, tylim for the type, and so on) needs no growth, widening or allocation of its
 * column (a lazy column not allocated yet: limit 1, only code 0); lazy: some lazy code
 * column is allocated (its code, 0 when the row has none, must be written); lazy_ok:
 * each of them is long enough. */
typedef struct iv__fast {
    size_t room;
    uint64_t chlim, tylim, teamlim, scorelim, rvlim;
    int lazy, lazy_ok;
    uint64_t dimlim[IV_MAX_DIMS];
} iv__fast;

/* The limit a code must stay below for iv__codes_ok with the column at cap rows. */
static uint64_t iv__codes_lim(const iv__codes *c, size_t ccap, size_t cap)
{
    if (!c->data)
        return 1; /* only code 0 without allocating */
    return ccap >= cap ? (uint64_t)iv__width_max(c->width) + 1 : 0;
}

static void iv__fast_state(const iv_store *s, iv__fast *f)
{
    size_t room = s->cap_contact, cap = s->cap_contact, d;
    const iv__codes *lz[3 + IV_MAX_DIMS];
    const size_t *lzcap[3 + IV_MAX_DIMS];
    size_t nl = 0, i;
    room = IV__MIN(room, s->cap_ts);
    room = IV__MIN(room, s->cap_enums);
    room = IV__MIN(room, s->cap_cost);
    room = IV__MIN(room, s->cap_value);
    if (s->id)
        room = IV__MIN(room, s->cap_id);
    room = IV__MIN(room, (size_t)UINT32_MAX - 2); /* iv__store_push: at most 2^32 - 2 rows */
    f->room = room;
    f->chlim = iv__codes_lim(&s->channel.codes, s->cap_channel, cap);
    f->tylim = iv__codes_lim(&s->type.codes, s->cap_type, cap);
    f->teamlim = iv__codes_lim(&s->team.codes, s->cap_team, cap);
    f->scorelim = iv__codes_lim(&s->score.codes, s->cap_score, cap);
    f->rvlim = iv__codes_lim(&s->rv.codes, s->cap_rv, cap);
    lz[nl] = &s->team.codes;
    lzcap[nl++] = &s->cap_team;
    lz[nl] = &s->score.codes;
    lzcap[nl++] = &s->cap_score;
    lz[nl] = &s->rv.codes;
    lzcap[nl++] = &s->cap_rv;
    for (d = 0; d < s->ndims; d++) {
        f->dimlim[d] = iv__codes_lim(&s->dims[d].codes, s->cap_dims[d], cap);
        lz[nl] = &s->dims[d].codes;
        lzcap[nl++] = &s->cap_dims[d];
    }
    f->lazy = 0;
    f->lazy_ok = 1;
    for (i = 0; i < nl; i++)
        if (lz[i]->data) {
            f->lazy = 1;
            if (*lzcap[i] < cap)
                f->lazy_ok = 0;
        }
}

/* Code 0 at row `row` in every allocated lazy column (team, score, rv, dimensions). */
static void iv__lazy_zero(iv_store *s, size_t row)
{
    size_t d;
    iv__codes_set(&s->team.codes, row, 0);
    iv__codes_set(&s->score.codes, row, 0);
    iv__codes_set(&s->rv.codes, row, 0);
    for (d = 0; d < s->ndims; d++)
        iv__codes_set(&s->dims[d].codes, row, 0);
}

/* How many rows ahead the loop fetches the contact's hash slot, and for a contact longer
 * than 8 bytes the entry it names and the entry's bytes (iv__pool_prefetch's stages). */
#define IV__PF_SLOT 12
#define IV__PF_ENT 8
#define IV__PF_BYTES 4
/* ... and the queued row (written by a parser thread on another core). */
#define IV__PF_QROW 32

/* The pool counts before a row of the loop interned anything: what its undo truncates
 * to (the pools only grow by appending, so truncating restores them). */
typedef struct iv__rowmark {
    size_t contact, ch, ty, team, id, score, rv;
    size_t ndims;                 /* dims[0..ndims): the row's dimensions interned so far */
    uint16_t dim[IV_MAX_DIMS];    /* ... their pools */
    size_t dimc[IV_MAX_DIMS];     /* ... and the counts before */
} iv__rowmark;

/* Undo of a row of the loop that failed: its strings and their allowance go back, in
 * reverse order of interning for the dimensions (a dimension given twice is truncated to
 * its first mark last). */
static void iv__rowmark_undo(iv_store *s, iv__rowmark *m)
{
    s->limit_left += (s->contacts.count - m->contact) + (s->channel.pool.count - m->ch) +
                     (s->type.pool.count - m->ty) + (s->team.pool.count - m->team) +
                     (s->ids.count - m->id) + (s->score.pool.count - m->score) + (s->rv.pool.count - m->rv);
    iv__pool_truncate(&s->contacts, m->contact);
    iv__pool_truncate(&s->channel.pool, m->ch);
    iv__pool_truncate(&s->type.pool, m->ty);
    iv__pool_truncate(&s->team.pool, m->team);
    iv__pool_truncate(&s->ids, m->id);
    iv__pool_truncate(&s->score.pool, m->score);
    iv__pool_truncate(&s->rv.pool, m->rv);
    while (m->ndims) {
        iv__pool *p = &s->dims[m->dim[--m->ndims]].pool;
        s->limit_left += p->count - m->dimc[m->ndims];
        iv__pool_truncate(p, m->dimc[m->ndims]);
    }
}

/* The store's code, in pool p, of the queued row's channel (i = 2, map chmap) or type
 * (i = 3, tymap) whose batch code is c: a batch name is interned once per batch and
 * remembered in map[c]; a name in the extra record (IV__BNAME_X) each time. */
static inline int iv__bname_code(iv__pool *p, const iv__alloc *a, const iv__bqueue *q, const iv__bxtra *x,
                                 uint32_t *map, uint16_t c, int i, uint32_t *code, uint64_t *lim)
{
    iv__str t;
    int rc;
    if (c != IV__BNAME_X && (*code = map[c]) != 0)
        return IV_OK;
    t = iv__bname_str(q, x, c, i);
    if ((rc = iv__pool_intern(p, a, t.p, t.n, code, lim)) == IV_OK && c != IV__BNAME_X)
        map[c] = *code;
    return rc;
}

int iv__store_push_rows(iv_store *s, const iv__bqueue *q, size_t from, size_t n, size_t *done)
{
    const iv__alloc *a = &s->alloc;
    const iv__brow *rows = q->rows + from;
    const uint16_t *dim_idx = q->dim_idx;
    iv__pool *cp = &s->contacts;
    size_t k, row = s->nrows, first = s->nrows, d;
    int64_t tmin = s->ts_min, tmax = s->ts_max;
    uint64_t *lim = &s->limit_left;
    iv__fast f;
    iv__rowmark m;
    uint32_t dimv[IV_MAX_DIMS];
    int rc = IV_OK;

    iv__fast_state(s, &f);
    for (d = 0; d < s->ndims; d++)
        dimv[d] = 0;
    for (k = 0; k < n; k++) {
        const iv__brow *o = &rows[k];
        const iv__bxtra *x = o->xtra ? &q->xtra[o->xtra - 1] : NULL;
        uint32_t contact, channel, type, team = 0, id = 0, score = 0, rv = 0;
        int widen = 0; /* a code column to allocate or widen */
#if defined(__GNUC__)
        if (k + IV__PF_QROW < n)
            __builtin_prefetch((const char *)&rows[k + IV__PF_QROW]);
        if (k + IV__PF_SLOT < n)
            iv__pool_prefetch(cp, rows[k + IV__PF_SLOT].hash, rows[k + IV__PF_SLOT].cn, 1);
        if (k + IV__PF_ENT < n)
            iv__pool_prefetch(cp, rows[k + IV__PF_ENT].hash, rows[k + IV__PF_ENT].cn, 2);
        if (k + IV__PF_BYTES < n)
            iv__pool_prefetch(cp, rows[k + IV__PF_BYTES].hash, rows[k + IV__PF_BYTES].cn, 3);
#endif
        if (row >= f.room || !f.lazy_ok || (x && x->sn[1] && !s->id) ||
            ((o->enums & IV__BROW_ID_SEEN) && row >= s->cap_id_seen)) {
            /* the general path: a row vector to grow, a lazy column to lengthen, or the
             * id column or the id presence bits to allocate */
            iv__row r;
            iv__row_of_brow(&r, q, o);
            s->nrows = row;
            s->ts_min = tmin;
            s->ts_max = tmax;
            if ((rc = iv__store_push(s, &r)) != IV_OK)
                break;
            row = s->nrows;
            tmin = s->ts_min;
            tmax = s->ts_max;
            iv__fast_state(s, &f);
            continue;
        }
        /* interned in iv__store_push's order: contact, channel, type, team, id, score,
         * rv, the dimensions */
        m.contact = cp->count;
        m.ch = s->channel.pool.count;
        m.ty = s->type.pool.count;
        m.team = s->team.pool.count;
        m.id = s->ids.count;
        m.score = s->score.pool.count;
        m.rv = s->rv.pool.count;
        m.ndims = 0;
        if (!iv__pool_lookup(cp, o->cp, o->cn, o->hash, &contact) &&
            (rc = iv__pool_intern_hashed(cp, a, o->cp, o->cn, o->hash, &contact, lim)) != IV_OK)
            goto undo;
        if ((rc = iv__bname_code(&s->channel.pool, a, q, x, q->chmap, o->ch, 2, &channel, lim)) ||
            (rc = iv__bname_code(&s->type.pool, a, q, x, q->tymap, o->ty, 3, &type, lim)))
            goto undo;
        if (x) {
            if ((x->sn[0] && (rc = iv__pool_intern(&s->team.pool, a, x->sp[0], x->sn[0], &team, lim))) ||
                (x->sn[1] && (rc = iv__pool_append(&s->ids, a, x->sp[1], x->sn[1], &id, lim))) ||
                (!isnan(x->score) && (rc = iv__pool_intern(&s->score.pool, a, (const char *)&x->score,
                                                           sizeof x->score, &score, lim))) ||
                (!isnan(x->rv) &&
                 (rc = iv__pool_intern(&s->rv.pool, a, (const char *)&x->rv, sizeof x->rv, &rv, lim))))
                goto undo;
            for (d = 0; d < x->ndims; d++) {
                uint16_t dk = dim_idx[x->dim0 + d];
                iv__pool *p = &s->dims[dk].pool;
                m.dim[m.ndims] = dk;
                m.dimc[m.ndims++] = p->count;
                if ((rc = iv__pool_intern(p, a, q->dim_val[x->dim0 + d].p, q->dim_val[x->dim0 + d].n, &dimv[dk],
                                          lim)))
                    goto undo;
            }
        }
        if (channel >= f.chlim || type >= f.tylim || team >= f.teamlim || score >= f.scorelim ||
            rv >= f.rvlim) {
            widen = 1;
        } else if (x) {
            for (d = 0; d < x->ndims; d++) {
                uint16_t dk = dim_idx[x->dim0 + d];
                if (dimv[dk] >= f.dimlim[dk])
                    widen = 1;
            }
        }
        if (widen) {
            /* a code column to allocate or widen: in iv__store_push's order */
            size_t cap = iv__target_cap(s, row + 1);
#define IV__FIT(col, capf, code) \
    (!iv__codes_ok(&(col).codes, (capf), cap, (code)) && (rc = iv__codes_fit(a, &(col).codes, &(capf), cap, row, (code))))
            if (IV__FIT(s->channel, s->cap_channel, channel) || IV__FIT(s->type, s->cap_type, type) ||
                IV__FIT(s->team, s->cap_team, team) || IV__FIT(s->score, s->cap_score, score) ||
                IV__FIT(s->rv, s->cap_rv, rv))
                goto undo;
            for (d = 0; d < s->ndims; d++)
                if (IV__FIT(s->dims[d], s->cap_dims[d], dimv[d]))
                    goto undo;
#undef IV__FIT
            iv__fast_state(s, &f);
        }
        s->contact[row] = contact;
        s->ts[row] = o->ts;
        iv__codes_set(&s->channel.codes, row, channel);
        iv__codes_set(&s->type.codes, row, type);
        s->enums[row] = (uint16_t)(o->enums & ~IV__BROW_ID_SEEN);
        s->cost[row] = o->cost;
        s->value[row] = o->value;
        if (x) {
            iv__codes_set(&s->team.codes, row, team);
            iv__codes_set(&s->score.codes, row, score);
            iv__codes_set(&s->rv.codes, row, rv);
            for (d = 0; d < s->ndims; d++)
                iv__codes_set(&s->dims[d].codes, row, dimv[d]);
            for (d = 0; d < x->ndims; d++)
                dimv[dim_idx[x->dim0 + d]] = 0;
        } else if (f.lazy) {
            iv__lazy_zero(s, row);
        }
        if (s->id)
            s->id[row] = id;
        if (o->enums & IV__BROW_ID_SEEN)
            iv__store_id_seen_set(s, row);
        if (tmin == IV_TIME_NONE || o->ts < tmin)
            tmin = o->ts;
        if (tmax == IV_TIME_NONE || o->ts > tmax)
            tmax = o->ts;
        row++;
        continue;
    undo:
        /* nothing of this row remains: its strings and their allowance go back, and with
         * them any name of the batch this row was the first to intern */
        iv__rowmark_undo(s, &m);
        if (q->nnames) {
            memset(q->chmap, 0, q->nnames * sizeof *q->chmap);
            memset(q->tymap, 0, q->nnames * sizeof *q->tymap);
        }
        break;
    }
    s->nrows = row;
    s->ts_min = tmin;
    s->ts_max = tmax;
    if (row > first) {
        s->index_ok = 0;
        atomic_store_explicit(&s->idx_built, 0, memory_order_relaxed);
    }
    *done = k;
    return rc;
}

/* ---------------------------------------------------------------- index ------ */

/* One row of a contact's segment while it is sorted: its timestamp next to it, so the
 * sort compares local keys instead of reaching into the ts column at random. */
typedef struct iv__tsrow {
    int64_t ts;
    uint32_t row;
} iv__tsrow;

/* Sort k[0..n) by (ts, row): the rows arrive in row order, so a stable sort keeps ties
 * in insertion order. Insertion sort for short runs, bottom-up merge sort otherwise
 * (tmp holds n entries). */
static void iv__sort_tsrows(iv__tsrow *k, size_t n, iv__tsrow *tmp)
{
    size_t i, w;
    if (n <= 24) {
        for (i = 1; i < n; i++) {
            iv__tsrow v = k[i];
            size_t j = i;
            while (j > 0 && k[j - 1].ts > v.ts) {
                k[j] = k[j - 1];
                j--;
            }
            k[j] = v;
        }
        return;
    }
    for (w = 1; w < n; w *= 2) {
        size_t lo;
        for (lo = 0; lo < n; lo += 2 * w) {
            size_t mid = IV__MIN(lo + w, n), hi = IV__MIN(lo + 2 * w, n), a = lo, b = mid, o = lo;
            while (a < mid && b < hi)
                tmp[o++] = k[b].ts < k[a].ts ? k[b++] : k[a++];
            while (a < mid)
                tmp[o++] = k[a++];
            while (b < hi)
                tmp[o++] = k[b++];
        }
        memcpy(k, tmp, n * sizeof *k);
    }
}

/* Build the per-contact index: a counting sort of the rows by contact (which keeps row order
 * within a contact), then each contact's rows in time order. The timestamps of a
 * segment are gathered next to their rows first (prefetched a few rows ahead, since in
 * a log that is not sorted by contact they lie anywhere in the ts column); a segment
 * already in time order, as in a log sorted by time or by contact and time, is left as
 * it is after one pass over its keys. */
static int iv__store_build_index(iv_store *s)
{
    const iv__alloc *a = &s->alloc;
    size_t nc = s->contacts.count, i, maxseg = 0, nr = s->nrows;
    uint32_t *start, *rows, *fill;
    iv__tsrow *keys = NULL;
    const int64_t *ts = s->ts;
    start = iv__calloc(a, nc + 1, sizeof *start);
    rows = iv__malloc(a, (nr ? nr : 1) * sizeof *rows);
    fill = iv__calloc(a, nc + 1, sizeof *fill);
    if (!start || !rows || !fill) {
        iv__free(a, start, (nc + 1) * sizeof *start);
        iv__free(a, rows, (nr ? nr : 1) * sizeof *rows);
        iv__free(a, fill, (nc + 1) * sizeof *fill);
        return iv__nomem("the contact index");
    }
    /* counting sort by contact keeps row order within a contact */
    for (i = 0; i < nr; i++)
        start[s->contact[i] + 1]++;
    for (i = 0; i < nc; i++) {
        start[i + 1] += start[i];
        if (start[i + 1] - start[i] > maxseg)
            maxseg = start[i + 1] - start[i];
    }
    for (i = 0; i < nr; i++) {
        uint32_t c = s->contact[i];
        rows[start[c] + fill[c]++] = (uint32_t)i;
    }
    iv__free(a, fill, (nc + 1) * sizeof *fill);
    if (maxseg > 1 && !(keys = iv__malloc(a, 2 * maxseg * sizeof *keys))) {
        iv__free(a, start, (nc + 1) * sizeof *start);
        iv__free(a, rows, (nr ? nr : 1) * sizeof *rows);
        return iv__nomem("the contact index");
    }
    for (i = 0; i < nc; i++) {
        size_t b = start[i], n = start[i + 1] - b, k, sorted = 1;
        if (n < 2)
            continue;
        for (k = 0; k < n; k++) {
#if defined(__GNUC__)
            if (b + k + 16 < nr)
                __builtin_prefetch(&ts[rows[b + k + 16]]);
#endif
            keys[k].ts = ts[rows[b + k]];
            keys[k].row = rows[b + k];
            sorted &= k == 0 || keys[k - 1].ts <= keys[k].ts;
        }
        if (sorted)
            continue;
        iv__sort_tsrows(keys, n, keys + maxseg);
        for (k = 0; k < n; k++)
            rows[b + k] = keys[k].row;
    }
    iv__free(a, keys, 2 * maxseg * sizeof *keys);
    iv__free(a, s->idx_start, s->idx_cap_contacts * sizeof *s->idx_start);
    iv__free(a, s->idx_rows, s->idx_cap_rows * sizeof *s->idx_rows);
    s->idx_start = start;
    s->idx_cap_contacts = nc + 1;
    s->idx_rows = rows;
    s->idx_cap_rows = nr ? nr : 1;
    return IV_OK;
}

int iv__store_index(const iv_store *cs)
{
    /* The index is the store's own cache: building it does not change what the store
     * holds, so a reader of a const store may build it. */
    iv_store *s = (iv_store *)(uintptr_t)cs;
    int rc = IV_OK;
    if (atomic_load_explicit(&s->idx_built, memory_order_acquire))
        return IV_OK;
    if (!s->index_ok)
        return iv__error(IV_ESTATE, "the store is not prepared (call iv_store_prepare after iv_store_append)");
    pthread_mutex_lock(&s->idx_mu);
    if (!atomic_load_explicit(&s->idx_built, memory_order_relaxed) && (rc = iv__store_build_index(s)) == IV_OK)
        atomic_store_explicit(&s->idx_built, 1, memory_order_release);
    pthread_mutex_unlock(&s->idx_mu);
    return rc;
}

void iv__store_seal(iv_store *s)
{
    if (!s->index_ok) /* no write on a prepared store: other threads may be reading it */
        s->index_ok = 1;
}

int iv__store_prepare(iv_store *s)
{
    iv__store_seal(s);
    return iv__store_index(s);
}

IV_API int iv_store_prepare(iv_store *s)
{
    if (!s)
        return iv__error(IV_EINVAL, "iv_store_prepare: store is NULL");
    return iv__store_prepare(s);
}

/* ---------------------------------------------------------------- public ----- */

IV_API int iv_record_init(iv_record *rec, size_t size)
{
    iv_record def = IV_RECORD_INIT;
    if (!rec || size < offsetof(iv_record, dim_values) + sizeof rec->dim_values)
        return iv__error(IV_EINVAL, "iv_record_init: bad arguments");
    memset(rec, 0, size);
    memcpy(rec, &def, sizeof def);
    rec->size = size;
    return IV_OK;
}

IV_API int iv_columns_init(iv_columns *cols, size_t size)
{
    iv_columns def = IV_COLUMNS_INIT;
    if (!cols || size < offsetof(iv_columns, dim_values) + sizeof cols->dim_values)
        return iv__error(IV_EINVAL, "iv_columns_init: bad arguments");
    memset(cols, 0, size);
    memcpy(cols, &def, sizeof def);
    cols->size = size;
    return IV_OK;
}

static iv__str iv__cstr(const char *s)
{
    iv__str r;
    r.p = s ? s : "";
    r.n = s ? strlen(s) : 0;
    return r;
}

static int iv__enum_ok(int v, int max)
{
    return v >= 0 && v <= max;
}

/* Fill r from the public record; dims resolved (created) by name. Returns 0 or an
 * error with the reason in why/field. */
static int iv__row_from_public(iv_store *s, iv__row *r, const char *contact, int64_t ts,
                               const char *channel, const char *type, int stage, int area,
                               int direction, int outcome, double cost, double value,
                               double score, double rv, const char *team, const char *id,
                               char *why, size_t cap, const char **field)
{
    iv__row_clear(r);
    r->contact = iv__cstr(contact);
    r->ts = ts;
    r->channel = iv__cstr(channel);
    r->type = iv__cstr(type);
    if (!iv__enum_ok(stage, IV_STAGE_RETENTION))
        return iv__bad(why, cap, field, "stage", "unknown stage %.0f", stage);
    if (!iv__enum_ok(area, IV_AREA_GOVERNANCE))
        return iv__bad(why, cap, field, "area", "unknown area %.0f", area);
    if (!iv__enum_ok(direction, IV_DIRECTION_OUT))
        return iv__bad(why, cap, field, "direction", "unknown direction %.0f", direction);
    if (!iv__enum_ok(outcome, IV_OUTCOME_UNDESIRED))
        return iv__bad(why, cap, field, "outcome", "unknown outcome %.0f", outcome);
    r->stage = (uint8_t)stage;
    r->area = (uint8_t)area;
    r->direction = (uint8_t)direction;
    r->outcome = (uint8_t)outcome;
    r->cost = cost;
    r->value = value;
    r->score = score;
    r->rv = rv;
    r->team = iv__cstr(team);
    r->id = iv__cstr(id);
    (void)s;
    return iv__row_check(r, why, cap, field);
}

IV_API int iv_store_append(iv_store *s, const iv_record *rec)
{
    iv__row r;
    char why[256];
    const char *field = "";
    size_t d;
    int rc;
    if (!s || !rec)
        return iv__error(IV_EINVAL, "iv_store_append: NULL argument");
    if ((rc = iv__check_options(rec, rec->size, sizeof(iv_record), sizeof(iv_record), "iv_record")))
        return rc;
    if (rec->ndims > IV_MAX_DIMS || (rec->ndims && (!rec->dim_names || !rec->dim_values)))
        return iv__error(IV_EINVAL, "iv_store_append: bad custom dimensions");
    if (iv__row_from_public(s, &r, rec->contact, rec->ts, rec->channel, rec->type, rec->stage,
                            rec->area, rec->direction, rec->outcome, rec->cost, rec->value,
                            rec->score, rec->rv, rec->team, rec->id, why, sizeof why, &field))
        return iv__error(IV_EPARSE, "record: field %s: %s", field, why);
    for (d = 0; d < rec->ndims; d++) {
        int k;
        if (!rec->dim_names[d])
            return iv__error(IV_EINVAL, "iv_store_append: custom dimension %zu has no name", d);
        k = iv__store_dim(s, rec->dim_names[d], strlen(rec->dim_names[d]), 1);
        if (k < 0)
            return k == -2 ? IV_ENOTFOUND : (s->ndims >= IV_MAX_DIMS ? IV_ELIMIT : IV_ENOMEM);
        r.dim_idx[r.ndims] = (uint16_t)k;
        r.dim_val[r.ndims] = iv__cstr(rec->dim_values[d]);
        r.ndims++;
    }
    return iv__store_push(s, &r);
}

#define IV__COL(arr, i, dflt) ((arr) ? (arr)[i] : (dflt))

static int iv__columns_row(iv_store *s, const iv_columns *c, size_t i, iv__row *r, char *why,
                           size_t cap, const char **field)
{
    return iv__row_from_public(
        s, r, IV__COL(c->contact, i, NULL), IV__COL(c->ts, i, IV_TIME_NONE),
        IV__COL(c->channel, i, NULL), IV__COL(c->type, i, NULL), IV__COL(c->stage, i, 0),
        IV__COL(c->area, i, 0), IV__COL(c->direction, i, 0), IV__COL(c->outcome, i, 0),
        IV__COL(c->cost, i, (double)NAN), IV__COL(c->value, i, (double)NAN),
        IV__COL(c->score, i, (double)NAN), IV__COL(c->rv, i, (double)NAN),
        IV__COL(c->team, i, NULL), IV__COL(c->id, i, NULL), why, cap, field);
}

/* Undo a bulk append of rows [from, nrows): rows are only ever appended, so truncating
 * the row count and the pools restores the earlier store exactly. */
typedef struct iv__store_mark {
    size_t nrows, contacts, ids, ch, ty, team, score, rv, ndims, dims[IV_MAX_DIMS];
    uint64_t limit_left;
    int64_t ts_min, ts_max;
    int index_ok;
} iv__store_mark;

static void iv__store_mark_take(const iv_store *s, iv__store_mark *m)
{
    size_t d;
    m->nrows = s->nrows;
    m->contacts = s->contacts.count;
    m->ids = s->ids.count;
    m->ch = s->channel.pool.count;
    m->ty = s->type.pool.count;
    m->team = s->team.pool.count;
    m->score = s->score.pool.count;
    m->rv = s->rv.pool.count;
    m->ndims = s->ndims;
    for (d = 0; d < s->ndims; d++)
        m->dims[d] = s->dims[d].pool.count;
    m->limit_left = s->limit_left;
    m->ts_min = s->ts_min;
    m->ts_max = s->ts_max;
    m->index_ok = s->index_ok;
}

static void iv__store_mark_restore(iv_store *s, const iv__store_mark *m)
{
    size_t d;
    s->nrows = m->nrows;
    iv__pool_truncate(&s->contacts, m->contacts);
    iv__pool_truncate(&s->ids, m->ids);
    iv__pool_truncate(&s->channel.pool, m->ch);
    iv__pool_truncate(&s->type.pool, m->ty);
    iv__pool_truncate(&s->team.pool, m->team);
    iv__pool_truncate(&s->score.pool, m->score);
    iv__pool_truncate(&s->rv.pool, m->rv);
    for (d = 0; d < m->ndims; d++)
        iv__pool_truncate(&s->dims[d].pool, m->dims[d]);
    /* dimensions created by the failed call stay, empty: harmless and keeps it simple */
    for (d = m->ndims; d < s->ndims; d++)
        iv__pool_truncate(&s->dims[d].pool, 1);
    s->limit_left = m->limit_left;
    s->ts_min = m->ts_min;
    s->ts_max = m->ts_max;
    s->index_ok = m->index_ok;
}

IV_API int iv_store_append_columns(iv_store *s, const iv_columns *c)
{
    iv__row r;
    char why[256];
    const char *field = "";
    size_t i, d;
    int rc, kidx[IV_MAX_DIMS];
    iv__store_mark mark;
    if (!s || !c)
        return iv__error(IV_EINVAL, "iv_store_append_columns: NULL argument");
    if ((rc = iv__check_options(c, c->size, sizeof(iv_columns), sizeof(iv_columns), "iv_columns")))
        return rc;
    if (c->ndims > IV_MAX_DIMS || (c->ndims && (!c->dim_names || !c->dim_values)))
        return iv__error(IV_EINVAL, "iv_store_append_columns: bad custom dimensions");
    if (c->n && (!c->contact || !c->ts || !c->channel || !c->type))
        return iv__error(IV_EINVAL, "iv_store_append_columns: contact, ts, channel and type are required");
    /* validate every row first */
    for (i = 0; i < c->n; i++)
        if (iv__columns_row(s, c, i, &r, why, sizeof why, &field))
            return iv__error(IV_EPARSE, "row %zu: field %s: %s", i, field, why);
    iv__store_mark_take(s, &mark);
    for (d = 0; d < c->ndims; d++) {
        if (!c->dim_names[d] || !c->dim_values[d])
            return iv__error(IV_EINVAL, "iv_store_append_columns: custom dimension %zu incomplete", d);
        kidx[d] = iv__store_dim(s, c->dim_names[d], strlen(c->dim_names[d]), 1);
        if (kidx[d] < 0) {
            iv__store_mark_restore(s, &mark);
            return s->ndims >= IV_MAX_DIMS ? IV_ELIMIT : IV_ENOMEM;
        }
    }
    for (i = 0; i < c->n; i++) {
        iv__columns_row(s, c, i, &r, why, sizeof why, &field);
        for (d = 0; d < c->ndims; d++) {
            r.dim_idx[d] = (uint16_t)kidx[d];
            r.dim_val[d] = iv__cstr(c->dim_values[d][i]);
        }
        r.ndims = c->ndims;
        if ((rc = iv__store_push(s, &r))) {
            iv__store_mark_restore(s, &mark);
            return rc;
        }
    }
    iv__store_seal(s); /* the contact index is built by the first reader that needs it */
    return IV_OK;
}

IV_API size_t iv_store_rows(const iv_store *s)
{
    return s ? s->nrows : 0;
}

/* Contacts with at least one row (pool id 0 is the empty string). */
IV_API size_t iv_store_contacts(const iv_store *s)
{
    return s && s->contacts.count ? s->contacts.count - 1 : 0;
}

IV_API int iv_store_time_range(const iv_store *s, int64_t *first, int64_t *last)
{
    if (!s)
        return iv__error(IV_EINVAL, "iv_store_time_range: store is NULL");
    if (first)
        *first = s->ts_min;
    if (last)
        *last = s->ts_max;
    return IV_OK;
}

static const char *iv__code_str(const iv__strcol *c, size_t row)
{
    uint32_t k = iv__codes_get(&c->codes, row);
    return k ? iv__pool_str(&c->pool, k) : NULL;
}

IV_API int iv_store_get_row(const iv_store *s, size_t row, iv_record *out)
{
    int rc;
    unsigned e;
    if (!s || !out)
        return iv__error(IV_EINVAL, "iv_store_get_row: NULL argument");
    if ((rc = iv__check_options(out, out->size, sizeof(iv_record), sizeof(iv_record), "iv_record")))
        return rc;
    if (row >= s->nrows)
        return iv__error(IV_ERANGE, "row %zu out of range (store has %zu rows)", row, s->nrows);
    out->contact = iv__pool_str(&s->contacts, s->contact[row]);
    out->ts = s->ts[row];
    out->channel = iv__code_str(&s->channel, row);
    out->type = iv__code_str(&s->type, row);
    e = s->enums[row];
    out->stage = (int)IV__EN_STAGE(e);
    out->area = (int)IV__EN_AREA(e);
    out->direction = (int)IV__EN_DIR(e);
    out->outcome = (int)IV__EN_OUTCOME(e);
    out->cost = s->cost[row];
    out->value = s->value[row];
    out->score = iv__store_score(s, row);
    out->rv = iv__store_rv(s, row);
    out->team = iv__code_str(&s->team, row);
    out->id = s->id && s->id[row] ? iv__pool_str(&s->ids, s->id[row]) : NULL;
    out->ndims = 0;
    out->dim_names = NULL;
    out->dim_values = NULL;
    return IV_OK;
}

IV_API size_t iv_store_dim_count(const iv_store *s)
{
    return s ? s->ndims : 0;
}

IV_API const char *iv_store_dim_name(const iv_store *s, size_t dim)
{
    return s && dim < s->ndims ? s->dim_names[dim] : NULL;
}

IV_API const char *iv_store_get_dim(const iv_store *s, size_t row, size_t dim)
{
    if (!s || dim >= s->ndims || row >= s->nrows)
        return NULL;
    return iv__code_str(&s->dims[dim], row);
}

IV_API int iv_store_contact_rows(const iv_store *s, const char *contact, const uint32_t **rows,
                                 size_t *n)
{
    uint32_t id;
    int rc;
    if (!s || !contact || !rows || !n)
        return iv__error(IV_EINVAL, "iv_store_contact_rows: NULL argument");
    if (!s->index_ok)
        return iv__error(IV_ESTATE, "the store is not prepared (call iv_store_prepare)");
    if (!iv__pool_find(&s->contacts, contact, strlen(contact), &id) || id == 0)
        return iv__error(IV_ENOTFOUND, "no contact '%s'", contact);
    if ((rc = iv__store_index(s)) != IV_OK)
        return rc;
    *rows = s->idx_rows + s->idx_start[id];
    *n = s->idx_start[id + 1] - s->idx_start[id];
    return IV_OK;
}

IV_API size_t iv_store_memory(const iv_store *s, size_t *columns, size_t *strings)
{
    size_t c = 0, st = 0, d;
    if (!s)
        return 0;
    /* count what the rows use (nrows), not the doubling slack */
    c += s->nrows * (sizeof *s->contact + sizeof *s->ts + sizeof *s->enums + sizeof *s->cost +
                     sizeof *s->value);
    if (s->id)
        c += s->nrows * sizeof *s->id;
    if (s->id_seen)
        c += (s->nrows + 63) / 64 * sizeof *s->id_seen;
    c += iv__codes_bytes(&s->channel.codes, s->nrows) + iv__codes_bytes(&s->type.codes, s->nrows) +
         iv__codes_bytes(&s->team.codes, s->nrows) + iv__codes_bytes(&s->score.codes, s->nrows) +
         iv__codes_bytes(&s->rv.codes, s->nrows);
    for (d = 0; d < s->ndims; d++)
        c += iv__codes_bytes(&s->dims[d].codes, s->nrows);
    /* a prepared store's index, built or still to be built on first use (the same figure
     * whichever commands ran) */
    if (s->index_ok && (!atomic_load_explicit(&s->idx_built, memory_order_acquire) || s->idx_rows))
        c += s->nrows * sizeof *s->idx_rows + (s->contacts.count + 1) * sizeof *s->idx_start;
    st += iv__pool_memory(&s->contacts) + iv__pool_memory(&s->ids) +
          iv__pool_memory(&s->channel.pool) + iv__pool_memory(&s->type.pool) +
          iv__pool_memory(&s->team.pool) + iv__pool_memory(&s->score.pool) +
          iv__pool_memory(&s->rv.pool);
    for (d = 0; d < s->ndims; d++)
        st += iv__pool_memory(&s->dims[d].pool);
    if (columns)
        *columns = c;
    if (strings)
        *strings = st;
    return c + st;
}

IV_API int iv_store_ingest_counts(const iv_store *s, uint64_t *rows_read, uint64_t *rows_rejected)
{
    if (!s)
        return iv__error(IV_EINVAL, "iv_store_ingest_counts: store is NULL");
    if (rows_read)
        *rows_read = s->ingest_read;
    if (rows_rejected)
        *rows_rejected = s->ingest_rejected;
    return IV_OK;
}
