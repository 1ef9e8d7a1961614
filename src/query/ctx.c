/* The evaluation context of a query: the model's lookups per type and channel, a row's
 * cost, effective stage and area, RV units along each contact's history, and the contact
 * attributes (doc/METRICS.md §Contacts and subsets). */
#include <math.h>
#include <stdlib.h>

#include "ctx.h"
#include "quantile.h"
#include "timefmt.h"

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

void iv__ctx_release(iv__ctx *c)
{
    size_t nt = c->s ? c->s->type.pool.count : 0, nc = c->s ? c->s->channel.pool.count : 0;
    if (!c->s)
        return;
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

int iv__ctx_setup(iv__ctx *c, const iv_store *s, const iv_query_options *o)
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
        iv__ctx_release(c);
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
    return IV_OK;
}

/* ------------------------------------------------------------ contacts --- */

int iv__ctx_contacts(iv__ctx *c)
{
    const iv_store *s = c->s;
    size_t nc = s->contacts.count, ci, k, nin = 0;
    double *profits, lo, hi, uhigh, upoor;
    int user, rc;
    if (c->cat)
        return IV_OK;
    if ((rc = iv__store_index(s)))
        return rc;
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
