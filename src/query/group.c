/* Grouping: keyers, groups (dense or hashed), the grouped run over the selected rows and
 * its threaded fast path, groups sorted by their key labels. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "group.h"
#include "text.h"
#include "timefmt.h"

/* ------------------------------------------------------------ keys ------- */

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
    case IV__DIM_CONTACT_STAGE: return iv_enum_name(IV_ENUM_STAGE, (int)code);
    case IV__DIM_AREA: return iv_enum_name(IV_ENUM_AREA, (int)code);
    case IV__DIM_DIRECTION: return iv_enum_name(IV_ENUM_DIRECTION, (int)code);
    case IV__DIM_OUTCOME: return iv_enum_name(IV_ENUM_OUTCOME, (int)code);
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
    size_t n = 0, cap = 1, i, nby = by ? strlen(by) : 0, pos = 0, len;
    const char *p, *b;
    int rc;
    *out = NULL;
    *nout = 0;
    if (by)
        for (p = by; *p; p++)
            cap += *p == ',';
    ks = iv__calloc(&c->a, cap, sizeof *ks);
    if (!ks)
        return iv__nomem("group keys");
    while (by && iv__list_next(by, nby, ',', &pos, &b, &len)) {
        iv__keyer *k;
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
                 k->kind == IV__DIM_CUSTOM ? s->dim_names[k->custom] : iv__dim_name(k->kind));
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

void iv__key_codes(const iv__keyer *ks, size_t nk, uint64_t key, uint32_t *codes)
{
    size_t i = nk;
    while (i-- > 0) {
        codes[i] = (uint32_t)(key % ks[i].card);
        key /= ks[i].card;
    }
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
    iv__gacc_unscored(&g->acc, !ti->known && iv__codes_get(&s->rv.codes, r) == 0);
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
int iv__group_cmp(const iv__keyer *ks, size_t nk, const iv__ctx *c, const iv__group *a,
                  const iv__group *b)
{
    uint32_t ca[IV_MAX_DIMS + 20], cb[IV_MAX_DIMS + 20];
    size_t i;
    iv__key_codes(ks, nk, a->key, ca);
    iv__key_codes(ks, nk, b->key, cb);
    for (i = 0; i < nk; i++) {
        const char *la = iv__key_label(&ks[i], c, ca[i]);
        const char *lb = iv__key_label(&ks[i], c, cb[i]);
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

typedef struct iv__gsort {
    const iv__keyer *ks;
    size_t nk;
    const iv__ctx *c;
} iv__gsort;
static _Thread_local const iv__gsort *iv__gs;

static int iv__cmp_groups(const void *pa, const void *pb)
{
    return iv__group_cmp(iv__gs->ks, iv__gs->nk, iv__gs->c, pa, pb);
}

/* Run the grouping: G receives the sorted groups. */
/* The grouping loop of iv__group_row, fused and specialised for the common case (no
 * hook, no RV history state, no half-life): RV units and their fixed-point values come
 * from per-type tables, and nothing is called through a pointer. Same results as the
 * general walk, row for row. */
/* Distinct contacts per group without the contact order: one bitmap of the contacts
 * per group (nc bits), set row by row in any order and counted at the end. */
typedef struct iv__cbits {
    uint64_t **map;         /* per group index: NULL until the group's first row */
    size_t cap;             /* entries of map */
    size_t words;           /* 64-bit words per bitmap */
    size_t bytes, budget;   /* bitmap bytes allocated, and the most allowed */
} iv__cbits;

/* Counters per group in place of the sums of the terms that depend only on a row's
 * codes: rows per (type, outcome) class, where the type is replaced by the pseudo-type
 * ntypes for a row with RV units of its own (an rv value or a survey type), and rows with
 * no cost of their own per channel. At the end each count times its term is added to the
 * group's fixed-point sums: the same integers as adding the term row by row. */
typedef struct iv__ghist {
    uint64_t *h;            /* per group index: stride counters */
    size_t cap;             /* groups with counters */
    size_t stride;          /* 4 * (ntypes + 1) classes, then 1 + nchannels (0: cost given) */
    size_t ntypes, nchannels;
} iv__ghist;

typedef struct iv__fastjob {
    const iv__ctx *c;
    const iv__keyer *ks;
    size_t nk;
    iv__groups *G;
    const iv__i128 *rvfix;
    const uint8_t *own_type; /* per type code: 1 for a survey type (RV units of its own) */
    size_t c0, c1;          /* walk: contact ids [c0, c1); scan: rows [c0, c1) */
    int scan;               /* rows in store order, contacts counted in cb */
    iv__cbits cb;
    iv__ghist hist;         /* stride 0: every term added row by row */
    int over;               /* scan: the bitmaps would pass their budget */
    int tick;               /* call the progress callback (one job only) */
    int rc;
} iv__fastjob;

#define IV__SCAN_BLOCK 1024 /* rows per scan step (divides 0x10000: ticks) */
#define IV__SCAN_AHEAD 16 /* rows between a contact bitmap word's prefetch and its use */
/* Scratch bytes per row of a scan block: its key and four decoded code columns. */
#define IV__SCAN_BYTES (sizeof(uint64_t) + 4 * sizeof(uint32_t))
/* Bytes of contact bitmaps a scan may use (all jobs together); past this, the query
 * walks the contact index instead (many groups times many contacts). Variables, so
 * that the tests can compare the scan with the walk and check the fallback. */
extern size_t iv__group_scan_bits_max;
extern int iv__group_force_walk;
extern size_t iv__group_parallel_rows;
/* Bytes of class counters (iv__ghist) a job may use for the largest key space; above it,
 * every term is added row by row. A variable, so that the tests can compare the two. */
extern size_t iv__group_hist_max;
size_t iv__group_hist_max = (size_t)16 << 20;
/* Bytes of a job's contact bitmaps past which the scan prefetches their words (about a
 * core's cache); a variable, so that the tests can run the prefetch on small stores. */
extern size_t iv__group_ahead_bytes;
size_t iv__group_ahead_bytes = (size_t)1 << 20;
size_t iv__group_parallel_rows = 200000; /* smaller stores are grouped on one thread */
size_t iv__group_scan_bits_max = (size_t)48 << 20;
int iv__group_force_walk = 0;

/* The progress call of a scan, every 16 blocks: the rows done scaled to contacts. */
static int iv__scan_tick(const iv__ctx *c, size_t rows_done, size_t nrows, size_t nc)
{
    size_t done = nrows ? (size_t)((double)rows_done / (double)nrows * (double)nc) : nc;
    if (c->progress && c->progress(done, nc, c->payload))
        return iv__error(IV_ECANCELED, "query canceled by the progress callback");
    return IV_OK;
}

static void iv__cbits_free(iv__cbits *b, const iv__alloc *a)
{
    size_t i;
    for (i = 0; i < b->cap; i++)
        iv__free(a, b->map[i], b->words * sizeof **b->map);
    iv__free(a, b->map, b->cap * sizeof *b->map);
    b->map = NULL;
    b->cap = b->bytes = 0;
}

/* The bitmap of group gi (allocated zeroed on first use); NULL when out of memory
 * (rc set) or over the budget (*over set). */
static uint64_t *iv__cbits_of(iv__cbits *b, const iv__alloc *a, size_t gi, int *over, int *rc)
{
    uint64_t *m;
    if (gi >= b->cap) {
        void *p = b->map;
        size_t old = b->cap;
        if (iv__grow(a, &p, &b->cap, gi + 1, sizeof *b->map)) {
            *rc = IV_ENOMEM;
            return NULL;
        }
        b->map = p;
        memset(b->map + old, 0, (b->cap - old) * sizeof *b->map);
    }
    if ((m = b->map[gi]) != NULL)
        return m;
    if (b->bytes + b->words * sizeof *m > b->budget) {
        *over = 1;
        return NULL;
    }
    if (!(m = iv__calloc(a, b->words, sizeof *m))) {
        *rc = IV_ENOMEM;
        return NULL;
    }
    b->bytes += b->words * sizeof *m;
    return b->map[gi] = m;
}

/* The counters of group gi (zeroed when new); NULL when out of memory. Groups are
 * numbered in creation order, so the array grows by one group at a time. */
static uint64_t *iv__ghist_of(iv__ghist *h, const iv__alloc *a, size_t gi)
{
    if (gi >= h->cap) {
        void *p = h->h;
        size_t old = h->cap, esz = h->stride * sizeof *h->h;
        if (iv__grow(a, &p, &h->cap, gi + 1, esz))
            return NULL;
        h->h = p;
        memset(h->h + old * h->stride, 0, (h->cap - old) * esz);
    }
    return h->h + gi * h->stride;
}

static void iv__ghist_free(iv__ghist *h, const iv__alloc *a)
{
    iv__free(a, h->h, h->cap * h->stride * sizeof *h->h);
    h->h = NULL;
    h->cap = 0;
}

/* Add the counters of every group into its sums: count times term, exact in 128 bits. */
static void iv__ghist_fold(const iv__ghist *h, const iv__ctx *c, const iv__i128 *rvfix, iv__groups *G)
{
    size_t gi, t, o, ch;
    for (gi = 0; gi < G->n && gi < h->cap; gi++) {
        const uint64_t *hc = h->h + gi * h->stride, *hch = hc + 4 * (h->ntypes + 1);
        iv__gacc *g = &G->g[gi].acc;
        for (t = 0; t <= h->ntypes; t++)
            for (o = 0; o < 4; o++) {
                uint64_t k = hc[t * 4 + o];
                if (!k)
                    continue;
                g->n += k;
                g->quality += (iv__i128)k * c->qfix[o];
                if (o) {
                    g->outcome_given += k;
                    g->desired += o == IV_OUTCOME_DESIRED ? k : 0;
                }
                if (t < h->ntypes) { /* no RV of its own: the type's */
                    const iv__type_info *ti = &c->ti[t];
                    g->rv += (iv__i128)k * rvfix[t];
                    g->rv_forward += ti->rv > 0 ? k : 0;
                    g->rv_backward += ti->rv < 0 ? k : 0;
                    g->rv_unscored += ti->known ? 0 : k;
                }
            }
        for (ch = 0; ch < h->nchannels; ch++)
            if (hch[ch + 1]) {
                g->cost += (iv__i128)hch[ch + 1] * c->cost_fix[ch];
                g->cost_assumed += hch[ch + 1];
            }
    }
}

/* The key of a row for the fused loop: the dimensions that are plain code columns or
 * time buckets read from local copies (the writes into the groups could otherwise alias
 * the store's fields and force a reload of every pointer per row); anything else falls
 * back to iv__key_code. */
typedef struct iv__fastkey {
    iv__codes codes;        /* code columns */
    const uint32_t *daycode;/* time buckets */
    int64_t day0;
    uint64_t card;
    int how;                /* 0 codes, 1 bucket, 2 general, 3 stage, 4 area (scan) */
} iv__fastkey;

/* The codes of rows [r0, r0 + n) as 32-bit values: one switch on the width per block,
 * not per row. */
static void iv__codes_block(const iv__codes *c, size_t r0, size_t n, uint32_t *out)
{
    size_t k;
    switch (c->width) {
    case 1: {
        const uint8_t *p = (const uint8_t *)c->data + r0;
        for (k = 0; k < n; k++)
            out[k] = p[k];
        break;
    }
    case 2: {
        const uint16_t *p = (const uint16_t *)c->data + r0;
        for (k = 0; k < n; k++)
            out[k] = p[k];
        break;
    }
    case 4: memcpy(out, (const uint32_t *)c->data + r0, n * sizeof *out); break;
    default: memset(out, 0, n * sizeof *out); break;
    }
}

/* The composite keys of rows [base, base + n) (scan), a dimension at a time; tyb and chb
 * hold their type and channel codes, code is a scratch array of n entries. Rows that the time range or the
 * selection leave out get a key too (never used). */
static void iv__keys_block(const iv__fastkey *fk, const iv__keyer *ks, size_t nk, const iv__ctx *c,
                           size_t base, size_t n, const uint32_t *tyb, const uint32_t *chb, uint32_t *code,
                           uint64_t *keyb)
{
    const iv_store *s = c->s;
    const int64_t *ts = s->ts;
    const uint16_t *enums = s->enums;
    const uint8_t *type_stage = c->type_stage;
    size_t d, k;
    for (d = 0; d < nk; d++) {
        const uint32_t *daycode = fk[d].daycode;
        int64_t day0 = fk[d].day0;
        uint64_t card = fk[d].card;
        switch (fk[d].how) {
        case 0: iv__codes_block(&fk[d].codes, base, n, code); break;
        case 1:
            for (k = 0; k < n; k++)
                code[k] = daycode[iv__day_of_ms(ts[base + k]) - day0];
            break;
        case 3: /* iv__ctx_stage, from the local copies */
            for (k = 0; k < n; k++) { /* no branch: most rows leave the stage to the type */
                uint32_t st = IV__EN_STAGE(enums[base + k]);
                code[k] = st + (type_stage[tyb[k]] & (0u - (st == 0)));
            }
            break;
        case 4: /* iv__ctx_area: the row's area, else its channel's */
            for (k = 0; k < n; k++) {
                uint32_t ar = IV__EN_AREA(enums[base + k]);
                code[k] = ar + ((uint32_t)c->ci[chb[k]].area & (0u - (ar == 0)));
            }
            break;
        default:
            for (k = 0; k < n; k++)
                code[k] = iv__key_code(&ks[d], c, base + k);
            break;
        }
        if (d == 0)
            for (k = 0; k < n; k++)
                keyb[k] = code[k];
        else
            for (k = 0; k < n; k++)
                keyb[k] = keyb[k] * card + code[k];
    }
}

/* The fused loop over one job's rows, specialised by the caller for its two modes (both
 * constants after inlining): scan (rows in store order, contacts in bitmaps) or walk
 * (contacts in index order); hist (class counters, iv__ghist) or every term added to
 * the group's sums row by row. */
static inline __attribute__((always_inline)) int iv__group_fast_rows(iv__fastjob *j, const int scan,
                                                                      const int hist)
{
    const iv__ctx *c = j->c;
    const iv__keyer *ks = j->ks;
    size_t nk = j->nk, nc = c->s->contacts.count, ci, k, d;
    iv__groups *G = j->G;
    const iv__i128 *rvfix = j->rvfix;
    const uint8_t *own_type = j->own_type;
    const iv_store *s = c->s;
    /* local copies of everything read per row */
    const int64_t *ts = s->ts, from = c->from, to = c->to;
    const double *costs = s->cost, *values = s->value;
    const uint16_t *enums = s->enums;
    int rc = IV_OK;
    /* the index only when walking: a scan runs without it, while another reader may be
     * building it */
    const uint32_t *idx_rows = scan ? NULL : s->idx_rows, *idx_start = scan ? NULL : s->idx_start;
    const iv__codes tcodes = s->type.codes, chcodes = s->channel.codes, rvcodes = s->rv.codes;
    const iv__type_info *tis = c->ti;
    const iv__i128 *cost_fix = c->cost_fix;
    const iv__sel *sel = c->sel;
    const uint32_t *contact = s->contact;
    const uint8_t *type_stage = c->type_stage;
    uint32_t *dense = G->dense;
    const size_t hclasses = 4 * (j->hist.ntypes + 1), hspecial = 4 * j->hist.ntypes;
    iv__i128 qfix[4];
    iv__fastkey fk[IV_MAX_DIMS + 20];
    /* scan: the block's composite keys and its type, RV and channel codes (on the heap:
     * a caller's thread may have a small stack) */
    uint64_t *keyb = NULL;
    uint32_t *tyb = NULL, *rvb = NULL, *chb = NULL, *codeb = NULL;
    size_t nseg = scan ? (j->c1 - j->c0 + IV__SCAN_BLOCK - 1) / IV__SCAN_BLOCK : j->c1 - j->c0;
    memcpy(qfix, c->qfix, sizeof qfix);
    if (scan) {
        if (!(keyb = iv__malloc(&c->a, IV__SCAN_BLOCK * IV__SCAN_BYTES)))
            return iv__nomem("groups");
        tyb = (uint32_t *)(keyb + IV__SCAN_BLOCK);
        rvb = tyb + IV__SCAN_BLOCK;
        chb = rvb + IV__SCAN_BLOCK;
        codeb = chb + IV__SCAN_BLOCK;
    }
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
        case IV__DIM_STAGE: fk[d].how = 3; break;
        case IV__DIM_AREA: fk[d].how = scan ? 4 : 2; break;
        default: break;
        }
    }
    /* segments: walk, contact ci's rows in time order; scan, a block of rows in store
     * order */
    for (ci = 0; ci < nseg && rc == IV_OK; ci++) {
        const uint32_t *rows = NULL;
        size_t n, base = 0;
        int each = 1; /* test each row against the time range and the selection */
        int ahead = 0; /* scan: prefetch the contact bitmaps' words */
        if (scan) {
            ahead = dense && j->cb.bytes > iv__group_ahead_bytes;
            base = j->c0 + ci * IV__SCAN_BLOCK;
            n = IV__MIN((size_t)IV__SCAN_BLOCK, j->c1 - base);
            each = sel != NULL;
            if (from != IV_TIME_NONE || to != IV_TIME_NONE) {
                /* a block wholly out of the range is passed over, one wholly in it
                 * needs no test per row (a store in time order has few others) */
                int64_t lo = INT64_MAX, hi = INT64_MIN;
                for (k = 0; k < n; k++) {
                    lo = IV__MIN(lo, ts[base + k]);
                    hi = IV__MAX(hi, ts[base + k]);
                }
                if ((from != IV_TIME_NONE && hi < from) || (to != IV_TIME_NONE && lo >= to))
                    goto next;
                each |= (from != IV_TIME_NONE && lo < from) || (to != IV_TIME_NONE && hi >= to);
            }
            iv__codes_block(&tcodes, base, n, tyb);
            iv__codes_block(&rvcodes, base, n, rvb);
            iv__codes_block(&chcodes, base, n, chb);
            if (nk)
                iv__keys_block(fk, ks, nk, c, base, n, tyb, chb, codeb, keyb);
        } else {
            rows = idx_rows + idx_start[j->c0 + ci];
            n = idx_start[j->c0 + ci + 1] - idx_start[j->c0 + ci];
        }
        for (k = 0; k < n; k++) {
            size_t r = scan ? base + k : rows[k];
            uint32_t ty, rvc;
            const iv__type_info *ti;
            double u, cost, value;
            int64_t t = ts[r];
            uint64_t key = 0;
            iv__i128 ufix;
            int outcome, assumed;
            long gi;
            iv__group *g;
            if (each && ((from != IV_TIME_NONE && t < from) || (to != IV_TIME_NONE && t >= to) ||
                         (sel && !iv__sel_row(sel, c, r))))
                continue;
            ty = scan ? tyb[k] : iv__codes_get(&tcodes, r);
            ti = &tis[ty];
            rvc = scan ? rvb[k] : iv__codes_get(&rvcodes, r);
            if (scan)
                key = nk ? keyb[k] : 0;
            for (d = 0; d < nk && !scan; d++) {
                uint32_t code;
                if (fk[d].how == 0)
                    code = iv__codes_get(&fk[d].codes, r);
                else if (fk[d].how == 1)
                    code = fk[d].daycode[iv__day_of_ms(t) - fk[d].day0];
                else if (fk[d].how == 3) /* iv__ctx_stage, from the local copies */
                    code = IV__EN_STAGE(enums[r]) ? IV__EN_STAGE(enums[r]) : type_stage[ty];
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
            if (scan) {
                uint32_t who = contact[r];
                uint64_t *m = (size_t)gi < j->cb.cap ? j->cb.map[gi] : NULL;
                if (ahead && k + IV__SCAN_AHEAD < n) {
                    /* the bitmap word of a row further on (its key is known): with more
                     * bitmaps than a core's cache, in a store not in contact order,
                     * each row's word is a miss of its own */
                    uint32_t ga = dense[nk ? keyb[k + IV__SCAN_AHEAD] : 0];
                    const uint64_t *ma = ga && ga - 1 < j->cb.cap ? j->cb.map[ga - 1] : NULL;
                    if (ma)
                        __builtin_prefetch(&ma[contact[r + IV__SCAN_AHEAD] >> 6], 1);
                }
                if (!m && !(m = iv__cbits_of(&j->cb, &c->a, (size_t)gi, &j->over, &rc))) {
                    if (rc != IV_OK)
                        rc = iv__nomem("groups");
                    else
                        rc = IV_ECANCELED; /* over the budget: stop; the caller walks instead */
                    break;
                }
                m[who >> 6] |= UINT64_C(1) << (who & 63);
            } else if (g->last_contact != j->c0 + ci) {
                g->last_contact = (uint32_t)(j->c0 + ci);
                g->acc.contacts++;
            }
            cost = costs[r];
            value = values[r];
            outcome = (int)IV__EN_OUTCOME(enums[r]);
            assumed = cost != cost;
            if (hist) {
                int own = (rvc | own_type[ty]) != 0;
                uint64_t *hg;
                if ((size_t)gi >= j->hist.cap && !iv__ghist_of(&j->hist, &c->a, (size_t)gi)) {
                    rc = iv__nomem("groups");
                    break;
                }
                hg = j->hist.h + (size_t)gi * j->hist.stride;
                hg[(own ? hspecial : (size_t)ty * 4) + (size_t)outcome]++;
                /* no branch on a cost that is absent in most rows of some logs and given
                 * in most of others */
                hg[hclasses + ((1 + (size_t)(scan ? chb[k] : iv__codes_get(&chcodes, r))) & (0 - (size_t)assumed))]++;
                g->acc.cost += iv__fix_of_absent(cost);
                g->acc.value += iv__fix_of_absent(value);
                if (own) {
                    if (rvc) {
                        memcpy(&u, iv__pool_str(&s->rv.pool, rvc), sizeof u);
                    } else {
                        u = iv__model_survey_rv(ti, iv__store_score(s, r));
                    }
                    g->acc.rv += iv__fix_of(u);
                    g->acc.rv_forward += u > 0;
                    g->acc.rv_backward += u < 0;
                    if (ti->survey) {
                        double score = iv__store_score(s, r);
                        if (score == score)
                            iv__gacc_add_survey(&g->acc, ti->survey, score);
                    }
                }
                continue;
            }
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
            iv__gacc_unscored(&g->acc, !rvc && !ti->known);
            iv__gacc_add_fix(&g->acc, assumed ? cost_fix[scan ? chb[k] : iv__codes_get(&chcodes, r)] : iv__fix_of(cost),
                             assumed, iv__fix_of(value), qfix[outcome],
                             outcome == IV_OUTCOME_DESIRED ? 1 : outcome ? 2 : 0, u, ufix, ti->survey,
                             ti->survey ? iv__store_score(s, r) : (double)NAN);
        }
    next:
        if (rc == IV_OK && j->tick)
            rc = !scan ? iv__ctx_tick(c, j->c0 + ci, nc)
                 /* progress counts contacts (query.h): the rows scanned, scaled to them */
                 : ci % (0x10000 / IV__SCAN_BLOCK) == 0 ? iv__scan_tick(c, base, s->nrows, nc) : IV_OK;
    }
    if (hist && rc == IV_OK)
        iv__ghist_fold(&j->hist, c, rvfix, G);
    iv__free(&c->a, keyb, IV__SCAN_BLOCK * IV__SCAN_BYTES);
    return rc;
}

static int iv__group_fast_range(iv__fastjob *j)
{
    int hist = j->hist.stride != 0;
    j->rc = j->scan ? (hist ? iv__group_fast_rows(j, 1, 1) : iv__group_fast_rows(j, 1, 0))
                    : (hist ? iv__group_fast_rows(j, 0, 1) : iv__group_fast_rows(j, 0, 0));
    return j->rc;
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

/* Fold the contact bitmaps of job h into job 0's (indexed like G, which has absorbed
 * h's groups already). */
static int iv__cbits_absorb(iv__fastjob *j0, const iv__fastjob *h, iv__groups *G, const iv__alloc *a)
{
    size_t gi, w;
    for (gi = 0; gi < h->G->n && gi < h->cb.cap; gi++) {
        const uint64_t *src = h->cb.map[gi];
        uint64_t *dst;
        long to;
        int over = 0, rc = IV_OK;
        if (!src)
            continue;
        if ((to = iv__groups_get(G, a, h->G->g[gi].key)) < 0)
            return IV_ENOMEM;
        j0->cb.budget = SIZE_MAX; /* the merge itself is never refused */
        if (!(dst = iv__cbits_of(&j0->cb, a, (size_t)to, &over, &rc)))
            return IV_ENOMEM;
        for (w = 0; w < j0->cb.words; w++)
            dst[w] |= src[w];
    }
    return IV_OK;
}

/* Run the fused loop on jobs: scan (rows in store order, bitmaps for the distinct
 * contacts) or walk (contacts in index order). Returns IV_OK, an error, or 1 when a
 * scan passed its bitmap budget (nothing of it remains in G). */
static int iv__group_fast_jobs(iv__ctx *c, const iv__keyer *ks, size_t nk, iv__groups *G,
                               const iv__i128 *rvfix, const uint8_t *own_type, int scan)
{
    const iv_store *s = c->s;
    size_t nc = s->contacts.count, nj, i, gi;
    iv__fastjob jobs[IV__MAX_THREADS];
    iv__groups extra[IV__MAX_THREADS];
    pthread_t th[IV__MAX_THREADS];
    int started[IV__MAX_THREADS] = {0};
    int rc = IV_OK, over = 0;
    size_t hstride = 4 * (s->type.pool.count + 1) + 1 + s->channel.pool.count;
    uint64_t space = 1;
    if (!scan && (rc = iv__store_index(s)))
        return rc;
    /* class counters when they fit their budget for every possible group (the key
     * space bounds the groups; iv__groups_init has checked its product) */
    for (i = 0; i < nk; i++)
        space *= ks[i].card ? ks[i].card : 1;
    if (space > iv__group_hist_max / (hstride * sizeof(uint64_t)))
        hstride = 0;
    /* split the rows (scan) or the contacts (walk, about equal row counts) into jobs;
     * small stores run alone */
    nj = c->threads > 1 ? IV__MIN(c->threads, IV__MAX_THREADS) : 1;
    if (s->nrows < iv__group_parallel_rows)
        nj = 1;
    memset(extra, 0, sizeof extra);
    memset(jobs, 0, sizeof jobs);
    for (i = 0; i < nj; i++) {
        size_t target = s->nrows * i / nj, lo = 1, hi = nc;
        jobs[i].c = c;
        jobs[i].ks = ks;
        jobs[i].nk = nk;
        jobs[i].rvfix = rvfix;
        jobs[i].own_type = own_type;
        jobs[i].tick = i == 0;
        jobs[i].rc = IV_OK;
        jobs[i].scan = scan;
        jobs[i].cb.words = (nc + 63) / 64;
        jobs[i].cb.budget = iv__group_scan_bits_max / nj;
        jobs[i].hist.stride = hstride;
        jobs[i].hist.ntypes = s->type.pool.count;
        jobs[i].hist.nchannels = s->channel.pool.count;
        if (scan) {
            jobs[i].c0 = target;
        } else {
            /* first contact whose rows start at or after the target (binary search) */
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (s->idx_start[mid] < target)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            jobs[i].c0 = i == 0 ? 1 : lo;
        }
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
        jobs[nj - 1].c1 = scan ? s->nrows : nc > 1 ? nc : 1;
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
        for (i = 0; i < nj; i++)
            over |= jobs[i].over;
        for (i = 0; i < nj && rc == IV_OK && !over; i++)
            rc = jobs[i].rc;
        for (i = 1; i < nj && rc == IV_OK && !over; i++)
            if ((rc = iv__groups_absorb(G, &extra[i], &c->a)) == IV_OK && scan)
                rc = iv__cbits_absorb(&jobs[0], &jobs[i], G, &c->a);
        if (rc == IV_OK && !over && scan)
            for (gi = 0; gi < G->n; gi++) {
                const uint64_t *m = gi < jobs[0].cb.cap ? jobs[0].cb.map[gi] : NULL;
                uint64_t n = 0;
                size_t w;
                for (w = 0; m && w < jobs[0].cb.words; w++)
                    n += (uint64_t)__builtin_popcountll(m[w]);
                G->g[gi].acc.contacts = n;
            }
        if (rc == IV_ENOMEM)
            rc = iv__nomem("groups");
    }
    for (i = 0; i < nj; i++) {
        iv__cbits_free(&jobs[i].cb, &c->a);
        iv__ghist_free(&jobs[i].hist, &c->a);
    }
    for (i = 1; i < nj; i++)
        iv__groups_free(&extra[i], &c->a);
    return over && rc == IV_OK ? 1 : rc;
}

/* The fused loop: rows in store order when the contact bitmaps fit their budget (no
 * random access over the columns, and no need of the contact index), else the walk
 * over the contact index. Both give the same groups and sums (the sums are exact). */
static int iv__group_fast(iv__ctx *c, const iv__keyer *ks, size_t nk, iv__groups *G)
{
    const iv_store *s = c->s;
    size_t nt = s->type.pool.count, t;
    iv__i128 *rvfix = iv__malloc(&c->a, nt * sizeof *rvfix);
    uint8_t *own_type = iv__malloc(&c->a, nt);
    int rc;
    if (!rvfix || !own_type) {
        iv__free(&c->a, rvfix, nt * sizeof *rvfix);
        iv__free(&c->a, own_type, nt);
        return iv__nomem("groups");
    }
    for (t = 0; t < nt; t++) {
        rvfix[t] = iv__fix_of(c->ti[t].rv);
        own_type[t] = c->ti[t].survey != 0;
    }
    rc = iv__group_fast_jobs(c, ks, nk, G, rvfix, own_type, !iv__group_force_walk);
    if (rc == 1) { /* too many groups times contacts for bitmaps: start again, walking */
        iv__groups_free(G, &c->a);
        if ((rc = iv__groups_init(G, &c->a, ks, nk)) == IV_OK)
            rc = iv__group_fast_jobs(c, ks, nk, G, rvfix, own_type, 0);
    }
    iv__free(&c->a, rvfix, nt * sizeof *rvfix);
    iv__free(&c->a, own_type, nt);
    return rc;
}

/* The row function of iv__group_run with keys_only: the row's group and the hook, nothing
 * summed (u and cost NaN). */
static int iv__group_key_row(iv__ctx *c, size_t r, uint32_t contact, double u, void *payload)
{
    iv__gwalk *w = payload;
    long gi = iv__groups_get(w->G, &c->a, iv__row_key(w->ks, w->nk, c, r));
    (void)u;
    if (gi < 0)
        return IV_ENOMEM;
    return w->hook(w->hook_payload, c, (size_t)gi, contact, r, (double)NAN, (double)NAN);
}

static int iv__group_run_ex(iv__ctx *c, const iv__keyer *ks, size_t nk, iv__groups *G,
                            iv__group_hook hook, void *hook_payload, int keys_only)
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
    if (keys_only)
        rc = iv__walk_ex(c, iv__group_key_row, &w, 0);
    else
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

int iv__group_run(iv__ctx *c, const iv__keyer *ks, size_t nk, iv__groups *G,
                  iv__group_hook hook, void *hook_payload)
{
    return iv__group_run_ex(c, ks, nk, G, hook, hook_payload, 0);
}

int iv__group_run_keys(iv__ctx *c, const iv__keyer *ks, size_t nk, iv__groups *G,
                       iv__group_hook hook, void *hook_payload)
{
    return iv__group_run_ex(c, ks, nk, G, hook, hook_payload, 1);
}

int iv__group_run_contacts(iv__ctx *c, iv__groups *G, iv__contact_hook hook, void *payload)
{
    const iv_store *s = c->s;
    size_t nc = s->contacts.count, ci;
    int rc;
    if (c->sel || c->stateful || c->from != IV_TIME_NONE || c->to != IV_TIME_NONE)
        return 1;
    if ((rc = iv__groups_init(G, &c->a, NULL, 0)))
        return rc;
    if ((rc = iv__store_index(s)) == IV_OK && iv__groups_get(G, &c->a, 0) < 0)
        rc = IV_ENOMEM;
    for (ci = 1; ci < nc && rc == IV_OK; ci++) {
        size_t n = s->idx_start[ci + 1] - s->idx_start[ci];
        if (n && (rc = hook(payload, (uint32_t)ci, s->idx_rows + s->idx_start[ci], n)))
            break;
        rc = iv__ctx_tick(c, ci, nc);
    }
    if (rc) {
        iv__groups_free(G, &c->a);
        return rc == IV_ENOMEM ? iv__nomem("groups") : rc;
    }
    return IV_OK;
}
