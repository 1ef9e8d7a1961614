/* Dimensions: names and kinds, the lookup of a name, the labels of time buckets and of
 * community roles and profit tiers. */
#include <stdio.h>

#include "dim.h"
#include "timefmt.h"

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

const char *iv__dim_name(iv__dimkind kind)
{
    size_t i;
    for (i = 0; i < sizeof iv__dims / sizeof iv__dims[0]; i++)
        if (iv__dims[i].kind == kind)
            return iv__dims[i].name;
    return "";
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
