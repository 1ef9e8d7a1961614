/* Queries: the context (model lookups per type and channel, RV units along each
 * contact's history), contact attributes (doc/METRICS.md §Contacts and subsets), grouping and the metrics of
 * doc/METRICS.md §Group metrics, period-on-period comparison and drill-down. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>

#include "metrics.h"
#include "quantile.h"
#include "query.h"
#include "table.h"
#include "timefmt.h"

/* ------------------------------------------------------------ names ------ */

static const char *const iv__role_names[4] = {NULL, "watcher", "doer", "leader"};
static const char *const iv__tier_names[4] = {NULL, "poor", "normal", "high"};

const char *iv__role_name(int role)
{
    return role >= 0 && role < 4 ? iv__role_names[role] : NULL;
}

const char *iv__tier_name(int tier)
{
    return tier >= 0 && tier < 4 ? iv__tier_names[tier] : NULL;
}

static const struct {
    const char *name;
    iv__dimkind kind;
} iv__dims[] = {
    {"channel", IV__DIM_CHANNEL},         {"type", IV__DIM_TYPE},
    {"team", IV__DIM_TEAM},               {"stage", IV__DIM_STAGE},
    {"area", IV__DIM_AREA},               {"direction", IV__DIM_DIRECTION},
    {"outcome", IV__DIM_OUTCOME},         {"contact", IV__DIM_CONTACT},
    {"id", IV__DIM_ID},                   {"profit_tier", IV__DIM_PROFIT_TIER},
    {"community_role", IV__DIM_ROLE},     {"contact_stage", IV__DIM_CONTACT_STAGE},
    {"day", IV__DIM_DAY},                 {"week", IV__DIM_WEEK},
    {"month", IV__DIM_MONTH},             {"quarter", IV__DIM_QUARTER},
    {"year", IV__DIM_YEAR},
};

int iv__dim_lookup(const iv_store *s, const char *name, size_t n, iv__dimkind *kind, int *custom)
{
    size_t i;
    *custom = -1;
    for (i = 0; i < sizeof iv__dims / sizeof iv__dims[0]; i++)
        if (iv__ieq(name, n, iv__dims[i].name)) {
            *kind = iv__dims[i].kind;
            return 0;
        }
    for (i = 0; i < s->ndims; i++)
        if (iv__ieq(name, n, s->dim_names[i])) {
            *kind = IV__DIM_CUSTOM;
            *custom = (int)i;
            return 0;
        }
    return -1;
}

int iv__dim_is_contact_level(iv__dimkind k)
{
    return k == IV__DIM_PROFIT_TIER || k == IV__DIM_ROLE || k == IV__DIM_CONTACT_STAGE;
}

/* ISO 8601 week: weeks start on Monday and week 1 holds the year's first Thursday. */
static void iv__iso_week(int64_t day, int64_t *iso_year, int *week)
{
    int64_t wd = ((day + 3) % 7 + 7) % 7; /* 1970-01-01 was a Thursday: Monday = 0 */
    int64_t thursday = day - wd + 3, y;
    int m, d;
    iv__civil_from_days(thursday, &y, &m, &d);
    *iso_year = y;
    *week = (int)((thursday - iv__days_from_civil(y, 1, 1)) / 7 + 1);
}

void iv__bucket_label(iv__dimkind k, int64_t ts, char *buf, size_t cap)
{
    int64_t day = iv__day_of_ms(ts), y;
    int m, d, w;
    iv__civil_from_days(day, &y, &m, &d);
    switch (k) {
    case IV__DIM_DAY: snprintf(buf, cap, "%04lld-%02d-%02d", (long long)y, m, d); break;
    case IV__DIM_WEEK:
        iv__iso_week(day, &y, &w);
        snprintf(buf, cap, "%04lld-W%02d", (long long)y, w);
        break;
    case IV__DIM_MONTH: snprintf(buf, cap, "%04lld-%02d", (long long)y, m); break;
    case IV__DIM_QUARTER: snprintf(buf, cap, "%04lld-Q%d", (long long)y, (m - 1) / 3 + 1); break;
    default: snprintf(buf, cap, "%04lld", (long long)y); break;
    }
}

/* ------------------------------------------------------------ context ---- */

/* The size of the first layout of iv_query_options (without `threads`): callers built
 * against it keep working; fields they do not have take their defaults. */
#define IV__QUERY_OPTIONS_MIN offsetof(iv_query_options, threads)

IV_API int iv_query_options_init(iv_query_options *opts, size_t size)
{
    iv_query_options def = IV_QUERY_OPTIONS_INIT;
    if (!opts || size < IV__QUERY_OPTIONS_MIN)
        return iv__error(IV_EINVAL, "iv_query_options_init: bad arguments");
    memset(opts, 0, size);
    memcpy(opts, &def, IV__MIN(size, sizeof def));
    opts->size = size;
    return IV_OK;
}

double iv__ctx_cost(const iv__ctx *c, size_t row, int *assumed)
{
    double v = c->s->cost[row];
    if (!isnan(v)) {
        *assumed = 0;
        return v;
    }
    *assumed = 1;
    return c->ci[iv__codes_get(&c->s->channel.codes, row)].cost;
}

int iv__ctx_stage(const iv__ctx *c, size_t row)
{
    unsigned st = IV__EN_STAGE(c->s->enums[row]);
    return st ? (int)st : c->type_stage[iv__codes_get(&c->s->type.codes, row)];
}

int iv__ctx_area(const iv__ctx *c, size_t row)
{
    unsigned ar = IV__EN_AREA(c->s->enums[row]);
    return ar ? (int)ar : c->ci[iv__codes_get(&c->s->channel.codes, row)].area;
}

void iv__ctx_contact_begin(iv__ctx *c)
{
    size_t i;
    for (i = 0; i < c->rs.ntouched; i++) {
        uint32_t t = c->rs.touched[i];
        c->rs.count[t] = 0;
        c->rs.cap_day[t] = INT64_MIN;
        c->rs.cap_used[t] = 0;
    }
    c->rs.ntouched = 0;
}

double iv__ctx_rv(iv__ctx *c, size_t row)
{
    const iv_store *s = c->s;
    uint32_t t = iv__codes_get(&s->type.codes, row);
    const iv__type_info *ti = &c->ti[t];
    double u = iv__store_rv(s, row);
    if (c->stateful) {
        uint32_t k;
        if (c->rs.count[t] == 0 && c->rs.cap_day[t] == INT64_MIN)
            c->rs.touched[c->rs.ntouched++] = t;
        k = c->rs.count[t]++;
        if (isnan(u)) {
            u = iv__model_survey_rv(ti, iv__store_score(s, row));
            /* the k-th occurrence counts rv * rv_repeat^(k-1) (doc/MODEL.md) */
            if (k && ti->rv_repeat != 1.0)
                u *= pow(ti->rv_repeat, (double)k);
            if (!isnan(ti->rv_daily_cap) && u > 0) {
                int64_t day = iv__day_of_ms(s->ts[row]);
                double room;
                if (c->rs.cap_day[t] != day) {
                    c->rs.cap_day[t] = day;
                    c->rs.cap_used[t] = 0;
                }
                room = ti->rv_daily_cap - c->rs.cap_used[t];
                if (u > room)
                    u = room > 0 ? room : 0;
                c->rs.cap_used[t] += u;
            }
        }
    } else if (isnan(u)) {
        u = ti->survey ? iv__model_survey_rv(ti, iv__store_score(s, row)) : ti->rv;
    }
    if (!isnan(c->half_life_ms) && u != 0)
        u *= exp2(-(double)(c->t_ref - s->ts[row]) / c->half_life_ms);
    return u;
}

void iv__ctx_free(iv__ctx *c)
{
    size_t nt = c->s ? c->s->type.pool.count : 0, nc = c->s ? c->s->channel.pool.count : 0;
    if (!c->s)
        return;
    iv__sel_free(c->sel, &c->a);
    iv__free(&c->a, c->ti, nt * sizeof *c->ti);
    iv__free(&c->a, c->type_stage, nt);
    iv__free(&c->a, c->ci, nc * sizeof *c->ci);
    iv__free(&c->a, c->cost_fix, nc * sizeof *c->cost_fix);
    iv__free(&c->a, c->rs.count, nt * sizeof *c->rs.count);
    iv__free(&c->a, c->rs.cap_day, nt * sizeof *c->rs.cap_day);
    iv__free(&c->a, c->rs.cap_used, nt * sizeof *c->rs.cap_used);
    iv__free(&c->a, c->rs.touched, nt * sizeof *c->rs.touched);
    iv__free(&c->a, c->cat, c->s->contacts.count * sizeof *c->cat);
    memset(c, 0, sizeof *c);
}

int iv__ctx_init(iv__ctx *c, const iv_store *s, const iv_query_options *o)
{
    iv_query_options def = IV_QUERY_OPTIONS_INIT;
    size_t nt, nc, i;
    int rc;
    memset(c, 0, sizeof *c);
    if (!s)
        return iv__error(IV_EINVAL, "query: store is NULL");
    if (!o)
        o = &def;
    if ((rc = iv__check_options(o, o->size, IV__QUERY_OPTIONS_MIN, sizeof def, "iv_query_options")))
        return rc;
    if (o->size < sizeof def) { /* an older caller: its fields, then our defaults */
        memcpy(&def, o, o->size);
        def.size = sizeof def;
        o = &def;
    }
    if (!s->index_ok)
        return iv__error(IV_ESTATE, "query: the store is not prepared (call iv_store_prepare after iv_store_append)");
    if (o->from != IV_TIME_NONE && o->to != IV_TIME_NONE && o->to < o->from)
        return iv__error(IV_EINVAL, "query: 'to' is before 'from'");
    c->s = s;
    c->a = s->alloc;
    c->m = o->model ? o->model : iv__model_default();
    c->from = o->from;
    c->to = o->to;
    c->t_ref = o->t_ref != IV_TIME_NONE ? o->t_ref
             : o->to != IV_TIME_NONE ? o->to
             : (s->nrows ? s->ts_max + 1 : 0);
    c->progress = o->progress;
    c->payload = o->payload;
    c->threads = o->threads;
    c->half_life_ms = iv__model_half_life_days(c->m) * (double)IV__MS_PER_DAY;
    for (i = 0; i < 4; i++) {
        c->qf[i] = iv__model_outcome_factor(c->m, (int)i);
        c->qfix[i] = iv__fix_of(c->qf[i]);
    }
    nt = s->type.pool.count;
    nc = s->channel.pool.count;
    c->ti = iv__calloc(&c->a, nt, sizeof *c->ti);
    c->type_stage = iv__calloc(&c->a, nt, 1);
    c->ci = iv__calloc(&c->a, nc, sizeof *c->ci);
    c->cost_fix = iv__calloc(&c->a, nc, sizeof *c->cost_fix);
    c->rs.count = iv__calloc(&c->a, nt, sizeof *c->rs.count);
    c->rs.cap_day = iv__malloc(&c->a, nt * sizeof *c->rs.cap_day);
    c->rs.cap_used = iv__calloc(&c->a, nt, sizeof *c->rs.cap_used);
    c->rs.touched = iv__malloc(&c->a, nt * sizeof *c->rs.touched);
    if (!c->ti || !c->type_stage || !c->ci || !c->cost_fix || !c->rs.count || !c->rs.cap_day || !c->rs.cap_used ||
        !c->rs.touched) {
        iv__ctx_free(c);
        return iv__nomem("a query");
    }
    for (i = 0; i < nt; i++) {
        iv__model_type(c->m, iv__pool_str(&s->type.pool, (uint32_t)i), iv__pool_len(&s->type.pool, (uint32_t)i), &c->ti[i]);
        c->type_stage[i] = (uint8_t)c->ti[i].stage;
        c->rs.cap_day[i] = INT64_MIN;
        if (i && (c->ti[i].rv_repeat != 1.0 || !isnan(c->ti[i].rv_daily_cap)))
            c->stateful = 1;
    }
    for (i = 0; i < nc; i++) {
        iv__model_channel(c->m, iv__pool_str(&s->channel.pool, (uint32_t)i), iv__pool_len(&s->channel.pool, (uint32_t)i), &c->ci[i]);
        c->cost_fix[i] = iv__fix_of(c->ci[i].cost);
    }
    if (o->where && *o->where) {
        if ((rc = iv__sel_compile(&c->sel, c, o->where))) {
            iv__ctx_free(c);
            return rc;
        }
        if (iv__sel_needs_contacts(c->sel) && (rc = iv__ctx_contacts(c))) {
            iv__ctx_free(c);
            return rc;
        }
    }
    return IV_OK;
}

static int iv__ctx_tick(const iv__ctx *c, size_t done, size_t total)
{
    if (c->progress && (done & 0xffff) == 0 && c->progress(done, total, c->payload))
        return iv__error(IV_ECANCELED, "query canceled by the progress callback");
    return IV_OK;
}

/* ------------------------------------------------------------ contacts --- */

int iv__ctx_contacts(iv__ctx *c)
{
    const iv_store *s = c->s;
    size_t nc = s->contacts.count, ci, k, nin = 0;
    double *profits, lo, hi, uhigh, upoor;
    int user;
    if (c->cat)
        return IV_OK;
    c->cat = iv__calloc(&c->a, nc, sizeof *c->cat);
    if (!c->cat)
        return iv__nomem("contact attributes");
    for (ci = 1; ci < nc; ci++) {
        iv__cattr *ca = &c->cat[ci];
        iv__i128 cost = 0, value = 0, rv = 0;
        const uint32_t *rows = s->idx_rows + s->idx_start[ci];
        size_t n = s->idx_start[ci + 1] - s->idx_start[ci];
        int cls = -1;
        ca->first = ca->last = IV_TIME_NONE;
        iv__ctx_contact_begin(c);
        for (k = 0; k < n; k++) {
            size_t r = rows[k];
            double u = iv__ctx_rv(c, r);
            int assumed;
            const iv__type_info *ti;
            if (!iv__ctx_in_range(c, s->ts[r]))
                continue;
            ti = &c->ti[iv__codes_get(&s->type.codes, r)];
            if (ca->first == IV_TIME_NONE)
                ca->first = s->ts[r];
            ca->last = s->ts[r];
            ca->n++;
            cost += iv__fix_of(iv__ctx_cost(c, r, &assumed));
            value += iv__fix_of(s->value[r]);
            rv += iv__fix_of(u);
            ca->stage = (uint8_t)iv__ctx_stage(c, r);
            ca->flags |= (uint8_t)ti->flags;
            if (IV__EN_OUTCOME(s->enums[r]) == IV_OUTCOME_UNDESIRED)
                ca->flags |= IV_FLAG_BAD_EXPERIENCE;
            if (ti->cls > cls)
                cls = ti->cls;
        }
        if (ca->n) {
            ca->cost = iv__fix_to_double(cost);
            ca->value = iv__fix_to_double(value);
            ca->rv = iv__fix_to_double(rv);
            ca->profit = iv__fix_to_double(value - cost);
            ca->role = cls == IV_CLASS_LEAD ? IV__ROLE_LEADER : cls == IV_CLASS_DO ? IV__ROLE_DOER
                                                                                : IV__ROLE_WATCHER;
            nin++;
        }
        if (iv__ctx_tick(c, ci, nc))
            return IV_ECANCELED;
    }
    /* Profit tiers: the model's thresholds when it sets them, else the tertiles of
     * profit among the contacts with an interaction in the range (doc/METRICS.md §Contacts and subsets). */
    user = iv__model_profit_thresholds(c->m, &uhigh, &upoor);
    if (user) {
        lo = upoor;
        hi = uhigh;
    } else if (nin) {
        profits = iv__malloc(&c->a, nin * sizeof *profits);
        if (!profits)
            return iv__nomem("profit tiers");
        for (ci = 1, k = 0; ci < nc; ci++)
            if (c->cat[ci].n)
                profits[k++] = c->cat[ci].profit;
        {
            const double p[2] = {1.0 / 3.0, 2.0 / 3.0};
            double q[2];
            iv__quantiles_sorted_p(profits, nin, p, 2, q); /* type 7, as numpy's default */
            lo = q[0];
            hi = q[1];
        }
        iv__free(&c->a, profits, nin * sizeof *profits);
    } else {
        lo = hi = 0;
    }
    for (ci = 1; ci < nc; ci++) {
        iv__cattr *ca = &c->cat[ci];
        if (!ca->n)
            continue;
        if (user)
            ca->tier = ca->profit >= hi ? IV__TIER_HIGH : ca->profit <= lo ? IV__TIER_POOR : IV__TIER_NORMAL;
        else
            ca->tier = ca->profit > hi ? IV__TIER_HIGH : ca->profit < lo ? IV__TIER_POOR : IV__TIER_NORMAL;
    }
    return IV_OK;
}

/* ------------------------------------------------------------ keys ------- */

static inline uint32_t iv__key_code(const iv__keyer *k, const iv__ctx *c, size_t row)
{
    const iv_store *s = c->s;
    switch (k->kind) {
    case IV__DIM_CHANNEL: return iv__codes_get(&s->channel.codes, row);
    case IV__DIM_TYPE: return iv__codes_get(&s->type.codes, row);
    case IV__DIM_TEAM: return iv__codes_get(&s->team.codes, row);
    case IV__DIM_CUSTOM: return iv__codes_get(&s->dims[k->custom].codes, row);
    case IV__DIM_CONTACT: return s->contact[row];
    case IV__DIM_ID: return s->id ? s->id[row] : 0;
    case IV__DIM_STAGE: return (uint32_t)iv__ctx_stage(c, row);
    case IV__DIM_AREA: return (uint32_t)iv__ctx_area(c, row);
    case IV__DIM_DIRECTION: return IV__EN_DIR(s->enums[row]);
    case IV__DIM_OUTCOME: return IV__EN_OUTCOME(s->enums[row]);
    case IV__DIM_PROFIT_TIER: return c->cat[s->contact[row]].tier;
    case IV__DIM_ROLE: return c->cat[s->contact[row]].role;
    case IV__DIM_CONTACT_STAGE: return c->cat[s->contact[row]].stage;
    default: return k->daycode[iv__day_of_ms(s->ts[row]) - k->day0];
    }
}

/* Label of a code; NULL for undefined. */
const char *iv__key_label(const iv__keyer *k, const iv__ctx *c, uint32_t code)
{
    const iv_store *s = c->s;
    if (code == 0)
        return NULL;
    switch (k->kind) {
    case IV__DIM_CHANNEL: return iv__pool_str(&s->channel.pool, code);
    case IV__DIM_TYPE: return iv__pool_str(&s->type.pool, code);
    case IV__DIM_TEAM: return iv__pool_str(&s->team.pool, code);
    case IV__DIM_CUSTOM: return iv__pool_str(&s->dims[k->custom].pool, code);
    case IV__DIM_CONTACT: return iv__pool_str(&s->contacts, code);
    case IV__DIM_ID: return iv__pool_str(&s->ids, code);
    case IV__DIM_STAGE:
    case IV__DIM_CONTACT_STAGE: return iv_enum_name(0, (int)code);
    case IV__DIM_AREA: return iv_enum_name(1, (int)code);
    case IV__DIM_DIRECTION: return iv_enum_name(2, (int)code);
    case IV__DIM_OUTCOME: return iv_enum_name(3, (int)code);
    case IV__DIM_PROFIT_TIER: return iv__tier_name((int)code);
    case IV__DIM_ROLE: return iv__role_name((int)code);
    default: return k->labels[code - 1];
    }
}

void iv__keyers_free(iv__keyer *ks, size_t n, const iv__alloc *a)
{
    size_t i;
    for (i = 0; i < n; i++) {
        iv__free(a, ks[i].daycode, ks[i].ndays * sizeof *ks[i].daycode);
        iv__free(a, ks[i].labels, ks[i].ndays * sizeof *ks[i].labels);
    }
    iv__free(a, ks, IV__MAX(n, 1) * sizeof *ks);
}

/* Parse the comma-separated `by` list into keyers (computing contact attributes when a
 * contact-level dimension is asked for). */
int iv__keyers_make(iv__ctx *c, const char *by, iv__keyer **out, size_t *nout)
{
    const iv_store *s = c->s;
    iv__keyer *ks;
    size_t n = 0, cap = 1, i;
    const char *p;
    int rc;
    *out = NULL;
    *nout = 0;
    if (by)
        for (p = by; *p; p++)
            cap += *p == ',';
    ks = iv__calloc(&c->a, cap, sizeof *ks);
    if (!ks)
        return iv__nomem("group keys");
    for (p = by; p && *p;) {
        const char *e = strchr(p, ','), *b = p;
        size_t len;
        iv__keyer *k;
        if (!e)
            e = p + strlen(p);
        while (b < e && (*b == ' ' || *b == '\t'))
            b++;
        len = (size_t)(e - b);
        while (len && (b[len - 1] == ' ' || b[len - 1] == '\t'))
            len--;
        p = *e ? e + 1 : e;
        if (len == 0)
            continue;
        k = &ks[n];
        if (iv__dim_lookup(s, b, len, &k->kind, &k->custom)) {
            iv__keyers_free(ks, n, &c->a);
            return iv__error(IV_ENOTFOUND, "unknown group dimension '%.*s'", (int)IV__MIN(len, 60), b);
        }
        for (i = 0; i < n; i++)
            if (ks[i].kind == k->kind && ks[i].custom == k->custom) {
                iv__keyers_free(ks, n, &c->a);
                return iv__error(IV_EINVAL, "group dimension '%.*s' given twice", (int)IV__MIN(len, 60), b);
            }
        n++;
        snprintf(k->name, sizeof k->name, "%s",
                 k->kind == IV__DIM_CUSTOM ? s->dim_names[k->custom] : "");
        if (k->kind != IV__DIM_CUSTOM) {
            size_t j;
            for (j = 0; j < sizeof iv__dims / sizeof iv__dims[0]; j++)
                if (iv__dims[j].kind == k->kind)
                    snprintf(k->name, sizeof k->name, "%s", iv__dims[j].name);
        }
        if (iv__dim_is_contact_level(k->kind) && (rc = iv__ctx_contacts(c))) {
            iv__keyers_free(ks, n, &c->a);
            return rc;
        }
        switch (k->kind) {
        case IV__DIM_CHANNEL: k->card = s->channel.pool.count; break;
        case IV__DIM_TYPE: k->card = s->type.pool.count; break;
        case IV__DIM_TEAM: k->card = s->team.pool.count; break;
        case IV__DIM_CUSTOM: k->card = s->dims[k->custom].pool.count; break;
        case IV__DIM_CONTACT: k->card = s->contacts.count; break;
        case IV__DIM_ID: k->card = s->ids.count; break;
        case IV__DIM_AREA: k->card = 9; break;
        case IV__DIM_DAY:
        case IV__DIM_WEEK:
        case IV__DIM_MONTH:
        case IV__DIM_QUARTER:
        case IV__DIM_YEAR: {
            int64_t d0 = s->nrows ? iv__day_of_ms(s->ts_min) : 0, d1 = s->nrows ? iv__day_of_ms(s->ts_max) : 0, d;
            char lab[32];
            k->day0 = d0;
            k->ndays = (size_t)(d1 - d0 + 1);
            k->daycode = iv__malloc(&c->a, k->ndays * sizeof *k->daycode);
            k->labels = iv__malloc(&c->a, k->ndays * sizeof *k->labels);
            if (!k->daycode || !k->labels) {
                iv__keyers_free(ks, n, &c->a);
                return iv__nomem("time buckets");
            }
            for (d = d0; d <= d1; d++) {
                iv__bucket_label(k->kind, d * IV__MS_PER_DAY, lab, sizeof lab);
                if (k->nlabels == 0 || strcmp(k->labels[k->nlabels - 1], lab) != 0) {
                    memcpy(k->labels[k->nlabels], lab, 16);
                    k->labels[k->nlabels][15] = '\0';
                    k->nlabels++;
                }
                k->daycode[d - d0] = (uint32_t)k->nlabels;
            }
            k->card = k->nlabels + 1;
            break;
        }
        default: k->card = 4; break;
        }
    }
    *out = ks;
    *nout = n;
    return IV_OK;
}

/* ------------------------------------------------------------ groups ----- */

void iv__groups_free(iv__groups *G, const iv__alloc *a)
{
    iv__free(a, G->g, G->cap * sizeof *G->g);
    iv__free(a, G->dense, G->ndense * sizeof *G->dense);
    iv__free(a, G->hkeys, G->nslots * sizeof *G->hkeys);
    iv__free(a, G->hvals, G->nslots * sizeof *G->hvals);
    memset(G, 0, sizeof *G);
}

static int iv__groups_init(iv__groups *G, const iv__alloc *a, const iv__keyer *ks, size_t nk)
{
    uint64_t space = 1;
    size_t i;
    int dense = 1;
    memset(G, 0, sizeof *G);
    for (i = 0; i < nk; i++) {
        if (ks[i].card && space > UINT64_MAX / ks[i].card)
            return iv__error(IV_ELIMIT, "too many combinations of group keys");
        space *= ks[i].card ? ks[i].card : 1;
    }
    if (space > (UINT64_C(1) << 22))
        dense = 0;
    if (dense) {
        G->ndense = (size_t)space;
        G->dense = iv__calloc(a, G->ndense, sizeof *G->dense);
        if (!G->dense)
            return iv__nomem("groups");
    } else {
        G->nslots = 1024;
        G->hkeys = iv__malloc(a, G->nslots * sizeof *G->hkeys);
        G->hvals = iv__calloc(a, G->nslots, sizeof *G->hvals);
        if (!G->hkeys || !G->hvals) {
            iv__groups_free(G, a);
            return iv__nomem("groups");
        }
    }
    return IV_OK;
}

static uint64_t iv__mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    return x;
}

/* Index of the group with key, created when absent; -1 on IV_ENOMEM. */
static long iv__groups_get(iv__groups *G, const iv__alloc *a, uint64_t key)
{
    size_t i = 0, mask;
    void *p;
    if (G->dense) {
        if (G->dense[key])
            return (long)G->dense[key] - 1;
    } else {
        mask = G->nslots - 1;
        for (i = iv__mix64(key) & mask; G->hvals[i]; i = (i + 1) & mask)
            if (G->hkeys[i] == key)
                return (long)G->hvals[i] - 1;
        if ((G->n + 1) * 2 > G->nslots) {
            size_t ns = G->nslots * 2, j;
            uint64_t *nk = iv__malloc(a, ns * sizeof *nk);
            uint32_t *nv = iv__calloc(a, ns, sizeof *nv);
            if (!nk || !nv) {
                iv__free(a, nk, ns * sizeof *nk);
                iv__free(a, nv, ns * sizeof *nv);
                iv__nomem("groups");
                return -1;
            }
            for (j = 0; j < G->nslots; j++)
                if (G->hvals[j]) {
                    size_t q = iv__mix64(G->hkeys[j]) & (ns - 1);
                    while (nv[q])
                        q = (q + 1) & (ns - 1);
                    nk[q] = G->hkeys[j];
                    nv[q] = G->hvals[j];
                }
            iv__free(a, G->hkeys, G->nslots * sizeof *G->hkeys);
            iv__free(a, G->hvals, G->nslots * sizeof *G->hvals);
            G->hkeys = nk;
            G->hvals = nv;
            G->nslots = ns;
            mask = ns - 1;
            for (i = iv__mix64(key) & mask; G->hvals[i]; i = (i + 1) & mask)
                ;
        }
    }
    p = G->g;
    if (iv__grow(a, &p, &G->cap, G->n + 1, sizeof *G->g))
        return -1;
    G->g = p;
    memset(&G->g[G->n], 0, sizeof *G->g);
    G->g[G->n].key = key;
    G->g[G->n].ord = (uint32_t)G->n;
    if (G->dense) {
        G->dense[key] = (uint32_t)G->n + 1;
    } else {
        G->hkeys[i] = key;
        G->hvals[i] = (uint32_t)G->n + 1;
    }
    return (long)G->n++;
}

static inline uint64_t iv__row_key(const iv__keyer *ks, size_t nk, const iv__ctx *c, size_t row)
{
    uint64_t key = 0;
    size_t i;
    for (i = 0; i < nk; i++)
        key = key * ks[i].card + iv__key_code(&ks[i], c, row);
    return key;
}

void iv__key_codes(const iv__keyer *ks, size_t nk, uint64_t key, uint32_t *codes)
{
    size_t i = nk;
    while (i-- > 0) {
        codes[i] = (uint32_t)(key % ks[i].card);
        key /= ks[i].card;
    }
}

/* Walk every selected row in contact-then-time order. fn is called with the row and
 * its RV units; returns non-zero to stop with that status. */
typedef int (*iv__row_fn)(iv__ctx *c, size_t row, uint32_t contact, double u, void *payload);

static int iv__walk(iv__ctx *c, iv__row_fn fn, void *payload)
{
    const iv_store *s = c->s;
    size_t nc = s->contacts.count, ci, k;
    int rc;
    for (ci = 1; ci < nc; ci++) {
        const uint32_t *rows = s->idx_rows + s->idx_start[ci];
        size_t n = s->idx_start[ci + 1] - s->idx_start[ci];
        iv__ctx_contact_begin(c);
        for (k = 0; k < n; k++) {
            size_t r = rows[k];
            double u;
            if (c->stateful) {
                u = iv__ctx_rv(c, r);
                if (!iv__ctx_in_range(c, s->ts[r]) || !iv__sel_row(c->sel, c, r))
                    continue;
            } else {
                if (!iv__ctx_in_range(c, s->ts[r]) || !iv__sel_row(c->sel, c, r))
                    continue;
                u = iv__ctx_rv(c, r);
            }
            if ((rc = fn(c, r, (uint32_t)ci, u, payload)))
                return rc;
        }
        if ((rc = iv__ctx_tick(c, ci, nc)))
            return rc;
    }
    return IV_OK;
}

typedef struct iv__gwalk {
    iv__groups *G;
    const iv__keyer *ks;
    size_t nk;
    iv__group_hook hook;
    void *hook_payload;
} iv__gwalk;

static int iv__group_row(iv__ctx *c, size_t r, uint32_t contact, double u, void *payload)
{
    iv__gwalk *w = payload;
    const iv_store *s = c->s;
    long gi = iv__groups_get(w->G, &c->a, iv__row_key(w->ks, w->nk, c, r));
    iv__group *g;
    int assumed, outcome = (int)IV__EN_OUTCOME(s->enums[r]);
    double cost;
    const iv__type_info *ti;
    if (gi < 0)
        return IV_ENOMEM;
    g = &w->G->g[gi];
    if (g->last_contact != contact) {
        g->last_contact = contact;
        g->acc.contacts++;
    }
    ti = &c->ti[iv__codes_get(&s->type.codes, r)];
    cost = s->cost[r];
    assumed = isnan(cost);
    if (assumed)
        cost = c->ci[iv__codes_get(&s->channel.codes, r)].cost;
    iv__gacc_add_fix(&g->acc, assumed ? c->cost_fix[iv__codes_get(&s->channel.codes, r)] : iv__fix_of(cost),
                     assumed, iv__fix_of(s->value[r]), c->qfix[outcome],
                     outcome == IV_OUTCOME_DESIRED ? 1 : outcome ? 2 : 0, u, iv__fix_of(u), ti->survey,
                     ti->survey ? iv__store_score(s, r) : (double)NAN);
    return w->hook ? w->hook(w->hook_payload, c, (size_t)gi, contact, r, u, cost) : IV_OK;
}

/* Sort groups by their key labels (byte order, undefined last). */
typedef struct iv__gsort {
    const iv__keyer *ks;
    size_t nk;
    const iv__ctx *c;
} iv__gsort;
static _Thread_local const iv__gsort *iv__gs;

static int iv__cmp_groups(const void *pa, const void *pb)
{
    const iv__group *a = pa, *b = pb;
    uint32_t ca[IV_MAX_DIMS + 20], cb[IV_MAX_DIMS + 20];
    size_t i;
    iv__key_codes(iv__gs->ks, iv__gs->nk, a->key, ca);
    iv__key_codes(iv__gs->ks, iv__gs->nk, b->key, cb);
    for (i = 0; i < iv__gs->nk; i++) {
        const char *la = iv__key_label(&iv__gs->ks[i], iv__gs->c, ca[i]);
        const char *lb = iv__key_label(&iv__gs->ks[i], iv__gs->c, cb[i]);
        int r;
        if (!la || !lb) {
            if (la != lb)
                return la ? -1 : 1;
            continue;
        }
        if ((r = strcmp(la, lb)) != 0)
            return r;
    }
    return 0;
}

/* Run the grouping: G receives the sorted groups. */
/* The grouping loop of iv__group_row, fused and specialised for the common case (no
 * hook, no RV history state, no half-life): RV units and their fixed-point values come
 * from per-type tables, and nothing is called through a pointer. Same results as the
 * general walk, row for row. */
typedef struct iv__fastjob {
    const iv__ctx *c;
    const iv__keyer *ks;
    size_t nk;
    iv__groups *G;
    const iv__i128 *rvfix;
    size_t c0, c1;          /* contact ids [c0, c1) */
    int tick;               /* call the progress callback (one job only) */
    int rc;
} iv__fastjob;

/* The key of a row for the fused loop: the dimensions that are plain code columns or
 * time buckets read from local copies (the writes into the groups could otherwise alias
 * the store's fields and force a reload of every pointer per row); anything else falls
 * back to iv__key_code. */
typedef struct iv__fastkey {
    iv__codes codes;        /* code columns */
    const uint32_t *daycode;/* time buckets */
    int64_t day0;
    uint64_t card;
    int how;                /* 0 codes, 1 bucket, 2 general */
} iv__fastkey;

static int iv__group_fast_range(iv__fastjob *j)
{
    const iv__ctx *c = j->c;
    const iv__keyer *ks = j->ks;
    size_t nk = j->nk, nc = c->s->contacts.count, ci, k, d;
    iv__groups *G = j->G;
    const iv__i128 *rvfix = j->rvfix;
    const iv_store *s = c->s;
    /* local copies of everything read per row */
    const int64_t *ts = s->ts, from = c->from, to = c->to;
    const double *costs = s->cost, *values = s->value;
    const uint16_t *enums = s->enums;
    const uint32_t *idx_rows = s->idx_rows, *idx_start = s->idx_start;
    const iv__codes tcodes = s->type.codes, chcodes = s->channel.codes, rvcodes = s->rv.codes;
    const iv__type_info *tis = c->ti;
    const iv__i128 *cost_fix = c->cost_fix;
    const iv__sel *sel = c->sel;
    uint32_t *dense = G->dense;
    iv__i128 qfix[4];
    iv__fastkey fk[IV_MAX_DIMS + 20];
    int rc = IV_OK;
    memcpy(qfix, c->qfix, sizeof qfix);
    for (d = 0; d < nk; d++) {
        const iv__keyer *kd = &ks[d];
        fk[d].card = kd->card;
        fk[d].how = 2;
        switch (kd->kind) {
        case IV__DIM_CHANNEL: fk[d].codes = s->channel.codes; fk[d].how = 0; break;
        case IV__DIM_TYPE: fk[d].codes = s->type.codes; fk[d].how = 0; break;
        case IV__DIM_TEAM: fk[d].codes = s->team.codes; fk[d].how = 0; break;
        case IV__DIM_CUSTOM: fk[d].codes = s->dims[kd->custom].codes; fk[d].how = 0; break;
        case IV__DIM_DAY:
        case IV__DIM_WEEK:
        case IV__DIM_MONTH:
        case IV__DIM_QUARTER:
        case IV__DIM_YEAR:
            fk[d].daycode = kd->daycode;
            fk[d].day0 = kd->day0;
            fk[d].how = 1;
            break;
        default: break;
        }
    }
    for (ci = j->c0; ci < j->c1 && rc == IV_OK; ci++) {
        const uint32_t *rows = idx_rows + idx_start[ci];
        size_t n = idx_start[ci + 1] - idx_start[ci];
        for (k = 0; k < n; k++) {
            size_t r = rows[k];
            uint32_t ty, rvc;
            const iv__type_info *ti;
            double u, cost, value;
            int64_t t = ts[r];
            uint64_t key = 0;
            iv__i128 ufix;
            int outcome, assumed;
            long gi;
            iv__group *g;
            if ((from != IV_TIME_NONE && t < from) || (to != IV_TIME_NONE && t >= to) ||
                (sel && !iv__sel_row(sel, c, r)))
                continue;
            ty = iv__codes_get(&tcodes, r);
            ti = &tis[ty];
            rvc = iv__codes_get(&rvcodes, r);
            if (rvc) {
                memcpy(&u, iv__pool_str(&s->rv.pool, rvc), sizeof u);
                ufix = iv__fix_of(u);
            } else if (ti->survey) {
                u = iv__model_survey_rv(ti, iv__store_score(s, r));
                ufix = iv__fix_of(u);
            } else {
                u = ti->rv;
                ufix = rvfix[ty];
            }
            for (d = 0; d < nk; d++) {
                uint32_t code;
                if (fk[d].how == 0)
                    code = iv__codes_get(&fk[d].codes, r);
                else if (fk[d].how == 1)
                    code = fk[d].daycode[iv__day_of_ms(t) - fk[d].day0];
                else
                    code = iv__key_code(&ks[d], c, r);
                key = key * fk[d].card + code;
            }
            gi = dense && dense[key] ? (long)dense[key] - 1 : iv__groups_get(G, &c->a, key);
            if (gi < 0) {
                rc = iv__nomem("groups");
                break;
            }
            dense = G->dense;
            g = &G->g[gi];
            if (g->last_contact != ci) {
                g->last_contact = (uint32_t)ci;
                g->acc.contacts++;
            }
            cost = costs[r];
            value = values[r];
            outcome = (int)IV__EN_OUTCOME(enums[r]);
            assumed = cost != cost;
            iv__gacc_add_fix(&g->acc, assumed ? cost_fix[iv__codes_get(&chcodes, r)] : iv__fix_of(cost),
                             assumed, iv__fix_of(value), qfix[outcome],
                             outcome == IV_OUTCOME_DESIRED ? 1 : outcome ? 2 : 0, u, ufix, ti->survey,
                             ti->survey ? iv__store_score(s, r) : (double)NAN);
        }
        if (rc == IV_OK && j->tick)
            rc = iv__ctx_tick(c, ci, nc);
    }
    j->rc = rc;
    return rc;
}

/* POSIX threads rather than C11 <threads.h>: the sanitizers (clang 14's TSan and ASan)
 * intercept pthread_create only, and crash in a thread started by thrd_create. */
static void *iv__group_fast_thread(void *arg)
{
    iv__group_fast_range(arg);
    return NULL;
}

/* Fold the groups of `from` into `into` (exact: integer sums; the contact sets of two
 * jobs are disjoint, so distinct counts add). */
static int iv__groups_absorb(iv__groups *into, const iv__groups *from, const iv__alloc *a)
{
    size_t i;
    for (i = 0; i < from->n; i++) {
        long gi = iv__groups_get(into, a, from->g[i].key);
        if (gi < 0)
            return IV_ENOMEM;
        iv__gacc_merge(&into->g[gi].acc, &from->g[i].acc);
    }
    return IV_OK;
}

#define IV__MAX_THREADS 16

/* While worker threads run, the context's allocator goes through this lock, so that the
 * user's hook (a lua_Alloc-style function, not required to be thread-safe) is never
 * entered by two threads at once. */
typedef struct iv__locked_alloc {
    pthread_mutex_t mu;
    iv__alloc inner;
} iv__locked_alloc;

static void *iv__locked_alloc_fn(void *ud, void *ptr, size_t osize, size_t nsize)
{
    iv__locked_alloc *l = ud;
    void *p;
    pthread_mutex_lock(&l->mu);
    p = l->inner.fn(l->inner.ud, ptr, osize, nsize);
    pthread_mutex_unlock(&l->mu);
    return p;
}

static int iv__group_fast(iv__ctx *c, const iv__keyer *ks, size_t nk, iv__groups *G)
{
    const iv_store *s = c->s;
    size_t nt = s->type.pool.count, nc = s->contacts.count, t, nj, i;
    iv__i128 *rvfix = iv__malloc(&c->a, nt * sizeof *rvfix);
    iv__fastjob jobs[IV__MAX_THREADS];
    iv__groups extra[IV__MAX_THREADS];
    pthread_t th[IV__MAX_THREADS];
    int started[IV__MAX_THREADS] = {0};
    int rc = IV_OK;
    if (!rvfix)
        return iv__nomem("groups");
    for (t = 0; t < nt; t++)
        rvfix[t] = iv__fix_of(c->ti[t].rv);
    /* split the contacts into jobs of about equal row counts; small stores run alone */
    nj = c->threads > 1 ? IV__MIN(c->threads, IV__MAX_THREADS) : 1;
    if (s->nrows < 200000)
        nj = 1;
    memset(extra, 0, sizeof extra);
    for (i = 0; i < nj; i++) {
        size_t target = s->nrows * i / nj, lo = 1, hi = nc;
        jobs[i].c = c;
        jobs[i].ks = ks;
        jobs[i].nk = nk;
        jobs[i].rvfix = rvfix;
        jobs[i].tick = i == 0;
        jobs[i].rc = IV_OK;
        /* first contact whose rows start at or after the target (binary search) */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (s->idx_start[mid] < target)
                lo = mid + 1;
            else
                hi = mid;
        }
        jobs[i].c0 = i == 0 ? 1 : lo;
        if (i)
            jobs[i - 1].c1 = jobs[i].c0;
        jobs[i].G = i == 0 ? G : &extra[i];
        if (i && (rc = iv__groups_init(&extra[i], &c->a, ks, nk)))
            break;
    }
    if (rc == IV_OK) {
        iv__locked_alloc lock;
        int locked = nj > 1 && pthread_mutex_init(&lock.mu, NULL) == 0;
        if (locked) {
            lock.inner = c->a;
            c->a.fn = iv__locked_alloc_fn;
            c->a.ud = &lock;
        }
        jobs[nj - 1].c1 = nc > 1 ? nc : 1;
        for (i = 1; i < nj && locked; i++)
            started[i] = pthread_create(&th[i], NULL, iv__group_fast_thread, &jobs[i]) == 0;
        iv__group_fast_range(&jobs[0]);
        for (i = 1; i < nj; i++) {
            if (started[i])
                pthread_join(th[i], NULL);
            else
                iv__group_fast_range(&jobs[i]); /* no thread to be had: run it here */
        }
        if (locked) {
            c->a = lock.inner;
            pthread_mutex_destroy(&lock.mu);
        }
        for (i = 0; i < nj && rc == IV_OK; i++)
            rc = jobs[i].rc;
        for (i = 1; i < nj && rc == IV_OK; i++)
            rc = iv__groups_absorb(G, &extra[i], &c->a);
        if (rc == IV_ENOMEM)
            rc = iv__nomem("groups");
    }
    for (i = 1; i < nj; i++)
        iv__groups_free(&extra[i], &c->a);
    iv__free(&c->a, rvfix, nt * sizeof *rvfix);
    return rc;
}

int iv__group_run(iv__ctx *c, const iv__keyer *ks, size_t nk, iv__groups *G,
                  iv__group_hook hook, void *hook_payload)
{
    iv__gwalk w;
    iv__gsort gs;
    int rc;
    if ((rc = iv__groups_init(G, &c->a, ks, nk)))
        return rc;
    w.G = G;
    w.ks = ks;
    w.nk = nk;
    w.hook = hook;
    w.hook_payload = hook_payload;
    rc = !hook && !c->stateful && isnan(c->half_life_ms) ? iv__group_fast(c, ks, nk, G)
                                                         : iv__walk(c, iv__group_row, &w);
    if (rc) {
        iv__groups_free(G, &c->a);
        return rc == IV_ENOMEM ? iv__nomem("groups") : rc;
    }
    if (nk == 0 && G->n == 0 && iv__groups_get(G, &c->a, 0) < 0) {
        iv__groups_free(G, &c->a);
        return IV_ENOMEM;
    }
    gs.ks = ks;
    gs.nk = nk;
    gs.c = c;
    iv__gs = &gs;
    if (G->n > 1) /* qsort(NULL, 0, ...) is undefined (found by fuzz_select under UBSan) */
        qsort(G->g, G->n, sizeof *G->g, iv__cmp_groups);
    iv__gs = NULL;
    return IV_OK;
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
    if ((rc = iv__ctx_init(&q->c, s, o)))
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
        iv__gsort gs;
        gs.ks = cur.ks;
        gs.nk = cur.nk;
        gs.c = &cur.c;
        iv__gs = &gs;
        if (i < cur.G.n && j < prev.G.n)
            cmp = iv__cmp_groups(&cur.G.g[i], &prev.G.g[j]);
        else
            cmp = i < cur.G.n ? -1 : 1;
        iv__gs = NULL;
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
        const char *st = iv_enum_name(0, ca->stage), *tier = iv__tier_name(ca->tier),
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
