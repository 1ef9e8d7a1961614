/* Internal: the string interner (pool.c): distinct byte strings get dense ids
 * 0..count-1, id 0 is the empty string; a recent-string cache and an open-addressing hash
 * table make interning a few loads for the short, repeated values of a log. */
#ifndef IV_SRC_POOL_H
#define IV_SRC_POOL_H

#include "core.h"

/* ---- interner: distinct byte strings get dense ids 0..count-1; id 0 is "" ---- */
typedef struct iv__pool_ent {
    uint64_t off;       /* start in bytes */
    uint32_t len;       /* length without the NUL */
    uint32_t hash;
} iv__pool_ent;
/* A recently interned string of 1..16 bytes, held as the two words iv__hash reads
 * (overlapping loads), so a hit costs two loads and three compares. */
typedef struct iv__pool_recent {
    uint64_t a, b;
    uint32_t n;         /* 0: empty */
    uint32_t id;
} iv__pool_recent;
#define IV__POOL_RECENT 16

typedef struct iv__pool {
    char *bytes;        /* every string, each followed by a NUL */
    size_t nbytes, capbytes;
    iv__pool_ent *ents; /* ents[id] */
    size_t count, capids;
    uint64_t *slots;    /* open addressing, linear probing: hash << 32 | (id + 1), 0 = empty;
                           the hash in the slot spares a load of ents[] per probe */
    size_t nslots;      /* power of two, at most half full */
    uint32_t last;      /* id of the last string interned (a one-entry cache: consecutive
                           rows often repeat a contact or a channel) */
    int nodedup;        /* append only, no hash table: for columns whose values are
                           unique anyway (source ids); find() then scans */
    iv__pool_recent recent[IV__POOL_RECENT]; /* direct-mapped by content: a column's few
                           frequent values (channels, types, teams) skip the hash table */
} iv__pool;

int iv__pool_init(iv__pool *p, const iv__alloc *a);
/* Same, for an append-only pool (no deduplication, no hash table). */
int iv__pool_init_nodedup(iv__pool *p, const iv__alloc *a);
void iv__pool_free(iv__pool *p, const iv__alloc *a);
/* iv__pool_intern when the string is not in the recent cache (or longer than 16 bytes). */
int iv__pool_intern_miss(iv__pool *p, const iv__alloc *a, const char *s, size_t n, uint32_t *id,
                         uint64_t *limit_left);

/* Two words that together hold every byte of a string of 1..16 bytes, read without
 * going past its end: two overlapping loads of 8 (or 4) bytes, or three single bytes
 * below 4. With the length known, equal words mean equal strings. */
static inline void iv__words16(const char *s, size_t n, uint64_t *a, uint64_t *b)
{
    if (n >= 8) {
        memcpy(a, s, 8);
        memcpy(b, s + n - 8, 8);
    } else if (n >= 4) {
        uint32_t x, y;
        memcpy(&x, s, 4);
        memcpy(&y, s + n - 4, 4);
        *a = x;
        *b = y;
    } else {
        *a = (uint64_t)(unsigned char)s[0] | (uint64_t)(unsigned char)s[n / 2] << 8 |
             (uint64_t)(unsigned char)s[n - 1] << 16;
        *b = 0;
    }
}

/* Equality of two byte strings of length n, inline for short ones. */
static inline int iv__bytes_same(const char *x, const char *y, size_t n)
{
    uint64_t xa, xb, ya, yb;
    if (n > 16)
        return memcmp(x, y, n) == 0;
    if (n == 0)
        return 1;
    iv__words16(x, n, &xa, &xb);
    iv__words16(y, n, &ya, &yb);
    return ((xa ^ ya) | (xb ^ yb)) == 0;
}

/* The recent-cache entry of a short string: Fibonacci hashing of its words (Knuth,
 * TAOCP vol. 3, section 6.4). */
static inline iv__pool_recent *iv__pool_recent_of(iv__pool *p, uint64_t a, uint64_t b, size_t n)
{
    return &p->recent[((a ^ (b << 7) ^ n) * UINT64_C(0x9E3779B97F4A7C15)) >> 60];
}

/* Find or insert; *id receives the id. *limit_left is decremented on insert and an
 * insert with *limit_left == 0 fails with IV_ELIMIT (limit_left may be NULL). Inline
 * for the cases that cost a few instructions (empty text, a recent short string), as
 * the append path calls it for every text column of every row. */
static inline int iv__pool_intern(iv__pool *p, const iv__alloc *a, const char *s, size_t n,
                                  uint32_t *id, uint64_t *limit_left)
{
    if (n == 0) {
        *id = 0;
        return IV_OK;
    }
    if (n <= 16 && !p->nodedup) {
        uint64_t wa, wb;
        const iv__pool_recent *e;
        iv__words16(s, n, &wa, &wb);
        e = iv__pool_recent_of(p, wa, wb, n);
        if (e->a == wa && e->b == wb && e->n == n) {
            *id = e->id;
            return IV_OK;
        }
    }
    return iv__pool_intern_miss(p, a, s, n, id, limit_left);
}
/* iv__pool_intern for a string whose iv__hash the caller computed already (h): the
 * ingestion's parser threads hash the contacts, the appending thread only probes. */
int iv__pool_intern_hashed(iv__pool *p, const iv__alloc *a, const char *s, size_t n, uint32_t h,
                           uint32_t *id, uint64_t *limit_left);

#define IV__SLOT(h, id) (((uint64_t)(h) << 32) | ((uint64_t)(id) + 1))
#define IV__SLOT_ID(e) ((uint32_t)((e) & 0xffffffffu) - 1)
#define IV__SLOT_HASH(e) ((uint32_t)((e) >> 32))

/* Prefetches for a lookup of hash h a few rows ahead, so that the three dependent
 * cache misses of a lookup in a large pool (the slot, the entry it names, the string's
 * bytes) overlap with other rows' work: stage 1 fetches the first slot the lookup
 * probes, stage 2 the entry that slot names, stage 3 the entry's bytes. Each stage
 * reads what the previous one fetched; a wrong guess (a collision, a resize) costs
 * only a wasted prefetch. */
static inline void iv__pool_prefetch(const iv__pool *p, uint32_t h, int stage)
{
#if defined(__GNUC__)
    const uint64_t *slot = &p->slots[h & (p->nslots - 1)];
    uint64_t e;
    if (stage == 1) {
        __builtin_prefetch(slot);
        return;
    }
    e = *slot;
    if (!e || IV__SLOT_ID(e) >= p->count)
        return;
    if (stage == 2)
        __builtin_prefetch(&p->ents[IV__SLOT_ID(e)]);
    else
        __builtin_prefetch(p->bytes + p->ents[IV__SLOT_ID(e)].off);
#else
    (void)p;
    (void)h;
    (void)stage;
#endif
}

/* Find a non-empty string whose iv__hash is h: returns 1 and sets *id when present
 * (0 for a nodedup pool, which has no hash table). Inline for ingestion's appending
 * loop; iv__pool_intern_hashed inserts what it does not find. */
static inline int iv__pool_lookup(const iv__pool *p, const char *s, size_t n, uint32_t h,
                                  uint32_t *id)
{
    size_t mask = p->nslots - 1, i;
    if (p->nodedup)
        return 0;
    for (i = h & mask;; i = (i + 1) & mask) {
        uint64_t e = p->slots[i];
        if (!e)
            return 0;
        if (IV__SLOT_HASH(e) == h) {
            const iv__pool_ent *en = &p->ents[IV__SLOT_ID(e)];
            if (en->len == n && iv__bytes_same(p->bytes + en->off, s, n)) {
                *id = IV__SLOT_ID(e);
                return 1;
            }
        }
    }
}

/* Find only: returns 1 and sets *id when present. */
int iv__pool_find(const iv__pool *p, const char *s, size_t n, uint32_t *id);
/* Drop the entries with id >= count (most recent first): undo of a partial row. */
void iv__pool_truncate(iv__pool *p, size_t count);
static inline const char *iv__pool_str(const iv__pool *p, uint32_t id)
{
    return p->bytes + p->ents[id].off;
}
static inline size_t iv__pool_len(const iv__pool *p, uint32_t id)
{
    return p->ents[id].len;
}
size_t iv__pool_memory(const iv__pool *p);
uint32_t iv__hash(const char *s, size_t n);

#endif
