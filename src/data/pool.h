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

/* A slot of the hash table: the id, a tag and, for a string of 1..8 bytes, the string
 * itself (iv__pool_key8), so that finding a short string reads one slot and nothing
 * else (one cache miss in a large table instead of three: slot, entry, bytes). */
typedef struct iv__pool_slot {
    uint64_t key;       /* the string of 1..8 bytes packed; 0 for longer ones */
    uint32_t tag;       /* iv__pool_tag: the hash with its low 4 bits the length (15: > 8) */
    uint32_t id1;       /* id + 1; 0 = empty */
} iv__pool_slot;
/* The table grows past this fill (13/16): with 16-byte slots four share a cache line,
 * so the probes of a fuller table stay mostly in one line, and the table takes the
 * memory the 8-byte slots of a half-full one took. */
#define IV__POOL_LOAD_NUM 13
#define IV__POOL_LOAD_DEN 16

typedef struct iv__pool {
    char *bytes;        /* every string, each followed by a NUL */
    size_t nbytes, capbytes;
    iv__pool_ent *ents; /* ents[id] */
    size_t count, capids;
    iv__pool_slot *slots; /* open addressing, linear probing (iv__pool_slot) */
    size_t nslots;      /* power of two, at most IV__POOL_LOAD full */
    uint32_t last;      /* id of the last string interned (a one-entry cache: consecutive
                           rows often repeat a contact or a channel) */
    uint32_t last_n;    /* its length when 1..8 bytes, with the string packed in last_key
                           (iv__pool_key8), so that checking it reads no entry; else 0 */
    uint64_t last_key;
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

/* The tag of a slot: the hash with its low 4 bits replaced by the length (1..8), or 15
 * for a longer string (whose bytes are then compared through ents[]). The slot's place
 * comes from the whole hash. */
static inline uint32_t iv__pool_tag(uint32_t h, size_t n)
{
    return (h & ~UINT32_C(15)) | (uint32_t)(n <= 8 ? n : 15);
}

/* A string of 1..8 bytes in one word: with its length known (the tag), equal words are
 * equal strings (iv__words16's two words fit in 64 bits below 8 bytes). */
static inline uint64_t iv__pool_key8(const char *s, size_t n)
{
    uint64_t a, b;
    iv__words16(s, n, &a, &b);
    return n >= 8 ? a : a | b << 32;
}

/* Probe for a non-empty string with hash h: returns id + 1 when present, else 0 with *at
 * the empty slot where it would go. */
static inline uint32_t iv__pool_probe(const iv__pool *p, const char *s, size_t n, uint32_t h,
                                      size_t *at)
{
    size_t mask = p->nslots - 1, i = h & mask;
    uint32_t tag = iv__pool_tag(h, n);
    if (n <= 8) {
        uint64_t key = iv__pool_key8(s, n);
        for (;; i = (i + 1) & mask) {
            const iv__pool_slot *e = &p->slots[i];
            if (!e->id1)
                break;
            if (e->tag == tag && e->key == key)
                return e->id1;
        }
    } else {
        for (;; i = (i + 1) & mask) {
            const iv__pool_slot *e = &p->slots[i];
            if (!e->id1)
                break;
            if (e->tag == tag) {
                const iv__pool_ent *en = &p->ents[e->id1 - 1];
                if (en->len == n && memcmp(p->bytes + en->off, s, n) == 0)
                    return e->id1;
            }
        }
    }
    *at = i;
    return 0;
}

/* Prefetch for a lookup of a string of n bytes with hash h a few rows ahead. A string of
 * up to 8 bytes is found in its slot: stage 1 fetches the slot's cache line, and the
 * next when the slot is in the second half of its line (where a probe often runs on). A longer one needs the entry the slot names and its
 * bytes: stage 2 fetches the entry, stage 3 the bytes (each stage reads what the
 * previous one fetched); for a short string stages 2 and 3 do nothing. A wrong guess
 * (a collision, a resize) costs only a wasted prefetch. */
static inline void iv__pool_prefetch(const iv__pool *p, uint32_t h, size_t n, int stage)
{
#if defined(__GNUC__)
    size_t mask = p->nslots - 1;
    const iv__pool_slot *slot = &p->slots[h & mask];
    uint32_t id1;
    if (stage == 1) {
        __builtin_prefetch(slot);
        if (((uintptr_t)slot & 63) >= 32) /* in the second half of its line: a probe may run on */
            __builtin_prefetch(&p->slots[((h & mask) + 2) & mask]);
        return;
    }
    if (n <= 8)
        return;
    id1 = slot->id1;
    if (!id1 || id1 - 1 >= p->count)
        return;
    if (stage == 2)
        __builtin_prefetch(&p->ents[id1 - 1]);
    else
        __builtin_prefetch(p->bytes + p->ents[id1 - 1].off);
#else
    (void)p;
    (void)h;
    (void)n;
    (void)stage;
#endif
}

/* Find a non-empty string whose iv__hash is h: returns 1 and sets *id when present
 * (0 for a nodedup pool, which has no hash table). Inline for ingestion's appending
 * loop; iv__pool_intern_hashed inserts what it does not find. */
static inline int iv__pool_lookup(const iv__pool *p, const char *s, size_t n, uint32_t h,
                                  uint32_t *id)
{
    size_t at;
    uint32_t id1;
    if (p->nodedup || !(id1 = iv__pool_probe(p, s, n, h, &at)))
        return 0;
    *id = id1 - 1;
    return 1;
}

/* iv__pool_intern for an append-only pool (nodedup: the source ids) and a string of 1..16
 * bytes, inline for the appending loop: the check against the last string (which that
 * pool keeps: an id repeated on consecutive rows keeps its id), then the copy, the entry
 * and the count, as iv__pool_intern_miss would do them; it takes the call when the
 * string is longer, the pool must grow, or the limit is reached (which words the error). */
static inline int iv__pool_append(iv__pool *p, const iv__alloc *a, const char *s, size_t n, uint32_t *id,
                                  uint64_t *limit_left)
{
    uint64_t wa, wb, key;
    size_t at;
    if (n == 0 || n > 16 || !p->nodedup || p->nbytes + 17 > p->capbytes || p->count + 1 > p->capids ||
        !limit_left || *limit_left == 0 || p->count >= UINT32_MAX - 1)
        return iv__pool_intern_miss(p, a, s, n, id, limit_left);
    iv__words16(s, n, &wa, &wb);
    key = n >= 8 ? wa : wa | wb << 32; /* iv__pool_key8 for n <= 8 */
    if (p->last && (n <= 8 ? p->last_n == n && p->last_key == key
                           : p->ents[p->last].len == n && iv__bytes_same(p->bytes + p->ents[p->last].off, s, n))) {
        *id = p->last;
        return IV_OK;
    }
    at = p->nbytes;
    if (n >= 8) { /* two overlapping 8-byte copies (room for 17 bytes checked above) */
        memcpy(p->bytes + at, s, 8);
        memcpy(p->bytes + at + n - 8, s + n - 8, 8);
    } else if (n >= 4) {
        memcpy(p->bytes + at, s, 4);
        memcpy(p->bytes + at + n - 4, s + n - 4, 4);
    } else {
        p->bytes[at] = s[0];
        p->bytes[at + n / 2] = s[n / 2];
        p->bytes[at + n - 1] = s[n - 1];
    }
    p->bytes[at + n] = '\0';
    p->nbytes = at + n + 1;
    p->ents[p->count].off = at;
    p->ents[p->count].len = (uint32_t)n;
    p->ents[p->count].hash = 0;
    *id = (uint32_t)p->count;
    p->last = *id;
    p->last_n = n <= 8 ? (uint32_t)n : 0;
    p->last_key = n <= 8 ? key : 0;
    p->count++;
    (*limit_left)--;
    return IV_OK;
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
