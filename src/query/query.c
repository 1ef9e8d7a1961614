/* The public query API: iv_query_options_init, grouped metrics (iv_query_metrics),
 * period-on-period comparison, drill-down and per-contact attributes (doc/METRICS.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "group.h"
#include "metrics.h"
#include "table.h"

IV_API int iv_query_options_init(iv_query_options *opts, size_t size)
{
    IV__OPTIONS_INIT(iv_query_options, IV_QUERY_OPTIONS_INIT, opts, size, IV__QUERY_OPTIONS_MIN);
}

/* Columns for the group keys; returns IV_OK. */
static int iv__key_columns(iv_table *t, const iv__keyer *ks, size_t nk)
{
    size_t i;
    for (i = 0; i < nk; i++)
        if (iv__table_add_col(t, ks[i].name, IV_COL_STRING) < 0)
            return IV_ENOMEM;
    return IV_OK;
}

static int iv__key_cells(iv_table *t, size_t row, const iv__keyer *ks, size_t nk, const iv__ctx *c,
                         uint64_t key)
{
    uint32_t codes[IV_MAX_DIMS + 20];
    size_t i;
    iv__key_codes(ks, nk, key, codes);
    for (i = 0; i < nk; i++) {
        const char *l = iv__key_label(&ks[i], c, codes[i]);
        if (iv__table_set_string(t, row, i, l, l ? strlen(l) : 0))
            return IV_ENOMEM;
    }
    return IV_OK;
}

static int iv__metric_cells(iv_table *t, size_t row, size_t col0, const iv__gacc *acc)
{
    double m[IV__NMETRICS];
    int i, rc;
    iv__gacc_finish(acc, m);
    for (i = 0; i < IV__NMETRICS; i++) {
        rc = iv__metric_is_int(i) ? iv__table_set_int(t, row, col0 + (size_t)i, (int64_t)m[i])
                                  : iv__table_set_double(t, row, col0 + (size_t)i, m[i]);
        if (rc)
            return rc;
    }
    return IV_OK;
}

typedef struct iv__query {
    iv__ctx c;
    iv__keyer *ks;
    size_t nk;
    iv__groups G;
} iv__query;

static void iv__query_free(iv__query *q)
{
    iv__alloc a = q->c.a;
    iv__groups_free(&q->G, &a);
    if (q->ks)
        iv__keyers_free(q->ks, q->nk, &a);
    iv__ctx_free(&q->c);
}

static int iv__query_run(iv__query *q, const iv_store *s, const iv_query_options *o)
{
    int rc;
    memset(q, 0, sizeof *q);
    /* the grouped query scans the rows in store order and builds the contact index only
     * if it has to walk it */
    if ((rc = iv__ctx_init_lazy(&q->c, s, o)))
        return rc;
    if ((rc = iv__keyers_make(&q->c, o ? o->by : NULL, &q->ks, &q->nk)) ||
        (rc = iv__group_run(&q->c, q->ks, q->nk, &q->G, NULL, NULL))) {
        iv__query_free(q);
        return rc;
    }
    return IV_OK;
}

IV_API int iv_query_metrics(iv_table **out, const iv_store *s, const iv_query_options *o)
{
    iv__query q;
    iv_table *t;
    size_t i;
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_query_metrics: out is NULL");
    *out = NULL;
    if ((rc = iv__query_run(&q, s, o)))
        return rc;
    t = iv__table_new(&q.c.a);
    rc = t ? iv__key_columns(t, q.ks, q.nk) : IV_ENOMEM;
    for (i = 0; rc == IV_OK && i < IV__NMETRICS; i++)
        if (iv__table_add_col(t, iv__metric_names[i], iv__metric_is_int((int)i) ? IV_COL_INT : IV_COL_DOUBLE) < 0)
            rc = IV_ENOMEM;
    for (i = 0; rc == IV_OK && i < q.G.n; i++) {
        long r = iv__table_add_row(t);
        if (r < 0 || iv__key_cells(t, (size_t)r, q.ks, q.nk, &q.c, q.G.g[i].key) ||
            iv__metric_cells(t, (size_t)r, q.nk, &q.G.g[i].acc))
            rc = IV_ENOMEM;
    }
    iv__query_free(&q);
    if (rc) {
        iv_table_free(t);
        return rc == IV_ENOMEM ? iv__nomem("the metrics table") : rc;
    }
    *out = t;
    return IV_OK;
}

IV_API int iv_query_compare(iv_table **out, const iv_store *s, const iv_query_options *o,
                            int64_t prev_from, int64_t prev_to)
{
    iv__query cur, prev;
    iv_query_options po;
    iv_table *t = NULL;
    size_t i, j, m;
    int rc;
    if (!out || !o)
        return iv__error(IV_EINVAL, "iv_query_compare: NULL argument");
    *out = NULL;
    if ((rc = iv__query_run(&cur, s, o)))
        return rc;
    iv_query_options_init(&po, sizeof po);
    memcpy(&po, o, IV__MIN(o->size, sizeof po));
    po.size = sizeof po;
    po.from = prev_from;
    po.to = prev_to;
    if (o->t_ref == IV_TIME_NONE)
        po.t_ref = IV_TIME_NONE;
    if ((rc = iv__query_run(&prev, s, &po))) {
        iv__query_free(&cur);
        return rc;
    }
    t = iv__table_new(&cur.c.a);
    rc = t ? iv__key_columns(t, cur.ks, cur.nk) : IV_ENOMEM;
    if (rc == IV_OK && (iv__table_add_col(t, "metric", IV_COL_STRING) < 0 ||
                        iv__table_add_col(t, "value", IV_COL_DOUBLE) < 0 ||
                        iv__table_add_col(t, "previous", IV_COL_DOUBLE) < 0 ||
                        iv__table_add_col(t, "change", IV_COL_DOUBLE) < 0 ||
                        iv__table_add_col(t, "relative_change", IV_COL_DOUBLE) < 0))
        rc = IV_ENOMEM;
    /* every group of either period, in key order: merge the two sorted lists */
    for (i = 0, j = 0; rc == IV_OK && (i < cur.G.n || j < prev.G.n);) {
        const iv__gacc *a = NULL, *b = NULL;
        iv__gacc zero;
        double va[IV__NMETRICS], vb[IV__NMETRICS];
        uint64_t key;
        int cmp;
        if (i < cur.G.n && j < prev.G.n)
            cmp = iv__group_cmp(cur.ks, cur.nk, &cur.c, &cur.G.g[i], &prev.G.g[j]);
        else
            cmp = i < cur.G.n ? -1 : 1;
        memset(&zero, 0, sizeof zero);
        if (cmp <= 0) {
            a = &cur.G.g[i].acc;
            key = cur.G.g[i].key;
            i++;
        } else {
            key = prev.G.g[j].key;
        }
        if (cmp >= 0)
            b = &prev.G.g[j++].acc;
        iv__gacc_finish(a ? a : &zero, va);
        iv__gacc_finish(b ? b : &zero, vb);
        for (m = 0; rc == IV_OK && m < IV__NMETRICS; m++) {
            long r = iv__table_add_row(t);
            double ch = va[m] - vb[m];
            if (r < 0 || iv__key_cells(t, (size_t)r, cur.ks, cur.nk, &cur.c, key) ||
                iv__table_set_string(t, (size_t)r, cur.nk, iv__metric_names[m], strlen(iv__metric_names[m])) ||
                iv__table_set_double(t, (size_t)r, cur.nk + 1, va[m]) ||
                iv__table_set_double(t, (size_t)r, cur.nk + 2, vb[m]) ||
                iv__table_set_double(t, (size_t)r, cur.nk + 3, ch) ||
                iv__table_set_double(t, (size_t)r, cur.nk + 4, vb[m] != 0 ? ch / fabs(vb[m]) : (double)NAN))
                rc = IV_ENOMEM;
        }
    }
    iv__query_free(&prev);
    iv__query_free(&cur);
    if (rc) {
        iv_table_free(t);
        return iv__nomem("the comparison table");
    }
    *out = t;
    return IV_OK;
}

typedef struct iv__dwalk {
    const iv__keyer *ks;
    size_t nk;
    uint64_t key;
    iv_table *t;
} iv__dwalk;

static int iv__drill_row(iv__ctx *c, size_t r, uint32_t contact, double u, void *payload)
{
    iv__dwalk *w = payload;
    const iv_store *s = c->s;
    long tr;
    int assumed;
    uint32_t code;
    const char *str;
    (void)contact;
    if (iv__row_key(w->ks, w->nk, c, r) != w->key)
        return IV_OK;
    tr = iv__table_add_row(w->t);
    if (tr < 0)
        return IV_ENOMEM;
    str = s->id && s->id[r] ? iv__pool_str(&s->ids, s->id[r]) : NULL;
    if (iv__table_set_int(w->t, (size_t)tr, 0, (int64_t)r) ||
        iv__table_set_string(w->t, (size_t)tr, 1, str, str ? strlen(str) : 0) ||
        iv__table_set_string(w->t, (size_t)tr, 2, iv__pool_str(&s->contacts, s->contact[r]),
                             iv__pool_len(&s->contacts, s->contact[r])) ||
        iv__table_set_int(w->t, (size_t)tr, 3, s->ts[r]))
        return IV_ENOMEM;
    code = iv__codes_get(&s->channel.codes, r);
    if (iv__table_set_string(w->t, (size_t)tr, 4, iv__pool_str(&s->channel.pool, code), iv__pool_len(&s->channel.pool, code)))
        return IV_ENOMEM;
    code = iv__codes_get(&s->type.codes, r);
    if (iv__table_set_string(w->t, (size_t)tr, 5, iv__pool_str(&s->type.pool, code), iv__pool_len(&s->type.pool, code)) ||
        iv__table_set_double(w->t, (size_t)tr, 6, iv__ctx_cost(c, r, &assumed)) ||
        iv__table_set_double(w->t, (size_t)tr, 7, u))
        return IV_ENOMEM;
    return IV_OK;
}

IV_API int iv_query_drill(iv_table **out, const iv_store *s, const iv_query_options *o, size_t group)
{
    static const char *const cols[] = {"row", "id", "contact", "ts", "channel", "type", "cost", "rv"};
    static const int types[] = {IV_COL_INT, IV_COL_STRING, IV_COL_STRING, IV_COL_TIME,
                                IV_COL_STRING, IV_COL_STRING, IV_COL_DOUBLE, IV_COL_DOUBLE};
    iv__query q;
    iv__dwalk w;
    size_t i;
    int rc = IV_OK;
    if (!out)
        return iv__error(IV_EINVAL, "iv_query_drill: out is NULL");
    *out = NULL;
    if ((rc = iv__query_run(&q, s, o)))
        return rc;
    if (group >= q.G.n) {
        size_t n = q.G.n;
        iv__query_free(&q);
        return iv__error(IV_ERANGE, "group %zu out of range (the query has %zu groups)", group, n);
    }
    w.ks = q.ks;
    w.nk = q.nk;
    w.key = q.G.g[group].key;
    w.t = iv__table_new(&q.c.a);
    if (!w.t)
        rc = IV_ENOMEM;
    for (i = 0; rc == IV_OK && i < sizeof cols / sizeof cols[0]; i++)
        if (iv__table_add_col(w.t, cols[i], types[i]) < 0)
            rc = IV_ENOMEM;
    if (rc == IV_OK)
        rc = iv__walk(&q.c, iv__drill_row, &w);
    iv__query_free(&q);
    if (rc) {
        iv_table_free(w.t);
        return rc == IV_ENOMEM ? iv__nomem("the drill-down table") : rc;
    }
    *out = w.t;
    return IV_OK;
}

static int iv__mark_contact(iv__ctx *c, size_t r, uint32_t contact, double u, void *payload)
{
    (void)c;
    (void)r;
    (void)u;
    ((uint8_t *)payload)[contact] = 1;
    return IV_OK;
}

static _Thread_local const iv__pool *iv__sort_pool;

static int iv__cmp_contact_ids(const void *pa, const void *pb)
{
    const iv__pool *p = iv__sort_pool;
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return strcmp(iv__pool_str(p, a), iv__pool_str(p, b));
}

IV_API int iv_query_contacts(iv_table **out, const iv_store *s, const iv_query_options *o)
{
    static const char *const cols[] = {"contact", "first_ts", "last_ts", "n", "cost", "value", "rv",
                                       "profit", "contact_stage", "profit_tier", "community_role"};
    static const int types[] = {IV_COL_STRING, IV_COL_TIME, IV_COL_TIME, IV_COL_INT,
                                IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE,
                                IV_COL_STRING, IV_COL_STRING, IV_COL_STRING};
    const char *flagnames[8] = {"purchase", "repeat", "refer", "upsell", "cross_sell",
                                "bad_experience", "support", "churn"};
    iv__ctx c;
    iv_table *t = NULL;
    uint8_t *keep = NULL;
    uint32_t *order = NULL;
    size_t i, nc, nkeep = 0, b;
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_query_contacts: out is NULL");
    *out = NULL;
    if ((rc = iv__ctx_init(&c, s, o)))
        return rc;
    nc = s->contacts.count;
    if ((rc = iv__ctx_contacts(&c)))
        goto done;
    keep = iv__calloc(&c.a, nc, 1);
    order = iv__malloc(&c.a, nc * sizeof *order);
    if (!keep || !order) {
        rc = iv__nomem("contacts");
        goto done;
    }
    if (c.sel) {
        if ((rc = iv__walk(&c, iv__mark_contact, keep)))
            goto done;
    } else {
        for (i = 1; i < nc; i++)
            keep[i] = c.cat[i].n > 0;
    }
    for (i = 1; i < nc; i++)
        if (keep[i])
            order[nkeep++] = (uint32_t)i;
    iv__sort_pool = &s->contacts;
    if (nkeep > 1) /* order is NULL when nothing is kept */
        qsort(order, nkeep, sizeof *order, iv__cmp_contact_ids);
    iv__sort_pool = NULL;
    t = iv__table_new(&c.a);
    rc = t ? IV_OK : IV_ENOMEM;
    for (i = 0; rc == IV_OK && i < sizeof cols / sizeof cols[0]; i++)
        if (iv__table_add_col(t, cols[i], types[i]) < 0)
            rc = IV_ENOMEM;
    for (b = 0; rc == IV_OK && b < 8; b++)
        if (iv__table_add_col(t, flagnames[b], IV_COL_BOOL) < 0)
            rc = IV_ENOMEM;
    for (i = 0; rc == IV_OK && i < nkeep; i++) {
        const iv__cattr *ca = &c.cat[order[i]];
        long r = iv__table_add_row(t);
        const char *st = iv_enum_name(IV_ENUM_STAGE, ca->stage), *tier = iv__tier_name(ca->tier),
                   *role = iv__role_name(ca->role);
        if (r < 0 ||
            iv__table_set_string(t, (size_t)r, 0, iv__pool_str(&s->contacts, order[i]), iv__pool_len(&s->contacts, order[i])) ||
            iv__table_set_int(t, (size_t)r, 1, ca->first) || iv__table_set_int(t, (size_t)r, 2, ca->last) ||
            iv__table_set_int(t, (size_t)r, 3, ca->n) || iv__table_set_double(t, (size_t)r, 4, ca->cost) ||
            iv__table_set_double(t, (size_t)r, 5, ca->value) || iv__table_set_double(t, (size_t)r, 6, ca->rv) ||
            iv__table_set_double(t, (size_t)r, 7, ca->profit) ||
            iv__table_set_string(t, (size_t)r, 8, ca->stage ? st : NULL, ca->stage ? strlen(st) : 0) ||
            iv__table_set_string(t, (size_t)r, 9, tier, tier ? strlen(tier) : 0) ||
            iv__table_set_string(t, (size_t)r, 10, role, role ? strlen(role) : 0)) {
            rc = IV_ENOMEM;
            break;
        }
        for (b = 0; b < 8; b++)
            if (iv__table_set_int(t, (size_t)r, 11 + b, (ca->flags >> b) & 1)) {
                rc = IV_ENOMEM;
                break;
            }
    }
done:
    iv__free(&c.a, keep, nc);
    iv__free(&c.a, order, nc * sizeof *order);
    iv__ctx_free(&c);
    if (rc) {
        iv_table_free(t);
        return rc == IV_ENOMEM ? iv__nomem("the contacts table") : rc;
    }
    *out = t;
    return IV_OK;
}
