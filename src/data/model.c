/* The scoring model (doc/MODEL.md): the built-in default, lookups for the query engine,
 * setters and getters, and the INI-style text format (doc/MODEL.md). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "model.h"
#include "vocab.h"
#include "wire.h"
#include "numparse.h"
#include "text.h"

/* Every table entry starts with its name, so one binary search serves both tables. */
typedef struct entry_key {
    const char *name; /* NUL-terminated; a string literal for built-in entries */
    size_t len;
    int owned;        /* 1 when name was allocated through the model's allocator */
} entry_key;

typedef struct type_entry {
    entry_key key;
    iv__type_info info;
} type_entry;

typedef struct channel_entry {
    entry_key key;
    double cost;      /* NaN: the model's default_cost */
    int digital;
    int area;
} channel_entry;

/* Another name for a type or channel (doc/MODEL.md, Names): scored as its entry. */
typedef struct alias_entry {
    entry_key key;    /* the alias, in normal form (always owned) */
    char *target;     /* the entry's name (an owned copy) */
    size_t tlen;
} alias_entry;

/* One alias table (sorted by alias name, byte order). */
typedef struct alias_table {
    alias_entry *a;
    size_t n, cap;
} alias_table;

struct iv_model {
    iv__alloc alloc;
    type_entry *types;        /* sorted by name, byte order */
    size_t ntypes, cap_types;
    channel_entry *channels;  /* sorted by name, byte order */
    size_t nchannels, cap_channels;
    double outcome[3];        /* factor for desired, neutral, undesired */
    double default_cost;
    double half_life_days;    /* NaN: none, RV is cumulative */
    double activity_window_days;
    double profit_high;       /* NaN: not set */
    double profit_poor;       /* NaN: not set */
    alias_table taliases;     /* aliases of types */
    alias_table caliases;     /* aliases of channels */
};

/* ---------------------------------------------------------------------------------
 * The built-in default (doc/MODEL.md). Both tables are written in byte order of the names,
 * which the binary search relies on (a test checks every name is found). */

/* RV units: CRM behaviour-scoring practice (Marketo, Pardot, Adobe) as listed in doc/MODEL.md. */
#define DEF_TYPE(nm, rv, stage, cls, flags) \
    { { nm, sizeof nm - 1, 0 }, \
      { 1, rv, IV_SURVEY_NONE, { -20.0, 0.0, 20.0 }, stage, cls, flags, 1.0, NAN } }
/* Survey types score by the band of the answer: low -20, mid 0, high +20 (doc/MODEL.md). */
#define DEF_SURVEY(nm, kind) \
    { { nm, sizeof nm - 1, 0 }, \
      { 1, 0.0, kind, { -20.0, 0.0, 20.0 }, IV_STAGE_RETENTION, IV_CLASS_WATCH, 0u, 1.0, NAN } }

#define ACQ IV_STAGE_ACQUISITION
#define CLO IV_STAGE_CLOSING
#define RET IV_STAGE_RETENTION

static const type_entry default_types[] = {
    DEF_SURVEY("ces", IV_SURVEY_CES),
    DEF_TYPE("click", 3.0, ACQ, IV_CLASS_WATCH, 0u),
    DEF_TYPE("complaint", -40.0, RET, IV_CLASS_DO, IV_FLAG_BAD_EXPERIENCE | IV_FLAG_SUPPORT),
    DEF_TYPE("cross_sell", 80.0, RET, IV_CLASS_DO, IV_FLAG_PURCHASE | IV_FLAG_CROSS_SELL),
    DEF_SURVEY("csat", IV_SURVEY_CSAT),
    DEF_TYPE("demo", 60.0, CLO, IV_CLASS_DO, 0u),
    DEF_TYPE("discontinue", -100.0, RET, IV_CLASS_WATCH, IV_FLAG_CHURN),
    DEF_TYPE("download", 5.0, ACQ, IV_CLASS_DO, 0u),
    DEF_TYPE("event", 60.0, ACQ, IV_CLASS_DO, 0u),
    DEF_SURVEY("nps", IV_SURVEY_NPS),
    DEF_TYPE("open", 1.0, ACQ, IV_CLASS_WATCH, 0u),
    DEF_TYPE("purchase", 100.0, CLO, IV_CLASS_DO, IV_FLAG_PURCHASE),
    DEF_TYPE("refer", 60.0, RET, IV_CLASS_LEAD, IV_FLAG_REFER),
    DEF_TYPE("renewal", 100.0, RET, IV_CLASS_DO, IV_FLAG_PURCHASE),
    DEF_TYPE("repeat", 100.0, RET, IV_CLASS_DO, IV_FLAG_PURCHASE | IV_FLAG_REPEAT),
    DEF_TYPE("reply", 40.0, ACQ, IV_CLASS_DO, 0u),
    DEF_TYPE("share", 25.0, ACQ, IV_CLASS_DO, 0u),
    DEF_TYPE("signup", 40.0, ACQ, IV_CLASS_DO, 0u),
    DEF_TYPE("support", 0.0, RET, IV_CLASS_WATCH, IV_FLAG_SUPPORT),
    DEF_TYPE("unsubscribe", -50.0, RET, IV_CLASS_WATCH, 0u),
    DEF_TYPE("upsell", 80.0, RET, IV_CLASS_DO, IV_FLAG_PURCHASE | IV_FLAG_UPSELL),
    DEF_TYPE("visit", 1.0, ACQ, IV_CLASS_WATCH, 0u),
};

/* Costs per transaction: Socitm local-government figures (face_to_face 8.62, phone 2.83,
 * web 0.15), PwC councils study (post 12.10), Socitm North West (ivr 0.20). The other
 * built-in channels have no published figure and use default_cost (NaN here). */
#define DEF_CHANNEL(nm, cost, digital, area) { { nm, sizeof nm - 1, 0 }, cost, digital, area }

static const channel_entry default_channels[] = {
    DEF_CHANNEL("app", NAN, 1, IV_AREA_EXPERIENCE),
    DEF_CHANNEL("chat", NAN, 1, IV_AREA_ENGAGEMENT),
    DEF_CHANNEL("email", NAN, 1, IV_AREA_CONTENT),
    DEF_CHANNEL("face_to_face", 8.62, 0, IV_AREA_ENGAGEMENT),
    DEF_CHANNEL("ivr", 0.20, 1, IV_AREA_CHANNELS),
    DEF_CHANNEL("phone", 2.83, 0, IV_AREA_ENGAGEMENT),
    DEF_CHANNEL("post", 12.10, 0, IV_AREA_CHANNELS),
    DEF_CHANNEL("sms", NAN, 1, IV_AREA_CHANNELS),
    DEF_CHANNEL("social", NAN, 1, IV_AREA_CONTENT),
    DEF_CHANNEL("web", 0.15, 1, IV_AREA_EXPERIENCE),
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Never written: every mutating function takes a non-const iv_model, which callers only
 * get from iv_model_new() and friends. */
static const iv_model default_model = {
    { iv__default_alloc, NULL }, /* only iv_model_to_string() allocates through it */
    (type_entry *)default_types, NELEM(default_types), 0,
    (channel_entry *)default_channels, NELEM(default_channels), 0,
    { 1.0, 0.5, 0.0 },
    1.0, NAN, 90.0, NAN, NAN,
    { NULL, 0, 0 }, { NULL, 0, 0 },
};

const iv_model *iv__model_default(void)
{
    return &default_model;
}

/* ---------------------------------------------------------------------------------
 * Lookups */

static int name_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t k = an < bn ? an : bn;
    int c = k ? memcmp(a, b, k) : 0;
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

/* Binary search in a sorted table of count entries of esz bytes, each starting with an
 * entry_key. Returns the index of the name, or where it would go with *found = 0. */
static size_t find_entry(const void *base, size_t count, size_t esz, const char *s, size_t n,
                         int *found)
{
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const entry_key *k = (const entry_key *)(const void *)((const char *)base + mid * esz);
        int c = name_cmp(k->name, k->len, s, n);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}

/* The entry a name stands for in a table (esz bytes per entry) with its aliases: the
 * name in normal form (vocab.h), then as an alias. Returns the index or -1. */
static long find_named(const iv_model *m, const void *base, size_t count, size_t esz,
                       const alias_table *al, const char *s, size_t n)
{
    char buf[IV__VOCAB_STACK];
    iv__vname t;
    int found;
    size_t i;
    if (iv__vocab_tmp(&t, &m->alloc, buf, s, n) != IV_OK)
        return -1; /* out of memory on a name over 256 bytes: not found */
    i = find_entry(base, count, esz, t.p, t.n, &found);
    if (!found && al->n) {
        size_t k = find_entry(al->a, al->n, sizeof *al->a, t.p, t.n, &found);
        if (found)
            i = find_entry(base, count, esz, al->a[k].target, al->a[k].tlen, &found);
    }
    iv__vocab_tmp_free(&t, &m->alloc);
    return found ? (long)i : -1;
}

static const type_entry *find_type(const iv_model *m, const char *s, size_t n)
{
    long i = find_named(m, m->types, m->ntypes, sizeof *m->types, &m->taliases, s, n);
    return i >= 0 ? &m->types[i] : NULL;
}

static const channel_entry *find_channel(const iv_model *m, const char *s, size_t n)
{
    long i = find_named(m, m->channels, m->nchannels, sizeof *m->channels, &m->caliases, s, n);
    return i >= 0 ? &m->channels[i] : NULL;
}

static const iv__type_info unknown_type = {
    0, 0.0, IV_SURVEY_NONE, { -20.0, 0.0, 20.0 }, IV_STAGE_NONE, IV_CLASS_WATCH, 0u, 1.0, NAN
};

void iv__model_type(const iv_model *m, const char *type, size_t n, iv__type_info *out)
{
    const type_entry *e = find_type(m ? m : &default_model, type, n);
    *out = e ? e->info : unknown_type;
}

void iv__model_channel(const iv_model *m, const char *ch, size_t n, iv__channel_info *out)
{
    const channel_entry *e;
    if (!m)
        m = &default_model;
    e = find_channel(m, ch, n);
    out->known = e != NULL;
    out->cost = e && !isnan(e->cost) ? e->cost : m->default_cost;
    out->digital = e ? e->digital : 0;
    out->area = e ? e->area : IV_AREA_CHANNELS;
}

/* Band cuts of doc/MODEL.md, the same as the metrics of doc/METRICS.md: NPS promoters >= 9 and
 * detractors <= 6 (Reichheld 2003, "The One Number You Need to Grow"); CSAT satisfied
 * 4-5 of 5; CES "easy" 5-7 of 7. */
double iv__model_survey_rv(const iv__type_info *ti, double score)
{
    static const double high_min[4] = { 0.0, 9.0, 4.0, 5.0 };
    static const double low_max[4] = { 0.0, 6.0, 2.0, 3.0 };
    int k = ti->survey;
    if (k <= IV_SURVEY_NONE || k > IV_SURVEY_CES || isnan(score))
        return ti->rv;
    if (score >= high_min[k])
        return ti->rv_band[2];
    if (score <= low_max[k])
        return ti->rv_band[0];
    return ti->rv_band[1];
}

double iv__model_outcome_factor(const iv_model *m, int outcome)
{
    if (!m)
        m = &default_model;
    switch (outcome) {
    case IV_OUTCOME_DESIRED: return m->outcome[0];
    case IV_OUTCOME_NONE:
    case IV_OUTCOME_NEUTRAL: return m->outcome[1];
    case IV_OUTCOME_UNDESIRED: return m->outcome[2];
    default: return NAN;
    }
}

double iv__model_default_cost(const iv_model *m)
{
    return (m ? m : &default_model)->default_cost;
}

double iv__model_half_life_days(const iv_model *m)
{
    return (m ? m : &default_model)->half_life_days;
}

double iv__model_activity_window_days(const iv_model *m)
{
    return (m ? m : &default_model)->activity_window_days;
}

int iv__model_profit_thresholds(const iv_model *m, double *high, double *poor)
{
    int set;
    if (!m)
        m = &default_model;
    set = !isnan(m->profit_high) && !isnan(m->profit_poor);
    *high = set ? m->profit_high : NAN;
    *poor = set ? m->profit_poor : NAN;
    return set;
}

/* ---------------------------------------------------------------------------------
 * Construction */

static int check_opts(const iv_model_options *opts)
{
    if (!opts)
        return IV_OK;
    return iv__check_options(opts, opts->size, sizeof(iv_model_options),
                             sizeof(iv_model_options), "iv_model_options");
}

IV_API int iv_model_options_init(iv_model_options *opts, size_t size)
{
    IV__OPTIONS_INIT(iv_model_options, IV_MODEL_OPTIONS_INIT, opts, size, sizeof(iv_model_options));
}

static void free_names(const iv__alloc *a, void *base, size_t count, size_t esz)
{
    size_t i;
    for (i = 0; i < count; i++) {
        entry_key *k = (entry_key *)(void *)((char *)base + i * esz);
        if (k->owned)
            iv__free(a, (char *)k->name, k->len + 1);
    }
}

static void alias_free_one(const iv__alloc *a, alias_entry *e)
{
    iv__free(a, (char *)e->key.name, e->key.len + 1);
    iv__free(a, e->target, e->tlen + 1);
}

static void clear_aliases(const iv__alloc *a, alias_table *t)
{
    size_t i;
    for (i = 0; i < t->n; i++)
        alias_free_one(a, &t->a[i]);
    t->n = 0;
}

static void clear_tables(iv_model *m)
{
    free_names(&m->alloc, m->types, m->ntypes, sizeof *m->types);
    free_names(&m->alloc, m->channels, m->nchannels, sizeof *m->channels);
    clear_aliases(&m->alloc, &m->taliases);
    clear_aliases(&m->alloc, &m->caliases);
    m->ntypes = 0;
    m->nchannels = 0;
}

IV_API void iv_model_free(iv_model *m)
{
    iv__alloc a;
    if (!m)
        return;
    a = m->alloc;
    clear_tables(m);
    iv__free(&a, m->types, m->cap_types * sizeof *m->types);
    iv__free(&a, m->channels, m->cap_channels * sizeof *m->channels);
    iv__free(&a, m->taliases.a, m->taliases.cap * sizeof *m->taliases.a);
    iv__free(&a, m->caliases.a, m->caliases.cap * sizeof *m->caliases.a);
    iv__free(&a, m, sizeof *m);
}

/* Copy count entries into a fresh array; built-in names are shared, owned ones copied. */
static int copy_table(const iv__alloc *a, void **dst, size_t *cap, const void *src,
                      size_t count, size_t esz)
{
    size_t i;
    char *d;
    if (count == 0)
        return IV_OK;
    d = iv__calloc(a, count, esz);
    if (!d)
        return iv__nomem("model table");
    memcpy(d, src, count * esz);
    for (i = 0; i < count; i++) {
        entry_key *k = (entry_key *)(void *)(d + i * esz);
        if (k->owned) {
            char *nm = iv__strndup(a, k->name, k->len);
            if (!nm) {
                size_t j;
                for (j = i; j < count; j++)
                    ((entry_key *)(void *)(d + j * esz))->owned = 0;
                free_names(a, d, i, esz);
                iv__free(a, d, count * esz);
                return iv__nomem("model name");
            }
            k->name = nm;
        }
    }
    *dst = d;
    *cap = count;
    return IV_OK;
}

/* Deep copy of an alias table into an empty one. */
static int copy_aliases(const iv__alloc *a, alias_table *dst, const alias_table *src)
{
    size_t i;
    if (src->n == 0)
        return IV_OK;
    dst->a = iv__calloc(a, src->n, sizeof *dst->a);
    if (!dst->a)
        return iv__nomem("model aliases");
    dst->cap = src->n;
    for (i = 0; i < src->n; i++) {
        alias_entry *e = &dst->a[i];
        const alias_entry *f = &src->a[i];
        char *nm = iv__strndup(a, f->key.name, f->key.len);
        char *tg = nm ? iv__strndup(a, f->target, f->tlen) : NULL;
        if (!tg) {
            iv__free(a, nm, f->key.len + 1);
            return iv__nomem("model alias");
        }
        e->key.name = nm;
        e->key.len = f->key.len;
        e->key.owned = 1;
        e->target = tg;
        e->tlen = f->tlen;
        dst->n = i + 1;
    }
    return IV_OK;
}

static int model_clone(iv_model **out, const iv_model *src, const iv_model_options *opts)
{
    iv__alloc a;
    iv_model *m;
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_model: out is NULL");
    *out = NULL;
    if ((rc = check_opts(opts)) != IV_OK)
        return rc;
    iv__alloc_init(&a, opts ? opts->alloc : NULL, opts ? opts->alloc_ud : NULL);
    m = iv__malloc(&a, sizeof *m);
    if (!m)
        return iv__nomem("model");
    *m = *src;
    m->alloc = a;
    m->types = NULL;
    m->channels = NULL;
    m->ntypes = m->nchannels = m->cap_types = m->cap_channels = 0;
    memset(&m->taliases, 0, sizeof m->taliases);
    memset(&m->caliases, 0, sizeof m->caliases);
    rc = copy_table(&a, (void **)&m->types, &m->cap_types, src->types, src->ntypes,
                    sizeof *src->types);
    if (rc == IV_OK) {
        m->ntypes = src->ntypes;
        rc = copy_table(&a, (void **)&m->channels, &m->cap_channels, src->channels,
                        src->nchannels, sizeof *src->channels);
    }
    if (rc == IV_OK) {
        m->nchannels = src->nchannels;
        rc = copy_aliases(&a, &m->taliases, &src->taliases);
    }
    if (rc == IV_OK)
        rc = copy_aliases(&a, &m->caliases, &src->caliases);
    if (rc != IV_OK) {
        iv_model_free(m);
        return rc;
    }
    *out = m;
    return IV_OK;
}

IV_API int iv_model_new(iv_model **out, const iv_model_options *opts)
{
    return model_clone(out, &default_model, opts);
}

IV_API int iv_model_copy(iv_model **out, const iv_model *model, const iv_model_options *opts)
{
    if (!model) {
        if (out)
            *out = NULL;
        return iv__error(IV_EINVAL, "iv_model_copy: model is NULL");
    }
    return model_clone(out, model, opts);
}

static int same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

static int same_type_info(const iv__type_info *a, const iv__type_info *b)
{
    int i;
    for (i = 0; i < 3; i++)
        if (!same_double(a->rv_band[i], b->rv_band[i]))
            return 0;
    return a->known == b->known && same_double(a->rv, b->rv) && a->survey == b->survey &&
           a->stage == b->stage && a->cls == b->cls && a->flags == b->flags &&
           same_double(a->rv_repeat, b->rv_repeat) &&
           same_double(a->rv_daily_cap, b->rv_daily_cap);
}

static int same_aliases(const alias_table *a, const alias_table *b)
{
    size_t i;
    if (a->n != b->n)
        return 0;
    for (i = 0; i < a->n; i++)
        if (name_cmp(a->a[i].key.name, a->a[i].key.len, b->a[i].key.name, b->a[i].key.len) ||
            name_cmp(a->a[i].target, a->a[i].tlen, b->a[i].target, b->a[i].tlen))
            return 0;
    return 1;
}

IV_API int iv_model_equal(const iv_model *a, const iv_model *b)
{
    size_t i;
    if (!a || !b)
        return 0;
    if (a->ntypes != b->ntypes || a->nchannels != b->nchannels)
        return 0;
    for (i = 0; i < 3; i++)
        if (!same_double(a->outcome[i], b->outcome[i]))
            return 0;
    if (!same_double(a->default_cost, b->default_cost) ||
        !same_double(a->half_life_days, b->half_life_days) ||
        !same_double(a->activity_window_days, b->activity_window_days) ||
        !same_double(a->profit_high, b->profit_high) ||
        !same_double(a->profit_poor, b->profit_poor))
        return 0;
    for (i = 0; i < a->ntypes; i++) {
        const type_entry *x = &a->types[i], *y = &b->types[i];
        if (name_cmp(x->key.name, x->key.len, y->key.name, y->key.len) != 0 ||
            !same_type_info(&x->info, &y->info))
            return 0;
    }
    for (i = 0; i < a->nchannels; i++) {
        const channel_entry *x = &a->channels[i], *y = &b->channels[i];
        if (name_cmp(x->key.name, x->key.len, y->key.name, y->key.len) != 0 ||
            !same_double(x->cost, y->cost) || x->digital != y->digital || x->area != y->area)
            return 0;
    }
    return same_aliases(&a->taliases, &b->taliases) && same_aliases(&a->caliases, &b->caliases);
}

IV_API size_t iv_model_type_count(const iv_model *m)
{
    return m ? m->ntypes : 0;
}

IV_API const char *iv_model_type_name(const iv_model *m, size_t i)
{
    return m && i < m->ntypes ? m->types[i].key.name : NULL;
}

IV_API size_t iv_model_channel_count(const iv_model *m)
{
    return m ? m->nchannels : 0;
}

IV_API const char *iv_model_channel_name(const iv_model *m, size_t i)
{
    return m && i < m->nchannels ? m->channels[i].key.name : NULL;
}

/* ---------------------------------------------------------------------------------
 * Adding, removing, setting */

static int check_name(const iv_model *m, const char *name, const char *what)
{
    if (!m)
        return iv__error(IV_EINVAL, "iv_model: model is NULL");
    if (!name || !*name)
        return iv__error(IV_EINVAL, "iv_model: the %s name is NULL or empty", what);
    return IV_OK;
}

/* Insert a new entry named name at position pos of a table (every other field zero). */
static int insert_entry(iv_model *m, void **base, size_t *count, size_t *cap, size_t esz,
                        size_t pos, const char *name, size_t len)
{
    entry_key *k;
    char *nm = iv__strndup(&m->alloc, name, len);
    int rc;
    if (!nm)
        return iv__nomem("model name");
    rc = iv__grow(&m->alloc, base, cap, *count + 1, esz);
    if (rc != IV_OK) {
        iv__free(&m->alloc, nm, len + 1);
        return rc;
    }
    memmove((char *)*base + (pos + 1) * esz, (char *)*base + pos * esz, (*count - pos) * esz);
    k = (entry_key *)(void *)((char *)*base + pos * esz);
    memset(k, 0, esz);
    k->name = nm;
    k->len = len;
    k->owned = 1;
    (*count)++;
    return IV_OK;
}

/* A name given to a setter, in normal form (vocab.h); t->p is then the name to use.
 * A name whose normal form is empty is an error. Free with iv__vocab_tmp_free. */
static int norm_name(const iv_model *m, const char *name, const char *what, char *stack,
                     iv__vname *t)
{
    int rc = check_name(m, name, what);
    if (rc != IV_OK)
        return rc;
    if ((rc = iv__vocab_tmp(t, &m->alloc, stack, name, strlen(name))) != IV_OK)
        return rc;
    if (t->n == 0) {
        iv__vocab_tmp_free(t, &m->alloc);
        return iv__error(IV_EINVAL, "iv_model: the %s name '%s' is blank", what, name);
    }
    return IV_OK;
}

/* The entry named n bytes at name (normal form) in a table, added when missing with
 * every field zero. *pos receives its index. A name that is an alias is an error. */
static int slot(iv_model *m, void **base, size_t *count, size_t *cap, size_t esz,
                const alias_table *al, const char *name, size_t n, const char *what,
                size_t *pos, int *added)
{
    int found, rc;
    *added = 0;
    *pos = find_entry(*base, *count, esz, name, n, &found);
    if (found)
        return IV_OK;
    if (al->n) {
        size_t k = find_entry(al->a, al->n, sizeof *al->a, name, n, &found);
        if (found)
            return iv__error(IV_EINVAL, "'%.*s' is an alias of the %s '%s'", (int)n, name, what,
                             al->a[k].target);
    }
    if ((rc = insert_entry(m, base, count, cap, esz, *pos, name, n)) != IV_OK)
        return rc;
    *added = 1;
    return IV_OK;
}

/* The entry of a type, added (as an unknown type scores) when missing. */
static int type_slot(iv_model *m, const char *name, iv__type_info **out)
{
    char buf[IV__VOCAB_STACK];
    iv__vname t;
    size_t pos;
    int rc, added;
    if ((rc = norm_name(m, name, "type", buf, &t)) != IV_OK)
        return rc;
    rc = slot(m, (void **)&m->types, &m->ntypes, &m->cap_types, sizeof *m->types, &m->taliases,
              t.p, t.n, "type", &pos, &added);
    iv__vocab_tmp_free(&t, &m->alloc);
    if (rc != IV_OK)
        return rc;
    if (added) {
        m->types[pos].info = unknown_type;
        m->types[pos].info.known = 1;
    }
    *out = &m->types[pos].info;
    return IV_OK;
}

static int channel_slot(iv_model *m, const char *name, channel_entry **out)
{
    char buf[IV__VOCAB_STACK];
    iv__vname t;
    size_t pos;
    int rc, added;
    if ((rc = norm_name(m, name, "channel", buf, &t)) != IV_OK)
        return rc;
    rc = slot(m, (void **)&m->channels, &m->nchannels, &m->cap_channels, sizeof *m->channels,
              &m->caliases, t.p, t.n, "channel", &pos, &added);
    iv__vocab_tmp_free(&t, &m->alloc);
    if (rc != IV_OK)
        return rc;
    if (added) {
        m->channels[pos].cost = NAN;
        m->channels[pos].digital = 0;
        m->channels[pos].area = IV_AREA_CHANNELS;
    }
    *out = &m->channels[pos];
    return IV_OK;
}

/* Drop every alias of the entry named n bytes at target. */
static void drop_aliases_of(iv_model *m, alias_table *al, const char *target, size_t n)
{
    size_t i = 0, k = 0;
    for (i = 0; i < al->n; i++) {
        if (name_cmp(al->a[i].target, al->a[i].tlen, target, n) == 0)
            alias_free_one(&m->alloc, &al->a[i]);
        else
            al->a[k++] = al->a[i];
    }
    al->n = k;
}

static int remove_entry(iv_model *m, void *base, size_t *count, size_t esz, const char *name,
                        const char *what)
{
    char buf[IV__VOCAB_STACK];
    iv__vname t;
    int found, rc;
    size_t pos;
    entry_key *k;
    if ((rc = norm_name(m, name, what, buf, &t)) != IV_OK)
        return rc;
    pos = find_entry(base, *count, esz, t.p, t.n, &found);
    iv__vocab_tmp_free(&t, &m->alloc);
    if (!found)
        return iv__error(IV_ENOTFOUND, "the model has no %s '%s'", what, name);
    k = (entry_key *)(void *)((char *)base + pos * esz);
    drop_aliases_of(m, base == (void *)m->types ? &m->taliases : &m->caliases, k->name, k->len);
    if (k->owned)
        iv__free(&m->alloc, (char *)k->name, k->len + 1);
    memmove((char *)base + pos * esz, (char *)base + (pos + 1) * esz, (*count - pos - 1) * esz);
    (*count)--;
    return IV_OK;
}

IV_API int iv_model_remove_type(iv_model *m, const char *type)
{
    return remove_entry(m, m ? m->types : NULL, m ? &m->ntypes : NULL, sizeof(type_entry),
                        type, "type");
}

IV_API int iv_model_remove_channel(iv_model *m, const char *channel)
{
    return remove_entry(m, m ? m->channels : NULL, m ? &m->nchannels : NULL,
                        sizeof(channel_entry), channel, "channel");
}

/* Value rules shared by the setters and the text format. */
enum { R_FINITE, R_FINITE_OR_NONE, R_NONNEG, R_NONNEG_OR_NONE, R_POS, R_POS_OR_NONE };

static int check_value(const char *key, double v, int rule)
{
    static const char *const what[] = {
        "a finite number", "a finite number or none", "a finite number >= 0",
        "a finite number >= 0 or none", "a finite number > 0", "a finite number > 0 or none"
    };
    int none_ok = rule == R_FINITE_OR_NONE || rule == R_NONNEG_OR_NONE || rule == R_POS_OR_NONE;
    if (isnan(v) && none_ok)
        return IV_OK;
    if (isfinite(v) && (rule == R_FINITE || rule == R_FINITE_OR_NONE ||
                        ((rule == R_NONNEG || rule == R_NONNEG_OR_NONE) && v >= 0) ||
                        ((rule == R_POS || rule == R_POS_OR_NONE) && v > 0)))
        return IV_OK;
    return iv__error(IV_ERANGE, "'%s' must be %s, got %g", key, what[rule], v);
}

static int check_enum(const char *key, int v, int lo, int hi)
{
    if (v < lo || v > hi)
        return iv__error(IV_ERANGE, "'%s' must be between %d and %d, got %d", key, lo, hi, v);
    return IV_OK;
}

/* Type fields, in the order of the keys of a [type.NAME] section. */
enum { TF_RV, TF_STAGE, TF_CLASS, TF_FLAGS, TF_RV_REPEAT, TF_DAILY_CAP, TF_SURVEY,
       TF_RV_LOW, TF_RV_MID, TF_RV_HIGH, TF_COUNT };
static const char *const type_keys[TF_COUNT] = {
    "rv", "stage", "class", "flags", "rv_repeat", "rv_daily_cap", "survey",
    "rv_low", "rv_mid", "rv_high"
};

/* Validate and store one field of a type; d for numbers, k for enums and flags. */
static int type_set(iv_model *m, const char *type, int field, double d, long k)
{
    iv__type_info *ti;
    int rc;
    const char *key = type_keys[field];
    switch (field) {
    case TF_RV: case TF_RV_LOW: case TF_RV_MID: case TF_RV_HIGH:
        rc = check_value(key, d, R_FINITE); break;
    case TF_RV_REPEAT: rc = check_value(key, d, R_NONNEG); break;
    case TF_DAILY_CAP: rc = check_value(key, d, R_NONNEG_OR_NONE); break;
    case TF_STAGE: rc = check_enum(key, (int)k, IV_STAGE_NONE, IV_STAGE_RETENTION); break;
    case TF_CLASS: rc = check_enum(key, (int)k, IV_CLASS_WATCH, IV_CLASS_LEAD); break;
    case TF_SURVEY: rc = check_enum(key, (int)k, IV_SURVEY_NONE, IV_SURVEY_CES); break;
    default:
        rc = k < 0 || (unsigned long)k > IV_FLAG_ALL
                 ? iv__error(IV_ERANGE, "'flags' has bits outside IV_FLAG_ALL: %#lx",
                             (unsigned long)k)
                 : IV_OK;
        break;
    }
    if (rc != IV_OK || (rc = type_slot(m, type, &ti)) != IV_OK)
        return rc;
    switch (field) {
    case TF_RV: ti->rv = d; break;
    case TF_RV_LOW: ti->rv_band[0] = d; break;
    case TF_RV_MID: ti->rv_band[1] = d; break;
    case TF_RV_HIGH: ti->rv_band[2] = d; break;
    case TF_RV_REPEAT: ti->rv_repeat = d; break;
    case TF_DAILY_CAP: ti->rv_daily_cap = d; break;
    case TF_STAGE: ti->stage = (int)k; break;
    case TF_CLASS: ti->cls = (int)k; break;
    case TF_SURVEY: ti->survey = (int)k; break;
    default: ti->flags = (unsigned)k; break;
    }
    return IV_OK;
}

IV_API int iv_model_set_type_rv(iv_model *m, const char *type, double rv)
{
    return type_set(m, type, TF_RV, rv, 0);
}

IV_API int iv_model_set_type_stage(iv_model *m, const char *type, int stage)
{
    return type_set(m, type, TF_STAGE, 0, stage);
}

IV_API int iv_model_set_type_class(iv_model *m, const char *type, int cls)
{
    return type_set(m, type, TF_CLASS, 0, cls);
}

IV_API int iv_model_set_type_flags(iv_model *m, const char *type, unsigned flags)
{
    return type_set(m, type, TF_FLAGS, 0, (long)flags);
}

IV_API int iv_model_set_type_rv_repeat(iv_model *m, const char *type, double rv_repeat)
{
    return type_set(m, type, TF_RV_REPEAT, rv_repeat, 0);
}

IV_API int iv_model_set_type_daily_cap(iv_model *m, const char *type, double cap)
{
    return type_set(m, type, TF_DAILY_CAP, cap, 0);
}

IV_API int iv_model_set_type_survey(iv_model *m, const char *type, int survey)
{
    return type_set(m, type, TF_SURVEY, 0, survey);
}

IV_API int iv_model_set_type_survey_rv(iv_model *m, const char *type, double low, double mid,
                                       double high)
{
    int rc = check_value("rv_mid", mid, R_FINITE);
    if (rc == IV_OK)
        rc = check_value("rv_high", high, R_FINITE);
    if (rc == IV_OK)
        rc = type_set(m, type, TF_RV_LOW, low, 0); /* checks low, adds the type */
    if (rc == IV_OK) {
        iv__type_info *ti;
        type_slot(m, type, &ti); /* present now: cannot fail */
        ti->rv_band[1] = mid;
        ti->rv_band[2] = high;
    }
    return rc;
}

enum { CF_COST, CF_DIGITAL, CF_AREA, CF_COUNT };
static const char *const channel_keys[CF_COUNT] = { "cost", "digital", "area" };

static int channel_set(iv_model *m, const char *ch, int field, double d, long k)
{
    channel_entry *ce;
    int rc;
    if (field == CF_COST)
        rc = check_value("cost", d, R_NONNEG_OR_NONE);
    else if (field == CF_DIGITAL)
        rc = check_enum("digital", (int)k, 0, 1);
    else
        rc = check_enum("area", (int)k, IV_AREA_TECHNOLOGY, IV_AREA_GOVERNANCE);
    if (rc != IV_OK || (rc = channel_slot(m, ch, &ce)) != IV_OK)
        return rc;
    if (field == CF_COST)
        ce->cost = d;
    else if (field == CF_DIGITAL)
        ce->digital = (int)k;
    else
        ce->area = (int)k;
    return IV_OK;
}

IV_API int iv_model_set_channel_cost(iv_model *m, const char *channel, double cost)
{
    return channel_set(m, channel, CF_COST, cost, 0);
}

IV_API int iv_model_set_channel_digital(iv_model *m, const char *channel, int digital)
{
    return channel_set(m, channel, CF_DIGITAL, 0, digital);
}

IV_API int iv_model_set_channel_area(iv_model *m, const char *channel, int area)
{
    return channel_set(m, channel, CF_AREA, 0, area);
}

/* ---------------------------------------------------------------------------------
 * Aliases (doc/MODEL.md, Names) */

/* Replace the aliases of the entry named name (added when missing) by the comma list
 * `list`. Checked whole before anything changes: on error the model is unchanged. */
static int set_aliases(iv_model *m, int channel, const char *name, const char *list)
{
    const char *what = channel ? "channel" : "type";
    alias_table *al = channel ? &m->caliases : &m->taliases;
    const void *base;
    size_t count, esz, i, k, nnew = 0, len;
    const entry_key *ek;
    char *copy, *nm;
    int rc, found;
    if (!m || !list)
        return iv__error(IV_EINVAL, "iv_model_set_%s_aliases: an argument is NULL", what);
    /* the entry first (this also checks and normalises its name) */
    if (channel) {
        channel_entry *ce;
        rc = channel_slot(m, name, &ce);
        ek = rc == IV_OK ? &ce->key : NULL;
    } else {
        iv__type_info *ti;
        rc = type_slot(m, name, &ti);
        ek = rc == IV_OK ? &find_type(m, name, strlen(name))->key : NULL;
    }
    if (rc != IV_OK)
        return rc;
    base = channel ? (const void *)m->channels : (const void *)m->types;
    count = channel ? m->nchannels : m->ntypes;
    esz = channel ? sizeof(channel_entry) : sizeof(type_entry);
    /* normalise the list in place in a copy: each item ends up NUL-terminated */
    len = strlen(list);
    copy = iv__malloc(&m->alloc, len + 1);
    if (!copy)
        return iv__nomem("model aliases");
    memcpy(copy, list, len + 1);
    for (i = 0; i <= len; i = k + 1) {
        size_t n, j;
        for (k = i; k < len && copy[k] != ','; k++)
            ;
        copy[k] = '\0';
        n = iv__vocab_normalize(copy + i, k - i, copy + i);
        memset(copy + i + n, 0, k - i - n); /* items are now runs of non-NUL bytes */
        if (n == 0) {
            if (k - i == 0 && len == 0)
                break; /* "" : no aliases */
            rc = iv__error(IV_EINVAL, "an empty alias in the aliases of the %s '%s'", what,
                           ek->name);
            break;
        }
        find_entry(base, count, esz, copy + i, n, &found);
        if (found) {
            rc = iv__error(IV_EINVAL, "the alias '%s' of the %s '%s' is itself a %s", copy + i,
                           what, ek->name, what);
            break;
        }
        j = find_entry(al->a, al->n, sizeof *al->a, copy + i, n, &found);
        if (found && name_cmp(al->a[j].target, al->a[j].tlen, ek->name, ek->len) != 0) {
            rc = iv__error(IV_EINVAL, "'%s' is already an alias of the %s '%s'", copy + i, what,
                           al->a[j].target);
            break;
        }
        nnew++;
    }
    if (rc == IV_OK)
        rc = iv__grow(&m->alloc, (void **)&al->a, &al->cap, al->n + nnew, sizeof *al->a);
    if (rc != IV_OK) {
        iv__free(&m->alloc, copy, len + 1);
        return rc;
    }
    drop_aliases_of(m, al, ek->name, ek->len);
    for (i = 0; nnew && i < len; i++) {
        size_t n, pos;
        char *tg;
        if (copy[i] == '\0' || (i > 0 && copy[i - 1] != '\0'))
            continue; /* not the start of an item */
        n = strlen(copy + i);
        pos = find_entry(al->a, al->n, sizeof *al->a, copy + i, n, &found);
        if (found) /* listed twice */
            continue;
        nm = iv__strndup(&m->alloc, copy + i, n);
        tg = nm ? iv__strndup(&m->alloc, ek->name, ek->len) : NULL;
        if (!tg) {
            iv__free(&m->alloc, nm, n + 1);
            iv__free(&m->alloc, copy, len + 1);
            return iv__nomem("model alias");
        }
        memmove(&al->a[pos + 1], &al->a[pos], (al->n - pos) * sizeof *al->a);
        al->a[pos].key.name = nm;
        al->a[pos].key.len = n;
        al->a[pos].key.owned = 1;
        al->a[pos].target = tg;
        al->a[pos].tlen = ek->len;
        al->n++;
    }
    iv__free(&m->alloc, copy, len + 1);
    return IV_OK;
}

IV_API int iv_model_set_type_aliases(iv_model *m, const char *type, const char *aliases)
{
    return set_aliases(m, 0, type, aliases);
}

IV_API int iv_model_set_channel_aliases(iv_model *m, const char *channel, const char *aliases)
{
    return set_aliases(m, 1, channel, aliases);
}

/* The i-th alias (in byte order) of the entry a name stands for. */
static const char *alias_at(const iv_model *m, const alias_table *al, const char *entry,
                            size_t i)
{
    size_t k;
    if (!m || !entry)
        return NULL;
    for (k = 0; k < al->n; k++)
        if (strcmp(al->a[k].target, entry) == 0 && i-- == 0)
            return al->a[k].key.name;
    return NULL;
}

IV_API const char *iv_model_find_type(const iv_model *m, const char *name)
{
    const type_entry *e = m && name ? find_type(m, name, strlen(name)) : NULL;
    return e ? e->key.name : NULL;
}

IV_API const char *iv_model_find_channel(const iv_model *m, const char *name)
{
    const channel_entry *e = m && name ? find_channel(m, name, strlen(name)) : NULL;
    return e ? e->key.name : NULL;
}

IV_API const char *iv_model_type_alias(const iv_model *m, const char *type, size_t i)
{
    const char *e = iv_model_find_type(m, type);
    return e ? alias_at(m, &m->taliases, e, i) : NULL;
}

IV_API const char *iv_model_channel_alias(const iv_model *m, const char *channel, size_t i)
{
    const char *e = iv_model_find_channel(m, channel);
    return e ? alias_at(m, &m->caliases, e, i) : NULL;
}

/* Global parameters: the keys of [model] other than `defaults`, with their rules. */
enum { P_DESIRED, P_NEUTRAL, P_UNDESIRED, P_DEFAULT_COST, P_HALF_LIFE, P_WINDOW, P_HIGH, P_POOR,
       P_COUNT };
static const char *const param_keys[P_COUNT] = {
    "outcome_desired", "outcome_neutral", "outcome_undesired", "default_cost",
    "rv_half_life_days", "activity_window_days", "profit_high", "profit_poor"
};
static const int param_rules[P_COUNT] = {
    R_FINITE, R_FINITE, R_FINITE, R_NONNEG, R_POS_OR_NONE, R_POS, R_FINITE_OR_NONE,
    R_FINITE_OR_NONE
};

static double *param_ref(iv_model *m, int p)
{
    switch (p) {
    case P_DESIRED: return &m->outcome[0];
    case P_NEUTRAL: return &m->outcome[1];
    case P_UNDESIRED: return &m->outcome[2];
    case P_DEFAULT_COST: return &m->default_cost;
    case P_HALF_LIFE: return &m->half_life_days;
    case P_WINDOW: return &m->activity_window_days;
    case P_HIGH: return &m->profit_high;
    default: return &m->profit_poor;
    }
}

/* Index of key (n bytes, case-insensitive) in keys, or -1. */
static int key_index(const char *const *keys, int count, const char *key, size_t n)
{
    int i;
    for (i = 0; i < count; i++)
        if (iv__ieq(key, n, keys[i]))
            return i;
    return -1;
}

IV_API int iv_model_set_param(iv_model *m, const char *name, double value)
{
    int p, rc;
    if (!m || !name)
        return iv__error(IV_EINVAL, "iv_model_set_param: model or name is NULL");
    p = key_index(param_keys, P_COUNT, name, strlen(name));
    if (p < 0)
        return iv__error(IV_ENOTFOUND, "unknown model parameter '%s'", name);
    if ((rc = check_value(param_keys[p], value, param_rules[p])) != IV_OK)
        return rc;
    *param_ref(m, p) = value;
    return IV_OK;
}

IV_API int iv_model_get_param(const iv_model *m, const char *name, double *out)
{
    int p;
    if (!m || !name || !out)
        return iv__error(IV_EINVAL, "iv_model_get_param: an argument is NULL");
    p = key_index(param_keys, P_COUNT, name, strlen(name));
    if (p < 0)
        return iv__error(IV_ENOTFOUND, "unknown model parameter '%s'", name);
    *out = *param_ref((iv_model *)m, p); /* read only */
    return IV_OK;
}

/* ---------------------------------------------------------------------------------
 * Getters */

static int type_get(const iv_model *m, const char *type, const void *out,
                    const iv__type_info **ti)
{
    const type_entry *e;
    if (!m || !type || !out)
        return iv__error(IV_EINVAL, "iv_model_get_type: an argument is NULL");
    e = find_type(m, type, strlen(type));
    if (!e)
        return iv__error(IV_ENOTFOUND, "the model has no type '%s'", type);
    *ti = &e->info;
    return IV_OK;
}

/* One getter per type property: look the type up, copy one field. */
#define TYPE_GETTER(fn, T, field) \
    IV_API int fn(const iv_model *m, const char *type, T *out) \
    { \
        const iv__type_info *ti; \
        int rc = type_get(m, type, out, &ti); \
        if (rc == IV_OK) \
            *out = ti->field; \
        return rc; \
    }

TYPE_GETTER(iv_model_get_type_rv, double, rv)
TYPE_GETTER(iv_model_get_type_stage, int, stage)
TYPE_GETTER(iv_model_get_type_class, int, cls)
TYPE_GETTER(iv_model_get_type_flags, unsigned, flags)
TYPE_GETTER(iv_model_get_type_rv_repeat, double, rv_repeat)
TYPE_GETTER(iv_model_get_type_daily_cap, double, rv_daily_cap)
TYPE_GETTER(iv_model_get_type_survey, int, survey)

IV_API int iv_model_get_type_survey_rv(const iv_model *m, const char *type, double *low,
                                       double *mid, double *high)
{
    const iv__type_info *ti;
    int rc = type_get(m, type, "", &ti);
    if (rc != IV_OK)
        return rc;
    if (low)
        *low = ti->rv_band[0];
    if (mid)
        *mid = ti->rv_band[1];
    if (high)
        *high = ti->rv_band[2];
    return IV_OK;
}

static int channel_get(const iv_model *m, const char *ch, const void *out,
                       const channel_entry **ce)
{
    if (!m || !ch || !out)
        return iv__error(IV_EINVAL, "iv_model_get_channel: an argument is NULL");
    *ce = find_channel(m, ch, strlen(ch));
    if (!*ce)
        return iv__error(IV_ENOTFOUND, "the model has no channel '%s'", ch);
    return IV_OK;
}

IV_API int iv_model_get_channel_cost(const iv_model *m, const char *channel, double *out)
{
    const channel_entry *ce;
    int rc = channel_get(m, channel, out, &ce);
    if (rc == IV_OK)
        *out = isnan(ce->cost) ? m->default_cost : ce->cost;
    return rc;
}

#define CHANNEL_GETTER(fn, field) \
    IV_API int fn(const iv_model *m, const char *channel, int *out) \
    { \
        const channel_entry *ce; \
        int rc = channel_get(m, channel, out, &ce); \
        if (rc == IV_OK) \
            *out = ce->field; \
        return rc; \
    }

CHANNEL_GETTER(iv_model_get_channel_digital, digital)
CHANNEL_GETTER(iv_model_get_channel_area, area)

/* ---------------------------------------------------------------------------------
 * Words of the text format */

static const char *const stage_words[] = { "none", "acquisition", "closing", "retention" };
static const char *const class_words[] = { "watch", "do", "lead" };
static const char *const survey_words[] = { "none", "nps", "csat", "ces" };
static const char *const area_words[] = {
    "none", "technology", "channels", "engagement", "experience", "content", "business",
    "analytics", "governance"
};
/* Bit i of iv_flag is flag_words[i]. */
static const char *const flag_words[] = {
    "purchase", "repeat", "refer", "upsell", "cross_sell", "bad_experience", "support", "churn"
};

/* The character snprintf() uses as the decimal point in the current locale (the text
 * format always uses '.'; numbers are read with the locale-independent iv__num_parse). */
static char locale_point(void)
{
    char buf[8];
    snprintf(buf, sizeof buf, "%.1f", 1.5);
    return buf[1];
}

/* ---------------------------------------------------------------------------------
 * Writing */

typedef struct sbuf {
    const iv__alloc *a;
    char *p;
    size_t len, cap;
    int rc;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->rc != IV_OK)
        return;
    if ((b->rc = iv__grow(b->a, (void **)&b->p, &b->cap, b->len + n + 1, 1)) != IV_OK)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

/* The shortest %.Ng (N = 15..17) that reads back to exactly v, with '.' as the point. */
static void sb_number(sbuf *b, double v)
{
    char buf[64], point = locale_point();
    int prec;
    size_t i, n = 0;
    if (isnan(v)) {
        sb_str(b, "none");
        return;
    }
    for (prec = 15; prec <= 17; prec++) {
        double back = NAN;
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        n = strlen(buf);
        for (i = 0; i < n; i++)
            if (buf[i] == point)
                buf[i] = '.';
        if (iv__num_parse(buf, n, &back) == IV_OK && back == v)
            break;
    }
    sb_put(b, buf, n);
}

static void sb_key_number(sbuf *b, const char *key, double v)
{
    sb_str(b, key);
    sb_str(b, " = ");
    sb_number(b, v);
    sb_str(b, "\n");
}

static void sb_key_word(sbuf *b, const char *key, const char *word)
{
    sb_str(b, key);
    sb_str(b, " = ");
    sb_str(b, word);
    sb_str(b, "\n");
}

static int bare_name_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.' || c == '+' || c == '/' || c >= 0x80;
}

/* A section header; the name is quoted with escapes unless every byte is plain. */
static void sb_section(sbuf *b, const char *kind, const entry_key *k)
{
    size_t i;
    int bare = 1;
    for (i = 0; i < k->len; i++)
        bare &= bare_name_byte((unsigned char)k->name[i]);
    sb_str(b, "\n[");
    sb_str(b, kind);
    sb_str(b, ".");
    if (bare) {
        sb_put(b, k->name, k->len);
    } else {
        sb_str(b, "\"");
        for (i = 0; i < k->len; i++) {
            unsigned char c = (unsigned char)k->name[i];
            char esc[8];
            if (c == '"' || c == '\\') {
                esc[0] = '\\';
                esc[1] = (char)c;
                sb_put(b, esc, 2);
            } else if (c < 0x20 || c == 0x7f) {
                snprintf(esc, sizeof esc, "\\x%02x", c);
                sb_str(b, esc);
            } else {
                sb_put(b, (const char *)&k->name[i], 1);
            }
        }
        sb_str(b, "\"");
    }
    sb_str(b, "]\n");
}

/* `aliases = a, b` when the entry has any. */
static void write_aliases(sbuf *b, const alias_table *al, const entry_key *k)
{
    size_t i;
    int first = 1;
    for (i = 0; i < al->n; i++) {
        if (name_cmp(al->a[i].target, al->a[i].tlen, k->name, k->len) != 0)
            continue;
        sb_str(b, first ? "aliases = " : ", ");
        sb_put(b, al->a[i].key.name, al->a[i].key.len);
        first = 0;
    }
    if (!first)
        sb_str(b, "\n");
}

static void write_flags(sbuf *b, unsigned flags)
{
    size_t i;
    int first = 1;
    sb_str(b, "flags = ");
    for (i = 0; i < NELEM(flag_words); i++) {
        if (!(flags & (1u << i)))
            continue;
        if (!first)
            sb_str(b, ",");
        sb_str(b, flag_words[i]);
        first = 0;
    }
    if (first)
        sb_str(b, "none");
    sb_str(b, "\n");
}

IV_API int iv_model_to_string(const iv_model *m, char **out, size_t *len)
{
    sbuf b;
    size_t i;
    int p;
    if (!m || !out)
        return iv__error(IV_EINVAL, "iv_model_to_string: model or out is NULL");
    *out = NULL;
    b.a = &m->alloc;
    b.p = NULL;
    b.len = b.cap = 0;
    b.rc = IV_OK;
    sb_str(&b, "; libiv scoring model (format: doc/MODEL.md)\n[model]\ndefaults = none\n");
    for (p = 0; p < P_COUNT; p++)
        sb_key_number(&b, param_keys[p], *param_ref((iv_model *)m, p)); /* read only */
    for (i = 0; i < m->ntypes; i++) {
        const iv__type_info *ti = &m->types[i].info;
        sb_section(&b, "type", &m->types[i].key);
        sb_key_number(&b, "rv", ti->rv);
        sb_key_word(&b, "stage", stage_words[ti->stage]);
        sb_key_word(&b, "class", class_words[ti->cls]);
        write_flags(&b, ti->flags);
        sb_key_number(&b, "rv_repeat", ti->rv_repeat);
        sb_key_number(&b, "rv_daily_cap", ti->rv_daily_cap);
        sb_key_word(&b, "survey", survey_words[ti->survey]);
        sb_key_number(&b, "rv_low", ti->rv_band[0]);
        sb_key_number(&b, "rv_mid", ti->rv_band[1]);
        sb_key_number(&b, "rv_high", ti->rv_band[2]);
        write_aliases(&b, &m->taliases, &m->types[i].key);
    }
    for (i = 0; i < m->nchannels; i++) {
        const channel_entry *ce = &m->channels[i];
        sb_section(&b, "channel", &ce->key);
        if (isnan(ce->cost))
            sb_str(&b, "cost = default\n");
        else
            sb_key_number(&b, "cost", ce->cost);
        sb_key_word(&b, "digital", ce->digital ? "true" : "false");
        sb_key_word(&b, "area", area_words[ce->area]);
        write_aliases(&b, &m->caliases, &ce->key);
    }
    if (b.rc != IV_OK) {
        iv__free(b.a, b.p, b.cap);
        return iv__nomem("model text");
    }
    /* Hand out a block of exactly len + 1 bytes so iv_model_free_string() knows its size. */
    if (b.cap != b.len + 1) {
        char *shrunk = iv__realloc(b.a, b.p, b.cap, b.len + 1);
        if (!shrunk) {
            iv__free(b.a, b.p, b.cap);
            return iv__nomem("model text");
        }
        b.p = shrunk;
    }
    *out = b.p;
    if (len)
        *len = b.len;
    return IV_OK;
}

IV_API void iv_model_free_string(const iv_model *m, char *s)
{
    if (m && s)
        iv__free(&m->alloc, s, strlen(s) + 1);
}

IV_API int iv_model_write(const iv_model *m, const char *path)
{
    char *text;
    size_t len;
    FILE *f;
    int rc, to_stdout;
    if (!path)
        return iv__error(IV_EINVAL, "iv_model_write: path is NULL");
    if ((rc = iv_model_to_string(m, &text, &len)) != IV_OK)
        return rc;
    to_stdout = strcmp(path, "-") == 0;
    f = to_stdout ? stdout : fopen(path, "wb");
    if (!f) {
        rc = iv__error(IV_EIO, "%s: cannot open for writing: %s", path, strerror(errno));
    } else {
        int bad = fwrite(text, 1, len, f) != len;
        bad |= to_stdout ? fflush(f) != 0 : fclose(f) != 0;
        rc = bad ? iv__error(IV_EIO, "%s: write failed: %s", path, strerror(errno)) : IV_OK;
    }
    iv_model_free_string(m, text);
    return rc;
}

/* ---------------------------------------------------------------------------------
 * Parsing */

enum { SEC_NONE, SEC_MODEL, SEC_TYPE, SEC_CHANNEL };

typedef struct parser {
    iv_model *m;
    iv__ini t;         /* the tokenizer: line numbers and the origin of messages */
    int sec;           /* SEC_* */
    const char *sec_text; /* the header as written, for messages */
    size_t sec_len;
    char *name;        /* the decoded name of a [type.x] / [channel.x] section */
    size_t name_len;
    int touched;       /* something was set or declared (defaults = none must come first) */
} parser;

/* Re-report a setter's failure with the line and section; ENOMEM passes through. */
static int perr_wrap(parser *p, int rc)
{
    char msg[512];
    if (rc == IV_OK || rc == IV_ENOMEM)
        return rc;
    snprintf(msg, sizeof msg, "%s", iv_error_last());
    return iv__ini_error(&p->t, "%s in [%.*s]", msg, (int)p->sec_len, p->sec_text);
}

static int word_index(const char *const *words, int count, const char *s, size_t n)
{
    return key_index(words, count, s, n);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode a section name: bare (trimmed) or "quoted" with \\ \" \n \r \t \xHH escapes.
 * s/n is everything between the kind's '.' and the closing ']'. */
static int decode_name(parser *p, const char *s, size_t n)
{
    size_t i, k = 0;
    int quoted = 0;
    char *d;
    iv__trim(&s, &n);
    if (n && s[0] == '"') {
        if (n < 2 || s[n - 1] != '"')
            return iv__ini_error(&p->t, "unterminated quoted name in [%.*s]", (int)p->sec_len,
                        p->sec_text);
        quoted = 1;
        s++;
        n -= 2;
    }
    if (n == 0)
        return iv__ini_error(&p->t, "empty name in [%.*s]", (int)p->sec_len, p->sec_text);
    d = iv__malloc(&p->m->alloc, n + 1);
    if (!d)
        return iv__nomem("model section name");
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (quoted && c == '\\') {
            char e = i + 1 < n ? s[++i] : '\0';
            int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
            if (e == 'n')
                c = '\n';
            else if (e == 'r')
                c = '\r';
            else if (e == 't')
                c = '\t';
            else if (e == '"' || e == '\\')
                c = e;
            else if (e == 'x' && hi >= 0 && lo >= 0 && hi + lo > 0) {
                c = (char)(hi * 16 + lo);
                i += 2;
            } else {
                iv__free(&p->m->alloc, d, n + 1);
                return iv__ini_error(&p->t, "bad escape in the name of [%.*s] (use \\\\, \\\", "
                            "\\n, \\r, \\t or \\xHH)", (int)p->sec_len, p->sec_text);
            }
        }
        d[k++] = c;
    }
    d[k] = '\0';
    /* Remember the allocated size (n + 1), not the decoded length. */
    p->name = d;
    p->name_len = n;
    return IV_OK;
}

static void drop_name(parser *p)
{
    if (p->name)
        iv__free(&p->m->alloc, p->name, p->name_len + 1);
    p->name = NULL;
    p->name_len = 0;
}

/* A section header (the tokenizer has read it). */
static int parse_section(parser *p)
{
    size_t dot;
    const char *kind;
    size_t klen;
    int rc;
    drop_name(p);
    p->sec_text = p->t.section;
    p->sec_len = p->t.section_len;
    for (dot = 0; dot < p->sec_len && p->sec_text[dot] != '.'; dot++)
        ;
    kind = p->sec_text;
    klen = dot;
    iv__trim(&kind, &klen);
    p->sec = SEC_NONE;
    if (dot == p->sec_len && iv__ieq(kind, klen, "model")) {
        p->sec = SEC_MODEL;
        return IV_OK;
    }
    if (dot < p->sec_len && iv__ieq(kind, klen, "type"))
        p->sec = SEC_TYPE;
    else if (dot < p->sec_len && iv__ieq(kind, klen, "channel"))
        p->sec = SEC_CHANNEL;
    else
        return iv__ini_error(&p->t,
                    "unknown section [%.*s] (expected [model], [type.NAME] or [channel.NAME])",
                    (int)p->sec_len, p->sec_text);
    if ((rc = decode_name(p, p->sec_text + dot + 1, p->sec_len - dot - 1)) != IV_OK) {
        p->sec = SEC_NONE;
        return rc;
    }
    p->touched = 1;
    /* A section declares its type or channel even when it sets nothing. */
    if (p->sec == SEC_TYPE) {
        iv__type_info *ti;
        rc = type_slot(p->m, p->name, &ti);
    } else {
        channel_entry *ce;
        rc = channel_slot(p->m, p->name, &ce);
    }
    return perr_wrap(p, rc);
}

static int bad_word(parser *p, const char *what, const char *key, size_t klen, const char *v,
                    size_t vn, const char *expected)
{
    return iv__ini_error(&p->t, "bad %s '%.*s' for '%.*s' in [%.*s] (expected %s)", what, (int)vn,
                v, (int)klen, key, (int)p->sec_len, p->sec_text, expected);
}

/* A number, or `none` (NaN; the setter decides whether none is allowed). */
static int value_number(parser *p, const char *key, size_t klen, const char *v, size_t vn,
                        double *out)
{
    if (iv__ieq(v, vn, "none")) {
        *out = NAN;
        return IV_OK;
    }
    if (iv__num_parse(v, vn, out) != IV_OK)
        return bad_word(p, "number", key, klen, v, vn, "a finite decimal number");
    return IV_OK;
}

static int value_flags(parser *p, const char *key, size_t klen, const char *v, size_t vn,
                       long *out)
{
    size_t pos = 0, wn;
    unsigned flags = 0;
    const char *w;
    if (vn == 0 || iv__ieq(v, vn, "none")) {
        *out = 0;
        return IV_OK;
    }
    while (iv__list_next(v, vn, ',', &pos, &w, &wn)) {
        int f = word_index(flag_words, (int)NELEM(flag_words), w, wn);
        if (f < 0)
            return iv__ini_error(&p->t,
                        "bad flag '%.*s' for '%.*s' in [%.*s] (expected purchase, repeat, "
                        "refer, upsell, cross_sell, bad_experience, support or churn)",
                        (int)wn, w, (int)klen, key, (int)p->sec_len, p->sec_text);
        flags |= 1u << f;
    }
    *out = (long)flags;
    return IV_OK;
}

static int key_model(parser *p, const char *key, size_t klen, const char *v, size_t vn)
{
    double d;
    int k, rc;
    if (iv__ieq(key, klen, "defaults")) {
        if (iv__ieq(v, vn, "builtin"))
            return IV_OK;
        if (!iv__ieq(v, vn, "none"))
            return bad_word(p, "value", key, klen, v, vn, "none or builtin");
        if (p->touched)
            return iv__ini_error(&p->t,
                        "'defaults = none' must come before every other setting and section");
        clear_tables(p->m);
        return IV_OK;
    }
    k = key_index(param_keys, P_COUNT, key, klen);
    if (k < 0)
        return iv__ini_error(&p->t, "unknown key '%.*s' in [model]", (int)klen, key);
    if ((rc = value_number(p, key, klen, v, vn, &d)) != IV_OK)
        return rc;
    p->touched = 1;
    return perr_wrap(p, iv_model_set_param(p->m, param_keys[k], d));
}

/* `aliases = a, b` in a [type.NAME] or [channel.NAME] section (doc/MODEL.md, Names). */
static int key_aliases(parser *p, int channel, const char *v, size_t vn)
{
    char *list = iv__strndup(&p->m->alloc, v, vn);
    int rc;
    if (!list)
        return iv__nomem("model aliases");
    rc = set_aliases(p->m, channel, p->name, list);
    iv__free(&p->m->alloc, list, vn + 1);
    return perr_wrap(p, rc);
}

static int key_type(parser *p, const char *key, size_t klen, const char *v, size_t vn)
{
    double d = 0;
    long k = 0;
    int rc = IV_OK, f = key_index(type_keys, TF_COUNT, key, klen);
    if (f < 0 && iv__ieq(key, klen, "aliases"))
        return key_aliases(p, 0, v, vn);
    switch (f) {
    case -1:
        return iv__ini_error(&p->t, "unknown key '%.*s' in [%.*s]", (int)klen, key,
                    (int)p->sec_len, p->sec_text);
    case TF_STAGE:
        k = word_index(stage_words, (int)NELEM(stage_words), v, vn);
        if (k < 0)
            return bad_word(p, "stage", key, klen, v, vn,
                            "acquisition, closing, retention or none");
        break;
    case TF_CLASS:
        k = word_index(class_words, (int)NELEM(class_words), v, vn);
        if (k < 0)
            return bad_word(p, "class", key, klen, v, vn, "watch, do or lead");
        break;
    case TF_SURVEY:
        k = word_index(survey_words, (int)NELEM(survey_words), v, vn);
        if (k < 0)
            return bad_word(p, "survey", key, klen, v, vn, "nps, csat, ces or none");
        break;
    case TF_FLAGS:
        rc = value_flags(p, key, klen, v, vn, &k);
        break;
    default:
        rc = value_number(p, key, klen, v, vn, &d);
        break;
    }
    if (rc != IV_OK)
        return rc;
    return perr_wrap(p, type_set(p->m, p->name, f, d, k));
}

static int key_channel(parser *p, const char *key, size_t klen, const char *v, size_t vn)
{
    double d = 0;
    long k = 0;
    int rc = IV_OK, f = key_index(channel_keys, CF_COUNT, key, klen);
    if (f < 0 && iv__ieq(key, klen, "aliases"))
        return key_aliases(p, 1, v, vn);
    if (f < 0)
        return iv__ini_error(&p->t, "unknown key '%.*s' in [%.*s]", (int)klen, key,
                    (int)p->sec_len, p->sec_text);
    if (f == CF_COST) {
        if (iv__ieq(v, vn, "default"))
            d = NAN;
        else
            rc = value_number(p, key, klen, v, vn, &d);
    } else if (f == CF_DIGITAL) {
        static const char *const bools[] = { "false", "true", "no", "yes", "off", "on", "0",
                                             "1" };
        k = word_index(bools, (int)NELEM(bools), v, vn);
        if (k < 0)
            return bad_word(p, "boolean", key, klen, v, vn, "true or false");
        k &= 1;
    } else {
        k = word_index(area_words, (int)NELEM(area_words), v, vn);
        if (k <= 0)
            return bad_word(p, "area", key, klen, v, vn,
                            "technology, channels, engagement, experience, content, business, "
                            "analytics or governance");
    }
    if (rc != IV_OK)
        return rc;
    return perr_wrap(p, channel_set(p->m, p->name, f, d, k));
}

/* One `key = value` pair (the tokenizer has read it). */
static int parse_pair(parser *p)
{
    const char *key = p->t.key, *v = p->t.value;
    size_t klen = p->t.key_len, vn = p->t.value_len;
    switch (p->sec) {
    case SEC_MODEL: return key_model(p, key, klen, v, vn);
    case SEC_TYPE: return key_type(p, key, klen, v, vn);
    case SEC_CHANNEL: return key_channel(p, key, klen, v, vn);
    default:
        return iv__ini_error(&p->t, "key '%.*s' outside a section", (int)klen, key);
    }
}

static int parse_text(iv_model *m, const char *file, const char *text, size_t len)
{
    parser p;
    int rc;
    memset(&p, 0, sizeof p);
    p.m = m;
    iv__ini_init(&p.t, text, len, file);
    while ((rc = iv__ini_next(&p.t)) > 0)
        if ((rc = rc == IV__INI_SECTION ? parse_section(&p) : parse_pair(&p)) != IV_OK)
            break;
    drop_name(&p);
    return rc;
}

IV_API int iv_model_parse(iv_model **out, const char *text, size_t len,
                          const iv_model_options *opts)
{
    iv_model *m;
    int rc;
    if (out)
        *out = NULL;
    if (!out || (!text && len))
        return iv__error(IV_EINVAL, "iv_model_parse: out or text is NULL");
    if ((rc = iv_model_new(&m, opts)) != IV_OK)
        return rc;
    if ((rc = parse_text(m, NULL, text, len)) != IV_OK) {
        iv_model_free(m);
        return rc;
    }
    *out = m;
    return IV_OK;
}

IV_API int iv_model_load(iv_model **out, const char *path, const iv_model_options *opts)
{
    iv_model *m;
    unsigned char *buf;
    size_t len;
    int rc;
    if (out)
        *out = NULL;
    if (!out || !path)
        return iv__error(IV_EINVAL, "iv_model_load: out or path is NULL");
    if ((rc = iv_model_new(&m, opts)) != IV_OK)
        return rc;
    if ((rc = iv__read_file(&m->alloc, path, IV__TEXT_FILE_LIMIT, &buf, &len)) != IV_OK) {
        iv_model_free(m);
        return rc;
    }
    rc = parse_text(m, path, (const char *)buf, len);
    iv__free(&m->alloc, buf, len);
    if (rc != IV_OK) {
        iv_model_free(m);
        return rc;
    }
    *out = m;
    return IV_OK;
}
