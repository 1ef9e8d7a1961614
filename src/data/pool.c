/* String interner: distinct byte strings get dense ids; id 0 is the empty string.
 * Open addressing with linear probing over a power-of-two slot array holding id+1. */
#include "pool.h"

static inline uint64_t iv__ld8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Multiply-xorshift mixing of 64-bit words, folded to 32 bits with a final avalanche
 * (the finaliser of MurmurHash3's fmix64) so the low bits the slot mask uses depend on
 * every input bit. Strings up to 16 bytes, the common case (names, codes, ids), take
 * two loads and no loop. The value is only ever compared within one process. */
uint32_t iv__hash(const char *s, size_t n)
{
    uint64_t a = 0, b = 0, h = (uint64_t)n * UINT64_C(0x9E3779B97F4A7C15);
    if (n > 16) {
        size_t i;
        for (i = 0; i + 16 < n; i += 16) {
            h = (h ^ iv__ld8(s + i)) * UINT64_C(0xff51afd7ed558ccd);
            h = (h ^ (h >> 29) ^ iv__ld8(s + i + 8)) * UINT64_C(0xc4ceb9fe1a85ec53);
            h ^= h >> 32;
        }
        s += n - 16; /* the last 16 bytes, overlapping what came before */
        n = 16;
    }
    if (n)
        iv__words16(s, n, &a, &b);
    h = (h ^ a) * UINT64_C(0xff51afd7ed558ccd);
    h = (h ^ (h >> 29) ^ b) * UINT64_C(0xc4ceb9fe1a85ec53);
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    return (uint32_t)h;
}

static int iv__pool_setup(iv__pool *p, const iv__alloc *a, int nodedup)
{
    memset(p, 0, sizeof *p);
    p->nodedup = nodedup;
    p->capbytes = 256;
    p->capids = 16;
    p->nslots = 16; /* 256 bytes of 16-byte slots */
    p->bytes = iv__malloc(a, p->capbytes);
    p->ents = iv__malloc(a, p->capids * sizeof *p->ents);
    p->slots = iv__calloc(a, p->nslots, sizeof *p->slots);
    if (!p->bytes || !p->ents || !p->slots) {
        iv__pool_free(p, a);
        return iv__nomem("string pool");
    }
    /* id 0: the empty string, never in the hash table (lookups of "" return 0). */
    p->bytes[0] = '\0';
    p->nbytes = 1;
    p->ents[0].off = 0;
    p->ents[0].len = 0;
    p->ents[0].hash = 0;
    p->count = 1;
    return IV_OK;
}

int iv__pool_init(iv__pool *p, const iv__alloc *a)
{
    return iv__pool_setup(p, a, 0);
}

int iv__pool_init_nodedup(iv__pool *p, const iv__alloc *a)
{
    return iv__pool_setup(p, a, 1);
}

void iv__pool_free(iv__pool *p, const iv__alloc *a)
{
    iv__free(a, p->bytes, p->capbytes);
    iv__free(a, p->ents, p->capids * sizeof *p->ents);
    iv__free(a, p->slots, p->nslots * sizeof *p->slots);
    memset(p, 0, sizeof *p);
}

size_t iv__pool_memory(const iv__pool *p)
{
    return p->capbytes + p->capids * sizeof *p->ents + p->nslots * sizeof *p->slots;
}

static int iv__pool_eq(const iv__pool *p, uint32_t id, const char *s, size_t n)
{
    return p->ents[id].len == n && iv__bytes_same(p->bytes + p->ents[id].off, s, n);
}


int iv__pool_find(const iv__pool *p, const char *s, size_t n, uint32_t *id)
{
    uint32_t id1;
    size_t i;
    if (n == 0) {
        *id = 0;
        return 1;
    }
    if (p->nodedup) {
        for (i = 1; i < p->count; i++)
            if (iv__pool_eq(p, (uint32_t)i, s, n)) {
                *id = (uint32_t)i;
                return 1;
            }
        return 0;
    }
    id1 = iv__pool_probe(p, s, n, iv__hash(s, n), &i);
    if (id1)
        *id = id1 - 1;
    return id1 != 0;
}

static int iv__pool_rehash(iv__pool *p, const iv__alloc *a, size_t nslots)
{
    iv__pool_slot *ns = iv__calloc(a, nslots, sizeof *ns);
    size_t id, mask = nslots - 1;
    if (!ns)
        return iv__nomem("string pool hash table");
    for (id = 1; id < p->count; id++) {
        const iv__pool_ent *en = &p->ents[id];
        size_t i = en->hash & mask;
        while (ns[i].id1)
            i = (i + 1) & mask;
        ns[i].key = en->len <= 8 ? iv__pool_key8(p->bytes + en->off, en->len) : 0;
        ns[i].tag = iv__pool_tag(en->hash, en->len);
        ns[i].id1 = (uint32_t)id + 1;
    }
    iv__free(a, p->slots, p->nslots * sizeof *p->slots);
    p->slots = ns;
    p->nslots = nslots;
    return IV_OK;
}

static int iv__pool_intern_slow(iv__pool *p, const iv__alloc *a, const char *s, size_t n,
                                int hashed, uint32_t h, uint32_t *id, uint64_t *limit_left);

int iv__pool_intern_hashed(iv__pool *p, const iv__alloc *a, const char *s, size_t n, uint32_t h,
                           uint32_t *id, uint64_t *limit_left)
{
    return iv__pool_intern_slow(p, a, s, n, 1, h, id, limit_left);
}

/* Not in the recent cache (iv__pool_intern in store.h tried): the hash table, then
 * remember a short string in the cache. */
int iv__pool_intern_miss(iv__pool *p, const iv__alloc *a, const char *s, size_t n, uint32_t *id,
                         uint64_t *limit_left)
{
    uint64_t wa, wb;
    iv__pool_recent *e;
    int rc;
    if (n == 0 || n > 16 || p->nodedup)
        return iv__pool_intern_slow(p, a, s, n, 0, 0, id, limit_left);
    iv__words16(s, n, &wa, &wb);
    e = iv__pool_recent_of(p, wa, wb, n);
    rc = iv__pool_intern_slow(p, a, s, n, 0, 0, id, limit_left);
    if (rc == IV_OK) {
        e->a = wa;
        e->b = wb;
        e->n = (uint32_t)n;
        e->id = *id;
    }
    return rc;
}

/* Remember id (the string s of n bytes) as the last one interned. */
static void iv__pool_set_last(iv__pool *p, uint32_t id, const char *s, size_t n)
{
    p->last = id;
    p->last_n = n <= 8 ? (uint32_t)n : 0;
    p->last_key = n <= 8 ? iv__pool_key8(s, n) : 0;
}

static int iv__pool_intern_slow(iv__pool *p, const iv__alloc *a, const char *s, size_t n,
                                int hashed, uint32_t h, uint32_t *id, uint64_t *limit_left)
{
    size_t i;
    int rc;
    if (n == 0) {
        *id = 0;
        return IV_OK;
    }
    if (p->last && (n <= 8 ? p->last_n == n && p->last_key == iv__pool_key8(s, n)
                           : iv__pool_eq(p, p->last, s, n))) {
        *id = p->last;
        return IV_OK;
    }
    i = 0;
    if (p->nodedup)
        h = 0;
    else {
        uint32_t id1;
        if (!hashed)
            h = iv__hash(s, n);
        if ((id1 = iv__pool_probe(p, s, n, h, &i)) != 0) {
            *id = id1 - 1;
            iv__pool_set_last(p, id1 - 1, s, n);
            return IV_OK;
        }
    }
    /* Insert. Make room everywhere first so that a failure changes nothing. */
    if (limit_left && *limit_left == 0)
        return iv__error(IV_ELIMIT, "too many distinct strings (the store's max_strings limit)");
    if (p->count >= UINT32_MAX - 1)
        return iv__error(IV_ELIMIT, "more than 2^32 distinct strings in one column");
    if (p->nbytes + n + 1 > p->capbytes) {
        size_t cap = p->capbytes;
        void *nb = p->bytes;
        if ((rc = iv__grow(a, &nb, &cap, p->nbytes + n + 1, 1)) != IV_OK)
            return rc;
        p->bytes = nb;
        p->capbytes = cap;
    }
    if (p->count + 1 > p->capids) {
        void *ne = p->ents;
        if ((rc = iv__grow(a, &ne, &p->capids, p->count + 1, sizeof *p->ents)) != IV_OK)
            return rc;
        p->ents = ne;
    }
    if (n > UINT32_MAX)
        return iv__error(IV_ELIMIT, "string longer than 4 GiB");
    if (!p->nodedup && p->count * IV__POOL_LOAD_DEN > p->nslots * IV__POOL_LOAD_NUM) {
        /* count - 1 strings in the table (id 0 is not): grow before it holds more
         * than IV__POOL_LOAD of the slots */
        size_t mask;
        if ((rc = iv__pool_rehash(p, a, p->nslots * 2)) != IV_OK)
            return rc;
        mask = p->nslots - 1;
        for (i = h & mask; p->slots[i].id1; i = (i + 1) & mask)
            ;
    }
    if (n >= 8 && n <= 16) { /* two overlapping 8-byte copies instead of a call */
        memcpy(p->bytes + p->nbytes, s, 8);
        memcpy(p->bytes + p->nbytes + n - 8, s + n - 8, 8);
    } else {
        memcpy(p->bytes + p->nbytes, s, n);
    }
    p->bytes[p->nbytes + n] = '\0';
    p->nbytes += n + 1;
    p->ents[p->count].off = p->nbytes - n - 1;
    p->ents[p->count].len = (uint32_t)n;
    p->ents[p->count].hash = h;
    if (!p->nodedup) {
        p->slots[i].key = n <= 8 ? iv__pool_key8(s, n) : 0;
        p->slots[i].tag = iv__pool_tag(h, n);
        p->slots[i].id1 = (uint32_t)p->count + 1;
    }
    *id = (uint32_t)p->count;
    iv__pool_set_last(p, *id, s, n);
    p->count++;
    if (limit_left)
        (*limit_left)--;
    return IV_OK;
}

void iv__pool_truncate(iv__pool *p, size_t count)
{
    size_t mask = p->nslots - 1, k;
    /* Remove in reverse insertion order: with linear probing, no entry inserted
     * earlier can have probed past a later one, so clearing its slot is safe. */
    if (p->last >= count) {
        p->last = 0;
        p->last_n = 0;
    }
    for (k = 0; k < IV__POOL_RECENT; k++)
        if (p->recent[k].id >= count)
            p->recent[k].n = 0;
    while (p->count > count && p->count > 1) {
        uint32_t id = (uint32_t)p->count - 1;
        if (!p->nodedup) {
            size_t i = p->ents[id].hash & mask;
            while (p->slots[i].id1 != id + 1)
                i = (i + 1) & mask;
            memset(&p->slots[i], 0, sizeof p->slots[i]);
        }
        p->nbytes = p->ents[id].off;
        p->count--;
    }
}
